//! A strict, iterative, zero-copy JSON scanner.
//!
//! Requests arrive as JSON, and a plugin must answer a malformed one with an error code, never a
//! trap. serde-json-core cannot return borrowed strings that contain escapes, needs a fixed
//! capacity for maps such as `metadata`, and recurses into nested values; a request with 100,000
//! nested arrays would overflow the wasm stack. This scanner validates RFC 8259 JSON and UTF-8 in
//! one left-to-right pass, borrows every string, and skips nested values with a bit stack instead
//! of recursion. The first fault in reading order decides the error code.

use crate::error::ErrorCode;
use crate::text::{hex_value, Text};

/// Deepest nesting of arrays and objects inside a value the scanner skips.
/// Deeper input is rejected with [`ErrorCode::NestingTooDeep`] (the same limit serde_json uses).
pub const MAX_NESTING: usize = 128;

/// Result of scanning a number: its value when it is a plain non-negative integer that fits a
/// `u64`, `None` for any other valid number (negative, fraction, exponent, too big).
pub(crate) type Integer = Option<u64>;

/// Cursor over a request body.
#[derive(Clone)]
pub(crate) struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Scanner { bytes, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn slice_from(&self, start: usize) -> &'a [u8] {
        self.bytes.get(start..self.pos).unwrap_or(&[])
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub(crate) fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// The error for an unexpected byte at the cursor: bytes that are not UTF-8 are reported as
    /// such, anything else (including the end of input) is a JSON syntax error.
    pub(crate) fn unexpected(&self) -> ErrorCode {
        match self.peek() {
            Some(b) if b >= 0x80 && utf8_width(&self.bytes[self.pos..]).is_none() => ErrorCode::InvalidUtf8,
            _ => ErrorCode::MalformedJson,
        }
    }

    /// Consumes `byte` or fails.
    pub(crate) fn expect(&mut self, byte: u8) -> Result<(), ErrorCode> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// After the whole document: only whitespace may follow.
    pub(crate) fn finish(&mut self) -> Result<(), ErrorCode> {
        self.skip_ws();
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// Scans a string literal at the cursor and returns its contents, escapes undecoded.
    pub(crate) fn string(&mut self) -> Result<Text<'a>, ErrorCode> {
        self.expect(b'"')?;
        let start = self.pos;
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(ErrorCode::MalformedJson);
            };
            match b {
                b'"' => break,
                b'\\' => self.escape()?,
                0x00..=0x1F => return Err(ErrorCode::MalformedJson),
                0x20..=0x7F => self.pos += 1,
                _ => self.pos += utf8_width(&self.bytes[self.pos..]).ok_or(ErrorCode::InvalidUtf8)?,
            }
        }
        let raw = &self.bytes[start..self.pos];
        self.pos += 1;
        // SAFETY: every byte of `raw` was checked above: ASCII, or a complete UTF-8 sequence
        // accepted by `utf8_width`, which admits exactly the well-formed sequences of RFC 3629.
        Ok(Text::json(unsafe { core::str::from_utf8_unchecked(raw) }))
    }

    /// Validates one escape sequence starting at the backslash under the cursor.
    fn escape(&mut self) -> Result<(), ErrorCode> {
        match self.bytes.get(self.pos + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 2;
                Ok(())
            }
            Some(b'u') => {
                let unit = self.hex4(self.pos + 2)?;
                self.pos += 6;
                match unit {
                    // A high surrogate must be followed at once by an escaped low surrogate.
                    0xD800..=0xDBFF => {
                        if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                            return Err(ErrorCode::MalformedJson);
                        }
                        if !(0xDC00..=0xDFFF).contains(&self.hex4(self.pos + 2)?) {
                            return Err(ErrorCode::MalformedJson);
                        }
                        self.pos += 6;
                        Ok(())
                    }
                    0xDC00..=0xDFFF => Err(ErrorCode::MalformedJson),
                    _ => Ok(()),
                }
            }
            _ => Err(ErrorCode::MalformedJson),
        }
    }

    fn hex4(&self, at: usize) -> Result<u32, ErrorCode> {
        let digits = self.bytes.get(at..at + 4).ok_or(ErrorCode::MalformedJson)?;
        let mut value = 0;
        for &d in digits {
            value = value * 16 + hex_value(d).ok_or(ErrorCode::MalformedJson)?;
        }
        Ok(value)
    }

    /// Scans a number literal (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    pub(crate) fn number(&mut self) -> Result<Integer, ErrorCode> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let mut value: Option<u64> = Some(0);
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while let Some(d @ b'0'..=b'9') = self.peek() {
                    value = value
                        .and_then(|v| v.checked_mul(10))
                        .and_then(|v| v.checked_add(u64::from(d - b'0')));
                    self.pos += 1;
                }
            }
            _ => return Err(self.unexpected()),
        }
        let mut integer = !negative;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.digits()?;
            integer = false;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.digits()?;
            integer = false;
        }
        Ok(if integer { value } else { None })
    }

    /// One or more decimal digits.
    fn digits(&mut self) -> Result<(), ErrorCode> {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        if self.pos == start {
            Err(self.unexpected())
        } else {
            Ok(())
        }
    }

    /// Consumes `null`, returning whether it was there. Other input is left untouched.
    pub(crate) fn null(&mut self) -> Result<bool, ErrorCode> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        self.literal(b"null")?;
        Ok(true)
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), ErrorCode> {
        for &expected in word {
            self.expect(expected)?;
        }
        Ok(())
    }

    /// Scans an object at the cursor, calling `member` with the cursor on each member's value
    /// (whitespace skipped). `member` must consume exactly that value.
    pub(crate) fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, Text<'a>) -> Result<(), ErrorCode>,
    ) -> Result<(), ErrorCode> {
        self.expect(b'{')?;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let key = self.string()?;
            self.skip_ws();
            self.expect(b':')?;
            self.skip_ws();
            member(self, key)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    /// Validates and skips any JSON value at the cursor without recursion.
    pub(crate) fn skip_value(&mut self) -> Result<(), ErrorCode> {
        // Bit `i` of `objects` says whether nesting level `i` is an object (1) or an array (0).
        let mut objects: u128 = 0;
        let mut depth: usize = 0;
        loop {
            // The cursor is at the start of a value.
            self.skip_ws();
            let mut opened = false;
            match self.peek() {
                Some(open @ (b'{' | b'[')) => {
                    if depth == MAX_NESTING {
                        return Err(ErrorCode::NestingTooDeep);
                    }
                    let is_object = open == b'{';
                    objects = (objects & !(1 << depth)) | (u128::from(is_object) << depth);
                    depth += 1;
                    self.pos += 1;
                    self.skip_ws();
                    let close = if is_object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        depth -= 1;
                    } else {
                        if is_object {
                            self.member_key()?;
                        }
                        opened = true;
                    }
                }
                Some(b'"') => {
                    self.string()?;
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                _ => {
                    self.number()?;
                }
            }
            if opened {
                continue;
            }
            // The cursor is after a complete value: close containers until one goes on.
            loop {
                if depth == 0 {
                    return Ok(());
                }
                self.skip_ws();
                let in_object = objects & (1 << (depth - 1)) != 0;
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if in_object {
                            self.skip_ws();
                            self.member_key()?;
                        }
                        break;
                    }
                    Some(b'}') if in_object => {
                        self.pos += 1;
                        depth -= 1;
                    }
                    Some(b']') if !in_object => {
                        self.pos += 1;
                        depth -= 1;
                    }
                    _ => return Err(self.unexpected()),
                }
            }
        }
    }

    /// `"key"` then `:` inside an object being skipped.
    fn member_key(&mut self) -> Result<(), ErrorCode> {
        self.string()?;
        self.skip_ws();
        self.expect(b':')
    }
}

/// Length of the well-formed UTF-8 sequence (RFC 3629) at the start of `bytes`, whose first byte
/// is not ASCII; `None` for an invalid, overlong, surrogate or truncated sequence.
pub(crate) fn utf8_width(bytes: &[u8]) -> Option<usize> {
    let (width, low, high) = match *bytes.first()? {
        0xC2..=0xDF => (2, 0x80, 0xBF),
        0xE0 => (3, 0xA0, 0xBF),
        0xE1..=0xEC | 0xEE..=0xEF => (3, 0x80, 0xBF),
        0xED => (3, 0x80, 0x9F),
        0xF0 => (4, 0x90, 0xBF),
        0xF1..=0xF3 => (4, 0x80, 0xBF),
        0xF4 => (4, 0x80, 0x8F),
        _ => return None,
    };
    let tail = bytes.get(1..width)?;
    if !(low..=high).contains(&tail[0]) || tail[1..].iter().any(|&b| !(0x80..=0xBF).contains(&b)) {
        return None;
    }
    Some(width)
}

/// Validates `bytes` as one strict JSON document (any value at the top level).
///
/// This is the rule every request body is held to, exposed for hosts and tests.
pub fn validate(bytes: &[u8]) -> Result<(), ErrorCode> {
    let mut scanner = Scanner::new(bytes);
    scanner.skip_ws();
    scanner.skip_value()?;
    scanner.finish()
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
            assert_eq!(check(bad), Err(ErrorCode::MalformedJson), "{}", String::from_utf8_lossy(bad));
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
    fn numbers_report_u64_integers_only() {
        let int = |s: &str| Scanner::new(s.as_bytes()).number();
        assert_eq!(int("127"), Ok(Some(127)));
        assert_eq!(int("18446744073709551615"), Ok(Some(u64::MAX)));
        assert_eq!(int("18446744073709551616"), Ok(None));
        assert_eq!(int("-1"), Ok(None));
        assert_eq!(int("1.0"), Ok(None));
        assert_eq!(int("1e2"), Ok(None));
        assert_eq!(int("-0"), Ok(None));
    }

    #[test]
    fn utf8_widths() {
        assert_eq!(utf8_width("é".as_bytes()), Some(2));
        assert_eq!(utf8_width("€".as_bytes()), Some(3));
        assert_eq!(utf8_width("🎹".as_bytes()), Some(4));
        assert_eq!(utf8_width(b"\xf4\x8f\xbf\xbf"), Some(4));
        assert_eq!(utf8_width(b"\xc1\xbf"), None);
        assert_eq!(utf8_width(b"\x80"), None);
    }
}
