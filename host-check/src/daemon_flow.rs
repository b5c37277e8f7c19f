//! Running a plugin exactly the way MIDIMon's daemon does, to predict its verdict.
//!
//! MIDIMon `f4f371c` (`midimon-core/src/plugin/wasm_runtime.rs`) handles every event the same
//! way: a fresh store with one fuel budget (100,000,000 by default), a fresh instance (the
//! start function runs again), `alloc(len)`, the request written at whatever `alloc` returned
//! (address 0 included), `execute(ptr, len)`, and the store dropped. It never calls `init`
//! first and never calls `dealloc`. Its request body is always
//! `{"action":A,"context":{"velocity":V,"current_mode":M,"timestamp":T}}` with `T` in
//! milliseconds; any non-zero code is logged as an error. This module reproduces that sequence
//! ([`run_event`]); the checks built on it are in `checks::dynamic`, and the benchmark uses it
//! too, which is why it is not one of the checks.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::runner::{CallError, FuelMode, Grants, Plugin};

/// The timestamp of every daemon-style request: 2024-11-19, in milliseconds since the epoch,
/// as the daemon writes it.
pub const TIMESTAMP_MS: u64 = 1_732_000_000_000;

/// How much more fuel wasmtime 48 (host-check's engine) charges a start function than wasmtime
/// 26.0.1 (MIDIMon's), whatever the function does. Measured with one harness on both engines:
/// start functions looping 0, 10 and 1,000 times used 1, 95 and 9,005 fuel on 26 and 3, 97 and
/// 9,007 on 48; `init`, `alloc` and `execute` (loops, memory growth, WASI calls, traps, fuel
/// exhaustion, the template) used exactly the same on both.
pub const START_FUEL_DELTA: u64 = 2;

/// A start function's fuel as MIDIMon's engine counts it (see [`START_FUEL_DELTA`]); 0 stays 0
/// (no start function).
pub fn midimon_start_fuel(measured: u64) -> u64 {
    measured.saturating_sub(START_FUEL_DELTA)
}

/// The daemon's `TriggerContext`, serialized as it does (serde field order, `null` for none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DaemonContext {
    /// MIDI velocity, when the trigger has one.
    pub velocity: Option<u8>,
    /// The current mode index (the daemon's action executor sends none today).
    pub current_mode: Option<u32>,
    /// Milliseconds since the Unix epoch.
    pub timestamp: u64,
}

impl DaemonContext {
    /// The contexts every action is run with: a note-on, a note-off, a trigger without velocity,
    /// and a note-on in modes 0 and 2.
    pub const ALL: [DaemonContext; 5] = [
        DaemonContext::new(Some(100), None),
        DaemonContext::new(Some(0), None),
        DaemonContext::new(None, None),
        DaemonContext::new(Some(100), Some(0)),
        DaemonContext::new(Some(100), Some(2)),
    ];

    /// A context with the daemon's timestamp.
    pub const fn new(velocity: Option<u8>, current_mode: Option<u32>) -> DaemonContext {
        DaemonContext {
            velocity,
            current_mode,
            timestamp: TIMESTAMP_MS,
        }
    }

    /// `velocity 100, mode null`, for messages.
    pub fn label(&self) -> String {
        let show = |v: Option<u32>| v.map_or("null".to_string(), |v| v.to_string());
        format!(
            "velocity {}, mode {}",
            show(self.velocity.map(u32::from)),
            show(self.current_mode)
        )
    }
}

/// The daemon's `ActionRequest`.
#[derive(Serialize)]
struct DaemonRequest<'a> {
    action: &'a str,
    context: DaemonContext,
}

/// The exact bytes the daemon sends for `action` in `context`.
pub fn daemon_request(action: &str, context: DaemonContext) -> Vec<u8> {
    serde_json::to_vec(&DaemonRequest { action, context }).unwrap_or_default()
}

/// One event, as the daemon runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventOutcome {
    /// What `execute` returned.
    pub code: i32,
    /// What `alloc` returned (0: the daemon writes at address 0 all the same).
    pub ptr: u32,
    /// Fuel of instantiation (the start function), as MIDIMon's engine counts it.
    pub start_fuel: u64,
    /// Fuel of `alloc`.
    pub alloc_fuel: u64,
    /// Fuel of `execute`.
    pub execute_fuel: u64,
    /// Wall time of the whole event, from instantiation to drop.
    pub elapsed: Duration,
}

/// Why an event failed, and at which of the daemon's steps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{step}: {error}")]
pub struct EventError {
    /// `instantiate`, `alloc`, `write` or `execute`, as the daemon's error messages say.
    pub step: &'static str,
    /// Why.
    pub error: CallError,
}

/// Runs one event the daemon's way: fresh instance, one fuel budget, `alloc`, write,
/// `execute`, drop; no `init`, no `dealloc`.
pub fn run_event(
    plugin: &Plugin,
    grants: &Grants,
    body: &[u8],
) -> Result<EventOutcome, EventError> {
    let fail = |step| move |error| EventError { step, error };
    let started = Instant::now();
    let mut instance = plugin
        .instantiate_with(grants, FuelMode::PerInstance)
        .map_err(fail("instantiate"))?;
    let len = u32::try_from(body.len())
        .map_err(|_| CallError::RequestTooLarge { len: body.len() })
        .map_err(fail("alloc"))?;
    let (ptr, alloc) = instance.alloc(len).map_err(fail("alloc"))?;
    instance.write(ptr, body).map_err(fail("write"))?;
    let (code, execute) = instance.execute(ptr, len).map_err(fail("execute"))?;
    let start_fuel = midimon_start_fuel(instance.instantiation_stats().fuel);
    drop(instance);
    Ok(EventOutcome {
        code,
        ptr,
        start_fuel,
        alloc_fuel: alloc.fuel,
        execute_fuel: execute.fuel,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_fuel_is_counted_as_midimon_counts_it() {
        // The pairs measured on wasmtime 26.0.1 and 48.0.8.
        for (on_26, on_48) in [(0, 0), (1, 3), (95, 97), (9_005, 9_007)] {
            assert_eq!(midimon_start_fuel(on_48), on_26);
        }
    }

    #[test]
    fn requests_are_serialized_as_the_daemon_does() {
        assert_eq!(
            String::from_utf8(daemon_request("my_action", DaemonContext::ALL[0])).unwrap(),
            r#"{"action":"my_action","context":{"velocity":100,"current_mode":null,"timestamp":1732000000000}}"#
        );
        assert_eq!(
            String::from_utf8(daemon_request("a\"b", DaemonContext::ALL[4])).unwrap(),
            r#"{"action":"a\"b","context":{"velocity":100,"current_mode":2,"timestamp":1732000000000}}"#
        );
        for context in DaemonContext::ALL {
            let body = daemon_request("x", context);
            let request = core_abi::parse_request(&body).unwrap();
            assert_eq!(request.context.velocity, context.velocity);
            assert_eq!(request.context.timestamp, TIMESTAMP_MS);
        }
    }
}
