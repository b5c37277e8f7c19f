//! Findings and the report of `host-check check`, as text or JSON.
//!
//! Every check produces [`Finding`]s with a stable dotted id (`exports.init`, `note_path.fuel`
//! ...), a [`Status`] and a detail sentence. The [`Report`] gathers them with the module's
//! facts and the note-path figures, and renders either a table for people (colours only on a
//! terminal) ending with one `FAIL <id>: <why>` line per failure, which is what CI logs show,
//! or one JSON object for tools. The JSON schema is documented in `host-check/README.md`;
//! [`SCHEMA_VERSION`] changes when a field changes meaning or disappears.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{json, Value};

use crate::fmt::{excerpt, format_duration, group, nanos, printable};
use crate::metadata::PluginMeta;
use crate::module::{ExportInfo, ImportInfo};
use crate::runner::{Captured, ENGINE};
use crate::stats::Latency;

/// Version of the `--json` schema.
pub const SCHEMA_VERSION: u32 = 1;

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The check passed.
    Pass,
    /// The check passed, but something deserves attention; does not fail the verdict.
    Warn,
    /// The check failed; the verdict is "fail" and the exit code 1.
    Fail,
    /// The check did not run (an earlier check failed, or it does not apply).
    Skip,
}

impl Status {
    /// `PASS`, `WARN`, `FAIL` or `SKIP`, as in the text report.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }

    /// `pass`, `warn`, `fail` or `skip`, as in the JSON report.
    pub fn json_name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }

    /// ANSI colour code of the label.
    fn colour(self) -> &'static str {
        match self {
            Status::Pass => "32",
            Status::Warn => "33",
            Status::Fail => "1;31",
            Status::Skip => "2",
        }
    }
}

/// The unit of a [`Measure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Bytes.
    Bytes,
    /// Fuel (wasm instructions).
    Fuel,
    /// Nanoseconds.
    Nanos,
}

impl Unit {
    /// `bytes`, `fuel` or `ns`, as in the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Bytes => "bytes",
            Unit::Fuel => "fuel",
            Unit::Nanos => "ns",
        }
    }
}

/// The figure a check measured and the budget it was held to, for tools (`--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// What was measured.
    pub measured: u64,
    /// The budget; `None` when none was set.
    pub limit: Option<u64>,
    /// Their unit.
    pub unit: Unit,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable dotted check id, e.g. `exports.init`.
    pub id: String,
    /// Outcome.
    pub status: Status,
    /// What was found, in one sentence a plugin author can act on.
    pub detail: String,
    /// The figure behind the verdict, for checks that compare one with a budget.
    pub measure: Option<Measure>,
}

impl Finding {
    /// A finding with this status.
    pub fn new(id: &str, status: Status, detail: impl Into<String>) -> Finding {
        Finding {
            id: id.to_string(),
            status,
            detail: detail.into(),
            measure: None,
        }
    }

    /// A passed check.
    pub fn pass(id: &str, detail: impl Into<String>) -> Finding {
        Finding::new(id, Status::Pass, detail)
    }

    /// A failed check.
    pub fn fail(id: &str, detail: impl Into<String>) -> Finding {
        Finding::new(id, Status::Fail, detail)
    }

    /// A warning.
    pub fn warn(id: &str, detail: impl Into<String>) -> Finding {
        Finding::new(id, Status::Warn, detail)
    }

    /// A check that did not run.
    pub fn skip(id: &str, detail: impl Into<String>) -> Finding {
        Finding::new(id, Status::Skip, detail)
    }

    /// The finding with the figure it measured and the budget it was held to.
    pub fn measured(mut self, measured: u64, limit: Option<u64>, unit: Unit) -> Finding {
        self.measure = Some(Measure {
            measured,
            limit,
            unit,
        });
        self
    }

    /// The finding of a rule only the template README sets (MIDIMon does not enforce it): a
    /// failure becomes a warning, and every warning names the rule's source. `--strict` turns
    /// them back into failures.
    pub fn as_conformance(mut self) -> Finding {
        if matches!(self.status, Status::Fail | Status::Warn) {
            self.status = Status::Warn;
            if !self.detail.starts_with(README_RULE) {
                self.detail.insert_str(0, README_RULE);
            }
        }
        self
    }
}

/// How a warning names a rule of the template README rather than of MIDIMon.
pub const README_RULE: &str = "template README: ";

/// What the note-path measurement found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotePath {
    /// The action measured.
    pub action: String,
    /// Note-on calls made.
    pub calls: u64,
    /// Whether the measurement stopped on the time cap rather than the call count.
    pub stopped_by_time: bool,
    /// Wall time of the whole measurement.
    pub elapsed: Duration,
    /// Least fuel of one `execute`.
    pub fuel_min: u64,
    /// Most fuel of one `execute`.
    pub fuel_max: u64,
    /// Latency of `execute` alone.
    pub execute: Latency,
    /// Latency of the whole host cycle (`alloc`, write, `execute`, `dealloc`).
    pub cycle: Latency,
    /// Largest memory size of the instance, in bytes.
    pub memory_high_water: u64,
    /// Bytes the memory grew by after the first call.
    pub memory_growth: u64,
    /// Fuel of one note-on `execute_postcard`, when exported.
    pub postcard_fuel: Option<u64>,
}

/// The cost of one event the way MIDIMon's daemon runs it: a fresh instance per event
/// (instantiate, `alloc`, write, `execute`, drop), one fuel budget for all of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonEvent {
    /// The action measured.
    pub action: String,
    /// Events measured.
    pub events: u64,
    /// Fuel of the start function (0 without one).
    pub start_fuel: u64,
    /// Fuel of `alloc`.
    pub alloc_fuel: u64,
    /// Fuel of `execute` on the daemon's note-on request.
    pub execute_fuel: u64,
    /// Latency of a whole event, instantiation and drop included.
    pub event: Latency,
}

/// Output a plugin wrote during one phase of the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseOutput {
    /// The phase: `init`, `checks`, `note path` ...
    pub phase: String,
    /// What it wrote.
    pub captured: Captured,
}

/// Everything `host-check check` found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The plugin file as given.
    pub file: String,
    /// Module size in bytes.
    pub size: u64,
    /// The ABI version: the marker's, or 1 when there is none; `None` when unknown.
    pub abi_version: Option<u32>,
    /// Whether the module exports a marker.
    pub abi_marker: bool,
    /// Every finding, in check order.
    pub checks: Vec<Finding>,
    /// The metadata `init` returned, when valid.
    pub metadata: Option<PluginMeta>,
    /// The note-path figures (warm instance), when measured.
    pub note_path: Option<NotePath>,
    /// The per-event figures in the daemon's flow, when measured.
    pub daemon_event: Option<DaemonEvent>,
    /// Whether warnings were turned into failures (`--strict`).
    pub strict: bool,
    /// Size after `wasm-opt -Oz`, when measured (only with a `max_size_optimized` budget).
    pub size_optimized: Option<u64>,
    /// The module's exports.
    pub exports: Vec<ExportInfo>,
    /// The module's imports.
    pub imports: Vec<ImportInfo>,
    /// Captured stdout/stderr by phase (phases without output are left out).
    pub output: Vec<PhaseOutput>,
    /// Wall time of the whole check.
    pub elapsed: Duration,
}

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
    /// Adds findings.
    pub fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        self.checks.extend(findings);
    }

    /// Adds one finding.
    pub fn push(&mut self, finding: Finding) {
        self.checks.push(finding);
    }

    /// `--strict`: every warning becomes a failure, its detail marked so.
    pub fn make_strict(&mut self) {
        self.strict = true;
        for c in &mut self.checks {
            if c.status == Status::Warn {
                c.status = Status::Fail;
                c.detail.insert_str(0, "(--strict) ");
            }
        }
    }

    /// Whether no check failed.
    pub fn passed(&self) -> bool {
        !self.checks.iter().any(|c| c.status == Status::Fail)
    }

    /// The findings with a given status.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &Finding> {
        self.checks.iter().filter(move |c| c.status == status)
    }

    /// The process exit code: 0 when every check passed (warnings allowed), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.passed() {
            0
        } else {
            1
        }
    }

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

    /// The `--json` report (schema in `host-check/README.md`).
    pub fn to_json(&self) -> Value {
        let finding = |c: &Finding| {
            let mut f = json!({ "id": c.id, "status": c.status.json_name(), "detail": c.detail });
            if let (Some(m), Some(object)) = (c.measure, f.as_object_mut()) {
                object.insert("measured".to_string(), m.measured.into());
                object.insert("limit".to_string(), m.limit.into());
                object.insert("unit".to_string(), m.unit.name().into());
            }
            f
        };
        let brief = |c: &Finding| json!({ "id": c.id, "detail": c.detail });
        let metadata = self.metadata.as_ref().map(|m| {
            json!({
                "name": m.name,
                "version": m.version,
                "description": m.description,
                "author": m.author,
                "license": m.license,
                "type": m.plugin_type.name(),
                "actions": m.actions,
                "conformance": m.conformance,
                "capabilities": m.capability_names(),
            })
        });
        let note_path = self.note_path.as_ref().map(|n| {
            json!({
                "action": n.action,
                "calls": n.calls,
                "stopped_by_time": n.stopped_by_time,
                "elapsed_ns": nanos(n.elapsed),
                "fuel_min": n.fuel_min,
                "fuel_max": n.fuel_max,
                "execute_p50_ns": nanos(n.execute.p50),
                "execute_p99_ns": nanos(n.execute.p99),
                "execute_max_ns": nanos(n.execute.max),
                "cycle_p50_ns": nanos(n.cycle.p50),
                "cycle_p99_ns": nanos(n.cycle.p99),
                "cycle_max_ns": nanos(n.cycle.max),
                "memory_high_water": n.memory_high_water,
                "memory_growth": n.memory_growth,
                "postcard_fuel": n.postcard_fuel,
            })
        });
        let daemon_event = self.daemon_event.as_ref().map(|d| {
            json!({
                "action": d.action,
                "events": d.events,
                "start_fuel": d.start_fuel,
                "alloc_fuel": d.alloc_fuel,
                "execute_fuel": d.execute_fuel,
                "event_p50_ns": nanos(d.event.p50),
                "event_p99_ns": nanos(d.event.p99),
                "event_max_ns": nanos(d.event.max),
            })
        });
        let exports: Vec<Value> = self
            .exports
            .iter()
            .map(|e| json!({ "name": e.name, "kind": e.kind.name(), "type": e.ty }))
            .collect();
        let imports: Vec<Value> = self
            .imports
            .iter()
            .map(|i| {
                json!({ "module": i.module, "name": i.name, "kind": i.kind.name(), "type": i.ty })
            })
            .collect();
        let output: Vec<Value> = self
            .output
            .iter()
            .map(|p| {
                let (stdout, stdout_cut) = excerpt(&p.captured.stdout);
                let (stderr, stderr_cut) = excerpt(&p.captured.stderr);
                json!({
                    "phase": p.phase,
                    "stdout": stdout,
                    "stderr": stderr,
                    "truncated": stdout_cut > 0 || stderr_cut > 0,
                })
            })
            .collect();
        json!({
            "schema_version": SCHEMA_VERSION,
            "tool": concat!("host-check ", env!("CARGO_PKG_VERSION")),
            "engine": ENGINE,
            "file": self.file,
            "size": self.size,
            "size_optimized": self.size_optimized,
            "abi_version": self.abi_version,
            "verdict": if self.passed() { "pass" } else { "fail" },
            "strict": self.strict,
            "checks": self.checks.iter().map(finding).collect::<Vec<_>>(),
            "failures": self.with_status(Status::Fail).map(brief).collect::<Vec<_>>(),
            "warnings": self.with_status(Status::Warn).map(brief).collect::<Vec<_>>(),
            "metadata": metadata,
            "note_path": note_path,
            "daemon_event": daemon_event,
            "exports": exports,
            "imports": imports,
            "output": output,
            "elapsed_ns": nanos(self.elapsed),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            file: "p.wasm".into(),
            size: 1234,
            abi_version: Some(1),
            checks: vec![
                Finding::pass("module.valid", "ok"),
                Finding::warn("malformed.empty", "returned 0"),
                Finding::fail("exports.init", "`init` is not exported"),
            ],
            ..Report::default()
        }
    }

    #[test]
    fn text_ends_with_failure_lines() {
        let r = report();
        assert_eq!(r.exit_code(), 1);
        let text = r.render_text(TextStyle::default());
        assert!(!text.contains('\x1b'));
        assert!(
            text.contains("\nFAIL exports.init: `init` is not exported\n"),
            "{text}"
        );
        assert!(text.contains("\nWARN malformed.empty: returned 0\n"));
        assert!(text.contains("verdict: FAIL (1 failed, 1 warnings, 1 passed, 0 skipped"));
        let coloured = r.render_text(TextStyle {
            colour: true,
            verbose: false,
        });
        assert!(coloured.contains("\x1b[32mPASS\x1b[0m"));
        // The failure lines stay plain so that grep works on coloured logs too.
        assert!(coloured.contains("\nFAIL exports.init: "));
    }

    #[test]
    fn json_has_the_schema_fields() {
        let v = report().to_json();
        for key in [
            "schema_version",
            "file",
            "verdict",
            "checks",
            "failures",
            "warnings",
            "metadata",
            "note_path",
            "exports",
            "imports",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["verdict"], "fail");
        assert_eq!(v["failures"][0]["id"], "exports.init");
        assert_eq!(v["checks"][1]["status"], "warn");
    }

    #[test]
    fn plugin_names_cannot_rewrite_the_terminal() {
        let r = Report {
            checks: vec![Finding::fail("actions.\x1b[2J.note_on", "x")],
            ..Report::default()
        };
        assert!(!r.render_text(TextStyle::default()).contains('\x1b'));
    }
}
