//! What a benchmark measured: per plugin ([`PluginBench`]), for the whole run
//! ([`BenchReport`]), and the machine it ran on. Plain data, filled in by `measure` and read by
//! `metrics`, `targets`, `render` and `json`.

use std::time::{Duration, Instant};

use crate::fmt::format_duration;
use crate::stats::Fit;
use crate::stats::Latency;

/// The fuel of one request shape over several calls (equal when deterministic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuelRange {
    /// Least fuel of one call.
    pub min: u64,
    /// Most fuel of one call (what ratios use).
    pub max: u64,
}

impl FuelRange {
    pub(super) fn new(fuel: u64) -> FuelRange {
        FuelRange {
            min: fuel,
            max: fuel,
        }
    }

    pub(super) fn add(range: &mut Option<FuelRange>, fuel: u64) {
        *range = Some(match *range {
            Some(r) => FuelRange {
                min: r.min.min(fuel),
                max: r.max.max(fuel),
            },
            None => FuelRange::new(fuel),
        });
    }
}

/// Everything measured for one plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginBench {
    /// The file as given.
    pub file: String,
    /// The plugin's declared name.
    pub name: String,
    /// The plugin's declared version.
    pub version: String,
    /// Whether it imports WASI.
    pub wasi: bool,
    /// Whether it exports `execute_postcard`.
    pub postcard: bool,
    /// Module size in bytes.
    pub size_raw: u64,
    /// Size after `wasm-opt -Oz`, or why it is unknown.
    pub size_optimized: Result<u64, String>,
    /// Median time of `Plugin::load` (engine and compilation).
    pub compile: Duration,
    /// Median time of instantiation.
    pub instantiate: Duration,
    /// Median time of load and instantiation together, per repeat.
    pub startup: Duration,
    /// Fuel of `init` on a fresh instance.
    pub init_fuel: u64,
    /// Execute fuel of note-ons with [`METADATA_ENTRIES`] entries, in that order.
    pub execute_fuel: [Option<FuelRange>; 4],
    /// The fuel-per-entry line through [`PluginBench::execute_fuel`].
    pub fit: Option<Fit>,
    /// `alloc` fuel in the canonical note-on cycle.
    pub alloc_fuel: Option<FuelRange>,
    /// `dealloc` fuel in the canonical note-on cycle.
    pub dealloc_fuel: Option<FuelRange>,
    /// `alloc` + `execute` + `dealloc` fuel of the canonical note-on.
    pub cycle_fuel: Option<FuelRange>,
    /// `execute` latency of the canonical note-on.
    pub execute: Option<Latency>,
    /// Host cycle latency (`alloc`, write, `execute`, `dealloc`).
    pub cycle: Option<Latency>,
    /// Host overhead per call: cycle minus execute.
    pub overhead: Option<Latency>,
    /// Cycle with a reused buffer (write and `execute` only).
    pub reused_cycle: Option<Latency>,
    /// Host overhead per call with a reused buffer.
    pub reused_overhead: Option<Latency>,
    /// `execute_postcard` fuel of the canonical note-on, when exported.
    pub postcard_fuel: Option<FuelRange>,
    /// `execute_postcard` latency, when exported.
    pub postcard_execute: Option<Latency>,
    /// Host cycle latency through `execute_postcard`, when exported.
    pub postcard_cycle: Option<Latency>,
    /// Fuel of `execute` on MIDIMon's note-on request, in its flow.
    pub daemon_fuel: Option<FuelRange>,
    /// Fuel of a whole MIDIMon event: start function, `alloc` and `execute`.
    pub event_fuel: Option<FuelRange>,
    /// Latency of a whole MIDIMon event (fresh instance, `alloc`, write, `execute`, drop).
    pub event: Option<Latency>,
    /// Timed JSON calls made.
    pub calls: u64,
    /// Why the plugin could not be measured completely (a non-zero code, a trap ...).
    pub problems: Vec<String>,
}

/// The whole benchmark: every plugin, the machine and the settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// The machine it ran on.
    pub machine: Machine,
    /// Timed calls per plugin and path.
    pub calls: u64,
    /// Calls per plugin per round.
    pub round_calls: u64,
    /// The action measured.
    pub action: String,
    /// Compile-and-instantiate repeats.
    pub startup_repeats: usize,
    /// The plugins, the reference first.
    pub plugins: Vec<PluginBench>,
    /// Wall time of the whole benchmark.
    pub elapsed: Duration,
}

/// The machine a benchmark ran on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// CPU model (`model name` in `/proc/cpuinfo`), when readable.
    pub cpu: Option<String>,
    /// Logical cores available to the process.
    pub cores: usize,
    /// Operating system (`linux`, `macos` ...).
    pub os: &'static str,
    /// CPU architecture (`x86_64`, `aarch64` ...).
    pub arch: &'static str,
    /// Median cost of reading the monotonic clock (`Instant::now`): every latency figure
    /// includes a few of these.
    pub clock_read: Duration,
}

impl Machine {
    /// Detects the machine this process runs on.
    pub fn detect() -> Machine {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| {
                text.lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(key, _)| key.trim() == "model name")
                    .map(|(_, value)| value.trim().to_string())
                    .filter(|v| !v.is_empty())
            });
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            clock_read: clock_read_cost(),
        }
    }

    /// `AMD EPYC, 2 cores, linux/x86_64, clock read 20ns`.
    pub fn describe(&self) -> String {
        format!(
            "{}, {} core{}, {}/{}, clock read {}",
            self.cpu.as_deref().unwrap_or("unknown CPU"),
            self.cores,
            if self.cores == 1 { "" } else { "s" },
            self.os,
            self.arch,
            format_duration(self.clock_read)
        )
    }
}

/// The median time between two back-to-back `Instant::now()` calls, over 1,001 pairs.
pub(super) fn clock_read_cost() -> Duration {
    let mut samples: Vec<Duration> = (0..1001)
        .map(|_| {
            let a = Instant::now();
            Instant::now().saturating_duration_since(a)
        })
        .collect();
    samples.sort_unstable();
    samples.get(500).copied().unwrap_or_default()
}
