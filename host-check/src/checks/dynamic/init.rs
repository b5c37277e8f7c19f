//! The first phase, as MIDIMon's `init` runs it: instantiate with the initial grants and one
//! fuel budget, call `init`, read the metadata, then check the capabilities it declares
//! against the imports. Each step is its own finding.

use core_abi::abi;

use crate::daemon_flow;
use crate::fmt::{format_duration, group};
use crate::metadata::PluginMeta;
use crate::module::ModuleInfo;
use crate::report::{Finding, PhaseOutput, Report, README_RULE};
use crate::runner::{CallError, FuelMode, Plugin};

/// Which ABI exports the static checks accepted.
#[derive(Debug, Clone, Copy)]
pub(super) struct Exports {
    pub(super) init: bool,
    /// `alloc` and `execute`: what MIDIMon calls for an event.
    pub(super) daemon: bool,
    /// `alloc` and `dealloc`.
    pub(super) alloc: bool,
    /// `alloc`, `execute` and `dealloc`: the README's request cycle.
    pub(super) requests: bool,
    pub(super) postcard: bool,
}

impl Exports {
    pub(super) fn of(info: &ModuleInfo) -> Exports {
        let ok = |name| abi::export_spec(name).is_some_and(|spec| info.abi_export_ok(spec));
        let memory = info.memory_export_ok();
        let alloc = memory && ok(abi::EXPORT_ALLOC);
        Exports {
            init: memory && ok(abi::EXPORT_INIT),
            daemon: alloc && ok(abi::EXPORT_EXECUTE),
            alloc: alloc && ok(abi::EXPORT_DEALLOC),
            requests: alloc && ok(abi::EXPORT_EXECUTE) && ok(abi::EXPORT_DEALLOC),
            postcard: alloc && ok(abi::EXPORT_EXECUTE_POSTCARD) && ok(abi::EXPORT_DEALLOC),
        }
    }
}

/// Instantiates with the initial grants and one fuel budget, as MIDIMon's `init` does, calls
/// `init` and reads the metadata.
pub(super) fn first_phase(
    plugin: &Plugin,
    info: &ModuleInfo,
    exports: Exports,
    report: &mut Report,
) -> Option<PluginMeta> {
    let skip_rest = |report: &mut Report, reason: &str| {
        for id in [
            "init",
            "init.pointer",
            "init.metadata",
            "init.metadata.readme",
            "imports.capabilities",
        ] {
            if !report.checks.iter().any(|c| c.id == id) {
                report.push(Finding::skip(id, reason));
            }
        }
    };
    let mut instance =
        match plugin.instantiate_with(&plugin.initial_grants(), FuelMode::PerInstance) {
            Ok(instance) => instance,
            Err(e) => {
                report.push(Finding::fail("instantiate", e.to_string()));
                skip_rest(report, "not run: instantiation failed");
                return None;
            }
        };
    let stats = instance.instantiation_stats();
    let start = if info.has_start {
        format!(
            "start function used {} fuel ({} as MIDIMon's wasmtime 26 counts it) in {}",
            group(stats.fuel),
            group(daemon_flow::midimon_start_fuel(stats.fuel)),
            format_duration(stats.elapsed)
        )
    } else {
        "no start function".to_string()
    };
    let wasi = if plugin.imports_wasi() {
        "WASI linked"
    } else {
        "no WASI"
    };
    report.push(Finding::pass(
        "instantiate",
        format!(
            "{start}; {wasi}; memory {} bytes",
            group(instance.memory_size())
        ),
    ));

    if !exports.init {
        skip_rest(report, "not run: needs `memory` and `init` with ABI types");
        return None;
    }
    let result = instance.init();
    let captured = instance.captured_output();
    if !captured.is_empty() {
        report.output.push(PhaseOutput {
            phase: "init".to_string(),
            captured,
        });
    }
    let init = match result {
        Ok(init) => init,
        Err(e @ (CallError::OutOfBounds { .. } | CallError::MetadataTooLarge { .. })) => {
            report.push(Finding::pass("init", "returned"));
            report.push(Finding::fail("init.pointer", e.to_string()));
            skip_rest(report, "not run: init returned a bad pointer");
            return None;
        }
        Err(e) => {
            report.push(Finding::fail("init", e.to_string()));
            skip_rest(report, "not run: init failed");
            return None;
        }
    };
    report.push(Finding::pass(
        "init",
        format!(
            "returned after {} fuel in {}",
            group(init.stats.fuel),
            format_duration(init.stats.elapsed)
        ),
    ));
    report.push(Finding::pass(
        "init.pointer",
        format!(
            "{} bytes at {:#x}, inside memory",
            group(init.metadata.len() as u64),
            init.ptr
        ),
    ));
    let meta = match PluginMeta::parse(&init.metadata) {
        Ok(meta) => meta,
        Err(e) => {
            report.push(Finding::fail("init.metadata", e.to_string()));
            skip_rest(report, "not run: the metadata is invalid");
            return None;
        }
    };
    let caps = meta.capability_names();
    report.push(Finding::pass(
        "init.metadata",
        format!(
            "MIDIMon loads it: \"{}\" {}, {} plugin, license {}, capabilities: {}",
            meta.name,
            meta.version,
            meta.plugin_type.name(),
            meta.license,
            if caps.is_empty() {
                "none".to_string()
            } else {
                caps.join(", ")
            }
        ),
    ));
    report.push(if meta.conformance.is_empty() {
        Finding::pass(
            "init.metadata.readme",
            format!(
                "follows the template README: {} action(s) as strings, semver version",
                meta.actions.len()
            ),
        )
    } else {
        Finding::warn(
            "init.metadata.readme",
            format!("{README_RULE}{}", meta.conformance.join("; ")),
        )
    });
    report.extend(crate::checks::imports::check_capabilities(
        info,
        meta.capabilities,
    ));
    Some(meta)
}
