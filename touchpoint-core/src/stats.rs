//! Small descriptive statistics shared by the analyses: quantiles and summaries of durations.

use crate::rows::DurationMs;

/// The `q`-quantile of sorted values by linear interpolation between order statistics (the
/// "type 7" rule of R and numpy's default): `q = 0.5` of `[2, 2, 5]` is 2, of `[1, 2]` is 1.5.
/// None for no values.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Median, mean and quartiles of a set of durations (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DurationSummary {
    /// How many durations.
    pub n: usize,
    /// Median.
    pub median: Option<DurationMs>,
    /// Mean.
    pub mean: Option<DurationMs>,
    /// 25th percentile.
    pub p25: Option<DurationMs>,
    /// 75th percentile.
    pub p75: Option<DurationMs>,
    /// 90th percentile.
    pub p90: Option<DurationMs>,
}

impl DurationSummary {
    /// Summarise durations (sorted in place). Quantiles interpolate linearly and round to the
    /// millisecond.
    pub fn of(values: &mut [i64]) -> Self {
        values.sort_unstable();
        let f: Vec<f64> = values.iter().map(|&v| v as f64).collect();
        let ms = |x: Option<f64>| x.map(|v| DurationMs(v.round() as i64));
        let mean = if f.is_empty() { None } else { Some(f.iter().sum::<f64>() / f.len() as f64) };
        Self {
            n: values.len(),
            median: ms(quantile_sorted(&f, 0.5)),
            mean: ms(mean),
            p25: ms(quantile_sorted(&f, 0.25)),
            p75: ms(quantile_sorted(&f, 0.75)),
            p90: ms(quantile_sorted(&f, 0.9)),
        }
    }
}

/// `num / den`, or None when `den` is 0 (a rate of nothing is missing, not NaN or 0).
pub fn ratio(num: f64, den: f64) -> Option<f64> {
    if den > 0.0 { Some(num / den) } else { None }
}

/// The 97.5 % quantile of the standard normal: a 95 % two-sided interval is `x ± Z95 · se`.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Two-sided p-value of a standard-normal statistic `z`: `P(|Z| ≥ |z|)`.
pub fn normal_p_value(z: f64) -> f64 {
    libm::erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// The Wilson score interval of `k` successes in `n` trials at normal quantile `z`; None for
/// `n = 0`.
///
/// ```
/// use touchpoint_core::stats::{wilson, Z95};
/// let (lo, hi) = wilson(4, 7, Z95).unwrap();
/// assert!((lo - 0.250458).abs() < 1e-6 && (hi - 0.841780).abs() < 1e-6);
/// ```
pub fn wilson(k: usize, n: usize, z: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (n, p) = (n as f64, k as f64 / n as f64);
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// A sum of reals in fixed point (steps of 2⁻⁴⁰ ≈ 9.1e-13, in an `i128`): addition is exact, so a sum does
/// not depend on the order of its terms, the thread count or how the data was partitioned.
/// Each term is rounded to the nearest step once; the sum must stay within ±1e26.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FixedSum(i128);

impl FixedSum {
    const SCALE: f64 = 1_099_511_627_776.0;

    /// Add one term.
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.0 += (x * Self::SCALE).round() as i128;
    }

    /// Add another sum.
    #[inline]
    pub fn merge(&mut self, o: FixedSum) {
        self.0 += o.0;
    }

    /// The sum as a float.
    pub fn get(self) -> f64 {
        self.0 as f64 / Self::SCALE
    }

    /// The fixed-point integer (units of 2⁻⁴⁰), for partials.
    pub(crate) fn raw(self) -> i128 {
        self.0
    }

    /// A sum from [`FixedSum::raw`].
    pub(crate) fn from_raw(v: i128) -> Self {
        FixedSum(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&v, 0.5), Some(2.5));
        assert_eq!(quantile_sorted(&v, 0.25), Some(1.75));
        assert_eq!(quantile_sorted(&v, 0.9), Some(3.7));
        assert_eq!(quantile_sorted(&[], 0.5), None);
        let mut d = [5, 2, 2];
        let s = DurationSummary::of(&mut d);
        assert_eq!((s.median, s.mean, s.n), (Some(DurationMs(2)), Some(DurationMs(3)), 3));
    }
}
