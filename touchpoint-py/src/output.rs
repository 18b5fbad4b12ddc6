//! Arrow C stream export: every table the package returns is an `_ArrowTable`, which any
//! Arrow-aware library reads through `__arrow_c_stream__` (pyarrow, polars, pandas via pyarrow).

use std::sync::Arc;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, RecordBatchIterator, StringArray,
    TimestampMillisecondArray, UInt64Array,
};
use arrow_schema::{ArrowError, Field, Schema};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList};

/// An Arrow table produced by touchpoint; convert it with `pyarrow.table(t)`, `polars.DataFrame(t)`
/// or the package's `to_pandas()`/`to_polars()`/`to_arrow()` helpers.
#[pyclass(name = "_ArrowTable", module = "touchpoint._touchpoint", frozen)]
pub struct ArrowTable {
    batch: RecordBatch,
}

#[pymethods]
impl ArrowTable {
    /// Export as an Arrow C stream (the Arrow PyCapsule interface).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema; // the schema is fixed; consumers cast if they need to
        let schema = self.batch.schema();
        let reader = RecordBatchIterator::new(vec![Ok::<_, ArrowError>(self.batch.clone())], schema);
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// Number of rows.
    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    /// Column names.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.batch.schema().fields().iter().map(|f| f.name().clone()).collect()
    }

    fn __repr__(&self) -> String {
        format!("<touchpoint table: {} rows, columns {:?}>", self.batch.num_rows(), self.columns())
    }

    /// Columns as Python lists (timestamps as epoch milliseconds), for consumers without Arrow.
    fn to_pydict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        use arrow_array::Array;
        use arrow_array::cast::AsArray;
        use arrow_array::types::{Float64Type, Int64Type, TimestampMillisecondType, UInt64Type};
        use arrow_schema::DataType;
        let d = PyDict::new(py);
        for (f, a) in self.batch.schema().fields().iter().zip(self.batch.columns()) {
            let n = a.len();
            let list = PyList::empty(py);
            macro_rules! push_all {
                ($arr:expr) => {
                    for i in 0..n {
                        if $arr.is_null(i) {
                            list.append(py.None())?;
                        } else {
                            list.append($arr.value(i))?;
                        }
                    }
                };
            }
            match a.data_type() {
                DataType::Utf8 => push_all!(a.as_string::<i32>()),
                DataType::Float64 => push_all!(a.as_primitive::<Float64Type>()),
                DataType::Int64 => push_all!(a.as_primitive::<Int64Type>()),
                DataType::UInt64 => push_all!(a.as_primitive::<UInt64Type>()),
                DataType::Boolean => push_all!(a.as_boolean()),
                DataType::Timestamp(..) => push_all!(a.as_primitive::<TimestampMillisecondType>()),
                other => {
                    return Err(pyo3::exceptions::PyTypeError::new_err(format!("unexpected column type {other}")));
                }
            }
            d.set_item(f.name(), list)?;
        }
        Ok(d)
    }

    /// Names of the timestamp columns (UTC, milliseconds).
    #[getter]
    fn timestamp_columns(&self) -> Vec<String> {
        self.batch
            .schema()
            .fields()
            .iter()
            .filter(|f| matches!(f.data_type(), arrow_schema::DataType::Timestamp(..)))
            .map(|f| f.name().clone())
            .collect()
    }
}

/// A column under construction.
pub enum Col {
    Str(Vec<String>),
    OptStr(Vec<Option<String>>),
    F64(Vec<f64>),
    OptF64(Vec<Option<f64>>),
    I64(Vec<i64>),
    OptI64(Vec<Option<i64>>),
    U64(Vec<u64>),
    Bool(Vec<bool>),
    /// Epoch milliseconds, UTC.
    TimeMs(Vec<i64>),
}

impl Col {
    fn into_array(self) -> (ArrayRef, arrow_schema::DataType, bool) {
        let a: ArrayRef = match self {
            Col::Str(v) => Arc::new(StringArray::from(v)),
            Col::OptStr(v) => Arc::new(StringArray::from(v)),
            Col::F64(v) => Arc::new(Float64Array::from(v)),
            Col::OptF64(v) => Arc::new(Float64Array::from(v)),
            Col::I64(v) => Arc::new(Int64Array::from(v)),
            Col::OptI64(v) => Arc::new(Int64Array::from(v)),
            Col::U64(v) => Arc::new(UInt64Array::from(v)),
            Col::Bool(v) => Arc::new(BooleanArray::from(v)),
            Col::TimeMs(v) => Arc::new(TimestampMillisecondArray::from(v).with_timezone("UTC")),
        };
        let dt = a.data_type().clone();
        let nullable = a.null_count() > 0;
        (a, dt, nullable)
    }
}

/// Build a table from named columns of equal length.
pub fn table(cols: Vec<(&str, Col)>) -> PyResult<ArrowTable> {
    let mut fields = Vec::with_capacity(cols.len());
    let mut arrays = Vec::with_capacity(cols.len());
    for (name, c) in cols {
        let (a, dt, nullable) = c.into_array();
        let _ = nullable; // every result column is declared nullable: consumers need no special cases
        fields.push(Field::new(name, dt, true));
        arrays.push(a);
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(format!("building the result table: {e}")))?;
    Ok(ArrowTable { batch })
}
