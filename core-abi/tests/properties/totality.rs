//! Property 1: arbitrary bytes into all four readers never panic and agree with each other, and
//! every non-ASCII two-byte UTF-8 prefix, exhaustively, in a JSON string and a postcard string.

use core_abi::binary::{self};
use proptest::prelude::*;

use crate::checks::{check_binary, check_metadata, check_request, check_validate};
use crate::gen_bytes::any_bytes;
use crate::harness::{config, show};

proptest! {
    #![proptest_config(config(3000))]

    /// 1 and 2: arbitrary bytes never panic any reader; each answer is consistent with
    /// serde_json, postcard and the reference models.
    #[test]
    fn arbitrary_bytes(bytes in any_bytes()) {
        check_validate(&bytes)?;
        check_request(&bytes)?;
        check_metadata(&bytes)?;
        check_binary(&bytes)?;
    }
}

/// 1, 2, 7: every non-ASCII lead byte with every second byte and a few tails, inside a JSON
/// string (in the part the string scanner reads 8 bytes at a time) and as a postcard metadata
/// key: the JSON validator agrees with serde_json and the binary decoder with `str::from_utf8`.
#[test]
fn utf8_sequences_exhaustive() {
    let tails: [&[u8]; 4] = [b"", b"\x80", b"\x80\x80", b"\xbf\xbf"];
    for lead in 0x80u8..=0xFF {
        for second in 0u8..=0xFF {
            for tail in tails {
                let mut sequence = vec![lead, second];
                sequence.extend_from_slice(tail);
                let mut json = b"[\"abc".to_vec();
                json.extend(&sequence);
                json.extend(b"defghijklmn\"]");
                if let Err(e) = check_validate(&json) {
                    panic!("{e}");
                }
                // Action 0, no MIDI values, timestamp 0, one pair: (sequence, "").
                let mut encoded = vec![0, 0, 0, 0, 0, 0, 1, sequence.len() as u8];
                encoded.extend(&sequence);
                encoded.push(0);
                let expected = std::str::from_utf8(&sequence).is_ok();
                assert_eq!(
                    binary::decode(&encoded).is_ok(),
                    expected,
                    "{}",
                    show(&sequence)
                );
            }
        }
    }
}
