//! Measuring one plugin: loading it, preparing its requests, and the interleaved rounds of
//! timed calls (warm cycle, reused buffer, postcard, and MIDIMon's fresh-instance events) whose
//! samples become the figures.

use std::time::{Duration, Instant};

use super::figures::{FuelRange, PluginBench};
use super::options::{
    BenchError, BenchInput, BenchOptions, EVENT_SHARE, FUEL_CALLS, METADATA_ENTRIES,
};
use crate::daemon_flow;
use crate::fmt::nanos;
use crate::metadata::PluginMeta;
use crate::requests::{describe_code, request_json_with_metadata, Event};
use crate::runner::{Entry, FuelMode, Grants, OpenError, Plugin, PluginInstance, RequestOutcome};
use crate::stats::{median, Fit, Latency};

/// Per-call latency samples of one plugin, in nanoseconds.
#[derive(Debug, Default)]
pub(super) struct Samples {
    pub(super) execute: Vec<u64>,
    pub(super) cycle: Vec<u64>,
    pub(super) overhead: Vec<u64>,
    pub(super) reused_cycle: Vec<u64>,
    pub(super) reused_overhead: Vec<u64>,
    pub(super) postcard_execute: Vec<u64>,
    pub(super) postcard_cycle: Vec<u64>,
    pub(super) event: Vec<u64>,
}

impl Samples {
    pub(super) fn with_capacity(calls: u64, postcard: bool) -> Samples {
        // Bounded: the vectors only grow past this for huge --calls values.
        let n = usize::try_from(calls.min(1 << 22)).unwrap_or(1 << 22);
        let pc = if postcard { n } else { 0 };
        Samples {
            execute: Vec::with_capacity(n),
            cycle: Vec::with_capacity(n),
            overhead: Vec::with_capacity(n),
            reused_cycle: Vec::with_capacity(n),
            reused_overhead: Vec::with_capacity(n),
            postcard_execute: Vec::with_capacity(pc),
            postcard_cycle: Vec::with_capacity(pc),
            event: Vec::with_capacity(n / EVENT_SHARE as usize + 1),
        }
    }
}

/// A plugin being measured: its instance, its requests and its figures so far.
pub(super) struct Subject {
    pub(super) plugin: Plugin,
    pub(super) grants: Grants,
    pub(super) daemon_body: Vec<u8>,
    pub(super) instance: PluginInstance,
    pub(super) json_body: Vec<u8>,
    pub(super) postcard_body: Option<Vec<u8>>,
    pub(super) action: String,
    pub(super) result: PluginBench,
    pub(super) samples: Samples,
}

impl Subject {
    pub(super) fn alive(&self) -> bool {
        self.result.problems.is_empty()
    }

    pub(super) fn fail(&mut self, why: String) {
        self.result.problems.push(why);
    }

    /// One request; a non-zero code or a failure is recorded as a problem (and `None`).
    pub(super) fn request(
        &mut self,
        postcard: bool,
        body: &[u8],
        what: &str,
    ) -> Option<RequestOutcome> {
        let entry = Entry::new(postcard);
        let result = self.instance.request_to(entry, body);
        let entry = entry.export();
        match result {
            Ok(o) if o.code == 0 => Some(o),
            Ok(o) => {
                self.fail(format!(
                    "{entry} \"{}\" {what} returned {}; a benchmark of a failing request means nothing (try `host-check run`)",
                    self.action,
                    describe_code(o.code)
                ));
                None
            }
            Err(e) => {
                self.fail(format!("{entry} \"{}\" {what} failed: {e}", self.action));
                None
            }
        }
    }

    /// Execute fuel of every request shape, the cycle fuel and the postcard fuel.
    pub(super) fn measure_fuel(&mut self) {
        // Warm-up: first-call effects (lazy statics, first allocations) are not the steady state.
        let body = self.json_body.clone();
        if self.request(false, &body, "note-on (warm-up)").is_none() {
            return;
        }
        for (i, &entries) in METADATA_ENTRIES.iter().enumerate() {
            let body = request_json_with_metadata(&self.action, Event::NoteOn, entries);
            let what = format!("note-on with {entries} metadata entries");
            for _ in 0..FUEL_CALLS {
                let Some(o) = self.request(false, &body, &what) else {
                    return;
                };
                FuelRange::add(&mut self.result.execute_fuel[i], o.fuel);
                if entries == 1 {
                    self.record_cycle_fuel(&o);
                }
            }
        }
        let points: Vec<(f64, f64)> = METADATA_ENTRIES
            .iter()
            .zip(&self.result.execute_fuel)
            .filter_map(|(&x, f)| f.map(|f| (x as f64, f.max as f64)))
            .collect();
        self.result.fit = Fit::least_squares(&points);
        if let Some(body) = self.postcard_body.clone() {
            if self.request(true, &body, "note-on (warm-up)").is_none() {
                return;
            }
            for _ in 0..FUEL_CALLS {
                let Some(o) = self.request(true, &body, "note-on") else {
                    return;
                };
                FuelRange::add(&mut self.result.postcard_fuel, o.fuel);
            }
        }
    }

    pub(super) fn record_cycle_fuel(&mut self, o: &RequestOutcome) {
        let r = &mut self.result;
        FuelRange::add(&mut r.alloc_fuel, o.alloc_fuel);
        FuelRange::add(&mut r.dealloc_fuel, o.dealloc_fuel);
        FuelRange::add(
            &mut r.cycle_fuel,
            o.alloc_fuel
                .saturating_add(o.fuel)
                .saturating_add(o.dealloc_fuel),
        );
    }

    /// One round: `k` JSON cycles, `k` reused-buffer calls, `k` postcard cycles, then
    /// `k / EVENT_SHARE` (at least one) events in MIDIMon's flow.
    pub(super) fn round(&mut self, k: u64, record: bool) {
        let body = std::mem::take(&mut self.json_body);
        self.json_round(&body, k, record);
        if self.alive() {
            self.reused_round(&body, k, record);
        }
        self.json_body = body;
        if let Some(body) = self.postcard_body.take() {
            if self.alive() {
                self.postcard_round(&body, k, record);
            }
            self.postcard_body = Some(body);
        }
        if self.alive() {
            self.event_round(k.div_ceil(EVENT_SHARE), record);
        }
    }

    /// `k` events the way MIDIMon's daemon runs them, each on a fresh instance.
    pub(super) fn event_round(&mut self, k: u64, record: bool) {
        for _ in 0..k {
            match daemon_flow::run_event(&self.plugin, &self.grants, &self.daemon_body) {
                Ok(o) if o.code == 0 => {
                    if record {
                        self.samples.event.push(nanos(o.elapsed));
                        FuelRange::add(&mut self.result.daemon_fuel, o.execute_fuel);
                        FuelRange::add(
                            &mut self.result.event_fuel,
                            o.start_fuel + o.alloc_fuel + o.execute_fuel,
                        );
                    }
                }
                Ok(o) => {
                    self.fail(format!(
                        "MIDIMon's request for \"{}\" returned {} in its flow",
                        self.action,
                        describe_code(o.code)
                    ));
                    return;
                }
                Err(e) => {
                    self.fail(format!(
                        "MIDIMon's request for \"{}\" failed in its flow: {e}",
                        self.action
                    ));
                    return;
                }
            }
        }
    }

    pub(super) fn json_round(&mut self, body: &[u8], k: u64, record: bool) {
        for _ in 0..k {
            let Some(o) = self.request(false, body, "note-on") else {
                return;
            };
            if record {
                let (execute, cycle) = (nanos(o.elapsed), nanos(o.cycle_elapsed));
                let s = &mut self.samples;
                s.execute.push(execute);
                s.cycle.push(cycle);
                s.overhead.push(cycle.saturating_sub(execute));
                self.result.calls += 1;
                FuelRange::add(&mut self.result.execute_fuel[1], o.fuel);
                self.record_cycle_fuel(&o);
            }
        }
    }

    pub(super) fn postcard_round(&mut self, body: &[u8], k: u64, record: bool) {
        for _ in 0..k {
            let Some(o) = self.request(true, body, "note-on") else {
                return;
            };
            if record {
                self.samples.postcard_execute.push(nanos(o.elapsed));
                self.samples.postcard_cycle.push(nanos(o.cycle_elapsed));
                FuelRange::add(&mut self.result.postcard_fuel, o.fuel);
            }
        }
    }

    /// One buffer for the round: `alloc` once, then write and `execute` per call.
    pub(super) fn reused_round(&mut self, body: &[u8], k: u64, record: bool) {
        let Ok(len) = u32::try_from(body.len()) else {
            return;
        };
        let ptr = match self.instance.alloc(len) {
            Ok((ptr, _)) if ptr != 0 => ptr,
            Ok(_) => {
                self.fail(format!("alloc({len}) returned a null pointer"));
                return;
            }
            Err(e) => {
                self.fail(format!("alloc({len}) failed: {e}"));
                return;
            }
        };
        for _ in 0..k {
            let started = Instant::now();
            let outcome = self
                .instance
                .write(ptr, body)
                .and_then(|()| self.instance.execute(ptr, len));
            let cycle = started.elapsed();
            match outcome {
                Ok((0, stats)) => {
                    if record {
                        let (execute, cycle) = (nanos(stats.elapsed), nanos(cycle));
                        self.samples.reused_cycle.push(cycle);
                        self.samples
                            .reused_overhead
                            .push(cycle.saturating_sub(execute));
                    }
                }
                Ok((code, _)) => {
                    self.fail(format!(
                        "execute \"{}\" note-on on a reused buffer returned {}",
                        self.action,
                        describe_code(code)
                    ));
                    return;
                }
                Err(e) => {
                    self.fail(format!(
                        "execute \"{}\" note-on on a reused buffer failed: {e}",
                        self.action
                    ));
                    return;
                }
            }
        }
        if let Err(e) = self.instance.dealloc(ptr, len) {
            self.fail(format!("dealloc({ptr:#x}, {len}) failed: {e}"));
        }
    }

    pub(super) fn finish(mut self) -> PluginBench {
        let s = &mut self.samples;
        let r = &mut self.result;
        r.execute = Latency::of(&mut s.execute);
        r.cycle = Latency::of(&mut s.cycle);
        r.overhead = Latency::of(&mut s.overhead);
        r.reused_cycle = Latency::of(&mut s.reused_cycle);
        r.reused_overhead = Latency::of(&mut s.reused_overhead);
        r.postcard_execute = Latency::of(&mut s.postcard_execute);
        r.postcard_cycle = Latency::of(&mut s.postcard_cycle);
        r.event = Latency::of(&mut s.event);
        self.result
    }
}

/// A plugin ready to measure.
pub(super) struct Prepared {
    pub(super) plugin: Plugin,
    pub(super) meta: PluginMeta,
    pub(super) grants: Grants,
    /// A warm instance with `init` called.
    pub(super) instance: PluginInstance,
    pub(super) init_fuel: u64,
}

/// Loads a plugin, reads its metadata on a first instance and returns a fresh instance with
/// the grants it declares, with `init` already called.
pub(super) fn prepare(input: &BenchInput, options: &BenchOptions) -> Result<Prepared, BenchError> {
    let file = || input.file.clone();
    let opened_error = |e: OpenError| match e {
        OpenError::Load(error) => BenchError::Load {
            file: file(),
            error,
        },
        OpenError::Instantiate(error) => BenchError::Instantiate {
            file: file(),
            error,
        },
        OpenError::Init(error) => BenchError::Init {
            file: file(),
            error,
        },
    };
    let opened =
        Plugin::open(&input.wasm, options.limits, FuelMode::PerCall).map_err(opened_error)?;
    let meta = match &opened.meta {
        Ok(meta) => meta.clone(),
        Err(problem) => {
            return Err(BenchError::Metadata {
                file: file(),
                problem: problem.clone(),
            })
        }
    };
    if meta.action_index(&options.action).is_none() {
        return Err(BenchError::ActionNotDeclared {
            file: file(),
            action: options.action.clone(),
            declared: meta.action_list(),
        });
    }
    let (instance, init) = opened.ready_instance().map_err(opened_error)?;
    Ok(Prepared {
        grants: opened.grants,
        plugin: opened.plugin,
        meta,
        instance,
        init_fuel: init.stats.fuel,
    })
}

/// Load + instantiate times, interleaved over the plugins, `repeats` times: medians of
/// (compile, instantiate, both).
pub(super) fn startup_times(
    inputs: &[BenchInput],
    options: &BenchOptions,
) -> Result<Vec<(Duration, Duration, Duration)>, BenchError> {
    let mut samples = vec![(Vec::new(), Vec::new(), Vec::new()); inputs.len()];
    for _ in 0..options.startup_repeats.max(1) {
        for (input, (compile, instantiate, both)) in inputs.iter().zip(samples.iter_mut()) {
            let started = Instant::now();
            let plugin =
                Plugin::load(&input.wasm, options.limits).map_err(|error| BenchError::Load {
                    file: input.file.clone(),
                    error,
                })?;
            let loaded = started.elapsed();
            let instance = plugin
                .instantiate(&plugin.initial_grants())
                .map_err(|error| BenchError::Instantiate {
                    file: input.file.clone(),
                    error,
                })?;
            let total = started.elapsed();
            compile.push(loaded);
            instantiate.push(total.saturating_sub(loaded));
            both.push(total);
            drop(instance);
        }
    }
    Ok(samples
        .into_iter()
        .map(|(c, i, b)| (median(c), median(i), median(b)))
        .collect())
}
