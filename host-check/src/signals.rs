//! Removing scratch directories when host-check is interrupted (SIGINT, SIGTERM, SIGHUP).
//!
//! A sandbox directory is removed when its instance is dropped, but Ctrl-C or a CI job's
//! SIGTERM ends the process without running destructors. A signal handler cannot remove a
//! directory tree (nothing it may call allocates or takes a lock), so the signals are instead
//! blocked in every thread ([`install`] runs first in `main`, before any thread exists, and
//! threads inherit the mask) and one thread waits for them with `sigwait`: an ordinary thread,
//! which removes the live scratch directories and exits with the conventional status
//! 128 + signal (130 for SIGINT, 143 for SIGTERM).
//!
//! Child processes (`wasm-opt`) are not affected: `std::process::Command` resets the signal
//! mask of the child. SIGKILL cannot be caught; what it leaves behind is removed by the next
//! run (see [`crate::scratch::remove_stale`]).
//!
//! This needs `libc` (already in the dependency graph through wasmtime, so no crate is added
//! to the build) and the only `unsafe` code of host-check.

#![allow(unsafe_code)]

/// Blocks SIGINT, SIGTERM and SIGHUP in this thread (and so in every thread started later)
/// and starts the thread that handles them. Call it first in `main`. Does nothing when the
/// mask cannot be set or the thread cannot be started (the signals then keep their default
/// action, as before).
#[cfg(unix)]
pub fn install() {
    // SAFETY: `sigset_t` is a plain C struct for which all-zero bytes is a valid value, and it
    // is initialised by `sigemptyset` before use.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, exclusively borrowed `sigset_t`; the signal numbers are valid.
    let ready = unsafe {
        libc::sigemptyset(&mut set) == 0
            && libc::sigaddset(&mut set, libc::SIGINT) == 0
            && libc::sigaddset(&mut set, libc::SIGTERM) == 0
            && libc::sigaddset(&mut set, libc::SIGHUP) == 0
    };
    if !ready {
        return;
    }
    // SAFETY: `set` is initialised; a null old-set pointer is allowed.
    if unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) } != 0 {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("host-check-signals".to_string())
        .spawn(move || loop {
            let mut signal: libc::c_int = 0;
            // SAFETY: `set` is an initialised `sigset_t` owned by this thread and `signal` a
            // valid out-pointer; `sigwait` only reads the one and writes the other.
            if unsafe { libc::sigwait(&set, &mut signal) } == 0 {
                crate::scratch::remove_all_live();
                std::process::exit(128 + signal);
            }
        });
    if spawned.is_err() {
        // Nobody would handle the signals: give them back their default action.
        // SAFETY: as above.
        unsafe {
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }
}

/// Elsewhere the signals keep their default action; stale directories are still removed by
/// the next run.
#[cfg(not(unix))]
pub fn install() {}
