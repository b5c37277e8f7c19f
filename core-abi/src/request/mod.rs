//! The request a host sends to `execute`, parsed in place.
//!
//! ```json
//! {"action":"my_action","context":{"velocity":100,"note":60,"cc":null,"value":null,
//!  "timestamp":1234567890,"metadata":{"curve":"soft"}}}
//! ```
//!
//! [`parse_request`] checks the whole body against the ABI's rules in one pass and returns views
//! that borrow from it: nothing is copied and nothing is allocated, whatever the body's size.

mod keys;
mod params;
mod parse;
mod view;

// The guest exports parse straight into a `Request` they own.
#[cfg(feature = "guest")]
pub(crate) use parse::parse_into;

use crate::error::ErrorCode;

pub use params::{Params, ParamsIter};
pub use view::{Request, RequestContext, MIDI_MAX};

/// The README's canonical note-on request: what budgets and benchmarks measure. Its parts are
/// [`CANONICAL_TIMESTAMP`] and [`CANONICAL_METADATA`]; its postcard form is
/// [`binary::CANONICAL_NOTE_ON_POSTCARD`](crate::binary::CANONICAL_NOTE_ON_POSTCARD).
pub const CANONICAL_NOTE_ON: &str = r#"{"action":"my_action","context":{"velocity":100,"note":60,"cc":null,"value":null,"timestamp":1234567890,"metadata":{"key":"value"}}}"#;

/// The timestamp of [`CANONICAL_NOTE_ON`].
pub const CANONICAL_TIMESTAMP: u64 = 1_234_567_890;

/// The metadata of [`CANONICAL_NOTE_ON`], as `(key, value)` pairs.
pub const CANONICAL_METADATA: &[(&str, &str)] = &[("key", "value")];

/// The request MIDIMon's daemon (`f4f371c`, `midimon-core/src/plugin/wasm_runtime.rs`) sends
/// for a note-on: no `note`, `cc`, `value` or `metadata`, an extra `current_mode` (a field this
/// ABI does not know, validated and skipped), and the timestamp in milliseconds
/// ([`DAEMON_TIMESTAMP_MS`]).
pub const DAEMON_NOTE_ON: &str = r#"{"action":"my_action","context":{"velocity":100,"current_mode":null,"timestamp":1732000000000}}"#;

/// The timestamp of [`DAEMON_NOTE_ON`]: 2024-11-19, in milliseconds since the Unix epoch, as
/// the daemon writes it.
pub const DAEMON_TIMESTAMP_MS: u64 = 1_732_000_000_000;

/// Parses and validates a JSON request body.
///
/// The body must be one strict JSON object (RFC 8259, UTF-8) with a string `action` and an
/// optional `context` object. Unknown fields anywhere are validated and ignored. Known fields
/// may appear once; `null` or absence means "none" (a timestamp of 0, empty metadata).
///
/// ```
/// use core_abi::request::parse_request;
/// let body = br#"{"action":"my\u005faction","context":{"note":60,"velocity":100,
///     "metadata":{"curve":"soft"}}}"#;
/// let request = parse_request(body).unwrap();
/// assert!(request.action == "my_action");
/// assert_eq!(request.context.note, Some(60));
/// assert!(request.context.metadata.get("curve").unwrap() == "soft");
/// ```
pub fn parse_request(body: &[u8]) -> Result<Request<'_>, ErrorCode> {
    parse::parse(body, &[]).map(|(_, request)| request)
}

/// [`parse_request`], then the action looked up in the plugin's declared `actions`: the index
/// of the first declared name equal to the decoded action, with the request, so that a plugin
/// dispatches by index with no second comparison of names.
///
/// A valid body whose action is not declared is [`ErrorCode::UnknownAction`]; any fault of the
/// body itself takes precedence, as the README's "Requests" section says.
///
/// ```
/// use core_abi::request::parse_request_in;
/// let (index, request) = parse_request_in(br#"{"action":"b"}"#, &["a", "b"]).unwrap();
/// assert_eq!(index, 1);
/// assert!(request.action == "b");
/// ```
pub fn parse_request_in<'a>(
    body: &'a [u8],
    actions: &[&str],
) -> Result<(usize, Request<'a>), ErrorCode> {
    let (index, request) = parse::parse(body, actions)?;
    if index >= actions.len() {
        return Err(ErrorCode::UnknownAction);
    }
    Ok((index, request))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::String;
    use std::vec::Vec;

    const CANONICAL: &str = CANONICAL_NOTE_ON;

    fn parse(s: &str) -> Result<Request<'_>, ErrorCode> {
        parse_request(s.as_bytes())
    }

    #[test]
    fn the_readme_documents_the_canonical_request() {
        assert!(include_str!("../../../README.md").contains(CANONICAL_NOTE_ON));
    }

    #[test]
    fn canonical_request() {
        let r = parse(CANONICAL).unwrap();
        assert!(r.action == "my_action");
        let c = r.context;
        assert_eq!(
            (c.velocity, c.note, c.cc, c.value),
            (Some(100), Some(60), None, None)
        );
        assert_eq!(c.timestamp, CANONICAL_TIMESTAMP);
        assert_eq!(c.timestamp, 1_234_567_890);
        assert_eq!(c.metadata.len(), CANONICAL_METADATA.len());
        for (key, value) in CANONICAL_METADATA {
            assert!(c.metadata.get(key).unwrap() == *value);
        }
        assert!(c.metadata.get("missing").is_none());
    }

    #[test]
    fn daemon_request() {
        let r = parse(DAEMON_NOTE_ON).unwrap();
        assert!(r.action == "my_action");
        let c = r.context;
        assert_eq!(
            (c.velocity, c.note, c.cc, c.value),
            (Some(100), None, None, None)
        );
        assert_eq!(c.timestamp, DAEMON_TIMESTAMP_MS);
        assert!(c.metadata.is_empty());
    }

    #[test]
    fn optional_parts_default_to_none() {
        let r = parse(r#" {"action":"a"} "#).unwrap();
        assert_eq!(r.context.note, None);
        assert_eq!(r.context.timestamp, 0);
        assert!(r.context.metadata.is_empty());
        let r = parse(r#"{"context":null,"action":"a"}"#).unwrap();
        assert!(r.context.metadata.iter().next().is_none());
        let r = parse(
            r#"{"action":"a","context":{"timestamp":null,"metadata":null,"cc":7,"value":127}}"#,
        )
        .unwrap();
        assert_eq!((r.context.cc, r.context.value), (Some(7), Some(127)));
    }

    #[test]
    fn cc_request() {
        let r = parse(r#"{"action":"a","context":{"velocity":null,"note":null,"cc":74,"value":0,"timestamp":1,"metadata":{}}}"#).unwrap();
        assert_eq!(
            (r.context.cc, r.context.value, r.context.velocity),
            (Some(74), Some(0), None)
        );
    }

    #[test]
    fn escaped_action_names_match_decoded() {
        let r = parse(r#"{"action":"my\u005faction"}"#).unwrap();
        assert!(r.action == "my_action");
        let r = parse(r#"{"\u0061ction":"x"}"#).unwrap();
        assert!(r.action == "x");
        let r = parse(r#"{"action":"My_action"}"#).unwrap();
        assert!(r.action != "my_action", "matching is case-sensitive");
    }

    #[test]
    fn unknown_fields_are_ignored_but_validated() {
        let r = parse(
            r#"{"x":[1,{"y":null}],"action":"a","context":{"extra":{"deep":[true]},"note":1}}"#,
        )
        .unwrap();
        assert_eq!(r.context.note, Some(1));
        assert_eq!(
            parse(r#"{"x":[1,],"action":"a"}"#).unwrap_err(),
            ErrorCode::MalformedJson
        );
    }

    #[test]
    fn wrong_types_and_ranges_are_invalid_fields() {
        for body in [
            r#"{"context":{}}"#,
            r#"{"action":1}"#,
            r#"{"action":null}"#,
            r#"{"action":["a"]}"#,
            r#"{"action":"a","context":[]}"#,
            r#"{"action":"a","context":{"note":128}}"#,
            r#"{"action":"a","context":{"note":-1}}"#,
            r#"{"action":"a","context":{"note":60.0}}"#,
            r#"{"action":"a","context":{"note":6e1}}"#,
            r#"{"action":"a","context":{"velocity":"100"}}"#,
            r#"{"action":"a","context":{"cc":true}}"#,
            r#"{"action":"a","context":{"value":1000000000000000000000}}"#,
            r#"{"action":"a","context":{"timestamp":-5}}"#,
            r#"{"action":"a","context":{"timestamp":18446744073709551616}}"#,
            r#"{"action":"a","context":{"timestamp":"now"}}"#,
            r#"{"action":"a","context":{"metadata":[]}}"#,
            r#"{"action":"a","context":{"metadata":{"k":1}}}"#,
            r#"{"action":"a","context":{"metadata":{"k":null}}}"#,
            r#"{"action":"a","action":"b"}"#,
            r#"{"action":"a","context":{"note":1,"note":2}}"#,
        ] {
            assert_eq!(parse(body).unwrap_err(), ErrorCode::InvalidField, "{body}");
        }
        for (body, ts) in [
            (r#"{"action":"a","context":{"timestamp":0}}"#, 0),
            (
                r#"{"action":"a","context":{"timestamp":1844674407370955161}}"#,
                1_844_674_407_370_955_161,
            ),
            (
                r#"{"action":"a","context":{"timestamp":18446744073709551609}}"#,
                u64::MAX - 6,
            ),
        ] {
            assert_eq!(parse(body).unwrap().context.timestamp, ts, "{body}");
        }
        for body in [
            r#"{"action":"a","context":{"timestamp":18446744073709551620}}"#,
            r#"{"action":"a","context":{"timestamp":99999999999999999999}}"#,
            r#"{"action":"a","context":{"note":127.5}}"#,
            r#"{"action":"a","context":{"note":1e0}}"#,
        ] {
            assert_eq!(parse(body).unwrap_err(), ErrorCode::InvalidField, "{body}");
        }
        assert_eq!(
            parse(r#"{"action":"a","context":{"note":1.}}"#).unwrap_err(),
            ErrorCode::MalformedJson
        );
        let r = parse(r#"{"action":"a","context":{"timestamp":18446744073709551615}}"#).unwrap();
        assert_eq!(r.context.timestamp, u64::MAX);
    }

    #[test]
    fn malformed_bodies() {
        let valid = CANONICAL.as_bytes();
        for cut in 0..valid.len() {
            let err = parse_request(&valid[..cut]).unwrap_err();
            assert!(
                matches!(err, ErrorCode::MalformedJson),
                "cut at {cut}: {err:?}"
            );
        }
        for body in [
            "[]",
            "\"action\"",
            r#"{"action":"a"} x"#,
            r#"{"action":"a",}"#,
            r#"{"action":"a"}{"#,
            r#"{"action":"a" /* c */}"#,
            "{\"action\":\"a\tb\"}",
            r#"{"action":"a","context":{"note":060}}"#,
            r#"{"action":"a","context":{"note":tru}}"#,
        ] {
            assert_eq!(parse(body).unwrap_err(), ErrorCode::MalformedJson, "{body}");
        }
    }

    #[test]
    fn the_first_fault_in_reading_order_decides() {
        assert_eq!(
            parse(r#"{"action":5,,}"#).unwrap_err(),
            ErrorCode::InvalidField
        );
        assert_eq!(
            parse(r#"{"action":"a",,"context":{"note":500}}"#).unwrap_err(),
            ErrorCode::MalformedJson
        );
        assert_eq!(
            parse(r#"{"context":{"note":500},,}"#).unwrap_err(),
            ErrorCode::InvalidField
        );
    }

    #[test]
    fn invalid_utf8_bodies() {
        assert_eq!(
            parse_request(b"{\"action\":\"\xff\"}").unwrap_err(),
            ErrorCode::InvalidUtf8
        );
        assert_eq!(
            parse_request(b"\xef\xbb\xbf{\"action\":\"a\"}").unwrap_err(),
            ErrorCode::MalformedJson
        );
        assert_eq!(
            parse_request(
                b"{\"action\":\"a\",\"context\":{\"metadata\":{\"k\":\"\xed\xa0\x80\"}}}"
            )
            .unwrap_err(),
            ErrorCode::InvalidUtf8
        );
    }

    #[test]
    fn deep_nesting_in_unknown_fields() {
        let mut body = String::from(r#"{"action":"a","junk":"#);
        body.extend(core::iter::repeat_n('[', 100_000));
        body.extend(core::iter::repeat_n(']', 100_000));
        body.push('}');
        assert_eq!(parse(&body).unwrap_err(), ErrorCode::NestingTooDeep);
    }

    #[test]
    fn large_metadata_is_borrowed_not_copied() {
        let mut body = String::from(r#"{"action":"a","context":{"metadata":{"#);
        for i in 0..10_000 {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&format!(r#""key{i}":"value{i}""#));
        }
        let big = "x".repeat(64 * 1024);
        body.push_str(&format!(r#","big":"{big}","esc":"a\nb\u00e9"}}}}}}"#));
        assert!(body.len() > 200_000);
        let r = parse(&body).unwrap();
        let m = r.context.metadata;
        assert_eq!(m.len(), 10_002);
        assert!(m.get("key9999").unwrap() == "value9999");
        assert_eq!(m.get("big").unwrap().decoded_len(), 64 * 1024);
        assert!(m.get("esc").unwrap() == "a\nbé");
        let keys: Vec<String> = m.iter().take(2).map(|(k, _)| format!("{k}")).collect();
        assert_eq!(keys, ["key0", "key1"]);
    }

    #[test]
    fn one_mebibyte_body() {
        let pad = "p".repeat(1 << 20);
        let body = format!(r#"{{"action":"a","context":{{"metadata":{{"pad":"{pad}"}}}}}}"#);
        assert!(parse(&body).is_ok());
    }

    #[test]
    fn duplicate_metadata_keys_last_wins() {
        let r = parse(r#"{"action":"a","context":{"metadata":{"k":"1","k":"2"}}}"#).unwrap();
        assert!(r.context.metadata.get("k").unwrap() == "2");
        assert_eq!(r.context.metadata.len(), 2);
    }
}
