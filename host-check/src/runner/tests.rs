use std::time::{Duration, Instant};

use super::*;

fn limits() -> Limits {
    Limits {
        max_fuel: 1_000_000,
        timeout: Duration::from_millis(200),
        max_memory: 2 * 65536,
        max_compile_time: Duration::from_secs(60),
        max_check_time: Duration::from_secs(60),
        max_disk: 1 << 20,
    }
}

fn instance(wat: &str) -> Result<PluginInstance, CallError> {
    let plugin = Plugin::load(&wat::parse_str(wat).unwrap(), limits()).unwrap();
    plugin.instantiate(&plugin.initial_grants())
}

#[test]
fn engine_matches_the_workspace_pin() {
    let manifest = include_str!("../../../Cargo.toml");
    let version = ENGINE.strip_prefix("wasmtime ").unwrap();
    assert!(
        manifest.contains(&format!("wasmtime = {{ version = \"={version}\"")),
        "ENGINE must name the pinned wasmtime version"
    );
}

#[test]
fn deadline_ticks_round_up() {
    let mut l = limits();
    assert_eq!(l.deadline_ticks(), 20);
    l.timeout = Duration::from_millis(15);
    assert_eq!(l.deadline_ticks(), 2);
    l.timeout = Duration::from_nanos(1);
    assert_eq!(l.deadline_ticks(), 1);
}

#[test]
fn fuel_is_measured_and_refilled() {
    let mut i = instance(
        r#"(module (memory (export "memory") 1)
            (func (export "execute") (param i32 i32) (result i32)
                (local i32)
                (loop (local.set 2 (i32.add (local.get 2) (i32.const 1)))
                      (br_if 0 (i32.lt_u (local.get 2) (i32.const 100))))
                i32.const 0))"#,
    )
    .unwrap();
    let (code, a) = i.execute(0, 0).unwrap();
    let (_, b) = i.execute(0, 0).unwrap();
    assert_eq!(code, 0);
    assert!(a.fuel > 100, "fuel {}", a.fuel);
    assert_eq!(a.fuel, b.fuel, "fuel is deterministic and refilled");
}

#[test]
fn classifies_fuel_time_memory_and_traps() {
    let mut i = instance(
        r#"(module (memory (export "memory") 1)
            (func (export "execute") (param i32 i32) (result i32)
                (loop (br 0)) i32.const 0))"#,
    )
    .unwrap();
    assert_eq!(
        i.execute(0, 0).unwrap_err(),
        CallError::OutOfFuel { budget: 1_000_000 }
    );
    assert!(i.is_discarded());
    assert_eq!(i.execute(0, 0).unwrap_err(), CallError::Discarded);

    let mut i = instance(
        r#"(module (memory (export "memory") 1)
            (func (export "execute") (param i32 i32) (result i32)
                (drop (memory.grow (i32.const 1)))
                (memory.grow (i32.const 1))))"#,
    )
    .unwrap();
    let err = i.execute(0, 0).unwrap_err();
    assert_eq!(
        err,
        CallError::MemoryLimit {
            requested: 3 * 65536,
            limit: 2 * 65536,
            trapped: false
        }
    );
    assert!(!i.is_discarded());
    assert_eq!(i.memory_high_water(), 2 * 65536);

    let mut i = instance(
        r#"(module (memory (export "memory") 1)
            (func $f (export "execute") (param i32 i32) (result i32)
                (call $f (local.get 0) (local.get 1))))"#,
    )
    .unwrap();
    let err = i.execute(0, 0).unwrap_err();
    assert_eq!(
        err,
        CallError::Trap {
            message: "wasm trap: call stack exhausted".to_string()
        }
    );
}

#[test]
fn times_out() {
    let plugin = Plugin::load(
        &wat::parse_str(
            r#"(module (memory (export "memory") 1)
                (func (export "execute") (param i32 i32) (result i32)
                    (loop (br 0)) i32.const 0))"#,
        )
        .unwrap(),
        Limits {
            max_fuel: u64::MAX,
            ..limits()
        },
    )
    .unwrap();
    let mut i = plugin.instantiate(&plugin.initial_grants()).unwrap();
    let started = Instant::now();
    let err = i.execute(0, 0).unwrap_err();
    assert_eq!(
        err,
        CallError::TimedOut {
            timeout: Duration::from_millis(200)
        }
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn initial_memory_over_the_limit_fails_instantiation() {
    let err = instance(r#"(module (memory (export "memory") 3))"#).unwrap_err();
    assert_eq!(
        err,
        CallError::MemoryLimit {
            requested: 3 * 65536,
            limit: 2 * 65536,
            trapped: true
        }
    );
    assert!(instance(r#"(module (memory (export "memory") 2))"#).is_ok());
}

#[test]
fn init_pointer_checks() {
    let mut i = instance(
        r#"(module (memory (export "memory") 1)
            (func (export "init") (result i64) i64.const 0xFFFFFF0000000200))"#,
    )
    .unwrap();
    let err = i.init().unwrap_err();
    assert!(err.to_string().contains("wraps"), "{err}");
    let mut i = instance(
        r#"(module (memory (export "memory") 1)
            (func (export "init") (result i64) i64.const 0x0000FFF000000020))"#,
    )
    .unwrap();
    let err = i.init().unwrap_err();
    assert!(err.to_string().contains("past the end of memory"), "{err}");
}

#[test]
fn unresolved_imports_are_stubs() {
    let mut i = instance(
        r#"(module (import "env" "f" (func $f (result i32))) (memory (export "memory") 1)
            (func (export "execute") (param i32 i32) (result i32) call $f))"#,
    )
    .unwrap();
    assert_eq!(
        i.execute(0, 0).unwrap_err(),
        CallError::UnresolvedImport {
            module: "env".into(),
            name: "f".into()
        }
    );
}

#[test]
fn request_cycle() {
    let mut i = instance(
        r#"(module (memory (export "memory") 1)
            (func (export "alloc") (param i32) (result i32) i32.const 1024)
            (func (export "dealloc") (param i32 i32))
            (func (export "execute") (param i32 i32) (result i32)
                (i32.load8_u (local.get 0))))"#,
    )
    .unwrap();
    let outcome = i.request(b"\x07abc").unwrap();
    assert_eq!(outcome.code, 7);
    assert_eq!(outcome.ptr, 1024);
    assert!(outcome.cycle_elapsed >= outcome.elapsed);
}
