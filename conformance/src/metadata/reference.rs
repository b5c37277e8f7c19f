//! The documented metadata rules, written out again over the tree: load verdict, fields,
//! README issues in order, with its own semver grammar ([`semver_spec`]).

use core_abi::metadata::{ActionsForm, MetadataError, PluginType};
use core_abi::Capability;
use serde::de::DeserializeSeed;

use super::tree::{Keep, Tree, TreeSeed};
use crate::verdict::{classify, Verdict};

/// The reference's reading of metadata that MIDIMon loads.
#[derive(Debug, Clone, PartialEq)]
pub struct RefMetadata {
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: String,
    /// `description`.
    pub description: String,
    /// `author`.
    pub author: String,
    /// `license`.
    pub license: String,
    /// `type`.
    pub plugin_type: PluginType,
    /// `homepage` when it is a string (`null` and absent are both `None`).
    pub homepage: Option<String>,
    /// `capabilities` in the document's order, repeats included (empty when absent).
    pub capabilities: Vec<Capability>,
    /// `actions` when it is a single readable list: the names, and how they are written.
    pub actions: Option<(Vec<String>, ActionsForm)>,
    /// The template README's rules it breaks, in `conformance_issues` order.
    pub issues: Vec<MetadataError>,
}

/// Semantic Versioning 2.0.0, written from the grammar at semver.org (independently of
/// core-abi's `is_semver`), with no limit on length or on the size of numbers.
pub fn semver_spec(v: &str) -> bool {
    fn numeric(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    }
    fn identifier(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    }
    let (rest, build) = match v.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (v, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| numeric(p))
        && pre.is_none_or(|pre| {
            pre.split('.').all(|id| {
                identifier(id) && (!id.bytes().all(|b| b.is_ascii_digit()) || numeric(id))
            })
        })
        && build.is_none_or(|build| build.split('.').all(identifier))
}

/// How the reference lets an enum value (`type`, a capability) be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EnumSpelling {
    /// As a string, which is what the rules (and core-abi) accept.
    Str,
    /// Also as serde's externally tagged form of a unit variant, `{"action":null}`: MIDIMon's
    /// derived `Deserialize` accepts it, core-abi does not. Only used to confirm that this is
    /// the sole reason of a disagreement with MIDIMon's struct (see
    /// [`known_daemon_difference`], exception `ENUM_WRITTEN_AS_MAP`).
    StrOrMap,
}

/// The variant name an enum value spells, if it is spelled in a way `spelling` allows.
pub(crate) fn variant_name(value: &Tree, spelling: EnumSpelling) -> Option<&str> {
    match value {
        Tree::Str(name, _) => Some(name),
        Tree::Obj(members) if spelling == EnumSpelling::StrOrMap => match members.as_slice() {
            [(name, Tree::Null)] => Some(name),
            _ => None,
        },
        _ => None,
    }
}

/// The capability MIDIMon spells `name` (its six names, lowercase, one word).
pub(crate) fn capability_named(name: &str) -> Option<Capability> {
    Some(match name {
        "network" => Capability::Network,
        "filesystem" => Capability::Filesystem,
        "audio" => Capability::Audio,
        "midi" => Capability::Midi,
        "subprocess" => Capability::Subprocess,
        "systemcontrol" => Capability::SystemControl,
        _ => return None,
    })
}

/// `capabilities`: an array of strings (else the wrong type), each a known name (else the first
/// unknown one).
pub(crate) fn capability_list(
    value: &Tree,
    spelling: EnumSpelling,
) -> Result<Vec<Capability>, MetadataError> {
    let Tree::Arr(items) = value else {
        return Err(MetadataError::WrongType("capabilities"));
    };
    let names: Vec<&str> = items
        .iter()
        .map(|item| variant_name(item, spelling))
        .collect::<Option<_>>()
        .ok_or(MetadataError::WrongType("capabilities"))?;
    names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            capability_named(name).ok_or(MetadataError::UnknownCapability { index })
        })
        .collect()
}

/// `actions` (every occurrence of it): one array of strings, or of objects each with a string
/// `name` (the first such member); twice is a duplicate whatever the values.
pub(crate) fn action_list(values: &[&Tree]) -> Result<(Vec<String>, ActionsForm), MetadataError> {
    let value = match values {
        [] => return Err(MetadataError::MissingField("actions")),
        [one] => *one,
        _ => return Err(MetadataError::DuplicateField("actions")),
    };
    let Tree::Arr(items) = value else {
        return Err(MetadataError::WrongType("actions"));
    };
    let strings: Option<Vec<String>> = items
        .iter()
        .map(|item| match item {
            Tree::Str(s, _) => Some(s.clone()),
            _ => None,
        })
        .collect();
    if let Some(names) = strings {
        return Ok((names, ActionsForm::Strings));
    }
    let named: Option<Vec<String>> = items
        .iter()
        .map(|item| match item {
            Tree::Obj(members) => members.iter().find_map(|(key, value)| match value {
                Tree::Str(s, _) if key == "name" => Some(s.clone()),
                _ => None,
            }),
            _ => None,
        })
        .collect();
    named
        .map(|names| (names, ActionsForm::Objects))
        .ok_or(MetadataError::WrongType("actions"))
}

/// The README's rules on a list of action names: at least one, none empty, none twice.
pub(crate) fn action_names_fault(names: &[String]) -> Option<MetadataError> {
    if names.is_empty() {
        return Some(MetadataError::NoActions);
    }
    names.iter().enumerate().find_map(|(index, name)| {
        if name.is_empty() {
            Some(MetadataError::EmptyAction { index })
        } else if names[..index].contains(name) {
            Some(MetadataError::DuplicateAction { index })
        } else {
            None
        }
    })
}

/// Position of the first capability that repeats an earlier one.
pub(crate) fn first_repeat(capabilities: &[Capability]) -> Option<usize> {
    (0..capabilities.len()).find(|&i| capabilities[..i].contains(&capabilities[i]))
}

/// `slot = value`, or the duplicate fault when it was already set.
pub(crate) fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    field: &'static str,
) -> Option<MetadataError> {
    slot.replace(value)
        .map(|_| MetadataError::DuplicateField(field))
}

/// `read_metadata_json` by the documented rules, on serde_json's tree: `Err` is the load
/// failure a well-formed document gets, `Verdict::Accept` what MIDIMon loads (with the README
/// issues), `Verdict::Syntax`/`Undecided` what serde_json refuses to parse (see
/// `verdict::classify`).
/// Size plays no part in reading; `TooLarge` is only listed among the issues.
pub fn reference_metadata(json: &[u8]) -> Result<Verdict<RefMetadata>, MetadataError> {
    reference_metadata_spelled(json, EnumSpelling::Str)
}

pub(crate) fn reference_metadata_spelled(
    json: &[u8],
    spelling: EnumSpelling,
) -> Result<Verdict<RefMetadata>, MetadataError> {
    const TEXT: [&str; 5] = ["name", "version", "description", "author", "license"];
    let mut de = serde_json::Deserializer::from_slice(json);
    let tree = match TreeSeed(Keep::Document)
        .deserialize(&mut de)
        .and_then(|tree| de.end().map(|()| tree))
    {
        Ok(tree) => tree,
        Err(e) => return Ok(classify(&e)),
    };
    let Tree::Obj(members) = tree else {
        return Err(MetadataError::NotAnObject);
    };
    let mut text: [Option<(String, bool)>; 5] = Default::default();
    let mut plugin_type = None;
    let mut homepage: Option<Option<String>> = None;
    let mut capabilities: Option<Vec<Capability>> = None;
    let mut actions: Vec<&Tree> = Vec::new();
    let mut first_fault = None;
    // MIDIMon's fields in text order: a value's own fault first, then the repeat.
    for (key, value) in &members {
        let fault = match key.as_str() {
            "actions" => {
                actions.push(value);
                None
            }
            "type" => match variant_name(value, spelling) {
                Some("action") => set_once(&mut plugin_type, PluginType::Action, "type"),
                Some("trigger") => set_once(&mut plugin_type, PluginType::Trigger, "type"),
                Some(_) => Some(MetadataError::UnknownType),
                None => Some(MetadataError::WrongType("type")),
            },
            "homepage" => match value {
                Tree::Null => set_once(&mut homepage, None, "homepage"),
                Tree::Str(s, _) => set_once(&mut homepage, Some(s.clone()), "homepage"),
                _ => Some(MetadataError::WrongType("homepage")),
            },
            "capabilities" => match capability_list(value, spelling) {
                Ok(list) => set_once(&mut capabilities, list, "capabilities"),
                Err(fault) => Some(fault),
            },
            key => match TEXT.iter().position(|field| *field == key) {
                Some(i) => match value {
                    Tree::Str(s, escaped) => set_once(&mut text[i], (s.clone(), *escaped), TEXT[i]),
                    _ => Some(MetadataError::WrongType(TEXT[i])),
                },
                None => None,
            },
        };
        first_fault = first_fault.or(fault);
    }
    if let Some(fault) = first_fault {
        return Err(fault);
    }
    let mut present = Vec::new();
    for (field, value) in TEXT.into_iter().zip(text) {
        present.push(value.ok_or(MetadataError::MissingField(field))?);
    }
    let plugin_type = plugin_type.ok_or(MetadataError::MissingField("type"))?;
    let [name, (version, version_escaped), description, author, license]: [(String, bool); 5] =
        present.try_into().expect("five text fields");
    let capabilities = capabilities.unwrap_or_default();
    let actions = action_list(&actions);

    let mut issues = Vec::new();
    if json.len() > core_abi::abi::MAX_METADATA_LEN {
        issues.push(MetadataError::TooLarge { len: json.len() });
    }
    if name.0.is_empty() {
        issues.push(MetadataError::EmptyName);
    }
    // A deliberate limit of core-abi: a version written with escapes is decoded into 256 bytes
    // before it is checked. Unescaped versions have no limit.
    if !semver_spec(&version) || (version_escaped && version.len() > 256) {
        issues.push(MetadataError::InvalidVersion);
    }
    match &actions {
        Err(fault) => issues.push(*fault),
        Ok((names, form)) => {
            issues.extend(action_names_fault(names));
            if *form == ActionsForm::Objects {
                issues.push(MetadataError::ActionsAsObjects);
            }
        }
    }
    if let Some(index) = first_repeat(&capabilities) {
        issues.push(MetadataError::DuplicateCapability { index });
    }
    Ok(Verdict::Accept(RefMetadata {
        name: name.0,
        version,
        description: description.0,
        author: author.0,
        license: license.0,
        plugin_type,
        homepage: homepage.flatten(),
        capabilities,
        actions: actions.ok(),
        issues,
    }))
}
