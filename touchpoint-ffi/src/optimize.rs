//! What to do next, from a journey graph: which drop-off to fix first, the next best
//! touchpoint, the most probable routes to conversion (core [`touchpoint_core::optimize`]).

use std::ffi::c_char;

use touchpoint_core::optimize::{self, Candidate, ConvertingPath, PrioritizeBy};

use crate::ffi::{text, try_enum, try_opt_str, try_ref, try_slice, try_str};
use crate::graph::touchpoint_journey_graph;
use crate::json;
use crate::panic::boundary;
use crate::result::{FfiError, touchpoint_result};

/// What `touchpoint_journey_graph_prioritize_json` ranks; the values are the core's
/// `PrioritizeBy` codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_prioritize_by {
    /// Per touchpoint: exact re-solves (core `TouchpointPriority` rows).
    Touchpoint = 0,
    /// Per state: rank-one closed form (core `StatePriority` rows).
    State = 1,
    /// Per catalog stage: exact re-solves (core `StagePriority` rows); INVALID_ARGUMENT when
    /// the catalog has no stages.
    Stage = 2,
}

/// An allowed next touchpoint and the cost of one touch.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_candidate {
    /// Touchpoint name (UTF-8, not NUL-terminated).
    pub touchpoint: *const c_char,
    /// Length of `touchpoint`.
    pub touchpoint_len: usize,
    /// Cost of one touch (>= 0).
    pub cost: f64,
}

/// The touches of a partial journey, `>`-separated (NULL or empty: the start).
fn partial_of(partial: Option<&str>) -> Vec<&str> {
    partial.map(|p| touchpoint_core::paths::split_path(p, ">").collect()).unwrap_or_default()
}

impl touchpoint_journey_graph {
    /// Which drop-off to fix first: the exact gain in P(conversion), extra conversions and
    /// extra value if the drop-off after each touchpoint (`by` TOUCHPOINT: exact re-solves),
    /// each state (`by` STATE: rank-one closed form) or each catalog stage (`by` STAGE: exact
    /// re-solves) were cut by `fraction` (0–1), ranked, as a JSON array of core
    /// `TouchpointPriority`, `StatePriority` or `StagePriority` rows. A progress callback set
    /// with `touchpoint_progress_set` counts the states (`by` STATE) and can cancel.
    ///
    /// @param graph the graph
    /// @param fraction share of the drop-off cut (0–1)
    /// @param by a `touchpoint_prioritize_by` value (passed as an integer and checked)
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; INVALID_ARGUMENT (fraction outside 0–1, unknown `by`);
    ///         NULL_PARAMETER; NO_CONVERGENCE. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_prioritize_json(
        graph: *const touchpoint_journey_graph,
        fraction: f64,
        by: u32,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| {
            let g = &try_ref!(graph).inner;
            let text = match try_enum!(PrioritizeBy, by) {
                PrioritizeBy::Touchpoint => json::rows(&optimize::prioritize(g, fraction)?)?,
                PrioritizeBy::State => json::rows(&optimize::prioritize_states(g, fraction)?)?,
                PrioritizeBy::Stage => json::rows(&optimize::prioritize_stages(g, fraction)?)?,
            };
            text!(text, buf, len, out_n)
        })
    }

    /// Rank the allowed next touchpoints after the touches `partial` (names separated by `>`,
    /// e.g. `"search ad > email"`; NULL or empty for a journey that has not started), as JSON
    /// (core `NextBest`): `{"current_state", "current_probability", "rows": [core
    /// `NextBestRow`s]}`. The estimates are associational (what followed for customers who took
    /// each step), not causal.
    ///
    /// @param graph the graph
    /// @param partial, partial_len the touches so far
    /// @param candidates, n_candidates the allowed next touchpoints and their costs
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; INVALID_ARGUMENT (unknown touchpoint, no candidates);
    ///         INVALID_VALUE (a negative cost); MODEL_NOT_APPLICABLE (state never observed);
    ///         NULL_PARAMETER; INVALID_UTF8. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `candidates` must point to `n_candidates` valid structs whose strings are valid for their
    /// lengths; `buf` NULL or `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    #[allow(clippy::too_many_arguments)]
    pub unsafe extern "C" fn touchpoint_journey_graph_next_best_json(
        graph: *const touchpoint_journey_graph,
        partial: *const c_char,
        partial_len: usize,
        candidates: *const touchpoint_candidate,
        n_candidates: usize,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| {
            let g = try_ref!(graph);
            let partial = try_opt_str!(partial, partial_len);
            let list = try_slice!(candidates, n_candidates)
                .iter()
                .map(|c| {
                    Ok(Candidate::new(try_str!(c.touchpoint, c.touchpoint_len, "candidates[].touchpoint"), c.cost))
                })
                .collect::<Result<Vec<_>, FfiError>>()?;
            let r = optimize::next_best(&g.inner, &partial_of(partial), &list)?;
            text!(json::value(&r)?, buf, len, out_n)
        })
    }

    /// The `k` most probable routes to conversion (at most `max_len` further states) after the
    /// touches `partial` (`>`-separated; NULL or empty for the start), best first, as a JSON
    /// array of core `ConvertingPathRow`s (`rank`, `path`, `steps`, `probability`).
    ///
    /// @param graph the graph
    /// @param partial, partial_len the touches so far
    /// @param k how many routes
    /// @param max_len longest route, in states
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; INVALID_ARGUMENT (unknown touchpoint); MODEL_NOT_APPLICABLE
    ///         (state never observed); NULL_PARAMETER; INVALID_UTF8. Thread-safe for concurrent
    ///         readers.
    ///
    /// # Safety
    /// As `touchpoint_journey_graph_next_best_json`.
    #[unsafe(no_mangle)]
    #[allow(clippy::too_many_arguments)]
    pub unsafe extern "C" fn touchpoint_journey_graph_converting_paths_json(
        graph: *const touchpoint_journey_graph,
        partial: *const c_char,
        partial_len: usize,
        k: usize,
        max_len: usize,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| {
            let g = try_ref!(graph);
            let partial = try_opt_str!(partial, partial_len);
            let paths = optimize::converting_paths(&g.inner, &partial_of(partial), k, max_len)?;
            text!(json::rows(&ConvertingPath::table(&paths))?, buf, len, out_n)
        })
    }

    /// The single most probable route from the start to a conversion (A* on `−log p`), as JSON
    /// (core `ConvertingPath`) `{"states": [...], "probability": p}`; the JSON text `null` when
    /// no journey converts.
    ///
    /// @param graph the graph
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; NULL_PARAMETER; BUFFER_TOO_SMALL. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_most_probable_converting_path_json(
        graph: *const touchpoint_journey_graph,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| {
            let r = optimize::most_probable_converting_path(&try_ref!(graph).inner);
            text!(json::value(&r)?, buf, len, out_n)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::assert_same_codes;

    #[test]
    fn prioritize_by_codes_are_the_core_codes() {
        assert_same_codes!(touchpoint_prioritize_by, PrioritizeBy { Touchpoint, State, Stage });
    }
}
