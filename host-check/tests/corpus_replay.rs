//! Replays the fuzzers' regression corpus (`fuzz/corpus/`) on stable, through the same oracles
//! the fuzz targets use (`fuzz/src/host_oracle.rs`, included below, on the `conformance` model):
//!
//! - `hostcheck_module/*.wasm`: host-check's whole `check` with small budgets returns a verdict,
//!   in bounded time, without panicking;
//! - `guest_execute/*`: every body goes to the built template plugin, on one instance, through
//!   `execute` and `execute_postcard`: no trap, the codes core-abi predicts, JSON and postcard
//!   agreeing, memory bounded.

use conformance::corpus::{corpus, file_name as name};

mod common;
// The host-side oracle is the fuzz crate's (which cannot be a dependency: it links libFuzzer);
// the corpus listing and the core-abi reference it uses come from the `conformance` crate.
#[path = "../../fuzz/src/host_oracle.rs"]
mod host_oracle;

/// Builds the template plugin the way `make build-release` does (a no-op when it is fresh)
/// and returns the module.
fn template() -> Vec<u8> {
    let path = common::build_plugin(
        "template-nostd",
        "wasm32-unknown-unknown",
        "template_nostd.wasm",
    );
    std::fs::read(path).expect("the template was built")
}

#[test]
fn hostcheck_module_corpus() {
    let files = corpus("hostcheck_module");
    for path in &files {
        let wasm = std::fs::read(path).expect("readable corpus file");
        // The fuzz target reads inputs without the wasm magic as wasm-smith seeds; the corpus
        // keeps modules only (a wasm-smith finding is stored as the module it generated).
        assert!(
            wasm.starts_with(b"\0asm"),
            "fuzz/corpus/hostcheck_module/{} is not a module",
            name(path)
        );
        let outcome = std::panic::catch_unwind(|| host_oracle::check_module(&wasm));
        assert!(
            outcome.is_ok(),
            "fuzz/corpus/hostcheck_module/{} fails (message above)",
            name(path)
        );
    }
    println!("checked {} modules", files.len());
}

#[test]
fn guest_execute_corpus() {
    let mut guest = host_oracle::Guest::new(&template());
    let files = corpus("guest_execute");
    for path in &files {
        let body = std::fs::read(path).expect("readable corpus file");
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| guest.check_body(&body)));
        assert!(
            outcome.is_ok(),
            "fuzz/corpus/guest_execute/{} fails (message above)",
            name(path)
        );
    }
    println!(
        "sent {} bodies ({} requests) to one instance",
        files.len(),
        guest.requests
    );
}

#[test]
fn template_passes_with_the_fuzzing_budgets() {
    // The small budgets the modules are checked with are still enough for a real plugin, so the
    // fuzzer's dynamic checks run to the end rather than stopping at the first budget.
    let report = host_oracle::check_module(&template());
    let failed: Vec<String> = report
        .checks
        .iter()
        .filter(|f| f.status == host_check::report::Status::Fail)
        .map(|f| format!("{}: {}", f.id, f.detail))
        .collect();
    assert!(
        report.passed(),
        "the template fails under the fuzzing budgets: {failed:#?}"
    );
}
