//! The experience table: scores per touchpoint, stage and channel kind (ORACLES E11).

use std::fmt;

use crate::catalog::{ChannelKind, Stage, TouchpointId};
use crate::error::{Error, Result};
use crate::events::EventTable;
use crate::named::Named;
use crate::segment::Segments;
use crate::stats::{FixedSum, Z95, normal_p_value, ratio, wilson};

use super::{Class, ExperienceOptions, FeedbackReport, Scale, Scores, SurveyTable};

crate::named_enum! {
    /// What an experience row groups scores by.
    pub enum Dimension: "dimension" {
        /// Every score.
        All = 0 => "all" | "overall",
        /// The touchpoint of the scored touch.
        Touchpoint = 1 => "touchpoint",
        /// Its catalog stage.
        Stage = 2 => "stage",
        /// Its catalog channel kind.
        Channel = 3 => "channel" | "channel_kind",
    }
}

/// The group of touchpoints without a stage or channel kind in the catalog.
pub const UNASSIGNED: &str = "(unassigned)";

/// The group label of [`Dimension::All`].
pub const ALL: &str = "all";

crate::row_struct! {
    optional(segment);
    /// The scores of one group: a touchpoint, a stage, a channel kind or all of them (of one
    /// segment).
    #[derive(Clone, PartialEq)]
    pub struct ExperienceRow {
        /// The segment, when the table is per segment.
        pub segment: Option<String>,
        /// What the row groups by.
        pub dimension: Dimension,
        /// The touchpoint, stage or channel kind (`all` for every score).
        pub group: String,
        /// Scores.
        pub n: usize,
        /// Scores ≥ the scale's promoter threshold (NPS 9–10; CSAT top-2-box 4–5).
        pub promoters: usize,
        /// Scores between the thresholds.
        pub passives: usize,
        /// Scores ≤ the detractor threshold (NPS 0–6; CSAT bottom-2-box 1–2).
        pub detractors: usize,
        /// 100 × (promoters − detractors) ÷ n.
        pub nps: Option<f64>,
        /// Variance of the NPS estimate: 100² [p + d − (p − d)²] ÷ n.
        pub nps_variance: Option<f64>,
        /// Its standard error.
        pub nps_se: Option<f64>,
        /// Lower end of the 95 % interval (clamped to −100).
        pub nps_lower: Option<f64>,
        /// Upper end of the 95 % interval (clamped to 100).
        pub nps_upper: Option<f64>,
        /// Mean score (CSAT: the mean satisfaction).
        pub mean: Option<f64>,
        /// Standard error of the mean (sample standard deviation ÷ √n; none for n = 1).
        pub mean_se: Option<f64>,
        /// Share of promoters (CSAT: top-2-box).
        pub top_box: Option<f64>,
        /// Lower end of its 95 % Wilson interval.
        pub top_box_lower: Option<f64>,
        /// Upper end of its 95 % Wilson interval.
        pub top_box_upper: Option<f64>,
        /// Fewer scores than the options' `small_n` (30): read with care.
        pub small_n: bool,
    }
}

crate::row_struct! {
    optional(segment);
    /// Group `a` minus group `b` ([`Experience::compare`]), treating them as independent
    /// samples (normal approximation; groups that share customers are not independent).
    #[derive(Clone, PartialEq)]
    pub struct ExperienceDiffRow {
        /// The segment (or, for a comparison of segments, none).
        pub segment: Option<String>,
        /// What the groups are.
        pub dimension: Dimension,
        /// First group.
        pub a: String,
        /// Second group.
        pub b: String,
        /// Scores in `a`.
        pub n_a: usize,
        /// Scores in `b`.
        pub n_b: usize,
        /// NPS of `a` minus NPS of `b`.
        pub nps_difference: Option<f64>,
        /// √(Var a + Var b).
        pub nps_difference_se: Option<f64>,
        /// Difference ÷ its standard error.
        pub nps_z: Option<f64>,
        /// Two-sided p-value of `nps_z`.
        pub nps_p_value: Option<f64>,
        /// Mean of `a` minus mean of `b`.
        pub mean_difference: Option<f64>,
        /// √(se a² + se b²).
        pub mean_difference_se: Option<f64>,
        /// Difference ÷ its standard error.
        pub mean_z: Option<f64>,
        /// Two-sided p-value of `mean_z`.
        pub mean_p_value: Option<f64>,
        /// Top-box share of `a` minus that of `b`.
        pub top_box_difference: Option<f64>,
        /// Unpooled standard error of the difference of proportions.
        pub top_box_difference_se: Option<f64>,
        /// Difference ÷ its standard error.
        pub top_box_z: Option<f64>,
        /// Two-sided p-value of `top_box_z`.
        pub top_box_p_value: Option<f64>,
    }
}

/// The experience table ([`experience`]).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Experience {
    /// The scale the scores were read on.
    pub scale: Scale,
    /// Rows: per segment, the overall row, then touchpoints (most scores first), stages (in
    /// stage order) and channel kinds; groups without scores are left out.
    pub rows: Vec<ExperienceRow>,
    /// Touchpoints of the catalog without any score (in no touchpoint row).
    pub touchpoints_without_feedback: Vec<String>,
    /// Where the scores came from and what was left out.
    pub report: FeedbackReport,
    /// The small-n threshold used.
    pub small_n: usize,
}

/// Counts and sums of one group.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Acc {
    pub n: usize,
    pub promoters: usize,
    pub detractors: usize,
    pub sum: FixedSum,
    pub sum_sq: FixedSum,
}

impl Acc {
    pub(crate) fn add(&mut self, scale: &Scale, x: f32) {
        self.n += 1;
        match scale.class(x) {
            Class::Promoter => self.promoters += 1,
            Class::Detractor => self.detractors += 1,
            Class::Passive => {}
        }
        let x = x as f64;
        self.sum.add(x);
        self.sum_sq.add(x * x);
    }

    pub(crate) fn merge(&mut self, o: &Acc) {
        self.n += o.n;
        self.promoters += o.promoters;
        self.detractors += o.detractors;
        self.sum.merge(o.sum);
        self.sum_sq.merge(o.sum_sq);
    }

    pub(crate) fn mean(&self) -> Option<f64> {
        ratio(self.sum.get(), self.n as f64)
    }

    fn row(&self, segment: Option<&str>, dimension: Dimension, group: String, small_n: usize) -> ExperienceRow {
        let n = self.n as f64;
        let (p, d) = (self.promoters as f64 / n, self.detractors as f64 / n);
        let some = self.n > 0;
        let nps = some.then_some(100.0 * (p - d));
        let var = some.then(|| 10_000.0 * (p + d - (p - d) * (p - d)).max(0.0) / n);
        let se = var.map(f64::sqrt);
        let mean = self.mean();
        let mean_se = (self.n > 1).then(|| {
            let m = self.sum.get() / n;
            let ss = (self.sum_sq.get() - n * m * m).max(0.0);
            (ss / (n - 1.0) / n).sqrt()
        });
        let top = wilson(self.promoters, self.n, Z95);
        ExperienceRow {
            segment: segment.map(str::to_owned),
            dimension,
            group,
            n: self.n,
            promoters: self.promoters,
            passives: self.n - self.promoters - self.detractors,
            detractors: self.detractors,
            nps,
            nps_variance: var,
            nps_se: se,
            nps_lower: nps.zip(se).map(|(x, s)| (x - Z95 * s).max(-100.0)),
            nps_upper: nps.zip(se).map(|(x, s)| (x + Z95 * s).min(100.0)),
            mean,
            mean_se,
            top_box: some.then_some(p),
            top_box_lower: top.map(|t| t.0),
            top_box_upper: top.map(|t| t.1),
            small_n: self.n < small_n,
        }
    }
}

/// The experience table of the scores of `events` (and `surveys`): per touchpoint, per stage
/// and per channel kind of the catalog, and overall; per segment when `segments` is given.
///
/// Errors: a score outside the scale (naming the row and the value); a score on a pure
/// conversion row when `conversion_feedback` is `error`; no score at all (an empty input
/// error that says where scores come from).
pub fn experience(
    events: &EventTable,
    surveys: Option<&SurveyTable>,
    opts: &ExperienceOptions,
    segments: Option<&Segments>,
) -> Result<Experience> {
    let scores = Scores::collect(events, surveys, opts)?;
    if scores.list.is_empty() {
        return Err(no_scores());
    }
    if let Some(s) = segments
        && s.customers() != events.customer_count()
    {
        return Err(Error::option(
            "segments",
            s.customers(),
            format!("the segments label {} customers, the events have {}", s.customers(), events.customer_count()),
        ));
    }
    let n_tp = events.catalog().len();
    let n_seg = segments.map_or(1, |s| s.len().max(1));
    let (cust, tps) = (events.customers(), events.touchpoints());
    let mut acc = vec![Acc::default(); n_seg * n_tp];
    for s in &scores.list {
        let r = s.row as usize;
        let g = segments.map_or(0, |sg| sg.of_customer(cust[r]) as usize);
        acc[g * n_tp + tps[r] as usize].add(&opts.scale, s.score);
    }
    Ok(table_of(events.catalog(), &acc, segments, opts, scores.report))
}

/// The counts of one touchpoint per score, without the table: what partials add up
/// (`(accumulators per touchpoint, report)`; no error when there is no score).
pub(crate) fn accumulate(events: &EventTable, opts: &ExperienceOptions) -> Result<(Vec<Acc>, FeedbackReport)> {
    let scores = Scores::collect(events, None, opts)?;
    let tps = events.touchpoints();
    let mut acc = vec![Acc::default(); events.catalog().len()];
    for s in &scores.list {
        acc[tps[s.row as usize] as usize].add(&opts.scale, s.score);
    }
    Ok((acc, scores.report))
}

/// The experience table of accumulated counts (`acc`: per segment, per touchpoint of `cat`).
pub(crate) fn table_of(
    cat: &crate::catalog::Catalog,
    acc: &[Acc],
    segments: Option<&Segments>,
    opts: &ExperienceOptions,
    report: FeedbackReport,
) -> Experience {
    let n_tp = cat.len();
    let n_seg = segments.map_or(1, |s| s.len().max(1));
    let mut rows = Vec::new();
    let mut scored = vec![false; n_tp];
    for g in 0..n_seg {
        let label = segments.map(|s| s.labels()[g].as_str());
        let mine = &acc[g * n_tp..(g + 1) * n_tp];
        let mut all = Acc::default();
        mine.iter().for_each(|a| all.merge(a));
        if all.n == 0 {
            continue;
        }
        rows.push(all.row(label, Dimension::All, ALL.into(), opts.small_n));
        let mut order: Vec<usize> = (0..n_tp).filter(|&t| mine[t].n > 0).collect();
        let name = |t: usize| cat.name(TouchpointId(t as u32)).unwrap_or_default();
        order.sort_by(|&a, &b| mine[b].n.cmp(&mine[a].n).then_with(|| name(a).cmp(name(b))));
        for &t in &order {
            scored[t] = true;
            rows.push(mine[t].row(label, Dimension::Touchpoint, name(t).to_owned(), opts.small_n));
        }
        let attrs = |t: usize| cat.attrs(TouchpointId(t as u32));
        let mut by_stage: Vec<(Option<Stage>, Acc)> = Vec::new();
        let mut by_channel: Vec<(Option<ChannelKind>, Acc)> = Vec::new();
        for &t in &order {
            let a = attrs(t);
            add_to(&mut by_stage, a.and_then(|a| a.stage), &mine[t]);
            add_to(&mut by_channel, a.and_then(|a| a.channel), &mine[t]);
        }
        // only when the catalog names stages (channels) at all
        if by_stage.iter().any(|(k, _)| k.is_some()) {
            by_stage.sort_by_key(|(k, _)| k.map_or(u32::MAX, |k| k.code()));
            for (k, a) in &by_stage {
                let group = k.map_or(UNASSIGNED.to_owned(), |k| k.name().to_owned());
                rows.push(a.row(label, Dimension::Stage, group, opts.small_n));
            }
        }
        if by_channel.iter().any(|(k, _)| k.is_some()) {
            by_channel.sort_by_key(|(k, _)| k.map_or(u32::MAX, |k| k.code()));
            for (k, a) in &by_channel {
                let group = k.map_or(UNASSIGNED.to_owned(), |k| k.name().to_owned());
                rows.push(a.row(label, Dimension::Channel, group, opts.small_n));
            }
        }
    }
    let mut touchpoints_without_feedback: Vec<String> = (0..n_tp)
        .filter(|&t| !scored[t])
        .map(|t| cat.name(TouchpointId(t as u32)).unwrap_or_default().to_owned())
        .collect();
    touchpoints_without_feedback.sort();
    Experience { scale: opts.scale, rows, touchpoints_without_feedback, report, small_n: opts.small_n }
}

fn add_to<K: PartialEq>(v: &mut Vec<(K, Acc)>, k: K, a: &Acc) {
    match v.iter_mut().find(|(x, _)| *x == k) {
        Some((_, acc)) => acc.merge(a),
        None => v.push((k, *a)),
    }
}

pub(crate) fn no_scores() -> Error {
    Error::EmptyInput {
        what: "feedback",
        hint: "feedback score (a `feedback` column on touches, or a survey table with customer, time and score)",
    }
}

impl Experience {
    /// The row of `group` in `dimension` (of the first segment, or the only table).
    pub fn get(&self, dimension: &str, group: &str) -> Option<&ExperienceRow> {
        let d = Dimension::parse(dimension).ok()?;
        self.rows.iter().find(|r| r.dimension == d && r.group == group)
    }

    /// The row of `group` in `dimension` of `segment`.
    pub fn get_in(&self, segment: Option<&str>, dimension: Dimension, group: &str) -> Option<&ExperienceRow> {
        self.rows.iter().find(|r| r.dimension == dimension && r.group == group && r.segment.as_deref() == segment)
    }

    /// The rows of one dimension.
    pub fn rows_of(&self, dimension: Dimension) -> impl Iterator<Item = &ExperienceRow> + '_ {
        self.rows.iter().filter(move |r| r.dimension == dimension)
    }

    /// Group `a` minus group `b` of one dimension, per segment (one row per segment that has
    /// both groups).
    ///
    /// ```
    /// # use touchpoint_core::{EventTable, CustomerKey};
    /// # use touchpoint_core::experience::{experience, ExperienceOptions, Dimension};
    /// # let mut b = EventTable::builder();
    /// # let mut i = 0;
    /// # for (tp, s) in [("store visit", vec![10., 9., 9., 8., 7., 6., 3., 10., 0., 9.]), ("email", vec![10., 10., 9., 8., 2.])] {
    /// #     for x in s { b.push_keyed(CustomerKey::Int(i), Some(tp), 0, false, 0.0, Some(x))?; i += 1; }
    /// # }
    /// # let events = b.finish()?;
    /// let exp = experience(&events, None, &ExperienceOptions::default(), None)?;
    /// let d = &exp.compare(Dimension::Touchpoint, "store visit", "email")?[0];
    /// assert_eq!(d.nps_difference, Some(-20.0));
    /// assert!((d.nps_difference_se.unwrap() - 45.166359).abs() < 1e-6);
    /// assert!((d.nps_z.unwrap() + 0.442807).abs() < 1e-6);
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn compare(&self, dimension: Dimension, a: &str, b: &str) -> Result<Vec<ExperienceDiffRow>> {
        let mut segs: Vec<Option<&str>> = Vec::new();
        for r in &self.rows {
            if !segs.contains(&r.segment.as_deref()) {
                segs.push(r.segment.as_deref());
            }
        }
        let out: Vec<ExperienceDiffRow> = segs
            .into_iter()
            .filter_map(|s| {
                let (x, y) = (self.get_in(s, dimension, a)?, self.get_in(s, dimension, b)?);
                Some(diff(s.map(str::to_owned), x, y))
            })
            .collect();
        if out.is_empty() {
            return Err(self.unknown_group(dimension, &[a, b]));
        }
        Ok(out)
    }

    /// Segment `a` minus segment `b` for one group.
    pub fn compare_segments(&self, dimension: Dimension, group: &str, a: &str, b: &str) -> Result<ExperienceDiffRow> {
        let x = self.get_in(Some(a), dimension, group);
        let y = self.get_in(Some(b), dimension, group);
        match (x, y) {
            (Some(x), Some(y)) => {
                let mut d = diff(None, x, y);
                d.a = a.to_owned();
                d.b = b.to_owned();
                d.dimension = dimension;
                Ok(d)
            }
            _ => {
                let segs: Vec<&str> = self.segments();
                Err(Error::option(
                    "segments",
                    format!("{a:?} and {b:?} for {dimension} {group:?}"),
                    format!(
                        "both segments need scores in that group; segments: {}",
                        if segs.is_empty() { "none (the table is not per segment)".into() } else { segs.join(", ") }
                    ),
                ))
            }
        }
    }

    fn segments(&self) -> Vec<&str> {
        let mut v: Vec<&str> = Vec::new();
        for r in &self.rows {
            if let Some(s) = r.segment.as_deref()
                && !v.contains(&s)
            {
                v.push(s);
            }
        }
        v
    }

    fn unknown_group(&self, dimension: Dimension, asked: &[&str]) -> Error {
        let mut groups: Vec<&str> = self.rows_of(dimension).map(|r| r.group.as_str()).collect();
        groups.dedup();
        Error::option(
            "groups",
            asked.join(", "),
            format!(
                "both groups need scores in the {dimension} rows; groups with scores: {}",
                if groups.is_empty() { "none".into() } else { groups.join(", ") }
            ),
        )
    }
}

fn diff(segment: Option<String>, x: &ExperienceRow, y: &ExperienceRow) -> ExperienceDiffRow {
    let test = |d: Option<f64>, se: Option<f64>| {
        let z = d.zip(se).and_then(|(d, s)| (s > 0.0).then(|| d / s));
        (z, z.map(normal_p_value))
    };
    let nps_d = x.nps.zip(y.nps).map(|(a, b)| a - b);
    let nps_se = x.nps_variance.zip(y.nps_variance).map(|(a, b)| (a + b).sqrt());
    let (nps_z, nps_p) = test(nps_d, nps_se);
    let mean_d = x.mean.zip(y.mean).map(|(a, b)| a - b);
    let mean_se = x.mean_se.zip(y.mean_se).map(|(a, b)| (a * a + b * b).sqrt());
    let (mean_z, mean_p) = test(mean_d, mean_se);
    let top_d = x.top_box.zip(y.top_box).map(|(a, b)| a - b);
    let top_se =
        x.top_box.zip(y.top_box).map(|(a, b)| (a * (1.0 - a) / x.n as f64 + b * (1.0 - b) / y.n as f64).sqrt());
    let (top_z, top_p) = test(top_d, top_se);
    ExperienceDiffRow {
        segment,
        dimension: x.dimension,
        a: x.group.clone(),
        b: y.group.clone(),
        n_a: x.n,
        n_b: y.n,
        nps_difference: nps_d,
        nps_difference_se: nps_se,
        nps_z,
        nps_p_value: nps_p,
        mean_difference: mean_d,
        mean_difference_se: mean_se,
        mean_z,
        mean_p_value: mean_p,
        top_box_difference: top_d,
        top_box_difference_se: top_se,
        top_box_z: top_z,
        top_box_p_value: top_p,
    }
}

impl fmt::Display for Experience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::report::{Table, num};
        writeln!(f, "Experience on the {} scale: {} scores", self.scale.describe(), self.report.scores)?;
        let has_seg = self.rows.iter().any(|r| r.segment.is_some());
        let mut cols = vec![("group", false), ("scores", true), ("NPS", true), ("95% interval", true)];
        cols.extend([("mean", true), ("top box", true), ("", false)]);
        if has_seg {
            cols.insert(0, ("segment", false));
        }
        let mut t = Table::new(&cols);
        for r in &self.rows {
            let group = match r.dimension {
                Dimension::All => "all scores".to_owned(),
                d => format!("{d}: {}", r.group),
            };
            let mut cells = vec![
                group,
                num(r.n as f64),
                r.nps.map_or("-".into(), |x| format!("{x:+.1}")),
                r.nps_lower.zip(r.nps_upper).map_or("-".into(), |(a, b)| format!("[{a:+.1}, {b:+.1}]")),
                r.mean.map_or("-".into(), |x| format!("{x:.2}")),
                r.top_box.map_or("-".into(), |x| format!("{:.1}%", 100.0 * x)),
                if r.small_n { format!("n < {}", self.small_n) } else { String::new() },
            ];
            if has_seg {
                cells.insert(0, r.segment.clone().unwrap_or_default());
            }
            t.row(cells);
        }
        let mut s = String::new();
        t.render(&mut s);
        f.write_str(&s)?;
        if !self.touchpoints_without_feedback.is_empty() {
            writeln!(f, "Touchpoints without feedback: {}", self.touchpoints_without_feedback.join(", "))?;
        }
        let r = &self.report;
        if r.surveys > 0 {
            writeln!(
                f,
                "Surveys: {} of {} attached to a touch; left out: {} of unknown customers, {} naming an unknown \
                 touchpoint, {} with no touch before them within the window",
                r.surveys_attached,
                r.surveys,
                r.surveys_unknown_customer,
                r.surveys_unknown_touchpoint,
                r.surveys_without_touch
            )?;
        }
        if r.conversion_scores_attached + r.conversion_scores_left_out > 0 {
            writeln!(
                f,
                "Scores on conversion rows: {} attached to the most recent touch, {} left out",
                r.conversion_scores_attached, r.conversion_scores_left_out
            )?;
        }
        Ok(())
    }
}
