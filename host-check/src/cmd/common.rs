//! What every subcommand shares: the exit codes, the [`Failure`] a subcommand returns when it
//! gives no verdict, the budget file and sandbox-limit flags, and the reading of the plugin file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::input;
use crate::settings::{
    LimitOverrides, Limits, MeasurementOverrides, Overrides, Settings, ThresholdOverrides,
};

/// Exit code: every check passed (warnings allowed).
pub const EXIT_PASS: u8 = 0;
/// Exit code: a check failed, or the plugin failed (`run`, `inspect`).
pub const EXIT_FAIL: u8 = 1;
/// Exit code: usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

/// Why a subcommand gave no verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A usage, I/O or environment error: `host-check: error: <why>`, exit code 2.
    Usage(String),
    /// The plugin could not be loaded, initialised or described: `host-check: <why>`, exit
    /// code 1.
    Plugin(String),
}

impl Failure {
    /// A usage, I/O or environment error.
    pub fn usage(why: impl std::fmt::Display) -> Failure {
        Failure::Usage(why.to_string())
    }

    /// A failure of the plugin.
    pub fn plugin(why: impl std::fmt::Display) -> Failure {
        Failure::Plugin(why.to_string())
    }
}

/// What a subcommand's `run()` returns: the exit code of its verdict, or why there is none.
pub type Outcome = Result<u8, Failure>;

/// Prints to stdout, ignoring a closed pipe (`host-check ... | head` must not panic).
pub(super) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// The budget file and the sandbox-limit flags, shared by every subcommand.
#[derive(Debug, Args)]
pub(super) struct LimitArgs {
    /// Budget file (TOML, top-level keys such as max_fuel = 1000000, timeout = "2s"; see the
    /// README). Flags override its values.
    #[arg(long, value_name = "FILE")]
    budget: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitOverrides,
}

impl LimitArgs {
    /// The settings: the defaults, the budget file, then these flags and a subcommand's own
    /// `thresholds` and `measurement` flags.
    pub(super) fn settings(
        &self,
        thresholds: ThresholdOverrides,
        measurement: MeasurementOverrides,
    ) -> Result<Settings, Failure> {
        let flags = Overrides {
            limits: self.limits.clone(),
            thresholds,
            measurement,
        };
        Settings::resolve(flags, self.budget.as_deref()).map_err(Failure::usage)
    }

    /// The sandbox limits alone: the defaults, the budget file's limits, then these flags (for
    /// the subcommands that judge nothing: run, inspect, manifest, profile).
    pub(super) fn limits(&self) -> Result<Limits, Failure> {
        Ok(self
            .settings(Default::default(), Default::default())?
            .limits)
    }
}

/// Reads a plugin file (size cap, usage errors).
pub(super) fn read_plugin(path: &Path) -> Result<Vec<u8>, Failure> {
    input::read_file(path).map_err(Failure::usage)
}

/// Checks that the temporary directory can hold scratch directories: an unusable TMPDIR is an
/// environment error (exit 2), not a plugin failure.
pub(super) fn scratch_usable() -> Result<(), Failure> {
    crate::scratch::ensure_usable().map_err(Failure::usage)
}

/// Writes `text` to `path`, naming the file when it cannot.
pub(super) fn write(path: &Path, text: impl AsRef<[u8]>) -> Result<(), Failure> {
    std::fs::write(path, text)
        .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))
}
