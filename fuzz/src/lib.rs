//! The fuzz targets' logic, as plain functions: `fuzz_targets/*.rs` hand them libFuzzer's
//! input, and `touchpoint-ffi/tests/fuzz_corpus.rs` (a stable test run by `make test`) replays
//! every committed input of `fuzz/corpus/<target>/` through the same functions.
//!
//! Each function panics (an assertion) when an invariant breaks: readers that disagree, a
//! round trip that changes a table, an untyped error, a C call that reports a caught panic.
//! This file may use only `std`, `touchpoint_core` and `touchpoint` (the C face).

use touchpoint_core::attribution::{AttributionModel, AttributionOptions, MarkovAllocation, ShapleyMethod, ValueBasis};
use touchpoint_core::events::ConversionSpec;
use touchpoint_core::paths::readers;
use touchpoint_core::{
    Catalog, Error, ErrorKind, EventCsvOptions, EventTable, JourneyGraph, JourneyOptions, Journeys, PathCsvOptions,
    PathTable, TimeFormat, TimeUnit,
};

/// The fuzz targets, by name (the directories of `fuzz/corpus/`).
pub const TARGETS: [(&str, fn(&[u8])); 4] =
    [("paths_csv", paths_csv), ("events_csv", events_csv), ("catalog", catalog), ("c_api", c_api)];

/// Separators the path targets choose from (the first byte of an input picks one).
const SEPARATORS: [&str; 8] = [">", " > ", "|", "->", "→", ",", ";", "a"];
/// Delimiters (all that [`touchpoint_core::parse_delimiter`] accepts are ASCII; these are the usual).
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
const CHUNKS: [usize; 8] = [1, 2, 3, 7, 16, 64, 4096, 1 << 22];

/// An error is "typed": it has a kind and a message (this also formats it, which must not panic).
fn typed(e: &Error) -> ErrorKind {
    let k = e.kind();
    assert!(!e.to_string().is_empty(), "{k:?}: empty message");
    k
}

/// Path CSV, differential: the parallel reader (any chunk size), the streamed reader (any block
/// and chunk size) and the `csv` crate reader give equal tables (catalog order included) or
/// errors of the same kind; a table that was read is written and read back unchanged (or the
/// write refuses a name that could not come back, with `InvalidValue`).
///
/// Input: byte 0 = separator (bits 0-2), delimiter (3-4), parallel chunk (5-7); byte 1 = stream
/// block (bits 0-2) and chunk (3-5), optional columns named (bit 6); the rest is the CSV.
pub fn paths_csv(data: &[u8]) {
    let &[a, b, ref body @ ..] = data else { return };
    let sep = SEPARATORS[(a & 7) as usize];
    let opts = PathCsvOptions {
        separator: sep.into(),
        delimiter: DELIMITERS[((a >> 3) & 3) as usize],
        nulls: (b & 0x40 != 0).then(|| "n".into()),
        value: (b & 0x40 != 0).then(|| "v".into()),
        ..Default::default()
    };
    let seq = readers::sequential(body, &opts);
    let par = readers::parallel(body, &opts, CHUNKS[(a >> 5) as usize]);
    let st = readers::streamed(body, &opts, CHUNKS[(b & 7) as usize], CHUNKS[((b >> 3) & 7) as usize]);
    for (what, other) in [("parallel", &par), ("streamed", &st)] {
        match (&seq, other) {
            (Ok(x), Ok(y)) => {
                assert_eq!(x, y, "{what} reader: another table");
                assert_eq!(x.catalog().names(), y.catalog().names(), "{what} reader: another catalog order");
            }
            (Err(x), Err(y)) => assert_eq!(typed(x), typed(y), "{what} reader: another error: {x} / {y}"),
            _ => panic!("{what} reader disagrees: sequential {seq:?}, {what} {other:?}"),
        }
    }
    let Ok(table) = seq else { return };
    let mut out = Vec::new();
    match table.write_csv(&mut out, sep) {
        Ok(()) => {
            let back_sep = match sep.trim() {
                "" => sep,
                s => s,
            };
            let o = PathCsvOptions { separator: back_sep.into(), ..Default::default() };
            let back = PathTable::read_csv_bytes(&out, &o)
                .unwrap_or_else(|e| panic!("written table does not read back: {e}\n{}", String::from_utf8_lossy(&out)));
            assert_eq!(back, table, "round trip changed the table:\n{}", String::from_utf8_lossy(&out));
            assert_eq!(back.catalog().names(), table.catalog().names());
        }
        Err(e) => assert_eq!(typed(&e), ErrorKind::InvalidValue, "write_csv: {e}"),
    }
}

/// A little-endian reader of fuzzer bytes that yields zeros once the input ends.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | u16::from(self.u8()) << 8
    }

    fn i64(&mut self) -> i64 {
        (0..8).fold(0i64, |v, k| v | i64::from(self.u8()) << (8 * k))
    }

    /// A float from a small table of awkward values, or a small integer.
    fn f64(&mut self) -> f64 {
        const ODD: [f64; 8] = [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, 1e308, 0.5, 5e-324];
        match self.u8() {
            b @ 0..=7 => ODD[b as usize],
            b => f64::from(b - 8),
        }
    }

    /// Up to `max` bytes (the length is the next byte).
    fn bytes(&mut self, max: usize) -> &'a [u8] {
        let n = (self.u8() as usize).min(max).min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Events CSV → events → journeys → every model, the path table and the journey graphs of
/// order 1 and 2 (analysis, removal effects, sensitivities, exports): nothing panics, and every
/// failure is a typed error.
///
/// Input: byte 0 = conversion spec (bits 0-1), time format (2-3), delimiter (4-5); byte 1 =
/// journey options; byte 2 = model parameters; the rest is the CSV.
pub fn events_csv(data: &[u8]) {
    let &[a, b, c, ref body @ ..] = data else { return };
    let opts = EventCsvOptions {
        conversion: match a & 3 {
            0 => ConversionSpec::Flag("converted".into()),
            1 => ConversionSpec::Rows { label: "purchase".into() },
            2 => ConversionSpec::None,
            _ => ConversionSpec::Flag("touchpoint".into()),
        },
        time_format: match (a >> 2) & 3 {
            0 => TimeFormat::Auto(TimeUnit::Milliseconds),
            1 => TimeFormat::Iso8601,
            2 => TimeFormat::Epoch(TimeUnit::Seconds),
            _ => TimeFormat::Auto(TimeUnit::Seconds),
        },
        delimiter: DELIMITERS[((a >> 4) & 3) as usize],
        ..Default::default()
    };
    let ev = match EventTable::read_csv(body, &opts) {
        Ok(ev) => ev,
        Err(e) => {
            typed(&e);
            return;
        }
    };
    let _ = ev.notes();
    let ev = match ev.catalog().names().first().cloned() {
        Some(first) if a & 0x40 != 0 => match ev.clone().with_conversion_events(&[first]) {
            Ok((ev, _)) => ev,
            Err(e) => {
                typed(&e);
                ev
            }
        },
        _ => ev,
    };
    let jo = JourneyOptions {
        lookback_ms: (b & 1 != 0).then_some(i64::from(b >> 4) * 1000 - 2000),
        inactivity_timeout_ms: (b & 2 != 0).then_some(i64::from(b >> 4) * 500),
        collapse_repeats: b & 4 != 0,
        max_touches: (b & 8 != 0).then_some(usize::from(b >> 5)),
        split_at_conversions: b & 0x80 == 0,
    };
    let journeys = match Journeys::build(&ev, &jo) {
        Ok((j, report)) => {
            let _ = format!("{report:?}");
            j
        }
        Err(e) => {
            typed(&e);
            return;
        }
    };
    models(&journeys, c);
    let paths = PathTable::from_journeys(&journeys);
    models(&paths, c);
    for order in [1, 2] {
        graph(JourneyGraph::from_journeys(&journeys, order));
    }
    graph(JourneyGraph::from_paths(&paths, 1));
    graph(JourneyGraph::directly_follows((&journeys).into(), None));
}

/// Every model on `data`, one at a time and compared together; only typed errors.
fn models<'a>(data: impl Into<touchpoint_core::Data<'a>> + Copy, c: u8) {
    let few = match data.into() {
        touchpoint_core::Data::Journeys(j) => j.catalog().len() <= 10,
        touchpoint_core::Data::Paths(p) => p.catalog().len() <= 10,
    };
    let w = [0.0, 1.0, -1.0, f64::NAN, 0.25][(c % 5) as usize];
    let mut all = vec![
        AttributionModel::FirstTouch,
        AttributionModel::LastTouch,
        AttributionModel::LastNonDirect,
        AttributionModel::Linear,
        AttributionModel::u_shaped(),
        AttributionModel::Position { first: w, middle: 0.5, last: 0.0 },
        AttributionModel::TimeDecay { half_life_ms: [1, 0, -5, i64::MAX, 86_400_000][(c / 5 % 5) as usize] },
        AttributionModel::Participation,
        AttributionModel::Shapley,
        AttributionModel::OrderedShapley,
        AttributionModel::ShapleyRate { method: ShapleyMethod::Sampled { samples: 1 + (c as usize % 7), seed: 3 } },
        AttributionModel::ShaoLi,
    ];
    for order in [1, 2] {
        for allocation in [MarkovAllocation::Global, MarkovAllocation::PerJourney] {
            all.push(AttributionModel::Markov { order, allocation, value_basis: ValueBasis::ConversionShare });
        }
        all.push(AttributionModel::Markov {
            order,
            allocation: MarkovAllocation::Global,
            value_basis: ValueBasis::ValueRemovalEffect,
        });
    }
    if few {
        all.push(AttributionModel::ShapleyRate { method: ShapleyMethod::Exact });
        all.push(AttributionModel::ShapleyRate { method: ShapleyMethod::Auto });
    }
    let opts = AttributionOptions { max_touches: (c & 0x80 != 0).then_some(2), per_journey: c & 0x40 != 0 };
    for m in &all {
        match touchpoint_core::attribution::attribute(data, m, &opts) {
            Ok(credits) => {
                let _ = (credits.table(), credits.to_json(), credits.per_journey_table(), credits.by_position_table());
            }
            Err(e) => {
                typed(&e);
            }
        }
    }
    if let Err(e) = touchpoint_core::attribution::compare(data, &all, &opts) {
        typed(&e);
    }
}

/// A journey graph's analyses and exports; only typed errors.
fn graph(g: touchpoint_core::Result<JourneyGraph>) {
    let g = match g {
        Ok(g) => g,
        Err(e) => {
            typed(&e);
            return;
        }
    };
    let _ = (g.to_dot(), g.to_json(), g.transition_table());
    for r in [g.summary().map(drop), g.analyze().map(drop), g.removal_effects().map(drop), g.sensitivities().map(drop)]
    {
        if let Err(e) = r {
            typed(&e);
        }
    }
    if let Ok(p) = g.conversion_probability() {
        assert!(p.is_nan() || (-1e-9..=1.0 + 1e-9).contains(&p), "conversion probability {p}");
    }
}

/// Catalog JSON and CSV: only typed errors; a catalog that was read survives its JSON.
///
/// Input: byte 0 even = JSON, odd = CSV; the rest is the document.
pub fn catalog(data: &[u8]) {
    let &[a, ref body @ ..] = data else { return };
    let cat = if a & 1 == 0 {
        let Ok(text) = std::str::from_utf8(body) else { return };
        Catalog::from_json(text)
    } else {
        Catalog::read_csv(body)
    };
    let cat = match cat {
        Ok(c) => c,
        Err(e) => {
            typed(&e);
            return;
        }
    };
    let json = cat.to_json();
    let back = Catalog::from_json(&json).unwrap_or_else(|e| panic!("catalog JSON does not read back: {e}\n{json}"));
    assert_eq!(back, cat, "catalog JSON round trip\n{json}");
    let mut other = Catalog::from_names(["x"]);
    other.apply_attrs(&cat);
    let _ = other.absorb(&cat);
}

/// A sequence of C calls in an order the input chooses, with NULL handles and out-pointers,
/// invalid UTF-8, odd numbers and small buffers. No call may report a caught panic
/// (`TOUCHPOINT_RESULT_PANIC`), crash or leak (every handle made is freed at the end).
pub fn c_api(data: &[u8]) {
    capi::run(data)
}

mod capi {
    use std::ffi::{CString, c_char};
    use std::ptr::{null, null_mut};

    use touchpoint::attribution::{touchpoint_comparison, touchpoint_model_params};
    use touchpoint::events::touchpoint_event_table;
    use touchpoint::graph::touchpoint_journey_graph;
    use touchpoint::journeys::{touchpoint_journey_options, touchpoint_journey_report, touchpoint_journeys};
    use touchpoint::paths::touchpoint_path_table;
    use touchpoint::touchpoint_result;

    use super::Bytes;

    const MODELS: [&str; 16] = [
        "first",
        "last",
        "last_non_direct",
        "linear",
        "position",
        "j_shaped",
        "inverse_j",
        "custom",
        "time_decay",
        "participation",
        "markov",
        "shapley",
        "ordered_shapley",
        "shapley_rate",
        "shao_li",
        "nonsense",
    ];

    /// Two slots of each handle type.
    #[derive(Default)]
    struct Slots {
        events: [*mut touchpoint_event_table; 2],
        paths: [*mut touchpoint_path_table; 2],
        journeys: [*mut touchpoint_journeys; 2],
        comparisons: [*mut touchpoint_comparison; 2],
        graphs: [*mut touchpoint_journey_graph; 2],
    }

    impl Drop for Slots {
        fn drop(&mut self) {
            // SAFETY: each slot holds NULL or a live handle of its type, freed once here.
            unsafe {
                for p in self.events {
                    touchpoint_event_table::touchpoint_event_table_free(p);
                }
                for p in self.paths {
                    touchpoint_path_table::touchpoint_path_table_free(p);
                }
                for p in self.journeys {
                    touchpoint_journeys::touchpoint_journeys_free(p);
                }
                for p in self.comparisons {
                    touchpoint_comparison::touchpoint_comparison_free(p);
                }
                for p in self.graphs {
                    touchpoint_journey_graph::touchpoint_journey_graph_free(p);
                }
            }
        }
    }

    fn ok(r: touchpoint_result) -> bool {
        assert!(r != touchpoint_result::Panic, "a C call panicked");
        r == touchpoint_result::Ok
    }

    /// Text for a `(ptr, len)` argument: NULL (with a length) now and then, else the bytes.
    fn text(b: &[u8], null_it: bool) -> (*const c_char, usize) {
        if null_it { (null(), b.len()) } else { (b.as_ptr().cast(), b.len()) }
    }

    /// Store `new` in `slot`, freeing what was there.
    fn put<T>(slot: &mut *mut T, new: *mut T, free: unsafe extern "C" fn(*mut T)) {
        if *slot != new {
            // SAFETY: `slot` holds NULL or a live handle; it is replaced, so freed once.
            unsafe { free(*slot) };
        }
        *slot = new;
    }

    fn slot<T>(s: &[*mut T; 2], k: u8) -> *mut T {
        if k & 4 != 0 { null_mut() } else { s[(k & 1) as usize] }
    }

    /// A buffer-writing getter called with a buffer of a length the input picks (maybe NULL).
    fn buffered(k: u8, call: impl Fn(*mut c_char, usize, *mut usize) -> touchpoint_result) {
        let len = [0usize, 1, 3, 64, 1 << 16][(k % 5) as usize];
        let mut buf = vec![0u8; len];
        let mut n = 0usize;
        let p: *mut c_char = if k & 8 != 0 { null_mut() } else { buf.as_mut_ptr().cast() };
        let out: *mut usize = if k & 16 != 0 { null_mut() } else { &mut n };
        let r = call(p, len, out);
        if ok(r) && !p.is_null() {
            assert!(n < len, "wrote {n} bytes into {len}");
            assert_eq!(buf[n], 0, "text not NUL-terminated");
        }
    }

    pub(super) fn run(data: &[u8]) {
        let mut s = Slots::default();
        let mut b = Bytes(data);
        let mut steps = 0;
        while !b.is_empty() && steps < 64 {
            steps += 1;
            let op = b.u8();
            let k = b.u8();
            let i = (k & 1) as usize;
            // SAFETY: every pointer passed is NULL, a live handle from `s`, or points to local
            // memory of the stated length; handles are freed only through `put` or `Slots::drop`.
            unsafe {
                match op % 20 {
                    0 => {
                        let mut p = null_mut();
                        let out = if k & 2 != 0 { null_mut() } else { &mut p };
                        if ok(touchpoint_event_table::touchpoint_event_table_new(out)) {
                            put(&mut s.events[i], p, touchpoint_event_table::touchpoint_event_table_free);
                        }
                    }
                    1 => {
                        let cust = b.bytes(8);
                        let tp = b.bytes(8);
                        let (time, conv, value, fb) = (i64::from(b.u16()) - 100, k & 8 != 0, b.f64(), b.f64());
                        let (c, cl) = text(cust, k & 16 != 0);
                        let (t, tl) = text(tp, k & 32 != 0);
                        ok(touchpoint_event_table::touchpoint_event_table_push(
                            slot(&s.events, k),
                            c,
                            cl,
                            t,
                            tl,
                            time,
                            u8::from(conv),
                            value,
                            fb,
                        ));
                    }
                    2 => {
                        let mut o = touchpoint_journey_options::touchpoint_journey_options_default();
                        o.lookback_ms = b.i64() % 1000;
                        o.inactivity_timeout_ms = i64::from(b.u8()) - 5;
                        o.collapse_repeats = b.u8() % 3;
                        o.max_touches = u32::from(b.u8() % 4);
                        o.split_at_conversions = b.u8() % 3;
                        let opts: *const _ = if k & 8 != 0 { null() } else { &o };
                        let mut p = null_mut();
                        let out = if k & 2 != 0 { null_mut() } else { &mut p };
                        if ok(touchpoint_journeys::touchpoint_journeys_build(slot(&s.events, k), opts, out)) {
                            put(
                                &mut s.journeys[(k >> 4 & 1) as usize],
                                p,
                                touchpoint_journeys::touchpoint_journeys_free,
                            );
                        }
                    }
                    3 => {
                        let mut p = null_mut();
                        let out = if k & 2 != 0 { null_mut() } else { &mut p };
                        if ok(touchpoint_path_table::touchpoint_path_table_new(out)) {
                            put(&mut s.paths[i], p, touchpoint_path_table::touchpoint_path_table_free);
                        }
                    }
                    4 => {
                        let path = b.bytes(24);
                        let sep = b.bytes(3);
                        let (c, n, v) = (b.f64(), b.f64(), b.f64());
                        let (pp, pl) = text(path, k & 16 != 0);
                        let (sp, sl) = text(sep, k & 32 != 0);
                        ok(touchpoint_path_table::touchpoint_path_table_add(
                            slot(&s.paths, k),
                            pp,
                            pl,
                            sp,
                            sl,
                            c,
                            n,
                            v,
                        ));
                    }
                    5 => {
                        let mut p = null_mut();
                        let out = if k & 2 != 0 { null_mut() } else { &mut p };
                        if ok(touchpoint_path_table::touchpoint_path_table_from_journeys(slot(&s.journeys, k), out)) {
                            put(
                                &mut s.paths[(k >> 4 & 1) as usize],
                                p,
                                touchpoint_path_table::touchpoint_path_table_free,
                            );
                        }
                    }
                    6 => {
                        let mut p = null_mut();
                        let out = if k & 2 != 0 { null_mut() } else { &mut p };
                        let other = slot(&s.paths, k >> 3);
                        if ok(touchpoint_path_table::touchpoint_path_table_merge(slot(&s.paths, k), other, out)) {
                            put(
                                &mut s.paths[(k >> 6 & 1) as usize],
                                p,
                                touchpoint_path_table::touchpoint_path_table_free,
                            );
                        }
                    }
                    7 | 8 => {
                        let names: Vec<&str> = (0..1 + b.u8() % 3).map(|_| MODELS[(b.u8() % 16) as usize]).collect();
                        let mut models = names.join(",").into_bytes();
                        if k & 64 != 0 {
                            models.push(0xff); // not UTF-8
                        }
                        let mut params = touchpoint_model_params::touchpoint_model_params_default();
                        let x = b.u8();
                        params.order = u32::from(x % 4);
                        params.use_weights = (x >> 2) % 3;
                        params.weight_first = b.f64();
                        params.half_life_ms = i64::from(b.u8()) - 1;
                        params.allocation = u32::from(x >> 4 & 1);
                        params.shapley_method = u32::from(x >> 5) % 4;
                        params.shapley_samples = u32::from(b.u8() % 3);
                        params.max_touches = u32::from(b.u8() % 3);
                        let pr: *const _ = if k & 32 != 0 { null() } else { &params };
                        let (mp, ml) = text(&models, k & 16 != 0);
                        let mut p = null_mut();
                        let out = if k & 2 != 0 { null_mut() } else { &mut p };
                        let r = if op % 20 == 7 {
                            touchpoint_comparison::touchpoint_attribute_journeys(slot(&s.journeys, k), mp, ml, pr, out)
                        } else {
                            touchpoint_comparison::touchpoint_attribute_paths(slot(&s.paths, k), mp, ml, pr, out)
                        };
                        if ok(r) {
                            put(
                                &mut s.comparisons[(k >> 3 & 1) as usize],
                                p,
                                touchpoint_comparison::touchpoint_comparison_free,
                            );
                        }
                    }
                    9 => {
                        let c = slot(&s.comparisons, k);
                        let (model, row) = (usize::from(b.u8() % 4), usize::from(b.u8() % 8));
                        let mut n = 0usize;
                        let out: *mut usize = if k & 2 != 0 { null_mut() } else { &mut n };
                        ok(touchpoint_comparison::touchpoint_comparison_models(c, out));
                        ok(touchpoint_comparison::touchpoint_comparison_rows(c, model, out));
                        let mut credit = std::mem::MaybeUninit::uninit();
                        let cp = if k & 2 != 0 { null_mut() } else { credit.as_mut_ptr() };
                        ok(touchpoint_comparison::touchpoint_comparison_row(c, model, row, cp));
                        let mut totals = std::mem::MaybeUninit::uninit();
                        let tp = if k & 2 != 0 { null_mut() } else { totals.as_mut_ptr() };
                        ok(touchpoint_comparison::touchpoint_comparison_totals(c, model, tp));
                        let kb = b.u8();
                        buffered(kb, |p, l, o| {
                            touchpoint_comparison::touchpoint_comparison_model_name(c, model, p, l, o)
                        });
                        buffered(kb, |p, l, o| {
                            touchpoint_comparison::touchpoint_comparison_model_label(c, model, p, l, o)
                        });
                        buffered(kb, |p, l, o| {
                            touchpoint_comparison::touchpoint_comparison_table_json(c, model, p, l, o)
                        });
                        buffered(kb, |p, l, o| touchpoint_comparison::touchpoint_comparison_to_json(c, p, l, o));
                        let mut st = null_mut();
                        let so = if k & 8 != 0 { null_mut() } else { &mut st };
                        if ok(touchpoint_comparison::touchpoint_comparison_to_json_string(c, so)) {
                            touchpoint::touchpoint_string_free(st);
                        }
                    }
                    10 | 11 | 12 => {
                        let order = u32::from(b.u8() % 4);
                        let mut p = null_mut();
                        let out = if k & 2 != 0 { null_mut() } else { &mut p };
                        let r = match op % 20 {
                            10 => touchpoint_journey_graph::touchpoint_journey_graph_from_journeys(
                                slot(&s.journeys, k),
                                order,
                                out,
                            ),
                            11 => touchpoint_journey_graph::touchpoint_journey_graph_from_paths(
                                slot(&s.paths, k),
                                order,
                                out,
                            ),
                            _ => touchpoint_journey_graph::touchpoint_journey_graph_directly_follows(
                                slot(&s.journeys, k),
                                out,
                            ),
                        };
                        if ok(r) {
                            put(
                                &mut s.graphs[(k >> 3 & 1) as usize],
                                p,
                                touchpoint_journey_graph::touchpoint_journey_graph_free,
                            );
                        }
                    }
                    13 => {
                        use touchpoint_journey_graph as g;
                        let gr = slot(&s.graphs, k);
                        let kb = b.u8();
                        match b.u8() % 7 {
                            0 => buffered(kb, |p, l, o| g::touchpoint_journey_graph_summary_json(gr, p, l, o)),
                            1 => buffered(kb, |p, l, o| g::touchpoint_journey_graph_to_json(gr, p, l, o)),
                            2 => buffered(kb, |p, l, o| g::touchpoint_journey_graph_transitions_json(gr, p, l, o)),
                            3 => buffered(kb, |p, l, o| g::touchpoint_journey_graph_nodes_json(gr, p, l, o)),
                            4 => buffered(kb, |p, l, o| g::touchpoint_journey_graph_removal_effects_json(gr, p, l, o)),
                            5 => buffered(kb, |p, l, o| g::touchpoint_journey_graph_to_dot(gr, p, l, o)),
                            _ => buffered(kb, |p, l, o| g::touchpoint_journey_graph_sensitivities_json(gr, p, l, o)),
                        }
                        let mut x = 0.0;
                        let out: *mut f64 = if k & 2 != 0 { null_mut() } else { &mut x };
                        ok(g::touchpoint_journey_graph_conversion_probability(gr, out));
                    }
                    14 => match b.u8() % 5 {
                        0 => put(&mut s.events[i], null_mut(), touchpoint_event_table::touchpoint_event_table_free),
                        1 => put(&mut s.paths[i], null_mut(), touchpoint_path_table::touchpoint_path_table_free),
                        2 => put(&mut s.journeys[i], null_mut(), touchpoint_journeys::touchpoint_journeys_free),
                        3 => put(&mut s.comparisons[i], null_mut(), touchpoint_comparison::touchpoint_comparison_free),
                        _ => put(&mut s.graphs[i], null_mut(), touchpoint_journey_graph::touchpoint_journey_graph_free),
                    },
                    15 => {
                        let mut n = 0usize;
                        let out: *mut usize = if k & 2 != 0 { null_mut() } else { &mut n };
                        ok(touchpoint_event_table::touchpoint_event_table_len(slot(&s.events, k), out));
                        ok(touchpoint_path_table::touchpoint_path_table_len(slot(&s.paths, k), out));
                        let mut rep = std::mem::MaybeUninit::<touchpoint_journey_report>::uninit();
                        let rp = if k & 2 != 0 { null_mut() } else { rep.as_mut_ptr() };
                        ok(touchpoint_journeys::touchpoint_journeys_report(slot(&s.journeys, k), rp));
                        let mut st = null_mut();
                        let so = if k & 8 != 0 { null_mut() } else { &mut st };
                        if ok(touchpoint_event_table::touchpoint_event_table_notes_json(slot(&s.events, k), so)) {
                            touchpoint::touchpoint_string_free(st);
                        }
                        let j = slot(&s.journeys, k);
                        buffered(b.u8(), |p, l, o| touchpoint_journeys::touchpoint_journeys_report_json(j, p, l, o));
                    }
                    16 => {
                        let json = b.bytes(64);
                        let (jp, jl) = text(json, k & 16 != 0);
                        ok(touchpoint_event_table::touchpoint_event_table_apply_catalog_json(
                            slot(&s.events, k),
                            jp,
                            jl,
                        ));
                    }
                    17 => {
                        let names: Vec<CString> = (0..b.u8() % 3)
                            .map(|_| {
                                CString::new(b.bytes(8).iter().map(|&c| c.max(1)).collect::<Vec<u8>>())
                                    .unwrap_or_default()
                            })
                            .collect();
                        let mut ptrs: Vec<*const c_char> = names.iter().map(|c| c.as_ptr()).collect();
                        if k & 64 != 0 {
                            ptrs.push(null());
                        }
                        let list = if k & 32 != 0 { null() } else { ptrs.as_ptr() };
                        let mut p = null_mut();
                        let out = if k & 2 != 0 { null_mut() } else { &mut p };
                        let mut n = 0usize;
                        let outn: *mut usize = if k & 8 != 0 { null_mut() } else { &mut n };
                        if ok(touchpoint_event_table::touchpoint_event_table_with_conversion_events(
                            slot(&s.events, k),
                            list,
                            ptrs.len(),
                            out,
                            outn,
                        )) {
                            put(
                                &mut s.events[(k >> 4 & 1) as usize],
                                p,
                                touchpoint_event_table::touchpoint_event_table_free,
                            );
                        }
                    }
                    18 => {
                        let p = slot(&s.paths, k);
                        let (top, by, steps) =
                            (usize::from(b.u8() % 5), u32::from(b.u8() % 5), usize::from(b.u8() % 5));
                        let kb = b.u8();
                        buffered(kb, |q, l, o| {
                            touchpoint_path_table::touchpoint_path_table_top_paths_json(p, top, by, q, l, o)
                        });
                        buffered(kb, |q, l, o| {
                            touchpoint_path_table::touchpoint_path_table_sankey_json(p, steps, top, q, l, o)
                        });
                    }
                    _ => {
                        buffered(k, |p, l, o| touchpoint::touchpoint_last_error_message(p, l, o));
                        let (pp, pl) = text(b"\xff/nonexistent", k & 16 != 0);
                        let mut ev = null_mut();
                        if ok(touchpoint_event_table::touchpoint_event_table_read_csv(pp, pl, null(), &mut ev)) {
                            touchpoint_event_table::touchpoint_event_table_free(ev);
                        }
                        let mut pt = null_mut();
                        if ok(touchpoint_path_table::touchpoint_path_table_read_csv(pp, pl, null(), &mut pt)) {
                            touchpoint_path_table::touchpoint_path_table_free(pt);
                        }
                    }
                }
            }
        }
    }
}
