//! Which touchpoint to fix first: the exact conversion gain of cutting a state's drop-off.
//!
//! Cutting the drop-off of state `k` by a fraction `f` removes `f·d_k` of its exit-to-`Null`
//! probability and gives it to its other exits in proportion (every other exit is scaled by
//! `s = 1 + f·d_k/(1 − d_k)`). Only row `k` of the chain changes — a rank-one update — so the new
//! conversion probability has a closed form (the Sherman–Morrison formula specialised to a row
//! scaling):
//!
//! `ΔP = v_k (1 − β_k) b_k (s − 1) / (1 − s β_k)`
//!
//! with `v_k` the expected visits to `k` per journey, `b_k` the conversion probability from
//! `k` and `β_k` the probability of returning to `k` (from the diagonal of `(I − Q)⁻¹`, which is
//! computed per strongly connected component). The same formula with the value rewards gives the
//! extra value. The marginal sensitivity `∂P/∂Q_kl = v_k · b_l` is
//! [`JourneyGraph::sensitivities`].
//!
//! ```
//! use touchpoint_core::{JourneyGraph, PathTable, optimize::{prioritize, prioritize_states}};
//! let mut p = PathTable::default();
//! p.add_path_str("ad > site", ">", 30.0, 50.0, 3000.0)?;
//! p.add_path_str("site", ">", 10.0, 90.0, 1000.0)?;
//! let g = JourneyGraph::from_paths(&p, 1)?;
//! let table = prioritize(&g, 0.1)?;
//! assert_eq!(table[0].touchpoint, "site"); // the drop-off that costs the most conversions
//! assert!(table[0].extra_conversions > 0.0);
//! let by_state = prioritize_states(&g, 0.1)?; // closed form; equal at order 1
//! assert!((by_state[0].gain - table[0].gain).abs() < 1e-12);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::graph::JourneyGraph;
use crate::graph::absorbing::Chain;

crate::named_enum! {
    /// What [`prioritize`] ranks: touchpoints (exact re-solves, [`prioritize`]), states
    /// (rank-one closed form, [`prioritize_states`]) or catalog stages (exact re-solves,
    /// [`prioritize_stages`]).
    #[derive(Default)]
    pub enum PrioritizeBy: "by" {
        /// Per touchpoint ([`TouchpointPriority`] rows).
        #[default]
        Touchpoint = 0 => "touchpoint" | "touchpoints",
        /// Per state ([`StatePriority`] rows).
        State = 1 => "state" | "states",
        /// Per catalog stage ([`StagePriority`] rows, [`prioritize_stages`]).
        Stage = 2 => "stage" | "stages",
    }
}

crate::row_struct! {
    /// One row of [`prioritize_states`]: what cutting a state's drop-off would bring.
    #[derive(Clone, PartialEq)]
    pub struct StatePriority {
        /// State label (the touchpoint at order 1).
        pub state: String,
        /// Node index of the state in the graph.
        pub state_id: usize,
        /// Weighted journeys that pass through the state.
        pub visits: f64,
        /// Current drop-off (exit to `Null`) rate.
        pub dropoff_rate: f64,
        /// Current conversion probability from the state.
        pub conversion_probability: f64,
        /// Probability of coming back to the state before the journey ends.
        pub return_probability: f64,
        /// P(conversion) of a journey after the cut, exact.
        pub new_conversion_probability: f64,
        /// Gain in P(conversion) of a journey.
        pub gain: f64,
        /// Extra conversions at the current journey volume.
        pub extra_conversions: f64,
        /// Extra conversion value at the current journey volume.
        pub extra_value: f64,
        /// d P(conversion) / d(fraction cut) at 0.
        pub marginal_gain: f64,
    }
}

/// Conversion probabilities, expected values and expected visits of the unmodified chain.
struct Base {
    c: Chain,
    b: Vec<f64>,
    bv: Vec<f64>,
    v: Vec<f64>,
}

fn base(graph: &JourneyGraph, fraction: f64) -> Result<Base> {
    if !(0.0..=1.0).contains(&fraction) {
        return Err(Error::option("fraction", fraction, "the share of drop-off to cut must be within 0..=1"));
    }
    let c = Chain::new(graph);
    let b = c.solve_backward(&c.r_conv, None)?;
    let bv = c.solve_backward(&c.r_value, None)?;
    let mut e = vec![0.0; c.nodes.len()];
    e[0] = 1.0;
    let v = c.solve_forward(&e)?;
    Ok(Base { c, b, bv, v })
}

/// Row scale `s` that cuts a drop-off `d` by `fraction`, and the marginal gain
/// `dP/dfraction = v·b·d/(1 − d)` (dP/ds at s = 1 is `v·b`, ds/dfraction is `d/(1 − d)`).
fn scale_and_marginal(fraction: f64, d: f64, v: f64, b: f64) -> (f64, f64) {
    if d < 1.0 { (1.0 + fraction * d / (1.0 - d), v * b * d / (1.0 - d)) } else { (1.0, 0.0) }
}

/// Exact gains of cutting each **state's** drop-off by `fraction` (0–1), ranked by extra
/// conversions (ties: extra value, then label), by the closed form. Its cost is dominated by the
/// return probabilities: immediate for states outside cycles, a dense inverse for strongly
/// connected components up to 400 states, one iterative solve per state beyond (slow for
/// components of many thousands of states; use [`prioritize`] per touchpoint there).
pub fn prioritize_states(graph: &JourneyGraph, fraction: f64) -> Result<Vec<StatePriority>> {
    let Base { c, b, bv, v } = base(graph, fraction)?;
    let beta = c.return_probabilities()?;
    let journeys = graph.total_journeys();
    let visits = graph.observed_visits();
    let mut rows: Vec<StatePriority> = (1..c.nodes.len())
        .map(|k| {
            let d = c.p_null[k];
            let (s, marginal) = scale_and_marginal(fraction, d, v[k], b[k]);
            let gain_of = |bk: f64| {
                let denom = 1.0 - s * beta[k];
                if denom > 0.0 { v[k] * (1.0 - beta[k]) * bk * (s - 1.0) / denom } else { f64::INFINITY }
            };
            let gain = gain_of(b[k]);
            let gain_v = gain_of(bv[k]);
            let node = c.nodes[k];
            StatePriority {
                state: graph.graph()[node].label.clone(),
                state_id: node.index(),
                visits: visits[node.index()],
                dropoff_rate: d,
                conversion_probability: b[k],
                return_probability: beta[k],
                new_conversion_probability: b[0] + gain,
                gain,
                extra_conversions: gain * journeys,
                extra_value: gain_v * journeys,
                marginal_gain: marginal,
            }
        })
        .collect();
    rows.sort_by(|x, y| {
        y.extra_conversions
            .total_cmp(&x.extra_conversions)
            .then(y.extra_value.total_cmp(&x.extra_value))
            .then_with(|| x.state.cmp(&y.state))
    });
    Ok(rows)
}

crate::row_struct! {
    /// One row of [`prioritize`]: what cutting the drop-off after a touchpoint would bring.
    #[derive(Clone, PartialEq)]
    pub struct TouchpointPriority {
        /// The touchpoint.
        pub touchpoint: String,
        /// States whose last touch is this touchpoint (1 at order 1).
        pub states: usize,
        /// Weighted journeys through those states.
        pub visits: f64,
        /// Drop-off rate after the touchpoint (visit-weighted over its states).
        pub dropoff_rate: f64,
        /// Conversion probability from the touchpoint (visit-weighted over its states).
        pub conversion_probability: f64,
        /// P(conversion) of a journey after the cut, exact (re-solve).
        pub new_conversion_probability: f64,
        /// Gain in P(conversion) of a journey.
        pub gain: f64,
        /// Extra conversions at the current journey volume.
        pub extra_conversions: f64,
        /// Extra conversion value at the current journey volume.
        pub extra_value: f64,
        /// d P(conversion) / d(fraction cut) at 0: `Σ_k v_k·b_k·d_k/(1 − d_k)` over its states.
        pub marginal_gain: f64,
    }
}

/// Which touchpoint's drop-off to fix first: for every touchpoint, cut the drop-off of every
/// state that ends with it by `fraction` (the removed probability redistributed proportionally
/// over the state's other exits) and re-solve the chain exactly; ranked by extra conversions.
/// At order 1 a touchpoint is one state and this equals the rank-one closed form of
/// [`prioritize_states`]. The re-solves are independent and run in parallel.
pub fn prioritize(graph: &JourneyGraph, fraction: f64) -> Result<Vec<TouchpointPriority>> {
    let n_tp = graph.catalog().len();
    let groups: Vec<String> = (0..n_tp)
        .map(|j| graph.catalog().name(crate::catalog::TouchpointId(j as u32)).unwrap_or("?").to_owned())
        .collect();
    by_groups(graph, fraction, groups, |t| Some(t.index()))
}

crate::row_struct! {
    /// One row of [`prioritize_stages`]: what cutting the drop-off after every touchpoint of a
    /// stage would bring.
    #[derive(Clone, PartialEq)]
    pub struct StagePriority {
        /// The catalog stage (`awareness`, `first_interaction`, `purchase`, `after_sales`).
        pub stage: String,
        /// Touchpoints of the stage seen in the graph.
        pub touchpoints: usize,
        /// States whose last touch is one of them.
        pub states: usize,
        /// Weighted journeys through those states.
        pub visits: f64,
        /// Drop-off rate after the stage's touchpoints (visit-weighted over its states).
        pub dropoff_rate: f64,
        /// Conversion probability from them (visit-weighted over its states).
        pub conversion_probability: f64,
        /// P(conversion) of a journey after the cut, exact (re-solve).
        pub new_conversion_probability: f64,
        /// Gain in P(conversion) of a journey.
        pub gain: f64,
        /// Extra conversions at the current journey volume.
        pub extra_conversions: f64,
        /// Extra conversion value at the current journey volume.
        pub extra_value: f64,
        /// d P(conversion) / d(fraction cut) at 0, summed over the stage's states.
        pub marginal_gain: f64,
    }
}

/// Which **stage** of the customer journey to fix first: for every stage of the catalog, cut
/// the drop-off of every state that ends with one of the stage's touchpoints by `fraction` and
/// re-solve the chain exactly (as [`prioritize`] does per touchpoint); ranked by extra
/// conversions. Touchpoints without a stage belong to none. An error when the catalog has no
/// stages (attach a catalog with them).
///
/// ```
/// use touchpoint_core::{demo, JourneyGraph, JourneyOptions, Journeys};
/// use touchpoint_core::optimize::prioritize_stages;
/// let ev = demo::events(&demo::DemoOptions { customers: 400, ..Default::default() })?;
/// let (j, _) = Journeys::build(&ev, &JourneyOptions::default())?;
/// let rows = prioritize_stages(&JourneyGraph::from_journeys(&j, 1)?, 0.1)?;
/// assert!(rows.iter().any(|r| r.stage == "awareness"));
/// assert!(rows.windows(2).all(|w| w[0].extra_conversions >= w[1].extra_conversions));
/// # Ok::<(), touchpoint_core::Error>(())
/// ```
pub fn prioritize_stages(graph: &JourneyGraph, fraction: f64) -> Result<Vec<StagePriority>> {
    use crate::catalog::Stage;
    use crate::named::Named as _;
    let cat = graph.catalog();
    let stage_of: Vec<Option<Stage>> =
        (0..cat.len()).map(|j| cat.attrs(crate::catalog::TouchpointId(j as u32)).and_then(|a| a.stage)).collect();
    if stage_of.iter().all(Option::is_none) {
        return Err(Error::option(
            "by",
            "\"stage\"",
            "the catalog has no stages: attach a catalog with a stage per touchpoint (awareness, \
             first_interaction, purchase, after_sales), or prioritise by touchpoint",
        ));
    }
    let groups: Vec<String> = Stage::ALL.iter().map(|s| s.name().to_owned()).collect();
    let index = |s: Stage| Stage::ALL.iter().position(|&x| x == s);
    let rows = by_groups(graph, fraction, groups, |t| stage_of.get(t.index()).copied().flatten().and_then(index))?;
    // the touchpoints some state ends with, in one pass over the nodes
    let mut last_of_a_state = vec![false; cat.len()];
    for n in graph.graph().node_weights() {
        if let crate::graph::NodeKind::State(w) = &n.kind
            && let Some(l) = w.last()
        {
            last_of_a_state[l.index()] = true;
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let touchpoints = (0..cat.len())
                .filter(|&j| last_of_a_state[j] && stage_of[j].is_some_and(|s| s.name() == r.touchpoint))
                .count();
            StagePriority {
                stage: r.touchpoint,
                touchpoints,
                states: r.states,
                visits: r.visits,
                dropoff_rate: r.dropoff_rate,
                conversion_probability: r.conversion_probability,
                new_conversion_probability: r.new_conversion_probability,
                gain: r.gain,
                extra_conversions: r.extra_conversions,
                extra_value: r.extra_value,
                marginal_gain: r.marginal_gain,
            }
        })
        .collect())
}

/// The exact re-solve of [`prioritize`] for any grouping of the states by their last
/// touchpoint (`group_of`: the group of a touchpoint, none to leave it out); rows named by
/// `names`, groups without states left out, ranked.
fn by_groups(
    graph: &JourneyGraph,
    fraction: f64,
    names: Vec<String>,
    group_of: impl Fn(crate::catalog::TouchpointId) -> Option<usize>,
) -> Result<Vec<TouchpointPriority>> {
    use crate::graph::NodeKind;
    let Base { c, b, bv, v } = base(graph, fraction)?;
    let visits = graph.observed_visits();
    let n_groups = names.len();
    let mut states_of: Vec<Vec<usize>> = vec![Vec::new(); n_groups];
    for (t, &node) in c.nodes.iter().enumerate() {
        if let NodeKind::State(w) = &graph.graph()[node].kind
            && let Some(last) = w.last()
            && let Some(g) = group_of(*last)
        {
            states_of[g].push(t);
        }
    }
    let journeys = graph.total_journeys();
    let prog = crate::progress::current();
    if let Some(p) = &prog {
        p.start("re-solves", n_groups as u64);
    }
    let one = |j: usize| -> Result<Option<TouchpointPriority>> {
        crate::progress::tick(&prog, 1)?;
        let ks = &states_of[j];
        if ks.is_empty() {
            return Ok(None);
        }
        let scales: Vec<(usize, f64)> =
            ks.iter().map(|&k| (k, scale_and_marginal(fraction, c.p_null[k], v[k], b[k]).0)).collect();
        let m = c.with_scaled_rows(&scales);
        let p = m.solve_backward(&m.r_conv, None)?[0];
        let pv = m.solve_backward(&m.r_value, None)?[0];
        let vis: f64 = ks.iter().map(|&k| visits[c.nodes[k].index()]).sum();
        let w = |f: &dyn Fn(usize) -> f64| {
            if vis > 0.0 { ks.iter().map(|&k| visits[c.nodes[k].index()] * f(k)).sum::<f64>() / vis } else { 0.0 }
        };
        let marginal = ks.iter().map(|&k| scale_and_marginal(fraction, c.p_null[k], v[k], b[k]).1).sum();
        Ok(Some(TouchpointPriority {
            touchpoint: names[j].clone(),
            states: ks.len(),
            visits: vis,
            dropoff_rate: w(&|k| c.p_null[k]),
            conversion_probability: w(&|k| b[k]),
            new_conversion_probability: p,
            gain: p - b[0],
            extra_conversions: (p - b[0]) * journeys,
            extra_value: (pv - bv[0]) * journeys,
            marginal_gain: marginal,
        }))
    };
    #[cfg(feature = "rayon")]
    let rows: Vec<Option<TouchpointPriority>> = {
        use rayon::prelude::*;
        (0..n_groups).into_par_iter().map(one).collect::<Result<_>>()?
    };
    #[cfg(not(feature = "rayon"))]
    let rows: Vec<Option<TouchpointPriority>> = (0..n_groups).map(one).collect::<Result<_>>()?;
    if let Some(p) = &prog {
        p.finish();
    }
    let mut rows: Vec<TouchpointPriority> = rows.into_iter().flatten().collect();
    rows.sort_by(|x, y| {
        y.extra_conversions
            .total_cmp(&x.extra_conversions)
            .then(y.extra_value.total_cmp(&x.extra_value))
            .then_with(|| x.touchpoint.cmp(&y.touchpoint))
    });
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::{random_table, resolve};

    #[test]
    fn closed_form_equals_re_solve_on_every_node() {
        for seed in [3u64, 17, 99] {
            for order in [1, 2] {
                let g = JourneyGraph::from_paths(&random_table(seed), order).unwrap();
                let c = Chain::new(&g);
                let base = resolve(&c, usize::MAX, 1.0, &c.r_conv);
                let base_v = resolve(&c, usize::MAX, 1.0, &c.r_value);
                for fraction in [0.1, 0.5, 1.0] {
                    let rows = prioritize_states(&g, fraction).unwrap();
                    for row in &rows {
                        let k = c.pos[row.state_id] as usize;
                        let d = c.p_null[k];
                        let s = if d < 1.0 { 1.0 + fraction * d / (1.0 - d) } else { 1.0 };
                        let p = resolve(&c, k, s, &c.r_conv);
                        assert!(
                            (row.gain - (p - base)).abs() < 1e-10,
                            "order {order} {}: {} vs {}",
                            row.state,
                            row.gain,
                            p - base
                        );
                        let pv = resolve(&c, k, s, &c.r_value);
                        let j = g.total_journeys();
                        assert!((row.extra_value - (pv - base_v) * j).abs() < 1e-7 * (1.0 + row.extra_value.abs()));
                    }
                }
            }
        }
    }

    #[test]
    fn iterative_return_probabilities_equal_dense() {
        let g = JourneyGraph::from_paths(&random_table(5), 1).unwrap();
        let dense = Chain::new(&g);
        let mut iter = Chain::new(&g);
        iter.dense_max = 1;
        let a = dense.return_probabilities().unwrap();
        let b = iter.return_probabilities().unwrap();
        assert!(a.iter().any(|&x| x > 0.0), "the test chain must have cycles");
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-10, "{x} vs {y}");
        }
    }

    #[test]
    fn per_touchpoint_equals_closed_form_at_order_1_and_marginal_matches_finite_differences() {
        let g = JourneyGraph::from_paths(&random_table(23), 1).unwrap();
        let by_tp = prioritize(&g, 0.3).unwrap();
        let by_state = prioritize_states(&g, 0.3).unwrap();
        for t in &by_tp {
            let s = by_state.iter().find(|s| s.state == t.touchpoint).unwrap();
            assert!((t.gain - s.gain).abs() < 1e-10, "{}: {} vs {}", t.touchpoint, t.gain, s.gain);
            assert!((t.extra_value - s.extra_value).abs() < 1e-7 * (1.0 + s.extra_value.abs()));
            assert!((t.marginal_gain - s.marginal_gain).abs() < 1e-12);
            let h = 1e-6;
            let up = prioritize(&g, h).unwrap();
            let fd = up.iter().find(|u| u.touchpoint == t.touchpoint).unwrap().gain / h;
            assert!(
                (fd - t.marginal_gain).abs() < 1e-4 * (1.0 + t.marginal_gain.abs()),
                "{}: fd {fd} vs {}",
                t.touchpoint,
                t.marginal_gain
            );
        }
        // order 2: a touchpoint is several states, changed together
        let g2 = JourneyGraph::from_paths(&random_table(23), 2).unwrap();
        let rows = prioritize(&g2, 1.0).unwrap();
        assert!(rows.iter().any(|r| r.states > 1));
        assert!(rows.iter().all(|r| r.gain >= -1e-12 && r.new_conversion_probability <= 1.0 + 1e-12));
    }

    #[test]
    fn bad_fraction() {
        let g = JourneyGraph::from_paths(&random_table(1), 1).unwrap();
        assert!(prioritize(&g, 1.5).is_err());
        assert!(prioritize(&g, f64::NAN).is_err());
    }
}
