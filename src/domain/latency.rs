//! Latency percentiles that hold at any scale: calls are counted in
//! log-scale buckets, as DDSketch does. Bucket `b` (from 1) holds latencies
//! in (γ^(b-2), γ^(b-1)] milliseconds and answers with a value within
//! `RELATIVE_ACCURACY` of every latency in it; bucket 0 holds 0 ms. Counts
//! merge by adding, so the rollups keep them per hour and per day and a
//! window's percentile is a sum of rows. Seven days (the longest latency
//! accepted) fit in 675 buckets; a busy hour uses a few dozen.
//!
//! The migration that made the tables keeps its own copy of the mapping
//! (`migration::latency_bucket`); a test holds the two equal.
use std::collections::BTreeMap;

/// How far a percentile may be from the exact one, relative: 1.5%, which
/// with rounding to whole milliseconds stays within 2% (or 1 ms).
pub const RELATIVE_ACCURACY: f64 = 0.015;

/// γ = (1 + α) / (1 − α): each bucket's upper bound over its lower one.
fn gamma() -> f64 {
    (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)
}

/// The bucket a latency falls in; negative latencies count as 0 ms.
pub fn bucket_of(ms: i64) -> i32 {
    if ms <= 0 {
        return 0;
    }
    // ln(i64::MAX) / ln γ is about 1,460: the cast cannot overflow.
    ((ms as f64).ln() / gamma().ln()).ceil() as i32 + 1
}

/// The value a bucket answers with: 2γ^(b-1)/(γ+1), the point whose
/// relative distance to both ends of the bucket is α.
pub fn representative(bucket: i32) -> i64 {
    if bucket <= 0 {
        return 0;
    }
    let g = gamma();
    (2.0 * g.powi(bucket - 1) / (g + 1.0)).round() as i64
}

/// Calls per bucket, for one scope and window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LatencyCounts(BTreeMap<i32, i64>);

impl LatencyCounts {
    pub fn add(&mut self, ms: i64) {
        self.add_to(bucket_of(ms), 1);
    }

    /// Add `calls` to a bucket (a rollup row), saturating.
    pub fn add_to(&mut self, bucket: i32, calls: i64) {
        let n = self.0.entry(bucket).or_default();
        *n = n.saturating_add(calls.max(0));
    }

    pub fn merge(&mut self, other: &LatencyCounts) {
        for (b, n) in &other.0 {
            self.add_to(*b, *n);
        }
    }

    pub fn buckets(&self) -> impl Iterator<Item = (i32, i64)> + '_ {
        self.0.iter().map(|(b, n)| (*b, *n))
    }

    /// The `q`-th percentile (0 < q ≤ 100) by nearest rank: the value of the
    /// ⌈q·n/100⌉-th fastest call, within `RELATIVE_ACCURACY`. `None` without calls.
    pub fn percentile(&self, q: u32) -> Option<i64> {
        let total: i128 = self.0.values().map(|n| *n as i128).sum();
        if total == 0 {
            return None;
        }
        let rank = ((total * q.min(100) as i128 + 99) / 100).max(1);
        let mut below: i128 = 0;
        for (b, n) in &self.0 {
            below += *n as i128;
            if below >= rank {
                return Some(representative(*b));
            }
        }
        self.0.keys().next_back().map(|b| representative(*b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The exact nearest-rank percentile of `values`.
    fn exact(values: &mut [i64], q: u32) -> i64 {
        values.sort_unstable();
        let rank = (values.len() * q as usize).div_ceil(100).max(1);
        values[rank - 1]
    }

    fn close(estimate: i64, exact: i64) -> bool {
        (estimate - exact).abs() as f64 <= (0.02 * exact as f64).max(1.0)
    }

    #[test]
    fn buckets_answer_within_the_accuracy() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(-5), 0);
        assert_eq!(representative(bucket_of(1)), 1);
        for ms in [1, 2, 3, 7, 10, 99, 100, 101, 999, 1_000, 3_220, 3_460, 60_000, 604_800_000, i64::MAX / 2] {
            let r = representative(bucket_of(ms));
            assert!(close(r, ms), "{ms} ms answers {r}");
        }
        assert!(bucket_of(604_800_000) < 700, "seven days in a few hundred buckets: {}", bucket_of(604_800_000));
        assert!(bucket_of(i64::MAX) > 0);
    }

    #[test]
    fn no_calls_no_percentile() {
        assert_eq!(LatencyCounts::default().percentile(50), None);
        let mut c = LatencyCounts::default();
        c.add_to(5, -3);
        assert_eq!(c.percentile(50), None, "negative counts are not counted");
    }

    #[test]
    fn a_long_tail_moves_p99_not_p50() {
        let mut c = LatencyCounts::default();
        (0..980).for_each(|_| c.add(200));
        (0..20).for_each(|_| c.add(45_000));
        assert!(close(c.percentile(50).unwrap(), 200));
        assert!(close(c.percentile(95).unwrap(), 200));
        assert!(close(c.percentile(99).unwrap(), 45_000));
        // Merged halves give the same answers as the whole.
        let (mut a, mut b) = (LatencyCounts::default(), LatencyCounts::default());
        (0..980).for_each(|i| if i % 2 == 0 { a.add(200) } else { b.add(200) });
        (0..20).for_each(|_| b.add(45_000));
        a.merge(&b);
        assert_eq!(a, c);
        // Huge counts do not overflow.
        let mut huge = LatencyCounts::default();
        huge.add_to(10, i64::MAX);
        huge.add_to(10, i64::MAX);
        huge.add_to(500, i64::MAX);
        assert_eq!(huge.percentile(99), Some(representative(500)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Uniform, log-uniform and Pareto-tailed latencies: p50, p95 and
        /// p99 are within 2% (or 1 ms) of the exact ones.
        #[test]
        fn percentiles_are_within_two_percent(
            shape in 0..3u8,
            seeds in prop::collection::vec(0.0f64..1.0, 1..2_000),
        ) {
            let mut values: Vec<i64> = seeds
                .iter()
                .map(|u| match shape {
                    0 => (u * 10_000.0) as i64,
                    1 => (10f64.powf(u * 8.0)) as i64,
                    // Pareto (α = 1.2) from 80 ms: a long tail.
                    _ => ((80.0 / (1.0 - u).max(1e-9).powf(1.0 / 1.2)) as i64).min(604_800_000),
                })
                .collect();
            let mut counts = LatencyCounts::default();
            values.iter().for_each(|ms| counts.add(*ms));
            for q in [50, 95, 99] {
                let (estimate, exact) = (counts.percentile(q).unwrap(), exact(&mut values, q));
                prop_assert!(close(estimate, exact), "p{q}: {estimate} against {exact}");
            }
        }
    }
}
