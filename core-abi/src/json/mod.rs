//! JSON as the ABI reads it: the strict scanner ([`validate`], [`MAX_NESTING`]) and the
//! borrowed strings it hands out ([`Text`]).

mod scan;
mod skip;
pub mod text;

pub use scan::*;
pub use text::Text;
