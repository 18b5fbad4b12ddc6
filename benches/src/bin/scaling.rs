//! Scaling curve: journeys + order-1 graph + Markov attribution at growing event counts.
//!
//! `cargo build --release -p touchpoint-benches --bin scaling`, then
//! `scaling [--sizes 1000000,10000000,30000000,100000000] [--json benches/scaling.json] [--retries 2]`
//! runs every size in its own child process (`scaling --one N`, one JSON line each), prints a
//! Markdown table, fits `log(time) = a + b log(events)` and `log(peak RSS) = a + b log(events)`
//! by least squares, prints the exponents `b` and writes all of it to the JSON file
//! (`benches/scaling_plot.py` draws it).
//!
//! The events are the demo generator's, made in chunks of customers and appended straight into
//! the event columns (no customer names, no feedback column), so the input costs its columns
//! (25 bytes a row) plus the customer name list and nothing transient: `demo::events` for 100M
//! rows would also hold one `String` per customer (37M of them, about 2 GB) and a feedback
//! column next to the columns before the table copies the names into its compact list.
//!
//! Peak memory is the process's `VmHWM` (Linux): `peak_rss_bytes` is the whole process, the
//! generated input included. The high-water mark is also reset before each stage (writing "5"
//! to `/proc/self/clear_refs`), which gives each stage's own peak (`peak_<stage>_bytes`, the
//! data of the stages before it included) and `VmRSS` after it (`rss_after_<stage>_bytes`);
//! the whole-process peak is the largest of them. Each stage also records its user and kernel
//! CPU time, its page faults and the CPU time other processes took meanwhile (`/proc/stat`):
//! timings on a shared machine are only as good as that last number is small, so a size whose
//! run saw other processes take more than a tenth of a core is rerun (`--retries`, default 2)
//! and the least disturbed run kept.

use std::error::Error;
use std::process::{Command, Stdio};
use std::time::Instant;

use touchpoint_core::attribution::{AttributionModel, AttributionOptions, attribute};
use touchpoint_core::events::EventColumns;
use touchpoint_core::{EventTable, JourneyGraph, JourneyOptions, Journeys, demo};

const DEFAULT_SIZES: [usize; 4] = [1_000_000, 10_000_000, 30_000_000, 100_000_000];
/// Customers per call of the demo generator (about 177k rows: a few MB transient).
const CHUNK_CUSTOMERS: usize = 1 << 16;
/// Bytes per input row: customer u32 + touchpoint u32 + time i64 + converted bool + value f64.
const ROW_BYTES: usize = 4 + 4 + 8 + 1 + 8;

fn status_bytes(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// Reset `VmHWM` to the current RSS (Linux >= 4.0); false when the kernel refused.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// About `n` demo events (exactly `n` or a few fewer: the last customer taken whole), seeded.
fn events(n: usize, seed: u64) -> touchpoint_core::Result<EventTable> {
    let mut cols = EventColumns {
        catalog: demo::catalog(),
        customer: Vec::with_capacity(n),
        touchpoint: Vec::with_capacity(n),
        time: Vec::with_capacity(n),
        converted: Vec::with_capacity(n),
        value: Vec::with_capacity(n),
        ..Default::default()
    };
    let mut next_customer: u32 = 0;
    for chunk in 0.. {
        let room = n - cols.customer.len();
        if room == 0 {
            break;
        }
        // about 2.7 rows per customer: ask for a little more than the room left, cut below
        let customers = (room * 10 / 27 + 1_000).min(CHUNK_CUSTOMERS);
        let seed = seed.wrapping_add(chunk);
        let part = demo::events(&demo::DemoOptions { customers, seed, ..Default::default() })?;
        let cust = part.customers();
        let mut take = part.len().min(room);
        if take < part.len() {
            while take > 0 && cust[take] == cust[take - 1] {
                take -= 1;
            }
        }
        if take == 0 {
            break;
        }
        cols.customer.extend(cust[..take].iter().map(|&c| c + next_customer));
        cols.touchpoint.extend_from_slice(&part.touchpoints()[..take]);
        cols.time.extend_from_slice(&part.times()[..take]);
        cols.converted.extend_from_slice(&part.converted()[..take]);
        cols.value.extend_from_slice(&part.values()[..take]);
        next_customer += cust[take - 1] + 1;
    }
    EventTable::from_columns(cols)
}

/// CPU time and page faults of this process, and busy and stolen CPU time of the machine
/// (`/proc`, in clock ticks of 1/100 s).
#[derive(Clone, Copy, Default)]
struct Counters {
    user: u64,
    sys: u64,
    faults: u64,
    machine_busy: u64,
    steal: u64,
}

const TICKS_PER_S: f64 = 100.0;

fn counters() -> Counters {
    let own = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // after "pid (comm)": state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt,
    // majflt, cmajflt, utime, stime (proc(5) fields 3 to 15)
    let f: Vec<u64> = own
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().skip(1).map(|x| x.parse().unwrap_or(0)).collect())
        .unwrap_or_default();
    let at = |i: usize| f.get(i).copied().unwrap_or(0);
    let machine = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    // "cpu  user nice system idle iowait irq softirq steal ..."
    let m: Vec<u64> = machine
        .lines()
        .next()
        .map(|l| l.split_whitespace().skip(1).map(|x| x.parse().unwrap_or(0)).collect())
        .unwrap_or_default();
    let mt = |i: usize| m.get(i).copied().unwrap_or(0);
    Counters {
        user: at(10),
        sys: at(11),
        faults: at(6) + at(8),
        machine_busy: mt(0) + mt(1) + mt(2) + mt(5) + mt(6),
        steal: mt(7),
    }
}

/// What one stage cost.
struct Stage {
    name: &'static str,
    wall_s: f64,
    user_s: f64,
    sys_s: f64,
    faults: u64,
    /// CPU time other processes used meanwhile (contention on the 2 cores).
    other_cpu_s: f64,
    steal_s: f64,
    /// `VmHWM` at the end, reset at the start: the stage's own peak, earlier data included.
    peak: u64,
    rss_after: u64,
    hwm_reset: bool,
}

fn stage<T>(name: &'static str, f: impl FnOnce() -> touchpoint_core::Result<T>) -> touchpoint_core::Result<(T, Stage)> {
    let hwm_reset = reset_peak();
    let c0 = counters();
    let t = Instant::now();
    let out = f()?;
    let wall_s = t.elapsed().as_secs_f64();
    let c1 = counters();
    let own = (c1.user + c1.sys).saturating_sub(c0.user + c0.sys);
    let st = Stage {
        name,
        wall_s,
        user_s: (c1.user - c0.user) as f64 / TICKS_PER_S,
        sys_s: (c1.sys - c0.sys) as f64 / TICKS_PER_S,
        faults: c1.faults - c0.faults,
        other_cpu_s: (c1.machine_busy - c0.machine_busy).saturating_sub(own) as f64 / TICKS_PER_S,
        steal_s: (c1.steal - c0.steal) as f64 / TICKS_PER_S,
        peak: status_bytes("VmHWM:"),
        rss_after: status_bytes("VmRSS:"),
        hwm_reset,
    };
    Ok((out, st))
}

/// One size in this process: one JSON line on stdout.
fn run_one(n: usize) -> Result<(), Box<dyn Error>> {
    // no reset before the generation: its mark is the process's from the start
    let c0 = counters();
    let t = Instant::now();
    let ev = events(n, 7)?;
    let gen_s = t.elapsed().as_secs_f64();
    let c1 = counters();
    let peak_gen = status_bytes("VmHWM:");
    let rss_input = status_bytes("VmRSS:");
    let input_bytes = ev.len() * ROW_BYTES;

    let ((js, report), s_journeys) = stage("journeys", || Journeys::build(&ev, &JourneyOptions::default()))?;
    let (g, s_graph) = stage("graph", || JourneyGraph::from_journeys(&js, 1))?;
    let (credits, s_markov) =
        stage("markov", || attribute(&js, &AttributionModel::markov(1), &AttributionOptions::default()))?;
    let stages = [s_journeys, s_graph, s_markov];

    // without working resets every reading is the whole-process mark anyway
    let peak = stages.iter().map(|s| s.peak).fold(peak_gen, u64::max);
    let mut fields: Vec<(String, String)> = vec![
        ("events".into(), ev.len().to_string()),
        ("customers".into(), ev.customer_count().to_string()),
        ("journeys".into(), js.len().to_string()),
        ("touches".into(), report.touches_kept.to_string()),
        ("states".into(), g.state_count().to_string()),
        ("conversions".into(), credits.total_conversions.to_string()),
        ("credited_conversions".into(), format!("{:.3}", credits.credited_conversions())),
        ("threads".into(), threads().to_string()),
        ("gen_s".into(), format!("{gen_s:.3}")),
        ("gen_sys_s".into(), format!("{:.2}", (c1.sys - c0.sys) as f64 / TICKS_PER_S)),
    ];
    for s in &stages {
        fields.push((format!("{}_s", s.name), format!("{:.3}", s.wall_s)));
    }
    fields.push(("total_s".into(), format!("{:.3}", stages.iter().map(|s| s.wall_s).sum::<f64>())));
    fields.push(("peak_rss_bytes".into(), peak.to_string()));
    fields.push(("input_bytes".into(), input_bytes.to_string()));
    fields.push(("rss_input_bytes".into(), rss_input.to_string()));
    fields.push(("peak_gen_bytes".into(), peak_gen.to_string()));
    for s in &stages {
        let n = s.name;
        fields.push((format!("peak_{n}_bytes"), s.peak.to_string()));
        fields.push((format!("rss_after_{n}_bytes"), s.rss_after.to_string()));
        fields.push((format!("{n}_user_s"), format!("{:.2}", s.user_s)));
        fields.push((format!("{n}_sys_s"), format!("{:.2}", s.sys_s)));
        fields.push((format!("{n}_faults"), s.faults.to_string()));
    }
    let other: f64 = stages.iter().map(|s| s.other_cpu_s).sum();
    let steal: f64 = stages.iter().map(|s| s.steal_s).sum();
    fields.push(("other_cpu_s".into(), format!("{other:.2}")));
    fields.push(("steal_s".into(), format!("{steal:.2}")));
    fields.push(("hwm_reset".into(), stages.iter().all(|s| s.hwm_reset).to_string()));
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
    println!("{{{}}}", body.join(", "));
    Ok(())
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The numbers of a flat JSON object of numbers and booleans (what `run_one` prints).
fn parse_line(line: &str) -> Vec<(String, f64)> {
    line.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .split(',')
        .filter_map(|kv| {
            let (k, v) = kv.split_once(':')?;
            let v = v.trim();
            let x = match v {
                "true" => 1.0,
                "false" => 0.0,
                _ => v.parse().ok()?,
            };
            Some((k.trim().trim_matches('"').to_owned(), x))
        })
        .collect()
}

struct Run {
    line: String,
    fields: Vec<(String, f64)>,
}

impl Run {
    fn get(&self, k: &str) -> f64 {
        self.fields.iter().find(|(n, _)| n == k).map_or(f64::NAN, |f| f.1)
    }

    /// CPU time other processes took per second of the timed stages (1.0: a whole core).
    fn disturbance(&self) -> f64 {
        self.get("other_cpu_s") / self.get("total_s").max(1e-3)
    }
}

/// A size is rerun (up to `--retries` times, the least disturbed run kept) when other
/// processes took more than this share of a core while it was timed.
const MAX_DISTURBANCE: f64 = 0.1;

/// Least-squares slope and intercept of `ln y` on `ln x`.
fn loglog_fit(x: &[f64], y: &[f64]) -> (f64, f64) {
    let lx: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let ly: Vec<f64> = y.iter().map(|v| v.ln()).collect();
    let n = lx.len() as f64;
    let mx = lx.iter().sum::<f64>() / n;
    let my = ly.iter().sum::<f64>() / n;
    let sxy: f64 = lx.iter().zip(&ly).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = lx.iter().map(|a| (a - mx) * (a - mx)).sum();
    let b = sxy / sxx;
    (b, my - b * mx)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut sizes: Vec<usize> = DEFAULT_SIZES.to_vec();
    let mut json_path = String::from("benches/scaling.json");
    let mut retries: usize = 2;
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).ok_or_else(|| format!("{} needs a value", args[i]))?;
        match args[i].as_str() {
            "--one" => return run_one(value.parse()?),
            "--sizes" => {
                sizes = value.split(',').map(|s| s.trim().replace('_', "").parse()).collect::<Result<_, _>>()?
            }
            "--json" => json_path.clone_from(value),
            "--retries" => retries = value.parse()?,
            other => {
                return Err(format!(
                    "unknown argument {other} (--one N | --sizes A,B,... | --json PATH | --retries R)"
                )
                .into());
            }
        }
        i += 2;
    }
    if sizes.len() < 2 {
        return Err("give at least two sizes to fit a curve".into());
    }

    let exe = std::env::current_exe()?;
    let mut runs = Vec::new();
    for &n in &sizes {
        let mut best: Option<Run> = None;
        for attempt in 0..=retries {
            eprintln!("scaling: {n} events{} ...", if attempt > 0 { " again" } else { "" });
            let out = Command::new(&exe).arg("--one").arg(n.to_string()).stderr(Stdio::inherit()).output()?;
            if !out.status.success() {
                return Err(format!("the run of {n} events failed ({})", out.status).into());
            }
            let stdout = String::from_utf8(out.stdout)?;
            let line = stdout.lines().find(|l| l.starts_with('{')).ok_or("the child printed no JSON line")?.to_owned();
            eprintln!("{line}");
            let run = Run { fields: parse_line(&line), line };
            let d = run.disturbance();
            if best.as_ref().is_none_or(|b| d < b.disturbance()) {
                best = Some(run);
            }
            if d <= MAX_DISTURBANCE {
                break;
            }
            eprintln!("scaling: other processes took {:.0}% of a core during the timed stages; rerunning", 100.0 * d);
        }
        runs.extend(best);
    }

    println!(
        "| events | journeys | journeys s | graph s | markov s | total s | M events/s | peak RSS GB | bytes/event |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &runs {
        let ev = r.get("events");
        println!(
            "| {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} |",
            ev,
            r.get("journeys"),
            r.get("journeys_s"),
            r.get("graph_s"),
            r.get("markov_s"),
            r.get("total_s"),
            ev / r.get("total_s") / 1e6,
            r.get("peak_rss_bytes") / 1e9,
            r.get("peak_rss_bytes") / ev,
        );
    }

    // where the time goes: CPU of this process (user, kernel) and of everything else meanwhile
    println!();
    println!(
        "| events | journeys user s | journeys sys s | graph user s | markov user s | page faults M | \
         other processes' CPU s |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for r in &runs {
        let faults = r.get("journeys_faults") + r.get("graph_faults") + r.get("markov_faults");
        println!(
            "| {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            r.get("events"),
            r.get("journeys_user_s"),
            r.get("journeys_sys_s"),
            r.get("graph_user_s"),
            r.get("markov_user_s"),
            faults / 1e6,
            r.get("other_cpu_s"),
        );
    }

    let col = |k: &str| runs.iter().map(|r| r.get(k)).collect::<Vec<f64>>();
    let events = col("events");
    let fit = |k: &str| loglog_fit(&events, &col(k));
    // the local exponent between the two largest sizes: where super-linear growth would show
    let last = runs.len() - 1;
    let local = |k: &str| (runs[last].get(k) / runs[last - 1].get(k)).ln() / (events[last] / events[last - 1]).ln();
    let keys = ["total_s", "journeys_s", "graph_s", "markov_s", "peak_rss_bytes"];
    println!();
    println!("log-log least-squares exponents b (time or memory ∝ events^b) over {} sizes:", runs.len());
    let mut fits = Vec::new();
    for k in keys {
        let (b, a) = fit(k);
        let l = local(k);
        println!("  {k:<15} b = {b:.3}   (between the two largest sizes: {l:.3})");
        fits.push(format!("\"{k}\": {{\"exponent\": {b:.4}, \"intercept\": {a:.4}, \"local_exponent\": {l:.4}}}"));
    }

    let json = format!(
        "{{\n  \"what\": \"journeys + order-1 graph + Markov attribution, demo events generated in memory\",\n  \
         \"threads\": {},\n  \"runs\": [\n    {}\n  ],\n  \"fits\": {{\n    {}\n  }}\n}}\n",
        threads(),
        runs.iter().map(|r| r.line.as_str()).collect::<Vec<_>>().join(",\n    "),
        fits.join(",\n    "),
    );
    std::fs::write(&json_path, json)?;
    eprintln!("scaling: wrote {json_path}");
    Ok(())
}
