//! Metadata JSON as MIDIMon itself reads it: a serde-derived copy of the daemon's struct, for
//! the load verdict, with its known differences from the documented rules.

use core_abi::json::MAX_NESTING;
use core_abi::metadata::{MetadataError, MetadataView, PluginType};
use core_abi::Capability;

use super::reference::{reference_metadata_spelled, EnumSpelling};
use crate::json::{is_json_ws, nesting_depth};
use crate::request_check::compare_text;
use crate::verdict::{Shown, Verdict};

// Metadata JSON as MIDIMon itself reads it.

/// MIDIMon's metadata struct (amiable-dev/midimon `f4f371c`,
/// `midimon-core/src/plugin/metadata.rs`), written here from its description, not copied:
/// required strings `name`, `version`, `description`, `author`, `license`; `type` renamed, a
/// lowercase unit enum; `homepage` optional; `capabilities` a list of a lowercase unit enum,
/// empty when absent; any other member ignored. Its fields are declared in the daemon's order
/// (it matters only for the array form, see [`known_daemon_difference`]). The daemon reads the
/// bytes with `String::from_utf8`, then `serde_json::from_str`.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct DaemonMetadata {
    name: String,
    version: String,
    description: String,
    author: String,
    homepage: Option<String>,
    license: String,
    #[serde(rename = "type")]
    plugin_type: DaemonPluginType,
    #[serde(default)]
    capabilities: Vec<DaemonCapability>,
}

#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DaemonPluginType {
    Action,
    Trigger,
}

#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DaemonCapability {
    Network,
    Filesystem,
    Audio,
    Midi,
    Subprocess,
    SystemControl,
}

impl DaemonCapability {
    fn ours(self) -> Capability {
        match self {
            DaemonCapability::Network => Capability::Network,
            DaemonCapability::Filesystem => Capability::Filesystem,
            DaemonCapability::Audio => Capability::Audio,
            DaemonCapability::Midi => Capability::Midi,
            DaemonCapability::Subprocess => Capability::Subprocess,
            DaemonCapability::SystemControl => Capability::SystemControl,
        }
    }
}

/// What MIDIMon's `init` does with the bytes: the struct, or why it fails to load the plugin.
pub(crate) fn daemon_reads(json: &[u8]) -> Result<DaemonMetadata, String> {
    let text = String::from_utf8(json.to_vec()).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Whether MIDIMon's `init` loads metadata with these bytes (`Err`: serde's message).
pub fn daemon_loads(json: &[u8]) -> Result<(), String> {
    daemon_reads(json).map(|_| ())
}

/// Whether the text holds a `\uXXXX` escape of a surrogate (`D800`..`DFFF`) inside a string.
pub(crate) fn has_surrogate_escape(json: &[u8]) -> bool {
    let (mut in_string, mut i) = (false, 0);
    while i < json.len() {
        match json[i] {
            b'"' => in_string = !in_string,
            b'\\' if in_string => {
                let escape = json.get(i + 1..i + 4).unwrap_or_default();
                if escape.len() == 3
                    && escape[0] == b'u'
                    && escape[1].eq_ignore_ascii_case(&b'd')
                    && matches!(escape[2].to_ascii_lowercase(), b'8'..=b'9' | b'a'..=b'f')
                {
                    return true;
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// The known ways MIDIMon's struct loads metadata that `read_metadata_json` rejects with `ours`;
/// each is checked to be what it claims.
///
/// 1. Syntax, inside a member the struct does not know (`actions` included): serde_json skips
///    such a value with a lenient scanner (`IgnoredAny`) that neither pairs `\u` surrogate
///    escapes nor limits nesting, where core-abi holds the whole text to strict JSON
///    (`json::validate`). E.g. `{...required...,"x":"\ud800"}` (core-abi: `MalformedJson`) and
///    `{...required...,"x":[[[...]]]}` nested 128 deep inside the object (`NestingTooDeep`).
///    The struct's own fields are parsed strictly, as core-abi does.
/// 2. A top-level array: a derived struct also reads a sequence of its fields in declaration
///    order, e.g. `["p","1.0.0","d","a",null,"MIT","action"]` (core-abi: `NotAnObject`; a
///    plugin cannot mean that).
/// 3. `ENUM_WRITTEN_AS_MAP` (suspected core-abi bug, left for the lead to decide): serde's
///    externally tagged form of a unit variant, `"type":{"action":null}` or
///    `"capabilities":[{"midi":null}]`, is accepted by the derived enums; core-abi says
///    `WrongType("type")` / `WrongType("capabilities")`, a load failure MIDIMon does not
///    have. Confirmed by the reference with that spelling allowed loading the document.
pub(crate) fn known_daemon_difference(json: &[u8], ours: MetadataError) -> bool {
    match ours {
        MetadataError::MalformedJson => has_surrogate_escape(json),
        MetadataError::NestingTooDeep => nesting_depth(json) > MAX_NESTING,
        MetadataError::NotAnObject => json.iter().find(|b| !is_json_ws(**b)) == Some(&b'['),
        MetadataError::WrongType("type" | "capabilities") => matches!(
            reference_metadata_spelled(json, EnumSpelling::StrOrMap),
            Ok(Verdict::Accept(_))
        ),
        _ => false,
    }
}

/// The load verdict of `read_metadata_json` against MIDIMon's own struct: what core-abi loads,
/// MIDIMon loads with the same values; what MIDIMon loads, core-abi loads unless it is one of
/// the `known_daemon_difference`s.
pub fn check_metadata_daemon(json: &[u8], ours: &Result<MetadataView<'_>, MetadataError>) {
    let shown = Shown(json);
    match (daemon_reads(json), ours) {
        (Ok(daemon), Ok(view)) => {
            compare_text(json, view.name, &daemon.name, "daemon name");
            compare_text(json, view.version, &daemon.version, "daemon version");
            compare_text(
                json,
                view.description,
                &daemon.description,
                "daemon description",
            );
            compare_text(json, view.author, &daemon.author, "daemon author");
            compare_text(json, view.license, &daemon.license, "daemon license");
            let plugin_type = match daemon.plugin_type {
                DaemonPluginType::Action => PluginType::Action,
                DaemonPluginType::Trigger => PluginType::Trigger,
            };
            assert_eq!(view.plugin_type, plugin_type, "daemon type, {shown}");
            match (view.homepage, &daemon.homepage) {
                (Some(text), Some(homepage)) => compare_text(json, text, homepage, "homepage"),
                (None, None) => {}
                (ours, theirs) => panic!("daemon homepage: {ours:?} vs {theirs:?}, {shown}"),
            }
            for c in Capability::ALL {
                assert_eq!(
                    view.capabilities.contains(c),
                    daemon.capabilities.iter().any(|d| d.ours() == c),
                    "daemon capabilities, {c:?}, {shown}"
                );
            }
        }
        (Err(why), Ok(_)) => {
            panic!("metadata: MIDIMon's struct rejects it ({why}), core-abi loads it, {shown}")
        }
        (Ok(daemon), Err(e)) => assert!(
            known_daemon_difference(json, *e),
            "metadata: MIDIMon's struct loads {daemon:?}, core-abi says {e:?}, {shown}"
        ),
        (Err(_), Err(_)) => {}
    }
}
