//! Plugin metadata: what `init` returns, how a plugin builds it, and how a host validates it.
//!
//! ```json
//! {"name":"my-plugin","version":"0.1.0","description":"...","author":"...",
//!  "actions":["my_action"],"capabilities":["filesystem"]}
//! ```
//!
//! A plugin can serialize [`PluginMetadata`] at run time (serde-json-core into a fixed buffer),
//! or, better, produce the JSON at compile time with [`plugin_metadata_json!`](crate::plugin_metadata_json)
//! so that `init` only returns a pointer. Hosts check what they receive with
//! [`validate_metadata_json`], which applies the same rules the macro enforces at compile time.

use core::fmt;

use serde::Serialize;

use crate::abi::MAX_METADATA_LEN;
use crate::error::ErrorCode;
use crate::json::Scanner;
use crate::text::Text;

/// A permission a plugin asks for; the host grants it at load time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    /// A sandboxed, preopened directory (and nothing else of the file system).
    Filesystem,
    /// Sockets.
    Network,
}

impl Capability {
    /// Every capability the ABI knows.
    pub const ALL: [Capability; 2] = [Capability::Filesystem, Capability::Network];

    /// The name used in metadata JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Capability::Filesystem => "filesystem",
            Capability::Network => "network",
        }
    }

    /// The capability with this exact name.
    pub const fn from_name(name: &str) -> Option<Capability> {
        if bytes_eq(name.as_bytes(), b"filesystem") {
            Some(Capability::Filesystem)
        } else if bytes_eq(name.as_bytes(), b"network") {
            Some(Capability::Network)
        } else {
            None
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The set of capabilities a plugin declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CapabilitySet {
    /// `filesystem` was declared.
    pub filesystem: bool,
    /// `network` was declared.
    pub network: bool,
}

impl CapabilitySet {
    /// Whether `capability` is in the set.
    pub const fn contains(&self, capability: Capability) -> bool {
        match capability {
            Capability::Filesystem => self.filesystem,
            Capability::Network => self.network,
        }
    }

    fn insert(&mut self, capability: Capability) -> bool {
        let slot = match capability {
            Capability::Filesystem => &mut self.filesystem,
            Capability::Network => &mut self.network,
        };
        !core::mem::replace(slot, true)
    }
}

/// A plugin's metadata, as the plugin author writes it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PluginMetadata<'a> {
    /// Plugin name, as MIDIMon's `config.toml` refers to it.
    pub name: &'a str,
    /// Semantic version (`MAJOR.MINOR.PATCH[-pre][+build]`).
    pub version: &'a str,
    /// One line saying what the plugin does.
    pub description: &'a str,
    /// Who wrote it.
    pub author: &'a str,
    /// The actions `execute` accepts, by exact name.
    pub actions: &'a [&'a str],
    /// Permissions the plugin needs.
    pub capabilities: &'a [Capability],
}

impl PluginMetadata<'_> {
    /// Checks the rules hosts enforce (see [`validate_metadata_json`]), except the size limit.
    pub fn validate(&self) -> Result<(), MetadataError> {
        if self.name.is_empty() {
            return Err(MetadataError::EmptyName);
        }
        if !is_semver(self.version.as_bytes()) {
            return Err(MetadataError::InvalidVersion);
        }
        check_actions(self.actions.iter().map(|a| Text::plain(a)))?;
        let mut seen = CapabilitySet::default();
        for (index, &capability) in self.capabilities.iter().enumerate() {
            if !seen.insert(capability) {
                return Err(MetadataError::DuplicateCapability { index });
            }
        }
        Ok(())
    }

    /// Serializes to JSON into `buf` (serde-json-core) and returns the text written.
    pub fn to_json<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, MetadataError> {
        let len =
            serde_json_core::to_slice(self, buf).map_err(|_| MetadataError::BufferTooSmall)?;
        core::str::from_utf8(&buf[..len]).map_err(|_| MetadataError::InvalidUtf8)
    }
}

/// Why metadata was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataError {
    /// The JSON is larger than [`MAX_METADATA_LEN`].
    TooLarge {
        /// Its length in bytes.
        len: usize,
    },
    /// The bytes are not valid UTF-8.
    InvalidUtf8,
    /// The bytes are not strict JSON.
    MalformedJson,
    /// The JSON nests deeper than the scanner allows.
    NestingTooDeep,
    /// The top-level value is not an object.
    NotAnObject,
    /// A required field is absent.
    MissingField(&'static str),
    /// A field has the wrong JSON type.
    WrongType(&'static str),
    /// A field appears twice.
    DuplicateField(&'static str),
    /// `name` is the empty string.
    EmptyName,
    /// `version` is not a semantic version.
    InvalidVersion,
    /// `actions` is empty.
    NoActions,
    /// An action name is the empty string.
    EmptyAction {
        /// Position in `actions`.
        index: usize,
    },
    /// An action name repeats an earlier one.
    DuplicateAction {
        /// Position of the repeat in `actions`.
        index: usize,
    },
    /// A capability is not one of `filesystem`, `network`.
    UnknownCapability {
        /// Position in `capabilities`.
        index: usize,
    },
    /// A capability is declared twice.
    DuplicateCapability {
        /// Position of the repeat in `capabilities`.
        index: usize,
    },
    /// The output buffer is too small for the JSON.
    BufferTooSmall,
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetadataError::TooLarge { len } => {
                write!(
                    f,
                    "metadata is {len} bytes, more than the {MAX_METADATA_LEN} allowed"
                )
            }
            MetadataError::InvalidUtf8 => f.write_str("metadata is not valid UTF-8"),
            MetadataError::MalformedJson => f.write_str("metadata is not valid JSON"),
            MetadataError::NestingTooDeep => f.write_str("metadata JSON is nested too deeply"),
            MetadataError::NotAnObject => f.write_str("metadata must be a JSON object"),
            MetadataError::MissingField(name) => write!(f, "metadata has no \"{name}\" field"),
            MetadataError::WrongType(name) => {
                write!(f, "metadata field \"{name}\" has the wrong type")
            }
            MetadataError::DuplicateField(name) => {
                write!(f, "metadata field \"{name}\" appears twice")
            }
            MetadataError::EmptyName => f.write_str("metadata \"name\" is empty"),
            MetadataError::InvalidVersion => {
                f.write_str("metadata \"version\" is not a semantic version such as 1.2.3")
            }
            MetadataError::NoActions => f.write_str("metadata declares no actions"),
            MetadataError::EmptyAction { index } => write!(f, "action #{index} has an empty name"),
            MetadataError::DuplicateAction { index } => {
                write!(f, "action #{index} repeats an earlier action's name")
            }
            MetadataError::UnknownCapability { index } => {
                write!(
                    f,
                    "capability #{index} is unknown (known: filesystem, network)"
                )
            }
            MetadataError::DuplicateCapability { index } => {
                write!(f, "capability #{index} is declared twice")
            }
            MetadataError::BufferTooSmall => {
                f.write_str("the buffer is too small for the metadata JSON")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for MetadataError {}

/// Validated metadata, borrowed from the JSON it was read from.
#[derive(Debug, Clone, Copy)]
pub struct MetadataView<'a> {
    /// Plugin name (non-empty).
    pub name: Text<'a>,
    /// Semantic version.
    pub version: Text<'a>,
    /// Description (empty when absent).
    pub description: Text<'a>,
    /// Author (empty when absent).
    pub author: Text<'a>,
    /// Declared capabilities.
    pub capabilities: CapabilitySet,
    actions: &'a [u8],
    action_count: usize,
}

impl<'a> MetadataView<'a> {
    /// The declared action names, in order.
    pub fn actions(&self) -> impl Iterator<Item = Text<'a>> + Clone + 'a {
        string_items(self.actions)
    }

    /// Number of declared actions.
    pub const fn action_count(&self) -> usize {
        self.action_count
    }

    /// Position of `action` in the declared list, e.g. for a binary request's action index.
    pub fn action_index(&self, action: &str) -> Option<usize> {
        self.actions().position(|a| a.eq_str(action))
    }
}

/// The strings of an already validated JSON array of strings.
fn string_items(array: &[u8]) -> impl Iterator<Item = Text<'_>> + Clone + '_ {
    let mut scanner = Scanner::new(array);
    scanner.expect(b'[');
    core::iter::from_fn(move || {
        scanner.skip_ws();
        if scanner.eat(b']') || scanner.failed() {
            return None;
        }
        scanner.eat(b',');
        scanner.skip_ws();
        let item = scanner.string();
        (!scanner.failed()).then_some(item)
    })
}

/// Validates metadata JSON as `init` returned it.
///
/// Rules: at most [`MAX_METADATA_LEN`] bytes of strict UTF-8 JSON; an object with a non-empty
/// string `name`, a semantic-version string `version`, an `actions` array of at least one
/// non-empty, unique string; optional string `description` and `author`; an optional
/// `capabilities` array of distinct known names. Unknown fields are ignored. (A version written
/// with JSON escapes is decoded into a 256-byte buffer to be checked, so an escaped version is
/// held to 256 bytes; a plain one, as every serializer writes it, to nothing but the 64 KiB.)
/// A syntax fault
/// anywhere wins over a shape fault; among shape faults the first in the text is reported.
///
/// ```
/// use core_abi::metadata::validate_metadata_json;
/// let json = br#"{"name":"p","version":"1.0.0","description":"","author":"",
///     "actions":["a","b"],"capabilities":["network"]}"#;
/// let meta = validate_metadata_json(json).unwrap();
/// assert_eq!(meta.action_index("b"), Some(1));
/// assert!(meta.capabilities.network && !meta.capabilities.filesystem);
/// ```
pub fn validate_metadata_json(json: &[u8]) -> Result<MetadataView<'_>, MetadataError> {
    const TEXT_FIELDS: [&str; 4] = ["name", "version", "description", "author"];
    if json.len() > MAX_METADATA_LEN {
        return Err(MetadataError::TooLarge { len: json.len() });
    }
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
    let mut fields: [Option<Text<'_>>; 4] = [None; 4];
    let mut actions: Option<(&[u8], usize)> = None;
    let mut capabilities: Option<CapabilitySet> = None;
    let mut first_error: Option<MetadataError> = None;
    let mut first = true;
    while let Some(key) = s.next_key(first) {
        first = false;
        let outcome = if let Some(i) = TEXT_FIELDS.iter().position(|k| key.eq_str(k)) {
            string_field(&mut s, TEXT_FIELDS[i])
                .and_then(|v| set_once(&mut fields[i], v, TEXT_FIELDS[i]))
        } else if key.eq_str("actions") {
            string_array(&mut s, "actions").and_then(|a| set_once(&mut actions, a, "actions"))
        } else if key.eq_str("capabilities") {
            capability_array(&mut s).and_then(|c| set_once(&mut capabilities, c, "capabilities"))
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
    let [name, version, description, author] = fields;
    let name = name.ok_or(MetadataError::MissingField("name"))?;
    let version = version.ok_or(MetadataError::MissingField("version"))?;
    let (actions, action_count) = actions.ok_or(MetadataError::MissingField("actions"))?;
    if name.is_empty() {
        return Err(MetadataError::EmptyName);
    }
    // A version is ASCII, so it is almost always written without escapes and checked in place;
    // an escaped one is decoded first (and held to 256 bytes).
    let mut buf = [0u8; 256];
    let version_ok = match version.as_plain() {
        Some(plain) => is_semver(plain.as_bytes()),
        None => version
            .decode_into(&mut buf)
            .is_some_and(|v| is_semver(v.as_bytes())),
    };
    if !version_ok {
        return Err(MetadataError::InvalidVersion);
    }
    let view = MetadataView {
        name,
        version,
        description: description.unwrap_or(Text::plain("")),
        author: author.unwrap_or(Text::plain("")),
        capabilities: capabilities.unwrap_or_default(),
        actions,
        action_count,
    };
    check_actions(view.actions())?;
    Ok(view)
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

/// An array of strings: returns its raw text and length.
fn string_array<'a>(
    s: &mut Scanner<'a>,
    field: &'static str,
) -> Result<(&'a [u8], usize), MetadataError> {
    let start = s.pos();
    let is_array = s.peek() == b'[';
    s.skip_value(1);
    let raw = s.slice_from(start);
    // The text is valid JSON, so an array holds only strings iff every item starts with a quote.
    let mut items = Scanner::new(raw);
    items.expect(b'[');
    let mut count = 0;
    let mut all_strings = is_array;
    while all_strings {
        items.skip_ws();
        if items.eat(b']') {
            break;
        }
        items.eat(b',');
        items.skip_ws();
        all_strings = items.peek() == b'"';
        items.string();
        count += 1;
    }
    if all_strings {
        Ok((raw, count))
    } else {
        Err(MetadataError::WrongType(field))
    }
}

fn capability_array(s: &mut Scanner<'_>) -> Result<CapabilitySet, MetadataError> {
    let (raw, _) = string_array(s, "capabilities")?;
    let mut set = CapabilitySet::default();
    for (index, name) in string_items(raw).enumerate() {
        let capability = Capability::ALL
            .into_iter()
            .find(|c| name.eq_str(c.name()))
            .ok_or(MetadataError::UnknownCapability { index })?;
        if !set.insert(capability) {
            return Err(MetadataError::DuplicateCapability { index });
        }
    }
    Ok(set)
}

/// Checks the action names: at least one, none empty, none twice.
///
/// Duplicates are found with a 65,536-bit filter of name hashes on the stack (8 KiB): only a
/// name whose hash bit is already set is compared with the earlier names, so 10,000 actions
/// (as many as 64 KiB of JSON holds) cost a few thousand comparisons, not fifty million.
fn check_actions<'a>(actions: impl Iterator<Item = Text<'a>> + Clone) -> Result<(), MetadataError> {
    let mut filter = [0u64; 1024];
    let mut count = 0;
    for (index, name) in actions.clone().enumerate() {
        count += 1;
        if name.is_empty() {
            return Err(MetadataError::EmptyAction { index });
        }
        // FNV-1a over the decoded bytes, folded to 16 bits.
        let hash = name.bytes().fold(0x811c_9dc5u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        let bit = ((hash ^ (hash >> 16)) & 0xFFFF) as usize;
        let (word, mask) = (bit / 64, 1u64 << (bit % 64));
        if filter[word] & mask != 0 && actions.clone().take(index).any(|earlier| earlier == name) {
            return Err(MetadataError::DuplicateAction { index });
        }
        filter[word] |= mask;
    }
    if count == 0 {
        return Err(MetadataError::NoActions);
    }
    Ok(())
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `v` is a semantic version 2.0.0: `MAJOR.MINOR.PATCH`, numbers without leading zeros,
/// then optional `-pre.release` and `+build.meta` identifiers.
pub const fn is_semver(v: &[u8]) -> bool {
    let mut i = 0;
    let mut part = 0;
    while part < 3 {
        let start = i;
        while i < v.len() && v[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || (v[start] == b'0' && i - start > 1) {
            return false;
        }
        part += 1;
        if part < 3 {
            if i >= v.len() || v[i] != b'.' {
                return false;
            }
            i += 1;
        }
    }
    if i < v.len() && v[i] == b'-' {
        i += 1;
        let end = identifiers_end(v, i, true);
        if end == i {
            return false;
        }
        i = end;
    }
    if i < v.len() && v[i] == b'+' {
        i += 1;
        let end = identifiers_end(v, i, false);
        if end == i {
            return false;
        }
        i = end;
    }
    i == v.len()
}

/// End of a run of dot-separated `[0-9A-Za-z-]+` identifiers starting at `i`, or `i` when the run
/// is invalid. Pre-release numeric identifiers may not have leading zeros.
const fn identifiers_end(v: &[u8], mut i: usize, pre_release: bool) -> usize {
    let begin = i;
    loop {
        let start = i;
        let mut numeric = true;
        while i < v.len() && (v[i].is_ascii_alphanumeric() || v[i] == b'-') {
            numeric = numeric && v[i].is_ascii_digit();
            i += 1;
        }
        if i == start || (pre_release && numeric && v[start] == b'0' && i - start > 1) {
            return begin;
        }
        if i < v.len() && v[i] == b'.' {
            i += 1;
        } else {
            return i;
        }
    }
}

/// Compile-time check behind [`plugin_metadata_json!`](crate::plugin_metadata_json): every
/// string needs no JSON escaping, the name is non-empty, the version is semver, the actions are
/// non-empty, non-empty and unique, and the capabilities are known and distinct.
#[doc(hidden)]
pub const fn check_static_metadata(strings: &[&str], actions: &[&str], capabilities: &[&str]) {
    let mut i = 0;
    while i < strings.len() {
        assert!(
            no_escapes_needed(strings[i]),
            "metadata strings may not contain '\"', '\\' or control characters"
        );
        i += 1;
    }
    assert!(!strings[0].is_empty(), "metadata name is empty");
    assert!(
        is_semver(strings[1].as_bytes()),
        "metadata version is not a semantic version"
    );
    assert!(!actions.is_empty(), "metadata declares no actions");
    let mut a = 0;
    while a < actions.len() {
        assert!(
            no_escapes_needed(actions[a]),
            "action names may not contain '\"', '\\' or control characters"
        );
        assert!(!actions[a].is_empty(), "an action name is empty");
        let mut b = 0;
        while b < a {
            assert!(
                !bytes_eq(actions[a].as_bytes(), actions[b].as_bytes()),
                "an action is declared twice"
            );
            b += 1;
        }
        a += 1;
    }
    let mut c = 0;
    while c < capabilities.len() {
        assert!(
            Capability::from_name(capabilities[c]).is_some(),
            "unknown capability (known: filesystem, network)"
        );
        let mut d = 0;
        while d < c {
            assert!(
                !bytes_eq(capabilities[c].as_bytes(), capabilities[d].as_bytes()),
                "a capability is declared twice"
            );
            d += 1;
        }
        c += 1;
    }
}

const fn no_escapes_needed(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] < 0x20 || b[i] == b'"' || b[i] == b'\\' {
            return false;
        }
        i += 1;
    }
    true
}

/// Builds a plugin's metadata JSON at compile time, as a `&'static str`.
///
/// Every rule of [`validate_metadata_json`] is checked by the compiler; a violation is a build
/// error, not a failed host check. Strings must be literals that need no JSON escaping.
///
/// ```
/// const METADATA: &str = core_abi::plugin_metadata_json! {
///     name: "my-plugin",
///     version: "0.1.0",
///     description: "Reshapes velocities",
///     author: "Ada",
///     actions: ["my_action", "velocity_curve"],
///     capabilities: [network],
/// };
/// assert_eq!(
///     METADATA,
///     r#"{"name":"my-plugin","version":"0.1.0","description":"Reshapes velocities","author":"Ada","actions":["my_action","velocity_curve"],"capabilities":["network"]}"#
/// );
/// assert!(core_abi::metadata::validate_metadata_json(METADATA.as_bytes()).is_ok());
/// ```
#[macro_export]
macro_rules! plugin_metadata_json {
    (
        name: $name:literal,
        version: $version:literal,
        description: $description:literal,
        author: $author:literal,
        actions: [$first:literal $(, $action:literal)* $(,)?],
        capabilities: [$($first_cap:ident $(, $cap:ident)*)? $(,)?] $(,)?
    ) => {{
        const _: () = $crate::metadata::check_static_metadata(
            &[$name, $version, $description, $author],
            &[$first $(, $action)*],
            &[$($crate::__stringify!($first_cap) $(, $crate::__stringify!($cap))*)?],
        );
        $crate::__concat!(
            "{\"name\":\"", $name,
            "\",\"version\":\"", $version,
            "\",\"description\":\"", $description,
            "\",\"author\":\"", $author,
            "\",\"actions\":[\"", $first, "\"" $(, ",\"", $action, "\"")*,
            "],\"capabilities\":[" $(, "\"", $crate::__stringify!($first_cap), "\"" $(, ",\"", $crate::__stringify!($cap), "\"")*)?,
            "]}"
        )
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: &[&str] = &["my_action", "velocity_curve"];

    fn meta() -> PluginMetadata<'static> {
        PluginMetadata {
            name: "p",
            version: "1.2.3-rc.1+build.5",
            description: "d \"q\"",
            author: "a",
            actions: ACTIONS,
            capabilities: &[Capability::Filesystem],
        }
    }

    #[test]
    fn serde_json_core_output_validates() {
        let mut buf = [0u8; 256];
        let json = meta().to_json(&mut buf).unwrap();
        assert_eq!(
            json,
            r#"{"name":"p","version":"1.2.3-rc.1+build.5","description":"d \"q\"","author":"a","actions":["my_action","velocity_curve"],"capabilities":["filesystem"]}"#
        );
        let view = validate_metadata_json(json.as_bytes()).unwrap();
        assert!(view.name == "p");
        assert!(view.description == "d \"q\"");
        assert_eq!(view.action_count(), 2);
        assert_eq!(view.action_index("velocity_curve"), Some(1));
        assert!(view.capabilities.contains(Capability::Filesystem));
        assert!(!view.capabilities.contains(Capability::Network));
        assert_eq!(
            meta().to_json(&mut [0u8; 8]).unwrap_err(),
            MetadataError::BufferTooSmall
        );
    }

    #[test]
    fn macro_matches_serde_json_core() {
        const JSON: &str = crate::plugin_metadata_json! {
            name: "p", version: "1.2.3", description: "d", author: "a",
            actions: ["my_action", "velocity_curve"], capabilities: [filesystem, network]
        };
        let m = PluginMetadata {
            version: "1.2.3",
            description: "d",
            capabilities: &Capability::ALL,
            ..meta()
        };
        let mut buf = [0u8; 256];
        assert_eq!(JSON, m.to_json(&mut buf).unwrap());
        const NO_CAPS: &str = crate::plugin_metadata_json! {
            name: "p", version: "0.0.0", description: "", author: "", actions: ["a"], capabilities: []
        };
        assert!(NO_CAPS.ends_with(r#""actions":["a"],"capabilities":[]}"#));
        assert!(validate_metadata_json(NO_CAPS.as_bytes()).is_ok());
    }

    #[test]
    fn semver() {
        for ok in [
            "0.0.0",
            "1.2.3",
            "10.20.30",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-0.3.7",
            "1.0.0-x-y.z",
            "1.0.0+20130313",
            "1.0.0-beta+exp.sha.5114f85",
        ] {
            assert!(is_semver(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "v1.2.3",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-01",
            "1.2.3-a..b",
            "1.2.3 ",
            "1.2.3-é",
        ] {
            assert!(!is_semver(bad.as_bytes()), "{bad}");
        }
    }

    fn check(json: &str) -> Result<(), MetadataError> {
        validate_metadata_json(json.as_bytes()).map(|_| ())
    }

    #[test]
    fn each_rule_has_its_error() {
        let ok = r#"{"name":"p","version":"1.0.0","actions":["a"]}"#;
        assert_eq!(check(ok), Ok(()));
        let cases: &[(&str, MetadataError)] = &[
            ("[]", MetadataError::NotAnObject),
            ("{", MetadataError::MalformedJson),
            (r#"{"name":"p",}"#, MetadataError::MalformedJson),
            (
                r#"{"version":"1.0.0","actions":["a"]}"#,
                MetadataError::MissingField("name"),
            ),
            (
                r#"{"name":"p","actions":["a"]}"#,
                MetadataError::MissingField("version"),
            ),
            (
                r#"{"name":"p","version":"1.0.0"}"#,
                MetadataError::MissingField("actions"),
            ),
            (
                r#"{"name":1,"version":"1.0.0","actions":["a"]}"#,
                MetadataError::WrongType("name"),
            ),
            (
                r#"{"name":"p","version":"1.0.0","actions":"a"}"#,
                MetadataError::WrongType("actions"),
            ),
            (
                r#"{"name":"p","version":"1.0.0","actions":["a",1]}"#,
                MetadataError::WrongType("actions"),
            ),
            (
                r#"{"name":"p","version":"1.0.0","actions":["a"],"capabilities":{}}"#,
                MetadataError::WrongType("capabilities"),
            ),
            (
                r#"{"name":"p","name":"q","version":"1.0.0","actions":["a"]}"#,
                MetadataError::DuplicateField("name"),
            ),
            (
                r#"{"name":"","version":"1.0.0","actions":["a"]}"#,
                MetadataError::EmptyName,
            ),
            (
                r#"{"name":"p","version":"1.0","actions":["a"]}"#,
                MetadataError::InvalidVersion,
            ),
            (
                r#"{"name":"p","version":"1.0.0","actions":[]}"#,
                MetadataError::NoActions,
            ),
            (
                r#"{"name":"p","version":"1.0.0","actions":["a",""]}"#,
                MetadataError::EmptyAction { index: 1 },
            ),
            (
                r#"{"name":"p","version":"1.0.0","actions":["a","b","\u0061"]}"#,
                MetadataError::DuplicateAction { index: 2 },
            ),
            (
                r#"{"name":"p","version":"1.0.0","actions":["a"],"capabilities":["gpu"]}"#,
                MetadataError::UnknownCapability { index: 0 },
            ),
            (
                r#"{"name":"p","version":"1.0.0","actions":["a"],"capabilities":["network","network"]}"#,
                MetadataError::DuplicateCapability { index: 1 },
            ),
        ];
        for (json, expected) in cases {
            assert_eq!(check(json), Err(*expected), "{json}");
        }
        assert_eq!(
            validate_metadata_json(b"{\"name\":\"\xff\"}").unwrap_err(),
            MetadataError::InvalidUtf8
        );
        let big = std::format!(
            r#"{{"name":"p","version":"1.0.0","actions":["a"],"pad":"{}"}}"#,
            "x".repeat(MAX_METADATA_LEN)
        );
        assert_eq!(check(&big), Err(MetadataError::TooLarge { len: big.len() }));
    }

    #[test]
    fn ten_thousand_actions_are_checked_quickly() {
        // Three-character names, so that 10,000 of them fit in 64 KiB of JSON.
        const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let name = |i: usize| -> std::string::String {
            [i / 3844, i / 62 % 62, i % 62]
                .iter()
                .map(|&d| DIGITS[d] as char)
                .collect()
        };
        let names: std::vec::Vec<std::string::String> = (0..10_000).map(name).collect();
        let quoted: std::vec::Vec<std::string::String> =
            names.iter().map(|n| std::format!("\"{n}\"")).collect();
        let json = std::format!(
            r#"{{"name":"p","version":"1.0.0","actions":[{}]}}"#,
            quoted.join(",")
        );
        assert!(json.len() < MAX_METADATA_LEN);
        assert_eq!(
            validate_metadata_json(json.as_bytes()).map(|v| v.action_count()),
            Ok(10_000)
        );
        let repeated = json.replace(
            &std::format!(r#""{}"]"#, name(9_999)),
            &std::format!(r#""{}"]"#, name(5_000)),
        );
        assert_eq!(
            check(&repeated),
            Err(MetadataError::DuplicateAction { index: 9_999 })
        );
    }

    #[test]
    fn unknown_fields_are_ignored() {
        assert_eq!(
            check(r#"{"x":{"y":[1]},"name":"p","version":"1.0.0","actions":["a"]}"#),
            Ok(())
        );
    }

    #[test]
    fn runtime_validation_matches() {
        assert_eq!(meta().validate(), Ok(()));
        assert_eq!(
            PluginMetadata {
                actions: &[],
                ..meta()
            }
            .validate(),
            Err(MetadataError::NoActions)
        );
        assert_eq!(
            PluginMetadata {
                actions: &["a", "a"],
                ..meta()
            }
            .validate(),
            Err(MetadataError::DuplicateAction { index: 1 })
        );
        assert_eq!(
            PluginMetadata { name: "", ..meta() }.validate(),
            Err(MetadataError::EmptyName)
        );
        assert_eq!(
            PluginMetadata {
                version: "x",
                ..meta()
            }
            .validate(),
            Err(MetadataError::InvalidVersion)
        );
        assert_eq!(
            PluginMetadata {
                capabilities: &[Capability::Network, Capability::Network],
                ..meta()
            }
            .validate(),
            Err(MetadataError::DuplicateCapability { index: 1 })
        );
    }
}
