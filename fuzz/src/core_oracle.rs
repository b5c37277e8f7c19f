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
//!
//! Metadata (`init`'s JSON) has two references: the documented rules written out again over
//! serde_json's order-keeping tree ([`reference_metadata`]: load verdict, fields, README issues
//! in order), and, for the load verdict alone, a serde-derived copy of MIDIMon's own struct
//! read as the daemon reads it ([`check_metadata_daemon`], with its known differences listed at
//! [`known_daemon_difference`]).

#![allow(dead_code)]

use core::fmt;

use core_abi::binary::{self, BinaryHeader};
use core_abi::json::MAX_NESTING;
use core_abi::metadata::{self, ActionsForm, MetadataError, MetadataView, PluginType};
use core_abi::request::{self, MIDI_MAX};
use core_abi::{Capability, ErrorCode, Text};
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
// Metadata JSON (what `init` returns): the documented rules written out again over serde_json's
// tree, and MIDIMon's own reading (a derived serde struct) for the load verdict.

/// An order-preserving, duplicate-keeping JSON tree.
#[derive(Debug, Clone)]
enum Tree {
    Null,
    /// A boolean or a number.
    Scalar,
    /// The decoded string, and whether it was written with escapes.
    Str(String, bool),
    Arr(Vec<Tree>),
    Obj(Vec<(String, Tree)>),
}

/// Which members of an object the tree keeps. The rules only look at the document's known
/// members and, inside `actions`, at each object's `name` members; every other member is skipped
/// unread (`IgnoredAny`), as MIDIMon's struct skips it. So a number beyond `f64` or deep nesting
/// there does not leave the reference undecided. Skipping is lenient (surrogate escapes are not
/// paired, nesting is not limited), so the reference only judges text that `json::validate`
/// accepts; `check_json_validate` holds that to serde_json's full parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Every member of every object.
    All,
    /// The top level: the members `reference_metadata` reads, `actions` as [`Keep::Actions`].
    Document,
    /// The `actions` value: its items as [`Keep::ActionItem`].
    Actions,
    /// An item of `actions`: only its `name` members.
    ActionItem,
}

/// The top-level members the rules read: MIDIMon's required six first, then the optional ones.
pub const METADATA_FIELDS: [&str; 9] = [
    "name",
    "version",
    "description",
    "author",
    "license",
    "type",
    "homepage",
    "capabilities",
    "actions",
];

struct TreeSeed(Keep);

impl<'de> DeserializeSeed<'de> for TreeSeed {
    type Value = Tree;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Tree, D::Error> {
        d.deserialize_any(TreeVisitor(self.0))
    }
}

struct TreeVisitor(Keep);

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
        Ok(Tree::Null)
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
        let keep = match self.0 {
            Keep::Actions => Keep::ActionItem,
            _ => Keep::All,
        };
        while let Some(item) = seq.next_element_seed(TreeSeed(keep)).map_err(in_skipped)? {
            items.push(item);
        }
        Ok(Tree::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let keep = match (self.0, key.as_str()) {
                (Keep::Document, "actions") => Keep::Actions,
                (Keep::Document, key) if METADATA_FIELDS.contains(&key) => Keep::All,
                (Keep::ActionItem, "name") | (Keep::All | Keep::Actions, _) => Keep::All,
                (Keep::Document | Keep::ActionItem, _) => {
                    map.next_value::<de::IgnoredAny>()?;
                    continue;
                }
            };
            members.push((
                key,
                map.next_value_seed(TreeSeed(keep)).map_err(in_skipped)?,
            ));
        }
        Ok(Tree::Obj(members))
    }
}

/// The reference's reading of metadata that MIDIMon loads.
#[derive(Debug, Clone, PartialEq)]
pub struct RefMetadata {
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: String,
    /// `description`.
    pub description: String,
    /// `author`.
    pub author: String,
    /// `license`.
    pub license: String,
    /// `type`.
    pub plugin_type: PluginType,
    /// `homepage` when it is a string (`null` and absent are both `None`).
    pub homepage: Option<String>,
    /// `capabilities` in the document's order, repeats included (empty when absent).
    pub capabilities: Vec<Capability>,
    /// `actions` when it is a single readable list: the names, and how they are written.
    pub actions: Option<(Vec<String>, ActionsForm)>,
    /// The template README's rules it breaks, in `conformance_issues` order.
    pub issues: Vec<MetadataError>,
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

/// How the reference lets an enum value (`type`, a capability) be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EnumSpelling {
    /// As a string, which is what the rules (and core-abi) accept.
    Str,
    /// Also as serde's externally tagged form of a unit variant, `{"action":null}`: MIDIMon's
    /// derived `Deserialize` accepts it, core-abi does not. Only used to confirm that this is
    /// the sole reason of a disagreement with MIDIMon's struct (see
    /// [`known_daemon_difference`], exception `ENUM_WRITTEN_AS_MAP`).
    StrOrMap,
}

/// The variant name an enum value spells, if it is spelled in a way `spelling` allows.
fn variant_name(value: &Tree, spelling: EnumSpelling) -> Option<&str> {
    match value {
        Tree::Str(name, _) => Some(name),
        Tree::Obj(members) if spelling == EnumSpelling::StrOrMap => match members.as_slice() {
            [(name, Tree::Null)] => Some(name),
            _ => None,
        },
        _ => None,
    }
}

/// The capability MIDIMon spells `name` (its six names, lowercase, one word).
fn capability_named(name: &str) -> Option<Capability> {
    Some(match name {
        "network" => Capability::Network,
        "filesystem" => Capability::Filesystem,
        "audio" => Capability::Audio,
        "midi" => Capability::Midi,
        "subprocess" => Capability::Subprocess,
        "systemcontrol" => Capability::SystemControl,
        _ => return None,
    })
}

/// `capabilities`: an array of strings (else the wrong type), each a known name (else the first
/// unknown one).
fn capability_list(value: &Tree, spelling: EnumSpelling) -> Result<Vec<Capability>, MetadataError> {
    let Tree::Arr(items) = value else {
        return Err(MetadataError::WrongType("capabilities"));
    };
    let names: Vec<&str> = items
        .iter()
        .map(|item| variant_name(item, spelling))
        .collect::<Option<_>>()
        .ok_or(MetadataError::WrongType("capabilities"))?;
    names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            capability_named(name).ok_or(MetadataError::UnknownCapability { index })
        })
        .collect()
}

/// `actions` (every occurrence of it): one array of strings, or of objects each with a string
/// `name` (the first such member); twice is a duplicate whatever the values.
fn action_list(values: &[&Tree]) -> Result<(Vec<String>, ActionsForm), MetadataError> {
    let value = match values {
        [] => return Err(MetadataError::MissingField("actions")),
        [one] => *one,
        _ => return Err(MetadataError::DuplicateField("actions")),
    };
    let Tree::Arr(items) = value else {
        return Err(MetadataError::WrongType("actions"));
    };
    let strings: Option<Vec<String>> = items
        .iter()
        .map(|item| match item {
            Tree::Str(s, _) => Some(s.clone()),
            _ => None,
        })
        .collect();
    if let Some(names) = strings {
        return Ok((names, ActionsForm::Strings));
    }
    let named: Option<Vec<String>> = items
        .iter()
        .map(|item| match item {
            Tree::Obj(members) => members.iter().find_map(|(key, value)| match value {
                Tree::Str(s, _) if key == "name" => Some(s.clone()),
                _ => None,
            }),
            _ => None,
        })
        .collect();
    named
        .map(|names| (names, ActionsForm::Objects))
        .ok_or(MetadataError::WrongType("actions"))
}

/// The README's rules on a list of action names: at least one, none empty, none twice.
fn action_names_fault(names: &[String]) -> Option<MetadataError> {
    if names.is_empty() {
        return Some(MetadataError::NoActions);
    }
    names.iter().enumerate().find_map(|(index, name)| {
        if name.is_empty() {
            Some(MetadataError::EmptyAction { index })
        } else if names[..index].contains(name) {
            Some(MetadataError::DuplicateAction { index })
        } else {
            None
        }
    })
}

/// Position of the first capability that repeats an earlier one.
fn first_repeat(capabilities: &[Capability]) -> Option<usize> {
    (0..capabilities.len()).find(|&i| capabilities[..i].contains(&capabilities[i]))
}

/// `slot = value`, or the duplicate fault when it was already set.
fn set_once<T>(slot: &mut Option<T>, value: T, field: &'static str) -> Option<MetadataError> {
    slot.replace(value)
        .map(|_| MetadataError::DuplicateField(field))
}

/// `read_metadata_json` by the documented rules, on serde_json's tree: `Err` is the load
/// failure a well-formed document gets, `Verdict::Accept` what MIDIMon loads (with the README
/// issues), `Verdict::Syntax`/`Undecided` what serde_json refuses to parse (see [`classify`]).
/// Size plays no part in reading; `TooLarge` is only listed among the issues.
pub fn reference_metadata(json: &[u8]) -> Result<Verdict<RefMetadata>, MetadataError> {
    reference_metadata_spelled(json, EnumSpelling::Str)
}

fn reference_metadata_spelled(
    json: &[u8],
    spelling: EnumSpelling,
) -> Result<Verdict<RefMetadata>, MetadataError> {
    const TEXT: [&str; 5] = ["name", "version", "description", "author", "license"];
    let mut de = serde_json::Deserializer::from_slice(json);
    let tree = match TreeSeed(Keep::Document)
        .deserialize(&mut de)
        .and_then(|tree| de.end().map(|()| tree))
    {
        Ok(tree) => tree,
        Err(e) => return Ok(classify(&e)),
    };
    let Tree::Obj(members) = tree else {
        return Err(MetadataError::NotAnObject);
    };
    let mut text: [Option<(String, bool)>; 5] = Default::default();
    let mut plugin_type = None;
    let mut homepage: Option<Option<String>> = None;
    let mut capabilities: Option<Vec<Capability>> = None;
    let mut actions: Vec<&Tree> = Vec::new();
    let mut first_fault = None;
    // MIDIMon's fields in text order: a value's own fault first, then the repeat.
    for (key, value) in &members {
        let fault = match key.as_str() {
            "actions" => {
                actions.push(value);
                None
            }
            "type" => match variant_name(value, spelling) {
                Some("action") => set_once(&mut plugin_type, PluginType::Action, "type"),
                Some("trigger") => set_once(&mut plugin_type, PluginType::Trigger, "type"),
                Some(_) => Some(MetadataError::UnknownType),
                None => Some(MetadataError::WrongType("type")),
            },
            "homepage" => match value {
                Tree::Null => set_once(&mut homepage, None, "homepage"),
                Tree::Str(s, _) => set_once(&mut homepage, Some(s.clone()), "homepage"),
                _ => Some(MetadataError::WrongType("homepage")),
            },
            "capabilities" => match capability_list(value, spelling) {
                Ok(list) => set_once(&mut capabilities, list, "capabilities"),
                Err(fault) => Some(fault),
            },
            key => match TEXT.iter().position(|field| *field == key) {
                Some(i) => match value {
                    Tree::Str(s, escaped) => set_once(&mut text[i], (s.clone(), *escaped), TEXT[i]),
                    _ => Some(MetadataError::WrongType(TEXT[i])),
                },
                None => None,
            },
        };
        first_fault = first_fault.or(fault);
    }
    if let Some(fault) = first_fault {
        return Err(fault);
    }
    let mut present = Vec::new();
    for (field, value) in TEXT.into_iter().zip(text) {
        present.push(value.ok_or(MetadataError::MissingField(field))?);
    }
    let plugin_type = plugin_type.ok_or(MetadataError::MissingField("type"))?;
    let [name, (version, version_escaped), description, author, license]: [(String, bool); 5] =
        present.try_into().expect("five text fields");
    let capabilities = capabilities.unwrap_or_default();
    let actions = action_list(&actions);

    let mut issues = Vec::new();
    if json.len() > core_abi::abi::MAX_METADATA_LEN {
        issues.push(MetadataError::TooLarge { len: json.len() });
    }
    if name.0.is_empty() {
        issues.push(MetadataError::EmptyName);
    }
    // A deliberate limit of core-abi: a version written with escapes is decoded into 256 bytes
    // before it is checked. Unescaped versions have no limit.
    if !semver_spec(&version) || (version_escaped && version.len() > 256) {
        issues.push(MetadataError::InvalidVersion);
    }
    match &actions {
        Err(fault) => issues.push(*fault),
        Ok((names, form)) => {
            issues.extend(action_names_fault(names));
            if *form == ActionsForm::Objects {
                issues.push(MetadataError::ActionsAsObjects);
            }
        }
    }
    if let Some(index) = first_repeat(&capabilities) {
        issues.push(MetadataError::DuplicateCapability { index });
    }
    Ok(Verdict::Accept(RefMetadata {
        name: name.0,
        version,
        description: description.0,
        author: author.0,
        license: license.0,
        plugin_type,
        homepage: homepage.flatten(),
        capabilities,
        actions: actions.ok(),
        issues,
    }))
}

/// `read_metadata_json`, `validate_metadata_json` and `MetadataView::conformance_issues`
/// against the rules ([`reference_metadata`]), and the load verdict against MIDIMon's own
/// struct ([`check_metadata_daemon`]).
pub fn check_metadata_json(json: &[u8]) {
    let shown = Shown(json);
    check_json_validate(json);
    let read = metadata::read_metadata_json(json);
    let validated = metadata::validate_metadata_json(json);
    // Syntax faults are exactly `json::validate`'s.
    let syntax = match core_abi::json::validate(json) {
        Ok(()) => None,
        Err(ErrorCode::InvalidUtf8) => Some(MetadataError::InvalidUtf8),
        Err(ErrorCode::NestingTooDeep) => Some(MetadataError::NestingTooDeep),
        Err(_) => Some(MetadataError::MalformedJson),
    };
    match syntax {
        Some(expected) => assert_eq!(
            read.as_ref().err(),
            Some(&expected),
            "metadata: syntax fault, {shown}"
        ),
        None => assert!(
            !matches!(
                read,
                Err(MetadataError::MalformedJson
                    | MetadataError::InvalidUtf8
                    | MetadataError::NestingTooDeep)
            ),
            "metadata: a syntax fault in valid JSON, {shown}"
        ),
    }
    // A read error is a load failure; what reads has only README issues.
    match &read {
        Err(e) => assert!(e.is_load_failure(), "metadata: {e:?} read, {shown}"),
        Ok(view) => {
            for issue in view.conformance_issues() {
                assert!(
                    !issue.is_load_failure(),
                    "metadata: issue {issue:?}, {shown}"
                );
            }
        }
    }
    // validate = the size, then the read, then the first README issue.
    let expected_validation = if json.len() > core_abi::abi::MAX_METADATA_LEN {
        Err(MetadataError::TooLarge { len: json.len() })
    } else {
        match &read {
            Err(e) => Err(*e),
            Ok(view) => view.conformance_issues().next().map_or(Ok(()), Err),
        }
    };
    assert_eq!(
        validated.as_ref().map(|_| ()).map_err(|e| *e),
        expected_validation,
        "validate_metadata_json vs read_metadata_json, {shown}"
    );
    check_metadata_daemon(json, &read);
    if syntax.is_some() {
        // Judged above; the reference skips unknown members too leniently to judge syntax.
        return;
    }
    match (reference_metadata(json), &read) {
        (Ok(Verdict::Accept(expected)), Ok(view)) => compare_metadata_view(json, view, &expected),
        (Ok(Verdict::Accept(expected)), Err(e)) => {
            panic!("metadata: the rules load {expected:?}, core-abi says {e:?}, {shown}")
        }
        (Ok(Verdict::Syntax(why)), ours) => assert!(
            matches!(
                ours,
                Err(MetadataError::MalformedJson
                    | MetadataError::InvalidUtf8
                    | MetadataError::NestingTooDeep)
            ),
            "metadata: serde_json says {why}, core-abi says {:?}, {shown}",
            ours.as_ref().err()
        ),
        (Ok(Verdict::Field(why)), _) => unreachable!("no field verdicts for metadata: {why}"),
        (Ok(Verdict::Undecided(_)), _) => {}
        (Err(expected), ours) => assert_eq!(
            ours.as_ref().err(),
            Some(&expected),
            "metadata: expected {expected:?}, {shown}"
        ),
    }
}

/// A loaded view against the reference's reading: every field, the action list, the issues,
/// and `PluginMetadata::validate` on the same values.
fn compare_metadata_view(json: &[u8], view: &MetadataView<'_>, expected: &RefMetadata) {
    let shown = Shown(json);
    compare_text(json, view.name, &expected.name, "name");
    compare_text(json, view.version, &expected.version, "version");
    compare_text(json, view.description, &expected.description, "description");
    compare_text(json, view.author, &expected.author, "author");
    compare_text(json, view.license, &expected.license, "license");
    assert_eq!(view.plugin_type, expected.plugin_type, "type, {shown}");
    match (view.homepage, &expected.homepage) {
        (Some(text), Some(homepage)) => compare_text(json, text, homepage, "homepage"),
        (None, None) => {}
        (ours, theirs) => panic!("homepage: {ours:?} vs {theirs:?}, {shown}"),
    }
    let set: Vec<Capability> = Capability::ALL
        .into_iter()
        .filter(|c| expected.capabilities.contains(c))
        .collect();
    for c in Capability::ALL {
        assert_eq!(
            view.capabilities.contains(c),
            set.contains(&c),
            "capabilities.contains({c:?}), {shown}"
        );
    }
    assert_eq!(
        view.capabilities.iter().collect::<Vec<_>>(),
        set,
        "capabilities.iter(), {shown}"
    );
    assert_eq!(
        view.capabilities.is_empty(),
        set.is_empty(),
        "capabilities.is_empty(), {shown}"
    );
    let (names, form) = match &expected.actions {
        Some((names, form)) => (names.as_slice(), Some(*form)),
        None => (&[][..], None),
    };
    assert_eq!(view.actions_form(), form, "actions_form, {shown}");
    assert_eq!(view.action_count(), names.len(), "action_count, {shown}");
    let listed: Vec<Text<'_>> = view.actions().collect();
    assert_eq!(listed.len(), names.len(), "actions(), {shown}");
    for (text, name) in listed.into_iter().zip(names) {
        compare_text(json, text, name, "action");
        assert_eq!(
            view.action_index(name),
            names.iter().position(|n| n == name),
            "action_index({name:?}), {shown}"
        );
    }
    let mut absent = String::from("\u{1}absent");
    while names.contains(&absent) {
        absent.push('!');
    }
    assert_eq!(
        view.action_index(&absent),
        None,
        "action_index of an absent name, {shown}"
    );
    assert_eq!(
        view.conformance_issues().collect::<Vec<_>>(),
        expected.issues,
        "conformance_issues, {shown}"
    );
    // The plugin side's own check agrees on the same values (it has no size limit, never sees
    // objects, and checks the version as written).
    if let Some((names, ActionsForm::Strings)) = &expected.actions {
        let actions: Vec<&str> = names.iter().map(String::as_str).collect();
        let built = core_abi::PluginMetadata {
            name: &expected.name,
            version: &expected.version,
            description: &expected.description,
            author: &expected.author,
            license: &expected.license,
            plugin_type: expected.plugin_type,
            actions: &actions,
            capabilities: &expected.capabilities,
        };
        let fault = [
            expected.name.is_empty().then_some(MetadataError::EmptyName),
            (!semver_spec(&expected.version)).then_some(MetadataError::InvalidVersion),
            action_names_fault(names),
            first_repeat(&expected.capabilities)
                .map(|index| MetadataError::DuplicateCapability { index }),
        ]
        .into_iter()
        .flatten()
        .next();
        assert_eq!(
            built.validate(),
            fault.map_or(Ok(()), Err),
            "PluginMetadata::validate, {shown}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Metadata JSON as MIDIMon itself reads it.

/// MIDIMon's metadata struct (amiable-dev/midimon `f4f371c`,
/// `midimon-core/src/plugin/metadata.rs`), written here from its description, not copied:
/// required strings `name`, `version`, `description`, `author`, `license`; `type` renamed, a
/// lowercase unit enum; `homepage` optional; `capabilities` a list of a lowercase unit enum,
/// empty when absent; any other member ignored. Its fields are declared in the daemon's order
/// (it matters only for the array form, see [`known_daemon_difference`]). The daemon reads the
/// bytes with `String::from_utf8`, then `serde_json::from_str`.
#[derive(Debug, serde::Deserialize)]
struct DaemonMetadata {
    name: String,
    version: String,
    description: String,
    author: String,
    homepage: Option<String>,
    license: String,
    #[serde(rename = "type")]
    plugin_type: DaemonPluginType,
    #[serde(default)]
    capabilities: Vec<DaemonCapability>,
}

#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum DaemonPluginType {
    Action,
    Trigger,
}

#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum DaemonCapability {
    Network,
    Filesystem,
    Audio,
    Midi,
    Subprocess,
    SystemControl,
}

impl DaemonCapability {
    fn ours(self) -> Capability {
        match self {
            DaemonCapability::Network => Capability::Network,
            DaemonCapability::Filesystem => Capability::Filesystem,
            DaemonCapability::Audio => Capability::Audio,
            DaemonCapability::Midi => Capability::Midi,
            DaemonCapability::Subprocess => Capability::Subprocess,
            DaemonCapability::SystemControl => Capability::SystemControl,
        }
    }
}

/// What MIDIMon's `init` does with the bytes: the struct, or why it fails to load the plugin.
fn daemon_reads(json: &[u8]) -> Result<DaemonMetadata, String> {
    let text = String::from_utf8(json.to_vec()).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Whether MIDIMon's `init` loads metadata with these bytes (`Err`: serde's message).
pub fn daemon_loads(json: &[u8]) -> Result<(), String> {
    daemon_reads(json).map(|_| ())
}

/// Whether the text holds a `\uXXXX` escape of a surrogate (`D800`..`DFFF`) inside a string.
fn has_surrogate_escape(json: &[u8]) -> bool {
    let (mut in_string, mut i) = (false, 0);
    while i < json.len() {
        match json[i] {
            b'"' => in_string = !in_string,
            b'\\' if in_string => {
                let escape = json.get(i + 1..i + 4).unwrap_or_default();
                if escape.len() == 3
                    && escape[0] == b'u'
                    && escape[1].eq_ignore_ascii_case(&b'd')
                    && matches!(escape[2].to_ascii_lowercase(), b'8'..=b'9' | b'a'..=b'f')
                {
                    return true;
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// The known ways MIDIMon's struct loads metadata that `read_metadata_json` rejects with `ours`;
/// each is checked to be what it claims.
///
/// 1. Syntax, inside a member the struct does not know (`actions` included): serde_json skips
///    such a value with a lenient scanner (`IgnoredAny`) that neither pairs `\u` surrogate
///    escapes nor limits nesting, where core-abi holds the whole text to strict JSON
///    (`json::validate`). E.g. `{...required...,"x":"\ud800"}` (core-abi: `MalformedJson`) and
///    `{...required...,"x":[[[...]]]}` nested 128 deep inside the object (`NestingTooDeep`).
///    The struct's own fields are parsed strictly, as core-abi does.
/// 2. A top-level array: a derived struct also reads a sequence of its fields in declaration
///    order, e.g. `["p","1.0.0","d","a",null,"MIT","action"]` (core-abi: `NotAnObject`; a
///    plugin cannot mean that).
/// 3. `ENUM_WRITTEN_AS_MAP` (suspected core-abi bug, left for the lead to decide): serde's
///    externally tagged form of a unit variant, `"type":{"action":null}` or
///    `"capabilities":[{"midi":null}]`, is accepted by the derived enums; core-abi says
///    `WrongType("type")` / `WrongType("capabilities")`, a load failure MIDIMon does not
///    have. Confirmed by the reference with that spelling allowed loading the document.
fn known_daemon_difference(json: &[u8], ours: MetadataError) -> bool {
    match ours {
        MetadataError::MalformedJson => has_surrogate_escape(json),
        MetadataError::NestingTooDeep => nesting_depth(json) > MAX_NESTING,
        MetadataError::NotAnObject => json.iter().find(|b| !is_json_ws(**b)) == Some(&b'['),
        MetadataError::WrongType("type" | "capabilities") => matches!(
            reference_metadata_spelled(json, EnumSpelling::StrOrMap),
            Ok(Verdict::Accept(_))
        ),
        _ => false,
    }
}

/// The load verdict of `read_metadata_json` against MIDIMon's own struct: what core-abi loads,
/// MIDIMon loads with the same values; what MIDIMon loads, core-abi loads unless it is one of
/// the [`known_daemon_difference`]s.
pub fn check_metadata_daemon(json: &[u8], ours: &Result<MetadataView<'_>, MetadataError>) {
    let shown = Shown(json);
    match (daemon_reads(json), ours) {
        (Ok(daemon), Ok(view)) => {
            compare_text(json, view.name, &daemon.name, "daemon name");
            compare_text(json, view.version, &daemon.version, "daemon version");
            compare_text(
                json,
                view.description,
                &daemon.description,
                "daemon description",
            );
            compare_text(json, view.author, &daemon.author, "daemon author");
            compare_text(json, view.license, &daemon.license, "daemon license");
            let plugin_type = match daemon.plugin_type {
                DaemonPluginType::Action => PluginType::Action,
                DaemonPluginType::Trigger => PluginType::Trigger,
            };
            assert_eq!(view.plugin_type, plugin_type, "daemon type, {shown}");
            match (view.homepage, &daemon.homepage) {
                (Some(text), Some(homepage)) => compare_text(json, text, homepage, "homepage"),
                (None, None) => {}
                (ours, theirs) => panic!("daemon homepage: {ours:?} vs {theirs:?}, {shown}"),
            }
            for c in Capability::ALL {
                assert_eq!(
                    view.capabilities.contains(c),
                    daemon.capabilities.iter().any(|d| d.ours() == c),
                    "daemon capabilities, {c:?}, {shown}"
                );
            }
        }
        (Err(why), Ok(_)) => {
            panic!("metadata: MIDIMon's struct rejects it ({why}), core-abi loads it, {shown}")
        }
        (Ok(daemon), Err(e)) => assert!(
            known_daemon_difference(json, *e),
            "metadata: MIDIMon's struct loads {daemon:?}, core-abi says {e:?}, {shown}"
        ),
        (Err(_), Err(_)) => {}
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
