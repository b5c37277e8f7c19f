//! Budgets: how much fuel, wall time, memory and module size a plugin may use.
//!
//! MIDIMon runs every plugin call on the MIDI path, so a plugin is only acceptable when it is
//! small and fast enough. The limits live in one [`Budgets`] value with documented defaults,
//! which a budget file (TOML, top-level keys only) and then command-line flags override. Both
//! routes parse values with the same functions ([`parse_duration`], [`parse_size`]), so `"5s"`
//! means the same thing everywhere.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use thiserror::Error;

/// Default fuel per call: generous for any plugin that handles one MIDI event, small enough that
/// an endless loop ends within a fraction of a second.
pub const DEFAULT_MAX_FUEL: u64 = 100_000_000;
/// Default wall time per call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default linear-memory limit, in bytes (128 MiB); a memory of exactly this size is allowed.
pub const DEFAULT_MAX_MEMORY: u64 = 128 * 1024 * 1024;
/// Default number of note-on calls the note path makes (it may stop earlier, see
/// [`DEFAULT_NOTE_TIME`]).
pub const DEFAULT_NOTE_CALLS: u64 = 10_000;
/// Default wall-time cap of the note-path measurement: a slow but legal plugin is measured on
/// fewer calls rather than waited on.
pub const DEFAULT_NOTE_TIME: Duration = Duration::from_secs(1);
/// Default wall time the compilation of a module may take. The std reference plugin compiles
/// in well under a second and a 5 MB module in a few seconds (see the README); a module that
/// needs more is not a plugin MIDIMon could load quickly either.
pub const DEFAULT_MAX_COMPILE_TIME: Duration = Duration::from_secs(30);
/// The default `max_check_time` is this many `timeout`s, plus `note_time`: room for the
/// dozen phases of a check to each use a whole timeout, plus the note path, which has its own
/// cap.
pub const CHECK_TIME_TIMEOUTS: u32 = 12;
/// Default disk budget of the sandbox directory (plugins with the `filesystem` capability).
pub const DEFAULT_MAX_DISK: u64 = 64 * 1024 * 1024;

/// Every limit host-check applies, with the defaults of [`Budgets::default`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budgets {
    /// Largest raw module size in bytes (`max_size`); `None`: no limit.
    pub max_size: Option<u64>,
    /// Largest size after `wasm-opt -Oz`, in bytes (`max_size_optimized`); `None`: not checked.
    pub max_size_optimized: Option<u64>,
    /// Fuel per call (`max_fuel`), refilled before instantiation and before every call.
    pub max_fuel: u64,
    /// Wall time per call (`timeout`), enforced with epoch interruption.
    pub timeout: Duration,
    /// Largest linear memory in bytes (`max_memory`), inclusive.
    pub max_memory: u64,
    /// Largest fuel of one note-on `execute` (`note_fuel`); `None`: reported, not enforced.
    pub note_fuel: Option<u64>,
    /// Largest fuel of one note-on `execute_postcard` (`postcard_fuel`), when exported.
    pub postcard_fuel: Option<u64>,
    /// Largest p99 latency of the note-on `execute` (`note_p99`).
    pub note_p99: Option<Duration>,
    /// Note-on calls the note path makes at most (`note_calls`).
    pub note_calls: u64,
    /// Wall time the note path runs at most (`note_time`).
    pub note_time: Duration,
    /// The action the note path runs (`note_action`); `None`: the first declared action.
    pub note_action: Option<String>,
    /// Largest fuel of one `execute` on MIDIMon's own note-on request (`daemon_fuel`).
    pub daemon_fuel: Option<u64>,
    /// Largest p99 latency of one event in MIDIMon's flow, a fresh instance per event
    /// (`event_p99`).
    pub event_p99: Option<Duration>,
    /// Whether warnings (the template README's rules) fail the check (`strict`).
    pub strict: bool,
    /// Wall time one compilation may take (`max_compile_time`).
    pub max_compile_time: Duration,
    /// Wall time all plugin calls of one check may take (`max_check_time`); `None`: the
    /// default of [`Budgets::check_time`].
    pub max_check_time: Option<Duration>,
    /// Bytes a plugin may write to its sandbox directory in one check (`max_disk`).
    pub max_disk: u64,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            max_size: None,
            max_size_optimized: None,
            max_fuel: DEFAULT_MAX_FUEL,
            timeout: DEFAULT_TIMEOUT,
            max_memory: DEFAULT_MAX_MEMORY,
            note_fuel: None,
            postcard_fuel: None,
            note_p99: None,
            note_calls: DEFAULT_NOTE_CALLS,
            note_time: DEFAULT_NOTE_TIME,
            note_action: None,
            daemon_fuel: None,
            event_p99: None,
            strict: false,
            max_compile_time: DEFAULT_MAX_COMPILE_TIME,
            max_check_time: None,
            max_disk: DEFAULT_MAX_DISK,
        }
    }
}

/// Values given on the command line; each `Some` replaces the budget file's (or default) value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BudgetOverrides {
    /// `--max-size`.
    pub max_size: Option<u64>,
    /// `--max-size-optimized`.
    pub max_size_optimized: Option<u64>,
    /// `--max-fuel`.
    pub max_fuel: Option<u64>,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--max-memory`.
    pub max_memory: Option<u64>,
    /// `--note-fuel`.
    pub note_fuel: Option<u64>,
    /// `--postcard-fuel`.
    pub postcard_fuel: Option<u64>,
    /// `--note-p99`.
    pub note_p99: Option<Duration>,
    /// `--note-calls`.
    pub note_calls: Option<u64>,
    /// `--note-time`.
    pub note_time: Option<Duration>,
    /// `--note-action`.
    pub note_action: Option<String>,
    /// `--daemon-fuel`.
    pub daemon_fuel: Option<u64>,
    /// `--event-p99`.
    pub event_p99: Option<Duration>,
    /// `--strict` (a flag can only turn it on).
    pub strict: bool,
    /// `--max-compile-time`.
    pub max_compile_time: Option<Duration>,
    /// `--max-check-time`.
    pub max_check_time: Option<Duration>,
    /// `--max-disk`.
    pub max_disk: Option<u64>,
}

/// Why a budget file or value was rejected. Every variant is a usage error (exit code 2).
#[derive(Debug, Error)]
pub enum BudgetError {
    /// The budget file could not be read (missing, not a regular file, over 1 MiB ...).
    #[error("cannot read budget file {0}")]
    Io(#[from] crate::input::InputError),
    /// The budget file is not valid TOML.
    #[error("budget file is not valid TOML: {0}")]
    Toml(String),
    /// A key that host-check does not know (a typo would otherwise be silently ignored).
    #[error("unknown budget key `{key}` (known keys: {})", KEYS.join(", "))]
    UnknownKey {
        /// The key.
        key: String,
    },
    /// A key whose value has the wrong TOML type.
    #[error("budget key `{key}` must be {expected}, found {found}")]
    WrongType {
        /// The key.
        key: &'static str,
        /// What it must be.
        expected: &'static str,
        /// The TOML type found.
        found: &'static str,
    },
    /// A key whose value cannot be used.
    #[error("budget key `{key}`: {message}")]
    InvalidValue {
        /// The key (or flag).
        key: &'static str,
        /// Why.
        message: String,
    },
}

/// A budget file, flag or key whose value is invalid; used by the parsers below.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError(pub String);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

/// The keys a budget file may contain.
pub const KEYS: &[&str] = &[
    "max_size",
    "max_size_optimized",
    "max_fuel",
    "timeout",
    "max_memory",
    "note_fuel",
    "postcard_fuel",
    "note_p99",
    "note_calls",
    "note_time",
    "note_action",
    "daemon_fuel",
    "event_p99",
    "strict",
    "max_compile_time",
    "max_check_time",
    "max_disk",
];

impl Budgets {
    /// Reads a budget file and applies it on top of the defaults.
    pub fn load(path: &Path) -> Result<Budgets, BudgetError> {
        let text = crate::input::read_text(path, crate::input::FileKind::Budget)?;
        Budgets::from_toml(&text)
    }

    /// Parses budget-file text and applies it on top of the defaults.
    pub fn from_toml(text: &str) -> Result<Budgets, BudgetError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| BudgetError::Toml(toml_error(text, &e)))?;
        let mut budgets = Budgets::default();
        for (key, value) in &table {
            match key.as_str() {
                "max_size" => budgets.max_size = Some(size_value("max_size", value)?),
                "max_size_optimized" => {
                    budgets.max_size_optimized = Some(size_value("max_size_optimized", value)?);
                }
                "max_fuel" => {
                    budgets.max_fuel = positive(count_value("max_fuel", value)?, "max_fuel")?
                }
                "timeout" => {
                    budgets.timeout =
                        nonzero_duration(duration_value("timeout", value)?, "timeout")?
                }
                "max_memory" => budgets.max_memory = size_value("max_memory", value)?,
                "note_fuel" => budgets.note_fuel = Some(count_value("note_fuel", value)?),
                "postcard_fuel" => {
                    budgets.postcard_fuel = Some(count_value("postcard_fuel", value)?)
                }
                "note_p99" => budgets.note_p99 = Some(duration_value("note_p99", value)?),
                "note_calls" => {
                    budgets.note_calls = positive(count_value("note_calls", value)?, "note_calls")?;
                }
                "note_time" => {
                    budgets.note_time =
                        nonzero_duration(duration_value("note_time", value)?, "note_time")?;
                }
                "note_action" => budgets.note_action = Some(action_value(value)?),
                "daemon_fuel" => budgets.daemon_fuel = Some(count_value("daemon_fuel", value)?),
                "event_p99" => budgets.event_p99 = Some(duration_value("event_p99", value)?),
                "strict" => {
                    budgets.strict = value.as_bool().ok_or(BudgetError::WrongType {
                        key: "strict",
                        expected: "a boolean",
                        found: type_name(value),
                    })?;
                }
                "max_compile_time" => {
                    budgets.max_compile_time = nonzero_duration(
                        duration_value("max_compile_time", value)?,
                        "max_compile_time",
                    )?;
                }
                "max_check_time" => {
                    budgets.max_check_time = Some(nonzero_duration(
                        duration_value("max_check_time", value)?,
                        "max_check_time",
                    )?);
                }
                "max_disk" => budgets.max_disk = size_value("max_disk", value)?,
                other => {
                    return Err(BudgetError::UnknownKey {
                        key: other.to_string(),
                    })
                }
            }
        }
        Ok(budgets)
    }

    /// Applies command-line overrides (flags win over the budget file).
    pub fn apply(&mut self, overrides: &BudgetOverrides) {
        let o = overrides.clone();
        self.max_size = o.max_size.or(self.max_size);
        self.max_size_optimized = o.max_size_optimized.or(self.max_size_optimized);
        self.max_fuel = o.max_fuel.unwrap_or(self.max_fuel);
        self.timeout = o.timeout.unwrap_or(self.timeout);
        self.max_memory = o.max_memory.unwrap_or(self.max_memory);
        self.note_fuel = o.note_fuel.or(self.note_fuel);
        self.postcard_fuel = o.postcard_fuel.or(self.postcard_fuel);
        self.note_p99 = o.note_p99.or(self.note_p99);
        self.note_calls = o.note_calls.unwrap_or(self.note_calls);
        self.note_time = o.note_time.unwrap_or(self.note_time);
        if o.note_action.is_some() {
            self.note_action = o.note_action;
        }
        self.daemon_fuel = o.daemon_fuel.or(self.daemon_fuel);
        self.event_p99 = o.event_p99.or(self.event_p99);
        self.strict |= o.strict;
        self.max_compile_time = o.max_compile_time.unwrap_or(self.max_compile_time);
        self.max_check_time = o.max_check_time.or(self.max_check_time);
        self.max_disk = o.max_disk.unwrap_or(self.max_disk);
    }

    /// The wall-time budget of all plugin calls of one check: `max_check_time`, by default
    /// [`CHECK_TIME_TIMEOUTS`] × `timeout` + `note_time` (61 s with the defaults).
    pub fn check_time(&self) -> Duration {
        self.max_check_time.unwrap_or_else(|| {
            self.timeout
                .saturating_mul(CHECK_TIME_TIMEOUTS)
                .saturating_add(self.note_time)
        })
    }
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

/// A non-negative integer key (fuel, call counts).
fn count_value(key: &'static str, value: &toml::Value) -> Result<u64, BudgetError> {
    match value {
        toml::Value::Integer(n) => u64::try_from(*n).map_err(|_| BudgetError::InvalidValue {
            key,
            message: format!("must not be negative, found {n}"),
        }),
        other => Err(BudgetError::WrongType {
            key,
            expected: "a non-negative integer",
            found: type_name(other),
        }),
    }
}

/// A size key: an integer number of bytes, or a string with a `KiB`/`MiB`/`GiB` suffix.
fn size_value(key: &'static str, value: &toml::Value) -> Result<u64, BudgetError> {
    match value {
        toml::Value::Integer(_) => count_value(key, value),
        toml::Value::String(s) => {
            parse_size(s).map_err(|e| BudgetError::InvalidValue { key, message: e.0 })
        }
        other => Err(BudgetError::WrongType {
            key,
            expected: "a size in bytes (an integer, or a string such as \"64KiB\")",
            found: type_name(other),
        }),
    }
}

/// A duration key: a string such as `"5s"` or `"250ms"`.
fn duration_value(key: &'static str, value: &toml::Value) -> Result<Duration, BudgetError> {
    match value {
        toml::Value::String(s) => {
            parse_duration(s).map_err(|e| BudgetError::InvalidValue { key, message: e.0 })
        }
        other => Err(BudgetError::WrongType {
            key,
            expected: "a duration string such as \"5s\" or \"250ms\"",
            found: type_name(other),
        }),
    }
}

/// `note_action`: a non-empty string.
fn action_value(value: &toml::Value) -> Result<String, BudgetError> {
    match value {
        toml::Value::String(s) if s.is_empty() => Err(BudgetError::InvalidValue {
            key: "note_action",
            message: "must not be empty".to_string(),
        }),
        toml::Value::String(s) => Ok(s.clone()),
        other => Err(BudgetError::WrongType {
            key: "note_action",
            expected: "a string (an action name)",
            found: type_name(other),
        }),
    }
}

/// Rejects 0 where it would make every call fail or measure nothing.
fn positive(value: u64, key: &'static str) -> Result<u64, BudgetError> {
    if value == 0 {
        return Err(BudgetError::InvalidValue {
            key,
            message: "must be at least 1".to_string(),
        });
    }
    Ok(value)
}

/// Rejects a zero duration where it would make every call time out.
fn nonzero_duration(value: Duration, key: &'static str) -> Result<Duration, BudgetError> {
    if value.is_zero() {
        return Err(BudgetError::InvalidValue {
            key,
            message: "must be longer than 0".to_string(),
        });
    }
    Ok(value)
}

/// Parses a duration: a non-negative decimal number and a unit, e.g. `5s`, `250ms`, `1.5s`,
/// `100us` (also `µs`), `20ns`, `2min`. Exact: `1.5s` is 1,500,000,000 ns.
pub fn parse_duration(text: &str) -> Result<Duration, ValueError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if unit.starts_with(char::is_whitespace) {
        return Err(ValueError(format!(
            "duration `{text}` has a space before its unit (write e.g. 5s or 250ms)"
        )));
    }
    if text.starts_with('-') {
        return Err(ValueError(format!(
            "duration `{text}` is negative: it must be positive, e.g. 5s or 250ms"
        )));
    }
    let unit_nanos: u128 = match unit {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "min" => 60_000_000_000,
        "" => {
            return Err(ValueError(format!(
                "duration `{text}` has no unit (write e.g. 5s, 250ms, 1.5s or 100us)"
            )))
        }
        other => {
            return Err(ValueError(format!(
                "duration `{text}` has an unknown unit `{other}` (use ns, us, ms, s or min)"
            )))
        }
    };
    let (mantissa, scale) = decimal(number)
        .ok_or_else(|| ValueError(format!("`{text}` is not a duration such as 5s or 250ms")))?;
    let nanos = mantissa
        .checked_mul(unit_nanos)
        .map(|n| n / scale)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| ValueError(format!("duration `{text}` is too long")))?;
    Ok(Duration::from_nanos(nanos))
}

/// Parses `digits[.digits]` into a mantissa and its power-of-ten divisor.
fn decimal(number: &str) -> Option<(u128, u128)> {
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) => (w, f),
        None => (number, ""),
    };
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if number.ends_with('.') || fraction.contains('.') || fraction.len() > 18 {
        return None;
    }
    let mut mantissa: u128 = 0;
    for b in whole.bytes().chain(fraction.bytes()) {
        if !b.is_ascii_digit() {
            return None;
        }
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(u128::from(b - b'0'))?;
    }
    let exponent = u32::try_from(fraction.len()).ok()?;
    Some((mantissa, 10u128.checked_pow(exponent)?))
}

/// Parses a size in bytes: an integer with an optional `B`, `KiB`, `MiB` or `GiB` suffix
/// (case-insensitive), e.g. `65536`, `64KiB`, `128MiB`.
pub fn parse_size(text: &str) -> Result<u64, ValueError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if unit.starts_with(char::is_whitespace) {
        return Err(ValueError(format!(
            "size `{text}` has a space before its unit (write e.g. 64KiB)"
        )));
    }
    if text.starts_with('-') {
        return Err(ValueError(format!(
            "size `{text}` is negative: it must be a positive size, e.g. 65536 or 64KiB"
        )));
    }
    let multiplier: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        other => {
            return Err(ValueError(format!(
                "size `{text}` has an unknown unit `{other}` (use bytes, KiB, MiB or GiB)"
            )))
        }
    };
    let value: u64 = number
        .parse()
        .map_err(|_| ValueError(format!("`{text}` is not a size such as 65536 or 64KiB")))?;
    value
        .checked_mul(multiplier)
        .ok_or_else(|| ValueError(format!("size `{text}` is too large")))
}

/// Parses a count (fuel, calls): a non-negative decimal integer; `_` may separate digits
/// (`100_000_000`), as in TOML and Rust. A sign, a doubled, leading or trailing `_`, spaces
/// inside the number or any other character are rejected rather than guessed at.
pub fn parse_count(text: &str) -> Result<u64, ValueError> {
    let trimmed = text.trim();
    let well_formed = !trimmed.is_empty()
        && trimmed
            .split('_')
            .all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return Err(ValueError(if trimmed.starts_with('-') {
            format!("`{text}` is negative: the value must be a positive integer")
        } else {
            format!("`{text}` is not a non-negative integer (digits, `_` between digits)")
        }));
    }
    let cleaned: String = trimmed.chars().filter(|&c| c != '_').collect();
    cleaned
        .parse()
        .map_err(|_| ValueError(format!("`{text}` is too large (at most {})", u64::MAX)))
}

/// Parses a count that must be at least 1 (`--max-fuel`, `--note-calls`).
pub fn parse_positive_count(text: &str) -> Result<u64, ValueError> {
    match parse_count(text)? {
        0 => Err(ValueError(format!(
            "`{text}` must be at least 1: the value must be a positive integer"
        ))),
        n => Ok(n),
    }
}

/// Parses a duration that must be longer than zero (`--timeout`, `--note-time`).
pub fn parse_nonzero_duration(text: &str) -> Result<Duration, ValueError> {
    let d = parse_duration(text)?;
    if d.is_zero() {
        return Err(ValueError(format!("`{text}` must be longer than 0")));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("100us").unwrap(), Duration::from_micros(100));
        assert_eq!(parse_duration("100µs").unwrap(), Duration::from_micros(100));
        assert_eq!(parse_duration("20ns").unwrap(), Duration::from_nanos(20));
        assert_eq!(parse_duration("2min").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration(".5s").unwrap(), Duration::from_millis(500));
        assert_eq!(
            parse_duration(" 0.001s ").unwrap(),
            Duration::from_millis(1)
        );
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
        for bad in [
            "",
            "5",
            "s",
            "-1s",
            "1..5s",
            "1.s",
            "5 sec",
            "5 s",
            "+5s",
            "1e3ms",
            "5h",
            "99999999999999999999s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("65536").unwrap(), 65536);
        assert_eq!(parse_size("64KiB").unwrap(), 65536);
        assert_eq!(parse_size("128MiB").unwrap(), 128 << 20);
        assert_eq!(parse_size("1gib").unwrap(), 1 << 30);
        assert_eq!(parse_size("10B").unwrap(), 10);
        for bad in [
            "",
            "KiB",
            "-1",
            "+1",
            "64 KiB",
            "1.5MiB",
            "1KB",
            "99999999999999999999GiB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn counts() {
        assert_eq!(parse_count("100_000_000").unwrap(), 100_000_000);
        assert_eq!(parse_count("5").unwrap(), 5);
        for bad in ["-5", "ten", "+5", "1__0", "_10", "10_", "1 0", "", "0x10"] {
            assert!(parse_count(bad).is_err(), "{bad:?} must be rejected");
        }
        assert!(parse_positive_count("-1")
            .unwrap_err()
            .0
            .contains("must be a positive integer"));
    }

    #[test]
    fn budget_file_overrides_defaults() {
        let b = Budgets::from_toml(
            r#"
            max_size = "64KiB"
            max_size_optimized = 30000
            max_fuel = 5_000_000
            timeout = "250ms"
            max_memory = "16MiB"
            note_fuel = 20000
            postcard_fuel = 5000
            note_p99 = "50us"
            note_calls = 500
            note_time = "1.5s"
            note_action = "velocity_curve"
            max_compile_time = "10s"
            max_check_time = "2min"
            max_disk = "1MiB"
            "#,
        )
        .unwrap();
        assert_eq!(b.max_size, Some(65536));
        assert_eq!(b.max_size_optimized, Some(30000));
        assert_eq!(b.max_fuel, 5_000_000);
        assert_eq!(b.timeout, Duration::from_millis(250));
        assert_eq!(b.max_memory, 16 << 20);
        assert_eq!(b.note_fuel, Some(20000));
        assert_eq!(b.postcard_fuel, Some(5000));
        assert_eq!(b.note_p99, Some(Duration::from_micros(50)));
        assert_eq!(b.note_calls, 500);
        assert_eq!(b.note_time, Duration::from_millis(1500));
        assert_eq!(b.note_action.as_deref(), Some("velocity_curve"));
        assert_eq!(b.max_compile_time, Duration::from_secs(10));
        assert_eq!(b.check_time(), Duration::from_secs(120));
        assert_eq!(b.max_disk, 1 << 20);
    }

    #[test]
    fn empty_budget_file_is_the_default() {
        assert_eq!(Budgets::from_toml("").unwrap(), Budgets::default());
        let d = Budgets::default();
        assert_eq!(d.max_fuel, 100_000_000);
        assert_eq!(d.timeout, Duration::from_secs(5));
        assert_eq!(d.max_memory, 134_217_728);
        assert_eq!(d.note_calls, 10_000);
        assert_eq!(d.note_time, Duration::from_secs(1));
        assert_eq!(d.max_size, None);
        assert_eq!(d.max_compile_time, Duration::from_secs(30));
        assert_eq!(d.check_time(), Duration::from_secs(61));
        assert_eq!(d.max_disk, 64 << 20);
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
            ("[limits]\nmax_fuel = 1", "limits"),
        ];
        for (text, key) in cases {
            let err = Budgets::from_toml(text).unwrap_err().to_string();
            assert!(err.contains(key), "{text:?}: {err}");
        }
        assert!(matches!(
            Budgets::from_toml("max_fuel = "),
            Err(BudgetError::Toml(_))
        ));
    }

    #[test]
    fn flags_override_the_file() {
        let mut b = Budgets::from_toml("max_fuel = 10\nnote_action = \"a\"").unwrap();
        b.apply(&BudgetOverrides {
            max_fuel: Some(20),
            timeout: Some(Duration::from_millis(100)),
            ..Default::default()
        });
        assert_eq!(b.max_fuel, 20);
        assert_eq!(b.timeout, Duration::from_millis(100));
        assert_eq!(b.note_action.as_deref(), Some("a"));
        b.apply(&BudgetOverrides {
            note_action: Some("b".into()),
            ..Default::default()
        });
        assert_eq!(b.note_action.as_deref(), Some("b"));
    }
}
