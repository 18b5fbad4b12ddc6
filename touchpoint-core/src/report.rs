//! A plain-text report a marketing analyst can read in a terminal (what `make demo` prints).
//!
//! ```
//! use touchpoint_core::{demo, report, JourneyOptions};
//! let events = demo::events(&demo::DemoOptions { customers: 300, ..Default::default() })?;
//! let text = report::text_report(&events, &JourneyOptions::default(), 1)?;
//! assert!(text.contains("Journey graph"));
//! assert!(text.contains("Top paths"));
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use std::fmt::Write as _;

use crate::error::Result;
use crate::events::EventTable;
use crate::graph::{JourneyGraph, NodeKind};
use crate::journey::{JourneyOptions, Journeys};
use crate::paths::{PathRank, PathTable};
use crate::time::{DAY_MS, HOUR_MS};

/// A simple left/right aligned text table.
pub(crate) struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Column is right-aligned (numbers).
    right: Vec<bool>,
}

impl Table {
    pub(crate) fn new(cols: &[(&str, bool)]) -> Self {
        Self {
            header: cols.iter().map(|c| c.0.to_owned()).collect(),
            rows: Vec::new(),
            right: cols.iter().map(|c| c.1).collect(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub(crate) fn render(&self, out: &mut String) {
        let n = self.header.len();
        let mut w: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let line = |cells: &[String], out: &mut String| {
            out.push_str("  ");
            for (i, c) in cells.iter().enumerate().take(n) {
                let pad = w[i].saturating_sub(c.chars().count());
                if self.right[i] {
                    out.push_str(&" ".repeat(pad));
                    out.push_str(c);
                } else {
                    out.push_str(c);
                    out.push_str(&" ".repeat(pad));
                }
                out.push_str(if i + 1 < n { "  " } else { "\n" });
            }
        };
        line(&self.header, out);
        let rule: Vec<String> = w.iter().map(|&k| "-".repeat(k)).collect();
        line(&rule, out);
        for r in &self.rows {
            line(r, out);
        }
    }
}

/// Models side by side: credited conversions per touchpoint, then Markov value, cost and ROAS.
fn attribution_section(journeys: &Journeys, s: &mut String) -> Result<()> {
    use crate::attribution::{AttributionModel as M, AttributionOptions, compare};
    let models = [
        M::FirstTouch,
        M::LastTouch,
        M::Linear,
        M::u_shaped(),
        M::time_decay(),
        M::Shapley,
        M::markov(1),
        M::markov(2),
    ];
    let heads = ["first", "last", "linear", "U-shaped", "time decay", "Shapley", "Markov 1", "Markov 2"];
    let all = compare(journeys, &models, &AttributionOptions::default())?;
    let Some(markov) = all.get(6) else { return Ok(()) };
    let _ = writeln!(
        s,
        "\n== Attribution: credited conversions by model ({:.0} conversions, value {:.2}) ==",
        markov.total_conversions, markov.total_value
    );
    let mut cols: Vec<(&str, bool)> = vec![("touchpoint", false)];
    cols.extend(heads.iter().map(|h| (*h, true)));
    cols.extend([("Markov value", true), ("cost", true), ("ROAS", true)]);
    let mut t = Table::new(&cols);
    let mut order: Vec<usize> = (0..markov.rows.len()).collect();
    order.sort_by(|&a, &b| markov.rows[b].conversions.total_cmp(&markov.rows[a].conversions));
    for i in order {
        let mut row = vec![markov.rows[i].name.clone()];
        row.extend(all.iter().map(|c| format!("{:.1}", c.rows[i].conversions)));
        let m = &markov.rows[i];
        row.push(format!("{:.0}", m.value));
        row.push(m.cost.map_or("-".into(), |c| format!("{c:.0}")));
        row.push(m.roas.map_or("-".into(), |r| format!("{r:.1}")));
        t.row(row);
    }
    t.render(s);
    let _ = writeln!(
        s,
        "  Markov credit is exact (linear solves of the order-k chain, global allocation); time decay uses a 7-day half-life."
    );
    Ok(())
}

/// Where to act: drop-offs worth fixing, next best touchpoint, and an illustrative budget split.
fn action_section(journeys: &Journeys, g: &JourneyGraph, s: &mut String) -> Result<()> {
    use crate::attribution::{AttributionModel, AttributionOptions, attribute};
    use crate::optimize::{Candidate, Curve, Objective, ResponseCurve, Solver, allocate_budget, next_best, prioritize};
    let _ = writeln!(s, "\n== Where to act ==");
    let _ = writeln!(s, "  Cutting each touchpoint's drop-off by 10% (exact, redistributed over its other exits):");
    let mut t =
        Table::new(&[("touchpoint", false), ("drops out", true), ("extra conversions", true), ("extra value", true)]);
    for p in prioritize(g, 0.1)?.iter().take(6) {
        t.row(vec![
            p.touchpoint.clone(),
            pct(p.dropoff_rate),
            format!("{:.1}", p.extra_conversions),
            format!("{:.0}", p.extra_value),
        ]);
    }
    t.render(s);
    let cat = g.catalog();
    if let Some(first) = cat.names().first() {
        let cands: Vec<Candidate> = cat
            .iter()
            .filter(|(_, n, _)| n != first)
            .map(|(_, n, a)| Candidate::new(n, a.cost.unwrap_or(0.0)))
            .collect();
        if let Ok(nb) = next_best(g, &[first.as_str()], &cands) {
            let _ = writeln!(
                s,
                "\n  After '{first}' (P(conversion) {} today), the next touchpoints that lead to conversion most often \
                 (associational, not causal):",
                pct(nb.current_probability)
            );
            let mut t = Table::new(&[("next", false), ("taken by", true), ("P(conv)", true), ("net value", true)]);
            for r in nb.rows.iter().filter(|r| r.observed).take(4) {
                t.row(vec![
                    r.touchpoint.clone(),
                    pct(r.observed_share),
                    r.conversion_probability.map_or("-".into(), pct),
                    r.net_value.map_or("-".into(), |v| format!("{v:.2}")),
                ]);
            }
            t.render(s);
        }
    }
    // budget: Hill curves through today's (spend, Markov-attributed conversions)
    let m = attribute(journeys, &AttributionModel::markov(1), &AttributionOptions::default())?;
    let channels: Vec<Curve> = m
        .rows
        .iter()
        .filter(|r| r.cost.is_some_and(|c| c > 0.0) && r.conversions > 0.0)
        .filter_map(|r| {
            let spend = r.cost?;
            ResponseCurve::calibrate_hill(spend, r.conversions, 1.0, 2.0).ok().map(|c| Curve::new(r.name.clone(), c))
        })
        .collect();
    if channels.len() >= 2 {
        let today: Vec<f64> = m
            .rows
            .iter()
            .filter(|r| r.cost.is_some_and(|c| c > 0.0) && r.conversions > 0.0)
            .filter_map(|r| r.cost)
            .collect();
        let budget: f64 = today.iter().sum();
        let (_, now) = crate::optimize::evaluate_budget(&channels, &today)?;
        let plan = allocate_budget(&channels, Objective::Budget(budget.round()), 1.0, Solver::WaterFilling)?;
        let _ = writeln!(
            s,
            "\n  Same total spend ({budget:.0}), split by water-filling over Hill curves calibrated at today's spend \
             (illustrative: alpha 1, half saturation at 2x today's spend): {now:.0} -> {:.0} conversions",
            plan.total_response
        );
        let mut t = Table::new(&[("touchpoint", false), ("today", true), ("suggested", true), ("change", true)]);
        for (i, c) in channels.iter().enumerate() {
            t.row(vec![
                c.name.clone(),
                format!("{:.0}", today[i]),
                format!("{:.0}", plan.spend[i]),
                format!("{:+.0}", plan.spend[i] - today[i]),
            ]);
        }
        t.render(s);
    }
    Ok(())
}

/// Human-friendly duration.
pub fn fmt_duration_ms(ms: f64) -> String {
    if !ms.is_finite() {
        return "-".into();
    }
    if ms >= DAY_MS as f64 {
        format!("{:.1} d", ms / DAY_MS as f64)
    } else if ms >= HOUR_MS as f64 {
        format!("{:.1} h", ms / HOUR_MS as f64)
    } else {
        format!("{:.0} min", ms / 60_000.0)
    }
}

pub(crate) fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

pub(crate) fn num(x: f64) -> String {
    crate::graph::export::fmt_count(x)
}

pub(crate) fn date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(|| ms.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// What customers feel, for a manager: the worst touchpoints by NPS, the biggest experience
/// gaps, and what drives the overall score; only when the events carry feedback scores.
fn experience_section(s: &mut String, events: &EventTable) -> Result<()> {
    use crate::experience::{
        Dimension, DriverOutcome, ExperienceOptions, ExperienceReference, KeyDriverOptions, MissingScores, experience,
        experience_conversion, key_drivers,
    };
    if !events.feedback().is_some_and(|f| f.iter().any(|x| !x.is_nan())) {
        return Ok(());
    }
    let opts = ExperienceOptions::default();
    let exp = experience(events, None, &opts, None)?;
    let _ = writeln!(s, "\n== Experience (NPS 0–10 scores at the touchpoints) ==");
    let mut rows: Vec<_> = exp.rows_of(Dimension::Touchpoint).collect();
    rows.sort_by(|a, b| a.nps.unwrap_or(0.0).total_cmp(&b.nps.unwrap_or(0.0)));
    let mut t = Table::new(&[
        ("touchpoint", false),
        ("scores", true),
        ("NPS", true),
        ("95% interval", true),
        ("detractors", true),
        ("mean", true),
        ("note", false),
    ]);
    for r in &rows {
        t.row(vec![
            r.group.clone(),
            num(r.n as f64),
            r.nps.map_or("-".into(), |x| format!("{x:+.0}")),
            r.nps_lower.zip(r.nps_upper).map_or("-".into(), |(a, b)| format!("[{a:+.0}, {b:+.0}]")),
            pct(r.detractors as f64 / r.n.max(1) as f64),
            r.mean.map_or("-".into(), |x| format!("{x:.1}")),
            if r.small_n { "few scores".into() } else { String::new() },
        ]);
    }
    let _ = writeln!(s, "  Worst first ({} scores):", num(exp.report.scores as f64));
    t.render(s);
    if events.converted().iter().any(|&c| c) {
        let ec = experience_conversion(events, None, &opts, ExperienceReference::NotDetractor, None)?;
        let gaps: Vec<_> = ec
            .rows
            .iter()
            .filter(|r| r.touchpoint.is_some() && r.experience_gap.is_some_and(|g| g > 0.0))
            .take(5)
            .collect();
        if !gaps.is_empty() {
            let _ = writeln!(s, "\nExperience gaps: journeys with a detractor score convert less");
            let mut t = Table::new(&[
                ("touchpoint", false),
                ("detractor journeys", true),
                ("they convert", true),
                ("promoters convert", true),
                ("gap (conversions)", true),
            ]);
            for r in gaps {
                t.row(vec![
                    r.touchpoint.clone().unwrap_or_default(),
                    num(r.detractor_journeys as f64),
                    r.detractor_rate.map_or("-".into(), pct),
                    r.promoter_rate.map_or("-".into(), pct),
                    r.experience_gap.map_or("-".into(), |g| format!("{g:.0}")),
                ]);
            }
            t.render(s);
            let _ = writeln!(s, "  Gap: conversions those journeys would have at the promoter rate; {}.", ec.note);
        }
    }
    // what drives the overall score: the survey touchpoint with the most scores after sales
    let survey = exp
        .rows_of(Dimension::Touchpoint)
        .filter(|r| {
            events.catalog().get(&r.group).and_then(|t| events.catalog().attrs(t)).and_then(|a| a.stage)
                == Some(crate::catalog::Stage::AfterSales)
        })
        .max_by_key(|r| r.n)
        .map(|r| r.group.clone());
    let outcome = survey.map_or(DriverOutcome::Conversion, DriverOutcome::Touchpoint);
    let kd = KeyDriverOptions { outcome, missing: MissingScores::ImputeMean, ..Default::default() };
    if let Ok(k) = key_drivers(events, None, &opts, &kd) {
        let _ = writeln!(s);
        let _ = write!(s, "{k}");
    }
    Ok(())
}

/// The stage funnel and the repurchase cohorts (weekly), when the data has stages and
/// conversions.
fn journey_map_sections(s: &mut String, events: &EventTable) -> Result<()> {
    use crate::journeymap::{FunnelOptions, Period, RetentionOptions, funnel, repurchase};
    if events.catalog().iter().any(|(_, _, a)| a.stage.is_some()) {
        let f = funnel(events, &FunnelOptions::default(), None)?;
        let _ = writeln!(s, "\n== Stage funnel ==");
        let _ = write!(s, "{f}");
    }
    if events.converted().iter().any(|&c| c) {
        let r = repurchase(
            events,
            &RetentionOptions { period: Period::Week, periods: Some(8), ..Default::default() },
            None,
        )?;
        let _ = writeln!(s, "\n== Repurchase (weekly cohorts of first purchases) ==");
        let _ = write!(s, "{r}");
    }
    Ok(())
}

/// The full report: dataset, journeys (with everything left out), stage funnel, repurchase
/// cohorts, journey graph of the given
/// order (per-touchpoint conversion probability, drop-off, time to convert, removal effects),
/// busiest transitions and top paths.
pub fn text_report(events: &EventTable, opts: &JourneyOptions, order: usize) -> Result<String> {
    let mut s = String::new();
    let (journeys, rep) = Journeys::build(events, opts)?;
    let cat = events.catalog();
    let conv_rows = events.converted().iter().filter(|&&c| c).count();
    let value: f64 = events.values().iter().zip(events.converted()).filter(|(_, c)| **c).fold(0.0, |a, (v, _)| a + v);
    let (tmin, tmax) = events.times().iter().fold((i64::MAX, i64::MIN), |(a, b), &t| (a.min(t), b.max(t)));
    let fb = events.feedback().map_or(0, |f| f.iter().filter(|x| !x.is_nan()).count());

    let _ = writeln!(s, "== Dataset ==");
    let _ = writeln!(
        s,
        "  {} events from {} customers, {} to {}",
        events.len(),
        events.customer_count(),
        date(tmin),
        date(tmax)
    );
    let _ = writeln!(s, "  {} conversions worth {:.2}; {} touches carry a feedback score", conv_rows, value, fb);
    let mut t =
        Table::new(&[("touchpoint", false), ("channel", false), ("stage", false), ("cost", true), ("touches", true)]);
    let mut touches = vec![0usize; cat.len()];
    for &tp in events.touchpoints() {
        if let Some(c) = touches.get_mut(tp as usize) {
            *c += 1;
        }
    }
    for (id, name, a) in cat.iter() {
        t.row(vec![
            name.to_owned(),
            a.channel.map_or("-".into(), |c| c.to_string()),
            a.stage.map_or("-".into(), |c| c.to_string()),
            a.cost.map_or("-".into(), |c| format!("{c:.2}")),
            touches[id.index()].to_string(),
        ]);
    }
    t.render(&mut s);

    let _ = writeln!(s, "\n== Journeys ==");
    let n = journeys.len();
    let _ = writeln!(
        s,
        "  {} journeys: {} converting, {} not converting; mean length {:.2} touches",
        n,
        rep.journeys_converting,
        rep.journeys_non_converting,
        journeys.touch_count() as f64 / n.max(1) as f64
    );
    let _ = writeln!(
        s,
        "  left out: {} touches outside the lookback window, {} repeats collapsed, {} beyond max touches; \
         {} conversions with no touch to credit (value {:.2}); {} inactivity splits",
        rep.touches_outside_lookback,
        rep.touches_collapsed,
        rep.touches_truncated,
        rep.conversions_without_touches,
        rep.value_without_touches,
        rep.inactivity_splits
    );

    journey_map_sections(&mut s, events)?;
    experience_section(&mut s, events)?;

    let g = JourneyGraph::from_journeys(&journeys, order)?;
    let a = g.analyze()?;
    let _ = writeln!(s, "\n== Journey graph (Markov order {order}) ==");
    let _ = writeln!(
        s,
        "  {} states, {} transitions; P(conversion) = {}; expected value per journey {:.2}; expected time to convert {}",
        g.state_count(),
        g.graph().edge_count(),
        pct(a.conversion_probability),
        a.expected_value,
        a.expected_time_to_convert_ms.map_or("-".into(), fmt_duration_ms)
    );
    let _ = writeln!(
        s,
        "\n  Per touchpoint (P(conv) = probability of converting from here; removal effect = share of conversions lost without it)"
    );
    let mut t = Table::new(&[
        ("touchpoint", false),
        ("visits", true),
        ("P(conv)", true),
        ("converts next", true),
        ("drops out", true),
        ("time to convert", true),
        ("removal effect", true),
        ("value RE", true),
    ]);
    let mut rows: Vec<_> = a.nodes.iter().filter(|m| m.node != 0).collect();
    rows.sort_by(|x, y| y.visits.total_cmp(&x.visits));
    let re_of = |label: &str| a.removal_effects.iter().find(|r| r.name == label);
    for m in rows.iter().take(15) {
        let re = if order == 1 { re_of(&m.label) } else { None };
        t.row(vec![
            m.label.clone(),
            num(m.visits),
            pct(m.conversion_probability),
            pct(m.direct_conversion_rate),
            pct(m.dropoff_rate),
            m.expected_time_to_convert_ms.map_or("-".into(), fmt_duration_ms),
            re.map_or("-".into(), |r| format!("{:.3}", r.conversions)),
            re.map_or("-".into(), |r| format!("{:.3}", r.value)),
        ]);
    }
    t.render(&mut s);
    if order > 1 {
        let _ = writeln!(s, "\n  Removal effects");
        let mut t = Table::new(&[("touchpoint", false), ("conversions", true), ("value", true)]);
        for r in &a.removal_effects {
            t.row(vec![r.name.clone(), format!("{:.3}", r.conversions), format!("{:.3}", r.value)]);
        }
        t.render(&mut s);
    }

    let _ = writeln!(s, "\n  Busiest transitions");
    let mut tr = g.transitions();
    tr.sort_by(|x, y| y.stats.count.total_cmp(&x.stats.count));
    let mut t =
        Table::new(&[("from", false), ("to", false), ("journeys", true), ("probability", true), ("mean dwell", true)]);
    for x in tr.iter().filter(|x| !matches!(g.graph()[x.source].kind, NodeKind::Start)).take(12) {
        t.row(vec![
            x.source_label.to_owned(),
            x.target_label.to_owned(),
            num(x.stats.count),
            pct(x.probability),
            x.stats.dwell.mean().map_or("-".into(), fmt_duration_ms),
        ]);
    }
    t.render(&mut s);

    if journeys.total_conversions() > 0.0 {
        attribution_section(&journeys, &mut s)?;
        action_section(&journeys, &g, &mut s)?;
    } else {
        let _ = writeln!(
            s,
            "\n== Attribution and where to act ==\n  No journey converts, so there is nothing to attribute or \
             to act on; check the conversion column or the lookback window."
        );
    }

    let paths = PathTable::from_journeys(&journeys);
    let _ = writeln!(s, "\n== Top paths ({} distinct) ==", paths.len());
    let mut t = Table::new(&[
        ("path", false),
        ("journeys", true),
        ("conversions", true),
        ("conv. rate", true),
        ("value", true),
    ]);
    for p in paths.top_paths(10, PathRank::Journeys) {
        t.row(vec![p.path, num(p.journeys), num(p.conversions), pct(p.conversion_rate), format!("{:.2}", p.value)]);
    }
    t.render(&mut s);
    Ok(s)
}
