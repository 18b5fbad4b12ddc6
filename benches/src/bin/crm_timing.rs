//! Wall time of the CRM jobs (median of 5 runs, single process, data generated in memory):
//! loading a saved order-3 graph, scoring open journeys against a loaded order-2 graph, and
//! appending one day of events to 30 days of journeys against a full rebuild.
//!
//! `cargo run --release -p touchpoint-benches --bin crm_timing -- [open customers] [events]`
//! (defaults: 1,000,000 open customers; 31,000,000 events for the increment)

use std::time::Instant;

use touchpoint_core::optimize::{ScoreOptions, Scorer};
use touchpoint_core::{DAY_MS, EventColumns, EventTable, JourneyGraph, JourneyOptions, Journeys, demo};

fn median<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let mut out = None;
    let mut t: Vec<f64> = (0..5)
        .map(|_| {
            let t0 = Instant::now();
            let r = f();
            let dt = t0.elapsed().as_secs_f64();
            out = Some(r);
            dt
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[2], out.expect("five runs"))
}

/// The rows of `e` with `keep(time)`, customers renumbered in order of first appearance.
fn subset(e: &EventTable, keep: impl Fn(i64) -> bool) -> touchpoint_core::Result<EventTable> {
    let mut code = vec![u32::MAX; e.customer_count()];
    let mut cols = EventColumns { catalog: e.catalog().clone(), ..Default::default() };
    for i in 0..e.len() {
        if !keep(e.times()[i]) {
            continue;
        }
        let c = e.customers()[i] as usize;
        if code[c] == u32::MAX {
            code[c] = cols.customer_names.len() as u32;
            cols.customer_names.push(e.customer_names()[c].to_owned());
        }
        cols.customer.push(code[c]);
        cols.touchpoint.push(e.touchpoints()[i]);
        cols.time.push(e.times()[i]);
        cols.converted.push(e.converted()[i]);
        cols.value.push(e.values()[i]);
    }
    EventTable::from_columns(cols)
}

fn main() -> touchpoint_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let n_open: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let n_events: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(31_000_000);
    let only = args.next().unwrap_or_default();
    let run = |what: &str| only.is_empty() || only == what;

    // 1. load a saved order-3 graph of about 14k states
    if run("load") {
        let paths = demo::paths(1_000_000, 24, 11)?;
        let g3 = JourneyGraph::from_paths(&paths, 3)?;
        let bytes = g3.to_bytes()?;
        let (t_load, back) = median(|| JourneyGraph::from_bytes(&bytes));
        let back = back?;
        assert_eq!(back.analysis()?, g3.analysis()?);
        let dir = std::env::temp_dir().join(format!("tp-crm-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|source| touchpoint_core::Error::Io { path: dir.display().to_string(), source })?;
        let file = dir.join("g3.tpm");
        g3.save(&file)?;
        let (t_file, _) = median(|| JourneyGraph::load(&file));
        println!(
            "load: order-3 graph of {} states, {} transitions, {:.1} MB: from bytes {:.1} ms, from a file {:.1} ms",
            back.state_count(),
            back.graph().edge_count(),
            bytes.len() as f64 / 1e6,
            t_load * 1e3,
            t_file * 1e3
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    // 2. score open journeys against a loaded order-2 graph
    if run("score") {
        let history = demo::events(&demo::DemoOptions { customers: 200_000, seed: 3, ..Default::default() })?;
        let (journeys, _) = Journeys::build(&history, &JourneyOptions::default())?;
        let g2 = JourneyGraph::from_bytes(&JourneyGraph::from_journeys(&journeys, 2)?.to_bytes()?)?;
        let (t_scorer, scorer) = median(|| Scorer::new(&g2, &ScoreOptions::default()));
        let scorer = scorer?;
        let open_all = demo::events(&demo::DemoOptions { customers: n_open, seed: 4, ..Default::default() })?;
        // open journeys: each customer's events before their first conversion
        let mut first_conv = vec![i64::MAX; open_all.customer_count()];
        for i in 0..open_all.len() {
            if open_all.converted()[i] {
                let c = open_all.customers()[i] as usize;
                first_conv[c] = first_conv[c].min(open_all.times()[i]);
            }
        }
        let open = {
            let mut cols = EventColumns { catalog: open_all.catalog().clone(), ..Default::default() };
            cols.customer_names = open_all.customer_names().iter().map(str::to_owned).collect();
            for i in 0..open_all.len() {
                let c = open_all.customers()[i];
                if open_all.times()[i] < first_conv[c as usize] {
                    cols.customer.push(c);
                    cols.touchpoint.push(open_all.touchpoints()[i]);
                    cols.time.push(open_all.times()[i]);
                    cols.converted.push(false);
                    cols.value.push(0.0);
                }
            }
            EventTable::from_columns(cols)?
        };
        let (t_score, s) = median(|| scorer.score_events(&open));
        let s = s?;
        let (t_score_j, sj) = median(|| scorer.score_journeys(&journeys));
        let sj = sj?;
        println!(
            "score: {} candidates, top 3; scorer from a loaded order-2 graph ({} states) {:.1} ms; {} open customers ({} events) {:.3} s ({:.0} ns per customer); {} open journeys of Journeys {:.3} s",
            scorer.candidate_count(),
            g2.state_count(),
            t_scorer * 1e3,
            s.len(),
            open.len(),
            t_score,
            t_score * 1e9 / s.len() as f64,
            sj.len(),
            t_score_j
        );
    }

    // 3. one day appended to 30 days of journeys, against a rebuild of all 31 days
    if !run("append") {
        return Ok(());
    }
    let all = demo::events(&demo::DemoOptions { customers: n_events * 2 / 9, seed: 5, ..Default::default() })?;
    let mut times: Vec<i64> = all.times().to_vec();
    times.sort_unstable();
    let (lo, hi) = (times[0], times[times.len() - 1]);
    // the demo's days are not equally busy: cut at the last day with about 1/31 of the events
    let cut_at = times[times.len() - times.len() / 31];
    let cut = lo + (cut_at - lo) / DAY_MS * DAY_MS;
    let older = subset(&all, |t| t < cut)?;
    let day = subset(&all, |t| t >= cut)?;
    drop(times);
    let opts = JourneyOptions { lookback_ms: Some(30 * DAY_MS), ..Default::default() };
    let (t_full, _) = median(|| Journeys::build(&all, &opts).map(|r| r.0.len()));
    let (base, _) = Journeys::build(&older, &opts)?;
    let saved = base.to_bytes();
    let (t_load_j, _) = median(|| Journeys::from_bytes(&saved).map(|j| j.len()));
    let (t_append, out) = median(|| base.append(&day));
    let (appended, _, added) = out?;
    println!(
        "append: {} events over {} days; one day = {} events ({} customers continued, {} new): rebuild {:.3} s, append {:.3} s ({:.1}% of the rebuild); loading the saved journeys ({:.0} MB) {:.3} s; {} journeys",
        all.len(),
        (hi - lo) / DAY_MS + 1,
        day.len(),
        added.customers_continued,
        added.customers_new,
        t_full,
        t_append,
        100.0 * t_append / t_full,
        saved.len() as f64 / 1e6,
        t_load_j,
        appended.len()
    );
    Ok(())
}
