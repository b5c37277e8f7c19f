//! The `diff` subcommand and `check --baseline`: arguments, exit codes and output shapes; the
//! comparison itself is the library's (`crate::diff`).

use std::path::{Path, PathBuf};

use clap::Args;

use super::check::{render, Format};
use super::common::{print, read_plugin, scratch_usable, Failure, LimitArgs, Outcome};
use super::{EXIT_FAIL, EXIT_PASS};
use crate::diff::{self, DiffReport, MaxGrowth, Measured, Side};
use crate::report::Report;
use crate::settings::{MeasurementOverrides, Settings, ThresholdOverrides};

pub(super) const EXIT_CODES: &str = "\
Exit codes:
  0  compared; no size or fuel metric grew beyond --max-growth (or none was given)
  1  a size or fuel metric grew beyond --max-growth, or was measured in OLD but not in NEW
     (one `FAIL <metric>: <why>` line each)
  2  usage or I/O error: missing or unreadable file, bad --max-growth, a named twin that is
     not the same build";

#[derive(Debug, Args)]
pub(super) struct Opts {
    /// The old build (.wasm): the reference.
    old: PathBuf,
    /// The new build (.wasm).
    new: PathBuf,
    /// Fail when size, optimised size or fuel grew by more than this percentage, e.g. 1% or
    /// 0.5% (latency is never gated) [default: report only].
    #[arg(long, value_name = "PERCENT", value_parser = MaxGrowth::parse)]
    max_growth: Option<MaxGrowth>,
    /// OLD's named twin (the same code built with names): functions and data by name.
    #[arg(long, value_name = "NAMED.wasm")]
    old_names: Option<PathBuf>,
    /// NEW's named twin.
    #[arg(long, value_name = "NAMED.wasm")]
    new_names: Option<PathBuf>,
    /// Print one JSON object (schema in host-check/README.md) instead of the text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    measurement: MeasurementOverrides,
    #[command(flatten)]
    limits: LimitArgs,
}

fn read_optional(path: Option<&PathBuf>) -> Result<Option<Vec<u8>>, Failure> {
    path.map(|p| read_plugin(p)).transpose()
}

/// The two builds and their named twins, when given.
type Files = (Vec<u8>, Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>);

fn read_all(args: &Opts) -> Result<Files, Failure> {
    Ok((
        read_plugin(&args.old)?,
        read_plugin(&args.new)?,
        read_optional(args.old_names.as_ref())?,
        read_optional(args.new_names.as_ref())?,
    ))
}

/// `host-check diff`.
pub(super) fn run(args: &Opts) -> Outcome {
    scratch_usable()?;
    let budgets = args
        .limits
        .settings(ThresholdOverrides::default(), args.measurement.clone())?;
    let (old, new, old_twin, new_twin) = read_all(args)?;
    let (old_label, new_label) = (label(&args.old), label(&args.new));
    let old_measured = Measured::measure(&old_label, &old, &budgets);
    let new_measured = Measured::measure(&new_label, &new, &budgets);
    let report = diff::compare(
        &Side {
            file: &old_label,
            wasm: &old,
            twin: old_twin.as_deref(),
            measured: &old_measured,
        },
        &Side {
            file: &new_label,
            wasm: &new,
            twin: new_twin.as_deref(),
            measured: &new_measured,
        },
        args.max_growth,
    )
    .map_err(Failure::usage)?;
    print(&if args.json {
        json_text(&report)
    } else {
        crate::diff::render(&report)
    });
    Ok(exit_code(&report))
}

fn label(path: &Path) -> String {
    path.display().to_string()
}

fn json_text(report: &DiffReport) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(report).unwrap_or_default()
    )
}

fn exit_code(report: &DiffReport) -> u8 {
    if report.failures.is_empty() {
        EXIT_PASS
    } else {
        EXIT_FAIL
    }
}

/// The baseline's path and bytes, read before the (long) check; junit has no place for it.
pub(super) fn baseline(path: &Path, format: Format) -> Result<(PathBuf, Vec<u8>), Failure> {
    if format == Format::Junit {
        return Err(Failure::usage(
            "--baseline works with --format text, json, github or markdown, not junit; run \
             `host-check diff` beside the JUnit report",
        ));
    }
    Ok((path.to_path_buf(), read_plugin(path)?))
}

/// `check --baseline OLD`: the check report in its format, then the comparison; the exit code
/// is the worse of the two.
pub(super) fn check_against(
    old: &(PathBuf, Vec<u8>),
    report: &Report,
    wasm: &[u8],
    budgets: &Settings,
    max_growth: Option<MaxGrowth>,
    format: Format,
    verbose: bool,
) -> Outcome {
    let old_label = label(&old.0);
    let old_measured = Measured::measure(&old_label, &old.1, budgets);
    let new_measured = Measured::from_report(report, wasm, budgets);
    let diff = diff::compare(
        &Side {
            file: &old_label,
            wasm: &old.1,
            twin: None,
            measured: &old_measured,
        },
        &Side {
            file: &report.file,
            wasm,
            twin: None,
            measured: &new_measured,
        },
        max_growth,
    )
    .map_err(Failure::usage)?;
    let text = crate::diff::render(&diff);
    print(&match format {
        Format::Json => {
            let mut value = report.to_json();
            if let (Some(object), Ok(d)) = (value.as_object_mut(), serde_json::to_value(&diff)) {
                object.insert("baseline".to_string(), d);
            }
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
        Format::Github => {
            let mut out = render(report, Format::Github, verbose);
            for f in &diff.failures {
                out.push_str(&format!(
                    "::error title=host-check diff {}::{}\n",
                    f.id,
                    crate::fmt::printable(&f.detail).replace('%', "%25")
                ));
            }
            out.push_str(&text);
            out
        }
        Format::Markdown => format!(
            "{}\n### Against the baseline\n\n```text\n{text}```\n",
            render(report, Format::Markdown, verbose)
        ),
        Format::Text | Format::Junit => {
            format!("{}\n{text}", render(report, Format::Text, verbose))
        }
    });
    Ok(report.exit_code().max(exit_code(&diff)))
}
