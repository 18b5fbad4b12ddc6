//! `make demo`: the journey report on the built-in demo dataset.
//!
//! Usage: `cargo run --release --example demo -- [customers] [seed] [order]`

use std::time::Instant;

use touchpoint_core::{DAY_MS, JourneyOptions, demo, report};

fn main() {
    let mut args = std::env::args().skip(1);
    let customers = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    let order = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let t0 = Instant::now();
    let result = demo::events(&demo::DemoOptions { customers, seed, ..Default::default() }).and_then(|events| {
        let opts = JourneyOptions { lookback_ms: Some(30 * DAY_MS), ..Default::default() };
        println!(
            "touchpoint {} — demo dataset ({customers} customers, seed {seed}), lookback 30 days\n",
            touchpoint_core::VERSION
        );
        report::text_report(&events, &opts, order)
    });
    match result {
        Ok(text) => {
            print!("{text}");
            println!("\n(generated and analysed in {:.2} s)", t0.elapsed().as_secs_f64());
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
