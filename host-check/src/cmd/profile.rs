//! `host-check profile`: one request's fuel and calls per function, exactly (see
//! [`crate::profile`] for how, and why it is exact).

use std::path::{Path, PathBuf};

use clap::Args;

use super::common::{print, read_plugin, scratch_usable, Failure, LimitArgs, Outcome, EXIT_PASS};
use crate::input;
use crate::names::Names;
use crate::profile::{self, Flow, ProfileError, RequestSpec};

pub(super) const EXIT_CODES: &str = "\
Exit codes:
  0  profiled (whatever code execute returned; a WARN line if the profile's total is not the
     fuel wasmtime charged the uninstrumented module)
  1  the plugin failed to load or initialise, or execute trapped or ran out of a budget
  2  usage or I/O error: missing or unreadable file, not a WebAssembly module, a module too
     big to instrument, no `execute` export (`execute_postcard` with --postcard), an undeclared
     --action with --postcard, a named twin that is not the same build";

#[derive(Debug, Args)]
pub(super) struct Opts {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    /// Send this file's bytes verbatim as the request [default: the note-on of --action].
    #[arg(long, value_name = "FILE", conflicts_with = "action")]
    request: Option<PathBuf>,
    /// The action of the note-on sent [default: the plugin's first declared action] (with
    /// --postcard: a declared action or a numeric action index).
    #[arg(long, value_name = "NAME")]
    action: Option<String>,
    /// Run as MIDIMon's daemon does (fresh instance, no init, its own request shape) instead
    /// of the README's host cycle (`host-check run`).
    #[arg(long)]
    daemon: bool,
    /// Send a postcard request to `execute_postcard` (the README's host cycle, as
    /// `host-check run --postcard`) instead of JSON to `execute`.
    #[arg(long, conflicts_with = "daemon")]
    postcard: bool,
    /// Its named twin (the same code built with names, e.g. `make build-named`): functions are
    /// shown by their demangled names.
    #[arg(long, value_name = "NAMED.wasm")]
    names: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Profiles the request and prints the table (or JSON).
pub(super) fn run(opts: Opts) -> Outcome {
    scratch_usable()?;
    let limits = opts.limits.limits()?;
    let wasm = read_plugin(&opts.plugin)?;
    let twin = opts.names.as_deref().map(read_plugin).transpose()?;
    let names = Names::for_module(&wasm, twin.as_deref()).map_err(|why| {
        let twin_path = opts.names.as_deref().unwrap_or(Path::new(""));
        Failure::usage(format!("--names {}: {why}", twin_path.display()))
    })?;
    let spec = match &opts.request {
        Some(path) => RequestSpec::Body(
            input::read_kind(path, input::FileKind::Request).map_err(Failure::usage)?,
        ),
        None => RequestSpec::Action(opts.action),
    };
    let flow = match (opts.daemon, opts.postcard) {
        (true, _) => Flow::Daemon,
        (false, true) => Flow::Postcard,
        (false, false) => Flow::Readme,
    };
    let result = profile::profile(&wasm, names.as_ref(), limits, &spec, flow);
    let profiled = result.map_err(|e| match e {
        ProfileError::Usage(why) => Failure::Usage(why),
        ProfileError::Plugin(why) => Failure::Plugin(why),
    })?;
    let label = opts.plugin.display().to_string();
    print(&if opts.json {
        profile::json(&label, &profiled)
    } else {
        profile::text(&label, &profiled)
    });
    Ok(EXIT_PASS)
}
