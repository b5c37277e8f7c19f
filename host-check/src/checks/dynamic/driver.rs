//! The order of the dynamic checks: MIDIMon's `init` and flow first (their failures fail the
//! check), then the template README's request cycle on warm instances (warnings), each phase
//! skipped with a reason when an earlier one makes it impossible.

use super::actions::action_checks;
use super::alloc::alloc_checks;
use super::daemon::{self as daemon_checks, ActionNames};
use super::init::{first_phase, Exports};
use super::malformed::malformed_checks;
use super::note_path::note_path;
use super::session::Session;
use crate::metadata::PluginMeta;
use crate::module::ModuleInfo;
use crate::report::{Finding, Report};
use crate::runner::{Grants, Plugin};
use crate::settings::Settings;

/// Where the dynamic checks take action names from besides the metadata.
#[derive(Debug, Clone, Copy, Default)]
pub struct ActionSources<'a> {
    /// `--action NAME`, repeated: the plugin must run each of them.
    pub named: &'a [String],
    /// The mappings of a MIDIMon config (`--config`); those naming this plugin give names.
    pub config: Option<&'a [crate::checks::config::PluginMapping]>,
}

impl ActionSources<'_> {
    /// The names to run: the metadata's, then `--action`, then the config's, deduplicated.
    fn resolve(&self, meta: &PluginMeta) -> ActionNames {
        let mut names: Vec<String> = Vec::new();
        let config = self
            .config
            .unwrap_or_default()
            .iter()
            .filter(|m| m.plugin == meta.name)
            .map(|m| &m.action);
        for name in meta.actions.iter().chain(self.named).chain(config) {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        ActionNames {
            names,
            required: self.named.to_vec(),
        }
    }
}

/// Ids of the findings that compare a figure with a budget the user set: over the budget is a
/// failure whatever rule set the measurement belongs to.
const BUDGET_CHECKS: [&str; 3] = ["note_path.fuel", "note_path.p99", "postcard.fuel"];

/// Runs every dynamic check and records findings, metadata, note-path figures and output in
/// `report`: first what MIDIMon does (`init` on its own instance, then every action in the
/// daemon's flow), whose failures fail the check; then the template README's request cycle on
/// a warm instance, whose failures are warnings.
pub fn run(
    plugin: &Plugin,
    info: &ModuleInfo,
    budgets: &Settings,
    sources: ActionSources<'_>,
    report: &mut Report,
) {
    let exports = Exports::of(info);
    let meta = first_phase(plugin, info, exports, report);
    let grants = match &meta {
        Some(meta) => Grants::for_plugin(plugin.imports_wasi(), meta.capabilities),
        None => plugin.initial_grants(),
    };
    let names = meta.as_ref().map(|m| sources.resolve(m));
    let note_action = budgets
        .measurement
        .note_action
        .clone()
        .or_else(|| names.as_ref().and_then(|n| n.names.first().cloned()))
        .unwrap_or_else(|| daemon_checks::PLACEHOLDER_ACTION.to_string());

    const DAEMON_IDS: [&str; 3] = ["daemon.actions", "daemon.alloc", "daemon.event"];
    let tripped = match (&names, exports.daemon) {
        (Some(names), true) => {
            daemon_checks::checks(plugin, &grants, names, &note_action, budgets, report)
        }
        (None, _) => {
            let why = "not run: MIDIMon would not load the plugin (init or its metadata failed)";
            skip_all(report, &DAEMON_IDS, why);
            None
        }
        (Some(_), false) => {
            let why = "not run: needs `memory`, `alloc` and `execute` with ABI types";
            skip_all(report, &DAEMON_IDS, why);
            None
        }
    };

    let conformance_start = report.checks.len();
    if exports.alloc {
        let mut session = Session::new(plugin, grants, false, tripped.clone());
        alloc_checks(&mut session, note_action.len(), report);
        session.finish("alloc checks", &mut report.output);
    } else {
        skip_all(
            report,
            &["alloc", "alloc.zero", "alloc.huge"],
            "not run: needs `memory`, `alloc` and `dealloc` with ABI types",
        );
    }
    let readme_ids = ["actions", "malformed", "note_path"];
    match (&meta, exports.requests) {
        (Some(meta), true) => {
            let mut session = Session::new(plugin, grants, true, tripped);
            action_checks(&mut session, meta, report);
            malformed_checks(&mut session, meta, &note_action, report);
            let tripped = session.finish("checks", &mut report.output);
            let mut session = Session::new(plugin, grants, true, tripped);
            note_path(&mut session, meta, &note_action, budgets, exports, report);
            session.finish("note path", &mut report.output);
        }
        (None, _) => skip_all(report, &readme_ids, "not run: init or its metadata failed"),
        (Some(_), false) => skip_all(
            report,
            &readme_ids,
            "not run: needs `memory`, `execute`, `alloc` and `dealloc` with ABI types",
        ),
    }
    for finding in &mut report.checks[conformance_start..] {
        if !BUDGET_CHECKS.contains(&finding.id.as_str()) {
            *finding = std::mem::replace(finding, Finding::skip("", "")).as_conformance();
        }
    }
    report.metadata = meta;
}

/// Reports each of `ids` as skipped for `reason`.
fn skip_all(report: &mut Report, ids: &[&str], reason: &str) {
    for id in ids {
        report.push(Finding::skip(id, reason));
    }
}
