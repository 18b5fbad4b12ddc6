//! The journey map through the Rust view of the C API: ORACLES E9 (funnels) and E10 (retention
//! and repurchase) read with the row getters and from the JSON, the stage funnel after a JSON
//! catalog, segments, the step matrix, and misuse (unknown steps, windows, periods, enum codes,
//! NULL pointers).

use std::ffi::{CStr, CString, c_char};
use std::ptr::{null, null_mut};

use serde_json::Value;
use touchpoint::events::touchpoint_event_table as events;
use touchpoint::journeymap::{
    touchpoint_funnel as funnel, touchpoint_funnel_exclusion, touchpoint_funnel_mode, touchpoint_funnel_options,
    touchpoint_funnel_step, touchpoint_funnel_totals, touchpoint_funnel_unit, touchpoint_repurchase as repurchase,
    touchpoint_repurchase_totals, touchpoint_retention as retention, touchpoint_retention_alignment,
    touchpoint_retention_average, touchpoint_retention_cell, touchpoint_retention_mode, touchpoint_retention_options,
    touchpoint_step_matrix as matrix, touchpoint_step_matrix_cell, touchpoint_step_matrix_options,
};
use touchpoint::{touchpoint_last_error_message, touchpoint_result, touchpoint_string_free};

const DAY: i64 = 86_400_000;

fn last_error() -> String {
    let mut buf = vec![0 as c_char; 2048];
    let mut n = 0usize;
    let r = unsafe { touchpoint_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) };
    assert_eq!(r, touchpoint_result::Ok);
    let bytes: Vec<u8> = buf[..n].iter().map(|&c| c as u8).collect();
    String::from_utf8(bytes).unwrap()
}

/// An event table from (customer, touchpoint or None for a pure conversion, day, converted).
fn table(rows: &[(&str, Option<&str>, i64, bool)]) -> *mut events {
    unsafe {
        let mut ev = null_mut();
        assert_eq!(events::touchpoint_event_table_new(&mut ev), touchpoint_result::Ok);
        for &(c, tp, day, conv) in rows {
            let (tp, tp_len) = tp.map_or((null(), 0), |t| (t.as_ptr().cast(), t.len()));
            let value = if conv { 1.0 } else { 0.0 };
            let r = events::touchpoint_event_table_push(
                ev,
                c.as_ptr().cast(),
                c.len(),
                tp,
                tp_len,
                day * DAY,
                u8::from(conv),
                value,
                f64::NAN,
            );
            assert_eq!(r, touchpoint_result::Ok);
        }
        ev
    }
}

/// ORACLES E9: steps A → B → C, customers u1..u6.
const E9: &[(&str, Option<&str>, i64, bool)] = &[
    ("u1", Some("A"), 0, false),
    ("u1", Some("B"), 1, false),
    ("u1", Some("C"), 2, false),
    ("u2", Some("A"), 0, false),
    ("u2", Some("C"), 1, false),
    ("u2", Some("B"), 2, false),
    ("u3", Some("B"), 0, false),
    ("u3", Some("A"), 1, false),
    ("u3", Some("B"), 5, false),
    ("u3", Some("C"), 20, false),
    ("u4", Some("A"), 0, false),
    ("u4", Some("A"), 15, false),
    ("u4", Some("B"), 16, false),
    ("u4", Some("C"), 17, false),
    ("u5", Some("C"), 0, false),
    ("u6", Some("A"), 0, false),
    ("u6", Some("B"), 3, false),
    ("u6", Some("X"), 4, false),
    ("u6", Some("C"), 5, false),
];

/// The customer of every E9 row, for segment labels.
fn e9_customers() -> Vec<&'static str> {
    E9.iter().map(|r| r.0).collect()
}

/// Step strings and the array of their pointers (the strings must outlive the array).
struct Steps {
    _owned: Vec<CString>,
    ptrs: Vec<*const c_char>,
}

fn steps(names: &[&str]) -> Steps {
    let owned: Vec<CString> = names.iter().map(|s| CString::new(*s).unwrap()).collect();
    let ptrs = owned.iter().map(|s| s.as_ptr()).collect();
    Steps { _owned: owned, ptrs }
}

fn abc_options(s: &Steps, mode: touchpoint_funnel_mode) -> touchpoint_funnel_options {
    let mut o = touchpoint_funnel_options::touchpoint_funnel_options_default();
    o.steps = s.ptrs.as_ptr();
    o.n_steps = s.ptrs.len();
    o.mode = mode as u32;
    o.window_ms = 10 * DAY;
    o
}

fn build_funnel(
    ev: *const events,
    o: &touchpoint_funnel_options,
    seg: Option<&[*const c_char]>,
) -> Result<*mut funnel, (touchpoint_result, String)> {
    let (p, n) = seg.map_or((null(), 0), |s| (s.as_ptr(), s.len()));
    let mut f = null_mut();
    let r = unsafe { funnel::touchpoint_funnel_build(ev, o, p, n, &mut f) };
    if r == touchpoint_result::Ok {
        assert!(!f.is_null());
        Ok(f)
    } else {
        assert!(f.is_null(), "out-parameters are untouched on error");
        Err((r, last_error()))
    }
}

fn rows(f: *const funnel) -> Vec<touchpoint_funnel_step> {
    unsafe {
        let mut n = 0usize;
        assert_eq!(funnel::touchpoint_funnel_rows(f, &mut n), touchpoint_result::Ok);
        (0..n)
            .map(|i| {
                let mut s = std::mem::MaybeUninit::<touchpoint_funnel_step>::uninit();
                assert_eq!(funnel::touchpoint_funnel_row(f, i, s.as_mut_ptr()), touchpoint_result::Ok);
                s.assume_init()
            })
            .collect()
    }
}

fn totals(f: *const funnel, i: usize) -> touchpoint_funnel_totals {
    unsafe {
        let mut t = std::mem::MaybeUninit::<touchpoint_funnel_totals>::uninit();
        assert_eq!(funnel::touchpoint_funnel_summary(f, i, t.as_mut_ptr()), touchpoint_result::Ok);
        t.assume_init()
    }
}

fn units(rows: &[touchpoint_funnel_step]) -> Vec<usize> {
    rows.iter().map(|r| r.units).collect()
}

fn c_text(p: *const c_char, len: usize) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned();
    assert_eq!(s.len(), len);
    Some(s)
}

/// A text export: size query, then the text.
fn text(f: impl Fn(*mut c_char, usize, *mut usize) -> touchpoint_result) -> String {
    let mut n = 0usize;
    assert_eq!(f(null_mut(), 0, &mut n), touchpoint_result::BufferTooSmall);
    let mut buf = vec![0 as c_char; n + 1];
    assert_eq!(f(buf.as_mut_ptr(), buf.len(), &mut n), touchpoint_result::Ok);
    let bytes: Vec<u8> = buf[..n].iter().map(|&c| c as u8).collect();
    String::from_utf8(bytes).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn e9_ordered_funnel_every_number() {
    let ev = table(E9);
    let s = steps(&["A", "B", "C"]);
    let f = build_funnel(ev, &abc_options(&s, touchpoint_funnel_mode::Ordered), None).unwrap();
    let r = rows(f);
    assert_eq!(units(&r), [5, 5, 3]);
    let names: Vec<String> = r.iter().map(|x| c_text(x.name, x.name_len).unwrap()).collect();
    assert_eq!(names, ["A", "B", "C"]);
    assert!(r.iter().all(|x| x.segment.is_null() && x.segment_len == 0));
    assert_eq!(r.iter().map(|x| x.step).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(close(r[2].overall_rate, 0.6) && close(r[1].overall_rate, 1.0) && close(r[0].overall_rate, 1.0));
    assert!(r[0].step_rate.is_nan());
    assert!(close(r[1].step_rate, 1.0) && close(r[2].step_rate, 0.6));
    assert_eq!(r.iter().map(|x| x.drop_off).collect::<Vec<_>>(), [-1, 0, 2]);
    assert!(close(r[0].reach, 5.0 / 6.0) && close(r[1].reach, 5.0 / 6.0) && close(r[2].reach, 0.5));
    // A to C among completers: 2, 2, 5 days
    assert_eq!((r[2].time_from_first_median_ms, r[2].time_from_first_mean_ms), (2 * DAY, 3 * DAY));
    assert_eq!(r[0].time_from_first_median_ms, -1);
    assert_eq!(r[0].time_from_previous_mean_ms, -1);
    let mut n = 0usize;
    unsafe { assert_eq!(funnel::touchpoint_funnel_summaries(f, &mut n), touchpoint_result::Ok) };
    assert_eq!(n, 1);
    let t = totals(f, 0);
    assert_eq!((t.units, t.entered, t.not_entered, t.excluded, t.completed), (6, 5, 1, 0, 3));
    assert!(close(t.conversion_rate, 0.6) && t.segment.is_null());

    // the JSON: the core struct, durations in milliseconds, missing values null
    let j: Value =
        serde_json::from_str(&text(|b, l, o| unsafe { funnel::touchpoint_funnel_to_json(f, b, l, o) })).unwrap();
    assert_eq!(j["steps"], serde_json::json!(["A", "B", "C"]));
    assert_eq!((j["mode"].as_str(), j["unit"].as_str()), (Some("ordered"), Some("customer")));
    assert_eq!(j["window_ms"], 10 * DAY);
    assert_eq!(j["rows"][2]["time_from_first_median"], 2 * DAY);
    assert_eq!(j["rows"][2]["time_from_first_mean"], 3 * DAY);
    assert!(j["rows"][0]["step_rate"].is_null() && j["rows"][0]["drop_off"].is_null());
    assert!(j["rows"][0]["segment"].is_null());
    assert_eq!(j["summary"][0]["not_entered"], 1);
    let mut owned = null_mut();
    unsafe {
        assert_eq!(funnel::touchpoint_funnel_to_json_string(f, &mut owned), touchpoint_result::Ok);
        let again: Value = serde_json::from_str(CStr::from_ptr(owned).to_str().unwrap()).unwrap();
        assert_eq!(again, j);
        touchpoint_string_free(owned);
    }
    let shown = text(|b, l, o| unsafe { funnel::touchpoint_funnel_to_text(f, b, l, o) });
    assert!(shown.contains("ordered funnel of customers") && shown.contains("3. C"), "{shown}");
    let mut out = std::mem::MaybeUninit::<touchpoint_funnel_step>::uninit();
    unsafe {
        assert_eq!(funnel::touchpoint_funnel_row(f, 3, out.as_mut_ptr()), touchpoint_result::OutOfRange);
        assert!(last_error().contains("row index 3 >= 3 rows"));
        funnel::touchpoint_funnel_free(f);
        events::touchpoint_event_table_free(ev);
    }
}

#[test]
fn e9_strict_any_order_and_exclusion() {
    let ev = table(E9);
    let s = steps(&["A", "B", "C"]);
    let f = build_funnel(ev, &abc_options(&s, touchpoint_funnel_mode::Strict), None).unwrap();
    let r = rows(f);
    assert_eq!(units(&r), [5, 4, 2]);
    assert!(close(totals(f, 0).conversion_rate, 0.4));
    assert!(close(r[1].step_rate, 0.8) && close(r[2].step_rate, 0.5));
    unsafe { funnel::touchpoint_funnel_free(f) };

    let f = build_funnel(ev, &abc_options(&s, touchpoint_funnel_mode::AnyOrder), None).unwrap();
    let r = rows(f);
    assert_eq!(units(&r), [5, 5, 4]);
    assert!(close(totals(f, 0).conversion_rate, 0.8));
    assert!(close(r[1].step_rate, 1.0) && close(r[2].step_rate, 0.8));
    unsafe { funnel::touchpoint_funnel_free(f) };

    let x = "X";
    let ex = [touchpoint_funnel_exclusion { step: x.as_ptr().cast(), step_len: 1, after: 2, before: 3 }];
    let mut o = abc_options(&s, touchpoint_funnel_mode::Ordered);
    o.exclusions = ex.as_ptr();
    o.n_exclusions = 1;
    let f = build_funnel(ev, &o, None).unwrap();
    let r = rows(f);
    assert_eq!(units(&r), [4, 4, 2]);
    let t = totals(f, 0);
    assert!(close(t.conversion_rate, 0.5) && t.excluded == 1 && t.not_entered == 1);
    assert!(close(r[1].step_rate, 1.0) && close(r[2].step_rate, 0.5));
    unsafe { funnel::touchpoint_funnel_free(f) };

    // exclusion step numbers out of order, an unknown exclusion step
    let bad = [touchpoint_funnel_exclusion { step: x.as_ptr().cast(), step_len: 1, after: 3, before: 2 }];
    o.exclusions = bad.as_ptr();
    let (code, msg) = build_funnel(ev, &o, None).unwrap_err();
    assert_eq!(code, touchpoint_result::InvalidArgument);
    assert!(msg.contains("1 <= after < before <= 3"), "{msg}");
    let q = [touchpoint_funnel_exclusion { step: "Q".as_ptr().cast(), step_len: 1, after: 1, before: 2 }];
    o.exclusions = q.as_ptr();
    let (code, msg) = build_funnel(ev, &o, None).unwrap_err();
    assert_eq!(code, touchpoint_result::InvalidArgument);
    assert!(msg.contains("\"Q\""), "{msg}");
    unsafe { events::touchpoint_event_table_free(ev) };
}

#[test]
fn windows_steps_and_codes() {
    let ev = table(E9);
    let s = steps(&["A", "B", "C"]);
    // window 0 is no window: u3 then completes (A on day 1, C on day 20)
    let mut o = abc_options(&s, touchpoint_funnel_mode::Ordered);
    o.window_ms = 0;
    let f = build_funnel(ev, &o, None).unwrap();
    assert_eq!(units(&rows(f)), [5, 5, 4]);
    let j: Value =
        serde_json::from_str(&text(|b, l, n| unsafe { funnel::touchpoint_funnel_to_json(f, b, l, n) })).unwrap();
    assert!(j["window_ms"].is_null());
    unsafe { funnel::touchpoint_funnel_free(f) };
    o.window_ms = -5;
    let (code, msg) = build_funnel(ev, &o, None).unwrap_err();
    assert_eq!(code, touchpoint_result::InvalidArgument);
    assert!(msg.contains("window") && msg.contains("-5"), "{msg}");

    // an unknown touchpoint names it; a bad step names its index
    let q = steps(&["A", "Q"]);
    let o = abc_options(&q, touchpoint_funnel_mode::Ordered);
    let (code, msg) = build_funnel(ev, &o, None).unwrap_err();
    assert_eq!(code, touchpoint_result::InvalidArgument);
    assert!(msg.contains("unknown touchpoint \"Q\""), "{msg}");
    for (bad, needle) in [("  ", "options.steps[1]"), ("stage:nope", "awareness")] {
        let b = steps(&["A", bad]);
        let (code, msg) = build_funnel(ev, &abc_options(&b, touchpoint_funnel_mode::Ordered), None).unwrap_err();
        assert_eq!(code, touchpoint_result::InvalidArgument, "{bad}");
        assert!(msg.contains(needle) && msg.contains("options.steps[1]"), "{msg}");
    }
    let mut with_null = steps(&["A", "B"]);
    with_null.ptrs[1] = null();
    let (code, msg) = build_funnel(ev, &abc_options(&with_null, touchpoint_funnel_mode::Ordered), None).unwrap_err();
    assert_eq!(code, touchpoint_result::NullParameter);
    assert!(msg.contains("`options.steps[1]`"), "{msg}");
    let bad_utf8: [u8; 3] = [b'A', 0xff, 0];
    let ptrs = [bad_utf8.as_ptr().cast::<c_char>()];
    let mut o = abc_options(&s, touchpoint_funnel_mode::Ordered);
    o.steps = ptrs.as_ptr();
    o.n_steps = 1;
    let (code, msg) = build_funnel(ev, &o, None).unwrap_err();
    assert_eq!(code, touchpoint_result::InvalidUtf8);
    assert!(msg.contains("`options.steps[0]`"), "{msg}");
    o.steps = null();
    o.n_steps = 2;
    assert_eq!(build_funnel(ev, &o, None).unwrap_err().0, touchpoint_result::NullParameter);

    // enum codes and flags out of range are errors naming the field
    let mut o = abc_options(&s, touchpoint_funnel_mode::Ordered);
    o.mode = 3;
    let (code, msg) = build_funnel(ev, &o, None).unwrap_err();
    assert!(code == touchpoint_result::InvalidArgument && msg.contains("options.mode"), "{msg}");
    o.mode = 0;
    o.unit = 2;
    let (code, msg) = build_funnel(ev, &o, None).unwrap_err();
    assert!(code == touchpoint_result::InvalidArgument && msg.contains("options.unit"), "{msg}");
    o.unit = touchpoint_funnel_unit::Journey as u32;
    o.journeys.collapse_repeats = 7;
    let (code, msg) = build_funnel(ev, &o, None).unwrap_err();
    assert!(code == touchpoint_result::InvalidArgument && msg.contains("options.journeys.collapse_repeats"), "{msg}");
    // journeys: without conversions every customer is one journey, as customers
    o.journeys.collapse_repeats = 0;
    let f = build_funnel(ev, &o, None).unwrap();
    assert_eq!(units(&rows(f)), [5, 5, 3]);
    unsafe { funnel::touchpoint_funnel_free(f) };

    // no steps and no stages: the stage funnel needs a catalog
    let d = touchpoint_funnel_options::touchpoint_funnel_options_default();
    let (code, msg) = build_funnel(ev, &d, None).unwrap_err();
    assert_eq!(code, touchpoint_result::InvalidArgument);
    assert!(msg.contains("no steps given and the catalog has no stages"), "{msg}");
    unsafe {
        let mut f = null_mut();
        assert_eq!(
            funnel::touchpoint_funnel_build(null(), null(), null(), 0, &mut f),
            touchpoint_result::NullParameter
        );
        assert!(last_error().contains("`events`"));
        let o = abc_options(&s, touchpoint_funnel_mode::Ordered);
        assert_eq!(funnel::touchpoint_funnel_build(ev, &o, null(), 0, null_mut()), touchpoint_result::NullParameter);
        assert!(last_error().contains("`out`"));
        funnel::touchpoint_funnel_free(null_mut());
        matrix::touchpoint_step_matrix_free(null_mut());
        retention::touchpoint_retention_free(null_mut());
        repurchase::touchpoint_repurchase_free(null_mut());
        let mut n = 0usize;
        assert_eq!(funnel::touchpoint_funnel_rows(null(), &mut n), touchpoint_result::NullParameter);
        assert!(last_error().contains("`funnel`"));
        events::touchpoint_event_table_free(ev);
        // no events at all
        let mut empty = null_mut();
        assert_eq!(events::touchpoint_event_table_new(&mut empty), touchpoint_result::Ok);
        let (code, _) = build_funnel(empty, &abc_options(&s, touchpoint_funnel_mode::Ordered), None).unwrap_err();
        assert_eq!(code, touchpoint_result::EmptyInput);
        events::touchpoint_event_table_free(empty);
    }
}

const CATALOG: &str = r#"[
  {"name": "A", "stage": "awareness", "channel": "online"},
  {"name": "B", "stage": "first_interaction"},
  {"name": "C", "stage": "purchase", "cost": 2.5}
]"#;

#[test]
fn stage_funnel_after_a_json_catalog() {
    let ev = table(E9);
    unsafe {
        let r = events::touchpoint_event_table_apply_catalog_json(ev, CATALOG.as_ptr().cast(), CATALOG.len());
        assert_eq!(r, touchpoint_result::Ok);
        // the catalog reaches rows pushed later too
        let r = events::touchpoint_event_table_push(ev, c"u6".as_ptr(), 2, null(), 0, 6 * DAY, 1, 10.0, f64::NAN);
        assert_eq!(r, touchpoint_result::Ok);
        for (bad, code, needle) in [
            ("[{\"name\": \"A\", \"stage\": \"nope\"}]", touchpoint_result::InvalidValue, "nope"),
            ("{", touchpoint_result::InvalidValue, "JSON"),
            ("[{\"name\": \"A\"}, {\"name\": \"A\"}]", touchpoint_result::InvalidValue, "unique"),
        ] {
            let r = events::touchpoint_event_table_apply_catalog_json(ev, bad.as_ptr().cast(), bad.len());
            assert_eq!(r, code, "{bad}");
            let m = last_error();
            assert!(m.to_lowercase().contains(&needle.to_lowercase()), "{bad}: {m}");
        }
        assert_eq!(
            events::touchpoint_event_table_apply_catalog_json(null_mut(), CATALOG.as_ptr().cast(), 3),
            touchpoint_result::NullParameter
        );
        assert_eq!(events::touchpoint_event_table_apply_catalog_json(ev, null(), 3), touchpoint_result::NullParameter);
    }
    let d = touchpoint_funnel_options::touchpoint_funnel_options_default();
    let f = build_funnel(ev, &d, None).unwrap();
    let r = rows(f);
    let names: Vec<String> = r.iter().map(|x| c_text(x.name, x.name_len).unwrap()).collect();
    assert_eq!(names, ["stage:awareness", "stage:first_interaction", "stage:purchase", "conversion"]);
    // no window: as ordered A → B → C without a window, then u6's purchase on day 6
    assert_eq!(units(&r), [5, 5, 4, 1]);
    let j: Value =
        serde_json::from_str(&text(|b, l, n| unsafe { funnel::touchpoint_funnel_to_json(f, b, l, n) })).unwrap();
    assert_eq!(j["stages_without_touchpoints"], serde_json::json!(["after_sales"]));
    unsafe {
        funnel::touchpoint_funnel_free(f);
        events::touchpoint_event_table_free(ev);
    }
}

#[test]
fn stage_funnel_on_events_read_from_csv() {
    let dir = std::env::temp_dir().join(format!("touchpoint-journeymap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("events.csv");
    let mut csv = String::from("customer_id,touchpoint,timestamp,converted\n");
    for (c, tp, day, _) in E9 {
        csv.push_str(&format!("{c},{},{},0\n", tp.unwrap(), day * DAY));
    }
    std::fs::write(&path, csv).unwrap();
    let p = path.to_str().unwrap();
    unsafe {
        let mut ev = null_mut();
        assert_eq!(
            events::touchpoint_event_table_read_csv(p.as_ptr().cast(), p.len(), null(), &mut ev),
            touchpoint_result::Ok
        );
        let r = events::touchpoint_event_table_apply_catalog_json(ev, CATALOG.as_ptr().cast(), CATALOG.len());
        assert_eq!(r, touchpoint_result::Ok);
        let one = steps(&["stage:purchase"]);
        let mut o = touchpoint_funnel_options::touchpoint_funnel_options_default();
        o.steps = one.ptrs.as_ptr();
        o.n_steps = 1;
        let f = build_funnel(ev, &o, None).unwrap();
        assert_eq!(units(&rows(f)), [6], "every customer has a C");
        funnel::touchpoint_funnel_free(f);
        events::touchpoint_event_table_free(ev);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn segment_funnel() {
    let ev = table(E9);
    let s = steps(&["A", "B", "C"]);
    let o = abc_options(&s, touchpoint_funnel_mode::Ordered);
    // u1..u3 north, u4 and u6 south, u5 missing (a NULL label)
    let labels: Vec<CString> = e9_customers()
        .iter()
        .map(|c| CString::new(if ["u1", "u2", "u3"].contains(c) { "north" } else { "south" }).unwrap())
        .collect();
    let ptrs: Vec<*const c_char> =
        e9_customers().iter().zip(&labels).map(|(c, l)| if *c == "u5" { null() } else { l.as_ptr() }).collect();
    let f = build_funnel(ev, &o, Some(&ptrs)).unwrap();
    let r = rows(f);
    let seg: Vec<String> = r.iter().map(|x| c_text(x.segment, x.segment_len).unwrap()).collect();
    assert_eq!(seg, ["north", "north", "north", "south", "south", "south", "(missing)", "(missing)", "(missing)"]);
    // north: u1 3, u2 2, u3 2 (C on day 20 is outside the window); south: u4 3, u6 3; u5 never enters
    assert_eq!(units(&r), [3, 3, 1, 2, 2, 2, 0, 0, 0]);
    let t: Vec<(Option<String>, usize, usize)> = (0..3)
        .map(|i| {
            let t = totals(f, i);
            (c_text(t.segment, t.segment_len), t.units, t.completed)
        })
        .collect();
    assert_eq!(t, [(Some("north".into()), 3, 1), (Some("south".into()), 2, 2), (Some("(missing)".into()), 1, 0)]);
    assert!(totals(f, 2).conversion_rate.is_nan(), "nobody entered: no rate");
    unsafe { funnel::touchpoint_funnel_free(f) };
    let (code, msg) = build_funnel(ev, &o, Some(&ptrs[..5])).unwrap_err();
    assert_eq!(code, touchpoint_result::InvalidValue);
    assert!(msg.contains("`segment` has 5 rows but `events` has 19"), "{msg}");
    let mut f = null_mut();
    unsafe {
        assert_eq!(funnel::touchpoint_funnel_build(ev, &o, null(), 3, &mut f), touchpoint_result::NullParameter);
        assert!(last_error().contains("`segment_values`"));
        events::touchpoint_event_table_free(ev);
    }
}

fn cells(m: *const matrix) -> Vec<(Option<String>, i64, String, usize, f64)> {
    unsafe {
        let mut n = 0usize;
        assert_eq!(matrix::touchpoint_step_matrix_rows(m, &mut n), touchpoint_result::Ok);
        (0..n)
            .map(|i| {
                let mut c = std::mem::MaybeUninit::<touchpoint_step_matrix_cell>::uninit();
                assert_eq!(matrix::touchpoint_step_matrix_row(m, i, c.as_mut_ptr()), touchpoint_result::Ok);
                let c = c.assume_init();
                (c_text(c.segment, c.segment_len), c.step, c_text(c.state, c.state_len).unwrap(), c.units, c.share)
            })
            .collect()
    }
}

#[test]
fn step_matrix_and_segment_difference() {
    let ev = table(E9);
    let mut o = touchpoint_step_matrix_options::touchpoint_step_matrix_options_default();
    assert_eq!((o.steps, o.unit), (10, touchpoint_funnel_unit::Journey as u32));
    o.steps = 2;
    o.unit = touchpoint_funnel_unit::Customer as u32;
    unsafe {
        let mut m = null_mut();
        assert_eq!(matrix::touchpoint_step_matrix_build(ev, &o, null(), 0, &mut m), touchpoint_result::Ok);
        let c = cells(m);
        let share = |step: i64, state: &str| c.iter().find(|x| x.1 == step && x.2 == state).map_or(0.0, |x| x.4);
        // first events: A for u1, u2, u4, u6; B for u3; C for u5
        assert!(close(share(1, "A"), 4.0 / 6.0) && close(share(1, "B"), 1.0 / 6.0));
        // second: u1 B, u2 C, u3 A, u4 A, u5 ended, u6 B
        assert!(close(share(2, "(ended)"), 1.0 / 6.0) && close(share(2, "A"), 2.0 / 6.0));
        for step in [1, 2] {
            let sum: f64 = c.iter().filter(|x| x.1 == step).map(|x| x.4).sum();
            assert!(close(sum, 1.0), "step {step} sums to {sum}");
        }
        let j: Value =
            serde_json::from_str(&text(|b, l, n| matrix::touchpoint_step_matrix_to_json(m, b, l, n))).unwrap();
        assert_eq!(j["steps"], serde_json::json!([1, 2]));
        // without segments there is no difference to take
        let mut n = 0usize;
        let r = matrix::touchpoint_step_matrix_difference_json(
            m,
            c"a".as_ptr(),
            1,
            c"b".as_ptr(),
            1,
            null_mut(),
            0,
            &mut n,
        );
        assert_eq!(r, touchpoint_result::InvalidArgument);
        assert!(last_error().contains("has no segments"));
        matrix::touchpoint_step_matrix_free(m);

        // centred on B, per segment
        o.centre = c"B".as_ptr();
        o.centre_len = 1;
        let labels: Vec<CString> =
            e9_customers().iter().map(|c| CString::new(if *c < "u4" { "north" } else { "south" }).unwrap()).collect();
        let ptrs: Vec<*const c_char> = labels.iter().map(|l| l.as_ptr()).collect();
        assert_eq!(
            matrix::touchpoint_step_matrix_build(ev, &o, ptrs.as_ptr(), ptrs.len(), &mut m),
            touchpoint_result::Ok
        );
        let c = cells(m);
        assert!(c.iter().all(|x| (-2..=2).contains(&x.1)));
        let north_b0 = c.iter().find(|x| x.0.as_deref() == Some("north") && x.1 == 0 && x.2 == "B").unwrap();
        assert_eq!(north_b0.3, 3);
        let d: Value = serde_json::from_str(&text(|b, l, n| {
            matrix::touchpoint_step_matrix_difference_json(m, c"north".as_ptr(), 5, c"south".as_ptr(), 5, b, l, n)
        }))
        .unwrap();
        let d = d.as_array().unwrap();
        assert!(!d.is_empty());
        for step in -2..=2 {
            let sum: f64 = d.iter().filter(|r| r["step"] == step).map(|r| r["difference"].as_f64().unwrap()).sum();
            assert!(sum.abs() < 1e-12, "step {step}");
        }
        let r = matrix::touchpoint_step_matrix_difference_json(
            m,
            c"north".as_ptr(),
            5,
            c"west".as_ptr(),
            4,
            null_mut(),
            0,
            &mut n,
        );
        assert_eq!(r, touchpoint_result::InvalidArgument);
        let msg = last_error();
        assert!(msg.contains("west") && msg.contains("north, south"), "{msg}");
        matrix::touchpoint_step_matrix_free(m);
        m = null_mut();

        // bad options
        o.centre = c"conversion".as_ptr();
        o.centre_len = 10;
        assert_eq!(matrix::touchpoint_step_matrix_build(ev, &o, null(), 0, &mut m), touchpoint_result::InvalidArgument);
        assert!(last_error().contains("centre"));
        o.centre = null();
        o.centre_len = 0;
        o.steps = 0;
        assert_eq!(matrix::touchpoint_step_matrix_build(ev, &o, null(), 0, &mut m), touchpoint_result::InvalidArgument);
        assert!(last_error().contains("steps"));
        o.steps = 3;
        o.unit = 9;
        assert_eq!(matrix::touchpoint_step_matrix_build(ev, &o, null(), 0, &mut m), touchpoint_result::InvalidArgument);
        assert!(last_error().contains("options.unit"));
        assert!(m.is_null());
        // defaults (NULL options): journeys, 10 steps
        assert_eq!(matrix::touchpoint_step_matrix_build(ev, null(), null(), 0, &mut m), touchpoint_result::Ok);
        let mut owned = null_mut();
        assert_eq!(matrix::touchpoint_step_matrix_to_json_string(m, &mut owned), touchpoint_result::Ok);
        let j: Value = serde_json::from_str(CStr::from_ptr(owned).to_str().unwrap()).unwrap();
        assert_eq!(j["steps"].as_array().unwrap().len(), 10);
        touchpoint_string_free(owned);
        matrix::touchpoint_step_matrix_free(m);
        events::touchpoint_event_table_free(ev);
    }
}

/// ORACLES E10: start days and return days of five customers (observation ends on day 3).
const E10: &[(&str, i64, &[i64])] =
    &[("c1", 0, &[1, 3]), ("c2", 0, &[2]), ("c3", 1, &[2, 3]), ("c4", 1, &[]), ("c5", 2, &[3])];

fn e10(purchases: bool) -> *mut events {
    let mut rows: Vec<(&str, Option<&str>, i64, bool)> = Vec::new();
    for &(c, start, returns) in E10 {
        if purchases {
            rows.push((c, Some("browse"), start, false));
            rows.push((c, None, start, true));
            rows.extend(returns.iter().map(|&d| (c, None, d, true)));
        } else {
            rows.push((c, Some("app"), start, false));
            rows.extend(returns.iter().map(|&d| (c, Some("web"), d, false)));
        }
    }
    table(&rows)
}

fn retention_cells(r: *const retention) -> Vec<touchpoint_retention_cell> {
    unsafe {
        let mut n = 0usize;
        assert_eq!(retention::touchpoint_retention_rows(r, &mut n), touchpoint_result::Ok);
        (0..n)
            .map(|i| {
                let mut c = std::mem::MaybeUninit::<touchpoint_retention_cell>::uninit();
                assert_eq!(retention::touchpoint_retention_row(r, i, c.as_mut_ptr()), touchpoint_result::Ok);
                c.assume_init()
            })
            .collect()
    }
}

fn retention_means(r: *const retention) -> Vec<touchpoint_retention_average> {
    unsafe {
        let mut n = 0usize;
        assert_eq!(retention::touchpoint_retention_means(r, &mut n), touchpoint_result::Ok);
        (0..n)
            .map(|i| {
                let mut c = std::mem::MaybeUninit::<touchpoint_retention_average>::uninit();
                assert_eq!(retention::touchpoint_retention_mean(r, i, c.as_mut_ptr()), touchpoint_result::Ok);
                c.assume_init()
            })
            .collect()
    }
}

/// The rate of cohort `day` in period `k` (None when unobserved or absent).
fn rate(cells: &[touchpoint_retention_cell], day: i64, k: usize) -> Option<f64> {
    cells.iter().find(|c| c.cohort_ms == day * DAY && c.period == k).map(|c| c.rate).filter(|r| !r.is_nan())
}

fn build_retention(
    ev: *const events,
    o: &touchpoint_retention_options,
) -> Result<*mut retention, (touchpoint_result, String)> {
    let mut r = null_mut();
    let code = unsafe { retention::touchpoint_retention_build(ev, o, null(), 0, &mut r) };
    if code == touchpoint_result::Ok { Ok(r) } else { Err((code, last_error())) }
}

#[test]
fn e10_retention_on_and_on_or_after() {
    let ev = e10(false);
    for align in [touchpoint_retention_alignment::Rolling, touchpoint_retention_alignment::Calendar] {
        let mut o = touchpoint_retention_options::touchpoint_retention_options_default();
        o.alignment = align as u32;
        let r = build_retention(ev, &o).unwrap();
        let c = retention_cells(r);
        for (day, want) in [
            (0, [Some(1.0), Some(0.5), Some(0.5), Some(0.5)]),
            (1, [Some(1.0), Some(0.5), Some(0.5), None]),
            (2, [Some(1.0), Some(1.0), None, None]),
        ] {
            for (k, w) in want.iter().enumerate() {
                assert_eq!(rate(&c, day, k), *w, "cohort {day} period {k} ({align:?})");
            }
        }
        let sizes: Vec<usize> = c.iter().filter(|x| x.period == 0).map(|x| x.cohort_size).collect();
        assert_eq!(sizes, [2, 2, 1]);
        let m = retention_means(r);
        let w: Vec<f64> = m.iter().map(|x| x.weighted_mean).collect();
        assert_eq!(w, [1.0, 0.6, 0.5, 0.5]);
        assert!(close(m[1].simple_mean, 2.0 / 3.0) && close(m[2].simple_mean, 0.5) && close(m[3].simple_mean, 0.5));
        assert_eq!((m[1].retained, m[1].observed, m[1].cohorts), (3, 5, 3));
        assert_eq!((m[3].retained, m[3].observed), (1, 2));
        let j: Value =
            serde_json::from_str(&text(|b, l, n| unsafe { retention::touchpoint_retention_to_json(r, b, l, n) }))
                .unwrap();
        let unobserved: Vec<&Value> =
            j["rows"].as_array().unwrap().iter().filter(|x| x["cohort"] == 2 * DAY && x["period"] == 2).collect();
        assert!(unobserved.len() == 1 && unobserved[0]["rate"].is_null() && unobserved[0]["observed"] == 0);
        assert_eq!(j["observation_end"], 3 * DAY);
        let shown = text(|b, l, n| unsafe { retention::touchpoint_retention_to_text(r, b, l, n) });
        assert!(shown.contains("weighted mean") && shown.contains("60.0%"), "{shown}");
        unsafe { retention::touchpoint_retention_free(r) };

        o.mode = touchpoint_retention_mode::OnOrAfter as u32;
        let r = build_retention(ev, &o).unwrap();
        let c = retention_cells(r);
        assert_eq!([rate(&c, 0, 1), rate(&c, 0, 2), rate(&c, 0, 3)], [Some(1.0), Some(1.0), Some(0.5)]);
        assert_eq!([rate(&c, 1, 1), rate(&c, 1, 2), rate(&c, 1, 3)], [Some(0.5), Some(0.5), None]);
        assert_eq!([rate(&c, 2, 1), rate(&c, 2, 2)], [Some(1.0), None]);
        unsafe { retention::touchpoint_retention_free(r) };
    }
    // an earlier end of observation, fewer periods, named activities, a custom period
    let mut o = touchpoint_retention_options::touchpoint_retention_options_default();
    o.has_observation_end = 1;
    o.observation_end_ms = 2 * DAY;
    o.start = c"app".as_ptr();
    o.start_len = 3;
    o.return_event = c"web".as_ptr();
    o.return_event_len = 3;
    o.period = c"24h".as_ptr();
    o.period_len = 3;
    o.periods = 1;
    let r = build_retention(ev, &o).unwrap();
    let c = retention_cells(r);
    assert!(c.iter().all(|x| x.period <= 1));
    // day 0: c1 back on day 1, c2 not; day 2's cohort: period 1 not begun by day 2
    assert_eq!((rate(&c, 0, 1), rate(&c, 2, 1)), (Some(0.5), None));
    unsafe { retention::touchpoint_retention_free(r) };
    unsafe { events::touchpoint_event_table_free(ev) };
}

#[test]
fn bad_retention_options() {
    let ev = e10(false);
    let d = touchpoint_retention_options::touchpoint_retention_options_default();
    let with = |f: &dyn Fn(&mut touchpoint_retention_options)| {
        let mut o = d;
        f(&mut o);
        build_retention(ev, &o).unwrap_err()
    };
    let (code, msg) = with(&|o| {
        o.period = c"0d".as_ptr();
        o.period_len = 2;
    });
    assert_eq!(code, touchpoint_result::InvalidArgument);
    assert!(msg.contains("options.period") && msg.contains("positive"), "{msg}");
    let (code, msg) = with(&|o| {
        o.period = c"fortnight".as_ptr();
        o.period_len = 9;
    });
    assert!(code == touchpoint_result::InvalidArgument && msg.contains("fortnight"), "{msg}");
    let (code, msg) = with(&|o| o.alignment = 2);
    assert!(code == touchpoint_result::InvalidArgument && msg.contains("options.alignment"), "{msg}");
    let (code, msg) = with(&|o| o.mode = 2);
    assert!(code == touchpoint_result::InvalidArgument && msg.contains("options.mode"), "{msg}");
    let (code, msg) = with(&|o| o.has_observation_end = 2);
    assert!(code == touchpoint_result::InvalidArgument && msg.contains("options.has_observation_end"), "{msg}");
    let (code, msg) = with(&|o| {
        o.start = c"nowhere".as_ptr();
        o.start_len = 7;
    });
    assert!(code == touchpoint_result::InvalidArgument && msg.contains("nowhere"), "{msg}");
    let (code, msg) = with(&|o| {
        o.start = c"".as_ptr();
        o.start_len = 0;
    });
    assert!(code == touchpoint_result::InvalidArgument && msg.contains("options.start"), "{msg}");
    let (code, msg) = with(&|o| {
        o.start = c"conversion".as_ptr();
        o.start_len = 10;
    });
    assert!(code == touchpoint_result::InvalidArgument && msg.contains("no customer has this start event"), "{msg}");
    let (code, _) = with(&|o| {
        o.return_event = null();
        o.return_event_len = 4;
    });
    assert_eq!(code, touchpoint_result::NullParameter);
    // repurchase needs conversions
    unsafe {
        let mut r = null_mut();
        assert_eq!(
            repurchase::touchpoint_repurchase_build(ev, null(), null(), 0, &mut r),
            touchpoint_result::ModelNotApplicable
        );
        assert!(last_error().contains("no conversions") && r.is_null());
        events::touchpoint_event_table_free(ev);
    }
}

#[test]
fn e10_repurchase() {
    let ev = e10(true);
    unsafe {
        let mut r = null_mut();
        assert_eq!(repurchase::touchpoint_repurchase_build(ev, null(), null(), 0, &mut r), touchpoint_result::Ok);
        let mut t = std::mem::MaybeUninit::<touchpoint_repurchase_totals>::uninit();
        assert_eq!(repurchase::touchpoint_repurchase_summary(r, t.as_mut_ptr()), touchpoint_result::Ok);
        let t = t.assume_init();
        assert_eq!((t.buyers, t.repeat_buyers, t.purchases), (5, 4, 11));
        assert!(close(t.repeat_rate, 0.8));
        // gaps: c1 1, 2; c2 2; c3 1, 1; c5 1 → median 1 day, mean 8/6 days
        let g = t.time_between_purchases;
        assert_eq!((g.n, g.median_ms, g.mean_ms), (6, DAY, (8 * DAY) / 6));
        let mut ret = null_mut();
        assert_eq!(repurchase::touchpoint_repurchase_retention(r, &mut ret), touchpoint_result::Ok);
        let w: Vec<f64> = retention_means(ret).iter().map(|m| m.weighted_mean).collect();
        assert_eq!(w, [1.0, 0.6, 0.5, 0.5]);
        retention::touchpoint_retention_free(ret);
        let j: Value =
            serde_json::from_str(&text(|b, l, n| repurchase::touchpoint_repurchase_to_json(r, b, l, n))).unwrap();
        assert_eq!(j["time_between_purchases"]["median"], DAY);
        assert_eq!(j["retention"]["start"], "conversion");
        assert_eq!(j["gaps"][0]["periods"], 1);
        assert_eq!(j["gaps"][0]["gaps"], 4);
        let shown = text(|b, l, n| repurchase::touchpoint_repurchase_to_text(r, b, l, n));
        assert!(shown.contains("5 buyers, 4 bought again"), "{shown}");
        let mut owned = null_mut();
        assert_eq!(repurchase::touchpoint_repurchase_to_json_string(r, &mut owned), touchpoint_result::Ok);
        touchpoint_string_free(owned);
        repurchase::touchpoint_repurchase_free(r);

        // per segment: c1, c2 in one segment, the rest in another
        let mut labels: Vec<CString> = Vec::new();
        for &(c, _, returns) in E10 {
            for _ in 0..2 + returns.len() {
                labels.push(CString::new(if c <= "c2" { "early" } else { "late" }).unwrap());
            }
        }
        let ptrs: Vec<*const c_char> = labels.iter().map(|l| l.as_ptr()).collect();
        let mut r = null_mut();
        assert_eq!(
            repurchase::touchpoint_repurchase_build(ev, null(), ptrs.as_ptr(), ptrs.len(), &mut r),
            touchpoint_result::Ok
        );
        let mut ret = null_mut();
        assert_eq!(repurchase::touchpoint_repurchase_retention(r, &mut ret), touchpoint_result::Ok);
        let segs: Vec<String> =
            retention_means(ret).iter().map(|m| c_text(m.segment, m.segment_len).unwrap()).collect();
        assert!(segs.contains(&"early".to_owned()) && segs.contains(&"late".to_owned()));
        retention::touchpoint_retention_free(ret);
        repurchase::touchpoint_repurchase_free(r);
        events::touchpoint_event_table_free(ev);
    }
}
