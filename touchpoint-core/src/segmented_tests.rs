//! Segments equal their filtered runs; bootstrap determinism, degenerate data and fast paths
//! against the generic evaluation; segment comparisons find a planted difference.

use super::*;
use crate::attribution::intervals::{FORCE_GENERIC, compare_with_intervals};
use crate::attribution::{AttributionModel as M, AttributionOptions};
use crate::bootstrap::BootstrapOptions;
use crate::demo::{DemoOptions, events};
use crate::events::EventTable;
use crate::graph::intervals::graph_intervals;
use crate::segment::Segments;
use crate::test_util::{only, shuffled};
use crate::{JourneyOptions, Journeys, PathTable};

fn demo(customers: usize) -> EventTable {
    events(&DemoOptions { customers, seed: 11, ..Default::default() }).unwrap()
}

fn journeys(ev: &EventTable) -> Journeys {
    Journeys::build(ev, &JourneyOptions::default()).unwrap().0
}

fn models() -> Vec<M> {
    vec![M::markov(1), M::markov(2), M::LastTouch, M::Linear, M::u_shaped(), M::Shapley]
}

fn boot(resamples: usize) -> BootstrapOptions {
    BootstrapOptions { resamples, seed: 5, level: 0.95 }
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs())), "{what}: {a} vs {b}");
}

#[test]
fn segment_results_equal_the_segment_alone_and_sum_to_the_total() {
    let ev = demo(1500);
    let js = journeys(&ev);
    let seg = Segments::by_first_touch(&ev, crate::segment::SegmentAttribute::Channel).unwrap();
    assert!(seg.len() >= 3, "{:?}", seg.labels());
    let b = boot(40);
    let res = attribute_by_segment(&js, &seg, &models(), &AttributionOptions::default(), Some(&b)).unwrap();
    assert!(res.skipped.is_empty(), "{:?}", res.skipped);
    let total_conv: f64 = js.total_conversions();
    let mut seg_conv = 0.0;
    for s in &res.segments {
        let alone = journeys(&only(&ev, &seg, &s.segment));
        let want = compare_with_intervals(&alone, &models(), &AttributionOptions::default(), &b).unwrap();
        seg_conv += s.credits[0].total_conversions;
        for (got, want) in s.credits.iter().zip(&want) {
            assert_eq!(got.model, want.model);
            for w in &want.rows {
                let g = got.get(&w.name).unwrap();
                let what = format!("{} {} {}", s.segment, got.label(), w.name);
                close(g.conversions, w.conversions, &what);
                close(g.lower.unwrap(), w.lower.unwrap(), &what);
                close(g.upper.unwrap(), w.upper.unwrap(), &what);
                close(g.std_error.unwrap(), w.std_error.unwrap(), &what);
            }
        }
    }
    assert_eq!(seg_conv, total_conv);
    // the table has one row per segment × model × touchpoint
    let n_tp = js.catalog().len();
    assert_eq!(res.table().len(), res.segments.len() * models().len() * n_tp);
}

#[test]
fn graph_and_top_paths_by_segment_equal_the_segment_alone() {
    let ev = demo(800);
    let js = journeys(&ev);
    let seg = Segments::by_first_touch(&ev, crate::segment::SegmentAttribute::Stage).unwrap();
    let g = graph_by_segment(&js, &seg, 1, None, None).unwrap();
    for part in &g.segments {
        let (label, rows) = (&part.segment, &part.rows);
        let alone = journeys(&only(&ev, &seg, label));
        let a = crate::JourneyGraph::from_journeys(&alone, 1).unwrap().analyze().unwrap();
        let p = rows.iter().find(|r| r.metric == "conversion_probability").unwrap();
        close(p.estimate, a.conversion_probability, label);
        for re in &a.removal_effects {
            let r = rows.iter().find(|r| r.metric == "removal_effect" && r.item == re.name).unwrap();
            close(r.estimate, re.conversions, &re.name);
        }
    }
    let top = top_paths_by_segment(&js, &seg, 3, PathRank::Journeys).unwrap();
    let total: f64 = top.iter().map(|r| r.journeys).sum();
    assert_eq!(total, js.len() as f64, "top paths + remainders cover every journey");
}

#[test]
fn bootstrap_bits_do_not_depend_on_threads_runs_or_row_order() {
    let ev = demo(600);
    let js = journeys(&ev);
    let o = AttributionOptions::default();
    let run = |js: &Journeys, threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| compare_with_intervals(js, &models(), &o, &boot(30)).unwrap())
    };
    let bits = |c: &[Credits]| -> Vec<(String, u64, u64, u64)> {
        c.iter()
            .flat_map(|c| {
                c.rows.iter().map(|r| {
                    (
                        format!("{} {}", c.label(), r.name),
                        r.lower.unwrap().to_bits(),
                        r.upper.unwrap().to_bits(),
                        r.std_error.unwrap().to_bits(),
                    )
                })
            })
            .collect()
    };
    let one = bits(&run(&js, 1));
    assert_eq!(one, bits(&run(&js, 2)), "thread counts");
    assert_eq!(one, bits(&run(&js, 1)), "runs");
    // another row order: every customer keeps their weights (they are keyed by name), so the
    // intervals agree; the sums follow the row order, so to rounding
    let sh = journeys(&shuffled(&ev, 3));
    let other = run(&sh, 2);
    for c in &other {
        for r in &c.rows {
            let want = one.iter().find(|x| x.0 == format!("{} {}", c.label(), r.name)).unwrap();
            close(r.lower.unwrap(), f64::from_bits(want.1), &want.0);
            close(r.upper.unwrap(), f64::from_bits(want.2), &want.0);
            close(r.std_error.unwrap(), f64::from_bits(want.3), &want.0);
        }
    }
}

#[test]
fn fast_paths_equal_the_model_on_reweighted_data() {
    let ev = demo(500);
    let js = journeys(&ev);
    let paths = crate::demo::paths(3000, 6, 4).unwrap();
    let ms = [M::markov(1), M::markov(3), M::FirstTouch, M::Linear, M::Participation, M::time_decay()];
    for data in [Data::Journeys(&js), Data::Paths(&paths)] {
        let ms: Vec<M> = ms
            .iter()
            .filter(|m| data.has_times() || m.kind() != crate::attribution::ModelName::TimeDecay)
            .cloned()
            .collect();
        let o = AttributionOptions::default();
        let fast = compare_with_intervals(data, &ms, &o, &boot(25)).unwrap();
        FORCE_GENERIC.with(|f| f.set(true));
        let slow = compare_with_intervals(data, &ms, &o, &boot(25));
        FORCE_GENERIC.with(|f| f.set(false));
        for (f, s) in fast.iter().zip(slow.unwrap()) {
            for (a, b) in f.rows.iter().zip(&s.rows) {
                let what = format!("{} {} {}", data.what(), f.label(), a.name);
                close(a.lower.unwrap(), b.lower.unwrap(), &what);
                close(a.upper.unwrap(), b.upper.unwrap(), &what);
                close(a.std_error.unwrap(), b.std_error.unwrap(), &what);
            }
        }
    }
}

#[test]
fn a_single_customer_gives_zero_width_intervals() {
    let mut b = EventTable::builder();
    b.touch("solo", "search", 0).unwrap();
    b.touch("solo", "email", 5).unwrap();
    b.conversion("solo", 9, 30.0).unwrap();
    b.touch("solo", "email", 20).unwrap();
    let js = journeys(&b.finish().unwrap());
    let c = compare_with_intervals(&js, &[M::markov(1), M::Linear], &AttributionOptions::default(), &boot(50)).unwrap();
    for c in &c {
        for r in &c.rows {
            assert_eq!(r.lower, Some(r.conversions), "{} {}", c.label(), r.name);
            assert_eq!(r.upper, Some(r.conversions), "{} {}", c.label(), r.name);
            assert_eq!(r.std_error, Some(0.0));
        }
        assert!(
            c.notes.iter().any(|n| n.contains("skipped")),
            "resamples without the customer are counted: {:?}",
            c.notes
        );
    }
}

#[test]
fn intervals_contain_the_estimate_and_shrink_with_more_data() {
    let small = crate::demo::paths(400, 6, 9).unwrap();
    let mut big = PathTable::new(small.catalog().clone());
    for r in small.iter() {
        big.add(r.touchpoints, r.conversions * 100.0, r.nulls * 100.0, r.value * 100.0).unwrap();
    }
    let width = |p: &PathTable| {
        let g = graph_intervals(Data::Paths(p), 1, None, &boot(200)).unwrap();
        let r = g.get("conversion_probability", "(start)").unwrap().clone();
        assert!(r.lower.unwrap() <= r.estimate && r.estimate <= r.upper.unwrap(), "{r:?}");
        for re in g.rows.iter().filter(|r| r.metric == "removal_effect" && r.estimate > 0.0) {
            assert!(re.lower.unwrap() <= re.estimate && re.estimate <= re.upper.unwrap(), "{re:?}");
        }
        r.upper.unwrap() - r.lower.unwrap()
    };
    let (ws, wb) = (width(&small), width(&big));
    // 100× the journeys: about 10× narrower
    assert!(wb < ws / 6.0 && wb > ws / 16.0, "{ws} vs {wb}");
}

#[test]
fn bad_bootstrap_options_are_typed_errors() {
    let p = crate::demo::paths(50, 4, 1).unwrap();
    for b in [0, crate::bootstrap::MAX_RESAMPLES + 1] {
        let e = compare_with_intervals(&p, &[M::Linear], &AttributionOptions::default(), &boot(b)).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidOption, "{e}");
        assert!(e.to_string().contains("bootstrap"), "{e}");
    }
}

#[test]
fn segment_comparison_finds_a_planted_difference_and_controls_the_rest() {
    // north converts after email, south after search; both see both touchpoints equally often
    let mut b = EventTable::builder();
    let mut labels = Vec::new();
    let mut rng = crate::rng::SplitMix64(1);
    for i in 0..1200 {
        let c = format!("c{i}");
        let north = i % 2 == 0;
        let first = if rng.f64() < 0.5 { "email" } else { "search" };
        b.touch(&c, first, 0).unwrap();
        b.touch(&c, "display", 1).unwrap();
        let driver = if north { "email" } else { "search" };
        let p = if first == driver { 0.6 } else { 0.1 };
        if rng.f64() < p {
            b.conversion(&c, 2, 10.0).unwrap();
        }
        labels.push((c, if north { "north" } else { "south" }));
    }
    let ev = b.finish().unwrap();
    // labels by customer code (codes follow the customers' sorted keys)
    let by_name: std::collections::HashMap<&str, &str> = labels.iter().map(|(c, l)| (c.as_str(), *l)).collect();
    let labels: Vec<Option<&str>> = ev.customer_names().iter().map(|n| by_name.get(n).copied()).collect();
    let seg = Segments::from_customer_labels(&ev, &labels).unwrap();
    let js = journeys(&ev);
    let res = attribute_by_segment(
        &js,
        &seg,
        &[M::markov(2), M::FirstTouch],
        &AttributionOptions::default(),
        Some(&boot(200)),
    )
    .unwrap();
    let diff = res.compare("north", "south").unwrap();
    let row = |model: &str, metric: &str, item: &str| {
        diff.iter().find(|r| r.model == model && r.metric == metric && r.item == item).unwrap().clone()
    };
    let email = row("first", "share", "email");
    assert!(email.difference < -0.3, "{email:?}");
    assert!(email.p_value.unwrap() < 0.01 && email.p_adjusted.unwrap() < 0.02, "{email:?}");
    assert!(email.difference_upper.unwrap() < 0.0);
    let re = row("markov_2", "removal_effect", "search");
    assert!(re.difference > 0.0 && re.p_value.unwrap() < 0.01, "{re:?}");
    // display is not a driver in either segment: its first-touch share is 0 in both, untested
    let display = row("first", "share", "display");
    assert_eq!(display.p_value, None);
    assert!(diff.iter().all(|r| r.test.starts_with("bootstrap")));
    // an unknown segment names the known ones
    let e = res.compare("north", "west").unwrap_err();
    assert!(e.to_string().contains("north, south"), "{e}");
    // without a bootstrap the comparison says it has no test
    let plain = attribute_by_segment(&js, &seg, &[M::FirstTouch], &AttributionOptions::default(), None).unwrap();
    let d = plain.compare("north", "south").unwrap();
    assert!(d.iter().all(|r| r.p_value.is_none() && r.test.starts_with("none")));
}
