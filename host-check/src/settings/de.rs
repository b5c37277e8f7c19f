//! How a budget-file value becomes a typed setting: the `deserialize_with` functions of the
//! settings' override structs.
//!
//! Each one takes the TOML value as written, checks its TOML type (a size may be an integer or
//! a string, a duration only a string) and hands it to the very [`units`](super::units) parser
//! the matching flag uses, so a budget file and the command line accept the same values with
//! the same messages. An integer is parsed through its decimal text: `max_fuel = 0` and
//! `--max-fuel 0` are refused by the same words.

use std::time::Duration;

use serde::de::{Deserialize, Deserializer, Error as _};

use super::units::{
    parse_action, parse_count, parse_duration, parse_nonzero_duration, parse_positive_count,
    parse_size, ValueError,
};

/// What a value of the wrong TOML type must be.
const SIZE: &str = "a size in bytes (an integer, or a string such as \"64KiB\")";
/// What a count of the wrong TOML type must be.
const COUNT: &str = "a non-negative integer";
/// What a duration of the wrong TOML type must be.
const DURATION: &str = "a duration string such as \"5s\" or \"250ms\"";

/// The TOML type name of a value, for error messages.
fn type_name(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a datetime",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

/// Reads the value, and parses its text with `parse` when it is a string (`strings`) or an
/// integer (`integers`); any other TOML type is refused as not being `expected`.
fn parsed<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    parse: fn(&str) -> Result<T, ValueError>,
    strings: bool,
    integers: bool,
    expected: &str,
) -> Result<Option<T>, D::Error> {
    let value = toml::Value::deserialize(deserializer)?;
    let text = match &value {
        toml::Value::String(s) if strings => s.clone(),
        toml::Value::Integer(n) if integers => n.to_string(),
        other => {
            return Err(D::Error::custom(format!(
                "must be {expected}, found {}",
                type_name(other)
            )))
        }
    };
    parse(&text).map(Some).map_err(|e| D::Error::custom(e.0))
}

/// A size: an integer number of bytes, or a string with a `KiB`/`MiB`/`GiB` suffix.
pub fn size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    parsed(d, parse_size, true, true, SIZE)
}

/// A count (fuel, calls): a non-negative integer.
pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    parsed(d, parse_count, false, true, COUNT)
}

/// A count that must be at least 1.
pub fn positive_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    parsed(d, parse_positive_count, false, true, COUNT)
}

/// A duration: a string such as `"5s"` or `"250ms"`.
pub fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    parsed(d, parse_duration, true, false, DURATION)
}

/// A duration that must be longer than zero.
pub fn nonzero_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    parsed(d, parse_nonzero_duration, true, false, DURATION)
}

/// An action name: a non-empty string.
pub fn action<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    parsed(d, parse_action, true, false, "a string (an action name)")
}

/// A boolean.
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match toml::Value::deserialize(d)? {
        toml::Value::Boolean(b) => Ok(Some(b)),
        other => Err(D::Error::custom(format!(
            "must be a boolean, found {}",
            type_name(&other)
        ))),
    }
}
