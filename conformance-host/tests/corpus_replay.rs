//! Replays the fuzzers' regression corpus (`fuzz/corpus/`) on stable, through the very oracle
//! the fuzz targets use (this crate's, on the `conformance` model):
//!
//! - `hostcheck_module/*.wasm`: host-check's whole `check` with small budgets returns a verdict,
//!   in bounded time, without panicking;
//! - `guest_execute/*`: every body goes to the built template plugin, on one instance, through
//!   `execute` and `execute_postcard`: no trap, the codes core-abi predicts, JSON and postcard
//!   agreeing, memory bounded.

use std::path::PathBuf;
use std::process::Command;

use conformance::corpus::{corpus, file_name as name};
use conformance_host::{check_module, Guest};

/// Builds the template plugin the way `make build-release` does (a no-op when it is fresh)
/// and returns the module.
fn template() -> Vec<u8> {
    let workspace = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let status = Command::new(env!("CARGO"))
        .current_dir(&workspace)
        .args([
            "build",
            "--quiet",
            "-p",
            "template-nostd",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "plugin",
        ])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build -p template-nostd failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"));
    let path = target.join("wasm32-unknown-unknown/plugin/template_nostd.wasm");
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
        let outcome = std::panic::catch_unwind(|| check_module(&wasm));
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
    let mut guest = Guest::new(&template());
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
    let report = check_module(&template());
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
