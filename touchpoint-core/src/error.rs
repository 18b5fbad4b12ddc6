//! The one error type of the crate.
//!
//! Every variant carries the data a user needs to find the problem: the field (column) name,
//! the row or line (1-based, counting the header as line 1 for CSV input) and the offending
//! value. Messages end by saying what to do.

use std::fmt;

/// `; did you mean `x`?` for a missing column, from the header's names.
/// When the header is one field holding `;`, tab or `|`, the file is delimited by that: say so.
fn column_hint(name: &str, available: &str) -> String {
    if !available.contains(", ") {
        for (c, shown) in [(';', ";"), ('\t', "\\t"), ('|', "|")] {
            if available.contains(c) {
                return format!(
                    "; the header looks `{shown}`-delimited: pass delimiter='{shown}' (the field delimiter; \
                     `separator` is the one between touchpoints inside a path)"
                );
            }
        }
    }
    crate::suggest::did_you_mean(name, available.split(", "))
        .map_or(String::new(), |m| format!("; did you mean `{m}`?"))
}

/// Where in the input a bad value was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A 0-based row of an in-memory table (builder pushes, columns).
    Row(usize),
    /// A 1-based line of a text file (the header is line 1).
    Line(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Row(r) => write!(f, "row {r}"),
            Location::Line(l) => write!(f, "line {l}"),
        }
    }
}

/// Everything that can go wrong in touchpoint-core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input holds no rows (or no usable rows) at all.
    #[error("empty input: {what} has no rows; pass at least one {hint}")]
    EmptyInput {
        /// What was empty ("events", "path table", ...).
        what: &'static str,
        /// What a row looks like.
        hint: &'static str,
    },

    /// A column that was asked for is not in the header.
    #[error(
        "missing column `{name}`: the header has [{available}]{}; pass the right column name",
        column_hint(name, available)
    )]
    MissingColumn {
        /// The column that was asked for.
        name: String,
        /// The columns that exist, comma separated.
        available: String,
    },

    /// The header names a column twice.
    #[error("duplicate column `{name}` in the header (columns {first} and {second}); rename one")]
    DuplicateColumn {
        /// The repeated name.
        name: String,
        /// 1-based position of the first occurrence.
        first: usize,
        /// 1-based position of the second occurrence.
        second: usize,
    },

    /// A value could not be used.
    #[error("invalid value in column `{column}` at {location}: {value:?} ({reason})")]
    InvalidValue {
        /// The column (field) name.
        column: String,
        /// Row or line of the value.
        location: Location,
        /// The offending text or number, as written.
        value: String,
        /// Why it was rejected and what is accepted.
        reason: String,
    },

    /// Columns of one table have different lengths.
    #[error("column `{column}` has {found} rows but `{reference}` has {expected}; columns must have equal lengths")]
    LengthMismatch {
        /// The column with the wrong length.
        column: String,
        /// The reference column.
        reference: String,
        /// Rows in the reference column.
        expected: usize,
        /// Rows in this column.
        found: usize,
    },

    /// A touchpoint name or id is unknown to the catalog.
    #[error("unknown touchpoint {name:?}: it is not in the catalog ({known} touchpoints known){hint}")]
    UnknownTouchpoint {
        /// The name or id asked for.
        name: String,
        /// How many touchpoints the catalog holds.
        known: usize,
        /// "; did you mean ...? known: ..." (see [`Error::unknown_touchpoint`]); may be empty.
        hint: String,
    },

    /// An option has a value that cannot work.
    #[error("invalid option `{option}` = {value}: {reason}")]
    InvalidOption {
        /// Option name.
        option: &'static str,
        /// Its value, formatted.
        value: String,
        /// What is accepted.
        reason: String,
    },

    /// Nothing converts, so a quantity defined relative to conversions does not exist.
    #[error("{what} cannot be computed: the data has no conversions")]
    NoConversions {
        /// The quantity that was asked for.
        what: &'static str,
    },

    /// A model cannot be computed on this data (the message says what to use instead).
    #[error("model `{model}` cannot run here: {reason}")]
    ModelNotApplicable {
        /// The model.
        model: String,
        /// Why, and what to use instead.
        reason: String,
    },

    /// An iterative solve did not reach its tolerance.
    #[error(
        "linear solve did not converge: {states} states, residual {residual:e} after {iterations} iterations (tolerance {tolerance:e})"
    )]
    NoConvergence {
        /// Size of the system.
        states: usize,
        /// Final relative change.
        residual: f64,
        /// Iterations done.
        iterations: usize,
        /// Tolerance asked for.
        tolerance: f64,
    },

    /// A CSV file could not be read (I/O or malformed CSV).
    #[error("{0}; check the delimiter, quoting and that every row has the header's columns")]
    Csv(#[from] csv::Error),

    /// A file could not be opened or read.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path that failed.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },

    /// A saved model file is truncated, damaged, of a newer format or of another kind.
    #[error("cannot load the saved {what}: {problem} (at byte {offset})")]
    ModelFile {
        /// What was being loaded ("journey graph", "journeys", ...).
        what: &'static str,
        /// Byte offset in the file where the problem was found.
        offset: usize,
        /// What is wrong and what to do.
        problem: String,
    },

    /// Two partials, or a partial and the options it is read with, come from different options or
    /// touchpoint vocabularies (their fingerprints differ), so their counts cannot be added.
    #[error("cannot combine {what}: {problem}")]
    Incompatible {
        /// What was being combined ("partials", ...).
        what: &'static str,
        /// What differs and what to do.
        problem: String,
    },

    /// The caller stopped the work ([`Progress::cancel`](crate::progress::Progress::cancel),
    /// Ctrl-C in Python, a progress callback returning 0 in C). Nothing was half-built.
    #[error("cancelled while counting {stage}: the work was stopped by the caller")]
    Cancelled {
        /// What the work was counting when it stopped.
        stage: &'static str,
    },

    /// JSON input could not be parsed.
    #[cfg(feature = "serde")]
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
}

crate::named_enum! {
    /// The kind of an [`Error`], one per variant: what each face maps to its own error type,
    /// one to one (Python exception class, C result code). The table is in the README.
    pub enum ErrorKind: "error_kind" {
        /// [`Error::EmptyInput`].
        EmptyInput = 0 => "empty_input",
        /// [`Error::MissingColumn`].
        MissingColumn = 1 => "missing_column",
        /// [`Error::DuplicateColumn`].
        DuplicateColumn = 2 => "duplicate_column",
        /// [`Error::InvalidValue`].
        InvalidValue = 3 => "invalid_value",
        /// [`Error::LengthMismatch`].
        LengthMismatch = 4 => "length_mismatch",
        /// [`Error::UnknownTouchpoint`].
        UnknownTouchpoint = 5 => "unknown_touchpoint",
        /// [`Error::InvalidOption`].
        InvalidOption = 6 => "invalid_option",
        /// [`Error::NoConversions`].
        NoConversions = 7 => "no_conversions",
        /// [`Error::ModelNotApplicable`].
        ModelNotApplicable = 8 => "model_not_applicable",
        /// [`Error::NoConvergence`].
        NoConvergence = 9 => "no_convergence",
        /// [`Error::Csv`].
        Csv = 10 => "csv",
        /// [`Error::Io`].
        Io = 11 => "io",
        /// `Error::Json` (with the `serde` feature).
        Json = 12 => "json",
        /// [`Error::ModelFile`].
        ModelFile = 13 => "model_file",
        /// [`Error::Incompatible`].
        Incompatible = 14 => "incompatible",
        /// [`Error::Cancelled`].
        Cancelled = 15 => "cancelled",
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The kind of this error (exhaustive: every variant has its own kind).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::EmptyInput { .. } => ErrorKind::EmptyInput,
            Error::MissingColumn { .. } => ErrorKind::MissingColumn,
            Error::DuplicateColumn { .. } => ErrorKind::DuplicateColumn,
            Error::InvalidValue { .. } => ErrorKind::InvalidValue,
            Error::LengthMismatch { .. } => ErrorKind::LengthMismatch,
            Error::UnknownTouchpoint { .. } => ErrorKind::UnknownTouchpoint,
            Error::InvalidOption { .. } => ErrorKind::InvalidOption,
            Error::NoConversions { .. } => ErrorKind::NoConversions,
            Error::ModelNotApplicable { .. } => ErrorKind::ModelNotApplicable,
            Error::NoConvergence { .. } => ErrorKind::NoConvergence,
            Error::Csv(_) => ErrorKind::Csv,
            Error::Io { .. } => ErrorKind::Io,
            Error::ModelFile { .. } => ErrorKind::ModelFile,
            Error::Incompatible { .. } => ErrorKind::Incompatible,
            Error::Cancelled { .. } => ErrorKind::Cancelled,
            #[cfg(feature = "serde")]
            Error::Json(_) => ErrorKind::Json,
        }
    }

    /// [`Error::UnknownTouchpoint`] for `name`, with the closest of the `known` names suggested
    /// and the first of them listed.
    ///
    /// ```
    /// let e = touchpoint_core::Error::unknown_touchpoint("search", ["search ad", "email"]);
    /// assert!(e.to_string().contains("did you mean \"search ad\"?"), "{e}");
    /// ```
    pub fn unknown_touchpoint<'a>(name: &str, known: impl IntoIterator<Item = &'a str> + Clone) -> Self {
        Error::UnknownTouchpoint {
            name: name.to_owned(),
            known: known.clone().into_iter().count(),
            hint: crate::suggest::hint(name, known),
        }
    }

    /// Shorthand for [`Error::InvalidValue`].
    pub(crate) fn invalid(
        column: impl Into<String>,
        location: Location,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidValue { column: column.into(), location, value: value.into(), reason: reason.into() }
    }

    /// Shorthand for [`Error::InvalidOption`].
    pub(crate) fn option(option: &'static str, value: impl fmt::Display, reason: impl Into<String>) -> Self {
        Error::InvalidOption { option, value: value.to_string(), reason: reason.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::named::Named;

    /// The README's errors table lists every kind once, in code order, by its Rust name.
    #[test]
    fn readme_table_lists_every_kind() {
        let readme = include_str!("../../README.md");
        let table = readme.split("## Errors: one kind, one exception, one code").nth(1).unwrap();
        let kinds: Vec<&str> = table
            .lines()
            .skip_while(|l| !l.starts_with("| `ErrorKind`"))
            .skip(2)
            .take_while(|l| l.starts_with("| `"))
            .map(|l| l.trim_start_matches("| `").split('`').next().unwrap())
            .collect();
        let want: Vec<String> = ErrorKind::ALL.iter().map(|k| format!("{k:?}")).collect();
        assert_eq!(kinds, want);
    }

    #[test]
    fn every_variant_has_its_kind() {
        let e = Error::option("x", 1, "y");
        assert_eq!(e.kind(), ErrorKind::InvalidOption);
        let e = Error::invalid("c", Location::Row(0), "v", "r");
        assert_eq!(e.kind(), ErrorKind::InvalidValue);
        let e = Error::Incompatible { what: "partials", problem: "p".into() };
        assert_eq!(e.kind(), ErrorKind::Incompatible);
        assert_eq!(ErrorKind::ALL.len(), 16);
    }
}
