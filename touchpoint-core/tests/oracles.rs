//! ORACLES.md E1–E3 at the graph level, from path tables and from equivalent event streams.

use touchpoint_core::{EventTable, JourneyGraph, JourneyOptions, Journeys, PathCsvOptions, PathTable};

const TOL: f64 = 1e-6;

fn table(rows: &[(&str, f64, f64, f64)]) -> PathTable {
    let mut t = PathTable::default();
    for &(p, c, n, v) in rows {
        t.add_path_str(p, ">", c, n, v).unwrap();
    }
    t
}

/// Expand a path table into events: one customer per journey, one touch per hour, the
/// conversion (with its share of the value) one hour after the last touch.
fn expand(rows: &[(&str, f64, f64, f64)]) -> EventTable {
    let mut b = EventTable::builder();
    let mut cust = 0;
    for &(p, c, n, v) in rows {
        let tps: Vec<&str> = p.split('>').map(str::trim).collect();
        for k in 0..(c + n) as usize {
            cust += 1;
            let id = format!("cust{cust}");
            for (i, tp) in tps.iter().enumerate() {
                b.touch(&id, tp, i as i64 * 3_600_000).unwrap();
            }
            if k < c as usize {
                b.conversion(&id, tps.len() as i64 * 3_600_000, v / c).unwrap();
            }
        }
    }
    b.finish().unwrap()
}

fn re(g: &JourneyGraph, name: &str) -> (f64, f64) {
    let r = g.removal_effects().unwrap();
    let e = r.iter().find(|e| e.name == name).unwrap();
    (e.conversions, e.value)
}

fn graphs(rows: &[(&str, f64, f64, f64)], order: usize) -> [JourneyGraph; 2] {
    let from_paths = JourneyGraph::from_paths(&table(rows), order).unwrap();
    let (js, _) = Journeys::build(&expand(rows), &JourneyOptions::default()).unwrap();
    let from_events = JourneyGraph::from_journeys(&js, order).unwrap();
    [from_paths, from_events]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < TOL
}

const E1: &[(&str, f64, f64, f64)] =
    &[("C1 > C2 > C3", 1.0, 0.0, 0.0), ("C1", 0.0, 1.0, 0.0), ("C2 > C3", 0.0, 1.0, 0.0)];

#[test]
fn e1_textbook_orders_1_and_2() {
    for order in [1, 2] {
        for g in graphs(E1, order) {
            assert!(close(g.conversion_probability().unwrap(), 1.0 / 3.0), "order {order}");
            assert!(close(re(&g, "C1").0, 0.5), "order {order}: {:?}", re(&g, "C1"));
            assert!(close(re(&g, "C2").0, 1.0));
            assert!(close(re(&g, "C3").0, 1.0));
        }
    }
}

#[test]
fn e1_transition_probabilities() {
    let g = JourneyGraph::from_paths(&table(E1), 1).unwrap();
    let p = |a: &str, b: &str| {
        g.transitions()
            .iter()
            .find(|t| t.source_label == a && t.target_label == b)
            .map(|t| t.probability)
            .unwrap_or(0.0)
    };
    assert!(close(p("(start)", "C1"), 2.0 / 3.0));
    assert!(close(p("(start)", "C2"), 1.0 / 3.0));
    assert!(close(p("C1", "C2"), 0.5));
    assert!(close(p("C1", "(null)"), 0.5));
    assert!(close(p("C2", "C3"), 1.0));
    assert!(close(p("C3", "(conversion)"), 0.5));
    assert!(close(p("C3", "(null)"), 0.5));
}

#[test]
fn e2_removal_effect_explained_merged_or_split_rows() {
    let split: &[(&str, f64, f64, f64)] =
        &[("GA", 2.0, 0.0, 0.0), ("M", 1.0, 0.0, 0.0), ("GA > M", 1.0, 0.0, 0.0), ("GA", 0.0, 1.0, 0.0)];
    let merged: &[(&str, f64, f64, f64)] = &[("GA", 2.0, 1.0, 0.0), ("M", 1.0, 0.0, 0.0), ("GA > M", 1.0, 0.0, 0.0)];
    for rows in [split, merged] {
        for g in graphs(rows, 1) {
            let a = g.analyze().unwrap();
            assert!(close(a.conversion_probability, 0.8));
            let ga = a.removal_effects.iter().find(|r| r.name == "GA").unwrap();
            let m = a.removal_effects.iter().find(|r| r.name == "M").unwrap();
            assert!(close(ga.conversion_probability_without, 0.2));
            assert!(close(ga.conversions, 0.75));
            assert!(close(m.conversion_probability_without, 0.4));
            assert!(close(m.conversions, 0.5));
            let sum = ga.conversions + m.conversions;
            assert!(close(ga.conversions / sum, 0.6) && close(m.conversions / sum, 0.4));
            assert!(close(4.0 * ga.conversions / sum, 2.4) && close(4.0 * m.conversions / sum, 1.6));
        }
    }
}

const E3: &[(&str, f64, f64, f64)] = &[
    ("A > A > B", 3.0, 0.0, 300.0),
    ("A > C", 1.0, 2.0, 50.0),
    ("B", 0.0, 4.0, 0.0),
    ("C > B", 2.0, 1.0, 120.0),
    ("B > A > C", 1.0, 1.0, 80.0),
];

#[test]
fn e3_repeats_values_orders_1_and_2() {
    let expected = [
        (1, [0.468750, 0.758929, 0.476190], [1.925764, 3.117904, 1.956332], [151.310044, 244.978166, 153.711790]),
        (2, [0.714286, 0.828571, 0.571429], [2.364865, 2.743243, 1.891892], [185.810811, 215.540541, 148.648649]),
    ];
    for (order, res, credited, value) in expected {
        for g in graphs(E3, order) {
            assert!(close(g.conversion_probability().unwrap(), 7.0 / 15.0), "order {order}");
            let r: Vec<f64> = ["A", "B", "C"].iter().map(|n| re(&g, n).0).collect();
            let sum: f64 = r.iter().sum();
            for i in 0..3 {
                assert!(close(r[i], res[i]), "order {order} RE {i}: {} vs {}", r[i], res[i]);
                assert!(close(7.0 * r[i] / sum, credited[i]), "order {order} credited {i}");
                assert!(close(550.0 * r[i] / sum, value[i]), "order {order} value {i}");
            }
        }
    }
}

#[test]
fn e3_order_1_unchanged_by_collapsing_repeats() {
    let collapsed: Vec<(&str, f64, f64, f64)> =
        E3.iter().map(|&(p, c, n, v)| (if p == "A > A > B" { "A > B" } else { p }, c, n, v)).collect();
    let a = JourneyGraph::from_paths(&table(E3), 1).unwrap().analyze().unwrap();
    let b = JourneyGraph::from_paths(&table(&collapsed), 1).unwrap().analyze().unwrap();
    for (x, y) in a.removal_effects.iter().zip(&b.removal_effects) {
        assert!(close(x.conversions, y.conversions) && close(x.value, y.value));
    }
    // and the journey option gives the same as collapsing by hand
    let (js, rep) =
        Journeys::build(&expand(E3), &JourneyOptions { collapse_repeats: true, ..Default::default() }).unwrap();
    assert_eq!(rep.touches_collapsed, 3);
    let c = JourneyGraph::from_journeys(&js, 1).unwrap().analyze().unwrap();
    assert!(close(c.conversion_probability, 7.0 / 15.0));
    for (x, y) in a.removal_effects.iter().zip(&c.removal_effects) {
        assert!(close(x.conversions, y.conversions));
    }
}

#[test]
fn e3_from_the_common_csv_form() {
    let csv = "path,total_conversions,total_conversion_value,total_null\n\
               A > A > B,3,300,0\nA > C,1,50,2\nB,0,0,4\nC > B,2,120,1\nB > A > C,1,80,1\n";
    let t = PathTable::read_csv(csv.as_bytes(), &PathCsvOptions::default()).unwrap();
    assert_eq!(t.canonical(), table(E3).canonical());
    let g = JourneyGraph::from_paths(&t, 2).unwrap();
    assert!(close(re(&g, "B").0, 0.828571));
}
