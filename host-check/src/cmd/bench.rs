//! `host-check bench`: plugins measured side by side against the first, the reference.

use std::path::PathBuf;

use clap::Args;

use super::common::{print, read_plugin, Failure, LimitArgs, Outcome};
use crate::bench;
use crate::report::TextStyle;
use crate::settings::units::{parse_positive_count, ValueError};

pub(super) const EXIT_CODES: &str = "\
Exit codes:
  0  every plugin was measured (targets that are not met are reported, not enforced)
  1  a plugin could not be loaded, instantiated or initialised, does not declare the action,
     or returned a non-zero code or trapped on a benchmark request
  2  usage or I/O error: no plugin, missing file, a directory, unreadable file, bad flag";

#[derive(Debug, Args)]
pub(super) struct Opts {
    /// The plugin modules (.wasm); the first is the reference.
    #[arg(required = true, value_name = "PLUGIN.wasm")]
    plugins: Vec<PathBuf>,
    /// Print one JSON object (schema in host-check/README.md) instead of the table.
    #[arg(long)]
    json: bool,
    /// Timed calls per plugin and path, interleaved in rounds of 100 [default: 20000, at most
    /// 1000000].
    #[arg(long, value_name = "N", value_parser = parse_bench_calls, allow_hyphen_values = true)]
    calls: Option<u64>,
    /// The action every request names [default: my_action].
    #[arg(long, value_name = "ACTION")]
    action: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// `--calls`: a positive count of at most [`bench::MAX_CALLS`].
fn parse_bench_calls(text: &str) -> Result<u64, ValueError> {
    let calls = parse_positive_count(text)?;
    if calls > bench::MAX_CALLS {
        return Err(ValueError(format!(
            "`{text}` is too many: at most {} calls per plugin and path (each sample is kept)",
            bench::MAX_CALLS
        )));
    }
    Ok(calls)
}

/// Measures the plugins and prints the table (or JSON).
pub(super) fn run(opts: Opts) -> Outcome {
    let budgets = opts
        .limits
        .settings(Default::default(), Default::default())?;
    let mut inputs = Vec::with_capacity(opts.plugins.len());
    for path in &opts.plugins {
        inputs.push(bench::BenchInput {
            file: path.display().to_string(),
            wasm: read_plugin(path)?,
        });
    }
    let mut options = bench::BenchOptions::new(budgets.limits);
    if let Some(calls) = opts.calls {
        options.calls = calls;
    }
    if let Some(action) = opts.action {
        options.action = action;
    }
    let report = bench::bench(&inputs, &options).map_err(|e| {
        if e.is_usage() {
            Failure::usage(e)
        } else {
            Failure::plugin(e)
        }
    })?;
    if opts.json {
        let text = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
        print(&format!("{text}\n"));
    } else {
        print(&report.render_text(TextStyle::detect(false).colour));
    }
    Ok(report.exit_code())
}
