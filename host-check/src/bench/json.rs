//! The benchmark as one JSON object (`bench --json`; the schema is in `host-check/README.md`).
//!
//! The wire schema is written once, as the `#[derive(Serialize)]` view structs below, which
//! borrow from the [`BenchReport`] and name its figures the way the schema does. The object
//! goes through [`Value`] (whose map is sorted) so the key order on the wire stays
//! alphabetical, as it always was.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::figures::{BenchReport, PluginBench};
use super::metrics::{Source, Unit, METRICS};
use super::options::{FUEL_CALLS, METADATA_ENTRIES};
use super::targets::TargetResult;
use crate::fmt::nanos;
use crate::runner::ENGINE;

/// Version of the `bench --json` schema.
pub const SCHEMA_VERSION: u32 = 1;

impl BenchReport {
    /// The JSON report (schema in `host-check/README.md`).
    pub fn to_json(&self) -> Value {
        // Serializing these views cannot fail (every map key is a string); `Null` would only
        // stand for a bug, never for a panic.
        serde_json::to_value(JsonBench::new(self)).unwrap_or_default()
    }
}

#[derive(Serialize)]
struct JsonBench<'a> {
    schema_version: u32,
    tool: JsonTool,
    machine: JsonMachine<'a>,
    settings: JsonSettings<'a>,
    reference: Option<&'a str>,
    plugins: Vec<JsonPlugin<'a>>,
    targets: Vec<JsonTarget>,
    passed: bool,
    elapsed_ns: u64,
}

impl<'a> JsonBench<'a> {
    fn new(r: &'a BenchReport) -> Self {
        let reference = r.reference();
        JsonBench {
            schema_version: SCHEMA_VERSION,
            tool: JsonTool {
                name: "host-check",
                version: env!("CARGO_PKG_VERSION"),
                engine: ENGINE,
            },
            machine: JsonMachine {
                cpu: r.machine.cpu.as_deref(),
                cores: r.machine.cores,
                os: r.machine.os,
                arch: r.machine.arch,
                clock_read_ns: nanos(r.machine.clock_read),
            },
            settings: JsonSettings {
                action: &r.action,
                calls: r.calls,
                round_calls: r.round_calls,
                fuel_calls: FUEL_CALLS,
                metadata_entries: &METADATA_ENTRIES,
                startup_repeats: r.startup_repeats,
                slope_method: "least_squares",
            },
            reference: reference.map(|p| p.file.as_str()),
            plugins: r
                .plugins
                .iter()
                .enumerate()
                .map(|(i, p)| JsonPlugin::new(p, i == 0, reference))
                .collect(),
            targets: r.targets().into_iter().map(JsonTarget::new).collect(),
            passed: r.passed(),
            elapsed_ns: nanos(r.elapsed),
        }
    }
}

#[derive(Serialize)]
struct JsonTool {
    name: &'static str,
    version: &'static str,
    engine: &'static str,
}

#[derive(Serialize)]
struct JsonMachine<'a> {
    cpu: Option<&'a str>,
    cores: usize,
    os: &'static str,
    arch: &'static str,
    clock_read_ns: u64,
}

#[derive(Serialize)]
struct JsonSettings<'a> {
    action: &'a str,
    calls: u64,
    round_calls: u64,
    fuel_calls: usize,
    metadata_entries: &'static [usize],
    startup_repeats: usize,
    slope_method: &'static str,
}

/// One plugin: its metrics, fuel minimums and ratios keyed by metric id.
#[derive(Serialize)]
struct JsonPlugin<'a> {
    file: &'a str,
    name: &'a str,
    version: &'a str,
    reference: bool,
    wasi: bool,
    execute_postcard: bool,
    size_optimized_error: Option<&'a str>,
    metrics: BTreeMap<&'static str, Option<JsonNumber>>,
    fuel_min: BTreeMap<&'static str, Option<u64>>,
    ratios: BTreeMap<&'static str, Option<f64>>,
    details: JsonDetails,
    problems: &'a [String],
}

impl<'a> JsonPlugin<'a> {
    fn new(p: &'a PluginBench, is_reference: bool, reference: Option<&PluginBench>) -> Self {
        let mut metrics = BTreeMap::new();
        let mut ratios = BTreeMap::new();
        let mut fuel_min = BTreeMap::new();
        for m in METRICS {
            metrics.insert(m.id, json_number(m.unit, m.value(p)));
            if let Source::Fuel(f) = m.source {
                fuel_min.insert(m.id, f(p).map(|r| r.min));
            }
            if m.ratio {
                let r = reference.and_then(|reference| m.ratio(p, reference));
                ratios.insert(m.id, r.filter(|r| r.is_finite()).map(round4));
            }
        }
        JsonPlugin {
            file: &p.file,
            name: &p.name,
            version: &p.version,
            reference: is_reference,
            wasi: p.wasi,
            execute_postcard: p.postcard,
            size_optimized_error: p.size_optimized.as_ref().err().map(String::as_str),
            metrics,
            fuel_min,
            ratios,
            details: JsonDetails {
                alloc_fuel: p.alloc_fuel.map(|r| r.max),
                dealloc_fuel: p.dealloc_fuel.map(|r| r.max),
                fuel_fit_intercept: p.fit.map(|f| round4(f.intercept)),
                compile_ns: nanos(p.compile),
                instantiate_ns: nanos(p.instantiate),
                reused_cycle_p50_ns: p.reused_cycle.map(|l| nanos(l.p50)),
                host_overhead_p99_ns: p.overhead.map(|l| nanos(l.p99)),
                postcard_execute_p99_ns: p.postcard_execute.map(|l| nanos(l.p99)),
                calls: p.calls,
            },
            problems: &p.problems,
        }
    }
}

#[derive(Serialize)]
struct JsonDetails {
    alloc_fuel: Option<u64>,
    dealloc_fuel: Option<u64>,
    fuel_fit_intercept: Option<f64>,
    compile_ns: u64,
    instantiate_ns: u64,
    reused_cycle_p50_ns: Option<u64>,
    host_overhead_p99_ns: Option<u64>,
    postcard_execute_p99_ns: Option<u64>,
    calls: u64,
}

#[derive(Serialize)]
struct JsonTarget {
    id: &'static str,
    description: &'static str,
    plugin: String,
    threshold: f64,
    measured: Option<f64>,
    r2: Option<f64>,
    met: bool,
    note: Option<String>,
}

impl JsonTarget {
    fn new(t: TargetResult) -> Self {
        JsonTarget {
            id: t.id,
            description: t.description,
            plugin: t.plugin,
            threshold: t.threshold,
            measured: t.measured.filter(|r| r.is_finite()).map(round4),
            r2: t.r2.map(round4),
            met: t.met,
            note: t.note,
        }
    }
}

/// A metric's value: whole for counts (bytes, fuel, ns), rounded to 4 places for a slope or a
/// score.
#[derive(Serialize)]
#[serde(untagged)]
enum JsonNumber {
    Whole(u64),
    Real(f64),
}

fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

fn json_number(unit: Unit, v: Option<f64>) -> Option<JsonNumber> {
    match (unit, v) {
        (_, None) => None,
        (Unit::FuelPerEntry | Unit::Score, Some(v)) => Some(JsonNumber::Real(round4(v))),
        (_, Some(v)) => Some(JsonNumber::Whole(v as u64)),
    }
}
