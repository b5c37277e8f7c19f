//! `note_path.*` and `postcard.*`: the timing-critical note-on path on a warm instance of its
//! own, its fuel and latency against the budgets, and the postcard fast path when exported.

use std::time::Instant;

use core_abi::error::ErrorCode;

use super::init::Exports;
use super::session::{Failure, Session};
use crate::fmt::{format_duration, group, nanos};
use crate::metadata::PluginMeta;
use crate::report::{Finding, NotePath, Report, Unit};
use crate::requests::{describe_code, postcard_note_on, request_json, Event};
use crate::runner::Entry;
use crate::settings::Settings;
use crate::stats;

/// Note-on calls of the `execute_postcard` measurement (fuel is deterministic; a few suffice).
pub(super) const POSTCARD_CALLS: u32 = 10;

/// `note_path`, `note_path.fuel`, `note_path.p99`, `note_path.memory` and the `postcard.*`
/// checks.
pub(super) fn note_path(
    session: &mut Session<'_>,
    meta: &PluginMeta,
    action: &str,
    budgets: &Settings,
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
        match budgets.thresholds.note_fuel {
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
        .measured(n.fuel_max, budgets.thresholds.note_fuel, Unit::Fuel),
    );
    report.push(
        match budgets.thresholds.note_p99 {
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
            budgets.thresholds.note_p99.map(nanos),
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
pub(super) fn measure(
    session: &mut Session<'_>,
    body: &[u8],
    budgets: &Settings,
) -> Result<(NotePath, i32), Failure> {
    let id = "note_path";
    let instance = session.get(id)?;
    // Bounded pre-allocation: the vectors only grow past this for huge --note-calls values.
    let capacity = usize::try_from(budgets.measurement.note_calls.min(1 << 20)).unwrap_or(1 << 20);
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
    while n.calls < budgets.measurement.note_calls {
        if n.calls > 0 && started.elapsed() >= budgets.measurement.note_time {
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
pub(super) fn postcard_checks(
    session: &mut Session<'_>,
    meta: &PluginMeta,
    action_index: usize,
    budgets: &Settings,
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
    let finding = match (fuel, budgets.thresholds.postcard_fuel) {
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
        Some(f) => finding.measured(f, budgets.thresholds.postcard_fuel, Unit::Fuel),
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
