//! Property 6: metadata round trips through `to_json`, generated documents against the rules and
//! MIDIMon's struct, the size limit, the documented daemon differences, the generator's reach,
//! and the long-version regression.

use core_abi::abi::MAX_METADATA_LEN;
use core_abi::metadata::{
    self, validate_metadata_json, ActionsForm, Capability, MetadataError, PluginMetadata,
    PluginType,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

use crate::checks::check_metadata;
use crate::gen_bytes::{mutate, mutation};
use crate::gen_metadata::{meta_spec, metadata_document};
use crate::harness::config;

proptest! {
    #![proptest_config(config(600))]

    /// 6: valid metadata survives `to_json` → `validate_metadata_json` and serde_json.
    #[test]
    fn metadata_round_trip(spec in meta_spec(), cut in any::<Index>()) {
        let actions: Vec<&str> = spec.actions.iter().map(String::as_str).collect();
        let m = PluginMetadata {
            name: &spec.name,
            version: &spec.version,
            description: &spec.description,
            author: &spec.author,
            license: &spec.license,
            plugin_type: spec.plugin_type,
            actions: &actions,
            capabilities: &spec.capabilities,
        };
        prop_assert_eq!(m.validate(), Ok(()));
        prop_assert!(conformance::semver_spec(&spec.version), "{}", spec.version);
        let mut buf = vec![0u8; 4096];
        let json = m.to_json(&mut buf).map_err(|e| TestCaseError::fail(e.to_string()))?.to_owned();
        let mut small = vec![0u8; cut.index(json.len())];
        prop_assert_eq!(m.to_json(&mut small), Err(MetadataError::BufferTooSmall));

        let view = validate_metadata_json(json.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
        prop_assert_eq!(view.name.to_string(), spec.name.clone());
        prop_assert_eq!(view.version.to_string(), spec.version.clone());
        prop_assert_eq!(view.description.to_string(), spec.description.clone());
        prop_assert_eq!(view.author.to_string(), spec.author.clone());
        prop_assert_eq!(view.license.to_string(), spec.license.clone());
        prop_assert_eq!(view.plugin_type, spec.plugin_type);
        prop_assert!(view.homepage.is_none());
        let listed: Vec<String> = view.actions().map(|a| a.to_string()).collect();
        prop_assert_eq!(&listed, &spec.actions);
        prop_assert_eq!(view.actions_form(), Some(ActionsForm::Strings));
        for c in Capability::ALL {
            prop_assert_eq!(view.capabilities.contains(c), spec.capabilities.contains(&c));
        }
        prop_assert_eq!(view.conformance_issues().count(), 0);

        let value: Value = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(value["name"].as_str(), Some(spec.name.as_str()));
        prop_assert_eq!(value["version"].as_str(), Some(spec.version.as_str()));
        prop_assert_eq!(value["description"].as_str(), Some(spec.description.as_str()));
        prop_assert_eq!(value["author"].as_str(), Some(spec.author.as_str()));
        prop_assert_eq!(value["license"].as_str(), Some(spec.license.as_str()));
        prop_assert_eq!(value["type"].as_str(), Some(spec.plugin_type.name()));
        prop_assert_eq!(&value["actions"], &Value::from(spec.actions.clone()));
        let names: Vec<&str> = spec.capabilities.iter().map(|c| c.name()).collect();
        prop_assert_eq!(&value["capabilities"], &Value::from(names));
        check_metadata(json.as_bytes())?;
    }
}

proptest! {
    #![proptest_config(config(800))]

    /// 6: generated metadata documents, corrupted or not, against the rules and MIDIMon's struct.
    #[test]
    fn metadata_documents(doc in metadata_document(), mutate_it in any::<bool>(), mutations in vec(mutation(), 1..3)) {
        check_metadata(doc.as_bytes())?;
        if mutate_it {
            check_metadata(&mutate(doc.into_bytes(), &mutations))?;
        }
    }
}

/// `MAX_METADATA_LEN` is inclusive.
#[test]
fn metadata_size_limit() {
    let base = r#"{"name":"p","version":"1.0.0","description":"d","author":"a","license":"MIT","type":"action","actions":["a"],"pad":""}"#;
    for len in [MAX_METADATA_LEN - 1, MAX_METADATA_LEN, MAX_METADATA_LEN + 1] {
        let pad = "x".repeat(len - base.len());
        let doc = base.replace(r#""pad":"""#, &format!(r#""pad":"{pad}""#));
        assert_eq!(doc.len(), len);
        let expected = if len <= MAX_METADATA_LEN {
            Ok(())
        } else {
            Err(MetadataError::TooLarge { len })
        };
        assert_eq!(validate_metadata_json(doc.as_bytes()).map(|_| ()), expected);
        if let Err(e) = check_metadata(doc.as_bytes()) {
            panic!("{e}");
        }
    }
}

/// The documented differences with MIDIMon's own struct (`conformance::daemon`'s
/// `known_daemon_difference`), as examples: MIDIMon loads each, core-abi reports the error
/// named, and the oracle accepts the pair. The same faults in a field MIDIMon reads are
/// rejected by both.
#[test]
fn daemon_differences_are_as_documented() {
    const REQUIRED: &str =
        r#""name":"p","version":"1.0.0","description":"d","author":"a","license":"MIT""#;
    let deep = format!("{}{}", "[".repeat(128), "]".repeat(128));
    let differences = [
        (
            format!(r#"{{{REQUIRED},"type":"action","x":"\ud800"}}"#),
            MetadataError::MalformedJson,
        ),
        (
            format!(r#"{{{REQUIRED},"type":"action","actions":["\udc00\ud800"]}}"#),
            MetadataError::MalformedJson,
        ),
        (
            format!(r#"{{{REQUIRED},"type":"action","x":{deep}}}"#),
            MetadataError::NestingTooDeep,
        ),
        (
            r#"["p","1.0.0","d","a",null,"MIT","action"]"#.to_owned(),
            MetadataError::NotAnObject,
        ),
        (
            format!(r#"{{{REQUIRED},"type":{{"action":null}}}}"#),
            MetadataError::WrongType("type"),
        ),
        (
            format!(r#"{{{REQUIRED},"type":"action","capabilities":["audio",{{"midi":null}}]}}"#),
            MetadataError::WrongType("capabilities"),
        ),
    ];
    for (json, error) in &differences {
        assert_eq!(conformance::daemon_loads(json.as_bytes()), Ok(()), "{json}");
        assert_eq!(
            metadata::read_metadata_json(json.as_bytes()).err(),
            Some(*error),
            "{json}"
        );
        check_metadata(json.as_bytes()).expect("a known difference");
    }
    let both_reject = [
        format!(r#"{{{REQUIRED},"type":"\ud800"}}"#),
        format!(r#"{{{REQUIRED},"type":"action","capabilities":["\ud800"]}}"#),
        format!(r#"{{{REQUIRED},"type":{{"wasm":null}}}}"#),
        format!(r#"{{{REQUIRED},"type":{{"action":null,"x":1}}}}"#),
        r#"["p","1.0.0","d","a","MIT","action"]"#.to_owned(),
    ];
    for json in &both_reject {
        assert!(
            conformance::daemon_loads(json.as_bytes()).is_err(),
            "{json}"
        );
        assert!(
            metadata::read_metadata_json(json.as_bytes()).is_err(),
            "{json}"
        );
        check_metadata(json.as_bytes()).expect("agreement");
    }
}

/// The metadata document generator reaches every rule: each load failure and each README issue
/// comes up in 3,000 documents drawn with a fixed seed (so that a generator change that stops
/// exercising a rule fails here rather than going unnoticed).
#[test]
fn metadata_documents_reach_every_rule() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = metadata_document();
    let kind = |e: &MetadataError| {
        let debug = format!("{e:?}");
        debug.split(" {").next().unwrap_or_default().to_owned()
    };
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..3000 {
        let doc = strategy
            .new_tree(&mut runner)
            .expect("a document")
            .current();
        let mut outcomes = Vec::new();
        match metadata::read_metadata_json(doc.as_bytes()) {
            Err(e) => outcomes.push(kind(&e)),
            Ok(view) => {
                outcomes.push("loads".to_owned());
                let issues: Vec<String> = view.conformance_issues().map(|e| kind(&e)).collect();
                if issues.is_empty() {
                    outcomes.push("conforms".to_owned());
                }
                outcomes.extend(issues);
            }
        }
        if conformance::daemon_loads(doc.as_bytes()).is_ok() {
            outcomes.push("MIDIMon loads".to_owned());
        }
        for outcome in outcomes {
            *seen.entry(outcome).or_default() += 1;
        }
    }
    let mut expected: Vec<String> = [
        "loads",
        "conforms",
        "MIDIMon loads",
        "MalformedJson",
        "NestingTooDeep",
        "UnknownType",
        "UnknownCapability",
        "EmptyName",
        "InvalidVersion",
        "NoActions",
        "EmptyAction",
        "DuplicateAction",
        "ActionsAsObjects",
        "DuplicateCapability",
    ]
    .map(str::to_owned)
    .to_vec();
    for field in &conformance::METADATA_FIELDS[..6] {
        expected.push(format!("MissingField({field:?})"));
    }
    for field in conformance::METADATA_FIELDS {
        expected.push(format!("WrongType({field:?})"));
        expected.push(format!("DuplicateField({field:?})"));
    }
    expected.push("MissingField(\"actions\")".to_owned());
    println!("outcomes of 3000 generated documents: {seen:?}");
    let missing: Vec<&String> = expected.iter().filter(|e| !seen.contains_key(*e)).collect();
    assert!(
        missing.is_empty(),
        "never generated: {missing:?}; seen: {seen:?}"
    );
}

/// Metadata that passes the plugin-side checks passes the host's, however long its version
/// (the validator once decoded every version into a 256-byte buffer).
#[test]
fn long_versions_round_trip() {
    let version = format!("0.0.0-{}", "a".repeat(251));
    assert_eq!(version.len(), 257);
    let m = PluginMetadata {
        name: "p",
        version: &version,
        description: "",
        author: "",
        license: "",
        plugin_type: PluginType::Action,
        actions: &["a"],
        capabilities: &[],
    };
    assert_eq!(m.validate(), Ok(()));
    let mut buf = [0u8; 1024];
    let json = m.to_json(&mut buf).expect("fits");
    assert!(validate_metadata_json(json.as_bytes()).is_ok(), "{json}");
    check_metadata(json.as_bytes()).expect("the oracle agrees");
}
