//! Reading a module: wasmparser validation (with the engine's wasm features) and one pass
//! over its payloads into a [`ModuleInfo`].

use wasmparser::{
    CompositeInnerType, ExternalKind, KnownCustom, Name, Parser, Payload, TypeRef, Validator,
    WasmFeatures,
};

use super::info::{
    ExportInfo, ExternKind, FunctionInfo, ImportInfo, MemoryInfo, ModuleInfo, ParseError,
    SectionInfo, Signature,
};

/// The wasm features host-check validates against: exactly those the engine enables
/// ([`crate::runner::wasm_features`]), so that the static verdict and the engine agree.
pub fn validator_features() -> WasmFeatures {
    crate::runner::wasm_features()
}

/// Validates `bytes` and reads the module's structure.
pub fn analyze(bytes: &[u8]) -> Result<ModuleInfo, ParseError> {
    let mut validator = Validator::new_with_features(validator_features());
    let types = validator.validate_all(bytes)?;
    let types = types.as_ref();

    let mut info = ModuleInfo::default();
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
pub fn pages(initial: u64, maximum: Option<u64>) -> String {
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
