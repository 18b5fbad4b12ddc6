//! Time (and, under `/usr/bin/time -v`, memory) of the inputs issue 17 found unbounded.
//!
//! `cargo run --release -p touchpoint-benches --bin bounds_timing -- [touches]`

use std::time::Instant;

use touchpoint_core::attribution::{AttributionModel as M, AttributionOptions, attribute};
use touchpoint_core::{Catalog, PathTable, TouchpointId};

fn main() -> touchpoint_core::Result<()> {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(40_000);
    let names: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
    let mut t = PathTable::new(Catalog::from_names(&names));
    let path: Vec<TouchpointId> = (0..n as u32).map(TouchpointId).collect();
    t.add(&path, 1.0, 1.0, 10.0)?;
    t.add(&path[..n / 2], 0.0, 3.0, 0.0)?;
    let o = AttributionOptions::default();
    for m in [M::OrderedShapley, M::ShaoLi] {
        let t0 = Instant::now();
        let c = attribute(&t, &m, &o)?;
        println!(
            "{m}: one {n}-touch path of distinct touchpoints: {:.3} s (credit[0] = {:.3e})",
            t0.elapsed().as_secs_f64(),
            c.rows[0].conversions
        );
    }
    let t0 = Instant::now();
    let e = attribute(&t, &M::shapley_rate(), &o).unwrap_err();
    println!("shapley_rate on {n} touchpoints: error after {:.3} s: {e}", t0.elapsed().as_secs_f64());
    let t0 = Instant::now();
    let s = t.sankey(usize::MAX, 5)?;
    println!("sankey(usize::MAX): {} nodes in {:.3} s", s.nodes.len(), t0.elapsed().as_secs_f64());
    let t0 = Instant::now();
    for _ in 0..100 {
        touchpoint_core::threads::install(64, || Ok(()))?;
    }
    println!("100 calls on 64 threads: {:.3} s (one pool built)", t0.elapsed().as_secs_f64());
    let e = touchpoint_core::threads::install(10_000, || Ok(())).unwrap_err();
    println!("n_threads = 10000: {e}");
    Ok(())
}
