//! Mergeable partials (the core's `partial`): `PyPartialSpec`, `PyPartialBuilder`,
//! `PyPartial`. Engines (Spark, Dask) build one per partition, merge them by addition and finish
//! them on the driver; the Python objects pickle through the core's bytes.

use std::sync::Mutex;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use touchpoint_core::attribution::{MarkovAllocation, ModelName, ShapleyKind, ValueBasis};
use touchpoint_core::partial::{Partial, PartialBuilder, PartialRow, PartialSpec};
use touchpoint_core::{Catalog, Error, ErrorKind, JourneyOptions};

use crate::attribution::PyAttribution;
use crate::conversion::{Wrap, to_py_object};
use crate::errors::{IntoPy, error};
use crate::events::PyEvents;
use crate::graph::PyJourneyGraph;
use crate::input;
use crate::paths::PyPathTable;
use crate::table::{ArrowTable, rows_table};

/// What a partial counts: sorted vocabulary, journey options, models and graph orders.
#[pyclass(name = "PyPartialSpec", module = "touchpoint._touchpoint", frozen)]
pub struct PyPartialSpec {
    pub(crate) inner: PartialSpec,
}

crate::json::json_class!(PyPartialSpec => PartialSpec, inner);

#[pymethods]
impl PyPartialSpec {
    #[new]
    #[pyo3(signature = (vocabulary, models, *, order = 1, half_life_ms = None, weights = None, allocation = Wrap(MarkovAllocation::Global), value_basis = Wrap(ValueBasis::ConversionShare), shapley_method = Wrap(ShapleyKind::Auto), shapley_samples = touchpoint_core::attribution::shapley::DEFAULT_SAMPLES, shapley_seed = 0, graph_orders = Vec::new(), paths = false, lookback_ms = None, inactivity_timeout_ms = None, collapse_repeats = false, max_touches = None, split_at_conversions = true, catalog_json = None, experience_options = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        vocabulary: Vec<String>,
        models: Vec<Wrap<ModelName>>,
        order: usize,
        half_life_ms: Option<i64>,
        weights: Option<(f64, f64, f64)>,
        allocation: Wrap<MarkovAllocation>,
        value_basis: Wrap<ValueBasis>,
        shapley_method: Wrap<ShapleyKind>,
        shapley_samples: usize,
        shapley_seed: u64,
        graph_orders: Vec<usize>,
        paths: bool,
        lookback_ms: Option<i64>,
        inactivity_timeout_ms: Option<i64>,
        collapse_repeats: bool,
        max_touches: Option<usize>,
        split_at_conversions: bool,
        catalog_json: Option<&str>,
        experience_options: Option<&str>,
    ) -> PyResult<Self> {
        let models = crate::attribution::models_of(
            &models,
            order,
            half_life_ms,
            weights,
            allocation,
            value_basis,
            shapley_method,
            shapley_samples,
            shapley_seed,
        )?;
        let journeys =
            JourneyOptions { lookback_ms, inactivity_timeout_ms, collapse_repeats, max_touches, split_at_conversions };
        let mut catalog = Catalog::from_names(&vocabulary);
        if let Some(json) = catalog_json {
            catalog.apply_attrs(&Catalog::from_json(json).py()?);
        }
        let mut names = vocabulary.clone();
        names.sort_unstable();
        names.dedup();
        let spec = PartialSpec::from_catalog(&catalog_of(&names, &catalog), journeys)
            .and_then(|s| s.models(&models))
            .and_then(|s| s.graph_orders(&graph_orders))
            .py()?
            .with_paths(paths);
        let spec = match experience_options {
            Some(json) => {
                spec.with_experience(touchpoint_core::experience::ExperienceSpec::from_json(json).py()?.options)
            }
            None => spec,
        };
        Ok(Self { inner: spec })
    }

    /// Fingerprint of the vocabulary and every option (16 hex digits).
    #[getter]
    fn fingerprint(&self) -> String {
        format!("{:016x}", self.inner.fingerprint())
    }

    /// The touchpoint names, sorted (ids are positions in this list).
    #[getter]
    fn vocabulary(&self) -> Vec<String> {
        self.inner.catalog().names().to_vec()
    }

    /// The models' labels, in order.
    #[getter]
    fn models(&self) -> Vec<String> {
        self.inner.model_list().iter().map(|m| m.to_string()).collect()
    }

    /// Every graph order counted.
    #[getter]
    fn orders(&self) -> Vec<usize> {
        self.inner.orders()
    }

    /// The spec as bytes (an empty partial's container).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &Partial::empty(&self.inner).to_bytes())
    }

    /// A spec from `to_bytes`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(Self { inner: Partial::from_bytes(data).py()?.spec().clone() })
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
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

/// The vocabulary `names` (sorted) with the attributes `catalog` has for them.
fn catalog_of(names: &[String], catalog: &Catalog) -> Catalog {
    let mut c = Catalog::from_names(names);
    c.apply_attrs(catalog);
    c
}

/// Builds one partition's partial from event batches.
#[pyclass(name = "PyPartialBuilder", module = "touchpoint._touchpoint", frozen)]
pub struct PyPartialBuilder {
    inner: Mutex<Option<PartialBuilder>>,
}

impl PyPartialBuilder {
    fn with<T>(&self, f: impl FnOnce(&mut Option<PartialBuilder>) -> PyResult<T>) -> PyResult<T> {
        let mut g = self.inner.lock().map_err(|_| error(ErrorKind::InvalidOption, "the builder was poisoned"))?;
        f(&mut g)
    }
}

fn finished() -> PyErr {
    error(ErrorKind::InvalidOption, "invalid option `builder`: finish() was already called; start a new builder")
}

#[pymethods]
impl PyPartialBuilder {
    #[new]
    fn new(spec: &PyPartialSpec) -> Self {
        Self { inner: Mutex::new(Some(PartialBuilder::new(&spec.inner))) }
    }

    /// Add a batch of events (a customer may continue in the next batch).
    fn push(&self, py: Python<'_>, events: &Bound<'_, PyEvents>) -> PyResult<()> {
        let ev = &events.get().inner;
        self.with(|b| {
            let b = b.as_mut().ok_or_else(finished)?;
            py.detach(|| b.push(ev)).py()
        })
    }

    /// The partition's partial (the builder cannot be used afterwards).
    fn finish(&self, py: Python<'_>) -> PyResult<PyPartial> {
        let b = self.with(|b| b.take().ok_or_else(finished))?;
        Ok(PyPartial { inner: py.detach(|| b.finish()).py()? })
    }
}

/// Mergeable counts of a share of the customers.
#[pyclass(name = "PyPartial", module = "touchpoint._touchpoint", frozen)]
pub struct PyPartial {
    pub(crate) inner: Partial,
}

crate::json::json_class!(PyPartial => Partial, inner);

#[pymethods]
impl PyPartial {
    /// The empty partial (identity of merge).
    #[staticmethod]
    fn empty(spec: &PyPartialSpec) -> Self {
        Self { inner: Partial::empty(&spec.inner) }
    }

    /// Merge partials (exact addition; any order gives the same bits).
    #[staticmethod]
    fn merge_all(py: Python<'_>, spec: &PyPartialSpec, parts: Vec<PyRef<'_, PyPartial>>) -> PyResult<Self> {
        let refs: Vec<&Partial> = parts.iter().map(|p| &p.inner).collect();
        Ok(Self { inner: py.detach(|| Partial::merge_all(&spec.inner, refs)).py()? })
    }

    /// The spec it was built with.
    #[getter]
    fn spec(&self) -> PyPartialSpec {
        PyPartialSpec { inner: self.inner.spec().clone() }
    }

    /// Built partials merged into this one.
    #[getter]
    fn parts(&self) -> u64 {
        self.inner.parts()
    }

    /// (journeys, conversions, value).
    #[getter]
    fn totals(&self) -> (f64, f64, f64) {
        self.inner.totals()
    }

    /// The journey build report summed over the partitions.
    #[getter]
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py_object(py, &self.inner.report())
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }

    /// Checked bytes (the saved-model container, kind `partial`).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let b = py.detach(|| self.inner.to_bytes());
        PyBytes::new(py, &b)
    }

    /// A partial from `to_bytes`.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        Ok(Self { inner: py.detach(|| Partial::from_bytes(data)).py()? })
    }

    /// The sum table (`PartialRow`s), fingerprint row first.
    fn rows(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let rows = py.detach(|| self.inner.rows()).py()?;
        rows_table(&rows)
    }

    /// A partial from sum-table rows (merged by an engine or not) with the same spec.
    #[staticmethod]
    fn from_arrow(py: Python<'_>, spec: &PyPartialSpec, table: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (names, batches) = input::read_stream(table)?;
        let rows = rows_of(&names, &batches)?;
        Ok(Self { inner: py.detach(|| Partial::from_rows(&spec.inner, &rows)).py()? })
    }

    /// Every model of the spec.
    fn attribute(&self, py: Python<'_>) -> PyResult<Vec<PyAttribution>> {
        let credits = py.detach(|| self.inner.attribute()).py()?;
        Ok(credits.into_iter().map(|inner| PyAttribution { inner }).collect())
    }

    /// The journey graph of `order`.
    fn graph(&self, py: Python<'_>, order: usize) -> PyResult<PyJourneyGraph> {
        Ok(PyJourneyGraph::of(py.detach(|| self.inner.graph(order)).py()?))
    }

    /// The experience table of the counted feedback scores.
    fn experience(&self, py: Python<'_>) -> PyResult<crate::experience::PyExperience> {
        Ok(crate::experience::PyExperience { inner: py.detach(|| self.inner.experience()).py()? })
    }

    /// The path table.
    fn path_table(&self, py: Python<'_>) -> PyResult<PyPathTable> {
        Ok(PyPathTable { inner: py.detach(|| self.inner.path_table()).py()? })
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

/// `PartialRow`s from Arrow batches with the row type's columns (any string flavour, int64).
fn rows_of(names: &[String], batches: &[RecordBatch]) -> PyResult<Vec<PartialRow>> {
    let col = |name: &str| input::column_index(names, name);
    let idx = [
        col("kind")?,
        col("key")?,
        col("n")?,
        col("c")?,
        col("value_hi")?,
        col("value_lo")?,
        col("x_hi")?,
        col("x_lo")?,
        col("dwell_n")?,
        col("dwell_sum_hi")?,
        col("dwell_sum_lo")?,
        col("dwell_sq_hi")?,
        col("dwell_sq_lo")?,
        col("dwell_min")?,
        col("dwell_max")?,
    ];
    let mut out = Vec::new();
    for b in batches {
        let text = |i: usize| -> PyResult<Vec<String>> {
            let a = b.column(idx[i]);
            let name = &names[idx[i]];
            let v: Vec<Option<&str>> = match a.data_type() {
                DataType::Utf8 => a.as_string::<i32>().iter().collect(),
                DataType::LargeUtf8 => a.as_string::<i64>().iter().collect(),
                DataType::Utf8View => a.as_string_view().iter().collect(),
                t => return Err(bad_column(name, 0, &format!("a string column, not {t}"))),
            };
            v.into_iter()
                .enumerate()
                .map(|(r, s)| s.map(str::to_owned).ok_or_else(|| bad_column(name, r, "a value, not null")))
                .collect()
        };
        let int = |i: usize| -> PyResult<Vec<i64>> {
            let a = b.column(idx[i]);
            let name = &names[idx[i]];
            if a.data_type() != &DataType::Int64 {
                return Err(bad_column(name, 0, &format!("an int64 column, not {}", a.data_type())));
            }
            let a = a.as_primitive::<Int64Type>();
            (0..a.len())
                .map(|r| if a.is_null(r) { Err(bad_column(name, r, "a value, not null")) } else { Ok(a.value(r)) })
                .collect()
        };
        let (kind, key) = (text(0)?, text(1)?);
        let ints: Vec<Vec<i64>> = (2..15).map(int).collect::<PyResult<_>>()?;
        for r in 0..b.num_rows() {
            let v = |j: usize| ints[j][r];
            out.push(PartialRow {
                kind: kind[r].clone(),
                key: key[r].clone(),
                n: v(0),
                c: v(1),
                value_hi: v(2),
                value_lo: v(3),
                x_hi: v(4),
                x_lo: v(5),
                dwell_n: v(6),
                dwell_sum_hi: v(7),
                dwell_sum_lo: v(8),
                dwell_sq_hi: v(9),
                dwell_sq_lo: v(10),
                dwell_min: v(11),
                dwell_max: v(12),
            });
        }
    }
    Ok(out)
}

fn bad_column(name: &str, row: usize, want: &str) -> PyErr {
    crate::errors::to_py(Error::InvalidValue {
        column: name.to_owned(),
        location: touchpoint_core::Location::Row(row),
        value: String::new(),
        reason: format!("partial rows need {want}"),
    })
}
