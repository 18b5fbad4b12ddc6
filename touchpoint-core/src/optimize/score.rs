//! Scoring open journeys in batch: for every customer, where they are now, how likely they are
//! to convert from there, and which allowed touchpoint to offer next.
//!
//! A [`Scorer`] is built once from a graph (a loaded one brings its analysis, so nothing is
//! solved); scoring then costs a few hash lookups per customer and candidate, in parallel, with
//! no allocation per row beyond the output. Per customer:
//!
//! 1. the **state**: the window of the last `order` touches (fewer for a shorter journey), the
//!    state convention of the graph. A window never seen in the data falls back to the longest
//!    seen suffix of it, and to `(start)` when none was seen; [`StateMatch`] says which.
//!    Touches of touchpoints the graph does not know are skipped (as touchpoints left out of
//!    the model) and counted in [`ScoreRow::unknown_touches`], never an error;
//! 2. P(conversion), expected value and expected time to convert from that state (the graph's
//!    exact analysis);
//! 3. the top-k candidates by P(conversion) after them, then net value, as
//!    [`next_best`](super::next_best()) ranks them from the matched touches (candidates whose next
//!    state was never observed have no estimate and are left out of the top-k).
//!
//! The estimates are associational (see [`next_best`](mod@super::next_best)): shortlist, then test.
//!
//! ```
//! use touchpoint_core::{EventTable, JourneyGraph, PathTable};
//! use touchpoint_core::optimize::{Candidate, ScoreOptions, Scorer, StateMatch};
//!
//! let mut p = PathTable::default();
//! p.add_path_str("ad > email > store", ">", 8.0, 2.0, 800.0)?;
//! p.add_path_str("ad > site", ">", 2.0, 8.0, 100.0)?;
//! let g = JourneyGraph::from_paths(&p, 1)?;
//! let opts = ScoreOptions {
//!     candidates: Some(vec![Candidate::new("email", 0.5), Candidate::new("site", 0.0)]),
//!     ..Default::default()
//! };
//! let scorer = Scorer::new(&g, &opts)?;
//!
//! let mut open = EventTable::builder();
//! open.touch("ann", "ad", 1)?;
//! open.touch("bob", "ad", 1)?;
//! open.touch("bob", "chat", 2)?;          // a touchpoint the graph never saw
//! let open = open.finish()?;
//! let scores = scorer.score_events(&open)?;
//! let ann = scores.row(0).unwrap();
//! assert_eq!((ann.state, ann.state_match), ("ad", StateMatch::Exact));
//! assert!((ann.conversion_probability - 0.5).abs() < 1e-12);
//! assert_eq!(ann.best_next, Some("email"));
//! let bob = scores.row(1).unwrap();
//! assert_eq!((bob.state, bob.state_match, bob.unknown_touches), ("ad", StateMatch::Exact, 1));
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use std::borrow::Cow;
use std::sync::Arc;

use hashbrown::HashMap;
use petgraph::visit::EdgeRef;

use super::next_best::Candidate;
use crate::error::{Error, Location, Result};
use crate::events::{EventTable, NO_TOUCHPOINT};
use crate::graph::{JourneyGraph, NodeKind, START};
use crate::journey::Journeys;
use crate::names::NameList;

/// A touch of a touchpoint the graph does not know.
const UNKNOWN: u32 = u32::MAX;

crate::named_enum! {
    /// How a scored customer's state was found in the graph.
    pub enum StateMatch: "state_match" {
        /// The customer's own state (their last `order` touches) was seen in the data.
        Exact = 0 => "exact",
        /// It was not; the longest seen suffix of it is used.
        Suffix = 1 => "suffix",
        /// No suffix was seen either: scored from the start of a journey.
        Start = 2 => "start",
    }
}

crate::row_struct! {
    optional(expected_time_to_convert);
    /// One scored customer ([`Scores::rows`]).
    #[derive(Clone, PartialEq)]
    pub struct ScoreRow<'a> {
        /// Customer key.
        pub customer_id: &'a str,
        /// Touches in the open journey.
        pub touches: usize,
        /// Touches of touchpoints the graph does not know (skipped: they cannot be in a state).
        pub unknown_touches: usize,
        /// The state scored from (a graph state label, or `(start)`).
        pub state: &'a str,
        /// Whether that is the customer's own state, a suffix of it, or the start.
        pub state_match: StateMatch,
        /// Touches of the open journey the state covers (0 for the start).
        pub matched_touches: usize,
        /// P(conversion) from the state.
        pub conversion_probability: f64,
        /// Expected conversion value from the state.
        pub expected_value: f64,
        /// Expected time to convert from the state, given conversion (graphs with times).
        pub expected_time_to_convert: Option<crate::rows::DurationMs>,
        /// The best candidate next touchpoint (none when no candidate's next state was seen).
        pub best_next: Option<&'a str>,
        /// P(conversion) after it.
        pub best_next_probability: Option<f64>,
        /// Its gain: P(conversion) after it − P(conversion) now.
        pub best_uplift: Option<f64>,
        /// Its expected value − its cost.
        pub best_net_value: Option<f64>,
    }
}

crate::row_struct! {
    /// One of a customer's top-k next touchpoints ([`Scores::next_rows`]).
    #[derive(Clone, PartialEq)]
    pub struct ScoreNextRow<'a> {
        /// Customer key.
        pub customer_id: &'a str,
        /// 1 for the best.
        pub rank: usize,
        /// The candidate touchpoint.
        pub touchpoint: &'a str,
        /// The state after it.
        pub next_state: &'a str,
        /// How often customers in the current state went there next.
        pub observed_share: f64,
        /// P(conversion) after it.
        pub conversion_probability: f64,
        /// P(conversion) after it − P(conversion) now.
        pub uplift: f64,
        /// Expected conversion value after it.
        pub expected_value: f64,
        /// Cost of the touch.
        pub cost: f64,
        /// Expected value − cost.
        pub net_value: f64,
    }
}

/// Options of [`Scorer`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreOptions {
    /// Allowed next touchpoints and their costs; `None`: every touchpoint of the graph, at its
    /// catalog cost (0 when the catalog has none).
    pub candidates: Option<Vec<Candidate>>,
    /// How many next touchpoints to return per customer (0: score the state only).
    pub top_k: usize,
    /// Count consecutive touches of the same touchpoint once (set it when the graph's journeys
    /// were built with `collapse_repeats`).
    pub collapse_repeats: bool,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        Self { candidates: None, top_k: 3, collapse_repeats: false }
    }
}

/// Scored customers, stored compactly (about 40 bytes per customer and 16 per next-touchpoint
/// row; the figures are read from the scorer when a row is made): [`Scores::rows`] gives one
/// [`ScoreRow`] per customer, in order of first appearance, and [`Scores::next_rows`] their
/// top-k next touchpoints, long form.
pub struct Scores<'a> {
    scorer: &'a Scorer,
    names: &'a NameList,
    recs: Cow<'a, [Rec]>,
    next: Cow<'a, [NextRec]>,
}

/// One scored customer.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Rec {
    customer: u32,
    touches: u32,
    unknown: u32,
    node: u32,
    matched: u32,
    state_match: StateMatch,
    /// Its rows of `Scores::next`.
    next_from: u32,
    next_len: u32,
    /// The best observed candidate and its next state.
    best: Option<(u32, u32)>,
}

/// One of a customer's top-k.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct NextRec {
    /// Index of the customer's record.
    owner: u32,
    rank: u32,
    candidate: u32,
    node: u32,
}

impl<'a> Scores<'a> {
    /// Customers scored.
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    /// True when no customer was scored.
    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    /// Next-touchpoint rows (at most `top_k` per customer).
    pub fn next_len(&self) -> usize {
        self.next.len()
    }

    /// Customer `i`'s row.
    pub fn row(&self, i: usize) -> Option<ScoreRow<'a>> {
        self.recs.get(i).map(|r| self.make_row(r))
    }

    /// One row per customer.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = ScoreRow<'a>> + '_ {
        self.recs.iter().map(|r| self.make_row(r))
    }

    /// Next-touchpoint row `i` (customers in order, best first).
    pub fn next_row(&self, i: usize) -> Option<ScoreNextRow<'a>> {
        self.next.get(i).map(|x| self.make_next(x))
    }

    /// Every customer's top-k next touchpoints, customers in order, best first.
    pub fn next_rows(&self) -> impl ExactSizeIterator<Item = ScoreNextRow<'a>> + '_ {
        self.next.iter().map(|x| self.make_next(x))
    }

    /// Customer `i`'s top-k next touchpoints, best first.
    pub fn next_of(&self, i: usize) -> impl ExactSizeIterator<Item = ScoreNextRow<'a>> + '_ {
        let r = self.recs.get(i).map_or(0..0, |r| r.next_from as usize..(r.next_from + r.next_len) as usize);
        self.next[r].iter().map(|x| self.make_next(x))
    }

    fn make_row(&self, r: &Rec) -> ScoreRow<'a> {
        let s: &'a Scorer = self.scorer;
        let cur = s.figs[r.node as usize];
        let best = r.best.map(|(c, node)| (c as usize, s.figs[node as usize]));
        ScoreRow {
            customer_id: self.names.get(r.customer as usize).unwrap_or_default(),
            touches: r.touches as usize,
            unknown_touches: r.unknown as usize,
            state: &s.labels[r.node as usize],
            state_match: r.state_match,
            matched_touches: r.matched as usize,
            conversion_probability: cur.p,
            expected_value: cur.ev,
            expected_time_to_convert: cur.time.map(crate::rows::DurationMs::from_f64),
            best_next: best.map(|(c, _)| s.candidates[c].1.as_str()),
            best_next_probability: best.map(|(_, f)| f.p),
            best_uplift: best.map(|(_, f)| f.p - cur.p),
            best_net_value: best.map(|(c, f)| f.ev - s.candidates[c].2),
        }
    }

    fn make_next(&self, x: &NextRec) -> ScoreNextRow<'a> {
        let s: &'a Scorer = self.scorer;
        let r = &self.recs[x.owner as usize];
        let cur = s.figs[r.node as usize];
        let f = s.figs[x.node as usize];
        let (_, name, cost) = &s.candidates[x.candidate as usize];
        let share = match s.edges.get(&(r.node, x.node)) {
            Some(&c) if cur.out > 0.0 => c / cur.out,
            _ => 0.0,
        };
        ScoreNextRow {
            customer_id: self.names.get(r.customer as usize).unwrap_or_default(),
            rank: x.rank as usize,
            touchpoint: name,
            next_state: &s.labels[x.node as usize],
            observed_share: share,
            conversion_probability: f.p,
            uplift: f.p - cur.p,
            expected_value: f.ev,
            cost: *cost,
            net_value: f.ev - cost,
        }
    }
}

impl PartialEq for Scores<'_> {
    /// Equal rows (whatever scorer made them).
    fn eq(&self, o: &Self) -> bool {
        self.len() == o.len()
            && self.next_len() == o.next_len()
            && self.rows().eq(o.rows())
            && self.next_rows().eq(o.next_rows())
    }
}

impl std::fmt::Debug for Scores<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scores({} customers, {} next-touchpoint rows)", self.len(), self.next_len())
    }
}

/// Per-node figures the scorer reads.
#[derive(Clone, Copy)]
struct NodeFig {
    p: f64,
    ev: f64,
    time: Option<f64>,
    out: f64,
}

/// A graph prepared for scoring (see the [module docs](self)): it owns what it needs (the
/// graph can be dropped). Immutable; share it across threads.
pub struct Scorer {
    /// The graph's catalog (to match other tables' touchpoints by name).
    catalog: crate::Catalog,
    /// Node labels by node index.
    labels: Vec<String>,
    order: usize,
    /// State window (graph touchpoint ids) → node index.
    states: HashMap<Box<[u32]>, u32>,
    /// Per node index (absorbing nodes unused).
    figs: Vec<NodeFig>,
    /// (from, to) → transition count.
    edges: HashMap<(u32, u32), f64>,
    /// Candidates: graph id, name, cost.
    candidates: Vec<(u32, String, f64)>,
    top_k: usize,
    collapse: bool,
}

impl Scorer {
    /// Prepare `graph` (its node figures, [`JourneyGraph::node_analysis`], are computed if they
    /// were not yet; the removal effects are not needed).
    pub fn new(graph: &JourneyGraph, opts: &ScoreOptions) -> Result<Self> {
        let analysis = graph.node_analysis()?;
        let g = graph.graph();
        let mut figs = vec![NodeFig { p: 0.0, ev: 0.0, time: None, out: 0.0 }; g.node_count()];
        for m in &analysis.nodes {
            if let Some(f) = figs.get_mut(m.node) {
                f.p = m.conversion_probability;
                f.time = m.expected_time_to_convert_ms;
            }
        }
        // expected value per node: the analysis stores it for the start only; solve once here
        let c = crate::graph::absorbing::Chain::new(graph);
        let ev = c.solve_backward(&c.r_value, None)?;
        for (t, &n) in c.nodes.iter().enumerate() {
            figs[n.index()].ev = ev[t];
        }
        let mut states = HashMap::with_capacity(g.node_count());
        for n in g.node_indices() {
            if let NodeKind::State(s) = &g[n].kind {
                states.insert(s.iter().map(|t| t.0).collect::<Box<[u32]>>(), n.index() as u32);
            }
        }
        let mut edges = HashMap::with_capacity(g.edge_count());
        for e in g.edge_references() {
            edges.insert((e.source().index() as u32, e.target().index() as u32), e.weight().count);
            figs[e.source().index()].out += e.weight().count;
        }
        let cat = graph.catalog();
        let candidates = match &opts.candidates {
            Some(list) => {
                if list.is_empty() {
                    return Err(Error::option("candidates", "[]", "name at least one allowed next touchpoint"));
                }
                list.iter()
                    .enumerate()
                    .map(|(i, c)| {
                        if !c.cost.is_finite() || c.cost < 0.0 {
                            return Err(Error::invalid(
                                "cost",
                                Location::Row(i),
                                c.cost.to_string(),
                                "costs must be finite and >= 0",
                            ));
                        }
                        Ok((cat.require(&c.touchpoint)?.0, c.touchpoint.clone(), c.cost))
                    })
                    .collect::<Result<Vec<_>>>()?
            }
            None => cat.iter().map(|(id, name, a)| (id.0, name.to_owned(), a.cost.unwrap_or(0.0))).collect(),
        };
        Ok(Scorer {
            catalog: cat.clone(),
            labels: g.node_indices().map(|n| g[n].label.clone()).collect(),
            order: graph.order(),
            states,
            figs,
            edges,
            candidates,
            top_k: opts.top_k,
            collapse: opts.collapse_repeats,
        })
    }

    /// Score the open journeys in an event table: per customer, the touches after their last
    /// conversion in the table (events in time order; equal times keep input order).
    pub fn score_events<'a>(&'a self, open: &'a EventTable) -> Result<Scores<'a>> {
        let remap = self.remap(open.catalog());
        let (time, tps, conv) = (open.times(), open.touchpoints(), open.converted());
        // each customer's rows, in parallel, customers in code order (the shared grouping of
        // the journey-map analyses); pieces are concatenated in order
        let (touches, _) = crate::journeymap::sequence::fold_customer_rows(
            open,
            || (OpenTouches { offsets: vec![0], ..Default::default() }, Vec::<u32>::new()),
            |(touches, sorted), c, rows| {
                sorted.clear();
                sorted.extend_from_slice(rows);
                if sorted.windows(2).any(|w| time[w[0] as usize] > time[w[1] as usize]) {
                    sorted.sort_by_key(|&r| time[r as usize]); // stable: equal times keep input order
                }
                let from = sorted.iter().rposition(|&r| conv[r as usize]).map_or(0, |k| k + 1);
                for &r in &sorted[from..] {
                    let t = tps[r as usize];
                    if t != NO_TOUCHPOINT {
                        touches.tps.push(remap[t as usize]);
                    }
                }
                touches.offsets.push(touches.tps.len());
                touches.customer.push(c);
            },
            |(mut x, buf), (y, _)| {
                let shift = x.tps.len();
                x.tps.extend_from_slice(&y.tps);
                x.offsets.extend(y.offsets[1..].iter().map(|o| o + shift));
                x.customer.extend_from_slice(&y.customer);
                (x, buf)
            },
        );
        Ok(self.score(&touches, open.customer_names()))
    }

    /// Score the open journey of every customer of `journeys` whose last journey did not
    /// convert (what [`Journeys::append`] leaves open).
    pub fn score_journeys<'a>(&'a self, journeys: &'a Journeys) -> Result<Scores<'a>> {
        let remap = self.remap(journeys.catalog());
        let mut touches = OpenTouches { offsets: vec![0], ..Default::default() };
        let n = journeys.len();
        for i in 0..n {
            let j = journeys.journey(i);
            let last_of_customer = i + 1 == n || journeys.journey(i + 1).customer != j.customer;
            if last_of_customer && !j.converted {
                touches.tps.extend(j.touchpoints.iter().map(|t| remap[t.index()]));
                touches.offsets.push(touches.tps.len());
                touches.customer.push(j.customer);
            }
        }
        Ok(self.score(&touches, journeys.customer_names()))
    }

    /// Graph ids of another catalog's touchpoints (UNKNOWN when the graph lacks them).
    fn remap(&self, other: &crate::Catalog) -> Vec<u32> {
        let cat = &self.catalog;
        other.names().iter().map(|n| cat.get(n).map_or(UNKNOWN, |t| t.0)).collect()
    }

    fn lookup(&self, w: &[u32]) -> Option<u32> {
        if w.is_empty() {
            return Some(START as u32);
        }
        self.states.get(w).copied()
    }

    fn score<'a>(&'a self, t: &OpenTouches, names: &'a NameList) -> Scores<'a> {
        let n = t.customer.len();
        let chunk = 4096;
        let run = |range: std::ops::Range<usize>| {
            let mut recs = Vec::with_capacity(range.len());
            let mut next = Vec::with_capacity(range.len() * self.top_k.min(self.candidates.len()));
            let mut buf: Vec<u32> = Vec::new();
            let mut top: Vec<Ranked> = Vec::with_capacity(self.candidates.len());
            for i in range {
                let tps = &t.tps[t.offsets[i]..t.offsets[i + 1]];
                let rec = self.one(t.customer[i], tps, &mut buf, &mut top, &mut next);
                let owner = recs.len() as u32;
                for x in &mut next[rec.next_from as usize..] {
                    x.owner = owner;
                }
                recs.push(rec);
            }
            (recs, next)
        };
        let ranges: Vec<std::ops::Range<usize>> =
            (0..n.div_ceil(chunk)).map(|k| k * chunk..(k * chunk + chunk).min(n)).collect();
        #[cfg(feature = "rayon")]
        let parts: Vec<_> = {
            use rayon::prelude::*;
            ranges.into_par_iter().map(run).collect()
        };
        #[cfg(not(feature = "rayon"))]
        let parts: Vec<_> = ranges.into_iter().map(run).collect();
        let mut all_recs = Vec::with_capacity(n);
        let mut all_next = Vec::with_capacity(parts.iter().map(|p| p.1.len()).sum());
        for (recs, next) in parts {
            let (r0, n0) = (all_recs.len() as u32, all_next.len() as u32);
            all_recs.extend(recs.into_iter().map(|mut r: Rec| {
                r.next_from += n0;
                r
            }));
            all_next.extend(next.into_iter().map(|mut x: NextRec| {
                x.owner += r0;
                x
            }));
        }
        Scores { scorer: self, names, recs: Cow::Owned(all_recs), next: Cow::Owned(all_next) }
    }

    /// [`score_events`](Self::score_events) into a [`ScoreSet`] that owns what it reads.
    pub fn score_events_owned(self: &Arc<Self>, open: &EventTable) -> Result<ScoreSet> {
        let s = self.score_events(open)?;
        Ok(ScoreSet {
            scorer: self.clone(),
            names: open.customer_names_arc().clone(),
            recs: s.recs.into_owned(),
            next: s.next.into_owned(),
        })
    }

    /// [`score_journeys`](Self::score_journeys) into a [`ScoreSet`] that owns what it reads.
    pub fn score_journeys_owned(self: &Arc<Self>, journeys: &Journeys) -> Result<ScoreSet> {
        let s = self.score_journeys(journeys)?;
        Ok(ScoreSet {
            scorer: self.clone(),
            names: journeys.customer_names.clone(),
            recs: s.recs.into_owned(),
            next: s.next.into_owned(),
        })
    }

    /// Score one customer whose open touches (graph ids) are `tps`; its top-k go to `next`
    /// (owners numbered within the chunk, fixed up by the caller).
    fn one(
        &self,
        customer: u32,
        tps: &[u32],
        buf: &mut Vec<u32>,
        top: &mut Vec<Ranked>,
        next: &mut Vec<NextRec>,
    ) -> Rec {
        buf.clear();
        for &x in tps {
            if x != UNKNOWN && !(self.collapse && buf.last() == Some(&x)) {
                buf.push(x);
            }
        }
        let unknown = tps.iter().filter(|&&x| x == UNKNOWN).count();
        let k = self.order;
        let own = buf.len().min(k);
        let (mut node, mut m) = (START as u32, 0usize);
        for len in (1..=own).rev() {
            if let Some(x) = self.lookup(&buf[buf.len() - len..]) {
                (node, m) = (x, len);
                break;
            }
        }
        let state_match = if m == own && !(own == 0 && unknown > 0) {
            StateMatch::Exact
        } else if m > 0 {
            StateMatch::Suffix
        } else {
            StateMatch::Start
        };
        // candidates: the state after each, from the matched touches
        top.clear();
        let keep = m.min(k.saturating_sub(1)); // touches of the base that stay in the window
        for (ci, &(cid, _, cost)) in self.candidates.iter().enumerate() {
            buf.push(cid);
            let w = &buf[buf.len() - 1 - keep..];
            let found = self.lookup(w);
            buf.pop();
            let Some(nx) = found else { continue };
            let f = self.figs[nx as usize];
            top.push(Ranked { candidate: ci as u32, node: nx, p: f.p, net: f.ev - cost });
        }
        top.sort_unstable_by(|a, b| {
            b.p.total_cmp(&a.p)
                .then(b.net.total_cmp(&a.net))
                .then_with(|| self.candidates[a.candidate as usize].1.cmp(&self.candidates[b.candidate as usize].1))
        });
        let next_from = next.len() as u32;
        Rec {
            customer,
            touches: tps.len() as u32,
            unknown: unknown as u32,
            node,
            matched: m as u32,
            state_match,
            next_from,
            next_len: {
                let kk = self.top_k.min(top.len());
                for (rank, r) in top.iter().take(kk).enumerate() {
                    next.push(NextRec { owner: u32::MAX, rank: rank as u32 + 1, candidate: r.candidate, node: r.node });
                }
                kk as u32
            },
            best: top.first().map(|b| (b.candidate, b.node)),
        }
    }

    /// The touchpoints of the graph scored against.
    pub fn catalog(&self) -> &crate::Catalog {
        &self.catalog
    }

    /// Number of candidates each customer is ranked over.
    pub fn candidate_count(&self) -> usize {
        self.candidates.len()
    }
}

#[derive(Clone, Copy)]
struct Ranked {
    candidate: u32,
    node: u32,
    p: f64,
    net: f64,
}

/// Open touches per customer, flat (graph ids).
#[derive(Default)]
struct OpenTouches {
    customer: Vec<u32>,
    offsets: Vec<usize>,
    tps: Vec<u32>,
}

/// [`Scores`] that own what they read: a shared [`Scorer`] and the customer names (what a face
/// keeps to make its tables on demand, and what the JSON document of scores holds).
#[derive(Clone)]
pub struct ScoreSet {
    scorer: Arc<Scorer>,
    names: Arc<NameList>,
    recs: Vec<Rec>,
    next: Vec<NextRec>,
}

impl ScoreSet {
    /// The scores (rows are made from the scorer on demand).
    pub fn scores(&self) -> Scores<'_> {
        Scores {
            scorer: &self.scorer,
            names: &self.names,
            recs: Cow::Borrowed(&self.recs),
            next: Cow::Borrowed(&self.next),
        }
    }

    /// The scorer that made them.
    pub fn scorer(&self) -> &Arc<Scorer> {
        &self.scorer
    }
}

impl PartialEq for ScoreSet {
    /// Equal rows.
    fn eq(&self, o: &Self) -> bool {
        self.scores() == o.scores()
    }
}

impl std::fmt::Debug for ScoreSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.scores().fmt(f)
    }
}

/// The serde forms of [`Scorer`] and [`ScoreSet`]: every table of the scorer as plain lists
/// (hash maps sorted, so equal scorers write equal text), read back checked.
#[cfg(feature = "serde")]
mod serde_forms {
    use super::*;
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

    #[derive(Serialize, Deserialize)]
    struct ScorerData {
        catalog: crate::Catalog,
        labels: Vec<String>,
        order: usize,
        /// (state window of graph ids, node index), by window.
        states: Vec<(Vec<u32>, u32)>,
        /// Per node: (P(conversion), expected value, expected time to convert, weight out).
        figs: Vec<(f64, f64, Option<f64>, f64)>,
        /// (from, to, count), by (from, to).
        edges: Vec<(u32, u32, f64)>,
        /// (graph id, name, cost).
        candidates: Vec<(u32, String, f64)>,
        top_k: usize,
        collapse_repeats: bool,
    }

    impl Serialize for Scorer {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            let mut states: Vec<(Vec<u32>, u32)> = self.states.iter().map(|(w, &n)| (w.to_vec(), n)).collect();
            states.sort_unstable();
            let mut edges: Vec<(u32, u32, f64)> = self.edges.iter().map(|(&(a, b), &c)| (a, b, c)).collect();
            edges.sort_unstable_by_key(|e| (e.0, e.1));
            ScorerData {
                catalog: self.catalog.clone(),
                labels: self.labels.clone(),
                order: self.order,
                states,
                figs: self.figs.iter().map(|f| (f.p, f.ev, f.time, f.out)).collect(),
                edges,
                candidates: self.candidates.clone(),
                top_k: self.top_k,
                collapse_repeats: self.collapse,
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for Scorer {
        fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
            let v = ScorerData::deserialize(d)?;
            let (nodes, tps) = (v.figs.len(), v.catalog.len());
            let bad = |what: String| Err(D::Error::custom(format!("the scorer is damaged: {what}")));
            if v.labels.len() != nodes || v.figs.get(START).is_none() {
                return bad(format!("{} labels for {nodes} nodes", v.labels.len()));
            }
            if v.order == 0 {
                return bad("a Markov order of 0".into());
            }
            for (w, n) in &v.states {
                if *n as usize >= nodes || w.is_empty() || w.iter().any(|&t| t as usize >= tps) {
                    return bad(format!("the state {w:?} -> node {n} is out of range"));
                }
            }
            if let Some(e) = v.edges.iter().find(|e| e.0 as usize >= nodes || e.1 as usize >= nodes) {
                return bad(format!("the edge {} -> {} is out of range", e.0, e.1));
            }
            if let Some(c) = v.candidates.iter().find(|c| c.0 as usize >= tps) {
                return bad(format!("the candidate {:?} is not in the catalog", c.1));
            }
            Ok(Scorer {
                catalog: v.catalog,
                labels: v.labels,
                order: v.order,
                states: v.states.into_iter().map(|(w, n)| (w.into_boxed_slice(), n)).collect(),
                figs: v.figs.into_iter().map(|(p, ev, time, out)| NodeFig { p, ev, time, out }).collect(),
                edges: v.edges.into_iter().map(|(a, b, c)| ((a, b), c)).collect(),
                candidates: v.candidates,
                top_k: v.top_k,
                collapse: v.collapse_repeats,
            })
        }
    }

    #[derive(Serialize)]
    struct SetOut<'a> {
        scorer: &'a Scorer,
        customer_names: &'a NameList,
        customers: &'a [Rec],
        next: &'a [NextRec],
    }

    #[derive(Deserialize)]
    struct SetIn {
        scorer: Scorer,
        customer_names: NameList,
        customers: Vec<Rec>,
        next: Vec<NextRec>,
    }

    impl Serialize for ScoreSet {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            SetOut { scorer: &self.scorer, customer_names: &self.names, customers: &self.recs, next: &self.next }
                .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for ScoreSet {
        fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
            let v = SetIn::deserialize(d)?;
            let (nodes, cands) = (v.scorer.figs.len(), v.scorer.candidates.len());
            let (n_rec, n_next) = (v.customers.len(), v.next.len());
            let bad = |what: String| Err(D::Error::custom(format!("the scores are damaged: {what}")));
            for (i, r) in v.customers.iter().enumerate() {
                let best_ok = r.best.is_none_or(|(c, n)| (c as usize) < cands && (n as usize) < nodes);
                if r.customer as usize >= v.customer_names.len()
                    || r.node as usize >= nodes
                    || r.next_from as usize + r.next_len as usize > n_next
                    || !best_ok
                {
                    return bad(format!("customer row {i} refers out of range"));
                }
            }
            for (i, x) in v.next.iter().enumerate() {
                if x.owner as usize >= n_rec || x.candidate as usize >= cands || x.node as usize >= nodes {
                    return bad(format!("next-touchpoint row {i} refers out of range"));
                }
            }
            Ok(ScoreSet {
                scorer: Arc::new(v.scorer),
                names: Arc::new(v.customer_names),
                recs: v.customers,
                next: v.next,
            })
        }
    }
}
