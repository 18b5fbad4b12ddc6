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
//! The same seed gives the same bits on every run and for any thread count; another row order
//! gives every customer the same weights, so the same intervals up to the rounding of sums and
//! solves in another order (a test holds them to 1e-9). A
//! customer gets the same weight whether the analysis runs on everyone or on their segment.
//!
//! **Evaluation.** Resamples reweight the counts already in memory and feed them to the same
//! solvers; the data is never re-read. They run in parallel, in batches of eight that share
//! one pass over the data (results collected in resample order). A draw is a lookup in an
//! inverse-CDF table of the count's Poisson law (one per distinct count up to 400; other counts
//! use inversion or the PTRS rejection sampler); the two counts of a row share one 64-bit
//! random number (two 32-bit uniforms).
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

/// A Poisson(λ) draw; `exp_neg` = e^−λ (precomputed per unit). Inversion below λ = 10, the
/// PTRS transformed rejection of Hörmann (1993) above (valid from λ = 10; O(1) per draw).
#[cold]
fn poisson(lambda: f64, exp_neg: f64, rng: &mut SplitMix64) -> f64 {
    if lambda <= 0.0 {
        return 0.0;
    }
    if lambda < 10.0 {
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

/// Inverse-CDF tables of the Poisson laws of the counts that occur often (path tables hold
/// integer counts, journeys weigh 1): a draw is a guide-table lookup and a short scan, about as
/// cheap as the uniform itself. Other means fall back to [`poisson`].
#[derive(Debug, Clone, Default)]
struct PoissonTables {
    /// Per table: `(start, len)` of its entries in `cdf` and `guide`.
    span: Vec<(u32, u32)>,
    /// All tables, flat: `cdf[start + k] = P(X ≤ k)` (a table's last entry is 1) and the guide:
    /// `guide[guide_start + g]` = the smallest k with `P(X ≤ k) > g / (GUIDE · len)`.
    cdf: Vec<f64>,
    guide: Vec<u32>,
    /// Per table: where its guide starts (it has `GUIDE × len` entries).
    guide_start: Vec<u32>,
    /// Mean (bits) → table.
    index: hashbrown::HashMap<u64, u32>,
}

/// Guide entries per table entry.
const GUIDE: usize = 8;
/// A guide entry whose cell holds a table boundary.
const IMPURE: u32 = 1 << 31;
/// 2⁻³²: a 32-bit uniform as a real in [0, 1).
const U32: f64 = 1.0 / 4_294_967_296.0;
/// Means up to this value get a table.
const TABLE_MAX_MEAN: f64 = 400.0;
/// At most this many distinct means get a table.
const MAX_TABLES: usize = 4096;
/// No table: draw with [`poisson`].
const NO_TABLE: u32 = u32::MAX;

impl PoissonTables {
    /// The table of mean `lambda` (built on first use), or [`NO_TABLE`].
    fn table_of(&mut self, lambda: f64) -> u32 {
        if !(lambda > 0.0 && lambda <= TABLE_MAX_MEAN) {
            return NO_TABLE;
        }
        if let Some(&t) = self.index.get(&lambda.to_bits()) {
            return t;
        }
        if self.span.len() >= MAX_TABLES {
            return NO_TABLE;
        }
        // pmf by the recurrence p(k) = p(k−1) λ / k, summed until the tail is below 1e-17
        let start = self.cdf.len();
        let (mut p, mut f, mut k) = ((-lambda).exp(), 0.0f64, 0.0f64);
        loop {
            f += p;
            self.cdf.push(f.min(1.0));
            k += 1.0;
            p *= lambda / k;
            if (k > lambda && p < 1e-17) || self.cdf.len() - start > 10_000 {
                break;
            }
        }
        if let Some(last) = self.cdf.last_mut() {
            *last = 1.0;
        }
        let cdf = &self.cdf[start..];
        let n = cdf.len();
        // a guide eight times as fine as the table, over the 32-bit uniforms: cell g holds the
        // draw of its smallest uniform, flagged IMPURE when a table boundary falls inside the
        // cell (then the draw scans on from there; otherwise it is the cell's value)
        let g_len = GUIDE * n;
        let mut j = 0usize;
        for g in 0..g_len as u64 {
            let lo = (g << 32).div_ceil(g_len as u64); // smallest 32-bit uniform of the cell
            let hi = ((g + 1) << 32).div_ceil(g_len as u64) - 1; // largest
            let u_lo = lo as f64 * U32;
            while j + 1 < n && cdf[j] <= u_lo {
                j += 1;
            }
            let pure = j + 1 == n || cdf[j] > hi as f64 * U32;
            self.guide.push(j as u32 | if pure { 0 } else { IMPURE });
        }
        let t = self.span.len() as u32;
        self.span.push((start as u32, n as u32));
        self.guide_start.push(self.guide.len() as u32 - g_len as u32);
        self.index.insert(lambda.to_bits(), t);
        t
    }

    /// A draw from table `t` (not [`NO_TABLE`]) with the 32-bit uniform `u` (that is,
    /// `u / 2³²` in [0, 1)).
    #[inline(always)]
    fn draw(&self, t: u32, u: u32) -> f64 {
        let (start, n) = self.span[t as usize];
        let (start, n) = (start as usize, n as usize);
        let g_len = (GUIDE * n) as u64;
        let g = self.guide_start[t as usize] as usize + ((u as u64 * g_len) >> 32) as usize;
        let e = self.guide[g];
        if e & IMPURE == 0 {
            return e as f64;
        }
        let cdf = &self.cdf[start..start + n];
        let uf = u as f64 * U32;
        let mut k = (e & !IMPURE) as usize;
        while k + 1 < n && cdf[k] <= uf {
            k += 1;
        }
        k as f64
    }
}

/// How the rows of some data are resampled: per row (in data order) its unit key, its observed
/// counts and the Poisson tables of its counts.
#[derive(Debug, Clone)]
pub(crate) struct Units {
    seed: u64,
    /// Journeys: one weight per customer; paths: per-row Poisson draws of the counts.
    per_customer: bool,
    /// Per row: unit key, observed conversions, nulls, value, e^−conversions, e^−nulls.
    key: Vec<u64>,
    conv: Vec<f64>,
    nulls: Vec<f64>,
    value: Vec<f64>,
    exp_conv: Vec<f64>,
    exp_nulls: Vec<f64>,
    /// Per row: the Poisson table of the conversions and of the nulls.
    table_conv: Vec<u32>,
    table_nulls: Vec<u32>,
    tables: PoissonTables,
    /// Totals of the observed data: journeys, conversions.
    pub journeys: f64,
    pub conversions: f64,
}

impl Units {
    /// The resampling units of every row of `data`.
    pub(crate) fn new(data: Data<'_>, seed: u64) -> Units {
        let n = data.len();
        let cat = data.catalog();
        let mut key: Vec<u64> = Vec::with_capacity(n);
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
                    key.push(k);
                }
            }
            Data::Paths(p) => {
                // a path's key mixes its touchpoints' name keys in order: it depends on the names,
                // not on the catalog's numbering
                let tp_key: Vec<u64> = (0..cat.len())
                    .map(|i| name_key([cat.name(crate::TouchpointId(i as u32)).unwrap_or("?").as_bytes()]))
                    .collect();
                for r in p.iter() {
                    let h = r.touchpoints.iter().fold(0x243f_6a88_85a3_08d3u64, |h, t| {
                        SplitMix64(h ^ tp_key.get(t.index()).copied().unwrap_or(0)).next_u64()
                    });
                    key.push(h);
                }
            }
        }
        let (mut conv, mut nulls, mut value) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        for r in data.rows(None) {
            (conv[r.index], nulls[r.index], value[r.index]) = (r.conversions, r.nulls, r.value);
        }
        let per_customer = matches!(data, Data::Journeys(_));
        let (exp_conv, exp_nulls) = if per_customer {
            (Vec::new(), Vec::new())
        } else {
            (conv.iter().map(|&l: &f64| (-l).exp()).collect(), nulls.iter().map(|&l: &f64| (-l).exp()).collect())
        };
        let mut tables = PoissonTables::default();
        let (table_conv, table_nulls) = if per_customer {
            tables.table_of(1.0);
            (Vec::new(), Vec::new())
        } else {
            let tc: Vec<u32> = conv.iter().map(|&l| tables.table_of(l)).collect();
            let tn: Vec<u32> = nulls.iter().map(|&l| tables.table_of(l)).collect();
            (tc, tn)
        };
        Units {
            seed,
            per_customer,
            key,
            journeys: conv.iter().zip(&nulls).map(|(c, n)| c + n).sum(),
            conversions: conv.iter().sum(),
            conv,
            nulls,
            value,
            exp_conv,
            exp_nulls,
            table_conv,
            table_nulls,
            tables,
        }
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

    /// The resampled (conversions, nulls, value) of row `p` in the resample of key `rkey`.
    #[inline]
    pub(crate) fn draw_keyed(&self, rkey: u64, p: usize) -> (f64, f64, f64) {
        let (c, n) = self.draw_counts(rkey, p);
        let v = if self.per_customer {
            // c = w · conv: the customer's weight scales the value alike
            if self.conv[p] + self.nulls[p] > 0.0 {
                self.value[p] * (c + n) / (self.conv[p] + self.nulls[p])
            } else {
                0.0
            }
        } else if self.conv[p] > 0.0 {
            self.value[p] * c / self.conv[p]
        } else {
            0.0
        };
        (c, n, v)
    }

    /// The resampled (conversions, nulls) of row `p` (as [`draw_keyed`](Self::draw_keyed),
    /// without the value). One 64-bit draw gives the two 32-bit uniforms of the two counts.
    #[inline(always)]
    pub(crate) fn draw_counts(&self, rkey: u64, p: usize) -> (f64, f64) {
        let mut rng = SplitMix64(rkey ^ self.key[p]);
        let z = rng.next_u64();
        let (u1, u2) = ((z >> 32) as u32, z as u32);
        if self.per_customer {
            let w = self.tables.draw(0, u1);
            return (w * self.conv[p], w * self.nulls[p]);
        }
        // most rows have no conversions (or no non-conversions): nothing to draw for them
        let c = match self.table_conv[p] {
            _ if self.conv[p] <= 0.0 => 0.0,
            NO_TABLE => poisson(self.conv[p], self.exp_conv[p], &mut rng),
            t => self.tables.draw(t, u1),
        };
        let n = match self.table_nulls[p] {
            _ if self.nulls[p] <= 0.0 => 0.0,
            NO_TABLE => poisson(self.nulls[p], self.exp_nulls[p], &mut rng),
            t => self.tables.draw(t, u2),
        };
        (c, n)
    }

    /// Whether row `p` has conversions.
    #[inline]
    pub(crate) fn converts(&self, p: usize) -> bool {
        self.conv[p] > 0.0
    }

    /// The multiplier of the observed conversions (and value) of row `p` when
    /// `drawn` are its resampled conversions.
    #[inline]
    pub(crate) fn conversion_multiplier_of(&self, p: usize, drawn: f64) -> f64 {
        if self.conv[p] > 0.0 { drawn / self.conv[p] } else { 0.0 }
    }

    /// A reweighted copy of `data` for resample `b` (for solvers that need whole data), or
    /// None when the resample holds no journey.
    pub(crate) fn resampled(&self, data: Data<'_>, b: usize) -> Result<Option<Resampled>> {
        let n = self.len();
        let (mut c, mut nl, mut v) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let mut total = 0.0;
        let rkey = self.key_of(b);
        for r in 0..n {
            let (a, bb, cc) = self.draw_keyed(rkey, r);
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
                    .map(|r| {
                        let base = self.conv[r] + self.nulls[r];
                        if base > 0.0 { j.weight_of(r) * (c[r] + nl[r]) / base } else { 0.0 }
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

/// Resamples evaluated together by [`each_batch`] (one pass over the data per batch).
pub(crate) const BATCH: usize = 8;

/// Evaluate `f` on batches of at most [`BATCH`] resamples of `0..b`, in parallel; `f` returns
/// one result per resample of its batch; results in resample order (the same for any thread
/// count).
pub(crate) fn each_batch<R: Send>(
    b: usize,
    f: impl Fn(std::ops::Range<usize>) -> Vec<R> + Sync + Send,
) -> crate::Result<Vec<R>> {
    let batches: Vec<std::ops::Range<usize>> =
        (0..b.div_ceil(BATCH)).map(|i| i * BATCH..((i + 1) * BATCH).min(b)).collect();
    let prog = crate::progress::current();
    if let Some(p) = &prog {
        p.start("resamples", b as u64);
    }
    let run = |r: std::ops::Range<usize>| -> crate::Result<Vec<R>> {
        crate::progress::tick(&prog, 0)?;
        let n = r.len() as u64;
        let out = f(r);
        crate::progress::tick(&prog, n)?;
        Ok(out)
    };
    #[cfg(feature = "rayon")]
    let parts: Vec<Vec<R>> = {
        use rayon::prelude::*;
        batches.into_par_iter().map(run).collect::<crate::Result<_>>()?
    };
    #[cfg(not(feature = "rayon"))]
    let parts: Vec<Vec<R>> = batches.into_iter().map(run).collect::<crate::Result<_>>()?;
    if let Some(p) = &prog {
        p.finish();
    }
    Ok(parts.into_iter().flatten().collect())
}

/// Evaluate `f` for resamples `0..b` in parallel; results in resample order (the same for any
/// thread count). Counts resamples on the current [`Progress`](crate::progress::Progress).
pub(crate) fn each_resample<R: Send>(b: usize, f: impl Fn(usize) -> R + Sync + Send) -> crate::Result<Vec<R>> {
    let prog = crate::progress::current();
    if let Some(p) = &prog {
        p.start("resamples", b as u64);
    }
    let run = |k: usize| -> crate::Result<R> {
        crate::progress::tick(&prog, 0)?;
        let out = f(k);
        crate::progress::tick(&prog, 1)?;
        Ok(out)
    };
    #[cfg(feature = "rayon")]
    let out: Vec<R> = {
        use rayon::prelude::*;
        (0..b).into_par_iter().map(run).collect::<crate::Result<_>>()?
    };
    #[cfg(not(feature = "rayon"))]
    let out: Vec<R> = (0..b).map(run).collect::<crate::Result<_>>()?;
    if let Some(p) = &prog {
        p.finish();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_draws_have_the_right_mean_and_variance() {
        for &lambda in &[0.5f64, 1.0, 7.0, 9.9, 10.0, 12.5, 29.0, 31.0, 500.0] {
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
    fn table_draws_are_the_inverse_cdf() {
        let mut t = PoissonTables::default();
        for &lambda in &[1.0f64, 3.0, 10.0, 57.0, 400.0] {
            let id = t.table_of(lambda);
            assert_ne!(id, NO_TABLE);
            assert_eq!(t.table_of(lambda), id, "one table per mean");
            let (start, n) = t.span[id as usize];
            let cdf = t.cdf[start as usize..(start + n) as usize].to_vec();
            // brute force over the table itself: the smallest k with P(X ≤ k) > u, exactly; and
            // against an independent recurrence, to the last bit of a boundary
            let mut rng = SplitMix64(9);
            let mut us: Vec<u32> = (0..4000).map(|_| rng.next_u64() as u32).collect();
            us.extend([0, 1, u32::MAX, u32::MAX - 1]);
            // the uniforms at every table boundary and next to it
            for &c in &cdf {
                let b = (c * 4_294_967_296.0).min(u32::MAX as f64) as u32;
                us.extend([b.saturating_sub(1), b, b.saturating_add(1)]);
            }
            for u in us {
                let uf = u as f64 * U32;
                let want = cdf.iter().position(|&c| c > uf).unwrap_or(cdf.len() - 1) as f64;
                assert_eq!(t.draw(id, u), want, "λ = {lambda}, u = {u}");
                let (mut k, mut p, mut f) = (0.0f64, (-lambda).exp(), (-lambda).exp());
                while f <= uf && k < 5000.0 {
                    k += 1.0;
                    p *= lambda / k;
                    f += p;
                }
                assert!((want - k).abs() <= 1.0, "λ = {lambda}, u = {u}: {want} vs {k}");
            }
        }
        assert_eq!(t.table_of(0.0), NO_TABLE);
        assert_eq!(t.table_of(TABLE_MAX_MEAN * 2.0), NO_TABLE);
    }

    #[test]
    fn resampled_counts_have_poisson_moments() {
        // a path table with counts 1, 7 and 5000 (tables and the rejection sampler)
        let mut p = PathTable::default();
        p.add_path_str("a", ">", 1.0, 7.0, 0.0).unwrap();
        p.add_path_str("b", ">", 5000.0, 0.0, 0.0).unwrap();
        let u = Units::new(Data::Paths(&p), 4);
        for (row, conv, nulls) in [(0usize, 1.0f64, 7.0f64), (1, 5000.0, 0.0)] {
            let pos = row;
            let n = 20_000;
            let draws: Vec<(f64, f64, f64)> = (0..n).map(|b| u.draw_keyed(u.key_of(b), pos)).collect();
            for (i, want) in [(0, conv), (1, nulls)] {
                let x: Vec<f64> = draws.iter().map(|d| if i == 0 { d.0 } else { d.1 }).collect();
                let mean = x.iter().sum::<f64>() / n as f64;
                let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
                assert!((mean - want).abs() <= 5.0 * (want / n as f64).sqrt() + 1e-12, "{want}: mean {mean}");
                assert!((var - want).abs() <= 0.06 * want + 1e-12, "{want}: variance {var}");
            }
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
