//! Partials against the single-machine run on the same events (median of 5, one process, data
//! generated in memory): journeys + order-1 graph + Markov attribution on one machine, against
//! building the partial of all events (one batch, and Spark-like batches of 10,000 rows),
//! merging 8 partials and finishing the merged one; with the sizes that cross the wire.
//!
//! `cargo run --release -p touchpoint-benches --bin partial_timing -- [customers]`
//! (default 3,000,000 customers: about 10M events)

use std::time::Instant;

use touchpoint_core::attribution::{AttributionModel, AttributionOptions, compare};
use touchpoint_core::demo::{self, DemoOptions};
use touchpoint_core::partial::{Partial, PartialBuilder, PartialSpec};
use touchpoint_core::{DAY_MS, EventColumns, EventTable, JourneyGraph, JourneyOptions, Journeys};

fn median<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let mut out = None;
    let mut t: Vec<f64> = (0..5)
        .map(|_| {
            let t0 = Instant::now();
            let r = f();
            out = Some(r);
            t0.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[2], out.expect("five runs"))
}

/// Rows `range` of `e` (whole customers when the table is grouped by customer).
fn rows(e: &EventTable, range: std::ops::Range<usize>) -> touchpoint_core::Result<EventTable> {
    let mut code = std::collections::HashMap::new();
    let mut cols = EventColumns { catalog: e.catalog().clone(), ..Default::default() };
    for i in range {
        let c = e.customers()[i];
        let k = *code.entry(c).or_insert_with(|| {
            cols.customer_names.push(e.customer_names()[c as usize].to_owned());
            cols.customer_names.len() as u32 - 1
        });
        cols.customer.push(k);
        cols.touchpoint.push(e.touchpoints()[i]);
        cols.time.push(e.times()[i]);
        cols.converted.push(e.converted()[i]);
        cols.value.push(e.values()[i]);
    }
    EventTable::from_columns(cols)
}

fn main() -> touchpoint_core::Result<()> {
    let customers: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3_000_000);
    let ev = demo::events(&DemoOptions { customers, seed: 7, ..Default::default() })?;
    let n = ev.len();
    println!("{n} events, {} customers, {} touchpoints, 2 threads", ev.customer_count(), ev.catalog().len());
    let jo = JourneyOptions { lookback_ms: Some(30 * DAY_MS), ..Default::default() };
    let models = [AttributionModel::markov(1), AttributionModel::Linear];
    let spec = PartialSpec::from_catalog(ev.catalog(), jo.clone())?.models(&models)?;

    let (single, _) = median(|| -> touchpoint_core::Result<_> {
        let (j, _) = Journeys::build(&ev, &jo)?;
        let g = JourneyGraph::from_journeys(&j, 1)?;
        g.analysis()?;
        compare(&j, &models, &AttributionOptions::default())
    });
    let (whole, p) = median(|| -> touchpoint_core::Result<Partial> {
        let mut b = PartialBuilder::new(&spec);
        b.push(&ev)?;
        b.finish()
    });
    let p = p?;
    // Spark-like: 10,000-row Arrow batches of a partition (prepared outside the timing)
    let batch = 10_000;
    let batches: Vec<EventTable> =
        (0..n.div_ceil(batch)).map(|k| rows(&ev, k * batch..((k + 1) * batch).min(n))).collect::<Result<_, _>>()?;
    let (batched, q) = median(|| -> touchpoint_core::Result<Partial> {
        let mut b = PartialBuilder::new(&spec);
        for t in &batches {
            b.push(t)?;
        }
        b.finish()
    });
    assert!(q? == p, "batches change nothing");
    // eight partitions of whole customers (the demo log is grouped by customer)
    let cuts: Vec<usize> = (0..=8)
        .map(|k| {
            let mut i = k * n / 8;
            while i > 0 && i < n && ev.customers()[i] == ev.customers()[i - 1] {
                i += 1;
            }
            i.min(n)
        })
        .collect();
    let parts: Vec<Partial> = cuts
        .windows(2)
        .map(|w| {
            let mut b = PartialBuilder::new(&spec);
            b.push(&rows(&ev, w[0]..w[1])?)?;
            b.finish()
        })
        .collect::<Result<_, _>>()?;
    let (merge, m) = median(|| Partial::merge_all(&spec, &parts));
    let m = m?;
    assert!(m == p, "partitions change nothing");
    let (finish, _) = median(|| -> touchpoint_core::Result<_> {
        let g = m.graph(1)?;
        g.analysis()?;
        m.attribute()
    });
    let wire: usize = parts.iter().map(|x| x.to_bytes().len()).sum();
    let merged_rows = m.rows()?.len();
    println!("| step | time (s) | events/s |");
    println!("|---|---|---|");
    let rate = |t: f64| format!("{:.1} M", n as f64 / t / 1e6);
    println!("| one machine: journeys + order-1 graph + Markov & linear | {single:.3} | {} |", rate(single));
    println!("| partial of all events, one batch | {whole:.3} | {} |", rate(whole));
    println!("| partial of all events, 10,000-row batches | {batched:.3} | {} |", rate(batched));
    println!("| merge 8 partials | {merge:.4} | |");
    println!("| finish: graph, analysis, both models | {finish:.4} | |");
    println!(
        "wire: 8 partials {wire} bytes ({:.2} bytes/event); merged sum table {merged_rows} rows, {} bytes",
        wire as f64 / n as f64,
        m.to_bytes().len()
    );
    Ok(())
}
