//! The traps a new user falls into with their own data, each with its new behaviour: the
//! conversion as an event, epoch seconds read as milliseconds, gzip files, a `;`-delimited
//! path file, misspelt names.

use std::io::Write as _;

use touchpoint_core::attribution::{AttributionModel, AttributionOptions, attribute};
use touchpoint_core::{
    Error, Event, EventCsvOptions, EventTable, JourneyOptions, Journeys, PathCsvOptions, PathTable, TimeFormat,
    TimeUnit,
};

/// A clickstream whose purchases are `purchase` events (no flag column).
fn clickstream() -> EventTable {
    let mut b = EventTable::builder();
    let day = 86_400_000;
    for c in 0..40 {
        let cust = format!("c{c}");
        b.touch(&cust, if c % 2 == 0 { "search ad" } else { "email" }, day * c).unwrap();
        b.touch(&cust, "site", day * c + 1000).unwrap();
        if c % 3 == 0 {
            b.push(Event {
                customer: &cust,
                touchpoint: Some("purchase"),
                time: day * c + 2000,
                converted: false,
                value: 10.0,
                feedback: None,
            })
            .unwrap();
        }
    }
    b.finish().unwrap()
}

#[test]
fn a_conversion_event_becomes_conversions_and_leaves_the_touchpoints() {
    let ev = clickstream();
    let (conv, turned) = ev.clone().with_conversion_events(&["purchase"]).unwrap();
    assert_eq!(turned, 14);
    // (ids are sorted names)
    assert_eq!(conv.catalog().names(), &["email", "search ad", "site"]);
    let (j, rep) = Journeys::build(&conv, &JourneyOptions::default()).unwrap();
    assert_eq!(rep.journeys_converting, 14);
    assert_eq!(j.total_value(), 140.0);
    let last = attribute(&j, &AttributionModel::LastTouch, &AttributionOptions::default()).unwrap();
    // the last touch before each purchase is the site visit, not the purchase itself
    let site = last.rows.iter().find(|r| r.name == "site").unwrap();
    assert_eq!(site.conversions, 14.0);
    assert!(last.rows.iter().all(|r| r.name != "purchase"));
    // a misspelt event name is an error with a suggestion; nothing is changed
    let e = ev.with_conversion_events(&["purchses"]).unwrap_err();
    assert!(matches!(e, Error::UnknownTouchpoint { .. }));
    assert!(e.to_string().contains("did you mean \"purchase\"?"), "{e}");
}

#[test]
fn a_touchpoint_that_is_the_conversion_is_noted() {
    // the workaround a user tries: a flag column set on the purchase rows, purchase kept
    let ev = clickstream();
    let mut b = EventTable::builder();
    for r in ev.rows() {
        let converted = r.touchpoint == Some("purchase");
        b.push(Event {
            customer: r.customer_id,
            touchpoint: r.touchpoint,
            time: r.timestamp.0,
            converted,
            value: r.value,
            feedback: None,
        })
        .unwrap();
    }
    let flagged = b.finish().unwrap();
    let notes = flagged.notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("\"purchase\"") && notes[0].contains("14 of its 14 rows"), "{}", notes[0]);
    assert!(notes[0].contains("conversion_event=\"purchase\""), "{}", notes[0]);
    let (fixed, _) = flagged.clone().with_conversion_events(&["purchase"]).unwrap();
    assert!(fixed.notes().is_empty());
    assert!(ev.notes().is_empty(), "no conversions at all: nothing looks like one");
    for customers in [20, 300, 3000] {
        let demo =
            touchpoint_core::demo::events(&touchpoint_core::demo::DemoOptions { customers, ..Default::default() })
                .unwrap();
        assert!(demo.notes().is_empty(), "{customers}: {:?}", demo.notes());
    }
}

#[test]
fn epoch_seconds_read_as_milliseconds_are_refused_with_the_unit_to_pass() {
    let csv = "customer_id,touchpoint,timestamp,converted\nc,ad,1700000000,0\nc,site,1700003600,1\n";
    let e = EventTable::read_csv(csv.as_bytes(), &EventCsvOptions::default()).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("`timestamp`") && m.contains("1700000000 .. 1700003600"), "{m}");
    assert!(m.contains("1970-01-20") && m.contains("2023-11-14") && m.contains("time_unit='s'"), "{m}");
    let secs = EventCsvOptions { time_format: TimeFormat::Auto(TimeUnit::Seconds), ..Default::default() };
    let ev = EventTable::read_csv(csv.as_bytes(), &secs).unwrap();
    assert_eq!(ev.times(), &[1_700_000_000_000, 1_700_003_600_000]);
    // milliseconds read as seconds: ms is suggested
    let ms = "customer_id,touchpoint,timestamp,converted\nc,ad,1700000000000,0\n";
    let e = EventTable::read_csv(ms.as_bytes(), &secs).unwrap_err();
    assert!(e.to_string().contains("time_unit='ms'"), "{e}");
    // microseconds read as milliseconds
    let us = "customer_id,touchpoint,timestamp,converted\nc,ad,1700000000000000,0\n";
    let e = EventTable::read_csv(us.as_bytes(), &EventCsvOptions::default()).unwrap_err();
    assert!(e.to_string().contains("time_unit='us'"), "{e}");
    // synthetic times near 1970 and ISO dates are not second-guessed
    let small = "customer_id,touchpoint,timestamp,converted\nc,ad,0,0\nc,site,3600000,1\n";
    assert!(EventTable::read_csv(small.as_bytes(), &EventCsvOptions::default()).is_ok());
    let iso = "customer_id,touchpoint,timestamp,converted\nc,ad,2024-01-01,0\n";
    assert!(EventTable::read_csv(iso.as_bytes(), &EventCsvOptions::default()).is_ok());
}

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap()
}

#[test]
fn gzip_files_are_read_by_their_magic_bytes() {
    let dir = std::env::temp_dir().join(format!("tp-gzip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths = "path,total_conversions,total_null\nGA > M,1,2\nGA,2,0\nM > GA > M,0,5\n";
    let plain = PathTable::read_csv(paths.as_bytes(), &PathCsvOptions::default()).unwrap();
    let f = dir.join("paths.csv"); // no .gz in the name: the bytes decide
    std::fs::write(&f, gzip(paths)).unwrap();
    let gz = PathTable::read_csv_path(&f, &PathCsvOptions::default()).unwrap();
    assert_eq!(gz, plain);
    assert_eq!(PathTable::read_csv_bytes(&gzip(paths), &PathCsvOptions::default()).unwrap(), plain);
    let events = "customer_id,touchpoint,timestamp,converted,value\nc,ad,2024-01-01,0,0\nc,site,2024-01-02,1,5\n";
    let f = dir.join("events.csv.gz");
    std::fs::write(&f, gzip(events)).unwrap();
    let ev = EventTable::read_csv_path(&f, &EventCsvOptions::default()).unwrap();
    assert_eq!((ev.len(), ev.values()[1]), (2, 5.0));
    // zstd is recognised and refused with what to do
    let f = dir.join("events.zst");
    std::fs::write(&f, [0x28, 0xb5, 0x2f, 0xfd, 0, 0]).unwrap();
    let e = EventTable::read_csv_path(&f, &EventCsvOptions::default()).unwrap_err();
    assert!(e.to_string().contains("zstd-compressed") && e.to_string().contains("zstd -d"), "{e}");
    // a damaged gzip file is an I/O error naming it
    let f = dir.join("broken.csv");
    let mut bytes = gzip(paths);
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&f, bytes).unwrap();
    let e = PathTable::read_csv_path(&f, &PathCsvOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Io { .. }) && e.to_string().contains("broken.csv (gzip)"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_semicolon_file_read_with_commas_says_which_delimiter_to_pass() {
    let e =
        PathTable::read_csv("path;total_conversions\nGA > M;1\n".as_bytes(), &PathCsvOptions::default()).unwrap_err();
    assert!(e.to_string().contains("pass delimiter=';'"), "{e}");
    let e = PathTable::read_csv("path\ttotal_conversions\nGA\t1\n".as_bytes(), &PathCsvOptions::default()).unwrap_err();
    assert!(e.to_string().contains("pass delimiter='\\t'"), "{e}");
    let e = EventTable::read_csv("customer_id|touchpoint\nc|ad\n".as_bytes(), &EventCsvOptions::default()).unwrap_err();
    assert!(e.to_string().contains("pass delimiter='|'"), "{e}");
}

#[test]
fn misspelt_names_get_a_suggestion() {
    let e = EventTable::read_csv(
        "customer_id,touch_point,timestamp,converted\nc,ad,0,0\n".as_bytes(),
        &EventCsvOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("did you mean `touch_point`?"), "{e}");
    let ev = clickstream();
    let e = ev.catalog().require("search").unwrap_err();
    assert!(e.to_string().contains("did you mean \"search ad\"?") && e.to_string().contains("known: "), "{e}");
    let e = "markof".parse::<touchpoint_core::attribution::ModelName>().unwrap_err();
    assert!(e.to_string().contains("did you mean \"markov\"?"), "{e}");
}
