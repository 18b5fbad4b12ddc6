//! The native module `touchpoint._touchpoint`. It converts data and errors only; every
//! algorithm lives in `touchpoint-core`. The pure-Python package `touchpoint` wraps these
//! classes with DataFrame-in / DataFrame-out helpers.

mod errors;
mod input;
mod output;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use touchpoint_core::attribution::{
    self, AttributionModel, AttributionOptions, Credits, MarkovAllocation, ModelParams, ShapleyMethod, ValueBasis,
};
use touchpoint_core::graph::NodeKind;
use touchpoint_core::{
    ConversionSpec, Data, EventCsvOptions, EventTable, GraphAnalysis, JourneyGraph, JourneyOptions, JourneyReport,
    JourneySet, PathCsvOptions, PathRank, PathTable, TimeFormat, TimeUnit,
};

use errors::{InputError, IntoPy, ModelError};
use output::{ArrowTable, Col, table};

/// Set in a child process after `fork()`: rayon's global pool did not survive it, so work runs
/// on a fresh pool per call.
static FORKED: AtomicBool = AtomicBool::new(false);

/// Run core work without the GIL, on `n_threads` threads (or rayon's global pool).
fn compute<T: Send>(
    py: Python<'_>,
    n_threads: Option<usize>,
    f: impl FnOnce() -> touchpoint_core::Result<T> + Send,
) -> PyResult<T> {
    if n_threads == Some(0) {
        return Err(ModelError::new_err("n_threads must be >= 1"));
    }
    let pool_size = match (n_threads, FORKED.load(Ordering::Relaxed)) {
        (Some(n), _) => Some(n),
        (None, true) => Some(1),
        (None, false) => None,
    };
    py.detach(|| match pool_size {
        None => f(),
        Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
            Ok(pool) => pool.install(f),
            Err(e) => Err(touchpoint_core::Error::InvalidOption {
                option: "n_threads",
                value: n.to_string(),
                reason: format!("cannot start the thread pool: {e}"),
            }),
        },
    })
    .py()
}

/// Called by `os.register_at_fork(after_in_child=...)`.
#[pyfunction]
fn _after_fork_in_child() {
    FORKED.store(true, Ordering::Relaxed);
}

fn json_to_py<'py>(py: Python<'py>, v: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use pyo3::IntoPyObjectExt;
    Ok(match v {
        serde_json::Value::Null => py.None().into_bound(py),
        serde_json::Value::Bool(b) => b.into_bound_py_any(py)?,
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into_bound_py_any(py)?,
            (None, Some(f)) => f.into_bound_py_any(py)?,
            _ => py.None().into_bound(py),
        },
        serde_json::Value::String(s) => s.into_bound_py_any(py)?,
        serde_json::Value::Array(a) => {
            let l = PyList::empty(py);
            for x in a {
                l.append(json_to_py(py, x)?)?;
            }
            l.into_any()
        }
        serde_json::Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, json_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

fn parse_unit(unit: &str) -> PyResult<TimeUnit> {
    unit.parse().map_err(|e: String| InputError::new_err(format!("time_unit = {unit:?}: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Events

/// Interaction events held by the core (built from a table or read from CSV).
#[pyclass(name = "Events", module = "touchpoint._touchpoint", frozen)]
struct PyEvents {
    inner: EventTable,
}

#[pymethods]
impl PyEvents {
    /// Events from any table with the Arrow PyCapsule interface.
    #[staticmethod]
    #[pyo3(signature = (table, *, customer, touchpoint, time, conversion = None, value = None, feedback = None, time_unit = "ms"))]
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
        time_unit: &str,
    ) -> PyResult<Self> {
        let (names, batches) = input::read_stream(table)?;
        let spec = input::EventSpec {
            customer,
            touchpoint,
            time,
            conversion,
            value,
            feedback,
            time_unit: parse_unit(time_unit)?,
        };
        let inner = py.detach(|| input::events_from_batches(&batches, &names, &spec))?;
        Ok(Self { inner })
    }

    /// Events from plain Python lists (the fallback for pandas without pyarrow).
    #[staticmethod]
    #[pyo3(signature = (customer, touchpoint, time, converted, value, feedback = None))]
    fn from_lists(
        customer: Vec<String>,
        touchpoint: Vec<Option<String>>,
        time: Vec<i64>,
        converted: Vec<bool>,
        value: Vec<f64>,
        feedback: Option<Vec<Option<f64>>>,
    ) -> PyResult<Self> {
        let n = customer.len();
        for (name, len) in [
            ("touchpoint", touchpoint.len()),
            ("time", time.len()),
            ("converted", converted.len()),
            ("value", value.len()),
        ] {
            if len != n {
                return Err(InputError::new_err(format!("column `{name}` has {len} rows but `customer` has {n}")));
            }
        }
        let mut b = EventTable::builder();
        for i in 0..n {
            let fb = feedback.as_ref().and_then(|f| f.get(i).copied().flatten()).map(|f| f as f32);
            b.push_keyed(
                touchpoint_core::CustomerKey::Str(&customer[i]),
                touchpoint[i].as_deref(),
                time[i],
                converted[i],
                if value[i].is_nan() { 0.0 } else { value[i] },
                fb,
            )
            .py()?;
        }
        Ok(Self { inner: b.finish().py()? })
    }

    /// Read an events CSV with the core's reader.
    #[staticmethod]
    #[pyo3(signature = (path, *, customer = "customer_id", touchpoint = "touchpoint", time = "timestamp", conversion = "converted", value = None, feedback = None, time_unit = "ms", conversion_label = None, delimiter = ","))]
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
        time_unit: &str,
        conversion_label: Option<String>,
        delimiter: &str,
    ) -> PyResult<Self> {
        let delim = match delimiter.as_bytes() {
            [d] => *d,
            _ => return Err(InputError::new_err(format!("delimiter {delimiter:?} must be one ASCII character"))),
        };
        let opts = EventCsvOptions {
            customer: customer.into(),
            touchpoint: touchpoint.into(),
            time: time.into(),
            time_format: TimeFormat::Auto(parse_unit(time_unit)?),
            conversion: match (conversion_label, conversion) {
                (Some(label), _) => ConversionSpec::Rows { label },
                (None, Some(c)) => ConversionSpec::Flag(c.into()),
                (None, None) => ConversionSpec::None,
            },
            value,
            feedback,
            delimiter: delim,
        };
        let inner = py.detach(|| EventTable::read_csv_path(&path, &opts)).py()?;
        Ok(Self { inner })
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

    /// The events as a table: customer_id, touchpoint, timestamp (UTC), converted, value, feedback.
    fn to_table(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let e = &self.inner;
        let cols = py.detach(|| {
            let names = e.customer_names();
            let cat = e.catalog();
            let fb: Vec<Option<f64>> = match e.feedback() {
                Some(f) => f.iter().map(|x| (!x.is_nan()).then_some(*x as f64)).collect(),
                None => vec![None; e.len()],
            };
            vec![
                ("customer_id", Col::Str(e.customers().iter().map(|&c| names[c as usize].to_owned()).collect())),
                (
                    "touchpoint",
                    Col::OptStr(
                        (0..e.len()).map(|i| e.touchpoint_of(i).and_then(|t| cat.name(t)).map(String::from)).collect(),
                    ),
                ),
                ("timestamp", Col::TimeMs(e.times().to_vec())),
                ("converted", Col::Bool(e.converted().to_vec())),
                ("value", Col::F64(e.values().to_vec())),
                ("feedback", Col::OptF64(fb)),
            ]
        });
        table(cols)
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

// ---------------------------------------------------------------------------------------------
// Journeys

/// Customer journeys built from events.
#[pyclass(name = "Journeys", module = "touchpoint._touchpoint", frozen)]
struct PyJourneys {
    inner: JourneySet,
    report: JourneyReport,
}

fn report_dict<'py>(py: Python<'py>, r: &JourneyReport) -> PyResult<Bound<'py, PyAny>> {
    json_to_py(py, &serde_json::to_value(r).unwrap_or_default())
}

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
        let opts = JourneyOptions {
            lookback_ms,
            inactivity_timeout_ms,
            collapse_repeats,
            max_touches,
            merge_conversions: !split_at_conversions,
        };
        let (inner, report) = py.detach(|| JourneySet::build(ev, &opts)).py()?;
        Ok(Self { inner, report })
    }

    /// What the build kept and left out, by reason.
    #[getter]
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        report_dict(py, &self.report)
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

    /// One row per journey: journey, customer_id, path, touches, converted, value, start, end.
    #[pyo3(signature = (separator = " > "))]
    fn to_table(&self, separator: &str) -> PyResult<ArrowTable> {
        let j = &self.inner;
        let names = j.customer_names();
        let mut cols = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, x) in j.iter().enumerate() {
            cols.0.push(i as i64);
            cols.1.push(names.get(x.customer as usize).unwrap_or_default().to_owned());
            cols.2.push(j.names(x.touchpoints).join(separator));
            cols.3.push(x.touchpoints.len() as i64);
            cols.4.push(x.converted);
            cols.5.push(x.value);
            cols.6.push(x.times.first().copied().unwrap_or(x.end_time));
            cols.7.push(x.end_time);
        }
        table(vec![
            ("journey", Col::I64(cols.0)),
            ("customer_id", Col::Str(cols.1)),
            ("path", Col::Str(cols.2)),
            ("touches", Col::I64(cols.3)),
            ("converted", Col::Bool(cols.4)),
            ("value", Col::F64(cols.5)),
            ("start", Col::TimeMs(cols.6)),
            ("end", Col::TimeMs(cols.7)),
        ])
    }

    /// A copy with touchpoint attributes (channel, stage, cost, direct, paid) from a JSON catalog.
    fn with_catalog_json(&self, json: &str) -> PyResult<Self> {
        let cat = touchpoint_core::Catalog::from_json(json).py()?;
        let mut inner = self.inner.clone();
        inner.catalog_mut().apply_attrs(&cat);
        Ok(Self { inner, report: self.report.clone() })
    }

    /// The touchpoint catalog as JSON.
    fn catalog_json(&self) -> String {
        self.inner.catalog().to_json()
    }

    /// Aggregate into a path table.
    fn to_paths(&self) -> PyPathTable {
        PyPathTable { inner: PathTable::from_journeys(&self.inner) }
    }

    /// Merge with journeys of other customers (touchpoints matched by name).
    fn merge(&self, other: &Bound<'_, PyJourneys>) -> Self {
        let o = other.get();
        let mut report = self.report.clone();
        report.merge_from(&o.report);
        Self { inner: self.inner.merge(&o.inner), report }
    }

    /// Touchpoint names, in catalog order.
    #[getter]
    fn touchpoints(&self) -> Vec<String> {
        self.inner.catalog().names().to_vec()
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
}

// ---------------------------------------------------------------------------------------------
// Path tables

/// Distinct paths with conversions, non-conversions (nulls) and value.
#[pyclass(name = "PathTable", module = "touchpoint._touchpoint", frozen)]
struct PyPathTable {
    inner: PathTable,
}

fn path_rank(by: &str) -> PyResult<PathRank> {
    Ok(match by {
        "journeys" => PathRank::Journeys,
        "conversions" => PathRank::Conversions,
        "value" => PathRank::Value,
        _ => return Err(InputError::new_err(format!("by = {by:?}: expected 'journeys', 'conversions' or 'value'"))),
    })
}

#[pymethods]
impl PyPathTable {
    /// Read a path CSV with the core's reader.
    #[staticmethod]
    #[pyo3(signature = (path, *, sep = ">", path_column = "path", conversions = "total_conversions", nulls = None, value = None, delimiter = ","))]
    #[allow(clippy::too_many_arguments)]
    fn read_csv(
        py: Python<'_>,
        path: std::path::PathBuf,
        sep: &str,
        path_column: &str,
        conversions: &str,
        nulls: Option<String>,
        value: Option<String>,
        delimiter: &str,
    ) -> PyResult<Self> {
        let delim = match delimiter.as_bytes() {
            [d] => *d,
            _ => return Err(InputError::new_err(format!("delimiter {delimiter:?} must be one ASCII character"))),
        };
        let o = PathCsvOptions {
            path: path_column.into(),
            conversions: conversions.into(),
            nulls,
            value,
            separator: sep.into(),
            delimiter: delim,
        };
        let inner = py.detach(|| PathTable::read_csv_path(&path, &o)).py()?;
        Ok(Self { inner })
    }

    /// A path table from any table with the Arrow PyCapsule interface.
    #[staticmethod]
    #[pyo3(signature = (table, *, path, conversions, nulls = None, value = None, sep = ">"))]
    fn from_arrow(
        py: Python<'_>,
        table: &Bound<'_, PyAny>,
        path: String,
        conversions: String,
        nulls: Option<String>,
        value: Option<String>,
        sep: &str,
    ) -> PyResult<Self> {
        let sep = sep.to_owned();
        if sep.is_empty() {
            return Err(InputError::new_err("sep must not be empty"));
        }
        let (names, batches) = input::read_stream(table)?;
        let spec = input::PathSpec { path, conversions, nulls, value, separator: sep };
        let inner = py.detach(|| input::paths_from_batches(&batches, &names, &spec))?;
        Ok(Self { inner })
    }

    /// A path table from Python lists (the fallback without pyarrow).
    #[staticmethod]
    #[pyo3(signature = (paths, conversions, nulls, value, *, sep = ">"))]
    fn from_lists(
        paths: Vec<String>,
        conversions: Vec<f64>,
        nulls: Vec<f64>,
        value: Vec<f64>,
        sep: &str,
    ) -> PyResult<Self> {
        let n = paths.len();
        if conversions.len() != n || nulls.len() != n || value.len() != n {
            return Err(InputError::new_err("columns must have equal lengths"));
        }
        let mut t = PathTable::default();
        for i in 0..n {
            t.add_path_str(&paths[i], sep, conversions[i], nulls[i], value[i]).py()?;
        }
        if t.is_empty() {
            return Err(InputError::new_err("empty input: the path table has no rows; pass at least one path row"));
        }
        Ok(Self { inner: t })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Total conversions.
    #[getter]
    fn total_conversions(&self) -> f64 {
        self.inner.total_conversions()
    }

    /// Total non-conversions.
    #[getter]
    fn total_nulls(&self) -> f64 {
        self.inner.total_nulls()
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

    /// The table: path, conversions, nulls, value.
    #[pyo3(signature = (separator = " > "))]
    fn to_table(&self, separator: &str) -> PyResult<ArrowTable> {
        let t = &self.inner;
        let cat = t.catalog();
        let paths = t
            .iter()
            .map(|r| r.touchpoints.iter().map(|&x| cat.name(x).unwrap_or("?")).collect::<Vec<_>>().join(separator))
            .collect();
        table(vec![
            ("path", Col::Str(paths)),
            ("conversions", Col::F64(t.iter().map(|r| r.conversions).collect())),
            ("nulls", Col::F64(t.iter().map(|r| r.nulls).collect())),
            ("value", Col::F64(t.iter().map(|r| r.value).collect())),
        ])
    }

    /// The `k` top paths plus a remainder row, so totals are conserved.
    #[pyo3(signature = (k = 10, by = "journeys"))]
    fn top_paths(&self, k: usize, by: &str) -> PyResult<ArrowTable> {
        let rows = self.inner.top_paths(k, path_rank(by)?);
        table(vec![
            ("path", Col::Str(rows.iter().map(|r| r.path.clone()).collect())),
            ("touches", Col::I64(rows.iter().map(|r| r.length as i64).collect())),
            ("journeys", Col::F64(rows.iter().map(|r| r.journeys).collect())),
            ("conversions", Col::F64(rows.iter().map(|r| r.conversions).collect())),
            ("conversion_rate", Col::F64(rows.iter().map(|r| r.conversion_rate).collect())),
            ("value", Col::F64(rows.iter().map(|r| r.value).collect())),
            ("remainder", Col::Bool(rows.iter().map(|r| r.remainder).collect())),
        ])
    }

    /// Step-indexed Sankey flows: (nodes, links) tables.
    #[pyo3(signature = (max_steps = 5, top_k = 8))]
    fn sankey(&self, max_steps: usize, top_k: usize) -> PyResult<(ArrowTable, ArrowTable)> {
        let s = self.inner.sankey(max_steps, top_k).py()?;
        let nodes = table(vec![
            ("label", Col::Str(s.nodes.iter().map(|n| n.label.clone()).collect())),
            ("step", Col::OptI64(s.nodes.iter().map(|n| n.step.map(|x| x as i64)).collect())),
            ("touchpoint", Col::OptStr(s.nodes.iter().map(|n| n.touchpoint.clone()).collect())),
        ])?;
        let links = table(vec![
            ("source", Col::I64(s.links.iter().map(|l| l.source as i64).collect())),
            ("target", Col::I64(s.links.iter().map(|l| l.target as i64).collect())),
            ("journeys", Col::F64(s.links.iter().map(|l| l.journeys).collect())),
            ("conversions", Col::F64(s.links.iter().map(|l| l.conversions).collect())),
        ])?;
        Ok((nodes, links))
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

    /// Merge with another table (touchpoints matched by name).
    fn merge(&self, other: &Bound<'_, PyPathTable>) -> Self {
        Self { inner: self.inner.merge(&other.get().inner) }
    }

    /// Write the common CSV form.
    #[pyo3(signature = (path, *, sep = ">"))]
    fn write_csv(&self, path: std::path::PathBuf, sep: &str) -> PyResult<()> {
        let f = std::fs::File::create(&path)
            .map_err(|e| touchpoint_core::Error::Io { path: path.display().to_string(), source: e })
            .py()?;
        self.inner.write_csv(std::io::BufWriter::new(f), sep).py()
    }

    fn __repr__(&self) -> String {
        format!(
            "PathTable({} distinct paths, {} conversions, {} nulls, value {:.2})",
            self.inner.len(),
            self.inner.total_conversions(),
            self.inner.total_nulls(),
            self.inner.total_value()
        )
    }
}

/// Journeys or a path table, borrowed for a computation.
enum Input<'py> {
    J(Bound<'py, PyJourneys>),
    P(Bound<'py, PyPathTable>),
}

impl<'py> Input<'py> {
    fn extract(obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(j) = obj.cast::<PyJourneys>() {
            return Ok(Input::J(j.clone()));
        }
        if let Ok(p) = obj.cast::<PyPathTable>() {
            return Ok(Input::P(p.clone()));
        }
        // the Python wrappers keep the native object in `_native`
        if let Ok(inner) = obj.getattr("_native") {
            return Self::extract(&inner);
        }
        Err(errors::InputTypeError::new_err(format!(
            "expected Journeys or a PathTable, got {}",
            obj.get_type().name()?
        )))
    }

    fn data(&self) -> Data<'_> {
        match self {
            Input::J(j) => Data::Journeys(&j.get().inner),
            Input::P(p) => Data::Paths(&p.get().inner),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Attribution

/// The credit of every touchpoint under one model.
#[pyclass(name = "Attribution", module = "touchpoint._touchpoint", frozen)]
struct PyAttribution {
    inner: Credits,
}

#[pymethods]
impl PyAttribution {
    /// Model name.
    #[getter]
    fn model(&self) -> &str {
        &self.inner.model
    }

    /// Model parameters.
    #[getter]
    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in &self.inner.parameters {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    /// What the model did to the data and how to read the numbers.
    #[getter]
    fn notes(&self) -> Vec<String> {
        self.inner.notes.clone()
    }

    /// Total conversions in the data.
    #[getter]
    fn total_conversions(&self) -> f64 {
        self.inner.total_conversions
    }

    /// Total value in the data.
    #[getter]
    fn total_value(&self) -> f64 {
        self.inner.total_value
    }

    /// Weighted journeys.
    #[getter]
    fn journeys(&self) -> f64 {
        self.inner.journeys
    }

    /// Whether credits sum to the totals.
    #[getter]
    fn efficient(&self) -> bool {
        self.inner.efficient
    }

    /// Per-touchpoint credit: touchpoint, conversions, value, share, touches, cost, cpa, roas
    /// (+ removal_effect, removal_effect_value for Markov; + std_error when sampled).
    fn to_table(&self) -> PyResult<ArrowTable> {
        let r = &self.inner.rows;
        let mut cols = vec![
            ("touchpoint", Col::Str(r.iter().map(|x| x.name.clone()).collect())),
            ("conversions", Col::F64(r.iter().map(|x| x.conversions).collect())),
            ("value", Col::F64(r.iter().map(|x| x.value).collect())),
            ("share", Col::F64(r.iter().map(|x| x.share).collect())),
        ];
        if r.iter().any(|x| x.removal_effect.is_some()) {
            cols.push(("removal_effect", Col::OptF64(r.iter().map(|x| x.removal_effect).collect())));
            cols.push(("removal_effect_value", Col::OptF64(r.iter().map(|x| x.removal_effect_value).collect())));
        }
        if r.iter().any(|x| x.std_error.is_some()) {
            cols.push(("std_error", Col::OptF64(r.iter().map(|x| x.std_error).collect())));
        }
        cols.push(("touches", Col::F64(r.iter().map(|x| x.touches).collect())));
        cols.push(("cost", Col::OptF64(r.iter().map(|x| x.cost).collect())));
        cols.push(("cpa", Col::OptF64(r.iter().map(|x| x.cpa).collect())));
        cols.push(("roas", Col::OptF64(r.iter().map(|x| x.roas).collect())));
        table(cols)
    }

    /// Per-journey credit (when asked for with per_journey=True): row, touchpoint, conversions, value.
    fn per_journey(&self) -> PyResult<Option<ArrowTable>> {
        let Some(pj) = &self.inner.per_journey else { return Ok(None) };
        let name = |t: touchpoint_core::TouchpointId| {
            self.inner.rows.get(t.index()).map(|r| r.name.clone()).unwrap_or_default()
        };
        table(vec![
            ("row", Col::I64(pj.iter().map(|x| x.row as i64).collect())),
            ("touchpoint", Col::Str(pj.iter().map(|x| name(x.touchpoint)).collect())),
            ("conversions", Col::F64(pj.iter().map(|x| x.conversions).collect())),
            ("value", Col::F64(pj.iter().map(|x| x.value).collect())),
        ])
        .map(Some)
    }

    /// Ordered Shapley: touchpoint × position credit (long form: touchpoint, position, conversions).
    fn by_position(&self) -> PyResult<Option<ArrowTable>> {
        let Some(bp) = &self.inner.by_position else { return Ok(None) };
        let (mut t, mut p, mut c) = (Vec::new(), Vec::new(), Vec::new());
        for (row, credits) in self.inner.rows.iter().zip(bp) {
            for (pos, &x) in credits.iter().enumerate() {
                t.push(row.name.clone());
                p.push(pos as i64 + 1);
                c.push(x);
            }
        }
        table(vec![("touchpoint", Col::Str(t)), ("position", Col::I64(p)), ("conversions", Col::F64(c))]).map(Some)
    }

    /// The result as JSON.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    fn __repr__(&self) -> String {
        format!(
            "Attribution(model={:?}, {} touchpoints, {} conversions credited of {})",
            self.inner.model,
            self.inner.rows.len(),
            (self.inner.credited_conversions() * 1e6).round() / 1e6,
            self.inner.total_conversions
        )
    }
}

/// Run one or more models; rule models share one pass over the data.
#[pyfunction]
#[pyo3(signature = (data, models, *, order = 1, half_life_ms = None, weights = None, allocation = "global", value_basis = "conversion_share", method = "auto", samples = 20000, seed = 0, max_touches = None, per_journey = false, n_threads = None))]
#[allow(clippy::too_many_arguments)]
fn attribute(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    models: Vec<String>,
    order: usize,
    half_life_ms: Option<i64>,
    weights: Option<(f64, f64, f64)>,
    allocation: &str,
    value_basis: &str,
    method: &str,
    samples: usize,
    seed: u64,
    max_touches: Option<usize>,
    per_journey: bool,
    n_threads: Option<usize>,
) -> PyResult<Vec<PyAttribution>> {
    let input = Input::extract(data)?;
    let params = ModelParams {
        order: Some(order),
        half_life_ms,
        weights,
        allocation: Some(allocation.parse::<MarkovAllocation>().py()?),
        value_basis: Some(value_basis.parse::<ValueBasis>().py()?),
        shapley_method: Some(match method {
            "auto" => ShapleyMethod::Auto,
            "exact" => ShapleyMethod::Exact,
            "sampled" => ShapleyMethod::Sampled { samples, seed },
            _ => {
                return Err(ModelError::new_err(format!("method = {method:?}: expected 'auto', 'exact' or 'sampled'")));
            }
        }),
    };
    let models: Vec<AttributionModel> =
        models.iter().map(|m| AttributionModel::from_name(m, &params)).collect::<Result<_, _>>().py()?;
    if models.is_empty() {
        return Err(ModelError::new_err("name at least one model"));
    }
    let opts = AttributionOptions { max_touches, per_journey };
    let data = input.data();
    let credits = compute(py, n_threads, || attribution::compare(data, &models, &opts))?;
    Ok(credits.into_iter().map(|inner| PyAttribution { inner }).collect())
}

// ---------------------------------------------------------------------------------------------
// Journey graph

/// The journey graph: a Markov chain of order k with exact absorbing-chain analysis.
#[pyclass(name = "JourneyGraph", module = "touchpoint._touchpoint", frozen)]
struct PyJourneyGraph {
    inner: JourneyGraph,
    analysis: OnceLock<GraphAnalysis>,
}

impl PyJourneyGraph {
    fn analysis(&self, py: Python<'_>) -> PyResult<&GraphAnalysis> {
        if let Some(a) = self.analysis.get() {
            return Ok(a);
        }
        let g = &self.inner;
        let a = compute(py, None, || g.analyze())?;
        Ok(self.analysis.get_or_init(|| a))
    }
}

#[pymethods]
impl PyJourneyGraph {
    #[new]
    #[pyo3(signature = (data, order = 1, collapse_repeats = true))]
    fn new(py: Python<'_>, data: &Bound<'_, PyAny>, order: usize, collapse_repeats: bool) -> PyResult<Self> {
        let input = Input::extract(data)?;
        let d = input.data();
        let inner = match (collapse_repeats, order) {
            (true, _) => py.detach(|| JourneyGraph::from_data(d, order, None)).py()?,
            (false, 1) => py.detach(|| JourneyGraph::directly_follows(d, None)).py()?,
            (false, _) => {
                return Err(ModelError::new_err("collapse_repeats=False (the directly-follows graph) needs order=1"));
            }
        };
        Ok(Self { inner, analysis: OnceLock::new() })
    }

    /// Markov order.
    #[getter]
    fn order(&self) -> usize {
        self.inner.order()
    }

    /// Number of touchpoint states.
    #[getter]
    fn states(&self) -> usize {
        self.inner.state_count()
    }

    /// Exact P(conversion) of a journey.
    #[getter]
    fn conversion_probability(&self, py: Python<'_>) -> PyResult<f64> {
        Ok(self.analysis(py)?.conversion_probability)
    }

    /// Expected time from the start to conversion, given conversion (ms), if times are known.
    #[getter]
    fn expected_time_to_convert_ms(&self, py: Python<'_>) -> PyResult<Option<f64>> {
        Ok(self.analysis(py)?.expected_time_to_convert_ms)
    }

    /// Every transition: source, target, count, probability, value and dwell statistics (ms).
    fn transitions(&self) -> PyResult<ArrowTable> {
        let t = self.inner.transitions();
        let g = self.inner.graph();
        table(vec![
            ("source", Col::Str(t.iter().map(|x| x.from_label.to_owned()).collect())),
            ("target", Col::Str(t.iter().map(|x| x.to_label.to_owned()).collect())),
            ("source_id", Col::I64(t.iter().map(|x| x.from.index() as i64).collect())),
            ("target_id", Col::I64(t.iter().map(|x| x.to.index() as i64).collect())),
            ("count", Col::F64(t.iter().map(|x| x.stats.count).collect())),
            ("probability", Col::F64(t.iter().map(|x| x.probability).collect())),
            ("value", Col::F64(t.iter().map(|x| x.stats.value).collect())),
            ("dwell_count", Col::U64(t.iter().map(|x| x.stats.dwell.count).collect())),
            ("dwell_mean_ms", Col::OptF64(t.iter().map(|x| x.stats.dwell.mean()).collect())),
            ("dwell_std_ms", Col::OptF64(t.iter().map(|x| x.stats.dwell.std_dev()).collect())),
            (
                "dwell_min_ms",
                Col::OptI64(t.iter().map(|x| (x.stats.dwell.count > 0).then_some(x.stats.dwell.min)).collect()),
            ),
            (
                "dwell_max_ms",
                Col::OptI64(t.iter().map(|x| (x.stats.dwell.count > 0).then_some(x.stats.dwell.max)).collect()),
            ),
            ("target_kind", Col::Str(t.iter().map(|x| kind(&g[x.to].kind).to_owned()).collect())),
        ])
    }

    /// Per node: conversion probability, visits, drop-off, time to convert (exact).
    fn nodes(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let a = self.analysis(py)?;
        let g = self.inner.graph();
        let n = &a.nodes;
        table(vec![
            ("node_id", Col::I64(n.iter().map(|m| m.node as i64).collect())),
            ("label", Col::Str(n.iter().map(|m| m.label.clone()).collect())),
            ("kind", Col::Str(n.iter().map(|m| kind(&g[petgraph_index(m.node)].kind).to_owned()).collect())),
            ("visits", Col::F64(n.iter().map(|m| m.visits).collect())),
            ("expected_visits", Col::F64(n.iter().map(|m| m.expected_visits).collect())),
            ("conversion_probability", Col::F64(n.iter().map(|m| m.conversion_probability).collect())),
            ("direct_conversion_rate", Col::F64(n.iter().map(|m| m.direct_conversion_rate).collect())),
            ("dropoff_rate", Col::F64(n.iter().map(|m| m.dropoff_rate).collect())),
            ("expected_time_to_convert_ms", Col::OptF64(n.iter().map(|m| m.expected_time_to_convert_ms).collect())),
        ])
    }

    /// Removal effect of every touchpoint (on conversions and on value).
    fn removal_effects(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let r = &self.analysis(py)?.removal_effects;
        table(vec![
            ("touchpoint", Col::Str(r.iter().map(|x| x.name.clone()).collect())),
            ("removal_effect", Col::F64(r.iter().map(|x| x.conversions).collect())),
            ("removal_effect_value", Col::F64(r.iter().map(|x| x.value).collect())),
            ("conversion_probability_without", Col::F64(r.iter().map(|x| x.conversion_probability_without).collect())),
        ])
    }

    /// Exact gains of cutting drop-off by `fraction`, per touchpoint (re-solves) or per state
    /// (closed form), ranked.
    #[pyo3(signature = (fraction = 0.1, by = "touchpoint"))]
    fn prioritize(&self, py: Python<'_>, fraction: f64, by: &str) -> PyResult<ArrowTable> {
        let g = &self.inner;
        match by {
            "touchpoint" => {
                let rows = compute(py, None, || touchpoint_core::optimize::prioritize(g, fraction))?;
                table(vec![
                    ("touchpoint", Col::Str(rows.iter().map(|r| r.touchpoint.clone()).collect())),
                    ("states", Col::I64(rows.iter().map(|r| r.states as i64).collect())),
                    ("visits", Col::F64(rows.iter().map(|r| r.visits).collect())),
                    ("dropoff_rate", Col::F64(rows.iter().map(|r| r.dropoff_rate).collect())),
                    ("conversion_probability", Col::F64(rows.iter().map(|r| r.conversion_probability).collect())),
                    (
                        "new_conversion_probability",
                        Col::F64(rows.iter().map(|r| r.new_conversion_probability).collect()),
                    ),
                    ("gain", Col::F64(rows.iter().map(|r| r.gain).collect())),
                    ("extra_conversions", Col::F64(rows.iter().map(|r| r.extra_conversions).collect())),
                    ("extra_value", Col::F64(rows.iter().map(|r| r.extra_value).collect())),
                    ("marginal_gain", Col::F64(rows.iter().map(|r| r.marginal_gain).collect())),
                ])
            }
            "state" => {
                let rows = compute(py, None, || touchpoint_core::optimize::prioritize_states(g, fraction))?;
                table(vec![
                    ("state", Col::Str(rows.iter().map(|r| r.label.clone()).collect())),
                    ("visits", Col::F64(rows.iter().map(|r| r.visits).collect())),
                    ("dropoff_rate", Col::F64(rows.iter().map(|r| r.dropoff_rate).collect())),
                    ("conversion_probability", Col::F64(rows.iter().map(|r| r.conversion_probability).collect())),
                    ("return_probability", Col::F64(rows.iter().map(|r| r.return_probability).collect())),
                    (
                        "new_conversion_probability",
                        Col::F64(rows.iter().map(|r| r.new_conversion_probability).collect()),
                    ),
                    ("gain", Col::F64(rows.iter().map(|r| r.gain).collect())),
                    ("extra_conversions", Col::F64(rows.iter().map(|r| r.extra_conversions).collect())),
                    ("extra_value", Col::F64(rows.iter().map(|r| r.extra_value).collect())),
                    ("marginal_gain", Col::F64(rows.iter().map(|r| r.marginal_gain).collect())),
                ])
            }
            _ => Err(ModelError::new_err(format!("by = {by:?}: expected 'touchpoint' or 'state'"))),
        }
    }

    /// Rank allowed next touchpoints (name → cost) after the touches `partial`.
    /// Returns (current state, its conversion probability, table).
    fn next_best(&self, partial: Vec<String>, candidates: Vec<(String, f64)>) -> PyResult<(String, f64, ArrowTable)> {
        let refs: Vec<&str> = partial.iter().map(String::as_str).collect();
        let cands: Vec<touchpoint_core::optimize::Candidate> =
            candidates.into_iter().map(|(t, c)| touchpoint_core::optimize::Candidate::new(t, c)).collect();
        let r = touchpoint_core::optimize::next_best(&self.inner, &refs, &cands).py()?;
        let rows = &r.rows;
        let t = table(vec![
            ("touchpoint", Col::Str(rows.iter().map(|x| x.touchpoint.clone()).collect())),
            ("next_state", Col::Str(rows.iter().map(|x| x.next_state.clone()).collect())),
            ("observed", Col::Bool(rows.iter().map(|x| x.observed).collect())),
            ("observed_share", Col::F64(rows.iter().map(|x| x.observed_share).collect())),
            ("conversion_probability", Col::OptF64(rows.iter().map(|x| x.conversion_probability).collect())),
            ("uplift", Col::OptF64(rows.iter().map(|x| x.uplift).collect())),
            ("expected_value", Col::OptF64(rows.iter().map(|x| x.expected_value).collect())),
            ("cost", Col::F64(rows.iter().map(|x| x.cost).collect())),
            ("net_value", Col::OptF64(rows.iter().map(|x| x.net_value).collect())),
        ])?;
        Ok((r.current_state, r.current_probability, t))
    }

    /// The `k` most probable routes to conversion after the touches `partial`.
    #[pyo3(signature = (partial, k = 10, max_len = 20))]
    fn converting_paths(&self, partial: Vec<String>, k: usize, max_len: usize) -> PyResult<ArrowTable> {
        let refs: Vec<&str> = partial.iter().map(String::as_str).collect();
        let paths = touchpoint_core::optimize::converting_paths(&self.inner, &refs, k, max_len).py()?;
        table(vec![
            ("rank", Col::I64((1..=paths.len() as i64).collect())),
            ("path", Col::Str(paths.iter().map(|p| p.states.join(" > ")).collect())),
            ("steps", Col::I64(paths.iter().map(|p| p.states.len() as i64).collect())),
            ("probability", Col::F64(paths.iter().map(|p| p.probability).collect())),
        ])
    }

    /// The single most probable route from the start to a conversion: (state labels, probability),
    /// or None when no journey converts.
    fn most_probable_converting_path(&self) -> Option<(Vec<String>, f64)> {
        touchpoint_core::optimize::most_probable_converting_path(&self.inner).map(|p| (p.states, p.probability))
    }

    /// ∂P(conversion)/∂Q(source→target) of every transition: source, target, sensitivity.
    fn sensitivities(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let g = &self.inner;
        let rows = compute(py, None, || g.sensitivities())?;
        let label = |i: usize| g.graph()[touchpoint_core::graph::NodeIndex::new(i)].label.clone();
        table(vec![
            ("source", Col::Str(rows.iter().map(|r| label(r.0)).collect())),
            ("target", Col::Str(rows.iter().map(|r| label(r.1)).collect())),
            ("sensitivity", Col::F64(rows.iter().map(|r| r.2).collect())),
        ])
    }

    /// Graphviz DOT text.
    fn to_dot(&self) -> String {
        self.inner.to_dot()
    }

    /// JSON node-link document (networkx `node_link_graph(..., edges="links")`, d3).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    fn __repr__(&self) -> String {
        format!(
            "JourneyGraph(order={}, {} states, {} transitions, {} journeys)",
            self.inner.order(),
            self.inner.state_count(),
            self.inner.graph().edge_count(),
            self.inner.journey_count()
        )
    }
}

fn petgraph_index(i: usize) -> touchpoint_core::graph::NodeIndex {
    touchpoint_core::graph::NodeIndex::new(i)
}

fn kind(k: &NodeKind) -> &'static str {
    match k {
        NodeKind::Start => "start",
        NodeKind::State(_) => "state",
        NodeKind::Conversion => "conversion",
        NodeKind::Null => "null",
    }
}

/// A budget plan.
#[pyclass(name = "BudgetPlan", module = "touchpoint._touchpoint", frozen)]
struct PyBudgetPlan {
    inner: touchpoint_core::optimize::Plan,
}

#[pymethods]
impl PyBudgetPlan {
    /// Per channel: name, spend, response, marginal response.
    fn to_table(&self) -> PyResult<ArrowTable> {
        let p = &self.inner;
        table(vec![
            ("name", Col::Str(p.names.clone())),
            ("spend", Col::F64(p.spend.clone())),
            ("response", Col::F64(p.response.clone())),
            ("marginal_response", Col::F64(p.marginal.clone())),
        ])
    }
    /// Spend per channel.
    #[getter]
    fn spend(&self) -> Vec<f64> {
        self.inner.spend.clone()
    }
    /// Total spend.
    #[getter]
    fn total_spend(&self) -> f64 {
        self.inner.total_spend
    }
    /// Total expected response.
    #[getter]
    fn total_response(&self) -> f64 {
        self.inner.total_response
    }
    /// Solver used.
    #[getter]
    fn method(&self) -> String {
        self.inner.method.clone()
    }
    /// What is guaranteed about the plan.
    #[getter]
    fn optimality(&self) -> String {
        self.inner.optimality.clone()
    }
    /// Water-filling KKT gap.
    #[getter]
    fn kkt_gap(&self) -> Option<f64> {
        self.inner.kkt_gap
    }
    /// Binding bounds, unspent budget and why, locks.
    #[getter]
    fn diagnostics(&self) -> Vec<String> {
        self.inner.diagnostics.clone()
    }
}

type CurveSpec = (String, String, Vec<f64>, f64, Option<f64>, Option<f64>);

fn channels_of(curves: Vec<CurveSpec>) -> PyResult<Vec<touchpoint_core::optimize::Channel>> {
    use touchpoint_core::optimize::{Channel, ResponseCurve};
    curves
        .into_iter()
        .enumerate()
        .map(|(i, (name, kind, p, lower, upper, locked))| {
            let need = |n: usize| -> PyResult<()> {
                if p.len() == n {
                    Ok(())
                } else {
                    Err(InputError::new_err(format!(
                        "curve {i} ({name}): {kind} takes {n} parameters, got {}",
                        p.len()
                    )))
                }
            };
            let curve = match kind.as_str() {
                "hill" => {
                    need(3)?;
                    ResponseCurve::Hill { beta: p[0], alpha: p[1], gamma: p[2] }
                }
                "power" => {
                    need(2)?;
                    ResponseCurve::Power { a: p[0], b: p[1] }
                }
                "log" => {
                    need(2)?;
                    ResponseCurve::Log { a: p[0], b: p[1] }
                }
                "piecewise" => {
                    if p.len() % 2 != 0 {
                        return Err(InputError::new_err(format!(
                            "curve {i} ({name}): piecewise points come in (spend, response) pairs"
                        )));
                    }
                    ResponseCurve::Piecewise { points: p.chunks(2).map(|c| (c[0], c[1])).collect() }
                }
                _ => return Err(InputError::new_err(format!("curve {i} ({name}): unknown kind {kind:?}"))),
            };
            Ok(Channel { name, curve, lower, upper, locked })
        })
        .collect()
}

/// Plan a budget over response curves given as (name, kind, params, lower, upper, locked).
#[pyfunction]
#[pyo3(signature = (curves, *, budget = None, step = 1.0, solver = "auto", value_per_response = None, min_marginal_roi = None, target_roi = None))]
#[allow(clippy::too_many_arguments)]
fn allocate_budget(
    py: Python<'_>,
    curves: Vec<CurveSpec>,
    budget: Option<f64>,
    step: f64,
    solver: &str,
    value_per_response: Option<f64>,
    min_marginal_roi: Option<f64>,
    target_roi: Option<f64>,
) -> PyResult<PyBudgetPlan> {
    use touchpoint_core::optimize::{Objective, Solver};
    let channels = channels_of(curves)?;
    let solver = match solver {
        "auto" => Solver::Auto,
        "dp" | "dynamic_programming" => Solver::DynamicProgramming,
        "water_filling" => Solver::WaterFilling,
        "greedy" => Solver::Greedy,
        _ => {
            return Err(ModelError::new_err(format!(
                "solver = {solver:?}: expected 'auto', 'dp', 'water_filling' or 'greedy'"
            )));
        }
    };
    let objective = match (budget, value_per_response, min_marginal_roi, target_roi) {
        (Some(b), _, None, None) => Objective::Budget(b),
        (Some(b), Some(v), Some(m), None) => {
            Objective::MarginalRoi { value_per_response: v, min_marginal_roi: m, max_budget: b }
        }
        (Some(b), Some(v), None, Some(t)) => {
            Objective::TargetRoi { value_per_response: v, target_roi: t, max_budget: b }
        }
        _ => {
            return Err(ModelError::new_err(
                "give budget= alone, or budget= (the cap) with value_per_response= and one of min_marginal_roi= / target_roi=",
            ));
        }
    };
    let inner = compute(py, None, || touchpoint_core::optimize::allocate(&channels, objective, step, solver))?;
    Ok(PyBudgetPlan { inner })
}

/// Response of a given allocation: (per channel, total).
#[pyfunction]
fn evaluate_budget(curves: Vec<CurveSpec>, spend: Vec<f64>) -> PyResult<(Vec<f64>, f64)> {
    touchpoint_core::optimize::evaluate(&channels_of(curves)?, &spend).py()
}

/// Hill parameters (beta, alpha, gamma) through (spend, response) with half saturation at
/// spend × ratio.
#[pyfunction]
fn calibrate_hill(spend: f64, response: f64, alpha: f64, half_saturation_ratio: f64) -> PyResult<(f64, f64, f64)> {
    match touchpoint_core::optimize::ResponseCurve::calibrate_hill(spend, response, alpha, half_saturation_ratio)
        .py()?
    {
        touchpoint_core::optimize::ResponseCurve::Hill { beta, alpha, gamma } => Ok((beta, alpha, gamma)),
        _ => Err(InputError::new_err("calibration did not give a Hill curve")),
    }
}

/// Power parameters (a, b) through (spend, response).
#[pyfunction]
fn calibrate_power(spend: f64, response: f64, b: f64) -> PyResult<(f64, f64)> {
    match touchpoint_core::optimize::ResponseCurve::calibrate_power(spend, response, b).py()? {
        touchpoint_core::optimize::ResponseCurve::Power { a, b } => Ok((a, b)),
        _ => Err(InputError::new_err("calibration did not give a power curve")),
    }
}

/// Values of a response curve at the given spends (for plots).
#[pyfunction]
fn curve_values(curve: CurveSpec, spend: Vec<f64>) -> PyResult<Vec<f64>> {
    let ch = channels_of(vec![curve])?;
    Ok(spend.iter().map(|&x| ch[0].curve.value(x)).collect())
}

/// The journey report of the built-in demo dataset, as text (what `make demo` prints).
#[pyfunction]
#[pyo3(signature = (*, customers = 5000, seed = 7, order = 1, lookback_days = 30))]
fn demo_report(py: Python<'_>, customers: usize, seed: u64, order: usize, lookback_days: i64) -> PyResult<String> {
    compute(py, None, || {
        let events = touchpoint_core::demo::events(&touchpoint_core::demo::DemoOptions {
            customers,
            seed,
            ..Default::default()
        })?;
        let opts = JourneyOptions { lookback_ms: Some(lookback_days * touchpoint_core::DAY_MS), ..Default::default() };
        touchpoint_core::report::text_report(&events, &opts, order)
    })
}

#[pymodule]
fn _touchpoint(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", touchpoint_core::VERSION)?;
    m.add_class::<PyEvents>()?;
    m.add_class::<PyJourneys>()?;
    m.add_class::<PyPathTable>()?;
    m.add_class::<PyAttribution>()?;
    m.add_class::<PyJourneyGraph>()?;
    m.add_class::<ArrowTable>()?;
    m.add_class::<PyBudgetPlan>()?;
    m.add_function(wrap_pyfunction!(allocate_budget, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_budget, m)?)?;
    m.add_function(wrap_pyfunction!(curve_values, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate_hill, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate_power, m)?)?;
    m.add_function(wrap_pyfunction!(attribute, m)?)?;
    m.add_function(wrap_pyfunction!(demo_report, m)?)?;
    m.add_function(wrap_pyfunction!(_after_fork_in_child, m)?)?;
    if let Some(n) = std::env::var("TOUCHPOINT_NUM_THREADS").ok().and_then(|v| v.parse::<usize>().ok()) {
        // configures the global pool once; an error means it was already configured
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
    Ok(())
}
