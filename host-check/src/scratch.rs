//! Scratch directories that clean up after themselves.
//!
//! host-check needs short-lived places on disk: the sandbox directory preopened for plugins that
//! declare the `filesystem` capability, and the input/output files of `wasm-opt`. Both must not
//! collide with a parallel run (CI runs many checks at once) and must disappear afterwards, even
//! when a check fails, so each lives in a uniquely named directory under [`std::env::temp_dir`]
//! that is removed when its [`ScratchDir`] is dropped. No extra crate is needed for that.
//!
//! Beyond the drop:
//!
//! - directories are created with mode 0700: a plugin's files are nobody else's business;
//! - every live directory is registered, so that [`crate::signals`] can remove them when
//!   host-check is interrupted (SIGINT, SIGTERM);
//! - a process killed outright (SIGKILL, power loss) leaves its directories behind. Their names
//!   hold the owner's pid (`host-check-<purpose>-<pid>-<nanos>-<n>`), so the first directory a
//!   later run creates triggers [`remove_stale`]: directories of this user whose pid is no
//!   longer running are removed (on Linux, where `/proc` tells; elsewhere nothing is removed).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};
use std::time::{SystemTime, UNIX_EPOCH};

/// Distinguishes directories created by one process in the same nanosecond.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Directories alive in this process, for the signal handler.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Stale directories are looked for once per process.
static STALE: Once = Once::new();

/// Prefix of every scratch directory's name.
const PREFIX: &str = "host-check-";

/// Most directory entries of the temp dir looked at for stale directories.
const MAX_STALE_SCAN: usize = 100_000;

/// A directory under the system temp dir, removed with everything in it on drop.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

/// Creates `path` with mode 0700 (on Unix).
fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
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
                "{PREFIX}{purpose}-{}-{nanos}-{n}",
                std::process::id()
            ));
            match create_private_dir(&path) {
                Ok(()) => {
                    if let Ok(mut live) = LIVE.lock() {
                        live.push(path.clone());
                    }
                    STALE.call_once(|| remove_stale(&base, &path));
                    return Ok(ScratchDir { path });
                }
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
        if let Ok(mut live) = LIVE.lock() {
            live.retain(|p| p != &self.path);
        }
    }
}

/// Removes every live scratch directory of this process (for the signal handler, just before
/// the process exits).
pub fn remove_all_live() {
    let paths = match LIVE.lock() {
        Ok(mut live) => std::mem::take(&mut *live),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    for path in paths {
        let _ = std::fs::remove_dir_all(path);
    }
}

/// Why the temporary directory cannot be used (an environment error, exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("the temporary directory {} cannot be used: {source} (set TMPDIR to a writable directory)", path.display())]
pub struct TempDirError {
    /// The temp dir.
    pub path: PathBuf,
    /// Why.
    pub source: io::Error,
}

/// Creates and removes a scratch directory, to report an unusable TMPDIR up front.
pub fn ensure_usable() -> Result<(), TempDirError> {
    ScratchDir::new("probe")
        .map(drop)
        .map_err(|source| TempDirError {
            path: std::env::temp_dir(),
            source,
        })
}

/// The pid in a scratch directory name `host-check-<purpose>-<pid>-<nanos>-<n>`.
fn owner_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    let mut parts = rest.rsplitn(4, '-');
    let n = parts.next()?;
    let nanos = parts.next()?;
    let pid = parts.next()?;
    let purpose = parts.next()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(n) && digits(nanos) && !purpose.is_empty())
        .then(|| pid.parse().ok())
        .flatten()
}

/// Whether process `pid` is known not to run (only on Linux, through `/proc`).
fn is_dead(pid: u32) -> bool {
    let proc_fs = Path::new("/proc");
    cfg!(target_os = "linux")
        && proc_fs.join("self").exists()
        && !proc_fs.join(pid.to_string()).exists()
}

/// Removes scratch directories in `base` left by host-check processes that no longer run and
/// that belong to the same user as `ours` (a directory this process just created).
pub fn remove_stale(base: &Path, ours: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    #[cfg(unix)]
    let uid = {
        use std::os::unix::fs::MetadataExt;
        match std::fs::metadata(ours) {
            Ok(m) => m.uid(),
            Err(_) => return,
        }
    };
    #[cfg(not(unix))]
    let _ = ours;
    for entry in entries.flatten().take(MAX_STALE_SCAN) {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(owner_pid) else {
            continue;
        };
        if pid == std::process::id() || !is_dead(pid) {
            continue;
        }
        let Ok(metadata) = std::fs::symlink_metadata(entry.path()) else {
            continue;
        };
        if !metadata.is_dir() {
            continue;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if metadata.uid() != uid {
                continue;
            }
        }
        let _ = std::fs::remove_dir_all(entry.path());
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

    #[cfg(unix)]
    #[test]
    fn private_to_the_user() {
        use std::os::unix::fs::PermissionsExt;
        let dir = ScratchDir::new("test").unwrap();
        let mode = std::fs::metadata(dir.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn names_hold_the_pid() {
        assert_eq!(owner_pid("host-check-sandbox-1234-99-0"), Some(1234));
        assert_eq!(owner_pid("host-check-wasm-opt-77-99-3"), Some(77));
        assert_eq!(owner_pid("host-check-x-1-2"), None);
        assert_eq!(owner_pid("other-sandbox-1-2-3"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn stale_directories_of_dead_processes_are_removed() {
        let base = ScratchDir::new("stale-test").unwrap();
        // A pid that ran and exited (reused only after the pid space wraps).
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = base.path().join(format!("host-check-sandbox-{dead}-1-0"));
        let alive = base
            .path()
            .join(format!("host-check-sandbox-{}-1-0", std::process::id()));
        let unrelated = base.path().join(format!("other-{dead}-1-0"));
        for dir in [&stale, &alive, &unrelated] {
            std::fs::create_dir(dir).unwrap();
        }
        std::fs::write(stale.join("f"), b"x").unwrap();
        remove_stale(base.path(), base.path());
        assert!(!stale.exists());
        assert!(alive.exists());
        assert!(unrelated.exists());
    }
}
