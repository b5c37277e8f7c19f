//! `host-check manifest`: the `plugin.toml` MIDIMon's plugin discovery reads, written from the
//! plugin's own metadata.
//!
//! MIDIMon `f4f371c` finds plugins only as `~/.midimon/plugins/<dir>/plugin.toml`, and grants a
//! plugin the capabilities that manifest lists, not the ones its metadata declares. Writing the
//! manifest from what `init` returns keeps the two in step: the same name, version, license and
//! type, and exactly the declared capabilities. Its shape (`[plugin]` with `binary`, then
//! `[plugin.capabilities]` with one boolean per capability, `system_control` spelled with an
//! underscore) is the daemon's `discovery.rs`.

use core_abi::metadata::Capability;
use serde::Serialize;

use crate::metadata::PluginMeta;

/// The whole manifest.
#[derive(Debug, Serialize)]
struct Manifest<'a> {
    plugin: ManifestPlugin<'a>,
}

/// `[plugin]`.
#[derive(Debug, Serialize)]
struct ManifestPlugin<'a> {
    name: &'a str,
    version: &'a str,
    description: &'a str,
    author: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    homepage: Option<&'a str>,
    license: &'a str,
    #[serde(rename = "type")]
    plugin_type: &'static str,
    binary: &'a str,
    capabilities: ManifestCapabilities,
}

/// `[plugin.capabilities]`.
#[derive(Debug, Serialize)]
struct ManifestCapabilities {
    network: bool,
    filesystem: bool,
    audio: bool,
    midi: bool,
    subprocess: bool,
    system_control: bool,
}

/// The default file name of the module beside the manifest: `<name>.wasm`.
pub fn default_binary(meta: &PluginMeta) -> String {
    format!("{}.wasm", meta.name)
}

/// The `plugin.toml` text for a plugin whose module is `binary` (a file name beside the
/// manifest).
pub fn render(meta: &PluginMeta, binary: &str) -> Result<String, String> {
    let has = |c| meta.capabilities.contains(c);
    let manifest = Manifest {
        plugin: ManifestPlugin {
            name: &meta.name,
            version: &meta.version,
            description: &meta.description,
            author: &meta.author,
            homepage: meta.homepage.as_deref(),
            license: &meta.license,
            plugin_type: meta.plugin_type.name(),
            binary,
            capabilities: ManifestCapabilities {
                network: has(Capability::Network),
                filesystem: has(Capability::Filesystem),
                audio: has(Capability::Audio),
                midi: has(Capability::Midi),
                subprocess: has(Capability::Subprocess),
                system_control: has(Capability::SystemControl),
            },
        },
    };
    let body = toml::to_string(&manifest).map_err(|e| format!("cannot write the manifest: {e}"))?;
    Ok(format!(
        "# MIDIMon plugin manifest, written by host-check from the plugin's metadata.\n# Install as ~/.midimon/plugins/<dir>/plugin.toml with {binary} beside it.\n{body}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_has_the_daemons_shape() {
        let meta = PluginMeta::parse(
            br#"{"name":"p","version":"1.0.0","description":"d \"q\"","author":"a","license":"MIT","type":"action","actions":["x"],"capabilities":["midi","systemcontrol"]}"#,
        )
        .unwrap();
        let text = render(&meta, &default_binary(&meta)).unwrap();
        let table: toml::Table = text.parse().unwrap();
        let plugin = table["plugin"].as_table().unwrap();
        assert_eq!(plugin["name"].as_str(), Some("p"));
        assert_eq!(plugin["description"].as_str(), Some("d \"q\""));
        assert_eq!(plugin["license"].as_str(), Some("MIT"));
        assert_eq!(plugin["type"].as_str(), Some("action"));
        assert_eq!(plugin["binary"].as_str(), Some("p.wasm"));
        assert!(!plugin.contains_key("homepage"));
        let caps = plugin["capabilities"].as_table().unwrap();
        let granted: Vec<&str> = caps
            .iter()
            .filter(|(_, v)| v.as_bool() == Some(true))
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(granted, ["midi", "system_control"]);
        assert_eq!(caps.len(), 6);
    }
}
