//! The MIDIMon plugin ABI, in one `no_std` crate that the guest, the host and firmware share.
//!
//! A MIDIMon plugin is a WebAssembly module. The host calls `init()` to read the plugin's
//! metadata, then for every MIDI event it writes a JSON request into guest memory (obtained with
//! `alloc`), calls `execute(ptr, len)` and releases the buffer with `dealloc`. This crate defines
//! each part of that contract once:
//!
//! - [`abi`]: export names and signatures, `(ptr << 32) | len` packing, the ABI marker;
//! - [`error`]: the stable error codes `execute` returns (3 = unknown action);
//! - [`request`]: zero-copy, allocation-free, strict parsing of the JSON request;
//! - [`binary`]: the same request in postcard, for the `execute_postcard` fast path and firmware;
//! - [`builder`]: request bodies for a plugin's native tests, written by serde;
//! - [`metadata`]: plugin metadata, built at compile time and validated by hosts;
//! - [`text`]: borrowed strings whose JSON escapes are decoded on demand;
//! - [`json`]: the strict, iterative JSON scanner underneath;
//! - `guest` (feature `guest`): the `midimon_plugin!` macro that generates a plugin's exports.
//!
//! Nothing here allocates, recurses on input or panics on any input, so the same code runs in a
//! plugin of a few KB, in a host, and on a Cortex-M (`thumbv7em-none-eabihf`).
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![warn(missing_docs)]
// docs.rs builds with `--cfg docsrs` (see Cargo.toml) and marks feature-gated items.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod abi;
pub mod binary;
pub mod builder;
mod bytes;
pub mod error;
#[cfg(feature = "guest")]
#[cfg_attr(docsrs, doc(cfg(feature = "guest")))]
pub mod guest;
pub mod json;
pub mod metadata;
#[cfg(feature = "guest")]
mod plugin_macro;
pub mod request;
mod utf8;

pub use error::{ErrorCode, SUCCESS};
pub use json::text;
pub use json::Text;
pub use metadata::{Capability, PluginMetadata};
pub use request::{parse_request, parse_request_in, Request, RequestContext};

#[doc(hidden)]
pub use core::{concat as __concat, stringify as __stringify};

/// The README's Rust examples, compiled and run as doctests so the manual cannot drift.
#[cfg(all(doctest, feature = "guest"))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
