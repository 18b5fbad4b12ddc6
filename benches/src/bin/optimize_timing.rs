//! Wall time of the optimisation tools on the sizes.
//!
//! `cargo run --release -p touchpoint-benches --bin optimize_timing`

use std::time::Instant;

use touchpoint_core::optimize::{
    Curve, Objective, ResponseCurve, Solver, allocate_budget, prioritize, prioritize_states,
};
use touchpoint_core::{JourneyGraph, demo};

fn main() -> touchpoint_core::Result<()> {
    // DP: 50 touchpoints x 1,000 grid steps, S-shaped curves
    let channels: Vec<Curve> = (0..50)
        .map(|i| {
            let f = i as f64;
            Curve::new(
                format!("tp{i}"),
                ResponseCurve::Hill { beta: 50.0 + 7.0 * f, alpha: 1.5 + (f % 5.0) * 0.5, gamma: 10.0 + 3.0 * f },
            )
        })
        .collect();
    let t0 = Instant::now();
    let plan = allocate_budget(&channels, Objective::Budget(1000.0), 1.0, Solver::DynamicProgramming)?;
    println!(
        "budget DP, 50 touchpoints x 1,000 steps: {:.3} s (response {:.2}, spend {})",
        t0.elapsed().as_secs_f64(),
        plan.total_response,
        plan.total_spend
    );
    let t0 = Instant::now();
    let concave: Vec<Curve> = channels
        .iter()
        .map(|c| match c.curve {
            ResponseCurve::Hill { beta, gamma, .. } => {
                Curve::new(c.name.clone(), ResponseCurve::Hill { beta, alpha: 0.8, gamma })
            }
            _ => c.clone(),
        })
        .collect();
    let w = allocate_budget(&concave, Objective::Budget(1000.0), 1.0, Solver::WaterFilling)?;
    println!(
        "budget water-filling, 50 concave curves: {:.4} s (KKT gap {:.1e})",
        t0.elapsed().as_secs_f64(),
        w.kkt_gap.unwrap_or(0.0)
    );

    // prioritisation on order-3 graphs
    for (paths, tps) in [(200_000, 12), (400_000, 24)] {
        let table = demo::paths(paths, tps, 3)?;
        let g = JourneyGraph::from_paths(&table, 3)?;
        let t0 = Instant::now();
        let rows = prioritize(&g, 0.1)?;
        println!(
            "prioritise every touchpoint of an order-3 graph with {} states ({} touchpoints): {:.3} s (top: {} +{:.1} conversions)",
            g.state_count(),
            tps,
            t0.elapsed().as_secs_f64(),
            rows[0].touchpoint,
            rows[0].extra_conversions
        );
    }
    let events = demo::events(&demo::DemoOptions { customers: 200_000, ..Default::default() })?;
    let (js, _) = touchpoint_core::Journeys::build(&events, &Default::default())?;
    let g = JourneyGraph::from_journeys(&js, 3)?;
    let t0 = Instant::now();
    let _ = prioritize(&g, 0.1)?;
    println!(
        "prioritise the touchpoints of the demo order-3 graph ({} states): {:.3} s",
        g.state_count(),
        t0.elapsed().as_secs_f64()
    );
    let t0 = Instant::now();
    let _ = prioritize_states(&g, 0.1)?;
    println!("prioritise every state of it (closed form): {:.3} s", t0.elapsed().as_secs_f64());
    let small = JourneyGraph::from_paths(&demo::paths(200_000, 12, 3)?, 3)?;
    let t0 = Instant::now();
    let _ = prioritize_states(&small, 0.1)?;
    println!(
        "prioritise every state of the {}-state order-3 graph (closed form, one strongly connected component): {:.3} s",
        small.state_count(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
