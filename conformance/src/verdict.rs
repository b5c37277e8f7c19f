//! What a reference concludes about an input ([`Verdict`]), and how serde_json's errors map
//! onto it: the prefixes the visitors raise for field faults and undecidable inputs.

use core::fmt;

use serde::de::{self};

/// Prefix of the custom serde errors the reference raises for a field fault.
pub(crate) const FIELD: &str = "\u{1}field";
/// Prefix of the custom serde errors that make the reference undecided.
pub(crate) const UNDECIDED: &str = "\u{1}undecided";

/// What the reference concludes about an input.
#[derive(Debug)]
pub enum Verdict<T> {
    /// Accepted, with the decoded value.
    Accept(T),
    /// Rejected for a syntax or encoding fault (JSON syntax, UTF-8, nesting).
    Syntax(String),
    /// Rejected for a field of the wrong type, out of range, duplicated or missing.
    Field(String),
    /// serde_json hit one of its own limits (numbers beyond f64, recursion): no verdict.
    Undecided(String),
}

/// The input, printable in a panic message (truncated).
pub struct Shown<'a>(pub &'a [u8]);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 600;
        let bytes = &self.0[..self.0.len().min(MAX)];
        write!(f, "{} bytes: b\"{}\"", self.0.len(), bytes.escape_ascii())?;
        if self.0.len() > MAX {
            f.write_str("...")?;
        }
        Ok(())
    }
}

pub(crate) fn classify<T>(error: &serde_json::Error) -> Verdict<T> {
    let message = error.to_string();
    if message.starts_with(FIELD) {
        Verdict::Field(message)
    } else if message.starts_with(UNDECIDED) || is_limit(&message) {
        Verdict::Undecided(message)
    } else {
        Verdict::Syntax(message)
    }
}

/// serde_json's own limits, as opposed to faults of the text.
pub(crate) fn is_limit(message: &str) -> bool {
    message.starts_with("number out of range") || message.starts_with("recursion limit exceeded")
}

/// Error conversion for a value the parser skips (unknown fields, the inside of a value of the
/// wrong type): a serde_json limit hit there makes the reference undecided.
pub(crate) fn in_skipped<E: de::Error>(error: E) -> E {
    let message = error.to_string();
    if is_limit(&message) {
        E::custom(format_args!("{UNDECIDED}: {message}"))
    } else {
        error
    }
}

/// Error conversion for the value of a known field: a number beyond f64 is a number that is
/// not a `u64` integer, i.e. a field fault, which core-abi reports the same way.
pub(crate) fn in_known<E: de::Error>(error: E) -> E {
    let message = error.to_string();
    if message.starts_with("number out of range") {
        E::custom(format_args!("{FIELD}: {message}"))
    } else {
        error
    }
}

pub(crate) fn field_fault<E: de::Error>(what: &str) -> E {
    E::custom(format_args!("{FIELD}: {what}"))
}
