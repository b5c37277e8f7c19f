//! What a wasm module is, as host-check sees it: its imports, exports, sections, functions
//! and memories, read once by [`analyze`].
//!
//! The checks ([`crate::checks`]), the report and `inspect` all read this same
//! [`ModuleInfo`]; it knows nothing of findings or verdicts, so that the report can show a
//! module's exports without depending on the checks that judge them.

mod info;
mod parse;

pub use info::{ExportInfo, ExternKind, ImportInfo, ModuleInfo, Signature};
pub use parse::{analyze, pages};
