//! `host-check diff OLD NEW` (and `check --baseline OLD`): what a change did to a plugin's size,
//! fuel and latency, and whether it grew more than a plugin's CI allows.
//!
//! A budget file holds a plugin to absolute figures; a diff holds a pull request to the figures
//! of the build before it, so that 2 KB of growth is seen in the change that made it, with the
//! functions and data that grew. Both modules are measured the same way `check` measures one
//! (the same requests, engine and budgets): size, size after `wasm-opt -Oz`, `execute` fuel on
//! the README's note-on and on MIDIMon's own request, fuel per params (`context.metadata`)
//! entry, and latency. Sizes and fuel are deterministic, so `--max-growth` gates them; latency
//! is shown for information only and never fails: two runs on a shared machine differ by more
//! than most changes do.

use std::time::Duration;

use crate::attribution::{self, ItemChange, Layout, MatchedBy};
use crate::fmt::nanos;
use crate::settings::Settings;

use crate::names::Names;
use crate::optimize::{self, OptimizeError};
use crate::report::{Report, Status};
use crate::requests::{request_json_with_metadata, Event};
use crate::runner::{Grants, Plugin};

mod growth;
mod model;
mod render;

pub use growth::MaxGrowth;
pub use model::{
    DiffReport, Figure, GrowthFailure, Items, MetricRow, DIFF_SCHEMA_VERSION, MAX_ITEMS,
};
pub use render::render;

/// Params entries of the longer request of the per-entry fuel measurement (the other has none).
pub const ENTRY_SPAN: usize = 8;

/// What one module measures.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// Module size in bytes.
    pub size: u64,
    /// Size after `wasm-opt -Oz`, or why it is missing.
    pub size_optimized: Result<u64, String>,
    /// `execute` fuel on the README's note-on (the most over the note path).
    pub note_fuel: Option<u64>,
    /// `execute` fuel on MIDIMon's own note-on request.
    pub daemon_fuel: Option<u64>,
    /// `execute` fuel per params entry: (fuel with [`ENTRY_SPAN`] entries - with none) / span.
    pub entry_fuel: Option<f64>,
    /// Note-on `execute` latency, p50 and p99.
    pub note_latency: Option<(Duration, Duration)>,
    /// Latency of one event in MIDIMon's flow, p50 and p99.
    pub event_latency: Option<(Duration, Duration)>,
    /// Checks the module failed (`check`'s ids), for the report's notes.
    pub failed_checks: Vec<String>,
}

impl Measured {
    /// Measures a module from its `check` report (which measured fuel and latency), adding the
    /// optimised size and the fuel per params entry.
    pub fn from_report(report: &Report, wasm: &[u8], budgets: &Settings) -> Measured {
        let size_optimized = match report.size_optimized {
            Some(size) => Ok(size),
            None => match optimize::optimize(wasm) {
                Ok(optimized) => Ok(optimized.len() as u64),
                Err(e @ OptimizeError::NotFound) => {
                    Err(format!("{e}: the optimised size is not compared"))
                }
                Err(e) => Err(e.to_string()),
            },
        };
        let action = report.note_path.as_ref().map(|n| n.action.clone());
        Measured {
            size: wasm.len() as u64,
            size_optimized,
            note_fuel: report.note_path.as_ref().map(|n| n.fuel_max),
            daemon_fuel: report.daemon_event.as_ref().map(|d| d.execute_fuel),
            entry_fuel: action.and_then(|a| entry_fuel(report, wasm, budgets, &a)),
            note_latency: report
                .note_path
                .as_ref()
                .map(|n| (n.execute.p50, n.execute.p99)),
            event_latency: report
                .daemon_event
                .as_ref()
                .map(|d| (d.event.p50, d.event.p99)),
            failed_checks: report
                .with_status(Status::Fail)
                .map(|c| c.id.clone())
                .collect(),
        }
    }

    /// Checks `wasm` (not strictly: rule warnings are not this command's business) and measures it.
    pub fn measure(label: &str, wasm: &[u8], budgets: &Settings) -> Measured {
        let report = crate::check::check(label, wasm, budgets, &[], None);
        Measured::from_report(&report, wasm, budgets)
    }
}

/// Fuel per params entry on a warm instance: the README note-on with [`ENTRY_SPAN`] entries
/// minus with none, per entry; `None` when either request does not return 0.
fn entry_fuel(report: &Report, wasm: &[u8], budgets: &Settings, action: &str) -> Option<f64> {
    let meta = report.metadata.as_ref()?;
    let plugin = Plugin::load(wasm, budgets.limits).ok()?;
    let grants = Grants::for_plugin(plugin.imports_wasi(), meta.capabilities);
    let mut instance = plugin.instantiate(&grants).ok()?;
    instance.init().ok()?;
    let mut fuel = |entries| {
        let body = request_json_with_metadata(action, Event::NoteOn, entries);
        // The first call warms the instance (first allocations), as the note path does.
        let _ = instance.request(&body);
        instance
            .request(&body)
            .ok()
            .filter(|o| o.code == 0)
            .map(|o| o.fuel)
    };
    let none = fuel(0)?;
    let many = fuel(ENTRY_SPAN)?;
    Some((many as f64 - none as f64) / ENTRY_SPAN as f64)
}

/// One side of the comparison.
pub struct Side<'a> {
    /// The file, as given.
    pub file: &'a str,
    /// Its bytes.
    pub wasm: &'a [u8],
    /// A named twin's bytes, when given.
    pub twin: Option<&'a [u8]>,
    /// What it measures.
    pub measured: &'a Measured,
}

/// One metric before it is compared: id, label, unit, old and new figure.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    Option<Figure>,
    Option<Figure>,
);

/// Compares two measured modules. A refused named twin is an `Err` (a usage error).
pub fn compare(
    old: &Side<'_>,
    new: &Side<'_>,
    max_growth: Option<MaxGrowth>,
) -> Result<DiffReport, String> {
    let (o, n) = (old.measured, new.measured);
    let whole = |v: Option<u64>| v.map(Figure::Whole);
    let ns = |v: Option<(Duration, Duration)>, p99: bool| {
        v.map(|(p50, p99d)| Figure::Whole(nanos(if p99 { p99d } else { p50 })))
    };
    let rows: [Row; 9] = [
        (
            "size",
            "size",
            "bytes",
            whole(Some(o.size)),
            whole(Some(n.size)),
        ),
        (
            "size.optimized",
            "size after wasm-opt -Oz",
            "bytes",
            whole(o.size_optimized.clone().ok()),
            whole(n.size_optimized.clone().ok()),
        ),
        (
            "fuel.note",
            "fuel per note (README note-on)",
            "fuel",
            whole(o.note_fuel),
            whole(n.note_fuel),
        ),
        (
            "fuel.daemon",
            "fuel per note (MIDIMon's request)",
            "fuel",
            whole(o.daemon_fuel),
            whole(n.daemon_fuel),
        ),
        (
            "fuel.entry",
            "fuel per params entry",
            "fuel",
            o.entry_fuel.map(Figure::Real),
            n.entry_fuel.map(Figure::Real),
        ),
        (
            "latency.note.p50",
            "note execute p50 (noisy)",
            "ns",
            ns(o.note_latency, false),
            ns(n.note_latency, false),
        ),
        (
            "latency.note.p99",
            "note execute p99 (noisy)",
            "ns",
            ns(o.note_latency, true),
            ns(n.note_latency, true),
        ),
        (
            "latency.event.p50",
            "MIDIMon event p50 (noisy)",
            "ns",
            ns(o.event_latency, false),
            ns(n.event_latency, false),
        ),
        (
            "latency.event.p99",
            "MIDIMon event p99 (noisy)",
            "ns",
            ns(o.event_latency, true),
            ns(n.event_latency, true),
        ),
    ];
    let metrics: Vec<MetricRow> = rows
        .into_iter()
        .map(|(id, label, unit, old, new)| {
            let delta = old.zip(new).map(|(a, b)| b.value() - a.value());
            let percent = old
                .filter(|a| a.value() != 0.0)
                .zip(delta)
                .map(|(a, d)| d * 100.0 / a.value());
            MetricRow {
                id,
                label,
                unit,
                old,
                new,
                delta,
                percent,
                gated: !id.starts_with("latency"),
            }
        })
        .collect();

    let items = items(old, new)?;
    let mut notes = Vec::new();
    for (side, m) in [("old", old), ("new", new)] {
        if let Err(why) = &m.measured.size_optimized {
            notes.push(format!("{side}: {why}"));
        }
        if !m.measured.failed_checks.is_empty() {
            notes.push(format!(
                "{side}: `host-check check {}` fails ({}); figures it could not measure are missing",
                m.file,
                m.measured.failed_checks.join(", ")
            ));
        }
    }
    if items
        .as_ref()
        .is_some_and(|i| i.matched_by == MatchedBy::Index)
    {
        notes.push(
            "functions and data are matched by index (a build has no name section): indices \
             shift when functions are added; build named twins and pass --old-names/--new-names"
                .to_string(),
        );
    }
    let failures = match max_growth {
        Some(limit) => growth_failures(&metrics, items.as_ref(), limit),
        None => Vec::new(),
    };
    Ok(DiffReport {
        schema_version: DIFF_SCHEMA_VERSION,
        old: old.file.to_string(),
        new: new.file.to_string(),
        max_growth_percent: max_growth.map(MaxGrowth::percent),
        metrics,
        items,
        notes,
        verdict: if failures.is_empty() { "pass" } else { "fail" },
        failures,
    })
}

fn items(old: &Side<'_>, new: &Side<'_>) -> Result<Option<Items>, String> {
    let layout = |side: &Side<'_>| -> Result<Option<Layout>, String> {
        let names = Names::for_module(side.wasm, side.twin)
            .map_err(|why| format!("{}: {why}", side.file))?;
        Ok(Layout::of(side.wasm, names.as_ref()).ok())
    };
    let (Some(a), Some(b)) = (layout(old)?, layout(new)?) else {
        return Ok(None);
    };
    let by = attribution::matched_by(&a, &b);
    let cap = |mut v: Vec<ItemChange>| {
        v.truncate(MAX_ITEMS);
        v
    };
    Ok(Some(Items {
        matched_by: by,
        functions: cap(attribution::changes(&a.functions, &b.functions, by)),
        data: cap(attribution::changes(&a.data, &b.data, by)),
    }))
}

/// One failure per gated metric that grew beyond the limit or was no longer measured.
fn growth_failures(
    metrics: &[MetricRow],
    items: Option<&Items>,
    limit: MaxGrowth,
) -> Vec<GrowthFailure> {
    let mut out = Vec::new();
    for m in metrics.iter().filter(|m| m.gated) {
        let detail = match (m.old, m.new) {
            (Some(old), Some(new)) if !limit.allows(old.value(), new.value()) => {
                let percent = m
                    .percent
                    .map_or("from 0".to_string(), |p| format!("{p:+.2}%"));
                let mut detail = format!(
                    "{} grew {percent} ({} -> {} {}), over --max-growth {limit}",
                    m.label,
                    render::figure(old, m.unit),
                    render::figure(new, m.unit),
                    m.unit
                );
                if m.id.starts_with("size") {
                    if let Some(top) = items.map(render::largest_growth) {
                        detail.push_str(&top);
                    }
                }
                detail
            }
            (Some(_), None) if m.id != "size.optimized" => format!(
                "{} was measured in the old build but not in the new one (see its `check`)",
                m.label
            ),
            _ => continue,
        };
        out.push(GrowthFailure { id: m.id, detail });
    }
    out
}
