//! Retention and repurchase cohorts (ORACLES E10).
//!
//! Each customer **starts** at the first occurrence of the start activity (their first event,
//! first conversion, or first touch of a touchpoint or stage) and is put in the **cohort** of
//! the period that contains it (the calendar day, ISO week starting Monday, month, or the
//! epoch-aligned bucket of a custom period; UTC). A **return** is a later occurrence of the
//! return activity; it falls in period `k`, counted
//! - **rolling** (default): in whole periods since the customer's own start (`k = 1` is 24 to 48
//!   hours after the start for daily periods; months are calendar months from the start date),
//! - **calendar**: in calendar buckets since the start's bucket.
//!
//! A customer is retained **on** period `k` when they returned in period `k`, **on or after**
//! `k` when they returned in period `k` or later. Period 0 is the start: 1 by definition. A
//! period that has not begun by the end of observation (the last event of the data unless
//! given) is **unobserved** for that customer: the customer is not in that cell's denominator,
//! and a cell nobody could be observed in has no rate (missing, never 0). The weighted mean of
//! period `k` pools the cohorts (retained ÷ observed customers), the simple mean averages the
//! observed cohorts' rates.
//!
//! **Repurchase** ([`repurchase`]) is retention with the first conversion as start and a
//! conversion as return, plus the distribution of the time between consecutive purchases.
//!
//! ```
//! use touchpoint_core::{EventTable, DAY_MS};
//! use touchpoint_core::journeymap::{retention, RetentionOptions};
//!
//! let mut b = EventTable::builder();
//! for (c, day) in [("c1", 0), ("c1", 1), ("c1", 3), ("c2", 0), ("c2", 2), ("c3", 1), ("c3", 2), ("c3", 3), ("c4", 1), ("c5", 2), ("c5", 3)] {
//!     b.touch(c, "app", day * DAY_MS)?;
//! }
//! let events = b.finish()?;
//! let r = retention(&events, &RetentionOptions::default(), None)?;
//! let k1 = r.mean.iter().find(|m| m.period == 1).unwrap();
//! assert_eq!(k1.weighted_mean, Some(0.6));                 // 3 of 5 came back the next day
//! assert!((k1.simple_mean.unwrap() - 2.0 / 3.0).abs() < 1e-12);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};
use hashbrown::HashMap;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::events::EventTable;
use crate::journeymap::funnel::Step;
use crate::journeymap::sequence::{CONVERSION, Item, Source};
use crate::rows::{DurationMs, TimestampMs};
use crate::segment::Segments;
use crate::stats::{DurationSummary, ratio};
use crate::time::DAY_MS;

/// What starts or counts as a return: any event, or the events of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Activity {
    /// Any event (a touch or a conversion).
    Any,
    /// The events matching a step (a touchpoint, a stage, a set, or the conversion).
    Step(Step),
}

/// `"any"` (also `"first_event"`, `"event"`), `"conversion"` (also `"first_conversion"`,
/// `"purchase"`), or any step (`"stage:purchase"`, `"email | sms"`, a touchpoint name).
impl FromStr for Activity {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "any" | "any_event" | "first_event" | "event" => Ok(Activity::Any),
            "first_conversion" | "purchase" | "first_purchase" => Ok(Activity::Step(Step::Conversion)),
            t => Step::from_str(t).map(Activity::Step),
        }
    }
}

impl fmt::Display for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activity::Any => f.write_str("any"),
            Activity::Step(s) => s.fmt(f),
        }
    }
}

/// The length of a retention period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// A day.
    Day,
    /// A week (calendar weeks start on Monday).
    Week,
    /// A calendar month.
    Month,
    /// A fixed duration in milliseconds.
    Every(i64),
}

/// `"day"`, `"week"`, `"month"` or a duration: a number and a unit (`ms`, `s`, `min`, `h`,
/// `d`, `w`), e.g. `"12h"`, `"14d"`.
impl FromStr for Period {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "day" | "days" | "daily" | "d" => return Ok(Period::Day),
            "week" | "weeks" | "weekly" | "w" => return Ok(Period::Week),
            "month" | "months" | "monthly" => return Ok(Period::Month),
            _ => {}
        }
        let bad = || {
            Error::option("period", format!("{s:?}"), "expected day, week, month or a duration such as '12h' or '14d'")
        };
        let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        let (num, unit) = t.split_at(split);
        let n: f64 = num.parse().map_err(|_| bad())?;
        let unit_ms = match unit.trim() {
            "ms" => 1.0,
            "s" => 1e3,
            "min" | "m" => 6e4,
            "h" => 3.6e6,
            "d" => DAY_MS as f64,
            "w" => 7.0 * DAY_MS as f64,
            _ => return Err(bad()),
        };
        Period::every((n * unit_ms).round() as i64)
    }
}

impl Period {
    /// A fixed period of `ms` milliseconds (must be positive).
    pub fn every(ms: i64) -> Result<Self> {
        if ms <= 0 {
            return Err(Error::option("period", ms, "the period must be positive"));
        }
        Ok(Period::Every(ms))
    }

    fn fixed_ms(self) -> Option<i64> {
        match self {
            Period::Day => Some(DAY_MS),
            Period::Week => Some(7 * DAY_MS),
            Period::Month => None,
            Period::Every(p) => Some(p),
        }
    }

    /// The calendar bucket of a time (days, ISO weeks, months since the epoch; custom periods
    /// from the epoch).
    fn bucket(self, t: i64) -> i64 {
        match self {
            Period::Day => t.div_euclid(DAY_MS),
            // 1970-01-01 was a Thursday: shift so weeks start on Monday
            Period::Week => (t.div_euclid(DAY_MS) + 3).div_euclid(7),
            Period::Month => {
                let d = date_of(t);
                d.year() as i64 * 12 + d.month0() as i64
            }
            Period::Every(p) => t.div_euclid(p),
        }
    }

    /// The start of a calendar bucket.
    fn bucket_start(self, b: i64) -> i64 {
        match self {
            Period::Day => b.saturating_mul(DAY_MS),
            Period::Week => b.saturating_mul(7).saturating_sub(3).saturating_mul(DAY_MS),
            Period::Month => NaiveDate::from_ymd_opt(b.div_euclid(12) as i32, b.rem_euclid(12) as u32 + 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map_or(0, |d| d.and_utc().timestamp_millis()),
            Period::Every(p) => b.saturating_mul(p),
        }
    }

    /// The period index of `t` for a customer who started at `s` (t ≥ s).
    fn index(self, align: Alignment, s: i64, t: i64) -> i64 {
        match align {
            Alignment::Calendar => self.bucket(t) - self.bucket(s),
            Alignment::Rolling => match self.fixed_ms() {
                Some(p) => t.saturating_sub(s).div_euclid(p),
                None => {
                    let (ds, dt) = (datetime_of(s), datetime_of(t));
                    let mut m =
                        (dt.year() as i64 * 12 + dt.month0() as i64) - (ds.year() as i64 * 12 + ds.month0() as i64);
                    while m > 0 && add_months(ds, m) > dt {
                        m -= 1;
                    }
                    m
                }
            },
        }
    }
}

fn datetime_of(t: i64) -> chrono::NaiveDateTime {
    chrono::DateTime::from_timestamp_millis(t).unwrap_or_default().naive_utc()
}

fn date_of(t: i64) -> NaiveDate {
    datetime_of(t).date()
}

fn add_months(d: chrono::NaiveDateTime, m: i64) -> chrono::NaiveDateTime {
    d.checked_add_months(Months::new(m.clamp(0, u32::MAX as i64) as u32)).unwrap_or(chrono::NaiveDateTime::MAX)
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Day => f.write_str("day"),
            Period::Week => f.write_str("week"),
            Period::Month => f.write_str("month"),
            Period::Every(p) => f.write_str(&crate::report::fmt_duration_ms(*p as f64)),
        }
    }
}

crate::named_enum! {
    /// How returns are put into periods.
    pub enum Alignment: "alignment" {
        /// Whole periods since each customer's own start.
        Rolling = 0 => "rolling" | "since_start",
        /// Calendar buckets since the start's bucket.
        Calendar = 1 => "calendar" | "bucket" | "buckets",
    }
}

crate::named_enum! {
    /// Which returns count for period `k`.
    pub enum RetentionMode: "returned" {
        /// A return in period `k` exactly.
        On = 0 => "on" | "n_day" | "classic",
        /// A return in period `k` or later.
        OnOrAfter = 1 => "on_or_after" | "unbounded" | "rolling_retention",
    }
}

/// At most this many periods are tabulated unless [`RetentionOptions::periods`] says how many.
pub const MAX_PERIODS: usize = 10_000;

/// Retention options.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionOptions {
    /// What starts a customer (its first occurrence); default: any event.
    pub start: Activity,
    /// What counts as a return; default: any event.
    pub return_event: Activity,
    /// Period length; default a day.
    pub period: Period,
    /// Rolling (default) or calendar periods.
    pub alignment: Alignment,
    /// On (default) or on or after.
    pub mode: RetentionMode,
    /// Report periods `0..=periods` only (default: all that are observed).
    pub periods: Option<usize>,
    /// End of observation (epoch ms); default: the last event of the data.
    pub observation_end_ms: Option<i64>,
}

impl Default for RetentionOptions {
    fn default() -> Self {
        Self {
            start: Activity::Any,
            return_event: Activity::Any,
            period: Period::Day,
            alignment: Alignment::Rolling,
            mode: RetentionMode::On,
            periods: None,
            observation_end_ms: None,
        }
    }
}

crate::row_struct! {
    optional(segment);
    /// One cell of a retention triangle: a cohort in one period.
    #[derive(Clone, PartialEq)]
    pub struct RetentionRow {
        /// The segment, when the table is per segment.
        pub segment: Option<String>,
        /// Start of the cohort's period (UTC).
        pub cohort: TimestampMs,
        /// Customers who started in this period.
        pub cohort_size: usize,
        /// Periods since the start (0 = the start).
        pub period: usize,
        /// Customers of the cohort whose period `period` had begun by the end of observation.
        pub observed: usize,
        /// Of those, customers retained (returned on, or on or after, the period).
        pub retained: usize,
        /// `retained ÷ observed`; missing when the period is not yet observed.
        pub rate: Option<f64>,
    }
}

crate::row_struct! {
    optional(segment);
    /// Retention of one period over all cohorts.
    #[derive(Clone, PartialEq)]
    pub struct RetentionMeanRow {
        /// The segment, when the table is per segment.
        pub segment: Option<String>,
        /// Periods since the start.
        pub period: usize,
        /// Cohorts in which the period is observed.
        pub cohorts: usize,
        /// Customers in whom the period is observed.
        pub observed: usize,
        /// Of those, customers retained.
        pub retained: usize,
        /// `retained ÷ observed` (cohorts weighted by their observed customers).
        pub weighted_mean: Option<f64>,
        /// Mean of the observed cohorts' rates (each cohort counts once).
        pub simple_mean: Option<f64>,
    }
}

/// Retention cohorts.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Retention {
    /// The start activity, as text.
    pub start: String,
    /// The return activity, as text.
    pub return_event: String,
    /// The period, as text.
    pub period: String,
    /// Rolling or calendar.
    pub alignment: Alignment,
    /// On or on or after.
    pub mode: RetentionMode,
    /// End of observation (epoch ms).
    pub observation_end: TimestampMs,
    /// Customers (with events) whose start activity never occurs: in no cohort.
    pub customers_without_start: usize,
    /// The cells, per segment, cohort and period.
    pub rows: Vec<RetentionRow>,
    /// The means per segment and period.
    pub mean: Vec<RetentionMeanRow>,
}

/// One cohort's counts: `observed_until[k]` customers whose last observed period is `k`;
/// `on[k]` customers with a return in period `k`; `last_return[k]` customers whose last
/// return is in period `k`.
#[derive(Debug, Clone, Default)]
struct Cohort {
    size: usize,
    observed_until: Vec<usize>,
    on: Vec<usize>,
    last_return: Vec<usize>,
}

fn bump(v: &mut Vec<usize>, k: usize) {
    if v.len() <= k {
        v.resize(k + 1, 0);
    }
    v[k] += 1;
}

fn add_vec(a: &mut Vec<usize>, b: &[usize]) {
    if a.len() < b.len() {
        a.resize(b.len(), 0);
    }
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

type Cohorts = HashMap<(u32, i64), Cohort>;

fn merge_cohorts(mut a: Cohorts, b: Cohorts) -> Cohorts {
    for (key, c) in b {
        let e = a.entry(key).or_default();
        e.size += c.size;
        add_vec(&mut e.observed_until, &c.observed_until);
        add_vec(&mut e.on, &c.on);
        add_vec(&mut e.last_return, &c.last_return);
    }
    a
}

/// Codes matched by an activity (None: any).
fn activity_codes(cat: &Catalog, a: &Activity) -> Result<Option<Vec<bool>>> {
    match a {
        Activity::Any => Ok(None),
        Activity::Step(step) => {
            let mut m = vec![false; cat.len() + 1];
            for c in step.codes_in(cat)? {
                m[if c == CONVERSION { cat.len() } else { c as usize }] = true;
            }
            Ok(Some(m))
        }
    }
}

fn matches(m: &Option<Vec<bool>>, n: usize, it: &Item) -> bool {
    match m {
        None => true,
        Some(m) => m[if it.code == CONVERSION { n } else { it.code as usize }],
    }
}

/// Retention cohorts of an event table, per segment when `segments` is given.
pub fn retention(events: &EventTable, opts: &RetentionOptions, segments: Option<&Segments>) -> Result<Retention> {
    retention_with(events, opts, segments, |_: &mut (), _: &[Item]| {}).map(|(r, _)| r)
}

/// Retention, calling `visit(items, start_position)` on each customer that starts (used by
/// repurchase for the gaps between purchases).
fn retention_with<V: Default + Send + Merge>(
    events: &EventTable,
    opts: &RetentionOptions,
    segments: Option<&Segments>,
    visit: impl Fn(&mut V, &[Item]) + Sync + Send,
) -> Result<(Retention, V)> {
    if events.is_empty() {
        return Err(Error::EmptyInput { what: "events", hint: "event (customer, touchpoint, timestamp)" });
    }
    if let Period::Every(p) = opts.period {
        Period::every(p)?;
    }
    let cat = events.catalog();
    let n = cat.len();
    let start_m = activity_codes(cat, &opts.start)?;
    let ret_m = activity_codes(cat, &opts.return_event)?;
    if let Some(seg) = segments
        && seg.customers() != events.customer_count()
    {
        return Err(Error::LengthMismatch {
            column: "segment".into(),
            reference: "customers".into(),
            expected: events.customer_count(),
            found: seg.customers(),
        });
    }
    if opts.period == Period::Month {
        // months need calendar dates: chrono covers ±262,000 years
        let (lo, hi) = events.times().iter().fold((i64::MAX, i64::MIN), |(a, b), &t| (a.min(t), b.max(t)));
        for t in [lo, hi] {
            if chrono::DateTime::from_timestamp_millis(t).is_none() {
                let row = events.times().iter().position(|&x| x == t).unwrap_or(0);
                return Err(Error::invalid(
                    "time",
                    crate::error::Location::Row(row),
                    t.to_string(),
                    "outside the calendar range of monthly periods; use a fixed period such as '30d'",
                ));
            }
        }
    }
    let end = match opts.observation_end_ms {
        Some(e) => e,
        None => events.times().iter().copied().max().unwrap_or(0),
    };
    let keep = match (&start_m, &ret_m) {
        (Some(a), Some(b)) => Some(a.iter().zip(b).map(|(x, y)| *x || *y).collect()),
        _ => None,
    };
    let (period, align) = (opts.period, opts.alignment);
    // periods are counted up to `cap` (a return in a later period still counts "on or after")
    let cap = opts.periods.unwrap_or(MAX_PERIODS);
    let (cohorts, without, extra, longest) = Source::Events(events).fold(
        keep,
        || (Cohorts::new(), 0usize, V::default(), 0i64),
        |(cohorts, without, extra, longest), c, items| {
            let Some(p0) = items.iter().position(|it| matches(&start_m, n, it)) else {
                *without += 1;
                return;
            };
            let s = items[p0].t;
            let seg = segments.map_or(0, |sg| sg.of_customer(c));
            let cohort = cohorts.entry((seg, period.bucket(s))).or_default();
            cohort.size += 1;
            let observed_k = if end >= s { period.index(align, s, end).max(0) } else { 0 };
            *longest = (*longest).max(observed_k);
            bump(&mut cohort.observed_until, (observed_k as u64).min(cap as u64) as usize);
            let mut last_k: Option<usize> = None;
            let mut prev_k = 0usize;
            for it in &items[p0 + 1..] {
                if it.t > end || !matches(&ret_m, n, it) {
                    continue;
                }
                let k = (period.index(align, s, it.t).max(0) as u64).min(cap as u64 + 1) as usize;
                if k >= 1 && k <= cap && k != prev_k {
                    bump(&mut cohort.on, k);
                    prev_k = k;
                }
                if k >= 1 {
                    last_k = Some(k);
                }
            }
            if let Some(k) = last_k {
                bump(&mut cohort.last_return, k.min(cap));
            }
            visit(extra, &items[p0..]);
        },
        |a, b| (merge_cohorts(a.0, b.0), a.1 + b.1, a.2.merge(b.2), a.3.max(b.3)),
    );
    if opts.periods.is_none() && longest > MAX_PERIODS as i64 {
        return Err(Error::option(
            "period",
            period,
            format!(
                "the data spans {longest} periods of this length (at most {MAX_PERIODS} are tabulated); pass periods= to \
                 keep the first ones, or a longer period"
            ),
        ));
    }
    if cohorts.is_empty() {
        return Err(Error::option(
            "start",
            &opts.start,
            "no customer has this start event in the data; check the name, or start at 'any' or 'conversion'",
        ));
    }
    let rows_mean = tabulate(cohorts, opts, segments);
    Ok((
        Retention {
            start: opts.start.to_string(),
            return_event: opts.return_event.to_string(),
            period: period.to_string(),
            alignment: align,
            mode: opts.mode,
            observation_end: TimestampMs(end),
            customers_without_start: without,
            rows: rows_mean.0,
            mean: rows_mean.1,
        },
        extra,
    ))
}

/// Partial results that merge (what [`retention_with`] folds besides the cohorts).
trait Merge {
    fn merge(self, o: Self) -> Self;
}

impl Merge for () {
    fn merge(self, _: ()) {}
}

fn tabulate(
    cohorts: Cohorts,
    opts: &RetentionOptions,
    segments: Option<&Segments>,
) -> (Vec<RetentionRow>, Vec<RetentionMeanRow>) {
    let mut keys: Vec<(u32, i64)> = cohorts.keys().copied().collect();
    keys.sort_unstable();
    let max_k = cohorts.values().map(|c| c.observed_until.len().saturating_sub(1)).max().unwrap_or(0);
    let max_k = opts.periods.map_or(max_k, |p| p.min(max_k));
    let label = |g: u32| segments.and_then(|s| s.labels().get(g as usize).cloned());
    let mut rows = Vec::new();
    // per segment and period: (cohorts, observed, retained, sum of rates)
    let mut means: HashMap<(u32, usize), (usize, usize, usize, f64)> = HashMap::new();
    for key in keys {
        let c = &cohorts[&key];
        let len = c.observed_until.len();
        // observed(k) = customers whose last observed period is ≥ k
        let mut observed = vec![0usize; max_k + 1];
        let mut acc = 0;
        for k in (0..len.max(max_k + 1)).rev() {
            acc += c.observed_until.get(k).copied().unwrap_or(0);
            if k <= max_k {
                observed[k] = acc;
            }
        }
        let mut after = vec![0usize; max_k + 1];
        let mut acc = 0;
        for k in (0..c.last_return.len().max(max_k + 1)).rev() {
            acc += c.last_return.get(k).copied().unwrap_or(0);
            if k <= max_k {
                after[k] = acc;
            }
        }
        for k in 0..=max_k {
            let obs = observed[k];
            let ret = if k == 0 {
                obs
            } else {
                match opts.mode {
                    RetentionMode::On => c.on.get(k).copied().unwrap_or(0),
                    RetentionMode::OnOrAfter => after[k],
                }
            };
            let rate = ratio(ret as f64, obs as f64);
            rows.push(RetentionRow {
                segment: label(key.0),
                cohort: TimestampMs(opts.period.bucket_start(key.1)),
                cohort_size: c.size,
                period: k,
                observed: obs,
                retained: ret,
                rate,
            });
            if let Some(r) = rate {
                let m = means.entry((key.0, k)).or_default();
                m.0 += 1;
                m.1 += obs;
                m.2 += ret;
                m.3 += r;
            }
        }
    }
    let mut mkeys: Vec<(u32, usize)> = means.keys().copied().collect();
    mkeys.sort_unstable();
    let mean = mkeys
        .into_iter()
        .map(|key| {
            let (n, obs, ret, sum) = means[&key];
            RetentionMeanRow {
                segment: label(key.0),
                period: key.1,
                cohorts: n,
                observed: obs,
                retained: ret,
                weighted_mean: ratio(ret as f64, obs as f64),
                simple_mean: ratio(sum, n as f64),
            }
        })
        .collect();
    (rows, mean)
}

crate::row_struct! {
    /// How many gaps between consecutive purchases fall in each period.
    #[derive(Clone, PartialEq)]
    pub struct PurchaseGapRow {
        /// Whole periods between two consecutive purchases (rolling: 0 = less than a period).
        pub periods: usize,
        /// Gaps of that length.
        pub gaps: usize,
        /// Share of all gaps.
        pub share: f64,
    }
}

/// Repurchase: the retention of buyers, and the time between purchases.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Repurchase {
    /// Retention with the first conversion as start and a conversion as return.
    pub retention: Retention,
    /// Customers with a purchase.
    pub buyers: usize,
    /// Customers with at least two purchases.
    pub repeat_buyers: usize,
    /// `repeat_buyers ÷ buyers`.
    pub repeat_rate: Option<f64>,
    /// Purchases (conversions) of buyers.
    pub purchases: usize,
    /// Time between consecutive purchases of the same customer.
    pub time_between_purchases: DurationSummary,
    /// The gaps in whole periods.
    pub gaps: Vec<PurchaseGapRow>,
}

#[derive(Default)]
struct Gaps {
    buyers: usize,
    repeat: usize,
    purchases: usize,
    gaps_ms: Vec<i64>,
}

impl Merge for Gaps {
    fn merge(mut self, o: Self) -> Self {
        self.buyers += o.buyers;
        self.repeat += o.repeat;
        self.purchases += o.purchases;
        self.gaps_ms.extend(o.gaps_ms);
        self
    }
}

/// Repurchase cohorts: `opts.start` and `opts.return_event` are set to the conversion.
pub fn repurchase(events: &EventTable, opts: &RetentionOptions, segments: Option<&Segments>) -> Result<Repurchase> {
    if !events.converted().iter().any(|&c| c) {
        return Err(Error::NoConversions { what: "repurchase" });
    }
    let opts = RetentionOptions {
        start: Activity::Step(Step::Conversion),
        return_event: Activity::Step(Step::Conversion),
        ..opts.clone()
    };
    let (retention, g) = retention_with(events, &opts, segments, |g: &mut Gaps, items: &[Item]| {
        let mut prev: Option<i64> = None;
        let mut count = 0;
        for it in items.iter().filter(|it| it.code == CONVERSION) {
            count += 1;
            if let Some(p) = prev {
                g.gaps_ms.push(it.t - p);
            }
            prev = Some(it.t);
        }
        g.buyers += 1;
        g.purchases += count;
        if count >= 2 {
            g.repeat += 1;
        }
    })?;
    let mut gaps_ms = g.gaps_ms;
    let summary = DurationSummary::of(&mut gaps_ms);
    let mut hist: Vec<usize> = Vec::new();
    for &d in &gaps_ms {
        let k = match opts.period.fixed_ms() {
            Some(p) => d.div_euclid(p),
            None => opts.period.index(Alignment::Rolling, 0, d), // months from the epoch: close enough for a histogram
        };
        bump(&mut hist, k.max(0) as usize);
    }
    let total = gaps_ms.len();
    let gaps = hist
        .into_iter()
        .enumerate()
        .filter(|(_, g)| *g > 0)
        .map(|(k, g)| PurchaseGapRow { periods: k, gaps: g, share: g as f64 / total as f64 })
        .collect();
    Ok(Repurchase {
        retention,
        buyers: g.buyers,
        repeat_buyers: g.repeat,
        repeat_rate: ratio(g.repeat as f64, g.buyers as f64),
        purchases: g.purchases,
        time_between_purchases: summary,
        gaps,
    })
}

impl Retention {
    /// The rate of a cohort (its start time) in a period, for a segment (None without).
    pub fn rate(&self, segment: Option<&str>, cohort: i64, period: usize) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.segment.as_deref() == segment && r.cohort.0 == cohort && r.period == period)
            .and_then(|r| r.rate)
    }
}

/// The triangle as text: one line per cohort, then the means.
impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::report::{Table, date, pct};
        let max_k = self.rows.iter().map(|r| r.period).max().unwrap_or(0).min(12);
        let mut segs: Vec<Option<&str>> = Vec::new();
        for r in &self.rows {
            if !segs.contains(&r.segment.as_deref()) {
                segs.push(r.segment.as_deref());
            }
        }
        let returned = match self.mode {
            RetentionMode::On => "a return in period k",
            RetentionMode::OnOrAfter => "a return in period k or later",
        };
        let mut out = format!(
            "  start: {}, return: {}; {} periods of a {}, {}; observed until {}\n",
            self.start,
            self.return_event,
            self.alignment,
            self.period,
            returned,
            date(self.observation_end.0)
        );
        if self.customers_without_start > 0 {
            out.push_str(&format!(
                "  {} customers never had the start event ({}): in no cohort\n",
                crate::report::num(self.customers_without_start as f64),
                self.start
            ));
        }
        for seg in segs {
            if let Some(s) = seg {
                out.push_str(&format!("\n  segment {s}\n"));
            }
            let mut cols: Vec<(String, bool)> = vec![("cohort".into(), false), ("size".into(), true)];
            cols.extend((1..=max_k).map(|k| (format!("{k}"), true)));
            let colrefs: Vec<(&str, bool)> = cols.iter().map(|(a, b)| (a.as_str(), *b)).collect();
            let mut t = Table::new(&colrefs);
            let mut cohorts: Vec<(i64, usize)> = Vec::new();
            for r in self.rows.iter().filter(|r| r.segment.as_deref() == seg) {
                if !cohorts.iter().any(|c| c.0 == r.cohort.0) {
                    cohorts.push((r.cohort.0, r.cohort_size));
                }
            }
            let shown = cohorts.len().min(24);
            for &(c, size) in &cohorts[cohorts.len() - shown..] {
                let mut cells = vec![date(c), size.to_string()];
                for k in 1..=max_k {
                    cells.push(self.rate(seg, c, k).map_or(String::new(), pct));
                }
                t.row(cells);
            }
            let mut w = vec!["weighted mean".to_owned(), String::new()];
            let mut s = vec!["simple mean".to_owned(), String::new()];
            for k in 1..=max_k {
                let m = self.mean.iter().find(|m| m.segment.as_deref() == seg && m.period == k);
                w.push(m.and_then(|m| m.weighted_mean).map_or(String::new(), pct));
                s.push(m.and_then(|m| m.simple_mean).map_or(String::new(), pct));
            }
            t.row(w);
            t.row(s);
            t.render(&mut out);
            if shown < cohorts.len() {
                out.push_str(&format!("  (the last {shown} of {} cohorts)\n", cohorts.len()));
            }
        }
        f.write_str(&out)
    }
}

/// The summary as text, then the retention triangle.
impl fmt::Display for Repurchase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::report::{fmt_duration_ms, num, pct};
        let t = &self.time_between_purchases;
        let d = |x: Option<DurationMs>| x.map_or("-".into(), |d| fmt_duration_ms(d.0 as f64));
        writeln!(
            f,
            "  {} buyers, {} bought again ({}); {} purchases",
            num(self.buyers as f64),
            num(self.repeat_buyers as f64),
            self.repeat_rate.map_or("-".into(), pct),
            num(self.purchases as f64)
        )?;
        if t.n > 0 {
            writeln!(
                f,
                "  time between purchases: median {}, mean {}, p25 {}, p75 {}, p90 {} ({} gaps)",
                d(t.median),
                d(t.mean),
                d(t.p25),
                d(t.p75),
                d(t.p90),
                num(t.n as f64)
            )?;
        }
        self.retention.fmt(f)
    }
}
