//! The edges each data row walks, so that bootstrap resamples rebuild the graph's counts by
//! reweighting rows instead of re-walking their states.

use petgraph::visit::EdgeRef;

use super::{Builder, CONVERSION, JourneyGraph, NULL, START};
use crate::bootstrap::{BATCH, Units};
use crate::data::Data;
use crate::error::{Error, Result};

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
        let mut rows = Vec::new();
        let mut ptr = vec![0usize];
        let mut has = Vec::new();
        b.rec = Some(Vec::with_capacity(data.len() * 4));
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
        // edges are numbered by (source, target): a source's edges are contiguous and sorted by
        // target, so an edge's number is found by a short binary search
        let n_nodes = graph.graph.node_count();
        let mut first = vec![0u32; n_nodes + 1];
        let mut target = Vec::with_capacity(graph.graph.edge_count());
        for e in graph.graph.edge_references() {
            debug_assert_eq!(e.id().index(), target.len());
            first[e.source().index() + 1] += 1;
            target.push(e.target().index() as u32);
        }
        for i in 0..n_nodes {
            first[i + 1] += first[i];
        }
        let edge = |a: u32, b: u32| -> u32 {
            let (lo, hi) = (first[a as usize] as usize, first[a as usize + 1] as usize);
            match target[lo..hi].binary_search(&b) {
                Ok(k) => (lo + k) as u32,
                Err(_) => u32::MAX,
            }
        };
        let mut edges = Vec::with_capacity(nodes.len());
        let mut eptr = Vec::with_capacity(ptr.len());
        eptr.push(0usize);
        let mut conv_edge = Vec::with_capacity(rows.len());
        let mut null_edge = Vec::with_capacity(rows.len());
        for (i, w) in ptr.windows(2).enumerate() {
            let mut prev = START as u32;
            for &s in &nodes[w[0]..w[1]] {
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

    /// The graphs of resamples `bs`: every edge's count summed over the reweighted rows (in row
    /// order). The resamples of a batch share one pass over the rows, so the trace
    /// is read once per batch rather than once per resample. Values are left out (the intervals
    /// are of conversion figures, and without values the chain skips its value solves); dwell
    /// statistics stay those of the observed data. None for a resample that holds no journey.
    pub(crate) fn resample_batch(&self, units: &Units, bs: std::ops::Range<usize>) -> Vec<Option<JourneyGraph>> {
        let m = self.graph.graph.edge_count();
        let keys: Vec<u64> = bs.clone().map(|b| units.key_of(b)).collect();
        let k = keys.len();
        // counts laid out edge-major ([edge][resample]): a row adds its weights of the whole
        // batch to each of its edges in one contiguous (vectorisable) run. Rows of weight 0 add
        // 0.0, which leaves the sums unchanged.
        let mut count = vec![0.0f64; m * BATCH];
        let mut totals = [(0.0f64, 0.0f64); BATCH];
        let (mut wt, mut wc, mut wn) = ([0.0f64; BATCH], [0.0f64; BATCH], [0.0f64; BATCH]);
        let add = |count: &mut [f64], e: usize, w: &[f64; BATCH]| {
            if let Some(cell) = count.get_mut(e * BATCH..(e + 1) * BATCH) {
                for (x, y) in cell.iter_mut().zip(w) {
                    *x += y;
                }
            }
        };
        for (i, &p) in self.rows.iter().enumerate() {
            let mut any = false;
            for (j, &rkey) in keys.iter().enumerate() {
                let (rc, rn) = units.draw_counts(rkey, p as usize);
                (wc[j], wn[j], wt[j]) = (rc, rn, rc + rn);
                any |= rc + rn > 0.0;
            }
            if !any {
                continue;
            }
            for j in 0..k {
                totals[j].0 += wt[j];
                totals[j].1 += wc[j];
            }
            for &e in &self.edges[self.ptr[i]..self.ptr[i + 1]] {
                add(&mut count, e as usize, &wt);
            }
            add(&mut count, self.conv_edge[i] as usize, &wc);
            add(&mut count, self.null_edge[i] as usize, &wn);
        }
        (0..k)
            .map(|j| {
                let (n, c) = totals[j];
                if n <= 0.0 {
                    return None;
                }
                let mut g = self.graph.clone();
                for (e, w) in g.graph.edge_weights_mut().enumerate() {
                    w.count = count[e * BATCH + j];
                    w.value = 0.0;
                }
                g.journeys = n;
                g.conversions = c;
                g.value = 0.0;
                Some(g)
            })
            .collect()
    }
}
