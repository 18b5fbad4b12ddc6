//! Wall time and peak allocation of the journey map on demo events (funnels, retention, the step
//! matrix), and the same on the rows shuffled (no longer grouped by customer: the one index
//! array is then built).
//!
//! `cargo run --release -p touchpoint-benches --bin journeymap_timing -- [events] [grouped|time|shuffled]`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use touchpoint_core::journeymap::{self, FunnelOptions, RetentionOptions, Step};
use touchpoint_core::{DAY_MS, EventColumns, EventTable};

/// Counts the bytes allocated: current and peak (the peak is reset before each measurement),
/// so the figure is what the analysis itself allocates, not what the allocator keeps.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: same layout as asked.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        CURRENT.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: allocated by `alloc` with this layout.
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The rows of `ev` in a seeded random order, or in time order (as logs are written: customers
/// interleaved).
fn reordered(ev: &EventTable, by_time: bool) -> touchpoint_core::Result<EventTable> {
    let n = ev.len();
    let mut order: Vec<usize> = (0..n).collect();
    if by_time {
        order.sort_by_key(|&i| ev.times()[i]);
    } else {
        let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in (1..n).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            order.swap(i, (s % (i as u64 + 1)) as usize);
        }
    }
    let pick = |v: &[u32]| order.iter().map(|&i| v[i]).collect::<Vec<_>>();
    EventTable::from_columns(EventColumns {
        catalog: ev.catalog().clone(),
        customer_names: ev.customer_names().iter().map(str::to_owned).collect(),
        customer: pick(ev.customers()),
        touchpoint: pick(ev.touchpoints()),
        time: order.iter().map(|&i| ev.times()[i]).collect(),
        converted: order.iter().map(|&i| ev.converted()[i]).collect(),
        value: order.iter().map(|&i| ev.values()[i]).collect(),
        feedback: Vec::new(),
    })
}

fn run(label: &str, ev: &EventTable) -> touchpoint_core::Result<()> {
    let opts = FunnelOptions {
        steps: vec![Step::touchpoint("search ad"), Step::touchpoint("website"), Step::touchpoint("store visit")],
        window_ms: Some(7 * DAY_MS),
        ..Default::default()
    };
    let input = ev.len() * (4 + 4 + 8 + 1 + 8);
    for (name, f) in [
        (
            "funnel ordered 3 steps 7d",
            &(|| journeymap::funnel(ev, &opts, None).map(|_| ())) as &dyn Fn() -> touchpoint_core::Result<()>,
        ),
        ("stage funnel", &|| journeymap::funnel(ev, &FunnelOptions::default(), None).map(|_| ())),
        ("retention daily", &|| journeymap::retention(ev, &RetentionOptions::default(), None).map(|_| ())),
    ] {
        f()?; // warm
        let before = CURRENT.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            f()?;
            best = best.min(t.elapsed().as_secs_f64());
        }
        let growth = PEAK.load(Ordering::Relaxed).saturating_sub(before);
        println!(
            "{label:>10} | {name:<26} | best of 5 {:>7.1} ms | peak allocated {:>6.1} MB ({:.2}× the input columns)",
            best * 1e3,
            growth as f64 / 1e6,
            growth as f64 / input as f64
        );
    }
    Ok(())
}

fn main() -> touchpoint_core::Result<()> {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    let ev = touchpoint_benches::demo_events(n, 7)?;
    println!("{} events, {} customers, {} threads", ev.len(), ev.customer_count(), rayon_threads());
    let only = std::env::args().nth(2);
    if only.as_deref() != Some("shuffled") && only.as_deref() != Some("time") {
        run("grouped", &ev)?;
    }
    if only.as_deref() == Some("grouped") {
        return Ok(());
    }
    if only.as_deref() != Some("shuffled") {
        run("by time", &reordered(&ev, true)?)?;
    }
    if only.as_deref() == Some("time") {
        return Ok(());
    }
    let sh = reordered(&ev, false)?;
    drop(ev);
    run("shuffled", &sh)
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
