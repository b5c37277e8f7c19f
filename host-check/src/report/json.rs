//! The report as one JSON object (`check --json`; the schema is in `host-check/README.md`).
//!
//! The wire schema is written once, as the `#[derive(Serialize)]` view structs below: they
//! borrow from the [`Report`] and name its fields the way the schema does (`elapsed_ns`, `type`,
//! `execute_p50_ns` ...), so the report types stay free to change shape without changing the
//! JSON. The object goes through [`Value`] (whose map is sorted) so the key order on the wire
//! stays alphabetical, as it always was.

use serde::Serialize;
use serde_json::Value;

use super::content::{DaemonEvent, NotePath, PhaseOutput, Report};
use super::finding::{Finding, Status};
use crate::fmt::{excerpt, nanos};
use crate::metadata::PluginMeta;
use crate::module::{ExportInfo, ImportInfo};
use crate::runner::ENGINE;

/// Version of the `--json` schema.
pub const SCHEMA_VERSION: u32 = 1;

impl Report {
    /// The `--json` report (schema in `host-check/README.md`).
    pub fn to_json(&self) -> Value {
        // Serializing these views cannot fail (every map key is a field name); `Null` would
        // only stand for a bug, never for a panic.
        serde_json::to_value(JsonReport::new(self)).unwrap_or_default()
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: &'static str,
    engine: &'static str,
    file: &'a str,
    size: u64,
    size_optimized: Option<u64>,
    abi_version: Option<u32>,
    verdict: &'static str,
    strict: bool,
    checks: Vec<JsonFinding<'a>>,
    failures: Vec<JsonBrief<'a>>,
    warnings: Vec<JsonBrief<'a>>,
    metadata: Option<JsonMetadata<'a>>,
    note_path: Option<JsonNotePath<'a>>,
    daemon_event: Option<JsonDaemonEvent<'a>>,
    exports: Vec<JsonExport<'a>>,
    imports: Vec<JsonImport<'a>>,
    output: Vec<JsonOutput<'a>>,
    elapsed_ns: u64,
}

impl<'a> JsonReport<'a> {
    fn new(r: &'a Report) -> Self {
        let brief = |c: &'a Finding| JsonBrief {
            id: &c.id,
            detail: &c.detail,
        };
        JsonReport {
            schema_version: SCHEMA_VERSION,
            tool: concat!("host-check ", env!("CARGO_PKG_VERSION")),
            engine: ENGINE,
            file: &r.file,
            size: r.size,
            size_optimized: r.size_optimized,
            abi_version: r.abi_version,
            verdict: if r.passed() { "pass" } else { "fail" },
            strict: r.strict,
            checks: r.checks.iter().map(JsonFinding::new).collect(),
            failures: r.with_status(Status::Fail).map(brief).collect(),
            warnings: r.with_status(Status::Warn).map(brief).collect(),
            metadata: r.metadata.as_ref().map(JsonMetadata::new),
            note_path: r.note_path.as_ref().map(JsonNotePath::new),
            daemon_event: r.daemon_event.as_ref().map(JsonDaemonEvent::new),
            exports: r.exports.iter().map(JsonExport::new).collect(),
            imports: r.imports.iter().map(JsonImport::new).collect(),
            output: r.output.iter().map(JsonOutput::new).collect(),
            elapsed_ns: nanos(r.elapsed),
        }
    }
}

/// One check; `measured`, `limit` and `unit` only for a check that compares a figure.
#[derive(Serialize)]
struct JsonFinding<'a> {
    id: &'a str,
    status: &'static str,
    detail: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    measure: Option<JsonMeasure>,
}

impl<'a> JsonFinding<'a> {
    fn new(c: &'a Finding) -> Self {
        JsonFinding {
            id: &c.id,
            status: c.status.json_name(),
            detail: &c.detail,
            measure: c.measure.map(|m| JsonMeasure {
                measured: m.measured,
                limit: m.limit,
                unit: m.unit.name(),
            }),
        }
    }
}

#[derive(Serialize)]
struct JsonMeasure {
    measured: u64,
    limit: Option<u64>,
    unit: &'static str,
}

/// A failure or warning in the `failures` and `warnings` lists.
#[derive(Serialize)]
struct JsonBrief<'a> {
    id: &'a str,
    detail: &'a str,
}

#[derive(Serialize)]
struct JsonMetadata<'a> {
    name: &'a str,
    version: &'a str,
    description: &'a str,
    author: &'a str,
    license: &'a str,
    #[serde(rename = "type")]
    plugin_type: &'static str,
    actions: &'a [String],
    conformance: &'a [String],
    capabilities: Vec<&'static str>,
}

impl<'a> JsonMetadata<'a> {
    fn new(m: &'a PluginMeta) -> Self {
        JsonMetadata {
            name: &m.name,
            version: &m.version,
            description: &m.description,
            author: &m.author,
            license: &m.license,
            plugin_type: m.plugin_type.name(),
            actions: &m.actions,
            conformance: &m.conformance,
            capabilities: m.capability_names(),
        }
    }
}

#[derive(Serialize)]
struct JsonNotePath<'a> {
    action: &'a str,
    calls: u64,
    stopped_by_time: bool,
    elapsed_ns: u64,
    fuel_min: u64,
    fuel_max: u64,
    execute_p50_ns: u64,
    execute_p99_ns: u64,
    execute_max_ns: u64,
    cycle_p50_ns: u64,
    cycle_p99_ns: u64,
    cycle_max_ns: u64,
    memory_high_water: u64,
    memory_growth: u64,
    postcard_fuel: Option<u64>,
}

impl<'a> JsonNotePath<'a> {
    fn new(n: &'a NotePath) -> Self {
        JsonNotePath {
            action: &n.action,
            calls: n.calls,
            stopped_by_time: n.stopped_by_time,
            elapsed_ns: nanos(n.elapsed),
            fuel_min: n.fuel_min,
            fuel_max: n.fuel_max,
            execute_p50_ns: nanos(n.execute.p50),
            execute_p99_ns: nanos(n.execute.p99),
            execute_max_ns: nanos(n.execute.max),
            cycle_p50_ns: nanos(n.cycle.p50),
            cycle_p99_ns: nanos(n.cycle.p99),
            cycle_max_ns: nanos(n.cycle.max),
            memory_high_water: n.memory_high_water,
            memory_growth: n.memory_growth,
            postcard_fuel: n.postcard_fuel,
        }
    }
}

#[derive(Serialize)]
struct JsonDaemonEvent<'a> {
    action: &'a str,
    events: u64,
    start_fuel: u64,
    alloc_fuel: u64,
    execute_fuel: u64,
    event_p50_ns: u64,
    event_p99_ns: u64,
    event_max_ns: u64,
}

impl<'a> JsonDaemonEvent<'a> {
    fn new(d: &'a DaemonEvent) -> Self {
        JsonDaemonEvent {
            action: &d.action,
            events: d.events,
            start_fuel: d.start_fuel,
            alloc_fuel: d.alloc_fuel,
            execute_fuel: d.execute_fuel,
            event_p50_ns: nanos(d.event.p50),
            event_p99_ns: nanos(d.event.p99),
            event_max_ns: nanos(d.event.max),
        }
    }
}

#[derive(Serialize)]
struct JsonExport<'a> {
    name: &'a str,
    kind: &'static str,
    #[serde(rename = "type")]
    ty: &'a str,
}

impl<'a> JsonExport<'a> {
    fn new(e: &'a ExportInfo) -> Self {
        JsonExport {
            name: &e.name,
            kind: e.kind.name(),
            ty: &e.ty,
        }
    }
}

#[derive(Serialize)]
struct JsonImport<'a> {
    module: &'a str,
    name: &'a str,
    kind: &'static str,
    #[serde(rename = "type")]
    ty: &'a str,
}

impl<'a> JsonImport<'a> {
    fn new(i: &'a ImportInfo) -> Self {
        JsonImport {
            module: &i.module,
            name: &i.name,
            kind: i.kind.name(),
            ty: &i.ty,
        }
    }
}

/// What the plugin wrote in one phase, each stream cut to its excerpt.
#[derive(Serialize)]
struct JsonOutput<'a> {
    phase: &'a str,
    stdout: String,
    stderr: String,
    truncated: bool,
}

impl<'a> JsonOutput<'a> {
    fn new(p: &'a PhaseOutput) -> Self {
        let (stdout, stdout_cut) = excerpt(&p.captured.stdout);
        let (stderr, stderr_cut) = excerpt(&p.captured.stderr);
        JsonOutput {
            phase: &p.phase,
            stdout,
            stderr,
            truncated: stdout_cut > 0 || stderr_cut > 0,
        }
    }
}
