//! Saved models, batch scoring and increments (the CRM jobs), tested against their references:
//! the built model, per-customer `next_best` and a full rebuild.

use proptest::prelude::*;

use crate::attribution::{AttributionModel, AttributionOptions, ModelParams, compare};
use crate::data::Data;
use crate::error::ErrorKind;
use crate::events::{Event, EventTable};
use crate::graph::JourneyGraph;
use crate::journey::{JourneyOptions, JourneyReport, Journeys};
use crate::optimize::{Candidate, ScoreOptions, Scorer, StateMatch, converting_paths, next_best, prioritize};
use crate::saved::{self, ModelKind};
use crate::{DAY_MS, demo};

fn demo_journeys(customers: usize, seed: u64) -> Journeys {
    let events = demo::events(&demo::DemoOptions { customers, seed, ..Default::default() }).unwrap();
    Journeys::build(&events, &JourneyOptions::default()).unwrap().0
}

/// Every query of a graph, as comparable values.
fn queries(g: &JourneyGraph) -> impl PartialEq + std::fmt::Debug {
    let a = g.analysis().unwrap().clone();
    let first = g.catalog().names()[0].clone();
    let cands: Vec<Candidate> = g.catalog().names().iter().map(|n| Candidate::new(n.clone(), 0.5)).collect();
    (
        (g.transition_table(), g.node_table(&a), a.removal_effect_table(), g.to_dot()),
        (g.summary().unwrap(), g.sensitivities().unwrap(), a, g.analyze().unwrap()),
        (next_best(g, &[], &cands).ok(), next_best(g, &[first.as_str()], &cands).ok()),
        (converting_paths(g, &[], 5, 6).unwrap(), prioritize(g, 0.1).unwrap()),
        (g.order(), g.state_count(), g.total_journeys(), g.total_conversions(), g.total_value(), g.has_times()),
        (g.fingerprint(), g.is_directly_follows(), g.catalog().clone()),
    )
}

#[test]
fn saved_graphs_answer_every_query_bit_identically() {
    let journeys = demo_journeys(600, 3);
    let mut paths = demo::paths(400, 7, 5).unwrap();
    paths.catalog_mut().set_attrs(
        crate::TouchpointId(0),
        crate::TouchpointAttrs { cost: Some(2.5), paid: true, ..Default::default() },
    );
    for order in 1..=4 {
        for g in
            [JourneyGraph::from_journeys(&journeys, order).unwrap(), JourneyGraph::from_paths(&paths, order).unwrap()]
        {
            let bytes = g.to_bytes().unwrap();
            let back = JourneyGraph::from_bytes(&bytes).unwrap();
            assert_eq!(queries(&back), queries(&g), "order {order}");
            // saving the loaded graph gives the same bytes
            assert_eq!(back.to_bytes().unwrap(), bytes);
            let info = saved::inspect(&bytes).unwrap();
            assert_eq!(info.kind, ModelKind::JourneyGraph);
            assert_eq!(info.format_version, saved::FORMAT_VERSION);
            assert_eq!(info.library_version, crate::VERSION);
            assert_eq!(info.fingerprint, format!("{:016x}", g.fingerprint()));
        }
    }
    let df = JourneyGraph::directly_follows(Data::Journeys(&journeys), None).unwrap();
    let back = JourneyGraph::from_bytes(&df.to_bytes().unwrap()).unwrap();
    assert!(back.is_directly_follows());
    assert_eq!(queries(&back), queries(&df));
    // the fingerprint tells orders, kinds and vocabularies apart
    let g1 = JourneyGraph::from_journeys(&journeys, 1).unwrap();
    let g2 = JourneyGraph::from_journeys(&journeys, 2).unwrap();
    assert_ne!(g1.fingerprint(), g2.fingerprint());
    assert_ne!(g1.fingerprint(), df.fingerprint());
    assert_eq!(g1.fingerprint(), JourneyGraph::from_journeys(&demo_journeys(50, 9), 1).unwrap().fingerprint());
}

/// Every way of damaging a small file is a typed error: each byte flipped (two ways), every
/// truncation, a newer format, another kind.
fn check_damage(bytes: &[u8], load: &dyn Fn(&[u8]) -> crate::Result<()>) {
    load(bytes).unwrap();
    for i in 0..bytes.len() {
        for flip in [0xffu8, 0x01] {
            let mut b = bytes.to_vec();
            b[i] ^= flip;
            let e = load(&b).expect_err(&format!("byte {i} ^ {flip:#x} loaded"));
            assert_eq!(e.kind(), ErrorKind::ModelFile, "byte {i}: {e}");
        }
    }
    for n in 0..bytes.len() {
        let e = load(&bytes[..n]).expect_err(&format!("a truncation to {n} bytes loaded"));
        assert_eq!(e.kind(), ErrorKind::ModelFile, "{n}: {e}");
        if n >= 8 {
            assert!(e.to_string().contains("truncated"), "{n}: {e}");
        }
    }
    let mut longer = bytes.to_vec();
    longer.push(0);
    assert_eq!(load(&longer).unwrap_err().kind(), ErrorKind::ModelFile);
}

/// A file of format version 2 with a valid checksum: "upgrade".
fn newer(bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[8..12].copy_from_slice(&2u32.to_le_bytes());
    let n = b.len() - 4;
    let sum = saved::codec::checksum(&b[..n]);
    b[n..].copy_from_slice(&sum.to_le_bytes());
    b
}

#[test]
fn damaged_files_are_typed_errors() {
    let mut p = crate::PathTable::default();
    p.add_path_str("a > b", ">", 2.0, 1.0, 10.0).unwrap();
    p.add_path_str("b", ">", 0.0, 1.0, 0.0).unwrap();
    let g = JourneyGraph::from_paths(&p, 1).unwrap();
    let gb = g.to_bytes().unwrap();
    check_damage(&gb, &|b| JourneyGraph::from_bytes(b).map(|_| ()));

    let mut e = EventTable::builder();
    e.touch("x", "a", 0).unwrap();
    e.conversion("x", 5, 3.0).unwrap();
    e.touch("y", "b", 1).unwrap();
    let (j, _) =
        Journeys::build(&e.finish().unwrap(), &JourneyOptions { max_touches: Some(3), ..Default::default() }).unwrap();
    let jb = j.to_bytes();
    check_damage(&jb, &|b| Journeys::from_bytes(b).map(|_| ()));

    let c = compare(
        Data::Paths(&p),
        &[AttributionModel::from_name("last", &ModelParams::default()).unwrap()],
        &AttributionOptions::default(),
    )
    .unwrap();
    let cb = saved::credits_to_bytes(&c);
    check_damage(&cb, &|b| saved::credits_from_bytes(b).map(|_| ()));

    let e = JourneyGraph::from_bytes(&newer(&gb)).unwrap_err();
    assert!(e.to_string().contains("newer") && e.to_string().contains("upgrade"), "{e}");
    let e = JourneyGraph::from_bytes(&jb).unwrap_err();
    assert!(e.to_string().contains("holds journeys, not journey graph"), "{e}");
    let e = Journeys::from_bytes(b"hello, world, this is not a model at all").unwrap_err();
    assert!(e.to_string().contains("not a touchpoint model file"), "{e}");
    assert_eq!(saved::inspect(&gb[..20]).unwrap_err().kind(), ErrorKind::ModelFile);
}

#[test]
fn files_round_trip_and_io_errors_name_the_path() {
    let dir = std::env::temp_dir().join(format!("tp-saved-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let j = demo_journeys(200, 4);
    let g = JourneyGraph::from_journeys(&j, 2).unwrap();
    g.save(dir.join("g.tpm")).unwrap();
    assert_eq!(queries(&JourneyGraph::load(dir.join("g.tpm")).unwrap()), queries(&g));
    j.save(dir.join("j.tpm")).unwrap();
    assert_eq!(Journeys::load(dir.join("j.tpm")).unwrap(), j);
    assert_eq!(saved::inspect_file(dir.join("j.tpm")).unwrap().kind, ModelKind::Journeys);
    let e = JourneyGraph::load(dir.join("missing.tpm")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().contains("missing.tpm"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn saved_attribution_results_are_bit_identical() {
    let j = demo_journeys(300, 8);
    let p = |name: &str, order: Option<usize>| {
        AttributionModel::from_name(name, &ModelParams { order, ..Default::default() }).unwrap()
    };
    let models = [
        p("linear", None),
        p("markov", Some(2)),
        p("ordered_shapley", None),
        p("shapley", None),
        p("time_decay", None),
    ];
    let opts = AttributionOptions { per_journey: true, ..Default::default() };
    let results = compare(Data::Journeys(&j), &models, &opts).unwrap();
    assert!(results.iter().any(|c| c.per_journey.is_some()) && results.iter().any(|c| c.by_position.is_some()));
    let back = saved::credits_from_bytes(&saved::credits_to_bytes(&results)).unwrap();
    assert_eq!(back, results);
    let iv = crate::attribution::intervals::compare_with_intervals(
        Data::Journeys(&j),
        &models[..2],
        &opts,
        &crate::bootstrap::BootstrapOptions { resamples: 20, ..Default::default() },
    )
    .unwrap();
    assert!(iv[0].rows.iter().any(|r| r.lower.is_some()));
    assert_eq!(saved::credits_from_bytes(&saved::credits_to_bytes(&iv)).unwrap(), iv);
}

// ---------------------------------------------------------------- increments

/// Journeys compared as a rebuild gives them (reports apart: see `same_report`).
fn same_journeys(a: &Journeys, b: &Journeys) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.catalog().names(), b.catalog().names());
    prop_assert_eq!(a.customer_names(), b.customer_names());
    prop_assert_eq!(
        (&a.offsets, &a.touchpoints, &a.times, &a.converted, &a.value, &a.end_time, &a.customer),
        (&b.offsets, &b.touchpoints, &b.times, &b.converted, &b.value, &b.end_time, &b.customer)
    );
    let (oa, ob) = (a.open.as_deref().unwrap(), b.open.as_deref().unwrap());
    prop_assert_eq!(
        (&oa.offsets, &oa.tps, &oa.times, &oa.conv, &oa.vals, &oa.horizon, &oa.tail_journeys, oa.stored),
        (&ob.offsets, &ob.tps, &ob.times, &ob.conv, &ob.vals, &ob.horizon, &ob.tail_journeys, ob.stored)
    );
    Ok(())
}

/// Reports agree on every count (`customers_resorted` counts per batch; the value without
/// touches is a float sum in another order).
fn same_report(a: &JourneyReport, b: &JourneyReport) -> Result<(), TestCaseError> {
    let mut a = a.clone();
    let mut b = b.clone();
    prop_assert!((a.value_without_touches - b.value_without_touches).abs() <= 1e-9 * (1.0 + b.value_without_touches));
    a.value_without_touches = 0.0;
    b.value_without_touches = 0.0;
    a.customers_resorted = 0;
    b.customers_resorted = 0;
    prop_assert_eq!(a, b);
    Ok(())
}

type Ev = (u8, Option<u8>, i64, bool, u8);

fn table(rows: &[Ev]) -> EventTable {
    let mut b = EventTable::builder();
    for &(c, t, time, conv, v) in rows {
        let customer = format!("c{c}");
        let tp = t.map(|t| format!("t{t}"));
        b.push(Event {
            customer: &customer,
            touchpoint: tp.as_deref(),
            time,
            converted: conv,
            value: v as f64,
            feedback: None,
        })
        .unwrap();
    }
    b.finish().unwrap()
}

fn options() -> impl Strategy<Value = JourneyOptions> {
    (
        prop::option::of(1i64..6),
        prop::option::of(1i64..5),
        any::<bool>(),
        prop::option::of(1usize..4),
        prop::bool::weighted(0.7),
    )
        .prop_map(|(lb, to, collapse, max, split)| JourneyOptions {
            lookback_ms: lb.map(|d| d * 3),
            inactivity_timeout_ms: to.map(|d| d * 4),
            collapse_repeats: collapse,
            max_touches: max,
            split_at_conversions: split,
        })
}

fn events() -> impl Strategy<Value = Vec<Ev>> {
    // few customers, touchpoints and instants: ties, conversions at the cut, repeats
    prop::collection::vec((0u8..6, prop::option::of(0u8..4), 0i64..30, prop::bool::weighted(0.25), 0u8..9), 1..70)
        .prop_map(|mut v| {
            for e in &mut v {
                if e.1.is_none() {
                    e.3 = true; // a row with no touchpoint is a conversion
                }
            }
            v
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Appending the events from a cut time on (in one or two batches) equals building from all
    /// of them: journeys, open tails, report, graph counts and credits.
    #[test]
    fn append_equals_rebuild(rows in events(), cut in 0i64..31, cut2 in 0i64..31, opts in options()) {
        let (cut, cut2) = (cut.min(cut2), cut.max(cut2));
        let all = table(&rows);
        let (full, full_rep) = Journeys::build(&all, &opts).unwrap();
        let part = |lo: i64, hi: i64| -> Vec<Ev> { rows.iter().copied().filter(|e| e.2 >= lo && e.2 < hi).collect() };
        let (day1, day2, day3) = (part(i64::MIN, cut), part(cut, cut2), part(cut2, i64::MAX));
        // the rebuild sees the batches in order, as the increments do
        let ordered: Vec<Ev> = day1.iter().chain(&day2).chain(&day3).copied().collect();
        let (rebuilt, rebuilt_rep) = Journeys::build(&table(&ordered), &opts).unwrap();
        if day1.is_empty() {
            return Ok(());
        }
        let (mut inc, _) = Journeys::build(&table(&day1), &opts).unwrap();
        let mut rep = inc.report().unwrap().clone();
        for day in [&day2, &day3] {
            if day.is_empty() {
                continue;
            }
            // through a save and load, as a nightly job does
            let loaded = Journeys::from_bytes(&inc.to_bytes()).unwrap();
            let (next, r, added) = loaded.append(&table(day)).unwrap();
            prop_assert_eq!(added.late_events, 0);
            prop_assert_eq!(added.events_in, day.len());
            prop_assert_eq!(next.report(), Some(&r));
            inc = next;
            rep = r;
        }
        same_journeys(&inc, &rebuilt)?;
        same_report(&rep, &rebuilt_rep)?;
        // the input order within a customer's instant is the only difference from `all`
        prop_assert_eq!(full.len() + full.touch_count() > 0, inc.len() + inc.touch_count() > 0);
        prop_assert_eq!(full_rep.events_in, rep.events_in);
        for order in [1, 2] {
            let (a, b) = (JourneyGraph::from_journeys(&inc, order), JourneyGraph::from_journeys(&rebuilt, order));
            if let (Ok(a), Ok(b)) = (a, b) {
                prop_assert_eq!(a.transition_table(), b.transition_table());
            }
        }
        if rebuilt.total_conversions() > 0.0 {
            let models = [AttributionModel::from_name("linear", &ModelParams::default()).unwrap(),
                AttributionModel::from_name("markov", &ModelParams { order: Some(2), ..Default::default() }).unwrap()];
            let a = compare(Data::Journeys(&inc), &models, &AttributionOptions::default()).unwrap();
            let b = compare(Data::Journeys(&rebuilt), &models, &AttributionOptions::default()).unwrap();
            prop_assert_eq!(a, b);
        }
    }
}

#[test]
fn late_events_are_counted_and_kept_open() {
    let opts = JourneyOptions::default();
    let (j, _) = Journeys::build(
        &table(&[(0, Some(0), 10, false, 0), (0, None, 12, true, 5), (0, Some(1), 14, false, 0)]),
        &opts,
    )
    .unwrap();
    let (next, rep, added) = j.append(&table(&[(0, Some(2), 11, false, 0), (1, Some(0), 20, false, 0)])).unwrap();
    assert_eq!((added.late_events, added.customers_continued, added.customers_new), (1, 1, 1));
    // the converted journey stays closed; the late touch joins the open tail at its time
    let paths: Vec<(Vec<&str>, bool)> = next.iter().map(|x| (next.names(x.touchpoints), x.converted)).collect();
    assert_eq!(paths, [(vec!["t0"], true), (vec!["t2", "t1"], false), (vec!["t0"], false)]);
    assert_eq!(rep.journeys_converting, 1);
    assert_eq!(rep.journeys_non_converting, 2);
    assert_eq!(rep.customers, 2);
    assert_eq!(added.journeys_closed, 0);
}

#[test]
fn appending_needs_journeys_built_from_events() {
    let j = demo_journeys(30, 1);
    let picked = j.select(&[0, 1]);
    let e = picked.append(&table(&[(0, Some(0), 1, false, 0)])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ModelNotApplicable);
    assert!(e.to_string().contains("Journeys::build"), "{e}");
    assert!(j.is_appendable() && !picked.is_appendable());
}

#[test]
fn conversions_at_the_cut_and_lookback_across_it() {
    let d = DAY_MS;
    let opts = JourneyOptions { lookback_ms: Some(10 * d), inactivity_timeout_ms: Some(20 * d), ..Default::default() };
    let rows: Vec<(&str, Option<&str>, i64, bool)> = vec![
        ("a", Some("x"), 0, false),
        ("a", Some("y"), 5 * d, false),
        ("b", Some("x"), 9 * d, false),
        ("a", None, 12 * d, true), // at the cut: x is outside the window that reaches across
        ("b", Some("z"), 12 * d, false),
        ("c", Some("x"), 13 * d, false),
        ("b", None, 40 * d, true), // its touches are all outside the window
    ];
    let mk = |rows: &[(&str, Option<&str>, i64, bool)]| {
        let mut b = EventTable::builder();
        for &(c, t, time, conv) in rows {
            b.push(Event { customer: c, touchpoint: t, time, converted: conv, value: 1.0, feedback: None }).unwrap();
        }
        b.finish().unwrap()
    };
    let (full, full_rep) = Journeys::build(&mk(&rows), &opts).unwrap();
    let (day1, _) = Journeys::build(&mk(&rows[..3]), &opts).unwrap();
    let (inc, rep, added) = day1.append(&mk(&rows[3..])).unwrap();
    assert_eq!(inc.table(">"), full.table(">"));
    // a: x is 12 days before the conversion; b: both touches are older than 10 days
    assert_eq!(rep.touches_outside_lookback, 3);
    assert_eq!(rep.conversions_without_touches, 1);
    same_report(&rep, &full_rep).unwrap();
    assert_eq!((added.customers_continued, added.customers_new, added.journeys_closed), (2, 1, 1));
}

// ---------------------------------------------------------------- scoring

#[test]
fn batch_scores_equal_next_best_and_node_probabilities() {
    let journeys = demo_journeys(800, 11);
    // open journeys: every customer's touches from a second demo run, cut at random lengths
    let open_events = demo::events(&demo::DemoOptions { customers: 300, seed: 12, ..Default::default() }).unwrap();
    for order in 1..=3 {
        let g = JourneyGraph::from_journeys(&journeys, order).unwrap();
        let a = g.analysis().unwrap();
        let cands: Vec<Candidate> =
            g.catalog().names().iter().enumerate().map(|(i, n)| Candidate::new(n.clone(), i as f64 * 0.7)).collect();
        let opts = ScoreOptions { candidates: Some(cands.clone()), top_k: 4, collapse_repeats: false };
        let scorer = Scorer::new(&g, &opts).unwrap();
        let scores = scorer.score_events(&open_events).unwrap();
        assert_eq!(scores.len(), open_events.customer_count());
        let next: Vec<_> = scores.next_rows().collect();
        let mut seen = [0usize; 3];
        // reference: each customer's touches after their last conversion, by hand
        for (ci, row) in scores.rows().enumerate() {
            let mut ev: Vec<(i64, usize)> = (0..open_events.len())
                .filter(|&r| open_events.customers()[r] as usize == ci)
                .map(|r| (open_events.times()[r], r))
                .collect();
            ev.sort_by_key(|&(t, _)| t);
            let from = ev.iter().rposition(|&(_, r)| open_events.converted()[r]).map_or(0, |k| k + 1);
            let names: Vec<&str> = ev[from..]
                .iter()
                .filter_map(|&(_, r)| open_events.touchpoint_of(r).and_then(|t| open_events.catalog().name(t)))
                .collect();
            assert_eq!(row.customer_id, &open_events.customer_names()[ci]);
            assert_eq!(row.touches, names.len());
            let matched = &names[names.len() - row.matched_touches..];
            seen[row.state_match as usize] += 1;
            let nb = next_best(&g, matched, &cands).unwrap();
            assert_eq!(row.state, nb.current_state);
            assert_eq!(row.conversion_probability, nb.current_probability);
            let node = a.nodes.iter().find(|m| m.label == row.state).unwrap();
            assert_eq!(row.conversion_probability, node.conversion_probability);
            assert_eq!(
                row.expected_time_to_convert,
                node.expected_time_to_convert_ms.and_then(crate::rows::DurationMs::within)
            );
            let want: Vec<_> = nb.rows.iter().filter(|r| r.observed).take(4).collect();
            let got: Vec<_> = next.iter().filter(|r| r.customer_id == row.customer_id).collect();
            assert_eq!(got, scores.next_of(ci).collect::<Vec<_>>().iter().collect::<Vec<_>>());
            assert_eq!(got.len(), want.len());
            for (k, (x, y)) in got.iter().zip(&want).enumerate() {
                assert_eq!(x.rank, k + 1);
                assert_eq!((x.touchpoint, x.next_state), (y.touchpoint.as_str(), y.next_state.as_str()));
                assert_eq!(Some(x.conversion_probability), y.conversion_probability);
                assert_eq!(Some(x.uplift), y.uplift);
                assert_eq!(Some(x.expected_value), y.expected_value);
                assert_eq!(Some(x.net_value), y.net_value);
                assert_eq!(x.observed_share, y.observed_share);
                assert_eq!(x.cost, y.cost);
            }
            assert_eq!(row.best_next, want.first().map(|r| r.touchpoint.as_str()));
            // a shorter suffix is used only when the customer's own state was never seen
            if row.state_match != StateMatch::Exact {
                let own = &names[names.len() - names.len().min(order)..];
                assert!(g.find_state(own).is_none());
            }
        }
        assert!(seen[StateMatch::Exact as usize] > 0, "order {order}: {seen:?}");
        if order == 3 {
            assert!(seen[StateMatch::Suffix as usize] > 0, "order {order}: {seen:?}");
        }
    }
}

#[test]
fn scoring_falls_back_and_counts_unknown_touches() {
    let mut p = crate::PathTable::default();
    p.add_path_str("a > b > c", ">", 3.0, 1.0, 30.0).unwrap();
    p.add_path_str("b > a", ">", 1.0, 3.0, 5.0).unwrap();
    p.add_path_str("b", ">", 1.0, 1.0, 5.0).unwrap();
    let g = JourneyGraph::from_paths(&p, 2).unwrap();
    let scorer = Scorer::new(&g, &ScoreOptions::default()).unwrap();
    let mut e = EventTable::builder();
    e.touch("u", "a", 0).unwrap();
    e.touch("u", "b", 1).unwrap(); // state a > b: seen
    e.touch("v", "c", 0).unwrap();
    e.touch("v", "b", 1).unwrap(); // c > b never seen; b is (as a one-touch journey)
    e.touch("w", "zzz", 0).unwrap(); // unknown: scored from the start
    e.touch("x", "a", 0).unwrap();
    e.conversion("x", 1, 1.0).unwrap(); // converted: the open journey is empty
    let e = e.finish().unwrap();
    let s = scorer.score_events(&e).unwrap();
    let rows: Vec<_> = s.rows().collect();
    let m: Vec<(&str, &str, StateMatch, usize)> =
        rows.iter().map(|r| (r.customer_id, r.state, r.state_match, r.unknown_touches)).collect();
    assert_eq!(
        m,
        [
            ("u", "a > b", StateMatch::Exact, 0),
            ("v", "b", StateMatch::Suffix, 0),
            ("w", "(start)", StateMatch::Start, 1),
            ("x", "(start)", StateMatch::Exact, 0),
        ]
    );
    let a = g.analysis().unwrap();
    assert_eq!(rows[2].conversion_probability, a.conversion_probability);
    assert_eq!(rows[2].expected_value, a.expected_value);
    // top_k = 0 scores states only; unknown candidates and negative costs are errors
    let states_only = Scorer::new(&g, &ScoreOptions { top_k: 0, ..Default::default() }).unwrap();
    let only = states_only.score_events(&e).unwrap();
    assert!(only.next_len() == 0 && only.len() == 4);
    let bad = ScoreOptions { candidates: Some(vec![Candidate::new("nope", 1.0)]), ..Default::default() };
    assert_eq!(Scorer::new(&g, &bad).err().unwrap().kind(), ErrorKind::UnknownTouchpoint);
    let bad = ScoreOptions { candidates: Some(vec![Candidate::new("a", -1.0)]), ..Default::default() };
    assert_eq!(Scorer::new(&g, &bad).err().unwrap().kind(), ErrorKind::InvalidValue);
}

#[test]
fn scoring_journeys_scores_each_open_customer() {
    let j = demo_journeys(400, 21);
    let g = JourneyGraph::from_journeys(&j, 2).unwrap();
    let loaded = JourneyGraph::from_bytes(&g.to_bytes().unwrap()).unwrap();
    let opts = ScoreOptions::default();
    let a = Scorer::new(&g, &opts).unwrap();
    let b = Scorer::new(&loaded, &opts).unwrap();
    let (sa, sb) = (a.score_journeys(&j).unwrap(), b.score_journeys(&j).unwrap());
    assert_eq!(sa, sb);
    let open_customers = (0..j.len())
        .filter(|&i| {
            (i + 1 == j.len() || j.journey(i + 1).customer != j.journey(i).customer) && !j.journey(i).converted
        })
        .count();
    assert_eq!(sa.len(), open_customers);
    assert!(sa.rows().all(|r| r.state_match == StateMatch::Exact));
}
