//! Every `*_json` export on demo data: the keys of every row are the core row's columns
//! (`Row::COLUMNS`, less the optional columns no row has), and the JSON of every core struct has
//! the shape of that struct's own serialisation. The C face's keys are generated from the core
//! structs, so this fails as soon as they could drift.

use std::collections::BTreeSet;
use std::ffi::c_char;
use std::ptr::{null, null_mut};

use serde_json::Value;
use touchpoint::attribution::{touchpoint_comparison as cmp, touchpoint_model_params as params};
use touchpoint::budget::{touchpoint_budget_plan as plan, touchpoint_curve, touchpoint_objective};
use touchpoint::events::touchpoint_event_table as events;
use touchpoint::graph::touchpoint_journey_graph as graph;
use touchpoint::journeymap::{
    touchpoint_funnel as funnel, touchpoint_repurchase as repurchase, touchpoint_retention as retention,
    touchpoint_step_matrix as step_matrix,
};
use touchpoint::journeys::touchpoint_journeys as journeys;
use touchpoint::optimize::touchpoint_candidate;
use touchpoint::paths::touchpoint_path_table as paths;
use touchpoint::touchpoint_result;
use touchpoint_core::attribution::AttributionRow;
use touchpoint_core::graph::{NodeRow, RemovalEffectRow, Sensitivity, TransitionRow};
use touchpoint_core::journeymap::{
    FunnelDiffRow, FunnelRow, FunnelSummary, PurchaseGapRow, RetentionMeanRow, RetentionRow, StepMatrixDiffRow,
    StepMatrixRow,
};
use touchpoint_core::optimize::{
    ConvertingPathRow, NextBestRow, PlanRow, StagePriority, StatePriority, TouchpointPriority,
};
use touchpoint_core::rows::Row;
use touchpoint_core::schema::schemas;
use touchpoint_core::{JourneyReport, SankeyLink, SankeyNode, TopPath};

/// Call a text export: size query, then the text, parsed.
fn text(f: impl Fn(*mut c_char, usize, *mut usize) -> touchpoint_result) -> Value {
    let mut n = 0usize;
    assert_eq!(f(null_mut(), 0, &mut n), touchpoint_result::BufferTooSmall);
    let mut buf = vec![0 as c_char; n + 1];
    let mut m = 0usize;
    assert_eq!(f(buf.as_mut_ptr(), buf.len(), &mut m), touchpoint_result::Ok);
    assert_eq!(m, n);
    let bytes: Vec<u8> = buf[..n].iter().map(|&c| c as u8).collect();
    serde_json::from_slice(&bytes).unwrap()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap_or_else(|| panic!("not an object: {v}")).keys().cloned().collect()
}

/// Every row of `rows` has exactly the columns of `R`, less the optional columns absent from
/// every row; returns the optional columns that were left out.
fn check_rows<R: Row>(what: &str, rows: &Value) -> BTreeSet<String> {
    let rows = rows.as_array().unwrap_or_else(|| panic!("{what}: not an array"));
    assert!(!rows.is_empty(), "{what}: no rows to check");
    let all: BTreeSet<String> = R::COLUMNS.iter().map(|c| c.name.to_owned()).collect();
    let omitted: BTreeSet<String> =
        R::OPTIONAL.iter().map(|c| c.to_string()).filter(|c| rows.iter().all(|r| r.get(c).is_none())).collect();
    let want: BTreeSet<String> = all.difference(&omitted).cloned().collect();
    for r in rows {
        assert_eq!(keys(r), want, "{what}");
    }
    omitted
}

/// `a` has the shape of `b`: the same keys at every level (arrays compared by their first
/// elements).
fn same_shape(what: &str, a: &Value, b: &Value) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(keys(a), keys(b), "{what}");
            for (k, v) in x {
                same_shape(&format!("{what}.{k}"), v, &y[k]);
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if let (Some(p), Some(q)) = (x.first(), y.first()) {
                same_shape(&format!("{what}[0]"), p, q);
            }
        }
        _ => {}
    }
}

struct Demo {
    events: *mut events,
    journeys: *mut journeys,
    paths: *mut paths,
    graph: *mut graph,
    core_journeys: touchpoint_core::Journeys,
    core_graph: touchpoint_core::JourneyGraph,
}

impl Demo {
    /// The demo events pushed through the C API, and what is built from them (the same through
    /// the core for the struct shapes).
    fn new() -> Demo {
        let demo =
            touchpoint_core::demo::events(&touchpoint_core::demo::DemoOptions { customers: 300, ..Default::default() })
                .unwrap();
        unsafe {
            let mut ev = null_mut();
            assert_eq!(events::touchpoint_event_table_new(&mut ev), touchpoint_result::Ok);
            for r in demo.rows() {
                let (tp, tp_len) = r.touchpoint.map_or((null(), 0), |t| (t.as_ptr().cast(), t.len()));
                let fb = r.feedback.unwrap_or(f64::NAN);
                let c = &r.customer_id;
                let code = events::touchpoint_event_table_push(
                    ev,
                    c.as_ptr().cast(),
                    c.len(),
                    tp,
                    tp_len,
                    r.timestamp.0,
                    u8::from(r.converted),
                    r.value,
                    fb,
                );
                assert_eq!(code, touchpoint_result::Ok);
            }
            let (mut j, mut p, mut g) = (null_mut(), null_mut(), null_mut());
            assert_eq!(journeys::touchpoint_journeys_build(ev, null(), &mut j), touchpoint_result::Ok);
            assert_eq!(paths::touchpoint_path_table_from_journeys(j, &mut p), touchpoint_result::Ok);
            assert_eq!(graph::touchpoint_journey_graph_from_journeys(j, 1, &mut g), touchpoint_result::Ok);
            let (core_journeys, _) = touchpoint_core::Journeys::build(&demo, &Default::default()).unwrap();
            let core_graph = touchpoint_core::JourneyGraph::from_journeys(&core_journeys, 1).unwrap();
            Demo { events: ev, journeys: j, paths: p, graph: g, core_journeys, core_graph }
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        unsafe {
            graph::touchpoint_journey_graph_free(self.graph);
            paths::touchpoint_path_table_free(self.paths);
            journeys::touchpoint_journeys_free(self.journeys);
            events::touchpoint_event_table_free(self.events);
        }
    }
}

#[test]
fn journeys_and_paths() {
    let d = Demo::new();
    unsafe {
        let report = text(|b, l, n| journeys::touchpoint_journeys_report_json(d.journeys, b, l, n));
        check_rows::<JourneyReport>("journeys_report_json", &Value::Array(vec![report]));
        for by in 0..3 {
            let top = text(|b, l, n| paths::touchpoint_path_table_top_paths_json(d.paths, 5, by, b, l, n));
            check_rows::<TopPath>("top_paths_json", &top);
            assert_eq!(top.as_array().unwrap().last().unwrap()["remainder"], Value::Bool(true));
        }
        let sankey = text(|b, l, n| paths::touchpoint_path_table_sankey_json(d.paths, 3, 4, b, l, n));
        assert_eq!(keys(&sankey), ["links", "nodes"].map(String::from).into());
        check_rows::<SankeyNode>("sankey_json nodes", &sankey["nodes"]);
        check_rows::<SankeyLink>("sankey_json links", &sankey["links"]);
    }
}

#[test]
fn attribution() {
    let d = Demo::new();
    unsafe {
        let mut p = params::touchpoint_model_params_default();
        p.shapley_method = touchpoint::attribution::touchpoint_shapley_method::Sampled as u32;
        p.shapley_samples = 200;
        let mut c = null_mut();
        let models = "linear,markov,shapley_rate";
        let r = cmp::touchpoint_attribute_journeys(d.journeys, models.as_ptr().cast(), models.len(), &p, &mut c);
        assert_eq!(r, touchpoint_result::Ok);
        let omitted: Vec<BTreeSet<String>> = (0..3)
            .map(|m| {
                let t = text(|b, l, n| cmp::touchpoint_comparison_table_json(c, m, b, l, n));
                check_rows::<AttributionRow>("comparison_table_json", &t)
            })
            .collect();
        let set = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
        let no_interval = ["lower", "upper"];
        let with = |s: &[&str]| set(&[s, &no_interval].concat());
        assert_eq!(omitted[0], with(&["removal_effect", "removal_effect_value", "std_error", "score"]), "linear");
        assert_eq!(omitted[1], with(&["std_error", "score"]), "markov has removal effects");
        assert_eq!(omitted[2], with(&["removal_effect", "removal_effect_value"]), "sampled Shapley: errors, scores");
        let all = text(|b, l, n| cmp::touchpoint_comparison_to_json(c, b, l, n));
        let core = touchpoint_core::attribution::compare(
            touchpoint_core::Data::Journeys(&d.core_journeys),
            &[touchpoint_core::attribution::AttributionModel::Linear],
            &Default::default(),
        )
        .unwrap();
        same_shape("comparison_to_json", &all[0], &serde_json::to_value(&core[0]).unwrap());
        assert_eq!(all[1]["model"], "markov");
        cmp::touchpoint_comparison_free(c);
    }
}

#[test]
fn graph_tables_and_queries() {
    let d = Demo::new();
    let g = d.graph;
    unsafe {
        let summary = text(|b, l, n| graph::touchpoint_journey_graph_summary_json(g, b, l, n));
        same_shape("summary_json", &summary, &serde_json::to_value(d.core_graph.summary().unwrap()).unwrap());
        let doc = text(|b, l, n| graph::touchpoint_journey_graph_to_json(g, b, l, n));
        same_shape("to_json", &doc, &serde_json::from_str(&d.core_graph.to_json()).unwrap());
        let t = text(|b, l, n| graph::touchpoint_journey_graph_transitions_json(g, b, l, n));
        check_rows::<TransitionRow>("transitions_json", &t);
        let t = text(|b, l, n| graph::touchpoint_journey_graph_nodes_json(g, b, l, n));
        check_rows::<NodeRow>("nodes_json", &t);
        let t = text(|b, l, n| graph::touchpoint_journey_graph_removal_effects_json(g, b, l, n));
        check_rows::<RemovalEffectRow>("removal_effects_json", &t);
        let t = text(|b, l, n| graph::touchpoint_journey_graph_sensitivities_json(g, b, l, n));
        check_rows::<Sensitivity>("sensitivities_json", &t);
        let t = text(|b, l, n| graph::touchpoint_journey_graph_prioritize_json(g, 0.5, 0, b, l, n));
        check_rows::<TouchpointPriority>("prioritize_json by touchpoint", &t);
        let t = text(|b, l, n| graph::touchpoint_journey_graph_prioritize_json(g, 0.5, 1, b, l, n));
        check_rows::<StatePriority>("prioritize_json by state", &t);
        // by stage: the demo catalog's stages on a copy of the events
        let cat = touchpoint_core::demo::catalog().to_json();
        let mut staged = null_mut();
        let mut sg = null_mut();
        assert_eq!(
            events::touchpoint_event_table_apply_catalog_json(d.events, cat.as_ptr().cast(), cat.len()),
            touchpoint_result::Ok
        );
        assert_eq!(journeys::touchpoint_journeys_build(d.events, null(), &mut staged), touchpoint_result::Ok);
        assert_eq!(graph::touchpoint_journey_graph_from_journeys(staged, 1, &mut sg), touchpoint_result::Ok);
        let t = text(|b, l, n| graph::touchpoint_journey_graph_prioritize_json(sg, 0.5, 2, b, l, n));
        check_rows::<StagePriority>("prioritize_json by stage", &t);
        graph::touchpoint_journey_graph_free(sg);
        journeys::touchpoint_journeys_free(staged);

        let names = d.core_graph.catalog().names();
        let cands: Vec<touchpoint_candidate> = names
            .iter()
            .map(|s| touchpoint_candidate { touchpoint: s.as_ptr().cast(), touchpoint_len: s.len(), cost: 1.0 })
            .collect();
        let nb = text(|b, l, n| {
            graph::touchpoint_journey_graph_next_best_json(g, null(), 0, cands.as_ptr(), cands.len(), b, l, n)
        });
        let core_nb = touchpoint_core::optimize::next_best(
            &d.core_graph,
            &[],
            &names.iter().map(|s| touchpoint_core::optimize::Candidate::new(s.as_str(), 1.0)).collect::<Vec<_>>(),
        )
        .unwrap();
        same_shape("next_best_json", &nb, &serde_json::to_value(&core_nb).unwrap());
        check_rows::<NextBestRow>("next_best_json rows", &nb["rows"]);
        let t = text(|b, l, n| graph::touchpoint_journey_graph_converting_paths_json(g, null(), 0, 3, 6, b, l, n));
        check_rows::<ConvertingPathRow>("converting_paths_json", &t);
        let t = text(|b, l, n| graph::touchpoint_journey_graph_most_probable_converting_path_json(g, b, l, n));
        let core = touchpoint_core::optimize::most_probable_converting_path(&d.core_graph).unwrap();
        same_shape("most_probable_converting_path_json", &t, &serde_json::to_value(&core).unwrap());
    }
}

#[test]
fn budget_plan() {
    let names = ["search", "social"];
    let curves: Vec<touchpoint_curve> = names
        .iter()
        .map(|s| touchpoint_curve {
            name: s.as_ptr().cast(),
            name_len: s.len(),
            kind: touchpoint::budget::touchpoint_curve_kind::Hill as u32,
            p1: 100.0,
            p2: 0.8,
            p3: 30.0,
            points: null(),
            n_points: 0,
            lower: 0.0,
            upper: f64::NAN,
            locked: f64::NAN,
        })
        .collect();
    let obj = touchpoint_objective { kind: 0, budget: 50.0, value_per_response: 0.0, roi: 0.0 };
    unsafe {
        let mut p = null_mut();
        assert_eq!(plan::touchpoint_allocate_budget(curves.as_ptr(), 2, &obj, 1.0, 0, &mut p), touchpoint_result::Ok);
        let t = text(|b, l, n| plan::touchpoint_budget_plan_table_json(p, b, l, n));
        check_rows::<PlanRow>("budget_plan_table_json", &t);
        let whole = text(|b, l, n| plan::touchpoint_budget_plan_to_json(p, b, l, n));
        let core = touchpoint_core::optimize::allocate_budget(
            &[touchpoint_core::optimize::Curve::new(
                "x",
                touchpoint_core::optimize::ResponseCurve::Hill { beta: 1.0, alpha: 0.5, gamma: 1.0 },
            )],
            touchpoint_core::optimize::Objective::Budget(1.0),
            0.5,
            Default::default(),
        )
        .unwrap();
        same_shape("budget_plan_to_json", &whole, &serde_json::to_value(&core).unwrap());
        plan::touchpoint_budget_plan_free(p);
    }
}

#[test]
fn journey_map() {
    let d = Demo::new();
    let opts = touchpoint_core::demo::DemoOptions { customers: 300, ..Default::default() };
    let mut core_events = touchpoint_core::demo::events(&opts).unwrap();
    // segments: one label per event row, by the customer key's last digit
    let labels: Vec<std::ffi::CString> = core_events
        .rows()
        .map(|r| {
            std::ffi::CString::new(if r.customer_id.ends_with(['0', '2', '4', '6', '8']) { "even" } else { "odd" })
                .unwrap()
        })
        .collect();
    let seg: Vec<*const c_char> = labels.iter().map(|l| l.as_ptr()).collect();
    let catalog = touchpoint_core::demo::catalog().to_json();
    core_events.catalog_mut().apply_attrs(&touchpoint_core::demo::catalog());
    unsafe {
        let r = events::touchpoint_event_table_apply_catalog_json(d.events, catalog.as_ptr().cast(), catalog.len());
        assert_eq!(r, touchpoint_result::Ok);

        // the stage funnel, per segment
        let mut f = null_mut();
        assert_eq!(
            funnel::touchpoint_funnel_build(d.events, null(), seg.as_ptr(), seg.len(), &mut f),
            touchpoint_result::Ok
        );
        let whole = text(|b, l, n| funnel::touchpoint_funnel_to_json(f, b, l, n));
        let core = touchpoint_core::journeymap::funnel(&core_events, &Default::default(), None).unwrap();
        same_shape("funnel_to_json", &whole, &serde_json::to_value(&core).unwrap());
        check_rows::<FunnelRow>("funnel_to_json rows", &whole["rows"]);
        check_rows::<FunnelSummary>("funnel_to_json summary", &whole["summary"]);
        assert_eq!(whole["summary"].as_array().unwrap().len(), 2, "two segments");
        let cmp =
            text(|b, l, n| funnel::touchpoint_funnel_compare_json(f, c"even".as_ptr(), 4, c"odd".as_ptr(), 3, b, l, n));
        check_rows::<FunnelDiffRow>("funnel_compare_json", &cmp);
        funnel::touchpoint_funnel_free(f);

        let mut m = null_mut();
        let r = step_matrix::touchpoint_step_matrix_build(d.events, null(), seg.as_ptr(), seg.len(), &mut m);
        assert_eq!(r, touchpoint_result::Ok);
        let whole = text(|b, l, n| step_matrix::touchpoint_step_matrix_to_json(m, b, l, n));
        let core = touchpoint_core::journeymap::step_matrix(&core_events, &Default::default(), None).unwrap();
        same_shape("step_matrix_to_json", &whole, &serde_json::to_value(&core).unwrap());
        check_rows::<StepMatrixRow>("step_matrix_to_json rows", &whole["rows"]);
        let diff = text(|b, l, n| {
            step_matrix::touchpoint_step_matrix_difference_json(m, c"even".as_ptr(), 4, c"odd".as_ptr(), 3, b, l, n)
        });
        check_rows::<StepMatrixDiffRow>("step_matrix_difference_json", &diff);
        step_matrix::touchpoint_step_matrix_free(m);

        let mut ret = null_mut();
        let r = retention::touchpoint_retention_build(d.events, null(), seg.as_ptr(), seg.len(), &mut ret);
        assert_eq!(r, touchpoint_result::Ok);
        let whole = text(|b, l, n| retention::touchpoint_retention_to_json(ret, b, l, n));
        let core = touchpoint_core::journeymap::retention(&core_events, &Default::default(), None).unwrap();
        same_shape("retention_to_json", &whole, &serde_json::to_value(&core).unwrap());
        check_rows::<RetentionRow>("retention_to_json rows", &whole["rows"]);
        check_rows::<RetentionMeanRow>("retention_to_json mean", &whole["mean"]);
        retention::touchpoint_retention_free(ret);

        let mut rep = null_mut();
        let r = repurchase::touchpoint_repurchase_build(d.events, null(), null(), 0, &mut rep);
        assert_eq!(r, touchpoint_result::Ok);
        let whole = text(|b, l, n| repurchase::touchpoint_repurchase_to_json(rep, b, l, n));
        let core = touchpoint_core::journeymap::repurchase(&core_events, &Default::default(), None).unwrap();
        same_shape("repurchase_to_json", &whole, &serde_json::to_value(&core).unwrap());
        check_rows::<PurchaseGapRow>("repurchase_to_json gaps", &whole["gaps"]);
        check_rows::<RetentionRow>("repurchase_to_json retention rows", &whole["retention"]["rows"]);
        repurchase::touchpoint_repurchase_free(rep);
    }
}

/// The experience results: every row type in the JSON has the core's columns.
#[test]
fn experience() {
    use touchpoint::experience as x;
    use touchpoint_core::experience::{
        ConsistencyRow, ConsistencySummary, ExperienceConversionRow, ExperienceDiffRow, ExperienceRow, FeedbackReport,
        KeyDriverRow,
    };
    let d = Demo::new();
    let catalog = touchpoint_core::demo::catalog().to_json();
    let json = |f: &dyn Fn(*mut *mut c_char) -> touchpoint_result| -> Value {
        let mut out = null_mut();
        assert_eq!(f(&mut out), touchpoint_result::Ok);
        let s = unsafe { std::ffi::CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        unsafe { touchpoint::touchpoint_string_free(out) };
        serde_json::from_str(&s).unwrap()
    };
    let opts = r#"{"missing": "impute_mean"}"#;
    unsafe {
        let r = events::touchpoint_event_table_apply_catalog_json(d.events, catalog.as_ptr().cast(), catalog.len());
        assert_eq!(r, touchpoint_result::Ok);
        let e = json(&|o| x::touchpoint_experience_json(d.events, null(), null(), 0, null(), 0, o));
        check_rows::<ExperienceRow>("experience rows", &e["rows"]);
        check_rows::<FeedbackReport>("experience report", &Value::Array(vec![e["report"].clone()]));
        let (dim, a) = ("all", "all");
        let c = json(&|o| {
            x::touchpoint_experience_compare_json(
                d.events,
                null(),
                null(),
                0,
                null(),
                0,
                dim.as_ptr().cast(),
                dim.len(),
                a.as_ptr().cast(),
                a.len(),
                a.as_ptr().cast(),
                a.len(),
                o,
            )
        });
        check_rows::<ExperienceDiffRow>("experience compare", &c);
        let ec = json(&|o| x::touchpoint_experience_conversion_json(d.events, null(), null(), 0, null(), 0, o));
        check_rows::<ExperienceConversionRow>("experience conversion", &ec["rows"]);
        let k = json(&|o| x::touchpoint_key_drivers_json(d.events, null(), opts.as_ptr().cast(), opts.len(), o));
        check_rows::<KeyDriverRow>("key drivers", &k["rows"]);
        let cs = json(&|o| x::touchpoint_consistency_json(d.events, null(), null(), 0, o));
        check_rows::<ConsistencyRow>("consistency rows", &cs["rows"]);
        check_rows::<ConsistencySummary>("consistency summary", &Value::Array(vec![cs["summary"].clone()]));
    }
}

/// The interval, per-segment and persona results: every row type in the JSON has the core's
/// columns, and the whole objects the shape of the core's structs where the C face writes one.
#[test]
fn segments_and_personas() {
    use touchpoint::segments as s;
    use touchpoint_core::graph::intervals::{GraphIntervalRow, GraphIntervals};
    use touchpoint_core::persona::PersonaRow;
    use touchpoint_core::segmented::{SegmentAttributionRow, SegmentDiffRow, SegmentGraphRow, SegmentTopPathRow};
    let d = Demo::new();
    let json = |f: &dyn Fn(*mut *mut c_char) -> touchpoint_result| -> Value {
        let mut out = null_mut();
        assert_eq!(f(&mut out), touchpoint_result::Ok);
        let s = unsafe { std::ffi::CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        unsafe { touchpoint::touchpoint_string_free(out) };
        serde_json::from_str(&s).unwrap()
    };
    // segments: the customers by the last digit of their key
    let names: Vec<std::ffi::CString> =
        d.core_journeys.customer_names().iter().map(|n| std::ffi::CString::new(n).unwrap()).collect();
    let labels: Vec<&std::ffi::CStr> =
        names.iter().map(|n| if n.to_bytes().ends_with(b"0") { c"tens" } else { c"others" }).collect();
    let np: Vec<*const c_char> = names.iter().map(|n| n.as_ptr()).collect();
    let lp: Vec<*const c_char> = labels.iter().map(|l| l.as_ptr()).collect();
    let n = np.len();
    let boot = r#"{"models": ["markov", "linear"], "bootstrap": 20, "seed": 1}"#;
    let (bp, bl) = (boot.as_ptr().cast::<c_char>(), boot.len());
    unsafe {
        let a = json(&|o| s::touchpoint_attribute_journeys_intervals_json(d.journeys, bp, bl, o));
        for m in a.as_array().unwrap() {
            let omitted = check_rows::<AttributionRow>("attribute_journeys_intervals_json rows", &m["rows"]);
            assert!(!omitted.contains("lower") && !omitted.contains("upper"), "{omitted:?}");
            let k: BTreeSet<String> =
                ["model", "label", "total_journeys", "total_conversions", "total_value", "efficient", "rows", "notes"]
                    .map(String::from)
                    .into();
            assert_eq!(keys(m), k);
        }
        let a = json(&|o| s::touchpoint_attribute_paths_intervals_json(d.paths, bp, bl, o));
        check_rows::<AttributionRow>("attribute_paths_intervals_json rows", &a[0]["rows"]);

        let g = json(&|o| s::touchpoint_graph_intervals_json(d.journeys, bp, bl, o));
        check_rows::<GraphIntervalRow>("graph_intervals_json rows", &g["rows"]);
        let core = GraphIntervals { rows: Vec::new(), notes: Vec::new() };
        same_shape("graph_intervals_json", &g, &serde_json::to_value(&core).unwrap());
        let g = json(&|o| s::touchpoint_graph_paths_intervals_json(d.paths, bp, bl, o));
        check_rows::<GraphIntervalRow>("graph_paths_intervals_json rows", &g["rows"]);

        let by =
            json(&|o| s::touchpoint_attribution_by_segment_json(d.journeys, np.as_ptr(), lp.as_ptr(), n, bp, bl, o));
        let k: BTreeSet<String> = ["segments", "rows", "skipped", "compare", "bootstrap"].map(String::from).into();
        assert_eq!(keys(&by), k);
        check_rows::<SegmentAttributionRow>("attribution_by_segment_json rows", &by["rows"]);
        check_rows::<SegmentDiffRow>("attribution_by_segment_json compare", &by["compare"]);
        let (a, b) = (c"others", c"tens");
        let cmp = json(&|o| {
            s::touchpoint_attribution_segment_compare_json(
                d.journeys,
                np.as_ptr(),
                lp.as_ptr(),
                n,
                a.as_ptr(),
                6,
                b.as_ptr(),
                4,
                bp,
                bl,
                o,
            )
        });
        check_rows::<SegmentDiffRow>("attribution_segment_compare_json", &cmp);

        let gs = json(&|o| s::touchpoint_graph_by_segment_json(d.journeys, np.as_ptr(), lp.as_ptr(), n, bp, bl, o));
        let k: BTreeSet<String> = ["rows", "skipped", "compare", "bootstrap"].map(String::from).into();
        assert_eq!(keys(&gs), k);
        check_rows::<SegmentGraphRow>("graph_by_segment_json rows", &gs["rows"]);
        check_rows::<SegmentDiffRow>("graph_by_segment_json compare", &gs["compare"]);

        let top =
            json(&|o| s::touchpoint_top_paths_by_segment_json(d.journeys, np.as_ptr(), lp.as_ptr(), n, null(), 0, o));
        check_rows::<SegmentTopPathRow>("top_paths_by_segment_json", &top);

        let opts = r#"{"persona": {"k": 3}}"#;
        let p = json(&|o| s::touchpoint_personas_json(d.journeys, opts.as_ptr().cast(), opts.len(), o));
        check_rows::<PersonaRow>("personas_json rows", &p["rows"]);
        let core = touchpoint_core::persona::personas(
            &d.core_journeys,
            &touchpoint_core::persona::PersonaOptions { k: Some(3), ..Default::default() },
        )
        .unwrap();
        let mut want = serde_json::to_value(&core).unwrap();
        want["assignments"] = serde_json::json!([{"customer": "", "persona": ""}]);
        same_shape("personas_json", &p, &want);
    }
}

/// The CRM jobs: the scores' JSON has the core's score columns, the model header the core's
/// `ModelInfo` columns, and the append report struct is the core's `AppendReport` field for
/// field (both destructured exhaustively) with its values.
#[test]
fn scores_model_info_and_append_report() {
    use touchpoint::crm::{touchpoint_append_report, touchpoint_scorer as scorer, touchpoint_scores as scores};
    use touchpoint_core::increment::AppendReport;
    use touchpoint_core::optimize::{ScoreNextRow, ScoreRow};
    use touchpoint_core::saved::ModelInfo;
    let d = Demo::new();
    unsafe {
        let mut sc = null_mut();
        assert_eq!(scorer::touchpoint_scorer_new(d.graph, null(), 0, 3, 0, &mut sc), touchpoint_result::Ok);
        let mut s = null_mut();
        assert_eq!(scorer::touchpoint_scorer_score_events(sc, d.events, &mut s), touchpoint_result::Ok);
        let v = text(|b, l, n| scores::touchpoint_scores_to_json(s, b, l, n));
        assert_eq!(keys(&v), ["next", "rows"].map(String::from).into());
        let omitted = check_rows::<ScoreRow<'static>>("scores_to_json rows", &v["rows"]);
        assert!(omitted.is_empty(), "a graph with times has expected times: {omitted:?}");
        check_rows::<ScoreNextRow<'static>>("scores_to_json next", &v["next"]);
        scores::touchpoint_scores_free(s);
        scorer::touchpoint_scorer_free(sc);

        let mut n = 0usize;
        assert_eq!(
            graph::touchpoint_journey_graph_to_bytes(d.graph, null_mut(), 0, &mut n),
            touchpoint_result::BufferTooSmall
        );
        let mut bytes = vec![0u8; n];
        assert_eq!(
            graph::touchpoint_journey_graph_to_bytes(d.graph, bytes.as_mut_ptr(), n, &mut n),
            touchpoint_result::Ok
        );
        let info = text(|b, l, n| touchpoint::crm::touchpoint_model_info_json(bytes.as_ptr(), bytes.len(), b, l, n));
        check_rows::<ModelInfo>("model_info_json", &Value::Array(vec![info.clone()]));
        assert_eq!(info["kind"], "journey_graph");

        // a batch: an existing customer continues, a new one starts
        let old = d.core_journeys.customer_names()[0].to_string();
        let rows: [(&str, Option<&str>, i64, bool); 3] = [
            (&old, Some("email"), i64::MAX / 2, false),
            (&old, None, i64::MAX / 2 + 1, true),
            ("newcomer", Some("email"), 1, false),
        ];
        let mut ev = null_mut();
        assert_eq!(events::touchpoint_event_table_new(&mut ev), touchpoint_result::Ok);
        let mut core = touchpoint_core::EventTable::builder();
        for (c, tp, t, conv) in rows {
            let (p, l) = tp.map_or((null(), 0), |x| (x.as_ptr().cast(), x.len()));
            let r = events::touchpoint_event_table_push(
                ev,
                c.as_ptr().cast(),
                c.len(),
                p,
                l,
                t,
                u8::from(conv),
                5.0,
                f64::NAN,
            );
            assert_eq!(r, touchpoint_result::Ok);
            core.push(touchpoint_core::Event {
                customer: c,
                touchpoint: tp,
                time: t,
                converted: conv,
                value: 5.0,
                feedback: None,
            })
            .unwrap();
        }
        let mut rep = touchpoint_append_report::default();
        let mut j2 = null_mut();
        assert_eq!(journeys::touchpoint_journeys_append(d.journeys, ev, &mut j2, &mut rep), touchpoint_result::Ok);
        let touchpoint_append_report { events_in, customers_continued, customers_new, journeys_closed, late_events } =
            rep;
        let from_c = AppendReport { events_in, customers_continued, customers_new, journeys_closed, late_events };
        let (_, _, want) = d.core_journeys.append(&core.finish().unwrap()).unwrap();
        assert_eq!(from_c, want);
        assert_eq!((from_c.customers_continued, from_c.customers_new), (1, 1));
        journeys::touchpoint_journeys_free(j2);
        events::touchpoint_event_table_free(ev);
    }
}

/// A partial built from the demo events: its report JSON has the core `JourneyReport`'s keys
/// and its attribution the `AttributionRow` columns.
#[test]
fn partial_report_and_attribution() {
    use touchpoint::partial::touchpoint_partial_spec as spec;
    use touchpoint::partial::{touchpoint_partial as partial, touchpoint_partial_builder as builder};
    let d = Demo::new();
    let names: Vec<std::ffi::CString> =
        d.core_journeys.catalog().names().iter().map(|n| std::ffi::CString::new(n.as_str()).unwrap()).collect();
    let ptrs: Vec<*const c_char> = names.iter().map(|n| n.as_ptr()).collect();
    let models = "linear,markov";
    unsafe {
        let (mut s, mut b, mut p, mut c, mut json) = (null_mut(), null_mut(), null_mut(), null_mut(), null_mut());
        let r = spec::touchpoint_partial_spec_new(
            ptrs.as_ptr(),
            ptrs.len(),
            null(),
            0,
            null(),
            models.as_ptr().cast(),
            models.len(),
            null(),
            null(),
            0,
            0,
            &mut s,
        );
        assert_eq!(r, touchpoint_result::Ok);
        assert_eq!(builder::touchpoint_partial_builder_new(s, &mut b), touchpoint_result::Ok);
        assert_eq!(builder::touchpoint_partial_builder_push(b, d.events), touchpoint_result::Ok);
        assert_eq!(builder::touchpoint_partial_builder_finish(b, &mut p), touchpoint_result::Ok);
        assert_eq!(partial::touchpoint_partial_report_json(p, &mut json), touchpoint_result::Ok);
        let report: Value = serde_json::from_str(std::ffi::CStr::from_ptr(json).to_str().unwrap()).unwrap();
        touchpoint::touchpoint_string_free(json);
        check_rows::<JourneyReport>("partial_report_json", &Value::Array(vec![report]));
        assert_eq!(partial::touchpoint_partial_attribute(p, &mut c), touchpoint_result::Ok);
        for m in 0..2 {
            let t = text(|b, l, n| cmp::touchpoint_comparison_table_json(c, m, b, l, n));
            check_rows::<AttributionRow>("partial attribution table_json", &t);
        }
        cmp::touchpoint_comparison_free(c);
        partial::touchpoint_partial_free(p);
        builder::touchpoint_partial_builder_free(b);
        spec::touchpoint_partial_spec_free(s);
    }
}

/// The row types the tests above check, and the ones the C face does not show; a row type the
/// core adds fails here until it is placed in one list or the other.
#[test]
fn every_core_row_type_is_accounted_for() {
    let checked = [
        "JourneyReport",
        "TopPath",
        "SankeyNode",
        "SankeyLink",
        "AttributionRow",
        "TransitionRow",
        "NodeRow",
        "RemovalEffectRow",
        "Sensitivity",
        "TouchpointPriority",
        "StatePriority",
        "StagePriority",
        "NextBestRow",
        "ConvertingPathRow",
        "PlanRow",
        "FunnelRow",
        "FunnelSummary",
        "StepMatrixRow",
        "StepMatrixDiffRow",
        "RetentionRow",
        "RetentionMeanRow",
        "PurchaseGapRow",
        "ExperienceRow",
        "FeedbackReport",
        "ExperienceDiffRow",
        "ExperienceConversionRow",
        "KeyDriverRow",
        "ConsistencyRow",
        "ConsistencySummary",
        "GraphIntervalRow",
        "SegmentAttributionRow",
        "SegmentDiffRow",
        "SegmentGraphRow",
        "SegmentTopPathRow",
        "PersonaRow",
        "FunnelDiffRow",
        "ScoreRow",
        "ScoreNextRow",
        "AppendReport",
        "ModelInfo",
    ];
    // `PartialRow` is the sum-table form engines shuffle (Spark, Dask); C moves partials as bytes
    let not_in_c = ["EventRow", "JourneyRow", "PathTableRow", "JourneyCreditRow", "PositionCreditRow", "PartialRow"];
    let mut all: Vec<&str> = schemas().iter().map(|s| s.name).collect();
    all.sort_unstable();
    let mut ours: Vec<&str> = checked.iter().chain(&not_in_c).copied().collect();
    ours.sort_unstable();
    assert_eq!(all, ours);
}
