//! The checks every input goes through, whatever generated it: each reader against serde_json,
//! postcard and the reference model (`conformance`). Kept apart from the generators so that
//! every property judges its inputs the same way.

use conformance::nesting_depth;
use core_abi::binary::{self, BinaryHeader};
use core_abi::json;
use core_abi::request::parse_request;
use core_abi::ErrorCode;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::harness::{fail, show};

/// Property 2: `json::validate` against serde_json, through the reference model
/// (`conformance::check_json_validate`, which panics on a disagreement; proptest reports the
/// panic as a failure and shrinks the input).
pub(crate) fn check_validate(bytes: &[u8]) -> Result<(), TestCaseError> {
    conformance::check_json_validate(bytes);
    Ok(())
}

/// Properties 1 and 3: `parse_request` never panics, agrees with `json::validate` on syntax,
/// and with the reference model (`conformance`) on shape and on the accepted values.
pub(crate) fn check_request(bytes: &[u8]) -> Result<(), TestCaseError> {
    let ours = parse_request(bytes);
    let valid = json::validate(bytes);
    let rest = &bytes[bytes.iter().take_while(|b| b" \t\n\r".contains(b)).count()..];
    if rest.first() != Some(&b'{') {
        // Not an object: the first byte is the fault, reported as bytes that are not UTF-8
        // or else as a syntax error.
        let not_utf8 = rest
            .utf8_chunks()
            .next()
            .is_some_and(|chunk| chunk.valid().is_empty());
        let code = if not_utf8 {
            ErrorCode::InvalidUtf8
        } else {
            ErrorCode::MalformedJson
        };
        prop_assert_eq!(ours.err(), Some(code), "{}", show(bytes));
        return Ok(());
    }
    // Below this depth neither scanner's nesting limit can decide anything.
    let shallow = nesting_depth(bytes) < 127;
    match (&ours, valid) {
        (Ok(_), Ok(())) | (Err(ErrorCode::InvalidField), _) => {}
        (
            Err(
                code @ (ErrorCode::MalformedJson
                | ErrorCode::InvalidUtf8
                | ErrorCode::NestingTooDeep),
            ),
            valid,
        ) if !shallow || valid == Err(*code) => {}
        (Err(code), valid) => {
            return fail(format!(
                "parse_request: {code:?}, json::validate: {valid:?} for {}",
                show(bytes)
            ))
        }
        (Ok(_), valid) => {
            return fail(format!(
                "parse_request accepts, json::validate: {valid:?} for {}",
                show(bytes)
            ))
        }
    }
    if valid.is_ok() {
        prop_assert!(
            ours.is_ok() || ours.as_ref().err() == Some(&ErrorCode::InvalidField),
            "valid JSON object gave {:?}: {}",
            ours.as_ref().err(),
            show(bytes)
        );
    }
    // Shape and values: the reference model, which also compares every view of an accepted
    // request with serde_json's reading (panics on a disagreement, see `check_validate`).
    conformance::check_request_json(bytes);
    Ok(())
}

/// `read_metadata_json`, `validate_metadata_json` and `conformance_issues` never panic and
/// agree with the fuzz oracle's reference of the rules and with MIDIMon's own struct
/// (`conformance::check_metadata_json`, which panics on a disagreement; proptest reports the
/// panic as a failure and shrinks the input).
pub(crate) fn check_metadata(bytes: &[u8]) -> Result<(), TestCaseError> {
    conformance::check_metadata_json(bytes);
    Ok(())
}

pub(crate) fn in_range(h: &BinaryHeader) -> bool {
    [h.velocity, h.note, h.cc, h.value]
        .into_iter()
        .flatten()
        .all(|v| v <= 127)
}

/// Property 7 on any bytes: `binary::decode` judges them as postcard does.
pub(crate) fn check_binary(bytes: &[u8]) -> Result<(), TestCaseError> {
    type Whole<'a> = (BinaryHeader, Vec<(&'a str, &'a str)>);
    let ours = binary::decode(bytes);
    let header = postcard::take_from_bytes::<BinaryHeader>(bytes)
        .ok()
        .map(|(h, _)| h);
    let whole = match postcard::take_from_bytes::<Whole<'_>>(bytes) {
        Ok((whole, [])) if in_range(&whole.0) => Some(whole),
        _ => None,
    };
    match (&ours, &whole) {
        (Ok(request), Some((h, pairs))) => {
            let c = &request.context;
            prop_assert_eq!(request.action_index, h.action);
            prop_assert_eq!(
                (c.velocity, c.note, c.cc, c.value, c.timestamp),
                (h.velocity, h.note, h.cc, h.value, h.timestamp)
            );
            let ours: Vec<(&str, &str)> = c
                .metadata
                .iter()
                .filter_map(|(k, v)| k.as_plain().zip(v.as_plain()))
                .collect();
            prop_assert_eq!(&ours, pairs);
            prop_assert_eq!(c.metadata.len(), pairs.len());
        }
        (Ok(_), None) => {
            return fail(format!(
                "binary::decode accepts what postcard rejects: {}",
                show(bytes)
            ))
        }
        (Err(ErrorCode::InvalidField), _) => {
            prop_assert!(
                header.is_some_and(|h| !in_range(&h)),
                "InvalidField for {}",
                show(bytes)
            );
        }
        (Err(ErrorCode::MalformedBinary), whole) => {
            prop_assert!(
                header.is_none_or(|h| in_range(&h)),
                "MalformedBinary, not InvalidField: {}",
                show(bytes)
            );
            if let Some(whole) = whole {
                // Known difference: postcard on a 64-bit host reads `usize` varints (string
                // lengths, the pair count) as u64, so it accepts over-long encodings that
                // `binary::decode` (and postcard on wasm32) rejects. Check that this is the
                // case: the input is not postcard's own encoding, which we do accept.
                let mut buf = vec![0u8; bytes.len()];
                let canonical = postcard::to_slice(whole, &mut buf)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_ne!(
                    &canonical[..],
                    bytes,
                    "postcard accepts its own encoding, we reject it"
                );
                prop_assert!(
                    binary::decode(canonical).is_ok(),
                    "rejects canonical {}",
                    show(canonical)
                );
            }
        }
        (Err(code), _) => return fail(format!("binary::decode returned {code:?}")),
    }
    Ok(())
}
