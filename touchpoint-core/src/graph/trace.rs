//! The edges each data row walks, so that bootstrap resamples rebuild the graph's counts by
//! reweighting rows instead of re-walking their states.

use hashbrown::HashMap;
use petgraph::visit::EdgeRef;

use super::{Builder, CONVERSION, JourneyGraph, NULL, START};
use crate::bootstrap::Units;
use crate::data::Data;
use crate::error::{Error, Result};
use crate::stats::FixedSum;

/// A graph with, per data row, the edges the row contributed to.
pub(crate) struct Trace {
    /// The graph built from the observed data.
    pub graph: JourneyGraph,
    /// Data row of each traced row.
    rows: Vec<u32>,
    /// `edges[ptr[i]..ptr[i + 1]]`: the transitions of traced row `i` (weight conversions + nulls).
    ptr: Vec<usize>,
    edges: Vec<u32>,
    /// The row's edge into Conversion / Null (`u32::MAX`: none).
    conv_edge: Vec<u32>,
    null_edge: Vec<u32>,
}

impl Trace {
    /// Build the order-`order` graph of `data` and record every row's edges.
    pub(crate) fn new(data: Data<'_>, order: usize, max_touches: Option<usize>) -> Result<Trace> {
        if data.is_empty() {
            return Err(Error::EmptyInput { what: data.what(), hint: "journey or path row" });
        }
        let catalog = data.catalog();
        let mut b = Builder::new(order, catalog.len())?;
        b.rec = Some(Vec::new());
        let mut rows = Vec::new();
        let mut ptr = vec![0usize];
        let mut has = Vec::new();
        let (mut n, mut c, mut v) = (0.0, 0.0, 0.0);
        for r in data.rows(max_touches) {
            if r.conversions + r.nulls > 0.0 && !r.touchpoints.is_empty() {
                b.add(r.touchpoints, r.times, r.end_time, r.conversions, r.nulls, r.value);
                n += r.conversions + r.nulls;
                c += r.conversions;
                v += r.value;
                rows.push(r.index as u32);
                ptr.push(b.rec.as_ref().map_or(0, Vec::len));
                has.push((r.conversions > 0.0, r.nulls > 0.0));
            }
        }
        let nodes = b.rec.take().unwrap_or_default();
        let graph = b.finish(catalog.clone(), data.has_times(), n, c, v);
        let index: HashMap<(u32, u32), u32> = graph
            .graph
            .edge_references()
            .map(|e| ((e.source().index() as u32, e.target().index() as u32), e.id().index() as u32))
            .collect();
        let edge = |a: u32, b: u32| index.get(&(a, b)).copied().unwrap_or(u32::MAX);
        let mut edges = Vec::with_capacity(nodes.len());
        let mut eptr = Vec::with_capacity(ptr.len());
        eptr.push(0);
        let mut conv_edge = Vec::with_capacity(rows.len());
        let mut null_edge = Vec::with_capacity(rows.len());
        for (i, w) in ptr.windows(2).enumerate() {
            let seq = &nodes[w[0]..w[1]];
            let mut prev = START as u32;
            for &s in seq {
                edges.push(edge(prev, s));
                prev = s;
            }
            eptr.push(edges.len());
            let (hc, hn) = has[i];
            conv_edge.push(if hc { edge(prev, CONVERSION as u32) } else { u32::MAX });
            null_edge.push(if hn { edge(prev, NULL as u32) } else { u32::MAX });
        }
        Ok(Trace { graph, rows, ptr: eptr, edges, conv_edge, null_edge })
    }

    /// The graph of resample `b`: every edge's count and value summed over the reweighted rows
    /// (in fixed point, so the sums do not depend on row order). Dwell statistics stay those of
    /// the observed data. None when the resample holds no journey.
    pub(crate) fn resample(&self, units: &Units, b: usize) -> Option<JourneyGraph> {
        let m = self.graph.graph.edge_count();
        let mut count = vec![FixedSum::default(); m];
        let mut value = vec![FixedSum::default(); m];
        let (mut n, mut c, mut v) = (FixedSum::default(), FixedSum::default(), FixedSum::default());
        let rkey = units.key_of(b);
        for (i, &row) in self.rows.iter().enumerate() {
            let (rc, rn, rv) = units.draw_keyed(rkey, row as usize);
            let w = rc + rn;
            if w <= 0.0 {
                continue;
            }
            n.add(w);
            c.add(rc);
            v.add(rv);
            for &e in &self.edges[self.ptr[i]..self.ptr[i + 1]] {
                if let (Some(ce), Some(ve)) = (count.get_mut(e as usize), value.get_mut(e as usize)) {
                    ce.add(w);
                    ve.add(rv);
                }
            }
            if rc > 0.0 {
                let e = self.conv_edge[i] as usize;
                if let (Some(ce), Some(ve)) = (count.get_mut(e), value.get_mut(e)) {
                    ce.add(rc);
                    ve.add(rv);
                }
            }
            if rn > 0.0 {
                if let Some(ce) = count.get_mut(self.null_edge[i] as usize) {
                    ce.add(rn);
                }
            }
        }
        if n.get() <= 0.0 {
            return None;
        }
        let mut g = self.graph.clone();
        for (e, w) in g.graph.edge_weights_mut().enumerate() {
            w.count = count[e].get();
            w.value = value[e].get();
        }
        g.journeys = n.get();
        g.conversions = c.get();
        g.value = v.get();
        Some(g)
    }
}
