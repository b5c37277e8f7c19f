//! host-check is bounded in time, memory and disk on every input, and cleans up after itself
//! (issue #10). Each test builds a small hostile input (a compile bomb, a FIFO, a WASI call
//! that takes seconds, a disk filler, an import list that amplifies into the report ...) and
//! asserts the exact outcome; the limits are passed tight by flag so that every case is fast.
//! Timings are never asserted: the bound is the limit named in the message.

mod common;

use common::{check_bytes, check_fixture, host_check, run_with_env, Fixture, TempFile};
use host_check::control_flow::{MAX_CONTROL_BLOCKS, MAX_CONTROL_DEPTH};

/// A plugin whose `execute` body is `body` (the rest of the good fixture).
fn with_execute(body: &str) -> Fixture {
    Fixture {
        execute: format!("{body} (i32.const 0)"),
        ..Fixture::default()
    }
}

/// The good fixture with WASI imports and a metadata `capabilities` list.
fn wasi_fixture(imports: &str, capabilities: &str, memory: &str, execute: &str) -> Fixture {
    let metadata = format!(
        r#"{{"name":"good","version":"1.0.0","description":"a WAT fixture","author":"tests","license":"MIT","type":"action","actions":["my_action","other"],"capabilities":[{capabilities}]}}"#
    );
    Fixture {
        imports: imports.to_string(),
        memory: memory.to_string(),
        metadata: metadata.into_bytes(),
        execute: execute.to_string(),
        ..Fixture::default()
    }
}

/// Lines of `text` that start with `prefix`.
fn lines_with<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

// 1. Compile time.

#[test]
fn nesting_over_the_limit_is_refused_before_compiling() {
    let depth = MAX_CONTROL_DEPTH as usize + 1;
    let fixture = with_execute(&format!("{}{}", "(block ".repeat(depth), ")".repeat(depth)));
    let out = check_fixture(&fixture, &[]);
    let line = out.assert_fails("FAIL module.valid:");
    assert_eq!(
        line,
        "FAIL module.valid: not compiled: function 3 (execute) nests block/loop/if more than 1000 deep, host-check's limit per function (compiling it would take minutes)"
    );
    // The same limit holds for `run`, which compiles the module too.
    let file = TempFile::new("deep.wasm", &fixture.wasm());
    let run = host_check(["run", &file.path().display().to_string(), "my_action"]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("nests block/loop/if more than 1000 deep"),
        "{}",
        run.stderr
    );
}

#[test]
fn too_many_blocks_are_refused_before_compiling() {
    let fixture =
        with_execute(&"(if (local.get $n) (then nop))".repeat(MAX_CONTROL_BLOCKS as usize + 1));
    let line = check_fixture(&fixture, &[]).assert_fails("FAIL module.valid:");
    assert_eq!(
        line,
        "FAIL module.valid: not compiled: function 3 (execute) has more than 10000 block/loop/if instructions, host-check's limit per function (compiling it would take minutes)"
    );
}

#[test]
fn compilation_over_its_budget_gives_up() {
    // 40 functions of 9,000 sequential `if`s each: under the static limits, but seconds to
    // compile with fuel instrumentation (quadratic per function).
    let body = "(if (local.get 0) (then nop))".repeat(9_000);
    let funcs: String = (0..40)
        .map(|_| format!("(func (param i32) {body})"))
        .collect();
    let fixture = Fixture {
        extra: funcs,
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &["--max-compile-time", "100ms"]);
    let line = out.assert_fails("FAIL module.valid:");
    assert_eq!(
        line,
        "FAIL module.valid: compilation did not finish within 100ms (--max-compile-time); the module is too large or too complex to check"
    );
}

// 2. Special and oversized files.

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

// 3. Wall time across host calls and per check.

/// WASI `random_get` of `len` bytes at offset 0 in `execute`.
fn random_get_fixture(len: u32, memory_pages: u32) -> Fixture {
    wasi_fixture(
        r#"(import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))"#,
        "",
        &memory_pages.to_string(),
        &format!("(drop (call $random_get (i32.const 0) (i32.const {len}))) (i32.const 0)"),
    )
}

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

// 4. Disk.

#[test]
fn sandbox_writes_are_bounded_by_the_disk_budget() {
    // Opens `out` in the sandbox (fd 3) and writes 64 KiB 1,000 times (64 MB), ignoring errors.
    let imports = r#"
        (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))"#;
    let fixture = wasi_fixture(imports, r#""filesystem""#, "3", "");
    let metadata = common::wat_bytes(&fixture.metadata);
    let len = fixture.metadata.len();
    let wat = format!(
        r#"(module {imports}
  (memory (export "memory") 3)
  (data (i32.const 16) "{metadata}")
  (func (export "init") (result i64) (i64.const {packed}))
  (func (export "alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "dealloc") (param i32 i32))
  (func (export "execute") (param i32 i32) (result i32) (local $fd i32) (local $k i32)
    (i32.store (i32.const 200) (i32.const 0x0074756f))
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 200) (i32.const 3)
        (i32.const 1) (i64.const 0x1fffffff) (i64.const 0x1fffffff) (i32.const 0) (i32.const 208)))
    (local.set $fd (i32.load (i32.const 208)))
    (i32.store (i32.const 1024) (i32.const 65536))
    (i32.store (i32.const 1028) (i32.const 65536))
    (loop $w
        (drop (call $fd_write (local.get $fd) (i32.const 1024) (i32.const 1) (i32.const 1040)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $w (i32.lt_u (local.get $k) (i32.const 1000))))
    (i32.const 0)))"#,
        packed = common::packed(16, len as u64)
    );
    let wasm = wat::parse_str(&wat).expect("valid WAT");
    let out = check_bytes(&wasm, &["--max-disk", "1MiB"]);
    out.assert_code(1);
    // MIDIMon's flow runs first; the disk budget is host-check's own (MIDIMon sets none).
    let line = out.assert_fails("FAIL daemon.my_action:");
    assert!(
        line.starts_with(
            "FAIL daemon.my_action: MIDIMon's execute fails on {velocity 100, mode null}: execute: disk limit: the sandbox directory reached "
        ),
        "{line}"
    );
    assert!(
        line.ends_with(" bytes (limit 1048576 bytes, --max-disk)"),
        "{line}"
    );
    let line = out.assert_fails("FAIL sandbox.disk:");
    assert!(
        line.contains("over the budget of 1,048,576 (--max-disk); the plugin was stopped"),
        "{line}"
    );
}

#[test]
fn unusable_tmpdir_is_an_environment_error() {
    let file = TempFile::new("p.wasm", &Fixture::default().wasm());
    let out = run_with_env(
        ["check", &file.path().display().to_string()],
        &[("TMPDIR", "/nonexistent/host-check-tmp")],
    );
    out.assert_code(2);
    assert!(
        out.stderr.contains("/nonexistent/host-check-tmp") && out.stderr.contains("TMPDIR"),
        "{}",
        out.stderr
    );
}

/// A private TMPDIR for one test, and the `host-check-*` entries in it.
fn tmpdir_entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("host-check-"))
        .collect();
    names.sort();
    names
}

#[test]
fn sandbox_is_removed_on_sigterm_and_stale_ones_at_start() {
    let tmp = TempFile::new("placeholder", b"");
    let tmpdir = tmp.dir().to_path_buf();
    // A stale sandbox of a process that no longer runs.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let stale = tmpdir.join(format!("host-check-sandbox-{dead}-1-0"));
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("left-over"), b"x").unwrap();

    // A filesystem plugin whose `execute` never returns (until its 60 s timeout).
    let fixture = wasi_fixture(
        r#"(import "wasi_snapshot_preview1" "sched_yield" (func (result i32)))"#,
        r#""filesystem""#,
        "1",
        "(loop (br 0)) (i32.const 0)",
    );
    let plugin = TempFile::new("p.wasm", &fixture.wasm());
    let mut running = std::process::Command::new(env!("CARGO_BIN_EXE_host-check"))
        .args([
            "check",
            &plugin.path().display().to_string(),
            "--timeout",
            "60s",
            "--max-fuel",
            "18446744073709551615",
        ])
        .env("TMPDIR", &tmpdir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait (at most 30 s) for the sandbox of the running check to appear.
    let started = std::time::Instant::now();
    let sandbox = loop {
        let names = tmpdir_entries(&tmpdir);
        let stale_name = format!("host-check-sandbox-{dead}-1-0");
        let fresh = names
            .iter()
            .find(|n| n.starts_with("host-check-sandbox-") && **n != stale_name);
        if let Some(name) = fresh {
            break tmpdir.join(name);
        }
        assert!(
            started.elapsed().as_secs() < 30,
            "no sandbox appeared: {names:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(
        !stale.exists(),
        "stale sandbox kept: {:?}",
        tmpdir_entries(&tmpdir)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&sandbox).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &running.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = running.wait().unwrap();
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert!(!sandbox.exists());
    assert_eq!(tmpdir_entries(&tmpdir), Vec::<String>::new());
}

// 5. A WASI call that wasmtime-wasi traps on.

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

// 6. Amplification.

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

// 7. Command-line edges.

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

// 8. The template's bump arena and a careless host.

#[test]
fn the_bump_arena_ignores_null_foreign_and_repeated_deallocs() {
    use host_check::runner::{Grants, Limits, Plugin};
    let path = common::build_plugin(
        "template-nostd",
        "wasm32-unknown-unknown",
        "template_nostd.wasm",
    );
    let wasm = std::fs::read(path).expect("the template was built");
    let plugin = Plugin::load(&wasm, Limits::default()).expect("compiles");
    let mut i = plugin
        .instantiate(&Grants::default())
        .expect("instantiates");
    i.init().expect("init");
    let (a, _) = i.alloc(100).unwrap();
    // Null, foreign (past the arena's top) and unaligned pointers: all ignored.
    i.dealloc(0, 100).unwrap();
    i.dealloc(0x7fff_0000, 100).unwrap();
    i.dealloc(a + 3, 10).unwrap();
    let (b, _) = i.alloc(100).unwrap();
    assert!(
        b >= a + 100,
        "the live block at {a:#x} was handed out again at {b:#x}"
    );
    // Released properly, the arena starts again from the bottom.
    i.dealloc(b, 100).unwrap();
    i.dealloc(a, 100).unwrap();
    let (c, _) = i.alloc(100).unwrap();
    assert_eq!(c, a);
    // A second dealloc after the reset is ignored: the next blocks do not alias.
    i.dealloc(c, 100).unwrap();
    i.dealloc(c, 100).unwrap();
    let (d, _) = i.alloc(100).unwrap();
    i.dealloc(d, 100).unwrap();
    i.dealloc(d, 100).unwrap();
    let (e, _) = i.alloc(100).unwrap();
    let (f, _) = i.alloc(100).unwrap();
    assert_eq!(e, a);
    assert!(f >= e + 100, "{e:#x} and {f:#x} alias");
}
