//! `imports` and `imports.capabilities`: what a plugin may import, and with which grant.
//!
//! A plugin may import only WASI preview 1 functions that exist, with their real signatures
//! (the table of [`crate::wasi`]); [`check_imports`] reports every other import. The
//! capability-gated ones (file system, sockets) need the capability declared in the plugin's
//! metadata, which [`check_capabilities`] compares, both ways. Long lists are capped with
//! [`cap_findings`].

use std::collections::HashSet;

use core_abi::metadata::{Capability, CapabilitySet};

use super::cap_findings;
use crate::fmt::name_list;
use crate::module::{ExternKind, ImportInfo, ModuleInfo, Signature};
use crate::report::Finding;
use crate::wasi::{self, WasiClass};

/// Whether an import is a real WASI preview 1 function with its real signature.
pub fn valid_wasi_import(import: &ImportInfo) -> Option<&'static wasi::WasiFunction> {
    if import.module != wasi::WASI_MODULE || import.kind != ExternKind::Func {
        return None;
    }
    let f = wasi::lookup(&import.name)?;
    (import.signature.as_ref() == Some(&Signature::of_wasi(f))).then_some(f)
}

/// `imports`: only WASI preview 1 functions that exist, with their real signatures. The same
/// import repeated is checked (and reported) once.
pub fn check_imports(info: &ModuleInfo) -> Vec<Finding> {
    let id = "imports";
    let mut findings = Vec::new();
    let mut seen = HashSet::new();
    for import in &info.imports {
        if !seen.insert((&import.module, &import.name, &import.ty)) {
            continue;
        }
        let what = format!("{}::{}", import.module, import.name);
        if import.kind != ExternKind::Func {
            findings.push(Finding::fail(
                id,
                format!(
                    "`{what}` imports {} ({}); a plugin may only import WASI functions and must define its own memory, tables and globals",
                    import.kind.article(),
                    import.ty
                ),
            ));
            continue;
        }
        if import.module != wasi::WASI_MODULE {
            findings.push(Finding::fail(
                id,
                format!(
                    "`{what}` is not provided by MIDIMon: only `{}` functions can be imported",
                    wasi::WASI_MODULE
                ),
            ));
            continue;
        }
        match wasi::lookup(&import.name) {
            None => findings.push(Finding::fail(
                id,
                format!("`{what}` is not a WASI preview 1 function"),
            )),
            Some(f) => {
                let expected = Signature::of_wasi(f);
                if import.signature.as_ref() != Some(&expected) {
                    findings.push(Finding::fail(
                        id,
                        format!(
                            "`{what}` has type {}, but WASI defines {expected}",
                            import.ty
                        ),
                    ));
                }
            }
        }
    }
    if findings.is_empty() {
        let mut names: Vec<&str> = Vec::new();
        let mut unique = HashSet::new();
        for import in &info.imports {
            if unique.insert(import.name.as_str()) {
                names.push(import.name.as_str());
            }
        }
        let detail = match (info.imports.len(), names.len()) {
            (0, _) => "no imports".to_string(),
            (n, u) if n == u => format!("{n} WASI function(s): {}", name_list(&names)),
            (n, u) => format!(
                "{} WASI imports of {u} function{}: {}",
                crate::fmt::group(n as u64),
                if u == 1 { "" } else { "s" },
                name_list(&names)
            ),
        };
        findings.push(Finding::pass(id, detail));
    }
    cap_findings(findings, id, "imports with a problem")
}

/// `imports.capabilities`: capability-gated WASI functions only with the declared capability.
pub fn check_capabilities(info: &ModuleInfo, declared: CapabilitySet) -> Vec<Finding> {
    let id = "imports.capabilities";
    let mut findings = Vec::new();
    let mut used_filesystem = false;
    let mut used_network = false;
    let mut seen = HashSet::new();
    for import in &info.imports {
        let Some(f) = valid_wasi_import(import) else {
            continue;
        };
        if !seen.insert(f.name) {
            continue;
        }
        let allowed = match f.class {
            WasiClass::Basic => true,
            WasiClass::Filesystem => {
                used_filesystem = true;
                declared.contains(Capability::Filesystem)
            }
            WasiClass::Network => {
                used_network = true;
                declared.contains(Capability::Network)
            }
        };
        if !allowed {
            // MIDIMon links all of WASI whatever the capabilities, so the plugin loads; without
            // the grant the call finds no preopened directory or socket and returns an errno.
            findings.push(Finding::warn(
                id,
                format!(
                    "template README: imports `{}` but does not declare the `{}` capability it needs (add \"{}\" to the metadata's capabilities); MIDIMon loads it, but the call gets an error without the grant",
                    f.name,
                    f.class.capability().unwrap_or("?"),
                    f.class.capability().unwrap_or("?"),
                ),
            ));
        }
    }
    if !findings.is_empty() {
        return findings;
    }
    for (declared, used, name, what) in [
        (
            declared.contains(Capability::Filesystem),
            used_filesystem,
            "filesystem",
            "file system",
        ),
        (
            declared.contains(Capability::Network),
            used_network,
            "network",
            "socket",
        ),
    ] {
        if declared && !used {
            findings.push(Finding::warn(
                id,
                format!(
                    "declares `{name}` but imports no {what} function; drop it so MIDIMon grants less"
                ),
            ));
        }
    }
    if findings.is_empty() {
        let used: Vec<&str> = [(used_filesystem, "filesystem"), (used_network, "network")]
            .iter()
            .filter(|(u, _)| *u)
            .map(|(_, n)| *n)
            .collect();
        let detail = if used.is_empty() {
            "no capability-gated WASI imports".to_string()
        } else {
            format!("uses declared capabilities: {}", used.join(", "))
        };
        findings.push(Finding::pass(id, detail));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::analyze;

    fn wat(text: &str) -> Vec<u8> {
        wat::parse_str(text).unwrap()
    }

    #[test]
    fn signatures_print_like_wasi_table() {
        let s = Signature::new(&["i32", "i32"], &["i32"]);
        assert_eq!(s.to_string(), "(i32, i32) -> i32");
        let s = Signature::new::<&str, &str>(&[], &[]);
        assert_eq!(s.to_string(), "() -> ()");
        let s = Signature::new(&["i64"], &["i32", "i32"]);
        assert_eq!(s.to_string(), "(i64) -> (i32, i32)");
        let f = wasi::lookup("fd_write").unwrap();
        assert_eq!(Signature::of_wasi(f).to_string(), f.signature_text());
    }

    #[test]
    fn capability_gated_imports() {
        let bytes = wat(r#"(module
            (import "wasi_snapshot_preview1" "path_open"
                (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32))))"#);
        let info = analyze(&bytes).unwrap();
        let none = check_capabilities(&info, CapabilitySet::default());
        // MIDIMon links all of WASI whatever the capabilities: a README rule, so a warning.
        assert_eq!(none[0].status, crate::report::Status::Warn);
        assert!(none[0].detail.contains("path_open") && none[0].detail.contains("filesystem"));
        let fs = CapabilitySet::EMPTY.with(Capability::Filesystem);
        assert_eq!(
            check_capabilities(&info, fs)[0].status,
            crate::report::Status::Pass
        );
        let both = fs.with(Capability::Network);
        assert_eq!(
            check_capabilities(&info, both)[0].status,
            crate::report::Status::Warn
        );
    }
}
