//! The wasmtime engine: its configuration (fuel, epochs, the wasm features plugins may use,
//! shared with the static validator), the epoch ticker thread that makes timeouts possible, and
//! compilation under a time budget on a worker thread.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmparser::WasmFeatures;
use wasmtime::{Config, Engine, Module};

use super::error::LoadError;
use super::limits::EPOCH_TICK;
use crate::fmt::one_line;

/// The engine host-check runs plugins on, as shown in reports. It must match the exact
/// `wasmtime` version pinned in the workspace's `Cargo.toml` (a unit test checks that): fuel
/// counts change between wasmtime releases.
pub const ENGINE: &str = "wasmtime 48.0.8";

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
#[derive(Debug)]
pub(super) struct Ticker {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    pub(super) fn start(engine: Engine) -> Ticker {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("host-check-epoch".to_string())
            .spawn(move || {
                // Waiting on the channel doubles as the sleep: dropping the sender wakes us.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EPOCH_TICK) {
                    engine.increment_epoch();
                }
            })
            .ok();
        Ticker {
            stop: Some(stop),
            thread,
        }
    }

    pub(super) fn is_running(&self) -> bool {
        self.thread.is_some()
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Wasm proposals host-check turns off, so that the engine and the static validator agree:
///
/// - threads and shared memory: a plugin runs on one thread; a shared memory could be changed
///   under the host's feet (the workspace does not compile wasmtime's `threads` feature either);
/// - GC types, GC and exceptions: the workspace does not compile wasmtime's `gc` feature, and
///   no plugin toolchain emits them, while `reference-types` (which Rust emits) stays on;
/// - stack switching and the component model: plugins are core modules.
pub fn disabled_features() -> WasmFeatures {
    WasmFeatures::THREADS
        | WasmFeatures::SHARED_EVERYTHING_THREADS
        | WasmFeatures::GC
        | WasmFeatures::GC_TYPES
        | WasmFeatures::EXCEPTIONS
        | WasmFeatures::LEGACY_EXCEPTIONS
        | WasmFeatures::STACK_SWITCHING
        | WasmFeatures::COMPONENT_MODEL
}

/// The wasm features plugins may use: wasmtime 48's defaults (the WebAssembly 3.0 set) minus
/// [`disabled_features`]. The static validator uses exactly this set.
pub fn wasm_features() -> WasmFeatures {
    WasmFeatures::WASM3.difference(disabled_features())
}

/// The engine configuration: fuel, epochs and the features of [`wasm_features`].
pub fn engine_config() -> Config {
    let mut config = Config::new();
    config.consume_fuel(true);
    config.epoch_interruption(true);
    config.wasm_features(disabled_features(), false);
    config
}

/// Stack of the compile thread: as large as a main thread's, so that compiling is not more
/// limited on the worker than it would be inline.
const COMPILE_STACK: usize = 8 * 1024 * 1024;

/// Compiles `wasm` on a worker thread and waits at most `budget` for it. On timeout the thread
/// is abandoned (it holds its own copy of the bytes and of the engine) and finishes, or dies
/// with the process, in the background.
pub(super) fn compile(engine: &Engine, wasm: &[u8], budget: Duration) -> Result<Module, LoadError> {
    let (send, receive) = mpsc::sync_channel(1);
    let engine = engine.clone();
    let bytes = wasm.to_vec();
    std::thread::Builder::new()
        .name("host-check-compile".to_string())
        .stack_size(COMPILE_STACK)
        .spawn(move || {
            let result = Module::new(&engine, &bytes)
                .map_err(|e| LoadError::Compile(one_line(&format!("{e:#}"))));
            let _ = send.send(result);
        })
        .map_err(|e| LoadError::Engine(format!("cannot start the compile thread: {e}")))?;
    match receive.recv_timeout(budget) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => Err(LoadError::CompileTimedOut { budget }),
        Err(RecvTimeoutError::Disconnected) => Err(LoadError::Compile(
            "the compiler stopped without a result".to_string(),
        )),
    }
}
