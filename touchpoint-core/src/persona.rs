//! Personas: data-driven customer groups, found by k-means over features of each customer's
//! journeys.
//!
//! Every customer with at least one journey becomes one point. Its features aggregate all of
//! the customer's journeys (each journey counted with its weight):
//!
//! 1. **touchpoint shares**, one per touchpoint of the catalog (catalog order): the share of
//!    the customer's touches made at that touchpoint (`share of touches: <touchpoint>`);
//! 2. **transition shares**, one per order-1 transition `a > b` among the
//!    [`MAX_TRANSITIONS`] most frequent ones over all customers (most frequent first, ties by
//!    touchpoint ids): the share of the customer's consecutive touch pairs within a journey
//!    that are `a > b` (`share of transitions: a > b`);
//! 3. **volume and time**: `ln(1 + touches)`, `ln(1 + journeys)` and
//!    `ln(1 + mean journey span in days)`, where a journey's span runs from its first touch to
//!    its end (the conversion, or the last touch).
//!
//! Each feature column is standardised to z-scores (population standard deviation); a column
//! with one value for everybody becomes 0. [`Personas::features`] names the columns.
//!
//! The points are clustered by k-means with k-means++ (D²) seeding: several seeded
//! initialisations ([`PersonaOptions::restarts`]), each followed by Lloyd iterations until
//! the assignments stop changing (or [`PersonaOptions::max_iter`]); the lowest inertia wins.
//! A point goes to the nearest centre, ties to the lowest cluster index; a cluster left empty
//! is re-seeded at the point farthest from its centre. The clusters are then numbered by size,
//! largest first (ties: the cluster holding the lowest customer code), and labelled
//! `persona 1`, `persona 2`, …
//!
//! When [`PersonaOptions::k`] is `None`, k runs over `k_min..=min(k_max, customers − 1)` and
//! the k with the highest mean silhouette wins (ties: the smaller k). The silhouette is exact
//! over a deterministic sample of customers (every ⌈n / sample⌉-th customer, in customer-code
//! order).
//!
//! The result is deterministic: the generator is the crate's SplitMix64, sums run in
//! customer-code order, and the parallel parts (with the `rayon` feature) only compute values
//! independent of each other, so the same seed gives bit-identical personas on any number of
//! threads.
//!
//! Personas are [`Segments`]: every per-segment analysis takes them.
//!
//! ```
//! use touchpoint_core::{EventTable, JourneyOptions, Journeys};
//! use touchpoint_core::persona::{personas, PersonaOptions};
//!
//! let mut b = EventTable::builder();
//! for (i, c) in ["ann", "bob", "cat"].iter().enumerate() {
//!     b.touch(c, "search", i as i64)?;
//! }
//! for c in ["dan", "eve"] {
//!     b.touch(c, "email", 0)?;
//!     b.touch(c, "store", 1)?;
//!     b.conversion(c, 2, 50.0)?;
//! }
//! let events = b.finish()?;
//! let (journeys, _) = Journeys::build(&events, &JourneyOptions::default())?;
//! let p = personas(&journeys, &PersonaOptions { k: Some(2), ..Default::default() })?;
//! assert_eq!(p.segments.label_of_customer(0), "persona 1"); // ann: the larger, search-only group
//! assert_eq!(p.segments.label_of_customer(3), "persona 2"); // dan: email > store
//! assert_eq!(p.rows[1].top_paths, "email > store (2)");
//! assert_eq!(p.rows[1].conversion_rate, 1.0);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use std::fmt;
use std::sync::Arc;

use hashbrown::HashMap;

use crate::error::{Error, Result};
use crate::journey::Journeys;
use crate::names::NameList;
use crate::rng::SplitMix64;
use crate::segment::{MISSING_SEGMENT, Segments};
use crate::stats::ratio;
use crate::time::DAY_MS;

/// The most transition features kept (the most frequent transitions over all customers).
pub const MAX_TRANSITIONS: usize = 30;

/// Above this many pairs of sampled customers, silhouette distances are recomputed for each k
/// instead of cached (8 M pairs: 64 MB, about 4,000 customers).
const MAX_CACHED_PAIRS: usize = 8_000_000;

/// How personas are found ([`personas`]).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct PersonaOptions {
    /// The number of personas; `None` chooses k in `k_min..=k_max` by silhouette.
    pub k: Option<usize>,
    /// The smallest k tried when `k` is `None` (at least 2).
    pub k_min: usize,
    /// The largest k tried when `k` is `None` (at most customers − 1 are tried).
    pub k_max: usize,
    /// Seed of the k-means++ initialisations.
    pub seed: u64,
    /// The most Lloyd iterations of one initialisation.
    pub max_iter: usize,
    /// Seeded k-means++ initialisations per k; the lowest inertia is kept.
    pub restarts: usize,
    /// The most customers the silhouette is computed over (a deterministic sample).
    pub silhouette_sample: usize,
    /// Touchpoints and paths listed per persona.
    pub top: usize,
}

impl Default for PersonaOptions {
    fn default() -> Self {
        Self { k: None, k_min: 2, k_max: 8, seed: 0, max_iter: 100, restarts: 4, silhouette_sample: 2000, top: 3 }
    }
}

impl PersonaOptions {
    fn validate(&self) -> Result<()> {
        if self.k == Some(0) {
            return Err(Error::option("k", 0, "pass k >= 1 personas, or none to choose k by silhouette"));
        }
        if self.k_min < 2 {
            return Err(Error::option(
                "k_min",
                self.k_min,
                "the silhouette needs at least 2 personas; pass k_min >= 2",
            ));
        }
        if self.k_min > self.k_max {
            return Err(Error::option(
                "k_min",
                self.k_min,
                format!("k_min must be <= k_max ({}); pass a smaller k_min or a larger k_max", self.k_max),
            ));
        }
        if self.max_iter == 0 {
            return Err(Error::option("max_iter", 0, "run at least one k-means iteration; pass max_iter >= 1"));
        }
        if self.restarts == 0 {
            return Err(Error::option("restarts", 0, "run at least one initialisation; pass restarts >= 1"));
        }
        if self.silhouette_sample < 2 {
            return Err(Error::option(
                "silhouette_sample",
                self.silhouette_sample,
                "the silhouette needs at least 2 customers; pass silhouette_sample >= 2",
            ));
        }
        Ok(())
    }
}

crate::row_struct! {
    /// One persona: who is in it and how they behave.
    #[derive(Clone, PartialEq)]
    pub struct PersonaRow {
        /// The label (`persona 1` is the largest).
        pub persona: String,
        /// Customers in the persona.
        pub customers: usize,
        /// `customers` ÷ customers with journeys.
        pub share: f64,
        /// Journeys of those customers.
        pub journeys: usize,
        /// Conversions (weighted converting journeys).
        pub conversions: f64,
        /// Converting journeys ÷ journeys (weighted).
        pub conversion_rate: f64,
        /// Customers with at least one converting journey ÷ customers.
        pub customer_conversion_rate: f64,
        /// Touches per journey (weighted mean).
        pub mean_touches: f64,
        /// The most touched touchpoints with their share of the persona's touches
        /// (`search 41%, email 22%`).
        pub top_touchpoints: String,
        /// The most frequent paths of the persona's journeys with their journeys
        /// (`search > email (120), email (80)`; ties by text).
        pub top_paths: String,
    }
}

/// Customer personas ([`personas`]).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Personas {
    /// The persona of every customer code of the journeys' customer list; customers without
    /// journeys are in [`MISSING_SEGMENT`]. (Not in the serde form; in the JSON document, see
    /// [`Personas::document`].)
    #[cfg_attr(feature = "serde", serde(skip_serializing))]
    pub segments: Segments,
    /// The number of personas.
    pub k: usize,
    /// The mean silhouette of every k computed (one entry when k was given), k ascending.
    pub silhouette: Vec<(usize, f64)>,
    /// The within-persona sum of squared distances to the centre (standardised features).
    pub inertia: f64,
    /// One row per persona, `persona 1` first.
    pub rows: Vec<PersonaRow>,
    /// Customers of the customer list without any journey (they have no persona).
    pub customers_without_journeys: usize,
    /// The feature names, in column order (see the module docs).
    pub features: Vec<String>,
    /// The journeys' customer names, by customer code (what [`Personas::assignments`] names).
    #[cfg_attr(feature = "serde", serde(skip_serializing))]
    customer_names: Arc<NameList>,
}

impl Personas {
    /// The journeys' customer names, by customer code.
    pub fn customer_names(&self) -> &NameList {
        &self.customer_names
    }

    /// Each customer's persona, `(customer name, persona label)` in customer-code order
    /// (customers without journeys in [`MISSING_SEGMENT`]).
    pub fn assignments(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        (0..self.segments.customers())
            .map(|c| (self.customer_names.get(c).unwrap_or(""), self.segments.label_of_customer(c as u32)))
    }
}

/// The JSON document of [`Personas`]: the serde form plus the segments and customer names.
#[cfg(feature = "serde")]
#[derive(serde::Serialize)]
pub struct PersonasDocument<'a> {
    #[serde(flatten)]
    result: &'a Personas,
    segments: &'a Segments,
    customer_names: &'a NameList,
}

#[cfg(feature = "serde")]
impl Personas {
    /// What the JSON document writes.
    pub fn document(&self) -> PersonasDocument<'_> {
        PersonasDocument { result: self, segments: &self.segments, customer_names: &self.customer_names }
    }

    /// Check a result read back: one persona per customer name.
    pub(crate) fn checked(self) -> Result<Self> {
        if self.segments.customers() != self.customer_names.len() {
            return Err(Error::ModelFile {
                what: "personas",
                offset: 0,
                problem: format!(
                    "{} customers have a persona but {} customer names are given",
                    self.segments.customers(),
                    self.customer_names.len()
                ),
            });
        }
        Ok(self)
    }
}

/// The standardised feature matrix.
struct Features {
    /// Point index of each customer code (`NO_POINT`: the customer has no journey).
    point_of: Vec<u32>,
    /// Number of points (customers with journeys), in customer-code order.
    n: usize,
    /// Columns.
    d: usize,
    /// Row-major `n × d` z-scores.
    x: Vec<f64>,
    names: Vec<String>,
}

const NO_POINT: u32 = u32::MAX;

impl Features {
    fn point(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }
}

fn features(journeys: &Journeys) -> Features {
    let cat = journeys.catalog();
    let n_cust = journeys.iter().map(|j| j.customer as usize + 1).fold(journeys.customer_names().len(), usize::max);
    let mut point_of = vec![NO_POINT; n_cust];
    for j in journeys.iter() {
        point_of[j.customer as usize] = 0;
    }
    let mut n = 0usize;
    for p in point_of.iter_mut().filter(|p| **p != NO_POINT) {
        *p = n as u32;
        n += 1;
    }

    // the most frequent transitions over all customers
    let mut totals: HashMap<(u32, u32), f64> = HashMap::new();
    for j in journeys.iter() {
        for w in j.touchpoints.windows(2) {
            *totals.entry((w[0].0, w[1].0)).or_default() += j.weight;
        }
    }
    let mut pairs: Vec<((u32, u32), f64)> = totals.into_iter().collect();
    pairs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    pairs.truncate(MAX_TRANSITIONS);

    let t = cat.len();
    let pair_col: HashMap<(u32, u32), usize> = pairs.iter().enumerate().map(|(i, (k, _))| (*k, t + i)).collect();
    let d = t + pairs.len() + 3;
    let mut x = vec![0.0; n * d];
    // per point: touches, touch pairs, journeys, span days (all weighted)
    let mut tot = vec![[0.0f64; 4]; n];
    for j in journeys.iter() {
        let p = point_of[j.customer as usize] as usize;
        let row = &mut x[p * d..(p + 1) * d];
        let w = j.weight;
        for tp in j.touchpoints {
            if let Some(v) = row[..t].get_mut(tp.index()) {
                *v += w;
            }
        }
        for pr in j.touchpoints.windows(2) {
            if let Some(&c) = pair_col.get(&(pr[0].0, pr[1].0)) {
                row[c] += w;
            }
        }
        let s = &mut tot[p];
        s[0] += w * j.touchpoints.len() as f64;
        s[1] += w * j.touchpoints.len().saturating_sub(1) as f64;
        s[2] += w;
        if let (Some(&first), Some(&last)) = (j.times.first(), j.times.last()) {
            s[3] += w * (last.max(j.end_time).saturating_sub(first).max(0) as f64 / DAY_MS as f64);
        }
    }
    for (row, s) in x.chunks_exact_mut(d).zip(&tot) {
        let (tp, rest) = row.split_at_mut(t);
        let (tr, vol) = rest.split_at_mut(pairs.len());
        for v in tp {
            *v = ratio(*v, s[0]).unwrap_or(0.0);
        }
        for v in tr {
            *v = ratio(*v, s[1]).unwrap_or(0.0);
        }
        vol[0] = s[0].ln_1p();
        vol[1] = s[2].ln_1p();
        vol[2] = ratio(s[3], s[2]).unwrap_or(0.0).ln_1p();
    }
    standardise(&mut x, n, d);

    let name = |id: u32| cat.name(crate::catalog::TouchpointId(id)).unwrap_or("?").to_owned();
    let mut names: Vec<String> = cat.names().iter().map(|s| format!("share of touches: {s}")).collect();
    names.extend(pairs.iter().map(|((a, b), _)| format!("share of transitions: {} > {}", name(*a), name(*b))));
    names.extend(["ln(1 + touches)", "ln(1 + journeys)", "ln(1 + mean journey span in days)"].map(String::from));
    Features { point_of, n, d, x, names }
}

/// Each column to z-scores (population standard deviation); a constant column becomes 0.
fn standardise(x: &mut [f64], n: usize, d: usize) {
    if n == 0 {
        return;
    }
    for c in 0..d {
        let col = || (0..n).map(move |i| i * d + c);
        let (mut lo, mut hi, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
        for i in col() {
            lo = lo.min(x[i]);
            hi = hi.max(x[i]);
            sum += x[i];
        }
        let mean = sum / n as f64;
        let var = col().map(|i| (x[i] - mean) * (x[i] - mean)).sum::<f64>() / n as f64;
        let sd = var.sqrt();
        let constant = !(hi > lo && sd > 0.0 && sd.is_finite());
        for i in col() {
            x[i] = if constant { 0.0 } else { (x[i] - mean) / sd };
        }
    }
}

#[inline]
fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The nearest centre (ties: the lowest index).
fn nearest(p: &[f64], centres: &[f64], d: usize) -> u32 {
    let mut best = (0u32, f64::INFINITY);
    for (c, centre) in centres.chunks_exact(d).enumerate() {
        let dd = dist2(p, centre);
        if dd < best.1 {
            best = (c as u32, dd);
        }
    }
    best.0
}

/// The nearest centre of every point (each point on its own: the same on any thread count).
fn assign_all(f: &Features, centres: &[f64]) -> Vec<u32> {
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        f.x.par_chunks_exact(f.d).map(|p| nearest(p, centres, f.d)).collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        f.x.chunks_exact(f.d).map(|p| nearest(p, centres, f.d)).collect()
    }
}

/// k-means++ (D²) seeding.
fn seed_centres(f: &Features, k: usize, rng: &mut SplitMix64) -> Vec<f64> {
    let first = rng.below(f.n);
    let mut centres: Vec<f64> = f.point(first).to_vec();
    let mut dmin: Vec<f64> = (0..f.n).map(|i| dist2(f.point(i), f.point(first))).collect();
    while centres.len() < k * f.d {
        let total: f64 = dmin.iter().sum();
        let r = rng.f64();
        let pick = if total > 0.0 {
            let target = r * total;
            let (mut acc, mut last, mut pick) = (0.0, 0, None);
            for (i, &v) in dmin.iter().enumerate().filter(|(_, v)| **v > 0.0) {
                acc += v;
                last = i;
                if acc > target {
                    pick = Some(i);
                    break;
                }
            }
            pick.unwrap_or(last)
        } else {
            // every point sits on a centre already: any point will do
            ((r * f.n as f64) as usize).min(f.n - 1)
        };
        centres.extend_from_slice(f.point(pick));
        for (i, v) in dmin.iter_mut().enumerate() {
            *v = v.min(dist2(f.point(i), f.point(pick)));
        }
    }
    centres
}

/// Move the point farthest from its centre (ties: the lowest index; from clusters of two or
/// more) into each empty cluster.
fn fill_empty(f: &Features, centres: &[f64], assign: &mut [u32], k: usize) {
    let mut sizes = vec![0usize; k];
    for &a in assign.iter() {
        sizes[a as usize] += 1;
    }
    for j in 0..k {
        if sizes[j] > 0 {
            continue;
        }
        let mut best: Option<(usize, f64)> = None;
        for (i, &a) in assign.iter().enumerate() {
            let a = a as usize;
            if sizes[a] < 2 {
                continue;
            }
            let dd = dist2(f.point(i), &centres[a * f.d..(a + 1) * f.d]);
            if best.is_none_or(|(_, b)| dd > b) {
                best = Some((i, dd));
            }
        }
        if let Some((i, _)) = best {
            sizes[assign[i] as usize] -= 1;
            assign[i] = j as u32;
            sizes[j] = 1;
        }
    }
}

/// The mean of each cluster, summed in point order (an empty cluster keeps its centre).
fn means(f: &Features, assign: &[u32], old: &[f64], k: usize) -> Vec<f64> {
    let d = f.d;
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0usize; k];
    for (i, &a) in assign.iter().enumerate() {
        let a = a as usize;
        counts[a] += 1;
        for (s, v) in sums[a * d..(a + 1) * d].iter_mut().zip(f.point(i)) {
            *s += v;
        }
    }
    for (c, &m) in counts.iter().enumerate() {
        let centre = &mut sums[c * d..(c + 1) * d];
        if m == 0 {
            centre.copy_from_slice(&old[c * d..(c + 1) * d]);
        } else {
            centre.iter_mut().for_each(|s| *s /= m as f64);
        }
    }
    sums
}

/// One clustering: the cluster of each point and the inertia.
struct Clustering {
    assign: Vec<u32>,
    inertia: f64,
}

/// One seeded k-means++ initialisation and its Lloyd iterations.
fn lloyd(f: &Features, k: usize, max_iter: usize, rng: &mut SplitMix64) -> Clustering {
    let mut centres = seed_centres(f, k, rng);
    let mut assign: Vec<u32> = Vec::new();
    for _ in 0..max_iter {
        let mut next = assign_all(f, &centres);
        fill_empty(f, &centres, &mut next, k);
        let changed = next != assign;
        assign = next;
        centres = means(f, &assign, &centres, k);
        if !changed {
            break;
        }
    }
    let d = f.d;
    let inertia = assign.iter().enumerate().map(|(i, &a)| dist2(f.point(i), &centres[a as usize * d..][..d])).sum();
    Clustering { assign, inertia }
}

/// The generator of initialisation `restart`.
fn restart_rng(seed: u64, restart: usize) -> SplitMix64 {
    let mut mix = SplitMix64(seed ^ (restart as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
    SplitMix64(mix.next_u64())
}

/// The best of `restarts` initialisations (lowest inertia, ties: the first), clusters
/// numbered by size, largest first (ties: the lowest first point).
fn cluster(f: &Features, k: usize, opts: &PersonaOptions) -> Clustering {
    let mut best = lloyd(f, k, opts.max_iter, &mut restart_rng(opts.seed, 0));
    for r in 1..opts.restarts {
        let c = lloyd(f, k, opts.max_iter, &mut restart_rng(opts.seed, r));
        if c.inertia < best.inertia {
            best = c;
        }
    }
    let mut sizes = vec![(0usize, usize::MAX); k];
    for (i, &a) in best.assign.iter().enumerate() {
        let s = &mut sizes[a as usize];
        s.0 += 1;
        s.1 = s.1.min(i);
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(sizes[c].0), sizes[c].1));
    let mut code = vec![0u32; k];
    for (new, &old) in order.iter().enumerate() {
        code[old] = new as u32;
    }
    best.assign.iter_mut().for_each(|a| *a = code[*a as usize]);
    best
}

/// The silhouette sample: every ⌈n / size⌉-th point, with its pairwise distances when they
/// fit in memory.
struct Sample {
    points: Vec<usize>,
    /// Condensed upper triangle (`a < b`), row by row.
    cached: Option<Vec<f64>>,
}

impl Sample {
    fn new(f: &Features, size: usize) -> Self {
        let step = f.n.div_ceil(size.max(1)).max(1);
        let points: Vec<usize> = (0..f.n).step_by(step).collect();
        let m = points.len();
        let cached = (m * m.saturating_sub(1) / 2 <= MAX_CACHED_PAIRS).then(|| {
            let row = |a: usize| -> Vec<f64> {
                (a + 1..m).map(|b| dist2(f.point(points[a]), f.point(points[b])).sqrt()).collect()
            };
            #[cfg(feature = "rayon")]
            let rows: Vec<Vec<f64>> = {
                use rayon::prelude::*;
                (0..m).into_par_iter().map(row).collect()
            };
            #[cfg(not(feature = "rayon"))]
            let rows: Vec<Vec<f64>> = (0..m).map(row).collect();
            rows.concat()
        });
        Self { points, cached }
    }

    /// Distance between sample members `a` and `b` (`a != b`).
    fn dist(&self, f: &Features, a: usize, b: usize) -> f64 {
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        match &self.cached {
            Some(c) => {
                let m = self.points.len();
                c[a * (2 * m - a - 1) / 2 + (b - a - 1)]
            }
            None => dist2(f.point(self.points[a]), f.point(self.points[b])).sqrt(),
        }
    }

    /// The mean silhouette of the sample under `assign` (a member alone in its cluster, or
    /// with no other cluster in the sample, scores 0).
    fn silhouette(&self, f: &Features, assign: &[u32], k: usize) -> f64 {
        let m = self.points.len();
        if m < 2 {
            return 0.0;
        }
        let label: Vec<usize> = self.points.iter().map(|&i| assign[i] as usize).collect();
        let mut count = vec![0usize; k];
        for &l in &label {
            count[l] += 1;
        }
        let score = |a: usize| -> f64 {
            let own = label[a];
            if count[own] < 2 {
                return 0.0;
            }
            let mut sums = vec![0.0; k];
            for b in (0..m).filter(|&b| b != a) {
                sums[label[b]] += self.dist(f, a, b);
            }
            let ai = sums[own] / (count[own] - 1) as f64;
            let bi = (0..k)
                .filter(|&c| c != own && count[c] > 0)
                .map(|c| sums[c] / count[c] as f64)
                .fold(f64::INFINITY, f64::min);
            let den = ai.max(bi);
            if bi.is_finite() && den > 0.0 { (bi - ai) / den } else { 0.0 }
        };
        #[cfg(feature = "rayon")]
        let scores: Vec<f64> = {
            use rayon::prelude::*;
            (0..m).into_par_iter().map(score).collect()
        };
        #[cfg(not(feature = "rayon"))]
        let scores: Vec<f64> = (0..m).map(score).collect();
        scores.iter().sum::<f64>() / m as f64
    }
}

/// Data-driven customer personas: k-means++ over journey features (module docs).
///
/// # Arguments
///
/// - `journeys`: the journeys; each customer of [`Journeys::customer_names`] with at least one
///   journey is clustered.
/// - `opts`: k (or the range to choose it from by silhouette), seed, iterations, restarts,
///   silhouette sample size and how many top touchpoints and paths to list.
///
/// # Returns
///
/// [`Personas`]: a persona per customer (as [`Segments`]), one [`PersonaRow`] per persona
/// (largest first), the silhouette of every k tried, the inertia and the feature names.
///
/// # Errors
///
/// - [`Error::InvalidOption`] naming the option: `k = 0`, `k_min < 2`, `k_min > k_max`,
///   `max_iter = 0`, `restarts = 0`, `silhouette_sample < 2`; `k` greater than the customers
///   with journeys; `k = None` with fewer than `k_min + 1` customers with journeys.
/// - [`Error::EmptyInput`] when there are no journeys.
///
/// # Complexity
///
/// Features O(touches + customers · d), with d = touchpoints + ≤ 30 transitions + 3. Per k
/// tried: O(restarts · iterations · customers · k · d) for k-means and O(s²) for the
/// silhouette over s = min(customers, `silhouette_sample`) customers, plus O(s² · d) once for
/// their distances. Memory O(customers · d + s²).
///
/// # Example
///
/// ```
/// use touchpoint_core::{demo, JourneyOptions, Journeys};
/// use touchpoint_core::persona::{personas, PersonaOptions};
///
/// let events = demo::events(&demo::DemoOptions { customers: 300, ..Default::default() })?;
/// let (journeys, _) = Journeys::build(&events, &JourneyOptions::default())?;
/// let p = personas(&journeys, &PersonaOptions { k_max: 4, ..Default::default() })?;
/// assert!((2..=4).contains(&p.k));
/// assert_eq!(p.silhouette.len(), 3); // k = 2, 3, 4
/// let clustered: usize = p.rows.iter().map(|r| r.customers).sum();
/// assert_eq!(clustered + p.customers_without_journeys, journeys.customer_names().len());
/// assert!(p.rows.windows(2).all(|w| w[0].customers >= w[1].customers)); // persona 1 is the largest
/// // personas are segments: e.g. a funnel per persona
/// let funnel = touchpoint_core::journeymap::funnel(&events, &Default::default(), Some(&p.segments))?;
/// assert!(funnel.summary.iter().any(|s| s.segment.as_deref() == Some("persona 1")));
/// println!("{p}");
/// # Ok::<(), touchpoint_core::Error>(())
/// ```
pub fn personas(journeys: &Journeys, opts: &PersonaOptions) -> Result<Personas> {
    opts.validate()?;
    if journeys.is_empty() {
        return Err(Error::EmptyInput { what: "journeys", hint: "journey (a customer with at least one touch)" });
    }
    let f = features(journeys);
    let n = f.n;
    let ks: Vec<usize> = match opts.k {
        Some(k) if k > n => {
            return Err(Error::option(
                "k",
                k,
                format!("only {n} customers have journeys; pass a smaller k (at most {n})"),
            ));
        }
        Some(k) => vec![k],
        None => {
            let hi = opts.k_max.min(n - 1);
            if hi < opts.k_min {
                return Err(Error::option(
                    "k_min",
                    opts.k_min,
                    format!(
                        "only {n} customers have journeys and choosing k by silhouette needs more than k_min; \
                         pass a smaller k_min or a fixed k"
                    ),
                ));
            }
            (opts.k_min..=hi).collect()
        }
    };
    let sample = Sample::new(&f, opts.silhouette_sample);
    let mut silhouette = Vec::with_capacity(ks.len());
    let mut best: Option<(usize, f64, Clustering)> = None;
    for k in ks {
        let c = cluster(&f, k, opts);
        let s = sample.silhouette(&f, &c.assign, k);
        silhouette.push((k, s));
        if best.as_ref().is_none_or(|b| s > b.1) {
            best = Some((k, s, c));
        }
    }
    let Some((k, _, c)) = best else {
        return Err(Error::EmptyInput { what: "journeys", hint: "journey (a customer with at least one touch)" });
    };
    let rows = persona_rows(journeys, &f, &c.assign, k, opts.top);
    let without = f.point_of.iter().filter(|&&p| p == NO_POINT).count();
    let mut labels: Vec<String> = (1..=k).map(|i| format!("persona {i}")).collect();
    if without > 0 {
        labels.push(MISSING_SEGMENT.to_owned());
    }
    let of_customer = f.point_of.iter().map(|&p| if p == NO_POINT { k as u32 } else { c.assign[p as usize] }).collect();
    Ok(Personas {
        segments: Segments::from_codes(labels, of_customer),
        k,
        silhouette,
        inertia: c.inertia,
        rows,
        customers_without_journeys: without,
        features: f.names,
        customer_names: journeys.customer_names.clone(),
    })
}

/// Per persona: counts, conversion and the top touchpoints and paths.
fn persona_rows(journeys: &Journeys, f: &Features, assign: &[u32], k: usize, top: usize) -> Vec<PersonaRow> {
    #[derive(Default)]
    struct Acc {
        customers: usize,
        converting_customers: usize,
        journeys: usize,
        weight: f64,
        conversions: f64,
        touches: f64,
        per_tp: Vec<f64>,
        paths: HashMap<Vec<u32>, f64>,
    }
    let cat = journeys.catalog();
    let mut acc: Vec<Acc> = (0..k).map(|_| Acc { per_tp: vec![0.0; cat.len()], ..Default::default() }).collect();
    let mut converted = vec![false; f.n];
    for &a in assign {
        acc[a as usize].customers += 1;
    }
    for j in journeys.iter() {
        let p = f.point_of[j.customer as usize] as usize;
        let a = &mut acc[assign[p] as usize];
        a.journeys += 1;
        a.weight += j.weight;
        if j.converted {
            a.conversions += j.weight;
            converted[p] = true;
        }
        a.touches += j.weight * j.touchpoints.len() as f64;
        for tp in j.touchpoints {
            if let Some(v) = a.per_tp.get_mut(tp.index()) {
                *v += j.weight;
            }
        }
        if !j.touchpoints.is_empty() {
            *a.paths.entry(j.touchpoints.iter().map(|t| t.0).collect()).or_default() += j.weight;
        }
    }
    for (p, &c) in converted.iter().enumerate() {
        if c {
            acc[assign[p] as usize].converting_customers += 1;
        }
    }
    let name = |id: u32| cat.name(crate::catalog::TouchpointId(id)).unwrap_or("?");
    acc.into_iter()
        .enumerate()
        .map(|(g, a)| {
            let mut tps: Vec<(usize, f64)> = a.per_tp.iter().copied().enumerate().filter(|t| t.1 > 0.0).collect();
            tps.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            let top_touchpoints = tps
                .iter()
                .take(top)
                .map(|&(t, c)| format!("{} {:.0}%", name(t as u32), 100.0 * ratio(c, a.touches).unwrap_or(0.0)))
                .collect::<Vec<_>>()
                .join(", ");
            let mut paths: Vec<(String, f64)> = a
                .paths
                .iter()
                .map(|(ids, &c)| (ids.iter().map(|&t| name(t)).collect::<Vec<_>>().join(" > "), c))
                .collect();
            paths.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
            let top_paths = paths
                .iter()
                .take(top)
                .map(|(p, c)| format!("{p} ({})", crate::report::num(*c)))
                .collect::<Vec<_>>()
                .join(", ");
            PersonaRow {
                persona: format!("persona {}", g + 1),
                customers: a.customers,
                share: ratio(a.customers as f64, f.n as f64).unwrap_or(0.0),
                journeys: a.journeys,
                conversions: a.conversions,
                conversion_rate: ratio(a.conversions, a.weight).unwrap_or(0.0),
                customer_conversion_rate: ratio(a.converting_customers as f64, a.customers as f64).unwrap_or(0.0),
                mean_touches: ratio(a.touches, a.weight).unwrap_or(0.0),
                top_touchpoints,
                top_paths,
            }
        })
        .collect()
}

impl fmt::Display for Personas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::report::{Table, num, pct};
        let clustered: usize = self.rows.iter().map(|r| r.customers).sum();
        let chosen = self.silhouette.iter().find(|s| s.0 == self.k).map_or(0.0, |s| s.1);
        write!(f, "Personas: {} personas of {} customers (silhouette {chosen:.3})", self.k, num(clustered as f64))?;
        if self.customers_without_journeys > 0 {
            write!(f, "; {} customers without journeys have none", num(self.customers_without_journeys as f64))?;
        }
        writeln!(f)?;
        if self.silhouette.len() > 1 {
            let all: Vec<String> = self.silhouette.iter().map(|(k, s)| format!("k={k} {s:.3}")).collect();
            writeln!(f, "  silhouette by k: {}", all.join(", "))?;
        }
        let mut t = Table::new(&[
            ("persona", false),
            ("customers", true),
            ("share", true),
            ("journeys", true),
            ("conv. rate", true),
            ("customers conv.", true),
            ("touches/journey", true),
            ("top touchpoints", false),
            ("top paths", false),
        ]);
        for r in &self.rows {
            t.row(vec![
                r.persona.clone(),
                num(r.customers as f64),
                pct(r.share),
                num(r.journeys as f64),
                pct(r.conversion_rate),
                pct(r.customer_conversion_rate),
                format!("{:.1}", r.mean_touches),
                r.top_touchpoints.clone(),
                r.top_paths.clone(),
            ]);
        }
        let mut out = String::new();
        t.render(&mut out);
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::error::ErrorKind;
    use crate::{EventTable, JourneyOptions};

    /// Group A (12 customers): one `search` touch. Group B (10): `email > store`, converting.
    /// Group C (8): three journeys of six `app` touches over days. Plus two customers with
    /// only a conversion (no journey).
    fn groups() -> (EventTable, Journeys) {
        let mut b = EventTable::builder();
        let mut names = Vec::new();
        for i in 0..12 {
            names.push(format!("a{i}"));
        }
        for i in 0..10 {
            names.push(format!("b{i}"));
        }
        for i in 0..8 {
            names.push(format!("c{i}"));
        }
        // interleave the groups in customer-code order
        names.sort_by_key(|s| (s[1..].parse::<u32>().unwrap(), s.as_bytes()[0]));
        for s in &names {
            match s.as_bytes()[0] {
                b'a' => {
                    b.touch(s, "search", 0).unwrap();
                }
                b'b' => {
                    b.touch(s, "email", 0).unwrap();
                    b.touch(s, "store", DAY_MS).unwrap();
                    b.conversion(s, 2 * DAY_MS, 30.0).unwrap();
                }
                _ => {
                    for j in 0..3 {
                        for t in 0..6 {
                            b.touch(s, "app", (j * 20 + t * 2) * DAY_MS).unwrap();
                        }
                        b.conversion(s, (j * 20 + 11) * DAY_MS, 10.0).unwrap();
                    }
                }
            }
        }
        b.conversion("ghost1", 0, 5.0).unwrap();
        b.conversion("ghost2", 0, 5.0).unwrap();
        let events = b.finish().unwrap();
        let (journeys, _) = Journeys::build(&events, &JourneyOptions::default()).unwrap();
        (events, journeys)
    }

    fn group_of(journeys: &Journeys, c: u32) -> char {
        journeys.customer_names().get(c as usize).unwrap().chars().next().unwrap()
    }

    #[test]
    fn three_groups_are_recovered() {
        let (_, journeys) = groups();
        let p = personas(&journeys, &PersonaOptions { k: Some(3), ..Default::default() }).unwrap();
        assert_eq!(p.k, 3);
        assert_eq!(p.customers_without_journeys, 2);
        let mut label: HashMap<char, String> = HashMap::new();
        for c in 0..journeys.customer_names().len() as u32 {
            let g = group_of(&journeys, c);
            let l = p.segments.label_of_customer(c).to_owned();
            if g == 'g' {
                assert_eq!(l, MISSING_SEGMENT);
                continue;
            }
            assert_eq!(label.entry(g).or_insert_with(|| l.clone()), &l, "customer {c} of group {g}");
        }
        // the largest group is persona 1
        assert_eq!(label[&'a'], "persona 1");
        assert_eq!(label[&'b'], "persona 2");
        assert_eq!(label[&'c'], "persona 3");
        assert_eq!(p.segments.customers(), journeys.customer_names().len());
        assert_eq!(p.segments.customers_missing, 2);
        let sizes: Vec<usize> = p.rows.iter().map(|r| r.customers).collect();
        assert_eq!(sizes, [12, 10, 8]);
        let (a, b, c) = (&p.rows[0], &p.rows[1], &p.rows[2]);
        assert_eq!(a.top_touchpoints, "search 100%");
        assert_eq!(a.top_paths, "search (12)");
        assert_eq!((a.conversion_rate, a.customer_conversion_rate), (0.0, 0.0));
        assert_eq!(b.top_touchpoints, "email 50%, store 50%");
        assert_eq!(b.top_paths, "email > store (10)");
        assert_eq!((b.journeys, b.conversions, b.conversion_rate), (10, 10.0, 1.0));
        assert_eq!((c.journeys, c.mean_touches, c.customer_conversion_rate), (24, 6.0, 1.0));
        assert_eq!(c.top_paths, "app > app > app > app > app > app (24)");
        assert!((a.share - 12.0 / 30.0).abs() < 1e-15);
        // within-group points are identical: a perfect clustering
        assert!(p.inertia.abs() < 1e-18, "{}", p.inertia);
        assert_eq!(p.silhouette, vec![(3, 1.0)]);
        assert_eq!(p.features.len(), 4 + 2 + 3); // 4 touchpoints, 2 transitions, 3 volume
        assert!(p.features.contains(&"share of transitions: email > store".to_owned()));
        let text = p.to_string();
        assert!(text.contains("Personas: 3 personas of 30 customers") && text.contains("email > store (10)"), "{text}");
    }

    #[test]
    fn silhouette_chooses_three() {
        let (_, journeys) = groups();
        let p = personas(&journeys, &PersonaOptions::default()).unwrap();
        assert_eq!(p.k, 3);
        let ks: Vec<usize> = p.silhouette.iter().map(|s| s.0).collect();
        assert_eq!(ks, (2..=8).collect::<Vec<_>>());
        assert!(p.silhouette.iter().all(|&(k, s)| k == 3 || s < 1.0), "{:?}", p.silhouette);
        assert!(p.to_string().contains("silhouette by k: k=2"));
    }

    /// A naive silhouette: full distance matrix over the sampled points.
    fn naive_silhouette(points: &[Vec<f64>], labels: &[usize]) -> f64 {
        let m = points.len();
        let dist = |a: usize, b: usize| -> f64 {
            points[a].iter().zip(&points[b]).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt()
        };
        let mut total = 0.0;
        for i in 0..m {
            let same: Vec<usize> = (0..m).filter(|&j| j != i && labels[j] == labels[i]).collect();
            if same.is_empty() {
                continue; // s(i) = 0
            }
            let a = same.iter().map(|&j| dist(i, j)).sum::<f64>() / same.len() as f64;
            let mut b = f64::INFINITY;
            let mut others: Vec<usize> = labels.iter().copied().filter(|&l| l != labels[i]).collect();
            others.sort();
            others.dedup();
            for l in others {
                let members: Vec<usize> = (0..m).filter(|&j| labels[j] == l).collect();
                b = b.min(members.iter().map(|&j| dist(i, j)).sum::<f64>() / members.len() as f64);
            }
            if b.is_finite() && a.max(b) > 0.0 {
                total += (b - a) / a.max(b);
            }
        }
        total / m as f64
    }

    #[test]
    fn silhouette_matches_a_naive_computation() {
        let events =
            crate::demo::events(&crate::demo::DemoOptions { customers: 40, seed: 3, ..Default::default() }).unwrap();
        let (journeys, _) = Journeys::build(&events, &JourneyOptions::default()).unwrap();
        let f = features(&journeys);
        for (k, sample) in [(2, 2000), (3, 2000), (4, 7), (3, 2)] {
            let opts = PersonaOptions { k: Some(k), silhouette_sample: sample, ..Default::default() };
            let p = personas(&journeys, &opts).unwrap();
            let step = f.n.div_ceil(sample);
            let idx: Vec<usize> = (0..f.n).step_by(step).collect();
            assert!(idx.len() <= sample);
            let code_of_point: Vec<u32> =
                (0..f.point_of.len() as u32).filter(|&c| f.point_of[c as usize] != NO_POINT).collect();
            let points: Vec<Vec<f64>> = idx.iter().map(|&i| f.point(i).to_vec()).collect();
            let labels: Vec<usize> = idx.iter().map(|&i| p.segments.of_customer(code_of_point[i]) as usize).collect();
            let want = naive_silhouette(&points, &labels);
            let got = p.silhouette[0].1;
            assert!((got - want).abs() < 1e-12, "k {k} sample {sample}: {got} vs {want}");
            // the uncached path gives the very same number
            let s = Sample { points: idx.clone(), cached: None };
            let assign: Vec<u32> = code_of_point.iter().map(|&c| p.segments.of_customer(c)).collect();
            assert_eq!(s.silhouette(&f, &assign, k).to_bits(), got.to_bits());
        }
    }

    #[test]
    fn features_are_standardised() {
        let (_, journeys) = groups();
        let f = features(&journeys);
        assert_eq!(f.n, 30);
        for c in 0..f.d {
            let col: Vec<f64> = (0..f.n).map(|i| f.point(i)[c]).collect();
            let mean = col.iter().sum::<f64>() / f.n as f64;
            let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / f.n as f64;
            assert!(mean.abs() < 1e-12, "{}: mean {mean}", f.names[c]);
            assert!((var - 1.0).abs() < 1e-12 || var == 0.0, "{}: var {var}", f.names[c]);
        }
    }

    #[test]
    fn deterministic_across_runs_and_threads() {
        let events =
            crate::demo::events(&crate::demo::DemoOptions { customers: 400, seed: 11, ..Default::default() }).unwrap();
        let (journeys, _) = Journeys::build(&events, &JourneyOptions::default()).unwrap();
        let opts = PersonaOptions { k_max: 5, seed: 42, ..Default::default() };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| personas(&journeys, &opts).unwrap())
        };
        let bits = |p: &Personas| -> (Vec<(usize, u64)>, u64) {
            (p.silhouette.iter().map(|&(k, s)| (k, s.to_bits())).collect(), p.inertia.to_bits())
        };
        let a = personas(&journeys, &opts).unwrap();
        let b = personas(&journeys, &opts).unwrap();
        let (one, two) = (run(1), run(2));
        assert_eq!(a, b);
        assert_eq!(a, one);
        assert_eq!(a, two);
        assert_eq!(bits(&a), bits(&one));
        assert_eq!(bits(&a), bits(&two));
        assert_eq!(a.to_string(), two.to_string());
        // another seed still gives a valid clustering
        let c = personas(&journeys, &PersonaOptions { seed: 7, ..opts.clone() }).unwrap();
        assert_eq!(
            c.rows.iter().map(|r| r.customers).sum::<usize>(),
            a.rows.iter().map(|r| r.customers).sum::<usize>()
        );
    }

    #[test]
    fn bad_options_are_typed_errors() {
        let (_, journeys) = groups();
        let check = |opts: PersonaOptions, option: &str, says: &str| {
            let e = personas(&journeys, &opts).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
            let msg = e.to_string();
            assert!(msg.contains(&format!("`{option}`")) && msg.contains(says), "{msg}");
        };
        let d = PersonaOptions::default;
        check(PersonaOptions { k: Some(0), ..d() }, "k", "k >= 1");
        check(PersonaOptions { k_min: 1, ..d() }, "k_min", "k_min >= 2");
        check(PersonaOptions { k_min: 5, k_max: 4, ..d() }, "k_min", "k_max (4)");
        check(PersonaOptions { max_iter: 0, ..d() }, "max_iter", "max_iter >= 1");
        check(PersonaOptions { restarts: 0, ..d() }, "restarts", "restarts >= 1");
        check(PersonaOptions { silhouette_sample: 1, ..d() }, "silhouette_sample", ">= 2");
        check(PersonaOptions { k: Some(31), ..d() }, "k", "smaller k (at most 30)");
        check(PersonaOptions { k_min: 30, k_max: 40, ..d() }, "k_min", "smaller k_min");
        // k = customers works (every customer its own persona)
        let p = personas(&journeys, &PersonaOptions { k: Some(30), ..d() }).unwrap();
        assert_eq!(p.rows.len(), 30);
        let e = personas(&Journeys::default(), &d()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::EmptyInput);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Persona sizes add up to the customers with journeys, and every rate is a rate.
        #[test]
        fn sizes_add_up_and_rates_are_rates(
            customers in prop::collection::vec(
                prop::collection::vec((0u8..4, any::<bool>(), 0i64..5), 0..6), 3..14),
            k in prop::option::of(1usize..4),
            seed in any::<u64>(),
        ) {
            let tps = ["search", "email", "app", "store"];
            let mut b = EventTable::builder();
            for (c, events) in customers.iter().enumerate() {
                let name = format!("c{c:02}");
                let mut t = 0;
                for &(tp, convert, gap) in events {
                    t += gap * DAY_MS;
                    b.touch(&name, tps[tp as usize], t).unwrap();
                    if convert {
                        b.conversion(&name, t + 1, 1.0).unwrap();
                    }
                }
                if events.is_empty() {
                    b.conversion(&name, 0, 1.0).unwrap(); // a customer without journeys
                }
            }
            let events = b.finish().unwrap();
            let (journeys, _) = Journeys::build(&events, &JourneyOptions::default()).unwrap();
            let with: usize = customers.iter().filter(|e| !e.is_empty()).count();
            if with == 0 {
                prop_assert!(journeys.is_empty());
                prop_assert_eq!(personas(&journeys, &PersonaOptions::default()).unwrap_err().kind(), ErrorKind::EmptyInput);
                return Ok(());
            }
            let opts = PersonaOptions { k, k_max: 4, seed, ..Default::default() };
            let p = match personas(&journeys, &opts) {
                Ok(p) => p,
                Err(e) => {
                    // too few customers for the k asked
                    prop_assert_eq!(e.kind(), ErrorKind::InvalidOption);
                    prop_assert!(k.map_or(with < 3, |k| k > with), "{}", e);
                    return Ok(());
                }
            };
            prop_assert_eq!(p.rows.iter().map(|r| r.customers).sum::<usize>(), with);
            prop_assert_eq!(p.customers_without_journeys, customers.len() - with);
            prop_assert_eq!(p.rows.iter().map(|r| r.journeys).sum::<usize>(), journeys.len());
            prop_assert!((p.rows.iter().map(|r| r.share).sum::<f64>() - 1.0).abs() < 1e-9);
            for r in &p.rows {
                prop_assert!(r.customers > 0);
                prop_assert!((0.0..=1.0).contains(&r.conversion_rate), "{:?}", r);
                prop_assert!((0.0..=1.0).contains(&r.customer_conversion_rate), "{:?}", r);
            }
            prop_assert!(p.rows.windows(2).all(|w| w[0].customers >= w[1].customers));
            for &(_, s) in &p.silhouette {
                prop_assert!((-1.0..=1.0).contains(&s));
            }
        }
    }
}
