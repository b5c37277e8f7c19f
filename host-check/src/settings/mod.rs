//! Settings: what host-check enforces while a plugin runs, what it holds the plugin's figures
//! to, and how it measures them.
//!
//! MIDIMon runs every plugin call on the MIDI path, so a plugin is only acceptable when it is
//! small and fast enough. The settings come in three groups, because they do three different
//! things:
//!
//! - [`Limits`]: the sandbox limits the runner enforces (fuel, timeout, memory, compile and
//!   check time, disk); the runner takes this very value;
//! - [`Thresholds`]: the pass/fail thresholds the checks compare figures with (sizes, fuel,
//!   p99s, `strict`);
//! - [`Measurement`]: how the note path is measured (calls, time, action).
//!
//! Each key is declared once, in its group's module (see `group`), and can be given both as
//! a flag and as a top-level key of a budget file ([`file`]); both routes parse values with
//! the same [`units`] functions, so `"5s"` means the same thing everywhere. The layers are
//! merged in one place, [`Settings::resolve`]: defaults, then the budget file, then the flags.

mod de;
mod file;
mod group;
mod limits;
mod measurement;
mod thresholds;
pub mod units;

use std::path::Path;

pub use file::{keys, toml_error, BudgetError};
// Why a budget file could not be read ([`BudgetError::Io`]), re-exported on purpose.
pub use crate::input::{FileKind, InputError};
pub use limits::{
    default_check_time, LimitOverrides, Limits, CHECK_TIME_TIMEOUTS, DEFAULT_MAX_COMPILE_TIME,
    DEFAULT_MAX_DISK, DEFAULT_MAX_FUEL, DEFAULT_MAX_MEMORY, DEFAULT_TIMEOUT,
};
pub use measurement::{Measurement, MeasurementOverrides, DEFAULT_NOTE_CALLS, DEFAULT_NOTE_TIME};
pub use thresholds::{ThresholdOverrides, Thresholds};

/// Every setting of one check (or run, bench, ...), with the defaults of
/// [`Settings::default`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// What the runner enforces.
    pub limits: Limits,
    /// What the figures are held to.
    pub thresholds: Thresholds,
    /// How the note path is measured.
    pub measurement: Measurement,
}

/// One layer of settings (a budget file, or the flags): the keys it sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Sandbox limits.
    pub limits: LimitOverrides,
    /// Pass/fail thresholds.
    pub thresholds: ThresholdOverrides,
    /// Measurement settings.
    pub measurement: MeasurementOverrides,
}

impl Overrides {
    /// Every key set here, else the one set in `lower`.
    pub fn or(self, lower: Overrides) -> Overrides {
        Overrides {
            limits: self.limits.or(lower.limits),
            thresholds: self.thresholds.or(lower.thresholds),
            measurement: self.measurement.or(lower.measurement),
        }
    }
}

impl Settings {
    /// The one merge: the defaults, then the budget file (when given), then `flags`.
    pub fn resolve(flags: Overrides, budget_file: Option<&Path>) -> Result<Settings, BudgetError> {
        let file = match budget_file {
            Some(path) => Overrides::load(path)?,
            None => Overrides::default(),
        };
        Ok(Settings::from_overrides(flags.or(file)))
    }

    /// The defaults with every key of `overrides` applied. `max_check_time`, when not given,
    /// follows the `timeout` and `note_time` in force ([`default_check_time`]).
    pub fn from_overrides(overrides: Overrides) -> Settings {
        let mut settings = Settings::default();
        let check_time_given = overrides.limits.max_check_time.is_some();
        overrides.limits.apply_to(&mut settings.limits);
        overrides.thresholds.apply_to(&mut settings.thresholds);
        overrides.measurement.apply_to(&mut settings.measurement);
        if !check_time_given {
            settings.limits.max_check_time =
                default_check_time(settings.limits.timeout, settings.measurement.note_time);
        }
        settings
    }

    /// Budget-file text on top of the defaults.
    pub fn from_toml(text: &str) -> Result<Settings, BudgetError> {
        Overrides::from_toml(text).map(Settings::from_overrides)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn budget_file_overrides_defaults() {
        let s = Settings::from_toml(
            r#"
            max_size = "64KiB"
            max_size_optimized = 30000
            max_fuel = 5_000_000
            timeout = "250ms"
            max_memory = "16MiB"
            note_fuel = 20000
            postcard_fuel = 5000
            note_p99 = "50us"
            note_calls = 500
            note_time = "1.5s"
            note_action = "velocity_curve"
            max_compile_time = "10s"
            max_check_time = "2min"
            max_disk = "1MiB"
            daemon_fuel = 2255
            event_p99 = "1ms"
            strict = true
            "#,
        )
        .unwrap();
        let (l, t, m) = (&s.limits, &s.thresholds, &s.measurement);
        assert_eq!(t.max_size, Some(65536));
        assert_eq!(t.max_size_optimized, Some(30000));
        assert_eq!(l.max_fuel, 5_000_000);
        assert_eq!(l.timeout, Duration::from_millis(250));
        assert_eq!(l.max_memory, 16 << 20);
        assert_eq!(t.note_fuel, Some(20000));
        assert_eq!(t.postcard_fuel, Some(5000));
        assert_eq!(t.note_p99, Some(Duration::from_micros(50)));
        assert_eq!(m.note_calls, 500);
        assert_eq!(m.note_time, Duration::from_millis(1500));
        assert_eq!(m.note_action.as_deref(), Some("velocity_curve"));
        assert_eq!(l.max_compile_time, Duration::from_secs(10));
        assert_eq!(l.max_check_time, Duration::from_secs(120));
        assert_eq!(l.max_disk, 1 << 20);
        assert_eq!(t.daemon_fuel, Some(2255));
        assert_eq!(t.event_p99, Some(Duration::from_millis(1)));
        assert!(t.strict);
    }

    #[test]
    fn empty_budget_file_is_the_default() {
        assert_eq!(Settings::from_toml("").unwrap(), Settings::default());
        let d = Settings::default();
        assert_eq!(d.limits.max_fuel, 100_000_000);
        assert_eq!(d.limits.timeout, Duration::from_secs(5));
        assert_eq!(d.limits.max_memory, 134_217_728);
        assert_eq!(d.measurement.note_calls, 10_000);
        assert_eq!(d.measurement.note_time, Duration::from_secs(1));
        assert_eq!(d.thresholds.max_size, None);
        assert!(!d.thresholds.strict);
        assert_eq!(d.limits.max_compile_time, Duration::from_secs(30));
        assert_eq!(d.limits.max_check_time, Duration::from_secs(61));
        assert_eq!(d.limits.max_disk, 64 << 20);
    }

    #[test]
    fn check_time_follows_timeout_and_note_time_unless_given() {
        let s = Settings::from_toml("timeout = \"1s\"\nnote_time = \"2s\"").unwrap();
        assert_eq!(s.limits.max_check_time, Duration::from_secs(14));
        let s = Settings::from_toml("timeout = \"1s\"\nmax_check_time = \"3s\"").unwrap();
        assert_eq!(s.limits.max_check_time, Duration::from_secs(3));
    }

    /// The three groups' flags, as a subcommand flattens them.
    #[derive(Debug, clap::Parser)]
    struct Flags {
        #[command(flatten)]
        limits: LimitOverrides,
        #[command(flatten)]
        thresholds: ThresholdOverrides,
        #[command(flatten)]
        measurement: MeasurementOverrides,
    }

    fn flags(args: &[&str]) -> Result<Overrides, clap::Error> {
        use clap::Parser as _;
        let f = Flags::try_parse_from(std::iter::once("host-check").chain(args.iter().copied()))?;
        Ok(Overrides {
            limits: f.limits,
            thresholds: f.thresholds,
            measurement: f.measurement,
        })
    }

    #[test]
    fn a_flag_and_a_key_read_a_value_alike() {
        use clap::CommandFactory as _;
        Flags::command().debug_assert();
        assert_eq!(flags(&[]).unwrap(), Overrides::default());
        for (flag, value, line) in [
            ("--max-fuel", "5_000", "max_fuel = 5_000"),
            ("--timeout", "1.5s", "timeout = \"1.5s\""),
            ("--max-memory", "64KiB", "max_memory = \"64KiB\""),
            ("--max-disk", "4096", "max_disk = 4096"),
            ("--max-size", "12416", "max_size = 12416"),
            ("--note-fuel", "0", "note_fuel = 0"),
            ("--note-p99", "50us", "note_p99 = \"50us\""),
            ("--event-p99", "1ms", "event_p99 = \"1ms\""),
            ("--note-calls", "20", "note_calls = 20"),
            (
                "--note-action",
                "velocity_curve",
                "note_action = \"velocity_curve\"",
            ),
        ] {
            let file = Overrides::from_toml(line).unwrap();
            assert_ne!(file, Overrides::default(), "{line}");
            assert_eq!(flags(&[flag, value]).unwrap(), file, "{flag} {value}");
        }
        assert_eq!(
            flags(&["--strict"]).unwrap(),
            Overrides::from_toml("strict = true").unwrap()
        );
        for (flag, value, line) in [
            ("--max-fuel", "0", "max_fuel = 0"),
            ("--max-fuel", "-1", "max_fuel = -1"),
            ("--timeout", "0s", "timeout = \"0s\""),
            ("--timeout", "5", "timeout = \"5\""),
            ("--max-memory", "lots", "max_memory = \"lots\""),
            ("--note-calls", "0", "note_calls = 0"),
            ("--note-action", "", "note_action = \"\""),
        ] {
            assert!(flags(&[flag, value]).is_err(), "{flag} {value}");
            assert!(Overrides::from_toml(line).is_err(), "{line}");
        }
    }

    #[test]
    fn flags_override_the_file() {
        let file =
            Overrides::from_toml("max_fuel = 10\nnote_action = \"a\"\nstrict = true").unwrap();
        let mut flags = Overrides::default();
        flags.limits.max_fuel = Some(20);
        flags.limits.timeout = Some(Duration::from_millis(100));
        let s = Settings::from_overrides(flags.clone().or(file.clone()));
        assert_eq!(s.limits.max_fuel, 20);
        assert_eq!(s.limits.timeout, Duration::from_millis(100));
        assert_eq!(s.measurement.note_action.as_deref(), Some("a"));
        assert!(
            s.thresholds.strict,
            "no --strict flag leaves the file's strict"
        );
        flags.measurement.note_action = Some("b".into());
        let s = Settings::from_overrides(flags.or(file));
        assert_eq!(s.measurement.note_action.as_deref(), Some("b"));
    }
}
