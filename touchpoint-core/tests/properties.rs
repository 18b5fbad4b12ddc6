//! Property tests of the invariants of DESIGN §3–§4.

use std::collections::BTreeMap;

use proptest::prelude::*;
use touchpoint_core::{Event, EventTable, JourneyGraph, JourneyOptions, Journeys, PathTable, graph::NodeKind};

/// (customer, touchpoint, time, converted, value)
type Row = (u8, u8, i64, bool, f64);

fn rows_strategy() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec((0u8..12, 0u8..5, 0i64..50, prop::bool::weighted(0.2), 0u32..100), 1..80).prop_map(|v| {
        // unique timestamps, so that row order cannot matter (ties keep input order by design)
        v.into_iter()
            .enumerate()
            .map(|(i, (c, t, time, conv, val))| (c, t, time * 1000 + i as i64, conv, val as f64))
            .collect()
    })
}

fn events(rows: &[Row], name: impl Fn(u8) -> String) -> EventTable {
    let mut b = EventTable::builder();
    for &(c, t, time, converted, value) in rows {
        let tp = name(t);
        b.push(Event { customer: &format!("cust{c}"), touchpoint: Some(&tp), time, converted, value, feedback: None })
            .unwrap();
    }
    b.finish().unwrap()
}

fn plain(t: u8) -> String {
    format!("tp{t}")
}

/// Per edge: (count, value, dwell count, dwell sum, min, max).
type EdgeRow = (f64, f64, u64, f64, i64, i64);

/// Edges keyed by labels.
fn edge_map(g: &JourneyGraph, rename: &dyn Fn(&str) -> String) -> BTreeMap<(String, String), EdgeRow> {
    g.transitions()
        .iter()
        .map(|t| {
            let d = &t.stats.dwell;
            (
                (rename(t.source_label), rename(t.target_label)),
                (t.stats.count, t.stats.value, d.count, d.sum, d.min, d.max),
            )
        })
        .collect()
}

fn re_map(g: &JourneyGraph, rename: &dyn Fn(&str) -> String) -> BTreeMap<String, (f64, f64)> {
    g.removal_effects().unwrap().into_iter().map(|r| (rename(&r.name), (r.conversions, r.value))).collect()
}

fn assert_close_maps(a: &BTreeMap<String, (f64, f64)>, b: &BTreeMap<String, (f64, f64)>) {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, x) in a {
        let y = b[k];
        assert!((x.0 - y.0).abs() < 1e-9 && (x.1 - y.1).abs() < 1e-9, "{k}: {x:?} vs {y:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn graph_independent_of_row_order_and_naming(rows in rows_strategy(), seed in any::<u64>(), order in 1usize..4) {
        let base = events(&rows, plain);
        let (js, _) = Journeys::build(&base, &JourneyOptions::default()).unwrap();
        let g = JourneyGraph::from_journeys(&js, order).unwrap();

        // permuted rows
        let mut shuffled = rows.clone();
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let (js2, _) = Journeys::build(&events(&shuffled, plain), &JourneyOptions::default()).unwrap();
        let g2 = JourneyGraph::from_journeys(&js2, order).unwrap();
        let id = |s: &str| s.to_owned();
        prop_assert_eq!(edge_map(&g, &id), edge_map(&g2, &id));
        assert_close_maps(&re_map(&g, &id), &re_map(&g2, &id));

        // renamed touchpoints (reversed alphabetical order, non-ASCII)
        let renamed = |t: u8| format!("Ωz{}", 9 - t);
        let (js3, _) = Journeys::build(&events(&rows, renamed), &JourneyOptions::default()).unwrap();
        let g3 = JourneyGraph::from_journeys(&js3, order).unwrap();
        let back = |s: &str| {
            s.split(" > ").map(|p| match p.strip_prefix("Ωz") {
                Some(d) => format!("tp{}", 9 - d.parse::<u8>().unwrap()),
                None => p.to_owned(),
            }).collect::<Vec<_>>().join(" > ")
        };
        prop_assert_eq!(edge_map(&g, &id), edge_map(&g3, &back));
        assert_close_maps(&re_map(&g, &id), &re_map(&g3, &back));
    }

    #[test]
    fn chain_reproduces_observed_rates(rows in rows_strategy(), order in 1usize..5) {
        let (js, _) = Journeys::build(&events(&rows, plain), &JourneyOptions::default()).unwrap();
        let g = JourneyGraph::from_journeys(&js, order).unwrap();
        let a = g.analyze().unwrap();
        let observed = js.total_conversions() / js.len() as f64;
        prop_assert!((a.conversion_probability - observed).abs() < 1e-9);
        prop_assert!((a.expected_value - js.total_value() / js.len() as f64).abs() < 1e-6);
        // expected visits from the solve equal observed visits per journey (flow conservation)
        for m in &a.nodes {
            prop_assert!((m.expected_visits - m.visits / js.len() as f64).abs() < 1e-9, "{}", m.label);
            prop_assert!((0.0..=1.0 + 1e-12).contains(&m.conversion_probability));
        }
        for r in &a.removal_effects {
            prop_assert!((0.0..=1.0).contains(&r.conversions));
        }
    }

    #[test]
    fn path_table_from_journeys_equals_aggregated(paths in prop::collection::vec((prop::collection::vec(0u8..4, 1..6), 0u8..4, 0u8..4), 1..15)) {
        // aggregated form
        let mut agg = PathTable::default();
        for (p, c, n) in &paths {
            if c + n == 0 { continue; }
            let names: Vec<String> = p.iter().map(|&t| plain(t)).collect();
            agg.add_names(&names, *c as f64, *n as f64, *c as f64 * 10.0).unwrap();
        }
        prop_assume!(!agg.is_empty());
        // expanded into events: one customer per journey
        let mut b = EventTable::builder();
        let mut k = 0;
        for (p, c, n) in &paths {
            for j in 0..(c + n) {
                k += 1;
                let cust = format!("c{k}");
                for (i, &t) in p.iter().enumerate() {
                    b.touch(&cust, &plain(t), i as i64).unwrap();
                }
                if j < *c {
                    b.conversion(&cust, p.len() as i64, 10.0).unwrap();
                }
            }
        }
        let (js, rep) = Journeys::build(&b.finish().unwrap(), &JourneyOptions::default()).unwrap();
        prop_assert_eq!(rep.conversions_without_touches, 0);
        let from_js = PathTable::from_journeys(&js);
        prop_assert_eq!(from_js.canonical(), agg.canonical());
        // and both feed identical graphs
        for order in 1..=3 {
            let a = JourneyGraph::from_paths(&agg, order).unwrap().removal_effects().unwrap();
            let b = JourneyGraph::from_paths(&from_js, order).unwrap().removal_effects().unwrap();
            let am: BTreeMap<_, _> = a.iter().map(|r| (r.name.clone(), r.conversions)).collect();
            let bm: BTreeMap<_, _> = b.iter().map(|r| (r.name.clone(), r.conversions)).collect();
            for (k, v) in &am { prop_assert!((v - bm[k]).abs() < 1e-9); }
        }
    }

    #[test]
    fn order_1_unchanged_by_collapsing_repeats(rows in rows_strategy()) {
        let ev = events(&rows, plain);
        let (raw, _) = Journeys::build(&ev, &JourneyOptions::default()).unwrap();
        let (col, rep) = Journeys::build(&ev, &JourneyOptions { collapse_repeats: true, ..Default::default() }).unwrap();
        let a = JourneyGraph::from_journeys(&raw, 1).unwrap();
        let b = JourneyGraph::from_journeys(&col, 1).unwrap();
        let id = |s: &str| s.to_owned();
        assert_close_maps(&re_map(&a, &id), &re_map(&b, &id));
        let counts = |g: &JourneyGraph| g.transitions().iter().map(|t| ((t.source_label.to_owned(), t.target_label.to_owned()), t.stats.count)).collect::<BTreeMap<_, _>>();
        prop_assert_eq!(counts(&a), counts(&b));
        prop_assert_eq!(rep.touches_kept + rep.touches_collapsed, rep.touches_in);
    }

    #[test]
    fn merge_of_disjoint_customers_equals_all(rows in rows_strategy(), split in 0u8..12) {
        let all = events(&rows, plain);
        let left: Vec<Row> = rows.iter().copied().filter(|r| r.0 < split).collect();
        let right: Vec<Row> = rows.iter().copied().filter(|r| r.0 >= split).collect();
        prop_assume!(!left.is_empty() && !right.is_empty());
        let o = JourneyOptions::default();
        let (ja, _) = Journeys::build(&all, &o).unwrap();
        let (jl, _) = Journeys::build(&events(&left, plain), &o).unwrap();
        let (jr, _) = Journeys::build(&events(&right, plain), &o).unwrap();
        let merged_paths = PathTable::from_journeys(&jl).merge(&PathTable::from_journeys(&jr));
        prop_assert_eq!(merged_paths.canonical(), PathTable::from_journeys(&ja).canonical());
        let merged_js = jl.merge(&jr);
        prop_assert_eq!(PathTable::from_journeys(&merged_js).canonical(), PathTable::from_journeys(&ja).canonical());
        prop_assert_eq!(merged_js.len(), ja.len());
        for order in [1, 2] {
            let g = JourneyGraph::from_journeys(&jl, order).unwrap().merge(&JourneyGraph::from_journeys(&jr, order).unwrap()).unwrap();
            let h = JourneyGraph::from_journeys(&ja, order).unwrap();
            let id = |s: &str| s.to_owned();
            prop_assert_eq!(edge_map(&g, &id), edge_map(&h, &id));
        }
    }

    #[test]
    fn report_accounts_for_every_event(rows in rows_strategy(), lookback in prop::option::of(0i64..30_000), timeout in prop::option::of(1i64..20_000), collapse in any::<bool>(), max in prop::option::of(1usize..4), merge in any::<bool>()) {
        let ev = events(&rows, plain);
        let o = JourneyOptions { lookback_ms: lookback, inactivity_timeout_ms: timeout, collapse_repeats: collapse, max_touches: max, split_at_conversions: !merge };
        let (js, rep) = Journeys::build(&ev, &o).unwrap();
        prop_assert_eq!(rep.events_in, rows.len());
        prop_assert_eq!(rep.touches_in, rep.touches_kept + rep.touches_outside_lookback + rep.touches_collapsed + rep.touches_truncated);
        prop_assert_eq!(rep.conversions_in, rep.journeys_converting + rep.conversions_without_touches + rep.conversions_merged);
        prop_assert_eq!(js.len(), rep.journeys_converting + rep.journeys_non_converting);
        prop_assert_eq!(js.touch_count(), rep.touches_kept);
        for j in js.iter() {
            prop_assert!(!j.touchpoints.is_empty());
            if let Some(m) = max { prop_assert!(j.touchpoints.len() <= m); }
            prop_assert!(j.times.windows(2).all(|w| w[0] <= w[1]));
            if let (Some(w), true) = (lookback, j.converted) {
                prop_assert!(j.times.iter().all(|&t| j.end_time - t <= w));
            }
        }
    }
}

#[test]
fn node_kinds_and_states_follow_the_convention() {
    let mut p = PathTable::default();
    p.add_path_str("a > b > b > c", ">", 1.0, 0.0, 0.0).unwrap();
    p.add_path_str("a", ">", 0.0, 1.0, 0.0).unwrap();
    let g = JourneyGraph::from_paths(&p, 2).unwrap();
    let mut states: Vec<&str> = g
        .graph()
        .node_indices()
        .filter(|&i| matches!(g.graph()[i].kind, NodeKind::State(_)))
        .map(|i| g.graph()[i].label.as_str())
        .collect();
    states.sort();
    // windows of 2: (a,b) (b,b) (b,c); the short journey is one state (a)
    assert_eq!(states, ["a", "a > b", "b > b", "b > c"]);
}

#[test]
fn merged_reports_account_for_every_event() {
    let mut a = EventTable::builder();
    a.touch("x", "s", 0).unwrap();
    a.conversion("x", 5, 2.0).unwrap();
    let mut b = EventTable::builder();
    b.touch("y", "e", 0).unwrap();
    b.touch("y", "e", 1).unwrap();
    let o = JourneyOptions { collapse_repeats: true, ..Default::default() };
    let (_, mut ra) = Journeys::build(&a.finish().unwrap(), &o).unwrap();
    let (_, rb) = Journeys::build(&b.finish().unwrap(), &o).unwrap();
    ra.merge_from(&rb);
    assert_eq!((ra.events_in, ra.touches_in, ra.touches_kept, ra.touches_collapsed), (4, 3, 2, 1));
    assert_eq!((ra.customers, ra.journeys_converting, ra.journeys_non_converting), (2, 1, 1));
    assert_eq!(ra.touches_in, ra.touches_kept + ra.touches_collapsed);
}
