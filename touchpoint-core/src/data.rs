//! One view over the two inputs of the analyses: journeys (with times) and path tables.
//!
//! Every model and the journey graph read [`Data`] row by row. A row is a journey (weight 1
//! unless set) or a distinct path (with its conversions and nulls). Truncation to the most
//! recent `max_touches` touches happens here, without copying.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use crate::catalog::{Catalog, TouchpointId};
use crate::journey::JourneySet;
use crate::paths::PathTable;

/// Input of the analyses: journeys or a path table.
#[derive(Debug, Clone, Copy)]
pub enum Data<'a> {
    /// Journeys built from events (times known).
    Journeys(&'a JourneySet),
    /// An aggregated path table (no times).
    Paths(&'a PathTable),
}

impl<'a> From<&'a JourneySet> for Data<'a> {
    fn from(j: &'a JourneySet) -> Self {
        Data::Journeys(j)
    }
}

impl<'a> From<&'a PathTable> for Data<'a> {
    fn from(p: &'a PathTable) -> Self {
        Data::Paths(p)
    }
}

/// One row of [`Data`]: a journey or a distinct path.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// Row number in the input (journey index or path row).
    pub index: usize,
    /// Touchpoints, oldest first (the most recent `max_touches` when truncated).
    pub touchpoints: &'a [TouchpointId],
    /// Touch times, when known.
    pub times: Option<&'a [i64]>,
    /// Conversion time (or last touch time), when known.
    pub end_time: Option<i64>,
    /// Weighted conversions on this row.
    pub conversions: f64,
    /// Weighted non-conversions on this row.
    pub nulls: f64,
    /// Total conversion value on this row.
    pub value: f64,
    /// Touches dropped from the front by truncation.
    pub truncated: usize,
}

impl<'a> Data<'a> {
    /// The touchpoint catalog.
    pub fn catalog(&self) -> &'a Catalog {
        match self {
            Data::Journeys(j) => j.catalog(),
            Data::Paths(p) => p.catalog(),
        }
    }

    /// Whether touch times are known.
    pub fn has_times(&self) -> bool {
        matches!(self, Data::Journeys(_))
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Data::Journeys(j) => j.len(),
            Data::Paths(p) => p.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the rows are, for messages ("journeys", "path table").
    pub fn what(&self) -> &'static str {
        match self {
            Data::Journeys(_) => "journeys",
            Data::Paths(_) => "path table",
        }
    }

    /// Row `index`, keeping at most the `max_touches` most recent touches.
    ///
    /// # Panics
    /// If `index >= self.len()`.
    #[inline]
    pub fn row(&self, index: usize, max_touches: Option<usize>) -> Row<'a> {
        let cut = |tps: &'a [TouchpointId]| {
            let drop = max_touches.map_or(0, |m| tps.len().saturating_sub(m));
            (drop, &tps[drop..])
        };
        match *self {
            Data::Journeys(js) => {
                let j = js.journey(index);
                let (drop, tps) = cut(j.touchpoints);
                let (conversions, nulls) = if j.converted { (j.weight, 0.0) } else { (0.0, j.weight) };
                Row {
                    index,
                    touchpoints: tps,
                    times: Some(&j.times[drop..]),
                    end_time: Some(j.end_time),
                    conversions,
                    nulls,
                    value: j.value * j.weight,
                    truncated: drop,
                }
            }
            Data::Paths(p) => {
                let r = p.row(index);
                let (drop, tps) = cut(r.touchpoints);
                Row {
                    index,
                    touchpoints: tps,
                    times: None,
                    end_time: None,
                    conversions: r.conversions,
                    nulls: r.nulls,
                    value: r.value,
                    truncated: drop,
                }
            }
        }
    }

    /// Weighted journeys, conversions, value and touches per touchpoint after truncation to
    /// `max_touches`. Without truncation the result is computed once per data set and kept.
    pub(crate) fn pass_totals(&self, max_touches: Option<usize>) -> Arc<Totals> {
        let cache = match (max_touches, self) {
            (Some(_), _) => return Arc::new(self.compute_totals(max_touches)),
            (None, Data::Journeys(j)) => j.totals_cache(),
            (None, Data::Paths(p)) => p.totals_cache(),
        };
        cache.0.get_or_init(|| Arc::new(self.compute_totals(None))).clone()
    }

    fn compute_totals(&self, max_touches: Option<usize>) -> Totals {
        let n_tp = self.catalog().len();
        let data = *self;
        // one parallel pass in fixed chunks, partial totals summed in a fixed order
        let parts = self.map_chunks(CHUNK_ROWS, |range| {
            let mut t = Totals { touches: vec![0.0; n_tp], ..Totals::default() };
            t.first = [vec![0.0; n_tp], vec![0.0; n_tp]];
            t.last = [vec![0.0; n_tp], vec![0.0; n_tp]];
            for r in data.rows_in(range, max_touches) {
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

    /// Iterate the rows, keeping at most the `max_touches` most recent touches of each.
    ///
    /// ```
    /// let mut p = touchpoint_core::PathTable::default();
    /// p.add_path_str("a > b > c", ">", 1.0, 0.0, 5.0)?;
    /// let rows: Vec<_> = touchpoint_core::Data::Paths(&p).rows(Some(2)).collect();
    /// assert_eq!((rows[0].touchpoints.len(), rows[0].truncated), (2, 1));
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn rows(&self, max_touches: Option<usize>) -> impl ExactSizeIterator<Item = Row<'a>> + 'a {
        self.rows_in(0..self.len(), max_touches)
    }

    /// Iterate rows `range` (see [`Data::rows`]).
    pub fn rows_in(
        &self,
        range: Range<usize>,
        max_touches: Option<usize>,
    ) -> impl ExactSizeIterator<Item = Row<'a>> + 'a {
        let data = *self;
        range.map(move |i| data.row(i, max_touches))
    }

    /// Run `f` on consecutive row ranges of about `chunk_rows` rows (in parallel with the
    /// `rayon` feature) and return its results in row order. The ranges depend on the data size
    /// only, never on the number of threads, so a reduction of the results in order is
    /// deterministic.
    pub(crate) fn map_chunks<T: Send>(&self, chunk_rows: usize, f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
        map_ranges(self.len(), chunk_rows, f)
    }

    /// (journeys, conversions, value) totals.
    pub fn totals(&self) -> (f64, f64, f64) {
        match self {
            Data::Journeys(j) => (j.len() as f64, j.total_conversions(), j.total_value()),
            Data::Paths(p) => (p.total_conversions() + p.total_nulls(), p.total_conversions(), p.total_value()),
        }
    }
}

/// Run `f` on consecutive ranges of about `chunk` items of `0..n` (in parallel with the `rayon`
/// feature, for large `n`) and return its results in order. The ranges depend on `n` only.
pub(crate) fn map_ranges<T: Send>(n: usize, chunk_rows: usize, f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    #[cfg(test)]
    let chunk_rows = tests::CHUNK_OVERRIDE.with(|c| c.get()).unwrap_or(chunk_rows);
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

/// Totals of a pass over [`Data`] (see [`Data::pass_totals`]).
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

/// Rows per chunk of the parallel passes over [`Data`] (attribution totals and rule models).
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
mod tests {
    use std::cell::Cell;

    use proptest::prelude::*;

    use crate::attribution::{AttributionModel as M, AttributionOptions, Credits, compare};
    use crate::demo;
    use crate::graph::JourneyGraph;
    use crate::journey::{JourneyOptions, JourneySet};

    thread_local! {
        /// Rows per chunk of `Data::map_chunks` on this thread (tests of the chunked passes).
        pub(super) static CHUNK_OVERRIDE: Cell<Option<usize>> = const { Cell::new(None) };
    }

    fn with_chunks<T>(chunk: Option<usize>, f: impl FnOnce() -> T) -> T {
        CHUNK_OVERRIDE.with(|c| c.set(chunk));
        let out = f();
        CHUNK_OVERRIDE.with(|c| c.set(None));
        out
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
    }

    fn same_credits(a: &[Credits], b: &[Credits]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x.model, y.model);
            assert!(close(x.total_conversions, y.total_conversions) && close(x.total_value, y.total_value));
            assert_eq!(x.notes, y.notes, "{}", x.model);
            for (r, s) in x.rows.iter().zip(&y.rows) {
                assert!(
                    close(r.conversions, s.conversions),
                    "{} {}: {} vs {}",
                    x.model,
                    r.name,
                    r.conversions,
                    s.conversions
                );
                assert!(close(r.value, s.value) && close(r.touches, s.touches), "{} {}", x.model, r.name);
            }
            match (&x.per_journey, &y.per_journey) {
                (Some(p), Some(q)) => {
                    assert_eq!(p.len(), q.len());
                    for (u, v) in p.iter().zip(q) {
                        assert_eq!((u.row, u.touchpoint), (v.row, v.touchpoint));
                        assert!(close(u.conversions, v.conversions) && close(u.value, v.value));
                    }
                }
                (None, None) => {}
                _ => panic!("per-journey credit on one side only"),
            }
        }
    }

    fn same_graph(a: &JourneyGraph, b: &JourneyGraph) {
        let (ta, tb) = (a.transitions(), b.transitions());
        assert_eq!(ta.len(), tb.len());
        for (x, y) in ta.iter().zip(&tb) {
            // same node numbering (order of first appearance) and the same counts
            assert_eq!((x.from, x.to, x.from_label, x.to_label), (y.from, y.to, y.from_label, y.to_label));
            assert!(close(x.stats.count, y.stats.count) && close(x.stats.value, y.stats.value));
            assert_eq!(x.stats.dwell.count, y.stats.dwell.count);
            assert_eq!((x.stats.dwell.min, x.stats.dwell.max), (y.stats.dwell.min, y.stats.dwell.max));
            assert!(close(x.stats.dwell.sum, y.stats.dwell.sum));
        }
    }

    fn models() -> Vec<M> {
        vec![
            M::FirstTouch,
            M::LastTouch,
            M::LastNonDirect,
            M::Linear,
            M::Position { first: 0.4, middle: 0.2, last: 0.4 },
            M::Participation,
            M::markov(1),
            M::markov(2),
            M::Shapley,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// The chunked parallel passes (totals, rule models, graph building) give the result of
        /// one sequential pass, whatever the chunk size.
        #[test]
        fn chunked_passes_equal_one_pass(
            rows in 1usize..400, seed in 0u64..1000, chunk in 1usize..60,
            per_journey in any::<bool>(), max_touches in prop::option::of(1usize..5),
        ) {
            let paths = demo::paths(rows, 9, seed).unwrap();
            let events = demo::events(&demo::DemoOptions { customers: rows, seed, ..Default::default() }).unwrap();
            let (journeys, _) = JourneySet::build(&events, &JourneyOptions::default()).unwrap();
            let opts = AttributionOptions { max_touches, per_journey };
            let mut ms = models();
            ms.push(M::TimeDecay { half_life_ms: 7 * 86_400_000 });
            // fresh copies: no totals kept from an earlier pass (`catalog_mut` drops them)
            let fresh_paths = || { let mut p = paths.clone(); p.catalog_mut(); p };
            let fresh_journeys = || { let mut j = journeys.clone(); j.catalog_mut(); j };
            for timed in [false, true] {
                let ms: Vec<M> = if timed { ms.clone() } else { models() };
                let run = |chunk: usize| {
                    let (p, j) = (fresh_paths(), fresh_journeys());
                    let data = if timed { super::Data::Journeys(&j) } else { super::Data::Paths(&p) };
                    with_chunks(Some(chunk), || {
                        // tiny inputs may have no conversions: then both fail alike
                        let credits = compare(data, &ms, &opts).map_err(|e| e.to_string());
                        let graphs: Vec<JourneyGraph> = (1..=3)
                            .map(|order| JourneyGraph::from_data(data, order, max_touches).unwrap())
                            .chain([JourneyGraph::directly_follows(data, None).unwrap()])
                            .collect();
                        (credits, graphs)
                    })
                };
                let (c1, g1) = run(usize::MAX);
                let (cn, gn) = run(chunk);
                match (c1, cn) {
                    (Ok(a), Ok(b)) => same_credits(&a, &b),
                    (a, b) => prop_assert_eq!(a.err(), b.err()),
                }
                for (a, b) in g1.iter().zip(&gn) {
                    same_graph(a, b);
                }
            }
        }

        /// First and last touch counted with the totals equal the row-by-row models (which
        /// per-journey output needs), and truncation goes through the rows too.
        #[test]
        fn first_and_last_from_totals_equal_the_row_pass(rows in 30usize..300, seed in 0u64..1000) {
            let events = demo::events(&demo::DemoOptions { customers: rows, seed, ..Default::default() }).unwrap();
            let (journeys, _) = JourneySet::build(&events, &JourneyOptions::default()).unwrap();
            let paths = demo::paths(rows, 7, seed).unwrap();
            for data in [super::Data::Journeys(&journeys), super::Data::Paths(&paths)] {
                let ms = [M::FirstTouch, M::LastTouch];
                let kept = compare(data, &ms, &AttributionOptions::default()).unwrap();
                let rows = compare(data, &ms, &AttributionOptions { per_journey: true, ..Default::default() }).unwrap();
                same_credits(&kept, &[Credits { per_journey: None, ..rows[0].clone() }, Credits { per_journey: None, ..rows[1].clone() }]);
                // a truncation of 1 touch makes first touch = last touch
                let one = compare(data, &ms, &AttributionOptions { max_touches: Some(1), ..Default::default() }).unwrap();
                for (a, b) in one[0].rows.iter().zip(&one[1].rows) {
                    prop_assert!(close(a.conversions, b.conversions));
                }
                for (a, b) in one[1].rows.iter().zip(&kept[1].rows) {
                    prop_assert!(close(a.conversions, b.conversions));
                }
            }
        }

        /// Totals kept between calls follow every change of the data.
        #[test]
        fn kept_totals_follow_changes(rows in 30usize..200, seed in 0u64..1000) {
            let events = demo::events(&demo::DemoOptions { customers: rows, seed, ..Default::default() }).unwrap();
            let (mut journeys, _) = JourneySet::build(&events, &JourneyOptions::default()).unwrap();
            let opts = AttributionOptions::default();
            let before = compare(&journeys, &[M::LastTouch], &opts).unwrap();
            let w: Vec<f64> = (0..journeys.len()).map(|i| (1 + i % 3) as f64).collect();
            journeys.set_weights(w).unwrap();
            let after = compare(&journeys, &[M::LastTouch], &opts).unwrap();
            let mut fresh = journeys.clone();
            fresh.catalog_mut();
            let expect = compare(&fresh, &[M::LastTouch], &opts).unwrap();
            same_credits(&after, &expect);
            prop_assert!(before[0].journeys == journeys.len() as f64);
            prop_assert!((after[0].journeys - (0..journeys.len()).map(|i| (1 + i % 3) as f64).sum::<f64>()).abs() < 1e-9);

            // merging keeps no stale totals
            let both = journeys.merge(&journeys);
            let twice = compare(&both, &[M::LastTouch], &opts).unwrap();
            prop_assert!((twice[0].journeys - 2.0 * after[0].journeys).abs() < 1e-9);
            prop_assert!((twice[0].total_conversions - 2.0 * after[0].total_conversions).abs() < 1e-9);

            let mut paths = demo::paths(rows, 6, seed).unwrap();
            let t0 = compare(&paths, &[M::Linear], &opts).unwrap();
            let first = paths.iter().next().unwrap().touchpoints.to_vec();
            paths.add(&first, 2.0, 3.0, 10.0).unwrap();
            let t1 = compare(&paths, &[M::Linear], &opts).unwrap();
            prop_assert!((t1[0].total_conversions - t0[0].total_conversions - 2.0).abs() < 1e-9);
            prop_assert!((t1[0].journeys - t0[0].journeys - 5.0).abs() < 1e-9);
            let touched: f64 = t1[0].rows.iter().map(|r| r.touches).sum::<f64>() - t0[0].rows.iter().map(|r| r.touches).sum::<f64>();
            prop_assert!((touched - 5.0 * first.len() as f64).abs() < 1e-6);
        }
    }
}
