//! Wall time across host calls (inside a WASI call too) and per check; the bench's call count.

use super::*;

#[test]
fn time_inside_a_wasi_call_counts_against_the_timeout() {
    // 16 MiB of random bytes: a few fuel, but about a second of host work in a debug build,
    // far more than the 50 ms timeout (which instantiation and `init` stay far under).
    let file = TempFile::new("p.wasm", &random_get_fixture(16 << 20, 300).wasm());
    let out = host_check([
        "run",
        &file.path().display().to_string(),
        "my_action",
        "--timeout",
        "50ms",
    ]);
    out.assert_code(1);
    assert!(
        out.stdout
            .contains("\nfailed     execute: timed out: still running after 50ms (--timeout)\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn one_check_has_a_total_time_budget() {
    // Every call would run until its 10 s timeout; the check's budget ends it after 300 ms.
    let fixture = with_execute("(loop (br 0))");
    let out = check_fixture(
        &fixture,
        &[
            "--timeout",
            "10s",
            "--max-fuel",
            "18446744073709551615",
            "--max-check-time",
            "300ms",
        ],
    );
    out.assert_code(1);
    assert!(
        out.stdout.contains(
            "check time spent: the plugin's calls used the whole budget of 300ms for one check (--max-check-time)"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn bench_call_count_is_capped() {
    let file = TempFile::new("p.wasm", &Fixture::default().wasm());
    let out = host_check([
        "bench",
        &file.path().display().to_string(),
        "--calls",
        "1000000000000",
    ]);
    out.assert_code(2);
    assert!(out.stderr.contains("at most 1000000"), "{}", out.stderr);
}
