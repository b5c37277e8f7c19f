//! `host-check inspect`: what a module holds and what its metadata declares.

use std::path::{Path, PathBuf};

use clap::Args;

use super::common::{print, read_plugin, Failure, LimitArgs, Outcome, EXIT_PASS};
use crate::inspect;

#[derive(Debug, Args)]
pub(super) struct Opts {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    /// Its named twin (the same code built with names, e.g. `make build-named`): functions and
    /// data segments are shown by their demangled names.
    #[arg(long, value_name = "NAMED.wasm")]
    names: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Prints the inspection; a module that cannot be read is a failure of the plugin.
pub(super) fn run(opts: &Opts) -> Outcome {
    let limits = opts.limits.limits()?;
    let wasm = read_plugin(&opts.plugin)?;
    let twin = opts.names.as_deref().map(read_plugin).transpose()?;
    let names = crate::names::Names::for_module(&wasm, twin.as_deref()).map_err(|why| {
        let twin_path = opts.names.as_deref().unwrap_or(Path::new(""));
        Failure::usage(format!("--names {}: {why}", twin_path.display()))
    })?;
    let text = inspect::inspect_named(&opts.plugin.display().to_string(), &wasm, names, limits)
        .map_err(Failure::plugin)?;
    print(&text);
    Ok(EXIT_PASS)
}
