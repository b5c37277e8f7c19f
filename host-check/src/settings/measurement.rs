//! The measurement settings: how long and on what the note path and MIDIMon's flow are
//! measured.
//!
//! They neither bound the plugin (the [`limits`](super::limits) do) nor judge it (the
//! [`thresholds`](super::thresholds) do); they trade the precision of the latency figures for
//! the time a check takes. Fuel figures do not depend on them: fuel is deterministic.

use std::time::Duration;

use super::group::settings_group;
use super::units::{parse_action, parse_nonzero_duration, parse_positive_count};

/// Default number of note-on calls the note path makes (it may stop earlier, see
/// [`DEFAULT_NOTE_TIME`]).
pub const DEFAULT_NOTE_CALLS: u64 = 10_000;
/// Default wall-time cap of the note-path measurement: a slow but legal plugin is measured on
/// fewer calls rather than waited on.
pub const DEFAULT_NOTE_TIME: Duration = Duration::from_secs(1);

settings_group! {
    /// How the note path (and MIDIMon's flow) is measured.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Measurement;

    /// The measurement settings given on the command line or in a budget file (`None`: not
    /// given).
    pub struct MeasurementOverrides {
        /// Note-on calls of the note-path measurement, at most [default: 10000].
        #[arg(long, value_name = "N", value_parser = parse_positive_count, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::positive_count")]
        pub note_calls: u64 => u64 = DEFAULT_NOTE_CALLS,
        /// Wall time of the note-path measurement, at most: a slow plugin is measured on fewer
        /// calls rather than waited on [default: 1s].
        #[arg(long, value_name = "DURATION", value_parser = parse_nonzero_duration, allow_hyphen_values = true)]
        #[serde(deserialize_with = "super::de::nonzero_duration")]
        pub note_time: Duration => Duration = DEFAULT_NOTE_TIME,
        /// The action the note path measures [default: the first declared action].
        #[arg(long, value_name = "ACTION", value_parser = parse_action)]
        #[serde(deserialize_with = "super::de::action")]
        pub note_action: String => Option<String> = None,
    }
}
