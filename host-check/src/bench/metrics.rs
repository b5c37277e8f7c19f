//! The table's rows and the JSON's `metrics`: one [`Metric`] per figure, where it comes from,
//! how it is shown, and its ratio against the reference.

use std::time::Duration;

use super::figures::{FuelRange, PluginBench};
use crate::fmt::{format_duration, group};

/// How a metric's values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    Bytes,
    Fuel,
    FuelPerEntry,
    Nanos,
    Score,
}

/// Where a metric's figure comes from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    /// A plain number.
    Number(fn(&PluginBench) -> Option<f64>),
    /// A fuel range (shown as `min–max` when it varies; the max is the value).
    Fuel(fn(&PluginBench) -> Option<FuelRange>),
    /// A latency figure.
    Time(fn(&PluginBench) -> Option<Duration>),
}

/// One row of the table and one key of the JSON `metrics`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Metric {
    pub(super) id: &'static str,
    pub(super) label: &'static str,
    pub(super) unit: Unit,
    pub(super) source: Source,
    /// Compare with the reference (every metric is lower-is-better).
    pub(super) ratio: bool,
    /// Only exists with `execute_postcard`; a reference without it is compared on this JSON
    /// metric instead.
    pub(super) postcard_fallback: Option<&'static str>,
}

pub(super) const fn metric(
    id: &'static str,
    label: &'static str,
    unit: Unit,
    source: Source,
) -> Metric {
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
pub(super) const fn postcard(
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
pub(super) const METRICS: &[Metric] = &[
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

pub(super) fn find_metric(id: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.id == id)
}

impl Metric {
    /// The value (a fuel range's max).
    pub(super) fn value(&self, p: &PluginBench) -> Option<f64> {
        match self.source {
            Source::Number(f) => f(p),
            Source::Fuel(f) => f(p).map(|r| r.max as f64),
            Source::Time(f) => f(p).map(|d| d.as_nanos() as f64),
        }
    }

    /// The reference's value to compare `p` with, and whether it is a fallback.
    pub(super) fn reference_value(&self, reference: &PluginBench) -> Option<(f64, bool)> {
        match (self.postcard_fallback, reference.postcard) {
            (Some(fallback), false) => find_metric(fallback)
                .and_then(|m| m.value(reference))
                .map(|v| (v, true)),
            _ => self.value(reference).map(|v| (v, false)),
        }
    }

    /// `reference / value`: how many times smaller, cheaper or faster than the reference.
    pub(super) fn ratio(&self, p: &PluginBench, reference: &PluginBench) -> Option<f64> {
        if !self.ratio {
            return None;
        }
        ratio(self.reference_value(reference)?.0, self.value(p)?)
    }

    /// The cell text without the ratio.
    pub(super) fn text(&self, p: &PluginBench) -> String {
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
pub(super) fn ratio(reference: f64, value: f64) -> Option<f64> {
    if !reference.is_finite() || !value.is_finite() || reference < 0.0 || value < 0.0 {
        return None;
    }
    if value == 0.0 {
        return Some(if reference == 0.0 { 1.0 } else { f64::INFINITY });
    }
    Some(reference / value)
}

pub(super) fn format_value(unit: Unit, v: f64) -> String {
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
