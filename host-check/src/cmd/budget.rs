//! `host-check budget`: a budget file recorded from what a plugin measures now.

use std::path::PathBuf;

use clap::Args;

use super::common::{print, read_plugin, write, Failure, Outcome, EXIT_PASS};
use crate::budget_file;
use crate::settings::units::parse_count;

pub(super) const EXIT_CODES: &str = "\
Exit codes:
  0  the budget file was written (or printed)
  1  `check --strict` fails on the plugin: there is nothing worth recording
  2  usage or I/O error: missing or unreadable plugin, bad --headroom, unwritable --write";

#[derive(Debug, Args)]
pub(super) struct Opts {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    /// Write the budget file here (replacing it) instead of printing it.
    #[arg(long, value_name = "budget.toml")]
    write: Option<PathBuf>,
    /// Percent added to every figure before it is recorded [default: 0, fuel held exactly].
    #[arg(long, value_name = "PERCENT", value_parser = parse_count)]
    headroom: Option<u64>,
}

/// Records the figures and writes (or prints) the budget file.
pub(super) fn run(opts: &Opts) -> Outcome {
    let percent = u32::try_from(opts.headroom.unwrap_or(0)).unwrap_or(u32::MAX);
    let headroom = budget_file::Headroom::percent(percent).map_err(Failure::usage)?;
    let wasm = read_plugin(&opts.plugin)?;
    let label = opts.plugin.display().to_string();
    let figures = budget_file::record(&label, &wasm).map_err(Failure::plugin)?;
    let source = format!("`host-check budget` from {label}");
    let text = budget_file::render(Some(&figures), headroom, &source);
    match &opts.write {
        None => print(&text),
        Some(path) => {
            write(path, text)?;
            print(&format!(
                "recorded {}: {} bytes, daemon fuel {}, note fuel {} ({headroom})\n",
                path.display(),
                figures.size,
                figures.daemon_fuel,
                figures.note_fuel
            ));
        }
    }
    Ok(EXIT_PASS)
}
