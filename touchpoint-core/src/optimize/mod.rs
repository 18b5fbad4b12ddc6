//! Where to act: which touchpoint to fix ([`prioritize()`]), what to offer next ([`next_best()`],
//! [`converting_paths`]) and how to split a budget ([`budget`]).

pub mod budget;
pub mod next_best;
pub mod prioritize;

pub use budget::{Channel, Objective, Plan, ResponseCurve, Solver, allocate, evaluate};
pub use next_best::{
    Candidate, ConvertingPath, NextBest, NextBestRow, converting_paths, most_probable_converting_path, next_best,
};
pub use prioritize::{Priority, TouchpointPriority, prioritize, prioritize_states};
