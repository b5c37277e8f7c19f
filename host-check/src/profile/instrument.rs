//! A copy of a module that counts, per defined function, its calls and the fuel wasmtime
//! charges for its own instructions (its *self fuel*), in exported globals.
//!
//! Why a rewrite and not sampling: fuel is exact and deterministic, and an author looking for
//! the next instruction to cut needs exact figures that add up to what `run` and `check`
//! report. The copy keeps every function, import and existing global at its index (the new
//! globals are appended at the end of the global index space, the new exports after the old
//! ones), and copies every other section byte for byte; in each function body the locals and
//! every original operator are copied verbatim, with a counter increment inserted at the start
//! of each straight-line region.
//!
//! The cost model is [`super::cost`]'s (wasmtime 48's own). A region ends after every
//! operator that can transfer control (`block`, `loop`, `if`, `else`, `end`, the branches,
//! `return`, `unreachable`, tail calls), so every branch target starts a region and a region
//! runs entirely or not at all, unless a trap ends the call (then the profile is not
//! reported). Calls stay inside regions: a call returns or traps. A bulk operator, which costs
//! its length too, gets that length added just before it, read with two locals appended to
//! its function's (so no local index moves). Regions costing 0 get no increment; each other
//! one costs 4 more fuel in the copy, which is why the copy runs with a larger fuel budget and
//! its own fuel is never shown.

use std::collections::BTreeMap;

use thiserror::Error;
use wasmparser::{BinaryReader, FunctionBody, Validator};

use super::cost::{cost, ends_region, variable_cost, Width};
use super::encode;
use super::layout::{rank, read_layout, sections, split_count, Layout};

/// Largest instrumented copy, in bytes: the rewrite at most about doubles a real module, and
/// the cap keeps a hostile one (a function of nothing but branches grows about 20 times)
/// bounded in memory.
pub const MAX_INSTRUMENTED_SIZE: usize = 64 << 20;

/// Globals a module may have in all (wasmparser's and wasmtime's limit).
const MAX_GLOBALS: u64 = 1_000_000;
/// Largest function body (wasmparser's and wasmtime's limit).
const MAX_FUNCTION_SIZE: usize = 7_654_321;
/// Most locals a function may declare (wasmparser's and wasmtime's limit).
const MAX_LOCALS: u64 = 50_000;

const GLOBAL_SECTION: u8 = 6;
const EXPORT_SECTION: u8 = 7;
const CODE_SECTION: u8 = 10;

/// Why a module cannot be instrumented.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum InstrumentError {
    /// Not a module host-check's engine would accept.
    #[error("not a valid WebAssembly module: {0}")]
    Invalid(String),
    /// The instrumented copy would pass a limit.
    #[error("too big to profile: {0}")]
    TooBig(String),
}

/// The counters of one defined function in the instrumented copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counters {
    /// The function's index (imports included, as in the module and its name section).
    pub function: u32,
    /// The export of its call counter.
    pub calls: String,
    /// The export of its self-fuel counter.
    pub fuel: String,
}

/// The instrumented copy and where its counters are.
#[derive(Debug, Clone)]
pub struct Instrumented {
    /// The copy.
    pub wasm: Vec<u8>,
    /// One entry per defined function, in index order.
    pub counters: Vec<Counters>,
    /// The original module's export names.
    pub exports: Vec<String>,
    /// The exported functions' names by function index (the first export of each), to label
    /// a stripped module's functions.
    pub exported_functions: BTreeMap<u32, String>,
}

/// Instruments `wasm` (validated first, with host-check's wasm features).
pub fn instrument(wasm: &[u8]) -> Result<Instrumented, InstrumentError> {
    Validator::new_with_features(crate::runner::wasm_features())
        .validate_all(wasm)
        .map_err(invalid)?;
    let layout = read_layout(wasm).map_err(invalid)?;
    let defined = layout.bodies.len() as u64;
    if layout.globals + 2 * defined > MAX_GLOBALS {
        return Err(InstrumentError::TooBig(format!(
            "{defined} functions need {} counter globals, and a module may have {MAX_GLOBALS} \
             globals in all",
            2 * defined
        )));
    }
    // The new globals' indices and a prefix that no existing export starts with.
    let first_global = u32::try_from(layout.globals).unwrap_or(u32::MAX);
    let mut prefix = String::from("host-check.profile.");
    while layout.exports.iter().any(|e| e.starts_with(&prefix)) {
        prefix.insert(0, '_');
    }
    let counters: Vec<Counters> = (0..layout.bodies.len() as u32)
        .map(|i| Counters {
            function: layout.imported_functions + i,
            calls: format!("{prefix}calls.{i}"),
            fuel: format!("{prefix}fuel.{i}"),
        })
        .collect();
    let global_of = |i: usize, fuel: bool| first_global + 2 * i as u32 + u32::from(fuel);

    let mut out = Vec::with_capacity(wasm.len() * 2);
    out.extend_from_slice(wasm.get(..8).unwrap_or_default());
    let (mut globals_done, mut exports_done) = (counters.is_empty(), counters.is_empty());
    for (id, contents) in sections(wasm).map_err(invalid)? {
        if id != 0 && !globals_done && rank(id) >= rank(GLOBAL_SECTION) {
            globals_done = true;
            let existing = (id == GLOBAL_SECTION).then_some(contents);
            extend_section(&mut out, GLOBAL_SECTION, existing, 2 * defined, |section| {
                for _ in 0..2 * defined {
                    encode::counter_global(section);
                }
            })?;
            if id == GLOBAL_SECTION {
                continue;
            }
        }
        if id != 0 && !exports_done && rank(id) >= rank(EXPORT_SECTION) {
            exports_done = true;
            let existing = (id == EXPORT_SECTION).then_some(contents);
            extend_section(&mut out, EXPORT_SECTION, existing, 2 * defined, |section| {
                for (i, c) in counters.iter().enumerate() {
                    encode::global_export(section, &c.calls, global_of(i, false));
                    encode::global_export(section, &c.fuel, global_of(i, true));
                }
            })?;
            if id == EXPORT_SECTION {
                continue;
            }
        }
        if id == CODE_SECTION {
            let mut section = Vec::new();
            encode::uleb(&mut section, defined);
            for (i, body) in layout.bodies.iter().enumerate() {
                let target = Target {
                    index: counters[i].function,
                    calls: global_of(i, false),
                    fuel: global_of(i, true),
                    params: layout
                        .function_types
                        .get(i)
                        .and_then(|&t| layout.type_params.get(t as usize))
                        .copied()
                        .unwrap_or(0),
                };
                let code = instrument_body(wasm, body, &target, &layout)?;
                encode::uleb(&mut section, code.len() as u64);
                section.extend_from_slice(&code);
                if section.len() > MAX_INSTRUMENTED_SIZE {
                    return Err(too_big());
                }
            }
            encode::section(&mut out, CODE_SECTION, &section);
        } else {
            encode::section(&mut out, id, contents);
        }
        if out.len() > MAX_INSTRUMENTED_SIZE {
            return Err(too_big());
        }
    }
    Ok(Instrumented {
        wasm: out,
        counters,
        exports: layout.exports,
        exported_functions: layout.exported_functions,
    })
}

/// Writes a vector section (`id`) as the module's `existing` one (when it has it) with `added`
/// more entries, which `append` writes after its own.
fn extend_section(
    out: &mut Vec<u8>,
    id: u8,
    existing: Option<&[u8]>,
    added: u64,
    append: impl FnOnce(&mut Vec<u8>),
) -> Result<(), InstrumentError> {
    let (count, entries) = match existing {
        Some(contents) => split_count(contents).map_err(invalid)?,
        None => (0, &[][..]),
    };
    let mut section = Vec::new();
    encode::uleb(&mut section, u64::from(count) + added);
    section.extend_from_slice(entries);
    append(&mut section);
    encode::section(out, id, &section);
    Ok(())
}

/// A module wasmparser cannot read.
fn invalid(e: wasmparser::BinaryReaderError) -> InstrumentError {
    InstrumentError::Invalid(e.to_string())
}

fn too_big() -> InstrumentError {
    InstrumentError::TooBig(format!(
        "the instrumented copy would pass {} MiB",
        MAX_INSTRUMENTED_SIZE >> 20
    ))
}

/// Where one function's counters are, and its parameter count (its added locals follow its
/// own).
struct Target {
    index: u32,
    calls: u32,
    fuel: u32,
    params: u32,
}

/// One function body, instrumented: the locals as they are (plus an `i32` and an `i64` when
/// it has bulk operators), the calls counter incremented on entry, then each region's fuel
/// added before its original bytes, and each bulk operator's length before it. Streams (no
/// list of operators), and stops as soon as the body passes wasm's function size limit.
fn instrument_body(
    wasm: &[u8],
    body: &FunctionBody,
    target: &Target,
    layout: &Layout,
) -> Result<Vec<u8>, InstrumentError> {
    let range = body.range();
    let bytes = |from: usize, to: usize| wasm.get(from..to).unwrap_or_default();
    let mut out = Vec::with_capacity(range.len() * 2);

    // The locals: copied, or with two more declared when a bulk operator needs them.
    let mut scan = body.get_operators_reader().map_err(invalid)?;
    let mut bulk = false;
    while !scan.eof() {
        bulk |= variable_cost(&scan.read().map_err(invalid)?, layout).is_some();
    }
    let mut reader = body.get_operators_reader().map_err(invalid)?;
    let mut region_start = reader.original_position();
    let (mut local32, mut local64) = (0, 0);
    if bulk {
        let locals = body.get_locals_reader().map_err(invalid)?;
        let groups = locals.get_count();
        let mut declared = 0u64;
        for group in locals {
            declared += u64::from(group.map_err(invalid)?.0);
        }
        if declared + 2 > MAX_LOCALS {
            return Err(InstrumentError::TooBig(format!(
                "function {} declares {declared} locals, and its copy needs 2 more than wasm's \
                 limit of {MAX_LOCALS} allows",
                target.index
            )));
        }
        let mut header = BinaryReader::new(bytes(range.start, region_start), range.start);
        header.read_var_u32().map_err(invalid)?;
        encode::uleb(&mut out, u64::from(groups) + 2);
        out.extend_from_slice(bytes(header.original_position(), region_start));
        out.extend_from_slice(&[0x01, 0x7f, 0x01, 0x7e]);
        local32 = u32::try_from(u64::from(target.params) + declared).unwrap_or(u32::MAX);
        local64 = local32.saturating_add(1);
    } else {
        out.extend_from_slice(bytes(range.start, region_start));
    }

    encode::add_to_global(&mut out, target.calls, 1);
    let fuel = target.fuel;
    // The entry cost: wasmtime charges every call 1 before its first operator.
    let mut region = 1;
    let mut flush = |out: &mut Vec<u8>, region: i64, to: usize| {
        if region > 0 {
            encode::add_to_global(out, fuel, region);
        }
        out.extend_from_slice(bytes(region_start, to));
        region_start = to;
    };
    while !reader.eof() {
        let (op, offset) = reader.read_with_offset().map_err(invalid)?;
        if let Some(width) = variable_cost(&op, layout) {
            // Close the region before the operator, then charge its length.
            flush(&mut out, region, offset);
            region = 0;
            match width {
                Width::W32 => encode::add_length_to_global(&mut out, local32, false, fuel),
                Width::W64 => encode::add_length_to_global(&mut out, local64, true, fuel),
            }
        }
        region += cost(&op);
        if ends_region(&op) {
            flush(&mut out, region, reader.original_position());
            region = 0;
            if out.len() > MAX_FUNCTION_SIZE {
                return Err(InstrumentError::TooBig(format!(
                    "function {} would be over {MAX_FUNCTION_SIZE} bytes instrumented, wasm's \
                     limit",
                    target.index
                )));
            }
        }
    }
    // A valid body ends with `end`, which ends a region: nothing is left but in a bad one.
    flush(&mut out, region, range.end);
    Ok(out)
}

#[cfg(test)]
#[path = "instrument_tests.rs"]
mod tests;
