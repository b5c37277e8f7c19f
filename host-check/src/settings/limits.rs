//! The sandbox limits: what the runner enforces on every plugin, whatever is being checked.
//!
//! MIDIMon runs plugin calls on the MIDI path, so every call is bounded in fuel, wall time and
//! memory, and every check in compilation time, total call time and sandbox disk. [`Limits`] is
//! the very value the runner (`crate::runner`) takes: a limit is declared here once and reaches
//! wasmtime without changing shape.

use std::time::Duration;

use super::group::settings_group;
use super::units::{parse_nonzero_duration, parse_positive_count, parse_size};

/// Default fuel per call: generous for any plugin that handles one MIDI event, small enough that
/// an endless loop ends within a fraction of a second.
pub const DEFAULT_MAX_FUEL: u64 = 100_000_000;
/// Default wall time per call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default linear-memory limit, in bytes (128 MiB); a memory of exactly this size is allowed.
pub const DEFAULT_MAX_MEMORY: u64 = 128 * 1024 * 1024;
/// Default wall time the compilation of a module may take. The std reference plugin compiles
/// in well under a second and a 5 MB module in a few seconds (see the README); a module that
/// needs more is not a plugin MIDIMon could load quickly either.
pub const DEFAULT_MAX_COMPILE_TIME: Duration = Duration::from_secs(30);
/// The default `max_check_time` is this many `timeout`s, plus `note_time`: room for the
/// dozen phases of a check to each use a whole timeout, plus the note path, which has its own
/// cap.
pub const CHECK_TIME_TIMEOUTS: u32 = 12;
/// Default disk budget of the sandbox directory (plugins with the `filesystem` capability).
pub const DEFAULT_MAX_DISK: u64 = 64 * 1024 * 1024;

/// The default `max_check_time`: [`CHECK_TIME_TIMEOUTS`] × `timeout` + `note_time` (61 s with
/// the defaults). [`Settings::from_overrides`](super::Settings::from_overrides) applies it when
/// neither the budget file nor a flag sets the key.
pub const fn default_check_time(timeout: Duration, note_time: Duration) -> Duration {
    timeout
        .saturating_mul(CHECK_TIME_TIMEOUTS)
        .saturating_add(note_time)
}

settings_group! {
    /// The limits of a runner: per call, per compilation and per `Plugin` (one check).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Limits;

    /// The sandbox limits given on the command line or in a budget file (`None`: not given).
    pub struct LimitOverrides {
        /// Fuel per call, refilled before instantiation and before every call [default:
        /// 100000000].
        #[arg(long, value_name = "N", value_parser = parse_positive_count, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::positive_count")]
        pub max_fuel: u64 => u64 = DEFAULT_MAX_FUEL,
        /// Wall time per call, e.g. 5s, 250ms, 1.5s, 100us [default: 5s].
        #[arg(long, value_name = "DURATION", value_parser = parse_nonzero_duration, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::nonzero_duration")]
        pub timeout: Duration => Duration = DEFAULT_TIMEOUT,
        /// Largest linear memory, inclusive, in bytes or with a KiB/MiB/GiB suffix [default:
        /// 128MiB].
        #[arg(long, value_name = "BYTES", value_parser = parse_size, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::size")]
        pub max_memory: u64 => u64 = DEFAULT_MAX_MEMORY,
        /// Wall time the compilation may take [default: 30s].
        #[arg(long, value_name = "DURATION", value_parser = parse_nonzero_duration, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::nonzero_duration")]
        pub max_compile_time: Duration => Duration = DEFAULT_MAX_COMPILE_TIME,
        /// Wall time all plugin calls of one check may take together, counted from the end of
        /// its compilation [default: 12 x --timeout + --note-time].
        #[arg(long, value_name = "DURATION", value_parser = parse_nonzero_duration, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::nonzero_duration")]
        pub max_check_time: Duration => Duration =
            default_check_time(DEFAULT_TIMEOUT, super::measurement::DEFAULT_NOTE_TIME),
        /// Bytes a plugin with the filesystem capability may write to its sandbox directory,
        /// all instances together [default: 64MiB].
        #[arg(long, value_name = "BYTES", value_parser = parse_size, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::size")]
        pub max_disk: u64 => u64 = DEFAULT_MAX_DISK,
    }
}
