//! `host-check check`: every static and dynamic check of one plugin, in one report.
//!
//! The order is fixed so that reports diff well between runs: module validity, exports, ABI
//! marker, imports, sizes, then the dynamic checks (instantiation, `init`, metadata,
//! capabilities, allocation, actions, malformed requests, note path, postcard) and finally the
//! MIDIMon config. A check that cannot run because an earlier one failed is reported as
//! skipped, so a plugin author sees every independent problem in one run.

use std::time::Instant;

use crate::checks::config;
use crate::checks::size::size_checks;
use crate::checks::{dynamic, exports, imports};
use crate::fmt::{format_duration, group};
use crate::report::{Finding, Report, Unit};
use crate::runner::Plugin;
use crate::settings::Settings;

// What `--config` contributes to a check (the mappings read from a MIDIMon `config.toml`),
// re-exported on purpose: `check` takes them, and a caller without a config passes `None`.
pub use crate::checks::config::{PluginMapping, PluginMappings};

/// The magic number every wasm binary starts with.
const WASM_MAGIC: &[u8] = b"\0asm";

/// Checks one plugin. `file` is only used as the report's label; `actions` are the names given
/// with `--action`; `config` holds the plugin mappings of a MIDIMon config file, when one was
/// given. With [`strict`](crate::settings::Thresholds::strict), every warning is a failure.
pub fn check(
    file: &str,
    wasm: &[u8],
    budgets: &Settings,
    actions: &[String],
    config: Option<&PluginMappings>,
) -> Report {
    let started = Instant::now();
    let mut report = Report {
        file: file.to_string(),
        size: wasm.len() as u64,
        ..Report::default()
    };

    let info = match crate::module::analyze(wasm) {
        Ok(info) => Some(info),
        Err(e) => {
            let detail = if wasm.starts_with(WASM_MAGIC) {
                format!("not a valid WebAssembly module: {e}")
            } else if wasm.is_empty() {
                "the file is empty, not a WebAssembly module".to_string()
            } else if WASM_MAGIC.starts_with(wasm) {
                format!(
                    "truncated: the file ends after {} byte(s), inside the \\0asm magic number",
                    wasm.len()
                )
            } else {
                // The parser's own message dumps both headers as arrays; the first bytes say more.
                let head: Vec<String> = wasm.iter().take(4).map(|b| format!("{b:02x}")).collect();
                format!(
                    "not a WebAssembly module: it starts with {} instead of the \\0asm magic number 00 61 73 6d",
                    head.join(" ")
                )
            };
            report.push(Finding::fail("module.valid", detail));
            None
        }
    };

    let plugin = info.as_ref().and_then(|info| {
        let compile_started = Instant::now();
        match Plugin::load(wasm, budgets.limits) {
            Ok(plugin) => {
                report.push(Finding::pass(
                    "module.valid",
                    format!(
                        "valid; {} functions, {} sections; compiled in {}",
                        group(info.functions.len() as u64),
                        info.sections.len(),
                        format_duration(compile_started.elapsed())
                    ),
                ));
                Some(plugin)
            }
            Err(e) => {
                report.push(Finding::fail("module.valid", e.to_string()));
                None
            }
        }
    });

    if let Some(info) = &info {
        report.abi_marker = info
            .exports
            .iter()
            .any(|e| e.name.starts_with(core_abi::abi::MARKER_PREFIX));
        report.abi_version = if report.abi_marker {
            info.abi_marker()
        } else {
            Some(core_abi::abi::ABI_VERSION)
        };
        // The JSON lists are capped like every list of the report (a module may have 100,000
        // imports); the `imports` finding counts them all.
        report.exports = info
            .exports
            .iter()
            .take(MAX_JSON_ENTRIES)
            .cloned()
            .collect();
        report.imports = info
            .imports
            .iter()
            .take(MAX_JSON_ENTRIES)
            .cloned()
            .collect();
        report.extend(exports::check_exports(info));
        report.push(exports::check_marker(info));
        report.extend(imports::check_imports(info));
    } else {
        for id in ["exports", "abi.marker", "imports"] {
            report.push(Finding::skip(id, "not run: the module is not valid"));
        }
    }

    let (sizes, optimized) = size_checks(wasm, budgets);
    report.extend(sizes);
    report.size_optimized = optimized;

    match (&info, &plugin) {
        (Some(info), Some(plugin)) => {
            let sources = dynamic::ActionSources {
                named: actions,
                config: config.map(|c| &c.mappings[..]),
            };
            dynamic::run(plugin, info, budgets, sources, &mut report);
            if plugin.sandboxes_created() > 0 {
                report.push(disk_finding(plugin, budgets));
            }
        }
        _ => report.push(Finding::skip(
            "instantiate",
            "not run: the module is not valid",
        )),
    }

    if let Some(found) = config {
        let plugin = report
            .metadata
            .as_ref()
            .map(|m| (m.name.as_str(), &m.actions[..]));
        let findings = config::check(found, plugin);
        report.extend(findings);
    }
    if budgets.thresholds.strict {
        report.make_strict();
    }
    report.elapsed = started.elapsed();
    report
}

/// Most exports and imports listed in the JSON report.
pub const MAX_JSON_ENTRIES: usize = 1000;

/// `sandbox.disk`: what the plugin wrote to its sandbox directory, against `--max-disk`.
fn disk_finding(plugin: &Plugin, budgets: &Settings) -> Finding {
    let used = plugin.disk_used();
    match plugin.disk_exceeded() {
        Some(over) => Finding::fail(
            "sandbox.disk",
            format!(
                "the sandbox directory reached {} bytes, over the budget of {} (--max-disk); the plugin was stopped",
                group(over),
                group(budgets.limits.max_disk)
            ),
        ),
        None => Finding::pass(
            "sandbox.disk",
            format!(
                "at most {} bytes used in the sandbox directory (budget {}, --max-disk)",
                group(used),
                group(budgets.limits.max_disk)
            ),
        ),
    }
    .measured(
        plugin.disk_exceeded().unwrap_or(used),
        Some(budgets.limits.max_disk),
        Unit::Bytes,
    )
}
