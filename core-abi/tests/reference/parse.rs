//! The request parser core-abi shipped before issue #12 (commit 54d963b,
//! `core-abi/src/request.rs`), copied with one change: instead of borrowed views it returns the
//! decoded action and metadata entries ([`Parsed`]), collected as it goes. Everything that
//! decides acceptance and error codes is as it was.
#![allow(dead_code, clippy::all)]

use super::scan::*;
use core_abi::json::MAX_NESTING;
use core_abi::request::MIDI_MAX;
use core_abi::ErrorCode;

/// What the old parser accepted: decoded action, MIDI fields, timestamp, metadata in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    pub action: Vec<u8>,
    pub midi: [Option<u8>; 4],
    pub timestamp: u64,
    pub metadata: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Decodes the string literal at `start` that `scan_string` accepted as `step`.
fn decoded(body: &[u8], start: usize, step: Step) -> Vec<u8> {
    let raw = &body[start + 1..step.pos() - 1];
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' {
            let escape = decode_escape(raw, i);
            i = escape.end();
            let mut unit = [0u8; 4];
            let len = encode_utf8(escape.code_point(), &mut unit);
            out.extend_from_slice(&unit[..usize::from(len)]);
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

pub fn parse_request(body: &[u8]) -> Result<Parsed, ErrorCode> {
    if u32::try_from(body.len()).is_err() {
        return Err(ErrorCode::RequestTooLarge);
    }
    // One loop over the members of all three objects (request, context, metadata) with the
    // position in a local: on wasm this is several times cheaper than a call per object and
    // per token, and the parser is a plugin's largest piece of code and work.
    let mut level = Level::Request;
    let mut action = None;
    let mut parsed = Parsed::default();
    let mut pending_key = Vec::new();
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
                    let _ = metadata_start;
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
        if matches!(level, Level::Metadata) {
            pending_key = decoded(body, key_start, key_step);
        }
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
                    action = Some(decoded(body, pos, step));
                } else {
                    let key = core::mem::take(&mut pending_key);
                    parsed.metadata.push((key, decoded(body, pos, step)));
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
                    Field::TIMESTAMP => parsed.timestamp = number,
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
    parsed.midi = midi;
    parsed.action = action.ok_or(ErrorCode::InvalidField)?;
    Ok(parsed)
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
        let key = decoded(body, quote, step);
        return fields
            .clone()
            .find(|&f| key == FIELDS[f as usize].name.as_bytes())
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
        && (len <= 8 || body[start + 8..start + len] == name[8..]);
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

/// The old `json::validate`: one strict JSON document of any kind.
pub fn validate(bytes: &[u8]) -> Result<(), ErrorCode> {
    if u32::try_from(bytes.len()).is_err() {
        return Err(ErrorCode::RequestTooLarge);
    }
    let step = skip_value(bytes, 0, MAX_NESTING);
    check(step)?;
    let pos = skip_ws(bytes, step.pos());
    if pos < bytes.len() {
        return Err(fault(fault_at(bytes, pos)));
    }
    Ok(())
}
