//! Plugin metadata: what `init` returns, how a plugin builds it, and how a host reads it.
//!
//! ```json
//! {"name":"my-plugin","version":"0.1.0","description":"...","author":"...","license":"MIT",
//!  "type":"action","actions":["my_action"],"capabilities":["filesystem"]}
//! ```
//!
//! Two sets of rules apply, and this module keeps them apart because they have different
//! consequences:
//!
//! - **What MIDIMon requires** to load the plugin. Its daemon (`amiable-dev/midimon` at
//!   `f4f371c`) deserializes the JSON into a struct with required string fields `name`,
//!   `version`, `description`, `author`, `license`, a required `type` of `"action"` or
//!   `"trigger"`, an optional `homepage` string and an optional `capabilities` list of six
//!   known names. Anything else is ignored, including `actions`. Breaking one of these rules
//!   means `init` fails and the plugin is dropped: [`read_metadata_json`] reports it as an
//!   error.
//! - **What the template README asks beyond that** (conformance): a semantic version, a
//!   non-empty name, an `actions` array of non-empty, unique strings, distinct capabilities, at
//!   most 64 KiB. [`MetadataView::conformance_issues`] lists what is missing;
//!   [`validate_metadata_json`] applies both sets and is what this kit holds its own plugins to.
//!
//! A plugin produces the JSON at compile time with
//! [`plugin_metadata_json!`](crate::plugin_metadata_json), which enforces both sets, so `init`
//! only returns a pointer; [`PluginMetadata`] serializes the same shape at run time.

use core::fmt;

use serde::Serialize;

use crate::abi::MAX_METADATA_LEN;
use crate::json::Text;

mod build;
mod read;
mod semver;

#[doc(hidden)]
pub use build::check_static_metadata;
pub use read::{read_metadata_json, validate_metadata_json, ActionsForm, MetadataView};
pub use semver::is_semver;

/// A permission a plugin asks for. MIDIMon grants the ones its `plugin.toml` manifest lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    /// Sockets (nothing usable under WASI preview 1 today).
    Network,
    /// One sandboxed, preopened directory, and nothing else of the file system.
    Filesystem,
    /// Audio devices.
    Audio,
    /// MIDI devices.
    Midi,
    /// Starting processes.
    Subprocess,
    /// System settings (volume, display, ...); spelled `systemcontrol` in metadata and
    /// `system_control` in the manifest.
    SystemControl,
}

impl Capability {
    /// Every capability MIDIMon knows, in its own order.
    pub const ALL: [Capability; 6] = [
        Capability::Network,
        Capability::Filesystem,
        Capability::Audio,
        Capability::Midi,
        Capability::Subprocess,
        Capability::SystemControl,
    ];

    /// The name used in metadata JSON (lowercase, one word).
    pub const fn name(self) -> &'static str {
        match self {
            Capability::Network => "network",
            Capability::Filesystem => "filesystem",
            Capability::Audio => "audio",
            Capability::Midi => "midi",
            Capability::Subprocess => "subprocess",
            Capability::SystemControl => "systemcontrol",
        }
    }

    /// The key of this capability in a `plugin.toml` manifest's `[plugin.capabilities]`.
    pub const fn manifest_key(self) -> &'static str {
        match self {
            Capability::SystemControl => "system_control",
            other => other.name(),
        }
    }

    /// The capability with this exact metadata name.
    pub const fn from_name(name: &str) -> Option<Capability> {
        let mut i = 0;
        while i < Capability::ALL.len() {
            if crate::bytes::const_eq(name.as_bytes(), Capability::ALL[i].name().as_bytes()) {
                return Some(Capability::ALL[i]);
            }
            i += 1;
        }
        None
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of capabilities, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CapabilitySet(u8);

impl CapabilitySet {
    /// The empty set.
    pub const EMPTY: CapabilitySet = CapabilitySet(0);

    /// Whether `capability` is in the set.
    pub const fn contains(&self, capability: Capability) -> bool {
        self.0 & capability.bit() != 0
    }

    /// Adds `capability`; returns whether it was new.
    pub fn insert(&mut self, capability: Capability) -> bool {
        let new = !self.contains(capability);
        self.0 |= capability.bit();
        new
    }

    /// The set with `capability` added.
    pub const fn with(self, capability: Capability) -> CapabilitySet {
        CapabilitySet(self.0 | capability.bit())
    }

    /// Whether the set is empty.
    pub const fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The capabilities in the set, in [`Capability::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL
            .into_iter()
            .filter(move |c| self.contains(*c))
    }
}

/// What kind of plugin MIDIMon loads: the metadata's `type` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginType {
    /// Runs actions on MIDI events (what this kit builds).
    Action,
    /// Produces trigger events.
    Trigger,
}

impl PluginType {
    /// The name used in metadata JSON and in the manifest.
    pub const fn name(self) -> &'static str {
        match self {
            PluginType::Action => "action",
            PluginType::Trigger => "trigger",
        }
    }
}

/// A plugin's metadata, as the plugin author writes it; serializes in the field order the
/// macro emits.
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
    /// Its license (an SPDX expression such as `MIT OR Apache-2.0`).
    pub license: &'a str,
    /// Always [`PluginType::Action`] for plugins built with this kit.
    #[serde(rename = "type")]
    pub plugin_type: PluginType,
    /// The actions `execute` accepts, by exact name.
    pub actions: &'a [&'a str],
    /// Permissions the plugin needs.
    pub capabilities: &'a [Capability],
}

impl PluginMetadata<'_> {
    /// Checks the rules of [`validate_metadata_json`] (both sets), except the size limit.
    pub fn validate(&self) -> Result<(), MetadataError> {
        if self.name.is_empty() {
            return Err(MetadataError::EmptyName);
        }
        if !is_semver(self.version.as_bytes()) {
            return Err(MetadataError::InvalidVersion);
        }
        check_actions(self.actions.iter().map(|a| Text::plain(a)))?;
        let mut seen = CapabilitySet::EMPTY;
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
        let written = buf.get(..len).ok_or(MetadataError::BufferTooSmall)?;
        core::str::from_utf8(written).map_err(|_| MetadataError::InvalidUtf8)
    }
}

/// Why metadata was rejected, by MIDIMon ([`MetadataError::is_load_failure`]) or by the
/// template README's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataError {
    /// The JSON is larger than [`MAX_METADATA_LEN`] (README rule).
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
    /// A required field is absent (`actions` is a README rule; the others MIDIMon's).
    MissingField(&'static str),
    /// A field has the wrong JSON type.
    WrongType(&'static str),
    /// A field appears twice.
    DuplicateField(&'static str),
    /// `type` is neither `"action"` nor `"trigger"`.
    UnknownType,
    /// `name` is the empty string (README rule).
    EmptyName,
    /// `version` is not a semantic version (README rule).
    InvalidVersion,
    /// `actions` is empty (README rule).
    NoActions,
    /// An action name is the empty string (README rule).
    EmptyAction {
        /// Position in `actions`.
        index: usize,
    },
    /// An action name repeats an earlier one (README rule).
    DuplicateAction {
        /// Position of the repeat in `actions`.
        index: usize,
    },
    /// `actions` lists objects with a `name` rather than strings (README rule; MIDIMon's own
    /// plugins write them so, and MIDIMon ignores the field either way).
    ActionsAsObjects,
    /// A capability is not one of the six MIDIMon knows.
    UnknownCapability {
        /// Position in `capabilities`.
        index: usize,
    },
    /// A capability is declared twice (README rule).
    DuplicateCapability {
        /// Position of the repeat in `capabilities`.
        index: usize,
    },
    /// The output buffer is too small for the JSON.
    BufferTooSmall,
}

impl MetadataError {
    /// Whether MIDIMon itself rejects metadata with this fault (its `init` fails and the plugin
    /// is not loaded); otherwise only the template README's rules are broken.
    pub const fn is_load_failure(&self) -> bool {
        match self {
            MetadataError::MissingField(field)
            | MetadataError::WrongType(field)
            | MetadataError::DuplicateField(field) => {
                !crate::bytes::const_eq(field.as_bytes(), b"actions")
            }
            MetadataError::InvalidUtf8
            | MetadataError::MalformedJson
            | MetadataError::NestingTooDeep
            | MetadataError::NotAnObject
            | MetadataError::UnknownType
            | MetadataError::UnknownCapability { .. } => true,
            MetadataError::TooLarge { .. }
            | MetadataError::EmptyName
            | MetadataError::InvalidVersion
            | MetadataError::NoActions
            | MetadataError::EmptyAction { .. }
            | MetadataError::DuplicateAction { .. }
            | MetadataError::ActionsAsObjects
            | MetadataError::DuplicateCapability { .. }
            | MetadataError::BufferTooSmall => false,
        }
    }
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
            MetadataError::UnknownType => {
                f.write_str("metadata \"type\" must be \"action\" or \"trigger\"")
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
            MetadataError::ActionsAsObjects => f.write_str(
                "metadata \"actions\" lists objects with a \"name\"; the template README lists strings",
            ),
            MetadataError::UnknownCapability { index } => {
                write!(
                    f,
                    "capability #{index} is unknown (known: network, filesystem, audio, midi, subprocess, systemcontrol)"
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

/// Checks the action names: at least one, none empty, none twice.
///
/// Duplicates are found with a 65,536-bit filter of name hashes on the stack (8 KiB): only a
/// name whose hash bit is already set is compared with the earlier names, so 10,000 actions
/// (as many as 64 KiB of JSON holds) cost a few thousand comparisons, not fifty million.
pub(crate) fn check_actions<'a>(
    actions: impl Iterator<Item = Text<'a>> + Clone,
) -> Result<(), MetadataError> {
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
        let seen = filter.get(word).is_some_and(|w| w & mask != 0);
        if seen && actions.clone().take(index).any(|earlier| earlier == name) {
            return Err(MetadataError::DuplicateAction { index });
        }
        if let Some(w) = filter.get_mut(word) {
            *w |= mask;
        }
    }
    if count == 0 {
        return Err(MetadataError::NoActions);
    }
    Ok(())
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl std::error::Error for MetadataError {}

#[cfg(test)]
mod tests;
