//! Cross-checking a MIDIMon `config.toml` against a plugin's declared actions.
//!
//! A mapping in MIDIMon's configuration names a plugin and one of its actions, e.g.
//! `action = { Plugin = { name = "velocity-tools", action = "velocity_curve", params = { curve
//! = "soft" } } }`. A typo in the action name only shows when the mapped key is pressed, where
//! the plugin answers "unknown action". `host-check check --config` finds every such mapping,
//! wherever it sits in the file (modes, layers, sequences ...: the whole document is walked,
//! not a fixed schema, so that it keeps working as MIDIMon's schema grows), and checks each
//! action against the plugin's metadata.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::report::Finding;

/// The key of the inline table that marks a plugin action in MIDIMon's config.
pub const PLUGIN_KEY: &str = "Plugin";

/// One mapping that calls a plugin action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginMapping {
    /// Where it is in the document, e.g. `modes[0].mappings[2].action`.
    pub path: String,
    /// The plugin `name`.
    pub plugin: String,
    /// The `action` it calls.
    pub action: String,
}

/// Why a config file could not be used (a usage error, exit code 2).
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read (missing, not a regular file, over 16 MiB ...).
    #[error("cannot read MIDIMon config {0}")]
    Io(#[from] crate::input::InputError),
    /// The file is not valid TOML.
    #[error("MIDIMon config {} is not valid TOML: {message}", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
}

/// Reads and parses a MIDIMon config file.
pub fn load(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = crate::input::read_text(path, crate::input::FileKind::Config)?;
    text.parse::<toml::Table>().map_err(|e| ConfigError::Toml {
        path: path.to_path_buf(),
        message: crate::budget::toml_error(&text, &e),
    })
}

/// Every plugin mapping in the document, sorted by path (TOML tables are read as sorted maps).
pub fn plugin_mappings(config: &toml::Table) -> Vec<PluginMapping> {
    let mut found = Vec::new();
    walk_table(config, "", &mut found);
    found
}

fn walk_table(table: &toml::Table, path: &str, found: &mut Vec<PluginMapping>) {
    if let Some(toml::Value::Table(plugin)) = table.get(PLUGIN_KEY) {
        if let (Some(toml::Value::String(name)), Some(toml::Value::String(action))) =
            (plugin.get("name"), plugin.get("action"))
        {
            found.push(PluginMapping {
                path: if path.is_empty() {
                    "(top level)".to_string()
                } else {
                    path.to_string()
                },
                plugin: name.clone(),
                action: action.clone(),
            });
        }
    }
    for (key, value) in table {
        let child = if path.is_empty() {
            key_segment(key)
        } else {
            format!("{path}.{}", key_segment(key))
        };
        walk_value(value, &child, found);
    }
}

fn walk_value(value: &toml::Value, path: &str, found: &mut Vec<PluginMapping>) {
    match value {
        toml::Value::Table(table) => walk_table(table, path, found),
        toml::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk_value(item, &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

/// A key as it would be written in a TOML dotted path (quoted unless it is a bare key).
fn key_segment(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

/// The `config` check: every mapping naming `plugin` uses one of `actions`.
pub fn check(mappings: &[PluginMapping], plugin: &str, actions: &[String]) -> Vec<Finding> {
    let id = "config";
    let ours: Vec<&PluginMapping> = mappings.iter().filter(|m| m.plugin == plugin).collect();
    if ours.is_empty() {
        let others = mappings.len();
        return vec![Finding::warn(
            id,
            format!(
                "no mapping names plugin \"{plugin}\" ({others} other plugin mapping(s) found); is the plugin name right?"
            ),
        )];
    }
    let mut findings: Vec<Finding> = ours
        .iter()
        .filter(|m| !actions.contains(&m.action))
        .map(|m| {
            Finding::fail(
                id,
                format!(
                    "mapping at {} uses action \"{}\", which plugin \"{plugin}\" does not declare (declared: {})",
                    crate::report::printable(&crate::runner::one_line(&m.path)),
                    crate::report::printable(&crate::runner::one_line(&m.action)),
                    crate::static_check::name_list(actions)
                ),
            )
        })
        .collect();
    findings =
        crate::static_check::cap_findings(findings, id, "mappings with an undeclared action");
    if findings.is_empty() {
        findings.push(Finding::pass(
            id,
            format!(
                "{} mapping(s) name plugin \"{plugin}\", all with declared actions",
                ours.len()
            ),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    const CONFIG: &str = r#"
        [device]
        name = "Mikro"

        [[modes]]
        name = "Default"

        [[modes.mappings]]
        trigger = { Note = { note = 60 } }
        action = { Plugin = { name = "velo", action = "velocity_curve", params = { curve = "soft" } } }

        [[modes.mappings]]
        trigger = { Note = { note = 61 } }
        action = { Sequence = [ { Keystroke = "a" }, { Plugin = { name = "velo", action = "typo" } } ] }

        [[modes]]
        name = "Other"
        [[modes.mappings]]
        action = { Plugin = { name = "someone-else", action = "x" } }

        [global."odd key"]
        action = { Plugin = { name = "velo", action = "note_filter" } }
    "#;

    #[test]
    fn finds_mappings_anywhere() {
        let config: toml::Table = CONFIG.parse().unwrap();
        let found = plugin_mappings(&config);
        let paths: Vec<&str> = found.iter().map(|m| m.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "global.\"odd key\".action",
                "modes[0].mappings[0].action",
                "modes[0].mappings[1].action.Sequence[1]",
                "modes[1].mappings[0].action",
            ]
        );
        assert_eq!(found[2].action, "typo");
    }

    #[test]
    fn reports_undeclared_actions() {
        let config: toml::Table = CONFIG.parse().unwrap();
        let found = plugin_mappings(&config);
        let actions = vec!["velocity_curve".to_string(), "note_filter".to_string()];
        let findings = check(&found, "velo", &actions);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Fail);
        assert_eq!(
            findings[0].detail,
            "mapping at modes[0].mappings[1].action.Sequence[1] uses action \"typo\", which plugin \"velo\" does not declare (declared: velocity_curve, note_filter)"
        );
        let ok = check(&found, "someone-else", &["x".to_string()]);
        assert_eq!(ok[0].status, Status::Pass);
        let none = check(&found, "absent", &actions);
        assert_eq!(none[0].status, Status::Warn);
    }

    #[test]
    fn ignores_incomplete_plugin_tables() {
        let config: toml::Table = r#"a = { Plugin = { name = "p" } }
               b = { Plugin = "p" }
               c = { Plugin = { name = "p", action = 3 } }"#
            .parse()
            .unwrap();
        assert!(plugin_mappings(&config).is_empty());
    }
}
