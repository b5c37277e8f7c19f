//! The runner: wasmtime engine, store and instance, and every plugin call under budgets.
//!
//! This is the one place that executes plugin code. `check`, `run`, `inspect` and the benchmark
//! all go through it, so that a call is budgeted, measured and classified the same way
//! everywhere:
//!
//! - **fuel**: refilled to [`Limits::max_fuel`] before instantiation and before every call
//!   ([`FuelMode::PerCall`]), or set once per instance and shared by the start function and
//!   every call, as MIDIMon's daemon does ([`FuelMode::PerInstance`]); the fuel a call used is
//!   what it took from the store;
//! - **wall time**: epoch interruption. A ticker thread bumps the engine's epoch every
//!   [`EPOCH_TICK`] while a [`Plugin`] or one of its instances lives; a call's deadline is
//!   `timeout / EPOCH_TICK` ticks (rounded up). Epochs only interrupt wasm code, not a host
//!   function (a WASI `random_get` of 64 MiB takes seconds for a few fuel), so the elapsed
//!   time is also compared with the timeout after every call: a call that returns late is
//!   timed out too. All calls of one [`Plugin`] share a total budget,
//!   [`Limits::max_check_time`]: the epoch deadline is never later than its end, and once it
//!   is spent every call is refused with [`CallError::CheckTimeSpent`];
//! - **compile time**: [`Plugin::load`] first checks the control-flow limits of
//!   [`crate::control_flow`] (compiling is quadratic in them), then compiles on a worker thread
//!   and gives up after [`Limits::max_compile_time`] (the thread is abandoned; the process
//!   exits without waiting for it);
//! - **disk**: the sandbox directory is measured while an instance runs and after every call,
//!   against [`Limits::max_disk`] (see [`crate::disk`]);
//! - **memory**: a [`ResourceLimiter`] that allows one instance with one memory of at most
//!   [`Limits::max_memory`] bytes (inclusive) and at most [`MAX_TABLES`] tables of
//!   [`MAX_TABLE_ELEMENTS`] elements. A denied `memory.grow` returns -1 to the plugin (no trap),
//!   but the limiter remembers it, so the call is reported as a memory-limit failure with the
//!   size that was asked for;
//! - **failures** are classified into a [`CallError`] (out of fuel, timed out, memory limit,
//!   trap with its message, `proc_exit`, ABI violations ...). A trap discards the instance:
//!   later calls return [`CallError::Discarded`] and callers instantiate again.
//!
//! WASI preview 1 is linked only for plugins that import it ([`Grants::wasi`]); stdout and
//! stderr go to in-memory pipes ([`PluginInstance::captured_output`]); a sandbox directory is
//! preopened only with [`Grants::filesystem`]; `random_get` returns a fixed pseudo-random
//! sequence, so that fuel figures are the same on every run. `poll_oneoff` is replaced by a stub returning
//! `ENOTSUP`, because a host function that sleeps cannot be interrupted by the epoch deadline.
//! Imports that host-check does not provide (non-WASI, or a WASI name with the wrong type) are
//! linked to stubs that fail when called, so the plugin can still be instantiated and its other
//! problems reported; the static import check reports the import itself.
//!
//! The hot path ([`PluginInstance::request`]) resolves its typed functions once per instance and
//! does not allocate on the host side, so that the benchmark measures the plugin, not us.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use core_abi::abi;
use core_abi::metadata::{Capability, CapabilitySet};
use thiserror::Error;
use wasmparser::WasmFeatures;
use wasmtime::{
    Config, Engine, ExternType, FuncType, Linker, Memory, Module, ResourceLimiter, Store, Trap,
    TypedFunc, WasmParams, WasmResults,
};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{Deterministic, FsPerms, I32Exit, WasiCtxBuilder};

mod open;

pub use open::{OpenError, Opened};

use crate::budget::Budgets;
use crate::disk::{DiskQuota, DiskWatcher};
use crate::fmt::{format_duration, one_line};
use crate::scratch::ScratchDir;
use crate::wasi;

/// The engine host-check runs plugins on, as shown in reports. It must match the exact
/// `wasmtime` version pinned in the workspace's `Cargo.toml` (a unit test checks that): fuel
/// counts change between wasmtime releases.
pub const ENGINE: &str = "wasmtime 48.0.8";

/// Interval at which the epoch advances: the resolution of the per-call timeout.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Most elements a table may have. Function tables of large Rust plugins hold a few thousand
/// entries; 100,000 (800 KB of host memory) leaves room without letting a plugin grow tables
/// without bound.
pub const MAX_TABLE_ELEMENTS: usize = 100_000;

/// Most tables a plugin may have (Rust plugins have one).
pub const MAX_TABLES: usize = 16;

/// Bytes of stdout and of stderr kept per instance. A plugin that writes more gets an I/O
/// error from `fd_write` (Rust's `print!` then panics, which traps).
pub const CAPTURE_CAPACITY: usize = 16 * 1024 * 1024;

/// The guest path of the sandbox directory preopened for plugins with the `filesystem`
/// capability.
pub const SANDBOX_GUEST_PATH: &str = ".";

/// WASI errno `notsup`, returned by the `poll_oneoff` stub.
const ERRNO_NOTSUP: i32 = 58;

/// The limits of a runner: per call, per compilation and per [`Plugin`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fuel per call (and for instantiation).
    pub max_fuel: u64,
    /// Wall time per call.
    pub timeout: Duration,
    /// Largest linear memory, in bytes, inclusive.
    pub max_memory: u64,
    /// Wall time the compilation may take.
    pub max_compile_time: Duration,
    /// Wall time all calls of one [`Plugin`] (one `check`) may take together, counted from
    /// the end of its compilation.
    pub max_check_time: Duration,
    /// Bytes the plugin may write to its sandbox directory, all instances together.
    pub max_disk: u64,
}

impl Limits {
    /// The epoch deadline of one call: the timeout in ticks, rounded up, at least one.
    pub fn deadline_ticks(&self) -> u64 {
        let tick = EPOCH_TICK.as_nanos().max(1);
        let ticks = self.timeout.as_nanos().div_ceil(tick);
        u64::try_from(ticks).unwrap_or(u64::MAX).max(1)
    }
}

impl From<&Budgets> for Limits {
    fn from(b: &Budgets) -> Self {
        Limits {
            max_fuel: b.max_fuel,
            timeout: b.timeout,
            max_memory: b.max_memory,
            max_compile_time: b.max_compile_time,
            max_check_time: b.check_time(),
            max_disk: b.max_disk,
        }
    }
}

/// How fuel is budgeted over an instance's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuelMode {
    /// [`Limits::max_fuel`] for instantiation and again for every call: each call is measured
    /// and bounded on its own (host-check's own checks and the benchmark).
    PerCall,
    /// [`Limits::max_fuel`] once, for instantiation and every call together: MIDIMon's daemon
    /// sets the fuel once per store, and makes a store per event.
    PerInstance,
}

/// What an instance is given beyond its own module.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grants {
    /// Link WASI preview 1 (`wasi_snapshot_preview1`).
    pub wasi: bool,
    /// Preopen a sandbox directory (only meaningful with `wasi`).
    pub filesystem: bool,
    /// Allow socket functions (nothing is preopened; the imports are simply allowed).
    pub network: bool,
}

impl Grants {
    /// The grants of a plugin whose capabilities are declared in `capabilities`: WASI iff the
    /// module imports it, a sandbox directory iff `filesystem` is declared.
    pub fn for_plugin(imports_wasi: bool, capabilities: CapabilitySet) -> Grants {
        Grants {
            wasi: imports_wasi,
            filesystem: imports_wasi && capabilities.contains(Capability::Filesystem),
            network: imports_wasi && capabilities.contains(Capability::Network),
        }
    }
}

/// Why a module could not be turned into a [`Plugin`].
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum LoadError {
    /// The engine configuration was rejected (a bug in host-check, not in the plugin).
    #[error("cannot create the wasmtime engine: {0}")]
    Engine(String),
    /// wasmtime could not compile the module.
    #[error("wasmtime cannot compile the module: {0}")]
    Compile(String),
    /// A function's control flow is over the static limits of [`crate::control_flow`].
    #[error("not compiled: {0}")]
    ControlFlow(String),
    /// The compilation took longer than [`Limits::max_compile_time`].
    #[error("compilation did not finish within {} (--max-compile-time); the module is too large or too complex to check", format_duration(*budget))]
    CompileTimedOut {
        /// The budget.
        budget: Duration,
    },
}

/// Why a plugin call (or instantiation) did not return normally.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum CallError {
    /// The call used its whole fuel budget.
    #[error("out of fuel: used the whole budget of {budget} fuel (--max-fuel)")]
    OutOfFuel {
        /// The per-call fuel budget.
        budget: u64,
    },
    /// The call ran past its wall-time budget.
    #[error("timed out: still running after {} (--timeout)", format_duration(*timeout))]
    TimedOut {
        /// The per-call timeout.
        timeout: Duration,
    },
    /// The calls of this plugin used up the whole wall-time budget of one check.
    #[error("check time spent: the plugin's calls used the whole budget of {} for one check (--max-check-time)", format_duration(*budget))]
    CheckTimeSpent {
        /// [`Limits::max_check_time`].
        budget: Duration,
    },
    /// The sandbox directory grew past the disk budget; the call was interrupted (or had
    /// returned) and later calls are refused.
    #[error(
        "disk limit: the sandbox directory reached {used} bytes (limit {limit} bytes, --max-disk)"
    )]
    DiskLimit {
        /// The usage measured, in bytes (see [`crate::disk::usage`]).
        used: u64,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A memory growth was denied during the call (the call may have returned or trapped).
    #[error(
        "memory limit: a grow to {requested} bytes was denied (limit {limit} bytes, --max-memory)"
    )]
    MemoryLimit {
        /// The memory size the plugin asked for, in bytes.
        requested: u64,
        /// The limit, in bytes.
        limit: u64,
        /// Whether the call trapped (and the instance was discarded) afterwards.
        trapped: bool,
    },
    /// A wasm trap, with wasmtime's message (e.g. `wasm trap: call stack exhausted`).
    #[error("trap: {message}")]
    Trap {
        /// The trap message.
        message: String,
    },
    /// The plugin called WASI `proc_exit`.
    #[error("the plugin called proc_exit({code}), which ends the instance")]
    Exit {
        /// The exit code.
        code: i32,
    },
    /// The plugin called an import that host-check links to a failing stub.
    #[error("called `{module}::{name}`, which MIDIMon does not provide")]
    UnresolvedImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// The export needed for this call is missing or has the wrong type.
    #[error("`{name}` is not exported with its ABI type")]
    MissingExport {
        /// The export.
        name: &'static str,
    },
    /// `alloc` returned 0 for a non-empty request.
    #[error("returned a null pointer for {len} bytes")]
    NullPointer {
        /// The size asked for.
        len: u32,
    },
    /// A pointer and length returned by the plugin do not describe its memory.
    #[error("{what} returned pointer {ptr:#x} and length {len}: {}", bounds_problem(*ptr, *len, *memory_size))]
    OutOfBounds {
        /// Which export returned them.
        what: &'static str,
        /// The pointer.
        ptr: u32,
        /// The length.
        len: u32,
        /// The memory size when checked, in bytes.
        memory_size: u64,
    },
    /// `init` returned more metadata than the ABI allows.
    #[error("init returned {len} bytes of metadata, more than the {max} allowed")]
    MetadataTooLarge {
        /// The length returned.
        len: u32,
        /// [`abi::MAX_METADATA_LEN`].
        max: usize,
    },
    /// A request body longer than a wasm32 length.
    #[error("the request is {len} bytes, more than an i32 length can describe")]
    RequestTooLarge {
        /// Its length.
        len: usize,
    },
    /// Instantiation failed for a reason other than a trap (e.g. an import that cannot be
    /// linked, or a table larger than allowed).
    #[error("cannot instantiate: {message}")]
    Instantiate {
        /// wasmtime's message.
        message: String,
    },
    /// Any other host-side error.
    #[error("host error: {message}")]
    Host {
        /// The message.
        message: String,
    },
    /// The instance trapped earlier and was discarded.
    #[error("the instance was discarded after an earlier trap")]
    Discarded,
}

/// Explains why `ptr`/`len` is not inside a memory of `memory_size` bytes.
fn bounds_problem(ptr: u32, len: u32, memory_size: u64) -> String {
    if ptr.checked_add(len).is_none() {
        "ptr + len wraps around the 32-bit address space".to_string()
    } else {
        format!(
            "the range ends at byte {}, past the end of memory ({memory_size} bytes)",
            u64::from(ptr) + u64::from(len)
        )
    }
}

impl CallError {
    /// Whether the error ended the instance (it must not be called again).
    pub fn discards_instance(&self) -> bool {
        !matches!(
            self,
            CallError::MemoryLimit { trapped: false, .. }
                | CallError::DiskLimit { .. }
                | CallError::MissingExport { .. }
                | CallError::NullPointer { .. }
                | CallError::OutOfBounds { .. }
                | CallError::MetadataTooLarge { .. }
                | CallError::RequestTooLarge { .. }
        )
    }
}

/// Which step of a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// `alloc(len)` and the checks of its result.
    Alloc,
    /// `execute` or `execute_postcard`.
    Execute,
    /// `dealloc(ptr, len)`.
    Dealloc,
}

impl Stage {
    /// `"alloc"`, `"execute"` or `"dealloc"`.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Alloc => "alloc",
            Stage::Execute => "execute",
            Stage::Dealloc => "dealloc",
        }
    }
}

/// A request that failed, and at which step.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{}: {error}", stage.name())]
pub struct RequestError {
    /// The step that failed.
    pub stage: Stage,
    /// Why.
    pub error: CallError,
}

/// Cost of one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallStats {
    /// Fuel used.
    pub fuel: u64,
    /// Wall time of the call itself.
    pub elapsed: Duration,
}

/// Result of one full host cycle (`alloc`, write, `execute`, `dealloc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestOutcome {
    /// What `execute` returned (0 = success, otherwise an error code).
    pub code: i32,
    /// Fuel used by `execute` alone.
    pub fuel: u64,
    /// Fuel used by `alloc`.
    pub alloc_fuel: u64,
    /// Fuel used by `dealloc`.
    pub dealloc_fuel: u64,
    /// Wall time of `execute` alone.
    pub elapsed: Duration,
    /// Wall time of the whole cycle, host work included.
    pub cycle_elapsed: Duration,
    /// The pointer `alloc` returned.
    pub ptr: u32,
}

/// What `init` returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitOutput {
    /// Where the metadata is in guest memory.
    pub ptr: u32,
    /// The metadata bytes (not yet validated).
    pub metadata: Vec<u8>,
    /// Cost of the call.
    pub stats: CallStats,
}

/// Which entry point a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `execute` with a JSON request.
    Json,
    /// `execute_postcard` with a postcard request.
    Postcard,
}

impl Entry {
    /// The postcard entry when `postcard` is true, else the JSON one.
    pub fn new(postcard: bool) -> Entry {
        if postcard {
            Entry::Postcard
        } else {
            Entry::Json
        }
    }

    /// The export this entry calls.
    pub fn export(self) -> &'static str {
        match self {
            Entry::Json => abi::EXPORT_EXECUTE,
            Entry::Postcard => abi::EXPORT_EXECUTE_POSTCARD,
        }
    }
}

/// What a plugin wrote to stdout and stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// Bytes written to stdout.
    pub stdout: Vec<u8>,
    /// Bytes written to stderr.
    pub stderr: Vec<u8>,
}

impl Captured {
    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.stdout.is_empty() && self.stderr.is_empty()
    }
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
#[derive(Debug)]
struct Ticker {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    fn start(engine: Engine) -> Ticker {
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

    fn is_running(&self) -> bool {
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

/// A compiled plugin: engine, module and the epoch ticker. Compile once, instantiate often.
pub struct Plugin {
    engine: Engine,
    module: Module,
    limits: Limits,
    ticker: Arc<Ticker>,
    imports_wasi: bool,
    /// End of the [`Limits::max_check_time`] budget (`None`: too far to represent).
    check_deadline: Option<Instant>,
    /// The largest sandbox usage measured, all instances.
    disk_used: Arc<AtomicU64>,
    /// The usage that passed the disk budget (0: not passed).
    disk_over: Arc<AtomicU64>,
    /// Sandbox directories created for instances.
    sandboxes: AtomicU64,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("limits", &self.limits)
            .field("imports_wasi", &self.imports_wasi)
            .finish_non_exhaustive()
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

impl Plugin {
    /// Compiles a module (validating it) under the given limits: the control-flow limits are
    /// checked first, then the compilation runs on a worker thread for at most
    /// [`Limits::max_compile_time`].
    pub fn load(wasm: &[u8], limits: Limits) -> Result<Plugin, LoadError> {
        crate::control_flow::check(wasm).map_err(|e| LoadError::ControlFlow(e.to_string()))?;
        let engine =
            Engine::new(&engine_config()).map_err(|e| LoadError::Engine(format!("{e:#}")))?;
        let module = compile(&engine, wasm, limits.max_compile_time)?;
        let imports_wasi = module.imports().any(|i| i.module() == wasi::WASI_MODULE);
        let ticker = Arc::new(Ticker::start(engine.clone()));
        if !ticker.is_running() {
            // Without the ticker a call could never time out: refuse rather than risk a hang.
            return Err(LoadError::Engine(
                "cannot start the epoch ticker thread".to_string(),
            ));
        }
        Ok(Plugin {
            engine,
            module,
            limits,
            ticker,
            imports_wasi,
            check_deadline: Instant::now().checked_add(limits.max_check_time),
            disk_used: Arc::new(AtomicU64::new(0)),
            disk_over: Arc::new(AtomicU64::new(0)),
            sandboxes: AtomicU64::new(0),
        })
    }

    /// The largest disk usage of a sandbox directory measured so far (see [`crate::disk`]).
    pub fn disk_used(&self) -> u64 {
        self.disk_used.load(Ordering::Relaxed)
    }

    /// The usage that passed the disk budget, if it was passed.
    pub fn disk_exceeded(&self) -> Option<u64> {
        Some(self.disk_over.load(Ordering::Relaxed)).filter(|&r| r > 0)
    }

    /// How many instances were given a sandbox directory.
    pub fn sandboxes_created(&self) -> u64 {
        self.sandboxes.load(Ordering::Relaxed)
    }

    /// The per-call limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The compiled module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Whether the module imports anything from `wasi_snapshot_preview1`.
    pub fn imports_wasi(&self) -> bool {
        self.imports_wasi
    }

    /// The grants of the first instantiation, before the metadata is known: WASI iff the
    /// module imports it, no sandbox directory.
    pub fn initial_grants(&self) -> Grants {
        Grants {
            wasi: self.imports_wasi,
            filesystem: false,
            network: false,
        }
    }

    /// Instantiates the module (running its start function under the budgets) and resolves
    /// the ABI exports; every call gets a fresh fuel budget.
    pub fn instantiate(&self, grants: &Grants) -> Result<PluginInstance, CallError> {
        self.instantiate_with(grants, FuelMode::PerCall)
    }

    /// [`Plugin::instantiate`] with a choice of fuel budgeting.
    pub fn instantiate_with(
        &self,
        grants: &Grants,
        fuel_mode: FuelMode,
    ) -> Result<PluginInstance, CallError> {
        let stdout = MemoryOutputPipe::new(CAPTURE_CAPACITY);
        let stderr = MemoryOutputPipe::new(CAPTURE_CAPACITY);
        let mut builder = WasiCtxBuilder::new();
        builder
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .secure_random(Deterministic::new(pseudo_random_bytes(0x5eed_0001)))
            .insecure_random(Deterministic::new(pseudo_random_bytes(0x5eed_0002)))
            .insecure_random_seed(0x5eed_0003);
        let sandbox = if grants.wasi && grants.filesystem {
            let dir = ScratchDir::new("sandbox").map_err(|e| CallError::Host {
                message: one_line(&format!("cannot create the sandbox directory: {e}")),
            })?;
            builder
                .preopened_dir(dir.path(), SANDBOX_GUEST_PATH, FsPerms::ReadWrite)
                .map_err(|e| CallError::Host {
                    message: format!("cannot preopen the sandbox directory: {e:#}"),
                })?;
            Some(dir)
        } else {
            None
        };
        let state = HostState {
            limiter: MemoryLimiter::new(self.limits.max_memory),
            wasi: builder.build_p1(),
            disk: sandbox.as_ref().map(|dir| {
                DiskQuota::new(
                    dir.path(),
                    self.limits.max_disk,
                    Arc::clone(&self.disk_used),
                    Arc::clone(&self.disk_over),
                )
            }),
        };
        // Past any epoch deadline a call of this plugin can have.
        let interrupt_ticks = self.limits.deadline_ticks().saturating_add(1);
        let disk_watcher = match &state.disk {
            Some(quota) => {
                self.sandboxes.fetch_add(1, Ordering::Relaxed);
                let watcher = quota.watch(self.engine.clone(), interrupt_ticks);
                if !watcher.is_running() {
                    return Err(CallError::Host {
                        message: "cannot start the sandbox disk watcher thread".to_string(),
                    });
                }
                Some(watcher)
            }
            None => None,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        let linker = self.linker(grants)?;

        arm(&mut store, self.limits, self.check_deadline, true)?;
        let started = Instant::now();
        let result = linker.instantiate(&mut store, &self.module);
        let elapsed = started.elapsed();
        let fuel = used_fuel(&store, self.limits.max_fuel);
        // Instantiation errors that are not the start function's trap (an import that cannot
        // be linked, a table over the limit) are wasmtime's messages, not traps.
        let result = result.map_err(|e| {
            if e.downcast_ref::<Trap>().is_some()
                || e.downcast_ref::<I32Exit>().is_some()
                || e.downcast_ref::<UnresolvedImport>().is_some()
                || e.chain()
                    .any(|c| c.to_string().starts_with(BACKTRACE_CONTEXT))
                || store.data().limiter.denied.is_some()
            {
                e
            } else {
                wasmtime::Error::new(InstantiateError(error_message(&e)))
            }
        });
        let instance = settle(
            &mut store,
            result,
            elapsed,
            self.limits,
            self.check_deadline,
        )?;
        let memory = instance.get_memory(&mut store, abi::EXPORT_MEMORY);
        let init = instance
            .get_typed_func::<(), i64>(&mut store, abi::EXPORT_INIT)
            .ok();
        let execute = instance
            .get_typed_func::<(i32, i32), i32>(&mut store, abi::EXPORT_EXECUTE)
            .ok();
        let execute_postcard = instance
            .get_typed_func::<(i32, i32), i32>(&mut store, abi::EXPORT_EXECUTE_POSTCARD)
            .ok();
        let alloc = instance
            .get_typed_func::<i32, i32>(&mut store, abi::EXPORT_ALLOC)
            .ok();
        let dealloc = instance
            .get_typed_func::<(i32, i32), ()>(&mut store, abi::EXPORT_DEALLOC)
            .ok();
        Ok(PluginInstance {
            store,
            memory,
            init,
            execute,
            execute_postcard,
            alloc,
            dealloc,
            limits: self.limits,
            fuel_mode,
            check_deadline: self.check_deadline,
            discarded: false,
            stdout,
            stderr,
            instantiation: CallStats { fuel, elapsed },
            _disk_watcher: disk_watcher,
            _sandbox: sandbox,
            _ticker: Arc::clone(&self.ticker),
        })
    }

    /// Builds the linker for one instantiation (see the module documentation).
    fn linker(&self, grants: &Grants) -> Result<Linker<HostState>, CallError> {
        let mut linker: Linker<HostState> = Linker::new(&self.engine);
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
        for import in self.module.imports() {
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
}

/// Stack of the compile thread: as large as a main thread's, so that compiling is not more
/// limited on the worker than it would be inline.
const COMPILE_STACK: usize = 8 * 1024 * 1024;

/// Compiles `wasm` on a worker thread and waits at most `budget` for it. On timeout the thread
/// is abandoned (it holds its own copy of the bytes and of the engine) and finishes, or dies
/// with the process, in the background.
fn compile(engine: &Engine, wasm: &[u8], budget: Duration) -> Result<Module, LoadError> {
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

/// Length of the cycle of the WASI random sources.
const RANDOM_CYCLE: usize = 4096;

/// A fixed pseudo-random byte cycle (xorshift64) for WASI's random sources. Real randomness
/// would make fuel figures differ between runs (std's `HashMap` seeds its hasher from
/// `random_get`, and probing costs depend on the hashes), and budgets must be reproducible.
fn pseudo_random_bytes(seed: u64) -> Vec<u8> {
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

/// The error of a stub import, recognised by [`classify`].
#[derive(Debug, Error)]
#[error("called `{module}::{name}`, which MIDIMon does not provide")]
struct UnresolvedImport {
    module: String,
    name: String,
}

/// An instantiation failure that is not a trap, recognised by [`classify`].
#[derive(Debug, Error)]
#[error("{0}")]
struct InstantiateError(String);

/// Per-store state: the memory limiter, the WASI context and the disk quota.
struct HostState {
    limiter: MemoryLimiter,
    wasi: WasiP1Ctx,
    disk: Option<DiskQuota>,
}

/// Enforces the memory and table bounds and records the memory high-water mark.
#[derive(Debug, Clone, Copy)]
struct MemoryLimiter {
    limit: u64,
    high_water: u64,
    /// The largest denied request since the last call started.
    denied: Option<u64>,
}

impl MemoryLimiter {
    fn new(limit: u64) -> Self {
        MemoryLimiter {
            limit,
            high_water: 0,
            denied: None,
        }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let desired_bytes = u64::try_from(desired).unwrap_or(u64::MAX);
        if desired_bytes > self.limit {
            self.denied = Some(self.denied.map_or(desired_bytes, |d| d.max(desired_bytes)));
            return Ok(false);
        }
        if maximum.is_some_and(|max| desired > max) {
            // The module's own maximum: memory.grow fails as the spec says, not our limit.
            return Ok(false);
        }
        self.high_water = self.high_water.max(desired_bytes);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        1
    }
}

/// A host-side error that is not the plugin's fault.
fn host_error(e: wasmtime::Error) -> CallError {
    CallError::Host {
        message: one_line(&format!("{e:#}")),
    }
}

/// What wasmtime's backtrace context starts with; it is dropped from one-line messages.
const BACKTRACE_CONTEXT: &str = "error while executing at wasm backtrace";

/// An error's chain of messages without the wasm backtrace wasmtime attaches, on one line.
fn error_message(error: &wasmtime::Error) -> String {
    let parts: Vec<String> = error
        .chain()
        .map(ToString::to_string)
        .filter(|text| !text.starts_with(BACKTRACE_CONTEXT))
        .collect();
    one_line(&parts.join(": "))
}

/// Ticks of [`EPOCH_TICK`] in `d`, rounded up, at least one.
fn ticks(d: Duration) -> u64 {
    let tick = EPOCH_TICK.as_nanos().max(1);
    u64::try_from(d.as_nanos().div_ceil(tick))
        .unwrap_or(u64::MAX)
        .max(1)
}

/// Arms the store for one call: a full fuel budget when `refuel` (an instance with one budget
/// for its whole life keeps what is left), and an epoch deadline at the per-call timeout or at
/// the end of the check-time budget, whichever comes first. A spent check-time budget refuses
/// the call.
fn arm(
    store: &mut Store<HostState>,
    limits: Limits,
    check_deadline: Option<Instant>,
    refuel: bool,
) -> Result<(), CallError> {
    if refuel {
        store.set_fuel(limits.max_fuel).map_err(host_error)?;
    }
    let mut deadline = limits.deadline_ticks();
    if let Some(end) = check_deadline {
        let remaining = end.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(CallError::CheckTimeSpent {
                budget: limits.max_check_time,
            });
        }
        deadline = deadline.min(ticks(remaining));
    }
    if let Some(used) = store.data().disk.as_ref().and_then(DiskQuota::exceeded) {
        return Err(CallError::DiskLimit {
            used,
            limit: limits.max_disk,
        });
    }
    store.set_epoch_deadline(deadline);
    store.data_mut().limiter.denied = None;
    Ok(())
}

/// Classifies the outcome of a call that took `elapsed`: a denied memory growth or disk write
/// first (the root cause of what followed), then an interrupt (the call's timeout, or the
/// check's budget once it is spent), and a call that returned after its timeout is timed out
/// too: epochs cannot interrupt a host function.
fn settle<R>(
    store: &mut Store<HostState>,
    result: wasmtime::Result<R>,
    elapsed: Duration,
    limits: Limits,
    check_deadline: Option<Instant>,
) -> Result<R, CallError> {
    let denied = store.data_mut().limiter.denied.take();
    // Measured again after the call: a write just before returning is seen at once.
    let disk_over = store.data().disk.as_ref().and_then(DiskQuota::measure);
    // The check's budget is named only when it, not the call's own timeout, ran out.
    let spent = elapsed < limits.timeout && check_deadline.is_some_and(|end| Instant::now() >= end);
    let timed_out = || {
        if spent {
            CallError::CheckTimeSpent {
                budget: limits.max_check_time,
            }
        } else {
            CallError::TimedOut {
                timeout: limits.timeout,
            }
        }
    };
    if let Some(used) = disk_over {
        // The watcher's interrupt, or whatever the plugin did once the disk was full.
        return Err(CallError::DiskLimit {
            used,
            limit: limits.max_disk,
        });
    }
    match result {
        Err(e) => Err(match classify(&e, limits, denied) {
            CallError::TimedOut { .. } => timed_out(),
            other => other,
        }),
        Ok(_) if denied.is_some() => Err(CallError::MemoryLimit {
            requested: denied.unwrap_or(0),
            limit: limits.max_memory,
            trapped: false,
        }),
        Ok(_) if elapsed > limits.timeout => Err(timed_out()),
        Ok(value) => Ok(value),
    }
}

/// The fuel used since the store held `budget`.
fn used_fuel(store: &Store<HostState>, budget: u64) -> u64 {
    budget.saturating_sub(store.get_fuel().unwrap_or(0))
}

/// Turns a wasmtime error into a [`CallError`]. A denied memory growth comes first: it is the
/// root cause of whatever happened next (Rust aborts on allocation failure, which traps).
fn classify(error: &wasmtime::Error, limits: Limits, denied: Option<u64>) -> CallError {
    if let Some(requested) = denied {
        return CallError::MemoryLimit {
            requested,
            limit: limits.max_memory,
            trapped: true,
        };
    }
    if let Some(trap) = error.downcast_ref::<Trap>() {
        return match trap {
            Trap::OutOfFuel => CallError::OutOfFuel {
                budget: limits.max_fuel,
            },
            Trap::Interrupt => CallError::TimedOut {
                timeout: limits.timeout,
            },
            Trap::UnreachableCodeReached => CallError::Trap {
                message: format!(
                    "{trap}, probably a Rust panic (a no_std panic handler is `unreachable`) in {}",
                    trap_function(error)
                ),
            },
            other => CallError::Trap {
                message: other.to_string(),
            },
        };
    }
    if let Some(exit) = error.downcast_ref::<I32Exit>() {
        return CallError::Exit { code: exit.0 };
    }
    if let Some(import) = error.downcast_ref::<UnresolvedImport>() {
        return CallError::UnresolvedImport {
            module: import.module.clone(),
            name: import.name.clone(),
        };
    }
    if let Some(failed) = error.downcast_ref::<InstantiateError>() {
        return CallError::Instantiate {
            message: failed.0.clone(),
        };
    }
    // Any other error of a call comes from a host function the plugin called, i.e. a WASI
    // function that wasmtime-wasi turned into a trap (e.g. `random_get` over its 64 MiB
    // limit): the plugin's trap, not a fault of the host.
    CallError::Trap {
        message: format!("a WASI call trapped: {}", error_message(error)),
    }
}

/// Where a trap happened: the innermost frame's function name, or its index when the module has
/// no name section (build with `debug = 1` or without `strip` to get names).
fn trap_function(error: &wasmtime::Error) -> String {
    let frame = error
        .downcast_ref::<wasmtime::WasmBacktrace>()
        .and_then(|trace| {
            trace
                .frames()
                .first()
                .map(|f| (f.func_index(), f.func_name().map(str::to_string)))
        });
    match frame {
        Some((_, Some(name))) => format!("`{}`", one_line(&name)),
        Some((index, None)) => format!("function #{index} (the module has no names)"),
        None => "an unknown function".to_string(),
    }
}

/// Calls `func` under the limits, measuring fuel and, when `timed`, wall time (otherwise
/// [`CallStats::elapsed`] is zero: the request cycle does not read the clock around `alloc`
/// and `dealloc`, whose times nobody reports). Fuel is refilled first unless the instance
/// shares one budget ([`FuelMode::PerInstance`]).
fn timed_call<P: WasmParams, R: WasmResults>(
    store: &mut Store<HostState>,
    limits: Limits,
    check_deadline: Option<Instant>,
    fuel_mode: FuelMode,
    func: &TypedFunc<P, R>,
    params: P,
    timed: bool,
) -> (Result<R, CallError>, CallStats) {
    if let Err(e) = arm(
        store,
        limits,
        check_deadline,
        fuel_mode == FuelMode::PerCall,
    ) {
        return (Err(e), CallStats::default());
    }
    let fuel_before = store.get_fuel().unwrap_or(0);
    // The clock is read around every call (two reads, ~50 ns): time spent in host functions
    // cannot be interrupted and is only seen this way.
    let started = Instant::now();
    let result = func.call(&mut *store, params);
    let elapsed = started.elapsed();
    let stats = CallStats {
        fuel: used_fuel(store, fuel_before),
        elapsed: if timed { elapsed } else { Duration::ZERO },
    };
    let result = settle(store, result, elapsed, limits, check_deadline);
    (result, stats)
}

/// One instance of a plugin, with its store; see the module documentation.
pub struct PluginInstance {
    store: Store<HostState>,
    memory: Option<Memory>,
    init: Option<TypedFunc<(), i64>>,
    execute: Option<TypedFunc<(i32, i32), i32>>,
    execute_postcard: Option<TypedFunc<(i32, i32), i32>>,
    alloc: Option<TypedFunc<i32, i32>>,
    dealloc: Option<TypedFunc<(i32, i32), ()>>,
    limits: Limits,
    check_deadline: Option<Instant>,
    fuel_mode: FuelMode,
    discarded: bool,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
    instantiation: CallStats,
    // Dropped with the instance, in this order: the disk watcher stops, the sandbox directory
    // is removed, the ticker may stop.
    _disk_watcher: Option<DiskWatcher>,
    _sandbox: Option<ScratchDir>,
    _ticker: Arc<Ticker>,
}

impl std::fmt::Debug for PluginInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginInstance")
            .field("limits", &self.limits)
            .field("discarded", &self.discarded)
            .finish_non_exhaustive()
    }
}

/// Calls an optional typed function of an instance, marking the instance discarded on a trap.
/// Timed unless a fifth argument `false` is given.
macro_rules! call_export {
    ($self:ident, $field:ident, $name:expr, $params:expr) => {
        call_export!($self, $field, $name, $params, true)
    };
    ($self:ident, $field:ident, $name:expr, $params:expr, $timed:expr) => {{
        if $self.discarded {
            (Err(CallError::Discarded), CallStats::default())
        } else if let Some(func) = $self.$field.as_ref() {
            let (result, stats) = timed_call(
                &mut $self.store,
                $self.limits,
                $self.check_deadline,
                $self.fuel_mode,
                func,
                $params,
                $timed,
            );
            if let Err(e) = &result {
                if e.discards_instance() {
                    $self.discarded = true;
                }
            }
            (result, stats)
        } else {
            (
                Err(CallError::MissingExport { name: $name }),
                CallStats::default(),
            )
        }
    }};
}

impl PluginInstance {
    /// Fuel and time the instantiation (start function included) took.
    pub fn instantiation_stats(&self) -> CallStats {
        self.instantiation
    }

    /// Whether a trap discarded this instance.
    pub fn is_discarded(&self) -> bool {
        self.discarded
    }

    /// Whether `execute_postcard` is exported with its ABI type.
    pub fn has_postcard(&self) -> bool {
        self.execute_postcard.is_some()
    }

    /// Current size of the exported memory in bytes (0 without one).
    pub fn memory_size(&self) -> u64 {
        self.memory.map_or(0, |m| {
            u64::try_from(m.data_size(&self.store)).unwrap_or(u64::MAX)
        })
    }

    /// The largest memory size this instance reached, in bytes (initial size included).
    pub fn memory_high_water(&self) -> u64 {
        self.store.data().limiter.high_water
    }

    /// What the plugin wrote to stdout and stderr so far.
    pub fn captured_output(&self) -> Captured {
        Captured {
            stdout: self.stdout.contents().to_vec(),
            stderr: self.stderr.contents().to_vec(),
        }
    }

    /// Whether stdout or stderr reached [`CAPTURE_CAPACITY`].
    pub fn capture_full(&self) -> bool {
        self.stdout.contents().len() >= CAPTURE_CAPACITY
            || self.stderr.contents().len() >= CAPTURE_CAPACITY
    }

    /// Calls `init` and returns the metadata bytes it points at, after checking that the
    /// pointer and length describe memory (no u32 wrap) and that the length is at most
    /// [`abi::MAX_METADATA_LEN`].
    pub fn init(&mut self) -> Result<InitOutput, CallError> {
        let (result, stats) = call_export!(self, init, abi::EXPORT_INIT, ());
        let packed = result?;
        // The i64 is a bit pattern: reinterpret, do not convert.
        let (ptr, len) = abi::unpack(packed as u64);
        if len as usize > abi::MAX_METADATA_LEN {
            return Err(CallError::MetadataTooLarge {
                len,
                max: abi::MAX_METADATA_LEN,
            });
        }
        let metadata = self.read("init", ptr, len)?;
        Ok(InitOutput {
            ptr,
            metadata,
            stats,
        })
    }

    /// Calls `init` and returns the raw packed result, without interpreting it.
    pub fn init_raw(&mut self) -> Result<(i64, CallStats), CallError> {
        let (result, stats) = call_export!(self, init, abi::EXPORT_INIT, ());
        result.map(|v| (v, stats))
    }

    /// Copies `len` bytes at `ptr` out of guest memory, checking the range.
    pub fn read(&self, what: &'static str, ptr: u32, len: u32) -> Result<Vec<u8>, CallError> {
        let range = self.range(what, ptr, len)?;
        let memory = self.memory.ok_or(CallError::MissingExport {
            name: abi::EXPORT_MEMORY,
        })?;
        Ok(memory
            .data(&self.store)
            .get(range)
            .map(<[u8]>::to_vec)
            .unwrap_or_default())
    }

    /// Writes `bytes` at `ptr`, checking the range.
    pub fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), CallError> {
        let len = u32::try_from(bytes.len())
            .map_err(|_| CallError::RequestTooLarge { len: bytes.len() })?;
        let range = self.range("alloc", ptr, len)?;
        let memory = self.memory.ok_or(CallError::MissingExport {
            name: abi::EXPORT_MEMORY,
        })?;
        if let Some(target) = memory.data_mut(&mut self.store).get_mut(range) {
            target.copy_from_slice(bytes);
        }
        Ok(())
    }

    /// The byte range `ptr..ptr + len` if it lies inside memory.
    fn range(
        &self,
        what: &'static str,
        ptr: u32,
        len: u32,
    ) -> Result<std::ops::Range<usize>, CallError> {
        if self.memory.is_none() {
            return Err(CallError::MissingExport {
                name: abi::EXPORT_MEMORY,
            });
        }
        let memory_size = self.memory_size();
        let out_of_bounds = CallError::OutOfBounds {
            what,
            ptr,
            len,
            memory_size,
        };
        let end = ptr.checked_add(len).ok_or(out_of_bounds.clone())?;
        if u64::from(end) > memory_size {
            return Err(out_of_bounds);
        }
        Ok(ptr as usize..end as usize)
    }

    /// Calls `alloc(len)` and returns the pointer as is (null and range are not checked).
    pub fn alloc(&mut self, len: u32) -> Result<(u32, CallStats), CallError> {
        // ABI lengths and pointers are i32 bit patterns of u32 values.
        let (result, stats) = call_export!(self, alloc, abi::EXPORT_ALLOC, len as i32);
        result.map(|p| (p as u32, stats))
    }

    /// `alloc` in the request cycle: budgeted like every call, but not timed.
    fn alloc_in_cycle(&mut self, len: u32) -> Result<(u32, CallStats), CallError> {
        let (result, stats) = call_export!(self, alloc, abi::EXPORT_ALLOC, len as i32, false);
        result.map(|p| (p as u32, stats))
    }

    /// `dealloc` in the request cycle: budgeted like every call, but not timed.
    fn dealloc_in_cycle(&mut self, ptr: u32, len: u32) -> Result<CallStats, CallError> {
        let (result, stats) = call_export!(
            self,
            dealloc,
            abi::EXPORT_DEALLOC,
            (ptr as i32, len as i32),
            false
        );
        result.map(|()| stats)
    }

    /// Calls `dealloc(ptr, len)`.
    pub fn dealloc(&mut self, ptr: u32, len: u32) -> Result<CallStats, CallError> {
        let (result, stats) =
            call_export!(self, dealloc, abi::EXPORT_DEALLOC, (ptr as i32, len as i32));
        result.map(|()| stats)
    }

    /// Calls `execute(ptr, len)` on whatever is in memory there.
    pub fn execute(&mut self, ptr: u32, len: u32) -> Result<(i32, CallStats), CallError> {
        let (result, stats) =
            call_export!(self, execute, abi::EXPORT_EXECUTE, (ptr as i32, len as i32));
        result.map(|code| (code, stats))
    }

    /// Calls `execute_postcard(ptr, len)`.
    pub fn execute_postcard(&mut self, ptr: u32, len: u32) -> Result<(i32, CallStats), CallError> {
        let (result, stats) = call_export!(
            self,
            execute_postcard,
            abi::EXPORT_EXECUTE_POSTCARD,
            (ptr as i32, len as i32)
        );
        result.map(|code| (code, stats))
    }

    /// One JSON request the way the template README's host sends it: `alloc`, write, `execute`,
    /// `dealloc`, on this (warm) instance.
    pub fn request(&mut self, body: &[u8]) -> Result<RequestOutcome, RequestError> {
        self.request_to(Entry::Json, body)
    }

    /// One postcard request through `execute_postcard`, with the same cycle.
    pub fn request_postcard(&mut self, body: &[u8]) -> Result<RequestOutcome, RequestError> {
        self.request_to(Entry::Postcard, body)
    }

    /// One request to either entry point.
    pub fn request_to(
        &mut self,
        entry: Entry,
        body: &[u8],
    ) -> Result<RequestOutcome, RequestError> {
        let cycle_started = Instant::now();
        let alloc_error = |error| RequestError {
            stage: Stage::Alloc,
            error,
        };
        let len = u32::try_from(body.len())
            .ok()
            .filter(|&l| l <= i32::MAX as u32)
            .ok_or(alloc_error(CallError::RequestTooLarge { len: body.len() }))?;
        let (ptr, alloc_stats) = self.alloc_in_cycle(len).map_err(alloc_error)?;
        if ptr == 0 && len > 0 {
            return Err(alloc_error(CallError::NullPointer { len }));
        }
        self.write(ptr, body).map_err(alloc_error)?;
        let executed = match entry {
            Entry::Json => self.execute(ptr, len),
            Entry::Postcard => self.execute_postcard(ptr, len),
        };
        let (code, stats) = executed.map_err(|error| RequestError {
            stage: Stage::Execute,
            error,
        })?;
        let dealloc_stats = self
            .dealloc_in_cycle(ptr, len)
            .map_err(|error| RequestError {
                stage: Stage::Dealloc,
                error,
            })?;
        Ok(RequestOutcome {
            code,
            fuel: stats.fuel,
            alloc_fuel: alloc_stats.fuel,
            dealloc_fuel: dealloc_stats.fuel,
            elapsed: stats.elapsed,
            cycle_elapsed: cycle_started.elapsed(),
            ptr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_fuel: 1_000_000,
            timeout: Duration::from_millis(200),
            max_memory: 2 * 65536,
            max_compile_time: Duration::from_secs(60),
            max_check_time: Duration::from_secs(60),
            max_disk: 1 << 20,
        }
    }

    fn instance(wat: &str) -> Result<PluginInstance, CallError> {
        let plugin = Plugin::load(&wat::parse_str(wat).unwrap(), limits()).unwrap();
        plugin.instantiate(&plugin.initial_grants())
    }

    #[test]
    fn engine_matches_the_workspace_pin() {
        let manifest = include_str!("../../Cargo.toml");
        let version = ENGINE.strip_prefix("wasmtime ").unwrap();
        assert!(
            manifest.contains(&format!("wasmtime = {{ version = \"={version}\"")),
            "ENGINE must name the pinned wasmtime version"
        );
    }

    #[test]
    fn deadline_ticks_round_up() {
        let mut l = limits();
        assert_eq!(l.deadline_ticks(), 20);
        l.timeout = Duration::from_millis(15);
        assert_eq!(l.deadline_ticks(), 2);
        l.timeout = Duration::from_nanos(1);
        assert_eq!(l.deadline_ticks(), 1);
    }

    #[test]
    fn fuel_is_measured_and_refilled() {
        let mut i = instance(
            r#"(module (memory (export "memory") 1)
                (func (export "execute") (param i32 i32) (result i32)
                    (local i32)
                    (loop (local.set 2 (i32.add (local.get 2) (i32.const 1)))
                          (br_if 0 (i32.lt_u (local.get 2) (i32.const 100))))
                    i32.const 0))"#,
        )
        .unwrap();
        let (code, a) = i.execute(0, 0).unwrap();
        let (_, b) = i.execute(0, 0).unwrap();
        assert_eq!(code, 0);
        assert!(a.fuel > 100, "fuel {}", a.fuel);
        assert_eq!(a.fuel, b.fuel, "fuel is deterministic and refilled");
    }

    #[test]
    fn classifies_fuel_time_memory_and_traps() {
        let mut i = instance(
            r#"(module (memory (export "memory") 1)
                (func (export "execute") (param i32 i32) (result i32)
                    (loop (br 0)) i32.const 0))"#,
        )
        .unwrap();
        assert_eq!(
            i.execute(0, 0).unwrap_err(),
            CallError::OutOfFuel { budget: 1_000_000 }
        );
        assert!(i.is_discarded());
        assert_eq!(i.execute(0, 0).unwrap_err(), CallError::Discarded);

        let mut i = instance(
            r#"(module (memory (export "memory") 1)
                (func (export "execute") (param i32 i32) (result i32)
                    (drop (memory.grow (i32.const 1)))
                    (memory.grow (i32.const 1))))"#,
        )
        .unwrap();
        let err = i.execute(0, 0).unwrap_err();
        assert_eq!(
            err,
            CallError::MemoryLimit {
                requested: 3 * 65536,
                limit: 2 * 65536,
                trapped: false
            }
        );
        assert!(!i.is_discarded());
        assert_eq!(i.memory_high_water(), 2 * 65536);

        let mut i = instance(
            r#"(module (memory (export "memory") 1)
                (func $f (export "execute") (param i32 i32) (result i32)
                    (call $f (local.get 0) (local.get 1))))"#,
        )
        .unwrap();
        let err = i.execute(0, 0).unwrap_err();
        assert_eq!(
            err,
            CallError::Trap {
                message: "wasm trap: call stack exhausted".to_string()
            }
        );
    }

    #[test]
    fn times_out() {
        let plugin = Plugin::load(
            &wat::parse_str(
                r#"(module (memory (export "memory") 1)
                    (func (export "execute") (param i32 i32) (result i32)
                        (loop (br 0)) i32.const 0))"#,
            )
            .unwrap(),
            Limits {
                max_fuel: u64::MAX,
                ..limits()
            },
        )
        .unwrap();
        let mut i = plugin.instantiate(&plugin.initial_grants()).unwrap();
        let started = Instant::now();
        let err = i.execute(0, 0).unwrap_err();
        assert_eq!(
            err,
            CallError::TimedOut {
                timeout: Duration::from_millis(200)
            }
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn initial_memory_over_the_limit_fails_instantiation() {
        let err = instance(r#"(module (memory (export "memory") 3))"#).unwrap_err();
        assert_eq!(
            err,
            CallError::MemoryLimit {
                requested: 3 * 65536,
                limit: 2 * 65536,
                trapped: true
            }
        );
        assert!(instance(r#"(module (memory (export "memory") 2))"#).is_ok());
    }

    #[test]
    fn init_pointer_checks() {
        let mut i = instance(
            r#"(module (memory (export "memory") 1)
                (func (export "init") (result i64) i64.const 0xFFFFFF0000000200))"#,
        )
        .unwrap();
        let err = i.init().unwrap_err();
        assert!(err.to_string().contains("wraps"), "{err}");
        let mut i = instance(
            r#"(module (memory (export "memory") 1)
                (func (export "init") (result i64) i64.const 0x0000FFF000000020))"#,
        )
        .unwrap();
        let err = i.init().unwrap_err();
        assert!(err.to_string().contains("past the end of memory"), "{err}");
    }

    #[test]
    fn unresolved_imports_are_stubs() {
        let mut i = instance(
            r#"(module (import "env" "f" (func $f (result i32))) (memory (export "memory") 1)
                (func (export "execute") (param i32 i32) (result i32) call $f))"#,
        )
        .unwrap();
        assert_eq!(
            i.execute(0, 0).unwrap_err(),
            CallError::UnresolvedImport {
                module: "env".into(),
                name: "f".into()
            }
        );
    }

    #[test]
    fn request_cycle() {
        let mut i = instance(
            r#"(module (memory (export "memory") 1)
                (func (export "alloc") (param i32) (result i32) i32.const 1024)
                (func (export "dealloc") (param i32 i32))
                (func (export "execute") (param i32 i32) (result i32)
                    (i32.load8_u (local.get 0))))"#,
        )
        .unwrap();
        let outcome = i.request(b"\x07abc").unwrap();
        assert_eq!(outcome.code, 7);
        assert_eq!(outcome.ptr, 1024);
        assert!(outcome.cycle_elapsed >= outcome.elapsed);
    }
}
