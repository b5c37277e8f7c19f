//! Modules through host-check's whole `check` (static and dynamic) with small budgets: never a
//! panic, always a verdict, in bounded time (`conformance_host::check_module`).
//!
//! An input that starts with the wasm magic `\0asm` is the module itself (so the corpus holds
//! plain `.wasm` files that the stable replay reads as they are, and libFuzzer mutates real
//! modules); any other input drives wasm-smith (`midimon_fuzz::smith`). Set
//! `MIDIMON_FUZZ_DUMP=<dir>` to write each generated module there, e.g. to turn a
//! wasm-smith crash into a plain `.wasm` regression input.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"\0asm") {
        conformance_host::check_module(data);
        return;
    }
    let Ok(wasm) = midimon_fuzz::smith::module(&mut Unstructured::new(data)) else {
        return;
    };
    if let Some(dir) = std::env::var_os("MIDIMON_FUZZ_DUMP") {
        let name = format!("smith-{:016x}.wasm", fxhash(&wasm));
        let _ = std::fs::write(std::path::Path::new(&dir).join(name), &wasm);
    }
    conformance_host::check_module(&wasm);
});

fn fxhash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}
