//! The pass/fail thresholds: what a plugin's figures are held to.
//!
//! Unlike the sandbox [`limits`](super::limits), a threshold bounds nothing while the plugin
//! runs; the checks measure the figure, then compare it. Each is off by default (the figure is
//! reported, not enforced) until a plugin's budget file records it; `strict` is here too, as it
//! decides whether a warning fails.

use std::time::Duration;

use super::group::settings_group;
use super::units::{parse_count, parse_duration, parse_size};

settings_group! {
    /// What the checks hold a plugin's figures to; `None`: reported, not enforced.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Thresholds;

    /// The thresholds given on the command line or in a budget file (`None`: not given).
    pub struct ThresholdOverrides {
        /// Fail when the module is larger than this, in bytes or with a KiB/MiB suffix
        /// [default: no limit].
        #[arg(long, value_name = "BYTES", value_parser = parse_size, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::size")]
        pub max_size: u64 => Option<u64> = None,
        /// Fail when the module is larger than this after `wasm-opt -Oz` (needs binaryen's
        /// wasm-opt in PATH) [default: not checked].
        #[arg(long, value_name = "BYTES", value_parser = parse_size, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::size")]
        pub max_size_optimized: u64 => Option<u64> = None,
        /// Fail when one note-on `execute` uses more fuel than this [default: no limit].
        #[arg(long, value_name = "N", value_parser = parse_count, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::count")]
        pub note_fuel: u64 => Option<u64> = None,
        /// Fail when one note-on `execute_postcard` uses more fuel than this (only when
        /// exported) [default: no limit].
        #[arg(long, value_name = "N", value_parser = parse_count, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::count")]
        pub postcard_fuel: u64 => Option<u64> = None,
        /// Fail when the p99 latency of note-on `execute` exceeds this, e.g. 50us
        /// [default: no limit].
        #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::duration")]
        pub note_p99: Duration => Option<Duration> = None,
        /// Fail when one `execute` uses more fuel than this on MIDIMon's own note-on request
        /// [default: no limit].
        #[arg(long, value_name = "N", value_parser = parse_count, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::count")]
        pub daemon_fuel: u64 => Option<u64> = None,
        /// Fail when the p99 latency of one event in MIDIMon's flow (fresh instance, alloc,
        /// write, execute) exceeds this [default: no limit].
        #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::duration")]
        pub event_p99: Duration => Option<Duration> = None,
        /// Turn every warning (a template README rule MIDIMon does not enforce) into a failure.
        // `--strict` takes no value and can only turn it on; `strict = false` in a budget file
        // is the default, spelled out.
        #[arg(long, num_args = 0, default_missing_value = "true")]
        #[serde(deserialize_with = "super::de::boolean")]
        pub strict: bool => bool = false,
    }
}
