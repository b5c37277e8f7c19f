//! The template's memory layout, as MIDIMon's per-event fresh instances need it: what a note
//! costs there is mostly page faults, which no fuel figure shows and timed tests cannot hold on
//! a noisy machine. So the two layout choices that the benchmark measured (README, "What an
//! event costs a plugin there") are held here structurally, on the release module:
//! - the stack's top, the data and the start of the heap (where the request is written) lie on
//!   one 4 KiB host page, in a one-page memory;
//! - `alloc`'s first access to memory is a store, not a load.

mod common;

use wasmparser::{ConstExpr, DataKind, ExternalKind, Operator, Parser, Payload, TypeRef};

/// A host page.
const HOST_PAGE: u64 = 4096;

/// MIDIMon's own note-on request: the request every event writes at the heap's start.
const DAEMON_REQUEST_LEN: u64 = core_abi::request::DAEMON_NOTE_ON.len() as u64;

/// What the test reads from the module.
#[derive(Debug, Default)]
struct Layout {
    memory_pages: Option<u64>,
    /// Initial values of the module's globals, in order.
    globals: Vec<Option<u64>>,
    /// Exported globals: (name, index).
    exported_globals: Vec<(String, u32)>,
    /// Active data segments: (offset, length).
    data: Vec<(u64, u64)>,
    /// Function index of the `alloc` export.
    alloc: Option<u32>,
    imported_functions: u32,
    /// The first memory operator of each defined function, in order: Some(true) for a store.
    first_access_is_store: Vec<Option<bool>>,
}

fn constant(expr: &ConstExpr<'_>) -> Option<u64> {
    match expr.get_operators_reader().read().ok()? {
        Operator::I32Const { value } => Some(u64::from(value as u32)),
        Operator::I64Const { value } => Some(value as u64),
        _ => None,
    }
}

/// Whether `op` reads (false) or writes (true) linear memory; `None` for anything else.
fn memory_access(op: &Operator<'_>) -> Option<bool> {
    use Operator::*;
    match op {
        I32Load { .. }
        | I64Load { .. }
        | F32Load { .. }
        | F64Load { .. }
        | I32Load8S { .. }
        | I32Load8U { .. }
        | I32Load16S { .. }
        | I32Load16U { .. }
        | I64Load8S { .. }
        | I64Load8U { .. }
        | I64Load16S { .. }
        | I64Load16U { .. }
        | I64Load32S { .. }
        | I64Load32U { .. }
        | MemoryCopy { .. } => Some(false),
        I32Store { .. }
        | I64Store { .. }
        | F32Store { .. }
        | F64Store { .. }
        | I32Store8 { .. }
        | I32Store16 { .. }
        | I64Store8 { .. }
        | I64Store16 { .. }
        | I64Store32 { .. }
        | MemoryFill { .. } => Some(true),
        _ => None,
    }
}

fn layout(wasm: &[u8]) -> Layout {
    let mut layout = Layout::default();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.expect("the template parses") {
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    if matches!(import.expect("an import").ty, TypeRef::Func(_)) {
                        layout.imported_functions += 1;
                    }
                }
            }
            Payload::MemorySection(memories) => {
                for memory in memories {
                    layout.memory_pages = Some(memory.expect("a memory").initial);
                }
            }
            Payload::GlobalSection(globals) => {
                for global in globals {
                    layout
                        .globals
                        .push(constant(&global.expect("a global").init_expr));
                }
            }
            Payload::ExportSection(exports) => {
                for export in exports {
                    let export = export.expect("an export");
                    match export.kind {
                        ExternalKind::Global => layout
                            .exported_globals
                            .push((export.name.to_string(), export.index)),
                        ExternalKind::Func if export.name == "alloc" => {
                            layout.alloc = Some(export.index)
                        }
                        _ => {}
                    }
                }
            }
            Payload::DataSection(data) => {
                for segment in data {
                    let segment = segment.expect("a data segment");
                    if let DataKind::Active { offset_expr, .. } = segment.kind {
                        let offset = constant(&offset_expr).expect("a constant offset");
                        layout.data.push((offset, segment.data.len() as u64));
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut first = None;
                for op in body.get_operators_reader().expect("a body") {
                    if let Some(store) = memory_access(&op.expect("an operator")) {
                        first = Some(store);
                        break;
                    }
                }
                layout.first_access_is_store.push(first);
            }
            _ => {}
        }
    }
    layout
}

fn template_layout() -> Layout {
    let path = common::build_plugin(
        "template-nostd",
        "wasm32-unknown-unknown",
        "template_nostd.wasm",
    );
    layout(&std::fs::read(path).expect("the template was built"))
}

#[test]
fn stack_top_data_and_request_share_one_host_page() {
    let layout = template_layout();
    assert_eq!(layout.memory_pages, Some(1), "{layout:?}");
    // The stack pointer is the module's first global (wasm-ld's `__stack_pointer`): its initial
    // value is the stack's top.
    let stack_top = layout
        .globals
        .first()
        .copied()
        .flatten()
        .expect("a stack pointer");
    let heap_base = layout
        .exported_globals
        .iter()
        .find(|(name, _)| name == "__heap_base")
        .and_then(|(_, index)| layout.globals.get(*index as usize).copied().flatten())
        .expect("__heap_base");
    let page = stack_top / HOST_PAGE;
    // The first bytes below the top: the few frames an `execute` takes (under 200 bytes).
    assert_eq!((stack_top - 256) / HOST_PAGE, page, "{layout:?}");
    for &(offset, len) in &layout.data {
        assert_eq!(offset / HOST_PAGE, page, "data at {offset}");
        assert_eq!(
            (offset + len - 1) / HOST_PAGE,
            page,
            "data at {offset}, {len} bytes"
        );
    }
    assert_eq!(heap_base / HOST_PAGE, page, "the heap's start");
    assert_eq!(
        (heap_base + DAEMON_REQUEST_LEN - 1) / HOST_PAGE,
        page,
        "MIDIMon's request written at the heap's start"
    );
}

#[test]
fn alloc_writes_before_it_reads() {
    let layout = template_layout();
    let alloc = layout.alloc.expect("an alloc export");
    let defined = (alloc - layout.imported_functions) as usize;
    assert_eq!(
        layout.first_access_is_store.get(defined).copied().flatten(),
        Some(true),
        "alloc's first memory access must be a store (a load first costs a fresh instance \
         about 5 µs more: core-abi's BumpArena)"
    );
}
