//! One view over the two inputs of the analyses: journeys (with times) and path tables.
//!
//! Every model and the journey graph read [`Data`] row by row. A row is a journey (weight 1
//! unless set) or a distinct path (with its conversions and nulls). Truncation to the most
//! recent `max_touches` touches happens here, without copying.

use std::ops::Range;
use std::sync::Arc;

use crate::catalog::{Catalog, TouchpointId};
use crate::journey::Journeys;
use crate::paths::PathTable;
use crate::totals::{self, Tally, Totals, TotalsSource};

/// Input of the analyses: journeys or a path table.
#[derive(Debug, Clone, Copy)]
pub enum Data<'a> {
    /// Journeys built from events (times known).
    Journeys(&'a Journeys),
    /// An aggregated path table (no times).
    Paths(&'a PathTable),
}

impl<'a> From<&'a Journeys> for Data<'a> {
    fn from(j: &'a Journeys) -> Self {
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
        let with_times = |t: Tally<'a>, times, end_time| Row {
            index: t.index,
            touchpoints: t.touchpoints,
            times,
            end_time,
            conversions: t.conversions,
            nulls: t.nulls,
            value: t.value,
            truncated: t.truncated,
        };
        match *self {
            Data::Journeys(js) => {
                let j = js.journey(index);
                let t = j.tally(index, max_touches);
                with_times(t, Some(&j.times[t.truncated..]), Some(j.end_time))
            }
            Data::Paths(p) => with_times(p.tally(index, max_touches), None, None),
        }
    }

    /// Weighted journeys, conversions, value and touches per touchpoint after truncation to
    /// `max_touches`. Without truncation the result is computed once per data set and kept.
    pub(crate) fn pass_totals(&self, max_touches: Option<usize>) -> Arc<Totals> {
        match *self {
            Data::Journeys(j) => totals::pass_totals(j, max_touches),
            Data::Paths(p) => totals::pass_totals(p, max_touches),
        }
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
        totals::map_ranges(self.len(), chunk_rows, f)
    }

    /// (journeys, conversions, value) totals.
    pub fn totals(&self) -> (f64, f64, f64) {
        match self {
            Data::Journeys(j) => (j.len() as f64, j.total_conversions(), j.total_value()),
            Data::Paths(p) => (p.total_conversions() + p.total_nulls(), p.total_conversions(), p.total_value()),
        }
    }
}
