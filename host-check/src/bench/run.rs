//! The benchmark's driver: every plugin prepared, startup times interleaved, then rounds of
//! calls interleaved over the plugins until each has made its calls.

use std::time::{Duration, Instant};

use super::figures::{BenchReport, Machine, PluginBench};
use super::measure::{prepare, startup_times, Prepared, Samples, Subject};
use super::options::{BenchError, BenchInput, BenchOptions, MAX_CALLS};
use crate::daemon_flow::{self, DaemonContext};
use crate::optimize;
use crate::optimize::OptimizeError;
use crate::requests::{postcard_note_on, request_json_with_metadata, Event};

/// Runs the benchmark on `inputs` (the first is the reference). Fails only when a plugin
/// cannot be loaded, instantiated or initialised, or does not declare the action; a plugin
/// that misbehaves while measured is reported in its [`PluginBench::problems`].
pub fn bench(inputs: &[BenchInput], options: &BenchOptions) -> Result<BenchReport, BenchError> {
    if inputs.is_empty() {
        return Err(BenchError::NoPlugins);
    }
    let started = Instant::now();
    let calls = options.calls.clamp(1, MAX_CALLS);
    let mut subjects = Vec::with_capacity(inputs.len());
    for input in inputs {
        let Prepared {
            plugin,
            meta,
            grants,
            instance,
            init_fuel,
        } = prepare(input, options)?;
        let wasi = plugin.imports_wasi();
        let postcard = instance.has_postcard();
        let index = meta.action_index(&options.action).unwrap_or(0);
        let postcard_body =
            postcard.then(|| postcard_note_on(u32::try_from(index).unwrap_or(u32::MAX)));
        subjects.push(Subject {
            plugin,
            grants,
            daemon_body: daemon_flow::daemon_request(&options.action, DaemonContext::ALL[0]),
            instance,
            json_body: request_json_with_metadata(&options.action, Event::NoteOn, 1),
            postcard_body,
            action: options.action.clone(),
            samples: Samples::with_capacity(calls, postcard),
            result: PluginBench {
                file: input.file.clone(),
                name: meta.name.clone(),
                version: meta.version.clone(),
                wasi,
                postcard,
                size_raw: input.wasm.len() as u64,
                size_optimized: Err("not measured".to_string()),
                compile: Duration::ZERO,
                instantiate: Duration::ZERO,
                startup: Duration::ZERO,
                init_fuel,
                execute_fuel: [None; 4],
                fit: None,
                alloc_fuel: None,
                dealloc_fuel: None,
                cycle_fuel: None,
                execute: None,
                cycle: None,
                overhead: None,
                reused_cycle: None,
                reused_overhead: None,
                postcard_fuel: None,
                postcard_execute: None,
                postcard_cycle: None,
                daemon_fuel: None,
                event_fuel: None,
                event: None,
                calls: 0,
                problems: Vec::new(),
            },
        });
    }

    for (subject, input) in subjects.iter_mut().zip(inputs) {
        subject.result.size_optimized = if options.wasm_opt {
            match optimize::optimize(&input.wasm) {
                Ok(bytes) => Ok(bytes.len() as u64),
                Err(OptimizeError::NotFound) => Err("wasm-opt not found".to_string()),
                Err(e) => Err(e.to_string()),
            }
        } else {
            Err("not measured".to_string())
        };
    }
    for (subject, (compile, instantiate, both)) in
        subjects.iter_mut().zip(startup_times(inputs, options)?)
    {
        subject.result.compile = compile;
        subject.result.instantiate = instantiate;
        subject.result.startup = both;
    }

    for subject in &mut subjects {
        subject.measure_fuel();
    }

    // Interleaved latency: one unrecorded warm-up round, then rounds in round-robin order.
    let round = options.round_calls.clamp(1, calls);
    for subject in subjects.iter_mut().filter(|s| s.alive()) {
        subject.round(round, false);
    }
    let mut done = 0;
    while done < calls {
        let k = round.min(calls - done);
        for subject in subjects.iter_mut().filter(|s| s.alive()) {
            subject.round(k, true);
        }
        done += k;
    }

    Ok(BenchReport {
        machine: Machine::detect(),
        calls,
        round_calls: round,
        action: options.action.clone(),
        startup_repeats: options.startup_repeats.max(1),
        plugins: subjects.into_iter().map(Subject::finish).collect(),
        elapsed: started.elapsed(),
    })
}
