//! Invariants every attribution model is held to (DESIGN §5).

use std::collections::BTreeMap;

use proptest::prelude::*;
use touchpoint_core::attribution::{
    AttributionModel as M, AttributionOptions, Credits, MarkovAllocation, ShapleyMethod, ValueBasis, attribute, compare,
};
use touchpoint_core::graph::NodeKind;
use touchpoint_core::{Catalog, EventTable, JourneyGraph, JourneyOptions, Journeys, PathTable, TouchpointAttrs};

/// path (touchpoint codes), conversions, nulls
type PathSpec = (Vec<u8>, u8, u8);

fn paths_strategy(max_tp: u8, max_len: usize) -> impl Strategy<Value = Vec<PathSpec>> {
    prop::collection::vec((prop::collection::vec(0..max_tp, 1..=max_len), 0u8..4, 0u8..4), 1..20)
        .prop_filter("needs a conversion", |v| v.iter().any(|p| p.1 > 0))
}

fn name(t: u8) -> String {
    format!("tp{t}")
}

fn table(paths: &[PathSpec], rename: &dyn Fn(u8) -> String) -> PathTable {
    let mut t = PathTable::default();
    for (p, c, n) in paths {
        if c + n == 0 {
            continue;
        }
        let names: Vec<String> = p.iter().map(|&x| rename(x)).collect();
        t.add_names(&names, *c as f64, *n as f64, *c as f64 * (3.0 + p.len() as f64)).unwrap();
    }
    t
}

fn all_models() -> Vec<M> {
    vec![
        M::FirstTouch,
        M::LastTouch,
        M::LastNonDirect,
        M::Linear,
        M::u_shaped(),
        M::j_shaped(),
        M::inverse_j(),
        M::Position { first: 0.1, middle: 0.7, last: 0.2 },
        M::Participation,
        M::markov(1),
        M::markov(2),
        M::markov(3),
        M::Markov { order: 1, allocation: MarkovAllocation::PerJourney, value_basis: ValueBasis::ValueRemovalEffect },
        M::Shapley,
        M::OrderedShapley,
        M::ShapleyRate { method: ShapleyMethod::Exact },
        M::ShaoLi,
    ]
}

fn by_name(c: &Credits, rename: &dyn Fn(&str) -> String) -> BTreeMap<String, (f64, f64)> {
    c.rows.iter().map(|r| (rename(&r.name), (r.conversions, r.value))).collect()
}

fn close_maps(
    a: &BTreeMap<String, (f64, f64)>,
    b: &BTreeMap<String, (f64, f64)>,
    what: &str,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, x) in a {
        let y = b[k];
        prop_assert!((x.0 - y.0).abs() < 1e-9 && (x.1 - y.1).abs() < 1e-7, "{} {}: {:?} vs {:?}", what, k, x, y);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn efficient_models_sum_to_totals(paths in paths_strategy(5, 6)) {
        let t = table(&paths, &name);
        for c in compare(&t, &all_models(), &AttributionOptions::default()).unwrap() {
            if c.efficient {
                prop_assert!((c.credited_conversions() - t.total_conversions()).abs() < 1e-9, "{}", c.model);
                prop_assert!((c.credited_value() - t.total_value()).abs() < 1e-7, "{}", c.model);
                prop_assert!(c.rows.iter().all(|r| r.conversions >= -1e-12), "{}", c.model);
            }
            prop_assert!(c.rows.iter().all(|r| r.conversions.is_finite() && r.value.is_finite()));
        }
    }

    #[test]
    fn single_touch_journeys_credit_their_touchpoint(paths in paths_strategy(5, 1)) {
        let t = table(&paths, &name);
        for c in compare(&t, &all_models(), &AttributionOptions::default()).unwrap() {
            if c.model == "shapley_rate" || c.model == "shao_li" {
                continue; // rate-based scores, not conversion counts
            }
            for r in t.iter() {
                let row = c.get(&name_of(&t, r.touchpoints[0])).unwrap();
                prop_assert!((row.conversions - conversions_with(&t, r.touchpoints[0])).abs() < 1e-9, "{}", c.model);
            }
        }
    }

    #[test]
    fn degenerate_position_weights_reduce_to_first_and_last(paths in paths_strategy(5, 6)) {
        let t = table(&paths, &name);
        let o = AttributionOptions::default();
        let first = attribute(&t, &M::FirstTouch, &o).unwrap();
        let last = attribute(&t, &M::LastTouch, &o).unwrap();
        let u001 = attribute(&t, &M::Position { first: 0.0, middle: 0.0, last: 1.0 }, &o).unwrap();
        let u100 = attribute(&t, &M::Position { first: 1.0, middle: 0.0, last: 0.0 }, &o).unwrap();
        let id = |s: &str| s.to_owned();
        close_maps(&by_name(&u001, &id), &by_name(&last, &id), "U(0,0,1)")?;
        close_maps(&by_name(&u100, &id), &by_name(&first, &id), "U(1,0,0)")?;
    }

    #[test]
    fn independent_of_row_order_and_naming(paths in paths_strategy(5, 6)) {
        let t = table(&paths, &name);
        let mut rev = paths.clone();
        rev.reverse();
        let t_rev = table(&rev, &name);
        let renamed = |x: u8| format!("Ω-{}", 9 - x);
        let t_ren = table(&paths, &renamed);
        let back = |s: &str| match s.strip_prefix("Ω-") { Some(d) => format!("tp{}", 9 - d.parse::<u8>().unwrap()), None => s.to_owned() };
        let id = |s: &str| s.to_owned();
        let o = AttributionOptions::default();
        for m in all_models() {
            let a = attribute(&t, &m, &o).unwrap();
            close_maps(&by_name(&a, &id), &by_name(&attribute(&t_rev, &m, &o).unwrap(), &id), m.name())?;
            close_maps(&by_name(&a, &id), &by_name(&attribute(&t_ren, &m, &o).unwrap(), &back), m.name())?;
        }
    }

    #[test]
    fn aggregated_and_expanded_inputs_agree(paths in paths_strategy(4, 5)) {
        let t = table(&paths, &name);
        // expand: one customer per journey, hourly touches, conversion value spread per journey
        let mut b = EventTable::builder();
        let mut k = 0;
        for (p, c, n) in &paths {
            for j in 0..(c + n) {
                k += 1;
                let cust = format!("c{k}");
                for (i, &x) in p.iter().enumerate() {
                    b.touch(&cust, &name(x), i as i64 * 3_600_000).unwrap();
                }
                if j < *c {
                    b.conversion(&cust, p.len() as i64 * 3_600_000, 3.0 + p.len() as f64).unwrap();
                }
            }
        }
        let (js, _) = Journeys::build(&b.finish().unwrap(), &JourneyOptions::default()).unwrap();
        let id = |s: &str| s.to_owned();
        let o = AttributionOptions::default();
        for m in all_models() {
            let a = attribute(&t, &m, &o).unwrap();
            let e = attribute(&js, &m, &o).unwrap();
            close_maps(&by_name(&a, &id), &by_name(&e, &id), m.name())?;
        }
    }

    #[test]
    fn simplified_shapley_is_linear_over_distinct_touchpoints(paths in paths_strategy(5, 6)) {
        let t = table(&paths, &name);
        let dedup: Vec<PathSpec> = paths.iter().map(|(p, c, n)| {
            let mut seen = Vec::new();
            for &x in p { if !seen.contains(&x) { seen.push(x); } }
            (seen, *c, *n)
        }).collect();
        let o = AttributionOptions::default();
        let s = attribute(&t, &M::Shapley, &o).unwrap();
        let l = attribute(&table(&dedup, &name), &M::Linear, &o).unwrap();
        // conversions only: the generated value depends on the path length, which dedup changes
        for r in &s.rows {
            prop_assert!((r.conversions - l.get(&r.name).unwrap().conversions).abs() < 1e-9, "{}", r.name);
        }
        // ordered Shapley's positions add up to the simplified credit
        let ord = attribute(&t, &M::OrderedShapley, &o).unwrap();
        for (row, pos) in ord.rows.iter().zip(ord.by_position.as_ref().unwrap()) {
            prop_assert!((pos.iter().map(|x| x.1).sum::<f64>() - row.conversions).abs() < 1e-9);
        }
    }

    #[test]
    fn markov_removal_effects_equal_path_enumeration(paths in paths_strategy(4, 4), order in 1usize..3) {
        // distinct touchpoints within each path and a fixed global order make the chain acyclic
        let acyclic: Vec<PathSpec> = paths.iter().map(|(p, c, n)| {
            let mut q = p.clone(); q.sort_unstable(); q.dedup(); (q, *c, *n)
        }).collect();
        let t = table(&acyclic, &name);
        let g = JourneyGraph::from_paths(&t, order).unwrap();
        let re = g.removal_effects().unwrap();
        let p_all = enumerate(&g, None);
        for r in &re {
            let p_without = enumerate(&g, Some(r.touchpoint));
            let expect = if p_all > 0.0 { 1.0 - p_without / p_all } else { 0.0 };
            prop_assert!((r.conversions - expect).abs() < 1e-12, "{}: {} vs {}", r.name, r.conversions, expect);
        }
    }

    #[test]
    fn last_non_direct_skips_direct_touchpoints(paths in paths_strategy(4, 5)) {
        let mut t = table(&paths, &name);
        let direct = t.catalog().get("tp0");
        if let Some(d) = direct {
            t.catalog_mut().set_attrs(d, TouchpointAttrs { direct: true, ..Default::default() });
        }
        let c = attribute(&t, &M::LastNonDirect, &AttributionOptions::default()).unwrap();
        // expected by hand
        let mut want: BTreeMap<String, f64> = BTreeMap::new();
        for r in t.iter() {
            if r.conversions == 0.0 { continue; }
            let pick = r.touchpoints.iter().rev().find(|x| Some(**x) != direct).unwrap_or(r.touchpoints.last().unwrap());
            *want.entry(name_of(&t, *pick)).or_default() += r.conversions;
        }
        for (n, w) in want {
            prop_assert!((c.get(&n).unwrap().conversions - w).abs() < 1e-9);
        }
    }
}

fn name_of(t: &PathTable, id: touchpoint_core::TouchpointId) -> String {
    t.catalog().name(id).unwrap().to_owned()
}

fn conversions_with(t: &PathTable, id: touchpoint_core::TouchpointId) -> f64 {
    t.iter().filter(|r| r.touchpoints[0] == id).map(|r| r.conversions).sum()
}

/// P(conversion) by enumerating every path of an acyclic chain from Start; states that contain
/// `removed` lead nowhere.
fn enumerate(g: &JourneyGraph, removed: Option<touchpoint_core::TouchpointId>) -> f64 {
    let gr = g.graph();
    fn walk(g: &JourneyGraph, n: petgraph::graph::NodeIndex, removed: Option<touchpoint_core::TouchpointId>) -> f64 {
        let gr = g.graph();
        match &gr[n].kind {
            NodeKind::Conversion => return 1.0,
            NodeKind::Null => return 0.0,
            NodeKind::State(s) if removed.is_some_and(|r| s.contains(&r)) => return 0.0,
            _ => {}
        }
        let out = g.out_count(n);
        gr.edges(n)
            .map(|e| {
                use petgraph::visit::EdgeRef;
                e.weight().count / out * walk(g, e.target(), removed)
            })
            .sum()
    }
    walk(g, gr.node_indices().next().unwrap(), removed)
}

#[test]
fn bit_identical_across_runs_and_thread_counts() {
    let events =
        touchpoint_core::demo::events(&touchpoint_core::demo::DemoOptions { customers: 3_000, ..Default::default() })
            .unwrap();
    let (js, _) = Journeys::build(&events, &JourneyOptions::default()).unwrap();
    let mut models = all_models();
    models.push(M::time_decay());
    models.push(M::ShapleyRate { method: ShapleyMethod::Sampled { samples: 500, seed: 9 } });
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| compare(&js, &models, &AttributionOptions::default()).unwrap())
    };
    let one = run(1);
    let two = run(2);
    let again = run(2);
    for ((a, b), c) in one.iter().zip(&two).zip(&again) {
        for ((x, y), z) in a.rows.iter().zip(&b.rows).zip(&c.rows) {
            assert_eq!(x.conversions.to_bits(), y.conversions.to_bits(), "{} {}", a.model, x.name);
            assert_eq!(x.value.to_bits(), y.value.to_bits(), "{} {}", a.model, x.name);
            assert_eq!(y.conversions.to_bits(), z.conversions.to_bits());
        }
    }
    let _ = Catalog::new();
}
