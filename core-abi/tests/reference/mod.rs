//! core-abi's request parser as it was before issue #12 (commit 54d963b), kept as the exact
//! behavioural reference for the parser that replaced it: same bodies, same verdicts.
//!
//! - [`scan`]: the old JSON scanner, verbatim;
//! - [`parse`]: the old `parse_request`, returning owned, decoded values;
//! - [`bodies`]: a deterministic generator of request bodies, valid and broken, shaped to
//!   reach every branch of both parsers.

pub mod bodies;
pub mod parse;
pub mod scan;
