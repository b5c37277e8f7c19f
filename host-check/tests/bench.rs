//! `host-check bench` on two tiny WAT fixtures: the table, the JSON report, exact fuel figures,
//! failing plugins and usage errors. The real plugins are benchmarked by `make bench`
//! (`scripts/bench.sh`), not here: these are checks of the command, not timed tests.

mod common;

use common::{host_check, Fixture, TempFile, GOOD_EXECUTE};
use serde_json::Value;

/// Iterations of the extra loop of the slow fixture.
const SPIN: u64 = 1000;

/// Fuel of the slow fixture's extra work, in wasmtime 48.0.8's accounting (1 per operator,
/// 0 for `nop`, `drop`, `block`, `loop`, `end`; and 1 more per function body run: a function
/// whose body is `i32.const 0` costs 2): `call $spin` (1), entering `$spin` (1) and, per
/// iteration, `local.get`, `i32.const`, `i32.add`, `local.set`, `local.get`, `i32.const`,
/// `i32.lt_u`, `br_if` (8).
const SPIN_FUEL: u64 = 2 + 8 * SPIN;

/// The fast fixture: the default good plugin (its `execute` scans the request once).
fn fast_fixture() -> Fixture {
    Fixture::default()
}

/// The slow fixture: the same plugin, whose `execute` first spins [`SPIN`] times, and which
/// also exports an `execute_postcard` that returns 0.
fn slow_fixture() -> Fixture {
    Fixture {
        execute: format!("(call $spin) {GOOD_EXECUTE}"),
        extra: format!(
            r#"(func $spin (local $k i32)
                 (loop $l
                   (local.set $k (i32.add (local.get $k) (i32.const 1)))
                   (br_if $l (i32.lt_u (local.get $k) (i32.const {SPIN})))))
               (func (export "execute_postcard") (param i32 i32) (result i32) i32.const 0)"#
        ),
        ..Fixture::default()
    }
}

struct Pair {
    fast: TempFile,
    slow: TempFile,
}

fn pair() -> Pair {
    Pair {
        fast: TempFile::new("fast.wasm", &fast_fixture().wasm()),
        slow: TempFile::new("slow.wasm", &slow_fixture().wasm()),
    }
}

fn bench(files: &[&TempFile], extra: &[&str]) -> common::Output {
    let mut args: Vec<String> = vec!["bench".into()];
    args.extend(files.iter().map(|f| f.path().display().to_string()));
    args.extend(["--calls".to_string(), "200".to_string()]);
    args.extend(extra.iter().map(|a| a.to_string()));
    host_check(args)
}

#[test]
fn text_table_has_every_row_and_ratios() {
    let p = pair();
    let out = bench(&[&p.fast, &p.slow], &[]);
    out.assert_code(0);
    let text = &out.stdout;
    let header = text
        .lines()
        .find(|l| l.starts_with("metric"))
        .unwrap_or_else(|| panic!("no header row\n{text}"));
    assert!(
        header.contains("fast (ref)") && header.contains("slow"),
        "{header}"
    );
    for row in [
        "size, raw",
        "size after wasm-opt -Oz",
        "init fuel",
        "execute fuel, note-on, 0 metadata",
        "execute fuel, note-on, 1 metadata",
        "execute fuel, note-on, 8 metadata",
        "execute fuel, note-on, 64 metadata",
        "fuel per metadata entry (slope)",
        "host cycle fuel (alloc+execute+dealloc)",
        "execute p50",
        "execute p99",
        "host cycle p50",
        "host cycle p99",
        "host overhead p50 (cycle - execute)",
        "postcard execute fuel, note-on",
        "compile + instantiate (median)",
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(row))
            .unwrap_or_else(|| panic!("no row {row:?}\n{text}"));
        if row.starts_with("execute fuel") || row.starts_with("host cycle fuel") {
            // The slow fixture does strictly more work: its ratio is below 1.
            assert!(line.contains("(0."), "{line}");
        }
        if row.starts_with("postcard") {
            // The reference has no execute_postcard: a dash, and a footnoted ratio.
            assert!(line.contains('—') && line.contains("×¹)"), "{line}");
        }
    }
    assert!(text.contains("lower is better"), "{text}");
    assert!(
        text.contains("(N×) = N times smaller/cheaper/faster"),
        "{text}"
    );
    assert!(text.contains("targets (ratio = fast / plugin"), "{text}");
    for target in [
        "module size, release build before wasm-opt",
        "note-on execute fuel, JSON path",
        "note-on execute fuel, postcard path",
        "host cycle p50 latency, JSON path",
        "fuel per metadata entry, linear growth",
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(target) && (l.contains("MET") && l.contains("measured"))),
            "no target line {target:?}\n{text}"
        );
    }
    // The slow fixture costs more fuel than the reference: that target cannot be met.
    assert!(
        text.lines()
            .any(|l| l.contains("NOT MET") && l.contains("note-on execute fuel, JSON path")),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no colours when not a terminal");
    assert!(!text.contains("FAIL"), "{text}");
}

fn json_of(out: &common::Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON: {e}\n{}", out.stdout))
}

fn metric(plugin: &Value, id: &str) -> u64 {
    plugin["metrics"][id]
        .as_u64()
        .unwrap_or_else(|| panic!("{id} is not a number: {}", plugin["metrics"]))
}

#[test]
fn json_report_has_the_schema_and_exact_fuel() {
    let p = pair();
    let out = bench(&[&p.fast, &p.slow], &["--json"]);
    out.assert_code(0);
    let v = json_of(&out);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["tool"]["name"], "host-check");
    assert_eq!(v["tool"]["engine"], "wasmtime 48.0.8");
    assert!(v["machine"]["cores"].as_u64().unwrap() >= 1);
    assert!(v["machine"]["os"].is_string());
    assert!(v["machine"]["clock_read_ns"].is_u64());
    assert_eq!(v["settings"]["calls"], 200);
    assert_eq!(v["settings"]["action"], "my_action");
    assert_eq!(
        v["settings"]["metadata_entries"],
        serde_json::json!([0, 1, 8, 64])
    );
    assert_eq!(v["settings"]["slope_method"], "least_squares");
    assert_eq!(v["passed"], true);
    assert_eq!(v["reference"], p.fast.path().display().to_string());

    let plugins = v["plugins"].as_array().unwrap();
    assert_eq!(plugins.len(), 2);
    let (fast, slow) = (&plugins[0], &plugins[1]);
    assert_eq!(fast["reference"], true);
    assert_eq!(slow["reference"], false);
    assert_eq!(fast["name"], "good");
    assert_eq!(fast["execute_postcard"], false);
    assert_eq!(slow["execute_postcard"], true);
    assert_eq!(slow["details"]["calls"], 200);
    assert!(slow["problems"].as_array().unwrap().is_empty());

    // Sizes are the files' sizes.
    assert_eq!(
        metric(fast, "size_raw_bytes"),
        fast_fixture().wasm().len() as u64
    );
    assert_eq!(
        metric(slow, "size_raw_bytes"),
        slow_fixture().wasm().len() as u64
    );

    // Fuel is deterministic (min = max) and the fixtures differ by exactly the spin loop.
    for id in [
        "execute_fuel_metadata_0",
        "execute_fuel_metadata_1",
        "execute_fuel_metadata_8",
        "execute_fuel_metadata_64",
        "cycle_fuel",
    ] {
        for plugin in [fast, slow] {
            assert_eq!(plugin["fuel_min"][id], plugin["metrics"][id], "{id}");
        }
        assert_eq!(
            metric(slow, id) - metric(fast, id),
            SPIN_FUEL,
            "{id}: the slow fixture costs exactly the spin loop more"
        );
        let ratio = slow["ratios"][id].as_f64().unwrap();
        let expected = metric(fast, id) as f64 / metric(slow, id) as f64;
        assert!(
            (ratio - expected).abs() < 1e-3,
            "{id}: {ratio} vs {expected}"
        );
    }
    // Both scan the request byte by byte: fuel grows with the metadata, at the same slope.
    let e = |p: &Value, n: u32| metric(p, &format!("execute_fuel_metadata_{n}"));
    assert!(e(fast, 0) < e(fast, 1) && e(fast, 1) < e(fast, 8) && e(fast, 8) < e(fast, 64));
    let slope = |p: &Value| p["metrics"]["fuel_per_metadata_entry"].as_f64().unwrap();
    assert!(slope(fast) > 0.0);
    assert!((slope(fast) - slope(slow)).abs() < 1e-6);
    assert!(fast["metrics"]["fuel_fit_r2"].as_f64().unwrap() > 0.99);
    // The default alloc does the same work per call; dealloc is empty.
    assert_eq!(fast["details"]["alloc_fuel"], slow["details"]["alloc_fuel"]);
    assert_eq!(
        metric(fast, "cycle_fuel"),
        metric(fast, "execute_fuel_metadata_1")
            + fast["details"]["alloc_fuel"].as_u64().unwrap()
            + fast["details"]["dealloc_fuel"].as_u64().unwrap()
    );

    // The postcard path: measured where exported, compared with the reference's JSON fuel.
    assert!(fast["metrics"]["postcard_fuel"].is_null());
    let postcard = metric(slow, "postcard_fuel");
    assert!(postcard > 0 && postcard < 10, "{postcard}");
    let expected = metric(fast, "execute_fuel_metadata_1") as f64 / postcard as f64;
    let ratio = slow["ratios"]["postcard_fuel"].as_f64().unwrap();
    assert!((ratio - expected).abs() < 1e-3);

    for id in [
        "execute_p50_ns",
        "execute_p99_ns",
        "cycle_p50_ns",
        "cycle_p99_ns",
        "startup_ns",
    ] {
        for plugin in [fast, slow] {
            assert!(metric(plugin, id) > 0, "{id}");
        }
    }
    assert!(metric(fast, "cycle_p50_ns") >= metric(fast, "execute_p50_ns"));
    assert!(fast["metrics"]["host_overhead_p50_ns"].is_u64());

    let targets = v["targets"].as_array().unwrap();
    let ids: Vec<&str> = targets.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "size_raw",
            "json_fuel",
            "postcard_fuel",
            "cycle_p50",
            "metadata_slope"
        ]
    );
    for t in targets {
        assert_eq!(t["plugin"], p.slow.path().display().to_string());
        assert!(t["threshold"].as_f64().unwrap() > 1.0);
        assert!(t["met"].is_boolean());
    }
    assert_eq!(targets[1]["met"], false, "slower on fuel: not met");
    assert!(targets[1]["measured"].as_f64().unwrap() < 1.0);
}

#[test]
fn one_plugin_is_its_own_reference() {
    let p = pair();
    let out = bench(&[&p.fast], &["--json"]);
    out.assert_code(0);
    let v = json_of(&out);
    assert_eq!(v["plugins"].as_array().unwrap().len(), 1);
    assert!(v["targets"].as_array().unwrap().is_empty());
    assert_eq!(v["plugins"][0]["ratios"]["size_raw_bytes"], 1.0);
}

#[test]
fn a_non_zero_code_fails_the_bench() {
    let p = pair();
    let declines = TempFile::new(
        "declines.wasm",
        &Fixture {
            execute: "i32.const 8".into(),
            ..Fixture::default()
        }
        .wasm(),
    );
    let out = bench(&[&p.fast, &declines], &[]);
    out.assert_code(1);
    assert!(
        out.stdout.lines().any(|l| l.starts_with("FAIL ")
            && l.contains("declines.wasm")
            && l.contains("returned 8 (declined)")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("failed (see below)"), "{}", out.stdout);
    let out = bench(&[&p.fast, &declines], &["--json"]);
    out.assert_code(1);
    let v = json_of(&out);
    assert_eq!(v["passed"], false);
    assert!(!v["plugins"][1]["problems"].as_array().unwrap().is_empty());
}

#[test]
fn plugins_that_cannot_load_fail_with_a_clear_error() {
    let p = pair();
    let garbage = TempFile::new("garbage.wasm", b"not wasm at all");
    let out = bench(&[&p.fast, &garbage], &[]);
    out.assert_code(1);
    assert!(
        out.stderr.contains("garbage.wasm: cannot load the plugin"),
        "{}",
        out.stderr
    );
    let out = bench(&[&p.fast, &p.slow], &["--action", "nope"]);
    out.assert_code(1);
    assert!(
        out.stderr
            .contains("does not declare the action \"nope\" (declared: my_action, other)"),
        "{}",
        out.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    let p = pair();
    host_check(["bench"]).assert_code(2);
    let out = host_check(["bench", "/nonexistent/plugin.wasm"]);
    out.assert_code(2);
    assert!(out.stderr.contains("no such file"), "{}", out.stderr);
    let fast = p.fast.path().display().to_string();
    host_check(["bench", &fast, "--calls", "0"]).assert_code(2);
    host_check(["bench", &fast, "--bogus"]).assert_code(2);
    host_check(["bench", &fast, p.fast.dir().to_str().unwrap()]).assert_code(2);
    let out = host_check(["bench", "--help"]);
    out.assert_code(0);
    assert!(out.stdout.contains("--calls") && out.stdout.contains("Exit codes:"));
}
