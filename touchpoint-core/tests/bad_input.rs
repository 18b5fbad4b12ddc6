//! Every kind of bad input gets a typed error that names the field, the row or line, and the
//! value — never a panic, never a silent drop.

use touchpoint_core::{
    Error, EventCsvOptions, EventTable, JourneyGraph, JourneyOptions, Journeys, PathCsvOptions, PathTable,
};

fn events_csv(text: &str) -> Error {
    EventTable::read_csv(text.as_bytes(), &EventCsvOptions::default()).unwrap_err()
}

fn paths_csv(text: &str) -> Error {
    PathTable::read_csv(text.as_bytes(), &PathCsvOptions::default()).unwrap_err()
}

fn says(e: &Error, parts: &[&str]) {
    let m = e.to_string();
    for p in parts {
        assert!(m.contains(p), "{m:?} should mention {p:?}");
    }
}

#[test]
fn empty_input() {
    assert!(matches!(events_csv("customer_id,touchpoint,timestamp,converted\n"), Error::EmptyInput { .. }));
    assert!(matches!(paths_csv("path,total_conversions\n"), Error::EmptyInput { .. }));
    assert!(matches!(events_csv(""), Error::EmptyInput { .. }));
    assert!(matches!(EventTable::builder().finish(), Err(Error::EmptyInput { .. })));
    assert!(matches!(JourneyGraph::from_paths(&PathTable::default(), 1), Err(Error::EmptyInput { .. })));
}

#[test]
fn unknown_column() {
    let e = events_csv("customer,touchpoint,timestamp,converted\nc,x,1,0\n");
    assert!(matches!(e, Error::MissingColumn { .. }));
    says(&e, &["customer_id", "customer, touchpoint, timestamp, converted"]);
    let e = paths_csv("route,total_conversions\na,1\n");
    says(&e, &["`path`", "route"]);
}

#[test]
fn unparsable_timestamp() {
    let e = events_csv("customer_id,touchpoint,timestamp,converted\nc,x,1,0\nc,y,31/02/2024,0\n");
    assert!(matches!(e, Error::InvalidValue { .. }));
    says(&e, &["`timestamp`", "line 3", "31/02/2024"]);
    // errors name the physical line, also after blank lines and with CRLF line endings
    let text = "customer_id,touchpoint,timestamp,converted\n\nc,x,1,0\n\n\nc,y,31/02/2024,0\n";
    says(&events_csv(text), &["line 6:"]);
    says(&events_csv(&text.replace('\n', "\r\n")), &["line 6:"]);
    // a quoted field spanning lines: the record's first line, and the lines after it count
    let multi = "customer_id,touchpoint,timestamp,converted\nc,\"a\nb\",31/02/2024,0\n";
    says(&events_csv(multi), &["line 2:"]);
    let after = "customer_id,touchpoint,timestamp,converted\nc,\"a\nb\",1,0\nc,y,31/02/2024,0\n";
    says(&events_csv(after), &["line 4:"]);
    let cat = "touchpoint,cost\r\n\r\nsearch,1\r\n,2\r\n";
    says(&touchpoint_core::Catalog::read_csv(cat.as_bytes()).unwrap_err(), &["line 4:"]);
}

#[test]
fn nan_and_negative_values() {
    let e = events_csv("customer_id,touchpoint,timestamp,converted,value\nc,x,1,1,NaN\n");
    says(&e, &["`value`", "line 2", "NaN"]);
    let e = events_csv("customer_id,touchpoint,timestamp,converted,value\nc,x,1,1,-4.5\n");
    says(&e, &["`value`", "line 2", "-4.5"]);
    let e = paths_csv("path,total_conversions,total_conversion_value\na,1,inf\n");
    says(&e, &["`total_conversion_value`", "line 2", "inf"]);
}

#[test]
fn negative_counts() {
    let e = paths_csv("path,total_conversions,total_null\na,1,0\nb,-2,0\n");
    says(&e, &["`total_conversions`", "line 3", "-2"]);
    let mut t = PathTable::default();
    let e = t.add_names(&["a"], 1.0, -1.0, 0.0).unwrap_err();
    says(&e, &["`nulls`", "row 0", "-1"]);
}

#[test]
fn empty_path() {
    let e = paths_csv("path,total_conversions\na > b,1\n >  > ,1\n");
    says(&e, &["`path`", "line 3", "empty path"]);
    let mut t = PathTable::default();
    says(&t.add_path_str("", ">", 1.0, 0.0, 0.0).unwrap_err(), &["`path`", "no touchpoints"]);
}

#[test]
fn duplicate_header() {
    let e = events_csv("customer_id,touchpoint,timestamp,touchpoint,converted\nc,x,1,y,0\n");
    assert!(matches!(e, Error::DuplicateColumn { .. }));
    says(&e, &["`touchpoint`", "columns 2 and 4"]);
}

#[test]
fn ragged_csv_row_is_an_error_not_a_drop() {
    let e = events_csv("customer_id,touchpoint,timestamp,converted\nc,x,1\n");
    assert!(matches!(e, Error::Csv(_)), "{e}");
    says(&e, &["line: 2", "3 fields"]);
}

#[test]
fn bad_options() {
    let mut b = EventTable::builder();
    b.touch("c", "x", 0).unwrap();
    let ev = b.finish().unwrap();
    let o = JourneyOptions { lookback_ms: Some(-1), ..Default::default() };
    says(&Journeys::build(&ev, &o).unwrap_err(), &["lookback_ms", "-1"]);
    let (js, _) = Journeys::build(&ev, &JourneyOptions::default()).unwrap();
    says(&JourneyGraph::from_journeys(&js, 0).unwrap_err(), &["order", "0"]);
    says(&JourneyGraph::from_journeys(&js, 99).unwrap_err(), &["order", "99"]);
}

#[test]
fn extreme_timestamps_do_not_overflow() {
    let mut b = EventTable::builder();
    b.touch("c", "x", i64::MIN + 1).unwrap();
    b.touch("c", "y", i64::MAX - 1).unwrap();
    b.conversion("c", i64::MAX, 1.0).unwrap();
    let ev = b.finish().unwrap();
    let o = JourneyOptions { lookback_ms: Some(1000), inactivity_timeout_ms: Some(5), ..Default::default() };
    let (js, rep) = Journeys::build(&ev, &o).unwrap();
    assert_eq!(rep.touches_in, rep.touches_kept + rep.touches_outside_lookback);
    let g = JourneyGraph::from_journeys(&js, 1).unwrap();
    assert!(g.analyze().unwrap().conversion_probability.is_finite());
    use touchpoint_core::attribution::{AttributionModel, AttributionOptions, attribute};
    let c = attribute(&js, &AttributionModel::time_decay(), &AttributionOptions::default()).unwrap();
    assert!(c.rows.iter().all(|r| r.conversions.is_finite()));
}
