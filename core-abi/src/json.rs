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

use crate::error::ErrorCode;
use crate::text::{decode_escape, Text, INVALID_ESCAPE};

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

/// The byte at `pos`, or 0 past the end (0 is never valid where a token starts).
#[inline(always)]
pub(crate) fn byte_at(bytes: &[u8], pos: usize) -> u8 {
    bytes.get(pos).copied().unwrap_or(0)
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
    let rest = bytes.get(pos..).unwrap_or(&[]);
    if byte_at(rest, 0) >= 0x80 && utf8_width(rest) == 0 {
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
    let mut flags = 0;
    loop {
        pos = string_run_end(bytes, pos);
        match bytes.get(pos).copied() {
            Some(b'"') => return Step::ok(pos + 1, flags),
            Some(b'\\') => {
                flags = Step::ESCAPED;
                let escape = decode_escape(bytes, pos);
                pos = escape.end();
                if escape.code_point() == INVALID_ESCAPE {
                    return Step::fault(ErrorCode::MalformedJson);
                }
            }
            Some(0x80..=0xFF) => match utf8_width(&bytes[pos..]) {
                0 => return Step::fault(ErrorCode::InvalidUtf8),
                width => pos += width,
            },
            // End of input, or a raw control character.
            _ => return Step::fault(ErrorCode::MalformedJson),
        }
    }
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
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while let Some(x) = load_u64(bytes, pos) {
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        // Bit 7 of a byte is set when the byte is `"` or `\\` (the XOR made it zero), below
        // 0x20 (the subtraction wrapped), or 0x80 and above.
        let special = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | x.wrapping_sub(ONES * 0x20)
            | x)
            & HIGHS;
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

/// The eight bytes at `pos` as a little-endian `u64` (one unaligned load on wasm).
#[inline(always)]
pub(crate) fn load_u64(bytes: &[u8], pos: usize) -> Option<u64> {
    let chunk: &[u8; 8] = bytes.get(pos..pos.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(*chunk))
}

/// The contents of a string literal that [`scan_string`] accepted: `start` is the position of
/// its opening quote, `step` what the scan returned.
pub(crate) fn string_text(bytes: &[u8], start: usize, step: Step) -> Text<'_> {
    let raw = bytes.get(start + 1..step.pos() - 1).unwrap_or(&[]);
    // SAFETY: `scan_string` accepted every byte between the quotes: printable ASCII, a
    // validated escape, or a complete UTF-8 sequence accepted by `utf8_width`, which admits
    // exactly the well-formed sequences of RFC 3629.
    Text::json(
        unsafe { core::str::from_utf8_unchecked(raw) },
        step.has(Step::ESCAPED),
    )
}

/// Scans a number literal (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`) at `pos`.
/// The status has [`Step::DIGITS`] when the token is digits only (a non-negative integer).
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

fn skip_digits(bytes: &[u8], mut pos: usize) -> usize {
    while byte_at(bytes, pos).is_ascii_digit() {
        pos += 1;
    }
    pos
}

/// One or more digits at `pos`.
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
    match bytes.get(pos..pos + 4) {
        Some(&[b'n', b'u', b'l', b'l']) => Step::ok(pos + 4, 0),
        _ => scan_literal(bytes, pos, b"null"),
    }
}

/// Validates and skips any JSON value at `pos` (whitespace before it allowed), without
/// recursion, allowing the value to nest at most `max_depth` levels of arrays and objects.
pub(crate) fn skip_value(bytes: &[u8], mut pos: usize, max_depth: usize) -> Step {
    // Bit `i` of `objects` says whether nesting level `i` is an object (1) or an array (0).
    let mut objects = [0u32; MAX_NESTING / 32];
    let mut depth: usize = 0;
    loop {
        // At the start of a value.
        pos = skip_ws(bytes, pos);
        let step = match byte_at(bytes, pos) {
            open @ (b'{' | b'[') => {
                if depth >= max_depth {
                    return Step::fault(ErrorCode::NestingTooDeep);
                }
                let is_object = open == b'{';
                let (word, bit) = (depth / 32, 1u32 << (depth % 32));
                objects[word] = if is_object {
                    objects[word] | bit
                } else {
                    objects[word] & !bit
                };
                depth += 1;
                pos = skip_ws(bytes, pos + 1);
                // `open + 2` is the matching `}` or `]`.
                if byte_at(bytes, pos) != open + 2 {
                    if is_object {
                        match member_key(bytes, pos) {
                            Ok(after) => pos = after,
                            Err(fault) => return fault,
                        }
                    }
                    continue;
                }
                depth -= 1;
                Step::ok(pos + 1, 0)
            }
            b'"' => scan_string(bytes, pos),
            b't' => scan_literal(bytes, pos, b"true"),
            b'f' => scan_literal(bytes, pos, b"false"),
            b'n' => scan_literal(bytes, pos, b"null"),
            _ => scan_number(bytes, pos),
        };
        if step.error().is_some() {
            return step;
        }
        pos = step.pos();
        // After a complete value: close containers until one goes on.
        loop {
            if depth == 0 {
                return Step::ok(pos, 0);
            }
            pos = skip_ws(bytes, pos);
            let level = depth - 1;
            let in_object = objects[level / 32] & (1 << (level % 32)) != 0;
            let b = byte_at(bytes, pos);
            if b == b',' {
                pos += 1;
                if in_object {
                    match member_key(bytes, skip_ws(bytes, pos)) {
                        Ok(after) => pos = after,
                        Err(fault) => return fault,
                    }
                }
                break;
            }
            if b != if in_object { b'}' } else { b']' } {
                return fault_at(bytes, pos);
            }
            pos += 1;
            depth -= 1;
        }
    }
}

/// `"key"` then `:` at `pos`; the position after the colon.
fn member_key(bytes: &[u8], pos: usize) -> Result<usize, Step> {
    let key = scan_string(bytes, pos);
    if key.error().is_some() {
        return Err(key);
    }
    let colon = skip_ws(bytes, key.pos());
    if byte_at(bytes, colon) != b':' {
        return Err(fault_at(bytes, colon));
    }
    Ok(colon + 1)
}

/// Cursor with a sticky error, over the functions above, for code off the note path.
///
/// The first fault is recorded, the cursor jumps to the end, and every later step does
/// nothing; callers check [`Scanner::result`] once at the end.
#[derive(Clone)]
pub(crate) struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    error: Option<ErrorCode>,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Scanner {
            bytes,
            pos: 0,
            error: None,
        }
    }

    /// `Ok(value)` if no fault was found so far, else the first fault.
    pub(crate) fn result<T>(&self, value: T) -> Result<T, ErrorCode> {
        match self.error {
            None => Ok(value),
            Some(e) => Err(e),
        }
    }

    /// Whether a fault has been recorded.
    pub(crate) fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// Takes the position of a successful step, or records its fault.
    fn advance(&mut self, step: Step) -> bool {
        match step.error() {
            None => {
                self.pos = step.pos();
                true
            }
            Some(code) => {
                self.fail(code);
                false
            }
        }
    }

    /// Records `code` unless a fault is already recorded, and stops scanning.
    pub(crate) fn fail(&mut self, code: ErrorCode) {
        self.error.get_or_insert(code);
        self.pos = self.bytes.len();
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn slice_from(&self, start: usize) -> &'a [u8] {
        self.bytes.get(start..self.pos).unwrap_or(&[])
    }

    /// The byte under the cursor, or 0 at the end.
    pub(crate) fn peek(&self) -> u8 {
        byte_at(self.bytes, self.pos)
    }

    pub(crate) fn skip_ws(&mut self) {
        self.pos = skip_ws(self.bytes, self.pos);
    }

    /// Consumes `byte` (never 0) if it is under the cursor.
    pub(crate) fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == byte;
        if found {
            self.pos += 1;
        }
        found
    }

    /// Consumes `byte` or fails.
    pub(crate) fn expect(&mut self, byte: u8) {
        if !self.eat(byte) {
            let fault = fault_at(self.bytes, self.pos);
            self.advance(fault);
        }
    }

    /// After the whole document: only whitespace may follow.
    pub(crate) fn finish(&mut self) {
        self.skip_ws();
        if self.pos < self.bytes.len() {
            let fault = fault_at(self.bytes, self.pos);
            self.advance(fault);
        }
    }

    /// Scans a string literal at the cursor and returns its contents, escapes undecoded.
    pub(crate) fn string(&mut self) -> Text<'a> {
        let start = self.pos;
        let step = scan_string(self.bytes, start);
        if self.advance(step) {
            string_text(self.bytes, start, step)
        } else {
            Text::plain("")
        }
    }

    /// Validates and skips any value at the cursor, which is inside `depth` levels already.
    pub(crate) fn skip_value(&mut self, depth: usize) {
        let step = skip_value(self.bytes, self.pos, MAX_NESTING.saturating_sub(depth));
        self.advance(step);
    }

    /// Steps to the next member of an object whose `{` has been consumed: returns its key with
    /// the cursor on its value, or `None` after the closing `}` (or on a fault). `first` is true
    /// for the first call on an object.
    pub(crate) fn next_key(&mut self, first: bool) -> Option<Text<'a>> {
        self.skip_ws();
        if self.eat(b'}') {
            return None;
        }
        if !first {
            self.expect(b',');
            self.skip_ws();
        }
        let key = self.string();
        self.skip_ws();
        self.expect(b':');
        self.skip_ws();
        if self.failed() {
            None
        } else {
            Some(key)
        }
    }
}

/// Length of the well-formed UTF-8 sequence (RFC 3629) at the start of `bytes`, whose first byte
/// is not ASCII; 0 for an invalid, overlong, surrogate or truncated sequence.
pub(crate) fn utf8_width(bytes: &[u8]) -> usize {
    let lead = byte_at(bytes, 0);
    if !(0xC2..=0xF4).contains(&lead) {
        return 0;
    }
    let width = if lead >= 0xF0 {
        4
    } else if lead >= 0xE0 {
        3
    } else {
        2
    };
    // The second byte's range excludes overlong forms (E0, F0), UTF-16 surrogates (ED) and
    // code points above U+10FFFF (F4).
    let (low, high) = match lead {
        0xE0 => (0xA0, 0xBF),
        0xED => (0x80, 0x9F),
        0xF0 => (0x90, 0xBF),
        0xF4 => (0x80, 0x8F),
        _ => (0x80, 0xBF),
    };
    let Some(tail) = bytes.get(1..width) else {
        return 0;
    };
    let mut ok = (low..=high).contains(&tail[0]);
    for &b in &tail[1..] {
        ok &= b & 0xC0 == 0x80;
    }
    if ok {
        width
    } else {
        0
    }
}

/// Validates `bytes` as one strict JSON document (any value at the top level).
///
/// This is the rule every request body is held to, exposed for hosts and tests.
pub fn validate(bytes: &[u8]) -> Result<(), ErrorCode> {
    if u32::try_from(bytes.len()).is_err() {
        return Err(ErrorCode::RequestTooLarge);
    }
    let mut scanner = Scanner::new(bytes);
    scanner.skip_value(0);
    scanner.finish();
    scanner.result(())
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn utf8_widths() {
        assert_eq!(utf8_width("é".as_bytes()), 2);
        assert_eq!(utf8_width("€".as_bytes()), 3);
        assert_eq!(utf8_width("🎹".as_bytes()), 4);
        assert_eq!(utf8_width(b"\xf4\x8f\xbf\xbf"), 4);
        assert_eq!(utf8_width(b"\xc1\xbf"), 0);
        assert_eq!(utf8_width(b"\x80"), 0);
        assert_eq!(utf8_width(b""), 0);
    }
}
