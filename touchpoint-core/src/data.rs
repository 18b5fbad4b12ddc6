//! One view over the two inputs of the analyses: journeys (with times) and path tables.
//!
//! Every model and the journey graph read [`Data`] row by row. A row is a journey (weight 1
//! unless set) or a distinct path (with its conversions and nulls). Truncation to the most
//! recent `max_touches` touches happens here, without copying.

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

    /// Iterate the rows, keeping at most the `max_touches` most recent touches of each.
    pub fn rows(&self, max_touches: Option<usize>) -> Box<dyn Iterator<Item = Row<'a>> + 'a> {
        let cut = move |tps: &'a [TouchpointId]| {
            let drop = max_touches.map_or(0, |m| tps.len().saturating_sub(m));
            (drop, &tps[drop..])
        };
        match *self {
            Data::Journeys(js) => Box::new(js.iter().enumerate().map(move |(index, j)| {
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
            })),
            Data::Paths(p) => Box::new(p.iter().enumerate().map(move |(index, r)| {
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
            })),
        }
    }

    /// (journeys, conversions, value) totals.
    pub fn totals(&self) -> (f64, f64, f64) {
        match self {
            Data::Journeys(j) => (j.len() as f64, j.total_conversions(), j.total_value()),
            Data::Paths(p) => (p.total_conversions() + p.total_nulls(), p.total_conversions(), p.total_value()),
        }
    }
}
