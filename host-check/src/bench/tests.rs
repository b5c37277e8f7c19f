use std::time::Duration;

use super::figures::{BenchReport, FuelRange, Machine, PluginBench};
use super::json::SCHEMA_VERSION;
use super::metrics::{find_metric, format_ratio, ratio, METRICS};
use super::options::DEFAULT_ACTION;
use super::render::column_name;
use crate::requests::{postcard_note_on, request_json_with_metadata, Event};
use crate::runner::ENGINE;
use crate::stats::{median, Fit, Latency};

fn plugin(file: &str, scale: u64) -> PluginBench {
    let fuel = |f: u64| Some(FuelRange::new(f / scale));
    let time = |ns: u64| {
        Some(Latency {
            p50: Duration::from_nanos(ns / scale),
            p99: Duration::from_nanos(2 * ns / scale),
            max: Duration::from_nanos(4 * ns / scale),
        })
    };
    PluginBench {
        file: file.to_string(),
        name: "p".into(),
        version: "1.0.0".into(),
        wasi: false,
        postcard: scale > 1,
        size_raw: 100_000 / scale,
        size_optimized: Err("wasm-opt not found".into()),
        compile: Duration::from_millis(10),
        instantiate: Duration::from_millis(1),
        startup: Duration::from_millis(11),
        init_fuel: 1000,
        execute_fuel: [fuel(10_000), fuel(10_100), fuel(10_800), fuel(16_400)],
        fit: Fit::least_squares(&[
            (0.0, 10_000.0 / scale as f64),
            (64.0, 16_400.0 / scale as f64),
        ]),
        alloc_fuel: fuel(100),
        dealloc_fuel: fuel(100),
        cycle_fuel: fuel(10_300),
        execute: time(3000),
        cycle: time(4000),
        overhead: time(1000),
        reused_cycle: time(3500),
        reused_overhead: time(500),
        postcard_fuel: (scale > 1).then(|| FuelRange::new(1000)),
        postcard_execute: (scale > 1).then(Latency::default),
        postcard_cycle: None,
        daemon_fuel: fuel(5000),
        event_fuel: fuel(5100),
        event: time(40_000),
        calls: 100,
        problems: Vec::new(),
    }
}

fn report() -> BenchReport {
    BenchReport {
        machine: Machine {
            cpu: Some("Test CPU".into()),
            cores: 2,
            os: "linux",
            arch: "x86_64",
            clock_read: Duration::from_nanos(20),
        },
        calls: 100,
        round_calls: 10,
        action: "my_action".into(),
        startup_repeats: 5,
        plugins: vec![plugin("a/ref.wasm", 1), plugin("b/fast.wasm", 4)],
        elapsed: Duration::from_secs(1),
    }
}

#[test]
fn least_squares_fits_a_line() {
    let fit = Fit::least_squares(&[(0.0, 10.0), (1.0, 12.0), (8.0, 26.0), (64.0, 138.0)]).unwrap();
    assert!((fit.slope - 2.0).abs() < 1e-9);
    assert!((fit.intercept - 10.0).abs() < 1e-9);
    assert!((fit.r2 - 1.0).abs() < 1e-12);
    let flat = Fit::least_squares(&[(0.0, 5.0), (64.0, 5.0)]).unwrap();
    assert_eq!((flat.slope, flat.r2), (0.0, 1.0));
    assert!(Fit::least_squares(&[(1.0, 5.0)]).is_none());
    assert!(Fit::least_squares(&[(1.0, 5.0), (1.0, 6.0)]).is_none());
}

#[test]
fn ratios_and_their_format() {
    assert_eq!(ratio(10.0, 4.0), Some(2.5));
    assert_eq!(ratio(10.0, 0.0), Some(f64::INFINITY));
    assert_eq!(ratio(0.0, 0.0), Some(1.0));
    assert_eq!(format_ratio(8.4912), "8.49×");
    assert_eq!(format_ratio(13.84), "13.8×");
    assert_eq!(format_ratio(126.4), "126×");
    assert_eq!(format_ratio(0.5), "0.50×");
    assert_eq!(format_ratio(f64::INFINITY), "∞×");
}

#[test]
fn median_of_durations() {
    let ms = Duration::from_millis;
    assert_eq!(median(vec![ms(3), ms(1), ms(2)]), ms(2));
    assert_eq!(median(vec![ms(4), ms(1), ms(2), ms(3)]), ms(2));
    assert_eq!(median(Vec::new()), Duration::ZERO);
}

#[test]
fn table_has_every_metric_and_ratios() {
    let text = report().render_text(false);
    for m in METRICS {
        assert!(text.contains(m.label), "{} missing:\n{text}", m.label);
    }
    assert!(text.contains("25,000 B (4.00×)"), "{text}");
    assert!(text.contains("n/a: wasm-opt not found"), "{text}");
    // The reference has no postcard path: its row shows a dash and ratios use JSON figures.
    assert!(text.contains("—"), "{text}");
    assert!(text.contains("1,000 (10.1×¹)"), "{text}");
    assert!(text.contains("NOT MET  module size"), "{text}");
    assert!(
        text.contains("MET      note-on execute fuel, JSON path"),
        "{text}"
    );
    assert!(!text.contains('\x1b'));
}

#[test]
fn targets_are_evaluated() {
    let targets = report().targets();
    assert_eq!(targets.len(), 5);
    let by_id = |id: &str| targets.iter().find(|t| t.id == id).unwrap().clone();
    assert!(!by_id("size_raw").met);
    assert_eq!(by_id("size_raw").measured, Some(4.0));
    assert!(by_id("json_fuel").met);
    assert!(!by_id("postcard_fuel").met);
    assert!(by_id("cycle_p50").met);
    let slope = by_id("metadata_slope");
    assert!(slope.met, "{slope:?}");
    assert!(slope.r2.unwrap() > 0.99);
}

#[test]
fn json_has_the_schema_fields() {
    let v = report().to_json();
    assert_eq!(v["schema_version"], SCHEMA_VERSION);
    assert_eq!(v["tool"]["engine"], ENGINE);
    assert_eq!(v["machine"]["cores"], 2);
    assert_eq!(v["plugins"][0]["reference"], true);
    assert_eq!(v["plugins"][1]["metrics"]["size_raw_bytes"], 25_000);
    assert_eq!(v["plugins"][1]["ratios"]["size_raw_bytes"], 4.0);
    assert!(v["plugins"][0]["metrics"]["postcard_fuel"].is_null());
    assert_eq!(v["targets"].as_array().unwrap().len(), 5);
    assert_eq!(v["passed"], true);
}

#[test]
fn problems_fail_the_run() {
    let mut r = report();
    r.plugins[1].problems.push("returned 4".into());
    r.plugins[1].cycle_fuel = None;
    assert_eq!(r.exit_code(), 1);
    let text = r.render_text(false);
    assert!(text.contains("FAIL b/fast.wasm: returned 4"), "{text}");
    assert!(text.contains("failed (see below)"), "{text}");
}

#[test]
fn postcard_fallbacks_name_json_metrics() {
    for m in METRICS.iter().filter(|m| m.postcard_fallback.is_some()) {
        let fallback = m.postcard_fallback.unwrap();
        assert!(find_metric(fallback).is_some(), "{fallback}");
    }
    assert_eq!(
        find_metric("postcard_cycle_p50_ns")
            .unwrap()
            .postcard_fallback,
        Some("cycle_p50_ns")
    );
    assert_eq!(
        find_metric("postcard_execute_p50_ns")
            .unwrap()
            .postcard_fallback,
        Some("execute_p50_ns")
    );
}

#[test]
fn the_benchmarked_note_on_is_core_abis_canonical_one() {
    assert_eq!(
        request_json_with_metadata(DEFAULT_ACTION, Event::NoteOn, 1),
        core_abi::request::CANONICAL_NOTE_ON.as_bytes()
    );
    let header = core_abi::binary::BinaryHeader::CANONICAL_NOTE_ON;
    assert_eq!(
        postcard_note_on(0),
        core_abi::binary::encode_to_vec(&header, &[("key", "value")])
    );
}

#[test]
fn column_names_are_file_stems() {
    assert_eq!(
        column_name("target/plugins/std_reference.wasm"),
        "std_reference"
    );
    assert_eq!(column_name("x"), "x");
}
