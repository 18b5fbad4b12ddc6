//! How to split a budget across touchpoints, given a response curve per touchpoint.
//!
//! Curves ([`ResponseCurve`]): Hill `β·xᵅ/(xᵅ + γᵅ)` (concave for α ≤ 1, S-shaped for α > 1),
//! power `a·xᵇ`, log `a·ln(1 + x/b)`, and piecewise-linear through given points; calibration
//! from current spend and attributed conversions.
//!
//! Solvers ([`Solver`]):
//! - **dynamic programming** on a spend grid: exact on the grid for curves of any shape
//!   (S-curves included), `O(n·M²)` for `n` touchpoints and `M` grid steps;
//! - **water-filling**: the continuous optimum for concave curves (equal marginal response
//!   wherever a touchpoint is not at a bound), with its KKT gap reported;
//! - **greedy** marginal allocation, for comparison only: it is optimal for concave curves and
//!   can be far off for S-curves (it never climbs the convex start of a curve).
//!
//! Objectives ([`Objective`]): a fixed total budget (spent exactly, when the bounds allow), a
//! minimum marginal ROI, or a target overall ROI. Per-touchpoint lower/upper bounds and locked
//! spends are honoured, and every plan carries diagnostics (binding bounds, budget left
//! unspent and why) and a statement of its optimality.
//!
//! ```
//! use touchpoint_core::optimize::budget::{allocate_budget, Curve, Objective, ResponseCurve, Solver};
//! let hill = |b, a, g| ResponseCurve::Hill { beta: b, alpha: a, gamma: g };
//! let channels = vec![
//!     Curve::new("search", hill(100.0, 3.0, 30.0)),
//!     Curve::new("social", hill(140.0, 2.5, 50.0)),
//!     Curve::new("tv", hill(220.0, 3.0, 80.0)),
//! ];
//! let plan = allocate_budget(&channels, Objective::Budget(150.0), 1.0, Solver::DynamicProgramming)?;
//! assert_eq!(plan.spend, [43.0, 0.0, 107.0]);
//! assert!((plan.total_response - 229.80).abs() < 0.005);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use crate::error::{Error, Location, Result};

crate::named_enum! {
    /// The family of a [`ResponseCurve`] (what the faces pass with a flat parameter list).
    pub enum CurveKind: "curve_kind" {
        /// [`ResponseCurve::Hill`]: parameters `[beta, alpha, gamma]`.
        Hill = 0 => "hill",
        /// [`ResponseCurve::Power`]: parameters `[a, b]`.
        Power = 1 => "power",
        /// [`ResponseCurve::Log`]: parameters `[a, b]`.
        Log = 2 => "log",
        /// [`ResponseCurve::Piecewise`]: parameters `[x0, y0, x1, y1, ...]`.
        Piecewise = 3 => "piecewise",
    }
}

/// A response curve: expected response (conversions) as a function of spend.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum ResponseCurve {
    /// `β·xᵅ/(xᵅ + γᵅ)`: saturation β, shape α (S-shaped when α > 1), half-saturation spend γ.
    Hill {
        /// Saturation level.
        beta: f64,
        /// Shape.
        alpha: f64,
        /// Spend at half saturation.
        gamma: f64,
    },
    /// `a·xᵇ` (concave for 0 < b ≤ 1).
    Power {
        /// Scale.
        a: f64,
        /// Exponent.
        b: f64,
    },
    /// `a·ln(1 + x/b)`.
    Log {
        /// Scale.
        a: f64,
        /// Spend scale.
        b: f64,
    },
    /// Linear interpolation through `(spend, response)` points (sorted by spend; (0, 0) is
    /// implied when absent; flat beyond the last point).
    Piecewise {
        /// The points.
        points: Vec<(f64, f64)>,
    },
}

impl ResponseCurve {
    /// A curve from its kind and a flat parameter list (the faces' form): Hill `[beta, alpha,
    /// gamma]`, power and log `[a, b]`, piecewise `[x0, y0, x1, y1, ...]`. `name` names the
    /// channel in errors.
    ///
    /// ```
    /// use touchpoint_core::optimize::{CurveKind, ResponseCurve};
    /// let c = ResponseCurve::from_params(CurveKind::Power, &[2.0, 0.5], "tv")?;
    /// assert_eq!(c, ResponseCurve::Power { a: 2.0, b: 0.5 });
    /// assert!(ResponseCurve::from_params(CurveKind::Hill, &[1.0], "tv").is_err());
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn from_params(kind: CurveKind, p: &[f64], name: &str) -> Result<Self> {
        let need = |n: usize| {
            if p.len() == n {
                Ok(())
            } else {
                Err(Error::option(
                    "curve.params",
                    format!("{} values", p.len()),
                    format!("curve {name:?}: {kind} takes {n} parameters"),
                ))
            }
        };
        Ok(match kind {
            CurveKind::Hill => {
                need(3)?;
                ResponseCurve::Hill { beta: p[0], alpha: p[1], gamma: p[2] }
            }
            CurveKind::Power => {
                need(2)?;
                ResponseCurve::Power { a: p[0], b: p[1] }
            }
            CurveKind::Log => {
                need(2)?;
                ResponseCurve::Log { a: p[0], b: p[1] }
            }
            CurveKind::Piecewise => {
                if p.len() % 2 != 0 {
                    return Err(Error::option(
                        "curve.params",
                        format!("{} values", p.len()),
                        format!("curve {name:?}: piecewise points come in (spend, response) pairs"),
                    ));
                }
                ResponseCurve::Piecewise { points: p.chunks_exact(2).map(|c| (c[0], c[1])).collect() }
            }
        })
    }

    /// The family of this curve.
    pub fn kind(&self) -> CurveKind {
        match self {
            ResponseCurve::Hill { .. } => CurveKind::Hill,
            ResponseCurve::Power { .. } => CurveKind::Power,
            ResponseCurve::Log { .. } => CurveKind::Log,
            ResponseCurve::Piecewise { .. } => CurveKind::Piecewise,
        }
    }

    /// Response at spend `x` (≥ 0).
    pub fn value(&self, x: f64) -> f64 {
        let x = x.max(0.0);
        match self {
            ResponseCurve::Hill { beta, alpha, gamma } => {
                if x == 0.0 {
                    0.0
                } else {
                    let xa = x.powf(*alpha);
                    beta * xa / (xa + gamma.powf(*alpha))
                }
            }
            ResponseCurve::Power { a, b } => a * x.powf(*b),
            ResponseCurve::Log { a, b } => a * (x / b).ln_1p(),
            ResponseCurve::Piecewise { points } => {
                let mut prev = (0.0, 0.0);
                for &(px, py) in points {
                    if x <= px {
                        let w = if px > prev.0 { (x - prev.0) / (px - prev.0) } else { 1.0 };
                        return prev.1 + w * (py - prev.1);
                    }
                    prev = (px, py);
                }
                prev.1
            }
        }
    }

    /// Marginal response `f'(x)` (finite: capped near 0 where the true slope is infinite).
    pub fn derivative(&self, x: f64) -> f64 {
        const CAP: f64 = 1e12;
        let x = x.max(0.0);
        let d = match self {
            ResponseCurve::Hill { beta, alpha, gamma } => {
                if x == 0.0 {
                    if *alpha < 1.0 {
                        CAP
                    } else if *alpha == 1.0 {
                        beta / gamma
                    } else {
                        0.0
                    }
                } else {
                    let ga = gamma.powf(*alpha);
                    let xa = x.powf(*alpha);
                    beta * alpha * ga * x.powf(alpha - 1.0) / ((xa + ga) * (xa + ga))
                }
            }
            ResponseCurve::Power { a, b } => {
                if x == 0.0 {
                    if *b < 1.0 {
                        CAP
                    } else if *b == 1.0 {
                        *a
                    } else {
                        0.0
                    }
                } else {
                    a * b * x.powf(b - 1.0)
                }
            }
            ResponseCurve::Log { a, b } => a / (b + x),
            ResponseCurve::Piecewise { points } => {
                let mut prev = (0.0, 0.0);
                for &(px, py) in points {
                    if x < px {
                        return if px > prev.0 { (py - prev.1) / (px - prev.0) } else { 0.0 };
                    }
                    prev = (px, py);
                }
                0.0
            }
        };
        d.min(CAP)
    }

    /// Whether the curve is concave on spend ≥ 0 (water-filling is exact then).
    pub fn is_concave(&self) -> bool {
        match self {
            ResponseCurve::Hill { alpha, .. } => *alpha <= 1.0,
            ResponseCurve::Power { b, .. } => *b <= 1.0,
            ResponseCurve::Log { .. } => true,
            ResponseCurve::Piecewise { points } => {
                let mut prev = (0.0, 0.0);
                let mut slope = f64::INFINITY;
                for &(px, py) in points {
                    if px > prev.0 {
                        let s = (py - prev.1) / (px - prev.0);
                        if s > slope + 1e-12 {
                            return false;
                        }
                        slope = s;
                    }
                    prev = (px, py);
                }
                true
            }
        }
    }

    fn validate(&self, row: usize) -> Result<()> {
        let bad = |field: &str, v: f64, why: &str| Err(Error::invalid(field, Location::Row(row), v.to_string(), why));
        let pos = |field: &str, v: f64| {
            if v.is_finite() && v > 0.0 { Ok(()) } else { bad(field, v, "must be finite and > 0") }
        };
        match self {
            ResponseCurve::Hill { beta, alpha, gamma } => {
                pos("beta", *beta)?;
                pos("alpha", *alpha)?;
                pos("gamma", *gamma)
            }
            ResponseCurve::Power { a, b } => {
                pos("a", *a)?;
                pos("b", *b)
            }
            ResponseCurve::Log { a, b } => {
                pos("a", *a)?;
                pos("b", *b)
            }
            ResponseCurve::Piecewise { points } => {
                if points.is_empty() {
                    return Err(Error::invalid(
                        "points",
                        Location::Row(row),
                        "[]",
                        "give at least one (spend, response) point",
                    ));
                }
                let mut prev = 0.0;
                for &(x, y) in points {
                    if !x.is_finite() || !y.is_finite() || x < prev || y < 0.0 {
                        return bad("points", x, "points must be finite, sorted by spend, with response >= 0");
                    }
                    prev = x;
                }
                Ok(())
            }
        }
    }

    /// A Hill curve through the current operating point: half saturation at
    /// `spend × half_saturation_ratio`, shape `alpha`, and `f(spend) = response`.
    ///
    /// ```
    /// use touchpoint_core::optimize::budget::ResponseCurve;
    /// let c = ResponseCurve::calibrate_hill(200.0, 50.0, 1.0, 1.0)?;
    /// assert!((c.value(200.0) - 50.0).abs() < 1e-9);
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn calibrate_hill(spend: f64, response: f64, alpha: f64, half_saturation_ratio: f64) -> Result<Self> {
        for (name, v) in [
            ("spend", spend),
            ("response", response),
            ("alpha", alpha),
            ("half_saturation_ratio", half_saturation_ratio),
        ] {
            if !v.is_finite() || v <= 0.0 {
                return Err(Error::option("calibrate_hill", format!("{name} = {v}"), "must be finite and > 0"));
            }
        }
        let gamma = spend * half_saturation_ratio;
        let (xa, ga) = (spend.powf(alpha), gamma.powf(alpha));
        Ok(ResponseCurve::Hill { beta: response * (xa + ga) / xa, alpha, gamma })
    }

    /// A power curve `a·xᵇ` through `(spend, response)` with the given exponent.
    pub fn calibrate_power(spend: f64, response: f64, b: f64) -> Result<Self> {
        if !(spend.is_finite() && spend > 0.0 && response.is_finite() && response > 0.0 && b.is_finite() && b > 0.0) {
            return Err(Error::option(
                "calibrate_power",
                format!("spend={spend}, response={response}, b={b}"),
                "must be finite and > 0",
            ));
        }
        Ok(ResponseCurve::Power { a: response / spend.powf(b), b })
    }
}

/// A touchpoint (channel) to fund.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Curve {
    /// Name.
    pub name: String,
    /// Response curve.
    pub curve: ResponseCurve,
    /// Minimum spend.
    pub lower: f64,
    /// Maximum spend (none: only the budget limits it).
    pub upper: Option<f64>,
    /// Fixed spend (overrides the bounds).
    pub locked: Option<f64>,
}

impl Curve {
    /// A channel with no bounds.
    pub fn new(name: impl Into<String>, curve: ResponseCurve) -> Self {
        Self { name: name.into(), curve, lower: 0.0, upper: None, locked: None }
    }

    fn bounds(&self, cap: f64) -> (f64, f64) {
        match self.locked {
            Some(l) => (l, l),
            None => (self.lower, self.upper.unwrap_or(cap).min(cap.max(self.lower))),
        }
    }
}

crate::named_enum! {
    /// The kind of an [`Objective`] (what the C face passes with its flat fields).
    pub enum ObjectiveKind: "objective_kind" {
        /// [`Objective::Budget`].
        Budget = 0 => "budget",
        /// [`Objective::MarginalRoi`].
        MarginalRoi = 1 => "marginal_roi",
        /// [`Objective::TargetRoi`].
        TargetRoi = 2 => "target_roi",
    }
}

/// What to optimise.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Objective {
    /// Spend exactly this total (when the bounds allow), maximising the response.
    Budget(f64),
    /// Spend wherever the marginal ROI `value_per_response·f'(x)` is at least `min_marginal_roi`
    /// (maximises `value·response − min_marginal_roi·spend`), up to `max_budget`.
    MarginalRoi {
        /// Value of one unit of response (e.g. mean conversion value).
        value_per_response: f64,
        /// Minimum marginal return per unit spent.
        min_marginal_roi: f64,
        /// Spending cap.
        max_budget: f64,
    },
    /// The largest total whose overall ROI `value·response/spend` is at least `target_roi`.
    TargetRoi {
        /// Value of one unit of response.
        value_per_response: f64,
        /// Target overall return per unit spent.
        target_roi: f64,
        /// Spending cap.
        max_budget: f64,
    },
}

impl Objective {
    /// An objective from its kind and flat fields (the C face's form): `budget` is the budget,
    /// or the spending cap of the ROI objectives; `roi` the minimum marginal or target ROI.
    pub fn new(kind: ObjectiveKind, budget: f64, value_per_response: f64, roi: f64) -> Self {
        match kind {
            ObjectiveKind::Budget => Objective::Budget(budget),
            ObjectiveKind::MarginalRoi => {
                Objective::MarginalRoi { value_per_response, min_marginal_roi: roi, max_budget: budget }
            }
            ObjectiveKind::TargetRoi => {
                Objective::TargetRoi { value_per_response, target_roi: roi, max_budget: budget }
            }
        }
    }

    /// An objective from optional keyword values (the Python face's form): `budget` alone, or
    /// `budget` (the cap) with `value_per_response` and one of `min_marginal_roi` / `target_roi`.
    ///
    /// ```
    /// use touchpoint_core::optimize::Objective;
    /// assert_eq!(Objective::from_options(Some(10.0), None, None, None)?, Objective::Budget(10.0));
    /// assert!(Objective::from_options(None, None, None, None).is_err());
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn from_options(
        budget: Option<f64>,
        value_per_response: Option<f64>,
        min_marginal_roi: Option<f64>,
        target_roi: Option<f64>,
    ) -> Result<Self> {
        match (budget, value_per_response, min_marginal_roi, target_roi) {
            (Some(b), _, None, None) => Ok(Objective::Budget(b)),
            (Some(b), Some(v), Some(m), None) => Ok(Objective::new(ObjectiveKind::MarginalRoi, b, v, m)),
            (Some(b), Some(v), None, Some(t)) => Ok(Objective::new(ObjectiveKind::TargetRoi, b, v, t)),
            _ => Err(Error::option(
                "objective",
                "the given combination",
                "give budget alone, or budget (the cap) with value_per_response and one of min_marginal_roi / target_roi",
            )),
        }
    }

    /// The kind of this objective.
    pub fn kind(&self) -> ObjectiveKind {
        match self {
            Objective::Budget(_) => ObjectiveKind::Budget,
            Objective::MarginalRoi { .. } => ObjectiveKind::MarginalRoi,
            Objective::TargetRoi { .. } => ObjectiveKind::TargetRoi,
        }
    }
}

crate::named_enum! {
    /// Which solver.
    #[derive(Default)]
    pub enum Solver: "solver" {
        /// Water-filling when every curve is concave and the objective is a budget, else DP.
        #[default]
        Auto = 0 => "auto",
        /// Exact dynamic programming on the spend grid.
        DynamicProgramming = 1 => "dynamic_programming" | "dp",
        /// Continuous water-filling (concave curves only).
        WaterFilling = 2 => "water_filling",
        /// Greedy marginal allocation on the grid (for comparison; not optimal for S-curves).
        Greedy = 3 => "greedy",
    }
}

crate::row_struct! {
    /// A row of the budget plan table ([`BudgetPlan::table`]).
    #[derive(Clone, PartialEq)]
    pub struct PlanRow {
        /// Curve (curve) name.
        pub name: String,
        /// Planned spend.
        pub spend: f64,
        /// Expected response at that spend.
        pub response: f64,
        /// Marginal response `f'(spend)`.
        pub marginal_response: f64,
    }
}

/// A budget plan.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BudgetPlan {
    /// Curve names, in input order.
    pub names: Vec<String>,
    /// Spend per channel.
    pub spend: Vec<f64>,
    /// Expected response per channel.
    pub response: Vec<f64>,
    /// Marginal response per unit of spend at the chosen point.
    pub marginal_response: Vec<f64>,
    /// Total spend.
    pub total_spend: f64,
    /// Total expected response.
    pub total_response: f64,
    /// The solver used.
    pub solver: String,
    /// What is guaranteed about this plan.
    pub optimality: String,
    /// Water-filling: largest relative deviation from equal marginal response among channels
    /// not at a bound.
    pub kkt_gap: Option<f64>,
    /// Binding bounds, unspent budget and why, locked channels.
    pub diagnostics: Vec<String>,
}

impl BudgetPlan {
    /// One [`PlanRow`] per channel, in input order.
    pub fn table(&self) -> Vec<PlanRow> {
        (0..self.names.len())
            .map(|i| PlanRow {
                name: self.names[i].clone(),
                spend: self.spend[i],
                response: self.response[i],
                marginal_response: self.marginal_response[i],
            })
            .collect()
    }
}

fn validate(channels: &[Curve], step: f64) -> Result<()> {
    if channels.is_empty() {
        return Err(Error::EmptyInput { what: "channels", hint: "channel with a response curve" });
    }
    if !step.is_finite() || step <= 0.0 {
        return Err(Error::option("step", step, "the spend grid step must be finite and > 0"));
    }
    let mut seen = std::collections::HashMap::with_capacity(channels.len());
    for (i, c) in channels.iter().enumerate() {
        if let Some(first) = seen.insert(c.name.as_str(), i) {
            return Err(Error::invalid(
                "name",
                Location::Row(i),
                c.name.clone(),
                format!("channel names must be unique: row {first} has the same name; merge or rename the curves"),
            ));
        }
        c.curve.validate(i)?;
        let loc = || Location::Row(i);
        if !c.lower.is_finite() || c.lower < 0.0 {
            return Err(Error::invalid("lower", loc(), c.lower.to_string(), "must be finite and >= 0"));
        }
        if let Some(u) = c.upper
            && (!u.is_finite() || u < c.lower)
        {
            return Err(Error::invalid("upper", loc(), u.to_string(), "must be finite and >= lower"));
        }
        if let Some(l) = c.locked
            && (!l.is_finite() || l < 0.0)
        {
            return Err(Error::invalid("locked", loc(), l.to_string(), "must be finite and >= 0"));
        }
    }
    Ok(())
}

/// Response of a given allocation: per channel and total (the what-if evaluator).
pub fn evaluate_budget(channels: &[Curve], spend: &[f64]) -> Result<(Vec<f64>, f64)> {
    if spend.len() != channels.len() {
        return Err(Error::LengthMismatch {
            column: "spend".into(),
            reference: "channels".into(),
            expected: channels.len(),
            found: spend.len(),
        });
    }
    for (i, &x) in spend.iter().enumerate() {
        if !x.is_finite() || x < 0.0 {
            return Err(Error::invalid("spend", Location::Row(i), x.to_string(), "must be finite and >= 0"));
        }
    }
    let r: Vec<f64> = channels.iter().zip(spend).map(|(c, &x)| c.curve.value(x)).collect();
    let t = r.iter().sum();
    Ok((r, t))
}

/// BudgetPlan a budget. `step` is the spend grid of DP and greedy (water-filling is continuous).
pub fn allocate_budget(channels: &[Curve], objective: Objective, step: f64, solver: Solver) -> Result<BudgetPlan> {
    validate(channels, step)?;
    let cap = match objective {
        Objective::Budget(b) => b,
        Objective::MarginalRoi { max_budget, .. } | Objective::TargetRoi { max_budget, .. } => max_budget,
    };
    if !cap.is_finite() || cap < 0.0 {
        return Err(Error::option("budget", cap, "the budget must be finite and >= 0"));
    }
    if let Objective::MarginalRoi { value_per_response: v, min_marginal_roi: m, .. }
    | Objective::TargetRoi { value_per_response: v, target_roi: m, .. } = objective
        && !(v.is_finite() && v > 0.0 && m.is_finite() && m > 0.0)
    {
        return Err(Error::option("objective", format!("value_per_response={v}, roi={m}"), "must be finite and > 0"));
    }
    let min_total: f64 = channels.iter().map(|c| c.bounds(cap).0).sum();
    if min_total > cap + 1e-9 {
        return Err(Error::ModelNotApplicable {
            model: "allocate_budget".into(),
            reason: format!(
                "infeasible: lower bounds and locked spends add up to {min_total} but the budget is {cap}; raise the budget or relax the bounds"
            ),
        });
    }
    let all_concave = channels.iter().all(|c| c.curve.is_concave());
    let solver = match solver {
        Solver::Auto if all_concave && matches!(objective, Objective::Budget(_)) => Solver::WaterFilling,
        Solver::Auto => Solver::DynamicProgramming,
        s => s,
    };
    let mut plan = match solver {
        Solver::WaterFilling => {
            if !all_concave {
                return Err(Error::ModelNotApplicable {
                    model: "water_filling".into(),
                    reason: "some response curves are not concave (S-shaped Hill curves with alpha > 1, power > 1, or \
                             convex pieces); use dynamic programming, which is exact on its grid for any shape"
                        .into(),
                });
            }
            water_filling(channels, objective, cap)?
        }
        Solver::Greedy => greedy(channels, objective, cap, step)?,
        _ => dynamic_programming(channels, objective, cap, step)?,
    };
    diagnose(channels, objective, cap, step, &mut plan);
    Ok(plan)
}

fn finish(channels: &[Curve], spend: Vec<f64>, method: &str, optimality: String, kkt: Option<f64>) -> BudgetPlan {
    let response: Vec<f64> = channels.iter().zip(&spend).map(|(c, &x)| c.curve.value(x)).collect();
    let marginal = channels.iter().zip(&spend).map(|(c, &x)| c.curve.derivative(x)).collect();
    BudgetPlan {
        names: channels.iter().map(|c| c.name.clone()).collect(),
        total_spend: spend.iter().sum(),
        total_response: response.iter().sum(),
        spend,
        response,
        marginal_response: marginal,
        solver: method.into(),
        optimality,
        kkt_gap: kkt,
        diagnostics: Vec::new(),
    }
}

/// Grid index range of a channel.
fn grid_range(c: &Curve, cap: f64, step: f64, m: usize) -> (usize, usize) {
    let (lo, hi) = c.bounds(cap);
    let a = ((lo / step) - 1e-9).ceil().max(0.0) as usize;
    let b = (((hi / step) + 1e-9).floor().max(0.0) as usize).min(m);
    (a, b)
}

fn dynamic_programming(channels: &[Curve], objective: Objective, cap: f64, step: f64) -> Result<BudgetPlan> {
    let m = ((cap / step) + 1e-9).floor() as usize;
    if m > 5_000_000 / channels.len().max(1) {
        return Err(Error::option("step", step, format!("the grid has {m} steps per channel; use a coarser step")));
    }
    let n = channels.len();
    // best[t] = best total response with exactly t grid steps over the channels so far
    let mut best = vec![f64::NEG_INFINITY; m + 1];
    best[0] = 0.0;
    let mut choice: Vec<Vec<u32>> = Vec::with_capacity(n);
    let penalty = match objective {
        Objective::MarginalRoi { value_per_response, min_marginal_roi, .. } => {
            min_marginal_roi * step / value_per_response
        }
        _ => 0.0,
    };
    let mut vals = Vec::new();
    for c in channels {
        let (a, b) = grid_range(c, cap, step, m);
        vals.clear();
        vals.extend((0..=b).map(|k| c.curve.value(k as f64 * step) - penalty * k as f64));
        let mut next = vec![f64::NEG_INFINITY; m + 1];
        let mut arg = vec![u32::MAX; m + 1];
        for t in 0..=m {
            let hi = b.min(t);
            if a > hi {
                continue;
            }
            let (mut bv, mut bk) = (f64::NEG_INFINITY, u32::MAX);
            for k in a..=hi {
                let prev = best[t - k];
                if prev == f64::NEG_INFINITY {
                    continue;
                }
                let v = prev + vals[k];
                if v > bv {
                    bv = v;
                    bk = k as u32;
                }
            }
            next[t] = bv;
            arg[t] = bk;
        }
        best = next;
        choice.push(arg);
    }
    // which total
    let total = match objective {
        Objective::Budget(_) => {
            if best[m] > f64::NEG_INFINITY {
                m
            } else {
                (0..=m).rev().find(|&t| best[t] > f64::NEG_INFINITY).unwrap_or(0)
            }
        }
        Objective::MarginalRoi { .. } => {
            (0..=m).max_by(|&x, &y| best[x].total_cmp(&best[y]).then(y.cmp(&x))).unwrap_or(0)
        }
        Objective::TargetRoi { value_per_response, target_roi, .. } => (1..=m)
            .rev()
            .find(|&t| best[t] > f64::NEG_INFINITY && value_per_response * best[t] / (t as f64 * step) >= target_roi)
            .unwrap_or(0),
    };
    let mut spend = vec![0.0; n];
    let mut t = total;
    for i in (0..n).rev() {
        let k = choice[i][t];
        if k == u32::MAX {
            return Err(Error::ModelNotApplicable {
                model: "allocate_budget".into(),
                reason: "no allocation on the grid satisfies the bounds; use a step that divides the bounds".into(),
            });
        }
        spend[i] = k as f64 * step;
        t -= k as usize;
    }
    Ok(finish(
        channels,
        spend,
        "dynamic_programming",
        format!(
            "exact optimum on the spend grid of step {step}: no allocation on this grid does better (any curve shape)"
        ),
        None,
    ))
}

fn greedy(channels: &[Curve], objective: Objective, cap: f64, step: f64) -> Result<BudgetPlan> {
    let m = ((cap / step) + 1e-9).floor() as usize;
    let ranges: Vec<(usize, usize)> = channels.iter().map(|c| grid_range(c, cap, step, m)).collect();
    let mut k: Vec<usize> = ranges.iter().map(|r| r.0).collect();
    let mut used: usize = k.iter().sum();
    let budget_steps = match objective {
        Objective::Budget(_) => m,
        _ => m,
    };
    while used < budget_steps {
        let best = (0..channels.len())
            .filter(|&i| k[i] < ranges[i].1)
            .map(|i| {
                let c = &channels[i].curve;
                (i, c.value((k[i] + 1) as f64 * step) - c.value(k[i] as f64 * step))
            })
            .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)));
        match best {
            Some((i, _)) => {
                k[i] += 1;
                used += 1;
            }
            None => break,
        }
    }
    Ok(finish(
        channels,
        k.iter().map(|&x| x as f64 * step).collect(),
        "greedy",
        "greedy marginal allocation: optimal for concave curves only; S-shaped curves can leave it far from the optimum".into(),
        None,
    ))
}

/// Spend of channel `c` at marginal response `lambda` (concave: f' decreasing), within bounds.
fn spend_at(c: &Curve, lambda: f64, lo: f64, hi: f64) -> f64 {
    if c.curve.derivative(lo) <= lambda {
        return lo;
    }
    if c.curve.derivative(hi) >= lambda {
        return hi;
    }
    let (mut a, mut b) = (lo, hi);
    for _ in 0..200 {
        let mid = 0.5 * (a + b);
        if c.curve.derivative(mid) > lambda {
            a = mid;
        } else {
            b = mid;
        }
        if b - a <= 1e-12 * (1.0 + b) {
            break;
        }
    }
    0.5 * (a + b)
}

fn water_filling(channels: &[Curve], objective: Objective, cap: f64) -> Result<BudgetPlan> {
    let bounds: Vec<(f64, f64)> = channels.iter().map(|c| c.bounds(cap)).collect();
    let at = |lambda: f64| -> Vec<f64> {
        channels.iter().zip(&bounds).map(|(c, &(lo, hi))| spend_at(c, lambda, lo, hi)).collect()
    };
    let lambda = match objective {
        Objective::MarginalRoi { value_per_response, min_marginal_roi, .. } => min_marginal_roi / value_per_response,
        _ => {
            let target = cap;
            let max_total: f64 = bounds.iter().map(|b| b.1).sum();
            if max_total <= target {
                0.0
            } else {
                let (mut a, mut b) = (
                    0.0f64,
                    channels.iter().zip(&bounds).map(|(c, b)| c.curve.derivative(b.0)).fold(0.0, f64::max) + 1.0,
                );
                for _ in 0..300 {
                    let mid = 0.5 * (a + b);
                    if at(mid).iter().sum::<f64>() > target {
                        a = mid;
                    } else {
                        b = mid;
                    }
                    if b - a <= 1e-15 * (1.0 + b) {
                        break;
                    }
                }
                0.5 * (a + b)
            }
        }
    };
    let mut spend = at(lambda);
    if let Objective::Budget(b) = objective {
        // put the bisection residue (≤ 1e-9 relative) on the interior channel with the most room
        let resid = b - spend.iter().sum::<f64>();
        if let Some(i) = (0..spend.len())
            .filter(|&i| spend[i] + resid >= bounds[i].0 && spend[i] + resid <= bounds[i].1)
            .max_by(|&x, &y| spend[x].total_cmp(&spend[y]))
        {
            spend[i] += resid;
        }
    }
    if let Objective::TargetRoi { .. } = objective {
        return Err(Error::ModelNotApplicable {
            model: "water_filling".into(),
            reason: "a target overall ROI is solved by dynamic programming (it scans every total budget)".into(),
        });
    }
    // KKT gap: interior channels should share the same marginal response
    let interior: Vec<f64> = channels
        .iter()
        .zip(&spend)
        .zip(&bounds)
        .filter(|((_, x), (lo, hi))| **x > lo + 1e-9 && **x < hi - 1e-9)
        .map(|((c, &x), _)| c.curve.derivative(x))
        .collect();
    let gap = interior.iter().map(|d| (d - lambda).abs() / lambda.max(1e-300)).fold(0.0, f64::max);
    Ok(finish(
        channels,
        spend,
        "water_filling",
        format!(
            "continuous optimum for concave curves: equal marginal response {lambda:.6} on every channel not at a bound (KKT gap {gap:.2e})"
        ),
        Some(gap),
    ))
}

fn diagnose(channels: &[Curve], objective: Objective, cap: f64, step: f64, plan: &mut BudgetPlan) {
    for (i, c) in channels.iter().enumerate() {
        let x = plan.spend[i];
        if c.locked.is_some() {
            plan.diagnostics.push(format!("{}: locked at {x}", c.name));
            continue;
        }
        if c.lower > 0.0
            && (x - c.lower).abs() <= step * 0.5 + 1e-9
            && plan.marginal_response[i] < plan.marginal_response.iter().cloned().fold(0.0, f64::max)
        {
            plan.diagnostics
                .push(format!("{}: held at its lower bound {} (it would get less otherwise)", c.name, c.lower));
        }
        if let Some(u) = c.upper
            && (x - u).abs() <= 1e-9
        {
            plan.diagnostics.push(format!(
                "{}: at its upper bound {u} with marginal response {:.4} per unit: raising the bound would help",
                c.name, plan.marginal_response[i]
            ));
        }
    }
    if let Objective::Budget(b) = objective {
        let left = b - plan.total_spend;
        if left > step * 0.5 + 1e-9 {
            let why = if channels.iter().all(|c| c.locked.is_some() || c.upper.is_some()) {
                "every channel is at its upper bound or locked"
            } else {
                "the grid step does not divide the budget"
            };
            plan.diagnostics.push(format!("budget not fully allocated: {left} of {b} left because {why}"));
        }
    }
    let _ = cap;
}

/// Renamed to [`allocate_budget`] (one name in every face).
#[deprecated(since = "0.2.0", note = "renamed to `allocate_budget`")]
pub fn allocate(channels: &[Curve], objective: Objective, step: f64, solver: Solver) -> Result<BudgetPlan> {
    allocate_budget(channels, objective, step, solver)
}

/// Renamed to [`evaluate_budget`].
#[deprecated(since = "0.2.0", note = "renamed to `evaluate_budget`")]
pub fn evaluate(channels: &[Curve], spend: &[f64]) -> Result<(Vec<f64>, f64)> {
    evaluate_budget(channels, spend)
}

/// Renamed to [`BudgetPlan`].
#[deprecated(since = "0.2.0", note = "renamed to `BudgetPlan`")]
pub type Plan = BudgetPlan;

/// Renamed to [`Curve`].
#[deprecated(since = "0.2.0", note = "renamed to `Curve`")]
pub type Channel = Curve;

#[cfg(test)]
mod tests {
    use super::*;

    fn three(alpha: [f64; 3]) -> Vec<Curve> {
        let (g, b) = ([30.0, 50.0, 80.0], [100.0, 140.0, 220.0]);
        (0..3)
            .map(|i| Curve::new(format!("c{i}"), ResponseCurve::Hill { beta: b[i], alpha: alpha[i], gamma: g[i] }))
            .collect()
    }

    #[test]
    fn issue_examples_concave_and_s_shaped() {
        let p = allocate_budget(&three([0.8, 1.0, 0.6]), Objective::Budget(150.0), 1.0, Solver::DynamicProgramming)
            .unwrap();
        assert_eq!(p.spend, [34.0, 60.0, 56.0]);
        assert!((p.total_response - 227.14).abs() < 0.005, "{}", p.total_response);
        assert_eq!(p.total_spend, 150.0);
        let s = allocate_budget(&three([3.0, 2.5, 3.0]), Objective::Budget(150.0), 1.0, Solver::DynamicProgramming)
            .unwrap();
        assert_eq!(s.spend, [43.0, 0.0, 107.0]);
        assert!((s.total_response - 229.80).abs() < 0.005);
        let g = allocate_budget(&three([3.0, 2.5, 3.0]), Objective::Budget(150.0), 1.0, Solver::Greedy).unwrap();
        assert!((g.total_response - 131.56).abs() < 0.05, "greedy gets {}", g.total_response);
        assert!(s.total_response > g.total_response + 90.0, "DP finds the optimum, greedy does not");
    }

    #[test]
    fn water_filling_equals_dp_on_concave_curves() {
        let ch = three([0.8, 1.0, 0.6]);
        let w = allocate_budget(&ch, Objective::Budget(150.0), 1.0, Solver::WaterFilling).unwrap();
        let d = allocate_budget(&ch, Objective::Budget(150.0), 0.25, Solver::DynamicProgramming).unwrap();
        assert!((w.total_spend - 150.0).abs() < 1e-6);
        assert!(w.total_response >= d.total_response - 1e-9, "continuous optimum is at least the grid optimum");
        assert!(w.total_response - d.total_response < 1e-3, "{} vs {}", w.total_response, d.total_response);
        assert!(w.kkt_gap.unwrap() < 1e-6);
        // auto picks water-filling for concave budgets
        assert_eq!(allocate_budget(&ch, Objective::Budget(150.0), 1.0, Solver::Auto).unwrap().solver, "water_filling");
        assert!(allocate_budget(&three([3.0, 2.5, 3.0]), Objective::Budget(150.0), 1.0, Solver::WaterFilling).is_err());
    }

    #[test]
    fn dp_equals_brute_force_on_small_grids() {
        let curves = [
            ResponseCurve::Hill { beta: 10.0, alpha: 2.0, gamma: 4.0 },
            ResponseCurve::Power { a: 2.0, b: 0.5 },
            ResponseCurve::Log { a: 3.0, b: 2.0 },
            ResponseCurve::Piecewise { points: vec![(2.0, 1.0), (5.0, 9.0), (8.0, 10.0)] },
        ];
        let mut ch: Vec<Curve> =
            curves.iter().enumerate().map(|(i, c)| Curve::new(format!("c{i}"), c.clone())).collect();
        ch[1].upper = Some(4.0);
        ch[2].lower = 1.0;
        for budget in [0.0, 3.0, 7.0, 12.0] {
            let p = allocate_budget(&ch, Objective::Budget(budget), 1.0, Solver::DynamicProgramming);
            let mut best = f64::NEG_INFINITY;
            let b = budget as i32;
            for x0 in 0..=b {
                for x1 in 0..=4.min(b) {
                    for x2 in 1..=b {
                        let x3 = b - x0 - x1 - x2;
                        if x3 < 0 {
                            continue;
                        }
                        let (_, t) = evaluate_budget(&ch, &[x0 as f64, x1 as f64, x2 as f64, x3 as f64]).unwrap();
                        best = best.max(t);
                    }
                }
            }
            match p {
                Ok(p) => {
                    assert!((p.total_response - best).abs() < 1e-9, "budget {budget}: {} vs {best}", p.total_response)
                }
                Err(_) => assert!(budget < 1.0 && best == f64::NEG_INFINITY),
            }
        }
    }

    #[test]
    fn roi_objectives() {
        let ch = three([0.8, 1.0, 0.6]);
        let m = allocate_budget(
            &ch,
            Objective::MarginalRoi { value_per_response: 10.0, min_marginal_roi: 2.0, max_budget: 1000.0 },
            1.0,
            Solver::DynamicProgramming,
        )
        .unwrap();
        for (c, &x) in ch.iter().zip(&m.spend) {
            // one more step would return less than 2 per unit; the last step returned at least 2
            assert!(10.0 * (c.curve.value(x + 1.0) - c.curve.value(x)) < 2.0 + 1e-9);
            if x > 0.0 {
                assert!(10.0 * (c.curve.value(x) - c.curve.value(x - 1.0)) >= 2.0 - 1e-9);
            }
        }
        let t = allocate_budget(
            &ch,
            Objective::TargetRoi { value_per_response: 10.0, target_roi: 5.0, max_budget: 1000.0 },
            1.0,
            Solver::DynamicProgramming,
        )
        .unwrap();
        assert!(10.0 * t.total_response / t.total_spend >= 5.0);
        let more =
            allocate_budget(&ch, Objective::Budget(t.total_spend + 1.0), 1.0, Solver::DynamicProgramming).unwrap();
        assert!(10.0 * more.total_response / more.total_spend < 5.0, "the largest budget meeting the target");
    }

    #[test]
    fn bounds_locks_and_diagnostics() {
        let mut ch = three([0.8, 1.0, 0.6]);
        ch[0].locked = Some(10.0);
        ch[1].upper = Some(20.0);
        let p = allocate_budget(&ch, Objective::Budget(150.0), 1.0, Solver::DynamicProgramming).unwrap();
        assert_eq!(p.spend[0], 10.0);
        assert_eq!(p.spend[1], 20.0);
        assert_eq!(p.total_spend, 150.0);
        assert!(p.diagnostics.iter().any(|d| d.contains("c0: locked")));
        assert!(p.diagnostics.iter().any(|d| d.contains("c1: at its upper bound")));
        // everything capped: budget not fully allocated, said why
        ch[2].upper = Some(30.0);
        let p = allocate_budget(&ch, Objective::Budget(150.0), 1.0, Solver::DynamicProgramming).unwrap();
        assert_eq!(p.total_spend, 60.0);
        assert!(p.diagnostics.iter().any(|d| d.contains("not fully allocated")), "{:?}", p.diagnostics);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let ch = three([0.8, 1.0, 0.6]);
        assert!(matches!(
            allocate_budget(&ch, Objective::Budget(-1.0), 1.0, Solver::Auto),
            Err(Error::InvalidOption { .. })
        ));
        assert!(matches!(
            allocate_budget(&[], Objective::Budget(10.0), 1.0, Solver::Auto),
            Err(Error::EmptyInput { .. })
        ));
        let mut lo = three([0.8, 1.0, 0.6]);
        lo[0].lower = 100.0;
        lo[1].lower = 100.0;
        let e = allocate_budget(&lo, Objective::Budget(150.0), 1.0, Solver::Auto).unwrap_err();
        assert!(e.to_string().contains("infeasible") && e.to_string().contains("200"), "{e}");
        let nan = vec![Curve::new("x", ResponseCurve::Hill { beta: f64::NAN, alpha: 1.0, gamma: 1.0 })];
        let e = allocate_budget(&nan, Objective::Budget(10.0), 1.0, Solver::Auto).unwrap_err();
        assert!(e.to_string().contains("`beta`") && e.to_string().contains("row 0"), "{e}");
        assert!(allocate_budget(&ch, Objective::Budget(10.0), 0.0, Solver::Auto).is_err());
        assert!(evaluate_budget(&ch, &[1.0]).is_err());
    }

    #[test]
    fn calibration_passes_through_the_point() {
        let h = ResponseCurve::calibrate_hill(120.0, 30.0, 2.0, 1.5).unwrap();
        assert!((h.value(120.0) - 30.0).abs() < 1e-9);
        let p = ResponseCurve::calibrate_power(50.0, 10.0, 0.7).unwrap();
        assert!((p.value(50.0) - 10.0).abs() < 1e-9);
        assert!(ResponseCurve::calibrate_hill(0.0, 1.0, 1.0, 1.0).is_err());
    }
}
