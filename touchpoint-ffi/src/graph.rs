//! Journey graphs: `touchpoint_journey_graph`, the Markov chain of order k with its exact
//! analysis (core [`JourneyGraph`]), its tables, exports and sensitivities.

use std::ffi::c_char;

use touchpoint_core::{Data, JourneyGraph};

use crate::ffi::{free_box, give, out, text, try_ref};
use crate::journeys::touchpoint_journeys;
use crate::json;
use crate::panic::boundary;
use crate::paths::touchpoint_path_table;
use crate::result::touchpoint_result;

/// A journey graph (Markov chain of order k) with its exact analysis.
pub struct touchpoint_journey_graph {
    pub(crate) inner: JourneyGraph,
}

impl touchpoint_journey_graph {
    /// Build the order-`order` journey graph of journeys (with dwell times).
    ///
    /// @param journeys the journeys (read-only)
    /// @param order Markov order (1–16)
    /// @param out receives the new handle (free with `touchpoint_journey_graph_free`)
    /// @return OK; NULL_PARAMETER; INVALID_ARGUMENT (order outside 1–16); EMPTY_INPUT.
    ///         Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_from_journeys(
        journeys: *const touchpoint_journeys,
        order: u32,
        out: *mut *mut touchpoint_journey_graph,
    ) -> touchpoint_result {
        boundary(|| {
            let inner = JourneyGraph::from_journeys(&try_ref!(journeys).inner, order as usize)?;
            give!(out, touchpoint_journey_graph { inner })
        })
    }

    /// Build the order-`order` journey graph of a path table (no dwell times).
    ///
    /// @param paths the path table (read-only)
    /// @param order Markov order (1–16)
    /// @param out receives the new handle (free with `touchpoint_journey_graph_free`)
    /// @return OK; NULL_PARAMETER; INVALID_ARGUMENT (order outside 1–16); EMPTY_INPUT.
    ///         Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_from_paths(
        paths: *const touchpoint_path_table,
        order: u32,
        out: *mut *mut touchpoint_journey_graph,
    ) -> touchpoint_result {
        boundary(|| {
            let inner = JourneyGraph::from_paths(&try_ref!(paths).inner, order as usize)?;
            give!(out, touchpoint_journey_graph { inner })
        })
    }

    /// Build the directly-follows graph of journeys: order 1 with consecutive repeats kept as
    /// self-loops (what process-mining tools count), with dwell times.
    ///
    /// @param journeys the journeys (read-only)
    /// @param out receives the new handle (free with `touchpoint_journey_graph_free`)
    /// @return OK; NULL_PARAMETER; EMPTY_INPUT. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_directly_follows(
        journeys: *const touchpoint_journeys,
        out: *mut *mut touchpoint_journey_graph,
    ) -> touchpoint_result {
        boundary(|| {
            let inner = JourneyGraph::directly_follows(Data::Journeys(&try_ref!(journeys).inner), None)?;
            give!(out, touchpoint_journey_graph { inner })
        })
    }

    /// Summary of the graph as JSON (core `GraphSummary`): `order`, `states`, `transitions`,
    /// `total_journeys`, `total_conversions`, `total_value` and the exact `analysis`
    /// (P(conversion), expected value, per-node conversion probability, visits, drop-off,
    /// expected time to convert, `removal_effects`).
    ///
    /// @param graph the graph
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER; NO_CONVERGENCE. Thread-safe for concurrent
    ///         readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_summary_json(
        graph: *const touchpoint_journey_graph,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(json::value(&try_ref!(graph).inner.summary()?)?, buf, len, out_n))
    }

    /// The graph as a JSON node-link document (`{"directed", "multigraph", "graph", "nodes",
    /// "links"}`), readable by `networkx.node_link_graph(data, edges="links")` and by d3.
    ///
    /// @param graph the graph
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// As `touchpoint_journey_graph_summary_json`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_to_json(
        graph: *const touchpoint_journey_graph,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(try_ref!(graph).inner.to_json(), buf, len, out_n))
    }

    /// Every transition as a JSON array of core `TransitionRow`s (`source`, `target`,
    /// `source_id`, `target_id`, `count`, `probability`, `value`, `dwell_count`,
    /// `dwell_mean`, `dwell_std`, `dwell_min`, `dwell_max` (durations in milliseconds), `target_kind`), in edge
    /// order.
    ///
    /// @param graph the graph
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// As `touchpoint_journey_graph_summary_json`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_transitions_json(
        graph: *const touchpoint_journey_graph,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(json::rows(&try_ref!(graph).inner.transition_table())?, buf, len, out_n))
    }

    /// The exact analysis of every node as a JSON array of core `NodeRow`s (`node_id`, `label`,
    /// `kind`, `visits`, `expected_visits`, `conversion_probability`, `direct_conversion_rate`,
    /// `dropoff_rate`, `expected_time_to_convert` (milliseconds)).
    ///
    /// @param graph the graph
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER; NO_CONVERGENCE. Thread-safe for concurrent
    ///         readers.
    ///
    /// # Safety
    /// As `touchpoint_journey_graph_summary_json`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_nodes_json(
        graph: *const touchpoint_journey_graph,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| {
            let g = &try_ref!(graph).inner;
            text!(json::rows(&g.node_table(&g.analyze()?))?, buf, len, out_n)
        })
    }

    /// The removal effect of every touchpoint as a JSON array of core `RemovalEffectRow`s
    /// (`touchpoint`, `removal_effect`, `removal_effect_value`, `conversion_probability_without`),
    /// in catalog order.
    ///
    /// @param graph the graph
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER; NO_CONVERGENCE. Thread-safe for concurrent
    ///         readers.
    ///
    /// # Safety
    /// As `touchpoint_journey_graph_summary_json`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_removal_effects_json(
        graph: *const touchpoint_journey_graph,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(json::rows(&try_ref!(graph).inner.analyze()?.removal_effect_table())?, buf, len, out_n))
    }

    /// The graph as Graphviz DOT.
    ///
    /// @param graph the graph
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// As `touchpoint_journey_graph_summary_json`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_to_dot(
        graph: *const touchpoint_journey_graph,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(try_ref!(graph).inner.to_dot(), buf, len, out_n))
    }

    /// Exact P(conversion) of a journey in the graph's chain.
    ///
    /// @param graph the graph
    /// @param out receives the probability
    /// @return OK; NULL_PARAMETER; NO_CONVERGENCE. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_conversion_probability(
        graph: *const touchpoint_journey_graph,
        out: *mut f64,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(graph).inner.conversion_probability()?))
    }

    /// Marginal sensitivity of P(conversion) to every transition probability, `∂P/∂Q(source→target)
    /// = v_source · b_target` (expected visits of `source` times P(conversion) from `target`), as a
    /// JSON array of core `Sensitivity` rows (`source`, `target`, `source_id`, `target_id`,
    /// `sensitivity`) in edge order.
    ///
    /// @param graph the graph
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; NULL_PARAMETER; NO_CONVERGENCE (the linear solves); BUFFER_TOO_SMALL.
    ///         Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// As `touchpoint_journey_graph_summary_json`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_sensitivities_json(
        graph: *const touchpoint_journey_graph,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(json::rows(&try_ref!(graph).inner.sensitivities()?)?, buf, len, out_n))
    }

    /// Free a graph. NULL is a no-op.
    ///
    /// # Safety
    /// `graph` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_free(graph: *mut touchpoint_journey_graph) {
        free_box!(graph)
    }
}
