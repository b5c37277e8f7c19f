//! The limits a plugin runs under, and the grants it runs with: what [`crate::budget`]'s
//! sandbox budgets become once they reach the engine (fuel, timeout, memory, compile and check
//! time, disk), how fuel is budgeted over an instance's life, and the memory and table limiter
//! wasmtime consults on every `memory.grow`. Plain data and one `ResourceLimiter`: enforcing
//! them on a call is [`call`](super::call)'s job.

use std::time::Duration;

use core_abi::metadata::{Capability, CapabilitySet};
use wasmtime::ResourceLimiter;

use crate::budget::Budgets;

/// Interval at which the epoch advances: the resolution of the per-call timeout.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Most elements a table may have. Function tables of large Rust plugins hold a few thousand
/// entries; 100,000 (800 KB of host memory) leaves room without letting a plugin grow tables
/// without bound.
pub const MAX_TABLE_ELEMENTS: usize = 100_000;

/// Most tables a plugin may have (Rust plugins have one).
pub const MAX_TABLES: usize = 16;

/// The limits of a runner: per call, per compilation and per [`Plugin`](super::Plugin).
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
    /// Wall time all calls of one [`Plugin`](super::Plugin) (one `check`) may take together, counted from
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

/// Enforces the memory and table bounds and records the memory high-water mark.
#[derive(Debug, Clone, Copy)]
pub(super) struct MemoryLimiter {
    pub(super) limit: u64,
    pub(super) high_water: u64,
    /// The largest denied request since the last call started.
    pub(super) denied: Option<u64>,
}

impl MemoryLimiter {
    pub(super) fn new(limit: u64) -> Self {
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

/// Ticks of [`EPOCH_TICK`] in `d`, rounded up, at least one.
pub(super) fn ticks(d: Duration) -> u64 {
    let tick = EPOCH_TICK.as_nanos().max(1);
    u64::try_from(d.as_nanos().div_ceil(tick))
        .unwrap_or(u64::MAX)
        .max(1)
}
