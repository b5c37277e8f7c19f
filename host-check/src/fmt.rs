//! Text helpers shared by every report and subcommand.
//!
//! They sit at the bottom of the module graph on purpose: numbers, durations, names and plugin
//! output are written the same way by `check`, `run`, `inspect` and `bench`, and none of those
//! should import another's module to do it. Nothing here knows about plugins or reports.

use std::borrow::Cow;
use std::time::Duration;

/// Bytes of each captured stream shown in the text report and included in the JSON.
pub const OUTPUT_EXCERPT: usize = 64 * 1024;

/// A duration in whole nanoseconds, saturating.
pub fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The first [`OUTPUT_EXCERPT`] bytes as lossy UTF-8, and how many bytes were left out.
pub fn excerpt(bytes: &[u8]) -> (String, usize) {
    let shown = bytes.len().min(OUTPUT_EXCERPT);
    (
        String::from_utf8_lossy(&bytes[..shown]).into_owned(),
        bytes.len() - shown,
    )
}

/// `text` with control characters (ANSI escapes, carriage returns, ...) written as escapes:
/// names and output come from the plugin, and must not rewrite a terminal or a CI log.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A multi-line text with every line passed through [`printable`].
pub fn printable_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(&printable(line));
        out.push('\n');
    }
    out
}

/// `1234567` → `1,234,567`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `text` in an ANSI colour (`code`, e.g. `1` bold, `32` green) when `colour` is on, plain
/// otherwise; written straight into the surrounding formatter, so nothing is allocated.
pub fn paint<T: std::fmt::Display>(colour: bool, code: &str, text: T) -> Painted<'_, T> {
    Painted { colour, code, text }
}

/// What [`paint`] returns.
pub struct Painted<'a, T> {
    colour: bool,
    code: &'a str,
    text: T,
}

impl<T: std::fmt::Display> std::fmt::Display for Painted<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.colour {
            write!(f, "\x1b[{}m{}\x1b[0m", self.code, self.text)
        } else {
            write!(f, "{}", self.text)
        }
    }
}

/// Most names listed in one line (e.g. the imported WASI functions).
pub const MAX_NAMES: usize = 20;

/// Names joined with ", ", at most [`MAX_NAMES`] of them, then "... and N more".
pub fn name_list<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<&str> = names.iter().take(MAX_NAMES).map(AsRef::as_ref).collect();
    let mut text = shown.join(", ");
    if names.len() > MAX_NAMES {
        text.push_str(&format!(
            " ... and {} more",
            group((names.len() - MAX_NAMES) as u64)
        ));
    }
    text
}

/// Longest message kept from an error chain: failures are one line of a report.
const MAX_MESSAGE_CHARS: usize = 300;

/// An error text on one line: line breaks and runs of spaces become one space, and the text is
/// cut after [`MAX_MESSAGE_CHARS`] characters.
pub fn one_line(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() > MAX_MESSAGE_CHARS {
            let cut: String = out.chars().take(MAX_MESSAGE_CHARS).collect();
            return format!("{cut}...");
        }
    }
    out
}

/// Formats a duration for reports: `5s`, `250ms`, `1.5ms`, `830ns`.
pub fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    let (value, unit) = if nanos >= 1_000_000_000 {
        (nanos as f64 / 1e9, "s")
    } else if nanos >= 1_000_000 {
        (nanos as f64 / 1e6, "ms")
    } else if nanos >= 1_000 {
        (nanos as f64 / 1e3, "µs")
    } else {
        return format!("{nanos}ns");
    };
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(group(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("plain é"), "plain é");
        assert_eq!(printable("\x1b[31mred\r"), "\\u{1b}[31mred\\r");
        assert_eq!(printable_lines("a\x07\nb\n"), "a\\u{7}\nb\n");
    }

    #[test]
    fn paints_only_with_colour() {
        assert_eq!(
            paint(true, "1;31", "FAIL").to_string(),
            "\x1b[1;31mFAIL\x1b[0m"
        );
        assert_eq!(paint(false, "1;31", format_args!("{}", 7)).to_string(), "7");
    }

    #[test]
    fn excerpts_are_bounded() {
        let big = vec![b'x'; OUTPUT_EXCERPT + 10];
        let (text, cut) = excerpt(&big);
        assert_eq!(text.len(), OUTPUT_EXCERPT);
        assert_eq!(cut, 10);
        assert_eq!(excerpt(b"\xffok").0, "\u{fffd}ok");
    }

    #[test]
    fn formats_durations() {
        assert_eq!(format_duration(Duration::from_secs(5)), "5s");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_micros(1500)), "1.5ms");
        assert_eq!(format_duration(Duration::from_nanos(830)), "830ns");
        assert_eq!(format_duration(Duration::from_nanos(1234)), "1.234µs");
    }
}
