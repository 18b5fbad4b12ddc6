//! The native module `touchpoint._touchpoint`. It converts data and errors only; every
//! algorithm lives in `touchpoint-core`.
//!
//! This is the minimal module of the core issue; the full Python API (DataFrames in and out,
//! attribution, graphs) arrives with the Python issue.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The journey report of the built-in demo dataset, as text (what `make demo` prints).
///
/// Examples
/// --------
/// >>> import touchpoint
/// >>> "Journey graph" in touchpoint.demo_report(customers=200)
/// True
#[pyfunction]
#[pyo3(signature = (*, customers = 5000, seed = 7, order = 1, lookback_days = 30))]
fn demo_report(py: Python<'_>, customers: usize, seed: u64, order: usize, lookback_days: i64) -> PyResult<String> {
    py.detach(|| {
        let events = touchpoint_core::demo::events(&touchpoint_core::demo::DemoOptions {
            customers,
            seed,
            ..Default::default()
        })?;
        let opts = touchpoint_core::JourneyOptions {
            lookback_ms: Some(lookback_days * touchpoint_core::DAY_MS),
            ..Default::default()
        };
        touchpoint_core::report::text_report(&events, &opts, order)
    })
    .map_err(|e: touchpoint_core::Error| PyValueError::new_err(e.to_string()))
}

#[pymodule]
fn _touchpoint(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", touchpoint_core::VERSION)?;
    m.add_function(wrap_pyfunction!(demo_report, m)?)?;
    Ok(())
}
