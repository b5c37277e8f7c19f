//! The request generator (property 4): a [`RequestSpec`] of actions, MIDI fields, timestamps,
//! metadata, unknown and duplicated members, its rendering as JSON, and what it must parse to
//! ([`Expected`]).

use conformance::CONTEXT_FIELDS;
use core_abi::ErrorCode;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};

use crate::gen_json::{json_text, text, unknown_key_text};
use crate::render::{Style, Writer};

/// What a request must parse to.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Expected {
    pub(crate) action: String,
    pub(crate) velocity: Option<u8>,
    pub(crate) note: Option<u8>,
    pub(crate) cc: Option<u8>,
    pub(crate) value: Option<u8>,
    pub(crate) timestamp: u64,
    /// In request order, duplicates included.
    pub(crate) metadata: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) enum Field {
    Absent,
    Null,
    Int(u64),
    /// Any other value text: never acceptable for the field.
    Bad(&'static str),
}

#[derive(Debug, Clone)]
pub(crate) enum Action {
    Str(String),
    Missing,
    Bad(&'static str),
}

#[derive(Debug, Clone)]
pub(crate) enum Meta {
    Absent,
    Null,
    Map(Vec<(String, String)>),
    Bad(&'static str),
}

#[derive(Debug, Clone)]
pub(crate) struct ContextSpec {
    midi: [Field; 4],
    timestamp: Field,
    metadata: Meta,
    extra: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) enum Context {
    Absent,
    Null,
    Obj(ContextSpec),
    Bad(&'static str),
}

#[derive(Debug, Clone)]
pub(crate) struct RequestSpec {
    action: Action,
    context: Context,
    extra: Vec<(String, String)>,
    /// A known member to write a second time (picked among the present ones), and its value.
    duplicate: Option<(Index, &'static str)>,
    style: Style,
    seed: u64,
}

pub(crate) const MIDI_BAD: &[&str] = &[
    "-1",
    "-0",
    "60.0",
    "6e1",
    "1E2",
    "18446744073709551616",
    "\"100\"",
    "true",
    "[]",
    "{}",
];
pub(crate) const TIMESTAMP_BAD: &[&str] = &[
    "-1",
    "-0",
    "1.5",
    "1e3",
    "18446744073709551616",
    "\"now\"",
    "false",
    "[1]",
    "{}",
];
pub(crate) const TIMESTAMP_EDGES: &[u64] = &[u64::MAX, u64::MAX - 1, 1 << 63, 0];
pub(crate) const ACTION_BAD: &[&str] = &["1", "null", "[\"a\"]", "{}", "true"];
pub(crate) const CONTEXT_BAD: &[&str] = &["[]", "1", "\"x\"", "true", "[{}]"];
pub(crate) const METADATA_BAD: &[&str] = &[
    "[]",
    "{\"k\":1}",
    "{\"k\":null}",
    "\"s\"",
    "0",
    "{\"a\":\"b\",\"k\":[\"v\"]}",
    "[[]]",
];

pub(crate) fn midi_field() -> BoxedStrategy<Field> {
    prop_oneof![
        2 => Just(Field::Absent),
        2 => Just(Field::Null),
        16 => (0u64..=127).prop_map(Field::Int),
        1 => (128u64..=300).prop_map(Field::Int),
        1 => any::<u64>().prop_map(Field::Int),
        1 => select(MIDI_BAD).prop_map(Field::Bad),
    ]
    .boxed()
}

pub(crate) fn timestamp_field() -> BoxedStrategy<Field> {
    prop_oneof![
        1 => Just(Field::Absent),
        1 => Just(Field::Null),
        3 => any::<u64>().prop_map(Field::Int),
        2 => (0u64..1_000_000).prop_map(Field::Int),
        1 => select(TIMESTAMP_EDGES).prop_map(Field::Int),
        1 => select(TIMESTAMP_BAD).prop_map(Field::Bad),
    ]
    .boxed()
}

/// Metadata keys: arbitrary, or from a small pool so that duplicates occur.
pub(crate) fn metadata_key() -> BoxedStrategy<String> {
    prop_oneof![3 => text(), 1 => select(&["k", "key", "é", ""][..]).prop_map(str::to_owned)]
        .boxed()
}

pub(crate) fn request_spec() -> impl Strategy<Value = RequestSpec> {
    let action = prop_oneof![
        10 => text().prop_map(Action::Str),
        1 => Just(Action::Missing),
        1 => select(ACTION_BAD).prop_map(Action::Bad),
    ];
    let metadata = prop_oneof![
        2 => Just(Meta::Absent),
        1 => Just(Meta::Null),
        8 => vec((metadata_key(), text()), 0..4).prop_map(Meta::Map),
        1 => select(METADATA_BAD).prop_map(Meta::Bad),
    ];
    let extra = || vec((unknown_key_text(), json_text(true)), 0..3);
    let context_spec = (
        proptest::array::uniform4(midi_field()),
        timestamp_field(),
        metadata,
        extra(),
    )
        .prop_map(|(midi, timestamp, metadata, extra)| ContextSpec {
            midi,
            timestamp,
            metadata,
            extra,
        });
    let context = prop_oneof![
        2 => Just(Context::Absent),
        1 => Just(Context::Null),
        10 => context_spec.prop_map(Context::Obj),
        1 => select(CONTEXT_BAD).prop_map(Context::Bad),
    ];
    let style = select(&[Style::Serde, Style::AllEscaped, Style::Mixed][..]);
    let duplicate = prop_oneof![
        8 => Just(None),
        1 => (any::<Index>(), select(DUPLICATE_VALUES)).prop_map(Some),
    ];
    (action, context, extra(), duplicate, style, any::<u64>()).prop_map(
        |(action, context, extra, duplicate, style, seed)| RequestSpec {
            action,
            context,
            extra,
            duplicate,
            style,
            seed,
        },
    )
}

pub(crate) const DUPLICATE_VALUES: &[&str] = &["null", "{}", "\"x\"", "1", "[]", "{\"k\":\"v\"}"];

/// The known members `spec` writes: whether each is in the context object, and its name.
pub(crate) fn present_fields(spec: &RequestSpec) -> Vec<(bool, &'static str)> {
    let mut present = Vec::new();
    if !matches!(spec.action, Action::Missing) {
        present.push((false, "action"));
    }
    if !matches!(spec.context, Context::Absent) {
        present.push((false, "context"));
    }
    if let Context::Obj(c) = &spec.context {
        let fields = c.midi.iter().chain([&c.timestamp]);
        for (name, field) in CONTEXT_FIELDS.iter().zip(fields) {
            if !matches!(field, Field::Absent) {
                present.push((true, *name));
            }
        }
        if !matches!(c.metadata, Meta::Absent) {
            present.push((true, "metadata"));
        }
    }
    present
}

/// The member `spec.duplicate` writes a second time: (in the context?, name, value).
pub(crate) fn duplicated(spec: &RequestSpec) -> Option<(bool, &'static str, &'static str)> {
    let (index, value) = spec.duplicate.as_ref()?;
    let present = present_fields(spec);
    if present.is_empty() {
        return None;
    }
    let (in_context, name) = present[index.index(present.len())];
    Some((in_context, name, *value))
}

/// An unknown member's key: never one of the known names of its object.
pub(crate) fn unknown_key(key: &str, known: &[&str]) -> String {
    if known.contains(&key) {
        format!("x{key}")
    } else {
        key.to_owned()
    }
}

pub(crate) fn render_field(field: &Field) -> Option<String> {
    match field {
        Field::Absent => None,
        Field::Null => Some("null".to_owned()),
        Field::Int(n) => Some(n.to_string()),
        Field::Bad(text) => Some((*text).to_owned()),
    }
}

pub(crate) fn render_request(spec: &RequestSpec) -> String {
    let mut w = Writer::new(spec.style, spec.seed);
    let mut top = Vec::new();
    match &spec.action {
        Action::Str(s) => top.push(("action".to_owned(), w.string(s))),
        Action::Missing => {}
        Action::Bad(text) => top.push(("action".to_owned(), (*text).to_owned())),
    }
    match &spec.context {
        Context::Absent => {}
        Context::Null => top.push(("context".to_owned(), "null".to_owned())),
        Context::Bad(text) => top.push(("context".to_owned(), (*text).to_owned())),
        Context::Obj(c) => {
            let mut fields = Vec::new();
            let named = [
                ("velocity", &c.midi[0]),
                ("note", &c.midi[1]),
                ("cc", &c.midi[2]),
                ("value", &c.midi[3]),
                ("timestamp", &c.timestamp),
            ];
            for (name, field) in named {
                if let Some(value) = render_field(field) {
                    fields.push((name.to_owned(), value));
                }
            }
            match &c.metadata {
                Meta::Absent => {}
                Meta::Null => fields.push(("metadata".to_owned(), "null".to_owned())),
                Meta::Bad(text) => fields.push(("metadata".to_owned(), (*text).to_owned())),
                Meta::Map(pairs) => {
                    let pairs = pairs
                        .iter()
                        .map(|(k, v)| (k.clone(), w.string(v)))
                        .collect();
                    let object = w.object(pairs, false);
                    fields.push(("metadata".to_owned(), object));
                }
            }
            for (key, value) in &c.extra {
                fields.push((unknown_key(key, &CONTEXT_FIELDS), value.clone()));
            }
            if let Some((true, name, value)) = duplicated(spec) {
                fields.push((name.to_owned(), value.to_owned()));
            }
            top.push(("context".to_owned(), w.object(fields, true)));
        }
    }
    for (key, value) in &spec.extra {
        top.push((unknown_key(key, &["action", "context"]), value.clone()));
    }
    if let Some((false, name, value)) = duplicated(spec) {
        top.push((name.to_owned(), value.to_owned()));
    }
    let (before, after) = (w.ws(), w.ws());
    format!("{before}{}{after}", w.object(top, true))
}

/// What `render_request(spec)` must parse to.
pub(crate) fn spec_expected(spec: &RequestSpec) -> Result<Expected, ErrorCode> {
    let mut expected = Expected::default();
    // A known member written twice is invalid whatever its values.
    let mut invalid = duplicated(spec).is_some();
    match &spec.action {
        Action::Str(s) => expected.action = s.clone(),
        Action::Missing | Action::Bad(_) => invalid = true,
    }
    match &spec.context {
        Context::Absent | Context::Null => {}
        Context::Bad(_) => invalid = true,
        Context::Obj(c) => {
            let mut midi = [None; 4];
            for (slot, field) in midi.iter_mut().zip(&c.midi) {
                match *field {
                    Field::Absent | Field::Null => {}
                    Field::Int(n) if n <= 127 => *slot = Some(n as u8),
                    Field::Int(_) | Field::Bad(_) => invalid = true,
                }
            }
            [
                expected.velocity,
                expected.note,
                expected.cc,
                expected.value,
            ] = midi;
            match c.timestamp {
                Field::Absent | Field::Null => {}
                Field::Int(n) => expected.timestamp = n,
                Field::Bad(_) => invalid = true,
            }
            match &c.metadata {
                Meta::Absent | Meta::Null => {}
                Meta::Map(pairs) => expected.metadata = pairs.clone(),
                Meta::Bad(_) => invalid = true,
            }
        }
    }
    if invalid {
        Err(ErrorCode::InvalidField)
    } else {
        Ok(expected)
    }
}
