//! The built-in demo dataset: seeded, realistic omnichannel journeys.
//!
//! Twelve touchpoints cover every channel kind and stage: paid search, social and display ads,
//! print mailers and referrals bring customers in; email, the website and the app keep them
//! interested; they buy on the website, in the app, in a store or by click & collect; after the
//! purchase some call the service centre or answer a survey (with an NPS score 0–10), and some
//! come back to buy again.
//!
//! Each touch raises the customer's purchase intent by a touchpoint-specific amount, so
//! touchpoints really differ in value and attribution models have something to find. The
//! generator uses its own small PRNG (SplitMix64), so the same seed gives the same events on
//! every platform and every version of the dependencies.
//!
//! ```
//! use touchpoint_core::demo;
//! let a = demo::events(&demo::DemoOptions { customers: 200, seed: 7, ..Default::default() })?;
//! let b = demo::events(&demo::DemoOptions { customers: 200, seed: 7, ..Default::default() })?;
//! assert_eq!(a.times(), b.times());                  // same seed, same events
//! assert!(a.len() > 500);
//! assert!(a.converted().iter().any(|&c| c));
//! assert_eq!(a.catalog().len(), 12);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use crate::catalog::{Catalog, ChannelKind, Stage, TouchpointAttrs};
use crate::error::{Error, Result};
use crate::events::{EventColumns, EventTable};
use crate::time::{DAY_MS, HOUR_MS};

/// Options of the demo generator.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOptions {
    /// Number of customers (about 4–5 events each).
    pub customers: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// Epoch milliseconds of the first day (default 2025-01-01T00:00:00Z).
    pub start_ms: i64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self { customers: 5_000, seed: 7, start_ms: 1_735_689_600_000 }
    }
}

impl DemoOptions {
    /// Options sized to produce roughly `n` events.
    pub fn with_events(n: usize, seed: u64) -> Self {
        Self { customers: (n / 4).max(1), seed, ..Default::default() }
    }
}

struct Tp {
    name: &'static str,
    channel: ChannelKind,
    stage: Stage,
    cost: f64,
    direct: bool,
    paid: bool,
    /// Intent added by a touch.
    lift: f64,
    /// Can a purchase happen at this touchpoint?
    sells: bool,
}

const SEARCH: usize = 0;
const SOCIAL: usize = 1;
const DISPLAY: usize = 2;
const PRINT: usize = 3;
const REFERRAL: usize = 4;
const EMAIL: usize = 5;
const WEBSITE: usize = 6;
const APP: usize = 7;
const STORE: usize = 8;
const COLLECT: usize = 9;
const SERVICE: usize = 10;
const SURVEY: usize = 11;

#[rustfmt::skip]
const TPS: [Tp; 12] = [
    Tp { name: "search ad",         channel: ChannelKind::Online,       stage: Stage::Awareness,        cost: 1.20, direct: false, paid: true,  lift: 0.55, sells: false },
    Tp { name: "social ad",         channel: ChannelKind::Online,       stage: Stage::Awareness,        cost: 0.60, direct: false, paid: true,  lift: 0.20, sells: false },
    Tp { name: "display",           channel: ChannelKind::Online,       stage: Stage::Awareness,        cost: 0.25, direct: false, paid: true,  lift: 0.08, sells: false },
    Tp { name: "print mailer",      channel: ChannelKind::Offline,      stage: Stage::Awareness,        cost: 0.80, direct: false, paid: true,  lift: 0.25, sells: false },
    Tp { name: "referral",          channel: ChannelKind::CrossChannel, stage: Stage::Awareness,        cost: 0.00, direct: false, paid: false, lift: 0.90, sells: false },
    Tp { name: "email",             channel: ChannelKind::Online,       stage: Stage::FirstInteraction, cost: 0.02, direct: false, paid: false, lift: 0.30, sells: false },
    Tp { name: "website",           channel: ChannelKind::Online,       stage: Stage::FirstInteraction, cost: 0.00, direct: true,  paid: false, lift: 0.25, sells: true },
    Tp { name: "app",               channel: ChannelKind::Online,       stage: Stage::FirstInteraction, cost: 0.05, direct: false, paid: false, lift: 0.35, sells: true },
    Tp { name: "store visit",       channel: ChannelKind::Offline,      stage: Stage::Purchase,         cost: 3.00, direct: false, paid: false, lift: 0.60, sells: true },
    Tp { name: "click & collect",   channel: ChannelKind::CrossChannel, stage: Stage::Purchase,         cost: 0.50, direct: false, paid: false, lift: 0.50, sells: true },
    Tp { name: "service centre",    channel: ChannelKind::Service,      stage: Stage::AfterSales,       cost: 4.00, direct: false, paid: false, lift: 0.10, sells: false },
    Tp { name: "after-sales survey", channel: ChannelKind::Service,     stage: Stage::AfterSales,       cost: 0.30, direct: false, paid: false, lift: 0.05, sells: false },
];

/// Touchpoints that collect feedback during the journey, with their typical score (0–10).
const IN_JOURNEY_FEEDBACK: [(usize, f64); 4] = [(WEBSITE, 7.6), (APP, 8.2), (STORE, 8.6), (COLLECT, 6.4)];

/// Where a journey starts (awareness mix).
const ENTRY: [(usize, f64); 6] =
    [(SEARCH, 0.30), (SOCIAL, 0.24), (DISPLAY, 0.20), (PRINT, 0.08), (REFERRAL, 0.08), (EMAIL, 0.10)];

/// Next touch after each touchpoint (weights; the remainder up to 1 is drop-out).
#[rustfmt::skip]
const NEXT: [&[(usize, f64)]; 12] = [
    /* search   */ &[(WEBSITE, 0.45), (APP, 0.08), (STORE, 0.10), (EMAIL, 0.05), (SEARCH, 0.08)],
    /* social   */ &[(WEBSITE, 0.30), (APP, 0.12), (SOCIAL, 0.10), (SEARCH, 0.12), (DISPLAY, 0.04)],
    /* display  */ &[(WEBSITE, 0.18), (DISPLAY, 0.15), (SEARCH, 0.14), (SOCIAL, 0.05)],
    /* print    */ &[(STORE, 0.35), (WEBSITE, 0.20), (SEARCH, 0.15)],
    /* referral */ &[(STORE, 0.35), (WEBSITE, 0.35), (APP, 0.10)],
    /* email    */ &[(WEBSITE, 0.40), (APP, 0.15), (COLLECT, 0.08), (STORE, 0.05)],
    /* website  */ &[(WEBSITE, 0.08), (EMAIL, 0.18), (COLLECT, 0.12), (STORE, 0.10), (SEARCH, 0.08), (APP, 0.06), (SERVICE, 0.03)],
    /* app      */ &[(APP, 0.12), (EMAIL, 0.12), (COLLECT, 0.15), (WEBSITE, 0.10), (STORE, 0.05)],
    /* store    */ &[(WEBSITE, 0.12), (EMAIL, 0.10), (SERVICE, 0.08), (STORE, 0.05)],
    /* collect  */ &[(STORE, 0.25), (WEBSITE, 0.15), (APP, 0.10)],
    /* service  */ &[(WEBSITE, 0.20), (STORE, 0.20), (EMAIL, 0.10)],
    /* survey   */ &[(EMAIL, 0.20), (WEBSITE, 0.10)],
];

/// The demo catalog, with channel kind, stage, cost and flags for every touchpoint.
pub fn catalog() -> Catalog {
    let mut c = Catalog::new();
    for t in &TPS {
        let id = c.intern(t.name);
        c.set_attrs(
            id,
            TouchpointAttrs {
                channel: Some(t.channel),
                stage: Some(t.stage),
                cost: Some(t.cost),
                direct: t.direct,
                paid: t.paid,
            },
        );
    }
    c
}

type Rng = crate::rng::SplitMix64;

trait RngExt {
    fn exp(&mut self, mean: f64) -> f64;
    fn pick(&mut self, w: &[(usize, f64)]) -> Option<usize>;
}

impl RngExt for Rng {
    /// Exponential with the given mean.
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.f64()).ln()
    }
    fn pick(&mut self, w: &[(usize, f64)]) -> Option<usize> {
        let mut u = self.f64();
        for &(i, p) in w {
            if u < p {
                return Some(i);
            }
            u -= p;
        }
        None
    }
}

/// Generate the demo events.
pub fn events(opts: &DemoOptions) -> Result<EventTable> {
    if opts.customers == 0 {
        return Err(Error::option("customers", 0, "generate at least one customer"));
    }
    let mut rng = crate::rng::SplitMix64(opts.seed ^ 0x7F4A_7C15_9E37_79B9);
    // feedback has its own stream, so the journeys are the same with or without it
    let mut frng = crate::rng::SplitMix64(opts.seed ^ 0x2545_F491_4F6C_DD1D);
    let n_est = opts.customers * 5;
    let mut cols = EventColumns {
        catalog: catalog(),
        customer_names: Vec::with_capacity(opts.customers),
        customer: Vec::with_capacity(n_est),
        touchpoint: Vec::with_capacity(n_est),
        time: Vec::with_capacity(n_est),
        converted: Vec::with_capacity(n_est),
        value: Vec::with_capacity(n_est),
        feedback: Vec::with_capacity(n_est),
    };
    let width = opts.customers.to_string().len().max(6);
    for c in 0..opts.customers {
        cols.customer_names.push(format!("c{c:0width$}"));
        let mut t = opts.start_ms + (rng.f64() * 90.0 * DAY_MS as f64) as i64;
        let push = |cols: &mut EventColumns, tp: usize, t: i64, conv: bool, value: f64, fb: f32| {
            cols.customer.push(c as u32);
            cols.touchpoint.push(tp as u32);
            cols.time.push(t);
            cols.converted.push(conv);
            cols.value.push(value);
            cols.feedback.push(fb);
        };
        let mut purchases = 0;
        // how this customer tends to feel (0..1); scores at every touchpoint lean on it
        let mood = frng.f64();
        loop {
            let cycle_start = cols.customer.len();
            // one buying cycle
            let mut intent: f64 = if purchases > 0 { 0.6 } else { 0.0 };
            let mut tp = rng.pick(&ENTRY).unwrap_or(SEARCH);
            let mut bought = false;
            for _step in 0..12 {
                intent += TPS[tp].lift;
                let p_buy = if TPS[tp].sells { 1.0 - (-0.45 * intent).exp() } else { 0.0 };
                if rng.f64() < p_buy {
                    let basket = 20.0 + rng.exp(60.0) + if tp == STORE { 25.0 } else { 0.0 };
                    push(&mut cols, tp, t, true, (basket * 100.0).round() / 100.0, f32::NAN);
                    bought = true;
                    break;
                }
                push(&mut cols, tp, t, false, 0.0, f32::NAN);
                match rng.pick(NEXT[tp]) {
                    Some(next) => {
                        tp = next;
                        // minutes to days between touches
                        let gap =
                            if rng.f64() < 0.4 { rng.exp(2.0 * HOUR_MS as f64) } else { rng.exp(2.5 * DAY_MS as f64) };
                        t += 60_000 + gap as i64;
                    }
                    None => break,
                }
            }
            // in-journey feedback (web, app, store, click & collect) on some touches: the
            // customer's mood, the touchpoint's own level, and better when the cycle sold
            for i in cycle_start..cols.customer.len() {
                let tp = cols.touchpoint[i] as usize;
                let Some(level) = IN_JOURNEY_FEEDBACK.iter().find(|f| f.0 == tp).map(|f| f.1) else { continue };
                if frng.f64() < 0.22 {
                    let x = level + 3.0 * (mood - 0.5) + if bought { 0.8 } else { -0.4 } + 3.0 * (frng.f64() - 0.5);
                    cols.feedback[i] = x.round().clamp(0.0, 10.0) as f32;
                }
            }
            if !bought {
                break;
            }
            purchases += 1;
            // after-sales
            if rng.f64() < 0.18 {
                t += (rng.exp(4.0 * DAY_MS as f64)) as i64 + HOUR_MS;
                let csat_like = if rng.f64() < 0.35 { 3.0 + rng.f64() * 4.0 } else { 6.0 + rng.f64() * 4.5 };
                let csat_like = csat_like + 2.0 * (mood - 0.5);
                push(&mut cols, SERVICE, t, false, 0.0, csat_like.floor().clamp(0.0, 10.0) as f32);
            }
            if rng.f64() < 0.45 {
                t += (rng.exp(2.0 * DAY_MS as f64)) as i64 + HOUR_MS;
                let nps = (5.0 + rng.f64() * 6.0 + if rng.f64() < 0.2 { -4.0 } else { 0.0 }) + 6.0 * (mood - 0.5);
                let nps = nps.floor().clamp(0.0, 10.0);
                push(&mut cols, SURVEY, t, false, 0.0, nps as f32);
            }
            if purchases >= 3 || rng.f64() > 0.28 {
                break;
            }
            t += (rng.exp(20.0 * DAY_MS as f64)) as i64 + DAY_MS;
        }
    }
    EventTable::from_columns(cols)
}

/// A synthetic path table of `rows` paths over `touchpoints` touchpoints (`channel_00`, ...),
/// lengths 1–19 (mean about 8), with conversions, nulls and values: the shape of the 1M-path
/// files attribution benchmarks use. Paths are not deduplicated by the generator, but the
/// table merges identical ones.
pub fn paths(rows: usize, touchpoints: usize, seed: u64) -> Result<crate::paths::PathTable> {
    if touchpoints == 0 || touchpoints > 1000 {
        return Err(Error::option("touchpoints", touchpoints, "use 1..=1000 touchpoints"));
    }
    let names: Vec<String> = (0..touchpoints).map(|i| format!("channel_{i:02}")).collect();
    let mut t = crate::paths::PathTable::new(Catalog::from_names(&names));
    let mut rng = crate::rng::SplitMix64(seed ^ 0x5DEE_CE66_D1CE_4E5B);
    let mut path = Vec::with_capacity(32);
    for _ in 0..rows {
        path.clear();
        let len = 1 + (rng.f64() * 9.0 + rng.f64() * 9.0) as usize;
        for _ in 0..len {
            // skewed popularity: low ids are more common
            let u = rng.f64();
            let id = ((u * u) * touchpoints as f64) as u32;
            path.push(crate::catalog::TouchpointId(id.min(touchpoints as u32 - 1)));
        }
        let conv = if rng.f64() < 0.3 { 1.0 + (rng.f64() * 3.0).floor() } else { 0.0 };
        let nulls = if conv == 0.0 || rng.f64() < 0.5 { 1.0 + (rng.f64() * 20.0).floor() } else { 0.0 };
        let value = if conv > 0.0 { (conv * (20.0 + rng.exp(80.0)) * 100.0).round() / 100.0 } else { 0.0 };
        t.add(&path, conv, nulls, value)?;
    }
    Ok(t)
}
