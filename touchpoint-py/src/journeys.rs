//! `PyJourneys`: customer journeys built by the core from events, with the report of what the
//! build kept and left out.

use pyo3::prelude::*;
use touchpoint_core::{Catalog, JourneyOptions, JourneyReport, JourneyRow, Journeys};

use crate::conversion::to_py_object;
use crate::errors::IntoPy;
use crate::events::PyEvents;
use crate::table::{ArrowTable, rows_table_iter};

/// Customer journeys built from events.
#[pyclass(name = "PyJourneys", module = "touchpoint._touchpoint", frozen)]
pub struct PyJourneys {
    pub inner: Journeys,
    pub(crate) report: JourneyReport,
}

crate::json::json_class!(PyJourneys => Journeys, inner, |j| crate::crm::journeys_of(j));

#[pymethods]
impl PyJourneys {
    /// Build journeys from events.
    #[staticmethod]
    #[pyo3(signature = (events, *, lookback_ms = None, inactivity_timeout_ms = None, collapse_repeats = false, max_touches = None, split_at_conversions = true))]
    fn build(
        py: Python<'_>,
        events: &Bound<'_, PyEvents>,
        lookback_ms: Option<i64>,
        inactivity_timeout_ms: Option<i64>,
        collapse_repeats: bool,
        max_touches: Option<usize>,
        split_at_conversions: bool,
    ) -> PyResult<Self> {
        let ev = &events.get().inner;
        let opts =
            JourneyOptions { lookback_ms, inactivity_timeout_ms, collapse_repeats, max_touches, split_at_conversions };
        let (inner, report) = py.detach(|| Journeys::build(ev, &opts)).py()?;
        Ok(Self { inner, report })
    }

    /// What the build kept and left out, by reason (the core's `JourneyReport`).
    #[getter]
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py_object(py, &self.report)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Total conversions.
    #[getter]
    fn total_conversions(&self) -> f64 {
        self.inner.total_conversions()
    }

    /// Total conversion value.
    #[getter]
    fn total_value(&self) -> f64 {
        self.inner.total_value()
    }

    /// Touchpoint names, in catalog order.
    #[getter]
    fn touchpoints(&self) -> Vec<String> {
        self.inner.catalog().names().to_vec()
    }

    /// One `JourneyRow` per journey: journey, customer_id, path, touches, converted, value,
    /// start, end.
    #[pyo3(signature = (separator = " > "))]
    fn to_table(&self, py: Python<'_>, separator: &str) -> PyResult<ArrowTable> {
        let j = &self.inner;
        py.detach(|| rows_table_iter::<JourneyRow, _>(j.rows(separator)))
    }

    /// A copy with touchpoint attributes (channel, stage, cost, direct, paid) from a JSON catalog.
    fn with_catalog_json(&self, json: &str) -> PyResult<Self> {
        let cat = Catalog::from_json(json).py()?;
        let mut inner = self.inner.clone();
        inner.catalog_mut().apply_attrs(&cat);
        Ok(Self { inner, report: self.report.clone() })
    }

    /// The touchpoint catalog as JSON.
    fn catalog_json(&self) -> String {
        self.inner.catalog().to_json()
    }

    /// Merge with journeys of other customers (touchpoints matched by name).
    fn merge(&self, other: &Bound<'_, PyJourneys>) -> Self {
        let o = other.get();
        let mut report = self.report.clone();
        report.merge_from(&o.report);
        Self { inner: self.inner.merge(&o.inner), report }
    }

    fn __repr__(&self) -> String {
        format!(
            "Journeys({} journeys: {} converting, {} not; {} touches)",
            self.inner.len(),
            self.report.journeys_converting,
            self.report.journeys_non_converting,
            self.inner.touch_count()
        )
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
