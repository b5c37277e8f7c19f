//! Where a module's bytes are: function bodies and data segments, named when names exist, and
//! which of them grew between two builds (`host-check diff`, `inspect`'s data segments).
//!
//! Items are matched between two builds by name when both have names (the demangled path,
//! hash-free, so a function keeps its key when other code changes; same-named items are
//! summed), else by index. Matching by index is only exact while no function is added or
//! removed before another one, since indices shift, so the report says which way it matched:
//! build named twins (`--old-names`/`--new-names`) for an attribution that can be trusted.

use std::collections::BTreeMap;

use serde::Serialize;
use wasmparser::{Parser, Payload};

use crate::names::Names;

/// One function body or data segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Function index (imports counted) or data segment index.
    pub index: u32,
    /// Bytes: the function body (with its size prefix's content) or the segment's data.
    pub size: u64,
    /// Demangled name, when known.
    pub name: Option<String>,
}

/// A module's code and data, item by item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// Function bodies, in index order.
    pub functions: Vec<Item>,
    /// Data segments, in index order.
    pub data: Vec<Item>,
    /// Whether names were available (from the module or its twin).
    pub named: bool,
}

impl Layout {
    /// The layout of a valid module, named with `names` when given (see
    /// [`Names::for_module`]: the module's own name section or its twin's).
    pub fn of(wasm: &[u8], names: Option<&Names>) -> Result<Layout, String> {
        let info = crate::module::analyze(wasm)
            .map_err(|e| format!("not a valid WebAssembly module: {e}"))?;
        let mut data = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            if let Ok(Payload::DataSection(reader)) = payload {
                for (index, segment) in reader.into_iter().enumerate() {
                    let segment =
                        segment.map_err(|e| format!("not a valid WebAssembly module: {e}"))?;
                    let index = u32::try_from(index).unwrap_or(u32::MAX);
                    data.push(Item {
                        index,
                        size: segment.data.len() as u64,
                        name: names.and_then(|n| n.data.get(&index).cloned()),
                    });
                }
            }
        }
        let functions = info
            .functions
            .iter()
            .map(|f| Item {
                index: f.index,
                size: f.body_size as u64,
                name: names.and_then(|n| n.functions.get(&f.index).cloned()),
            })
            .collect();
        Ok(Layout {
            functions,
            data,
            named: names.is_some(),
        })
    }
}

/// How items were matched between the two builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// By demangled name: both builds have names.
    Name,
    /// By index: at least one build has no names (indices shift when functions are added).
    Index,
}

/// One item's size in both builds (0 where it does not exist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemChange {
    /// The name, or `#INDEX` when matched by index.
    pub item: String,
    /// Bytes in the old build.
    pub old: u64,
    /// Bytes in the new build.
    pub new: u64,
    /// `new - old`.
    pub delta: i64,
}

/// Every changed item of one kind, the largest growth first.
pub fn changes(old: &[Item], new: &[Item], by: MatchedBy) -> Vec<ItemChange> {
    let key = |item: &Item| match (by, &item.name) {
        (MatchedBy::Name, Some(name)) => name.clone(),
        _ => format!("#{}", item.index),
    };
    let mut table: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for item in old {
        table.entry(key(item)).or_default().0 += item.size;
    }
    for item in new {
        table.entry(key(item)).or_default().1 += item.size;
    }
    let mut out: Vec<ItemChange> = table
        .into_iter()
        .filter(|(_, (o, n))| o != n)
        .map(|(item, (old, new))| ItemChange {
            item,
            old,
            new,
            delta: signed(new) - signed(old),
        })
        .collect();
    out.sort_by(|a, b| b.delta.cmp(&a.delta).then_with(|| a.item.cmp(&b.item)));
    out
}

/// How two layouts' items are matched.
pub fn matched_by(old: &Layout, new: &Layout) -> MatchedBy {
    if old.named && new.named {
        MatchedBy::Name
    } else {
        MatchedBy::Index
    }
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(index: u32, size: u64, name: &str) -> Item {
        Item {
            index,
            size,
            name: Some(name.to_string()),
        }
    }

    #[test]
    fn growth_first_and_new_items_counted_from_zero() {
        let old = [item(0, 10, "a"), item(1, 20, "b")];
        let new = [item(0, 10, "a"), item(1, 15, "b"), item(2, 100, "c")];
        let by_name = changes(&old, &new, MatchedBy::Name);
        let shown: Vec<(&str, i64)> = by_name.iter().map(|c| (&c.item[..], c.delta)).collect();
        assert_eq!(shown, [("c", 100), ("b", -5)]);
        // By index the inserted function shows up where indices shifted.
        let by_index = changes(&old, &new, MatchedBy::Index);
        assert_eq!(by_index[0].item, "#2");
    }

    #[test]
    fn data_segments_are_measured() {
        let wasm = wat::parse_str(
            r#"(module (memory 1) (data (i32.const 0) "abcd") (data $tbl (i32.const 8) "0123456789"))"#,
        )
        .unwrap();
        let names = Names::read(&wasm);
        let layout = Layout::of(&wasm, names.as_ref()).unwrap();
        let sizes: Vec<u64> = layout.data.iter().map(|d| d.size).collect();
        assert_eq!(sizes, [4, 10]);
        assert_eq!(layout.data[1].name.as_deref(), Some("tbl"));
    }
}
