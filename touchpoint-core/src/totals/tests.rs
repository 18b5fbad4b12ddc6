//! The chunked passes (totals, rule models, graph building) and the kept totals, checked
//! through the analyses that use them.

use proptest::prelude::*;

use super::CHUNK_OVERRIDE;
use crate::attribution::{AttributionModel as M, AttributionOptions, Credits, compare};
use crate::data::Data;
use crate::demo;
use crate::graph::JourneyGraph;
use crate::journey::{JourneyOptions, Journeys};

fn with_chunks<T>(chunk: Option<usize>, f: impl FnOnce() -> T) -> T {
    CHUNK_OVERRIDE.with(|c| c.set(chunk));
    let out = f();
    CHUNK_OVERRIDE.with(|c| c.set(None));
    out
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

fn same_credits(a: &[Credits], b: &[Credits]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.model, y.model);
        assert!(close(x.total_conversions, y.total_conversions) && close(x.total_value, y.total_value));
        assert_eq!(x.notes, y.notes, "{}", x.model);
        for (r, s) in x.rows.iter().zip(&y.rows) {
            assert!(
                close(r.conversions, s.conversions),
                "{} {}: {} vs {}",
                x.model,
                r.name,
                r.conversions,
                s.conversions
            );
            assert!(close(r.value, s.value) && close(r.touches, s.touches), "{} {}", x.model, r.name);
        }
        match (&x.per_journey, &y.per_journey) {
            (Some(p), Some(q)) => {
                assert_eq!(p.len(), q.len());
                for (u, v) in p.iter().zip(q) {
                    assert_eq!((u.row, u.touchpoint), (v.row, v.touchpoint));
                    assert!(close(u.conversions, v.conversions) && close(u.value, v.value));
                }
            }
            (None, None) => {}
            _ => panic!("per-journey credit on one side only"),
        }
    }
}

fn same_graph(a: &JourneyGraph, b: &JourneyGraph) {
    let (ta, tb) = (a.transitions(), b.transitions());
    assert_eq!(ta.len(), tb.len());
    for (x, y) in ta.iter().zip(&tb) {
        // same node numbering (order of first appearance) and the same counts
        assert_eq!(
            (x.source, x.target, x.source_label, x.target_label),
            (y.source, y.target, y.source_label, y.target_label)
        );
        assert!(close(x.stats.count, y.stats.count) && close(x.stats.value, y.stats.value));
        assert_eq!(x.stats.dwell.count, y.stats.dwell.count);
        assert_eq!((x.stats.dwell.min, x.stats.dwell.max), (y.stats.dwell.min, y.stats.dwell.max));
        assert!(close(x.stats.dwell.sum, y.stats.dwell.sum));
    }
}

fn models() -> Vec<M> {
    vec![
        M::FirstTouch,
        M::LastTouch,
        M::LastNonDirect,
        M::Linear,
        M::Position { first: 0.4, middle: 0.2, last: 0.4 },
        M::Participation,
        M::markov(1),
        M::markov(2),
        M::Shapley,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The chunked parallel passes (totals, rule models, graph building) give the result of
    /// one sequential pass, whatever the chunk size.
    #[test]
    fn chunked_passes_equal_one_pass(
        rows in 1usize..400, seed in 0u64..1000, chunk in 1usize..60,
        per_journey in any::<bool>(), max_touches in prop::option::of(1usize..5),
    ) {
        let paths = demo::paths(rows, 9, seed).unwrap();
        let events = demo::events(&demo::DemoOptions { customers: rows, seed, ..Default::default() }).unwrap();
        let (journeys, _) = Journeys::build(&events, &JourneyOptions::default()).unwrap();
        let opts = AttributionOptions { max_touches, per_journey };
        let mut ms = models();
        ms.push(M::TimeDecay { half_life_ms: 7 * 86_400_000 });
        // fresh copies: no totals kept from an earlier pass (`catalog_mut` drops them)
        let fresh_paths = || { let mut p = paths.clone(); p.catalog_mut(); p };
        let fresh_journeys = || { let mut j = journeys.clone(); j.catalog_mut(); j };
        for timed in [false, true] {
            let ms: Vec<M> = if timed { ms.clone() } else { models() };
            let run = |chunk: usize| {
                let (p, j) = (fresh_paths(), fresh_journeys());
                let data = if timed { Data::Journeys(&j) } else { Data::Paths(&p) };
                with_chunks(Some(chunk), || {
                    // tiny inputs may have no conversions: then both fail alike
                    let credits = compare(data, &ms, &opts).map_err(|e| e.to_string());
                    let graphs: Vec<JourneyGraph> = (1..=3)
                        .map(|order| JourneyGraph::from_data(data, order, max_touches).unwrap())
                        .chain([JourneyGraph::directly_follows(data, None).unwrap()])
                        .collect();
                    (credits, graphs)
                })
            };
            let (c1, g1) = run(usize::MAX);
            let (cn, gn) = run(chunk);
            match (c1, cn) {
                (Ok(a), Ok(b)) => same_credits(&a, &b),
                (a, b) => prop_assert_eq!(a.err(), b.err()),
            }
            for (a, b) in g1.iter().zip(&gn) {
                same_graph(a, b);
            }
        }
    }

    /// First and last touch counted with the totals equal the row-by-row models (which
    /// per-journey output needs), and truncation goes through the rows too.
    #[test]
    fn first_and_last_from_totals_equal_the_row_pass(rows in 30usize..300, seed in 0u64..1000) {
        let events = demo::events(&demo::DemoOptions { customers: rows, seed, ..Default::default() }).unwrap();
        let (journeys, _) = Journeys::build(&events, &JourneyOptions::default()).unwrap();
        let paths = demo::paths(rows, 7, seed).unwrap();
        for data in [Data::Journeys(&journeys), Data::Paths(&paths)] {
            let ms = [M::FirstTouch, M::LastTouch];
            let kept = compare(data, &ms, &AttributionOptions::default()).unwrap();
            let rows = compare(data, &ms, &AttributionOptions { per_journey: true, ..Default::default() }).unwrap();
            same_credits(&kept, &[Credits { per_journey: None, ..rows[0].clone() }, Credits { per_journey: None, ..rows[1].clone() }]);
            // a truncation of 1 touch makes first touch = last touch
            let one = compare(data, &ms, &AttributionOptions { max_touches: Some(1), ..Default::default() }).unwrap();
            for (a, b) in one[0].rows.iter().zip(&one[1].rows) {
                prop_assert!(close(a.conversions, b.conversions));
            }
            for (a, b) in one[1].rows.iter().zip(&kept[1].rows) {
                prop_assert!(close(a.conversions, b.conversions));
            }
        }
    }

    /// Totals kept between calls follow every change of the data.
    #[test]
    fn kept_totals_follow_changes(rows in 30usize..200, seed in 0u64..1000) {
        let events = demo::events(&demo::DemoOptions { customers: rows, seed, ..Default::default() }).unwrap();
        let (mut journeys, _) = Journeys::build(&events, &JourneyOptions::default()).unwrap();
        let opts = AttributionOptions::default();
        let before = compare(&journeys, &[M::LastTouch], &opts).unwrap();
        let w: Vec<f64> = (0..journeys.len()).map(|i| (1 + i % 3) as f64).collect();
        journeys.set_weights(w).unwrap();
        let after = compare(&journeys, &[M::LastTouch], &opts).unwrap();
        let mut fresh = journeys.clone();
        fresh.catalog_mut();
        let expect = compare(&fresh, &[M::LastTouch], &opts).unwrap();
        same_credits(&after, &expect);
        prop_assert!(before[0].total_journeys == journeys.len() as f64);
        prop_assert!((after[0].total_journeys - (0..journeys.len()).map(|i| (1 + i % 3) as f64).sum::<f64>()).abs() < 1e-9);

        // merging keeps no stale totals
        let both = journeys.merge(&journeys);
        let twice = compare(&both, &[M::LastTouch], &opts).unwrap();
        prop_assert!((twice[0].total_journeys - 2.0 * after[0].total_journeys).abs() < 1e-9);
        prop_assert!((twice[0].total_conversions - 2.0 * after[0].total_conversions).abs() < 1e-9);

        let mut paths = demo::paths(rows, 6, seed).unwrap();
        let t0 = compare(&paths, &[M::Linear], &opts).unwrap();
        let first = paths.iter().next().unwrap().touchpoints.to_vec();
        paths.add(&first, 2.0, 3.0, 10.0).unwrap();
        let t1 = compare(&paths, &[M::Linear], &opts).unwrap();
        prop_assert!((t1[0].total_conversions - t0[0].total_conversions - 2.0).abs() < 1e-9);
        prop_assert!((t1[0].total_journeys - t0[0].total_journeys - 5.0).abs() < 1e-9);
        let touched: f64 = t1[0].rows.iter().map(|r| r.touches).sum::<f64>() - t0[0].rows.iter().map(|r| r.touches).sum::<f64>();
        prop_assert!((touched - 5.0 * first.len() as f64).abs() < 1e-6);
    }
}
