//! Funnels: how many customers (or journeys) reach each step, where they fall out and how long
//! each step takes (ORACLES E9).
//!
//! A **step** is a touchpoint, a catalog stage (any touchpoint of that stage), a set of
//! touchpoints, or the conversion ([`Step`]). An **attempt** starts at every occurrence of step
//! 1; within an attempt each later step is matched at its earliest possible event. A unit's
//! level is the deepest step reached over all its attempts; its times are those of the first
//! attempt that reached that level.
//!
//! Modes ([`FunnelMode`]):
//! - **ordered**: the steps in time order, other events allowed in between;
//! - **strict**: each step is the very next event after the previous one;
//! - **any order**: after the step-1 anchor the other steps in any order; row `k` counts the
//!   units that completed at least `k` steps (an event that matches two steps completes both).
//!
//! The **window** is measured from the step-1 event: every later matched step is at most the
//! window after it. An **exclusion** ([`Exclusion`]) voids an attempt in which an event of the
//! excluded step happens after the attempt matched step `after` and before it matched step
//! `before` (or, when it never did, within the window). A unit whose attempts are all void is
//! excluded from the funnel: it is counted in [`FunnelSummary::excluded`] and in no other
//! number. Units with no step-1 event are counted as not entering.
//!
//! With no steps, the funnel is the **stage funnel**: the catalog's stages in order with the
//! conversion where the purchase happens: awareness → first interaction → purchase decision →
//! conversion → after-sales (after-sales service follows the purchase; to require it before
//! the conversion, give the steps). Stages no touchpoint of the data belongs to are left out of
//! the steps and listed in [`Funnel::stages_without_touchpoints`].
//!
//! ```
//! use touchpoint_core::{EventTable, DAY_MS};
//! use touchpoint_core::journeymap::{funnel, FunnelOptions, Step};
//!
//! let mut b = EventTable::builder();
//! for (c, tp, day) in [("u1", "ad", 0), ("u1", "site", 1), ("u2", "ad", 0), ("u3", "site", 0)] {
//!     b.touch(c, tp, day * DAY_MS)?;
//! }
//! b.conversion("u1", 2 * DAY_MS, 30.0)?;
//! let events = b.finish()?;
//! let opts = FunnelOptions {
//!     steps: vec![Step::touchpoint("ad"), Step::touchpoint("site"), Step::Conversion],
//!     window_ms: Some(7 * DAY_MS),
//!     ..Default::default()
//! };
//! let f = funnel(&events, &opts, None)?;
//! let reached: Vec<usize> = f.rows.iter().map(|r| r.units).collect();
//! assert_eq!(reached, [2, 1, 1]);
//! assert_eq!(f.summary[0].not_entered, 1); // u3 never saw the ad
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use crate::catalog::{Catalog, Stage};
use crate::error::{Error, Result};
use crate::events::EventTable;
use crate::journey::{JourneyOptions, Journeys};
use crate::journeymap::sequence::{CONVERSION, Item, Source};
use crate::named::Named;
use crate::rows::DurationMs;
use crate::segment::Segments;
use crate::stats::{DurationSummary, Z95, ratio, wilson};

/// At most this many steps (and exclusions) in one funnel.
pub const MAX_STEPS: usize = 64;

/// One funnel step: what an event must be to match it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// One touchpoint, by name.
    Touchpoint(String),
    /// Any touchpoint of a catalog stage.
    Stage(Stage),
    /// Any of several touchpoints.
    AnyOf(Vec<String>),
    /// A conversion (a purchase row or a converting touch).
    Conversion,
}

impl Step {
    /// A touchpoint step.
    pub fn touchpoint(name: &str) -> Self {
        Step::Touchpoint(name.to_owned())
    }

    /// The item codes this step matches (touchpoint ids, or the conversion).
    pub(crate) fn codes_in(&self, cat: &Catalog) -> Result<Vec<u32>> {
        let known = |name: &str| {
            cat.get(name)
                .map(|id| id.0)
                .ok_or_else(|| Error::unknown_touchpoint(name, cat.names().iter().map(String::as_str)))
        };
        match self {
            Step::Touchpoint(n) => Ok(vec![known(n)?]),
            Step::AnyOf(names) => names.iter().map(|n| known(n)).collect(),
            Step::Conversion => Ok(vec![CONVERSION]),
            Step::Stage(s) => {
                let ids: Vec<u32> = cat.iter().filter(|(_, _, a)| a.stage == Some(*s)).map(|(id, _, _)| id.0).collect();
                if ids.is_empty() {
                    return Err(Error::option(
                        "steps",
                        self,
                        format!(
                            "no touchpoint of the data has stage {s}; attach a catalog with a stage column ({}) or drop the step",
                            stages_in(cat)
                        ),
                    ));
                }
                Ok(ids)
            }
        }
    }
}

fn stages_in(cat: &Catalog) -> String {
    let mut found: Vec<Stage> = cat.iter().filter_map(|(_, _, a)| a.stage).collect();
    found.sort();
    found.dedup();
    if found.is_empty() {
        "the catalog has no stages".into()
    } else {
        format!("stages present: {}", found.iter().map(|s| s.name()).collect::<Vec<_>>().join(", "))
    }
}

/// `"conversion"`, `"stage:<stage>"`, `"a | b"` (any of), `"touchpoint:<name>"` or a name.
impl FromStr for Step {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if t.is_empty() {
            return Err(Error::option(
                "steps",
                format!("{s:?}"),
                "a step cannot be empty; give a touchpoint name, 'stage:<stage>', 'a | b' or 'conversion'",
            ));
        }
        if let Some(name) = s.trim_start().strip_prefix("touchpoint:") {
            return Ok(Step::Touchpoint(name.to_owned()));
        }
        if let Some(stage) = t.strip_prefix("stage:") {
            return Stage::parse(stage.trim()).map(Step::Stage);
        }
        if t == "conversion" {
            return Ok(Step::Conversion);
        }
        if t.contains('|') {
            let names: Vec<String> =
                t.split('|').map(|p| p.trim()).filter(|p| !p.is_empty()).map(str::to_owned).collect();
            return Ok(Step::AnyOf(names));
        }
        Ok(Step::Touchpoint(t.to_owned()))
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // a name that would read back as something else is written `touchpoint:<name>`
            Step::Touchpoint(n)
                if n == "conversion"
                    || n.contains('|')
                    || n.starts_with("stage:")
                    || n.starts_with("touchpoint:")
                    || n.trim() != n =>
            {
                write!(f, "touchpoint:{n}")
            }
            Step::Touchpoint(n) => f.write_str(n),
            Step::Stage(s) => write!(f, "stage:{s}"),
            Step::AnyOf(names) => f.write_str(&names.join(" | ")),
            Step::Conversion => f.write_str("conversion"),
        }
    }
}

crate::named_enum! {
    /// How the steps of a funnel must follow each other.
    pub enum FunnelMode: "mode" {
        /// In time order, other events allowed in between.
        Ordered = 0 => "ordered",
        /// Each step is the very next event.
        Strict = 1 => "strict" | "strict_order",
        /// After the step-1 anchor, the other steps in any order.
        AnyOrder = 2 => "any_order" | "unordered" | "any",
    }
}

crate::named_enum! {
    /// What a funnel (or step matrix) counts.
    pub enum FunnelUnit: "unit" {
        /// Customers: all of a customer's events form one sequence.
        Customer = 0 => "customer" | "customers" | "user" | "person",
        /// Journeys (see [`Journeys::build`]): each journey is a sequence.
        Journey = 1 => "journey" | "journeys",
    }
}

/// An exclusion step: attempts with an event of `step` between steps `after` and `before`
/// (1-based step numbers, `after < before`) are void.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    /// What the excluded event is.
    pub step: Step,
    /// The step after which the excluded event counts (1-based).
    pub after: usize,
    /// The step before which it counts (1-based).
    pub before: usize,
}

/// Funnel options.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelOptions {
    /// The steps, in order. Empty: the stage funnel.
    pub steps: Vec<Step>,
    /// Ordered (default), strict or any order.
    pub mode: FunnelMode,
    /// Conversion window from the step-1 event (milliseconds); None = unlimited.
    pub window_ms: Option<i64>,
    /// Exclusion steps.
    pub exclusions: Vec<Exclusion>,
    /// Customers (default) or journeys.
    pub unit: FunnelUnit,
    /// How journeys are built when `unit` is journeys.
    pub journeys: JourneyOptions,
}

impl Default for FunnelOptions {
    fn default() -> Self {
        Self {
            steps: Vec::new(),
            mode: FunnelMode::Ordered,
            window_ms: None,
            exclusions: Vec::new(),
            unit: FunnelUnit::Customer,
            journeys: JourneyOptions::default(),
        }
    }
}

crate::row_struct! {
    optional(segment);
    /// One step of a funnel (of one segment).
    #[derive(Clone, PartialEq)]
    pub struct FunnelRow {
        /// The segment, when the funnel is per segment.
        pub segment: Option<String>,
        /// Step number, from 1.
        pub step: usize,
        /// The step (a touchpoint, `stage:<stage>`, `a | b` or `conversion`).
        pub name: String,
        /// Units that reached this step (any-order mode: that completed at least `step` steps).
        pub units: usize,
        /// `units` ÷ units at step 1.
        pub overall_rate: Option<f64>,
        /// Lower bound of the 95 % Wilson interval of `overall_rate`.
        pub overall_rate_lower: Option<f64>,
        /// Upper bound of the 95 % Wilson interval of `overall_rate`.
        pub overall_rate_upper: Option<f64>,
        /// `units` ÷ units at the previous step (none for step 1).
        pub step_rate: Option<f64>,
        /// Lower bound of the 95 % Wilson interval of `step_rate`.
        pub step_rate_lower: Option<f64>,
        /// Upper bound of the 95 % Wilson interval of `step_rate`.
        pub step_rate_upper: Option<f64>,
        /// `units` ÷ all units of the funnel, entered or not (the rate of tools that divide by
        /// everyone); units excluded by an exclusion step are not counted.
        pub reach: Option<f64>,
        /// Units at the previous step that did not reach this one (none for step 1).
        pub drop_off: Option<usize>,
        /// Median time from the previous step.
        pub time_from_previous_median: Option<DurationMs>,
        /// Mean time from the previous step.
        pub time_from_previous_mean: Option<DurationMs>,
        /// 25th percentile of the time from the previous step.
        pub time_from_previous_p25: Option<DurationMs>,
        /// 75th percentile of the time from the previous step.
        pub time_from_previous_p75: Option<DurationMs>,
        /// 90th percentile of the time from the previous step.
        pub time_from_previous_p90: Option<DurationMs>,
        /// Median time from step 1.
        pub time_from_first_median: Option<DurationMs>,
        /// Mean time from step 1.
        pub time_from_first_mean: Option<DurationMs>,
        /// 25th percentile of the time from step 1.
        pub time_from_first_p25: Option<DurationMs>,
        /// 75th percentile of the time from step 1.
        pub time_from_first_p75: Option<DurationMs>,
        /// 90th percentile of the time from step 1.
        pub time_from_first_p90: Option<DurationMs>,
    }
}

crate::row_struct! {
    optional(segment);
    /// The units of a funnel (of one segment): how many there are, entered, were excluded and
    /// completed.
    #[derive(Clone, PartialEq)]
    pub struct FunnelSummary {
        /// The segment, when the funnel is per segment.
        pub segment: Option<String>,
        /// All units (customers with events, or journeys), excluded ones included.
        pub units: usize,
        /// Units with a step-1 event that were not excluded.
        pub entered: usize,
        /// Units with no step-1 event.
        pub not_entered: usize,
        /// Units whose every attempt was voided by an exclusion step (in no other count).
        pub excluded: usize,
        /// Units that reached the last step.
        pub completed: usize,
        /// Completed ÷ entered.
        pub conversion_rate: Option<f64>,
    }
}

/// A funnel: one row per step (per segment), one summary per segment.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Funnel {
    /// The steps, as text.
    pub steps: Vec<String>,
    /// The mode.
    pub mode: FunnelMode,
    /// What was counted.
    pub unit: FunnelUnit,
    /// The window (milliseconds), if any.
    pub window_ms: Option<i64>,
    /// Steps per segment (segments in order of first appearance).
    pub rows: Vec<FunnelRow>,
    /// Units per segment.
    pub summary: Vec<FunnelSummary>,
    /// Stage funnel only: stages that no touchpoint of the data belongs to (left out of the
    /// steps).
    pub stages_without_touchpoints: Vec<Stage>,
}

/// The compiled form of the options: which steps each item code matches.
pub(crate) struct Spec {
    k: usize,
    /// Per code (touchpoint ids, then the conversion last): bit `j` = matches step `j`.
    masks: Vec<u64>,
    /// Per code: bit `e` = matches exclusion `e`.
    excl: Vec<u64>,
    /// Exclusions as 0-based (after, before).
    between: Vec<(usize, usize)>,
    mode: FunnelMode,
    window: Option<i64>,
}

impl Spec {
    fn new(cat: &Catalog, steps: &[Step], opts: &FunnelOptions) -> Result<Self> {
        if steps.is_empty() {
            return Err(Error::option("steps", "[]", "a funnel needs at least one step"));
        }
        if steps.len() > MAX_STEPS || opts.exclusions.len() > MAX_STEPS {
            return Err(Error::option(
                "steps",
                steps.len(),
                format!("at most {MAX_STEPS} steps and {MAX_STEPS} exclusions"),
            ));
        }
        if let Some(w) = opts.window_ms
            && w <= 0
        {
            return Err(Error::option("window", w, "the window must be positive (or none for no window)"));
        }
        let n = cat.len();
        let slot = |code: u32| if code == CONVERSION { n } else { code as usize };
        let mut masks = vec![0u64; n + 1];
        for (j, s) in steps.iter().enumerate() {
            for c in s.codes_in(cat)? {
                masks[slot(c)] |= 1 << j;
            }
        }
        let mut excl = vec![0u64; n + 1];
        let mut between = Vec::new();
        for (e, x) in opts.exclusions.iter().enumerate() {
            if x.after < 1 || x.after >= x.before || x.before > steps.len() {
                return Err(Error::option(
                    "exclusions",
                    format!("{} between steps {} and {}", x.step, x.after, x.before),
                    format!("the steps must satisfy 1 <= after < before <= {} (the number of steps)", steps.len()),
                ));
            }
            for c in x.step.codes_in(cat)? {
                excl[slot(c)] |= 1 << e;
            }
            between.push((x.after - 1, x.before - 1));
        }
        Ok(Self { k: steps.len(), masks, excl, between, mode: opts.mode, window: opts.window_ms })
    }

    /// Item codes the funnel looks at (all of them in strict mode).
    fn keep(&self) -> Option<Vec<bool>> {
        if self.mode == FunnelMode::Strict {
            return None;
        }
        Some(self.masks.iter().zip(&self.excl).map(|(m, e)| m | e != 0).collect())
    }

    fn mask(&self, code: u32) -> u64 {
        self.masks[if code == CONVERSION { self.masks.len() - 1 } else { code as usize }]
    }

    fn excl_mask(&self, code: u32) -> u64 {
        self.excl[if code == CONVERSION { self.excl.len() - 1 } else { code as usize }]
    }
}

/// What happened to one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// No step-1 event.
    NotEntered,
    /// Every attempt was voided by an exclusion.
    Excluded,
    /// The deepest level reached (≥ 1); the times of its steps are in [`Scratch::times`].
    Reached(usize),
}

/// Reusable per-unit buffers.
#[derive(Default)]
pub(crate) struct Scratch {
    /// After [`Spec::evaluate`] returned `Reached`: the times of the counted attempt's steps.
    pub(crate) best: Vec<i64>,
    lists: Vec<Vec<u32>>,
    excl: Vec<Vec<u32>>,
    pos: Vec<Option<u32>>,
    comps: Vec<(u32, i64)>,
}

impl Spec {
    /// The outcome of one unit's items.
    pub(crate) fn evaluate(&self, items: &[Item], s: &mut Scratch) -> Outcome {
        if items.is_empty() {
            return Outcome::NotEntered;
        }
        let k = self.k;
        s.lists.resize_with(k, Vec::new);
        s.excl.resize_with(self.between.len(), Vec::new);
        s.lists.iter_mut().for_each(Vec::clear);
        s.excl.iter_mut().for_each(Vec::clear);
        for (p, it) in items.iter().enumerate() {
            let mut m = self.mask(it.code);
            if self.mode == FunnelMode::Strict {
                m &= 1; // only step-1 positions are needed; later steps are checked in place
            }
            while m != 0 {
                let j = m.trailing_zeros() as usize;
                s.lists[j].push(p as u32);
                m &= m - 1;
            }
            let mut e = self.excl_mask(it.code);
            while e != 0 {
                let j = e.trailing_zeros() as usize;
                s.excl[j].push(p as u32);
                e &= e - 1;
            }
        }
        if s.lists[0].is_empty() {
            return Outcome::NotEntered;
        }
        let mut best_level = 0usize;
        s.best.clear();
        let starts = std::mem::take(&mut s.lists[0]);
        for &a in &starts {
            let level = self.attempt(items, a, s);
            if self.void(items, a, s) {
                continue;
            }
            if level > best_level {
                best_level = level;
                self.times_of(items, level, s);
                s.best.clear();
                s.best.extend(s.comps.iter().map(|&(_, t)| t));
            }
            if best_level == k {
                break;
            }
            // without a window (or exclusions) the first attempt sees every event a later one
            // does (strict attempts are independent)
            if self.window.is_none() && self.between.is_empty() && self.mode != FunnelMode::Strict {
                break;
            }
        }
        s.lists[0] = starts;
        if best_level == 0 { Outcome::Excluded } else { Outcome::Reached(best_level) }
    }

    fn limit(&self, items: &[Item], a: u32) -> i64 {
        self.window.map_or(i64::MAX, |w| items[a as usize].t.saturating_add(w))
    }

    /// Run the attempt anchored at position `a`: fills `s.pos` (matched position per step) and
    /// returns the level.
    fn attempt(&self, items: &[Item], a: u32, s: &mut Scratch) -> usize {
        let limit = self.limit(items, a);
        s.pos.clear();
        s.pos.resize(self.k, None);
        s.pos[0] = Some(a);
        match self.mode {
            FunnelMode::Ordered => {
                let mut prev = a;
                for j in 1..self.k {
                    let l = &s.lists[j];
                    let i = l.partition_point(|&p| p <= prev);
                    match l.get(i) {
                        Some(&p) if items[p as usize].t <= limit => {
                            s.pos[j] = Some(p);
                            prev = p;
                        }
                        _ => return j,
                    }
                }
                self.k
            }
            FunnelMode::Strict => {
                for j in 1..self.k {
                    let p = a as usize + j;
                    match items.get(p) {
                        Some(it) if self.mask(it.code) & (1 << j) != 0 && it.t <= limit => s.pos[j] = Some(p as u32),
                        _ => return j,
                    }
                }
                self.k
            }
            FunnelMode::AnyOrder => {
                let mut level = 1;
                for j in 1..self.k {
                    let l = &s.lists[j];
                    let i = l.partition_point(|&p| p <= a);
                    if let Some(&p) = l.get(i)
                        && items[p as usize].t <= limit
                    {
                        s.pos[j] = Some(p);
                        level += 1;
                    }
                }
                level
            }
        }
    }

    /// Whether an exclusion voids the attempt just run.
    fn void(&self, items: &[Item], a: u32, s: &Scratch) -> bool {
        let limit = self.limit(items, a);
        self.between.iter().zip(&s.excl).any(|(&(f, g), hits)| {
            let (Some(pf), pg) = (s.pos[f], s.pos[g]) else { return false };
            let (lo, hi) = match pg {
                Some(pg) => (pf.min(pg), Some(pf.max(pg))),
                None => (pf, None),
            };
            let i = hits.partition_point(|&q| q <= lo);
            hits.get(i).is_some_and(|&q| match hi {
                Some(h) => q < h,
                None => items[q as usize].t <= limit,
            })
        })
    }

    /// The (position, time) of the steps of the attempt just run into `s.comps`, in time order
    /// (any order: the order of completion).
    fn times_of(&self, items: &[Item], level: usize, s: &mut Scratch) {
        s.comps.clear();
        match self.mode {
            FunnelMode::AnyOrder => {
                s.comps.extend(s.pos.iter().flatten().map(|&p| (p, items[p as usize].t)));
                s.comps.sort_unstable();
            }
            _ => s.comps.extend(s.pos[..level].iter().flatten().map(|&p| (p, items[p as usize].t))),
        }
    }
}

/// Per-segment tallies.
#[derive(Debug, Clone, Default)]
struct Tally {
    units: usize,
    not_entered: usize,
    excluded: usize,
    reached: Vec<usize>,
    from_previous: Vec<Vec<i64>>,
    from_first: Vec<Vec<i64>>,
}

impl Tally {
    fn new(k: usize) -> Self {
        Self {
            reached: vec![0; k],
            from_previous: vec![Vec::new(); k],
            from_first: vec![Vec::new(); k],
            ..Default::default()
        }
    }

    fn add(&mut self, o: &Outcome, times: &[i64]) {
        self.units += 1;
        match o {
            Outcome::NotEntered => self.not_entered += 1,
            Outcome::Excluded => self.excluded += 1,
            Outcome::Reached(_) => {
                for (j, &t) in times.iter().enumerate() {
                    self.reached[j] += 1;
                    if j > 0 {
                        self.from_previous[j].push(t.saturating_sub(times[j - 1]));
                        self.from_first[j].push(t.saturating_sub(times[0]));
                    }
                }
            }
        }
    }

    fn merge(mut self, o: Tally) -> Tally {
        self.units += o.units;
        self.not_entered += o.not_entered;
        self.excluded += o.excluded;
        for (a, b) in self.reached.iter_mut().zip(o.reached) {
            *a += b;
        }
        for (a, b) in self.from_previous.iter_mut().zip(o.from_previous) {
            a.extend(b);
        }
        for (a, b) in self.from_first.iter_mut().zip(o.from_first) {
            a.extend(b);
        }
        self
    }
}

fn merge_tallies(a: Vec<Tally>, b: Vec<Tally>) -> Vec<Tally> {
    a.into_iter().zip(b).map(|(x, y)| x.merge(y)).collect()
}

/// The steps to run: the given ones, or the stage funnel's.
fn resolve_steps(cat: &Catalog, opts: &FunnelOptions) -> Result<(Vec<Step>, Vec<Stage>)> {
    if !opts.steps.is_empty() {
        return Ok((opts.steps.clone(), Vec::new()));
    }
    let has_stage = |s: Stage| cat.iter().any(|(_, _, a)| a.stage == Some(s));
    if !Stage::ALL.iter().any(|&s| has_stage(s)) {
        return Err(Error::option(
            "steps",
            "[]",
            "no steps given and the catalog has no stages: give steps, or attach a catalog with a stage column for the stage funnel",
        ));
    }
    let mut steps: Vec<Step> = Vec::new();
    let mut missing = Vec::new();
    for &s in Stage::ALL {
        if s == Stage::AfterSales {
            steps.push(Step::Conversion); // after-sales follows the purchase itself
        }
        if has_stage(s) { steps.push(Step::Stage(s)) } else { missing.push(s) }
    }
    Ok((steps, missing))
}

fn check_segments(segments: Option<&Segments>, customers: usize) -> Result<()> {
    if let Some(seg) = segments
        && seg.customers() != customers
    {
        return Err(Error::LengthMismatch {
            column: "segment".into(),
            reference: "customers".into(),
            expected: customers,
            found: seg.customers(),
        });
    }
    Ok(())
}

/// The funnel of an event table (customers, or journeys built with `opts.journeys`), per
/// segment when `segments` is given.
pub fn funnel(events: &EventTable, opts: &FunnelOptions, segments: Option<&Segments>) -> Result<Funnel> {
    if opts.unit == FunnelUnit::Journey {
        let (journeys, _) = Journeys::build(events, &opts.journeys)?;
        return funnel_journeys(&journeys, opts, segments);
    }
    funnel_of(Source::Events(events), opts, segments)
}

/// The funnel of journeys (each journey a unit: its touches, then its conversion).
pub fn funnel_journeys(journeys: &Journeys, opts: &FunnelOptions, segments: Option<&Segments>) -> Result<Funnel> {
    let opts = FunnelOptions { unit: FunnelUnit::Journey, ..opts.clone() };
    funnel_of(Source::Journeys(journeys), &opts, segments)
}

fn funnel_of(source: Source<'_>, opts: &FunnelOptions, segments: Option<&Segments>) -> Result<Funnel> {
    let (steps, missing) = resolve_steps(source.catalog(), opts)?;
    let spec = Spec::new(source.catalog(), &steps, opts)?;
    check_segments(segments, source.customers())?;
    let n_seg = segments.map_or(1, |s| s.len().max(1));
    let k = spec.k;
    let tallies = source
        .fold(
            spec.keep(),
            || (vec![Tally::new(k); n_seg], Scratch::default()),
            |(t, s), c, items| {
                let seg = segments.map_or(0, |sg| sg.of_customer(c) as usize);
                let o = spec.evaluate(items, s);
                t[seg].add(&o, &s.best);
            },
            |a, b| (merge_tallies(a.0, b.0), a.1),
        )
        .0;
    Ok(finish(steps, missing, opts, segments, tallies))
}

fn finish(
    steps: Vec<Step>,
    missing: Vec<Stage>,
    opts: &FunnelOptions,
    segments: Option<&Segments>,
    tallies: Vec<Tally>,
) -> Funnel {
    let names: Vec<String> = steps.iter().map(|s| s.to_string()).collect();
    let mut rows = Vec::new();
    let mut summary = Vec::new();
    for (g, mut t) in tallies.into_iter().enumerate() {
        let segment = segments.and_then(|s| s.labels().get(g).cloned());
        if segments.is_some() && t.units == 0 {
            continue;
        }
        let counted = (t.units - t.excluded) as f64;
        let n1 = t.reached[0] as f64;
        for (j, name) in names.iter().enumerate() {
            let n = t.reached[j];
            let prev = DurationSummary::of(&mut t.from_previous[j]);
            let first = DurationSummary::of(&mut t.from_first[j]);
            let overall = wilson(n, t.reached[0], Z95);
            let stepwise = if j == 0 { None } else { wilson(n, t.reached[j - 1], Z95) };
            rows.push(FunnelRow {
                segment: segment.clone(),
                step: j + 1,
                name: name.clone(),
                units: n,
                overall_rate: ratio(n as f64, n1),
                overall_rate_lower: overall.map(|w| w.0),
                overall_rate_upper: overall.map(|w| w.1),
                step_rate: if j == 0 { None } else { ratio(n as f64, t.reached[j - 1] as f64) },
                step_rate_lower: stepwise.map(|w| w.0),
                step_rate_upper: stepwise.map(|w| w.1),
                reach: ratio(n as f64, counted),
                drop_off: if j == 0 { None } else { Some(t.reached[j - 1] - n) },
                time_from_previous_median: prev.median,
                time_from_previous_mean: prev.mean,
                time_from_previous_p25: prev.p25,
                time_from_previous_p75: prev.p75,
                time_from_previous_p90: prev.p90,
                time_from_first_median: first.median,
                time_from_first_mean: first.mean,
                time_from_first_p25: first.p25,
                time_from_first_p75: first.p75,
                time_from_first_p90: first.p90,
            });
        }
        let completed = *t.reached.last().unwrap_or(&0);
        summary.push(FunnelSummary {
            segment,
            units: t.units,
            entered: t.reached[0],
            not_entered: t.not_entered,
            excluded: t.excluded,
            completed,
            conversion_rate: ratio(completed as f64, n1),
        });
    }
    Funnel {
        steps: names,
        mode: opts.mode,
        unit: opts.unit,
        window_ms: opts.window_ms,
        rows,
        summary,
        stages_without_touchpoints: missing,
    }
}

crate::row_struct! {
    optional(difference, difference_lower, difference_upper, p_value, p_adjusted);
    /// One step of two segments' funnels side by side ([`Funnel::compare_segments`]).
    #[derive(Clone, PartialEq)]
    pub struct FunnelDiffRow {
        /// Step number, from 1.
        pub step: usize,
        /// The step.
        pub name: String,
        /// First segment.
        pub segment_a: String,
        /// Second segment.
        pub segment_b: String,
        /// Units of `a` at this step.
        pub units_a: usize,
        /// Units of `b` at this step.
        pub units_b: usize,
        /// `a`'s overall rate (units ÷ units at step 1).
        pub rate_a: Option<f64>,
        /// `b`'s overall rate.
        pub rate_b: Option<f64>,
        /// `rate_b − rate_a`.
        pub difference: Option<f64>,
        /// Lower bound of the 95 % (Wald) interval of the difference.
        pub difference_lower: Option<f64>,
        /// Upper bound.
        pub difference_upper: Option<f64>,
        /// Two-sided p-value of "same rate" (two-proportion z-test, pooled variance).
        pub p_value: Option<f64>,
        /// Benjamini–Hochberg adjusted p-value over the steps after the first.
        pub p_adjusted: Option<f64>,
        /// The test used.
        pub test: String,
    }
}

impl Funnel {
    /// Segments `a` and `b` side by side, step by step: each one's overall rate, the difference
    /// `b − a` with its 95 % Wald interval, the two-sided p-value of a pooled two-proportion
    /// z-test (the segments are disjoint sets of units, so independent samples) and its
    /// Benjamini–Hochberg adjustment over the steps after the first (step 1 is 100 % in both).
    ///
    /// # Errors
    /// A segment the funnel does not have ([`Error::InvalidOption`] listing the segments).
    pub fn compare_segments(&self, a: &str, b: &str) -> Result<Vec<FunnelDiffRow>> {
        let labels: Vec<&str> = self.summary.iter().filter_map(|s| s.segment.as_deref()).collect();
        for l in [a, b] {
            if !labels.contains(&l) {
                return Err(Error::option(
                    "segment",
                    l,
                    format!("the funnel has no such segment; its segments are {}", labels.join(", ")),
                ));
            }
        }
        let ra: Vec<&FunnelRow> = self.segment_rows(Some(a)).collect();
        let rb: Vec<&FunnelRow> = self.segment_rows(Some(b)).collect();
        let (na, nb) = (ra.first().map_or(0, |r| r.units), rb.first().map_or(0, |r| r.units));
        let mut rows: Vec<FunnelDiffRow> = ra
            .iter()
            .zip(&rb)
            .map(|(x, y)| {
                let (pa, pb) = (x.overall_rate, y.overall_rate);
                let diff = pa.zip(pb).map(|(p, q)| q - p);
                let se = pa.zip(pb).map(|(p, q)| (p * (1.0 - p) / na as f64 + q * (1.0 - q) / nb as f64).sqrt());
                let pooled = (x.units + y.units) as f64 / (na + nb).max(1) as f64;
                let se0 = (pooled * (1.0 - pooled) * (1.0 / na.max(1) as f64 + 1.0 / nb.max(1) as f64)).sqrt();
                let p_value = match diff {
                    Some(d) if x.step > 1 && se0 > 0.0 => Some(crate::stats::normal_p_value(d / se0)),
                    Some(_) if x.step > 1 => Some(1.0),
                    _ => None,
                };
                FunnelDiffRow {
                    step: x.step,
                    name: x.name.clone(),
                    segment_a: a.to_owned(),
                    segment_b: b.to_owned(),
                    units_a: x.units,
                    units_b: y.units,
                    rate_a: pa,
                    rate_b: pb,
                    difference: diff,
                    difference_lower: diff.zip(se).map(|(d, s)| d - Z95 * s),
                    difference_upper: diff.zip(se).map(|(d, s)| d + Z95 * s),
                    p_value,
                    p_adjusted: None,
                    test: "two-proportion z-test (pooled), Wald interval, Benjamini–Hochberg over the steps".to_owned(),
                }
            })
            .collect();
        let q = crate::bootstrap::benjamini_hochberg(&rows.iter().map(|r| r.p_value).collect::<Vec<_>>());
        for (r, q) in rows.iter_mut().zip(q) {
            r.p_adjusted = q;
        }
        Ok(rows)
    }

    /// The rows of one segment (None: a funnel without segments).
    pub fn segment_rows(&self, segment: Option<&str>) -> impl Iterator<Item = &FunnelRow> + '_ {
        let seg = segment.map(str::to_owned);
        self.rows.iter().filter(move |r| r.segment == seg)
    }
}

/// A text table per segment: units, rates, drop-off and median times.
impl fmt::Display for Funnel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::report::{Table, fmt_duration_ms, num, pct};
        let mut out = String::new();
        let window = self.window_ms.map_or("no window".to_owned(), |w| format!("window {}", fmt_duration_ms(w as f64)));
        out.push_str(&format!("  {} funnel of {}s, {}\n", self.mode, self.unit, window));
        for s in &self.summary {
            if let Some(seg) = &s.segment {
                out.push_str(&format!("\n  segment {seg}\n"));
            }
            out.push_str(&format!(
                "  {} {}s: {} entered, {} never reached step 1{}\n",
                num(s.units as f64),
                self.unit,
                num(s.entered as f64),
                num(s.not_entered as f64),
                if s.excluded > 0 { format!(", {} excluded", num(s.excluded as f64)) } else { String::new() }
            ));
            let mut t = Table::new(&[
                ("step", false),
                ("reached", true),
                ("of step 1", true),
                ("of previous", true),
                ("drop-off", true),
                ("median time", true),
            ]);
            for r in self.segment_rows(s.segment.as_deref()) {
                let opt_pct = |x: Option<f64>| x.map_or("-".into(), pct);
                t.row(vec![
                    format!("{}. {}", r.step, r.name),
                    num(r.units as f64),
                    opt_pct(r.overall_rate),
                    opt_pct(r.step_rate),
                    r.drop_off.map_or("-".into(), |d| num(d as f64)),
                    r.time_from_previous_median.map_or("-".into(), |d| fmt_duration_ms(d.0 as f64)),
                ]);
            }
            t.render(&mut out);
        }
        if !self.stages_without_touchpoints.is_empty() {
            let names: Vec<&str> = self.stages_without_touchpoints.iter().map(|s| s.name()).collect();
            out.push_str(&format!(
                "  no touchpoint of the data has stage {}: left out of the steps\n",
                names.join(", ")
            ));
        }
        f.write_str(&out)
    }
}
