//! `host-check manifest`: the `plugin.toml` MIDIMon's discovery reads, from the plugin's own
//! metadata.

use std::path::PathBuf;

use clap::Args;

use super::common::{print, read_plugin, write, Failure, LimitArgs, Outcome, EXIT_PASS};
use crate::manifest;
use crate::runner::{FuelMode, Opened, Plugin};

pub(super) const EXIT_CODES: &str = "\
Exit codes:
  0  the manifest was written
  1  the plugin cannot be loaded or initialised, or MIDIMon would reject its metadata
  2  usage or I/O error: missing file, unreadable file, unwritable --out";

#[derive(Debug, Args)]
pub(super) struct Opts {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    /// The module's file name beside the manifest [default: <name>.wasm, from the metadata].
    #[arg(long, value_name = "FILE_NAME")]
    binary: Option<String>,
    /// Write the manifest here instead of stdout.
    #[arg(long, value_name = "plugin.toml")]
    out: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Writes (or prints) the manifest.
pub(super) fn run(opts: &Opts) -> Outcome {
    let limits = opts.limits.limits()?;
    let wasm = read_plugin(&opts.plugin)?;
    let meta = Plugin::open(&wasm, limits, FuelMode::PerInstance)
        .map_err(|e| e.to_string())
        .and_then(Opened::into_meta)
        .map_err(Failure::Plugin)?;
    let binary = opts
        .binary
        .clone()
        .unwrap_or_else(|| manifest::default_binary(&meta));
    let text = manifest::render(&meta, &binary).map_err(Failure::plugin)?;
    match &opts.out {
        None => print(&text),
        Some(path) => write(path, text)?,
    }
    Ok(EXIT_PASS)
}
