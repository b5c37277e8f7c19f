//! Input models shared by the fuzz targets.
//!
//! The oracles live where the stable replay tests see them too, so that a corpus file is judged
//! by the very same code in `cargo fuzz run` and in `make test`:
//!
//! - the `conformance` crate: core-abi's JSON, metadata and postcard parsers against serde_json
//!   and postcard (replayed by `core-abi/tests/corpus_replay.rs`);
//! - the `conformance-host` crate: host-check's checks on arbitrary modules, and the built
//!   template plugin under wasmtime (replayed by `conformance-host/tests/corpus_replay.rs`).
//!
//! [`smith`] turns fuzzer bytes into plugin-shaped modules; [`structured`] (fuzzing only) into
//! near-valid requests.

pub mod smith;
pub mod structured;
