//! Static checks: what can be known about a plugin without running it.
//!
//! [`analyze`] validates the module with wasmparser (with the wasm features the engine enables,
//! see [`validator_features`]) and collects its imports, exports, sections and function sizes
//! into a [`ModuleInfo`]. The check functions then compare that against the ABI of
//! `core_abi::abi` and the WASI table of [`crate::wasi`], returning one [`Finding`] per problem,
//! so that a plugin author sees every problem of a module in one run instead of one per run.

use std::fmt;

use core_abi::abi::{self, ExportSpec, FuncSignature, WasmType};
use core_abi::metadata::{Capability, CapabilitySet};
use wasmparser::{
    CompositeInnerType, ExternalKind, KnownCustom, Name, Parser, Payload, TypeRef, ValType,
    Validator, WasmFeatures,
};

use crate::report::Finding;
use crate::wasi::{self, WasiClass};

/// The wasm features host-check validates against: exactly those the engine enables
/// ([`crate::runner::wasm_features`]), so that the static verdict and the engine agree.
pub fn validator_features() -> WasmFeatures {
    crate::runner::wasm_features()
}

/// A function signature as wasm text type names, e.g. `(i32, i32) -> i32`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Parameter types (`"i32"`, `"i64"`, `"f32"`, `"funcref"`, ...).
    pub params: Vec<String>,
    /// Result types.
    pub results: Vec<String>,
}

impl Signature {
    /// Builds a signature from type names.
    pub fn new<P: fmt::Display, R: fmt::Display>(params: &[P], results: &[R]) -> Signature {
        Signature {
            params: params.iter().map(ToString::to_string).collect(),
            results: results.iter().map(ToString::to_string).collect(),
        }
    }

    /// The signature an ABI export must have.
    pub fn of_abi(sig: &FuncSignature) -> Signature {
        let names = |types: &[WasmType]| types.iter().map(|t| t.name().to_string()).collect();
        Signature {
            params: names(sig.params),
            results: names(sig.results),
        }
    }

    /// The signature of a WASI preview 1 function.
    pub fn of_wasi(f: &wasi::WasiFunction) -> Signature {
        let names = |types: &[wasi::ValType]| types.iter().map(|t| t.name().to_string()).collect();
        Signature {
            params: names(f.params),
            results: names(f.results),
        }
    }

    fn from_types(params: &[ValType], results: &[ValType]) -> Signature {
        Signature::new(params, results)
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}) -> ", self.params.join(", "))?;
        match self.results.as_slice() {
            [single] => f.write_str(single),
            several => write!(f, "({})", several.join(", ")),
        }
    }
}

/// What kind of entity an import or export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternKind {
    /// A function.
    Func,
    /// A table.
    Table,
    /// A linear memory.
    Memory,
    /// A global.
    Global,
    /// An exception tag.
    Tag,
}

impl ExternKind {
    /// `"func"`, `"table"`, `"memory"`, `"global"` or `"tag"`.
    pub fn name(self) -> &'static str {
        match self {
            ExternKind::Func => "func",
            ExternKind::Table => "table",
            ExternKind::Memory => "memory",
            ExternKind::Global => "global",
            ExternKind::Tag => "tag",
        }
    }

    /// The kind with an article, for sentences: "a function", "a memory".
    fn article(self) -> &'static str {
        match self {
            ExternKind::Func => "a function",
            ExternKind::Table => "a table",
            ExternKind::Memory => "a memory",
            ExternKind::Global => "a global",
            ExternKind::Tag => "a tag",
        }
    }
}

/// One import of the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportInfo {
    /// Import module name, e.g. `wasi_snapshot_preview1`.
    pub module: String,
    /// Field name, e.g. `fd_write`.
    pub name: String,
    /// What is imported.
    pub kind: ExternKind,
    /// The signature, for a function (or a tag's parameters).
    pub signature: Option<Signature>,
    /// The type in words: the signature, or e.g. `memory 17 pages`.
    pub ty: String,
}

/// One export of the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportInfo {
    /// Export name.
    pub name: String,
    /// What is exported.
    pub kind: ExternKind,
    /// Index in the module's index space of that kind.
    pub index: u32,
    /// The signature, for a function.
    pub signature: Option<Signature>,
    /// The type in words.
    pub ty: String,
}

/// One section of the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionInfo {
    /// Section id (0 for custom sections).
    pub id: u8,
    /// `type`, `import`, ..., or `custom "name"`.
    pub name: String,
    /// Size of the section's content in bytes (without its id and length prefix).
    pub size: usize,
}

/// One function defined by the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionInfo {
    /// Index in the function index space (imports first).
    pub index: u32,
    /// Name from the `name` custom section, if present.
    pub name: Option<String>,
    /// Size of the body in bytes.
    pub body_size: usize,
}

/// A linear memory's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryInfo {
    /// Initial size in pages.
    pub initial_pages: u64,
    /// Maximum size in pages, if declared.
    pub maximum_pages: Option<u64>,
    /// 64-bit addresses.
    pub memory64: bool,
    /// Shared (threads).
    pub shared: bool,
    /// Page size in bytes (64 KiB unless the custom-page-sizes proposal is used).
    pub page_size: u64,
}

/// Everything host-check reads from a valid module.
#[derive(Debug, Clone, Default)]
pub struct ModuleInfo {
    /// Module size in bytes.
    pub size: usize,
    /// Imports in order.
    pub imports: Vec<ImportInfo>,
    /// Exports in order.
    pub exports: Vec<ExportInfo>,
    /// Sections in order.
    pub sections: Vec<SectionInfo>,
    /// Defined functions, by index.
    pub functions: Vec<FunctionInfo>,
    /// Memories the module defines (not imports).
    pub defined_memories: Vec<MemoryInfo>,
    /// Number of imported memories.
    pub imported_memories: u32,
    /// Whether the module has a start function.
    pub has_start: bool,
}

/// Why a file is not a valid module, with the byte offset wasmparser reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// wasmparser's message.
    pub message: String,
    /// Byte offset of the problem.
    pub offset: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte offset {})", self.message, self.offset)
    }
}

impl From<wasmparser::BinaryReaderError> for ParseError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        ParseError {
            message: e.message().to_string(),
            offset: e.offset(),
        }
    }
}

impl ModuleInfo {
    /// Whether the module imports anything from `wasi_snapshot_preview1`.
    pub fn imports_wasi(&self) -> bool {
        self.imports.iter().any(|i| i.module == wasi::WASI_MODULE)
    }

    /// The export with this name.
    pub fn export(&self, name: &str) -> Option<&ExportInfo> {
        self.exports.iter().find(|e| e.name == name)
    }

    /// The function export with this name, if it has exactly the ABI's signature.
    pub fn abi_export_ok(&self, spec: &ExportSpec) -> bool {
        self.export(spec.name).is_some_and(|e| {
            e.kind == ExternKind::Func && e.signature == Some(Signature::of_abi(&spec.signature))
        })
    }

    /// Whether `memory` is exported and is a memory the module defines.
    pub fn memory_export_ok(&self) -> bool {
        self.export(abi::EXPORT_MEMORY)
            .is_some_and(|e| e.kind == ExternKind::Memory && e.index >= self.imported_memories)
    }

    /// The ABI version the marker export declares, if there is exactly one valid marker.
    pub fn abi_marker(&self) -> Option<u32> {
        let mut versions = self
            .exports
            .iter()
            .filter_map(|e| abi::marker_version(&e.name));
        match (versions.next(), versions.next()) {
            (Some(v), None) => Some(v),
            _ => None,
        }
    }
}

/// Validates `bytes` and reads the module's structure.
pub fn analyze(bytes: &[u8]) -> Result<ModuleInfo, ParseError> {
    let mut validator = Validator::new_with_features(validator_features());
    let types = validator.validate_all(bytes)?;
    let types = types.as_ref();

    let mut info = ModuleInfo {
        size: bytes.len(),
        ..ModuleInfo::default()
    };
    let mut imported_functions: u32 = 0;
    let mut code_sizes: Vec<usize> = Vec::new();
    let mut names: Vec<(u32, String)> = Vec::new();

    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload?;
        if let Some((id, range)) = payload.as_section() {
            let name = match &payload {
                Payload::CustomSection(c) => format!("custom \"{}\"", c.name()),
                _ => section_name(id).to_string(),
            };
            info.sections.push(SectionInfo {
                id,
                name,
                size: range.end.saturating_sub(range.start),
            });
        }
        match payload {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let kind = match import.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => {
                            imported_functions += 1;
                            ExternKind::Func
                        }
                        TypeRef::Table(_) => ExternKind::Table,
                        TypeRef::Memory(_) => {
                            info.imported_memories += 1;
                            ExternKind::Memory
                        }
                        TypeRef::Global(_) => ExternKind::Global,
                        TypeRef::Tag(_) => ExternKind::Tag,
                    };
                    let entity = types.entity_type_from_import(&import);
                    let (signature, ty) = describe_entity(&types, entity);
                    info.imports.push(ImportInfo {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        kind,
                        signature,
                        ty,
                    });
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let memory = memory?;
                    info.defined_memories.push(MemoryInfo {
                        initial_pages: memory.initial,
                        maximum_pages: memory.maximum,
                        memory64: memory.memory64,
                        shared: memory.shared,
                        page_size: memory.page_size_log2.map_or(65536, |l| 1u64 << l.min(63)),
                    });
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    let kind = match export.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => ExternKind::Func,
                        ExternalKind::Table => ExternKind::Table,
                        ExternalKind::Memory => ExternKind::Memory,
                        ExternalKind::Global => ExternKind::Global,
                        ExternalKind::Tag => ExternKind::Tag,
                    };
                    let entity = types.entity_type_from_export(&export);
                    let (signature, ty) = describe_entity(&types, entity);
                    info.exports.push(ExportInfo {
                        name: export.name.to_string(),
                        kind,
                        index: export.index,
                        signature: if kind == ExternKind::Func {
                            signature
                        } else {
                            None
                        },
                        ty,
                    });
                }
            }
            Payload::StartSection { .. } => info.has_start = true,
            Payload::CodeSectionEntry(body) => {
                let range = body.range();
                code_sizes.push(range.end.saturating_sub(range.start));
            }
            Payload::CustomSection(reader) => {
                // Names are informative only: a malformed name section is ignored, not fatal.
                if let KnownCustom::Name(name_reader) = reader.as_known() {
                    for name in name_reader.into_iter().flatten() {
                        if let Name::Function(map) = name {
                            names.extend(
                                map.into_iter()
                                    .flatten()
                                    .map(|n| (n.index, n.name.to_string())),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }

    info.functions = code_sizes
        .into_iter()
        .enumerate()
        .map(|(i, body_size)| {
            let index = imported_functions.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
            FunctionInfo {
                index,
                name: None,
                body_size,
            }
        })
        .collect();
    for (index, name) in names {
        if let Some(offset) = index.checked_sub(imported_functions) {
            if let Some(f) = info.functions.get_mut(offset as usize) {
                f.name = Some(name);
            }
        }
    }
    Ok(info)
}

/// A signature (for functions and tags) and a one-line type description.
fn describe_entity(
    types: &wasmparser::types::TypesRef<'_>,
    entity: Option<wasmparser::types::EntityType>,
) -> (Option<Signature>, String) {
    use wasmparser::types::EntityType;
    match entity {
        Some(EntityType::Func(id) | EntityType::FuncExact(id)) => {
            match &types[id].composite_type.inner {
                CompositeInnerType::Func(ft) => {
                    let sig = Signature::from_types(ft.params(), ft.results());
                    let text = sig.to_string();
                    (Some(sig), text)
                }
                _ => (None, "func (non-function type)".to_string()),
            }
        }
        Some(EntityType::Tag(id)) => match &types[id].composite_type.inner {
            CompositeInnerType::Func(ft) => {
                let sig = Signature::from_types(ft.params(), ft.results());
                let text = format!("tag {sig}");
                (Some(sig), text)
            }
            _ => (None, "tag".to_string()),
        },
        Some(EntityType::Memory(m)) => {
            let flags = match (m.memory64, m.shared) {
                (true, true) => " (memory64, shared)",
                (true, false) => " (memory64)",
                (false, true) => " (shared)",
                (false, false) => "",
            };
            (None, format!("{}{flags}", pages(m.initial, m.maximum)))
        }
        Some(EntityType::Table(t)) => {
            let max = t
                .maximum
                .map_or(String::new(), |max| format!(", max {max}"));
            (None, format!("{} x {}{max}", t.initial, t.element_type))
        }
        Some(EntityType::Global(g)) => {
            let m = if g.mutable { "mut " } else { "" };
            (None, format!("{m}{}", g.content_type))
        }
        None => (None, "unknown".to_string()),
    }
}

/// `1 page`, `17 pages, max 32`.
fn pages(initial: u64, maximum: Option<u64>) -> String {
    let plural = if initial == 1 { "" } else { "s" };
    let max = maximum.map_or(String::new(), |max| format!(", max {max}"));
    format!("{initial} page{plural}{max}")
}

/// The name of a known section id.
pub fn section_name(id: u8) -> &'static str {
    match id {
        0 => "custom",
        1 => "type",
        2 => "import",
        3 => "function",
        4 => "table",
        5 => "memory",
        6 => "global",
        7 => "export",
        8 => "start",
        9 => "element",
        10 => "code",
        11 => "data",
        12 => "datacount",
        13 => "tag",
        _ => "unknown",
    }
}

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
            crate::report::group(bytes)
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

/// Most names listed in one line (e.g. the imported WASI functions).
pub const MAX_NAMES: usize = 20;

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
                crate::report::group(more as u64)
            ),
        ));
    }
    findings
}

/// Names joined with ", ", at most [`MAX_NAMES`] of them, then "... and N more".
pub fn name_list<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<&str> = names.iter().take(MAX_NAMES).map(AsRef::as_ref).collect();
    let mut text = shown.join(", ");
    if names.len() > MAX_NAMES {
        text.push_str(&format!(
            " ... and {} more",
            crate::report::group((names.len() - MAX_NAMES) as u64)
        ));
    }
    text
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
                crate::report::group(n as u64),
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
