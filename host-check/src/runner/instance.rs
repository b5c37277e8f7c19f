//! One instance of a plugin and the ABI calls on it (`init`, `alloc`, `execute`,
//! `execute_postcard`, `dealloc`, the whole request cycle), each through
//! [`timed_call`](super::call::timed_call); plus the outcomes those calls return.
//!
//! The hot path ([`PluginInstance::request`]) resolves its typed functions once per instance
//! and does not allocate on the host side, so that the benchmark measures the plugin, not us.

use std::sync::Arc;
use std::time::{Duration, Instant};

use core_abi::abi;
use wasmtime::{Instance, Memory, Store, TypedFunc};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

use super::call::{timed_call, CallStats, HostState};
use super::engine::Ticker;
use super::error::{CallError, RequestError, Stage};
use super::limits::{FuelMode, Limits};
use super::link::CAPTURE_CAPACITY;
use crate::disk::DiskWatcher;
use crate::scratch::ScratchDir;

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

/// One instance of a plugin, with its store; see the module documentation.
pub struct PluginInstance {
    pub(super) store: Store<HostState>,
    pub(super) instance: Instance,
    pub(super) memory: Option<Memory>,
    pub(super) init: Option<TypedFunc<(), i64>>,
    pub(super) execute: Option<TypedFunc<(i32, i32), i32>>,
    pub(super) execute_postcard: Option<TypedFunc<(i32, i32), i32>>,
    pub(super) alloc: Option<TypedFunc<i32, i32>>,
    pub(super) dealloc: Option<TypedFunc<(i32, i32), ()>>,
    pub(super) limits: Limits,
    pub(super) check_deadline: Option<Instant>,
    pub(super) fuel_mode: FuelMode,
    pub(super) discarded: bool,
    pub(super) stdout: MemoryOutputPipe,
    pub(super) stderr: MemoryOutputPipe,
    pub(super) instantiation: CallStats,
    // Dropped with the instance, in this order: the disk watcher stops, the sandbox directory
    // is removed, the ticker may stop.
    pub(super) _disk_watcher: Option<DiskWatcher>,
    pub(super) _sandbox: Option<ScratchDir>,
    pub(super) _ticker: Arc<Ticker>,
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

    /// The value of an exported `i64` global (`None`: no such export, or another type); how
    /// `host-check profile` reads the counters it added to a copy of the module.
    pub fn global_i64(&mut self, name: &str) -> Option<i64> {
        let global = self.instance.get_global(&mut self.store, name)?;
        global.get(&mut self.store).i64()
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
