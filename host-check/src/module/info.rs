//! The structure of a module as host-check reports it: signatures, imports, exports, sections,
//! function sizes and memories. Plain data, filled in by `parse`.

use std::fmt;

use core_abi::abi::{self, ExportSpec, FuncSignature, WasmType};
use wasmparser::ValType;

use crate::wasi;

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
    pub(crate) fn of_wasi(f: &wasi::WasiFunction) -> Signature {
        let names = |types: &[wasi::ValType]| types.iter().map(|t| t.name().to_string()).collect();
        Signature {
            params: names(f.params),
            results: names(f.results),
        }
    }

    pub(super) fn from_types(params: &[ValType], results: &[ValType]) -> Signature {
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
    pub fn article(self) -> &'static str {
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
