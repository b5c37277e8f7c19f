//! A table-driven suite of hostile plugins, complementing `failures.rs` (one test per failure
//! class): each row is a module built in the test (raw bytes, byte surgery on a compiled
//! fixture, or WAT), the extra flags, the expected exit code and the expected `FAIL <check-id>:`
//! line (or a pass). Every row runs through the binary with small budgets, and a run reports
//! every wrong row at once rather than stopping at the first.
//!
//! `HOSTILE_SHOW=1` prints what host-check said for every row (exit code, time, `FAIL` lines);
//! `HOSTILE_DUMP=DIR` writes every row's module to `DIR/<row>.wasm`.

// The suite is a folder (harness here, module builders and row tables beside it), so the
// shared helpers are named by path.
#[path = "../common/mod.rs"]
mod common;
mod modules;
mod rows;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{packed, wat_bytes, Fixture, TempFile, GOOD_ALLOC, GOOD_METADATA};
use modules::fixture;
use rows::*;

/// Budgets every row runs with, unless the row sets the flag itself.
const BASE_ARGS: &[(&str, &str)] = &[
    ("--timeout", "300ms"),
    ("--max-fuel", "5000000"),
    ("--note-calls", "50"),
];

/// The fuel budget of [`BASE_ARGS`].
const MAX_FUEL: u64 = 5_000_000;

/// A row taking longer than this is a hang, whatever it printed.
const ROW_DEADLINE: Duration = Duration::from_secs(30);

/// What a row expects.
#[derive(Debug, Clone)]
enum Expect {
    /// Exit code 0 and no `FAIL` line.
    Pass,
    /// Exit code 1 and a line starting with the prefix (`FAIL <check-id>:`) containing the text.
    Fail(&'static str, String),
}

/// One hostile plugin.
#[derive(Debug, Clone)]
struct Row {
    name: String,
    bytes: Vec<u8>,
    /// The subcommand (`check` unless set).
    command: &'static str,
    args: Vec<String>,
    expect: Expect,
    /// Lines that must not appear: (prefix, text), e.g. a check that must not fail.
    absent: Vec<(&'static str, &'static str)>,
}

impl Row {
    fn pass(name: impl Into<String>, bytes: Vec<u8>) -> Row {
        Row {
            name: name.into(),
            bytes,
            command: "check",
            args: Vec::new(),
            expect: Expect::Pass,
            absent: Vec::new(),
        }
    }

    fn fail(name: impl Into<String>, bytes: Vec<u8>, prefix: &'static str, text: &str) -> Row {
        Row {
            expect: Expect::Fail(prefix, text.to_string()),
            ..Row::pass(name, bytes)
        }
    }

    fn args(mut self, args: &[&str]) -> Row {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// No line may start with `prefix` and contain `text`.
    fn absent(mut self, prefix: &'static str, text: &'static str) -> Row {
        self.absent.push((prefix, text));
        self
    }

    fn command(mut self, command: &'static str) -> Row {
        self.command = command;
        self
    }

    /// Whether the row expects a failure of a rule only the template README sets (a warning by
    /// default): such rows run with `--strict`.
    fn expects_readme_rule(&self) -> bool {
        const README_CHECKS: [&str; 10] = [
            "FAIL alloc",
            "FAIL actions.",
            "FAIL malformed.",
            "FAIL note_path",
            "FAIL postcard.",
            "FAIL init.metadata.readme:",
            "FAIL exports.dealloc:",
            "FAIL exports.execute_postcard:",
            "FAIL abi.marker:",
            "FAIL imports.capabilities:",
        ];
        matches!(&self.expect, Expect::Fail(prefix, _) if README_CHECKS.iter().any(|p| prefix.starts_with(p)))
    }

    fn code(&self) -> i32 {
        match self.expect {
            Expect::Pass => 0,
            Expect::Fail(..) => 1,
        }
    }
}

/// What one run printed.
struct Outcome {
    /// Exit code; `None` when killed at [`ROW_DEADLINE`] or by a signal.
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs host-check on a row, killing it after [`ROW_DEADLINE`] (like `common::host_check`, with
/// a deadline: a hang must show as a wrong row, not a stuck test).
fn run(row: &Row) -> Outcome {
    let file = TempFile::new("plugin.wasm", &row.bytes);
    let mut args: Vec<String> = vec![row.command.to_string(), file.path().display().to_string()];
    let applies = |flag: &str| match row.command {
        "check" => true,
        "inspect" => flag != "--note-calls",
        _ => false,
    };
    for (flag, value) in BASE_ARGS {
        if applies(flag) && !row.args.iter().any(|a| a == flag) {
            args.extend([flag.to_string(), value.to_string()]);
        }
    }
    if row.command == "check" && row.expects_readme_rule() {
        args.push("--strict".to_string());
    }
    args.extend(row.args.iter().cloned());
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_host-check"))
        .args(&args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("host-check starts");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > ROW_DEADLINE {
            // Killed at the deadline: a hang.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    Outcome {
        code: status.and_then(|s| s.code()),
        stdout,
        stderr,
        elapsed,
    }
}

/// Why the outcome does not match the row, if it does not.
fn mismatch(row: &Row, out: &Outcome) -> Option<String> {
    let mut problems = Vec::new();
    match out.code {
        None if out.elapsed >= ROW_DEADLINE => problems.push(format!(
            "still running after {ROW_DEADLINE:?}, killed (a hang)"
        )),
        None => problems.push(format!(
            "ended by a signal after {:?} (a crash)",
            out.elapsed
        )),
        Some(code) if code != row.code() => {
            problems.push(format!("exit code {code}, expected {}", row.code()));
        }
        Some(_) => {}
    }
    if out.stderr.contains("panicked") {
        problems.push("host-check panicked".to_string());
    }
    match &row.expect {
        Expect::Pass => {
            if out.stdout.lines().any(|l| l.starts_with("FAIL ")) {
                problems.push("a FAIL line, expected a pass".to_string());
            }
        }
        Expect::Fail(prefix, text) => {
            if !out
                .stdout
                .lines()
                .any(|l| l.starts_with(prefix) && l.contains(text.as_str()))
            {
                problems.push(format!(
                    "no line starting with {prefix:?} containing {text:?}"
                ));
            }
        }
    }
    for (prefix, text) in &row.absent {
        if out
            .stdout
            .lines()
            .any(|l| l.starts_with(prefix) && l.contains(text))
        {
            problems.push(format!(
                "a line starting with {prefix:?} containing {text:?}"
            ));
        }
    }
    if problems.is_empty() {
        return None;
    }
    let fails: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("FAIL ") || l.starts_with("WARN "))
        .collect();
    let stderr: String = out.stderr.chars().take(600).collect();
    Some(format!(
        "{}: {}\n    got exit {:?} in {:?}; lines:\n      {}\n    stderr: {}",
        row.name,
        problems.join("; "),
        out.code,
        out.elapsed,
        fails.join("\n      "),
        stderr.trim()
    ))
}

/// Runs every row (on a few threads) and panics listing every mismatch.
fn run_table(rows: Vec<Row>) {
    let mut names = std::collections::HashSet::new();
    for row in &rows {
        assert!(names.insert(row.name.clone()), "duplicate row {}", row.name);
    }
    let show = std::env::var_os("HOSTILE_SHOW").is_some();
    if let Some(dir) = std::env::var_os("HOSTILE_DUMP") {
        for row in &rows {
            let path = std::path::Path::new(&dir).join(format!("{}.wasm", row.name));
            std::fs::write(&path, &row.bytes).expect("dump a row");
        }
    }
    let total = rows.len();
    let queue = Mutex::new(rows.into_iter());
    let mismatches = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let Some(row) = queue.lock().expect("queue").next() else {
                    break;
                };
                let out = run(&row);
                if show {
                    let lines: Vec<&str> = out
                        .stdout
                        .lines()
                        .filter(|l| l.starts_with("FAIL ") || l.starts_with("WARN "))
                        .collect();
                    eprintln!(
                        "[{}] exit {:?} in {:?}\n  {}\n  stderr: {}",
                        row.name,
                        out.code,
                        out.elapsed,
                        lines.join("\n  "),
                        out.stderr.trim()
                    );
                }
                if let Some(m) = mismatch(&row, &out) {
                    mismatches.lock().expect("mismatches").push(m);
                }
            });
        }
    });
    let mut mismatches = mismatches.into_inner().expect("mismatches");
    mismatches.sort();
    assert!(
        mismatches.is_empty(),
        "{} of {total} rows are wrong (in {:?}):\n\n{}",
        mismatches.len(),
        started.elapsed(),
        mismatches.join("\n\n")
    );
}

#[test]
fn hostile_plugins() {
    let mut rows = vec![Row::pass("control.good_fixture", fixture().wasm())];
    rows.extend(not_wasm_rows());
    rows.extend(section_rows());
    rows.extend(budget_rows());
    rows.extend(pointer_rows());
    rows.extend(memory_rows());
    rows.extend(import_rows());
    rows.extend(metadata_rows());
    run_table(rows);
}

#[test]
fn hostile_plugins_fixed_bugs() {
    run_table(fixed_bug_rows());
}
