//! Nightly increments: new events appended to journeys built earlier, with the result a full
//! rebuild from all the events would give.
//!
//! Journeys built from events remember, per customer, the **open tail**: the events after the
//! last point where cutting starts afresh (the customer's last conversion, or the last
//! inactivity split before any conversion when `split_at_conversions` is off). Everything
//! before that point is closed for good: a new event cannot change it. [`Journeys::append`]
//! re-cuts only the open tails of the customers who have new events, with the same
//! [`JourneyOptions`]: a journey open at the cut continues (the lookback window of a later
//! conversion reaches back across the cut, an inactivity gap across the cut splits it), one
//! closed by a conversion stays closed, new customers start.
//!
//! The tails cost nothing extra when they can be read back from the journeys themselves (the
//! default options, lookback and inactivity windows); with `collapse_repeats`, `max_touches` or
//! `split_at_conversions = false` the raw tail events are kept (12 bytes per open touch).
//!
//! **Equal to a rebuild** when no new event of a customer is older than that customer's last
//! closed point (events arrive in time order, as nightly batches do; ties at the same instant
//! count as later). An older ("late") event cannot reopen a closed journey: it joins the open
//! tail at its time, and [`AppendReport::late_events`] counts it.
//!
//! ```
//! use touchpoint_core::{EventTable, JourneyOptions, Journeys, DAY_MS};
//!
//! let mut day1 = EventTable::builder();
//! day1.touch("ann", "search ad", 0)?;
//! day1.touch("bob", "email", DAY_MS / 2)?;
//! let (journeys, _) = Journeys::build(&day1.finish()?, &JourneyOptions::default())?;
//!
//! let mut day2 = EventTable::builder();
//! day2.touch("ann", "store", DAY_MS + 5)?;
//! day2.conversion("ann", DAY_MS + 6, 80.0)?;        // ann's open journey converts
//! day2.touch("cem", "app", DAY_MS + 7)?;             // a new customer
//! let (journeys, report, added) = journeys.append(&day2.finish()?)?;
//! assert_eq!(added.customers_continued, 1);
//! assert_eq!(added.customers_new, 1);
//! let ann = journeys.iter().find(|j| j.converted).unwrap();
//! assert_eq!(journeys.names(ann.touchpoints), ["search ad", "store"]);
//! assert_eq!(report.journeys_converting, 1);
//! assert_eq!(report.journeys_non_converting, 2);   // bob, cem
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::events::{EventTable, NO_TOUCHPOINT};
use crate::journey::{Cols, Cutter, JourneyOptions, JourneyReport, Journeys};
use crate::names::NameIndex;

crate::row_struct! {
    /// What [`Journeys::append`] did with a batch of events.
    #[derive(Clone, Default, PartialEq)]
    pub struct AppendReport {
        /// Event rows in the batch.
        pub events_in: usize,
        /// Customers of the batch seen before (their open journeys continue).
        pub customers_continued: usize,
        /// Customers of the batch seen for the first time.
        pub customers_new: usize,
        /// Customers whose open journey (before the batch) is now closed by a conversion.
        pub journeys_closed: usize,
        /// Events older than their customer's last closed point: they join the open tail
        /// instead of reopening a closed journey (0 when batches arrive in time order; the
        /// result then equals a full rebuild).
        pub late_events: usize,
    }
}

/// Per customer code: where its open tail begins and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OpenState {
    pub options: JourneyOptions,
    /// Report of the whole journey set (updated by every append).
    pub report: JourneyReport,
    /// Whether the raw tail events are stored (else: each tail is the customer's last journey).
    pub stored: bool,
    /// Stored tails: CSR by customer code over the arrays below (empty when not stored).
    pub offsets: Vec<usize>,
    pub tps: Vec<u32>,
    pub times: Vec<i64>,
    pub conv: Vec<bool>,
    pub vals: Vec<f64>,
    /// Time of each customer's last fresh-start point (`i64::MIN`: none).
    pub horizon: Vec<i64>,
    /// How many of each customer's last journeys were cut from the open tail.
    pub tail_journeys: Vec<u32>,
    /// Customer name → code, built on the first append and carried to the next.
    pub index: IndexCache,
}

/// A lazily built [`NameIndex`] (not part of the saved state: rebuilt after a load).
#[derive(Debug, Clone, Default)]
pub(crate) struct IndexCache(pub std::sync::OnceLock<NameIndex>);

impl PartialEq for IndexCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl OpenState {
    /// Whether the options need the raw tail events (the cut of a tail is not the tail).
    pub(crate) fn needs_raw(opts: &JourneyOptions) -> bool {
        opts.collapse_repeats || opts.max_touches.is_some() || !opts.split_at_conversions
    }

    pub(crate) fn customers(&self) -> usize {
        self.horizon.len()
    }
}

/// Collects open tails customer by customer (codes ascending; codes skipped get empty tails).
pub(crate) struct TailRecorder {
    state: OpenState,
}

impl TailRecorder {
    pub(crate) fn new(opts: &JourneyOptions) -> Self {
        let stored = OpenState::needs_raw(opts);
        TailRecorder {
            state: OpenState {
                options: opts.clone(),
                report: JourneyReport::default(),
                stored,
                offsets: if stored { vec![0] } else { Vec::new() },
                tps: Vec::new(),
                times: Vec::new(),
                conv: Vec::new(),
                vals: Vec::new(),
                horizon: Vec::new(),
                tail_journeys: Vec::new(),
                index: IndexCache::default(),
            },
        }
    }

    fn pad_to(&mut self, c: usize) {
        let s = &mut self.state;
        while s.horizon.len() < c {
            s.horizon.push(i64::MIN);
            s.tail_journeys.push(0);
            if s.stored {
                s.offsets.push(s.tps.len());
            }
        }
    }

    /// The tail of customer `c`: its rows `rows` (positions in `cols`, time order) and the
    /// number of journeys cut from them.
    pub(crate) fn record(&mut self, c: u32, rows: &[u32], cols: &Cols<'_>, journeys: usize, horizon: i64) {
        self.pad_to(c as usize);
        let s = &mut self.state;
        if s.stored {
            for &r in rows {
                let r = r as usize;
                if cols.tps[r] != NO_TOUCHPOINT || cols.conv[r] {
                    s.tps.push(cols.tps[r]);
                    s.times.push(cols.time[r]);
                    s.conv.push(cols.conv[r]);
                    s.vals.push(cols.vals[r]);
                }
            }
            s.offsets.push(s.tps.len());
        }
        s.horizon.push(horizon);
        s.tail_journeys.push(journeys as u32);
    }

    /// The customer just recorded had no fresh-start point in its re-cut events: it keeps
    /// the one it had.
    fn keep_horizon(&mut self, old: i64) {
        if let Some(h) = self.state.horizon.last_mut()
            && *h == i64::MIN
        {
            *h = old;
        }
    }

    /// Copy the tail of customer `c` of `old` as the next customer's.
    fn push_copy(&mut self, c: usize, old: &OpenState) {
        let s = &mut self.state;
        if s.stored {
            let (a, b) = (old.offsets[c], old.offsets[c + 1]);
            s.tps.extend_from_slice(&old.tps[a..b]);
            s.times.extend_from_slice(&old.times[a..b]);
            s.conv.extend_from_slice(&old.conv[a..b]);
            s.vals.extend_from_slice(&old.vals[a..b]);
            s.offsets.push(s.tps.len());
        }
        s.horizon.push(old.horizon[c]);
        s.tail_journeys.push(old.tail_journeys[c]);
    }

    /// Copy the tails of customers `range` from `old` unchanged (in bulk).
    fn copy_range(&mut self, range: std::ops::Range<usize>, old: &OpenState) {
        if range.is_empty() {
            return;
        }
        self.pad_to(range.start);
        let s = &mut self.state;
        if s.stored {
            let (a, b) = (old.offsets[range.start], old.offsets[range.end]);
            let shift = s.tps.len() as isize - a as isize;
            s.tps.extend_from_slice(&old.tps[a..b]);
            s.times.extend_from_slice(&old.times[a..b]);
            s.conv.extend_from_slice(&old.conv[a..b]);
            s.vals.extend_from_slice(&old.vals[a..b]);
            s.offsets.extend(old.offsets[range.start + 1..=range.end].iter().map(|&o| (o as isize + shift) as usize));
        }
        s.horizon.extend_from_slice(&old.horizon[range.clone()]);
        s.tail_journeys.extend_from_slice(&old.tail_journeys[range]);
    }

    pub(crate) fn finish(mut self, customers: usize, options: JourneyOptions, report: JourneyReport) -> OpenState {
        self.pad_to(customers);
        self.state.options = options;
        self.state.report = report;
        self.state
    }
}

/// One customer's events to re-cut (old tail first, then the batch's rows in input order).
#[derive(Default)]
struct Scratch {
    tps: Vec<u32>,
    time: Vec<i64>,
    conv: Vec<bool>,
    vals: Vec<f64>,
}

impl Scratch {
    fn clear(&mut self) {
        self.tps.clear();
        self.time.clear();
        self.conv.clear();
        self.vals.clear();
    }
    fn push(&mut self, tp: u32, time: i64, conv: bool, val: f64) {
        self.tps.push(tp);
        self.time.push(time);
        self.conv.push(conv);
        self.vals.push(val);
    }
    fn cols(&self) -> Cols<'_> {
        Cols { time: &self.time, tps: &self.tps, conv: &self.conv, vals: &self.vals }
    }
}

impl JourneyReport {
    /// Remove the counts of `o` (a part of this report that is being recomputed).
    fn subtract(&mut self, o: &JourneyReport) {
        self.touches_in -= o.touches_in;
        self.conversions_in -= o.conversions_in;
        self.customers -= o.customers;
        self.journeys_converting -= o.journeys_converting;
        self.journeys_non_converting -= o.journeys_non_converting;
        self.touches_outside_lookback -= o.touches_outside_lookback;
        self.touches_collapsed -= o.touches_collapsed;
        self.touches_truncated -= o.touches_truncated;
        self.inactivity_splits -= o.inactivity_splits;
        self.conversions_without_touches -= o.conversions_without_touches;
        self.value_without_touches -= o.value_without_touches;
        self.customers_resorted -= o.customers_resorted;
        self.conversions_merged -= o.conversions_merged;
    }
}

impl Journeys {
    /// Whether these journeys can take [`Journeys::append`] (they were built from events).
    pub fn is_appendable(&self) -> bool {
        self.open.is_some()
    }

    /// The options the journeys were cut with (journeys built from events).
    pub fn options(&self) -> Option<&JourneyOptions> {
        self.open.as_ref().map(|o| &o.options)
    }

    /// The build report of the whole set (journeys built from events; kept up to date by
    /// [`Journeys::append`] and saved with the journeys).
    pub fn report(&self) -> Option<&JourneyReport> {
        self.open.as_ref().map(|o| &o.report)
    }

    /// Append a batch of new events (see the [module docs](crate::increment)): returns the
    /// journeys of all events so far, the report of the whole set and what the batch did.
    /// Touchpoints are matched by name and customers by key; the result is numbered as a
    /// rebuild numbers it (the canonical order: touchpoint ids by name, customers by key).
    ///
    /// Cost: linear in the batch and in the number of journeys (they are copied once), not in
    /// the history of events, which is never re-read.
    pub fn append(&self, events: &EventTable) -> Result<(Journeys, JourneyReport, AppendReport)> {
        // the result is in the canonical order a rebuild gives: touchpoint ids by sorted name
        // (old journeys are renumbered first when a new name sorts before an old one) and
        // customers by sorted key (journeys are reordered after the cut)
        let mut catalog = self.catalog.clone();
        catalog.absorb(events.catalog());
        let (out, report, added) = match catalog.canonical() {
            Some((sorted, rank)) if self.open.is_some() => self.relabeled(sorted, &rank).append_in_order(events)?,
            _ => self.append_in_order(events)?,
        };
        Ok((out.canonical_customers(), report, added))
    }

    /// These journeys with touchpoint ids renumbered by `rank` (old id → new id) in `catalog`.
    fn relabeled(&self, catalog: crate::Catalog, rank: &[u32]) -> Journeys {
        let mut j = self.clone();
        for t in &mut j.touchpoints {
            t.0 = rank[t.index()];
        }
        if let Some(open) = &mut j.open {
            let open = Arc::make_mut(open);
            for t in open.tps.iter_mut().filter(|t| **t != NO_TOUCHPOINT) {
                *t = rank[*t as usize];
            }
        }
        j.catalog = catalog;
        j.totals = Default::default();
        j
    }

    /// Journeys (customer by customer in code order) reordered so that customer codes follow
    /// the canonical order of their keys, with their open tails.
    fn canonical_customers(self) -> Journeys {
        let Some((names, rank)) = self.customer_names.canonical() else {
            return self;
        };
        let n_cust = names.len();
        let mut inv = vec![0u32; n_cust];
        for (old, &new) in rank.iter().enumerate() {
            inv[new as usize] = old as u32;
        }
        let first = self.first_by_customer(n_cust);
        let mut out =
            Journeys::with_capacity(self.catalog.clone(), Arc::new(names), self.len(), self.touchpoints.len());
        for &old in &inv {
            let range = first[old as usize]..first[old as usize + 1];
            let from = out.customer.len();
            self.copy_journeys(range, &mut out);
            for c in &mut out.customer[from..] {
                *c = rank[*c as usize];
            }
        }
        out.open = self.open.as_deref().map(|open| {
            let mut tails = TailRecorder::new(&open.options);
            for &old in &inv {
                tails.push_copy(old as usize, open);
            }
            Arc::new(tails.finish(n_cust, open.options.clone(), open.report.clone()))
        });
        out
    }

    fn append_in_order(&self, events: &EventTable) -> Result<(Journeys, JourneyReport, AppendReport)> {
        let open = self.open.as_deref().ok_or_else(|| Error::ModelNotApplicable {
            model: "append".into(),
            reason: "these journeys carry no open tails (they were selected, split or merged, or not built from \
                     events); build them with Journeys::build and append to those"
                .into(),
        })?;
        if !self.weight.is_empty() {
            return Err(Error::ModelNotApplicable {
                model: "append".into(),
                reason: "these journeys were given weights; append to the unweighted journeys and weight the result"
                    .into(),
            });
        }
        let opts = &open.options;
        let mut catalog = self.catalog.clone();
        let remap = catalog.absorb(events.catalog());
        // customers: old codes kept, new ones numbered in order of first appearance
        let n_old = open.customers();
        let mut index = open.index.0.get_or_init(|| NameIndex::of(&self.customer_names)).clone();
        let mut names = (*self.customer_names).clone();
        let batch_names = events.customer_names();
        let global: Vec<u32> = (0..batch_names.len()).map(|i| index.get_or_push(&mut names, &batch_names[i])).collect();
        let n_cust = names.len();
        // the batch's rows grouped by global customer (counting sort, input order kept)
        let cust = events.customers();
        let mut start = vec![0u32; n_cust + 1];
        for &c in cust {
            start[global[c as usize] as usize + 1] += 1;
        }
        for i in 0..n_cust {
            start[i + 1] += start[i];
        }
        let mut order = vec![0u32; cust.len()];
        let mut next = start.clone();
        for (i, &c) in cust.iter().enumerate() {
            let slot = &mut next[global[c as usize] as usize];
            order[*slot as usize] = i as u32;
            *slot += 1;
        }
        // where each old customer's journeys begin (journeys are in customer order)
        let first = self.first_by_customer(n_old);
        let mut out = Journeys::with_capacity(
            catalog,
            Arc::new(names),
            self.len() + events.len(),
            self.touchpoints.len() + events.len(),
        );
        let mut report = open.report.clone();
        report.events_in += events.len();
        let mut added = AppendReport { events_in: events.len(), ..Default::default() };
        let mut tails = TailRecorder::new(opts);
        let (tps, times, conv, vals) = (events.touchpoints(), events.times(), events.converted(), events.values());
        let mut scratch = Scratch::default();
        let mut rows: Vec<u32> = Vec::new();
        let mut copied_to = 0usize; // old journeys before this index are in `out`
        for c in 0..n_cust {
            let batch = &order[start[c] as usize..start[c + 1] as usize];
            if batch.is_empty() {
                continue;
            }
            let old_customer = c < n_old;
            let (tail_from, tail_n) = if old_customer {
                let n = open.tail_journeys[c] as usize;
                (first[c + 1] - n, n)
            } else {
                (first[n_old], 0)
            };
            // journeys (and tails) of the customers before c, and c's closed journeys
            self.copy_journeys(copied_to..tail_from, &mut out);
            tails.copy_range(tails.state.horizon.len()..c.min(n_old), open);
            copied_to = if old_customer { first[c + 1] } else { tail_from };
            // c's old tail, then the batch
            scratch.clear();
            if old_customer {
                added.customers_continued += 1;
                self.tail_events(open, c, tail_from, tail_n, &mut scratch);
                // the old tail's share of the report is recomputed below
                if scratch.tps.len() + tail_n > 0 {
                    let mut old_rep = JourneyReport::default();
                    let mut sink = Journeys { offsets: vec![0], ..Default::default() };
                    rows.clear();
                    rows.extend(0..scratch.tps.len() as u32);
                    Cutter { opts, rep: &mut old_rep, out: &mut sink, rec: None, without_fixed: 0 }.customer(
                        &mut rows,
                        c as u32,
                        &scratch.cols(),
                    );
                    report.subtract(&old_rep);
                } else {
                    // a customer whose tail is empty was counted once already
                    report.customers -= 1;
                }
            } else {
                added.customers_new += 1;
            }
            let horizon = if old_customer { open.horizon[c] } else { i64::MIN };
            for &r in batch {
                let r = r as usize;
                if times[r] < horizon {
                    added.late_events += 1;
                }
                let tp = if tps[r] == NO_TOUCHPOINT { NO_TOUCHPOINT } else { remap[tps[r] as usize].0 };
                scratch.push(tp, times[r], conv[r], vals[r]);
            }
            let before = out.len();
            let mut rep = JourneyReport::default();
            rows.clear();
            rows.extend(0..scratch.tps.len() as u32);
            Cutter { opts, rep: &mut rep, out: &mut out, rec: Some(&mut tails), without_fixed: 0 }.customer(
                &mut rows,
                c as u32,
                &scratch.cols(),
            );
            tails.keep_horizon(horizon);
            if old_customer && tail_n > 0 && !self.converted[tail_from + tail_n - 1] {
                // the customer's open journey: closed now if a conversion came after it
                let closed_before = (tail_from..tail_from + tail_n).filter(|&j| self.converted[j]).count();
                let closed_now = out.converted[before..].iter().filter(|&&x| x).count();
                added.journeys_closed += usize::from(closed_now > closed_before);
            }
            report.merge_from(&rep);
        }
        self.copy_journeys(copied_to..self.len(), &mut out);
        report.touches_kept = out.touchpoints.len();
        let mut state = tails.finish_with(n_cust, open, opts.clone(), report.clone());
        state.index = IndexCache(index.into());
        out.open = Some(Arc::new(state));
        // the totals of the analyses are computed on first use (a nightly job may only save)
        Ok((out, report, added))
    }

    /// Customer `c`'s open tail events into `s` (stored, or read back from its tail journey).
    fn tail_events(&self, open: &OpenState, c: usize, tail_from: usize, tail_n: usize, s: &mut Scratch) {
        if open.stored {
            for k in open.offsets[c]..open.offsets[c + 1] {
                s.push(open.tps[k], open.times[k], open.conv[k], open.vals[k]);
            }
        } else {
            for j in tail_from..tail_from + tail_n {
                let (a, b) = (self.offsets[j], self.offsets[j + 1]);
                for k in a..b {
                    s.push(self.touchpoints[k].0, self.times[k], false, 0.0);
                }
            }
        }
    }

    /// Append journeys `range` of `self` to `out` unchanged.
    fn copy_journeys(&self, range: std::ops::Range<usize>, out: &mut Journeys) {
        if range.is_empty() {
            return;
        }
        let (a, b) = (self.offsets[range.start], self.offsets[range.end]);
        let shift = out.touchpoints.len() as isize - a as isize;
        out.touchpoints.extend_from_slice(&self.touchpoints[a..b]);
        out.times.extend_from_slice(&self.times[a..b]);
        out.offsets.extend(self.offsets[range.start + 1..=range.end].iter().map(|&o| (o as isize + shift) as usize));
        out.converted.extend_from_slice(&self.converted[range.clone()]);
        out.value.extend_from_slice(&self.value[range.clone()]);
        out.end_time.extend_from_slice(&self.end_time[range.clone()]);
        out.customer.extend_from_slice(&self.customer[range]);
    }
}

impl TailRecorder {
    /// Finish after an append: the old customers not touched since the last one keep their tails.
    fn finish_with(
        mut self,
        customers: usize,
        old: &OpenState,
        options: JourneyOptions,
        report: JourneyReport,
    ) -> OpenState {
        self.copy_range(self.state.horizon.len()..old.customers(), old);
        self.finish(customers, options, report)
    }
}
