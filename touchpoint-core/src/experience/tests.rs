//! The worked examples (ORACLES E11–E13), properties and bad input.

use super::*;
use crate::events::{CustomerKey, EventTable};
use crate::test_util::{only, shuffled};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// E11: store visit and email on the NPS scale, one customer per score.
fn e11_events() -> EventTable {
    let mut b = EventTable::builder();
    let mut i = 0;
    for (tp, scores) in [
        ("store visit", vec![10.0, 9.0, 9.0, 8.0, 7.0, 6.0, 3.0, 10.0, 0.0, 9.0]),
        ("email", vec![10.0, 10.0, 9.0, 8.0, 2.0]),
    ] {
        for x in scores {
            b.push_keyed(CustomerKey::Int(i), Some(tp), 0, false, 0.0, Some(x)).unwrap();
            i += 1;
        }
    }
    b.finish().unwrap()
}

#[test]
fn e11_nps_per_touchpoint_with_intervals() {
    let exp = experience(&e11_events(), None, &ExperienceOptions::default(), None).unwrap();
    let s = exp.get("touchpoint", "store visit").unwrap();
    assert_eq!((s.n, s.promoters, s.passives, s.detractors), (10, 5, 2, 3));
    assert!(close(s.nps.unwrap(), 20.0, 1e-12));
    assert!(close(s.nps_variance.unwrap(), 760.0, 1e-9));
    assert!(close(s.nps_se.unwrap(), 27.568098, 1e-6));
    assert!(close(s.nps_lower.unwrap(), -34.032478, 1e-6));
    assert!(close(s.nps_upper.unwrap(), 74.032478, 1e-6));
    assert!(s.small_n);
    let e = exp.get("touchpoint", "email").unwrap();
    assert_eq!(e.n, 5);
    assert!(close(e.nps.unwrap(), 40.0, 1e-12));
    assert!(close(e.nps_variance.unwrap(), 1280.0, 1e-9));
    assert!(close(e.nps_se.unwrap(), 35.777088, 1e-6));
    assert!(close(e.nps_lower.unwrap(), -30.121803, 1e-6));
    assert_eq!(e.nps_upper, Some(100.0), "clamped");
    let d = &exp.compare(Dimension::Touchpoint, "store visit", "email").unwrap()[0];
    assert!(close(d.nps_difference.unwrap(), -20.0, 1e-12));
    assert!(close(d.nps_difference_se.unwrap(), 45.166359, 1e-6));
    assert!(close(d.nps_z.unwrap(), -0.442807, 1e-6));
    assert!(d.nps_p_value.unwrap() > 0.6);
    // the overall row is every score
    let all = exp.get("all", "all").unwrap();
    assert_eq!(all.n, 15);
}

#[test]
fn e11_csat_mean_and_top_two_box() {
    let mut b = EventTable::builder();
    for (i, x) in [5.0, 4.0, 4.0, 2.0, 1.0, 5.0, 3.0].into_iter().enumerate() {
        b.push_keyed(CustomerKey::Int(i as i64), Some("service centre"), 0, false, 0.0, Some(x)).unwrap();
    }
    let ev = b.finish().unwrap();
    let opts = ExperienceOptions { scale: Scale::csat(), ..Default::default() };
    let exp = experience(&ev, None, &opts, None).unwrap();
    let r = exp.get("touchpoint", "service centre").unwrap();
    assert!(close(r.mean.unwrap(), 3.428571, 1e-6));
    assert!(close(r.mean_se.unwrap(), 0.571429, 1e-6));
    assert!(close(r.top_box.unwrap(), 0.571429, 1e-6));
    assert!(close(r.top_box_lower.unwrap(), 0.250458, 1e-6));
    assert!(close(r.top_box_upper.unwrap(), 0.841780, 1e-6));
}

/// E12: ten journeys (one customer each); four with a detractor touch, one of which converts;
/// six without, four of which convert.
fn e12_events() -> EventTable {
    let mut b = EventTable::builder();
    let journeys: [(&str, Option<f32>, bool); 10] = [
        ("d1", Some(3.0), true),
        ("d2", Some(5.0), false),
        ("d3", Some(0.0), false),
        ("d4", Some(6.0), false),
        ("p1", Some(9.0), true),
        ("p2", Some(10.0), true),
        ("p3", Some(7.0), true),
        ("u1", None, true),
        ("u2", None, false),
        ("u3", Some(8.0), false),
    ];
    for (c, fb, conv) in journeys {
        b.push_keyed(CustomerKey::Str(c), Some("search"), 0, false, 0.0, None).unwrap();
        b.push_keyed(CustomerKey::Str(c), Some("store visit"), 1000, false, 0.0, fb).unwrap();
        if conv {
            b.conversion(c, 2000, 10.0).unwrap();
        }
    }
    b.finish().unwrap()
}

#[test]
fn e12_detractor_journeys_against_the_rest() {
    let r = experience_conversion(
        &e12_events(),
        None,
        &ExperienceOptions::default(),
        ExperienceReference::NotDetractor,
        None,
    )
    .unwrap();
    assert_eq!((r.journeys, r.converting_journeys), (10, 5));
    for row in [r.get(None).unwrap(), r.get(Some("store visit")).unwrap()] {
        assert_eq!((row.detractor_journeys, row.detractor_conversions), (4, 1));
        assert_eq!((row.reference_journeys, row.reference_conversions), (6, 4));
        assert!(close(row.detractor_rate.unwrap(), 0.25, 1e-12));
        assert!(close(row.reference_rate.unwrap(), 0.666667, 1e-6));
        assert!(close(row.difference.unwrap(), -0.416667, 1e-6));
        assert!(close(row.difference_se.unwrap(), 0.289676, 1e-6));
        assert!(close(row.difference_lower.unwrap(), -0.984421, 1e-6));
        assert!(close(row.difference_upper.unwrap(), 0.151087, 1e-6));
        assert!(close(row.risk_ratio.unwrap(), 0.375, 1e-12));
        assert!(close(row.odds_ratio.unwrap(), 0.166667, 1e-6));
        assert!(close(row.odds_ratio_lower.unwrap(), 0.009846, 1e-6));
        assert!(close(row.odds_ratio_upper.unwrap(), 2.821320, 1e-6));
        // promoters: p1, p2 convert: rate 1; gap = 4 × (1 − 0.25)
        assert_eq!((row.promoter_journeys, row.promoter_conversions), (2, 2));
        assert!(close(row.experience_gap.unwrap(), 3.0, 1e-12));
        assert_eq!((row.passive_journeys, row.unscored_journeys), (2, 2));
    }
    // search was never scored: every journey through it is unscored
    let s = r.get(Some("search")).unwrap();
    assert_eq!((s.unscored_journeys, s.detractor_journeys), (10, 0));
    assert_eq!(s.experience_gap, None);
    let p =
        experience_conversion(&e12_events(), None, &ExperienceOptions::default(), ExperienceReference::Promoter, None)
            .unwrap();
    let row = p.get(None).unwrap();
    assert_eq!((row.reference_journeys, row.reference_conversions), (2, 2));
    // every promoter journey converts: infinite reference odds, odds ratio 0 without an interval
    assert_eq!(row.odds_ratio, Some(0.0));
    assert_eq!((row.odds_ratio_lower, row.odds_ratio_upper), (None, None));
}

/// E13: eight customers scored at store, email and app, and an overall score.
fn e13_events() -> EventTable {
    let x1 = [5., 4., 3., 5., 2., 1., 4., 3.];
    let x2 = [3., 4., 2., 5., 3., 2., 5., 1.];
    let x3 = [1., 2., 2., 1., 3., 1., 2., 2.];
    let y = [9., 8., 5., 10., 6., 2., 9., 4.];
    let mut b = EventTable::builder();
    for i in 0..8 {
        let c = CustomerKey::Int(i as i64);
        b.push_keyed(c, Some("store"), 0, false, 0.0, Some(x1[i])).unwrap();
        b.push_keyed(CustomerKey::Int(i as i64), Some("email"), 1, false, 0.0, Some(x2[i])).unwrap();
        b.push_keyed(CustomerKey::Int(i as i64), Some("app"), 2, false, 0.0, Some(x3[i])).unwrap();
        b.push_keyed(CustomerKey::Int(i as i64), Some("overall"), 3, false, 0.0, Some(y[i])).unwrap();
    }
    b.finish().unwrap()
}

#[test]
fn e13_key_drivers_lmg() {
    let kd = KeyDriverOptions { outcome: DriverOutcome::Touchpoint("overall".into()), ..Default::default() };
    let k = key_drivers(&e13_events(), None, &ExperienceOptions::default(), &kd).unwrap();
    assert_eq!(k.customers, 8);
    for (set, want) in [
        (vec!["store"], 0.814257),
        (vec!["email"], 0.714850),
        (vec!["app"], 0.015660),
        (vec!["store", "email"], 0.958511),
        (vec!["store", "app"], 0.845098),
        (vec!["email", "app"], 0.716253),
        (vec!["store", "email", "app"], 0.975786),
    ] {
        assert!(close(k.r_squared_of(&set).unwrap(), want, 1e-6), "{set:?}");
    }
    assert!(close(k.r_squared, 0.975786, 1e-6));
    let imp = |d: &str| k.get(d).unwrap().importance;
    assert!(close(imp("store"), 0.536780, 1e-6));
    assert!(close(imp("email"), 0.422654, 1e-6));
    assert!(close(imp("app"), 0.016352, 1e-6));
    assert!(close(k.get("store").unwrap().share.unwrap(), 0.5501, 1e-4));
    assert!(close(imp("store") + imp("email") + imp("app"), k.r_squared, 1e-12));
    assert_eq!(k.rows[0].driver, "store");
}

fn demo(customers: usize) -> EventTable {
    crate::demo::events(&crate::demo::DemoOptions { customers, ..Default::default() }).unwrap()
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

fn all_results(ev: &EventTable) -> [String; 4] {
    let o = ExperienceOptions::default();
    let kd = KeyDriverOptions { missing: MissingScores::ImputeMean, ..Default::default() };
    [
        json(&experience(ev, None, &o, None).unwrap()),
        json(&experience_conversion(ev, None, &o, ExperienceReference::Promoter, None).unwrap()),
        json(&key_drivers(ev, None, &o, &kd).unwrap()),
        json(&consistency(ev, None, &o).unwrap()),
    ]
}

#[test]
fn row_order_and_thread_count_do_not_change_a_bit() {
    let ev = demo(1_500);
    let want = all_results(&ev);
    let same = |got: [String; 4], what: &str| {
        for (g, w) in got.iter().zip(&want) {
            if let Some(at) = g.bytes().zip(w.bytes()).position(|(a, b)| a != b) {
                let from = at.saturating_sub(150);
                panic!(
                    "{what}: differs at {at}: {} | {}",
                    &g[from..(at + 60).min(g.len())],
                    &w[from..(at + 60).min(w.len())]
                );
            }
            assert_eq!(g.len(), w.len(), "{what}");
        }
    };
    for seed in [1, 2] {
        same(all_results(&shuffled(&ev, seed)), "a shuffle");
    }
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    same(one.install(|| all_results(&ev)), "one thread");
    let three = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
    same(three.install(|| all_results(&ev)), "three threads");
}

#[test]
fn stages_and_channels_add_up_to_the_touchpoints() {
    let exp = experience(&demo(2_000), None, &ExperienceOptions::default(), None).unwrap();
    let total = |d: Dimension| -> (usize, usize, usize) {
        exp.rows_of(d).fold((0, 0, 0), |a, r| (a.0 + r.n, a.1 + r.promoters, a.2 + r.detractors))
    };
    let tp = total(Dimension::Touchpoint);
    assert!(tp.0 > 500, "{tp:?}");
    assert_eq!(total(Dimension::Stage), tp);
    assert_eq!(total(Dimension::Channel), tp);
    let all = exp.get("all", "all").unwrap();
    assert_eq!((all.n, all.promoters, all.detractors), tp);
    for r in &exp.rows {
        assert_eq!(r.promoters + r.passives + r.detractors, r.n);
        assert_eq!(r.small_n, r.n < 30);
        let (lo, hi) = (r.nps_lower.unwrap(), r.nps_upper.unwrap());
        assert!((-100.0..=100.0).contains(&lo) && lo <= r.nps.unwrap() && r.nps.unwrap() <= hi && hi <= 100.0);
    }
}

#[test]
fn per_segment_rows_equal_the_segment_alone() {
    use crate::segment::{SegmentAttribute, Segments};
    let ev = demo(2_000);
    let seg = Segments::by_first_touch(&ev, SegmentAttribute::Channel).unwrap();
    let o = ExperienceOptions::default();
    let by = experience(&ev, None, &o, Some(&seg)).unwrap();
    let conv = experience_conversion(&ev, None, &o, ExperienceReference::NotDetractor, Some(&seg)).unwrap();
    assert!(seg.len() >= 2);
    for label in seg.labels() {
        let alone = only(&ev, &seg, label);
        let a = experience(&alone, None, &o, None).unwrap();
        let mine: Vec<ExperienceRow> = by
            .rows
            .iter()
            .filter(|r| r.segment.as_deref() == Some(label))
            .map(|r| ExperienceRow { segment: None, ..r.clone() })
            .collect();
        assert_eq!(mine, a.rows, "{label}");
        let c = experience_conversion(&alone, None, &o, ExperienceReference::NotDetractor, None).unwrap();
        let mine: Vec<ExperienceConversionRow> = conv
            .rows
            .iter()
            .filter(|r| r.segment.as_deref() == Some(label))
            .map(|r| ExperienceConversionRow { segment: None, ..r.clone() })
            .collect();
        assert_eq!(mine, c.rows, "{label}");
    }
}

#[test]
fn constant_scores_have_zero_variance_not_nan() {
    for (x, nps) in [(10.0, 100.0), (7.0, 0.0), (2.0, -100.0)] {
        let mut b = EventTable::builder();
        for i in 0..40 {
            b.push_keyed(CustomerKey::Int(i), Some("app"), 0, false, 0.0, Some(x)).unwrap();
        }
        let e = experience(&b.finish().unwrap(), None, &ExperienceOptions::default(), None).unwrap();
        let r = e.get("touchpoint", "app").unwrap();
        assert_eq!((r.nps, r.nps_variance, r.nps_lower, r.nps_upper), (Some(nps), Some(0.0), Some(nps), Some(nps)));
        assert_eq!((r.mean, r.mean_se, r.small_n), (Some(x as f64), Some(0.0), false));
    }
}

#[allow(clippy::needless_range_loop)]
/// Textbook OLS R² by the normal equations on the raw data (Gaussian elimination), and LMG by
/// averaging the marginal R² over every order of entry.
fn brute_lmg(x: &[Vec<f64>], y: &[f64]) -> (Vec<f64>, f64) {
    let p = x[0].len();
    let r2 = |set: &[usize]| -> f64 {
        let n = y.len() as f64;
        let ybar = y.iter().sum::<f64>() / n;
        let tss: f64 = y.iter().map(|v| (v - ybar).powi(2)).sum();
        if set.is_empty() {
            return 0.0;
        }
        let k = set.len() + 1;
        let row = |i: usize| -> Vec<f64> { std::iter::once(1.0).chain(set.iter().map(|&j| x[i][j])).collect() };
        let mut a = vec![vec![0.0; k + 1]; k];
        for i in 0..y.len() {
            let r = row(i);
            for u in 0..k {
                for v in 0..k {
                    a[u][v] += r[u] * r[v];
                }
                a[u][k] += r[u] * y[i];
            }
        }
        for c in 0..k {
            let piv = (c..k).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs())).unwrap();
            a.swap(c, piv);
            for i in 0..k {
                if i != c {
                    let f = a[i][c] / a[c][c];
                    for v in c..=k {
                        a[i][v] -= f * a[c][v];
                    }
                }
            }
        }
        let b: Vec<f64> = (0..k).map(|i| a[i][k] / a[i][i]).collect();
        let rss: f64 =
            (0..y.len()).map(|i| (y[i] - row(i).iter().zip(&b).map(|(u, v)| u * v).sum::<f64>()).powi(2)).sum();
        1.0 - rss / tss
    };
    let mut perms = vec![vec![]];
    for j in 0..p {
        perms = perms
            .into_iter()
            .flat_map(|q: Vec<usize>| {
                (0..=q.len()).map(move |at| {
                    let mut q2 = q.clone();
                    q2.insert(at, j);
                    q2
                })
            })
            .collect();
    }
    let mut phi = vec![0.0; p];
    for q in &perms {
        for (i, &j) in q.iter().enumerate() {
            phi[j] += r2(&q[..=i]) - r2(&q[..i]);
        }
    }
    let all: Vec<usize> = (0..p).collect();
    (phi.iter().map(|v| v / perms.len() as f64).collect(), r2(&all))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    #[test]
    fn lmg_equals_the_permutation_average_of_textbook_ols(
        data in proptest::collection::vec((0u8..=10, 0u8..=10, 0u8..=10, 0u8..=10, 0u8..=10), 12..40)
    ) {
        let mut b = EventTable::builder();
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for (i, &(a, bb, c, d, o)) in data.iter().enumerate() {
            let row = [a, bb, c, d];
            for (j, tp) in ["a", "b", "c", "d"].iter().enumerate() {
                b.push_keyed(CustomerKey::Int(i as i64), Some(tp), j as i64, false, 0.0, Some(row[j] as f32)).unwrap();
            }
            b.push_keyed(CustomerKey::Int(i as i64), Some("overall"), 9, false, 0.0, Some(o as f32)).unwrap();
            x.push(row.iter().map(|&v| v as f64).collect::<Vec<f64>>());
            y.push(o as f64);
        }
        let ev = b.finish().unwrap();
        let kd = KeyDriverOptions { outcome: DriverOutcome::Touchpoint("overall".into()), ..Default::default() };
        let k = match key_drivers(&ev, None, &ExperienceOptions::default(), &kd) {
            Ok(k) => k,
            // constant outcome: nothing to explain, and said so
            Err(crate::Error::ModelNotApplicable { .. }) => return Ok(()),
            Err(e) => panic!("{e}"),
        };
        let var = |v: &[f64]| { let m = v.iter().sum::<f64>() / v.len() as f64; v.iter().map(|a| (a - m).powi(2)).sum::<f64>() };
        let degenerate = (0..4).any(|j| var(&x.iter().map(|r| r[j]).collect::<Vec<_>>()) == 0.0);
        proptest::prop_assume!(!degenerate);
        let (phi, r2) = brute_lmg(&x, &y);
        proptest::prop_assert!((k.r_squared - r2).abs() < 1e-7, "{} vs {}", k.r_squared, r2);
        for (j, name) in ["a", "b", "c", "d"].iter().enumerate() {
            proptest::prop_assert!((k.get(name).unwrap().importance - phi[j]).abs() < 1e-7);
        }
        let sum: f64 = k.rows.iter().map(|r| r.importance).sum();
        proptest::prop_assert!((sum - k.r_squared).abs() < 1e-12);
    }
}

/// A naive reading of experience → conversion: sort each customer's rows, cut after each
/// conversion, classify the journey by its worst and best scores.
#[test]
fn conversion_groups_match_a_naive_split() {
    let ev = demo(1_200);
    let fb = ev.feedback().unwrap();
    let mut by: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for r in 0..ev.len() {
        by.entry(ev.customers()[r]).or_default().push(r);
    }
    let (mut det, mut det_conv, mut all, mut conv) = (0, 0, 0, 0);
    let names = ev.catalog().names();
    for rows in by.values_mut() {
        rows.sort_by(|&a, &b| {
            let key = |r: usize| (ev.times()[r], ev.touchpoint_of(r).map_or("", |t| names[t.index()].as_str()));
            key(a).cmp(&key(b))
        });
        let (mut touches, mut has_det) = (0, false);
        for &r in rows.iter() {
            if ev.touchpoint_of(r).is_some() {
                touches += 1;
                has_det |= !fb[r].is_nan() && fb[r] <= 6.0;
            }
            if ev.converted()[r] && touches > 0 {
                all += 1;
                conv += 1;
                det += has_det as usize;
                det_conv += has_det as usize;
                touches = 0;
                has_det = false;
            }
        }
        if touches > 0 {
            all += 1;
            det += has_det as usize;
        }
    }
    let c = experience_conversion(&ev, None, &ExperienceOptions::default(), ExperienceReference::NotDetractor, None)
        .unwrap();
    let any = c.get(None).unwrap();
    assert_eq!((c.journeys, c.converting_journeys), (all, conv));
    assert_eq!((any.detractor_journeys, any.detractor_conversions), (det, det_conv));
    assert_eq!(any.journeys, all);
    // and the journey count is the journey builder's
    let (js, _) = crate::Journeys::build(&ev, &Default::default()).unwrap();
    assert_eq!(js.len(), all);
}

#[test]
fn bad_input_is_named_or_counted() {
    let o = ExperienceOptions::default();
    // out of scale: the row and the value
    let mut b = EventTable::builder();
    b.push_keyed(CustomerKey::Str("a"), Some("app"), 0, false, 0.0, Some(4.0)).unwrap();
    b.push_keyed(CustomerKey::Str("a"), Some("app"), 1, false, 0.0, Some(7.0)).unwrap();
    let ev = b.finish().unwrap();
    let csat = ExperienceOptions { scale: Scale::csat(), ..Default::default() };
    let e = experience(&ev, None, &csat, None).unwrap_err().to_string();
    assert!(e.contains("row 1") && e.contains("\"7\"") && e.contains("csat"), "{e}");
    // no scores at all
    let mut b = EventTable::builder();
    b.touch("a", "app", 0).unwrap();
    let plain = b.finish().unwrap();
    assert!(matches!(experience(&plain, None, &o, None), Err(crate::Error::EmptyInput { .. })));
    // a score on a pure conversion row: error, attach or ignore (counted)
    let mut b = EventTable::builder();
    b.touch("a", "app", 0).unwrap();
    b.push_keyed(CustomerKey::Str("a"), None, 10, true, 5.0, Some(3.0)).unwrap();
    let ev = b.finish().unwrap();
    let e = experience(&ev, None, &o, None).unwrap_err().to_string();
    assert!(e.contains("row 1") && e.contains("conversion_feedback"), "{e}");
    let att = ExperienceOptions { conversion_feedback: ConversionFeedback::Attach, ..Default::default() };
    let x = experience(&ev, None, &att, None).unwrap();
    assert_eq!((x.report.conversion_scores_attached, x.get("touchpoint", "app").unwrap().detractors), (1, 1));
    let ign = ExperienceOptions { conversion_feedback: ConversionFeedback::Ignore, ..Default::default() };
    let e = experience(&ev, None, &ign, None).unwrap_err();
    assert!(matches!(e, crate::Error::EmptyInput { .. }), "the only score was ignored: {e}");
    // surveys: attached, unknown customer, unknown touchpoint, too late, out of scale, NaN
    let mut b = EventTable::builder();
    b.touch("ann", "store", 0).unwrap();
    b.touch("ann", "email", 5 * crate::DAY_MS).unwrap();
    let ev = b.finish().unwrap();
    let mut s = SurveyTable::builder();
    s.push(CustomerKey::Str("ann"), 6 * crate::DAY_MS, 9.0, None).unwrap(); // → email
    s.push(CustomerKey::Str("ann"), 6 * crate::DAY_MS, 2.0, Some("store")).unwrap(); // → store
    s.push(CustomerKey::Str("zoe"), 0, 9.0, None).unwrap();
    s.push(CustomerKey::Str("ann"), 6 * crate::DAY_MS, 9.0, Some("kiosk")).unwrap();
    s.push(CustomerKey::Str("ann"), 90 * crate::DAY_MS, 9.0, None).unwrap(); // beyond 30 days
    s.push(CustomerKey::Str("ann"), -crate::DAY_MS, 9.0, None).unwrap(); // before any touch
    assert!(s.push(CustomerKey::Str("ann"), 0, f64::NAN, None).unwrap_err().to_string().contains("row 6"));
    let surveys = s.finish();
    let x = experience(&ev, Some(&surveys), &o, None).unwrap();
    let r = &x.report;
    assert_eq!(
        (
            r.surveys,
            r.surveys_attached,
            r.surveys_unknown_customer,
            r.surveys_unknown_touchpoint,
            r.surveys_without_touch
        ),
        (6, 2, 1, 1, 2)
    );
    assert_eq!(x.get("touchpoint", "email").unwrap().promoters, 1);
    assert_eq!(x.get("touchpoint", "store").unwrap().detractors, 1);
    let unlimited = ExperienceOptions { survey_window_ms: None, ..Default::default() };
    assert_eq!(experience(&ev, Some(&surveys), &unlimited, None).unwrap().report.surveys_attached, 3);
    let mut s = SurveyTable::builder();
    s.push(CustomerKey::Str("ann"), 0, 11.0, None).unwrap();
    let e = experience(&ev, Some(&s.finish()), &o, None).unwrap_err().to_string();
    assert!(e.contains("`score`") && e.contains("row 0") && e.contains("11"), "{e}");
    // options
    assert!(Scale::custom(0.0, 100.0, 50.0, 80.0).is_err());
    let e = ExperienceSpec::from_json(r#"{"reference": "best"}"#).unwrap_err().to_string();
    assert!(e.contains("reference") && e.contains("not_detractor"), "{e}");
    let e = ExperienceSpec::from_json(r#"{"scale": {"min": 0, "max": 100}}"#).unwrap_err().to_string();
    assert!(e.contains("promoter_min"), "{e}");
    let spec = ExperienceSpec::from_json(
        r#"{"scale": {"min": 0, "max": 100, "promoter_min": 80, "detractor_max": 50},
        "survey_window": "none", "drivers": ["a"], "outcome": "conversion", "missing": "mean", "small_n": 5}"#,
    )
    .unwrap();
    assert_eq!(
        (spec.options.scale.kind, spec.options.survey_window_ms, spec.options.small_n),
        (ScaleKind::Custom, None, 5)
    );
    assert_eq!(spec.key_drivers.missing, MissingScores::ImputeMean);
}

#[test]
fn key_driver_errors_say_what_to_do() {
    let o = ExperienceOptions::default();
    // 21 scored touchpoints
    let mut b = EventTable::builder();
    for c in 0..30 {
        for t in 0..21 {
            b.push_keyed(CustomerKey::Int(c), Some(&format!("tp{t:02}")), t, false, 0.0, Some(((c + t) % 11) as f32))
                .unwrap();
        }
    }
    let ev = b.finish().unwrap();
    let e = key_drivers(&ev, None, &o, &KeyDriverOptions::default()).unwrap_err().to_string();
    assert!(e.contains("up to 20") && e.contains("drivers=") && e.contains("tp20"), "{e}");
    // nobody converts: a constant outcome
    let kd = KeyDriverOptions { drivers: vec!["tp00".into(), "tp01".into()], ..Default::default() };
    let e = key_drivers(&ev, None, &o, &kd).unwrap_err().to_string();
    assert!(e.contains("no variance"), "{e}");
    let kd = KeyDriverOptions { drivers: vec!["nope".into()], ..Default::default() };
    assert!(matches!(key_drivers(&ev, None, &o, &kd), Err(crate::Error::UnknownTouchpoint { .. })));
}

/// `ev`'s rows as segment "a", and a copy with other customers and reversed scores as
/// segment "b": segment "a" must give `ev`'s own figures.
fn with_other_segment(ev: &EventTable) -> (EventTable, crate::segment::Segments) {
    let mut b = EventTable::builder();
    let mut labels = Vec::new();
    for copy in ["a", "b"] {
        for r in ev.rows() {
            let customer = if copy == "a" { r.customer_id.to_owned() } else { format!("b:{}", r.customer_id) };
            let feedback = r.feedback.map(|f| if copy == "a" { f as f32 } else { 10.0 - f as f32 });
            b.push_keyed(CustomerKey::Str(&customer), r.touchpoint, r.timestamp.0, r.converted, r.value, feedback)
                .unwrap();
            labels.push(Some(copy));
        }
    }
    let mut t = b.finish().unwrap();
    t.catalog_mut().apply_attrs(ev.catalog());
    let seg = crate::segment::Segments::from_event_values(&t, &labels).unwrap();
    (t, seg)
}

#[test]
fn e11_and_e12_through_the_segment_machinery() {
    // E11: the NPS rows of segment "a" are the worked example's
    let (ev, seg) = with_other_segment(&e11_events());
    let exp = experience(&ev, None, &ExperienceOptions::default(), Some(&seg)).unwrap();
    let s = exp.get_in(Some("a"), Dimension::Touchpoint, "store visit").unwrap();
    assert_eq!((s.n, s.promoters, s.passives, s.detractors), (10, 5, 2, 3));
    assert!(close(s.nps.unwrap(), 20.0, 1e-12));
    assert!(close(s.nps_lower.unwrap(), -34.032478, 1e-6) && close(s.nps_upper.unwrap(), 74.032478, 1e-6));
    let e = exp.get_in(Some("a"), Dimension::Touchpoint, "email").unwrap();
    assert!(close(e.nps.unwrap(), 40.0, 1e-12));
    assert!(close(e.nps_lower.unwrap(), -30.121803, 1e-6) && e.nps_upper == Some(100.0));
    // segment b holds other figures, so the rows are really per segment
    let sb = exp.get_in(Some("b"), Dimension::Touchpoint, "store visit").unwrap();
    assert_ne!(sb.nps, s.nps);
    // E12: segment "a"'s detractor comparison is the worked example's
    let (ev, seg) = with_other_segment(&e12_events());
    let r =
        experience_conversion(&ev, None, &ExperienceOptions::default(), ExperienceReference::NotDetractor, Some(&seg))
            .unwrap();
    let row = r.rows.iter().find(|x| x.segment.as_deref() == Some("a") && x.touchpoint.is_none()).unwrap();
    assert_eq!((row.detractor_journeys, row.detractor_conversions), (4, 1));
    assert_eq!((row.reference_journeys, row.reference_conversions), (6, 4));
    assert!(close(row.difference_lower.unwrap(), -0.984421, 1e-6));
    assert!(close(row.difference_upper.unwrap(), 0.151087, 1e-6));
    assert!(close(row.odds_ratio_lower.unwrap(), 0.009846, 1e-6));
    assert!(close(row.odds_ratio_upper.unwrap(), 2.821320, 1e-6));
    assert!(close(row.experience_gap.unwrap(), 3.0, 1e-12));
}
