//! Exports of the journey graph: Graphviz DOT and JSON node-link.

use std::fmt::Write as _;

use petgraph::visit::EdgeRef;

use super::{JourneyGraph, NodeKind};

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

impl JourneyGraph {
    /// Graphviz DOT: nodes labelled with their visits, edges with probability and count; pen
    /// width grows with the probability. Render with `dot -Tsvg`.
    ///
    /// ```
    /// let mut p = touchpoint_core::PathTable::default();
    /// p.add_path_str("ad > site", ">", 1.0, 1.0, 0.0)?;
    /// let dot = touchpoint_core::JourneyGraph::from_paths(&p, 1)?.to_dot();
    /// assert!(dot.starts_with("digraph journeys {"));
    /// assert!(dot.contains("\"ad\" -> \"site\""));
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn to_dot(&self) -> String {
        let mut s = String::from(
            "digraph journeys {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n",
        );
        let visits = self.observed_visits();
        for n in self.graph.node_indices() {
            let node = &self.graph[n];
            let (shape, color) = match node.kind {
                NodeKind::Start => ("circle", "gray40"),
                NodeKind::Conversion => ("doublecircle", "forestgreen"),
                NodeKind::Null => ("doublecircle", "firebrick"),
                NodeKind::State(_) => ("box", "steelblue"),
            };
            let _ = writeln!(
                s,
                "  \"{}\" [shape={shape}, color={color}, label=\"{}\\n{}\"];",
                dot_escape(&node.label),
                dot_escape(&node.label),
                fmt_count(visits[n.index()])
            );
        }
        for e in self.graph.edge_references() {
            let p = e.weight().count / self.out_count(e.source());
            let _ = writeln!(
                s,
                "  \"{}\" -> \"{}\" [label=\"{:.1}% ({})\", penwidth={:.2}];",
                dot_escape(&self.graph[e.source()].label),
                dot_escape(&self.graph[e.target()].label),
                100.0 * p,
                fmt_count(e.weight().count),
                0.5 + 4.5 * p
            );
        }
        s.push_str("}\n");
        s
    }

    /// JSON node-link document (`{"directed": true, "multigraph": false, "graph": {...},
    /// "nodes": [...], "links": [...]}`), readable by `networkx.node_link_graph(data,
    /// edges="links")` and by d3. Node ids are the node indices.
    #[cfg(feature = "serde")]
    pub fn to_json(&self) -> String {
        use serde_json::json;
        let visits = self.observed_visits();
        let nodes: Vec<_> = self
            .graph
            .node_indices()
            .map(|n| {
                let node = &self.graph[n];
                let (kind, tps) = match &node.kind {
                    NodeKind::Start => ("start", vec![]),
                    NodeKind::Conversion => ("conversion", vec![]),
                    NodeKind::Null => ("null", vec![]),
                    NodeKind::State(s) => ("state", s.iter().map(|&t| self.catalog.name(t).unwrap_or("?")).collect()),
                };
                json!({"id": n.index(), "label": node.label, "kind": kind, "touchpoints": tps, "visits": visits[n.index()]})
            })
            .collect();
        let links: Vec<_> = self
            .graph
            .edge_references()
            .map(|e| {
                let w = e.weight();
                json!({
                    "source": e.source().index(),
                    "target": e.target().index(),
                    "count": w.count,
                    "probability": w.count / self.out_count(e.source()),
                    "value": w.value,
                    "dwell_count": w.dwell.count,
                    "dwell_mean_ms": w.dwell.mean(),
                    "dwell_std_ms": w.dwell.std_dev(),
                    "dwell_min_ms": (w.dwell.count > 0).then_some(w.dwell.min),
                    "dwell_max_ms": (w.dwell.count > 0).then_some(w.dwell.max),
                })
            })
            .collect();
        let doc = json!({
            "directed": true,
            "multigraph": false,
            "graph": {"order": self.order, "journeys": self.journeys, "conversions": self.conversions, "value": self.value},
            "nodes": nodes,
            "links": links,
        });
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }
}

/// Counts print as integers when they are whole.
pub(crate) fn fmt_count(c: f64) -> String {
    if c.fract() == 0.0 && c.abs() < 1e15 { format!("{}", c as i64) } else { format!("{c:.2}") }
}
