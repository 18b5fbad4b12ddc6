//! C ABI of touchpoint: `libtouchpoint.so` / `libtouchpoint.a` with `include/touchpoint.h`.
//!
//! Every export is a thin conversion layer over `touchpoint-core`: it checks its arguments,
//! converts C data to Rust, calls the core, and converts the outcome back. One file per
//! concept, each export in an `impl` block beside its type (as rustls-ffi does); every name is
//! `touchpoint_<type>_<what>`.
//!
//! # Conventions
//! - **Errors.** Every fallible function returns a [`touchpoint_result`]; `TOUCHPOINT_RESULT_OK`
//!   is 0. The detail of the last failure on the calling thread (naming the argument or field,
//!   row and value) comes from [`touchpoint_last_error_message`]; [`touchpoint_result_str`]
//!   names a code. A core error becomes a code by its kind (the table in [`result`]).
//! - **Ownership.** Handles are opaque and created only by the library. A constructor writes the
//!   handle to `T **out` only on success; the caller then owns it and releases it with the
//!   matching `touchpoint_T_free` exactly once. `touchpoint_T_free(NULL)` is a no-op. Strings
//!   from `*_string` functions are freed with [`touchpoint_string_free`].
//! - **Out-parameters** are written only on success (the one exception is the `out_n` of a text
//!   or byte output, which receives the size needed when the buffer is too small: pass `buf`
//!   NULL to ask for the size). Byte outputs (saved models, `*_to_bytes`) add no NUL.
//! - **Inputs** are borrowed for the call only; the library copies what it keeps. Strings are
//!   UTF-8 with an explicit byte length, not NUL-terminated; invalid UTF-8 is
//!   `TOUCHPOINT_RESULT_INVALID_UTF8`. Lists of strings (funnel steps, one segment label per
//!   event row) are arrays of NUL-terminated UTF-8 strings with a count (`const char *const *`,
//!   `size_t`). NULL arguments are reported (`TOUCHPOINT_RESULT_NULL_PARAMETER`), never
//!   dereferenced.
//! - **Enums and flags** the caller writes (struct fields and parameters) are `uint32_t` codes
//!   of the header's enums and `uint8_t` flags of 0 or 1: any other value is
//!   `TOUCHPOINT_RESULT_INVALID_ARGUMENT` naming the field, never undefined behaviour.
//! - **JSON outputs** are the core's structs and rows serialised: their keys are the Rust field
//!   names and the Python column names. Durations are integers of milliseconds, timestamps
//!   integers of milliseconds since the epoch (UTC); missing values are `null` (in row structs:
//!   NaN for a rate, -1 for a count or a duration).
//! - **Panics** never cross the boundary: a bug surfaces as `TOUCHPOINT_RESULT_PANIC` with a
//!   message.
//! - **Threads.** Handles may be shared between threads for reading (`const T *`); functions
//!   that take `T *` (pushing rows, adding paths) need exclusive access. Error messages are per
//!   thread.

#![warn(missing_docs)]
#![allow(non_camel_case_types)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod ffi;
mod json;
mod panic;
pub mod result;

pub mod attribution;
pub mod budget;
pub mod crm;
pub mod events;
pub mod experience;
pub mod graph;
pub mod journeymap;
pub mod journeys;
pub mod optimize;
pub mod partial;
pub mod paths;
pub mod progress;
pub mod segments;

use std::ffi::{CString, c_char};

use ffi::text;
pub use result::{touchpoint_result, touchpoint_result_str};

/// NUL-terminated version string, e.g. `"0.1.0"`.
static VERSION_CSTR: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library version as a static NUL-terminated UTF-8 string (the same as the
/// `TOUCHPOINT_VERSION` macro of the header it was built with).
///
/// @return a pointer to a static string; never NULL, never to be freed. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn touchpoint_version() -> *const c_char {
    VERSION_CSTR.as_ptr().cast()
}

/// Copy the message of the last failure on this thread into `buf`.
///
/// @param buf where to write the NUL-terminated message (may be NULL to query the size)
/// @param len capacity of `buf` in bytes
/// @param out_n receives the message length in bytes, without the NUL
/// @return OK; BUFFER_TOO_SMALL (with `*out_n` = size needed minus 1) when `buf` is NULL or too
///         small; NULL_PARAMETER when `out_n` is NULL. An empty message means the last call
///         succeeded. This function does not change the last error. Thread-safe (per thread).
///
/// # Safety
/// `buf` must be NULL or point to `len` writable bytes; `out_n` must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_last_error_message(
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    let msg = result::with_last_error(str::to_owned);
    // deliberately outside `boundary`: reading the message must not clear it
    let write = || text!(msg, buf, len, out_n);
    write().map_or_else(|e| e.code, |()| touchpoint_result::Ok)
}

/// Free a string the library allocated (`*_string` functions). NULL is a no-op.
///
/// # Safety
/// `s` must be NULL or a string from this library, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: `s` came from `CString::into_raw` (`give_str!`) and the caller frees it once.
        drop(unsafe { CString::from_raw(s) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_matches_cargo() {
        // SAFETY: touchpoint_version returns a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(touchpoint_version()) };
        assert_eq!(v.to_str().unwrap(), touchpoint_core::VERSION);
    }
}
