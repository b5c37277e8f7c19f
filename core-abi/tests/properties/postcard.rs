//! Property 7: postcard requests. Header generators and an encoder, round trips, out-of-range
//! MIDI values and truncations, corrupted encodings, and the documented over-long varint
//! difference.

use core_abi::binary::{self, BinaryHeader};
use core_abi::ErrorCode;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

use crate::checks::check_binary;
use crate::gen_bytes::{mutate, mutation};
use crate::gen_json::text;
use crate::harness::config;

fn midi() -> BoxedStrategy<Option<u8>> {
    prop_oneof![1 => Just(None), 3 => (0u8..=127).prop_map(Some)].boxed()
}

fn header(midi: fn() -> BoxedStrategy<Option<u8>>) -> impl Strategy<Value = BinaryHeader> {
    let action = prop_oneof![0u32..4, any::<u32>()];
    let timestamp = prop_oneof![any::<u64>(), 0u64..1000, Just(u64::MAX)];
    (action, midi(), midi(), midi(), midi(), timestamp).prop_map(
        |(action, velocity, note, cc, value, timestamp)| BinaryHeader {
            action,
            velocity,
            note,
            cc,
            value,
            timestamp,
        },
    )
}

fn encode(header: &BinaryHeader, pairs: &[(String, String)]) -> Vec<u8> {
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut buf = vec![
        0u8;
        32 + pairs
            .iter()
            .map(|(k, v)| k.len() + v.len() + 10)
            .sum::<usize>()
    ];
    let len = binary::encode(header, &refs, &mut buf)
        .map(|bytes| bytes.len())
        .unwrap_or(0);
    buf.truncate(len);
    buf
}

proptest! {
    #![proptest_config(config(800))]

    /// 7: postcard round trip, resolution, too small buffers and truncations.
    #[test]
    fn binary_round_trip(
        h in header(midi),
        pairs in vec((text(), text()), 0..5),
        action_count in 0u32..5,
        cut in any::<Index>(),
    ) {
        let bytes = encode(&h, &pairs);
        prop_assert!(!bytes.is_empty());
        let request = binary::decode(&bytes).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let c = request.context;
        prop_assert_eq!(request.action_index, h.action);
        prop_assert_eq!((c.velocity, c.note, c.cc, c.value, c.timestamp), (h.velocity, h.note, h.cc, h.value, h.timestamp));
        let decoded: Vec<(String, String)> = c.metadata.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        prop_assert_eq!(&decoded, &pairs);
        prop_assert!(c.metadata.iter().all(|(k, v)| k.as_plain().is_some() && v.as_plain().is_some()));
        for (key, _) in &pairs {
            let last = pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
            prop_assert_eq!(c.metadata.get(key).and_then(|t| t.as_plain()), last);
        }

        // postcard reads the same bytes to the same values.
        let (theirs, rest) = postcard::take_from_bytes::<BinaryHeader>(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(theirs, h);
        prop_assert!(!rest.is_empty());
        let whole: (BinaryHeader, Vec<(String, String)>) = postcard::from_bytes(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&whole, &(h, pairs.clone()));
        #[cfg(feature = "std")]
        {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            prop_assert_eq!(binary::encode_to_vec(&h, &refs), bytes.clone());
        }

        // Resolution against the declared actions.
        let names: Vec<String> = (0..action_count).map(|i| format!("action{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        match request.resolve(&names) {
            Ok(resolved) => {
                prop_assert!(h.action < action_count);
                prop_assert!(resolved.action == names[h.action as usize]);
                prop_assert_eq!(resolved.context.metadata.len(), pairs.len());
            }
            Err(e) => {
                prop_assert_eq!(e, ErrorCode::UnknownAction);
                prop_assert!(h.action >= action_count);
            }
        }

        // Too small a buffer, and truncated input.
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut small = vec![0u8; cut.index(bytes.len())];
        prop_assert_eq!(binary::encode(&h, &refs, &mut small).err(), Some(ErrorCode::RequestTooLarge));
        let cut = cut.index(bytes.len());
        prop_assert_eq!(binary::decode(&bytes[..cut]).err(), Some(ErrorCode::MalformedBinary), "cut at {}", cut);
        check_binary(&bytes)?;
    }
}

proptest! {
    #![proptest_config(config(800))]

    /// 7: a MIDI value above 127 is `InvalidField`; truncations are `MalformedBinary` until the
    /// whole header is present, then `InvalidField`.
    #[test]
    fn binary_out_of_range(
        h in header(midi),
        bad in (0usize..4, 128u8..=255),
        pairs in vec((text(), text()), 0..3),
        cut in any::<Index>(),
    ) {
        let mut h = h;
        let slot = [&mut h.velocity, &mut h.note, &mut h.cc, &mut h.value].into_iter().nth(bad.0);
        if let Some(slot) = slot {
            *slot = Some(bad.1);
        }
        let bytes = encode(&h, &pairs);
        prop_assert_eq!(binary::decode(&bytes).err(), Some(ErrorCode::InvalidField));
        let mut buf = [0u8; 32];
        let header_len = postcard::to_slice(&h, &mut buf).map(|b| b.len()).unwrap_or(0);
        let cut = cut.index(bytes.len() + 1);
        let expected = if cut < header_len { ErrorCode::MalformedBinary } else { ErrorCode::InvalidField };
        prop_assert_eq!(binary::decode(&bytes[..cut]).err(), Some(expected), "cut at {}", cut);
        check_binary(&bytes[..cut])?;
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// 7: corrupted encodings are judged as postcard judges them.
    #[test]
    fn corrupted_binary(
        h in header(|| prop_oneof![3 => midi(), 1 => any::<Option<u8>>()].boxed()),
        pairs in vec((text(), text()), 0..3),
        mutations in vec(mutation(), 1..3),
    ) {
        let bytes = mutate(encode(&h, &pairs), &mutations);
        check_binary(&bytes)?;
    }
}

/// The documented difference with postcard: over-long `usize` varints.
#[test]
fn postcard_difference_is_as_documented() {
    // Action 0, four `None`s, timestamp 0, then a pair count of 0 written in 6 bytes.
    let overlong = [0, 0, 0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
    type Whole<'a> = (BinaryHeader, Vec<(&'a str, &'a str)>);
    #[cfg(target_pointer_width = "64")]
    assert!(postcard::from_bytes::<Whole<'_>>(&overlong).is_ok());
    assert_eq!(
        binary::decode(&overlong).err(),
        Some(ErrorCode::MalformedBinary)
    );
    // Five bytes is within a u32 varint's length, and both accept it.
    let five = [0, 0, 0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x00];
    assert!(postcard::from_bytes::<Whole<'_>>(&five).is_ok());
    assert!(binary::decode(&five).is_ok());
    if let Err(e) = check_binary(&overlong) {
        panic!("{e}");
    }
}

/// Every truncation and every single-byte edit (deletion, each of the 256 substitutions,
/// insertion) of requests chosen to reach each path of the decoder is judged as postcard
/// judges it: one-byte and longer actions and lengths, every mix of MIDI options, timestamps
/// read from a word and by the byte loop, short strings whose ASCII word reaches back into
/// the header, strings of 8, 9, 127 and 128 bytes, non-ASCII strings at those edges.
#[test]
fn every_single_byte_edit_of_binary_requests() {
    let long = |n: usize, c: &str| c.repeat(n);
    let cases: Vec<(BinaryHeader, Vec<(String, String)>)> = vec![
        (
            BinaryHeader::CANONICAL_NOTE_ON,
            vec![("key".into(), "value".into())],
        ),
        (BinaryHeader::default(), vec![]),
        (BinaryHeader::default(), vec![("".into(), "".into())]),
        (
            BinaryHeader {
                action: 300,
                velocity: Some(127),
                note: Some(0),
                cc: Some(64),
                value: Some(1),
                timestamp: u64::MAX,
            },
            vec![("k".into(), long(8, "a")), (long(9, "b"), "é".into())],
        ),
        (
            BinaryHeader {
                action: 2,
                velocity: None,
                note: Some(60),
                cc: None,
                value: Some(7),
                timestamp: 1_732_000_000_000,
            },
            vec![
                (long(127, "x"), long(128, "y")),
                ("🎹".into(), long(4, "é")),
            ],
        ),
        (
            BinaryHeader {
                timestamp: 1 << 40,
                ..BinaryHeader::CANONICAL_NOTE_ON
            },
            vec![
                ("curve".into(), "soft".into()),
                ("€uro".into(), long(3, "€")),
            ],
        ),
    ];
    let mut n = 0;
    let mut check = |bytes: &[u8]| {
        if let Err(e) = check_binary(bytes) {
            panic!("{e}");
        }
        n += 1;
    };
    for (header, pairs) in &cases {
        let bytes = encode(header, pairs);
        assert!(binary::decode(&bytes).is_ok());
        for cut in 0..bytes.len() {
            check(&bytes[..cut]);
        }
        for at in 0..=bytes.len() {
            for b in 0..=255u8 {
                let mut inserted = bytes.clone();
                inserted.insert(at, b);
                check(&inserted);
                if at < bytes.len() {
                    let mut replaced = bytes.clone();
                    replaced[at] = b;
                    check(&replaced);
                }
            }
            if at < bytes.len() {
                let mut deleted = bytes.clone();
                deleted.remove(at);
                check(&deleted);
            }
        }
    }
    assert!(n > 100_000, "{n} edits");
}
