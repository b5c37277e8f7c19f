//! `host-check check`: every static and dynamic check on one plugin, in the shape asked for.

use std::path::PathBuf;

use clap::Args;

use super::common::{print, read_plugin, scratch_usable, Failure, LimitArgs, Outcome};
use crate::checks::config;
use crate::report::{Report, TextStyle};
use crate::settings::{MeasurementOverrides, ThresholdOverrides};
use crate::{check, formats};

#[derive(Debug, Args)]
pub(super) struct Opts {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    /// Print one JSON object (schema in host-check/README.md) instead of the text report;
    /// the same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// The report's shape: text, json, github (workflow annotations), junit (XML) or
    /// markdown (a job summary) [default: text].
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<Format>,
    /// Also show what the plugin wrote to stdout and stderr.
    #[arg(long, short)]
    verbose: bool,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    thresholds: ThresholdOverrides,
    #[command(flatten)]
    measurement: MeasurementOverrides,
    /// An action MIDIMon will call: run it in the daemon's flow, and fail if it never returns 0
    /// there. Repeatable; needed for plugins whose metadata lists no actions.
    #[arg(long = "action", value_name = "NAME")]
    actions: Vec<String>,
    /// A MIDIMon config.toml: every mapping that names this plugin must use a declared action.
    #[arg(long, value_name = "MIDIMON_CONFIG.toml")]
    config: Option<PathBuf>,
    /// Also compare the plugin with this older build, as `host-check diff OLD PLUGIN` does
    /// (text, json, github and markdown formats).
    #[arg(long, value_name = "OLD.wasm")]
    baseline: Option<PathBuf>,
    /// With --baseline: fail when a size or fuel metric grew by more than this, e.g. 1%.
    #[arg(long, value_name = "PERCENT", value_parser = crate::diff::MaxGrowth::parse, requires = "baseline")]
    max_growth: Option<crate::diff::MaxGrowth>,
}

/// The shapes of `check`'s report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Format {
    /// The table for people.
    Text,
    /// One JSON object.
    Json,
    /// GitHub workflow annotations.
    Github,
    /// A JUnit XML report.
    Junit,
    /// A Markdown job summary.
    Markdown,
}

/// Runs the checks and prints the report; the exit code is the verdict's.
pub(super) fn run(opts: Opts) -> Outcome {
    scratch_usable()?;
    let budgets = opts.limits.settings(opts.thresholds, opts.measurement)?;
    let wasm = read_plugin(&opts.plugin)?;
    let mappings = match &opts.config {
        Some(path) => {
            let table = config::load(path).map_err(Failure::usage)?;
            Some(config::plugin_mappings(&table))
        }
        None => None,
    };
    let label = opts.plugin.display().to_string();
    let format = match (opts.json, opts.format) {
        (true, _) => Format::Json,
        (false, format) => format.unwrap_or(Format::Text),
    };
    // Read before the (long) check, so that a bad path fails at once.
    let baseline = match &opts.baseline {
        Some(old) => Some(super::diff::baseline(old, format)?),
        None => None,
    };
    let report = check::check(&label, &wasm, &budgets, &opts.actions, mappings.as_ref());
    if let Some(old) = baseline {
        return super::diff::check_against(
            &old,
            &report,
            &wasm,
            &budgets,
            opts.max_growth,
            format,
            opts.verbose,
        );
    }
    print(&render(&report, format, opts.verbose));
    Ok(report.exit_code())
}

/// The report in `format` (`--baseline` appends its comparison to it).
pub(super) fn render(report: &Report, format: Format, verbose: bool) -> String {
    match format {
        Format::Text => report.render_text(TextStyle::detect(verbose)),
        Format::Json => {
            let text = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
            format!("{text}\n")
        }
        Format::Github => formats::github(report),
        Format::Junit => formats::junit(report),
        Format::Markdown => formats::markdown(report),
    }
}
