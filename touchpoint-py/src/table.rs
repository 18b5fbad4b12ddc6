//! Result tables: every table the package returns is an `_ArrowTable`, built by one generic
//! function, [`rows_table`], from a list of core row structs (`touchpoint_core::rows`): the
//! struct's fields are the columns, named and typed by `Row::COLUMNS`, so no face file names a
//! column. Any Arrow-aware library reads the result through `__arrow_c_stream__` (pyarrow,
//! polars, pandas via pyarrow).

use std::borrow::Borrow;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, DurationMillisecondBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMillisecondBuilder, UInt64Builder,
};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchIterator};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList};
use serde::Serialize;
use serde::ser::{self, Impossible};
use touchpoint_core::rows::{ColumnType, Row};

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
        let d = PyDict::new(py);
        for (f, a) in self.batch.schema().fields().iter().zip(self.batch.columns()) {
            d.set_item(f.name(), column_list(py, a)?)?;
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
            .filter(|f| matches!(f.data_type(), DataType::Timestamp(..)))
            .map(|f| f.name().clone())
            .collect()
    }

    /// Names of the duration columns (milliseconds).
    #[getter]
    fn duration_columns(&self) -> Vec<String> {
        self.batch
            .schema()
            .fields()
            .iter()
            .filter(|f| matches!(f.data_type(), DataType::Duration(..)))
            .map(|f| f.name().clone())
            .collect()
    }
}

/// One column as a Python list (`None` for nulls; a list column as lists).
fn column_list<'py>(py: Python<'py>, a: &ArrayRef) -> PyResult<Bound<'py, PyList>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{DurationMillisecondType, Float64Type, Int64Type, TimestampMillisecondType, UInt64Type};
    let list = PyList::empty(py);
    macro_rules! push_all {
        (|$i:ident| $value:expr) => {
            for $i in 0..a.len() {
                if a.is_null($i) {
                    list.append(py.None())?;
                } else {
                    list.append($value)?;
                }
            }
        };
    }
    match a.data_type() {
        DataType::Utf8 => push_all!(|i| a.as_string::<i32>().value(i)),
        DataType::Float64 => push_all!(|i| a.as_primitive::<Float64Type>().value(i)),
        DataType::Int64 => push_all!(|i| a.as_primitive::<Int64Type>().value(i)),
        DataType::UInt64 => push_all!(|i| a.as_primitive::<UInt64Type>().value(i)),
        DataType::Boolean => push_all!(|i| a.as_boolean().value(i)),
        DataType::Timestamp(..) => push_all!(|i| a.as_primitive::<TimestampMillisecondType>().value(i)),
        DataType::Duration(..) => push_all!(|i| a.as_primitive::<DurationMillisecondType>().value(i)),
        DataType::List(_) => push_all!(|i| column_list(py, &a.as_list::<i32>().value(i))?),
        other => {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!("unexpected column type {other}")));
        }
    }
    Ok(list)
}

// ------------------------------------------------------------------------------------------
// Rows → Arrow: one generic function for every result table.

/// The Arrow table of `rows`: one column per field of the row struct, named and typed by
/// [`Row::COLUMNS`] (timestamps as `timestamp[ms, UTC]`), without the [`Row::OPTIONAL`] columns
/// that no row has a value in. An empty slice gives an empty table with the same columns.
pub fn rows_table<R: Row + Serialize>(rows: &[R]) -> PyResult<ArrowTable> {
    rows_table_iter::<R, _>(rows.iter())
}

/// [`rows_table`] over any iterator of rows, owned or borrowed (the events table streams its
/// rows from the core without collecting them first).
pub fn rows_table_iter<R, I>(rows: I) -> PyResult<ArrowTable>
where
    R: Row + Serialize,
    I: IntoIterator,
    I::Item: Borrow<R>,
{
    let rows = rows.into_iter();
    let n = rows.size_hint().0;
    let mut cols: Vec<ColBuf> = R::COLUMNS.iter().map(|c| ColBuf::new(c.ty, n)).collect();
    for (i, r) in rows.enumerate() {
        r.borrow().serialize(RowSer { cols: &mut cols, at: 0 }).map_err(|e| {
            pyo3::exceptions::PyRuntimeError::new_err(format!("building the result table, row {i}: {e}"))
        })?;
    }
    let mut fields = Vec::with_capacity(cols.len());
    let mut arrays = Vec::with_capacity(cols.len());
    for (c, b) in R::COLUMNS.iter().zip(cols) {
        let dt = b.data_type();
        let a = b.finish();
        if R::OPTIONAL.contains(&c.name) && a.null_count() == a.len() {
            continue;
        }
        // every result column is declared nullable: consumers need no special cases
        fields.push(Field::new(c.name, dt, true));
        arrays.push(a);
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(format!("building the result table: {e}")))?;
    Ok(ArrowTable { batch })
}

/// The public name of a column type (what `_schemas()` reports).
fn type_name(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Str => "str",
        ColumnType::F64 => "f64",
        ColumnType::I64 => "i64",
        ColumnType::U64 => "u64",
        ColumnType::Bool => "bool",
        ColumnType::TimestampMs => "timestamp_ms",
        ColumnType::StrList => "str_list",
        ColumnType::DurationMs => "duration_ms",
    }
}

/// The core's result schemas, `{row type: {"columns": [...], "types": [...], "optional": [...]}}`
/// (`touchpoint_core::schema::schemas()`): what the tests check every table against.
#[pyfunction]
pub fn _schemas(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    for s in touchpoint_core::schema::schemas() {
        let d = PyDict::new(py);
        d.set_item("columns", s.columns.iter().map(|c| c.name).collect::<Vec<_>>())?;
        d.set_item("types", s.columns.iter().map(|c| type_name(c.ty)).collect::<Vec<_>>())?;
        d.set_item("optional", s.optional.to_vec())?;
        out.set_item(s.name, d)?;
    }
    Ok(out)
}

enum ColBuf {
    Str(StringBuilder),
    F64(Float64Builder),
    I64(Int64Builder),
    U64(UInt64Builder),
    Bool(BooleanBuilder),
    Ts(TimestampMillisecondBuilder),
    Dur(DurationMillisecondBuilder),
    StrList(ListBuilder<StringBuilder>),
}

impl ColBuf {
    fn new(ty: ColumnType, n: usize) -> Self {
        match ty {
            ColumnType::Str => ColBuf::Str(StringBuilder::with_capacity(n, 16 * n)),
            ColumnType::F64 => ColBuf::F64(Float64Builder::with_capacity(n)),
            ColumnType::I64 => ColBuf::I64(Int64Builder::with_capacity(n)),
            ColumnType::U64 => ColBuf::U64(UInt64Builder::with_capacity(n)),
            ColumnType::Bool => ColBuf::Bool(BooleanBuilder::with_capacity(n)),
            ColumnType::TimestampMs => ColBuf::Ts(TimestampMillisecondBuilder::with_capacity(n)),
            ColumnType::DurationMs => ColBuf::Dur(DurationMillisecondBuilder::with_capacity(n)),
            ColumnType::StrList => ColBuf::StrList(ListBuilder::new(StringBuilder::new())),
        }
    }

    fn data_type(&self) -> DataType {
        use arrow_schema::TimeUnit;
        match self {
            ColBuf::Str(_) => DataType::Utf8,
            ColBuf::F64(_) => DataType::Float64,
            ColBuf::I64(_) => DataType::Int64,
            ColBuf::U64(_) => DataType::UInt64,
            ColBuf::Bool(_) => DataType::Boolean,
            ColBuf::Ts(_) => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            ColBuf::Dur(_) => DataType::Duration(TimeUnit::Millisecond),
            ColBuf::StrList(_) => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            ColBuf::Str(mut b) => Arc::new(b.finish()),
            ColBuf::F64(mut b) => Arc::new(b.finish()),
            ColBuf::I64(mut b) => Arc::new(b.finish()),
            ColBuf::U64(mut b) => Arc::new(b.finish()),
            ColBuf::Bool(mut b) => Arc::new(b.finish()),
            ColBuf::Ts(mut b) => Arc::new(b.finish().with_timezone("UTC")),
            ColBuf::Dur(mut b) => Arc::new(b.finish()),
            ColBuf::StrList(mut b) => Arc::new(b.finish()),
        }
    }

    fn null(&mut self) {
        match self {
            ColBuf::Str(b) => b.append_null(),
            ColBuf::F64(b) => b.append_null(),
            ColBuf::I64(b) => b.append_null(),
            ColBuf::U64(b) => b.append_null(),
            ColBuf::Bool(b) => b.append_null(),
            ColBuf::Ts(b) => b.append_null(),
            ColBuf::Dur(b) => b.append_null(),
            ColBuf::StrList(b) => b.append_null(),
        }
    }

    fn int(&mut self, v: i128) -> Result<(), SerError> {
        let range = || SerError(format!("integer {v} out of the column's range"));
        match self {
            ColBuf::I64(b) => b.append_value(i64::try_from(v).map_err(|_| range())?),
            ColBuf::Ts(b) => b.append_value(i64::try_from(v).map_err(|_| range())?),
            ColBuf::Dur(b) => b.append_value(i64::try_from(v).map_err(|_| range())?),
            ColBuf::U64(b) => b.append_value(u64::try_from(v).map_err(|_| range())?),
            ColBuf::F64(b) => b.append_value(v as f64),
            _ => return Err(SerError("an integer in a non-numeric column".into())),
        }
        Ok(())
    }
}

#[derive(Debug)]
struct SerError(String);

impl std::fmt::Display for SerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for SerError {}
impl ser::Error for SerError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

fn unsupported<T>(what: &str) -> Result<T, SerError> {
    Err(SerError(format!("a row field cannot be {what}")))
}

/// The associated types of a `serde::Serializer` writing cells: `Impossible` except the
/// sequence and struct serialisers given.
macro_rules! serializer_types {
    ($seq:ty, $strukt:ty) => {
        type Ok = ();
        type Error = SerError;
        type SerializeSeq = $seq;
        type SerializeTuple = Impossible<(), SerError>;
        type SerializeTupleStruct = Impossible<(), SerError>;
        type SerializeTupleVariant = Impossible<(), SerError>;
        type SerializeMap = Impossible<(), SerError>;
        type SerializeStruct = $strukt;
        type SerializeStructVariant = Impossible<(), SerError>;
    };
}

/// `serde::Serializer` methods that reject their value (`what` says what was found): scalar
/// ones `name(args)`, compound ones `name(args) -> AssociatedType`, generic ones `<T> name(args)`.
macro_rules! reject {
    ($what:expr; $($f:ident($($t:ty),*) $(-> $ret:ident)?),* $(,)?) => {
        $(reject!(@one $what; $f($($t),*) $(-> $ret)?);)*
    };
    ($what:expr; <T> $($f:ident($($t:ty),*)),* $(,)?) => {
        $(fn $f<T: ?Sized + Serialize>(self, $(_: $t,)* _: &T) -> Result<(), SerError> { unsupported($what) })*
    };
    (@one $what:expr; $f:ident($($t:ty),*)) => {
        fn $f(self, $(_: $t),*) -> Result<(), SerError> { unsupported($what) }
    };
    (@one $what:expr; $f:ident($($t:ty),*) -> $ret:ident) => {
        fn $f(self, $(_: $t),*) -> Result<Self::$ret, SerError> { unsupported($what) }
    };
}

/// The compound methods no cell accepts (lists of text aside).
macro_rules! reject_compounds {
    ($what:expr) => {
        reject!($what; serialize_tuple(usize) -> SerializeTuple,
            serialize_tuple_struct(&'static str, usize) -> SerializeTupleStruct,
            serialize_tuple_variant(&'static str, u32, &'static str, usize) -> SerializeTupleVariant,
            serialize_map(Option<usize>) -> SerializeMap,
            serialize_struct_variant(&'static str, u32, &'static str, usize) -> SerializeStructVariant);
        reject!($what; <T> serialize_newtype_variant(&'static str, u32, &'static str));
    };
}

/// Serialises one row struct into the column buffers.
struct RowSer<'a> {
    cols: &'a mut [ColBuf],
    at: usize,
}

const NOT_A_STRUCT: &str = "a row that is not a struct";

impl<'a> ser::Serializer for RowSer<'a> {
    serializer_types!(Impossible<(), SerError>, Self);

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, SerError> {
        Ok(self)
    }
    reject!(NOT_A_STRUCT; serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_i64(i64), serialize_u8(u8), serialize_u16(u16), serialize_u32(u32), serialize_u64(u64),
        serialize_f32(f32), serialize_f64(f64), serialize_char(char), serialize_str(&str), serialize_bytes(&[u8]),
        serialize_none(), serialize_unit(), serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str), serialize_seq(Option<usize>) -> SerializeSeq);
    reject!(NOT_A_STRUCT; <T> serialize_some(), serialize_newtype_struct(&'static str));
    reject_compounds!(NOT_A_STRUCT);
}

impl ser::SerializeStruct for RowSer<'_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        let col = self.cols.get_mut(self.at).ok_or_else(|| SerError(format!("field {key} has no column")))?;
        self.at += 1;
        value.serialize(CellSer { col })
    }
    fn end(self) -> Result<(), SerError> {
        Ok(())
    }
}

/// Serialises one field value into its column.
struct CellSer<'a> {
    col: &'a mut ColBuf,
}

macro_rules! int_cell {
    ($($f:ident($t:ty)),*) => {
        $(fn $f(self, v: $t) -> Result<(), SerError> { self.col.int(v as i128) })*
    };
}

impl<'a> ser::Serializer for CellSer<'a> {
    serializer_types!(SeqSer<'a>, Impossible<(), SerError>);

    int_cell!(
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64)
    );
    fn serialize_bool(self, v: bool) -> Result<(), SerError> {
        match self.col {
            ColBuf::Bool(b) => b.append_value(v),
            _ => return unsupported("a boolean in a non-boolean column"),
        }
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), SerError> {
        self.serialize_f64(v as f64)
    }
    fn serialize_f64(self, v: f64) -> Result<(), SerError> {
        match self.col {
            ColBuf::F64(b) => b.append_value(v),
            _ => return unsupported("a float in a non-float column"),
        }
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), SerError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), SerError> {
        match self.col {
            ColBuf::Str(b) => b.append_value(v),
            _ => return unsupported("text in a non-text column"),
        }
        Ok(())
    }
    fn serialize_none(self) -> Result<(), SerError> {
        self.col.null();
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), SerError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), SerError> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), SerError> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, name: &'static str) -> Result<(), SerError> {
        self.serialize_str(name)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Result<(), SerError> {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<SeqSer<'a>, SerError> {
        match self.col {
            ColBuf::StrList(b) => Ok(SeqSer { list: b }),
            _ => unsupported("a list in a non-list column"),
        }
    }
    reject!("bytes"; serialize_bytes(&[u8]));
    reject!("a nested struct (flatten it into the row)"; serialize_struct(&'static str, usize) -> SerializeStruct);
    reject_compounds!("a tuple, a map or an enum with data");
}

/// A list-of-text cell.
struct SeqSer<'a> {
    list: &'a mut ListBuilder<StringBuilder>,
}

impl ser::SerializeSeq for SeqSer<'_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), SerError> {
        v.serialize(TextSer { b: self.list.values() })
    }
    fn end(self) -> Result<(), SerError> {
        self.list.append(true);
        Ok(())
    }
}

/// One text element of a list.
struct TextSer<'a> {
    b: &'a mut StringBuilder,
}

const NOT_TEXT: &str = "a list of non-text values";

impl ser::Serializer for TextSer<'_> {
    serializer_types!(Impossible<(), SerError>, Impossible<(), SerError>);

    fn serialize_str(self, v: &str) -> Result<(), SerError> {
        self.b.append_value(v);
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Result<(), SerError> {
        v.serialize(self)
    }
    reject!(NOT_TEXT; serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_i64(i64), serialize_u8(u8), serialize_u16(u16), serialize_u32(u32), serialize_u64(u64),
        serialize_f32(f32), serialize_f64(f64), serialize_char(char), serialize_bytes(&[u8]), serialize_none(),
        serialize_unit(), serialize_unit_struct(&'static str), serialize_unit_variant(&'static str, u32, &'static str),
        serialize_seq(Option<usize>) -> SerializeSeq, serialize_struct(&'static str, usize) -> SerializeStruct);
    reject!(NOT_TEXT; <T> serialize_some());
    reject_compounds!(NOT_TEXT);
}
