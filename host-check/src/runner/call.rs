//! One budgeted call, the enforcement logic of the runner: arm the store (fuel, epoch
//! deadline, check-time and disk budgets), call, then settle the outcome (denied memory, disk,
//! interrupts, late returns) and classify wasmtime's error into a [`CallError`].
//!
//! Instantiation ([`Plugin::instantiate_with`](super::Plugin::instantiate_with)) and every
//! export call ([`PluginInstance`](super::PluginInstance)) go through these same functions, so
//! that a call is bounded and classified the same way whatever it is.

use std::time::{Duration, Instant};

use wasmtime::{Store, Trap, TypedFunc, WasmParams, WasmResults};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::I32Exit;

use super::error::{error_message, host_error, CallError, InstantiateError, UnresolvedImport};
use super::limits::{ticks, FuelMode, Limits, MemoryLimiter};
use crate::disk::DiskQuota;
use crate::fmt::one_line;

/// Cost of one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallStats {
    /// Fuel used.
    pub fuel: u64,
    /// Wall time of the call itself.
    pub elapsed: Duration,
}

/// Per-store state: the memory limiter, the WASI context and the disk quota.
pub(super) struct HostState {
    pub(super) limiter: MemoryLimiter,
    pub(super) wasi: WasiP1Ctx,
    pub(super) disk: Option<DiskQuota>,
}

/// Arms the store for one call: a full fuel budget when `refuel` (an instance with one budget
/// for its whole life keeps what is left), and an epoch deadline at the per-call timeout or at
/// the end of the check-time budget, whichever comes first. A spent check-time budget refuses
/// the call.
pub(super) fn arm(
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
pub(super) fn settle<R>(
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
pub(super) fn used_fuel(store: &Store<HostState>, budget: u64) -> u64 {
    budget.saturating_sub(store.get_fuel().unwrap_or(0))
}

/// Turns a wasmtime error into a [`CallError`]. A denied memory growth comes first: it is the
/// root cause of whatever happened next (Rust aborts on allocation failure, which traps).
pub(super) fn classify(error: &wasmtime::Error, limits: Limits, denied: Option<u64>) -> CallError {
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
pub(super) fn trap_function(error: &wasmtime::Error) -> String {
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
pub(super) fn timed_call<P: WasmParams, R: WasmResults>(
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
