//! The text report (`report::text_report`, the C face's `touchpoint_report_text`): its sections
//! on the demo data, and what it does with data in which nothing converts.

use touchpoint_core::demo::{self, DemoOptions};
use touchpoint_core::report::text_report;
use touchpoint_core::{Event, EventTable, JourneyOptions};

fn demo_events() -> EventTable {
    demo::events(&DemoOptions { customers: 300, seed: 3, ..Default::default() }).unwrap()
}

#[test]
fn the_report_has_its_sections_and_counts() {
    let ev = demo_events();
    let text = text_report(&ev, &JourneyOptions::default(), 1).unwrap();
    for section in ["== Dataset ==", "== Journeys =="] {
        assert!(text.contains(section), "no {section} in\n{text}");
    }
    let first = format!("  {} events from {} customers", ev.len(), ev.customer_count());
    assert!(text.contains(&first), "{first:?} not in\n{text}");
}

#[test]
fn data_without_conversions_gives_a_report_not_an_error() {
    // the demo's touches only: no row converts
    let ev = demo_events();
    let mut b = EventTable::builder();
    for r in ev.rows().filter(|r| !r.converted) {
        b.push(Event {
            customer: r.customer_id,
            touchpoint: r.touchpoint,
            time: r.timestamp.0,
            converted: false,
            value: 0.0,
            feedback: r.feedback.map(|f| f as f32),
        })
        .unwrap();
    }
    let touches = b.finish().unwrap();
    let text = text_report(&touches, &JourneyOptions::default(), 1).unwrap();
    assert!(text.contains("  0 conversions worth 0.00"), "{text}");
    assert!(text.contains("No journey converts, so there is nothing to attribute"), "{text}");
    assert!(!text.contains("== Attribution: credited"), "{text}");
}

#[test]
fn an_order_outside_the_range_is_a_typed_error() {
    let e = text_report(&demo_events(), &JourneyOptions::default(), 0).unwrap_err();
    assert!(e.to_string().contains("order"), "{e}");
}
