//! What the module is: not wasm, truncated, a component, exports and imports of the wrong
//! shape, the ABI marker, tables and data that fail instantiation, size budgets.

use super::*;

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
