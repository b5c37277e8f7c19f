//! Why a module could not be loaded or a call failed: the typed errors every caller matches
//! on, with the actionable one-line messages the reports print, and the markers (stub imports,
//! non-trap instantiation failures) that [`call`](super::call) recognises when it classifies
//! a wasmtime error.

use std::time::Duration;

use thiserror::Error;

use crate::fmt::{format_duration, one_line};

/// Why a module could not be turned into a [`Plugin`](super::Plugin).
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
    /// The compilation took longer than [`Limits::max_compile_time`](super::Limits::max_compile_time).
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
        /// [`Limits::max_check_time`](super::Limits::max_check_time).
        budget: Duration,
    },
    /// The sandbox directory grew past the disk budget; the call was interrupted (or had
    /// returned) and later calls are refused.
    #[error(
        "disk limit: the sandbox directory reached {used} bytes (limit {limit} bytes, --max-disk)"
    )]
    DiskLimit {
        /// The usage measured, in bytes (by host-check's `disk::usage`).
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
        /// [`MAX_METADATA_LEN`](core_abi::abi::MAX_METADATA_LEN).
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
pub(super) fn bounds_problem(ptr: u32, len: u32, memory_size: u64) -> String {
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

/// The error of a stub import, recognised by [`classify`].
#[derive(Debug, Error)]
#[error("called `{module}::{name}`, which MIDIMon does not provide")]
pub(super) struct UnresolvedImport {
    pub(super) module: String,
    pub(super) name: String,
}

/// An instantiation failure that is not a trap, recognised by [`classify`].
#[derive(Debug, Error)]
#[error("{0}")]
pub(super) struct InstantiateError(pub(super) String);

/// A host-side error that is not the plugin's fault.
pub(super) fn host_error(e: wasmtime::Error) -> CallError {
    CallError::Host {
        message: one_line(&format!("{e:#}")),
    }
}

/// What wasmtime's backtrace context starts with; it is dropped from one-line messages.
pub(super) const BACKTRACE_CONTEXT: &str = "error while executing at wasm backtrace";

/// An error's chain of messages without the wasm backtrace wasmtime attaches, on one line.
pub(super) fn error_message(error: &wasmtime::Error) -> String {
    let parts: Vec<String> = error
        .chain()
        .map(ToString::to_string)
        .filter(|text| !text.starts_with(BACKTRACE_CONTEXT))
        .collect();
    one_line(&parts.join(": "))
}
