//! The nightly CRM jobs: saved models (core [`touchpoint_core::saved`]), increments of journeys
//! (core [`Journeys::append`]) and batch scoring of open journeys (core [`Scorer`]).
//!
//! - **Saved models.** A journey graph (with its analysis), journeys (with their open tails, so
//!   that `touchpoint_journeys_append` can continue from the loaded copy) and attribution
//!   results (`touchpoint_comparison`) are saved to a file (`*_save`, `*_load`) or to bytes
//!   (`*_to_bytes`, `*_from_bytes`). Every file is one checked container (signature, format
//!   version, kind, fingerprint of the options and touchpoints, library version, checksum): a
//!   truncated, damaged, newer-format or other-kind file is `TOUCHPOINT_RESULT_MODEL_FILE`, the
//!   message saying which and at what byte, never a crash and never a different model. A loaded
//!   model answers every query the saved one does, bit-identically.
//!   `touchpoint_model_info_json` / `touchpoint_model_file_info_json` read the header only.
//! - **Increments.** `touchpoint_journeys_append` adds a batch of new events to journeys built
//!   (or loaded) earlier, with the result a rebuild from all the events would give when the
//!   batch is not older than what it continues (nightly batches).
//! - **Scoring.** A `touchpoint_scorer` is built once from a graph and owns what it needs (the
//!   graph may be freed). `touchpoint_scorer_score_events` / `_score_journeys` give a
//!   `touchpoint_scores` per customer: the state, P(conversion), expected value and time from it,
//!   and the best next touchpoints among the candidates. The scores own their data (customer
//!   keys in one buffer, each label and its figures once: no allocation per row) and stay valid
//!   after the scorer and the input are freed.
//!
//! Threads: graphs, journeys, scorers and scores are immutable after creation and may be shared
//! read-only across threads; free each only once, when no other thread uses it.

use std::collections::HashMap;
use std::ffi::{CStr, c_char};
use std::hash::{BuildHasherDefault, Hasher};

use touchpoint_core::increment::AppendReport;
use touchpoint_core::optimize::{Candidate, ScoreNextRow, ScoreOptions, ScoreRow, Scorer, Scores, StateMatch};
use touchpoint_core::saved;
use touchpoint_core::{JourneyGraph, Journeys};

use crate::attribution::touchpoint_comparison;
use crate::events::touchpoint_event_table;
use crate::ffi::{bytes, field_for_field, free_box, give, out, text, try_bool, try_mut, try_ref, try_slice, try_str};
use crate::graph::touchpoint_journey_graph;
use crate::journeys::touchpoint_journeys;
use crate::json;
use crate::optimize::touchpoint_candidate;
use crate::panic::boundary;
use crate::result::{FfiError, touchpoint_result};

// ---------------------------------------------------------------- saved models

impl touchpoint_journey_graph {
    /// Save a graph with its analysis to a file (written to `path.tmp` and renamed into place, so
    /// a reader never sees a half-written model). The analysis is computed first if it was not
    /// yet, so that loading never solves anything.
    ///
    /// @param graph the graph (read-only)
    /// @param path, path_len the file path (UTF-8)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; IO (the message names the path);
    ///         NO_CONVERGENCE. Thread-safe for concurrent readers of `graph`; do not save to the
    ///         same path from two threads at once.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_save(
        graph: *const touchpoint_journey_graph,
        path: *const c_char,
        path_len: usize,
    ) -> touchpoint_result {
        boundary(|| {
            let g = try_ref!(graph);
            Ok(g.inner.save(try_str!(path, path_len))?)
        })
    }

    /// Load a graph saved by `touchpoint_journey_graph_save` (with its analysis: nothing is
    /// solved).
    ///
    /// @param path, path_len the file path (UTF-8)
    /// @param out receives the new handle (free with `touchpoint_journey_graph_free`)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; IO (a missing or unreadable file, the message
    ///         naming the path); MODEL_FILE (truncated, damaged, of a newer format or of another
    ///         kind, e.g. a journeys file; the message says which). Thread-safe.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_load(
        path: *const c_char,
        path_len: usize,
        out: *mut *mut touchpoint_journey_graph,
    ) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_journey_graph { inner: JourneyGraph::load(try_str!(path, path_len))? }))
    }

    /// The graph with its analysis as bytes (the content of a saved file). Call with `buf` NULL
    /// to learn the size: BUFFER_TOO_SMALL and `*out_n` = bytes needed (no NUL is added).
    ///
    /// @param graph the graph (read-only)
    /// @param buf the caller's buffer (NULL to ask for the size)
    /// @param len capacity of `buf` in bytes
    /// @param out_n receives the size in bytes (also when `buf` is too small)
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER; NO_CONVERGENCE. Thread-safe for concurrent
    ///         readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_to_bytes(
        graph: *const touchpoint_journey_graph,
        buf: *mut u8,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| bytes!(try_ref!(graph).inner.to_bytes()?, buf, len, out_n))
    }

    /// Load a graph from bytes written by `touchpoint_journey_graph_to_bytes` (or read from a
    /// saved file).
    ///
    /// @param bytes, len the bytes (copied; the caller keeps them)
    /// @param out receives the new handle (free with `touchpoint_journey_graph_free`)
    /// @return OK; NULL_PARAMETER; MODEL_FILE (truncated, damaged, newer format, another kind).
    ///         Thread-safe.
    ///
    /// # Safety
    /// `bytes` must be NULL or hold `len` readable bytes; `out` NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journey_graph_from_bytes(
        bytes: *const u8,
        len: usize,
        out: *mut *mut touchpoint_journey_graph,
    ) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_journey_graph { inner: JourneyGraph::from_bytes(try_slice!(bytes, len))? }))
    }
}

impl touchpoint_journeys {
    fn loaded(inner: Journeys) -> Self {
        let report = inner.report().cloned().unwrap_or_default();
        touchpoint_journeys { inner, report }
    }

    /// Save journeys with their open tails and build report to a file (written to `path.tmp`
    /// and renamed into place), for `touchpoint_journeys_load` and a later
    /// `touchpoint_journeys_append`.
    ///
    /// @param journeys the journeys (read-only)
    /// @param path, path_len the file path (UTF-8)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; IO (the message names the path). Thread-safe
    ///         for concurrent readers of `journeys`; do not save to the same path from two
    ///         threads at once.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journeys_save(
        journeys: *const touchpoint_journeys,
        path: *const c_char,
        path_len: usize,
    ) -> touchpoint_result {
        boundary(|| {
            let j = try_ref!(journeys);
            Ok(j.inner.save(try_str!(path, path_len))?)
        })
    }

    /// Load journeys saved by `touchpoint_journeys_save`; their report
    /// (`touchpoint_journeys_report`) is the saved report of the whole set.
    ///
    /// @param path, path_len the file path (UTF-8)
    /// @param out receives the new handle (free with `touchpoint_journeys_free`)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; IO; MODEL_FILE (truncated, damaged, newer
    ///         format, another kind). Thread-safe.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journeys_load(
        path: *const c_char,
        path_len: usize,
        out: *mut *mut touchpoint_journeys,
    ) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_journeys::loaded(Journeys::load(try_str!(path, path_len))?)))
    }

    /// Journeys with their open tails and report as bytes (the content of a saved file).
    ///
    /// @param journeys the journeys (read-only)
    /// @param buf, len, out_n as `touchpoint_journey_graph_to_bytes`
    /// @return OK; BUFFER_TOO_SMALL (`*out_n` = bytes needed); NULL_PARAMETER. Thread-safe for
    ///         concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journeys_to_bytes(
        journeys: *const touchpoint_journeys,
        buf: *mut u8,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| bytes!(try_ref!(journeys).inner.to_bytes(), buf, len, out_n))
    }

    /// Load journeys from bytes written by `touchpoint_journeys_to_bytes`.
    ///
    /// @param bytes, len the bytes (copied; the caller keeps them)
    /// @param out receives the new handle (free with `touchpoint_journeys_free`)
    /// @return OK; NULL_PARAMETER; MODEL_FILE. Thread-safe.
    ///
    /// # Safety
    /// `bytes` must be NULL or hold `len` readable bytes; `out` NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journeys_from_bytes(
        bytes: *const u8,
        len: usize,
        out: *mut *mut touchpoint_journeys,
    ) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_journeys::loaded(Journeys::from_bytes(try_slice!(bytes, len))?)))
    }
}

impl touchpoint_comparison {
    /// Save attribution results (every model's credits, with per-journey and per-position
    /// credits and intervals where they have them) to a file (written to `path.tmp` and renamed
    /// into place).
    ///
    /// @param comparison the results (read-only)
    /// @param path, path_len the file path (UTF-8)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; IO. Thread-safe for concurrent readers of
    ///         `comparison`; do not save to the same path from two threads at once.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_save(
        comparison: *const touchpoint_comparison,
        path: *const c_char,
        path_len: usize,
    ) -> touchpoint_result {
        boundary(|| {
            let c = try_ref!(comparison);
            Ok(saved::save_credits(try_str!(path, path_len), &c.credits)?)
        })
    }

    /// Load attribution results saved by `touchpoint_comparison_save`.
    ///
    /// @param path, path_len the file path (UTF-8)
    /// @param out receives the new handle (free with `touchpoint_comparison_free`)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; IO; MODEL_FILE. Thread-safe.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_load(
        path: *const c_char,
        path_len: usize,
        out: *mut *mut touchpoint_comparison,
    ) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_comparison::new(saved::load_credits(try_str!(path, path_len))?)?))
    }

    /// Attribution results as bytes (the content of a saved file).
    ///
    /// @param comparison the results (read-only)
    /// @param buf, len, out_n as `touchpoint_journey_graph_to_bytes`
    /// @return OK; BUFFER_TOO_SMALL (`*out_n` = bytes needed); NULL_PARAMETER. Thread-safe for
    ///         concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_to_bytes(
        comparison: *const touchpoint_comparison,
        buf: *mut u8,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| bytes!(saved::credits_to_bytes(&try_ref!(comparison).credits), buf, len, out_n))
    }

    /// Load attribution results from bytes written by `touchpoint_comparison_to_bytes`.
    ///
    /// @param bytes, len the bytes (copied; the caller keeps them)
    /// @param out receives the new handle (free with `touchpoint_comparison_free`)
    /// @return OK; NULL_PARAMETER; MODEL_FILE. Thread-safe.
    ///
    /// # Safety
    /// `bytes` must be NULL or hold `len` readable bytes; `out` NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_from_bytes(
        bytes: *const u8,
        len: usize,
        out: *mut *mut touchpoint_comparison,
    ) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_comparison::new(saved::credits_from_bytes(try_slice!(bytes, len))?)?))
    }
}

/// The header of saved model bytes as JSON (core `ModelInfo`): `{"kind": "journey_graph" |
/// "journeys" | "attribution" | "partial", "format_version", "library_version", "fingerprint"
/// (16 hex digits: equal fingerprints mean the same options over the same touchpoints),
/// "bytes"}`. The whole container is checked (signature, version, lengths, checksum); the model
/// is not decoded.
///
/// @param bytes, bytes_len the saved bytes
/// @param buf, len, out_n as `touchpoint_comparison_to_json`
/// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER; MODEL_FILE. Thread-safe.
///
/// # Safety
/// `bytes` must be NULL or hold `bytes_len` readable bytes; `buf` NULL or `len` writable bytes;
/// `out_n` NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_model_info_json(
    bytes: *const u8,
    bytes_len: usize,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| text!(json::value(&saved::inspect(try_slice!(bytes, bytes_len))?)?, buf, len, out_n))
}

/// The header of a saved model file as JSON (see `touchpoint_model_info_json`).
///
/// @param path, path_len the file path (UTF-8)
/// @param buf, len, out_n as `touchpoint_comparison_to_json`
/// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER; INVALID_UTF8; IO; MODEL_FILE. Thread-safe.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths; `buf` NULL or `len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_model_file_info_json(
    path: *const c_char,
    path_len: usize,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> touchpoint_result {
    boundary(|| text!(json::value(&saved::inspect_file(try_str!(path, path_len))?)?, buf, len, out_n))
}

// ---------------------------------------------------------------- increments

/// What `touchpoint_journeys_append` did with a batch of events: the core `AppendReport`, field
/// for field.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct touchpoint_append_report {
    /// Event rows in the batch.
    pub events_in: usize,
    /// Customers of the batch seen before (their open journeys continue).
    pub customers_continued: usize,
    /// Customers of the batch seen for the first time.
    pub customers_new: usize,
    /// Customers whose open journey (before the batch) is now closed by a conversion.
    pub journeys_closed: usize,
    /// Events older than their customer's last closed point: they join the open tail instead of
    /// reopening a closed journey (0 when batches arrive in time order; the result then equals
    /// a full rebuild).
    pub late_events: usize,
}

impl From<&AppendReport> for touchpoint_append_report {
    fn from(r: &AppendReport) -> Self {
        field_for_field!(r.clone(), AppendReport => touchpoint_append_report {
            events_in,
            customers_continued,
            customers_new,
            journeys_closed,
            late_events,
        })
    }
}

impl touchpoint_journeys {
    /// Append a batch of new events to journeys built from events (or loaded after
    /// `touchpoint_journeys_save`): a NEW handle with the journeys of all events so far, whose
    /// report (`touchpoint_journeys_report`) is that of the whole set; `journeys` is unchanged.
    /// Only the open tails of the customers in the batch are re-cut, with the options the
    /// journeys were built with; touchpoints are matched by name, customers by key. The result
    /// equals a rebuild from all the events when no event of the batch is older than its
    /// customer's last conversion (`late_events` counts those that are).
    ///
    /// @param journeys the journeys so far (read-only)
    /// @param events the batch (read-only; built row by row or read from CSV)
    /// @param out_journeys receives the new handle (free with `touchpoint_journeys_free`)
    /// @param out_report receives what the batch did; may be NULL
    /// @return OK; NULL_PARAMETER; MODEL_NOT_APPLICABLE (journeys that cannot be appended to:
    ///         merged, selected or split ones, or not built from events; the message says what
    ///         to use); EMPTY_INPUT (an empty batch of pushed rows). Thread-safe for concurrent
    ///         readers of `journeys` and `events`.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_journeys_append(
        journeys: *const touchpoint_journeys,
        events: *const touchpoint_event_table,
        out_journeys: *mut *mut touchpoint_journeys,
        out_report: *mut touchpoint_append_report,
    ) -> touchpoint_result {
        boundary(|| {
            let j = try_ref!(journeys);
            let table = try_ref!(events).table()?;
            if out_journeys.is_null() {
                return Err(crate::ffi::null("out_journeys"));
            }
            let (inner, report, added) = j.inner.append(&table)?;
            if !out_report.is_null() {
                *try_mut!(out_report) = touchpoint_append_report::from(&added);
            }
            give!(out_journeys, touchpoint_journeys { inner, report })
        })
    }
}

// ---------------------------------------------------------------- scoring

/// How a scored customer's state was found in the graph (`touchpoint_score_row.state_match`);
/// the values are the core's `StateMatch` codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_state_match {
    /// The customer's own state (their last `order` touches) was seen in the data.
    Exact = 0,
    /// It was not; the longest seen suffix of it is used.
    Suffix = 1,
    /// No suffix was seen either: scored from the start of a journey.
    Start = 2,
}

/// A journey graph prepared for scoring open journeys (core `Scorer`). It owns what it needs:
/// the graph may be freed after `touchpoint_scorer_new`.
pub struct touchpoint_scorer {
    inner: Scorer,
}

/// One scored customer (a core `ScoreRow`). Strings are NUL-terminated UTF-8 owned by the
/// scores (valid until `touchpoint_scores_free`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_score_row {
    /// Customer key.
    pub customer_id: *const c_char,
    /// Touches in the open journey.
    pub touches: usize,
    /// Touches of touchpoints the graph does not know (skipped: they cannot be in a state).
    pub unknown_touches: usize,
    /// The state scored from (a graph state label, or `(start)`).
    pub state: *const c_char,
    /// How the state was found: a `touchpoint_state_match` value.
    pub state_match: u32,
    /// Touches of the open journey the state covers (0 for the start).
    pub matched_touches: usize,
    /// P(conversion) from the state.
    pub conversion_probability: f64,
    /// Expected conversion value from the state.
    pub expected_value: f64,
    /// 1 when `expected_time_to_convert_ms` is known (graphs built from journeys with times).
    pub has_expected_time: u8,
    /// Expected time to convert from the state, given conversion, in ms (NaN when unknown).
    pub expected_time_to_convert_ms: f64,
    /// The best candidate next touchpoint; NULL when no candidate's next state was seen.
    pub best_next: *const c_char,
    /// P(conversion) after `best_next` (NaN without one).
    pub best_next_probability: f64,
    /// Its gain: P(conversion) after it − P(conversion) now (NaN without one).
    pub best_uplift: f64,
    /// Its expected value − its cost (NaN without one).
    pub best_net_value: f64,
}

/// One of a customer's top-k next touchpoints (a core `ScoreNextRow`). Strings are
/// NUL-terminated UTF-8 owned by the scores (valid until `touchpoint_scores_free`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_score_next_row {
    /// Customer key.
    pub customer_id: *const c_char,
    /// 1 for the best.
    pub rank: usize,
    /// The candidate touchpoint.
    pub touchpoint: *const c_char,
    /// The state after it.
    pub next_state: *const c_char,
    /// How often customers in the current state went there next.
    pub observed_share: f64,
    /// P(conversion) after it.
    pub conversion_probability: f64,
    /// P(conversion) after it − P(conversion) now.
    pub uplift: f64,
    /// Expected conversion value after it.
    pub expected_value: f64,
    /// Cost of the touch.
    pub cost: f64,
    /// Expected value − cost.
    pub net_value: f64,
}

/// No entry (a customer without a best next touchpoint).
const NONE: u32 = u32::MAX;

/// A count or an index as `u32` (the compact storage); beyond 4,294,967,295 an error.
fn small(n: usize, what: &str) -> Result<u32, FfiError> {
    u32::try_from(n).map_err(|_| FfiError::new(touchpoint_result::InvalidValue, format!("too many {what} ({n})")))
}

/// A NUL-free copy of `s` appended NUL-terminated to `text`; its offset.
fn push_text(text: &mut Vec<u8>, s: &str) -> Result<usize, FfiError> {
    if s.as_bytes().contains(&0) {
        return Err(FfiError::new(touchpoint_result::InvalidValue, format!("{s:?} contains a NUL byte")));
    }
    let at = text.len();
    text.extend_from_slice(s.as_bytes());
    text.push(0);
    Ok(at)
}

/// Multiplicative hasher for the small maps of the conversion (keys are addresses and bits).
#[derive(Default)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type Fast = BuildHasherDefault<FastHasher>;

/// The labels of one scorer's scores (state labels, touchpoint names), each stored once. The
/// core rows borrow them from the scorer, so one label is one `&str` (address and length) for
/// the whole conversion: they are interned by address (a small direct-mapped cache in front of
/// a map), which equal addresses and lengths make exact.
struct Labels {
    text: Vec<u8>,
    /// Offset in `text` per label id.
    at: Vec<usize>,
    by_addr: HashMap<(usize, usize), u32, Fast>,
    recent: Vec<(usize, usize, u32)>,
}

impl Labels {
    const RECENT: usize = 256;

    fn new() -> Self {
        Labels {
            text: Vec::new(),
            at: Vec::new(),
            by_addr: HashMap::default(),
            recent: vec![(0, 0, NONE); Self::RECENT],
        }
    }

    fn id(&mut self, s: &str) -> Result<u32, FfiError> {
        let key = (s.as_ptr() as usize, s.len());
        let slot = (key.0 >> 3) % Self::RECENT;
        let r = self.recent[slot];
        if (r.0, r.1) == key {
            return Ok(r.2);
        }
        let id = match self.by_addr.get(&key) {
            Some(&id) => id,
            None => {
                let id = small(self.at.len(), "labels")?;
                self.at.push(push_text(&mut self.text, s)?);
                self.by_addr.insert(key, id);
                id
            }
        };
        self.recent[slot] = (key.0, key.1, id);
        Ok(id)
    }
}

/// What a label comes with: a state's P(conversion), value and time, a candidate's cost.
trait Fig: Copy {
    fn label(&self) -> u32;
    /// The values, bit for bit (equal bits: the same figures).
    fn bits(&self) -> [u64; 4];
}

/// Distinct (label, figures) pairs, stored once: found by the label first (the figures of a
/// label are its node's, so nearly always the ones seen first), by a map otherwise.
struct Figs<T> {
    items: Vec<T>,
    by_label: Vec<u32>,
    others: HashMap<(u32, [u64; 4]), u32, Fast>,
}

impl<T: Fig> Figs<T> {
    fn new() -> Self {
        Figs { items: Vec::new(), by_label: Vec::new(), others: HashMap::default() }
    }

    fn id(&mut self, v: T) -> Result<u32, FfiError> {
        let l = v.label() as usize;
        if l >= self.by_label.len() {
            self.by_label.resize(l + 1, NONE);
        }
        let first = self.by_label[l];
        if first != NONE && self.items[first as usize].bits() == v.bits() {
            return Ok(first);
        }
        if let Some(&id) = self.others.get(&(v.label(), v.bits())) {
            return Ok(id);
        }
        let id = small(self.items.len(), "distinct states")?;
        self.items.push(v);
        if first == NONE {
            self.by_label[l] = id;
        } else {
            self.others.insert((v.label(), v.bits()), id);
        }
        Ok(id)
    }
}

/// A scored state: its label and figures.
#[derive(Clone, Copy)]
struct StateFig {
    label: u32,
    p: f64,
    ev: f64,
    time: Option<f64>,
}

impl Fig for StateFig {
    fn label(&self) -> u32 {
        self.label
    }
    fn bits(&self) -> [u64; 4] {
        [self.p.to_bits(), self.ev.to_bits(), self.time.is_some() as u64, self.time.map_or(0, f64::to_bits)]
    }
}

/// A next state: its label, P(conversion) and value.
#[derive(Clone, Copy)]
struct NextFig {
    label: u32,
    p: f64,
    ev: f64,
}

impl Fig for NextFig {
    fn label(&self) -> u32 {
        self.label
    }
    fn bits(&self) -> [u64; 4] {
        [self.p.to_bits(), self.ev.to_bits(), 0, 0]
    }
}

/// A candidate: its touchpoint name and cost.
#[derive(Clone, Copy)]
struct CandFig {
    label: u32,
    cost: f64,
}

impl Fig for CandFig {
    fn label(&self) -> u32 {
        self.label
    }
    fn bits(&self) -> [u64; 4] {
        [self.cost.to_bits(), 0, 0, 0]
    }
}

/// A core `ScoreRow`, compact: its state by figure id, `best_uplift` left out when it is
/// `best_next_probability - conversion_probability` bit for bit (else in `uplift_other`).
struct ScoreData {
    /// Offset of the customer key in `customers`.
    customer: usize,
    state: u32,
    /// Label id of `best_next` (NONE: none; the three best figures are then absent).
    best: u32,
    touches: u32,
    unknown_touches: u32,
    matched_touches: u32,
    state_match: StateMatch,
    best_next_probability: f64,
    best_net_value: f64,
}

/// A core `ScoreNextRow`, compact: `uplift` and `net_value` left out when they are
/// `conversion_probability - <row's>` and `expected_value - cost` bit for bit (else in
/// `next_other`).
struct NextData {
    /// The score row of its customer.
    row: u32,
    rank: u32,
    candidate: u32,
    next: u32,
    observed_share: f64,
}

/// Scored customers: one row each (in order of first appearance) and their top-k next
/// touchpoints, long form. Owns all its text: the customer keys in one buffer, the labels in
/// another, NUL-terminated; every label and its figures stored once.
pub struct touchpoint_scores {
    customers: Vec<u8>,
    labels: Labels,
    states: Vec<StateFig>,
    nexts: Vec<NextFig>,
    candidates: Vec<CandFig>,
    rows: Vec<ScoreData>,
    next: Vec<NextData>,
    /// `best_uplift` of the rows where it is not the difference (none, by the core's formula).
    uplift_other: HashMap<u32, f64, Fast>,
    /// `(uplift, net_value)` of the next rows where they are not the differences (likewise).
    next_other: HashMap<u32, (f64, f64), Fast>,
}

impl touchpoint_scores {
    /// Copy the core scores (which borrow the scorer and the input) into owned, compact storage.
    fn new(scores: &Scores<'_>) -> Result<Self, FfiError> {
        let rows: Vec<ScoreRow<'_>> = scores.rows().collect();
        let next: Vec<ScoreNextRow<'_>> = scores.next_rows().collect();
        Self::from_rows(&rows, &next)
    }

    /// Copy core rows into owned, compact storage.
    fn from_rows(rows: &[ScoreRow<'_>], next: &[ScoreNextRow<'_>]) -> Result<Self, FfiError> {
        struct Rows<'r, 'a> {
            rows: &'r [ScoreRow<'a>],
            next: &'r [ScoreNextRow<'a>],
        }
        let s = &Rows { rows, next };
        let customer_bytes: usize = s.rows.iter().map(|r| r.customer_id.len() + 1).sum();
        let mut customers = Vec::with_capacity(customer_bytes);
        let mut labels = Labels::new();
        let (mut states, mut nexts, mut cands) =
            (Figs::<StateFig>::new(), Figs::<NextFig>::new(), Figs::<CandFig>::new());
        let mut rows = Vec::with_capacity(s.rows.len());
        let mut uplift_other = HashMap::default();
        for r in s.rows {
            // exhaustive: a column the core adds does not compile until it is here too
            let ScoreRow {
                customer_id,
                touches,
                unknown_touches,
                state,
                state_match,
                matched_touches,
                conversion_probability,
                expected_value,
                expected_time_to_convert,
                best_next,
                best_next_probability,
                best_uplift,
                best_net_value,
            } = r;
            let label = labels.id(state)?;
            let fig = StateFig {
                label,
                p: *conversion_probability,
                ev: *expected_value,
                time: expected_time_to_convert.map(|d| d.0 as f64),
            };
            let i = small(rows.len(), "scored customers")?;
            let best = match best_next {
                Some(b) => labels.id(b)?,
                None => NONE,
            };
            let bp = best_next_probability.unwrap_or(f64::NAN);
            if let Some(u) = best_uplift
                && u.to_bits() != (bp - conversion_probability).to_bits()
            {
                uplift_other.insert(i, *u);
            }
            rows.push(ScoreData {
                customer: push_text(&mut customers, customer_id)?,
                state: states.id(fig)?,
                best,
                touches: small(*touches, "touches")?,
                unknown_touches: small(*unknown_touches, "touches")?,
                matched_touches: small(*matched_touches, "touches")?,
                state_match: *state_match,
                best_next_probability: bp,
                best_net_value: best_net_value.unwrap_or(f64::NAN),
            });
        }
        // next rows come in the customers' order: find each one's customer by walking the rows
        let mut next = Vec::with_capacity(s.next.len());
        let mut next_other = HashMap::default();
        let mut ri = 0;
        for n in s.next {
            let ScoreNextRow {
                customer_id,
                rank,
                touchpoint,
                next_state,
                observed_share,
                conversion_probability,
                uplift,
                expected_value,
                cost,
                net_value,
            } = n;
            while ri < s.rows.len() && s.rows[ri].customer_id != *customer_id {
                ri += 1;
            }
            let Some(row) = s.rows.get(ri) else {
                return Err(FfiError::new(
                    touchpoint_result::Panic,
                    format!(
                        "internal error: the next touchpoint rows of {customer_id:?} have no score row; please report this as a bug"
                    ),
                ));
            };
            let i = small(next.len(), "next touchpoint rows")?;
            let candidate = cands.id(CandFig { label: labels.id(touchpoint)?, cost: *cost })?;
            let fig = NextFig { label: labels.id(next_state)?, p: *conversion_probability, ev: *expected_value };
            if uplift.to_bits() != (conversion_probability - row.conversion_probability).to_bits()
                || net_value.to_bits() != (expected_value - cost).to_bits()
            {
                next_other.insert(i, (*uplift, *net_value));
            }
            next.push(NextData {
                row: small(ri, "scored customers")?,
                rank: small(*rank, "ranks")?,
                candidate,
                next: nexts.id(fig)?,
                observed_share: *observed_share,
            });
        }
        Ok(touchpoint_scores {
            customers,
            labels,
            states: states.items,
            nexts: nexts.items,
            candidates: cands.items,
            rows,
            next,
            uplift_other,
            next_other,
        })
    }

    /// The C pointer of a label (NULL for none).
    fn label_ptr(&self, id: u32) -> *const c_char {
        match self.labels.at.get(id as usize) {
            Some(&at) => self.labels.text[at..].as_ptr().cast(),
            None => std::ptr::null(),
        }
    }

    /// A NUL-terminated string of `text` at `at`.
    fn str_in(text: &[u8], at: usize) -> &str {
        CStr::from_bytes_until_nul(&text[at..]).ok().and_then(|c| c.to_str().ok()).unwrap_or_default()
    }

    fn label(&self, id: u32) -> &str {
        self.labels.at.get(id as usize).map_or("", |&at| Self::str_in(&self.labels.text, at))
    }

    /// The row's values as the core has them.
    fn core_row(&self, i: usize) -> ScoreRow<'_> {
        let r = &self.rows[i];
        let st = self.states[r.state as usize];
        let best = (r.best != NONE).then_some(());
        let uplift = || match self.uplift_other.get(&(i as u32)) {
            Some(&u) => u,
            None => r.best_next_probability - st.p,
        };
        ScoreRow {
            customer_id: Self::str_in(&self.customers, r.customer),
            touches: r.touches as usize,
            unknown_touches: r.unknown_touches as usize,
            state: self.label(st.label),
            state_match: r.state_match,
            matched_touches: r.matched_touches as usize,
            conversion_probability: st.p,
            expected_value: st.ev,
            expected_time_to_convert: st.time.map(touchpoint_core::rows::DurationMs::from_f64),
            best_next: best.map(|()| self.label(r.best)),
            best_next_probability: best.map(|()| r.best_next_probability),
            best_uplift: best.map(|()| uplift()),
            best_net_value: best.map(|()| r.best_net_value),
        }
    }

    /// The next row's values as the core has them.
    fn core_next(&self, i: usize) -> ScoreNextRow<'_> {
        let n = &self.next[i];
        let (c, x) = (self.candidates[n.candidate as usize], self.nexts[n.next as usize]);
        let row = &self.rows[n.row as usize];
        let (uplift, net_value) = match self.next_other.get(&(i as u32)) {
            Some(&v) => v,
            None => (x.p - self.states[row.state as usize].p, x.ev - c.cost),
        };
        ScoreNextRow {
            customer_id: Self::str_in(&self.customers, row.customer),
            rank: n.rank as usize,
            touchpoint: self.label(c.label),
            next_state: self.label(x.label),
            observed_share: n.observed_share,
            conversion_probability: x.p,
            uplift,
            expected_value: x.ev,
            cost: c.cost,
            net_value,
        }
    }

    fn row(&self, i: usize) -> Result<touchpoint_score_row, FfiError> {
        if i >= self.rows.len() {
            return Err(out_of_range(i, self.rows.len()));
        }
        let r = &self.rows[i];
        let v = self.core_row(i);
        let nan = |x: Option<f64>| x.unwrap_or(f64::NAN);
        Ok(touchpoint_score_row {
            customer_id: self.customers[r.customer..].as_ptr().cast(),
            touches: v.touches,
            unknown_touches: v.unknown_touches,
            state: self.label_ptr(self.states[r.state as usize].label),
            state_match: touchpoint_core::Named::code(v.state_match),
            matched_touches: v.matched_touches,
            conversion_probability: v.conversion_probability,
            expected_value: v.expected_value,
            has_expected_time: v.expected_time_to_convert.is_some() as u8,
            expected_time_to_convert_ms: nan(v.expected_time_to_convert.map(|d| d.0 as f64)),
            best_next: if r.best == NONE { std::ptr::null() } else { self.label_ptr(r.best) },
            best_next_probability: nan(v.best_next_probability),
            best_uplift: nan(v.best_uplift),
            best_net_value: nan(v.best_net_value),
        })
    }

    fn next_row(&self, i: usize) -> Result<touchpoint_score_next_row, FfiError> {
        if i >= self.next.len() {
            return Err(out_of_range(i, self.next.len()));
        }
        let n = &self.next[i];
        let v = self.core_next(i);
        Ok(touchpoint_score_next_row {
            customer_id: self.customers[self.rows[n.row as usize].customer..].as_ptr().cast(),
            rank: v.rank,
            touchpoint: self.label_ptr(self.candidates[n.candidate as usize].label),
            next_state: self.label_ptr(self.nexts[n.next as usize].label),
            observed_share: v.observed_share,
            conversion_probability: v.conversion_probability,
            uplift: v.uplift,
            expected_value: v.expected_value,
            cost: v.cost,
            net_value: v.net_value,
        })
    }

    /// The core rows again (borrowing the handle), for JSON.
    fn core_rows(&self) -> (Vec<ScoreRow<'_>>, Vec<ScoreNextRow<'_>>) {
        (
            (0..self.rows.len()).map(|i| self.core_row(i)).collect(),
            (0..self.next.len()).map(|i| self.core_next(i)).collect(),
        )
    }
}

fn out_of_range(i: usize, n: usize) -> FfiError {
    FfiError::new(touchpoint_result::OutOfRange, format!("row index {i} >= {n} rows"))
}

/// `{"rows": [ScoreRow...], "next": [ScoreNextRow...]}`.
#[derive(serde::Serialize)]
struct ScoresJson<'a> {
    rows: json::Table<'a, ScoreRow<'a>>,
    next: json::Table<'a, ScoreNextRow<'a>>,
}

impl touchpoint_scorer {
    /// Prepare a graph for scoring open journeys. Its analysis is used as it is (a loaded graph
    /// brings it; a built one computes it once here). The scorer copies what it needs: the
    /// graph may be freed afterwards.
    ///
    /// @param graph the graph (read-only)
    /// @param candidates, n_candidates the allowed next touchpoints and the cost of one touch;
    ///        `n_candidates` 0 (`candidates` may then be NULL): every touchpoint of the graph, at
    ///        its catalog cost (0 without one)
    /// @param top_k how many next touchpoints to keep per customer (0: score the states only)
    /// @param collapse_repeats 1: count consecutive touches of the same touchpoint once (set it
    ///        when the graph's journeys were built with `collapse_repeats`); 0: keep them
    /// @param out receives the new handle (free with `touchpoint_scorer_free`)
    /// @return OK; NULL_PARAMETER (also `candidates` NULL with `n_candidates` > 0);
    ///         INVALID_UTF8; INVALID_ARGUMENT (an unknown candidate touchpoint, the message
    ///         naming it; `collapse_repeats` other than 0 or 1); INVALID_VALUE (a negative or
    ///         non-finite cost); NO_CONVERGENCE. Thread-safe for concurrent readers of `graph`.
    ///
    /// # Safety
    /// `candidates` must be NULL or point to `n_candidates` valid structs whose strings are valid
    /// for their lengths; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_scorer_new(
        graph: *const touchpoint_journey_graph,
        candidates: *const touchpoint_candidate,
        n_candidates: usize,
        top_k: usize,
        collapse_repeats: u8,
        out: *mut *mut touchpoint_scorer,
    ) -> touchpoint_result {
        boundary(|| {
            let g = try_ref!(graph);
            let candidates = if n_candidates == 0 {
                None
            } else {
                let list = try_slice!(candidates, n_candidates)
                    .iter()
                    .map(|c| {
                        let name = try_str!(c.touchpoint, c.touchpoint_len, "candidates[].touchpoint");
                        Ok(Candidate::new(name, c.cost))
                    })
                    .collect::<Result<Vec<_>, FfiError>>()?;
                Some(list)
            };
            let collapse_repeats = try_bool!(collapse_repeats, "collapse_repeats");
            let opts = ScoreOptions { candidates, top_k, collapse_repeats };
            give!(out, touchpoint_scorer { inner: Scorer::new(&g.inner, &opts)? })
        })
    }

    /// Score the open journeys of an event table: per customer (in order of first appearance),
    /// the touches after their last conversion in the table (in time order; a customer whose
    /// last event is a conversion is scored from the start). Touches of touchpoints the graph
    /// does not know are skipped and counted (`unknown_touches`), never an error. Runs on the
    /// library's thread pool.
    ///
    /// @param scorer the scorer (read-only)
    /// @param events the events (read-only)
    /// @param out_scores receives the new handle (free with `touchpoint_scores_free`)
    /// @return OK; NULL_PARAMETER; EMPTY_INPUT (no rows pushed). Thread-safe: one scorer may
    ///         score from many threads at once.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_scorer_score_events(
        scorer: *const touchpoint_scorer,
        events: *const touchpoint_event_table,
        out_scores: *mut *mut touchpoint_scores,
    ) -> touchpoint_result {
        boundary(|| {
            let s = try_ref!(scorer);
            let table = try_ref!(events).table()?;
            if out_scores.is_null() {
                return Err(crate::ffi::null("out_scores"));
            }
            let scores = touchpoint_scores::new(&s.inner.score_events(&table)?)?;
            give!(out_scores, scores)
        })
    }

    /// Score the open journey of every customer of `journeys` whose last journey did not
    /// convert (what `touchpoint_journeys_append` leaves open), in customer order.
    ///
    /// @param scorer the scorer (read-only)
    /// @param journeys the journeys (read-only)
    /// @param out_scores receives the new handle (free with `touchpoint_scores_free`)
    /// @return OK; NULL_PARAMETER. Thread-safe: one scorer may score from many threads at once.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_scorer_score_journeys(
        scorer: *const touchpoint_scorer,
        journeys: *const touchpoint_journeys,
        out_scores: *mut *mut touchpoint_scores,
    ) -> touchpoint_result {
        boundary(|| {
            let (s, j) = (try_ref!(scorer), try_ref!(journeys));
            if out_scores.is_null() {
                return Err(crate::ffi::null("out_scores"));
            }
            let scores = touchpoint_scores::new(&s.inner.score_journeys(&j.inner)?)?;
            give!(out_scores, scores)
        })
    }

    /// Free a scorer. NULL is a no-op. Scores made with it stay valid.
    ///
    /// # Safety
    /// `scorer` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_scorer_free(scorer: *mut touchpoint_scorer) {
        free_box!(scorer)
    }
}

impl touchpoint_scores {
    /// Number of scored customers (rows).
    ///
    /// @param scores the scores
    /// @param out receives the count
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_scores_len(
        scores: *const touchpoint_scores,
        out: *mut usize,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(scores).rows.len()))
    }

    /// Row `i`: one scored customer. Its string pointers stay valid until the scores are freed.
    ///
    /// @param scores the scores
    /// @param i row index (< `touchpoint_scores_len`)
    /// @param out receives the row
    /// @return OK; OUT_OF_RANGE; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_scores_row(
        scores: *const touchpoint_scores,
        i: usize,
        out: *mut touchpoint_score_row,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(scores).row(i)?))
    }

    /// Number of next-touchpoint rows (up to `top_k` per customer, best first, customers in row
    /// order).
    ///
    /// @param scores the scores
    /// @param out receives the count
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_scores_next_len(
        scores: *const touchpoint_scores,
        out: *mut usize,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(scores).next.len()))
    }

    /// Next-touchpoint row `i`. Its string pointers stay valid until the scores are freed.
    ///
    /// @param scores the scores
    /// @param i row index (< `touchpoint_scores_next_len`)
    /// @param out receives the row
    /// @return OK; OUT_OF_RANGE; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_scores_next_row(
        scores: *const touchpoint_scores,
        i: usize,
        out: *mut touchpoint_score_next_row,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(scores).next_row(i)?))
    }

    /// The scores as JSON: `{"rows": [core ScoreRow...], "next": [core ScoreNextRow...]}`, the
    /// keys being the fields of `touchpoint_score_row` and `touchpoint_score_next_row`
    /// (`state_match` as its name: `exact`, `suffix`, `start`; missing values `null`;
    /// `expected_time_to_convert`, in milliseconds, left out when no row has one).
    ///
    /// @param scores the scores
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_scores_to_json(
        scores: *const touchpoint_scores,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| {
            let (rows, next) = try_ref!(scores).core_rows();
            text!(json::value(&ScoresJson { rows: json::Table(&rows), next: json::Table(&next) })?, buf, len, out_n)
        })
    }

    /// Free scores. NULL is a no-op. Row string pointers die with them.
    ///
    /// # Safety
    /// `scores` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_scores_free(scores: *mut touchpoint_scores) {
        free_box!(scores)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::assert_same_codes;
    use touchpoint_core::PathTable;

    #[test]
    fn state_match_codes_are_the_core_codes() {
        assert_same_codes!(touchpoint_state_match, StateMatch { Exact, Suffix, Start });
    }

    /// The owned copy gives back the core rows exactly, labels stored once.
    #[test]
    fn scores_copy_is_exact_and_labels_are_shared() {
        let mut p = PathTable::default();
        p.add_path_str("ad > email > store", ">", 8.0, 2.0, 800.0).unwrap();
        p.add_path_str("ad > site", ">", 2.0, 8.0, 100.0).unwrap();
        let g = JourneyGraph::from_paths(&p, 2).unwrap();
        let candidates = Some(vec![Candidate::new("site", 0.0), Candidate::new("email", 1.0)]);
        let scorer = Scorer::new(&g, &ScoreOptions { candidates, ..Default::default() }).unwrap();
        let mut e = touchpoint_core::EventTable::builder();
        for c in 0..50 {
            let c = format!("c{c}");
            e.touch(&c, "ad", 1).unwrap();
            if c.len() % 2 == 0 {
                e.touch(&c, "chat", 2).unwrap();
            }
        }
        e.touch("z", "ad", 1).unwrap();
        e.touch("z", "email", 2).unwrap();
        let e = e.finish().unwrap();
        let scores = scorer.score_events(&e).unwrap();
        let core_rows: Vec<_> = scores.rows().collect();
        let core_next: Vec<_> = scores.next_rows().collect();
        let s = touchpoint_scores::new(&scores).unwrap();
        let (rows, next) = s.core_rows();
        assert_eq!(rows, core_rows);
        assert_eq!(next, core_next);
        assert!(core_rows.iter().any(|r| r.best_next.is_none()), "neither email > site nor email > email was seen");
        let r = s.row(0).unwrap();
        assert_eq!(r.state, s.row(1).unwrap().state, "one copy of each label");
        assert!(s.row(core_rows.len()).is_err() && s.next_row(core_next.len()).is_err());
    }

    /// Rows the compact storage cannot share are kept as they are: equal label texts at other
    /// addresses, one label with other figures, an uplift or a net value that is not the
    /// difference, an absent time.
    #[test]
    fn scores_copy_keeps_what_does_not_fit_the_pattern() {
        let (a1, a2, b) = (String::from("a"), String::from("a"), String::from("b"));
        let row = |id: &'static str, state: &'static str, p: f64, uplift: f64| ScoreRow {
            customer_id: id,
            touches: 2,
            unknown_touches: 1,
            state,
            state_match: StateMatch::Suffix,
            matched_touches: 1,
            conversion_probability: p,
            expected_value: 3.0,
            expected_time_to_convert: (p > 0.3).then_some(touchpoint_core::rows::DurationMs(8)),
            best_next: Some("x"),
            best_next_probability: Some(0.75),
            best_uplift: Some(uplift),
            best_net_value: Some(-1.0),
        };
        let next = |id: &'static str, state: &'static str, uplift: f64, net: f64| ScoreNextRow {
            customer_id: id,
            rank: 1,
            touchpoint: "x",
            next_state: state,
            observed_share: 0.25,
            conversion_probability: 0.75,
            uplift,
            expected_value: 2.0,
            cost: 0.5,
            net_value: net,
        };
        // the labels outlive the rows; 'static rows over leaked copies keep the test simple
        let (a1, a2, b): (&'static str, &'static str, &'static str) = (a1.leak(), a2.leak(), b.leak());
        let mut none = row("n", b, 0.5, 0.0);
        (none.best_next, none.best_next_probability, none.best_uplift, none.best_net_value) = (None, None, None, None);
        let core_rows = vec![row("u", a1, 0.5, 0.25), row("v", a2, 0.5, 0.1), row("w", a1, 0.25, 0.5), none];
        let core_next = vec![next("u", b, 0.25, 1.5), next("v", a1, 0.3, 1.5), next("w", b, 0.5, 9.0)];
        let s = touchpoint_scores::from_rows(&core_rows, &core_next).unwrap();
        let (rows, next) = s.core_rows();
        assert_eq!(rows, core_rows);
        assert_eq!(next, core_next);
        assert_eq!((s.uplift_other.len(), s.next_other.len()), (1, 2), "v's uplift; v's and w's next row");
        assert_eq!(s.states.len(), 4, "a1 with two sets of figures, a2 (the same text elsewhere), b");
        assert!(s.row(3).unwrap().best_next.is_null() && s.row(3).unwrap().best_uplift.is_nan());
    }
}
