//! A compiled plugin: engine, module and ticker. Compile once ([`Plugin::load`]), instantiate
//! often ([`Plugin::instantiate_with`]): each instance gets a fresh store, WASI context, memory
//! limiter and, with the `filesystem` grant, its own sandbox directory.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use core_abi::abi;
use wasmtime::{Engine, Module, Store, Trap};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{Deterministic, FsPerms, I32Exit, WasiCtxBuilder};

use super::call::{arm, settle, used_fuel, CallStats, HostState};
use super::engine::{compile, engine_config, Ticker};
use super::error::{
    error_message, CallError, InstantiateError, LoadError, UnresolvedImport, BACKTRACE_CONTEXT,
};
use super::instance::PluginInstance;
use super::limits::{FuelMode, Grants, Limits, MemoryLimiter};
use super::link::{linker, pseudo_random_bytes, CAPTURE_CAPACITY, SANDBOX_GUEST_PATH};
use crate::disk::DiskQuota;
use crate::fmt::one_line;
use crate::scratch::ScratchDir;
use crate::wasi;

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

    /// The largest disk usage of a sandbox directory measured so far (measured by host-check's `disk` module).
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
        let linker = linker(&self.engine, &self.module, grants)?;

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
            instance,
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
}
