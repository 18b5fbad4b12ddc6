//! The registry of every result row type and its public schema (see [`crate::rows`]): what
//! the faces' name-agreement tests check their tables and JSON keys against. It sits above
//! every analysis (it names them all), so nothing in the crate imports it.

use crate::rows::{Column, Row};

/// One row type's public schema: its name, columns and optional columns.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The Rust type name.
    pub name: &'static str,
    /// Its columns.
    pub columns: &'static [Column],
    /// Columns a table omits when no row has a value.
    pub optional: &'static [&'static str],
}

fn schema<R: Row>(name: &'static str) -> Schema {
    Schema { name, columns: R::COLUMNS, optional: R::OPTIONAL }
}

/// Every result row type of the crate with its schema: what the faces' name-agreement tests
/// check their tables and JSON against.
pub fn schemas() -> Vec<Schema> {
    use crate::attribution::{AttributionRow, JourneyCreditRow, PositionCreditRow};
    use crate::graph::{NodeRow, RemovalEffectRow, Sensitivity, TransitionRow};
    use crate::optimize::{ConvertingPathRow, NextBestRow, PlanRow, StagePriority, StatePriority, TouchpointPriority};
    vec![
        schema::<crate::EventRow<'static>>("EventRow"),
        schema::<crate::JourneyRow<'static>>("JourneyRow"),
        schema::<crate::JourneyReport>("JourneyReport"),
        schema::<crate::PathTableRow>("PathTableRow"),
        schema::<crate::TopPath>("TopPath"),
        schema::<crate::SankeyNode>("SankeyNode"),
        schema::<crate::SankeyLink>("SankeyLink"),
        schema::<AttributionRow>("AttributionRow"),
        schema::<JourneyCreditRow>("JourneyCreditRow"),
        schema::<PositionCreditRow>("PositionCreditRow"),
        schema::<TransitionRow>("TransitionRow"),
        schema::<NodeRow>("NodeRow"),
        schema::<RemovalEffectRow>("RemovalEffectRow"),
        schema::<Sensitivity>("Sensitivity"),
        schema::<TouchpointPriority>("TouchpointPriority"),
        schema::<StatePriority>("StatePriority"),
        schema::<StagePriority>("StagePriority"),
        schema::<NextBestRow>("NextBestRow"),
        schema::<ConvertingPathRow>("ConvertingPathRow"),
        schema::<PlanRow>("PlanRow"),
        schema::<crate::journeymap::FunnelRow>("FunnelRow"),
        schema::<crate::journeymap::FunnelSummary>("FunnelSummary"),
        schema::<crate::journeymap::StepMatrixRow>("StepMatrixRow"),
        schema::<crate::journeymap::StepMatrixDiffRow>("StepMatrixDiffRow"),
        schema::<crate::journeymap::RetentionRow>("RetentionRow"),
        schema::<crate::journeymap::RetentionMeanRow>("RetentionMeanRow"),
        schema::<crate::journeymap::PurchaseGapRow>("PurchaseGapRow"),
        schema::<crate::experience::FeedbackReport>("FeedbackReport"),
        schema::<crate::experience::ExperienceRow>("ExperienceRow"),
        schema::<crate::experience::ExperienceDiffRow>("ExperienceDiffRow"),
        schema::<crate::experience::ExperienceConversionRow>("ExperienceConversionRow"),
        schema::<crate::experience::KeyDriverRow>("KeyDriverRow"),
        schema::<crate::experience::ConsistencyRow>("ConsistencyRow"),
        schema::<crate::experience::ConsistencySummary>("ConsistencySummary"),
        schema::<crate::persona::PersonaRow>("PersonaRow"),
        schema::<crate::graph::intervals::GraphIntervalRow>("GraphIntervalRow"),
        schema::<crate::segmented::SegmentAttributionRow>("SegmentAttributionRow"),
        schema::<crate::segmented::SegmentDiffRow>("SegmentDiffRow"),
        schema::<crate::segmented::SegmentGraphRow>("SegmentGraphRow"),
        schema::<crate::segmented::SegmentTopPathRow>("SegmentTopPathRow"),
        schema::<crate::journeymap::FunnelDiffRow>("FunnelDiffRow"),
        schema::<crate::optimize::ScoreRow<'static>>("ScoreRow"),
        schema::<crate::optimize::ScoreNextRow<'static>>("ScoreNextRow"),
        schema::<crate::increment::AppendReport>("AppendReport"),
        schema::<crate::saved::ModelInfo>("ModelInfo"),
        schema::<crate::partial::PartialRow>("PartialRow"),
    ]
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;
    use crate::rows::Row;

    /// The serde names of every row type are its column names, in order (a `#[serde(rename)]`
    /// on a field would break the faces' one-name rule).
    #[test]
    fn serde_names_are_column_names() {
        fn keys<R: Row + serde::Serialize>(row: &R) -> Vec<String> {
            match serde_json::to_value(row).unwrap() {
                serde_json::Value::Object(m) => m.keys().cloned().collect(),
                v => panic!("not an object: {v}"),
            }
        }
        fn check<R: Row + serde::Serialize>(row: R) {
            let mut want: Vec<String> = R::COLUMNS.iter().map(|c| c.name.to_owned()).collect();
            want.sort();
            let mut got = keys(&row);
            got.sort();
            assert_eq!(got, want);
        }
        let events = crate::demo::events(&crate::demo::DemoOptions { customers: 200, ..Default::default() }).unwrap();
        check(events.rows().next().unwrap());
        let (journeys, report) = crate::Journeys::build(&events, &Default::default()).unwrap();
        check(report);
        check(journeys.table(" > ").remove(0));
        let paths = crate::PathTable::from_journeys(&journeys);
        let s = paths.sankey(3, 3).unwrap();
        check(s.nodes[0].clone());
        check(s.links[0].clone());
        check(paths.top_paths(1, crate::PathRank::Journeys).remove(0));
        check(paths.table(" > ").remove(0));
        let g = crate::JourneyGraph::from_paths(&paths, 1).unwrap();
        let a = g.analyze().unwrap();
        check(g.transition_table().remove(0));
        check(g.node_table(&a).remove(0));
        check(a.removal_effect_table().remove(0));
        check(g.sensitivities().unwrap().remove(0));
        let f = crate::journeymap::funnel(&events, &Default::default(), None).unwrap();
        check(f.rows[1].clone());
        check(f.summary[0].clone());
        let m = crate::journeymap::step_matrix(&events, &Default::default(), None).unwrap();
        check(m.rows[0].clone());
        let r = crate::journeymap::repurchase(&events, &Default::default(), None).unwrap();
        check(r.retention.rows[0].clone());
        check(r.retention.mean[0].clone());
        check(r.gaps[0].clone());
        use crate::experience::{self as x, Dimension, ExperienceOptions as O};
        let e = x::experience(&events, None, &O::default(), None).unwrap();
        check(e.report.clone());
        check(e.rows[0].clone());
        check(e.compare(Dimension::All, "all", "all").unwrap().remove(0));
        let ec = x::experience_conversion(&events, None, &O::default(), Default::default(), None).unwrap();
        check(ec.rows[0].clone());
        let kd = x::KeyDriverOptions { missing: x::MissingScores::ImputeMean, ..Default::default() };
        check(x::key_drivers(&events, None, &O::default(), &kd).unwrap().rows[0].clone());
        let c = x::consistency(&events, None, &O::default()).unwrap();
        check(c.rows[0].clone());
        check(c.summary.clone());
        let po = crate::persona::PersonaOptions { k: Some(2), ..Default::default() };
        check(crate::persona::personas(&journeys, &po).unwrap().rows[0].clone());
        let boot = crate::bootstrap::BootstrapOptions { resamples: 5, ..Default::default() };
        let gi = crate::graph::intervals::graph_intervals(crate::Data::Journeys(&journeys), 1, None, &boot).unwrap();
        check(gi.rows[0].clone());
        let seg = crate::segment::Segments::by_first_touch(&events, crate::segment::SegmentAttribute::Channel).unwrap();
        let models = [crate::attribution::AttributionModel::markov(1)];
        let sa =
            crate::segmented::attribute_by_segment(&journeys, &seg, &models, &Default::default(), Some(&boot)).unwrap();
        check(sa.table()[0].clone());
        let (a, b) = (&sa.segments[0].segment, &sa.segments[1].segment);
        check(sa.compare(a, b).unwrap()[0].clone());
        let sg = crate::segmented::graph_by_segment(&journeys, &seg, 1, None, Some(&boot)).unwrap();
        check(sg.table()[0].clone());
        check(
            crate::segmented::top_paths_by_segment(&journeys, &seg, 3, crate::PathRank::Journeys).unwrap()[0].clone(),
        );
        let seg = crate::segment::Segments::by_first_touch(&events, crate::segment::SegmentAttribute::Channel).unwrap();
        let fo = crate::journeymap::FunnelOptions {
            steps: vec![
                crate::journeymap::Step::touchpoint("website"),
                crate::journeymap::Step::touchpoint("store visit"),
            ],
            ..Default::default()
        };
        let f = crate::journeymap::funnel(&events, &fo, Some(&seg)).unwrap();
        let l: Vec<&str> = f.summary.iter().filter_map(|s| s.segment.as_deref()).collect();
        check(f.compare_segments(l[0], l[1]).unwrap()[1].clone());
        assert_eq!(schemas().len(), 46);
        for s in schemas() {
            for o in s.optional {
                assert!(s.columns.iter().any(|c| c.name == *o), "{}: optional {o} is no column", s.name);
            }
        }
    }
}
