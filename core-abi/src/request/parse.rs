//! The request parser: one loop over the members of the request and of its `context`, with the
//! position in a local, and one over the entries of `metadata`.
//!
//! It runs on every note, in every plugin, and fuel is counted per wasm instruction, so it is
//! written for that cost model:
//!
//! - a known key in the form hosts send it (`,"velocity":`, no escape, no space around it) is
//!   recognised from two loads and one table entry, separator, quotes, name and colon at once
//!   (MIDIMon's `current_mode` too, as a key to ignore), and so is an unknown key of up to
//!   four plain bytes (`,"a":`); any other key (longer unknown, escaped, spaced) takes the
//!   general path through the string scanner, which gives the same answer;
//! - integers are read in the same pass that delimits them, eight digits at a time, the last
//!   ones from the word that holds them;
//! - `metadata` entries, which may number thousands, have a loop of their own that does only
//!   what an entry needs: two strings and their punctuation;
//! - the action is matched against the declared names as it is read, so a plugin dispatches by
//!   index ([`crate::request::parse_request_in`]);
//! - anything else (unknown members, values of the wrong type) goes through
//!   [`skip_value`], a state machine bounded per byte.
//!
//! Only the first fault in reading order decides the error code, as the README specifies; the
//! parser this replaced is kept in `tests/reference/`, and `tests/differential.rs` holds the two
//! to the same verdicts.

use super::keys::{field_id, in_window, known_key, Field, Level};
use super::params::Params;
use super::view::{Request, RequestContext, MIDI_MAX};
use crate::bytes::{byte_at, bytes_eq, load_u64_tail};
use crate::error::ErrorCode;
use crate::json::text::eq_escaped;
use crate::json::Text;
use crate::json::{fault_at, scan_null, scan_string, skip_value, skip_ws, skip_ws_fast, Step};

/// Parses `body`; the index in `actions` of the request's action is `actions.len()` when the
/// action is not declared.
pub(crate) fn parse<'a>(
    body: &'a [u8],
    actions: &[&str],
) -> Result<(usize, Request<'a>), ErrorCode> {
    let mut request = Request {
        action: Text::plain(""),
        context: RequestContext::default(),
    };
    let index = parse_into(body, actions, &mut request)?;
    Ok((index, request))
}

/// [`parse`] into a request the caller owns: the fields are written where the handler will
/// read them, instead of being moved through the `Result`s (which cost about a hundred
/// instructions of byte copies per request on wasm). On an error `request` is left as it was.
pub(crate) fn parse_into<'a>(
    body: &'a [u8],
    actions: &[&str],
    request: &mut Request<'a>,
) -> Result<usize, ErrorCode> {
    if u32::try_from(body.len()).is_err() {
        return Err(ErrorCode::RequestTooLarge);
    }
    let mut level = Level::Request;
    let mut index = actions.len();
    // Read into a local and written to `request` once, on success: the caller's
    // initialisation is then dead, and the compiler drops its stores.
    let mut parsed = Request {
        action: Text::plain(""),
        context: RequestContext::default(),
    };
    let context = &mut parsed.context;
    let mut seen: u32 = 0;
    let mut pos = skip_ws_fast(body, 0);
    if byte_at(body, pos) != b'{' {
        return Err(fault(fault_at(body, pos)));
    }
    // `pos` is at the separator before each member: the object's `{` for its first, else
    // what follows the value before it. `delimiter` is the byte that must be there, `{` for
    // the first member (kept as a word for the key fast path's compare: a select per member
    // less than a flag).
    let mut delimiter = OPEN;
    loop {
        // Compact JSON, as hosts write it, puts the key's quote right after the separator: the
        // fast path compares separator, key and colon at once. Anything else (whitespace, a
        // `}`, an unknown or escaped key) takes the general path.
        let separator = pos;
        let first = delimiter == OPEN;
        let field = match known_key(body, pos, level, delimiter) {
            Some((field, after)) => {
                pos = after;
                field
            }
            None => {
                if first {
                    pos += 1;
                }
                let mut b = byte_at(body, pos);
                if b <= b' ' {
                    pos = skip_ws_fast(body, pos);
                    b = byte_at(body, pos);
                }
                if b == b'}' {
                    pos += 1;
                    delimiter = COMMA;
                    level = match level {
                        Level::Request => break,
                        _ => Level::Request,
                    };
                    continue;
                }
                if !first {
                    if b != b',' {
                        return Err(fault(fault_at(body, pos)));
                    }
                    pos = skip_ws_fast(body, pos + 1);
                }
                let key_start = pos;
                let key_step = scan_string(body, pos);
                check(key_step)?;
                pos = key_step.pos();
                // An unescaped key right after its separator and right before its colon, with
                // the fast path's loads in bounds, is one the fast path has already compared
                // with every known name.
                let decided = !key_step.has(Step::ESCAPED)
                    && byte_at(body, pos) == b':'
                    && key_start == separator + 1
                    && in_window(body, separator);
                pos = skip_ws_fast(body, pos);
                if byte_at(body, pos) != b':' {
                    return Err(fault(fault_at(body, pos)));
                }
                pos += 1;
                if decided {
                    Field::UNKNOWN
                } else {
                    field_id(body, key_start, key_step, level)
                }
            }
        };
        delimiter = COMMA;
        // The value's first byte, loaded once (whitespace before it is rare).
        let mut value = byte_at(body, pos);
        if value <= b' ' {
            pos = skip_ws_fast(body, pos);
            value = byte_at(body, pos);
        }
        if field < Field::UNKNOWN {
            let bit = 1 << field;
            if seen & bit != 0 {
                return Err(ErrorCode::InvalidField);
            }
            seen |= bit;
        }
        let step = match field {
            Field::ACTION if value == b'"' => {
                let step = scan_string(body, pos);
                check(step)?;
                // `string_text` in place: its call returned the text through memory.
                // SAFETY: `scan_string` succeeded on the literal whose opening quote is at
                // `pos`: its closing quote is the byte before `step.pos()`, within `body`, so
                // `pos + 1 <= step.pos() - 1 <= body.len()` (the checked `get` cost 12
                // instructions a request for a range that is always in bounds).
                let raw = unsafe { body.get_unchecked(pos + 1..step.pos() - 1) };
                // SAFETY: `scan_string` accepted every byte between the quotes (see
                // `string_text`): printable ASCII, validated escapes, well-formed UTF-8.
                let text = Text::json(
                    unsafe { core::str::from_utf8_unchecked(raw) },
                    step.has(Step::ESCAPED),
                );
                index = find_action(text, actions);
                parsed.action = text;
                step
            }
            Field::CONTEXT if value == b'{' => {
                level = Level::Context;
                delimiter = OPEN;
                continue;
            }
            Field::METADATA if value == b'{' => {
                let (end, len) = metadata_entries(body, pos)?;
                context.metadata = Params::json(body.get(pos..end).unwrap_or(&[]), len);
                Step::ok(end, 0)
            }
            Field::VELOCITY..=Field::TIMESTAMP if value.is_ascii_digit() => {
                let (number, end) = integer(body, pos);
                let max = if field == Field::TIMESTAMP {
                    u64::MAX
                } else {
                    u64::from(MIDI_MAX)
                };
                let Some(number) = number.filter(|&n| n <= max) else {
                    return Err(wrong_type(body, pos, level));
                };
                // The range check makes the narrowing cast lossless.
                let byte = Some(number as u8);
                match field {
                    Field::VELOCITY => context.velocity = byte,
                    Field::NOTE => context.note = byte,
                    Field::CC => context.cc = byte,
                    Field::VALUE => context.value = byte,
                    _ => context.timestamp = number,
                }
                // Known to be in place: no step to check.
                pos = end;
                continue;
            }
            // Unknown nulls and strings (MIDIMon sends `"current_mode":null`) without the
            // state machine; anything else through it.
            Field::UNKNOWN if value == b'n' => scan_null(body, pos),
            Field::UNKNOWN if value == b'"' => scan_string(body, pos),
            Field::UNKNOWN => skip_value(body, pos, level.remaining_depth()),
            // Any known field may be null (meaning absent), except the action and metadata
            // values, which must be strings.
            _ if value == b'n' && field != Field::ACTION => scan_null(body, pos),
            _ => return Err(wrong_type(body, pos, level)),
        };
        check(step)?;
        pos = step.pos();
    }
    // Usually the body ends at the `}`: no whitespace scan then.
    if pos < body.len() {
        pos = skip_ws(body, pos);
        if pos < body.len() {
            return Err(fault(fault_at(body, pos)));
        }
    }
    if seen & (1 << Field::ACTION) == 0 {
        return Err(ErrorCode::InvalidField);
    }
    *request = parsed;
    Ok(index)
}

/// The separator before an object's first member, and before any other, as the key fast path
/// compares them.
const OPEN: u64 = b'{' as u64;
const COMMA: u64 = b',' as u64;

/// The members of the `metadata` object whose `{` is at `pos`, all `"key":"value"`: the
/// position after its `}` and the number of members. A loop of its own, since a mapping may
/// have thousands of parameters and each costs only its two strings and its punctuation.
///
/// Inlined at its one call: as a call, its `Result<(usize, usize)>` went through the stack frame
/// (150 bytes of code, and 38 instructions on the canonical note-on).
#[inline(always)]
fn metadata_entries(body: &[u8], mut pos: usize) -> Result<(usize, usize), ErrorCode> {
    let mut len = 0;
    pos = skip_ws_fast(body, pos + 1);
    if byte_at(body, pos) == b'}' {
        return Ok((pos + 1, 0));
    }
    loop {
        let key = scan_string(body, pos);
        check(key)?;
        pos = key.pos();
        // Compact JSON puts the value's quote right after the colon: one two-byte compare
        // instead of two byte reads with their whitespace tests (16 instructions less).
        if pair_at(body, pos) == u16::from_le_bytes(*b":\"") {
            pos += 1;
        } else {
            if next_byte(body, &mut pos) != b':' {
                return Err(fault(fault_at(body, pos)));
            }
            pos += 1;
            if next_byte(body, &mut pos) != b'"' {
                // Metadata values are strings; anything else is validated, then the wrong type.
                return Err(wrong_type(body, pos, Level::Metadata));
            }
        }
        let value = scan_string(body, pos);
        check(value)?;
        pos = value.pos();
        len += 1;
        match next_byte(body, &mut pos) {
            b',' => pos = skip_ws_fast(body, pos + 1),
            b'}' => return Ok((pos + 1, len)),
            _ => return Err(fault(fault_at(body, pos))),
        }
    }
}

/// The two bytes at `pos` as a little-endian `u16` (one load), or 0 past the end of `body`.
#[inline(always)]
fn pair_at(body: &[u8], pos: usize) -> u16 {
    match body.get(pos..).and_then(<[u8]>::first_chunk) {
        Some(&pair) => u16::from_le_bytes(pair),
        None => 0,
    }
}

/// The byte at `pos` after any whitespace, moving `pos` past the whitespace: one bounds check
/// when there is none (the usual case), instead of one in the whitespace test and another in
/// the caller's.
#[inline(always)]
fn next_byte(body: &[u8], pos: &mut usize) -> u8 {
    let b = byte_at(body, *pos);
    if b > b' ' {
        return b;
    }
    *pos = skip_ws(body, *pos);
    byte_at(body, *pos)
}

/// The error for a known field whose value at `pos` has the wrong type or is out of range: the
/// value is validated first, so that malformed JSON is reported as such.
#[inline(never)]
fn wrong_type(body: &[u8], pos: usize, level: Level) -> ErrorCode {
    skip_value(body, pos, level.remaining_depth())
        .error()
        .unwrap_or(ErrorCode::InvalidField)
}

/// The index of the first declared action equal to `text`, or `actions.len()`. Inlined at its
/// one call (5 instructions and 19 bytes less than the call).
#[inline(always)]
fn find_action(text: Text<'_>, actions: &[&str]) -> usize {
    let mut i = 0;
    while let Some(name) = actions.get(i) {
        // An action without escapes (every real one) is compared by its bytes directly:
        // through `eq_str` the text went to memory for the call by reference, and the call
        // tested the escape flag again (9 instructions a request, +25 B: the escaped case calls
        // eq_escaped itself).
        let raw = text.raw().as_bytes();
        let equal = if text.as_plain().is_some() {
            bytes_eq(raw, name.as_bytes())
        } else {
            eq_escaped(raw, name.as_bytes())
        };
        if equal {
            break;
        }
        i += 1;
    }
    i
}

/// The non-negative integer token at `pos` (whose byte is a digit) and the position after its
/// digits; `None` when it is more than a `u64` or is followed by a fraction or exponent, that
/// is, when it is not a plain integer in range (the caller then validates it and rejects it).
///
/// A leading zero is the whole integer: `060` ends after the `0`, and the `6` is a syntax error
/// for the caller to find. Digits are converted eight at a time with the usual SWAR steps, the
/// last (up to seven) from the word that holds them, shifted up so that they convert as eight
/// with leading zeros: no loop per digit, and a number at the end of the body is read from a
/// zero-padded word. `number` is the value modulo 2^64 throughout.
#[inline(always)]
fn integer(body: &[u8], pos: usize) -> (Option<u64>, usize) {
    let mut end = pos;
    let mut number: u64 = 0;
    if byte_at(body, pos) == b'0' {
        end += 1;
    } else {
        loop {
            let digits = load_u64_tail(body, end).wrapping_sub(0x3030_3030_3030_3030);
            // Every byte is a digit when none is below `0` (the lowest such byte sets its high
            // bit) nor above `9` (adding 0x76 sets it); bytes below the first such are digits,
            // so no borrow or carry reaches it. Zero padding is not a digit.
            let others =
                (digits | digits.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080;
            // 0 to 8 (`trailing_zeros` of 0 is 64).
            let count = others.trailing_zeros() / 8;
            if count != 0 {
                // The digits to the top of the word: leading zeros below them do not count.
                number = number
                    .wrapping_mul(POW10.get(count as usize).copied().unwrap_or(0))
                    .wrapping_add(eight_digits(digits << (64 - 8 * count)));
                end += count as usize;
            }
            if count < 8 {
                break;
            }
        }
    }
    // Up to 19 digits always fit; 20 fit when they start with `1` and the value did not wrap
    // (a wrapped one is below 2e19 - 2^64 < 1e19); more never do.
    let len = end - pos;
    let fits = len < 20 || (len == 20 && byte_at(body, pos) == b'1' && number >= 10_u64.pow(19));
    if !fits || matches!(byte_at(body, end), b'.' | b'e' | b'E') {
        return (None, end);
    }
    (Some(number), end)
}

/// Powers of ten up to 10^8, by the number of digits a word added.
static POW10: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The value of eight decimal digits, given as bytes 0..=9 (the first digit lowest).
#[inline(always)]
fn eight_digits(digits: u64) -> u64 {
    // Pairs, then quads, then the eight: each step combines neighbours with one multiply.
    let pairs = (digits.wrapping_mul(10) + (digits >> 8)) & 0x00FF_00FF_00FF_00FF;
    let quads = (pairs.wrapping_mul(100) + (pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
    (quads.wrapping_mul(10_000) + (quads >> 32)) & 0xFFFF_FFFF
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

    #[test]
    fn eight_digits_at_once() {
        for s in ["12345678", "00000000", "99999999", "10000001"] {
            let chunk = u64::from_le_bytes(s.as_bytes().try_into().unwrap());
            let value = eight_digits(chunk.wrapping_sub(0x3030_3030_3030_3030));
            assert_eq!(value, s.parse::<u64>().unwrap(), "{s}");
        }
    }

    #[test]
    fn integers() {
        let read = |s: &str| integer(s.as_bytes(), 0);
        assert_eq!(read("0,"), (Some(0), 1));
        assert_eq!(read("060"), (Some(0), 1));
        assert_eq!(read("127}"), (Some(127), 3));
        assert_eq!(read("1732000000000}"), (Some(1_732_000_000_000), 13));
        assert_eq!(read("18446744073709551615"), (Some(u64::MAX), 20));
        assert_eq!(read("18446744073709551616").0, None);
        assert_eq!(read("28446744073709551615").0, None);
        assert_eq!(read("99999999999999999999").0, None);
        assert_eq!(read("100000000000000000000").0, None);
        assert_eq!(read("10000000000000000000").0, Some(10_u64.pow(19)));
        // Digits that end inside a loaded word, after zero, one or two whole words.
        assert_eq!(read("100,\"current_mode\""), (Some(100), 3));
        assert_eq!(read("1234567890,\"metadata\""), (Some(1_234_567_890), 10));
        assert_eq!(read("12345678}}}}}}}}"), (Some(12_345_678), 8));
        assert_eq!(read("1844674407370955161500000000").0, None);
        assert_eq!(read("18446744073709551615}}}}}}}}"), (Some(u64::MAX), 20));
        assert_eq!(read("7.5e3,\"padding\""), (None, 1));
        assert_eq!(read("1.5"), (None, 1));
        assert_eq!(read("12345678e1").0, None);
    }
}
