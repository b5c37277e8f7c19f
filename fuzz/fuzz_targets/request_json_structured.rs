//! Near-valid requests generated from an `arbitrary` model (escapes, surrogates, whitespace,
//! numbers at the edges, nesting around the limit, duplicate fields, byte edits), checked
//! against serde_json like `request_json`.
//!
//! The corpus of this target is in the model's encoding; a failure prints the rendered JSON,
//! which is what goes into `fuzz/corpus/request_json/` as a regression input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use midimon_fuzz::structured::RequestModel;

fuzz_target!(|model: RequestModel| {
    let body = model.render();
    if std::env::var_os("MIDIMON_FUZZ_DUMP").is_some() {
        eprintln!("rendered: b\"{}\"", body.escape_ascii());
    }
    conformance::check_request_json(&body);
});
