//! The postcard reference: `binary::decode` against postcard (as on wasm32) and against the
//! JSON path on the same request.

use core_abi::binary::{self, BinaryHeader};
use core_abi::request::{self, MIDI_MAX};
use core_abi::ErrorCode;

use crate::request_check::{compare_metadata, compare_text};
use crate::request_text::json_request;
use crate::verdict::Shown;

// Binary (postcard) requests.

/// The metadata pairs as postcard reads them on a 32-bit target such as wasm32, the plugins'
/// target: postcard writes a sequence's count and a string's length as a `usize` varint, which
/// is a `u32` varint there (at most 5 bytes) but a `u64` one (up to 10 bytes) on a 64-bit host.
/// The ABI is the plugin's, so each varint is read by postcard as a `u32`; the bytes must be
/// exactly the pairs.
pub(crate) fn postcard_pairs_32(bytes: &[u8]) -> Option<Vec<(&str, &str)>> {
    let (count, mut rest) = ::postcard::take_from_bytes::<u32>(bytes).ok()?;
    let mut pairs = Vec::new();
    for _ in 0..count {
        let mut pair = [""; 2];
        for slot in &mut pair {
            let (len, after) = ::postcard::take_from_bytes::<u32>(rest).ok()?;
            let (text, after) = after.split_at_checked(usize::try_from(len).ok()?)?;
            *slot = std::str::from_utf8(text).ok()?;
            rest = after;
        }
        pairs.push((pair[0], pair[1]));
    }
    rest.is_empty().then_some(pairs)
}

/// A binary request as postcard reads it: the header and the metadata pairs.
pub(crate) type Decoded<'a> = (BinaryHeader, Vec<(&'a str, &'a str)>);

/// `binary::decode` against postcard's own deserializer, then the decoded request against the
/// JSON path: the same event written as JSON must parse to the same context.
pub fn check_request_postcard(bytes: &[u8]) {
    let shown = Shown(bytes);
    let ours = binary::decode(bytes);
    let reference: Result<Decoded<'_>, ErrorCode> =
        match ::postcard::take_from_bytes::<BinaryHeader>(bytes) {
            Err(_) => Err(ErrorCode::MalformedBinary),
            Ok((h, _))
                if [h.velocity, h.note, h.cc, h.value]
                    .into_iter()
                    .flatten()
                    .any(|v| v > MIDI_MAX) =>
            {
                Err(ErrorCode::InvalidField)
            }
            Ok((h, rest)) => match postcard_pairs_32(rest) {
                Some(pairs) => {
                    // What a 32-bit postcard reads, a 64-bit one reads the same way.
                    let wide = ::postcard::take_from_bytes::<Vec<(&str, &str)>>(rest);
                    assert_eq!(
                        wide.ok(),
                        Some((pairs.clone(), &[][..])),
                        "postcard, 64-bit, {shown}"
                    );
                    Ok((h, pairs))
                }
                None => Err(ErrorCode::MalformedBinary),
            },
        };
    let (header, pairs) = match (reference, ours) {
        (Err(expected), Err(code)) => {
            assert_eq!(code, expected, "decode: error code, {shown}");
            return;
        }
        (Err(expected), Ok(decoded)) => {
            panic!("decode: postcard says {expected:?}, core-abi reads {decoded:?}, {shown}")
        }
        (Ok(expected), Err(code)) => {
            panic!("decode: postcard reads {expected:?}, core-abi says {code:?}, {shown}")
        }
        (Ok(expected), Ok(decoded)) => {
            let c = &decoded.context;
            let h = &expected.0;
            assert_eq!(decoded.action_index, h.action, "action index, {shown}");
            assert_eq!(
                [c.velocity, c.note, c.cc, c.value],
                [h.velocity, h.note, h.cc, h.value],
                "midi fields, {shown}"
            );
            assert_eq!(c.timestamp, h.timestamp, "timestamp, {shown}");
            let owned: Vec<(String, String)> = expected
                .1
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            compare_metadata(bytes, &c.metadata, &owned);
            // Resolution against a list of declared actions.
            let actions = ["zero", "one", "two"];
            match decoded.resolve(&actions) {
                Ok(request) => compare_text(
                    bytes,
                    request.action,
                    actions[h.action as usize],
                    "resolved action",
                ),
                Err(code) => {
                    assert!(
                        h.action as usize >= actions.len(),
                        "resolve: {code:?}, {shown}"
                    );
                    assert_eq!(
                        code,
                        ErrorCode::UnknownAction,
                        "resolve past the end, {shown}"
                    );
                }
            }
            (expected.0, owned)
        }
    };
    // Re-encoding gives postcard's canonical bytes, which decode to the same request.
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut buf = vec![0u8; bytes.len() + 16];
    let canonical =
        binary::encode(&header, &borrowed, &mut buf).expect("fits: never longer than the input");
    let again = binary::decode(canonical).expect("canonical encoding decodes");
    assert_eq!(
        again.context.timestamp, header.timestamp,
        "re-encoded, {shown}"
    );
    assert_eq!(
        again.context.metadata.len(),
        pairs.len(),
        "re-encoded metadata, {shown}"
    );
    // The same event as a JSON request, written with serde_json (keys kept in order, duplicates
    // included), parses to the same context.
    let json = json_request("a", &header, &pairs);
    let request = match request::parse_request(json.as_bytes()) {
        Ok(request) => request,
        Err(code) => {
            panic!("the JSON form of a binary request fails with {code:?}: {json}, {shown}")
        }
    };
    let c = &request.context;
    assert_eq!(
        [c.velocity, c.note, c.cc, c.value],
        [header.velocity, header.note, header.cc, header.value]
    );
    assert_eq!(c.timestamp, header.timestamp);
    compare_metadata(json.as_bytes(), &c.metadata, &pairs);
}
