//! Replays the fuzzers' regression corpus (`fuzz/corpus/`) on stable, through the same reference
//! model the fuzz targets use (the `conformance` crate): every input must be
//! handled without a panic, and core-abi must agree with serde_json and postcard on it.
//!
//! `make fuzz` (nightly, cargo-fuzz) looks for new inputs; this test keeps the ones that found
//! something, so a regression shows up in `make test` without nightly.

use conformance::{corpus, replay};

#[test]
fn request_json_corpus() {
    // The structure-aware target's findings are kept here too, as the JSON they rendered to.
    let n = replay("request_json", conformance::check_request_json);
    println!("replayed {n} JSON requests");
}

#[test]
fn request_postcard_corpus() {
    let n = replay("request_postcard", conformance::check_request_postcard);
    println!("replayed {n} postcard requests");
}

#[test]
fn metadata_json_corpus() {
    let n = replay("metadata_json", conformance::check_metadata_json);
    println!("replayed {n} metadata documents");
}

#[test]
fn guest_bodies_parse_natively() {
    // The bodies sent to the built plugin are requests too: the native parsers must agree with
    // the references on them (host-check's replay sends them to the plugin itself).
    for path in corpus("guest_execute") {
        let bytes = std::fs::read(&path).expect("readable corpus file");
        conformance::check_request_json(&bytes);
        conformance::check_request_postcard(&bytes);
    }
}
