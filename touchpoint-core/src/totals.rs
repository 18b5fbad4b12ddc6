//! The totals kept with the data, and the chunked passes over rows.
//!
//! Every analysis starts from the totals of one pass over the rows (weighted journeys,
//! conversions, value and touches per touchpoint, the converting rows, first- and last-touch
//! credits). Journey sets and path tables ([`TotalsSource`]) keep the totals of their
//! untruncated rows in a [`TotalsCache`], computed on first use and dropped when they change.
//!
//! Passes run on consecutive row ranges whose size depends on the number of rows only
//! ([`map_ranges`]), and partial results are combined in a fixed tree ([`tree_reduce`]), so
//! floating-point sums do not depend on the number of threads.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use crate::catalog::TouchpointId;

/// One row as a pass counts it: a journey or a distinct path, without its times.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tally<'a> {
    /// Row number in the input (journey index or path row).
    pub index: usize,
    /// Touchpoints, oldest first (the most recent `max_touches` when truncated).
    pub touchpoints: &'a [TouchpointId],
    /// Weighted conversions on this row.
    pub conversions: f64,
    /// Weighted non-conversions on this row.
    pub nulls: f64,
    /// Total conversion value on this row.
    pub value: f64,
    /// Touches dropped from the front by truncation.
    pub truncated: usize,
}

/// Keep at most the `max_touches` most recent of `touchpoints`: (touches dropped, touches kept).
#[inline]
pub(crate) fn keep_recent(touchpoints: &[TouchpointId], max_touches: Option<usize>) -> (usize, &[TouchpointId]) {
    let drop = max_touches.map_or(0, |m| touchpoints.len().saturating_sub(m));
    (drop, &touchpoints[drop..])
}

/// Rows the totals are counted over (journeys, path tables), and where the totals of the
/// untruncated rows are kept.
pub(crate) trait TotalsSource: Sync {
    /// Touchpoints in the catalog.
    fn touchpoint_count(&self) -> usize;
    /// Number of rows.
    fn row_count(&self) -> usize;
    /// Row `index`, keeping at most the `max_touches` most recent touches.
    fn tally(&self, index: usize, max_touches: Option<usize>) -> Tally<'_>;
    /// The kept totals of the untruncated rows.
    fn kept_totals(&self) -> &TotalsCache;
}

/// Weighted journeys, conversions, value and touches per touchpoint after truncation to
/// `max_touches`. Without truncation the result is computed once per data set and kept.
pub(crate) fn pass_totals<S: TotalsSource>(src: &S, max_touches: Option<usize>) -> Arc<Totals> {
    if max_touches.is_some() {
        return Arc::new(compute_totals(src, max_touches));
    }
    src.kept_totals().0.get_or_init(|| Arc::new(compute_totals(src, None))).clone()
}

fn compute_totals<S: TotalsSource>(src: &S, max_touches: Option<usize>) -> Totals {
    let n_tp = src.touchpoint_count();
    // one parallel pass in fixed chunks, partial totals summed in a fixed order
    let parts = map_ranges(src.row_count(), CHUNK_ROWS, |range| {
        let mut t = Totals { touches: vec![0.0; n_tp], ..Totals::default() };
        t.first = [vec![0.0; n_tp], vec![0.0; n_tp]];
        t.last = [vec![0.0; n_tp], vec![0.0; n_tp]];
        for r in range.map(|i| src.tally(i, max_touches)) {
            if r.conversions > 0.0 {
                t.converting.push(r.index);
                if let (Some(a), Some(z)) = (r.touchpoints.first(), r.touchpoints.last()) {
                    t.first[0][a.index()] += r.conversions;
                    t.first[1][a.index()] += r.value;
                    t.last[0][z.index()] += r.conversions;
                    t.last[1][z.index()] += r.value;
                }
            }
            let w = r.conversions + r.nulls;
            t.journeys += w;
            t.conversions += r.conversions;
            t.value += r.value;
            for tp in r.touchpoints {
                t.touches[tp.index()] += w;
            }
            if r.truncated > 0 {
                t.truncated_rows += 1;
                t.truncated_touches += r.truncated;
            }
        }
        t
    });
    tree_reduce(parts, false, &Totals::merge).unwrap_or_else(|| Totals {
        touches: vec![0.0; n_tp],
        first: [vec![0.0; n_tp], vec![0.0; n_tp]],
        last: [vec![0.0; n_tp], vec![0.0; n_tp]],
        ..Totals::default()
    })
}

/// Run `f` on consecutive ranges of about `chunk` items of `0..n` (in parallel with the `rayon`
/// feature, for large `n`) and return its results in order. The ranges depend on `n` only.
pub(crate) fn map_ranges<T: Send>(n: usize, chunk_rows: usize, f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    #[cfg(test)]
    let chunk_rows = CHUNK_OVERRIDE.with(|c| c.get()).unwrap_or(chunk_rows);
    let chunk = chunk_rows.max(1);
    let ranges: Vec<Range<usize>> = (0..n.div_ceil(chunk)).map(|c| c * chunk..((c + 1) * chunk).min(n)).collect();
    // below a few chunks, waking the pool's threads costs more than the work saves
    #[cfg(feature = "rayon")]
    if ranges.len() > 1 && n >= PARALLEL_MIN_ROWS {
        use rayon::prelude::*;
        return ranges.into_par_iter().map(&f).collect();
    }
    ranges.into_iter().map(f).collect()
}

/// Totals of a pass over the rows (see [`pass_totals`]).
#[derive(Debug, Default, Clone)]
pub(crate) struct Totals {
    pub journeys: f64,
    pub conversions: f64,
    pub value: f64,
    /// Weighted touches per touchpoint.
    pub touches: Vec<f64>,
    pub truncated_rows: usize,
    pub truncated_touches: usize,
    /// Rows with conversions, in order.
    pub converting: Vec<usize>,
    /// Conversions and value of the converting rows by their first touchpoint (the first-touch
    /// model's credits, counted in the same pass).
    pub first: [Vec<f64>; 2],
    /// The same by last touchpoint.
    pub last: [Vec<f64>; 2],
}

impl Totals {
    fn merge(mut a: Totals, b: Totals) -> Totals {
        a.journeys += b.journeys;
        a.conversions += b.conversions;
        a.value += b.value;
        for (x, y) in a.touches.iter_mut().zip(b.touches) {
            *x += y;
        }
        a.truncated_rows += b.truncated_rows;
        a.truncated_touches += b.truncated_touches;
        a.converting.extend(b.converting);
        for (x, y) in a.first.iter_mut().chain(a.last.iter_mut()).zip(b.first.into_iter().chain(b.last)) {
            x.iter_mut().zip(y).for_each(|(p, q)| *p += q);
        }
        a
    }
}

/// [`Totals`] of untruncated data, computed on first use and dropped when the data changes.
/// Not part of the data's value: equality ignores it, serde skips it, and a clone starts empty
/// (a copy that is then changed field by field, as merging does, cannot carry stale totals).
#[derive(Default)]
pub(crate) struct TotalsCache(OnceLock<Arc<Totals>>);

impl Clone for TotalsCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl TotalsCache {
    /// Forget the totals (the data changed).
    pub(crate) fn clear(&mut self) {
        self.0.take();
    }
}

impl PartialEq for TotalsCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for TotalsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() { "TotalsCache(computed)" } else { "TotalsCache(empty)" })
    }
}

/// Rows per chunk of the parallel passes over the rows (attribution totals and rule models).
pub(crate) const CHUNK_ROWS: usize = 1 << 14;

/// Fewer rows than this are processed on the calling thread (same chunks, same result).
#[cfg(feature = "rayon")]
const PARALLEL_MIN_ROWS: usize = 1 << 18;

/// Combine `items` pairwise in a fixed tree shape (in parallel with the `rayon` feature): the
/// grouping depends on the number of items only, so floating-point sums are reproducible.
/// `parallel`: worth running the two halves on two threads (large items only).
pub(crate) fn tree_reduce<T: Send>(mut items: Vec<T>, parallel: bool, f: &(impl Fn(T, T) -> T + Sync)) -> Option<T> {
    match items.len() {
        0 => None,
        1 => items.pop(),
        n => {
            let right = items.split_off(n / 2);
            #[cfg(feature = "rayon")]
            let (a, b) = if parallel {
                rayon::join(|| tree_reduce(items, true, f), || tree_reduce(right, true, f))
            } else {
                (tree_reduce(items, false, f), tree_reduce(right, false, f))
            };
            #[cfg(not(feature = "rayon"))]
            let (a, b) = {
                let _ = parallel;
                (tree_reduce(items, false, f), tree_reduce(right, false, f))
            };
            match (a, b) {
                (Some(a), Some(b)) => Some(f(a, b)),
                (a, b) => a.or(b),
            }
        }
    }
}

#[cfg(test)]
thread_local! {
    /// Rows per chunk of [`map_ranges`] on this thread (tests of the chunked passes).
    pub(crate) static CHUNK_OVERRIDE: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

#[cfg(test)]
mod tests;
