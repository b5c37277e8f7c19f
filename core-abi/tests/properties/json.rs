//! Property 2: `json::validate` against serde_json on generated and corrupted texts, the nesting
//! limit, and the documented differences (nesting depth 128, numbers beyond `f64`).

use conformance::nesting_depth;
use core_abi::json;
use core_abi::request::parse_request;
use core_abi::ErrorCode;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::Value;

use crate::checks::{check_metadata, check_request, check_validate};
use crate::gen_bytes::{mutate, mutation};
use crate::gen_json::{document, json_text};
use crate::harness::config;

/// Whether a number literal outside strings has a magnitude that rounds to infinity, or to
/// `f64::MAX` (where serde_json's fast float parser may round up to infinity).
fn has_huge_number(bytes: &[u8]) -> bool {
    let (mut i, mut in_string, mut escaped) = (0, false, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
        } else if b == b'-' || b.is_ascii_digit() {
            let start = i;
            while i < bytes.len()
                && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
            {
                i += 1;
            }
            let token = std::str::from_utf8(&bytes[start..i]).unwrap_or("");
            if token
                .parse::<f64>()
                .is_ok_and(|x| x.is_infinite() || x.abs() == f64::MAX)
            {
                return true;
            }
            continue;
        }
        i += 1;
    }
    false
}

/// The documented differences between `json::validate` and serde_json, see the module docs:
/// serde_json rejects (a) a nesting depth of 128 and (b) numbers beyond `f64`'s range.
fn known_json_difference(bytes: &[u8], theirs: &serde_json::Error) -> bool {
    let message = theirs.to_string();
    (message.starts_with("recursion limit exceeded") && nesting_depth(bytes) >= 128)
        || (message.starts_with("number out of range") && has_huge_number(bytes))
}

proptest! {
    #![proptest_config(config(1000))]

    /// 2: generated JSON texts, valid or with invalid pieces, corrupted or not, are judged by
    /// `json::validate` as serde_json judges them (modulo the documented differences).
    #[test]
    fn json_texts_agree_with_serde_json(
        text in prop_oneof![document(true), document(false)],
        mutations in vec(mutation(), 0..3),
    ) {
        let bytes = text.into_bytes();
        check_validate(&bytes)?;
        let mutated = mutate(bytes, &mutations);
        check_validate(&mutated)?;
        check_request(&mutated)?;
        check_metadata(&mutated)?;
    }
}

proptest! {
    #![proptest_config(config(200))]

    /// 2 (a): nesting is limited to 128 levels of arrays and objects (serde_json: 127).
    #[test]
    fn nesting_limit(depth in 120usize..=136, objects in vec(any::<bool>(), 136), leaf in json_text(true)) {
        let mut text = String::new();
        for &object in &objects[..depth] {
            text.push_str(if object { "{\"k\":" } else { "[" });
        }
        // Containers in the leaf count too.
        let leaf_depth = nesting_depth(leaf.as_bytes());
        text.push_str(&leaf);
        for &object in objects[..depth].iter().rev() {
            text.push(if object { '}' } else { ']' });
        }
        let total = depth + leaf_depth;
        let ours = json::validate(text.as_bytes());
        prop_assert_eq!(ours, if total <= 128 { Ok(()) } else { Err(ErrorCode::NestingTooDeep) });
        let theirs = serde_json::from_str::<Value>(&text);
        if !has_huge_number(leaf.as_bytes()) {
            prop_assert_eq!(theirs.is_ok(), total <= 127);
        }
        check_validate(text.as_bytes())?;
        let request = format!("{{\"action\":\"a\",\"junk\":{text}}}");
        check_request(request.as_bytes())?;
        // The request's own object counts: the whole body is held to 128 levels.
        prop_assert_eq!(parse_request(request.as_bytes()).is_ok(), total < 128);
    }
}

/// The documented differences with serde_json, as examples.
#[test]
fn serde_json_differences_are_as_documented() {
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    for (depth, ours, theirs) in [(127, true, true), (128, true, false), (129, false, false)] {
        let text = nested(depth);
        assert_eq!(
            json::validate(text.as_bytes()).is_ok(),
            ours,
            "depth {depth}"
        );
        assert_eq!(
            serde_json::from_str::<Value>(&text).is_ok(),
            theirs,
            "depth {depth}"
        );
    }
    for number in [
        "1e309",
        "-1e309",
        "1e99999999999999999999",
        "1.7976931348623158e308",
        &"9".repeat(400),
    ] {
        assert_eq!(json::validate(number.as_bytes()), Ok(()), "{number}");
        let err = serde_json::from_str::<Value>(number).expect_err(number);
        assert!(
            known_json_difference(number.as_bytes(), &err),
            "{number}: {err}"
        );
    }
    for number in [
        "1.7976931348623157e308",
        "1e-400",
        "0e99999999999999999999",
        "-0",
    ] {
        assert!(serde_json::from_str::<Value>(number).is_ok(), "{number}");
    }
}
