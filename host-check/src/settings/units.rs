//! Units: how a duration, a size or a count is written, on the command line and in a budget
//! file alike.
//!
//! Every flag's `value_parser` and every budget-file key's deserializer (see `de`) go
//! through these functions, so that `"5s"`, `64KiB` or `100_000` mean the same thing wherever
//! they are written, and a bad value gets the same message.

use std::fmt;
use std::time::Duration;

/// A budget file, flag or key whose value is invalid; used by the parsers below.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError(pub String);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

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

/// Parses an action name (`--note-action`, `note_action`): any non-empty text.
pub fn parse_action(text: &str) -> Result<String, ValueError> {
    if text.is_empty() {
        return Err(ValueError("the action name must not be empty".to_string()));
    }
    Ok(text.to_string())
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
        assert_eq!(parse_action("velocity_curve").unwrap(), "velocity_curve");
        assert!(parse_action("").is_err());
        assert!(parse_positive_count("-1")
            .unwrap_err()
            .0
            .contains("must be a positive integer"));
    }
}
