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
mod json;
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
    let pool = pool_size(n_threads).py()?;
    py.detach(|| run_pooled(pool, f)).py()
}

/// `n_threads` checked (`1..=touchpoint_core::threads::MAX_THREADS`); `None` after `fork()`
/// becomes one thread.
fn pool_size(n_threads: Option<usize>) -> touchpoint_core::Result<Option<usize>> {
    if let Some(n) = n_threads {
        touchpoint_core::threads::check(n)?;
    }
    Ok(match (n_threads, FORKED.load(Ordering::Relaxed)) {
        (Some(n), _) => Some(n),
        (None, true) => Some(1),
        (None, false) => None,
    })
}

fn run_pooled<T: Send>(
    pool_size: Option<usize>,
    f: impl FnOnce() -> touchpoint_core::Result<T> + Send,
) -> touchpoint_core::Result<T> {
    match pool_size {
        None => f(),
        // a pool per thread count, reused by later calls; the caller's progress counter goes
        // with the work to the pool's threads
        Some(n) => touchpoint_core::threads::install(n, f),
    }
}

/// [`compute`] for long operations, watched: with a `progress` callable, the work runs on a
/// worker thread while this thread, every 0.1 s, calls `progress(stage, done, total)` (a
/// `False` result cancels: `CancelledError`) and checks for Ctrl-C / a kernel interrupt
/// (which cancels the work at its next step and raises `KeyboardInterrupt` once it has
/// stopped). Without one it is [`compute`].
fn compute_watched<T: Send>(
    py: Python<'_>,
    n_threads: Option<usize>,
    progress: Option<Py<PyAny>>,
    f: impl FnOnce() -> touchpoint_core::Result<T> + Send,
) -> PyResult<T> {
    use std::sync::Arc;
    use std::sync::mpsc;
    use std::time::Duration;
    use touchpoint_core::progress::{self, Progress};

    let Some(cb) = progress else { return compute(py, n_threads, f) };
    let pool = pool_size(n_threads).py()?;
    let p = Arc::new(Progress::new());
    let mut raised: Option<PyErr> = None;
    // `final_call`: the work is over, only the count is shown (a `False` then changes nothing)
    let report = |final_call: bool, raised: &mut Option<PyErr>| {
        Python::attach(|py| {
            if raised.is_some() {
                return;
            }
            if !final_call && let Err(e) = py.check_signals() {
                *raised = Some(e);
                p.cancel();
                return;
            }
            let snap = p.snapshot();
            match cb.call1(py, (snap.stage, snap.done, snap.total)) {
                Ok(r) if !final_call && r.bind(py).is(pyo3::types::PyBool::new(py, false)) => p.cancel(),
                Ok(_) => {}
                Err(e) => {
                    *raised = Some(e);
                    p.cancel();
                }
            }
        })
    };
    let result = py.detach(|| {
        // once before the work starts: a callback that says stop at once stops it at its first step
        report(false, &mut raised);
        std::thread::scope(|s| {
            let (done_tx, done_rx) = mpsc::channel::<()>();
            let shared = &p;
            let worker = s.spawn(move || {
                let r = progress::scope(shared, || run_pooled(pool, f));
                let _ = done_tx.send(());
                r
            });
            while done_rx.recv_timeout(Duration::from_millis(100)).is_err() {
                if worker.is_finished() {
                    break;
                }
                report(false, &mut raised);
            }
            let r = match worker.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            report(true, &mut raised);
            r
        })
    });
    match (raised, result) {
        // Ctrl-C or the callback's own exception wins over the Cancelled it caused
        (Some(e), Err(touchpoint_core::Error::Cancelled { .. })) => Err(e),
        (Some(e), Ok(_)) if e.is_instance_of::<pyo3::exceptions::PyKeyboardInterrupt>(py) => Err(e),
        (_, r) => r.py(),
    }
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
    m.add_class::<crm::PyScores>()?;
    m.add_class::<graph::PyNextBest>()?;
    m.add_class::<segments::PyGraphIntervals>()?;
    m.add_function(wrap_pyfunction!(json::comparison_to_json, m)?)?;
    m.add_function(wrap_pyfunction!(json::comparison_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(budget::curve_to_json, m)?)?;
    m.add_function(wrap_pyfunction!(budget::curve_from_json, m)?)?;
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
    m.add_function(wrap_pyfunction!(events::text_report, m)?)?;
    m.add_function(wrap_pyfunction!(events::parse_duration_ms, m)?)?;
    m.add_function(wrap_pyfunction!(_after_fork_in_child, m)?)?;
    m.add_function(wrap_pyfunction!(table::_schemas, m)?)?;
    m.add_function(wrap_pyfunction!(conversion::_options, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_error_classes, m)?)?;
    if let Some(n) = std::env::var("TOUCHPOINT_NUM_THREADS").ok().and_then(|v| v.parse::<usize>().ok()) {
        // configures the global pool once (at most MAX_THREADS threads); an error means it was
        // already configured
        let n = n.clamp(1, touchpoint_core::threads::MAX_THREADS);
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n).build_global();
    }
    Ok(())
}
