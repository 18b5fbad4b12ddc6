//! C ABI of touchpoint: `libtouchpoint.so` / `libtouchpoint.a` with `include/touchpoint.h`.
//!
//! Every export is a thin conversion layer over `touchpoint-core`: it checks its arguments,
//! converts C data to Rust, calls the core, and converts the outcome back.
//!
//! # Conventions
//! - Every fallible function returns a [`touchpoint_result`]; `TOUCHPOINT_RESULT_OK` is 0.
//!   The detail of the last failure on the calling thread comes from
//!   [`touchpoint_last_error_message`]; [`touchpoint_result_str`] names a code.
//! - Handles are opaque and created only by the library. A constructor writes the handle to
//!   `T **out` only on success; the caller then owns it and releases it with the matching
//!   `touchpoint_T_free` exactly once. `touchpoint_T_free(NULL)` is a no-op.
//! - Out-parameters are written only on success (the one exception is the `out_n` of a text
//!   output, which receives the size needed when the buffer is too small).
//! - Strings are UTF-8 with an explicit byte length, not NUL-terminated; invalid UTF-8 is
//!   `TOUCHPOINT_RESULT_INVALID_UTF8`. NULL arguments are reported
//!   (`TOUCHPOINT_RESULT_NULL_PARAMETER`), never dereferenced.
//! - Inputs are borrowed for the call only; the library copies what it keeps.
//! - No panic crosses the boundary: a bug surfaces as `TOUCHPOINT_RESULT_PANIC` with a message.
//! - Threads: handles may be shared between threads for reading (`const T *`); functions that
//!   take `T *` (pushing rows, adding paths) need exclusive access. Error messages are per thread.

#![warn(missing_docs)]
#![allow(non_camel_case_types)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod handle;
mod panic;
mod result;

use std::ffi::{CString, c_char};

use touchpoint_core::attribution::{
    self, AttributionModel, AttributionOptions, Credits, MarkovAllocation, ModelParams, ShapleyMethod, ValueBasis,
};
use touchpoint_core::{
    ConversionSpec, Data, Event, EventCsvOptions, EventTable, EventTableBuilder, JourneyGraph, JourneyOptions,
    JourneyReport, JourneySet, PathCsvOptions, PathTable, TimeFormat, TimeUnit,
};

use handle::{free, give, give_str, try_mut, try_opt_str, try_ref, try_str, write_str};
use panic::boundary;
pub use result::touchpoint_result;
use result::{FfiError, with_last_error};

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
///         succeeded. This function does not change the last error.
///
/// # Safety
/// `buf` must be NULL or point to `len` writable bytes; `out_n` must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_last_error_message(
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    let msg = with_last_error(|m| m.to_owned());
    // deliberately outside `boundary`: reading the message must not clear it
    // SAFETY: the caller's guarantees are forwarded.
    match unsafe { write_str(&msg, buf, len, out_n) } {
        Ok(()) => touchpoint_result::Ok,
        Err(e) => e.code,
    }
}

/// Name of a result code as a static string, e.g. `"TOUCHPOINT_RESULT_OK"`.
pub use result::touchpoint_result_str;

/// Free a string the library allocated (`*_string` functions). NULL is a no-op.
///
/// # Safety
/// `s` must be NULL or a string from this library, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: s came from CString::into_raw and is freed once.
        drop(unsafe { CString::from_raw(s) });
    }
}

// ---------------------------------------------------------------------------------------------
// Events

enum EventsInner {
    Builder(EventTableBuilder),
    Table(EventTable),
}

/// Interaction events: built row by row ([`touchpoint_events_push`]) or read from CSV.
pub struct touchpoint_events {
    inner: EventsInner,
}

impl touchpoint_events {
    fn table(&self) -> Result<std::borrow::Cow<'_, EventTable>, FfiError> {
        Ok(match &self.inner {
            EventsInner::Builder(b) => std::borrow::Cow::Owned(b.snapshot()?),
            EventsInner::Table(t) => std::borrow::Cow::Borrowed(t),
        })
    }
}

/// Create an empty event table to push rows into.
///
/// @param out receives the new handle (free with `touchpoint_events_free`)
/// @return OK or NULL_PARAMETER
///
/// # Safety
/// `out` must be NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_events_new(out: *mut *mut touchpoint_events) -> touchpoint_result {
    // SAFETY: forwarded.
    boundary(|| unsafe { give(touchpoint_events { inner: EventsInner::Builder(EventTable::builder()) }, out) })
}

/// Append one event.
///
/// @param events the table (exclusive access during the call)
/// @param customer, customer_len customer key (UTF-8, non-empty)
/// @param touchpoint, touchpoint_len touchpoint name; NULL with length 0 for a pure conversion
///        (a purchase with no touchpoint), which must have `converted` set
/// @param time_ms epoch milliseconds
/// @param converted true when the customer converted at this event
/// @param value conversion value (finite, >= 0; ignored when not converted)
/// @param feedback score 0–10 (NPS) or 1–5 (CSAT); NaN for none
/// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_VALUE (the message names the field and row);
///         INVALID_STATE for events read from CSV (read-only)
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn touchpoint_events_push(
    events: *mut touchpoint_events,
    customer: *const c_char,
    customer_len: usize,
    touchpoint: *const c_char,
    touchpoint_len: usize,
    time_ms: i64,
    converted: bool,
    value: f64,
    feedback: f64,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: the caller's guarantees are forwarded.
        let ev = unsafe { try_mut(events, "events") }?;
        // SAFETY: as above.
        let customer = unsafe { try_str(customer, customer_len, "customer") }?;
        // SAFETY: as above.
        let touchpoint = unsafe { try_opt_str(touchpoint, touchpoint_len, "touchpoint") }?;
        let EventsInner::Builder(b) = &mut ev.inner else {
            return Err(FfiError::new(touchpoint_result::InvalidState, "events read from CSV are read-only"));
        };
        let feedback = (!feedback.is_nan()).then_some(feedback as f32);
        b.push(Event { customer, touchpoint, time: time_ms, converted, value, feedback })?;
        Ok(())
    })
}

/// Column names of an events CSV. A NULL pointer keeps the default name.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_events_csv_columns {
    /// Customer key column (default `customer_id`).
    pub customer: *const c_char,
    /// Length of `customer`.
    pub customer_len: usize,
    /// Touchpoint column (default `touchpoint`).
    pub touchpoint: *const c_char,
    /// Length of `touchpoint`.
    pub touchpoint_len: usize,
    /// Timestamp column (default `timestamp`): epoch numbers in `time_unit` or ISO 8601.
    pub timestamp: *const c_char,
    /// Length of `timestamp`.
    pub timestamp_len: usize,
    /// Conversion flag column (default `converted`).
    pub converted: *const c_char,
    /// Length of `converted`.
    pub converted_len: usize,
    /// Value column (default: `value` when present).
    pub value: *const c_char,
    /// Length of `value`.
    pub value_len: usize,
    /// Unit of epoch-number timestamps.
    pub time_unit: touchpoint_time_unit,
    /// Field delimiter (0 for `,`).
    pub delimiter: u8,
}

/// Unit of epoch-number timestamps.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_time_unit {
    /// Milliseconds.
    Milliseconds = 0,
    /// Seconds.
    Seconds = 1,
    /// Microseconds.
    Microseconds = 2,
    /// Nanoseconds.
    Nanoseconds = 3,
}

/// Default column names (`customer_id`, `touchpoint`, `timestamp`, `converted`, `value`),
/// milliseconds, comma.
#[unsafe(no_mangle)]
pub extern "C" fn touchpoint_events_csv_columns_default() -> touchpoint_events_csv_columns {
    touchpoint_events_csv_columns {
        customer: std::ptr::null(),
        customer_len: 0,
        touchpoint: std::ptr::null(),
        touchpoint_len: 0,
        timestamp: std::ptr::null(),
        timestamp_len: 0,
        converted: std::ptr::null(),
        converted_len: 0,
        value: std::ptr::null(),
        value_len: 0,
        time_unit: touchpoint_time_unit::Milliseconds,
        delimiter: 0,
    }
}

/// Read an events CSV file.
///
/// @param path, path_len the file path (UTF-8)
/// @param columns column names and formats; NULL for the defaults
/// @param out receives the new handle (read-only events)
/// @return OK; NULL_PARAMETER; INVALID_UTF8; IO (file or malformed CSV); SCHEMA (missing or
///         duplicate column); INVALID_VALUE (names line, column and value); EMPTY_INPUT
///
/// # Safety
/// Pointers must be NULL or valid for their lengths; `columns`' string pointers likewise.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_events_read_csv(
    path: *const c_char,
    path_len: usize,
    columns: *const touchpoint_events_csv_columns,
    out: *mut *mut touchpoint_events,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let path = unsafe { try_str(path, path_len, "path") }?;
        let cols = match unsafe { columns.as_ref() } {
            Some(c) => *c,
            None => touchpoint_events_csv_columns_default(),
        };
        let mut o = EventCsvOptions::default();
        // SAFETY: forwarded; each name is NULL or valid for its length.
        unsafe {
            if let Some(s) = try_opt_str(cols.customer, cols.customer_len, "columns.customer")? {
                o.customer = s.into();
            }
            if let Some(s) = try_opt_str(cols.touchpoint, cols.touchpoint_len, "columns.touchpoint")? {
                o.touchpoint = s.into();
            }
            if let Some(s) = try_opt_str(cols.timestamp, cols.timestamp_len, "columns.timestamp")? {
                o.time = s.into();
            }
            if let Some(s) = try_opt_str(cols.converted, cols.converted_len, "columns.converted")? {
                o.conversion = ConversionSpec::Flag(s.into());
            }
            if let Some(s) = try_opt_str(cols.value, cols.value_len, "columns.value")? {
                o.value = Some(s.into());
            }
        }
        o.time_format = TimeFormat::Auto(match cols.time_unit {
            touchpoint_time_unit::Milliseconds => TimeUnit::Milliseconds,
            touchpoint_time_unit::Seconds => TimeUnit::Seconds,
            touchpoint_time_unit::Microseconds => TimeUnit::Microseconds,
            touchpoint_time_unit::Nanoseconds => TimeUnit::Nanoseconds,
        });
        if cols.delimiter != 0 {
            o.delimiter = cols.delimiter;
        }
        let table = EventTable::read_csv_path(path, &o)?;
        // SAFETY: forwarded.
        unsafe { give(touchpoint_events { inner: EventsInner::Table(table) }, out) }
    })
}

/// Number of events.
///
/// @return OK or NULL_PARAMETER
///
/// # Safety
/// `events` and `out` must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_events_len(events: *const touchpoint_events, out: *mut usize) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let ev = unsafe { try_ref(events, "events") }?;
        let n = match &ev.inner {
            EventsInner::Builder(b) => b.len(),
            EventsInner::Table(t) => t.len(),
        };
        // SAFETY: forwarded.
        *unsafe { try_mut(out, "out") }? = n;
        Ok(())
    })
}

/// Free events. NULL is a no-op.
///
/// # Safety
/// `events` must be NULL or a handle from this library, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_events_free(events: *mut touchpoint_events) {
    // SAFETY: forwarded.
    unsafe { free(events) }
}

// ---------------------------------------------------------------------------------------------
// Journeys

/// How events are cut into journeys (see `touchpoint_journey_options_default`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_journey_options {
    /// Drop touches older than this before their conversion (ms); negative: no window.
    pub lookback_ms: i64,
    /// Close a journey when two touches are further apart (ms); 0 or negative: never.
    pub inactivity_timeout_ms: i64,
    /// Count consecutive touches of the same touchpoint once.
    pub collapse_repeats: bool,
    /// Keep only the most recent `max_touches` touches; 0: keep all.
    pub max_touches: u32,
    /// Split journeys at each conversion (default). When false, a customer's touches up to the
    /// last conversion form one converting journey whose value sums its conversions.
    pub split_at_conversions: bool,
}

/// The defaults: no lookback window, no timeout, repeats kept, all touches kept, a journey
/// per conversion.
#[unsafe(no_mangle)]
pub extern "C" fn touchpoint_journey_options_default() -> touchpoint_journey_options {
    touchpoint_journey_options {
        lookback_ms: -1,
        inactivity_timeout_ms: 0,
        collapse_repeats: false,
        max_touches: 0,
        split_at_conversions: true,
    }
}

/// What the journey build kept and left out (every touch and conversion is accounted for).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct touchpoint_journey_report {
    /// Event rows read.
    pub events_in: usize,
    /// Rows that are touches.
    pub touches_in: usize,
    /// Rows that are conversions.
    pub conversions_in: usize,
    /// Distinct customers.
    pub customers: usize,
    /// Touches kept in journeys.
    pub touches_kept: usize,
    /// Journeys ending in a conversion.
    pub journeys_converting: usize,
    /// Journeys without a conversion.
    pub journeys_non_converting: usize,
    /// Touches older than the lookback window.
    pub touches_outside_lookback: usize,
    /// Touches merged by collapse_repeats.
    pub touches_collapsed: usize,
    /// Touches dropped by max_touches.
    pub touches_truncated: usize,
    /// Journeys cut by the inactivity timeout.
    pub inactivity_splits: usize,
    /// Conversions with no touch left to credit.
    pub conversions_without_touches: usize,
    /// Value of those conversions.
    pub value_without_touches: f64,
    /// Conversions folded into one journey when `split_at_conversions` is false.
    pub conversions_merged: usize,
}

impl From<&JourneyReport> for touchpoint_journey_report {
    fn from(r: &JourneyReport) -> Self {
        Self {
            events_in: r.events_in,
            touches_in: r.touches_in,
            conversions_in: r.conversions_in,
            customers: r.customers,
            touches_kept: r.touches_kept,
            journeys_converting: r.journeys_converting,
            journeys_non_converting: r.journeys_non_converting,
            touches_outside_lookback: r.touches_outside_lookback,
            touches_collapsed: r.touches_collapsed,
            touches_truncated: r.touches_truncated,
            inactivity_splits: r.inactivity_splits,
            conversions_without_touches: r.conversions_without_touches,
            value_without_touches: r.value_without_touches,
            conversions_merged: r.conversions_merged,
        }
    }
}

/// Customer journeys built from events.
pub struct touchpoint_journeys {
    inner: JourneySet,
    report: JourneyReport,
}

/// Build journeys from events.
///
/// @param events the events (read-only)
/// @param options journey options; NULL for the defaults
/// @param out receives the new handle (free with `touchpoint_journeys_free`)
/// @return OK; NULL_PARAMETER; EMPTY_INPUT; INVALID_ARGUMENT (an option out of range)
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_journeys_build(
    events: *const touchpoint_events,
    options: *const touchpoint_journey_options,
    out: *mut *mut touchpoint_journeys,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let ev = unsafe { try_ref(events, "events") }?;
        // SAFETY: forwarded.
        let o = unsafe { options.as_ref() }.copied().unwrap_or_else(|| touchpoint_journey_options_default());
        let opts = JourneyOptions {
            lookback_ms: (o.lookback_ms >= 0).then_some(o.lookback_ms),
            inactivity_timeout_ms: (o.inactivity_timeout_ms > 0).then_some(o.inactivity_timeout_ms),
            collapse_repeats: o.collapse_repeats,
            max_touches: (o.max_touches > 0).then_some(o.max_touches as usize),
            merge_conversions: !o.split_at_conversions,
        };
        let table = ev.table()?;
        let (inner, report) = JourneySet::build(&table, &opts)?;
        // SAFETY: forwarded.
        unsafe { give(touchpoint_journeys { inner, report }, out) }
    })
}

/// Merge two journey sets built from disjoint sets of customers into a new one (touchpoints
/// matched by name): the same journeys as building from all the customers' events. The build
/// reports are added.
///
/// @param out receives the new handle (free with `touchpoint_journeys_free`)
/// @return OK or NULL_PARAMETER
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_journeys_merge(
    a: *const touchpoint_journeys,
    b: *const touchpoint_journeys,
    out: *mut *mut touchpoint_journeys,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let a = unsafe { try_ref(a, "a") }?;
        // SAFETY: forwarded.
        let b = unsafe { try_ref(b, "b") }?;
        let mut report = a.report.clone();
        report.merge_from(&b.report);
        // SAFETY: forwarded.
        unsafe { give(touchpoint_journeys { inner: a.inner.merge(&b.inner), report }, out) }
    })
}

/// The build report of journeys.
///
/// @return OK or NULL_PARAMETER
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_journeys_report(
    journeys: *const touchpoint_journeys,
    out: *mut touchpoint_journey_report,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let j = unsafe { try_ref(journeys, "journeys") }?;
        // SAFETY: forwarded.
        *unsafe { try_mut(out, "out") }? = (&j.report).into();
        Ok(())
    })
}

/// Free journeys. NULL is a no-op.
///
/// # Safety
/// `journeys` must be NULL or a handle from this library, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_journeys_free(journeys: *mut touchpoint_journeys) {
    // SAFETY: forwarded.
    unsafe { free(journeys) }
}

// ---------------------------------------------------------------------------------------------
// Path tables

/// A path table: distinct paths with conversions, nulls and value.
pub struct touchpoint_paths {
    inner: PathTable,
}

/// Create an empty path table.
///
/// # Safety
/// `out` must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_paths_new(out: *mut *mut touchpoint_paths) -> touchpoint_result {
    // SAFETY: forwarded.
    boundary(|| unsafe { give(touchpoint_paths { inner: PathTable::default() }, out) })
}

/// Add a path like `"search > email > store"` (tokens trimmed, empty tokens dropped); identical
/// paths are merged.
///
/// @param paths the table (exclusive access during the call)
/// @param path, path_len the path text
/// @param separator, separator_len the separator (e.g. `">"`)
/// @param conversions, nulls, value finite and >= 0
/// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_VALUE (empty path, negative count, NaN)
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_paths_add(
    paths: *mut touchpoint_paths,
    path: *const c_char,
    path_len: usize,
    separator: *const c_char,
    separator_len: usize,
    conversions: f64,
    nulls: f64,
    value: f64,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let p = unsafe { try_mut(paths, "paths") }?;
        // SAFETY: forwarded.
        let path = unsafe { try_str(path, path_len, "path") }?;
        // SAFETY: forwarded.
        let sep = unsafe { try_str(separator, separator_len, "separator") }?;
        if sep.is_empty() {
            return Err(FfiError::new(touchpoint_result::InvalidArgument, "`separator` is empty"));
        }
        p.inner.add_path_str(path, sep, conversions, nulls, value)?;
        Ok(())
    })
}

/// Read a path CSV (`path,total_conversions,total_conversion_value,total_null`).
///
/// @param file, file_len the file path
/// @param separator, separator_len separator between touchpoints in a path (e.g. `">"`)
/// @param out receives the new handle
/// @return OK; NULL_PARAMETER; INVALID_UTF8; IO; SCHEMA; INVALID_VALUE (names line, column,
///         value); EMPTY_INPUT
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_paths_read_csv(
    file: *const c_char,
    file_len: usize,
    separator: *const c_char,
    separator_len: usize,
    out: *mut *mut touchpoint_paths,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let file = unsafe { try_str(file, file_len, "file") }?;
        // SAFETY: forwarded.
        let sep = unsafe { try_str(separator, separator_len, "separator") }?;
        let o = PathCsvOptions { separator: sep.into(), ..Default::default() };
        let inner = PathTable::read_csv_path(file, &o)?;
        // SAFETY: forwarded.
        unsafe { give(touchpoint_paths { inner }, out) }
    })
}

/// Aggregate journeys into a path table.
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_paths_from_journeys(
    journeys: *const touchpoint_journeys,
    out: *mut *mut touchpoint_paths,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let j = unsafe { try_ref(journeys, "journeys") }?;
        // SAFETY: forwarded.
        unsafe { give(touchpoint_paths { inner: PathTable::from_journeys(&j.inner) }, out) }
    })
}

/// Merge two path tables into a new one: touchpoints matched by name, repeated paths summed.
/// Merging tables built from disjoint customers equals building one from all of them.
///
/// @param out receives the new handle (free with `touchpoint_paths_free`)
/// @return OK or NULL_PARAMETER
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_paths_merge(
    a: *const touchpoint_paths,
    b: *const touchpoint_paths,
    out: *mut *mut touchpoint_paths,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let a = unsafe { try_ref(a, "a") }?;
        // SAFETY: forwarded.
        let b = unsafe { try_ref(b, "b") }?;
        // SAFETY: forwarded.
        unsafe { give(touchpoint_paths { inner: a.inner.merge(&b.inner) }, out) }
    })
}

/// Write a path table as CSV in the form `touchpoint_paths_read_csv` reads
/// (`path,total_conversions,total_conversion_value,total_null`).
///
/// @param file, file_len the file path (created or truncated)
/// @param separator, separator_len separator written between touchpoints (e.g. `">"`)
/// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (empty or blank separator); IO
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_paths_write_csv(
    paths: *const touchpoint_paths,
    file: *const c_char,
    file_len: usize,
    separator: *const c_char,
    separator_len: usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let p = unsafe { try_ref(paths, "paths") }?;
        // SAFETY: forwarded.
        let file = unsafe { try_str(file, file_len, "file") }?;
        // SAFETY: forwarded.
        let sep = unsafe { try_str(separator, separator_len, "separator") }?;
        if sep.trim().is_empty() {
            return Err(FfiError::new(touchpoint_result::InvalidArgument, "`separator` is empty"));
        }
        let f =
            std::fs::File::create(file).map_err(|e| touchpoint_core::Error::Io { path: file.to_owned(), source: e })?;
        p.inner.write_csv(std::io::BufWriter::new(f), sep)?;
        Ok(())
    })
}

/// Enums the C side passes as integers: reading an out-of-range value as a Rust enum would be
/// undefined behaviour, so values are decoded and checked.
trait CEnum: Sized + Copy + 'static {
    /// Every variant.
    const ALL: &'static [Self];
    /// The C type name, for messages.
    const NAME: &'static str;
    fn raw(self) -> u32;

    /// The variant numbered `v`, or INVALID_ARGUMENT naming the argument `arg`.
    fn decode(v: u32, arg: &str) -> Result<Self, FfiError> {
        Self::ALL.iter().copied().find(|e| e.raw() == v).ok_or_else(|| {
            FfiError::new(
                touchpoint_result::InvalidArgument,
                format!("`{arg}` = {v}: expected a {} (0 to {})", Self::NAME, Self::ALL.len() - 1),
            )
        })
    }
}

macro_rules! c_enum {
    ($t:ident { $($v:ident),+ $(,)? }) => {
        impl CEnum for $t {
            const ALL: &'static [Self] = &[$($t::$v),+];
            const NAME: &'static str = stringify!($t);
            fn raw(self) -> u32 {
                self as u32
            }
        }
    };
}

c_enum!(touchpoint_path_rank { Journeys, Conversions, Value });
c_enum!(touchpoint_curve_kind { Hill, Power, Log, Piecewise });
c_enum!(touchpoint_objective_kind { Budget, MarginalRoi, TargetRoi });
c_enum!(touchpoint_solver { Auto, DynamicProgramming, WaterFilling, Greedy });

/// How `touchpoint_paths_top_json` ranks paths.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_path_rank {
    /// Most journeys (conversions + nulls).
    Journeys = 0,
    /// Most conversions.
    Conversions = 1,
    /// Most conversion value.
    Value = 2,
}

/// The `k` top paths as a JSON array of `{"path", "length", "journeys", "conversions", "value",
/// "conversion_rate", "share"}`, plus a final `"(other N paths)"` row for the rest, so the rows
/// sum to the table's totals.
///
/// @param by a `touchpoint_path_rank` value (passed as an integer and checked)
/// @param buf, len, out_n as `touchpoint_result_set_to_json`
/// @return OK; NULL_PARAMETER; INVALID_ARGUMENT (unknown `by`); BUFFER_TOO_SMALL
///
/// # Safety
/// Pointers must be NULL or valid; `buf` valid for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_paths_top_json(
    paths: *const touchpoint_paths,
    k: usize,
    by: u32,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let p = unsafe { try_ref(paths, "paths") }?;
        let rank = match touchpoint_path_rank::decode(by, "by")? {
            touchpoint_path_rank::Journeys => touchpoint_core::paths::PathRank::Journeys,
            touchpoint_path_rank::Conversions => touchpoint_core::paths::PathRank::Conversions,
            touchpoint_path_rank::Value => touchpoint_core::paths::PathRank::Value,
        };
        let rows = p.inner.top_paths(k, rank);
        // SAFETY: forwarded.
        unsafe { write_str(&graph_json(&rows), buf, len, out_n) }
    })
}

/// Step-by-step Sankey diagram data of the paths (`{"nodes": [...], "links": [...]}`): the
/// `top_k` touchpoints of each of the first `max_steps` steps, the rest as "other", and every
/// path's outcome, so the outcome links sum to the journeys.
///
/// @return OK; NULL_PARAMETER; INVALID_ARGUMENT (max_steps = 0); BUFFER_TOO_SMALL
///
/// # Safety
/// As `touchpoint_paths_top_json`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_paths_sankey_json(
    paths: *const touchpoint_paths,
    max_steps: usize,
    top_k: usize,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let p = unsafe { try_ref(paths, "paths") }?;
        let s = p.inner.sankey(max_steps, top_k)?;
        // SAFETY: forwarded.
        unsafe { write_str(&graph_json(&s), buf, len, out_n) }
    })
}

/// Number of distinct paths.
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_paths_len(paths: *const touchpoint_paths, out: *mut usize) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let p = unsafe { try_ref(paths, "paths") }?;
        // SAFETY: forwarded.
        *unsafe { try_mut(out, "out") }? = p.inner.len();
        Ok(())
    })
}

/// Free a path table. NULL is a no-op.
///
/// # Safety
/// `paths` must be NULL or a handle from this library, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_paths_free(paths: *mut touchpoint_paths) {
    // SAFETY: forwarded.
    unsafe { free(paths) }
}

// ---------------------------------------------------------------------------------------------
// Attribution

/// Markov credit allocation.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_allocation {
    /// share of removal effect × total conversions (default).
    Global = 0,
    /// within each converting journey, by removal effect.
    PerJourney = 1,
}

/// What Markov value credit follows.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_value_basis {
    /// the conversion shares (default).
    ConversionShare = 0,
    /// the value removal effects.
    ValueRemovalEffect = 1,
}

/// Parameters of the models (see `touchpoint_model_params_default`). Each model reads the
/// fields it needs and ignores the rest.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_model_params {
    /// Markov order (1–16).
    pub order: u32,
    /// Time-decay half-life in days (> 0).
    pub half_life_days: f64,
    /// Use `weight_first/middle/last` for position models (required by `custom`).
    pub use_weights: bool,
    /// First-touch weight.
    pub weight_first: f64,
    /// Total weight of the middle touches.
    pub weight_middle: f64,
    /// Last-touch weight.
    pub weight_last: f64,
    /// Markov allocation.
    pub allocation: touchpoint_allocation,
    /// Markov value basis.
    pub value_basis: touchpoint_value_basis,
    /// Conversion-rate Shapley: 0 = exact up to 24 touchpoints, sampled beyond; > 0 = always
    /// sample this many permutations.
    pub shapley_samples: u32,
    /// Seed of Shapley sampling.
    pub shapley_seed: u64,
    /// Keep only the most recent touches of each journey; 0 = all.
    pub max_touches: u32,
}

/// Defaults: order 1, 7-day half-life, U-shaped weights unused, global allocation, value by
/// conversion share, exact Shapley, all touches.
#[unsafe(no_mangle)]
pub extern "C" fn touchpoint_model_params_default() -> touchpoint_model_params {
    touchpoint_model_params {
        order: 1,
        half_life_days: 7.0,
        use_weights: false,
        weight_first: 0.4,
        weight_middle: 0.2,
        weight_last: 0.4,
        allocation: touchpoint_allocation::Global,
        value_basis: touchpoint_value_basis::ConversionShare,
        shapley_samples: 0,
        shapley_seed: 0,
        max_touches: 0,
    }
}

/// Attribution results of one or more models.
pub struct touchpoint_result_set {
    credits: Vec<Credits>,
    /// NUL-terminated touchpoint names per model and row, borrowed by `touchpoint_credit`.
    names: Vec<Vec<CString>>,
}

/// One touchpoint's credit under one model. Absent quantities are NaN.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_credit {
    /// Touchpoint name, NUL-terminated UTF-8, owned by the result set (valid until it is freed).
    pub touchpoint: *const c_char,
    /// Length of `touchpoint` in bytes (without the NUL).
    pub touchpoint_len: usize,
    /// Credited conversions (raw scores for non-efficient models).
    pub conversions: f64,
    /// Credited value.
    pub value: f64,
    /// Share of the credited conversions.
    pub share: f64,
    /// Markov removal effect on conversions (NaN for other models).
    pub removal_effect: f64,
    /// Markov removal effect on value (NaN for other models).
    pub removal_effect_value: f64,
    /// Standard error of sampled Shapley (NaN otherwise).
    pub std_error: f64,
    /// Weighted touches of this touchpoint in the data.
    pub touches: f64,
    /// Cost (NaN without a catalog cost).
    pub cost: f64,
    /// Cost per credited conversion (NaN when undefined).
    pub cpa: f64,
    /// Credited value / cost (NaN when undefined).
    pub roas: f64,
}

/// Totals of one model's result.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_totals {
    /// Weighted journeys.
    pub journeys: f64,
    /// Conversions in the data.
    pub conversions: f64,
    /// Conversion value in the data.
    pub value: f64,
    /// Credits sum to the totals (false for participation, Shao–Li, conversion-rate Shapley).
    pub efficient: bool,
}

fn models_from(
    names: &str,
    p: &touchpoint_model_params,
) -> Result<(Vec<AttributionModel>, AttributionOptions), FfiError> {
    let params = ModelParams {
        order: Some(p.order as usize),
        half_life_ms: Some((p.half_life_days * touchpoint_core::DAY_MS as f64).round() as i64),
        weights: p.use_weights.then_some((p.weight_first, p.weight_middle, p.weight_last)),
        allocation: Some(match p.allocation {
            touchpoint_allocation::Global => MarkovAllocation::Global,
            touchpoint_allocation::PerJourney => MarkovAllocation::PerJourney,
        }),
        value_basis: Some(match p.value_basis {
            touchpoint_value_basis::ConversionShare => ValueBasis::ConversionShare,
            touchpoint_value_basis::ValueRemovalEffect => ValueBasis::ValueRemovalEffect,
        }),
        shapley_method: Some(match p.shapley_samples {
            0 => ShapleyMethod::Auto,
            n => ShapleyMethod::Sampled { samples: n as usize, seed: p.shapley_seed },
        }),
    };
    if !(p.half_life_days.is_finite() && p.half_life_days > 0.0) {
        return Err(FfiError::new(
            touchpoint_result::InvalidArgument,
            format!("`half_life_days` = {} must be finite and > 0", p.half_life_days),
        ));
    }
    let models = names
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|n| AttributionModel::from_name(n, &params))
        .collect::<Result<Vec<_>, _>>()?;
    if models.is_empty() {
        return Err(FfiError::new(touchpoint_result::InvalidArgument, "`models` names no model"));
    }
    let opts =
        AttributionOptions { max_touches: (p.max_touches > 0).then_some(p.max_touches as usize), per_journey: false };
    Ok((models, opts))
}

fn result_set(credits: Vec<Credits>) -> Result<touchpoint_result_set, FfiError> {
    let names = credits
        .iter()
        .map(|c| c.rows.iter().map(|r| CString::new(r.name.as_str())).collect::<Result<Vec<_>, _>>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| FfiError::new(touchpoint_result::InvalidValue, "a touchpoint name contains a NUL byte"))?;
    Ok(touchpoint_result_set { credits, names })
}

unsafe fn attribute_any(
    data: Data<'_>,
    models: *const c_char,
    models_len: usize,
    params: *const touchpoint_model_params,
    out: *mut *mut touchpoint_result_set,
) -> Result<(), FfiError> {
    // SAFETY: forwarded.
    let names = unsafe { try_str(models, models_len, "models") }?;
    // SAFETY: forwarded.
    let p = unsafe { params.as_ref() }.copied().unwrap_or_else(|| touchpoint_model_params_default());
    let (models, opts) = models_from(names, &p)?;
    let credits = attribution::compare(data, &models, &opts)?;
    // SAFETY: forwarded.
    unsafe { give(result_set(credits)?, out) }
}

/// Attribute the conversions of journeys with one or more models.
///
/// @param journeys the journeys
/// @param models, models_len comma-separated model names: `first`, `last`, `last_non_direct`,
///        `linear`, `position`, `j_shaped`, `inverse_j`, `custom`, `time_decay`, `participation`,
///        `markov`, `shapley`, `ordered_shapley`, `shapley_rate`, `shao_li`
/// @param params model parameters; NULL for the defaults
/// @param out receives the result set (free with `touchpoint_result_set_free`)
/// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (unknown model, bad parameter);
///         MODEL_NOT_APPLICABLE (no conversions, too many touchpoints for exact Shapley, ...)
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_attribute_journeys(
    journeys: *const touchpoint_journeys,
    models: *const c_char,
    models_len: usize,
    params: *const touchpoint_model_params,
    out: *mut *mut touchpoint_result_set,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let j = unsafe { try_ref(journeys, "journeys") }?;
        // SAFETY: forwarded.
        unsafe { attribute_any(Data::Journeys(&j.inner), models, models_len, params, out) }
    })
}

/// Attribute the conversions of a path table (every model but `time_decay`, which needs times).
///
/// Parameters and errors as `touchpoint_attribute_journeys`.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_attribute_paths(
    paths: *const touchpoint_paths,
    models: *const c_char,
    models_len: usize,
    params: *const touchpoint_model_params,
    out: *mut *mut touchpoint_result_set,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let p = unsafe { try_ref(paths, "paths") }?;
        // SAFETY: forwarded.
        unsafe { attribute_any(Data::Paths(&p.inner), models, models_len, params, out) }
    })
}

fn model_at(rs: &touchpoint_result_set, model: usize) -> Result<&Credits, FfiError> {
    rs.credits.get(model).ok_or_else(|| {
        FfiError::new(touchpoint_result::OutOfRange, format!("model index {model} >= {} models", rs.credits.len()))
    })
}

/// Number of models in a result set.
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_result_set_models(
    rs: *const touchpoint_result_set,
    out: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let rs = unsafe { try_ref(rs, "rs") }?;
        // SAFETY: forwarded.
        *unsafe { try_mut(out, "out") }? = rs.credits.len();
        Ok(())
    })
}

/// Name of model `model` with its parameters, e.g. `markov(order=2, allocation=global, ...)`.
///
/// @return OK; BUFFER_TOO_SMALL (`*out_n` = length needed); OUT_OF_RANGE; NULL_PARAMETER
///
/// # Safety
/// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_result_set_model_name(
    rs: *const touchpoint_result_set,
    model: usize,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let rs = unsafe { try_ref(rs, "rs") }?;
        let c = model_at(rs, model)?;
        let mut name = c.model.clone();
        if !c.parameters.is_empty() {
            let p: Vec<String> = c.parameters.iter().map(|(k, v)| format!("{k}={v}")).collect();
            name = format!("{name}({})", p.join(", "));
        }
        // SAFETY: forwarded.
        unsafe { write_str(&name, buf, len, out_n) }
    })
}

/// Number of rows (touchpoints) of model `model`.
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_result_set_rows(
    rs: *const touchpoint_result_set,
    model: usize,
    out: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let rs = unsafe { try_ref(rs, "rs") }?;
        let n = model_at(rs, model)?.rows.len();
        // SAFETY: forwarded.
        *unsafe { try_mut(out, "out") }? = n;
        Ok(())
    })
}

/// Row `row` of model `model`. The name pointer stays valid until the result set is freed.
///
/// @return OK; OUT_OF_RANGE; NULL_PARAMETER
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_result_set_row(
    rs: *const touchpoint_result_set,
    model: usize,
    row: usize,
    out: *mut touchpoint_credit,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let rs = unsafe { try_ref(rs, "rs") }?;
        let c = model_at(rs, model)?;
        let r = c.rows.get(row).ok_or_else(|| {
            FfiError::new(touchpoint_result::OutOfRange, format!("row index {row} >= {} rows", c.rows.len()))
        })?;
        let name = &rs.names[model][row];
        let nan = |x: Option<f64>| x.unwrap_or(f64::NAN);
        // SAFETY: forwarded.
        *unsafe { try_mut(out, "out") }? = touchpoint_credit {
            touchpoint: name.as_ptr(),
            touchpoint_len: r.name.len(),
            conversions: r.conversions,
            value: r.value,
            share: r.share,
            removal_effect: nan(r.removal_effect),
            removal_effect_value: nan(r.removal_effect_value),
            std_error: nan(r.std_error),
            touches: r.touches,
            cost: nan(r.cost),
            cpa: nan(r.cpa),
            roas: nan(r.roas),
        };
        Ok(())
    })
}

/// Totals of model `model`.
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_result_set_totals(
    rs: *const touchpoint_result_set,
    model: usize,
    out: *mut touchpoint_totals,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let rs = unsafe { try_ref(rs, "rs") }?;
        let c = model_at(rs, model)?;
        // SAFETY: forwarded.
        *unsafe { try_mut(out, "out") }? = touchpoint_totals {
            journeys: c.journeys,
            conversions: c.total_conversions,
            value: c.total_value,
            efficient: c.efficient,
        };
        Ok(())
    })
}

fn result_set_json(rs: &touchpoint_result_set) -> String {
    let v: Vec<serde_json::Value> =
        rs.credits.iter().map(|c| serde_json::from_str(&c.to_json()).unwrap_or(serde_json::Value::Null)).collect();
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// The whole result set as JSON (an array with one object per model) into a caller buffer.
/// Call with `buf` NULL to learn the size: BUFFER_TOO_SMALL and `*out_n` = bytes needed
/// without the NUL.
///
/// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER
///
/// # Safety
/// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_result_set_to_json(
    rs: *const touchpoint_result_set,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let rs = unsafe { try_ref(rs, "rs") }?;
        // SAFETY: forwarded.
        unsafe { write_str(&result_set_json(rs), buf, len, out_n) }
    })
}

/// The whole result set as a library-owned JSON string (free with `touchpoint_string_free`).
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_result_set_to_json_string(
    rs: *const touchpoint_result_set,
    out: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let rs = unsafe { try_ref(rs, "rs") }?;
        // SAFETY: forwarded.
        unsafe { give_str(result_set_json(rs), out) }
    })
}

/// Free a result set. NULL is a no-op. Name pointers from `touchpoint_result_set_row` die with it.
///
/// # Safety
/// `rs` must be NULL or a handle from this library, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_result_set_free(rs: *mut touchpoint_result_set) {
    // SAFETY: forwarded.
    unsafe { free(rs) }
}

// ---------------------------------------------------------------------------------------------
// Journey graph

/// A journey graph (Markov chain of order k) with its exact analysis.
pub struct touchpoint_graph {
    inner: JourneyGraph,
}

/// Build the order-`order` journey graph of journeys (with dwell times).
///
/// @return OK; NULL_PARAMETER; INVALID_ARGUMENT (order outside 1–16); EMPTY_INPUT
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_graph_from_journeys(
    journeys: *const touchpoint_journeys,
    order: u32,
    out: *mut *mut touchpoint_graph,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let j = unsafe { try_ref(journeys, "journeys") }?;
        let inner = JourneyGraph::from_journeys(&j.inner, order as usize)?;
        // SAFETY: forwarded.
        unsafe { give(touchpoint_graph { inner }, out) }
    })
}

/// Build the directly-follows graph of journeys: order 1 with consecutive repeats kept as
/// self-loops (what process-mining tools count), with dwell times.
///
/// @return OK; NULL_PARAMETER; EMPTY_INPUT
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_graph_directly_follows(
    journeys: *const touchpoint_journeys,
    out: *mut *mut touchpoint_graph,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let j = unsafe { try_ref(journeys, "journeys") }?;
        let inner = JourneyGraph::directly_follows(Data::Journeys(&j.inner), None)?;
        // SAFETY: forwarded.
        unsafe { give(touchpoint_graph { inner }, out) }
    })
}

/// Build the order-`order` journey graph of a path table (no dwell times).
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_graph_from_paths(
    paths: *const touchpoint_paths,
    order: u32,
    out: *mut *mut touchpoint_graph,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let p = unsafe { try_ref(paths, "paths") }?;
        let inner = JourneyGraph::from_paths(&p.inner, order as usize)?;
        // SAFETY: forwarded.
        unsafe { give(touchpoint_graph { inner }, out) }
    })
}

fn graph_summary(g: &JourneyGraph) -> Result<String, FfiError> {
    let a = g.analyze()?;
    let v = serde_json::json!({
        "order": g.order(),
        "states": g.state_count(),
        "transitions": g.graph().edge_count(),
        "journeys": g.journey_count(),
        "conversions": g.total_conversions(),
        "value": g.total_value(),
        "analysis": a,
    });
    Ok(serde_json::to_string_pretty(&v).unwrap_or_default())
}

/// Summary of the graph as JSON: order, states, transitions, totals, and the exact analysis
/// (P(conversion), expected value, per-node conversion probability, visits, drop-off, expected
/// time to convert, removal effects). Size query as `touchpoint_result_set_to_json`.
///
/// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER; NO_CONVERGENCE
///
/// # Safety
/// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_graph_summary_json(
    graph: *const touchpoint_graph,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let g = unsafe { try_ref(graph, "graph") }?;
        let s = graph_summary(&g.inner)?;
        // SAFETY: forwarded.
        unsafe { write_str(&s, buf, len, out_n) }
    })
}

/// The graph as Graphviz DOT into a caller buffer (size query as above).
///
/// # Safety
/// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_graph_to_dot(
    graph: *const touchpoint_graph,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let g = unsafe { try_ref(graph, "graph") }?;
        // SAFETY: forwarded.
        unsafe { write_str(&g.inner.to_dot(), buf, len, out_n) }
    })
}

/// Exact P(conversion) of a journey in the graph's chain.
///
/// # Safety
/// Pointers must be NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_graph_conversion_probability(
    graph: *const touchpoint_graph,
    out: *mut f64,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let g = unsafe { try_ref(graph, "graph") }?;
        let p = g.inner.conversion_probability()?;
        // SAFETY: forwarded.
        *unsafe { try_mut(out, "out") }? = p;
        Ok(())
    })
}

/// Free a graph. NULL is a no-op.
///
/// # Safety
/// `graph` must be NULL or a handle from this library, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_graph_free(graph: *mut touchpoint_graph) {
    // SAFETY: forwarded.
    unsafe { free(graph) }
}

// ---------------------------------------------------------------------------------------------
// Optimisation

fn graph_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn partial_of(partial: &str) -> Vec<&str> {
    touchpoint_core::paths::split_path(partial, ">").collect()
}

/// Which drop-off to fix first: the exact gain in P(conversion), extra conversions and extra
/// value if the drop-off after each touchpoint (`by_state` false: exact re-solves) or each
/// state (`by_state` true: rank-one closed form) were cut by `fraction` (0–1), ranked, as JSON.
///
/// @return OK; BUFFER_TOO_SMALL (size query as `touchpoint_result_set_to_json`);
///         INVALID_ARGUMENT (fraction outside 0–1); NULL_PARAMETER
///
/// # Safety
/// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_graph_prioritize_json(
    graph: *const touchpoint_graph,
    fraction: f64,
    by_state: bool,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let g = unsafe { try_ref(graph, "graph") }?;
        let text = if by_state {
            graph_json(&touchpoint_core::optimize::prioritize_states(&g.inner, fraction)?)
        } else {
            graph_json(&touchpoint_core::optimize::prioritize(&g.inner, fraction)?)
        };
        // SAFETY: forwarded.
        unsafe { write_str(&text, buf, len, out_n) }
    })
}

/// An allowed next touchpoint and the cost of one touch.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_candidate {
    /// Touchpoint name (UTF-8, not NUL-terminated).
    pub touchpoint: *const c_char,
    /// Length of `touchpoint`.
    pub touchpoint_len: usize,
    /// Cost of one touch (>= 0).
    pub cost: f64,
}

/// Rank the allowed next touchpoints after the touches `partial` (names separated by `>`,
/// e.g. `"search ad > email"`; empty for a journey that has not started), as JSON with the
/// current state, its conversion probability and one row per candidate. The estimates are
/// associational (what followed for customers who took each step), not causal.
///
/// @return OK; BUFFER_TOO_SMALL; INVALID_ARGUMENT (unknown touchpoint, no candidates);
///         MODEL_NOT_APPLICABLE (state never observed); NULL_PARAMETER; INVALID_UTF8
///
/// # Safety
/// `candidates` must point to `n_candidates` valid structs whose strings are valid for their
/// lengths; `buf` NULL or `len` writable bytes; other pointers NULL or valid.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn touchpoint_graph_next_best_json(
    graph: *const touchpoint_graph,
    partial: *const c_char,
    partial_len: usize,
    candidates: *const touchpoint_candidate,
    n_candidates: usize,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let g = unsafe { try_ref(graph, "graph") }?;
        // SAFETY: forwarded.
        let partial = unsafe { try_opt_str(partial, partial_len, "partial") }?.unwrap_or("");
        if candidates.is_null() {
            return Err(handle::null("candidates"));
        }
        // SAFETY: non-NULL and the caller guarantees n_candidates structs.
        let cs = unsafe { std::slice::from_raw_parts(candidates, n_candidates) };
        let mut list = Vec::with_capacity(cs.len());
        for c in cs {
            // SAFETY: forwarded.
            let name = unsafe { try_str(c.touchpoint, c.touchpoint_len, "candidates[].touchpoint") }?;
            list.push(touchpoint_core::optimize::Candidate::new(name, c.cost));
        }
        let r = touchpoint_core::optimize::next_best(&g.inner, &partial_of(partial), &list)?;
        // SAFETY: forwarded.
        unsafe { write_str(&graph_json(&r), buf, len, out_n) }
    })
}

/// The `k` most probable routes to conversion (at most `max_len` further states) after the
/// touches `partial` (`>`-separated; empty for the start), best first, as JSON.
///
/// # Safety
/// As `touchpoint_graph_next_best_json`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn touchpoint_graph_converting_paths_json(
    graph: *const touchpoint_graph,
    partial: *const c_char,
    partial_len: usize,
    k: usize,
    max_len: usize,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let g = unsafe { try_ref(graph, "graph") }?;
        // SAFETY: forwarded.
        let partial = unsafe { try_opt_str(partial, partial_len, "partial") }?.unwrap_or("");
        let r = touchpoint_core::optimize::converting_paths(&g.inner, &partial_of(partial), k, max_len)?;
        // SAFETY: forwarded.
        unsafe { write_str(&graph_json(&r), buf, len, out_n) }
    })
}

/// The single most probable route from the start to a conversion (A* on `−log p`), as JSON
/// `{"states": [...], "probability": p}`; the JSON text `null` when no journey converts.
///
/// @param buf, len, out_n as `touchpoint_result_set_to_json`
/// @return OK; NULL_PARAMETER; BUFFER_TOO_SMALL
///
/// # Safety
/// As `touchpoint_graph_next_best_json`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_graph_most_probable_path_json(
    graph: *const touchpoint_graph,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let g = unsafe { try_ref(graph, "graph") }?;
        let r = touchpoint_core::optimize::most_probable_converting_path(&g.inner);
        // SAFETY: forwarded.
        unsafe { write_str(&graph_json(&r), buf, len, out_n) }
    })
}

/// Marginal sensitivity of P(conversion) to every transition probability, `∂P/∂Q(from→to) =
/// v_from · b_to` (expected visits of `from` times P(conversion) from `to`), as a JSON array of
/// `{"from": label, "to": label, "sensitivity": x}` in edge order.
///
/// @param buf, len, out_n as `touchpoint_result_set_to_json`
/// @return OK; NULL_PARAMETER; NO_CONVERGENCE (the linear solves); BUFFER_TOO_SMALL
///
/// # Safety
/// As `touchpoint_graph_next_best_json`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_graph_sensitivities_json(
    graph: *const touchpoint_graph,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let g = unsafe { try_ref(graph, "graph") }?;
        let label = |i: usize| g.inner.graph()[touchpoint_core::graph::NodeIndex::new(i)].label.clone();
        let rows: Vec<serde_json::Value> = g
            .inner
            .sensitivities()?
            .into_iter()
            .map(|(a, b, x)| serde_json::json!({"from": label(a), "to": label(b), "sensitivity": x}))
            .collect();
        // SAFETY: forwarded.
        unsafe { write_str(&graph_json(&rows), buf, len, out_n) }
    })
}

/// Shape of a response curve.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_curve_kind {
    /// `p1·x^p2 / (x^p2 + p3^p2)`: p1 = beta (saturation), p2 = alpha (shape), p3 = gamma.
    Hill = 0,
    /// `p1·x^p2`.
    Power = 1,
    /// `p1·ln(1 + x/p2)`.
    Log = 2,
    /// Linear through `points` (x0, y0, x1, y1, ...).
    Piecewise = 3,
}

/// One touchpoint's response curve and bounds.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_curve {
    /// Name (UTF-8, not NUL-terminated).
    pub name: *const c_char,
    /// Length of `name`.
    pub name_len: usize,
    /// Shape: a `touchpoint_curve_kind` value (an integer, checked by the library).
    pub kind: u32,
    /// First parameter (see the kind).
    pub p1: f64,
    /// Second parameter.
    pub p2: f64,
    /// Third parameter.
    pub p3: f64,
    /// Piecewise points as x0, y0, x1, y1, ... (NULL for other kinds).
    pub points: *const f64,
    /// Number of (x, y) pairs in `points`.
    pub n_points: usize,
    /// Minimum spend.
    pub lower: f64,
    /// Maximum spend; NaN for none.
    pub upper: f64,
    /// Fixed spend; NaN for none.
    pub locked: f64,
}

/// What the budget plan optimises.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_objective_kind {
    /// Spend exactly `budget` (when bounds allow).
    Budget = 0,
    /// Spend where the marginal ROI is at least `roi`, up to `budget`.
    MarginalRoi = 1,
    /// The largest total (up to `budget`) whose overall ROI is at least `roi`.
    TargetRoi = 2,
}

/// Budget objective.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_budget_objective {
    /// Which objective: a `touchpoint_objective_kind` value (an integer, checked by the library).
    pub kind: u32,
    /// Budget, or the spending cap for the ROI objectives.
    pub budget: f64,
    /// Value of one unit of response (ROI objectives).
    pub value_per_response: f64,
    /// Minimum marginal ROI or target overall ROI.
    pub roi: f64,
}

/// Budget solver.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_solver {
    /// Water-filling when every curve is concave and the objective is a budget, else DP.
    Auto = 0,
    /// Dynamic programming on the spend grid (exact on the grid, any shape).
    DynamicProgramming = 1,
    /// Continuous water-filling (concave curves).
    WaterFilling = 2,
    /// Greedy marginal allocation (comparison only).
    Greedy = 3,
}

/// A budget plan (spend and expected response per curve, diagnostics).
pub struct touchpoint_budget_plan {
    inner: touchpoint_core::optimize::Plan,
}

/// Split a budget across response curves.
///
/// @param curves, n_curves the curves
/// @param objective what to optimise
/// @param step spend grid of dynamic programming and greedy
/// @param solver a `touchpoint_solver` value (passed as an integer and checked)
/// @param out receives the plan (free with `touchpoint_budget_plan_free`)
/// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_VALUE (a curve parameter, naming the
///         field and curve index); INVALID_ARGUMENT (budget, step); MODEL_NOT_APPLICABLE
///         (infeasible bounds, water-filling on non-concave curves); EMPTY_INPUT
///
/// # Safety
/// `curves` must point to `n_curves` valid structs (their names and points valid for their
/// lengths); `objective` and `out` NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_allocate_budget(
    curves: *const touchpoint_curve,
    n_curves: usize,
    objective: *const touchpoint_budget_objective,
    step: f64,
    solver: u32,
    out: *mut *mut touchpoint_budget_plan,
) -> touchpoint_result {
    use touchpoint_core::optimize::{Channel, Objective, ResponseCurve, Solver};
    boundary(|| {
        if curves.is_null() {
            return Err(handle::null("curves"));
        }
        // SAFETY: forwarded.
        let obj = unsafe { try_ref(objective, "objective") }?;
        // SAFETY: non-NULL and the caller guarantees n_curves structs.
        let cs = unsafe { std::slice::from_raw_parts(curves, n_curves) };
        let mut channels = Vec::with_capacity(cs.len());
        for c in cs {
            // SAFETY: forwarded.
            let name = unsafe { try_str(c.name, c.name_len, "curves[].name") }?;
            let curve = match touchpoint_curve_kind::decode(c.kind, "curves[].kind")? {
                touchpoint_curve_kind::Hill => ResponseCurve::Hill { beta: c.p1, alpha: c.p2, gamma: c.p3 },
                touchpoint_curve_kind::Power => ResponseCurve::Power { a: c.p1, b: c.p2 },
                touchpoint_curve_kind::Log => ResponseCurve::Log { a: c.p1, b: c.p2 },
                touchpoint_curve_kind::Piecewise => {
                    if c.points.is_null() {
                        return Err(handle::null("curves[].points"));
                    }
                    // SAFETY: non-NULL and the caller guarantees 2·n_points doubles.
                    let p = unsafe { std::slice::from_raw_parts(c.points, 2 * c.n_points) };
                    ResponseCurve::Piecewise { points: p.chunks(2).map(|x| (x[0], x[1])).collect() }
                }
            };
            let opt = |x: f64| (!x.is_nan()).then_some(x);
            channels.push(Channel {
                name: name.to_owned(),
                curve,
                lower: c.lower,
                upper: opt(c.upper),
                locked: opt(c.locked),
            });
        }
        let objective = match touchpoint_objective_kind::decode(obj.kind, "objective.kind")? {
            touchpoint_objective_kind::Budget => Objective::Budget(obj.budget),
            touchpoint_objective_kind::MarginalRoi => Objective::MarginalRoi {
                value_per_response: obj.value_per_response,
                min_marginal_roi: obj.roi,
                max_budget: obj.budget,
            },
            touchpoint_objective_kind::TargetRoi => Objective::TargetRoi {
                value_per_response: obj.value_per_response,
                target_roi: obj.roi,
                max_budget: obj.budget,
            },
        };
        let solver = match touchpoint_solver::decode(solver, "solver")? {
            touchpoint_solver::Auto => Solver::Auto,
            touchpoint_solver::DynamicProgramming => Solver::DynamicProgramming,
            touchpoint_solver::WaterFilling => Solver::WaterFilling,
            touchpoint_solver::Greedy => Solver::Greedy,
        };
        let inner = touchpoint_core::optimize::allocate(&channels, objective, step, solver)?;
        // SAFETY: forwarded.
        unsafe { give(touchpoint_budget_plan { inner }, out) }
    })
}

/// Copy the spend per curve (input order) into `spend` (capacity `len`, at least the number of
/// curves) and the total expected response into `*total_response`.
///
/// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER
///
/// # Safety
/// `spend` must be NULL or hold `len` writable doubles; other pointers NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_budget_plan_spend(
    plan: *const touchpoint_budget_plan,
    spend: *mut f64,
    len: usize,
    total_response: *mut f64,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let p = unsafe { try_ref(plan, "plan") }?;
        // SAFETY: forwarded.
        let total = unsafe { try_mut(total_response, "total_response") }?;
        if spend.is_null() {
            return Err(handle::null("spend"));
        }
        let n = p.inner.spend.len();
        if len < n {
            return Err(FfiError::new(
                touchpoint_result::BufferTooSmall,
                format!("`spend` holds {len} values; {n} are needed"),
            ));
        }
        // SAFETY: spend holds at least n doubles.
        unsafe { std::ptr::copy_nonoverlapping(p.inner.spend.as_ptr(), spend, n) };
        *total = p.inner.total_response;
        Ok(())
    })
}

/// The whole plan as JSON (spend, response, marginal response per curve, totals, method,
/// optimality statement, KKT gap, diagnostics). Size query as `touchpoint_result_set_to_json`.
///
/// # Safety
/// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_budget_plan_to_json(
    plan: *const touchpoint_budget_plan,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: forwarded.
        let p = unsafe { try_ref(plan, "plan") }?;
        // SAFETY: forwarded.
        unsafe { write_str(&graph_json(&p.inner), buf, len, out_n) }
    })
}

/// Free a budget plan. NULL is a no-op.
///
/// # Safety
/// `plan` must be NULL or a handle from this library, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_budget_plan_free(plan: *mut touchpoint_budget_plan) {
    // SAFETY: forwarded.
    unsafe { free(plan) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr::{null, null_mut};

    fn last_error() -> String {
        let mut buf = vec![0 as c_char; 1024];
        let mut n = 0usize;
        let r = unsafe { touchpoint_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) };
        assert_eq!(r, touchpoint_result::Ok);
        let bytes: Vec<u8> = buf[..n].iter().map(|&c| c as u8).collect();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn version_matches_cargo() {
        // SAFETY: touchpoint_version returns a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(touchpoint_version()) };
        assert_eq!(v.to_str().unwrap(), touchpoint_core::VERSION);
    }

    #[test]
    fn null_arguments_are_reported_not_dereferenced() {
        unsafe {
            assert_eq!(touchpoint_events_new(null_mut()), touchpoint_result::NullParameter);
            assert!(last_error().contains("`out`"));
            assert_eq!(
                touchpoint_events_push(null_mut(), c"a".as_ptr(), 1, null(), 0, 0, true, 1.0, f64::NAN),
                touchpoint_result::NullParameter
            );
            assert!(last_error().contains("`events`"));
            let mut out = null_mut();
            assert_eq!(touchpoint_journeys_build(null(), null(), &mut out), touchpoint_result::NullParameter);
            assert!(out.is_null(), "out-parameters are untouched on error");
            let mut n = 0usize;
            assert_eq!(touchpoint_result_set_models(null(), &mut n), touchpoint_result::NullParameter);
            touchpoint_events_free(null_mut());
            touchpoint_journeys_free(null_mut());
            touchpoint_paths_free(null_mut());
            touchpoint_result_set_free(null_mut());
            touchpoint_graph_free(null_mut());
            touchpoint_string_free(null_mut());
        }
    }

    #[test]
    fn invalid_utf8_and_unknown_model() {
        unsafe {
            let mut ev = null_mut();
            assert_eq!(touchpoint_events_new(&mut ev), touchpoint_result::Ok);
            let bad = [0xffu8, 0xfe];
            let r = touchpoint_events_push(ev, bad.as_ptr().cast(), 2, c"x".as_ptr(), 1, 0, false, 0.0, f64::NAN);
            assert_eq!(r, touchpoint_result::InvalidUtf8);
            assert!(last_error().contains("`customer`"));
            assert_eq!(
                touchpoint_events_push(ev, c"c".as_ptr(), 1, c"x".as_ptr(), 1, 0, true, 3.0, f64::NAN),
                touchpoint_result::Ok
            );
            let mut j = null_mut();
            assert_eq!(touchpoint_journeys_build(ev, null(), &mut j), touchpoint_result::Ok);
            let mut rs = null_mut();
            let r = touchpoint_attribute_journeys(j, c"magic".as_ptr(), 5, null(), &mut rs);
            assert_eq!(r, touchpoint_result::InvalidArgument);
            assert!(last_error().contains("magic"));
            assert!(rs.is_null());
            touchpoint_journeys_free(j);
            touchpoint_events_free(ev);
        }
    }

    #[test]
    fn size_query_then_write() {
        unsafe {
            let mut p = null_mut();
            assert_eq!(touchpoint_paths_new(&mut p), touchpoint_result::Ok);
            assert_eq!(
                touchpoint_paths_add(p, c"a > b".as_ptr(), 5, c">".as_ptr(), 1, 1.0, 1.0, 2.0),
                touchpoint_result::Ok
            );
            let mut rs = null_mut();
            assert_eq!(
                touchpoint_attribute_paths(p, c"linear,markov".as_ptr(), 13, null(), &mut rs),
                touchpoint_result::Ok
            );
            let mut n = 0usize;
            assert_eq!(touchpoint_result_set_to_json(rs, null_mut(), 0, &mut n), touchpoint_result::BufferTooSmall);
            let mut buf = vec![0 as c_char; n + 1];
            assert_eq!(touchpoint_result_set_to_json(rs, buf.as_mut_ptr(), buf.len(), &mut n), touchpoint_result::Ok);
            let s = std::ffi::CStr::from_ptr(buf.as_ptr()).to_str().unwrap();
            let v: serde_json::Value = serde_json::from_str(s).unwrap();
            assert_eq!(v.as_array().unwrap().len(), 2);
            touchpoint_result_set_free(rs);
            touchpoint_paths_free(p);
        }
    }
}
