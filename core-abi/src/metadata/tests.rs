//! The metadata rules, one case each, on both levels.

use super::*;

const ACTIONS: &[&str] = &["my_action", "velocity_curve"];

/// The smallest metadata MIDIMon loads, with `extra` members appended.
fn doc(extra: &str) -> std::string::String {
    std::format!(
        r#"{{"name":"p","version":"1.0.0","description":"d","author":"a","license":"MIT","type":"action"{extra}}}"#
    )
}

fn meta() -> PluginMetadata<'static> {
    PluginMetadata {
        name: "p",
        version: "1.2.3-rc.1+build.5",
        description: "d \"q\"",
        author: "a",
        license: "MIT",
        plugin_type: PluginType::Action,
        actions: ACTIONS,
        capabilities: &[Capability::Filesystem],
    }
}

#[test]
fn serde_json_core_output_validates() {
    let mut buf = [0u8; 256];
    let json = meta().to_json(&mut buf).unwrap();
    assert_eq!(
        json,
        r#"{"name":"p","version":"1.2.3-rc.1+build.5","description":"d \"q\"","author":"a","license":"MIT","type":"action","actions":["my_action","velocity_curve"],"capabilities":["filesystem"]}"#
    );
    let view = validate_metadata_json(json.as_bytes()).unwrap();
    assert!(view.name == "p");
    assert!(view.description == "d \"q\"");
    assert!(view.license == "MIT");
    assert_eq!(view.plugin_type, PluginType::Action);
    assert_eq!(view.action_count(), 2);
    assert_eq!(view.action_index("velocity_curve"), Some(1));
    assert!(view.capabilities.contains(Capability::Filesystem));
    assert!(!view.capabilities.contains(Capability::Network));
    assert_eq!(
        meta().to_json(&mut [0u8; 8]).unwrap_err(),
        MetadataError::BufferTooSmall
    );
}

#[test]
fn macro_matches_serde_json_core() {
    const JSON: &str = crate::plugin_metadata_json! {
        name: "p", version: "1.2.3", description: "d", author: "a", license: "MIT",
        actions: ["my_action", "velocity_curve"],
        capabilities: [network, filesystem, audio, midi, subprocess, systemcontrol]
    };
    let m = PluginMetadata {
        version: "1.2.3",
        description: "d",
        capabilities: &Capability::ALL,
        ..meta()
    };
    let mut buf = [0u8; 512];
    assert_eq!(JSON, m.to_json(&mut buf).unwrap());
    let view = validate_metadata_json(JSON.as_bytes()).unwrap();
    assert_eq!(view.capabilities.iter().count(), 6);
    const NO_CAPS: &str = crate::plugin_metadata_json! {
        name: "p", version: "0.0.0", description: "d", author: "a", license: "MIT",
        actions: ["a"], capabilities: []
    };
    assert!(NO_CAPS.ends_with(r#""type":"action","actions":["a"],"capabilities":[]}"#));
    assert!(validate_metadata_json(NO_CAPS.as_bytes()).is_ok());
}

#[test]
fn capability_names_round_trip() {
    for c in Capability::ALL {
        assert_eq!(Capability::from_name(c.name()), Some(c));
    }
    assert_eq!(Capability::SystemControl.name(), "systemcontrol");
    assert_eq!(Capability::SystemControl.manifest_key(), "system_control");
    assert_eq!(Capability::from_name("system_control"), None);
    assert_eq!(Capability::from_name("Network"), None);
}

fn read(json: &str) -> Result<(), MetadataError> {
    read_metadata_json(json.as_bytes()).map(|_| ())
}

fn check(json: &str) -> Result<(), MetadataError> {
    validate_metadata_json(json.as_bytes()).map(|_| ())
}

#[test]
fn what_midimon_rejects() {
    assert_eq!(read(&doc("")), Ok(()));
    let missing = |field: &str| doc("").replace(&std::format!(r#""{field}":"#), r#""other":"#);
    let cases: &[(std::string::String, MetadataError)] = &[
        ("[]".into(), MetadataError::NotAnObject),
        ("{".into(), MetadataError::MalformedJson),
        (r#"{"name":"p",}"#.into(), MetadataError::MalformedJson),
        (missing("name"), MetadataError::MissingField("name")),
        (missing("version"), MetadataError::MissingField("version")),
        (
            missing("description"),
            MetadataError::MissingField("description"),
        ),
        (missing("author"), MetadataError::MissingField("author")),
        (missing("license"), MetadataError::MissingField("license")),
        (missing("type"), MetadataError::MissingField("type")),
        (
            doc("").replace(r#""name":"p""#, r#""name":1"#),
            MetadataError::WrongType("name"),
        ),
        (
            doc("").replace(r#""license":"MIT""#, r#""license":null"#),
            MetadataError::WrongType("license"),
        ),
        (
            doc("").replace(r#""type":"action""#, r#""type":"wasm""#),
            MetadataError::UnknownType,
        ),
        (
            doc("").replace(r#""type":"action""#, r#""type":"Action""#),
            MetadataError::UnknownType,
        ),
        (
            doc("").replace(r#""type":"action""#, r#""type":1"#),
            MetadataError::WrongType("type"),
        ),
        (
            doc(r#","homepage":1"#),
            MetadataError::WrongType("homepage"),
        ),
        (
            doc(r#","capabilities":{}"#),
            MetadataError::WrongType("capabilities"),
        ),
        (
            doc(r#","capabilities":null"#),
            MetadataError::WrongType("capabilities"),
        ),
        (
            doc(r#","capabilities":["network",1]"#),
            MetadataError::WrongType("capabilities"),
        ),
        (
            doc(r#","capabilities":["gpu"]"#),
            MetadataError::UnknownCapability { index: 0 },
        ),
        (
            doc(r#","capabilities":["midi","system_control"]"#),
            MetadataError::UnknownCapability { index: 1 },
        ),
        (doc(r#","name":"q""#), MetadataError::DuplicateField("name")),
    ];
    for (json, expected) in cases {
        assert_eq!(read(json), Err(*expected), "{json}");
        assert!(expected.is_load_failure(), "{expected:?}");
    }
    assert_eq!(
        read_metadata_json(b"{\"name\":\"\xff\"}").unwrap_err(),
        MetadataError::InvalidUtf8
    );
}

#[test]
fn what_only_the_readme_asks() {
    assert_eq!(check(&doc(r#","actions":["a"]"#)), Ok(()));
    let cases: &[(std::string::String, MetadataError)] = &[
        (doc(""), MetadataError::MissingField("actions")),
        (
            doc(r#","actions":"a""#),
            MetadataError::WrongType("actions"),
        ),
        (
            doc(r#","actions":["a",1]"#),
            MetadataError::WrongType("actions"),
        ),
        (
            doc(r#","actions":["a",{"name":"b"}]"#),
            MetadataError::WrongType("actions"),
        ),
        (
            doc(r#","actions":[{"id":"b"}]"#),
            MetadataError::WrongType("actions"),
        ),
        (
            doc(r#","actions":["a"],"actions":["b"]"#),
            MetadataError::DuplicateField("actions"),
        ),
        (doc(r#","actions":[]"#), MetadataError::NoActions),
        (
            doc(r#","actions":["a",""]"#),
            MetadataError::EmptyAction { index: 1 },
        ),
        (
            doc(r#","actions":["a","b","\u0061"]"#),
            MetadataError::DuplicateAction { index: 2 },
        ),
        (
            doc(r#","actions":[{"name":"a","description":"x"}]"#),
            MetadataError::ActionsAsObjects,
        ),
        (
            doc(r#","actions":["a"],"capabilities":["network","network"]"#),
            MetadataError::DuplicateCapability { index: 1 },
        ),
        (
            doc(r#","actions":["a"]"#).replace(r#""name":"p""#, r#""name":"""#),
            MetadataError::EmptyName,
        ),
        (
            doc(r#","actions":["a"]"#).replace("1.0.0", "1.0"),
            MetadataError::InvalidVersion,
        ),
    ];
    for (json, expected) in cases {
        assert_eq!(read(json), Ok(()), "MIDIMon loads {json}");
        assert_eq!(check(json), Err(*expected), "{json}");
        assert!(!expected.is_load_failure(), "{expected:?}");
    }
    let big = doc(&std::format!(
        r#","actions":["a"],"pad":"{}""#,
        "x".repeat(MAX_METADATA_LEN)
    ));
    assert_eq!(read(&big), Ok(()));
    assert_eq!(check(&big), Err(MetadataError::TooLarge { len: big.len() }));
}

#[test]
fn actions_as_objects_are_read_as_the_action_list() {
    let json =
        doc(r#","actions":[{"description":"x","name":"first"},{"name":"second","name":"x"}]"#);
    let view = read_metadata_json(json.as_bytes()).unwrap();
    assert_eq!(view.actions_form(), Some(ActionsForm::Objects));
    assert_eq!(view.action_count(), 2);
    assert_eq!(view.action_index("second"), Some(1));
    let issues: std::vec::Vec<_> = view.conformance_issues().collect();
    assert_eq!(issues, [MetadataError::ActionsAsObjects]);
}

#[test]
fn several_readme_issues_are_all_listed() {
    let json = doc(r#","capabilities":["midi","midi"]"#).replace("1.0.0", "x");
    let view = read_metadata_json(json.as_bytes()).unwrap();
    let issues: std::vec::Vec<_> = view.conformance_issues().collect();
    assert_eq!(
        issues,
        [
            MetadataError::InvalidVersion,
            MetadataError::MissingField("actions"),
            MetadataError::DuplicateCapability { index: 1 }
        ]
    );
    assert_eq!(view.action_count(), 0);
    assert!(view.capabilities.contains(Capability::Midi));
}

#[test]
fn ten_thousand_actions_are_checked_quickly() {
    // Three-character names, so that 10,000 of them fit in 64 KiB of JSON.
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let name = |i: usize| -> std::string::String {
        [i / 3844, i / 62 % 62, i % 62]
            .iter()
            .map(|&d| DIGITS[d] as char)
            .collect()
    };
    let names: std::vec::Vec<std::string::String> = (0..10_000).map(name).collect();
    let quoted: std::vec::Vec<std::string::String> =
        names.iter().map(|n| std::format!("\"{n}\"")).collect();
    let json = doc(&std::format!(r#","actions":[{}]"#, quoted.join(",")));
    assert!(json.len() < MAX_METADATA_LEN);
    assert_eq!(
        validate_metadata_json(json.as_bytes()).map(|v| v.action_count()),
        Ok(10_000)
    );
    let repeated = json.replace(
        &std::format!(r#""{}"]"#, name(9_999)),
        &std::format!(r#""{}"]"#, name(5_000)),
    );
    assert_eq!(
        check(&repeated),
        Err(MetadataError::DuplicateAction { index: 9_999 })
    );
}

#[test]
fn unknown_fields_are_ignored() {
    assert_eq!(
        check(&doc(r#","x":{"y":[1]},"actions":["a"],"homepage":null"#)),
        Ok(())
    );
}

#[test]
fn runtime_validation_matches() {
    assert_eq!(meta().validate(), Ok(()));
    assert_eq!(
        PluginMetadata {
            actions: &[],
            ..meta()
        }
        .validate(),
        Err(MetadataError::NoActions)
    );
    assert_eq!(
        PluginMetadata {
            actions: &["a", "a"],
            ..meta()
        }
        .validate(),
        Err(MetadataError::DuplicateAction { index: 1 })
    );
    assert_eq!(
        PluginMetadata { name: "", ..meta() }.validate(),
        Err(MetadataError::EmptyName)
    );
    assert_eq!(
        PluginMetadata {
            version: "x",
            ..meta()
        }
        .validate(),
        Err(MetadataError::InvalidVersion)
    );
    assert_eq!(
        PluginMetadata {
            capabilities: &[Capability::Network, Capability::Network],
            ..meta()
        }
        .validate(),
        Err(MetadataError::DuplicateCapability { index: 1 })
    );
}
