//! Customer-level bootstrap: intervals for figures that have no formula (Markov removal
//! effects, attribution credit, graph metrics).
//!
//! **Resampling unit.** Each customer gets a Poisson(1) weight per resample, shared by all of
//! their journeys. A path table has no customers: each row stands for `conversions + nulls`
//! journeys, each with its own Poisson(1) weight, so the row's conversions become a
//! Poisson(`conversions`) draw and its non-conversions a Poisson(`nulls`) draw (value follows
//! the conversions: `value × drawn / observed`).
//!
//! **Determinism.** A weight is a pure function of `(seed, resample, unit)`, where the unit is
//! a hash of the customer's *name* (or of the path's touchpoint names), never of a row position.
//! The same seed gives the same bits on every run, for any thread count and any row order, and a
//! customer gets the same weight whether the analysis runs on everyone or on their segment.
//!
//! **Evaluation.** Resamples reweight the counts already in memory and feed them to the same
//! solvers; the data is never re-read. They run in parallel (one task per resample, results
//! collected in resample order).
//!
//! **Intervals.** Percentile intervals at `level` (type-7 quantiles of the resampled figures)
//! and the bootstrap standard error (standard deviation of the resampled figures, `n − 1`).
//! Resamples that hold no data (possible with very few customers) are skipped and counted.
//!
//! ```
//! use touchpoint_core::bootstrap::{BootstrapOptions, Interval};
//! let opts = BootstrapOptions { resamples: 0, ..Default::default() };
//! assert!(opts.validate().is_err()); // B = 0 is an error, not an empty interval
//! let i = Interval::of(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.5).unwrap();
//! assert_eq!((i.lower, i.upper), (2.0, 4.0));
//! ```

use crate::data::Data;
use crate::error::{Error, Result};
use crate::journey::Journeys;
use crate::paths::PathTable;
use crate::rng::SplitMix64;

/// e^−1.
const E_NEG_1: f64 = 0.367_879_441_171_442_33;

/// Most resamples accepted.
pub const MAX_RESAMPLES: usize = 100_000;

/// Options of a bootstrap.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct BootstrapOptions {
    /// Number of resamples B (1..=100,000; 200 by default).
    pub resamples: usize,
    /// Seed of the Poisson weights.
    pub seed: u64,
    /// Confidence level of the intervals, in (0, 1); 0.95 by default.
    pub level: f64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        Self { resamples: 200, seed: 0, level: 0.95 }
    }
}

impl BootstrapOptions {
    /// Check the options: B = 0, B > [`MAX_RESAMPLES`] and a level outside (0, 1) are errors.
    pub fn validate(&self) -> Result<()> {
        if self.resamples == 0 {
            return Err(Error::option(
                "bootstrap",
                0,
                "0 resamples give no interval; use 200 (the default) or more, or leave the bootstrap off",
            ));
        }
        if self.resamples > MAX_RESAMPLES {
            return Err(Error::option(
                "bootstrap",
                self.resamples,
                format!("at most {MAX_RESAMPLES} resamples; 200–2,000 are plenty for 95 % intervals"),
            ));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::option("ci", self.level, "the confidence level must be within (0, 1), e.g. 0.95"));
        }
        Ok(())
    }

    /// A one-line description for result notes.
    pub fn describe(&self, used: usize) -> String {
        let skipped = self.resamples - used.min(self.resamples);
        let mut s = format!(
            "{:.0} % percentile intervals from a customer-level Poisson bootstrap: {} resamples, seed {}",
            self.level * 100.0,
            self.resamples,
            self.seed
        );
        if skipped > 0 {
            s.push_str(&format!(" ({skipped} resamples without data or without a defined figure skipped)"));
        }
        s
    }
}

/// A bootstrap interval of one figure.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Interval {
    /// Lower percentile bound.
    pub lower: f64,
    /// Upper percentile bound.
    pub upper: f64,
    /// Bootstrap standard error (0 with a single resample).
    pub std_error: f64,
    /// Resamples the interval is computed from.
    pub resamples: usize,
}

impl Interval {
    /// The percentile interval at `level` and the standard error of resampled figures;
    /// non-finite figures are ignored. None when no figure is finite.
    pub fn of(draws: &[f64], level: f64) -> Option<Interval> {
        let mut v: Vec<f64> = draws.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let a = (1.0 - level) / 2.0;
        let n = v.len();
        let mean = v.iter().sum::<f64>() / n as f64;
        let var = if n > 1 { v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64 } else { 0.0 };
        Some(Interval {
            lower: crate::stats::quantile_sorted(&v, a)?,
            upper: crate::stats::quantile_sorted(&v, 1.0 - a)?,
            std_error: var.sqrt(),
            resamples: n,
        })
    }
}

/// Two-sided bootstrap p-value of "the difference is 0" from resampled differences:
/// `min(1, 2 · min(#{d ≤ 0} + 1, #{d ≥ 0} + 1) / (n + 1))`.
pub fn p_value(diffs: &[f64]) -> Option<f64> {
    let d: Vec<f64> = diffs.iter().copied().filter(|x| x.is_finite()).collect();
    if d.is_empty() {
        return None;
    }
    let le = d.iter().filter(|&&x| x <= 0.0).count() as f64;
    let ge = d.iter().filter(|&&x| x >= 0.0).count() as f64;
    Some((2.0 * (le.min(ge) + 1.0) / (d.len() as f64 + 1.0)).min(1.0))
}

/// Benjamini–Hochberg adjusted p-values (the false-discovery-rate step-up procedure); None
/// entries stay None and are not counted among the tests.
///
/// ```
/// use touchpoint_core::bootstrap::benjamini_hochberg;
/// let q = benjamini_hochberg(&[Some(0.01), Some(0.04), None, Some(0.03)]);
/// assert_eq!(q, vec![Some(0.03), Some(0.04), None, Some(0.04)]);
/// ```
pub fn benjamini_hochberg(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
    let m = idx.len() as f64;
    idx.sort_by(|&a, &b| p[b].unwrap_or(0.0).total_cmp(&p[a].unwrap_or(0.0)).then(b.cmp(&a)));
    let mut out = vec![None; p.len()];
    let mut running = 1.0f64;
    for (k, &i) in idx.iter().enumerate() {
        let rank = m - k as f64; // largest p first: rank m, m−1, …
        let q = (p[i].unwrap_or(1.0) * m / rank).min(1.0);
        running = running.min(q);
        out[i] = Some(running);
    }
    out
}

/// A stable 64-bit hash of a name (FNV-1a, finished by SplitMix64): the same on every platform.
pub(crate) fn name_key(parts: impl IntoIterator<Item = impl AsRef<[u8]>>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in p.as_ref() {
            h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
        // separator between parts, so ["ab", "c"] and ["a", "bc"] differ
        h = (h ^ 0xff).wrapping_mul(0x0000_0100_0000_01b3);
    }
    SplitMix64(h).next_u64()
}

/// The key of one resample (mixed from the seed and the resample number).
#[inline]
fn resample_key(seed: u64, resample: usize) -> u64 {
    let s = SplitMix64(seed ^ 0x5851_f42d_4c95_7f2d).next_u64();
    SplitMix64(s ^ (resample as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).next_u64()
}

/// The random stream of one unit in one resample.
#[cfg(test)]
fn stream(seed: u64, resample: usize, key: u64) -> SplitMix64 {
    SplitMix64(resample_key(seed, resample) ^ key)
}

/// A Poisson(λ) draw; `exp_neg` = e^−λ (precomputed per unit). Inversion below λ = 30, the
/// PTRS transformed rejection of Hörmann (1993) above.
fn poisson(lambda: f64, exp_neg: f64, rng: &mut SplitMix64) -> f64 {
    if lambda <= 0.0 {
        return 0.0;
    }
    if lambda < 30.0 {
        let u = rng.f64();
        let (mut k, mut p) = (0.0f64, exp_neg);
        let mut f = p;
        while u > f && k < 1000.0 {
            k += 1.0;
            p *= lambda / k;
            f += p;
            if p <= 0.0 {
                break;
            }
        }
        return k;
    }
    let slam = lambda.sqrt();
    let loglam = lambda.ln();
    let b = 0.931 + 2.53 * slam;
    let a = -0.059 + 0.02483 * b;
    let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    let vr = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u = rng.f64() - 0.5;
        let v = rng.f64();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + lambda + 0.43).floor();
        if us >= 0.07 && v <= vr {
            return k;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        let lhs = (v * inv_alpha / (a / (us * us) + b)).ln();
        let rhs = -lambda + k * loglam - libm::lgamma(k + 1.0);
        if lhs <= rhs {
            return k;
        }
    }
}

/// How the rows of some data are resampled: per row its unit key and its observed counts.
#[derive(Debug, Clone)]
pub(crate) struct Units {
    seed: u64,
    /// Journeys: one weight per customer; paths: per-row Poisson draws of the counts.
    per_customer: bool,
    key: Vec<u64>,
    conv: Vec<f64>,
    nulls: Vec<f64>,
    value: Vec<f64>,
    exp_conv: Vec<f64>,
    exp_nulls: Vec<f64>,
    /// Totals of the observed data: journeys, conversions.
    pub journeys: f64,
    pub conversions: f64,
}

impl Units {
    /// The resampling units of every row of `data` (rows in data order).
    pub(crate) fn new(data: Data<'_>, seed: u64) -> Units {
        let n = data.len();
        let mut u = Units {
            seed,
            per_customer: matches!(data, Data::Journeys(_)),
            key: Vec::with_capacity(n),
            conv: Vec::with_capacity(n),
            nulls: Vec::with_capacity(n),
            value: Vec::with_capacity(n),
            exp_conv: Vec::new(),
            exp_nulls: Vec::new(),
            journeys: 0.0,
            conversions: 0.0,
        };
        let cat = data.catalog();
        match data {
            Data::Journeys(j) => {
                let names = j.customer_names();
                let mut keys: Vec<Option<u64>> = vec![None; names.len()];
                for jr in j.iter() {
                    let c = jr.customer as usize;
                    let k = match keys.get(c).copied().flatten() {
                        Some(k) => k,
                        None => {
                            let k = name_key([names.get(c).unwrap_or("").as_bytes()]);
                            if let Some(slot) = keys.get_mut(c) {
                                *slot = Some(k);
                            }
                            k
                        }
                    };
                    u.key.push(k);
                }
            }
            Data::Paths(p) => {
                for r in p.iter() {
                    u.key.push(name_key(r.touchpoints.iter().map(|&t| cat.name(t).unwrap_or("?").as_bytes())));
                }
            }
        }
        for r in data.rows(None) {
            u.conv.push(r.conversions);
            u.nulls.push(r.nulls);
            u.value.push(r.value);
            u.journeys += r.conversions + r.nulls;
            u.conversions += r.conversions;
        }
        if !u.per_customer {
            u.exp_conv = u.conv.iter().map(|&l| (-l).exp()).collect();
            u.exp_nulls = u.nulls.iter().map(|&l| (-l).exp()).collect();
        }
        u
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.key.len()
    }

    /// The key of resample `b`, for [`draw_keyed`](Self::draw_keyed) in loops over rows.
    #[inline]
    pub(crate) fn key_of(&self, b: usize) -> u64 {
        resample_key(self.seed, b)
    }

    /// The resampled (conversions, nulls, value) of row `i` in the resample of key `rkey`.
    #[inline]
    pub(crate) fn draw_keyed(&self, rkey: u64, i: usize) -> (f64, f64, f64) {
        let mut rng = SplitMix64(rkey ^ self.key[i]);
        if self.per_customer {
            let w = poisson(1.0, E_NEG_1, &mut rng);
            (w * self.conv[i], w * self.nulls[i], w * self.value[i])
        } else {
            let c = poisson(self.conv[i], self.exp_conv[i], &mut rng);
            let n = poisson(self.nulls[i], self.exp_nulls[i], &mut rng);
            let v = if self.conv[i] > 0.0 { self.value[i] * c / self.conv[i] } else { 0.0 };
            (c, n, v)
        }
    }

    /// The multiplier of row `i`'s observed conversions (and value) when `drawn` are its
    /// resampled conversions.
    #[inline]
    pub(crate) fn conversion_multiplier_of(&self, i: usize, drawn: f64) -> f64 {
        if self.conv[i] > 0.0 { drawn / self.conv[i] } else { 0.0 }
    }

    /// A reweighted copy of `data` for resample `b` (for solvers that need whole data), or
    /// None when the resample holds no journey.
    pub(crate) fn resampled(&self, data: Data<'_>, b: usize) -> Result<Option<Resampled>> {
        let n = self.len();
        let mut c = Vec::with_capacity(n);
        let mut nl = Vec::with_capacity(n);
        let mut v = Vec::with_capacity(n);
        let mut total = 0.0;
        let rkey = self.key_of(b);
        for i in 0..n {
            let (a, bb, cc) = self.draw_keyed(rkey, i);
            total += a + bb;
            c.push(a);
            nl.push(bb);
            v.push(cc);
        }
        if total <= 0.0 {
            return Ok(None);
        }
        Ok(Some(match data {
            Data::Journeys(j) => {
                // a journey's weight: its own weight × its customer's Poisson weight
                let w: Vec<f64> = (0..n)
                    .map(|i| {
                        let base = self.conv[i] + self.nulls[i];
                        if base > 0.0 { j.weight_of(i) * (c[i] + nl[i]) / base } else { 0.0 }
                    })
                    .collect();
                let mut j = j.clone();
                j.set_weights(w)?;
                Resampled::Journeys(j)
            }
            Data::Paths(p) => Resampled::Paths(p.with_counts(c, nl, v)),
        }))
    }
}

/// Resampled data owned by one resample.
pub(crate) enum Resampled {
    Journeys(Journeys),
    Paths(PathTable),
}

impl Resampled {
    pub(crate) fn data(&self) -> Data<'_> {
        match self {
            Resampled::Journeys(j) => Data::Journeys(j),
            Resampled::Paths(p) => Data::Paths(p),
        }
    }
}

/// Evaluate `f` for resamples `0..b` in parallel; results in resample order (the same for any
/// thread count).
pub(crate) fn each_resample<R: Send>(b: usize, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        (0..b).into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        (0..b).map(f).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_draws_have_the_right_mean_and_variance() {
        for &lambda in &[0.5f64, 1.0, 7.0, 29.0, 31.0, 500.0] {
            let e = (-lambda).exp();
            let n = 40_000;
            let draws: Vec<f64> =
                (0..n).map(|i| poisson(lambda, e, &mut stream(3, i, 0x1234_5678 + i as u64))).collect();
            let mean = draws.iter().sum::<f64>() / n as f64;
            let var = draws.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
            let se = (lambda / n as f64).sqrt();
            assert!((mean - lambda).abs() < 5.0 * se, "λ = {lambda}: mean {mean}");
            assert!((var / lambda - 1.0).abs() < 0.05, "λ = {lambda}: variance {var}");
            assert!(draws.iter().all(|&d| d >= 0.0 && d.fract() == 0.0));
        }
    }

    #[test]
    fn benjamini_hochberg_matches_the_step_up_definition() {
        // brute force: q_i = min over j with p_j >= p_i of p_j m / rank_j
        let p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216];
        let q = benjamini_hochberg(&p.iter().map(|&x| Some(x)).collect::<Vec<_>>());
        let m = p.len() as f64;
        for i in 0..p.len() {
            let want = (0..p.len())
                .filter(|&j| p[j] >= p[i])
                .map(|j| p[j] * m / (p.iter().filter(|&&x| x <= p[j]).count() as f64))
                .fold(1.0f64, f64::min);
            assert!((q[i].unwrap() - want).abs() < 1e-15, "{i}: {:?} vs {want}", q[i]);
        }
    }

    #[test]
    fn options_are_checked() {
        let ok = BootstrapOptions::default();
        assert!(ok.validate().is_ok());
        for bad in [
            BootstrapOptions { resamples: 0, ..ok },
            BootstrapOptions { resamples: MAX_RESAMPLES + 1, ..ok },
            BootstrapOptions { level: 1.0, ..ok },
            BootstrapOptions { level: f64::NAN, ..ok },
        ] {
            let e = bad.validate().unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidOption, "{e}");
        }
    }

    #[test]
    fn p_values_are_two_sided() {
        let all_pos: Vec<f64> = (1..=199).map(|i| i as f64).collect();
        assert_eq!(p_value(&all_pos), Some(0.01));
        let centred: Vec<f64> = (-100..=100).map(|i| i as f64).collect();
        assert_eq!(p_value(&centred), Some(1.0));
        assert_eq!(p_value(&[f64::NAN]), None);
    }
}
