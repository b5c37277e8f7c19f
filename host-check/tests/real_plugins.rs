//! The workspace's real plugins pass: the `no_std` template (wasm32-unknown-unknown) and the
//! std reference plugin built for wasm32-wasip1 as the original MIDIMon template describes it.
//! Both are built with cargo from the test, with the `plugin` profile the README uses.

mod common;

use common::{build_plugin, host_check};

#[test]
fn template_passes() {
    let wasm = build_plugin(
        "template-nostd",
        "wasm32-unknown-unknown",
        "template_nostd.wasm",
    );
    let path = wasm.display().to_string();
    let out = host_check(["check", path.as_str()]);
    out.assert_passes();
    // The template implements every ABI rule: no warnings, postcard measured.
    assert!(
        !out.stdout.lines().any(|l| l.starts_with("WARN ")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("postcard.fuel"), "{}", out.stdout);
    let json = host_check(["check", path.as_str(), "--json", "--note-calls", "100"]);
    json.assert_passes();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert!(v["note_path"]["postcard_fuel"]
        .as_u64()
        .is_some_and(|f| f > 0));
    // Checks that compare a figure with a budget carry both, with the unit.
    let check = |id: &str| {
        v["checks"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["id"] == id))
            .cloned()
            .unwrap_or_default()
    };
    let size = check("size");
    assert_eq!(size["measured"], v["size"]);
    assert!(size["limit"].is_null(), "no --max-size given: {size}");
    assert_eq!(size["unit"], "bytes");
    let daemon = check("daemon.event");
    assert_eq!(daemon["measured"], v["daemon_event"]["execute_fuel"]);
    assert_eq!(daemon["unit"], "fuel");
    assert!(check("exports.init").get("measured").is_none());
    host_check(["inspect", path.as_str()]).assert_code(0);

    // `budget` records what the template measures now; the recorded file then passes.
    let dir = host_check::scratch::ScratchDir::new("budget-test").expect("scratch dir");
    let file = dir.path().join("budget.toml");
    let file = file.display().to_string();
    host_check(["budget", path.as_str(), "--write", file.as_str()]).assert_code(0);
    let text = std::fs::read_to_string(&file).expect("budget written");
    assert!(
        text.contains("strict = true") && text.contains("daemon_fuel = "),
        "{text}"
    );
    host_check(["check", path.as_str(), "--budget", file.as_str()]).assert_passes();
    host_check(["budget", path.as_str(), "--headroom", "1001"]).assert_code(2);
}

#[test]
fn budget_refuses_a_plugin_that_fails_strict() {
    // The good WAT fixture returns 0 for malformed requests: a README rule, so --strict fails.
    let fixture = common::TempFile::new("lenient.wasm", &common::Fixture::default().wasm());
    let path = fixture.path().display().to_string();
    let out = host_check(["budget", path.as_str()]);
    out.assert_code(1);
    assert!(
        out.stderr.contains("fails (malformed.empty"),
        "{}",
        out.stderr
    );
}

#[test]
fn std_wasip1_plugin_passes() {
    let wasm = build_plugin("std-reference", "wasm32-wasip1", "std_reference.wasm");
    let path = wasm.display().to_string();
    let out = host_check(["check", path.as_str()]);
    out.assert_passes();
    assert!(out.stdout.contains("WASI linked"), "{}", out.stdout);
    for import in [
        "fd_write",
        "environ_get",
        "environ_sizes_get",
        "random_get",
        "proc_exit",
    ] {
        assert!(out.stdout.contains(import), "{import} not listed");
    }
    let run = host_check([
        "run",
        path.as_str(),
        "note_filter",
        "--context",
        r#"{"note":10,"metadata":{"min":"20"}}"#,
    ]);
    run.assert_code(1);
    assert!(
        run.stdout.contains("returned   8 (declined)"),
        "{}",
        run.stdout
    );
}
