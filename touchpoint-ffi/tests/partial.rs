//! Mergeable partials through the Rust view of the C API: what the C functions build is the
//! core's partial byte for byte (the spec's arguments converted faithfully), partials of
//! different specs are INCOMPATIBLE, the builder's states, and NULL and out-of-range arguments.

use std::ffi::{CStr, CString, c_char};
use std::ptr::{null, null_mut};

use touchpoint::attribution::{touchpoint_comparison as cmp, touchpoint_model_params as params};
use touchpoint::events::touchpoint_event_table as events;
use touchpoint::graph::touchpoint_journey_graph as graph;
use touchpoint::journeys::{touchpoint_journey_options as options, touchpoint_journey_report};
use touchpoint::partial::{
    touchpoint_partial as partial, touchpoint_partial_builder as builder, touchpoint_partial_spec as spec,
};
use touchpoint::paths::touchpoint_path_table as paths;
use touchpoint::{touchpoint_last_error_message, touchpoint_result, touchpoint_result_str, touchpoint_string_free};
use touchpoint_core::attribution::{AttributionModel, MarkovAllocation, ValueBasis};
use touchpoint_core::partial::{Partial, PartialBuilder, PartialSpec};
use touchpoint_core::{DAY_MS, Event, EventTable, JourneyOptions};

fn last_error() -> String {
    let mut buf = vec![0 as c_char; 2048];
    let mut n = 0usize;
    let r = unsafe { touchpoint_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) };
    assert_eq!(r, touchpoint_result::Ok);
    let bytes: Vec<u8> = buf[..n].iter().map(|&c| c as u8).collect();
    String::from_utf8(bytes).unwrap()
}

#[track_caller]
fn ok(r: touchpoint_result) {
    assert_eq!(r, touchpoint_result::Ok, "{}", last_error());
}

/// A code and a message that mentions `needle`.
#[track_caller]
fn fails(r: touchpoint_result, code: touchpoint_result, needle: &str) {
    assert_eq!(r, code, "{}", last_error());
    let msg = last_error();
    assert!(msg.contains(needle), "{msg:?} does not mention {needle:?}");
}

/// One event row: customer, touchpoint (None: a pure conversion), time, converted, value.
type Row = (String, Option<String>, i64, bool, f64);

/// The demo events, each customer's rows together (sorted by customer, then time).
fn demo_rows(customers: usize) -> Vec<Row> {
    let demo =
        touchpoint_core::demo::events(&touchpoint_core::demo::DemoOptions { customers, ..Default::default() }).unwrap();
    let mut rows: Vec<Row> = demo
        .rows()
        .map(|r| (r.customer_id.to_owned(), r.touchpoint.map(str::to_owned), r.timestamp.0, r.converted, r.value))
        .collect();
    rows.sort_by(|a, b| (&a.0, a.2).cmp(&(&b.0, b.2)));
    rows
}

/// The rows as a C event table and as a core one.
fn tables(rows: &[Row]) -> (*mut events, EventTable) {
    let mut core = EventTable::builder();
    let mut ev = null_mut();
    unsafe {
        ok(events::touchpoint_event_table_new(&mut ev));
        for (c, tp, t, conv, v) in rows {
            let (p, l) = tp.as_deref().map_or((null(), 0), |x| (x.as_ptr().cast(), x.len()));
            ok(events::touchpoint_event_table_push(
                ev,
                c.as_ptr().cast(),
                c.len(),
                p,
                l,
                *t,
                u8::from(*conv),
                *v,
                f64::NAN,
            ));
        }
    }
    for (c, tp, t, conv, v) in rows {
        let e = Event { customer: c, touchpoint: tp.as_deref(), time: *t, converted: *conv, value: *v, feedback: None };
        core.push(e).unwrap();
    }
    (ev, core.finish().unwrap())
}

fn bytes_of(p: *const partial) -> Vec<u8> {
    let mut n = 0usize;
    unsafe {
        assert_eq!(partial::touchpoint_partial_to_bytes(p, null_mut(), 0, &mut n), touchpoint_result::BufferTooSmall);
        let mut b = vec![0u8; n];
        ok(partial::touchpoint_partial_to_bytes(p, b.as_mut_ptr(), n, &mut n));
        assert_eq!(n, b.len());
        b
    }
}

/// A C spec over `vocabulary` with the given models and options, the path table and order 3.
fn c_spec(vocabulary: &[&str], catalog_json: Option<&str>, models: &str, p: &params, o: &options) -> *mut spec {
    let names: Vec<CString> = vocabulary.iter().map(|s| CString::new(*s).unwrap()).collect();
    let ptrs: Vec<*const c_char> = names.iter().map(|n| n.as_ptr()).collect();
    let (cj, cl) = catalog_json.map_or((null(), 0), |s| (s.as_ptr().cast(), s.len()));
    let orders = [3u32];
    let mut s = null_mut();
    unsafe {
        ok(spec::touchpoint_partial_spec_new(
            ptrs.as_ptr(),
            ptrs.len(),
            cj,
            cl,
            o,
            models.as_ptr().cast(),
            models.len(),
            p,
            orders.as_ptr(),
            1,
            1,
            &mut s,
        ));
    }
    s
}

fn c_build(s: *const spec, batches: &[*mut events]) -> *mut partial {
    let (mut b, mut p) = (null_mut(), null_mut());
    unsafe {
        ok(builder::touchpoint_partial_builder_new(s, &mut b));
        for &ev in batches {
            ok(builder::touchpoint_partial_builder_push(b, ev));
        }
        ok(builder::touchpoint_partial_builder_finish(b, &mut p));
        builder::touchpoint_partial_builder_free(b);
    }
    p
}

/// Two shards of the demo through C and through the core: the same bytes shard by shard and
/// merged, and the same fingerprint; the catalog's attributes (costs, direct flags) reach the
/// spec, the parameters and journey options too.
#[test]
fn c_partials_are_the_core_partials() {
    let rows = demo_rows(300);
    let (a, b): (Vec<Row>, Vec<Row>) = rows.iter().cloned().partition(|r| r.0.bytes().last().unwrap() % 2 == 0);
    let catalog = touchpoint_core::demo::catalog();
    let vocabulary: Vec<&str> = catalog.names().iter().map(String::as_str).collect();
    let journeys = JourneyOptions { lookback_ms: Some(30 * DAY_MS), collapse_repeats: true, ..Default::default() };
    let models = [
        AttributionModel::LastNonDirect,
        AttributionModel::Linear,
        AttributionModel::Markov {
            order: 2,
            allocation: MarkovAllocation::PerJourney,
            value_basis: ValueBasis::ValueRemovalEffect,
        },
        AttributionModel::ShaoLi,
    ];
    let core_spec = PartialSpec::from_catalog(&catalog, journeys)
        .unwrap()
        .models(&models)
        .unwrap()
        .graph_orders(&[3])
        .unwrap()
        .with_paths(true);
    let mut p = params::touchpoint_model_params_default();
    (p.order, p.allocation, p.value_basis) = (2, 1, 1);
    let mut o = options::touchpoint_journey_options_default();
    (o.lookback_ms, o.collapse_repeats) = (30 * DAY_MS, 1);
    // names in any order, repeated: sorted and deduplicated
    let mut shuffled = vocabulary.clone();
    shuffled.reverse();
    shuffled.push(vocabulary[0]);
    let s = c_spec(&shuffled, Some(&catalog.to_json()), "last_non_direct, linear,markov,shao_li", &p, &o);
    unsafe {
        let mut fp = 0u64;
        ok(spec::touchpoint_partial_spec_fingerprint(s, &mut fp));
        assert_eq!(fp, core_spec.fingerprint());

        let ((ea, ta), (eb, tb)) = (tables(&a), tables(&b));
        let (pa, pb) = (c_build(s, &[ea]), c_build(s, &[eb]));
        let core_a = {
            let mut x = PartialBuilder::new(&core_spec);
            x.push(&ta).unwrap();
            x.finish().unwrap()
        };
        let core_b = {
            let mut x = PartialBuilder::new(&core_spec);
            x.push(&tb).unwrap();
            x.finish().unwrap()
        };
        assert_eq!(bytes_of(pa), core_a.to_bytes());
        assert_eq!(bytes_of(pb), core_b.to_bytes());
        ok(partial::touchpoint_partial_merge(pa, pb));
        let merged = Partial::merge_all(&core_spec, [&core_a, &core_b]).unwrap();
        assert_eq!(bytes_of(pa), merged.to_bytes());

        // the finished analyses are the core's
        let mut c = null_mut();
        ok(partial::touchpoint_partial_attribute(pa, &mut c));
        let mut m = 0usize;
        ok(cmp::touchpoint_comparison_models(c, &mut m));
        assert_eq!(m, models.len());
        let mut n = 0usize;
        assert_eq!(cmp::touchpoint_comparison_to_json(c, null_mut(), 0, &mut n), touchpoint_result::BufferTooSmall);
        let mut buf = vec![0 as c_char; n + 1];
        ok(cmp::touchpoint_comparison_to_json(c, buf.as_mut_ptr(), buf.len(), &mut n));
        let ours = CStr::from_ptr(buf.as_ptr()).to_str().unwrap();
        assert_eq!(ours, serde_json::to_string_pretty(&merged.attribute().unwrap()).unwrap());
        cmp::touchpoint_comparison_free(c);
        let mut r = touchpoint_journey_report::default();
        ok(partial::touchpoint_partial_report(pa, &mut r));
        let want = touchpoint_journey_report::from(&merged.report());
        assert_eq!((r.events_in, r.customers, r.touches_kept), (want.events_in, want.customers, want.touches_kept));
        assert_eq!(r.touches_collapsed, want.touches_collapsed);
        assert!(r.touches_collapsed > 0 && r.touches_outside_lookback > 0, "the journey options reached the spec");
        let mut json = null_mut();
        ok(partial::touchpoint_partial_report_json(pa, &mut json));
        let v = CStr::from_ptr(json).to_str().unwrap().to_owned();
        touchpoint_string_free(json);
        assert_eq!(v, serde_json::to_string_pretty(&merged.report()).unwrap());
        for order in [1u32, 2, 3] {
            let mut g = null_mut();
            let r = partial::touchpoint_partial_graph(pa, order, &mut g);
            if order == 1 {
                fails(r, touchpoint_result::InvalidArgument, "order-1");
                assert!(g.is_null());
            } else {
                ok(r);
                graph::touchpoint_journey_graph_free(g);
            }
        }
        let mut t = null_mut();
        ok(partial::touchpoint_partial_path_table(pa, &mut t));
        let mut len = 0usize;
        ok(paths::touchpoint_path_table_len(t, &mut len));
        assert_eq!(len, merged.path_table().unwrap().len());
        paths::touchpoint_path_table_free(t);

        for p in [pa, pb] {
            partial::touchpoint_partial_free(p);
        }
        events::touchpoint_event_table_free(ea);
        events::touchpoint_event_table_free(eb);
        spec::touchpoint_partial_spec_free(s);
    }
}

/// A shard cut into batches anywhere (inside a customer too) gives the same bytes; merging a
/// partial into itself is merging a copy.
#[test]
fn batches_and_self_merge() {
    let rows = demo_rows(80);
    let p = params::touchpoint_model_params_default();
    let o = options::touchpoint_journey_options_default();
    let vocabulary: Vec<String> = touchpoint_core::demo::catalog().names().to_vec();
    let vocabulary: Vec<&str> = vocabulary.iter().map(String::as_str).collect();
    let s = c_spec(&vocabulary, None, "first,time_decay,markov,shapley", &p, &o);
    unsafe {
        let (whole, _) = tables(&rows);
        let one = c_build(s, &[whole]);
        for size in [1, 7, rows.len() / 2 + 1] {
            let batches: Vec<*mut events> = rows.chunks(size).map(|c| tables(c).0).collect();
            let cut = c_build(s, &batches);
            assert_eq!(bytes_of(cut), bytes_of(one), "batches of {size} rows");
            partial::touchpoint_partial_free(cut);
            batches.into_iter().for_each(|e| events::touchpoint_event_table_free(e));
        }
        let mut copy = null_mut();
        let b = bytes_of(one);
        ok(partial::touchpoint_partial_from_bytes(b.as_ptr(), b.len(), &mut copy));
        ok(partial::touchpoint_partial_merge(copy, one));
        ok(partial::touchpoint_partial_merge(one, one));
        assert_eq!(bytes_of(one), bytes_of(copy));
        let mut parts = 0u64;
        ok(partial::touchpoint_partial_parts(one, &mut parts));
        assert_eq!(parts, 2);
        partial::touchpoint_partial_free(copy);
        partial::touchpoint_partial_free(one);
        events::touchpoint_event_table_free(whole);
        spec::touchpoint_partial_spec_free(s);
    }
}

/// Partials of different specs do not merge: INCOMPATIBLE, naming what differs, and the one
/// merged into is unchanged. The bytes keep the spec: a loaded partial refuses too.
#[test]
fn merging_different_specs_is_incompatible() {
    let p = params::touchpoint_model_params_default();
    let o = options::touchpoint_journey_options_default();
    let mut later = o;
    later.lookback_ms = 7 * DAY_MS;
    let rows = demo_rows(40);
    let names = touchpoint_core::demo::catalog().names().to_vec();
    let v: Vec<&str> = names.iter().map(String::as_str).collect();
    let cost = format!(r#"[{{"name": "{}", "cost": 1}}]"#, v[0]);
    let base = c_spec(&v, None, "linear", &p, &o);
    let cases = [
        (c_spec(&v[..2], None, "linear", &p, &o), "vocabularies differ"),
        (c_spec(&v, None, "linear", &p, &later), "journey options differ"),
        (c_spec(&v, None, "linear,first", &p, &o), "models differ"),
        (c_spec(&v, Some(&cost), "linear", &p, &o), "fingerprints"),
    ];
    unsafe {
        let name = CStr::from_ptr(touchpoint_result_str(touchpoint_result::Incompatible as u32));
        assert_eq!(name.to_str().unwrap(), "TOUCHPOINT_RESULT_INCOMPATIBLE");
        assert_eq!(touchpoint_result::Incompatible as u32, 14);
        let (ev, _) = tables(&rows);
        let into = c_build(base, &[ev]);
        let before = bytes_of(into);
        for (other, what) in cases {
            let mut e = null_mut();
            ok(partial::touchpoint_partial_empty(other, &mut e));
            fails(partial::touchpoint_partial_merge(into, e), touchpoint_result::Incompatible, what);
            assert!(last_error().contains("fingerprints"));
            assert_eq!(bytes_of(into), before, "unchanged");
            // through bytes: the spec comes along
            let b = bytes_of(e);
            let mut loaded = null_mut();
            ok(partial::touchpoint_partial_from_bytes(b.as_ptr(), b.len(), &mut loaded));
            fails(partial::touchpoint_partial_merge(loaded, into), touchpoint_result::Incompatible, what);
            partial::touchpoint_partial_free(loaded);
            partial::touchpoint_partial_free(e);
            spec::touchpoint_partial_spec_free(other);
        }
        partial::touchpoint_partial_free(into);
        events::touchpoint_event_table_free(ev);
        spec::touchpoint_partial_spec_free(base);
    }
}

/// Open, finished and failed builders: finish consumes (the handle stays, to be freed), a failed
/// push spends the builder, an empty table or a NULL `out` changes nothing.
#[test]
fn builder_states() {
    let p = params::touchpoint_model_params_default();
    let o = options::touchpoint_journey_options_default();
    let s = c_spec(&["email", "search"], None, "linear", &p, &o);
    let row = |c: &str, tp: &str, t: i64| (c.to_owned(), Some(tp.to_owned()), t, false, 0.0);
    unsafe {
        let (mut b, mut out) = (null_mut(), null_mut());
        ok(builder::touchpoint_partial_builder_new(s, &mut b));
        let (mut empty, mut known) = (null_mut(), tables(&[row("c1", "email", 1)]).0);
        ok(events::touchpoint_event_table_new(&mut empty));
        fails(builder::touchpoint_partial_builder_push(b, empty), touchpoint_result::EmptyInput, "");
        ok(builder::touchpoint_partial_builder_push(b, known));
        fails(builder::touchpoint_partial_builder_finish(b, null_mut()), touchpoint_result::NullParameter, "`out`");
        ok(builder::touchpoint_partial_builder_finish(b, &mut out));
        let mut again = null_mut();
        fails(builder::touchpoint_partial_builder_finish(b, &mut again), touchpoint_result::InvalidState, "already");
        fails(builder::touchpoint_partial_builder_push(b, known), touchpoint_result::InvalidState, "finished");
        assert!(again.is_null());
        let mut r = touchpoint_journey_report::default();
        ok(partial::touchpoint_partial_report(out, &mut r));
        assert_eq!((r.events_in, r.customers), (1, 1));
        partial::touchpoint_partial_free(out);
        builder::touchpoint_partial_builder_free(b);

        // an unknown touchpoint: the builder is spent
        ok(builder::touchpoint_partial_builder_new(s, &mut b));
        let unknown = tables(&[row("c1", "email", 1), row("c2", "radio", 2)]).0;
        fails(builder::touchpoint_partial_builder_push(b, unknown), touchpoint_result::InvalidArgument, "radio");
        fails(builder::touchpoint_partial_builder_push(b, known), touchpoint_result::InvalidState, "earlier push");
        let mut none = null_mut();
        fails(builder::touchpoint_partial_builder_finish(b, &mut none), touchpoint_result::InvalidState, "earlier");
        assert!(none.is_null());
        builder::touchpoint_partial_builder_free(b);

        // within a batch rows may come in any order; a customer of an earlier batch (not its
        // last row's) must not come back: found by a later push or by finish
        ok(builder::touchpoint_partial_builder_new(s, &mut b));
        events::touchpoint_event_table_free(known);
        known =
            tables(&[row("c1", "email", 1), row("c2", "search", 2), row("c1", "email", 3), row("c3", "email", 4)]).0;
        ok(builder::touchpoint_partial_builder_push(b, known));
        let c1_c4 = tables(&[row("c1", "search", 5), row("c4", "search", 6)]).0;
        let mut r = builder::touchpoint_partial_builder_push(b, c1_c4);
        if r == touchpoint_result::Ok {
            r = builder::touchpoint_partial_builder_finish(b, &mut none);
        }
        fails(r, touchpoint_result::InvalidValue, "customer");
        assert!(last_error().contains("row"), "{}", last_error());
        fails(builder::touchpoint_partial_builder_finish(b, &mut none), touchpoint_result::InvalidState, "");
        assert!(none.is_null());
        events::touchpoint_event_table_free(c1_c4);
        builder::touchpoint_partial_builder_free(b);

        for e in [empty, known, unknown] {
            events::touchpoint_event_table_free(e);
        }
        spec::touchpoint_partial_spec_free(s);
    }
}

/// Every argument a caller writes is checked, naming it; nothing is written on error.
#[test]
fn checked_arguments() {
    let names = [c"email".as_ptr(), c"search".as_ptr()];
    let new = |vocab: *const *const c_char,
               n: usize,
               models: &str,
               p: *const params,
               o: *const options,
               orders: &[u32],
               paths: u8|
     -> (touchpoint_result, *mut spec) {
        let mut s = null_mut();
        let (op, on) = if orders.is_empty() { (null(), 0) } else { (orders.as_ptr(), orders.len()) };
        let r = unsafe {
            spec::touchpoint_partial_spec_new(
                vocab,
                n,
                null(),
                0,
                o,
                models.as_ptr().cast(),
                models.len(),
                p,
                op,
                on,
                paths,
                &mut s,
            )
        };
        if r != touchpoint_result::Ok {
            assert!(s.is_null(), "out is written only on success");
        }
        (r, s)
    };
    let v = names.as_ptr();
    let d = params::touchpoint_model_params_default();
    let check = |(r, _): (touchpoint_result, *mut spec), code: touchpoint_result, needle: &str| fails(r, code, needle);
    check(new(v, 2, "linear", null(), null(), &[], 2), touchpoint_result::InvalidArgument, "`paths` = 2");
    check(new(v, 2, "linear", null(), null(), &[0], 0), touchpoint_result::InvalidArgument, "order");
    check(new(v, 2, "linear", null(), null(), &[17], 0), touchpoint_result::InvalidArgument, "1..=16");
    check(new(v, 2, "linear,magic", null(), null(), &[], 0), touchpoint_result::InvalidArgument, "magic");
    let mut p = d;
    p.order = 0;
    check(new(v, 2, "markov", &p, null(), &[], 0), touchpoint_result::InvalidArgument, "order");
    p = d;
    p.max_touches = 4;
    check(new(v, 2, "markov", &p, null(), &[], 0), touchpoint_result::InvalidArgument, "params.max_touches");
    p = d;
    p.value_basis = 9;
    check(new(v, 2, "markov", &p, null(), &[], 0), touchpoint_result::InvalidArgument, "params.value_basis");
    p = d;
    p.use_weights = 2;
    check(new(v, 2, "custom", &p, null(), &[], 0), touchpoint_result::InvalidArgument, "params.use_weights");
    let mut o = options::touchpoint_journey_options_default();
    o.split_at_conversions = 5;
    check(new(v, 2, "linear", null(), &o, &[], 0), touchpoint_result::InvalidArgument, "options.split_at_conversions");
    check(new(null(), 0, "linear", null(), null(), &[], 0), touchpoint_result::EmptyInput, "vocabulary");
    check(new(null(), 1, "linear", null(), null(), &[], 0), touchpoint_result::NullParameter, "`vocabulary`");
    let with_null = [c"email".as_ptr(), null()];
    check(
        new(with_null.as_ptr(), 2, "linear", null(), null(), &[], 0),
        touchpoint_result::NullParameter,
        "vocabulary[1]",
    );
    let bad = [c"e\xffmail".as_ptr()];
    check(new(bad.as_ptr(), 1, "linear", null(), null(), &[], 0), touchpoint_result::InvalidUtf8, "vocabulary[0]");
    // no models, duplicated orders, the Markov order among the counted ones
    let (r, s) = new(v, 2, "", null(), null(), &[2, 2, 1], 0);
    ok(r);
    unsafe {
        let mut e = null_mut();
        ok(partial::touchpoint_partial_empty(s, &mut e));
        let mut c = null_mut();
        fails(partial::touchpoint_partial_attribute(e, &mut c), touchpoint_result::InvalidArgument, "no models");
        let mut t = null_mut();
        fails(partial::touchpoint_partial_path_table(e, &mut t), touchpoint_result::InvalidArgument, "path table");
        assert!(c.is_null() && t.is_null());
        partial::touchpoint_partial_free(e);
        spec::touchpoint_partial_spec_free(s);
        // a catalog that is not JSON, a repeated name in it
        let mut s = null_mut();
        let json = "[{\"name\": \"a\"}, {\"name\": \"a\"}]";
        let r = spec::touchpoint_partial_spec_new(
            null(),
            0,
            json.as_ptr().cast(),
            json.len(),
            null(),
            null(),
            0,
            null(),
            null(),
            0,
            0,
            &mut s,
        );
        fails(r, touchpoint_result::InvalidValue, "`catalog_json`");
        assert!(s.is_null());
    }
}

/// NULL arguments are reported naming them, never dereferenced; out-parameters stay untouched.
#[test]
fn null_arguments() {
    let p = params::touchpoint_model_params_default();
    let o = options::touchpoint_journey_options_default();
    let s = c_spec(&["email", "search"], None, "linear", &p, &o);
    let null_of = |r: touchpoint_result, name: &str| fails(r, touchpoint_result::NullParameter, &format!("`{name}`"));
    unsafe {
        let mut fp = 0u64;
        null_of(spec::touchpoint_partial_spec_fingerprint(null(), &mut fp), "spec");
        null_of(spec::touchpoint_partial_spec_fingerprint(s, null_mut()), "out");
        let mut spec_out = null_mut();
        let r = spec::touchpoint_partial_spec_new(
            null(),
            0,
            null(),
            3,
            null(),
            null(),
            0,
            null(),
            null(),
            0,
            0,
            &mut spec_out,
        );
        null_of(r, "catalog_json");
        assert!(spec_out.is_null());
        let mut b = null_mut();
        null_of(builder::touchpoint_partial_builder_new(null(), &mut b), "spec");
        null_of(builder::touchpoint_partial_builder_new(s, null_mut()), "out");
        assert!(b.is_null());
        null_of(builder::touchpoint_partial_builder_push(null_mut(), null()), "builder");
        ok(builder::touchpoint_partial_builder_new(s, &mut b));
        null_of(builder::touchpoint_partial_builder_push(b, null()), "events");
        let mut out = null_mut();
        null_of(builder::touchpoint_partial_builder_finish(null_mut(), &mut out), "builder");
        ok(builder::touchpoint_partial_builder_finish(b, &mut out));
        builder::touchpoint_partial_builder_free(b);

        let mut e = null_mut();
        null_of(partial::touchpoint_partial_empty(null(), &mut e), "spec");
        null_of(partial::touchpoint_partial_empty(s, null_mut()), "out");
        assert!(e.is_null());
        null_of(partial::touchpoint_partial_merge(null_mut(), out), "into");
        null_of(partial::touchpoint_partial_merge(out, null()), "other");
        null_of(partial::touchpoint_partial_merge(null_mut(), null()), "into");
        let mut n = 0usize;
        null_of(partial::touchpoint_partial_to_bytes(null(), null_mut(), 0, &mut n), "partial");
        null_of(partial::touchpoint_partial_to_bytes(out, null_mut(), 0, null_mut()), "out_n");
        null_of(partial::touchpoint_partial_from_bytes(null(), 0, &mut e), "bytes");
        let b = bytes_of(out);
        null_of(partial::touchpoint_partial_from_bytes(b.as_ptr(), b.len(), null_mut()), "out");
        null_of(partial::touchpoint_partial_save(null(), c"x".as_ptr(), 1), "partial");
        null_of(partial::touchpoint_partial_save(out, null(), 0), "path");
        null_of(partial::touchpoint_partial_load(null(), 0, &mut e), "path");
        let mut c = null_mut();
        null_of(partial::touchpoint_partial_attribute(null(), &mut c), "partial");
        let mut g = null_mut();
        null_of(partial::touchpoint_partial_graph(null(), 1, &mut g), "partial");
        let mut t = null_mut();
        null_of(partial::touchpoint_partial_path_table(null(), &mut t), "partial");
        let mut r = touchpoint_journey_report::default();
        null_of(partial::touchpoint_partial_report(null(), &mut r), "partial");
        null_of(partial::touchpoint_partial_report(out, null_mut()), "out");
        let mut json = null_mut();
        null_of(partial::touchpoint_partial_report_json(null(), &mut json), "partial");
        null_of(partial::touchpoint_partial_report_json(out, null_mut()), "out_json");
        let mut parts = 0u64;
        null_of(partial::touchpoint_partial_parts(null(), &mut parts), "partial");
        null_of(partial::touchpoint_partial_parts(out, null_mut()), "out");
        assert!(e.is_null() && c.is_null() && g.is_null() && t.is_null() && json.is_null());
        // a foreign file: MODEL_FILE
        let junk = b"not a partial, not a model";
        fails(
            partial::touchpoint_partial_from_bytes(junk.as_ptr(), junk.len(), &mut e),
            touchpoint_result::ModelFile,
            "not a touchpoint model file",
        );
        assert!(e.is_null());
        partial::touchpoint_partial_free(out);
        partial::touchpoint_partial_free(null_mut());
        builder::touchpoint_partial_builder_free(null_mut());
        spec::touchpoint_partial_spec_free(null_mut());
        spec::touchpoint_partial_spec_free(s);
    }
}

/// A small partial (few cells with short keys: one rule model, no graph, no path table) comes
/// back from its bytes (the reader's lower bound on a cell's size once refused these).
#[test]
fn small_partials_round_trip() {
    let names = [c"email".as_ptr(), c"search".as_ptr(), c"store".as_ptr()];
    let models = "linear";
    let row = |c: &str, tp: Option<&str>, t: i64| (c.to_owned(), tp.map(str::to_owned), t, tp.is_none(), 20.0);
    let rows = [
        row("a", Some("search"), 1),
        row("a", Some("email"), 2),
        row("a", None, 3),
        row("b", Some("store"), 1),
        row("c", Some("email"), 1),
        row("c", None, 2),
    ];
    unsafe {
        let mut s = null_mut();
        ok(spec::touchpoint_partial_spec_new(
            names.as_ptr(),
            names.len(),
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
        ));
        let (ev, _) = tables(&rows);
        let p = c_build(s, &[ev]);
        let b = bytes_of(p);
        let mut back = null_mut();
        ok(partial::touchpoint_partial_from_bytes(b.as_ptr(), b.len(), &mut back));
        assert_eq!(bytes_of(back), b);
        partial::touchpoint_partial_free(back);
        partial::touchpoint_partial_free(p);
        events::touchpoint_event_table_free(ev);
        spec::touchpoint_partial_spec_free(s);
    }
}
