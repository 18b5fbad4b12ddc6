//! The one mapping from core errors to the Python exception hierarchy, which is defined in
//! `touchpoint/exceptions.py` (so that classes can also derive from builtins such as
//! `ValueError` and `KeyError`) and raised from here.

use pyo3::PyErr;

pyo3::import_exception!(touchpoint.exceptions, TouchpointError);
pyo3::import_exception!(touchpoint.exceptions, InputError);
pyo3::import_exception!(touchpoint.exceptions, SchemaError);
pyo3::import_exception!(touchpoint.exceptions, ColumnNotFoundError);
pyo3::import_exception!(touchpoint.exceptions, ModelError);
pyo3::import_exception!(touchpoint.exceptions, UnknownTouchpointError);
pyo3::import_exception!(touchpoint.exceptions, ConvergenceError);
pyo3::import_exception!(touchpoint.exceptions, TouchpointIOError);
pyo3::import_exception!(touchpoint.exceptions, InputTypeError);

/// Convert a core error into the matching Python exception.
pub fn to_py(e: touchpoint_core::Error) -> PyErr {
    use touchpoint_core::Error as E;
    let msg = e.to_string();
    match e {
        E::MissingColumn { .. } => ColumnNotFoundError::new_err(msg),
        E::DuplicateColumn { .. } => SchemaError::new_err(msg),
        E::EmptyInput { .. } | E::InvalidValue { .. } | E::LengthMismatch { .. } => InputError::new_err(msg),
        E::UnknownTouchpoint { .. } => UnknownTouchpointError::new_err(msg),
        E::InvalidOption { .. } | E::NoConversions { .. } | E::ModelNotApplicable { .. } => ModelError::new_err(msg),
        E::NoConvergence { .. } => ConvergenceError::new_err(msg),
        E::Csv(_) | E::Io { .. } => TouchpointIOError::new_err(msg),
        E::Json(_) => InputError::new_err(msg),
        _ => TouchpointError::new_err(msg),
    }
}

/// `Result<T, core::Error>` → `PyResult<T>`.
pub trait IntoPy<T> {
    /// Map the error.
    fn py(self) -> pyo3::PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, touchpoint_core::Error> {
    fn py(self) -> pyo3::PyResult<T> {
        self.map_err(to_py)
    }
}
