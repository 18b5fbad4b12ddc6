//! Experience (core [`touchpoint_core::experience`]): how customers feel at each touchpoint.
//! Feedback scores ride on the events (`touchpoint_event_table_push`'s `feedback`, the CSV's
//! `feedback` column) and may also come as survey responses (`touchpoint_survey_table`).
//!
//! The analyses take their options as one JSON object (the core's `ExperienceSpec`: `scale`,
//! `survey_window`, `conversion_feedback`, `small_n`, `reference`, `drivers`, `outcome`,
//! `missing`; NULL or `{}` for every default) and return their whole result as JSON, a
//! library-owned string freed with `touchpoint_string_free`:
//! - `touchpoint_experience_json`: NPS, CSAT mean and top box per touchpoint, stage and channel;
//! - `touchpoint_experience_compare_json`: one group minus another, with z and p-values;
//! - `touchpoint_experience_conversion_json`: conversion after a detractor score;
//! - `touchpoint_key_drivers_json`: the Shapley decomposition of R² (LMG);
//! - `touchpoint_consistency_json`: the spread of scores within journeys.
//!
//! All are thread-safe for concurrent readers of the same event and survey tables.

use std::ffi::c_char;
use std::str::FromStr;

use touchpoint_core::CustomerKey;
use touchpoint_core::EventTable;
use touchpoint_core::experience::{self, Dimension, ExperienceSpec, SurveyBuilder, SurveyCsvOptions, SurveyTable};
use touchpoint_core::segment::Segments;

use crate::events::touchpoint_event_table;
use crate::ffi::{
    free_box, give, give_str, out, try_mut, try_opt_ref, try_opt_str, try_opt_str_list, try_ref, try_str,
};
use crate::json;
use crate::panic::boundary;
use crate::result::{FfiError, touchpoint_result};

/// Survey responses: customer, time, score and optionally the touchpoint the survey asks
/// about, built row by row (`touchpoint_survey_table_push`) or read from CSV
/// (`touchpoint_survey_table_read_csv`). A response is attached to the customer's most recent
/// touch (at its touchpoint, when it names one) at or before it, within the options'
/// `survey_window` (default 30 days); the others are counted in the result's `report`.
pub struct touchpoint_survey_table {
    inner: SurveyInner,
}

enum SurveyInner {
    Builder(Box<SurveyBuilder>),
    Table(SurveyTable),
}

impl touchpoint_survey_table {
    fn table(&self) -> std::borrow::Cow<'_, SurveyTable> {
        match &self.inner {
            SurveyInner::Builder(b) => std::borrow::Cow::Owned(b.snapshot()),
            SurveyInner::Table(t) => std::borrow::Cow::Borrowed(t),
        }
    }

    /// Create an empty survey table to push responses into.
    ///
    /// @param out receives the new handle (free with `touchpoint_survey_table_free`)
    /// @return OK or NULL_PARAMETER. Thread-safe.
    ///
    /// # Safety
    /// `out` must be NULL or valid for writing.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_survey_table_new(out: *mut *mut touchpoint_survey_table) -> touchpoint_result {
        boundary(|| {
            give!(out, touchpoint_survey_table { inner: SurveyInner::Builder(Box::new(SurveyTable::builder())) })
        })
    }

    /// Append one response.
    ///
    /// @param surveys the table (exclusive access during the call)
    /// @param customer, customer_len customer key (UTF-8, non-empty)
    /// @param time_ms epoch milliseconds of the response
    /// @param score the score (finite; checked against the scale of each analysis)
    /// @param touchpoint, touchpoint_len the touchpoint the survey is about; NULL with length 0
    ///        for none (the response goes to the most recent touch)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_VALUE (a non-finite score, an empty
    ///         customer; the message names the row); INVALID_STATE for a table read from CSV
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths; `surveys` not used by another thread
    /// during the call.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_survey_table_push(
        surveys: *mut touchpoint_survey_table,
        customer: *const c_char,
        customer_len: usize,
        time_ms: i64,
        score: f64,
        touchpoint: *const c_char,
        touchpoint_len: usize,
    ) -> touchpoint_result {
        boundary(|| {
            let s = try_mut!(surveys);
            let customer = try_str!(customer, customer_len);
            let touchpoint = try_opt_str!(touchpoint, touchpoint_len);
            let SurveyInner::Builder(b) = &mut s.inner else {
                return Err(FfiError::new(touchpoint_result::InvalidState, "surveys read from CSV are read-only"));
            };
            b.push(CustomerKey::Str(customer), time_ms, score, touchpoint)?;
            Ok(())
        })
    }

    /// Read survey responses from a CSV file with the columns `customer_id`, `timestamp` (ISO
    /// 8601 or epoch milliseconds), `score` and optionally `touchpoint` (an empty cell: none).
    ///
    /// @param path, path_len the file path (UTF-8)
    /// @param out receives the new handle (read-only; free with `touchpoint_survey_table_free`)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; IO; SCHEMA (a missing column); INVALID_VALUE
    ///         (names line, column and value). Thread-safe.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_survey_table_read_csv(
        path: *const c_char,
        path_len: usize,
        out: *mut *mut touchpoint_survey_table,
    ) -> touchpoint_result {
        boundary(|| {
            let path = try_str!(path, path_len);
            let file = std::fs::File::open(path)
                .map_err(|e| FfiError::new(touchpoint_result::Io, format!("cannot open {path:?}: {e}")))?;
            let table = SurveyTable::read_csv(std::io::BufReader::new(file), &SurveyCsvOptions::default())?;
            give!(out, touchpoint_survey_table { inner: SurveyInner::Table(table) })
        })
    }

    /// Number of responses.
    ///
    /// @param surveys the table
    /// @param out receives the count
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_survey_table_len(
        surveys: *const touchpoint_survey_table,
        out: *mut usize,
    ) -> touchpoint_result {
        boundary(|| {
            let s = try_ref!(surveys);
            out!(
                out,
                match &s.inner {
                    SurveyInner::Builder(b) => b.len(),
                    SurveyInner::Table(t) => t.len(),
                }
            )
        })
    }

    /// Free a survey table. NULL is a no-op.
    ///
    /// # Safety
    /// `surveys` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_survey_table_free(surveys: *mut touchpoint_survey_table) {
        free_box!(surveys)
    }
}

/// The inputs every analysis reads: events, optional surveys, options, optional segments.
struct Inputs<'a> {
    events: std::borrow::Cow<'a, EventTable>,
    surveys: Option<std::borrow::Cow<'a, SurveyTable>>,
    spec: ExperienceSpec,
    segments: Option<Segments>,
}

/// Check and convert the shared arguments.
///
/// # Safety
/// As the exports: pointers NULL or valid for their lengths.
unsafe fn inputs<'a>(
    events: *const touchpoint_event_table,
    surveys: *const touchpoint_survey_table,
    options_json: *const c_char,
    options_len: usize,
    segment_values: *const *const c_char,
    n_values: usize,
) -> Result<Inputs<'a>, FfiError> {
    let ev: &'a touchpoint_event_table = try_ref!(events);
    let sv: Option<&'a touchpoint_survey_table> = try_opt_ref!(surveys);
    let spec = match try_opt_str!(options_json, options_len, "options_json") {
        Some(s) => ExperienceSpec::from_json(s).map_err(|e| FfiError::from(e).within("options_json"))?,
        None => ExperienceSpec::default(),
    };
    let values = try_opt_str_list!(segment_values, n_values);
    let table = ev.table()?;
    let segments = values.map(|v| Segments::from_event_values(&table, &v)).transpose()?;
    Ok(Inputs { events: table, surveys: sv.map(|s| s.table()), spec, segments })
}

/// The experience table as JSON (core `Experience`): `{"scale", "rows": [ExperienceRow...],
/// "touchpoints_without_feedback", "report": FeedbackReport, "small_n"}`. Rows per segment:
/// the overall row (`dimension` "all"), touchpoints, stages and channel kinds of the catalog.
///
/// @param events the events (read-only)
/// @param surveys survey responses, or NULL
/// @param options_json, options_len the options (JSON object); NULL with 0 for the defaults
/// @param segment_values, n_values one segment label per event row (as in
///        `touchpoint_funnel_build`); NULL with 0: no segments
/// @param out receives the JSON (free with `touchpoint_string_free`)
/// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (an option; the message names
///         it); INVALID_VALUE (a score outside the scale: names the row and value; a score on a
///         conversion row with `conversion_feedback` "error"); EMPTY_INPUT (no scores).
///         Thread-safe for concurrent readers.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_experience_json(
    events: *const touchpoint_event_table,
    surveys: *const touchpoint_survey_table,
    options_json: *const c_char,
    options_len: usize,
    segment_values: *const *const c_char,
    n_values: usize,
    out: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: the caller's pointers, as documented above.
        let i = unsafe { inputs(events, surveys, options_json, options_len, segment_values, n_values)? };
        let r = experience::experience(&i.events, i.surveys.as_deref(), &i.spec.options, i.segments.as_ref())?;
        give_str!(out, json::value(&r)?)
    })
}

/// Group `a` minus group `b` of one dimension (`touchpoint`, `stage`, `channel`) as JSON: an
/// array of ExperienceDiffRow (one per segment that has both groups): NPS, mean and top-box
/// differences with standard errors, z and two-sided p-values.
///
/// @param events, surveys, options_json, options_len, segment_values, n_values as
///        `touchpoint_experience_json`
/// @param dimension, dimension_len `touchpoint`, `stage` or `channel`
/// @param a, a_len the first group; @param b, b_len the second group
/// @param out receives the JSON (free with `touchpoint_string_free`)
/// @return as `touchpoint_experience_json`, and INVALID_ARGUMENT for an unknown dimension or
///         a group without scores (the message lists the groups). Thread-safe.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn touchpoint_experience_compare_json(
    events: *const touchpoint_event_table,
    surveys: *const touchpoint_survey_table,
    options_json: *const c_char,
    options_len: usize,
    segment_values: *const *const c_char,
    n_values: usize,
    dimension: *const c_char,
    dimension_len: usize,
    a: *const c_char,
    a_len: usize,
    b: *const c_char,
    b_len: usize,
    out: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        let dim = Dimension::from_str(try_str!(dimension, dimension_len))
            .map_err(|e| FfiError::from(e).within("dimension"))?;
        let (a, b) = (try_str!(a, a_len), try_str!(b, b_len));
        // SAFETY: the caller's pointers, as documented above.
        let i = unsafe { inputs(events, surveys, options_json, options_len, segment_values, n_values)? };
        let r = experience::experience(&i.events, i.surveys.as_deref(), &i.spec.options, i.segments.as_ref())?;
        give_str!(out, json::rows(&r.compare(dim, a, b)?)?)
    })
}

/// Conversion after a detractor score, per touchpoint, as JSON (core `ExperienceConversion`):
/// `{"reference", "rows": [ExperienceConversionRow...], "journeys", "converting_journeys",
/// "conversions_without_touches", "report", "note"}`. The reference group is the options'
/// `reference` (`not_detractor`, `promoter`, `unscored`). Associational figures, not causal
/// effects (the `note` says so).
///
/// @param events, surveys, options_json, options_len, segment_values, n_values, out as
///        `touchpoint_experience_json`
/// @return as `touchpoint_experience_json`. Thread-safe for concurrent readers.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_experience_conversion_json(
    events: *const touchpoint_event_table,
    surveys: *const touchpoint_survey_table,
    options_json: *const c_char,
    options_len: usize,
    segment_values: *const *const c_char,
    n_values: usize,
    out: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: the caller's pointers, as documented above.
        let i = unsafe { inputs(events, surveys, options_json, options_len, segment_values, n_values)? };
        let r = experience::experience_conversion(
            &i.events,
            i.surveys.as_deref(),
            &i.spec.options,
            i.spec.reference,
            i.segments.as_ref(),
        )?;
        give_str!(out, json::value(&r)?)
    })
}

/// Key drivers as JSON (core `KeyDrivers`): `{"outcome", "missing", "r_squared", "customers",
/// "customers_without_outcome", "customers_incomplete", "rows": [KeyDriverRow...], "note",
/// "report"}`. Options: `drivers` (touchpoint names; default every scored touchpoint),
/// `outcome` (`conversion` or the touchpoint of the overall score), `missing`
/// (`complete_cases` or `impute_mean`).
///
/// @param events, surveys, options_json, options_len, out as `touchpoint_experience_json`
/// @return as `touchpoint_experience_json`; INVALID_ARGUMENT (a driver or outcome not in the
///         catalog, more than 20 drivers); MODEL_NOT_APPLICABLE (too few customers, a constant
///         outcome). Thread-safe for concurrent readers.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_key_drivers_json(
    events: *const touchpoint_event_table,
    surveys: *const touchpoint_survey_table,
    options_json: *const c_char,
    options_len: usize,
    out: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: the caller's pointers, as documented above.
        let i = unsafe { inputs(events, surveys, options_json, options_len, std::ptr::null(), 0)? };
        let r = experience::key_drivers(&i.events, i.surveys.as_deref(), &i.spec.options, &i.spec.key_drivers)?;
        give_str!(out, json::value(&r)?)
    })
}

/// Consistency as JSON (core `Consistency`): `{"summary": ConsistencySummary, "rows":
/// [ConsistencyRow...], "report"}`: the spread of scores within journeys, and per pair of
/// consecutive scored touches how often a good experience is followed by a bad one.
///
/// @param events, surveys, options_json, options_len, out as `touchpoint_experience_json`
/// @return as `touchpoint_experience_json`. Thread-safe for concurrent readers.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_consistency_json(
    events: *const touchpoint_event_table,
    surveys: *const touchpoint_survey_table,
    options_json: *const c_char,
    options_len: usize,
    out: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        // SAFETY: the caller's pointers, as documented above.
        let i = unsafe { inputs(events, surveys, options_json, options_len, std::ptr::null(), 0)? };
        let r = experience::consistency(&i.events, i.surveys.as_deref(), &i.spec.options)?;
        give_str!(out, json::value(&r)?)
    })
}
