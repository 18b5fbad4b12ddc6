//! `PyEvents`: interaction events held by the core, from Arrow tables, Python lists or CSV, and
//! the demo dataset.

use pyo3::prelude::*;
use touchpoint_core::{
    ConversionSpec, CustomerKey, Error, EventCsvOptions, EventRow, EventTable, Location, TimeFormat, TimeUnit, cells,
    parse_delimiter,
};

use crate::conversion::Wrap;
use crate::errors::IntoPy;
use crate::table::{ArrowTable, rows_table_iter};
use crate::{compute, input};

/// Interaction events held by the core (built from a table or read from CSV).
#[pyclass(name = "PyEvents", module = "touchpoint._touchpoint", frozen)]
pub struct PyEvents {
    pub inner: EventTable,
}

crate::json::json_class!(PyEvents => EventTable, inner);

/// Times given as Python numbers: integers are exact, floats are floored to milliseconds.
#[derive(FromPyObject)]
enum Times {
    Int(Vec<i64>),
    Float(Vec<f64>),
}

impl Times {
    fn len(&self) -> usize {
        match self {
            Times::Int(v) => v.len(),
            Times::Float(v) => v.len(),
        }
    }

    /// Row `i` in epoch milliseconds (the core's rules for epoch numbers).
    fn millis(&self, i: usize, unit: TimeUnit) -> Result<i64, Error> {
        match self {
            Times::Int(v) => cells::epoch_int_ms("time", Location::Row(i), v[i], unit),
            Times::Float(v) => cells::epoch_ms("time", Location::Row(i), v[i], unit),
        }
    }
}

#[pymethods]
impl PyEvents {
    /// Events from any table with the Arrow PyCapsule interface.
    #[staticmethod]
    #[pyo3(signature = (table, *, customer, touchpoint, time, conversion = None, value = None, feedback = None, time_unit = Wrap(TimeUnit::Milliseconds), catalog_json = None))]
    #[allow(clippy::too_many_arguments)]
    fn from_arrow(
        py: Python<'_>,
        table: &Bound<'_, PyAny>,
        customer: String,
        touchpoint: String,
        time: String,
        conversion: Option<String>,
        value: Option<String>,
        feedback: Option<String>,
        time_unit: Wrap<TimeUnit>,
        catalog_json: Option<&str>,
    ) -> PyResult<Self> {
        let used: Vec<&str> =
            [Some(&customer), Some(&touchpoint), Some(&time), conversion.as_ref(), value.as_ref(), feedback.as_ref()]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
        let (names, batches) = input::read_table(table, &used)?;
        let spec = input::EventSpec { customer, touchpoint, time, conversion, value, feedback, time_unit: time_unit.0 };
        let mut inner = py.detach(|| input::events_from_batches(&batches, &names, &spec))?;
        if let Some(json) = catalog_json {
            // attached in place: no copy of the events
            inner.catalog_mut().apply_attrs(&touchpoint_core::Catalog::from_json(json).py()?);
        }
        Ok(Self { inner })
    }

    /// Events from plain Python lists (the fallback for pandas without pyarrow). `time` holds
    /// epoch numbers in `time_unit`.
    #[staticmethod]
    #[pyo3(signature = (customer, touchpoint, time, converted, value, feedback = None, *, time_unit = Wrap(TimeUnit::Milliseconds)))]
    fn from_lists(
        customer: Vec<String>,
        touchpoint: Vec<Option<String>>,
        time: Times,
        converted: Vec<Option<f64>>,
        value: Vec<Option<f64>>,
        feedback: Option<Vec<Option<f64>>>,
        time_unit: Wrap<TimeUnit>,
    ) -> PyResult<Self> {
        let n = customer.len();
        let lengths = [
            ("touchpoint", touchpoint.len()),
            ("time", time.len()),
            ("converted", converted.len()),
            ("value", value.len()),
            ("feedback", feedback.as_ref().map_or(n, Vec::len)),
        ];
        if let Some(&(name, len)) = lengths.iter().find(|(_, len)| *len != n) {
            return Err(Error::LengthMismatch {
                column: name.into(),
                reference: "customer".into(),
                expected: n,
                found: len,
            })
            .py();
        }
        let mut b = EventTable::builder();
        let mut epochs = touchpoint_core::time::EpochRange::default();
        for i in 0..n {
            let fb = feedback.as_ref().and_then(|f| f[i]).map(|f| f as f32);
            let c = cells::flag("converted", Location::Row(i), converted[i]).py()?;
            let v = cells::value("value", Location::Row(i), value[i], c).py()?;
            let t = time.millis(i, time_unit.0).py()?;
            epochs.add_ms(t, time_unit.0, Location::Row(i));
            b.push_keyed(CustomerKey::Str(&customer[i]), touchpoint[i].as_deref(), t, c, v, fb).py()?;
        }
        epochs.check("time", time_unit.0).py()?;
        Ok(Self { inner: b.finish().py()? })
    }

    /// Read an events CSV with the core's reader.
    #[staticmethod]
    #[pyo3(signature = (path, *, customer = "customer_id", touchpoint = "touchpoint", time = "timestamp", conversion = "converted", value = None, feedback = None, time_unit = Wrap(TimeUnit::Milliseconds), conversion_label = None, delimiter = ","))]
    #[allow(clippy::too_many_arguments)]
    fn read_csv(
        py: Python<'_>,
        path: std::path::PathBuf,
        customer: &str,
        touchpoint: &str,
        time: &str,
        conversion: Option<&str>,
        value: Option<String>,
        feedback: Option<String>,
        time_unit: Wrap<TimeUnit>,
        conversion_label: Option<String>,
        delimiter: &str,
    ) -> PyResult<Self> {
        let opts = EventCsvOptions {
            customer: customer.into(),
            touchpoint: touchpoint.into(),
            time: time.into(),
            time_format: TimeFormat::Auto(time_unit.0),
            conversion: ConversionSpec::from_options(conversion.map(String::from), conversion_label),
            value,
            feedback,
            delimiter: parse_delimiter(delimiter).py()?,
        };
        let inner = py.detach(|| EventTable::read_csv_path(&path, &opts)).py()?;
        Ok(Self { inner })
    }

    /// A copy with touchpoint attributes (channel, stage, cost, direct, paid) from a JSON catalog.
    fn with_catalog_json(&self, json: &str) -> PyResult<Self> {
        let cat = touchpoint_core::Catalog::from_json(json).py()?;
        let mut inner = self.inner.clone();
        inner.catalog_mut().apply_attrs(&cat);
        Ok(Self { inner })
    }

    /// These events with the rows of the named touchpoints turned into conversions (the names
    /// leave the catalog), and how many rows were turned.
    fn with_conversion_events(&self, py: Python<'_>, names: Vec<String>) -> PyResult<(Self, usize)> {
        let ev = self.inner.clone();
        let (inner, n) = py.detach(|| ev.with_conversion_events(&names)).py()?;
        Ok((Self { inner }, n))
    }

    /// Warnings about the data (a touchpoint that looks like the conversion itself).
    fn notes(&self) -> Vec<String> {
        self.inner.notes()
    }

    /// The touchpoint catalog as JSON.
    fn catalog_json(&self) -> String {
        self.inner.catalog().to_json()
    }

    /// The demo touchpoint catalog (channel, stage, cost, flags) as JSON.
    #[staticmethod]
    fn demo_catalog_json() -> String {
        touchpoint_core::demo::catalog().to_json()
    }

    /// The built-in demo dataset.
    #[staticmethod]
    #[pyo3(signature = (customers = 5000, seed = 7))]
    fn demo(py: Python<'_>, customers: usize, seed: u64) -> PyResult<Self> {
        let o = touchpoint_core::demo::DemoOptions { customers, seed, ..Default::default() };
        let inner = py.detach(|| touchpoint_core::demo::events(&o)).py()?;
        Ok(Self { inner })
    }

    /// The events as a table of `EventRow`s: customer_id, touchpoint, timestamp (UTC),
    /// converted, value, feedback.
    fn to_table(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let e = &self.inner;
        py.detach(|| rows_table_iter::<EventRow, _>(e.rows()))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Distinct customers.
    #[getter]
    fn customers(&self) -> usize {
        self.inner.customer_count()
    }

    /// Touchpoint names, in catalog order.
    #[getter]
    fn touchpoints(&self) -> Vec<String> {
        self.inner.catalog().names().to_vec()
    }

    fn __repr__(&self) -> String {
        format!(
            "Events({} rows, {} customers, {} touchpoints)",
            self.inner.len(),
            self.inner.customer_count(),
            self.inner.catalog().len()
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

/// The journey report of the built-in demo dataset, as text (what `make demo` prints).
#[pyfunction]
#[pyo3(signature = (*, customers = 5000, seed = 7, order = 1, lookback_days = 30))]
pub fn demo_report(py: Python<'_>, customers: usize, seed: u64, order: usize, lookback_days: i64) -> PyResult<String> {
    compute(py, None, || {
        let events = touchpoint_core::demo::events(&touchpoint_core::demo::DemoOptions {
            customers,
            seed,
            ..Default::default()
        })?;
        let opts = touchpoint_core::JourneyOptions {
            lookback_ms: Some(lookback_days * touchpoint_core::DAY_MS),
            ..Default::default()
        };
        touchpoint_core::report::text_report(&events, &opts, order)
    })
}

/// A duration written as text (`30d`, `30 days`, `2 weeks`, `1.5h`) in milliseconds; None when it
/// is not one (the core's reading, so every face reads durations alike).
#[pyfunction]
pub fn parse_duration_ms(text: &str) -> Option<i64> {
    touchpoint_core::time::parse_duration_ms(text)
}

/// The text report of any events (what `make demo` prints for the demo): dataset, journeys and
/// everything left out, stage funnel, repurchase, experience, journey graph, attribution by
/// model, where to act.
#[pyfunction]
#[pyo3(signature = (events, *, order = 1, lookback_ms = None, inactivity_timeout_ms = None, collapse_repeats = false, max_touches = None, split_at_conversions = true))]
#[allow(clippy::too_many_arguments)]
pub fn text_report(
    py: Python<'_>,
    events: &Bound<'_, PyEvents>,
    order: usize,
    lookback_ms: Option<i64>,
    inactivity_timeout_ms: Option<i64>,
    collapse_repeats: bool,
    max_touches: Option<usize>,
    split_at_conversions: bool,
) -> PyResult<String> {
    let ev = &events.get().inner;
    let opts = touchpoint_core::JourneyOptions {
        lookback_ms,
        inactivity_timeout_ms,
        collapse_repeats,
        max_touches,
        split_at_conversions,
    };
    compute(py, None, || touchpoint_core::report::text_report(ev, &opts, order))
}
