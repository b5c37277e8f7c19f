//! The request a host sends to `execute`, parsed in place.
//!
//! ```json
//! {"action":"my_action","context":{"velocity":100,"note":60,"cc":null,"value":null,
//!  "timestamp":1234567890,"metadata":{"curve":"soft"}}}
//! ```
//!
//! [`parse_request`] checks the whole body against the ABI's rules in one pass and returns views
//! that borrow from it: nothing is copied and nothing is allocated, whatever the body's size.

use crate::error::ErrorCode;
use crate::json::{
    byte_at, fault_at, load_u64, scan_null, scan_number, scan_string, skip_value, skip_ws,
    skip_ws_fast, string_text, Scanner, Step, MAX_NESTING,
};
use crate::text::{bytes_eq, Text};

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
    if u32::try_from(body.len()).is_err() {
        return Err(ErrorCode::RequestTooLarge);
    }
    // One loop over the members of all three objects (request, context, metadata) with the
    // position in a local: on wasm this is several times cheaper than a call per object and
    // per token, and the parser is a plugin's largest piece of code and work.
    let mut level = Level::Request;
    let mut action = None;
    let mut context = RequestContext::default();
    let mut midi = [None; 4];
    let mut seen: u32 = 0;
    let mut metadata_start = 0;
    let mut pos = skip_ws_fast(body, 0);
    if byte_at(body, pos) != b'{' {
        return Err(fault(fault_at(body, pos)));
    }
    pos += 1;
    let mut first = true;
    loop {
        pos = skip_ws_fast(body, pos);
        let b = byte_at(body, pos);
        if b == b'}' {
            pos += 1;
            first = false;
            level = match level {
                Level::Request => break,
                Level::Context => Level::Request,
                Level::Metadata => {
                    context.metadata.entries = Entries::Json(&body[metadata_start..pos]);
                    Level::Context
                }
            };
            continue;
        }
        if !first {
            if b != b',' {
                return Err(fault(fault_at(body, pos)));
            }
            pos = skip_ws_fast(body, pos + 1);
        }
        first = false;
        let key_step = scan_string(body, pos);
        check(key_step)?;
        let key_start = pos;
        pos = skip_ws_fast(body, key_step.pos());
        if byte_at(body, pos) != b':' {
            return Err(fault(fault_at(body, pos)));
        }
        pos = skip_ws_fast(body, pos + 1);
        let field = match level {
            Level::Request => field_id(body, key_start, key_step, Field::ACTION..Field::VELOCITY),
            Level::Context => field_id(body, key_start, key_step, Field::VELOCITY..Field::UNKNOWN),
            Level::Metadata => Field::METADATA_ENTRY,
        };
        if field < Field::UNKNOWN {
            let bit = 1 << field;
            if seen & bit != 0 {
                return Err(ErrorCode::InvalidField);
            }
            seen |= bit;
        }
        let value = byte_at(body, pos);
        let step = match field {
            Field::ACTION | Field::METADATA_ENTRY if value == b'"' => {
                let step = scan_string(body, pos);
                check(step)?;
                if field == Field::ACTION {
                    action = Some(string_text(body, pos, step));
                } else {
                    context.metadata.len += 1;
                }
                step
            }
            Field::CONTEXT | Field::METADATA if value == b'{' => {
                if field == Field::CONTEXT {
                    level = Level::Context;
                } else {
                    level = Level::Metadata;
                    metadata_start = pos;
                }
                pos += 1;
                first = true;
                continue;
            }
            Field::VELOCITY..=Field::TIMESTAMP if value == b'-' || value.is_ascii_digit() => {
                // Read the digits and their value in one pass; any other number (a sign, a
                // fraction, an exponent, more than a u64) is validated by the full scanner and
                // then is the wrong type.
                const LIMIT: u64 = u64::MAX / 10;
                let mut end = pos;
                let mut number: u64 = 0;
                let mut fits = value != b'-';
                if value == b'0' {
                    // A leading zero is the whole integer: `060` fails at the `6`, later.
                    end += 1;
                } else {
                    while let d @ b'0'..=b'9' = byte_at(body, end) {
                        let digit = u64::from(d - b'0');
                        fits &= number < LIMIT || (number == LIMIT && digit <= u64::MAX % 10);
                        number = number.wrapping_mul(10).wrapping_add(digit);
                        end += 1;
                    }
                }
                let max = if field == Field::TIMESTAMP {
                    u64::MAX
                } else {
                    u64::from(MIDI_MAX)
                };
                if !fits || matches!(byte_at(body, end), b'.' | b'e' | b'E') || number > max {
                    check(scan_number(body, pos))?;
                    return Err(ErrorCode::InvalidField);
                }
                match field {
                    Field::TIMESTAMP => context.timestamp = number,
                    // The range check makes the narrowing cast lossless.
                    _ => midi[(field - Field::VELOCITY) as usize] = Some(number as u8),
                }
                Step::ok(end, 0)
            }
            Field::UNKNOWN => skip_value(body, pos, level.remaining_depth()),
            // Any known field may be null (meaning absent), except the action and metadata
            // values, which must be strings.
            _ if value == b'n' && field != Field::ACTION && field != Field::METADATA_ENTRY => {
                scan_null(body, pos)
            }
            // The wrong type: still validated, so that malformed JSON is reported as such.
            _ => {
                check(skip_value(body, pos, level.remaining_depth()))?;
                return Err(ErrorCode::InvalidField);
            }
        };
        check(step)?;
        pos = step.pos();
    }
    pos = skip_ws_fast(body, pos);
    if pos < body.len() {
        return Err(fault(fault_at(body, pos)));
    }
    [context.velocity, context.note, context.cc, context.value] = midi;
    Ok(Request {
        action: action.ok_or(ErrorCode::InvalidField)?,
        context,
    })
}

/// Which object the parser is in.
#[derive(Clone, Copy)]
enum Level {
    Request,
    Context,
    Metadata,
}

impl Level {
    /// How deep a member's value may nest: the document as a whole is held to
    /// [`MAX_NESTING`], and this object and those around it count.
    fn remaining_depth(self) -> usize {
        MAX_NESTING - (self as usize + 1)
    }
}

/// Field numbers: bit positions in the parser's duplicate-detection mask.
struct Field;

impl Field {
    const ACTION: u32 = 0;
    const CONTEXT: u32 = 1;
    const VELOCITY: u32 = 2;
    const TIMESTAMP: u32 = 6;
    const METADATA: u32 = 7;
    /// An unknown key: skipped.
    const UNKNOWN: u32 = 8;
    /// A key inside `metadata`: any name, may repeat.
    const METADATA_ENTRY: u32 = 9;
}

/// Every known field, by field number ([`Field`]): the request's two, then the context's six.
const FIELDS: [FieldName; 8] = [
    FieldName::new("action"),
    FieldName::new("context"),
    FieldName::new("velocity"),
    FieldName::new("note"),
    FieldName::new("cc"),
    FieldName::new("value"),
    FieldName::new("timestamp"),
    FieldName::new("metadata"),
];

/// Field number by [`slot`] of a key, `u8::MAX` where no field lives. Built at compile time,
/// which fails if two fields share a slot.
const FIELD_SLOTS: [u8; 16] = {
    let mut slots = [u8::MAX; 16];
    let mut i = 0;
    while i < FIELDS.len() {
        let name = FIELDS[i].name.as_bytes();
        let at = slot(name.len(), name[0]);
        assert!(
            slots[at] == u8::MAX,
            "two field names share a slot: change `slot`"
        );
        slots[at] = i as u8;
        i += 1;
    }
    slots
};

/// Where a key of this length and first byte would be in [`FIELD_SLOTS`]: the one candidate
/// field a key is then compared with, instead of a loop over all of them.
const fn slot(len: usize, first: u8) -> usize {
    (len ^ first as usize) & 15
}

/// A known field name, with what the parser compares: its length and its first eight bytes as
/// one little-endian word.
#[derive(Clone, Copy)]
struct FieldName {
    name: &'static str,
    head: u64,
}

impl FieldName {
    const fn new(name: &'static str) -> FieldName {
        let bytes = name.as_bytes();
        let mut head = 0;
        let mut i = 0;
        while i < bytes.len() && i < 8 {
            head |= (bytes[i] as u64) << (8 * i);
            i += 1;
        }
        FieldName { name, head }
    }
}

/// The first `len.min(8)` bytes at `body[start..]` as a little-endian word, zero-padded.
fn head_word(body: &[u8], start: usize, len: usize) -> u64 {
    if len >= 8 {
        return load_u64(body, start).unwrap_or(0);
    }
    // Usually the body goes on after a short key, so one load and a mask will do.
    if let Some(word) = load_u64(body, start) {
        return word & ((1u64 << (8 * len)) - 1);
    }
    let mut word = 0;
    for i in 0..len {
        word |= u64::from(byte_at(body, start + i)) << (8 * i);
    }
    word
}

/// The field number of the key whose string literal starts at `body[quote]` and was scanned as
/// `step`, if it is one of `fields` (a range of field numbers), or [`Field::UNKNOWN`].
fn field_id(body: &[u8], quote: usize, step: Step, fields: core::ops::Range<u32>) -> u32 {
    let (start, len) = (quote + 1, step.pos() - quote - 2);
    if step.has(Step::ESCAPED) {
        let key = string_text(body, quote, step);
        return fields
            .clone()
            .find(|&f| key.eq_str(FIELDS[f as usize].name))
            .unwrap_or(Field::UNKNOWN);
    }
    let candidate = u32::from(FIELD_SLOTS[slot(len, byte_at(body, start))]);
    let Some(field) = FIELDS.get(candidate as usize) else {
        return Field::UNKNOWN;
    };
    let name = field.name.as_bytes();
    let matches = fields.contains(&candidate)
        && name.len() == len
        && field.head == head_word(body, start, len)
        && (len <= 8 || bytes_eq(&body[start + 8..start + len], &name[8..]));
    if matches {
        candidate
    } else {
        Field::UNKNOWN
    }
}

/// The error of a failed step.
fn fault(step: Step) -> ErrorCode {
    step.error().unwrap_or(ErrorCode::MalformedJson)
}

/// Fails with the step's error, if any.
#[inline(always)]
fn check(step: Step) -> Result<(), ErrorCode> {
    match step.error() {
        Some(e) => Err(e),
        None => Ok(()),
    }
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
        assert!(include_str!("../../README.md").contains(CANONICAL_NOTE_ON));
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
