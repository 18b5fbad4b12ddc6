//! The core's time for one first-touch and one last-touch attribution on the demo journeys of
//! `customers` customers (median of 51 calls; and of 11 first calls on a fresh data set), to set against the same call from Python
//! (`benches/python/bench_call.py` runs this and prints the difference).
//!
//! `cargo run --release -p touchpoint-benches --bin call_cost -- [customers]`

use std::time::Instant;

use touchpoint_core::attribution::{AttributionModel as M, AttributionOptions, attribute};
use touchpoint_core::demo::{self, DemoOptions};
use touchpoint_core::{JourneyOptions, Journeys};

fn main() -> touchpoint_core::Result<()> {
    let customers: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let events = demo::events(&DemoOptions { customers, ..Default::default() })?;
    let (journeys, _) = Journeys::build(&events, &JourneyOptions::default())?;
    let o = AttributionOptions::default();
    for (name, model) in [("first", M::FirstTouch), ("last", M::LastTouch)] {
        let mut t: Vec<f64> = (0..51)
            .map(|_| {
                let t0 = Instant::now();
                std::hint::black_box(attribute(&journeys, &model, &o).map(|c| c.credited_conversions()).unwrap_or(0.0));
                t0.elapsed().as_secs_f64()
            })
            .collect();
        t.sort_by(f64::total_cmp);
        // the first call on a fresh data set (its totals pass not cached yet)
        let mut cold: Vec<f64> = (0..11)
            .map(|_| {
                let fresh = Journeys::build(&events, &JourneyOptions::default()).map(|(j, _)| j);
                let t0 = Instant::now();
                std::hint::black_box(
                    fresh.and_then(|j| attribute(&j, &model, &o)).map(|c| c.credited_conversions()).ok(),
                );
                t0.elapsed().as_secs_f64()
            })
            .collect();
        cold.sort_by(f64::total_cmp);
        println!(
            "{{\"model\": \"{name}\", \"journeys\": {}, \"core_ms\": {:.4}, \"core_cold_ms\": {:.4}}}",
            journeys.len(),
            t[25] * 1e3,
            cold[5] * 1e3
        );
    }
    Ok(())
}
