//! What a check found, as data: the findings in check order, the metadata, the note-path and
//! daemon-flow figures, the module's exports and imports and the plugin's output. The text and
//! JSON renderings read it; nothing here formats.

use std::time::Duration;

use super::finding::{Finding, Status};
use crate::metadata::PluginMeta;
use crate::module::{ExportInfo, ImportInfo};
use crate::runner::Captured;
use crate::stats::Latency;

/// What the note-path measurement found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotePath {
    /// The action measured.
    pub action: String,
    /// Note-on calls made.
    pub calls: u64,
    /// Whether the measurement stopped on the time cap rather than the call count.
    pub stopped_by_time: bool,
    /// Wall time of the whole measurement.
    pub elapsed: Duration,
    /// Least fuel of one `execute`.
    pub fuel_min: u64,
    /// Most fuel of one `execute`.
    pub fuel_max: u64,
    /// Latency of `execute` alone.
    pub execute: Latency,
    /// Latency of the whole host cycle (`alloc`, write, `execute`, `dealloc`).
    pub cycle: Latency,
    /// Largest memory size of the instance, in bytes.
    pub memory_high_water: u64,
    /// Bytes the memory grew by after the first call.
    pub memory_growth: u64,
    /// Fuel of one note-on `execute_postcard`, when exported.
    pub postcard_fuel: Option<u64>,
}

/// The cost of one event the way MIDIMon's daemon runs it: a fresh instance per event
/// (instantiate, `alloc`, write, `execute`, drop), one fuel budget for all of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonEvent {
    /// The action measured.
    pub action: String,
    /// Events measured.
    pub events: u64,
    /// Fuel of the start function (0 without one).
    pub start_fuel: u64,
    /// Fuel of `alloc`.
    pub alloc_fuel: u64,
    /// Fuel of `execute` on the daemon's note-on request.
    pub execute_fuel: u64,
    /// Latency of a whole event, instantiation and drop included.
    pub event: Latency,
}

/// Output a plugin wrote during one phase of the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseOutput {
    /// The phase: `init`, `checks`, `note path` ...
    pub phase: String,
    /// What it wrote.
    pub captured: Captured,
}

/// Everything `host-check check` found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The plugin file as given.
    pub file: String,
    /// Module size in bytes.
    pub size: u64,
    /// The ABI version: the marker's, or 1 when there is none; `None` when unknown.
    pub abi_version: Option<u32>,
    /// Whether the module exports a marker.
    pub abi_marker: bool,
    /// Every finding, in check order.
    pub checks: Vec<Finding>,
    /// The metadata `init` returned, when valid.
    pub metadata: Option<PluginMeta>,
    /// The note-path figures (warm instance), when measured.
    pub note_path: Option<NotePath>,
    /// The per-event figures in the daemon's flow, when measured.
    pub daemon_event: Option<DaemonEvent>,
    /// Whether warnings were turned into failures (`--strict`).
    pub strict: bool,
    /// Size after `wasm-opt -Oz`, when measured (only with a `max_size_optimized` budget).
    pub size_optimized: Option<u64>,
    /// The module's exports.
    pub exports: Vec<ExportInfo>,
    /// The module's imports.
    pub imports: Vec<ImportInfo>,
    /// Captured stdout/stderr by phase (phases without output are left out).
    pub output: Vec<PhaseOutput>,
    /// Wall time of the whole check.
    pub elapsed: Duration,
}

impl Report {
    /// Adds findings.
    pub fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        self.checks.extend(findings);
    }

    /// Adds one finding.
    pub fn push(&mut self, finding: Finding) {
        self.checks.push(finding);
    }

    /// `--strict`: every warning becomes a failure, its detail marked so.
    pub fn make_strict(&mut self) {
        self.strict = true;
        for c in &mut self.checks {
            if c.status == Status::Warn {
                c.status = Status::Fail;
                c.detail.insert_str(0, "(--strict) ");
            }
        }
    }

    /// Whether no check failed.
    pub fn passed(&self) -> bool {
        !self.checks.iter().any(|c| c.status == Status::Fail)
    }

    /// The findings with a given status.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &Finding> {
        self.checks.iter().filter(move |c| c.status == status)
    }

    /// The process exit code: 0 when every check passed (warnings allowed), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.passed() {
            0
        } else {
            1
        }
    }
}
