//! Reading a plugin file, with the checks that make a bad path a usage error.
//!
//! A missing file, a directory or an unreadable file is the user's mistake, not the plugin's:
//! it exits with code 2, not 1. The size cap keeps a wrong path (a disk image, a log) from
//! being read into memory whole; no real plugin comes near it.

use std::io::Read;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Largest file host-check reads: 256 MiB.
pub const MAX_INPUT_SIZE: u64 = 256 * 1024 * 1024;

/// Why a plugin file could not be read (a usage error, exit code 2).
#[derive(Debug, Error)]
pub enum InputError {
    /// No such file.
    #[error("{}: no such file", path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// A directory was given.
    #[error("{}: is a directory, expected a .wasm file", path.display())]
    IsDirectory {
        /// The path given.
        path: PathBuf,
    },
    /// The file is larger than [`MAX_INPUT_SIZE`].
    #[error("{}: is larger than {} MiB; is it really a plugin?", path.display(), MAX_INPUT_SIZE >> 20)]
    TooLarge {
        /// The path given.
        path: PathBuf,
    },
    /// Any other I/O error (permissions ...).
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The path given.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Reads a whole file of at most [`MAX_INPUT_SIZE`] bytes.
pub fn read_file(path: &Path) -> Result<Vec<u8>, InputError> {
    let io = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::NotFound => InputError::NotFound {
            path: path.to_path_buf(),
        },
        _ => InputError::Io {
            path: path.to_path_buf(),
            source,
        },
    };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if metadata.is_dir() {
        return Err(InputError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    // Read one byte past the cap to detect an oversized file (or a growing special file).
    file.take(MAX_INPUT_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| {
            // Reading a directory on some systems only fails here.
            if source.raw_os_error() == Some(21) {
                InputError::IsDirectory {
                    path: path.to_path_buf(),
                }
            } else {
                io(source)
            }
        })?;
    if bytes.len() as u64 > MAX_INPUT_SIZE {
        return Err(InputError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scratch::ScratchDir;

    #[test]
    fn usage_errors() {
        let dir = ScratchDir::new("input-test").unwrap();
        assert!(matches!(
            read_file(&dir.path().join("missing.wasm")),
            Err(InputError::NotFound { .. })
        ));
        assert!(matches!(
            read_file(dir.path()),
            Err(InputError::IsDirectory { .. })
        ));
        let file = dir.path().join("p.wasm");
        std::fs::write(&file, b"\0asm").unwrap();
        assert_eq!(read_file(&file).unwrap(), b"\0asm");
    }
}
