//! Coverage of the bootstrap intervals of Markov removal effects (ORACLES E14).
//!
//! Journeys are drawn from a known order-1 chain over 8 touchpoints (no self-loops, so the
//! Markov convention of collapsing repeats does not change it); each replication estimates the
//! order-1 graph from `journeys` journeys and bootstraps it (`B` resamples, seed = replication).
//! The chain's true removal effects are solved exactly from its transition matrix. Prints, per
//! touchpoint, the share of replications whose 95 % interval covers the truth.
//!
//! `cargo run --release -p touchpoint-benches --bin bootstrap_coverage -- [replications] [journeys] [B]`

// Dense 8×8 linear algebra and per-touchpoint tallies read clearer with indices.
#![allow(clippy::needless_range_loop)]

use touchpoint_core::bootstrap::BootstrapOptions;
use touchpoint_core::graph::intervals::graph_intervals_with_draws;
use touchpoint_core::{Catalog, Data, PathTable, TouchpointId};

const N: usize = 8;

/// SplitMix64, so the chain's data does not depend on a dependency's generator.
struct Rng(u64);
impl Rng {
    fn f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The chain: start distribution, transitions between touchpoints, and per touchpoint the
/// probability of converting and of dropping out next.
struct Chain {
    start: [f64; N],
    q: [[f64; N]; N],
    conv: [f64; N],
    null: [f64; N],
}

fn chain() -> Chain {
    let mut rng = Rng(2026);
    let mut start = [0.0; N];
    let mut q = [[0.0; N]; N];
    let (mut conv, mut null) = ([0.0; N], [0.0; N]);
    let s: f64 = (0..N).map(|i| 1.0 / (i + 1) as f64).sum();
    for (i, x) in start.iter_mut().enumerate() {
        *x = 1.0 / (i + 1) as f64 / s;
    }
    for i in 0..N {
        conv[i] = 0.03 + 0.12 * rng.f64();
        null[i] = 0.25 + 0.2 * rng.f64();
        let rest = 1.0 - conv[i] - null[i];
        let w: Vec<f64> = (0..N).map(|j| if j == i { 0.0 } else { 0.2 + rng.f64() }).collect();
        let sw: f64 = w.iter().sum();
        for j in 0..N {
            q[i][j] = rest * w[j] / sw;
        }
    }
    Chain { start, q, conv, null }
}

/// P(conversion) from the start with the states in `dead` removed (x = 0 there), by Gaussian
/// elimination of (I − Q) x = r on the live states.
fn p_conversion(c: &Chain, dead: Option<usize>) -> f64 {
    let mut a = [[0.0; N]; N];
    let mut b = [0.0; N];
    for i in 0..N {
        a[i][i] = 1.0;
        if Some(i) == dead {
            continue;
        }
        b[i] = c.conv[i];
        for j in 0..N {
            if Some(j) != dead {
                a[i][j] -= c.q[i][j];
            }
        }
    }
    for k in 0..N {
        let p = (k..N).max_by(|&x, &y| a[x][k].abs().total_cmp(&a[y][k].abs())).unwrap_or(k);
        a.swap(k, p);
        b.swap(k, p);
        for i in k + 1..N {
            let f = a[i][k] / a[k][k];
            for j in k..N {
                a[i][j] -= f * a[k][j];
            }
            b[i] -= f * b[k];
        }
    }
    let mut x = [0.0; N];
    for i in (0..N).rev() {
        let s: f64 = (i + 1..N).map(|j| a[i][j] * x[j]).sum();
        x[i] = (b[i] - s) / a[i][i];
    }
    (0..N).map(|i| c.start[i] * x[i]).sum()
}

fn pick(rng: &mut Rng, w: &[f64]) -> Option<usize> {
    let mut u = rng.f64();
    for (i, &p) in w.iter().enumerate() {
        if u < p {
            return Some(i);
        }
        u -= p;
    }
    None
}

fn main() -> touchpoint_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let journeys: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3000);
    let b: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let c = chain();
    let p = p_conversion(&c, None);
    let truth: Vec<f64> = (0..N).map(|k| 1.0 - p_conversion(&c, Some(k)) / p).collect();
    let names: Vec<String> = (0..N).map(|i| format!("t{i}")).collect();
    let mut covered = [0usize; N];
    let mut covered_bc = [0usize; N];
    let mut est: Vec<Vec<f64>> = vec![Vec::new(); N];
    let mut se = [0.0f64; N];
    let mut width = [0.0f64; N];
    let mut rng = Rng(7);
    for rep in 0..reps {
        let mut t = PathTable::new(Catalog::from_names(&names));
        let mut path = Vec::new();
        for _ in 0..journeys {
            path.clear();
            let mut s = pick(&mut rng, &c.start).unwrap_or(0);
            let converted = loop {
                path.push(TouchpointId(s as u32));
                let u = rng.f64();
                if u < c.conv[s] {
                    break true;
                }
                if u < c.conv[s] + c.null[s] {
                    break false;
                }
                let rest = 1.0 - c.conv[s] - c.null[s];
                let w: Vec<f64> = c.q[s].iter().map(|x| x / rest).collect();
                s = pick(&mut rng, &w).unwrap_or(s);
            };
            t.add(&path, if converted { 1.0 } else { 0.0 }, if converted { 0.0 } else { 1.0 }, 0.0)?;
        }
        let boot = BootstrapOptions { resamples: b, seed: rep as u64, level: 0.95 };
        let (g, draws) = graph_intervals_with_draws(Data::Paths(&t), 1, None, &boot)?;
        for k in 0..N {
            if let Some(i) = g.rows.iter().position(|r| r.metric == "removal_effect" && r.item == names[k]) {
                let r = &g.rows[i];
                let (lo, hi) = (r.lower.unwrap_or(f64::NAN), r.upper.unwrap_or(f64::NAN));
                covered[k] += (lo <= truth[k] && truth[k] <= hi) as usize;
                width[k] += hi - lo;
                est[k].push(r.estimate);
                se[k] += r.std_error.unwrap_or(0.0);
                // bias-corrected percentile, for comparison
                let mut d: Vec<f64> = draws.iter().map(|v| v[i]).filter(|x| x.is_finite()).collect();
                d.sort_by(f64::total_cmp);
                let below = d.iter().filter(|&&x| x < r.estimate).count() as f64
                    + 0.5 * d.iter().filter(|&&x| x == r.estimate).count() as f64;
                let z0 = inv_norm(below / d.len() as f64);
                let q =
                    |z: f64| touchpoint_core::stats::quantile_sorted(&d, norm_cdf(2.0 * z0 + z)).unwrap_or(f64::NAN);
                let (blo, bhi) = (q(-1.959964), q(1.959964));
                covered_bc[k] += (blo <= truth[k] && truth[k] <= bhi) as usize;
            }
        }
    }
    println!(
        "coverage of 95 % bootstrap intervals of removal effects: {reps} replications of {journeys} journeys, B = {b}"
    );
    println!("| touchpoint | true removal effect | coverage | mean width |");
    println!("|---|---|---|---|");
    let mut all = 0;
    for k in 0..N {
        all += covered[k];
        println!(
            "| {} | {:.4} | {:.1} % | {:.4} |",
            names[k],
            truth[k],
            100.0 * covered[k] as f64 / reps as f64,
            width[k] / reps as f64
        );
    }
    println!("| all | | {:.1} % | |", 100.0 * all as f64 / (reps * N) as f64);
    for k in 0..N {
        let m = est[k].iter().sum::<f64>() / reps as f64;
        let sd = (est[k].iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (reps - 1) as f64).sqrt();
        println!(
            "t{k}: mean estimate {m:.4} (truth {:.4}), sd {sd:.4}, mean bootstrap se {:.4}",
            truth[k],
            se[k] / reps as f64
        );
    }
    println!("bias-corrected: {:.1} %", 100.0 * covered_bc.iter().sum::<usize>() as f64 / (reps * N) as f64);
    Ok(())
}

fn norm_cdf(z: f64) -> f64 {
    0.5 * touchpoint_core::stats::normal_p_value(z) * if z < 0.0 { 1.0 } else { -1.0 } + if z < 0.0 { 0.0 } else { 1.0 }
}

fn inv_norm(p: f64) -> f64 {
    let (mut lo, mut hi) = (-10.0, 10.0);
    for _ in 0..100 {
        let m = 0.5 * (lo + hi);
        if norm_cdf(m) < p { lo = m } else { hi = m }
    }
    0.5 * (lo + hi)
}
