//! The maths of the measurements: latency percentiles (and the type they are reported in),
//! medians, and the least-squares line of the benchmark's fuel growth.
//!
//! The note path (and the benchmark) report p50/p99/max of thousands of call times. The
//! nearest-rank method is used: the p-th percentile is the smallest sample such that at least
//! p % of the samples are less than or equal to it. It always returns a value that was actually
//! measured, needs no interpolation, and is well defined for one sample.

use std::time::Duration;

/// Latency percentiles of one measured call (the check's note path, the daemon flow and the
/// benchmark all report this).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Latency {
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest call.
    pub max: Duration,
}

impl Latency {
    /// The percentiles of nanosecond samples (sorted in place); `None` when there are none.
    pub fn of(samples_ns: &mut [u64]) -> Option<Latency> {
        (!samples_ns.is_empty()).then(|| latency(samples_ns))
    }
}

/// The `p`-th percentile (0..=100) of `sorted` (ascending), by nearest rank; `None` when empty.
pub fn percentile(sorted: &[u64], p: u32) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u128;
    let p = u128::from(p.min(100));
    // rank = ceil(p/100 * n), at least 1; computed in integers to avoid float rounding.
    let rank = (p * n).div_ceil(100).max(1);
    let index = usize::try_from(rank - 1).unwrap_or(usize::MAX);
    sorted.get(index.min(sorted.len() - 1)).copied()
}

/// Sorts nanosecond samples in place and returns their p50, p99 and max (zeros when empty).
pub fn latency(samples_ns: &mut [u64]) -> Latency {
    samples_ns.sort_unstable();
    let at = |p| Duration::from_nanos(percentile(samples_ns, p).unwrap_or(0));
    Latency {
        p50: at(50),
        p99: at(99),
        max: at(100),
    }
}

/// A least-squares line `fuel = intercept + slope × entries`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Fuel per metadata entry.
    pub slope: f64,
    /// Fuel at zero entries, as fitted.
    pub intercept: f64,
    /// Coefficient of determination (1 = the points lie on the line).
    pub r2: f64,
}

impl Fit {
    /// The least-squares line through `points` (x, y); `None` with fewer than two distinct x.
    pub fn least_squares(points: &[(f64, f64)]) -> Option<Fit> {
        let n = points.len() as f64;
        if points.len() < 2 {
            return None;
        }
        let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
        let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
        if sxx == 0.0 {
            return None;
        }
        let slope = sxy / sxx;
        let intercept = mean_y - slope * mean_x;
        let total: f64 = points.iter().map(|p| (p.1 - mean_y).powi(2)).sum();
        let residual: f64 = points
            .iter()
            .map(|p| (p.1 - (intercept + slope * p.0)).powi(2))
            .sum();
        let r2 = if total == 0.0 {
            1.0
        } else {
            1.0 - residual / total
        };
        Some(Fit {
            slope,
            intercept,
            r2,
        })
    }
}

/// The median of some durations (the lower middle one for an even count).
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples
        .get(samples.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_has_no_percentile() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(latency(&mut []), Latency::default());
        assert_eq!(Latency::of(&mut []), None);
    }

    #[test]
    fn one_sample_is_every_percentile() {
        for p in [0, 1, 50, 99, 100] {
            assert_eq!(percentile(&[7], p), Some(7));
        }
    }

    #[test]
    fn nearest_rank() {
        let data: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&data, 50), Some(50));
        assert_eq!(percentile(&data, 99), Some(99));
        assert_eq!(percentile(&data, 100), Some(100));
        assert_eq!(percentile(&data, 0), Some(1));
        let small = [10, 20, 30, 40];
        assert_eq!(percentile(&small, 50), Some(20));
        assert_eq!(percentile(&small, 51), Some(30));
        assert_eq!(percentile(&small, 99), Some(40));
        assert_eq!(percentile(&small, 250), Some(40));
    }

    #[test]
    fn p99_of_a_thousand_ignores_the_top_ten() {
        let mut data: Vec<u64> = vec![5; 990];
        data.extend([1_000_000; 10]);
        let l = latency(&mut data);
        assert_eq!(l.p50, Duration::from_nanos(5));
        assert_eq!(l.p99, Duration::from_nanos(5));
        assert_eq!(l.max, Duration::from_nanos(1_000_000));
        data.push(1_000_000);
        data.sort_unstable();
        assert_eq!(percentile(&data, 99), Some(1_000_000));
    }

    #[test]
    fn latency_sorts_its_input() {
        let mut data = vec![30, 10, 20];
        let l = latency(&mut data);
        assert_eq!(data, [10, 20, 30]);
        assert_eq!(l.p50, Duration::from_nanos(20));
        assert_eq!(l.max, Duration::from_nanos(30));
    }
}
