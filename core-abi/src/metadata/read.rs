//! Reading metadata JSON as a host does: what MIDIMon requires, then what the README asks.
//!
//! One pass over already-validated JSON collects both. The fields MIDIMon deserializes decide
//! whether [`read_metadata_json`] succeeds; the README's rules are only recorded, and
//! [`MetadataView::conformance_issues`] reports them, so a host can fail on the first and warn
//! on the second.

use super::{check_actions, is_semver, Capability, CapabilitySet, MetadataError, PluginType};
use crate::abi::MAX_METADATA_LEN;
use crate::error::ErrorCode;
use crate::json::Scanner;
use crate::json::Text;

/// How the `actions` field lists the actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionsForm {
    /// `["a","b"]`, as the template README writes it.
    Strings,
    /// `[{"name":"a",...},...]`, as MIDIMon's own example plugins write it.
    Objects,
}

/// An `actions` array whose items are all strings or all objects with a string `name`.
#[derive(Debug, Clone, Copy)]
struct ActionList<'a> {
    raw: &'a [u8],
    count: usize,
    form: ActionsForm,
}

/// Metadata that MIDIMon would load, borrowed from the JSON it was read from.
#[derive(Debug, Clone, Copy)]
pub struct MetadataView<'a> {
    /// Plugin name.
    pub name: Text<'a>,
    /// Version (a semantic version unless [`conformance_issues`](Self::conformance_issues)
    /// says otherwise).
    pub version: Text<'a>,
    /// Description.
    pub description: Text<'a>,
    /// Author.
    pub author: Text<'a>,
    /// License.
    pub license: Text<'a>,
    /// Plugin type.
    pub plugin_type: PluginType,
    /// Homepage, when given as a string.
    pub homepage: Option<Text<'a>>,
    /// Declared capabilities.
    pub capabilities: CapabilitySet,
    len: usize,
    actions: Result<ActionList<'a>, MetadataError>,
    duplicate_capability: Option<usize>,
}

impl<'a> MetadataView<'a> {
    /// The declared action names, in order (none when `actions` is absent or unreadable).
    pub fn actions(&self) -> impl Iterator<Item = Text<'a>> + Clone + 'a {
        let list = self.actions.ok();
        let (raw, form) = list.map_or((&[][..], ActionsForm::Strings), |l| (l.raw, l.form));
        items(raw, form)
    }

    /// Number of declared actions.
    pub fn action_count(&self) -> usize {
        self.actions.map_or(0, |l| l.count)
    }

    /// How `actions` is written, when it is a readable list.
    pub fn actions_form(&self) -> Option<ActionsForm> {
        self.actions.ok().map(|l| l.form)
    }

    /// Position of `action` in the declared list, e.g. for a binary request's action index.
    pub fn action_index(&self, action: &str) -> Option<usize> {
        self.actions().position(|a| a.eq_str(action))
    }

    /// The template README's rules this metadata breaks, in a fixed order: size, name,
    /// version, actions (missing, mistyped, empty, duplicated; then written as objects),
    /// capabilities declared twice. MIDIMon loads the plugin regardless.
    pub fn conformance_issues(&self) -> impl Iterator<Item = MetadataError> {
        let version_ok = match self.version.as_plain() {
            Some(plain) => is_semver(plain.as_bytes()),
            // A version is ASCII, so it is almost always written without escapes and checked
            // in place; an escaped one is decoded first (and held to 256 bytes).
            None => self
                .version
                .decode_into(&mut [0u8; 256])
                .is_some_and(|v| is_semver(v.as_bytes())),
        };
        let actions = match self.actions {
            Err(e) => Some(e),
            Ok(_) => check_actions(self.actions()).err(),
        };
        [
            (self.len > MAX_METADATA_LEN).then_some(MetadataError::TooLarge { len: self.len }),
            self.name.is_empty().then_some(MetadataError::EmptyName),
            (!version_ok).then_some(MetadataError::InvalidVersion),
            actions,
            (self.actions_form() == Some(ActionsForm::Objects))
                .then_some(MetadataError::ActionsAsObjects),
            self.duplicate_capability
                .map(|index| MetadataError::DuplicateCapability { index }),
        ]
        .into_iter()
        .flatten()
    }
}

/// Reads metadata JSON as MIDIMon `f4f371c` does, and records the README's rules for
/// [`MetadataView::conformance_issues`].
///
/// Fails when MIDIMon's `init` would: not strict UTF-8 JSON (nested at most 128 levels), not an
/// object, a missing or non-string `name`, `version`, `description`, `author` or `license`, a
/// `type` other than `"action"` or `"trigger"`, a `homepage` that is neither a string nor
/// null, a `capabilities` value that is not an array of the six known names, or one of these
/// fields twice. Other fields, `actions` included, are not MIDIMon's business. A syntax fault
/// anywhere wins over a shape fault; among shape faults the first in the text is reported, then
/// the first missing field.
///
/// This reader is stricter than MIDIMon's serde parse in three corners no plugin toolchain
/// writes (each is pinned by the reference model in the `conformance` crate): syntax inside a
/// member MIDIMon does not read (a lone surrogate escape, nesting past 128 levels), which serde
/// skips unchecked; a top-level array, which serde also reads as the fields in order; and an
/// enum written in serde's map form (`"type":{"action":null}`).
///
/// ```
/// use core_abi::metadata::read_metadata_json;
/// let json = br#"{"name":"p","version":"1.0","description":"","author":"","license":"MIT",
///     "type":"action","actions":["a","b"],"capabilities":["network"]}"#;
/// let meta = read_metadata_json(json).unwrap();
/// assert_eq!(meta.action_index("b"), Some(1));
/// assert_eq!(meta.conformance_issues().count(), 1); // "1.0" is not a semantic version
/// ```
pub fn read_metadata_json(json: &[u8]) -> Result<MetadataView<'_>, MetadataError> {
    const TEXT_FIELDS: [&str; 5] = ["name", "version", "description", "author", "license"];
    crate::json::validate(json).map_err(|code| match code {
        ErrorCode::InvalidUtf8 => MetadataError::InvalidUtf8,
        ErrorCode::NestingTooDeep => MetadataError::NestingTooDeep,
        _ => MetadataError::MalformedJson,
    })?;
    // From here on the text is known to be valid JSON: only its shape is checked.
    let mut s = Scanner::new(json);
    s.skip_ws();
    if !s.eat(b'{') {
        return Err(MetadataError::NotAnObject);
    }
    let mut fields: [Option<Text<'_>>; 5] = [None; 5];
    let mut plugin_type: Option<PluginType> = None;
    let mut homepage: Option<Option<Text<'_>>> = None;
    let mut capabilities: Option<(CapabilitySet, Option<usize>)> = None;
    let mut actions: Option<Result<ActionList<'_>, MetadataError>> = None;
    let mut first_error: Option<MetadataError> = None;
    let mut first = true;
    while let Some(key) = s.next_key(first) {
        first = false;
        let outcome = if let Some(i) = TEXT_FIELDS.iter().position(|k| key.eq_str(k)) {
            string_field(&mut s, TEXT_FIELDS[i])
                .and_then(|v| set_once(&mut fields[i], v, TEXT_FIELDS[i]))
        } else if key.eq_str("type") {
            type_field(&mut s).and_then(|t| set_once(&mut plugin_type, t, "type"))
        } else if key.eq_str("homepage") {
            homepage_field(&mut s).and_then(|h| set_once(&mut homepage, h, "homepage"))
        } else if key.eq_str("capabilities") {
            capability_array(&mut s).and_then(|c| set_once(&mut capabilities, c, "capabilities"))
        } else if key.eq_str("actions") {
            let list = action_list(&mut s);
            let repeated = actions.replace(list).is_some();
            if repeated {
                actions = Some(Err(MetadataError::DuplicateField("actions")));
            }
            Ok(())
        } else {
            s.skip_value(1);
            Ok(())
        };
        if let Err(e) = outcome {
            first_error.get_or_insert(e);
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let [name, version, description, author, license] = fields;
    let missing = MetadataError::MissingField;
    let (capabilities, duplicate_capability) = capabilities.unwrap_or_default();
    Ok(MetadataView {
        name: name.ok_or(missing("name"))?,
        version: version.ok_or(missing("version"))?,
        description: description.ok_or(missing("description"))?,
        author: author.ok_or(missing("author"))?,
        license: license.ok_or(missing("license"))?,
        plugin_type: plugin_type.ok_or(missing("type"))?,
        homepage: homepage.flatten(),
        capabilities,
        len: json.len(),
        actions: actions.unwrap_or(Err(missing("actions"))),
        duplicate_capability,
    })
}

/// Validates metadata JSON against both MIDIMon's requirements and the template README's
/// rules (see the [module documentation](super)); the first fault is the error.
///
/// ```
/// use core_abi::metadata::validate_metadata_json;
/// let json = br#"{"name":"p","version":"1.0.0","description":"d","author":"a","license":"MIT",
///     "type":"action","actions":["a","b"],"capabilities":["network"]}"#;
/// let meta = validate_metadata_json(json).unwrap();
/// assert_eq!(meta.action_index("b"), Some(1));
/// assert!(meta.capabilities.contains(core_abi::Capability::Network));
/// ```
pub fn validate_metadata_json(json: &[u8]) -> Result<MetadataView<'_>, MetadataError> {
    if json.len() > MAX_METADATA_LEN {
        return Err(MetadataError::TooLarge { len: json.len() });
    }
    let view = read_metadata_json(json)?;
    match view.conformance_issues().next() {
        Some(issue) => Err(issue),
        None => Ok(view),
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, field: &'static str) -> Result<(), MetadataError> {
    if slot.replace(value).is_some() {
        return Err(MetadataError::DuplicateField(field));
    }
    Ok(())
}

fn string_field<'a>(s: &mut Scanner<'a>, field: &'static str) -> Result<Text<'a>, MetadataError> {
    if s.peek() == b'"' {
        return Ok(s.string());
    }
    s.skip_value(1);
    Err(MetadataError::WrongType(field))
}

fn type_field(s: &mut Scanner<'_>) -> Result<PluginType, MetadataError> {
    let text = string_field(s, "type")?;
    [PluginType::Action, PluginType::Trigger]
        .into_iter()
        .find(|t| text.eq_str(t.name()))
        .ok_or(MetadataError::UnknownType)
}

/// `homepage`: a string, or null (MIDIMon reads it as an `Option<String>`).
fn homepage_field<'a>(s: &mut Scanner<'a>) -> Result<Option<Text<'a>>, MetadataError> {
    if s.peek() == b'n' {
        s.skip_value(1);
        return Ok(None);
    }
    string_field(s, "homepage").map(Some)
}

/// The items of an already validated array whose items are all of `form`: the strings, or the
/// `name` of each object.
fn items(raw: &[u8], form: ActionsForm) -> impl Iterator<Item = Text<'_>> + Clone + '_ {
    let mut scanner = Scanner::new(raw);
    scanner.expect(b'[');
    core::iter::from_fn(move || {
        scanner.skip_ws();
        if scanner.eat(b']') || scanner.failed() {
            return None;
        }
        scanner.eat(b',');
        scanner.skip_ws();
        let item = match form {
            ActionsForm::Strings => Some(scanner.string()),
            ActionsForm::Objects => object_name(&mut scanner),
        };
        item.filter(|_| !scanner.failed())
    })
}

/// Skips the object at the cursor and returns its first string `name` member.
fn object_name<'a>(s: &mut Scanner<'a>) -> Option<Text<'a>> {
    s.expect(b'{');
    let mut name = None;
    let mut first = true;
    while let Some(key) = s.next_key(first) {
        first = false;
        if name.is_none() && key.eq_str("name") && s.peek() == b'"' {
            name = Some(s.string());
        } else {
            s.skip_value(2);
        }
    }
    name
}

/// An `actions` value: an array of strings, or of objects with a string `name`.
fn action_list<'a>(s: &mut Scanner<'a>) -> Result<ActionList<'a>, MetadataError> {
    let wrong = MetadataError::WrongType("actions");
    let start = s.pos();
    let is_array = s.peek() == b'[';
    s.skip_value(1);
    if !is_array {
        return Err(wrong);
    }
    let raw = s.slice_from(start);
    let mut items = Scanner::new(raw);
    items.expect(b'[');
    let mut count = 0;
    let mut form = None;
    loop {
        items.skip_ws();
        if items.eat(b']') || items.failed() {
            break;
        }
        items.eat(b',');
        items.skip_ws();
        let this = match items.peek() {
            b'"' => {
                items.string();
                ActionsForm::Strings
            }
            b'{' if object_name(&mut items).is_some() => ActionsForm::Objects,
            _ => return Err(wrong),
        };
        if form.is_some_and(|f| f != this) {
            return Err(wrong);
        }
        form = Some(this);
        count += 1;
    }
    Ok(ActionList {
        raw,
        count,
        form: form.unwrap_or(ActionsForm::Strings),
    })
}

/// `capabilities`: an array of known names. Returns the set and the position of the first
/// repeat (MIDIMon accepts repeats; the README does not).
fn capability_array(s: &mut Scanner<'_>) -> Result<(CapabilitySet, Option<usize>), MetadataError> {
    let wrong = MetadataError::WrongType("capabilities");
    let start = s.pos();
    let is_array = s.peek() == b'[';
    s.skip_value(1);
    let raw = s.slice_from(start);
    // The text is valid JSON, so the array holds only strings iff every item starts with a quote.
    if !is_array || items(raw, ActionsForm::Strings).count() != array_len(raw) {
        return Err(wrong);
    }
    let mut set = CapabilitySet::EMPTY;
    let mut repeat = None;
    for (index, name) in items(raw, ActionsForm::Strings).enumerate() {
        let capability = Capability::ALL
            .into_iter()
            .find(|c| name.eq_str(c.name()))
            .ok_or(MetadataError::UnknownCapability { index })?;
        if !set.insert(capability) {
            repeat.get_or_insert(index);
        }
    }
    Ok((set, repeat))
}

/// Number of items of an already validated JSON array.
fn array_len(raw: &[u8]) -> usize {
    let mut items = Scanner::new(raw);
    items.expect(b'[');
    let mut count = 0;
    loop {
        items.skip_ws();
        if items.eat(b']') || items.failed() {
            return count;
        }
        items.eat(b',');
        items.skip_ws();
        items.skip_value(2);
        count += 1;
    }
}
