//! Experience and conversion: do journeys with a bad experience at a touchpoint convert less?
//! (ORACLES E12.)
//!
//! Journeys are each customer's events cut after every conversion (the default of
//! [`Journeys::build`](crate::Journeys::build): no lookback, no inactivity timeout): the
//! touches up to a conversion form a converting journey, the touches after the last one a
//! non-converting journey. For a touchpoint X, the journeys that touch X fall into four groups
//! by the scores given at X in the journey: **detractor** (at least one detractor score),
//! **promoter** (a promoter score and no detractor score), **passive** (only passive scores)
//! and **unscored** (no score at X). The "any touchpoint" row groups all journeys the same way
//! by all their scores.
//!
//! The detractor group is compared with a reference group ([`ExperienceReference`]): the
//! difference of conversion rates with a Wald interval, the risk ratio (Katz log interval)
//! and the odds ratio (Woolf log interval); intervals are missing when a cell is 0 (no
//! continuity correction). The **experience gap** is the detractor journeys × (promoter rate −
//! detractor rate): the conversions the detractor journeys would have at the promoter rate.
//! These are associations in observational data, not causal effects: customers who had a bad
//! experience may differ in other ways.

use std::fmt;

use crate::error::{Error, Result};
use crate::events::EventTable;
use crate::segment::Segments;
use crate::stats::{Z95, ratio};

use super::table::no_scores;
use super::{CONVERT, Class, ExperienceOptions, FeedbackReport, Scores, SurveyTable, tp_name, walk};

crate::named_enum! {
    /// What the detractor journeys are compared with.
    #[derive(Default)]
    pub enum ExperienceReference: "reference" {
        /// Every other journey (through the touchpoint): promoter, passive and unscored.
        #[default]
        NotDetractor = 0 => "not_detractor" | "without_detractor" | "rest",
        /// Journeys with a promoter score and no detractor score.
        Promoter = 1 => "promoter" | "promoters",
        /// Journeys without a score (at the touchpoint).
        Unscored = 2 => "unscored" | "no_feedback",
    }
}

/// Associational, not causal: printed with every result.
pub const ASSOCIATIONAL: &str = "associations in observational data, not causal effects: customers with a bad \
     experience may differ in other ways";

crate::row_struct! {
    optional(segment);
    /// Conversion of the journeys through one touchpoint (or all journeys) by the experience
    /// they had there, and the detractor group against the reference group.
    #[derive(Clone, PartialEq)]
    pub struct ExperienceConversionRow {
        /// The segment, when the table is per segment.
        pub segment: Option<String>,
        /// The touchpoint; none for the row over all journeys and all scores.
        pub touchpoint: Option<String>,
        /// The reference group.
        pub reference: ExperienceReference,
        /// Journeys (through the touchpoint).
        pub journeys: usize,
        /// Of them converting.
        pub conversions: usize,
        /// Journeys with a detractor score (at the touchpoint).
        pub detractor_journeys: usize,
        /// Of them converting.
        pub detractor_conversions: usize,
        /// Their conversion rate.
        pub detractor_rate: Option<f64>,
        /// Journeys with only passive scores.
        pub passive_journeys: usize,
        /// Of them converting.
        pub passive_conversions: usize,
        /// Their conversion rate.
        pub passive_rate: Option<f64>,
        /// Journeys with a promoter score and no detractor score.
        pub promoter_journeys: usize,
        /// Of them converting.
        pub promoter_conversions: usize,
        /// Their conversion rate.
        pub promoter_rate: Option<f64>,
        /// Journeys without a score.
        pub unscored_journeys: usize,
        /// Of them converting.
        pub unscored_conversions: usize,
        /// Their conversion rate.
        pub unscored_rate: Option<f64>,
        /// Journeys of the reference group.
        pub reference_journeys: usize,
        /// Of them converting.
        pub reference_conversions: usize,
        /// Its conversion rate.
        pub reference_rate: Option<f64>,
        /// Detractor rate − reference rate.
        pub difference: Option<f64>,
        /// Wald standard error of the difference.
        pub difference_se: Option<f64>,
        /// Lower end of its 95 % interval.
        pub difference_lower: Option<f64>,
        /// Upper end of its 95 % interval.
        pub difference_upper: Option<f64>,
        /// Detractor rate ÷ reference rate.
        pub risk_ratio: Option<f64>,
        /// Lower end of its 95 % interval (Katz).
        pub risk_ratio_lower: Option<f64>,
        /// Upper end of its 95 % interval (Katz).
        pub risk_ratio_upper: Option<f64>,
        /// Odds of converting with a detractor score ÷ odds in the reference group.
        pub odds_ratio: Option<f64>,
        /// Lower end of its 95 % interval (Woolf).
        pub odds_ratio_lower: Option<f64>,
        /// Upper end of its 95 % interval (Woolf).
        pub odds_ratio_upper: Option<f64>,
        /// Detractor journeys × (promoter rate − detractor rate): conversions the detractor
        /// journeys would have at the promoter rate (associational).
        pub experience_gap: Option<f64>,
        /// The detractor or the reference group has fewer journeys than `small_n`.
        pub small_n: bool,
    }
}

/// Experience → conversion ([`experience_conversion`]).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExperienceConversion {
    /// The reference group.
    pub reference: ExperienceReference,
    /// Per segment: the row over all journeys, then touchpoints by experience gap (largest
    /// first; touchpoints without scores last).
    pub rows: Vec<ExperienceConversionRow>,
    /// Journeys (with at least one touch).
    pub journeys: usize,
    /// Converting journeys.
    pub converting_journeys: usize,
    /// Conversions with no touch before them in their journey (in no journey).
    pub conversions_without_touches: usize,
    /// Where the scores came from.
    pub report: FeedbackReport,
    /// What the figures are (and are not). (A constant: read back as itself.)
    #[cfg_attr(feature = "serde", serde(skip_deserializing, default = "associational"))]
    pub note: &'static str,
}

#[cfg(feature = "serde")]
fn associational() -> &'static str {
    ASSOCIATIONAL
}

/// Journeys and conversions of the four groups: detractor, passive, promoter, unscored.
#[derive(Debug, Clone, Copy, Default)]
struct Groups {
    journeys: [usize; 4],
    conversions: [usize; 4],
}

const DET: usize = 0;
const PASS: usize = 1;
const PROM: usize = 2;
const NONE: usize = 3;

/// Per-journey flags of a touchpoint.
const TOUCHED: u8 = 1;
const F_DET: u8 = 2;
const F_PASS: u8 = 4;
const F_PROM: u8 = 8;

fn group_of(flags: u8) -> usize {
    if flags & F_DET != 0 {
        DET
    } else if flags & F_PROM != 0 {
        PROM
    } else if flags & F_PASS != 0 {
        PASS
    } else {
        NONE
    }
}

struct Acc {
    /// Per segment: the any-touchpoint groups, then one per touchpoint.
    groups: Vec<Groups>,
    journeys: usize,
    converting: usize,
    without_touches: usize,
}

/// Conversion of journeys by the experience at each touchpoint (see the module docs), per
/// segment when `segments` is given.
///
/// Errors: as [`experience`](super::experience); no score at all.
pub fn experience_conversion(
    events: &EventTable,
    surveys: Option<&SurveyTable>,
    opts: &ExperienceOptions,
    reference: ExperienceReference,
    segments: Option<&Segments>,
) -> Result<ExperienceConversion> {
    let scores = Scores::collect(events, surveys, opts)?;
    if scores.list.is_empty() {
        return Err(no_scores());
    }
    if let Some(s) = segments
        && s.customers() != events.customer_count()
    {
        return Err(Error::option("segments", s.customers(), "the segments are of another event table"));
    }
    let start = scores.row_index(events.len());
    let n_tp = events.catalog().len();
    let width = n_tp + 1;
    let n_seg = segments.map_or(1, |s| s.len().max(1));
    let scale = &opts.scale;
    let list = &scores.list;
    let acc = walk(
        events,
        || {
            (
                Acc { groups: vec![Groups::default(); n_seg * width], journeys: 0, converting: 0, without_touches: 0 },
                vec![0u8; n_tp],
                Vec::<u32>::new(),
            )
        },
        |(acc, flags, touched), c, steps| {
            let g0 = segments.map_or(0, |s| s.of_customer(c) as usize) * width;
            let mut any = 0u8;
            let close = |acc: &mut Acc, flags: &mut Vec<u8>, touched: &mut Vec<u32>, any: &mut u8, conv: bool| {
                let k = conv as usize;
                acc.journeys += 1;
                acc.converting += k;
                let g = &mut acc.groups[g0];
                g.journeys[group_of(*any)] += 1;
                g.conversions[group_of(*any)] += k;
                for &tp in touched.iter() {
                    let grp = group_of(flags[tp as usize]);
                    let g = &mut acc.groups[g0 + 1 + tp as usize];
                    g.journeys[grp] += 1;
                    g.conversions[grp] += k;
                    flags[tp as usize] = 0;
                }
                touched.clear();
                *any = 0;
            };
            for s in steps {
                if s.code == CONVERT {
                    if touched.is_empty() {
                        acc.without_touches += 1;
                    } else {
                        close(acc, flags, touched, &mut any, true);
                    }
                    continue;
                }
                let f = &mut flags[s.code as usize];
                if *f == 0 {
                    touched.push(s.code);
                }
                *f |= TOUCHED;
                for sc in &list[start[s.row as usize] as usize..start[s.row as usize + 1] as usize] {
                    let bit = match scale.class(sc.score) {
                        Class::Detractor => F_DET,
                        Class::Passive => F_PASS,
                        Class::Promoter => F_PROM,
                    };
                    *f |= bit;
                    any |= bit;
                }
            }
            if !touched.is_empty() {
                close(acc, flags, touched, &mut any, false);
            }
        },
        |mut a, b| {
            for (x, y) in a.0.groups.iter_mut().zip(&b.0.groups) {
                for i in 0..4 {
                    x.journeys[i] += y.journeys[i];
                    x.conversions[i] += y.conversions[i];
                }
            }
            a.0.journeys += b.0.journeys;
            a.0.converting += b.0.converting;
            a.0.without_touches += b.0.without_touches;
            a
        },
    )
    .0;
    let mut rows = Vec::new();
    for s in 0..n_seg {
        let label = segments.map(|sg| sg.labels()[s].clone());
        let base = s * width;
        if acc.groups[base].journeys.iter().sum::<usize>() == 0 {
            continue;
        }
        rows.push(row(label.clone(), None, &acc.groups[base], reference, opts.small_n));
        let mut tps: Vec<ExperienceConversionRow> = (0..n_tp)
            .filter(|&t| acc.groups[base + 1 + t].journeys.iter().sum::<usize>() > 0)
            .map(|t| {
                row(label.clone(), Some(tp_name(events, t as u32)), &acc.groups[base + 1 + t], reference, opts.small_n)
            })
            .collect();
        tps.sort_by(|a, b| {
            let key = |r: &ExperienceConversionRow| r.experience_gap.unwrap_or(f64::NEG_INFINITY);
            key(b).total_cmp(&key(a)).then_with(|| a.touchpoint.cmp(&b.touchpoint))
        });
        rows.extend(tps);
    }
    Ok(ExperienceConversion {
        reference,
        rows,
        journeys: acc.journeys,
        converting_journeys: acc.converting,
        conversions_without_touches: acc.without_touches,
        report: scores.report,
        note: ASSOCIATIONAL,
    })
}

fn row(
    segment: Option<String>,
    touchpoint: Option<String>,
    g: &Groups,
    reference: ExperienceReference,
    small_n: usize,
) -> ExperienceConversionRow {
    let rate = |i: usize| ratio(g.conversions[i] as f64, g.journeys[i] as f64);
    let (rj, rc) = match reference {
        ExperienceReference::NotDetractor => (
            g.journeys[PASS] + g.journeys[PROM] + g.journeys[NONE],
            g.conversions[PASS] + g.conversions[PROM] + g.conversions[NONE],
        ),
        ExperienceReference::Promoter => (g.journeys[PROM], g.conversions[PROM]),
        ExperienceReference::Unscored => (g.journeys[NONE], g.conversions[NONE]),
    };
    let c = compare(g.conversions[DET], g.journeys[DET], rc, rj);
    let gap = rate(DET).zip(rate(PROM)).map(|(d, p)| g.journeys[DET] as f64 * (p - d));
    ExperienceConversionRow {
        segment,
        touchpoint,
        reference,
        journeys: g.journeys.iter().sum(),
        conversions: g.conversions.iter().sum(),
        detractor_journeys: g.journeys[DET],
        detractor_conversions: g.conversions[DET],
        detractor_rate: rate(DET),
        passive_journeys: g.journeys[PASS],
        passive_conversions: g.conversions[PASS],
        passive_rate: rate(PASS),
        promoter_journeys: g.journeys[PROM],
        promoter_conversions: g.conversions[PROM],
        promoter_rate: rate(PROM),
        unscored_journeys: g.journeys[NONE],
        unscored_conversions: g.conversions[NONE],
        unscored_rate: rate(NONE),
        reference_journeys: rj,
        reference_conversions: rc,
        reference_rate: ratio(rc as f64, rj as f64),
        difference: c.difference,
        difference_se: c.se,
        difference_lower: c.difference.zip(c.se).map(|(d, s)| d - Z95 * s),
        difference_upper: c.difference.zip(c.se).map(|(d, s)| d + Z95 * s),
        risk_ratio: c.rr,
        risk_ratio_lower: c.rr_ci.map(|x| x.0),
        risk_ratio_upper: c.rr_ci.map(|x| x.1),
        odds_ratio: c.or,
        odds_ratio_lower: c.or_ci.map(|x| x.0),
        odds_ratio_upper: c.or_ci.map(|x| x.1),
        experience_gap: gap,
        small_n: g.journeys[DET] < small_n || rj < small_n,
    }
}

/// Two proportions `a/n1` (exposed) and `c/n0` (reference) compared.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TwoProportions {
    /// p1 − p0.
    pub difference: Option<f64>,
    /// Wald standard error of the difference.
    pub se: Option<f64>,
    /// p1 ÷ p0.
    pub rr: Option<f64>,
    /// Katz 95 % interval of the risk ratio.
    pub rr_ci: Option<(f64, f64)>,
    /// Odds ratio.
    pub or: Option<f64>,
    /// Woolf 95 % interval of the odds ratio.
    pub or_ci: Option<(f64, f64)>,
}

/// Compare `a` successes of `n1` with `c` of `n0` (ORACLES E12).
///
/// ```
/// use touchpoint_core::experience::conversion::compare;
/// let c = compare(1, 4, 4, 6);
/// assert!((c.difference.unwrap() + 0.416667).abs() < 1e-6);
/// assert!((c.se.unwrap() - 0.289676).abs() < 1e-6);
/// assert!((c.rr.unwrap() - 0.375).abs() < 1e-12);
/// let (lo, hi) = c.or_ci.unwrap();
/// assert!((lo - 0.009846).abs() < 1e-6 && (hi - 2.821320).abs() < 1e-6);
/// ```
pub fn compare(a: usize, n1: usize, c: usize, n0: usize) -> TwoProportions {
    if n1 == 0 || n0 == 0 {
        return TwoProportions::default();
    }
    let (af, cf, n1f, n0f) = (a as f64, c as f64, n1 as f64, n0 as f64);
    let (p1, p0) = (af / n1f, cf / n0f);
    let se = (p1 * (1.0 - p1) / n1f + p0 * (1.0 - p0) / n0f).sqrt();
    let rr = (c > 0).then(|| p1 / p0);
    let rr_ci = (a > 0 && c > 0).then(|| {
        let s = (1.0 / af - 1.0 / n1f + 1.0 / cf - 1.0 / n0f).max(0.0).sqrt();
        let l = (p1 / p0).ln();
        ((l - Z95 * s).exp(), (l + Z95 * s).exp())
    });
    let (b, d) = ((n1 - a) as f64, (n0 - c) as f64);
    let or = (b > 0.0 && cf > 0.0).then(|| af * d / (b * cf));
    let or_ci = (a > 0 && b > 0.0 && c > 0 && d > 0.0).then(|| {
        let s = (1.0 / af + 1.0 / b + 1.0 / cf + 1.0 / d).sqrt();
        let l = (af * d / (b * cf)).ln();
        ((l - Z95 * s).exp(), (l + Z95 * s).exp())
    });
    TwoProportions { difference: Some(p1 - p0), se: Some(se), rr, rr_ci, or, or_ci }
}

impl ExperienceConversion {
    /// The row of a touchpoint (None: the row over all journeys) of the first segment.
    pub fn get(&self, touchpoint: Option<&str>) -> Option<&ExperienceConversionRow> {
        self.rows.iter().find(|r| r.touchpoint.as_deref() == touchpoint)
    }
}

impl fmt::Display for ExperienceConversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::report::{Table, num, pct};
        writeln!(
            f,
            "Conversion after a detractor score vs {} journeys ({} journeys, {} converting)",
            match self.reference {
                ExperienceReference::NotDetractor => "all other",
                ExperienceReference::Promoter => "promoter",
                ExperienceReference::Unscored => "unscored",
            },
            num(self.journeys as f64),
            num(self.converting_journeys as f64)
        )?;
        let has_seg = self.rows.iter().any(|r| r.segment.is_some());
        let mut cols = vec![("touchpoint", false), ("detractor journeys", true), ("conv.", true)];
        cols.extend([("promoter conv.", true), ("reference conv.", true), ("difference [95%]", true)]);
        cols.extend([("odds ratio", true), ("gap (conv.)", true), ("", false)]);
        if has_seg {
            cols.insert(0, ("segment", false));
        }
        let mut t = Table::new(&cols);
        let p = |x: Option<f64>| x.map_or("-".into(), pct);
        for r in &self.rows {
            let mut cells = vec![
                r.touchpoint.clone().unwrap_or_else(|| "(any touchpoint)".into()),
                num(r.detractor_journeys as f64),
                p(r.detractor_rate),
                p(r.promoter_rate),
                p(r.reference_rate),
                match (r.difference, r.difference_lower, r.difference_upper) {
                    (Some(d), Some(a), Some(b)) => {
                        format!("{:+.1} [{:+.1}, {:+.1}] pt", 100.0 * d, 100.0 * a, 100.0 * b)
                    }
                    _ => "-".into(),
                },
                r.odds_ratio.map_or("-".into(), |x| format!("{x:.2}")),
                r.experience_gap.map_or("-".into(), |x| format!("{x:.1}")),
                if r.small_n { "small n".into() } else { String::new() },
            ];
            if has_seg {
                cells.insert(0, r.segment.clone().unwrap_or_default());
            }
            t.row(cells);
        }
        let mut s = String::new();
        t.render(&mut s);
        f.write_str(&s)?;
        writeln!(
            f,
            "  Gap: conversions the detractor journeys would have at the promoter rate. These are {}.",
            self.note
        )
    }
}
