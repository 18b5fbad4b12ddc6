//! Bootstrap intervals of attribution credit (see [`crate::bootstrap`] for the resampling).
//!
//! Each resample's credits are rescaled to the observed data's size: efficient models by
//! `observed conversions / resampled conversions` (so a touchpoint's interval is that of its
//! share of the observed conversions), the others by `observed journeys / resampled journeys`.
//! The intervals therefore describe how the *split* of the observed conversions could vary, not
//! how many conversions there could have been; a single-customer dataset gives zero-width
//! intervals.
//!
//! Three evaluation paths, the same numbers (a test checks them against each other):
//! rule models are linear in the rows' weights, so a resample is a weighted sum of each row's
//! credit; Markov models (global allocation) rebuild the chain's counts from the edges each row
//! walks ([`crate::graph`]'s trace) and re-solve it; every other model runs on reweighted data.

use super::{AttributionModel, AttributionOptions, Credits, Frame, MarkovAllocation, compare, rules};
use crate::bootstrap::{BATCH, BootstrapOptions, Interval, Units, each_batch, each_resample};
use crate::data::Data;
use crate::error::Result;
use crate::graph::trace::Trace;

#[cfg(test)]
thread_local! {
    /// Tests: evaluate every model on reweighted data (the reference for the fast paths).
    pub(crate) static FORCE_GENERIC: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn force_generic() -> bool {
    #[cfg(test)]
    return FORCE_GENERIC.with(|c| c.get());
    #[cfg(not(test))]
    false
}

/// Resampled figures of one model: per touchpoint (catalog order), per resample.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Draws {
    /// Credited conversions (rescaled to the observed data, see the module docs).
    #[cfg_attr(feature = "serde", serde(with = "crate::saved::json::nonfinite"))]
    pub conversions: Vec<Vec<f64>>,
    /// Shares of the credited conversions.
    #[cfg_attr(feature = "serde", serde(with = "crate::saved::json::nonfinite"))]
    pub share: Vec<Vec<f64>>,
    /// Markov: removal effects on conversions.
    #[cfg_attr(feature = "serde", serde(with = "crate::saved::json::nonfinite"))]
    pub removal_effect: Option<Vec<Vec<f64>>>,
    /// Resamples with a defined result (the others are NaN in the vectors above).
    pub used: usize,
}

impl Draws {
    fn new(n_tp: usize, b: usize, markov: bool) -> Self {
        Draws {
            conversions: vec![vec![f64::NAN; b]; n_tp],
            share: vec![vec![f64::NAN; b]; n_tp],
            removal_effect: markov.then(|| vec![vec![f64::NAN; b]; n_tp]),
            used: 0,
        }
    }

    fn set(&mut self, b: usize, conv: &[f64], removal: Option<&[f64]>) {
        let total: f64 = conv.iter().sum();
        for (t, &c) in conv.iter().enumerate() {
            self.conversions[t][b] = c;
            self.share[t][b] = if total.abs() > 0.0 { c / total } else { f64::NAN };
        }
        if let (Some(r), Some(dst)) = (removal, self.removal_effect.as_mut()) {
            for (t, &x) in r.iter().enumerate() {
                dst[t][b] = x;
            }
        }
        self.used += 1;
    }
}

/// Run `models` like [`compare`] and give every row a bootstrap interval (`lower`, `upper`,
/// `std_error` of its credited conversions).
///
/// # Arguments
/// `data`: journeys (resampled by customer) or a path table (resampled by row counts);
/// `boot`: resamples, seed and level.
///
/// # Returns
/// One [`Credits`] per model, as [`compare`] gives, with the interval columns filled and a note
/// naming the method.
///
/// # Errors
/// Those of [`compare`]; [`BootstrapOptions::validate`]'s.
///
/// # Complexity
/// Rule models: O(B · credited rows); Markov: O(B · (touches + solve)); others: B runs of the
/// model. Resamples run in parallel.
///
/// ```
/// use touchpoint_core::{PathTable, attribution::{AttributionModel, AttributionOptions, intervals}};
/// use touchpoint_core::bootstrap::BootstrapOptions;
/// let mut p = PathTable::default();
/// p.add_path_str("search > email", ">", 40.0, 60.0, 0.0)?;
/// p.add_path_str("email", ">", 10.0, 90.0, 0.0)?;
/// p.add_path_str("search", ">", 25.0, 75.0, 0.0)?;
/// let boot = BootstrapOptions { resamples: 100, seed: 7, level: 0.95 };
/// let c = intervals::compare_with_intervals(&p, &[AttributionModel::markov(1)], &AttributionOptions::default(), &boot)?;
/// let search = c[0].get("search").unwrap();
/// assert!(search.lower.unwrap() <= search.conversions && search.conversions <= search.upper.unwrap());
/// # Ok::<(), touchpoint_core::Error>(())
/// ```
pub fn compare_with_intervals<'a>(
    data: impl Into<Data<'a>>,
    models: &[AttributionModel],
    opts: &AttributionOptions,
    boot: &BootstrapOptions,
) -> Result<Vec<Credits>> {
    Ok(compare_with_draws(data.into(), models, opts, boot)?.into_iter().map(|(c, _)| c).collect())
}

/// [`compare_with_intervals`], also returning every model's resampled figures.
pub fn compare_with_draws(
    data: Data<'_>,
    models: &[AttributionModel],
    opts: &AttributionOptions,
    boot: &BootstrapOptions,
) -> Result<Vec<(Credits, Draws)>> {
    boot.validate()?;
    let mut credits = compare(data, models, opts)?;
    let units = Units::new(data, boot.seed);
    let draws = draws_of(data, models, opts, boot, &units, &credits)?;
    for (c, d) in credits.iter_mut().zip(&draws) {
        fill(c, d, boot);
    }
    Ok(credits.into_iter().zip(draws).collect())
}

fn fill(c: &mut Credits, d: &Draws, boot: &BootstrapOptions) {
    for (t, row) in c.rows.iter_mut().enumerate() {
        if let Some(i) = Interval::of(&d.conversions[t], boot.level) {
            row.lower = Some(i.lower);
            row.upper = Some(i.upper);
            row.std_error = Some(i.std_error);
        }
    }
    c.notes.push(boot.describe(d.used));
    if d.used < 2 {
        c.notes.push("fewer than 2 resamples had a defined result: the intervals have zero width".to_owned());
    }
}

/// Resampled figures of every model, evaluated by the cheapest exact path.
pub(crate) fn draws_of(
    data: Data<'_>,
    models: &[AttributionModel],
    opts: &AttributionOptions,
    boot: &BootstrapOptions,
    units: &Units,
    point: &[Credits],
) -> Result<Vec<Draws>> {
    let n_tp = data.catalog().len();
    let b = boot.resamples;
    let mut out: Vec<Option<Draws>> = vec![None; models.len()];

    // rule models: linear in the rows' conversion weights
    let rule_idx: Vec<usize> = (0..models.len()).filter(|&i| rules::is_rule(&models[i])).collect();
    if !rule_idx.is_empty() && !force_generic() {
        let pj_opts = AttributionOptions { per_journey: true, ..opts.clone() };
        let frame = Frame::new(data, &pj_opts)?;
        let rule_models: Vec<AttributionModel> = rule_idx.iter().map(|&i| models[i].clone()).collect();
        let with_pj = rules::attribute(&frame, &rule_models)?;
        // per model: credited (row, touchpoint, conversions), in row order
        let csr: Vec<Option<Vec<(u32, u32, f64)>>> = with_pj
            .iter()
            .map(|c| {
                c.per_journey
                    .as_ref()
                    .map(|pj| pj.iter().map(|x| (x.row as u32, x.touchpoint.0, x.conversions)).collect())
            })
            .collect();
        let linear = csr.iter().all(Option::is_some);
        if linear {
            let efficient: Vec<bool> = with_pj.iter().map(|c| c.efficient).collect();
            // journeys are needed for the scale of non-efficient models only
            let need_nulls = efficient.iter().any(|e| !e);
            let per_b = each_batch(b, |ks| {
                let k = ks.len();
                let keys: Vec<u64> = ks.clone().map(|b| units.key_of(b)).collect();
                let n = units.len();
                // conversion multipliers, row-major ([row][resample]), and the totals
                let mut m = vec![0.0; n * BATCH];
                let (mut nb, mut cb) = ([0.0; BATCH], [0.0; BATCH]);
                for r in 0..n {
                    if !(need_nulls || units.converts(r)) {
                        continue;
                    }
                    for (j, &rkey) in keys.iter().enumerate() {
                        let (c, nl) = units.draw_counts(rkey, r);
                        nb[j] += c + nl;
                        cb[j] += c;
                        m[r * BATCH + j] = units.conversion_multiplier_of(r, c);
                    }
                }
                let per_model: Vec<Vec<Option<Vec<f64>>>> = csr
                    .iter()
                    .zip(&efficient)
                    .map(|(rows, &eff)| {
                        let mut conv = vec![0.0; n_tp * BATCH];
                        for &(r, t, x) in rows.as_deref().unwrap_or(&[]) {
                            let (mr, acc) = (r as usize * BATCH, t as usize * BATCH);
                            for j in 0..BATCH {
                                conv[acc + j] += m[mr + j] * x;
                            }
                        }
                        (0..k)
                            .map(|j| {
                                let s =
                                    if eff { ratio(units.conversions, cb[j]) } else { ratio(units.journeys, nb[j]) }?;
                                Some((0..n_tp).map(|t| conv[t * BATCH + j] * s).collect())
                            })
                            .collect()
                    })
                    .collect();
                // one entry per resample: the models' results
                (0..k).map(|j| per_model.iter().map(|pm| pm[j].clone()).collect::<Vec<_>>()).collect()
            })?;
            for (j, &mi) in rule_idx.iter().enumerate() {
                let mut d = Draws::new(n_tp, b, false);
                for (k, models_k) in per_b.iter().enumerate() {
                    if let Some(conv) = &models_k[j] {
                        d.set(k, conv, None);
                    }
                }
                out[mi] = Some(d);
            }
        }
    }

    // Markov with the global allocation: reweight the chain's edges
    for (mi, m) in models.iter().enumerate() {
        if out[mi].is_some() || force_generic() {
            continue;
        }
        if let AttributionModel::Markov { order, allocation: MarkovAllocation::Global, .. } = m {
            let trace = Trace::new(data, *order, opts.max_touches)?;
            let per_b = each_batch(b, |ks| {
                let draw = |g: crate::graph::JourneyGraph| -> Option<(Vec<f64>, Vec<f64>)> {
                    let (_, _, re) = g.removal_analysis().ok()?;
                    let re_c: Vec<f64> = re.iter().map(|r| r.conversions).collect();
                    let sum: f64 = re_c.iter().sum();
                    (sum > 0.0).then(|| (re_c.iter().map(|r| r / sum * units.conversions).collect(), re_c))
                };
                trace.resample_batch(units, ks).into_iter().map(|g| g.and_then(draw)).collect()
            })?;
            let mut d = Draws::new(n_tp, b, true);
            for (k, r) in per_b.iter().enumerate() {
                if let Some((conv, re)) = r {
                    d.set(k, conv, Some(re));
                }
            }
            out[mi] = Some(d);
        }
    }

    // everything else: the model on reweighted data
    for (mi, m) in models.iter().enumerate() {
        if out[mi].is_some() {
            continue;
        }
        let efficient = point[mi].efficient;
        let markov = matches!(m, AttributionModel::Markov { .. });
        let per_b = each_resample(b, |k| -> Option<(Vec<f64>, Option<Vec<f64>>)> {
            let r = units.resampled(data, k).ok()??;
            let c = super::attribute(r.data(), m, opts).ok()?;
            let scale = if efficient {
                ratio(units.conversions, c.total_conversions)
            } else {
                ratio(units.journeys, c.total_journeys)
            }?;
            let conv = c.rows.iter().map(|x| x.conversions * scale).collect();
            let re = markov.then(|| c.rows.iter().map(|x| x.removal_effect.unwrap_or(0.0)).collect());
            Some((conv, re))
        })?;
        let mut d = Draws::new(n_tp, b, markov);
        for (k, r) in per_b.iter().enumerate() {
            if let Some((conv, re)) = r {
                d.set(k, conv, re.as_deref());
            }
        }
        out[mi] = Some(d);
    }
    Ok(out.into_iter().map(|d| d.unwrap_or_else(|| Draws::new(n_tp, b, false))).collect())
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}
