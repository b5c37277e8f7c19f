//! Strict UTF-8 validation (RFC 3629) of the non-ASCII runs inside JSON strings.
//!
//! Requests carry user text (mapping names, parameters) in any script, and a plugin pays fuel —
//! one unit per wasm instruction — for every byte of it. A byte-at-a-time check with a call per
//! character cost ~120 instructions per byte of `é`; here each character is checked from one
//! 32-bit load with a few masks, in a loop that stays on the non-ASCII run, so that every width
//! costs about the same per byte (~12 instructions) and the total is bounded by the length.

use crate::bytes::{byte_at, load_u32_padded, load_u64};

/// Width of the well-formed sequence whose bytes are the low end of `w` (little-endian, lead
/// byte first, lead byte non-ASCII), or 0 for an invalid, overlong, surrogate or truncated
/// sequence (bytes past the end of the input are zeros, never continuation bytes).
///
/// - 2 bytes: lead `C2..=DF` (C0, C1 are overlong), then a continuation byte.
/// - 3 bytes: `1110xxxx 10yyyyyy 10zzzzzz`; the code point's top bits are `xxxx` and `y`'s
///   high bit: all zero is overlong (below U+0800), `1101` with that bit set is a surrogate.
/// - 4 bytes: `11110xxx 10yyyyyy ...`; the plane, `xxx` and `y`'s top two bits, is 1..=16.
pub(crate) fn sequence_width(w: u32) -> usize {
    if w & 0xC0E0 == 0x80C0 {
        // `w & 0x1E` is zero exactly for the overlong leads C0 and C1.
        return if w & 0x1E != 0 { 2 } else { 0 };
    }
    if w & 0xC0_C0F0 == 0x80_80E0 {
        let top = w & 0x200F;
        return if top != 0 && top != 0x200D { 3 } else { 0 };
    }
    if w & 0xC0C0_C0F8 == 0x8080_80F0 {
        let plane = ((w & 0x07) << 2) | ((w >> 12) & 0x03);
        return if plane.wrapping_sub(1) < 16 { 4 } else { 0 };
    }
    0
}

/// Validates the run of non-ASCII characters starting at `pos` (where the byte is `>= 0x80`)
/// and returns the position of the first ASCII byte (or the end) after it; 0 if a sequence is
/// ill-formed (a run holds at least one sequence, so 0 is never the end of one).
pub(crate) fn non_ascii_run_end(bytes: &[u8], mut pos: usize) -> usize {
    while byte_at(bytes, pos) >= 0x80 {
        let width = sequence_width(load_u32_padded(bytes, pos));
        if width == 0 {
            return 0;
        }
        pos += width;
    }
    pos
}

/// Whether the bytes at `pos` start with a well-formed non-ASCII sequence.
pub(crate) fn is_sequence(bytes: &[u8], pos: usize) -> bool {
    sequence_width(load_u32_padded(bytes, pos)) != 0
}

/// Whether `text` is UTF-8: ASCII eight bytes at a time, non-ASCII runs as above.
pub(crate) fn is_utf8(text: &[u8]) -> bool {
    // Short ASCII strings (parameter names and values) in one pass without branches.
    if text.len() < 16 && text.iter().fold(0, |acc, &b| acc | b) < 0x80 {
        return true;
    }
    let mut pos = 0;
    loop {
        while let Some(word) = load_u64(text, pos) {
            if word & 0x8080_8080_8080_8080 != 0 {
                break;
            }
            pos += 8;
        }
        match text.get(pos) {
            None => return true,
            Some(&b) if b < 0x80 => pos += 1,
            Some(_) => {
                pos = non_ascii_run_end(text, pos);
                if pos == 0 {
                    return false;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Length of the well-formed UTF-8 sequence (RFC 3629) at the start of `bytes`, whose first byte
    /// is not ASCII; 0 for an invalid, overlong, surrogate or truncated sequence.
    ///
    /// The byte-wise statement of RFC 3629's table, the oracle for the masks.
    fn utf8_width(bytes: &[u8]) -> usize {
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

    #[test]
    fn widths() {
        assert_eq!(utf8_width("é".as_bytes()), 2);
        assert_eq!(utf8_width("€".as_bytes()), 3);
        assert_eq!(utf8_width("🎹".as_bytes()), 4);
        assert_eq!(utf8_width(b"\xf4\x8f\xbf\xbf"), 4);
        assert_eq!(utf8_width(b"\xc1\xbf"), 0);
        assert_eq!(utf8_width(b"\x80"), 0);
        assert_eq!(utf8_width(b""), 0);
    }

    /// The masks agree with the byte-wise rules on every lead and second byte, with third and
    /// fourth bytes from each class that matters (ASCII, each continuation range, leads).
    #[test]
    fn masks_agree_with_bytewise_rules() {
        let others = [
            0x00, 0x22, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xF0,
            0xFF,
        ];
        for lead in 0x80..=0xFFu8 {
            for second in 0..=0xFFu8 {
                for &third in &others {
                    for &fourth in &others {
                        let bytes = [lead, second, third, fourth];
                        assert_eq!(
                            sequence_width(u32::from_le_bytes(bytes)),
                            utf8_width(&bytes),
                            "{bytes:02x?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn whole_texts() {
        for text in [
            "",
            "a",
            "0123456789abcdef",
            "é",
            "aaaaaaaé",
            "aaaaaaaaé€🎹x",
        ] {
            assert!(is_utf8(text.as_bytes()), "{text}");
        }
        for bad in [
            &b"\xff"[..],
            b"aaaaaaaa\xc3",
            b"\xc3\xa9\xed\xa0\x80",
            b"abc\x80",
        ] {
            assert!(!is_utf8(bad), "{bad:?}");
        }
    }

    /// Input that ends inside a sequence: the zeros that pad the load make it ill-formed, as
    /// the byte-wise rules say.
    #[test]
    fn truncated_sequences_are_ill_formed() {
        for lead in 0x80..=0xFFu8 {
            for second in 0..=0xFFu8 {
                for third in [0x41, 0x80, 0xA0, 0xBF] {
                    let full = [lead, second, third];
                    for len in 1..=3 {
                        let prefix = &full[..len];
                        let mut padded = [0u8; 4];
                        padded[..len].copy_from_slice(prefix);
                        assert_eq!(
                            sequence_width(u32::from_le_bytes(padded)),
                            utf8_width(prefix),
                            "{prefix:02x?}"
                        );
                        assert_eq!(is_sequence(prefix, 0), utf8_width(prefix) != 0);
                    }
                }
            }
        }
    }

    #[test]
    fn runs() {
        let text = "éé€🎹a".as_bytes();
        assert_eq!(non_ascii_run_end(text, 0), text.len() - 1);
        assert_eq!(non_ascii_run_end("é".as_bytes(), 0), 2);
        assert_eq!(non_ascii_run_end(b"\xc3\xa9\xc3", 0), 0);
        assert_eq!(non_ascii_run_end(b"\xed\xa0\x80\"}", 0), 0);
    }
}
