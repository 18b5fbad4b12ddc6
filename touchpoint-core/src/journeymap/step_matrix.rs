//! The step matrix: where units are at step 1, 2, …, K of their sequence.
//!
//! Column `k` gives the share of units whose `k`-th item is each touchpoint, the conversion
//! ([`CONVERSION_STATE`]) or nothing because the sequence already ended ([`ENDED_STATE`]), so
//! each column sums to 1. Centred on a touchpoint, steps run from `-K` to `K` around each unit's
//! first occurrence of it (step 0); units without it are left out and counted, and
//! [`BEFORE_STATE`] fills the steps before a sequence began. Per segment, one matrix per segment;
//! [`StepMatrix::difference`] subtracts two of them.
//!
//! ```
//! use touchpoint_core::EventTable;
//! use touchpoint_core::journeymap::{step_matrix, FunnelUnit, StepMatrixOptions, ENDED_STATE};
//!
//! let mut b = EventTable::builder();
//! b.touch("a", "ad", 0)?;
//! b.touch("a", "site", 1)?;
//! b.touch("b", "ad", 0)?;
//! let events = b.finish()?;
//! let m = step_matrix(&events, &StepMatrixOptions { steps: 2, unit: FunnelUnit::Customer, ..Default::default() }, None)?;
//! assert_eq!(m.share(None, 1, "ad"), 1.0);
//! assert_eq!(m.share(None, 2, "site"), 0.5);
//! assert_eq!(m.share(None, 2, ENDED_STATE), 0.5);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use hashbrown::HashMap;

use crate::error::{Error, Result};
use crate::events::EventTable;
use crate::journey::{JourneyOptions, Journeys};
use crate::journeymap::funnel::{FunnelUnit, Step};
use crate::journeymap::sequence::{CONVERSION, Item, Source};

/// The state of a conversion item.
pub const CONVERSION_STATE: &str = "(conversion)";
/// The state of the steps after a unit's sequence ended.
pub const ENDED_STATE: &str = "(ended)";
/// The state of the steps before a unit's sequence began (centred matrices).
pub const BEFORE_STATE: &str = "(before start)";

/// Step-matrix options.
#[derive(Debug, Clone, PartialEq)]
pub struct StepMatrixOptions {
    /// Number of steps `K` (default 10).
    pub steps: usize,
    /// Journeys (default) or customers.
    pub unit: FunnelUnit,
    /// Centre on the first occurrence of this step (steps `-K..=K`).
    pub centre: Option<Step>,
    /// How journeys are built when `unit` is journeys.
    pub journeys: JourneyOptions,
}

impl Default for StepMatrixOptions {
    fn default() -> Self {
        Self { steps: 10, unit: FunnelUnit::Journey, centre: None, journeys: JourneyOptions::default() }
    }
}

crate::row_struct! {
    optional(segment);
    /// One cell of a step matrix.
    #[derive(Clone, PartialEq)]
    pub struct StepMatrixRow {
        /// The segment, when the matrix is per segment.
        pub segment: Option<String>,
        /// The step (1..K; centred: -K..K, 0 = the centre).
        pub step: i64,
        /// A touchpoint, `(conversion)`, `(ended)` or `(before start)`.
        pub state: String,
        /// Units in this state at this step.
        pub units: usize,
        /// `units` ÷ units of the matrix (each step sums to 1).
        pub share: f64,
    }
}

crate::row_struct! {
    /// One cell of the difference of two segments' step matrices.
    #[derive(Clone, PartialEq)]
    pub struct StepMatrixDiffRow {
        /// The step.
        pub step: i64,
        /// The state.
        pub state: String,
        /// Share in the first segment.
        pub share_a: f64,
        /// Share in the second segment.
        pub share_b: f64,
        /// `share_a - share_b` (each step sums to 0).
        pub difference: f64,
    }
}

/// A step matrix (dense: every state at every step, zeros included).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StepMatrix {
    /// The steps (columns).
    pub steps: Vec<i64>,
    /// The states (rows): touchpoints by how often they occur, then the special states.
    pub states: Vec<String>,
    /// Units per segment (one entry without segments), after leaving out units without the
    /// centre.
    pub units: Vec<(Option<String>, usize)>,
    /// Centred matrices: units without the centre touchpoint (left out), over all segments.
    pub units_without_centre: usize,
    /// The cells: per segment, per step, per state.
    pub rows: Vec<StepMatrixRow>,
}

#[derive(Clone)]
struct Counts {
    units: usize,
    without_centre: usize,
    /// `cells[step_index * n_states + state]`.
    cells: Vec<usize>,
}

impl Counts {
    fn merge(mut self, o: Counts) -> Counts {
        self.units += o.units;
        self.without_centre += o.without_centre;
        for (a, b) in self.cells.iter_mut().zip(o.cells) {
            *a += b;
        }
        self
    }
}

/// State codes: touchpoint ids `0..n`, then conversion `n`, ended `n + 1`, before `n + 2`.
struct Layout {
    n: usize,
    k: usize,
    centre: Option<Vec<bool>>,
}

impl Layout {
    fn n_states(&self) -> usize {
        self.n + 3
    }

    fn n_steps(&self) -> usize {
        if self.centre.is_some() { 2 * self.k + 1 } else { self.k }
    }

    fn code(&self, it: &Item) -> usize {
        if it.code == CONVERSION { self.n } else { it.code as usize }
    }

    fn add(&self, items: &[Item], c: &mut Counts) {
        let ns = self.n_states();
        let origin: isize = match &self.centre {
            None => 0,
            Some(is_centre) => match items.iter().position(|it| it.code != CONVERSION && is_centre[it.code as usize]) {
                Some(p) => p as isize - self.k as isize,
                None => {
                    c.without_centre += 1;
                    return;
                }
            },
        };
        c.units += 1;
        for s in 0..self.n_steps() {
            let p = origin + s as isize;
            let state = if p < 0 {
                self.n + 2
            } else if p as usize >= items.len() {
                self.n + 1
            } else {
                self.code(&items[p as usize])
            };
            c.cells[s * ns + state] += 1;
        }
    }
}

/// The step matrix of an event table (journeys built with `opts.journeys`, or customers), per
/// segment when `segments` is given.
pub fn step_matrix(
    events: &EventTable,
    opts: &StepMatrixOptions,
    segments: Option<&crate::segment::Segments>,
) -> Result<StepMatrix> {
    if opts.unit == FunnelUnit::Journey {
        let (journeys, _) = Journeys::build(events, &opts.journeys)?;
        return step_matrix_journeys(&journeys, opts, segments);
    }
    step_matrix_of(Source::Events(events), opts, segments)
}

/// The step matrix of journeys.
pub fn step_matrix_journeys(
    journeys: &Journeys,
    opts: &StepMatrixOptions,
    segments: Option<&crate::segment::Segments>,
) -> Result<StepMatrix> {
    step_matrix_of(Source::Journeys(journeys), opts, segments)
}

fn step_matrix_of(
    source: Source<'_>,
    opts: &StepMatrixOptions,
    segments: Option<&crate::segment::Segments>,
) -> Result<StepMatrix> {
    let layout = layout(source.catalog(), opts)?;
    let n_seg = segments.map_or(1, |s| s.len().max(1));
    let blank = Counts { units: 0, without_centre: 0, cells: vec![0; layout.n_states() * layout.n_steps()] };
    let counts = source.fold(
        None,
        || vec![blank.clone(); n_seg],
        |t, c, items| {
            let seg = segments.map_or(0, |sg| sg.of_customer(c) as usize);
            layout.add(items, &mut t[seg]);
        },
        |a, b| a.into_iter().zip(b).map(|(x, y)| x.merge(y)).collect(),
    );
    Ok(finish(source.catalog().names(), &layout, segments, counts))
}

fn layout(cat: &crate::catalog::Catalog, opts: &StepMatrixOptions) -> Result<Layout> {
    if opts.steps == 0 || opts.steps > 1000 {
        return Err(Error::option("steps", opts.steps, "the number of steps must be between 1 and 1000"));
    }
    let centre = match &opts.centre {
        None => None,
        Some(Step::Conversion) => {
            return Err(Error::option(
                "centre",
                "conversion",
                "centre on a touchpoint, a set of touchpoints or a stage",
            ));
        }
        Some(step) => {
            let mut is = vec![false; cat.len()];
            for c in step.codes_in(cat)? {
                is[c as usize] = true;
            }
            Some(is)
        }
    };
    Ok(Layout { n: cat.len(), k: opts.steps, centre })
}

fn finish(
    names: &[String],
    layout: &Layout,
    segments: Option<&crate::segment::Segments>,
    counts: Vec<Counts>,
) -> StepMatrix {
    let ns = layout.n_states();
    let steps: Vec<i64> = (0..layout.n_steps() as i64)
        .map(|s| if layout.centre.is_some() { s - layout.k as i64 } else { s + 1 })
        .collect();
    // states: touchpoints (and the conversion) by total count, then ended, before
    let mut total = vec![0usize; ns];
    for c in &counts {
        for (i, &v) in c.cells.iter().enumerate() {
            total[i % ns] += v;
        }
    }
    let mut order: Vec<usize> = (0..=layout.n).filter(|&s| total[s] > 0).collect();
    order.sort_by(|&a, &b| total[b].cmp(&total[a]).then(a.cmp(&b)));
    for special in [layout.n + 1, layout.n + 2] {
        if total[special] > 0 {
            order.push(special);
        }
    }
    let label = |s: usize| -> String {
        if s < layout.n {
            names[s].clone()
        } else if s == layout.n {
            CONVERSION_STATE.to_owned()
        } else if s == layout.n + 1 {
            ENDED_STATE.to_owned()
        } else {
            BEFORE_STATE.to_owned()
        }
    };
    let states: Vec<String> = order.iter().map(|&s| label(s)).collect();
    let mut rows = Vec::new();
    let mut units = Vec::new();
    let mut without = 0;
    for (g, c) in counts.iter().enumerate() {
        without += c.without_centre;
        let segment = segments.and_then(|s| s.labels().get(g).cloned());
        if segments.is_some() && c.units == 0 {
            continue;
        }
        units.push((segment.clone(), c.units));
        for (si, &step) in steps.iter().enumerate() {
            for (&s, name) in order.iter().zip(&states) {
                let n = c.cells[si * ns + s];
                rows.push(StepMatrixRow {
                    segment: segment.clone(),
                    step,
                    state: name.clone(),
                    units: n,
                    share: if c.units > 0 { n as f64 / c.units as f64 } else { 0.0 },
                });
            }
        }
    }
    StepMatrix { steps, states, units, units_without_centre: without, rows }
}

impl StepMatrix {
    /// The share of units of `segment` (None without segments) in `state` at `step` (0 when
    /// the state does not occur).
    pub fn share(&self, segment: Option<&str>, step: i64, state: &str) -> f64 {
        self.rows
            .iter()
            .find(|r| r.segment.as_deref() == segment && r.step == step && r.state == state)
            .map_or(0.0, |r| r.share)
    }

    /// Segment `a`'s matrix minus segment `b`'s, cell by cell.
    pub fn difference(&self, a: &str, b: &str) -> Result<Vec<StepMatrixDiffRow>> {
        let known: Vec<&str> = self.units.iter().filter_map(|(s, _)| s.as_deref()).collect();
        for s in [a, b] {
            if !known.contains(&s) {
                return Err(Error::option(
                    "compare",
                    s,
                    if known.is_empty() {
                        "the step matrix has no segments; pass a segment".to_owned()
                    } else {
                        format!("not a segment of this matrix; segments: {}", known.join(", "))
                    },
                ));
            }
        }
        let mut cell: HashMap<(&str, i64, &str), f64> = HashMap::new();
        for r in &self.rows {
            if let Some(seg) = r.segment.as_deref() {
                cell.insert((seg, r.step, r.state.as_str()), r.share);
            }
        }
        let mut out = Vec::new();
        for &step in &self.steps {
            for state in &self.states {
                let sa = cell.get(&(a, step, state.as_str())).copied().unwrap_or(0.0);
                let sb = cell.get(&(b, step, state.as_str())).copied().unwrap_or(0.0);
                out.push(StepMatrixDiffRow {
                    step,
                    state: state.clone(),
                    share_a: sa,
                    share_b: sb,
                    difference: sa - sb,
                });
            }
        }
        Ok(out)
    }
}
