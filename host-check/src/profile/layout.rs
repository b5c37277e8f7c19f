//! What the instrumentation needs to know about a module, read once: its imports' counts,
//! its memories' and tables' index types, its function types, exports and bodies; and the
//! section framing, read from the bytes themselves so that every section the rewrite does not
//! touch is copied byte for byte.

use std::collections::BTreeMap;

use wasmparser::{
    BinaryReader, CompositeInnerType, ExternalKind, FunctionBody, Parser, Payload, TypeRef,
};

/// What the rewrite needs to know about the module.
#[derive(Default)]
pub struct Layout<'a> {
    pub imported_functions: u32,
    pub globals: u64,
    pub exports: Vec<String>,
    pub exported_functions: BTreeMap<u32, String>,
    pub bodies: Vec<FunctionBody<'a>>,
    /// Parameter count of each type (0 for non-function types).
    pub type_params: Vec<u32>,
    /// Type index of each defined function.
    pub function_types: Vec<u32>,
    /// Whether each memory (imports first) is 64-bit.
    pub memories64: Vec<bool>,
    /// Whether each table (imports first) is 64-bit.
    pub tables64: Vec<bool>,
}

/// The section order of the spec (`tag` between `memory` and `global`, `data count` before
/// `code`); custom sections (id 0) are copied where they are and never ranked.
pub fn rank(id: u8) -> u8 {
    match id {
        1..=5 => id,
        13 => 6,
        6..=9 => id + 1,
        12 => 11,
        10 => 12,
        11 => 13,
        _ => u8::MAX,
    }
}

/// Imported function and global counts, defined global count, export names and bodies.
pub fn read_layout(wasm: &[u8]) -> wasmparser::Result<Layout<'_>> {
    let mut layout = Layout::default();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    match import?.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => layout.imported_functions += 1,
                        TypeRef::Global(_) => layout.globals += 1,
                        _ => {}
                    }
                }
            }
            Payload::GlobalSection(reader) => layout.globals += u64::from(reader.count()),
            Payload::TypeSection(reader) => {
                for group in reader {
                    for ty in group?.into_types() {
                        layout.type_params.push(match &ty.composite_type.inner {
                            CompositeInnerType::Func(f) => f.params().len() as u32,
                            _ => 0,
                        });
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    layout.function_types.push(ty?);
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    layout.memories64.push(memory?.memory64);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    layout.tables64.push(table?.ty.table64);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    if export.kind == ExternalKind::Func {
                        layout
                            .exported_functions
                            .entry(export.index)
                            .or_insert_with(|| export.name.to_string());
                    }
                    layout.exports.push(export.name.to_string());
                }
            }
            Payload::CodeSectionEntry(body) => layout.bodies.push(body),
            _ => {}
        }
    }
    Ok(layout)
}

/// Every section as `(id, contents)`, read from the framing itself so that the copy is byte
/// for byte.
pub fn sections(wasm: &[u8]) -> wasmparser::Result<Vec<(u8, &[u8])>> {
    let mut reader = BinaryReader::new(wasm.get(8..).unwrap_or_default(), 8);
    let mut out = Vec::new();
    while !reader.eof() {
        let id = reader.read_u8()?;
        let len = reader.read_var_u32()? as usize;
        out.push((id, reader.read_bytes(len)?));
    }
    Ok(out)
}

/// A vector section's count and the bytes of its entries.
pub fn split_count(contents: &[u8]) -> wasmparser::Result<(u32, &[u8])> {
    let mut reader = BinaryReader::new(contents, 0);
    let count = reader.read_var_u32()?;
    Ok((
        count,
        contents
            .get(reader.current_position()..)
            .unwrap_or_default(),
    ))
}
