//! The fuzzers' regression corpus, `fuzz/corpus/<target>/`: listed in one order, and replayed
//! through a check on stable (`make test`), so a finding stays a test without nightly.

use std::path::{Path, PathBuf};

/// Every file of `target`'s corpus, sorted; panics (failing the test) when there is none.
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

/// The file name of a corpus file, for messages.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Runs `check` on every file of `target`'s corpus and returns how many there were; a check
/// that panics fails the replay with the file named (the check's own message is above it).
pub fn replay(target: &str, mut check: impl FnMut(&[u8])) -> usize {
    let files = corpus(target);
    for path in &files {
        let bytes = std::fs::read(path).expect("readable corpus file");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&bytes)));
        assert!(
            outcome.is_ok(),
            "fuzz/corpus/{target}/{} fails (message above)",
            file_name(path)
        );
    }
    files.len()
}
