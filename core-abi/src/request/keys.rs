//! The request's known keys, and how the parser recognises them.
//!
//! Hosts write keys the same way every time (`"velocity":`, no escape, no space), so the fast
//! path compares the key, its quotes and the colon with a precomputed pattern: two word loads
//! from one 16-byte window, one table entry chosen by the key's first two bytes, two masked
//! compares. An unknown key of up to four plain bytes that the first word holds whole
//! (`,"a":`) is decided from that word too. Any other spelling (escapes, whitespace before the
//! colon, a key near the end of the body) and any longer unknown key is decoded and compared by
//! name, which gives the same field for every key the fast path accepts.

use crate::json::{special_bytes, string_text, Step, MAX_NESTING};

/// Which object the parser is in.
///
/// Held as a `u32` (`repr`): as a byte, the compiler masks it with 255 wherever the parser's
/// loop merges its values (2 instructions at each test of it: about 13 a MIDIMon request).
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
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

/// Keys the fast path recognises though they are no field: MIDIMon sends `current_mode` with
/// every event, and recognising it skips the string scanner for its key (its value is then
/// skipped as any unknown member's).
static IGNORED: [&str; 1] = ["current_mode"];

/// Longest pattern: the separator, the quotes, the name and the colon in two words.
const WINDOW: usize = 16;

/// A member's start as compact JSON writes it: the separator before it (`{` or `,`), then
/// opening quote, name, closing quote and colon, as the little-endian words of its first eight
/// bytes (the separator's byte 0: it is added at the compare) and of the (up to eight) bytes
/// after them, with its length and its field number at each level.
#[derive(Clone, Copy)]
struct KeyPattern {
    head: u64,
    tail: u64,
    len: u8,
    /// The field at [`Level::Request`] and at [`Level::Context`] ([`Field::UNKNOWN`] where
    /// the name is not one of that level's).
    fields: [u8; 2],
    /// The pattern's bytes in `head` are `u64::MAX >> head_shift`, in `tail` the bytes that
    /// remain of `tail << tail_half_shift << tail_half_shift` (none when the half is 32: a shift
    /// by 64 in two halves, without the check a shift by 64 needs): a load and one or two shifts
    /// per compare instead of a dozen instructions deriving masks from `len`.
    head_shift: u8,
    tail_half_shift: u8,
}

/// Slots in [`KEY_PATTERNS`]: as many as there are known names, so none is empty.
// A remainder by 9 rather than a mask with 15: 7 fewer 24-byte entries (168 bytes of data).
// The hash reads the name's first two bytes only (a name may be two bytes long, and what
// follows it is the value), multiplied by `SLOT_FACTOR` so that the product wraps: a plain
// remainder of those two bytes gives two names one slot. Wrap, shift, multiply, remainder: 7
// instructions after the word's load, where the masked xor of two shifts took 9 (daemon
// 1,500 -> 1,490 fuel, note-on 2,361 -> 2,345).
const SLOTS: usize = 9;

/// The smallest factor above 2^16 (searched) that gives the nine names distinct slots; the
/// table's build fails if a name added later collides.
const SLOT_FACTOR: u32 = 129_186_305;

/// Where a key whose separator, opening quote and first two bytes are the low bytes of `word`
/// would be in [`KEY_PATTERNS`]: the known names have distinct slots, so one entry is the only
/// candidate.
const fn key_slot(word: u64) -> usize {
    (((word as u32) >> 16).wrapping_mul(SLOT_FACTOR) % SLOTS as u32) as usize
}

/// The known keys by [`key_slot`]. An empty slot's pattern (none while [`SLOTS`] equals the
/// number of names) is a whole word of 0 (and the
/// separator), which no key matches (its second byte is a quote). Built at compile time,
/// which fails if two names share a slot.
static KEY_PATTERNS: [KeyPattern; SLOTS] = {
    let empty = KeyPattern {
        head: 0,
        tail: 0,
        len: 0,
        fields: [Field::UNKNOWN as u8; 2],
        head_shift: 0,
        tail_half_shift: 32,
    };
    let mut patterns = [empty; SLOTS];
    let mut f = 0;
    while f < FIELDS.len() + IGNORED.len() {
        let name = if f < FIELDS.len() {
            FIELDS[f].as_bytes()
        } else {
            IGNORED[f - FIELDS.len()].as_bytes()
        };
        let len = name.len() + 4;
        assert!(
            len <= WINDOW,
            "a known key longer than the fast path's window"
        );
        let mut head = 0u64;
        let mut tail = 0u64;
        let mut i = 0;
        while i < len {
            let byte = if i == 0 {
                0
            } else if i == 1 || i == name.len() + 2 {
                b'"'
            } else if i <= name.len() + 1 {
                name[i - 2]
            } else {
                b':'
            };
            if i < 8 {
                head |= (byte as u64) << (8 * i);
            } else {
                tail |= (byte as u64) << (8 * (i - 8));
            }
            i += 1;
        }
        let slot = key_slot(head);
        assert!(patterns[slot].len == 0, "two field names share a slot");
        let mut fields = [Field::UNKNOWN as u8; 2];
        if f < 2 {
            fields[0] = f as u8;
        } else if f < FIELDS.len() {
            fields[1] = f as u8;
        }
        patterns[slot] = KeyPattern {
            head,
            tail,
            len: len as u8,
            fields,
            head_shift: if len >= 8 { 0 } else { (64 - 8 * len) as u8 },
            tail_half_shift: if len <= 8 {
                32
            } else {
                (32 - 4 * (len - 8)) as u8
            },
        };
        f += 1;
    }
    patterns
};

/// The fast path for keys: when the separator at `pos` (`separator`: `{` before an object's
/// first member, else `,`) is followed by a known name of this level exactly as compact JSON writes it
/// (`,"note":`), its field number (or [`Field::UNKNOWN`] for a known name of another level, or
/// an ignored one) and the position after the colon. `None` sends the member down the general
/// path, which decides the same way for every key this accepts.
///
/// Two word loads from one bounds-checked window, one table entry, two masked compares: the
/// separator, the quotes and the colon are compared with the name.
#[inline(always)]
pub(crate) fn known_key(
    body: &[u8],
    pos: usize,
    level: Level,
    separator: u64,
) -> Option<(u32, usize)> {
    if level == Level::Metadata {
        return None;
    }
    // One compare in 64 bits, where `pos + WINDOW` cannot wrap: 8 instructions instead of the
    // 12 of a range's two bounds (start <= end, end <= len).
    if pos as u64 + WINDOW as u64 > body.len() as u64 {
        return None;
    }
    let window: &[u8; WINDOW] = body.get(pos..pos + WINDOW)?.try_into().ok()?;
    let head = u64::from_le_bytes(window_word(window, 0));
    let pattern = KEY_PATTERNS[key_slot(head)];
    let head_mask = u64::MAX >> pattern.head_shift;
    // An unknown key usually differs in its first word: it leaves before the second.
    if (head ^ pattern.head ^ separator) & head_mask != 0 {
        return short_unknown_key(head, separator, pos);
    }
    let tail = u64::from_le_bytes(window_word(window, 8));
    // The bytes beyond the pattern are shifted out rather than masked off (as the head's are
    // by the compiler): no mask constant and no `and`, 2 instructions less per known key.
    let tail_shift = u32::from(pattern.tail_half_shift);
    if (tail ^ pattern.tail) << tail_shift << tail_shift != 0 {
        return None;
    }
    let field = pattern.fields[usize::from(level != Level::Request)];
    Some((u32::from(field), pos + usize::from(pattern.len)))
}

/// A key that the fast path did not recognise from the first word, when that word holds all
/// of it as compact JSON writes it (separator, quote, up to four plain bytes, quote, colon:
/// `,"a":`): [`Field::UNKNOWN`] and the position after the colon, without the string scanner's
/// call and the general path (about 110 instructions less for `"a":0`). Plain bytes are printable
/// ASCII other than `"` and `\`, exactly the key that the general path would scan without
/// an escape and then call decided (none of the known names: the word differs from its slot's
/// pattern). Anything else, `None`: the general path.
///
/// About 50 instructions: the first byte that is not plain is found with the string scanner's
/// SWAR tests (exact for the lowest byte they flag), and must be the closing quote with a colon
/// after it.
#[inline(always)]
fn short_unknown_key(head: u64, separator: u64, pos: usize) -> Option<(u32, usize)> {
    if (head ^ separator) & 0xffff != u64::from(b'"') << 8 {
        return None;
    }
    // The bytes after the opening quote, then the separator (plain) and the quote (not): the
    // first byte that is not plain is within the word. (Rotated rather than shifted: the
    // shifted word is the slot's, and kept in a local on every known key's path.)
    let key = head.rotate_right(16);
    let len = special_bytes(key).trailing_zeros() / 8;
    if (key >> (len * 8)) & 0xffff != 0x3a22 {
        return None;
    }
    Some((Field::UNKNOWN, pos + len as usize + 4))
}

/// The eight bytes of `window` at `at` (0 or 8).
#[inline(always)]
fn window_word(window: &[u8; WINDOW], at: usize) -> [u8; 8] {
    let mut word = [0; 8];
    word.copy_from_slice(&window[at..at + 8]);
    word
}

/// Whether the fast path could compare a key whose separator is at `pos`: a plain key right
/// after that separator and right before its colon that it did not recognise is none of the
/// known names.
#[inline(always)]
pub(crate) fn in_window(body: &[u8], pos: usize) -> bool {
    pos + WINDOW <= body.len()
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

    const OPEN: u64 = b'{' as u64;
    const COMMA: u64 = b',' as u64;

    #[test]
    fn every_known_key_has_a_fast_path() {
        for (f, name) in FIELDS.iter().enumerate() {
            let body = format!(",\"{name}\":0,\"padding_padding\"");
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
                known_key(body.as_bytes(), 0, level, COMMA),
                Some((f as u32, name.len() + 4))
            );
            assert_eq!(
                known_key(body.as_bytes(), 0, other, COMMA),
                Some((Field::UNKNOWN, name.len() + 4))
            );
            let opening = body.replacen(',', "{", 1);
            assert_eq!(
                known_key(opening.as_bytes(), 0, level, OPEN),
                Some((f as u32, name.len() + 4))
            );
            assert_eq!(known_key(opening.as_bytes(), 0, level, COMMA), None);
            assert_eq!(known_key(body.as_bytes(), 0, level, OPEN), None);
            let spaced = format!(",\"{name}\" :0,\"padding_padding\"");
            assert_eq!(known_key(spaced.as_bytes(), 0, level, COMMA), None);
            let spaced = format!(", \"{name}\":0,\"padding_padding\"");
            assert_eq!(known_key(spaced.as_bytes(), 0, level, COMMA), None);
        }
        for level in [Level::Request, Level::Context] {
            let body = ",\"current_mode\":null,\"padding\"";
            assert_eq!(
                known_key(body.as_bytes(), 0, level, COMMA),
                Some((Field::UNKNOWN, 16))
            );
        }
        // Unknown keys: up to four plain bytes, decided from the first word; longer ones, and
        // any that is not plain or not compact, left to the general path.
        for (key, decided) in [
            ("\"actions\":", false),
            ("\"cc \":", true),
            ("\"notes\":", false),
            ("\"note\\u0073\":", false),
            ("\"\":", true),
            ("\"a\":", true),
            ("\"~\u{7f}b\":", true),
            ("\"a\\n\":", false),
            ("\"a\tb\":", false),
            ("\"\u{e9}\":", false),
            ("\"a\" :", false),
            ("\"abcde\":", false),
            ("\"current_mod\":", false),
            ("\"current_modes\":", false),
        ] {
            let body = format!(",{key}0,\"padding_padding\"");
            let expected = decided.then_some((Field::UNKNOWN, key.len() + 1));
            for level in [Level::Request, Level::Context] {
                assert_eq!(
                    known_key(body.as_bytes(), 0, level, COMMA),
                    expected,
                    "{key}"
                );
                let opening = body.replacen(',', "{", 1);
                assert_eq!(known_key(opening.as_bytes(), 0, level, OPEN), expected);
                // A later member's separator must be a comma, a first member's the `{`.
                assert_eq!(known_key(opening.as_bytes(), 0, level, COMMA), None);
                assert_eq!(known_key(body.as_bytes(), 0, level, OPEN), None);
                let spaced = format!(" {}", &body[1..]);
                assert_eq!(known_key(spaced.as_bytes(), 0, level, COMMA), None);
            }
        }
    }
}
