//! A strict, iterative, zero-copy JSON scanner.
//!
//! Requests arrive as JSON, and a plugin must answer a malformed one with an error code, never a
//! trap. serde-json-core cannot return borrowed strings that contain escapes, needs a fixed
//! capacity for maps such as `metadata`, and recurses into nested values; a request with 100,000
//! nested arrays would overflow the wasm stack. This scanner validates RFC 8259 JSON and UTF-8 in
//! one left-to-right pass, borrows every string, and skips nested values with a bit stack instead
//! of recursion. The first fault in reading order decides the error code.
//!
//! It runs on every note a plugin receives, so it is written for wasm's cost model: each token
//! is scanned by a plain function of `(bytes, position)` whose hot loop keeps the position in a
//! local, and whose result — the position after the token plus a status — is one [`Step`], a
//! `u64` that travels in a register. [`Scanner`] wraps those functions with a sticky error for
//! the code that is not on the note path (metadata validation, lookups).

use super::escape::{decode_escape, INVALID_ESCAPE};
use super::text::Text;
use crate::bytes::{byte_at, load_u32, load_u32_padded, load_u64};
use crate::error::ErrorCode;
use crate::utf8::{is_sequence, sequence_width};

/// Deepest nesting of arrays and objects in a document, counting every level from the top:
/// `[[1]]` nests 2 levels. Deeper input is rejected with [`ErrorCode::NestingTooDeep`].
/// (serde_json's default limit is one level less: it accepts at most 127.)
pub const MAX_NESTING: usize = 128;

/// Largest input the scanner accepts: positions are 32-bit.
pub const MAX_INPUT_LEN: u64 = u32::MAX as u64;

/// The outcome of scanning one token: the position after it (low 32 bits) and a status (high 32
/// bits: 0, a flag such as [`Step::ESCAPED`], or an error code with [`Step::FAULT`] set).
///
/// One `u64` rather than a `Result<(usize, bool), ErrorCode>`, because on wasm a value of more
/// than one word is returned through memory, and this is returned once per token.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Step(u64);

impl Step {
    /// Status flag of a string that contains escapes.
    pub(crate) const ESCAPED: u32 = 1 << 8;
    /// Status flag of a number that is a plain non-negative integer token (digits only).
    #[cfg(test)]
    pub(crate) const DIGITS: u32 = 1 << 9;
    /// Status flag of a fault; the low byte is the error code.
    const FAULT: u32 = 1 << 16;

    #[inline(always)]
    pub(crate) fn ok(pos: usize, flags: u32) -> Step {
        Step(u64::from(flags) << 32 | pos as u64)
    }

    #[inline(always)]
    pub(crate) fn fault(code: ErrorCode) -> Step {
        Step(u64::from(Step::FAULT | code.code() as u32) << 32)
    }

    /// The position after the token.
    #[inline(always)]
    pub(crate) fn pos(self) -> usize {
        self.0 as u32 as usize
    }

    #[inline(always)]
    fn status(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// Whether `flag` is set.
    #[inline(always)]
    pub(crate) fn has(self, flag: u32) -> bool {
        self.status() & flag != 0
    }

    /// Whether scanning failed: one test of the flag, where [`Step::error`] would also decode
    /// the code (a call on wasm) only for the caller to drop it.
    #[inline(always)]
    pub(crate) fn failed(self) -> bool {
        self.has(Step::FAULT)
    }

    /// The fault, if scanning failed.
    #[inline(always)]
    pub(crate) fn error(self) -> Option<ErrorCode> {
        if self.has(Step::FAULT) {
            Some(
                ErrorCode::from_code((self.status() & 0xFF) as i32)
                    .unwrap_or(ErrorCode::MalformedJson),
            )
        } else {
            None
        }
    }
}

/// The position of the first non-whitespace byte at or after `pos`.
pub(crate) fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

/// [`skip_ws`] for the note path: JSON from a host is usually compact, and one comparison
/// (whitespace is at most `0x20`) saves the call.
#[inline(always)]
pub(crate) fn skip_ws_fast(bytes: &[u8], pos: usize) -> usize {
    if byte_at(bytes, pos) > b' ' {
        pos
    } else {
        skip_ws(bytes, pos)
    }
}

/// The fault of an unexpected byte at `pos`: bytes that are not UTF-8 are reported as such,
/// anything else (including the end of input) is a JSON syntax error.
pub(crate) fn fault_at(bytes: &[u8], pos: usize) -> Step {
    if byte_at(bytes, pos) >= 0x80 && !is_sequence(bytes, pos) {
        Step::fault(ErrorCode::InvalidUtf8)
    } else {
        Step::fault(ErrorCode::MalformedJson)
    }
}

/// Scans the string literal whose opening quote is at `pos`.
/// On success the status has [`Step::ESCAPED`] when the contents hold escapes.
pub(crate) fn scan_string(bytes: &[u8], mut pos: usize) -> Step {
    if byte_at(bytes, pos) != b'"' {
        return fault_at(bytes, pos);
    }
    pos += 1;
    if let Some(end) = short_string_end(bytes, pos) {
        return Step::ok(end, 0);
    }
    let mut flags = 0;
    loop {
        // Clean ASCII eight bytes at a time, then what stopped it a byte (or a character, or an
        // escape) at a time, until eight plain bytes in a row make the word loop pay again: so
        // text that mixes escapes, ASCII and other scripts costs a bounded amount per byte.
        pos = string_run_end(bytes, pos);
        let mut plain = 0;
        while plain < 8 {
            let b = byte_at(bytes, pos);
            if b >= 0x80 {
                let width = sequence_width(load_u32_padded(bytes, pos));
                if width == 0 {
                    return Step::fault(ErrorCode::InvalidUtf8);
                }
                pos += width;
                plain = 0;
            } else if b == b'"' {
                return Step::ok(pos + 1, flags);
            } else if b == b'\\' {
                flags = Step::ESCAPED;
                // The one-letter escapes are checked here; `\u` needs the decoder.
                match byte_at(bytes, pos + 1) {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => pos += 2,
                    _ => {
                        let escape = decode_escape(bytes, pos);
                        pos = escape.end();
                        if escape.code_point() == INVALID_ESCAPE {
                            return Step::fault(ErrorCode::MalformedJson);
                        }
                    }
                }
                plain = 0;
            } else if b < 0x20 {
                // A raw control character, or the end of input (0).
                return Step::fault(ErrorCode::MalformedJson);
            } else {
                pos += 1;
                plain += 1;
            }
        }
    }
}

/// Keys, action names and short parameters: when the contents starting at `pos` (after the
/// opening quote) are printable ASCII without escapes and the closing quote comes within
/// sixteen bytes, the position after that quote, found from two word loads (the quote is
/// recognised in the loaded word, with no byte load); else `None`, for the general scan.
#[inline(always)]
pub(crate) fn short_string_end(bytes: &[u8], pos: usize) -> Option<usize> {
    let mut word = load_u64(bytes, pos)?;
    let mut at = pos;
    let mut special = special_bytes(word);
    if special == 0 {
        at += 8;
        word = load_u64(bytes, at)?;
        special = special_bytes(word);
    }
    // The lowest flagged byte is exact: bit 7 of byte `k` is bit `8k + 7`.
    let bit = special.trailing_zeros();
    if special != 0 && (word >> (bit & 56)) as u8 == b'"' {
        return Some(at + (bit / 8) as usize + 1);
    }
    None
}

/// The high bit of each byte of `x` that is `"`, `\\`, below 0x20 or 0x80 and above; bits may
/// also be set above the lowest such byte (a borrow runs upwards), never below it.
#[inline(always)]
pub(crate) fn special_bytes(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let quote = x ^ (ONES * u64::from(b'"'));
    let backslash = x ^ (ONES * u64::from(b'\\'));
    ((quote.wrapping_sub(ONES) & !quote)
        | (backslash.wrapping_sub(ONES) & !backslash)
        | x.wrapping_sub(ONES * 0x20)
        | x)
        & HIGHS
}

/// The position of the first byte at or after `pos` that needs attention inside a string:
/// `"`, `\\`, a control character, a non-ASCII byte, or the end of input.
///
/// Eight bytes at a time with the usual SWAR tests ("some byte is zero / below n"): on wasm,
/// where fuel is counted per instruction, that is ~4 instructions a byte against ~25 for a
/// byte loop. In each test a borrow only ever runs upwards from a byte that really matches, so
/// the lowest flagged byte is exact.
#[inline(always)]
fn string_run_end(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(x) = load_u64(bytes, pos) {
        let special = special_bytes(x);
        if special != 0 {
            return pos + (special.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while let Some(&b) = bytes.get(pos) {
        if b.wrapping_sub(0x20) >= 0x60 || b == b'"' || b == b'\\' {
            break;
        }
        pos += 1;
    }
    pos
}

/// The contents of a string literal that [`scan_string`] accepted: `start` is the position of
/// its opening quote, `step` what the scan returned.
pub(crate) fn string_text(bytes: &[u8], start: usize, step: Step) -> Text<'_> {
    let raw = bytes.get(start + 1..step.pos() - 1).unwrap_or(&[]);
    // SAFETY: `scan_string` accepted every byte between the quotes: printable ASCII, a
    // validated escape, or a complete UTF-8 sequence accepted by `crate::utf8`, which admits
    // exactly the well-formed sequences of RFC 3629.
    Text::json(
        unsafe { core::str::from_utf8_unchecked(raw) },
        step.has(Step::ESCAPED),
    )
}

/// Scans a number literal (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`) at `pos`.
/// The status has [`Step::DIGITS`] when the token is digits only (a non-negative integer).
#[cfg(test)]
pub(crate) fn scan_number(bytes: &[u8], mut pos: usize) -> Step {
    let mut flags = Step::DIGITS;
    if byte_at(bytes, pos) == b'-' {
        pos += 1;
        flags = 0;
    }
    match byte_at(bytes, pos) {
        b'0' => pos += 1,
        b'1'..=b'9' => pos = skip_digits(bytes, pos),
        _ => return fault_at(bytes, pos),
    }
    if byte_at(bytes, pos) == b'.' {
        flags = 0;
        pos = match digits(bytes, pos + 1) {
            Ok(end) => end,
            Err(fault) => return fault,
        };
    }
    if byte_at(bytes, pos) | 0x20 == b'e' {
        flags = 0;
        pos += 1;
        if let b'+' | b'-' = byte_at(bytes, pos) {
            pos += 1;
        }
        pos = match digits(bytes, pos) {
            Ok(end) => end,
            Err(fault) => return fault,
        };
    }
    Step::ok(pos, flags)
}

#[cfg(test)]
fn skip_digits(bytes: &[u8], mut pos: usize) -> usize {
    while byte_at(bytes, pos).is_ascii_digit() {
        pos += 1;
    }
    pos
}

/// One or more digits at `pos`.
#[cfg(test)]
fn digits(bytes: &[u8], pos: usize) -> Result<usize, Step> {
    if byte_at(bytes, pos).is_ascii_digit() {
        Ok(skip_digits(bytes, pos))
    } else {
        Err(fault_at(bytes, pos))
    }
}

/// Scans `word` (a literal such as `null`) at `pos`.
pub(crate) fn scan_literal(bytes: &[u8], pos: usize, word: &[u8]) -> Step {
    // `null` and `true` are compared as one word; `false` falls through to the byte loop.
    if let (Some(found), Ok(expected)) = (bytes.get(pos..pos + 4), <[u8; 4]>::try_from(word)) {
        if u32::from_le_bytes(expected)
            == u32::from_le_bytes([found[0], found[1], found[2], found[3]])
        {
            return Step::ok(pos + 4, 0);
        }
    }
    for (i, &expected) in word.iter().enumerate() {
        if byte_at(bytes, pos + i) != expected {
            return fault_at(bytes, pos + i);
        }
    }
    Step::ok(pos + word.len(), 0)
}

/// Scans `null` at `pos`: one four-byte comparison on the note path, where MIDIMon sends
/// `"cc":null` and `"value":null` with every note.
#[inline(always)]
pub(crate) fn scan_null(bytes: &[u8], pos: usize) -> Step {
    // One word load and compare (a slice pattern compiles to four byte loads and compares).
    if load_u32(bytes, pos) == Some(u32::from_le_bytes(*b"null")) {
        Step::ok(pos + 4, 0)
    } else {
        scan_literal(bytes, pos, b"null")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::validate;
    use std::string::String;
    use std::vec::Vec;

    fn check(s: &[u8]) -> Result<(), ErrorCode> {
        validate(s)
    }

    #[test]
    fn accepts_strict_json() {
        for ok in [
            &b"{}"[..],
            b" [ ] ",
            b"0",
            b"-0.5e+10",
            b"1E-2",
            b"\"\\u00e9\\ud83c\\udfb9\"",
            b"{\"a\":[1,{\"b\":null},true,false,\"x\"]}",
            "\"é🎹\"".as_bytes(),
            b"\n\t\r {\"k\" : \"v\" } \n",
        ] {
            assert_eq!(check(ok), Ok(()), "{}", String::from_utf8_lossy(ok));
        }
    }

    #[test]
    fn rejects_what_rfc_8259_rejects() {
        for bad in [
            &b""[..],
            b"{",
            b"{\"a\":1,}",
            b"[1,]",
            b"[1 2]",
            b"{\"a\" 1}",
            b"{1:2}",
            b"01",
            b"1.",
            b".5",
            b"+1",
            b"1e",
            b"-",
            b"tru",
            b"nul",
            b"NaN",
            b"\"a\tb\"",
            b"\"\\x\"",
            b"\"\\u12\"",
            b"\"\\ud800\"",
            b"\"\\udc00\"",
            b"\"\\ud800\\u0041\"",
            b"// c\n{}",
            b"{} /* c */",
            b"{}{}",
            b"'a'",
            b"[}",
            b"{]",
        ] {
            assert_eq!(
                check(bad),
                Err(ErrorCode::MalformedJson),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn rejects_bad_utf8() {
        for bad in [
            &b"\"\xff\""[..],
            b"\"\xc0\xaf\"",         // overlong '/'
            b"\"\xe0\x80\xaf\"",     // overlong
            b"\"\xed\xa0\x80\"",     // UTF-8-encoded surrogate
            b"\"\xf4\x90\x80\x80\"", // above U+10FFFF
            b"\"\xe2\x82\"",         // truncated
            b"\xff",
            b"[\x80]",
        ] {
            assert_eq!(check(bad), Err(ErrorCode::InvalidUtf8), "{bad:?}");
        }
        // Valid UTF-8 where JSON allows none is a syntax error, not an encoding error.
        assert_eq!(check("é".as_bytes()), Err(ErrorCode::MalformedJson));
    }

    #[test]
    fn deep_nesting_is_rejected_without_recursion() {
        let mut deep = Vec::new();
        deep.resize(100_000, b'[');
        deep.resize(200_000, b']');
        assert_eq!(check(&deep), Err(ErrorCode::NestingTooDeep));
        let mut ok = Vec::new();
        ok.resize(MAX_NESTING, b'[');
        ok.resize(2 * MAX_NESTING, b']');
        assert_eq!(check(&ok), Ok(()));
        let mut objects = String::new();
        for _ in 0..MAX_NESTING {
            objects.push_str("{\"a\":");
        }
        objects.push('1');
        for _ in 0..MAX_NESTING {
            objects.push('}');
        }
        assert_eq!(check(objects.as_bytes()), Ok(()));
        let mut mixed = objects.replace("{\"a\":1}", "[{\"a\":1}]");
        assert_eq!(check(mixed.as_bytes()), Err(ErrorCode::NestingTooDeep));
        mixed.truncate(mixed.len() - 1);
        assert!(check(mixed.as_bytes()).is_err());
    }

    #[test]
    fn numbers_report_plain_integers() {
        let scan = |s: &str| {
            let bytes = s.as_bytes();
            let step = scan_number(bytes, 0);
            if let Some(e) = step.error() {
                return Err(e);
            }
            if step.pos() != bytes.len() {
                return Err(ErrorCode::MalformedJson);
            }
            Ok(step.has(Step::DIGITS))
        };
        assert_eq!(scan("127"), Ok(true));
        assert_eq!(scan("0"), Ok(true));
        assert_eq!(
            scan("18446744073709551616"),
            Ok(true),
            "digits only, whatever the size"
        );
        assert_eq!(scan("-1"), Ok(false));
        assert_eq!(scan("1.0"), Ok(false));
        assert_eq!(scan("1e2"), Ok(false));
        assert_eq!(scan("1E+2"), Ok(false));
        assert_eq!(scan("-0"), Ok(false));
        assert_eq!(scan("1x"), Err(ErrorCode::MalformedJson));
        assert_eq!(scan("01"), Err(ErrorCode::MalformedJson));
    }
}
