//! The command line: usage errors (exit 2), `--help`, `--json`, `--config`, budget files,
//! `inspect` and `run`.

mod common;

use common::{check_fixture, host_check, Fixture, TempFile};

#[test]
fn help_exits_0_and_documents_exit_codes() {
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["run", "--help"],
        &["inspect", "--help"],
    ] {
        let out = host_check(args);
        out.assert_code(0);
        assert!(out.stdout.contains("Exit codes:"), "{}", out.stdout);
    }
    let out = host_check(["check", "--help"]);
    for flag in [
        "--max-fuel",
        "--timeout",
        "--max-memory",
        "--note-fuel",
        "--budget",
        "--config",
    ] {
        assert!(out.stdout.contains(flag), "{flag} missing from --help");
    }
    assert!(out.stdout.contains("[default: 100000000]"));
    host_check(["--version"]).assert_code(0);
}

#[test]
fn no_arguments_is_a_usage_error() {
    host_check::<[&str; 0], &str>([]).assert_code(2);
}

#[test]
fn missing_file_is_a_usage_error() {
    let out = host_check(["check", "/definitely/not/here.wasm"]);
    out.assert_code(2);
    assert!(out.stderr.contains("no such file"), "{}", out.stderr);
}

#[test]
fn directory_is_a_usage_error() {
    let file = TempFile::new("x", b"");
    let dir = file.dir().display().to_string();
    for sub in ["check", "inspect"] {
        let out = host_check([sub, dir.as_str()]);
        out.assert_code(2);
        assert!(out.stderr.contains("is a directory"), "{}", out.stderr);
    }
    host_check(["run", dir.as_str(), "my_action"]).assert_code(2);
}

#[test]
fn unknown_flag_and_subcommand_are_usage_errors() {
    let file = TempFile::new("p.wasm", &Fixture::default().wasm());
    let path = file.path().display().to_string();
    host_check(["check", path.as_str(), "--frobnicate"]).assert_code(2);
    host_check(["frobnicate", path.as_str()]).assert_code(2);
    host_check(["check", path.as_str(), "--timeout", "5"]).assert_code(2);
    host_check(["check", path.as_str(), "--timeout", "0s"]).assert_code(2);
    host_check(["check", path.as_str(), "--max-fuel", "-1"]).assert_code(2);
    host_check(["check", path.as_str(), "--max-memory", "lots"]).assert_code(2);
}

#[test]
fn budget_file_errors_are_usage_errors() {
    let wasm = TempFile::new("p.wasm", &Fixture::default().wasm());
    let path = wasm.path().display().to_string();
    for (text, key) in [
        ("max_fuell = 5", "max_fuell"),
        ("max_fuel = -5", "max_fuel"),
        ("timeout = 5", "timeout"),
        ("note_calls = \"many\"", "note_calls"),
    ] {
        let budget = TempFile::new("budget.toml", text.as_bytes());
        let budget_path = budget.path().to_str().unwrap_or_default();
        let out = host_check(["check", path.as_str(), "--budget", budget_path]);
        out.assert_code(2);
        assert!(
            out.stderr.contains(&format!("`{key}`")),
            "{text}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(budget_path), "{text}: {}", out.stderr);
    }
    host_check(["check", path.as_str(), "--budget", "/no/such/budget.toml"]).assert_code(2);
}

#[test]
fn budget_file_applies_and_flags_override_it() {
    let wasm = Fixture::default().wasm();
    let budget = TempFile::new(
        "budget.toml",
        b"note_fuel = 10\nnote_calls = 50\nmax_size = \"64KiB\"\n",
    );
    let budget_path = budget.path().display().to_string();
    check_fixture(&Fixture::default(), &["--budget", budget_path.as_str()]).assert_failure(
        "FAIL note_path.fuel:",
        "over the budget of 10 (--note-fuel)",
    );
    let file = TempFile::new("p.wasm", &wasm);
    let out = host_check([
        "check",
        file.path().to_str().unwrap_or_default(),
        "--budget",
        budget_path.as_str(),
        "--note-fuel",
        "1000000",
    ]);
    out.assert_passes();
    assert!(out.stdout.contains("50 note-on calls"), "{}", out.stdout);
    assert!(out.stdout.contains("(budget 65,536)"), "{}", out.stdout);
}

#[test]
fn json_output_has_the_schema() {
    let out = check_fixture(&Fixture::default(), &["--json"]);
    out.assert_passes();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("--json prints JSON");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["verdict"], "pass");
    assert_eq!(v["engine"], "wasmtime 48.0.8");
    assert!(v["file"]
        .as_str()
        .is_some_and(|f| f.ends_with("plugin.wasm")));
    let checks = v["checks"].as_array().expect("checks");
    assert!(checks
        .iter()
        .any(|c| c["id"] == "exports.init" && c["status"] == "pass"));
    assert!(v["failures"].as_array().is_some_and(Vec::is_empty));
    assert!(v["warnings"].as_array().is_some_and(|w| !w.is_empty()));
    assert_eq!(v["metadata"]["name"], "good");
    assert_eq!(v["metadata"]["actions"][0], "my_action");
    for key in [
        "calls",
        "fuel_min",
        "fuel_max",
        "execute_p50_ns",
        "execute_p99_ns",
        "execute_max_ns",
        "cycle_p50_ns",
        "cycle_p99_ns",
        "memory_high_water",
        "postcard_fuel",
    ] {
        assert!(v["note_path"].get(key).is_some(), "note_path.{key} missing");
    }
    assert_eq!(v["note_path"]["calls"], 100);
    assert!(v["exports"].as_array().is_some_and(|e| e
        .iter()
        .any(|x| x["name"] == "execute" && x["type"] == "(i32, i32) -> i32")));
    assert!(v["imports"].as_array().is_some_and(Vec::is_empty));
}

#[test]
fn json_output_of_a_failure() {
    let out = common::check_bytes(b"not wasm", &["--json"]);
    out.assert_code(1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("--json prints JSON");
    assert_eq!(v["verdict"], "fail");
    assert_eq!(v["failures"][0]["id"], "module.valid");
    assert!(v["metadata"].is_null());
    assert!(v["note_path"].is_null());
}

const CONFIG: &str = r#"
[[modes]]
name = "Default"

[[modes.mappings]]
trigger = { Note = { note = 60 } }
action = { Plugin = { name = "good", action = "my_action", params = { curve = "soft" } } }

[[modes.mappings]]
trigger = { Note = { note = 61 } }
action = { Plugin = { name = "good", action = "my_acton" } }

[[modes.mappings]]
action = { Plugin = { name = "someone-else", action = "whatever" } }
"#;

#[test]
fn config_with_an_undeclared_action_fails() {
    let config = TempFile::new("config.toml", CONFIG.as_bytes());
    let path = config.path().display().to_string();
    let out = check_fixture(&Fixture::default(), &["--config", path.as_str()]);
    out.assert_failure(
        "FAIL config:",
        "mapping at modes[0].mappings[1].action uses action \"my_acton\", which plugin \"good\" does not declare (declared: my_action, other)",
    );
    assert_eq!(out.stdout.matches("FAIL config:").count(), 1);
}

#[test]
fn config_with_declared_actions_still_fails_in_midimon_f4f371c() {
    let config = TempFile::new(
        "config.toml",
        CONFIG.replace("my_acton", "other").as_bytes(),
    );
    let path = config.path().display().to_string();
    let out = check_fixture(&Fixture::default(), &["--config", path.as_str()]);
    // Every action is declared, but MIDIMon f4f371c cannot parse any plugin mapping.
    assert!(out.stdout.contains("2 mapping(s) name plugin \"good\""));
    out.assert_failure(
        "FAIL config.midimon:",
        "MIDIMon f4f371c's config parser has no plugin action",
    );
    let failures = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("FAIL "))
        .count();
    assert_eq!(failures, 1, "{}", out.stdout);
}

#[test]
fn config_without_mappings_for_the_plugin_warns() {
    let config = TempFile::new("config.toml", b"[device]\nname = \"x\"\n");
    let path = config.path().display().to_string();
    let out = check_fixture(&Fixture::default(), &["--config", path.as_str()]);
    out.assert_passes();
    assert!(out
        .stdout
        .contains("WARN config: no mapping names plugin \"good\""));
}

#[test]
fn invalid_config_is_a_usage_error() {
    let config = TempFile::new("config.toml", b"[modes\n");
    let path = config.path().display().to_string();
    let out = check_fixture(&Fixture::default(), &["--config", path.as_str()]);
    out.assert_code(2);
    assert!(out.stderr.contains("not valid TOML"), "{}", out.stderr);
    check_fixture(&Fixture::default(), &["--config", "/no/such/config.toml"]).assert_code(2);
}

#[test]
fn verbose_shows_captured_output() {
    // fd_write(1, iovec at 1024 -> "hello from init\n", 1, nwritten at 1040)
    let fixture = Fixture {
        imports: r#"(import "wasi_snapshot_preview1" "fd_write"
            (func $fd_write (param i32 i32 i32 i32) (result i32)))"#
            .to_string(),
        init: Some(format!(
            "(i32.store (i32.const 1024) (i32.const 2048))
             (i32.store (i32.const 1028) (i32.const 16))
             (drop (call $fd_write (i32.const 1) (i32.const 1024) (i32.const 1) (i32.const 1040)))
             i64.const {}",
            common::packed(common::METADATA_AT, common::GOOD_METADATA.len() as u64)
        )),
        extra: r#"(data (i32.const 2048) "hello from init\n")"#.to_string(),
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &["--verbose"]);
    out.assert_passes();
    assert!(
        out.stdout.contains("captured output (init):"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("    hello from init"), "{}", out.stdout);
    let quiet = check_fixture(&fixture, &[]);
    assert!(!quiet.stdout.contains("hello from init"));
}

#[test]
fn inspect_shows_the_module() {
    let fixture = Fixture {
        imports: r#"(import "wasi_snapshot_preview1" "fd_write"
            (func (param i32 i32 i32 i32) (result i32)))"#
            .to_string(),
        ..Fixture::default()
    };
    let file = TempFile::new("p.wasm", &fixture.wasm());
    let out = host_check(["inspect", file.path().to_str().unwrap_or_default()]);
    out.assert_code(0);
    for text in [
        "exports (5):",
        "execute  func    (i32, i32) -> i32",
        "wasi_snapshot_preview1::fd_write  func    (i32, i32, i32, i32) -> i32  [WASI, always allowed]",
        "sections (",
        "code",
        "biggest functions (4 of 4",
        "       4  execute",
        "actions       my_action, other",
    ] {
        assert!(out.stdout.contains(text), "{text:?} missing\n{}", out.stdout);
    }
}

#[test]
fn inspect_of_a_broken_module() {
    let file = TempFile::new("p.wasm", b"\0asm\x01\0\0\0\x01");
    let out = host_check(["inspect", file.path().to_str().unwrap_or_default()]);
    out.assert_code(1);
    assert!(
        out.stderr.contains("not a valid WebAssembly module"),
        "{}",
        out.stderr
    );
    // A valid module whose init fails still inspects, and says why there is no metadata.
    let fixture = Fixture {
        init: Some("unreachable".to_string()),
        ..Fixture::default()
    };
    let file = TempFile::new("p.wasm", &fixture.wasm());
    let out = host_check(["inspect", file.path().to_str().unwrap_or_default()]);
    out.assert_code(0);
    assert!(
        out.stdout.contains("unavailable: init failed: trap"),
        "{}",
        out.stdout
    );
}

#[test]
fn run_one_request() {
    let file = TempFile::new("p.wasm", &Fixture::default().wasm());
    let path = file.path().display().to_string();
    let out = host_check(["run", path.as_str(), "my_action"]);
    out.assert_code(0);
    assert!(
        out.stdout.contains("returned   0 (success)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("fuel       "));

    let out = host_check(["run", path.as_str(), "undeclared_thing"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("returned   3 (unknown_action)"),
        "{}",
        out.stdout
    );

    let out = host_check([
        "run",
        path.as_str(),
        "my_action",
        "--context",
        r#"{"note":1,"velocity":2}"#,
    ]);
    out.assert_code(0);

    host_check(["run", path.as_str(), "my_action", "--context", "{"]).assert_code(2);
    host_check(["run", path.as_str()]).assert_code(2);

    let request = TempFile::new("req.json", b"please undeclared me");
    let out = host_check([
        "run",
        path.as_str(),
        "--request",
        request.path().to_str().unwrap_or_default(),
    ]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("request    20 bytes to execute (JSON)"),
        "{}",
        out.stdout
    );
}

#[test]
fn run_reports_a_trap() {
    let fixture = Fixture {
        execute: "unreachable".to_string(),
        ..Fixture::default()
    };
    let file = TempFile::new("p.wasm", &fixture.wasm());
    let out = host_check(["run", file.path().to_str().unwrap_or_default(), "my_action"]);
    out.assert_code(1);
    assert!(
        out.stdout
            .contains("failed     execute: trap: wasm trap: wasm `unreachable`"),
        "{}",
        out.stdout
    );
    let out = host_check([
        "run",
        file.path().to_str().unwrap_or_default(),
        "x",
        "--postcard",
    ]);
    out.assert_code(2);
}

#[test]
fn ci_formats_carry_the_verdict_and_the_exit_code() {
    // MIDIMon drops a plugin whose metadata has no license: one failure.
    let fixture = Fixture {
        metadata: br#"{"name":"p","version":"1.0.0","description":"d","author":"a","type":"action","actions":["my_action"]}"#.to_vec(),
        ..Fixture::default()
    };
    let github = check_fixture(&fixture, &["--format", "github"]);
    github.assert_code(1);
    assert!(
        github
            .stdout
            .lines()
            .any(|l| l.starts_with("::error file=")
                && l.contains("title=host-check init.metadata::")),
        "{}",
        github.stdout
    );
    let junit = check_fixture(&fixture, &["--format", "junit"]);
    junit.assert_code(1);
    assert!(junit.stdout.starts_with("<?xml"));
    assert!(junit.stdout.contains(
        "name=\"init.metadata\"><failure message=\"metadata has no &quot;license&quot; field"
    ));
    let markdown = check_fixture(&fixture, &["--format", "markdown"]);
    markdown.assert_code(1);
    assert!(
        markdown.stdout.contains("- **FAIL** `init.metadata`"),
        "{}",
        markdown.stdout
    );
    check_fixture(&fixture, &["--format", "json", "--json"]).assert_code(2);
    check_fixture(&fixture, &["--format", "yaml"]).assert_code(2);
}

#[test]
fn run_hints_at_codes_3_and_4_and_shows_the_body_with_v() {
    // The template: 3 for an undeclared action, 4 for a params value that is not a string.
    let wasm = common::build_plugin(
        "template-nostd",
        "wasm32-unknown-unknown",
        "template_nostd.wasm",
    );
    let path = wasm.display().to_string();
    let out = host_check(["run", path.as_str(), "nope"]);
    out.assert_code(1);
    assert!(
        out.stdout
            .contains("hint       declared actions: my_action, velocity_curve, note_filter"),
        "{}",
        out.stdout
    );
    let out = host_check([
        "run",
        path.as_str(),
        "velocity_curve",
        "-v",
        "--context",
        r#"{"velocity":64,"metadata":{"curve":1}}"#,
    ]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("returned   4 (invalid_field)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("values must be strings, and these are not: curve"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(r#"body       {"action":"velocity_curve","context":{"velocity":64"#),
        "{}",
        out.stdout
    );
}
