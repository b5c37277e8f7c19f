//! Arbitrary bytes into core-abi's metadata reader and validator, checked by
//! `conformance::check_metadata_json` against the documented rules (over
//! serde_json's tree) and, for the load verdict, against a serde-derived copy of MIDIMon's own
//! metadata struct.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    conformance::check_metadata_json(data);
});
