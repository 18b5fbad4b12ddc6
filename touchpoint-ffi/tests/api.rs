//! The conventions through the Rust view of the C API: NULL arguments, invalid UTF-8, unknown
//! models, size queries, out-parameters untouched on error.

use std::ffi::{CStr, c_char};
use std::ptr::{null, null_mut};

use touchpoint::attribution::touchpoint_comparison as cmp;
use touchpoint::events::touchpoint_event_table as events;
use touchpoint::graph::touchpoint_journey_graph as graph;
use touchpoint::journeys::touchpoint_journeys as journeys;
use touchpoint::paths::touchpoint_path_table as paths;
use touchpoint::{touchpoint_last_error_message, touchpoint_result, touchpoint_string_free};

fn last_error() -> String {
    let mut buf = vec![0 as c_char; 1024];
    let mut n = 0usize;
    let r = unsafe { touchpoint_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) };
    assert_eq!(r, touchpoint_result::Ok);
    let bytes: Vec<u8> = buf[..n].iter().map(|&c| c as u8).collect();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn null_arguments_are_reported_not_dereferenced() {
    unsafe {
        assert_eq!(events::touchpoint_event_table_new(null_mut()), touchpoint_result::NullParameter);
        assert!(last_error().contains("`out`"));
        assert_eq!(
            events::touchpoint_event_table_push(null_mut(), c"a".as_ptr(), 1, null(), 0, 0, 1, 1.0, f64::NAN),
            touchpoint_result::NullParameter
        );
        assert!(last_error().contains("`events`"));
        let mut out = null_mut();
        assert_eq!(journeys::touchpoint_journeys_build(null(), null(), &mut out), touchpoint_result::NullParameter);
        assert!(out.is_null(), "out-parameters are untouched on error");
        let mut n = 0usize;
        assert_eq!(cmp::touchpoint_comparison_models(null(), &mut n), touchpoint_result::NullParameter);
        assert!(last_error().contains("`comparison`"));
        events::touchpoint_event_table_free(null_mut());
        journeys::touchpoint_journeys_free(null_mut());
        paths::touchpoint_path_table_free(null_mut());
        cmp::touchpoint_comparison_free(null_mut());
        graph::touchpoint_journey_graph_free(null_mut());
        touchpoint_string_free(null_mut());
    }
}

#[test]
fn invalid_utf8_and_unknown_model() {
    unsafe {
        let mut ev = null_mut();
        assert_eq!(events::touchpoint_event_table_new(&mut ev), touchpoint_result::Ok);
        let bad = [0xffu8, 0xfe];
        let r = events::touchpoint_event_table_push(ev, bad.as_ptr().cast(), 2, c"x".as_ptr(), 1, 0, 0, 0.0, f64::NAN);
        assert_eq!(r, touchpoint_result::InvalidUtf8);
        assert!(last_error().contains("`customer`"));
        assert_eq!(
            events::touchpoint_event_table_push(ev, c"c".as_ptr(), 1, c"x".as_ptr(), 1, 0, 1, 3.0, f64::NAN),
            touchpoint_result::Ok
        );
        let mut j = null_mut();
        assert_eq!(journeys::touchpoint_journeys_build(ev, null(), &mut j), touchpoint_result::Ok);
        let mut c = null_mut();
        let r = cmp::touchpoint_attribute_journeys(j, c"magic".as_ptr(), 5, null(), &mut c);
        assert_eq!(r, touchpoint_result::InvalidArgument);
        assert!(last_error().contains("magic"));
        assert!(c.is_null());
        journeys::touchpoint_journeys_free(j);
        events::touchpoint_event_table_free(ev);
    }
}

#[test]
fn size_query_then_write() {
    unsafe {
        let mut p = null_mut();
        assert_eq!(paths::touchpoint_path_table_new(&mut p), touchpoint_result::Ok);
        assert_eq!(
            paths::touchpoint_path_table_add(p, c"a > b".as_ptr(), 5, c">".as_ptr(), 1, 1.0, 1.0, 2.0),
            touchpoint_result::Ok
        );
        let mut c = null_mut();
        assert_eq!(
            cmp::touchpoint_attribute_paths(p, c"linear,markov".as_ptr(), 13, null(), &mut c),
            touchpoint_result::Ok
        );
        let mut n = 0usize;
        assert_eq!(cmp::touchpoint_comparison_to_json(c, null_mut(), 0, &mut n), touchpoint_result::BufferTooSmall);
        let mut buf = vec![0 as c_char; n + 1];
        assert_eq!(cmp::touchpoint_comparison_to_json(c, buf.as_mut_ptr(), buf.len(), &mut n), touchpoint_result::Ok);
        let s = CStr::from_ptr(buf.as_ptr()).to_str().unwrap();
        let v: serde_json::Value = serde_json::from_str(s).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
        let mut owned = null_mut();
        assert_eq!(cmp::touchpoint_comparison_to_json_string(c, &mut owned), touchpoint_result::Ok);
        assert_eq!(CStr::from_ptr(owned).to_str().unwrap(), s);
        touchpoint_string_free(owned);
        cmp::touchpoint_comparison_free(c);
        paths::touchpoint_path_table_free(p);
    }
}
