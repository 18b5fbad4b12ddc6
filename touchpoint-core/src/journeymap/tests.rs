//! Tests of the journey map: every number of ORACLES E9 and E10, brute-force references for
//! the funnel and retention (checked against the fast code on random event logs) and the
//! properties the issue lists.

use proptest::prelude::*;

use super::*;
use crate::catalog::{Catalog, Stage, TouchpointAttrs};
use crate::events::{Event, EventTable};
use crate::rows::DurationMs;
use crate::segment::Segments;
use crate::time::DAY_MS;

/// (customer, touchpoint or None for a pure conversion, day or ms, converted)
type Ev = (&'static str, Option<&'static str>, i64, bool);

fn table(rows: &[(String, Option<String>, i64, bool)]) -> EventTable {
    let mut b = EventTable::builder();
    for (c, tp, t, conv) in rows {
        b.push(Event {
            customer: c,
            touchpoint: tp.as_deref(),
            time: *t,
            converted: *conv,
            value: if *conv { 1.0 } else { 0.0 },
            feedback: None,
        })
        .unwrap();
    }
    b.finish().unwrap()
}

fn days(rows: &[Ev]) -> EventTable {
    let owned: Vec<_> =
        rows.iter().map(|&(c, tp, d, conv)| (c.to_owned(), tp.map(str::to_owned), d * DAY_MS, conv)).collect();
    table(&owned)
}

fn e9() -> EventTable {
    let mut rows: Vec<Ev> = Vec::new();
    for (c, evs) in [
        ("u1", vec![(0, "A"), (1, "B"), (2, "C")]),
        ("u2", vec![(0, "A"), (1, "C"), (2, "B")]),
        ("u3", vec![(0, "B"), (1, "A"), (5, "B"), (20, "C")]),
        ("u4", vec![(0, "A"), (15, "A"), (16, "B"), (17, "C")]),
        ("u5", vec![(0, "C")]),
        ("u6", vec![(0, "A"), (3, "B"), (4, "X"), (5, "C")]),
    ] {
        for (d, tp) in evs {
            rows.push((c, Some(tp), d, false));
        }
    }
    days(&rows)
}

fn abc(mode: FunnelMode) -> FunnelOptions {
    FunnelOptions {
        steps: vec![Step::touchpoint("A"), Step::touchpoint("B"), Step::touchpoint("C")],
        mode,
        window_ms: Some(10 * DAY_MS),
        ..Default::default()
    }
}

fn counts(f: &Funnel) -> Vec<usize> {
    f.rows.iter().map(|r| r.units).collect()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-12)
}

#[test]
fn e9_ordered() {
    let f = funnel(&e9(), &abc(FunnelMode::Ordered), None).unwrap();
    assert_eq!(counts(&f), [5, 5, 3]);
    let s = &f.summary[0];
    assert_eq!((s.units, s.entered, s.not_entered, s.excluded, s.completed), (6, 5, 1, 0, 3));
    assert!(close(s.conversion_rate, 0.6));
    assert!(close(f.rows[1].step_rate, 1.0) && close(f.rows[2].step_rate, 0.6));
    assert_eq!(f.rows[0].step_rate, None);
    assert_eq!(f.rows.iter().map(|r| r.drop_off).collect::<Vec<_>>(), [None, Some(0), Some(2)]);
    let reach: Vec<f64> = f.rows.iter().map(|r| r.reach.unwrap()).collect();
    assert!(
        (reach[0] - 5.0 / 6.0).abs() < 1e-12 && (reach[1] - 5.0 / 6.0).abs() < 1e-12 && (reach[2] - 0.5).abs() < 1e-12
    );
    // time from A to C among completers: 2, 2 and 5 days
    assert_eq!(f.rows[2].time_from_first_median, Some(DurationMs(2 * DAY_MS)));
    assert_eq!(f.rows[2].time_from_first_mean, Some(DurationMs(3 * DAY_MS)));
    assert_eq!(f.rows[0].time_from_first_median, None);
}

#[test]
fn e9_strict_any_order_and_exclusion() {
    let strict = funnel(&e9(), &abc(FunnelMode::Strict), None).unwrap();
    assert_eq!(counts(&strict), [5, 4, 2]);
    assert!(close(strict.summary[0].conversion_rate, 0.4));
    assert!(close(strict.rows[1].step_rate, 0.8) && close(strict.rows[2].step_rate, 0.5));

    let any = funnel(&e9(), &abc(FunnelMode::AnyOrder), None).unwrap();
    assert_eq!(counts(&any), [5, 5, 4]);
    assert!(close(any.summary[0].conversion_rate, 0.8));
    assert!(close(any.rows[2].step_rate, 0.8));

    let mut ex = abc(FunnelMode::Ordered);
    ex.exclusions = vec![Exclusion { step: Step::touchpoint("X"), after: 2, before: 3 }];
    let ex = funnel(&e9(), &ex, None).unwrap();
    assert_eq!(counts(&ex), [4, 4, 2]);
    assert!(close(ex.summary[0].conversion_rate, 0.5));
    assert!(close(ex.rows[1].step_rate, 1.0) && close(ex.rows[2].step_rate, 0.5));
    assert_eq!(ex.summary[0].excluded, 1);
    assert_eq!(ex.summary[0].not_entered, 1);
}

#[test]
fn e10_retention_on_and_on_or_after() {
    let mut rows: Vec<Ev> = Vec::new();
    for (c, start, returns) in
        [("c1", 0, vec![1, 3]), ("c2", 0, vec![2]), ("c3", 1, vec![2, 3]), ("c4", 1, vec![]), ("c5", 2, vec![3])]
    {
        rows.push((c, Some("app"), start, false));
        for d in returns {
            rows.push((c, Some("web"), d, false));
        }
    }
    let ev = days(&rows);
    for align in [Alignment::Rolling, Alignment::Calendar] {
        let opts = RetentionOptions { alignment: align, ..Default::default() };
        let r = retention(&ev, &opts, None).unwrap();
        let d = |day: i64| day * DAY_MS;
        let want = [
            (0, [Some(1.0), Some(0.5), Some(0.5), Some(0.5)]),
            (1, [Some(1.0), Some(0.5), Some(0.5), None]),
            (2, [Some(1.0), Some(1.0), None, None]),
        ];
        for (cohort, rates) in want {
            for (k, want) in rates.iter().enumerate() {
                assert_eq!(r.rate(None, d(cohort), k), *want, "cohort {cohort} period {k} ({align})");
            }
        }
        let size: Vec<usize> = r.rows.iter().filter(|x| x.period == 0).map(|x| x.cohort_size).collect();
        assert_eq!(size, [2, 2, 1]);
        let w: Vec<Option<f64>> = r.mean.iter().map(|m| m.weighted_mean).collect();
        assert_eq!(w, [Some(1.0), Some(0.6), Some(0.5), Some(0.5)]);
        assert!(close(r.mean[1].simple_mean, 2.0 / 3.0));
        assert!(close(r.mean[2].simple_mean, 0.5) && close(r.mean[3].simple_mean, 0.5));
        assert_eq!((r.mean[1].retained, r.mean[1].observed), (3, 5));
        assert_eq!((r.mean[2].retained, r.mean[2].observed), (2, 4));
        assert_eq!((r.mean[3].retained, r.mean[3].observed), (1, 2));

        let after = retention(&ev, &RetentionOptions { mode: RetentionMode::OnOrAfter, ..opts }, None).unwrap();
        assert_eq!(after.rate(None, d(0), 1), Some(1.0));
        assert_eq!(after.rate(None, d(0), 2), Some(1.0));
        assert_eq!(after.rate(None, d(0), 3), Some(0.5));
        assert_eq!(after.rate(None, d(1), 1), Some(0.5));
        assert_eq!(after.rate(None, d(1), 2), Some(0.5));
        assert_eq!(after.rate(None, d(1), 3), None);
        assert_eq!(after.rate(None, d(2), 1), Some(1.0));
        assert_eq!(after.rate(None, d(2), 2), None);
    }
}

#[test]
fn e10_repurchase_is_retention_of_conversions() {
    // the same customers, every event a purchase
    let mut rows: Vec<Ev> = Vec::new();
    for (c, start, returns) in
        [("c1", 0, vec![1, 3]), ("c2", 0, vec![2]), ("c3", 1, vec![2, 3]), ("c4", 1, vec![]), ("c5", 2, vec![3])]
    {
        rows.push((c, Some("browse"), start, false));
        rows.push((c, None, start, true));
        for d in returns {
            rows.push((c, None, d, true));
        }
    }
    let ev = days(&rows);
    let r = repurchase(&ev, &RetentionOptions::default(), None).unwrap();
    let w: Vec<Option<f64>> = r.retention.mean.iter().map(|m| m.weighted_mean).collect();
    assert_eq!(w, [Some(1.0), Some(0.6), Some(0.5), Some(0.5)]);
    assert_eq!((r.buyers, r.repeat_buyers, r.purchases), (5, 4, 11));
    assert!(close(r.repeat_rate, 0.8));
    // gaps: c1 1, 2; c2 2; c3 1, 1; c5 1 → median 1 day, mean 8/6 days
    assert_eq!(r.time_between_purchases.n, 6);
    assert_eq!(r.time_between_purchases.median, Some(DurationMs(DAY_MS)));
    assert_eq!(r.time_between_purchases.mean, Some(DurationMs((8 * DAY_MS) / 6)));
    let gaps: Vec<(usize, usize)> = r.gaps.iter().map(|g| (g.periods, g.gaps)).collect();
    assert_eq!(gaps, [(1, 4), (2, 2)]);
}

#[test]
fn stage_funnel_reports_missing_stages() {
    let ev = {
        let mut e = days(&[
            ("a", Some("ad"), 0, false),
            ("a", Some("site"), 1, false),
            ("a", None, 2, true),
            ("b", Some("ad"), 0, false),
            ("a", Some("survey"), 3, false),
            ("c", Some("site"), 0, false),
        ]);
        let cat = e.catalog_mut();
        for (name, stage) in [("ad", Stage::Awareness), ("site", Stage::Purchase), ("survey", Stage::AfterSales)] {
            let id = cat.get(name).unwrap();
            cat.set_attrs(id, TouchpointAttrs { stage: Some(stage), ..Default::default() });
        }
        e
    };
    let f = funnel(&ev, &FunnelOptions::default(), None).unwrap();
    assert_eq!(f.steps, ["stage:awareness", "stage:purchase", "conversion", "stage:after_sales"]);
    assert_eq!(f.stages_without_touchpoints, [Stage::FirstInteraction]);
    assert_eq!(counts(&f), [2, 1, 1, 1]);
    assert!(f.to_string().contains("no touchpoint of the data has stage first_interaction"));
    // naming a stage with no touchpoints is an error that says which stages exist
    let e =
        funnel(&ev, &FunnelOptions { steps: vec![Step::Stage(Stage::FirstInteraction)], ..Default::default() }, None)
            .unwrap_err()
            .to_string();
    assert!(
        e.contains("stage:first_interaction") && e.contains("stages present: awareness, purchase, after_sales"),
        "{e}"
    );
    // no stages at all and no steps
    let plain = days(&[("a", Some("ad"), 0, false)]);
    let e = funnel(&plain, &FunnelOptions::default(), None).unwrap_err().to_string();
    assert!(e.contains("no steps given and the catalog has no stages"), "{e}");
}

#[test]
fn bad_funnel_and_retention_options() {
    let ev = e9();
    let unknown = FunnelOptions { steps: vec![Step::touchpoint("A"), Step::touchpoint("Q")], ..Default::default() };
    assert_eq!(funnel(&ev, &unknown, None).unwrap_err().kind(), crate::ErrorKind::UnknownTouchpoint);
    let e = funnel(&ev, &FunnelOptions { window_ms: Some(0), ..abc(FunnelMode::Ordered) }, None).unwrap_err();
    assert!(e.to_string().contains("window") && e.to_string().contains("positive"), "{e}");
    let bad_ex = FunnelOptions {
        exclusions: vec![Exclusion { step: Step::touchpoint("X"), after: 3, before: 2 }],
        ..abc(FunnelMode::Ordered)
    };
    assert!(funnel(&ev, &bad_ex, None).unwrap_err().to_string().contains("1 <= after < before <= 3"));
    assert!("".parse::<Step>().is_err());
    assert!("stage:nope".parse::<Step>().unwrap_err().to_string().contains("awareness"));
    assert!("0d".parse::<Period>().unwrap_err().to_string().contains("positive"));
    assert!("fortnight".parse::<Period>().is_err());
    assert_eq!("2w".parse::<Period>().unwrap(), Period::Every(14 * DAY_MS));
    let never = RetentionOptions { start: "C | X".parse().unwrap(), ..Default::default() };
    assert!(retention(&ev, &never, None).is_ok());
    let conv = RetentionOptions { start: "conversion".parse().unwrap(), ..Default::default() };
    let e = retention(&ev, &conv, None).unwrap_err().to_string();
    assert!(e.contains("no customer has this start event"), "{e}");
    assert!(step_matrix(&ev, &StepMatrixOptions { steps: 0, ..Default::default() }, None).is_err());
}

#[test]
fn step_parsing_round_trips() {
    for s in ["email", "stage:purchase", "a | b", "conversion", "stage:after_sales"] {
        assert_eq!(s.parse::<Step>().unwrap().to_string(), s);
    }
    assert_eq!("touchpoint:conversion".parse::<Step>().unwrap(), Step::touchpoint("conversion"));
    // names that would read back as something else keep their prefix
    for name in ["conversion", "a | b", "stage:awareness", " padded"] {
        let s = Step::touchpoint(name);
        assert_eq!(s.to_string().parse::<Step>().unwrap(), s, "{name}");
    }
    assert_eq!("first_conversion".parse::<Activity>().unwrap(), Activity::Step(Step::Conversion));
    assert_eq!("any".parse::<Activity>().unwrap(), Activity::Any);
}

#[test]
fn step_matrix_columns_and_centre() {
    let ev = days(&[
        ("a", Some("ad"), 0, false),
        ("a", Some("site"), 1, false),
        ("a", None, 2, true),
        ("b", Some("site"), 0, false),
        ("b", Some("ad"), 1, false),
    ]);
    let m = step_matrix(&ev, &StepMatrixOptions { steps: 3, unit: FunnelUnit::Customer, ..Default::default() }, None)
        .unwrap();
    assert_eq!(m.share(None, 1, "ad"), 0.5);
    assert_eq!(m.share(None, 3, CONVERSION_STATE), 0.5);
    assert_eq!(m.share(None, 3, ENDED_STATE), 0.5);
    let c = StepMatrixOptions {
        steps: 2,
        unit: FunnelUnit::Customer,
        centre: Some(Step::touchpoint("site")),
        ..Default::default()
    };
    let m = step_matrix(&ev, &c, None).unwrap();
    assert_eq!(m.steps, [-2, -1, 0, 1, 2]);
    assert_eq!(m.share(None, 0, "site"), 1.0);
    assert_eq!(m.share(None, -1, "ad"), 0.5);
    assert_eq!(m.share(None, -1, BEFORE_STATE), 0.5);
    assert_eq!(m.share(None, 1, CONVERSION_STATE), 0.5);
    assert_eq!(m.share(None, 1, "ad"), 0.5);
    assert_eq!(m.units_without_centre, 0);
    // segments and their difference
    let seg = Segments::from_event_values(&ev, &[Some("x"), Some("x"), Some("x"), Some("y"), Some("y")]).unwrap();
    let m =
        step_matrix(&ev, &StepMatrixOptions { steps: 2, unit: FunnelUnit::Customer, ..Default::default() }, Some(&seg))
            .unwrap();
    let d = m.difference("x", "y").unwrap();
    let cell = d.iter().find(|r| r.step == 1 && r.state == "ad").unwrap();
    assert_eq!((cell.share_a, cell.share_b, cell.difference), (1.0, 0.0, 1.0));
    assert!(m.difference("x", "z").unwrap_err().to_string().contains("segments: x, y"));
}

#[test]
fn journeys_as_units() {
    // one customer, two journeys: ad > conversion, then ad > site (no conversion)
    let ev = days(&[
        ("a", Some("ad"), 0, false),
        ("a", None, 1, true),
        ("a", Some("ad"), 2, false),
        ("a", Some("site"), 3, false),
    ]);
    let opts = FunnelOptions {
        steps: vec![Step::touchpoint("ad"), Step::Conversion],
        unit: FunnelUnit::Journey,
        ..Default::default()
    };
    let f = funnel(&ev, &opts, None).unwrap();
    assert_eq!(f.summary[0].units, 2);
    assert_eq!(counts(&f), [2, 1]);
    let by_customer = funnel(&ev, &FunnelOptions { unit: FunnelUnit::Customer, ..opts }, None).unwrap();
    assert_eq!(counts(&by_customer), [1, 1]);
}

// ---------------------------------------------------------------------------------------------
// brute-force references

/// A unit's items, built naively: every row expanded (a converting touch is a touch, then a
/// conversion), sorted by (time, conversions after touches, touchpoint name).
fn naive_units(ev: &EventTable) -> Vec<Vec<(i64, Option<String>)>> {
    let mut units: Vec<Vec<(i64, u8, String)>> = vec![Vec::new(); ev.customer_count()];
    for r in ev.rows() {
        let c = ev.customer_names().iter().position(|n| n == r.customer_id).unwrap();
        if let Some(tp) = r.touchpoint {
            units[c].push((r.timestamp.0, 0, tp.to_owned()));
        }
        if r.converted {
            units[c].push((r.timestamp.0, 1, String::new()));
        }
    }
    units
        .into_iter()
        .filter(|u| !u.is_empty())
        .map(|mut u| {
            u.sort();
            u.into_iter().map(|(t, k, n)| (t, if k == 1 { None } else { Some(n) })).collect()
        })
        .collect()
}

fn step_matches(step: &Step, item: &Option<String>, cat: &Catalog) -> bool {
    match (step, item) {
        (Step::Conversion, None) => true,
        (Step::Touchpoint(n), Some(t)) => n == t,
        (Step::AnyOf(ns), Some(t)) => ns.contains(t),
        (Step::Stage(s), Some(t)) => cat.get(t).and_then(|id| cat.attrs(id)).and_then(|a| a.stage) == Some(*s),
        _ => false,
    }
}

/// Every matching of an attempt, by exhaustive search: returns the deepest level and the
/// lexicographically first positions reaching it.
fn dfs(
    u: &[(i64, Option<String>)],
    steps: &[Step],
    cat: &Catalog,
    mode: FunnelMode,
    limit: i64,
    pos: &mut Vec<usize>,
    best: &mut Vec<usize>,
) {
    if pos.len() > best.len() {
        *best = pos.clone();
    }
    let j = pos.len();
    if j == steps.len() {
        return;
    }
    let last = *pos.last().unwrap();
    let range: Vec<usize> = match mode {
        FunnelMode::Strict => vec![last + 1],
        _ => (last + 1..u.len()).collect(),
    };
    for p in range {
        if p < u.len() && u[p].0 <= limit && step_matches(&steps[j], &u[p].1, cat) {
            pos.push(p);
            dfs(u, steps, cat, mode, limit, pos, best);
            pos.pop();
        }
    }
}

/// The reference funnel: (per-step counts, not entered, excluded, per-step sorted times from
/// the previous step).
fn brute_funnel(ev: &EventTable, opts: &FunnelOptions) -> (Vec<usize>, usize, usize, Vec<Vec<i64>>) {
    let cat = ev.catalog();
    let steps = &opts.steps;
    let k = steps.len();
    let mut reached = vec![0; k];
    let mut prev_times = vec![Vec::new(); k];
    let (mut not_entered, mut excluded) = (0, 0);
    for u in naive_units(ev) {
        let mut best: Option<Vec<i64>> = None;
        let mut any_attempt = false;
        for a in 0..u.len() {
            if !step_matches(&steps[0], &u[a].1, cat) {
                continue;
            }
            any_attempt = true;
            let limit = opts.window_ms.map_or(i64::MAX, |w| u[a].0.saturating_add(w));
            // positions of the steps of this attempt
            let mut pos_of: Vec<Option<usize>> = vec![None; k];
            match opts.mode {
                FunnelMode::AnyOrder => {
                    pos_of[0] = Some(a);
                    for j in 1..k {
                        pos_of[j] =
                            (a + 1..u.len()).find(|&p| u[p].0 <= limit && step_matches(&steps[j], &u[p].1, cat));
                    }
                }
                mode => {
                    let mut best_pos = Vec::new();
                    dfs(&u, steps, cat, mode, limit, &mut vec![a], &mut best_pos);
                    for (j, &p) in best_pos.iter().enumerate() {
                        pos_of[j] = Some(p);
                    }
                }
            }
            let void = opts.exclusions.iter().any(|x| {
                let (f, g) = (x.after - 1, x.before - 1);
                let Some(pf) = pos_of[f] else { return false };
                (0..u.len()).any(|q| {
                    step_matches(&x.step, &u[q].1, cat)
                        && match pos_of[g] {
                            Some(pg) => q > pf.min(pg) && q < pf.max(pg),
                            None => q > pf && u[q].0 <= limit,
                        }
                })
            });
            if void {
                continue;
            }
            let mut times: Vec<(usize, i64)> = pos_of.iter().flatten().map(|&p| (p, u[p].0)).collect();
            times.sort();
            let times: Vec<i64> = times.into_iter().map(|t| t.1).collect();
            if best.as_ref().is_none_or(|b| times.len() > b.len()) {
                best = Some(times);
            }
        }
        match best {
            None if any_attempt => excluded += 1,
            None => not_entered += 1,
            Some(times) => {
                for j in 0..times.len() {
                    reached[j] += 1;
                    if j > 0 {
                        prev_times[j].push(times[j] - times[j - 1]);
                    }
                }
            }
        }
    }
    for t in &mut prev_times {
        t.sort();
    }
    (reached, not_entered, excluded, prev_times)
}

const NAMES: [&str; 5] = ["a", "b", "c", "d", "x"];

fn arb_events() -> impl Strategy<Value = Vec<(String, Option<String>, i64, bool)>> {
    prop::collection::vec((0..6u8, 0..6usize, 0..40i64, 0..8u8), 1..60).prop_map(|rows| {
        rows.into_iter()
            .map(|(c, tp, hour, conv)| {
                let tp = if tp == 5 { None } else { Some(NAMES[tp].to_owned()) };
                let converted = tp.is_none() || conv == 0;
                // hours, with ties: several events can share an instant
                (format!("u{c}"), tp, hour * 3_600_000 * 6, converted)
            })
            .collect()
    })
}

fn arb_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..4usize).prop_map(|i| Step::touchpoint(NAMES[i])),
        1 => Just(Step::Conversion),
        1 => Just(Step::AnyOf(vec!["b".into(), "c".into()])),
    ]
}

fn arb_opts() -> impl Strategy<Value = FunnelOptions> {
    (
        prop::collection::vec(arb_step(), 1..5),
        prop_oneof![Just(FunnelMode::Ordered), Just(FunnelMode::Strict), Just(FunnelMode::AnyOrder)],
        prop::option::of(1..60i64),
        prop::option::of((1..4usize, 1..4usize)),
    )
        .prop_map(|(steps, mode, window, excl)| {
            let k = steps.len();
            let exclusions = match excl {
                Some((a, d)) if k >= 2 => {
                    let after = a.min(k - 1);
                    vec![Exclusion { step: Step::touchpoint("x"), after, before: (after + d).min(k) }]
                }
                _ => vec![],
            };
            FunnelOptions {
                steps,
                mode,
                window_ms: window.map(|h| h * 3_600_000 * 6),
                exclusions,
                ..Default::default()
            }
        })
}

/// Events with every name in the catalog (so that random steps are always known).
fn with_all_names(rows: &[(String, Option<String>, i64, bool)]) -> EventTable {
    let mut ev = table(rows);
    for n in NAMES {
        ev.catalog_mut().intern(n);
    }
    ev
}

fn prev_times(f: &Funnel) -> Vec<Vec<i64>> {
    f.rows.iter().map(|r| r.time_from_previous_median.map_or(vec![], |d| vec![d.0])).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn fast_funnel_equals_brute_force(rows in arb_events(), opts in arb_opts()) {
        let ev = with_all_names(&rows);
        let f = funnel(&ev, &opts, None).unwrap();
        let (reached, not_entered, excluded, times) = brute_funnel(&ev, &opts);
        prop_assert_eq!(counts(&f), reached);
        prop_assert_eq!(f.summary[0].not_entered, not_entered);
        prop_assert_eq!(f.summary[0].excluded, excluded);
        for (j, r) in f.rows.iter().enumerate() {
            let mut t = times[j].clone();
            let want = crate::stats::DurationSummary::of(&mut t);
            prop_assert_eq!(r.time_from_previous_median, want.median);
            prop_assert_eq!(r.time_from_previous_p90, want.p90);
        }
    }

    #[test]
    fn funnel_properties(rows in arb_events(), opts in arb_opts()) {
        let ev = with_all_names(&rows);
        let plain = FunnelOptions { exclusions: vec![], ..opts.clone() };
        let run = |mode: FunnelMode| counts(&funnel(&ev, &FunnelOptions { mode, ..plain.clone() }, None).unwrap());
        let (strict, ordered, any) = (run(FunnelMode::Strict), run(FunnelMode::Ordered), run(FunnelMode::AnyOrder));
        for j in 0..ordered.len() {
            prop_assert!(strict[j] <= ordered[j] && ordered[j] <= any[j], "{:?} {:?} {:?}", strict, ordered, any);
            if j > 0 {
                prop_assert!(ordered[j] <= ordered[j - 1]);
                prop_assert!(any[j] <= any[j - 1]);
            }
        }
        // an infinite window is no window
        let inf = funnel(&ev, &FunnelOptions { window_ms: Some(i64::MAX), ..opts.clone() }, None).unwrap();
        let none = funnel(&ev, &FunnelOptions { window_ms: None, ..opts.clone() }, None).unwrap();
        prop_assert_eq!(&inf.rows, &none.rows);
        // events of a touchpoint no step names do not change ordered or any-order counts
        let mut more = rows.clone();
        for (i, r) in rows.iter().enumerate().step_by(2) {
            more.push((r.0.clone(), Some("zz".into()), r.2 + (i as i64 % 3) * 1_000, false));
        }
        let ev2 = with_all_names(&more);
        for mode in [FunnelMode::Ordered, FunnelMode::AnyOrder] {
            let o = FunnelOptions { mode, ..plain.clone() };
            prop_assert_eq!(counts(&funnel(&ev, &o, None).unwrap()), counts(&funnel(&ev2, &o, None).unwrap()));
        }
    }

    #[test]
    fn row_order_and_interning_do_not_matter(rows in arb_events(), opts in arb_opts(), seed in 0..1000u64) {
        let ev = with_all_names(&rows);
        let mut shuffled = rows.clone();
        let mut rng = crate::rng::SplitMix64(seed);
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        // intern the names in reverse order first
        let mut b = EventTable::builder().with_catalog(Catalog::from_names(NAMES.iter().rev()));
        for (c, tp, t, conv) in &shuffled {
            b.push(Event { customer: c, touchpoint: tp.as_deref(), time: *t, converted: *conv, value: 1.0, feedback: None }).unwrap();
        }
        let ev2 = b.finish().unwrap();
        let f1 = funnel(&ev, &opts, None).unwrap();
        let f2 = funnel(&ev2, &opts, None).unwrap();
        prop_assert_eq!(&f1.rows, &f2.rows);
        prop_assert_eq!(&f1.summary, &f2.summary);
        let m = StepMatrixOptions { steps: 4, unit: FunnelUnit::Customer, ..Default::default() };
        let (m1, m2) = (step_matrix(&ev, &m, None).unwrap(), step_matrix(&ev2, &m, None).unwrap());
        let cells = |m: &StepMatrix| {
            let mut v: Vec<(i64, String, usize)> = m.rows.iter().filter(|r| r.units > 0).map(|r| (r.step, r.state.clone(), r.units)).collect();
            v.sort();
            v
        };
        prop_assert_eq!(cells(&m1), cells(&m2));
        let r1 = retention(&ev, &RetentionOptions::default(), None).unwrap();
        let r2 = retention(&ev2, &RetentionOptions::default(), None).unwrap();
        prop_assert_eq!(r1.rows, r2.rows);
    }

    #[test]
    fn one_segment_equals_its_customers_alone(rows in arb_events(), opts in arb_opts()) {
        let ev = with_all_names(&rows);
        let labels: Vec<Option<&str>> = rows.iter().map(|r| Some(if r.0.as_str() < "u3" { "low" } else { "high" })).collect();
        let seg = Segments::from_event_values(&ev, &labels).unwrap();
        let f = funnel(&ev, &opts, Some(&seg)).unwrap();
        for label in ["low", "high"] {
            let alone: Vec<_> = rows.iter().zip(&labels).filter(|(_, l)| **l == Some(label)).map(|(r, _)| r.clone()).collect();
            if alone.is_empty() {
                prop_assert!(f.summary.iter().all(|s| s.segment.as_deref() != Some(label)));
                continue;
            }
            let f1 = funnel(&with_all_names(&alone), &opts, None).unwrap();
            let mine: Vec<FunnelRow> = f.segment_rows(Some(label)).cloned().map(|mut r| { r.segment = None; r }).collect();
            prop_assert_eq!(mine, f1.rows.clone());
        }
    }

    #[test]
    fn retention_matches_brute_force(rows in arb_events(), period_h in prop_oneof![Just(24i64), Just(6), Just(48)], calendar in any::<bool>()) {
        let ev = with_all_names(&rows);
        let period = Period::every(period_h * 3_600_000).unwrap();
        let align = if calendar { Alignment::Calendar } else { Alignment::Rolling };
        for mode in [RetentionMode::On, RetentionMode::OnOrAfter] {
            let opts = RetentionOptions { period, alignment: align, mode, start: "a | b".parse().unwrap(), return_event: "conversion".parse().unwrap(), ..Default::default() };
            let Ok(r) = retention(&ev, &opts, None) else { continue };
            let p = period_h * 3_600_000;
            let end = rows.iter().map(|r| r.2).max().unwrap();
            // brute force: per customer, start = first a/b touch; returns = later conversions
            let mut cells: std::collections::BTreeMap<(i64, usize), (usize, usize, usize)> = Default::default();
            for u in naive_units(&ev) {
                let Some(p0) = u.iter().position(|(_, tp)| matches!(tp.as_deref(), Some("a") | Some("b"))) else { continue };
                let s = u[p0].0;
                let idx = |t: i64| if calendar { t.div_euclid(p) - s.div_euclid(p) } else { (t - s).div_euclid(p) };
                let ks: Vec<i64> = u[p0 + 1..].iter().filter(|(_, tp)| tp.is_none()).map(|(t, _)| idx(*t)).collect();
                let last = idx(end);
                for k in 0..=last.max(0) as usize {
                    let e = cells.entry((s.div_euclid(p), k)).or_default();
                    e.0 += 1;
                    let hit = k == 0 || match mode {
                        RetentionMode::On => ks.contains(&(k as i64)),
                        RetentionMode::OnOrAfter => ks.iter().any(|&x| x >= k as i64),
                    };
                    if hit { e.1 += 1; }
                }
            }
            for row in &r.rows {
                let b = cells.get(&(row.cohort.0.div_euclid(p), row.period)).copied().unwrap_or_default();
                prop_assert_eq!((row.observed, row.retained), (b.0, b.1), "{:?}", row);
                prop_assert_eq!(row.rate.is_none(), b.0 == 0);
            }
            let _ = &mut cells;
        }
        // on or after ≥ on
        let on = retention(&ev, &RetentionOptions { period, alignment: align, ..Default::default() }, None).unwrap();
        let after = retention(&ev, &RetentionOptions { period, alignment: align, mode: RetentionMode::OnOrAfter, ..Default::default() }, None).unwrap();
        for (a, b) in on.rows.iter().zip(&after.rows) {
            prop_assert_eq!((a.cohort, a.period), (b.cohort, b.period));
            prop_assert!(b.retained >= a.retained);
        }
    }

    #[test]
    fn step_matrix_columns_sum_to_one(rows in arb_events(), k in 1..6usize, centred in any::<bool>(), journeys in any::<bool>()) {
        let ev = with_all_names(&rows);
        let unit = if journeys { FunnelUnit::Journey } else { FunnelUnit::Customer };
        let centre = if centred { Some(Step::touchpoint("a")) } else { None };
        let m = step_matrix(&ev, &StepMatrixOptions { steps: k, unit, centre, ..Default::default() }, None).unwrap();
        if m.units[0].1 == 0 { return Ok(()); }
        for &s in &m.steps {
            let sum: f64 = m.rows.iter().filter(|r| r.step == s).map(|r| r.share).sum();
            prop_assert!((sum - 1.0).abs() < 1e-9, "step {} sums to {}", s, sum);
        }
    }
}

#[test]
fn extreme_timestamps_do_not_overflow() {
    let rows = vec![
        ("a".to_owned(), Some("x".to_owned()), i64::MIN, false),
        ("a".to_owned(), Some("y".to_owned()), i64::MAX, false),
        ("a".to_owned(), None, i64::MAX, true),
    ];
    let ev = table(&rows);
    let f = funnel(
        &ev,
        &FunnelOptions { steps: vec![Step::touchpoint("x"), Step::touchpoint("y")], ..Default::default() },
        None,
    )
    .unwrap();
    assert_eq!(counts(&f), [1, 1]);
    assert_eq!(f.rows[1].time_from_previous_median, Some(DurationMs(i64::MAX)));
    let e = retention(&ev, &RetentionOptions { period: Period::Month, periods: Some(3), ..Default::default() }, None);
    assert!(e.unwrap_err().to_string().contains("outside the calendar range"));
    for period in [Period::Day, Period::Week, Period::Every(7)] {
        for alignment in [Alignment::Rolling, Alignment::Calendar] {
            let r =
                retention(&ev, &RetentionOptions { period, alignment, periods: Some(3), ..Default::default() }, None);
            let r = r.unwrap_or_else(|e| panic!("{period} {alignment}: {e}"));
            assert_eq!(r.rows.len(), 4);
            assert_eq!(r.rows[3].rate, Some(0.0)); // the return at i64::MAX is in a period after 3 ...
            let after = RetentionOptions {
                period,
                alignment,
                periods: Some(3),
                mode: RetentionMode::OnOrAfter,
                ..Default::default()
            };
            assert_eq!(retention(&ev, &after, None).unwrap().rows[3].rate, Some(1.0)); // ... so on or after 3
            // without a limit, the span is refused with a message saying what to do
            let e = retention(&ev, &RetentionOptions { period, alignment, ..Default::default() }, None).unwrap_err();
            assert!(e.to_string().contains("pass periods="), "{e}");
        }
    }
}

#[test]
fn the_brute_force_reproduces_e9() {
    let (reached, not_entered, excluded, _) = brute_funnel(&e9(), &abc(FunnelMode::Ordered));
    assert_eq!((reached, not_entered, excluded), (vec![5, 5, 3], 1, 0));
    let (reached, ..) = brute_funnel(&e9(), &abc(FunnelMode::Strict));
    assert_eq!(reached, [5, 4, 2]);
    let (reached, ..) = brute_funnel(&e9(), &abc(FunnelMode::AnyOrder));
    assert_eq!(reached, [5, 5, 4]);
    let _ = prev_times;
}

#[test]
fn funnel_intervals_are_wilson_and_segments_compare_by_the_two_proportion_test() {
    // E9's ordered funnel (5 / 5 / 3 of 6 customers): Wilson intervals of 3/5 and 5/5
    let f = funnel(&e9(), &abc(FunnelMode::Ordered), None).unwrap();
    let c = &f.rows[2];
    let (lo, hi) = crate::stats::wilson(3, 5, crate::stats::Z95).unwrap();
    assert_eq!((c.overall_rate_lower, c.overall_rate_upper), (Some(lo), Some(hi)));
    assert!((lo - 0.230724).abs() < 1e-6 && (hi - 0.882379).abs() < 1e-6, "{lo} {hi}"); // by hand (Python)
    assert_eq!(f.rows[0].step_rate_lower, None, "step 1 has no step rate");
    // two segments with planted rates: 60 % against 30 % completion, 200 customers each
    let mut b = EventTable::builder();
    let mut labels = Vec::new();
    for i in 0..400 {
        let c = format!("c{i}");
        let north = i < 200;
        b.touch(&c, "A", 0).unwrap();
        labels.push(Some(if north { "north" } else { "south" }));
        if (north && i % 10 < 6) || (!north && i % 10 < 3) {
            b.touch(&c, "B", 1).unwrap();
            labels.push(Some(if north { "north" } else { "south" }));
        }
    }
    let ev = b.finish().unwrap();
    let seg = Segments::from_event_values(&ev, &labels).unwrap();
    let opts = FunnelOptions { steps: vec![Step::touchpoint("A"), Step::touchpoint("B")], ..Default::default() };
    let f = funnel(&ev, &opts, Some(&seg)).unwrap();
    let d = f.compare_segments("north", "south").unwrap();
    let r = &d[1];
    assert_eq!((r.units_a, r.units_b), (120, 60));
    assert!((r.difference.unwrap() + 0.3).abs() < 1e-12);
    // pooled z = −0.3 / sqrt(0.45 · 0.55 · (2 / 200)) = −6.03
    let z = -0.3 / (0.45f64 * 0.55 * 0.01).sqrt();
    assert!((r.p_value.unwrap() - crate::stats::normal_p_value(z)).abs() < 1e-15);
    assert!(r.p_value.unwrap() < 1e-8 && r.p_adjusted == r.p_value, "one tested step: BH changes nothing");
    let se = (0.6f64 * 0.4 / 200.0 + 0.3 * 0.7 / 200.0).sqrt();
    assert!((r.difference_lower.unwrap() - (-0.3 - crate::stats::Z95 * se)).abs() < 1e-12);
    assert_eq!(d[0].p_value, None, "step 1 is 100 % in both");
    let e = f.compare_segments("north", "west").unwrap_err();
    assert!(e.to_string().contains("north, south"), "{e}");
}
