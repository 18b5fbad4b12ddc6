//! Partials: same results as one machine, bit-identical under any partitioning, batch cut, row
//! order and merge tree; fingerprints; wire forms.

use proptest::prelude::*;

use super::*;
use crate::attribution::{ShapleyMethod, compare};
use crate::events::{Event, EventTable};
use crate::rng::SplitMix64;
use crate::{DAY_MS, ErrorKind, Journeys};

const TPS: [&str; 5] = ["display", "email", "search", "social", "store"];

/// One event: customer, touchpoint (None: a pure conversion), time, converted, value.
type Row = (String, Option<&'static str>, i64, bool, f64);

/// A feedback score (NPS) for some touches: a function of the row, so shuffles keep it.
fn feedback_of(r: &Row) -> Option<f32> {
    let h = (r.2 / 1000 + r.0.len() as i64 * 7 + r.1.map_or(0, str::len) as i64) % 13;
    (r.1.is_some() && h <= 10).then_some(h as f32)
}

/// Seeded events: customers with 1–8 touches, ties in time, converting touches and pure
/// conversions, values with fractions.
fn events(seed: u64, customers: usize) -> Vec<Row> {
    let mut r = SplitMix64(seed);
    let mut out = Vec::new();
    for c in 0..customers {
        let name = format!("c{c:03}");
        let mut t = (r.f64() * 5.0 * DAY_MS as f64) as i64;
        for _ in 0..1 + (r.f64() * 8.0) as usize {
            // same instant as the previous event one time in five
            if r.f64() > 0.2 {
                t += (r.f64() * 3.0 * DAY_MS as f64) as i64;
            }
            let tp = TPS[(r.f64() * TPS.len() as f64) as usize % TPS.len()];
            let u = r.f64();
            if u < 0.15 {
                out.push((name.clone(), None, t, true, (r.f64() * 1000.0).round() / 7.0));
            } else if u < 0.25 {
                out.push((name.clone(), Some(tp), t, true, r.f64() * 99.9));
            } else {
                out.push((name.clone(), Some(tp), t, false, 0.0));
            }
        }
    }
    out
}

fn table(rows: &[Row]) -> EventTable {
    let mut b = EventTable::builder();
    for (c, tp, t, conv, v) in rows {
        let feedback = feedback_of(&(c.clone(), *tp, *t, *conv, *v));
        b.push(Event { customer: c, touchpoint: *tp, time: *t, converted: *conv, value: *v, feedback }).unwrap();
    }
    b.finish().unwrap()
}

/// The rows in the canonical order a partial uses (customer, time, touches first, touchpoint
/// name, value), which a single-machine build keeps.
fn canonical(rows: &[Row]) -> Vec<Row> {
    let mut v = rows.to_vec();
    v.sort_by(|a, b| {
        (&a.0, a.2, a.3, a.1.unwrap_or("\u{10FFFF}"))
            .cmp(&(&b.0, b.2, b.3, b.1.unwrap_or("\u{10FFFF}")))
            .then(a.4.total_cmp(&b.4))
    });
    v
}

fn models() -> Vec<AttributionModel> {
    vec![
        AttributionModel::FirstTouch,
        AttributionModel::LastTouch,
        AttributionModel::LastNonDirect,
        AttributionModel::Linear,
        AttributionModel::u_shaped(),
        AttributionModel::time_decay(),
        AttributionModel::Participation,
        AttributionModel::markov(1),
        AttributionModel::markov(2),
        AttributionModel::Markov {
            order: 1,
            allocation: MarkovAllocation::PerJourney,
            value_basis: Default::default(),
        },
        AttributionModel::Shapley,
        AttributionModel::OrderedShapley,
        AttributionModel::ShapleyRate { method: ShapleyMethod::Exact },
        AttributionModel::ShaoLi,
    ]
}

fn spec() -> PartialSpec {
    let opts = JourneyOptions { lookback_ms: Some(9 * DAY_MS), ..Default::default() };
    PartialSpec::new(TPS, opts)
        .unwrap()
        .models(&models())
        .unwrap()
        .graph_orders(&[1, 3])
        .unwrap()
        .with_paths(true)
        .with_experience(Default::default())
}

/// A partition's partial from its rows cut into batches of `batch` rows.
fn build(spec: &PartialSpec, rows: &[Row], batch: usize) -> Partial {
    let mut b = PartialBuilder::new(spec);
    for chunk in rows.chunks(batch.max(1)) {
        b.push(&table(chunk)).unwrap();
    }
    b.finish().unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

/// Everything a partial answers, for bit-for-bit comparison.
/// Credits, transitions (from, to, stats), path rows, report and experience rows.
type Answers = (
    Vec<Credits>,
    Vec<(String, String, EdgeStats)>,
    Vec<crate::PathTableRow>,
    JourneyReport,
    Vec<crate::experience::ExperienceRow>,
);

fn answers(p: &Partial) -> Answers {
    let mut edges = Vec::new();
    for k in [1, 2, 3] {
        let g = p.graph(k).unwrap();
        for t in g.transitions() {
            edges.push((format!("{k}:{}", t.source_label), t.target_label.to_owned(), *t.stats));
        }
    }
    (p.attribute().unwrap(), edges, p.path_table().unwrap().table(" > "), p.report(), p.experience().unwrap().rows)
}

#[test]
fn one_partial_equals_the_single_machine_run() {
    let rows = canonical(&events(11, 300));
    let spec = spec();
    let p = build(&spec, &rows, 37);
    let ev = table(&rows);
    let (js, rep) = Journeys::build(&ev, spec.journey_options()).unwrap();
    let (mut ours, mut theirs) = (p.report(), rep.clone());
    assert!(close(ours.value_without_touches, theirs.value_without_touches));
    (ours.value_without_touches, theirs.value_without_touches) = (0.0, 0.0);
    assert_eq!(ours, theirs, "the build report accounts for the same events");
    let classic = compare(&js, &models(), &Default::default()).unwrap();
    let ours = p.attribute().unwrap();
    for (a, b) in classic.iter().zip(&ours) {
        assert_eq!(a.model, b.model);
        assert_eq!(a.total_conversions, b.total_conversions);
        assert!(close(a.total_value, b.total_value));
        assert_eq!(a.rows.len(), b.rows.len());
        for x in &a.rows {
            let y = b.get(&x.name).unwrap();
            assert!(
                close(x.conversions, y.conversions),
                "{}: {} {} vs {}",
                a.model,
                x.name,
                x.conversions,
                y.conversions
            );
            assert!(close(x.value, y.value), "{}: {} value {} vs {}", a.model, x.name, x.value, y.value);
            assert_eq!(x.touches, y.touches);
            assert_eq!(x.removal_effect.is_some(), y.removal_effect.is_some());
            if let (Some(r), Some(s)) = (x.removal_effect, y.removal_effect) {
                assert!(close(r, s));
            }
        }
    }
    // the graph: same states, counts and dwell times (values to rounding)
    for k in [1, 2, 3] {
        let g = JourneyGraph::from_journeys(&js, k).unwrap();
        let h = p.graph(k).unwrap();
        assert_eq!(g.state_count(), h.state_count());
        let key = |g: &JourneyGraph| {
            let mut v: Vec<(String, String, EdgeStats)> = g
                .transitions()
                .iter()
                .map(|t| (t.source_label.to_owned(), t.target_label.to_owned(), *t.stats))
                .collect();
            v.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
            v
        };
        for (a, b) in key(&g).iter().zip(key(&h)) {
            assert_eq!((&a.0, &a.1), (&b.0, &b.1));
            assert_eq!(a.2.count, b.2.count);
            assert_eq!(
                (a.2.dwell.count, a.2.dwell.sum, a.2.dwell.min, a.2.dwell.max),
                (b.2.dwell.count, b.2.dwell.sum, b.2.dwell.min, b.2.dwell.max)
            );
            assert!(close(a.2.value, b.2.value));
            assert!(close(a.2.dwell.sum_sq, b.2.dwell.sum_sq));
        }
        let (ra, rb) = (g.analysis().unwrap(), h.analysis().unwrap());
        assert!(close(ra.conversion_probability, rb.conversion_probability));
    }
    // the experience table: the same rows, bit for bit (both sum in fixed point)
    let want = crate::experience::experience(&ev, None, &Default::default(), None).unwrap();
    let got = p.experience().unwrap();
    assert_eq!(got.rows, want.rows);
    assert_eq!(got.report, want.report);
    assert!(got.rows.len() > 5);
    // the path table: the same distinct paths and counts
    let pt = PathTable::from_journeys(&js);
    let mut a = pt.table(" > ");
    let mut b = p.path_table().unwrap().table(" > ");
    a.sort_by(|x, y| x.path.cmp(&y.path));
    b.sort_by(|x, y| x.path.cmp(&y.path));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.path, x.conversions, x.nulls), (&y.path, y.conversions, y.nulls));
        assert!(close(x.value, y.value));
    }
}

/// Split customers into `parts` partitions (seeded), shuffle rows within each customer and
/// the customers' order, cut into batches; merge in a seeded tree.
fn partitioned(rows: &[Row], spec: &PartialSpec, parts: usize, batch: usize, seed: u64) -> Partial {
    let mut r = SplitMix64(seed);
    let mut by_customer: Vec<Vec<Row>> = Vec::new();
    for row in rows {
        match by_customer.last_mut() {
            Some(g) if g[0].0 == row.0 => g.push(row.clone()),
            _ => by_customer.push(vec![row.clone()]),
        }
    }
    fn shuffle<T>(v: &mut [T], r: &mut SplitMix64) {
        for i in (1..v.len()).rev() {
            let j = ((r.f64() * (i + 1) as f64) as usize).min(i);
            v.swap(i, j);
        }
    }
    let mut partitions: Vec<Vec<Row>> = vec![Vec::new(); parts];
    shuffle(&mut by_customer, &mut r);
    for mut g in by_customer {
        shuffle(&mut g, &mut r);
        let k = ((r.f64() * parts as f64) as usize).min(parts - 1);
        partitions[k].extend(g);
    }
    let mut built: Vec<Partial> = partitions.iter().map(|rows| build(spec, rows, batch)).collect();
    // merge in a random tree: pick two, merge, put back
    while built.len() > 1 {
        let i = ((r.f64() * built.len() as f64) as usize).min(built.len() - 1);
        let a = built.swap_remove(i);
        let j = ((r.f64() * built.len() as f64) as usize).min(built.len() - 1);
        let mut b = built.swap_remove(j);
        if r.f64() < 0.5 {
            b.merge(&a).unwrap();
            built.push(b);
        } else {
            let mut a = a;
            a.merge(&b).unwrap();
            built.push(a);
        }
    }
    built.pop().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// E14: any split of whole customers, any batch cut, any row order, any merge tree gives
    /// the same bits as one partial.
    #[test]
    fn partitions_batches_and_row_order_do_not_change_a_bit(
        seed in 0u64..1000, parts in 1usize..7, batch in 1usize..40, tree in 0u64..1000,
    ) {
        let rows = canonical(&events(seed, 60));
        let spec = spec();
        let one = build(&spec, &rows, rows.len());
        let many = partitioned(&rows, &spec, parts, batch, tree);
        for (k, c) in &one.cells {
            prop_assert_eq!(Some(c), many.cells.get(k), "cell {:?}", k);
        }
        prop_assert_eq!(one.cells.len(), many.cells.len());
        let (a, b) = (answers(&one), answers(&many));
        prop_assert_eq!(a, b);
    }

    /// Merging is associative and commutative, and the empty partial is its identity.
    #[test]
    fn merge_is_a_commutative_monoid(seed in 0u64..1000) {
        let rows = canonical(&events(seed, 40));
        let spec = spec();
        let third = rows.len() / 3;
        // cut at customer boundaries
        let cut = |i: usize| (i..rows.len()).find(|&j| j == 0 || rows[j].0 != rows[j - 1].0).unwrap_or(rows.len());
        let (c1, c2) = (cut(third), cut(2 * third));
        let (a, b, c) = (build(&spec, &rows[..c1], 5), build(&spec, &rows[c1..c2], 5), build(&spec, &rows[c2..], 5));
        let mut ab_c = a.clone();
        ab_c.merge(&b).unwrap();
        ab_c.merge(&c).unwrap();
        let mut bc = b.clone();
        bc.merge(&c).unwrap();
        let mut a_bc = a.clone();
        a_bc.merge(&bc).unwrap();
        let mut cba = c.clone();
        cba.merge(&b).unwrap();
        cba.merge(&a).unwrap();
        prop_assert_eq!(&ab_c, &a_bc);
        prop_assert_eq!(&ab_c, &cba);
        let mut e = Partial::empty(&spec);
        e.merge(&a).unwrap();
        prop_assert_eq!(&e, &a);
    }
}

#[test]
fn wire_rows_merged_by_an_engine_and_bytes_round_trip() {
    let rows = canonical(&events(5, 80));
    let spec = spec();
    let mid = rows.iter().position(|r| r.0 == "c040").unwrap();
    let (a, b) = (build(&spec, &rows[..mid], 7), build(&spec, &rows[mid..], 9));
    let mut merged = a.clone();
    merged.merge(&b).unwrap();
    // an engine: concatenate both partitions' rows, group by (kind, key), sum every column
    let mut groups: BTreeMap<(String, String), PartialRow> = BTreeMap::new();
    for r in a.rows().unwrap().into_iter().chain(b.rows().unwrap()) {
        match groups.get_mut(&(r.kind.clone(), r.key.clone())) {
            Some(g) => {
                g.n += r.n;
                g.c += r.c;
                g.value_hi += r.value_hi;
                g.value_lo += r.value_lo;
                g.x_hi += r.x_hi;
                g.x_lo += r.x_lo;
                g.dwell_n += r.dwell_n;
                g.dwell_sum_hi += r.dwell_sum_hi;
                g.dwell_sum_lo += r.dwell_sum_lo;
                g.dwell_sq_hi += r.dwell_sq_hi;
                g.dwell_sq_lo += r.dwell_sq_lo;
                g.dwell_min = g.dwell_min.min(r.dwell_min);
                g.dwell_max = g.dwell_max.max(r.dwell_max);
            }
            None => {
                groups.insert((r.kind.clone(), r.key.clone()), r);
            }
        }
    }
    let from_engine = Partial::from_rows(&spec, groups.values()).unwrap();
    assert_eq!(from_engine, merged);
    assert_eq!(from_engine.parts(), 2);
    // unmerged rows are added on reading too
    let rows_ab: Vec<PartialRow> = a.rows().unwrap().into_iter().chain(b.rows().unwrap()).collect();
    assert_eq!(Partial::from_rows(&spec, &rows_ab).unwrap(), merged);
    // bytes
    let bytes = merged.to_bytes();
    let back = Partial::from_bytes(&bytes).unwrap();
    assert_eq!(back, merged);
    assert_eq!(back.to_bytes(), bytes);
    assert_eq!(crate::saved::inspect(&bytes).unwrap().kind, crate::saved::ModelKind::Partial);
    assert_eq!(Partial::merge_bytes([a.to_bytes().as_slice(), b.to_bytes().as_slice()]).unwrap(), Some(merged));
    // damage is caught
    let mut bad = bytes.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x40;
    assert_eq!(Partial::from_bytes(&bad).unwrap_err().kind(), ErrorKind::ModelFile);
}

#[test]
fn different_specs_do_not_merge() {
    let rows = canonical(&events(3, 20));
    let a = build(&spec(), &rows, 10);
    let other = PartialSpec::new(["display", "email", "search", "social", "store", "tv"], spec().journeys.clone())
        .unwrap()
        .models(&models())
        .unwrap();
    let b = build(&other, &rows, 10);
    let mut m = a.clone();
    let e = m.merge(&b).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Incompatible);
    assert!(e.to_string().contains("vocabularies differ"), "{e}");
    let e = Partial::from_rows(&other, &a.rows().unwrap()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Incompatible);
    assert!(e.to_string().contains("fingerprint"), "{e}");
    let lookback = PartialSpec::new(TPS, JourneyOptions::default()).unwrap().models(&models()).unwrap();
    let e = m.merge(&build(&lookback, &rows, 10)).unwrap_err();
    assert!(e.to_string().contains("journey options differ"), "{e}");
    assert_ne!(spec().fingerprint(), lookback.fingerprint());
}

#[test]
fn bad_input_is_named() {
    let spec = spec();
    // a customer again after another one, within one partition
    let rows: Vec<Row> = vec![
        ("a".into(), Some("email"), 1, false, 0.0),
        ("b".into(), Some("email"), 2, false, 0.0),
        ("a".into(), Some("store"), 3, true, 5.0),
        ("c".into(), Some("store"), 4, true, 5.0),
    ];
    let mut b = PartialBuilder::new(&spec);
    b.push(&table(&rows[..2])).unwrap();
    b.push(&table(&rows[2..])).unwrap();
    let e = b.finish().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidValue);
    assert!(e.to_string().contains("the customer of row 0") && e.to_string().contains("row 2"), "{e}");
    assert!(e.to_string().contains("sort within partitions by customer"), "{e}");
    // a touchpoint outside the vocabulary
    let mut b = PartialBuilder::new(&spec);
    let e = b.push(&table(&[("a".into(), Some("radio"), 1, false, 0.0)])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownTouchpoint);
    assert!(e.to_string().contains("radio"), "{e}");
    // a score outside the scale names the batch row and the value
    let csat = crate::experience::ExperienceOptions { scale: crate::experience::Scale::csat(), ..Default::default() };
    let mut b = PartialBuilder::new(&PartialSpec::new(TPS, JourneyOptions::default()).unwrap().with_experience(csat));
    let mut t = EventTable::builder();
    t.push(Event {
        customer: "a",
        touchpoint: Some("email"),
        time: 1,
        converted: false,
        value: 0.0,
        feedback: Some(3.0),
    })
    .unwrap();
    t.push(Event {
        customer: "a",
        touchpoint: Some("store"),
        time: 2,
        converted: true,
        value: 1.0,
        feedback: Some(7.0),
    })
    .unwrap();
    let e = b.push(&t.finish().unwrap()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidValue);
    assert!(
        e.to_string().contains("feedback") && e.to_string().contains("row 1") && e.to_string().contains('7'),
        "{e}"
    );
    // analyses the spec did not count
    let p = build(&spec, &canonical(&events(1, 10)), 4);
    let e = p.graph(4).unwrap_err();
    assert!(e.to_string().contains("graph_orders(&[4])"), "{e}");
    let lean = PartialSpec::new(TPS, JourneyOptions::default()).unwrap();
    let e = build(&lean, &canonical(&events(1, 10)), 4).path_table().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption);
    let e = build(&lean, &canonical(&events(1, 10)), 4).experience().unwrap_err();
    assert!(e.to_string().contains("with_experience"), "{e}");
    // an empty partial has nothing to attribute
    assert_eq!(Partial::empty(&spec).attribute().unwrap_err().kind(), ErrorKind::EmptyInput);
    // a malformed row
    let mut rows = p.rows().unwrap();
    rows[1].key = "99".into();
    assert_eq!(Partial::from_rows(&spec, &rows).unwrap_err().kind(), ErrorKind::Incompatible);
    let e = Partial::from_rows(&spec, &rows[2..]).unwrap_err();
    assert!(e.to_string().contains("no fingerprint row"), "{e}");
    // bad specs
    assert_eq!(
        PartialSpec::new(TPS, JourneyOptions::default()).unwrap().graph_orders(&[0]).unwrap_err().kind(),
        ErrorKind::InvalidOption
    );
    assert_eq!(
        PartialSpec::new(Vec::<String>::new(), JourneyOptions::default()).unwrap_err().kind(),
        ErrorKind::EmptyInput
    );
}

#[test]
fn ties_are_ordered_by_content_not_input_order() {
    // a touch and a conversion at the same instant: the touch belongs to the converting journey
    // whichever comes first in the input; two touches at one instant are ordered by name
    let spec = PartialSpec::new(["email", "search"], JourneyOptions::default())
        .unwrap()
        .models(&[AttributionModel::FirstTouch])
        .unwrap();
    let a: Vec<Row> = vec![
        ("x".into(), None, 5, true, 10.0),
        ("x".into(), Some("search"), 5, false, 0.0),
        ("x".into(), Some("email"), 5, false, 0.0),
    ];
    let mut b = a.clone();
    b.reverse();
    let (pa, pb) = (build(&spec, &a, 3), build(&spec, &b, 1));
    assert_eq!(pa, pb);
    let c = pa.attribute().unwrap();
    assert_eq!(c[0].get("email").unwrap().conversions, 1.0);
    assert_eq!(pa.totals(), (1.0, 1.0, 10.0));
}
