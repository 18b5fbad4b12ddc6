//! Generic conversions between Python values and core types: every option string becomes its
//! core enum through [`Wrap`] (the polars pattern), so every option of every method gives the
//! core's "expected one of …" message as an `OptionError`; serialisable core values become
//! Python objects through [`to_py_object`]. (Journeys or a path table as the core's `Data`:
//! `crate::data::DataArg`.)

use pyo3::prelude::*;
use pyo3::types::PyDict;
use touchpoint_core::attribution::{MarkovAllocation, ModelName, ShapleyKind, ValueBasis};
use touchpoint_core::optimize::{CurveKind, PrioritizeBy, Solver};
use touchpoint_core::{ErrorKind, Named};
use touchpoint_core::{PathRank, TimeUnit};

use crate::errors::{error, to_py};

/// A core option enum read from a Python `str` (case-insensitive, `-` or space for `_`).
///
/// ```text
/// #[pyo3(signature = (by = Wrap(PathRank::Journeys)))]
/// fn top_paths(&self, by: Wrap<PathRank>) { let by = by.0; ... }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Wrap<T>(pub T);

impl<'a, 'py, T: Named> FromPyObject<'a, 'py> for Wrap<T> {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let s: std::borrow::Cow<'_, str> = obj.extract().map_err(|_| {
            let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
            error(
                ErrorKind::InvalidOption,
                format!("invalid option `{}`: expected a str, {}; got a {ty}", T::OPTION, T::choices()),
            )
        })?;
        T::parse(&s).map(Wrap).map_err(to_py)
    }
}

impl<'py, T: Named> IntoPyObject<'py> for Wrap<T> {
    type Target = pyo3::types::PyString;
    type Output = Bound<'py, pyo3::types::PyString>;
    type Error = std::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        Ok(pyo3::types::PyString::new(py, self.0.name()))
    }
}

/// Any serialisable core value (a report, a summary) as plain Python objects: structs become
/// dicts keyed by the core field names, in field order; sequences lists. (Through JSON text:
/// the values are small, and `json.loads` keeps the order a `serde_json::Value` would sort.)
pub fn to_py_object<'py, T: serde::Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(v)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(format!("converting a result: {e}")))?;
    py.import("json")?.call_method1("loads", (text,))
}

/// `{option: [choices]}` of every option the Python face reads through [`Wrap`] (the core's
/// `Named::OPTION` and `Named::NAMES`): what the tests check the error messages against.
#[pyfunction]
pub fn _options(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    fn add<T: Named>(d: &Bound<'_, PyDict>) -> PyResult<()> {
        d.set_item(T::OPTION, T::NAMES.to_vec())
    }
    let d = PyDict::new(py);
    add::<TimeUnit>(&d)?;
    add::<PathRank>(&d)?;
    add::<ModelName>(&d)?;
    add::<MarkovAllocation>(&d)?;
    add::<ValueBasis>(&d)?;
    add::<ShapleyKind>(&d)?;
    add::<PrioritizeBy>(&d)?;
    add::<Solver>(&d)?;
    add::<CurveKind>(&d)?;
    add::<touchpoint_core::journeymap::FunnelMode>(&d)?;
    add::<touchpoint_core::journeymap::FunnelUnit>(&d)?;
    add::<touchpoint_core::journeymap::Alignment>(&d)?;
    add::<touchpoint_core::journeymap::RetentionMode>(&d)?;
    add::<touchpoint_core::segment::SegmentAttribute>(&d)?;
    Ok(d)
}
