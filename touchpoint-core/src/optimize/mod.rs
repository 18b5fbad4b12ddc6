//! Where to act: which touchpoint to fix ([`prioritize()`]), what to offer next ([`next_best()`],
//! [`converting_paths`]) and how to split a budget ([`budget`]).

pub mod budget;
pub mod next_best;
pub mod prioritize;
pub mod score;

pub use budget::{
    BudgetPlan, Curve, CurveKind, Objective, ObjectiveKind, PlanRow, ResponseCurve, Solver, allocate_budget,
    evaluate_budget,
};
#[allow(deprecated)]
pub use budget::{Channel, Plan, allocate, evaluate};
pub use next_best::{
    Candidate, ConvertingPath, ConvertingPathRow, NextBest, NextBestRow, converting_paths,
    most_probable_converting_path, next_best,
};
pub use prioritize::{
    PrioritizeBy, StagePriority, StatePriority, TouchpointPriority, prioritize, prioritize_stages, prioritize_states,
};
pub use score::{ScoreNextRow, ScoreOptions, ScoreRow, ScoreSet, Scorer, Scores, StateMatch};
