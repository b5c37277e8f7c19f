//! The text of `host-check diff`: the metric table, the items that grew most, the notes and one
//! `FAIL <metric>: <why>` line per `--max-growth` failure (the same shape as `check`'s).

use std::fmt;
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
    // Names come from the modules: no control characters reach the terminal.
    printable_lines(&DiffText(report).to_string())
}

/// The text of a [`DiffReport`] (before control characters are escaped).
struct DiffText<'a>(&'a DiffReport);

impl fmt::Display for DiffText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.0;
        writeln!(f, "host-check diff: {} -> {}", report.old, report.new)?;
        writeln!(
            f,
            "\n  {:34}  {:>12}  {:>12}  {:>12}  {:>9}",
            "METRIC", "OLD", "NEW", "DELTA", "%"
        )?;
        for m in &report.metrics {
            let cell = |f: Option<Figure>| f.map_or("-".to_string(), |f| figure(f, m.unit));
            let delta = m.delta.map_or("-".to_string(), |d| delta_text(d, m.unit));
            let percent = m.percent.map_or("-".to_string(), |p| format!("{p:+.2}%"));
            writeln!(
                f,
                "  {:34}  {:>12}  {:>12}  {:>12}  {:>9}",
                m.label,
                cell(m.old),
                cell(m.new),
                delta,
                percent
            )?;
        }
        writeln!(
            f,
            "  (latency rows are wall time on this machine: noisy, informational, never gated)"
        )?;
        if let Some(items) = &report.items {
            let how = match items.matched_by {
                MatchedBy::Name => "by name",
                MatchedBy::Index => "by index: no name section",
            };
            render_items(f, "functions", how, &items.functions)?;
            render_items(f, "data segments", how, &items.data)?;
        }
        if !report.notes.is_empty() {
            writeln!(f)?;
            for note in &report.notes {
                writeln!(f, "note: {note}")?;
            }
        }
        writeln!(f)?;
        for failure in &report.failures {
            writeln!(f, "FAIL {}: {}", failure.id, failure.detail)?;
        }
        match report.max_growth_percent {
            None => writeln!(f, "no --max-growth: growth is reported, not gated"),
            Some(_) if report.failures.is_empty() => {
                writeln!(f, "PASS: no size or fuel metric grew beyond --max-growth")
            }
            Some(_) => Ok(()),
        }
    }
}

fn render_items(
    f: &mut fmt::Formatter<'_>,
    kind: &str,
    how: &str,
    changes: &[ItemChange],
) -> fmt::Result {
    let grown = changes.iter().filter(|c| c.delta > 0).count();
    let shrunk = changes.len() - grown;
    writeln!(
        f,
        "\n{kind} ({how}): {grown} grew or appeared, {shrunk} shrank or went"
    )?;
    if changes.is_empty() {
        return Ok(());
    }
    writeln!(f, "  {:>9}  {:>9}  {:>9}  NAME", "DELTA", "OLD", "NEW")?;
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
        writeln!(
            f,
            "  {:>9}  {:>9}  {:>9}  {}",
            delta_text(c.delta as f64, "bytes"),
            group(c.old),
            group(c.new),
            c.item
        )?;
    }
    Ok(())
}
