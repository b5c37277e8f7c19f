//! Findings and the report of `host-check check`, as text or JSON.
//!
//! Every check produces [`Finding`]s with a stable dotted id (`exports.init`, `note_path.fuel`
//! ...), a [`Status`] and a detail sentence. The [`Report`] gathers them with the module's
//! facts and the note-path figures, and renders either a table for people (colours only on a
//! terminal) ending with one `FAIL <id>: <why>` line per failure, which is what CI logs show,
//! or one JSON object for tools. The JSON schema is documented in `host-check/README.md`;
//! [`SCHEMA_VERSION`] changes when a field changes meaning or disappears.
//!
//! The files: `finding` (one check's outcome), `content` (the whole report as data), `text`
//! and `json` (its two renderings).

mod content;
mod finding;
mod json;
#[cfg(test)]
mod tests;
mod text;

pub use content::{DaemonEvent, NotePath, PhaseOutput, Report};
// The module facts and figures a report holds, re-exported on purpose: they are part of the
// report's data (its `exports`, `imports` and latencies), defined where they are computed.
pub use crate::module::{ExportInfo, ExternKind, ImportInfo, Signature};
pub use crate::stats::Latency;
pub use finding::{Finding, Measure, Status, Unit, README_RULE};
pub use json::SCHEMA_VERSION;
pub use text::{ReportText, TextStyle};
