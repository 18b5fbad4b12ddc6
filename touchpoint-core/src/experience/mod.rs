//! Experience: how customers feel at each touchpoint (DESIGN §6b, ORACLES E11–E13).
//!
//! Feedback scores come on touches (the events' feedback column) and from a separate
//! [`SurveyTable`] (customer, time, score, touchpoint optional). A survey response is attached
//! to a touch: the customer's most recent touch at or before the response (at the survey's
//! touchpoint when it names one) within [`ExperienceOptions::survey_window_ms`]; responses
//! that cannot be attached are counted in the [`FeedbackReport`], never used silently.
//! Every score is checked against the declared [`Scale`]: a score outside it is an error naming
//! the row and the value, never clipped.
//!
//! The analyses:
//! - [`experience`]: n, NPS with its exact variance and interval, promoters / passives /
//!   detractors, mean score with its standard error and top-box share with a Wilson interval,
//!   per touchpoint, stage and channel kind (and segment); [`Experience::compare`] gives the
//!   difference of two groups with its standard error, z and p-value (ORACLES E11).
//! - [`experience_conversion`]: conversion of journeys with a detractor score at a touchpoint
//!   against a reference group, with risk and odds ratios (ORACLES E12), and the "experience
//!   gap" — an associational figure, not a causal effect.
//! - [`key_drivers`]: the Shapley decomposition of R² (LMG) of an outcome over the customers'
//!   satisfaction at each touchpoint (ORACLES E13).
//! - [`consistency()`]: the spread of scores within journeys and how often a good experience is
//!   followed by a bad one.
//!
//! Sums are accumulated in fixed point ([`FixedSum`]) and counts as integers, so no result
//! depends on the order of the rows or the number of threads.
//!
//! ```
//! use touchpoint_core::EventTable;
//! use touchpoint_core::experience::{experience, ExperienceOptions};
//!
//! let mut b = EventTable::builder();
//! for (i, s) in [10.0, 9.0, 9.0, 8.0, 7.0, 6.0, 3.0, 10.0, 0.0, 9.0].into_iter().enumerate() {
//!     b.push_keyed(touchpoint_core::CustomerKey::Int(i as i64), Some("store visit"), 0, false, 0.0, Some(s))?;
//! }
//! let events = b.finish()?;
//! let exp = experience(&events, None, &ExperienceOptions::default(), None)?;
//! let store = exp.get("touchpoint", "store visit").unwrap();
//! assert_eq!((store.n, store.nps), (10, Some(20.0)));
//! let (lo, hi) = (store.nps_lower.unwrap(), store.nps_upper.unwrap());
//! assert!((lo + 34.032478).abs() < 1e-6 && (hi - 74.032478).abs() < 1e-6);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use std::io::Read;

use hashbrown::HashMap;

use crate::catalog::TouchpointId;
use crate::error::{Error, Location, Result};
use crate::events::{CustomerKey, EventTable, NO_TOUCHPOINT};
use crate::journeymap::sequence::{fold_customer_rows, name_ranks};
use crate::names::{Interner, NameList};
use crate::time::{DAY_MS, TimeFormat, TimeUnit, parse_time};

pub mod consistency;
pub mod conversion;
pub mod drivers;
#[cfg(feature = "serde")]
mod json;
#[cfg(feature = "serde")]
mod spec;
pub(crate) mod table;
#[cfg(all(test, feature = "serde"))]
mod tests;

pub use consistency::{Consistency, ConsistencyRow, ConsistencySummary, consistency};
pub use conversion::{ExperienceConversion, ExperienceConversionRow, ExperienceReference, experience_conversion};
pub use drivers::{DriverOutcome, KeyDriverOptions, KeyDriverRow, KeyDrivers, MissingScores, key_drivers};
#[cfg(feature = "serde")]
pub use spec::ExperienceSpec;
pub use table::{Dimension, Experience, ExperienceDiffRow, ExperienceRow, experience};

pub use crate::stats::FixedSum;

crate::named_enum! {
    /// The kind of feedback scale.
    pub enum ScaleKind: "scale" {
        /// Net Promoter Score: 0–10, promoters 9–10, detractors 0–6.
        Nps = 0 => "nps" | "nps_0_10",
        /// Customer satisfaction: 1–5, top-2-box 4–5 ("promoters"), bottom-2-box 1–2.
        Csat = 1 => "csat" | "csat_1_5",
        /// Any range with its own thresholds.
        Custom = 2 => "custom",
    }
}

/// A feedback scale: the range scores must lie in and the thresholds that classify them.
/// "Promoters" are scores ≥ `promoter_min` (on CSAT: the top-2-box), "detractors" scores ≤
/// `detractor_max` (on CSAT: the bottom-2-box); the net score is 100 × (promoters − detractors)
/// ÷ n on every scale.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Scale {
    /// The kind.
    pub kind: ScaleKind,
    /// Lowest valid score.
    pub min: f64,
    /// Highest valid score.
    pub max: f64,
    /// Scores at or above this are promoters (top box).
    pub promoter_min: f64,
    /// Scores at or below this are detractors (bottom box).
    pub detractor_max: f64,
}

impl Default for Scale {
    fn default() -> Self {
        Scale::nps()
    }
}

/// How a score is classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Detractor,
    Passive,
    Promoter,
}

impl Scale {
    /// NPS: 0–10, promoters 9–10, detractors 0–6.
    pub fn nps() -> Self {
        Scale { kind: ScaleKind::Nps, min: 0.0, max: 10.0, promoter_min: 9.0, detractor_max: 6.0 }
    }

    /// CSAT: 1–5, top-2-box 4–5, bottom-2-box 1–2.
    pub fn csat() -> Self {
        Scale { kind: ScaleKind::Csat, min: 1.0, max: 5.0, promoter_min: 4.0, detractor_max: 2.0 }
    }

    /// A custom scale; `min ≤ detractor_max < promoter_min ≤ max`, all finite.
    pub fn custom(min: f64, max: f64, promoter_min: f64, detractor_max: f64) -> Result<Self> {
        let ok = [min, max, promoter_min, detractor_max].iter().all(|x| x.is_finite())
            && min <= detractor_max
            && detractor_max < promoter_min
            && promoter_min <= max;
        if !ok {
            return Err(Error::option(
                "scale",
                format!("min {min}, max {max}, promoter_min {promoter_min}, detractor_max {detractor_max}"),
                "a custom scale needs finite min <= detractor_max < promoter_min <= max",
            ));
        }
        Ok(Scale { kind: ScaleKind::Custom, min, max, promoter_min, detractor_max })
    }

    /// The named scale of a kind (custom needs its range: use [`Scale::custom`]).
    pub fn of_kind(kind: ScaleKind) -> Result<Self> {
        match kind {
            ScaleKind::Nps => Ok(Scale::nps()),
            ScaleKind::Csat => Ok(Scale::csat()),
            ScaleKind::Custom => {
                Err(Error::option("scale", "custom", "a custom scale needs min, max, promoter_min and detractor_max"))
            }
        }
    }

    pub(crate) fn class(&self, x: f32) -> Class {
        let x = x as f64;
        if x >= self.promoter_min {
            Class::Promoter
        } else if x <= self.detractor_max {
            Class::Detractor
        } else {
            Class::Passive
        }
    }

    /// An error unless `x` is a finite score within the scale.
    pub(crate) fn check(&self, column: &str, loc: Location, x: f64) -> Result<()> {
        if x.is_finite() && x >= self.min && x <= self.max {
            return Ok(());
        }
        Err(Error::invalid(
            column,
            loc,
            x.to_string(),
            format!(
                "outside the {} scale {}..={}; declare the scale the scores use (scale='nps', 'csat' or a custom \
                 min/max), or fix the row",
                self.kind, self.min, self.max
            ),
        ))
    }

    pub(crate) fn describe(&self) -> String {
        format!(
            "{} {}–{} (promoters ≥ {}, detractors ≤ {})",
            self.kind, self.min, self.max, self.promoter_min, self.detractor_max
        )
    }
}

crate::named_enum! {
    /// What to do with a feedback score on a pure conversion row (a row without a touchpoint).
    pub enum ConversionFeedback: "conversion_feedback" {
        /// An error naming the row (default): scores belong to touches.
        Error = 0 => "error",
        /// Attach it like a survey without touchpoint: to the customer's most recent touch.
        Attach = 1 => "attach" | "last_touch",
        /// Leave it out, counted in the report.
        Ignore = 2 => "ignore" | "skip",
    }
}

/// Options shared by the experience analyses.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperienceOptions {
    /// The scale of the scores (default NPS 0–10).
    pub scale: Scale,
    /// How far after a touch a survey response may come and still be attached to it
    /// (milliseconds; default 30 days; None: no limit).
    pub survey_window_ms: Option<i64>,
    /// Scores on pure conversion rows: error (default), attach or ignore.
    pub conversion_feedback: ConversionFeedback,
    /// Groups with fewer scores than this are flagged `small_n` (default 30); never hidden.
    pub small_n: usize,
}

impl Default for ExperienceOptions {
    fn default() -> Self {
        Self {
            scale: Scale::nps(),
            survey_window_ms: Some(30 * DAY_MS),
            conversion_feedback: ConversionFeedback::Error,
            small_n: 30,
        }
    }
}

impl ExperienceOptions {
    fn check(&self) -> Result<()> {
        if let Some(w) = self.survey_window_ms
            && w < 0
        {
            return Err(Error::option("survey_window", w, "the window must be >= 0 (or none for no limit)"));
        }
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------
// Survey responses

/// Survey responses not attached to an event row: customer, time, score and optionally the
/// touchpoint the survey asks about. Build with [`SurveyTable::builder`] or read with
/// [`SurveyTable::read_csv`].
#[derive(Debug, Clone, Default)]
pub struct SurveyTable {
    customers: NameList,
    customer: Vec<u32>,
    time: Vec<i64>,
    score: Vec<f64>,
    touchpoints: NameList,
    /// Code into `touchpoints`, or [`NO_TOUCHPOINT`].
    touchpoint: Vec<u32>,
}

/// Builds a [`SurveyTable`] row by row.
#[derive(Debug, Default)]
pub struct SurveyBuilder {
    table: SurveyTable,
    customers: Interner,
    touchpoints: Interner,
    int_customers: HashMap<i64, u32>,
}

impl SurveyTable {
    /// A builder.
    pub fn builder() -> SurveyBuilder {
        SurveyBuilder::default()
    }

    /// Number of responses.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// True without responses.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }

    /// Read responses from CSV: columns `customer_id`, `timestamp`, `score` and optionally
    /// `touchpoint` (an empty cell: no touchpoint); names and formats from `opts`.
    ///
    /// ```
    /// use touchpoint_core::experience::{SurveyTable, SurveyCsvOptions};
    /// let csv = "customer_id,timestamp,score,touchpoint\nc1,2024-01-02T00:00:00Z,9,store\nc2,2024-01-03,3,\n";
    /// let s = SurveyTable::read_csv(csv.as_bytes(), &SurveyCsvOptions::default())?;
    /// assert_eq!(s.len(), 2);
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn read_csv<R: Read>(reader: R, opts: &SurveyCsvOptions) -> Result<Self> {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(opts.delimiter)
            .flexible(false)
            .from_reader(crate::csvutil::LineCounting::new(reader));
        let header = crate::csvutil::Header::read(&mut rdr)?;
        let c_cust = header.require(&opts.customer)?;
        let c_time = header.require(&opts.time)?;
        let c_score = header.require(&opts.score)?;
        let c_tp = match &opts.touchpoint {
            Some(t) => Some(header.require(t)?),
            None => header.find("touchpoint"),
        };
        let mut b = SurveyTable::builder();
        let mut rec = csv::StringRecord::new();
        while rdr.read_record(&mut rec)? {
            let line = crate::csvutil::record_line(&mut rdr, rec.as_slice().as_bytes());
            let loc = Location::Line(line);
            let field = |i: usize| rec.get(i).unwrap_or("").trim();
            let time = parse_time(opts.time_format, field(c_time))
                .map_err(|why| Error::invalid(&opts.time, loc.clone(), field(c_time), why))?;
            let s = field(c_score);
            let score: f64 = s.parse().map_err(|_| {
                Error::invalid(&opts.score, loc.clone(), s, "a survey score must be a number; drop rows without one")
            })?;
            let tp = c_tp.map(field).filter(|t| !t.is_empty());
            b.push_at(loc, CustomerKey::Str(field(c_cust)), time, score, tp)?;
        }
        Ok(b.finish())
    }
}

impl SurveyBuilder {
    /// Add a response (row numbers in errors count pushes from 0).
    pub fn push(
        &mut self,
        customer: CustomerKey<'_>,
        time: i64,
        score: f64,
        touchpoint: Option<&str>,
    ) -> Result<&mut Self> {
        let loc = Location::Row(self.table.len());
        self.push_at(loc, customer, time, score, touchpoint)
    }

    fn push_at(
        &mut self,
        loc: Location,
        customer: CustomerKey<'_>,
        time: i64,
        score: f64,
        touchpoint: Option<&str>,
    ) -> Result<&mut Self> {
        if !score.is_finite() {
            return Err(Error::invalid(
                "score",
                loc,
                score.to_string(),
                "a survey response needs a finite score; drop responses without one",
            ));
        }
        let c = match customer {
            CustomerKey::Str("") => {
                return Err(Error::invalid("customer", loc, "", "customer key must not be empty"));
            }
            CustomerKey::Str(s) => self.customers.intern(s),
            CustomerKey::Int(v) => match self.int_customers.get(&v) {
                Some(&c) => c,
                None => {
                    let c = self.customers.intern(&v.to_string());
                    self.int_customers.insert(v, c);
                    c
                }
            },
            CustomerKey::UInt(v) => match i64::try_from(v) {
                Ok(v) => return self.push_at(loc, CustomerKey::Int(v), time, score, touchpoint),
                Err(_) => self.customers.intern(&v.to_string()),
            },
        };
        let tp = match touchpoint {
            Some(t) if !t.is_empty() => self.touchpoints.intern(t),
            _ => NO_TOUCHPOINT,
        };
        let t = &mut self.table;
        t.customer.push(c);
        t.time.push(time);
        t.score.push(score);
        t.touchpoint.push(tp);
        Ok(self)
    }

    /// Responses pushed so far.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True before the first push.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The responses pushed so far as a table (a copy; the builder can go on).
    pub fn snapshot(&self) -> SurveyTable {
        let mut t = self.table.clone();
        t.customers = self.customers.names.clone();
        t.touchpoints = self.touchpoints.names.clone();
        t
    }

    /// The table.
    pub fn finish(mut self) -> SurveyTable {
        self.table.customers = self.customers.names;
        self.table.touchpoints = self.touchpoints.names;
        self.table
    }
}

/// Column names and formats for [`SurveyTable::read_csv`].
#[derive(Debug, Clone)]
pub struct SurveyCsvOptions {
    /// Customer column (default `customer_id`).
    pub customer: String,
    /// Time column (default `timestamp`).
    pub time: String,
    /// Score column (default `score`).
    pub score: String,
    /// Touchpoint column; None uses `touchpoint` when the header has it.
    pub touchpoint: Option<String>,
    /// How times are written (default: ISO 8601 or epoch milliseconds).
    pub time_format: TimeFormat,
    /// Field delimiter (default `,`).
    pub delimiter: u8,
}

impl Default for SurveyCsvOptions {
    fn default() -> Self {
        Self {
            customer: "customer_id".into(),
            time: "timestamp".into(),
            score: "score".into(),
            touchpoint: None,
            time_format: TimeFormat::Auto(TimeUnit::Milliseconds),
            delimiter: b',',
        }
    }
}

// ------------------------------------------------------------------------------------------
// Scores attached to touches

crate::row_struct! {
    /// Where the scores of an experience analysis came from, and what was left out.
    #[derive(Clone, PartialEq, Default)]
    pub struct FeedbackReport {
        /// Scores in the events' feedback column on touches.
        pub scores_on_touches: usize,
        /// Scores on pure conversion rows attached to the customer's most recent touch.
        pub conversion_scores_attached: usize,
        /// Scores on pure conversion rows left out (`conversion_feedback` = ignore, or no
        /// touch before them within the window).
        pub conversion_scores_left_out: usize,
        /// Survey responses given.
        pub surveys: usize,
        /// Survey responses attached to a touch.
        pub surveys_attached: usize,
        /// Responses of customers without events (left out).
        pub surveys_unknown_customer: usize,
        /// Responses naming a touchpoint that is not in the events (left out).
        pub surveys_unknown_touchpoint: usize,
        /// Responses with no touch (at their touchpoint) before them within the window (left out).
        pub surveys_without_touch: usize,
        /// Scores used by the analysis.
        pub scores: usize,
    }
}

/// One score attached to a touch row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Score {
    pub row: u32,
    pub score: f32,
}

/// Every score of an analysis, attached to touch rows, in row order (within a row: the events'
/// own score first, then attached responses in input order).
#[derive(Debug, Clone, Default)]
pub(crate) struct Scores {
    pub list: Vec<Score>,
    pub report: FeedbackReport,
}

/// A response waiting for its touch.
#[derive(Clone, Copy)]
struct Pending {
    customer: u32,
    time: i64,
    score: f32,
    /// Touchpoint id in the events' catalog, or NO_TOUCHPOINT for "any".
    touchpoint: u32,
    /// Order key among pending responses (conversion rows first, then surveys).
    order: u64,
    from_survey: bool,
}

impl Scores {
    /// Collect and check every score: the events' column and the survey responses.
    pub(crate) fn collect(
        events: &EventTable,
        surveys: Option<&SurveyTable>,
        opts: &ExperienceOptions,
    ) -> Result<Self> {
        opts.check()?;
        let scale = &opts.scale;
        let mut report = FeedbackReport::default();
        let mut list = Vec::new();
        let mut pending: Vec<Pending> = Vec::new();
        let tps = events.touchpoints();
        if let Some(fb) = events.feedback() {
            for (r, &f) in fb.iter().enumerate() {
                if f.is_nan() {
                    continue;
                }
                scale.check("feedback", Location::Row(r), f as f64)?;
                if tps[r] != NO_TOUCHPOINT {
                    list.push(Score { row: r as u32, score: f });
                    report.scores_on_touches += 1;
                    continue;
                }
                match opts.conversion_feedback {
                    ConversionFeedback::Error => {
                        return Err(Error::invalid(
                            "feedback",
                            Location::Row(r),
                            f.to_string(),
                            "a score on a conversion row without a touchpoint; put it on a touch, or pass \
                             conversion_feedback='attach' (to the customer's most recent touch) or 'ignore'",
                        ));
                    }
                    ConversionFeedback::Ignore => report.conversion_scores_left_out += 1,
                    ConversionFeedback::Attach => pending.push(Pending {
                        customer: events.customers()[r],
                        time: events.times()[r],
                        score: f,
                        touchpoint: NO_TOUCHPOINT,
                        order: r as u64,
                        from_survey: false,
                    }),
                }
            }
        }
        if let Some(s) = surveys {
            report.surveys = s.len();
            let by_name: HashMap<&str, u32> =
                events.customer_names().iter().enumerate().map(|(i, n)| (n, i as u32)).collect();
            let cust_of: Vec<Option<u32>> =
                s.customers.iter().map(|n| by_name.get(n).copied().filter(|&c| events.has_events(c))).collect();
            let tp_of: Vec<Option<u32>> = s.touchpoints.iter().map(|n| events.catalog().get(n).map(|t| t.0)).collect();
            for i in 0..s.len() {
                scale.check("score", Location::Row(i), s.score[i])?;
                let Some(c) = cust_of[s.customer[i] as usize] else {
                    report.surveys_unknown_customer += 1;
                    continue;
                };
                let tp = match s.touchpoint[i] {
                    NO_TOUCHPOINT => NO_TOUCHPOINT,
                    code => match tp_of[code as usize] {
                        Some(t) => t,
                        None => {
                            report.surveys_unknown_touchpoint += 1;
                            continue;
                        }
                    },
                };
                pending.push(Pending {
                    customer: c,
                    time: s.time[i],
                    score: s.score[i] as f32,
                    touchpoint: tp,
                    order: (1 << 40) + i as u64,
                    from_survey: true,
                });
            }
        }
        if !pending.is_empty() {
            let (attached, missed) = attach(events, &mut pending, opts.survey_window_ms);
            for (p, row) in attached {
                list.push(Score { row, score: p.score });
                if p.from_survey {
                    report.surveys_attached += 1;
                } else {
                    report.conversion_scores_attached += 1;
                }
            }
            report.surveys_without_touch += missed.iter().filter(|p| p.from_survey).count();
            report.conversion_scores_left_out += missed.iter().filter(|p| !p.from_survey).count();
            // the events' own scores come first in a row (a stable sort keeps them first)
            list.sort_by_key(|s| s.row);
        }
        report.scores = list.len();
        Ok(Scores { list, report })
    }

    /// `start[r]..start[r + 1]`: the scores of row `r` in [`Scores::list`].
    pub(crate) fn row_index(&self, rows: usize) -> Vec<u32> {
        let mut start = vec![0u32; rows + 1];
        for s in &self.list {
            start[s.row as usize + 1] += 1;
        }
        for r in 0..rows {
            start[r + 1] += start[r];
        }
        start
    }
}

/// Attach each pending response to its customer's most recent touch (at its touchpoint, if it
/// names one) at or before it, within the window. Ties at the same instant go to the touch
/// last in the content order (time, then touchpoint name). Returns the attached responses in
/// their order with their rows, and the ones without a touch.
fn attach(events: &EventTable, pending: &mut [Pending], window: Option<i64>) -> (Vec<(Pending, u32)>, Vec<Pending>) {
    pending.sort_by_key(|p| (p.customer, p.order));
    let n_cust = events.customer_count();
    let mut start = vec![0u32; n_cust + 1];
    for p in pending.iter() {
        start[p.customer as usize + 1] += 1;
    }
    for c in 0..n_cust {
        start[c + 1] += start[c];
    }
    let rank = name_ranks(events.catalog().names());
    let (tps, times) = (events.touchpoints(), events.times());
    let pending = &*pending;
    let (mut hit, mut miss, _) = fold_customer_rows(
        events,
        || (Vec::new(), Vec::new(), Vec::<(i64, u32, u32)>::new()),
        |(hit, miss, touches), c, rows| {
            let mine = &pending[start[c as usize] as usize..start[c as usize + 1] as usize];
            if mine.is_empty() {
                return;
            }
            touches.clear();
            touches.extend(rows.iter().filter(|&&r| tps[r as usize] != NO_TOUCHPOINT).map(|&r| {
                let r = r as usize;
                (times[r], rank[tps[r] as usize], r as u32)
            }));
            touches.sort_unstable();
            for p in mine {
                // the last touch at or before the response, at its touchpoint if it has one
                let upto = touches.partition_point(|t| t.0 <= p.time);
                let found = touches[..upto]
                    .iter()
                    .rev()
                    .take_while(|t| window.is_none_or(|w| p.time - t.0 <= w))
                    .find(|t| p.touchpoint == NO_TOUCHPOINT || tps[t.2 as usize] == p.touchpoint);
                match found {
                    Some(t) => hit.push((*p, t.2)),
                    None => miss.push(*p),
                }
            }
        },
        |mut a, b| {
            a.0.extend(b.0);
            a.1.extend(b.1);
            a
        },
    );
    hit.sort_by_key(|(p, _)| p.order);
    miss.sort_by_key(|p| p.order);
    (hit, miss)
}

/// One entry of a customer's walk in content order: a touch (its row and touchpoint) or a
/// conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Step {
    pub t: i64,
    /// Same-instant rank: touchpoint name rank, conversions last.
    pub rank: u32,
    /// Touchpoint id, or [`CONVERT`].
    pub code: u32,
    pub row: u32,
}

/// The code of a conversion step.
pub(crate) const CONVERT: u32 = u32::MAX;

/// Fold `f(acc, customer, steps)` over every customer: its touches and conversions in the
/// content order (time; touches before conversions and by name at the same instant; a
/// converting touch is its touch, then its conversion).
pub(crate) fn walk<A: Send>(
    events: &EventTable,
    init: impl Fn() -> A + Sync + Send,
    f: impl Fn(&mut A, u32, &[Step]) + Sync + Send,
    merge: impl Fn(A, A) -> A + Sync + Send,
) -> A {
    let rank = name_ranks(events.catalog().names());
    let (tps, times, conv) = (events.touchpoints(), events.times(), events.converted());
    fold_customer_rows(
        events,
        || (init(), Vec::<Step>::new()),
        |(acc, steps), c, rows| {
            steps.clear();
            for &r in rows {
                let (t, tp) = (times[r as usize], tps[r as usize]);
                if tp != NO_TOUCHPOINT {
                    steps.push(Step { t, rank: rank[tp as usize], code: tp, row: r });
                }
                if conv[r as usize] {
                    steps.push(Step { t, rank: u32::MAX, code: CONVERT, row: r });
                }
            }
            if steps.windows(2).any(|w| w[0] > w[1]) {
                steps.sort_unstable();
            }
            f(acc, c, steps);
        },
        |a, b| (merge(a.0, b.0), a.1),
    )
    .0
}

/// A touchpoint's name.
pub(crate) fn tp_name(events: &EventTable, tp: u32) -> String {
    events.catalog().name(TouchpointId(tp)).unwrap_or_default().to_owned()
}
