//! The whole profile on a small WAT plugin, in every flow: the counted fuel is wasmtime's,
//! calls are counted during `execute` only, and bad modules are usage errors.

use super::*;

/// A plugin whose `execute` (exported as `execute_postcard` too) calls `$byte` once per request byte and `$tail` once; `alloc` and
/// the start function do work of their own, which must not be in the profile.
const PLUGIN: &str = r#"(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (data (i32.const 16) "{}")
  (func $start (local i32)
    (loop $l (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 5)))))
  (start $start)
  (func (export "init") (result i64) (i64.const 0x1000000002))
  (func (export "alloc") (param i32) (result i32) (local i32)
    (local.set 1 (global.get $next))
    (global.set $next (i32.add (global.get $next) (local.get 0)))
    (local.get 1))
  (func (export "dealloc") (param i32 i32))
  (func $byte (param i32) (result i32)
    (if (result i32) (i32.eq (local.get 0) (i32.const 0x22))
      (then (i32.const 1))
      (else (i32.const 0))))
  (func $tail (result i32) (i32.const 0))
  (export "execute_postcard" (func $execute))
  (func $execute (export "execute") (param $p i32) (param $n i32) (result i32) (local $i i32) (local $q i32)
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $q (i32.add (local.get $q)
          (call $byte (i32.load8_u (i32.add (local.get $p) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (drop (call $tail))
    (i32.rem_u (local.get $q) (i32.const 2))))"#;

fn wasm() -> Vec<u8> {
    wat::parse_str(PLUGIN).unwrap()
}

fn run(spec: &RequestSpec, flow: Flow) -> Result<Profile, ProfileError> {
    profile(&wasm(), None, Limits::default(), spec, flow)
}

#[test]
fn every_flow_counts_exactly_what_wasmtime_charges() {
    let body = br#"{"a":"b"}"#.to_vec();
    for flow in [Flow::Readme, Flow::Daemon, Flow::Postcard] {
        let p = run(&RequestSpec::Body(body.clone()), flow).unwrap();
        assert!(p.exact, "{flow:?}: {p:?}");
        assert_eq!(p.counted_fuel, p.measured_fuel);
        assert!(p.measured_fuel > 0);
        assert_eq!(p.request_bytes, body.len());
        // 4 quotes: an even count, so 0.
        assert_eq!(p.code, 0);
        let calls = |index: u32| {
            p.functions
                .iter()
                .find(|r| r.index == index)
                .map(|r| r.calls)
        };
        // Function indices: start 0, init 1, alloc 2, dealloc 3, byte 4, tail 5, execute 6.
        assert_eq!(calls(6), Some(1), "execute once");
        assert_eq!(calls(4), Some(body.len() as u64), "byte once per byte");
        assert_eq!(calls(5), Some(1));
        // Neither alloc, nor init, nor the start function ran during execute.
        for outside in [0, 1, 2, 3] {
            assert_eq!(
                calls(outside),
                None,
                "function {outside} is not in the profile"
            );
        }
        assert!(p.alloc_fuel > 0);
        assert_eq!(p.start_fuel.is_some(), flow == Flow::Daemon);
        // Sorted by self fuel.
        assert!(p
            .functions
            .windows(2)
            .all(|w| w[0].self_fuel >= w[1].self_fuel));
    }
}

#[test]
fn fuel_grows_with_the_request_exactly() {
    let fuel = |len: usize| {
        run(&RequestSpec::Body(vec![b'x'; len]), Flow::Readme)
            .unwrap()
            .counted_fuel
    };
    let (f0, f1, f100) = (fuel(0), fuel(1), fuel(100));
    assert_eq!(f100 - f0, 100 * (f1 - f0));
}

#[test]
fn actions_build_each_flows_note_on() {
    let readme = run(&RequestSpec::Action(Some("go".into())), Flow::Readme).unwrap();
    assert_eq!(
        readme.request_bytes,
        request_json("go", Event::NoteOn).len()
    );
    let daemon = run(&RequestSpec::Action(None), Flow::Daemon).unwrap();
    assert_eq!(
        daemon.request_bytes,
        core_abi::request::DAEMON_NOTE_ON.len(),
        "no declared action: my_action"
    );
    assert!(readme.exact && daemon.exact);
}

#[test]
fn names_label_the_rows() {
    let mut names = Names::default();
    names.functions.insert(4, "plugin::byte".into());
    let p = profile(
        &wasm(),
        Some(&names),
        Limits::default(),
        &RequestSpec::Body(b"abc".to_vec()),
        Flow::Readme,
    )
    .unwrap();
    let byte = p.functions.iter().find(|r| r.index == 4).unwrap();
    assert_eq!(byte.name.as_deref(), Some("plugin::byte"));
    assert!(p.functions.iter().any(|r| r.name.is_none()));
}

#[test]
fn bad_modules_are_usage_errors() {
    let spec = RequestSpec::Action(None);
    let limits = Limits::default();
    let usage = |wasm: &[u8]| match profile(wasm, None, limits, &spec, Flow::Readme) {
        Err(ProfileError::Usage(why)) => why,
        other => panic!("expected a usage error, got {other:?}"),
    };
    assert!(usage(b"\x7fELF").contains("not a valid WebAssembly module"));
    let no_execute =
        wat::parse_str(r#"(module (func (export "init") (result i64) i64.const 0))"#).unwrap();
    assert!(usage(&no_execute).contains("exports no `execute`"));
    let json_only = PLUGIN.replace(r#"(export "execute_postcard" (func $execute))"#, "");
    let json_only = wat::parse_str(json_only).unwrap();
    match profile(&json_only, None, limits, &spec, Flow::Postcard) {
        Err(ProfileError::Usage(why)) => assert!(why.contains("exports no `execute_postcard`")),
        other => panic!("expected a usage error, got {other:?}"),
    }
    // With postcard, an action must be declared or be an index.
    let undeclared = RequestSpec::Action(Some("nope".into()));
    match profile(&wasm(), None, limits, &undeclared, Flow::Postcard) {
        Err(ProfileError::Usage(why)) => assert!(why.contains("not declared"), "{why}"),
        other => panic!("expected a usage error, got {other:?}"),
    }
}

#[test]
fn a_trap_in_execute_is_a_plugin_failure() {
    let trapping = PLUGIN.replace(
        "(drop (call $tail))",
        "(if (i32.gt_u (local.get $n) (i32.const 3)) (then unreachable)) (drop (call $tail))",
    );
    let wasm = wat::parse_str(trapping).unwrap();
    let result = profile(
        &wasm,
        None,
        Limits::default(),
        &RequestSpec::Body(b"long request".to_vec()),
        Flow::Readme,
    );
    assert!(matches!(result, Err(ProfileError::Plugin(_))), "{result:?}");
}
