//! The targets of issue 5 (documented in `host-check/README.md`, "bench"): reference / plugin
//! ratios a faster, smaller plugin should reach. They are reported, never enforced.

use super::figures::{BenchReport, PluginBench};
use super::metrics::find_metric;
use super::options::LINEAR_R2;

/// One of the `TARGETS` for one plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetResult {
    /// Stable id: `size_raw`, `json_fuel`, `postcard_fuel`, `cycle_p50`, `metadata_slope`.
    pub id: &'static str,
    /// What is compared.
    pub description: &'static str,
    /// The plugin compared with the reference.
    pub plugin: String,
    /// The smallest reference / plugin ratio that meets the target.
    pub threshold: f64,
    /// The measured ratio (`None` when not measurable, e.g. no `execute_postcard`).
    pub measured: Option<f64>,
    /// R² of the plugin's fuel-per-entry fit (`metadata_slope` only).
    pub r2: Option<f64>,
    /// Whether the target is met.
    pub met: bool,
    /// Why it could not be measured, when it could not.
    pub note: Option<String>,
}

/// The bench targets, as documented in `host-check/README.md` ("bench"): `(id, description,
/// metric, threshold)`, a threshold being the smallest reference / plugin ratio that meets it.
pub(super) const TARGETS: [(&str, &str, &str, f64); 5] = [
    (
        "size_raw",
        "module size, release build before wasm-opt",
        "size_raw_bytes",
        20.0,
    ),
    (
        "json_fuel",
        "note-on execute fuel, JSON path",
        "execute_fuel_metadata_1",
        2.5,
    ),
    (
        "postcard_fuel",
        "note-on execute fuel, postcard path",
        "postcard_fuel",
        25.0,
    ),
    (
        "cycle_p50",
        "host cycle p50 latency, JSON path",
        "cycle_p50_ns",
        2.0,
    ),
    (
        "metadata_slope",
        "fuel per metadata entry, linear growth",
        "fuel_per_metadata_entry",
        3.0,
    ),
];

impl BenchReport {
    /// The reference plugin (the first).
    pub fn reference(&self) -> Option<&PluginBench> {
        self.plugins.first()
    }

    /// Whether every plugin was measured without problems.
    pub fn passed(&self) -> bool {
        self.plugins.iter().all(|p| p.problems.is_empty())
    }

    /// 0 when every plugin was measured, 1 when one failed (returned non-zero, trapped ...).
    /// Targets that are not met do not change it: they are reported, not enforced.
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.passed())
    }

    /// The `TARGETS`, for every plugin after the reference.
    pub fn targets(&self) -> Vec<TargetResult> {
        let Some(reference) = self.reference() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for p in self.plugins.iter().skip(1) {
            for (id, description, metric_id, threshold) in TARGETS {
                let measured = find_metric(metric_id).and_then(|m| m.ratio(p, reference));
                let r2 = (id == "metadata_slope")
                    .then(|| p.fit.map(|f| f.r2))
                    .flatten();
                let linear = id != "metadata_slope" || r2.is_some_and(|r2| r2 >= LINEAR_R2);
                let note = if id == "postcard_fuel" && !p.postcard {
                    Some("the plugin does not export execute_postcard".to_string())
                } else if measured.is_none() {
                    Some("not measured".to_string())
                } else if !linear {
                    Some(format!(
                        "fuel does not grow linearly (R² below {LINEAR_R2})"
                    ))
                } else {
                    None
                };
                out.push(TargetResult {
                    id,
                    description,
                    plugin: p.file.clone(),
                    threshold,
                    measured,
                    r2,
                    met: linear && measured.is_some_and(|r| r >= threshold),
                    note,
                });
            }
        }
        out
    }
}
