//! The benchmark as a text table: machine, settings, one column per plugin with its ratio
//! against the reference, then the targets and any problems.

use std::fmt::Write as _;
use std::path::Path;

use super::figures::BenchReport;
use super::figures::PluginBench;
use super::metrics::{format_ratio, METRICS};
use super::options::{EVENT_SHARE, FUEL_CALLS};
use crate::fmt::{format_duration, group, printable};
use crate::runner::ENGINE;

impl BenchReport {
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
}

/// The column heading of a plugin: its file name without `.wasm`.
pub(super) fn column_name(file: &str) -> String {
    let path = Path::new(file);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string());
    printable(&stem).into_owned()
}
