//! The postcard decoder behind [`decode`](super::decode) and [`decode_in`](super::decode_in):
//! one pass over the request, written for wasm's cost model (the position in a local, fixed-size
//! parts read from one loaded word, strings checked as the loop passes them). Kept apart from
//! the request types and the encoder because it is the part that is tuned instruction by
//! instruction: its comments give the cost model behind each choice.

use crate::bytes::{load_u64, load_u64_padded, varint};
use crate::error::ErrorCode;
use crate::request::{Params, RequestContext};
use crate::utf8::is_utf8;

/// The decoder: one pass with the position in a local (on wasm a cursor in memory costs a load
/// and a store per field), straight into the request's context.
#[inline(always)]
pub(super) fn decode_parts(bytes: &[u8]) -> Result<(u32, RequestContext<'_>), ErrorCode> {
    const MALFORMED: ErrorCode = ErrorCode::MalformedBinary;
    let mut pos = 0;
    let action = varint_u32(bytes, &mut pos).ok_or(MALFORMED)?;
    // The four `Option<u8>`s (tag 0, or tag 1 and the byte) take at most eight bytes: one
    // word, padded past the end, holds them all, and each is taken off its low end in
    // registers. A tag past the end reads as `0x80` (a bad tag) and a value as `0x80`, but
    // then `pos` ends past the end: every read beyond the data shows there, and bad tags in
    // `tags`.
    // A 32-bit varint takes at most five bytes, so the `min` changes nothing; it tells the
    // compiler that `pos + 8` cannot overflow, which drops that test from the word's load
    // (four instructions; the `min` itself folds into the varint's out-of-line path).
    let start = pos.min(5);
    let mut pos = start;
    let options = load_u64_padded(bytes, pos);
    let mut word = options;
    let mut tags = 0;
    let velocity = take_option(&mut word, &mut pos, &mut tags);
    let note = take_option(&mut word, &mut pos, &mut tags);
    let cc = take_option(&mut word, &mut pos, &mut tags);
    let value = take_option(&mut word, &mut pos, &mut tags);
    if tags > 1 || pos > bytes.len() {
        return Err(MALFORMED);
    }
    // The tags are 0 or 1 now, so a high bit among the options' bytes (four to eight of
    // them) is a value above 127 (`MIDI_MAX`): one mask over the word.
    let options_high = options & 0x8080_8080_8080_8080 & (u64::MAX >> (64 - 8 * (pos - start)));
    let timestamp = varint(bytes, &mut pos, 64).ok_or(MALFORMED)?;
    if options_high != 0 {
        return Err(ErrorCode::InvalidField);
    }
    let count = varint_u32(bytes, &mut pos).ok_or(MALFORMED)?;
    if !strings_fill(bytes, pos, 2 * u64::from(count)) {
        return Err(MALFORMED);
    }
    // `pos <= bytes.len()` after a varint; the `min` says so to the compiler, which then
    // drops the empty-slice fallback (two selects).
    let pairs = bytes.get(pos.min(bytes.len())..).unwrap_or(&[]);
    Ok((
        action,
        RequestContext {
            velocity: option(velocity),
            note: option(note),
            cc: option(cc),
            value: option(value),
            timestamp,
            metadata: Params::binary(pairs, count as usize),
        },
    ))
}

/// A 32-bit varint (the action index, the metadata count) as a `u32`: a one-byte one read
/// here, its byte's sign tested in 32 bits, and only longer ones by [`varint`], whose `u64`,
/// merged with the one-byte path's, would be cut to 32 bits after (two instructions and six
/// bytes more for the action alone, measured).
#[inline(always)]
fn varint_u32(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    match bytes.get(*pos) {
        Some(&byte) if byte < 0x80 => {
            *pos += 1;
            Some(u32::from(byte))
        }
        _ => varint(bytes, pos, 32).map(|value| value as u32),
    }
}

/// Takes one `Option<u8>` off the low end of `word` (see [`decode_parts`]), moving `pos` past
/// it, and adds its tag to `tags`. Returns the tag's low bit and the bytes after the tag, for
/// [`option`] to make the `Option` from once the request is valid.
#[inline(always)]
fn take_option(word: &mut u64, pos: &mut usize, tags: &mut u8) -> (usize, u64) {
    // The tag's low bit is the tag when the tag is valid (0 or 1), and any other tag fails
    // through `tags`: the bit alone then decides, one mask instead of a compare.
    let some = (*word & 1) as usize;
    // The bytes after the tag: the value is their low byte, and the next option starts there
    // or one byte on (one shift shared by both).
    let rest = *word >> 8;
    *tags |= *word as u8;
    *word = rest >> (8 * some);
    *pos += 1 + some;
    (some, rest)
}

/// The `Option<u8>` of a [`take_option`]: `Some` of the low byte after the tag when its bit
/// is set. Made where the request is built, not where the option is read: the value then
/// goes from its 64-bit word to memory in one `i64.store8` instead of being cut to a byte in
/// a local first, live across the strings loop (three instructions an option).
#[inline(always)]
fn option((some, rest): (usize, u64)) -> Option<u8> {
    if some != 0 {
        Some(rest as u8)
    } else {
        None
    }
}

/// Whether `bytes[pos..]` is exactly `strings` postcard strings (a varint length, then that
/// many bytes of UTF-8), with nothing after them.
///
/// The strings are read to the end of the data and counted, rather than `strings` of them then
/// the end checked: the decomposition into strings is the same, every failure is the same
/// `MalformedBinary`, and a forged count cannot make a loop run past the data. (This loop
/// counts `strings` down, a test for zero at the end; the general one counts up in 32 bits,
/// at most one per byte, against a 64-bit count of up to 2^33.)
///
/// A parameter is usually a short ASCII word: its length byte and its bytes, at most eight,
/// are then the top bytes of the word that ends with it, and one mask and a count of leading
/// zeros check them all (a length of one byte, ASCII text, inside the data), about forty
/// instructions a string. At the first string that is not one, the general loop reads them all
/// again from the start: at most twice the work, for rare requests.
#[inline(always)]
fn strings_fill(bytes: &[u8], pos: usize, strings: u64) -> bool {
    let mut at = pos;
    // Counted down: a test for zero at the end instead of a compare.
    let mut left = strings;
    while let Some(&len) = bytes.get(at) {
        // `at < bytes.len() <= 16 MiB`: no overflow.
        at += 1 + usize::from(len);
        left = left.wrapping_sub(1);
        // A load past the end (the length runs over the data) or before the start fails.
        // The top `len + 1` bytes are clear of high bits when more than `len` whole bytes
        // lead with zeros: counted in bytes, a shift and a 32-bit compare (two instructions
        // fewer than `8 * (len + 1)` in 64 bits). Past seven, `len` is at least any count.
        let short = match load_u64(bytes, at.wrapping_sub(8)) {
            Some(word) => (word & 0x8080_8080_8080_8080).leading_zeros() / 8 > u32::from(len),
            None => false,
        };
        if !short {
            return strings_utf8(bytes, pos, strings);
        }
    }
    left == 0
}

/// [`strings_fill`] for any metadata: each length a varint of any size, each string checked as
/// UTF-8. Inlined too: out of line it cost the template 92 bytes more, for no fuel on the
/// common path.
#[inline(always)]
fn strings_utf8(bytes: &[u8], mut pos: usize, strings: u64) -> bool {
    let mut read: usize = 0;
    while pos < bytes.len() {
        let Some(len) = varint(bytes, &mut pos, 32) else {
            return false;
        };
        // `pos <= bytes.len()` after a varint.
        if len as usize > bytes.len() - pos {
            return false;
        }
        let end = pos + len as usize;
        match bytes.get(pos..end) {
            Some(text) if is_utf8(text) => {}
            _ => return false,
        }
        pos = end;
        read += 1;
    }
    read as u64 == strings
}
