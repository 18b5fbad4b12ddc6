//! The journey map beyond the graph: stage funnels, the step matrix, retention and repurchase
//! cohorts (DESIGN §6a, ORACLES E9 and E10).
//!
//! All three read units (customers, or journeys) as time-ordered sequences with one content
//! rule for events at the same instant (touches before conversions, touches by name), so no
//! result depends on the order of the input rows.

pub mod funnel;
pub mod retention;
pub(crate) mod sequence;
pub mod step_matrix;

#[cfg(test)]
mod tests;

pub use funnel::{
    Exclusion, Funnel, FunnelDiffRow, FunnelMode, FunnelOptions, FunnelRow, FunnelSummary, FunnelUnit, MAX_STEPS, Step,
    funnel, funnel_journeys,
};
pub use retention::{
    Activity, Alignment, Period, PurchaseGapRow, Repurchase, Retention, RetentionMeanRow, RetentionMode,
    RetentionOptions, RetentionRow, repurchase, retention,
};
pub use step_matrix::{
    BEFORE_STATE, CONVERSION_STATE, ENDED_STATE, StepMatrix, StepMatrixDiffRow, StepMatrixOptions, StepMatrixRow,
    step_matrix, step_matrix_journeys,
};
