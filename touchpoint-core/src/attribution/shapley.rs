//! Shapley-value attribution.
//!
//! - **Simplified** (subset-sum game, Zhao et al.): `R(S)` = conversions of journeys whose set
//!   of touchpoints is exactly `S`, `v(S) = Σ_{T⊆S} R(T)`. Its Shapley value has the closed form
//!   `φ_j = Σ_{S∋j} R(S)/|S|`: each converting journey splits its credit equally among its
//!   distinct touchpoints. Exact for any number of touchpoints, linear in the data.
//! - **Ordered**: the simplified credit of touchpoint j in a journey is split equally over the
//!   positions where j occurs, giving a touchpoint × position matrix.
//! - **Conversion-rate game**: `v(S)` = conversion rate of the journeys whose set is exactly `S`
//!   (0 for sets never seen, `v(∅) = 0`). Exact for up to [`MAX_EXACT_PLAYERS`] touchpoints by
//!   the Möbius transform (Harsanyi dividends `d(T)`, then `φ_j = Σ_{T∋j} d(T)/|T|`), O(n·2ⁿ);
//!   beyond that, seeded permutation sampling with standard errors, for up to
//!   [`MAX_GAME_PLAYERS`] touchpoints (each coalition is a bitset over the players, so the game
//!   costs `⌈n/64⌉` words per observed set and per evaluation). Credits in this game can
//!   be **negative** (a touchpoint whose presence lowers the conversion rate) and they sum to
//!   `v(all touchpoints)`, not to the conversions: they are reported as they are.
//! - **Your own game**: [`exact`] and [`sampled`] take any value function, and [`SetGame`] gives
//!   the observed statistics of every touchpoint set to build one from.
//!
//! ```
//! use touchpoint_core::attribution::shapley;
//! // a 3-player glove game: v = 1 when the coalition holds player 0 and one of 1, 2
//! let v = |m: u64| if m & 1 == 1 && m & 0b110 != 0 { 1.0 } else { 0.0 };
//! let phi = shapley::exact(3, v)?;
//! assert!((phi[0] - 2.0 / 3.0).abs() < 1e-12 && (phi[1] - 1.0 / 6.0).abs() < 1e-12);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use hashbrown::HashMap;

use super::{AttributionModel, Credits, Frame, JourneyCredit};
use crate::catalog::TouchpointId;
use crate::data::Data;
use crate::error::{Error, Result};
use crate::rng::SplitMix64;

/// Largest number of players the exact transform accepts (2²⁴ coalitions, 128 MiB).
pub const MAX_EXACT_PLAYERS: usize = 24;
/// Largest number of touchpoints the conversion-rate game (`shapley_rate`) accepts with any
/// method: its coalitions are bitsets of `⌈n/64⌉` words, stored once per observed set and
/// hashed at every evaluation (`samples × n` of them), so memory is `observed sets × n/8` bytes
/// and time `samples × n²/64`. Beyond it, [`Error::ModelNotApplicable`] names the alternatives
/// (the simplified `shapley` model is exact for any number of touchpoints and linear).
pub const MAX_GAME_PLAYERS: usize = 1024;
/// Permutations drawn by [`ShapleyMethod::Auto`] beyond [`MAX_EXACT_PLAYERS`].
pub const DEFAULT_SAMPLES: usize = 20_000;

crate::named_enum! {
    /// The kind of a [`ShapleyMethod`] (what the faces pass, with `samples` and `seed`).
    #[derive(Default)]
    pub enum ShapleyKind: "shapley_method" {
        /// [`ShapleyMethod::Auto`].
        #[default]
        Auto = 0 => "auto",
        /// [`ShapleyMethod::Exact`].
        Exact = 1 => "exact",
        /// [`ShapleyMethod::Sampled`].
        Sampled = 2 => "sampled" | "sampling",
    }
}

/// How the conversion-rate game is solved.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ShapleyMethod {
    /// Exact up to [`MAX_EXACT_PLAYERS`] touchpoints, sampled ([`DEFAULT_SAMPLES`], seed 0) beyond.
    #[default]
    Auto,
    /// Always exact; an error beyond [`MAX_EXACT_PLAYERS`] touchpoints.
    Exact,
    /// Seeded permutation sampling with standard errors.
    Sampled {
        /// Number of permutations.
        samples: usize,
        /// Seed of the generator.
        seed: u64,
    },
}

impl ShapleyMethod {
    /// A method from its kind; `samples` and `seed` are used by [`ShapleyKind::Sampled`] only.
    pub fn new(kind: ShapleyKind, samples: usize, seed: u64) -> Self {
        match kind {
            ShapleyKind::Auto => ShapleyMethod::Auto,
            ShapleyKind::Exact => ShapleyMethod::Exact,
            ShapleyKind::Sampled => ShapleyMethod::Sampled { samples, seed },
        }
    }

    /// The kind of this method.
    pub fn kind(&self) -> ShapleyKind {
        match self {
            ShapleyMethod::Auto => ShapleyKind::Auto,
            ShapleyMethod::Exact => ShapleyKind::Exact,
            ShapleyMethod::Sampled { .. } => ShapleyKind::Sampled,
        }
    }

    pub(crate) fn parameters(&self) -> Vec<(String, String)> {
        let mut p = vec![("method".to_owned(), self.kind().to_string())];
        if let ShapleyMethod::Sampled { samples, seed } = self {
            p.push(("samples".into(), samples.to_string()));
            p.push(("seed".into(), seed.to_string()));
        }
        p
    }
}

/// Exact Shapley values of the game `v` on `n ≤ 24` players; coalitions are bitmasks (bit `i` =
/// player `i`). `v` is called once per coalition. Deterministic for any thread count.
pub fn exact<F: Fn(u64) -> f64 + Sync>(n: usize, v: F) -> Result<Vec<f64>> {
    if n > MAX_EXACT_PLAYERS {
        return Err(Error::option(
            "players",
            n,
            format!("exact Shapley handles up to {MAX_EXACT_PLAYERS} players; use sampling beyond"),
        ));
    }
    let size = 1usize << n;
    let mut table: Vec<f64> = Vec::with_capacity(size);
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        (0..size).into_par_iter().map(|m| v(m as u64)).collect_into_vec(&mut table);
    }
    #[cfg(not(feature = "rayon"))]
    table.extend((0..size as u64).map(&v));
    mobius(&mut table, n);
    Ok(distribute(&table, n))
}

/// In-place Möbius transform over the subset lattice: `d(T) = Σ_{S⊆T} (−1)^{|T∖S|} v(S)`.
fn mobius(v: &mut [f64], n: usize) {
    for i in 0..n {
        let bit = 1usize << i;
        let step = |blk: &mut [f64]| {
            let (lo, hi) = blk.split_at_mut(bit);
            for (h, l) in hi.iter_mut().zip(lo.iter()) {
                *h -= *l;
            }
        };
        #[cfg(feature = "rayon")]
        {
            use rayon::prelude::*;
            if v.len() / (2 * bit) >= 8 {
                v.par_chunks_mut(2 * bit).for_each(step);
            } else {
                for blk in v.chunks_mut(2 * bit) {
                    let (lo, hi) = blk.split_at_mut(bit);
                    hi.par_iter_mut().zip(lo.par_iter()).for_each(|(h, l)| *h -= *l);
                }
            }
        }
        #[cfg(not(feature = "rayon"))]
        v.chunks_mut(2 * bit).for_each(step);
    }
}

/// `φ_j = Σ_{T∋j} d(T) / |T|`, summed in fixed chunks so the result does not depend on threads.
fn distribute(d: &[f64], n: usize) -> Vec<f64> {
    const CHUNK: usize = 1 << 12;
    let part = |(c, blk): (usize, &[f64])| {
        let mut phi = vec![0.0; n];
        for (k, &x) in blk.iter().enumerate() {
            if x == 0.0 {
                continue;
            }
            let mask = (c * CHUNK + k) as u64;
            let share = x / mask.count_ones() as f64;
            let mut m = mask;
            while m != 0 {
                phi[m.trailing_zeros() as usize] += share;
                m &= m - 1;
            }
        }
        phi
    };
    #[cfg(feature = "rayon")]
    let parts: Vec<Vec<f64>> = {
        use rayon::prelude::*;
        d.par_chunks(CHUNK).enumerate().map(part).collect()
    };
    #[cfg(not(feature = "rayon"))]
    let parts: Vec<Vec<f64>> = d.chunks(CHUNK).enumerate().map(part).collect();
    let mut phi = vec![0.0; n];
    for p in parts {
        for (a, b) in phi.iter_mut().zip(p) {
            *a += b;
        }
    }
    phi
}

/// Shapley values estimated from `samples` random permutations (seeded), with standard
/// errors. Coalitions are bitsets of `⌈n/64⌉` words. Deterministic for any thread count.
/// Memory is `O(threads × n)` (per-chunk sums are added in batches); time is `samples × n`
/// calls of `v`.
///
/// ```
/// use touchpoint_core::attribution::shapley;
/// // additive game: φ_i = weight_i exactly, with zero variance
/// let w = [1.0, 2.0, 3.0];
/// let v = |c: &[u64]| (0..3).filter(|i| c[0] >> i & 1 == 1).map(|i| w[i]).sum::<f64>();
/// let (phi, se) = shapley::sampled(3, 100, 42, v)?;
/// assert!((phi[2] - 3.0).abs() < 1e-12 && se[2] < 1e-12);
/// # Ok::<(), touchpoint_core::Error>(())
/// ```
pub fn sampled<F: Fn(&[u64]) -> f64 + Sync>(n: usize, samples: usize, seed: u64, v: F) -> Result<(Vec<f64>, Vec<f64>)> {
    if samples < 2 {
        return Err(Error::option("samples", samples, "draw at least 2 permutations"));
    }
    if n == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    const CHUNK: usize = 64;
    let words = n.div_ceil(64);
    let chunks = samples.div_ceil(CHUNK);
    let prog = crate::progress::current();
    if let Some(p) = &prog {
        p.start("permutations", samples as u64);
    }
    let run = |c: usize| -> Result<(Vec<f64>, Vec<f64>)> {
        crate::progress::tick(&prog, 0)?;
        let mut rng = SplitMix64(seed ^ (c as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        let mut sum = vec![0.0; n];
        let mut sq = vec![0.0; n];
        let mut perm: Vec<usize> = (0..n).collect();
        let mut coal = vec![0u64; words];
        for _ in 0..CHUNK.min(samples - c * CHUNK) {
            for i in (1..n).rev() {
                perm.swap(i, rng.below(i + 1));
            }
            coal.iter_mut().for_each(|w| *w = 0);
            let mut prev = v(&coal);
            for &p in &perm {
                coal[p / 64] |= 1 << (p % 64);
                let cur = v(&coal);
                let m = cur - prev;
                sum[p] += m;
                sq[p] += m * m;
                prev = cur;
            }
        }
        crate::progress::tick(&prog, CHUNK.min(samples - c * CHUNK) as u64)?;
        Ok((sum, sq))
    };
    // chunks run in batches and are added in chunk order (the same sums for any batch size
    // and thread count), so at most a batch of per-chunk sums is held at once, not all of them
    #[cfg(feature = "rayon")]
    let batch = 4 * rayon::current_num_threads().max(1);
    #[cfg(not(feature = "rayon"))]
    let batch = 1;
    let (mut sum, mut sq) = (vec![0.0; n], vec![0.0; n]);
    for first in (0..chunks).step_by(batch) {
        let range = first..chunks.min(first + batch);
        #[cfg(feature = "rayon")]
        let parts: Vec<(Vec<f64>, Vec<f64>)> = {
            use rayon::prelude::*;
            range.into_par_iter().map(run).collect::<Result<_>>()?
        };
        #[cfg(not(feature = "rayon"))]
        let parts: Vec<(Vec<f64>, Vec<f64>)> = range.map(run).collect::<Result<_>>()?;
        for (s, q) in parts {
            for i in 0..n {
                sum[i] += s[i];
                sq[i] += q[i];
            }
        }
    }
    if let Some(p) = &prog {
        p.finish();
    }
    let m = samples as f64;
    let mean: Vec<f64> = sum.iter().map(|s| s / m).collect();
    let se = (0..n).map(|i| ((sq[i] / m - mean[i] * mean[i]).max(0.0) * m / (m - 1.0) / m).sqrt()).collect();
    Ok((mean, se))
}

/// Observed statistics of the journeys whose set of touchpoints is exactly one set.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SetStats {
    /// Weighted conversions.
    pub conversions: f64,
    /// Weighted journeys (converting or not).
    pub journeys: f64,
    /// Conversion value.
    pub value: f64,
}

/// The data seen as a cooperative game: players are the touchpoints that occur, coalitions are
/// bitsets over player indices, and each observed set has its [`SetStats`].
///
/// Memory is `observed sets × ⌈players/64⌉` words: the `shapley_rate` model builds one only
/// for up to [`MAX_GAME_PLAYERS`] players.
#[derive(Debug, Clone)]
pub struct SetGame {
    players: Vec<TouchpointId>,
    sets: HashMap<Box<[u64]>, SetStats>,
}

impl SetGame {
    /// Collect the set statistics (keeping at most the `max_touches` most recent touches).
    pub fn from_data(data: Data<'_>, max_touches: Option<usize>) -> Self {
        let n_tp = data.catalog().len();
        let mut player_of = vec![u32::MAX; n_tp];
        let mut players = Vec::new();
        for r in data.rows(max_touches) {
            for &t in r.touchpoints {
                if player_of[t.index()] == u32::MAX {
                    player_of[t.index()] = 0;
                }
            }
        }
        for (i, p) in player_of.iter_mut().enumerate() {
            if *p != u32::MAX {
                *p = players.len() as u32;
                players.push(TouchpointId(i as u32));
            }
        }
        let words = players.len().div_ceil(64).max(1);
        let mut sets: HashMap<Box<[u64]>, SetStats> = HashMap::new();
        let mut key = vec![0u64; words];
        for r in data.rows(max_touches) {
            if r.touchpoints.is_empty() {
                continue;
            }
            key.iter_mut().for_each(|w| *w = 0);
            for &t in r.touchpoints {
                let p = player_of[t.index()] as usize;
                key[p / 64] |= 1 << (p % 64);
            }
            let s = sets.entry_ref(key.as_slice()).or_default();
            s.conversions += r.conversions;
            s.journeys += r.conversions + r.nulls;
            s.value += r.value;
        }
        SetGame { players, sets }
    }

    /// The players: touchpoints that occur in the data, by catalog id.
    pub fn players(&self) -> &[TouchpointId] {
        &self.players
    }

    /// Statistics of a coalition (`⌈n/64⌉` words), if that exact set was observed.
    pub fn get(&self, coalition: &[u64]) -> Option<&SetStats> {
        self.sets.get(coalition)
    }

    /// Number of distinct observed sets.
    pub fn observed_sets(&self) -> usize {
        self.sets.len()
    }

    fn rate(&self, c: &[u64], value: bool) -> f64 {
        match self.sets.get(c) {
            Some(s) if s.journeys > 0.0 => (if value { s.value } else { s.conversions }) / s.journeys,
            _ => 0.0,
        }
    }
}

/// The note of simplified and ordered Shapley results.
pub(crate) fn model_note(model: &AttributionModel) -> Option<String> {
    match model {
        AttributionModel::Shapley => Some(
            "simplified Shapley (subset-sum game): exact, each conversion split equally among the distinct \
             touchpoints of its journey"
                .into(),
        ),
        AttributionModel::OrderedShapley => Some(
            "ordered Shapley: by_position[touchpoint] holds (position, credit) for each position (1-based) where the \
             touchpoint earned credit"
                .into(),
        ),
        _ => None,
    }
}

fn distinct_of(tps: &[TouchpointId], out: &mut Vec<TouchpointId>) {
    out.clear();
    out.extend_from_slice(tps);
    out.sort_unstable();
    out.dedup();
}

/// Simplified Shapley: each converting journey split equally among its distinct touchpoints.
pub(crate) fn simplified(frame: &Frame<'_>, model: &AttributionModel) -> Result<Credits> {
    let mut c = split_among_distinct(frame, model, false);
    c.notes.extend(model_note(model));
    Ok(c)
}

/// Ordered Shapley: simplified credit split over the positions of each touchpoint.
pub(crate) fn ordered(frame: &Frame<'_>, model: &AttributionModel) -> Result<Credits> {
    let mut c = split_among_distinct(frame, model, true);
    c.notes.extend(model_note(model));
    Ok(c)
}

/// The subset-sum game's closed form: every converting journey's conversions and value split
/// equally among its distinct touchpoints; with `positions`, each touchpoint's share is further
/// split equally over the positions where it occurs (the ordered variant).
///
/// Time and memory are linear in the input: one pass over each journey (plus sorting its
/// distinct touchpoints), a scratch count per catalog touchpoint, and one entry per distinct
/// (touchpoint, position) pair that earned credit — at most the number of touches.
fn split_among_distinct(frame: &Frame<'_>, model: &AttributionModel, positions: bool) -> Credits {
    let n_tp = frame.data.catalog().len();
    let (mut conv, mut value) = (vec![0.0; n_tp], vec![0.0; n_tp]);
    // (touchpoint, 0-based position) → credit; every key gets one addition per journey, in
    // journey order, so the sums are those of a dense touchpoint × position matrix
    let mut by_pos: HashMap<(u32, usize), f64> = HashMap::new();
    let mut occurrences: Vec<u32> = if positions { vec![0; n_tp] } else { Vec::new() };
    let mut share = if positions { vec![0.0; n_tp] } else { Vec::new() };
    let mut pj = frame.opts.per_journey.then(Vec::new);
    let mut set = Vec::new();
    for r in frame.data.rows(frame.opts.max_touches) {
        if r.conversions <= 0.0 || r.touchpoints.is_empty() {
            continue;
        }
        distinct_of(r.touchpoints, &mut set);
        let k = set.len() as f64;
        for &t in &set {
            let (c, v) = (r.conversions / k, r.value / k);
            conv[t.index()] += c;
            value[t.index()] += v;
            if positions {
                share[t.index()] = c;
            }
            if let Some(pj) = pj.as_mut() {
                pj.push(JourneyCredit { row: r.index, touchpoint: t, conversions: c, value: v });
            }
        }
        if positions {
            for &t in r.touchpoints {
                occurrences[t.index()] += 1;
            }
            for (pos, &t) in r.touchpoints.iter().enumerate() {
                *by_pos.entry((t.0, pos)).or_insert(0.0) += share[t.index()] / occurrences[t.index()] as f64;
            }
            for &t in &set {
                occurrences[t.index()] = 0;
            }
        }
    }
    let mut c = frame.credits(model, conv, value, true);
    c.per_journey = pj;
    if positions {
        let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n_tp];
        for ((t, pos), credit) in by_pos {
            rows[t as usize].push((pos + 1, credit));
        }
        for row in &mut rows {
            row.sort_unstable_by_key(|&(pos, _)| pos);
        }
        c.by_position = Some(rows);
    }
    c
}

/// Shapley on the conversion-rate game, exact or sampled.
///
/// Limits, checked before anything is allocated for the game: `shapley_method = exact` handles
/// up to [`MAX_EXACT_PLAYERS`] touchpoints, any method up to [`MAX_GAME_PLAYERS`]; beyond,
/// [`Error::ModelNotApplicable`] states the limit and what to use instead.
pub(crate) fn conversion_rate(frame: &Frame<'_>, model: &AttributionModel, method: &ShapleyMethod) -> Result<Credits> {
    let n = {
        let mut seen = vec![false; frame.data.catalog().len()];
        for r in frame.data.rows(frame.opts.max_touches) {
            for &t in r.touchpoints {
                seen[t.index()] = true;
            }
        }
        seen.iter().filter(|&&s| s).count()
    };
    if n > MAX_GAME_PLAYERS {
        return Err(Error::ModelNotApplicable {
            model: model.name().into(),
            reason: format!(
                "the conversion-rate Shapley game (any shapley_method, `{}` here) handles up to {MAX_GAME_PLAYERS} \
                 touchpoints and the data has {n}; use the simplified `shapley` model (exact for any number of \
                 touchpoints), `ordered_shapley` or `shao_li`, or group touchpoints",
                method.kind()
            ),
        });
    }
    let exact_ok = n <= MAX_EXACT_PLAYERS;
    if matches!(method, ShapleyMethod::Exact) && !exact_ok {
        return Err(Error::ModelNotApplicable {
            model: model.name().into(),
            reason: format!(
                "shapley_method `exact` on the conversion-rate game handles up to {MAX_EXACT_PLAYERS} touchpoints and \
                 the data has {n}; use shapley_method `sampled` (permutation sampling with standard errors; `auto` \
                 switches to it beyond {MAX_EXACT_PLAYERS}), the simplified `shapley` model, or group touchpoints"
            ),
        });
    }
    let game = SetGame::from_data(frame.data, frame.opts.max_touches);
    debug_assert_eq!(game.players().len(), n);
    let (samples, seed) = match method {
        ShapleyMethod::Exact => (0, 0),
        ShapleyMethod::Auto if exact_ok => (0, 0),
        ShapleyMethod::Auto => (DEFAULT_SAMPLES, 0),
        // (0 is no request for the exact method)
        ShapleyMethod::Sampled { samples: s @ 0..2, .. } => {
            return Err(Error::option("samples", s, "draw at least 2 permutations (or use method `exact`)"));
        }
        ShapleyMethod::Sampled { samples, seed } => (*samples, *seed),
    };
    let (phi_c, phi_v, se) = if samples == 0 {
        let one = |c: u64| [c];
        let pc = exact(n, |m| game.rate(&one(m), false))?;
        let pv = exact(n, |m| game.rate(&one(m), true))?;
        (pc, pv, None)
    } else {
        let (pc, se) = sampled(n, samples, seed, |c| game.rate(c, false))?;
        let (pv, _) = sampled(n, samples, seed, |c| game.rate(c, true))?;
        (pc, pv, Some(se))
    };
    let n_tp = frame.data.catalog().len();
    let (mut conv, mut value) = (vec![0.0; n_tp], vec![0.0; n_tp]);
    let mut errors = vec![None; n_tp];
    for (i, &t) in game.players().iter().enumerate() {
        conv[t.index()] = phi_c[i];
        value[t.index()] = phi_v[i];
        errors[t.index()] = se.as_ref().map(|s| s[i]);
    }
    let mut c = frame.credits(model, conv, value, false);
    for (row, e) in c.rows.iter_mut().zip(errors) {
        row.std_error = e;
    }
    c.notes.push(format!(
        "Shapley values of the conversion-rate game over {n} touchpoints ({} observed sets), {}: credits are in \
         conversion-rate units, can be negative, and sum to the conversion rate of journeys that touch every \
         touchpoint, not to the conversions",
        game.observed_sets(),
        if samples == 0 {
            "exact (Möbius transform)".to_owned()
        } else {
            format!("{samples} sampled permutations, seed {seed}")
        }
    ));
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook formula: φ_j = Σ_S |S|!(n−|S|−1)!/n! (v(S∪j) − v(S)).
    fn textbook(n: usize, v: &dyn Fn(u64) -> f64) -> Vec<f64> {
        let fact = |k: usize| (1..=k).map(|x| x as f64).product::<f64>();
        (0..n)
            .map(|j| {
                (0..1u64 << n)
                    .filter(|s| s >> j & 1 == 0)
                    .map(|s| {
                        let k = s.count_ones() as usize;
                        fact(k) * fact(n - k - 1) / fact(n) * (v(s | 1 << j) - v(s))
                    })
                    .sum()
            })
            .collect()
    }

    #[test]
    fn transform_equals_textbook_up_to_8_players() {
        let mut rng = SplitMix64(99);
        for n in 1..=8 {
            let table: Vec<f64> = (0..1usize << n).map(|m| if m == 0 { 0.3 } else { rng.f64() * 10.0 - 5.0 }).collect();
            let v = |m: u64| table[m as usize];
            let a = exact(n, v).unwrap();
            let b = textbook(n, &v);
            for j in 0..n {
                assert!((a[j] - b[j]).abs() < 1e-9, "n={n} j={j}: {} vs {}", a[j], b[j]);
            }
            // efficiency: Σφ = v(N) − v(∅)
            let s: f64 = a.iter().sum();
            assert!((s - (table[(1 << n) - 1] - table[0])).abs() < 1e-9);
        }
    }

    #[test]
    fn sampling_converges_to_exact_within_its_errors() {
        let mut rng = SplitMix64(5);
        let n = 6;
        let table: Vec<f64> = (0..1usize << n).map(|m| if m == 0 { 0.0 } else { rng.f64() }).collect();
        let ex = exact(n, |m| table[m as usize]).unwrap();
        let (est, se) = sampled(n, 20_000, 1, |c| table[c[0] as usize]).unwrap();
        for j in 0..n {
            assert!((est[j] - ex[j]).abs() < 5.0 * se[j] + 1e-12, "j={j}: {} vs {} (se {})", est[j], ex[j], se[j]);
        }
        // same seed, same bits
        let (again, _) = sampled(n, 20_000, 1, |c| table[c[0] as usize]).unwrap();
        assert_eq!(est, again);
    }

    /// The former dense formulation of ordered Shapley, kept as the reference: a touchpoint ×
    /// position matrix as wide as the longest converting journey.
    fn ordered_dense(t: &crate::PathTable) -> Vec<Vec<f64>> {
        let mut by_pos: Vec<Vec<f64>> = vec![Vec::new(); t.catalog().len()];
        let mut set = Vec::new();
        for r in t.iter() {
            if r.conversions <= 0.0 {
                continue;
            }
            distinct_of(r.touchpoints, &mut set);
            let k = set.len() as f64;
            for &tp in &set {
                let c = r.conversions / k;
                let occurrences = r.touchpoints.iter().filter(|&&x| x == tp).count() as f64;
                let row = &mut by_pos[tp.index()];
                for (pos, _) in r.touchpoints.iter().enumerate().filter(|(_, x)| **x == tp) {
                    if row.len() <= pos {
                        row.resize(pos + 1, 0.0);
                    }
                    row[pos] += c / occurrences;
                }
            }
        }
        let width = by_pos.iter().map(Vec::len).max().unwrap_or(0);
        by_pos.iter_mut().for_each(|r| r.resize(width, 0.0));
        by_pos
    }

    #[test]
    fn sparse_ordered_shapley_equals_the_dense_matrix_bit_for_bit() {
        use crate::attribution::{AttributionOptions, attribute};
        let mut rng = SplitMix64(23);
        for case in 0..200 {
            let n_tp = 1 + case % 7;
            let names: Vec<String> = (0..n_tp).map(|i| format!("t{i}")).collect();
            let mut t = crate::PathTable::new(crate::Catalog::from_names(&names));
            for _ in 0..1 + case % 13 {
                let path: Vec<TouchpointId> =
                    (0..1 + rng.below(9)).map(|_| TouchpointId(rng.below(n_tp) as u32)).collect();
                let conv = if rng.f64() < 0.6 { 1.0 + rng.f64() * 3.0 } else { 0.0 };
                t.add(&path, conv, rng.below(3) as f64, conv * 7.0).unwrap();
            }
            if t.iter().all(|r| r.conversions == 0.0) {
                continue;
            }
            let got = attribute(&t, &AttributionModel::OrderedShapley, &AttributionOptions::default()).unwrap();
            let sparse = got.by_position.as_ref().unwrap();
            for (tp, dense) in ordered_dense(&t).iter().enumerate() {
                let nonzero: Vec<(usize, f64)> =
                    dense.iter().enumerate().filter(|(_, c)| **c != 0.0).map(|(p, &c)| (p + 1, c)).collect();
                assert_eq!(sparse[tp], nonzero, "case {case} touchpoint {tp}");
            }
        }
    }

    /// A 40 000-touch journey over as many touchpoints: the dense matrix would be 12.8 GB.
    #[test]
    fn a_long_journey_of_distinct_touchpoints_fits() {
        use crate::attribution::{AttributionOptions, attribute};
        let n = 40_000;
        let names: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
        let mut t = crate::PathTable::new(crate::Catalog::from_names(&names));
        let path: Vec<TouchpointId> = (0..n as u32).map(TouchpointId).collect();
        t.add(&path, 2.0, 1.0, 0.0).unwrap();
        let c = attribute(&t, &AttributionModel::OrderedShapley, &AttributionOptions::default()).unwrap();
        let bp = c.by_position.as_ref().unwrap();
        assert_eq!(bp.iter().map(Vec::len).sum::<usize>(), n);
        assert_eq!(bp[7], vec![(8, 2.0 / n as f64)]);
        assert_eq!(c.by_position_table().unwrap().len(), n);
    }

    #[test]
    fn conversion_rate_limits_are_errors_before_any_allocation() {
        use crate::attribution::{AttributionOptions, attribute};
        let names: Vec<String> = (0..MAX_GAME_PLAYERS + 1).map(|i| format!("t{i}")).collect();
        let mut t = crate::PathTable::new(crate::Catalog::from_names(&names));
        for i in 0..names.len() as u32 {
            t.add(&[TouchpointId(i)], (i % 2) as f64, 1.0, 0.0).unwrap();
        }
        let o = AttributionOptions::default();
        for method in [ShapleyMethod::Auto, ShapleyMethod::Exact, ShapleyMethod::Sampled { samples: 10, seed: 0 }] {
            let e = attribute(&t, &AttributionModel::ShapleyRate { method: method.clone() }, &o).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::ModelNotApplicable);
            let m = e.to_string();
            assert!(m.contains(&format!("up to {MAX_GAME_PLAYERS} touchpoints and the data has 1025")), "{m}");
            assert!(m.contains(&format!("`{}`", method.kind())) && m.contains("simplified `shapley`"), "{m}");
        }
        // 25 touchpoints: exact refuses and names sampling; auto samples
        let mut t = crate::PathTable::new(crate::Catalog::from_names(&names[..25]));
        for i in 0..25u32 {
            t.add(&[TouchpointId(i), TouchpointId((i + 1) % 25)], (i % 2) as f64, 1.0, 0.0).unwrap();
        }
        let e = attribute(&t, &AttributionModel::ShapleyRate { method: ShapleyMethod::Exact }, &o).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::ModelNotApplicable);
        let m = e.to_string();
        assert!(m.contains("shapley_method `exact`") && m.contains("up to 24 touchpoints and the data has 25"), "{m}");
        assert!(m.contains("shapley_method `sampled`"), "{m}");
        let r = attribute(&t, &AttributionModel::ShapleyRate { method: ShapleyMethod::Auto }, &o).unwrap();
        assert!(r.rows.iter().all(|r| r.std_error.is_some()));
    }

    /// Batched reduction: the same bits for any thread count.
    #[test]
    fn sampling_is_the_same_on_one_and_three_threads() {
        let table: Vec<f64> = {
            let mut rng = SplitMix64(8);
            (0..1usize << 7).map(|_| rng.f64()).collect()
        };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| sampled(7, 5_000, 3, |c| table[c[0] as usize]).unwrap())
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn too_many_players_is_an_error() {
        assert!(exact(25, |_| 0.0).is_err());
    }
}
