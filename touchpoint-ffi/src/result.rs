//! Result codes and the thread-local last error message.

use std::cell::RefCell;
use std::ffi::c_char;

/// Status code returned by every fallible function. Numbers are stable and never reused.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_result {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullParameter = 1,
    /// An argument is out of its range or unknown (e.g. an unknown model name).
    InvalidArgument = 2,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 3,
    /// A CSV header lacks a column or repeats one.
    Schema = 4,
    /// A value in the input is invalid (the message names field, row and value).
    InvalidValue = 5,
    /// The input has no rows.
    EmptyInput = 6,
    /// A file could not be read, or a CSV is malformed.
    Io = 7,
    /// The model cannot run on this data (the message says what to use instead).
    ModelNotApplicable = 8,
    /// The caller's buffer is too small; `*out_n` holds the size needed.
    BufferTooSmall = 9,
    /// An index is out of range.
    OutOfRange = 10,
    /// An iterative solve did not converge.
    NoConvergence = 11,
    /// The operation is not possible on this object (e.g. pushing rows to events read from CSV).
    InvalidState = 12,
    /// A bug: the library panicked. The process is intact; please report the message.
    Panic = 99,
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
}

impl From<touchpoint_core::Error> for FfiError {
    fn from(e: touchpoint_core::Error) -> Self {
        use touchpoint_core::Error as E;
        let code = match &e {
            E::EmptyInput { .. } => touchpoint_result::EmptyInput,
            E::MissingColumn { .. } | E::DuplicateColumn { .. } => touchpoint_result::Schema,
            E::InvalidValue { .. } | E::LengthMismatch { .. } => touchpoint_result::InvalidValue,
            E::UnknownTouchpoint { .. } | E::InvalidOption { .. } => touchpoint_result::InvalidArgument,
            E::NoConversions { .. } | E::ModelNotApplicable { .. } => touchpoint_result::ModelNotApplicable,
            E::NoConvergence { .. } => touchpoint_result::NoConvergence,
            E::Csv(_) | E::Io { .. } | E::Json(_) => touchpoint_result::Io,
            _ => touchpoint_result::InvalidArgument,
        };
        FfiError::new(code, e.to_string())
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

/// A static, NUL-terminated name of a result code (`"TOUCHPOINT_RESULT_OK"`, ...); never NULL,
/// never to be freed. Unknown numbers give `"TOUCHPOINT_RESULT_UNKNOWN"`.
///
/// @param code a value returned by any touchpoint function
/// @return a static string
#[unsafe(no_mangle)]
pub extern "C" fn touchpoint_result_str(code: u32) -> *const c_char {
    let s: &'static str = match code {
        0 => "TOUCHPOINT_RESULT_OK\0",
        1 => "TOUCHPOINT_RESULT_NULL_PARAMETER\0",
        2 => "TOUCHPOINT_RESULT_INVALID_ARGUMENT\0",
        3 => "TOUCHPOINT_RESULT_INVALID_UTF8\0",
        4 => "TOUCHPOINT_RESULT_SCHEMA\0",
        5 => "TOUCHPOINT_RESULT_INVALID_VALUE\0",
        6 => "TOUCHPOINT_RESULT_EMPTY_INPUT\0",
        7 => "TOUCHPOINT_RESULT_IO\0",
        8 => "TOUCHPOINT_RESULT_MODEL_NOT_APPLICABLE\0",
        9 => "TOUCHPOINT_RESULT_BUFFER_TOO_SMALL\0",
        10 => "TOUCHPOINT_RESULT_OUT_OF_RANGE\0",
        11 => "TOUCHPOINT_RESULT_NO_CONVERGENCE\0",
        12 => "TOUCHPOINT_RESULT_INVALID_STATE\0",
        99 => "TOUCHPOINT_RESULT_PANIC\0",
        _ => "TOUCHPOINT_RESULT_UNKNOWN\0",
    };
    s.as_ptr().cast()
}
