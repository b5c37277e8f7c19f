//! `parse_request` against the request reference, and every view of a parsed request
//! (`Text` in all its forms, `Params::get/iter/len`) against the reference's values.

use core_abi::request::{self};
use core_abi::{ErrorCode, Text};

use crate::json::{check_error_code, check_json_validate, is_syntax_code};
use crate::request::{reference_request, RefRequest, CONTEXT_FIELDS};
use crate::verdict::{Shown, Verdict};

/// `core_abi::request::parse_request` against serde_json; on agreement, every view of the
/// parsed request (`Text` in all its forms, `Params::get/iter/len`) against the reference.
pub fn check_request_json(bytes: &[u8]) {
    check_json_validate(bytes);
    let ours = request::parse_request(bytes);
    if let Err(code) = ours {
        assert!(
            is_syntax_code(code) || code == ErrorCode::InvalidField,
            "parse_request: unexpected {code:?}, {}",
            Shown(bytes)
        );
        check_error_code(bytes, code, "parse_request");
    }
    // A request that parses is valid JSON.
    if ours.is_ok() {
        assert_eq!(
            core_abi::json::validate(bytes),
            Ok(()),
            "parse_request accepts invalid JSON, {}",
            Shown(bytes)
        );
    }
    match (reference_request(bytes), &ours) {
        (Verdict::Accept(expected), Ok(request)) => {
            compare_request(bytes, request, &expected);
            compare_with_value(bytes, request);
        }
        (Verdict::Accept(expected), Err(code)) => {
            panic!("parse_request: serde_json reads {expected:?}, core-abi says {code:?}, {}", Shown(bytes))
        }
        (Verdict::Syntax(why), Ok(_)) | (Verdict::Field(why), Ok(_)) => {
            panic!("parse_request: core-abi accepts, serde_json says {why}, {}", Shown(bytes))
        }
        (Verdict::Syntax(why), Err(code)) => assert!(
            is_syntax_code(*code),
            "parse_request: serde_json finds a syntax fault first ({why}), core-abi says {code:?}, {}",
            Shown(bytes)
        ),
        (Verdict::Field(why), Err(code)) => assert!(
            *code == ErrorCode::InvalidField,
            "parse_request: serde_json finds a field fault first ({why}), core-abi says {code:?}, {}",
            Shown(bytes)
        ),
        (Verdict::Undecided(_), _) => {}
    }
}

/// Every way of reading a `Text` gives the reference's string.
pub fn compare_text(bytes: &[u8], text: Text<'_>, expected: &str, what: &str) {
    let shown = Shown(bytes);
    // `Text` is built with `from_utf8_unchecked`: check the invariant it relies on.
    assert!(
        std::str::from_utf8(text.raw().as_bytes()).is_ok(),
        "{what}: raw text is not UTF-8, {shown}"
    );
    assert!(
        text.eq_str(expected),
        "{what}: eq_str({expected:?}) is false for {text:?}, {shown}"
    );
    assert!(
        text == expected,
        "{what}: == {expected:?} is false, {shown}"
    );
    assert_eq!(text.to_string(), expected, "{what}: Display, {shown}");
    assert_eq!(
        text.chars().collect::<String>(),
        expected,
        "{what}: chars(), {shown}"
    );
    assert_eq!(
        text.bytes().collect::<Vec<u8>>(),
        expected.as_bytes(),
        "{what}: bytes(), {shown}"
    );
    assert_eq!(
        text.decoded_len(),
        expected.len(),
        "{what}: decoded_len(), {shown}"
    );
    assert_eq!(
        text.is_empty(),
        expected.is_empty(),
        "{what}: is_empty(), {shown}"
    );
    if let Some(plain) = text.as_plain() {
        assert_eq!(plain, expected, "{what}: as_plain(), {shown}");
    }
    assert_eq!(text, Text::plain(expected), "{what}: Text == Text, {shown}");
    // One character more or less must not compare equal.
    let mut longer = expected.to_owned();
    longer.push('x');
    assert!(
        !text.eq_str(&longer),
        "{what}: equal to {longer:?}, {shown}"
    );
    if let Some((cut, _)) = expected.char_indices().last() {
        assert!(
            !text.eq_str(&expected[..cut]),
            "{what}: equal to a prefix, {shown}"
        );
    }
    let mut buf = [0u8; 64];
    let capacity = buf.len();
    let decoded = text.decode_into(&mut buf);
    if expected.len() <= capacity {
        assert_eq!(decoded, Some(expected), "{what}: decode_into, {shown}");
    } else {
        assert_eq!(decoded, None, "{what}: decode_into a small buffer, {shown}");
    }
    let heapless = text.to_heapless::<16>();
    if expected.len() <= 16 {
        assert_eq!(
            heapless.as_deref(),
            Some(expected),
            "{what}: to_heapless, {shown}"
        );
    } else {
        assert!(
            heapless.is_none(),
            "{what}: to_heapless past capacity, {shown}"
        );
    }
    let number = if !expected.is_empty() && expected.bytes().all(|b| b.is_ascii_digit()) {
        expected.parse::<u32>().ok()
    } else {
        None
    };
    assert_eq!(text.parse_u32(), number, "{what}: parse_u32, {shown}");
}

pub(crate) fn compare_request(bytes: &[u8], request: &request::Request<'_>, expected: &RefRequest) {
    let shown = Shown(bytes);
    compare_text(bytes, request.action, &expected.action, "action");
    let c = &request.context;
    assert_eq!(
        [c.velocity, c.note, c.cc, c.value],
        expected.midi,
        "velocity/note/cc/value, {shown}"
    );
    assert_eq!(c.timestamp, expected.timestamp, "timestamp, {shown}");
    compare_metadata(bytes, &c.metadata, &expected.metadata);
}

/// `Params` against the reference's entries: order, duplicates, last one wins.
pub fn compare_metadata(
    bytes: &[u8],
    metadata: &request::Params<'_>,
    expected: &[(String, String)],
) {
    let shown = Shown(bytes);
    assert_eq!(metadata.len(), expected.len(), "metadata.len(), {shown}");
    assert_eq!(
        metadata.is_empty(),
        expected.is_empty(),
        "metadata.is_empty(), {shown}"
    );
    let mut count = 0;
    for ((key, value), (k, v)) in metadata.iter().zip(expected) {
        compare_text(bytes, key, k, "metadata key");
        compare_text(bytes, value, v, "metadata value");
        count += 1;
    }
    assert_eq!(count, expected.len(), "metadata.iter() length, {shown}");
    assert_eq!(
        metadata.iter().count(),
        expected.len(),
        "metadata.iter().count(), {shown}"
    );
    for (k, _) in expected {
        let last = &expected
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .expect("present")
            .1;
        let got = metadata.get(k);
        assert!(got.is_some(), "metadata.get({k:?}) is None, {shown}");
        compare_text(bytes, got.expect("checked"), last, "metadata.get");
    }
    // A key that is not there (the fuzzer finds any fixed string through comparison tracing).
    let mut absent = String::from("\u{1}absent");
    while expected.iter().any(|(k, _)| *k == absent) {
        absent.push('!');
    }
    assert!(
        metadata.get(&absent).is_none(),
        "metadata.get of an absent key, {shown}"
    );
    let _ = format!("{metadata:?}");
}

/// The same bytes through `serde_json::Value`, when it can represent them (it drops duplicate
/// keys, keeping the last, and has serde_json's limits).
pub(crate) fn compare_with_value(bytes: &[u8], request: &request::Request<'_>) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return;
    };
    let shown = Shown(bytes);
    let action = value["action"]
        .as_str()
        .expect("accepted request has a string action");
    assert!(
        request.action.eq_str(action),
        "action vs serde_json::Value, {shown}"
    );
    let context = &value["context"];
    for (name, ours) in CONTEXT_FIELDS[..4].iter().zip([
        request.context.velocity,
        request.context.note,
        request.context.cc,
        request.context.value,
    ]) {
        assert_eq!(
            context[name].as_u64(),
            ours.map(u64::from),
            "{name} vs serde_json::Value, {shown}"
        );
    }
    assert_eq!(
        context["timestamp"].as_u64().unwrap_or(0),
        request.context.timestamp,
        "timestamp vs Value, {shown}"
    );
    if let Some(map) = context["metadata"].as_object() {
        assert!(
            map.len() <= request.context.metadata.len(),
            "metadata size vs Value, {shown}"
        );
        for (k, v) in map {
            let ours = request.context.metadata.get(k);
            assert!(
                ours.is_some_and(|t| t.eq_str(v.as_str().expect("string value"))),
                "metadata[{k:?}] vs serde_json::Value (last wins), {shown}"
            );
        }
    } else {
        assert!(
            request.context.metadata.is_empty(),
            "metadata vs Value, {shown}"
        );
    }
}
