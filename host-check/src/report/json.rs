//! The report as one JSON object (`check --json`; the schema is in `host-check/README.md`).

use serde_json::{json, Value};

use super::content::Report;
use super::finding::{Finding, Status};
use crate::fmt::{excerpt, nanos};
use crate::runner::ENGINE;

/// Version of the `--json` schema.
pub const SCHEMA_VERSION: u32 = 1;

impl Report {
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
