//! Stages of the path-table pipeline on a path CSV file: read, then for Markov orders 1–4 the
//! graph build and the whole attribution call, and the three heuristics in one pass (median of
//! 5 runs each).
//!
//! `cargo run --release -p touchpoint-benches --bin path_models -- file.csv [orders, e.g. 1,4]`

use std::time::Instant;

use touchpoint_core::attribution::{AttributionModel as M, AttributionOptions, compare};
use touchpoint_core::{JourneyGraph, PathCsvOptions, PathTable};

fn median<T>(mut f: impl FnMut() -> T) -> f64 {
    let mut t: Vec<f64> = (0..5)
        .map(|_| {
            let t0 = Instant::now();
            std::hint::black_box(f());
            t0.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[2]
}

fn main() -> touchpoint_core::Result<()> {
    let Some(file) = std::env::args().nth(1) else {
        eprintln!("usage: path_models FILE.csv");
        std::process::exit(2);
    };
    let orders: Vec<usize> = std::env::args()
        .nth(2)
        .map(|a| a.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 2, 3, 4]);
    let o = PathCsvOptions::default();
    let read = median(|| PathTable::read_csv_path(&file, &o).map(|t| t.len()).unwrap_or(0));
    let paths = PathTable::read_csv_path(&file, &o)?;
    let bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) as f64;
    println!(
        "read: {:.1} ms ({:.0} MB/s), {} distinct paths, {} touchpoints",
        read * 1e3,
        bytes / read / 1e6,
        paths.len(),
        paths.catalog().len()
    );
    let a = AttributionOptions::default();
    for &order in &orders {
        let graph = median(|| JourneyGraph::from_paths(&paths, order).map(|g| g.state_count()).unwrap_or(0));
        let analysis =
            median(|| JourneyGraph::from_paths(&paths, order).and_then(|g| g.removal_effects().map(|r| r.len())).ok());
        let model = median(|| compare(&paths, &[M::markov(order)], &a).map(|c| c.len()).unwrap_or(0));
        let states = JourneyGraph::from_paths(&paths, order)?.state_count();
        println!(
            "markov order {order}: graph {:.1} ms, graph + removal effects {:.1} ms, attribution {:.1} ms ({states} states)",
            graph * 1e3,
            analysis * 1e3,
            model * 1e3
        );
    }
    let rules = median(|| compare(&paths, &[M::FirstTouch, M::LastTouch, M::Linear], &a).map(|c| c.len()));
    println!("first/last/linear: {:.1} ms", rules * 1e3);
    Ok(())
}
