//! `host-check optimize`: binaryen's `wasm-opt -Oz` with the flags rustc's wasm32 targets need.

use std::path::{Path, PathBuf};

use clap::Args;

use super::common::{print, read_plugin, write, Failure, Outcome, EXIT_PASS};
use crate::optimize::{self, OptimizeError};

pub(super) const EXIT_CODES: &str = "\
Exit codes:
  0  the optimised module was written
  1  wasm-opt failed on the module
  2  usage or I/O error: missing or unreadable plugin, wasm-opt not installed, --out is the
     plugin itself or cannot be written";

#[derive(Debug, Args)]
pub(super) struct Opts {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    /// Where to write the optimised module (never the plugin itself).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Optimises the plugin into `--out`.
pub(super) fn run(opts: &Opts) -> Outcome {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(&opts.plugin, &opts.out) {
        return Err(Failure::usage(format!(
            "--out {} is the plugin itself; name another file",
            opts.out.display()
        )));
    }
    let wasm = read_plugin(&opts.plugin)?;
    let optimized = optimize::optimize(&wasm).map_err(|e| match e {
        OptimizeError::NotFound => Failure::usage(e),
        e => Failure::plugin(e),
    })?;
    write(&opts.out, &optimized)?;
    print(&format!(
        "{} bytes -> {} bytes after wasm-opt -Oz ({})\n",
        wasm.len(),
        optimized.len(),
        opts.out.display()
    ));
    Ok(EXIT_PASS)
}
