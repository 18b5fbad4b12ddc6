//! C ABI of touchpoint. Every export is a thin conversion layer over `touchpoint-core`.
//!
//! This is the minimal library of the core issue (version query); the full API (events,
//! journeys, attribution, graphs, error codes) arrives with the C issue.

#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use std::ffi::c_char;

/// NUL-terminated version string, e.g. `"0.1.0"`.
static VERSION_CSTR: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library version as a static NUL-terminated UTF-8 string.
///
/// @return a pointer to a static string; never NULL, never to be freed. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn touchpoint_version() -> *const c_char {
    VERSION_CSTR.as_ptr().cast()
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
