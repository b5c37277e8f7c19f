//! The runner: wasmtime engine, store and instance, and every plugin call under budgets.
//!
//! Laid out by noun, each file using only those before it: `limits` (what a plugin may use),
//! `error` (what can go wrong), `call` (arming, settling and classifying one call), `engine`
//! (configuration, epoch ticker, compilation), `link` (WASI and import stubs), `instance` (the
//! ABI calls), `plugin` (a compiled module, instantiated) and `open` (load, `init`, metadata,
//! grants).
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
//!   against [`Limits::max_disk`] (measured by host-check's `disk` module);
//! - **memory**: a [`ResourceLimiter`](wasmtime::ResourceLimiter) that allows one instance with one memory of at most
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

mod call;
mod engine;
mod error;
mod instance;
mod limits;
mod link;
mod open;
mod plugin;
#[cfg(test)]
mod tests;

pub use call::CallStats;
pub use engine::{disabled_features, engine_config, wasm_features, ENGINE};
pub use error::{CallError, LoadError, RequestError, Stage};
pub use instance::{Captured, Entry, InitOutput, PluginInstance, RequestOutcome};
pub use limits::{FuelMode, Grants, Limits, EPOCH_TICK, MAX_TABLES, MAX_TABLE_ELEMENTS};
pub use link::{CAPTURE_CAPACITY, SANDBOX_GUEST_PATH};
pub use open::{OpenError, Opened};
pub use plugin::Plugin;
