//! Events: `touchpoint_event_table`, built row by row or read from CSV (core
//! [`EventTable`]).

use std::borrow::Cow;
use std::ffi::c_char;

use touchpoint_core::{
    Catalog, ConversionSpec, Event, EventCsvOptions, EventTable, EventTableBuilder, TimeFormat, TimeUnit,
};

use crate::ffi::{
    free_box, give, give_str, out, try_bool, try_enum, try_mut, try_opt_ref, try_opt_str, try_opt_str_list, try_ref,
    try_str,
};
use crate::panic::boundary;
use crate::result::{FfiError, touchpoint_result};

enum Inner {
    Builder(EventTableBuilder),
    Table(EventTable),
}

/// Interaction events: built row by row (`touchpoint_event_table_push`) or read from CSV
/// (`touchpoint_event_table_read_csv`, read-only).
pub struct touchpoint_event_table {
    inner: Inner,
    /// Touchpoint attributes applied to a builder's tables as they are taken (a builder has no
    /// catalog of its own to change; a table read from CSV gets them at once).
    attrs: Option<Catalog>,
}

impl touchpoint_event_table {
    /// The events as a core table (a snapshot of a builder, with the attributes applied).
    pub(crate) fn table(&self) -> Result<Cow<'_, EventTable>, FfiError> {
        Ok(match &self.inner {
            Inner::Builder(b) => {
                let mut t = b.snapshot()?;
                if let Some(attrs) = &self.attrs {
                    t.catalog_mut().apply_attrs(attrs);
                }
                Cow::Owned(t)
            }
            Inner::Table(t) => Cow::Borrowed(t),
        })
    }
}

/// Unit of epoch-number timestamps (`touchpoint_event_csv_options.time_unit`); the values are
/// the core's `TimeUnit` codes.
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

/// How to read an events CSV (see `touchpoint_event_csv_options_default`). Column names are
/// UTF-8 with a length; a NULL name (length 0) keeps the default.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_event_csv_options {
    /// Customer key column (default `customer_id`).
    pub customer: *const c_char,
    /// Length of `customer`.
    pub customer_len: usize,
    /// Touchpoint column (default `touchpoint`).
    pub touchpoint: *const c_char,
    /// Length of `touchpoint`.
    pub touchpoint_len: usize,
    /// Time column (default `timestamp`): epoch numbers in `time_unit` or ISO 8601.
    pub time: *const c_char,
    /// Length of `time`.
    pub time_len: usize,
    /// Conversion flag column (default `converted`: 1/0, true/false, yes/no); unused when
    /// `conversion_label` is set.
    pub conversion: *const c_char,
    /// Length of `conversion`.
    pub conversion_len: usize,
    /// Value column (default: `value` when the header has it).
    pub value: *const c_char,
    /// Length of `value`.
    pub value_len: usize,
    /// Feedback score column (default: `feedback` when the header has it).
    pub feedback: *const c_char,
    /// Length of `feedback`.
    pub feedback_len: usize,
    /// Instead of a flag column: rows whose touchpoint equals this label (e.g. `purchase`) are
    /// conversions (it wins over `conversion`). NULL (default): conversions come from the
    /// `conversion` column.
    pub conversion_label: *const c_char,
    /// Length of `conversion_label`.
    pub conversion_label_len: usize,
    /// Unit of epoch-number times: a `touchpoint_time_unit` value (checked).
    pub time_unit: u32,
    /// Field delimiter, one ASCII character other than a newline or `"` (0 for `,`).
    pub delimiter: u8,
}

impl touchpoint_event_csv_options {
    /// The core options these stand for.
    fn to_core(self) -> Result<EventCsvOptions, FfiError> {
        let mut o = EventCsvOptions::default();
        if let Some(s) = try_opt_str!(self.customer, self.customer_len, "options.customer") {
            o.customer = s.into();
        }
        if let Some(s) = try_opt_str!(self.touchpoint, self.touchpoint_len, "options.touchpoint") {
            o.touchpoint = s.into();
        }
        if let Some(s) = try_opt_str!(self.time, self.time_len, "options.time") {
            o.time = s.into();
        }
        let flag = try_opt_str!(self.conversion, self.conversion_len, "options.conversion").map(String::from);
        let label = try_opt_str!(self.conversion_label, self.conversion_label_len, "options.conversion_label");
        if flag.is_some() || label.is_some() {
            o.conversion = ConversionSpec::from_options(flag, label.map(String::from));
        }
        o.value = try_opt_str!(self.value, self.value_len, "options.value").map(Into::into);
        o.feedback = try_opt_str!(self.feedback, self.feedback_len, "options.feedback").map(Into::into);
        o.time_format = TimeFormat::Auto(try_enum!(TimeUnit, self.time_unit, "options.time_unit"));
        if self.delimiter != 0 {
            o.delimiter = delimiter(self.delimiter)?;
        }
        Ok(o)
    }

    /// Default column names (`customer_id`, `touchpoint`, `timestamp`, `converted`, `value` and
    /// `feedback` when present), conversions from the flag column, milliseconds, comma.
    ///
    /// @return the defaults. Thread-safe.
    #[unsafe(no_mangle)]
    pub extern "C" fn touchpoint_event_csv_options_default() -> touchpoint_event_csv_options {
        let none = std::ptr::null();
        touchpoint_event_csv_options {
            customer: none,
            customer_len: 0,
            touchpoint: none,
            touchpoint_len: 0,
            time: none,
            time_len: 0,
            conversion: none,
            conversion_len: 0,
            value: none,
            value_len: 0,
            feedback: none,
            feedback_len: 0,
            conversion_label: none,
            conversion_label_len: 0,
            time_unit: touchpoint_time_unit::Milliseconds as u32,
            delimiter: 0,
        }
    }
}

/// A delimiter byte, checked as the core checks one (one ASCII character, no newline or quote).
pub(crate) fn delimiter(d: u8) -> Result<u8, FfiError> {
    Ok(touchpoint_core::parse_delimiter(&char::from(d).to_string())?)
}

impl touchpoint_event_table {
    /// Create an empty event table to push rows into.
    ///
    /// @param out receives the new handle (free with `touchpoint_event_table_free`)
    /// @return OK or NULL_PARAMETER. Thread-safe.
    ///
    /// # Safety
    /// `out` must be NULL or valid for writing.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_event_table_new(out: *mut *mut touchpoint_event_table) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_event_table { inner: Inner::Builder(EventTable::builder()), attrs: None }))
    }

    /// Append one event.
    ///
    /// @param events the table (exclusive access during the call)
    /// @param customer, customer_len customer key (UTF-8, non-empty)
    /// @param touchpoint, touchpoint_len touchpoint name; NULL with length 0 for a pure conversion
    ///        (a purchase with no touchpoint), which must have `converted` set
    /// @param time_ms epoch milliseconds
    /// @param converted 1 when the customer converted at this event, 0 when not (a byte, checked:
    ///        `true`/`false` from C; other values from foreign callers are INVALID_ARGUMENT)
    /// @param value conversion value (finite, >= 0; ignored when not converted)
    /// @param feedback score 0–10 (NPS) or 1–5 (CSAT); NaN for none
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (`converted` not 0 or 1);
    ///         INVALID_VALUE (the message names the field and row); INVALID_STATE for events
    ///         read from CSV (read-only)
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths; `events` not used by another thread
    /// during the call.
    #[unsafe(no_mangle)]
    #[allow(clippy::too_many_arguments)]
    pub unsafe extern "C" fn touchpoint_event_table_push(
        events: *mut touchpoint_event_table,
        customer: *const c_char,
        customer_len: usize,
        touchpoint: *const c_char,
        touchpoint_len: usize,
        time_ms: i64,
        converted: u8,
        value: f64,
        feedback: f64,
    ) -> touchpoint_result {
        boundary(|| {
            let ev = try_mut!(events);
            let converted = try_bool!(converted, "converted");
            let customer = try_str!(customer, customer_len);
            let touchpoint = try_opt_str!(touchpoint, touchpoint_len);
            let Inner::Builder(b) = &mut ev.inner else {
                return Err(FfiError::new(touchpoint_result::InvalidState, "events read from CSV are read-only"));
            };
            let feedback = (!feedback.is_nan()).then_some(feedback as f32);
            b.push(Event { customer, touchpoint, time: time_ms, converted, value, feedback })?;
            Ok(())
        })
    }

    /// Read an events CSV file.
    ///
    /// @param path, path_len the file path (UTF-8)
    /// @param options column names and formats; NULL for the defaults
    /// @param out receives the new handle (read-only events; free with
    ///        `touchpoint_event_table_free`)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (`time_unit` or `delimiter`
    ///         out of range); IO (file or malformed CSV); SCHEMA
    ///         (missing or duplicate column); INVALID_VALUE (names line, column and value);
    ///         EMPTY_INPUT. Thread-safe.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths; `options`' string pointers likewise.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_event_table_read_csv(
        path: *const c_char,
        path_len: usize,
        options: *const touchpoint_event_csv_options,
        out: *mut *mut touchpoint_event_table,
    ) -> touchpoint_result {
        boundary(|| {
            let path = try_str!(path, path_len);
            let o = try_opt_ref!(options)
                .copied()
                .unwrap_or_else(|| touchpoint_event_csv_options::touchpoint_event_csv_options_default());
            let table = EventTable::read_csv_path(path, &o.to_core()?)?;
            give!(out, touchpoint_event_table { inner: Inner::Table(table), attrs: None })
        })
    }

    /// Attach touchpoint attributes from a JSON catalog: an array of objects `{"name", "channel",
    /// "stage", "cost", "direct", "paid"}` (only `name` is required; `channel` is one of
    /// `online`, `offline`, `service`, `cross_channel`, `stage` one of `awareness`,
    /// `first_interaction`, `purchase`, `after_sales`). Each named touchpoint gets exactly these
    /// attributes (replacing earlier ones); names not in the data are added to the catalog.
    /// Stages are what the stage funnel (`touchpoint_funnel_build` with no steps) and the
    /// `stage:<stage>` steps read; journeys built afterwards carry the attributes too (costs,
    /// direct touchpoints). Rows pushed later are covered as well.
    ///
    /// @param events the table (exclusive access during the call)
    /// @param json, json_len the catalog JSON (UTF-8)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_VALUE (JSON that does not parse, an
    ///         unknown channel or stage, an empty or repeated name, a negative cost; the message
    ///         says which). Nothing is changed on error.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths; `events` not used by another thread
    /// during the call.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_event_table_apply_catalog_json(
        events: *mut touchpoint_event_table,
        json: *const c_char,
        json_len: usize,
    ) -> touchpoint_result {
        boundary(|| {
            let ev = try_mut!(events);
            let catalog = Catalog::from_json(try_str!(json, json_len))?;
            match &mut ev.inner {
                Inner::Table(t) => t.catalog_mut().apply_attrs(&catalog),
                Inner::Builder(_) => ev.attrs.get_or_insert_with(Catalog::new).apply_attrs(&catalog),
            }
            Ok(())
        })
    }

    /// Number of events.
    ///
    /// @param events the table
    /// @param out receives the count
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `events` and `out` must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_event_table_len(
        events: *const touchpoint_event_table,
        out: *mut usize,
    ) -> touchpoint_result {
        boundary(|| {
            let ev = try_ref!(events);
            out!(
                out,
                match &ev.inner {
                    Inner::Builder(b) => b.len(),
                    Inner::Table(t) => t.len(),
                }
            )
        })
    }

    /// New events in which the rows of the named touchpoints (a `purchase` event in a
    /// clickstream, say) are conversions: each becomes a pure conversion row (no touchpoint,
    /// converted, its value kept) and the names leave the catalog, so they take no credit. Rows
    /// already flagged as converting stay so. The CSV reader's `conversion_label` does the same
    /// for one name while reading.
    ///
    /// @param events the events (read-only)
    /// @param names, n_names the touchpoint names (NUL-terminated UTF-8; at least one)
    /// @param out receives the new handle (read-only events; free with
    ///        `touchpoint_event_table_free`)
    /// @param out_converted receives how many rows became conversions; may be NULL
    /// @return OK; NULL_PARAMETER; INVALID_UTF8 (names the element); INVALID_ARGUMENT (no
    ///         names, or a name that is not a touchpoint of the events: the message suggests the
    ///         closest one and lists the known ones). Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid; `names` holds `n_names` pointers.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_event_table_with_conversion_events(
        events: *const touchpoint_event_table,
        names: *const *const c_char,
        n_names: usize,
        out: *mut *mut touchpoint_event_table,
        out_converted: *mut usize,
    ) -> touchpoint_result {
        boundary(|| {
            let ev = try_ref!(events);
            let list = try_opt_str_list!(names, n_names, "names").unwrap_or_default();
            if list.is_empty() {
                return Err(FfiError::new(
                    touchpoint_result::InvalidArgument,
                    "names: pass at least one touchpoint name",
                ));
            }
            let mut names: Vec<&str> = Vec::with_capacity(list.len());
            for (i, n) in list.into_iter().enumerate() {
                names.push(
                    n.ok_or_else(|| FfiError::new(touchpoint_result::NullParameter, format!("names[{i}] is NULL")))?,
                );
            }
            let (table, n) = ev.table()?.into_owned().with_conversion_events(&names)?;
            if !out_converted.is_null() {
                // SAFETY: non-NULL and valid by the contract above.
                unsafe { *out_converted = n };
            }
            give!(out, touchpoint_event_table { inner: Inner::Table(table), attrs: None })
        })
    }

    /// Warnings about the events worth a look before trusting an attribution, as a JSON array
    /// of strings (empty: none). Today: a touchpoint that looks like the conversion itself
    /// (every row of it converts, or it is named like `purchase`/`order`/`checkout` and most of
    /// its rows convert); `touchpoint_event_table_with_conversion_events` fixes that.
    ///
    /// @param events the events
    /// @param out receives the JSON (free with `touchpoint_string_free`)
    /// @return OK; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_event_table_notes_json(
        events: *const touchpoint_event_table,
        out: *mut *mut c_char,
    ) -> touchpoint_result {
        boundary(|| {
            let notes = try_ref!(events).table()?.notes();
            give_str!(out, crate::json::value(&notes)?)
        })
    }

    /// The text report of the events (what `make demo` prints for the demo data): the
    /// dataset, its journeys and everything left out, the stage funnel and repurchase cohorts
    /// (when the catalog has stages and there are conversions), the experience (when there are
    /// feedback scores), the journey graph of Markov order `order`, attribution by model and
    /// where to act.
    ///
    /// @param events the events (read-only)
    /// @param options journey options; NULL for the defaults
    /// @param order Markov order of the graph section (1 to 6)
    /// @param out receives the text (free with `touchpoint_string_free`)
    /// @return OK; NULL_PARAMETER; INVALID_ARGUMENT (a bad option, or `order` outside 1 to 6);
    ///         EMPTY_INPUT. Events in which nothing converts still give a report: its attribution
    ///         section says there is nothing to attribute. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_report_text(
        events: *const touchpoint_event_table,
        options: *const crate::journeys::touchpoint_journey_options,
        order: usize,
        out: *mut *mut c_char,
    ) -> touchpoint_result {
        boundary(|| {
            let ev = try_ref!(events);
            let o = try_opt_ref!(options)
                .copied()
                .unwrap_or_else(|| crate::journeys::touchpoint_journey_options::touchpoint_journey_options_default());
            let table = ev.table()?;
            give_str!(out, touchpoint_core::report::text_report(&table, &o.to_core_in("options")?, order)?)
        })
    }

    /// Free events. NULL is a no-op.
    ///
    /// # Safety
    /// `events` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_event_table_free(events: *mut touchpoint_event_table) {
        free_box!(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::assert_same_codes;

    #[test]
    fn time_unit_codes_are_the_core_codes() {
        assert_same_codes!(touchpoint_time_unit, TimeUnit { Milliseconds, Seconds, Microseconds, Nanoseconds });
    }
}
