//! Funnels, the step matrix, retention and repurchase (the core's `journeymap`), and the
//! segments they can be split by. Options arrive as names (`Wrap<T>`), results leave as Arrow
//! tables of the core's rows.

use pyo3::prelude::*;
use touchpoint_core::journeymap::{
    self, Activity, Alignment, Exclusion, Funnel, FunnelMode, FunnelOptions, FunnelUnit, Period, Repurchase, Retention,
    RetentionMode, RetentionOptions, Step, StepMatrix, StepMatrixOptions,
};
use touchpoint_core::segment::{SegmentAttribute, Segments};
use touchpoint_core::{Error, EventTable};

use crate::compute;
use crate::conversion::{Wrap, to_py_object};
use crate::errors::IntoPy;
use crate::events::PyEvents;
use crate::input;
use crate::journeys::PyJourneys;
use crate::table::{ArrowTable, rows_table};

/// A step: text (`"email"`, `"stage:purchase"`, `"a | b"`, `"conversion"`) or a list of
/// touchpoint names (any of them).
#[derive(FromPyObject)]
pub enum StepArg {
    Text(String),
    Set(Vec<String>),
}

impl StepArg {
    fn step(self) -> PyResult<Step> {
        match self {
            StepArg::Text(s) => s.parse().py(),
            StepArg::Set(v) => Ok(Step::AnyOf(v)),
        }
    }
}

/// A period: `"day"`, `"week"`, `"month"`, a duration text (`"12h"`) or milliseconds.
#[derive(FromPyObject)]
pub enum PeriodArg {
    Text(String),
    Millis(i64),
}

impl PeriodArg {
    fn period(self) -> PyResult<Period> {
        match self {
            PeriodArg::Text(s) => s.parse().py(),
            PeriodArg::Millis(ms) => Period::every(ms).py(),
        }
    }
}

/// An activity: `"any"`, `"conversion"`, a step text, or a list of touchpoint names.
fn activity(a: Option<StepArg>) -> PyResult<Activity> {
    match a {
        None => Ok(Activity::Any),
        Some(StepArg::Text(s)) => s.parse().py(),
        Some(set) => set.step().map(Activity::Step),
    }
}

/// Events, or journeys (funnels and step matrices count journeys then).
#[derive(FromPyObject)]
pub enum Units<'py> {
    Events(Bound<'py, PyEvents>),
    Journeys(Bound<'py, PyJourneys>),
}

impl Units<'_> {
    /// Run the analysis for events or for journeys (without the GIL).
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        n_threads: Option<usize>,
        on_events: impl FnOnce(&EventTable) -> touchpoint_core::Result<T> + Send,
        on_journeys: impl FnOnce(&touchpoint_core::Journeys) -> touchpoint_core::Result<T> + Send,
    ) -> PyResult<T> {
        match self {
            Units::Events(e) => {
                let ev = &e.get().inner;
                compute(py, n_threads, || on_events(ev))
            }
            Units::Journeys(j) => {
                let js = &j.get().inner;
                compute(py, n_threads, || on_journeys(js))
            }
        }
    }
}

/// A segment label per customer, for splitting an analysis.
#[pyclass(name = "PySegments", module = "touchpoint._touchpoint", frozen)]
pub struct PySegments {
    pub inner: Segments,
}

#[pymethods]
impl PySegments {
    /// From a column of the table the events were read from (each customer gets the value on
    /// their first event).
    #[staticmethod]
    fn from_arrow(
        py: Python<'_>,
        events: &Bound<'_, PyEvents>,
        table: &Bound<'_, PyAny>,
        column: &str,
    ) -> PyResult<Self> {
        let (names, batches) = input::read_table(table, &[column])?;
        let values = input::segment_values_from_batches(&batches, &names, column)?;
        let ev = &events.get().inner;
        let inner = py
            .detach(|| {
                let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
                Segments::from_event_values(ev, &refs)
            })
            .py()?;
        Ok(Self { inner })
    }

    /// From one value per event row (None = missing).
    #[staticmethod]
    fn from_values(events: &Bound<'_, PyEvents>, values: Vec<Option<String>>) -> PyResult<Self> {
        let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
        Ok(Self { inner: Segments::from_event_values(&events.get().inner, &refs).py()? })
    }

    /// From a mapping customer key → label (customers not in it are missing).
    #[staticmethod]
    fn from_customer_map(
        events: &Bound<'_, PyEvents>,
        labels: std::collections::HashMap<String, String>,
    ) -> PyResult<Self> {
        let ev = &events.get().inner;
        let per_customer: Vec<Option<&str>> =
            ev.customer_names().iter().map(|name| labels.get(name).map(String::as_str)).collect();
        Ok(Self { inner: Segments::from_customer_labels(ev, &per_customer).py()? })
    }

    /// By an attribute of each customer's first touch: first_touchpoint, first_channel,
    /// first_stage.
    #[staticmethod]
    fn by_first_touch(events: &Bound<'_, PyEvents>, attribute: Wrap<SegmentAttribute>) -> PyResult<Self> {
        Ok(Self { inner: Segments::by_first_touch(&events.get().inner, attribute.0).py()? })
    }

    /// The segment labels.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.labels().to_vec()
    }

    /// Customers without a value (in the `(missing)` segment).
    #[getter]
    fn customers_missing(&self) -> usize {
        self.inner.customers_missing
    }

    /// Customers whose value changed between events (their first value is used).
    #[getter]
    fn customers_with_changing_values(&self) -> usize {
        self.inner.customers_with_changing_values
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

fn events_only<'a>(units: &'a Units<'_>, what: &str) -> PyResult<&'a EventTable> {
    match units {
        Units::Events(e) => Ok(&e.get().inner),
        Units::Journeys(_) => Err(Error::InvalidOption {
            option: "data",
            value: "Journeys".into(),
            reason: format!("{what} needs the events; pass the events table (or tp.Events)"),
        })
        .py(),
    }
}

/// A funnel (core `Funnel`).
#[pyclass(name = "PyFunnel", module = "touchpoint._touchpoint", frozen)]
pub struct PyFunnel {
    inner: Funnel,
}

crate::json::json_class!(PyFunnel => Funnel, inner);

#[pymethods]
impl PyFunnel {
    /// One `FunnelRow` per step (per segment).
    fn rows(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.rows)
    }

    /// One `FunnelSummary` per segment.
    fn summary(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.summary)
    }

    /// Segments `a` and `b` side by side (`FunnelDiffRow`s).
    fn compare(&self, a: &str, b: &str) -> PyResult<ArrowTable> {
        rows_table(&self.inner.compare_segments(a, b).py()?)
    }

    /// The steps, as text.
    #[getter]
    fn steps(&self) -> Vec<String> {
        self.inner.steps.clone()
    }

    /// The mode.
    #[getter]
    fn mode(&self) -> Wrap<FunnelMode> {
        Wrap(self.inner.mode)
    }

    /// What was counted.
    #[getter]
    fn unit(&self) -> Wrap<FunnelUnit> {
        Wrap(self.inner.unit)
    }

    /// The window in milliseconds.
    #[getter]
    fn window_ms(&self) -> Option<i64> {
        self.inner.window_ms
    }

    /// Stage funnel: stages no touchpoint of the data has.
    #[getter]
    fn stages_without_touchpoints(&self) -> Vec<String> {
        self.inner.stages_without_touchpoints.iter().map(|s| s.to_string()).collect()
    }

    /// The whole result as plain Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py_object(py, &self.inner)
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    /// The JSON document (`kind`, `version`, the fields) that `from_json` reads back.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        crate::json::JsonClass::json(self, py)
    }

    /// The object of a `to_json` document (another kind's is a `ModelFileError` naming both).
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Self> {
        crate::json::JsonClass::of_json(py, json)
    }
}

/// Run a funnel.
#[pyfunction]
#[pyo3(signature = (data, steps, *, mode = Wrap(FunnelMode::Ordered), window_ms = None, exclusions = Vec::new(), unit = Wrap(FunnelUnit::Customer), segments = None, n_threads = None))]
#[allow(clippy::too_many_arguments)]
pub fn funnel(
    py: Python<'_>,
    data: Units<'_>,
    steps: Vec<StepArg>,
    mode: Wrap<FunnelMode>,
    window_ms: Option<i64>,
    exclusions: Vec<(StepArg, usize, usize)>,
    unit: Wrap<FunnelUnit>,
    segments: Option<&Bound<'_, PySegments>>,
    n_threads: Option<usize>,
) -> PyResult<PyFunnel> {
    let steps = steps.into_iter().map(StepArg::step).collect::<PyResult<Vec<_>>>()?;
    let exclusions = exclusions
        .into_iter()
        .map(|(s, after, before)| Ok(Exclusion { step: s.step()?, after, before }))
        .collect::<PyResult<Vec<_>>>()?;
    let opts = FunnelOptions { steps, mode: mode.0, window_ms, exclusions, unit: unit.0, ..Default::default() };
    let seg = segments.map(|s| &s.get().inner);
    let inner = data.run(
        py,
        n_threads,
        |ev| journeymap::funnel(ev, &opts, seg),
        |js| journeymap::funnel_journeys(js, &opts, seg),
    )?;
    Ok(PyFunnel { inner })
}

/// A step matrix (core `StepMatrix`).
#[pyclass(name = "PyStepMatrix", module = "touchpoint._touchpoint", frozen)]
pub struct PyStepMatrix {
    inner: StepMatrix,
}

crate::json::json_class!(PyStepMatrix => StepMatrix, inner);

#[pymethods]
impl PyStepMatrix {
    /// One `StepMatrixRow` per segment, step and state.
    fn rows(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.rows)
    }

    /// Segment `a`'s matrix minus segment `b`'s (`StepMatrixDiffRow`s).
    fn difference(&self, a: &str, b: &str) -> PyResult<ArrowTable> {
        rows_table(&self.inner.difference(a, b).py()?)
    }

    /// The steps (columns).
    #[getter]
    fn steps(&self) -> Vec<i64> {
        self.inner.steps.clone()
    }

    /// The states (rows), most frequent touchpoints first.
    #[getter]
    fn states(&self) -> Vec<String> {
        self.inner.states.clone()
    }

    /// Units per segment: `[(segment or None, units)]`.
    #[getter]
    fn units(&self) -> Vec<(Option<String>, usize)> {
        self.inner.units.clone()
    }

    /// Centred matrices: units without the centre (left out).
    #[getter]
    fn units_without_centre(&self) -> usize {
        self.inner.units_without_centre
    }

    /// The JSON document (`kind`, `version`, the fields) that `from_json` reads back.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        crate::json::JsonClass::json(self, py)
    }

    /// The object of a `to_json` document (another kind's is a `ModelFileError` naming both).
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Self> {
        crate::json::JsonClass::of_json(py, json)
    }
}

/// Compute a step matrix.
#[pyfunction]
#[pyo3(signature = (data, steps = 10, *, unit = Wrap(FunnelUnit::Journey), centre = None, segments = None, n_threads = None))]
pub fn step_matrix(
    py: Python<'_>,
    data: Units<'_>,
    steps: usize,
    unit: Wrap<FunnelUnit>,
    centre: Option<StepArg>,
    segments: Option<&Bound<'_, PySegments>>,
    n_threads: Option<usize>,
) -> PyResult<PyStepMatrix> {
    let centre = centre.map(StepArg::step).transpose()?;
    let opts = StepMatrixOptions { steps, unit: unit.0, centre, ..Default::default() };
    let seg = segments.map(|s| &s.get().inner);
    let inner = data.run(
        py,
        n_threads,
        |ev| journeymap::step_matrix(ev, &opts, seg),
        |js| journeymap::step_matrix_journeys(js, &opts, seg),
    )?;
    Ok(PyStepMatrix { inner })
}

/// Retention cohorts (core `Retention`).
#[pyclass(name = "PyRetention", module = "touchpoint._touchpoint", frozen)]
pub struct PyRetention {
    inner: Retention,
}

crate::json::json_class!(PyRetention => Retention, inner);

#[pymethods]
impl PyRetention {
    /// One `RetentionRow` per segment, cohort and period.
    fn rows(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.rows)
    }

    /// One `RetentionMeanRow` per segment and period.
    fn mean(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.mean)
    }

    /// Everything but the rows: start, return_event, period, alignment, returned,
    /// observation_end (ms), customers_without_start.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let r = &self.inner;
        let d = pyo3::types::PyDict::new(py);
        d.set_item("start", &r.start)?;
        d.set_item("return_event", &r.return_event)?;
        d.set_item("period", &r.period)?;
        d.set_item("alignment", Wrap(r.alignment))?;
        d.set_item("returned", Wrap(r.mode))?;
        d.set_item("observation_end_ms", r.observation_end.0)?;
        d.set_item("customers_without_start", r.customers_without_start)?;
        Ok(d.into_any())
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    /// The JSON document (`kind`, `version`, the fields) that `from_json` reads back.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        crate::json::JsonClass::json(self, py)
    }

    /// The object of a `to_json` document (another kind's is a `ModelFileError` naming both).
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Self> {
        crate::json::JsonClass::of_json(py, json)
    }
}

/// Repurchase cohorts and the time between purchases (core `Repurchase`).
#[pyclass(name = "PyRepurchase", module = "touchpoint._touchpoint", frozen)]
pub struct PyRepurchase {
    inner: Repurchase,
}

crate::json::json_class!(PyRepurchase => Repurchase, inner);

#[pymethods]
impl PyRepurchase {
    /// The retention of buyers.
    #[getter]
    fn retention(&self) -> PyRetention {
        PyRetention { inner: self.inner.retention.clone() }
    }

    /// buyers, repeat_buyers, repeat_rate, purchases, time_between_purchases (ms summary).
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let r = &self.inner;
        let d = pyo3::types::PyDict::new(py);
        d.set_item("buyers", r.buyers)?;
        d.set_item("repeat_buyers", r.repeat_buyers)?;
        d.set_item("repeat_rate", r.repeat_rate)?;
        d.set_item("purchases", r.purchases)?;
        d.set_item("time_between_purchases", to_py_object(py, &r.time_between_purchases)?)?;
        Ok(d.into_any())
    }

    /// The gaps between consecutive purchases in whole periods (`PurchaseGapRow`s).
    fn gaps(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.gaps)
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    /// The JSON document (`kind`, `version`, the fields) that `from_json` reads back.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        crate::json::JsonClass::json(self, py)
    }

    /// The object of a `to_json` document (another kind's is a `ModelFileError` naming both).
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Self> {
        crate::json::JsonClass::of_json(py, json)
    }
}

fn retention_options(
    start: Option<StepArg>,
    return_event: Option<StepArg>,
    period: PeriodArg,
    alignment: Wrap<Alignment>,
    returned: Wrap<RetentionMode>,
    periods: Option<usize>,
    observation_end_ms: Option<i64>,
) -> PyResult<RetentionOptions> {
    Ok(RetentionOptions {
        start: activity(start)?,
        return_event: activity(return_event)?,
        period: period.period()?,
        alignment: alignment.0,
        mode: returned.0,
        periods,
        observation_end_ms,
    })
}

/// Retention cohorts.
#[pyfunction]
#[pyo3(signature = (data, *, start = None, return_event = None, period = PeriodArg::Text("day".into()), alignment = Wrap(Alignment::Rolling), returned = Wrap(RetentionMode::On), periods = None, observation_end_ms = None, segments = None, n_threads = None))]
#[allow(clippy::too_many_arguments)]
pub fn retention(
    py: Python<'_>,
    data: Units<'_>,
    start: Option<StepArg>,
    return_event: Option<StepArg>,
    period: PeriodArg,
    alignment: Wrap<Alignment>,
    returned: Wrap<RetentionMode>,
    periods: Option<usize>,
    observation_end_ms: Option<i64>,
    segments: Option<&Bound<'_, PySegments>>,
    n_threads: Option<usize>,
) -> PyResult<PyRetention> {
    let ev = events_only(&data, "retention")?;
    let opts = retention_options(start, return_event, period, alignment, returned, periods, observation_end_ms)?;
    let seg = segments.map(|s| &s.get().inner);
    let inner = compute(py, n_threads, || journeymap::retention(ev, &opts, seg))?;
    Ok(PyRetention { inner })
}

/// Repurchase cohorts.
#[pyfunction]
#[pyo3(signature = (data, *, period = PeriodArg::Text("week".into()), alignment = Wrap(Alignment::Rolling), returned = Wrap(RetentionMode::On), periods = None, observation_end_ms = None, segments = None, n_threads = None))]
#[allow(clippy::too_many_arguments)]
pub fn repurchase(
    py: Python<'_>,
    data: Units<'_>,
    period: PeriodArg,
    alignment: Wrap<Alignment>,
    returned: Wrap<RetentionMode>,
    periods: Option<usize>,
    observation_end_ms: Option<i64>,
    segments: Option<&Bound<'_, PySegments>>,
    n_threads: Option<usize>,
) -> PyResult<PyRepurchase> {
    let ev = events_only(&data, "repurchase")?;
    let opts = retention_options(None, None, period, alignment, returned, periods, observation_end_ms)?;
    let seg = segments.map(|s| &s.get().inner);
    let inner = compute(py, n_threads, || journeymap::repurchase(ev, &opts, seg))?;
    Ok(PyRepurchase { inner })
}
