//! Static checks: what can be known about a plugin without running it.
//!
//! [`analyze`] validates the module with wasmparser (with the wasm features the engine enables,
//! see [`validator_features`]) and collects its imports, exports, sections and function sizes
//! into a [`ModuleInfo`]. The check functions then compare that against the ABI of
//! `core_abi::abi` and the WASI table of [`crate::wasi`], returning one [`Finding`] per problem,
//! so that a plugin author sees every problem of a module in one run instead of one per run.

use core_abi::abi::{self, FuncSignature};
use core_abi::metadata::{Capability, CapabilitySet};

use crate::fmt::name_list;
use crate::module::{pages, ExportInfo, ExternKind, ImportInfo, ModuleInfo, Signature};
use crate::report::Finding;
use crate::wasi::{self, WasiClass};

/// Check id of an ABI export, e.g. `exports.init`.
pub fn export_check_id(name: &str) -> String {
    format!("exports.{name}")
}

/// The exports MIDIMon `f4f371c` looks up (besides `memory`); a plugin without one of them, or
/// with another type, fails there. The ABI's other exports are the template README's.
pub const DAEMON_EXPORTS: [&str; 3] = [abi::EXPORT_INIT, abi::EXPORT_ALLOC, abi::EXPORT_EXECUTE];

/// `exports.*`: the memory and every ABI function export, with exact signatures. A fault in
/// an export MIDIMon calls fails; one in an export only the README asks for is a warning.
pub fn check_exports(info: &ModuleInfo) -> Vec<Finding> {
    let mut findings = vec![check_memory(info)];
    for spec in abi::FUNCTION_EXPORTS
        .iter()
        .filter(|s| s.name != abi::MARKER_EXPORT)
    {
        let id = export_check_id(spec.name);
        let expected = Signature::of_abi(&spec.signature);
        let finding = match info.export(spec.name) {
            None if DAEMON_EXPORTS.contains(&spec.name) => Finding::fail(
                &id,
                format!(
                    "`{}` is not exported; MIDIMon calls `{}: {expected}`",
                    spec.name, spec.name
                ),
            ),
            None if spec.required => Finding::warn(
                &id,
                format!(
                    "template README: `{}` is not exported; the ABI asks for `{}: {expected}` (MIDIMon never calls it)",
                    spec.name, spec.name
                ),
            ),
            None => Finding::skip(&id, format!("not exported (optional, `{expected}`)")),
            Some(e) if e.kind != ExternKind::Func => Finding::fail(
                &id,
                format!(
                    "`{}` is {}, expected a function {expected}",
                    spec.name,
                    e.kind.article()
                ),
            ),
            Some(e) => match &e.signature {
                Some(sig) if *sig == expected => Finding::pass(&id, sig.to_string()),
                Some(sig) => Finding::fail(
                    &id,
                    format!("`{}` has type {sig}, expected {expected}", spec.name),
                ),
                None => Finding::fail(
                    &id,
                    format!(
                        "`{}` has a non-function type, expected {expected}",
                        spec.name
                    ),
                ),
            },
        };
        let finding = if DAEMON_EXPORTS.contains(&spec.name) {
            finding
        } else {
            finding.as_conformance()
        };
        findings.push(finding);
    }
    findings
}

/// `exports.memory`: exported, defined by the module, 32-bit, unshared, and the only one.
fn check_memory(info: &ModuleInfo) -> Finding {
    let id = export_check_id(abi::EXPORT_MEMORY);
    let total = info.defined_memories.len() + info.imported_memories as usize;
    let Some(export) = info.export(abi::EXPORT_MEMORY) else {
        return Finding::fail(
            &id,
            "`memory` is not exported; the host writes requests into the plugin's exported memory",
        );
    };
    if export.kind != ExternKind::Memory {
        return Finding::fail(
            &id,
            format!("`memory` is {}, expected a memory", export.kind.article()),
        );
    }
    let Some(defined) = export
        .index
        .checked_sub(info.imported_memories)
        .and_then(|i| info.defined_memories.get(i as usize))
    else {
        return Finding::fail(
            &id,
            "`memory` is an imported memory; a plugin must define its own memory",
        );
    };
    if total > 1 {
        return Finding::fail(
            &id,
            format!("the module has {total} memories; a plugin gets exactly one"),
        );
    }
    if defined.memory64 {
        return Finding::fail(
            &id,
            "`memory` is a 64-bit memory; the ABI's pointers are i32",
        );
    }
    if defined.shared {
        return Finding::fail(
            &id,
            "`memory` is shared; threads are not available to plugins",
        );
    }
    let bytes = defined.initial_pages.saturating_mul(defined.page_size);
    Finding::pass(
        &id,
        format!(
            "defined by the module: {} ({} bytes initially)",
            pages(defined.initial_pages, defined.maximum_pages),
            crate::fmt::group(bytes)
        ),
    )
}

/// `abi.marker`: an optional `midimon_abi_vN: () -> ()` export whose N this host knows. MIDIMon
/// ignores markers, so a bad one is a warning.
pub fn check_marker(info: &ModuleInfo) -> Finding {
    marker_finding(info).as_conformance()
}

fn marker_finding(info: &ModuleInfo) -> Finding {
    let id = "abi.marker";
    let markers: Vec<&ExportInfo> = info
        .exports
        .iter()
        .filter(|e| e.name.starts_with(abi::MARKER_PREFIX))
        .collect();
    let expected = Signature::of_abi(&FuncSignature {
        params: &[],
        results: &[],
    });
    match markers.as_slice() {
        [] => Finding::pass(
            id,
            format!("no marker export: ABI v{} assumed", abi::ABI_VERSION),
        ),
        [marker] => match abi::marker_version(&marker.name) {
            None => Finding::fail(
                id,
                format!(
                    "found `{}`, which is not a valid marker; expected `{}`",
                    marker.name,
                    abi::MARKER_EXPORT
                ),
            ),
            Some(v) if v != abi::ABI_VERSION => Finding::fail(
                id,
                format!(
                    "found ABI version {v} (`{}`), expected {} (`{}`)",
                    marker.name,
                    abi::ABI_VERSION,
                    abi::MARKER_EXPORT
                ),
            ),
            Some(_) if marker.kind != ExternKind::Func => Finding::fail(
                id,
                format!(
                    "`{}` is {}, expected a function {expected}",
                    marker.name,
                    marker.kind.article()
                ),
            ),
            Some(_) if marker.signature.as_ref() != Some(&expected) => Finding::fail(
                id,
                format!(
                    "`{}` has type {}, expected {expected}",
                    marker.name, marker.ty
                ),
            ),
            Some(v) => Finding::pass(id, format!("`{}`: ABI v{v}", marker.name)),
        },
        several => {
            let names: Vec<&str> = several.iter().map(|e| e.name.as_str()).collect();
            Finding::fail(
                id,
                format!(
                    "found {} markers ({}); export exactly one, `{}`",
                    names.len(),
                    names.join(", "),
                    abi::MARKER_EXPORT
                ),
            )
        }
    }
}

/// Whether an import is a real WASI preview 1 function with its real signature.
pub fn valid_wasi_import(import: &ImportInfo) -> Option<&'static wasi::WasiFunction> {
    if import.module != wasi::WASI_MODULE || import.kind != ExternKind::Func {
        return None;
    }
    let f = wasi::lookup(&import.name)?;
    (import.signature.as_ref() == Some(&Signature::of_wasi(f))).then_some(f)
}

/// Most problems of one kind listed one by one; the rest are counted in one more line, so that
/// a module with 100,000 bad imports yields a report of a few lines, not megabytes.
pub const MAX_LISTED: usize = 10;

/// `findings` cut to [`MAX_LISTED`], plus one line counting the rest (`what` names them, e.g.
/// "imports with a problem").
pub fn cap_findings(mut findings: Vec<Finding>, id: &str, what: &str) -> Vec<Finding> {
    if findings.len() > MAX_LISTED {
        let more = findings.len() - MAX_LISTED;
        findings.truncate(MAX_LISTED);
        findings.push(Finding::fail(
            id,
            format!(
                "... and {} more {what} (only the first {MAX_LISTED} are listed)",
                crate::fmt::group(more as u64)
            ),
        ));
    }
    findings
}

/// `imports`: only WASI preview 1 functions that exist, with their real signatures. The same
/// import repeated is checked (and reported) once.
pub fn check_imports(info: &ModuleInfo) -> Vec<Finding> {
    let id = "imports";
    let mut findings = Vec::new();
    let mut seen = std::collections::HashSet::new();
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
        let mut unique = std::collections::HashSet::new();
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
    let mut seen = std::collections::HashSet::new();
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
    fn reads_imports_exports_and_names() {
        let bytes = wat(r#"(module
            (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
            (memory (export "memory") 2 10)
            (func $init (export "init") (result i64) i64.const 0)
            (func $big (export "execute") (param i32 i32) (result i32)
                local.get 0 local.get 1 i32.add local.get 0 i32.add))"#);
        let info = analyze(&bytes).unwrap();
        assert!(info.imports_wasi());
        assert_eq!(info.imports[0].ty, "(i32, i32, i32, i32) -> i32");
        assert!(valid_wasi_import(&info.imports[0]).is_some());
        assert_eq!(info.functions.len(), 2);
        assert_eq!(info.functions[0].index, 1);
        assert_eq!(info.functions[1].name.as_deref(), Some("big"));
        assert!(info.memory_export_ok());
        assert_eq!(info.defined_memories[0].initial_pages, 2);
        assert!(info.sections.iter().any(|s| s.name == "code"));
        let exports = check_exports(&info);
        let failed: Vec<&str> = exports
            .iter()
            .filter(|f| f.status == crate::report::Status::Fail)
            .map(|f| f.id.as_str())
            .collect();
        // MIDIMon calls `alloc`; only the README asks for `dealloc`.
        assert_eq!(failed, ["exports.alloc"]);
        let warned: Vec<&str> = exports
            .iter()
            .filter(|f| f.status == crate::report::Status::Warn)
            .map(|f| f.id.as_str())
            .collect();
        assert_eq!(warned, ["exports.dealloc"]);
    }

    #[test]
    fn not_wasm_is_a_parse_error() {
        let err = analyze(b"hello").unwrap_err();
        assert!(err.to_string().contains("offset"), "{err}");
        let err = analyze(&[0, b'a', b's', b'm', 1, 0]).unwrap_err();
        assert!(!err.message.is_empty());
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
