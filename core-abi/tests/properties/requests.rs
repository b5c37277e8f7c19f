//! Properties 3, 4 and 5: generated requests parse to exactly their values; generated, canonical
//! and corrupted requests agree with the reference model; plus the nesting regression.

use core_abi::json;
use core_abi::request::{parse_request, Request};
use core_abi::ErrorCode;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::checks::{check_request, check_validate};
use crate::gen_bytes::{mutate, mutation, JSON_BYTES};
use crate::gen_requests::{render_request, request_spec, spec_expected, Expected};
use crate::harness::{config, fail};
use crate::render::escape_all;

const CANONICAL: &str = core_abi::request::CANONICAL_NOTE_ON;

/// `request` holds exactly `expected`, through every accessor.
fn same_request(request: &Request<'_>, expected: &Expected) -> Result<(), TestCaseError> {
    let c = &request.context;
    prop_assert_eq!(request.action.to_string(), expected.action.clone());
    prop_assert!(request.action.eq_str(&expected.action));
    prop_assert_eq!(
        (c.velocity, c.note, c.cc, c.value, c.timestamp),
        (
            expected.velocity,
            expected.note,
            expected.cc,
            expected.value,
            expected.timestamp
        )
    );
    let pairs: Vec<(String, String)> = c
        .metadata
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    prop_assert_eq!(&pairs, &expected.metadata);
    prop_assert_eq!(c.metadata.len(), expected.metadata.len());
    prop_assert_eq!(c.metadata.is_empty(), expected.metadata.is_empty());
    for (key, _) in &expected.metadata {
        let last = expected
            .metadata
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone());
        prop_assert_eq!(
            c.metadata.get(key).map(|t| t.to_string()),
            last,
            "get({:?})",
            key
        );
    }
    let absent = "\u{1F3B9} not a key";
    if !expected.metadata.iter().any(|(k, _)| k == absent) {
        prop_assert!(c.metadata.get(absent).is_none());
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(600))]

    /// 3 and 4: generated requests parse to exactly the generated values, or to
    /// `InvalidField` exactly when a value is missing, of the wrong type or out of range.
    #[test]
    fn generated_requests(spec in request_spec()) {
        let body = render_request(&spec);
        let expected = spec_expected(&spec);
        let got = parse_request(body.as_bytes());
        match (&got, &expected) {
            (Ok(request), Ok(expected)) => same_request(request, expected)?,
            (Err(a), Err(b)) if a == b => {}
            _ => return fail(format!("{body:?}: parse_request {got:?}, expected {expected:?}")),
        }
        check_request(body.as_bytes())?;
    }
}

proptest! {
    #![proptest_config(config(500))]

    /// 5: corrupted generated requests: never panic, consistent with serde_json and the model.
    #[test]
    fn corrupted_requests(spec in request_spec(), mutations in vec(mutation(), 1..4)) {
        let body = mutate(render_request(&spec).into_bytes(), &mutations);
        check_request(&body)?;
        check_validate(&body)?;
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// 5: random corruptions of the canonical request.
    #[test]
    fn corrupted_canonical_request(mutations in vec(mutation(), 1..5)) {
        let body = mutate(CANONICAL.as_bytes().to_vec(), &mutations);
        check_request(&body)?;
        check_validate(&body)?;
    }
}

/// 5: every single-byte deletion, substitution and insertion in the canonical request.
#[test]
fn canonical_single_byte_edits() {
    let canonical = CANONICAL.as_bytes();
    let mut edits = Vec::new();
    for i in 0..=canonical.len() {
        if i < canonical.len() {
            let mut deleted = canonical.to_vec();
            deleted.remove(i);
            edits.push(deleted);
        }
        for &b in JSON_BYTES {
            if i < canonical.len() && canonical[i] != b {
                let mut replaced = canonical.to_vec();
                replaced[i] = b;
                edits.push(replaced);
            }
            let mut inserted = canonical.to_vec();
            inserted.insert(i, b);
            edits.push(inserted);
        }
    }
    for body in edits {
        if let Err(e) = check_request(&body).and_then(|()| check_validate(&body)) {
            panic!("{e}");
        }
    }
}

/// 5: a duplicated field is `InvalidField`, however its key is written; a duplicated metadata
/// key is not (the last one wins).
#[test]
fn canonical_duplicated_fields() {
    let members = [
        r#""action":"my_action""#,
        r#""context":{"velocity":100,"note":60,"cc":null,"value":null,"timestamp":1234567890,"metadata":{"key":"value"}}"#,
        r#""velocity":100"#,
        r#""note":60"#,
        r#""cc":null"#,
        r#""value":null"#,
        r#""timestamp":1234567890"#,
        r#""metadata":{"key":"value"}"#,
        r#""key":"value""#,
    ];
    for member in members {
        let at = CANONICAL
            .find(member)
            .expect("member of the canonical request")
            + member.len();
        let key_end = member[1..].find('"').unwrap_or(0) + 1;
        let key = &member[1..key_end];
        let escaped_key = format!("\"{}{}", escape_all(&key[..1], false), &member[2..]);
        for copy in [member.to_owned(), escaped_key] {
            let body = format!("{},{copy}{}", &CANONICAL[..at], &CANONICAL[at..]);
            let result = parse_request(body.as_bytes());
            if key == "key" {
                let request = result.expect("duplicate metadata keys are allowed");
                assert_eq!(request.context.metadata.len(), 2, "{body}");
                assert!(request
                    .context
                    .metadata
                    .get("key")
                    .is_some_and(|v| v == "value"));
            } else {
                assert_eq!(result.err(), Some(ErrorCode::InvalidField), "{body}");
            }
            if let Err(e) = check_request(body.as_bytes()) {
                panic!("{e}");
            }
        }
    }
}

/// `parse_request` holds a body to the nesting limit of `json::validate`, its own objects
/// included (it once counted only the values it skipped, accepting 130 levels).
#[test]
fn request_nesting_is_held_to_validate() {
    let junk = format!("{}{}", "[".repeat(128), "]".repeat(128));
    let body = format!(r#"{{"action":"a","context":{{"x":{junk}}}}}"#);
    assert_eq!(
        json::validate(body.as_bytes()),
        Err(ErrorCode::NestingTooDeep)
    );
    assert_eq!(
        parse_request(body.as_bytes()).err(),
        Some(ErrorCode::NestingTooDeep)
    );
}
