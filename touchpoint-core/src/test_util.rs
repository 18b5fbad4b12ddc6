//! Builders shared by the tests: reshuffled and filtered copies of an event table.

use crate::events::{CustomerKey, EventTable};

/// The same events in a seeded random row order (catalog attributes kept).
pub(crate) fn shuffled(ev: &EventTable, seed: u64) -> EventTable {
    let mut idx: Vec<usize> = (0..ev.len()).collect();
    let mut rng = crate::rng::SplitMix64(seed);
    for i in (1..idx.len()).rev() {
        let j = (rng.f64() * (i + 1) as f64) as usize;
        idx.swap(i, j.min(i));
    }
    let rows: Vec<_> = ev.rows().collect();
    let mut b = EventTable::builder();
    for &i in &idx {
        let r = &rows[i];
        b.push_keyed(
            CustomerKey::Str(r.customer_id),
            r.touchpoint,
            r.timestamp.0,
            r.converted,
            r.value,
            r.feedback.map(|f| f as f32),
        )
        .unwrap();
    }
    let mut t = b.finish().unwrap();
    t.catalog_mut().apply_attrs(ev.catalog());
    t
}

/// The events of one segment's customers only (catalog attributes kept).
pub(crate) fn only(ev: &EventTable, seg: &crate::segment::Segments, label: &str) -> EventTable {
    let code = seg.code(label).unwrap();
    let mut b = EventTable::builder();
    for (i, r) in ev.rows().enumerate() {
        if seg.of_customer(ev.customers()[i]) == code {
            b.push_keyed(
                CustomerKey::Str(r.customer_id),
                r.touchpoint,
                r.timestamp.0,
                r.converted,
                r.value,
                r.feedback.map(|f| f as f32),
            )
            .unwrap();
        }
    }
    let mut t = b.finish().unwrap();
    t.catalog_mut().apply_attrs(ev.catalog());
    t
}
