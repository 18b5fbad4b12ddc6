//! Wall time of the attribution models on the sizes (median of 3 runs).
//!
//! `cargo run --release -p touchpoint-benches --bin attribution_timing -- [paths] [events]`

use std::time::Instant;

use touchpoint_core::attribution::{AttributionModel as M, AttributionOptions, ShapleyMethod, compare, shapley};
use touchpoint_core::{JourneyOptions, Journeys, demo};

fn median(mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..3)
        .map(|_| {
            let t0 = Instant::now();
            f();
            t0.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[1]
}

fn main() -> touchpoint_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let n_paths: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let n_events: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    let o = AttributionOptions::default();
    let paths = demo::paths(n_paths, 12, 11)?;
    println!(
        "path table: {} distinct paths, {:.0} journeys, {} touchpoints",
        paths.len(),
        paths.total_conversions() + paths.total_nulls(),
        paths.catalog().len()
    );
    for order in 1..=4 {
        let t = median(|| {
            compare(&paths, &[M::markov(order)], &o).map(|_| ()).unwrap_or_default();
        });
        println!("  markov order {order}: {t:.3} s");
    }
    let rules =
        [M::FirstTouch, M::LastTouch, M::Linear, M::u_shaped(), M::j_shaped(), M::inverse_j(), M::Participation];
    let t = median(|| {
        compare(&paths, &rules, &o).map(|_| ()).unwrap_or_default();
    });
    println!("  7 rule models (one pass): {t:.3} s");
    let t = median(|| {
        compare(&paths, &[M::Shapley], &o).map(|_| ()).unwrap_or_default();
    });
    println!("  simplified shapley: {t:.3} s");

    let events = touchpoint_benches::demo_events(n_events, 7)?;
    let (js, _) = Journeys::build(&events, &JourneyOptions::default())?;
    println!("journeys: {} journeys, {} touches", js.len(), js.touch_count());
    let mut all_rules = rules.to_vec();
    all_rules.push(M::time_decay());
    all_rules.push(M::LastNonDirect);
    let t = median(|| {
        compare(&js, &all_rules, &o).map(|_| ()).unwrap_or_default();
    });
    println!("  all 9 rule models (one pass): {t:.3} s");

    // single models on ~100k journeys (the marketing-attribution-models comparison's size):
    // the fixed cost of one call, median of 201 calls after the first
    let events = touchpoint_benches::demo_events(218_000, 7)?;
    let (small, _) = Journeys::build(&events, &JourneyOptions::default())?;
    println!("journeys: {} journeys, {} touches", small.len(), small.touch_count());
    for m in [M::FirstTouch, M::LastTouch, M::Linear, M::u_shaped(), M::time_decay(), M::markov(1), M::Shapley] {
        let mut t: Vec<f64> = (0..202)
            .map(|_| {
                let t0 = Instant::now();
                compare(&small, std::slice::from_ref(&m), &o).map(|_| ()).unwrap_or_default();
                t0.elapsed().as_secs_f64()
            })
            .skip(1)
            .collect();
        t.sort_by(f64::total_cmp);
        println!("  {}: {:.3} ms", m.name(), t[100] * 1e3);
    }

    let table: Vec<f64> = {
        let mut s = 7u64;
        (0..1u64 << 20)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s % 1000) as f64 / 1000.0
            })
            .collect()
    };
    let t = median(|| {
        shapley::exact(20, |m| table[m as usize]).map(|_| ()).unwrap_or_default();
    });
    println!("exact Shapley, 20 players (2^20 coalitions): {t:.3} s");
    let many = demo::paths(200_000, 20, 5)?;
    let t = median(|| {
        compare(&many, &[M::ShapleyRate { method: ShapleyMethod::Exact }], &o).map(|_| ()).unwrap_or_default();
    });
    println!("conversion-rate Shapley on a 20-touchpoint path table ({} paths): {t:.3} s", many.len());
    Ok(())
}
