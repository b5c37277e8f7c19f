//! Oracles and input models shared by the fuzz targets.
//!
//! The oracles live in files that the stable replay tests include with `#[path]`, so that a
//! corpus file is judged by the very same code in `cargo fuzz run` and in `make test`:
//!
//! - [`core_oracle`]: core-abi's JSON, metadata and postcard parsers against serde_json and
//!   postcard (replayed by `core-abi/tests/corpus_replay.rs`);
//! - [`host_oracle`]: host-check's checks on arbitrary modules, and the built template plugin
//!   under wasmtime (replayed by `host-check/tests/corpus_replay.rs`).
//!
//! [`structured`] (fuzzing only) turns fuzzer bytes into near-valid requests.

#[path = "core_oracle.rs"]
pub mod core_oracle;
#[path = "host_oracle.rs"]
pub mod host_oracle;
pub mod smith;
pub mod structured;
