//! The worked examples (ORACLES E11–E13), properties and bad input.

use super::*;
use crate::catalog::{ChannelKind, Stage, TouchpointAttrs};
use crate::events::{CustomerKey, EventTable};

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
    let r = experience_conversion(&e12_events(), None, &ExperienceOptions::default(), ExperienceReference::NotDetractor, None)
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
    let p = experience_conversion(&e12_events(), None, &ExperienceOptions::default(), ExperienceReference::Promoter, None)
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
