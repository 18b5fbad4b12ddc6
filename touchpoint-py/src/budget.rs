//! `PyBudgetPlan` and the budget functions: response curves given as flat tuples
//! `(name, kind, params, lower, upper, locked)`, read through the core's `CurveKind` and
//! `ResponseCurve::from_params`; objectives through `Objective::from_options`.

use pyo3::prelude::*;
use touchpoint_core::optimize::{self, BudgetPlan, Curve, CurveKind, Objective, ResponseCurve, Solver};

use crate::compute;
use crate::conversion::{Wrap, to_py_object};
use crate::errors::IntoPy;
use crate::table::{ArrowTable, rows_table};

/// A budget plan, with the curves it was made from.
#[pyclass(name = "PyBudgetPlan", module = "touchpoint._touchpoint", frozen)]
pub struct PyBudgetPlan {
    inner: BudgetPlan,
    curves: Vec<Curve>,
}

impl crate::json::JsonClass for PyBudgetPlan {
    type Doc = crate::json::PlannedBudget;
    fn write(&self) -> touchpoint_core::Result<String> {
        let doc = crate::json::PlannedBudget { plan: self.inner.clone(), curves: self.curves.clone() };
        touchpoint_core::saved::json::to_json(&doc)
    }
    fn read(doc: crate::json::PlannedBudget) -> Self {
        Self { inner: doc.plan, curves: doc.curves }
    }
}

#[pymethods]
impl PyBudgetPlan {
    /// Per curve (`PlanRow`s): name, spend, response, marginal response.
    fn to_table(&self) -> PyResult<ArrowTable> {
        rows_table(&self.inner.table())
    }

    /// Spend per curve.
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

    /// The solver used (a `Solver` name: water_filling, dynamic_programming, greedy).
    #[getter]
    fn solver(&self) -> String {
        self.inner.solver.clone()
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

    /// The curves the plan was made from, as (name, kind, params, lower, upper, locked).
    #[getter]
    fn curves(&self) -> Vec<CurveSpec> {
        self.curves.iter().map(spec_of).collect()
    }

    /// The JSON document (`kind`, `version`, the plan and its curves) that `from_json` reads back.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        crate::json::JsonClass::json(self, py)
    }

    /// The plan of a `to_json` document (another kind's is a `ModelFileError` naming both).
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Self> {
        crate::json::JsonClass::of_json(py, json)
    }
}

/// A curve as the Python face passes it (the inverse of `curves_of`).
fn spec_of(c: &Curve) -> CurveSpec {
    let (kind, params) = match &c.curve {
        ResponseCurve::Hill { beta, alpha, gamma } => (CurveKind::Hill, vec![*beta, *alpha, *gamma]),
        ResponseCurve::Power { a, b } => (CurveKind::Power, vec![*a, *b]),
        ResponseCurve::Log { a, b } => (CurveKind::Log, vec![*a, *b]),
        ResponseCurve::Piecewise { points } => {
            (CurveKind::Piecewise, points.iter().flat_map(|&(x, y)| [x, y]).collect())
        }
    };
    (c.name.clone(), Wrap(kind), params, c.lower, c.upper, c.locked)
}

/// A response curve as the Python face passes it: (name, kind, params, lower, upper, locked).
type CurveSpec = (String, Wrap<CurveKind>, Vec<f64>, f64, Option<f64>, Option<f64>);

fn curves_of(specs: Vec<CurveSpec>) -> PyResult<Vec<Curve>> {
    specs
        .into_iter()
        .map(|(name, kind, params, lower, upper, locked)| {
            let curve = ResponseCurve::from_params(kind.0, &params, &name).py()?;
            Ok(Curve { name, curve, lower, upper, locked })
        })
        .collect()
}

/// Split a budget over response curves given as (name, kind, params, lower, upper, locked).
#[pyfunction]
#[pyo3(signature = (curves, *, budget = None, step = 1.0, solver = Wrap(Solver::Auto), value_per_response = None, min_marginal_roi = None, target_roi = None))]
#[allow(clippy::too_many_arguments)]
pub fn allocate_budget(
    py: Python<'_>,
    curves: Vec<CurveSpec>,
    budget: Option<f64>,
    step: f64,
    solver: Wrap<Solver>,
    value_per_response: Option<f64>,
    min_marginal_roi: Option<f64>,
    target_roi: Option<f64>,
) -> PyResult<PyBudgetPlan> {
    let curves = curves_of(curves)?;
    let objective = Objective::from_options(budget, value_per_response, min_marginal_roi, target_roi).py()?;
    let inner = compute(py, None, || optimize::allocate_budget(&curves, objective, step, solver.0))?;
    Ok(PyBudgetPlan { inner, curves })
}

/// Response of a given allocation: (per curve, total).
#[pyfunction]
pub fn evaluate_budget(curves: Vec<CurveSpec>, spend: Vec<f64>) -> PyResult<(Vec<f64>, f64)> {
    optimize::evaluate_budget(&curves_of(curves)?, &spend).py()
}

/// The JSON document of a response curve (kind `response_curve`: name, curve, bounds).
#[pyfunction]
pub fn curve_to_json(curve: CurveSpec) -> PyResult<String> {
    touchpoint_core::saved::json::to_json(&curves_of(vec![curve])?[0]).py()
}

/// The curve of a `curve_to_json` document, as (name, kind, params, lower, upper, locked);
/// with `kind`, a curve of another kind is a `ModelFileError` naming both.
#[pyfunction]
#[pyo3(signature = (json, kind = None))]
pub fn curve_from_json(json: &str, kind: Option<Wrap<CurveKind>>) -> PyResult<CurveSpec> {
    let spec = spec_of(&touchpoint_core::saved::json::from_json::<Curve>(json).py()?);
    match kind {
        Some(want) if want.0 != spec.1.0 => Err(touchpoint_core::Error::ModelFile {
            what: "response_curve",
            offset: 0,
            problem: format!(
                "the document holds a {} curve, not a {} curve",
                touchpoint_core::Named::name(spec.1.0),
                touchpoint_core::Named::name(want.0)
            ),
        })
        .py(),
        _ => Ok(spec),
    }
}

/// Values of a response curve at the given spends (for plots).
#[pyfunction]
pub fn curve_values(curve: CurveSpec, spend: Vec<f64>) -> PyResult<Vec<f64>> {
    let c = curves_of(vec![curve])?;
    Ok(spend.iter().map(|&x| c[0].curve.value(x)).collect())
}

/// The Hill curve through (spend, response) with half saturation at spend × ratio, as the
/// core's `ResponseCurve` dict (`{"kind": "hill", "beta": ..., "alpha": ..., "gamma": ...}`).
#[pyfunction]
pub fn calibrate_hill(
    py: Python<'_>,
    spend: f64,
    response: f64,
    alpha: f64,
    half_saturation_ratio: f64,
) -> PyResult<Bound<'_, PyAny>> {
    to_py_object(py, &ResponseCurve::calibrate_hill(spend, response, alpha, half_saturation_ratio).py()?)
}

/// The power curve through (spend, response), as the core's `ResponseCurve` dict
/// (`{"kind": "power", "a": ..., "b": ...}`).
#[pyfunction]
pub fn calibrate_power(py: Python<'_>, spend: f64, response: f64, b: f64) -> PyResult<Bound<'_, PyAny>> {
    to_py_object(py, &ResponseCurve::calibrate_power(spend, response, b).py()?)
}
