//! Scratch directories that clean up after themselves.
//!
//! host-check needs short-lived places on disk: the sandbox directory preopened for plugins that
//! declare the `filesystem` capability, and the input/output files of `wasm-opt`. Both must not
//! collide with a parallel run (CI runs many checks at once) and must disappear afterwards, even
//! when a check fails, so each lives in a uniquely named directory under [`std::env::temp_dir`]
//! that is removed when its [`ScratchDir`] is dropped. No extra crate is needed for that.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Distinguishes directories created by one process in the same nanosecond.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A directory under the system temp dir, removed with everything in it on drop.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// Creates a new, empty directory named `host-check-<purpose>-<pid>-<time>-<n>`.
    pub fn new(purpose: &str) -> io::Result<ScratchDir> {
        let base = std::env::temp_dir();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let mut last_error = None;
        // `create_dir` fails on an existing path, so a name clash is retried, never shared.
        for _ in 0..16 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!(
                "host-check-{purpose}-{}-{nanos}-{n}",
                std::process::id()
            ));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(ScratchDir { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("no unique scratch directory name")))
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // Best effort: a leftover temp directory is not worth failing a check over.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_unique_and_removed() {
        let a = ScratchDir::new("test").unwrap();
        let b = ScratchDir::new("test").unwrap();
        assert_ne!(a.path(), b.path());
        std::fs::write(a.path().join("file"), b"x").unwrap();
        let path = a.path().to_path_buf();
        drop(a);
        assert!(!path.exists());
        assert!(b.path().is_dir());
    }
}
