//! One test per failure class of `host-check check`: each asserts exit code 1 and the
//! `FAIL <check-id>:` line, on a small WAT fixture compiled in the test. The good fixture
//! passes, so each failure comes from the one thing its fixture breaks.

mod calls;
// The suite is a folder, one file per family of failures, so the shared helpers are named by
// path.
#[path = "../common/mod.rs"]
mod common;
mod metadata;
mod module;
mod sandbox;

use common::{check_bytes, check_fixture, check_wat, packed, Fixture, METADATA_AT};

/// Budgets that make endless loops end quickly by fuel.
const SMALL_FUEL: &[&str] = &["--max-fuel", "5000000"];

/// Budgets that make endless loops end by the wall clock (fuel practically unlimited).
const SHORT_TIMEOUT: &[&str] = &["--timeout", "200ms", "--max-fuel", "100000000000000"];

#[test]
fn good_fixture_passes() {
    let out = check_fixture(&Fixture::default(), &[]);
    out.assert_passes();
    assert!(out.stdout.contains("verdict: PASS"), "{}", out.stdout);
    assert!(!out.stdout.lines().any(|l| l.starts_with("FAIL ")));
}

#[test]
fn good_fixture_passes_with_default_note_path() {
    let out = common::check_bytes(&Fixture::default().wasm(), &["--note-calls", "10000"]);
    out.assert_passes();
    assert!(
        out.stdout.contains("note path: \"my_action\""),
        "{}",
        out.stdout
    );
}
