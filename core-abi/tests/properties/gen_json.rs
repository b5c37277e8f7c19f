//! Generators of strings and JSON texts (property 2): special and near-miss strings, whitespace,
//! string pieces with edge and invalid escapes, edge and invalid numbers, literals, and nested
//! documents, valid or sprinkled with invalid pieces.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use crate::render::{json_char, push_unicode_escape};

pub(crate) const SPECIAL_TEXTS: &[&str] = &[
    "",
    "my_action",
    "\"",
    "\\",
    "/",
    "é",
    "🎹",
    "\u{0}",
    "\u{1f}",
    "\u{7f}",
    "\u{80}",
    "\u{2028}",
    "\u{fffd}",
    "\u{ffff}",
    "\u{10000}",
    "\u{10ffff}",
    "\\u0041",
    "4294967295",
    "4294967296",
    "0",
    "007",
];

/// Arbitrary Unicode strings, biased towards the interesting ones.
pub(crate) fn text() -> BoxedStrategy<String> {
    prop_oneof![
        6 => vec(any::<char>(), 0..12).prop_map(String::from_iter),
        1 => "[0-9]{1,11}",
        1 => select(SPECIAL_TEXTS).prop_map(str::to_owned),
        // Long runs with one character anywhere: the string scanner works 8 bytes at a time.
        1 => ("[ -~]{0,20}", any::<char>(), "[ -~]{0,20}").prop_map(|(a, c, b)| format!("{a}{c}{b}")),
    ]
    .boxed()
}

/// Keys that share a prefix, a length or the first eight bytes with a known field name: the
/// parser compares keys a word at a time.
pub(crate) const NEAR_MISS_KEYS: &[&str] = &[
    "",
    "a",
    "actio",
    "actionx",
    "Action",
    "action ",
    "contex",
    "contextx",
    "velocit",
    "velocityx",
    "velocity\u{0}",
    "not",
    "notes",
    "c",
    "ccc",
    "cc\u{0}",
    "valu",
    "values",
    "timestam",
    "timestampx",
    "timestamp2",
    "metadat",
    "metadatax",
    "metadata2",
    "\u{0}action",
];

/// An unknown member's key.
pub(crate) fn unknown_key_text() -> BoxedStrategy<String> {
    prop_oneof![2 => text(), 1 => select(NEAR_MISS_KEYS).prop_map(str::to_owned)].boxed()
}

pub(crate) const WS_CHARS: &[char] = &[' ', '\t', '\n', '\r'];
/// Not JSON whitespace, though other standards call them whitespace.
pub(crate) const BAD_WS: &[&str] = &[
    "\u{b}", "\u{c}", "\u{a0}", "\u{feff}", "\u{2028}", "\u{0}", "\u{85}",
];

pub(crate) fn ws(valid: bool) -> BoxedStrategy<String> {
    let good = prop_oneof![3 => Just(String::new()), 1 => vec(select(WS_CHARS), 1..3).prop_map(String::from_iter)];
    if valid {
        good.boxed()
    } else {
        prop_oneof![20 => good, 1 => select(BAD_WS).prop_map(str::to_owned)].boxed()
    }
}

pub(crate) const SHORT_ESCAPES: &[&str] =
    &["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"];
pub(crate) const EDGE_PIECES: &[&str] = &[
    "\\u0000",
    "\\u001F",
    "\\u001f",
    "\\u0020",
    "\\u007F",
    "\\u0080",
    "\\uFFFF",
    "\\uffff",
    "\\uFFFE",
    "\\uD7FF",
    "\\uE000",
    "\\uD800\\uDC00",
    "\\uDBFF\\uDFFF",
    "\\ud83c\\udfb9",
    "\\uD83c\\uDfB9",
    "\u{7f}",
    "\u{80}",
    "\u{10ffff}",
    "\u{ffff}",
    "\u{fffe}",
    "\u{2028}",
];
pub(crate) const BAD_PIECES: &[&str] = &[
    "\\ud800",
    "\\udc00",
    "\\uDFFF",
    "\\udbff\\u0041",
    "\\ud800\\ud800",
    "\\udc00\\ud800",
    "\\udc00\\udc00",
    "\\udfff\\udfff",
    "\\ud800\\n",
    "\\ud800\\",
    "\\ud800\\u",
    "\\ud800\\udc0",
    "\\ud800x",
    "\\x",
    "\\u12",
    "\\u12g4",
    "\\U0041",
    "\\'",
    "\\a",
    "\\0",
    "\\",
    "\t",
    "\n",
    "\u{0}",
    "\u{1f}",
];

pub(crate) fn string_piece(valid: bool) -> BoxedStrategy<String> {
    let good = prop_oneof![
        4 => any::<char>().prop_map(json_char),
        // Printable ASCII but `"` and `\`: runs for the 8-bytes-at-a-time string scanner.
        2 => "[ !#-\\[\\]-~]{1,20}",
        2 => select(SHORT_ESCAPES).prop_map(str::to_owned),
        2 => (any::<u16>(), any::<bool>()).prop_map(|(unit, upper)| {
            // Any BMP character that is not a surrogate.
            let unit = if (0xD800..0xE000).contains(&unit) { unit - 0x1000 } else { unit };
            let c = char::from_u32(u32::from(unit)).unwrap_or('\u{fffd}');
            let mut out = String::new();
            push_unicode_escape(c, upper, &mut out);
            out
        }),
        1 => (0x10000u32..=0x10FFFF, any::<bool>()).prop_map(|(c, upper)| {
            let c = char::from_u32(c).unwrap_or('\u{10000}');
            let mut out = String::new();
            push_unicode_escape(c, upper, &mut out);
            out
        }),
        1 => select(EDGE_PIECES).prop_map(str::to_owned),
    ];
    if valid {
        good.boxed()
    } else {
        prop_oneof![12 => good, 1 => select(BAD_PIECES).prop_map(str::to_owned)].boxed()
    }
}

pub(crate) fn json_string(valid: bool) -> BoxedStrategy<String> {
    vec(string_piece(valid), 0..6)
        .prop_map(|pieces| format!("\"{}\"", pieces.concat()))
        .boxed()
}

pub(crate) const NUMBER_EDGES: &[&str] = &[
    "0",
    "-0",
    "127",
    "128",
    "-1",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "1e308",
    "1e309",
    "-1e309",
    "1.7976931348623157e308",
    "1.7976931348623158e308",
    "1.7976931348623159e308",
    "2e308",
    "4.9e-324",
    "2.4e-324",
    "1e-400",
    "0e999999",
    "0.0e99999999999999999999",
    "1e99999999999999999999",
    "1E+2",
    "1e-0",
    "0.5",
    "123456789012345678901234567890",
];
pub(crate) const BAD_NUMBERS: &[&str] = &[
    "01",
    "-01",
    "00",
    "1.",
    ".5",
    "+1",
    "1e",
    "1e+",
    "-",
    "--1",
    "0x10",
    "1.e3",
    "0.e1",
    "1e1.5",
    "Infinity",
    "-Infinity",
    "NaN",
    "1_000",
    "١",
    "-.5",
    "1ee2",
];

pub(crate) fn number(valid: bool) -> BoxedStrategy<String> {
    let integer = prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,3}", "[1-9][0-9]{17,22}"];
    let composed = (
        any::<bool>(),
        integer,
        proptest::option::of("\\.[0-9]{1,4}"),
        proptest::option::of("[eE][+-]?[0-9]{1,2}"),
    )
        .prop_map(|(negative, int, frac, exp)| {
            format!(
                "{}{int}{}{}",
                if negative { "-" } else { "" },
                frac.unwrap_or_default(),
                exp.unwrap_or_default()
            )
        });
    let good = prop_oneof![3 => composed, 1 => select(NUMBER_EDGES).prop_map(str::to_owned)];
    if valid {
        good.boxed()
    } else {
        prop_oneof![8 => good, 1 => select(BAD_NUMBERS).prop_map(str::to_owned)].boxed()
    }
}

pub(crate) fn literal(valid: bool) -> BoxedStrategy<String> {
    let good = select(&["true", "false", "null"][..]).prop_map(str::to_owned);
    if valid {
        good.boxed()
    } else {
        let bad = select(
            &[
                "tru",
                "nul",
                "True",
                "NULL",
                "fals",
                "nulll",
                "undefined",
                "t",
                "nan",
            ][..],
        )
        .prop_map(str::to_owned);
        prop_oneof![8 => good, 1 => bad].boxed()
    }
}

/// A JSON value (no surrounding whitespace). With `valid == false`, some pieces are invalid.
pub(crate) fn json_text(valid: bool) -> BoxedStrategy<String> {
    let leaf = prop_oneof![1 => literal(valid), 2 => number(valid), 2 => json_string(valid)];
    leaf.prop_recursive(4, 32, 4, move |inner| {
        let item = (ws(valid), inner.clone(), ws(valid)).prop_map(|(a, v, b)| format!("{a}{v}{b}"));
        let member = (
            ws(valid),
            json_string(valid),
            ws(valid),
            ws(valid),
            inner,
            ws(valid),
        )
            .prop_map(|(a, k, b, c, v, d)| format!("{a}{k}{b}:{c}{v}{d}"));
        prop_oneof![
            (vec(item, 0..4), ws(valid)).prop_map(|(items, pad)| {
                if items.is_empty() {
                    format!("[{pad}]")
                } else {
                    format!("[{}]", items.join(","))
                }
            }),
            (vec(member, 0..4), ws(valid)).prop_map(|(members, pad)| {
                if members.is_empty() {
                    format!("{{{pad}}}")
                } else {
                    format!("{{{}}}", members.join(","))
                }
            }),
        ]
    })
    .boxed()
}

/// A whole document: a value with whitespace around it.
pub(crate) fn document(valid: bool) -> BoxedStrategy<String> {
    (ws(valid), json_text(valid), ws(valid))
        .prop_map(|(a, v, b)| format!("{a}{v}{b}"))
        .boxed()
}
