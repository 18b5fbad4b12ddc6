//! The probabilistic model of Shao & Li (2011), "Data-driven multi-touch attribution models".
//!
//! With `p(i)` the conversion rate of journeys that contain touchpoint `i` and `p(i, j)` that of
//! journeys containing both `i` and `j` (0 when no journey does), each converting journey gives
//! each of its distinct touchpoints
//!
//! `p(i) + 1/(2N) · Σ_{j ≠ i in the journey} (p(i, j) − p(i) − p(j))`,
//!
//! with `N` = distinct touchpoints of the journey − 1 (divisor 1 when `N = 0`), times the
//! journey's conversions. The raw credits are not efficient (they do not sum to the
//! conversions); they are reported as `conversions`, with `share` = raw / Σ raw, and value
//! allocated by share.

use hashbrown::HashMap;

use super::{AttributionModel, Credits, Frame};
use crate::catalog::TouchpointId;
use crate::error::Result;

/// Memory is linear in the input: the distinct sets, one entry per (set, touchpoint) and two
/// arrays over the catalog; pair rates `p(i, j)` are gathered for one `i` at a time, never
/// stored for all pairs. Time is `O(Σ_sets |set|²)`.
pub(crate) fn attribute(frame: &Frame<'_>, model: &AttributionModel) -> Result<Credits> {
    let n_tp = frame.data.catalog().len();
    // group rows by distinct set: (conversions, journeys)
    let mut sets: HashMap<Vec<TouchpointId>, (f64, f64)> = HashMap::new();
    let mut set = Vec::new();
    for r in frame.data.rows(frame.opts.max_touches) {
        if r.touchpoints.is_empty() {
            continue;
        }
        set.clear();
        set.extend_from_slice(r.touchpoints);
        set.sort_unstable();
        set.dedup();
        let e = sets.entry_ref(set.as_slice()).or_insert((0.0, 0.0));
        e.0 += r.conversions;
        e.1 += r.conversions + r.nulls;
    }
    // the sets in a fixed order, so that sums are reproducible
    let mut keys: Vec<(&Vec<TouchpointId>, &(f64, f64))> = sets.iter().collect();
    keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
    // p(i); and, per touchpoint, the sets that hold it (as many entries as the sets have
    // touchpoints: linear). No table of pairs: p(i, j) is gathered for one i at a time.
    let mut single = vec![(0.0, 0.0); n_tp];
    let mut holding: Vec<Vec<u32>> = vec![Vec::new(); n_tp];
    for (k, &(s, &(c, j))) in keys.iter().enumerate() {
        for &x in s.iter() {
            single[x.index()].0 += c;
            single[x.index()].1 += j;
            holding[x.index()].push(k as u32);
        }
    }
    let rate = |(c, j): (f64, f64)| if j > 0.0 { c / j } else { 0.0 };
    let p1: Vec<f64> = single.iter().map(|&x| rate(x)).collect();
    let mut raw = vec![0.0; n_tp];
    // scratch: pair[j] = (conversions, journeys) of the sets holding i and j, for the current i
    let mut pair = vec![(0.0, 0.0); n_tp];
    for i in 0..n_tp {
        if !holding[i].iter().any(|&k| keys[k as usize].1.0 > 0.0) {
            continue;
        }
        for &k in &holding[i] {
            let (s, &(c, j)) = keys[k as usize];
            for &y in s.iter() {
                pair[y.index()].0 += c;
                pair[y.index()].1 += j;
            }
        }
        // the converting sets holding i, in set order: each adds its term to raw[i]
        for &k in &holding[i] {
            let (s, &(c, _)) = keys[k as usize];
            if c <= 0.0 {
                continue;
            }
            let n = s.len() - 1;
            let div = if n == 0 { 1.0 } else { 2.0 * n as f64 };
            let mut inter = 0.0;
            for &j in s.iter().filter(|j| j.index() != i) {
                inter += rate(pair[j.index()]) - p1[i] - p1[j.index()];
            }
            raw[i] += c * (p1[i] + inter / div);
        }
        for &k in &holding[i] {
            for &y in keys[k as usize].0.iter() {
                pair[y.index()] = (0.0, 0.0);
            }
        }
    }
    let total: f64 = raw.iter().sum();
    let value: Vec<f64> = raw.iter().map(|r| if total != 0.0 { r / total * frame.value } else { 0.0 }).collect();
    let mut c = frame.credits(model, raw, value, false);
    c.notes.push(
        "Shao–Li probabilistic model: `conversions` holds the raw scores (not efficient), `share` the normalised \
         scores; value is allocated by share"
            .into(),
    );
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::{AttributionOptions, attribute};
    use crate::catalog::Catalog;
    use crate::paths::PathTable;
    use crate::rng::SplitMix64;

    /// The former formulation, kept as the reference: a table of every pair `p(i, j)`
    /// (quadratic in a set's size), then the formula term by term.
    fn quadratic(t: &PathTable) -> Vec<f64> {
        let n_tp = t.catalog().len();
        let mut sets: std::collections::BTreeMap<Vec<TouchpointId>, (f64, f64)> = Default::default();
        for r in t.iter() {
            let mut s = r.touchpoints.to_vec();
            s.sort_unstable();
            s.dedup();
            let e = sets.entry(s).or_insert((0.0, 0.0));
            e.0 += r.conversions;
            e.1 += r.conversions + r.nulls;
        }
        let mut single = vec![(0.0, 0.0); n_tp];
        let mut pair: HashMap<(u32, u32), (f64, f64)> = HashMap::new();
        for (s, &(c, j)) in &sets {
            for (a, &x) in s.iter().enumerate() {
                single[x.index()].0 += c;
                single[x.index()].1 += j;
                for &y in &s[a + 1..] {
                    let e = pair.entry((x.0, y.0)).or_insert((0.0, 0.0));
                    e.0 += c;
                    e.1 += j;
                }
            }
        }
        let rate = |(c, j): (f64, f64)| if j > 0.0 { c / j } else { 0.0 };
        let p1: Vec<f64> = single.iter().map(|&x| rate(x)).collect();
        let p2 = |x: TouchpointId, y: TouchpointId| {
            let key = if x.0 < y.0 { (x.0, y.0) } else { (y.0, x.0) };
            pair.get(&key).map_or(0.0, |&v| rate(v))
        };
        let mut raw = vec![0.0; n_tp];
        for (s, &(c, _)) in sets.iter().filter(|(_, v)| v.0 > 0.0) {
            let n = s.len() - 1;
            let div = if n == 0 { 1.0 } else { 2.0 * n as f64 };
            for &i in s {
                let mut inter = 0.0;
                for &j in s.iter().filter(|&&j| j != i) {
                    inter += p2(i, j) - p1[i.index()] - p1[j.index()];
                }
                raw[i.index()] += c * (p1[i.index()] + inter / div);
            }
        }
        raw
    }

    fn random_table(rng: &mut SplitMix64, n_tp: usize, rows: usize, max_len: usize) -> PathTable {
        let names: Vec<String> = (0..n_tp).map(|i| format!("t{i}")).collect();
        let mut t = PathTable::new(Catalog::from_names(&names));
        for _ in 0..rows {
            let len = 1 + rng.below(max_len);
            let path: Vec<TouchpointId> = (0..len).map(|_| TouchpointId(rng.below(n_tp) as u32)).collect();
            let conv = if rng.f64() < 0.5 { rng.below(4) as f64 } else { 0.0 };
            let nulls = 1.0 + rng.below(5) as f64;
            t.add(&path, conv, nulls, conv * 10.0).unwrap();
        }
        t
    }

    #[test]
    fn linear_memory_form_equals_the_pair_table() {
        let mut rng = SplitMix64(17);
        for case in 0..200 {
            let t = random_table(&mut rng, 1 + case % 9, 1 + case % 23, 1 + case % 7);
            if t.iter().all(|r| r.conversions == 0.0) {
                continue;
            }
            let got = attribute(&t, &AttributionModel::ShaoLi, &AttributionOptions::default()).unwrap();
            let want = quadratic(&t);
            for (row, w) in got.rows.iter().zip(&want) {
                let tol = 1e-12 * w.abs().max(1.0);
                assert!((row.conversions - w).abs() <= tol, "case {case} {}: {} vs {w}", row.name, row.conversions);
            }
        }
    }

    /// One long path over many distinct touchpoints: a pair table would hold 1.25·10⁷ pairs.
    #[test]
    fn a_long_path_of_distinct_touchpoints_fits() {
        let n = 5_000;
        let names: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
        let mut t = PathTable::new(Catalog::from_names(&names));
        let path: Vec<TouchpointId> = (0..n as u32).map(TouchpointId).collect();
        t.add(&path, 1.0, 1.0, 0.0).unwrap();
        let c = attribute(&t, &AttributionModel::ShaoLi, &AttributionOptions::default()).unwrap();
        // one set: p(i) = p(i, j) = 1/2, so every touchpoint gets 1/2 + (−1/2 · (n−1)) / (2(n−1)) = 1/4
        assert!(c.rows.iter().all(|r| (r.conversions - 0.25).abs() < 1e-12));
    }
}
