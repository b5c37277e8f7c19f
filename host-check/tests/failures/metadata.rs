//! What `init` returns: pointers out of bounds, metadata too large, not UTF-8, not JSON,
//! missing or wrong fields.

use super::*;

#[test]
fn init_pointer_out_of_bounds() {
    let fixture = Fixture {
        init: Some(format!("i64.const {}", packed(65000, 1000))),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[])
        .assert_failure("FAIL init.pointer:", "past the end of memory (65536 bytes)");
}

#[test]
fn init_pointer_wraps_u32() {
    let fixture = Fixture {
        init: Some(format!("i64.const {}", packed(0xFFFF_FF00, 0x200))),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_failure(
        "FAIL init.pointer:",
        "ptr + len wraps around the 32-bit address space",
    );
}

#[test]
fn init_metadata_too_large() {
    let fixture = Fixture {
        memory: "2".to_string(),
        init: Some(format!("i64.const {}", packed(METADATA_AT, 70_000))),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[])
        .assert_failure("FAIL init.pointer:", "more than the 65536 allowed");
}

#[test]
fn invalid_utf8_metadata() {
    let mut metadata = common::GOOD_METADATA.as_bytes().to_vec();
    metadata[10] = 0xFF;
    let fixture = Fixture {
        metadata,
        ..Fixture::default()
    };
    check_fixture(&fixture, &[])
        .assert_failure("FAIL init.metadata:", "metadata is not valid UTF-8");
}

/// The fields MIDIMon's own metadata parse requires.
const LOADS: &str = r#""description":"d","author":"a","license":"MIT","type":"action""#;

#[test]
fn invalid_metadata() {
    // What MIDIMon's init rejects: the plugin is not loaded, so the check fails.
    let rejected: &[(String, &str)] = &[
        (
            r#"{"name":"p","version":"1.0.0","actions":["a"]}"#.to_string(),
            "metadata has no \"description\" field; MIDIMon's init would fail",
        ),
        (
            r#"{"name":"p","version":"1.0.0""#.to_string(),
            "not valid JSON",
        ),
        (
            format!(r#"{{"name":"p","version":"1.0.0",{LOADS},"capabilities":["gpu"]}}"#),
            "capability #0 is unknown",
        ),
    ];
    for (metadata, text) in rejected {
        let fixture = Fixture {
            metadata: metadata.as_bytes().to_vec(),
            ..Fixture::default()
        };
        check_fixture(&fixture, &[]).assert_failure("FAIL init.metadata:", text);
    }
    // What only the template README asks: MIDIMon loads it, so a warning, and --strict fails.
    let readme: &[(String, &str)] = &[
        (
            format!(r#"{{"name":"p","version":"1.0.0",{LOADS},"actions":[]}}"#),
            "metadata declares no actions",
        ),
        (
            format!(r#"{{"name":"p","version":"one",{LOADS},"actions":["my_action"]}}"#),
            "is not a semantic version",
        ),
    ];
    for (metadata, text) in readme {
        let fixture = Fixture {
            metadata: metadata.as_bytes().to_vec(),
            ..Fixture::default()
        };
        let out = check_fixture(&fixture, &["--action", "my_action"]);
        out.assert_passes();
        assert!(
            out.stdout.lines().any(|l| l
                .starts_with("WARN init.metadata.readme: template README: ")
                && l.contains(text)),
            "{}",
            out.stdout
        );
        check_fixture(&fixture, &["--strict", "--action", "my_action"])
            .assert_failure("FAIL init.metadata.readme:", text);
    }
}

#[test]
fn empty_metadata() {
    let fixture = Fixture {
        init: Some("i64.const 0".to_string()),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_failure("FAIL init.metadata:", "not valid JSON");
}
