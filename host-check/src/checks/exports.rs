//! `exports.*` and `abi.marker`: the exports a plugin must have, with exact signatures.
//!
//! [`check_exports`] compares a module's exports ([`ModuleInfo`], read by [`crate::module`])
//! against the ABI of `core_abi::abi`: `memory` and the function exports, a fault in one MIDIMon
//! calls being a failure and one in an export only the template README asks for a warning.
//! [`check_marker`] checks the optional ABI version marker. Every export is reported, so that a
//! plugin author sees every problem of a module in one run instead of one per run.

use core_abi::abi::{self, FuncSignature};

use crate::module::{pages, ExportInfo, ExternKind, ModuleInfo, Signature};
use crate::report::Finding;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::imports::valid_wasi_import;
    use crate::module::analyze;

    fn wat(text: &str) -> Vec<u8> {
        wat::parse_str(text).unwrap()
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
        assert_eq!(info.imports[0].module, "wasi_snapshot_preview1");
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
}
