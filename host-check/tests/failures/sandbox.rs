//! The sandbox's limits: endless loops (fuel and wall time), memory bombs, the stack, traps,
//! WASI calls without the capability, `proc_exit`, a plugin that prints without end.

use super::*;

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
