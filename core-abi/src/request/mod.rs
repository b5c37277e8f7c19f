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
mod parse;

use crate::error::ErrorCode;
use crate::json::Text;
use crate::json::{scan_string, skip_ws, string_text, Scanner};

/// The README's canonical note-on request: what budgets and benchmarks measure.
pub const CANONICAL_NOTE_ON: &str = r#"{"action":"my_action","context":{"velocity":100,"note":60,"cc":null,"value":null,"timestamp":1234567890,"metadata":{"key":"value"}}}"#;

/// Largest value of a MIDI data byte (`velocity`, `note`, `cc`, `value`).
pub const MIDI_MAX: u8 = 127;

/// One request: which action to run, and the MIDI event that triggered it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The action's name, matched exactly and case-sensitively against the declared actions.
    pub action: Text<'a>,
    /// The event and the mapping's parameters.
    pub context: RequestContext<'a>,
}

/// The MIDI event behind a request, plus the parameters of the MIDIMon mapping.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestContext<'a> {
    /// Note-on/off velocity, 0..=127.
    pub velocity: Option<u8>,
    /// Note number, 0..=127.
    pub note: Option<u8>,
    /// Controller number of a CC event, 0..=127.
    pub cc: Option<u8>,
    /// Controller value of a CC event, 0..=127.
    pub value: Option<u8>,
    /// Host timestamp (MIDIMon sends microseconds); 0 when absent.
    pub timestamp: u64,
    /// String parameters from the mapping's `params`.
    pub metadata: Metadata<'a>,
}

/// The request's `metadata`: string keys to string values, borrowed from the request.
///
/// Lookups scan the entries on demand, so any number of entries of any size costs nothing up
/// front. When a key appears twice, the last one wins (as with `serde_json`).
#[derive(Clone, Copy, Default)]
pub struct Metadata<'a> {
    entries: Entries<'a>,
    len: usize,
}

#[derive(Clone, Copy, Default)]
enum Entries<'a> {
    #[default]
    Empty,
    /// A validated JSON object, braces included, whose values are all strings.
    Json(&'a [u8]),
    /// Validated postcard `(&str, &str)` pairs, `len` of them.
    Binary(&'a [u8]),
}

impl<'a> Metadata<'a> {
    /// Metadata over a JSON object (braces included) already validated by the parser, whose
    /// `len` values are all strings.
    pub(crate) fn json(object: &'a [u8], len: usize) -> Self {
        Metadata {
            entries: Entries::Json(object),
            len,
        }
    }

    /// Metadata over postcard pairs already validated by [`crate::binary`].
    pub(crate) fn binary(pairs: &'a [u8], len: usize) -> Self {
        Metadata {
            entries: Entries::Binary(pairs),
            len,
        }
    }

    /// Number of entries, duplicates included.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no entries.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of `key`, decoded on demand through [`Text`].
    pub fn get(&self, wanted: &str) -> Option<Text<'a>> {
        // Plain loops rather than one over `iter()`: lookups run on a plugin's note path, and
        // the iterator's enum cursor costs code and fuel there.
        let mut found = None;
        match self.entries {
            Entries::Empty => {}
            Entries::Json(object) => {
                // The object was validated when the request was parsed: `{`, then `"k":"v"`
                // pairs separated by commas, with whitespace anywhere between tokens.
                let mut pos = 1;
                for _ in 0..self.len {
                    let key = skip_ws(object, pos);
                    let key_step = scan_string(object, key);
                    let value = skip_ws(object, skip_ws(object, key_step.pos()) + 1);
                    let value_step = scan_string(object, value);
                    if key_step.error().is_some() || value_step.error().is_some() {
                        break;
                    }
                    if string_text(object, key, key_step).eq_str(wanted) {
                        found = Some(string_text(object, value, value_step));
                    }
                    pos = skip_ws(object, value_step.pos()) + 1;
                }
            }
            Entries::Binary(mut pairs) => {
                for _ in 0..self.len {
                    let k = crate::binary::take_str(&mut pairs);
                    let value = crate::binary::take_str(&mut pairs);
                    if k == Some(wanted) {
                        found = value.map(Text::plain);
                    }
                }
            }
        }
        found
    }

    /// The entries in request order.
    pub fn iter(&self) -> MetadataIter<'a> {
        let cursor = match self.entries {
            Entries::Empty => Cursor::Done,
            Entries::Json(object) => {
                let mut scanner = Scanner::new(object);
                // Step over `{`; `next` finds either the first key or `}`.
                scanner.expect(b'{');
                Cursor::Json(scanner, true)
            }
            Entries::Binary(pairs) => Cursor::Binary(pairs),
        };
        MetadataIter {
            cursor,
            remaining: self.len,
        }
    }
}

impl core::fmt::Debug for Metadata<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Iterator over `(key, value)` pairs of [`Metadata`].
#[derive(Clone)]
pub struct MetadataIter<'a> {
    cursor: Cursor<'a>,
    remaining: usize,
}

#[derive(Clone)]
enum Cursor<'a> {
    Done,
    /// The object's scanner and whether the next member is the first.
    Json(Scanner<'a>, bool),
    Binary(&'a [u8]),
}

impl<'a> Iterator for MetadataIter<'a> {
    type Item = (Text<'a>, Text<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let pair = match &mut self.cursor {
            Cursor::Done => None,
            Cursor::Json(scanner, first) => {
                let key = scanner.next_key(core::mem::replace(first, false));
                key.map(|key| (key, scanner.string()))
            }
            Cursor::Binary(bytes) => {
                let key = crate::binary::take_str(bytes);
                let value = crate::binary::take_str(bytes);
                key.zip(value)
                    .map(|(k, v)| (Text::plain(k), Text::plain(v)))
            }
        };
        if pair.is_none() {
            // Unreachable for validated input; stop cleanly rather than loop.
            self.remaining = 0;
        }
        pair
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}

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
        assert_eq!(c.timestamp, 1_234_567_890);
        assert_eq!(c.metadata.len(), 1);
        assert!(c.metadata.get("key").unwrap() == "value");
        assert!(c.metadata.get("missing").is_none());
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
