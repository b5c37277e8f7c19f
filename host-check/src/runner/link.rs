//! What a plugin is linked against: WASI preview 1 when granted (with `poll_oneoff` stubbed
//! and random sources made deterministic), and failing stubs for every import host-check does
//! not provide, so that a plugin with a bad import can still be instantiated and checked.

use wasmtime::{Engine, ExternType, FuncType, Linker, Module};

use super::call::HostState;
use super::error::{host_error, CallError, UnresolvedImport};
use super::limits::Grants;
use crate::wasi;

/// Bytes of stdout and of stderr kept per instance. A plugin that writes more gets an I/O
/// error from `fd_write` (Rust's `print!` then panics, which traps).
pub const CAPTURE_CAPACITY: usize = 16 * 1024 * 1024;

/// The guest path of the sandbox directory preopened for plugins with the `filesystem`
/// capability.
pub const SANDBOX_GUEST_PATH: &str = ".";

/// WASI errno `notsup`, returned by the `poll_oneoff` stub.
const ERRNO_NOTSUP: i32 = 58;

/// Length of the cycle of the WASI random sources.
const RANDOM_CYCLE: usize = 4096;

/// A fixed pseudo-random byte cycle (xorshift64) for WASI's random sources. Real randomness
/// would make fuel figures differ between runs (std's `HashMap` seeds its hasher from
/// `random_get`, and probing costs depend on the hashes), and budgets must be reproducible.
pub(super) fn pseudo_random_bytes(seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut bytes = Vec::with_capacity(RANDOM_CYCLE);
    while bytes.len() < RANDOM_CYCLE {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes
}

/// Whether a wasmtime function type is exactly the WASI function's signature.
fn same_signature(ty: &FuncType, f: &wasi::WasiFunction) -> bool {
    let matches = |types: &mut dyn ExactSizeIterator<Item = wasmtime::ValType>,
                   expected: &[wasi::ValType]| {
        types.len() == expected.len()
            && types.zip(expected).all(|(t, e)| match e {
                wasi::ValType::I32 => matches!(t, wasmtime::ValType::I32),
                wasi::ValType::I64 => matches!(t, wasmtime::ValType::I64),
            })
    };
    matches(&mut ty.params(), f.params) && matches(&mut ty.results(), f.results)
}

/// Builds the linker for one instantiation (see the module documentation).
pub(super) fn linker(
    engine: &Engine,
    module: &Module,
    grants: &Grants,
) -> Result<Linker<HostState>, CallError> {
    let mut linker: Linker<HostState> = Linker::new(engine);
    linker.allow_shadowing(true);
    if grants.wasi {
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut HostState| &mut s.wasi)
            .map_err(host_error)?;
        linker
            .func_wrap(
                wasi::WASI_MODULE,
                "poll_oneoff",
                |_: i32, _: i32, _: i32, _: i32| -> i32 { ERRNO_NOTSUP },
            )
            .map_err(host_error)?;
    }
    for import in module.imports() {
        let ExternType::Func(ty) = import.ty() else {
            // Memories, tables, globals and tags are never provided: instantiation fails
            // and says which one, and the static check explains why.
            continue;
        };
        let provided = grants.wasi
            && import.module() == wasi::WASI_MODULE
            && wasi::lookup(import.name()).is_some_and(|f| same_signature(&ty, f));
        if provided {
            continue;
        }
        let module = import.module().to_string();
        let name = import.name().to_string();
        linker
            .func_new(import.module(), import.name(), ty, move |_, _, _| {
                Err(wasmtime::Error::new(UnresolvedImport {
                    module: module.clone(),
                    name: name.clone(),
                }))
            })
            .map_err(host_error)?;
    }
    Ok(linker)
}
