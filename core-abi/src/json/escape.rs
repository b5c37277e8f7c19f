//! JSON string escapes (`\n`, `\u00e9`, surrogate pairs), decoded one at a time where a
//! [`Text`](super::Text) is compared or iterated, and code points written back as UTF-8.

/// Writes the UTF-8 encoding of code point `c` and returns its length; [`INVALID_ESCAPE`]
/// (or anything above U+10FFFF) becomes U+FFFD.
pub(crate) fn encode_utf8(c: u32, out: &mut [u8; 4]) -> u8 {
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
/// The scanner validates with it and [`Text`](super::Text) decodes with it, so the rules exist once.
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
    // Bytes n0..n3 (first digit lowest, each at most 15): shifting a copy left by 4 and one
    // right by 8 puts n0n1 in byte 0 and n2n3 in byte 2 (no carries: the nibbles do not
    // overlap), so two byte picks finish: 8 operations where one shift-and-mask per digit was 12.
    let pairs = nibbles << 4 | nibbles >> 8;
    (pairs & 0xFF) << 8 | (pairs >> 16 & 0xFF)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
