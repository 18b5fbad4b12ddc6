//! Peak memory of journey building + order-1 graph, against the size of the input columns.
//!
//! `cargo run --release -p touchpoint-benches --bin journey_memory -- [events]`
//! Prints the input column bytes, the peak RSS growth during the build (Linux `VmHWM`), their
//! ratio and the wall time.

use std::time::Instant;

use touchpoint_core::{JourneyGraph, JourneyOptions, Journeys};

fn status_kib(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn reset_peak() {
    // Writing "5" to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() -> touchpoint_core::Result<()> {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    let events = touchpoint_benches::demo_events(n, 7)?;
    let rows = events.len();
    // customer u32 + touchpoint u32 + time i64 + converted bool + value f64
    let input = rows * (4 + 4 + 8 + 1 + 8);
    reset_peak();
    let before = status_kib("VmRSS:").unwrap_or(0);
    let t0 = Instant::now();
    let (js, rep) = Journeys::build(&events, &JourneyOptions::default())?;
    let t1 = t0.elapsed();
    let g = JourneyGraph::from_journeys(&js, 1)?;
    let total = t0.elapsed();
    let peak = status_kib("VmHWM:").unwrap_or(0);
    let growth = peak.saturating_sub(before) * 1024;
    println!(
        "events: {rows}, journeys: {}, states: {}",
        rep.journeys_converting + rep.journeys_non_converting,
        g.state_count()
    );
    println!("input columns: {:.1} MB", input as f64 / 1e6);
    println!(
        "peak RSS growth during build: {:.1} MB ({:.2}x the input columns)",
        growth as f64 / 1e6,
        growth as f64 / input as f64
    );
    println!(
        "journeys: {:.3} s, journeys + order-1 graph: {:.3} s ({:.1} M events/s, one thread)",
        t1.as_secs_f64(),
        total.as_secs_f64(),
        rows as f64 / total.as_secs_f64() / 1e6
    );
    Ok(())
}
