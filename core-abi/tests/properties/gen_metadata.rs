//! Metadata generators (property 6): valid `PluginMetadata` parts for round trips, and metadata
//! documents with MIDIMon's fields right, wrong, missing, duplicated or misspelled, rendered in
//! random order and style.

use core_abi::metadata::{Capability, PluginType};
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use proptest::sample::{select, subsequence, Index};

use crate::gen_json::{json_text, text, unknown_key_text};
use crate::render::{Style, Writer};

pub(crate) fn semver() -> impl Strategy<Value = String> {
    let number = || prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,4}"];
    let pre = prop_oneof![
        Just("0".to_owned()),
        "[1-9][0-9]{0,3}",
        "[0-9A-Za-z-]{0,4}[A-Za-z-][0-9A-Za-z-]{0,4}"
    ];
    let build = "[0-9A-Za-z-]{1,8}";
    (
        number(),
        number(),
        number(),
        proptest::option::of(vec(pre, 1..4)),
        proptest::option::of(vec(build, 1..4)),
    )
        .prop_map(|(major, minor, patch, pre, build)| {
            let mut version = format!("{major}.{minor}.{patch}");
            if let Some(pre) = pre {
                version.push('-');
                version.push_str(&pre.join("."));
            }
            if let Some(build) = build {
                version.push('+');
                version.push_str(&build.join("."));
            }
            version
        })
}

pub(crate) fn non_empty_text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => vec(any::<char>(), 1..12).prop_map(String::from_iter),
        1 => "[a-z_]{1,12}",
    ]
    .boxed()
}

/// Owned parts of a valid `PluginMetadata`.
#[derive(Debug, Clone)]
pub(crate) struct MetaSpec {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) description: String,
    pub(crate) author: String,
    pub(crate) license: String,
    pub(crate) plugin_type: PluginType,
    pub(crate) actions: Vec<String>,
    pub(crate) capabilities: Vec<Capability>,
}

pub(crate) fn meta_spec() -> impl Strategy<Value = MetaSpec> {
    let actions = btree_set(non_empty_text(), 1..6)
        .prop_map(Vec::from_iter)
        .prop_shuffle();
    let capabilities = subsequence(Capability::ALL.to_vec(), 0..=6).prop_shuffle();
    let plugin_type = select(&[PluginType::Action, PluginType::Trigger][..]);
    (
        (non_empty_text(), semver(), text(), text(), text()),
        plugin_type,
        actions,
        capabilities,
    )
        .prop_map(
            |(
                (name, version, description, author, license),
                plugin_type,
                actions,
                capabilities,
            )| {
                MetaSpec {
                    name,
                    version,
                    description,
                    author,
                    license,
                    plugin_type,
                    actions,
                    capabilities,
                }
            },
        )
}

/// A metadata member value, for generated (not necessarily valid) metadata documents.
#[derive(Debug, Clone)]
pub(crate) enum MetaValue {
    /// A string, escaped in the document's style.
    Str(String),
    /// An array of strings, escaped in the document's style.
    Strings(Vec<String>),
    /// An array of values.
    Items(Vec<MetaValue>),
    /// An object (keys escaped in the document's style; member order kept).
    Object(Vec<(String, MetaValue)>),
    /// JSON text written as is.
    Raw(String),
}

impl MetaValue {
    fn render(self, w: &mut Writer) -> String {
        match self {
            MetaValue::Str(s) => w.string(&s),
            MetaValue::Strings(items) => w.array(&items),
            MetaValue::Items(items) => {
                let items: Vec<String> = items.into_iter().map(|item| item.render(w)).collect();
                format!("[{}{}]", w.ws(), items.join(","))
            }
            MetaValue::Object(members) => {
                let members = members
                    .into_iter()
                    .map(|(key, value)| (key, value.render(w)))
                    .collect();
                w.object(members, false)
            }
            MetaValue::Raw(raw) => raw,
        }
    }
}

/// Values of the wrong type for every field (a string is wrong for `actions`/`capabilities`).
pub(crate) const META_WRONG: &[&str] = &[
    "1",
    "-0.5",
    "null",
    "true",
    "[]",
    "{}",
    "[\"a\",1]",
    "[1]",
    "{\"a\":\"b\"}",
    "\"x\"",
];
/// `type` values: both variants, wrong spellings, wrong types, and serde's map spelling of a
/// unit variant (which MIDIMon's derived enum accepts, see `conformance::daemon`'s known differences).
pub(crate) const TYPE_VALUES: &[&str] = &[
    "\"action\"",
    "\"trigger\"",
    "\"\\u0061ction\"",
    "\"wasm\"",
    "\"Action\"",
    "\"\"",
    "1",
    "null",
    "[\"action\"]",
    "{\"action\":null}",
    "{\"trigger\":null}",
    "{\"wasm\":null}",
    "{\"action\":1}",
];
pub(crate) const ACTION_POOL: &[&str] = &["a", "b", "my_action", "", "é", "A", "\u{0}"];
/// The six names MIDIMon knows, repeats of some, the manifest spelling of `systemcontrol`, and
/// near misses.
pub(crate) const CAPABILITY_POOL: &[&str] = &[
    "network",
    "filesystem",
    "audio",
    "midi",
    "subprocess",
    "systemcontrol",
    "network",
    "midi",
    "system_control",
    "gpu",
    "Network",
    "",
    "midi ",
];
pub(crate) const LICENSES: &[&str] = &["MIT", "Apache-2.0", "MIT OR Apache-2.0", ""];
/// Versions that are not semantic versions, one rule broken each.
pub(crate) const BAD_VERSIONS: &[&str] = &[
    "1.0", "01.0.0", "1.0.0-01", "1.0.0-", "1.0.0+", "v1.0.0", "1.0.0 ", "1.2.3.4", "",
];
/// Unknown members whose value core-abi holds to strict JSON and MIDIMon skips leniently: lone
/// and reversed surrogate escapes, and nesting past core-abi's limit (with the object, 129+).
pub(crate) fn hostile_unknown_value() -> BoxedStrategy<String> {
    prop_oneof![
        select(
            &[
                "\"\\ud800\"",
                "\"\\udc00\\ud800\"",
                "{\"\\uDBFF\":1}",
                "[\"\\uD83C\"]"
            ][..]
        )
        .prop_map(str::to_owned),
        (126usize..=130).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
    ]
    .boxed()
}

pub(crate) fn action_name() -> BoxedStrategy<String> {
    prop_oneof![select(ACTION_POOL).prop_map(str::to_owned), text()].boxed()
}

/// Members of an action written as an object, other than its string `name`.
pub(crate) fn action_member() -> BoxedStrategy<(String, MetaValue)> {
    prop_oneof![
        2 => text().prop_map(|d| ("description".to_owned(), MetaValue::Str(d))),
        1 => select(&["1", "null", "{}", "[\"x\"]"][..])
            .prop_map(|v| ("name".to_owned(), MetaValue::Raw(v.to_owned()))),
        1 => action_name().prop_map(|v| ("id".to_owned(), MetaValue::Str(v))),
        1 => (unknown_key_text(), json_text(true)).prop_map(|(k, v)| (k, MetaValue::Raw(v))),
    ]
    .boxed()
}

/// An action as an object with a string `name` among other members (possibly a second `name`).
pub(crate) fn action_object() -> BoxedStrategy<MetaValue> {
    (action_name(), vec(action_member(), 0..3), any::<Index>())
        .prop_map(|(name, mut members, at)| {
            let at = at.index(members.len() + 1);
            members.insert(at, ("name".to_owned(), MetaValue::Str(name)));
            MetaValue::Object(members)
        })
        .boxed()
}

/// An `actions` value: strings (the README's form), objects with a `name` (MIDIMon's examples'
/// form), a mix, objects without a string name, or the wrong type.
pub(crate) fn actions_value() -> BoxedStrategy<MetaValue> {
    let item = prop_oneof![
        3 => action_name().prop_map(MetaValue::Str),
        3 => action_object(),
        1 => vec(action_member(), 0..3).prop_map(MetaValue::Object),
    ];
    prop_oneof![
        6 => vec(action_name(), 0..4).prop_map(MetaValue::Strings),
        3 => vec(action_object(), 0..4).prop_map(MetaValue::Items),
        2 => vec(item, 1..4).prop_map(MetaValue::Items),
        1 => select(META_WRONG).prop_map(|s| MetaValue::Raw(s.to_owned())),
    ]
    .boxed()
}

/// A `capabilities` value: names from the pool (some in serde's map spelling), or the wrong type.
pub(crate) fn capabilities_value() -> BoxedStrategy<MetaValue> {
    let item = prop_oneof![
        16 => select(CAPABILITY_POOL).prop_map(|s| MetaValue::Str(s.to_owned())),
        1 => select(CAPABILITY_POOL).prop_map(|s| MetaValue::Raw(format!("{{\"{s}\":null}}"))),
        1 => select(META_WRONG).prop_map(|s| MetaValue::Raw(s.to_owned())),
    ];
    prop_oneof![
        8 => vec(item, 0..4).prop_map(MetaValue::Items),
        1 => select(META_WRONG).prop_map(|s| MetaValue::Raw(s.to_owned())),
    ]
    .boxed()
}

pub(crate) fn homepage_value() -> BoxedStrategy<MetaValue> {
    prop_oneof![
        3 => text().prop_map(MetaValue::Str),
        1 => Just(MetaValue::Raw("null".to_owned())),
        1 => select(META_WRONG).prop_map(|s| MetaValue::Raw(s.to_owned())),
    ]
    .boxed()
}

pub(crate) fn version_value() -> BoxedStrategy<MetaValue> {
    prop_oneof![
        6 => semver().prop_map(MetaValue::Str),
        1 => select(BAD_VERSIONS).prop_map(|s| MetaValue::Str(s.to_owned())),
        1 => text().prop_map(MetaValue::Str),
    ]
    .boxed()
}

/// One more member for a metadata document: any field MIDIMon or the README knows (so, often a
/// duplicate), with a right or a wrong value, or an unknown member.
pub(crate) fn meta_member() -> BoxedStrategy<(String, MetaValue)> {
    let wrong = || select(META_WRONG).prop_map(|s| MetaValue::Raw(s.to_owned()));
    let string = || prop_oneof![4 => text().prop_map(MetaValue::Str), 1 => wrong()];
    let text_field = select(&["name", "description", "author", "license"][..]);
    prop_oneof![
        4 => (text_field, string()).prop_map(|(k, v)| (k.to_owned(), v)),
        2 => prop_oneof![version_value(), wrong()].prop_map(|v| ("version".to_owned(), v)),
        2 => select(TYPE_VALUES).prop_map(|v| ("type".to_owned(), MetaValue::Raw(v.to_owned()))),
        2 => homepage_value().prop_map(|v| ("homepage".to_owned(), v)),
        2 => actions_value().prop_map(|v| ("actions".to_owned(), v)),
        2 => capabilities_value().prop_map(|v| ("capabilities".to_owned(), v)),
        2 => (unknown_key_text(), json_text(true)).prop_map(|(k, v)| (k, MetaValue::Raw(v))),
        1 => (text(), hostile_unknown_value()).prop_map(|(k, v)| (k, MetaValue::Raw(v))),
    ]
    .boxed()
}

/// Metadata documents: usually MIDIMon's six required fields (one sometimes dropped), each drawn
/// to break a rule now and then, plus `actions` and often `capabilities`/`homepage`, then now
/// and then more members (duplicates, wrong types, unknown ones), in random order and style.
pub(crate) fn metadata_document() -> impl Strategy<Value = String> {
    let name = prop_oneof![8 => non_empty_text(), 1 => Just(String::new())];
    let license = prop_oneof![select(LICENSES).prop_map(str::to_owned), text()];
    let plugin_type = select(&["action", "trigger"][..]);
    let required = (
        (name, version_value(), text(), text(), license, plugin_type),
        proptest::option::weighted(0.9, actions_value()),
        proptest::option::of(prop_oneof![
            3 => subsequence(Capability::ALL.map(Capability::name).to_vec(), 0..=6)
                .prop_shuffle()
                .prop_map(|names| MetaValue::Strings(names.into_iter().map(str::to_owned).collect())),
            1 => capabilities_value(),
        ]),
        proptest::option::weighted(0.3, homepage_value()),
        proptest::option::weighted(0.2, 0..6usize),
    )
        .prop_map(
            |(
                (name, version, description, author, license, plugin_type),
                actions,
                capabilities,
                homepage,
                drop,
            )| {
                let mut members = vec![
                    ("name".to_owned(), MetaValue::Str(name)),
                    ("version".to_owned(), version),
                    ("description".to_owned(), MetaValue::Str(description)),
                    ("author".to_owned(), MetaValue::Str(author)),
                    ("license".to_owned(), MetaValue::Str(license)),
                    ("type".to_owned(), MetaValue::Str(plugin_type.to_owned())),
                ];
                if let Some(i) = drop {
                    members.remove(i);
                }
                let optional = [
                    ("actions", actions),
                    ("capabilities", capabilities),
                    ("homepage", homepage),
                ];
                for (key, value) in optional {
                    if let Some(value) = value {
                        members.push((key.to_owned(), value));
                    }
                }
                members
            },
        );
    let required = prop_oneof![12 => required, 1 => Just(Vec::new())];
    let extra = prop_oneof![3 => Just(Vec::new()), 2 => vec(meta_member(), 1..3)];
    let style = select(&[Style::Serde, Style::AllEscaped, Style::Mixed][..]);
    (required, extra, style, any::<u64>()).prop_map(|(mut members, extra, style, seed)| {
        members.extend(extra);
        let mut w = Writer::new(style, seed);
        let rendered = members
            .into_iter()
            .map(|(key, value)| (key, value.render(&mut w)))
            .collect();
        w.object(rendered, true)
    })
}
