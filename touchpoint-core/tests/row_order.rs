//! Results do not depend on the order of the input rows: the same events, shuffled (ties at one
//! instant included), give bit-identical journeys, credits of every model, graphs of orders 1
//! and 2 with their analyses, and bootstrap intervals.

use proptest::prelude::*;
use touchpoint_core::attribution::intervals::compare_with_intervals;
use touchpoint_core::attribution::{AttributionModel, AttributionOptions, ModelName, ModelParams, compare};
use touchpoint_core::bootstrap::BootstrapOptions;
use touchpoint_core::demo::{self, DemoOptions};
use touchpoint_core::graph::JourneyGraph;
use touchpoint_core::graph::intervals::graph_intervals;
use touchpoint_core::named::Named;
use touchpoint_core::{Data, Event, EventTable, JourneyOptions, JourneyReport, Journeys, PathTable};

/// The rows of `ev` in the order `perm`, with every touch of a customer's first event moved to
/// the same instant as the next one (ties, which the canonical order must settle).
fn rebuilt(ev: &EventTable, perm: &[usize]) -> EventTable {
    let mut b = EventTable::builder();
    for &i in perm {
        let r = ev.rows().nth(i).unwrap();
        let time = r.timestamp.0 - r.timestamp.0 % 86_400_000; // whole days: many ties
        b.push(Event {
            customer: r.customer_id,
            touchpoint: r.touchpoint,
            time,
            converted: r.converted,
            value: r.value,
            feedback: r.feedback.map(|f| f as f32),
        })
        .unwrap();
    }
    b.finish().unwrap()
}

/// Every output, printed with shortest round-trip floats (so equal text is equal bits).
fn everything(ev: &EventTable) -> Vec<String> {
    let mut out = Vec::new();
    let (j, rep) = Journeys::build(ev, &JourneyOptions::default()).unwrap();
    out.push(format!("{:?}", j.table(" > ")));
    // (the one figure about the input order itself: customers whose rows were out of time order)
    out.push(format!("{:?}", JourneyReport { customers_resorted: 0, ..rep }));
    out.push(format!("{:?}", PathTable::from_journeys(&j).canonical()));
    let params = ModelParams { weights: Some((0.3, 0.3, 0.4)), ..Default::default() };
    let models: Vec<AttributionModel> = ModelName::ALL
        .iter()
        .map(|&k| AttributionModel::from_kind(k, &params).unwrap())
        .chain([AttributionModel::markov(2), AttributionModel::markov(3)])
        .collect();
    out.push(format!("{:?}", compare(&j, &models, &AttributionOptions::default()).unwrap()));
    let boot = BootstrapOptions { resamples: 20, seed: 3, level: 0.9 };
    out.push(format!("{:?}", compare_with_intervals(&j, &models[..4], &AttributionOptions::default(), &boot).unwrap()));
    out.push(format!("{:?}", graph_intervals(Data::Journeys(&j), 1, None, &boot)));
    for order in [1, 2] {
        let g = JourneyGraph::from_journeys(&j, order).unwrap();
        out.push(format!("{:?}", g.transition_table()));
        out.push(format!("{:?}", g.summary()));
        out.push(g.to_dot());
        #[cfg(feature = "serde")]
        out.push(g.to_json());
        let a = g.analysis().unwrap();
        out.push(format!("{:?}", g.node_table(a)));
        out.push(format!("{:?}", a.removal_effect_table()));
        out.push(format!("{:?}", g.sensitivities()));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn shuffled_rows_give_bit_identical_results(seed in 0u64..1000, shuffle in any::<u64>()) {
        let ev = demo::events(&DemoOptions { customers: 60, seed, ..Default::default() }).unwrap();
        let n = ev.len();
        let identity: Vec<usize> = (0..n).collect();
        // a Fisher–Yates shuffle driven by `shuffle`
        let mut perm = identity.clone();
        let mut s = shuffle | 1;
        for i in (1..n).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            perm.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let a = everything(&rebuilt(&ev, &identity));
        let b = everything(&rebuilt(&ev, &perm));
        for (x, y) in a.iter().zip(&b) {
            prop_assert_eq!(x, y);
        }
    }
}
