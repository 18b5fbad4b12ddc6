//! Split the time of one Markov run into graph building and solving (for profiling).
//!
//! `cargo run --release -p touchpoint-benches --bin markov_profile -- [paths] [order]`

use std::time::Instant;

use touchpoint_core::{JourneyGraph, demo};

fn main() -> touchpoint_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let order: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(4);
    let paths = demo::paths(n, 12, 11)?;
    for _ in 0..2 {
        let t0 = Instant::now();
        let g = JourneyGraph::from_paths(&paths, order)?;
        let t1 = t0.elapsed().as_secs_f64();
        let re = g.removal_effects()?;
        let t2 = t0.elapsed().as_secs_f64();
        println!(
            "order {order}: {} states, {} edges; graph {t1:.3} s, removal solves {:.3} s (RE[0] = {:.6})",
            g.state_count(),
            g.graph().edge_count(),
            t2 - t1,
            re[0].conversions
        );
    }
    Ok(())
}
