//! Units (customers or journeys) as time-ordered sequences of items, shared by funnels, the
//! step matrix and retention.
//!
//! The order of a unit's items is a content rule, never the input order: by time; at the same
//! instant touches come before conversions, and touches are ordered by touchpoint name. A row
//! that is a converting touch gives two items, the touch and then the conversion. So results do
//! not depend on row order or on the order in which names were interned.
//!
//! Memory: the events are not copied. When the rows are not grouped by customer, one index
//! array (the rows of interest, grouped by customer) is built; a unit's items are assembled in
//! a small buffer that is reused from unit to unit.

use crate::events::{EventTable, NO_TOUCHPOINT};
use crate::journey::Journeys;

/// The item code of a conversion (touch items carry their touchpoint id).
pub(crate) const CONVERSION: u32 = u32::MAX;

/// One item of a unit: its time and code (a touchpoint id or [`CONVERSION`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Item {
    pub t: i64,
    /// The same-instant tie rank (touchpoint name rank; conversions last).
    pub rank: u32,
    pub code: u32,
}

/// Rank of each touchpoint id by name (the same-instant tie rule).
pub(crate) fn name_ranks(names: &[String]) -> Vec<u32> {
    let mut ids: Vec<u32> = (0..names.len() as u32).collect();
    ids.sort_by(|&a, &b| names[a as usize].cmp(&names[b as usize]));
    let mut rank = vec![0u32; names.len()];
    for (r, &id) in ids.iter().enumerate() {
        rank[id as usize] = r as u32;
    }
    rank
}

/// Sort items by (time, touches by name rank, conversions last); a no-op for sorted input.
fn order_items(buf: &mut [Item]) {
    if buf.windows(2).any(|w| (w[0].t, w[0].rank) > (w[1].t, w[1].rank)) {
        buf.sort_unstable_by_key(|i| (i.t, i.rank, i.code));
    }
}

/// The rows of an event table grouped by customer, possibly only the rows of interest, walked
/// customer by customer in parallel ([`ByCustomer::fold`]).
///
/// Rows already grouped by customer (codes non-decreasing) are walked in place. Otherwise the
/// kept rows are partitioned once into buckets of consecutive customer codes (the one index
/// array, written by a stable parallel counting pass: a few hundred sequential write streams,
/// no random access per row); each bucket is then gathered and grouped by customer in a
/// bucket-sized buffer, in parallel.
struct ByCustomer<'a> {
    events: &'a EventTable,
    /// Kept rows bucketed by `customer >> shift` (stable), each packed with what grouping
    /// needs ([`Entry`]); None when the table is grouped.
    order: Option<Vec<u64>>,
    /// `buckets[b]..buckets[b + 1]`: bucket `b`'s positions in `order`.
    buckets: Vec<usize>,
    shift: u32,
    rank: Vec<u32>,
    /// Which item codes to keep (touchpoint ids, then one last entry for conversions).
    keep: Option<Vec<bool>>,
}

/// Customers per bucket: `1 << shift`, about 4k (bucket counters stay in cache).
const BUCKET_SHIFT: u32 = 12;

impl<'a> ByCustomer<'a> {
    /// Group the rows. With `keep`, only rows that give a kept item are indexed (a converting
    /// touch is kept when its touch or its conversion is).
    fn new(events: &'a EventTable, keep: Option<Vec<bool>>) -> Self {
        let cust = events.customers();
        let rank = name_ranks(events.catalog().names());
        let grouped = cust.windows(2).all(|w| w[0] <= w[1]);
        if grouped {
            return Self { events, order: None, buckets: Vec::new(), shift: BUCKET_SHIFT, rank, keep };
        }
        let n_cust = events.customer_count();
        let shift = BUCKET_SHIFT;
        let n_buckets = (n_cust >> shift) + 1;
        let tps = events.touchpoints();
        let conv = events.converted();
        let n_codes = events.catalog().len();
        // per touchpoint code (pure conversions: the last slot) whether its touch is kept, and
        // whether conversions are: one table lookup per row
        let (keep_touch, keep_conv): (Vec<bool>, bool) = match &keep {
            None => (vec![true; n_codes + 1], true),
            Some(k) => {
                let mut t = k[..n_codes].to_vec();
                t.push(false);
                (t, k[n_codes])
            }
        };
        let wanted = |r: usize| -> bool {
            // NO_TOUCHPOINT (u32::MAX) lands on the last slot
            keep_touch[(tps[r] as usize).min(n_codes)] | (conv[r] & keep_conv)
        };
        let n = cust.len();
        let threads = threads().min(n.div_ceil(1 << 16)).max(1);
        let chunk = n.div_ceil(threads);
        // per chunk: rows per bucket
        let counts: Vec<Vec<usize>> = map_chunks(threads, |k| {
            let mut h = vec![0usize; n_buckets];
            for r in k * chunk..((k + 1) * chunk).min(n) {
                if wanted(r) {
                    h[(cust[r] >> shift) as usize] += 1;
                }
            }
            h
        });
        // bucket-major offsets, chunk by chunk inside a bucket (stable)
        let mut buckets = vec![0usize; n_buckets + 1];
        let mut starts = vec![vec![0usize; n_buckets]; threads];
        let mut at = 0usize;
        for b in 0..n_buckets {
            buckets[b] = at;
            for k in 0..threads {
                starts[k][b] = at;
                at += counts[k][b];
            }
        }
        buckets[n_buckets] = at;
        let mut order = vec![0u64; at];
        {
            // each chunk writes its own disjoint slots
            let slots = SharedSlice(order.as_mut_ptr());
            let slots = &slots;
            map_chunks(threads, |k| {
                let mut next = starts[k].clone();
                for r in k * chunk..((k + 1) * chunk).min(n) {
                    if wanted(r) {
                        let b = (cust[r] >> shift) as usize;
                        // SAFETY: slot next[b] lies in chunk k's range of bucket b, which no
                        // other chunk writes, and below `at` (the counts add up to it).
                        unsafe { slots.write(next[b], entry(r, cust[r], tps[r], conv[r])) };
                        next[b] += 1;
                    }
                }
            });
        }
        Self { events, order: Some(order), buckets, shift, rank, keep }
    }

    fn push_row(&self, r: usize, out: &mut Vec<Item>) {
        let ev = self.events;
        let tp = ev.touchpoints()[r];
        let t = ev.times()[r];
        if tp != NO_TOUCHPOINT && self.keep.as_ref().is_none_or(|k| k[tp as usize]) {
            out.push(Item { t, rank: self.rank[tp as usize], code: tp });
        }
        if ev.converted()[r] && self.keep.as_ref().is_none_or(|k| k[ev.catalog().len()]) {
            out.push(Item { t, rank: u32::MAX, code: CONVERSION });
        }
    }

    /// Fold `f(acc, customer, items)` over every customer with events (items in the content
    /// order; empty when none of its rows is kept), in parallel, merging the partial results.
    fn fold<A: Send>(
        &self,
        init: impl Fn() -> A + Sync + Send,
        f: impl Fn(&mut A, u32, &[Item]) + Sync + Send,
        merge: impl Fn(A, A) -> A + Sync + Send,
    ) -> A {
        let ev = self.events;
        let cust = ev.customers();
        match &self.order {
            None => {
                // grouped: chunks of rows cut at customer boundaries
                let n = cust.len();
                let pieces = (threads() * 8).min(n.div_ceil(1 << 14)).max(1);
                let step = n.div_ceil(pieces);
                let cut = |k: usize| -> usize {
                    let mut p = (k * step).min(n);
                    while p > 0 && p < n && cust[p] == cust[p - 1] {
                        p += 1;
                    }
                    p
                };
                par_fold(
                    pieces,
                    || (init(), Vec::new()),
                    |(acc, items), k| {
                        let (mut a, b) = (cut(k), cut(k + 1));
                        while a < b {
                            let c = cust[a];
                            let mut e = a + 1;
                            while e < b && cust[e] == c {
                                e += 1;
                            }
                            items.clear();
                            (a..e).for_each(|r| self.push_row(r, items));
                            order_items(items);
                            f(acc, c, items);
                            a = e;
                        }
                    },
                    |x, y| (merge(x.0, y.0), x.1),
                )
                .0
            }
            Some(order) => {
                let n_cust = ev.customer_count();
                let width = 1usize << self.shift;
                let (time, n_codes) = (ev.times(), ev.catalog().len());
                par_fold(
                    self.buckets.len() - 1,
                    || {
                        (
                            init(),
                            Vec::<u64>::new(),
                            Vec::<Item>::new(),
                            vec![0usize; width + 1],
                            Vec::<usize>::new(),
                            Vec::<i64>::new(),
                        )
                    },
                    |(acc, sorted, items, start, next, times), b| {
                        // group the bucket's entries by customer (stable), then read each row's
                        // time: the only access to the columns, one per kept row
                        let entries = &order[self.buckets[b]..self.buckets[b + 1]];
                        start.iter_mut().for_each(|x| *x = 0);
                        for &e in entries {
                            start[entry_customer(e) + 1] += 1;
                        }
                        for i in 0..width {
                            start[i + 1] += start[i];
                        }
                        sorted.clear();
                        sorted.resize(entries.len(), 0);
                        next.clear();
                        next.extend_from_slice(start);
                        for &e in entries {
                            let slot = &mut next[entry_customer(e)];
                            sorted[*slot] = e;
                            *slot += 1;
                        }
                        // the one random access per kept row, in a loop without dependencies so
                        // that the loads overlap
                        times.clear();
                        times.extend(sorted.iter().map(|&e| time[(e >> 32) as usize]));
                        let base = b << self.shift;
                        for c in base..(base + width).min(n_cust) {
                            if !ev.has_events(c as u32) {
                                continue;
                            }
                            let i = c - base;
                            items.clear();
                            for (j, &e) in sorted[start[i]..start[i + 1]].iter().enumerate() {
                                let r = (e >> 32) as usize;
                                let t = times[start[i] + j];
                                let code = entry_code(e);
                                let tp = if code == ENTRY_NO_CODE { self.events.touchpoints()[r] } else { code };
                                if tp != NO_TOUCHPOINT && self.keep.as_ref().is_none_or(|k| k[tp as usize]) {
                                    items.push(Item { t, rank: self.rank[tp as usize], code: tp });
                                }
                                if e & 1 == 1 && self.keep.as_ref().is_none_or(|k| k[n_codes]) {
                                    items.push(Item { t, rank: u32::MAX, code: CONVERSION });
                                }
                            }
                            order_items(items);
                            f(acc, c as u32, items);
                        }
                    },
                    |x, y| (merge(x.0, y.0), x.1, x.2, x.3, x.4, x.5),
                )
                .0
            }
        }
    }
}

impl ByCustomer<'_> {
    /// Fold `f(acc, customer, rows)` over every customer with events: its row numbers in input
    /// order (the caller orders them), in parallel. For analyses that read more of a row than
    /// its item (the experience module reads feedback scores).
    fn fold_rows<A: Send>(
        &self,
        init: impl Fn() -> A + Sync + Send,
        f: impl Fn(&mut A, u32, &[u32]) + Sync + Send,
        merge: impl Fn(A, A) -> A + Sync + Send,
    ) -> A {
        let ev = self.events;
        let cust = ev.customers();
        match &self.order {
            None => {
                let n = cust.len();
                let pieces = (threads() * 8).min(n.div_ceil(1 << 14)).max(1);
                let step = n.div_ceil(pieces);
                let cut = |k: usize| -> usize {
                    let mut p = (k * step).min(n);
                    while p > 0 && p < n && cust[p] == cust[p - 1] {
                        p += 1;
                    }
                    p
                };
                par_fold(
                    pieces,
                    || (init(), Vec::new()),
                    |(acc, rows), k| {
                        let (mut a, b) = (cut(k), cut(k + 1));
                        while a < b {
                            let c = cust[a];
                            let mut e = a + 1;
                            while e < b && cust[e] == c {
                                e += 1;
                            }
                            rows.clear();
                            rows.extend(a as u32..e as u32);
                            f(acc, c, rows);
                            a = e;
                        }
                    },
                    |x, y| (merge(x.0, y.0), x.1),
                )
                .0
            }
            Some(order) => {
                let n_cust = ev.customer_count();
                let width = 1usize << self.shift;
                par_fold(
                    self.buckets.len() - 1,
                    || (init(), Vec::<u32>::new(), vec![0usize; width + 1], Vec::<usize>::new()),
                    |(acc, sorted, start, next), b| {
                        let entries = &order[self.buckets[b]..self.buckets[b + 1]];
                        start.iter_mut().for_each(|x| *x = 0);
                        for &e in entries {
                            start[entry_customer(e) + 1] += 1;
                        }
                        for i in 0..width {
                            start[i + 1] += start[i];
                        }
                        sorted.clear();
                        sorted.resize(entries.len(), 0);
                        next.clear();
                        next.extend_from_slice(start);
                        for &e in entries {
                            let slot = &mut next[entry_customer(e)];
                            sorted[*slot] = (e >> 32) as u32;
                            *slot += 1;
                        }
                        let base = b << self.shift;
                        for c in base..(base + width).min(n_cust) {
                            if ev.has_events(c as u32) {
                                let i = c - base;
                                f(acc, c as u32, &sorted[start[i]..start[i + 1]]);
                            }
                        }
                    },
                    |x, y| (merge(x.0, y.0), x.1, x.2, x.3),
                )
                .0
            }
        }
    }
}

/// Fold `f(acc, customer, rows)` over every customer of `events` with rows (row numbers in
/// input order), in parallel; the partial results are merged with `merge`.
pub(crate) fn fold_customer_rows<A: Send>(
    events: &EventTable,
    init: impl Fn() -> A + Sync + Send,
    f: impl Fn(&mut A, u32, &[u32]) + Sync + Send,
    merge: impl Fn(A, A) -> A + Sync + Send,
) -> A {
    ByCustomer::new(events, None).fold_rows(init, f, merge)
}

/// An index entry: row (high 32 bits), the customer's offset in its bucket (12 bits), the
/// touchpoint code (19 bits; [`ENTRY_NO_CODE`] when it does not fit: read from the column) and
/// the conversion flag (lowest bit). Grouping then reads nothing but the entries.
fn entry(r: usize, customer: u32, tp: u32, converted: bool) -> u64 {
    let code = if tp == NO_TOUCHPOINT {
        ENTRY_NO_TOUCHPOINT
    } else if tp < ENTRY_NO_TOUCHPOINT {
        tp
    } else {
        ENTRY_NO_CODE
    };
    ((r as u64) << 32)
        | (((customer & ((1 << BUCKET_SHIFT) - 1)) as u64) << 20)
        | ((code as u64) << 1)
        | converted as u64
}

const ENTRY_NO_CODE: u32 = (1 << 19) - 1;
const ENTRY_NO_TOUCHPOINT: u32 = (1 << 19) - 2;

fn entry_customer(e: u64) -> usize {
    ((e >> 20) & ((1 << BUCKET_SHIFT) - 1)) as usize
}

/// The touchpoint of an entry ([`NO_TOUCHPOINT`] for a pure conversion, [`ENTRY_NO_CODE`]
/// when the column must be read).
fn entry_code(e: u64) -> u32 {
    match ((e >> 1) & ((1 << 19) - 1)) as u32 {
        ENTRY_NO_TOUCHPOINT => NO_TOUCHPOINT,
        c => c,
    }
}

/// A raw pointer the parallel scatter writes through (disjoint slots per thread).
struct SharedSlice(*mut u64);

// SAFETY: used only for writes to disjoint indices (see `ByCustomer::new`).
unsafe impl Sync for SharedSlice {}

impl SharedSlice {
    /// # Safety
    /// `i` must be in bounds and written by one thread only.
    unsafe fn write(&self, i: usize, v: u64) {
        // SAFETY: the caller guarantees `i` is in bounds and not shared.
        unsafe { *self.0.add(i) = v };
    }
}

fn threads() -> usize {
    #[cfg(feature = "rayon")]
    {
        rayon::current_num_threads().max(1)
    }
    #[cfg(not(feature = "rayon"))]
    {
        1
    }
}

/// `f(k)` for `k in 0..n`, in parallel.
fn map_chunks<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        (0..n).into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        (0..n).map(f).collect()
    }
}

/// The items of journey `j`: its touches, then its conversion (at the journey's end) when it
/// converted. Touches at the same instant are ordered by name.
fn journey_items(journeys: &Journeys, j: usize, rank: &[u32], out: &mut Vec<Item>) {
    let jr = journeys.journey(j);
    out.clear();
    for (tp, &t) in jr.touchpoints.iter().zip(jr.times) {
        out.push(Item { t, rank: rank[tp.index()], code: tp.0 });
    }
    order_items(out);
    if jr.converted {
        let t = jr.end_time.max(out.last().map_or(i64::MIN, |i| i.t));
        out.push(Item { t, rank: u32::MAX, code: CONVERSION });
    }
}

/// What an analysis counts: the customers of an event table or journeys.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    Events(&'a EventTable),
    Journeys(&'a Journeys),
}

impl<'a> Source<'a> {
    pub(crate) fn catalog(&self) -> &'a crate::catalog::Catalog {
        match self {
            Source::Events(e) => e.catalog(),
            Source::Journeys(j) => j.catalog(),
        }
    }

    /// The number of customer codes (what segments label).
    pub(crate) fn customers(&self) -> usize {
        match self {
            Source::Events(e) => e.customer_count(),
            Source::Journeys(j) => j.customer_names().len(),
        }
    }

    /// Fold `f(acc, customer, items)` over every unit (a customer with events, or a journey
    /// with its customer), in parallel; with `keep`, customers' items are only the kept codes
    /// (journeys always give all their items).
    #[inline(always)]
    pub(crate) fn fold<A: Send>(
        self,
        keep: Option<Vec<bool>>,
        init: impl Fn() -> A + Sync + Send,
        f: impl Fn(&mut A, u32, &[Item]) + Sync + Send,
        merge: impl Fn(A, A) -> A + Sync + Send,
    ) -> A {
        match self {
            Source::Events(e) => ByCustomer::new(e, keep).fold(init, f, merge),
            Source::Journeys(js) => fold_journeys(js, init, f, merge),
        }
    }
}

/// [`Source::fold`] over journeys (kept apart so the customers' loop is compiled on its own).
#[inline(never)]
fn fold_journeys<A: Send>(
    js: &Journeys,
    init: impl Fn() -> A + Sync + Send,
    f: impl Fn(&mut A, u32, &[Item]) + Sync + Send,
    merge: impl Fn(A, A) -> A + Sync + Send,
) -> A {
    let rank = name_ranks(js.catalog().names());
    par_fold(
        js.len(),
        || (init(), Vec::new()),
        |(acc, items), j| {
            journey_items(js, j, &rank, items);
            f(acc, js.journey(j).customer, items);
        },
        |a, b| (merge(a.0, b.0), a.1),
    )
    .0
}

/// Fold `f` over `0..n` in parallel chunks (rayon feature) and merge the partial results.
pub(crate) fn par_fold<A: Send>(
    n: usize,
    init: impl Fn() -> A + Sync + Send,
    f: impl Fn(&mut A, usize) + Sync + Send,
    merge: impl Fn(A, A) -> A + Sync + Send,
) -> A {
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        let chunk = (n / (4 * rayon::current_num_threads().max(1))).max(1);
        (0..n.div_ceil(chunk))
            .into_par_iter()
            .map(|k| {
                let mut acc = init();
                for i in k * chunk..((k + 1) * chunk).min(n) {
                    f(&mut acc, i);
                }
                acc
            })
            .reduce(&init, &merge)
    }
    #[cfg(not(feature = "rayon"))]
    {
        let _ = &merge;
        let mut acc = init();
        for i in 0..n {
            f(&mut acc, i);
        }
        acc
    }
}
