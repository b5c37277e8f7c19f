//! Owned plugin metadata, decoded from what `init` returned.
//!
//! core-abi's validator ([`core_abi::metadata::validate_metadata_json`]) returns views that
//! borrow the JSON and decode escapes on demand, which suits a `no_std` host. host-check keeps
//! the metadata for the whole run (for the report, the action list, the config check and the
//! capability grants), so it decodes it once into plain `String`s here, after the validator has
//! accepted it: the rules stay core-abi's, only the representation is host-side.

use core_abi::metadata::{validate_metadata_json, Capability, CapabilitySet};
use thiserror::Error;

/// Validated metadata of a plugin, decoded into owned strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginMeta {
    /// Plugin name, as MIDIMon's `config.toml` refers to it.
    pub name: String,
    /// Semantic version.
    pub version: String,
    /// One-line description (empty when absent).
    pub description: String,
    /// Author (empty when absent).
    pub author: String,
    /// Declared actions, in order (the order gives the postcard action indexes).
    pub actions: Vec<String>,
    /// Declared capabilities.
    pub capabilities: CapabilitySet,
    /// The JSON exactly as `init` returned it.
    pub json: String,
}

/// Why the bytes `init` returned are not acceptable metadata.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum MetadataProblem {
    /// Not valid UTF-8; `offset` is where the first invalid sequence starts.
    #[error("metadata is not valid UTF-8 (invalid byte sequence at offset {offset})")]
    InvalidUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// Rejected by core-abi's validator.
    #[error("{0}")]
    Invalid(String),
}

impl PluginMeta {
    /// Checks strict UTF-8, validates with core-abi and decodes.
    pub fn parse(bytes: &[u8]) -> Result<PluginMeta, MetadataProblem> {
        let json = std::str::from_utf8(bytes).map_err(|e| MetadataProblem::InvalidUtf8 {
            offset: e.valid_up_to(),
        })?;
        let view =
            validate_metadata_json(bytes).map_err(|e| MetadataProblem::Invalid(e.to_string()))?;
        Ok(PluginMeta {
            name: view.name.to_string(),
            version: view.version.to_string(),
            description: view.description.to_string(),
            author: view.author.to_string(),
            actions: view.actions().map(|a| a.to_string()).collect(),
            capabilities: view.capabilities,
            json: json.to_string(),
        })
    }

    /// The names of the declared capabilities, in core-abi's order.
    pub fn capability_names(&self) -> Vec<&'static str> {
        Capability::ALL
            .iter()
            .filter(|c| self.capabilities.contains(**c))
            .map(|c| c.name())
            .collect()
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

    #[test]
    fn decodes_escapes() {
        let meta = PluginMeta::parse(
            br#"{"name":"p\u0021","version":"1.0.0","actions":["a","b\u005fc"],"capabilities":["network"]}"#,
        )
        .unwrap();
        assert_eq!(meta.name, "p!");
        assert_eq!(meta.actions, ["a", "b_c"]);
        assert_eq!(meta.action_index("b_c"), Some(1));
        assert_eq!(meta.capability_names(), ["network"]);
        assert_eq!(meta.description, "");
    }

    #[test]
    fn rejects_bad_metadata() {
        assert_eq!(
            PluginMeta::parse(b"{\"name\":\"\xff\"}"),
            Err(MetadataProblem::InvalidUtf8 { offset: 9 })
        );
        let err = PluginMeta::parse(br#"{"name":"p","version":"1.0.0","actions":[]}"#).unwrap_err();
        assert_eq!(err.to_string(), "metadata declares no actions");
    }
}
