//! The request reference: a request body read by serde_json under the ABI's rules (first
//! fault in reading order, known fields once, metadata keys repeated with the last one winning).

use core::fmt;

use core_abi::request::MIDI_MAX;
use serde::de::{self, DeserializeSeed, Deserializer as _, MapAccess, SeqAccess, Visitor};

use crate::json::{is_json_ws, wrong_types, FaultBeforeValue, IntegerValue, Skip, StringValue};
use crate::verdict::{classify, in_known, in_skipped, Verdict};

/// The reference's reading of a request.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RefRequest {
    /// Decoded action name.
    pub action: String,
    /// velocity, note, cc, value.
    pub midi: [Option<u8>; 4],
    /// 0 when absent.
    pub timestamp: u64,
    /// Metadata entries in order, duplicates included.
    pub metadata: Vec<(String, String)>,
}

/// The fields of a request's `context` the ABI knows, in the README's order.
pub const CONTEXT_FIELDS: [&str; 6] = ["velocity", "note", "cc", "value", "timestamp", "metadata"];

pub(crate) struct RequestVisitor;

impl<'de> Visitor<'de> for RequestVisitor {
    type Value = (Option<String>, RefRequest);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a request object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut action = None;
        let mut request = RefRequest::default();
        let mut seen_context = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "action" => {
                    if action.is_some() {
                        map.next_value_seed(FaultBeforeValue("duplicate action"))?;
                    }
                    action = Some(
                        map.next_value_seed(StringValue("action"))
                            .map_err(in_known)?,
                    );
                }
                "context" => {
                    if seen_context {
                        map.next_value_seed(FaultBeforeValue("duplicate context"))?;
                    }
                    seen_context = true;
                    let context = map.next_value_seed(ContextValue).map_err(in_known)?;
                    request = RefRequest {
                        action: String::new(),
                        ..context
                    };
                }
                _ => map.next_value_seed(Skip).map_err(in_skipped)?,
            }
        }
        Ok((action, request))
    }
}

pub(crate) struct ContextValue;

impl ContextValue {
    fn what(&self) -> &'static str {
        "context"
    }
}

impl<'de> DeserializeSeed<'de> for ContextValue {
    type Value = RefRequest;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<RefRequest, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ContextValue {
    type Value = RefRequest;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or a context object")
    }
    fn visit_unit<E>(self) -> Result<RefRequest, E> {
        Ok(RefRequest::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RefRequest, A::Error> {
        let mut context = RefRequest::default();
        let mut seen = [false; 6];
        while let Some(key) = map.next_key::<String>()? {
            let Some(index) = CONTEXT_FIELDS.iter().position(|name| *name == key) else {
                map.next_value_seed(Skip).map_err(in_skipped)?;
                continue;
            };
            if std::mem::replace(&mut seen[index], true) {
                map.next_value_seed(FaultBeforeValue("duplicate context field"))?;
            }
            match index {
                0..=3 => {
                    let v = map
                        .next_value_seed(IntegerValue(u64::from(MIDI_MAX), CONTEXT_FIELDS[index]))
                        .map_err(in_known)?;
                    context.midi[index] = v.map(|v| u8::try_from(v).expect("checked range"));
                }
                4 => {
                    let v = map
                        .next_value_seed(IntegerValue(u64::MAX, "timestamp"))
                        .map_err(in_known)?;
                    context.timestamp = v.unwrap_or(0);
                }
                _ => context.metadata = map.next_value_seed(MetadataValue).map_err(in_known)?,
            }
        }
        Ok(context)
    }
    wrong_types!(bool i64 u64 f64 str seq);
}

pub(crate) struct MetadataValue;

impl MetadataValue {
    fn what(&self) -> &'static str {
        "metadata"
    }
}

impl<'de> DeserializeSeed<'de> for MetadataValue {
    type Value = Vec<(String, String)>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MetadataValue {
    type Value = Vec<(String, String)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or an object of strings")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map
                .next_value_seed(StringValue("metadata value"))
                .map_err(in_known)?;
            entries.push((key, value));
        }
        Ok(entries)
    }
    wrong_types!(bool i64 u64 f64 str seq);
}

/// serde_json's reading of a request body under the ABI's rules.
pub fn reference_request(bytes: &[u8]) -> Verdict<RefRequest> {
    // core-abi wants an object before anything else; serde_json would first parse whatever
    // value is there, so decide a non-object up front (a syntax fault either way).
    if bytes.iter().copied().find(|&b| !is_json_ws(b)) != Some(b'{') {
        return Verdict::Syntax("not an object".into());
    }
    let bytes = &split_leading_zeros(bytes);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = de
        .deserialize_map(RequestVisitor)
        .and_then(|value| de.end().map(|()| value));
    match parsed {
        Ok((Some(action), request)) => Verdict::Accept(RefRequest { action, ..request }),
        Ok((None, _)) => Verdict::Field("no action".into()),
        Err(e) => classify(&e),
    }
}

/// `06` is the number `0` followed by a stray `6` to core-abi, which can therefore report a
/// field fault on the `0` first; serde_json reads `06` as one invalid number. Writing a space
/// between them (outside strings, for a leading zero of an integer part) makes serde_json see
/// the same tokens; the input was invalid either way.
pub(crate) fn split_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let (mut in_string, mut escaped) = (false, false);
    for (i, &b) in bytes.iter().enumerate() {
        out.push(b);
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if b == b'"' {
            in_string = true;
            continue;
        }
        let before = |back: usize| i.checked_sub(back).map_or(b' ', |j| bytes[j]);
        let starts_integer = match before(1) {
            b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' => false,
            b'-' => !matches!(before(2), b'e' | b'E'),
            _ => true,
        };
        if b == b'0' && starts_integer && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            out.push(b' ');
        }
    }
    out
}
