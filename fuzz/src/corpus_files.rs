//! The files of a fuzz target's regression corpus, `fuzz/corpus/<target>/`, sorted.
//!
//! Not part of the fuzz crate: the stable replay tests (`core-abi/tests/corpus_replay.rs`,
//! `host-check/tests/corpus_replay.rs`) include it with `#[path]`, so both list the corpus
//! the same way.

use std::path::{Path, PathBuf};

/// Every file of `target`'s corpus; panics (failing the test) when there is none.
pub fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus in {}", dir.display());
    files
}
