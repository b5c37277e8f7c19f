//! `host-check bench`: plugins measured side by side, in one run, against the first one.
//!
//! The point of the kit is that its template is smaller and faster than the original std
//! template. A claim like that needs figures that can be compared, and two runs on a shared
//! machine cannot be: the load, the CPU frequency and the cache state differ between them. So
//! the benchmark measures every plugin **in one process, on the same requests, interleaved**:
//!
//! - **side by side**: every plugin gets the same engine ([`ENGINE`](crate::runner::ENGINE)),
//!   the same budgets and byte-identical requests, built in one place ([`crate::requests`]);
//! - **interleaved**: latency is sampled in rounds of [`ROUND_CALLS`] calls per plugin, in
//!   round-robin order (A, B, C, A, B, C ...) until each plugin has made `--calls` calls, so
//!   a burst of noise (another process, a frequency change, a noisy neighbour) is spread over
//!   every plugin instead of landing on whichever ran during it. Compile-and-instantiate times
//!   are interleaved the same way;
//! - **ratios against the first plugin**, the reference: every metric is lower-is-better, and
//!   each other plugin's cell shows `value (N×)` with `N = reference / value`, i.e. "N times
//!   smaller, cheaper or faster than the reference" (below 1 means worse).
//!
//! Fuel is deterministic, so it is measured on a few calls per request shape ([`FUEL_CALLS`])
//! and on every timed call; if it varies between calls (a std `HashMap` seeds each map
//! differently, so its probing costs differ), the table shows `min–max` and ratios use the
//! max. Latency is measured on the canonical note-on; fuel also on note-ons with 0, 1, 8 and 64
//! metadata entries ([`METADATA_ENTRIES`]), and the growth per entry is the slope of a
//! least-squares line through those four points, with its R² as the linearity check.
//!
//! **Host overhead** is what host-check's runner (the template README's host cycle: `alloc`,
//! write, `execute`, `dealloc` on a warm instance) adds to the plugin's own `execute` time: the
//! host cycle minus `execute`, per call. It is also measured with one request buffer reused for
//! a whole round (write and `execute` only), which shows what the two `alloc`/`dealloc`
//! crossings cost.
//!
//! **MIDIMon's own flow** is measured beside it: the daemon makes a fresh instance for every
//! event (instantiate, `alloc`, write, `execute`, drop; see [`crate::daemon_flow`]) and sends
//! its own, smaller request. One event in [`EVENT_SHARE`] calls of each round is such an
//! event, so its figures are interleaved with the warm ones. The daemon never calls
//! `execute_postcard`: the postcard rows are what a host that does would get.
//!
//! The text table ends with the targets of issue 5 (reference / plugin ratios, met or not) and
//! the `--json` report carries the same figures; both are documented in `host-check/README.md`.
//!
//! The files, each using only those above it in this list: `options` (what a run is given),
//! `figures` (what it measured), `metrics` (rows and ratios), `targets`, `render` (the table),
//! `json`, `measure` (one plugin's calls) and `run` (the driver, [`bench`]).

mod figures;
mod json;
mod measure;
mod metrics;
mod options;
mod render;
mod run;
mod targets;
#[cfg(test)]
mod tests;

pub use options::{BenchInput, BenchOptions, MAX_CALLS};
pub use run::bench;
