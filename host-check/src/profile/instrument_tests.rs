//! The instrumented copy against wasmtime itself: on small WAT fixtures covering every kind of
//! control flow, the counted self fuel must add up to exactly the fuel wasmtime charged the
//! original, and the call counts must be the calls made.

use wasmtime::{Config, Engine, Global, GlobalType, Instance, Linker, Module, Mutability, Store};

use super::*;

/// Fuel and (calls, self fuel) per defined function of `func(arg)`, on the original and on
/// the instrumented copy.
struct Measured {
    /// What wasmtime charged the original's call.
    fuel: u64,
    /// What the original returned.
    result: i32,
    /// (calls, self fuel) per defined function, from the copy.
    counts: Vec<(i64, i64)>,
}

fn engine() -> Engine {
    let mut config = Config::new();
    config.consume_fuel(true);
    Engine::new(&config).unwrap()
}

/// Instantiates `wasm` with the fixtures' imports: `env.inc` (i32 -> i32) and `env.g` (a
/// mutable i32 global, 7).
fn instantiate(engine: &Engine, wasm: &[u8]) -> (Store<()>, Instance) {
    let module = Module::new(engine, wasm).unwrap();
    let mut store = Store::new(engine, ());
    store.set_fuel(10_000_000).unwrap();
    let mut linker = Linker::new(engine);
    linker.func_wrap("env", "inc", |x: i32| x + 1).unwrap();
    let g = Global::new(
        &mut store,
        GlobalType::new(wasmtime::ValType::I32, Mutability::Var),
        wasmtime::Val::I32(7),
    )
    .unwrap();
    linker.define(&store, "env", "g", g).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

fn call(store: &mut Store<()>, instance: &Instance, func: &str, arg: i32) -> (i32, u64) {
    let f = instance
        .get_typed_func::<i32, i32>(&mut *store, func)
        .unwrap();
    let before = store.get_fuel().unwrap();
    let result = f.call(&mut *store, arg).unwrap();
    (result, before - store.get_fuel().unwrap())
}

fn measure(wat: &str, func: &str, arg: i32) -> Measured {
    let wasm = wat::parse_str(wat).unwrap();
    let engine = engine();
    let (mut store, instance) = instantiate(&engine, &wasm);
    let (result, fuel) = call(&mut store, &instance, func, arg);

    let copy = instrument(&wasm).unwrap();
    let (mut store, instance) = instantiate(&engine, &copy.wasm);
    let read = |store: &mut Store<()>, name: &str| {
        let global = instance.get_global(&mut *store, name).unwrap();
        global.get(&mut *store).i64().unwrap()
    };
    let before: Vec<(i64, i64)> = copy
        .counters
        .iter()
        .map(|c| (read(&mut store, &c.calls), read(&mut store, &c.fuel)))
        .collect();
    let (copied_result, _) = call(&mut store, &instance, func, arg);
    assert_eq!(copied_result, result, "the copy computes the same");
    let counts = copy
        .counters
        .iter()
        .zip(before)
        .map(|(c, (calls, fuel))| {
            (
                read(&mut store, &c.calls) - calls,
                read(&mut store, &c.fuel) - fuel,
            )
        })
        .collect();
    Measured {
        fuel,
        result,
        counts,
    }
}

/// Asserts that the self fuel adds up to wasmtime's, for every argument, and returns the
/// measurements.
fn exact(wat: &str, func: &str, args: &[i32]) -> Vec<Measured> {
    args.iter()
        .map(|&arg| {
            let m = measure(wat, func, arg);
            let sum: i64 = m.counts.iter().map(|c| c.1).sum();
            assert_eq!(sum as u64, m.fuel, "{func}({arg}): {:?}", m.counts);
            m
        })
        .collect()
}

#[test]
fn loops_are_counted_per_iteration() {
    let wat = r#"(module
      (func (export "run") (param i32) (result i32) (local i32)
        block
          loop
            local.get 0
            i32.eqz
            br_if 1
            local.get 1
            local.get 0
            i32.add
            local.set 1
            local.get 0
            i32.const 1
            i32.sub
            local.set 0
            br 0
          end
        end
        local.get 1))"#;
    let runs = exact(wat, "run", &[0, 1, 2, 10, 1000]);
    assert_eq!(runs[3].result, 55);
    // Each iteration costs the same: fuel is affine in n.
    let step = (runs[3].fuel - runs[2].fuel) / 8;
    assert_eq!(runs[4].fuel, runs[2].fuel + 998 * step);
    assert_eq!(runs[4].counts, vec![(1, runs[4].fuel as i64)]);
}

#[test]
fn br_table_if_else_and_nested_blocks() {
    let wat = r#"(module
      (func (export "run") (param i32) (result i32)
        block
          block
            block
              block
                local.get 0
                br_table 0 1 2 3
              end
              i32.const 10
              return
            end
            local.get 0
            i32.const 1
            i32.eq
            if (result i32)
              i32.const 20
            else
              i32.const 21
              nop
              drop
              i32.const 22
            end
            return
          end
          local.get 0
          if
            nop
          end
          i32.const 30
          return
          i32.const 99
          drop
        end
        i32.const 40
        i32.const 41
        local.get 0
        select))"#;
    let runs = exact(wat, "run", &[0, 1, 2, 3, 4, -1]);
    let results: Vec<i32> = runs.iter().map(|m| m.result).collect();
    assert_eq!(results, [10, 20, 30, 40, 40, 40]);
}

#[test]
fn calls_are_counted_and_fuel_is_split_per_function() {
    let wat = r#"(module
      (type $t (func (param i32) (result i32)))
      (table 2 funcref)
      (elem (i32.const 0) $double $fact)
      (func $double (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
      (func $fact (param i32) (result i32)
        local.get 0
        i32.const 2
        i32.lt_s
        if (result i32)
          i32.const 1
        else
          local.get 0
          local.get 0
          i32.const 1
          i32.sub
          call $fact
          i32.mul
        end)
      (func $empty)
      (func (export "run") (param i32) (result i32)
        call $empty
        local.get 0
        call $fact
        local.get 0
        i32.const 0
        call_indirect (type $t)
        i32.add
        i32.const 3
        i32.const 1
        call_indirect (type $t)
        i32.add))"#;
    let runs = exact(wat, "run", &[1, 5]);
    assert_eq!(runs[1].result, 120 + 10 + 6);
    let calls: Vec<i64> = runs[1].counts.iter().map(|c| c.0).collect();
    // $double once, $fact 5 + 3 times, $empty once, run once.
    assert_eq!(calls, [1, 8, 1, 1]);
    // An empty function costs exactly its entry fuel.
    assert_eq!(runs[1].counts[2], (1, 1));
    // $double: entry, local.get, i32.const, i32.mul; `end` is free.
    assert_eq!(runs[1].counts[0], (1, 4));
}

#[test]
fn imported_functions_and_globals_keep_their_indices() {
    let wat = r#"(module
      (import "env" "inc" (func $inc (param i32) (result i32)))
      (import "env" "g" (global $g (mut i32)))
      (global $mine (mut i32) (i32.const 100))
      (func $helper (param i32) (result i32)
        local.get 0
        call $inc
        global.get $g
        i32.add)
      (func (export "run") (param i32) (result i32)
        local.get 0
        call $helper
        global.get $mine
        i32.add
        global.set $mine
        global.get $mine
        local.get 0
        global.set $g))"#;
    let runs = exact(wat, "run", &[5]);
    // 5 + 1 + 7 + 100.
    assert_eq!(runs[0].result, 113);
    // Only defined functions are counted, from index 1 (after the import).
    let copy = instrument(&wat::parse_str(wat).unwrap()).unwrap();
    let functions: Vec<u32> = copy.counters.iter().map(|c| c.function).collect();
    assert_eq!(functions, [1, 2]);
    assert_eq!(
        runs[0].counts.iter().map(|c| c.0).collect::<Vec<_>>(),
        [1, 1]
    );
}

#[test]
fn modules_without_global_or_export_sections_get_them() {
    // No global section; a start function; the exported function is the only export.
    let wat = r#"(module
      (memory 1)
      (func $start i32.const 0 i32.const 1 i32.store)
      (start $start)
      (func (export "run") (param i32) (result i32)
        i32.const 0 i32.load local.get 0 i32.add)
      (data (i32.const 8) "x"))"#;
    let runs = exact(wat, "run", &[41]);
    assert_eq!(runs[0].result, 42);
    // No exports at all: the copy has only the counters' exports, and still validates.
    let bare = wat::parse_str("(module (func $f i32.const 1 drop))").unwrap();
    let copy = instrument(&bare).unwrap();
    assert_eq!(copy.counters.len(), 1);
    assert!(copy.exports.is_empty());
    wasmparser::validate(&copy.wasm).unwrap();
}

#[test]
fn counter_exports_never_clash_with_the_modules() {
    let wat = r#"(module
      (func (export "host-check.profile.calls.0") (param i32) (result i32) local.get 0))"#;
    let copy = instrument(&wat::parse_str(wat).unwrap()).unwrap();
    assert!(copy.counters[0].calls.starts_with("_host-check.profile."));
    exact(wat, "host-check.profile.calls.0", &[3]);
}

#[test]
fn custom_sections_and_other_sections_are_copied_byte_for_byte() {
    let wat = r#"(module $named
      (memory (export "memory") 1)
      (@custom "mine" "payload")
      (func $f (export "f") (param i32) (result i32) local.get 0))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let copy = instrument(&wasm).unwrap();
    let kept = |wasm: &[u8]| -> Vec<(u8, Vec<u8>)> {
        sections(wasm)
            .unwrap()
            .into_iter()
            .filter(|(id, _)| ![6, 7, 10].contains(id))
            .map(|(id, c)| (id, c.to_vec()))
            .collect()
    };
    assert_eq!(kept(&wasm), kept(&copy.wasm));
    assert_eq!(
        crate::names::Names::read(&copy.wasm),
        crate::names::Names::read(&wasm)
    );
}

#[test]
fn bulk_operators_cost_their_length() {
    // Params and locals of their own, so that the copy's added locals must come after them.
    let wat = r#"(module
      (memory 1)
      (memory $wide i64 1)
      (table $t 4 funcref)
      (table $u 4 funcref)
      (elem $e func $f $f $f)
      (data $d "0123456789")
      (func $f)
      (func (export "run") (param $n i32) (result i32) (local $a i64) (local $b i32)
        (local.set $b (i32.add (local.get $n) (i32.const 1)))
        (memory.fill (i32.const 0) (i32.const 7) (local.get $n))
        (memory.copy (i32.const 100) (i32.const 0) (local.get $n))
        (memory.copy (i32.const 200) (i32.const 0) (i32.const 5))
        (memory.init $d (i32.const 300) (i32.const 0) (i32.rem_u (local.get $n) (i32.const 10)))
        (memory.fill $wide (i64.const 0) (i32.const 1) (i64.extend_i32_u (local.get $n)))
        (drop (table.grow $t (ref.null func) (i32.rem_u (local.get $n) (i32.const 50))))
        (table.fill $t (i32.const 0) (ref.null func) (i32.const 2))
        (table.init $u $e (i32.const 0) (i32.const 0) (i32.rem_u (local.get $n) (i32.const 4)))
        (table.copy $t $u (i32.const 0) (i32.const 0) (i32.rem_u (local.get $n) (i32.const 4)))
        (local.set $a (i64.const 40))
        (i32.add (i32.load8_u (i32.const 105)) (i32.add (local.get $b) (i32.wrap_i64 (local.get $a))))))"#;
    let runs = exact(wat, "run", &[0, 1, 3, 1000]);
    // 7 + (n + 1) + 40.
    assert_eq!(runs[3].result, 7 + 1001 + 40);
    // Four bulk operators of length n, and a constant 5 + 2: 1000 more units than n = 0 in
    // each of the three n-long ones, plus the memory.init, table.grow ... shares.
    let n_units = |n: u64| 3 * n + (n % 10) + (n % 50) + 2 * (n % 4) + 5 + 2;
    assert_eq!(runs[3].fuel - runs[0].fuel, n_units(1000) - n_units(0));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(matches!(
        instrument(b"not wasm"),
        Err(InstrumentError::Invalid(_))
    ));
    assert!(matches!(instrument(b""), Err(InstrumentError::Invalid(_))));
    let mut truncated = wat::parse_str("(module (func))").unwrap();
    truncated.pop();
    assert!(matches!(
        instrument(&truncated),
        Err(InstrumentError::Invalid(_))
    ));
}
