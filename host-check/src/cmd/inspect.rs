//! `host-check inspect`: what a module holds and what its metadata declares.

use std::path::PathBuf;

use clap::Args;

use super::common::{print, read_plugin, Failure, LimitArgs, Outcome, EXIT_PASS};
use crate::budget::BudgetOverrides;
use crate::inspect;

#[derive(Debug, Args)]
pub(super) struct Opts {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Prints the inspection; a module that cannot be read is a failure of the plugin.
pub(super) fn run(opts: &Opts) -> Outcome {
    let budgets = opts.limits.budgets(BudgetOverrides::default())?;
    let wasm = read_plugin(&opts.plugin)?;
    let text = inspect::inspect(&opts.plugin.display().to_string(), &wasm, &budgets)
        .map_err(Failure::plugin)?;
    print(&text);
    Ok(EXIT_PASS)
}
