//! Borrowed strings that may still hold JSON escapes.
//!
//! A request's action name and metadata are borrowed straight from the request bytes. Decoding
//! `\n` or `\u00e9` up front would need a buffer per string; instead a [`Text`] keeps the raw
//! bytes and decodes while it is compared or iterated, so a 1 MiB metadata value costs nothing
//! until a handler looks at it.

use core::fmt;

use super::escape::{decode_escape, encode_utf8};
use crate::bytes::bytes_eq;

/// A string borrowed from a request: either plain text, or the inside of a JSON string literal
/// (escapes not yet decoded). Compare it with `==` against a `&str` or iterate its [`chars`].
///
/// [`chars`]: Text::chars
#[derive(Clone, Copy)]
pub struct Text<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> Text<'a> {
    /// Text with no escapes: the bytes are the characters.
    pub const fn plain(text: &'a str) -> Self {
        Text {
            raw: text,
            escaped: false,
        }
    }

    /// The inside of a JSON string literal that the parser has already validated.
    ///
    /// `raw` must be valid strict JSON string contents; decoding a malformed escape yields
    /// U+FFFD rather than panicking, so a wrong input is a wrong answer, never a crash.
    pub(crate) fn json(raw: &'a str, escaped: bool) -> Self {
        Text { raw, escaped }
    }

    /// The text as it stands in the request, escapes included.
    pub const fn raw(&self) -> &'a str {
        self.raw
    }

    /// The text itself, when it holds no escapes and so needs no decoding.
    pub const fn as_plain(&self) -> Option<&'a str> {
        if self.escaped {
            None
        } else {
            Some(self.raw)
        }
    }

    /// Whether the text is empty once decoded.
    pub const fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The decoded characters.
    pub fn chars(&self) -> Chars<'a> {
        Chars {
            rest: self.raw,
            escaped: self.escaped,
        }
    }

    /// The decoded text as UTF-8 bytes. Comparing bytes needs no UTF-8 decoding, which keeps
    /// the code a plugin links small.
    pub fn bytes(&self) -> Bytes<'a> {
        Bytes {
            rest: self.raw.as_bytes(),
            escaped: self.escaped,
            pending: [0; 4],
            next: 0,
            end: 0,
        }
    }

    /// Length of the decoded text in UTF-8 bytes.
    pub fn decoded_len(&self) -> usize {
        if self.escaped {
            self.bytes().count()
        } else {
            self.raw.len()
        }
    }

    /// Whether the decoded text equals `other`. Allocates nothing.
    ///
    /// Out of line: with `#[inline]` the compiler kept two identical copies (one cloned for the
    /// key lookups), and inlined everywhere each call site grows by the escape test and two
    /// calls; one copy is 68 bytes smaller in the template (measured), and the plain case costs
    /// one call either way.
    #[inline(never)]
    pub fn eq_str(&self, other: &str) -> bool {
        if self.escaped {
            eq_escaped(self.raw.as_bytes(), other.as_bytes())
        } else {
            bytes_eq(self.raw.as_bytes(), other.as_bytes())
        }
    }

    /// Decodes into `buf` and returns the decoded `&str`, or `None` when `buf` is too small.
    pub fn decode_into<'b>(&self, buf: &'b mut [u8]) -> Option<&'b str> {
        let mut len = 0;
        for b in self.bytes() {
            *buf.get_mut(len)? = b;
            len += 1;
        }
        core::str::from_utf8(&buf[..len]).ok()
    }

    /// Copies the decoded text into a fixed-capacity string, or `None` when it does not fit.
    pub fn to_heapless<const N: usize>(&self) -> Option<heapless::String<N>> {
        let mut out = heapless::String::new();
        for c in self.chars() {
            out.push(c).ok()?;
        }
        Some(out)
    }

    /// Parses the decoded text as a decimal integer without sign, e.g. a metadata parameter.
    /// Returns `None` for an empty text, any non-digit, or a value above `u32::MAX`.
    pub fn parse_u32(&self) -> Option<u32> {
        let raw = self.raw.as_bytes();
        let mut value: u32 = 0;
        let mut i = 0;
        while i < raw.len() {
            let c = if raw[i] == b'\\' {
                let escape = decode_escape(raw, i);
                i = escape.end();
                escape.code_point()
            } else {
                i += 1;
                u32::from(raw[i - 1])
            };
            let digit = c.wrapping_sub(u32::from(b'0'));
            if digit > 9 {
                return None;
            }
            value = value.checked_mul(10)?.checked_add(digit)?;
        }
        if raw.is_empty() {
            None
        } else {
            Some(value)
        }
    }

    /// Parses the decoded text as a decimal integer with an optional leading `-`, e.g. a
    /// `semitones = "-12"` parameter. Returns `None` for an empty text, a lone `-`, a `+`, any
    /// other non-digit, or a value outside `i32`.
    pub fn parse_i32(&self) -> Option<i32> {
        let raw = self.raw;
        // The minus sign, plain or as the escape `\u002d`.
        let sign = if raw.starts_with('-') {
            1
        } else if self.escaped
            && raw
                .get(..6)
                .is_some_and(|e| e.eq_ignore_ascii_case("\\u002d"))
        {
            6
        } else {
            0
        };
        let digits = Text {
            raw: raw.get(sign..)?,
            escaped: self.escaped,
        };
        let magnitude = i64::from(digits.parse_u32()?);
        i32::try_from(if sign > 0 { -magnitude } else { magnitude }).ok()
    }
}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Text<'_>) -> bool {
        if !self.escaped && !other.escaped {
            return self.raw == other.raw;
        }
        self.bytes().eq(other.bytes())
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.raw, f)
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.escaped {
            return f.write_str(self.raw);
        }
        for c in self.chars() {
            fmt::Write::write_char(f, c)?;
        }
        Ok(())
    }
}

/// Iterator over the decoded characters of a [`Text`].
#[derive(Clone)]
pub struct Chars<'a> {
    rest: &'a str,
    escaped: bool,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        if self.escaped && self.rest.starts_with('\\') {
            let escape = decode_escape(self.rest.as_bytes(), 0);
            let c = escape.code_point();
            self.rest = self.rest.get(escape.end()..).unwrap_or("");
            return Some(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
        let c = self.rest.chars().next()?;
        self.rest = &self.rest[c.len_utf8()..];
        Some(c)
    }
}

/// Iterator over the decoded UTF-8 bytes of a [`Text`].
#[derive(Clone)]
pub struct Bytes<'a> {
    rest: &'a [u8],
    escaped: bool,
    /// The UTF-8 encoding of the last escape, and how much of it is still to yield.
    pending: [u8; 4],
    next: u8,
    end: u8,
}

impl Iterator for Bytes<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        if self.next < self.end {
            let b = self.pending[usize::from(self.next & 3)];
            self.next += 1;
            return Some(b);
        }
        let (&first, tail) = self.rest.split_first()?;
        if first != b'\\' || !self.escaped {
            self.rest = tail;
            return Some(first);
        }
        let escape = decode_escape(self.rest, 0);
        let c = escape.code_point();
        self.rest = self.rest.get(escape.end()..).unwrap_or(&[]);
        self.end = encode_utf8(c, &mut self.pending);
        self.next = 1;
        Some(self.pending[0])
    }
}

/// Whether JSON string contents `raw` (with escapes) decode to `other`.
///
/// A plain loop rather than `bytes().eq(..)`: the iterator's state machine costs a plugin half a
/// kilobyte. Kept out of line so the common, escape-free comparison stays cheap.
#[inline(never)]
pub(crate) fn eq_escaped(raw: &[u8], other: &[u8]) -> bool {
    let (mut i, mut j) = (0, 0);
    let mut unit = [0u8; 4];
    while let Some(&b) = raw.get(i) {
        // A plain byte is one compare; an escape is decoded to UTF-8 in `unit` and compared
        // with `bytes_eq`, already linked: no slice `==` (a call to `memcmp`, 75 bytes).
        if b != b'\\' {
            if other.get(j) != Some(&b) {
                return false;
            }
            i += 1;
            j += 1;
            continue;
        }
        let escape = decode_escape(raw, i);
        i = escape.end();
        let len = usize::from(encode_utf8(escape.code_point(), &mut unit));
        match other.get(j..j + len) {
            Some(theirs) if bytes_eq(theirs, unit.get(..len).unwrap_or(&[])) => j += len,
            _ => return false,
        }
    }
    j == other.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    impl<'a> Text<'a> {
        fn json_test(raw: &'a str) -> Self {
            Text::json(raw, raw.contains('\\'))
        }
    }

    #[test]
    fn plain_text_is_itself() {
        let t = Text::plain("my_action");
        assert_eq!(t.as_plain(), Some("my_action"));
        assert!(t == "my_action");
        assert!(t != "my_actio");
        assert_eq!(t.decoded_len(), 9);
    }

    #[test]
    fn escapes_decode_on_demand() {
        let t = Text::json_test(r"my\u005faction");
        assert_eq!(t.as_plain(), None);
        assert!(t == "my_action");
        assert!(t != "my_actionx");
        assert!(t != "my");
        assert_eq!(t.decoded_len(), 9);
        let t = Text::json_test(r#"a\"b\\c\/d\b\f\n\r\t"#);
        assert!(t == "a\"b\\c/d\u{8}\u{c}\n\r\t");
    }

    #[test]
    fn surrogate_pairs_join() {
        let t = Text::json_test(r"\ud83c\udfb9 é");
        let mut buf = [0u8; 16];
        assert_eq!(t.decode_into(&mut buf), Some("🎹 é"));
        assert_eq!(t.decoded_len(), "🎹 é".len());
        let mut small = [0u8; 3];
        assert_eq!(t.decode_into(&mut small), None);
    }

    #[test]
    fn broken_escapes_do_not_panic() {
        for raw in [r"\", r"\u12", r"\ud800", r"\ud800\u0041", r"\x", r"\uzzzz"] {
            assert!(Text::json_test(raw)
                .chars()
                .all(|c| c == char::REPLACEMENT_CHARACTER || c.is_ascii()));
        }
    }

    #[test]
    fn copies_into_fixed_capacity() {
        let t = Text::json_test(r"caf\u00e9");
        assert_eq!(t.to_heapless::<5>().as_deref(), Some("café"));
        assert_eq!(t.to_heapless::<4>(), None);
    }

    #[test]
    fn parses_decimal_parameters() {
        assert_eq!(Text::plain("127").parse_u32(), Some(127));
        assert_eq!(Text::json_test(r"\u0031\u0032").parse_u32(), Some(12));
        assert_eq!(Text::plain("").parse_u32(), None);
        assert_eq!(Text::plain("-1").parse_u32(), None);
        assert_eq!(Text::plain("4294967296").parse_u32(), None);
    }

    #[test]
    fn parses_signed_parameters() {
        assert_eq!(Text::plain("-12").parse_i32(), Some(-12));
        assert_eq!(Text::plain("12").parse_i32(), Some(12));
        assert_eq!(Text::plain("-0").parse_i32(), Some(0));
        assert_eq!(Text::plain("-2147483648").parse_i32(), Some(i32::MIN));
        assert_eq!(Text::plain("2147483647").parse_i32(), Some(i32::MAX));
        assert_eq!(Text::json_test(r"\u002d\u0031").parse_i32(), Some(-1));
        assert_eq!(Text::json_test(r"\u002D7").parse_i32(), Some(-7));
        for bad in [
            "",
            "-",
            "+5",
            "--1",
            "1-",
            "2147483648",
            "-2147483649",
            " 1",
        ] {
            assert_eq!(Text::plain(bad).parse_i32(), None, "{bad:?}");
        }
    }

    #[test]
    fn texts_compare_with_each_other() {
        assert_eq!(Text::json_test(r"\u0041"), Text::plain("A"));
        assert_ne!(Text::json_test(r"\u0041"), Text::plain("B"));
    }
}
