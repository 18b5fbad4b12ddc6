//! What to offer next: rank allowed next touchpoints from a journey's current state, and the
//! most probable routes to a conversion.
//!
//! **The estimates are associational.** They say how often customers who *happened* to reach a
//! state went on to convert, not what an intervention would cause: customers who reach the store
//! may have been likelier buyers anyway. Use them to shortlist actions, and test those actions
//! (holdouts, A/B tests) before trusting the numbers.
//!
//! ```
//! use touchpoint_core::{JourneyGraph, PathTable, optimize::{next_best, Candidate}};
//! let mut p = PathTable::default();
//! p.add_path_str("ad > email > store", ">", 8.0, 2.0, 800.0)?;
//! p.add_path_str("ad > site", ">", 2.0, 8.0, 100.0)?;
//! let g = JourneyGraph::from_paths(&p, 1)?;
//! let r = next_best(&g, &["ad"], &[Candidate::new("email", 0.1), Candidate::new("site", 0.0)])?;
//! assert_eq!(r.rows[0].touchpoint, "email");
//! assert!((r.rows[0].conversion_probability.unwrap() - 0.8).abs() < 1e-12);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use petgraph::visit::EdgeRef;

use crate::catalog::TouchpointId;
use crate::error::{Error, Result};
use crate::graph::absorbing::Chain;
use crate::graph::{CONVERSION, JourneyGraph, NULL, NodeIndex, NodeKind};

/// An allowed next touchpoint and the cost of one touch.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Touchpoint name.
    pub touchpoint: String,
    /// Cost of one touch (same currency as conversion values).
    pub cost: f64,
}

impl Candidate {
    /// A candidate.
    pub fn new(touchpoint: impl Into<String>, cost: f64) -> Self {
        Self { touchpoint: touchpoint.into(), cost }
    }
}

crate::row_struct! {
    /// One ranked candidate.
    #[derive(Clone, PartialEq)]
    pub struct NextBestRow {
        /// The candidate touchpoint.
        pub touchpoint: String,
        /// The state the journey would be in after it.
        pub next_state: String,
        /// Whether that state was ever observed (no estimate otherwise).
        pub observed: bool,
        /// How often customers in the current state went there next (observed frequency).
        pub observed_share: f64,
        /// P(conversion) from the next state.
        pub conversion_probability: Option<f64>,
        /// Conversion probability − that of staying on the current course.
        pub uplift: Option<f64>,
        /// Expected conversion value from the next state.
        pub expected_value: Option<f64>,
        /// Cost of the touch.
        pub cost: f64,
        /// Expected value − cost.
        pub net_value: Option<f64>,
    }
}

/// The ranking of [`next_best`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NextBest {
    /// The current state's label (`(start)` for an empty journey).
    pub current_state: String,
    /// P(conversion) from the current state as things are.
    pub current_probability: f64,
    /// Candidates, best first (by conversion probability, then net value; unobserved last).
    pub rows: Vec<NextBestRow>,
}

/// The state a journey is in after `tps` (DESIGN §4 convention; `None` for an empty journey).
fn state_of(order: usize, tps: &[TouchpointId]) -> Option<Vec<TouchpointId>> {
    if tps.is_empty() {
        return None;
    }
    let n = tps.len();
    Some(if n <= order { tps.to_vec() } else { tps[n - order..].to_vec() })
}

fn find_node(graph: &JourneyGraph, state: &Option<Vec<TouchpointId>>) -> Option<NodeIndex> {
    match state {
        None => Some(NodeIndex::new(crate::graph::START)),
        Some(w) => {
            graph.graph().node_indices().find(|&i| matches!(&graph.graph()[i].kind, NodeKind::State(s) if s == w))
        }
    }
}

/// Rank the allowed next touchpoints for a journey whose touches so far are `partial` (only the
/// last `order` matter). Unknown touchpoint names are an error; known ones whose next state was
/// never observed are listed last with no estimate.
pub fn next_best(graph: &JourneyGraph, partial: &[&str], candidates: &[Candidate]) -> Result<NextBest> {
    if candidates.is_empty() {
        return Err(Error::option("candidates", "[]", "name at least one allowed next touchpoint"));
    }
    let cat = graph.catalog();
    let ids: Vec<TouchpointId> = partial.iter().map(|n| cat.require(n)).collect::<Result<_>>()?;
    let current = state_of(graph.order(), &ids);
    let cur_node = find_node(graph, &current).ok_or_else(|| Error::ModelNotApplicable {
        model: "next_best".into(),
        reason: format!(
            "the journey state {:?} was never observed in the data, so nothing can be estimated from it",
            partial
        ),
    })?;
    let c = Chain::new(graph);
    let b = c.solve_backward(&c.r_conv, None)?;
    let bv = c.solve_backward(&c.r_value, None)?;
    let at = |n: NodeIndex| c.pos.get(n.index()).copied().filter(|&p| p != u32::MAX).map(|p| p as usize);
    let cur_t = at(cur_node).unwrap_or(0);
    let out_total = graph.out_count(cur_node);
    let mut rows = Vec::with_capacity(candidates.len());
    for cand in candidates {
        if !cand.cost.is_finite() || cand.cost < 0.0 {
            return Err(Error::invalid(
                "cost",
                crate::error::Location::Row(rows.len()),
                cand.cost.to_string(),
                "costs must be finite and >= 0",
            ));
        }
        let id = cat.require(&cand.touchpoint)?;
        let mut next_tps = ids.clone();
        next_tps.push(id);
        let next = state_of(graph.order(), &next_tps);
        let node = find_node(graph, &next);
        let label = next
            .as_ref()
            .map(|w| w.iter().map(|&t| cat.name(t).unwrap_or("?")).collect::<Vec<_>>().join(" > "))
            .unwrap_or_default();
        let share = node
            .and_then(|n| graph.graph().find_edge(cur_node, n))
            .map(|e| if out_total > 0.0 { graph.graph()[e].count / out_total } else { 0.0 })
            .unwrap_or(0.0);
        let t = node.and_then(at);
        let (p, ev) = match t {
            Some(t) => (Some(b[t]), Some(bv[t])),
            None => (None, None),
        };
        rows.push(NextBestRow {
            touchpoint: cand.touchpoint.clone(),
            next_state: label,
            observed: t.is_some(),
            observed_share: share,
            conversion_probability: p,
            expected_value: ev,
            cost: cand.cost,
            net_value: ev.map(|v| v - cand.cost),
            uplift: p.map(|p| p - b[cur_t]),
        });
    }
    rows.sort_by(|x, y| match (x.conversion_probability, y.conversion_probability) {
        (Some(a), Some(b)) => b
            .total_cmp(&a)
            .then(y.net_value.unwrap_or(0.0).total_cmp(&x.net_value.unwrap_or(0.0)))
            .then_with(|| x.touchpoint.cmp(&y.touchpoint)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => x.touchpoint.cmp(&y.touchpoint),
    });
    Ok(NextBest { current_state: graph.graph()[cur_node].label.clone(), current_probability: b[cur_t], rows })
}

/// A route to conversion and its probability.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ConvertingPath {
    /// State labels from the first state after the start point to the last before conversion.
    pub states: Vec<String>,
    /// Product of the transition probabilities, ending in conversion.
    pub probability: f64,
}

crate::row_struct! {
    /// A row of [`ConvertingPath::table`]: a ranked route to conversion.
    #[derive(Clone, PartialEq)]
    pub struct ConvertingPathRow {
        /// Rank, 1-based (most probable first).
        pub rank: usize,
        /// The states joined with `" > "`; `"(conversion)"` for the route that converts
        /// straight from where the journey stands.
        pub path: String,
        /// Number of states on the route.
        pub steps: usize,
        /// Product of the transition probabilities, ending in conversion.
        pub probability: f64,
    }
}

impl ConvertingPath {
    /// Ranked routes as table rows (the routes' order is their rank).
    pub fn table(paths: &[ConvertingPath]) -> Vec<ConvertingPathRow> {
        paths
            .iter()
            .enumerate()
            .map(|(i, p)| ConvertingPathRow {
                rank: i + 1,
                path: if p.states.is_empty() { "(conversion)".to_owned() } else { p.states.join(" > ") },
                steps: p.states.len(),
                probability: p.probability,
            })
            .collect()
    }
}

#[derive(PartialEq)]
struct Walk {
    cost: f64,
    nodes: Vec<NodeIndex>,
}

impl Eq for Walk {}

impl Ord for Walk {
    fn cmp(&self, other: &Self) -> Ordering {
        other.cost.total_cmp(&self.cost).then_with(|| other.nodes.len().cmp(&self.nodes.len()))
    }
}

impl PartialOrd for Walk {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The `k` most probable routes from the state after `partial` (the start for an empty slice) to
/// a conversion, of at most `max_len` further states: shortest walks on `−log p`, best first.
/// The first one is the single most probable converting path (petgraph's A* finds the same).
/// `max_len` has no upper bound: a huge value (`usize::MAX`) means "no length limit" (the search
/// still stops after a million expanded walks).
pub fn converting_paths(
    graph: &JourneyGraph,
    partial: &[&str],
    k: usize,
    max_len: usize,
) -> Result<Vec<ConvertingPath>> {
    let cat = graph.catalog();
    let ids: Vec<TouchpointId> = partial.iter().map(|n| cat.require(n)).collect::<Result<_>>()?;
    let from = find_node(graph, &state_of(graph.order(), &ids)).ok_or_else(|| Error::ModelNotApplicable {
        model: "converting_paths".into(),
        reason: format!("the journey state {partial:?} was never observed"),
    })?;
    let g = graph.graph();
    let out: Vec<f64> = g.node_indices().map(|n| graph.out_count(n)).collect();
    let mut heap = BinaryHeap::new();
    heap.push(Walk { cost: 0.0, nodes: vec![from] });
    let mut found = Vec::new();
    let mut pops = 0usize;
    while let Some(w) = heap.pop() {
        pops += 1;
        if found.len() >= k || pops > 1_000_000 {
            break;
        }
        let last = *w.nodes.last().unwrap_or(&from);
        if last.index() == CONVERSION {
            let states = w.nodes[1..w.nodes.len() - 1].iter().map(|&n| g[n].label.clone()).collect();
            found.push(ConvertingPath { states, probability: (-w.cost).exp() });
            continue;
        }
        if w.nodes.len() > max_len.saturating_add(1) {
            continue;
        }
        for e in g.edges(last) {
            if e.target().index() == NULL || out[last.index()] <= 0.0 {
                continue;
            }
            let p = e.weight().count / out[last.index()];
            let mut nodes = w.nodes.clone();
            nodes.push(e.target());
            heap.push(Walk { cost: w.cost - p.ln(), nodes });
        }
    }
    Ok(found)
}

/// The single most probable converting path from the start, by petgraph's A* on `−log p`.
pub fn most_probable_converting_path(graph: &JourneyGraph) -> Option<ConvertingPath> {
    let g = graph.graph();
    let out: Vec<f64> = g.node_indices().map(|n| graph.out_count(n)).collect();
    let (cost, nodes) = petgraph::algo::astar(
        g,
        NodeIndex::new(crate::graph::START),
        |n| n.index() == CONVERSION,
        |e| {
            let o = out[e.source().index()];
            if o > 0.0 && e.target().index() != NULL { -(e.weight().count / o).ln() } else { f64::INFINITY }
        },
        |_| 0.0,
    )?;
    let states = nodes[1..nodes.len() - 1].iter().map(|&n| g[n].label.clone()).collect();
    Some(ConvertingPath { states, probability: (-cost).exp() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::PathTable;

    fn e1() -> JourneyGraph {
        let mut p = PathTable::default();
        p.add_path_str("C1 > C2 > C3", ">", 1.0, 0.0, 0.0).unwrap();
        p.add_path_str("C1", ">", 0.0, 1.0, 0.0).unwrap();
        p.add_path_str("C2 > C3", ">", 0.0, 1.0, 0.0).unwrap();
        JourneyGraph::from_paths(&p, 1).unwrap()
    }

    #[test]
    fn converting_paths_in_order_of_probability() {
        let g = e1();
        let paths = converting_paths(&g, &[], 5, 10).unwrap();
        // start→C1→C2→C3→conv: 2/3·1/2·1·1/2 = 1/6; start→C2→C3→conv: 1/3·1·1/2 = 1/6
        assert_eq!(paths.len(), 2);
        assert!((paths[0].probability - 1.0 / 6.0).abs() < 1e-12);
        assert!((paths[1].probability - 1.0 / 6.0).abs() < 1e-12);
        let total: f64 = paths.iter().map(|p| p.probability).sum();
        assert!((total - g.conversion_probability().unwrap()).abs() < 1e-12, "acyclic: the walks are all of them");
        let best = most_probable_converting_path(&g).unwrap();
        assert!((best.probability - 1.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn huge_max_len_means_no_limit() {
        let g = e1();
        let all = converting_paths(&g, &[], 5, 10).unwrap();
        assert_eq!(converting_paths(&g, &[], 5, usize::MAX).unwrap(), all);
        assert_eq!(converting_paths(&g, &[], 5, usize::MAX - 1).unwrap(), all);
    }

    #[test]
    fn next_best_from_a_state() {
        let g = e1();
        let r = next_best(&g, &["C1"], &[Candidate::new("C2", 1.0), Candidate::new("C3", 0.0)]).unwrap();
        assert_eq!(r.current_state, "C1");
        assert!((r.current_probability - 0.25).abs() < 1e-12);
        assert_eq!(r.rows[0].touchpoint, "C3"); // C3 converts half the time; C2 leads to C3
        assert!((r.rows[0].conversion_probability.unwrap() - 0.5).abs() < 1e-12);
        assert!((r.rows[1].observed_share - 0.5).abs() < 1e-12);
        assert!(next_best(&g, &["nope"], &[Candidate::new("C2", 0.0)]).is_err());
    }
}
