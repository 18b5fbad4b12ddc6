//! Markov-chain attribution of any order, exact.
//!
//! The journey graph of order k ([`crate::graph`], whose rustdoc pins the state convention) is
//! an absorbing chain. The removal effect of a touchpoint is `1 − P(conv | it removed) /
//! P(conv)`, where removing it sends every state containing it to `Null`; both probabilities come
//! from linear solves (see [`crate::graph::absorbing`]). The value removal effect uses the
//! expected conversion value instead, with the reward of converting from a state equal to the
//! mean value of the conversions whose last state it is.
//!
//! Allocation of credit ([`MarkovAllocation`]):
//! - `Global` (default): share = RE / Σ RE; credited conversions = share × total conversions.
//! - `PerJourney`: each converting journey's conversions and value are split among its own
//!   distinct touchpoints in proportion to their removal effects.
//!
//! ORACLES E2 shows both: GA 2.4 / M 1.6 (global) and GA 2.6 / M 1.4 (per journey).

use super::{AttributionModel, Credits, Frame, JourneyCredit};
use crate::catalog::TouchpointId;
use crate::error::{Error, Result};
use crate::graph::JourneyGraph;

crate::named_enum! {
    /// How Markov credit is allocated from removal effects.
    #[derive(Default)]
    pub enum MarkovAllocation: "allocation" {
        /// share × total (the usual convention).
        #[default]
        Global = 0 => "global" | "share",
        /// Within each converting journey, in proportion to its touchpoints' removal effects.
        PerJourney = 1 => "per_journey" | "journey",
    }
}

crate::named_enum! {
    /// What value credit follows.
    #[derive(Default)]
    pub enum ValueBasis: "value_basis" {
        /// Value is allocated with the conversion shares (ORACLES E3 "value by share").
        #[default]
        ConversionShare = 0 => "conversion_share" | "conversions",
        /// Value is allocated with the value removal effects.
        ValueRemovalEffect = 1 => "value_removal_effect" | "value",
    }
}

pub(crate) fn attribute(
    frame: &Frame<'_>,
    model: &AttributionModel,
    order: usize,
    allocation: MarkovAllocation,
    basis: ValueBasis,
) -> Result<Credits> {
    let g = JourneyGraph::from_data(frame.data, order, frame.opts.max_touches)?;
    attribute_on(frame, model, &g, allocation, basis)
}

/// Markov credit from a graph built elsewhere (partials: from merged transition counts); the
/// per-journey allocation walks the frame's rows.
pub(crate) fn attribute_on(
    frame: &Frame<'_>,
    model: &AttributionModel,
    g: &JourneyGraph,
    allocation: MarkovAllocation,
    basis: ValueBasis,
) -> Result<Credits> {
    let order = g.order();
    let (p_conv, _, re) = g.removal_analysis()?;
    let n_tp = frame.data.catalog().len();
    let re_c: Vec<f64> = re.iter().map(|r| r.conversions).collect();
    let re_v: Vec<f64> = re.iter().map(|r| r.value).collect();
    let sum_c: f64 = re_c.iter().sum();
    let sum_v: f64 = re_v.iter().sum();
    if sum_c <= 0.0 {
        return Err(Error::ModelNotApplicable {
            model: model.name().into(),
            reason: "every removal effect is 0 (no touchpoint changes the conversion probability)".into(),
        });
    }
    let value_weights: &[f64] = match basis {
        ValueBasis::ValueRemovalEffect if sum_v > 0.0 => &re_v,
        _ => &re_c,
    };
    let sum_value_weights: f64 = value_weights.iter().sum();
    let mut notes = Vec::new();
    if basis == ValueBasis::ValueRemovalEffect && sum_v <= 0.0 {
        notes.push("the data carries no value: value follows the conversion removal effects".to_owned());
    }
    let (conv, value, per_journey) = match allocation {
        MarkovAllocation::Global => {
            let conv = re_c.iter().map(|r| r / sum_c * frame.conversions).collect();
            let value = value_weights.iter().map(|r| r / sum_value_weights * frame.value).collect();
            if frame.opts.per_journey {
                notes.push("per-journey credit is defined for the per_journey allocation only".to_owned());
            }
            (conv, value, None)
        }
        MarkovAllocation::PerJourney => {
            let mut conv = vec![0.0; n_tp];
            let mut value = vec![0.0; n_tp];
            let mut pj = frame.opts.per_journey.then(Vec::new);
            let mut distinct: Vec<TouchpointId> = Vec::new();
            let mut equal_splits = 0usize;
            for r in frame.data.rows(frame.opts.max_touches) {
                if r.conversions <= 0.0 || r.touchpoints.is_empty() {
                    continue;
                }
                distinct.clear();
                distinct.extend_from_slice(r.touchpoints);
                distinct.sort_unstable();
                distinct.dedup();
                let sc: f64 = distinct.iter().map(|t| re_c[t.index()]).sum();
                let sv: f64 = distinct.iter().map(|t| value_weights[t.index()]).sum();
                if sc <= 0.0 {
                    equal_splits += 1;
                }
                let k = distinct.len() as f64;
                for &t in &distinct {
                    let wc = if sc > 0.0 { re_c[t.index()] / sc } else { 1.0 / k };
                    let wv = if sv > 0.0 { value_weights[t.index()] / sv } else { wc };
                    conv[t.index()] += r.conversions * wc;
                    value[t.index()] += r.value * wv;
                    if let Some(pj) = pj.as_mut() {
                        pj.push(JourneyCredit {
                            row: r.index,
                            touchpoint: t,
                            conversions: r.conversions * wc,
                            value: r.value * wv,
                        });
                    }
                }
            }
            if equal_splits > 0 {
                notes.push(format!(
                    "{equal_splits} converting journeys had touchpoints with zero removal effect only and were split equally"
                ));
            }
            (conv, value, pj)
        }
    };
    let mut c = frame.credits(model, conv, value, true);
    for (row, r) in c.rows.iter_mut().zip(&re) {
        row.removal_effect = Some(r.conversions);
        row.removal_effect_value = Some(r.value);
    }
    c.per_journey = per_journey;
    c.notes.extend(notes);
    c.notes.push(format!(
        "order-{order} chain: {} states; P(conversion) = {:.6}; removal effects are exact (linear solves)",
        g.state_count(),
        p_conv
    ));
    Ok(c)
}
