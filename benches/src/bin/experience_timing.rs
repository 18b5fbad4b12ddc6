//! Wall time of the experience analyses on demo events (about 20 % of the rows carry a score,
//! 12 touchpoints): the experience table, experience → conversion and key drivers, best of 5.
//! With a path, also writes the events as CSV for the peer script (`benches/peers/experience.py`).
//!
//! `cargo run --release -p touchpoint-benches --bin experience_timing -- [events] [events.csv]`
//! prints one JSON object: the timings and the figures the peer must reproduce.

use std::io::Write;
use std::time::Instant;

use touchpoint_core::experience::{
    DriverOutcome, ExperienceOptions, ExperienceReference, KeyDriverOptions, MissingScores, experience,
    experience_conversion, key_drivers,
};

fn best<T>(f: impl Fn() -> touchpoint_core::Result<T>) -> touchpoint_core::Result<(f64, T)> {
    let mut out = f()?; // warm
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        out = f()?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok((best, out))
}

fn main() -> touchpoint_core::Result<()> {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    let ev = touchpoint_benches::demo_events(n, 7)?;
    let scores = ev.feedback().map_or(0, |f| f.iter().filter(|x| !x.is_nan()).count());
    let o = ExperienceOptions::default();
    let (t_exp, exp) = best(|| experience(&ev, None, &o, None))?;
    let (t_conv, conv) = best(|| experience_conversion(&ev, None, &o, ExperienceReference::NotDetractor, None))?;
    let kd = KeyDriverOptions {
        outcome: DriverOutcome::Conversion,
        missing: MissingScores::ImputeMean,
        drivers: Vec::new(),
    };
    let (t_kd, k) = best(|| key_drivers(&ev, None, &o, &kd))?;
    let all = exp.get("all", "all").expect("scores");
    let any = conv.get(None).expect("journeys");
    println!(
        "{{\"events\": {}, \"customers\": {}, \"scores\": {scores}, \"touchpoints\": {}, \"experience_s\": {t_exp:.4}, \
         \"experience_conversion_s\": {t_conv:.4}, \"key_drivers_s\": {t_kd:.4}, \"nps_all\": {:.10}, \
         \"detractor_journeys\": {}, \"detractor_conversions\": {}, \"journeys\": {}, \"r_squared\": {:.10}, \
         \"key_driver_customers\": {}, \"drivers\": {}}}",
        ev.len(),
        ev.customer_count(),
        ev.catalog().len(),
        all.nps.unwrap_or(f64::NAN),
        any.detractor_journeys,
        any.detractor_conversions,
        conv.journeys,
        k.r_squared,
        k.customers,
        k.rows.len(),
    );
    if let Some(path) = std::env::args().nth(2) {
        let f =
            std::fs::File::create(&path).map_err(|e| touchpoint_core::Error::Io { path: path.clone(), source: e })?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        let io = |e| touchpoint_core::Error::Io { path: path.clone(), source: e };
        writeln!(w, "customer_id,touchpoint,timestamp,converted,feedback,stage,channel").map_err(io)?;
        let cat = ev.catalog();
        for (i, r) in ev.rows().enumerate() {
            let a = ev.touchpoint_of(i).and_then(|t| cat.attrs(t));
            writeln!(
                w,
                "{},{},{},{},{},{},{}",
                r.customer_id,
                r.touchpoint.unwrap_or(""),
                r.timestamp.0,
                r.converted as u8,
                r.feedback.map_or(String::new(), |f| f.to_string()),
                a.and_then(|a| a.stage).map_or(String::new(), |s| s.to_string()),
                a.and_then(|a| a.channel).map_or(String::new(), |c| c.to_string()),
            )
            .map_err(io)?;
        }
        w.flush().map_err(|e| touchpoint_core::Error::Io { path: path.clone(), source: e })?;
    }
    Ok(())
}
