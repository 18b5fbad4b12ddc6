//! Rule-based models: first, last, last non-direct, linear, position-based, time decay,
//! participation. Several rule models share one pass over the data.
//!
//! Weights per position (ORACLES E7):
//!
//! | touches | U (40/20/40) | J (20/60) | inverse J (60/20) |
//! |---|---|---|---|
//! | 1 | 1 | 1 | 1 |
//! | 2 | .5 .5 | .25 .75 | .75 .25 |
//! | 3 | .4 .2 .4 | .2 .2 .6 | .6 .2 .2 |
//! | 4 | .4 .1 .1 .4 | .2 .1 .1 .6 | .6 .1 .1 .2 |
//!
//! A touchpoint that occurs at several positions collects the weights of all of them.
//!
//! ```
//! use touchpoint_core::attribution::rules::position_weights;
//! let mut w = Vec::new();
//! position_weights(0.2, 0.2, 0.6, 4, &mut w);
//! assert_eq!(w, [0.2, 0.1, 0.1, 0.6]);
//! ```

use super::{AttributionModel, Credits, Frame, JourneyCredit};
use crate::catalog::TouchpointId;
use crate::error::{Error, Result};

/// Whether `m` is a rule model (the models of this module).
pub fn is_rule(m: &AttributionModel) -> bool {
    matches!(
        m,
        AttributionModel::FirstTouch
            | AttributionModel::LastTouch
            | AttributionModel::LastNonDirect
            | AttributionModel::Linear
            | AttributionModel::Position { .. }
            | AttributionModel::TimeDecay { .. }
            | AttributionModel::Participation
    )
}

/// Position weights of `n` touches for (first, middle, last) weights, normalised to sum 1.
/// Two touches ignore the middle weight; if first and last are both 0 they split equally.
pub fn position_weights(first: f64, middle: f64, last: f64, n: usize, out: &mut Vec<f64>) {
    out.clear();
    let s = first + middle + last;
    let (f, m, l) = if s > 0.0 { (first / s, middle / s, last / s) } else { (1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0) };
    match n {
        0 => {}
        1 => out.push(1.0),
        2 if f + l > 0.0 => out.extend([f / (f + l), l / (f + l)]),
        2 => out.extend([0.5, 0.5]),
        _ => {
            out.push(f);
            out.extend(std::iter::repeat_n(m / (n - 2) as f64, n - 2));
            out.push(l);
        }
    }
}

/// Time-decay weights: ∝ 2^(−age / half_life), age = `end − t`, normalised to sum 1.
/// Computed relative to the youngest touch so that very old journeys cannot underflow.
pub fn time_decay_weights(times: &[i64], end: i64, half_life_ms: i64, out: &mut Vec<f64>) {
    out.clear();
    let min_age = times.iter().map(|&t| end.saturating_sub(t)).min().unwrap_or(0);
    out.extend(
        times.iter().map(|&t| (-(end.saturating_sub(t).saturating_sub(min_age) as f64) / half_life_ms as f64).exp2()),
    );
    let s: f64 = out.iter().sum();
    for w in out.iter_mut() {
        *w /= s;
    }
}

/// Accumulator of one rule model.
struct Acc<'m> {
    model: &'m AttributionModel,
    conv: Vec<f64>,
    value: Vec<f64>,
    per_journey: Option<Vec<JourneyCredit>>,
}

/// Sum the partial results of two chunks (the later chunk second).
fn merge_parts<'m>((mut a, fa): (Vec<Acc<'m>>, usize), (b, fb): (Vec<Acc<'m>>, usize)) -> (Vec<Acc<'m>>, usize) {
    for (x, y) in a.iter_mut().zip(b) {
        x.conv.iter_mut().zip(y.conv).for_each(|(p, q)| *p += q);
        x.value.iter_mut().zip(y.value).for_each(|(p, q)| *p += q);
        if let (Some(p), Some(q)) = (x.per_journey.as_mut(), y.per_journey) {
            p.extend(q);
        }
    }
    (a, fa + fb)
}

/// Run rule models in one pass. Returns one [`Credits`] per model, in order.
pub(crate) fn attribute(frame: &Frame<'_>, models: &[AttributionModel]) -> Result<Vec<Credits>> {
    if models.is_empty() {
        return Ok(Vec::new());
    }
    let cat = frame.data.catalog();
    let n_tp = cat.len();
    for m in models {
        if let AttributionModel::TimeDecay { half_life_ms } = m {
            if !frame.data.has_times() {
                return Err(Error::ModelNotApplicable {
                    model: m.name().into(),
                    reason: "time decay needs touch times, and a path table has none; build journeys from \
                             events instead, or use a position-based model"
                        .into(),
                });
            }
            if *half_life_ms <= 0 {
                return Err(Error::option("half_life", half_life_ms, "the half-life must be > 0"));
            }
        }
        if let AttributionModel::Position { first, middle, last } = m {
            super::check_weights(*first, *middle, *last)?;
        }
    }
    let direct: Vec<bool> = cat.iter().map(|(_, _, a)| a.direct).collect();
    let data = frame.data;
    let per_journey = frame.opts.per_journey;
    let need_distinct = per_journey || models.iter().any(|m| matches!(m, AttributionModel::Participation));
    // one parallel pass in fixed chunks of rows; partial sums combined in a fixed order
    // only converting rows get credit: walk their list (kept with the data's totals)
    let converting = &frame.totals.converting;
    // first and last touch without per-journey output were counted with the data's totals
    let kept =
        |m: &AttributionModel| !per_journey && matches!(m, AttributionModel::FirstTouch | AttributionModel::LastTouch);
    let rows_needed = if models.iter().all(kept) { 0 } else { converting.len() };
    // (one empty range when no model needs the rows)
    let parts = crate::totals::map_ranges(rows_needed.max(1), crate::totals::CHUNK_ROWS, |range| {
        let range = range.start.min(rows_needed)..range.end.min(rows_needed);
        let mut accs: Vec<Acc<'_>> = models
            .iter()
            .map(|model| Acc {
                model,
                conv: vec![0.0; n_tp],
                value: vec![0.0; n_tp],
                per_journey: per_journey.then(Vec::new),
            })
            .collect();
        let mut w: Vec<f64> = Vec::new();
        let mut seen: Vec<u32> = vec![u32::MAX; n_tp];
        let mut distinct: Vec<TouchpointId> = Vec::new();
        let mut fallbacks = 0usize;
        for &i in &converting[range] {
            let r = data.row(i, frame.opts.max_touches);
            if r.touchpoints.is_empty() {
                continue;
            }
            let tps = r.touchpoints;
            let n = tps.len();
            if need_distinct {
                // distinct touchpoints of the row, in order of first occurrence
                distinct.clear();
                for &t in tps {
                    if seen[t.index()] != r.index as u32 {
                        seen[t.index()] = r.index as u32;
                        distinct.push(t);
                    }
                }
            }
            for acc in accs.iter_mut() {
                if kept(acc.model) {
                    continue;
                }
                // linear without per-journey output needs no weight vector (first and last touch
                // without it come from the totals, after this pass)
                if acc.per_journey.is_none() && matches!(acc.model, AttributionModel::Linear) {
                    let (c, v) = (r.conversions * (1.0 / n as f64), r.value * (1.0 / n as f64));
                    for t in tps {
                        acc.conv[t.index()] += c;
                        acc.value[t.index()] += v;
                    }
                    continue;
                }
                let single = |pos: usize, w: &mut Vec<f64>| {
                    w.clear();
                    w.resize(n, 0.0);
                    w[pos] = 1.0;
                };
                match acc.model {
                    AttributionModel::FirstTouch => single(0, &mut w),
                    AttributionModel::LastTouch => single(n - 1, &mut w),
                    AttributionModel::LastNonDirect => {
                        let pos = tps.iter().rposition(|t| !direct[t.index()]);
                        if pos.is_none() {
                            fallbacks += 1;
                        }
                        single(pos.unwrap_or(n - 1), &mut w)
                    }
                    AttributionModel::Linear => {
                        w.clear();
                        w.resize(n, 1.0 / n as f64);
                    }
                    AttributionModel::Position { first, middle, last } => {
                        position_weights(*first, *middle, *last, n, &mut w)
                    }
                    AttributionModel::TimeDecay { half_life_ms } => match (r.times, r.end_time) {
                        (Some(times), Some(end)) => time_decay_weights(times, end, *half_life_ms, &mut w),
                        _ => {
                            w.clear();
                            w.resize(n, 1.0 / n as f64);
                        }
                    },
                    AttributionModel::Participation => {
                        for &t in &distinct {
                            acc.conv[t.index()] += r.conversions;
                            acc.value[t.index()] += r.value;
                            if let Some(pj) = acc.per_journey.as_mut() {
                                pj.push(JourneyCredit {
                                    row: r.index,
                                    touchpoint: t,
                                    conversions: r.conversions,
                                    value: r.value,
                                });
                            }
                        }
                        continue;
                    }
                    _ => continue,
                }
                for (&t, &wi) in tps.iter().zip(w.iter()) {
                    acc.conv[t.index()] += r.conversions * wi;
                    acc.value[t.index()] += r.value * wi;
                }
                if let Some(pj) = acc.per_journey.as_mut() {
                    for &t in &distinct {
                        let s: f64 = tps.iter().zip(w.iter()).filter(|(x, _)| **x == t).map(|(_, w)| w).sum();
                        if s > 0.0 {
                            pj.push(JourneyCredit {
                                row: r.index,
                                touchpoint: t,
                                conversions: r.conversions * s,
                                value: r.value * s,
                            });
                        }
                    }
                }
            }
        }
        (accs, fallbacks)
    });
    let Some((mut accs, all_direct_fallbacks)) = crate::totals::tree_reduce(parts, false, &merge_parts) else {
        return Err(Error::EmptyInput { what: data.what(), hint: "journey or path row" });
    };
    for acc in accs.iter_mut().filter(|a| kept(a.model)) {
        let [conv, value] =
            if matches!(acc.model, AttributionModel::FirstTouch) { &frame.totals.first } else { &frame.totals.last };
        acc.conv.clone_from(conv);
        acc.value.clone_from(value);
    }
    Ok(accs
        .into_iter()
        .map(|acc| {
            let efficient = !matches!(acc.model, AttributionModel::Participation);
            let mut c = frame.credits(acc.model, acc.conv, acc.value, efficient);
            c.per_journey = acc.per_journey;
            c.notes.extend(model_notes(acc.model, cat, all_direct_fallbacks));
            c
        })
        .collect())
}

/// The notes a rule model adds to its result: participation's inefficiency, last non-direct's
/// fallbacks (`all_direct`: converting journeys with direct touches only).
pub(crate) fn model_notes(
    model: &AttributionModel,
    catalog: &crate::catalog::Catalog,
    all_direct: usize,
) -> Option<String> {
    match model {
        AttributionModel::Participation => Some(
            "participation gives full credit to every touchpoint of a converting journey: credits sum to more than \
             the conversions by design"
                .into(),
        ),
        AttributionModel::LastNonDirect if all_direct > 0 => {
            Some(format!("{all_direct} converting journeys had only direct touches and credited their last touch"))
        }
        AttributionModel::LastNonDirect if !catalog.iter().any(|(_, _, a)| a.direct) => {
            Some("no touchpoint is flagged `direct` in the catalog, so last non-direct equals last touch".into())
        }
        _ => None,
    }
}
