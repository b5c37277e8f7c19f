//! Byte access for code that reads untrusted input: bounded reads, word loads, equality and
//! postcard varints, with no panicking index and no `memcmp`.
//!
//! The leaf every reader sits on (the JSON scanner, the request parser, the postcard decoder,
//! compile-time metadata). On wasm each of these is what one instruction or a handful cost:
//! a bounds-checked `get` instead of an index (no panic path to link), one unaligned 32- or
//! 64-bit load instead of four or eight byte loads, and a compare eight bytes at a time instead
//! of `memcmp`'s byte loop.

/// The byte at `pos`, or 0 past the end (0 is never valid where a token starts).
#[inline(always)]
pub(crate) fn byte_at(bytes: &[u8], pos: usize) -> u8 {
    bytes.get(pos).copied().unwrap_or(0)
}

/// The four bytes at `pos` as a little-endian `u32`.
#[inline(always)]
pub(crate) fn load_u32(bytes: &[u8], pos: usize) -> Option<u32> {
    let chunk: &[u8; 4] = bytes.get(pos..pos.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(*chunk))
}

/// The eight bytes at `pos` as a little-endian `u64` (one unaligned load on wasm).
#[inline(always)]
pub(crate) fn load_u64(bytes: &[u8], pos: usize) -> Option<u64> {
    let chunk: &[u8; 8] = bytes.get(pos..pos.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(*chunk))
}

/// The eight bytes at `pos` as a little-endian word, padded past the end of `bytes` with
/// `0x80` bytes: a varint read from it that runs past the end has no stop bit in the word, so
/// it is cut short exactly when no stop bit is found, with no compare against the length.
#[inline(always)]
pub(crate) fn load_u64_padded(bytes: &[u8], pos: usize) -> u64 {
    match load_u64(bytes, pos) {
        Some(word) => word,
        None => padded_tail(bytes, pos),
    }
}

/// [`load_u64_padded`] within eight bytes of the end, out of line (one copy for every caller):
/// the word that ends at the end, shifted down to start at `pos`, or below eight bytes in all
/// the whole input from two overlapping 32-bit loads; a few dozen instructions, no byte loop.
/// Below four bytes in all the word is all padding, the bytes unread: a varint then takes the
/// byte loop, and the postcard decoder rejects any input that short whatever it reads.
#[inline(never)]
fn padded_tail(bytes: &[u8], pos: usize) -> u64 {
    const PAD: u64 = 0x8080_8080_8080_8080;
    let len = bytes.len();
    // The word that ends at the end and where it starts, or (four to seven bytes) the whole
    // input from two loads that overlap in the middle, where they agree.
    let (start, word) = match load_u64(bytes, len.wrapping_sub(8)) {
        Some(word) => (len - 8, word),
        None => match (load_u32(bytes, 0), load_u32(bytes, len.wrapping_sub(4))) {
            (Some(low), Some(high)) => (0, u64::from(low) | u64::from(high) << (8 * (len - 4))),
            _ => return PAD,
        },
    };
    if pos >= len {
        return PAD;
    }
    // `pos < len`, and the load at `pos` failed: `pos - start` and `len - pos` are 1 to 7 (0
    // to 7 for a short input), so no shift reaches 64.
    word >> (8 * (pos - start)) | PAD << (8 * (len - pos))
}

/// The eight bytes at `pos` as a little-endian word for the JSON integer reader: within eight
/// bytes of the end, the last eight bytes of `bytes` shifted down and zero-padded, inline (one
/// load and a shift, where [`load_u64_padded`] calls its out-of-line tail), so a number that
/// ends a body, such as MIDIMon's timestamp, is read from one word too. Zero-padded (0 is not a
/// digit), unlike [`load_u64_padded`], whose `0x80` padding and all-padding word below four
/// bytes suit varints, not digits.
#[inline(always)]
pub(crate) fn load_u64_tail(bytes: &[u8], pos: usize) -> u64 {
    if let Some(word) = load_u64(bytes, pos) {
        return word;
    }
    let len = bytes.len();
    match load_u64(bytes, len.wrapping_sub(8)) {
        // `pos + 8 > len` here, so the shift is below 64 when `pos < len`.
        Some(last) if pos < len => last >> (8 * (pos + 8 - len)),
        Some(_) => 0,
        None => short_word(bytes, pos),
    }
}

/// [`load_u64_tail`] for a body of under eight bytes (no request with an integer field is that
/// short): its bytes one at a time, zero-padded, out of line so that the common path stays small.
#[cold]
#[inline(never)]
fn short_word(bytes: &[u8], pos: usize) -> u64 {
    let mut word = 0;
    for i in 0..8 {
        word |= u64::from(byte_at(bytes, pos.wrapping_add(i))) << (8 * i);
    }
    word
}

/// The four bytes at `pos` as a little-endian word, zero-padded past the end of `bytes`.
#[inline(always)]
pub(crate) fn load_u32_padded(bytes: &[u8], pos: usize) -> u32 {
    match bytes.get(pos..pos + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => {
            let mut word = 0;
            for i in 0..3 {
                word |= u32::from(byte_at(bytes, pos + i)) << (8 * i);
            }
            word
        }
    }
}

/// Byte-wise equality, eight bytes at a time.
///
/// `==` on slices calls `memcmp`, which on wasm is a byte loop costing ~12 instructions a byte;
/// action and field names are compared on every request, so this is worth its few lines. The
/// last word (or, below eight bytes, the last half-word pair) overlaps the one before, so no
/// length needs a byte loop.
pub(crate) fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    if len >= 8 {
        // Up to 16 bytes (most action names): the first and the last word, no loop, and two
        // loads the compiler knows in bounds (31 instructions for `my_action` instead of 53;
        // +46 B).  A loop that stops 16 bytes short and shares the two compares cost 16 more.
        if len <= 16 {
            return load_u64(a, 0) == load_u64(b, 0)
                && load_u64(a, len - 8) == load_u64(b, len - 8);
        }
        let mut i = 0;
        while i + 8 < len {
            if load_u64(a, i) != load_u64(b, i) {
                return false;
            }
            i += 8;
        }
        // The last eight bytes, overlapping the words before.
        return load_u64(a, len - 8) == load_u64(b, len - 8);
    }
    if len >= 4 {
        return load_u32(a, 0) == load_u32(b, 0) && load_u32(a, len - 4) == load_u32(b, len - 4);
    }
    let mut i = 0;
    while let (Some(x), Some(y)) = (a.get(i), b.get(i)) {
        if x != y {
            return false;
        }
        i += 1;
    }
    true
}

/// `a == b`, usable in `const` context.
pub(crate) const fn const_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Reads a postcard varint (LEB128) holding an unsigned integer of `bits` bits (32 or 64) at
/// `*pos`, and moves `*pos` past it. One-byte varints (action indexes, counts, lengths) are read
/// inline, and so are 64-bit ones of up to eight bytes (timestamps); the rest, rare, by a byte
/// loop out of line.
#[inline(always)]
pub(crate) fn varint(bytes: &[u8], pos: &mut usize, bits: u32) -> Option<u64> {
    if bits == 64 {
        // A timestamp usually takes five or six bytes: read inline from one word wherever it
        // lies (padded with continuation bytes past the end, so that a varint cut short has
        // no stop bit in it): about 50 instructions for a five-byte one, against 120 for a
        // call and the word path out of line. Nine- and ten-byte ones, and cut ones, have no
        // stop bit in the word and take the loop.
        let word = load_u64_padded(bytes, *pos);
        let stop = !word & 0x8080_8080_8080_8080;
        if stop != 0 {
            // The varint's bytes, through the stop bit of its last one.
            let own = word & (stop ^ (stop - 1));
            *pos += (stop.trailing_zeros() as usize + 1) / 8;
            return Some(gather_groups(own));
        }
        let (value, end) = long_varint(bytes, *pos, bits)?;
        *pos = end;
        return Some(value);
    }
    match bytes.get(*pos) {
        Some(&byte) if byte < 0x80 => {
            *pos += 1;
            Some(u64::from(byte))
        }
        _ => {
            let (value, end) = long_varint(bytes, *pos, bits)?;
            *pos = end;
            Some(value)
        }
    }
}

/// [`varint`] of any length, a byte at a time: the value and the position after it.
///
/// Only what the inline paths leave reaches here (32-bit varints of two to five bytes, 64-bit
/// ones of nine or ten bytes), so it stays small rather than fast.
/// The position goes in and out by value: a `&mut` would take the caller's position out of
/// a wasm local into its stack frame, a load and a store on every use in the caller.
#[inline(never)]
fn long_varint(bytes: &[u8], pos: usize, bits: u32) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    let mut shift = 0;
    let mut at = pos;
    loop {
        let byte = *bytes.get(at)?;
        at += 1;
        let payload = u64::from(byte & 0x7F);
        // The last byte may only carry the bits the integer has left.
        if bits - shift < 7 && payload >> (bits - shift) != 0 {
            return None;
        }
        value |= payload << shift;
        if byte < 0x80 {
            return Some((value, at));
        }
        shift += 7;
        if shift >= bits {
            return None;
        }
    }
}

/// The 7-bit groups of the little-endian varint bytes of `word`, packed into 56 bits (the
/// groups of the bytes past the varint's end too: the caller masks them off).
///
/// Neighbouring groups are joined in three rounds (pairs of bytes, then of 16-bit lanes, then
/// of 32-bit lanes), each a shift and two masks: ten wasm instructions a round instead of six
/// per byte.
#[inline(always)]
fn gather_groups(word: u64) -> u64 {
    let pairs = (word & 0x007F_007F_007F_007F) | (word >> 1 & 0x3F80_3F80_3F80_3F80);
    let quads = (pairs & 0x0000_3FFF_0000_3FFF) | (pairs >> 2 & 0x0FFF_C000_0FFF_C000);
    (quads & 0x0FFF_FFFF) | (quads >> 4 & 0x00FF_FFFF_F000_0000)
}

/// [`varint`] over a slice cursor.
#[cfg(test)]
fn take_varint(bytes: &mut &[u8], bits: u32) -> Option<u64> {
    let mut pos = 0;
    let value = varint(bytes, &mut pos, bits)?;
    *bytes = &bytes[pos..];
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_loads_agree_with_bytes() {
        let bytes: std::vec::Vec<u8> = (1..=20).collect();
        for len in 0..=bytes.len() {
            for pos in 0..len + 10 {
                let mut expected = 0u64;
                for i in 0..8 {
                    expected |= u64::from(byte_at(&bytes[..len], pos + i)) << (8 * i);
                }
                assert_eq!(load_u64_tail(&bytes[..len], pos), expected, "{len} {pos}");
            }
        }
    }

    #[test]
    fn bytes_eq_agrees_with_slices() {
        let samples: [&[u8]; 10] = [
            b"",
            b"a",
            b"my_action",
            b"my_actioN",
            b"0123456789abcdef",
            b"0123456789abcdeF",
            b"timestamp",
            b"0123456789abcdefghijklmnopq",
            b"0123456789abcdefghijklmnopQ",
            b"0123456789abcdefGhijklmnopq",
        ];
        for a in samples {
            for b in samples {
                assert_eq!(bytes_eq(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    /// The padded load agrees with the bytes themselves, padded with `0x80`, at every position
    /// near the end of every length (below four bytes in all: all padding).
    #[test]
    fn padded_loads() {
        let bytes: std::vec::Vec<u8> = (1..=12).collect();
        for len in 0..=12 {
            let input = &bytes[..len];
            for pos in 0..=len + 2 {
                let mut expected = [0x80u8; 8];
                if len >= 4 {
                    for (i, slot) in expected.iter_mut().enumerate() {
                        if let Some(&byte) = input.get(pos + i) {
                            *slot = byte;
                        }
                    }
                }
                let expected = u64::from_le_bytes(expected);
                assert_eq!(load_u64_padded(input, pos), expected, "{len} {pos}");
            }
        }
    }

    /// Every length of 64- and 32-bit varint, followed by 0 to 10 other bytes (so that each is
    /// read by the one-word path, the one-byte path and the byte loop), reads as postcard
    /// wrote it, and its truncations are rejected.
    #[test]
    fn varints_by_every_path() {
        let mut values = std::vec![0u64, 1, 127, 128, u64::MAX, u64::MAX >> 8, 1 << 63];
        for bits in 0..64 {
            values.push(1 << bits);
            values.push((1 << bits) - 1);
            values.push(0x5555_5555_5555_5555 >> bits);
        }
        for v in values {
            let mut buf = [0u8; 16];
            let len = postcard::to_slice(&v, &mut buf).unwrap().len();
            for tail in 0..=10 {
                for filler in [0x00, 0x7F, 0x80, 0xFF] {
                    let mut bytes = buf[..len].to_vec();
                    bytes.resize(len + tail, filler);
                    let mut pos = 0;
                    assert_eq!(varint(&bytes, &mut pos, 64), Some(v), "{bytes:02x?}");
                    assert_eq!(pos, len, "{bytes:02x?}");
                    if let Ok(narrow) = u32::try_from(v) {
                        let mut pos = 0;
                        assert_eq!(varint(&bytes, &mut pos, 32), Some(u64::from(narrow)));
                        assert_eq!(pos, len);
                    }
                    for cut in 0..len {
                        let mut pos = 0;
                        assert_eq!(varint(&bytes[..cut], &mut pos, 64), None, "cut {cut}");
                        assert_eq!(pos, 0);
                    }
                }
            }
        }
        // Over-long: an eleventh byte, or bits above 64 in the tenth.
        let mut pos = 0;
        assert_eq!(varint(&[0x80; 12], &mut pos, 64), None);
        let mut ten = [0xFF; 12];
        ten[9] = 0x02;
        assert_eq!(varint(&ten, &mut pos, 64), None);
        ten[9] = 0x01;
        assert_eq!(varint(&ten, &mut pos, 64), Some(u64::MAX));
        assert_eq!(pos, 10);
    }

    #[test]
    fn varints_follow_postcard() {
        for v in [0u32, 1, 127, 128, 300, 16_383, 16_384, u32::MAX] {
            let mut buf = [0u8; 16];
            let bytes = postcard::to_slice(&v, &mut buf).unwrap();
            let mut cursor: &[u8] = bytes;
            assert_eq!(take_varint(&mut cursor, 32), Some(u64::from(v)));
            assert!(cursor.is_empty());
        }
        for v in [0u64, 1 << 35, u64::MAX] {
            let mut buf = [0u8; 16];
            let bytes = postcard::to_slice(&v, &mut buf).unwrap();
            let mut cursor: &[u8] = bytes;
            assert_eq!(take_varint(&mut cursor, 64), Some(v));
        }
        assert_eq!(
            take_varint(&mut &[0xFF, 0xFF, 0xFF, 0xFF, 0x1F][..], 32),
            None,
            "above u32::MAX"
        );
        assert_eq!(
            take_varint(&mut &[0xFF, 0xFF, 0xFF, 0xFF, 0x0F][..], 32),
            Some(u64::from(u32::MAX))
        );
        assert_eq!(
            take_varint(
                &mut &[0xFF; 9]
                    .iter()
                    .copied()
                    .chain([0x02])
                    .collect::<std::vec::Vec<_>>()[..],
                64
            ),
            None
        );
        assert_eq!(take_varint(&mut &[0x80][..], 32), None, "truncated");
    }
}
