//! `PyAttribution` and `attribute`: credit per touchpoint under one or more models.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use touchpoint_core::Error;
use touchpoint_core::attribution::{
    self, AttributionModel, AttributionOptions, Credits, MarkovAllocation, ModelName, ModelParams, ShapleyKind,
    ShapleyMethod, ValueBasis,
};

use crate::conversion::Wrap;
use crate::data::DataArg;
use crate::errors::IntoPy;
use crate::table::{ArrowTable, rows_table};

/// The credit of every touchpoint under one model.
#[pyclass(name = "PyAttribution", module = "touchpoint._touchpoint", frozen)]
pub struct PyAttribution {
    pub(crate) inner: Credits,
}

crate::json::json_class!(PyAttribution => Credits, inner);

#[pymethods]
impl PyAttribution {
    /// Model name.
    #[getter]
    fn model(&self) -> &str {
        &self.inner.model
    }

    /// The model with its parameters, e.g. `markov(order=2, allocation=global, ...)`.
    #[getter]
    fn label(&self) -> String {
        self.inner.label()
    }

    /// The result's column in a comparison table (`markov_2`, `linear`, ...).
    #[getter]
    fn column_name(&self) -> String {
        self.inner.column_name()
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

    /// Weighted journeys in the data.
    #[getter]
    fn total_journeys(&self) -> f64 {
        self.inner.total_journeys
    }

    /// Whether credits sum to the totals.
    #[getter]
    fn efficient(&self) -> bool {
        self.inner.efficient
    }

    /// Per-touchpoint credit (`AttributionRow`s): touchpoint, conversions, value, share,
    /// touches, cost, cpa, roas (+ removal_effect, removal_effect_value for Markov; + std_error
    /// when sampled).
    fn to_table(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.table())
    }

    /// Per-journey credit (`JourneyCreditRow`s), when asked for with per_journey=True.
    fn per_journey(&self) -> PyResult<Option<ArrowTable>> {
        self.inner.per_journey_table().map(|rows| rows_table(&rows)).transpose()
    }

    /// Ordered Shapley: touchpoint × position credit (`PositionCreditRow`s, long form).
    fn by_position(&self) -> PyResult<Option<ArrowTable>> {
        self.inner.by_position_table().map(|rows| rows_table(&rows)).transpose()
    }

    /// The result as JSON: the core's `Credits` fields beside `kind` and `version` (the JSON
    /// document that `from_json` reads back).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        crate::json::JsonClass::json(self, py)
    }

    /// The result of a `to_json` document (another kind's is a `ModelFileError` naming both).
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Self> {
        crate::json::JsonClass::of_json(py, json)
    }

    fn __repr__(&self) -> String {
        format!(
            "Attribution(model={:?}, {} touchpoints, {} conversions credited of {})",
            self.inner.model,
            self.inner.rows.len(),
            (self.inner.table_conversions() * 1e6).round() / 1e6,
            self.inner.total_conversions
        )
    }
}

/// Run one or more models; rule models share one pass over the data.
#[pyfunction]
#[pyo3(signature = (data, models, *, order = 1, half_life_ms = None, weights = None, allocation = Wrap(MarkovAllocation::Global), value_basis = Wrap(ValueBasis::ConversionShare), shapley_method = Wrap(ShapleyKind::Auto), shapley_samples = attribution::shapley::DEFAULT_SAMPLES, shapley_seed = 0, max_touches = None, per_journey = false, bootstrap = None, ci = 0.95, seed = 0, n_threads = None, progress = None))]
#[allow(clippy::too_many_arguments)]
pub fn attribute(
    py: Python<'_>,
    data: DataArg<'_>,
    models: Vec<Wrap<ModelName>>,
    order: usize,
    half_life_ms: Option<i64>,
    weights: Option<(f64, f64, f64)>,
    allocation: Wrap<MarkovAllocation>,
    value_basis: Wrap<ValueBasis>,
    shapley_method: Wrap<ShapleyKind>,
    shapley_samples: usize,
    shapley_seed: u64,
    max_touches: Option<usize>,
    per_journey: bool,
    bootstrap: Option<usize>,
    ci: f64,
    seed: u64,
    n_threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Vec<PyAttribution>> {
    let models = models_of(
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
    if models.is_empty() {
        return Err(Error::InvalidOption {
            option: "models",
            value: "[]".into(),
            reason: "name at least one model".into(),
        })
        .py();
    }
    let opts = AttributionOptions { max_touches, per_journey };
    let data = data.data();
    let boot = crate::segments::boot_of(bootstrap, ci, seed);
    let credits = crate::compute_watched(py, n_threads, progress, || match &boot {
        Some(b) => attribution::intervals::compare_with_intervals(data, &models, &opts, b),
        None => attribution::compare(data, &models, &opts),
    })?;
    Ok(credits.into_iter().map(|inner| PyAttribution { inner }).collect())
}

/// The models named by `names` with the shared model options: what `attribute` and partial
/// specs read.
#[allow(clippy::too_many_arguments)]
pub(crate) fn models_of(
    names: &[Wrap<ModelName>],
    order: usize,
    half_life_ms: Option<i64>,
    weights: Option<(f64, f64, f64)>,
    allocation: Wrap<MarkovAllocation>,
    value_basis: Wrap<ValueBasis>,
    shapley_method: Wrap<ShapleyKind>,
    shapley_samples: usize,
    shapley_seed: u64,
) -> PyResult<Vec<AttributionModel>> {
    let params = ModelParams {
        order: Some(order),
        half_life_ms,
        weights,
        allocation: Some(allocation.0),
        value_basis: Some(value_basis.0),
        shapley_method: Some(ShapleyMethod::new(shapley_method.0, shapley_samples, shapley_seed)),
    };
    names.iter().map(|m| AttributionModel::from_kind(m.0, &params)).collect::<Result<_, _>>().py()
}
