//! Attribution, graph metrics and top paths **by segment**, with intervals and segment
//! comparisons. (Funnels, retention, step views and experience take a [`Segments`] directly.)
//!
//! The journeys are split by their customer's segment in one pass; each segment is then
//! analysed alone, so a segment's figures equal running the analysis on that segment's
//! customers (bit for bit, intervals included: a customer's bootstrap weight depends on their
//! name, not on who else is in the data). A segment where a model does not apply (no
//! conversions, say) is reported in `skipped` with the reason, never dropped silently.
//!
//! **Comparing two segments** ([`SegmentAttribution::compare`], [`SegmentGraph::compare`]):
//! per figure, the difference `b − a`, its percentile interval from the two segments'
//! independent resamples (`b*ₖ − a*ₖ`), a two-sided bootstrap p-value
//! ([`bootstrap::p_value`](crate::bootstrap::p_value)) and the Benjamini–Hochberg adjusted
//! p-value over the touchpoints (or states) of the table.
//!
//! ```
//! use touchpoint_core::{EventTable, JourneyOptions, Journeys};
//! use touchpoint_core::attribution::{AttributionModel, AttributionOptions};
//! use touchpoint_core::segment::Segments;
//! use touchpoint_core::segmented::attribute_by_segment;
//!
//! let mut b = EventTable::builder();
//! for (c, seg) in [("ann", "north"), ("bob", "south"), ("cy", "north")] {
//!     b.touch(c, "search", 0)?;
//!     b.touch(c, "email", 1)?;
//!     b.conversion(c, 2, 10.0)?;
//! }
//! let events = b.finish()?;
//! let seg = Segments::from_customer_labels(&events, &[Some("north"), Some("south"), Some("north")])?;
//! let (js, _) = Journeys::build(&events, &JourneyOptions::default())?;
//! let res = attribute_by_segment(&js, &seg, &[AttributionModel::LastTouch], &AttributionOptions::default(), None)?;
//! let north = res.credits("north").unwrap();
//! assert_eq!(north[0].get("email").unwrap().conversions, 2.0);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use crate::attribution::intervals::{Draws, compare_with_draws};
use crate::attribution::{AttributionModel, AttributionOptions, Credits, compare};
use crate::bootstrap::{BootstrapOptions, Interval, benjamini_hochberg, p_value};
use crate::data::Data;
use crate::error::{Error, Result};
use crate::graph::intervals::GraphIntervalRow;
use crate::journey::Journeys;
use crate::paths::{PathRank, PathTable};
use crate::segment::Segments;

/// Split journeys by their customer's segment (one pass): `(label, journeys)` in label order,
/// segments without journeys left out.
pub fn split_journeys(journeys: &Journeys, segments: &Segments) -> Result<Vec<(String, Journeys)>> {
    let n = journeys.customer_names().len();
    if segments.customers() != n {
        return Err(Error::LengthMismatch {
            column: "segments".into(),
            reference: "customers of the journeys".into(),
            expected: n,
            found: segments.customers(),
        });
    }
    let parts = journeys.split(segments.len(), |i| journeys.get(i).map(|j| segments.of_customer(j.customer) as usize));
    Ok(segments.labels().iter().cloned().zip(parts).filter(|(_, j)| !j.is_empty()).collect())
}

crate::row_struct! {
    optional(removal_effect, lower, upper, std_error);
    /// A row of [`SegmentAttribution::table`]: one segment, model and touchpoint.
    #[derive(Clone, PartialEq)]
    pub struct SegmentAttributionRow {
        /// The segment.
        pub segment: String,
        /// The model's column name (`markov_1`, `linear`, …).
        pub model: String,
        /// The touchpoint.
        pub touchpoint: String,
        /// Credited conversions.
        pub conversions: f64,
        /// Credited value.
        pub value: f64,
        /// Share of the segment's credited conversions.
        pub share: f64,
        /// Markov: removal effect.
        pub removal_effect: Option<f64>,
        /// Lower bound of the interval of `conversions` (with a bootstrap).
        pub lower: Option<f64>,
        /// Upper bound.
        pub upper: Option<f64>,
        /// Standard error of `conversions`.
        pub std_error: Option<f64>,
        /// Weighted touches.
        pub touches: f64,
    }
}

crate::row_struct! {
    optional(difference_lower, difference_upper, p_value, p_adjusted);
    /// A row of a segment comparison: one figure in segments `a` and `b`.
    #[derive(Clone, PartialEq)]
    pub struct SegmentDiffRow {
        /// The model's column name (attribution) or the metric (graph).
        pub model: String,
        /// `share` or `removal_effect` (attribution), or the graph metric.
        pub metric: String,
        /// The touchpoint or state.
        pub item: String,
        /// First segment.
        pub segment_a: String,
        /// Second segment.
        pub segment_b: String,
        /// The figure in `a`.
        pub a: f64,
        /// The figure in `b`.
        pub b: f64,
        /// `b − a`.
        pub difference: f64,
        /// Lower bound of the interval of the difference.
        pub difference_lower: Option<f64>,
        /// Upper bound.
        pub difference_upper: Option<f64>,
        /// Two-sided p-value of "no difference".
        pub p_value: Option<f64>,
        /// Benjamini–Hochberg adjusted p-value over the rows of the same model and metric.
        pub p_adjusted: Option<f64>,
        /// The test used.
        pub test: String,
    }
}

/// One segment's attribution.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SegmentCredits {
    /// The segment.
    pub segment: String,
    /// Customers of the segment with journeys.
    pub journeys: usize,
    /// One result per model.
    pub credits: Vec<Credits>,
    /// Resampled figures per model, with a bootstrap.
    pub draws: Option<Vec<Draws>>,
}

/// Attribution per segment ([`attribute_by_segment`]).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SegmentAttribution {
    /// Segments in label order.
    pub segments: Vec<SegmentCredits>,
    /// Segments that could not be analysed, with the reason.
    pub skipped: Vec<(String, String)>,
    /// The bootstrap, when intervals were asked for.
    pub bootstrap: Option<BootstrapOptions>,
}

impl SegmentAttribution {
    /// The credits of a segment.
    pub fn credits(&self, segment: &str) -> Option<&[Credits]> {
        self.segments.iter().find(|s| s.segment == segment).map(|s| s.credits.as_slice())
    }

    /// One table: a row per segment, model and touchpoint.
    pub fn table(&self) -> Vec<SegmentAttributionRow> {
        let mut out = Vec::new();
        for s in &self.segments {
            for c in &s.credits {
                let model = c.column_name();
                out.extend(c.rows.iter().map(|r| SegmentAttributionRow {
                    segment: s.segment.clone(),
                    model: model.clone(),
                    touchpoint: r.name.clone(),
                    conversions: r.conversions,
                    value: r.value,
                    share: r.share,
                    removal_effect: r.removal_effect,
                    lower: r.lower,
                    upper: r.upper,
                    std_error: r.std_error,
                    touches: r.touches,
                }));
            }
        }
        out
    }

    /// Segments `a` and `b` side by side: per model and touchpoint the share of credit (and
    /// for Markov the removal effect) in each, the difference `b − a`, and — with a bootstrap
    /// — its interval, p-value and Benjamini–Hochberg adjusted p-value.
    pub fn compare(&self, a: &str, b: &str) -> Result<Vec<SegmentDiffRow>> {
        let find =
            |l: &str| self.segments.iter().find(|s| s.segment == l).ok_or_else(|| unknown_segment(l, self.labels()));
        let (sa, sb) = (find(a)?, find(b)?);
        let level = self.bootstrap.map_or(0.95, |o| o.level);
        let mut out = Vec::new();
        for (m, (ca, cb)) in sa.credits.iter().zip(&sb.credits).enumerate() {
            let da = sa.draws.as_ref().and_then(|d| d.get(m));
            let db = sb.draws.as_ref().and_then(|d| d.get(m));
            let model = ca.column_name();
            let mut metrics: Vec<Metric<'_>> = vec![(
                "share",
                ca.rows.iter().map(|r| r.share).collect(),
                cb.rows.iter().map(|r| r.share).collect(),
                da.map(|d| &d.share),
                db.map(|d| &d.share),
            )];
            if ca.rows.iter().any(|r| r.removal_effect.is_some()) {
                metrics.push((
                    "removal_effect",
                    ca.rows.iter().map(|r| r.removal_effect.unwrap_or(0.0)).collect(),
                    cb.rows.iter().map(|r| r.removal_effect.unwrap_or(0.0)).collect(),
                    da.and_then(|d| d.removal_effect.as_ref()),
                    db.and_then(|d| d.removal_effect.as_ref()),
                ));
            }
            for (metric, ea, eb, xa, xb) in metrics {
                let items: Vec<String> = ca.rows.iter().map(|r| r.name.clone()).collect();
                out.extend(diff_rows(&model, metric, &items, a, b, &ea, &eb, xa, xb, level));
            }
        }
        Ok(out)
    }

    fn labels(&self) -> Vec<String> {
        self.segments.iter().map(|s| s.segment.clone()).collect()
    }
}

/// A metric to compare: name, estimates in a and b, resampled figures in a and b.
type Metric<'a> = (&'a str, Vec<f64>, Vec<f64>, Option<&'a PerItem>, Option<&'a PerItem>);

/// Resampled figures per item: `[item][resample]`.
type PerItem = Vec<Vec<f64>>;

fn unknown_segment(l: &str, labels: Vec<String>) -> Error {
    Error::option("segment", l, format!("no such segment; the segments are {}", labels.join(", ")))
}

/// Difference rows of one metric over items, with BH over the items.
#[allow(clippy::too_many_arguments)]
fn diff_rows(
    model: &str,
    metric: &str,
    items: &[String],
    a: &str,
    b: &str,
    ea: &[f64],
    eb: &[f64],
    xa: Option<&PerItem>,
    xb: Option<&PerItem>,
    level: f64,
) -> Vec<SegmentDiffRow> {
    let mut rows: Vec<SegmentDiffRow> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let diffs: Option<Vec<f64>> = match (xa, xb) {
                (Some(xa), Some(xb)) => Some(xa[i].iter().zip(&xb[i]).map(|(p, q)| q - p).collect()),
                _ => None,
            };
            let iv = diffs.as_deref().and_then(|d| Interval::of(d, level));
            // a figure that is exactly 0 in both segments in every resample is not tested
            let tested = diffs.as_deref().is_some_and(|d| d.iter().any(|x| x.is_finite() && *x != 0.0));
            SegmentDiffRow {
                model: model.to_owned(),
                metric: metric.to_owned(),
                item: item.clone(),
                segment_a: a.to_owned(),
                segment_b: b.to_owned(),
                a: ea[i],
                b: eb[i],
                difference: eb[i] - ea[i],
                difference_lower: iv.map(|x| x.lower),
                difference_upper: iv.map(|x| x.upper),
                p_value: if tested { diffs.as_deref().and_then(p_value) } else { None },
                p_adjusted: None,
                test: if diffs.is_some() {
                    "bootstrap percentile (independent customer resamples), Benjamini–Hochberg over the table"
                        .to_owned()
                } else {
                    "none: run with a bootstrap for intervals and p-values".to_owned()
                },
            }
        })
        .collect();
    let q = benjamini_hochberg(&rows.iter().map(|r| r.p_value).collect::<Vec<_>>());
    for (r, q) in rows.iter_mut().zip(q) {
        r.p_adjusted = q;
    }
    rows
}

/// Run `models` on each segment's journeys.
///
/// # Arguments
/// `journeys` and `segments` of the same event table; `boot`: bootstrap intervals (None: point
/// figures only).
///
/// # Returns
/// [`SegmentAttribution`]: per segment the models' credits (and resampled figures).
///
/// # Errors
/// Segments of another table ([`Error::LengthMismatch`]); invalid options. A segment where a
/// model does not apply goes to `skipped`.
///
/// # Complexity
/// One pass to split the journeys, then each model once per segment on that segment's data:
/// about the cost of one run on all journeys.
pub fn attribute_by_segment(
    journeys: &Journeys,
    segments: &Segments,
    models: &[AttributionModel],
    opts: &AttributionOptions,
    boot: Option<&BootstrapOptions>,
) -> Result<SegmentAttribution> {
    if let Some(b) = boot {
        b.validate()?;
    }
    let mut out = SegmentAttribution { segments: Vec::new(), skipped: Vec::new(), bootstrap: boot.copied() };
    let results = each_segment(split_journeys(journeys, segments)?, |js| {
        let data = Data::Journeys(js);
        match boot {
            Some(b) => compare_with_draws(data, models, opts, b).map(|v| {
                let (c, d): (Vec<Credits>, Vec<Draws>) = v.into_iter().unzip();
                (c, Some(d))
            }),
            None => compare(data, models, opts).map(|c| (c, None)),
        }
    });
    for (label, journeys, res) in results {
        match res {
            Ok((credits, draws)) => out.segments.push(SegmentCredits { segment: label, journeys, credits, draws }),
            Err(e @ (Error::ModelNotApplicable { .. } | Error::EmptyInput { .. })) => {
                out.skipped.push((label, e.to_string()))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Run `f` on every segment's journeys, the segments in parallel; `(label, journeys, result)`
/// in label order.
fn each_segment<R: Send>(
    parts: Vec<(String, Journeys)>,
    f: impl Fn(&Journeys) -> Result<R> + Sync + Send,
) -> Vec<(String, usize, Result<R>)> {
    // segments run side by side: the caller's counter counts segments, and each segment's own
    // long work (bootstrap resamples) gets a child counter that stops when the caller cancels
    let prog = crate::progress::current();
    if let Some(p) = &prog {
        p.start("segments", parts.len() as u64);
    }
    let run = |(label, js): (String, Journeys)| {
        let r = match &prog {
            Some(p) => crate::progress::scope(&crate::progress::Progress::child(p), || f(&js)),
            None => f(&js),
        };
        let _ = crate::progress::tick(&prog, 1); // a cancel reaches the caller through `r`
        (label, js.len(), r)
    };
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        parts.into_par_iter().map(run).collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        parts.into_iter().map(run).collect()
    }
}

crate::row_struct! {
    optional(lower, upper, std_error);
    /// A row of [`SegmentGraph::table`]: one graph figure of one segment.
    #[derive(Clone, PartialEq)]
    pub struct SegmentGraphRow {
        /// The segment.
        pub segment: String,
        /// The metric (see [`GraphIntervalRow::metric`]).
        pub metric: String,
        /// The touchpoint or state.
        pub item: String,
        /// The figure.
        pub estimate: f64,
        /// Lower bound (with a bootstrap).
        pub lower: Option<f64>,
        /// Upper bound.
        pub upper: Option<f64>,
        /// Standard error.
        pub std_error: Option<f64>,
    }
}

/// One segment's graph figures.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SegmentGraphPart {
    /// The segment.
    pub segment: String,
    /// Its figures (with intervals when bootstrapped).
    pub rows: Vec<GraphIntervalRow>,
    /// Resampled figures `[resample][row]`, kept for comparisons (NaN where a resample had
    /// no figure).
    #[cfg_attr(feature = "serde", serde(with = "crate::saved::json::nonfinite"))]
    pub draws: Option<Vec<Vec<f64>>>,
}

/// Graph metrics per segment ([`graph_by_segment`]).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SegmentGraph {
    /// Per segment: its figures with intervals.
    pub segments: Vec<SegmentGraphPart>,
    /// Segments that could not be analysed, with the reason.
    pub skipped: Vec<(String, String)>,
    /// The bootstrap, when intervals were asked for.
    pub bootstrap: Option<BootstrapOptions>,
}

impl SegmentGraph {
    /// One table: a row per segment, metric and item.
    pub fn table(&self) -> Vec<SegmentGraphRow> {
        self.segments
            .iter()
            .flat_map(|p| {
                p.rows.iter().map(move |r| SegmentGraphRow {
                    segment: p.segment.clone(),
                    metric: r.metric.clone(),
                    item: r.item.clone(),
                    estimate: r.estimate,
                    lower: r.lower,
                    upper: r.upper,
                    std_error: r.std_error,
                })
            })
            .collect()
    }

    /// Segments `a` and `b` side by side on P(conversion) and the removal effects (the figures
    /// every segment's graph has), with bootstrap intervals and p-values when resampled.
    pub fn compare(&self, a: &str, b: &str) -> Result<Vec<SegmentDiffRow>> {
        let labels = || self.segments.iter().map(|s| s.segment.clone()).collect::<Vec<_>>();
        let find = |l: &str| self.segments.iter().find(|s| s.segment == l).ok_or_else(|| unknown_segment(l, labels()));
        let (sa, sb) = (find(a)?, find(b)?);
        let level = self.bootstrap.map_or(0.95, |o| o.level);
        let mut out = Vec::new();
        for metric in ["conversion_probability", "removal_effect"] {
            let idx: Vec<usize> = (0..sa.rows.len()).filter(|&i| sa.rows[i].metric == metric).collect();
            // the same catalog in both segments: the same rows at the same positions
            let items: Vec<String> = idx.iter().map(|&i| sa.rows[i].item.clone()).collect();
            let ea: Vec<f64> = idx.iter().map(|&i| sa.rows[i].estimate).collect();
            let eb: Vec<f64> = idx.iter().map(|&i| sb.rows.get(i).map_or(f64::NAN, |r| r.estimate)).collect();
            let pick = |d: &Option<Vec<Vec<f64>>>| {
                d.as_ref().map(|d| {
                    idx.iter()
                        .map(|&i| d.iter().map(|v| v.get(i).copied().unwrap_or(f64::NAN)).collect())
                        .collect::<Vec<Vec<f64>>>()
                })
            };
            let (xa, xb) = (pick(&sa.draws), pick(&sb.draws));
            out.extend(diff_rows("graph", metric, &items, a, b, &ea, &eb, xa.as_ref(), xb.as_ref(), level));
        }
        Ok(out)
    }
}

/// The order-`order` graph metrics of each segment (with bootstrap intervals when `boot` is
/// given): P(conversion), removal effects, per state P(conversion) and drop-off.
///
/// # Errors
/// Segments of another table; an invalid order or bootstrap. Segments that cannot be solved go
/// to `skipped`.
///
/// # Complexity
/// One split pass, then one graph (and B resamples) per segment.
pub fn graph_by_segment(
    journeys: &Journeys,
    segments: &Segments,
    order: usize,
    max_touches: Option<usize>,
    boot: Option<&BootstrapOptions>,
) -> Result<SegmentGraph> {
    let mut out = SegmentGraph { segments: Vec::new(), skipped: Vec::new(), bootstrap: boot.copied() };
    let results = each_segment(split_journeys(journeys, segments)?, |js| {
        let data = Data::Journeys(js);
        match boot {
            Some(b) => crate::graph::intervals::graph_intervals_with_draws(data, order, max_touches, b)
                .map(|(g, d)| (g.rows, Some(d))),
            None => crate::graph::intervals::graph_point(data, order, max_touches).map(|r| (r, None)),
        }
    });
    for (label, _, res) in results {
        match res {
            Ok((rows, draws)) => out.segments.push(SegmentGraphPart { segment: label, rows, draws }),
            Err(e @ (Error::EmptyInput { .. } | Error::NoConvergence { .. })) => {
                out.skipped.push((label, e.to_string()))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

crate::row_struct! {
    /// A row of [`top_paths_by_segment`].
    #[derive(Clone, PartialEq)]
    pub struct SegmentTopPathRow {
        /// The segment.
        pub segment: String,
        /// Rank within the segment (1 = first).
        pub rank: usize,
        /// The path, touchpoints joined by `" > "`.
        pub path: String,
        /// Weighted journeys.
        pub journeys: f64,
        /// Conversions.
        pub conversions: f64,
        /// Conversions / journeys.
        pub conversion_rate: f64,
        /// Conversion value.
        pub value: f64,
        /// True for the row that sums every path outside the top `k`.
        pub remainder: bool,
    }
}

/// The `k` top paths of each segment, ranked `by`.
pub fn top_paths_by_segment(
    journeys: &Journeys,
    segments: &Segments,
    k: usize,
    by: PathRank,
) -> Result<Vec<SegmentTopPathRow>> {
    let mut out = Vec::new();
    for (label, js) in split_journeys(journeys, segments)? {
        let paths = PathTable::from_journeys(&js);
        out.extend(paths.top_paths(k, by).into_iter().enumerate().map(|(i, t)| SegmentTopPathRow {
            segment: label.clone(),
            rank: i + 1,
            path: t.path,
            journeys: t.journeys,
            conversions: t.conversions,
            conversion_rate: t.conversion_rate,
            value: t.value,
            remainder: t.remainder,
        }));
    }
    Ok(out)
}

#[cfg(test)]
#[path = "segmented_tests.rs"]
mod tests;
