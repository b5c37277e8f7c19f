//! A JSON request written out from its parts, for the postcard reference and the fuzz targets
//! that send the same request both ways.

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
