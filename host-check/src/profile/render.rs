//! A profile as text (a table by self fuel, the self-check last) or as one JSON object.
//!
//! Kept apart from the measurement so that the figures have one source and two shapes. The
//! numbers come first in each row and the name last, because demangled Rust paths are long
//! and ragged; names come from the plugin, so the text goes through `printable_lines`.

use std::fmt;

use serde::Serialize;

use super::{Flow, Profile};
use crate::fmt::{group, printable_lines};
use crate::requests::describe_code;

/// The profile as a table: header, one row per function that ran, the total and the
/// self-check (a `WARN` line when the counted fuel is not wasmtime's).
pub fn text(plugin: &str, profile: &Profile) -> String {
    printable_lines(&Table { plugin, profile }.to_string())
}

/// [`text`] before control characters are escaped.
struct Table<'a> {
    plugin: &'a str,
    profile: &'a Profile,
}

impl fmt::Display for Table<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let profile = self.profile;
        let flow = match profile.flow {
            Flow::Readme => "the README's host cycle (init, alloc, write, execute, dealloc)",
            Flow::Daemon => {
                "MIDIMon's daemon flow (fresh instance, no init, alloc, write, execute)"
            }
            Flow::Postcard => {
                "the README's host cycle with postcard (init, alloc, write, execute_postcard, dealloc)"
            }
        };
        let entry = profile.flow.entry();
        writeln!(f, "profile    {}", self.plugin)?;
        writeln!(
            f,
            "request    {} bytes to {entry}, {flow}",
            group(profile.request_bytes as u64)
        )?;
        writeln!(f, "returned   {}", describe_code(profile.code))?;
        writeln!(f)?;
        writeln!(
            f,
            "{:>12} {:>7} {:>10}  function",
            "self fuel", "%", "calls"
        )?;
        let total = profile.counted_fuel;
        for row in &profile.functions {
            let name = row
                .name
                .clone()
                .unwrap_or_else(|| format!("func[{}]", row.index));
            writeln!(
                f,
                "{:>12} {:>7} {:>10}  {name}",
                group(row.self_fuel),
                percent(row.self_fuel, total),
                group(row.calls)
            )?;
        }
        let calls: u64 = profile.functions.iter().map(|r| r.calls).sum();
        writeln!(
            f,
            "{:>12} {:>7} {:>10}  total ({} functions ran)",
            group(total),
            percent(total, total),
            group(calls),
            profile.functions.len()
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "fuel       {} counted, {} charged by wasmtime to {entry} on the uninstrumented module{}",
            group(profile.counted_fuel),
            group(profile.measured_fuel),
            if profile.exact { " (equal)" } else { "" }
        )?;
        write!(f, "not shown  alloc {}", group(profile.alloc_fuel))?;
        if let Some(start) = profile.start_fuel {
            write!(f, ", start function {}", group(start))?;
        }
        writeln!(f, " fuel (before {entry})")?;
        if !profile.exact {
            writeln!(
                f,
                "WARN profile.exact: the profile counted {} fuel but wasmtime charged {}: \
                 these figures are wrong (please report this, with the plugin)",
                group(profile.counted_fuel),
                group(profile.measured_fuel)
            )?;
        }
        Ok(())
    }
}

/// `share` of `total` as a percentage with one decimal (`-` when the total is 0).
fn percent(share: u64, total: u64) -> String {
    if total == 0 {
        return "-".to_string();
    }
    let tenths = (u128::from(share) * 1000 + u128::from(total) / 2) / u128::from(total);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// The profile as one JSON object: `plugin` plus every field of [`Profile`].
pub fn json(plugin: &str, profile: &Profile) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        plugin: &'a str,
        #[serde(flatten)]
        profile: &'a Profile,
    }
    let mut text = serde_json::to_string_pretty(&Out { plugin, profile }).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::super::Row;
    use super::*;

    fn sample(exact: bool) -> Profile {
        Profile {
            flow: Flow::Daemon,
            request_bytes: 95,
            code: 0,
            functions: vec![
                Row {
                    index: 7,
                    name: Some("core_abi::parse".into()),
                    calls: 1,
                    self_fuel: 2_000,
                },
                Row {
                    index: 3,
                    name: None,
                    calls: 12,
                    self_fuel: 255,
                },
            ],
            counted_fuel: 2_255,
            measured_fuel: if exact { 2_255 } else { 2_256 },
            exact,
            alloc_fuel: 40,
            start_fuel: Some(0),
        }
    }

    #[test]
    fn text_has_rows_total_and_the_self_check() {
        let out = text("p.wasm", &sample(true));
        assert!(
            out.contains("2,000   88.7%          1  core_abi::parse"),
            "{out}"
        );
        assert!(out.contains("255   11.3%         12  func[3]"), "{out}");
        assert!(
            out.contains("2,255  100.0%         13  total (2 functions ran)"),
            "{out}"
        );
        assert!(
            out.contains("2,255 counted, 2,255 charged by wasmtime"),
            "{out}"
        );
        assert!(!out.contains("WARN"));
        let wrong = text("p.wasm", &sample(false));
        assert!(wrong.contains(
            "WARN profile.exact: the profile counted 2,255 fuel but wasmtime charged 2,256"
        ));
    }

    #[test]
    fn json_has_every_field() {
        let value: serde_json::Value =
            serde_json::from_str(&json("p.wasm", &sample(true))).unwrap();
        assert_eq!(value["plugin"], "p.wasm");
        assert_eq!(value["flow"], "daemon");
        assert_eq!(value["functions"][0]["name"], "core_abi::parse");
        assert_eq!(value["functions"][1]["name"], serde_json::Value::Null);
        assert_eq!(value["counted_fuel"], 2_255);
        assert_eq!(value["exact"], true);
    }

    #[test]
    fn percentages_round_to_tenths() {
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(2, 3), "66.7%");
        assert_eq!(percent(0, 0), "-");
        assert_eq!(percent(u64::MAX, u64::MAX), "100.0%");
    }
}
