//! `PyPathTable`: distinct paths with conversions, non-conversions (nulls) and value, from CSV,
//! Arrow tables, Python lists or journeys; top paths and Sankey flows.

use pyo3::prelude::*;
use touchpoint_core::{Catalog, Error, PathCsvOptions, PathRank, PathTable, parse_delimiter, parse_separator};

use crate::conversion::Wrap;
use crate::errors::IntoPy;
use crate::input;
use crate::journeys::PyJourneys;
use crate::table::{ArrowTable, rows_table};

/// Distinct paths with conversions, non-conversions (nulls) and value.
#[pyclass(name = "PyPathTable", module = "touchpoint._touchpoint", frozen)]
pub struct PyPathTable {
    pub inner: PathTable,
}

crate::json::json_class!(PyPathTable => touchpoint_core::PathTable, inner);

/// A checked path separator (the core's rule: not empty, on one line).
fn separator_of(separator: &str) -> PyResult<String> {
    parse_separator(separator).map(String::from).py()
}

#[pymethods]
impl PyPathTable {
    /// Read a path CSV with the core's reader.
    #[staticmethod]
    #[pyo3(signature = (path, *, separator = ">", path_column = "path", conversions = "total_conversions", nulls = None, value = None, delimiter = ",", progress = None))]
    #[allow(clippy::too_many_arguments)]
    fn read_csv(
        py: Python<'_>,
        path: std::path::PathBuf,
        separator: &str,
        path_column: &str,
        conversions: &str,
        nulls: Option<String>,
        value: Option<String>,
        delimiter: &str,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let o = PathCsvOptions {
            path: path_column.into(),
            conversions: conversions.into(),
            nulls,
            value,
            separator: separator_of(separator)?,
            delimiter: parse_delimiter(delimiter).py()?,
        };
        let inner = crate::compute_watched(py, None, progress, || PathTable::read_csv_path(&path, &o))?;
        Ok(Self { inner })
    }

    /// A path table from any table with the Arrow PyCapsule interface.
    #[staticmethod]
    #[pyo3(signature = (table, *, path, conversions, nulls = None, value = None, separator = ">"))]
    fn from_arrow(
        py: Python<'_>,
        table: &Bound<'_, PyAny>,
        path: String,
        conversions: String,
        nulls: Option<String>,
        value: Option<String>,
        separator: &str,
    ) -> PyResult<Self> {
        let separator = separator_of(separator)?;
        let used: Vec<&str> = [Some(&path), Some(&conversions), nulls.as_ref(), value.as_ref()]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let (names, batches) = input::read_table(table, &used)?;
        let spec = input::PathSpec { path, conversions, nulls, value, separator };
        let inner = py.detach(|| input::paths_from_batches(&batches, &names, &spec))?;
        Ok(Self { inner })
    }

    /// A path table from Python lists (the fallback without pyarrow).
    #[staticmethod]
    #[pyo3(signature = (paths, conversions, nulls, value, *, separator = ">"))]
    fn from_lists(
        paths: Vec<String>,
        conversions: Vec<f64>,
        nulls: Vec<f64>,
        value: Vec<f64>,
        separator: &str,
    ) -> PyResult<Self> {
        let separator = separator_of(separator)?;
        let n = paths.len();
        let lengths = [("conversions", conversions.len()), ("nulls", nulls.len()), ("value", value.len())];
        if let Some(&(name, len)) = lengths.iter().find(|(_, len)| *len != n) {
            return Err(Error::LengthMismatch {
                column: name.into(),
                reference: "paths".into(),
                expected: n,
                found: len,
            })
            .py();
        }
        if n == 0 {
            return Err(Error::EmptyInput { what: "the path table", hint: "path row" }).py();
        }
        let mut t = PathTable::default();
        let columns = ("path", "conversions", "nulls", "value");
        for i in 0..n {
            t.add_cells(i, &paths[i], &separator, columns, Some(conversions[i]), Some(nulls[i]), Some(value[i]))
                .py()?;
        }
        Ok(Self { inner: t })
    }

    /// The path table of journeys (one row per distinct touchpoint sequence).
    #[staticmethod]
    fn from_journeys(py: Python<'_>, journeys: &Bound<'_, PyJourneys>) -> Self {
        let j = &journeys.get().inner;
        Self { inner: py.detach(|| PathTable::from_journeys(j)) }
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

    /// The table of `PathTableRow`s: path, conversions, nulls, value.
    #[pyo3(signature = (separator = " > "))]
    fn to_table(&self, py: Python<'_>, separator: &str) -> PyResult<ArrowTable> {
        let t = &self.inner;
        py.detach(|| rows_table(&t.table(separator)))
    }

    /// The `k` top paths (`TopPath` rows) plus a remainder row, so totals are conserved.
    #[pyo3(signature = (k = 10, by = Wrap(PathRank::Journeys)))]
    fn top_paths(&self, k: usize, by: Wrap<PathRank>) -> PyResult<ArrowTable> {
        rows_table(&self.inner.top_paths(k, by.0))
    }

    /// Step-indexed Sankey flows: (`SankeyNode`, `SankeyLink`) tables.
    #[pyo3(signature = (max_steps = 5, top_k = 8))]
    fn sankey(&self, max_steps: usize, top_k: usize) -> PyResult<(ArrowTable, ArrowTable)> {
        let s = self.inner.sankey(max_steps, top_k).py()?;
        Ok((rows_table(&s.nodes)?, rows_table(&s.links)?))
    }

    /// A copy with touchpoint attributes (channel, stage, cost, direct, paid) from a JSON catalog.
    fn with_catalog_json(&self, json: &str) -> PyResult<Self> {
        let cat = Catalog::from_json(json).py()?;
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
    #[pyo3(signature = (path, *, separator = ">"))]
    fn write_csv(&self, path: std::path::PathBuf, separator: &str) -> PyResult<()> {
        let f =
            std::fs::File::create(&path).map_err(|e| Error::Io { path: path.display().to_string(), source: e }).py()?;
        self.inner.write_csv(std::io::BufWriter::new(f), separator).py()
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
