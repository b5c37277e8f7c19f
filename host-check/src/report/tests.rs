use super::*;

fn report() -> Report {
    Report {
        file: "p.wasm".into(),
        size: 1234,
        abi_version: Some(1),
        checks: vec![
            Finding::pass("module.valid", "ok"),
            Finding::warn("malformed.empty", "returned 0"),
            Finding::fail("exports.init", "`init` is not exported"),
        ],
        ..Report::default()
    }
}

#[test]
fn text_ends_with_failure_lines() {
    let r = report();
    assert_eq!(r.exit_code(), 1);
    let text = r.render_text(TextStyle::default());
    assert!(!text.contains('\x1b'));
    assert!(
        text.contains("\nFAIL exports.init: `init` is not exported\n"),
        "{text}"
    );
    assert!(text.contains("\nWARN malformed.empty: returned 0\n"));
    assert!(text.contains("verdict: FAIL (1 failed, 1 warnings, 1 passed, 0 skipped"));
    let coloured = r.render_text(TextStyle {
        colour: true,
        verbose: false,
    });
    assert!(coloured.contains("\x1b[32mPASS\x1b[0m"));
    // The failure lines stay plain so that grep works on coloured logs too.
    assert!(coloured.contains("\nFAIL exports.init: "));
}

#[test]
fn json_has_the_schema_fields() {
    let v = report().to_json();
    for key in [
        "schema_version",
        "file",
        "verdict",
        "checks",
        "failures",
        "warnings",
        "metadata",
        "note_path",
        "exports",
        "imports",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["verdict"], "fail");
    assert_eq!(v["failures"][0]["id"], "exports.init");
    assert_eq!(v["checks"][1]["status"], "warn");
}

#[test]
fn plugin_names_cannot_rewrite_the_terminal() {
    let r = Report {
        checks: vec![Finding::fail("actions.\x1b[2J.note_on", "x")],
        ..Report::default()
    };
    assert!(!r.render_text(TextStyle::default()).contains('\x1b'));
}
