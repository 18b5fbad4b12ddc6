//! Consistency: is the experience the same across the touchpoints and channels of a journey?
//!
//! Journeys are cut at conversions as in [`experience_conversion`](super::experience_conversion).
//! Within a journey the scored touches are taken in the content order (time, touchpoint name,
//! then score). Per journey with two or more scores: the spread of its scores (population
//! standard deviation and range) and whether it holds both a promoter and a detractor score;
//! across channel kinds: the spread of the per-kind mean scores. Per pair of consecutive
//! scored touches (touchpoint → touchpoint, and channel kind → channel kind when the catalog
//! has channels): how often a good experience (a promoter score) is followed by a bad one (a
//! detractor score), the reverse, and the mean change of score. Rows are sorted by good → bad
//! transitions, most first: the top of the table is the most inconsistent hand-over.

use std::fmt;

use hashbrown::HashMap;

use crate::catalog::TouchpointId;
use crate::error::Result;
use crate::events::EventTable;
use crate::named::Named;
use crate::stats::{FixedSum, ratio};

use super::table::{Dimension, no_scores};
use super::{CONVERT, Class, ExperienceOptions, FeedbackReport, Scores, SurveyTable, tp_name, walk};

crate::row_struct! {
    /// Consecutive scored touches `from` → `to` within journeys.
    #[derive(Clone, PartialEq)]
    pub struct ConsistencyRow {
        /// Touchpoints or channel kinds.
        pub dimension: Dimension,
        /// The earlier scored touch's touchpoint (channel kind).
        pub from: String,
        /// The next scored touch's touchpoint (channel kind).
        pub to: String,
        /// Pairs of consecutive scores.
        pub pairs: usize,
        /// Pairs whose first score was a promoter score.
        pub from_good: usize,
        /// Promoter score followed by a detractor score.
        pub good_to_bad: usize,
        /// `good_to_bad` ÷ `from_good`.
        pub good_to_bad_rate: Option<f64>,
        /// Detractor score followed by a promoter score.
        pub bad_to_good: usize,
        /// Mean of (next score − earlier score).
        pub mean_change: Option<f64>,
        /// Fewer pairs than `small_n`.
        pub small_n: bool,
    }
}

crate::row_struct! {
    /// How consistent the scores within journeys are.
    #[derive(Clone, PartialEq, Default)]
    pub struct ConsistencySummary {
        /// Journeys (with at least one touch).
        pub journeys: usize,
        /// Journeys with at least one score.
        pub journeys_scored: usize,
        /// Journeys with two or more scores.
        pub journeys_multi: usize,
        /// Mean over those of the standard deviation of their scores.
        pub mean_sd: Option<f64>,
        /// Mean over those of the range (max − min) of their scores.
        pub mean_range: Option<f64>,
        /// Journeys with both a promoter and a detractor score.
        pub mixed_journeys: usize,
        /// `mixed_journeys` ÷ `journeys_multi`.
        pub mixed_share: Option<f64>,
        /// Journeys with scores at two or more channel kinds.
        pub journeys_multi_channel: usize,
        /// Mean over those of the range of the per-channel-kind mean scores.
        pub mean_channel_spread: Option<f64>,
        /// Of those, journeys with a channel kind averaging a promoter score and another
        /// averaging a detractor score.
        pub mixed_channel_journeys: usize,
        /// `mixed_channel_journeys` ÷ `journeys_multi_channel`.
        pub mixed_channel_share: Option<f64>,
    }
}

/// Consistency of the experience ([`consistency`]).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Consistency {
    /// Per-journey spread.
    pub summary: ConsistencySummary,
    /// Pairs of consecutive scored touches, most good → bad transitions first.
    pub rows: Vec<ConsistencyRow>,
    /// Where the scores came from.
    pub report: FeedbackReport,
}

#[derive(Debug, Clone, Copy, Default)]
struct PairAcc {
    pairs: usize,
    from_good: usize,
    good_to_bad: usize,
    bad_to_good: usize,
    change: FixedSum,
}

#[derive(Default)]
struct Acc {
    journeys: usize,
    scored: usize,
    multi: usize,
    sd: FixedSum,
    range: FixedSum,
    mixed: usize,
    multi_channel: usize,
    channel_spread: FixedSum,
    mixed_channel: usize,
    /// (dimension, from, to) → counts; channel kinds are their codes (u32::MAX: none).
    pairs: HashMap<(u8, u32, u32), PairAcc>,
}

/// One scored touch of a journey.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
struct Scored {
    t: i64,
    rank: u32,
    score: f32,
    tp: u32,
}

const NO_KIND: u32 = u32::MAX;

/// The consistency of scores within journeys (module docs).
pub fn consistency(
    events: &EventTable,
    surveys: Option<&SurveyTable>,
    opts: &ExperienceOptions,
) -> Result<Consistency> {
    let scores = Scores::collect(events, surveys, opts)?;
    if scores.list.is_empty() {
        return Err(no_scores());
    }
    let start = scores.row_index(events.len());
    let cat = events.catalog();
    let kind: Vec<u32> = (0..cat.len())
        .map(|t| cat.attrs(TouchpointId(t as u32)).and_then(|a| a.channel).map_or(NO_KIND, |k| k.code()))
        .collect();
    let has_channels = kind.iter().any(|&k| k != NO_KIND);
    let scale = &opts.scale;
    let list = &scores.list;
    let acc = walk(
        events,
        || (Acc::default(), Vec::<Scored>::new(), false),
        |(acc, buf, open), _c, steps| {
            let close = |acc: &mut Acc, buf: &mut Vec<Scored>| {
                acc.journeys += 1;
                journey(acc, buf, scale, &kind, has_channels);
                buf.clear();
            };
            *open = false;
            for s in steps {
                if s.code == CONVERT {
                    if *open {
                        close(acc, buf);
                        *open = false;
                    }
                    continue;
                }
                *open = true;
                for sc in &list[start[s.row as usize] as usize..start[s.row as usize + 1] as usize] {
                    buf.push(Scored { t: s.t, rank: s.rank, score: sc.score, tp: s.code });
                }
            }
            if *open {
                close(acc, buf);
            }
        },
        |mut a, b| {
            let (x, y) = (&mut a.0, b.0);
            x.journeys += y.journeys;
            x.scored += y.scored;
            x.multi += y.multi;
            x.sd.merge(y.sd);
            x.range.merge(y.range);
            x.mixed += y.mixed;
            x.multi_channel += y.multi_channel;
            x.channel_spread.merge(y.channel_spread);
            x.mixed_channel += y.mixed_channel;
            for (k, v) in y.pairs {
                let e = x.pairs.entry(k).or_default();
                e.pairs += v.pairs;
                e.from_good += v.from_good;
                e.good_to_bad += v.good_to_bad;
                e.bad_to_good += v.bad_to_good;
                e.change.merge(v.change);
            }
            a
        },
    )
    .0;
    let kind_name = |k: u32| match crate::catalog::ChannelKind::from_code(k) {
        Some(c) => c.name().to_owned(),
        None => super::table::UNASSIGNED.to_owned(),
    };
    let mut rows: Vec<ConsistencyRow> = acc
        .pairs
        .iter()
        .map(|(&(d, a, b), v)| {
            let (dimension, from, to) = if d == 0 {
                (Dimension::Touchpoint, tp_name(events, a), tp_name(events, b))
            } else {
                (Dimension::Channel, kind_name(a), kind_name(b))
            };
            ConsistencyRow {
                dimension,
                from,
                to,
                pairs: v.pairs,
                from_good: v.from_good,
                good_to_bad: v.good_to_bad,
                good_to_bad_rate: ratio(v.good_to_bad as f64, v.from_good as f64),
                bad_to_good: v.bad_to_good,
                mean_change: ratio(v.change.get(), v.pairs as f64),
                small_n: v.pairs < opts.small_n,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.dimension.code(), std::cmp::Reverse(a.good_to_bad), &a.from, &a.to).cmp(&(
            b.dimension.code(),
            std::cmp::Reverse(b.good_to_bad),
            &b.from,
            &b.to,
        ))
    });
    let summary = ConsistencySummary {
        journeys: acc.journeys,
        journeys_scored: acc.scored,
        journeys_multi: acc.multi,
        mean_sd: ratio(acc.sd.get(), acc.multi as f64),
        mean_range: ratio(acc.range.get(), acc.multi as f64),
        mixed_journeys: acc.mixed,
        mixed_share: ratio(acc.mixed as f64, acc.multi as f64),
        journeys_multi_channel: acc.multi_channel,
        mean_channel_spread: ratio(acc.channel_spread.get(), acc.multi_channel as f64),
        mixed_channel_journeys: acc.mixed_channel,
        mixed_channel_share: ratio(acc.mixed_channel as f64, acc.multi_channel as f64),
    };
    Ok(Consistency { summary, rows, report: scores.report })
}

/// Add one journey's scored touches.
fn journey(acc: &mut Acc, buf: &mut [Scored], scale: &super::Scale, kind: &[u32], has_channels: bool) {
    if buf.is_empty() {
        return;
    }
    acc.scored += 1;
    buf.sort_by(|a, b| (a.t, a.rank).cmp(&(b.t, b.rank)).then(a.score.total_cmp(&b.score)));
    if buf.len() < 2 {
        return;
    }
    acc.multi += 1;
    let n = buf.len() as f64;
    let mean = buf.iter().map(|s| s.score as f64).sum::<f64>() / n;
    let var = buf.iter().map(|s| (s.score as f64 - mean).powi(2)).sum::<f64>() / n;
    acc.sd.add(var.sqrt());
    let (lo, hi) =
        buf.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), s| (l.min(s.score as f64), h.max(s.score as f64)));
    acc.range.add(hi - lo);
    let class = |x: f32| scale.class(x);
    if buf.iter().any(|s| class(s.score) == Class::Promoter) && buf.iter().any(|s| class(s.score) == Class::Detractor) {
        acc.mixed += 1;
    }
    for w in buf.windows(2) {
        let (a, b) = (w[0], w[1]);
        let mut add = |key: (u8, u32, u32)| {
            let e = acc.pairs.entry(key).or_default();
            e.pairs += 1;
            let (ca, cb) = (class(a.score), class(b.score));
            if ca == Class::Promoter {
                e.from_good += 1;
                if cb == Class::Detractor {
                    e.good_to_bad += 1;
                }
            }
            if ca == Class::Detractor && cb == Class::Promoter {
                e.bad_to_good += 1;
            }
            e.change.add(b.score as f64 - a.score as f64);
        };
        add((0, a.tp, b.tp));
        if has_channels {
            add((1, kind[a.tp as usize], kind[b.tp as usize]));
        }
    }
    if has_channels {
        // per channel kind: sum and count (kinds are few)
        let mut per: Vec<(u32, f64, usize)> = Vec::new();
        for s in buf.iter() {
            let k = kind[s.tp as usize];
            if k == NO_KIND {
                continue;
            }
            match per.iter_mut().find(|e| e.0 == k) {
                Some(e) => {
                    e.1 += s.score as f64;
                    e.2 += 1;
                }
                None => per.push((k, s.score as f64, 1)),
            }
        }
        if per.len() >= 2 {
            acc.multi_channel += 1;
            let means: Vec<f64> = per.iter().map(|e| e.1 / e.2 as f64).collect();
            let (lo, hi) = means.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &m| (l.min(m), h.max(m)));
            acc.channel_spread.add(hi - lo);
            if hi >= scale.promoter_min && lo <= scale.detractor_max {
                acc.mixed_channel += 1;
            }
        }
    }
}

impl Consistency {
    /// The `k` pairs of one dimension with the most good → bad transitions (at least one).
    pub fn top(&self, dimension: Dimension, k: usize) -> Vec<&ConsistencyRow> {
        self.rows.iter().filter(|r| r.dimension == dimension && r.good_to_bad > 0).take(k).collect()
    }
}

impl fmt::Display for Consistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::report::{Table, num, pct};
        let s = &self.summary;
        writeln!(
            f,
            "Consistency: {} of {} journeys have two or more scores; their scores spread by {} on average (sd {}), and {} hold both a promoter and a detractor score",
            num(s.journeys_multi as f64),
            num(s.journeys as f64),
            s.mean_range.map_or("-".into(), |x| format!("{x:.2}")),
            s.mean_sd.map_or("-".into(), |x| format!("{x:.2}")),
            s.mixed_share.map_or("-".into(), pct),
        )?;
        if s.journeys_multi_channel > 0 {
            writeln!(
                f,
                "  Across channel kinds ({} journeys): mean spread of the per-kind means {}, {} with one kind good and another bad",
                num(s.journeys_multi_channel as f64),
                s.mean_channel_spread.map_or("-".into(), |x| format!("{x:.2}")),
                s.mixed_channel_share.map_or("-".into(), pct),
            )?;
        }
        let top = self.top(Dimension::Touchpoint, 5);
        if !top.is_empty() {
            let mut t = Table::new(&[
                ("good experience at", false),
                ("then bad at", false),
                ("times", true),
                ("of good", true),
                ("mean change", true),
            ]);
            for r in top {
                t.row(vec![
                    r.from.clone(),
                    r.to.clone(),
                    num(r.good_to_bad as f64),
                    r.good_to_bad_rate.map_or("-".into(), pct),
                    r.mean_change.map_or("-".into(), |x| format!("{x:+.2}")),
                ]);
            }
            let mut out = String::new();
            t.render(&mut out);
            f.write_str(&out)?;
        }
        Ok(())
    }
}
