//! Replays the fuzzers' regression corpus (`fuzz/corpus/`) on stable, through the same oracles
//! the fuzz targets use (`fuzz/src/core_oracle.rs`, included below): every input must be
//! handled without a panic, and core-abi must agree with serde_json and postcard on it.
//!
//! `make fuzz` (nightly, cargo-fuzz) looks for new inputs; this test keeps the ones that found
//! something, so a regression shows up in `make test` without nightly.

use corpus_files::corpus;

#[path = "../../fuzz/src/core_oracle.rs"]
mod core_oracle;
#[path = "../../fuzz/src/corpus_files.rs"]
mod corpus_files;

/// Runs `check` on every file of `target`'s corpus, naming the file when it fails.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let files = corpus(target);
    for path in &files {
        let bytes = std::fs::read(path).expect("readable corpus file");
        let outcome = std::panic::catch_unwind(|| check(&bytes));
        assert!(
            outcome.is_ok(),
            "fuzz/corpus/{target}/{} fails (message above)",
            path.file_name().unwrap().to_string_lossy()
        );
    }
    files.len()
}

#[test]
fn request_json_corpus() {
    // The structure-aware target's findings are kept here too, as the JSON they rendered to.
    let n = replay("request_json", core_oracle::check_request_json);
    println!("replayed {n} JSON requests");
}

#[test]
fn request_postcard_corpus() {
    let n = replay("request_postcard", core_oracle::check_request_postcard);
    println!("replayed {n} postcard requests");
}

#[test]
fn metadata_json_corpus() {
    let n = replay("metadata_json", core_oracle::check_metadata_json);
    println!("replayed {n} metadata documents");
}

#[test]
fn guest_bodies_parse_natively() {
    // The bodies sent to the built plugin are requests too: the native parsers must agree with
    // the references on them (host-check's replay sends them to the plugin itself).
    for path in corpus("guest_execute") {
        let bytes = std::fs::read(&path).expect("readable corpus file");
        core_oracle::check_request_json(&bytes);
        core_oracle::check_request_postcard(&bytes);
    }
}
