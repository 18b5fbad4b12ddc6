//! Arrow C stream import (the PyCapsule interface): any object with `__arrow_c_stream__`
//! (pyarrow, polars, pandas with pyarrow, duckdb, ...) becomes events or a path table without
//! copying the columns into Python objects; also survey responses.

use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchReader};
use arrow_schema::{DataType, TimeUnit as ArrowUnit};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::errors::{InputError, InputTypeError, IntoPy, error};
use touchpoint_core::experience::SurveyTable;
use touchpoint_core::{CustomerKey, Error, ErrorKind, EventTable, Location, PathTable, TimeFormat, TimeUnit, cells};

/// The column names of a DataFrame or table (`columns` of pandas and polars, `column_names`
/// of pyarrow), when it says.
fn column_names(obj: &Bound<'_, PyAny>) -> Option<Vec<String>> {
    let cols = obj.getattr("column_names").or_else(|_| obj.getattr("columns")).ok()?;
    cols.try_iter().ok()?.map(|c| c.ok().map(|c| c.str().map(|s| s.to_string()).unwrap_or_default())).collect()
}

/// Read the columns `used` of a table (any object implementing `__arrow_c_stream__`). The
/// table is checked for duplicate column names first, and a column the Arrow export cannot
/// carry (a polars column of type Null, a pandas object column of mixed types) rejects the
/// table only when it is one of `used`: otherwise the used columns are read on their own.
/// Export errors become an [`InputTypeError`] naming the column.
pub fn read_table(obj: &Bound<'_, PyAny>, used: &[&str]) -> PyResult<(Vec<String>, Vec<RecordBatch>)> {
    let names = column_names(obj);
    if let Some(names) = &names {
        for (i, n) in names.iter().enumerate() {
            if let Some(j) = names[..i].iter().position(|m| m == n) {
                return Err(error(
                    ErrorKind::DuplicateColumn,
                    format!("duplicate column `{n}` in the table (columns {} and {}); rename one", j + 1, i + 1),
                ));
            }
        }
    }
    let first = match read_stream(obj) {
        Ok(x) => return Ok(x),
        Err(e) => e,
    };
    let py = obj.py();
    // a used column of type Null (polars' export of one is not valid Arrow): name it
    let schema = obj.getattr("schema").ok();
    let null_typed =
        |n: &str| schema.as_ref().and_then(|s| s.get_item(n).ok()).is_some_and(|t| t.str().is_ok_and(|t| t == "Null"));
    if let Some(n) = used.iter().find(|n| null_typed(n)) {
        return Err(InputTypeError::new_err(format!(
            "column `{n}` has type Null (every value is missing): give it a type, e.g. \
             `df.with_columns(pl.col(\"{n}\").cast(pl.Float64))`, or leave it out"
        )));
    }
    if let Some(names) = &names {
        let keep: Vec<&str> = names.iter().map(String::as_str).filter(|n| used.contains(n)).collect();
        if keep.len() < names.len() {
            let keep_list = pyo3::types::PyList::new(py, &keep)?;
            // polars and pyarrow select, pandas indexes by a list of names
            let sub = obj.call_method1("select", (keep_list.clone(),)).or_else(|_| obj.get_item(keep_list));
            if let Ok(sub) = sub {
                return read_stream(&sub).map_err(|e| export_error(py, e));
            }
        }
    }
    Err(export_error(py, first))
}

/// An export error of the table's own library, as an [`InputTypeError`] (ours pass through).
fn export_error(py: Python<'_>, e: PyErr) -> PyErr {
    if e.is_instance_of::<InputError>(py) || e.is_instance_of::<InputTypeError>(py) {
        return e;
    }
    let msg = e.value(py).to_string();
    let hint = if msg.contains("Null") {
        "; a column of type Null (all values missing) cannot be read: give it a type, e.g.          `df.with_columns(pl.col(name).cast(pl.Float64))`, or drop it"
    } else {
        "; give the column one type (e.g. `df[name] = df[name].astype(str)`)"
    };
    InputTypeError::new_err(format!("cannot read the table: {msg}{hint}"))
}

/// Read every batch of an object implementing `__arrow_c_stream__`.
pub fn read_stream(obj: &Bound<'_, PyAny>) -> PyResult<(Vec<String>, Vec<RecordBatch>)> {
    if !obj.hasattr("__arrow_c_stream__")? {
        return Err(InputTypeError::new_err(format!(
            "expected a table with the Arrow PyCapsule interface (pyarrow.Table, polars.DataFrame, pandas.DataFrame \
             with pyarrow installed); got {}",
            obj.get_type().name()?
        )));
    }
    let capsule = obj.call_method0("__arrow_c_stream__")?;
    let capsule = capsule
        .cast::<PyCapsule>()
        .map_err(|_| InputTypeError::new_err("__arrow_c_stream__ did not return a PyCapsule"))?;
    let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
    // SAFETY: the capsule holds an ArrowArrayStream (checked by name); from_raw moves it out and
    // leaves a released stream behind, which the capsule's destructor then ignores.
    let reader = unsafe { RecordBatchStreamReader::from_raw(ptr.as_ptr().cast::<FFI_ArrowArrayStream>()) }
        .map_err(|e| InputError::new_err(format!("cannot read the Arrow stream: {e}")))?;
    let names = reader.schema().fields().iter().map(|f| f.name().clone()).collect();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| InputError::new_err(format!("cannot read the Arrow stream: {e}")))?;
    Ok((names, batches))
}

pub(crate) fn column_index(schema_names: &[String], name: &str) -> PyResult<usize> {
    let mut hits = schema_names.iter().enumerate().filter(|(_, n)| *n == name).map(|(i, _)| i);
    if let (Some(first), Some(second)) = (hits.next(), hits.next()) {
        return Err(error(
            ErrorKind::DuplicateColumn,
            format!("duplicate column `{name}` in the table (columns {} and {}); rename one", first + 1, second + 1),
        ));
    }
    schema_names.iter().position(|n| n == name).ok_or_else(|| {
        // the core's message (with its "did you mean")
        crate::errors::to_py(touchpoint_core::Error::MissingColumn {
            name: name.to_owned(),
            available: schema_names.join(", "),
        })
    })
}

fn bad_type(column: &str, dt: &DataType, want: &str) -> PyErr {
    InputTypeError::new_err(format!("column `{column}` has type {dt}, expected {want}"))
}

/// Numbers of any primitive type (and booleans), per row.
enum Num<'a> {
    F64(&'a arrow_array::Float64Array),
    F32(&'a arrow_array::Float32Array),
    I64(&'a arrow_array::Int64Array),
    I32(&'a arrow_array::Int32Array),
    I16(&'a arrow_array::Int16Array),
    I8(&'a arrow_array::Int8Array),
    U64(&'a arrow_array::UInt64Array),
    U32(&'a arrow_array::UInt32Array),
    U16(&'a arrow_array::UInt16Array),
    U8(&'a arrow_array::UInt8Array),
    Bool(&'a arrow_array::BooleanArray),
    Null,
}

impl<'a> Num<'a> {
    fn new(a: &'a ArrayRef) -> Option<Self> {
        Some(match a.data_type() {
            DataType::Float64 => Num::F64(a.as_primitive::<Float64Type>()),
            DataType::Float32 => Num::F32(a.as_primitive::<Float32Type>()),
            DataType::Int64 => Num::I64(a.as_primitive::<Int64Type>()),
            DataType::Int32 => Num::I32(a.as_primitive::<Int32Type>()),
            DataType::Int16 => Num::I16(a.as_primitive::<Int16Type>()),
            DataType::Int8 => Num::I8(a.as_primitive::<Int8Type>()),
            DataType::UInt64 => Num::U64(a.as_primitive::<UInt64Type>()),
            DataType::UInt32 => Num::U32(a.as_primitive::<UInt32Type>()),
            DataType::UInt16 => Num::U16(a.as_primitive::<UInt16Type>()),
            DataType::UInt8 => Num::U8(a.as_primitive::<UInt8Type>()),
            DataType::Boolean => Num::Bool(a.as_boolean()),
            DataType::Null => Num::Null,
            _ => return None,
        })
    }

    #[inline]
    fn f64(&self, i: usize) -> Option<f64> {
        macro_rules! g {
            ($a:expr) => {
                if $a.is_null(i) { None } else { Some($a.value(i) as f64) }
            };
        }
        match self {
            Num::F64(a) => g!(a),
            Num::F32(a) => g!(a),
            Num::I64(a) => g!(a),
            Num::I32(a) => g!(a),
            Num::I16(a) => g!(a),
            Num::I8(a) => g!(a),
            Num::U64(a) => g!(a),
            Num::U32(a) => g!(a),
            Num::U16(a) => g!(a),
            Num::U8(a) => g!(a),
            Num::Bool(a) => {
                if a.is_null(i) {
                    None
                } else {
                    Some(if a.value(i) { 1.0 } else { 0.0 })
                }
            }
            Num::Null => None,
        }
    }

    /// Exact integers (no float rounding) where the type is integral.
    #[inline]
    fn i64(&self, i: usize) -> Option<i64> {
        macro_rules! g {
            ($a:expr) => {
                if $a.is_null(i) { None } else { Some($a.value(i) as i64) }
            };
        }
        match self {
            Num::I64(a) => g!(a),
            Num::I32(a) => g!(a),
            Num::I16(a) => g!(a),
            Num::I8(a) => g!(a),
            Num::U64(a) => g!(a),
            Num::U32(a) => g!(a),
            Num::U16(a) => g!(a),
            Num::U8(a) => g!(a),
            _ => self.f64(i).map(|f| f as i64),
        }
    }

    /// An integer cell exactly: `Err(v)` for a `u64` above `i64::MAX` (None: null).
    #[inline]
    fn exact_i64(&self, i: usize) -> Option<Result<i64, u64>> {
        match self {
            Num::U64(a) if !a.is_null(i) => Some(i64::try_from(a.value(i)).map_err(|_| a.value(i))),
            _ => self.i64(i).map(Ok),
        }
    }

    fn is_integral(&self) -> bool {
        !matches!(self, Num::F64(_) | Num::F32(_) | Num::Bool(_) | Num::Null)
    }
}

/// Text of any string layout (including dictionaries of strings), per row.
enum Text<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    Dict { keys: Vec<usize>, nulls: Option<arrow_array::ArrayRef>, values: Box<Text<'a>> },
}

impl<'a> Text<'a> {
    fn new(a: &'a ArrayRef) -> Option<Self> {
        Some(match a.data_type() {
            DataType::Utf8 => Text::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => Text::Large(a.as_string::<i64>()),
            DataType::Utf8View => Text::View(a.as_string_view()),
            DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => {
                let d = a.as_any_dictionary();
                let values: &'a ArrayRef = d.values();
                Text::Dict {
                    keys: d.normalized_keys(),
                    nulls: (a.null_count() > 0).then(|| a.clone()),
                    values: Box::new(Text::new(values)?),
                }
            }
            _ => return None,
        })
    }

    #[inline]
    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Text::Utf8(a) => (!a.is_null(i)).then(|| a.value(i)),
            Text::Large(a) => (!a.is_null(i)).then(|| a.value(i)),
            Text::View(a) => (!a.is_null(i)).then(|| a.value(i)),
            Text::Dict { keys, nulls, values } => {
                if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                    return None;
                }
                values.get(keys[i])
            }
        }
    }
}

/// A timestamp column of any supported type, as epoch milliseconds per row.
enum Time<'a> {
    TsS(&'a arrow_array::TimestampSecondArray),
    TsMs(&'a arrow_array::TimestampMillisecondArray),
    TsUs(&'a arrow_array::TimestampMicrosecondArray),
    TsNs(&'a arrow_array::TimestampNanosecondArray),
    Date32(&'a arrow_array::Date32Array),
    Date64(&'a arrow_array::Date64Array),
    Num(Num<'a>, TimeUnit),
    Text(Text<'a>, TimeUnit),
}

impl<'a> Time<'a> {
    /// Epoch numbers in a unit (not timestamps, dates or text): their range is checked.
    fn epoch_unit(&self) -> Option<TimeUnit> {
        match self {
            Time::Num(_, u) => Some(*u),
            _ => None,
        }
    }

    fn new(a: &'a ArrayRef, unit: TimeUnit) -> Option<Self> {
        Some(match a.data_type() {
            DataType::Timestamp(ArrowUnit::Second, _) => Time::TsS(a.as_primitive()),
            DataType::Timestamp(ArrowUnit::Millisecond, _) => Time::TsMs(a.as_primitive()),
            DataType::Timestamp(ArrowUnit::Microsecond, _) => Time::TsUs(a.as_primitive()),
            DataType::Timestamp(ArrowUnit::Nanosecond, _) => Time::TsNs(a.as_primitive()),
            DataType::Date32 => Time::Date32(a.as_primitive::<Date32Type>()),
            DataType::Date64 => Time::Date64(a.as_primitive::<Date64Type>()),
            _ => match Num::new(a) {
                Some(n) if !matches!(n, Num::Bool(_)) => Time::Num(n, unit),
                _ => Time::Text(Text::new(a)?, unit),
            },
        })
    }

    /// Row `i` (`row` in the whole table) of column `column`: None for a null; the cells
    /// module's errors for numbers that are no time (NaN, infinities, out of range).
    #[inline]
    fn get(&self, i: usize, column: &str, row: usize) -> PyResult<Option<i64>> {
        let loc = || touchpoint_core::Location::Row(row);
        Ok(match self {
            Time::TsS(a) => match a.is_null(i) {
                true => None,
                false => Some(cells::epoch_int_ms(column, loc(), a.value(i), TimeUnit::Seconds).py()?),
            },
            Time::TsMs(a) => (!a.is_null(i)).then(|| a.value(i)),
            Time::TsUs(a) => (!a.is_null(i)).then(|| a.value(i).div_euclid(1000)),
            Time::TsNs(a) => (!a.is_null(i)).then(|| a.value(i).div_euclid(1_000_000)),
            Time::Date32(a) => (!a.is_null(i)).then(|| a.value(i) as i64 * 86_400_000),
            Time::Date64(a) => (!a.is_null(i)).then(|| a.value(i)),
            Time::Num(n, u) => match (n.is_integral(), n.exact_i64(i)) {
                (true, Some(Ok(v))) => Some(cells::epoch_int_ms(column, loc(), v, *u).py()?),
                (true, Some(Err(v))) => Some(cells::epoch_ms(column, loc(), v as f64, *u).py()?),
                (true, None) => None,
                (false, _) => match n.f64(i) {
                    Some(f) => Some(cells::epoch_ms(column, loc(), f, *u).py()?),
                    None => None,
                },
            },
            Time::Text(t, u) => match t.get(i) {
                None => None,
                Some(s) => Some(
                    touchpoint_core::parse_time(TimeFormat::Auto(*u), s)
                        .map_err(|e| invalid(column, row, format!("{s:?}"), e))?,
                ),
            },
        })
    }
}

/// Customer keys: text or integers.
enum Key<'a> {
    Text(Text<'a>),
    Int(Num<'a>),
}

impl<'a> Key<'a> {
    /// The key column `column` (text of any layout, or integers).
    fn new(a: &'a ArrayRef, column: &str) -> PyResult<Self> {
        match Text::new(a) {
            Some(t) => Ok(Key::Text(t)),
            None => match Num::new(a) {
                Some(n) if n.is_integral() => Ok(Key::Int(n)),
                _ => Err(bad_type(column, a.data_type(), "strings or integers")),
            },
        }
    }

    /// The key of batch row `i` (`row` in the whole table, for the error).
    #[inline]
    fn get(&self, i: usize, column: &str, row: usize) -> PyResult<CustomerKey<'a>> {
        let key = match self {
            Key::Text(t) => t.get(i).map(CustomerKey::Str),
            Key::Int(n) => n.exact_i64(i).map(|v| v.map_or_else(CustomerKey::UInt, CustomerKey::Int)),
        };
        key.ok_or_else(|| invalid(column, row, "null", "customer key must not be null"))
    }
}

/// Which columns hold what.
pub struct EventSpec {
    pub customer: String,
    pub touchpoint: String,
    pub time: String,
    pub conversion: Option<String>,
    pub value: Option<String>,
    pub feedback: Option<String>,
    pub time_unit: TimeUnit,
}

fn invalid(column: &str, row: usize, value: impl std::fmt::Display, why: &str) -> PyErr {
    error(ErrorKind::InvalidValue, format!("invalid value in column `{column}` at row {row}: {value} ({why})"))
}

/// Events from Arrow batches.
pub fn events_from_batches(batches: &[RecordBatch], names: &[String], spec: &EventSpec) -> PyResult<EventTable> {
    let ci = column_index(names, &spec.customer)?;
    let ti = column_index(names, &spec.touchpoint)?;
    let mi = column_index(names, &spec.time)?;
    let vi = match &spec.conversion {
        Some(c) => Some(column_index(names, c)?),
        None => None,
    };
    let opt = |c: &Option<String>| -> PyResult<Option<usize>> {
        match c {
            Some(c) => column_index(names, c).map(Some),
            None => Ok(None),
        }
    };
    let val_i = opt(&spec.value)?;
    let fb_i = opt(&spec.feedback)?;
    let mut b = EventTable::builder();
    b.reserve(batches.iter().map(|x| x.num_rows()).sum());
    let mut row0 = 0usize;
    let mut epochs = (touchpoint_core::time::EpochRange::default(), None);
    for batch in batches {
        let n = batch.num_rows();
        let col = |i: usize| batch.column(i);
        let key = Key::new(col(ci), &spec.customer)?;
        let tp_arr = col(ti);
        let tps = Text::new(tp_arr).ok_or_else(|| bad_type(&spec.touchpoint, tp_arr.data_type(), "strings"))?;
        let t_arr = col(mi);
        let times = Time::new(t_arr, spec.time_unit).ok_or_else(|| {
            bad_type(&spec.time, t_arr.data_type(), "timestamps, dates, epoch numbers or ISO 8601 strings")
        })?;
        let conv = match vi {
            Some(i) => Some(Num::new(col(i)).ok_or_else(|| {
                bad_type(spec.conversion.as_deref().unwrap_or(""), col(i).data_type(), "booleans or 0/1 numbers")
            })?),
            None => None,
        };
        let vals = match val_i {
            Some(i) => Some(
                Num::new(col(i))
                    .ok_or_else(|| bad_type(spec.value.as_deref().unwrap_or(""), col(i).data_type(), "numbers"))?,
            ),
            None => None,
        };
        let fbs = match fb_i {
            Some(i) => Some(
                Num::new(col(i))
                    .ok_or_else(|| bad_type(spec.feedback.as_deref().unwrap_or(""), col(i).data_type(), "numbers"))?,
            ),
            None => None,
        };
        for i in 0..n {
            let row = row0 + i;
            let customer = key.get(i, &spec.customer, row)?;
            let time = times
                .get(i, &spec.time, row)?
                .ok_or_else(|| invalid(&spec.time, row, "null", "timestamp must not be null"))?;
            if let Some(u) = times.epoch_unit() {
                epochs.0.add_ms(time, u, Location::Row(row));
                epochs.1 = Some(u);
            }
            let converted = match (&conv, &spec.conversion) {
                (Some(c), Some(name)) => cells::flag(name, Location::Row(row), c.f64(i)).py()?,
                _ => false,
            };
            let value = match &vals {
                Some(v) => {
                    cells::value(spec.value.as_deref().unwrap_or("value"), Location::Row(row), v.f64(i), converted)
                        .py()?
                }
                None => 0.0,
            };
            let feedback = fbs.as_ref().and_then(|f| f.f64(i)).map(|f| f as f32);
            b.push_keyed(customer, tps.get(i), time, converted, value, feedback).py()?;
        }
        row0 += n;
    }
    if let Some(u) = epochs.1 {
        epochs.0.check(&spec.time, u).py()?;
    }
    b.finish().py()
}

/// Which columns of a survey table hold what.
pub struct SurveySpec {
    pub customer: String,
    pub time: String,
    pub score: String,
    /// The touchpoint the survey asks about (a null cell: none, attached to the most recent touch).
    pub touchpoint: Option<String>,
    pub time_unit: TimeUnit,
}

/// Survey responses from Arrow batches: a null customer, time or score is an error naming the
/// column and the row (the scale is checked by the analyses, which know it).
pub fn surveys_from_batches(batches: &[RecordBatch], names: &[String], spec: &SurveySpec) -> PyResult<SurveyTable> {
    let ci = column_index(names, &spec.customer)?;
    let mi = column_index(names, &spec.time)?;
    let si = column_index(names, &spec.score)?;
    let ti = match &spec.touchpoint {
        Some(c) => Some(column_index(names, c)?),
        None => None,
    };
    let mut b = SurveyTable::builder();
    let mut row0 = 0usize;
    for batch in batches {
        let col = |i: usize| batch.column(i);
        let key = Key::new(col(ci), &spec.customer)?;
        let times = Time::new(col(mi), spec.time_unit).ok_or_else(|| {
            bad_type(&spec.time, col(mi).data_type(), "timestamps, dates, epoch numbers or ISO 8601 strings")
        })?;
        let scores = Num::new(col(si))
            .filter(|n| !matches!(n, Num::Bool(_)))
            .ok_or_else(|| bad_type(&spec.score, col(si).data_type(), "numbers"))?;
        let tps = match ti {
            // a column of nulls only (what pyarrow makes of a column of None): no touchpoints
            Some(i) if col(i).data_type() == &DataType::Null => None,
            Some(i) => Some(
                Text::new(col(i))
                    .ok_or_else(|| bad_type(spec.touchpoint.as_deref().unwrap_or(""), col(i).data_type(), "strings"))?,
            ),
            None => None,
        };
        for i in 0..batch.num_rows() {
            let row = row0 + i;
            let customer = key.get(i, &spec.customer, row)?;
            let time = times
                .get(i, &spec.time, row)?
                .ok_or_else(|| invalid(&spec.time, row, "null", "timestamp must not be null"))?;
            let score = scores.f64(i).ok_or_else(|| {
                invalid(&spec.score, row, "null", "a survey response needs a score; drop responses without one")
            })?;
            let tp = tps.as_ref().and_then(|t| t.get(i));
            b.push(customer, time, score, tp).py()?;
        }
        row0 += batch.num_rows();
    }
    Ok(b.finish())
}

/// Which columns of a path table hold what.
pub struct PathSpec {
    pub path: String,
    pub conversions: String,
    pub nulls: Option<String>,
    pub value: Option<String>,
    pub separator: String,
}

/// A path table from Arrow batches.
pub fn paths_from_batches(batches: &[RecordBatch], names: &[String], spec: &PathSpec) -> PyResult<PathTable> {
    let pi = column_index(names, &spec.path)?;
    let ci = column_index(names, &spec.conversions)?;
    let ni = match &spec.nulls {
        Some(c) => Some(column_index(names, c)?),
        None => None,
    };
    let vi = match &spec.value {
        Some(c) => Some(column_index(names, c)?),
        None => None,
    };
    let mut t = PathTable::default();
    let columns = (
        spec.path.as_str(),
        spec.conversions.as_str(),
        spec.nulls.as_deref().unwrap_or("nulls"),
        spec.value.as_deref().unwrap_or("value"),
    );
    let mut row0 = 0;
    for batch in batches {
        let col = |i: usize| batch.column(i);
        let paths = Text::new(col(pi)).ok_or_else(|| bad_type(&spec.path, col(pi).data_type(), "strings"))?;
        let num = |i: usize, name: &str| Num::new(col(i)).ok_or_else(|| bad_type(name, col(i).data_type(), "numbers"));
        let conv = num(ci, &spec.conversions)?;
        let nulls = match ni {
            Some(i) => Some(num(i, spec.nulls.as_deref().unwrap_or(""))?),
            None => None,
        };
        let vals = match vi {
            Some(i) => Some(num(i, spec.value.as_deref().unwrap_or(""))?),
            None => None,
        };
        for i in 0..batch.num_rows() {
            let row = row0 + i;
            let p = paths.get(i).ok_or_else(|| invalid(&spec.path, row, "null", "path must not be null"))?;
            // no nulls column: 0; no value column: 0 (a missing cell is the core's to judge)
            let n = nulls.as_ref().map_or(Some(0.0), |x| x.f64(i));
            let v = vals.as_ref().map_or(Some(0.0), |x| x.f64(i));
            t.add_cells(row, p, &spec.separator, columns, conv.f64(i), n, v).py()?;
        }
        row0 += batch.num_rows();
    }
    if t.is_empty() {
        return Err(Error::EmptyInput { what: "the path table", hint: "path row" }).py();
    }
    Ok(t)
}

/// The values of a segment column (text, or integers and booleans named by their decimal form),
/// one per row; None for nulls.
pub fn segment_values_from_batches(
    batches: &[RecordBatch],
    names: &[String],
    column: &str,
) -> PyResult<Vec<Option<String>>> {
    let ci = column_index(names, column)?;
    let mut out = Vec::with_capacity(batches.iter().map(|b| b.num_rows()).sum());
    for batch in batches {
        let a = batch.column(ci);
        if let Some(t) = Text::new(a) {
            out.extend((0..batch.num_rows()).map(|i| t.get(i).map(str::to_owned)));
        } else if let DataType::Boolean = a.data_type() {
            let b = a.as_boolean();
            out.extend((0..batch.num_rows()).map(|i| (!b.is_null(i)).then(|| b.value(i).to_string())));
        } else if let Some(n) = Num::new(a).filter(|n| n.is_integral()) {
            out.extend((0..batch.num_rows()).map(|i| n.i64(i).map(|v| v.to_string())));
        } else {
            return Err(bad_type(column, a.data_type(), "strings, integers or booleans"));
        }
    }
    Ok(out)
}
