//! Exact absorbing-chain quantities of a [`JourneyGraph`].
//!
//! With `Q` the transitions among transient nodes (`Start` and the states) and `r` the one-step
//! conversion probabilities, the conversion probability from every node is
//! `b = (I − Q)⁻¹ r`; expected visits per journey are `v = e_startᵀ (I − Q)⁻¹`. Removing a
//! touchpoint turns every state that contains it into a dead end (its conversion probability
//! becomes 0), and its removal effect is `1 − P_without / P`.
//!
//! # How the systems are solved
//!
//! The transient nodes are split into strongly connected components (Tarjan, via petgraph).
//! Components are solved one at a time in topological order, so acyclic parts are solved by
//! substitution (exact up to rounding), components of up to [`DENSE_MAX`] states by a dense LU
//! factorisation with partial pivoting, and larger ones by Gauss–Seidel sweeps until the largest
//! change in a sweep is at most [`TOLERANCE`] relative to the largest value (an
//! [`Error::NoConvergence`] is returned otherwise). Nothing is simulated.
//!
//! # Removal effects
//!
//! A touchpoint held by one state (every touchpoint at order 1) needs no solve of its own:
//! `P_without = P − N[start, j] / N[j, j] · b_j` from the expected visits (one forward solve)
//! and the diagonal of `N` (see [`JourneyGraph::removal_effects`]). The cost is then linear in
//! the graph outside large cycles; a strongly connected component of more than [`DENSE_MAX`]
//! states costs one iterative solve of that component per state (the former cost was one solve
//! of the whole chain per touchpoint). Touchpoints held by several states (higher orders) take
//! one solve each. The solves are independent and run in parallel with rayon (feature
//! `rayon`); each one is sequential, so results are bit-identical for any thread count.

use petgraph::algo::tarjan_scc;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::{CONVERSION, JourneyGraph, NULL, NodeKind, START};
use crate::catalog::TouchpointId;
use crate::error::{Error, Result};

/// Components up to this many states are solved by dense LU.
pub const DENSE_MAX: usize = 400;
/// Relative tolerance of Gauss–Seidel sweeps on larger components.
pub const TOLERANCE: f64 = 1e-14;
/// Sweep limit of Gauss–Seidel.
pub const MAX_SWEEPS: usize = 200_000;

/// Per-node results of [`JourneyGraph::analyze`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NodeMetrics {
    /// Node index in [`JourneyGraph::graph`].
    pub node: usize,
    /// Display label.
    pub label: String,
    /// Weighted number of times journeys passed through the node (observed).
    pub visits: f64,
    /// Expected visits per journey (from the chain; equals `visits / journeys` for a chain
    /// estimated from the same data).
    pub expected_visits: f64,
    /// Probability of eventually converting from this node.
    pub conversion_probability: f64,
    /// Probability that the journey ends (drops out, to `Null`) right after this node.
    pub dropoff_rate: f64,
    /// Probability that the journey converts right after this node.
    pub direct_conversion_rate: f64,
    /// Expected time to conversion from this node, given that it converts (ms); `None`
    /// without dwell times or when conversion is impossible from here.
    pub expected_time_to_convert_ms: Option<f64>,
}

/// Removal effect of one touchpoint.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RemovalEffect {
    /// The touchpoint.
    pub touchpoint: TouchpointId,
    /// Its name.
    pub name: String,
    /// `1 − P(conversion without it) / P(conversion)`.
    pub conversions: f64,
    /// `1 − E[value without it] / E[value]`; 0 when the data carries no value.
    pub value: f64,
    /// P(conversion) with the touchpoint removed.
    pub conversion_probability_without: f64,
}

/// Everything [`JourneyGraph::analyze`] computes.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GraphAnalysis {
    /// P(conversion) of a journey (from `Start`).
    pub conversion_probability: f64,
    /// Expected conversion value per journey.
    pub expected_value: f64,
    /// Expected time from the first touch... from `Start` to conversion, given conversion (ms).
    pub expected_time_to_convert_ms: Option<f64>,
    /// Per node, `Start` first, then the states in node order.
    pub nodes: Vec<NodeMetrics>,
    /// Per touchpoint, in catalog order (touchpoints absent from the graph get 0).
    pub removal_effects: Vec<RemovalEffect>,
}

/// The transient part of the chain in a form the solver walks quickly.
#[derive(Clone)]
pub(crate) struct Chain {
    /// Transient index → node index.
    pub nodes: Vec<NodeIndex>,
    /// Node index → transient index (u32::MAX for absorbing nodes).
    pub pos: Vec<u32>,
    /// Successors: CSR over transient indices.
    pub succ: Csr,
    /// Predecessors: CSR of the transpose.
    pub pred: Csr,
    /// One-step conversion probability.
    pub r_conv: Vec<f64>,
    /// One-step conversion probability × mean conversion value on that edge.
    pub r_value: Vec<f64>,
    /// One-step drop-out probability.
    pub p_null: Vec<f64>,
    /// Components in topological order of the successor graph reversed (sinks first).
    pub sccs: Vec<Vec<u32>>,
    /// Components larger than this are solved iteratively.
    pub dense_max: usize,
}

/// Compressed sparse rows: for row `i`, `(col[k], coef[k])` for `k in ptr[i]..ptr[i+1]`.
#[derive(Clone)]
pub(crate) struct Csr {
    pub ptr: Vec<usize>,
    pub col: Vec<u32>,
    pub coef: Vec<f64>,
}

impl Csr {
    fn from_triplets(n: usize, mut t: Vec<(u32, u32, f64)>) -> Csr {
        t.sort_unstable_by_key(|&(r, c, _)| (r, c));
        let mut ptr = vec![0usize; n + 1];
        for &(r, _, _) in &t {
            ptr[r as usize + 1] += 1;
        }
        for i in 0..n {
            ptr[i + 1] += ptr[i];
        }
        Csr { ptr, col: t.iter().map(|x| x.1).collect(), coef: t.iter().map(|x| x.2).collect() }
    }

    #[inline]
    fn row(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let (a, b) = (self.ptr[i], self.ptr[i + 1]);
        self.col[a..b].iter().zip(&self.coef[a..b]).map(|(&c, &q)| (c as usize, q))
    }
}

impl Chain {
    pub(crate) fn new(g: &JourneyGraph) -> Chain {
        let graph = &g.graph;
        let n_nodes = graph.node_count();
        let mut pos = vec![u32::MAX; n_nodes];
        let mut nodes = Vec::with_capacity(n_nodes.saturating_sub(2));
        for i in graph.node_indices() {
            if i.index() != CONVERSION && i.index() != NULL {
                pos[i.index()] = nodes.len() as u32;
                nodes.push(i);
            }
        }
        let m = nodes.len();
        let mut r_conv = vec![0.0; m];
        let mut r_value = vec![0.0; m];
        let mut p_null = vec![0.0; m];
        let mut trip = Vec::with_capacity(graph.edge_count());
        for (t, &i) in nodes.iter().enumerate() {
            let out: f64 = graph.edges(i).map(|e| e.weight().count).sum();
            if out <= 0.0 {
                continue;
            }
            for e in graph.edges(i) {
                let p = e.weight().count / out;
                match e.target().index() {
                    CONVERSION => {
                        r_conv[t] = p;
                        // an edge can carry no count in a bootstrap resample
                        if e.weight().count > 0.0 {
                            r_value[t] = p * e.weight().value / e.weight().count;
                        }
                    }
                    NULL => p_null[t] = p,
                    j => trip.push((t as u32, pos[j], p)),
                }
            }
        }
        let pred = Csr::from_triplets(m, trip.iter().map(|&(a, b, p)| (b, a, p)).collect());
        let succ = Csr::from_triplets(m, trip);
        let sccs = tarjan_scc(graph)
            .into_iter()
            .filter_map(|c| {
                let v: Vec<u32> = c.iter().map(|n| pos[n.index()]).filter(|&p| p != u32::MAX).collect();
                (!v.is_empty()).then_some(v)
            })
            .collect();
        Chain { nodes, pos, succ, pred, r_conv, r_value, p_null, sccs, dense_max: DENSE_MAX }
    }

    /// [`Chain::solve_backward`] for the conversion and the value right-hand sides at once
    /// (the same numbers as two solves).
    pub(crate) fn solve_backward_conv_value(&self, dead: Option<&[bool]>) -> Result<[Vec<f64>; 2]> {
        solve_many(&self.succ, [&self.r_conv, &self.r_value], self.sccs.iter(), dead, self.dense_max)
    }

    /// Solve `x = rhs + Q x` (backward: conversion probability-like quantities).
    /// `dead[t]` forces `x[t] = 0` (removed states).
    pub(crate) fn solve_backward(&self, rhs: &[f64], dead: Option<&[bool]>) -> Result<Vec<f64>> {
        solve(&self.succ, rhs, self.sccs.iter(), dead, self.dense_max)
    }

    /// A copy whose rows `k` have every non-`Null` exit (transitions and conversion) scaled by
    /// `s` — what cutting their drop-off does. Only the backward solve is valid on the copy.
    pub(crate) fn with_scaled_rows(&self, rows: &[(usize, f64)]) -> Chain {
        let mut c = self.clone();
        for &(k, s) in rows {
            let (a, b) = (c.succ.ptr[k], c.succ.ptr[k + 1]);
            for q in &mut c.succ.coef[a..b] {
                *q *= s;
            }
            c.r_conv[k] *= s;
            c.r_value[k] *= s;
            c.p_null[k] = 1.0 - (1.0 - c.p_null[k]) * s;
        }
        c
    }

    /// Return probability of every transient state: the probability that a walk leaving the
    /// state comes back to it before absorption (`1 − 1/N_kk`, `N = (I − Q)⁻¹`). Returns can
    /// only happen inside a state's strongly connected component, so each component is handled
    /// alone: trivially (no cycle), by a dense inverse (up to [`DENSE_MAX`] states), or by one
    /// iterative solve per state (in parallel).
    pub(crate) fn return_probabilities(&self) -> Result<Vec<f64>> {
        Ok(self.returns_and_diagonal(true)?.0)
    }

    /// `(return probabilities, diagonal of N = (I − Q)⁻¹)` of every transient state (see
    /// [`Chain::return_probabilities`]; `N_kk = 1 / (1 − β_k)`, computed directly). With
    /// `watch`, the work is a progress stage of its own.
    pub(crate) fn returns_and_diagonal(&self, watch: bool) -> Result<(Vec<f64>, Vec<f64>)> {
        let m = self.nodes.len();
        let mut beta = vec![0.0; m];
        let mut n_diag = vec![1.0; m];
        let mut local = vec![u32::MAX; m];
        let prog = if watch { crate::progress::current() } else { None };
        if let Some(p) = &prog {
            p.start("states", self.sccs.iter().map(|c| c.len() as u64).sum());
        }
        for comp in &self.sccs {
            if comp.len() == 1 {
                let k = comp[0] as usize;
                beta[k] = self.succ.row(k).filter(|&(j, _)| j == k).map(|(_, q)| q).sum();
                n_diag[k] = 1.0 / (1.0 - beta[k]);
                crate::progress::tick(&prog, 1)?;
                continue;
            }
            for (i, &k) in comp.iter().enumerate() {
                local[k as usize] = i as u32;
            }
            let p = comp.len();
            if p <= self.dense_max {
                // Gauss–Jordan inverse of I − Q restricted to the component
                let mut a = vec![0.0; p * p];
                for (i, &k) in comp.iter().enumerate() {
                    a[i * p + i] += 1.0;
                    for (j, q) in self.succ.row(k as usize) {
                        if local[j] != u32::MAX {
                            a[i * p + local[j] as usize] -= q;
                        }
                    }
                }
                let diag = inverse_diagonal(&mut a, p).ok_or(Error::NoConvergence {
                    states: p,
                    residual: f64::INFINITY,
                    iterations: 0,
                    tolerance: 0.0,
                })?;
                for (i, &k) in comp.iter().enumerate() {
                    beta[k as usize] = 1.0 - 1.0 / diag[i];
                    n_diag[k as usize] = diag[i];
                }
                crate::progress::tick(&prog, p as u64)?;
            } else {
                let one = |i: usize| -> Result<f64> {
                    // one iterative solve per state: counted, and where a cancel stops the work
                    crate::progress::tick(&prog, 1)?;
                    // column k of N inside the component: (I − Q) y = e_k, y_k = N_kk
                    let mut rhs = vec![0.0; m];
                    rhs[comp[i] as usize] = 1.0;
                    let x = solve(&self.succ, &rhs, std::iter::once(comp), None, self.dense_max)?;
                    Ok(x[comp[i] as usize])
                };
                #[cfg(feature = "rayon")]
                let diag: Vec<f64> = {
                    use rayon::prelude::*;
                    (0..p).into_par_iter().map(one).collect::<Result<_>>()?
                };
                #[cfg(not(feature = "rayon"))]
                let diag: Vec<f64> = (0..p).map(one).collect::<Result<_>>()?;
                for (i, &k) in comp.iter().enumerate() {
                    beta[k as usize] = 1.0 - 1.0 / diag[i];
                    n_diag[k as usize] = diag[i];
                }
            }
            for &k in comp {
                local[k as usize] = u32::MAX;
            }
        }
        if let Some(p) = &prog {
            p.finish();
        }
        Ok((beta, n_diag))
    }

    /// Solve `x = rhs + Qᵀ x` (forward: expected visits).
    pub(crate) fn solve_forward(&self, rhs: &[f64]) -> Result<Vec<f64>> {
        solve(&self.pred, rhs, self.sccs.iter().rev(), None, self.dense_max)
    }
}

/// Solve `x_i = rhs_i + Σ_j coef_ij x_j` component by component, in the given order (each
/// component's outside references must already be solved).
fn solve<'a>(
    a: &Csr,
    rhs: &[f64],
    order: impl Iterator<Item = &'a Vec<u32>>,
    dead: Option<&[bool]>,
    dense_max: usize,
) -> Result<Vec<f64>> {
    let [x] = solve_many(a, [rhs], order, dead, dense_max)?;
    Ok(x)
}

/// [`solve`] for `N` right-hand sides at once, each giving exactly the numbers its own solve
/// gives: a large component's sweeps read each coefficient once for all of them (the sums
/// are chains of dependent additions, so two of them side by side cost about one), and a
/// right-hand side that has converged is no longer updated. When the right-hand sides would
/// sweep a component in different orders, that component is solved for each on its own.
fn solve_many<'a, const N: usize>(
    a: &Csr,
    rhs: [&[f64]; N],
    order: impl Iterator<Item = &'a Vec<u32>>,
    dead: Option<&[bool]>,
    dense_max: usize,
) -> Result<[Vec<f64>; N]> {
    let m = rhs.first().map_or(0, |r| r.len());
    let mut x: [Vec<f64>; N] = std::array::from_fn(|_| vec![0.0; m]);
    let is_dead = |i: usize| dead.is_some_and(|d| d[i]);
    let mut local = vec![u32::MAX; m];
    for comp in order {
        if comp.len() == 1 {
            let i = comp[0] as usize;
            if is_dead(i) {
                continue;
            }
            for (x, rhs) in x.iter_mut().zip(rhs) {
                let mut s = rhs[i];
                let mut diag = 0.0;
                for (j, q) in a.row(i) {
                    if j == i {
                        diag += q;
                    } else {
                        s += q * x[j];
                    }
                }
                x[i] = s / (1.0 - diag);
            }
            continue;
        }
        for (k, &i) in comp.iter().enumerate() {
            local[i as usize] = k as u32;
        }
        if comp.len() <= dense_max {
            for (x, rhs) in x.iter_mut().zip(rhs) {
                dense_component(a, rhs, comp, &local, x, &is_dead)?;
            }
        } else {
            let xs: [&mut [f64]; N] = {
                let mut it = x.iter_mut();
                std::array::from_fn(|_| it.next().map(|v| v.as_mut_slice()).unwrap_or_default())
            };
            gauss_seidel_component(a, rhs, comp, &local, xs, &is_dead)?;
        }
        for &i in comp {
            local[i as usize] = u32::MAX;
        }
    }
    Ok(x)
}

fn dense_component(
    a: &Csr,
    rhs: &[f64],
    comp: &[u32],
    local: &[u32],
    x: &mut [f64],
    is_dead: &dyn Fn(usize) -> bool,
) -> Result<()> {
    let p = comp.len();
    let mut m = vec![0.0; p * p];
    let mut b = vec![0.0; p];
    for (k, &i) in comp.iter().enumerate() {
        let i = i as usize;
        m[k * p + k] = 1.0;
        if is_dead(i) {
            continue;
        }
        let mut s = rhs[i];
        for (j, q) in a.row(i) {
            let l = local[j];
            if l != u32::MAX {
                m[k * p + l as usize] -= q;
            } else {
                s += q * x[j];
            }
        }
        b[k] = s;
    }
    lu_solve(&mut m, &mut b, p).ok_or(Error::NoConvergence {
        states: p,
        residual: f64::INFINITY,
        iterations: 0,
        tolerance: 0.0,
    })?;
    for (k, &i) in comp.iter().enumerate() {
        x[i as usize] = b[k];
    }
    Ok(())
}

/// Row (≥ `c`) with the largest entry in column `c` of the `p × p` matrix `m` (partial
/// pivoting); `None` when the column is zero there (singular matrix).
fn pivot_row(m: &[f64], p: usize, c: usize) -> Option<usize> {
    let (piv, best) =
        (c..p).map(|r| (r, m[r * p + c].abs())).fold((c, -1.0), |acc, x| if x.1 > acc.1 { x } else { acc });
    (best >= 1e-300).then_some(piv)
}

/// Diagonal of the inverse of the `p × p` matrix `a` (Gauss–Jordan with partial pivoting).
fn inverse_diagonal(a: &mut [f64], p: usize) -> Option<Vec<f64>> {
    let mut inv = vec![0.0; p * p];
    for i in 0..p {
        inv[i * p + i] = 1.0;
    }
    for c in 0..p {
        let piv = pivot_row(a, p, c)?;
        if piv != c {
            for k in 0..p {
                a.swap(c * p + k, piv * p + k);
                inv.swap(c * p + k, piv * p + k);
            }
        }
        let d = a[c * p + c];
        for k in 0..p {
            a[c * p + k] /= d;
            inv[c * p + k] /= d;
        }
        for r in 0..p {
            if r == c {
                continue;
            }
            let f = a[r * p + c];
            if f == 0.0 {
                continue;
            }
            for k in 0..p {
                a[r * p + k] -= f * a[c * p + k];
                inv[r * p + k] -= f * inv[c * p + k];
            }
        }
    }
    Some((0..p).map(|i| inv[i * p + i]).collect())
}

/// In-place Gaussian elimination with partial pivoting; `b` becomes the solution.
pub(crate) fn lu_solve(m: &mut [f64], b: &mut [f64], p: usize) -> Option<()> {
    for c in 0..p {
        let piv = pivot_row(m, p, c)?;
        if piv != c {
            for k in 0..p {
                m.swap(c * p + k, piv * p + k);
            }
            b.swap(c, piv);
        }
        let d = m[c * p + c];
        for r in c + 1..p {
            let f = m[r * p + c] / d;
            if f == 0.0 {
                continue;
            }
            for k in c..p {
                m[r * p + k] -= f * m[c * p + k];
            }
            b[r] -= f * b[c];
        }
    }
    for c in (0..p).rev() {
        let mut s = b[c];
        for k in c + 1..p {
            s -= m[c * p + k] * b[k];
        }
        b[c] = s / m[c * p + c];
    }
    Some(())
}

fn gauss_seidel_component<const N: usize>(
    a: &Csr,
    rhs: [&[f64]; N],
    comp: &[u32],
    local: &[u32],
    x: [&mut [f64]; N],
    is_dead: &dyn Fn(usize) -> bool,
) -> Result<()> {
    let p = comp.len();
    // Local system x_k = base_k + Σ coef x_col, diagonal folded in, outside values folded into
    // base; rows and their reverse (who reads k) as flat arrays.
    let mut base = vec![[0.0; N]; p];
    let mut anchored = vec![[false; N]; p];
    let mut scale = vec![0.0; p];
    let mut rptr = vec![0usize; p + 1];
    let mut aptr = vec![0usize; p + 1];
    for (k, &i) in comp.iter().enumerate() {
        let i = i as usize;
        if is_dead(i) {
            anchored[k] = [true; N];
            continue;
        }
        let mut s: [f64; N] = std::array::from_fn(|r| rhs[r][i]);
        let mut diag = 0.0;
        let mut outside = false;
        for (j, q) in a.row(i) {
            if j == i {
                diag += q;
            } else if local[j] == u32::MAX {
                for r in 0..N {
                    s[r] += q * x[r][j];
                }
                outside = true;
            } else {
                rptr[k + 1] += 1;
                aptr[local[j] as usize + 1] += 1;
            }
        }
        let d = 1.0 / (1.0 - diag);
        scale[k] = d;
        for r in 0..N {
            base[k][r] = s[r] * d;
            anchored[k][r] = outside || s[r] != 0.0;
        }
    }
    if N > 1 && anchored.iter().any(|an| an.iter().any(|&v| v != an[0])) {
        // the right-hand sides would sweep in different orders: one at a time
        for r in 0..N {
            gauss_seidel_component(a, [rhs[r]], comp, local, [&mut *x[r]], is_dead)?;
        }
        return Ok(());
    }
    for k in 0..p {
        rptr[k + 1] += rptr[k];
        aptr[k + 1] += aptr[k];
    }
    let mut rows: Vec<(u32, f64)> = vec![(0, 0.0); rptr[p]];
    let mut radj = vec![0u32; aptr[p]];
    let mut afill = aptr.clone();
    for (k, &i) in comp.iter().enumerate() {
        let i = i as usize;
        if is_dead(i) {
            continue;
        }
        let mut e = rptr[k];
        for (j, q) in a.row(i) {
            if j != i && local[j] != u32::MAX {
                let l = local[j] as usize;
                rows[e] = (local[j], q * scale[k]);
                e += 1;
                radj[afill[l]] = k as u32;
                afill[l] += 1;
            }
        }
    }
    // Sweep order: breadth-first from the unknowns tied to known values (exits of the
    // component), so that information flows in one sweep as far as it can.
    let mut order: Vec<u32> = (0..p as u32).filter(|&k| anchored[k as usize][0]).collect();
    let mut seen: Vec<bool> = anchored.iter().map(|an| an[0]).collect();
    let mut head = 0;
    while head < order.len() {
        let k = order[head] as usize;
        head += 1;
        for &r in &radj[aptr[k]..aptr[k + 1]] {
            if !seen[r as usize] {
                seen[r as usize] = true;
                order.push(r);
            }
        }
    }
    order.extend((0..p as u32).filter(|&k| !seen[k as usize]));
    // Permuted compact CSR in sweep order.
    let mut pos = vec![0u32; p];
    for (n, &k) in order.iter().enumerate() {
        pos[k as usize] = n as u32;
    }
    let mut ptr = Vec::with_capacity(p + 1);
    let mut col = Vec::with_capacity(rows.len());
    let mut coef = Vec::with_capacity(rows.len());
    let mut b = Vec::with_capacity(p);
    let mut xl: Vec<[f64; N]> = Vec::with_capacity(p);
    let mut live = Vec::with_capacity(p);
    for &k in &order {
        let k = k as usize;
        ptr.push(col.len());
        for &(j, q) in &rows[rptr[k]..rptr[k + 1]] {
            col.push(pos[j as usize]);
            coef.push(q);
        }
        b.push(base[k]);
        let dead = is_dead(comp[k] as usize);
        live.push(!dead);
        xl.push(std::array::from_fn(|r| if dead { 0.0 } else { x[r][comp[k] as usize] }));
    }
    ptr.push(col.len());
    let mut change = [f64::INFINITY; N];
    let mut active = [true; N];
    for _ in 0..MAX_SWEEPS {
        let mut ch = [0.0f64; N];
        let mut sc = [0.0f64; N];
        for n in 0..p {
            if !live[n] {
                continue;
            }
            let mut s = b[n];
            for e in ptr[n]..ptr[n + 1] {
                let (q, v) = (coef[e], xl[col[e] as usize]);
                for r in 0..N {
                    s[r] += q * v[r];
                }
            }
            for r in 0..N {
                if active[r] {
                    ch[r] = ch[r].max((s[r] - xl[n][r]).abs());
                    sc[r] = sc[r].max(s[r].abs());
                    xl[n][r] = s[r];
                }
            }
        }
        for r in 0..N {
            if active[r] {
                change[r] = ch[r];
                active[r] = ch[r] > TOLERANCE * sc[r].max(f64::MIN_POSITIVE);
            }
        }
        if !active.contains(&true) {
            break;
        }
    }
    for (n, &k) in order.iter().enumerate() {
        for r in 0..N {
            x[r][comp[k as usize] as usize] = xl[n][r];
        }
    }
    match (0..N).find(|&r| active[r]) {
        None => Ok(()),
        Some(r) => {
            Err(Error::NoConvergence { states: p, residual: change[r], iterations: MAX_SWEEPS, tolerance: TOLERANCE })
        }
    }
}

impl JourneyGraph {
    /// Conversion probability from `Start`, exact.
    pub fn conversion_probability(&self) -> Result<f64> {
        let c = Chain::new(self);
        Ok(c.solve_backward(&c.r_conv, None)?[0])
    }

    /// Removal effect of every touchpoint (catalog order), exact.
    ///
    /// A touchpoint held by one state only (every touchpoint at order 1) costs no solve of its
    /// own: with `N = (I − Q)⁻¹`, a walk from `Start` reaches state `j` with probability
    /// `h_j = N[start, j] / N[j, j]` and then converts with probability `b_j`, so making `j` a
    /// dead end gives `P_without = P − h_j · b_j` (and the same for value). One forward solve
    /// (`N[start, ·]`, the expected visits) and the diagonal of `N` (immediate outside cycles, a
    /// dense inverse per strongly connected component up to [`DENSE_MAX`] states, one
    /// iterative solve per state beyond) serve all of them. A touchpoint held by several states
    /// (higher orders) costs one solve of the chain with those states made dead ends.
    pub fn removal_effects(&self) -> Result<Vec<RemovalEffect>> {
        Ok(self.removal_analysis()?.2)
    }

    /// `(P(conversion), expected value per journey, removal effects)`, exact (see
    /// [`JourneyGraph::removal_effects`] for the cost).
    pub fn removal_analysis(&self) -> Result<(f64, f64, Vec<RemovalEffect>)> {
        let c = Chain::new(self);
        // no value in the data (e.g. a bootstrap resample of conversion figures): no value solve
        let (b, ev) = if self.value != 0.0 {
            let [b, v] = c.solve_backward_conv_value(None)?;
            (b, Some(v))
        } else {
            (c.solve_backward(&c.r_conv, None)?, None)
        };
        let re = self.removal_effects_with(&c, &b, ev.as_deref(), None)?;
        Ok((b[0], ev.map_or(0.0, |v| v[0]), re))
    }

    /// Removal effects from the solved chain: `b` the conversion probability of every
    /// transient node, `ev` the expected value (`None` without value), `visits` the expected
    /// visits from `Start` if already solved.
    pub(crate) fn removal_effects_with(
        &self,
        c: &Chain,
        b: &[f64],
        ev: Option<&[f64]>,
        visits: Option<&[f64]>,
    ) -> Result<Vec<RemovalEffect>> {
        let p = b[0];
        let ev = ev.filter(|v| v[0] > 0.0);
        let ev0 = ev.map_or(0.0, |v| v[0]);
        let contains = self.states_holding_each_touchpoint(c);
        let closed = self.closed_form_touchpoints(c, &contains);
        // the closed form: P_without = P − h_j b_j with h_j = N[start, j] / N[j, j]
        let mut closed_form: Vec<Option<(f64, f64)>> = vec![None; contains.len()];
        if closed {
            let owned;
            let visits = match visits {
                Some(v) => v,
                None => {
                    let mut e_start = vec![0.0; c.nodes.len()];
                    e_start[0] = 1.0;
                    owned = c.solve_forward(&e_start)?;
                    &owned
                }
            };
            let (_, n_diag) = c.returns_and_diagonal(false)?;
            for (tp, states) in contains.iter().enumerate() {
                if let [j] = states[..] {
                    let j = j as usize;
                    let h = visits[j] / n_diag[j];
                    let pw = (p - h * b[j]).max(0.0);
                    let evw = ev.map_or(0.0, |v| (ev0 - h * v[j]).max(0.0));
                    closed_form[tp] = Some((pw, evw));
                }
            }
        }
        // the solves run in parallel and return numbers only; the rows (with their names) are
        // made here, on the calling thread, so that nothing a worker allocated outlives the call
        let one = |tp: usize| -> Result<Option<(f64, f64)>> {
            if contains[tp].is_empty() {
                return Ok(None);
            }
            if let Some(r) = closed_form[tp] {
                return Ok(Some(r));
            }
            self.removal_solve(c, &contains[tp], ev.is_some()).map(Some)
        };
        #[cfg(feature = "rayon")]
        let solved: Vec<Option<(f64, f64)>> = {
            use rayon::prelude::*;
            (0..contains.len()).into_par_iter().map(one).collect::<Result<_>>()?
        };
        #[cfg(not(feature = "rayon"))]
        let solved: Vec<Option<(f64, f64)>> = (0..contains.len()).map(one).collect::<Result<_>>()?;
        Ok(self.removal_rows(solved, p, ev0))
    }

    /// Transient indices of the states holding each touchpoint (catalog order).
    fn states_holding_each_touchpoint(&self, c: &Chain) -> Vec<Vec<u32>> {
        let mut contains: Vec<Vec<u32>> = vec![Vec::new(); self.catalog.len()];
        for (t, &node) in c.nodes.iter().enumerate() {
            if let NodeKind::State(s) = &self.graph[node].kind {
                let mut seen: Vec<TouchpointId> = s.clone();
                seen.sort_unstable();
                seen.dedup();
                for tp in seen {
                    contains[tp.index()].push(t as u32);
                }
            }
        }
        contains
    }

    /// Whether the closed form pays: the touchpoints held by one state save a solve each, and
    /// the diagonal of `N` costs about one solve per state of the components too large for a
    /// dense inverse (plus a small dense inverse per smaller cycle).
    fn closed_form_touchpoints(&self, c: &Chain, contains: &[Vec<u32>]) -> bool {
        let single = contains.iter().filter(|s| s.len() == 1).count();
        let iterative: usize = c.sccs.iter().filter(|k| k.len() > c.dense_max).map(Vec::len).sum();
        single > 0 && single >= iterative
    }

    /// `(P(conversion), E[value])` with the given states made dead ends: one solve.
    fn removal_solve(&self, c: &Chain, states: &[u32], value: bool) -> Result<(f64, f64)> {
        let mut dead = vec![false; c.nodes.len()];
        for &t in states {
            dead[t as usize] = true;
        }
        if value {
            let [p, v] = c.solve_backward_conv_value(Some(&dead))?;
            Ok((p[0], v[0]))
        } else {
            Ok((c.solve_backward(&c.r_conv, Some(&dead))?[0], 0.0))
        }
    }

    fn removal_rows(&self, solved: Vec<Option<(f64, f64)>>, p: f64, ev: f64) -> Vec<RemovalEffect> {
        solved
            .into_iter()
            .enumerate()
            .map(|(tp, s)| {
                let id = TouchpointId(tp as u32);
                let name = self.catalog.name(id).unwrap_or("?").to_owned();
                match s {
                    None => RemovalEffect {
                        touchpoint: id,
                        name,
                        conversions: 0.0,
                        value: 0.0,
                        conversion_probability_without: p,
                    },
                    Some((pw, evw)) => RemovalEffect {
                        touchpoint: id,
                        name,
                        conversions: if p > 0.0 { (1.0 - pw / p).clamp(0.0, 1.0) } else { 0.0 },
                        value: if ev > 0.0 { (1.0 - evw / ev).clamp(0.0, 1.0) } else { 0.0 },
                        conversion_probability_without: pw,
                    },
                }
            })
            .collect()
    }

    /// The removal effects of every touchpoint by one solve each (the reference the closed form
    /// is tested against).
    #[cfg(test)]
    pub(crate) fn removal_effects_by_solves(&self) -> Result<Vec<RemovalEffect>> {
        let c = Chain::new(self);
        let (b, ev) = if self.value != 0.0 {
            let [b, v] = c.solve_backward_conv_value(None)?;
            (b, Some(v))
        } else {
            (c.solve_backward(&c.r_conv, None)?, None)
        };
        let ev0 = ev.as_ref().map_or(0.0, |v| v[0]);
        let contains = self.states_holding_each_touchpoint(&c);
        let solved = contains
            .iter()
            .map(|s| if s.is_empty() { Ok(None) } else { self.removal_solve(&c, s, ev0 > 0.0).map(Some) })
            .collect::<Result<_>>()?;
        Ok(self.removal_rows(solved, b[0], ev0))
    }

    /// Every absorbing-chain quantity at once: P(conversion), expected value, per-node
    /// conversion probability, expected visits, drop-off, expected time to convert, and the
    /// removal effect of each touchpoint.
    pub fn analyze(&self) -> Result<GraphAnalysis> {
        self.analyze_with(true)
    }

    /// [`JourneyGraph::analyze`], with the removal effects or with none (an empty list).
    pub(crate) fn analyze_with(&self, removal: bool) -> Result<GraphAnalysis> {
        let c = Chain::new(self);
        let [b, ev] = c.solve_backward_conv_value(None)?;
        let mut e_start = vec![0.0; c.nodes.len()];
        e_start[0] = 1.0;
        let visits = c.solve_forward(&e_start)?;
        let time = self.time_to_convert(&c, &b)?;
        let observed = self.observed_visits();
        let nodes = c
            .nodes
            .iter()
            .enumerate()
            .map(|(t, &n)| NodeMetrics {
                node: n.index(),
                label: self.graph[n].label.clone(),
                visits: observed[n.index()],
                expected_visits: visits[t],
                conversion_probability: b[t],
                dropoff_rate: c.p_null[t],
                direct_conversion_rate: c.r_conv[t],
                expected_time_to_convert_ms: time.as_ref().and_then(|tt| tt[t]),
            })
            .collect::<Vec<_>>();
        let removal_effects =
            if removal { self.removal_effects_with(&c, &b, Some(&ev), Some(&visits))? } else { Vec::new() };
        Ok(GraphAnalysis {
            conversion_probability: b[0],
            expected_value: ev[0],
            expected_time_to_convert_ms: nodes.first().and_then(|n| n.expected_time_to_convert_ms),
            nodes,
            removal_effects,
        })
    }

    /// Weighted visits per node (sum of incoming edge counts; journeys for `Start`).
    pub fn observed_visits(&self) -> Vec<f64> {
        let mut v = vec![0.0; self.graph.node_count()];
        for e in self.graph.edge_references() {
            v[e.target().index()] += e.weight().count;
        }
        v[START] = self.journeys;
        v
    }

    /// Expected time to conversion given conversion, per transient node (Doob h-transform):
    /// `u = (I − Q)⁻¹ c` with `c_s = Σ_s' P(s,s') b(s') d̄(s,s')`, then `T = u / b`.
    fn time_to_convert(&self, c: &Chain, b: &[f64]) -> Result<Option<Vec<Option<f64>>>> {
        if !self.has_times {
            return Ok(None);
        }
        let mut rhs = vec![0.0; c.nodes.len()];
        for (t, &n) in c.nodes.iter().enumerate() {
            let out: f64 = self.graph.edges(n).map(|e| e.weight().count).sum();
            if out <= 0.0 {
                continue;
            }
            for e in self.graph.edges(n) {
                let bj = match e.target().index() {
                    CONVERSION => 1.0,
                    NULL => continue,
                    j => b[c.pos[j] as usize],
                };
                let d = e.weight().dwell.mean().unwrap_or(0.0);
                rhs[t] += e.weight().count / out * bj * d;
            }
        }
        let u = c.solve_backward(&rhs, None)?;
        Ok(Some(u.iter().zip(b).map(|(&u, &b)| (b > 0.0).then(|| u / b)).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::PathTable;
    use proptest::prelude::*;

    /// Removal effects by the closed form and by one solve per touchpoint agree: the effects
    /// (and P without, relative to P) within `tol`.
    fn assert_same_removal(a: &[RemovalEffect], b: &[RemovalEffect], p: f64, tol: f64) -> Result<(), TestCaseError> {
        prop_assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            prop_assert_eq!(&x.name, &y.name);
            prop_assert!(
                (x.conversions - y.conversions).abs() <= tol,
                "{}: {} vs {}",
                x.name,
                x.conversions,
                y.conversions
            );
            prop_assert!((x.value - y.value).abs() <= tol, "{}: value {} vs {}", x.name, x.value, y.value);
            let (u, v) = (x.conversion_probability_without, y.conversion_probability_without);
            prop_assert!((u - v).abs() <= tol * p.max(f64::MIN_POSITIVE), "{}: P without {u} vs {v}", x.name);
        }
        Ok(())
    }

    fn random_paths(tps: usize, rows: &[(Vec<usize>, u8, u8, u8)]) -> PathTable {
        let names: Vec<String> = (0..tps).map(|i| format!("t{i}")).collect();
        let mut t = PathTable::new(crate::Catalog::from_names(&names));
        for (path, c, n, v) in rows {
            let ids: Vec<TouchpointId> = path.iter().map(|&i| TouchpointId((i % tps) as u32)).collect();
            let (c, n) = (f64::from(*c % 4), f64::from(*n % 5));
            let n = if c + n == 0.0 { 1.0 } else { n };
            t.add(&ids, c, n, c * f64::from(*v)).unwrap();
        }
        t
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// Order 1 (cycles, repeats collapsed), directly-follows graphs (self-loops) and order 2
        /// (touchpoints held by several states take the solve): the closed form equals the
        /// former one solve per touchpoint.
        #[test]
        fn closed_form_removal_effects_equal_one_solve_per_touchpoint(
            tps in 1usize..9,
            rows in proptest::collection::vec(
                (proptest::collection::vec(0usize..9, 1..7), any::<u8>(), any::<u8>(), 0u8..50), 1..25),
        ) {
            let t = random_paths(tps, &rows);
            let graphs = [
                JourneyGraph::from_paths(&t, 1).unwrap(),
                JourneyGraph::directly_follows((&t).into(), None).unwrap(),
                JourneyGraph::from_paths(&t, 2).unwrap(),
            ];
            for g in &graphs {
                let want = g.removal_effects_by_solves().unwrap();
                let (p, _, got) = g.removal_analysis().unwrap();
                assert_same_removal(&got, &want, p, 1e-12)?;
                let a = g.analyze().unwrap();
                assert_same_removal(&a.removal_effects, &want, p, 1e-12)?;
            }
        }

        /// The same with every cycle solved iteratively (the diagonal of N by one solve per state).
        #[test]
        fn closed_form_with_iterative_components(
            tps in 2usize..9,
            rows in proptest::collection::vec(
                (proptest::collection::vec(0usize..9, 2..7), any::<u8>(), any::<u8>(), 0u8..50), 1..25),
        ) {
            let t = random_paths(tps, &rows);
            let g = JourneyGraph::from_paths(&t, 1).unwrap();
            let mut c = Chain::new(&g);
            c.dense_max = 1;
            let [b, ev] = c.solve_backward_conv_value(None).unwrap();
            let got = g.removal_effects_with(&c, &b, Some(&ev), None).unwrap();
            let want = g.removal_effects_by_solves().unwrap();
            assert_same_removal(&got, &want, b[0], 1e-10)?;
        }
    }

    /// The node analysis is the full one without removal effects, computed without them and
    /// kept; once the full one exists it is returned instead.
    #[test]
    fn node_analysis_leaves_removal_effects_for_later() {
        let t = crate::demo::paths(300, 6, 3).unwrap();
        let g = JourneyGraph::from_paths(&t, 2).unwrap();
        let n = g.node_analysis().unwrap();
        assert!(n.removal_effects.is_empty() && g.cached_analysis().is_none());
        assert!(std::ptr::eq(n, g.node_analysis().unwrap()));
        let full = g.analysis().unwrap();
        assert_eq!(GraphAnalysis { removal_effects: Vec::new(), ..full.clone() }, *n);
        assert_eq!(full.removal_effects, g.removal_effects().unwrap());
        let h = JourneyGraph::from_paths(&t, 2).unwrap();
        h.analysis().unwrap();
        assert_eq!(h.node_analysis().unwrap(), h.analysis().unwrap());
    }

    /// Solving conversion and value together gives bit for bit the numbers of two solves,
    /// with the iterative solver (one sweep order) and with the fallback (value that is zero
    /// on some conversions anchors a different set of states).
    #[test]
    fn joint_solve_equals_separate_solves_bit_for_bit() {
        for (seed, zero_values) in [(3u64, false), (4, true), (5, false)] {
            let mut p = crate::demo::paths(400, 6, seed).unwrap();
            if zero_values {
                let mut q = PathTable::new(p.catalog().clone());
                for (i, r) in p.iter().enumerate() {
                    q.add(r.touchpoints, r.conversions, r.nulls, if i % 3 == 0 { 0.0 } else { r.value }).unwrap();
                }
                p = q;
            }
            for order in [1, 2, 3] {
                let g = JourneyGraph::from_paths(&p, order).unwrap();
                let mut c = Chain::new(&g);
                c.dense_max = 0;
                assert!(c.sccs.iter().any(|k| k.len() > 1), "cycles");
                let dead: Vec<bool> = (0..c.nodes.len()).map(|i| i % 4 == 2).collect();
                for d in [None, Some(dead.as_slice())] {
                    let [b, v] = c.solve_backward_conv_value(d).unwrap();
                    assert_eq!(b, c.solve_backward(&c.r_conv, d).unwrap(), "order {order}");
                    assert_eq!(v, c.solve_backward(&c.r_value, d).unwrap(), "order {order}");
                }
            }
        }
    }

    #[test]
    fn gauss_seidel_equals_dense_lu_on_cyclic_chains() {
        // a small deterministic family of chains with cycles (repeats at order 1 and 2)
        let mut seed = 12345u64;
        let mut next = move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        for _case in 0..20 {
            let mut p = PathTable::default();
            for _ in 0..30 {
                let len = 1 + next(7) as usize;
                let names: Vec<String> = (0..len).map(|_| format!("t{}", next(6))).collect();
                let c = next(3) as f64;
                let n = 1.0 + next(3) as f64;
                p.add_names(&names, c, n, c * 5.0).unwrap();
            }
            for order in [1, 2] {
                let g = JourneyGraph::from_paths(&p, order).unwrap();
                let dense = Chain::new(&g);
                let mut iter = Chain::new(&g);
                iter.dense_max = 0;
                assert!(dense.sccs.iter().any(|c| c.len() > 1), "the family must have cycles");
                let a = dense.solve_backward(&dense.r_conv, None).unwrap();
                let b = iter.solve_backward(&iter.r_conv, None).unwrap();
                let mut e = vec![0.0; a.len()];
                e[0] = 1.0;
                let va = dense.solve_forward(&e).unwrap();
                let vb = iter.solve_forward(&e).unwrap();
                for i in 0..a.len() {
                    assert!((a[i] - b[i]).abs() < 1e-12, "b[{i}]: {} vs {}", a[i], b[i]);
                    assert!((va[i] - vb[i]).abs() < 1e-11 * va[i].max(1.0), "v[{i}]: {} vs {}", va[i], vb[i]);
                }
                let dead: Vec<bool> = (0..a.len()).map(|i| i % 3 == 1).collect();
                let a = dense.solve_backward(&dense.r_conv, Some(&dead)).unwrap();
                let b = iter.solve_backward(&iter.r_conv, Some(&dead)).unwrap();
                for i in 0..a.len() {
                    assert!((a[i] - b[i]).abs() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn lu_solves_small_system() {
        // [2 1; 1 3] x = [3; 5] → x = [0.8, 1.4]
        let mut m = vec![2.0, 1.0, 1.0, 3.0];
        let mut b = vec![3.0, 5.0];
        lu_solve(&mut m, &mut b, 2).unwrap();
        assert!((b[0] - 0.8).abs() < 1e-15 && (b[1] - 1.4).abs() < 1e-15);
        let mut s = vec![1.0, 1.0, 1.0, 1.0];
        assert!(lu_solve(&mut s, &mut [1.0, 2.0], 2).is_none());
    }
}
