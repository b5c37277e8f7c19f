//! The JSON reference: serde_json driven by visitors that validate every value they skip
//! (strings fully), and `json::validate` checked against it.

use core::fmt;

use core_abi::json::MAX_NESTING;
use core_abi::ErrorCode;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::verdict::{classify, field_fault, in_skipped, Shown, Verdict};

/// Any JSON value, validated by serde_json (strings fully: UTF-8, escapes, surrogates) and
/// thrown away. `IgnoredAny` would not do: serde_json skips its strings without checking them.
#[derive(Clone, Copy)]
pub(crate) struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

pub(crate) struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip).map_err(in_skipped)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<String>()?.is_some() {
            map.next_value_seed(Skip).map_err(in_skipped)?;
        }
        Ok(())
    }
}

/// Raises a field fault once the parser is on a member's value, without reading the value:
/// core-abi rejects a repeated known field right after its `:`.
pub(crate) struct FaultBeforeValue(pub(crate) &'static str);

impl<'de> DeserializeSeed<'de> for FaultBeforeValue {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
        Err(field_fault(self.0))
    }
}

/// Implements the visitor methods of a value of the wrong type: the value is validated (and
/// thrown away) first, then it is a field fault, as in core-abi's `wrong_type`. The visitor
/// names the field with an inherent `fn what(&self) -> &'static str`.
macro_rules! wrong_types {
    ($($kind:ident)*) => {
        $(wrong_types!(@one $kind);)*
    };
    (@one bool) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err($crate::verdict::field_fault(self.what()))
        }
    };
    (@one i64) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err($crate::verdict::field_fault(self.what()))
        }
    };
    (@one u64) => {
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err($crate::verdict::field_fault(self.what()))
        }
    };
    (@one f64) => {
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err($crate::verdict::field_fault(self.what()))
        }
    };
    (@one str) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Err($crate::verdict::field_fault(self.what()))
        }
    };
    (@one unit) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Err($crate::verdict::field_fault(self.what()))
        }
    };
    (@one seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            $crate::json::SkipVisitor.visit_seq(seq)?;
            Err($crate::verdict::field_fault(self.what()))
        }
    };
    (@one map) => {
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            $crate::json::SkipVisitor.visit_map(map)?;
            Err($crate::verdict::field_fault(self.what()))
        }
    };
}
pub(crate) use wrong_types;

/// A string value (`action`, a metadata value): anything else is a field fault.
pub(crate) struct StringValue(pub(crate) &'static str);

impl StringValue {
    fn what(&self) -> &'static str {
        self.0
    }
}

impl<'de> DeserializeSeed<'de> for StringValue {
    type Value = String;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StringValue {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    wrong_types!(bool i64 u64 f64 unit seq map);
}

/// `null` or an integer in `0..=max`.
pub(crate) struct IntegerValue(pub(crate) u64, pub(crate) &'static str);

impl IntegerValue {
    fn what(&self) -> &'static str {
        self.1
    }
}

impl<'de> DeserializeSeed<'de> for IntegerValue {
    type Value = Option<u64>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<u64>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IntegerValue {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or an integer")
    }
    fn visit_unit<E>(self) -> Result<Option<u64>, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<u64>, E> {
        if v <= self.0 {
            Ok(Some(v))
        } else {
            Err(field_fault(self.1))
        }
    }
    // serde_json gives negative integers as i64, and fractions, exponents, `-0` and integers
    // beyond u64 as f64: none is a plain non-negative integer.
    wrong_types!(bool i64 f64 str seq map);
}

pub(crate) fn is_json_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// serde_json's verdict on `bytes` as one JSON document.
pub fn reference_validate(bytes: &[u8]) -> Verdict<()> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match Skip.deserialize(&mut de).and_then(|()| de.end()) {
        Ok(()) => Verdict::Accept(()),
        Err(e) => classify(&e),
    }
}

/// Deepest nesting of arrays and objects outside strings (for any bytes, valid or not).
pub fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

pub(crate) fn is_syntax_code(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::MalformedJson | ErrorCode::InvalidUtf8 | ErrorCode::NestingTooDeep
    )
}

/// Internal consistency of an error code with the bytes, whatever the reference says.
pub(crate) fn check_error_code(bytes: &[u8], code: ErrorCode, who: &str) {
    match code {
        ErrorCode::InvalidUtf8 => assert!(
            std::str::from_utf8(bytes).is_err(),
            "{who}: InvalidUtf8 for valid UTF-8, {}",
            Shown(bytes)
        ),
        ErrorCode::NestingTooDeep => assert!(
            nesting_depth(bytes) > MAX_NESTING,
            "{who}: NestingTooDeep at depth {} (limit {MAX_NESTING}), {}",
            nesting_depth(bytes),
            Shown(bytes)
        ),
        _ => {}
    }
}

/// `core_abi::json::validate` against serde_json.
pub fn check_json_validate(bytes: &[u8]) {
    let ours = core_abi::json::validate(bytes);
    if let Err(code) = ours {
        assert!(
            is_syntax_code(code),
            "validate: {code:?} is not a syntax code, {}",
            Shown(bytes)
        );
        check_error_code(bytes, code, "validate");
    }
    match (reference_validate(bytes), ours) {
        (Verdict::Accept(()), Err(code)) => {
            panic!(
                "validate: serde_json accepts, core-abi says {code:?}, {}",
                Shown(bytes)
            )
        }
        (Verdict::Syntax(why), Ok(())) => {
            panic!(
                "validate: core-abi accepts, serde_json says {why}, {}",
                Shown(bytes)
            )
        }
        (Verdict::Field(why), _) => unreachable!("no field rules in validate: {why}"),
        _ => {}
    }
}
