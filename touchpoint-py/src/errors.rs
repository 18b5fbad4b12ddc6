//! The one mapping from core errors to the Python exception hierarchy, which is defined in
//! `touchpoint/exceptions.py` (so that classes can also derive from builtins such as
//! `ValueError` and `KeyError`) and raised from here. Every exception raised for a core error
//! carries the core's [`ErrorKind`] name as its `kind` attribute.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};
use pyo3::{PyErr, PyTypeInfo};
use touchpoint_core::{ErrorKind, Named};

pyo3::import_exception!(touchpoint.exceptions, InputError);
pyo3::import_exception!(touchpoint.exceptions, SchemaError);
pyo3::import_exception!(touchpoint.exceptions, ColumnNotFoundError);
pyo3::import_exception!(touchpoint.exceptions, ModelError);
pyo3::import_exception!(touchpoint.exceptions, OptionError);
pyo3::import_exception!(touchpoint.exceptions, UnknownTouchpointError);
pyo3::import_exception!(touchpoint.exceptions, ConvergenceError);
pyo3::import_exception!(touchpoint.exceptions, TouchpointIOError);
pyo3::import_exception!(touchpoint.exceptions, InputTypeError);
pyo3::import_exception!(touchpoint.exceptions, ModelFileError);
pyo3::import_exception!(touchpoint.exceptions, IncompatibleError);
pyo3::import_exception!(touchpoint.exceptions, CancelledError);

/// The Python exception class of each core error kind (one to one, no catch-all; the table is
/// in the README's "Errors" section).
fn class_of(py: Python<'_>, kind: ErrorKind) -> Bound<'_, PyType> {
    use ErrorKind as K;
    match kind {
        K::EmptyInput | K::InvalidValue | K::LengthMismatch | K::Json => InputError::type_object(py),
        K::MissingColumn => ColumnNotFoundError::type_object(py),
        K::DuplicateColumn => SchemaError::type_object(py),
        K::UnknownTouchpoint => UnknownTouchpointError::type_object(py),
        K::InvalidOption => OptionError::type_object(py),
        K::NoConversions | K::ModelNotApplicable => ModelError::type_object(py),
        K::NoConvergence => ConvergenceError::type_object(py),
        K::Csv | K::Io => TouchpointIOError::type_object(py),
        K::ModelFile => ModelFileError::type_object(py),
        K::Incompatible => IncompatibleError::type_object(py),
        K::Cancelled => CancelledError::type_object(py),
    }
}

/// The exception of `kind` with `message` (and `kind` set to the kind's name). Also for the
/// errors the Arrow reader finds itself, so they land in the same classes as the core's.
pub fn error(kind: ErrorKind, message: impl Into<String>) -> PyErr {
    let message = message.into();
    Python::attach(|py| {
        let made = class_of(py, kind).call1((message,)).and_then(|e| {
            e.setattr("kind", kind.name())?;
            Ok(e)
        });
        match made {
            Ok(e) => PyErr::from_value(e),
            Err(e) => e,
        }
    })
}

/// A core error as its Python exception.
pub fn to_py(e: touchpoint_core::Error) -> PyErr {
    error(e.kind(), e.to_string())
}

/// `Result<T, core::Error>` → `PyResult<T>`.
pub trait IntoPy<T> {
    /// Map the error.
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, touchpoint_core::Error> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// `{kind name: exception class}` for every core error kind (what the tests check the README's
/// table against).
#[pyfunction]
pub fn _error_classes(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    for &k in ErrorKind::ALL {
        d.set_item(k.name(), class_of(py, k))?;
    }
    Ok(d)
}
