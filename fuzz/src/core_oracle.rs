//! Differential oracles for core-abi's parsers, against serde_json and postcard.
//!
//! One copy, two users: the fuzz targets reach this file through `midimon_fuzz::core_oracle`,
//! and `core-abi/tests/corpus_replay.rs` includes it with `#[path]` to replay `fuzz/corpus/` on
//! stable. It may therefore only use what both see: `core_abi` (without its `std` feature),
//! `serde`, `serde_json` and `postcard` (without `alloc`).
//!
//! Each `check_*` function panics, with the input in the message, when core-abi and the
//! reference disagree; returning means they agree (or the reference could not decide, see
//! [`Verdict::Undecided`]).
//!
//! The JSON reference is serde_json driven by hand-written visitors rather than
//! `serde_json::Value`, so that it keeps what `Value` loses: member order, duplicate keys (known
//! fields may appear once, metadata keys repeat with the last one winning), the difference
//! between integers and other numbers, and the point where the first fault is met. It mirrors
//! core-abi's documented rules: the first fault in reading order decides, a field of the wrong
//! type or out of range is `InvalidField`, a syntax or encoding fault is `MalformedJson`,
//! `InvalidUtf8` or `NestingTooDeep`.
//!
//! Two kinds of serde_json refusal leave the reference undecided, because RFC 8259 lets a
//! parser set these limits and the ABI sets them differently: numbers outside `f64`'s range
//! (`1e400`: serde_json refuses the text, core-abi only needs integers up to `u64::MAX` and skips
//! others), and nesting past serde_json's recursion limit (core-abi's own limit is
//! `MAX_NESTING` levels inside a skipped value, checked separately below).

#![allow(dead_code)]

use core::fmt;

use core_abi::binary::{self, BinaryHeader};
use core_abi::json::MAX_NESTING;
use core_abi::metadata::{self, MetadataError};
use core_abi::request::{self, MIDI_MAX};
use core_abi::{ErrorCode, Text};
use serde::de::{self, DeserializeSeed, Deserializer as _, MapAccess, SeqAccess, Visitor};

#[path = "request_text.rs"]
mod request_text;
pub use request_text::json_request;

/// Prefix of the custom serde errors the reference raises for a field fault.
const FIELD: &str = "\u{1}field";
/// Prefix of the custom serde errors that make the reference undecided.
const UNDECIDED: &str = "\u{1}undecided";

/// What the reference concludes about an input.
#[derive(Debug)]
pub enum Verdict<T> {
    /// Accepted, with the decoded value.
    Accept(T),
    /// Rejected for a syntax or encoding fault (JSON syntax, UTF-8, nesting).
    Syntax(String),
    /// Rejected for a field of the wrong type, out of range, duplicated or missing.
    Field(String),
    /// serde_json hit one of its own limits (numbers beyond f64, recursion): no verdict.
    Undecided(String),
}

/// The input, printable in a panic message (truncated).
pub struct Shown<'a>(pub &'a [u8]);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 600;
        let bytes = &self.0[..self.0.len().min(MAX)];
        write!(f, "{} bytes: b\"{}\"", self.0.len(), bytes.escape_ascii())?;
        if self.0.len() > MAX {
            f.write_str("...")?;
        }
        Ok(())
    }
}

fn classify<T>(error: &serde_json::Error) -> Verdict<T> {
    let message = error.to_string();
    if message.starts_with(FIELD) {
        Verdict::Field(message)
    } else if message.starts_with(UNDECIDED) || is_limit(&message) {
        Verdict::Undecided(message)
    } else {
        Verdict::Syntax(message)
    }
}

/// serde_json's own limits, as opposed to faults of the text.
fn is_limit(message: &str) -> bool {
    message.starts_with("number out of range") || message.starts_with("recursion limit exceeded")
}

/// Error conversion for a value the parser skips (unknown fields, the inside of a value of the
/// wrong type): a serde_json limit hit there makes the reference undecided.
fn in_skipped<E: de::Error>(error: E) -> E {
    let message = error.to_string();
    if is_limit(&message) {
        E::custom(format_args!("{UNDECIDED}: {message}"))
    } else {
        error
    }
}

/// Error conversion for the value of a known field: a number beyond f64 is a number that is
/// not a `u64` integer, i.e. a field fault, which core-abi reports the same way.
fn in_known<E: de::Error>(error: E) -> E {
    let message = error.to_string();
    if message.starts_with("number out of range") {
        E::custom(format_args!("{FIELD}: {message}"))
    } else {
        error
    }
}

fn field_fault<E: de::Error>(what: &str) -> E {
    E::custom(format_args!("{FIELD}: {what}"))
}

/// Any JSON value, validated by serde_json (strings fully: UTF-8, escapes, surrogates) and
/// thrown away. `IgnoredAny` would not do: serde_json skips its strings without checking them.
#[derive(Clone, Copy)]
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip).map_err(in_skipped)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<String>()?.is_some() {
            map.next_value_seed(Skip).map_err(in_skipped)?;
        }
        Ok(())
    }
}

/// Raises a field fault once the parser is on a member's value, without reading the value:
/// core-abi rejects a repeated known field right after its `:`.
struct FaultBeforeValue(&'static str);

impl<'de> DeserializeSeed<'de> for FaultBeforeValue {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
        Err(field_fault(self.0))
    }
}

/// Implements the visitor methods of a value of the wrong type: the value is validated (and
/// thrown away) first, then it is a field fault, as in core-abi's `wrong_type`. The visitor
/// names the field with an inherent `fn what(&self) -> &'static str`.
macro_rules! wrong_types {
    ($($kind:ident)*) => {
        $(wrong_types!(@one $kind);)*
    };
    (@one bool) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err(field_fault(self.what()))
        }
    };
    (@one i64) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err(field_fault(self.what()))
        }
    };
    (@one u64) => {
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err(field_fault(self.what()))
        }
    };
    (@one f64) => {
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(field_fault(self.what()))
        }
    };
    (@one str) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Err(field_fault(self.what()))
        }
    };
    (@one unit) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(field_fault(self.what()))
        }
    };
    (@one seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            SkipVisitor.visit_seq(seq)?;
            Err(field_fault(self.what()))
        }
    };
    (@one map) => {
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            SkipVisitor.visit_map(map)?;
            Err(field_fault(self.what()))
        }
    };
}

/// A string value (`action`, a metadata value): anything else is a field fault.
struct StringValue(&'static str);

impl StringValue {
    fn what(&self) -> &'static str {
        self.0
    }
}

impl<'de> DeserializeSeed<'de> for StringValue {
    type Value = String;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StringValue {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    wrong_types!(bool i64 u64 f64 unit seq map);
}

/// `null` or an integer in `0..=max`.
struct IntegerValue(u64, &'static str);

impl IntegerValue {
    fn what(&self) -> &'static str {
        self.1
    }
}

impl<'de> DeserializeSeed<'de> for IntegerValue {
    type Value = Option<u64>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<u64>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IntegerValue {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or an integer")
    }
    fn visit_unit<E>(self) -> Result<Option<u64>, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<u64>, E> {
        if v <= self.0 {
            Ok(Some(v))
        } else {
            Err(field_fault(self.1))
        }
    }
    // serde_json gives negative integers as i64, and fractions, exponents, `-0` and integers
    // beyond u64 as f64: none is a plain non-negative integer.
    wrong_types!(bool i64 f64 str seq map);
}

/// The reference's reading of a request.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RefRequest {
    /// Decoded action name.
    pub action: String,
    /// velocity, note, cc, value.
    pub midi: [Option<u8>; 4],
    /// 0 when absent.
    pub timestamp: u64,
    /// Metadata entries in order, duplicates included.
    pub metadata: Vec<(String, String)>,
}

const CONTEXT_FIELDS: [&str; 6] = ["velocity", "note", "cc", "value", "timestamp", "metadata"];

struct RequestVisitor;

impl<'de> Visitor<'de> for RequestVisitor {
    type Value = (Option<String>, RefRequest);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a request object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut action = None;
        let mut request = RefRequest::default();
        let mut seen_context = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "action" => {
                    if action.is_some() {
                        map.next_value_seed(FaultBeforeValue("duplicate action"))?;
                    }
                    action = Some(
                        map.next_value_seed(StringValue("action"))
                            .map_err(in_known)?,
                    );
                }
                "context" => {
                    if seen_context {
                        map.next_value_seed(FaultBeforeValue("duplicate context"))?;
                    }
                    seen_context = true;
                    let context = map.next_value_seed(ContextValue).map_err(in_known)?;
                    request = RefRequest {
                        action: String::new(),
                        ..context
                    };
                }
                _ => map.next_value_seed(Skip).map_err(in_skipped)?,
            }
        }
        Ok((action, request))
    }
}

struct ContextValue;

impl ContextValue {
    fn what(&self) -> &'static str {
        "context"
    }
}

impl<'de> DeserializeSeed<'de> for ContextValue {
    type Value = RefRequest;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<RefRequest, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ContextValue {
    type Value = RefRequest;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or a context object")
    }
    fn visit_unit<E>(self) -> Result<RefRequest, E> {
        Ok(RefRequest::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RefRequest, A::Error> {
        let mut context = RefRequest::default();
        let mut seen = [false; 6];
        while let Some(key) = map.next_key::<String>()? {
            let Some(index) = CONTEXT_FIELDS.iter().position(|name| *name == key) else {
                map.next_value_seed(Skip).map_err(in_skipped)?;
                continue;
            };
            if std::mem::replace(&mut seen[index], true) {
                map.next_value_seed(FaultBeforeValue("duplicate context field"))?;
            }
            match index {
                0..=3 => {
                    let v = map
                        .next_value_seed(IntegerValue(u64::from(MIDI_MAX), CONTEXT_FIELDS[index]))
                        .map_err(in_known)?;
                    context.midi[index] = v.map(|v| u8::try_from(v).expect("checked range"));
                }
                4 => {
                    let v = map
                        .next_value_seed(IntegerValue(u64::MAX, "timestamp"))
                        .map_err(in_known)?;
                    context.timestamp = v.unwrap_or(0);
                }
                _ => context.metadata = map.next_value_seed(MetadataValue).map_err(in_known)?,
            }
        }
        Ok(context)
    }
    wrong_types!(bool i64 u64 f64 str seq);
}

struct MetadataValue;

impl MetadataValue {
    fn what(&self) -> &'static str {
        "metadata"
    }
}

impl<'de> DeserializeSeed<'de> for MetadataValue {
    type Value = Vec<(String, String)>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MetadataValue {
    type Value = Vec<(String, String)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or an object of strings")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map
                .next_value_seed(StringValue("metadata value"))
                .map_err(in_known)?;
            entries.push((key, value));
        }
        Ok(entries)
    }
    wrong_types!(bool i64 u64 f64 str seq);
}

fn is_json_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// serde_json's reading of a request body under the ABI's rules.
pub fn reference_request(bytes: &[u8]) -> Verdict<RefRequest> {
    // core-abi wants an object before anything else; serde_json would first parse whatever
    // value is there, so decide a non-object up front (a syntax fault either way).
    if bytes.iter().copied().find(|&b| !is_json_ws(b)) != Some(b'{') {
        return Verdict::Syntax("not an object".into());
    }
    let bytes = &split_leading_zeros(bytes);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = de
        .deserialize_map(RequestVisitor)
        .and_then(|value| de.end().map(|()| value));
    match parsed {
        Ok((Some(action), request)) => Verdict::Accept(RefRequest { action, ..request }),
        Ok((None, _)) => Verdict::Field("no action".into()),
        Err(e) => classify(&e),
    }
}

/// `06` is the number `0` followed by a stray `6` to core-abi, which can therefore report a
/// field fault on the `0` first; serde_json reads `06` as one invalid number. Writing a space
/// between them (outside strings, for a leading zero of an integer part) makes serde_json see
/// the same tokens; the input was invalid either way.
fn split_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let (mut in_string, mut escaped) = (false, false);
    for (i, &b) in bytes.iter().enumerate() {
        out.push(b);
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if b == b'"' {
            in_string = true;
            continue;
        }
        let before = |back: usize| i.checked_sub(back).map_or(b' ', |j| bytes[j]);
        let starts_integer = match before(1) {
            b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' => false,
            b'-' => !matches!(before(2), b'e' | b'E'),
            _ => true,
        };
        if b == b'0' && starts_integer && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            out.push(b' ');
        }
    }
    out
}

/// serde_json's verdict on `bytes` as one JSON document.
pub fn reference_validate(bytes: &[u8]) -> Verdict<()> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match Skip.deserialize(&mut de).and_then(|()| de.end()) {
        Ok(()) => Verdict::Accept(()),
        Err(e) => classify(&e),
    }
}

/// Deepest nesting of arrays and objects outside strings (for any bytes, valid or not).
pub fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn is_syntax_code(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::MalformedJson | ErrorCode::InvalidUtf8 | ErrorCode::NestingTooDeep
    )
}

/// Internal consistency of an error code with the bytes, whatever the reference says.
fn check_error_code(bytes: &[u8], code: ErrorCode, who: &str) {
    match code {
        ErrorCode::InvalidUtf8 => assert!(
            std::str::from_utf8(bytes).is_err(),
            "{who}: InvalidUtf8 for valid UTF-8, {}",
            Shown(bytes)
        ),
        ErrorCode::NestingTooDeep => assert!(
            nesting_depth(bytes) > MAX_NESTING,
            "{who}: NestingTooDeep at depth {} (limit {MAX_NESTING}), {}",
            nesting_depth(bytes),
            Shown(bytes)
        ),
        _ => {}
    }
}

/// `core_abi::json::validate` against serde_json.
pub fn check_json_validate(bytes: &[u8]) {
    let ours = core_abi::json::validate(bytes);
    if let Err(code) = ours {
        assert!(
            is_syntax_code(code),
            "validate: {code:?} is not a syntax code, {}",
            Shown(bytes)
        );
        check_error_code(bytes, code, "validate");
    }
    match (reference_validate(bytes), ours) {
        (Verdict::Accept(()), Err(code)) => {
            panic!(
                "validate: serde_json accepts, core-abi says {code:?}, {}",
                Shown(bytes)
            )
        }
        (Verdict::Syntax(why), Ok(())) => {
            panic!(
                "validate: core-abi accepts, serde_json says {why}, {}",
                Shown(bytes)
            )
        }
        (Verdict::Field(why), _) => unreachable!("no field rules in validate: {why}"),
        _ => {}
    }
}

/// `core_abi::request::parse_request` against serde_json; on agreement, every view of the
/// parsed request (`Text` in all its forms, `Metadata::get/iter/len`) against the reference.
pub fn check_request_json(bytes: &[u8]) {
    check_json_validate(bytes);
    let ours = request::parse_request(bytes);
    if let Err(code) = ours {
        assert!(
            is_syntax_code(code) || code == ErrorCode::InvalidField,
            "parse_request: unexpected {code:?}, {}",
            Shown(bytes)
        );
        check_error_code(bytes, code, "parse_request");
    }
    // A request that parses is valid JSON.
    if ours.is_ok() {
        assert_eq!(
            core_abi::json::validate(bytes),
            Ok(()),
            "parse_request accepts invalid JSON, {}",
            Shown(bytes)
        );
    }
    match (reference_request(bytes), &ours) {
        (Verdict::Accept(expected), Ok(request)) => {
            compare_request(bytes, request, &expected);
            compare_with_value(bytes, request);
        }
        (Verdict::Accept(expected), Err(code)) => {
            panic!("parse_request: serde_json reads {expected:?}, core-abi says {code:?}, {}", Shown(bytes))
        }
        (Verdict::Syntax(why), Ok(_)) | (Verdict::Field(why), Ok(_)) => {
            panic!("parse_request: core-abi accepts, serde_json says {why}, {}", Shown(bytes))
        }
        (Verdict::Syntax(why), Err(code)) => assert!(
            is_syntax_code(*code),
            "parse_request: serde_json finds a syntax fault first ({why}), core-abi says {code:?}, {}",
            Shown(bytes)
        ),
        (Verdict::Field(why), Err(code)) => assert!(
            *code == ErrorCode::InvalidField,
            "parse_request: serde_json finds a field fault first ({why}), core-abi says {code:?}, {}",
            Shown(bytes)
        ),
        (Verdict::Undecided(_), _) => {}
    }
}

/// Every way of reading a `Text` gives the reference's string.
pub fn compare_text(bytes: &[u8], text: Text<'_>, expected: &str, what: &str) {
    let shown = Shown(bytes);
    // `Text` is built with `from_utf8_unchecked`: check the invariant it relies on.
    assert!(
        std::str::from_utf8(text.raw().as_bytes()).is_ok(),
        "{what}: raw text is not UTF-8, {shown}"
    );
    assert!(
        text.eq_str(expected),
        "{what}: eq_str({expected:?}) is false for {text:?}, {shown}"
    );
    assert!(
        text == expected,
        "{what}: == {expected:?} is false, {shown}"
    );
    assert_eq!(text.to_string(), expected, "{what}: Display, {shown}");
    assert_eq!(
        text.chars().collect::<String>(),
        expected,
        "{what}: chars(), {shown}"
    );
    assert_eq!(
        text.bytes().collect::<Vec<u8>>(),
        expected.as_bytes(),
        "{what}: bytes(), {shown}"
    );
    assert_eq!(
        text.decoded_len(),
        expected.len(),
        "{what}: decoded_len(), {shown}"
    );
    assert_eq!(
        text.is_empty(),
        expected.is_empty(),
        "{what}: is_empty(), {shown}"
    );
    if let Some(plain) = text.as_plain() {
        assert_eq!(plain, expected, "{what}: as_plain(), {shown}");
    }
    assert_eq!(text, Text::plain(expected), "{what}: Text == Text, {shown}");
    // One character more or less must not compare equal.
    let mut longer = expected.to_owned();
    longer.push('x');
    assert!(
        !text.eq_str(&longer),
        "{what}: equal to {longer:?}, {shown}"
    );
    if let Some((cut, _)) = expected.char_indices().last() {
        assert!(
            !text.eq_str(&expected[..cut]),
            "{what}: equal to a prefix, {shown}"
        );
    }
    let mut buf = [0u8; 64];
    let capacity = buf.len();
    let decoded = text.decode_into(&mut buf);
    if expected.len() <= capacity {
        assert_eq!(decoded, Some(expected), "{what}: decode_into, {shown}");
    } else {
        assert_eq!(decoded, None, "{what}: decode_into a small buffer, {shown}");
    }
    let heapless = text.to_heapless::<16>();
    if expected.len() <= 16 {
        assert_eq!(
            heapless.as_deref(),
            Some(expected),
            "{what}: to_heapless, {shown}"
        );
    } else {
        assert!(
            heapless.is_none(),
            "{what}: to_heapless past capacity, {shown}"
        );
    }
    let number = if !expected.is_empty() && expected.bytes().all(|b| b.is_ascii_digit()) {
        expected.parse::<u32>().ok()
    } else {
        None
    };
    assert_eq!(text.parse_u32(), number, "{what}: parse_u32, {shown}");
}

fn compare_request(bytes: &[u8], request: &request::Request<'_>, expected: &RefRequest) {
    let shown = Shown(bytes);
    compare_text(bytes, request.action, &expected.action, "action");
    let c = &request.context;
    assert_eq!(
        [c.velocity, c.note, c.cc, c.value],
        expected.midi,
        "velocity/note/cc/value, {shown}"
    );
    assert_eq!(c.timestamp, expected.timestamp, "timestamp, {shown}");
    compare_metadata(bytes, &c.metadata, &expected.metadata);
}

/// `Metadata` against the reference's entries: order, duplicates, last one wins.
pub fn compare_metadata(
    bytes: &[u8],
    metadata: &request::Metadata<'_>,
    expected: &[(String, String)],
) {
    let shown = Shown(bytes);
    assert_eq!(metadata.len(), expected.len(), "metadata.len(), {shown}");
    assert_eq!(
        metadata.is_empty(),
        expected.is_empty(),
        "metadata.is_empty(), {shown}"
    );
    let mut count = 0;
    for ((key, value), (k, v)) in metadata.iter().zip(expected) {
        compare_text(bytes, key, k, "metadata key");
        compare_text(bytes, value, v, "metadata value");
        count += 1;
    }
    assert_eq!(count, expected.len(), "metadata.iter() length, {shown}");
    assert_eq!(
        metadata.iter().count(),
        expected.len(),
        "metadata.iter().count(), {shown}"
    );
    for (k, _) in expected {
        let last = &expected
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .expect("present")
            .1;
        let got = metadata.get(k);
        assert!(got.is_some(), "metadata.get({k:?}) is None, {shown}");
        compare_text(bytes, got.expect("checked"), last, "metadata.get");
    }
    // A key that is not there (the fuzzer finds any fixed string through comparison tracing).
    let mut absent = String::from("\u{1}absent");
    while expected.iter().any(|(k, _)| *k == absent) {
        absent.push('!');
    }
    assert!(
        metadata.get(&absent).is_none(),
        "metadata.get of an absent key, {shown}"
    );
    let _ = format!("{metadata:?}");
}

/// The same bytes through `serde_json::Value`, when it can represent them (it drops duplicate
/// keys, keeping the last, and has serde_json's limits).
fn compare_with_value(bytes: &[u8], request: &request::Request<'_>) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return;
    };
    let shown = Shown(bytes);
    let action = value["action"]
        .as_str()
        .expect("accepted request has a string action");
    assert!(
        request.action.eq_str(action),
        "action vs serde_json::Value, {shown}"
    );
    let context = &value["context"];
    for (name, ours) in CONTEXT_FIELDS[..4].iter().zip([
        request.context.velocity,
        request.context.note,
        request.context.cc,
        request.context.value,
    ]) {
        assert_eq!(
            context[name].as_u64(),
            ours.map(u64::from),
            "{name} vs serde_json::Value, {shown}"
        );
    }
    assert_eq!(
        context["timestamp"].as_u64().unwrap_or(0),
        request.context.timestamp,
        "timestamp vs Value, {shown}"
    );
    if let Some(map) = context["metadata"].as_object() {
        assert!(
            map.len() <= request.context.metadata.len(),
            "metadata size vs Value, {shown}"
        );
        for (k, v) in map {
            let ours = request.context.metadata.get(k);
            assert!(
                ours.is_some_and(|t| t.eq_str(v.as_str().expect("string value"))),
                "metadata[{k:?}] vs serde_json::Value (last wins), {shown}"
            );
        }
    } else {
        assert!(
            request.context.metadata.is_empty(),
            "metadata vs Value, {shown}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Metadata JSON (what `init` returns), against serde_json and the rules written out again.

/// An order-preserving, duplicate-keeping JSON tree.
#[derive(Debug, Clone)]
enum Tree {
    Scalar,
    /// The decoded string, and whether it was written with escapes.
    Str(String, bool),
    Arr(Vec<Tree>),
    Obj(Vec<(String, Tree)>),
}

struct TreeSeed;

impl<'de> DeserializeSeed<'de> for TreeSeed {
    type Value = Tree;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Tree, D::Error> {
        d.deserialize_any(TreeVisitor)
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Tree, E> {
        Ok(Tree::Scalar)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Tree, E> {
        Ok(Tree::Scalar)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Tree, E> {
        Ok(Tree::Scalar)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Tree, E> {
        Ok(Tree::Scalar)
    }
    fn visit_unit<E>(self) -> Result<Tree, E> {
        Ok(Tree::Scalar)
    }
    // serde_json lends a string straight from the input when it holds no escapes, and passes
    // a decoded copy otherwise.
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Tree, E> {
        Ok(Tree::Str(v.to_owned(), false))
    }
    fn visit_str<E>(self, v: &str) -> Result<Tree, E> {
        Ok(Tree::Str(v.to_owned(), true))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(TreeSeed).map_err(in_skipped)? {
            items.push(item);
        }
        Ok(Tree::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            members.push((key, map.next_value_seed(TreeSeed).map_err(in_skipped)?));
        }
        Ok(Tree::Obj(members))
    }
}

/// The reference's reading of valid metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct RefMetadata {
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: String,
    /// `description`, empty when absent.
    pub description: String,
    /// `author`, empty when absent.
    pub author: String,
    /// `actions`, in order.
    pub actions: Vec<String>,
    /// `(filesystem, network)`.
    pub capabilities: (bool, bool),
}

/// Semantic Versioning 2.0.0, written from the grammar at semver.org (independently of
/// core-abi's `is_semver`), with no limit on length or on the size of numbers.
pub fn semver_spec(v: &str) -> bool {
    fn numeric(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    }
    fn identifier(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    }
    let (rest, build) = match v.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (v, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| numeric(p))
        && pre.is_none_or(|pre| {
            pre.split('.').all(|id| {
                identifier(id) && (!id.bytes().all(|b| b.is_ascii_digit()) || numeric(id))
            })
        })
        && build.is_none_or(|build| build.split('.').all(identifier))
}

/// The metadata rules of `validate_metadata_json`'s documentation, applied to serde_json's tree.
pub fn reference_metadata(json: &[u8]) -> Result<Verdict<RefMetadata>, MetadataError> {
    if json.len() > core_abi::abi::MAX_METADATA_LEN {
        return Err(MetadataError::TooLarge { len: json.len() });
    }
    let mut de = serde_json::Deserializer::from_slice(json);
    let tree = match TreeSeed
        .deserialize(&mut de)
        .and_then(|tree| de.end().map(|()| tree))
    {
        Ok(tree) => tree,
        Err(e) => return Ok(classify(&e)),
    };
    let Tree::Obj(members) = tree else {
        return Err(MetadataError::NotAnObject);
    };
    const TEXT: [&str; 4] = ["name", "version", "description", "author"];
    let mut text: [Option<(String, bool)>; 4] = Default::default();
    let mut actions: Option<Vec<String>> = None;
    let mut capabilities: Option<(bool, bool)> = None;
    let strings = |value: &Tree| match value {
        Tree::Arr(items) => items
            .iter()
            .map(|item| match item {
                Tree::Str(s, _) => Some(s.clone()),
                _ => None,
            })
            .collect::<Option<Vec<String>>>(),
        _ => None,
    };
    let mut first_error = None;
    for (key, value) in &members {
        let outcome = if let Some(i) = TEXT.iter().position(|t| t == key) {
            match value {
                Tree::Str(..) if text[i].is_some() => Err(MetadataError::DuplicateField(TEXT[i])),
                Tree::Str(s, escaped) => {
                    text[i] = Some((s.clone(), *escaped));
                    Ok(())
                }
                _ => Err(MetadataError::WrongType(TEXT[i])),
            }
        } else if key == "actions" {
            match strings(value) {
                None => Err(MetadataError::WrongType("actions")),
                Some(_) if actions.is_some() => Err(MetadataError::DuplicateField("actions")),
                Some(list) => {
                    actions = Some(list);
                    Ok(())
                }
            }
        } else if key == "capabilities" {
            match strings(value) {
                None => Err(MetadataError::WrongType("capabilities")),
                Some(list) => {
                    let mut set = (false, false);
                    let mut outcome = Ok(());
                    for (index, name) in list.iter().enumerate() {
                        let slot = match name.as_str() {
                            "filesystem" => &mut set.0,
                            "network" => &mut set.1,
                            _ => {
                                outcome = Err(MetadataError::UnknownCapability { index });
                                break;
                            }
                        };
                        if std::mem::replace(slot, true) {
                            outcome = Err(MetadataError::DuplicateCapability { index });
                            break;
                        }
                    }
                    outcome.and_then(|()| {
                        if capabilities.replace(set).is_some() {
                            Err(MetadataError::DuplicateField("capabilities"))
                        } else {
                            Ok(())
                        }
                    })
                }
            }
        } else {
            Ok(())
        };
        if let Err(e) = outcome {
            first_error.get_or_insert(e);
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let [name, version, description, author] = text;
    let name = name.ok_or(MetadataError::MissingField("name"))?.0;
    let (version, version_escaped) = version.ok_or(MetadataError::MissingField("version"))?;
    let actions = actions.ok_or(MetadataError::MissingField("actions"))?;
    if name.is_empty() {
        return Err(MetadataError::EmptyName);
    }
    // A deliberate limit of core-abi (see `validate_metadata_json`): a version written with
    // escapes is decoded into 256 bytes before it is checked. Unescaped versions have no limit.
    if !semver_spec(&version) || (version_escaped && version.len() > 256) {
        return Err(MetadataError::InvalidVersion);
    }
    if actions.is_empty() {
        return Err(MetadataError::NoActions);
    }
    for (index, action) in actions.iter().enumerate() {
        if action.is_empty() {
            return Err(MetadataError::EmptyAction { index });
        }
        if actions[..index].contains(action) {
            return Err(MetadataError::DuplicateAction { index });
        }
    }
    Ok(Verdict::Accept(RefMetadata {
        name,
        version,
        description: description.map(|d| d.0).unwrap_or_default(),
        author: author.map(|a| a.0).unwrap_or_default(),
        actions,
        capabilities: capabilities.unwrap_or_default(),
    }))
}

/// `validate_metadata_json` against the reference.
pub fn check_metadata_json(json: &[u8]) {
    let shown = Shown(json);
    let ours = metadata::validate_metadata_json(json);
    // Syntax faults are exactly `json::validate`'s.
    let syntax = match core_abi::json::validate(json) {
        _ if json.len() > core_abi::abi::MAX_METADATA_LEN => None,
        Ok(()) => None,
        Err(ErrorCode::InvalidUtf8) => Some(MetadataError::InvalidUtf8),
        Err(ErrorCode::NestingTooDeep) => Some(MetadataError::NestingTooDeep),
        Err(_) => Some(MetadataError::MalformedJson),
    };
    if let Some(expected) = syntax {
        assert_eq!(
            ours.as_ref().err(),
            Some(&expected),
            "metadata: syntax fault, {shown}"
        );
    }
    check_json_validate(json);
    match (reference_metadata(json), ours) {
        (Ok(Verdict::Accept(expected)), Ok(view)) => {
            compare_text(json, view.name, &expected.name, "name");
            compare_text(json, view.version, &expected.version, "version");
            compare_text(json, view.description, &expected.description, "description");
            compare_text(json, view.author, &expected.author, "author");
            assert_eq!(
                (view.capabilities.filesystem, view.capabilities.network),
                expected.capabilities,
                "capabilities, {shown}"
            );
            assert_eq!(
                view.action_count(),
                expected.actions.len(),
                "action_count, {shown}"
            );
            let listed: Vec<Text<'_>> = view.actions().collect();
            assert_eq!(listed.len(), expected.actions.len(), "actions(), {shown}");
            for (index, (text, action)) in listed.into_iter().zip(&expected.actions).enumerate() {
                compare_text(json, text, action, "action");
                assert_eq!(
                    view.action_index(action),
                    Some(index),
                    "action_index({action:?}), {shown}"
                );
            }
            let mut absent = String::from("\u{1}absent");
            while expected.actions.contains(&absent) {
                absent.push('!');
            }
            assert_eq!(
                view.action_index(&absent),
                None,
                "action_index of an absent name, {shown}"
            );
            // What the host accepts, the plugin side's own check accepts too.
            let actions: Vec<&str> = expected.actions.iter().map(String::as_str).collect();
            let mut caps = Vec::new();
            if expected.capabilities.0 {
                caps.push(core_abi::Capability::Filesystem);
            }
            if expected.capabilities.1 {
                caps.push(core_abi::Capability::Network);
            }
            let built = core_abi::PluginMetadata {
                name: &expected.name,
                version: &expected.version,
                description: &expected.description,
                author: &expected.author,
                actions: &actions,
                capabilities: &caps,
            };
            assert_eq!(
                built.validate(),
                Ok(()),
                "PluginMetadata::validate disagrees, {shown}"
            );
        }
        (Ok(Verdict::Accept(expected)), Err(e)) => {
            panic!("metadata: the rules accept {expected:?}, core-abi says {e:?}, {shown}")
        }
        (Ok(Verdict::Syntax(why)), ours) => assert!(
            matches!(
                ours,
                Err(MetadataError::MalformedJson
                    | MetadataError::InvalidUtf8
                    | MetadataError::NestingTooDeep)
            ),
            "metadata: serde_json says {why}, core-abi says {ours:?}, {shown}"
        ),
        (Ok(Verdict::Field(why)), _) => unreachable!("no field verdicts for metadata: {why}"),
        (Ok(Verdict::Undecided(_)), _) => {}
        (Err(expected), ours) => {
            assert_eq!(
                ours.err(),
                Some(expected),
                "metadata: expected {expected:?}, {shown}"
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Binary (postcard) requests.

/// The metadata pairs as postcard reads them on a 32-bit target such as wasm32, the plugins'
/// target: postcard writes a sequence's count and a string's length as a `usize` varint, which
/// is a `u32` varint there (at most 5 bytes) but a `u64` one (up to 10 bytes) on a 64-bit host.
/// The ABI is the plugin's, so each varint is read by postcard as a `u32`; the bytes must be
/// exactly the pairs.
fn postcard_pairs_32(bytes: &[u8]) -> Option<Vec<(&str, &str)>> {
    let (count, mut rest) = postcard::take_from_bytes::<u32>(bytes).ok()?;
    let mut pairs = Vec::new();
    for _ in 0..count {
        let mut pair = [""; 2];
        for slot in &mut pair {
            let (len, after) = postcard::take_from_bytes::<u32>(rest).ok()?;
            let (text, after) = after.split_at_checked(usize::try_from(len).ok()?)?;
            *slot = std::str::from_utf8(text).ok()?;
            rest = after;
        }
        pairs.push((pair[0], pair[1]));
    }
    rest.is_empty().then_some(pairs)
}

/// A binary request as postcard reads it: the header and the metadata pairs.
type Decoded<'a> = (BinaryHeader, Vec<(&'a str, &'a str)>);

/// `binary::decode` against postcard's own deserializer, then the decoded request against the
/// JSON path: the same event written as JSON must parse to the same context.
pub fn check_request_postcard(bytes: &[u8]) {
    let shown = Shown(bytes);
    let ours = binary::decode(bytes);
    let reference: Result<Decoded<'_>, ErrorCode> =
        match postcard::take_from_bytes::<BinaryHeader>(bytes) {
            Err(_) => Err(ErrorCode::MalformedBinary),
            Ok((h, _))
                if [h.velocity, h.note, h.cc, h.value]
                    .into_iter()
                    .flatten()
                    .any(|v| v > MIDI_MAX) =>
            {
                Err(ErrorCode::InvalidField)
            }
            Ok((h, rest)) => match postcard_pairs_32(rest) {
                Some(pairs) => {
                    // What a 32-bit postcard reads, a 64-bit one reads the same way.
                    let wide = postcard::take_from_bytes::<Vec<(&str, &str)>>(rest);
                    assert_eq!(
                        wide.ok(),
                        Some((pairs.clone(), &[][..])),
                        "postcard, 64-bit, {shown}"
                    );
                    Ok((h, pairs))
                }
                None => Err(ErrorCode::MalformedBinary),
            },
        };
    let (header, pairs) = match (reference, ours) {
        (Err(expected), Err(code)) => {
            assert_eq!(code, expected, "decode: error code, {shown}");
            return;
        }
        (Err(expected), Ok(decoded)) => {
            panic!("decode: postcard says {expected:?}, core-abi reads {decoded:?}, {shown}")
        }
        (Ok(expected), Err(code)) => {
            panic!("decode: postcard reads {expected:?}, core-abi says {code:?}, {shown}")
        }
        (Ok(expected), Ok(decoded)) => {
            let c = &decoded.context;
            let h = &expected.0;
            assert_eq!(decoded.action_index, h.action, "action index, {shown}");
            assert_eq!(
                [c.velocity, c.note, c.cc, c.value],
                [h.velocity, h.note, h.cc, h.value],
                "midi fields, {shown}"
            );
            assert_eq!(c.timestamp, h.timestamp, "timestamp, {shown}");
            let owned: Vec<(String, String)> = expected
                .1
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            compare_metadata(bytes, &c.metadata, &owned);
            // Resolution against a list of declared actions.
            let actions = ["zero", "one", "two"];
            match decoded.resolve(&actions) {
                Ok(request) => compare_text(
                    bytes,
                    request.action,
                    actions[h.action as usize],
                    "resolved action",
                ),
                Err(code) => {
                    assert!(
                        h.action as usize >= actions.len(),
                        "resolve: {code:?}, {shown}"
                    );
                    assert_eq!(
                        code,
                        ErrorCode::UnknownAction,
                        "resolve past the end, {shown}"
                    );
                }
            }
            (expected.0, owned)
        }
    };
    // Re-encoding gives postcard's canonical bytes, which decode to the same request.
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut buf = vec![0u8; bytes.len() + 16];
    let canonical =
        binary::encode(&header, &borrowed, &mut buf).expect("fits: never longer than the input");
    let again = binary::decode(canonical).expect("canonical encoding decodes");
    assert_eq!(
        again.context.timestamp, header.timestamp,
        "re-encoded, {shown}"
    );
    assert_eq!(
        again.context.metadata.len(),
        pairs.len(),
        "re-encoded metadata, {shown}"
    );
    // The same event as a JSON request, written with serde_json (keys kept in order, duplicates
    // included), parses to the same context.
    let json = json_request("a", &header, &pairs);
    let request = match request::parse_request(json.as_bytes()) {
        Ok(request) => request,
        Err(code) => {
            panic!("the JSON form of a binary request fails with {code:?}: {json}, {shown}")
        }
    };
    let c = &request.context;
    assert_eq!(
        [c.velocity, c.note, c.cc, c.value],
        [header.velocity, header.note, header.cc, header.value]
    );
    assert_eq!(c.timestamp, header.timestamp);
    compare_metadata(json.as_bytes(), &c.metadata, &pairs);
}
