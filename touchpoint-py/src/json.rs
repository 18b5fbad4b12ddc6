//! JSON documents of the native classes: the core's (`touchpoint_core::saved::json`), one
//! mechanism for every class. [`json_class!`] implements [`JsonClass`] from the class's core
//! object; each class's `#[pymethods]` then has the two one-line methods (PyO3 reads no macro
//! inside `#[pymethods]`):
//!
//! ```text
//! /// The JSON document (kind, version, fields) that `from_json` reads back.
//! fn to_json(&self, py: Python<'_>) -> PyResult<String> { self.json(py) }
//! /// The object of a `to_json` document (another kind's is a ModelFileError naming both).
//! #[staticmethod]
//! fn from_json(py: Python<'_>, json: &str) -> PyResult<Self> { Self::of_json(py, json) }
//! ```
//!
//! Documents of a few Python objects that are not one core object (a budget plan with its
//! curves, a comparison of attribution results, a response curve) are defined here too.

use pyo3::prelude::*;
use touchpoint_core::attribution::Credits;
use touchpoint_core::optimize::{BudgetPlan, Curve};
use touchpoint_core::saved::json::{self, Document};

use crate::attribution::PyAttribution;
use crate::errors::IntoPy;

/// A native class with a JSON document: its core object's (see the module docs).
pub(crate) trait JsonClass: Sized + Sync {
    /// The document read back.
    type Doc: Document + Send;
    /// The document text.
    fn write(&self) -> touchpoint_core::Result<String>;
    /// The class from the document read.
    fn read(doc: Self::Doc) -> Self;

    /// `to_json`: the document text (without the GIL).
    fn json(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| self.write()).py()
    }

    /// `from_json`: the object of a document of this kind (without the GIL).
    fn of_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        py.detach(|| json::from_json::<Self::Doc>(text)).py().map(Self::read)
    }
}

/// `json_class!(PyFunnel => Funnel, inner)`: the class's document is that of its field `inner`
/// (a core object with a [`Document`]); `json_class!(PyX => Doc, inner, |doc| make)` builds the
/// class from the document read with `make`.
macro_rules! json_class {
    ($py:ty => $doc:ty, $field:ident) => {
        $crate::json::json_class!($py => $doc, $field, |inner| Self { $field: inner });
    };
    ($py:ty => $doc:ty, $field:ident, |$d:ident| $make:expr) => {
        impl $crate::json::JsonClass for $py {
            type Doc = $doc;
            fn write(&self) -> touchpoint_core::Result<String> {
                touchpoint_core::saved::json::to_json::<$doc>(std::borrow::Borrow::borrow(&self.$field))
            }
            fn read($d: $doc) -> Self {
                $make
            }
        }
    };
}
pub(crate) use json_class;

// ------------------------------------------------------------------------------------------
// Documents of Python objects that are not one core object.

/// A budget plan with the curves it was made from (`tp.BudgetPlan` plots and names them).
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct PlannedBudget {
    pub plan: BudgetPlan,
    pub curves: Vec<Curve>,
}

touchpoint_core::json_document!(PlannedBudget => "budget_plan");

/// Several attribution results side by side (`tp.Comparison`), and whether its table shows
/// value instead of conversions.
#[derive(serde::Serialize, serde::Deserialize)]
struct ComparisonDoc {
    results: Vec<Credits>,
    value: bool,
}

touchpoint_core::json_document!(ComparisonDoc => "comparison");

/// The JSON document of a comparison of attribution results.
#[pyfunction]
pub fn comparison_to_json(py: Python<'_>, results: Vec<PyRef<'_, PyAttribution>>, value: bool) -> PyResult<String> {
    let doc = ComparisonDoc { results: results.iter().map(|r| r.inner.clone()).collect(), value };
    py.detach(|| json::to_json(&doc)).py()
}

/// The attribution results and the value flag of a `comparison_to_json` document.
#[pyfunction]
pub fn comparison_from_json(py: Python<'_>, json: &str) -> PyResult<(Vec<PyAttribution>, bool)> {
    let doc = py.detach(|| json::from_json::<ComparisonDoc>(json)).py()?;
    Ok((doc.results.into_iter().map(|inner| PyAttribution { inner }).collect(), doc.value))
}
