//! The budget file (`--budget budget.toml`): top-level TOML keys, each the key of one settings
//! group, read with toml's serde support.
//!
//! The file stays flat (`max_fuel = 1000000`, not `[limits] max_fuel = ...`) so that every
//! budget file written so far keeps working. serde's `flatten` cannot be combined with
//! `deny_unknown_fields`, so the file is not one flattened struct: each key is routed to the
//! group that declares it (an unknown key is refused here, naming the known ones) and
//! deserialized on its own, so that a bad value names its key.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use thiserror::Error;

use super::{LimitOverrides, MeasurementOverrides, Overrides, ThresholdOverrides};

/// Why a budget file was rejected. Every variant is a usage error (exit code 2).
#[derive(Debug, Error)]
pub enum BudgetError {
    /// The budget file could not be read (missing, not a regular file, over 1 MiB ...).
    #[error("cannot read budget file {0}")]
    Io(#[from] crate::input::InputError),
    /// The budget file is not valid TOML.
    #[error("budget file is not valid TOML: {0}")]
    Toml(String),
    /// A key that host-check does not know (a typo would otherwise be silently ignored).
    #[error("unknown budget key `{key}` (known keys: {})", keys().join(", "))]
    UnknownKey {
        /// The key.
        key: String,
    },
    /// Any of the errors below, in the budget file at `path`.
    #[error("{}: {error}", path.display())]
    InFile {
        /// The budget file.
        path: PathBuf,
        /// What is wrong with it.
        error: Box<BudgetError>,
    },
    /// A key whose value has the wrong TOML type or cannot be used.
    #[error("budget key `{key}`: {message}")]
    InvalidValue {
        /// The key.
        key: String,
        /// Why, from the key's parser (see [`super::units`]).
        message: String,
    },
}

/// Every key a budget file may contain: the sandbox limits, the thresholds, the measurement
/// settings.
pub fn keys() -> Vec<&'static str> {
    [
        LimitOverrides::KEYS,
        ThresholdOverrides::KEYS,
        MeasurementOverrides::KEYS,
    ]
    .concat()
}

impl Overrides {
    /// Reads a budget file.
    pub fn load(path: &Path) -> Result<Overrides, BudgetError> {
        let text = crate::input::read_text(path, crate::input::FileKind::Budget)?;
        Overrides::from_toml(&text).map_err(|error| BudgetError::InFile {
            path: path.to_path_buf(),
            error: Box::new(error),
        })
    }

    /// Parses budget-file text: every key it sets, in its group.
    pub fn from_toml(text: &str) -> Result<Overrides, BudgetError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| BudgetError::Toml(toml_error(text, &e)))?;
        let mut file = Overrides::default();
        for (key, value) in table {
            let name = key.as_str();
            if LimitOverrides::KEYS.contains(&name) {
                file.limits = entry::<LimitOverrides>(key, value)?.or(file.limits);
            } else if ThresholdOverrides::KEYS.contains(&name) {
                file.thresholds = entry::<ThresholdOverrides>(key, value)?.or(file.thresholds);
            } else if MeasurementOverrides::KEYS.contains(&name) {
                file.measurement = entry::<MeasurementOverrides>(key, value)?.or(file.measurement);
            } else {
                return Err(BudgetError::UnknownKey { key });
            }
        }
        Ok(file)
    }
}

/// One `key = value` line, deserialized into its group's overrides (every other key `None`).
fn entry<T: DeserializeOwned>(key: String, value: toml::Value) -> Result<T, BudgetError> {
    let line = toml::Table::from_iter([(key.clone(), value)]);
    toml::Value::Table(line)
        .try_into()
        .map_err(|e: toml::de::Error| BudgetError::InvalidValue {
            key,
            message: crate::fmt::one_line(e.message()),
        })
}

/// Longest excerpt of the offending line shown in a TOML error.
const TOML_EXCERPT_CHARS: usize = 40;

/// A TOML parse error on one line: `line L, column C: message (near `excerpt`)`. The parser's
/// own text repeats the whole offending line, which may be megabytes long.
pub fn toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = crate::fmt::one_line(error.message());
    let Some(span) = error.span() else {
        return message;
    };
    let start = span.start.min(text.len());
    let before = text.get(..start).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |l| l.chars().count()) + 1;
    let near: String = text
        .get(start..)
        .unwrap_or("")
        .chars()
        .take_while(|&c| c != '\n')
        .take(TOML_EXCERPT_CHARS)
        .collect();
    if near.trim().is_empty() {
        format!("line {line}, column {column}: {message}")
    } else {
        format!(
            "line {line}, column {column}: {message} (near `{}`)",
            crate::fmt::printable(&near)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_belongs_to_one_group() {
        let keys = keys();
        assert_eq!(keys.len(), 17);
        for key in &keys {
            assert_eq!(keys.iter().filter(|k| *k == key).count(), 1, "{key}");
        }
    }

    #[test]
    fn budget_file_errors_name_the_key() {
        let cases: &[(&str, &str)] = &[
            ("max_fuell = 1", "max_fuell"),
            ("max_fuel = -1", "max_fuel"),
            ("max_fuel = 0", "max_fuel"),
            ("max_fuel = \"lots\"", "max_fuel"),
            ("timeout = 5", "timeout"),
            ("timeout = \"5\"", "timeout"),
            ("timeout = \"0s\"", "timeout"),
            ("max_memory = -4", "max_memory"),
            ("max_memory = 1.5", "max_memory"),
            ("note_action = 3", "note_action"),
            ("note_action = \"\"", "note_action"),
            ("note_calls = 0", "note_calls"),
            ("strict = 1", "strict"),
            ("[limits]\nmax_fuel = 1", "limits"),
        ];
        for (text, key) in cases {
            let err = Overrides::from_toml(text).unwrap_err().to_string();
            assert!(err.contains(&format!("`{key}`")), "{text:?}: {err}");
            assert!(!err.contains('\n'), "{text:?}: {err}");
        }
        assert!(matches!(
            Overrides::from_toml("max_fuel = "),
            Err(BudgetError::Toml(_))
        ));
    }

    #[test]
    fn messages_say_what_the_value_must_be() {
        let message = |text: &str| Overrides::from_toml(text).unwrap_err().to_string();
        assert_eq!(
            message("timeout = 5"),
            "budget key `timeout`: must be a duration string such as \"5s\" or \"250ms\", \
             found an integer"
        );
        assert_eq!(
            message("max_fuel = 0"),
            "budget key `max_fuel`: `0` must be at least 1: the value must be a positive integer"
        );
        assert!(message("max_fuell = 1").starts_with(
            "unknown budget key `max_fuell` (known keys: max_fuel, timeout, max_memory,"
        ));
    }
}
