//! What a benchmark is given and how it can fail before measuring: the plugins, the settings
//! (with their defaults) and the typed errors that stop a run.

use thiserror::Error;

use crate::metadata::MetadataProblem;
use crate::runner::{CallError, Limits, LoadError};

/// Most timed calls per plugin and path (`--calls`): every sample is kept (8 bytes, five
/// series per plugin), so this bounds the benchmark's memory to ~40 MB per plugin and its time
/// to seconds per plugin for any plugin fast enough for the note path.
pub const MAX_CALLS: u64 = 1_000_000;

/// Timed calls per plugin and path when `--calls` is not given.
pub const DEFAULT_CALLS: u64 = 20_000;

/// Calls per plugin in one round of the interleaved latency measurement.
pub const ROUND_CALLS: u64 = 100;

/// Warm calls per MIDIMon-flow event in a round: an event (a fresh instance) costs tens of
/// warm calls, so it is sampled less often.
pub const EVENT_SHARE: u64 = 10;

/// The action every request names when `--action` is not given.
pub const DEFAULT_ACTION: &str = "my_action";

/// The metadata sizes the execute fuel is measured at (1 is the canonical note-on).
pub const METADATA_ENTRIES: [usize; 4] = [0, 1, 8, 64];

/// Calls per request shape in the fuel measurement (fuel is deterministic; a few suffice).
pub const FUEL_CALLS: usize = 3;

/// Repeats of the compile-and-instantiate measurement; the median is reported.
pub const STARTUP_REPEATS: usize = 5;

/// Smallest R² of the fuel-per-entry fit that counts as "grows linearly" in the targets.
pub const LINEAR_R2: f64 = 0.99;

/// One plugin to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchInput {
    /// The path as given on the command line (shown in the report).
    pub file: String,
    /// The module bytes.
    pub wasm: Vec<u8>,
}

/// How to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchOptions {
    /// Timed calls per plugin and path (JSON, postcard, reused buffer).
    pub calls: u64,
    /// Calls per plugin in one round of the interleaving.
    pub round_calls: u64,
    /// The action every request names.
    pub action: String,
    /// Per-call limits (fuel, time, memory), the same for every plugin.
    pub limits: Limits,
    /// Measure the size after `wasm-opt -Oz` (when wasm-opt is installed).
    pub wasm_opt: bool,
    /// Repeats of the compile-and-instantiate measurement.
    pub startup_repeats: usize,
}

impl BenchOptions {
    /// The defaults ([`DEFAULT_CALLS`], [`ROUND_CALLS`], [`DEFAULT_ACTION`], wasm-opt on,
    /// [`STARTUP_REPEATS`]) under `limits`.
    pub fn new(limits: Limits) -> BenchOptions {
        BenchOptions {
            calls: DEFAULT_CALLS,
            round_calls: ROUND_CALLS,
            action: DEFAULT_ACTION.to_string(),
            limits,
            wasm_opt: true,
            startup_repeats: STARTUP_REPEATS,
        }
    }
}

/// Why the benchmark could not run at all. A plugin that loads but misbehaves during the
/// measurement is not an error: it is reported in [`PluginBench::problems`].
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum BenchError {
    /// No plugin was given (a usage error, exit code 2).
    #[error("no plugins to compare: give one or more .wasm files, the reference first")]
    NoPlugins,
    /// wasmtime could not compile a plugin.
    #[error("{file}: cannot load the plugin: {error}; run `host-check check {file}` for details")]
    Load {
        /// The plugin file.
        file: String,
        /// Why.
        error: LoadError,
    },
    /// A plugin could not be instantiated.
    #[error(
        "{file}: cannot instantiate the plugin: {error}; run `host-check check {file}` for details"
    )]
    Instantiate {
        /// The plugin file.
        file: String,
        /// Why.
        error: CallError,
    },
    /// A plugin's `init` failed.
    #[error("{file}: init failed: {error}; run `host-check check {file}` for details")]
    Init {
        /// The plugin file.
        file: String,
        /// Why.
        error: CallError,
    },
    /// A plugin's metadata is invalid.
    #[error("{file}: invalid metadata: {problem}; run `host-check check {file}` for details")]
    Metadata {
        /// The plugin file.
        file: String,
        /// Why.
        problem: MetadataProblem,
    },
    /// A plugin does not declare the benchmarked action.
    #[error(
        "{file}: does not declare the action \"{action}\" (declared: {declared}); every plugin \
         must declare the benchmarked action, choose it with --action"
    )]
    ActionNotDeclared {
        /// The plugin file.
        file: String,
        /// The action asked for.
        action: String,
        /// The actions it declares, comma-separated.
        declared: String,
    },
}

impl BenchError {
    /// Whether this is a usage error (exit code 2) rather than a plugin failure (exit code 1).
    pub fn is_usage(&self) -> bool {
        matches!(self, BenchError::NoPlugins)
    }
}
