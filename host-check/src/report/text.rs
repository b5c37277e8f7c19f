//! The report as text for people: a table of findings, the figures, the plugin's output, and
//! one `FAIL <id>: <why>` line per failure at the end, for grep.

use std::fmt::Write as _;

use super::content::Report;
use super::finding::{Finding, Status};
use crate::fmt::{excerpt, format_duration, group, printable};
use crate::runner::ENGINE;
use crate::stats::Latency;

/// How to render the text report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextStyle {
    /// Use ANSI colours.
    pub colour: bool,
    /// Show captured stdout/stderr.
    pub verbose: bool,
}

impl TextStyle {
    /// Colours when stdout is a terminal and `NO_COLOR` is unset (<https://no-color.org>).
    pub fn detect(verbose: bool) -> TextStyle {
        use std::io::IsTerminal;
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        TextStyle {
            colour: std::io::stdout().is_terminal() && !no_colour,
            verbose,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

impl Report {
    /// The human-readable report.
    pub fn render_text(&self, style: TextStyle) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}",
            style.paint("1", &format!("host-check: {}", printable(&self.file)))
        );
        let _ = writeln!(out, "  size     {} bytes", group(self.size));
        let _ = writeln!(out, "  engine   {ENGINE}");
        let abi = match (self.abi_version, self.abi_marker) {
            (Some(v), true) => format!("v{v} (marker export)"),
            (Some(v), false) => format!("v{v} (no marker: v1 assumed)"),
            (None, _) => "unknown".to_string(),
        };
        let _ = writeln!(out, "  abi      {abi}");
        if let Some(meta) = &self.metadata {
            let by = if meta.author.is_empty() {
                String::new()
            } else {
                format!(" by {}", meta.author)
            };
            let _ = writeln!(
                out,
                "  plugin   {} {}{}",
                printable(&meta.name),
                printable(&meta.version),
                printable(&by)
            );
            let _ = writeln!(
                out,
                "  actions  {} ({})",
                meta.actions.len(),
                printable(&meta.action_list())
            );
            let caps = meta.capability_names();
            let caps = if caps.is_empty() {
                "none".to_string()
            } else {
                caps.join(", ")
            };
            let _ = writeln!(out, "  caps     {caps}");
        }
        out.push('\n');

        let width = self
            .checks
            .iter()
            .map(|c| c.id.chars().count())
            .max()
            .unwrap_or(5)
            .clamp(5, 48);
        let _ = writeln!(
            out,
            "{}",
            style.paint("1", &format!("{:width$}  STATUS  DETAIL", "CHECK"))
        );
        for c in &self.checks {
            let _ = writeln!(
                out,
                "{:width$}  {}    {}",
                printable(&c.id),
                style.paint(c.status.colour(), c.status.label()),
                printable(&c.detail)
            );
        }

        if let Some(n) = &self.note_path {
            out.push('\n');
            let stop = if n.stopped_by_time {
                "stopped by --note-time"
            } else {
                "all --note-calls made"
            };
            let _ = writeln!(
                out,
                "{}",
                style.paint(
                    "1",
                    &format!(
                        "note path: \"{}\", {} note-on calls in {} ({stop})",
                        printable(&n.action),
                        group(n.calls),
                        format_duration(n.elapsed)
                    )
                )
            );
            let fuel = if n.fuel_min == n.fuel_max {
                format!("{} per call", group(n.fuel_max))
            } else {
                format!("{} to {} per call", group(n.fuel_min), group(n.fuel_max))
            };
            let _ = writeln!(out, "  fuel               {fuel}");
            let _ = writeln!(out, "  execute latency    {}", latency_text(&n.execute));
            let _ = writeln!(out, "  host cycle         {}", latency_text(&n.cycle));
            let growth = if n.memory_growth == 0 {
                "no growth after the first call".to_string()
            } else {
                format!(
                    "grew by {} bytes after the first call",
                    group(n.memory_growth)
                )
            };
            let _ = writeln!(
                out,
                "  memory high-water  {} bytes ({growth})",
                group(n.memory_high_water)
            );
            if let Some(fuel) = n.postcard_fuel {
                let _ = writeln!(out, "  postcard fuel      {} per call", group(fuel));
            }
        }
        if let Some(d) = &self.daemon_event {
            out.push('\n');
            let _ = writeln!(
                out,
                "{}",
                style.paint(
                    "1",
                    &format!(
                        "daemon flow: \"{}\", {} events, each on a fresh instance",
                        printable(&d.action),
                        group(d.events)
                    )
                )
            );
            let _ = writeln!(
                out,
                "  fuel               {} per event (start {} + alloc {} + execute {})",
                group(d.start_fuel + d.alloc_fuel + d.execute_fuel),
                group(d.start_fuel),
                group(d.alloc_fuel),
                group(d.execute_fuel)
            );
            let _ = writeln!(out, "  event latency      {}", latency_text(&d.event));
            if let Some(n) = &self.note_path {
                let _ = writeln!(out, "  warm host cycle    {}", latency_text(&n.cycle));
            }
        }

        if style.verbose {
            for phase in &self.output {
                out.push('\n');
                let _ = writeln!(
                    out,
                    "{}",
                    style.paint("1", &format!("captured output ({}):", phase.phase))
                );
                for (name, bytes) in [
                    ("stdout", &phase.captured.stdout),
                    ("stderr", &phase.captured.stderr),
                ] {
                    if bytes.is_empty() {
                        continue;
                    }
                    let (text, cut) = excerpt(bytes);
                    let _ = writeln!(out, "  {name}:");
                    for line in text.lines() {
                        let _ = writeln!(out, "    {}", printable(line));
                    }
                    if cut > 0 {
                        let _ = writeln!(out, "    ... ({} more bytes)", group(cut as u64));
                    }
                }
            }
        }

        let problems: Vec<&Finding> = self
            .checks
            .iter()
            .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
            .collect();
        if !problems.is_empty() {
            out.push('\n');
            // Failures first: they are what a CI log reader looks for.
            for c in problems.iter().filter(|c| c.status == Status::Fail) {
                let _ = writeln!(out, "FAIL {}: {}", printable(&c.id), printable(&c.detail));
            }
            for c in problems.iter().filter(|c| c.status == Status::Warn) {
                let _ = writeln!(out, "WARN {}: {}", printable(&c.id), printable(&c.detail));
            }
        }
        out.push('\n');
        let count = |s| self.with_status(s).count();
        let verdict = if self.passed() {
            style.paint(Status::Pass.colour(), "PASS")
        } else {
            style.paint(Status::Fail.colour(), "FAIL")
        };
        let _ = writeln!(
            out,
            "verdict: {verdict} ({}{} failed, {} warnings, {} passed, {} skipped; {})",
            if self.strict { "strict: " } else { "" },
            count(Status::Fail),
            count(Status::Warn),
            count(Status::Pass),
            count(Status::Skip),
            format_duration(self.elapsed)
        );
        out
    }
}

/// `p50 1.2µs  p99 3.4µs  max 20µs`.
fn latency_text(l: &Latency) -> String {
    format!(
        "p50 {}  p99 {}  max {}",
        format_duration(l.p50),
        format_duration(l.p99),
        format_duration(l.max)
    )
}
