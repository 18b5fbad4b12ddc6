//! Result codes, the error on its way to the caller, and the thread-local last error message.
//!
//! The codes come from one table, `src/result_codes.rs` (number, variant, C name): it makes the
//! Rust [`touchpoint_result`], the names [`touchpoint_result_str`] returns, and (through
//! `build.rs`) the enum of the header.
//!
//! A core error becomes a code by its kind alone ([`touchpoint_core::ErrorKind`], the README's
//! table), with the core's message as the last error:
//!
//! | core `ErrorKind` | C result code |
//! |---|---|
//! | `EmptyInput` | `TOUCHPOINT_RESULT_EMPTY_INPUT` |
//! | `MissingColumn`, `DuplicateColumn` | `TOUCHPOINT_RESULT_SCHEMA` |
//! | `InvalidValue`, `LengthMismatch`, `Json` | `TOUCHPOINT_RESULT_INVALID_VALUE` |
//! | `UnknownTouchpoint`, `InvalidOption` | `TOUCHPOINT_RESULT_INVALID_ARGUMENT` |
//! | `NoConversions`, `ModelNotApplicable` | `TOUCHPOINT_RESULT_MODEL_NOT_APPLICABLE` |
//! | `NoConvergence` | `TOUCHPOINT_RESULT_NO_CONVERGENCE` |
//! | `Csv`, `Io` | `TOUCHPOINT_RESULT_IO` |
//! | `ModelFile` | `TOUCHPOINT_RESULT_MODEL_FILE` |
//! | `Incompatible` | `TOUCHPOINT_RESULT_INCOMPATIBLE` |
//! | `Cancelled` | `TOUCHPOINT_RESULT_CANCELLED` |
//!
//! The other codes are the C face's own: what only C can get wrong (NULL, UTF-8, buffers,
//! indices, state) and panics.

use std::cell::RefCell;
use std::ffi::c_char;

use touchpoint_core::ErrorKind;

macro_rules! result_codes {
    (
        $(#[doc = $edoc:literal])*
        enum $ty:ident {
            $( $(#[doc = $doc:literal])* $variant:ident = $code:literal => $name:literal, )+
        }
    ) => {
        $(#[doc = $edoc])*
        #[repr(C)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $ty {
            $( $(#[doc = $doc])* $variant = $code, )+
        }

        impl $ty {
            /// Every code, in table order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The C name, NUL-terminated.
            const fn name_nul(self) -> &'static str {
                match self {
                    $($ty::$variant => concat!($name, "\0")),+
                }
            }
        }
    };
}

include!("result_codes.rs");

/// The name of unknown numbers.
const UNKNOWN: &str = "TOUCHPOINT_RESULT_UNKNOWN\0";

impl touchpoint_result {
    /// The code numbered `code`.
    pub fn from_code(code: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| *r as u32 == code)
    }

    /// The C name, e.g. `"TOUCHPOINT_RESULT_OK"`.
    pub fn name(self) -> &'static str {
        self.name_nul().trim_end_matches('\0')
    }
}

/// A static, NUL-terminated name of a result code (`"TOUCHPOINT_RESULT_OK"`, ...); never NULL,
/// never to be freed. Unknown numbers give `"TOUCHPOINT_RESULT_UNKNOWN"`. Thread-safe.
///
/// @param code a value returned by any touchpoint function
/// @return a static string
#[unsafe(no_mangle)]
pub extern "C" fn touchpoint_result_str(code: u32) -> *const c_char {
    touchpoint_result::from_code(code).map_or(UNKNOWN, touchpoint_result::name_nul).as_ptr().cast()
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// An error on its way to the caller: a code and a message.
#[derive(Debug)]
pub(crate) struct FfiError {
    pub code: touchpoint_result,
    pub message: String,
}

impl FfiError {
    pub(crate) fn new(code: touchpoint_result, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    /// The same error, its message prefixed with the C field it came from (`options.steps[2]`),
    /// for core errors that name only the option.
    pub(crate) fn within(mut self, field: &str) -> Self {
        self.message = format!("`{field}`: {}", self.message);
        self
    }
}

impl From<touchpoint_core::Error> for FfiError {
    /// By kind, exhaustively (the table of the module docs).
    fn from(e: touchpoint_core::Error) -> Self {
        use touchpoint_result as R;
        let code = match e.kind() {
            ErrorKind::EmptyInput => R::EmptyInput,
            ErrorKind::MissingColumn | ErrorKind::DuplicateColumn => R::Schema,
            ErrorKind::InvalidValue | ErrorKind::LengthMismatch | ErrorKind::Json => R::InvalidValue,
            ErrorKind::UnknownTouchpoint | ErrorKind::InvalidOption => R::InvalidArgument,
            ErrorKind::NoConversions | ErrorKind::ModelNotApplicable => R::ModelNotApplicable,
            ErrorKind::NoConvergence => R::NoConvergence,
            ErrorKind::Csv | ErrorKind::Io => R::Io,
            ErrorKind::ModelFile => R::ModelFile,
            ErrorKind::Incompatible => R::Incompatible,
            ErrorKind::Cancelled => R::Cancelled,
        };
        FfiError::new(code, e.to_string())
    }
}

impl From<serde_json::Error> for FfiError {
    fn from(e: serde_json::Error) -> Self {
        touchpoint_core::Error::from(e).into()
    }
}

pub(crate) fn set_last_error(msg: &str) {
    LAST_ERROR.with(|l| {
        let mut l = l.borrow_mut();
        l.clear();
        l.push_str(msg);
    });
}

pub(crate) fn clear_last_error() {
    LAST_ERROR.with(|l| l.borrow_mut().clear());
}

pub(crate) fn with_last_error<R>(f: impl FnOnce(&str) -> R) -> R {
    LAST_ERROR.with(|l| f(&l.borrow()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use touchpoint_core::{Error, Location, Named};

    #[test]
    fn every_code_has_its_name() {
        for &r in touchpoint_result::ALL {
            // SAFETY: touchpoint_result_str returns a static NUL-terminated string.
            let s = unsafe { CStr::from_ptr(touchpoint_result_str(r as u32)) }.to_str().unwrap();
            assert_eq!(s, r.name());
            let snake: String = format!("{r:?}").chars().fold(String::new(), |mut acc, c| {
                if c.is_uppercase() && !acc.is_empty() {
                    acc.push('_');
                }
                acc.push(c.to_ascii_uppercase());
                acc
            });
            assert_eq!(s, format!("TOUCHPOINT_RESULT_{snake}"), "the name is what cbindgen calls the constant");
            assert_eq!(touchpoint_result::from_code(r as u32), Some(r));
        }
        // SAFETY: as above.
        let unknown = unsafe { CStr::from_ptr(touchpoint_result_str(12345)) };
        assert_eq!(unknown.to_str().unwrap(), "TOUCHPOINT_RESULT_UNKNOWN");
    }

    /// One error of every kind, and the code it becomes.
    #[test]
    fn core_errors_map_by_kind() {
        let csv = touchpoint_core::EventTable::read_csv(
            "customer_id,touchpoint,timestamp,converted\nc,x,1,0,extra\n".as_bytes(),
            &Default::default(),
        )
        .unwrap_err();
        let json = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let samples = [
            (Error::EmptyInput { what: "events", hint: "event" }, touchpoint_result::EmptyInput),
            (Error::MissingColumn { name: "a".into(), available: "b".into() }, touchpoint_result::Schema),
            (Error::DuplicateColumn { name: "a".into(), first: 1, second: 2 }, touchpoint_result::Schema),
            (
                Error::InvalidValue {
                    column: "v".into(),
                    location: Location::Row(0),
                    value: "-1".into(),
                    reason: "r".into(),
                },
                touchpoint_result::InvalidValue,
            ),
            (
                Error::LengthMismatch { column: "a".into(), reference: "b".into(), expected: 1, found: 2 },
                touchpoint_result::InvalidValue,
            ),
            (Error::unknown_touchpoint("x", []), touchpoint_result::InvalidArgument),
            (
                touchpoint_core::TimeUnit::decode(9, "options.time_unit").unwrap_err(),
                touchpoint_result::InvalidArgument,
            ),
            (Error::NoConversions { what: "shares" }, touchpoint_result::ModelNotApplicable),
            (
                Error::ModelNotApplicable { model: "m".into(), reason: "r".into() },
                touchpoint_result::ModelNotApplicable,
            ),
            (
                Error::NoConvergence { states: 1, residual: 1.0, iterations: 1, tolerance: 1e-9 },
                touchpoint_result::NoConvergence,
            ),
            (csv, touchpoint_result::Io),
            (Error::Io { path: "p".into(), source: std::io::Error::other("x") }, touchpoint_result::Io),
            (Error::Json(json), touchpoint_result::InvalidValue),
            (
                Error::ModelFile { what: "journey graph", offset: 40, problem: "damaged".into() },
                touchpoint_result::ModelFile,
            ),
            (
                Error::Incompatible { what: "partials", problem: "their models differ".into() },
                touchpoint_result::Incompatible,
            ),
            (Error::Cancelled { stage: "states" }, touchpoint_result::Cancelled),
        ];
        let kinds: Vec<ErrorKind> = samples.iter().map(|(e, _)| e.kind()).collect();
        assert_eq!(kinds, ErrorKind::ALL, "one sample per kind, in kind order");
        // the README's errors table says the same, row by row (its last column is the C code)
        let readme = include_str!("../../README.md");
        let table = readme.split("## Errors: one kind, one exception, one code").nth(1).unwrap();
        let documented: Vec<&str> = table
            .lines()
            .skip_while(|l| !l.starts_with("| `ErrorKind`"))
            .skip(2)
            .take_while(|l| l.starts_with("| `"))
            .map(|l| l.trim_end_matches(['|', ' ']).rsplit('`').nth(1).unwrap())
            .collect();
        let names: Vec<&str> = samples.iter().map(|(_, c)| c.name()).collect();
        assert_eq!(documented, names);
        for (e, code) in samples {
            let msg = e.to_string();
            let f = FfiError::from(e);
            assert_eq!(f.code, code, "{msg}");
            assert_eq!(f.message, msg);
        }
    }
}
