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
    // p(i) and p(i, j)
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
    // iterate the sets in a fixed order so sums are reproducible
    let mut keys: Vec<(&Vec<TouchpointId>, &(f64, f64))> = sets.iter().filter(|(_, v)| v.0 > 0.0).collect();
    keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (s, &(c, _)) in keys {
        let n = s.len() - 1;
        let div = if n == 0 { 1.0 } else { 2.0 * n as f64 };
        for &i in s.iter() {
            let mut inter = 0.0;
            for &j in s.iter().filter(|&&j| j != i) {
                inter += p2(i, j) - p1[i.index()] - p1[j.index()];
            }
            raw[i.index()] += c * (p1[i.index()] + inter / div);
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
