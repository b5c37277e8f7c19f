//! Metadata built at compile time: [`plugin_metadata_json!`](crate::plugin_metadata_json) and the
//! `const` check behind it, so a plugin's `init` costs a handful of instructions and a rule
//! broken in the metadata is a build error rather than a plugin MIDIMon drops at load time.

use super::{is_semver, Capability};
use crate::bytes::const_eq;

/// Compile-time check behind [`plugin_metadata_json!`](crate::plugin_metadata_json).
///
/// `strings` are name, version, description, author and license: none may need JSON escaping
/// or be empty, and the version must be semver. The actions must be non-empty and unique, the
/// capabilities known to MIDIMon and distinct.
#[doc(hidden)]
pub const fn check_static_metadata(strings: &[&str; 5], actions: &[&str], capabilities: &[&str]) {
    let mut i = 0;
    while i < strings.len() {
        assert!(
            no_escapes_needed(strings[i]),
            "metadata strings may not contain '\"', '\\' or control characters"
        );
        assert!(
            !strings[i].is_empty(),
            "metadata name, version, description, author and license must not be empty"
        );
        i += 1;
    }
    assert!(
        is_semver(strings[1].as_bytes()),
        "metadata version is not a semantic version"
    );
    assert!(!actions.is_empty(), "metadata declares no actions");
    let mut a = 0;
    while a < actions.len() {
        assert!(
            no_escapes_needed(actions[a]),
            "action names may not contain '\"', '\\' or control characters"
        );
        assert!(!actions[a].is_empty(), "an action name is empty");
        let mut b = 0;
        while b < a {
            assert!(
                !const_eq(actions[a].as_bytes(), actions[b].as_bytes()),
                "an action is declared twice"
            );
            b += 1;
        }
        a += 1;
    }
    let mut c = 0;
    while c < capabilities.len() {
        assert!(
            Capability::from_name(capabilities[c]).is_some(),
            "unknown capability (known: network, filesystem, audio, midi, subprocess, systemcontrol)"
        );
        let mut d = 0;
        while d < c {
            assert!(
                !const_eq(capabilities[c].as_bytes(), capabilities[d].as_bytes()),
                "a capability is declared twice"
            );
            d += 1;
        }
        c += 1;
    }
}

const fn no_escapes_needed(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] < 0x20 || b[i] == b'"' || b[i] == b'\\' {
            return false;
        }
        i += 1;
    }
    true
}

/// Builds a plugin's metadata JSON at compile time, as a `&'static str`.
///
/// Every rule of [`validate_metadata_json`](crate::metadata::validate_metadata_json) is checked
/// by the compiler, and `description`, `author` and `license` must not be empty either; a
/// violation is a build error. `type` is always `"action"`. Strings must be literals that need
/// no JSON escaping. The field order is the one MIDIMon's own structs use: name, version,
/// description, author, license, type, then the README's actions and capabilities.
///
/// ```
/// const METADATA: &str = core_abi::plugin_metadata_json! {
///     name: "my-plugin",
///     version: "0.1.0",
///     description: "Reshapes velocities",
///     author: "Ada",
///     license: "MIT",
///     actions: ["my_action", "velocity_curve"],
///     capabilities: [network],
/// };
/// assert_eq!(
///     METADATA,
///     r#"{"name":"my-plugin","version":"0.1.0","description":"Reshapes velocities","author":"Ada","license":"MIT","type":"action","actions":["my_action","velocity_curve"],"capabilities":["network"]}"#
/// );
/// assert!(core_abi::metadata::validate_metadata_json(METADATA.as_bytes()).is_ok());
/// ```
#[macro_export]
macro_rules! plugin_metadata_json {
    (
        name: $name:literal,
        version: $version:literal,
        description: $description:literal,
        author: $author:literal,
        license: $license:literal,
        actions: [$first:literal $(, $action:literal)* $(,)?],
        capabilities: [$($first_cap:ident $(, $cap:ident)*)? $(,)?] $(,)?
    ) => {{
        const _: () = $crate::metadata::check_static_metadata(
            &[$name, $version, $description, $author, $license],
            &[$first $(, $action)*],
            &[$($crate::__stringify!($first_cap) $(, $crate::__stringify!($cap))*)?],
        );
        $crate::__concat!(
            "{\"name\":\"", $name,
            "\",\"version\":\"", $version,
            "\",\"description\":\"", $description,
            "\",\"author\":\"", $author,
            "\",\"license\":\"", $license,
            "\",\"type\":\"action\",\"actions\":[\"", $first, "\"" $(, ",\"", $action, "\"")*,
            "],\"capabilities\":[" $(, "\"", $crate::__stringify!($first_cap), "\"" $(, ",\"", $crate::__stringify!($cap), "\"")*)?,
            "]}"
        )
    }};
}
