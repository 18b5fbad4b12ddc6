//! `PyJourneyGraph`: the journey graph (a Markov chain of order k) with its exact
//! absorbing-chain analysis, drop-off priorities, next-best rankings and exports.

use pyo3::prelude::*;
use touchpoint_core::optimize::{self, Candidate, ConvertingPath, PrioritizeBy};
use touchpoint_core::{Error, GraphAnalysis, JourneyGraph};

use crate::conversion::{Wrap, to_py_object};
use crate::data::DataArg;
use crate::errors::IntoPy;
use crate::experience::PyExperience;
use crate::table::{ArrowTable, rows_table};
use crate::{compute, compute_watched};

/// The journey graph: a Markov chain of order k with exact absorbing-chain analysis.
#[pyclass(name = "PyJourneyGraph", module = "touchpoint._touchpoint", frozen)]
pub struct PyJourneyGraph {
    pub(crate) inner: JourneyGraph,
}

impl PyJourneyGraph {
    pub(crate) fn of(inner: JourneyGraph) -> Self {
        Self { inner }
    }

    /// The exact analysis, computed once (the core keeps it; a loaded graph brings its own).
    pub(crate) fn analysis(&self, py: Python<'_>) -> PyResult<&GraphAnalysis> {
        let g = &self.inner;
        if g.cached_analysis().is_none() {
            compute(py, None, || g.analysis().map(|_| ()))?;
        }
        g.analysis().py()
    }

    /// The analysis without removal effects (the core's `node_analysis`), computed once.
    pub(crate) fn node_analysis(&self, py: Python<'_>) -> PyResult<&GraphAnalysis> {
        let g = &self.inner;
        if g.cached_analysis().is_none() {
            compute(py, None, || g.node_analysis().map(|_| ()))?;
        }
        g.node_analysis().py()
    }
}

#[pymethods]
impl PyJourneyGraph {
    /// The Markov chain of `order` (consecutive identical states collapse); `self_loops=True`
    /// keeps consecutive repeats as self-loops: the directly-follows graph (order 1 only).
    #[new]
    #[pyo3(signature = (data, order = 1, self_loops = false))]
    fn new(py: Python<'_>, data: DataArg<'_>, order: usize, self_loops: bool) -> PyResult<Self> {
        if self_loops && order != 1 {
            return Err(Error::InvalidOption {
                option: "self_loops",
                value: "True".into(),
                reason: format!("the directly-follows graph (self_loops=True) needs order=1, not order={order}"),
            })
            .py();
        }
        let d = data.data();
        let inner = match self_loops {
            false => py.detach(|| JourneyGraph::from_data(d, order, None)),
            true => py.detach(|| JourneyGraph::directly_follows(d, None)),
        };
        Ok(Self::of(inner.py()?))
    }

    /// The directly-follows graph: order 1, consecutive repeats kept as self-loops.
    #[staticmethod]
    fn directly_follows(py: Python<'_>, data: DataArg<'_>) -> PyResult<Self> {
        let d = data.data();
        Ok(Self::of(py.detach(|| JourneyGraph::directly_follows(d, None)).py()?))
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

    /// Weighted journeys in the graph.
    #[getter]
    fn total_journeys(&self) -> f64 {
        self.inner.total_journeys()
    }

    /// Exact P(conversion) of a journey.
    #[getter]
    fn conversion_probability(&self, py: Python<'_>) -> PyResult<f64> {
        Ok(self.node_analysis(py)?.conversion_probability)
    }

    /// Expected time from the start to conversion, given conversion (ms), if times are known.
    #[getter]
    fn expected_time_to_convert_ms(&self, py: Python<'_>) -> PyResult<Option<f64>> {
        Ok(self.node_analysis(py)?.expected_time_to_convert_ms)
    }

    /// Sizes, totals and the exact analysis (the core's `GraphSummary`) as a dict.
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let g = &self.inner;
        to_py_object(py, &compute(py, None, || g.summary())?)
    }

    /// Every transition (`TransitionRow`s): source, target, ids, count, probability, value and
    /// dwell statistics (ms), target kind.
    fn transitions(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.transition_table())
    }

    /// Per node (`NodeRow`s): conversion probability, visits, drop-off, time to convert (exact);
    /// with an experience table also the NPS, mean score and scores at each state's current
    /// touchpoint.
    #[pyo3(signature = (experience = None))]
    fn nodes(&self, py: Python<'_>, experience: Option<&Bound<'_, PyExperience>>) -> PyResult<ArrowTable> {
        let analysis = self.node_analysis(py)?;
        match experience {
            None => rows_table(&self.inner.node_table(analysis)),
            Some(e) => rows_table(&self.inner.node_table_with_experience(analysis, &e.get().inner)),
        }
    }

    /// Removal effect of every touchpoint on conversions and on value (`RemovalEffectRow`s).
    fn removal_effects(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        rows_table(&self.analysis(py)?.removal_effect_table())
    }

    /// Exact gains of cutting drop-off by `fraction`, per touchpoint (re-solves,
    /// `TouchpointPriority` rows) or per state (closed form, `StatePriority` rows), ranked.
    /// `progress(stage, done, total)` is called every 0.1 s while it runs (see `compute_watched`).
    #[pyo3(signature = (fraction = 0.1, by = Wrap(PrioritizeBy::Touchpoint), progress = None))]
    fn prioritize(
        &self,
        py: Python<'_>,
        fraction: f64,
        by: Wrap<PrioritizeBy>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<ArrowTable> {
        let g = &self.inner;
        match by.0 {
            PrioritizeBy::Touchpoint => {
                rows_table(&compute_watched(py, None, progress, || optimize::prioritize(g, fraction))?)
            }
            PrioritizeBy::State => {
                rows_table(&compute_watched(py, None, progress, || optimize::prioritize_states(g, fraction))?)
            }
            PrioritizeBy::Stage => {
                rows_table(&compute_watched(py, None, progress, || optimize::prioritize_stages(g, fraction))?)
            }
        }
    }

    /// Rank allowed next touchpoints (name → cost) after the touches `partial`.
    fn next_best(&self, partial: Vec<String>, candidates: Vec<(String, f64)>) -> PyResult<PyNextBest> {
        let refs: Vec<&str> = partial.iter().map(String::as_str).collect();
        let cands: Vec<Candidate> = candidates.into_iter().map(|(t, c)| Candidate::new(t, c)).collect();
        Ok(PyNextBest { inner: optimize::next_best(&self.inner, &refs, &cands).py()? })
    }

    /// The `k` most probable routes to conversion after the touches `partial`
    /// (`ConvertingPathRow`s).
    #[pyo3(signature = (partial, k = 10, max_len = 20))]
    fn converting_paths(&self, partial: Vec<String>, k: usize, max_len: usize) -> PyResult<ArrowTable> {
        let refs: Vec<&str> = partial.iter().map(String::as_str).collect();
        let paths = optimize::converting_paths(&self.inner, &refs, k, max_len).py()?;
        rows_table(&ConvertingPath::table(&paths))
    }

    /// The single most probable route from the start to a conversion: (state labels, probability),
    /// or None when no journey converts.
    fn most_probable_converting_path(&self) -> Option<(Vec<String>, f64)> {
        optimize::most_probable_converting_path(&self.inner).map(|p| (p.states, p.probability))
    }

    /// ∂P(conversion)/∂Q(source→target) of every transition (`Sensitivity` rows): source,
    /// target, their ids, sensitivity.
    fn sensitivities(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let g = &self.inner;
        rows_table(&compute(py, None, || g.sensitivities())?)
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
            self.inner.total_journeys()
        )
    }
}

/// The ranking of the allowed next touchpoints (the core's `NextBest`).
#[pyclass(name = "PyNextBest", module = "touchpoint._touchpoint", frozen)]
pub struct PyNextBest {
    inner: optimize::NextBest,
}

crate::json::json_class!(PyNextBest => optimize::NextBest, inner);

#[pymethods]
impl PyNextBest {
    /// The current state's label (`(start)` for an empty journey).
    #[getter]
    fn current_state(&self) -> String {
        self.inner.current_state.clone()
    }

    /// P(conversion) from the current state as things are.
    #[getter]
    fn current_probability(&self) -> f64 {
        self.inner.current_probability
    }

    /// The candidates, best first (`NextBestRow`s).
    fn rows(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.rows)
    }

    /// The JSON document (`kind`, `version`, the fields) that `from_json` reads back.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        crate::json::JsonClass::json(self, py)
    }

    /// The ranking of a `to_json` document (another kind's is a `ModelFileError` naming both).
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Self> {
        crate::json::JsonClass::of_json(py, json)
    }
}
