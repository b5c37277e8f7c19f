//! Cross-checking a MIDIMon `config.toml` against a plugin's declared actions.
//!
//! MIDIMon's repository documents three shapes for a mapping that calls a plugin action:
//!
//! - the template README's `action = { Plugin = { name = "p", action = "a", params = {...} } }`;
//! - `config/test-plugins.toml`'s `action = { type = "plugin", plugin = "p", data = { type =
//!   "a" } }`;
//! - the plugin guide's `action = { Plugin = { plugin = "p", params = { action = "a" } } }`.
//!
//! None of them loads in MIDIMon `f4f371c`: its config parser (`ActionConfig`, tagged by
//! `type`) has no plugin action at all, so a config holding one fails to parse there. This
//! module says so, and still checks every such mapping against the plugin's metadata, because
//! that is what a later MIDIMon will need. The whole document is walked (modes, sequences
//! ...), not a fixed schema. A mapping that looks like a plugin action but cannot be read is a
//! failure, never silently skipped. The file is parsed as TOML 1.0, with the same parser
//! version as MIDIMon's own lock file.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::cap_findings;
use crate::fmt::{name_list, one_line, printable};
use crate::report::Finding;

/// The key of the inline table that marks a plugin action in MIDIMon's config.
pub const PLUGIN_KEY: &str = "Plugin";

/// One mapping that calls a plugin action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginMapping {
    /// Where it is in the document, e.g. `modes[0].mappings[2].action`.
    pub path: String,
    /// The plugin's name.
    pub plugin: String,
    /// The action it calls.
    pub action: String,
}

/// What a config holds that concerns plugins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginMappings {
    /// The mappings that could be read.
    pub mappings: Vec<PluginMapping>,
    /// Plugin-like tables that could not be read: `(path, why)`.
    pub unreadable: Vec<(String, String)>,
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
        message: crate::settings::toml_error(&text, &e),
    })
}

/// Every plugin mapping in the document, sorted by path (TOML tables are read as sorted maps).
pub fn plugin_mappings(config: &toml::Table) -> PluginMappings {
    let mut found = PluginMappings::default();
    walk_table(config, "", &mut found);
    found
}

/// A string member of a table, by key path.
fn string_at<'a>(table: &'a toml::Table, keys: &[&str]) -> Option<&'a str> {
    let (last, parents) = keys.split_last()?;
    let mut table = table;
    for key in parents {
        table = table.get(*key)?.as_table()?;
    }
    table.get(*last)?.as_str()
}

/// Reads the plugin action a table describes, if it is plugin-like: `Ok(None)` when it is not
/// about a plugin, `Err(why)` when it is but cannot be read.
fn read_mapping(table: &toml::Table) -> Result<Option<(String, String)>, String> {
    let pair = |plugin: Option<&str>, action: Option<&str>| {
        plugin
            .zip(action)
            .map(|(p, a)| (p.to_string(), a.to_string()))
    };
    if let Some(value) = table.get(PLUGIN_KEY) {
        let Some(inner) = value.as_table() else {
            return Err(format!(
                "`{PLUGIN_KEY}` is {}, not a table",
                value.type_str()
            ));
        };
        let readme = pair(string_at(inner, &["name"]), string_at(inner, &["action"]));
        let guide = pair(
            string_at(inner, &["plugin"]),
            string_at(inner, &["params", "action"]),
        );
        return readme.or(guide).map(Some).ok_or_else(|| {
            format!(
                "`{PLUGIN_KEY}` needs string `name` and `action` (or `plugin` and `params.action`)"
            )
        });
    }
    if table.get("type").and_then(toml::Value::as_str) == Some("plugin") {
        return pair(
            string_at(table, &["plugin"]),
            string_at(table, &["data", "type"]),
        )
        .map(Some)
        .ok_or_else(|| "`type = \"plugin\"` needs string `plugin` and `data.type`".to_string());
    }
    Ok(None)
}

fn walk_table(table: &toml::Table, path: &str, found: &mut PluginMappings) {
    let here = if path.is_empty() { "(top level)" } else { path };
    match read_mapping(table) {
        Ok(Some((plugin, action))) => found.mappings.push(PluginMapping {
            path: here.to_string(),
            plugin,
            action,
        }),
        Ok(None) => {}
        Err(why) => found.unreadable.push((here.to_string(), why)),
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

fn walk_value(value: &toml::Value, path: &str, found: &mut PluginMappings) {
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

/// The `config` checks: `config.midimon` (MIDIMon `f4f371c` cannot load any plugin mapping),
/// `config.mappings` (every plugin-like mapping can be read) and `config` (every mapping naming
/// the plugin uses one of its declared actions). `plugin` is the plugin's name and declared
/// actions, when its metadata could be read.
pub fn check(found: &PluginMappings, plugin: Option<(&str, &[String])>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let total = found.mappings.len() + found.unreadable.len();
    if total > 0 {
        let first = found
            .mappings
            .first()
            .map(|m| &m.path)
            .or(found.unreadable.first().map(|(p, _)| p))
            .cloned()
            .unwrap_or_default();
        findings.push(Finding::fail(
            "config.midimon",
            format!(
                "MIDIMon f4f371c's config parser has no plugin action (its actions are tagged by `type`: Keystroke, Text, Launch, Shell ...), so this config fails to load there: {total} plugin mapping(s), the first at {}",
                printable(&one_line(&first))
            ),
        ));
    }
    let unreadable = found.unreadable.iter().map(|(path, why)| {
        Finding::fail(
            "config.mappings",
            format!(
                "cannot read the plugin mapping at {}: {why}",
                printable(&one_line(path))
            ),
        )
    });
    findings.extend(cap_findings(
        unreadable.collect(),
        "config.mappings",
        "unreadable plugin mappings",
    ));
    let id = "config";
    let Some((plugin, actions)) = plugin else {
        findings.push(Finding::skip(
            id,
            "not run: the plugin's metadata is not available",
        ));
        return findings;
    };
    let ours: Vec<&PluginMapping> = found
        .mappings
        .iter()
        .filter(|m| m.plugin == plugin)
        .collect();
    if ours.is_empty() {
        let others = found.mappings.len();
        findings.push(Finding::warn(
            id,
            format!(
                "no mapping names plugin \"{plugin}\" ({others} other plugin mapping(s) found); is the plugin name right?"
            ),
        ));
        return findings;
    }
    if actions.is_empty() {
        findings.push(Finding::warn(
            id,
            format!(
                "the metadata of \"{plugin}\" lists no actions, so the {} mapped action(s) cannot be checked against it; they were run in MIDIMon's flow instead (daemon.*)",
                ours.len()
            ),
        ));
        return findings;
    }
    let wrong: Vec<&&PluginMapping> = ours
        .iter()
        .filter(|m| !actions.contains(&m.action))
        .collect();
    let listed = wrong.iter().map(|m| {
        Finding::fail(
            id,
            format!(
                "mapping at {} uses action \"{}\", which plugin \"{plugin}\" does not declare (declared: {})",
                printable(&one_line(&m.path)),
                printable(&one_line(&m.action)),
                name_list(actions)
            ),
        )
    });
    findings.extend(cap_findings(
        listed.collect(),
        id,
        "mappings with an undeclared action",
    ));
    if wrong.is_empty() {
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
        let paths: Vec<&str> = found.mappings.iter().map(|m| m.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "global.\"odd key\".action",
                "modes[0].mappings[0].action",
                "modes[0].mappings[1].action.Sequence[1]",
                "modes[1].mappings[0].action",
            ]
        );
        assert_eq!(found.mappings[2].action, "typo");
        assert!(found.unreadable.is_empty());
    }

    #[test]
    fn reads_the_three_documented_shapes() {
        let config: toml::Table = r#"
            a = { Plugin = { name = "p", action = "readme", params = { k = "v" } } }
            b = { type = "plugin", plugin = "p", data = { type = "test_plugins" } }
            c = { Plugin = { plugin = "p", params = { action = "guide" } } }
        "#
        .parse()
        .unwrap();
        let found = plugin_mappings(&config);
        let actions: Vec<&str> = found.mappings.iter().map(|m| m.action.as_str()).collect();
        assert_eq!(actions, ["readme", "test_plugins", "guide"]);
        assert!(found.mappings.iter().all(|m| m.plugin == "p"));
    }

    #[test]
    fn reports_undeclared_actions() {
        let config: toml::Table = CONFIG.parse().unwrap();
        let found = plugin_mappings(&config);
        let actions = vec!["velocity_curve".to_string(), "note_filter".to_string()];
        let findings = check(&found, Some(("velo", &actions)));
        let statuses: Vec<(&str, Status)> =
            findings.iter().map(|f| (f.id.as_str(), f.status)).collect();
        assert_eq!(
            statuses,
            [("config.midimon", Status::Fail), ("config", Status::Fail)]
        );
        assert!(findings[0]
            .detail
            .contains("4 plugin mapping(s), the first at global.\"odd key\".action"));
        assert_eq!(
            findings[1].detail,
            "mapping at modes[0].mappings[1].action.Sequence[1] uses action \"typo\", which plugin \"velo\" does not declare (declared: velocity_curve, note_filter)"
        );
        let ok = check(&found, Some(("someone-else", &["x".to_string()])));
        assert_eq!(ok[1].status, Status::Pass);
        let none = check(&found, Some(("absent", &actions)));
        assert_eq!(none[1].status, Status::Warn);
        let unlisted = check(&found, Some(("velo", &[])));
        assert_eq!(unlisted[1].status, Status::Warn);
        let unknown = check(&found, None);
        assert_eq!(unknown[1].status, Status::Skip);
    }

    #[test]
    fn unreadable_plugin_tables_fail() {
        let config: toml::Table = r#"a = { Plugin = { name = "p" } }
               b = { Plugin = "p" }
               c = { Plugin = { name = "p", action = 3 } }
               d = { type = "plugin", plugin = "p" }"#
            .parse()
            .unwrap();
        let found = plugin_mappings(&config);
        assert!(found.mappings.is_empty());
        let paths: Vec<&str> = found.unreadable.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["a", "b", "c", "d"]);
        assert_eq!(found.unreadable[1].1, "`Plugin` is string, not a table");
        let findings = check(&found, Some(("p", &["x".to_string()])));
        assert_eq!(
            findings
                .iter()
                .filter(|f| f.id == "config.mappings" && f.status == Status::Fail)
                .count(),
            4
        );
    }

    #[test]
    fn toml_1_1_is_rejected_as_midimon_rejects_it() {
        // A newline inside an inline table is TOML 1.1; MIDIMon's parser (TOML 1.0) refuses it,
        // and so must ours, or `--config` would pass a config the daemon cannot read.
        let text = "a = { Plugin = {\n name = \"p\", action = \"x\" } }\n";
        assert!(text.parse::<toml::Table>().is_err());
        assert!("a = { Plugin = { name = \"p\", action = \"x\" } }\n"
            .parse::<toml::Table>()
            .is_ok());
    }
}
