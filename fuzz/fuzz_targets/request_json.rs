//! Arbitrary bytes into core-abi's JSON request parser (and `json::validate`), checked against
//! serde_json by `conformance::check_request_json`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    conformance::check_request_json(data);
});
