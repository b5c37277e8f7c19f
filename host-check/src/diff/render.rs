//! The text of `host-check diff`: the metric table, the items that grew most, the notes and one
//! `FAIL <metric>: <why>` line per `--max-growth` failure (the same shape as `check`'s).

use std::fmt::Write as _;
use std::time::Duration;

use super::model::{DiffReport, Figure, Items};
use crate::attribution::{ItemChange, MatchedBy};
use crate::fmt::format_duration;
use crate::fmt::{group, printable_lines};

/// Changed items of each kind shown in the text (the JSON has more).
pub const SHOWN_ITEMS: usize = 10;

/// Items named in a size failure's line.
const NAMED_IN_FAILURE: usize = 3;

/// A figure in its unit: grouped bytes or fuel, one decimal for a mean, a duration for ns.
pub fn figure(f: Figure, unit: &str) -> String {
    match (f, unit) {
        (Figure::Whole(n), "ns") => format_duration(Duration::from_nanos(n)),
        (Figure::Whole(n), _) => group(n),
        (Figure::Real(x), _) => format!("{x:.1}"),
    }
}

fn delta_text(delta: f64, unit: &str) -> String {
    let sign = if delta < 0.0 { "-" } else { "+" };
    let magnitude = delta.abs();
    let body = match unit {
        "ns" => format_duration(Duration::from_nanos(magnitude as u64)),
        _ if magnitude.fract() != 0.0 => format!("{magnitude:.1}"),
        _ => group(magnitude as u64),
    };
    format!("{sign}{body}")
}

/// `; largest growth: a +1,024, .rodata +900` for a size failure's line (empty when nothing
/// grew).
pub fn largest_growth(items: &Items) -> String {
    let mut grown: Vec<(&str, &ItemChange)> = items
        .functions
        .iter()
        .map(|c| ("function", c))
        .chain(items.data.iter().map(|c| ("data", c)))
        .filter(|(_, c)| c.delta > 0)
        .collect();
    grown.sort_by_key(|g| std::cmp::Reverse(g.1.delta));
    if grown.is_empty() {
        return String::new();
    }
    let named: Vec<String> = grown
        .iter()
        .take(NAMED_IN_FAILURE)
        .map(|(kind, c)| format!("{kind} {} {}", c.item, delta_text(c.delta as f64, "bytes")))
        .collect();
    format!("; largest growth: {}", named.join(", "))
}

/// The whole text report.
pub fn render(report: &DiffReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "host-check diff: {} -> {}", report.old, report.new);
    let _ = writeln!(
        out,
        "\n  {:34}  {:>12}  {:>12}  {:>12}  {:>9}",
        "METRIC", "OLD", "NEW", "DELTA", "%"
    );
    for m in &report.metrics {
        let cell = |f: Option<Figure>| f.map_or("-".to_string(), |f| figure(f, m.unit));
        let delta = m.delta.map_or("-".to_string(), |d| delta_text(d, m.unit));
        let percent = m.percent.map_or("-".to_string(), |p| format!("{p:+.2}%"));
        let _ = writeln!(
            out,
            "  {:34}  {:>12}  {:>12}  {:>12}  {:>9}",
            m.label,
            cell(m.old),
            cell(m.new),
            delta,
            percent
        );
    }
    out.push_str(
        "  (latency rows are wall time on this machine: noisy, informational, never gated)\n",
    );
    if let Some(items) = &report.items {
        let how = match items.matched_by {
            MatchedBy::Name => "by name",
            MatchedBy::Index => "by index: no name section",
        };
        render_items(&mut out, "functions", how, &items.functions);
        render_items(&mut out, "data segments", how, &items.data);
    }
    if !report.notes.is_empty() {
        out.push('\n');
        for note in &report.notes {
            let _ = writeln!(out, "note: {note}");
        }
    }
    out.push('\n');
    for f in &report.failures {
        let _ = writeln!(out, "FAIL {}: {}", f.id, f.detail);
    }
    match report.max_growth_percent {
        None => out.push_str("no --max-growth: growth is reported, not gated\n"),
        Some(_) if report.failures.is_empty() => {
            out.push_str("PASS: no size or fuel metric grew beyond --max-growth\n");
        }
        Some(_) => {}
    }
    // Names come from the modules: no control characters reach the terminal.
    printable_lines(&out)
}

fn render_items(out: &mut String, kind: &str, how: &str, changes: &[ItemChange]) {
    let grown = changes.iter().filter(|c| c.delta > 0).count();
    let shrunk = changes.len() - grown;
    let _ = writeln!(
        out,
        "\n{kind} ({how}): {grown} grew or appeared, {shrunk} shrank or went"
    );
    if changes.is_empty() {
        return;
    }
    let _ = writeln!(out, "  {:>9}  {:>9}  {:>9}  NAME", "DELTA", "OLD", "NEW");
    // The largest growth first, then the largest shrinking (the list is sorted by delta).
    let shown = changes
        .iter()
        .filter(|c| c.delta > 0)
        .take(SHOWN_ITEMS)
        .chain(
            changes
                .iter()
                .rev()
                .filter(|c| c.delta < 0)
                .take(SHOWN_ITEMS / 2),
        );
    for c in shown {
        let _ = writeln!(
            out,
            "  {:>9}  {:>9}  {:>9}  {}",
            delta_text(c.delta as f64, "bytes"),
            group(c.old),
            group(c.new),
            c.item
        );
    }
}
