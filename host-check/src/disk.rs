//! The disk budget of the sandbox directory.
//!
//! A plugin that declares the `filesystem` capability gets a preopened scratch directory. Without
//! a quota it could fill the disk: a single `fd_write` loop writes gigabytes well within the
//! per-call timeout.
//!
//! Why measuring and not intercepting: wasmtime-wasi's functions cannot be wrapped. A host
//! function that calls the original through `Func::call` runs it without the plugin as caller,
//! so the original cannot reach the plugin's memory ("missing required memory export"), and
//! the implementation behind `add_to_linker_sync` is private. So the directory itself is
//! measured ([`usage`]: apparent file sizes plus [`ENTRY_COST`] per entry, so that a million
//! empty files count too), by a watcher thread every [`DISK_POLL`] while an instance lives,
//! and once more after every call. When the usage passes the budget
//! ([`crate::settings::Limits::max_disk`], `--max-disk`), the watcher interrupts the running
//! call (it advances the plugin's own engine epoch past any deadline) and every later call of
//! the instance is refused; the call is reported as a disk-limit failure.
//!
//! The bound: a plugin is stopped within one poll interval of crossing the budget, plus one
//! host call in flight (wasmtime-wasi writes one iovec per `fd_write`, at most the plugin's
//! memory, `--max-memory`). At page-cache speeds that is tens of MB past the budget, never a
//! gigabyte. Each instance has its own directory, removed when the instance is dropped, so
//! the disk used at any time is one budget (plus that overshoot).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::Engine;

/// What one file, directory or link is charged on top of its size: one 4 KiB block.
pub const ENTRY_COST: u64 = 4096;

/// Interval at which the watcher measures the sandbox directory.
pub const DISK_POLL: Duration = Duration::from_millis(10);

/// The disk usage of `dir`: apparent sizes of its files plus [`ENTRY_COST`] per entry,
/// recursively (symbolic links are not followed). Stops counting once above `stop_above`, so
/// that a directory of a million entries costs at most `stop_above / ENTRY_COST` stats.
pub fn usage(dir: &Path, stop_above: u64) -> u64 {
    let mut total: u64 = 0;
    let mut pending: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries.flatten() {
            total = total.saturating_add(ENTRY_COST);
            if let Ok(metadata) = entry.metadata() {
                if metadata.is_dir() {
                    pending.push(entry.path());
                } else {
                    total = total.saturating_add(metadata.len());
                }
            }
            if total > stop_above {
                return total;
            }
        }
    }
    total
}

/// The disk state of one instance: its budget and what was measured.
#[derive(Debug, Clone)]
pub struct DiskQuota {
    dir: PathBuf,
    limit: u64,
    /// The largest usage measured over the budget (0: not passed).
    over: Arc<AtomicU64>,
    /// The largest usage measured, shared by every instance of one plugin.
    high_water: Arc<AtomicU64>,
}

impl DiskQuota {
    /// The budget of `limit` bytes for `dir`; the largest usage goes to `high_water`, the
    /// usage that passed the budget to `over` (both shared by the instances of one plugin: once
    /// one instance passed the budget, the plugin's later calls are refused).
    pub fn new(
        dir: &Path,
        limit: u64,
        high_water: Arc<AtomicU64>,
        over: Arc<AtomicU64>,
    ) -> DiskQuota {
        DiskQuota {
            dir: dir.to_path_buf(),
            limit,
            over,
            high_water,
        }
    }

    /// Measures the directory now; the usage when it is over the budget.
    pub fn measure(&self) -> Option<u64> {
        let used = usage(&self.dir, self.limit);
        self.high_water.fetch_max(used, Ordering::Relaxed);
        if used > self.limit {
            self.over.fetch_max(used, Ordering::Relaxed);
        }
        self.exceeded()
    }

    /// The usage that passed the budget, if it was passed.
    pub fn exceeded(&self) -> Option<u64> {
        Some(self.over.load(Ordering::Relaxed)).filter(|&u| u > 0)
    }

    /// Starts the watcher thread: it measures every [`DISK_POLL`] and, once over the budget,
    /// advances `engine`'s epoch `interrupt_ticks` times, past any deadline of a running call.
    pub fn watch(&self, engine: Engine, interrupt_ticks: u64) -> DiskWatcher {
        let (stop, stopped) = mpsc::channel::<()>();
        let quota = self.clone();
        let thread = std::thread::Builder::new()
            .name("host-check-disk".to_string())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(DISK_POLL) {
                    if quota.measure().is_some() {
                        for _ in 0..interrupt_ticks {
                            engine.increment_epoch();
                        }
                        break;
                    }
                }
            })
            .ok();
        DiskWatcher {
            stop: Some(stop),
            thread,
        }
    }
}

/// Stops and joins the watcher thread when dropped.
#[derive(Debug)]
pub struct DiskWatcher {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl DiskWatcher {
    /// Whether the thread could be started.
    pub fn is_running(&self) -> bool {
        self.thread.is_some()
    }
}

impl Drop for DiskWatcher {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scratch::ScratchDir;

    #[test]
    fn usage_counts_sizes_and_entries() {
        let dir = ScratchDir::new("disk-test").unwrap();
        assert_eq!(usage(dir.path(), u64::MAX), 0);
        std::fs::write(dir.path().join("a"), vec![0u8; 1000]).unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::fs::write(dir.path().join("d").join("b"), b"xy").unwrap();
        assert_eq!(usage(dir.path(), u64::MAX), 3 * ENTRY_COST + 1002);
        // Counting stops early above the bound.
        assert!(usage(dir.path(), 10) > 10);
        let high_water = Arc::new(AtomicU64::new(0));
        let over = Arc::new(AtomicU64::new(0));
        let quota = DiskQuota::new(dir.path(), 20_000, Arc::clone(&high_water), over);
        assert_eq!(quota.measure(), None);
        std::fs::write(dir.path().join("c"), vec![0u8; 8000]).unwrap();
        assert!(quota.measure().is_some());
        assert!(high_water.load(Ordering::Relaxed) > 20_000);
    }
}
