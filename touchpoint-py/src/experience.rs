//! Experience (the core's `experience`): survey responses, the experience table, experience →
//! conversion, key drivers and consistency. Options arrive as one JSON object read by the
//! core's `ExperienceSpec::from_json` (so every option name, value and message is the core's);
//! results leave as Arrow tables of the core's rows.

use std::collections::HashMap;

use pyo3::prelude::*;
use touchpoint_core::experience::{
    self as exp, Consistency, Dimension, DriverOutcome, Experience, ExperienceConversion, ExperienceReference,
    ExperienceSpec, KeyDrivers, MissingScores, SurveyTable,
};
use touchpoint_core::{CustomerKey, Error, Named, TimeUnit};

use crate::compute;
use crate::conversion::{Wrap, to_py_object};
use crate::errors::IntoPy;
use crate::events::PyEvents;
use crate::input;
use crate::journeymap::PySegments;
use crate::table::{ArrowTable, rows_table};

/// Survey responses: customer, time, score and (optionally) the touchpoint asked about.
#[pyclass(name = "PySurveys", module = "touchpoint._touchpoint", frozen)]
pub struct PySurveys {
    inner: SurveyTable,
}

crate::json::json_class!(PySurveys => SurveyTable, inner);

#[pymethods]
impl PySurveys {
    /// Responses from any table with the Arrow PyCapsule interface. A null customer, time or
    /// score is an error naming the column and the row; a null touchpoint means "the most
    /// recent touch".
    #[staticmethod]
    #[pyo3(signature = (table, *, customer, time, score, touchpoint = None, time_unit = Wrap(TimeUnit::Milliseconds)))]
    fn from_arrow(
        py: Python<'_>,
        table: &Bound<'_, PyAny>,
        customer: String,
        time: String,
        score: String,
        touchpoint: Option<String>,
        time_unit: Wrap<TimeUnit>,
    ) -> PyResult<Self> {
        let used: Vec<&str> = [Some(&customer), Some(&time), Some(&score), touchpoint.as_ref()]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let (names, batches) = input::read_table(table, &used)?;
        let spec = input::SurveySpec { customer, time, score, touchpoint, time_unit: time_unit.0 };
        let inner = py.detach(|| input::surveys_from_batches(&batches, &names, &spec))?;
        Ok(Self { inner })
    }

    /// Responses from plain Python lists (for callers without pyarrow): times in epoch
    /// milliseconds; a None score is an error naming the row.
    #[staticmethod]
    #[pyo3(signature = (customers, times_ms, scores, touchpoints = None))]
    fn from_lists(
        customers: Vec<String>,
        times_ms: Vec<i64>,
        scores: Vec<Option<f64>>,
        touchpoints: Option<Vec<Option<String>>>,
    ) -> PyResult<Self> {
        let n = customers.len();
        let lengths = [
            ("times_ms", times_ms.len()),
            ("scores", scores.len()),
            ("touchpoints", touchpoints.as_ref().map_or(n, Vec::len)),
        ];
        if let Some(&(name, len)) = lengths.iter().find(|(_, len)| *len != n) {
            return Err(Error::LengthMismatch {
                column: name.into(),
                reference: "customers".into(),
                expected: n,
                found: len,
            })
            .py();
        }
        let mut b = SurveyTable::builder();
        for i in 0..n {
            let score = scores[i].ok_or_else(|| Error::InvalidValue {
                column: "score".into(),
                location: touchpoint_core::Location::Row(i),
                value: "None".into(),
                reason: "a survey response needs a score; drop responses without one".into(),
            });
            let tp = touchpoints.as_ref().and_then(|t| t[i].as_deref());
            b.push(CustomerKey::Str(&customers[i]), times_ms[i], score.py()?, tp).py()?;
        }
        Ok(Self { inner: b.finish() })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("Surveys({} responses)", self.inner.len())
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

/// The options (one JSON object; empty: every default).
fn spec(options: &str) -> PyResult<ExperienceSpec> {
    ExperienceSpec::from_json(options).py()
}

fn dimension(name: &str) -> PyResult<Dimension> {
    Dimension::parse(name).py()
}

/// The experience table (core `Experience`).
#[pyclass(name = "PyExperience", module = "touchpoint._touchpoint", frozen)]
pub struct PyExperience {
    pub inner: Experience,
}

crate::json::json_class!(PyExperience => Experience, inner);

#[pymethods]
impl PyExperience {
    /// One `ExperienceRow` per group (per segment): all, touchpoints, stages, channel kinds.
    fn rows(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.rows)
    }

    /// Group `a` minus group `b` of a dimension, per segment (`ExperienceDiffRow`s).
    fn compare(&self, dimension: &str, a: &str, b: &str) -> PyResult<ArrowTable> {
        rows_table(&self.inner.compare(self::dimension(dimension)?, a, b).py()?)
    }

    /// Segment `a` minus segment `b` for one group (one `ExperienceDiffRow`).
    fn compare_segments(&self, dimension: &str, group: &str, a: &str, b: &str) -> PyResult<ArrowTable> {
        let d = self.inner.compare_segments(self::dimension(dimension)?, group, a, b).py()?;
        rows_table(std::slice::from_ref(&d))
    }

    /// Where the scores came from and what was left out (one `FeedbackReport` row).
    fn report(&self) -> PyResult<ArrowTable> {
        rows_table(std::slice::from_ref(&self.inner.report))
    }

    /// Touchpoints of the catalog without any score.
    #[getter]
    fn touchpoints_without_feedback(&self) -> Vec<String> {
        self.inner.touchpoints_without_feedback.clone()
    }

    /// The scale: kind, min, max, promoter_min, detractor_max.
    #[getter]
    fn scale<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py_object(py, &self.inner.scale)
    }

    /// The small-n threshold used.
    #[getter]
    fn small_n(&self) -> usize {
        self.inner.small_n
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

/// The experience table of the events' scores (and the survey responses).
#[pyfunction]
#[pyo3(signature = (events, surveys = None, options = "", *, segments = None, n_threads = None))]
pub fn experience(
    py: Python<'_>,
    events: &Bound<'_, PyEvents>,
    surveys: Option<&Bound<'_, PySurveys>>,
    options: &str,
    segments: Option<&Bound<'_, PySegments>>,
    n_threads: Option<usize>,
) -> PyResult<PyExperience> {
    let spec = spec(options)?;
    let (ev, sv, seg) = (&events.get().inner, surveys.map(|s| &s.get().inner), segments.map(|s| &s.get().inner));
    let inner = compute(py, n_threads, || exp::experience(ev, sv, &spec.options, seg))?;
    Ok(PyExperience { inner })
}

/// Experience → conversion (core `ExperienceConversion`).
#[pyclass(name = "PyExperienceConversion", module = "touchpoint._touchpoint", frozen)]
pub struct PyExperienceConversion {
    inner: ExperienceConversion,
}

crate::json::json_class!(PyExperienceConversion => ExperienceConversion, inner);

#[pymethods]
impl PyExperienceConversion {
    /// One `ExperienceConversionRow` per touchpoint (and the row over all journeys), per segment.
    fn rows(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.rows)
    }

    /// The reference group.
    #[getter]
    fn reference(&self) -> Wrap<ExperienceReference> {
        Wrap(self.inner.reference)
    }

    /// Journeys (with at least one touch).
    #[getter]
    fn journeys(&self) -> usize {
        self.inner.journeys
    }

    /// Converting journeys.
    #[getter]
    fn converting_journeys(&self) -> usize {
        self.inner.converting_journeys
    }

    /// Conversions with no touch before them in their journey.
    #[getter]
    fn conversions_without_touches(&self) -> usize {
        self.inner.conversions_without_touches
    }

    /// What the figures are (associations, not causal effects).
    #[getter]
    fn note(&self) -> &'static str {
        self.inner.note
    }

    /// Where the scores came from (one `FeedbackReport` row).
    fn report(&self) -> PyResult<ArrowTable> {
        rows_table(std::slice::from_ref(&self.inner.report))
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

/// Conversion of journeys by the experience at each touchpoint (options: `reference` and the
/// shared ones).
#[pyfunction]
#[pyo3(signature = (events, surveys = None, options = "", *, segments = None, n_threads = None))]
pub fn experience_conversion(
    py: Python<'_>,
    events: &Bound<'_, PyEvents>,
    surveys: Option<&Bound<'_, PySurveys>>,
    options: &str,
    segments: Option<&Bound<'_, PySegments>>,
    n_threads: Option<usize>,
) -> PyResult<PyExperienceConversion> {
    let spec = spec(options)?;
    let (ev, sv, seg) = (&events.get().inner, surveys.map(|s| &s.get().inner), segments.map(|s| &s.get().inner));
    let inner = compute(py, n_threads, || exp::experience_conversion(ev, sv, &spec.options, spec.reference, seg))?;
    Ok(PyExperienceConversion { inner })
}

/// Key drivers (core `KeyDrivers`).
#[pyclass(name = "PyKeyDrivers", module = "touchpoint._touchpoint", frozen)]
pub struct PyKeyDrivers {
    inner: KeyDrivers,
}

crate::json::json_class!(PyKeyDrivers => KeyDrivers, inner);

#[pymethods]
impl PyKeyDrivers {
    /// One `KeyDriverRow` per driver, most important first.
    fn rows(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.rows)
    }

    /// R² of the outcome on all drivers (the sum of the importances).
    #[getter]
    fn r_squared(&self) -> f64 {
        self.inner.r_squared
    }

    /// Customers used.
    #[getter]
    fn customers(&self) -> usize {
        self.inner.customers
    }

    /// Customers with an outcome but not every driver score (left out under complete cases).
    #[getter]
    fn customers_incomplete(&self) -> usize {
        self.inner.customers_incomplete
    }

    /// Customers with a driver score but no outcome (left out).
    #[getter]
    fn customers_without_outcome(&self) -> usize {
        self.inner.customers_without_outcome
    }

    /// What the outcome is.
    #[getter]
    fn outcome(&self) -> String {
        self.inner.outcome.clone()
    }

    /// How missing scores were handled.
    #[getter]
    fn missing(&self) -> Wrap<MissingScores> {
        Wrap(self.inner.missing)
    }

    /// What the figures are (shares of explained variance, not causal effects).
    #[getter]
    fn note(&self) -> &'static str {
        self.inner.note
    }

    /// R² of the outcome on a subset of the drivers.
    fn r_squared_of(&self, drivers: Vec<String>) -> PyResult<f64> {
        let refs: Vec<&str> = drivers.iter().map(String::as_str).collect();
        self.inner.r_squared_of(&refs).py()
    }

    /// Where the scores came from (one `FeedbackReport` row).
    fn report(&self) -> PyResult<ArrowTable> {
        rows_table(std::slice::from_ref(&self.inner.report))
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

/// Key drivers of an outcome (options: `drivers`, `outcome`, `missing` and the shared ones).
/// `outcome_values` (customer key → value) replaces the options' outcome: customers not in it
/// have none.
#[pyfunction]
#[pyo3(signature = (events, surveys = None, options = "", *, outcome_values = None, n_threads = None))]
pub fn key_drivers(
    py: Python<'_>,
    events: &Bound<'_, PyEvents>,
    surveys: Option<&Bound<'_, PySurveys>>,
    options: &str,
    outcome_values: Option<HashMap<String, f64>>,
    n_threads: Option<usize>,
) -> PyResult<PyKeyDrivers> {
    let mut spec = spec(options)?;
    let (ev, sv) = (&events.get().inner, surveys.map(|s| &s.get().inner));
    if let Some(values) = outcome_values {
        let per_customer =
            ev.customer_names().iter().map(|name| values.get(name).copied().unwrap_or(f64::NAN)).collect();
        spec.key_drivers.outcome = DriverOutcome::PerCustomer(per_customer);
    }
    let inner = compute(py, n_threads, || exp::key_drivers(ev, sv, &spec.options, &spec.key_drivers))?;
    Ok(PyKeyDrivers { inner })
}

/// Consistency (core `Consistency`).
#[pyclass(name = "PyConsistency", module = "touchpoint._touchpoint", frozen)]
pub struct PyConsistency {
    inner: Consistency,
}

crate::json::json_class!(PyConsistency => Consistency, inner);

#[pymethods]
impl PyConsistency {
    /// One `ConsistencyRow` per pair of consecutive scored touchpoints (channel kinds).
    fn rows(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.rows)
    }

    /// The spread of scores within journeys (one `ConsistencySummary` row).
    fn summary(&self) -> PyResult<ArrowTable> {
        rows_table(std::slice::from_ref(&self.inner.summary))
    }

    /// Where the scores came from (one `FeedbackReport` row).
    fn report(&self) -> PyResult<ArrowTable> {
        rows_table(std::slice::from_ref(&self.inner.report))
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

/// The consistency of scores within journeys (the shared options).
#[pyfunction]
#[pyo3(signature = (events, surveys = None, options = "", *, n_threads = None))]
pub fn consistency(
    py: Python<'_>,
    events: &Bound<'_, PyEvents>,
    surveys: Option<&Bound<'_, PySurveys>>,
    options: &str,
    n_threads: Option<usize>,
) -> PyResult<PyConsistency> {
    let spec = spec(options)?;
    let (ev, sv) = (&events.get().inner, surveys.map(|s| &s.get().inner));
    let inner = compute(py, n_threads, || exp::consistency(ev, sv, &spec.options))?;
    Ok(PyConsistency { inner })
}
