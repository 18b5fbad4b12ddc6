//! Result rows: every table a face shows is a list of one row struct declared here or beside its
//! analysis with [`row_struct!`](crate::row_struct).
//!
//! A row struct's field names *are* the public names: the Python column names, the keys of the
//! C face's JSON and the serde names. [`Row::COLUMNS`] lists them with their type, so a face can
//! build a typed table (Arrow in Python) from any rows with one generic function, and a test can
//! check that every face shows the same names.
//!
//! ```
//! use touchpoint_core::rows::{ColumnType, Row};
//! use touchpoint_core::TopPath;
//!
//! let names: Vec<&str> = TopPath::COLUMNS.iter().map(|c| c.name).collect();
//! assert_eq!(names[0], "path");
//! assert!(TopPath::COLUMNS.iter().any(|c| c.name == "journeys" && c.ty == ColumnType::F64));
//! ```

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text.
    Str,
    /// A float.
    F64,
    /// A signed integer.
    I64,
    /// An unsigned integer.
    U64,
    /// A boolean.
    Bool,
    /// A point in time: epoch milliseconds, UTC ([`TimestampMs`]).
    TimestampMs,
    /// A list of texts (a path).
    StrList,
    /// A length of time in milliseconds ([`DurationMs`]): a timedelta column in Python.
    DurationMs,
}

/// One column of a row struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The public name (field name).
    pub name: &'static str,
    /// Its type.
    pub ty: ColumnType,
    /// Whether a value may be missing (`Option` fields).
    pub nullable: bool,
}

/// A result row: a struct whose fields are the public columns.
pub trait Row {
    /// The columns, in field order.
    const COLUMNS: &'static [Column];
    /// Columns that only some results have (a Markov removal effect, a sampled standard
    /// error): a table omits them when no row has a value.
    const OPTIONAL: &'static [&'static str] = &[];
}

/// Rust types that can be a column (see [`Row`]).
pub trait ColumnOf {
    /// The column type.
    const TYPE: ColumnType;
    /// Whether values may be missing.
    const NULLABLE: bool = false;
}

macro_rules! column_of {
    ($($t:ty => $c:ident),+ $(,)?) => {
        $(impl ColumnOf for $t { const TYPE: ColumnType = ColumnType::$c; })+
    };
}
column_of!(String => Str, &str => Str, f64 => F64, i64 => I64, u64 => U64, usize => I64, u32 => I64, bool => Bool,
    Vec<String> => StrList);

impl<T: ColumnOf> ColumnOf for Option<T> {
    const TYPE: ColumnType = T::TYPE;
    const NULLABLE: bool = true;
}

/// A point in time in epoch milliseconds (UTC); a timestamp column in Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct TimestampMs(pub i64);

impl ColumnOf for TimestampMs {
    const TYPE: ColumnType = ColumnType::TimestampMs;
}

/// A length of time in milliseconds; a duration (timedelta) column in Python, a number of
/// milliseconds in the C face's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct DurationMs(pub i64);

impl ColumnOf for DurationMs {
    const TYPE: ColumnType = ColumnType::DurationMs;
}

impl DurationMs {
    /// A duration from fractional milliseconds, rounded to the millisecond.
    ///
    /// ```
    /// assert_eq!(touchpoint_core::rows::DurationMs::from_f64(1.6).0, 2);
    /// ```
    pub fn from_f64(ms: f64) -> Self {
        DurationMs(ms.round() as i64)
    }

    /// The longest duration a result reports: about 292 years, what a nanosecond timedelta
    /// (pandas, Arrow) holds.
    pub const MAX_MS: f64 = 9.2e15;

    /// [`DurationMs::from_f64`] for figures that can grow without bound (an expected time to
    /// convert from a nearly absorbing loop): none when not finite or longer than
    /// [`DurationMs::MAX_MS`] — in practice, never.
    ///
    /// ```
    /// use touchpoint_core::rows::DurationMs;
    /// assert_eq!(DurationMs::within(1.6), Some(DurationMs(2)));
    /// assert_eq!(DurationMs::within(1e300), None);
    /// ```
    pub fn within(ms: f64) -> Option<Self> {
        (ms.is_finite() && ms.abs() <= Self::MAX_MS).then(|| Self::from_f64(ms))
    }
}

/// The column names of a row type.
pub fn column_names<R: Row>() -> Vec<&'static str> {
    R::COLUMNS.iter().map(|c| c.name).collect()
}

/// Declare a result row struct (see [`rows`](crate::rows)): the struct, `Serialize` and
/// `Deserialize` (with the `serde` feature) and [`Row::COLUMNS`] from its fields. A leading
/// `optional(a, b);` names the [`Row::OPTIONAL`] columns; one lifetime parameter lets a row
/// borrow its text from the data (`pub struct EventRow<'a> { pub customer_id: &'a str, .. }`),
/// so a table of millions of rows allocates no string per row (such rows are `Serialize` only:
/// their owners serialise owned data).
///
/// ```
/// touchpoint_core::row_struct! {
///     /// A row.
///     #[derive(Clone, PartialEq)]
///     pub struct Hit {
///         /// The name.
///         pub name: String,
///         /// How often, if known.
///         pub count: Option<f64>,
///     }
/// }
/// use touchpoint_core::rows::{ColumnType, Row};
/// assert_eq!(Hit::COLUMNS[1].name, "count");
/// assert_eq!(Hit::COLUMNS[1].ty, ColumnType::F64);
/// assert!(Hit::COLUMNS[1].nullable);
/// ```
#[macro_export]
macro_rules! row_struct {
    (optional($($opt:ident),* $(,)?); $($rest:tt)*) => {
        $crate::row_struct!(@row [$($opt),*] $($rest)*);
    };
    (@row [$($opt:ident),*]
        $(#[$meta:meta])*
        $vis:vis struct $ty:ident <$lt:lifetime> {
            $( $(#[$fmeta:meta])* pub $field:ident : $fty:ty ),+ $(,)?
        }
    ) => {
        $crate::row_struct!(@emit [$($opt),*] [serde::Serialize] $(#[$meta])* $vis struct $ty <$lt> {
            $( $(#[$fmeta])* pub $field: $fty ),+
        });
    };
    (@row [$($opt:ident),*]
        $(#[$meta:meta])*
        $vis:vis struct $ty:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $fty:ty ),+ $(,)?
        }
    ) => {
        $crate::row_struct!(@emit [$($opt),*] [serde::Serialize, serde::Deserialize] $(#[$meta])* $vis struct $ty {
            $( $(#[$fmeta])* pub $field: $fty ),+
        });
    };
    (@emit [$($opt:ident),*] [$($derive:path),+]
        $(#[$meta:meta])*
        $vis:vis struct $ty:ident $(<$lt:lifetime>)? {
            $( $(#[$fmeta:meta])* pub $field:ident : $fty:ty ),+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug)]
        #[cfg_attr(feature = "serde", derive($($derive),+))]
        $vis struct $ty $(<$lt>)? {
            $( $(#[$fmeta])* pub $field: $fty ),+
        }

        impl $(<$lt>)? $crate::rows::Row for $ty $(<$lt>)? {
            const COLUMNS: &'static [$crate::rows::Column] = &[$(
                $crate::rows::Column {
                    name: stringify!($field),
                    ty: <$fty as $crate::rows::ColumnOf>::TYPE,
                    nullable: <$fty as $crate::rows::ColumnOf>::NULLABLE,
                }
            ),+];
            const OPTIONAL: &'static [&'static str] = &[$(stringify!($opt)),*];
        }
    };
    ($($rest:tt)*) => {
        $crate::row_struct!(@row [] $($rest)*);
    };
}
