//! Disk: sandbox writes under the disk budget, an unusable TMPDIR, sandboxes removed on SIGTERM
//! and stale ones at start.

use super::*;

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
