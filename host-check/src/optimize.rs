//! Running binaryen's `wasm-opt -Oz` on a copy of a module, to measure its optimized size.
//!
//! The raw size of a plugin depends on how it was built; the size after `wasm-opt -Oz` is what a
//! size budget should really be about, since anybody can get there in one command. host-check
//! (`size.optimized`) and the benchmark both measure it, so the invocation lives here once.
//!
//! The plugin profile strips custom sections, so `wasm-opt` cannot read the features the module
//! was compiled with from a `target_features` section and would reject instructions of
//! post-MVP features. [`WASM_OPT_FEATURES`] enables what Rust's wasm32 targets emit by default
//! (bulk-memory and bulk-memory-opt, sign-ext, mutable-globals, nontrapping-fptoint,
//! multivalue, reference-types and call-indirect-overlong), spelled as binaryen 108 (Debian
//! 12) knows them: it has no separate `bulk-memory-opt` or `call-indirect-overlong` flag, they
//! are part of `bulk-memory` and `reference-types` there.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::scratch::ScratchDir;

/// The program run, looked up in `PATH`.
pub const WASM_OPT: &str = "wasm-opt";

/// The feature flags passed to `wasm-opt` (see the module documentation).
pub const WASM_OPT_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-multivalue",
    "--enable-reference-types",
];

/// How long `wasm-opt` may run before it is killed: host-check never hangs.
pub const WASM_OPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Why the optimized size could not be measured.
#[derive(Debug, Error)]
pub enum OptimizeError {
    /// `wasm-opt` is not installed.
    #[error("wasm-opt not found (install binaryen)")]
    NotFound,
    /// A temp file could not be written or read.
    #[error("wasm-opt: I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// `wasm-opt` exited with an error.
    #[error("wasm-opt failed ({status}): {stderr}")]
    Failed {
        /// The exit status.
        status: String,
        /// The first lines of its standard error.
        stderr: String,
    },
    /// `wasm-opt` ran longer than [`WASM_OPT_TIMEOUT`].
    #[error("wasm-opt did not finish within {} s and was stopped", WASM_OPT_TIMEOUT.as_secs())]
    TimedOut,
}

/// Runs `wasm-opt -Oz` on a copy of `wasm` in a scratch directory and returns the result.
pub fn optimize(wasm: &[u8]) -> Result<Vec<u8>, OptimizeError> {
    let dir = ScratchDir::new("wasm-opt")?;
    let input = dir.path().join("input.wasm");
    let output = dir.path().join("output.wasm");
    std::fs::write(&input, wasm)?;
    let mut child = match Command::new(WASM_OPT)
        .arg("-Oz")
        .args(WASM_OPT_FEATURES)
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(OptimizeError::NotFound),
        Err(e) => return Err(OptimizeError::Io(e)),
    };
    // Drain stderr on a thread so a chatty wasm-opt cannot block on a full pipe.
    let stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = stderr {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > WASM_OPT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(OptimizeError::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stderr = reader.join().unwrap_or_default();
    if !status.success() {
        let stderr: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(3)
            .collect();
        return Err(OptimizeError::Failed {
            status: status.to_string(),
            stderr: stderr.join(" / "),
        });
    }
    // Bounded like every file host-check reads (a misbehaving wasm-opt cannot blow memory up).
    crate::input::read_file(&output)
        .map_err(|e| OptimizeError::Io(std::io::Error::other(e.to_string())))
}
