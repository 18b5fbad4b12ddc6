//! Journey graphs to and from bytes.
//!
//! Payload: order, flags, totals, catalog, the state windows in node order, the edges in edge
//! order (so petgraph's adjacency lists, and with them every iteration order and float sum, are
//! rebuilt as they were), then the analysis.

use std::path::Path;

use petgraph::visit::EdgeRef;

use super::codec::{self, Reader, Writer};
use super::{ModelKind, fingerprint_names, payload, read_catalog, read_file, write_catalog, write_file};
use crate::catalog::TouchpointId;
use crate::error::Result;
use crate::graph::{
    DiGraph, DwellStats, EdgeStats, GraphAnalysis, JourneyGraph, MAX_ORDER, Node, NodeIndex, NodeKind, NodeMetrics,
    RemovalEffect,
};
use crate::named::Named;

const WHAT: &str = "journey graph";

impl JourneyGraph {
    /// Fingerprint of what the graph was built with: order, kind (Markov or directly-follows),
    /// whether it has times, and the touchpoint vocabulary.
    pub fn fingerprint(&self) -> u64 {
        let mut h = codec::fnv1a(codec::FNV_OFFSET, &ModelKind::JourneyGraph.code().to_le_bytes());
        h = codec::fnv1a(h, &(self.order as u64).to_le_bytes());
        h = codec::fnv1a(h, &[self.directly_follows as u8, self.has_times as u8]);
        fingerprint_names(h, &self.catalog)
    }

    /// The graph and its analysis as bytes (see [`saved`](crate::saved)). Computes the analysis
    /// first if it was not yet, so that loading never solves anything.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let analysis = self.analysis()?;
        let mut w = Writer::default();
        w.usize(self.order);
        w.bool(self.directly_follows);
        w.bool(self.has_times);
        w.f64(self.journeys);
        w.f64(self.conversions);
        w.f64(self.value);
        write_catalog(&mut w, &self.catalog);
        w.usize(self.graph.node_count() - 3);
        for n in self.graph.node_indices().skip(3) {
            match &self.graph[n].kind {
                NodeKind::State(s) => w.u32s(&s.iter().map(|t| t.0).collect::<Vec<_>>()),
                _ => w.u32s(&[]),
            }
        }
        w.usize(self.graph.edge_count());
        for e in self.graph.edge_references() {
            let s = e.weight();
            w.u32(e.source().index() as u32);
            w.u32(e.target().index() as u32);
            w.f64(s.count);
            w.f64(s.value);
            w.u64(s.dwell.count);
            w.f64(s.dwell.sum);
            w.f64(s.dwell.sum_sq);
            w.i64(s.dwell.min);
            w.i64(s.dwell.max);
        }
        write_analysis(&mut w, analysis);
        Ok(codec::seal(ModelKind::JourneyGraph, self.fingerprint(), &w.buf))
    }

    /// Load a graph saved by [`JourneyGraph::to_bytes`]. Truncated, damaged, newer-format or
    /// other-kind input is an [`Error::ModelFile`](crate::Error::ModelFile).
    pub fn from_bytes(bytes: &[u8]) -> Result<JourneyGraph> {
        let (mut r, fingerprint) = payload(bytes, ModelKind::JourneyGraph, WHAT)?;
        let order = r.usize()?;
        if order == 0 || order > MAX_ORDER {
            return Err(r.error(format!("a Markov order of {order} (1..={MAX_ORDER} are valid)")));
        }
        let directly_follows = r.bool()?;
        let has_times = r.bool()?;
        let (journeys, conversions, value) = (r.f64()?, r.f64()?, r.f64()?);
        let catalog = read_catalog(&mut r)?;
        let n_states = r.count(8)?;
        let mut g: DiGraph<Node, EdgeStats> = DiGraph::with_capacity(n_states + 3, 0);
        g.add_node(Node { kind: NodeKind::Start, label: "(start)".into() });
        g.add_node(Node { kind: NodeKind::Conversion, label: "(conversion)".into() });
        g.add_node(Node { kind: NodeKind::Null, label: "(null)".into() });
        for _ in 0..n_states {
            let ids = r.u32s()?;
            if ids.is_empty() || ids.len() > order {
                return Err(r.error(format!("a state of {} touchpoints in an order-{order} graph", ids.len())));
            }
            let mut names = Vec::with_capacity(ids.len());
            for &t in &ids {
                names.push(catalog.name(TouchpointId(t)).ok_or_else(|| {
                    r.error(format!("touchpoint id {t} outside the catalog of {} touchpoints", catalog.len()))
                })?);
            }
            let label = names.join(" > ");
            g.add_node(Node { kind: NodeKind::State(ids.into_iter().map(TouchpointId).collect()), label });
        }
        let n_edges = r.count(4 + 4 + 8 * 7)?;
        g.reserve_edges(n_edges);
        let n_nodes = g.node_count() as u32;
        for _ in 0..n_edges {
            let (a, b) = (r.u32()?, r.u32()?);
            if a >= n_nodes || b >= n_nodes {
                return Err(r.error(format!("an edge {a} → {b} between nodes that do not exist ({n_nodes} nodes)")));
            }
            let stats = EdgeStats {
                count: r.f64()?,
                value: r.f64()?,
                dwell: DwellStats { count: r.u64()?, sum: r.f64()?, sum_sq: r.f64()?, min: r.i64()?, max: r.i64()? },
            };
            g.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), stats);
        }
        let analysis = read_analysis(&mut r, &g, &catalog)?;
        r.finish()?;
        let out = JourneyGraph {
            order,
            catalog,
            graph: g,
            has_times,
            journeys,
            conversions,
            value,
            directly_follows,
            analysis: analysis.into(),
            node_analysis: Default::default(),
        };
        if out.fingerprint() != fingerprint {
            return Err(crate::Error::ModelFile {
                what: WHAT,
                offset: 16,
                problem: "the fingerprint in the header does not match the graph (the file was altered)".into(),
            });
        }
        Ok(out)
    }

    /// Save to a file (written to a temporary file and renamed into place).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_bytes()?)
    }

    /// Load a file written by [`JourneyGraph::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<JourneyGraph> {
        Self::from_bytes(&read_file(path.as_ref())?)
    }
}

fn write_analysis(w: &mut Writer, a: &GraphAnalysis) {
    w.f64(a.conversion_probability);
    w.f64(a.expected_value);
    w.opt_f64(a.expected_time_to_convert_ms);
    w.usize(a.nodes.len());
    for n in &a.nodes {
        w.usize(n.node);
        w.f64(n.visits);
        w.f64(n.expected_visits);
        w.f64(n.conversion_probability);
        w.f64(n.dropoff_rate);
        w.f64(n.direct_conversion_rate);
        w.opt_f64(n.expected_time_to_convert_ms);
    }
    w.usize(a.removal_effects.len());
    for e in &a.removal_effects {
        w.u32(e.touchpoint.0);
        w.f64(e.conversions);
        w.f64(e.value);
        w.f64(e.conversion_probability_without);
    }
}

fn read_analysis(r: &mut Reader<'_>, g: &DiGraph<Node, EdgeStats>, catalog: &crate::Catalog) -> Result<GraphAnalysis> {
    let conversion_probability = r.f64()?;
    let expected_value = r.f64()?;
    let expected_time_to_convert_ms = r.opt_f64()?;
    let n = r.count(8 * 6 + 1)?;
    let mut nodes = Vec::with_capacity(n);
    for _ in 0..n {
        let node = r.usize()?;
        let label = g
            .node_weight(NodeIndex::new(node))
            .map(|x| x.label.clone())
            .ok_or_else(|| r.error(format!("analysis of node {node}, which does not exist")))?;
        nodes.push(NodeMetrics {
            node,
            label,
            visits: r.f64()?,
            expected_visits: r.f64()?,
            conversion_probability: r.f64()?,
            dropoff_rate: r.f64()?,
            direct_conversion_rate: r.f64()?,
            expected_time_to_convert_ms: r.opt_f64()?,
        });
    }
    let n = r.count(4 + 8 * 3)?;
    let mut removal_effects = Vec::with_capacity(n);
    for _ in 0..n {
        let t = r.u32()?;
        let name = catalog
            .name(TouchpointId(t))
            .ok_or_else(|| r.error(format!("a removal effect of touchpoint id {t}, outside the catalog")))?
            .to_owned();
        removal_effects.push(RemovalEffect {
            touchpoint: TouchpointId(t),
            name,
            conversions: r.f64()?,
            value: r.f64()?,
            conversion_probability_without: r.f64()?,
        });
    }
    Ok(GraphAnalysis { conversion_probability, expected_value, expected_time_to_convert_ms, nodes, removal_effects })
}
