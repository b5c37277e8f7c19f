//! `host-check profile`: where one request's fuel goes, per function, exactly.
//!
//! For plugin authors looking for the next instruction to cut: fuel is what the budgets and
//! the benchmark measure, and it is deterministic, so the profile is exact rather than
//! sampled. It runs an instrumented copy of the module ([`instrument`]: a call counter and a
//! self-fuel counter per function) through the same flow as `host-check run` (an instance
//! with `init` called, then `alloc`, write, `execute`, `dealloc`) or, with `--daemon`, as
//! MIDIMon's daemon does ([`crate::daemon_flow`]: a fresh instance, no `init`, the request
//! written where `alloc` said), or, with `--postcard`, as `host-check run --postcard` does (the
//! README's cycle through `execute_postcard`), and reads the counters around that one call
//! only.
//!
//! The profile checks itself: the original module runs the same request, and the fuel
//! wasmtime charged its `execute` must equal the sum of the counted self fuel; [`Profile`]
//! carries both, and the rendering says loudly when they differ.

mod cost;
mod encode;
mod instrument;
mod layout;
mod render;

use serde::Serialize;
use thiserror::Error;

pub use instrument::instrument;
pub use render::{json, text};

use crate::daemon_flow::{daemon_request, run_event, DaemonContext};
use crate::names::Names;
use crate::requests::{postcard_action_index, postcard_note_on, request_json, Event};
use crate::runner::{FuelMode, Limits, Opened, Plugin, PluginInstance};
use instrument::Counters;

/// How much more fuel the instrumented copy may use than the original: a region costing at
/// least 1 gets 4 more operators, a call 8 more (its entry cost and its `call` are 2), a bulk
/// operator (at least 1) 6 more and a region of its own, so the copy needs at most about 12
/// times the original's fuel.
const FUEL_HEADROOM: u64 = 16;

/// Which host flow to profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    /// The template README's host, as `host-check run`: `init` first, then the request cycle.
    Readme,
    /// MIDIMon's daemon: a fresh instance per event, no `init`.
    Daemon,
    /// The README's host cycle, with a postcard request to `execute_postcard` (the kit's binary
    /// fast path, as `host-check run --postcard`).
    Postcard,
}

impl Flow {
    /// The export the profiled request goes to.
    fn entry(self) -> &'static str {
        match self {
            Flow::Readme | Flow::Daemon => core_abi::abi::EXPORT_EXECUTE,
            Flow::Postcard => core_abi::abi::EXPORT_EXECUTE_POSTCARD,
        }
    }
}

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestSpec {
    /// These bytes, verbatim.
    Body(Vec<u8>),
    /// The flow's note-on for this action (the plugin's first declared action when `None`).
    Action(Option<String>),
}

/// Why there is no profile.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ProfileError {
    /// Bad input: not a module, too big to instrument, no `execute` (or `execute_postcard`), an
    /// undeclared action for a postcard request (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// The plugin failed to load, initialise or answer (exit code 1).
    #[error("{0}")]
    Plugin(String),
}

/// One function's share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Function index (imports included).
    pub index: u32,
    /// Its demangled name, when the module or its twin has one, else its export name.
    pub name: Option<String>,
    /// Times it was called during `execute`.
    pub calls: u64,
    /// Fuel of its own instructions (callees excluded), entry cost included.
    pub self_fuel: u64,
}

/// A profile of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// The flow that ran.
    pub flow: Flow,
    /// The request's size in bytes.
    pub request_bytes: usize,
    /// What `execute` returned.
    pub code: i32,
    /// Every function that ran, by self fuel (largest first), then index.
    pub functions: Vec<Row>,
    /// The sum of the self fuel.
    pub counted_fuel: u64,
    /// What wasmtime charged the uninstrumented module's `execute` for the same request.
    pub measured_fuel: u64,
    /// Whether the two agree (they must).
    pub exact: bool,
    /// Fuel of `alloc` on the uninstrumented module (not in the profile).
    pub alloc_fuel: u64,
    /// Daemon flow: the start function's fuel, as MIDIMon's engine counts it (wasmtime 48
    /// charges 2 more; not in the profile).
    pub start_fuel: Option<u64>,
}

/// The bytes `spec` stands for in `flow`.
fn request_body(spec: &RequestSpec, flow: Flow, opened: &Opened) -> Result<Vec<u8>, ProfileError> {
    let action = match spec {
        RequestSpec::Body(body) => return Ok(body.clone()),
        RequestSpec::Action(action) => action,
    };
    let meta = opened.meta.as_ref().ok();
    let declared = meta.and_then(|m| m.actions.first());
    let action = action
        .as_deref()
        .or(declared.map(String::as_str))
        .unwrap_or("my_action");
    Ok(match flow {
        Flow::Readme => request_json(action, Event::NoteOn),
        Flow::Daemon => daemon_request(action, DaemonContext::ALL[0]),
        Flow::Postcard => {
            postcard_note_on(postcard_action_index(meta, action).map_err(ProfileError::Usage)?)
        }
    })
}

/// Profiles one request to `execute` (`execute_postcard` in [`Flow::Postcard`]); `names` label
/// the functions.
pub fn profile(
    wasm: &[u8],
    names: Option<&Names>,
    limits: Limits,
    spec: &RequestSpec,
    flow: Flow,
) -> Result<Profile, ProfileError> {
    let copy = instrument(wasm).map_err(|e| ProfileError::Usage(e.to_string()))?;
    if !copy.exports.iter().any(|e| e == flow.entry()) {
        return Err(ProfileError::Usage(format!(
            "the module exports no `{}`: there is no request to profile",
            flow.entry()
        )));
    }
    let original = Plugin::open(wasm, limits, FuelMode::PerCall).map_err(plugin_error)?;
    let body = request_body(spec, flow, &original)?;
    let measured = run_original(&original, flow, &body)?;
    let (before, after) = run_copy(&copy.wasm, &copy.counters, limits, flow, &body, measured.0)?;

    let mut functions: Vec<Row> = copy
        .counters
        .iter()
        .zip(before.iter().zip(&after))
        .map(|(c, (b, a))| Row {
            index: c.function,
            name: names
                .and_then(|n| n.functions.get(&c.function))
                .or_else(|| copy.exported_functions.get(&c.function))
                .cloned(),
            calls: a.0.wrapping_sub(b.0),
            self_fuel: a.1.wrapping_sub(b.1),
        })
        .filter(|r| r.calls > 0 || r.self_fuel > 0)
        .collect();
    functions.sort_by(|a, b| b.self_fuel.cmp(&a.self_fuel).then(a.index.cmp(&b.index)));
    let counted_fuel = functions.iter().map(|r| r.self_fuel).sum();
    let (code, measured_fuel, alloc_fuel, start_fuel) = measured;
    Ok(Profile {
        flow,
        request_bytes: body.len(),
        code,
        functions,
        counted_fuel,
        measured_fuel,
        exact: counted_fuel == measured_fuel,
        alloc_fuel,
        start_fuel,
    })
}

fn plugin_error(e: impl std::fmt::Display) -> ProfileError {
    ProfileError::Plugin(e.to_string())
}

/// The uninstrumented module, exactly as `run` (or the daemon's flow) runs it: the entry's
/// code and fuel, `alloc`'s fuel and, for the daemon, the start function's.
fn run_original(
    original: &Opened,
    flow: Flow,
    body: &[u8],
) -> Result<(i32, u64, u64, Option<u64>), ProfileError> {
    let failed = |e| plugin_error(format!("the original module: {e}"));
    match flow {
        Flow::Readme | Flow::Postcard => {
            let (mut instance, _) = original.ready_instance().map_err(plugin_error)?;
            let outcome = if flow == Flow::Postcard {
                instance.request_postcard(body)
            } else {
                instance.request(body)
            };
            let o = outcome.map_err(|e| failed(e.to_string()))?;
            Ok((o.code, o.fuel, o.alloc_fuel, None))
        }
        Flow::Daemon => {
            let o = run_event(&original.plugin, &original.grants, body)
                .map_err(|e| failed(e.to_string()))?;
            Ok((o.code, o.execute_fuel, o.alloc_fuel, Some(o.start_fuel)))
        }
    }
}

/// The instrumented copy through the same steps, with more fuel (see [`FUEL_HEADROOM`]): the
/// counters just before and just after the entry (`execute` or `execute_postcard`), which must
/// return `code` as the original did.
fn run_copy(
    wasm: &[u8],
    counters: &[Counters],
    limits: Limits,
    flow: Flow,
    body: &[u8],
    code: i32,
) -> Result<(Counts, Counts), ProfileError> {
    let failed = |e: String| plugin_error(format!("the instrumented copy: {e}"));
    let limits = Limits {
        max_fuel: limits.max_fuel.saturating_mul(FUEL_HEADROOM),
        ..limits
    };
    let opened =
        Plugin::open(wasm, limits, FuelMode::PerCall).map_err(|e| failed(e.to_string()))?;
    let mut instance = match flow {
        Flow::Readme | Flow::Postcard => {
            opened
                .ready_instance()
                .map_err(|e| failed(e.to_string()))?
                .0
        }
        Flow::Daemon => opened
            .plugin
            .instantiate_with(&opened.grants, FuelMode::PerInstance)
            .map_err(|e| failed(e.to_string()))?,
    };
    let len = u32::try_from(body.len())
        .map_err(|_| ProfileError::Usage("the request is too large".into()))?;
    let (ptr, _) = instance.alloc(len).map_err(|e| failed(e.to_string()))?;
    instance
        .write(ptr, body)
        .map_err(|e| failed(e.to_string()))?;
    let before = counts(&mut instance, counters)?;
    let called = match flow {
        Flow::Readme | Flow::Daemon => instance.execute(ptr, len),
        Flow::Postcard => instance.execute_postcard(ptr, len),
    };
    let (copy_code, _) = called.map_err(|e| failed(e.to_string()))?;
    let after = counts(&mut instance, counters)?;
    if copy_code != code {
        return Err(failed(format!(
            "execute returned {copy_code}, the original {code}"
        )));
    }
    Ok((before, after))
}

/// (calls, self fuel) of every function, in counter order.
type Counts = Vec<(u64, u64)>;

/// (calls, self fuel) of every counter, as unsigned numbers.
fn counts(instance: &mut PluginInstance, counters: &[Counters]) -> Result<Counts, ProfileError> {
    let mut read = |name: &str| {
        instance
            .global_i64(name)
            .map(|v| v as u64)
            .ok_or_else(|| ProfileError::Plugin(format!("the counter {name} cannot be read")))
    };
    counters
        .iter()
        .map(|c| Ok((read(&c.calls)?, read(&c.fuel)?)))
        .collect()
}

#[cfg(test)]
mod tests;
