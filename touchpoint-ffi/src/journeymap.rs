//! The journey map of an event table (core [`touchpoint_core::journeymap`]): funnels
//! (`touchpoint_funnel`), the step matrix (`touchpoint_step_matrix`), retention
//! (`touchpoint_retention`) and repurchase (`touchpoint_repurchase`) cohorts, each optionally per
//! segment (core [`Segments`]).
//!
//! Every analysis is built from a `const touchpoint_event_table *` into a new handle, whose rows
//! are read with row getters (`touchpoint_<type>_rows` + `touchpoint_<type>_row`) and whose whole
//! result is JSON (`_to_json`, `_to_json_string`) and, where the core has one, a text table
//! (`_to_text`).
//!
//! Missing values: in the row structs a rate is NaN, a count or a duration is -1; in JSON they
//! are `null`. Durations are integers of milliseconds, timestamps integers of milliseconds since
//! the epoch (UTC), in the structs (`*_ms` fields) and in JSON alike.

use std::ffi::{CString, c_char};
use std::str::FromStr;

use touchpoint_core::EventTable;
use touchpoint_core::journeymap::{
    self, Activity, Alignment, Exclusion, Funnel, FunnelMode, FunnelOptions, FunnelRow, FunnelSummary, FunnelUnit,
    Period, Repurchase, Retention, RetentionMeanRow, RetentionMode, RetentionOptions, RetentionRow, Step, StepMatrix,
    StepMatrixOptions, StepMatrixRow,
};
use touchpoint_core::rows::DurationMs;
use touchpoint_core::segment::Segments;
use touchpoint_core::stats::DurationSummary;

use crate::events::touchpoint_event_table;
use crate::ffi::{
    free_box, give, give_str, null, out, text, try_bool, try_enum, try_opt_ref, try_opt_str, try_opt_str_list, try_ref,
    try_slice, try_str,
};
use crate::journeys::touchpoint_journey_options;
use crate::json;
use crate::panic::boundary;
use crate::result::{FfiError, touchpoint_result};

/// How the steps of a funnel must follow each other (`touchpoint_funnel_options.mode`); the
/// values are the core's `FunnelMode` codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_funnel_mode {
    /// The steps in time order, other events allowed in between (default).
    Ordered = 0,
    /// Each step is the very next event after the previous one.
    Strict = 1,
    /// After the step-1 anchor, the other steps in any order; row `k` counts the units that
    /// completed at least `k` steps.
    AnyOrder = 2,
}

/// What a funnel or a step matrix counts (`touchpoint_funnel_options.unit`,
/// `touchpoint_step_matrix_options.unit`); the values are the core's `FunnelUnit` codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_funnel_unit {
    /// Customers: all of a customer's events form one sequence.
    Customer = 0,
    /// Journeys (built with the options' `journeys`): each journey is a sequence.
    Journey = 1,
}

/// How returns are put into retention periods (`touchpoint_retention_options.alignment`); the
/// values are the core's `Alignment` codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_retention_alignment {
    /// Whole periods since each customer's own start (default).
    Rolling = 0,
    /// Calendar buckets (UTC days, ISO weeks, months) since the start's bucket.
    Calendar = 1,
}

/// Which returns count for retention period `k` (`touchpoint_retention_options.mode`); the
/// values are the core's `RetentionMode` codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_retention_mode {
    /// A return in period `k` exactly (default).
    On = 0,
    /// A return in period `k` or later.
    OnOrAfter = 1,
}

/// A core error about one C field: the code of its kind, the message prefixed with the field.
fn at(field: &str) -> impl FnOnce(touchpoint_core::Error) -> FfiError + '_ {
    move |e| FfiError::from(e).within(field)
}

/// A step written as text: a touchpoint name, `stage:<stage>`, `a | b`, `conversion` or
/// `touchpoint:<name>`.
fn step_of(s: &str, field: &str) -> Result<Step, FfiError> {
    Step::from_str(s).map_err(at(field))
}

/// The segments of an event table from one label per event row (None: no segments).
fn segments_of(table: &EventTable, values: Option<Vec<Option<&str>>>) -> Result<Option<Segments>, FfiError> {
    Ok(values.map(|v| Segments::from_event_values(table, &v)).transpose()?)
}

/// A NUL-terminated copy of a name that a row struct points to.
fn c_string(s: &str) -> Result<CString, FfiError> {
    CString::new(s)
        .map_err(|_| FfiError::new(touchpoint_result::InvalidValue, format!("the name {s:?} contains a NUL byte")))
}

fn opt_c_string(s: &Option<String>) -> Result<Option<CString>, FfiError> {
    s.as_deref().map(c_string).transpose()
}

/// Pointer and length of an optional name (NULL and 0 when absent).
fn opt_ptr(s: &Option<CString>) -> (*const c_char, usize) {
    s.as_ref().map_or((std::ptr::null(), 0), |c| (c.as_ptr(), c.as_bytes().len()))
}

/// Row `i` of `rows`, or OUT_OF_RANGE.
fn row_at<T>(rows: &[T], i: usize) -> Result<&T, FfiError> {
    rows.get(i)
        .ok_or_else(|| FfiError::new(touchpoint_result::OutOfRange, format!("row index {i} >= {} rows", rows.len())))
}

/// A missing rate as NaN.
fn nan(x: Option<f64>) -> f64 {
    x.unwrap_or(f64::NAN)
}

/// A missing duration as -1.
fn ms(x: Option<DurationMs>) -> i64 {
    x.map_or(-1, |d| d.0)
}

/// A missing count as -1.
fn count(x: Option<usize>) -> i64 {
    x.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX))
}

// ---------------------------------------------------------------------------------------------
// Funnels

/// An exclusion step of a funnel: attempts with an event of `step` after step `after` and
/// before step `before` (1-based step numbers, `1 <= after < before <= n_steps`) are void; a
/// unit whose every attempt is void is counted as excluded and in no other number.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_funnel_exclusion {
    /// The excluded event, in the step syntax of `touchpoint_funnel_options.steps` (UTF-8, not
    /// NUL-terminated).
    pub step: *const c_char,
    /// Length of `step`.
    pub step_len: usize,
    /// The step after which the excluded event counts (1-based).
    pub after: usize,
    /// The step before which it counts (1-based).
    pub before: usize,
}

/// Funnel options (see `touchpoint_funnel_options_default`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_funnel_options {
    /// The steps, in order: an array of `n_steps` NUL-terminated UTF-8 strings, each a
    /// touchpoint name, `stage:<stage>` (any touchpoint of that catalog stage), `a | b` (any of
    /// these touchpoints), `conversion`, or `touchpoint:<name>` (a touchpoint literally named
    /// like one of the keywords). NULL with `n_steps` 0 (default): the stage funnel, the
    /// catalog's stages in order with the conversion before after-sales (needs a catalog with
    /// stages, see `touchpoint_event_table_apply_catalog_json`).
    pub steps: *const *const c_char,
    /// Number of steps (at most 64).
    pub n_steps: usize,
    /// A `touchpoint_funnel_mode` value (checked).
    pub mode: u32,
    /// Conversion window from the step-1 event in milliseconds: every later matched step is at
    /// most this long after it. 0: no window. Negative: INVALID_ARGUMENT.
    pub window_ms: i64,
    /// The exclusion steps, an array of `n_exclusions` (NULL when `n_exclusions` is 0).
    pub exclusions: *const touchpoint_funnel_exclusion,
    /// Number of exclusions (at most 64).
    pub n_exclusions: usize,
    /// What is counted: a `touchpoint_funnel_unit` value (checked).
    pub unit: u32,
    /// How journeys are built when `unit` is JOURNEY (checked in any case).
    pub journeys: touchpoint_journey_options,
}

impl touchpoint_funnel_options {
    fn to_core(self) -> Result<FunnelOptions, FfiError> {
        let texts = try_opt_str_list!(self.steps, self.n_steps, "options.steps").unwrap_or_default();
        let mut steps = Vec::with_capacity(texts.len());
        for (i, s) in texts.into_iter().enumerate() {
            let field = format!("options.steps[{i}]");
            steps.push(step_of(s.ok_or_else(|| null(&field))?, &field)?);
        }
        let list: &[touchpoint_funnel_exclusion] = if self.n_exclusions == 0 {
            &[]
        } else {
            try_slice!(self.exclusions, self.n_exclusions, "options.exclusions")
        };
        let mut exclusions = Vec::with_capacity(list.len());
        for (i, e) in list.iter().enumerate() {
            let field = format!("options.exclusions[{i}].step");
            let step = step_of(try_str!(e.step, e.step_len, &field), &field)?;
            exclusions.push(Exclusion { step, after: e.after, before: e.before });
        }
        Ok(FunnelOptions {
            steps,
            mode: try_enum!(FunnelMode, self.mode, "options.mode"),
            // negative windows reach the core, which rejects them naming the window
            window_ms: (self.window_ms != 0).then_some(self.window_ms),
            exclusions,
            unit: try_enum!(FunnelUnit, self.unit, "options.unit"),
            journeys: self.journeys.to_core_in("options.journeys")?,
        })
    }

    /// The defaults: the stage funnel (no steps), ordered, no window, no exclusions, customers,
    /// journeys with `touchpoint_journey_options_default()`.
    ///
    /// @return the defaults. Thread-safe.
    #[unsafe(no_mangle)]
    pub extern "C" fn touchpoint_funnel_options_default() -> touchpoint_funnel_options {
        touchpoint_funnel_options {
            steps: std::ptr::null(),
            n_steps: 0,
            mode: touchpoint_funnel_mode::Ordered as u32,
            window_ms: 0,
            exclusions: std::ptr::null(),
            n_exclusions: 0,
            unit: touchpoint_funnel_unit::Customer as u32,
            journeys: touchpoint_journey_options::touchpoint_journey_options_default(),
        }
    }
}

/// One step of a funnel, of one segment (a core `FunnelRow`). Missing rates are NaN, missing
/// counts and durations -1; durations are in milliseconds.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_funnel_step {
    /// The segment, NUL-terminated UTF-8 owned by the funnel; NULL without segments.
    pub segment: *const c_char,
    /// Length of `segment` in bytes (0 without segments).
    pub segment_len: usize,
    /// Step number, from 1.
    pub step: usize,
    /// The step as text (a touchpoint, `stage:<stage>`, `a | b` or `conversion`), NUL-terminated
    /// UTF-8 owned by the funnel.
    pub name: *const c_char,
    /// Length of `name` in bytes.
    pub name_len: usize,
    /// Units that reached this step (any-order mode: that completed at least `step` steps).
    pub units: usize,
    /// `units` ÷ units at step 1 (NaN when nobody entered).
    pub overall_rate: f64,
    /// Lower bound of the 95 % Wilson interval of `overall_rate` (NaN when nobody entered).
    pub overall_rate_lower: f64,
    /// Upper bound of the 95 % Wilson interval of `overall_rate`.
    pub overall_rate_upper: f64,
    /// `units` ÷ units at the previous step (NaN for step 1).
    pub step_rate: f64,
    /// Lower bound of the 95 % Wilson interval of `step_rate` (NaN for step 1).
    pub step_rate_lower: f64,
    /// Upper bound of the 95 % Wilson interval of `step_rate`.
    pub step_rate_upper: f64,
    /// `units` ÷ all units that were not excluded, entered or not.
    pub reach: f64,
    /// Units at the previous step that did not reach this one (-1 for step 1).
    pub drop_off: i64,
    /// Median time from the previous step (-1 when missing).
    pub time_from_previous_median_ms: i64,
    /// Mean time from the previous step.
    pub time_from_previous_mean_ms: i64,
    /// 25th percentile of the time from the previous step.
    pub time_from_previous_p25_ms: i64,
    /// 75th percentile of the time from the previous step.
    pub time_from_previous_p75_ms: i64,
    /// 90th percentile of the time from the previous step.
    pub time_from_previous_p90_ms: i64,
    /// Median time from step 1.
    pub time_from_first_median_ms: i64,
    /// Mean time from step 1.
    pub time_from_first_mean_ms: i64,
    /// 25th percentile of the time from step 1.
    pub time_from_first_p25_ms: i64,
    /// 75th percentile of the time from step 1.
    pub time_from_first_p75_ms: i64,
    /// 90th percentile of the time from step 1.
    pub time_from_first_p90_ms: i64,
}

/// The units of a funnel, of one segment (a core `FunnelSummary`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_funnel_totals {
    /// The segment, NUL-terminated UTF-8 owned by the funnel; NULL without segments.
    pub segment: *const c_char,
    /// Length of `segment` in bytes (0 without segments).
    pub segment_len: usize,
    /// All units (customers with events, or journeys), excluded ones included.
    pub units: usize,
    /// Units with a step-1 event that were not excluded.
    pub entered: usize,
    /// Units with no step-1 event.
    pub not_entered: usize,
    /// Units whose every attempt was voided by an exclusion step (in no other count).
    pub excluded: usize,
    /// Units that reached the last step.
    pub completed: usize,
    /// `completed` ÷ `entered` (NaN when nobody entered).
    pub conversion_rate: f64,
}

/// A funnel: one row per step (per segment) and one summary per segment.
pub struct touchpoint_funnel {
    inner: Funnel,
    /// Per row: its name and segment, NUL-terminated, borrowed by `touchpoint_funnel_step`.
    row_names: Vec<(CString, Option<CString>)>,
    /// Per summary: its segment.
    summary_names: Vec<Option<CString>>,
}

impl touchpoint_funnel {
    fn new(inner: Funnel) -> Result<Self, FfiError> {
        let row_names = inner
            .rows
            .iter()
            .map(|r| Ok((c_string(&r.name)?, opt_c_string(&r.segment)?)))
            .collect::<Result<_, FfiError>>()?;
        let summary_names = inner.summary.iter().map(|s| opt_c_string(&s.segment)).collect::<Result<_, _>>()?;
        Ok(Self { inner, row_names, summary_names })
    }

    fn step(&self, i: usize) -> Result<touchpoint_funnel_step, FfiError> {
        // exhaustive: a column the core adds does not compile until it is here too
        let FunnelRow {
            segment: _,
            step,
            name: _,
            units,
            overall_rate,
            overall_rate_lower,
            overall_rate_upper,
            step_rate,
            step_rate_lower,
            step_rate_upper,
            reach,
            drop_off,
            time_from_previous_median,
            time_from_previous_mean,
            time_from_previous_p25,
            time_from_previous_p75,
            time_from_previous_p90,
            time_from_first_median,
            time_from_first_mean,
            time_from_first_p25,
            time_from_first_p75,
            time_from_first_p90,
        } = row_at(&self.inner.rows, i)?;
        let (name, segment) = &self.row_names[i];
        let (segment, segment_len) = opt_ptr(segment);
        Ok(touchpoint_funnel_step {
            segment,
            segment_len,
            step: *step,
            name: name.as_ptr(),
            name_len: name.as_bytes().len(),
            units: *units,
            overall_rate: nan(*overall_rate),
            overall_rate_lower: nan(*overall_rate_lower),
            overall_rate_upper: nan(*overall_rate_upper),
            step_rate: nan(*step_rate),
            step_rate_lower: nan(*step_rate_lower),
            step_rate_upper: nan(*step_rate_upper),
            reach: nan(*reach),
            drop_off: count(*drop_off),
            time_from_previous_median_ms: ms(*time_from_previous_median),
            time_from_previous_mean_ms: ms(*time_from_previous_mean),
            time_from_previous_p25_ms: ms(*time_from_previous_p25),
            time_from_previous_p75_ms: ms(*time_from_previous_p75),
            time_from_previous_p90_ms: ms(*time_from_previous_p90),
            time_from_first_median_ms: ms(*time_from_first_median),
            time_from_first_mean_ms: ms(*time_from_first_mean),
            time_from_first_p25_ms: ms(*time_from_first_p25),
            time_from_first_p75_ms: ms(*time_from_first_p75),
            time_from_first_p90_ms: ms(*time_from_first_p90),
        })
    }

    fn totals(&self, i: usize) -> Result<touchpoint_funnel_totals, FfiError> {
        let FunnelSummary { segment: _, units, entered, not_entered, excluded, completed, conversion_rate } =
            row_at(&self.inner.summary, i)?;
        let (segment, segment_len) = opt_ptr(&self.summary_names[i]);
        Ok(touchpoint_funnel_totals {
            segment,
            segment_len,
            units: *units,
            entered: *entered,
            not_entered: *not_entered,
            excluded: *excluded,
            completed: *completed,
            conversion_rate: nan(*conversion_rate),
        })
    }
}

impl touchpoint_funnel {
    /// The funnel of an event table: how many customers (or journeys) reach each step, where
    /// they fall out and how long each step takes, per segment when `segment_values` is given.
    /// An attempt starts at every occurrence of step 1; a unit's level is the deepest step
    /// reached over its attempts, and its times are those of the first attempt that reached it.
    ///
    /// @param events the events (read-only; concurrent calls on the same table are safe)
    /// @param options steps, mode, window, exclusions, unit; NULL for the defaults (the stage
    ///        funnel of customers)
    /// @param segment_values, n_values one segment label per event row, in the order the rows
    ///        were pushed or read (NUL-terminated UTF-8; a NULL element is a missing value, put
    ///        in the segment `(missing)`); each customer's segment is the value on their first
    ///        event. NULL with `n_values` 0: no segments
    /// @param out receives the funnel (free with `touchpoint_funnel_free`)
    /// @return OK; NULL_PARAMETER (also a NULL step); INVALID_UTF8; INVALID_ARGUMENT (an unknown
    ///         touchpoint or stage in a step, the message naming it; an empty step; a negative
    ///         window; exclusion step numbers out of order; an enum code or flag out of range;
    ///         no steps and no stages in the catalog); INVALID_VALUE (`n_values` is not the
    ///         number of events); EMPTY_INPUT (no events).
    ///
    /// # Safety
    /// `options` NULL or valid, its arrays valid for their counts and their strings for their
    /// lengths (steps NUL-terminated); `segment_values` NULL or `n_values` pointers, each NULL or
    /// NUL-terminated; `events` and `out` NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_funnel_build(
        events: *const touchpoint_event_table,
        options: *const touchpoint_funnel_options,
        segment_values: *const *const c_char,
        n_values: usize,
        out: *mut *mut touchpoint_funnel,
    ) -> touchpoint_result {
        boundary(|| {
            let ev = try_ref!(events);
            let o = try_opt_ref!(options)
                .copied()
                .unwrap_or_else(|| touchpoint_funnel_options::touchpoint_funnel_options_default());
            let opts = o.to_core()?;
            let values = try_opt_str_list!(segment_values, n_values);
            let table = ev.table()?;
            let segments = segments_of(&table, values)?;
            let funnel = journeymap::funnel(&table, &opts, segments.as_ref())?;
            give!(out, touchpoint_funnel::new(funnel)?)
        })
    }

    /// Number of rows of a funnel: steps × segments (segments in order of first appearance).
    ///
    /// @param funnel the funnel
    /// @param out receives the count
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_funnel_rows(
        funnel: *const touchpoint_funnel,
        out: *mut usize,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(funnel).inner.rows.len()))
    }

    /// Row `row` of a funnel (segment by segment, steps in order within a segment).
    ///
    /// @param funnel the funnel
    /// @param row row index
    /// @param out receives the row; its strings are owned by the funnel (valid until it is freed)
    /// @return OK; OUT_OF_RANGE; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_funnel_row(
        funnel: *const touchpoint_funnel,
        row: usize,
        out: *mut touchpoint_funnel_step,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(funnel).step(row)?))
    }

    /// Number of summaries of a funnel: one per segment (one without segments).
    ///
    /// @param funnel the funnel
    /// @param out receives the count
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_funnel_summaries(
        funnel: *const touchpoint_funnel,
        out: *mut usize,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(funnel).inner.summary.len()))
    }

    /// Summary `index` of a funnel: its units, entered, not entered, excluded and completed.
    ///
    /// @param funnel the funnel
    /// @param index summary index (segment order)
    /// @param out receives the summary; its segment is owned by the funnel
    /// @return OK; OUT_OF_RANGE; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_funnel_summary(
        funnel: *const touchpoint_funnel,
        index: usize,
        out: *mut touchpoint_funnel_totals,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(funnel).totals(index)?))
    }

    /// The whole funnel as JSON (core `Funnel`): `{"steps", "mode", "unit", "window_ms", "rows":
    /// [FunnelRow...], "summary": [FunnelSummary...], "stages_without_touchpoints"}`, the rows'
    /// keys the fields of `touchpoint_funnel_step` without the `_ms` suffixes (`segment` is
    /// `null` without segments; durations are integers of milliseconds; missing values `null`).
    ///
    /// @param funnel the funnel
    /// @param buf, len, out_n as `touchpoint_comparison_to_json` (`buf` NULL asks for the size)
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_funnel_to_json(
        funnel: *const touchpoint_funnel,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(json::value(&try_ref!(funnel).inner)?, buf, len, out_n))
    }

    /// The JSON of `touchpoint_funnel_to_json` as a library-owned string (free with
    /// `touchpoint_string_free`).
    ///
    /// @param funnel the funnel
    /// @param out receives the string
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_funnel_to_json_string(
        funnel: *const touchpoint_funnel,
        out: *mut *mut c_char,
    ) -> touchpoint_result {
        boundary(|| give_str!(out, json::value(&try_ref!(funnel).inner)?))
    }

    /// The funnel as a text table per segment: units, rates, drop-off and median times.
    ///
    /// @param funnel the funnel
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_funnel_to_text(
        funnel: *const touchpoint_funnel,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(try_ref!(funnel).inner.to_string(), buf, len, out_n))
    }

    /// Segments `a` and `b` of a funnel side by side, step by step, as a JSON array of core
    /// `FunnelDiffRow`s (`step`, `name`, `units_a`, `units_b`, `rate_a`, `rate_b`, `difference`
    /// with its 95 % Wald interval, `p_value` of a pooled two-proportion z-test, `p_adjusted`
    /// by Benjamini–Hochberg over the steps, and `test`).
    ///
    /// @param funnel a funnel built with segments
    /// @param a, a_len the first segment label (UTF-8)
    /// @param b, b_len the second segment label
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (a label that
    ///         is not a segment of the funnel; the message lists the segments). Thread-safe for
    ///         concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; `a` and `b` valid for their lengths;
    /// other pointers NULL or valid.
    #[unsafe(no_mangle)]
    #[allow(clippy::too_many_arguments)]
    pub unsafe extern "C" fn touchpoint_funnel_compare_json(
        funnel: *const touchpoint_funnel,
        a: *const c_char,
        a_len: usize,
        b: *const c_char,
        b_len: usize,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| {
            let f = try_ref!(funnel);
            let (a, b) = (try_str!(a, a_len), try_str!(b, b_len));
            text!(json::rows(&f.inner.compare_segments(a, b)?)?, buf, len, out_n)
        })
    }

    /// Free a funnel. NULL is a no-op. String pointers from its row getters die with it.
    ///
    /// # Safety
    /// `funnel` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_funnel_free(funnel: *mut touchpoint_funnel) {
        free_box!(funnel)
    }
}

// ---------------------------------------------------------------------------------------------
// The step matrix

/// Step-matrix options (see `touchpoint_step_matrix_options_default`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_step_matrix_options {
    /// Number of steps `K` (1–1000; default 10).
    pub steps: usize,
    /// What is counted: a `touchpoint_funnel_unit` value (checked; default JOURNEY).
    pub unit: u32,
    /// Centre on each unit's first event matching this step (a touchpoint, `stage:<stage>` or
    /// `a | b`; UTF-8, not NUL-terminated): steps then run from `-K` to `K`, 0 being the centre,
    /// and units without it are left out (counted in the JSON's `units_without_centre`). NULL
    /// (length 0): not centred, steps 1 to `K`.
    pub centre: *const c_char,
    /// Length of `centre`.
    pub centre_len: usize,
    /// How journeys are built when `unit` is JOURNEY (checked in any case).
    pub journeys: touchpoint_journey_options,
}

impl touchpoint_step_matrix_options {
    fn to_core(self) -> Result<StepMatrixOptions, FfiError> {
        let centre = try_opt_str!(self.centre, self.centre_len, "options.centre")
            .map(|s| step_of(s, "options.centre"))
            .transpose()?;
        Ok(StepMatrixOptions {
            steps: self.steps,
            unit: try_enum!(FunnelUnit, self.unit, "options.unit"),
            centre,
            journeys: self.journeys.to_core_in("options.journeys")?,
        })
    }

    /// The defaults: 10 steps of journeys (built with `touchpoint_journey_options_default()`),
    /// not centred.
    ///
    /// @return the defaults. Thread-safe.
    #[unsafe(no_mangle)]
    pub extern "C" fn touchpoint_step_matrix_options_default() -> touchpoint_step_matrix_options {
        let d = StepMatrixOptions::default();
        touchpoint_step_matrix_options {
            steps: d.steps,
            unit: touchpoint_funnel_unit::Journey as u32,
            centre: std::ptr::null(),
            centre_len: 0,
            journeys: touchpoint_journey_options::touchpoint_journey_options_default(),
        }
    }
}

/// One cell of a step matrix (a core `StepMatrixRow`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_step_matrix_cell {
    /// The segment, NUL-terminated UTF-8 owned by the matrix; NULL without segments.
    pub segment: *const c_char,
    /// Length of `segment` in bytes (0 without segments).
    pub segment_len: usize,
    /// The step (1..K; centred: -K..K, 0 = the centre).
    pub step: i64,
    /// A touchpoint, `(conversion)`, `(ended)` or `(before start)`; NUL-terminated UTF-8 owned
    /// by the matrix.
    pub state: *const c_char,
    /// Length of `state` in bytes.
    pub state_len: usize,
    /// Units in this state at this step.
    pub units: usize,
    /// `units` ÷ units of the matrix (of the segment): each step sums to 1.
    pub share: f64,
}

/// A step matrix: the share of units in each state at each step (dense: every state at every
/// step), per segment.
pub struct touchpoint_step_matrix {
    inner: StepMatrix,
    /// Per row: its segment and state, NUL-terminated, borrowed by `touchpoint_step_matrix_cell`.
    row_names: Vec<(Option<CString>, CString)>,
}

impl touchpoint_step_matrix {
    fn new(inner: StepMatrix) -> Result<Self, FfiError> {
        let row_names = inner
            .rows
            .iter()
            .map(|r| Ok((opt_c_string(&r.segment)?, c_string(&r.state)?)))
            .collect::<Result<_, FfiError>>()?;
        Ok(Self { inner, row_names })
    }

    fn cell(&self, i: usize) -> Result<touchpoint_step_matrix_cell, FfiError> {
        let StepMatrixRow { segment: _, step, state: _, units, share } = row_at(&self.inner.rows, i)?;
        let (segment, state) = &self.row_names[i];
        let (segment, segment_len) = opt_ptr(segment);
        Ok(touchpoint_step_matrix_cell {
            segment,
            segment_len,
            step: *step,
            state: state.as_ptr(),
            state_len: state.as_bytes().len(),
            units: *units,
            share: *share,
        })
    }
}

impl touchpoint_step_matrix {
    /// The step matrix of an event table: where units are at step 1, 2, …, K of their sequence
    /// (the share of units whose k-th event is each touchpoint, the conversion, or `(ended)`),
    /// per segment when `segment_values` is given.
    ///
    /// @param events the events (read-only; concurrent calls on the same table are safe)
    /// @param options steps, unit, centre; NULL for the defaults
    /// @param segment_values, n_values one segment label per event row, as in
    ///        `touchpoint_funnel_build`; NULL with `n_values` 0: no segments
    /// @param out receives the matrix (free with `touchpoint_step_matrix_free`)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (steps outside 1–1000, an
    ///         unknown touchpoint or stage as centre, the conversion as centre, an enum code or
    ///         flag out of range); INVALID_VALUE (`n_values` is not the number of events, a state
    ///         name with a NUL byte); EMPTY_INPUT.
    ///
    /// # Safety
    /// As `touchpoint_funnel_build`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_step_matrix_build(
        events: *const touchpoint_event_table,
        options: *const touchpoint_step_matrix_options,
        segment_values: *const *const c_char,
        n_values: usize,
        out: *mut *mut touchpoint_step_matrix,
    ) -> touchpoint_result {
        boundary(|| {
            let ev = try_ref!(events);
            let o = try_opt_ref!(options)
                .copied()
                .unwrap_or_else(|| touchpoint_step_matrix_options::touchpoint_step_matrix_options_default());
            let opts = o.to_core()?;
            let values = try_opt_str_list!(segment_values, n_values);
            let table = ev.table()?;
            let segments = segments_of(&table, values)?;
            let m = journeymap::step_matrix(&table, &opts, segments.as_ref())?;
            give!(out, touchpoint_step_matrix::new(m)?)
        })
    }

    /// Number of cells of a step matrix (segments × steps × states).
    ///
    /// @param matrix the step matrix
    /// @param out receives the count
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_step_matrix_rows(
        matrix: *const touchpoint_step_matrix,
        out: *mut usize,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(matrix).inner.rows.len()))
    }

    /// Cell `row` of a step matrix (per segment, per step, per state: states by how often they
    /// occur, then `(ended)` and `(before start)`).
    ///
    /// @param matrix the step matrix
    /// @param row row index
    /// @param out receives the cell; its strings are owned by the matrix
    /// @return OK; OUT_OF_RANGE; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_step_matrix_row(
        matrix: *const touchpoint_step_matrix,
        row: usize,
        out: *mut touchpoint_step_matrix_cell,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(matrix).cell(row)?))
    }

    /// The whole matrix as JSON (core `StepMatrix`): `{"steps", "states", "units": [[segment,
    /// units]...], "units_without_centre", "rows": [StepMatrixRow...]}`.
    ///
    /// @param matrix the step matrix
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_step_matrix_to_json(
        matrix: *const touchpoint_step_matrix,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(json::value(&try_ref!(matrix).inner)?, buf, len, out_n))
    }

    /// The JSON of `touchpoint_step_matrix_to_json` as a library-owned string (free with
    /// `touchpoint_string_free`).
    ///
    /// @param matrix the step matrix
    /// @param out receives the string
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_step_matrix_to_json_string(
        matrix: *const touchpoint_step_matrix,
        out: *mut *mut c_char,
    ) -> touchpoint_result {
        boundary(|| give_str!(out, json::value(&try_ref!(matrix).inner)?))
    }

    /// Segment `a`'s matrix minus segment `b`'s, cell by cell, as a JSON array of core
    /// `StepMatrixDiffRow`s (`step`, `state`, `share_a`, `share_b`, `difference`; each step's
    /// differences sum to 0).
    ///
    /// @param matrix a step matrix built with segments
    /// @param a, a_len the first segment label (UTF-8)
    /// @param b, b_len the second segment label
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (a label that
    ///         is not a segment of the matrix, or a matrix without segments; the message lists
    ///         the segments). Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; `a` and `b` valid for their lengths;
    /// other pointers NULL or valid.
    #[unsafe(no_mangle)]
    #[allow(clippy::too_many_arguments)]
    pub unsafe extern "C" fn touchpoint_step_matrix_difference_json(
        matrix: *const touchpoint_step_matrix,
        a: *const c_char,
        a_len: usize,
        b: *const c_char,
        b_len: usize,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| {
            let m = try_ref!(matrix);
            let (a, b) = (try_str!(a, a_len), try_str!(b, b_len));
            text!(json::rows(&m.inner.difference(a, b)?)?, buf, len, out_n)
        })
    }

    /// Free a step matrix. NULL is a no-op. String pointers from its cells die with it.
    ///
    /// # Safety
    /// `matrix` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_step_matrix_free(matrix: *mut touchpoint_step_matrix) {
        free_box!(matrix)
    }
}

// ---------------------------------------------------------------------------------------------
// Retention and repurchase

/// Retention options (see `touchpoint_retention_options_default`). Strings are UTF-8 with a
/// length, not NUL-terminated; NULL (length 0) keeps the default.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_retention_options {
    /// What starts a customer (its first occurrence puts them in the cohort of its period):
    /// `any` (also `first_event`), `conversion` (also `first_conversion`, `purchase`), or a step
    /// (a touchpoint, `stage:<stage>`, `a | b`). NULL: any event. Ignored by repurchase.
    pub start: *const c_char,
    /// Length of `start`.
    pub start_len: usize,
    /// What counts as a return, in the same syntax. NULL: any event. Ignored by repurchase.
    pub return_event: *const c_char,
    /// Length of `return_event`.
    pub return_event_len: usize,
    /// The period: `day`, `week` (ISO, from Monday), `month`, or a duration, a number and a
    /// unit (`ms`, `s`, `min`, `h`, `d`, `w`), e.g. `12h`, `14d`. NULL: a day.
    pub period: *const c_char,
    /// Length of `period`.
    pub period_len: usize,
    /// A `touchpoint_retention_alignment` value (checked).
    pub alignment: u32,
    /// A `touchpoint_retention_mode` value (checked).
    pub mode: u32,
    /// Report periods 0 to `periods` only; 0: every period that is observed.
    pub periods: usize,
    /// 1: observation ends at `observation_end_ms`; 0 (default): at the last event of the data.
    pub has_observation_end: u8,
    /// End of observation, epoch milliseconds (read when `has_observation_end` is 1). Periods
    /// that have not begun by then are unobserved: NaN / `null`, never 0.
    pub observation_end_ms: i64,
}

impl touchpoint_retention_options {
    fn to_core(self) -> Result<RetentionOptions, FfiError> {
        let activity = |s: Option<&str>, field: &str| -> Result<Activity, FfiError> {
            s.map_or(Ok(Activity::Any), |s| Activity::from_str(s).map_err(at(field)))
        };
        let start = activity(try_opt_str!(self.start, self.start_len, "options.start"), "options.start")?;
        let return_event = activity(
            try_opt_str!(self.return_event, self.return_event_len, "options.return_event"),
            "options.return_event",
        )?;
        let period = match try_opt_str!(self.period, self.period_len, "options.period") {
            Some(s) => Period::from_str(s).map_err(at("options.period"))?,
            None => Period::Day,
        };
        let has_end = try_bool!(self.has_observation_end, "options.has_observation_end");
        Ok(RetentionOptions {
            start,
            return_event,
            period,
            alignment: try_enum!(Alignment, self.alignment, "options.alignment"),
            mode: try_enum!(RetentionMode, self.mode, "options.mode"),
            periods: (self.periods > 0).then_some(self.periods),
            observation_end_ms: has_end.then_some(self.observation_end_ms),
        })
    }

    /// The defaults: start and return at any event, daily rolling periods, "on" retention, every
    /// observed period, observation until the last event.
    ///
    /// @return the defaults. Thread-safe.
    #[unsafe(no_mangle)]
    pub extern "C" fn touchpoint_retention_options_default() -> touchpoint_retention_options {
        let none = std::ptr::null();
        touchpoint_retention_options {
            start: none,
            start_len: 0,
            return_event: none,
            return_event_len: 0,
            period: none,
            period_len: 0,
            alignment: touchpoint_retention_alignment::Rolling as u32,
            mode: touchpoint_retention_mode::On as u32,
            periods: 0,
            has_observation_end: 0,
            observation_end_ms: 0,
        }
    }
}

/// One cell of a retention triangle: a cohort in one period (a core `RetentionRow`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_retention_cell {
    /// The segment, NUL-terminated UTF-8 owned by the retention; NULL without segments.
    pub segment: *const c_char,
    /// Length of `segment` in bytes (0 without segments).
    pub segment_len: usize,
    /// Start of the cohort's period, epoch milliseconds (UTC).
    pub cohort_ms: i64,
    /// Customers who started in this period.
    pub cohort_size: usize,
    /// Periods since the start (0 = the start).
    pub period: usize,
    /// Customers of the cohort whose period `period` had begun by the end of observation.
    pub observed: usize,
    /// Of those, customers retained.
    pub retained: usize,
    /// `retained` ÷ `observed`; NaN when the period is not yet observed.
    pub rate: f64,
}

/// Retention of one period over all cohorts (a core `RetentionMeanRow`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_retention_average {
    /// The segment, NUL-terminated UTF-8 owned by the retention; NULL without segments.
    pub segment: *const c_char,
    /// Length of `segment` in bytes (0 without segments).
    pub segment_len: usize,
    /// Periods since the start.
    pub period: usize,
    /// Cohorts in which the period is observed.
    pub cohorts: usize,
    /// Customers in whom the period is observed.
    pub observed: usize,
    /// Of those, customers retained.
    pub retained: usize,
    /// `retained` ÷ `observed` (cohorts weighted by their observed customers).
    pub weighted_mean: f64,
    /// Mean of the observed cohorts' rates (each cohort counts once).
    pub simple_mean: f64,
}

/// Retention cohorts: cells per segment, cohort and period, and the means per period.
pub struct touchpoint_retention {
    inner: Retention,
    /// Segments of the cells and of the means, borrowed by the row structs.
    cell_segments: Vec<Option<CString>>,
    mean_segments: Vec<Option<CString>>,
}

impl touchpoint_retention {
    fn new(inner: Retention) -> Result<Self, FfiError> {
        let cell_segments = inner.rows.iter().map(|r| opt_c_string(&r.segment)).collect::<Result<_, _>>()?;
        let mean_segments = inner.mean.iter().map(|r| opt_c_string(&r.segment)).collect::<Result<_, _>>()?;
        Ok(Self { inner, cell_segments, mean_segments })
    }

    fn cell(&self, i: usize) -> Result<touchpoint_retention_cell, FfiError> {
        let RetentionRow { segment: _, cohort, cohort_size, period, observed, retained, rate } =
            row_at(&self.inner.rows, i)?;
        let (segment, segment_len) = opt_ptr(&self.cell_segments[i]);
        Ok(touchpoint_retention_cell {
            segment,
            segment_len,
            cohort_ms: cohort.0,
            cohort_size: *cohort_size,
            period: *period,
            observed: *observed,
            retained: *retained,
            rate: nan(*rate),
        })
    }

    fn average(&self, i: usize) -> Result<touchpoint_retention_average, FfiError> {
        let RetentionMeanRow { segment: _, period, cohorts, observed, retained, weighted_mean, simple_mean } =
            row_at(&self.inner.mean, i)?;
        let (segment, segment_len) = opt_ptr(&self.mean_segments[i]);
        Ok(touchpoint_retention_average {
            segment,
            segment_len,
            period: *period,
            cohorts: *cohorts,
            observed: *observed,
            retained: *retained,
            weighted_mean: nan(*weighted_mean),
            simple_mean: nan(*simple_mean),
        })
    }
}

impl touchpoint_retention {
    /// Retention cohorts of an event table: each customer starts at the first occurrence of the
    /// start activity and joins the cohort of its period; a return is a later occurrence of the
    /// return activity, in period `k` (rolling: whole periods since the start; calendar:
    /// buckets since the start's bucket). Per segment when `segment_values` is given.
    ///
    /// @param events the events (read-only; concurrent calls on the same table are safe)
    /// @param options start, return, period, alignment, mode, periods, end of observation; NULL
    ///        for the defaults
    /// @param segment_values, n_values one segment label per event row, as in
    ///        `touchpoint_funnel_build`; NULL with `n_values` 0: no segments
    /// @param out receives the retention (free with `touchpoint_retention_free`)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (an unknown touchpoint or
    ///         stage, an empty activity, a period that is not positive (`0d`) or not understood,
    ///         a start that no customer has, an enum code or flag out of range); INVALID_VALUE
    ///         (`n_values` is not the number of events); EMPTY_INPUT.
    ///
    /// # Safety
    /// `options` NULL or valid, its strings valid for their lengths; `segment_values` as in
    /// `touchpoint_funnel_build`; `events` and `out` NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_retention_build(
        events: *const touchpoint_event_table,
        options: *const touchpoint_retention_options,
        segment_values: *const *const c_char,
        n_values: usize,
        out: *mut *mut touchpoint_retention,
    ) -> touchpoint_result {
        boundary(|| {
            let ev = try_ref!(events);
            let o = try_opt_ref!(options)
                .copied()
                .unwrap_or_else(|| touchpoint_retention_options::touchpoint_retention_options_default());
            let opts = o.to_core()?;
            let values = try_opt_str_list!(segment_values, n_values);
            let table = ev.table()?;
            let segments = segments_of(&table, values)?;
            let r = journeymap::retention(&table, &opts, segments.as_ref())?;
            give!(out, touchpoint_retention::new(r)?)
        })
    }

    /// Number of cells of a retention triangle (per segment, cohort and observed period).
    ///
    /// @param retention the retention
    /// @param out receives the count
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_retention_rows(
        retention: *const touchpoint_retention,
        out: *mut usize,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(retention).inner.rows.len()))
    }

    /// Cell `row` of a retention triangle (by segment, cohort, period).
    ///
    /// @param retention the retention
    /// @param row row index
    /// @param out receives the cell; its segment is owned by the retention
    /// @return OK; OUT_OF_RANGE; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_retention_row(
        retention: *const touchpoint_retention,
        row: usize,
        out: *mut touchpoint_retention_cell,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(retention).cell(row)?))
    }

    /// Number of mean rows (per segment and period observed in at least one cohort).
    ///
    /// @param retention the retention
    /// @param out receives the count
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_retention_means(
        retention: *const touchpoint_retention,
        out: *mut usize,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(retention).inner.mean.len()))
    }

    /// Mean row `index` (by segment, then period from 0).
    ///
    /// @param retention the retention
    /// @param index row index
    /// @param out receives the means; its segment is owned by the retention
    /// @return OK; OUT_OF_RANGE; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_retention_mean(
        retention: *const touchpoint_retention,
        index: usize,
        out: *mut touchpoint_retention_average,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(retention).average(index)?))
    }

    /// The whole retention as JSON (core `Retention`): `{"start", "return_event", "period",
    /// "alignment", "mode", "observation_end", "customers_without_start", "rows":
    /// [RetentionRow...], "mean": [RetentionMeanRow...]}`; `cohort` and `observation_end` are
    /// epoch milliseconds, the rate of an unobserved cell is `null`.
    ///
    /// @param retention the retention
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_retention_to_json(
        retention: *const touchpoint_retention,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(json::value(&try_ref!(retention).inner)?, buf, len, out_n))
    }

    /// The JSON of `touchpoint_retention_to_json` as a library-owned string (free with
    /// `touchpoint_string_free`).
    ///
    /// @param retention the retention
    /// @param out receives the string
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_retention_to_json_string(
        retention: *const touchpoint_retention,
        out: *mut *mut c_char,
    ) -> touchpoint_result {
        boundary(|| give_str!(out, json::value(&try_ref!(retention).inner)?))
    }

    /// The triangle as text: one line per cohort (the last 24, periods up to 12), then the
    /// weighted and simple means.
    ///
    /// @param retention the retention
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_retention_to_text(
        retention: *const touchpoint_retention,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(try_ref!(retention).inner.to_string(), buf, len, out_n))
    }

    /// Free a retention. NULL is a no-op. String pointers from its row getters die with it.
    ///
    /// # Safety
    /// `retention` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_retention_free(retention: *mut touchpoint_retention) {
        free_box!(retention)
    }
}

/// Median, mean and percentiles of a set of durations (a core `DurationSummary`), in
/// milliseconds; -1 when there are none.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_duration_summary {
    /// How many durations.
    pub n: usize,
    /// Median.
    pub median_ms: i64,
    /// Mean.
    pub mean_ms: i64,
    /// 25th percentile.
    pub p25_ms: i64,
    /// 75th percentile.
    pub p75_ms: i64,
    /// 90th percentile.
    pub p90_ms: i64,
}

impl From<DurationSummary> for touchpoint_duration_summary {
    fn from(d: DurationSummary) -> Self {
        let DurationSummary { n, median, mean, p25, p75, p90 } = d;
        touchpoint_duration_summary {
            n,
            median_ms: ms(median),
            mean_ms: ms(mean),
            p25_ms: ms(p25),
            p75_ms: ms(p75),
            p90_ms: ms(p90),
        }
    }
}

/// The buyers of a repurchase analysis and the time between their purchases (the core
/// `Repurchase` without its retention and gap rows).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_repurchase_totals {
    /// Customers with a purchase.
    pub buyers: usize,
    /// Customers with at least two purchases.
    pub repeat_buyers: usize,
    /// `repeat_buyers` ÷ `buyers`.
    pub repeat_rate: f64,
    /// Purchases (conversions) of buyers.
    pub purchases: usize,
    /// Time between consecutive purchases of the same customer.
    pub time_between_purchases: touchpoint_duration_summary,
}

/// Repurchase: the retention of buyers (first conversion as start, a conversion as return) and
/// the time between purchases.
pub struct touchpoint_repurchase {
    inner: Repurchase,
}

impl touchpoint_repurchase {
    /// Repurchase cohorts of an event table: retention with the first conversion as start and a
    /// conversion as return (the options' `start` and `return_event` are ignored), plus the
    /// distribution of the time between consecutive purchases. Per segment when
    /// `segment_values` is given.
    ///
    /// @param events the events (read-only; concurrent calls on the same table are safe)
    /// @param options period, alignment, mode, periods, end of observation; NULL for the
    ///        defaults
    /// @param segment_values, n_values one segment label per event row, as in
    ///        `touchpoint_funnel_build`; NULL with `n_values` 0: no segments
    /// @param out receives the repurchase (free with `touchpoint_repurchase_free`)
    /// @return as `touchpoint_retention_build`, and MODEL_NOT_APPLICABLE when no event is a
    ///         conversion.
    ///
    /// # Safety
    /// As `touchpoint_retention_build`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_repurchase_build(
        events: *const touchpoint_event_table,
        options: *const touchpoint_retention_options,
        segment_values: *const *const c_char,
        n_values: usize,
        out: *mut *mut touchpoint_repurchase,
    ) -> touchpoint_result {
        boundary(|| {
            let ev = try_ref!(events);
            let o = try_opt_ref!(options)
                .copied()
                .unwrap_or_else(|| touchpoint_retention_options::touchpoint_retention_options_default());
            let opts = o.to_core()?;
            let values = try_opt_str_list!(segment_values, n_values);
            let table = ev.table()?;
            let segments = segments_of(&table, values)?;
            let inner = journeymap::repurchase(&table, &opts, segments.as_ref())?;
            give!(out, touchpoint_repurchase { inner })
        })
    }

    /// The buyers, repeat buyers, purchases and time between purchases.
    ///
    /// @param repurchase the repurchase
    /// @param out receives the totals
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_repurchase_summary(
        repurchase: *const touchpoint_repurchase,
        out: *mut touchpoint_repurchase_totals,
    ) -> touchpoint_result {
        boundary(|| {
            let r = &try_ref!(repurchase).inner;
            out!(
                out,
                touchpoint_repurchase_totals {
                    buyers: r.buyers,
                    repeat_buyers: r.repeat_buyers,
                    repeat_rate: nan(r.repeat_rate),
                    purchases: r.purchases,
                    time_between_purchases: r.time_between_purchases.into(),
                }
            )
        })
    }

    /// The retention of buyers as a new retention handle (a copy; read its cells and means with
    /// the `touchpoint_retention_*` getters).
    ///
    /// @param repurchase the repurchase
    /// @param out receives the retention (free with `touchpoint_retention_free`)
    /// @return OK; NULL_PARAMETER; INVALID_VALUE (a segment label with a NUL byte). Thread-safe
    ///         for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_repurchase_retention(
        repurchase: *const touchpoint_repurchase,
        out: *mut *mut touchpoint_retention,
    ) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_retention::new(try_ref!(repurchase).inner.retention.clone())?))
    }

    /// The whole repurchase as JSON (core `Repurchase`): `{"retention": {...as
    /// touchpoint_retention_to_json}, "buyers", "repeat_buyers", "repeat_rate", "purchases",
    /// "time_between_purchases": {"n", "median", "mean", "p25", "p75", "p90"}, "gaps":
    /// [PurchaseGapRow...]}`; durations are integers of milliseconds, missing values `null`.
    ///
    /// @param repurchase the repurchase
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_repurchase_to_json(
        repurchase: *const touchpoint_repurchase,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(json::value(&try_ref!(repurchase).inner)?, buf, len, out_n))
    }

    /// The JSON of `touchpoint_repurchase_to_json` as a library-owned string (free with
    /// `touchpoint_string_free`).
    ///
    /// @param repurchase the repurchase
    /// @param out receives the string
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_repurchase_to_json_string(
        repurchase: *const touchpoint_repurchase,
        out: *mut *mut c_char,
    ) -> touchpoint_result {
        boundary(|| give_str!(out, json::value(&try_ref!(repurchase).inner)?))
    }

    /// The summary as text, then the retention triangle.
    ///
    /// @param repurchase the repurchase
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_repurchase_to_text(
        repurchase: *const touchpoint_repurchase,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(try_ref!(repurchase).inner.to_string(), buf, len, out_n))
    }

    /// Free a repurchase. NULL is a no-op.
    ///
    /// # Safety
    /// `repurchase` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_repurchase_free(repurchase: *mut touchpoint_repurchase) {
        free_box!(repurchase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::assert_same_codes;

    #[test]
    fn journey_map_codes_are_the_core_codes() {
        assert_same_codes!(touchpoint_funnel_mode, FunnelMode { Ordered, Strict, AnyOrder });
        assert_same_codes!(touchpoint_funnel_unit, FunnelUnit { Customer, Journey });
        assert_same_codes!(touchpoint_retention_alignment, Alignment { Rolling, Calendar });
        assert_same_codes!(touchpoint_retention_mode, RetentionMode { On, OnOrAfter });
    }

    #[test]
    fn missing_values_have_their_sentinels() {
        assert!(nan(None).is_nan());
        assert_eq!(ms(None), -1);
        assert_eq!(ms(Some(DurationMs(5))), 5);
        assert_eq!(count(None), -1);
        assert_eq!(count(Some(3)), 3);
        let d = touchpoint_duration_summary::from(DurationSummary::default());
        assert_eq!((d.n, d.median_ms, d.p90_ms), (0, -1, -1));
    }
}
