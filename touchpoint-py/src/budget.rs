//! `PyBudgetPlan` and the budget functions: response curves given as flat tuples
//! `(name, kind, params, lower, upper, locked)`, read through the core's `CurveKind` and
//! `ResponseCurve::from_params`; objectives through `Objective::from_options`.

use pyo3::prelude::*;
use touchpoint_core::optimize::{self, BudgetPlan, Curve, CurveKind, Objective, ResponseCurve, Solver};

use crate::compute;
use crate::conversion::{Wrap, to_py_object};
use crate::errors::IntoPy;
use crate::table::{ArrowTable, rows_table};

/// A budget plan.
#[pyclass(name = "PyBudgetPlan", module = "touchpoint._touchpoint", frozen)]
pub struct PyBudgetPlan {
    inner: BudgetPlan,
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
    Ok(PyBudgetPlan { inner })
}

/// Response of a given allocation: (per curve, total).
#[pyfunction]
pub fn evaluate_budget(curves: Vec<CurveSpec>, spend: Vec<f64>) -> PyResult<(Vec<f64>, f64)> {
    optimize::evaluate_budget(&curves_of(curves)?, &spend).py()
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
