//! Rendering a [`RequestModel`](super::RequestModel) to JSON bytes: every member, string,
//! number and unknown value written the way the model chose, with its whitespace.

use super::*;

/// Writes a [`RequestModel`](super::RequestModel) as JSON, one token at a time, taking a
/// whitespace choice at every token boundary.
pub(super) struct Renderer<'m> {
    pub(super) out: Vec<u8>,
    pub(super) ws: core::slice::Iter<'m, u8>,
}

impl Renderer<'_> {
    pub(super) fn ws(&mut self) {
        let text: &[u8] = match self.ws.next().map(|b| b % 8) {
            Some(1) => b" ",
            Some(2) => b"\n",
            Some(3) => b"\t",
            Some(4) => b"\r\n  ",
            Some(5) => b"\x0b",     // vertical tab: not JSON whitespace
            Some(6) => b"\xc2\xa0", // no-break space: not JSON whitespace
            _ => b"",
        };
        self.out.extend_from_slice(text);
    }

    fn raw(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    fn key_str(&mut self, name: &str, escaping: Escaping) {
        self.out.push(b'"');
        for (i, c) in name.chars().enumerate() {
            let escape = match escaping {
                Escaping::Raw => false,
                Escaping::UnicodeLower | Escaping::UnicodeUpper => true,
                Escaping::First => i == 0,
            };
            if escape {
                let hex = format!("\\u{:04x}", c as u32);
                let hex = if matches!(escaping, Escaping::UnicodeUpper) {
                    hex.to_uppercase().replace("\\U", "\\u")
                } else {
                    hex
                };
                self.raw(&hex);
            } else {
                self.char_raw(c);
            }
        }
        self.out.push(b'"');
    }

    fn char_raw(&mut self, c: char) {
        match c {
            '"' => self.raw("\\\""),
            '\\' => self.raw("\\\\"),
            c if (c as u32) < 0x20 => self.raw(&format!("\\u{:04x}", c as u32)),
            c => {
                let mut buf = [0u8; 4];
                self.raw(c.encode_utf8(&mut buf));
            }
        }
    }

    pub(super) fn string(&mut self, s: &Str) {
        match s {
            Str::Key(k, escaping) => self.key_str(KEYS[usize::from(*k) % KEYS.len()], *escaping),
            Str::Chars(chars) => {
                self.out.push(b'"');
                for c in chars {
                    match *c {
                        StrChar::Raw(c) => self.char_raw(c),
                        StrChar::Escaped(c, upper) => {
                            let short = match c {
                                '"' => Some("\\\""),
                                '\\' => Some("\\\\"),
                                '/' => Some("\\/"),
                                '\u{8}' => Some("\\b"),
                                '\u{c}' => Some("\\f"),
                                '\n' => Some("\\n"),
                                '\r' => Some("\\r"),
                                '\t' => Some("\\t"),
                                _ => None,
                            };
                            match short {
                                Some(s) if !upper => self.raw(s),
                                _ => {
                                    let mut units = [0u16; 2];
                                    for unit in c.encode_utf16(&mut units) {
                                        let hex = format!("\\u{:04x}", unit);
                                        self.raw(&if upper {
                                            hex.to_uppercase().replace("\\U", "\\u")
                                        } else {
                                            hex
                                        });
                                    }
                                }
                            }
                        }
                        StrChar::Surrogate(first, second) => {
                            self.raw(&format!("\\u{:04x}", 0xD800 + (first % 0x800)));
                            if let Some(second) = second {
                                self.raw(&format!("\\u{:04x}", second));
                            }
                        }
                        StrChar::Byte(b) => self.out.push(b),
                        StrChar::Escape(b) => {
                            self.out.push(b'\\');
                            self.out.push(b);
                        }
                    }
                }
                self.out.push(b'"');
            }
        }
    }

    fn number(&mut self, n: &Number) {
        match n {
            Number::Null => self.raw("null"),
            Number::Int(v) => self.raw(&v.to_string()),
            Number::Small(v) => self.raw(&v.to_string()),
            Number::Edge(i) => self.raw(EDGE_NUMBERS[usize::from(*i) % EDGE_NUMBERS.len()]),
            Number::Other(j) => self.junk(j),
        }
    }

    pub(super) fn junk(&mut self, j: &Junk) {
        match j {
            Junk::Literal(i) => self.raw(LITERALS[usize::from(*i) % LITERALS.len()]),
            Junk::Number(n) => self.number(n),
            Junk::Str(s) => self.string(s),
            Junk::Array(items) => {
                self.out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    self.ws();
                    self.junk(item);
                    self.ws();
                }
                self.out.push(b']');
            }
            Junk::Object(members) => {
                self.out.push(b'{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    self.ws();
                    self.string(k);
                    self.ws();
                    self.out.push(b':');
                    self.ws();
                    self.junk(v);
                    self.ws();
                }
                self.out.push(b'}');
            }
            Junk::Deep { depth, pattern } => {
                let depth = usize::from(*depth);
                let object = |level: usize| pattern.rotate_left(level as u32) & 1 == 1;
                for level in 0..depth {
                    self.raw(if object(level) { "{\"k\":" } else { "[" });
                }
                self.raw("0");
                for level in (0..depth).rev() {
                    self.raw(if object(level) { "}" } else { "]" });
                }
            }
        }
    }

    pub(super) fn members<T>(&mut self, items: &[T], mut one: impl FnMut(&mut Self, &T)) {
        self.out.push(b'{');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.ws();
            one(self, item);
            self.ws();
        }
        self.out.push(b'}');
    }

    pub(super) fn member(&mut self, key: &str, value: impl FnOnce(&mut Self)) {
        self.key_str(key, Escaping::Raw);
        self.ws();
        self.out.push(b':');
        self.ws();
        value(self);
    }

    pub(super) fn context(&mut self, c: &Context) {
        match c {
            Context::Null => self.raw("null"),
            Context::Other(j) => self.junk(j),
            Context::Object(members) => self.members(members, |r, m| match m {
                ContextMember::Midi(i, n) => r.member(
                    ["velocity", "note", "cc", "value"][usize::from(*i % 4)],
                    |r| r.number(n),
                ),
                ContextMember::Timestamp(n) => r.member("timestamp", |r| r.number(n)),
                ContextMember::Metadata(m) => r.member("metadata", |r| r.metadata(m)),
                ContextMember::Unknown(k, j) => {
                    r.string(k);
                    r.out.push(b':');
                    r.junk(j);
                }
            }),
        }
    }

    fn metadata(&mut self, m: &Metadata) {
        match m {
            Metadata::Null => self.raw("null"),
            Metadata::Other(j) => self.junk(j),
            Metadata::Object(entries) => self.members(entries, |r, (k, v)| {
                match k {
                    MetaKey::Common(i, escaping) => {
                        r.key_str(["curve", "min", "max", "k"][usize::from(*i % 4)], *escaping)
                    }
                    MetaKey::Any(s) => r.string(s),
                }
                r.ws();
                r.out.push(b':');
                r.ws();
                match v {
                    MetaValue::Str(s) => r.string(s),
                    MetaValue::Other(j) => r.junk(j),
                }
            }),
        }
    }
}
