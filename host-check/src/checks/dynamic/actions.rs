//! `actions.*`: every declared action answers note-on, note-off and CC; an undeclared action
//! gets `unknown_action`; note-ons are swept over every note.

use core_abi::error::ErrorCode;

use super::daemon::SWEEP_ACTIONS;
use super::session::{Failure, Session};
use crate::fmt::group;
use crate::metadata::PluginMeta;
use crate::report::{Finding, Report};
use crate::requests::{describe_code, json_string, request_json, request_with, Event};
use crate::runner::Entry;

/// The name used for the "undeclared action" request (suffixed if a plugin declares it).
pub const UNDECLARED_ACTION: &str = "host_check_undeclared_action";

/// `actions.<name>.<event>` and `actions.unknown`.
pub(super) fn action_checks(session: &mut Session<'_>, meta: &PluginMeta, report: &mut Report) {
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

    for action in meta.actions.iter().take(SWEEP_ACTIONS) {
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
pub(super) const SWEEP_VELOCITIES: [u8; 4] = [0, 1, 64, 127];

/// `actions.<action>.sweep`: the README's note-on for every note 0-127 at a few velocities
/// must not trap, so that an out-of-range index on some note fails in CI, not on stage.
pub(super) fn sweep(session: &mut Session<'_>, action: &str) -> Finding {
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
