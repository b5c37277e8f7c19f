//! Arbitrary bytes into core-abi's JSON request parser (and `json::validate`), checked against
//! serde_json by `midimon_fuzz::core_oracle::check_request_json`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    midimon_fuzz::core_oracle::check_request_json(data);
});
