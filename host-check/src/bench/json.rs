//! The benchmark as one JSON object (`bench --json`; the schema is in `host-check/README.md`).

use serde_json::{json, Map, Value};

use super::figures::BenchReport;
use super::metrics::{Source, Unit, METRICS};
use super::options::{FUEL_CALLS, METADATA_ENTRIES};
use crate::fmt::nanos;
use crate::runner::ENGINE;

/// Version of the `bench --json` schema.
pub const SCHEMA_VERSION: u32 = 1;

impl BenchReport {
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

pub(super) fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

pub(super) fn json_number(unit: Unit, v: Option<f64>) -> Value {
    match (unit, v) {
        (_, None) => Value::Null,
        (Unit::FuelPerEntry | Unit::Score, Some(v)) => json!(round4(v)),
        (_, Some(v)) => json!(v as u64),
    }
}
