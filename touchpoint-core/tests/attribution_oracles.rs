//! Every number of ORACLES.md E1–E8 through the attribution API.

use touchpoint_core::attribution::{
    AttributionModel as M, AttributionOptions, Credits, MarkovAllocation, ShapleyMethod, ValueBasis, attribute,
    compare, rules, shapley,
};
use touchpoint_core::{DAY_MS, EventTable, JourneyOptions, Journeys, PathTable};

const TOL: f64 = 1e-6;

fn table(rows: &[(&str, f64, f64, f64)]) -> PathTable {
    let mut t = PathTable::default();
    for &(p, c, n, v) in rows {
        t.add_path_str(p, ">", c, n, v).unwrap();
    }
    t
}

fn conv(c: &Credits, name: &str) -> f64 {
    c.get(name).unwrap_or_else(|| panic!("no row {name}")).conversions
}

fn val(c: &Credits, name: &str) -> f64 {
    c.get(name).unwrap().value
}

fn assert_close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < TOL, "{what}: {a} vs {b}");
}

fn opts() -> AttributionOptions {
    AttributionOptions::default()
}

#[test]
fn e1_markov_shares_orders_1_and_2() {
    let t = table(&[("C1 > C2 > C3", 1.0, 0.0, 0.0), ("C1", 0.0, 1.0, 0.0), ("C2 > C3", 0.0, 1.0, 0.0)]);
    for order in [1, 2] {
        let c = attribute(&t, &M::markov(order), &opts()).unwrap();
        for (n, s) in [("C1", 0.2), ("C2", 0.4), ("C3", 0.4)] {
            assert_close(c.get(n).unwrap().share, s, n);
            assert_close(conv(&c, n), s, n);
        }
        assert_close(c.get("C1").unwrap().removal_effect.unwrap(), 0.5, "RE C1");
    }
}

#[test]
fn e2_global_and_per_journey_allocation() {
    let split = table(&[("GA", 2.0, 0.0, 0.0), ("M", 1.0, 0.0, 0.0), ("GA > M", 1.0, 0.0, 0.0), ("GA", 0.0, 1.0, 0.0)]);
    let merged = table(&[("GA", 2.0, 1.0, 0.0), ("M", 1.0, 0.0, 0.0), ("GA > M", 1.0, 0.0, 0.0)]);
    for t in [&split, &merged] {
        let g = attribute(t, &M::markov(1), &opts()).unwrap();
        assert_close(conv(&g, "GA"), 2.4, "global GA");
        assert_close(conv(&g, "M"), 1.6, "global M");
        assert!(g.parameters.contains(&("allocation".into(), "global".into())));
        let pj =
            M::Markov { order: 1, allocation: MarkovAllocation::PerJourney, value_basis: ValueBasis::ConversionShare };
        let o = AttributionOptions { per_journey: true, ..Default::default() };
        let p = attribute(t, &pj, &o).unwrap();
        assert_close(conv(&p, "GA"), 2.6, "per-journey GA");
        assert_close(conv(&p, "M"), 1.4, "per-journey M");
        assert!(p.parameters.contains(&("allocation".into(), "per_journey".into())));
        let per: f64 = p.per_journey.as_ref().unwrap().iter().map(|j| j.conversions).sum();
        assert_close(per, 4.0, "per-journey credits sum");
    }
}

#[test]
fn e3_markov_credited_conversions_and_value() {
    let t = table(&[
        ("A > A > B", 3.0, 0.0, 300.0),
        ("A > C", 1.0, 2.0, 50.0),
        ("B", 0.0, 4.0, 0.0),
        ("C > B", 2.0, 1.0, 120.0),
        ("B > A > C", 1.0, 1.0, 80.0),
    ]);
    let expected = [
        (1, [1.925764, 3.117904, 1.956332], [151.310044, 244.978166, 153.711790]),
        (2, [2.364865, 2.743243, 1.891892], [185.810811, 215.540541, 148.648649]),
    ];
    for (order, cs, vs) in expected {
        let c = attribute(&t, &M::markov(order), &opts()).unwrap();
        for (i, n) in ["A", "B", "C"].iter().enumerate() {
            assert_close(conv(&c, n), cs[i], &format!("order {order} conv {n}"));
            assert_close(val(&c, n), vs[i], &format!("order {order} value {n}"));
        }
        assert_close(c.credited_conversions(), 7.0, "sum");
        assert_close(c.credited_value(), 550.0, "value sum");
    }
}

#[test]
fn e4_simplified_equals_exact_on_the_subset_sum_game() {
    let r =
        [("F", 20.0), ("O", 10.0), ("L", 17.0), ("F > O", 17.0), ("F > L", 30.0), ("L > O", 0.0), ("F > L > O", 6.0)];
    let rows: Vec<(&str, f64, f64, f64)> = r.iter().filter(|x| x.1 > 0.0).map(|&(p, c)| (p, c, 0.0, 0.0)).collect();
    let c = attribute(&table(&rows), &M::Shapley, &opts()).unwrap();
    for (n, e) in [("F", 45.5), ("O", 20.5), ("L", 34.0)] {
        assert_close(conv(&c, n), e, n);
    }
    // exact Shapley of v(S) = Σ_{T⊆S} R(T), players F=0, O=1, L=2
    let rs: [(u64, f64); 7] =
        [(0b001, 20.0), (0b010, 10.0), (0b100, 17.0), (0b011, 17.0), (0b101, 30.0), (0b110, 0.0), (0b111, 6.0)];
    let v = |s: u64| rs.iter().filter(|(t, _)| t & s == *t).map(|(_, x)| x).sum::<f64>();
    let phi = shapley::exact(3, v).unwrap();
    for (i, e) in [45.5, 20.5, 34.0].iter().enumerate() {
        assert_close(phi[i], *e, "exact");
    }
}

fn e5() -> PathTable {
    table(&[
        ("A > B", 2.0, 1.0, 20.0),
        ("B > A", 1.0, 1.0, 10.0),
        ("A > B > A", 1.0, 0.0, 10.0),
        ("C", 1.0, 3.0, 10.0),
        ("B > C", 1.0, 1.0, 10.0),
        ("A", 0.0, 2.0, 0.0),
    ])
}

#[test]
fn e5_shapley_variants_and_shao_li() {
    let t = e5();
    let s = attribute(&t, &M::Shapley, &opts()).unwrap();
    for (n, c, v) in [("A", 2.0, 20.0), ("B", 2.5, 25.0), ("C", 1.5, 15.0)] {
        assert_close(conv(&s, n), c, n);
        assert_close(val(&s, n), v, n);
    }
    let o = attribute(&t, &M::OrderedShapley, &opts()).unwrap();
    let bp = o.by_position.as_ref().unwrap();
    let id = |n: &str| t.catalog().require(n).unwrap().index();
    let expect = [("A", vec![1.25, 0.5, 0.25]), ("B", vec![1.0, 1.5, 0.0]), ("C", vec![1.0, 0.5, 0.0])];
    for (n, row) in expect {
        for (p, e) in row.iter().enumerate() {
            let got = bp[id(n)].iter().find(|x| x.0 == p + 1).map_or(0.0, |x| x.1);
            assert_close(got, *e, &format!("{n} pos {}", p + 1));
        }
    }
    for method in [ShapleyMethod::Exact, ShapleyMethod::Auto] {
        let r = attribute(&t, &M::ShapleyRate { method }, &opts()).unwrap();
        for (n, e) in [("A", -0.097222), ("B", 0.152778), ("C", -0.055556)] {
            assert_close(conv(&r, n), e, n);
        }
        assert!(!r.efficient);
    }
    // sampling agrees within its standard errors
    let r = attribute(&t, &M::ShapleyRate { method: ShapleyMethod::Sampled { samples: 20_000, seed: 3 } }, &opts())
        .unwrap();
    for (n, e) in [("A", -0.097222), ("B", 0.152778), ("C", -0.055556)] {
        let row = r.get(n).unwrap();
        assert!(
            (row.conversions - e).abs() < 5.0 * row.std_error.unwrap() + 1e-9,
            "{n}: {} ± {:?}",
            row.conversions,
            row.std_error
        );
    }
    let sl = attribute(&t, &M::ShaoLi, &opts()).unwrap();
    for (n, e) in [("A", 1.083333), ("B", 1.979167), ("C", 0.437500)] {
        assert_close(conv(&sl, n), e, n);
        assert_close(sl.get(n).unwrap().share, e / 3.5, n);
    }
    assert!(!sl.efficient);
}

#[test]
fn e6_truncation_keeps_the_most_recent_touches() {
    let t = table(&[("a > b > c > x > y", 1.0, 0.0, 10.0)]);
    let o = AttributionOptions { max_touches: Some(2), ..Default::default() };
    let first = attribute(&t, &M::FirstTouch, &o).unwrap();
    assert_eq!(conv(&first, "x"), 1.0, "the oldest kept touch is x, not a");
    assert_eq!(conv(&first, "a"), 0.0);
    let lin = attribute(&t, &M::Linear, &o).unwrap();
    assert_eq!((conv(&lin, "x"), conv(&lin, "y"), conv(&lin, "b")), (0.5, 0.5, 0.0));
    assert!(first.notes.iter().any(|n| n.contains("most recent 2")), "{:?}", first.notes);
    let m = attribute(&t, &M::markov(1), &o).unwrap();
    assert_eq!(conv(&m, "a"), 0.0);
}

#[test]
fn e7_rule_weights() {
    let mut w = Vec::new();
    type Case<'a> = ((f64, f64, f64), [&'a [f64]; 5]);
    let cases: [Case<'_>; 3] = [
        (
            (0.4, 0.2, 0.4),
            [
                &[1.0],
                &[0.5, 0.5],
                &[0.4, 0.2, 0.4],
                &[0.4, 0.1, 0.1, 0.4],
                &[0.4, 0.2 / 3.0, 0.2 / 3.0, 0.2 / 3.0, 0.4],
            ],
        ),
        (
            (0.2, 0.2, 0.6),
            [
                &[1.0],
                &[0.25, 0.75],
                &[0.2, 0.2, 0.6],
                &[0.2, 0.1, 0.1, 0.6],
                &[0.2, 0.2 / 3.0, 0.2 / 3.0, 0.2 / 3.0, 0.6],
            ],
        ),
        (
            (0.6, 0.2, 0.2),
            [
                &[1.0],
                &[0.75, 0.25],
                &[0.6, 0.2, 0.2],
                &[0.6, 0.1, 0.1, 0.2],
                &[0.6, 0.2 / 3.0, 0.2 / 3.0, 0.2 / 3.0, 0.2],
            ],
        ),
    ];
    for ((f, m, l), rows) in cases {
        for (n, expect) in rows.iter().enumerate() {
            rules::position_weights(f, m, l, n + 1, &mut w);
            assert_eq!(w.len(), n + 1);
            for (a, b) in w.iter().zip(expect.iter()) {
                assert_close(*a, *b, &format!("({f},{m},{l}) n={}", n + 1));
            }
        }
    }
    // custom weights are normalised; two touches ignore the middle
    rules::position_weights(2.0, 5.0, 3.0, 2, &mut w);
    assert_close(w[0], 0.4, "custom 2 touches");
    rules::position_weights(2.0, 5.0, 3.0, 4, &mut w);
    assert_eq!(w.iter().map(|x| (x * 1e9).round() / 1e9).collect::<Vec<_>>(), [0.2, 0.25, 0.25, 0.3]);
    // time decay
    let d = DAY_MS;
    rules::time_decay_weights(&[0, 7 * d, 14 * d], 14 * d, 7 * d, &mut w);
    for (a, b) in w.iter().zip([0.142857, 0.285714, 0.571429]) {
        assert_close(*a, b, "decay 14/7/0");
    }
    rules::time_decay_weights(&[0, 6 * d, 13 * d, 14 * d], 14 * d, 7 * d, &mut w);
    for (a, b) in w.iter().zip([0.095837, 0.173604, 0.347209, 0.383350]) {
        assert_close(*a, b, "decay 14/8/1/0");
    }
}

fn e8_events() -> EventTable {
    let d = DAY_MS;
    let mut b = EventTable::builder();
    b.touch("v", "paid search", -9 * d).unwrap();
    b.touch("v", "social", -6 * d).unwrap();
    // email, then display, on the purchase day: events at one instant are in the canonical
    // order (by name), so the example's order is in the times
    b.touch("v", "email", -2).unwrap();
    b.touch("v", "display", -1).unwrap();
    b.conversion("v", 0, 50.0).unwrap();
    b.finish().unwrap()
}

#[test]
fn e8_one_visitor_fifty_dollars() {
    let (js, _) = Journeys::build(&e8_events(), &JourneyOptions::default()).unwrap();
    let models = [M::FirstTouch, M::Linear, M::j_shaped(), M::time_decay(), M::Participation];
    let all = compare(&js, &models, &opts()).unwrap();
    assert_eq!(val(&all[0], "paid search"), 50.0);
    for n in ["paid search", "social", "email", "display"] {
        assert_close(val(&all[1], n), 12.5, n);
        assert_eq!(val(&all[4], n), 50.0);
    }
    for (n, e) in [("display", 30.0), ("paid search", 10.0), ("social", 5.0), ("email", 5.0)] {
        assert_close(val(&all[2], n), e, n);
    }
    for (n, e, s) in
        [("display", 16.88, 0.3376), ("email", 16.88, 0.3376), ("social", 9.32, 0.1864), ("paid search", 6.92, 0.1385)]
    {
        assert!((val(&all[3], n) - e).abs() < 0.005, "{n}: {}", val(&all[3], n));
        assert!((all[3].get(n).unwrap().share - s).abs() < 0.00005, "{n} share");
    }
    assert_eq!(all[4].credited_value(), 200.0);
    assert!(!all[4].efficient);
    // first touch with a 1-day lookback: paid search and social fall outside the window
    let (js1, rep) =
        Journeys::build(&e8_events(), &JourneyOptions { lookback_ms: Some(DAY_MS), ..Default::default() }).unwrap();
    assert_eq!(rep.touches_outside_lookback, 2);
    let f = attribute(&js1, &M::FirstTouch, &opts()).unwrap();
    assert_eq!(val(&f, "email"), 50.0);
}

#[test]
fn models_that_cannot_run_say_why() {
    let t = table(&[("a > b", 0.0, 3.0, 0.0)]);
    let e = attribute(&t, &M::Linear, &opts()).unwrap_err().to_string();
    assert!(e.contains("no conversions"), "{e}");
    let t = table(&[("a > b", 1.0, 3.0, 0.0)]);
    let e = attribute(&t, &M::time_decay(), &opts()).unwrap_err().to_string();
    assert!(e.contains("journeys from events"), "{e}");
    let mut big = PathTable::default();
    let names: Vec<String> = (0..30).map(|i| format!("t{i}")).collect();
    big.add_names(&names, 1.0, 1.0, 0.0).unwrap();
    let e = attribute(&big, &M::ShapleyRate { method: ShapleyMethod::Exact }, &opts()).unwrap_err().to_string();
    assert!(e.contains("sampled") && e.contains("30"), "{e}");
    // auto switches to sampling beyond 24 touchpoints and says so
    let c = attribute(&big, &M::shapley_rate(), &opts()).unwrap();
    assert!(c.notes.iter().any(|n| n.contains("sampled permutations")));
    assert!(c.rows.iter().all(|r| r.std_error.is_some()));
}
