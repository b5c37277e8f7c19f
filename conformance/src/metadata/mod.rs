//! The metadata references: the documented rules over an order-keeping tree
//! ([`reference`](mod@reference)), MIDIMon's own reading ([`daemon`]), and core-abi's metadata
//! reader checked against both.

mod check;
pub mod daemon;
pub mod reference;
mod tree;

pub use check::*;
pub use daemon::*;
pub use reference::*;
pub use tree::METADATA_FIELDS;
