//! The one reference model of the MIDIMon plugin ABI, against which core-abi's readers are
//! checked: by core-abi's property tests, by the corpus replays of core-abi and host-check, and by
//! the fuzz targets (`fuzz/`), so that an input is judged by the same code everywhere.
//!
//! Each `check_*` function panics, with the input in the message, when core-abi and the
//! reference disagree; returning means they agree (or the reference could not decide, see
//! [`Verdict::Undecided`]). It only uses what every user sees: `core_abi` without its `std`
//! feature, `serde`, `serde_json` and `postcard` (without `alloc`).
//!
//! The JSON reference ([`json`], [`request`]) is serde_json driven by hand-written visitors
//! rather than `serde_json::Value`, so that it keeps what `Value` loses: member order, duplicate
//! keys (known fields may appear once, metadata keys repeat with the last one winning), the
//! difference between integers and other numbers, and the point where the first fault is met.
//! It mirrors core-abi's documented rules: the first fault in reading order decides, a field of
//! the wrong type or out of range is `InvalidField`, a syntax or encoding fault is
//! `MalformedJson`, `InvalidUtf8` or `NestingTooDeep`.
//!
//! Two kinds of serde_json refusal leave the reference undecided, because RFC 8259 lets a
//! parser set these limits and the ABI sets them differently: numbers outside `f64`'s range
//! (`1e400`: serde_json refuses the text, core-abi only needs integers up to `u64::MAX` and skips
//! others), and nesting past serde_json's recursion limit (core-abi's own limit is
//! `MAX_NESTING` levels inside a skipped value, checked separately).
//!
//! Metadata (`init`'s JSON, [`metadata`]) has two references: the documented rules written out
//! again over serde_json's order-keeping tree ([`reference_metadata`]: load verdict, fields,
//! README issues in order, its own semver grammar [`semver_spec`]), and, for the load verdict
//! alone, a serde-derived copy of MIDIMon's own struct read as the daemon reads it
//! ([`check_metadata_daemon`]). Postcard requests ([`binary`]) are checked against postcard
//! itself and against the JSON path. [`corpus`](mod@corpus) lists and replays `fuzz/corpus/`.

#![warn(missing_docs)]

pub mod binary;
pub mod corpus;
pub mod json;
pub mod metadata;
pub mod request;
mod request_check;
mod request_text;
pub mod verdict;

pub use binary::*;
pub use corpus::{corpus, replay};
pub use json::*;
pub use metadata::*;
pub use request::*;
pub use request_check::*;
pub use request_text::json_request;
pub use verdict::*;
