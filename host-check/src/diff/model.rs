//! The comparison's data: what `diff --json` prints and the text renders, kept apart from the
//! measuring so that rendering depends on the data alone.

use serde::Serialize;

use crate::attribution::{ItemChange, MatchedBy};

/// Version of the `diff --json` schema.
pub const DIFF_SCHEMA_VERSION: u32 = 1;

/// Most changed items of each kind kept in the report (the text shows fewer).
pub const MAX_ITEMS: usize = 1000;

/// A figure: whole (bytes, fuel, nanoseconds) or fractional (fuel per entry).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Figure {
    /// A count.
    Whole(u64),
    /// A mean.
    Real(f64),
}

impl Figure {
    /// As a float, for deltas.
    pub fn value(self) -> f64 {
        match self {
            Figure::Whole(n) => n as f64,
            Figure::Real(x) => x,
        }
    }
}

/// One metric in both builds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRow {
    /// `size`, `size.optimized`, `fuel.note`, `fuel.daemon`, `fuel.entry`, `latency.…`.
    pub id: &'static str,
    /// What it is, for people.
    pub label: &'static str,
    /// `bytes`, `fuel` or `ns`.
    pub unit: &'static str,
    /// The old build's figure, when measured.
    pub old: Option<Figure>,
    /// The new build's figure, when measured.
    pub new: Option<Figure>,
    /// `new - old`, when both were measured.
    pub delta: Option<f64>,
    /// The delta in percent of `old` (absent when `old` is 0 or missing).
    pub percent: Option<f64>,
    /// Whether `--max-growth` applies (sizes and fuel); latency is informational.
    pub gated: bool,
}

/// Function and data segment changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Items {
    /// How the two builds' items were matched.
    pub matched_by: MatchedBy,
    /// Changed functions, the largest growth first (at most [`MAX_ITEMS`]).
    pub functions: Vec<ItemChange>,
    /// Changed data segments, the largest growth first.
    pub data: Vec<ItemChange>,
}

/// One `--max-growth` failure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrowthFailure {
    /// The metric's id.
    pub id: &'static str,
    /// Why it failed.
    pub detail: String,
}

/// The whole comparison (`diff --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffReport {
    /// [`DIFF_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The old module's file.
    pub old: String,
    /// The new module's file.
    pub new: String,
    /// `--max-growth` in percent, when given.
    pub max_growth_percent: Option<f64>,
    /// Every metric.
    pub metrics: Vec<MetricRow>,
    /// What grew and shrank, when both modules are valid.
    pub items: Option<Items>,
    /// Things the reader should know (a metric not measured, a failing check).
    pub notes: Vec<String>,
    /// `--max-growth` failures.
    pub failures: Vec<GrowthFailure>,
    /// `pass` or `fail`.
    pub verdict: &'static str,
}
