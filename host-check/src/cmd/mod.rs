//! The `host-check` command line: one module per subcommand, each owning its options
//! (`Opts`, a `clap::Args`) and its `run()`, in the manner of wasm-tools.
//!
//! A subcommand's `run()` prints its result and returns the verdict's exit code, or a
//! [`Failure`]; [`main`] is the one place that turns a failure into its message and exit code
//! (0 pass, 1 a check or the plugin failed, 2 usage, I/O or environment error). The work itself
//! is in the library's other modules, so that the benchmark and the tests can reuse it.

use clap::{Parser, Subcommand};

mod bench;
mod budget;
mod check;
mod common;
mod diff;
mod inspect;
mod manifest;
mod new;
mod optimize;
mod profile;
mod run;

pub use common::{Failure, Outcome, EXIT_FAIL, EXIT_PASS, EXIT_USAGE};

const EXIT_CODES: &str = "\
Exit codes:
  0  every check passed (warnings allowed)
  1  a check failed (one `FAIL <check-id>: <why>` line per failure); for `run`, the plugin
     returned a non-zero code or trapped; for `inspect`, the file is not a valid module
  2  usage or I/O error: missing file, a directory, unreadable file, unknown flag or
     subcommand, bad budget file or MIDIMon config";

/// Predict whether MIDIMon will load and run a WebAssembly plugin, check it against the template
/// README's rules, and hold it to size, fuel and latency budgets.
#[derive(Debug, Parser)]
#[command(name = "host-check", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every static and dynamic check on a plugin and report PASS/FAIL/WARN per check.
    #[command(after_help = EXIT_CODES)]
    Check(check::Opts),
    /// Show exports, imports, section sizes, the biggest functions and the declared metadata.
    #[command(after_help = EXIT_CODES)]
    Inspect(inspect::Opts),
    /// Send one request to a plugin and print its return code, fuel, time and output.
    #[command(after_help = EXIT_CODES)]
    Run(run::Opts),
    /// Measure plugins side by side (size, fuel, latency, host overhead, startup); the first
    /// is the reference every ratio compares with.
    #[command(after_help = bench::EXIT_CODES)]
    Bench(bench::Opts),
    /// Write the plugin.toml MIDIMon's discovery needs (~/.midimon/plugins/<dir>/plugin.toml),
    /// from the plugin's own metadata.
    #[command(after_help = manifest::EXIT_CODES)]
    Manifest(manifest::Opts),
    /// Create a standalone plugin crate that builds where it is created, build it once and
    /// record its size and fuel in its budget.toml.
    #[command(after_help = new::EXIT_CODES)]
    New(new::Opts),
    /// Record a plugin's current size and fuel as a budget file for its CI (after a strict
    /// check), so that any growth fails there.
    #[command(after_help = budget::EXIT_CODES)]
    Budget(budget::Opts),
    /// Run binaryen's `wasm-opt -Oz` on a plugin with the feature flags rustc's wasm32 targets
    /// need (the same run as the `size.optimized` check).
    #[command(after_help = optimize::EXIT_CODES)]
    Optimize(optimize::Opts),
    /// Compare two builds of a plugin: size, optimised size, fuel and latency with their
    /// deltas, and the functions and data that grew; --max-growth fails on regressions.
    #[command(after_help = diff::EXIT_CODES)]
    Diff(diff::Opts),
    /// Show where one request's fuel goes: calls and exact self fuel per function, from an
    /// instrumented copy, checked against the uninstrumented module's fuel.
    #[command(after_help = profile::EXIT_CODES)]
    Profile(profile::Opts),
}

/// Parses the arguments, runs the subcommand and returns the process's exit code.
pub fn main() -> u8 {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check(opts) => check::run(opts),
        Command::Inspect(opts) => inspect::run(&opts),
        Command::Run(opts) => run::run(opts),
        Command::Bench(opts) => bench::run(opts),
        Command::Manifest(opts) => manifest::run(&opts),
        Command::New(opts) => new::run(opts),
        Command::Budget(opts) => budget::run(&opts),
        Command::Optimize(opts) => optimize::run(&opts),
        Command::Diff(opts) => diff::run(&opts),
        Command::Profile(opts) => profile::run(opts),
    };
    exit_code(outcome)
}

/// The one place a failure becomes a message on stderr and an exit code.
fn exit_code(outcome: Outcome) -> u8 {
    match outcome {
        Ok(code) => code,
        Err(Failure::Usage(why)) => {
            eprintln!("host-check: error: {why}");
            EXIT_USAGE
        }
        Err(Failure::Plugin(why)) => {
            eprintln!("host-check: {why}");
            EXIT_FAIL
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn failures_map_to_their_exit_codes() {
        assert_eq!(exit_code(Ok(EXIT_PASS)), 0);
        assert_eq!(exit_code(Ok(EXIT_FAIL)), 1);
        assert_eq!(exit_code(Err(Failure::plugin("init failed"))), 1);
        assert_eq!(exit_code(Err(Failure::usage("no such file"))), 2);
    }
}
