//! host-check: validate a MIDIMon WebAssembly plugin before MIDIMon loads it.
//!
//! Plugin authors run the `host-check` CLI locally and in CI to learn whether MIDIMon (as of
//! `f4f371c`) will load and run a plugin (the default verdict reproduces its daemon's call
//! sequence), whether the plugin follows every rule of the template README (warnings, failures
//! with `--strict`: exact ABI types, real WASI imports, honest capabilities, error codes), and
//! whether it is fast and small enough (fuel, latency and memory on the note path, module
//! size). It accepts any plugin: the
//! `no_std` template, std plugins for `wasm32-wasip1`, hand-written WAT, and hostile or broken
//! files, and it never hangs or panics on them.
//!
//! The library holds everything; `main.rs` only installs the signal handler and calls
//! [`cmd::main`]. Its public surface is chosen on purpose: what the binary, the tests in
//! `tests/` and the host-side fuzz oracle (the `conformance-host` crate) use, marked *public*
//! below ([`cmd`], [`signals`], [`check`], [`inspect`], [`report`], [`runner`], [`metadata`],
//! [`settings`], [`control_flow`], [`scratch`]). Every other module is `pub(crate)`, free to
//! change shape; the few of their types a public item holds are re-exported where it is (the
//! module facts and latencies a [`report::Report`] lists, from [`report`]; the `--config`
//! mappings [`check::check`] takes, from [`check`]).
//!
//! The modules, from the top of the dependency graph down (a module uses only modules listed
//! after it; no two modules import each other):
//!
//! - [`cmd`] (public): the command line, one module per subcommand, and the one mapping of
//!   failures to exit codes;
//! - `scaffold`: `host-check new`, a standalone plugin crate that builds where it is created;
//! - `budget_file`: a budget file recorded from what a plugin measures now;
//! - `diff`: `host-check diff` (and `check --baseline`), two builds compared, the
//!   `--max-growth` limit and the text of the comparison;
//! - [`check`] (public): `host-check check`, every check of one plugin in one report;
//! - [`inspect`] (public), `run`: the `inspect` and `run` subcommands;
//! - `profile`: `host-check profile`, one request's exact fuel per function, from an
//!   instrumented copy of the module;
//! - `checks`: what we think of a module: its exports, imports, sizes, a MIDIMon
//!   `config.toml`, and the dynamic checks (instantiation, `init`, the daemon's flow, then the
//!   README's request cycle);
//! - `bench`: `host-check bench`, plugins measured side by side against a reference;
//! - `manifest`: the `plugin.toml` MIDIMon's discovery reads, from the plugin's metadata;
//! - `formats`: the report as GitHub annotations, JUnit XML or a Markdown summary;
//! - [`report`] (public): findings, the text table and the JSON report;
//! - `daemon_flow`: MIDIMon's own call sequence (fresh instance per event), shared by the
//!   checks and the benchmark;
//! - `attribution`: function and data segment sizes, and what grew between two builds;
//! - `names`: the `name` section (a plugin's or its named twin's), demangled;
//! - `module`: what a module is: wasmparser validation, imports, exports, sections;
//! - [`runner`] (public): the wasmtime engine, every budgeted plugin call, and `Plugin::open`;
//! - [`metadata`] (public): the metadata `init` returns, validated by core-abi and decoded;
//! - `requests`: the requests sent to plugins, from core-abi's canonical note-on;
//! - [`settings`] (public): the sandbox limits, the pass/fail thresholds and the measurement
//!   settings, their defaults, the budget file, the flags and value parsing;
//! - [`control_flow`] (public): the static control-flow limits checked before compiling;
//! - `disk`: the disk budget of the sandbox directory;
//! - `optimize`: `wasm-opt -Oz`, for the optimized-size budget;
//! - `input`: reading a plugin file (size cap, usage errors);
//! - [`signals`] (public): removing the scratch directories on SIGINT/SIGTERM;
//! - [`scratch`] (public): self-removing temporary directories;
//! - `wasi`: the WASI preview 1 functions with their signatures and capability class;
//! - `stats`: the maths (percentiles, medians, least squares); `fmt`: the text helpers.

// `unsafe` is denied everywhere but in `signals` (sigwait through libc), which documents it.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub(crate) mod attribution;
pub(crate) mod bench;
pub(crate) mod budget_file;
pub mod check;
pub(crate) mod checks;
pub mod cmd;
pub mod control_flow;
pub(crate) mod daemon_flow;
pub(crate) mod diff;
pub(crate) mod disk;
pub(crate) mod fmt;
pub(crate) mod formats;
pub(crate) mod input;
pub mod inspect;
pub(crate) mod manifest;
pub mod metadata;
pub(crate) mod module;
pub(crate) mod names;
pub(crate) mod optimize;
pub(crate) mod profile;
pub mod report;
pub(crate) mod requests;
pub(crate) mod run;
pub mod runner;
pub(crate) mod scaffold;
pub mod scratch;
pub mod settings;
pub mod signals;
pub(crate) mod stats;
pub(crate) mod wasi;
