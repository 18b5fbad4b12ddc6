//! Wall time of bootstrap intervals and segment attribution (median of 3 runs).
//!
//! `cargo run --release -p touchpoint-benches --bin bootstrap_timing -- [paths] [resamples] [only]`
//! (`only`: `markov1`, `markov3`, `rules` or `segments`; default all)

use std::time::Instant;

use touchpoint_core::attribution::intervals::compare_with_intervals;
use touchpoint_core::attribution::{AttributionModel as M, AttributionOptions, compare};
use touchpoint_core::bootstrap::BootstrapOptions;
use touchpoint_core::segment::Segments;
use touchpoint_core::segmented::attribute_by_segment;
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
    let b: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let only = args.next().unwrap_or_default();
    let run = |what: &str| only.is_empty() || only == what;
    let o = AttributionOptions::default();
    let boot = BootstrapOptions { resamples: b, seed: 1, level: 0.95 };
    let paths = demo::paths(n_paths, 12, 11)?;
    println!("path table: {} distinct paths; B = {b}", paths.len());
    for order in [1, 3] {
        if !run(&format!("markov{order}")) {
            continue;
        }
        let one = median(|| {
            compare(&paths, &[M::markov(order)], &o).map(|_| ()).unwrap_or_default();
        });
        let t = median(|| {
            compare_with_intervals(&paths, &[M::markov(order)], &o, &boot).map(|_| ()).unwrap_or_default();
        });
        println!("  markov order {order}: one run {one:.3} s, with B = {b} intervals {t:.3} s");
    }
    if run("rules") {
        let rules = [M::FirstTouch, M::LastTouch, M::Linear];
        let t = median(|| {
            compare_with_intervals(&paths, &rules, &o, &boot).map(|_| ()).unwrap_or_default();
        });
        println!("  first/last/linear with B = {b} intervals: {t:.3} s");
    }
    if !run("segments") {
        return Ok(());
    }

    let events = demo::events(&demo::DemoOptions { customers: 1_000_000, ..Default::default() })?;
    let (js, _) = Journeys::build(&events, &JourneyOptions::default())?;
    let labels: Vec<String> = (0..events.customer_count()).map(|c| format!("s{}", c % 10)).collect();
    let refs: Vec<Option<&str>> = labels.iter().map(|s| Some(s.as_str())).collect();
    let seg = Segments::from_customer_labels(&events, &refs)?;
    let models = [M::markov(1), M::LastTouch, M::Linear];
    let one = median(|| {
        compare(&js, &models, &o).map(|_| ()).unwrap_or_default();
    });
    let ten = median(|| {
        attribute_by_segment(&js, &seg, &models, &o, None).map(|_| ()).unwrap_or_default();
    });
    let split = median(|| {
        touchpoint_core::segmented::split_journeys(&js, &seg).map(|_| ()).unwrap_or_default();
    });
    println!(
        "journeys: {} ({} events); 3 models: one run {one:.3} s, by 10 segments {ten:.3} s ({:.2}x; splitting {split:.3} s)",
        js.len(),
        events.len(),
        ten / one
    );
    Ok(())
}
