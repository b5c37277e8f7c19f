//! The requests host-check sends to a plugin: the template README's JSON request per MIDI
//! event, its postcard twin, and the names of the codes that come back.
//!
//! `check`, `run` and `bench` all send these same bodies, so they live here, below all three,
//! rather than in one of them: a command that only runs a request must not depend on the checks.
//! The bodies are built from core-abi's canonical note-on (`core_abi::request::CANONICAL_NOTE_ON`
//! and `BinaryHeader::CANONICAL_NOTE_ON`), so that the figures host-check measures are the
//! figures of the request the ABI documents; the tests below pin the two against each other.

use core_abi::binary::{encode_to_vec, BinaryHeader};
use core_abi::error::ErrorCode;

use crate::metadata::PluginMeta;

/// The timestamp of every generated request: the canonical note-on's.
pub const TIMESTAMP: u64 = BinaryHeader::CANONICAL_NOTE_ON.timestamp;

/// The MIDI events every action is run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Note on: velocity 100, note 60.
    NoteOn,
    /// Note off: velocity 0, note 60.
    NoteOff,
    /// Control change: controller 74, value 64.
    Cc,
}

impl Event {
    /// Every event, in check order.
    pub const ALL: [Event; 3] = [Event::NoteOn, Event::NoteOff, Event::Cc];

    /// The check-id suffix: `note_on`, `note_off`, `cc`.
    pub fn id(self) -> &'static str {
        match self {
            Event::NoteOn => "note_on",
            Event::NoteOff => "note_off",
            Event::Cc => "cc",
        }
    }

    /// The MIDI fields of the request's `context`.
    pub(crate) fn fields(self) -> &'static str {
        match self {
            Event::NoteOn => r#""velocity":100,"note":60,"cc":null,"value":null"#,
            Event::NoteOff => r#""velocity":0,"note":60,"cc":null,"value":null"#,
            Event::Cc => r#""velocity":null,"note":null,"cc":74,"value":64"#,
        }
    }
}

/// `s` as a JSON string literal.
pub(crate) fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// The template README's JSON request for `event` (MIDIMon's own is
/// [`daemon_request`](crate::daemon_flow::daemon_request)).
pub fn request_json(action: &str, event: Event) -> Vec<u8> {
    request_with(
        &json_string(action),
        event.fields(),
        r#"{"key":"value"}"#,
        "",
    )
}

/// The canonical JSON request for `event` with `entries` metadata entries, for measuring how the
/// cost grows with the metadata (the benchmark). The first entry is the canonical
/// `"key":"value"`, the others `"key1":"value"` ... `"key<entries-1>":"value"`, so one entry
/// gives exactly [`request_json`] and zero gives an empty `metadata` object.
pub fn request_json_with_metadata(action: &str, event: Event, entries: usize) -> Vec<u8> {
    let mut metadata = String::from("{");
    for i in 0..entries {
        if i == 0 {
            metadata.push_str(r#""key":"value""#);
        } else {
            metadata.push_str(&format!(r#","key{i}":"value""#));
        }
    }
    metadata.push('}');
    request_with(&json_string(action), event.fields(), &metadata, "")
}

/// A request from its parts: the action as a JSON literal, the MIDI fields, the metadata
/// object and extra top-level members (starting with a comma).
pub(crate) fn request_with(
    action_literal: &str,
    fields: &str,
    metadata: &str,
    extra: &str,
) -> Vec<u8> {
    format!(
        r#"{{"action":{action_literal},"context":{{{fields},"timestamp":{TIMESTAMP},"metadata":{metadata}}}{extra}}}"#
    )
    .into_bytes()
}

/// The canonical note-on request of the postcard fast path.
pub fn postcard_note_on(action_index: u32) -> Vec<u8> {
    let header = BinaryHeader {
        action: action_index,
        ..BinaryHeader::CANONICAL_NOTE_ON
    };
    encode_to_vec(&header, &[("key", "value")])
}

/// The postcard action index `action` stands for: its position among the plugin's declared
/// actions, or else `action` read as a number (to try indexes past the end); the error is the
/// message for the user. `run --postcard` and `profile --postcard` both take actions this way.
pub fn postcard_action_index(meta: Option<&PluginMeta>, action: &str) -> Result<u32, String> {
    match meta.and_then(|m| m.action_index(action)) {
        Some(i) => Ok(u32::try_from(i).unwrap_or(u32::MAX)),
        None => action.parse::<u32>().map_err(|_| {
            format!(
                "action \"{action}\" is not declared by the plugin; for --postcard give a declared action or a numeric index"
            )
        }),
    }
}

/// `action` with its first character written as a `\u` escape, e.g. `"\u006dy_action"`.
pub fn escaped_action_literal(action: &str) -> String {
    let mut chars = action.chars();
    let Some(first) = chars.next() else {
        return json_string(action);
    };
    let mut units = [0u16; 2];
    let escaped: String = first
        .encode_utf16(&mut units)
        .iter()
        .map(|u| format!("\\u{u:04x}"))
        .collect();
    let rest = json_string(chars.as_str());
    // `rest` is a literal with quotes: splice the escape in after its opening quote.
    format!("\"{escaped}{}", rest.get(1..).unwrap_or("\""))
}

/// `0 (success)`, `3 (unknown_action)`, `42 (not an ABI error code)`.
pub fn describe_code(code: i32) -> String {
    match code {
        0 => "0 (success)".to_string(),
        c => match ErrorCode::from_code(c) {
            Some(e) => format!("{c} ({})", e.name()),
            None => format!("{c} (not an ABI error code)"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_requests() {
        assert_eq!(
            request_json("my_action", Event::NoteOn),
            core_abi::request::CANONICAL_NOTE_ON.as_bytes()
        );
        let cc = String::from_utf8(request_json("a\"b", Event::Cc)).unwrap();
        assert!(cc.starts_with(
            r#"{"action":"a\"b","context":{"velocity":null,"note":null,"cc":74,"value":64"#
        ));
        for event in Event::ALL {
            let body = request_json("x", event);
            assert!(core_abi::json::validate(&body).is_ok());
            assert!(core_abi::parse_request(&body).is_ok());
        }
    }

    #[test]
    fn metadata_variants() {
        assert_eq!(
            request_json_with_metadata("my_action", Event::NoteOn, 1),
            request_json("my_action", Event::NoteOn)
        );
        for entries in [0, 1, 8, 64] {
            let body = request_json_with_metadata("my_action", Event::NoteOn, entries);
            let request = core_abi::parse_request(&body).unwrap();
            assert_eq!(request.context.metadata.len(), entries);
        }
    }

    #[test]
    fn escaped_names_decode_to_the_plain_name() {
        for name in ["my_action", "é", "🎹x", "a\"b"] {
            let literal = escaped_action_literal(name);
            assert!(literal.starts_with("\"\\u"), "{literal}");
            let decoded: String = serde_json::from_str(&literal).unwrap();
            assert_eq!(decoded, name);
        }
        assert_eq!(escaped_action_literal("my_action"), r#""\u006dy_action""#);
    }

    #[test]
    fn postcard_request_decodes() {
        let body = postcard_note_on(2);
        let request = core_abi::binary::decode(&body).unwrap();
        assert_eq!(request.action_index, 2);
        assert_eq!(request.context.note, Some(60));
        assert_eq!(request.context.timestamp, TIMESTAMP);
    }

    #[test]
    fn codes_are_named() {
        assert_eq!(describe_code(0), "0 (success)");
        assert_eq!(describe_code(3), "3 (unknown_action)");
        assert_eq!(describe_code(42), "42 (not an ABI error code)");
    }
}
