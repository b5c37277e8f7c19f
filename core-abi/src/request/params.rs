//! The request's `metadata` (the mapping's parameters): string pairs borrowed from the request,
//! in its JSON form or its postcard form, looked up and iterated without decoding up front.

use crate::bytes::{bytes_eq, varint};
use crate::json::{scan_string, skip_ws, string_text, Scanner, Text};

/// The request's `metadata`: string keys to string values, borrowed from the request.
///
/// Lookups scan the entries on demand, so any number of entries of any size costs nothing up
/// front. When a key appears twice, the last one wins (as with `serde_json`).
#[derive(Clone, Copy)]
pub struct Params<'a> {
    entries: Entries<'a>,
    len: usize,
}

/// No `Empty` variant: no entries are zero postcard pairs, which every walk stops at before
/// reading a byte; two variants make each match one test instead of a three-way switch
/// (11 bytes and 1 fuel less in the template, measured).
#[derive(Clone, Copy)]
enum Entries<'a> {
    /// A validated JSON object, braces included, whose values are all strings.
    Json(&'a [u8]),
    /// Validated postcard `(&str, &str)` pairs, `len` of them.
    Binary(&'a [u8]),
}

impl Default for Params<'_> {
    /// No entries.
    fn default() -> Self {
        Params {
            entries: Entries::Binary(&[]),
            len: 0,
        }
    }
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

    /// Parameters over postcard pairs already validated by [`crate::binary`]: their strings
    /// are read back without checking the UTF-8 again.
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
                    if k.is_some_and(|k| bytes_eq(k.as_bytes(), wanted.as_bytes())) {
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

/// Reads the next string of pairs that [`crate::binary`] validated (a varint length, then
/// UTF-8 bytes), without checking the UTF-8 again: every lookup and iteration goes through
/// here, and the decoder has already checked each string once.
fn take_str<'a>(bytes: &mut &'a [u8]) -> Option<&'a str> {
    let mut pos = 0;
    let len = varint(bytes, &mut pos, 32)? as usize;
    let text = bytes.get(pos..pos.checked_add(len)?)?;
    *bytes = bytes.get(pos + len..)?;
    debug_assert!(core::str::from_utf8(text).is_ok());
    // SAFETY: `Entries::Binary` holds only pairs that `binary::decode` accepted (its
    // constructor, `Params::binary`, is called there alone, after the check), and the decoder
    // checked every string of them with `is_utf8`, which accepts only well-formed UTF-8
    // (RFC 3629). The cursor walks the same strings from the same start.
    Some(unsafe { core::str::from_utf8_unchecked(text) })
}
