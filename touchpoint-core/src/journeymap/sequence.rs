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
fn order_items(buf: &mut [(i64, u32, u32)]) {
    if buf.windows(2).any(|w| (w[0].0, w[0].1) > (w[1].0, w[1].1)) {
        buf.sort_unstable();
    }
}

/// The rows of an event table grouped by customer, possibly only the rows of interest.
pub(crate) struct ByCustomer<'a> {
    events: &'a EventTable,
    /// Rows grouped by customer; None when the table already is (rows are then used in place).
    order: Option<Vec<u32>>,
    /// `bounds[c]..bounds[c + 1]`: customer `c`'s positions in `order` (or rows).
    bounds: Vec<usize>,
    rank: Vec<u32>,
    /// Which item codes to keep (touchpoint ids, then one last entry for conversions).
    keep: Option<Vec<bool>>,
    /// Customers with at least one event (of any kind).
    pub present: Vec<bool>,
}

impl<'a> ByCustomer<'a> {
    /// Group the rows. With `keep`, only rows that give a kept item are indexed (a converting
    /// touch is kept when its touch or its conversion is).
    pub(crate) fn new(events: &'a EventTable, keep: Option<Vec<bool>>) -> Self {
        let cust = events.customers();
        let n_cust = events.customer_count();
        let tps = events.touchpoints();
        let conv = events.converted();
        let n_codes = events.catalog().len();
        let wanted = |r: usize| -> bool {
            match &keep {
                None => true,
                Some(k) => (tps[r] != NO_TOUCHPOINT && k[tps[r] as usize]) || (conv[r] && k[n_codes]),
            }
        };
        let mut present = vec![false; n_cust];
        let grouped = cust.windows(2).all(|w| w[0] <= w[1]);
        let mut bounds = vec![0usize; n_cust + 1];
        let order = if grouped {
            for &c in cust {
                present[c as usize] = true;
                bounds[c as usize + 1] += 1;
            }
            for c in 0..n_cust {
                bounds[c + 1] += bounds[c];
            }
            None
        } else {
            let mut n_kept = 0usize;
            for (r, &c) in cust.iter().enumerate() {
                present[c as usize] = true;
                if wanted(r) {
                    bounds[c as usize + 1] += 1;
                    n_kept += 1;
                }
            }
            for c in 0..n_cust {
                bounds[c + 1] += bounds[c];
            }
            let mut next = bounds.clone();
            let mut order = vec![0u32; n_kept];
            for (r, &c) in cust.iter().enumerate() {
                if wanted(r) {
                    let slot = &mut next[c as usize];
                    order[*slot] = r as u32;
                    *slot += 1;
                }
            }
            Some(order)
        };
        let rank = name_ranks(events.catalog().names());
        Self { events, order, bounds, rank, keep, present }
    }

    /// Number of customer codes.
    pub(crate) fn customers(&self) -> usize {
        self.bounds.len() - 1
    }

    /// The items of customer `c`, in the content order, into `out` (cleared first).
    pub(crate) fn items(&self, c: usize, scratch: &mut Vec<(i64, u32, u32)>, out: &mut Vec<Item>) {
        let ev = self.events;
        let (tps, time, conv) = (ev.touchpoints(), ev.times(), ev.converted());
        let n_codes = ev.catalog().len();
        scratch.clear();
        let mut push_row = |r: usize| {
            let tp = tps[r];
            if tp != NO_TOUCHPOINT && self.keep.as_ref().is_none_or(|k| k[tp as usize]) {
                scratch.push((time[r], self.rank[tp as usize], tp));
            }
            if conv[r] && self.keep.as_ref().is_none_or(|k| k[n_codes]) {
                scratch.push((time[r], u32::MAX, CONVERSION));
            }
        };
        let range = self.bounds[c]..self.bounds[c + 1];
        match &self.order {
            Some(order) => order[range].iter().for_each(|&r| push_row(r as usize)),
            None => range.for_each(push_row),
        }
        order_items(scratch);
        out.clear();
        out.extend(scratch.iter().map(|&(t, _, code)| Item { t, code }));
    }
}

/// The items of journey `j`: its touches, then its conversion (at the journey's end) when it
/// converted. Touches at the same instant are ordered by name.
pub(crate) fn journey_items(
    journeys: &Journeys,
    j: usize,
    rank: &[u32],
    scratch: &mut Vec<(i64, u32, u32)>,
    out: &mut Vec<Item>,
) {
    let jr = journeys.journey(j);
    scratch.clear();
    for (tp, &t) in jr.touchpoints.iter().zip(jr.times) {
        scratch.push((t, rank[tp.index()], tp.0));
    }
    order_items(scratch);
    out.clear();
    out.extend(scratch.iter().map(|&(t, _, code)| Item { t, code }));
    if jr.converted {
        let t = jr.end_time.max(out.last().map_or(i64::MIN, |i| i.t));
        out.push(Item { t, code: CONVERSION });
    }
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
        let chunk = (n / (4 * rayon::current_num_threads().max(1))).max(4096);
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
