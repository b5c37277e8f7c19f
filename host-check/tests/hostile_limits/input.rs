//! Inputs that are not plain files or are too big (FIFOs, devices, oversized budget and request
//! files), and command-line edges (malformed numbers, long TOML lines).

use super::*;

// Special and oversized files.

/// A FIFO in a scratch directory (no writer: opening it for reading would block forever).
fn fifo() -> TempFile {
    let file = TempFile::new("placeholder", b"");
    let path = file.dir().join("fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    file
}

#[test]
fn fifos_are_usage_errors_not_hangs() {
    let holder = fifo();
    let fifo = holder.dir().join("fifo").display().to_string();
    let plugin = TempFile::new("p.wasm", &Fixture::default().wasm());
    let plugin = plugin.path().display().to_string();
    let cases: [(Vec<&str>, &str); 4] = [
        (
            vec!["check", &fifo],
            "a plugin only from a regular file of at most 256 MiB",
        ),
        (
            vec!["check", &plugin, "--budget", &fifo],
            "a budget file only from a regular file of at most 1 MiB",
        ),
        (
            vec!["check", &plugin, "--config", &fifo],
            "a MIDIMon config only from a regular file of at most 16 MiB",
        ),
        (
            vec!["run", &plugin, "--request", &fifo],
            "a request only from a regular file of at most 16 MiB",
        ),
    ];
    for (args, limit) in cases {
        let out = host_check(&args);
        out.assert_code(2);
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("is a named pipe (FIFO), not a regular file")
                && out.stderr.contains(limit),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn devices_are_usage_errors_not_endless_reads() {
    let plugin = TempFile::new("p.wasm", &Fixture::default().wasm());
    let plugin = plugin.path().display().to_string();
    for args in [
        vec!["check", "/dev/zero"],
        vec!["run", &plugin, "--request", "/dev/zero"],
        vec!["check", &plugin, "--budget", "/dev/urandom"],
        vec!["check", &plugin, "--config", "/dev/urandom"],
    ] {
        let out = host_check(&args);
        out.assert_code(2);
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("is a character device, not a regular file"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("really a plugin"), "{}", out.stderr);
    }
}

#[test]
fn oversized_budget_and_request_files_are_refused() {
    let plugin = TempFile::new("p.wasm", &Fixture::default().wasm());
    let plugin = plugin.path().display().to_string();
    let budget = TempFile::new("budget.toml", &vec![b'#'; (1 << 20) + 1]);
    let out = host_check([
        "check",
        &plugin,
        "--budget",
        &budget.path().display().to_string(),
    ]);
    out.assert_code(2);
    assert!(
        out.stderr
            .trim_end()
            .ends_with("is larger than 1 MiB, the limit for a budget file"),
        "{}",
        out.stderr
    );
    let request = TempFile::new("request.bin", &vec![b' '; (16 << 20) + 1]);
    let out = host_check([
        "run",
        &plugin,
        "--request",
        &request.path().display().to_string(),
    ]);
    out.assert_code(2);
    assert!(
        out.stderr
            .trim_end()
            .ends_with("is larger than 16 MiB, the limit for a request"),
        "{}",
        out.stderr
    );
}

// Command-line edges.

#[test]
fn malformed_numbers_are_rejected() {
    let file = TempFile::new("p.wasm", &Fixture::default().wasm());
    let path = file.path().display().to_string();
    for (flag, value, why) in [
        ("--max-fuel", "-1", "the value must be a positive integer"),
        ("--max-fuel", "+5", "is not a non-negative integer"),
        ("--max-fuel", "1__0", "is not a non-negative integer"),
        ("--timeout", "5 s", "has a space before its unit"),
        ("--timeout", "-1s", "is negative"),
        ("--max-memory", "-1", "is negative"),
    ] {
        let out = host_check(["check", &path, flag, value]);
        out.assert_code(2);
        assert!(out.stderr.contains(why), "{flag} {value}: {}", out.stderr);
        assert!(
            !out.stderr.contains("-- -1"),
            "{flag} {value}: {}",
            out.stderr
        );
    }
}

#[test]
fn toml_errors_do_not_repeat_a_long_line() {
    let file = TempFile::new("p.wasm", &Fixture::default().wasm());
    let budget = TempFile::new(
        "budget.toml",
        format!("max_fuel = {}", "9".repeat(10_000)).as_bytes(),
    );
    let out = host_check([
        "check",
        &file.path().display().to_string(),
        "--budget",
        &budget.path().display().to_string(),
    ]);
    out.assert_code(2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.len() < 400,
        "{} bytes: {}",
        out.stderr.len(),
        out.stderr
    );
    assert!(out.stderr.contains("line 1, column"), "{}", out.stderr);
}
