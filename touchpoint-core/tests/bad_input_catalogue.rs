//! The bad-input catalogue of the Rust API (README "Bad input"): each named class of bad input
//! gives a typed error of the expected kind whose message names the field, the row or the value.
//! The Python and C faces have tables of their own (tests/test_bad_input_catalogue.py,
//! tests/c/bad_input.c). (tests/bad_input.rs checks single classes in more depth.)

use touchpoint_core::attribution::{AttributionModel, AttributionOptions, ModelParams, ShapleyMethod, attribute};
use touchpoint_core::bootstrap::BootstrapOptions;
use touchpoint_core::optimize::budget::{Curve, Objective, ResponseCurve, Solver, allocate_budget};
use touchpoint_core::{
    CustomerKey, ErrorKind, Event, EventCsvOptions, EventTable, JourneyGraph, JourneyOptions, Journeys, Location,
    PathCsvOptions, PathTable, Result, cells,
};

type Case = (&'static str, Box<dyn Fn() -> Result<()>>, ErrorKind, &'static [&'static str]);

fn ev(rows: &[(&str, Option<&str>, i64, bool, f64)]) -> Result<EventTable> {
    let mut b = EventTable::builder();
    for &(customer, touchpoint, time, converted, value) in rows {
        b.push(Event { customer, touchpoint, time, converted, value, feedback: None })?;
    }
    b.finish()
}

fn csv(text: &str) -> Result<()> {
    EventTable::read_csv(text.as_bytes(), &EventCsvOptions::default()).map(|_| ())
}

fn paths_csv(text: &str) -> Result<()> {
    PathTable::read_csv(text.as_bytes(), &PathCsvOptions::default()).map(|_| ())
}

fn cells_row(c: Option<f64>, n: Option<f64>, v: Option<f64>) -> Result<()> {
    PathTable::default().add_cells(3, "a > b", ">", ("path", "conversions", "nulls", "value"), c, n, v)
}

fn journeys() -> Journeys {
    let e = ev(&[("a", Some("email"), 0, false, 0.0), ("a", None, 1, true, 5.0), ("b", Some("search"), 0, false, 0.0)])
        .unwrap();
    Journeys::build(&e, &JourneyOptions::default()).unwrap().0
}

fn model(name: &str, params: ModelParams) -> Result<()> {
    let m = AttributionModel::from_name(name, &params)?;
    attribute(&journeys(), &m, &AttributionOptions::default()).map(|_| ())
}

fn curve(name: &str) -> Curve {
    Curve::new(name, ResponseCurve::Hill { beta: 10.0, alpha: 1.0, gamma: 5.0 })
}

fn cases() -> Vec<Case> {
    use ErrorKind::*;
    let h = "customer_id,touchpoint,timestamp,converted,value\n";
    vec![
        // --- events
        (
            "empty customer key",
            Box::new(|| ev(&[("", Some("a"), 0, false, 0.0)]).map(|_| ())),
            InvalidValue,
            &["customer", "row 0"],
        ),
        (
            "NUL in a touchpoint name",
            Box::new(|| ev(&[("a", Some("e\0mail"), 0, false, 0.0)]).map(|_| ())),
            InvalidValue,
            &["touchpoint", "NUL", "row 0"],
        ),
        (
            "NUL in a customer key",
            Box::new(|| ev(&[("a\0b", Some("x"), 0, false, 0.0)]).map(|_| ())),
            InvalidValue,
            &["customer", "NUL"],
        ),
        (
            "empty touchpoint name",
            Box::new(|| ev(&[("a", Some(""), 0, false, 0.0)]).map(|_| ())),
            InvalidValue,
            &["touchpoint", "row 0"],
        ),
        (
            "no touchpoint on a touch row",
            Box::new(|| ev(&[("a", None, 0, false, 0.0)]).map(|_| ())),
            InvalidValue,
            &["touchpoint", "conversion"],
        ),
        (
            "NaN value on a converting row",
            Box::new(|| ev(&[("a", Some("x"), 0, false, 0.0), ("a", None, 1, true, f64::NAN)]).map(|_| ())),
            InvalidValue,
            &["value", "row 1", "missing"],
        ),
        (
            "negative value on a converting row",
            Box::new(|| ev(&[("a", None, 1, true, -5.0)]).map(|_| ())),
            InvalidValue,
            &["value", "-5"],
        ),
        (
            "value above 1e15",
            Box::new(|| ev(&[("a", None, 1, true, 1e16)]).map(|_| ())),
            InvalidValue,
            &["value", "1e15"],
        ),
        (
            "infinite value",
            Box::new(|| ev(&[("a", None, 1, true, f64::INFINITY)]).map(|_| ())),
            InvalidValue,
            &["value", "inf"],
        ),
        (
            "feedback out of range",
            Box::new(|| {
                let mut b = EventTable::builder();
                b.push_keyed(CustomerKey::Str("a"), Some("x"), 0, false, 0.0, Some(11.0))?;
                b.finish().map(|_| ())
            }),
            InvalidValue,
            &["feedback", "11"],
        ),
        ("no events", Box::new(|| EventTable::builder().finish().map(|_| ())), EmptyInput, &["events"]),
        // --- events CSV
        (
            "CSV: missing column, misspelt",
            Box::new(|| csv("customer_id,touchpoint,timestmp,converted\na,x,1,0\n")),
            MissingColumn,
            &["timestamp", "did you mean `timestmp`?"],
        ),
        (
            "CSV: ;-delimited header",
            Box::new(|| csv("customer_id;touchpoint;timestamp;converted\na;x;1;0\n")),
            MissingColumn,
            &["delimiter"],
        ),
        (
            "CSV: duplicate header column",
            Box::new(|| csv("customer_id,touchpoint,timestamp,timestamp,converted\na,x,1,1,0\n")),
            DuplicateColumn,
            &["timestamp"],
        ),
        (
            "CSV: conversion flag 2",
            Box::new(move || csv(&format!("{h}a,x,1,2,0\n"))),
            InvalidValue,
            &["converted", "line 2", "2"],
        ),
        (
            "CSV: conversion flag 0.5",
            Box::new(move || csv(&format!("{h}a,x,1,0.5,0\n"))),
            InvalidValue,
            &["converted", "0.5"],
        ),
        (
            "CSV: conversion flag missing",
            Box::new(move || csv(&format!("{h}a,x,1,,0\n"))),
            InvalidValue,
            &["converted", "line 2", "missing"],
        ),
        (
            "CSV: unparsable timestamp",
            Box::new(move || csv(&format!("{h}a,x,yesterday,0,0\n"))),
            InvalidValue,
            &["timestamp", "line 2", "yesterday"],
        ),
        (
            "CSV: NaN timestamp",
            Box::new(move || csv(&format!("{h}a,x,NaN,0,0\n"))),
            InvalidValue,
            &["timestamp", "NaN"],
        ),
        (
            "CSV: timestamp 1e300",
            Box::new(move || csv(&format!("{h}a,x,1e300,0,0\n"))),
            InvalidValue,
            &["timestamp", "1e300"],
        ),
        (
            "CSV: epoch seconds read as milliseconds",
            Box::new(move || csv(&format!("{h}a,x,1700000000,0,0\nb,x,1700003600,0,0\n"))),
            InvalidValue,
            &["timestamp", "time_unit"],
        ),
        (
            "CSV: empty value on a converting row",
            Box::new(move || csv(&format!("{h}a,x,1,1,\n"))),
            InvalidValue,
            &["value", "line 2", "missing"],
        ),
        ("CSV: negative value", Box::new(move || csv(&format!("{h}a,x,1,1,-3\n"))), InvalidValue, &["value", "-3"]),
        ("CSV: ragged row", Box::new(move || csv(&format!("{h}a,x,1,1\n"))), Csv, &["line: 2", "4 fields"]),
        // --- path tables
        (
            "path: missing conversions",
            Box::new(|| cells_row(None, Some(1.0), Some(0.0))),
            InvalidValue,
            &["conversions", "row 3", "missing"],
        ),
        (
            "path: NaN nulls",
            Box::new(|| cells_row(Some(1.0), Some(f64::NAN), Some(0.0))),
            InvalidValue,
            &["nulls", "row 3", "missing"],
        ),
        (
            "path: infinite count",
            Box::new(|| cells_row(Some(f64::INFINITY), Some(0.0), Some(0.0))),
            InvalidValue,
            &["conversions", "inf"],
        ),
        (
            "path: count above 1e15",
            Box::new(|| cells_row(Some(1e300), Some(0.0), Some(0.0))),
            InvalidValue,
            &["conversions", "1e15"],
        ),
        (
            "path: missing value with conversions",
            Box::new(|| cells_row(Some(2.0), Some(0.0), None)),
            InvalidValue,
            &["value", "row 3", "missing"],
        ),
        (
            "path: empty path",
            Box::new(|| {
                PathTable::default().add_cells(0, " > ", ">", ("path", "c", "n", "v"), Some(1.0), Some(0.0), Some(0.0))
            }),
            InvalidValue,
            &["path", "row 0", "no touchpoints"],
        ),
        (
            "path CSV: negative count",
            Box::new(|| paths_csv("path,total_conversions\na > b,-2\n")),
            InvalidValue,
            &["total_conversions", "-2"],
        ),
        (
            "path CSV: missing path column",
            Box::new(|| paths_csv("route,total_conversions\na > b,2\n")),
            MissingColumn,
            &["path"],
        ),
        (
            "path CSV: count above 1e15",
            Box::new(|| paths_csv("path,total_conversions\na > b,1\nb,4444444444444444444444\n")),
            InvalidValue,
            &["total_conversions", "line 3", "1e15"],
        ),
        (
            "path CSV: NUL in a path",
            Box::new(|| paths_csv("path,total_conversions\na > b\0c,1\n")),
            InvalidValue,
            &["path", "line 2", "NUL"],
        ),
        ("path CSV: no rows", Box::new(|| paths_csv("path,total_conversions\n")), EmptyInput, &["path"]),
        // --- cells as the faces hand them over
        (
            "u64-sized epoch seconds",
            Box::new(|| {
                cells::epoch_int_ms("timestamp", Location::Row(4), i64::MAX / 10, touchpoint_core::TimeUnit::Seconds)
                    .map(|_| ())
            }),
            InvalidValue,
            &["timestamp", "row 4", "too large"],
        ),
        (
            "float epoch infinity",
            Box::new(|| {
                cells::epoch_ms("timestamp", Location::Row(4), f64::NEG_INFINITY, touchpoint_core::TimeUnit::Seconds)
                    .map(|_| ())
            }),
            InvalidValue,
            &["timestamp", "-inf"],
        ),
        (
            "missing conversion flag",
            Box::new(|| cells::flag("converted", Location::Row(9), None).map(|_| ())),
            InvalidValue,
            &["converted", "row 9", "fill it with 0"],
        ),
        // --- journey options
        (
            "negative lookback",
            Box::new(|| {
                Journeys::build(
                    &ev(&[("a", Some("x"), 0, false, 0.0)])?,
                    &JourneyOptions { lookback_ms: Some(-1), ..Default::default() },
                )
                .map(|_| ())
            }),
            InvalidOption,
            &["lookback_ms", "-1"],
        ),
        (
            "zero inactivity timeout",
            Box::new(|| {
                Journeys::build(
                    &ev(&[("a", Some("x"), 0, false, 0.0)])?,
                    &JourneyOptions { inactivity_timeout_ms: Some(0), ..Default::default() },
                )
                .map(|_| ())
            }),
            InvalidOption,
            &["inactivity_timeout_ms"],
        ),
        (
            "max_touches 0",
            Box::new(|| {
                Journeys::build(
                    &ev(&[("a", Some("x"), 0, false, 0.0)])?,
                    &JourneyOptions { max_touches: Some(0), ..Default::default() },
                )
                .map(|_| ())
            }),
            InvalidOption,
            &["max_touches"],
        ),
        (
            "unknown conversion event",
            Box::new(|| {
                ev(&[("a", Some("purchase"), 0, false, 0.0)])?.with_conversion_events(&["purchse"]).map(|_| ())
            }),
            UnknownTouchpoint,
            &["purchse", "did you mean \"purchase\"?"],
        ),
        // --- models
        (
            "unknown model, misspelt",
            Box::new(|| model("markv", ModelParams::default())),
            InvalidOption,
            &["model", "markv", "did you mean \"markov\"?"],
        ),
        (
            "Markov order 0",
            Box::new(|| model("markov", ModelParams { order: Some(0), ..Default::default() })),
            InvalidOption,
            &["order", "0"],
        ),
        (
            "Markov order too high",
            Box::new(|| model("markov", ModelParams { order: Some(99), ..Default::default() })),
            InvalidOption,
            &["order", "99"],
        ),
        (
            "custom model without weights",
            Box::new(|| model("custom", ModelParams::default())),
            InvalidOption,
            &["weights"],
        ),
        (
            "negative position weight",
            Box::new(|| model("custom", ModelParams { weights: Some((-0.1, 0.5, 0.6)), ..Default::default() })),
            InvalidOption,
            &["weights", "-0.1"],
        ),
        (
            "time decay half-life 0",
            Box::new(|| model("time_decay", ModelParams { half_life_ms: Some(0), ..Default::default() })),
            InvalidOption,
            &["half_life_ms", "0"],
        ),
        (
            "sampled Shapley with 0 samples",
            Box::new(|| {
                let m = AttributionModel::ShapleyRate {
                    method: ShapleyMethod::new(touchpoint_core::attribution::ShapleyKind::Sampled, 0, 1),
                };
                attribute(&journeys(), &m, &AttributionOptions::default()).map(|_| ())
            }),
            InvalidOption,
            &["samples", "0", "exact"],
        ),
        (
            "unknown touchpoint in a query",
            Box::new(|| JourneyGraph::from_journeys(&journeys(), 1)?.catalog().require("emial").map(|_| ())),
            UnknownTouchpoint,
            &["emial", "did you mean \"email\"?"],
        ),
        // --- bootstrap
        (
            "bootstrap with 0 resamples",
            Box::new(|| BootstrapOptions { resamples: 0, seed: 0, level: 0.95 }.validate()),
            InvalidOption,
            &["bootstrap", "0"],
        ),
        (
            "interval level 1.5",
            Box::new(|| BootstrapOptions { resamples: 10, seed: 0, level: 1.5 }.validate()),
            InvalidOption,
            &["1.5"],
        ),
        // --- budget
        (
            "duplicate budget curve names",
            Box::new(|| {
                allocate_budget(&[curve("tv"), curve("tv")], Objective::Budget(10.0), 1.0, Solver::Auto).map(|_| ())
            }),
            InvalidValue,
            &["name", "row 1", "\"tv\"", "row 0"],
        ),
        (
            "budget grid step 0",
            Box::new(|| allocate_budget(&[curve("tv")], Objective::Budget(10.0), 0.0, Solver::Auto).map(|_| ())),
            InvalidOption,
            &["step", "0"],
        ),
        (
            "no budget channels",
            Box::new(|| allocate_budget(&[], Objective::Budget(10.0), 1.0, Solver::Auto).map(|_| ())),
            EmptyInput,
            &["channels"],
        ),
        // --- catalog
        #[cfg(feature = "serde")]
        (
            "catalog JSON malformed",
            Box::new(|| touchpoint_core::Catalog::from_json("{\"touchpoints\": [").map(|_| ())),
            Json,
            &[],
        ),
    ]
}

#[test]
fn every_class_of_bad_input_is_a_typed_error_that_names_what_is_wrong() {
    let cases = cases();
    assert!(cases.len() >= 40, "{} classes", cases.len());
    let mut names = std::collections::HashSet::new();
    let mut wrong = Vec::new();
    for (name, run, kind, needles) in cases {
        assert!(names.insert(name), "class {name:?} twice");
        let e = match run() {
            Ok(()) => {
                wrong.push(format!("{name}: accepted"));
                continue;
            }
            Err(e) => e,
        };
        let msg = e.to_string();
        if e.kind() != kind {
            wrong.push(format!("{name}: kind {:?}, not {kind:?}: {msg}", e.kind()));
        }
        for n in needles.iter().filter(|n| !msg.contains(**n)) {
            wrong.push(format!("{name}: {n:?} not in {msg:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
