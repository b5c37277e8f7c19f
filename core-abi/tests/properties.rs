//! Property tests for the untrusted-input surface of `core-abi`.
//!
//! Every function tested here reads bytes that come from the other side of the sandbox: the
//! host's JSON or postcard request (`request::parse_request`, `json::validate`,
//! `binary::decode`) or a plugin's metadata (`metadata::validate_metadata_json`). So the
//! properties are of two kinds: totality (no input makes them panic) and agreement with an
//! independent, well-kept implementation of the same format, `serde_json` for JSON and
//! `postcard` for the binary format, through the one reference model of the ABI rules (the
//! `conformance` crate, shared with the corpus replays and the fuzz targets). This file owns the
//! generators; the judging is the model's.
//!
//! 1. Totality: arbitrary bytes (uniform, biased towards JSON's alphabet, and string literals
//!    with special bytes at every alignment) into all four readers never panic, and the answers
//!    are consistent with each other (checks 2, 3, 7). Exhaustively: every non-ASCII lead byte
//!    with every second byte, in a JSON string and in a postcard string.
//! 2. `json::validate(b).is_ok() == serde_json::from_slice::<Value>(b).is_ok()` on arbitrary
//!    bytes and on generated JSON texts (escapes, `\uXXXX`, surrogate pairs, edge numbers,
//!    whitespace), valid or sprinkled with invalid pieces, then corrupted (truncate, insert,
//!    delete, replace, flip a bit, duplicate a span). The known differences, each checked to be
//!    exactly what it claims ([`known_json_difference`]):
//!    - (a) nesting: `json::validate` accepts 128 levels, serde_json only 127 (its counter
//!      starts at 128 and fails when it reaches 0, i.e. on the 128th open bracket), so a
//!      document nested exactly 128 deep is accepted by us and rejected by serde_json;
//!    - (b) numbers whose value rounds to ±infinity as an `f64` (`1e309`, `-1e309`, a 400-digit
//!      integer): RFC 8259 §6 allows them and lets implementations limit the range;
//!      serde_json rejects them ("number out of range"). Its fast float path is also one ULP
//!      off at the top of the range: it rejects `1.7976931348623158e308`, which rounds to
//!      `f64::MAX`, so numbers that round to `f64::MAX` count as "out of range" too.
//!
//!    No other disagreement was found: for everything else (UTF-8, lone, reversed and
//!    interrupted surrogate escapes, control characters, whitespace, literals, number grammar)
//!    the two agree.
//! 3. `parse_request` against the reference model (`conformance::check_request_json`, serde_json
//!    read in order, duplicate members kept): the verdict (accepted fields, or the kind of
//!    fault) is the model's, and an accepted request agrees with it and with serde_json's
//!    `Value` on action, MIDI fields, timestamp and metadata (`get` of every key, last
//!    duplicate wins).
//!    Syntax errors are reported with the same code as `json::validate` reports.
//! 4. Generated requests (random actions with escapes, MIDI values in and out of range and of
//!    wrong types, metadata with duplicate keys, unknown fields (some a byte away from a known
//!    name), a known member written twice, whitespace, member order; strings
//!    written by serde_json, with every character as `\uXXXX`, or with random escapes) parse to
//!    exactly the generated values, or to `InvalidField` exactly when one is out of range.
//! 5. Mutations of the canonical request: every single-byte deletion, substitution and insertion
//!    (exhaustively), random multi-byte corruptions, and every duplicated field.
//! 6. Metadata: arbitrary valid `PluginMetadata` → `to_json` → `validate_metadata_json` and
//!    serde_json both read back the same values; too small buffers give `BufferTooSmall`. And
//!    generated metadata documents (MIDIMon's six required fields, `actions` as strings, as
//!    objects or mixed, `type`/`homepage`/`capabilities` values right, wrong and misspelled,
//!    duplicates, unknown members, corruption) against the fuzz oracle: the documented rules
//!    (`read_metadata_json`'s verdict and fields, `conformance_issues` in order,
//!    `validate_metadata_json`) and a serde-derived copy of MIDIMon's own struct for the load
//!    verdict, whose known differences are pinned by `daemon_differences_are_as_documented`.
//! 7. Postcard: arbitrary headers and unicode metadata pairs → `encode` → `decode` gives them
//!    back; postcard decodes the same bytes to the same values; out-of-range MIDI values are
//!    `InvalidField`; every truncation is `MalformedBinary` (or `InvalidField` once the whole
//!    header is present and out of range); mutated encodings are judged as postcard judges
//!    them. Known difference ([`check_binary`]): string lengths and the pair count are `usize`
//!    to postcard, which on a 64-bit host accepts over-long (non-canonical, 6 to 10 byte)
//!    varints for them; `binary::decode` reads them as 32-bit, as postcard does on wasm32.
//! 8. `Text`: any string, written by serde_json or fully `\uXXXX`-escaped (surrogate pairs for
//!    astral characters) or randomly escaped, decodes to itself through `Display`, `eq_str`,
//!    `chars`, `bytes`, `decoded_len`, `decode_into`, `to_heapless`, `parse_u32`, `as_plain`,
//!    as an action and as a metadata key and value; runs of `\uXXXX` escapes of edge code
//!    units (surrogates paired, lone, reversed, interrupted) are accepted exactly when
//!    serde_json accepts them and decode to the same string.
//!
//! Two findings of these tests were fixed and stay pinned by the regression tests at the end:
//! `validate_metadata_json` rejected semantic versions longer than 256 bytes that
//! `PluginMetadata::validate` accepts, and `parse_request` let a body nest two levels deeper
//! than `json::validate` because its own objects did not count.
//!
//! Case counts are chosen so that the whole binary runs in a few seconds in a debug build;
//! `PROPTEST_CASES=n` overrides them all for a longer soak. Failing cases are printed, not
//! persisted to a regressions file.

use std::fmt::Write as _;

use core_abi::abi::MAX_METADATA_LEN;
use core_abi::binary::{self, BinaryHeader};
use core_abi::json;
use core_abi::metadata::{
    self, validate_metadata_json, ActionsForm, Capability, MetadataError, PluginMetadata,
    PluginType,
};
use core_abi::request::{parse_request, Request};
use core_abi::{ErrorCode, Text};
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use proptest::sample::{select, subsequence, Index};
use proptest::test_runner::TestCaseError;
use serde_json::Value;

// The reference model (crate `conformance`, also used by the corpus replays and the fuzz
// targets) judges every input; this file generates them.
use conformance::nesting_depth;

// ---------------------------------------------------------------------------------------------
// Test harness helpers
// ---------------------------------------------------------------------------------------------

/// `cases` cases unless `PROPTEST_CASES` says otherwise; failures are not persisted to files.
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config.failure_persistence = None;
    config
}

/// Bytes as a Rust literal, for failure messages.
fn show(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => format!("{text:?}"),
        Err(_) => format!("b\"{}\"", bytes.escape_ascii()),
    }
}

fn fail<T>(message: String) -> Result<T, TestCaseError> {
    Err(TestCaseError::fail(message))
}

/// A small deterministic generator (splitmix64) for rendering choices: whitespace, escapes,
/// member order. The semantic content of a test case comes from proptest strategies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

// ---------------------------------------------------------------------------------------------
// Lenient scanning of arbitrary bytes, for classifying disagreements
// ---------------------------------------------------------------------------------------------

/// Whether a number literal outside strings has a magnitude that rounds to infinity, or to
/// `f64::MAX` (where serde_json's fast float parser may round up to infinity).
fn has_huge_number(bytes: &[u8]) -> bool {
    let (mut i, mut in_string, mut escaped) = (0, false, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
        } else if b == b'-' || b.is_ascii_digit() {
            let start = i;
            while i < bytes.len()
                && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
            {
                i += 1;
            }
            let token = std::str::from_utf8(&bytes[start..i]).unwrap_or("");
            if token
                .parse::<f64>()
                .is_ok_and(|x| x.is_infinite() || x.abs() == f64::MAX)
            {
                return true;
            }
            continue;
        }
        i += 1;
    }
    false
}

/// The documented differences between `json::validate` and serde_json, see the module docs:
/// serde_json rejects (a) a nesting depth of 128 and (b) numbers beyond `f64`'s range.
fn known_json_difference(bytes: &[u8], theirs: &serde_json::Error) -> bool {
    let message = theirs.to_string();
    (message.starts_with("recursion limit exceeded") && nesting_depth(bytes) >= 128)
        || (message.starts_with("number out of range") && has_huge_number(bytes))
}

// ---------------------------------------------------------------------------------------------
// What a generated request must parse to
// ---------------------------------------------------------------------------------------------

/// What a request must parse to.
#[derive(Debug, Clone, PartialEq, Default)]
struct Expected {
    action: String,
    velocity: Option<u8>,
    note: Option<u8>,
    cc: Option<u8>,
    value: Option<u8>,
    timestamp: u64,
    /// In request order, duplicates included.
    metadata: Vec<(String, String)>,
}

use conformance::CONTEXT_FIELDS;

/// `request` holds exactly `expected`, through every accessor.
fn same_request(request: &Request<'_>, expected: &Expected) -> Result<(), TestCaseError> {
    let c = &request.context;
    prop_assert_eq!(request.action.to_string(), expected.action.clone());
    prop_assert!(request.action.eq_str(&expected.action));
    prop_assert_eq!(
        (c.velocity, c.note, c.cc, c.value, c.timestamp),
        (
            expected.velocity,
            expected.note,
            expected.cc,
            expected.value,
            expected.timestamp
        )
    );
    let pairs: Vec<(String, String)> = c
        .metadata
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    prop_assert_eq!(&pairs, &expected.metadata);
    prop_assert_eq!(c.metadata.len(), expected.metadata.len());
    prop_assert_eq!(c.metadata.is_empty(), expected.metadata.is_empty());
    for (key, _) in &expected.metadata {
        let last = expected
            .metadata
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone());
        prop_assert_eq!(
            c.metadata.get(key).map(|t| t.to_string()),
            last,
            "get({:?})",
            key
        );
    }
    let absent = "\u{1F3B9} not a key";
    if !expected.metadata.iter().any(|(k, _)| k == absent) {
        prop_assert!(c.metadata.get(absent).is_none());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The checks every input goes through
// ---------------------------------------------------------------------------------------------

/// Property 2: `json::validate` against serde_json, through the reference model
/// (`conformance::check_json_validate`, which panics on a disagreement; proptest reports the
/// panic as a failure and shrinks the input).
fn check_validate(bytes: &[u8]) -> Result<(), TestCaseError> {
    conformance::check_json_validate(bytes);
    Ok(())
}

/// Properties 1 and 3: `parse_request` never panics, agrees with `json::validate` on syntax,
/// and with the reference model (`conformance`) on shape and on the accepted values.
fn check_request(bytes: &[u8]) -> Result<(), TestCaseError> {
    let ours = parse_request(bytes);
    let valid = json::validate(bytes);
    let rest = &bytes[bytes.iter().take_while(|b| b" \t\n\r".contains(b)).count()..];
    if rest.first() != Some(&b'{') {
        // Not an object: the first byte is the fault, reported as bytes that are not UTF-8
        // or else as a syntax error.
        let not_utf8 = rest
            .utf8_chunks()
            .next()
            .is_some_and(|chunk| chunk.valid().is_empty());
        let code = if not_utf8 {
            ErrorCode::InvalidUtf8
        } else {
            ErrorCode::MalformedJson
        };
        prop_assert_eq!(ours.err(), Some(code), "{}", show(bytes));
        return Ok(());
    }
    // Below this depth neither scanner's nesting limit can decide anything.
    let shallow = nesting_depth(bytes) < 127;
    match (&ours, valid) {
        (Ok(_), Ok(())) | (Err(ErrorCode::InvalidField), _) => {}
        (
            Err(
                code @ (ErrorCode::MalformedJson
                | ErrorCode::InvalidUtf8
                | ErrorCode::NestingTooDeep),
            ),
            valid,
        ) if !shallow || valid == Err(*code) => {}
        (Err(code), valid) => {
            return fail(format!(
                "parse_request: {code:?}, json::validate: {valid:?} for {}",
                show(bytes)
            ))
        }
        (Ok(_), valid) => {
            return fail(format!(
                "parse_request accepts, json::validate: {valid:?} for {}",
                show(bytes)
            ))
        }
    }
    if valid.is_ok() {
        prop_assert!(
            ours.is_ok() || ours.as_ref().err() == Some(&ErrorCode::InvalidField),
            "valid JSON object gave {:?}: {}",
            ours.as_ref().err(),
            show(bytes)
        );
    }
    // Shape and values: the reference model, which also compares every view of an accepted
    // request with serde_json's reading (panics on a disagreement, see `check_validate`).
    conformance::check_request_json(bytes);
    Ok(())
}

/// `read_metadata_json`, `validate_metadata_json` and `conformance_issues` never panic and
/// agree with the fuzz oracle's reference of the rules and with MIDIMon's own struct
/// (`conformance::check_metadata_json`, which panics on a disagreement; proptest reports the
/// panic as a failure and shrinks the input).
fn check_metadata(bytes: &[u8]) -> Result<(), TestCaseError> {
    conformance::check_metadata_json(bytes);
    Ok(())
}

fn in_range(h: &BinaryHeader) -> bool {
    [h.velocity, h.note, h.cc, h.value]
        .into_iter()
        .flatten()
        .all(|v| v <= 127)
}

/// Property 7 on any bytes: `binary::decode` judges them as postcard does.
fn check_binary(bytes: &[u8]) -> Result<(), TestCaseError> {
    type Whole<'a> = (BinaryHeader, Vec<(&'a str, &'a str)>);
    let ours = binary::decode(bytes);
    let header = postcard::take_from_bytes::<BinaryHeader>(bytes)
        .ok()
        .map(|(h, _)| h);
    let whole = match postcard::take_from_bytes::<Whole<'_>>(bytes) {
        Ok((whole, [])) if in_range(&whole.0) => Some(whole),
        _ => None,
    };
    match (&ours, &whole) {
        (Ok(request), Some((h, pairs))) => {
            let c = &request.context;
            prop_assert_eq!(request.action_index, h.action);
            prop_assert_eq!(
                (c.velocity, c.note, c.cc, c.value, c.timestamp),
                (h.velocity, h.note, h.cc, h.value, h.timestamp)
            );
            let ours: Vec<(&str, &str)> = c
                .metadata
                .iter()
                .filter_map(|(k, v)| k.as_plain().zip(v.as_plain()))
                .collect();
            prop_assert_eq!(&ours, pairs);
            prop_assert_eq!(c.metadata.len(), pairs.len());
        }
        (Ok(_), None) => {
            return fail(format!(
                "binary::decode accepts what postcard rejects: {}",
                show(bytes)
            ))
        }
        (Err(ErrorCode::InvalidField), _) => {
            prop_assert!(
                header.is_some_and(|h| !in_range(&h)),
                "InvalidField for {}",
                show(bytes)
            );
        }
        (Err(ErrorCode::MalformedBinary), whole) => {
            prop_assert!(
                header.is_none_or(|h| in_range(&h)),
                "MalformedBinary, not InvalidField: {}",
                show(bytes)
            );
            if let Some(whole) = whole {
                // Known difference: postcard on a 64-bit host reads `usize` varints (string
                // lengths, the pair count) as u64, so it accepts over-long encodings that
                // `binary::decode` (and postcard on wasm32) rejects. Check that this is the
                // case: the input is not postcard's own encoding, which we do accept.
                let mut buf = vec![0u8; bytes.len()];
                let canonical = postcard::to_slice(whole, &mut buf)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_ne!(
                    &canonical[..],
                    bytes,
                    "postcard accepts its own encoding, we reject it"
                );
                prop_assert!(
                    binary::decode(canonical).is_ok(),
                    "rejects canonical {}",
                    show(canonical)
                );
            }
        }
        (Err(code), _) => return fail(format!("binary::decode returned {code:?}")),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Escapers and renderers
// ---------------------------------------------------------------------------------------------

/// `\uXXXX` for one character (a surrogate pair for an astral one).
fn push_unicode_escape(c: char, upper: bool, out: &mut String) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        if upper {
            let _ = write!(out, "\\u{unit:04X}");
        } else {
            let _ = write!(out, "\\u{unit:04x}");
        }
    }
}

/// Every character written as `\uXXXX`, astral ones as surrogate pairs.
fn escape_all(s: &str, upper: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        push_unicode_escape(c, upper, &mut out);
    }
    out
}

fn short_escape(c: char) -> Option<&'static str> {
    Some(match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '/' => "\\/",
        '\u{8}' => "\\b",
        '\u{c}' => "\\f",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        _ => return None,
    })
}

/// Each character at random: raw (where JSON allows it), its short escape, or `\uXXXX`.
fn escape_mixed(s: &str, rng: &mut Rng) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let raw_ok = c >= ' ' && c != '"' && c != '\\';
        match (rng.below(3), short_escape(c)) {
            (0, _) if raw_ok => out.push(c),
            (1, Some(short)) => out.push_str(short),
            _ => push_unicode_escape(c, rng.below(2) == 0, &mut out),
        }
    }
    out
}

/// One character as it may stand in a JSON string: raw, or escaped if it must be.
fn json_char(c: char) -> String {
    match c {
        '"' => "\\\"".to_owned(),
        '\\' => "\\\\".to_owned(),
        c if c < ' ' => format!("\\u{:04x}", c as u32),
        c => c.to_string(),
    }
}

#[derive(Debug, Clone, Copy)]
enum Style {
    /// Strings as `serde_json::to_string` writes them.
    Serde,
    /// Every character as `\uXXXX`.
    AllEscaped,
    /// Random per character, see [`escape_mixed`].
    Mixed,
}

/// Writes JSON with random whitespace, member order and string escapes.
struct Writer {
    rng: Rng,
    style: Style,
}

impl Writer {
    fn new(style: Style, seed: u64) -> Self {
        Writer {
            rng: Rng(seed),
            style,
        }
    }

    fn ws(&mut self) -> &'static str {
        const WS: [&str; 8] = ["", "", "", " ", "\n", "\t", "\r\n", "  \t "];
        WS[self.rng.below(WS.len())]
    }

    fn string(&mut self, s: &str) -> String {
        match self.style {
            Style::Serde => serde_json::to_string(s).unwrap_or_default(),
            Style::AllEscaped => format!("\"{}\"", escape_all(s, self.rng.below(2) == 0)),
            Style::Mixed => format!("\"{}\"", escape_mixed(s, &mut self.rng)),
        }
    }

    /// An object of already rendered values; `shuffle` randomizes the member order.
    fn object(&mut self, mut members: Vec<(String, String)>, shuffle: bool) -> String {
        if shuffle {
            for i in (1..members.len()).rev() {
                let j = self.rng.below(i + 1);
                members.swap(i, j);
            }
        }
        let mut out = String::from("{");
        if members.is_empty() {
            out.push_str(self.ws());
        }
        for (i, (key, value)) in members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let key = self.string(key);
            let parts: [&str; 7] = [self.ws(), &key, self.ws(), ":", self.ws(), value, self.ws()];
            out.extend(parts);
        }
        out.push('}');
        out
    }

    fn array(&mut self, items: &[String]) -> String {
        let mut out = String::from("[");
        out.push_str(self.ws());
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let item = self.string(item);
            let parts: [&str; 3] = [self.ws(), &item, self.ws()];
            out.extend(parts);
        }
        out.push(']');
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies: strings and JSON texts
// ---------------------------------------------------------------------------------------------

const SPECIAL_TEXTS: &[&str] = &[
    "",
    "my_action",
    "\"",
    "\\",
    "/",
    "é",
    "🎹",
    "\u{0}",
    "\u{1f}",
    "\u{7f}",
    "\u{80}",
    "\u{2028}",
    "\u{fffd}",
    "\u{ffff}",
    "\u{10000}",
    "\u{10ffff}",
    "\\u0041",
    "4294967295",
    "4294967296",
    "0",
    "007",
];

/// Arbitrary Unicode strings, biased towards the interesting ones.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        6 => vec(any::<char>(), 0..12).prop_map(String::from_iter),
        1 => "[0-9]{1,11}",
        1 => select(SPECIAL_TEXTS).prop_map(str::to_owned),
        // Long runs with one character anywhere: the string scanner works 8 bytes at a time.
        1 => ("[ -~]{0,20}", any::<char>(), "[ -~]{0,20}").prop_map(|(a, c, b)| format!("{a}{c}{b}")),
    ]
    .boxed()
}

/// Keys that share a prefix, a length or the first eight bytes with a known field name: the
/// parser compares keys a word at a time.
const NEAR_MISS_KEYS: &[&str] = &[
    "",
    "a",
    "actio",
    "actionx",
    "Action",
    "action ",
    "contex",
    "contextx",
    "velocit",
    "velocityx",
    "velocity\u{0}",
    "not",
    "notes",
    "c",
    "ccc",
    "cc\u{0}",
    "valu",
    "values",
    "timestam",
    "timestampx",
    "timestamp2",
    "metadat",
    "metadatax",
    "metadata2",
    "\u{0}action",
];

/// An unknown member's key.
fn unknown_key_text() -> BoxedStrategy<String> {
    prop_oneof![2 => text(), 1 => select(NEAR_MISS_KEYS).prop_map(str::to_owned)].boxed()
}

const WS_CHARS: &[char] = &[' ', '\t', '\n', '\r'];
/// Not JSON whitespace, though other standards call them whitespace.
const BAD_WS: &[&str] = &[
    "\u{b}", "\u{c}", "\u{a0}", "\u{feff}", "\u{2028}", "\u{0}", "\u{85}",
];

fn ws(valid: bool) -> BoxedStrategy<String> {
    let good = prop_oneof![3 => Just(String::new()), 1 => vec(select(WS_CHARS), 1..3).prop_map(String::from_iter)];
    if valid {
        good.boxed()
    } else {
        prop_oneof![20 => good, 1 => select(BAD_WS).prop_map(str::to_owned)].boxed()
    }
}

const SHORT_ESCAPES: &[&str] = &["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"];
const EDGE_PIECES: &[&str] = &[
    "\\u0000",
    "\\u001F",
    "\\u001f",
    "\\u0020",
    "\\u007F",
    "\\u0080",
    "\\uFFFF",
    "\\uffff",
    "\\uFFFE",
    "\\uD7FF",
    "\\uE000",
    "\\uD800\\uDC00",
    "\\uDBFF\\uDFFF",
    "\\ud83c\\udfb9",
    "\\uD83c\\uDfB9",
    "\u{7f}",
    "\u{80}",
    "\u{10ffff}",
    "\u{ffff}",
    "\u{fffe}",
    "\u{2028}",
];
const BAD_PIECES: &[&str] = &[
    "\\ud800",
    "\\udc00",
    "\\uDFFF",
    "\\udbff\\u0041",
    "\\ud800\\ud800",
    "\\udc00\\ud800",
    "\\udc00\\udc00",
    "\\udfff\\udfff",
    "\\ud800\\n",
    "\\ud800\\",
    "\\ud800\\u",
    "\\ud800\\udc0",
    "\\ud800x",
    "\\x",
    "\\u12",
    "\\u12g4",
    "\\U0041",
    "\\'",
    "\\a",
    "\\0",
    "\\",
    "\t",
    "\n",
    "\u{0}",
    "\u{1f}",
];

fn string_piece(valid: bool) -> BoxedStrategy<String> {
    let good = prop_oneof![
        4 => any::<char>().prop_map(json_char),
        // Printable ASCII but `"` and `\`: runs for the 8-bytes-at-a-time string scanner.
        2 => "[ !#-\\[\\]-~]{1,20}",
        2 => select(SHORT_ESCAPES).prop_map(str::to_owned),
        2 => (any::<u16>(), any::<bool>()).prop_map(|(unit, upper)| {
            // Any BMP character that is not a surrogate.
            let unit = if (0xD800..0xE000).contains(&unit) { unit - 0x1000 } else { unit };
            let c = char::from_u32(u32::from(unit)).unwrap_or('\u{fffd}');
            let mut out = String::new();
            push_unicode_escape(c, upper, &mut out);
            out
        }),
        1 => (0x10000u32..=0x10FFFF, any::<bool>()).prop_map(|(c, upper)| {
            let c = char::from_u32(c).unwrap_or('\u{10000}');
            let mut out = String::new();
            push_unicode_escape(c, upper, &mut out);
            out
        }),
        1 => select(EDGE_PIECES).prop_map(str::to_owned),
    ];
    if valid {
        good.boxed()
    } else {
        prop_oneof![12 => good, 1 => select(BAD_PIECES).prop_map(str::to_owned)].boxed()
    }
}

fn json_string(valid: bool) -> BoxedStrategy<String> {
    vec(string_piece(valid), 0..6)
        .prop_map(|pieces| format!("\"{}\"", pieces.concat()))
        .boxed()
}

const NUMBER_EDGES: &[&str] = &[
    "0",
    "-0",
    "127",
    "128",
    "-1",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "1e308",
    "1e309",
    "-1e309",
    "1.7976931348623157e308",
    "1.7976931348623158e308",
    "1.7976931348623159e308",
    "2e308",
    "4.9e-324",
    "2.4e-324",
    "1e-400",
    "0e999999",
    "0.0e99999999999999999999",
    "1e99999999999999999999",
    "1E+2",
    "1e-0",
    "0.5",
    "123456789012345678901234567890",
];
const BAD_NUMBERS: &[&str] = &[
    "01",
    "-01",
    "00",
    "1.",
    ".5",
    "+1",
    "1e",
    "1e+",
    "-",
    "--1",
    "0x10",
    "1.e3",
    "0.e1",
    "1e1.5",
    "Infinity",
    "-Infinity",
    "NaN",
    "1_000",
    "١",
    "-.5",
    "1ee2",
];

fn number(valid: bool) -> BoxedStrategy<String> {
    let integer = prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,3}", "[1-9][0-9]{17,22}"];
    let composed = (
        any::<bool>(),
        integer,
        proptest::option::of("\\.[0-9]{1,4}"),
        proptest::option::of("[eE][+-]?[0-9]{1,2}"),
    )
        .prop_map(|(negative, int, frac, exp)| {
            format!(
                "{}{int}{}{}",
                if negative { "-" } else { "" },
                frac.unwrap_or_default(),
                exp.unwrap_or_default()
            )
        });
    let good = prop_oneof![3 => composed, 1 => select(NUMBER_EDGES).prop_map(str::to_owned)];
    if valid {
        good.boxed()
    } else {
        prop_oneof![8 => good, 1 => select(BAD_NUMBERS).prop_map(str::to_owned)].boxed()
    }
}

fn literal(valid: bool) -> BoxedStrategy<String> {
    let good = select(&["true", "false", "null"][..]).prop_map(str::to_owned);
    if valid {
        good.boxed()
    } else {
        let bad = select(
            &[
                "tru",
                "nul",
                "True",
                "NULL",
                "fals",
                "nulll",
                "undefined",
                "t",
                "nan",
            ][..],
        )
        .prop_map(str::to_owned);
        prop_oneof![8 => good, 1 => bad].boxed()
    }
}

/// A JSON value (no surrounding whitespace). With `valid == false`, some pieces are invalid.
fn json_text(valid: bool) -> BoxedStrategy<String> {
    let leaf = prop_oneof![1 => literal(valid), 2 => number(valid), 2 => json_string(valid)];
    leaf.prop_recursive(4, 32, 4, move |inner| {
        let item = (ws(valid), inner.clone(), ws(valid)).prop_map(|(a, v, b)| format!("{a}{v}{b}"));
        let member = (
            ws(valid),
            json_string(valid),
            ws(valid),
            ws(valid),
            inner,
            ws(valid),
        )
            .prop_map(|(a, k, b, c, v, d)| format!("{a}{k}{b}:{c}{v}{d}"));
        prop_oneof![
            (vec(item, 0..4), ws(valid)).prop_map(|(items, pad)| {
                if items.is_empty() {
                    format!("[{pad}]")
                } else {
                    format!("[{}]", items.join(","))
                }
            }),
            (vec(member, 0..4), ws(valid)).prop_map(|(members, pad)| {
                if members.is_empty() {
                    format!("{{{pad}}}")
                } else {
                    format!("{{{}}}", members.join(","))
                }
            }),
        ]
    })
    .boxed()
}

/// A whole document: a value with whitespace around it.
fn document(valid: bool) -> BoxedStrategy<String> {
    (ws(valid), json_text(valid), ws(valid))
        .prop_map(|(a, v, b)| format!("{a}{v}{b}"))
        .boxed()
}

/// Bytes that matter to JSON and UTF-8 decoding.
const JSON_BYTES: &[u8] = b"{}[]\":,\\/-+.0123456789eEtrufalsnbu \t\n\r\x00\x1f\x7f\x80\xbf\xc0\xc2\xdf\xe0\xed\xef\xf0\xf4\xf5\xff";

fn interesting_byte() -> BoxedStrategy<u8> {
    prop_oneof![any::<u8>(), select(JSON_BYTES)].boxed()
}

fn any_bytes() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..160),
        vec(select(JSON_BYTES), 0..160),
        string_bytes(),
    ]
    .boxed()
}

/// Well-formed UTF-8 at the edges of RFC 3629's table, and ill-formed sequences: overlong,
/// surrogates, above U+10FFFF, truncated, stray continuation bytes.
const UTF8_EDGES: &[&[u8]] = &[
    b"\xc2\x80",
    b"\xdf\xbf",
    b"\xe0\xa0\x80",
    b"\xed\x9f\xbf",
    b"\xee\x80\x80",
    b"\xef\xbf\xbf",
    b"\xf0\x90\x80\x80",
    b"\xf4\x8f\xbf\xbf",
    b"\xc0\xaf",
    b"\xc1\xbf",
    b"\xe0\x80\xaf",
    b"\xe0\x9f\xbf",
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf",
    b"\xf0\x8f\xbf\xbf",
    b"\xf4\x90\x80\x80",
    b"\xf5\x80\x80\x80",
    b"\xff",
    b"\x80",
    b"\xbf",
    b"\xc2",
    b"\xe2\x82",
    b"\xf0\x9f\x8e",
    b"\xc2\xc2\x80",
];

/// A string literal of mostly printable ASCII with the odd arbitrary character or byte, at any
/// alignment: the string scanner tests 8 bytes at a time, and a special byte may sit anywhere.
fn string_bytes() -> BoxedStrategy<Vec<u8>> {
    let unit = prop_oneof![
        40 => (0x20u8..0x7F).prop_map(|b| vec![b]),
        2 => any::<char>().prop_map(|c| c.to_string().into_bytes()),
        2 => select(SHORT_ESCAPES).prop_map(|e| e.as_bytes().to_vec()),
        1 => any::<u8>().prop_map(|b| vec![b]),
        1 => select(UTF8_EDGES).prop_map(<[u8]>::to_vec),
    ];
    (
        0usize..8,
        vec(unit, 0..48),
        prop_oneof![Just(""), Just("\""), Just("\"]")],
    )
        .prop_map(|(pad, units, end)| {
            let mut bytes = b"[".repeat(pad.min(1));
            bytes.extend(b" ".repeat(pad));
            bytes.push(b'"');
            bytes.extend(units.concat());
            bytes.extend(end.as_bytes());
            bytes
        })
        .boxed()
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(Index),
    Delete(Index),
    Insert(Index, u8),
    Replace(Index, u8),
    Flip(Index, u8),
    /// Copies the span `[a, b)` (sorted) and inserts the copy at `b`.
    Duplicate(Index, Index),
}

fn mutation() -> BoxedStrategy<Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Truncate),
        any::<Index>().prop_map(Mutation::Delete),
        (any::<Index>(), interesting_byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<Index>(), interesting_byte()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<Index>(), 0u8..8).prop_map(|(i, bit)| Mutation::Flip(i, bit)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
    ]
    .boxed()
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        match *m {
            Mutation::Insert(ref i, b) => bytes.insert(i.index(len + 1), b),
            _ if len == 0 => {}
            Mutation::Truncate(ref i) => bytes.truncate(i.index(len)),
            Mutation::Delete(ref i) => {
                bytes.remove(i.index(len));
            }
            Mutation::Replace(ref i, b) => bytes[i.index(len)] = b,
            Mutation::Flip(ref i, bit) => bytes[i.index(len)] ^= 1 << bit,
            Mutation::Duplicate(ref a, ref b) => {
                let (a, b) = (a.index(len + 1), b.index(len + 1));
                let (a, b) = (a.min(b), a.max(b));
                let span = bytes[a..b].to_vec();
                let tail = bytes.split_off(b);
                bytes.extend(span);
                bytes.extend(tail);
            }
        }
    }
    bytes
}

// ---------------------------------------------------------------------------------------------
// Strategies: requests
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Field {
    Absent,
    Null,
    Int(u64),
    /// Any other value text: never acceptable for the field.
    Bad(&'static str),
}

#[derive(Debug, Clone)]
enum Action {
    Str(String),
    Missing,
    Bad(&'static str),
}

#[derive(Debug, Clone)]
enum Meta {
    Absent,
    Null,
    Map(Vec<(String, String)>),
    Bad(&'static str),
}

#[derive(Debug, Clone)]
struct ContextSpec {
    midi: [Field; 4],
    timestamp: Field,
    metadata: Meta,
    extra: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
enum Context {
    Absent,
    Null,
    Obj(ContextSpec),
    Bad(&'static str),
}

#[derive(Debug, Clone)]
struct RequestSpec {
    action: Action,
    context: Context,
    extra: Vec<(String, String)>,
    /// A known member to write a second time (picked among the present ones), and its value.
    duplicate: Option<(Index, &'static str)>,
    style: Style,
    seed: u64,
}

const MIDI_BAD: &[&str] = &[
    "-1",
    "-0",
    "60.0",
    "6e1",
    "1E2",
    "18446744073709551616",
    "\"100\"",
    "true",
    "[]",
    "{}",
];
const TIMESTAMP_BAD: &[&str] = &[
    "-1",
    "-0",
    "1.5",
    "1e3",
    "18446744073709551616",
    "\"now\"",
    "false",
    "[1]",
    "{}",
];
const TIMESTAMP_EDGES: &[u64] = &[u64::MAX, u64::MAX - 1, 1 << 63, 0];
const ACTION_BAD: &[&str] = &["1", "null", "[\"a\"]", "{}", "true"];
const CONTEXT_BAD: &[&str] = &["[]", "1", "\"x\"", "true", "[{}]"];
const METADATA_BAD: &[&str] = &[
    "[]",
    "{\"k\":1}",
    "{\"k\":null}",
    "\"s\"",
    "0",
    "{\"a\":\"b\",\"k\":[\"v\"]}",
    "[[]]",
];

fn midi_field() -> BoxedStrategy<Field> {
    prop_oneof![
        2 => Just(Field::Absent),
        2 => Just(Field::Null),
        16 => (0u64..=127).prop_map(Field::Int),
        1 => (128u64..=300).prop_map(Field::Int),
        1 => any::<u64>().prop_map(Field::Int),
        1 => select(MIDI_BAD).prop_map(Field::Bad),
    ]
    .boxed()
}

fn timestamp_field() -> BoxedStrategy<Field> {
    prop_oneof![
        1 => Just(Field::Absent),
        1 => Just(Field::Null),
        3 => any::<u64>().prop_map(Field::Int),
        2 => (0u64..1_000_000).prop_map(Field::Int),
        1 => select(TIMESTAMP_EDGES).prop_map(Field::Int),
        1 => select(TIMESTAMP_BAD).prop_map(Field::Bad),
    ]
    .boxed()
}

/// Metadata keys: arbitrary, or from a small pool so that duplicates occur.
fn metadata_key() -> BoxedStrategy<String> {
    prop_oneof![3 => text(), 1 => select(&["k", "key", "é", ""][..]).prop_map(str::to_owned)]
        .boxed()
}

fn request_spec() -> impl Strategy<Value = RequestSpec> {
    let action = prop_oneof![
        10 => text().prop_map(Action::Str),
        1 => Just(Action::Missing),
        1 => select(ACTION_BAD).prop_map(Action::Bad),
    ];
    let metadata = prop_oneof![
        2 => Just(Meta::Absent),
        1 => Just(Meta::Null),
        8 => vec((metadata_key(), text()), 0..4).prop_map(Meta::Map),
        1 => select(METADATA_BAD).prop_map(Meta::Bad),
    ];
    let extra = || vec((unknown_key_text(), json_text(true)), 0..3);
    let context_spec = (
        proptest::array::uniform4(midi_field()),
        timestamp_field(),
        metadata,
        extra(),
    )
        .prop_map(|(midi, timestamp, metadata, extra)| ContextSpec {
            midi,
            timestamp,
            metadata,
            extra,
        });
    let context = prop_oneof![
        2 => Just(Context::Absent),
        1 => Just(Context::Null),
        10 => context_spec.prop_map(Context::Obj),
        1 => select(CONTEXT_BAD).prop_map(Context::Bad),
    ];
    let style = select(&[Style::Serde, Style::AllEscaped, Style::Mixed][..]);
    let duplicate = prop_oneof![
        8 => Just(None),
        1 => (any::<Index>(), select(DUPLICATE_VALUES)).prop_map(Some),
    ];
    (action, context, extra(), duplicate, style, any::<u64>()).prop_map(
        |(action, context, extra, duplicate, style, seed)| RequestSpec {
            action,
            context,
            extra,
            duplicate,
            style,
            seed,
        },
    )
}

const DUPLICATE_VALUES: &[&str] = &["null", "{}", "\"x\"", "1", "[]", "{\"k\":\"v\"}"];

/// The known members `spec` writes: whether each is in the context object, and its name.
fn present_fields(spec: &RequestSpec) -> Vec<(bool, &'static str)> {
    let mut present = Vec::new();
    if !matches!(spec.action, Action::Missing) {
        present.push((false, "action"));
    }
    if !matches!(spec.context, Context::Absent) {
        present.push((false, "context"));
    }
    if let Context::Obj(c) = &spec.context {
        let fields = c.midi.iter().chain([&c.timestamp]);
        for (name, field) in CONTEXT_FIELDS.iter().zip(fields) {
            if !matches!(field, Field::Absent) {
                present.push((true, *name));
            }
        }
        if !matches!(c.metadata, Meta::Absent) {
            present.push((true, "metadata"));
        }
    }
    present
}

/// The member `spec.duplicate` writes a second time: (in the context?, name, value).
fn duplicated(spec: &RequestSpec) -> Option<(bool, &'static str, &'static str)> {
    let (index, value) = spec.duplicate.as_ref()?;
    let present = present_fields(spec);
    if present.is_empty() {
        return None;
    }
    let (in_context, name) = present[index.index(present.len())];
    Some((in_context, name, *value))
}

/// An unknown member's key: never one of the known names of its object.
fn unknown_key(key: &str, known: &[&str]) -> String {
    if known.contains(&key) {
        format!("x{key}")
    } else {
        key.to_owned()
    }
}

fn render_field(field: &Field) -> Option<String> {
    match field {
        Field::Absent => None,
        Field::Null => Some("null".to_owned()),
        Field::Int(n) => Some(n.to_string()),
        Field::Bad(text) => Some((*text).to_owned()),
    }
}

fn render_request(spec: &RequestSpec) -> String {
    let mut w = Writer::new(spec.style, spec.seed);
    let mut top = Vec::new();
    match &spec.action {
        Action::Str(s) => top.push(("action".to_owned(), w.string(s))),
        Action::Missing => {}
        Action::Bad(text) => top.push(("action".to_owned(), (*text).to_owned())),
    }
    match &spec.context {
        Context::Absent => {}
        Context::Null => top.push(("context".to_owned(), "null".to_owned())),
        Context::Bad(text) => top.push(("context".to_owned(), (*text).to_owned())),
        Context::Obj(c) => {
            let mut fields = Vec::new();
            let named = [
                ("velocity", &c.midi[0]),
                ("note", &c.midi[1]),
                ("cc", &c.midi[2]),
                ("value", &c.midi[3]),
                ("timestamp", &c.timestamp),
            ];
            for (name, field) in named {
                if let Some(value) = render_field(field) {
                    fields.push((name.to_owned(), value));
                }
            }
            match &c.metadata {
                Meta::Absent => {}
                Meta::Null => fields.push(("metadata".to_owned(), "null".to_owned())),
                Meta::Bad(text) => fields.push(("metadata".to_owned(), (*text).to_owned())),
                Meta::Map(pairs) => {
                    let pairs = pairs
                        .iter()
                        .map(|(k, v)| (k.clone(), w.string(v)))
                        .collect();
                    let object = w.object(pairs, false);
                    fields.push(("metadata".to_owned(), object));
                }
            }
            for (key, value) in &c.extra {
                fields.push((unknown_key(key, &CONTEXT_FIELDS), value.clone()));
            }
            if let Some((true, name, value)) = duplicated(spec) {
                fields.push((name.to_owned(), value.to_owned()));
            }
            top.push(("context".to_owned(), w.object(fields, true)));
        }
    }
    for (key, value) in &spec.extra {
        top.push((unknown_key(key, &["action", "context"]), value.clone()));
    }
    if let Some((false, name, value)) = duplicated(spec) {
        top.push((name.to_owned(), value.to_owned()));
    }
    let (before, after) = (w.ws(), w.ws());
    format!("{before}{}{after}", w.object(top, true))
}

/// What `render_request(spec)` must parse to.
fn spec_expected(spec: &RequestSpec) -> Result<Expected, ErrorCode> {
    let mut expected = Expected::default();
    // A known member written twice is invalid whatever its values.
    let mut invalid = duplicated(spec).is_some();
    match &spec.action {
        Action::Str(s) => expected.action = s.clone(),
        Action::Missing | Action::Bad(_) => invalid = true,
    }
    match &spec.context {
        Context::Absent | Context::Null => {}
        Context::Bad(_) => invalid = true,
        Context::Obj(c) => {
            let mut midi = [None; 4];
            for (slot, field) in midi.iter_mut().zip(&c.midi) {
                match *field {
                    Field::Absent | Field::Null => {}
                    Field::Int(n) if n <= 127 => *slot = Some(n as u8),
                    Field::Int(_) | Field::Bad(_) => invalid = true,
                }
            }
            [
                expected.velocity,
                expected.note,
                expected.cc,
                expected.value,
            ] = midi;
            match c.timestamp {
                Field::Absent | Field::Null => {}
                Field::Int(n) => expected.timestamp = n,
                Field::Bad(_) => invalid = true,
            }
            match &c.metadata {
                Meta::Absent | Meta::Null => {}
                Meta::Map(pairs) => expected.metadata = pairs.clone(),
                Meta::Bad(_) => invalid = true,
            }
        }
    }
    if invalid {
        Err(ErrorCode::InvalidField)
    } else {
        Ok(expected)
    }
}

const CANONICAL: &str = core_abi::request::CANONICAL_NOTE_ON;

// ---------------------------------------------------------------------------------------------
// Strategies: metadata
// ---------------------------------------------------------------------------------------------

fn semver() -> impl Strategy<Value = String> {
    let number = || prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,4}"];
    let pre = prop_oneof![
        Just("0".to_owned()),
        "[1-9][0-9]{0,3}",
        "[0-9A-Za-z-]{0,4}[A-Za-z-][0-9A-Za-z-]{0,4}"
    ];
    let build = "[0-9A-Za-z-]{1,8}";
    (
        number(),
        number(),
        number(),
        proptest::option::of(vec(pre, 1..4)),
        proptest::option::of(vec(build, 1..4)),
    )
        .prop_map(|(major, minor, patch, pre, build)| {
            let mut version = format!("{major}.{minor}.{patch}");
            if let Some(pre) = pre {
                version.push('-');
                version.push_str(&pre.join("."));
            }
            if let Some(build) = build {
                version.push('+');
                version.push_str(&build.join("."));
            }
            version
        })
}

fn non_empty_text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => vec(any::<char>(), 1..12).prop_map(String::from_iter),
        1 => "[a-z_]{1,12}",
    ]
    .boxed()
}

/// Owned parts of a valid `PluginMetadata`.
#[derive(Debug, Clone)]
struct MetaSpec {
    name: String,
    version: String,
    description: String,
    author: String,
    license: String,
    plugin_type: PluginType,
    actions: Vec<String>,
    capabilities: Vec<Capability>,
}

fn meta_spec() -> impl Strategy<Value = MetaSpec> {
    let actions = btree_set(non_empty_text(), 1..6)
        .prop_map(Vec::from_iter)
        .prop_shuffle();
    let capabilities = subsequence(Capability::ALL.to_vec(), 0..=6).prop_shuffle();
    let plugin_type = select(&[PluginType::Action, PluginType::Trigger][..]);
    (
        (non_empty_text(), semver(), text(), text(), text()),
        plugin_type,
        actions,
        capabilities,
    )
        .prop_map(
            |(
                (name, version, description, author, license),
                plugin_type,
                actions,
                capabilities,
            )| {
                MetaSpec {
                    name,
                    version,
                    description,
                    author,
                    license,
                    plugin_type,
                    actions,
                    capabilities,
                }
            },
        )
}

/// A metadata member value, for generated (not necessarily valid) metadata documents.
#[derive(Debug, Clone)]
enum MetaValue {
    /// A string, escaped in the document's style.
    Str(String),
    /// An array of strings, escaped in the document's style.
    Strings(Vec<String>),
    /// An array of values.
    Items(Vec<MetaValue>),
    /// An object (keys escaped in the document's style; member order kept).
    Object(Vec<(String, MetaValue)>),
    /// JSON text written as is.
    Raw(String),
}

impl MetaValue {
    fn render(self, w: &mut Writer) -> String {
        match self {
            MetaValue::Str(s) => w.string(&s),
            MetaValue::Strings(items) => w.array(&items),
            MetaValue::Items(items) => {
                let items: Vec<String> = items.into_iter().map(|item| item.render(w)).collect();
                format!("[{}{}]", w.ws(), items.join(","))
            }
            MetaValue::Object(members) => {
                let members = members
                    .into_iter()
                    .map(|(key, value)| (key, value.render(w)))
                    .collect();
                w.object(members, false)
            }
            MetaValue::Raw(raw) => raw,
        }
    }
}

/// Values of the wrong type for every field (a string is wrong for `actions`/`capabilities`).
const META_WRONG: &[&str] = &[
    "1",
    "-0.5",
    "null",
    "true",
    "[]",
    "{}",
    "[\"a\",1]",
    "[1]",
    "{\"a\":\"b\"}",
    "\"x\"",
];
/// `type` values: both variants, wrong spellings, wrong types, and serde's map spelling of a
/// unit variant (which MIDIMon's derived enum accepts, see `conformance::daemon`'s known differences).
const TYPE_VALUES: &[&str] = &[
    "\"action\"",
    "\"trigger\"",
    "\"\\u0061ction\"",
    "\"wasm\"",
    "\"Action\"",
    "\"\"",
    "1",
    "null",
    "[\"action\"]",
    "{\"action\":null}",
    "{\"trigger\":null}",
    "{\"wasm\":null}",
    "{\"action\":1}",
];
const ACTION_POOL: &[&str] = &["a", "b", "my_action", "", "é", "A", "\u{0}"];
/// The six names MIDIMon knows, repeats of some, the manifest spelling of `systemcontrol`, and
/// near misses.
const CAPABILITY_POOL: &[&str] = &[
    "network",
    "filesystem",
    "audio",
    "midi",
    "subprocess",
    "systemcontrol",
    "network",
    "midi",
    "system_control",
    "gpu",
    "Network",
    "",
    "midi ",
];
const LICENSES: &[&str] = &["MIT", "Apache-2.0", "MIT OR Apache-2.0", ""];
/// Versions that are not semantic versions, one rule broken each.
const BAD_VERSIONS: &[&str] = &[
    "1.0", "01.0.0", "1.0.0-01", "1.0.0-", "1.0.0+", "v1.0.0", "1.0.0 ", "1.2.3.4", "",
];
/// Unknown members whose value core-abi holds to strict JSON and MIDIMon skips leniently: lone
/// and reversed surrogate escapes, and nesting past core-abi's limit (with the object, 129+).
fn hostile_unknown_value() -> BoxedStrategy<String> {
    prop_oneof![
        select(
            &[
                "\"\\ud800\"",
                "\"\\udc00\\ud800\"",
                "{\"\\uDBFF\":1}",
                "[\"\\uD83C\"]"
            ][..]
        )
        .prop_map(str::to_owned),
        (126usize..=130).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
    ]
    .boxed()
}

fn action_name() -> BoxedStrategy<String> {
    prop_oneof![select(ACTION_POOL).prop_map(str::to_owned), text()].boxed()
}

/// Members of an action written as an object, other than its string `name`.
fn action_member() -> BoxedStrategy<(String, MetaValue)> {
    prop_oneof![
        2 => text().prop_map(|d| ("description".to_owned(), MetaValue::Str(d))),
        1 => select(&["1", "null", "{}", "[\"x\"]"][..])
            .prop_map(|v| ("name".to_owned(), MetaValue::Raw(v.to_owned()))),
        1 => action_name().prop_map(|v| ("id".to_owned(), MetaValue::Str(v))),
        1 => (unknown_key_text(), json_text(true)).prop_map(|(k, v)| (k, MetaValue::Raw(v))),
    ]
    .boxed()
}

/// An action as an object with a string `name` among other members (possibly a second `name`).
fn action_object() -> BoxedStrategy<MetaValue> {
    (action_name(), vec(action_member(), 0..3), any::<Index>())
        .prop_map(|(name, mut members, at)| {
            let at = at.index(members.len() + 1);
            members.insert(at, ("name".to_owned(), MetaValue::Str(name)));
            MetaValue::Object(members)
        })
        .boxed()
}

/// An `actions` value: strings (the README's form), objects with a `name` (MIDIMon's examples'
/// form), a mix, objects without a string name, or the wrong type.
fn actions_value() -> BoxedStrategy<MetaValue> {
    let item = prop_oneof![
        3 => action_name().prop_map(MetaValue::Str),
        3 => action_object(),
        1 => vec(action_member(), 0..3).prop_map(MetaValue::Object),
    ];
    prop_oneof![
        6 => vec(action_name(), 0..4).prop_map(MetaValue::Strings),
        3 => vec(action_object(), 0..4).prop_map(MetaValue::Items),
        2 => vec(item, 1..4).prop_map(MetaValue::Items),
        1 => select(META_WRONG).prop_map(|s| MetaValue::Raw(s.to_owned())),
    ]
    .boxed()
}

/// A `capabilities` value: names from the pool (some in serde's map spelling), or the wrong type.
fn capabilities_value() -> BoxedStrategy<MetaValue> {
    let item = prop_oneof![
        16 => select(CAPABILITY_POOL).prop_map(|s| MetaValue::Str(s.to_owned())),
        1 => select(CAPABILITY_POOL).prop_map(|s| MetaValue::Raw(format!("{{\"{s}\":null}}"))),
        1 => select(META_WRONG).prop_map(|s| MetaValue::Raw(s.to_owned())),
    ];
    prop_oneof![
        8 => vec(item, 0..4).prop_map(MetaValue::Items),
        1 => select(META_WRONG).prop_map(|s| MetaValue::Raw(s.to_owned())),
    ]
    .boxed()
}

fn homepage_value() -> BoxedStrategy<MetaValue> {
    prop_oneof![
        3 => text().prop_map(MetaValue::Str),
        1 => Just(MetaValue::Raw("null".to_owned())),
        1 => select(META_WRONG).prop_map(|s| MetaValue::Raw(s.to_owned())),
    ]
    .boxed()
}

fn version_value() -> BoxedStrategy<MetaValue> {
    prop_oneof![
        6 => semver().prop_map(MetaValue::Str),
        1 => select(BAD_VERSIONS).prop_map(|s| MetaValue::Str(s.to_owned())),
        1 => text().prop_map(MetaValue::Str),
    ]
    .boxed()
}

/// One more member for a metadata document: any field MIDIMon or the README knows (so, often a
/// duplicate), with a right or a wrong value, or an unknown member.
fn meta_member() -> BoxedStrategy<(String, MetaValue)> {
    let wrong = || select(META_WRONG).prop_map(|s| MetaValue::Raw(s.to_owned()));
    let string = || prop_oneof![4 => text().prop_map(MetaValue::Str), 1 => wrong()];
    let text_field = select(&["name", "description", "author", "license"][..]);
    prop_oneof![
        4 => (text_field, string()).prop_map(|(k, v)| (k.to_owned(), v)),
        2 => prop_oneof![version_value(), wrong()].prop_map(|v| ("version".to_owned(), v)),
        2 => select(TYPE_VALUES).prop_map(|v| ("type".to_owned(), MetaValue::Raw(v.to_owned()))),
        2 => homepage_value().prop_map(|v| ("homepage".to_owned(), v)),
        2 => actions_value().prop_map(|v| ("actions".to_owned(), v)),
        2 => capabilities_value().prop_map(|v| ("capabilities".to_owned(), v)),
        2 => (unknown_key_text(), json_text(true)).prop_map(|(k, v)| (k, MetaValue::Raw(v))),
        1 => (text(), hostile_unknown_value()).prop_map(|(k, v)| (k, MetaValue::Raw(v))),
    ]
    .boxed()
}

/// Metadata documents: usually MIDIMon's six required fields (one sometimes dropped), each drawn
/// to break a rule now and then, plus `actions` and often `capabilities`/`homepage`, then now
/// and then more members (duplicates, wrong types, unknown ones), in random order and style.
fn metadata_document() -> impl Strategy<Value = String> {
    let name = prop_oneof![8 => non_empty_text(), 1 => Just(String::new())];
    let license = prop_oneof![select(LICENSES).prop_map(str::to_owned), text()];
    let plugin_type = select(&["action", "trigger"][..]);
    let required = (
        (name, version_value(), text(), text(), license, plugin_type),
        proptest::option::weighted(0.9, actions_value()),
        proptest::option::of(prop_oneof![
            3 => subsequence(Capability::ALL.map(Capability::name).to_vec(), 0..=6)
                .prop_shuffle()
                .prop_map(|names| MetaValue::Strings(names.into_iter().map(str::to_owned).collect())),
            1 => capabilities_value(),
        ]),
        proptest::option::weighted(0.3, homepage_value()),
        proptest::option::weighted(0.2, 0..6usize),
    )
        .prop_map(
            |(
                (name, version, description, author, license, plugin_type),
                actions,
                capabilities,
                homepage,
                drop,
            )| {
                let mut members = vec![
                    ("name".to_owned(), MetaValue::Str(name)),
                    ("version".to_owned(), version),
                    ("description".to_owned(), MetaValue::Str(description)),
                    ("author".to_owned(), MetaValue::Str(author)),
                    ("license".to_owned(), MetaValue::Str(license)),
                    ("type".to_owned(), MetaValue::Str(plugin_type.to_owned())),
                ];
                if let Some(i) = drop {
                    members.remove(i);
                }
                let optional = [
                    ("actions", actions),
                    ("capabilities", capabilities),
                    ("homepage", homepage),
                ];
                for (key, value) in optional {
                    if let Some(value) = value {
                        members.push((key.to_owned(), value));
                    }
                }
                members
            },
        );
    let required = prop_oneof![12 => required, 1 => Just(Vec::new())];
    let extra = prop_oneof![3 => Just(Vec::new()), 2 => vec(meta_member(), 1..3)];
    let style = select(&[Style::Serde, Style::AllEscaped, Style::Mixed][..]);
    (required, extra, style, any::<u64>()).prop_map(|(mut members, extra, style, seed)| {
        members.extend(extra);
        let mut w = Writer::new(style, seed);
        let rendered = members
            .into_iter()
            .map(|(key, value)| (key, value.render(&mut w)))
            .collect();
        w.object(rendered, true)
    })
}

// ---------------------------------------------------------------------------------------------
// Strategies: binary
// ---------------------------------------------------------------------------------------------

fn midi() -> BoxedStrategy<Option<u8>> {
    prop_oneof![1 => Just(None), 3 => (0u8..=127).prop_map(Some)].boxed()
}

fn header(midi: fn() -> BoxedStrategy<Option<u8>>) -> impl Strategy<Value = BinaryHeader> {
    let action = prop_oneof![0u32..4, any::<u32>()];
    let timestamp = prop_oneof![any::<u64>(), 0u64..1000, Just(u64::MAX)];
    (action, midi(), midi(), midi(), midi(), timestamp).prop_map(
        |(action, velocity, note, cc, value, timestamp)| BinaryHeader {
            action,
            velocity,
            note,
            cc,
            value,
            timestamp,
        },
    )
}

fn encode(header: &BinaryHeader, pairs: &[(String, String)]) -> Vec<u8> {
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut buf = vec![
        0u8;
        32 + pairs
            .iter()
            .map(|(k, v)| k.len() + v.len() + 10)
            .sum::<usize>()
    ];
    let len = binary::encode(header, &refs, &mut buf)
        .map(|bytes| bytes.len())
        .unwrap_or(0);
    buf.truncate(len);
    buf
}

// ---------------------------------------------------------------------------------------------
// Text checks
// ---------------------------------------------------------------------------------------------

/// `text`, read from a JSON string whose contents are `raw`, decodes to exactly `s`.
fn check_text(text: Text<'_>, s: &str, raw: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(text.raw(), raw);
    prop_assert_eq!(text.to_string(), s);
    prop_assert!(text.eq_str(s));
    prop_assert!(text == *s && text == s);
    prop_assert!(text == Text::plain(s) && Text::plain(s) == text);
    prop_assert_eq!(text.decoded_len(), s.len());
    prop_assert_eq!(text.is_empty(), s.is_empty());
    prop_assert_eq!(text.chars().collect::<String>(), s);
    prop_assert_eq!(text.bytes().collect::<Vec<u8>>(), s.as_bytes());
    prop_assert_eq!(
        text.as_plain(),
        if raw.contains('\\') { None } else { Some(s) }
    );
    let longer = format!("{s}x");
    prop_assert!(!text.eq_str(&longer));
    if let Some(last) = s.chars().next_back() {
        prop_assert!(!text.eq_str(&s[..s.len() - last.len_utf8()]));
        let mut small = vec![0u8; s.len() - 1];
        prop_assert_eq!(text.decode_into(&mut small), None);
    }
    let mut exact = vec![0u8; s.len()];
    prop_assert_eq!(text.decode_into(&mut exact), Some(s));
    let heapless = text.to_heapless::<24>();
    prop_assert_eq!(
        heapless.as_ref().map(|h| h.as_str()),
        (s.len() <= 24).then_some(s)
    );
    let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    prop_assert_eq!(
        text.parse_u32(),
        if digits { s.parse::<u32>().ok() } else { None }
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(3000))]

    /// 1 and 2: arbitrary bytes never panic any reader; each answer is consistent with
    /// serde_json, postcard and the reference models.
    #[test]
    fn arbitrary_bytes(bytes in any_bytes()) {
        check_validate(&bytes)?;
        check_request(&bytes)?;
        check_metadata(&bytes)?;
        check_binary(&bytes)?;
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// 2: generated JSON texts, valid or with invalid pieces, corrupted or not, are judged by
    /// `json::validate` as serde_json judges them (modulo the documented differences).
    #[test]
    fn json_texts_agree_with_serde_json(
        text in prop_oneof![document(true), document(false)],
        mutations in vec(mutation(), 0..3),
    ) {
        let bytes = text.into_bytes();
        check_validate(&bytes)?;
        let mutated = mutate(bytes, &mutations);
        check_validate(&mutated)?;
        check_request(&mutated)?;
        check_metadata(&mutated)?;
    }
}

proptest! {
    #![proptest_config(config(200))]

    /// 2 (a): nesting is limited to 128 levels of arrays and objects (serde_json: 127).
    #[test]
    fn nesting_limit(depth in 120usize..=136, objects in vec(any::<bool>(), 136), leaf in json_text(true)) {
        let mut text = String::new();
        for &object in &objects[..depth] {
            text.push_str(if object { "{\"k\":" } else { "[" });
        }
        // Containers in the leaf count too.
        let leaf_depth = nesting_depth(leaf.as_bytes());
        text.push_str(&leaf);
        for &object in objects[..depth].iter().rev() {
            text.push(if object { '}' } else { ']' });
        }
        let total = depth + leaf_depth;
        let ours = json::validate(text.as_bytes());
        prop_assert_eq!(ours, if total <= 128 { Ok(()) } else { Err(ErrorCode::NestingTooDeep) });
        let theirs = serde_json::from_str::<Value>(&text);
        if !has_huge_number(leaf.as_bytes()) {
            prop_assert_eq!(theirs.is_ok(), total <= 127);
        }
        check_validate(text.as_bytes())?;
        let request = format!("{{\"action\":\"a\",\"junk\":{text}}}");
        check_request(request.as_bytes())?;
        // The request's own object counts: the whole body is held to 128 levels.
        prop_assert_eq!(parse_request(request.as_bytes()).is_ok(), total < 128);
    }
}

proptest! {
    #![proptest_config(config(600))]

    /// 3 and 4: generated requests parse to exactly the generated values, or to
    /// `InvalidField` exactly when a value is missing, of the wrong type or out of range.
    #[test]
    fn generated_requests(spec in request_spec()) {
        let body = render_request(&spec);
        let expected = spec_expected(&spec);
        let got = parse_request(body.as_bytes());
        match (&got, &expected) {
            (Ok(request), Ok(expected)) => same_request(request, expected)?,
            (Err(a), Err(b)) if a == b => {}
            _ => return fail(format!("{body:?}: parse_request {got:?}, expected {expected:?}")),
        }
        check_request(body.as_bytes())?;
    }
}

proptest! {
    #![proptest_config(config(500))]

    /// 5: corrupted generated requests: never panic, consistent with serde_json and the model.
    #[test]
    fn corrupted_requests(spec in request_spec(), mutations in vec(mutation(), 1..4)) {
        let body = mutate(render_request(&spec).into_bytes(), &mutations);
        check_request(&body)?;
        check_validate(&body)?;
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// 5: random corruptions of the canonical request.
    #[test]
    fn corrupted_canonical_request(mutations in vec(mutation(), 1..5)) {
        let body = mutate(CANONICAL.as_bytes().to_vec(), &mutations);
        check_request(&body)?;
        check_validate(&body)?;
    }
}

proptest! {
    #![proptest_config(config(600))]

    /// 6: valid metadata survives `to_json` → `validate_metadata_json` and serde_json.
    #[test]
    fn metadata_round_trip(spec in meta_spec(), cut in any::<Index>()) {
        let actions: Vec<&str> = spec.actions.iter().map(String::as_str).collect();
        let m = PluginMetadata {
            name: &spec.name,
            version: &spec.version,
            description: &spec.description,
            author: &spec.author,
            license: &spec.license,
            plugin_type: spec.plugin_type,
            actions: &actions,
            capabilities: &spec.capabilities,
        };
        prop_assert_eq!(m.validate(), Ok(()));
        prop_assert!(conformance::semver_spec(&spec.version), "{}", spec.version);
        let mut buf = vec![0u8; 4096];
        let json = m.to_json(&mut buf).map_err(|e| TestCaseError::fail(e.to_string()))?.to_owned();
        let mut small = vec![0u8; cut.index(json.len())];
        prop_assert_eq!(m.to_json(&mut small), Err(MetadataError::BufferTooSmall));

        let view = validate_metadata_json(json.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
        prop_assert_eq!(view.name.to_string(), spec.name.clone());
        prop_assert_eq!(view.version.to_string(), spec.version.clone());
        prop_assert_eq!(view.description.to_string(), spec.description.clone());
        prop_assert_eq!(view.author.to_string(), spec.author.clone());
        prop_assert_eq!(view.license.to_string(), spec.license.clone());
        prop_assert_eq!(view.plugin_type, spec.plugin_type);
        prop_assert!(view.homepage.is_none());
        let listed: Vec<String> = view.actions().map(|a| a.to_string()).collect();
        prop_assert_eq!(&listed, &spec.actions);
        prop_assert_eq!(view.actions_form(), Some(ActionsForm::Strings));
        for c in Capability::ALL {
            prop_assert_eq!(view.capabilities.contains(c), spec.capabilities.contains(&c));
        }
        prop_assert_eq!(view.conformance_issues().count(), 0);

        let value: Value = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(value["name"].as_str(), Some(spec.name.as_str()));
        prop_assert_eq!(value["version"].as_str(), Some(spec.version.as_str()));
        prop_assert_eq!(value["description"].as_str(), Some(spec.description.as_str()));
        prop_assert_eq!(value["author"].as_str(), Some(spec.author.as_str()));
        prop_assert_eq!(value["license"].as_str(), Some(spec.license.as_str()));
        prop_assert_eq!(value["type"].as_str(), Some(spec.plugin_type.name()));
        prop_assert_eq!(&value["actions"], &Value::from(spec.actions.clone()));
        let names: Vec<&str> = spec.capabilities.iter().map(|c| c.name()).collect();
        prop_assert_eq!(&value["capabilities"], &Value::from(names));
        check_metadata(json.as_bytes())?;
    }
}

proptest! {
    #![proptest_config(config(800))]

    /// 6: generated metadata documents, corrupted or not, against the rules and MIDIMon's struct.
    #[test]
    fn metadata_documents(doc in metadata_document(), mutate_it in any::<bool>(), mutations in vec(mutation(), 1..3)) {
        check_metadata(doc.as_bytes())?;
        if mutate_it {
            check_metadata(&mutate(doc.into_bytes(), &mutations))?;
        }
    }
}

proptest! {
    #![proptest_config(config(800))]

    /// 7: postcard round trip, resolution, too small buffers and truncations.
    #[test]
    fn binary_round_trip(
        h in header(midi),
        pairs in vec((text(), text()), 0..5),
        action_count in 0u32..5,
        cut in any::<Index>(),
    ) {
        let bytes = encode(&h, &pairs);
        prop_assert!(!bytes.is_empty());
        let request = binary::decode(&bytes).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let c = request.context;
        prop_assert_eq!(request.action_index, h.action);
        prop_assert_eq!((c.velocity, c.note, c.cc, c.value, c.timestamp), (h.velocity, h.note, h.cc, h.value, h.timestamp));
        let decoded: Vec<(String, String)> = c.metadata.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        prop_assert_eq!(&decoded, &pairs);
        prop_assert!(c.metadata.iter().all(|(k, v)| k.as_plain().is_some() && v.as_plain().is_some()));
        for (key, _) in &pairs {
            let last = pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
            prop_assert_eq!(c.metadata.get(key).and_then(|t| t.as_plain()), last);
        }

        // postcard reads the same bytes to the same values.
        let (theirs, rest) = postcard::take_from_bytes::<BinaryHeader>(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(theirs, h);
        prop_assert!(!rest.is_empty());
        let whole: (BinaryHeader, Vec<(String, String)>) = postcard::from_bytes(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&whole, &(h, pairs.clone()));
        #[cfg(feature = "std")]
        {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            prop_assert_eq!(binary::encode_to_vec(&h, &refs), bytes.clone());
        }

        // Resolution against the declared actions.
        let names: Vec<String> = (0..action_count).map(|i| format!("action{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        match request.resolve(&names) {
            Ok(resolved) => {
                prop_assert!(h.action < action_count);
                prop_assert!(resolved.action == names[h.action as usize]);
                prop_assert_eq!(resolved.context.metadata.len(), pairs.len());
            }
            Err(e) => {
                prop_assert_eq!(e, ErrorCode::UnknownAction);
                prop_assert!(h.action >= action_count);
            }
        }

        // Too small a buffer, and truncated input.
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut small = vec![0u8; cut.index(bytes.len())];
        prop_assert_eq!(binary::encode(&h, &refs, &mut small).err(), Some(ErrorCode::RequestTooLarge));
        let cut = cut.index(bytes.len());
        prop_assert_eq!(binary::decode(&bytes[..cut]).err(), Some(ErrorCode::MalformedBinary), "cut at {}", cut);
        check_binary(&bytes)?;
    }
}

proptest! {
    #![proptest_config(config(800))]

    /// 7: a MIDI value above 127 is `InvalidField`; truncations are `MalformedBinary` until the
    /// whole header is present, then `InvalidField`.
    #[test]
    fn binary_out_of_range(
        h in header(midi),
        bad in (0usize..4, 128u8..=255),
        pairs in vec((text(), text()), 0..3),
        cut in any::<Index>(),
    ) {
        let mut h = h;
        let slot = [&mut h.velocity, &mut h.note, &mut h.cc, &mut h.value].into_iter().nth(bad.0);
        if let Some(slot) = slot {
            *slot = Some(bad.1);
        }
        let bytes = encode(&h, &pairs);
        prop_assert_eq!(binary::decode(&bytes).err(), Some(ErrorCode::InvalidField));
        let mut buf = [0u8; 32];
        let header_len = postcard::to_slice(&h, &mut buf).map(|b| b.len()).unwrap_or(0);
        let cut = cut.index(bytes.len() + 1);
        let expected = if cut < header_len { ErrorCode::MalformedBinary } else { ErrorCode::InvalidField };
        prop_assert_eq!(binary::decode(&bytes[..cut]).err(), Some(expected), "cut at {}", cut);
        check_binary(&bytes[..cut])?;
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// 7: corrupted encodings are judged as postcard judges them.
    #[test]
    fn corrupted_binary(
        h in header(|| prop_oneof![3 => midi(), 1 => any::<Option<u8>>()].boxed()),
        pairs in vec((text(), text()), 0..3),
        mutations in vec(mutation(), 1..3),
    ) {
        let bytes = mutate(encode(&h, &pairs), &mutations);
        check_binary(&bytes)?;
    }
}

proptest! {
    #![proptest_config(config(800))]

    /// 8: any string, however it is escaped, decodes to itself.
    #[test]
    fn text_decoding(s in text(), upper in any::<bool>(), seed in any::<u64>()) {
        const OTHER: &str = "other key";
        let encodings = [
            serde_json::to_string(&s).map_err(|e| TestCaseError::fail(e.to_string()))?,
            format!("\"{}\"", escape_all(&s, upper)),
            format!("\"{}\"", escape_mixed(&s, &mut Rng(seed))),
        ];
        let mut actions = Vec::new();
        for encoded in &encodings {
            let raw = &encoded[1..encoded.len() - 1];
            let body = format!(r#"{{"action":{encoded},"context":{{"metadata":{{{encoded}:{encoded},"{OTHER}":"x"}}}}}}"#);
            let request = parse_request(body.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e:?}: {body:?}")))?;
            check_text(request.action, &s, raw)?;
            let metadata = request.context.metadata;
            prop_assert_eq!(metadata.len(), 2);
            let (key, value) = metadata.iter().next().ok_or_else(|| TestCaseError::fail("no metadata"))?;
            check_text(key, &s, raw)?;
            check_text(value, &s, raw)?;
            if s != OTHER {
                let got = metadata.get(&s).ok_or_else(|| TestCaseError::fail("get"))?;
                check_text(got, &s, raw)?;
            }
            actions.push(request.action.to_string());
            check_request(body.as_bytes())?;
        }
        prop_assert!(actions.iter().all(|a| *a == s));
    }
}

/// UTF-16 code units at the edges: controls, the surrogate ranges, the end of the BMP.
const CODE_UNITS: &[u16] = &[
    0x0000, 0x001F, 0x0020, 0x007F, 0x00E9, 0xD7FF, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xE000, 0xFFFD,
    0xFFFF,
];
/// What may stand between escapes: nothing, a character, escapes, or the start of one.
const BETWEEN_ESCAPES: &[&str] = &["", "", "", "x", "\\n", "\\\\", "\\u", "\\", "\\u00"];

proptest! {
    #![proptest_config(config(1000))]

    /// 2 and 8: runs of `\uXXXX` escapes (surrogates paired, unpaired, reversed, interrupted)
    /// are accepted exactly when serde_json accepts them, and decode to the same string.
    #[test]
    fn unicode_escapes(
        units in vec(prop_oneof![3 => select(CODE_UNITS), 1 => any::<u16>()], 1..5),
        between in vec(select(BETWEEN_ESCAPES), 5),
        upper in any::<bool>(),
    ) {
        let mut literal = String::from("\"");
        for (unit, between) in units.iter().zip(&between) {
            literal.push_str(between);
            if upper {
                let _ = write!(literal, "\\u{unit:04X}");
            } else {
                let _ = write!(literal, "\\u{unit:04x}");
            }
        }
        literal.push_str(between[4]);
        literal.push('"');
        check_validate(literal.as_bytes())?;
        let body = format!(r#"{{"action":{literal},"context":{{"metadata":{{{literal}:{literal}}}}}}}"#);
        check_request(body.as_bytes())?;
        if let Ok(decoded) = serde_json::from_str::<String>(&literal) {
            let request = parse_request(body.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let raw = &literal[1..literal.len() - 1];
            check_text(request.action, &decoded, raw)?;
            let got = request.context.metadata.get(&decoded).ok_or_else(|| TestCaseError::fail("get"))?;
            check_text(got, &decoded, raw)?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Exhaustive and example-based checks
// ---------------------------------------------------------------------------------------------

/// 1, 2, 7: every non-ASCII lead byte with every second byte and a few tails, inside a JSON
/// string (in the part the string scanner reads 8 bytes at a time) and as a postcard metadata
/// key: the JSON validator agrees with serde_json and the binary decoder with `str::from_utf8`.
#[test]
fn utf8_sequences_exhaustive() {
    let tails: [&[u8]; 4] = [b"", b"\x80", b"\x80\x80", b"\xbf\xbf"];
    for lead in 0x80u8..=0xFF {
        for second in 0u8..=0xFF {
            for tail in tails {
                let mut sequence = vec![lead, second];
                sequence.extend_from_slice(tail);
                let mut json = b"[\"abc".to_vec();
                json.extend(&sequence);
                json.extend(b"defghijklmn\"]");
                if let Err(e) = check_validate(&json) {
                    panic!("{e}");
                }
                // Action 0, no MIDI values, timestamp 0, one pair: (sequence, "").
                let mut encoded = vec![0, 0, 0, 0, 0, 0, 1, sequence.len() as u8];
                encoded.extend(&sequence);
                encoded.push(0);
                let expected = std::str::from_utf8(&sequence).is_ok();
                assert_eq!(
                    binary::decode(&encoded).is_ok(),
                    expected,
                    "{}",
                    show(&sequence)
                );
            }
        }
    }
}

/// 5: every single-byte deletion, substitution and insertion in the canonical request.
#[test]
fn canonical_single_byte_edits() {
    let canonical = CANONICAL.as_bytes();
    let mut edits = Vec::new();
    for i in 0..=canonical.len() {
        if i < canonical.len() {
            let mut deleted = canonical.to_vec();
            deleted.remove(i);
            edits.push(deleted);
        }
        for &b in JSON_BYTES {
            if i < canonical.len() && canonical[i] != b {
                let mut replaced = canonical.to_vec();
                replaced[i] = b;
                edits.push(replaced);
            }
            let mut inserted = canonical.to_vec();
            inserted.insert(i, b);
            edits.push(inserted);
        }
    }
    for body in edits {
        if let Err(e) = check_request(&body).and_then(|()| check_validate(&body)) {
            panic!("{e}");
        }
    }
}

/// 5: a duplicated field is `InvalidField`, however its key is written; a duplicated metadata
/// key is not (the last one wins).
#[test]
fn canonical_duplicated_fields() {
    let members = [
        r#""action":"my_action""#,
        r#""context":{"velocity":100,"note":60,"cc":null,"value":null,"timestamp":1234567890,"metadata":{"key":"value"}}"#,
        r#""velocity":100"#,
        r#""note":60"#,
        r#""cc":null"#,
        r#""value":null"#,
        r#""timestamp":1234567890"#,
        r#""metadata":{"key":"value"}"#,
        r#""key":"value""#,
    ];
    for member in members {
        let at = CANONICAL
            .find(member)
            .expect("member of the canonical request")
            + member.len();
        let key_end = member[1..].find('"').unwrap_or(0) + 1;
        let key = &member[1..key_end];
        let escaped_key = format!("\"{}{}", escape_all(&key[..1], false), &member[2..]);
        for copy in [member.to_owned(), escaped_key] {
            let body = format!("{},{copy}{}", &CANONICAL[..at], &CANONICAL[at..]);
            let result = parse_request(body.as_bytes());
            if key == "key" {
                let request = result.expect("duplicate metadata keys are allowed");
                assert_eq!(request.context.metadata.len(), 2, "{body}");
                assert!(request
                    .context
                    .metadata
                    .get("key")
                    .is_some_and(|v| v == "value"));
            } else {
                assert_eq!(result.err(), Some(ErrorCode::InvalidField), "{body}");
            }
            if let Err(e) = check_request(body.as_bytes()) {
                panic!("{e}");
            }
        }
    }
}

/// The documented differences with serde_json, as examples.
#[test]
fn serde_json_differences_are_as_documented() {
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    for (depth, ours, theirs) in [(127, true, true), (128, true, false), (129, false, false)] {
        let text = nested(depth);
        assert_eq!(
            json::validate(text.as_bytes()).is_ok(),
            ours,
            "depth {depth}"
        );
        assert_eq!(
            serde_json::from_str::<Value>(&text).is_ok(),
            theirs,
            "depth {depth}"
        );
    }
    for number in [
        "1e309",
        "-1e309",
        "1e99999999999999999999",
        "1.7976931348623158e308",
        &"9".repeat(400),
    ] {
        assert_eq!(json::validate(number.as_bytes()), Ok(()), "{number}");
        let err = serde_json::from_str::<Value>(number).expect_err(number);
        assert!(
            known_json_difference(number.as_bytes(), &err),
            "{number}: {err}"
        );
    }
    for number in [
        "1.7976931348623157e308",
        "1e-400",
        "0e99999999999999999999",
        "-0",
    ] {
        assert!(serde_json::from_str::<Value>(number).is_ok(), "{number}");
    }
}

/// `MAX_METADATA_LEN` is inclusive.
#[test]
fn metadata_size_limit() {
    let base = r#"{"name":"p","version":"1.0.0","description":"d","author":"a","license":"MIT","type":"action","actions":["a"],"pad":""}"#;
    for len in [MAX_METADATA_LEN - 1, MAX_METADATA_LEN, MAX_METADATA_LEN + 1] {
        let pad = "x".repeat(len - base.len());
        let doc = base.replace(r#""pad":"""#, &format!(r#""pad":"{pad}""#));
        assert_eq!(doc.len(), len);
        let expected = if len <= MAX_METADATA_LEN {
            Ok(())
        } else {
            Err(MetadataError::TooLarge { len })
        };
        assert_eq!(validate_metadata_json(doc.as_bytes()).map(|_| ()), expected);
        if let Err(e) = check_metadata(doc.as_bytes()) {
            panic!("{e}");
        }
    }
}

/// The documented differences with MIDIMon's own struct (`conformance::daemon`'s
/// `known_daemon_difference`), as examples: MIDIMon loads each, core-abi reports the error
/// named, and the oracle accepts the pair. The same faults in a field MIDIMon reads are
/// rejected by both.
#[test]
fn daemon_differences_are_as_documented() {
    const REQUIRED: &str =
        r#""name":"p","version":"1.0.0","description":"d","author":"a","license":"MIT""#;
    let deep = format!("{}{}", "[".repeat(128), "]".repeat(128));
    let differences = [
        (
            format!(r#"{{{REQUIRED},"type":"action","x":"\ud800"}}"#),
            MetadataError::MalformedJson,
        ),
        (
            format!(r#"{{{REQUIRED},"type":"action","actions":["\udc00\ud800"]}}"#),
            MetadataError::MalformedJson,
        ),
        (
            format!(r#"{{{REQUIRED},"type":"action","x":{deep}}}"#),
            MetadataError::NestingTooDeep,
        ),
        (
            r#"["p","1.0.0","d","a",null,"MIT","action"]"#.to_owned(),
            MetadataError::NotAnObject,
        ),
        (
            format!(r#"{{{REQUIRED},"type":{{"action":null}}}}"#),
            MetadataError::WrongType("type"),
        ),
        (
            format!(r#"{{{REQUIRED},"type":"action","capabilities":["audio",{{"midi":null}}]}}"#),
            MetadataError::WrongType("capabilities"),
        ),
    ];
    for (json, error) in &differences {
        assert_eq!(conformance::daemon_loads(json.as_bytes()), Ok(()), "{json}");
        assert_eq!(
            metadata::read_metadata_json(json.as_bytes()).err(),
            Some(*error),
            "{json}"
        );
        check_metadata(json.as_bytes()).expect("a known difference");
    }
    let both_reject = [
        format!(r#"{{{REQUIRED},"type":"\ud800"}}"#),
        format!(r#"{{{REQUIRED},"type":"action","capabilities":["\ud800"]}}"#),
        format!(r#"{{{REQUIRED},"type":{{"wasm":null}}}}"#),
        format!(r#"{{{REQUIRED},"type":{{"action":null,"x":1}}}}"#),
        r#"["p","1.0.0","d","a","MIT","action"]"#.to_owned(),
    ];
    for json in &both_reject {
        assert!(
            conformance::daemon_loads(json.as_bytes()).is_err(),
            "{json}"
        );
        assert!(
            metadata::read_metadata_json(json.as_bytes()).is_err(),
            "{json}"
        );
        check_metadata(json.as_bytes()).expect("agreement");
    }
}

/// The metadata document generator reaches every rule: each load failure and each README issue
/// comes up in 3,000 documents drawn with a fixed seed (so that a generator change that stops
/// exercising a rule fails here rather than going unnoticed).
#[test]
fn metadata_documents_reach_every_rule() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = metadata_document();
    let kind = |e: &MetadataError| {
        let debug = format!("{e:?}");
        debug.split(" {").next().unwrap_or_default().to_owned()
    };
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..3000 {
        let doc = strategy
            .new_tree(&mut runner)
            .expect("a document")
            .current();
        let mut outcomes = Vec::new();
        match metadata::read_metadata_json(doc.as_bytes()) {
            Err(e) => outcomes.push(kind(&e)),
            Ok(view) => {
                outcomes.push("loads".to_owned());
                let issues: Vec<String> = view.conformance_issues().map(|e| kind(&e)).collect();
                if issues.is_empty() {
                    outcomes.push("conforms".to_owned());
                }
                outcomes.extend(issues);
            }
        }
        if conformance::daemon_loads(doc.as_bytes()).is_ok() {
            outcomes.push("MIDIMon loads".to_owned());
        }
        for outcome in outcomes {
            *seen.entry(outcome).or_default() += 1;
        }
    }
    let mut expected: Vec<String> = [
        "loads",
        "conforms",
        "MIDIMon loads",
        "MalformedJson",
        "NestingTooDeep",
        "UnknownType",
        "UnknownCapability",
        "EmptyName",
        "InvalidVersion",
        "NoActions",
        "EmptyAction",
        "DuplicateAction",
        "ActionsAsObjects",
        "DuplicateCapability",
    ]
    .map(str::to_owned)
    .to_vec();
    for field in &conformance::METADATA_FIELDS[..6] {
        expected.push(format!("MissingField({field:?})"));
    }
    for field in conformance::METADATA_FIELDS {
        expected.push(format!("WrongType({field:?})"));
        expected.push(format!("DuplicateField({field:?})"));
    }
    expected.push("MissingField(\"actions\")".to_owned());
    println!("outcomes of 3000 generated documents: {seen:?}");
    let missing: Vec<&String> = expected.iter().filter(|e| !seen.contains_key(*e)).collect();
    assert!(
        missing.is_empty(),
        "never generated: {missing:?}; seen: {seen:?}"
    );
}

/// The documented difference with postcard: over-long `usize` varints.
#[test]
fn postcard_difference_is_as_documented() {
    // Action 0, four `None`s, timestamp 0, then a pair count of 0 written in 6 bytes.
    let overlong = [0, 0, 0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
    type Whole<'a> = (BinaryHeader, Vec<(&'a str, &'a str)>);
    #[cfg(target_pointer_width = "64")]
    assert!(postcard::from_bytes::<Whole<'_>>(&overlong).is_ok());
    assert_eq!(
        binary::decode(&overlong).err(),
        Some(ErrorCode::MalformedBinary)
    );
    // Five bytes is within a u32 varint's length, and both accept it.
    let five = [0, 0, 0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x00];
    assert!(postcard::from_bytes::<Whole<'_>>(&five).is_ok());
    assert!(binary::decode(&five).is_ok());
    if let Err(e) = check_binary(&overlong) {
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions: findings of these tests, fixed in core-abi
// ---------------------------------------------------------------------------------------------

/// Metadata that passes the plugin-side checks passes the host's, however long its version
/// (the validator once decoded every version into a 256-byte buffer).
#[test]
fn long_versions_round_trip() {
    let version = format!("0.0.0-{}", "a".repeat(251));
    assert_eq!(version.len(), 257);
    let m = PluginMetadata {
        name: "p",
        version: &version,
        description: "",
        author: "",
        license: "",
        plugin_type: PluginType::Action,
        actions: &["a"],
        capabilities: &[],
    };
    assert_eq!(m.validate(), Ok(()));
    let mut buf = [0u8; 1024];
    let json = m.to_json(&mut buf).expect("fits");
    assert!(validate_metadata_json(json.as_bytes()).is_ok(), "{json}");
    check_metadata(json.as_bytes()).expect("the oracle agrees");
}

/// `parse_request` holds a body to the nesting limit of `json::validate`, its own objects
/// included (it once counted only the values it skipped, accepting 130 levels).
#[test]
fn request_nesting_is_held_to_validate() {
    let junk = format!("{}{}", "[".repeat(128), "]".repeat(128));
    let body = format!(r#"{{"action":"a","context":{{"x":{junk}}}}}"#);
    assert_eq!(
        json::validate(body.as_bytes()),
        Err(ErrorCode::NestingTooDeep)
    );
    assert_eq!(
        parse_request(body.as_bytes()).err(),
        Some(ErrorCode::NestingTooDeep)
    );
}
