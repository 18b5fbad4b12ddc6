//! Criterion benches of the core: journey building + order-1 graph on in-memory events, path
//! CSV parsing, and the exact absorbing-chain analysis.
//!
//! Sizes: `TOUCHPOINT_BENCH_EVENTS` (default 10,000,000) and `TOUCHPOINT_BENCH_PATHS`
//! (default 1,000,000).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use touchpoint_core::{JourneyGraph, JourneyOptions, JourneySet, PathCsvOptions, PathTable};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn journeys_and_graph(c: &mut Criterion) {
    let n = env_usize("TOUCHPOINT_BENCH_EVENTS", 10_000_000);
    let events = touchpoint_benches::demo_events(n, 7).unwrap();
    let mut g = c.benchmark_group("events");
    g.sample_size(10);
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function(format!("journeys/{}", events.len()), |b| {
        b.iter(|| JourneySet::build(black_box(&events), &JourneyOptions::default()).unwrap())
    });
    g.bench_function(format!("journeys+graph_order1/{}", events.len()), |b| {
        b.iter(|| {
            let (js, _) = JourneySet::build(black_box(&events), &JourneyOptions::default()).unwrap();
            JourneyGraph::from_journeys(&js, 1).unwrap()
        })
    });
    let (js, _) = JourneySet::build(&events, &JourneyOptions::default()).unwrap();
    g.bench_function("graph_order3", |b| b.iter(|| JourneyGraph::from_journeys(black_box(&js), 3).unwrap()));
    let g3 = JourneyGraph::from_journeys(&js, 3).unwrap();
    g.bench_function(format!("analyze_order3/{}_states", g3.state_count()), |b| b.iter(|| g3.analyze().unwrap()));
    g.finish();
}

fn path_csv(c: &mut Criterion) {
    let rows = env_usize("TOUCHPOINT_BENCH_PATHS", 1_000_000);
    let dir = std::env::temp_dir().join("touchpoint-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("paths_{rows}.csv"));
    let bytes = touchpoint_benches::write_path_csv(rows, 11, &file).unwrap();
    let data = std::fs::read(&file).unwrap();
    let mut g = c.benchmark_group("paths");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function(format!("read_csv/{rows}_rows"), |b| {
        b.iter(|| PathTable::read_csv(black_box(data.as_slice()), &PathCsvOptions::default()).unwrap())
    });
    let t = PathTable::read_csv(data.as_slice(), &PathCsvOptions::default()).unwrap();
    g.bench_function("graph_order1+analyze", |b| {
        b.iter(|| JourneyGraph::from_paths(black_box(&t), 1).unwrap().analyze().unwrap())
    });
    g.finish();
}

criterion_group!(benches, journeys_and_graph, path_csv);
criterion_main!(benches);
