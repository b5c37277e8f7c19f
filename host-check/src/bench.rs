//! `host-check bench`: plugins measured side by side, in one run, against the first one.
//!
//! The point of the kit is that its template is smaller and faster than the original std
//! template. A claim like that needs figures that can be compared, and two runs on a shared
//! machine cannot be: the load, the CPU frequency and the cache state differ between them. So
//! the benchmark measures every plugin **in one process, on the same requests, interleaved**:
//!
//! - **side by side**: every plugin gets the same engine ([`ENGINE`]), the same budgets and
//!   byte-identical requests, built in one place
//!   ([`request_json_with_metadata`], [`postcard_note_on`]);
//! - **interleaved**: latency is sampled in rounds of [`ROUND_CALLS`] calls per plugin, in
//!   round-robin order (A, B, C, A, B, C ...) until each plugin has made `--calls` calls, so
//!   a burst of noise (another process, a frequency change, a noisy neighbour) is spread over
//!   every plugin instead of landing on whichever ran during it. Compile-and-instantiate times
//!   are interleaved the same way;
//! - **ratios against the first plugin**, the reference: every metric is lower-is-better, and
//!   each other plugin's cell shows `value (N×)` with `N = reference / value`, i.e. "N times
//!   smaller, cheaper or faster than the reference" (below 1 means worse).
//!
//! Fuel is deterministic, so it is measured on a few calls per request shape ([`FUEL_CALLS`])
//! and on every timed call; if it varies between calls (a std `HashMap` seeds each map
//! differently, so its probing costs differ), the table shows `min–max` and ratios use the
//! max. Latency is measured on the canonical note-on; fuel also on note-ons with 0, 1, 8 and 64
//! metadata entries ([`METADATA_ENTRIES`]), and the growth per entry is the slope of a
//! least-squares line through those four points, with its R² as the linearity check.
//!
//! **Host overhead** is what host-check's runner (the template README's host cycle: `alloc`,
//! write, `execute`, `dealloc` on a warm instance) adds to the plugin's own `execute` time: the
//! host cycle minus `execute`, per call. It is also measured with one request buffer reused for
//! a whole round (write and `execute` only), which shows what the two `alloc`/`dealloc`
//! crossings cost.
//!
//! **MIDIMon's own flow** is measured beside it: the daemon makes a fresh instance for every
//! event (instantiate, `alloc`, write, `execute`, drop; see [`daemon_flow`]) and sends its own,
//! smaller request. One event in [`EVENT_SHARE`] calls of each round is such an event, so its
//! figures are interleaved with the warm ones. The daemon never calls `execute_postcard`: the
//! postcard rows are what a host that does would get.
//!
//! The text table ends with the targets (reference / plugin ratios, met or not) and the
//! `--json` report carries the same figures; both are documented in `host-check/README.md`.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::daemon_flow::{self, DaemonContext};
use crate::fmt::{format_duration, group, nanos, printable};
use crate::metadata::{MetadataProblem, PluginMeta};
use crate::optimize::{self, OptimizeError};
use crate::requests::{describe_code, postcard_note_on, request_json_with_metadata, Event};
use crate::runner::{
    CallError, Entry, FuelMode, Grants, Limits, LoadError, OpenError, Plugin, PluginInstance,
    RequestOutcome, ENGINE,
};
use crate::stats::Latency;

/// Version of the `bench --json` schema.
pub const SCHEMA_VERSION: u32 = 1;

/// Most timed calls per plugin and path (`--calls`): every sample is kept (8 bytes, five
/// series per plugin), so this bounds the benchmark's memory to ~40 MB per plugin and its time
/// to seconds per plugin for any plugin fast enough for the note path.
pub const MAX_CALLS: u64 = 1_000_000;

/// Timed calls per plugin and path when `--calls` is not given.
pub const DEFAULT_CALLS: u64 = 20_000;

/// Calls per plugin in one round of the interleaved latency measurement.
pub const ROUND_CALLS: u64 = 100;

/// Warm calls per MIDIMon-flow event in a round: an event (a fresh instance) costs tens of
/// warm calls, so it is sampled less often.
pub const EVENT_SHARE: u64 = 10;

/// The action every request names when `--action` is not given.
pub const DEFAULT_ACTION: &str = "my_action";

/// The metadata sizes the execute fuel is measured at (1 is the canonical note-on).
pub const METADATA_ENTRIES: [usize; 4] = [0, 1, 8, 64];

/// Calls per request shape in the fuel measurement (fuel is deterministic; a few suffice).
pub const FUEL_CALLS: usize = 3;

/// Repeats of the compile-and-instantiate measurement; the median is reported.
pub const STARTUP_REPEATS: usize = 5;

/// Smallest R² of the fuel-per-entry fit that counts as "grows linearly" in the targets.
pub const LINEAR_R2: f64 = 0.99;

/// One plugin to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchInput {
    /// The path as given on the command line (shown in the report).
    pub file: String,
    /// The module bytes.
    pub wasm: Vec<u8>,
}

/// How to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchOptions {
    /// Timed calls per plugin and path (JSON, postcard, reused buffer).
    pub calls: u64,
    /// Calls per plugin in one round of the interleaving.
    pub round_calls: u64,
    /// The action every request names.
    pub action: String,
    /// Per-call limits (fuel, time, memory), the same for every plugin.
    pub limits: Limits,
    /// Measure the size after `wasm-opt -Oz` (when wasm-opt is installed).
    pub wasm_opt: bool,
    /// Repeats of the compile-and-instantiate measurement.
    pub startup_repeats: usize,
}

impl BenchOptions {
    /// The defaults ([`DEFAULT_CALLS`], [`ROUND_CALLS`], [`DEFAULT_ACTION`], wasm-opt on,
    /// [`STARTUP_REPEATS`]) under `limits`.
    pub fn new(limits: Limits) -> BenchOptions {
        BenchOptions {
            calls: DEFAULT_CALLS,
            round_calls: ROUND_CALLS,
            action: DEFAULT_ACTION.to_string(),
            limits,
            wasm_opt: true,
            startup_repeats: STARTUP_REPEATS,
        }
    }
}

/// Why the benchmark could not run at all. A plugin that loads but misbehaves during the
/// measurement is not an error: it is reported in [`PluginBench::problems`].
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum BenchError {
    /// No plugin was given (a usage error, exit code 2).
    #[error("no plugins to compare: give one or more .wasm files, the reference first")]
    NoPlugins,
    /// wasmtime could not compile a plugin.
    #[error("{file}: cannot load the plugin: {error}; run `host-check check {file}` for details")]
    Load {
        /// The plugin file.
        file: String,
        /// Why.
        error: LoadError,
    },
    /// A plugin could not be instantiated.
    #[error(
        "{file}: cannot instantiate the plugin: {error}; run `host-check check {file}` for details"
    )]
    Instantiate {
        /// The plugin file.
        file: String,
        /// Why.
        error: CallError,
    },
    /// A plugin's `init` failed.
    #[error("{file}: init failed: {error}; run `host-check check {file}` for details")]
    Init {
        /// The plugin file.
        file: String,
        /// Why.
        error: CallError,
    },
    /// A plugin's metadata is invalid.
    #[error("{file}: invalid metadata: {problem}; run `host-check check {file}` for details")]
    Metadata {
        /// The plugin file.
        file: String,
        /// Why.
        problem: MetadataProblem,
    },
    /// A plugin does not declare the benchmarked action.
    #[error(
        "{file}: does not declare the action \"{action}\" (declared: {declared}); every plugin \
         must declare the benchmarked action, choose it with --action"
    )]
    ActionNotDeclared {
        /// The plugin file.
        file: String,
        /// The action asked for.
        action: String,
        /// The actions it declares, comma-separated.
        declared: String,
    },
}

impl BenchError {
    /// Whether this is a usage error (exit code 2) rather than a plugin failure (exit code 1).
    pub fn is_usage(&self) -> bool {
        matches!(self, BenchError::NoPlugins)
    }
}

/// The fuel of one request shape over several calls (equal when deterministic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuelRange {
    /// Least fuel of one call.
    pub min: u64,
    /// Most fuel of one call (what ratios use).
    pub max: u64,
}

impl FuelRange {
    fn new(fuel: u64) -> FuelRange {
        FuelRange {
            min: fuel,
            max: fuel,
        }
    }

    fn add(range: &mut Option<FuelRange>, fuel: u64) {
        *range = Some(match *range {
            Some(r) => FuelRange {
                min: r.min.min(fuel),
                max: r.max.max(fuel),
            },
            None => FuelRange::new(fuel),
        });
    }
}

/// A least-squares line `fuel = intercept + slope × entries`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Fuel per metadata entry.
    pub slope: f64,
    /// Fuel at zero entries, as fitted.
    pub intercept: f64,
    /// Coefficient of determination (1 = the points lie on the line).
    pub r2: f64,
}

impl Fit {
    /// The least-squares line through `points` (x, y); `None` with fewer than two distinct x.
    pub fn least_squares(points: &[(f64, f64)]) -> Option<Fit> {
        let n = points.len() as f64;
        if points.len() < 2 {
            return None;
        }
        let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
        let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
        if sxx == 0.0 {
            return None;
        }
        let slope = sxy / sxx;
        let intercept = mean_y - slope * mean_x;
        let total: f64 = points.iter().map(|p| (p.1 - mean_y).powi(2)).sum();
        let residual: f64 = points
            .iter()
            .map(|p| (p.1 - (intercept + slope * p.0)).powi(2))
            .sum();
        let r2 = if total == 0.0 {
            1.0
        } else {
            1.0 - residual / total
        };
        Some(Fit {
            slope,
            intercept,
            r2,
        })
    }
}

/// Everything measured for one plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginBench {
    /// The file as given.
    pub file: String,
    /// The plugin's declared name.
    pub name: String,
    /// The plugin's declared version.
    pub version: String,
    /// Whether it imports WASI.
    pub wasi: bool,
    /// Whether it exports `execute_postcard`.
    pub postcard: bool,
    /// Module size in bytes.
    pub size_raw: u64,
    /// Size after `wasm-opt -Oz`, or why it is unknown.
    pub size_optimized: Result<u64, String>,
    /// Median time of `Plugin::load` (engine and compilation).
    pub compile: Duration,
    /// Median time of instantiation.
    pub instantiate: Duration,
    /// Median time of load and instantiation together, per repeat.
    pub startup: Duration,
    /// Fuel of `init` on a fresh instance.
    pub init_fuel: u64,
    /// Execute fuel of note-ons with [`METADATA_ENTRIES`] entries, in that order.
    pub execute_fuel: [Option<FuelRange>; 4],
    /// The fuel-per-entry line through [`PluginBench::execute_fuel`].
    pub fit: Option<Fit>,
    /// `alloc` fuel in the canonical note-on cycle.
    pub alloc_fuel: Option<FuelRange>,
    /// `dealloc` fuel in the canonical note-on cycle.
    pub dealloc_fuel: Option<FuelRange>,
    /// `alloc` + `execute` + `dealloc` fuel of the canonical note-on.
    pub cycle_fuel: Option<FuelRange>,
    /// `execute` latency of the canonical note-on.
    pub execute: Option<Latency>,
    /// Host cycle latency (`alloc`, write, `execute`, `dealloc`).
    pub cycle: Option<Latency>,
    /// Host overhead per call: cycle minus execute.
    pub overhead: Option<Latency>,
    /// Cycle with a reused buffer (write and `execute` only).
    pub reused_cycle: Option<Latency>,
    /// Host overhead per call with a reused buffer.
    pub reused_overhead: Option<Latency>,
    /// `execute_postcard` fuel of the canonical note-on, when exported.
    pub postcard_fuel: Option<FuelRange>,
    /// `execute_postcard` latency, when exported.
    pub postcard_execute: Option<Latency>,
    /// Host cycle latency through `execute_postcard`, when exported.
    pub postcard_cycle: Option<Latency>,
    /// Fuel of `execute` on MIDIMon's note-on request, in its flow.
    pub daemon_fuel: Option<FuelRange>,
    /// Fuel of a whole MIDIMon event: start function, `alloc` and `execute`.
    pub event_fuel: Option<FuelRange>,
    /// Latency of a whole MIDIMon event (fresh instance, `alloc`, write, `execute`, drop).
    pub event: Option<Latency>,
    /// Timed JSON calls made.
    pub calls: u64,
    /// Why the plugin could not be measured completely (a non-zero code, a trap ...).
    pub problems: Vec<String>,
}

/// The whole benchmark: every plugin, the machine and the settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// The machine it ran on.
    pub machine: Machine,
    /// Timed calls per plugin and path.
    pub calls: u64,
    /// Calls per plugin per round.
    pub round_calls: u64,
    /// The action measured.
    pub action: String,
    /// Compile-and-instantiate repeats.
    pub startup_repeats: usize,
    /// The plugins, the reference first.
    pub plugins: Vec<PluginBench>,
    /// Wall time of the whole benchmark.
    pub elapsed: Duration,
}

/// The machine a benchmark ran on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// CPU model (`model name` in `/proc/cpuinfo`), when readable.
    pub cpu: Option<String>,
    /// Logical cores available to the process.
    pub cores: usize,
    /// Operating system (`linux`, `macos` ...).
    pub os: &'static str,
    /// CPU architecture (`x86_64`, `aarch64` ...).
    pub arch: &'static str,
    /// Median cost of reading the monotonic clock (`Instant::now`): every latency figure
    /// includes a few of these.
    pub clock_read: Duration,
}

impl Machine {
    /// Detects the machine this process runs on.
    pub fn detect() -> Machine {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| {
                text.lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(key, _)| key.trim() == "model name")
                    .map(|(_, value)| value.trim().to_string())
                    .filter(|v| !v.is_empty())
            });
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            clock_read: clock_read_cost(),
        }
    }

    /// `AMD EPYC, 2 cores, linux/x86_64, clock read 20ns`.
    pub fn describe(&self) -> String {
        format!(
            "{}, {} core{}, {}/{}, clock read {}",
            self.cpu.as_deref().unwrap_or("unknown CPU"),
            self.cores,
            if self.cores == 1 { "" } else { "s" },
            self.os,
            self.arch,
            format_duration(self.clock_read)
        )
    }
}

/// The median time between two back-to-back `Instant::now()` calls, over 1,001 pairs.
fn clock_read_cost() -> Duration {
    let mut samples: Vec<Duration> = (0..1001)
        .map(|_| {
            let a = Instant::now();
            Instant::now().saturating_duration_since(a)
        })
        .collect();
    samples.sort_unstable();
    samples.get(500).copied().unwrap_or_default()
}

/// Per-call latency samples of one plugin, in nanoseconds.
#[derive(Debug, Default)]
struct Samples {
    execute: Vec<u64>,
    cycle: Vec<u64>,
    overhead: Vec<u64>,
    reused_cycle: Vec<u64>,
    reused_overhead: Vec<u64>,
    postcard_execute: Vec<u64>,
    postcard_cycle: Vec<u64>,
    event: Vec<u64>,
}

impl Samples {
    fn with_capacity(calls: u64, postcard: bool) -> Samples {
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
struct Subject {
    plugin: Plugin,
    grants: Grants,
    daemon_body: Vec<u8>,
    instance: PluginInstance,
    json_body: Vec<u8>,
    postcard_body: Option<Vec<u8>>,
    action: String,
    result: PluginBench,
    samples: Samples,
}

impl Subject {
    fn alive(&self) -> bool {
        self.result.problems.is_empty()
    }

    fn fail(&mut self, why: String) {
        self.result.problems.push(why);
    }

    /// One request; a non-zero code or a failure is recorded as a problem (and `None`).
    fn request(&mut self, postcard: bool, body: &[u8], what: &str) -> Option<RequestOutcome> {
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
    fn measure_fuel(&mut self) {
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

    fn record_cycle_fuel(&mut self, o: &RequestOutcome) {
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
    fn round(&mut self, k: u64, record: bool) {
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
    fn event_round(&mut self, k: u64, record: bool) {
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

    fn json_round(&mut self, body: &[u8], k: u64, record: bool) {
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

    fn postcard_round(&mut self, body: &[u8], k: u64, record: bool) {
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
    fn reused_round(&mut self, body: &[u8], k: u64, record: bool) {
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

    fn finish(mut self) -> PluginBench {
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
struct Prepared {
    plugin: Plugin,
    meta: PluginMeta,
    grants: Grants,
    /// A warm instance with `init` called.
    instance: PluginInstance,
    init_fuel: u64,
}

/// Loads a plugin, reads its metadata on a first instance and returns a fresh instance with
/// the grants it declares, with `init` already called.
fn prepare(input: &BenchInput, options: &BenchOptions) -> Result<Prepared, BenchError> {
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

/// The median of some durations (the lower middle one for an even count).
fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples
        .get(samples.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or_default()
}

/// Load + instantiate times, interleaved over the plugins, `repeats` times: medians of
/// (compile, instantiate, both).
fn startup_times(
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

/// How a metric's values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Bytes,
    Fuel,
    FuelPerEntry,
    Nanos,
    Score,
}

/// Where a metric's figure comes from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// A plain number.
    Number(fn(&PluginBench) -> Option<f64>),
    /// A fuel range (shown as `min–max` when it varies; the max is the value).
    Fuel(fn(&PluginBench) -> Option<FuelRange>),
    /// A latency figure.
    Time(fn(&PluginBench) -> Option<Duration>),
}

/// One row of the table and one key of the JSON `metrics`.
#[derive(Debug, Clone, Copy)]
struct Metric {
    id: &'static str,
    label: &'static str,
    unit: Unit,
    source: Source,
    /// Compare with the reference (every metric is lower-is-better).
    ratio: bool,
    /// Only exists with `execute_postcard`; a reference without it is compared on this JSON
    /// metric instead.
    postcard_fallback: Option<&'static str>,
}

const fn metric(id: &'static str, label: &'static str, unit: Unit, source: Source) -> Metric {
    Metric {
        id,
        label,
        unit,
        source,
        ratio: true,
        postcard_fallback: None,
    }
}

/// A metric of the postcard path; `fallback` is the JSON metric a reference without
/// `execute_postcard` is compared on.
const fn postcard(
    id: &'static str,
    label: &'static str,
    unit: Unit,
    source: Source,
    fallback: &'static str,
) -> Metric {
    Metric {
        postcard_fallback: Some(fallback),
        ..metric(id, label, unit, source)
    }
}

/// Every metric, in table order.
const METRICS: &[Metric] = &[
    metric(
        "size_raw_bytes",
        "size, raw",
        Unit::Bytes,
        Source::Number(|p| Some(p.size_raw as f64)),
    ),
    metric(
        "size_optimized_bytes",
        "size after wasm-opt -Oz",
        Unit::Bytes,
        Source::Number(|p| p.size_optimized.as_ref().ok().map(|&s| s as f64)),
    ),
    metric(
        "init_fuel",
        "init fuel",
        Unit::Fuel,
        Source::Number(|p| Some(p.init_fuel as f64)),
    ),
    metric(
        "execute_fuel_metadata_0",
        "execute fuel, note-on, 0 metadata",
        Unit::Fuel,
        Source::Fuel(|p| p.execute_fuel[0]),
    ),
    metric(
        "execute_fuel_metadata_1",
        "execute fuel, note-on, 1 metadata (canonical)",
        Unit::Fuel,
        Source::Fuel(|p| p.execute_fuel[1]),
    ),
    metric(
        "execute_fuel_metadata_8",
        "execute fuel, note-on, 8 metadata",
        Unit::Fuel,
        Source::Fuel(|p| p.execute_fuel[2]),
    ),
    metric(
        "execute_fuel_metadata_64",
        "execute fuel, note-on, 64 metadata",
        Unit::Fuel,
        Source::Fuel(|p| p.execute_fuel[3]),
    ),
    metric(
        "fuel_per_metadata_entry",
        "fuel per metadata entry (slope)",
        Unit::FuelPerEntry,
        Source::Number(|p| p.fit.map(|f| f.slope)),
    ),
    Metric {
        ratio: false,
        ..metric(
            "fuel_fit_r2",
            "  linearity of the slope (R²)",
            Unit::Score,
            Source::Number(|p| p.fit.map(|f| f.r2)),
        )
    },
    metric(
        "cycle_fuel",
        "host cycle fuel (alloc+execute+dealloc)",
        Unit::Fuel,
        Source::Fuel(|p| p.cycle_fuel),
    ),
    metric(
        "execute_p50_ns",
        "execute p50",
        Unit::Nanos,
        Source::Time(|p| p.execute.map(|l| l.p50)),
    ),
    metric(
        "execute_p99_ns",
        "execute p99",
        Unit::Nanos,
        Source::Time(|p| p.execute.map(|l| l.p99)),
    ),
    metric(
        "cycle_p50_ns",
        "host cycle p50",
        Unit::Nanos,
        Source::Time(|p| p.cycle.map(|l| l.p50)),
    ),
    metric(
        "cycle_p99_ns",
        "host cycle p99",
        Unit::Nanos,
        Source::Time(|p| p.cycle.map(|l| l.p99)),
    ),
    metric(
        "host_overhead_p50_ns",
        "host overhead p50 (cycle - execute)",
        Unit::Nanos,
        Source::Time(|p| p.overhead.map(|l| l.p50)),
    ),
    metric(
        "reused_overhead_p50_ns",
        "  same, buffer reused (no alloc/dealloc)",
        Unit::Nanos,
        Source::Time(|p| p.reused_overhead.map(|l| l.p50)),
    ),
    postcard(
        "postcard_fuel",
        "postcard execute fuel, note-on",
        Unit::Fuel,
        Source::Fuel(|p| p.postcard_fuel),
        "execute_fuel_metadata_1",
    ),
    postcard(
        "postcard_execute_p50_ns",
        "postcard execute p50",
        Unit::Nanos,
        Source::Time(|p| p.postcard_execute.map(|l| l.p50)),
        "execute_p50_ns",
    ),
    postcard(
        "postcard_cycle_p50_ns",
        "postcard host cycle p50",
        Unit::Nanos,
        Source::Time(|p| p.postcard_cycle.map(|l| l.p50)),
        "cycle_p50_ns",
    ),
    metric(
        "daemon_execute_fuel",
        "MIDIMon's request: execute fuel",
        Unit::Fuel,
        Source::Fuel(|p| p.daemon_fuel),
    ),
    metric(
        "daemon_event_fuel",
        "MIDIMon event fuel (start+alloc+execute)",
        Unit::Fuel,
        Source::Fuel(|p| p.event_fuel),
    ),
    metric(
        "daemon_event_p50_ns",
        "MIDIMon event p50 (fresh instance)",
        Unit::Nanos,
        Source::Time(|p| p.event.map(|l| l.p50)),
    ),
    metric(
        "daemon_event_p99_ns",
        "MIDIMon event p99 (fresh instance)",
        Unit::Nanos,
        Source::Time(|p| p.event.map(|l| l.p99)),
    ),
    metric(
        "startup_ns",
        "compile + instantiate (median)",
        Unit::Nanos,
        Source::Time(|p| Some(p.startup)),
    ),
];

fn find_metric(id: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.id == id)
}

impl Metric {
    /// The value (a fuel range's max).
    fn value(&self, p: &PluginBench) -> Option<f64> {
        match self.source {
            Source::Number(f) => f(p),
            Source::Fuel(f) => f(p).map(|r| r.max as f64),
            Source::Time(f) => f(p).map(|d| d.as_nanos() as f64),
        }
    }

    /// The reference's value to compare `p` with, and whether it is a fallback.
    fn reference_value(&self, reference: &PluginBench) -> Option<(f64, bool)> {
        match (self.postcard_fallback, reference.postcard) {
            (Some(fallback), false) => find_metric(fallback)
                .and_then(|m| m.value(reference))
                .map(|v| (v, true)),
            _ => self.value(reference).map(|v| (v, false)),
        }
    }

    /// `reference / value`: how many times smaller, cheaper or faster than the reference.
    fn ratio(&self, p: &PluginBench, reference: &PluginBench) -> Option<f64> {
        if !self.ratio {
            return None;
        }
        ratio(self.reference_value(reference)?.0, self.value(p)?)
    }

    /// The cell text without the ratio.
    fn text(&self, p: &PluginBench) -> String {
        let missing = || {
            if self.postcard_fallback.is_some() && !p.postcard {
                "—".to_string()
            } else if self.id == "size_optimized_bytes" {
                match &p.size_optimized {
                    Err(why) if why == "wasm-opt not found" => "n/a: wasm-opt not found".into(),
                    Err(why) if why == "not measured" => "not measured".into(),
                    _ => "n/a: wasm-opt failed (see below)".into(),
                }
            } else if !p.problems.is_empty() {
                "failed (see below)".to_string()
            } else {
                "n/a".to_string()
            }
        };
        match self.source {
            Source::Fuel(f) => match f(p) {
                Some(r) if r.min != r.max => format!("{}–{}", group(r.min), group(r.max)),
                Some(r) => group(r.max),
                None => missing(),
            },
            _ => match self.value(p) {
                Some(v) => format_value(self.unit, v),
                None => missing(),
            },
        }
    }
}

/// `reference / value`, `None` when either is unknown; infinite when only `value` is zero.
fn ratio(reference: f64, value: f64) -> Option<f64> {
    if !reference.is_finite() || !value.is_finite() || reference < 0.0 || value < 0.0 {
        return None;
    }
    if value == 0.0 {
        return Some(if reference == 0.0 { 1.0 } else { f64::INFINITY });
    }
    Some(reference / value)
}

fn format_value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Bytes => format!("{} B", group(v as u64)),
        Unit::Fuel => group(v as u64),
        Unit::FuelPerEntry => format!("{v:.1}"),
        Unit::Score => format!("{v:.4}"),
        Unit::Nanos => format_duration(Duration::from_nanos(v as u64)),
    }
}

/// `8.49×`, `13.8×`, `126×`, `∞×`: three significant digits.
pub fn format_ratio(r: f64) -> String {
    if r.is_infinite() {
        "∞×".to_string()
    } else if r >= 99.95 {
        format!("{r:.0}×")
    } else if r >= 9.995 {
        format!("{r:.1}×")
    } else {
        format!("{r:.2}×")
    }
}

/// One of the targets for one plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetResult {
    /// Stable id: `size_raw`, `json_fuel`, `postcard_fuel`, `cycle_p50`, `metadata_slope`.
    pub id: &'static str,
    /// What is compared.
    pub description: &'static str,
    /// The plugin compared with the reference.
    pub plugin: String,
    /// The smallest reference / plugin ratio that meets the target.
    pub threshold: f64,
    /// The measured ratio (`None` when not measurable, e.g. no `execute_postcard`).
    pub measured: Option<f64>,
    /// R² of the plugin's fuel-per-entry fit (`metadata_slope` only).
    pub r2: Option<f64>,
    /// Whether the target is met.
    pub met: bool,
    /// Why it could not be measured, when it could not.
    pub note: Option<String>,
}

/// The targets of the issue: `(id, description, metric, threshold)`.
const TARGETS: [(&str, &str, &str, f64); 5] = [
    (
        "size_raw",
        "module size, release build before wasm-opt",
        "size_raw_bytes",
        20.0,
    ),
    (
        "json_fuel",
        "note-on execute fuel, JSON path",
        "execute_fuel_metadata_1",
        2.5,
    ),
    (
        "postcard_fuel",
        "note-on execute fuel, postcard path",
        "postcard_fuel",
        25.0,
    ),
    (
        "cycle_p50",
        "host cycle p50 latency, JSON path",
        "cycle_p50_ns",
        2.0,
    ),
    (
        "metadata_slope",
        "fuel per metadata entry, linear growth",
        "fuel_per_metadata_entry",
        3.0,
    ),
];

impl BenchReport {
    /// The reference plugin (the first).
    pub fn reference(&self) -> Option<&PluginBench> {
        self.plugins.first()
    }

    /// Whether every plugin was measured without problems.
    pub fn passed(&self) -> bool {
        self.plugins.iter().all(|p| p.problems.is_empty())
    }

    /// 0 when every plugin was measured, 1 when one failed (returned non-zero, trapped ...).
    /// Targets that are not met do not change it: they are reported, not enforced.
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.passed())
    }

    /// The targets, for every plugin after the reference.
    pub fn targets(&self) -> Vec<TargetResult> {
        let Some(reference) = self.reference() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for p in self.plugins.iter().skip(1) {
            for (id, description, metric_id, threshold) in TARGETS {
                let measured = find_metric(metric_id).and_then(|m| m.ratio(p, reference));
                let r2 = (id == "metadata_slope")
                    .then(|| p.fit.map(|f| f.r2))
                    .flatten();
                let linear = id != "metadata_slope" || r2.is_some_and(|r2| r2 >= LINEAR_R2);
                let note = if id == "postcard_fuel" && !p.postcard {
                    Some("the plugin does not export execute_postcard".to_string())
                } else if measured.is_none() {
                    Some("not measured".to_string())
                } else if !linear {
                    Some(format!(
                        "fuel does not grow linearly (R² below {LINEAR_R2})"
                    ))
                } else {
                    None
                };
                out.push(TargetResult {
                    id,
                    description,
                    plugin: p.file.clone(),
                    threshold,
                    measured,
                    r2,
                    met: linear && measured.is_some_and(|r| r >= threshold),
                    note,
                });
            }
        }
        out
    }

    /// The table for people (colours only with `colour`).
    pub fn render_text(&self, colour: bool) -> String {
        let paint = |code: &str, text: &str| {
            if colour {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        let mut out = String::new();
        let Some(reference) = self.reference() else {
            return out;
        };
        let _ = writeln!(
            out,
            "{}",
            paint(
                "1",
                &format!(
                    "host-check bench: {} plugin{} side by side on {ENGINE}, action \"{}\"",
                    self.plugins.len(),
                    if self.plugins.len() == 1 { "" } else { "s" },
                    printable(&self.action)
                )
            )
        );
        let _ = writeln!(out, "machine   {}", self.machine.describe());
        let _ = writeln!(
            out,
            "latency   {} timed calls per plugin and path, interleaved in rounds of {} (A B C A B C ...)",
            group(self.calls),
            group(self.round_calls)
        );
        let _ = writeln!(out, "plugins");
        let columns: Vec<String> = self.plugins.iter().map(|p| column_name(&p.file)).collect();
        let name_width = columns.iter().map(|c| c.chars().count()).max().unwrap_or(0);
        let files: Vec<String> = self
            .plugins
            .iter()
            .map(|p| printable(&p.file).into_owned())
            .collect();
        let file_width = files.iter().map(|f| f.chars().count()).max().unwrap_or(0);
        for (i, ((p, column), file)) in self.plugins.iter().zip(&columns).zip(&files).enumerate() {
            let _ = writeln!(
                out,
                "  {column:name_width$}  {file:file_width$}  {} {}, {}, {}{}",
                printable(&p.name),
                printable(&p.version),
                if p.wasi { "WASI" } else { "no WASI" },
                if p.postcard {
                    "execute_postcard"
                } else {
                    "no execute_postcard"
                },
                if i == 0 { " (the reference)" } else { "" },
            );
        }
        let _ = writeln!(
            out,
            "\nlower is better everywhere; (N×) = N times smaller/cheaper/faster than the reference\n"
        );

        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut header = vec!["metric".to_string()];
        header.extend(columns.iter().enumerate().map(|(i, c)| {
            if i == 0 {
                format!("{c} (ref)")
            } else {
                c.clone()
            }
        }));
        rows.push(header);
        let mut fallback_used = false;
        for m in METRICS {
            let mut row = vec![m.label.to_string()];
            for (i, p) in self.plugins.iter().enumerate() {
                let mut cell = m.text(p);
                if i > 0 {
                    if let Some(r) = m.ratio(p, reference) {
                        let fallback = m.reference_value(reference).is_some_and(|(_, f)| f);
                        fallback_used |= fallback;
                        let _ = write!(
                            cell,
                            " ({}{})",
                            format_ratio(r),
                            if fallback { "¹" } else { "" }
                        );
                    }
                }
                row.push(cell);
            }
            rows.push(row);
        }
        let widths: Vec<usize> = (0..=self.plugins.len())
            .map(|c| {
                rows.iter()
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for (i, row) in rows.iter().enumerate() {
            let mut line = String::new();
            for (cell, width) in row.iter().zip(&widths) {
                let pad = width.saturating_sub(cell.chars().count());
                let _ = write!(line, "{cell}{}  ", " ".repeat(pad));
            }
            let line = line.trim_end();
            let _ = writeln!(
                out,
                "{}",
                if i == 0 {
                    paint("1", line)
                } else {
                    line.to_string()
                }
            );
        }
        out.push('\n');
        let _ = writeln!(
            out,
            "fuel: per call, measured on {FUEL_CALLS} calls per request shape and on every timed call; `min–max` when it varies (ratios use the max)"
        );
        let _ = writeln!(
            out,
            "slope: least-squares line through the execute fuel at 0, 1, 8 and 64 metadata entries (R² 1 = exactly linear)"
        );
        let _ = writeln!(
            out,
            "host cycle: alloc + write + execute + dealloc on a warm instance, as the template README's host sends a note; host overhead: cycle - execute, per call"
        );
        let _ = writeln!(
            out,
            "  (host overhead includes about two of host-check's own clock reads, {} each here)",
            format_duration(self.machine.clock_read)
        );
        let _ = writeln!(
            out,
            "buffer reused: one alloc per round of {}, then write + execute per call: what the alloc/dealloc crossings cost",
            group(self.round_calls)
        );
        let _ = writeln!(
            out,
            "compile + instantiate: median of {} interleaved repeats (engine, compilation, linking, instantiation)",
            self.startup_repeats
        );
        let _ = writeln!(
            out,
            "MIDIMon event: what MIDIMon f4f371c does per event: a fresh instance (start function), alloc, write, execute of its own request, drop; no init, no dealloc; 1 event per {EVENT_SHARE} calls of each round"
        );
        let _ = writeln!(
            out,
            "MIDIMon never calls execute_postcard: the postcard rows are what a host that does would get"
        );
        if fallback_used {
            let _ = writeln!(
                out,
                "¹ the reference has no execute_postcard: compared with its JSON execute figure"
            );
        }
        for p in &self.plugins {
            if let Err(why) = &p.size_optimized {
                if why != "wasm-opt not found" && why != "not measured" {
                    let _ = writeln!(
                        out,
                        "wasm-opt on {}: {}",
                        printable(&p.file),
                        printable(why)
                    );
                }
            }
        }

        if self.plugins.len() > 1 {
            let _ = writeln!(
                out,
                "\n{}",
                paint(
                    "1",
                    &format!(
                        "targets (ratio = {} / plugin, measured in this run)",
                        column_name(&reference.file)
                    )
                )
            );
            let targets = self.targets();
            let width = targets
                .iter()
                .map(|t| t.description.chars().count())
                .max()
                .unwrap_or(0);
            let mut current = String::new();
            for t in targets {
                if t.plugin != current {
                    let _ = writeln!(out, "  {}", column_name(&t.plugin));
                    current = t.plugin.clone();
                }
                let status = if t.met {
                    paint("32", "MET    ")
                } else {
                    paint("1;31", "NOT MET")
                };
                let measured = match (t.measured, t.r2) {
                    (Some(r), Some(r2)) => format!("{}, R² {r2:.4}", format_ratio(r)),
                    (Some(r), None) => format_ratio(r),
                    (None, _) => "n/a".to_string(),
                };
                let note = t.note.map(|n| format!(" ({n})")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "    {status}  {:width$}  target ≥ {:<5}  measured {measured}{note}",
                    t.description,
                    format!("{}×", t.threshold),
                );
            }
        }

        let failed: Vec<&PluginBench> = self
            .plugins
            .iter()
            .filter(|p| !p.problems.is_empty())
            .collect();
        if !failed.is_empty() {
            out.push('\n');
            for p in failed {
                for problem in &p.problems {
                    let _ = writeln!(out, "FAIL {}: {}", printable(&p.file), printable(problem));
                }
            }
        }
        out
    }

    /// The JSON report (schema in `host-check/README.md`).
    pub fn to_json(&self) -> Value {
        let reference = self.reference();
        let plugins: Vec<Value> = self
            .plugins
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut metrics = Map::new();
                let mut ratios = Map::new();
                let mut fuel_min = Map::new();
                for m in METRICS {
                    metrics.insert(m.id.to_string(), json_number(m.unit, m.value(p)));
                    if let Source::Fuel(f) = m.source {
                        fuel_min.insert(m.id.to_string(), json!(f(p).map(|r| r.min)));
                    }
                    if m.ratio {
                        let r = reference.and_then(|reference| m.ratio(p, reference));
                        ratios.insert(
                            m.id.to_string(),
                            json!(r.filter(|r| r.is_finite()).map(round4)),
                        );
                    }
                }
                json!({
                    "file": p.file,
                    "name": p.name,
                    "version": p.version,
                    "reference": i == 0,
                    "wasi": p.wasi,
                    "execute_postcard": p.postcard,
                    "size_optimized_error": p.size_optimized.as_ref().err(),
                    "metrics": metrics,
                    "fuel_min": fuel_min,
                    "ratios": ratios,
                    "details": {
                        "alloc_fuel": p.alloc_fuel.map(|r| r.max),
                        "dealloc_fuel": p.dealloc_fuel.map(|r| r.max),
                        "fuel_fit_intercept": p.fit.map(|f| round4(f.intercept)),
                        "compile_ns": nanos(p.compile),
                        "instantiate_ns": nanos(p.instantiate),
                        "reused_cycle_p50_ns": p.reused_cycle.map(|l| nanos(l.p50)),
                        "host_overhead_p99_ns": p.overhead.map(|l| nanos(l.p99)),
                        "postcard_execute_p99_ns": p.postcard_execute.map(|l| nanos(l.p99)),
                        "calls": p.calls,
                    },
                    "problems": p.problems,
                })
            })
            .collect();
        let targets: Vec<Value> = self
            .targets()
            .into_iter()
            .map(|t| {
                json!({
                    "id": t.id,
                    "description": t.description,
                    "plugin": t.plugin,
                    "threshold": t.threshold,
                    "measured": t.measured.filter(|r| r.is_finite()).map(round4),
                    "r2": t.r2.map(round4),
                    "met": t.met,
                    "note": t.note,
                })
            })
            .collect();
        json!({
            "schema_version": SCHEMA_VERSION,
            "tool": {
                "name": "host-check",
                "version": env!("CARGO_PKG_VERSION"),
                "engine": ENGINE,
            },
            "machine": {
                "cpu": self.machine.cpu,
                "cores": self.machine.cores,
                "os": self.machine.os,
                "arch": self.machine.arch,
                "clock_read_ns": nanos(self.machine.clock_read),
            },
            "settings": {
                "action": self.action,
                "calls": self.calls,
                "round_calls": self.round_calls,
                "fuel_calls": FUEL_CALLS,
                "metadata_entries": METADATA_ENTRIES,
                "startup_repeats": self.startup_repeats,
                "slope_method": "least_squares",
            },
            "reference": reference.map(|p| p.file.clone()),
            "plugins": plugins,
            "targets": targets,
            "passed": self.passed(),
            "elapsed_ns": nanos(self.elapsed),
        })
    }
}

fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

fn json_number(unit: Unit, v: Option<f64>) -> Value {
    match (unit, v) {
        (_, None) => Value::Null,
        (Unit::FuelPerEntry | Unit::Score, Some(v)) => json!(round4(v)),
        (_, Some(v)) => json!(v as u64),
    }
}

/// The column heading of a plugin: its file name without `.wasm`.
fn column_name(file: &str) -> String {
    let path = Path::new(file);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string());
    printable(&stem).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin(file: &str, scale: u64) -> PluginBench {
        let fuel = |f: u64| Some(FuelRange::new(f / scale));
        let time = |ns: u64| {
            Some(Latency {
                p50: Duration::from_nanos(ns / scale),
                p99: Duration::from_nanos(2 * ns / scale),
                max: Duration::from_nanos(4 * ns / scale),
            })
        };
        PluginBench {
            file: file.to_string(),
            name: "p".into(),
            version: "1.0.0".into(),
            wasi: false,
            postcard: scale > 1,
            size_raw: 100_000 / scale,
            size_optimized: Err("wasm-opt not found".into()),
            compile: Duration::from_millis(10),
            instantiate: Duration::from_millis(1),
            startup: Duration::from_millis(11),
            init_fuel: 1000,
            execute_fuel: [fuel(10_000), fuel(10_100), fuel(10_800), fuel(16_400)],
            fit: Fit::least_squares(&[
                (0.0, 10_000.0 / scale as f64),
                (64.0, 16_400.0 / scale as f64),
            ]),
            alloc_fuel: fuel(100),
            dealloc_fuel: fuel(100),
            cycle_fuel: fuel(10_300),
            execute: time(3000),
            cycle: time(4000),
            overhead: time(1000),
            reused_cycle: time(3500),
            reused_overhead: time(500),
            postcard_fuel: (scale > 1).then(|| FuelRange::new(1000)),
            postcard_execute: (scale > 1).then(Latency::default),
            postcard_cycle: None,
            daemon_fuel: fuel(5000),
            event_fuel: fuel(5100),
            event: time(40_000),
            calls: 100,
            problems: Vec::new(),
        }
    }

    fn report() -> BenchReport {
        BenchReport {
            machine: Machine {
                cpu: Some("Test CPU".into()),
                cores: 2,
                os: "linux",
                arch: "x86_64",
                clock_read: Duration::from_nanos(20),
            },
            calls: 100,
            round_calls: 10,
            action: "my_action".into(),
            startup_repeats: 5,
            plugins: vec![plugin("a/ref.wasm", 1), plugin("b/fast.wasm", 4)],
            elapsed: Duration::from_secs(1),
        }
    }

    #[test]
    fn least_squares_fits_a_line() {
        let fit =
            Fit::least_squares(&[(0.0, 10.0), (1.0, 12.0), (8.0, 26.0), (64.0, 138.0)]).unwrap();
        assert!((fit.slope - 2.0).abs() < 1e-9);
        assert!((fit.intercept - 10.0).abs() < 1e-9);
        assert!((fit.r2 - 1.0).abs() < 1e-12);
        let flat = Fit::least_squares(&[(0.0, 5.0), (64.0, 5.0)]).unwrap();
        assert_eq!((flat.slope, flat.r2), (0.0, 1.0));
        assert!(Fit::least_squares(&[(1.0, 5.0)]).is_none());
        assert!(Fit::least_squares(&[(1.0, 5.0), (1.0, 6.0)]).is_none());
    }

    #[test]
    fn ratios_and_their_format() {
        assert_eq!(ratio(10.0, 4.0), Some(2.5));
        assert_eq!(ratio(10.0, 0.0), Some(f64::INFINITY));
        assert_eq!(ratio(0.0, 0.0), Some(1.0));
        assert_eq!(format_ratio(8.4912), "8.49×");
        assert_eq!(format_ratio(13.84), "13.8×");
        assert_eq!(format_ratio(126.4), "126×");
        assert_eq!(format_ratio(0.5), "0.50×");
        assert_eq!(format_ratio(f64::INFINITY), "∞×");
    }

    #[test]
    fn median_of_durations() {
        let ms = Duration::from_millis;
        assert_eq!(median(vec![ms(3), ms(1), ms(2)]), ms(2));
        assert_eq!(median(vec![ms(4), ms(1), ms(2), ms(3)]), ms(2));
        assert_eq!(median(Vec::new()), Duration::ZERO);
    }

    #[test]
    fn table_has_every_metric_and_ratios() {
        let text = report().render_text(false);
        for m in METRICS {
            assert!(text.contains(m.label), "{} missing:\n{text}", m.label);
        }
        assert!(text.contains("25,000 B (4.00×)"), "{text}");
        assert!(text.contains("n/a: wasm-opt not found"), "{text}");
        // The reference has no postcard path: its row shows a dash and ratios use JSON figures.
        assert!(text.contains("—"), "{text}");
        assert!(text.contains("1,000 (10.1×¹)"), "{text}");
        assert!(text.contains("NOT MET  module size"), "{text}");
        assert!(
            text.contains("MET      note-on execute fuel, JSON path"),
            "{text}"
        );
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn targets_are_evaluated() {
        let targets = report().targets();
        assert_eq!(targets.len(), 5);
        let by_id = |id: &str| targets.iter().find(|t| t.id == id).unwrap().clone();
        assert!(!by_id("size_raw").met);
        assert_eq!(by_id("size_raw").measured, Some(4.0));
        assert!(by_id("json_fuel").met);
        assert!(!by_id("postcard_fuel").met);
        assert!(by_id("cycle_p50").met);
        let slope = by_id("metadata_slope");
        assert!(slope.met, "{slope:?}");
        assert!(slope.r2.unwrap() > 0.99);
    }

    #[test]
    fn json_has_the_schema_fields() {
        let v = report().to_json();
        assert_eq!(v["schema_version"], SCHEMA_VERSION);
        assert_eq!(v["tool"]["engine"], ENGINE);
        assert_eq!(v["machine"]["cores"], 2);
        assert_eq!(v["plugins"][0]["reference"], true);
        assert_eq!(v["plugins"][1]["metrics"]["size_raw_bytes"], 25_000);
        assert_eq!(v["plugins"][1]["ratios"]["size_raw_bytes"], 4.0);
        assert!(v["plugins"][0]["metrics"]["postcard_fuel"].is_null());
        assert_eq!(v["targets"].as_array().unwrap().len(), 5);
        assert_eq!(v["passed"], true);
    }

    #[test]
    fn problems_fail_the_run() {
        let mut r = report();
        r.plugins[1].problems.push("returned 4".into());
        r.plugins[1].cycle_fuel = None;
        assert_eq!(r.exit_code(), 1);
        let text = r.render_text(false);
        assert!(text.contains("FAIL b/fast.wasm: returned 4"), "{text}");
        assert!(text.contains("failed (see below)"), "{text}");
    }

    #[test]
    fn postcard_fallbacks_name_json_metrics() {
        for m in METRICS.iter().filter(|m| m.postcard_fallback.is_some()) {
            let fallback = m.postcard_fallback.unwrap();
            assert!(find_metric(fallback).is_some(), "{fallback}");
        }
        assert_eq!(
            find_metric("postcard_cycle_p50_ns")
                .unwrap()
                .postcard_fallback,
            Some("cycle_p50_ns")
        );
        assert_eq!(
            find_metric("postcard_execute_p50_ns")
                .unwrap()
                .postcard_fallback,
            Some("execute_p50_ns")
        );
    }

    #[test]
    fn the_benchmarked_note_on_is_core_abis_canonical_one() {
        assert_eq!(
            request_json_with_metadata(DEFAULT_ACTION, Event::NoteOn, 1),
            core_abi::request::CANONICAL_NOTE_ON.as_bytes()
        );
        let header = core_abi::binary::BinaryHeader::CANONICAL_NOTE_ON;
        assert_eq!(
            postcard_note_on(0),
            core_abi::binary::encode_to_vec(&header, &[("key", "value")])
        );
    }

    #[test]
    fn column_names_are_file_stems() {
        assert_eq!(
            column_name("target/plugins/std_reference.wasm"),
            "std_reference"
        );
        assert_eq!(column_name("x"), "x");
    }
}
