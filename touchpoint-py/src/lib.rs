//! The native module `touchpoint._touchpoint`. It converts data and errors only; every
//! algorithm lives in `touchpoint-core`. The pure-Python package `touchpoint` wraps these
//! classes with DataFrame-in / DataFrame-out helpers.
//!
//! One file per class (`events`, `journeys`, `paths`, `attribution`, `graph`, `budget`) or family
//! (`journeymap`, `experience`); the
//! mechanics shared by all of them are generic: Arrow input (`input`), result tables from core
//! row structs (`table`), options and values (`conversion`), errors (`errors`). The native
//! classes are called `PyEvents`, `PyJourneys`, ... in Python too, so they never clash with the
//! public classes of the package.

mod attribution;
mod budget;
mod conversion;
mod crm;
mod data;
mod errors;
mod events;
mod experience;
mod graph;
mod input;
mod journeymap;
mod journeys;
mod partial;
mod paths;
mod segments;
mod table;

use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::prelude::*;

use errors::IntoPy;

/// Set in a child process after `fork()`: rayon's global pool did not survive it, so work runs
/// on a fresh pool per call.
static FORKED: AtomicBool = AtomicBool::new(false);

/// Run core work without the GIL, on `n_threads` threads (or rayon's global pool).
fn compute<T: Send>(
    py: Python<'_>,
    n_threads: Option<usize>,
    f: impl FnOnce() -> touchpoint_core::Result<T> + Send,
) -> PyResult<T> {
    let bad_threads = |n: usize, reason: String| touchpoint_core::Error::InvalidOption {
        option: "n_threads",
        value: n.to_string(),
        reason,
    };
    if n_threads == Some(0) {
        return Err(bad_threads(0, "n_threads must be >= 1 (or None: all cores)".into())).py();
    }
    let pool_size = match (n_threads, FORKED.load(Ordering::Relaxed)) {
        (Some(n), _) => Some(n),
        (None, true) => Some(1),
        (None, false) => None,
    };
    py.detach(|| match pool_size {
        None => f(),
        Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
            Ok(pool) => pool.install(f),
            Err(e) => Err(bad_threads(n, format!("cannot start the thread pool: {e}"))),
        },
    })
    .py()
}

/// Called by `os.register_at_fork(after_in_child=...)`.
#[pyfunction]
fn _after_fork_in_child() {
    FORKED.store(true, Ordering::Relaxed);
}

#[pymodule]
fn _touchpoint(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", touchpoint_core::VERSION)?;
    m.add_class::<events::PyEvents>()?;
    m.add_class::<journeys::PyJourneys>()?;
    m.add_class::<paths::PyPathTable>()?;
    m.add_class::<attribution::PyAttribution>()?;
    m.add_class::<graph::PyJourneyGraph>()?;
    m.add_class::<budget::PyBudgetPlan>()?;
    m.add_class::<journeymap::PySegments>()?;
    m.add_class::<journeymap::PyFunnel>()?;
    m.add_class::<journeymap::PyStepMatrix>()?;
    m.add_class::<journeymap::PyRetention>()?;
    m.add_class::<journeymap::PyRepurchase>()?;
    m.add_class::<experience::PySurveys>()?;
    m.add_class::<experience::PyExperience>()?;
    m.add_class::<experience::PyExperienceConversion>()?;
    m.add_class::<experience::PyKeyDrivers>()?;
    m.add_class::<experience::PyConsistency>()?;
    m.add_class::<segments::PySegmentAttribution>()?;
    m.add_class::<segments::PySegmentGraph>()?;
    m.add_class::<segments::PyPersonas>()?;
    m.add_class::<table::ArrowTable>()?;
    m.add_class::<crm::PyScorer>()?;
    m.add_class::<partial::PyPartialSpec>()?;
    m.add_class::<partial::PyPartialBuilder>()?;
    m.add_class::<partial::PyPartial>()?;
    for f in [
        wrap_pyfunction!(crm::graph_to_bytes, m)?,
        wrap_pyfunction!(crm::graph_from_bytes, m)?,
        wrap_pyfunction!(crm::graph_save, m)?,
        wrap_pyfunction!(crm::graph_load, m)?,
        wrap_pyfunction!(crm::journeys_to_bytes, m)?,
        wrap_pyfunction!(crm::journeys_from_bytes, m)?,
        wrap_pyfunction!(crm::journeys_save, m)?,
        wrap_pyfunction!(crm::journeys_load, m)?,
        wrap_pyfunction!(crm::journeys_append, m)?,
        wrap_pyfunction!(crm::credits_to_bytes, m)?,
        wrap_pyfunction!(crm::credits_from_bytes, m)?,
        wrap_pyfunction!(crm::model_info, m)?,
    ] {
        m.add_function(f)?;
    }
    m.add_function(wrap_pyfunction!(journeymap::funnel, m)?)?;
    m.add_function(wrap_pyfunction!(journeymap::step_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(journeymap::retention, m)?)?;
    m.add_function(wrap_pyfunction!(journeymap::repurchase, m)?)?;
    m.add_function(wrap_pyfunction!(experience::experience, m)?)?;
    m.add_function(wrap_pyfunction!(experience::experience_conversion, m)?)?;
    m.add_function(wrap_pyfunction!(experience::key_drivers, m)?)?;
    m.add_function(wrap_pyfunction!(experience::consistency, m)?)?;
    m.add_function(wrap_pyfunction!(attribution::attribute, m)?)?;
    m.add_function(wrap_pyfunction!(segments::attribute_by_segment, m)?)?;
    m.add_function(wrap_pyfunction!(segments::graph_by_segment, m)?)?;
    m.add_function(wrap_pyfunction!(segments::graph_intervals, m)?)?;
    m.add_function(wrap_pyfunction!(segments::top_paths_by_segment, m)?)?;
    m.add_function(wrap_pyfunction!(segments::personas, m)?)?;
    m.add_function(wrap_pyfunction!(budget::allocate_budget, m)?)?;
    m.add_function(wrap_pyfunction!(budget::evaluate_budget, m)?)?;
    m.add_function(wrap_pyfunction!(budget::curve_values, m)?)?;
    m.add_function(wrap_pyfunction!(budget::calibrate_hill, m)?)?;
    m.add_function(wrap_pyfunction!(budget::calibrate_power, m)?)?;
    m.add_function(wrap_pyfunction!(events::demo_report, m)?)?;
    m.add_function(wrap_pyfunction!(_after_fork_in_child, m)?)?;
    m.add_function(wrap_pyfunction!(table::_schemas, m)?)?;
    m.add_function(wrap_pyfunction!(conversion::_options, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_error_classes, m)?)?;
    if let Some(n) = std::env::var("TOUCHPOINT_NUM_THREADS").ok().and_then(|v| v.parse::<usize>().ok()) {
        // configures the global pool once; an error means it was already configured
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
    Ok(())
}
