//! Budget allocation: response curves, objectives, solvers and the `touchpoint_budget_plan`
//! (core [`touchpoint_core::optimize::allocate_budget`]).

use std::ffi::c_char;

use touchpoint_core::optimize::{self, BudgetPlan, Curve, CurveKind, Objective, ObjectiveKind, ResponseCurve, Solver};

use crate::ffi::{free_box, give, out_slice, text, try_enum, try_mut, try_ref, try_slice, try_str};
use crate::json;
use crate::panic::boundary;
use crate::result::{FfiError, touchpoint_result};

/// Shape of a response curve (`touchpoint_curve.kind`); the values are the core's `CurveKind`
/// codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_curve_kind {
    /// `p1·x^p2 / (x^p2 + p3^p2)`: p1 = beta (saturation), p2 = alpha (shape), p3 = gamma.
    Hill = 0,
    /// `p1·x^p2`.
    Power = 1,
    /// `p1·ln(1 + x/p2)`.
    Log = 2,
    /// Linear through `points` (x0, y0, x1, y1, ...).
    Piecewise = 3,
}

/// What the budget plan optimises (`touchpoint_objective.kind`); the values are the core's
/// `ObjectiveKind` codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_objective_kind {
    /// Spend exactly `budget` (when bounds allow).
    Budget = 0,
    /// Spend where the marginal ROI is at least `roi`, up to `budget`.
    MarginalRoi = 1,
    /// The largest total (up to `budget`) whose overall ROI is at least `roi`.
    TargetRoi = 2,
}

/// Budget solver (the `solver` argument of `touchpoint_allocate_budget`); the values are the
/// core's `Solver` codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_solver {
    /// Water-filling when every curve is concave and the objective is a budget, else DP.
    Auto = 0,
    /// Dynamic programming on the spend grid (exact on the grid, any shape).
    DynamicProgramming = 1,
    /// Continuous water-filling (concave curves).
    WaterFilling = 2,
    /// Greedy marginal allocation (comparison only).
    Greedy = 3,
}

/// One touchpoint's response curve and bounds.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_curve {
    /// Name (UTF-8, not NUL-terminated).
    pub name: *const c_char,
    /// Length of `name`.
    pub name_len: usize,
    /// Shape: a `touchpoint_curve_kind` value (an integer, checked by the library).
    pub kind: u32,
    /// First parameter (see the kind).
    pub p1: f64,
    /// Second parameter.
    pub p2: f64,
    /// Third parameter.
    pub p3: f64,
    /// Piecewise points as x0, y0, x1, y1, ... (NULL for other kinds).
    pub points: *const f64,
    /// Number of (x, y) pairs in `points`.
    pub n_points: usize,
    /// Minimum spend.
    pub lower: f64,
    /// Maximum spend; NaN for none.
    pub upper: f64,
    /// Fixed spend; NaN for none.
    pub locked: f64,
}

impl touchpoint_curve {
    fn to_core(self) -> Result<Curve, FfiError> {
        let name = try_str!(self.name, self.name_len, "curves[].name");
        let kind = try_enum!(CurveKind, self.kind, "curves[].kind");
        let params: &[f64] = match kind {
            CurveKind::Hill => &[self.p1, self.p2, self.p3],
            CurveKind::Power | CurveKind::Log => &[self.p1, self.p2],
            CurveKind::Piecewise => try_slice!(self.points, 2 * self.n_points, "curves[].points"),
        };
        let opt = |x: f64| (!x.is_nan()).then_some(x);
        Ok(Curve {
            name: name.to_owned(),
            curve: ResponseCurve::from_params(kind, params, name)?,
            lower: self.lower,
            upper: opt(self.upper),
            locked: opt(self.locked),
        })
    }
}

/// The objective of a budget plan.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_objective {
    /// Which objective: a `touchpoint_objective_kind` value (an integer, checked by the library).
    pub kind: u32,
    /// Budget, or the spending cap for the ROI objectives.
    pub budget: f64,
    /// Value of one unit of response (ROI objectives).
    pub value_per_response: f64,
    /// Minimum marginal ROI or target overall ROI.
    pub roi: f64,
}

/// A budget plan (spend and expected response per curve, diagnostics).
pub struct touchpoint_budget_plan {
    inner: BudgetPlan,
}

impl touchpoint_budget_plan {
    /// Split a budget across response curves.
    ///
    /// @param curves, n_curves the curves
    /// @param objective what to optimise
    /// @param step spend grid of dynamic programming and greedy
    /// @param solver a `touchpoint_solver` value (passed as an integer and checked)
    /// @param out receives the plan (free with `touchpoint_budget_plan_free`)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_VALUE (a curve parameter, naming the
    ///         field and curve index); INVALID_ARGUMENT (budget, step, an enum code out of
    ///         range); MODEL_NOT_APPLICABLE (infeasible bounds, water-filling on non-concave
    ///         curves); EMPTY_INPUT. Thread-safe.
    ///
    /// # Safety
    /// `curves` must point to `n_curves` valid structs (their names and points valid for their
    /// lengths); `objective` and `out` NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_allocate_budget(
        curves: *const touchpoint_curve,
        n_curves: usize,
        objective: *const touchpoint_objective,
        step: f64,
        solver: u32,
        out: *mut *mut touchpoint_budget_plan,
    ) -> touchpoint_result {
        boundary(|| {
            let curves = try_slice!(curves, n_curves).iter().map(|c| c.to_core()).collect::<Result<Vec<_>, _>>()?;
            let o = try_ref!(objective);
            let kind = try_enum!(ObjectiveKind, o.kind, "objective.kind");
            let objective = Objective::new(kind, o.budget, o.value_per_response, o.roi);
            let inner = optimize::allocate_budget(&curves, objective, step, try_enum!(Solver, solver))?;
            give!(out, touchpoint_budget_plan { inner })
        })
    }

    /// Copy the spend per curve (input order) into `spend` and the total expected response into
    /// `*total_response`.
    ///
    /// @param plan the plan
    /// @param spend, len the caller's array and its capacity (at least the number of curves)
    /// @param total_response receives the total expected response
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `spend` must be NULL or hold `len` writable doubles; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_budget_plan_spend(
        plan: *const touchpoint_budget_plan,
        spend: *mut f64,
        len: usize,
        total_response: *mut f64,
    ) -> touchpoint_result {
        boundary(|| {
            let p = &try_ref!(plan).inner;
            let total = try_mut!(total_response);
            let Some(dst) = out_slice!(spend, len) else { return Err(crate::ffi::null("spend")) };
            let n = p.spend.len();
            if len < n {
                return Err(FfiError::new(
                    touchpoint_result::BufferTooSmall,
                    format!("`spend` holds {len} values; {n} are needed"),
                ));
            }
            for (d, &s) in dst.iter_mut().zip(&p.spend) {
                d.write(s);
            }
            *total = p.total_response;
            Ok(())
        })
    }

    /// The whole plan as JSON (core `BudgetPlan`: `names`, `spend`, `response`,
    /// `marginal_response`, `total_spend`, `total_response`, `solver`, `optimality`, `kkt_gap`,
    /// `diagnostics`).
    ///
    /// @param plan the plan
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_budget_plan_to_json(
        plan: *const touchpoint_budget_plan,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(json::value(&try_ref!(plan).inner)?, buf, len, out_n))
    }

    /// The plan per curve as a JSON array of core `PlanRow`s (`name`, `spend`, `response`,
    /// `marginal_response`), in input order.
    ///
    /// @param plan the plan
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// As `touchpoint_budget_plan_to_json`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_budget_plan_table_json(
        plan: *const touchpoint_budget_plan,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(json::rows(&try_ref!(plan).inner.table())?, buf, len, out_n))
    }

    /// Free a budget plan. NULL is a no-op.
    ///
    /// # Safety
    /// `plan` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_budget_plan_free(plan: *mut touchpoint_budget_plan) {
        free_box!(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::assert_same_codes;

    #[test]
    fn budget_codes_are_the_core_codes() {
        assert_same_codes!(touchpoint_curve_kind, CurveKind { Hill, Power, Log, Piecewise });
        assert_same_codes!(touchpoint_objective_kind, ObjectiveKind { Budget, MarginalRoi, TargetRoi });
        assert_same_codes!(touchpoint_solver, Solver { Auto, DynamicProgramming, WaterFilling, Greedy });
    }
}
