//! What host-check prints stays short: a trapping WASI call on one line, import and config
//! failures capped and deduplicated.

use super::*;

// A WASI call that wasmtime-wasi traps on.

#[test]
fn a_trapping_wasi_call_is_the_plugins_trap_on_one_line() {
    // random_get over wasmtime-wasi's 64 MiB limit.
    let file = TempFile::new("p.wasm", &random_get_fixture((64 << 20) + 1, 1100).wasm());
    let out = host_check(["run", &file.path().display().to_string(), "my_action"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains(
            "\nfailed     execute: trap: a WASI call trapped: failed to call `get-random-bytes`: requested len 67108865 exceeds limit 67108864\n"
        ),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("host error"), "{}", out.stdout);
    assert!(!out.stdout.contains("backtrace"), "{}", out.stdout);
}

// Amplification.

#[test]
fn import_failures_are_capped_and_deduplicated() {
    let imports: String = (0..20_000)
        .map(|i| format!("(import \"env\" \"f{i}\" (func))"))
        .collect();
    let fixture = Fixture {
        imports,
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &[]);
    out.assert_code(1);
    let fails = lines_with(&out.stdout, "FAIL imports:");
    assert_eq!(fails.len(), 11, "{}", out.stdout.len());
    assert_eq!(
        fails[10],
        "FAIL imports: ... and 19,990 more imports with a problem (only the first 10 are listed)"
    );
    assert!(out.stdout.len() < 16 * 1024, "{} bytes", out.stdout.len());

    let dup: String = (0..20_000)
        .map(|_| {
            "(import \"wasi_snapshot_preview1\" \"sched_yield\" (func (result i32)))".to_string()
        })
        .collect();
    let fixture = Fixture {
        imports: dup,
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &[]);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("imports ") && l.contains("PASS"))
        .expect("imports line");
    assert!(
        line.ends_with("20,000 WASI imports of 1 function: sched_yield"),
        "{line}"
    );
}

#[test]
fn config_failures_are_capped() {
    let mut config = String::new();
    for i in 0..5_000 {
        config.push_str(&format!(
            "[[m]]\naction = {{ Plugin = {{ name = \"good\", action = \"typo{i}\" }} }}\n"
        ));
    }
    let file = TempFile::new("config.toml", config.as_bytes());
    let out = check_fixture(
        &Fixture::default(),
        &["--config", &file.path().display().to_string()],
    );
    out.assert_code(1);
    let fails = lines_with(&out.stdout, "FAIL config:");
    assert_eq!(fails.len(), 11);
    assert_eq!(
        fails[10],
        "FAIL config: ... and 4,990 more mappings with an undeclared action (only the first 10 are listed)"
    );
}
