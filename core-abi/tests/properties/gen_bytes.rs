//! Generators of raw bytes and corruptions: arbitrary and JSON-biased bytes, string literals with
//! UTF-8 edge sequences at any alignment (property 1), and the mutations (truncate, insert,
//! delete, replace, flip, duplicate a span) applied to any generated input.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};

use crate::gen_json::SHORT_ESCAPES;

/// Bytes that matter to JSON and UTF-8 decoding.
pub(crate) const JSON_BYTES: &[u8] = b"{}[]\":,\\/-+.0123456789eEtrufalsnbu \t\n\r\x00\x1f\x7f\x80\xbf\xc0\xc2\xdf\xe0\xed\xef\xf0\xf4\xf5\xff";

pub(crate) fn interesting_byte() -> BoxedStrategy<u8> {
    prop_oneof![any::<u8>(), select(JSON_BYTES)].boxed()
}

pub(crate) fn any_bytes() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..160),
        vec(select(JSON_BYTES), 0..160),
        string_bytes(),
    ]
    .boxed()
}

/// Well-formed UTF-8 at the edges of RFC 3629's table, and ill-formed sequences: overlong,
/// surrogates, above U+10FFFF, truncated, stray continuation bytes.
pub(crate) const UTF8_EDGES: &[&[u8]] = &[
    b"\xc2\x80",
    b"\xdf\xbf",
    b"\xe0\xa0\x80",
    b"\xed\x9f\xbf",
    b"\xee\x80\x80",
    b"\xef\xbf\xbf",
    b"\xf0\x90\x80\x80",
    b"\xf4\x8f\xbf\xbf",
    b"\xc0\xaf",
    b"\xc1\xbf",
    b"\xe0\x80\xaf",
    b"\xe0\x9f\xbf",
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf",
    b"\xf0\x8f\xbf\xbf",
    b"\xf4\x90\x80\x80",
    b"\xf5\x80\x80\x80",
    b"\xff",
    b"\x80",
    b"\xbf",
    b"\xc2",
    b"\xe2\x82",
    b"\xf0\x9f\x8e",
    b"\xc2\xc2\x80",
];

/// A string literal of mostly printable ASCII with the odd arbitrary character or byte, at any
/// alignment: the string scanner tests 8 bytes at a time, and a special byte may sit anywhere.
pub(crate) fn string_bytes() -> BoxedStrategy<Vec<u8>> {
    let unit = prop_oneof![
        40 => (0x20u8..0x7F).prop_map(|b| vec![b]),
        2 => any::<char>().prop_map(|c| c.to_string().into_bytes()),
        2 => select(SHORT_ESCAPES).prop_map(|e| e.as_bytes().to_vec()),
        1 => any::<u8>().prop_map(|b| vec![b]),
        1 => select(UTF8_EDGES).prop_map(<[u8]>::to_vec),
    ];
    (
        0usize..8,
        vec(unit, 0..48),
        prop_oneof![Just(""), Just("\""), Just("\"]")],
    )
        .prop_map(|(pad, units, end)| {
            let mut bytes = b"[".repeat(pad.min(1));
            bytes.extend(b" ".repeat(pad));
            bytes.push(b'"');
            bytes.extend(units.concat());
            bytes.extend(end.as_bytes());
            bytes
        })
        .boxed()
}

#[derive(Debug, Clone)]
pub(crate) enum Mutation {
    Truncate(Index),
    Delete(Index),
    Insert(Index, u8),
    Replace(Index, u8),
    Flip(Index, u8),
    /// Copies the span `[a, b)` (sorted) and inserts the copy at `b`.
    Duplicate(Index, Index),
}

pub(crate) fn mutation() -> BoxedStrategy<Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Truncate),
        any::<Index>().prop_map(Mutation::Delete),
        (any::<Index>(), interesting_byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<Index>(), interesting_byte()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<Index>(), 0u8..8).prop_map(|(i, bit)| Mutation::Flip(i, bit)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
    ]
    .boxed()
}

pub(crate) fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        match *m {
            Mutation::Insert(ref i, b) => bytes.insert(i.index(len + 1), b),
            _ if len == 0 => {}
            Mutation::Truncate(ref i) => bytes.truncate(i.index(len)),
            Mutation::Delete(ref i) => {
                bytes.remove(i.index(len));
            }
            Mutation::Replace(ref i, b) => bytes[i.index(len)] = b,
            Mutation::Flip(ref i, bit) => bytes[i.index(len)] ^= 1 << bit,
            Mutation::Duplicate(ref a, ref b) => {
                let (a, b) = (a.index(len + 1), b.index(len + 1));
                let (a, b) = (a.min(b), a.max(b));
                let span = bytes[a..b].to_vec();
                let tail = bytes.split_off(b);
                bytes.extend(span);
                bytes.extend(tail);
            }
        }
    }
    bytes
}
