//! Percentiles of counted values — `(value, how many)` pairs, as the
//! statistics rollups keep durations once the single rows are gone.

/// The `p` percentile (0 to 1) of the values counted in `counts`, by linear
/// interpolation between the closest ranks (as PostgreSQL's
/// `percentile_cont`); `None` when nothing is counted.
pub fn percentile(counts: &[(i64, i64)], p: f64) -> Option<f64> {
    let mut sorted: Vec<(i64, i64)> = counts.iter().copied().filter(|(_, n)| *n > 0).collect();
    sorted.sort_unstable();
    let total: i64 = sorted.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let position = p.clamp(0.0, 1.0) * (total - 1) as f64;
    let at = |rank: i64| {
        let mut seen = 0;
        for (value, n) in &sorted {
            seen += n;
            if rank < seen {
                return *value as f64;
            }
        }
        sorted[sorted.len() - 1].0 as f64
    };
    let (low, high) = (at(position.floor() as i64), at(position.ceil() as i64));
    Some(low + (high - low) * (position - position.floor()))
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn matches_percentile_cont() {
        // 1, 2, 3, 4: median 2.5 (PostgreSQL gives the same).
        let c = [(1, 1), (2, 1), (3, 1), (4, 1)];
        assert_eq!(percentile(&c, 0.5), Some(2.5));
        // 1..=10: 90th percentile 9.1.
        let c: Vec<(i64, i64)> = (1..=10).map(|v| (v, 1)).collect();
        assert!((percentile(&c, 0.9).unwrap() - 9.1).abs() < 1e-9);
        // Counts, in any order: 5 × 2 and 1 × 10 → median 2, p90 2 + 0.5 × 8.
        let c = [(10, 1), (2, 5)];
        assert_eq!(percentile(&c, 0.5), Some(2.0));
        assert!((percentile(&c, 0.9).unwrap() - 6.0).abs() < 1e-9);
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[(3, 0)], 0.5), None);
    }
}
