//! `read_metadata_json`, `validate_metadata_json` and `conformance_issues` against the
//! metadata reference.

use core_abi::metadata::{self, ActionsForm, MetadataError, MetadataView};
use core_abi::{Capability, ErrorCode, Text};

use super::daemon::check_metadata_daemon;
use super::reference::{
    action_names_fault, first_repeat, reference_metadata, semver_spec, RefMetadata,
};
use crate::json::check_json_validate;
use crate::request_check::compare_text;
use crate::verdict::{Shown, Verdict};

/// `read_metadata_json`, `validate_metadata_json` and `MetadataView::conformance_issues`
/// against the rules ([`reference_metadata`]), and the load verdict against MIDIMon's own
/// struct ([`check_metadata_daemon`]).
pub fn check_metadata_json(json: &[u8]) {
    let shown = Shown(json);
    check_json_validate(json);
    let read = metadata::read_metadata_json(json);
    let validated = metadata::validate_metadata_json(json);
    // Syntax faults are exactly `json::validate`'s.
    let syntax = match core_abi::json::validate(json) {
        Ok(()) => None,
        Err(ErrorCode::InvalidUtf8) => Some(MetadataError::InvalidUtf8),
        Err(ErrorCode::NestingTooDeep) => Some(MetadataError::NestingTooDeep),
        Err(_) => Some(MetadataError::MalformedJson),
    };
    match syntax {
        Some(expected) => assert_eq!(
            read.as_ref().err(),
            Some(&expected),
            "metadata: syntax fault, {shown}"
        ),
        None => assert!(
            !matches!(
                read,
                Err(MetadataError::MalformedJson
                    | MetadataError::InvalidUtf8
                    | MetadataError::NestingTooDeep)
            ),
            "metadata: a syntax fault in valid JSON, {shown}"
        ),
    }
    // A read error is a load failure; what reads has only README issues.
    match &read {
        Err(e) => assert!(e.is_load_failure(), "metadata: {e:?} read, {shown}"),
        Ok(view) => {
            for issue in view.conformance_issues() {
                assert!(
                    !issue.is_load_failure(),
                    "metadata: issue {issue:?}, {shown}"
                );
            }
        }
    }
    // validate = the size, then the read, then the first README issue.
    let expected_validation = if json.len() > core_abi::abi::MAX_METADATA_LEN {
        Err(MetadataError::TooLarge { len: json.len() })
    } else {
        match &read {
            Err(e) => Err(*e),
            Ok(view) => view.conformance_issues().next().map_or(Ok(()), Err),
        }
    };
    assert_eq!(
        validated.as_ref().map(|_| ()).map_err(|e| *e),
        expected_validation,
        "validate_metadata_json vs read_metadata_json, {shown}"
    );
    check_metadata_daemon(json, &read);
    if syntax.is_some() {
        // Judged above; the reference skips unknown members too leniently to judge syntax.
        return;
    }
    match (reference_metadata(json), &read) {
        (Ok(Verdict::Accept(expected)), Ok(view)) => compare_metadata_view(json, view, &expected),
        (Ok(Verdict::Accept(expected)), Err(e)) => {
            panic!("metadata: the rules load {expected:?}, core-abi says {e:?}, {shown}")
        }
        (Ok(Verdict::Syntax(why)), ours) => assert!(
            matches!(
                ours,
                Err(MetadataError::MalformedJson
                    | MetadataError::InvalidUtf8
                    | MetadataError::NestingTooDeep)
            ),
            "metadata: serde_json says {why}, core-abi says {:?}, {shown}",
            ours.as_ref().err()
        ),
        (Ok(Verdict::Field(why)), _) => unreachable!("no field verdicts for metadata: {why}"),
        (Ok(Verdict::Undecided(_)), _) => {}
        (Err(expected), ours) => assert_eq!(
            ours.as_ref().err(),
            Some(&expected),
            "metadata: expected {expected:?}, {shown}"
        ),
    }
}

/// A loaded view against the reference's reading: every field, the action list, the issues,
/// and `PluginMetadata::validate` on the same values.
pub(crate) fn compare_metadata_view(json: &[u8], view: &MetadataView<'_>, expected: &RefMetadata) {
    let shown = Shown(json);
    compare_text(json, view.name, &expected.name, "name");
    compare_text(json, view.version, &expected.version, "version");
    compare_text(json, view.description, &expected.description, "description");
    compare_text(json, view.author, &expected.author, "author");
    compare_text(json, view.license, &expected.license, "license");
    assert_eq!(view.plugin_type, expected.plugin_type, "type, {shown}");
    match (view.homepage, &expected.homepage) {
        (Some(text), Some(homepage)) => compare_text(json, text, homepage, "homepage"),
        (None, None) => {}
        (ours, theirs) => panic!("homepage: {ours:?} vs {theirs:?}, {shown}"),
    }
    let set: Vec<Capability> = Capability::ALL
        .into_iter()
        .filter(|c| expected.capabilities.contains(c))
        .collect();
    for c in Capability::ALL {
        assert_eq!(
            view.capabilities.contains(c),
            set.contains(&c),
            "capabilities.contains({c:?}), {shown}"
        );
    }
    assert_eq!(
        view.capabilities.iter().collect::<Vec<_>>(),
        set,
        "capabilities.iter(), {shown}"
    );
    assert_eq!(
        view.capabilities.is_empty(),
        set.is_empty(),
        "capabilities.is_empty(), {shown}"
    );
    let (names, form) = match &expected.actions {
        Some((names, form)) => (names.as_slice(), Some(*form)),
        None => (&[][..], None),
    };
    assert_eq!(view.actions_form(), form, "actions_form, {shown}");
    assert_eq!(view.action_count(), names.len(), "action_count, {shown}");
    let listed: Vec<Text<'_>> = view.actions().collect();
    assert_eq!(listed.len(), names.len(), "actions(), {shown}");
    for (text, name) in listed.into_iter().zip(names) {
        compare_text(json, text, name, "action");
        assert_eq!(
            view.action_index(name),
            names.iter().position(|n| n == name),
            "action_index({name:?}), {shown}"
        );
    }
    let mut absent = String::from("\u{1}absent");
    while names.contains(&absent) {
        absent.push('!');
    }
    assert_eq!(
        view.action_index(&absent),
        None,
        "action_index of an absent name, {shown}"
    );
    assert_eq!(
        view.conformance_issues().collect::<Vec<_>>(),
        expected.issues,
        "conformance_issues, {shown}"
    );
    // The plugin side's own check agrees on the same values (it has no size limit, never sees
    // objects, and checks the version as written).
    if let Some((names, ActionsForm::Strings)) = &expected.actions {
        let actions: Vec<&str> = names.iter().map(String::as_str).collect();
        let built = core_abi::PluginMetadata {
            name: &expected.name,
            version: &expected.version,
            description: &expected.description,
            author: &expected.author,
            license: &expected.license,
            plugin_type: expected.plugin_type,
            actions: &actions,
            capabilities: &expected.capabilities,
        };
        let fault = [
            expected.name.is_empty().then_some(MetadataError::EmptyName),
            (!semver_spec(&expected.version)).then_some(MetadataError::InvalidVersion),
            action_names_fault(names),
            first_repeat(&expected.capabilities)
                .map(|index| MetadataError::DuplicateCapability { index }),
        ]
        .into_iter()
        .flatten()
        .next();
        assert_eq!(
            built.validate(),
            fault.map_or(Ok(()), Err),
            "PluginMetadata::validate, {shown}"
        );
    }
}
