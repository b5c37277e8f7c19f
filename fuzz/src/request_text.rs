//! A JSON request written out from its parts, shared by `core_oracle.rs` and `host_oracle.rs`
//! (each includes it with `#[path]`, so it only uses `core_abi` and `serde_json`).

use core_abi::binary::BinaryHeader;

/// A JSON request for `action` and this event; metadata keys in order, duplicates kept (which a
/// `serde_json::Map` would not do), every string escaped by serde_json.
pub fn json_request(action: &str, h: &BinaryHeader, metadata: &[(String, String)]) -> String {
    let opt = |v: Option<u8>| v.map_or("null".to_owned(), |v| v.to_string());
    let quote = |s: &str| serde_json::to_string(s).expect("strings serialize");
    let entries: Vec<String> = metadata
        .iter()
        .map(|(k, v)| format!("{}:{}", quote(k), quote(v)))
        .collect();
    format!(
        r#"{{"action":{},"context":{{"velocity":{},"note":{},"cc":{},"value":{},"timestamp":{},"metadata":{{{}}}}}}}"#,
        quote(action),
        opt(h.velocity),
        opt(h.note),
        opt(h.cc),
        opt(h.value),
        h.timestamp,
        entries.join(",")
    )
}
