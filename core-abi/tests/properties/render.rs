//! How generated values are written as JSON: string escapers (`\uXXXX`, short escapes, mixed)
//! and a [`Writer`] with random whitespace and member order, shared by the request and metadata
//! generators.

use std::fmt::Write as _;

use crate::harness::Rng;

/// `\uXXXX` for one character (a surrogate pair for an astral one).
pub(crate) fn push_unicode_escape(c: char, upper: bool, out: &mut String) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        if upper {
            let _ = write!(out, "\\u{unit:04X}");
        } else {
            let _ = write!(out, "\\u{unit:04x}");
        }
    }
}

/// Every character written as `\uXXXX`, astral ones as surrogate pairs.
pub(crate) fn escape_all(s: &str, upper: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        push_unicode_escape(c, upper, &mut out);
    }
    out
}

pub(crate) fn short_escape(c: char) -> Option<&'static str> {
    Some(match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '/' => "\\/",
        '\u{8}' => "\\b",
        '\u{c}' => "\\f",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        _ => return None,
    })
}

/// Each character at random: raw (where JSON allows it), its short escape, or `\uXXXX`.
pub(crate) fn escape_mixed(s: &str, rng: &mut Rng) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let raw_ok = c >= ' ' && c != '"' && c != '\\';
        match (rng.below(3), short_escape(c)) {
            (0, _) if raw_ok => out.push(c),
            (1, Some(short)) => out.push_str(short),
            _ => push_unicode_escape(c, rng.below(2) == 0, &mut out),
        }
    }
    out
}

/// One character as it may stand in a JSON string: raw, or escaped if it must be.
pub(crate) fn json_char(c: char) -> String {
    match c {
        '"' => "\\\"".to_owned(),
        '\\' => "\\\\".to_owned(),
        c if c < ' ' => format!("\\u{:04x}", c as u32),
        c => c.to_string(),
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Style {
    /// Strings as `serde_json::to_string` writes them.
    Serde,
    /// Every character as `\uXXXX`.
    AllEscaped,
    /// Random per character, see [`escape_mixed`].
    Mixed,
}

/// Writes JSON with random whitespace, member order and string escapes.
pub(crate) struct Writer {
    rng: Rng,
    style: Style,
}

impl Writer {
    pub(crate) fn new(style: Style, seed: u64) -> Self {
        Writer {
            rng: Rng(seed),
            style,
        }
    }

    pub(crate) fn ws(&mut self) -> &'static str {
        const WS: [&str; 8] = ["", "", "", " ", "\n", "\t", "\r\n", "  \t "];
        WS[self.rng.below(WS.len())]
    }

    pub(crate) fn string(&mut self, s: &str) -> String {
        match self.style {
            Style::Serde => serde_json::to_string(s).unwrap_or_default(),
            Style::AllEscaped => format!("\"{}\"", escape_all(s, self.rng.below(2) == 0)),
            Style::Mixed => format!("\"{}\"", escape_mixed(s, &mut self.rng)),
        }
    }

    /// An object of already rendered values; `shuffle` randomizes the member order.
    pub(crate) fn object(&mut self, mut members: Vec<(String, String)>, shuffle: bool) -> String {
        if shuffle {
            for i in (1..members.len()).rev() {
                let j = self.rng.below(i + 1);
                members.swap(i, j);
            }
        }
        let mut out = String::from("{");
        if members.is_empty() {
            out.push_str(self.ws());
        }
        for (i, (key, value)) in members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let key = self.string(key);
            let parts: [&str; 7] = [self.ws(), &key, self.ws(), ":", self.ws(), value, self.ws()];
            out.extend(parts);
        }
        out.push('}');
        out
    }

    pub(crate) fn array(&mut self, items: &[String]) -> String {
        let mut out = String::from("[");
        out.push_str(self.ws());
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let item = self.string(item);
            let parts: [&str; 3] = [self.ws(), &item, self.ws()];
            out.extend(parts);
        }
        out.push(']');
        out
    }
}
