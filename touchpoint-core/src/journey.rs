//! Customer journeys built from events.
//!
//! Per customer, events are put in the **canonical order**: by time; events at the same
//! instant with the touches before the conversion, then by touchpoint name, then by value. So
//! the journeys never depend on the order the rows came in (nor do the results: event tables
//! number touchpoints by sorted name and customers by sorted key, and journeys come out
//! customer by customer in that order, so every sum is taken in the same order). The
//! touches up to and including a conversion form one **converting journey**; the touches after
//! the customer's last conversion form one **non-converting journey**. Options
//! ([`JourneyOptions`]):
//!
//! 1. **lookback window**: touches older than the window before their conversion are dropped
//!    (GA4 uses 30 or 90 days). Only converting journeys have a conversion to look back from.
//! 2. **inactivity timeout**: a gap between two touches longer than the timeout closes the
//!    journey so far as a non-converting journey (the customer left; a new journey starts).
//! 3. **collapse repeats**: consecutive touches of the same touchpoint count once (the first
//!    of the run is kept, with its time).
//! 4. **maximum touches**: only the most recent `n` touches of a journey are kept.
//!
//! They apply in that order. Nothing is dropped silently: [`JourneyReport`] counts every touch
//! and conversion left out, by reason. A conversion whose touches all fall outside the window
//! (or that has no touch before it) cannot be credited to any touchpoint; it is counted in
//! [`JourneyReport::conversions_without_touches`] with its value.
//!
//! ```
//! use touchpoint_core::{EventTable, JourneyOptions, Journeys, DAY_MS};
//!
//! let mut b = EventTable::builder();
//! b.touch("ann", "search ad", 0)?;
//! b.touch("ann", "email", 40 * DAY_MS)?;
//! b.conversion("ann", 41 * DAY_MS, 120.0)?;
//! b.touch("ann", "app", 50 * DAY_MS)?;            // after the purchase: a non-converting journey
//! let events = b.finish()?;
//!
//! let opts = JourneyOptions { lookback_ms: Some(30 * DAY_MS), ..Default::default() };
//! let (journeys, report) = Journeys::build(&events, &opts)?;
//! assert_eq!(journeys.len(), 2);
//! let j = journeys.get(0).unwrap();
//! assert!(j.converted);
//! assert_eq!(journeys.names(j.touchpoints), ["email"]);   // search ad is 41 days old
//! assert_eq!(report.touches_outside_lookback, 1);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use std::sync::Arc;

use crate::catalog::{Catalog, TouchpointId};
use crate::error::{Error, Result};
use crate::events::{EventTable, NO_TOUCHPOINT};
use crate::names::NameList;
use crate::totals::{self, Tally, TotalsCache, TotalsSource};

// The durations the options are given in live in `crate::time`; `journey::DAY_MS` still works.
pub use crate::time::{DAY_MS, HOUR_MS};

/// How events are cut into journeys. The default keeps everything and splits at every
/// conversion.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct JourneyOptions {
    /// Drop touches older than this before their conversion (milliseconds).
    pub lookback_ms: Option<i64>,
    /// Close a journey as non-converting when two touches are further apart than this.
    pub inactivity_timeout_ms: Option<i64>,
    /// Count consecutive touches of the same touchpoint once.
    pub collapse_repeats: bool,
    /// Keep only the most recent `n` touches of each journey.
    pub max_touches: Option<usize>,
    /// Split at every conversion (the default: each conversion ends a journey). When false, a
    /// customer's touches up to the last conversion form one converting journey (weight 1,
    /// value = the sum of its conversions' values; the extra conversions are counted in
    /// [`JourneyReport::conversions_merged`]), and inactivity splits do not apply once the
    /// customer has converted.
    pub split_at_conversions: bool,
}

impl Default for JourneyOptions {
    fn default() -> Self {
        Self {
            lookback_ms: None,
            inactivity_timeout_ms: None,
            collapse_repeats: false,
            max_touches: None,
            split_at_conversions: true,
        }
    }
}

impl JourneyOptions {
    pub(crate) fn validate(&self) -> Result<()> {
        if let Some(w) = self.lookback_ms
            && w < 0
        {
            return Err(Error::option("lookback_ms", w, "the lookback window must be >= 0"));
        }
        if let Some(w) = self.inactivity_timeout_ms
            && w <= 0
        {
            return Err(Error::option("inactivity_timeout_ms", w, "the timeout must be > 0"));
        }
        if self.max_touches == Some(0) {
            return Err(Error::option("max_touches", 0, "keep at least one touch"));
        }
        Ok(())
    }
}

crate::row_struct! {
    /// What the journey build kept and left out. Every event is accounted for:
    /// `touches_in = touches_kept + touches_outside_lookback + touches_collapsed + touches_truncated`
    /// and `conversions_in = journeys_converting + conversions_without_touches + conversions_merged`.
    #[derive(Clone, Default, PartialEq)]
    pub struct JourneyReport {
        /// Event rows read.
        pub events_in: usize,
        /// Rows that are touches.
        pub touches_in: usize,
        /// Rows that are conversions.
        pub conversions_in: usize,
        /// Distinct customers.
        pub customers: usize,
        /// Touches kept in journeys.
        pub touches_kept: usize,
        /// Journeys ending in a conversion.
        pub journeys_converting: usize,
        /// Journeys without a conversion.
        pub journeys_non_converting: usize,
        /// Touches older than the lookback window before their conversion.
        pub touches_outside_lookback: usize,
        /// Touches merged into the previous one by `collapse_repeats`.
        pub touches_collapsed: usize,
        /// Touches dropped by `max_touches` (the oldest ones).
        pub touches_truncated: usize,
        /// Journeys cut by the inactivity timeout.
        pub inactivity_splits: usize,
        /// Conversions with no touch left to credit (none before them, or all outside the window).
        pub conversions_without_touches: usize,
        /// Value of those conversions.
        pub value_without_touches: f64,
        /// Customers whose events were not in time order in the input (sorted stably).
        pub customers_resorted: usize,
        /// Conversions folded into an earlier conversion's journey when `split_at_conversions` is false.
        pub conversions_merged: usize,
    }
}

impl JourneyReport {
    /// Add the counts of another build (e.g. of another partition of customers), so the report
    /// of merged journey sets still accounts for every event.
    pub fn merge_from(&mut self, o: &JourneyReport) {
        self.events_in += o.events_in;
        self.touches_in += o.touches_in;
        self.conversions_in += o.conversions_in;
        self.customers += o.customers;
        self.touches_kept += o.touches_kept;
        self.journeys_converting += o.journeys_converting;
        self.journeys_non_converting += o.journeys_non_converting;
        self.touches_outside_lookback += o.touches_outside_lookback;
        self.touches_collapsed += o.touches_collapsed;
        self.touches_truncated += o.touches_truncated;
        self.inactivity_splits += o.inactivity_splits;
        self.conversions_without_touches += o.conversions_without_touches;
        self.value_without_touches += o.value_without_touches;
        self.customers_resorted += o.customers_resorted;
        self.conversions_merged += o.conversions_merged;
    }
}

/// One journey, borrowed from a [`Journeys`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Journey<'a> {
    /// Touchpoints in time order.
    pub touchpoints: &'a [TouchpointId],
    /// Epoch milliseconds of each touch.
    pub times: &'a [i64],
    /// Whether the journey ends in a conversion.
    pub converted: bool,
    /// Conversion value (0.0 for non-converting journeys).
    pub value: f64,
    /// Weight (number of identical journeys this row stands for; 1.0 from events).
    pub weight: f64,
    /// Conversion time, or the last touch time of a non-converting journey.
    pub end_time: i64,
    /// Customer code (index into [`Journeys::customer_names`]).
    pub customer: u32,
}

crate::row_struct! {
    /// A row of [`Journeys::table`]: one journey.
    #[derive(Clone, PartialEq)]
    pub struct JourneyRow<'a> {
        /// Journey index.
        pub journey: usize,
        /// Customer key.
        pub customer_id: &'a str,
        /// Touchpoints joined with the separator.
        pub path: String,
        /// Number of touches.
        pub touches: usize,
        /// Whether it ends in a conversion.
        pub converted: bool,
        /// Conversion value.
        pub value: f64,
        /// Time of the first touch (the end time when it has none).
        pub start: crate::rows::TimestampMs,
        /// Conversion time, or the last touch of a non-converting journey.
        pub end: crate::rows::TimestampMs,
    }
}

impl<'a> Journey<'a> {
    /// The journey as the passes over rows count it (row `index`, weighted), keeping at most the
    /// `max_touches` most recent touches.
    #[inline]
    pub(crate) fn tally(&self, index: usize, max_touches: Option<usize>) -> Tally<'a> {
        let (truncated, touchpoints) = totals::keep_recent(self.touchpoints, max_touches);
        let (conversions, nulls) = if self.converted { (self.weight, 0.0) } else { (0.0, self.weight) };
        Tally { index, touchpoints, conversions, nulls, value: self.value * self.weight, truncated }
    }
}

/// Row numbers grouped by customer code (a stable counting sort; codes `< n_cust`): customer
/// `c`'s rows are `order[start[c]..start[c + 1]]`, in input order.
pub(crate) fn rows_by_customer(cust: &[u32], n_cust: usize) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; n_cust + 1];
    for &c in cust {
        start[c as usize + 1] += 1;
    }
    for i in 0..n_cust {
        start[i + 1] += start[i];
    }
    let mut order = vec![0u32; cust.len()];
    let mut next = start.clone();
    for (i, &c) in cust.iter().enumerate() {
        let slot = &mut next[c as usize];
        order[*slot as usize] = i as u32;
        *slot += 1;
    }
    (start, order)
}

/// Renamed to [`Journeys`] (the name every face uses).
#[deprecated(since = "0.2.0", note = "renamed to `Journeys`")]
pub type JourneySet = Journeys;

/// Journeys stored columnar: offsets into flat touchpoint and time arrays, plus per-journey
/// outcome, value, weight, end time and customer.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Journeys {
    pub(crate) catalog: Catalog,
    pub(crate) customer_names: Arc<NameList>,
    pub(crate) offsets: Vec<usize>,
    pub(crate) touchpoints: Vec<TouchpointId>,
    pub(crate) times: Vec<i64>,
    pub(crate) converted: Vec<bool>,
    pub(crate) value: Vec<f64>,
    /// Empty when every journey weighs 1.0 (always the case for journeys built from events).
    pub(crate) weight: Vec<f64>,
    pub(crate) end_time: Vec<i64>,
    pub(crate) customer: Vec<u32>,
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) totals: TotalsCache,
    /// What [`Journeys::append`] continues from: the open tail of every customer (built from
    /// events only; selections, splits and merges drop it).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) open: Option<Arc<crate::increment::OpenState>>,
}

impl Journeys {
    /// No journeys yet, with room for `journeys` journeys of `touches` touches in all (the
    /// offsets start at 0: the builders push journeys onto it).
    pub(crate) fn with_capacity(
        catalog: Catalog,
        customer_names: Arc<NameList>,
        journeys: usize,
        touches: usize,
    ) -> Journeys {
        let mut offsets = Vec::with_capacity(journeys + 1);
        offsets.push(0);
        Journeys {
            catalog,
            customer_names,
            offsets,
            touchpoints: Vec::with_capacity(touches),
            times: Vec::with_capacity(touches),
            converted: Vec::with_capacity(journeys),
            value: Vec::with_capacity(journeys),
            weight: Vec::new(),
            end_time: Vec::with_capacity(journeys),
            customer: Vec::with_capacity(journeys),
            totals: Default::default(),
            open: None,
        }
    }

    /// Where each customer's journeys begin, for journeys in customer order: customer `c`'s are
    /// `first[c]..first[c + 1]` (`customers` codes).
    pub(crate) fn first_by_customer(&self, customers: usize) -> Vec<usize> {
        let mut first = vec![0usize; customers + 1];
        for &c in &self.customer {
            first[c as usize + 1] += 1;
        }
        for i in 0..customers {
            first[i + 1] += first[i];
        }
        first
    }

    /// Build journeys from events (see the module docs for the rules).
    pub fn build(events: &EventTable, opts: &JourneyOptions) -> Result<(Journeys, JourneyReport)> {
        Self::build_exact(events, opts).map(|(j, r, _)| (j, r))
    }

    /// [`Journeys::build`], with the value of conversions without touches also summed in fixed
    /// point (what partials add up).
    pub(crate) fn build_exact(events: &EventTable, opts: &JourneyOptions) -> Result<(Journeys, JourneyReport, i128)> {
        opts.validate()?;
        if events.is_empty() {
            return Err(Error::EmptyInput { what: "events", hint: "event (customer, touchpoint, timestamp)" });
        }
        let n = events.len();
        let n_cust = events.customer_count();
        let cust = events.customers();
        let time = events.times();
        let tps = events.touchpoints();
        let conv = events.converted();
        let vals = events.values();

        // Rows are processed customer by customer. Input already grouped by customer (codes
        // non-decreasing, the common case for exported logs) is walked in place; otherwise a
        // counting sort by customer orders the row indices (stable: input order is kept).
        let grouped = cust.windows(2).all(|w| w[0] <= w[1]);
        let n_conv = conv.iter().filter(|&&c| c).count();
        let n_touch = tps.iter().filter(|&&t| t != NO_TOUCHPOINT).count();
        let per_journey = n_conv + n_cust + 1;
        let mut rep = JourneyReport { events_in: n, ..Default::default() };
        let mut out = Journeys::with_capacity(
            events.catalog().clone(),
            events.customer_names_arc().clone(),
            per_journey,
            n_touch,
        );
        let mut tails = crate::increment::TailRecorder::new(opts);
        let mut cutter = Cutter { opts, rep: &mut rep, out: &mut out, rec: Some(&mut tails), without_fixed: 0 };
        let cols = Cols { time, tps, conv, vals };
        if grouped {
            let mut rows: Vec<u32> = Vec::new();
            let mut a = 0;
            while a < n {
                let c = cust[a];
                let mut b = a + 1;
                while b < n && cust[b] == c {
                    b += 1;
                }
                rows.clear();
                rows.extend(a as u32..b as u32);
                cutter.customer(&mut rows, c, &cols);
                a = b;
            }
        } else {
            let (start, mut order) = rows_by_customer(cust, n_cust);
            for c in 0..n_cust {
                let rows = &mut order[start[c] as usize..start[c + 1] as usize];
                if !rows.is_empty() {
                    cutter.customer(rows, c as u32, &cols);
                }
            }
        }
        let without_fixed = cutter.without_fixed;
        rep.touches_kept = out.touchpoints.len();
        out.open = Some(Arc::new(tails.finish(n_cust, opts.clone(), rep.clone())));
        // the totals every analysis starts from (touches per touchpoint, converting journeys):
        // computed here once instead of in the first model call
        totals::pass_totals(&out, None);
        Ok((out, rep, without_fixed))
    }

    /// Build journeys directly from columns (no event table): one journey per row of
    /// `paths`, with times. Used for tests and for callers that already hold journeys.
    pub fn from_parts(
        catalog: Catalog,
        journeys: impl IntoIterator<Item = (Vec<TouchpointId>, Vec<i64>, bool, f64)>,
    ) -> Result<Journeys> {
        let mut out = Journeys { catalog, offsets: vec![0], ..Default::default() };
        for (i, (tps, times, converted, value)) in journeys.into_iter().enumerate() {
            let loc = crate::error::Location::Row(i);
            if tps.is_empty() {
                return Err(Error::invalid("path", loc, "", "a journey needs at least one touch"));
            }
            if tps.len() != times.len() {
                return Err(Error::LengthMismatch {
                    column: "times".into(),
                    reference: "touchpoints".into(),
                    expected: tps.len(),
                    found: times.len(),
                });
            }
            if let Some(bad) = tps.iter().find(|t| t.index() >= out.catalog.len()) {
                return Err(Error::unknown_touchpoint(
                    &bad.0.to_string(),
                    out.catalog.names().iter().map(String::as_str),
                ));
            }
            crate::csvutil::check_nonneg("value", loc, value)?;
            let end = *times.last().unwrap_or(&0);
            out.touchpoints.extend(tps);
            out.times.extend(times);
            out.offsets.push(out.touchpoints.len());
            out.converted.push(converted);
            out.value.push(if converted { value } else { 0.0 });
            out.end_time.push(end);
            out.customer.push(i as u32);
        }
        out.customer_names = Arc::new((0..out.converted.len()).map(|i| i.to_string()).collect());
        Ok(out)
    }

    /// Number of journeys.
    pub fn len(&self) -> usize {
        self.converted.len()
    }

    /// True when there are no journeys.
    pub fn is_empty(&self) -> bool {
        self.converted.is_empty()
    }

    /// The touchpoint catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Mutable catalog, to attach touchpoint attributes (costs, channels) after the build.
    pub fn catalog_mut(&mut self) -> &mut Catalog {
        self.totals.clear();
        &mut self.catalog
    }

    /// Customer names by code.
    pub fn customer_names(&self) -> &NameList {
        &self.customer_names
    }

    /// Journey `i`.
    pub fn get(&self, i: usize) -> Option<Journey<'_>> {
        (i < self.len()).then(|| self.journey(i))
    }

    /// Iterate over the journeys.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Journey<'_>> + '_ {
        (0..self.len()).map(move |i| self.journey(i))
    }

    #[inline]
    pub(crate) fn journey(&self, i: usize) -> Journey<'_> {
        let (a, b) = (self.offsets[i], self.offsets[i + 1]);
        Journey {
            touchpoints: &self.touchpoints[a..b],
            times: &self.times[a..b],
            converted: self.converted[i],
            value: self.value[i],
            weight: self.weight_of(i),
            end_time: self.end_time[i],
            customer: self.customer[i],
        }
    }

    /// Weight of journey `i` (1.0 unless weights were set).
    #[inline]
    pub fn weight_of(&self, i: usize) -> f64 {
        self.weight.get(i).copied().unwrap_or(1.0)
    }

    /// Give every journey a weight (e.g. inverse sampling probabilities). Weights must be
    /// finite and >= 0, one per journey.
    pub fn set_weights(&mut self, weights: Vec<f64>) -> Result<()> {
        if weights.len() != self.len() {
            return Err(Error::LengthMismatch {
                column: "weights".into(),
                reference: "journeys".into(),
                expected: self.len(),
                found: weights.len(),
            });
        }
        for (i, &w) in weights.iter().enumerate() {
            crate::csvutil::check_nonneg("weight", crate::error::Location::Row(i), w)?;
        }
        self.weight = weights;
        self.totals.clear();
        Ok(())
    }

    /// Names of a slice of touchpoint ids.
    pub fn names(&self, ids: &[TouchpointId]) -> Vec<&str> {
        ids.iter().map(|&t| self.catalog.name(t).unwrap_or("?")).collect()
    }

    /// One [`JourneyRow`] per journey, paths joined with `separator` (e.g. `" > "`).
    pub fn table(&self, separator: &str) -> Vec<JourneyRow<'_>> {
        self.rows(separator).collect()
    }

    /// [`Journeys::table`] as an iterator (the faces stream it into their tables).
    pub fn rows<'a, 's>(&'a self, separator: &'s str) -> impl ExactSizeIterator<Item = JourneyRow<'a>> + use<'a, 's> {
        let names = self.customer_names();
        self.iter().enumerate().map(move |(i, x)| {
            let mut path = String::with_capacity(12 * x.touchpoints.len());
            for (k, &t) in x.touchpoints.iter().enumerate() {
                if k > 0 {
                    path.push_str(separator);
                }
                path.push_str(self.catalog.name(t).unwrap_or("?"));
            }
            JourneyRow {
                journey: i,
                customer_id: names.get(x.customer as usize).unwrap_or_default(),
                path,
                touches: x.touchpoints.len(),
                converted: x.converted,
                value: x.value,
                start: crate::rows::TimestampMs(x.times.first().copied().unwrap_or(x.end_time)),
                end: crate::rows::TimestampMs(x.end_time),
            }
        })
    }

    /// Total touches over all journeys.
    pub fn touch_count(&self) -> usize {
        self.touchpoints.len()
    }

    /// Total (weighted) conversions.
    pub fn total_conversions(&self) -> f64 {
        self.converted.iter().enumerate().filter(|(_, c)| **c).map(|(i, _)| self.weight_of(i)).sum()
    }

    /// Total (weighted) conversion value.
    pub fn total_value(&self) -> f64 {
        self.value.iter().enumerate().map(|(i, v)| v * self.weight_of(i)).sum()
    }

    /// Split the journeys into `groups` sets by `group_of(journey index)` (None: left out), in
    /// one sequential pass: each set keeps its journeys in their order, with the same catalog
    /// and customer names.
    pub fn split(&self, groups: usize, group_of: impl Fn(usize) -> Option<usize>) -> Vec<Journeys> {
        let n = self.len();
        let mut code = Vec::with_capacity(n);
        let (mut rows, mut touches) = (vec![0usize; groups], vec![0usize; groups]);
        for i in 0..n {
            let g = group_of(i).filter(|&g| g < groups);
            if let Some(g) = g {
                rows[g] += 1;
                touches[g] += self.offsets[i + 1] - self.offsets[i];
            }
            code.push(g);
        }
        let weighted = !self.weight.is_empty();
        let mut out: Vec<Journeys> = (0..groups)
            .map(|g| {
                let mut j = Journeys {
                    catalog: self.catalog.clone(),
                    customer_names: self.customer_names.clone(),
                    offsets: Vec::with_capacity(rows[g] + 1),
                    touchpoints: Vec::with_capacity(touches[g]),
                    times: Vec::with_capacity(touches[g]),
                    converted: Vec::with_capacity(rows[g]),
                    value: Vec::with_capacity(rows[g]),
                    weight: Vec::with_capacity(if weighted { rows[g] } else { 0 }),
                    end_time: Vec::with_capacity(rows[g]),
                    customer: Vec::with_capacity(rows[g]),
                    totals: Default::default(),
                    open: None,
                };
                j.offsets.push(0);
                j
            })
            .collect();
        for (i, g) in code.into_iter().enumerate() {
            let Some(o) = g.and_then(|g| out.get_mut(g)) else { continue };
            let (a, b) = (self.offsets[i], self.offsets[i + 1]);
            o.touchpoints.extend_from_slice(&self.touchpoints[a..b]);
            o.times.extend_from_slice(&self.times[a..b]);
            o.offsets.push(o.touchpoints.len());
            o.converted.push(self.converted[i]);
            o.value.push(self.value[i]);
            if weighted {
                o.weight.push(self.weight[i]);
            }
            o.end_time.push(self.end_time[i]);
            o.customer.push(self.customer[i]);
        }
        out
    }

    /// The journeys at `rows` (indices, in the order given), with the same catalog and
    /// customer names: a segment's journeys.
    pub fn select(&self, rows: &[u32]) -> Journeys {
        let n_touch: usize = rows.iter().map(|&i| self.offsets[i as usize + 1] - self.offsets[i as usize]).sum();
        let mut out = Journeys::with_capacity(self.catalog.clone(), self.customer_names.clone(), rows.len(), n_touch);
        for &i in rows {
            let i = i as usize;
            let (a, b) = (self.offsets[i], self.offsets[i + 1]);
            out.touchpoints.extend_from_slice(&self.touchpoints[a..b]);
            out.times.extend_from_slice(&self.times[a..b]);
            out.offsets.push(out.touchpoints.len());
            out.converted.push(self.converted[i]);
            out.value.push(self.value[i]);
            if !self.weight.is_empty() {
                out.weight.push(self.weight[i]);
            }
            out.end_time.push(self.end_time[i]);
            out.customer.push(self.customer[i]);
        }
        out
    }

    /// Merge two journey sets built from disjoint sets of customers. Touchpoints are matched by
    /// name; the result equals building from the union of the customers' events (up to the
    /// order of journeys, which no analysis depends on).
    pub fn merge(&self, other: &Journeys) -> Journeys {
        let mut out = self.clone();
        out.open = None;
        let remap = out.catalog.absorb(&other.catalog);
        let base = out.customer_names.len() as u32;
        let names = Arc::make_mut(&mut out.customer_names);
        names.extend_from(&other.customer_names);
        let shift = out.touchpoints.len();
        out.touchpoints.extend(other.touchpoints.iter().map(|t| remap[t.index()]));
        out.times.extend_from_slice(&other.times);
        out.offsets.extend(other.offsets[1..].iter().map(|o| o + shift));
        out.converted.extend_from_slice(&other.converted);
        out.value.extend_from_slice(&other.value);
        if !out.weight.is_empty() || !other.weight.is_empty() {
            out.weight.resize(out.converted.len() - other.len(), 1.0);
            match other.weight.is_empty() {
                true => out.weight.resize(out.converted.len(), 1.0),
                false => out.weight.extend_from_slice(&other.weight),
            }
        }
        out.end_time.extend_from_slice(&other.end_time);
        out.customer.extend(other.customer.iter().map(|c| c + base));
        out
    }
}

impl TotalsSource for Journeys {
    fn touchpoint_count(&self) -> usize {
        self.catalog.len()
    }

    fn row_count(&self) -> usize {
        self.len()
    }

    #[inline]
    fn tally(&self, index: usize, max_touches: Option<usize>) -> Tally<'_> {
        self.journey(index).tally(index, max_touches)
    }

    fn kept_totals(&self) -> &TotalsCache {
        &self.totals
    }
}

/// The event columns the cutter reads.
pub(crate) struct Cols<'a> {
    pub time: &'a [i64],
    pub tps: &'a [u32],
    pub conv: &'a [bool],
    pub vals: &'a [f64],
}

/// Appends journeys to the output, applying the options to the open (tail) segment.
pub(crate) struct Cutter<'a> {
    pub opts: &'a JourneyOptions,
    pub rep: &'a mut JourneyReport,
    pub out: &'a mut Journeys,
    /// Records each customer's open tail (the events after the last point where the cut
    /// starts afresh), for [`Journeys::append`].
    pub rec: Option<&'a mut crate::increment::TailRecorder>,
    /// The value of conversions without touches in fixed point (exact sums for partials).
    pub without_fixed: i128,
}

impl Cutter<'_> {
    /// Cut the events of one customer (`rows`: its row indices in input order).
    pub(crate) fn customer(&mut self, rows: &mut [u32], c: u32, cols: &Cols<'_>) {
        let Cols { time, tps, conv, vals } = *cols;
        self.rep.customers += 1;
        // the canonical order (module docs): by time; at one instant touches before
        // conversions, then by touchpoint id (ids are sorted names), then by value
        let order = |a: &u32, b: &u32| {
            let (a, b) = (*a as usize, *b as usize);
            (time[a], conv[a], tps[a]).cmp(&(time[b], conv[b], tps[b])).then(vals[a].total_cmp(&vals[b]))
        };
        let (mut late, mut unordered) = (false, false);
        for w in rows.windows(2) {
            let (a, b) = (time[w[0] as usize], time[w[1] as usize]);
            late |= a > b;
            unordered |= a > b || (a == b && order(&w[0], &w[1]).is_gt());
        }
        if unordered {
            rows.sort_unstable_by(order);
        }
        if late {
            self.rep.customers_resorted += 1;
        }
        let mut last_touch: Option<i64> = None;
        // not split_at_conversions: (time of the last conversion, summed value, touches before it)
        let mut pending: Option<(i64, f64, usize)> = None;
        // the last point where the cut starts afresh: (row position, journeys before it, time)
        let mut fresh = (0usize, self.out.len(), i64::MIN);
        for (k, &r) in rows.iter().enumerate() {
            let r = r as usize;
            let t = time[r];
            if tps[r] != NO_TOUCHPOINT {
                self.rep.touches_in += 1;
                if let (Some(timeout), Some(prev), None) = (self.opts.inactivity_timeout_ms, last_touch, pending)
                    && t.saturating_sub(prev) > timeout
                {
                    self.rep.inactivity_splits += 1;
                    self.close(false, prev, 0.0, c);
                    fresh = (k, self.out.len(), t);
                }
                self.out.touchpoints.push(TouchpointId(tps[r]));
                self.out.times.push(t);
                last_touch = Some(t);
            }
            if conv[r] {
                self.rep.conversions_in += 1;
                if !self.opts.split_at_conversions {
                    let at = self.out.touchpoints.len();
                    pending = Some(match pending {
                        Some((_, v, _)) => {
                            self.rep.conversions_merged += 1;
                            (t, v + vals[r], at)
                        }
                        None => (t, vals[r], at),
                    });
                } else {
                    self.close(true, t, vals[r], c);
                    last_touch = None;
                    fresh = (k + 1, self.out.len(), t);
                }
            }
        }
        if let Some((t, v, at)) = pending {
            let tail_tps: Vec<TouchpointId> = self.out.touchpoints.drain(at..).collect();
            let tail_times: Vec<i64> = self.out.times.drain(at..).collect();
            self.close(true, t, v, c);
            if let Some(&prev) = tail_times.last() {
                self.out.touchpoints.extend(tail_tps);
                self.out.times.extend(tail_times);
                self.close(false, prev, 0.0, c);
            }
        } else if let Some(prev) = last_touch {
            self.close(false, prev, 0.0, c);
        }
        if let Some(rec) = self.rec.as_deref_mut() {
            let (from, journeys_before, horizon) = fresh;
            rec.record(c, &rows[from..], cols, self.out.len() - journeys_before, horizon);
        }
    }

    /// Close the open segment (touches pushed since the last offset) as one journey.
    fn close(&mut self, converted: bool, end_time: i64, value: f64, customer: u32) {
        let out = &mut *self.out;
        let start = *out.offsets.last().unwrap_or(&0);
        if converted && let Some(w) = self.opts.lookback_ms {
            let seg = &out.times[start..];
            let keep_from = seg.partition_point(|&t| end_time.saturating_sub(t) > w);
            if keep_from > 0 {
                out.touchpoints.drain(start..start + keep_from);
                out.times.drain(start..start + keep_from);
                self.rep.touches_outside_lookback += keep_from;
            }
        }
        if self.opts.collapse_repeats {
            let len = out.touchpoints.len();
            let mut w = start;
            for r in start..len {
                if w > start && out.touchpoints[w - 1] == out.touchpoints[r] {
                    continue;
                }
                out.touchpoints[w] = out.touchpoints[r];
                out.times[w] = out.times[r];
                w += 1;
            }
            self.rep.touches_collapsed += len - w;
            out.touchpoints.truncate(w);
            out.times.truncate(w);
        }
        if let Some(m) = self.opts.max_touches {
            let len = out.touchpoints.len() - start;
            if len > m {
                out.touchpoints.drain(start..start + (len - m));
                out.times.drain(start..start + (len - m));
                self.rep.touches_truncated += len - m;
            }
        }
        if out.touchpoints.len() == start {
            if converted {
                self.rep.conversions_without_touches += 1;
                self.rep.value_without_touches += value;
                self.without_fixed += crate::partial::to_fixed(value);
            }
            return;
        }
        out.offsets.push(out.touchpoints.len());
        out.converted.push(converted);
        out.value.push(value);
        out.end_time.push(end_time);
        out.customer.push(customer);
        if converted {
            self.rep.journeys_converting += 1;
        } else {
            self.rep.journeys_non_converting += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Event;

    fn ev(rows: &[(&str, Option<&str>, i64, bool, f64)]) -> EventTable {
        let mut b = EventTable::builder();
        for &(c, t, time, converted, value) in rows {
            b.push(Event { customer: c, touchpoint: t, time, converted, value, feedback: None }).unwrap();
        }
        b.finish().unwrap()
    }

    fn paths(js: &Journeys) -> Vec<(String, bool)> {
        js.iter().map(|j| (js.names(j.touchpoints).join(">"), j.converted)).collect()
    }

    #[test]
    fn split_at_conversions_and_stable_sort() {
        let e = ev(&[
            ("a", Some("y"), 5, false, 0.0),
            ("b", Some("x"), 1, false, 0.0),
            ("a", Some("x"), 1, false, 0.0),
            ("a", Some("z"), 5, true, 10.0), // same time as y: keeps input order y, z
            ("a", Some("x"), 9, false, 0.0),
        ]);
        let (js, rep) = Journeys::build(&e, &JourneyOptions::default()).unwrap();
        assert_eq!(paths(&js), [("x>y>z".into(), true), ("x".into(), false), ("x".into(), false)]);
        assert_eq!(rep.customers_resorted, 1);
        assert_eq!(rep.touches_kept, 5);
        assert_eq!(js.total_value(), 10.0);
    }

    #[test]
    fn options_are_counted() {
        let d = DAY_MS;
        let e = ev(&[
            ("a", Some("s"), 0, false, 0.0),
            ("a", Some("e"), 20 * d, false, 0.0),
            ("a", Some("e"), 21 * d, false, 0.0),
            ("a", Some("w"), 22 * d, false, 0.0),
            ("a", None, 23 * d, true, 5.0),
            ("a", None, 23 * d, true, 7.0),
            ("a", Some("w"), 100 * d, false, 0.0),
        ]);
        let o = JourneyOptions {
            lookback_ms: Some(10 * d),
            inactivity_timeout_ms: Some(30 * d),
            collapse_repeats: true,
            max_touches: Some(1),
            split_at_conversions: true,
        };
        let (js, rep) = Journeys::build(&e, &o).unwrap();
        assert_eq!(paths(&js), [("w".into(), true), ("w".into(), false)]);
        assert_eq!(rep.touches_outside_lookback, 1);
        assert_eq!(rep.touches_collapsed, 1);
        assert_eq!(rep.touches_truncated, 1);
        assert_eq!(rep.conversions_without_touches, 1);
        assert_eq!(rep.value_without_touches, 7.0);
        assert_eq!(rep.touches_in, rep.touches_kept + 3);
        assert_eq!(rep.conversions_in, rep.journeys_converting + rep.conversions_without_touches);
    }

    #[test]
    fn inactivity_splits() {
        let e =
            ev(&[("a", Some("x"), 0, false, 0.0), ("a", Some("y"), 10, false, 0.0), ("a", Some("z"), 11, true, 1.0)]);
        let o = JourneyOptions { inactivity_timeout_ms: Some(5), ..Default::default() };
        let (js, rep) = Journeys::build(&e, &o).unwrap();
        assert_eq!(paths(&js), [("x".into(), false), ("y>z".into(), true)]);
        assert_eq!(rep.inactivity_splits, 1);
    }

    #[test]
    fn no_split_at_conversions_makes_one_journey_up_to_the_last_conversion() {
        let e = ev(&[
            ("a", Some("x"), 0, false, 0.0),
            ("a", None, 1, true, 10.0),
            ("a", Some("y"), 2, false, 0.0),
            ("a", Some("z"), 3, true, 5.0),
            ("a", Some("w"), 4, false, 0.0),
        ]);
        let o = JourneyOptions { split_at_conversions: false, ..Default::default() };
        let (js, rep) = Journeys::build(&e, &o).unwrap();
        assert_eq!(paths(&js), [("x>y>z".into(), true), ("w".into(), false)]);
        assert_eq!(js.total_value(), 15.0);
        assert_eq!(rep.conversions_merged, 1);
        assert_eq!(
            rep.conversions_in,
            rep.journeys_converting + rep.conversions_without_touches + rep.conversions_merged
        );
        let (split, _) = Journeys::build(&e, &JourneyOptions::default()).unwrap();
        assert_eq!(paths(&split), [("x".into(), true), ("y>z".into(), true), ("w".into(), false)]);
    }

    #[test]
    fn bad_options() {
        let e = ev(&[("a", Some("x"), 0, false, 0.0)]);
        let o = JourneyOptions { max_touches: Some(0), ..Default::default() };
        assert!(matches!(Journeys::build(&e, &o), Err(Error::InvalidOption { option: "max_touches", .. })));
    }
}
