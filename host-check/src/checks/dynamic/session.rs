//! A checking session: instances made on demand with the same grants, every call recorded,
//! a trapped instance replaced, and the output of every instance collected per phase. A budget
//! that runs out slowly ends the session, so that one hostile plugin cannot multiply the time a
//! check takes.

use std::time::{Duration, Instant};

use crate::report::{Finding, PhaseOutput};
use crate::runner::{
    CallError, Captured, Entry, Grants, Plugin, PluginInstance, RequestError, RequestOutcome,
};

/// Bytes of stdout and of stderr kept per phase (the report shows the first 64 KiB).
pub(super) const KEEP_OUTPUT: usize = 1024 * 1024;

/// Why a checked call produced no outcome.
#[derive(Debug)]
pub(super) enum Failure {
    /// Not attempted: an earlier call exhausted a budget (the reason says which).
    Skipped(String),
    /// No instance could be made, or the call failed; with the typed error when there is one.
    Failed(Option<RequestError>, String),
}

impl Failure {
    /// The finding for check `id`.
    pub(super) fn finding(self, id: &str) -> Finding {
        match self {
            Failure::Skipped(why) => Finding::skip(id, why),
            Failure::Failed(_, why) => Finding::fail(id, why),
        }
    }
}

/// A call that exhausted a budget after at least this long trips the session (see
/// [`Session`]); a quick out-of-fuel under a small `--max-fuel` does not.
pub(super) const TRIP_AFTER: Duration = Duration::from_millis(50);

/// Whether a failed call means "calling this plugin again costs too much": it timed out, spent
/// the check's time or disk budget, or it ran out of fuel (or trapped after a denied growth)
/// after [`TRIP_AFTER`] or more. Repeating
/// such calls would only multiply the time a check takes, so later calls are skipped.
pub(super) fn trips(error: &CallError, elapsed: Duration) -> bool {
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
pub(super) struct Session<'a> {
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
    pub(super) fn new(
        plugin: &'a Plugin,
        grants: Grants,
        call_init: bool,
        tripped: Option<String>,
    ) -> Self {
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
    pub(super) fn get(&mut self, id: &str) -> Result<&mut PluginInstance, Failure> {
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
    pub(super) fn record(&mut self, id: &str, error: &CallError, elapsed: Duration) {
        if trips(error, elapsed) && self.tripped.is_none() {
            self.tripped = Some(id.to_string());
        }
    }

    /// Runs `call` on an instance for check `id`, recording budget exhaustion. The closure's
    /// error names the step that failed (`"alloc"`, `"dealloc"` ...).
    pub(super) fn call<T>(
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
    pub(super) fn request(
        &mut self,
        id: &str,
        entry: Entry,
        body: &[u8],
    ) -> Result<RequestOutcome, Failure> {
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
    pub(super) fn collect(&mut self, instance: &PluginInstance) {
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
    pub(super) fn retire(&mut self) {
        if let Some(instance) = self.instance.take() {
            self.collect(&instance);
        }
    }

    /// Ends the session: its output goes to `output` under `phase`; returns the tripped check.
    pub(super) fn finish(mut self, phase: &str, output: &mut Vec<PhaseOutput>) -> Option<String> {
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
