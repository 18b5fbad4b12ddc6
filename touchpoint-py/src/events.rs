//! `PyEvents`: interaction events held by the core, from Arrow tables, Python lists or CSV, and
//! the demo dataset.

use pyo3::prelude::*;
use touchpoint_core::{
    ConversionSpec, CustomerKey, Error, EventCsvOptions, EventRow, EventTable, Location, TimeFormat, TimeUnit,
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

    /// Row `i` in epoch milliseconds (the Arrow reader's rules for numbers).
    fn millis(&self, i: usize, unit: TimeUnit) -> Result<i64, Error> {
        let bad = |value: String, reason: &str| Error::InvalidValue {
            column: "time".into(),
            location: Location::Row(i),
            value,
            reason: reason.into(),
        };
        match self {
            Times::Int(v) => unit.int_to_millis(v[i]).ok_or_else(|| bad(v[i].to_string(), "out of range")),
            Times::Float(v) => {
                let ms = (v[i] * unit.to_millis_factor()).floor();
                if ms.is_finite() && ms.abs() < 9.0e18 {
                    Ok(ms as i64)
                } else {
                    Err(bad(v[i].to_string(), "timestamp must be a finite number"))
                }
            }
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
        let (names, batches) = input::read_stream(table)?;
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
        converted: Vec<bool>,
        value: Vec<f64>,
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
        for i in 0..n {
            let fb = feedback.as_ref().and_then(|f| f[i]).map(|f| f as f32);
            let v = if value[i].is_nan() { 0.0 } else { value[i] };
            let t = time.millis(i, time_unit.0).py()?;
            b.push_keyed(CustomerKey::Str(&customer[i]), touchpoint[i].as_deref(), t, converted[i], v, fb).py()?;
        }
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
