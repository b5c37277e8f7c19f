//! `daemon.*`: every action in MIDIMon's own flow ([`crate::daemon_flow`]) on each of the
//! daemon's request shapes, and the per-event cost beside the warm-instance figures. Failures
//! here are failures: this is what the daemon will do.

use std::time::{Duration, Instant};

use crate::daemon_flow::{daemon_request, run_event, DaemonContext};
use crate::fmt::{format_duration, group};
use crate::report::{DaemonEvent, Finding, Report, Unit};
use crate::requests::describe_code;
use crate::runner::{CallError, Grants, Plugin};
use crate::settings::Settings;
use crate::stats;

/// The action name sent when no action can be named (the metadata lists none, and neither
/// `--action` nor `--config` gives one).
pub const PLACEHOLDER_ACTION: &str = "host_check_unnamed_action";

/// Actions whose events are also run with [`SWEEP_VELOCITIES`] (and whose README-shaped note-on
/// is swept over every note).
pub const SWEEP_ACTIONS: usize = 8;

/// Velocities at the edges of the MIDI range and of its halves, sent in more events.
pub const SWEEP_VELOCITIES: [u8; 7] = [1, 2, 63, 64, 65, 126, 127];

/// Most actions run through the daemon's flow (five fresh instances each).
pub const MAX_ACTIONS: usize = 64;

/// A failed event that took this long stops the daemon-flow checks: repeating it would only
/// multiply the time a check takes.
pub(super) const SLOW_EVENT: Duration = Duration::from_secs(1);

/// Most events of the per-event measurement (it also stops at `note_time`).
pub const MAX_EVENTS: u64 = 2_000;

/// Where the names of the actions to run came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionNames {
    /// The names, deduplicated, in order: the metadata's, then `--action`, then `--config`.
    pub names: Vec<String>,
    /// Names the user gave (`--action`): one that never returns 0 fails the check.
    pub required: Vec<String>,
}

/// `daemon.<action>` for every action and `daemon.actions` over all of them; then the
/// per-event figures (`daemon.event`, with the `daemon_fuel` and `event_p99` budgets) for
/// `note_action`. Returns the id of the check whose event exhausted a budget slowly, after
/// which calling the plugin again would only add time.
pub fn checks(
    plugin: &Plugin,
    grants: &Grants,
    actions: &ActionNames,
    note_action: &str,
    budgets: &Settings,
    report: &mut Report,
) -> Option<String> {
    let named = !actions.names.is_empty();
    let placeholder = [PLACEHOLDER_ACTION.to_string()];
    let names = if named {
        &actions.names[..]
    } else {
        &placeholder[..]
    };
    let mut any_zero = false;
    let mut null_alloc = false;
    let mut stopped: Option<String> = None;
    let mut tripped: Option<String> = None;
    for (position, action) in names.iter().take(MAX_ACTIONS).enumerate() {
        let id = format!("daemon.{action}");
        if let Some(why) = &stopped {
            report.push(Finding::skip(&id, why.clone()));
            continue;
        }
        let mut codes = Vec::new();
        let mut failure = None;
        // The five contexts whose codes the finding lists, then (for the first actions) the
        // velocities at the edges of the range, where an off-by-one indexes out of a table: a
        // panic on velocity 127 must fail here, not on stage.
        let sweep = (position < SWEEP_ACTIONS)
            .then_some(SWEEP_VELOCITIES)
            .into_iter()
            .flatten()
            .map(|v| DaemonContext::new(Some(v), None));
        for (n, context) in DaemonContext::ALL.into_iter().chain(sweep).enumerate() {
            let started = Instant::now();
            match run_event(plugin, grants, &daemon_request(action, context)) {
                Ok(outcome) => {
                    null_alloc |= outcome.ptr == 0;
                    if n < DaemonContext::ALL.len() {
                        codes.push((context, outcome.code));
                    }
                }
                Err(e) => {
                    if matches!(e.error, CallError::TimedOut { .. })
                        || started.elapsed() > SLOW_EVENT
                    {
                        tripped = Some(id.clone());
                        stopped = Some(format!(
                            "not run: an event of \"{action}\" took {} and failed, so more events would only add time",
                            format_duration(started.elapsed())
                        ));
                    }
                    failure = Some((context, e));
                    break;
                }
            }
        }
        let zero = codes.iter().any(|(_, code)| *code == 0);
        any_zero |= zero;
        let mut summary = codes
            .iter()
            .map(|(c, code)| format!("{} → {}", c.label(), describe_code(*code)))
            .collect::<Vec<_>>()
            .join("; ");
        if position < SWEEP_ACTIONS {
            summary.push_str("; no trap on velocities 1, 2, 63, 64, 65, 126, 127");
        }
        report.push(match failure {
            Some((context, e)) => Finding::fail(
                &id,
                format!(
                    "MIDIMon's execute fails on {{{}}}: {e}",
                    context.label()
                ),
            ),
            None if zero => Finding::pass(&id, summary),
            None => {
                let detail = format!(
                    "never returns 0 on MIDIMon's requests, so the daemon logs \"Plugin returned error code\" on every event: {summary}"
                );
                if actions.required.contains(action) {
                    Finding::fail(&id, detail)
                } else {
                    Finding::warn(&id, detail)
                }
            }
        });
    }
    let left_out = names.len().saturating_sub(MAX_ACTIONS);
    let more = if left_out > 0 {
        format!(" (the first {MAX_ACTIONS} actions were run, {left_out} more were not)")
    } else {
        String::new()
    };
    report.push(if !named {
        Finding::warn(
            "daemon.actions",
            format!(
                "the actions could not be named (the metadata has no action list): sent \"{PLACEHOLDER_ACTION}\"; name the plugin's actions with --action NAME or --config"
            ),
        )
    } else if any_zero {
        Finding::pass(
            "daemon.actions",
            format!("at least one action returns 0 on MIDIMon's requests{more}"),
        )
    } else {
        Finding::fail(
            "daemon.actions",
            format!("no action returns 0 on any request MIDIMon sends{more}"),
        )
    });
    report.push(if null_alloc {
        Finding::warn(
            "daemon.alloc",
            "template README: alloc returned 0; MIDIMon writes the request at address 0 anyway, over whatever the plugin keeps there",
        )
    } else {
        Finding::pass("daemon.alloc", "alloc returned a non-null block for every request")
    });
    match stopped {
        Some(why) => report.push(Finding::skip("daemon.event", why)),
        None => event_checks(plugin, grants, note_action, budgets, report),
    }
    tripped
}

/// `daemon.event`: the per-event cost on the daemon's note-on request, under the
/// `daemon_fuel` and `event_p99` budgets.
pub(super) fn event_checks(
    plugin: &Plugin,
    grants: &Grants,
    action: &str,
    budgets: &Settings,
    report: &mut Report,
) {
    let id = "daemon.event";
    let body = daemon_request(action, DaemonContext::ALL[0]);
    let calls = budgets.measurement.note_calls.min(MAX_EVENTS);
    let mut samples = Vec::with_capacity(usize::try_from(calls).unwrap_or(0));
    let mut first = None;
    let started = Instant::now();
    while (samples.len() as u64) < calls {
        if !samples.is_empty() && started.elapsed() >= budgets.measurement.note_time {
            break;
        }
        match run_event(plugin, grants, &body) {
            Ok(outcome) => {
                first.get_or_insert(outcome);
                samples.push(u64::try_from(outcome.elapsed.as_nanos()).unwrap_or(u64::MAX));
            }
            Err(e) => {
                report.push(Finding::fail(id, format!("note-on \"{action}\": {e}")));
                return;
            }
        }
    }
    let Some(first) = first else {
        report.push(Finding::skip(id, "not measured: no event ran"));
        return;
    };
    let figures = DaemonEvent {
        action: action.to_string(),
        events: samples.len() as u64,
        start_fuel: first.start_fuel,
        alloc_fuel: first.alloc_fuel,
        execute_fuel: first.execute_fuel,
        event: stats::latency(&mut samples),
    };
    let mut problems = Vec::new();
    if let Some(budget) = budgets
        .thresholds
        .daemon_fuel
        .filter(|b| figures.execute_fuel > *b)
    {
        problems.push(format!(
            "execute used {} fuel on MIDIMon's note-on, over the budget of {} (--daemon-fuel)",
            group(figures.execute_fuel),
            group(budget)
        ));
    }
    if let Some(budget) = budgets
        .thresholds
        .event_p99
        .filter(|b| figures.event.p99 > *b)
    {
        problems.push(format!(
            "p99 of one event is {}, over the budget of {} (--event-p99)",
            format_duration(figures.event.p99),
            format_duration(budget)
        ));
    }
    let budget_text =
        |value: Option<String>| value.map_or("no budget".to_string(), |v| format!("budget {v}"));
    report.push(if problems.is_empty() {
        Finding::pass(
            id,
            format!(
                "\"{action}\" returned {}; execute {} fuel ({}), event p99 {} ({}) over {} fresh instances",
                describe_code(first.code),
                group(figures.execute_fuel),
                budget_text(budgets.thresholds.daemon_fuel.map(group)),
                format_duration(figures.event.p99),
                budget_text(budgets.thresholds.event_p99.map(format_duration)),
                group(figures.events)
            ),
        )
    } else {
        Finding::fail(id, problems.join("; "))
    }
    .measured(figures.execute_fuel, budgets.thresholds.daemon_fuel, Unit::Fuel));
    report.daemon_event = Some(figures);
}
