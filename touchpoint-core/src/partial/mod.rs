//! Mergeable partials: the same analyses over customers spread across partitions, shards or
//! nights (Spark, Dask, several CRM shards; DESIGN §9).
//!
//! A [`Partial`] holds the counts a share of the customers contributes to every analysis of a
//! [`PartialSpec`]: journey totals, touches per touchpoint, the credit of every rule model (and
//! of simplified and ordered Shapley), order-k transitions with their value and dwell times,
//! distinct touchpoint sets (for the conversion-rate Shapley game, Shao–Li and per-journey Markov
//! allocation), optionally the path table, and the journey build report. Every count is an
//! integer and every value a fixed-point integer (units of 2⁻⁴⁰), so [`Partial::merge`] is
//! exact addition: associative, commutative, with the empty partial as identity. Results are
//! therefore **bit-identical for any split of whole customers into partitions, any batch cut
//! and any row order**, and agree with the single-machine analyses to rounding (≤ 1e-12
//! relative): the single-machine path sums floats in row order, a partial sums integers.
//!
//! The touchpoint vocabulary is fixed up front (names sorted, ids = positions), so ids agree
//! across partitions; the spec's fingerprint covers the vocabulary and every option, and
//! merging partials of different specs is an [`Error::Incompatible`].
//!
//! What reaches the driver is bounded by the touchpoints, not the data: rule credits (one row
//! per model and touchpoint), transitions (≤ states², states ≤ touchpoints^k), distinct sets
//! (≤ 2^touchpoints, in practice far fewer) and totals. Only the optional path table grows with
//! the data: engines keep it distributed ([`Partial::rows`] names its rows `path`).
//!
//! Within a customer, events at the same instant are ordered by content, not input order:
//! touches before the conversion, then by touchpoint name, then by value. A customer must be
//! whole in one partition; within a partition its rows may be cut across batches but must be
//! contiguous (the engines sort by customer). A customer seen again after other customers is
//! an error; a customer split across two partitions cannot be seen by either and is counted
//! twice, so shuffle by customer first.
//!
//! ```
//! use touchpoint_core::partial::{PartialBuilder, PartialSpec};
//! use touchpoint_core::attribution::AttributionModel;
//! use touchpoint_core::{EventTable, JourneyOptions};
//!
//! let spec = PartialSpec::new(["email", "search"], JourneyOptions::default())?
//!     .models(&[AttributionModel::Linear, AttributionModel::markov(1)])?;
//! // two shards, each with whole customers
//! let mut shard = |rows: &[(&str, &str, i64)]| -> touchpoint_core::Result<_> {
//!     let mut b = EventTable::builder();
//!     for &(c, t, time) in rows {
//!         b.touch(c, t, time)?;
//!     }
//!     b.conversion(rows[0].0, 100, 50.0)?;
//!     let mut p = PartialBuilder::new(&spec);
//!     p.push(&b.finish()?)?;
//!     p.finish()
//! };
//! let mut a = shard(&[("ann", "search", 1), ("ann", "email", 2)])?;
//! let b = shard(&[("bob", "email", 5)])?;
//! a.merge(&b)?;
//! let credits = a.attribute()?;
//! assert_eq!(credits[0].get("email").unwrap().conversions, 1.5);
//! assert_eq!(a.report().customers, 2);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

mod build;
mod wire;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::attribution::{self, AttributionModel, AttributionOptions, Credits, Frame, MarkovAllocation};
use crate::catalog::{Catalog, TouchpointId};
use crate::error::{Error, Result};
use crate::experience::{ConversionFeedback, Experience, ExperienceOptions, FeedbackReport, Scale, ScaleKind};
use crate::graph::{DwellStats, EdgeStats, JourneyGraph, MAX_ORDER};
use crate::journey::{JourneyOptions, JourneyReport};
use crate::named::Named;
use crate::paths::PathTable;
use crate::saved::codec::{self, Reader, Writer};
use crate::stats::FixedSum;

pub use build::PartialBuilder;
pub use wire::PartialRow;

/// A value in fixed point ([`FixedSum`]'s units of 2⁻⁴⁰, rounded to the nearest; deterministic).
#[inline]
pub(crate) fn to_fixed(x: f64) -> i128 {
    let mut f = FixedSum::default();
    f.add(x);
    f.raw()
}

/// A fixed-point sum as a float (one rounding).
#[inline]
pub(crate) fn from_fixed(v: i128) -> f64 {
    FixedSum::from_raw(v).get()
}

/// What a partial counts and how: the touchpoint vocabulary, the journey options, the models and
/// graph orders. Partials merge only when their specs are equal ([`PartialSpec::fingerprint`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PartialSpec {
    pub(crate) catalog: Catalog,
    pub(crate) journeys: JourneyOptions,
    pub(crate) models: Vec<AttributionModel>,
    /// Graph orders requested besides those of the Markov models.
    pub(crate) graph_orders: Vec<usize>,
    pub(crate) paths: bool,
    /// Count the experience table of the events' feedback scores with these options.
    pub(crate) experience: Option<ExperienceOptions>,
}

impl PartialSpec {
    /// A spec over the touchpoint names `vocabulary` (sorted and deduplicated here, so every
    /// partition that lists the same names gets the same ids), with no models yet.
    pub fn new<I, S>(vocabulary: I, journeys: JourneyOptions) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut names: Vec<String> = vocabulary.into_iter().map(|s| s.as_ref().to_owned()).collect();
        names.sort_unstable();
        names.dedup();
        Self::from_catalog(&Catalog::from_names(names), journeys)
    }

    /// A spec over a catalog's touchpoints (names sorted; costs, channels and flags kept, so
    /// cost per acquisition and last non-direct work as on one machine).
    pub fn from_catalog(catalog: &Catalog, journeys: JourneyOptions) -> Result<Self> {
        journeys.validate()?;
        let mut names: Vec<&str> = catalog.names().iter().map(String::as_str).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::option("vocabulary", w[0], "a touchpoint name is listed twice"));
        }
        if names.is_empty() {
            return Err(Error::EmptyInput { what: "vocabulary", hint: "touchpoint name" });
        }
        let mut sorted = Catalog::new();
        for n in names {
            let id = sorted.intern(n);
            if let Some(a) = catalog.get(n).and_then(|t| catalog.attrs(t)) {
                sorted.set_attrs(id, a.clone());
            }
        }
        Ok(Self {
            catalog: sorted,
            journeys,
            models: Vec::new(),
            graph_orders: Vec::new(),
            paths: false,
            experience: None,
        })
    }

    /// The attribution models the partial counts for ([`Partial::attribute`] runs them in this
    /// order). Markov models add their order's transitions.
    pub fn models(mut self, models: &[AttributionModel]) -> Result<Self> {
        for m in models {
            if let AttributionModel::Markov { order, .. } = m {
                check_order(*order)?;
            }
        }
        self.models = models.to_vec();
        Ok(self)
    }

    /// Also count the transitions of these graph orders ([`Partial::graph`]).
    pub fn graph_orders(mut self, orders: &[usize]) -> Result<Self> {
        for &k in orders {
            check_order(k)?;
        }
        let mut o = orders.to_vec();
        o.sort_unstable();
        o.dedup();
        self.graph_orders = o;
        Ok(self)
    }

    /// Also count the path table ([`Partial::path_table`]); it grows with the distinct paths.
    pub fn with_paths(mut self, yes: bool) -> Self {
        self.paths = yes;
        self
    }

    /// Also count the experience table ([`Partial::experience`]) of the events' feedback
    /// column (scores on touches; pure-conversion scores as `opts.conversion_feedback` says).
    /// Survey tables are not read by partials.
    pub fn with_experience(mut self, opts: ExperienceOptions) -> Self {
        self.experience = Some(opts);
        self
    }

    /// The experience options, when the experience table is counted.
    pub fn experience_options(&self) -> Option<&ExperienceOptions> {
        self.experience.as_ref()
    }

    /// The vocabulary (names sorted) with its attributes.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The journey options.
    pub fn journey_options(&self) -> &JourneyOptions {
        &self.journeys
    }

    /// The models.
    pub fn model_list(&self) -> &[AttributionModel] {
        &self.models
    }

    /// Every graph order counted (requested and Markov), sorted.
    pub fn orders(&self) -> Vec<usize> {
        let mut o = self.graph_orders.clone();
        o.extend(self.models.iter().filter_map(|m| match m {
            AttributionModel::Markov { order, .. } => Some(*order),
            _ => None,
        }));
        o.sort_unstable();
        o.dedup();
        o
    }

    /// Models whose credit is a sum over journeys (counted per partition).
    pub(crate) fn credit_models(&self) -> Vec<(usize, &AttributionModel)> {
        self.models.iter().enumerate().filter(|(_, m)| is_credit_sum(m)).collect()
    }

    /// Whether the distinct-set table is needed.
    pub(crate) fn needs_sets(&self) -> bool {
        self.models.iter().any(|m| {
            matches!(
                m,
                AttributionModel::ShapleyRate { .. }
                    | AttributionModel::ShaoLi
                    | AttributionModel::Markov { allocation: MarkovAllocation::PerJourney, .. }
            )
        })
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        crate::saved::write_catalog(w, &self.catalog);
        crate::saved::journeys::write_options(w, &self.journeys);
        w.usize(self.models.len());
        for m in &self.models {
            wire::write_model(w, m);
        }
        w.usizes(&self.graph_orders);
        w.bool(self.paths);
        match &self.experience {
            None => w.u8(0),
            Some(e) => {
                w.u8(1);
                w.u32(e.scale.kind.code());
                for x in [e.scale.min, e.scale.max, e.scale.promoter_min, e.scale.detractor_max] {
                    w.f64(x);
                }
                w.opt_i64(e.survey_window_ms);
                w.u32(e.conversion_feedback.code());
                w.usize(e.small_n);
            }
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self> {
        let catalog = crate::saved::read_catalog(r)?;
        let journeys = crate::saved::journeys::read_options(r)?;
        let n = r.count(1)?;
        let models = (0..n).map(|_| wire::read_model(r)).collect::<Result<Vec<_>>>()?;
        let graph_orders = r.usizes()?;
        let paths = r.bool()?;
        let experience = match r.u8()? {
            0 => None,
            1 => {
                let k = r.u32()?;
                let kind = ScaleKind::from_code(k).ok_or_else(|| r.error(format!("unknown scale kind {k}")))?;
                let (min, max, promoter_min, detractor_max) = (r.f64()?, r.f64()?, r.f64()?, r.f64()?);
                let survey_window_ms = r.opt_i64()?;
                let c = r.u32()?;
                let conversion_feedback = ConversionFeedback::from_code(c)
                    .ok_or_else(|| r.error(format!("unknown conversion_feedback code {c}")))?;
                let small_n = r.usize()?;
                let scale = Scale { kind, min, max, promoter_min, detractor_max };
                Some(ExperienceOptions { scale, survey_window_ms, conversion_feedback, small_n })
            }
            k => return Err(r.error(format!("unknown experience flag {k}"))),
        };
        let spec = Self::from_catalog(&catalog, journeys)
            .and_then(|s| s.models(&models))
            .and_then(|s| s.graph_orders(&graph_orders))
            .map_err(|e| r.error(format!("the options are not valid: {e}")))?
            .with_paths(paths);
        let spec = match experience {
            Some(e) => spec.with_experience(e),
            None => spec,
        };
        if spec.catalog != catalog {
            return Err(r.error("the vocabulary is not sorted"));
        }
        Ok(spec)
    }

    /// Fingerprint (FNV-1a 64) of the vocabulary, its attributes and every option.
    pub fn fingerprint(&self) -> u64 {
        let mut w = Writer::default();
        self.write(&mut w);
        codec::fnv1a(codec::FNV_OFFSET, &w.buf)
    }
}

fn check_order(k: usize) -> Result<()> {
    if k == 0 || k > MAX_ORDER {
        return Err(Error::option("order", k, format!("the Markov order must be within 1..={MAX_ORDER}")));
    }
    Ok(())
}

/// Rule models and the two Shapley models whose credit is a sum of per-journey credits.
fn is_credit_sum(m: &AttributionModel) -> bool {
    attribution::rules::is_rule(m) || matches!(m, AttributionModel::Shapley | AttributionModel::OrderedShapley)
}

/// What a cell counts; the section names are the `kind` column of [`Partial::rows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Section {
    /// key `[]`: n journeys, c conversions, v value.
    Totals = 0,
    /// key `[t]`: n touches.
    Touches = 1,
    /// key `[model, t]`: v credited conversions, x credited value.
    Credit = 2,
    /// key `[model, code]`: n occurrences of a model note.
    Note = 3,
    /// key `[order, from…, SEP, to…]`: n transitions, v value, dwell.
    Edge = 4,
    /// key: sorted distinct touchpoints; n journeys, c conversions, v value.
    Set = 5,
    /// key: the path; n journeys, c conversions, v value.
    Path = 6,
    /// key `[field]`: n count of a journey report field (field 14: v value without touches).
    Report = 7,
    /// key `[t, 0]`: n scores, c promoters, v sum, x sum of squares; `[t, 1]`: n detractors.
    Experience = 8,
    /// key `[field]`: n count of a feedback report field.
    Feedback = 9,
}

impl Section {
    pub(crate) const ALL: [Section; 10] = [
        Section::Totals,
        Section::Touches,
        Section::Credit,
        Section::Note,
        Section::Edge,
        Section::Set,
        Section::Path,
        Section::Report,
        Section::Experience,
        Section::Feedback,
    ];

    pub(crate) fn name(self) -> &'static str {
        ["totals", "touches", "credit", "note", "edge", "set", "path", "report", "experience", "feedback"]
            [self as usize]
    }

    pub(crate) fn parse(s: &str) -> Option<Section> {
        Self::ALL.into_iter().find(|x| x.name() == s)
    }
}

/// Edge keys: separator between the two states, and the special states.
pub(crate) const SEP: u32 = u32::MAX;
pub(crate) const START_STATE: u32 = u32::MAX - 1;
pub(crate) const CONV_STATE: u32 = u32::MAX - 2;
pub(crate) const NULL_STATE: u32 = u32::MAX - 3;

/// Note code of last non-direct: converting journeys with direct touches only.
pub(crate) const NOTE_ALL_DIRECT: u32 = 0;

/// One cell of the sum table: every field adds, except `dwell_min` / `dwell_max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cell {
    pub n: i64,
    pub c: i64,
    pub v: i128,
    pub x: i128,
    pub dwell_n: i64,
    pub dwell_sum: i128,
    pub dwell_sq: i128,
    pub dwell_min: i64,
    pub dwell_max: i64,
}

impl Default for Cell {
    fn default() -> Self {
        Cell { n: 0, c: 0, v: 0, x: 0, dwell_n: 0, dwell_sum: 0, dwell_sq: 0, dwell_min: i64::MAX, dwell_max: i64::MIN }
    }
}

impl Cell {
    #[inline]
    pub(crate) fn add(&mut self, o: &Cell) {
        self.n += o.n;
        self.c += o.c;
        self.v += o.v;
        self.x += o.x;
        self.dwell_n += o.dwell_n;
        self.dwell_sum += o.dwell_sum;
        self.dwell_sq += o.dwell_sq;
        self.dwell_min = self.dwell_min.min(o.dwell_min);
        self.dwell_max = self.dwell_max.max(o.dwell_max);
    }

    #[inline]
    pub(crate) fn dwell(&mut self, d: i64) {
        self.dwell_n += 1;
        self.dwell_sum += d as i128;
        self.dwell_sq += (d as i128) * (d as i128);
        self.dwell_min = self.dwell_min.min(d);
        self.dwell_max = self.dwell_max.max(d);
    }
}

pub(crate) type Key = (Section, Box<[u32]>);

/// Mergeable counts of a share of the customers; see the [module docs](self). Two partials are
/// equal when their specs and counts are (however many partials each was merged from).
#[derive(Debug, Clone)]
pub struct Partial {
    pub(crate) spec: Arc<PartialSpec>,
    pub(crate) cells: BTreeMap<Key, Cell>,
    /// Partials merged into this one (1 for a built partial, 0 for the empty one).
    pub(crate) parts: u64,
}

impl PartialEq for Partial {
    fn eq(&self, o: &Self) -> bool {
        self.spec == o.spec && self.cells == o.cells
    }
}

impl Partial {
    /// The empty partial of `spec`: the identity of [`Partial::merge`].
    pub fn empty(spec: &PartialSpec) -> Partial {
        Partial { spec: Arc::new(spec.clone()), cells: BTreeMap::new(), parts: 0 }
    }

    /// The spec it was built with.
    pub fn spec(&self) -> &PartialSpec {
        &self.spec
    }

    /// Number of built partials merged into this one.
    pub fn parts(&self) -> u64 {
        self.parts
    }

    /// Number of cells (rows of [`Partial::rows`] less the fingerprint row).
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// True for a partial without counts.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Add `other`'s counts (exact integer addition). Fails with [`Error::Incompatible`] when
    /// the two were built with different specs.
    pub fn merge(&mut self, other: &Partial) -> Result<()> {
        check_same(&self.spec, &other.spec)?;
        for (k, c) in &other.cells {
            match self.cells.get_mut(k) {
                Some(d) => d.add(c),
                None => {
                    self.cells.insert(k.clone(), *c);
                }
            }
        }
        self.parts += other.parts;
        Ok(())
    }

    /// Merge many partials (any order, any tree: the result is the same).
    pub fn merge_all<'a>(spec: &PartialSpec, parts: impl IntoIterator<Item = &'a Partial>) -> Result<Partial> {
        let mut acc = Partial::empty(spec);
        for p in parts {
            acc.merge(p)?;
        }
        Ok(acc)
    }

    fn cell(&self, s: Section, key: &[u32]) -> Option<&Cell> {
        self.cells.get(&(s, key.into()))
    }

    fn section(&self, s: Section) -> impl Iterator<Item = (&[u32], &Cell)> + '_ {
        let lo: Key = (s, Box::new([]));
        self.cells.range(lo..).take_while(move |((t, _), _)| *t == s).map(|((_, k), c)| (&k[..], c))
    }

    /// Journeys, conversions and value counted.
    pub fn totals(&self) -> (f64, f64, f64) {
        self.cell(Section::Totals, &[]).map_or((0.0, 0.0, 0.0), |c| (c.n as f64, c.c as f64, from_fixed(c.v)))
    }

    /// The journey build report summed over every partition: every event accounted for.
    /// (`customers_resorted` is 0: partials put every customer's events in the canonical
    /// order themselves, whatever order they came in.)
    pub fn report(&self) -> JourneyReport {
        let mut v = [0usize; 14];
        for (i, x) in v.iter_mut().enumerate() {
            *x = self.cell(Section::Report, &[i as u32]).map_or(0, |c| c.n as usize);
        }
        let value = self.cell(Section::Report, &[14]).map_or(0.0, |c| from_fixed(c.v));
        crate::saved::journeys::report_from_counts(v, value)
    }

    /// Touches per touchpoint (vocabulary order).
    fn touches(&self) -> Vec<f64> {
        let mut t = vec![0.0; self.spec.catalog.len()];
        for (k, c) in self.section(Section::Touches) {
            t[k[0] as usize] = c.n as f64;
        }
        t
    }

    /// The distinct-set table as a path table (sets sorted), the rows the set-based models walk.
    fn set_table(&self) -> Result<PathTable> {
        let mut p = PathTable::new(self.spec.catalog.clone());
        for (k, c) in self.section(Section::Set) {
            let ids: Vec<TouchpointId> = k.iter().map(|&t| TouchpointId(t)).collect();
            p.add(&ids, c.c as f64, (c.n - c.c) as f64, from_fixed(c.v))?;
        }
        Ok(p)
    }

    /// The path table (paths in id order). Needs a spec [`with_paths`](PartialSpec::with_paths).
    pub fn path_table(&self) -> Result<PathTable> {
        if !self.spec.paths {
            return Err(not_counted("path_table", "the path table", "with_paths(true)"));
        }
        let mut p = PathTable::new(self.spec.catalog.clone());
        for (k, c) in self.section(Section::Path) {
            let ids: Vec<TouchpointId> = k.iter().map(|&t| TouchpointId(t)).collect();
            p.add(&ids, c.c as f64, (c.n - c.c) as f64, from_fixed(c.v))?;
        }
        Ok(p)
    }

    /// The journey graph of `order` from the merged transitions: states in id order, the same
    /// counts and dwell times as [`JourneyGraph::from_journeys`] on all the journeys.
    pub fn graph(&self, order: usize) -> Result<JourneyGraph> {
        if !self.spec.orders().contains(&order) {
            return Err(not_counted(
                "order",
                &format!("order-{order} transitions"),
                &format!("graph_orders(&[{order}]) or a markov({order}) model"),
            ));
        }
        let mut states: BTreeMap<Box<[u32]>, u32> = BTreeMap::new();
        let mut edges: Vec<(&[u32], &[u32], &Cell)> = Vec::new();
        for (k, c) in self.section(Section::Edge) {
            if k[0] as usize != order {
                continue;
            }
            let sep = k.iter().position(|&x| x == SEP).ok_or_else(|| bad_key(Section::Edge, k))?;
            let (a, b) = (&k[1..sep], &k[sep + 1..]);
            for s in [a, b] {
                if !is_special(s) {
                    states.entry(s.into()).or_insert(0);
                }
            }
            edges.push((a, b, c));
        }
        for (i, v) in states.values_mut().enumerate() {
            *v = 3 + i as u32;
        }
        let node = |s: &[u32]| match s {
            [START_STATE] => 0,
            [CONV_STATE] => 1,
            [NULL_STATE] => 2,
            _ => states[s],
        };
        let mut list: Vec<((u32, u32), EdgeStats)> = edges
            .into_iter()
            .map(|(a, b, c)| {
                let dwell = DwellStats {
                    count: c.dwell_n as u64,
                    sum: c.dwell_sum as f64,
                    sum_sq: c.dwell_sq as f64,
                    min: c.dwell_min,
                    max: c.dwell_max,
                };
                ((node(a), node(b)), EdgeStats { count: c.n as f64, value: from_fixed(c.v), dwell })
            })
            .collect();
        list.sort_unstable_by_key(|(k, _)| *k);
        let st: Vec<Box<[TouchpointId]>> =
            states.keys().map(|s| s.iter().map(|&t| TouchpointId(t)).collect()).collect();
        Ok(JourneyGraph::from_counts(order, false, self.spec.catalog.clone(), &st, list, true, self.totals()))
    }

    /// The experience table (per touchpoint, stage, channel kind and overall) of the counted
    /// feedback scores: the same rows as [`experience`](crate::experience::experience) on all
    /// the events. Needs a spec [`with_experience`](PartialSpec::with_experience).
    pub fn experience(&self) -> Result<Experience> {
        let Some(opts) = &self.spec.experience else {
            return Err(not_counted("experience", "the experience table", "with_experience(options)"));
        };
        let mut acc = vec![crate::experience::table::Acc::default(); self.spec.catalog.len()];
        for (k, c) in self.section(Section::Experience) {
            let a = &mut acc[k[0] as usize];
            if k[1] == 0 {
                a.n = c.n as usize;
                a.promoters = c.c as usize;
                a.sum = FixedSum::from_raw(c.v);
                a.sum_sq = FixedSum::from_raw(c.x);
            } else {
                a.detractors = c.n as usize;
            }
        }
        if acc.iter().all(|a| a.n == 0) {
            return Err(crate::experience::table::no_scores());
        }
        let mut v = [0usize; FEEDBACK_FIELDS];
        for (k, c) in self.section(Section::Feedback) {
            v[k[0] as usize] = c.n as usize;
        }
        Ok(crate::experience::table::table_of(&self.spec.catalog, &acc, None, opts, feedback_from(v)))
    }

    /// Every model of the spec, in its order.
    pub fn attribute(&self) -> Result<Vec<Credits>> {
        // the set table and the frame once for every model
        let (sets, opts) = (self.set_table()?, AttributionOptions::default());
        let frame = self.frame(&sets, &opts)?;
        (0..self.spec.models.len()).map(|i| self.attribute_in(i, &frame)).collect()
    }

    /// Model `index` of the spec.
    pub fn attribute_model(&self, index: usize) -> Result<Credits> {
        let (sets, opts) = (self.set_table()?, AttributionOptions::default());
        self.attribute_in(index, &self.frame(&sets, &opts)?)
    }

    /// The frame the single-machine models read: the set table's rows with the exact totals.
    fn frame<'a>(&self, sets: &'a PathTable, opts: &'a AttributionOptions) -> Result<Frame<'a>> {
        let (journeys, conversions, value) = self.totals();
        if journeys <= 0.0 {
            return Err(Error::EmptyInput { what: "partial", hint: "journey (build the partial from events)" });
        }
        let data = crate::Data::Paths(sets);
        Ok(Frame {
            data,
            opts,
            journeys,
            conversions,
            value,
            touches: self.touches(),
            truncated_rows: 0,
            truncated_touches: 0,
            totals: data.pass_totals(None),
        })
    }

    fn attribute_in(&self, index: usize, frame: &Frame<'_>) -> Result<Credits> {
        let model =
            self.spec.models.get(index).ok_or_else(|| {
                Error::option("model", index, format!("the spec has {} models", self.spec.models.len()))
            })?;
        frame.require_conversions(model)?;
        match model {
            AttributionModel::Markov { order, allocation, value_basis } => {
                let g = self.graph(*order)?;
                attribution::markov::attribute_on(frame, model, &g, *allocation, *value_basis)
            }
            AttributionModel::ShapleyRate { method } => attribution::shapley::conversion_rate(frame, model, method),
            AttributionModel::ShaoLi => attribution::shao_li::attribute(frame, model),
            m => {
                let n_tp = self.spec.catalog.len();
                let (mut conv, mut val) = (vec![0.0; n_tp], vec![0.0; n_tp]);
                for (k, c) in self.section(Section::Credit) {
                    if k[0] as usize == index {
                        conv[k[1] as usize] = from_fixed(c.v);
                        val[k[1] as usize] = from_fixed(c.x);
                    }
                }
                let efficient = !matches!(m, AttributionModel::Participation);
                let mut c = frame.credits(m, conv, val, efficient);
                let all_direct = self.cell(Section::Note, &[index as u32, NOTE_ALL_DIRECT]).map_or(0, |c| c.n);
                c.notes.extend(attribution::rules::model_notes(m, &self.spec.catalog, all_direct as usize));
                c.notes.extend(attribution::shapley::model_note(m));
                if matches!(m, AttributionModel::OrderedShapley) {
                    c.notes.push("from partials: the by-position breakdown is not counted".into());
                }
                Ok(c)
            }
        }
    }
}

fn is_special(s: &[u32]) -> bool {
    matches!(s, [START_STATE] | [CONV_STATE] | [NULL_STATE])
}

fn not_counted(option: &'static str, what: &str, fix: &str) -> Error {
    Error::option(option, what, format!("the partial was built without {what}; add {fix} to its spec"))
}

pub(crate) fn bad_key(s: Section, k: &[u32]) -> Error {
    Error::Incompatible { what: "partial rows", problem: format!("malformed {} key {k:?}", s.name()) }
}

pub(crate) fn check_same(a: &PartialSpec, b: &PartialSpec) -> Result<()> {
    if a == b {
        return Ok(());
    }
    let (fa, fb) = (a.fingerprint(), b.fingerprint());
    let what = if a.catalog.names() != b.catalog.names() {
        format!("their touchpoint vocabularies differ ({} vs {} names)", a.catalog.len(), b.catalog.len())
    } else if a.journeys != b.journeys {
        "their journey options differ".to_owned()
    } else if a.models != b.models {
        "their models differ".to_owned()
    } else {
        "their options differ".to_owned()
    };
    Err(Error::Incompatible {
        what: "partials",
        problem: format!(
            "{what} (fingerprints {fa:016x} and {fb:016x}); build every partition with the same spec: \
             the same sorted vocabulary, journey options, models and orders"
        ),
    })
}

/// Fields of a [`FeedbackReport`] in partial order.
pub(crate) const FEEDBACK_FIELDS: usize = 9;

pub(crate) fn feedback_counts(r: &FeedbackReport) -> [usize; FEEDBACK_FIELDS] {
    [
        r.scores_on_touches,
        r.conversion_scores_attached,
        r.conversion_scores_left_out,
        r.surveys,
        r.surveys_attached,
        r.surveys_unknown_customer,
        r.surveys_unknown_touchpoint,
        r.surveys_without_touch,
        r.scores,
    ]
}

fn feedback_from(v: [usize; FEEDBACK_FIELDS]) -> FeedbackReport {
    FeedbackReport {
        scores_on_touches: v[0],
        conversion_scores_attached: v[1],
        conversion_scores_left_out: v[2],
        surveys: v[3],
        surveys_attached: v[4],
        surveys_unknown_customer: v[5],
        surveys_unknown_touchpoint: v[6],
        surveys_without_touch: v[7],
        scores: v[8],
    }
}
