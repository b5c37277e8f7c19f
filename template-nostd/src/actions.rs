//! The plugin's actions: the place to edit.
//!
//! Plain Rust over [`core_abi::Request`], with no wasm in sight, so the same code runs in the
//! wasm plugin, on firmware and in native unit tests. Each action is one function, registered
//! with its name in `lib.rs`; it reads the MIDI event from `request.context` and its parameters
//! from `request.context.metadata`, and answers `Ok(())` or an [`ErrorCode`].
//!
//! MIDIMon's daemon (`f4f371c`) sends only `velocity` (or null), `current_mode` and a
//! millisecond `timestamp`: no `note`, no `cc`, no parameters. So every action here works on
//! that request alone, and reads the README's richer fields only when they are there.

use core::sync::atomic::{AtomicU8, Ordering};

use core_abi::{ErrorCode, Request, Text};

/// The velocity `velocity_curve` produced last; firmware reads it with [`last_velocity`].
static LAST_VELOCITY: AtomicU8 = AtomicU8::new(0);

/// The original template's action: succeeds on any valid request.
pub fn my_action(_request: &Request<'_>) -> Result<(), ErrorCode> {
    Ok(())
}

/// Reshapes the event's velocity with the curve named by the `curve` parameter (linear when
/// absent). An event without a velocity (a CC, or an encoder in MIDIMon) is an invalid field.
pub fn velocity_curve(request: &Request<'_>) -> Result<(), ErrorCode> {
    let velocity = request.context.velocity.ok_or(ErrorCode::InvalidField)?;
    let curve = match request.context.metadata.get("curve") {
        None => Curve::Linear,
        Some(name) => Curve::from_name(name).ok_or(ErrorCode::InvalidField)?,
    };
    LAST_VELOCITY.store(curve.apply(velocity), Ordering::Relaxed);
    Ok(())
}

/// Passes notes inside `min..=max` (parameters, default the whole range) and declines the rest.
/// An event without a note passes: there is nothing to filter (MIDIMon's daemon never sends
/// one).
pub fn note_filter(request: &Request<'_>) -> Result<(), ErrorCode> {
    let Some(note) = request.context.note else {
        return Ok(());
    };
    let metadata = &request.context.metadata;
    let min = midi_parameter(metadata.get("min"), 0).ok_or(ErrorCode::InvalidField)?;
    let max = midi_parameter(metadata.get("max"), 127).ok_or(ErrorCode::InvalidField)?;
    if (min..=max).contains(&note) {
        Ok(())
    } else {
        Err(ErrorCode::Declined)
    }
}

/// A 0..=127 parameter written as a decimal string, or `default` when absent; `None` when it
/// is not one.
// An `Option` rather than the `Result` the caller turns it into: it comes back in one value,
// where a `Result` goes through memory (18 bytes less, no fuel on the measured requests).
fn midi_parameter(value: Option<Text<'_>>, default: u8) -> Option<u8> {
    match value {
        None => Some(default),
        Some(text) => match text.parse_u32() {
            Some(v) if v <= 127 => Some(v as u8),
            _ => None,
        },
    }
}

/// The velocity `velocity_curve` produced last (0 before the first call).
pub fn last_velocity() -> u8 {
    LAST_VELOCITY.load(Ordering::Relaxed)
}

/// A velocity response curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// Output = input.
    Linear,
    /// Louder at low velocities: `127 - (127 - v)² / 127`.
    Soft,
    /// Quieter at low velocities: `v² / 127`.
    Hard,
}

impl Curve {
    /// The curve a `curve` parameter names: `linear`, `soft` or `hard`.
    pub fn from_name(name: Text<'_>) -> Option<Curve> {
        if name.eq_str("linear") {
            Some(Curve::Linear)
        } else if name.eq_str("soft") {
            Some(Curve::Soft)
        } else if name.eq_str("hard") {
            Some(Curve::Hard)
        } else {
            None
        }
    }

    /// Applies the curve to a velocity in 0..=127; the result stays in 0..=127.
    pub fn apply(self, velocity: u8) -> u8 {
        let v = u16::from(velocity.min(127));
        let out = match self {
            Curve::Linear => v,
            Curve::Soft => 127 - (127 - v) * (127 - v) / 127,
            Curve::Hard => v * v / 127,
        };
        out as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core_abi::guest::handle_json;

    use crate::{ACTIONS, HANDLERS};

    fn run(body: &str) -> i32 {
        handle_json(body.as_bytes(), ACTIONS, HANDLERS)
    }

    /// The bodies MIDIMon's daemon sends: velocity 100, 0 or null, `current_mode` 0, 2 or null.
    fn daemon_request(action: &str, velocity: &str, mode: &str) -> std::string::String {
        std::format!(
            r#"{{"action":"{action}","context":{{"velocity":{velocity},"current_mode":{mode},"timestamp":1732000000000}}}}"#
        )
    }

    #[test]
    fn every_action_runs_on_the_daemons_requests() {
        for action in ACTIONS {
            for mode in ["0", "2", "null"] {
                for velocity in ["100", "0"] {
                    assert_eq!(run(&daemon_request(action, velocity, mode)), 0, "{action}");
                }
                let no_velocity = run(&daemon_request(action, "null", mode));
                let expected = if *action == "velocity_curve" { 4 } else { 0 };
                assert_eq!(no_velocity, expected, "{action} without velocity");
            }
        }
    }

    #[test]
    fn curves_keep_the_ends_and_bend_the_middle() {
        for curve in [Curve::Linear, Curve::Soft, Curve::Hard] {
            assert_eq!(curve.apply(0), 0, "{curve:?}");
            assert_eq!(curve.apply(127), 127, "{curve:?}");
            assert_eq!(curve.apply(200), 127, "{curve:?} clamps");
        }
        assert_eq!(Curve::Linear.apply(64), 64);
        assert!(Curve::Soft.apply(64) > 64);
        assert!(Curve::Hard.apply(64) < 64);
        for v in 0..=127u8 {
            assert!(Curve::Soft.apply(v) >= v && Curve::Hard.apply(v) <= v);
        }
    }

    #[test]
    fn my_action_accepts_any_valid_request() {
        assert_eq!(run(r#"{"action":"my_action"}"#), 0);
        assert_eq!(run(core_abi::request::CANONICAL_NOTE_ON), 0);
    }

    #[test]
    fn velocity_curve_reads_its_parameter() {
        assert_eq!(
            run(
                r#"{"action":"velocity_curve","context":{"velocity":64,"metadata":{"curve":"hard"}}}"#
            ),
            0
        );
        assert_eq!(last_velocity(), Curve::Hard.apply(64));
        assert_eq!(
            run(r#"{"action":"velocity_curve","context":{"velocity":64}}"#),
            0
        );
        assert_eq!(
            run(
                r#"{"action":"velocity_curve","context":{"velocity":64,"metadata":{"curve":"s\u006fft"}}}"#
            ),
            0
        );
        assert_eq!(
            run(
                r#"{"action":"velocity_curve","context":{"velocity":64,"metadata":{"curve":"wobbly"}}}"#
            ),
            4
        );
        assert_eq!(
            run(r#"{"action":"velocity_curve","context":{"note":60}}"#),
            4
        );
    }

    #[test]
    fn note_filter_passes_its_range() {
        let body = |note: u8| {
            std::format!(
                r#"{{"action":"note_filter","context":{{"note":{note},"metadata":{{"min":"48","max":"72"}}}}}}"#
            )
        };
        assert_eq!(run(&body(48)), 0);
        assert_eq!(run(&body(72)), 0);
        assert_eq!(run(&body(47)), 8);
        assert_eq!(run(&body(73)), 8);
        assert_eq!(run(r#"{"action":"note_filter","context":{"note":0}}"#), 0);
        assert_eq!(
            run(r#"{"action":"note_filter","context":{"note":1,"metadata":{"min":"128"}}}"#),
            4
        );
        assert_eq!(
            run(r#"{"action":"note_filter","context":{"note":1,"metadata":{"max":"x"}}}"#),
            4
        );
        assert_eq!(run(r#"{"action":"note_filter","context":{"cc":1}}"#), 0);
    }

    #[test]
    fn unknown_actions_are_3() {
        assert_eq!(run(r#"{"action":"nope"}"#), 3);
        assert_eq!(run(r#"{"action":"my_actio"}"#), 3);
    }

    #[test]
    fn metadata_is_valid() {
        let meta =
            core_abi::metadata::validate_metadata_json(crate::METADATA_JSON.as_bytes()).unwrap();
        assert_eq!(meta.action_count(), ACTIONS.len());
        for (declared, listed) in meta.actions().zip(ACTIONS) {
            assert!(declared == *listed);
        }
    }
}
