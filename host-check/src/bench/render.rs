//! The benchmark as a text table: machine, settings, one column per plugin with its ratio
//! against the reference, then the targets and any problems.

use std::fmt;
use std::path::Path;

use super::figures::BenchReport;
use super::figures::PluginBench;
use super::metrics::{format_ratio, METRICS};
use super::options::{EVENT_SHARE, FUEL_CALLS};
use crate::fmt::{format_duration, group, paint, printable, Painted};
use crate::runner::ENGINE;

impl BenchReport {
    /// The table for people (colours only with `colour`).
    pub fn render_text(&self, colour: bool) -> String {
        self.text(colour).to_string()
    }

    /// The table for people, to print or format (colours only with `colour`).
    pub fn text(&self, colour: bool) -> BenchText<'_> {
        BenchText {
            report: self,
            colour,
        }
    }
}

/// The text table of a [`BenchReport`], as [`fmt::Display`] (from [`BenchReport::text`]).
#[derive(Debug, Clone, Copy)]
pub struct BenchText<'a> {
    report: &'a BenchReport,
    colour: bool,
}

impl fmt::Display for BenchText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.report;
        let Some(reference) = report.reference() else {
            return Ok(());
        };
        let columns: Vec<String> = report
            .plugins
            .iter()
            .map(|p| column_name(&p.file))
            .collect();
        self.header(f, &columns)?;
        self.table(f, reference, &columns)?;
        if report.plugins.len() > 1 {
            self.targets(f, reference)?;
        }
        let failed: Vec<&PluginBench> = report
            .plugins
            .iter()
            .filter(|p| !p.problems.is_empty())
            .collect();
        if !failed.is_empty() {
            writeln!(f)?;
            for p in failed {
                for problem in &p.problems {
                    writeln!(f, "FAIL {}: {}", printable(&p.file), printable(problem))?;
                }
            }
        }
        Ok(())
    }
}

impl BenchText<'_> {
    fn paint<'a, T: fmt::Display>(&self, code: &'a str, text: T) -> Painted<'a, T> {
        paint(self.colour, code, text)
    }

    /// The title, the machine, the settings and the plugins.
    fn header(&self, f: &mut fmt::Formatter<'_>, columns: &[String]) -> fmt::Result {
        let report = self.report;
        writeln!(
            f,
            "{}",
            self.paint(
                "1",
                format_args!(
                    "host-check bench: {} plugin{} side by side on {ENGINE}, action \"{}\"",
                    report.plugins.len(),
                    if report.plugins.len() == 1 { "" } else { "s" },
                    printable(&report.action)
                )
            )
        )?;
        writeln!(f, "machine   {}", report.machine.describe())?;
        writeln!(
            f,
            "latency   {} timed calls per plugin and path, interleaved in rounds of {} (A B C A B C ...)",
            group(report.calls),
            group(report.round_calls)
        )?;
        writeln!(f, "plugins")?;
        let name_width = columns.iter().map(|c| c.chars().count()).max().unwrap_or(0);
        let files: Vec<String> = report
            .plugins
            .iter()
            .map(|p| printable(&p.file).into_owned())
            .collect();
        let file_width = files.iter().map(|f| f.chars().count()).max().unwrap_or(0);
        for (i, ((p, column), file)) in report.plugins.iter().zip(columns).zip(&files).enumerate() {
            writeln!(
                f,
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
            )?;
        }
        writeln!(
            f,
            "\nlower is better everywhere; (N×) = N times smaller/cheaper/faster than the reference\n"
        )
    }

    /// One row per metric, one column per plugin, then what the rows mean.
    fn table(
        &self,
        f: &mut fmt::Formatter<'_>,
        reference: &PluginBench,
        columns: &[String],
    ) -> fmt::Result {
        let report = self.report;
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
            for (i, p) in report.plugins.iter().enumerate() {
                let mut cell = m.text(p);
                if i > 0 {
                    if let Some(r) = m.ratio(p, reference) {
                        let fallback = m.reference_value(reference).is_some_and(|(_, f)| f);
                        fallback_used |= fallback;
                        cell.push_str(&format!(
                            " ({}{})",
                            format_ratio(r),
                            if fallback { "¹" } else { "" }
                        ));
                    }
                }
                row.push(cell);
            }
            rows.push(row);
        }
        let widths: Vec<usize> = (0..=report.plugins.len())
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
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
            let line = line.trim_end();
            if i == 0 {
                writeln!(f, "{}", self.paint("1", line))?;
            } else {
                writeln!(f, "{line}")?;
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "fuel: per call, measured on {FUEL_CALLS} calls per request shape and on every timed call; `min–max` when it varies (ratios use the max)"
        )?;
        writeln!(
            f,
            "slope: least-squares line through the execute fuel at 0, 1, 8 and 64 metadata entries (R² 1 = exactly linear)"
        )?;
        writeln!(
            f,
            "host cycle: alloc + write + execute + dealloc on a warm instance, as the template README's host sends a note; host overhead: cycle - execute, per call"
        )?;
        writeln!(
            f,
            "  (host overhead includes about two of host-check's own clock reads, {} each here)",
            format_duration(report.machine.clock_read)
        )?;
        writeln!(
            f,
            "buffer reused: one alloc per round of {}, then write + execute per call: what the alloc/dealloc crossings cost",
            group(report.round_calls)
        )?;
        writeln!(
            f,
            "compile + instantiate: median of {} interleaved repeats (engine, compilation, linking, instantiation)",
            report.startup_repeats
        )?;
        writeln!(
            f,
            "MIDIMon event: what MIDIMon f4f371c does per event: a fresh instance (start function), alloc, write, execute of its own request, drop; no init, no dealloc; 1 event per {EVENT_SHARE} calls of each round"
        )?;
        writeln!(
            f,
            "MIDIMon never calls execute_postcard: the postcard rows are what a host that does would get"
        )?;
        if fallback_used {
            writeln!(
                f,
                "¹ the reference has no execute_postcard: compared with its JSON execute figure"
            )?;
        }
        for p in &report.plugins {
            if let Err(why) = &p.size_optimized {
                if why != "wasm-opt not found" && why != "not measured" {
                    writeln!(f, "wasm-opt on {}: {}", printable(&p.file), printable(why))?;
                }
            }
        }
        Ok(())
    }

    /// Each plugin's targets, met or not.
    fn targets(&self, f: &mut fmt::Formatter<'_>, reference: &PluginBench) -> fmt::Result {
        writeln!(
            f,
            "\n{}",
            self.paint(
                "1",
                format_args!(
                    "targets (ratio = {} / plugin, measured in this run)",
                    column_name(&reference.file)
                )
            )
        )?;
        let targets = self.report.targets();
        let width = targets
            .iter()
            .map(|t| t.description.chars().count())
            .max()
            .unwrap_or(0);
        let mut current = String::new();
        for t in targets {
            if t.plugin != current {
                writeln!(f, "  {}", column_name(&t.plugin))?;
                current = t.plugin.clone();
            }
            let status = if t.met {
                self.paint("32", "MET    ")
            } else {
                self.paint("1;31", "NOT MET")
            };
            let measured = match (t.measured, t.r2) {
                (Some(r), Some(r2)) => format!("{}, R² {r2:.4}", format_ratio(r)),
                (Some(r), None) => format_ratio(r),
                (None, _) => "n/a".to_string(),
            };
            let note = t.note.map(|n| format!(" ({n})")).unwrap_or_default();
            writeln!(
                f,
                "    {status}  {:width$}  target ≥ {:<5}  measured {measured}{note}",
                t.description,
                format!("{}×", t.threshold),
            )?;
        }
        Ok(())
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
