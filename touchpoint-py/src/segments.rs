//! Segments, bootstrap intervals and personas: `attribute_by_segment`, `graph_intervals`,
//! `graph_by_segment`, `top_paths_by_segment`, `personas` (core `segmented`, `bootstrap`,
//! `persona`). Options keep the core's names; results are core rows through `rows_table`.

use pyo3::prelude::*;
use touchpoint_core::attribution::{AttributionModel, AttributionOptions, ModelName, ModelParams};
use touchpoint_core::bootstrap::BootstrapOptions;
use touchpoint_core::persona::{self, PersonaOptions, Personas};
use touchpoint_core::segmented::{self, SegmentAttribution, SegmentGraph};
use touchpoint_core::{Error, PathRank, graph::intervals};

use crate::compute;
use crate::conversion::Wrap;
use crate::data::DataArg;
use crate::errors::IntoPy;
use crate::journeymap::PySegments;
use crate::journeys::PyJourneys;
use crate::table::{ArrowTable, rows_table};

/// The core's bootstrap options from the faces' keywords (`bootstrap` resamples, `ci`, `seed`).
pub fn boot_of(bootstrap: Option<usize>, ci: f64, seed: u64) -> Option<BootstrapOptions> {
    bootstrap.map(|resamples| BootstrapOptions { resamples, seed, level: ci })
}

fn models_of(models: &[Wrap<ModelName>], order: usize) -> PyResult<Vec<AttributionModel>> {
    let params = ModelParams { order: Some(order), ..Default::default() };
    let out: Vec<AttributionModel> =
        models.iter().map(|m| AttributionModel::from_kind(m.0, &params)).collect::<Result<_, _>>().py()?;
    if out.is_empty() {
        return Err(Error::InvalidOption {
            option: "models",
            value: "[]".into(),
            reason: "name at least one model".into(),
        })
        .py();
    }
    Ok(out)
}

/// Attribution per segment (core `SegmentAttribution`).
#[pyclass(name = "PySegmentAttribution", module = "touchpoint._touchpoint", frozen)]
pub struct PySegmentAttribution {
    inner: SegmentAttribution,
}

crate::json::json_class!(PySegmentAttribution => SegmentAttribution, inner);

#[pymethods]
impl PySegmentAttribution {
    /// One `SegmentAttributionRow` per segment, model and touchpoint.
    fn table(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.table())
    }

    /// Segments `a` and `b` side by side (`SegmentDiffRow`s).
    fn compare(&self, a: &str, b: &str) -> PyResult<ArrowTable> {
        rows_table(&self.inner.compare(a, b).py()?)
    }

    /// Segments analysed, in label order.
    #[getter]
    fn segments(&self) -> Vec<String> {
        self.inner.segments.iter().map(|s| s.segment.clone()).collect()
    }

    /// Segments not analysed: `[(segment, reason)]`.
    #[getter]
    fn skipped(&self) -> Vec<(String, String)> {
        self.inner.skipped.clone()
    }

    /// Notes of every model of every segment: `[(segment, model, note)]`.
    #[getter]
    fn notes(&self) -> Vec<(String, String, String)> {
        self.inner
            .segments
            .iter()
            .flat_map(|s| {
                s.credits
                    .iter()
                    .flat_map(move |c| c.notes.iter().map(move |n| (s.segment.clone(), c.column_name(), n.clone())))
            })
            .collect()
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

/// Run attribution models on each segment's journeys.
#[pyfunction]
#[pyo3(signature = (journeys, segments, models, *, order = 1, max_touches = None, bootstrap = None, ci = 0.95, seed = 0, n_threads = None, progress = None))]
#[allow(clippy::too_many_arguments)]
pub fn attribute_by_segment(
    py: Python<'_>,
    journeys: &Bound<'_, PyJourneys>,
    segments: &Bound<'_, PySegments>,
    models: Vec<Wrap<ModelName>>,
    order: usize,
    max_touches: Option<usize>,
    bootstrap: Option<usize>,
    ci: f64,
    seed: u64,
    n_threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<PySegmentAttribution> {
    let models = models_of(&models, order)?;
    let opts = AttributionOptions { max_touches, per_journey: false };
    let boot = boot_of(bootstrap, ci, seed);
    let (js, seg) = (&journeys.get().inner, &segments.get().inner);
    let inner = crate::compute_watched(py, n_threads, progress, || {
        segmented::attribute_by_segment(js, seg, &models, &opts, boot.as_ref())
    })?;
    Ok(PySegmentAttribution { inner })
}

/// Graph metrics per segment (core `SegmentGraph`).
#[pyclass(name = "PySegmentGraph", module = "touchpoint._touchpoint", frozen)]
pub struct PySegmentGraph {
    inner: SegmentGraph,
}

crate::json::json_class!(PySegmentGraph => SegmentGraph, inner);

#[pymethods]
impl PySegmentGraph {
    /// One `SegmentGraphRow` per segment, metric and item.
    fn table(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.table())
    }

    /// Segments `a` and `b` side by side on P(conversion) and removal effects.
    fn compare(&self, a: &str, b: &str) -> PyResult<ArrowTable> {
        rows_table(&self.inner.compare(a, b).py()?)
    }

    /// Segments not analysed: `[(segment, reason)]`.
    #[getter]
    fn skipped(&self) -> Vec<(String, String)> {
        self.inner.skipped.clone()
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

/// The graph metrics of each segment.
#[pyfunction]
#[pyo3(signature = (journeys, segments, *, order = 1, max_touches = None, bootstrap = None, ci = 0.95, seed = 0, n_threads = None, progress = None))]
#[allow(clippy::too_many_arguments)]
pub fn graph_by_segment(
    py: Python<'_>,
    journeys: &Bound<'_, PyJourneys>,
    segments: &Bound<'_, PySegments>,
    order: usize,
    max_touches: Option<usize>,
    bootstrap: Option<usize>,
    ci: f64,
    seed: u64,
    n_threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<PySegmentGraph> {
    let boot = boot_of(bootstrap, ci, seed);
    let (js, seg) = (&journeys.get().inner, &segments.get().inner);
    let inner = crate::compute_watched(py, n_threads, progress, || {
        segmented::graph_by_segment(js, seg, order, max_touches, boot.as_ref())
    })?;
    Ok(PySegmentGraph { inner })
}

/// The graph's metrics with bootstrap intervals (core `GraphIntervals`).
#[pyclass(name = "PyGraphIntervals", module = "touchpoint._touchpoint", frozen)]
pub struct PyGraphIntervals {
    inner: intervals::GraphIntervals,
}

crate::json::json_class!(PyGraphIntervals => intervals::GraphIntervals, inner);

#[pymethods]
impl PyGraphIntervals {
    /// One `GraphIntervalRow` per metric and item.
    fn rows(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.rows)
    }

    /// How the intervals were computed.
    #[getter]
    fn notes(&self) -> Vec<String> {
        self.inner.notes.clone()
    }

    /// The JSON document (`kind`, `version`, the fields) that `from_json` reads back.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        crate::json::JsonClass::json(self, py)
    }

    /// The intervals of a `to_json` document (another kind's is a `ModelFileError` naming both).
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Self> {
        crate::json::JsonClass::of_json(py, json)
    }
}

/// The graph metrics with bootstrap intervals.
#[pyfunction]
#[pyo3(signature = (data, *, order = 1, max_touches = None, bootstrap = 200, ci = 0.95, seed = 0, n_threads = None, progress = None))]
#[allow(clippy::too_many_arguments)]
pub fn graph_intervals(
    py: Python<'_>,
    data: DataArg<'_>,
    order: usize,
    max_touches: Option<usize>,
    bootstrap: usize,
    ci: f64,
    seed: u64,
    n_threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<PyGraphIntervals> {
    let boot = BootstrapOptions { resamples: bootstrap, seed, level: ci };
    let data = data.data();
    let inner = crate::compute_watched(py, n_threads, progress, || {
        intervals::graph_intervals(data, order, max_touches, &boot)
    })?;
    Ok(PyGraphIntervals { inner })
}

/// The `k` top paths of each segment (`SegmentTopPathRow`s).
#[pyfunction]
#[pyo3(signature = (journeys, segments, k = 10, *, by = Wrap(PathRank::Journeys)))]
pub fn top_paths_by_segment(
    journeys: &Bound<'_, PyJourneys>,
    segments: &Bound<'_, PySegments>,
    k: usize,
    by: Wrap<PathRank>,
) -> PyResult<ArrowTable> {
    let rows = segmented::top_paths_by_segment(&journeys.get().inner, &segments.get().inner, k, by.0).py()?;
    rows_table(&rows)
}

/// Personas (core `Personas`).
#[pyclass(name = "PyPersonas", module = "touchpoint._touchpoint", frozen)]
pub struct PyPersonas {
    inner: Personas,
}

crate::json::json_class!(PyPersonas => Personas, inner);

#[pymethods]
impl PyPersonas {
    /// One `PersonaRow` per persona, largest first.
    fn table(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.rows)
    }

    /// The personas as segments (for `segment=` of any analysis).
    fn segments(&self) -> PySegments {
        PySegments { inner: self.inner.segments.clone() }
    }

    /// Number of personas.
    #[getter]
    fn k(&self) -> usize {
        self.inner.k
    }

    /// Silhouette of every k tried: `[(k, score)]`.
    #[getter]
    fn silhouette(&self) -> Vec<(usize, f64)> {
        self.inner.silhouette.clone()
    }

    /// Within-persona sum of squared distances.
    #[getter]
    fn inertia(&self) -> f64 {
        self.inner.inertia
    }

    /// Feature names.
    #[getter]
    fn features(&self) -> Vec<String> {
        self.inner.features.clone()
    }

    /// Customers without journeys (no persona).
    #[getter]
    fn customers_without_journeys(&self) -> usize {
        self.inner.customers_without_journeys
    }

    /// Each customer's persona: `[(customer, persona)]` in customer order (customers named as
    /// in the journeys the personas were found in).
    fn assignments(&self) -> Vec<(String, String)> {
        self.inner.assignments().map(|(c, p)| (c.to_owned(), p.to_owned())).collect()
    }

    fn __repr__(&self) -> String {
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

/// Cluster customers into personas by their journeys (seeded k-means++).
#[pyfunction]
#[pyo3(signature = (journeys, *, k = None, k_min = 2, k_max = 8, seed = 0, max_iter = 100, restarts = 4, silhouette_sample = 2000, top = 3, n_threads = None))]
#[allow(clippy::too_many_arguments)]
pub fn personas(
    py: Python<'_>,
    journeys: &Bound<'_, PyJourneys>,
    k: Option<usize>,
    k_min: usize,
    k_max: usize,
    seed: u64,
    max_iter: usize,
    restarts: usize,
    silhouette_sample: usize,
    top: usize,
    n_threads: Option<usize>,
) -> PyResult<PyPersonas> {
    let opts = PersonaOptions { k, k_min, k_max, seed, max_iter, restarts, silhouette_sample, top };
    let js = &journeys.get().inner;
    let inner = compute(py, n_threads, || persona::personas(js, &opts))?;
    Ok(PyPersonas { inner })
}
