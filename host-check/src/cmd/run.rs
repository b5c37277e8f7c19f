//! `host-check run`: one request to a plugin, with its code, fuel, time and output.

use std::path::PathBuf;

use clap::Args;

use super::common::{print, read_plugin, scratch_usable, Failure, LimitArgs, Outcome};
use crate::input;
use crate::run::{self, RunError, RunRequest};

#[derive(Debug, Args)]
pub(super) struct Opts {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    /// The action to run (with --postcard: a declared action or a numeric action index).
    #[arg(required_unless_present = "request")]
    action: Option<String>,
    /// The request's `context` as JSON [default: a note-on: velocity 100, note 60,
    /// metadata {"key":"value"}].
    #[arg(long, value_name = "JSON", conflicts_with = "request")]
    context: Option<String>,
    /// Send this file's bytes verbatim as the request (ACTION is then ignored).
    #[arg(long, value_name = "FILE")]
    request: Option<PathBuf>,
    /// Send a postcard request to `execute_postcard` instead of JSON to `execute`.
    #[arg(long)]
    postcard: bool,
    /// Also print the request body that was sent.
    #[arg(long, short)]
    verbose: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Sends the request; the exit code is 0 when the plugin returned 0, 1 otherwise.
pub(super) fn run(opts: Opts) -> Outcome {
    scratch_usable()?;
    let limits = opts.limits.limits()?;
    let wasm = read_plugin(&opts.plugin)?;
    let body = match &opts.request {
        Some(path) => {
            Some(input::read_kind(path, input::FileKind::Request).map_err(Failure::usage)?)
        }
        None => None,
    };
    let request = RunRequest {
        action: opts.action,
        context: opts.context,
        body,
        postcard: opts.postcard,
        verbose: opts.verbose,
    };
    let output = run::run(&wasm, limits, &request).map_err(|e| match e {
        RunError::Usage(why) => Failure::Usage(why),
        RunError::Plugin(why) => Failure::Plugin(why),
    })?;
    print(&output.text);
    Ok(output.exit_code)
}
