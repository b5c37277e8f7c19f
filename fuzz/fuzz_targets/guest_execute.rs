//! Arbitrary bodies sent to the built template plugin under wasmtime, through host-check's
//! runner (the host's `alloc` → write → `execute` → `dealloc` cycle), to `execute` and to
//! `execute_postcard`, on ONE instance for the whole run: no trap, the codes core-abi predicts,
//! JSON and postcard agreeing, memory bounded (`conformance_host::Guest`).
//!
//! The module is `$TEMPLATE_WASM`, or the workspace's plugin build
//! (`cargo build -p template-nostd --target wasm32-unknown-unknown --profile plugin`).
#![no_main]

use std::sync::{LazyLock, Mutex};

use conformance_host::{Guest, TEMPLATE_PATH};
use libfuzzer_sys::fuzz_target;

static GUEST: LazyLock<Mutex<Guest>> = LazyLock::new(|| {
    let path = std::env::var("TEMPLATE_WASM")
        .unwrap_or_else(|_| format!("{}/../{TEMPLATE_PATH}", env!("CARGO_MANIFEST_DIR")));
    let wasm = std::fs::read(&path).unwrap_or_else(|e| {
        panic!("cannot read the template at {path} ({e}); build it with `cargo build -p template-nostd --target wasm32-unknown-unknown --profile plugin`")
    });
    Mutex::new(Guest::new(&wasm))
});

fuzz_target!(|data: &[u8]| {
    let mut guest = GUEST.lock().unwrap_or_else(|e| e.into_inner());
    guest.check_body(data);
});
