//! One test per failure class of `host-check check`: each asserts exit code 1 and the
//! `FAIL <check-id>:` line, on a small WAT fixture compiled in the test. The good fixture
//! passes, so each failure comes from the one thing its fixture breaks.

mod common;

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

#[test]
fn not_wasm() {
    check_bytes(b"#!/bin/sh\necho not a plugin\n", &[]).assert_failure(
        "FAIL module.valid:",
        "it starts with 23 21 2f 62 instead of the \\0asm magic number 00 61 73 6d",
    );
}

#[test]
fn empty_file() {
    check_bytes(b"", &[]).assert_failure("FAIL module.valid:", "empty");
}

#[test]
fn truncated_module() {
    let wasm = Fixture::default().wasm();
    let out = check_bytes(&wasm[..wasm.len() / 2], &[]);
    out.assert_failure("FAIL module.valid:", "not a valid WebAssembly module");
    out.assert_failure("FAIL module.valid:", "offset");
}

#[test]
fn missing_exports() {
    for name in ["memory", "init", "execute", "alloc", "dealloc"] {
        let fixture = Fixture {
            without: vec![name],
            ..Fixture::default()
        };
        // MIDIMon never calls `dealloc`: a README rule.
        let args: &[&str] = if name == "dealloc" {
            &["--strict"]
        } else {
            &[]
        };
        let out = check_fixture(&fixture, args);
        out.assert_failure(&format!("FAIL exports.{name}:"), "is not exported");
    }
}

#[test]
fn mistyped_exports() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "init",
            r#"(func (export "init") (result i32) i32.const 0)"#,
            "has type () -> i32, expected () -> i64",
        ),
        (
            "execute",
            r#"(func (export "execute") (param i32) (result i32) i32.const 0)"#,
            "has type (i32) -> i32, expected (i32, i32) -> i32",
        ),
        (
            "alloc",
            r#"(func (export "alloc") (param i32))"#,
            "has type (i32) -> (), expected (i32) -> i32",
        ),
        (
            "dealloc",
            r#"(func (export "dealloc") (param i32 i32) (result i32) i32.const 0)"#,
            "expected (i32, i32) -> ()",
        ),
        (
            "memory",
            r#"(global (export "memory") i32 (i32.const 0))"#,
            "`memory` is a global, expected a memory",
        ),
    ];
    for (name, replacement, text) in cases {
        let fixture = Fixture {
            without: vec![name],
            extra: replacement.to_string(),
            ..Fixture::default()
        };
        let args: &[&str] = if *name == "dealloc" {
            &["--strict"]
        } else {
            &[]
        };
        check_fixture(&fixture, args).assert_failure(&format!("FAIL exports.{name}:"), text);
    }
}

#[test]
fn mistyped_optional_postcard_export() {
    let fixture = Fixture {
        extra: r#"(func (export "execute_postcard") (param i32 i32) (result i64) i64.const 0)"#
            .to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_passes();
    check_fixture(&fixture, &["--strict"]).assert_failure(
        "FAIL exports.execute_postcard:",
        "has type (i32, i32) -> i64, expected (i32, i32) -> i32",
    );
}

#[test]
fn init_pointer_out_of_bounds() {
    let fixture = Fixture {
        init: Some(format!("i64.const {}", packed(65000, 1000))),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[])
        .assert_failure("FAIL init.pointer:", "past the end of memory (65536 bytes)");
}

#[test]
fn init_pointer_wraps_u32() {
    let fixture = Fixture {
        init: Some(format!("i64.const {}", packed(0xFFFF_FF00, 0x200))),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_failure(
        "FAIL init.pointer:",
        "ptr + len wraps around the 32-bit address space",
    );
}

#[test]
fn init_metadata_too_large() {
    let fixture = Fixture {
        memory: "2".to_string(),
        init: Some(format!("i64.const {}", packed(METADATA_AT, 70_000))),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[])
        .assert_failure("FAIL init.pointer:", "more than the 65536 allowed");
}

#[test]
fn invalid_utf8_metadata() {
    let mut metadata = common::GOOD_METADATA.as_bytes().to_vec();
    metadata[10] = 0xFF;
    let fixture = Fixture {
        metadata,
        ..Fixture::default()
    };
    check_fixture(&fixture, &[])
        .assert_failure("FAIL init.metadata:", "metadata is not valid UTF-8");
}

/// The fields MIDIMon's own metadata parse requires.
const LOADS: &str = r#""description":"d","author":"a","license":"MIT","type":"action""#;

#[test]
fn invalid_metadata() {
    // What MIDIMon's init rejects: the plugin is not loaded, so the check fails.
    let rejected: &[(String, &str)] = &[
        (
            r#"{"name":"p","version":"1.0.0","actions":["a"]}"#.to_string(),
            "metadata has no \"description\" field; MIDIMon's init would fail",
        ),
        (
            r#"{"name":"p","version":"1.0.0""#.to_string(),
            "not valid JSON",
        ),
        (
            format!(r#"{{"name":"p","version":"1.0.0",{LOADS},"capabilities":["gpu"]}}"#),
            "capability #0 is unknown",
        ),
    ];
    for (metadata, text) in rejected {
        let fixture = Fixture {
            metadata: metadata.as_bytes().to_vec(),
            ..Fixture::default()
        };
        check_fixture(&fixture, &[]).assert_failure("FAIL init.metadata:", text);
    }
    // What only the template README asks: MIDIMon loads it, so a warning, and --strict fails.
    let readme: &[(String, &str)] = &[
        (
            format!(r#"{{"name":"p","version":"1.0.0",{LOADS},"actions":[]}}"#),
            "metadata declares no actions",
        ),
        (
            format!(r#"{{"name":"p","version":"one",{LOADS},"actions":["my_action"]}}"#),
            "is not a semantic version",
        ),
    ];
    for (metadata, text) in readme {
        let fixture = Fixture {
            metadata: metadata.as_bytes().to_vec(),
            ..Fixture::default()
        };
        let out = check_fixture(&fixture, &["--action", "my_action"]);
        out.assert_passes();
        assert!(
            out.stdout.lines().any(|l| l
                .starts_with("WARN init.metadata.readme: template README: ")
                && l.contains(text)),
            "{}",
            out.stdout
        );
        check_fixture(&fixture, &["--strict", "--action", "my_action"])
            .assert_failure("FAIL init.metadata.readme:", text);
    }
}

#[test]
fn endless_loop_in_init_times_out() {
    let fixture = Fixture {
        init: Some("(loop (br 0)) i64.const 0".to_string()),
        ..Fixture::default()
    };
    let started = std::time::Instant::now();
    check_fixture(&fixture, SHORT_TIMEOUT)
        .assert_failure("FAIL init:", "timed out: still running after 200ms");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn endless_loop_in_execute_runs_out_of_fuel() {
    let fixture = Fixture {
        execute: "(loop (br 0)) i32.const 0".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, SMALL_FUEL).assert_failure(
        "FAIL daemon.my_action:",
        "execute: out of fuel: used the whole budget of 5000000 fuel",
    );
}

#[test]
fn endless_loop_in_execute_times_out() {
    let fixture = Fixture {
        execute: "(loop (br 0)) i32.const 0".to_string(),
        ..Fixture::default()
    };
    let started = std::time::Instant::now();
    let out = check_fixture(&fixture, SHORT_TIMEOUT);
    out.assert_failure("FAIL daemon.my_action:", "execute: timed out");
    // Later calls are skipped rather than each waiting for the timeout.
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("daemon.event ") && l.contains("SKIP") && l.contains("took")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.lines().any(|l| l.starts_with("note_path ")
            && l.contains("SKIP")
            && l.contains("daemon.my_action already exhausted a budget")),
        "{}",
        out.stdout
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn endless_loop_in_alloc() {
    let fixture = Fixture {
        alloc: "(loop (br 0)) i32.const 0".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, SHORT_TIMEOUT)
        .assert_failure("FAIL daemon.my_action:", "alloc: timed out");
    check_fixture(&fixture, SMALL_FUEL)
        .assert_failure("FAIL daemon.my_action:", "alloc: out of fuel");
}

#[test]
fn endless_loop_in_start() {
    let fixture = Fixture {
        extra: "(func $start (loop (br 0))) (start $start)".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, SHORT_TIMEOUT).assert_failure("FAIL instantiate:", "timed out");
    check_fixture(&fixture, SMALL_FUEL).assert_failure("FAIL instantiate:", "out of fuel");
}

#[test]
fn memory_grow_bomb_in_execute() {
    let fixture = Fixture {
        execute: "(loop (drop (memory.grow (i32.const 16))) (br 0)) i32.const 0".to_string(),
        ..Fixture::default()
    };
    check_fixture(
        &fixture,
        &["--max-memory", "4MiB", "--max-fuel", "10000000"],
    )
    .assert_failure(
        "FAIL daemon.my_action:",
        // 1 page, then 16 at a time: 65 pages is the first grow past 4 MiB.
        "memory limit: a grow to 4259840 bytes was denied (limit 4194304 bytes",
    );
}

#[test]
fn memory_grow_bomb_in_start() {
    let fixture = Fixture {
        extra: "(func $start (loop (br_if 0 (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))) (start $start)".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &["--max-memory", "1MiB"]).assert_failure(
        "FAIL instantiate:",
        "memory limit: a grow to 1114112 bytes was denied",
    );
}

#[test]
fn initial_memory_above_the_limit() {
    let fixture = Fixture {
        memory: "3".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &["--max-memory", "128KiB"]).assert_failure(
        "FAIL instantiate:",
        "memory limit: a grow to 196608 bytes was denied (limit 131072 bytes",
    );
}

#[test]
fn memory_exactly_at_the_limit_passes() {
    let fixture = Fixture {
        memory: "2".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &["--max-memory", "131072"]).assert_passes();
}

#[test]
fn stack_overflow() {
    let fixture = Fixture {
        execute: "(call $execute (local.get $p) (local.get $n))".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_failure(
        "FAIL daemon.my_action:",
        "execute: trap: wasm trap: call stack exhausted",
    );
}

#[test]
fn unreachable_trap() {
    let fixture = Fixture {
        execute: "unreachable".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_failure(
        "FAIL daemon.my_action:",
        "trap: wasm trap: wasm `unreachable` instruction executed",
    );
}

#[test]
fn unknown_import_module() {
    let fixture = Fixture {
        imports: r#"(import "env" "host_log" (func $log (param i32 i32)))"#.to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_failure(
        "FAIL imports:",
        "`env::host_log` is not provided by MIDIMon",
    );
}

#[test]
fn unknown_import_called_fails_the_call() {
    let fixture = Fixture {
        imports: r#"(import "env" "host_log" (func $log (param i32 i32)))"#.to_string(),
        execute: "(call $log (local.get $p) (local.get $n)) i32.const 0".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_failure(
        "FAIL daemon.my_action:",
        "called `env::host_log`, which MIDIMon does not provide",
    );
}

#[test]
fn unknown_wasi_function() {
    let fixture = Fixture {
        imports: r#"(import "wasi_snapshot_preview1" "sock_open" (func (param i32) (result i32)))"#
            .to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_failure(
        "FAIL imports:",
        "`wasi_snapshot_preview1::sock_open` is not a WASI preview 1 function",
    );
}

#[test]
fn wasi_function_with_the_wrong_signature() {
    let fixture = Fixture {
        imports:
            r#"(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32) (result i32)))"#
                .to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_failure(
        "FAIL imports:",
        "`wasi_snapshot_preview1::fd_write` has type (i32, i32) -> i32, but WASI defines (i32, i32, i32, i32) -> i32",
    );
}

#[test]
fn wasi_filesystem_without_the_capability() {
    let fixture = Fixture {
        imports: r#"(import "wasi_snapshot_preview1" "path_open"
            (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))"#
            .to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &["--strict"]).assert_failure(
        "FAIL imports.capabilities:",
        "imports `path_open` but does not declare the `filesystem` capability",
    );
}

#[test]
fn wasi_socket_without_the_capability() {
    let fixture = Fixture {
        imports: r#"(import "wasi_snapshot_preview1" "sock_send"
            (func (param i32 i32 i32 i32 i32) (result i32)))"#
            .to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &["--strict"]).assert_failure(
        "FAIL imports.capabilities:",
        "imports `sock_send` but does not declare the `network` capability",
    );
}

#[test]
fn wasi_filesystem_with_the_capability_gets_a_sandbox() {
    // execute returns fd_prestat_get(3)'s errno: 0 only when a directory is preopened.
    let fixture = Fixture {
        imports: r#"(import "wasi_snapshot_preview1" "fd_prestat_get"
            (func $prestat (param i32 i32) (result i32)))"#
            .to_string(),
        metadata: br#"{"name":"fs","version":"1.0.0","description":"d","author":"a","license":"MIT","type":"action","actions":["my_action"],"capabilities":["filesystem"]}"#
            .to_vec(),
        execute: format!(
            "(local.set $i (call $prestat (i32.const 3) (i32.const 2048)))
             (if (local.get $i) (then (return (local.get $i))))
             {}",
            common::GOOD_EXECUTE
        ),
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &[]);
    out.assert_passes();
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("actions.my_action.note_on") && l.contains("returned 0")),
        "{}",
        out.stdout
    );
}

#[test]
fn proc_exit_in_execute() {
    let fixture = Fixture {
        imports: r#"(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))"#
            .to_string(),
        execute: "(call $exit (i32.const 7)) i32.const 0".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[])
        .assert_failure("FAIL daemon.my_action:", "the plugin called proc_exit(7)");
}

#[test]
fn alloc_returning_null() {
    let fixture = Fixture {
        alloc: "i32.const 0".to_string(),
        ..Fixture::default()
    };
    // MIDIMon writes the request at address 0 anyway: only the README forbids it.
    let out = check_fixture(&fixture, &[]);
    out.assert_passes();
    assert!(
        out.stdout
            .contains("WARN daemon.alloc: template README: alloc returned 0"),
        "{}",
        out.stdout
    );
    check_fixture(&fixture, &["--strict"]).assert_failure("FAIL alloc:", "returned a null pointer");
}

#[test]
fn alloc_returning_out_of_bounds() {
    let fixture = Fixture {
        alloc: "i32.const 65530".to_string(),
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &[]);
    out.assert_failure(
        "FAIL daemon.my_action:",
        "write: alloc returned pointer 0xfffa",
    );
    out.assert_failure("FAIL daemon.my_action:", "past the end of memory");
}

#[test]
fn imported_memory() {
    let fixture = Fixture {
        imports: r#"(import "env" "memory" (memory 1))"#.to_string(),
        without: vec!["memory"],
        extra: r#"(export "memory" (memory 0))"#.to_string(),
        ..Fixture::default()
    };
    // The fixture declares its own memory too, so make the imported one the exported one.
    let wat = fixture.wat().replace("(memory  1)", "");
    let out = check_wat(&wat, &[]);
    out.assert_failure("FAIL exports.memory:", "imported memory");
    out.assert_failure("FAIL imports:", "`env::memory` imports a memory");
    out.assert_failure("FAIL instantiate:", "cannot instantiate");
}

#[test]
fn imported_global_and_table() {
    let fixture = Fixture {
        imports: r#"(import "env" "g" (global i32)) (import "env" "t" (table 1 funcref))"#
            .to_string(),
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &[]);
    out.assert_failure("FAIL imports:", "`env::g` imports a global");
    out.assert_failure("FAIL imports:", "`env::t` imports a table");
}

#[test]
fn unknown_abi_marker_version() {
    let fixture = Fixture {
        extra: r#"(func (export "midimon_abi_v2"))"#.to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_passes();
    check_fixture(&fixture, &["--strict"]).assert_failure(
        "FAIL abi.marker:",
        "found ABI version 2 (`midimon_abi_v2`), expected 1",
    );
}

#[test]
fn known_abi_marker_passes() {
    let fixture = Fixture {
        extra: r#"(func (export "midimon_abi_v1"))"#.to_string(),
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &[]);
    out.assert_passes();
    assert!(out.stdout.contains("abi      v1 (marker export)"));
}

#[test]
fn undeclared_action_must_return_3() {
    let fixture = Fixture {
        execute: "i32.const 0".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_passes();
    check_fixture(&fixture, &["--strict"])
        .assert_failure("FAIL actions.unknown:", "returned 0 (success), expected 3");
}

#[test]
fn declared_action_returning_3_fails() {
    let fixture = Fixture {
        execute: "i32.const 3".to_string(),
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &[]);
    out.assert_failure(
        "FAIL daemon.actions:",
        "no action returns 0 on any request MIDIMon sends",
    );
    assert!(
        out.stdout
            .contains("WARN daemon.my_action: never returns 0"),
        "{}",
        out.stdout
    );
    check_fixture(&fixture, &["--strict"]).assert_failure(
        "FAIL actions.my_action.note_on:",
        "returned 3 (unknown_action) for an action the metadata declares",
    );
}

#[test]
fn malformed_request_trap_fails() {
    // Traps on requests that do not start with '{'.
    let execute = format!(
        "(if (i32.eqz (local.get $n)) (then unreachable))
         (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x7b)) (then unreachable))
         {}",
        common::GOOD_EXECUTE
    );
    let fixture = Fixture {
        execute,
        ..Fixture::default()
    };
    // MIDIMon never sends a malformed request: a README rule.
    check_fixture(&fixture, &[]).assert_passes();
    let out = check_fixture(&fixture, &["--strict"]);
    out.assert_failure("FAIL malformed.empty:", "trap");
}

#[test]
fn note_fuel_budget() {
    check_fixture(&Fixture::default(), &["--note-fuel", "10"]).assert_failure(
        "FAIL note_path.fuel:",
        "over the budget of 10 (--note-fuel)",
    );
}

#[test]
fn note_p99_budget() {
    check_fixture(&Fixture::default(), &["--note-p99", "1ns"])
        .assert_failure("FAIL note_path.p99:", "over the budget of 1ns (--note-p99)");
}

#[test]
fn note_action_must_be_declared() {
    check_fixture(&Fixture::default(), &["--note-action", "nope", "--strict"]).assert_failure(
        "FAIL note_path:",
        "note action \"nope\" (--note-action) is not declared",
    );
}

#[test]
fn size_budget() {
    check_fixture(&Fixture::default(), &["--max-size", "100"])
        .assert_failure("FAIL size:", "over the budget of 100 (--max-size)");
}

#[test]
fn size_optimized_without_wasm_opt() {
    let file = common::TempFile::new("plugin.wasm", &Fixture::default().wasm());
    let path = file.path().display().to_string();
    common::run_with_env(
        [
            "check",
            path.as_str(),
            "--note-calls",
            "10",
            "--max-size-optimized",
            "1MiB",
        ],
        &[("PATH", "")],
    )
    .assert_failure(
        "FAIL size.optimized:",
        "wasm-opt not found (install binaryen)",
    );
}

#[test]
fn growing_memory_is_a_warning() {
    // execute leaks a page per call.
    let fixture = Fixture {
        execute: format!(
            "(drop (memory.grow (i32.const 1))) {}",
            common::GOOD_EXECUTE
        ),
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &["--note-calls", "20"]);
    out.assert_passes();
    assert!(
        out.stdout.lines().any(|l| l.starts_with(
            "WARN note_path.memory: template README: memory grew by 1,245,184 bytes over 19 calls"
        )),
        "{}",
        out.stdout
    );
}

#[test]
fn huge_table_fails_instantiation() {
    let fixture = Fixture {
        extra: "(table 200000 funcref)".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_failure("FAIL instantiate:", "cannot instantiate");
}

#[test]
fn component_is_not_a_plugin() {
    let component = wat::parse_str("(component)").expect("component");
    check_bytes(&component, &[])
        .assert_failure("FAIL module.valid:", "not a valid WebAssembly module");
}

#[test]
fn random_bytes_after_the_magic_number() {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    let mut x: u32 = 12345;
    for _ in 0..10_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        bytes.push((x >> 16) as u8);
    }
    check_bytes(&bytes, &[]).assert_failure("FAIL module.valid:", "offset");
}

#[test]
fn data_segment_out_of_bounds_traps_at_instantiation() {
    let fixture = Fixture {
        extra: r#"(data (i32.const 65535) "xy")"#.to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_failure("FAIL instantiate:", "out of bounds memory access");
}

#[test]
fn proc_exit_in_start() {
    let fixture = Fixture {
        imports: r#"(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))"#
            .to_string(),
        extra: "(func $start (call $exit (i32.const 0))) (start $start)".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_failure("FAIL instantiate:", "proc_exit(0)");
}

#[test]
fn empty_metadata() {
    let fixture = Fixture {
        init: Some("i64.const 0".to_string()),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_failure("FAIL init.metadata:", "not valid JSON");
}

#[test]
fn chatty_plugin_is_bounded() {
    // execute writes 64 KiB to stdout per call, 100 calls and more: the capture is bounded
    // and the check still ends.
    let fixture = Fixture {
        imports: r#"(import "wasi_snapshot_preview1" "fd_write"
            (func $fd_write (param i32 i32 i32 i32) (result i32)))"#
            .to_string(),
        memory: "2".to_string(),
        execute: format!(
            "(i32.store (i32.const 1024) (i32.const 0))
             (i32.store (i32.const 1028) (i32.const 65536))
             (drop (call $fd_write (i32.const 1) (i32.const 1024) (i32.const 1) (i32.const 1040)))
             {}",
            common::GOOD_EXECUTE
        ),
        ..Fixture::default()
    };
    let started = std::time::Instant::now();
    let out = check_fixture(&fixture, &["--note-calls", "400", "--verbose"]);
    out.assert_passes();
    assert!(out.stdout.contains("more bytes)"), "the excerpt is cut");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}
