//! host-check's verdict against MIDIMon's own, on fixtures modelled on what real plugins do.
//!
//! Each case is a WAT plugin with the exact verdict of both levels: by default FAIL means that
//! MIDIMon `f4f371c` would not load the plugin or not run it; `--strict` adds the template
//! README's rules. Fixtures of the same classes were run through the real daemon code
//! (`WasmPlugin::load`, `init`, `execute` of midimon-core at `f4f371c`, outside this
//! repository): it loaded every class below whose default verdict passes or fails only on
//! `daemon.actions` (there `execute` returned an error code on every event), and refused at
//! `init` exactly those that fail `init.metadata`.

mod common;

use common::{check_fixture, Fixture, GOOD_EXECUTE};

/// The fields MIDIMon requires, before the README's `actions` and `capabilities`.
const REQUIRED: &str = r#""name":"real","version":"0.1.0","description":"d","author":"a","license":"MIT","type":"action""#;

/// Metadata with MIDIMon's required fields and `extra` members.
fn metadata(extra: &str) -> Vec<u8> {
    format!("{{{REQUIRED}{extra}}}").into_bytes()
}

/// What one run found: exit code and the ids of the failed and warned checks, in report order.
#[derive(Debug, PartialEq, Eq)]
struct Verdict {
    code: i32,
    fail: Vec<String>,
    warn: Vec<String>,
}

fn verdict(fixture: &Fixture, args: &[&str]) -> Verdict {
    let out = check_fixture(fixture, args);
    let ids = |prefix: &str| -> Vec<String> {
        let mut ids: Vec<String> = out
            .stdout
            .lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .filter_map(|l| l.split(':').next())
            .map(str::to_string)
            .collect();
        ids.dedup();
        ids
    };
    Verdict {
        code: out.code,
        fail: ids("FAIL "),
        warn: ids("WARN "),
    }
}

fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// The warnings of a fixture whose `execute` returns 0 on malformed requests, as a plugin that
/// only looks for its action name does (MIDIMon never sends them: a README rule).
const LENIENT: [&str; 11] = [
    "malformed.empty",
    "malformed.unterminated",
    "malformed.truncated",
    "malformed.invalid_utf8",
    "malformed.wrong_type",
    "malformed.out_of_range",
    "malformed.metadata_type",
    "malformed.trailing_comma",
    "malformed.deep_nesting",
    "malformed.null_pointer",
    "malformed.bad_pointer",
];

/// `ids`, then [`LENIENT`].
fn lenient(ids: &[&'static str]) -> Vec<&'static str> {
    ids.iter().copied().chain(LENIENT).collect()
}

/// Asserts the default verdict (exit code, failures, warnings) and that `--strict` fails
/// exactly the default failures plus the warnings.
fn assert_levels(fixture: &Fixture, args: &[&str], code: i32, fail: &[&str], warn: &[&str]) {
    let default = verdict(fixture, args);
    assert_eq!(
        default,
        Verdict {
            code,
            fail: strings(fail),
            warn: strings(warn),
        },
        "default verdict"
    );
    let strict_args: Vec<&str> = args.iter().copied().chain(["--strict"]).collect();
    let strict = verdict(fixture, &strict_args);
    let mut expected: Vec<String> = strings(fail);
    expected.extend(strings(warn));
    let mut got = strict.fail.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "--strict fails what default fails or warns");
    assert!(
        strict.warn.is_empty(),
        "--strict leaves no warning: {strict:?}"
    );
    let strict_code = if expected.is_empty() { 0 } else { 1 };
    assert_eq!(strict.code, strict_code, "--strict exit code");
}

#[test]
fn the_good_fixture_passes_both_levels() {
    assert_levels(&Fixture::default(), &[], 0, &[], &lenient(&[]));
}

#[test]
fn metadata_without_actions_loads_and_runs_named_actions() {
    // As MIDIMon's own plugins: license and type, no `actions`.
    let fixture = Fixture {
        metadata: metadata(r#","capabilities":[]"#),
        ..Fixture::default()
    };
    // Nothing names an action: the placeholder is sent, and that is a warning.
    assert_levels(
        &fixture,
        &[],
        0,
        &[],
        &lenient(&["init.metadata.readme", "daemon.actions"]),
    );
    // Named with --action, it runs there and on the README's requests.
    assert_levels(
        &fixture,
        &["--action", "play_pause"],
        0,
        &[],
        &lenient(&["init.metadata.readme"]),
    );
}

#[test]
fn actions_written_as_objects_are_the_action_list() {
    let fixture = Fixture {
        metadata: metadata(
            r#","actions":[{"name":"my_action","description":"x"},{"name":"other"}]"#,
        ),
        ..Fixture::default()
    };
    assert_levels(&fixture, &[], 0, &[], &lenient(&["init.metadata.readme"]));
    let out = check_fixture(&fixture, &[]);
    assert!(out.stdout.contains("daemon.other "), "{}", out.stdout);
}

#[test]
fn all_six_capabilities_load() {
    let fixture = Fixture {
        metadata: metadata(
            r#","actions":["my_action"],"capabilities":["network","filesystem","audio","midi","subprocess","systemcontrol"]"#,
        ),
        ..Fixture::default()
    };
    // Declared but unused capabilities are a README matter (grant less), not MIDIMon's.
    assert_levels(&fixture, &[], 0, &[], &lenient(&["imports.capabilities"]));
}

#[test]
fn no_dealloc_loads_in_midimon() {
    let fixture = Fixture {
        without: vec!["dealloc"],
        ..Fixture::default()
    };
    assert_levels(&fixture, &[], 0, &[], &["exports.dealloc"]);
}

#[test]
fn alloc_returning_0_still_runs_in_midimon() {
    // MIDIMon writes the request at address 0 and calls execute(0, len).
    let fixture = Fixture {
        alloc: "i32.const 0".to_string(),
        ..Fixture::default()
    };
    let default = verdict(&fixture, &[]);
    assert_eq!(default.code, 0, "{default:?}");
    assert!(default.fail.is_empty(), "{default:?}");
    assert!(default.warn.contains(&"daemon.alloc".to_string()));
    assert!(default.warn.contains(&"alloc".to_string()));
    let strict = verdict(&fixture, &["--strict"]);
    assert_eq!(strict.code, 1);
    assert!(strict.fail.contains(&"daemon.alloc".to_string()));
}

#[test]
fn a_plugin_that_needs_params_fails_in_midimon() {
    // Returns 2 unless the request has a "metadata" member, which MIDIMon never sends.
    let execute = format!(
        r#"
        (block $found
            (loop $scan
                (if (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $n))
                    (then (return (i32.const 2))))
                (br_if $found (i64.eq (i64.load (i32.add (local.get $p) (local.get $i)))
                                      (i64.const 0x617461646174656d)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $scan)))
        (local.set $i (i32.const 0))
        {GOOD_EXECUTE}"#
    );
    let fixture = Fixture {
        execute,
        ..Fixture::default()
    };
    let default = verdict(&fixture, &[]);
    assert_eq!(default.code, 1, "{default:?}");
    assert_eq!(default.fail, ["daemon.actions"]);
    assert_eq!(&default.warn[..2], ["daemon.my_action", "daemon.other"]);
    // Named with --action, the action that never returns 0 fails too.
    let named = verdict(&fixture, &["--action", "my_action"]);
    assert_eq!(named.fail, ["daemon.my_action", "daemon.actions"]);
}

#[test]
fn metadata_midimon_rejects_fails_by_default() {
    let cases: &[(&str, Vec<u8>)] = &[
        (
            "missing license",
            REQUIRED.replace(r#","license":"MIT""#, "").into(),
        ),
        (
            "missing type",
            REQUIRED.replace(r#","type":"action""#, "").into(),
        ),
        (
            "type wasm",
            REQUIRED
                .replace(r#""type":"action""#, r#""type":"wasm""#)
                .into(),
        ),
        (
            "system_control",
            format!(r#"{REQUIRED},"capabilities":["system_control"]"#).into(),
        ),
    ];
    for (case, members) in cases {
        let mut json = b"{".to_vec();
        json.extend_from_slice(members);
        json.extend_from_slice(br#","actions":["my_action"]}"#);
        let fixture = Fixture {
            metadata: json,
            ..Fixture::default()
        };
        let default = verdict(&fixture, &[]);
        assert_eq!(default.code, 1, "{case}: {default:?}");
        assert_eq!(default.fail, ["init.metadata"], "{case}");
        assert_eq!(
            verdict(&fixture, &["--strict"]).fail,
            ["init.metadata"],
            "{case}"
        );
    }
}

#[test]
fn a_panic_on_velocity_127_fails_by_default() {
    // Traps (as a Rust panic would) on any request with a member equal to 127.
    let execute = format!(
        r#"
        (block $clean
            (loop $scan
                (br_if $clean (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
                (if (i32.eq (i32.load (i32.add (local.get $p) (local.get $i)))
                            (i32.const 0x3732313a))
                    (then unreachable))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $scan)))
        (local.set $i (i32.const 0))
        {GOOD_EXECUTE}"#
    );
    let fixture = Fixture {
        execute,
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &[]);
    out.assert_failure(
        "FAIL daemon.my_action:",
        "MIDIMon's execute fails on {velocity 127, mode null}: execute: trap: wasm trap: wasm `unreachable` instruction executed, probably a Rust panic",
    );
    // The README's note sweep finds it too (a warning by default: MIDIMon sends no note).
    assert!(
        out.stdout.lines().any(|l| l
            .starts_with("WARN actions.my_action.sweep: template README: note 127, velocity 0:")),
        "{}",
        out.stdout
    );
}
