//! What every subcommand shares: the exit codes, the [`Failure`] a subcommand returns when it
//! gives no verdict, the per-call limit flags and the reading of the plugin file.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use crate::budget::{
    parse_nonzero_duration, parse_positive_count, parse_size, BudgetOverrides, Budgets,
};
use crate::input;

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

/// Per-call limits, shared by every subcommand.
#[derive(Debug, Args)]
pub(super) struct LimitArgs {
    /// Budget file (TOML, top-level keys such as max_fuel = 1000000, timeout = "2s"; see the
    /// README). Flags override its values.
    #[arg(long, value_name = "FILE")]
    budget: Option<PathBuf>,
    /// Fuel per call, refilled before instantiation and before every call [default: 100000000].
    #[arg(long, value_name = "N", value_parser = parse_positive_count, allow_hyphen_values = true)]
    max_fuel: Option<u64>,
    /// Wall time per call, e.g. 5s, 250ms, 1.5s, 100us [default: 5s].
    #[arg(long, value_name = "DURATION", value_parser = parse_nonzero_duration, allow_hyphen_values = true)]
    timeout: Option<Duration>,
    /// Largest linear memory, inclusive, in bytes or with a KiB/MiB/GiB suffix
    /// [default: 128MiB].
    #[arg(long, value_name = "BYTES", value_parser = parse_size, allow_hyphen_values = true)]
    max_memory: Option<u64>,
    /// Wall time the compilation may take [default: 30s].
    #[arg(long, value_name = "DURATION", value_parser = parse_nonzero_duration, allow_hyphen_values = true)]
    max_compile_time: Option<Duration>,
    /// Wall time all plugin calls of one check may take together [default: 12 x --timeout
    /// + --note-time].
    #[arg(long, value_name = "DURATION", value_parser = parse_nonzero_duration, allow_hyphen_values = true)]
    max_check_time: Option<Duration>,
    /// Bytes a plugin with the filesystem capability may write to its sandbox directory
    /// [default: 64MiB].
    #[arg(long, value_name = "BYTES", value_parser = parse_size, allow_hyphen_values = true)]
    max_disk: Option<u64>,
}

impl LimitArgs {
    /// The budget file, then these flags, then `overrides` (a subcommand's own flags).
    pub(super) fn budgets(&self, mut overrides: BudgetOverrides) -> Result<Budgets, Failure> {
        let mut budgets = match &self.budget {
            Some(path) => Budgets::load(path).map_err(Failure::usage)?,
            None => Budgets::default(),
        };
        overrides.max_fuel = self.max_fuel;
        overrides.timeout = self.timeout;
        overrides.max_memory = self.max_memory;
        overrides.max_compile_time = self.max_compile_time;
        overrides.max_check_time = self.max_check_time;
        overrides.max_disk = self.max_disk;
        budgets.apply(&overrides);
        Ok(budgets)
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
