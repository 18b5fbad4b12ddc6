//! Bootstrap intervals of the graph's metrics: P(conversion), every touchpoint's removal
//! effect, and per state its P(conversion) and drop-off rate (see [`crate::bootstrap`]).

use super::trace::Trace;
use super::{JourneyGraph, NodeKind};
use crate::bootstrap::{BootstrapOptions, Interval, Units, each_batch};
use crate::data::Data;
use crate::error::Result;

crate::row_struct! {
    optional(lower, upper, std_error);
    /// One figure of the journey graph with its bootstrap interval (long form: one row per
    /// metric and item).
    #[derive(Clone, PartialEq)]
    pub struct GraphIntervalRow {
        /// `conversion_probability` (item `(start)`), `removal_effect` (item: a touchpoint),
        /// `state_conversion_probability` or `dropoff_rate` (item: a state label).
        pub metric: String,
        /// What the figure is about.
        pub item: String,
        /// The figure on the observed data.
        pub estimate: f64,
        /// Lower bound of the interval.
        pub lower: Option<f64>,
        /// Upper bound of the interval.
        pub upper: Option<f64>,
        /// Bootstrap standard error.
        pub std_error: Option<f64>,
        /// Resamples in which the figure was defined (a state absent from a resample has no
        /// P(conversion) there).
        pub resamples: usize,
    }
}

/// The graph's metrics with bootstrap intervals.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GraphIntervals {
    /// Rows: P(conversion), then removal effects (catalog order), then per state its
    /// P(conversion) and drop-off rate (node order).
    pub rows: Vec<GraphIntervalRow>,
    /// How the intervals were computed.
    pub notes: Vec<String>,
}

impl GraphIntervals {
    /// The row of a metric and item.
    pub fn get(&self, metric: &str, item: &str) -> Option<&GraphIntervalRow> {
        self.rows.iter().find(|r| r.metric == metric && r.item == item)
    }
}

/// Bootstrap the order-`order` graph of `data`.
///
/// # Arguments
/// `data`: journeys (resampled by customer) or a path table (resampled by row counts);
/// `max_touches`: keep only the most recent touches of each journey; `boot`: resamples, seed
/// and level.
///
/// # Returns
/// [`GraphIntervals`]: estimates from the observed graph, percentile intervals and standard
/// errors from the resampled ones. Dwell times are not resampled (no time interval).
///
/// # Errors
/// Empty data, an invalid order, invalid bootstrap options, a chain that cannot be solved.
///
/// # Complexity
/// O(touches) to trace the data once, then per resample O(touches) to reweight the edges plus
/// the chain solves; resamples run in parallel.
///
/// ```
/// use touchpoint_core::{Data, PathTable, bootstrap::BootstrapOptions, graph::intervals::graph_intervals};
/// let mut p = PathTable::default();
/// p.add_path_str("search > email", ">", 40.0, 60.0, 0.0)?;
/// p.add_path_str("email", ">", 10.0, 90.0, 0.0)?;
/// let g = graph_intervals(Data::Paths(&p), 1, None, &BootstrapOptions::default())?;
/// let p_conv = g.get("conversion_probability", "(start)").unwrap();
/// assert_eq!(p_conv.estimate, 0.25);
/// assert!(p_conv.lower.unwrap() < 0.25 && 0.25 < p_conv.upper.unwrap());
/// # Ok::<(), touchpoint_core::Error>(())
/// ```
pub fn graph_intervals(
    data: Data<'_>,
    order: usize,
    max_touches: Option<usize>,
    boot: &BootstrapOptions,
) -> Result<GraphIntervals> {
    Ok(graph_intervals_with_draws(data, order, max_touches, boot)?.0)
}

/// [`graph_intervals`], also returning the resampled figures (`[resample][row]`, NaN where a
/// figure is undefined in a resample).
pub fn graph_intervals_with_draws(
    data: Data<'_>,
    order: usize,
    max_touches: Option<usize>,
    boot: &BootstrapOptions,
) -> Result<(GraphIntervals, Vec<Vec<f64>>)> {
    boot.validate()?;
    let observed = JourneyGraph::from_data(data, order, max_touches)?;
    let units = Units::new(data, boot.seed);
    let trace = Trace::new(data, order, max_touches)?;
    let labels = labels_of(&observed);
    debug_assert_eq!(labels, labels_of(&trace.graph), "the traced graph numbers its states like the observed one");
    let estimate = figures_of(&observed)?;
    let per_b = each_batch(boot.resamples, |ks| {
        trace.resample_batch(&units, ks).into_iter().map(|g| g.and_then(|g| figures_of(&g).ok())).collect()
    })?;
    let used = per_b.iter().filter(|x| x.is_some()).count();
    let draws: Vec<Vec<f64>> = per_b.into_iter().map(|x| x.unwrap_or_else(|| vec![f64::NAN; labels.len()])).collect();
    let rows = labels
        .into_iter()
        .enumerate()
        .map(|(i, (metric, item))| {
            let col: Vec<f64> = draws.iter().map(|v| v[i]).collect();
            let iv = Interval::of(&col, boot.level);
            GraphIntervalRow {
                metric: metric.to_owned(),
                item,
                estimate: estimate[i],
                lower: iv.map(|x| x.lower),
                upper: iv.map(|x| x.upper),
                std_error: iv.map(|x| x.std_error),
                resamples: iv.map_or(0, |x| x.resamples),
            }
        })
        .collect();
    let notes = vec![
        boot.describe(used),
        "dwell times are not resampled: expected times to convert have no interval".to_owned(),
    ];
    Ok((GraphIntervals { rows, notes }, draws))
}

/// The figures of [`graph_intervals`] without intervals.
pub fn graph_point(data: Data<'_>, order: usize, max_touches: Option<usize>) -> Result<Vec<GraphIntervalRow>> {
    let g = JourneyGraph::from_data(data, order, max_touches)?;
    let est = figures_of(&g)?;
    Ok(labels_of(&g)
        .into_iter()
        .zip(est)
        .map(|((metric, item), estimate)| GraphIntervalRow {
            metric: metric.to_owned(),
            item,
            estimate,
            lower: None,
            upper: None,
            std_error: None,
            resamples: 0,
        })
        .collect())
}

fn labels_of(g: &JourneyGraph) -> Vec<(&'static str, String)> {
    let mut v = vec![("conversion_probability", "(start)".to_owned())];
    v.extend(g.catalog.iter().map(|(_, name, _)| ("removal_effect", name.to_owned())));
    for n in g.graph.node_indices() {
        if let NodeKind::State(_) = g.graph[n].kind {
            v.push(("state_conversion_probability", g.graph[n].label.clone()));
            v.push(("dropoff_rate", g.graph[n].label.clone()));
        }
    }
    v
}

/// The figures in [`labels_of`] order; NaN for a state no journey of this graph visits.
fn figures_of(g: &JourneyGraph) -> Result<Vec<f64>> {
    let c = super::absorbing::Chain::new(g);
    let b = c.solve_backward(&c.r_conv, None)?;
    let ev = if g.value != 0.0 { Some(c.solve_backward(&c.r_value, None)?) } else { None };
    let re = g.removal_effects_with(&c, &b, ev.as_deref(), None)?;
    let visits = g.observed_visits();
    let mut v = vec![b[0]];
    v.extend(re.iter().map(|r| r.conversions));
    for (t, &n) in c.nodes.iter().enumerate() {
        if let NodeKind::State(_) = g.graph[n].kind {
            let seen = visits[n.index()] > 0.0;
            v.push(if seen { b[t] } else { f64::NAN });
            v.push(if seen { c.p_null[t] } else { f64::NAN });
        }
    }
    Ok(v)
}
