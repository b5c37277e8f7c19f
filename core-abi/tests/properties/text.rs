//! Property 8: `Text` decodes any string to itself however it is escaped, and runs of `\uXXXX`
//! escapes of edge code units are accepted and decoded exactly as serde_json does.

use std::fmt::Write as _;

use core_abi::request::parse_request;
use core_abi::Text;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;

use crate::checks::{check_request, check_validate};
use crate::gen_json::text;
use crate::harness::{config, Rng};
use crate::render::{escape_all, escape_mixed};

/// `text`, read from a JSON string whose contents are `raw`, decodes to exactly `s`.
fn check_text(text: Text<'_>, s: &str, raw: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(text.raw(), raw);
    prop_assert_eq!(text.to_string(), s);
    prop_assert!(text.eq_str(s));
    prop_assert!(text == *s && text == s);
    prop_assert!(text == Text::plain(s) && Text::plain(s) == text);
    prop_assert_eq!(text.decoded_len(), s.len());
    prop_assert_eq!(text.is_empty(), s.is_empty());
    prop_assert_eq!(text.chars().collect::<String>(), s);
    prop_assert_eq!(text.bytes().collect::<Vec<u8>>(), s.as_bytes());
    prop_assert_eq!(
        text.as_plain(),
        if raw.contains('\\') { None } else { Some(s) }
    );
    let longer = format!("{s}x");
    prop_assert!(!text.eq_str(&longer));
    if let Some(last) = s.chars().next_back() {
        prop_assert!(!text.eq_str(&s[..s.len() - last.len_utf8()]));
        let mut small = vec![0u8; s.len() - 1];
        prop_assert_eq!(text.decode_into(&mut small), None);
    }
    let mut exact = vec![0u8; s.len()];
    prop_assert_eq!(text.decode_into(&mut exact), Some(s));
    let heapless = text.to_heapless::<24>();
    prop_assert_eq!(
        heapless.as_ref().map(|h| h.as_str()),
        (s.len() <= 24).then_some(s)
    );
    let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    prop_assert_eq!(
        text.parse_u32(),
        if digits { s.parse::<u32>().ok() } else { None }
    );
    Ok(())
}

proptest! {
    #![proptest_config(config(800))]

    /// 8: any string, however it is escaped, decodes to itself.
    #[test]
    fn text_decoding(s in text(), upper in any::<bool>(), seed in any::<u64>()) {
        const OTHER: &str = "other key";
        let encodings = [
            serde_json::to_string(&s).map_err(|e| TestCaseError::fail(e.to_string()))?,
            format!("\"{}\"", escape_all(&s, upper)),
            format!("\"{}\"", escape_mixed(&s, &mut Rng(seed))),
        ];
        let mut actions = Vec::new();
        for encoded in &encodings {
            let raw = &encoded[1..encoded.len() - 1];
            let body = format!(r#"{{"action":{encoded},"context":{{"metadata":{{{encoded}:{encoded},"{OTHER}":"x"}}}}}}"#);
            let request = parse_request(body.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e:?}: {body:?}")))?;
            check_text(request.action, &s, raw)?;
            let metadata = request.context.metadata;
            prop_assert_eq!(metadata.len(), 2);
            let (key, value) = metadata.iter().next().ok_or_else(|| TestCaseError::fail("no metadata"))?;
            check_text(key, &s, raw)?;
            check_text(value, &s, raw)?;
            if s != OTHER {
                let got = metadata.get(&s).ok_or_else(|| TestCaseError::fail("get"))?;
                check_text(got, &s, raw)?;
            }
            actions.push(request.action.to_string());
            check_request(body.as_bytes())?;
        }
        prop_assert!(actions.iter().all(|a| *a == s));
    }
}

/// UTF-16 code units at the edges: controls, the surrogate ranges, the end of the BMP.
const CODE_UNITS: &[u16] = &[
    0x0000, 0x001F, 0x0020, 0x007F, 0x00E9, 0xD7FF, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xE000, 0xFFFD,
    0xFFFF,
];
/// What may stand between escapes: nothing, a character, escapes, or the start of one.
const BETWEEN_ESCAPES: &[&str] = &["", "", "", "x", "\\n", "\\\\", "\\u", "\\", "\\u00"];

proptest! {
    #![proptest_config(config(1000))]

    /// 2 and 8: runs of `\uXXXX` escapes (surrogates paired, unpaired, reversed, interrupted)
    /// are accepted exactly when serde_json accepts them, and decode to the same string.
    #[test]
    fn unicode_escapes(
        units in vec(prop_oneof![3 => select(CODE_UNITS), 1 => any::<u16>()], 1..5),
        between in vec(select(BETWEEN_ESCAPES), 5),
        upper in any::<bool>(),
    ) {
        let mut literal = String::from("\"");
        for (unit, between) in units.iter().zip(&between) {
            literal.push_str(between);
            if upper {
                let _ = write!(literal, "\\u{unit:04X}");
            } else {
                let _ = write!(literal, "\\u{unit:04x}");
            }
        }
        literal.push_str(between[4]);
        literal.push('"');
        check_validate(literal.as_bytes())?;
        let body = format!(r#"{{"action":{literal},"context":{{"metadata":{{{literal}:{literal}}}}}}}"#);
        check_request(body.as_bytes())?;
        if let Ok(decoded) = serde_json::from_str::<String>(&literal) {
            let request = parse_request(body.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let raw = &literal[1..literal.len() - 1];
            check_text(request.action, &decoded, raw)?;
            let got = request.context.metadata.get(&decoded).ok_or_else(|| TestCaseError::fail("get"))?;
            check_text(got, &decoded, raw)?;
        }
    }
}
