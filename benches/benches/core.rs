//! Criterion benches of the core: journey building + order-1 graph on in-memory events, path
//! CSV parsing, the exact absorbing-chain analysis, every attribution family (Markov orders
//! 1–4, rules, Shapley variants, the exact transform), the optimisation tools and the journey
//! map (funnels, retention, the step matrix).
//!
//! Sizes: `TOUCHPOINT_BENCH_EVENTS` (default 10,000,000) and `TOUCHPOINT_BENCH_PATHS`
//! (default 1,000,000).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use touchpoint_core::{JourneyGraph, JourneyOptions, Journeys, PathCsvOptions, PathTable};

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
        b.iter(|| Journeys::build(black_box(&events), &JourneyOptions::default()).unwrap())
    });
    g.bench_function(format!("journeys+graph_order1/{}", events.len()), |b| {
        b.iter(|| {
            let (js, _) = Journeys::build(black_box(&events), &JourneyOptions::default()).unwrap();
            JourneyGraph::from_journeys(&js, 1).unwrap()
        })
    });
    let (js, _) = Journeys::build(&events, &JourneyOptions::default()).unwrap();
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

fn attribution(c: &mut Criterion) {
    use touchpoint_core::attribution::{AttributionModel as M, AttributionOptions, ShapleyMethod, compare, shapley};
    let rows = env_usize("TOUCHPOINT_BENCH_PATHS", 1_000_000);
    let paths = touchpoint_core::demo::paths(rows, 12, 11).unwrap();
    let o = AttributionOptions::default();
    let mut g = c.benchmark_group("attribution");
    g.sample_size(10);
    for order in [1, 2, 3, 4] {
        g.bench_function(format!("markov_order{order}/{}_paths", paths.len()), |b| {
            b.iter(|| compare(black_box(&paths), &[M::markov(order)], &o).unwrap())
        });
    }
    let rules =
        [M::FirstTouch, M::LastTouch, M::Linear, M::u_shaped(), M::j_shaped(), M::inverse_j(), M::Participation];
    g.bench_function("rules_7_models_one_pass", |b| b.iter(|| compare(black_box(&paths), &rules, &o).unwrap()));
    g.bench_function("shapley_simplified+ordered+shao_li", |b| {
        b.iter(|| compare(black_box(&paths), &[M::Shapley, M::OrderedShapley, M::ShaoLi], &o).unwrap())
    });
    let twenty = touchpoint_core::demo::paths(200_000, 20, 5).unwrap();
    g.bench_function("shapley_rate_exact/20_touchpoints", |b| {
        b.iter(|| compare(black_box(&twenty), &[M::ShapleyRate { method: ShapleyMethod::Exact }], &o).unwrap())
    });
    let table: Vec<f64> = (0..1u64 << 20).map(|m| (m.count_ones() as f64).sqrt()).collect();
    g.bench_function("shapley_transform/20_players", |b| b.iter(|| shapley::exact(20, |m| table[m as usize]).unwrap()));
    g.finish();
}

/// Order-1 removal effects of many touchpoints (the closed form; formerly one solve each).
fn removal_effects(c: &mut Criterion) {
    let mut g = c.benchmark_group("removal_effects");
    g.sample_size(10);
    for n in [20_000, 100_000] {
        let t = touchpoint_benches::many_touchpoint_paths(n, 0.0, 7).unwrap();
        let graph = JourneyGraph::from_paths(&t, 1).unwrap();
        g.bench_function(format!("order1_funnel/{n}_touchpoints"), |b| {
            b.iter(|| black_box(&graph).removal_effects().unwrap())
        });
    }
    g.finish();
}

fn optimisation(c: &mut Criterion) {
    use touchpoint_core::optimize::{Curve, Objective, ResponseCurve, Solver, allocate_budget, prioritize};
    let mut g = c.benchmark_group("optimisation");
    g.sample_size(10);
    let channels: Vec<Curve> = (0..50)
        .map(|i| {
            let f = i as f64;
            Curve::new(
                format!("tp{i}"),
                ResponseCurve::Hill { beta: 50.0 + 7.0 * f, alpha: 1.5 + (f % 5.0) * 0.5, gamma: 10.0 + 3.0 * f },
            )
        })
        .collect();
    g.bench_function("budget_dp/50x1000", |b| {
        b.iter(|| {
            allocate_budget(black_box(&channels), Objective::Budget(1000.0), 1.0, Solver::DynamicProgramming).unwrap()
        })
    });
    let graph = JourneyGraph::from_paths(&touchpoint_core::demo::paths(400_000, 24, 3).unwrap(), 3).unwrap();
    g.bench_function(format!("prioritize/order3_{}_states", graph.state_count()), |b| {
        b.iter(|| prioritize(black_box(&graph), 0.1).unwrap())
    });
    g.finish();
}

fn journey_map(c: &mut Criterion) {
    use touchpoint_core::journeymap::{self, FunnelOptions, RetentionOptions, Step, StepMatrixOptions};
    let n = env_usize("TOUCHPOINT_BENCH_EVENTS", 10_000_000);
    let events = touchpoint_benches::demo_events(n, 7).unwrap();
    let mut g = c.benchmark_group("journey_map");
    g.sample_size(10);
    g.throughput(Throughput::Elements(events.len() as u64));
    let steps = vec![Step::touchpoint("search ad"), Step::touchpoint("website"), Step::touchpoint("store visit")];
    let ordered =
        FunnelOptions { steps: steps.clone(), window_ms: Some(7 * touchpoint_core::DAY_MS), ..Default::default() };
    g.bench_function(format!("funnel_ordered_3_steps_7d/{}", events.len()), |b| {
        b.iter(|| journeymap::funnel(black_box(&events), &ordered, None).unwrap())
    });
    let strict = FunnelOptions { mode: journeymap::FunnelMode::Strict, ..ordered.clone() };
    g.bench_function("funnel_strict_3_steps_7d", |b| {
        b.iter(|| journeymap::funnel(black_box(&events), &strict, None).unwrap())
    });
    g.bench_function("stage_funnel", |b| {
        b.iter(|| journeymap::funnel(black_box(&events), &FunnelOptions::default(), None).unwrap())
    });
    g.bench_function("retention_daily", |b| {
        b.iter(|| journeymap::retention(black_box(&events), &RetentionOptions::default(), None).unwrap())
    });
    g.bench_function("step_matrix_10_customers", |b| {
        let o = StepMatrixOptions { unit: journeymap::FunnelUnit::Customer, ..Default::default() };
        b.iter(|| journeymap::step_matrix(black_box(&events), &o, None).unwrap())
    });
    g.finish();
}

fn experience(c: &mut Criterion) {
    use touchpoint_core::experience::{
        self as x, ExperienceOptions, ExperienceReference, KeyDriverOptions, MissingScores,
    };
    let n = env_usize("TOUCHPOINT_BENCH_EVENTS", 10_000_000);
    let events = touchpoint_benches::demo_events(n, 7).unwrap();
    let o = ExperienceOptions::default();
    let mut g = c.benchmark_group("experience");
    g.sample_size(10);
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function(format!("experience_table/{}", events.len()), |b| {
        b.iter(|| x::experience(black_box(&events), None, &o, None).unwrap())
    });
    g.bench_function("experience_conversion", |b| {
        b.iter(|| {
            x::experience_conversion(black_box(&events), None, &o, ExperienceReference::NotDetractor, None).unwrap()
        })
    });
    let kd = KeyDriverOptions { missing: MissingScores::ImputeMean, ..Default::default() };
    g.bench_function("key_drivers_conversion", |b| {
        b.iter(|| x::key_drivers(black_box(&events), None, &o, &kd).unwrap())
    });
    g.bench_function("consistency", |b| b.iter(|| x::consistency(black_box(&events), None, &o).unwrap()));
    g.finish();
}

criterion_group!(
    benches,
    journeys_and_graph,
    path_csv,
    attribution,
    removal_effects,
    optimisation,
    journey_map,
    experience
);
criterion_main!(benches);
