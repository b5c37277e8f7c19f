//! Arbitrary bytes into core-abi's postcard request decoder, checked against postcard itself
//! and against the JSON path by `conformance::check_request_postcard`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    conformance::check_request_postcard(data);
});
