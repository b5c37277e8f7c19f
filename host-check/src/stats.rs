//! Percentiles of latency samples, and the type they are reported in.
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
