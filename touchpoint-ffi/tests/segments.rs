//! Intervals, segments and personas through the Rust view of the C API: the JSON figures are
//! the core's (bit for bit, intervals included), concurrent calls on one handle agree, the
//! persona assignments are the core's segments, and misuse is reported naming the argument.

use std::ffi::{CStr, CString, c_char};
use std::ptr::{null, null_mut};

use serde_json::Value;
use touchpoint::events::touchpoint_event_table as events;
use touchpoint::journeys::touchpoint_journeys as journeys;
use touchpoint::segments as s;
use touchpoint::{touchpoint_last_error_message, touchpoint_result, touchpoint_string_free};
use touchpoint_core::attribution::AttributionModel;
use touchpoint_core::bootstrap::BootstrapOptions;
use touchpoint_core::segment::Segments;
use touchpoint_core::{Data, Event, EventTable, Journeys};

fn last_error() -> String {
    let mut buf = vec![0 as c_char; 2048];
    let mut n = 0usize;
    let r = unsafe { touchpoint_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) };
    assert_eq!(r, touchpoint_result::Ok);
    let bytes: Vec<u8> = buf[..n].iter().map(|&c| c as u8).collect();
    String::from_utf8(bytes).unwrap()
}

/// Take a library-owned string.
fn take(p: *mut c_char) -> String {
    let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned();
    unsafe { touchpoint_string_free(p) };
    s
}

fn json(f: impl Fn(*mut *mut c_char) -> touchpoint_result) -> Value {
    let mut out = null_mut();
    let r = f(&mut out);
    assert_eq!(r, touchpoint_result::Ok, "{}", last_error());
    serde_json::from_str(&take(out)).unwrap()
}

/// Demo events pushed through the C API, the journeys built from them (C and core), and
/// segments by the parity of the customer key's last digit.
struct Demo {
    events: *mut events,
    journeys: *mut journeys,
    core: Journeys,
    names: Vec<CString>,
    labels: Vec<&'static CStr>,
}

impl Demo {
    fn new() -> Demo {
        let demo =
            touchpoint_core::demo::events(&touchpoint_core::demo::DemoOptions { customers: 200, ..Default::default() })
                .unwrap();
        unsafe {
            let mut ev = null_mut();
            assert_eq!(events::touchpoint_event_table_new(&mut ev), touchpoint_result::Ok);
            for r in demo.rows() {
                let (tp, tp_len) = r.touchpoint.map_or((null(), 0), |t| (t.as_ptr().cast(), t.len()));
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
                    f64::NAN,
                );
                assert_eq!(code, touchpoint_result::Ok);
            }
            let mut j = null_mut();
            assert_eq!(journeys::touchpoint_journeys_build(ev, null(), &mut j), touchpoint_result::Ok);
            // the same rows pushed in the same order through the core (same codes, same catalog)
            let mut b = EventTable::builder();
            for r in demo.rows() {
                let e = Event {
                    customer: r.customer_id,
                    touchpoint: r.touchpoint,
                    time: r.timestamp.0,
                    converted: r.converted,
                    value: r.value,
                    feedback: None,
                };
                b.push(e).unwrap();
            }
            let (core, _) = Journeys::build(&b.finish().unwrap(), &Default::default()).unwrap();
            let names: Vec<CString> = core.customer_names().iter().map(|n| CString::new(n).unwrap()).collect();
            let labels = names
                .iter()
                .map(|n| if n.to_bytes().last().is_some_and(|b| b % 2 == 0) { c"even" } else { c"odd" })
                .collect();
            Demo { events: ev, journeys: j, core, names, labels }
        }
    }

    fn pointers(&self) -> (Vec<*const c_char>, Vec<*const c_char>) {
        (self.names.iter().map(|n| n.as_ptr()).collect(), self.labels.iter().map(|l| l.as_ptr()).collect())
    }

    fn core_segments(&self) -> Segments {
        let pairs: Vec<(&str, &str)> =
            self.names.iter().zip(&self.labels).map(|(n, l)| (n.to_str().unwrap(), l.to_str().unwrap())).collect();
        Segments::from_customer_names(self.core.customer_names(), &pairs).unwrap()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        unsafe {
            journeys::touchpoint_journeys_free(self.journeys);
            events::touchpoint_event_table_free(self.events);
        }
    }
}

/// Every key of the C row has the core row's value; the keys it leaves out are null in the core.
/// Numbers agree to the last bit but one (serde_json's float parser may round the last bit).
fn same_row(what: &str, c: &Value, core: &Value) {
    let (c, core) = (c.as_object().unwrap(), core.as_object().unwrap());
    for (k, v) in core {
        let got = c.get(k).unwrap_or(&Value::Null);
        match (got.as_f64(), v.as_f64()) {
            (Some(x), Some(y)) => assert!((x - y).abs() <= 4.0 * f64::EPSILON * y.abs(), "{what}: {k}: {x} vs {y}"),
            _ => assert_eq!(got, v, "{what}: {k}"),
        }
    }
    assert!(c.keys().all(|k| core.contains_key(k)), "{what}: {c:?}");
}

fn same_rows<T: serde::Serialize>(what: &str, c: &Value, core: &[T]) {
    let c = c.as_array().unwrap();
    assert_eq!(c.len(), core.len(), "{what}");
    assert!(!c.is_empty(), "{what}: no rows");
    for (i, (x, y)) in c.iter().zip(core).enumerate() {
        same_row(&format!("{what}[{i}]"), x, &serde_json::to_value(y).unwrap());
    }
}

const OPTS: &str = r#"{"models": ["markov", "linear"], "bootstrap": 30, "seed": 4, "ci": 0.9}"#;

fn boot() -> BootstrapOptions {
    BootstrapOptions { resamples: 30, seed: 4, level: 0.9 }
}

#[test]
fn figures_are_the_cores() {
    let d = Demo::new();
    let (np, lp) = d.pointers();
    let (op, ol) = (OPTS.as_ptr().cast::<c_char>(), OPTS.len());
    let models = [AttributionModel::markov(1), AttributionModel::Linear];
    let seg = d.core_segments();
    unsafe {
        let c = json(|o| s::touchpoint_attribute_journeys_intervals_json(d.journeys, op, ol, o));
        let core = touchpoint_core::attribution::intervals::compare_with_intervals(
            Data::Journeys(&d.core),
            &models,
            &Default::default(),
            &boot(),
        )
        .unwrap();
        for (m, credits) in core.iter().enumerate() {
            same_rows("intervals", &c[m]["rows"], &credits.table());
            assert_eq!(c[m]["notes"], serde_json::to_value(&credits.notes).unwrap());
        }

        let c = json(|o| s::touchpoint_graph_intervals_json(d.journeys, op, ol, o));
        let core =
            touchpoint_core::graph::intervals::graph_intervals(Data::Journeys(&d.core), 1, None, &boot()).unwrap();
        same_rows("graph intervals", &c["rows"], &core.rows);
        assert_eq!(c["notes"], serde_json::to_value(&core.notes).unwrap());

        let c = json(|o| {
            s::touchpoint_attribution_by_segment_json(d.journeys, np.as_ptr(), lp.as_ptr(), np.len(), op, ol, o)
        });
        let core = touchpoint_core::segmented::attribute_by_segment(
            &d.core,
            &seg,
            &models,
            &Default::default(),
            Some(&boot()),
        )
        .unwrap();
        same_rows("by segment", &c["rows"], &core.table());
        let labels: Vec<&str> = core.segments.iter().map(|s| s.segment.as_str()).collect();
        assert_eq!(labels.len(), 2);
        same_rows("by segment compare", &c["compare"], &core.compare(labels[0], labels[1]).unwrap());
        let c = json(|o| {
            s::touchpoint_attribution_segment_compare_json(
                d.journeys,
                np.as_ptr(),
                lp.as_ptr(),
                np.len(),
                c"odd".as_ptr(),
                3,
                c"even".as_ptr(),
                4,
                op,
                ol,
                o,
            )
        });
        same_rows("compare", &c, &core.compare("odd", "even").unwrap());

        let c =
            json(|o| s::touchpoint_graph_by_segment_json(d.journeys, np.as_ptr(), lp.as_ptr(), np.len(), op, ol, o));
        let core = touchpoint_core::segmented::graph_by_segment(&d.core, &seg, 1, None, Some(&boot())).unwrap();
        same_rows("graph by segment", &c["rows"], &core.table());
        let labels: Vec<&str> = core.segments.iter().map(|s| s.segment.as_str()).collect();
        same_rows("graph by segment compare", &c["compare"], &core.compare(labels[0], labels[1]).unwrap());

        let top = r#"{"top": 3, "rank": "value"}"#;
        let c = json(|o| {
            s::touchpoint_top_paths_by_segment_json(
                d.journeys,
                np.as_ptr(),
                lp.as_ptr(),
                np.len(),
                top.as_ptr().cast(),
                top.len(),
                o,
            )
        });
        let core = touchpoint_core::segmented::top_paths_by_segment(&d.core, &seg, 3, touchpoint_core::PathRank::Value)
            .unwrap();
        same_rows("top paths", &c, &core);
    }
}

#[test]
fn persona_assignments_are_the_core_segments() {
    let d = Demo::new();
    let opts = r#"{"persona": {"k": 3, "seed": 2}}"#;
    let c = json(|o| unsafe { s::touchpoint_personas_json(d.journeys, opts.as_ptr().cast(), opts.len(), o) });
    let core = touchpoint_core::persona::personas(
        &d.core,
        &touchpoint_core::persona::PersonaOptions { k: Some(3), seed: 2, ..Default::default() },
    )
    .unwrap();
    same_rows("persona rows", &c["rows"], &core.rows);
    assert_eq!(c["k"], 3);
    let a = c["assignments"].as_array().unwrap();
    assert_eq!(a.len(), d.core.customer_names().len());
    for (i, (x, name)) in a.iter().zip(d.core.customer_names().iter()).enumerate() {
        assert_eq!(x["customer"], name);
        assert_eq!(x["persona"], core.segments.label_of_customer(i as u32), "{name}");
    }
}

/// Safe to call concurrently on the same handle: every thread gets the same text.
#[test]
fn concurrent_calls_agree() {
    struct Shared(*const journeys);
    // SAFETY: the functions only read the handle (their documented thread-safety).
    unsafe impl Sync for Shared {}
    let d = Demo::new();
    let h = Shared(d.journeys);
    let run = |h: &Shared| {
        let mut out = null_mut();
        let r =
            unsafe { s::touchpoint_attribute_journeys_intervals_json(h.0, OPTS.as_ptr().cast(), OPTS.len(), &mut out) };
        assert_eq!(r, touchpoint_result::Ok);
        take(out)
    };
    let texts: Vec<String> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..4).map(|_| sc.spawn(|| run(&h))).collect();
        hs.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(texts.iter().all(|t| t == &texts[0]));
    assert_eq!(texts[0], run(&h));
}

#[test]
fn misuse_names_the_argument() {
    let d = Demo::new();
    let mut out = null_mut();
    unsafe {
        let zero = r#"{"bootstrap": 0}"#;
        let r = s::touchpoint_graph_intervals_json(d.journeys, zero.as_ptr().cast(), zero.len(), &mut out);
        assert_eq!(r, touchpoint_result::InvalidArgument);
        let e = last_error();
        assert!(e.contains("options_json") && e.contains("`bootstrap` = 0"), "{e}");
        let bad = [0xffu8, 0];
        let names = [c"c0001".as_ptr(), bad.as_ptr().cast()];
        let labels = [c"a".as_ptr(), c"b".as_ptr()];
        let r = s::touchpoint_top_paths_by_segment_json(
            d.journeys,
            names.as_ptr(),
            labels.as_ptr(),
            2,
            null(),
            0,
            &mut out,
        );
        assert_eq!(r, touchpoint_result::InvalidUtf8);
        assert!(last_error().contains("`customer_names[1]`"), "{}", last_error());
        let names = [c"nobody".as_ptr()];
        let r = s::touchpoint_top_paths_by_segment_json(
            d.journeys,
            names.as_ptr(),
            labels.as_ptr(),
            1,
            null(),
            0,
            &mut out,
        );
        assert_eq!(r, touchpoint_result::InvalidArgument);
        assert!(last_error().contains("\"nobody\""), "{}", last_error());
        let r = s::touchpoint_personas_json(null(), null(), 0, &mut out);
        assert_eq!(r, touchpoint_result::NullParameter);
        assert!(last_error().contains("`journeys`"));
        assert!(out.is_null(), "out_json is untouched on error");
    }
}
