//! Arbitrary bytes into core-abi's metadata validator, checked against serde_json and the
//! documented rules by `midimon_fuzz::core_oracle::check_metadata_json`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    midimon_fuzz::core_oracle::check_metadata_json(data);
});
