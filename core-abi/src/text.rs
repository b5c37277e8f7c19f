//! Borrowed strings that may still hold JSON escapes.
//!
//! A request's action name and metadata are borrowed straight from the request bytes. Decoding
//! `\n` or `\u00e9` up front would need a buffer per string; instead a [`Text`] keeps the raw
//! bytes and decodes while it is compared or iterated, so a 1 MiB metadata value costs nothing
//! until a handler looks at it.

use core::fmt;

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
        Text { raw: text, escaped: false }
    }

    /// The inside of a JSON string literal that the parser has already validated.
    ///
    /// `raw` must be valid strict JSON string contents; decoding a malformed escape yields
    /// U+FFFD rather than panicking, so a wrong input is a wrong answer, never a crash.
    pub(crate) fn json(raw: &'a str) -> Self {
        Text { raw, escaped: raw.as_bytes().contains(&b'\\') }
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
        Chars { rest: self.raw.as_bytes(), escaped: self.escaped }
    }

    /// Length of the decoded text in UTF-8 bytes.
    pub fn decoded_len(&self) -> usize {
        if self.escaped {
            self.chars().map(char::len_utf8).sum()
        } else {
            self.raw.len()
        }
    }

    /// Whether the decoded text equals `other`. Allocates nothing.
    pub fn eq_str(&self, other: &str) -> bool {
        if !self.escaped {
            return self.raw == other;
        }
        // Escapes only ever make the raw form longer, so a shorter raw text cannot match.
        if self.raw.len() < other.len() {
            return false;
        }
        let mut mine = self.chars();
        let mut theirs = other.chars();
        loop {
            match (mine.next(), theirs.next()) {
                (None, None) => return true,
                (Some(a), Some(b)) if a == b => {}
                _ => return false,
            }
        }
    }

    /// Decodes into `buf` and returns the decoded `&str`, or `None` when `buf` is too small.
    pub fn decode_into<'b>(&self, buf: &'b mut [u8]) -> Option<&'b str> {
        let mut len = 0;
        for c in self.chars() {
            let end = len + c.len_utf8();
            c.encode_utf8(buf.get_mut(len..end)?);
            len = end;
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
        let mut value: u32 = 0;
        let mut any = false;
        for c in self.chars() {
            let digit = c.to_digit(10)?;
            value = value.checked_mul(10)?.checked_add(digit)?;
            any = true;
        }
        if any {
            Some(value)
        } else {
            None
        }
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
        self.chars().eq(other.chars())
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
    rest: &'a [u8],
    escaped: bool,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let (&first, tail) = self.rest.split_first()?;
        if first == b'\\' && self.escaped {
            self.rest = tail;
            return Some(self.unescape());
        }
        if first < 0x80 {
            self.rest = tail;
            return Some(char::from(first));
        }
        let (c, width) = decode_utf8(self.rest);
        self.rest = self.rest.get(width..).unwrap_or(&[]);
        Some(c)
    }
}

impl Chars<'_> {
    /// Decodes the escape whose backslash has just been consumed.
    fn unescape(&mut self) -> char {
        let Some((&kind, tail)) = self.rest.split_first() else {
            return char::REPLACEMENT_CHARACTER;
        };
        self.rest = tail;
        match kind {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => self.unicode_escape(),
            _ => char::REPLACEMENT_CHARACTER,
        }
    }

    /// Decodes `XXXX` after `\u`, joining a surrogate pair `\uD83C\uDFB9` into one character.
    fn unicode_escape(&mut self) -> char {
        let Some(high) = self.hex4() else {
            return char::REPLACEMENT_CHARACTER;
        };
        if !(0xD800..0xDC00).contains(&high) {
            return char::from_u32(high).unwrap_or(char::REPLACEMENT_CHARACTER);
        }
        let low = match self.rest {
            [b'\\', b'u', ..] => {
                self.rest = &self.rest[2..];
                self.hex4()
            }
            _ => None,
        };
        match low {
            Some(low @ 0xDC00..=0xDFFF) => {
                char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
            }
            _ => char::REPLACEMENT_CHARACTER,
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.rest.get(..4)?;
        self.rest = &self.rest[4..];
        digits.iter().try_fold(0u32, |acc, &d| Some(acc * 16 + hex_value(d)?))
    }
}

/// Value of one hexadecimal digit.
pub(crate) fn hex_value(digit: u8) -> Option<u32> {
    match digit {
        b'0'..=b'9' => Some(u32::from(digit - b'0')),
        b'a'..=b'f' => Some(u32::from(digit - b'a' + 10)),
        b'A'..=b'F' => Some(u32::from(digit - b'A' + 10)),
        _ => None,
    }
}

/// Decodes one multi-byte UTF-8 character from already-validated text.
fn decode_utf8(bytes: &[u8]) -> (char, usize) {
    let width = match bytes[0] {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    };
    let decoded = bytes
        .get(..width)
        .and_then(|b| core::str::from_utf8(b).ok())
        .and_then(|s| s.chars().next());
    (decoded.unwrap_or(char::REPLACEMENT_CHARACTER), width)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let t = Text::json(r"my\u005faction");
        assert_eq!(t.as_plain(), None);
        assert!(t == "my_action");
        assert!(t != "my_actionx");
        assert!(t != "my");
        assert_eq!(t.decoded_len(), 9);
        let t = Text::json(r#"a\"b\\c\/d\b\f\n\r\t"#);
        assert!(t == "a\"b\\c/d\u{8}\u{c}\n\r\t");
    }

    #[test]
    fn surrogate_pairs_join() {
        let t = Text::json(r"\ud83c\udfb9 é");
        let mut buf = [0u8; 16];
        assert_eq!(t.decode_into(&mut buf), Some("🎹 é"));
        assert_eq!(t.decoded_len(), "🎹 é".len());
        let mut small = [0u8; 3];
        assert_eq!(t.decode_into(&mut small), None);
    }

    #[test]
    fn broken_escapes_do_not_panic() {
        for raw in [r"\", r"\u12", r"\ud800", r"\ud800\u0041", r"\x", r"\uzzzz"] {
            assert!(Text::json(raw).chars().all(|c| c == char::REPLACEMENT_CHARACTER || c.is_ascii()));
        }
    }

    #[test]
    fn copies_into_fixed_capacity() {
        let t = Text::json(r"caf\u00e9");
        assert_eq!(t.to_heapless::<5>().as_deref(), Some("café"));
        assert_eq!(t.to_heapless::<4>(), None);
    }

    #[test]
    fn parses_decimal_parameters() {
        assert_eq!(Text::plain("127").parse_u32(), Some(127));
        assert_eq!(Text::json(r"\u0031\u0032").parse_u32(), Some(12));
        assert_eq!(Text::plain("").parse_u32(), None);
        assert_eq!(Text::plain("-1").parse_u32(), None);
        assert_eq!(Text::plain("4294967296").parse_u32(), None);
    }

    #[test]
    fn texts_compare_with_each_other() {
        assert_eq!(Text::json(r"\u0041"), Text::plain("A"));
        assert_ne!(Text::json(r"\u0041"), Text::plain("B"));
    }
}
