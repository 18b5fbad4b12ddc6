//! The graph's result tables as row structs (see [`crate::rows`]): what every face shows for
//! transitions, nodes, removal effects and the summary, with the same names.

use super::{GraphAnalysis, JourneyGraph, NodeIndex, NodeKind};

crate::named_enum! {
    /// What a node stands for, by name (the [`NodeKind`] without a state's touchpoints).
    pub enum NodeType: "node_kind" {
        /// [`NodeKind::Start`].
        Start = 0 => "start",
        /// [`NodeKind::State`].
        State = 1 => "state",
        /// [`NodeKind::Conversion`].
        Conversion = 2 => "conversion",
        /// [`NodeKind::Null`].
        Null = 3 => "null",
    }
}

impl NodeKind {
    /// The kind's [`NodeType`] (its public name: `start`, `state`, `conversion`, `null`).
    pub fn node_type(&self) -> NodeType {
        match self {
            NodeKind::Start => NodeType::Start,
            NodeKind::State(_) => NodeType::State,
            NodeKind::Conversion => NodeType::Conversion,
            NodeKind::Null => NodeType::Null,
        }
    }
}

crate::row_struct! {
    /// A row of [`JourneyGraph::transition_table`]: one transition with its counts and dwell
    /// statistics (milliseconds).
    #[derive(Clone, PartialEq)]
    pub struct TransitionRow {
        /// Label of the state left.
        pub source: String,
        /// Label of the state entered.
        pub target: String,
        /// Node index of `source`.
        pub source_id: usize,
        /// Node index of `target`.
        pub target_id: usize,
        /// Weighted count.
        pub count: f64,
        /// Transition probability.
        pub probability: f64,
        /// Conversion value carried along it.
        pub value: f64,
        /// Transitions with a known dwell time.
        pub dwell_count: u64,
        /// Mean dwell (a duration: milliseconds in JSON, a timedelta in Python).
        pub dwell_mean: Option<crate::rows::DurationMs>,
        /// Standard deviation of the dwell (ms).
        pub dwell_std: Option<crate::rows::DurationMs>,
        /// Shortest dwell (ms).
        pub dwell_min: Option<crate::rows::DurationMs>,
        /// Longest dwell (ms).
        pub dwell_max: Option<crate::rows::DurationMs>,
        /// Kind of the target node.
        pub target_kind: NodeType,
    }
}

crate::row_struct! {
    optional(nps, mean_score, scores);
    /// A row of [`JourneyGraph::node_table`]: the exact analysis of one node (and, from
    /// [`JourneyGraph::node_table_with_experience`], the experience at its touchpoint).
    #[derive(Clone, PartialEq)]
    pub struct NodeRow {
        /// Node index.
        pub node_id: usize,
        /// Display label.
        pub label: String,
        /// Kind of node.
        pub kind: NodeType,
        /// Weighted journeys through it (observed).
        pub visits: f64,
        /// Expected visits per journey (exact).
        pub expected_visits: f64,
        /// P(conversion) from this node.
        pub conversion_probability: f64,
        /// Share of its exits that convert directly.
        pub direct_conversion_rate: f64,
        /// Share of its exits that end without conversion.
        pub dropoff_rate: f64,
        /// Expected time to convert from here, given conversion (ms).
        pub expected_time_to_convert: Option<crate::rows::DurationMs>,
        /// NPS (net score) of the state's current touchpoint (with an experience table).
        pub nps: Option<f64>,
        /// Mean score at the state's current touchpoint.
        pub mean_score: Option<f64>,
        /// Scores at the state's current touchpoint.
        pub scores: Option<usize>,
    }
}

crate::row_struct! {
    /// A row of [`GraphAnalysis::removal_effect_table`].
    #[derive(Clone, PartialEq)]
    pub struct RemovalEffectRow {
        /// The touchpoint.
        pub touchpoint: String,
        /// Relative loss of P(conversion) without it.
        pub removal_effect: f64,
        /// Relative loss of expected value without it.
        pub removal_effect_value: f64,
        /// P(conversion) with it removed.
        pub conversion_probability_without: f64,
    }
}

/// The graph in figures ([`JourneyGraph::summary`]): sizes, weighted totals and the exact
/// analysis.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GraphSummary {
    /// Markov order.
    pub order: usize,
    /// Transient states.
    pub states: usize,
    /// Transitions (edges).
    pub transitions: usize,
    /// Weighted journeys.
    pub total_journeys: f64,
    /// Total conversions.
    pub total_conversions: f64,
    /// Total conversion value.
    pub total_value: f64,
    /// The exact analysis.
    pub analysis: GraphAnalysis,
}

impl JourneyGraph {
    /// Every transition as a [`TransitionRow`], in edge order.
    ///
    /// ```
    /// use touchpoint_core::{JourneyGraph, PathTable};
    /// let mut p = PathTable::default();
    /// p.add_path_str("a > b", ">", 1.0, 1.0, 0.0)?;
    /// let t = JourneyGraph::from_paths(&p, 1)?.transition_table();
    /// let ab = t.iter().find(|r| r.source == "a" && r.target == "b").unwrap();
    /// assert_eq!(ab.count, 2.0);
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn transition_table(&self) -> Vec<TransitionRow> {
        let g = self.graph();
        self.transitions()
            .iter()
            .map(|x| {
                let d = &x.stats.dwell;
                TransitionRow {
                    source: x.source_label.to_owned(),
                    target: x.target_label.to_owned(),
                    source_id: x.source.index(),
                    target_id: x.target.index(),
                    count: x.stats.count,
                    probability: x.probability,
                    value: x.stats.value,
                    dwell_count: d.count,
                    dwell_mean: d.mean().map(crate::rows::DurationMs::from_f64),
                    dwell_std: d.std_dev().map(crate::rows::DurationMs::from_f64),
                    dwell_min: (d.count > 0).then_some(crate::rows::DurationMs(d.min)),
                    dwell_max: (d.count > 0).then_some(crate::rows::DurationMs(d.max)),
                    target_kind: g[x.target].kind.node_type(),
                }
            })
            .collect()
    }

    /// The per-node analysis as [`NodeRow`]s (`analysis` from [`JourneyGraph::analyze`]).
    pub fn node_table(&self, analysis: &GraphAnalysis) -> Vec<NodeRow> {
        let g = self.graph();
        analysis
            .nodes
            .iter()
            .map(|m| NodeRow {
                node_id: m.node,
                label: m.label.clone(),
                kind: g[NodeIndex::new(m.node)].kind.node_type(),
                visits: m.visits,
                expected_visits: m.expected_visits,
                conversion_probability: m.conversion_probability,
                direct_conversion_rate: m.direct_conversion_rate,
                dropoff_rate: m.dropoff_rate,
                expected_time_to_convert: m.expected_time_to_convert_ms.and_then(crate::rows::DurationMs::within),
                nps: None,
                mean_score: None,
                scores: None,
            })
            .collect()
    }

    /// [`node_table`](Self::node_table) with the experience of each state's current (last)
    /// touchpoint from an experience table (matched by name; the overall rows of the table
    /// when it is per segment are not used: pass a table without segments). Nodes whose
    /// touchpoint has no score keep the experience columns empty.
    pub fn node_table_with_experience(
        &self,
        analysis: &GraphAnalysis,
        experience: &crate::experience::Experience,
    ) -> Vec<NodeRow> {
        use crate::experience::Dimension;
        let g = self.graph();
        let cat = self.catalog();
        let mut rows = self.node_table(analysis);
        for r in &mut rows {
            if let NodeKind::State(tps) = &g[NodeIndex::new(r.node_id)].kind
                && let Some(name) = tps.last().and_then(|&t| cat.name(t))
                && let Some(e) = experience.get_in(None, Dimension::Touchpoint, name)
            {
                r.nps = e.nps;
                r.mean_score = e.mean;
                r.scores = Some(e.n);
            }
        }
        rows
    }

    /// Sizes, totals and the exact analysis in one value (what the C face's
    /// `touchpoint_journey_graph_summary_json` returns).
    pub fn summary(&self) -> crate::Result<GraphSummary> {
        Ok(GraphSummary {
            order: self.order(),
            states: self.state_count(),
            transitions: self.graph().edge_count(),
            total_journeys: self.total_journeys(),
            total_conversions: self.total_conversions(),
            total_value: self.total_value(),
            analysis: self.analysis()?.clone(),
        })
    }
}

impl GraphAnalysis {
    /// The removal effects as [`RemovalEffectRow`]s, in catalog order.
    pub fn removal_effect_table(&self) -> Vec<RemovalEffectRow> {
        self.removal_effects
            .iter()
            .map(|r| RemovalEffectRow {
                touchpoint: r.name.clone(),
                removal_effect: r.conversions,
                removal_effect_value: r.value,
                conversion_probability_without: r.conversion_probability_without,
            })
            .collect()
    }
}
