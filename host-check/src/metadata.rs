//! Owned plugin metadata, decoded from what `init` returned.
//!
//! core-abi's reader ([`core_abi::metadata::read_metadata_json`]) applies MIDIMon's own rules
//! (a failure there means the daemon drops the plugin) and lists the template README's rules
//! the metadata breaks (conformance, reported as warnings). Its views borrow the JSON and decode
//! escapes on demand, which suits a `no_std` host. host-check keeps the metadata for the whole
//! run (for the report, the action list, the config check and the capability grants), so it
//! decodes it once into plain `String`s here: the rules stay core-abi's, only the
//! representation is host-side.

use core_abi::metadata::{read_metadata_json, ActionsForm, Capability, CapabilitySet, PluginType};
use thiserror::Error;

/// Metadata MIDIMon would load, decoded into owned strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginMeta {
    /// Plugin name, as MIDIMon's `config.toml` refers to it.
    pub name: String,
    /// Version (semver unless `conformance` says otherwise).
    pub version: String,
    /// One-line description.
    pub description: String,
    /// Author.
    pub author: String,
    /// License.
    pub license: String,
    /// `action` or `trigger`.
    pub plugin_type: PluginType,
    /// Homepage, when given.
    pub homepage: Option<String>,
    /// Declared actions, in order (the order gives the postcard action indexes); empty when
    /// the metadata has no readable `actions` list.
    pub actions: Vec<String>,
    /// How `actions` is written, when it is a readable list.
    pub actions_form: Option<ActionsForm>,
    /// Declared capabilities.
    pub capabilities: CapabilitySet,
    /// The template README's rules the metadata breaks (MIDIMon loads it regardless).
    pub conformance: Vec<String>,
    /// The JSON exactly as `init` returned it.
    pub json: String,
}

/// Why MIDIMon would not accept the bytes `init` returned as metadata.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum MetadataProblem {
    /// Not valid UTF-8; `offset` is where the first invalid sequence starts.
    #[error("metadata is not valid UTF-8 (invalid byte sequence at offset {offset})")]
    InvalidUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// Rejected by MIDIMon's rules, as core-abi models them.
    #[error("{0}; MIDIMon's init would fail with \"Invalid metadata\" and drop the plugin")]
    Invalid(String),
}

impl PluginMeta {
    /// Checks strict UTF-8, reads with core-abi and decodes.
    pub fn parse(bytes: &[u8]) -> Result<PluginMeta, MetadataProblem> {
        let json = std::str::from_utf8(bytes).map_err(|e| MetadataProblem::InvalidUtf8 {
            offset: e.valid_up_to(),
        })?;
        let view =
            read_metadata_json(bytes).map_err(|e| MetadataProblem::Invalid(e.to_string()))?;
        Ok(PluginMeta {
            name: view.name.to_string(),
            version: view.version.to_string(),
            description: view.description.to_string(),
            author: view.author.to_string(),
            license: view.license.to_string(),
            plugin_type: view.plugin_type,
            homepage: view.homepage.map(|h| h.to_string()),
            actions: view.actions().map(|a| a.to_string()).collect(),
            actions_form: view.actions_form(),
            capabilities: view.capabilities,
            conformance: view.conformance_issues().map(|e| e.to_string()).collect(),
            json: json.to_string(),
        })
    }

    /// The names of the declared capabilities, in core-abi's order.
    pub fn capability_names(&self) -> Vec<&'static str> {
        self.capabilities.iter().map(Capability::name).collect()
    }

    /// Position of an action in the declared list (the postcard action index).
    pub fn action_index(&self, action: &str) -> Option<usize> {
        self.actions.iter().position(|a| a == action)
    }

    /// The declared actions joined with `", "`, for messages.
    pub fn action_list(&self) -> String {
        self.actions.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOADS: &str = r#""description":"d","author":"a","license":"MIT","type":"action""#;

    #[test]
    fn decodes_escapes() {
        let json = format!(
            r#"{{"name":"p\u0021","version":"1.0.0",{LOADS},"actions":["a","b\u005fc"],"capabilities":["network"]}}"#
        );
        let meta = PluginMeta::parse(json.as_bytes()).unwrap();
        assert_eq!(meta.name, "p!");
        assert_eq!(meta.actions, ["a", "b_c"]);
        assert_eq!(meta.action_index("b_c"), Some(1));
        assert_eq!(meta.capability_names(), ["network"]);
        assert_eq!(meta.license, "MIT");
        assert!(meta.conformance.is_empty());
    }

    #[test]
    fn readme_rules_are_listed_not_fatal() {
        let json = format!(r#"{{"name":"p","version":"1",{LOADS}}}"#);
        let meta = PluginMeta::parse(json.as_bytes()).unwrap();
        assert_eq!(
            meta.conformance,
            [
                "metadata \"version\" is not a semantic version such as 1.2.3",
                "metadata has no \"actions\" field"
            ]
        );
        assert!(meta.actions.is_empty());
    }

    #[test]
    fn rejects_what_midimon_rejects() {
        assert_eq!(
            PluginMeta::parse(b"{\"name\":\"\xff\"}"),
            Err(MetadataProblem::InvalidUtf8 { offset: 9 })
        );
        let err =
            PluginMeta::parse(br#"{"name":"p","version":"1.0.0","actions":["a"]}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "metadata has no \"description\" field; MIDIMon's init would fail with \"Invalid metadata\" and drop the plugin"
        );
    }
}
