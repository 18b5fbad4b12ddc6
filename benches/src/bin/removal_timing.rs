//! Time of order-1 removal effects on many touchpoints (one closed form for all of them).
//!
//! `cargo run --release -p touchpoint-benches --bin removal_timing -- shuffled [touchpoints ...]`
//!
//! The paths: [`touchpoint_benches::many_touchpoint_paths`]. With few cycles the cost is
//! linear; a large strongly connected component costs one iterative solve per state for the
//! diagonal of `N` (as many as the former one solve per touchpoint).

use std::time::Instant;

use touchpoint_benches::many_touchpoint_paths;
use touchpoint_core::JourneyGraph;

fn main() -> touchpoint_core::Result<()> {
    let shuffled: f64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(0.0);
    let sizes: Vec<usize> = std::env::args().skip(2).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![80_000, 100_000] } else { sizes };
    for n in sizes {
        let t = many_touchpoint_paths(n, shuffled, 7)?;
        let t0 = Instant::now();
        let g = JourneyGraph::from_paths(&t, 1)?;
        let t1 = t0.elapsed().as_secs_f64();
        let re = g.removal_effects()?;
        let t2 = t0.elapsed().as_secs_f64();
        let a = g.analyze()?;
        let t3 = t0.elapsed().as_secs_f64();
        let largest = {
            let g = g.graph();
            touchpoint_core::petgraph::algo::tarjan_scc(g).iter().map(Vec::len).max().unwrap_or(0)
        };
        println!(
            "{n} touchpoints ({shuffled} shuffled): {} states, {} edges, largest cycle component {largest}; graph {t1:.3} s, removal \
             effects {:.3} s, full analysis {:.3} s (RE[0] = {:.6}, {})",
            g.state_count(),
            g.graph().edge_count(),
            t2 - t1,
            t3 - t2,
            re[0].conversions,
            a.removal_effects.len()
        );
    }
    Ok(())
}
