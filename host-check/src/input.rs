//! Reading every file host-check is given: plugins, budget files, MIDIMon configs, requests.
//!
//! A missing file, a directory or an unreadable file is the user's mistake, not the plugin's:
//! it exits with code 2, not 1. Every file is read the same bounded way, so that no path can
//! make host-check hang or grow without bound:
//!
//! - only a **regular file** is read. A FIFO would block `open` and `read` forever, a character
//!   device such as `/dev/zero` or `/dev/urandom` never ends, a socket cannot be read at all.
//!   The type is checked on the path before opening, and again on the open descriptor (the
//!   path may have been swapped in between); the open itself is non-blocking on Unix, so a
//!   FIFO swapped in at the last moment cannot block it either;
//! - each kind of file has a **size cap** ([`FileKind::limit`]): 1 MiB for a budget file,
//!   16 MiB for a MIDIMon config or a request body, 256 MiB for a plugin. The size on disk is
//!   checked first, then at most cap + 1 bytes are read (a file that grows while being read).
//!   Real files are orders of magnitude smaller: a budget file is a dozen lines, the largest
//!   real plugins are a few MiB.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Largest plugin file host-check reads: 256 MiB.
pub const MAX_INPUT_SIZE: u64 = 256 * 1024 * 1024;
/// Largest budget file: 1 MiB.
pub const MAX_BUDGET_SIZE: u64 = 1024 * 1024;
/// Largest MIDIMon config file: 16 MiB.
pub const MAX_CONFIG_SIZE: u64 = 16 * 1024 * 1024;
/// Largest request body file (`run --request`): 16 MiB.
pub const MAX_REQUEST_SIZE: u64 = 16 * 1024 * 1024;

/// What a file is for, which sets its size cap and the words of its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A plugin module (.wasm).
    Plugin,
    /// A budget file (`--budget`).
    Budget,
    /// A MIDIMon config (`--config`).
    Config,
    /// A request body (`run --request`).
    Request,
}

impl FileKind {
    /// The size cap, in bytes.
    pub fn limit(self) -> u64 {
        match self {
            FileKind::Plugin => MAX_INPUT_SIZE,
            FileKind::Budget => MAX_BUDGET_SIZE,
            FileKind::Config => MAX_CONFIG_SIZE,
            FileKind::Request => MAX_REQUEST_SIZE,
        }
    }

    /// `"a plugin"`, `"a budget file"` ...
    pub fn noun(self) -> &'static str {
        match self {
            FileKind::Plugin => "a plugin",
            FileKind::Budget => "a budget file",
            FileKind::Config => "a MIDIMon config",
            FileKind::Request => "a request",
        }
    }

    fn too_large_hint(self) -> &'static str {
        match self {
            FileKind::Plugin => "; is it really a plugin?",
            _ => "",
        }
    }
}

/// Why a file could not be read (a usage error, exit code 2).
#[derive(Debug, Error)]
pub enum InputError {
    /// No such file.
    #[error("{}: no such file", path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// A directory was given.
    #[error("{}: is a directory, expected {}", path.display(), expected(*kind))]
    IsDirectory {
        /// The path given.
        path: PathBuf,
        /// What the file was for.
        kind: FileKind,
    },
    /// A FIFO, device, socket ...: host-check reads only regular files.
    #[error(
        "{}: is {what}, not a regular file; host-check reads {} only from a regular file of at most {} MiB",
        path.display(),
        kind.noun(),
        kind.limit() >> 20
    )]
    NotRegular {
        /// The path given.
        path: PathBuf,
        /// What it is, e.g. "a named pipe (FIFO)".
        what: &'static str,
        /// What the file was for.
        kind: FileKind,
    },
    /// The file is larger than its kind's cap.
    #[error(
        "{}: is larger than {} MiB, the limit for {}{}",
        path.display(),
        kind.limit() >> 20,
        kind.noun(),
        kind.too_large_hint()
    )]
    TooLarge {
        /// The path given.
        path: PathBuf,
        /// What the file was for.
        kind: FileKind,
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

fn expected(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Plugin => "a .wasm file",
        FileKind::Budget => "a budget file (TOML)",
        FileKind::Config => "a MIDIMon config.toml",
        FileKind::Request => "a request file",
    }
}

/// What a non-regular file is, in words.
fn describe(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    let _ = file_type;
    "not a regular file"
}

/// Opens without blocking: `open` on a FIFO with no writer would otherwise wait forever.
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK on Linux (all architectures host-check builds for); no effect on a
        // regular file, which is all that is read afterwards.
        options.custom_flags(0o4000);
    }
    #[cfg(any(target_os = "macos", target_os = "freebsd"))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK on the BSDs and macOS.
        options.custom_flags(0x0004);
    }
    options.open(path)
}

/// Reads a whole plugin file of at most [`MAX_INPUT_SIZE`] bytes.
pub fn read_file(path: &Path) -> Result<Vec<u8>, InputError> {
    read_kind(path, FileKind::Plugin)
}

/// Reads a UTF-8 text file of `kind` (budget file, config); invalid UTF-8 is an I/O error.
pub fn read_text(path: &Path, kind: FileKind) -> Result<String, InputError> {
    let bytes = read_kind(path, kind)?;
    String::from_utf8(bytes).map_err(|e| InputError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
    })
}

/// Reads a whole regular file of `kind`, at most [`FileKind::limit`] bytes.
pub fn read_kind(path: &Path, kind: FileKind) -> Result<Vec<u8>, InputError> {
    let io = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::NotFound => InputError::NotFound {
            path: path.to_path_buf(),
        },
        _ => InputError::Io {
            path: path.to_path_buf(),
            source,
        },
    };
    let check = |metadata: &std::fs::Metadata| {
        if metadata.is_dir() {
            return Err(InputError::IsDirectory {
                path: path.to_path_buf(),
                kind,
            });
        }
        if !metadata.is_file() {
            return Err(InputError::NotRegular {
                path: path.to_path_buf(),
                what: describe(metadata.file_type()),
                kind,
            });
        }
        if metadata.len() > kind.limit() {
            return Err(InputError::TooLarge {
                path: path.to_path_buf(),
                kind,
            });
        }
        Ok(())
    };
    check(&std::fs::metadata(path).map_err(io)?)?;
    let file = open_nonblocking(path).map_err(io)?;
    // The path may have changed between the two calls: what counts is the open descriptor.
    check(&file.metadata().map_err(io)?)?;
    let mut bytes = Vec::new();
    // Read one byte past the cap to detect a file that grew after the size check.
    file.take(kind.limit() + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > kind.limit() {
        return Err(InputError::TooLarge {
            path: path.to_path_buf(),
            kind,
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

    #[test]
    fn caps_by_kind() {
        let dir = ScratchDir::new("input-test").unwrap();
        let file = dir.path().join("budget.toml");
        std::fs::write(&file, vec![b' '; MAX_BUDGET_SIZE as usize + 1]).unwrap();
        let err = read_text(&file, FileKind::Budget).unwrap_err();
        assert!(matches!(err, InputError::TooLarge { .. }));
        assert!(err
            .to_string()
            .ends_with("is larger than 1 MiB, the limit for a budget file"));
        assert!(read_kind(&file, FileKind::Config).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_not_read() {
        for kind in [FileKind::Plugin, FileKind::Request] {
            let err = read_kind(Path::new("/dev/zero"), kind).unwrap_err();
            assert!(matches!(err, InputError::NotRegular { .. }), "{err}");
            assert!(!err.to_string().contains("really a plugin"), "{err}");
        }
    }
}
