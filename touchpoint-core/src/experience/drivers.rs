//! Key drivers: which touchpoint's satisfaction explains the outcome (ORACLES E13).
//!
//! Each customer's satisfaction at a driver touchpoint is the mean of their scores there. The
//! outcome is per customer: whether they converted (0/1; the R² is then that of the linear
//! probability model), their mean score at an "overall" touchpoint (an NPS survey, say), or a
//! value per customer given by the caller. The ordinary least-squares R² of the outcome on
//! every subset of the drivers is computed from one correlation matrix, and the R² of the
//! full model is split among the drivers by its Shapley decomposition (LMG): a driver's
//! importance is its marginal R² averaged over every order of entry. Exact, by the same
//! subset machinery as the conversion-rate Shapley value ([`shapley::exact`]), for up to
//! [`MAX_DRIVERS`] drivers. Importances sum to the full R².
//!
//! Missing scores ([`MissingScores`]): by default only customers with a score at every driver
//! (and an outcome) are used (complete cases); with `impute_mean` a customer needs one driver
//! score and the others are filled with the driver's mean over the customers scored there.
//! How many customers were used, left out and imputed is reported.

use std::fmt;
use std::str::FromStr;

use crate::attribution::shapley;
use crate::error::{Error, Result};
use crate::events::EventTable;
use crate::journeymap::sequence::par_fold;
use crate::stats::FixedSum;

use super::table::no_scores;
use super::{ExperienceOptions, FeedbackReport, Scores, SurveyTable, tp_name};

/// At most this many drivers (2^20 subsets).
pub const MAX_DRIVERS: usize = 20;

crate::named_enum! {
    /// Customers without a score at some driver.
    #[derive(Default)]
    pub enum MissingScores: "missing" {
        /// Left out: only customers scored at every driver are used (default).
        #[default]
        CompleteCases = 0 => "complete_cases" | "complete" | "listwise",
        /// Filled with the driver's mean over the customers scored there (a customer needs at
        /// least one driver score).
        ImputeMean = 1 => "impute_mean" | "mean",
    }
}

/// The outcome the drivers explain, one value per customer.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum DriverOutcome {
    /// Whether the customer converted at all (0/1): the linear probability model.
    #[default]
    Conversion,
    /// The customer's mean score at this touchpoint (an overall / NPS survey); it is then not a
    /// driver.
    Touchpoint(String),
    /// A value per customer code of the events (NaN: none), e.g. a CRM's overall rating.
    PerCustomer(Vec<f64>),
}

/// `"conversion"`, or a touchpoint name (`"touchpoint:<name>"` for a name that reads as
/// something else).
impl FromStr for DriverOutcome {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if t.is_empty() {
            return Err(Error::option("outcome", "\"\"", "give 'conversion' or the touchpoint of the overall score"));
        }
        if let Some(name) = s.trim_start().strip_prefix("touchpoint:") {
            return Ok(DriverOutcome::Touchpoint(name.to_owned()));
        }
        Ok(match t {
            "conversion" | "converted" => DriverOutcome::Conversion,
            _ => DriverOutcome::Touchpoint(t.to_owned()),
        })
    }
}

/// Key-driver options.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyDriverOptions {
    /// Driver touchpoints; empty: every touchpoint with scores (but the outcome's).
    pub drivers: Vec<String>,
    /// The outcome (default: conversion).
    pub outcome: DriverOutcome,
    /// Missing scores: complete cases (default) or the driver's mean.
    pub missing: MissingScores,
}

crate::row_struct! {
    /// One driver's share of the explained variance.
    #[derive(Clone, PartialEq)]
    pub struct KeyDriverRow {
        /// The driver touchpoint.
        pub driver: String,
        /// Its Shapley share of R² (LMG): the marginal R² averaged over all orders of entry.
        pub importance: f64,
        /// Importance ÷ the full R².
        pub share: Option<f64>,
        /// R² of the outcome on this driver alone.
        pub r_squared_alone: f64,
        /// Standardised coefficient in the full model.
        pub beta: Option<f64>,
        /// Mean satisfaction at the driver (customers used).
        pub mean_score: Option<f64>,
        /// Customers used that have a score at the driver.
        pub customers_scored: usize,
        /// Customers used whose score at the driver was imputed.
        pub customers_imputed: usize,
    }
}

/// Key drivers ([`key_drivers`]).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct KeyDrivers {
    /// What the outcome is.
    pub outcome: String,
    /// How missing scores were handled.
    pub missing: MissingScores,
    /// R² of the outcome on all drivers (the sum of the importances).
    pub r_squared: f64,
    /// Customers used.
    pub customers: usize,
    /// Customers with a driver score but no outcome (left out).
    pub customers_without_outcome: usize,
    /// Customers with an outcome but not every driver score (left out under complete cases).
    pub customers_incomplete: usize,
    /// Drivers, most important first.
    pub rows: Vec<KeyDriverRow>,
    /// The note on what the figures are. (A constant: read back as itself.)
    #[cfg_attr(feature = "serde", serde(skip_deserializing, default = "note"))]
    pub note: &'static str,
    /// Where the scores came from.
    pub report: FeedbackReport,
    /// Drivers in the order of the correlation matrix (not in the serde form; in the JSON
    /// document, see [`KeyDrivers::document`]).
    #[cfg_attr(feature = "serde", serde(skip_serializing))]
    drivers: Vec<String>,
    /// Correlation matrix of (drivers..., outcome), row-major (as `drivers`).
    #[cfg_attr(feature = "serde", serde(skip_serializing))]
    corr: Vec<f64>,
}

const NOTE: &str = "shares of explained variance (R²), not causal effects";

#[cfg(feature = "serde")]
fn note() -> &'static str {
    NOTE
}

/// The JSON document of [`KeyDrivers`]: its serde form plus what [`KeyDrivers::r_squared_of`]
/// reads (the drivers and their correlation matrix).
#[cfg(feature = "serde")]
#[derive(serde::Serialize)]
pub struct KeyDriversDocument<'a> {
    #[serde(flatten)]
    result: &'a KeyDrivers,
    drivers: &'a [String],
    corr: &'a [f64],
}

#[cfg(feature = "serde")]
impl KeyDrivers {
    /// What the JSON document writes.
    pub fn document(&self) -> KeyDriversDocument<'_> {
        KeyDriversDocument { result: self, drivers: &self.drivers, corr: &self.corr }
    }

    /// Check a result read back: the correlation matrix is square over the drivers and the
    /// outcome.
    pub(crate) fn checked(self) -> crate::Result<Self> {
        let w = self.drivers.len() + 1;
        if self.corr.len() != w * w {
            return Err(crate::Error::ModelFile {
                what: "key_drivers",
                offset: 0,
                problem: format!(
                    "the correlation matrix has {} cells, not {w}² for {} drivers",
                    self.corr.len(),
                    w - 1
                ),
            });
        }
        Ok(self)
    }
}

/// Key-driver analysis of the customers' satisfaction at each touchpoint (module docs).
///
/// Errors: no scores; more than [`MAX_DRIVERS`] drivers (name the ones you want); an unknown
/// driver or outcome touchpoint; fewer usable customers than drivers + 2; a constant outcome.
pub fn key_drivers(
    events: &EventTable,
    surveys: Option<&SurveyTable>,
    opts: &ExperienceOptions,
    kd: &KeyDriverOptions,
) -> Result<KeyDrivers> {
    let scores = Scores::collect(events, surveys, opts)?;
    if scores.list.is_empty() {
        return Err(no_scores());
    }
    let cat = events.catalog();
    let n_tp = cat.len();
    let n_cust = events.customer_count();
    let tps = events.touchpoints();
    let cust = events.customers();
    let known = |name: &str| {
        cat.get(name)
            .map(|t| t.0)
            .ok_or_else(|| Error::unknown_touchpoint(name, cat.names().iter().map(String::as_str)))
    };
    let outcome_tp = match &kd.outcome {
        DriverOutcome::Touchpoint(n) => Some(known(n)?),
        _ => None,
    };
    if let DriverOutcome::PerCustomer(v) = &kd.outcome
        && v.len() != n_cust
    {
        return Err(Error::option(
            "outcome",
            format!("{} values", v.len()),
            format!("give one value per customer of the events ({n_cust})"),
        ));
    }
    let mut scored = vec![false; n_tp];
    for s in &scores.list {
        scored[tps[s.row as usize] as usize] = true;
    }
    let drivers: Vec<u32> = if kd.drivers.is_empty() {
        // by name, so that nothing depends on the order names were first seen in
        let mut d: Vec<u32> = (0..n_tp as u32).filter(|&t| scored[t as usize] && Some(t) != outcome_tp).collect();
        d.sort_by(|&a, &b| cat.names()[a as usize].cmp(&cat.names()[b as usize]));
        d
    } else {
        let mut d = Vec::new();
        for n in &kd.drivers {
            let t = known(n)?;
            if Some(t) == outcome_tp {
                return Err(Error::option("drivers", n, "the outcome touchpoint cannot also be a driver"));
            }
            if !d.contains(&t) {
                d.push(t);
            }
        }
        d
    };
    let p = drivers.len();
    if p == 0 {
        return Err(Error::option(
            "drivers",
            "[]",
            "no touchpoint has scores besides the outcome; key drivers need scores at the driver touchpoints",
        ));
    }
    if p > MAX_DRIVERS {
        let names: Vec<String> = drivers.iter().map(|&t| tp_name(events, t)).collect();
        return Err(Error::option(
            "drivers",
            p,
            format!(
                "exact key drivers handle up to {MAX_DRIVERS} drivers (2^{MAX_DRIVERS} subsets); choose them with drivers=[...] \
                 among: {}",
                names.join(", ")
            ),
        ));
    }
    // driver slot per touchpoint, then the outcome slot p
    let mut slot = vec![u32::MAX; n_tp];
    for (j, &t) in drivers.iter().enumerate() {
        slot[t as usize] = j as u32;
    }
    if let Some(t) = outcome_tp {
        slot[t as usize] = p as u32;
    }
    let width = p + 1;
    // (customer, slot, score) grouped by customer with a counting pass
    let mut start = vec![0u32; n_cust + 1];
    for s in &scores.list {
        if slot[tps[s.row as usize] as usize] != u32::MAX {
            start[cust[s.row as usize] as usize + 1] += 1;
        }
    }
    for c in 0..n_cust {
        start[c + 1] += start[c];
    }
    let mut next = start.clone();
    let mut by_cust = vec![(0u32, 0f32); start[n_cust] as usize];
    for s in &scores.list {
        let j = slot[tps[s.row as usize] as usize];
        if j != u32::MAX {
            let c = cust[s.row as usize] as usize;
            by_cust[next[c] as usize] = (j, s.score);
            next[c] += 1;
        }
    }
    drop(next);
    let converted: Vec<bool> = match kd.outcome {
        DriverOutcome::Conversion => {
            let mut v = vec![false; n_cust];
            for (r, &c) in events.converted().iter().enumerate() {
                if c {
                    v[cust[r] as usize] = true;
                }
            }
            v
        }
        _ => Vec::new(),
    };
    // one customer's (driver means..., outcome) with a mask of the drivers scored
    let values = |c: usize, x: &mut [f64], sums: &mut [FixedSum], counts: &mut [u32]| -> (u64, bool) {
        sums.iter_mut().for_each(|s| *s = FixedSum::default());
        counts.iter_mut().for_each(|k| *k = 0);
        for &(j, sc) in &by_cust[start[c] as usize..start[c + 1] as usize] {
            sums[j as usize].add(sc as f64);
            counts[j as usize] += 1;
        }
        let mut mask = 0u64;
        for j in 0..p {
            if counts[j] > 0 {
                x[j] = sums[j].get() / counts[j] as f64;
                mask |= 1 << j;
            }
        }
        let y = match &kd.outcome {
            DriverOutcome::Conversion => Some(if converted[c] { 1.0 } else { 0.0 }),
            DriverOutcome::Touchpoint(_) => (counts[p] > 0).then(|| sums[p].get() / counts[p] as f64),
            DriverOutcome::PerCustomer(v) => Some(v[c]).filter(|y| !y.is_nan()),
        };
        if let Some(y) = y {
            x[p] = y;
        }
        (mask, y.is_some())
    };
    let full = (1u64 << p) - 1;
    // pass 1: per-driver means over the customers scored there (for imputation) and counts
    #[derive(Clone)]
    struct Pass1 {
        sums: Vec<FixedSum>,
        n: Vec<usize>,
        without_outcome: usize,
        incomplete: usize,
    }
    let scratch = || (vec![0f64; width], vec![FixedSum::default(); width], vec![0u32; width]);
    let pass1 = par_fold(
        n_cust,
        || (Pass1 { sums: vec![FixedSum::default(); p], n: vec![0; p], without_outcome: 0, incomplete: 0 }, scratch()),
        |(a, (x, sums, counts)), c| {
            if start[c] == start[c + 1] && !matches!(kd.outcome, DriverOutcome::PerCustomer(_)) {
                return;
            }
            let (mask, has_y) = values(c, x, sums, counts);
            if mask == 0 {
                return;
            }
            if !has_y {
                a.without_outcome += 1;
                return;
            }
            if mask != full {
                a.incomplete += 1;
            }
            for (j, &xj) in x[..p].iter().enumerate() {
                if mask >> j & 1 == 1 {
                    a.sums[j].add(xj);
                    a.n[j] += 1;
                }
            }
        },
        |mut a, b| {
            for j in 0..p {
                a.0.sums[j].merge(b.0.sums[j]);
                a.0.n[j] += b.0.n[j];
            }
            a.0.without_outcome += b.0.without_outcome;
            a.0.incomplete += b.0.incomplete;
            a
        },
    )
    .0;
    let impute: Vec<f64> =
        (0..p).map(|j| if pass1.n[j] > 0 { pass1.sums[j].get() / pass1.n[j] as f64 } else { 0.0 }).collect();
    let imputing = kd.missing == MissingScores::ImputeMean;
    // pass 2: sums and cross products of the customers used
    #[derive(Clone)]
    struct Pass2 {
        n: usize,
        s: Vec<FixedSum>,
        ss: Vec<FixedSum>,
        scored: Vec<usize>,
    }
    let pass2 = par_fold(
        n_cust,
        || {
            (
                Pass2 {
                    n: 0,
                    s: vec![FixedSum::default(); width],
                    ss: vec![FixedSum::default(); width * width],
                    scored: vec![0; p],
                },
                scratch(),
            )
        },
        |(a, (x, sums, counts)), c| {
            if start[c] == start[c + 1] {
                return;
            }
            let (mask, has_y) = values(c, x, sums, counts);
            if mask == 0 || !has_y || (mask != full && !imputing) {
                return;
            }
            for j in 0..p {
                if mask >> j & 1 == 1 {
                    a.scored[j] += 1;
                } else {
                    x[j] = impute[j];
                }
            }
            a.n += 1;
            for i in 0..width {
                a.s[i].add(x[i]);
                for k in i..width {
                    a.ss[i * width + k].add(x[i] * x[k]);
                }
            }
        },
        |mut a, b| {
            a.0.n += b.0.n;
            a.0.s.iter_mut().zip(&b.0.s).for_each(|(x, y)| x.merge(*y));
            a.0.ss.iter_mut().zip(&b.0.ss).for_each(|(x, y)| x.merge(*y));
            a.0.scored.iter_mut().zip(&b.0.scored).for_each(|(x, y)| *x += y);
            a
        },
    )
    .0;
    let n = pass2.n;
    if n < p + 2 {
        return Err(Error::ModelNotApplicable {
            model: "key_drivers".into(),
            reason: format!(
                "{n} customers have {} and an outcome, too few for {p} drivers (at least {}); {}",
                if imputing { "a driver score" } else { "a score at every driver" },
                p + 2,
                if imputing { "choose fewer drivers" } else { "choose fewer drivers or pass missing='impute_mean'" }
            ),
        });
    }
    let nf = n as f64;
    let mean: Vec<f64> = pass2.s.iter().map(|s| s.get() / nf).collect();
    let mut cov = vec![0.0; width * width];
    for i in 0..width {
        for k in i..width {
            let v = (pass2.ss[i * width + k].get() - nf * mean[i] * mean[k]) / nf;
            cov[i * width + k] = v;
            cov[k * width + i] = v;
        }
    }
    let sd: Vec<f64> = (0..width).map(|i| cov[i * width + i].max(0.0).sqrt()).collect();
    if sd[p] <= 1e-12 * mean[p].abs().max(1.0) {
        return Err(Error::ModelNotApplicable {
            model: "key_drivers".into(),
            reason: format!(
                "the outcome is the same ({}) for all {n} customers used: there is no variance to explain",
                mean[p]
            ),
        });
    }
    let mut corr = vec![0.0; width * width];
    for i in 0..width {
        for k in 0..width {
            corr[i * width + k] = if sd[i] > 0.0 && sd[k] > 0.0 {
                if i == k { 1.0 } else { cov[i * width + k] / (sd[i] * sd[k]) }
            } else {
                0.0
            };
        }
    }
    let r2 = |mask: u64| r_squared(&corr, width, mask).0;
    let phi = shapley::exact(p, r2)?;
    let (total, beta) = r_squared(&corr, width, full);
    let names: Vec<String> = drivers.iter().map(|&t| tp_name(events, t)).collect();
    let mut rows: Vec<KeyDriverRow> = (0..p)
        .map(|j| KeyDriverRow {
            driver: names[j].clone(),
            importance: phi[j],
            share: (total > 0.0).then(|| phi[j] / total),
            r_squared_alone: r2(1 << j),
            beta: beta[j],
            mean_score: Some(mean[j]),
            customers_scored: pass2.scored[j],
            customers_imputed: n - pass2.scored[j],
        })
        .collect();
    rows.sort_by(|a, b| b.importance.total_cmp(&a.importance).then_with(|| a.driver.cmp(&b.driver)));
    let outcome = match &kd.outcome {
        DriverOutcome::Conversion => "conversion (0/1; R² of the linear probability model)".to_owned(),
        DriverOutcome::Touchpoint(t) => format!("mean score at {t}"),
        DriverOutcome::PerCustomer(_) => "the value given per customer".to_owned(),
    };
    Ok(KeyDrivers {
        outcome,
        missing: kd.missing,
        r_squared: total,
        customers: n,
        customers_without_outcome: pass1.without_outcome,
        customers_incomplete: if imputing { 0 } else { pass1.incomplete },
        rows,
        note: NOTE,
        report: scores.report,
        drivers: names,
        corr,
    })
}

/// R² of the outcome (last variable) on the drivers in `mask`, from the correlation matrix,
/// with the standardised coefficients (by Cholesky; a driver collinear with the ones before it
/// adds nothing and gets no coefficient).
fn r_squared(corr: &[f64], width: usize, mask: u64) -> (f64, Vec<Option<f64>>) {
    let p = width - 1;
    let idx: Vec<usize> = (0..p).filter(|&j| mask >> j & 1 == 1).collect();
    let k = idx.len();
    let mut beta = vec![None; p];
    if k == 0 {
        return (0.0, beta);
    }
    // L Lᵀ = R_SS, solving L z = r_Sy; R² = |z|²
    let mut l = vec![0.0; k * k];
    let mut alive = vec![true; k];
    let mut z = vec![0.0; k];
    for a in 0..k {
        let mut d = corr[idx[a] * width + idx[a]];
        for c in 0..a {
            d -= l[a * k + c] * l[a * k + c];
        }
        if d <= 1e-10 {
            alive[a] = false;
            continue;
        }
        let da = d.sqrt();
        l[a * k + a] = da;
        for b in a + 1..k {
            let mut s = corr[idx[b] * width + idx[a]];
            for c in 0..a {
                s -= l[b * k + c] * l[a * k + c];
            }
            l[b * k + a] = s / da;
        }
        let mut s = corr[idx[a] * width + p];
        for c in 0..a {
            s -= l[a * k + c] * z[c];
        }
        z[a] = s / da;
    }
    let r2: f64 = z.iter().map(|v| v * v).sum::<f64>().clamp(0.0, 1.0);
    // back substitution Lᵀ β = z over the pivots that were kept
    let mut b = vec![0.0; k];
    for a in (0..k).rev() {
        if !alive[a] {
            continue;
        }
        let mut s = z[a];
        for c in a + 1..k {
            if alive[c] {
                s -= l[c * k + a] * b[c];
            }
        }
        b[a] = s / l[a * k + a];
        beta[idx[a]] = Some(b[a]);
    }
    (r2, beta)
}

impl KeyDrivers {
    /// R² of the outcome on a subset of the drivers (by name).
    ///
    /// Errors: a name that is not a driver.
    pub fn r_squared_of(&self, drivers: &[&str]) -> Result<f64> {
        let mut mask = 0u64;
        for d in drivers {
            let j = self.drivers.iter().position(|x| x == d).ok_or_else(|| {
                Error::option(
                    "drivers",
                    d,
                    format!("not a driver of this analysis; drivers: {}", self.drivers.join(", ")),
                )
            })?;
            mask |= 1 << j;
        }
        Ok(r_squared(&self.corr, self.drivers.len() + 1, mask).0)
    }

    /// The row of a driver.
    pub fn get(&self, driver: &str) -> Option<&KeyDriverRow> {
        self.rows.iter().find(|r| r.driver == driver)
    }
}

impl fmt::Display for KeyDrivers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::report::{Table, num, pct};
        writeln!(
            f,
            "Key drivers of {}: R² = {:.3} over {} customers ({})",
            self.outcome,
            self.r_squared,
            num(self.customers as f64),
            match self.missing {
                MissingScores::CompleteCases => format!(
                    "scored at every driver; {} left out with a missing score",
                    num(self.customers_incomplete as f64)
                ),
                MissingScores::ImputeMean => "missing scores filled with the driver's mean".to_owned(),
            }
        )?;
        let mut t = Table::new(&[
            ("driver", false),
            ("importance", true),
            ("share of R²", true),
            ("R² alone", true),
            ("mean score", true),
        ]);
        for r in &self.rows {
            t.row(vec![
                r.driver.clone(),
                format!("{:.4}", r.importance),
                r.share.map_or("-".into(), pct),
                format!("{:.4}", r.r_squared_alone),
                r.mean_score.map_or("-".into(), |m| format!("{m:.2}")),
            ]);
        }
        let mut s = String::new();
        t.render(&mut s);
        f.write_str(&s)?;
        writeln!(f, "  Importance: Shapley decomposition of R² (LMG); {}.", self.note)
    }
}
