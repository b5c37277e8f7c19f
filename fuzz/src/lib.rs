//! Input models shared by the fuzz targets, and the host-side oracle.
//!
//! The oracles live where the stable replay tests see them too, so that a corpus file is judged
//! by the very same code in `cargo fuzz run` and in `make test`:
//!
//! - the `conformance` crate: core-abi's JSON, metadata and postcard parsers against serde_json
//!   and postcard (replayed by `core-abi/tests/corpus_replay.rs`);
//! - [`host_oracle`]: host-check's checks on arbitrary modules, and the built template plugin
//!   under wasmtime (replayed by `host-check/tests/corpus_replay.rs`, which includes the file).
//!
//! [`structured`] (fuzzing only) turns fuzzer bytes into near-valid requests.

#[path = "host_oracle.rs"]
pub mod host_oracle;
pub mod smith;
pub mod structured;
