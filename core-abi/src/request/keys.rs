//! The request's known keys, and how the parser recognises them.
//!
//! Hosts write keys the same way every time (`"velocity":`, no escape, no space), so the fast
//! path compares the key, its closing quote and the colon with a precomputed pattern: two word
//! loads, one table entry chosen by the key's first two bytes, two masked compares. Any other
//! spelling (escapes, whitespace before the colon, a key near the end of the body) is decoded
//! and compared by name, which gives the same field for every key the fast path accepts.

use crate::bytes::{byte_at, load_u32, load_u64};
use crate::json::{string_text, Step, MAX_NESTING};

/// Which object the parser is in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// The request object.
    Request,
    /// The `context` object.
    Context,
    /// The `metadata` object.
    Metadata,
}

impl Level {
    /// How deep a member's value may nest: the document as a whole is held to
    /// [`MAX_NESTING`], and this object and those around it count.
    pub(crate) fn remaining_depth(self) -> usize {
        MAX_NESTING - (self as usize + 1)
    }

    /// `field` if it is one of this level's known keys, else [`Field::UNKNOWN`].
    #[inline(always)]
    pub(crate) fn known(self, field: u32) -> u32 {
        if self.fields() & (1 << field) != 0 {
            field
        } else {
            Field::UNKNOWN
        }
    }

    /// This level's known keys, as a mask of field numbers.
    fn fields(self) -> u32 {
        match self {
            Level::Request => 0b11,
            Level::Context => 0b1111_1100,
            Level::Metadata => 0,
        }
    }
}

/// Field numbers: bit positions in the parser's duplicate-detection mask.
pub(crate) struct Field;

impl Field {
    pub(crate) const ACTION: u32 = 0;
    pub(crate) const CONTEXT: u32 = 1;
    pub(crate) const VELOCITY: u32 = 2;
    pub(crate) const NOTE: u32 = 3;
    pub(crate) const CC: u32 = 4;
    pub(crate) const VALUE: u32 = 5;
    pub(crate) const TIMESTAMP: u32 = 6;
    pub(crate) const METADATA: u32 = 7;
    /// An unknown key: skipped.
    pub(crate) const UNKNOWN: u32 = 8;
}

/// Every known field, by field number ([`Field`]): the request's two, then the context's six.
static FIELDS: [&str; 8] = [
    "action",
    "context",
    "velocity",
    "note",
    "cc",
    "value",
    "timestamp",
    "metadata",
];

/// A known key as compact JSON writes it: name, closing quote and colon, as the little-endian
/// words of its first eight bytes and of the (up to four) bytes after them, and its length.
#[derive(Clone, Copy)]
struct KeyPattern {
    head: u64,
    tail: u32,
    len: u8,
    field: u8,
    /// The pattern's bytes in `head` are `u64::MAX >> head_shift`, in `tail`
    /// `u32::MAX as u64 >> tail_shift` (32 when it has none): one load and one shift per key
    /// instead of a dozen instructions deriving the masks from `len`.
    head_shift: u8,
    tail_shift: u8,
}

/// Where a key whose first two bytes are `a`, `b` would be in [`KEY_PATTERNS`]: the eight known
/// names have distinct slots, so one entry is the only candidate.
const fn key_slot(word: u64) -> usize {
    ((word ^ (word >> 8)) & 15) as usize
}

/// The known keys by [`key_slot`]; empty slots have a length no key can match. Built at
/// compile time, which fails if two names share a slot.
static KEY_PATTERNS: [KeyPattern; 16] = {
    // An empty slot compares its whole head word with 0, which no key matches without also
    // making the result 0 (length 0, field 0): "no match" either way, with no test for it.
    let empty = KeyPattern {
        head: 0,
        tail: 0,
        len: 0,
        field: 0,
        head_shift: 0,
        tail_shift: 32,
    };
    let mut patterns = [empty; 16];
    let mut f = 0;
    while f < FIELDS.len() {
        let name = FIELDS[f].as_bytes();
        let len = name.len() + 2;
        let mut head = 0u64;
        let mut tail = 0u32;
        let mut i = 0;
        while i < len {
            let byte = if i < name.len() {
                name[i]
            } else if i == name.len() {
                b'"'
            } else {
                b':'
            };
            if i < 8 {
                head |= (byte as u64) << (8 * i);
            } else {
                tail |= (byte as u32) << (8 * (i - 8));
            }
            i += 1;
        }
        let slot = key_slot(head);
        assert!(patterns[slot].len == 0, "two field names share a slot");
        patterns[slot] = KeyPattern {
            head,
            tail,
            len: len as u8,
            field: f as u8,
            head_shift: if len >= 8 { 0 } else { (64 - 8 * len) as u8 },
            tail_shift: if len <= 8 {
                32
            } else {
                (32 - 8 * (len - 8)) as u8
            },
        };
        f += 1;
    }
    patterns
};

/// The fast path for keys: when the member at `pos` starts with a known name of this level
/// exactly as compact JSON writes it (`"note":`), its field number (or [`Field::UNKNOWN`] for a
/// known name of another level) and the position after the colon. `None` sends the key down
/// the general path, which decides the same way for every key this accepts.
#[inline(always)]
pub(crate) fn known_key(body: &[u8], pos: usize, level: Level) -> Option<(u32, usize)> {
    if level == Level::Metadata {
        return None;
    }
    // The quote and the pattern's twelve bytes, bounds-checked once.
    let window = body.get(pos..pos.wrapping_add(13))?;
    if byte_at(window, 0) != b'"' {
        return None;
    }
    let found = match_pattern(window, 1);
    if found == 0 {
        return None;
    }
    Some((level.known(found & 0xFF), pos + 1 + (found >> 8) as usize))
}

/// The known name (of any level) whose pattern (name, quote, colon) is at `body[start..]`:
/// the pattern's length times 256 plus its field number, or 0.
///
/// Comparing the closing quote makes the lengths agree: an unescaped key holds no quote, so a
/// shorter or longer name differs from the pattern at one of the two quotes.
#[inline(always)]
fn match_pattern(body: &[u8], start: usize) -> u32 {
    // Within twelve bytes of the end the caller takes its slow path, so the loads always fit.
    // One bounds check for both loads: the window's length is then known to the compiler.
    let Some(window) = body.get(start..start.wrapping_add(12)) else {
        return 0;
    };
    let (Some(head), Some(tail)) = (load_u64(window, 0), load_u32(window, 8)) else {
        return 0;
    };
    let pattern = KEY_PATTERNS[key_slot(head)];
    let head_mask = u64::MAX >> pattern.head_shift;
    let tail_mask = (u64::from(u32::MAX) >> pattern.tail_shift) as u32;
    if (head ^ pattern.head) & head_mask != 0 || (tail ^ pattern.tail) & tail_mask != 0 {
        return 0;
    }
    u32::from(pattern.len) << 8 | u32::from(pattern.field)
}

/// The field number of the key whose string literal starts at `body[quote]` and was scanned as
/// `step`, if it is one of `level`'s known keys, or [`Field::UNKNOWN`]: the general path, for
/// keys with escapes, keys with whitespace before their colon, and keys near the end of the body.
#[inline(never)]
pub(crate) fn field_id(body: &[u8], quote: usize, step: Step, level: Level) -> u32 {
    let key = string_text(body, quote, step);
    // Known names are 2 to 9 bytes long, and a key without escapes is its own text.
    if key.as_plain().is_some() && !(2..=9).contains(&key.raw().len()) {
        return Field::UNKNOWN;
    }
    let mut field = 0;
    while let Some(name) = FIELDS.get(field as usize) {
        if key.eq_str(name) {
            return level.known(field);
        }
        field += 1;
    }
    Field::UNKNOWN
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    #[test]
    fn every_known_key_has_a_fast_path() {
        for (f, name) in FIELDS.iter().enumerate() {
            let body = format!("\"{name}\":0,\"padding_padding\"");
            let level = if f < 2 {
                Level::Request
            } else {
                Level::Context
            };
            let other = if f < 2 {
                Level::Context
            } else {
                Level::Request
            };
            assert_eq!(
                known_key(body.as_bytes(), 0, level),
                Some((f as u32, name.len() + 3))
            );
            assert_eq!(
                known_key(body.as_bytes(), 0, other),
                Some((Field::UNKNOWN, name.len() + 3))
            );
            let spaced = format!("\"{name}\" :0,\"padding_padding\"");
            assert_eq!(known_key(spaced.as_bytes(), 0, level), None);
        }
        for key in ["\"actions\":", "\"cc \":", "\"notes\":", "\"\":"] {
            let body = format!("{key}0,\"padding_padding\"");
            assert_eq!(known_key(body.as_bytes(), 0, Level::Request), None, "{key}");
            assert_eq!(known_key(body.as_bytes(), 0, Level::Context), None, "{key}");
        }
    }
}
