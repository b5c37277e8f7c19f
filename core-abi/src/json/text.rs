//! Borrowed strings that may still hold JSON escapes.
//!
//! A request's action name and metadata are borrowed straight from the request bytes. Decoding
//! `\n` or `\u00e9` up front would need a buffer per string; instead a [`Text`] keeps the raw
//! bytes and decodes while it is compared or iterated, so a 1 MiB metadata value costs nothing
//! until a handler looks at it.

use core::fmt;

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
    #[inline]
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
fn eq_escaped(raw: &[u8], other: &[u8]) -> bool {
    let (mut i, mut j) = (0, 0);
    let mut unit = [0u8; 4];
    while i < raw.len() {
        let chunk: &[u8] = if raw[i] == b'\\' {
            let escape = decode_escape(raw, i);
            i = escape.end();
            let len = encode_utf8(escape.code_point(), &mut unit);
            &unit[..usize::from(len)]
        } else {
            i += 1;
            &raw[i - 1..i]
        };
        match other.get(j..j + chunk.len()) {
            Some(theirs) if theirs == chunk => j += chunk.len(),
            _ => return false,
        }
    }
    j == other.len()
}

/// Writes the UTF-8 encoding of code point `c` and returns its length; [`INVALID_ESCAPE`]
/// (or anything above U+10FFFF) becomes U+FFFD.
fn encode_utf8(c: u32, out: &mut [u8; 4]) -> u8 {
    let c = if c > 0x10FFFF { 0xFFFD } else { c };
    let len: u8 = match c {
        0..=0x7F => {
            out[0] = c as u8;
            return 1;
        }
        0x80..=0x7FF => 2,
        0x800..=0xFFFF => 3,
        _ => 4,
    };
    // Leading byte: `len` one-bits, a zero, then the top bits of `c`.
    let lead_marker = (0xF0u32 << (4 - len)) as u8;
    let mut shift = 6 * u32::from(len - 1);
    out[0] = lead_marker | (c >> shift) as u8;
    for slot in out.iter_mut().take(usize::from(len)).skip(1) {
        shift -= 6;
        *slot = 0x80 | ((c >> shift) & 0x3F) as u8;
    }
    len
}

/// The code point of a malformed escape: one past the last code point.
pub(crate) const INVALID_ESCAPE: u32 = 0x11_0000;

/// A decoded escape sequence: its code point and the position just after it.
///
/// One `u64` rather than a pair: on wasm a two-word return goes through memory, and the
/// position would have to live in memory too, in the string scanner's hot loop.
#[derive(Clone, Copy)]
pub(crate) struct Escape(u64);

impl Escape {
    fn new(code_point: u32, end: usize) -> Escape {
        Escape((end as u64) << 32 | u64::from(code_point))
    }

    /// The escaped code point, or [`INVALID_ESCAPE`].
    pub(crate) fn code_point(self) -> u32 {
        self.0 as u32
    }

    /// The position just after the escape.
    pub(crate) fn end(self) -> usize {
        (self.0 >> 32) as usize
    }
}

/// Decodes the JSON escape sequence whose backslash is at `bytes[pos]`. Its code point is
/// [`INVALID_ESCAPE`] for anything RFC 8259 rejects: an unknown escape, bad hex digits, a high
/// surrogate not followed by an escaped low surrogate, a lone low surrogate.
///
/// The scanner validates with it and [`Text`] decodes with it, so the rules exist once.
pub(crate) fn decode_escape(bytes: &[u8], pos: usize) -> Escape {
    let kind = bytes.get(pos + 1).copied().unwrap_or(0);
    let c = match kind {
        b'b' => 0x08,
        b'f' => 0x0C,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'"' | b'\\' | b'/' => kind,
        b'u' => {
            let high = hex4(bytes, pos + 2);
            if high.wrapping_sub(0xD800) >= 0x800 {
                // Also passes INVALID_ESCAPE through from `hex4`.
                return Escape::new(high, pos + 6);
            }
            let pair = bytes.get(pos + 6..pos + 8) == Some(b"\\u");
            let low = if pair {
                hex4(bytes, pos + 8)
            } else {
                INVALID_ESCAPE
            };
            if high >= 0xDC00 || low.wrapping_sub(0xDC00) >= 0x400 {
                return Escape::new(INVALID_ESCAPE, pos + 12);
            }
            return Escape::new(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), pos + 12);
        }
        _ => return Escape::new(INVALID_ESCAPE, pos + 2),
    };
    Escape::new(u32::from(c), pos + 2)
}

/// Four hex digits at `bytes[pos..]`, or [`INVALID_ESCAPE`]: the four bytes as one word,
/// tested and converted with SWAR steps (~35 instructions), since a body of `\u` escapes runs
/// this every six bytes.
fn hex4(bytes: &[u8], pos: usize) -> u32 {
    const HIGHS: u32 = 0x8080_8080;
    const ONES: u32 = 0x0101_0101;
    let Some(&[a, b, c, d]) = bytes.get(pos..pos + 4) else {
        return INVALID_ESCAPE;
    };
    let w = u32::from_le_bytes([a, b, c, d]);
    if w & HIGHS != 0 {
        return INVALID_ESCAPE;
    }
    // Per byte, with every byte below 0x80 (checked first, so no borrow crosses a byte): the
    // high bit of `(x | 0x80) - lo` says `x >= lo`, that of `(hi | 0x80) - x` says `x <= hi`.
    let digits = ((w | HIGHS) - ONES * 0x30) & ((ONES * 0xB9) - w);
    let lower = w | (ONES * 0x20);
    let letters = ((lower | HIGHS) - ONES * 0x61) & ((ONES * 0xE6) - lower);
    if (digits | letters) & HIGHS != HIGHS {
        return INVALID_ESCAPE;
    }
    // A digit's value is its low nibble; a letter's is its low nibble plus 9.
    let nibbles = (w & (ONES * 0x0F)) + 9 * ((letters & HIGHS) >> 7);
    ((nibbles & 0x0F) << 12)
        | ((nibbles >> 8 & 0x0F) << 8)
        | ((nibbles >> 16 & 0x0F) << 4)
        | (nibbles >> 24)
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
    fn utf8_encoding_matches_core() {
        for c in [
            '\0',
            'a',
            '\u{7f}',
            '\u{80}',
            'é',
            '\u{7ff}',
            '\u{800}',
            '€',
            '\u{ffff}',
            '\u{10000}',
            '🎹',
            '\u{10ffff}',
        ] {
            let mut ours = [0u8; 4];
            let len = encode_utf8(c as u32, &mut ours);
            let mut theirs = [0u8; 4];
            assert_eq!(
                &ours[..usize::from(len)],
                c.encode_utf8(&mut theirs).as_bytes(),
                "{c:?}"
            );
        }
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
    fn hex4_agrees_with_char_to_digit() {
        for at in 0..4 {
            for byte in 0..=255u8 {
                let mut digits = *b"0aF9";
                digits[at] = byte;
                let expected = digits.iter().try_fold(0, |value, &b| {
                    Some(value * 16 + char::from(b).to_digit(16)?)
                });
                assert_eq!(
                    hex4(&digits, 0),
                    expected.unwrap_or(INVALID_ESCAPE),
                    "{digits:?}"
                );
            }
        }
        assert_eq!(hex4(b"abc", 0), INVALID_ESCAPE);
        assert_eq!(hex4(b"FFFF", 0), 0xFFFF);
    }

    #[test]
    fn texts_compare_with_each_other() {
        assert_eq!(Text::json_test(r"\u0041"), Text::plain("A"));
        assert_ne!(Text::json_test(r"\u0041"), Text::plain("B"));
    }
}
