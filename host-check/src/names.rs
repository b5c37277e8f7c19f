//! Names for size attribution: the wasm `name` section, read from a plugin or from its *named
//! twin*, with Rust's symbol names demangled.
//!
//! The size profile strips the `name` section, so a shipped plugin's functions are only
//! indices. The kit's `plugin-named` profile (a scaffold's `release-named`) builds the same code
//! with names kept: its code and data sections are byte-identical to the stripped build (only
//! custom sections are added), so its names belong to the same indices. [`Names::for_module`]
//! holds that: a twin whose code or data differ is refused rather than trusted, since wrong
//! names are worse than none.
//!
//! rustc writes *mangled* symbols into the name section (`_ZN8core_abi4text8bytes_eq17h…E`,
//! the legacy scheme, rustc's default). [`demangle`] turns those into paths
//! (`core_abi::text::bytes_eq`) without the hash, so that a function keeps its name between two
//! builds; v0 symbols (`_R…`, only with `-C symbol-mangling-version=v0`) are shown as they are:
//! a v0 demangler is a few hundred lines for a case the kit's profiles never produce.

use std::collections::BTreeMap;

use wasmparser::{KnownCustom, Name, Parser, Payload};

/// Function and data segment names of one module, by index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// Function names (demangled) by function index (imports included, as in the module).
    pub functions: BTreeMap<u32, String>,
    /// Data segment names (e.g. `.rodata`) by segment index.
    pub data: BTreeMap<u32, String>,
}

impl Names {
    /// The names in `wasm`'s `name` section (demangled); `None` when it has none. A malformed
    /// name section counts as none: names are informative only.
    pub fn read(wasm: &[u8]) -> Option<Names> {
        let mut names = Names::default();
        let mut found = false;
        for payload in Parser::new(0).parse_all(wasm) {
            let Ok(Payload::CustomSection(reader)) = payload else {
                continue;
            };
            let KnownCustom::Name(name_reader) = reader.as_known() else {
                continue;
            };
            found = true;
            for subsection in name_reader.into_iter().flatten() {
                let (map, target) = match subsection {
                    Name::Function(map) => (map, &mut names.functions),
                    Name::Data(map) => (map, &mut names.data),
                    _ => continue,
                };
                for naming in map.into_iter().flatten() {
                    target.insert(naming.index, demangle(naming.name));
                }
            }
        }
        found.then_some(names)
    }

    /// The names for `wasm`: its own `name` section, or else `twin`'s when `twin` holds the very
    /// same code and data (a named twin); an error says why a twin was refused.
    pub fn for_module(wasm: &[u8], twin: Option<&[u8]>) -> Result<Option<Names>, String> {
        match twin {
            None => Ok(Names::read(wasm)),
            Some(twin) => {
                let (ours, theirs) = (code_and_data(wasm)?, code_and_data(twin)?);
                if ours != theirs {
                    return Err(format!(
                        "the named twin is not the same build: its code and data sections are \
                         {} bytes, the plugin's {} bytes (or differ byte for byte); build both \
                         from the same source (e.g. `make build-named`, or \
                         `cargo build --profile release-named` in a scaffolded crate)",
                        theirs.len(),
                        ours.len()
                    ));
                }
                match Names::read(twin) {
                    Some(names) => Ok(Some(names)),
                    None => Err(
                        "the named twin has no name section: build it with a profile \
                                 that keeps names (strip = false)"
                            .to_string(),
                    ),
                }
            }
        }
    }
}

/// The bytes of a module's code and data sections (ids 10 and 11), concatenated with their ids.
fn code_and_data(wasm: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| format!("not a valid WebAssembly module: {e}"))?;
        if let Some((id @ (10 | 11), range)) = payload.as_section() {
            out.push(id);
            out.extend_from_slice(wasm.get(range).unwrap_or_default());
        }
    }
    Ok(out)
}

/// A Rust legacy symbol (`_ZN…E`, optionally followed by `.N` suffixes) as a path without its
/// hash; anything else unchanged.
pub fn demangle(symbol: &str) -> String {
    demangle_legacy(symbol).unwrap_or_else(|| symbol.to_string())
}

fn demangle_legacy(symbol: &str) -> Option<String> {
    let rest = symbol
        .strip_prefix("_ZN")
        .or_else(|| symbol.strip_prefix("__ZN"))?;
    let mut rest = rest.as_bytes();
    let mut parts: Vec<String> = Vec::new();
    loop {
        match rest.first()? {
            b'E' => {
                rest = &rest[1..];
                break;
            }
            b'0'..=b'9' => {
                let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                let len: usize = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
                let ident = rest.get(digits..digits.checked_add(len)?)?;
                parts.push(unescape(std::str::from_utf8(ident).ok()?)?);
                rest = &rest[digits + len..];
            }
            _ => return None,
        }
    }
    // The last part is the hash (`h` + 16 hex digits) on every rustc symbol.
    if parts.last().is_some_and(|h| is_hash(h)) {
        parts.pop();
    }
    if parts.is_empty() {
        return None;
    }
    let suffix = std::str::from_utf8(rest).ok()?;
    Some(format!("{}{suffix}", parts.join("::")))
}

fn is_hash(part: &str) -> bool {
    part.len() == 17 && part.starts_with('h') && part[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// One identifier with the legacy `$..$` escapes and `..` (for `::`) decoded.
fn unescape(ident: &str) -> Option<String> {
    let ident = ident.strip_prefix("_$").map_or(ident, |r| {
        // A leading `_` only protects an escape at the start.
        &ident[ident.len() - r.len() - 1..]
    });
    let mut out = String::with_capacity(ident.len());
    let mut rest = ident;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix('$') {
            let end = after.find('$')?;
            let code = &after[..end];
            let text = match code {
                "SP" => "@",
                "BP" => "*",
                "RF" => "&",
                "LT" => "<",
                "GT" => ">",
                "LP" => "(",
                "RP" => ")",
                "C" => ",",
                _ => {
                    let hex = code.strip_prefix('u')?;
                    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                    out.push(c);
                    rest = &after[end + 1..];
                    continue;
                }
            };
            out.push_str(text);
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix("..") {
            out.push_str("::");
            rest = after;
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_symbols_lose_their_hash() {
        assert_eq!(
            demangle("_ZN8core_abi4text8bytes_eq17haaead1417cba3e46E"),
            "core_abi::text::bytes_eq"
        );
        assert_eq!(
            demangle("_ZN8core_abi4text4Text6eq_str17h16d3ca31c4a70b4dE.19"),
            "core_abi::text::Text::eq_str.19"
        );
        assert_eq!(
            demangle(
                "_ZN4core3ptr42drop_in_place$LT$alloc..string..String$GT$17h0123456789abcdefE"
            ),
            "core::ptr::drop_in_place<alloc::string::String>"
        );
        assert_eq!(
            demangle("_ZN42_$LT$$RF$T$u20$as$u20$core..fmt..Debug$GT$3fmt17h0123456789abcdefE"),
            "<&T as core::fmt::Debug>::fmt"
        );
    }

    #[test]
    fn other_names_are_kept() {
        for name in [
            "execute",
            "memcmp",
            "_ZN",
            "_ZN3abc",
            "_ZN99aE",
            "_RNvC3foo3bar",
        ] {
            assert_eq!(demangle(name), name);
        }
    }

    #[test]
    fn a_twin_must_hold_the_same_code() {
        let plain = wat::parse_str(r#"(module (func (result i32) i32.const 1))"#).unwrap();
        let named = wat::parse_str(
            r#"(module (func $_ZN3one17h0123456789abcdefE (result i32) i32.const 1))"#,
        )
        .unwrap();
        let other = wat::parse_str(r#"(module (func $f (result i32) i32.const 2))"#).unwrap();
        assert_eq!(Names::read(&plain), None);
        let names = Names::for_module(&plain, Some(&named)).unwrap().unwrap();
        assert_eq!(names.functions.get(&0).map(String::as_str), Some("one"));
        assert!(Names::for_module(&plain, Some(&other)).is_err());
        assert!(Names::for_module(&plain, Some(&plain)).is_err());
    }
}
