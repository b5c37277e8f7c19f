//! The request's `metadata` (the mapping's parameters): string pairs borrowed from the request,
//! in its JSON form or its postcard form, looked up and iterated without decoding up front.

use crate::bytes::{load_u64, varint};
use crate::json::{scan_string, skip_ws, string_text, Scanner, Text};

/// The request's `metadata`: string keys to string values, borrowed from the request.
///
/// Lookups scan the entries on demand, so any number of entries of any size costs nothing up
/// front. When a key appears twice, the last one wins (as with `serde_json`).
#[derive(Clone, Copy, Default)]
pub struct Params<'a> {
    entries: Entries<'a>,
    len: usize,
}

#[derive(Clone, Copy, Default)]
enum Entries<'a> {
    #[default]
    Empty,
    /// A validated JSON object, braces included, whose values are all strings.
    Json(&'a [u8]),
    /// Validated postcard `(&str, &str)` pairs, `len` of them.
    Binary(&'a [u8]),
}

impl<'a> Params<'a> {
    /// Parameters over a JSON object (braces included) already validated by the parser, whose
    /// `len` values are all strings.
    pub(crate) fn json(object: &'a [u8], len: usize) -> Self {
        Params {
            entries: Entries::Json(object),
            len,
        }
    }

    /// Parameters over postcard pairs already validated by [`crate::binary`] (with [`take_str`]).
    pub(crate) fn binary(pairs: &'a [u8], len: usize) -> Self {
        Params {
            entries: Entries::Binary(pairs),
            len,
        }
    }

    /// Number of entries, duplicates included.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no entries.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of `key`, decoded on demand through [`Text`].
    pub fn get(&self, wanted: &str) -> Option<Text<'a>> {
        // Plain loops rather than one over `iter()`: lookups run on a plugin's note path, and
        // the iterator's enum cursor costs code and fuel there.
        let mut found = None;
        match self.entries {
            Entries::Empty => {}
            Entries::Json(object) => {
                // The object was validated when the request was parsed: `{`, then `"k":"v"`
                // pairs separated by commas, with whitespace anywhere between tokens.
                let mut pos = 1;
                for _ in 0..self.len {
                    let key = skip_ws(object, pos);
                    let key_step = scan_string(object, key);
                    let value = skip_ws(object, skip_ws(object, key_step.pos()) + 1);
                    let value_step = scan_string(object, value);
                    if key_step.error().is_some() || value_step.error().is_some() {
                        break;
                    }
                    if string_text(object, key, key_step).eq_str(wanted) {
                        found = Some(string_text(object, value, value_step));
                    }
                    pos = skip_ws(object, value_step.pos()) + 1;
                }
            }
            Entries::Binary(mut pairs) => {
                for _ in 0..self.len {
                    let k = take_str(&mut pairs);
                    let value = take_str(&mut pairs);
                    if k == Some(wanted) {
                        found = value.map(Text::plain);
                    }
                }
            }
        }
        found
    }

    /// The entries in request order.
    pub fn iter(&self) -> ParamsIter<'a> {
        let cursor = match self.entries {
            Entries::Empty => Cursor::Done,
            Entries::Json(object) => {
                let mut scanner = Scanner::new(object);
                // Step over `{`; `next` finds either the first key or `}`.
                scanner.expect(b'{');
                Cursor::Json(scanner, true)
            }
            Entries::Binary(pairs) => Cursor::Binary(pairs),
        };
        ParamsIter {
            cursor,
            remaining: self.len,
        }
    }
}

impl core::fmt::Debug for Params<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Iterator over `(key, value)` pairs of [`Params`].
#[derive(Clone)]
pub struct ParamsIter<'a> {
    cursor: Cursor<'a>,
    remaining: usize,
}

#[derive(Clone)]
enum Cursor<'a> {
    Done,
    /// The object's scanner and whether the next member is the first.
    Json(Scanner<'a>, bool),
    Binary(&'a [u8]),
}

impl<'a> Iterator for ParamsIter<'a> {
    type Item = (Text<'a>, Text<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let pair = match &mut self.cursor {
            Cursor::Done => None,
            Cursor::Json(scanner, first) => {
                let key = scanner.next_key(core::mem::replace(first, false));
                key.map(|key| (key, scanner.string()))
            }
            Cursor::Binary(bytes) => {
                let key = take_str(bytes);
                let value = take_str(bytes);
                key.zip(value)
                    .map(|(k, v)| (Text::plain(k), Text::plain(v)))
            }
        };
        if pair.is_none() {
            // Unreachable for validated input; stop cleanly rather than loop.
            self.remaining = 0;
        }
        pair
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}

/// Reads a postcard string (varint length, then UTF-8 bytes), checking the UTF-8.
///
/// Parameter pairs are read with this rather than through serde: the guest then links one small
/// UTF-8 check (the JSON scanner's) instead of `core::str::from_utf8` and serde's sequence
/// machinery. The bytes are the same as postcard's encoding of `(&str, &str)`.
pub(crate) fn take_str<'a>(bytes: &mut &'a [u8]) -> Option<&'a str> {
    let mut pos = 0;
    let len = varint(bytes, &mut pos, 32)? as usize;
    let text = bytes.get(pos..pos.checked_add(len)?)?;
    // A short ASCII string (the usual parameter) is checked from one load when the input
    // goes on for eight bytes; anything else by the full check.
    let ascii = match load_u64(bytes, pos) {
        Some(word) if len < 8 => word & ((1 << (8 * len)) - 1) & 0x8080_8080_8080_8080 == 0,
        _ => false,
    };
    if !ascii && !crate::utf8::is_utf8(text) {
        return None;
    }
    *bytes = &bytes[pos + len..];
    // SAFETY: `is_utf8` accepted every byte as ASCII or as part of a complete, well-formed
    // UTF-8 sequence (RFC 3629), so `text` is valid UTF-8.
    Some(unsafe { core::str::from_utf8_unchecked(text) })
}
