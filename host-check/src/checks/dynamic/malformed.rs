//! `malformed.*` and `pointer`: what a buggy or hostile host could send (truncated, invalid,
//! nested and oversized bodies, pointers outside memory) must get an error code back, never a
//! trap.

use std::time::Instant;

use super::session::{Failure, Session};
use crate::fmt::group;
use crate::metadata::PluginMeta;
use crate::report::{Finding, Report};
use crate::requests::{
    describe_code, escaped_action_literal, json_string, request_json, request_with, Event,
};
use crate::runner::{CallError, Entry, RequestError, Stage};

/// Depth of the nested-array bomb in the `malformed.deep_nesting` request.
pub const DEEP_NESTING: usize = 100_000;

/// Size of the metadata value of the `malformed.large_body` request.
pub const LARGE_BODY: usize = 1024 * 1024;

/// What a malformed request must get back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    /// An error code; 0 is a warning.
    Error,
    /// Anything, as long as the call returns.
    Anything,
}

/// The malformed-request sample: `(case, body, expectation)`.
pub(super) fn malformed_cases(action: &str) -> Vec<(&'static str, Vec<u8>, Expect)> {
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

/// `malformed.*`: requests a correct host never sends must not trap.
pub(super) fn malformed_checks(
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
pub(super) fn pointer_check(
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
