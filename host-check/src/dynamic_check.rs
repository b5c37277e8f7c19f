//! Dynamic checks: running the plugin, under the budgets, first the way MIDIMon does, then the
//! way the template README's host does.
//!
//! Static checks say a module has the right shape; only running it shows that `init` returns
//! metadata MIDIMon accepts, that the actions answer MIDIMon's own requests (in its flow, see
//! [`daemon_flow`]), and, as the README asks, that every declared action answers note and CC
//! events, that the plugin survives what a buggy or hostile host could send, and how much fuel
//! and time the timing-critical note path costs. Failures of the README-flow checks are
//! warnings ([`Finding::as_conformance`]), except budgets the user set. Everything here goes
//! through the shared [`runner`](crate::runner), so each call is budgeted and each failure
//! classified.
//!
//! The first instance gets WASI only if the module imports it, and no sandbox directory,
//! because the capabilities are not known before `init` returns the metadata; it has one fuel
//! budget for its start function and `init`, as MIDIMon's. Later instances get the grants the
//! metadata declares. README-flow instances call `init` first, as that host does; an instance
//! that traps is discarded and a fresh one is made for the next check. The note path runs on an
//! instance of its own, so that its memory figures are not inflated by the 1 MiB malformed
//! request.

use std::time::{Duration, Instant};

use core_abi::abi;
use core_abi::error::ErrorCode;

use crate::budget::Budgets;
use crate::daemon_flow::{self, ActionNames};
use crate::fmt::{format_duration, group, nanos};
use crate::metadata::PluginMeta;
use crate::module::ModuleInfo;
use crate::report::{Finding, NotePath, PhaseOutput, Report, Unit, README_RULE};
use crate::requests::{
    describe_code, escaped_action_literal, json_string, postcard_note_on, request_json,
    request_with, Event,
};
use crate::runner::{
    CallError, Captured, Entry, FuelMode, Grants, Plugin, PluginInstance, RequestError,
    RequestOutcome, Stage,
};
use crate::stats;

/// The name used for the "undeclared action" request (suffixed if a plugin declares it).
pub const UNDECLARED_ACTION: &str = "host_check_undeclared_action";

/// A guest allocation far beyond any memory budget: `alloc` must refuse it without trapping.
pub const HUGE_ALLOC: u32 = 0x7fff_ffff;

/// Depth of the nested-array bomb in the `malformed.deep_nesting` request.
pub const DEEP_NESTING: usize = 100_000;

/// Size of the metadata value of the `malformed.large_body` request.
pub const LARGE_BODY: usize = 1024 * 1024;

/// Bytes of stdout and of stderr kept per phase (the report shows the first 64 KiB).
const KEEP_OUTPUT: usize = 1024 * 1024;

/// Note-on calls of the `execute_postcard` measurement (fuel is deterministic; a few suffice).
const POSTCARD_CALLS: u32 = 10;

/// What a malformed request must get back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// An error code; 0 is a warning.
    Error,
    /// Anything, as long as the call returns.
    Anything,
}

/// The malformed-request sample: `(case, body, expectation)`.
fn malformed_cases(action: &str) -> Vec<(&'static str, Vec<u8>, Expect)> {
    let a = json_string(action);
    let note_on = Event::NoteOn.fields();
    let canonical = request_json(action, Event::NoteOn);
    let half = canonical.len() / 2;
    let mut invalid_utf8 = request_with(&a, note_on, r#"{"key":"value"}"#, "");
    if let Some(pos) = invalid_utf8.windows(5).position(|w| w == b"value") {
        invalid_utf8.splice(pos..pos + 5, [0xff, 0xfe, b'v']);
    }
    let nesting = format!(
        r#","extra":{}{}"#,
        "[".repeat(DEEP_NESTING),
        "]".repeat(DEEP_NESTING)
    );
    let large = format!(r#"{{"key":"{}"}}"#, "x".repeat(LARGE_BODY));
    vec![
        ("empty", Vec::new(), Expect::Error),
        ("unterminated", b"{".to_vec(), Expect::Error),
        ("truncated", canonical[..half].to_vec(), Expect::Error),
        ("invalid_utf8", invalid_utf8, Expect::Error),
        (
            "wrong_type",
            request_with(
                &a,
                r#""velocity":100,"note":"60","cc":null,"value":null"#,
                r#"{"key":"value"}"#,
                "",
            ),
            Expect::Error,
        ),
        (
            "out_of_range",
            request_with(
                &a,
                r#""velocity":100,"note":128,"cc":null,"value":null"#,
                r#"{"key":"value"}"#,
                "",
            ),
            Expect::Error,
        ),
        (
            "metadata_type",
            request_with(&a, note_on, r#"{"key":1}"#, ""),
            Expect::Error,
        ),
        (
            "trailing_comma",
            request_with(&a, note_on, r#"{"key":"value"},"#, ""),
            Expect::Error,
        ),
        (
            "deep_nesting",
            request_with(&a, note_on, r#"{"key":"value"}"#, &nesting),
            Expect::Error,
        ),
        (
            "large_body",
            request_with(&a, note_on, &large, ""),
            Expect::Anything,
        ),
    ]
}

/// Why a checked call produced no outcome.
#[derive(Debug)]
enum Failure {
    /// Not attempted: an earlier call exhausted a budget (the reason says which).
    Skipped(String),
    /// No instance could be made, or the call failed; with the typed error when there is one.
    Failed(Option<RequestError>, String),
}

impl Failure {
    /// The finding for check `id`.
    fn finding(self, id: &str) -> Finding {
        match self {
            Failure::Skipped(why) => Finding::skip(id, why),
            Failure::Failed(_, why) => Finding::fail(id, why),
        }
    }
}

/// A call that exhausted a budget after at least this long trips the session (see
/// [`Session`]); a quick out-of-fuel under a small `--max-fuel` does not.
const TRIP_AFTER: Duration = Duration::from_millis(50);

/// Whether a failed call means "calling this plugin again costs too much": it timed out, spent
/// the check's time or disk budget, or it ran out of fuel (or trapped after a denied growth)
/// after [`TRIP_AFTER`] or more. Repeating
/// such calls would only multiply the time a check takes, so later calls are skipped.
fn trips(error: &CallError, elapsed: Duration) -> bool {
    match error {
        CallError::TimedOut { .. }
        | CallError::CheckTimeSpent { .. }
        | CallError::DiskLimit { .. } => true,
        CallError::OutOfFuel { .. } | CallError::MemoryLimit { trapped: true, .. } => {
            elapsed >= TRIP_AFTER
        }
        _ => false,
    }
}

/// Instances of one phase: re-created after a trap, with their output collected. After the
/// first call that exhausts a budget slowly (see [`trips`]), or an instance that cannot be
/// made, the session stops calling the plugin: every later check is skipped and names the
/// check that failed, so that a plugin stuck in a loop costs one timeout, not one per check.
struct Session<'a> {
    plugin: &'a Plugin,
    grants: Grants,
    /// Whether a fresh instance calls `init` first, as the README's host flow does.
    call_init: bool,
    instance: Option<PluginInstance>,
    captured: Captured,
    capture_full: bool,
    tripped: Option<String>,
}

impl<'a> Session<'a> {
    fn new(plugin: &'a Plugin, grants: Grants, call_init: bool, tripped: Option<String>) -> Self {
        Session {
            plugin,
            grants,
            call_init,
            instance: None,
            captured: Captured::default(),
            capture_full: false,
            tripped,
        }
    }

    /// The current instance, or a fresh one (with `init` called) if there is none or the last
    /// one trapped; `id` is the check that needs it.
    fn get(&mut self, id: &str) -> Result<&mut PluginInstance, Failure> {
        if let Some(first) = &self.tripped {
            return Err(Failure::Skipped(format!(
                "not run: {first} already exhausted a budget, so more calls would only add time"
            )));
        }
        if self
            .instance
            .as_ref()
            .is_some_and(PluginInstance::is_discarded)
        {
            self.retire();
        }
        if self.instance.is_none() {
            let mut fresh = match self.plugin.instantiate(&self.grants) {
                Ok(fresh) => fresh,
                Err(e) => {
                    self.tripped = Some(id.to_string());
                    return Err(Failure::Failed(
                        None,
                        format!("a fresh instance could not be created: {e}"),
                    ));
                }
            };
            if self.call_init {
                if let Err(e) = fresh.init() {
                    self.collect(&fresh);
                    self.tripped = Some(id.to_string());
                    return Err(Failure::Failed(
                        None,
                        format!("init failed on a fresh instance: {e}"),
                    ));
                }
            }
            self.instance = Some(fresh);
        }
        self.instance
            .as_mut()
            .ok_or_else(|| Failure::Failed(None, "no instance".to_string()))
    }

    /// Records the error of a call made for check `id`, which ran for `elapsed`.
    fn record(&mut self, id: &str, error: &CallError, elapsed: Duration) {
        if trips(error, elapsed) && self.tripped.is_none() {
            self.tripped = Some(id.to_string());
        }
    }

    /// Runs `call` on an instance for check `id`, recording budget exhaustion. The closure's
    /// error names the step that failed (`"alloc"`, `"dealloc"` ...).
    fn call<T>(
        &mut self,
        id: &str,
        call: impl FnOnce(&mut PluginInstance) -> Result<T, (&'static str, CallError)>,
    ) -> Result<T, Failure> {
        let instance = self.get(id)?;
        let started = Instant::now();
        let result = call(instance);
        if let Err((_, e)) = &result {
            self.record(id, e, started.elapsed());
        }
        result.map_err(|(step, e)| Failure::Failed(None, format!("{step}: {e}")))
    }

    /// One full request cycle (JSON or postcard) for check `id`.
    fn request(&mut self, id: &str, entry: Entry, body: &[u8]) -> Result<RequestOutcome, Failure> {
        let full_before = self.capture_full;
        let instance = self.get(id)?;
        let started = Instant::now();
        let result = instance.request_to(entry, body);
        match result {
            Ok(outcome) => Ok(outcome),
            Err(e) => {
                // Only looked at on failure: reading the pipes copies them.
                let full = full_before || instance.capture_full();
                self.record(id, &e.error, started.elapsed());
                let mut text = e.to_string();
                if full {
                    text.push_str(" (its stdout/stderr had filled host-check's capture buffer)");
                }
                Err(Failure::Failed(Some(e), text))
            }
        }
    }

    /// Keeps the output of an instance that is going away (up to [`KEEP_OUTPUT`] per stream:
    /// a plugin that fills its capture on every instance must not fill host memory).
    fn collect(&mut self, instance: &PluginInstance) {
        let out = instance.captured_output();
        for (kept, new) in [
            (&mut self.captured.stdout, &out.stdout),
            (&mut self.captured.stderr, &out.stderr),
        ] {
            let room = KEEP_OUTPUT.saturating_sub(kept.len());
            kept.extend_from_slice(&new[..new.len().min(room)]);
        }
        self.capture_full |= instance.capture_full();
    }

    /// Drops the current instance, keeping its output.
    fn retire(&mut self) {
        if let Some(instance) = self.instance.take() {
            self.collect(&instance);
        }
    }

    /// Ends the session: its output goes to `output` under `phase`; returns the tripped check.
    fn finish(mut self, phase: &str, output: &mut Vec<PhaseOutput>) -> Option<String> {
        self.retire();
        if !self.captured.is_empty() {
            output.push(PhaseOutput {
                phase: phase.to_string(),
                captured: self.captured,
            });
        }
        self.tripped
    }
}

/// Which ABI exports the static checks accepted.
#[derive(Debug, Clone, Copy)]
struct Exports {
    init: bool,
    /// `alloc` and `execute`: what MIDIMon calls for an event.
    daemon: bool,
    /// `alloc` and `dealloc`.
    alloc: bool,
    /// `alloc`, `execute` and `dealloc`: the README's request cycle.
    requests: bool,
    postcard: bool,
}

impl Exports {
    fn of(info: &ModuleInfo) -> Exports {
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

/// Where the dynamic checks take action names from besides the metadata.
#[derive(Debug, Clone, Copy, Default)]
pub struct ActionSources<'a> {
    /// `--action NAME`, repeated: the plugin must run each of them.
    pub named: &'a [String],
    /// The mappings of a MIDIMon config (`--config`); those naming this plugin give names.
    pub config: Option<&'a [crate::config::PluginMapping]>,
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
    budgets: &Budgets,
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
        .note_action
        .clone()
        .or_else(|| names.as_ref().and_then(|n| n.names.first().cloned()))
        .unwrap_or_else(|| daemon_flow::PLACEHOLDER_ACTION.to_string());

    const DAEMON_IDS: [&str; 3] = ["daemon.actions", "daemon.alloc", "daemon.event"];
    let tripped = match (&names, exports.daemon) {
        (Some(names), true) => {
            daemon_flow::checks(plugin, &grants, names, &note_action, budgets, report)
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

/// Instantiates with the initial grants and one fuel budget, as MIDIMon's `init` does, calls
/// `init` and reads the metadata.
fn first_phase(
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
    report.extend(crate::static_check::check_capabilities(
        info,
        meta.capabilities,
    ));
    Some(meta)
}

/// `alloc`, `alloc.zero`, `alloc.huge`.
fn alloc_checks(session: &mut Session<'_>, action_len: usize, report: &mut Report) {
    // The size of a typical request, so that this is the allocation MIDIMon really makes.
    let len = u32::try_from(request_json("", Event::NoteOn).len() + action_len).unwrap_or(256);
    let normal = session
        .call("alloc", |i| {
            let (ptr, _) = i.alloc(len).map_err(|e| ("alloc", e))?;
            if ptr == 0 {
                return Err(("alloc", CallError::NullPointer { len }));
            }
            let memory_size = i.memory_size();
            if u64::from(ptr) + u64::from(len) > memory_size {
                let e = CallError::OutOfBounds {
                    what: "alloc",
                    ptr,
                    len,
                    memory_size,
                };
                return Err(("alloc", e));
            }
            i.dealloc(ptr, len).map_err(|e| ("dealloc", e))?;
            Ok(ptr)
        })
        .map(|ptr| format!("alloc({len}) returned {ptr:#x}, inside memory; dealloc returned"));
    report.push(match normal {
        Ok(detail) => Finding::pass("alloc", detail),
        Err(failure) => failure.finding("alloc"),
    });

    let zero = session.call("alloc.zero", |i| {
        let (ptr, _) = i.alloc(0).map_err(|e| ("alloc(0)", e))?;
        i.dealloc(ptr, 0).map_err(|e| ("dealloc", e))?;
        Ok(ptr)
    });
    report.push(match zero {
        Ok(ptr) => Finding::pass(
            "alloc.zero",
            format!("alloc(0) returned {ptr:#x}; dealloc returned"),
        ),
        Err(failure) => failure.finding("alloc.zero"),
    });

    let id = "alloc.huge";
    let huge = match session.get(id) {
        Err(failure) => failure.finding(id),
        Ok(instance) => {
            let started = Instant::now();
            let result = instance.alloc(HUGE_ALLOC);
            let memory = instance.memory_size();
            if let Err(e) = &result {
                session.record(id, e, started.elapsed());
            }
            match result {
                Ok((0, _)) => Finding::pass(id, format!("alloc({HUGE_ALLOC}) returned 0")),
                Ok((ptr, _)) if u64::from(ptr) + u64::from(HUGE_ALLOC) > memory => Finding::warn(
                    id,
                    format!(
                        "alloc({HUGE_ALLOC}) returned {ptr:#x}, but memory is only {} bytes: the allocator does not check that the block fits",
                        group(memory)
                    ),
                ),
                Ok((ptr, _)) => Finding::pass(id, format!("alloc({HUGE_ALLOC}) returned {ptr:#x}")),
                Err(CallError::MemoryLimit { trapped: false, .. }) => Finding::pass(
                    id,
                    format!("alloc({HUGE_ALLOC}) was refused: its memory growth was denied"),
                ),
                Err(
                    e @ (CallError::OutOfFuel { .. }
                    | CallError::TimedOut { .. }
                    | CallError::CheckTimeSpent { .. }),
                ) => {
                    Finding::fail(id, format!("alloc({HUGE_ALLOC}): {e}"))
                }
                Err(e) => Finding::warn(
                    id,
                    format!(
                        "alloc({HUGE_ALLOC}) does not return 0 but fails: {e}; MIDIMon never asks for that much, but a huge request would kill the instance (Rust's default allocation-error handler aborts)"
                    ),
                ),
            }
        }
    };
    report.push(huge);
}

/// `actions.<name>.<event>` and `actions.unknown`.
fn action_checks(session: &mut Session<'_>, meta: &PluginMeta, report: &mut Report) {
    for action in &meta.actions {
        for event in Event::ALL {
            let id = format!("actions.{action}.{}", event.id());
            let finding = match session.request(&id, Entry::Json, &request_json(action, event)) {
                Err(failure) => failure.finding(&id),
                Ok(o) if o.code == ErrorCode::UnknownAction.code() => Finding::fail(
                    &id,
                    format!(
                        "returned {} for an action the metadata declares",
                        describe_code(o.code)
                    ),
                ),
                Ok(o) if o.code != 0 && ErrorCode::from_code(o.code).is_none() => {
                    Finding::warn(&id, format!("returned {}", describe_code(o.code)))
                }
                Ok(o) => Finding::pass(
                    &id,
                    format!(
                        "returned {} using {} fuel",
                        describe_code(o.code),
                        group(o.fuel)
                    ),
                ),
            };
            report.push(finding);
        }
    }

    for action in meta.actions.iter().take(daemon_flow::SWEEP_ACTIONS) {
        report.push(sweep(session, action));
    }

    let id = "actions.unknown";
    let mut undeclared = UNDECLARED_ACTION.to_string();
    while meta.action_index(&undeclared).is_some() {
        undeclared.push('_');
    }
    let finding = match session.request(id, Entry::Json, &request_json(&undeclared, Event::NoteOn))
    {
        Err(failure) => failure.finding(id),
        Ok(o) if o.code == ErrorCode::UnknownAction.code() => {
            Finding::pass(id, format!("\"{undeclared}\" returned 3 (unknown_action)"))
        }
        Ok(o) => Finding::fail(
            id,
            format!(
                "\"{undeclared}\" returned {}, expected 3 (unknown_action)",
                describe_code(o.code)
            ),
        ),
    };
    report.push(finding);
}

/// Velocities of the note sweep (with every note 0-127).
const SWEEP_VELOCITIES: [u8; 4] = [0, 1, 64, 127];

/// `actions.<action>.sweep`: the README's note-on for every note 0-127 at a few velocities
/// must not trap, so that an out-of-range index on some note fails in CI, not on stage.
fn sweep(session: &mut Session<'_>, action: &str) -> Finding {
    let id = format!("actions.{action}.sweep");
    let literal = json_string(action);
    let mut codes: Vec<i32> = Vec::new();
    for velocity in SWEEP_VELOCITIES {
        for note in 0..=127u8 {
            let fields = format!(r#""velocity":{velocity},"note":{note},"cc":null,"value":null"#);
            let body = request_with(&literal, &fields, r#"{"key":"value"}"#, "");
            match session.request(&id, Entry::Json, &body) {
                Ok(o) => {
                    if !codes.contains(&o.code) {
                        codes.push(o.code);
                    }
                }
                Err(Failure::Failed(_, why)) => {
                    return Finding::fail(&id, format!("note {note}, velocity {velocity}: {why}"));
                }
                Err(skipped) => return skipped.finding(&id),
            }
        }
    }
    codes.sort_unstable();
    let seen: Vec<String> = codes.iter().map(|&c| describe_code(c)).collect();
    Finding::pass(
        &id,
        format!(
            "{} note-ons (notes 0-127, velocities 0, 1, 64, 127) returned without a trap: {}",
            128 * SWEEP_VELOCITIES.len(),
            seen.join(", ")
        ),
    )
}

/// `malformed.*`: requests a correct host never sends must not trap.
fn malformed_checks(
    session: &mut Session<'_>,
    meta: &PluginMeta,
    action: &str,
    report: &mut Report,
) {
    let action = if meta.action_index(action).is_some() {
        action
    } else {
        meta.actions.first().map_or("", String::as_str)
    };
    for (case, body, expect) in malformed_cases(action) {
        let id = format!("malformed.{case}");
        let finding = match session.request(&id, Entry::Json, &body) {
            // Refusing to allocate a big request (without trapping) is what a small plugin
            // under a small memory budget should do; MIDIMon's requests are small.
            Err(Failure::Failed(
                Some(RequestError {
                    stage: Stage::Alloc,
                    error:
                        e @ (CallError::NullPointer { .. }
                        | CallError::MemoryLimit { trapped: false, .. }),
                }),
                _,
            )) => Finding::pass(
                &id,
                format!(
                    "alloc refused the {}-byte request ({e}); fine, MIDIMon's requests are small",
                    group(body.len() as u64)
                ),
            ),
            Err(failure) => failure.finding(&id),
            Ok(o) if o.code == 0 && expect == Expect::Error => Finding::warn(
                &id,
                format!(
                    "returned 0 (success) for a malformed request ({} bytes); hosts send valid JSON, but an error code is expected",
                    group(body.len() as u64)
                ),
            ),
            Ok(o) => Finding::pass(&id, format!("returned {}", describe_code(o.code))),
        };
        report.push(finding);
    }

    // The same action, with its first character escaped: JSON says it is the same name.
    let id = "malformed.escaped_action";
    let literal = escaped_action_literal(action);
    let plain = session.request(id, Entry::Json, &request_json(action, Event::NoteOn));
    let escaped = session.request(
        id,
        Entry::Json,
        &request_with(&literal, Event::NoteOn.fields(), r#"{"key":"value"}"#, ""),
    );
    report.push(match (plain, escaped) {
        (_, Err(failure)) => failure.finding(id),
        (Err(Failure::Failed(_, why)), Ok(_)) => Finding::skip(
            id,
            format!("not compared: the plain request failed: {why}"),
        ),
        (Err(Failure::Skipped(why)), Ok(_)) => Finding::skip(id, why),
        (Ok(p), Ok(e)) if p.code == e.code => Finding::pass(
            id,
            format!(
                "{literal} returned {}, as the plain name does",
                describe_code(e.code)
            ),
        ),
        (Ok(p), Ok(e)) => Finding::warn(
            id,
            format!(
                "{literal} returned {} but the plain name returns {}; JSON escapes in the action name must be decoded",
                describe_code(e.code),
                describe_code(p.code)
            ),
        ),
    });

    pointer_check(session, "malformed.null_pointer", |_| 0, report);
    pointer_check(
        session,
        "malformed.bad_pointer",
        |memory| u32::try_from(memory).unwrap_or(u32::MAX),
        report,
    );
}

/// `execute` called directly with a pointer a host never passes (no `alloc`, nothing written).
fn pointer_check(
    session: &mut Session<'_>,
    id: &str,
    pointer: impl Fn(u64) -> u32,
    report: &mut Report,
) {
    const LEN: u32 = 5;
    let instance = match session.get(id) {
        Ok(instance) => instance,
        Err(failure) => {
            report.push(failure.finding(id));
            return;
        }
    };
    let ptr = pointer(instance.memory_size());
    let call = format!("execute({ptr:#x}, {LEN})");
    let started = Instant::now();
    let result = instance.execute(ptr, LEN);
    if let Err(e) = &result {
        session.record(id, e, started.elapsed());
    }
    report.push(match result {
        Ok((0, _)) => Finding::warn(
            id,
            format!("{call} returned 0 (success); expected an error code such as 6 (bad_pointer)"),
        ),
        Ok((code, _)) => Finding::pass(id, format!("{call} returned {}", describe_code(code))),
        Err(
            e @ (CallError::OutOfFuel { .. }
            | CallError::TimedOut { .. }
            | CallError::CheckTimeSpent { .. }
            | CallError::DiskLimit { .. }
            | CallError::MemoryLimit { .. }),
        ) => Finding::fail(id, format!("{call}: {e}")),
        Err(e) => Finding::warn(
            id,
            format!("{call}: {e}; hosts never pass such a pointer, but checking it costs nothing"),
        ),
    });
}

/// `note_path`, `note_path.fuel`, `note_path.p99`, `note_path.memory` and the `postcard.*`
/// checks.
fn note_path(
    session: &mut Session<'_>,
    meta: &PluginMeta,
    action: &str,
    budgets: &Budgets,
    exports: Exports,
    report: &mut Report,
) {
    let mut dependents = vec!["note_path.fuel", "note_path.p99", "note_path.memory"];
    if exports.postcard {
        dependents.extend(["postcard.note_on", "postcard.fuel", "postcard.unknown"]);
    }
    // A plugin whose metadata lists no actions (as MIDIMon's own plugins) is measured on the
    // action it was given (`--action`, `--note-action`); it has no postcard action indexes.
    let action_index = meta.action_index(action);
    if action_index.is_none() && !meta.actions.is_empty() {
        report.push(Finding::fail(
            "note_path",
            format!(
                "note action \"{action}\" (--note-action) is not declared by the plugin (declared: {})",
                meta.action_list()
            ),
        ));
        for id in dependents {
            report.push(Finding::skip(id, "not run: no note action"));
        }
        return;
    }
    let body = request_json(action, Event::NoteOn);
    let (mut n, first_code) = match measure(session, &body, budgets) {
        Ok(m) => m,
        Err(failure) => {
            let skipped = matches!(failure, Failure::Skipped(_));
            report.push(failure.finding("note_path"));
            if !skipped {
                for id in dependents {
                    report.push(Finding::skip(id, "not run: the note path failed"));
                }
            }
            return;
        }
    };
    n.action = action.to_string();
    report.push(if first_code == ErrorCode::UnknownAction.code() {
        Finding::fail(
            "note_path",
            format!("note-on \"{action}\" returned 3 (unknown_action) for a declared action"),
        )
    } else {
        Finding::pass(
            "note_path",
            format!(
                "{} note-on calls of \"{action}\" returned {}",
                group(n.calls),
                describe_code(first_code)
            ),
        )
    });

    report.push(
        match budgets.note_fuel {
            Some(budget) if n.fuel_max > budget => Finding::fail(
                "note_path.fuel",
                format!(
                    "a note-on execute used {} fuel, over the budget of {} (--note-fuel)",
                    group(n.fuel_max),
                    group(budget)
                ),
            ),
            Some(budget) => Finding::pass(
                "note_path.fuel",
                format!(
                    "{} fuel per note-on (budget {})",
                    group(n.fuel_max),
                    group(budget)
                ),
            ),
            None => Finding::pass(
                "note_path.fuel",
                format!(
                    "{} fuel per note-on (no --note-fuel budget)",
                    group(n.fuel_max)
                ),
            ),
        }
        .measured(n.fuel_max, budgets.note_fuel, Unit::Fuel),
    );
    report.push(
        match budgets.note_p99 {
            Some(budget) if n.execute.p99 > budget => Finding::fail(
                "note_path.p99",
                format!(
                    "p99 latency of note-on execute is {}, over the budget of {} (--note-p99)",
                    format_duration(n.execute.p99),
                    format_duration(budget)
                ),
            ),
            Some(budget) => Finding::pass(
                "note_path.p99",
                format!(
                    "p99 {} (budget {})",
                    format_duration(n.execute.p99),
                    format_duration(budget)
                ),
            ),
            None => Finding::pass(
                "note_path.p99",
                format!(
                    "p99 {} (no --note-p99 budget)",
                    format_duration(n.execute.p99)
                ),
            ),
        }
        .measured(
            nanos(n.execute.p99),
            budgets.note_p99.map(nanos),
            Unit::Nanos,
        ),
    );
    report.push(if n.memory_growth > 0 {
        Finding::warn(
            "note_path.memory",
            format!(
                "memory grew by {} bytes over {} calls after the first one; MIDIMon keeps a plugin for hours, so a leak will reach the memory limit",
                group(n.memory_growth),
                group(n.calls.saturating_sub(1))
            ),
        )
    } else {
        Finding::pass(
            "note_path.memory",
            format!(
                "high-water {} bytes, no growth after the first call",
                group(n.memory_high_water)
            ),
        )
    });

    match (exports.postcard, action_index) {
        (true, Some(index)) => {
            n.postcard_fuel = postcard_checks(session, meta, index, budgets, report);
        }
        (true, None) => {
            let why =
                "not run: the metadata lists no actions, so there is no postcard action index";
            for id in ["postcard.note_on", "postcard.fuel", "postcard.unknown"] {
                report.push(Finding::skip(id, why));
            }
        }
        (false, _) => {}
    }
    report.note_path = Some(n);
}

/// The note-on loop: stops after `note_calls` calls or `note_time`, whichever comes first.
/// Returns the figures and the code of the first call.
fn measure(
    session: &mut Session<'_>,
    body: &[u8],
    budgets: &Budgets,
) -> Result<(NotePath, i32), Failure> {
    let id = "note_path";
    let instance = session.get(id)?;
    // Bounded pre-allocation: the vectors only grow past this for huge --note-calls values.
    let capacity = usize::try_from(budgets.note_calls.min(1 << 20)).unwrap_or(1 << 20);
    let mut execute_ns: Vec<u64> = Vec::with_capacity(capacity);
    let mut cycle_ns: Vec<u64> = Vec::with_capacity(capacity);
    let mut n = NotePath {
        fuel_min: u64::MAX,
        ..NotePath::default()
    };
    let mut first_code = 0;
    let mut after_first = 0;
    let mut failure = None;
    let started = Instant::now();
    while n.calls < budgets.note_calls {
        if n.calls > 0 && started.elapsed() >= budgets.note_time {
            n.stopped_by_time = true;
            break;
        }
        let call_started = Instant::now();
        let o = match instance.request(body) {
            Ok(o) => o,
            Err(e) => {
                failure = Some((e, call_started.elapsed()));
                break;
            }
        };
        if n.calls == 0 {
            first_code = o.code;
            after_first = instance.memory_size();
        }
        n.fuel_min = n.fuel_min.min(o.fuel);
        n.fuel_max = n.fuel_max.max(o.fuel);
        execute_ns.push(u64::try_from(o.elapsed.as_nanos()).unwrap_or(u64::MAX));
        cycle_ns.push(u64::try_from(o.cycle_elapsed.as_nanos()).unwrap_or(u64::MAX));
        n.calls += 1;
    }
    n.elapsed = started.elapsed();
    n.memory_high_water = instance.memory_high_water();
    n.memory_growth = instance.memory_size().saturating_sub(after_first);
    if let Some((e, elapsed)) = failure {
        session.record(id, &e.error, elapsed);
        let why = format!("note-on call #{}: {e}", n.calls + 1);
        return Err(Failure::Failed(Some(e), why));
    }
    n.execute = stats::latency(&mut execute_ns);
    n.cycle = stats::latency(&mut cycle_ns);
    if n.calls == 0 {
        n.fuel_min = 0;
    }
    Ok((n, first_code))
}

/// `postcard.note_on`, `postcard.fuel`, `postcard.unknown`. Returns the fuel per note-on.
fn postcard_checks(
    session: &mut Session<'_>,
    meta: &PluginMeta,
    action_index: usize,
    budgets: &Budgets,
    report: &mut Report,
) -> Option<u64> {
    let index = u32::try_from(action_index).unwrap_or(u32::MAX);
    let body = postcard_note_on(index);
    let id = "postcard.note_on";
    let mut fuel: Option<u64> = None;
    let mut result = Ok(0);
    for _ in 0..POSTCARD_CALLS {
        match session.request(id, Entry::Postcard, &body) {
            Ok(o) => {
                fuel = Some(fuel.unwrap_or(0).max(o.fuel));
                result = Ok(o.code);
            }
            Err(failure) => {
                result = Err(failure);
                fuel = None;
                break;
            }
        }
    }
    report.push(match result {
        Err(failure) => failure.finding(id),
        Ok(code) if code == ErrorCode::UnknownAction.code() => {
            fuel = None;
            Finding::fail(
                id,
                format!("action index {index} returned 3 (unknown_action) for a declared action"),
            )
        }
        Ok(code) => Finding::pass(
            id,
            format!("action index {index} returned {}", describe_code(code)),
        ),
    });
    let finding = match (fuel, budgets.postcard_fuel) {
        (None, _) => Finding::skip("postcard.fuel", "not measured: the postcard call failed"),
        (Some(f), Some(budget)) if f > budget => Finding::fail(
            "postcard.fuel",
            format!(
                "a note-on execute_postcard used {} fuel, over the budget of {} (--postcard-fuel)",
                group(f),
                group(budget)
            ),
        ),
        (Some(f), Some(budget)) => Finding::pass(
            "postcard.fuel",
            format!("{} fuel per note-on (budget {})", group(f), group(budget)),
        ),
        (Some(f), None) => Finding::pass(
            "postcard.fuel",
            format!("{} fuel per note-on (no --postcard-fuel budget)", group(f)),
        ),
    };
    report.push(match fuel {
        Some(f) => finding.measured(f, budgets.postcard_fuel, Unit::Fuel),
        None => finding,
    });
    let id = "postcard.unknown";
    let out_of_range = u32::try_from(meta.actions.len()).unwrap_or(u32::MAX);
    report.push(
        match session.request(id, Entry::Postcard, &postcard_note_on(out_of_range)) {
            Err(failure) => failure.finding(id),
            Ok(o) if o.code == ErrorCode::UnknownAction.code() => Finding::pass(
                id,
                format!("out-of-range action index {out_of_range} returned 3 (unknown_action)"),
            ),
            Ok(o) => Finding::fail(
                id,
                format!(
                    "out-of-range action index {out_of_range} returned {}, expected 3 (unknown_action)",
                    describe_code(o.code)
                ),
            ),
        },
    );
    fuel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_cases_are_rejected_by_core_abi() {
        for (case, body, expect) in malformed_cases("my_action") {
            let parsed = core_abi::parse_request(&body);
            match expect {
                Expect::Error => assert!(parsed.is_err(), "{case} must be invalid"),
                Expect::Anything => assert!(parsed.is_ok(), "{case} is valid JSON"),
            }
        }
    }
}
