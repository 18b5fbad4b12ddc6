//! The data argument of an analysis: journeys or a path table (or a public wrapper holding one
//! in `_native`). It sits above both classes, so neither imports it.

use pyo3::prelude::*;
use touchpoint_core::Data;

use crate::errors::InputTypeError;
use crate::journeys::PyJourneys;
use crate::paths::PyPathTable;

/// Journeys or a path table, borrowed for a computation (a public `Journeys` / `PathTable`
/// wrapper is unwrapped through its `_native` attribute).
pub enum DataArg<'py> {
    /// Journeys.
    Journeys(Bound<'py, PyJourneys>),
    /// A path table.
    Paths(Bound<'py, PyPathTable>),
}

impl<'py> DataArg<'py> {
    /// The core's view of the data.
    pub fn data(&self) -> Data<'_> {
        match self {
            DataArg::Journeys(j) => Data::Journeys(&j.get().inner),
            DataArg::Paths(p) => Data::Paths(&p.get().inner),
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for DataArg<'py> {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(j) = obj.cast::<PyJourneys>() {
            return Ok(DataArg::Journeys(j.to_owned()));
        }
        if let Ok(p) = obj.cast::<PyPathTable>() {
            return Ok(DataArg::Paths(p.to_owned()));
        }
        if let Ok(inner) = obj.getattr("_native") {
            return inner.extract();
        }
        Err(InputTypeError::new_err(format!("expected Journeys or a PathTable, got {}", obj.get_type().name()?)))
    }
}
