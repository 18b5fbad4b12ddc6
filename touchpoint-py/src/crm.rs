//! Saved models, batch scoring and increments (the core's `saved`, `optimize::score` and
//! `increment`): bytes and files in and out, a reusable `PyScorer`, `journeys_append`.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use touchpoint_core::optimize::{Candidate, ScoreOptions, Scorer};
use touchpoint_core::{JourneyGraph, Journeys, saved};

use crate::attribution::PyAttribution;
use crate::compute;
use crate::conversion::to_py_object;
use crate::errors::IntoPy;
use crate::events::PyEvents;
use crate::graph::PyJourneyGraph;
use crate::journeys::PyJourneys;
use crate::table::{ArrowTable, rows_table_iter};
use touchpoint_core::optimize::{ScoreNextRow, ScoreRow, ScoreSet, Scores};

/// The graph (with its analysis) as bytes.
#[pyfunction]
pub fn graph_to_bytes<'py>(py: Python<'py>, graph: &Bound<'py, PyJourneyGraph>) -> PyResult<Bound<'py, PyBytes>> {
    let g = graph.get();
    g.analysis(py)?;
    let b = py.detach(|| g.inner.to_bytes()).py()?;
    Ok(PyBytes::new(py, &b))
}

/// A graph from bytes written by `graph_to_bytes`.
#[pyfunction]
pub fn graph_from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<PyJourneyGraph> {
    Ok(PyJourneyGraph::of(py.detach(|| JourneyGraph::from_bytes(data)).py()?))
}

/// Save a graph (written to a temporary file, renamed into place).
#[pyfunction]
pub fn graph_save(py: Python<'_>, graph: &Bound<'_, PyJourneyGraph>, path: std::path::PathBuf) -> PyResult<()> {
    let g = graph.get();
    g.analysis(py)?;
    py.detach(|| g.inner.save(&path)).py()
}

/// Load a graph saved by `graph_save`.
#[pyfunction]
pub fn graph_load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<PyJourneyGraph> {
    Ok(PyJourneyGraph::of(py.detach(|| JourneyGraph::load(&path)).py()?))
}

pub(crate) fn journeys_of(inner: Journeys) -> PyJourneys {
    let report = inner.report().cloned().unwrap_or_default();
    PyJourneys { inner, report }
}

/// Journeys (with their open tails and report) as bytes.
#[pyfunction]
pub fn journeys_to_bytes<'py>(py: Python<'py>, journeys: &Bound<'py, PyJourneys>) -> Bound<'py, PyBytes> {
    let j = &journeys.get().inner;
    let b = py.detach(|| j.to_bytes());
    PyBytes::new(py, &b)
}

/// Journeys from bytes written by `journeys_to_bytes`.
#[pyfunction]
pub fn journeys_from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<PyJourneys> {
    Ok(journeys_of(py.detach(|| Journeys::from_bytes(data)).py()?))
}

/// Save journeys.
#[pyfunction]
pub fn journeys_save(py: Python<'_>, journeys: &Bound<'_, PyJourneys>, path: std::path::PathBuf) -> PyResult<()> {
    let j = &journeys.get().inner;
    py.detach(|| j.save(&path)).py()
}

/// Load journeys saved by `journeys_save`.
#[pyfunction]
pub fn journeys_load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<PyJourneys> {
    Ok(journeys_of(py.detach(|| Journeys::load(&path)).py()?))
}

/// Append a batch of events: the new journeys and the append report (a dict).
#[pyfunction]
pub fn journeys_append<'py>(
    py: Python<'py>,
    journeys: &Bound<'py, PyJourneys>,
    events: &Bound<'py, PyEvents>,
) -> PyResult<(PyJourneys, Bound<'py, PyAny>)> {
    let (j, e) = (&journeys.get().inner, &events.get().inner);
    let (inner, report, added) = py.detach(|| j.append(e)).py()?;
    Ok((PyJourneys { inner, report }, to_py_object(py, &added)?))
}

/// Attribution results as bytes.
#[pyfunction]
pub fn credits_to_bytes<'py>(py: Python<'py>, results: Vec<Bound<'py, PyAttribution>>) -> Bound<'py, PyBytes> {
    let list: Vec<touchpoint_core::attribution::Credits> = results.iter().map(|r| r.get().inner.clone()).collect();
    PyBytes::new(py, &saved::credits_to_bytes(&list))
}

/// Attribution results from bytes written by `credits_to_bytes`.
#[pyfunction]
pub fn credits_from_bytes(data: &[u8]) -> PyResult<Vec<PyAttribution>> {
    Ok(saved::credits_from_bytes(data).py()?.into_iter().map(|inner| PyAttribution { inner }).collect())
}

/// The header of a saved model (a dict: kind, format_version, library_version, fingerprint,
/// bytes).
#[pyfunction]
pub fn model_info<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    to_py_object(py, &saved::inspect(data).py()?)
}

/// A graph prepared for scoring open journeys (the core's `Scorer`).
#[pyclass(name = "PyScorer", module = "touchpoint._touchpoint", frozen)]
pub struct PyScorer {
    inner: std::sync::Arc<Scorer>,
}

crate::json::json_class!(PyScorer => Scorer, inner, |s| Self { inner: std::sync::Arc::new(s) });

/// Scored customers (the core's `ScoreSet`: the scorer and the customer names with the compact
/// scores; the tables are made on demand).
#[pyclass(name = "PyScores", module = "touchpoint._touchpoint", frozen)]
pub struct PyScores {
    inner: ScoreSet,
}

crate::json::json_class!(PyScores => ScoreSet, inner);

#[pymethods]
impl PyScores {
    /// (per-customer `ScoreRow`s, top-k `ScoreNextRow`s), built together without the GIL.
    fn tables(&self, py: Python<'_>) -> PyResult<(ArrowTable, ArrowTable)> {
        tables(py, &self.inner.scores())
    }

    /// Customers scored.
    fn __len__(&self) -> usize {
        self.inner.scores().len()
    }

    /// Next-touchpoint rows.
    #[getter]
    fn next_len(&self) -> usize {
        self.inner.scores().next_len()
    }

    /// The JSON document (`kind`, `version`, the scorer and the scores) that `from_json` reads
    /// back.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        crate::json::JsonClass::json(self, py)
    }

    /// The scores of a `to_json` document (another kind's is a `ModelFileError` naming both).
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Self> {
        crate::json::JsonClass::of_json(py, json)
    }
}

#[pymethods]
impl PyScorer {
    /// Prepare `graph`: `candidates` as (touchpoint, cost) pairs, or None for every touchpoint at
    /// its catalog cost.
    #[new]
    #[pyo3(signature = (graph, candidates = None, top_k = 3, collapse_repeats = false))]
    fn new(
        py: Python<'_>,
        graph: &Bound<'_, PyJourneyGraph>,
        candidates: Option<Vec<(String, f64)>>,
        top_k: usize,
        collapse_repeats: bool,
    ) -> PyResult<Self> {
        let g = graph.get();
        g.node_analysis(py)?;
        let opts = ScoreOptions {
            candidates: candidates.map(|c| c.into_iter().map(|(t, cost)| Candidate::new(t, cost)).collect()),
            top_k,
            collapse_repeats,
        };
        Ok(Self { inner: std::sync::Arc::new(compute(py, None, || Scorer::new(&g.inner, &opts))?) })
    }

    /// Score the open journeys of an event table.
    fn score_events(&self, py: Python<'_>, events: &Bound<'_, PyEvents>) -> PyResult<PyScores> {
        let ev = &events.get().inner;
        Ok(PyScores { inner: compute(py, None, || self.inner.score_events_owned(ev))? })
    }

    /// Score each customer's open journey of `journeys`.
    fn score_journeys(&self, py: Python<'_>, journeys: &Bound<'_, PyJourneys>) -> PyResult<PyScores> {
        let j = &journeys.get().inner;
        Ok(PyScores { inner: compute(py, None, || self.inner.score_journeys_owned(j))? })
    }

    /// Number of candidates.
    #[getter]
    fn candidates(&self) -> usize {
        self.inner.candidate_count()
    }

    /// The JSON document (`kind`, `version`, the scorer's tables) that `from_json` reads back.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        crate::json::JsonClass::json(self, py)
    }

    /// The scorer of a `to_json` document (another kind's is a `ModelFileError` naming both).
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Self> {
        crate::json::JsonClass::of_json(py, json)
    }
}

/// The two Arrow tables of scores, streamed from the core's compact rows (no row list is made),
/// the second built while the first is, without the GIL.
fn tables(py: Python<'_>, s: &Scores<'_>) -> PyResult<(ArrowTable, ArrowTable)> {
    py.detach(|| {
        let (a, b) = rayon::join(
            || rows_table_iter::<ScoreRow<'_>, _>(s.rows()),
            || rows_table_iter::<ScoreNextRow<'_>, _>(s.next_rows()),
        );
        Ok((a?, b?))
    })
}
