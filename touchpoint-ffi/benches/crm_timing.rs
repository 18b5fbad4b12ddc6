//! Timing of batch scoring through the C API (`make bench-crm`, or
//! `cargo bench -p touchpoint-ffi --bench crm_timing`; TOUCHPOINT_BENCH_OPEN sets the number of
//! open customers, default 1,000,000). A bench, not a test: timings never run in `make test`.
//!
//! The graph is an order-2 graph of 200k demo customers, saved to bytes and loaded (so the
//! scorer solves nothing); the open journeys are each demo customer's touches before their
//! first conversion, pushed row by row. Timed: `touchpoint_scorer_score_journeys` and
//! `touchpoint_scorer_score_events`, each including the owned `touchpoint_scores` handle.

use std::ptr::{null, null_mut};
use std::time::Instant;

use touchpoint::crm::{touchpoint_scorer as scorer, touchpoint_scores as scores};
use touchpoint::events::touchpoint_event_table as events;
use touchpoint::graph::touchpoint_journey_graph as graph;
use touchpoint::journeys::touchpoint_journeys as journeys;
use touchpoint::touchpoint_result;
use touchpoint_core::demo;

fn median(mut f: impl FnMut() -> f64) -> f64 {
    let mut t: Vec<f64> = (0..5).map(|_| f()).collect();
    t.sort_by(f64::total_cmp);
    t[2]
}

fn main() {
    let n_open: usize = std::env::var("TOUCHPOINT_BENCH_OPEN").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let history = demo::events(&demo::DemoOptions { customers: 200_000, seed: 3, ..Default::default() }).unwrap();
    let (j, _) = touchpoint_core::Journeys::build(&history, &Default::default()).unwrap();
    let bytes = touchpoint_core::JourneyGraph::from_journeys(&j, 2).unwrap().to_bytes().unwrap();
    let all = demo::events(&demo::DemoOptions { customers: n_open, seed: 4, ..Default::default() }).unwrap();
    let mut first_conv = vec![i64::MAX; all.customer_count()];
    for r in 0..all.len() {
        if all.converted()[r] {
            let c = all.customers()[r] as usize;
            first_conv[c] = first_conv[c].min(all.times()[r]);
        }
    }
    unsafe {
        let mut g = null_mut();
        assert_eq!(
            graph::touchpoint_journey_graph_from_bytes(bytes.as_ptr(), bytes.len(), &mut g),
            touchpoint_result::Ok
        );
        let mut sc = null_mut();
        let t0 = Instant::now();
        assert_eq!(scorer::touchpoint_scorer_new(g, null(), 0, 3, 0, &mut sc), touchpoint_result::Ok);
        let t_scorer = t0.elapsed().as_secs_f64();
        let mut ev = null_mut();
        assert_eq!(events::touchpoint_event_table_new(&mut ev), touchpoint_result::Ok);
        let mut rows = 0usize;
        for r in 0..all.len() {
            let c = all.customers()[r] as usize;
            if all.times()[r] >= first_conv[c] {
                continue;
            }
            let id = &all.customer_names()[c];
            let tp = all.touchpoint_of(r).and_then(|t| all.catalog().name(t)).unwrap();
            let code = events::touchpoint_event_table_push(
                ev,
                id.as_ptr().cast(),
                id.len(),
                tp.as_ptr().cast(),
                tp.len(),
                all.times()[r],
                0,
                0.0,
                f64::NAN,
            );
            assert_eq!(code, touchpoint_result::Ok);
            rows += 1;
        }
        let mut j = null_mut();
        assert_eq!(journeys::touchpoint_journeys_build(ev, null(), &mut j), touchpoint_result::Ok);
        let mut n = 0usize;
        let t_journeys = median(|| {
            let mut s = null_mut();
            let t0 = Instant::now();
            assert_eq!(scorer::touchpoint_scorer_score_journeys(sc, j, &mut s), touchpoint_result::Ok);
            let dt = t0.elapsed().as_secs_f64();
            assert_eq!(scores::touchpoint_scores_len(s, &mut n), touchpoint_result::Ok);
            scores::touchpoint_scores_free(s);
            dt
        });
        let n_journeys = n;
        let t_events = median(|| {
            let mut s = null_mut();
            let t0 = Instant::now();
            assert_eq!(scorer::touchpoint_scorer_score_events(sc, ev, &mut s), touchpoint_result::Ok);
            let dt = t0.elapsed().as_secs_f64();
            assert_eq!(scores::touchpoint_scores_len(s, &mut n), touchpoint_result::Ok);
            scores::touchpoint_scores_free(s);
            dt
        });
        println!(
            "scorer from a loaded order-2 graph: {:.1} ms; score_journeys: {n_journeys} open customers {:.3} s; \
             score_events: {n} customers ({rows} pushed rows) {:.3} s; top 3, handle included",
            t_scorer * 1e3,
            t_journeys,
            t_events
        );
        // the core alone, for reference: the same scoring without the C handle
        let g_core = touchpoint_core::JourneyGraph::from_bytes(&bytes).unwrap();
        let core_scorer = touchpoint_core::optimize::Scorer::new(&g_core, &Default::default()).unwrap();
        let mut b = touchpoint_core::EventTable::builder();
        for r in 0..all.len() {
            let c = all.customers()[r] as usize;
            if all.times()[r] < first_conv[c] {
                let tp = all.touchpoint_of(r).and_then(|t| all.catalog().name(t)).unwrap();
                b.touch(&all.customer_names()[c], tp, all.times()[r]).unwrap();
            }
        }
        let (core_j, _) = touchpoint_core::Journeys::build(&b.finish().unwrap(), &Default::default()).unwrap();
        let t_core = median(|| {
            let t0 = Instant::now();
            let s = core_scorer.score_journeys(&core_j).unwrap();
            let dt = t0.elapsed().as_secs_f64();
            assert_eq!(s.len(), n_journeys);
            dt
        });
        println!("core Scorer::score_journeys alone (no C handle): {t_core:.3} s");
        journeys::touchpoint_journeys_free(j);
        events::touchpoint_event_table_free(ev);
        scorer::touchpoint_scorer_free(sc);
        graph::touchpoint_journey_graph_free(g);
    }
}
