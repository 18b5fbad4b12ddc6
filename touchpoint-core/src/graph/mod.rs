//! The journey graph: a Markov chain of order k over touchpoint states.
//!
//! Nodes are `Start`, touchpoint states, `Conversion` and `Null` (the journey ended without a
//! conversion). Edges carry weighted transition counts, the conversion value that flowed over
//! them, and dwell-time statistics (count, sum, sum of squares, min, max, in milliseconds).
//!
//! # State convention (order k)
//!
//! A state is a window of `k` consecutive touchpoints. Windows slide by one touchpoint, so a
//! journey of length `n ≥ k` passes through `n − k + 1` states; a journey shorter than `k` is
//! one state made of all its touchpoints. Consecutive identical states are collapsed, so at
//! order 1 `A > A > B` and `A > B` give the same chain (no self-loops). This is the convention of
//! the best-known Markov attribution package, so removal effects are comparable with it.
//!
//! The time of a state is the time of its last touch; the dwell time of an edge is the time
//! between the two states (and from the last state to the conversion). Path tables carry no
//! times, so graphs built from them have no dwell statistics.
//!
//! Everything derived from the chain is exact: linear solves ([`absorbing`]), never simulation
//! and never path enumeration.
//!
//! ```
//! use touchpoint_core::{JourneyGraph, PathTable};
//!
//! // ORACLES E1: the three-path textbook example
//! let mut paths = PathTable::default();
//! paths.add_path_str("C1 > C2 > C3", ">", 1.0, 0.0, 0.0)?;
//! paths.add_path_str("C1", ">", 0.0, 1.0, 0.0)?;
//! paths.add_path_str("C2 > C3", ">", 0.0, 1.0, 0.0)?;
//! let g = JourneyGraph::from_paths(&paths, 1)?;
//! let a = g.analyze()?;
//! assert!((a.conversion_probability - 1.0 / 3.0).abs() < 1e-12);
//! let re: Vec<f64> = a.removal_effects.iter().map(|r| r.conversions).collect();
//! assert!((re[0] - 0.5).abs() < 1e-12 && (re[1] - 1.0).abs() < 1e-12 && (re[2] - 1.0).abs() < 1e-12);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

pub mod absorbing;
pub mod export;
pub mod intervals;
mod sensitivity;
mod table;
#[cfg(test)]
pub(crate) mod testing;
pub(crate) mod trace;

use hashbrown::HashMap;

pub use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::catalog::{Catalog, TouchpointId};
use crate::data::Data;
use crate::error::{Error, Result};
use crate::journey::Journeys;
use crate::paths::PathTable;

pub use absorbing::{GraphAnalysis, NodeMetrics, RemovalEffect};
pub use sensitivity::Sensitivity;
pub use table::{GraphSummary, NodeRow, NodeType, RemovalEffectRow, TransitionRow};

/// Largest Markov order accepted.
pub const MAX_ORDER: usize = 16;

/// What a node of the journey graph stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum NodeKind {
    /// Where every journey begins.
    Start,
    /// A window of up to `order` consecutive touchpoints.
    State(Vec<TouchpointId>),
    /// Absorbing: the journey converted.
    Conversion,
    /// Absorbing: the journey ended without converting.
    Null,
}

/// A node: its kind and a display label (`"search > email"` for a state).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Node {
    /// What the node stands for.
    pub kind: NodeKind,
    /// Display label.
    pub label: String,
}

/// Dwell-time statistics of an edge, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DwellStats {
    /// Number of timed transitions (unweighted).
    pub count: u64,
    /// Sum of dwell times.
    pub sum: f64,
    /// Sum of squared dwell times.
    pub sum_sq: f64,
    /// Shortest dwell.
    pub min: i64,
    /// Longest dwell.
    pub max: i64,
}

impl Default for DwellStats {
    fn default() -> Self {
        Self { count: 0, sum: 0.0, sum_sq: 0.0, min: i64::MAX, max: i64::MIN }
    }
}

impl DwellStats {
    #[inline]
    fn add(&mut self, d: i64) {
        let f = d as f64;
        self.count += 1;
        self.sum += f;
        self.sum_sq += f * f;
        self.min = self.min.min(d);
        self.max = self.max.max(d);
    }

    fn merge(&mut self, o: &DwellStats) {
        self.count += o.count;
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }

    /// Mean dwell time (ms), if any transition was timed.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }

    /// Population standard deviation (ms), if any transition was timed.
    pub fn std_dev(&self) -> Option<f64> {
        let m = self.mean()?;
        Some((self.sum_sq / self.count as f64 - m * m).max(0.0).sqrt())
    }
}

/// An edge: weighted transition count, conversion value carried, dwell statistics.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EdgeStats {
    /// Weighted number of transitions.
    pub count: f64,
    /// Conversion value of the converting journeys that took this edge.
    pub value: f64,
    /// Dwell times of the timed transitions.
    pub dwell: DwellStats,
}

/// The journey graph; see the module docs for the state convention.
#[derive(Debug, Clone)]
pub struct JourneyGraph {
    pub(crate) order: usize,
    pub(crate) catalog: Catalog,
    pub(crate) graph: DiGraph<Node, EdgeStats>,
    pub(crate) has_times: bool,
    pub(crate) journeys: f64,
    pub(crate) conversions: f64,
    pub(crate) value: f64,
    /// Built by [`JourneyGraph::directly_follows`] (repeats kept as self-loops).
    pub(crate) directly_follows: bool,
    /// The exact analysis, computed once ([`JourneyGraph::analysis`]) or loaded with the graph.
    pub(crate) analysis: std::sync::OnceLock<GraphAnalysis>,
    /// The analysis without removal effects ([`JourneyGraph::node_analysis`]), computed once.
    pub(crate) node_analysis: std::sync::OnceLock<GraphAnalysis>,
}

/// Index of the `Start` node (`NodeIndex::new(START)`).
pub const START: usize = 0;
/// Index of the `Conversion` node.
pub const CONVERSION: usize = 1;
/// Index of the `Null` node.
pub const NULL: usize = 2;

/// Accumulates transitions before the petgraph graph is made.
#[derive(Clone)]
struct Builder {
    order: usize,
    /// State windows, flat (`order` slots each; shorter windows padded with u32::MAX).
    states: Vec<Box<[TouchpointId]>>,
    index: HashMap<Box<[TouchpointId]>, u32>,
    /// Order 1: touchpoint id → state index; higher orders with short packed windows: packed
    /// window → state index (empty otherwise).
    direct: Vec<u32>,
    /// Orders ≥ 2 whose windows fit in 64 bits: packed window (codes + 1, so shorter windows
    /// differ from full ones) → state index.
    packed: HashMap<u64, u32>,
    /// Bits per touchpoint code in a packed window (0: windows do not fit, use `index`).
    bits: u32,
    /// Edges by state and the last touchpoint of the next state, when the table is small
    /// enough for every possible state (`sparse` is then unused).
    succ: Option<Succ>,
    /// Edges by node pair otherwise.
    sparse: HashMap<(u32, u32), EdgeStats>,
    buf: Vec<u32>,
    tbuf: Vec<usize>,
    /// Collapse consecutive identical states (the Markov convention); off for a
    /// directly-follows graph that keeps self-loops.
    collapse: bool,
    /// When set, the node sequence of every added row is appended (bootstrap traces).
    rec: Option<Vec<u32>>,
}

/// Tests: use the hash-map representations whatever the size.
fn force_maps() -> bool {
    #[cfg(test)]
    return tests::FORCE_MAPS.with(|c| c.get());
    #[cfg(not(test))]
    false
}

/// Tests: rows per chunk of the parallel build (0: by the data size).
fn force_chunk() -> usize {
    #[cfg(test)]
    return tests::FORCE_CHUNK.with(|c| c.get());
    #[cfg(not(test))]
    0
}

/// The edges of a builder as a table of `n_tp + 2` columns per state. The state after a window is the window shifted by one touchpoint, so an
/// edge out of a state is named by the last touchpoint of the next state (or by conversion or
/// null): no hash of node pairs, and the next state itself is cached per cell, so a journey's
/// windows are walked without looking them up. `Start`'s edges (to any state) are a column of
/// their own.
#[derive(Clone)]
struct Succ {
    n_tp: usize,
    /// `(count, value)` per (state, column): columns `0..n_tp` lead to the state ending in that
    /// touchpoint, `n_tp` to conversion, `n_tp + 1` to null.
    cells: Vec<[f64; 2]>,
    /// Dwell times per cell (timed builders only).
    dwell: Vec<DwellStats>,
    /// Node of the next state per (state, touchpoint) (`u32::MAX`: not met yet).
    next: Vec<u32>,
    /// `(count, value)` of the edge `Start` → state.
    start: Vec<[f64; 2]>,
    timed: bool,
}

impl Succ {
    fn width(&self) -> usize {
        self.n_tp + 2
    }

    /// Room for one more state.
    fn grow(&mut self) {
        let w = self.width();
        self.cells.resize(self.cells.len() + w, [0.0; 2]);
        if self.timed {
            self.dwell.resize(self.dwell.len() + w, DwellStats::default());
        }
        self.next.resize(self.next.len() + self.n_tp, u32::MAX);
        self.start.push([0.0; 2]);
    }

    /// Cell `col` of the state of node `a` (a state node: `a >= 3`).
    #[inline]
    fn cell(&mut self, a: u32, col: usize, w: f64, value: f64, dwell: Option<i64>) {
        let i = (a as usize - 3) * self.width() + col;
        let c = &mut self.cells[i];
        c[0] += w;
        c[1] += value;
        if let Some(d) = dwell {
            self.timed_rows();
            self.dwell[i].add(d);
        }
    }

    /// Keep dwell times from now on (a builder learns it is timed from its first timed row).
    #[inline]
    fn timed_rows(&mut self) {
        if self.dwell.len() < self.cells.len() {
            self.timed = true;
            self.dwell.resize(self.cells.len(), DwellStats::default());
        }
    }
}

/// Largest successor table (bytes, for every possible state) of a builder; larger graphs use a
/// hash map of edges.
const SUCC_BYTES: usize = 64 << 20;

/// Packed windows of at most this many bits index an array of states instead of a hash map.
const PACKED_DIRECT_BITS: usize = 20;

impl Builder {
    fn new(order: usize, n_tp: usize) -> Result<Self> {
        if order == 0 || order > MAX_ORDER {
            return Err(Error::option("order", order, format!("the Markov order must be within 1..={MAX_ORDER}")));
        }
        // every possible state fits a successor table of at most SUCC_BYTES: index by state
        let succ = (1..=order as u32)
            .try_fold(0usize, |acc, j| n_tp.checked_pow(j).and_then(|p| acc.checked_add(p)))
            .and_then(|states| states.checked_mul((n_tp + 2) * size_of::<[f64; 2]>() + n_tp * 4))
            .filter(|&bytes| bytes <= SUCC_BYTES && !force_maps())
            .map(|_| Succ {
                n_tp,
                cells: Vec::new(),
                dwell: Vec::new(),
                next: Vec::new(),
                start: Vec::new(),
                timed: false,
            });
        let bits = {
            let bits = usize::BITS - (n_tp + 1).leading_zeros();
            if order >= 2 && bits as usize * order <= 64 { bits } else { 0 }
        };
        Ok(Self {
            order,
            states: Vec::new(),
            index: HashMap::new(),
            direct: if order == 1 {
                vec![u32::MAX; n_tp]
            } else if bits > 0 && bits as usize * order <= PACKED_DIRECT_BITS && !force_maps() {
                // packed windows small enough to index an array
                vec![u32::MAX; 1 << (bits as usize * order)]
            } else {
                Vec::new()
            },
            packed: HashMap::new(),
            bits,
            succ,
            sparse: HashMap::new(),
            buf: Vec::new(),
            tbuf: Vec::new(),
            collapse: true,
            rec: None,
        })
    }

    /// Node index (3 + state number) of a window.
    #[inline]
    fn state(&mut self, w: &[TouchpointId]) -> u32 {
        if self.order == 1 {
            let i = self.direct[w[0].index()];
            if i != u32::MAX {
                return i;
            }
            let i = self.new_state(w);
            self.direct[w[0].index()] = i;
            return i;
        }
        if self.bits > 0 {
            let key = w.iter().fold(0u64, |k, t| (k << self.bits) | (t.0 as u64 + 1));
            if !self.direct.is_empty() {
                let i = self.direct[key as usize];
                if i != u32::MAX {
                    return i;
                }
                let i = self.new_state(w);
                self.direct[key as usize] = i;
                return i;
            }
            if let Some(&i) = self.packed.get(&key) {
                return i;
            }
            let i = self.new_state(w);
            self.packed.insert(key, i);
            return i;
        }
        if let Some(&i) = self.index.get(w) {
            return i;
        }
        let i = self.new_state(w);
        self.index.insert(w.into(), i);
        i
    }

    /// Number a window not seen before.
    #[cold]
    fn new_state(&mut self, w: &[TouchpointId]) -> u32 {
        let i = 3 + self.states.len() as u32;
        self.states.push(w.into());
        if let Some(s) = self.succ.as_mut() {
            s.grow();
        }
        i
    }

    /// Node of the state after `a` when the next touch is `t` (`window`: that state's window).
    #[inline]
    fn next_state(&mut self, a: u32, t: usize, window: &[TouchpointId]) -> u32 {
        let Some(s) = self.succ.as_ref() else { return self.state(window) };
        let slot = (a as usize - 3) * s.n_tp + t;
        let b = s.next[slot];
        if b != u32::MAX {
            return b;
        }
        let b = self.state(window);
        if let Some(s) = self.succ.as_mut() {
            s.next[slot] = b;
        }
        b
    }

    /// [`Builder::add`] with the successor table.
    fn add_succ(
        &mut self,
        tps: &[TouchpointId],
        times: Option<&[i64]>,
        end: Option<i64>,
        conv: f64,
        nulls: f64,
        value: f64,
    ) {
        let (k, n) = (self.order, tps.len());
        let w = conv + nulls;
        let mut a = self.state(&tps[..n.min(k)]);
        let mut last = n.min(k) - 1;
        if let Some(s) = self.succ.as_mut() {
            let c = &mut s.start[a as usize - 3];
            c[0] += w;
            c[1] += value;
        }
        if let Some(r) = self.rec.as_mut() {
            r.push(a);
        }
        for i in k..n {
            let t = tps[i].index();
            // order 1: the state of a touch is a direct lookup that does not wait for the
            // previous state (the next-state cache would chain the loads)
            let b = if k == 1 { self.state(&tps[i..=i]) } else { self.next_state(a, t, &tps[i + 1 - k..=i]) };
            if self.collapse && b == a {
                continue;
            }
            let dwell = times.map(|ts| ts[i].saturating_sub(ts[last]));
            if let Some(s) = self.succ.as_mut() {
                s.cell(a, t, w, value, dwell);
            }
            if let Some(r) = self.rec.as_mut() {
                r.push(b);
            }
            (a, last) = (b, i);
        }
        let Some(s) = self.succ.as_mut() else { return };
        if conv > 0.0 {
            let dwell = match (times, end) {
                (Some(ts), Some(end)) => Some(end.saturating_sub(ts[last])),
                _ => None,
            };
            s.cell(a, s.n_tp, conv, value, dwell);
        }
        if nulls > 0.0 {
            s.cell(a, s.n_tp + 1, nulls, 0.0, None);
        }
    }

    #[inline]
    fn edge(&mut self, a: u32, b: u32) -> &mut EdgeStats {
        self.sparse.entry((a, b)).or_default()
    }

    /// Add one journey (or `conv + nulls` identical ones).
    fn add(
        &mut self,
        tps: &[TouchpointId],
        times: Option<&[i64]>,
        end: Option<i64>,
        conv: f64,
        nulls: f64,
        value: f64,
    ) {
        if self.succ.is_some() {
            return self.add_succ(tps, times, end, conv, nulls, value);
        }
        let k = self.order;
        if k == 1 && times.is_none() && self.collapse {
            // order 1 without times (path tables): the same counts, without the state sequence
            let w = conv + nulls;
            let mut prev = START as u32;
            for t in tps {
                let s = self.state(std::slice::from_ref(t));
                if s != prev {
                    let e = self.edge(prev, s);
                    e.count += w;
                    e.value += value;
                    prev = s;
                    if let Some(r) = self.rec.as_mut() {
                        r.push(s);
                    }
                }
            }
            if conv > 0.0 {
                let e = self.edge(prev, CONVERSION as u32);
                e.count += conv;
                e.value += value;
            }
            if nulls > 0.0 {
                self.edge(prev, NULL as u32).count += nulls;
            }
            return;
        }
        let n = tps.len();
        let mut seq = std::mem::take(&mut self.buf);
        seq.clear();
        // state sequence + index of the touch that closes each state (for its time)
        let mut last_touch = std::mem::take(&mut self.tbuf);
        last_touch.clear();
        let with_times = times.is_some();
        if n <= k {
            seq.push(self.state(tps));
            last_touch.push(n - 1);
        } else {
            for i in 0..=n - k {
                let s = self.state(&tps[i..i + k]);
                if self.collapse && seq.last() == Some(&s) {
                    continue;
                }
                seq.push(s);
                if with_times {
                    last_touch.push(i + k - 1);
                }
            }
        }
        let w = conv + nulls;
        let e = self.edge(0, seq[0]);
        e.count += w;
        e.value += value;
        for i in 1..seq.len() {
            let dwell = times.map(|t| t[last_touch[i]].saturating_sub(t[last_touch[i - 1]]));
            let e = self.edge(seq[i - 1], seq[i]);
            e.count += w;
            e.value += value;
            if let Some(d) = dwell {
                e.dwell.add(d);
            }
        }
        let last = *seq.last().unwrap_or(&0);
        if conv > 0.0 {
            let dwell = match (times, end) {
                (Some(t), Some(end)) => Some(end.saturating_sub(t[*last_touch.last().unwrap_or(&0)])),
                _ => None,
            };
            let e = self.edge(last, 1);
            e.count += conv;
            e.value += value;
            if let Some(d) = dwell {
                e.dwell.add(d);
            }
        }
        if nulls > 0.0 {
            self.edge(last, 2).count += nulls;
        }
        if let Some(r) = self.rec.as_mut() {
            r.extend_from_slice(&seq);
        }
        self.buf = seq;
        self.tbuf = last_touch;
    }

    /// Add the counts of `o` (built from later rows with the same catalog): its new states are
    /// numbered after this builder's, in their order of first appearance.
    fn absorb(&mut self, o: Builder) {
        let map: Vec<u32> = [0, 1, 2].into_iter().chain(o.states.iter().map(|s| self.state(s))).collect();
        if let (Some(dst), Some(src)) = (self.succ.as_mut(), o.succ.as_ref()) {
            // a cell names the same edge in both builders (its column is the next touchpoint)
            let w = src.width();
            for (i, row) in src.cells.chunks_exact(w).enumerate() {
                let a = map[3 + i] as usize - 3;
                for (col, c) in row.iter().enumerate() {
                    let d = &mut dst.cells[a * w + col];
                    d[0] += c[0];
                    d[1] += c[1];
                }
                if src.timed {
                    dst.timed_rows();
                    for col in 0..w {
                        dst.dwell[a * w + col].merge(&src.dwell[i * w + col]);
                    }
                }
                let (d, c) = (&mut dst.start[a], src.start[i]);
                d[0] += c[0];
                d[1] += c[1];
            }
            return;
        }
        let mut add = |a: usize, b: usize, e: &EdgeStats| {
            let dst = self.edge(map[a], map[b]);
            dst.count += e.count;
            dst.value += e.value;
            dst.dwell.merge(&e.dwell);
        };
        // every key is added once, so the iteration order does not change the sums
        for (&(a, b), e) in &o.sparse {
            add(a as usize, b as usize, e);
        }
    }

    /// The edges of a successor table by node pair.
    fn succ_edges(&mut self, s: &Succ) -> Vec<((u32, u32), EdgeStats)> {
        let w = s.width();
        let stats = |i: usize, c: [f64; 2]| EdgeStats {
            count: c[0],
            value: c[1],
            dwell: s.dwell.get(i).copied().unwrap_or_default(),
        };
        let mut edges = Vec::new();
        for (i, &c) in s.start.iter().enumerate() {
            edges.push(((START as u32, 3 + i as u32), EdgeStats { count: c[0], value: c[1], ..Default::default() }));
        }
        let mut window = Vec::with_capacity(self.order);
        for i in 0..s.start.len() {
            let a = 3 + i as u32;
            for col in 0..w {
                let c = s.cells[i * w + col];
                if c[0] == 0.0 && c[1] == 0.0 {
                    continue;
                }
                let b = if col == s.n_tp {
                    CONVERSION as u32
                } else if col == s.n_tp + 1 {
                    NULL as u32
                } else {
                    let known = s.next[i * s.n_tp + col];
                    if known != u32::MAX {
                        known
                    } else {
                        // an edge merged from another chunk: the window shifted by one
                        window.clear();
                        if self.order > 1 {
                            window.extend_from_slice(&self.states[i][1..]);
                        }
                        window.push(TouchpointId(col as u32));
                        self.state(&window)
                    }
                };
                edges.push(((a, b), stats(i * w + col, c)));
            }
        }
        edges
    }

    fn finish(
        mut self,
        catalog: Catalog,
        has_times: bool,
        journeys: f64,
        conversions: f64,
        value: f64,
    ) -> JourneyGraph {
        let succ = self.succ.take();
        let mut edges: Vec<((u32, u32), EdgeStats)> = match succ {
            Some(s) => self.succ_edges(&s).into_iter().filter(|(_, e)| e.count > 0.0).collect(),
            None => std::mem::take(&mut self.sparse).into_iter().filter(|(_, e)| e.count > 0.0).collect(),
        };
        edges.sort_unstable_by_key(|(k, _)| *k);
        let totals = (journeys, conversions, value);
        JourneyGraph::from_counts(self.order, !self.collapse, catalog, &self.states, edges, has_times, totals)
    }
}

impl JourneyGraph {
    /// The graph of counted transitions: node `3 + i` is `states[i]`, edges (node pairs, sorted)
    /// with their counts; the builder and merged partials both end here.
    pub(crate) fn from_counts(
        order: usize,
        directly_follows: bool,
        catalog: Catalog,
        states: &[Box<[TouchpointId]>],
        edges: Vec<((u32, u32), EdgeStats)>,
        has_times: bool,
        (journeys, conversions, value): (f64, f64, f64),
    ) -> JourneyGraph {
        let mut g = DiGraph::with_capacity(states.len() + 3, 0);
        g.add_node(Node { kind: NodeKind::Start, label: "(start)".into() });
        g.add_node(Node { kind: NodeKind::Conversion, label: "(conversion)".into() });
        g.add_node(Node { kind: NodeKind::Null, label: "(null)".into() });
        for s in states {
            let label = s.iter().map(|&t| catalog.name(t).unwrap_or("?")).collect::<Vec<_>>().join(" > ");
            g.add_node(Node { kind: NodeKind::State(s.to_vec()), label });
        }
        g.reserve_edges(edges.len());
        for ((a, b), e) in edges {
            g.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), e);
        }
        JourneyGraph {
            order,
            catalog,
            graph: g,
            has_times,
            journeys,
            conversions,
            value,
            directly_follows,
            analysis: Default::default(),
            node_analysis: Default::default(),
        }
    }
}

impl JourneyGraph {
    /// Build the order-`order` graph from journeys (with dwell times).
    pub fn from_journeys(journeys: &Journeys, order: usize) -> Result<Self> {
        Self::from_data(Data::Journeys(journeys), order, None)
    }

    /// Build the order-`order` graph from a path table (no dwell times).
    pub fn from_paths(paths: &PathTable, order: usize) -> Result<Self> {
        Self::from_data(Data::Paths(paths), order, None)
    }

    /// Build from either input, keeping at most the `max_touches` most recent touches of each
    /// journey.
    pub fn from_data(data: Data<'_>, order: usize, max_touches: Option<usize>) -> Result<Self> {
        Self::build(data, order, max_touches, true)
    }

    fn build(data: Data<'_>, order: usize, max_touches: Option<usize>, collapse: bool) -> Result<Self> {
        if data.is_empty() {
            return Err(Error::EmptyInput { what: data.what(), hint: "journey or path row" });
        }
        let catalog = data.catalog();
        let mut proto = Builder::new(order, catalog.len())?;
        proto.collapse = collapse;
        // Chunks of rows are counted in parallel and merged in row order: states keep their
        // order of first appearance and the sums their fixed grouping (chunking depends on the
        // data size only), so the graph does not depend on the thread count. Few, large chunks:
        // merging sparse high-order builders costs about as much as filling them.
        let chunk = match force_chunk() {
            0 => (data.len().div_ceil(4)).max(1 << 16),
            n => n,
        };
        let parts = data.map_chunks(chunk, |range| {
            let mut b = proto.clone();
            let mut totals = [0.0; 3];
            for r in data.rows_in(range, max_touches) {
                if r.conversions + r.nulls > 0.0 && !r.touchpoints.is_empty() {
                    b.add(r.touchpoints, r.times, r.end_time, r.conversions, r.nulls, r.value);
                    totals[0] += r.conversions + r.nulls;
                    totals[1] += r.conversions;
                    totals[2] += r.value;
                }
            }
            (b, totals)
        });
        let merge = |(mut a, ta): (Builder, [f64; 3]), (b, tb): (Builder, [f64; 3])| {
            a.absorb(b);
            (a, [ta[0] + tb[0], ta[1] + tb[1], ta[2] + tb[2]])
        };
        let (b, [n, c, v]) = crate::totals::tree_reduce(parts, true, &merge)
            .ok_or(Error::EmptyInput { what: data.what(), hint: "journey or path row" })?;
        Ok(b.finish(catalog.clone(), data.has_times(), n, c, v))
    }

    /// The directly-follows graph of journeys: like the order-1 graph, but consecutive repeats
    /// of a touchpoint are kept as self-loops (`A > A` counts one `A → A` transition with its
    /// dwell time), which is what process-mining tools count. Its Markov analysis is valid too.
    ///
    /// ```
    /// let mut p = touchpoint_core::PathTable::default();
    /// p.add_path_str("a > a > b", ">", 1.0, 0.0, 0.0)?;
    /// let g = touchpoint_core::JourneyGraph::directly_follows(touchpoint_core::Data::Paths(&p), None)?;
    /// assert!(g.transitions().iter().any(|t| t.source_label == "a" && t.target_label == "a"));
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn directly_follows(data: Data<'_>, max_touches: Option<usize>) -> Result<Self> {
        Self::build(data, 1, max_touches, false)
    }

    /// Markov order.
    pub fn order(&self) -> usize {
        self.order
    }

    /// Whether this is a directly-follows graph ([`JourneyGraph::directly_follows`]).
    pub fn is_directly_follows(&self) -> bool {
        self.directly_follows
    }

    /// The analysis if it was computed or loaded already (no solve).
    pub fn cached_analysis(&self) -> Option<&GraphAnalysis> {
        self.analysis.get()
    }

    /// The exact analysis ([`JourneyGraph::analyze`]), computed on first use and kept (a loaded
    /// graph brings the one it was saved with). Shareable across threads.
    pub fn analysis(&self) -> Result<&GraphAnalysis> {
        if let Some(a) = self.analysis.get() {
            return Ok(a);
        }
        let a = self.analyze()?;
        Ok(self.analysis.get_or_init(|| a))
    }

    /// The analysis without the removal effects (`removal_effects` is empty): P(conversion),
    /// expected value and time, and every node's figures, for what needs no more (the node
    /// table, scoring). The removal effects cost a solve per touchpoint at higher orders and
    /// the diagonal of `N` at order 1, so they are left to [`JourneyGraph::analysis`] and
    /// [`JourneyGraph::removal_effects`], computed when asked for. Computed on first use and
    /// kept; the full analysis when that was computed or loaded already.
    pub fn node_analysis(&self) -> Result<&GraphAnalysis> {
        if let Some(a) = self.analysis.get().or_else(|| self.node_analysis.get()) {
            return Ok(a);
        }
        let a = self.analyze_with(false)?;
        Ok(self.node_analysis.get_or_init(|| a))
    }

    /// The touchpoint catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The underlying petgraph graph. Node 0 is `Start`, 1 `Conversion`, 2 `Null`; states follow.
    pub fn graph(&self) -> &DiGraph<Node, EdgeStats> {
        &self.graph
    }

    /// Whether edges carry dwell times (graphs built from journeys do).
    pub fn has_times(&self) -> bool {
        self.has_times
    }

    /// Weighted number of journeys.
    pub fn total_journeys(&self) -> f64 {
        self.journeys
    }

    /// Weighted number of conversions.
    pub fn total_conversions(&self) -> f64 {
        self.conversions
    }

    /// Total conversion value.
    pub fn total_value(&self) -> f64 {
        self.value
    }

    /// Number of transient states (touchpoint windows), excluding Start/Conversion/Null.
    pub fn state_count(&self) -> usize {
        self.graph.node_count() - 3
    }

    /// Node of a state given by touchpoint names (a window of up to `order` names).
    pub fn find_state(&self, names: &[&str]) -> Option<NodeIndex> {
        let ids: Option<Vec<TouchpointId>> = names.iter().map(|n| self.catalog.get(n)).collect();
        let ids = ids?;
        self.graph.node_indices().find(|&i| matches!(&self.graph[i].kind, NodeKind::State(s) if *s == ids))
    }

    /// Weighted out-count of a node (sum of its edge counts).
    pub fn out_count(&self, n: NodeIndex) -> f64 {
        self.graph.edges(n).map(|e| e.weight().count).sum()
    }

    /// Transition probability of an edge.
    pub fn probability(&self, e: EdgeIndex) -> f64 {
        let Some((a, _)) = self.graph.edge_endpoints(e) else { return 0.0 };
        let out = self.out_count(a);
        if out > 0.0 { self.graph[e].count / out } else { 0.0 }
    }

    /// All transitions: `(source, target, labels, probability, stats)`, in edge order.
    pub fn transitions(&self) -> Vec<Transition<'_>> {
        let out: Vec<f64> = self.graph.node_indices().map(|n| self.out_count(n)).collect();
        self.graph
            .edge_references()
            .map(|e| Transition {
                source: e.source(),
                target: e.target(),
                source_label: &self.graph[e.source()].label,
                target_label: &self.graph[e.target()].label,
                probability: e.weight().count / out[e.source().index()],
                stats: e.weight(),
            })
            .collect()
    }

    /// Merge another graph of the same order (touchpoints matched by name): equals building from
    /// the union of both inputs.
    pub fn merge(&self, other: &JourneyGraph) -> Result<JourneyGraph> {
        if self.order != other.order {
            return Err(Error::option(
                "order",
                other.order,
                format!("cannot merge graphs of orders {} and {}", self.order, other.order),
            ));
        }
        let mut catalog = self.catalog.clone();
        let remap = catalog.absorb(&other.catalog);
        let mut b = Builder::new(self.order, catalog.len())?;
        b.collapse = !self.directly_follows;
        b.succ = None; // ids differ between the inputs: use the sparse accumulator
        let add_graph = |g: &JourneyGraph, map: &dyn Fn(TouchpointId) -> TouchpointId, b: &mut Builder| {
            let mut node_map = vec![0u32, 1, 2];
            for i in g.graph.node_indices().skip(3) {
                if let NodeKind::State(s) = &g.graph[i].kind {
                    let w: Vec<TouchpointId> = s.iter().map(|&t| map(t)).collect();
                    node_map.push(b.state(&w));
                }
            }
            for e in g.graph.edge_references() {
                let (a, c) = (node_map[e.source().index()], node_map[e.target().index()]);
                let dst = b.edge(a, c);
                dst.count += e.weight().count;
                dst.value += e.weight().value;
                dst.dwell.merge(&e.weight().dwell);
            }
        };
        add_graph(self, &|t| t, &mut b);
        add_graph(other, &|t| remap[t.index()], &mut b);
        Ok(b.finish(
            catalog,
            self.has_times && other.has_times,
            self.journeys + other.journeys,
            self.conversions + other.conversions,
            self.value + other.value,
        ))
    }
}

/// One transition of [`JourneyGraph::transitions`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition<'a> {
    /// Source node.
    pub source: NodeIndex,
    /// Target node.
    pub target: NodeIndex,
    /// Source label.
    pub source_label: &'a str,
    /// Target label.
    pub target_label: &'a str,
    /// Transition probability.
    pub probability: f64,
    /// Count, value, dwell.
    pub stats: &'a EdgeStats,
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use proptest::prelude::*;

    use super::JourneyGraph;
    use crate::data::Data;
    use crate::demo;
    use crate::journey::{JourneyOptions, Journeys};

    thread_local! {
        /// Build with hash maps of states and edges even when arrays would do.
        pub(super) static FORCE_MAPS: Cell<bool> = const { Cell::new(false) };
        /// Rows per chunk of the parallel build (0: by the data size).
        pub(super) static FORCE_CHUNK: Cell<usize> = const { Cell::new(0) };
    }

    /// How a test builds: the representation chosen by size, or hash maps.
    #[derive(Clone, Copy, Debug)]
    enum Repr {
        BySize,
        Maps,
    }

    fn build(data: Data<'_>, order: usize, collapse: bool, repr: Repr, chunk: usize) -> JourneyGraph {
        FORCE_MAPS.with(|c| c.set(matches!(repr, Repr::Maps)));
        FORCE_CHUNK.with(|c| c.set(chunk));
        let g = if collapse {
            JourneyGraph::from_data(data, order, None)
        } else {
            JourneyGraph::directly_follows(data, None)
        };
        FORCE_MAPS.with(|c| c.set(false));
        FORCE_CHUNK.with(|c| c.set(0));
        g.unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// The array representations (the successor table, direct state lookup) and the hash
        /// maps give the same graph: same states in the same order, same counts,
        /// values and dwell times; in one chunk and in many merged ones.
        #[test]
        fn arrays_and_maps_build_the_same_graph(rows in 20usize..300, seed in 0u64..1000, tps in 2usize..12, chunk in 0usize..40) {
            let paths = demo::paths(rows, tps, seed).unwrap();
            let events = demo::events(&demo::DemoOptions { customers: rows, seed, ..Default::default() }).unwrap();
            let (journeys, _) = Journeys::build(&events, &JourneyOptions::default()).unwrap();
            for data in [Data::Paths(&paths), Data::Journeys(&journeys)] {
                for (order, collapse) in [(1, true), (1, false), (2, true), (3, true), (4, true)] {
                    let a = build(data, order, collapse, Repr::BySize, chunk);
                    {
                        let repr = Repr::Maps;
                        let b = build(data, order, collapse, repr, chunk);
                        let (ta, tb) = (a.transitions(), b.transitions());
                        prop_assert_eq!(ta.len(), tb.len(), "{:?} order {} collapse {}", repr, order, collapse);
                        for (x, y) in ta.iter().zip(&tb) {
                            prop_assert_eq!((x.source, x.target, x.source_label, x.target_label), (y.source, y.target, y.source_label, y.target_label));
                            prop_assert_eq!(x.stats, y.stats);
                        }
                    }
                }
            }
        }
    }
}
