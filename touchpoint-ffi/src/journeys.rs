//! Journeys: `touchpoint_journeys` cut from events (core [`Journeys::build`]) with the build
//! report.

use std::ffi::c_char;

use touchpoint_core::{JourneyOptions, JourneyReport, Journeys};

use crate::events::touchpoint_event_table;
use crate::ffi::{field_for_field, free_box, give, out, text, try_bool, try_opt_ref, try_ref};
use crate::json;
use crate::panic::boundary;
use crate::result::{FfiError, touchpoint_result};

/// How events are cut into journeys (see `touchpoint_journey_options_default`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_journey_options {
    /// Drop touches older than this before their conversion (ms); negative: no window.
    pub lookback_ms: i64,
    /// Close a journey when two touches are further apart (ms); 0 or negative: never.
    pub inactivity_timeout_ms: i64,
    /// 1: count consecutive touches of the same touchpoint once; 0: keep repeats.
    pub collapse_repeats: u8,
    /// Keep only the most recent `max_touches` touches; 0: keep all.
    pub max_touches: u32,
    /// 1 (default): split journeys at each conversion. 0: a customer's touches up to the last
    /// conversion form one converting journey whose value sums its conversions.
    pub split_at_conversions: u8,
}

impl touchpoint_journey_options {
    fn to_core(self) -> Result<JourneyOptions, FfiError> {
        self.to_core_in("options")
    }

    /// The core options; errors name the fields as members of `parent` (`options.journeys`).
    pub(crate) fn to_core_in(self, parent: &str) -> Result<JourneyOptions, FfiError> {
        Ok(JourneyOptions {
            lookback_ms: (self.lookback_ms >= 0).then_some(self.lookback_ms),
            inactivity_timeout_ms: (self.inactivity_timeout_ms > 0).then_some(self.inactivity_timeout_ms),
            collapse_repeats: try_bool!(self.collapse_repeats, &format!("{parent}.collapse_repeats")),
            max_touches: (self.max_touches > 0).then_some(self.max_touches as usize),
            split_at_conversions: try_bool!(self.split_at_conversions, &format!("{parent}.split_at_conversions")),
        })
    }

    /// The defaults: no lookback window, no timeout, repeats kept, all touches kept, a journey
    /// per conversion.
    ///
    /// @return the defaults. Thread-safe.
    #[unsafe(no_mangle)]
    pub extern "C" fn touchpoint_journey_options_default() -> touchpoint_journey_options {
        touchpoint_journey_options {
            lookback_ms: -1,
            inactivity_timeout_ms: 0,
            collapse_repeats: 0,
            max_touches: 0,
            split_at_conversions: 1,
        }
    }
}

/// What the journey build kept and left out (every touch and conversion is accounted for): the
/// core `JourneyReport`, field for field.
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
    /// Touches merged by `collapse_repeats`.
    pub touches_collapsed: usize,
    /// Touches dropped by `max_touches`.
    pub touches_truncated: usize,
    /// Journeys cut by the inactivity timeout.
    pub inactivity_splits: usize,
    /// Conversions with no touch left to credit.
    pub conversions_without_touches: usize,
    /// Value of those conversions.
    pub value_without_touches: f64,
    /// Customers whose events were not in time order in the input (sorted stably).
    pub customers_resorted: usize,
    /// Conversions folded into one journey when `split_at_conversions` is 0.
    pub conversions_merged: usize,
}

impl From<&JourneyReport> for touchpoint_journey_report {
    fn from(r: &JourneyReport) -> Self {
        field_for_field!(r.clone(), JourneyReport => touchpoint_journey_report {
            events_in,
            touches_in,
            conversions_in,
            customers,
            touches_kept,
            journeys_converting,
            journeys_non_converting,
            touches_outside_lookback,
            touches_collapsed,
            touches_truncated,
            inactivity_splits,
            conversions_without_touches,
            value_without_touches,
            customers_resorted,
            conversions_merged,
        })
    }
}

/// Customer journeys built from events, with their build report.
pub struct touchpoint_journeys {
    pub(crate) inner: Journeys,
    pub(crate) report: JourneyReport,
}

impl touchpoint_journeys {
    /// Build journeys from events.
    ///
    /// @param events the events (read-only)
    /// @param options journey options; NULL for the defaults
    /// @param out receives the new handle (free with `touchpoint_journeys_free`)
    /// @return OK; NULL_PARAMETER; EMPTY_INPUT; INVALID_ARGUMENT (an option out of range, a
    ///         flag other than 0 or 1). Thread-safe for concurrent readers of `events`.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journeys_build(
        events: *const touchpoint_event_table,
        options: *const touchpoint_journey_options,
        out: *mut *mut touchpoint_journeys,
    ) -> touchpoint_result {
        boundary(|| {
            let ev = try_ref!(events);
            let o = try_opt_ref!(options)
                .copied()
                .unwrap_or_else(|| touchpoint_journey_options::touchpoint_journey_options_default());
            let table = ev.table()?;
            let (inner, report) = Journeys::build(&table, &o.to_core()?)?;
            give!(out, touchpoint_journeys { inner, report })
        })
    }

    /// Merge two journey sets built from disjoint sets of customers into a new one (touchpoints
    /// matched by name): the same journeys as building from all the customers' events. The build
    /// reports are added.
    ///
    /// @param a, b the journey sets (read-only)
    /// @param out receives the new handle (free with `touchpoint_journeys_free`)
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
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
            let (a, b) = (try_ref!(a), try_ref!(b));
            let mut report = a.report.clone();
            report.merge_from(&b.report);
            give!(out, touchpoint_journeys { inner: a.inner.merge(&b.inner), report })
        })
    }

    /// The build report of journeys.
    ///
    /// @param journeys the journeys
    /// @param out receives the report
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journeys_report(
        journeys: *const touchpoint_journeys,
        out: *mut touchpoint_journey_report,
    ) -> touchpoint_result {
        boundary(|| out!(out, touchpoint_journey_report::from(&try_ref!(journeys).report)))
    }

    /// The build report as a JSON object whose keys are the fields of `touchpoint_journey_report`.
    ///
    /// @param journeys the journeys
    /// @param buf, len, out_n the caller's buffer, its capacity, the text length (see
    ///        `touchpoint_comparison_to_json`: `buf` NULL asks for the size)
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journeys_report_json(
        journeys: *const touchpoint_journeys,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(json::value(&try_ref!(journeys).report)?, buf, len, out_n))
    }

    /// Free journeys. NULL is a no-op.
    ///
    /// # Safety
    /// `journeys` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journeys_free(journeys: *mut touchpoint_journeys) {
        free_box!(journeys)
    }
}
