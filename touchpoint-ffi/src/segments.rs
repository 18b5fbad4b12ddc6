//! Bootstrap intervals, per-segment analyses and personas (core
//! [`touchpoint_core::bootstrap`], [`touchpoint_core::segmented`], [`touchpoint_core::persona`]).
//!
//! Every function reads a `const touchpoint_journeys *` (the interval functions also a
//! `const touchpoint_path_table *`) and takes its options as one JSON object (the core's
//! `SegmentSpec`: `models`, `order`, `max_touches`, `bootstrap`, `ci`, `seed`, `top`, `rank`,
//! `persona`; NULL with length 0, or `{}`, for every default; an unknown key is
//! INVALID_ARGUMENT naming it). The whole result comes back as JSON, a library-owned string
//! freed with `touchpoint_string_free`:
//! - `touchpoint_attribute_journeys_intervals_json` / `_paths_`: credits with bootstrap
//!   intervals (`lower`, `upper`, `std_error`);
//! - `touchpoint_graph_intervals_json` / `touchpoint_graph_paths_intervals_json`: P(conversion),
//!   removal effects, per state P(conversion) and drop-off, with intervals;
//! - `touchpoint_attribution_by_segment_json`, `touchpoint_attribution_segment_compare_json`,
//!   `touchpoint_graph_by_segment_json`, `touchpoint_top_paths_by_segment_json`: the same per
//!   segment, and two segments compared;
//! - `touchpoint_personas_json`: k-means personas and each customer's persona.
//!
//! Segments are given as customer name → label pairs: two arrays of `n_pairs` NUL-terminated
//! UTF-8 strings, `customer_names[i]` in segment `segment_labels[i]`. Customers not listed
//! (or listed with a NULL label) are in the segment `(missing)`; a name that is no customer of
//! the journeys is INVALID_ARGUMENT naming it.
//!
//! All functions only read their handles: they are safe to call concurrently on the same
//! handles.

use std::ffi::c_char;

use serde::Serialize;
use touchpoint_core::Data;
use touchpoint_core::attribution::{AttributionRow, Credits, intervals};
use touchpoint_core::bootstrap::BootstrapOptions;
use touchpoint_core::graph::intervals::graph_intervals;
use touchpoint_core::persona::{Personas, personas};
use touchpoint_core::segment::Segments;
use touchpoint_core::segmented::{
    self, SegmentAttribution, SegmentAttributionRow, SegmentDiffRow, SegmentGraph, SegmentGraphRow,
};
use touchpoint_core::segmented_spec::SegmentSpec;

use crate::ffi::{give_str, null, try_opt_str, try_opt_str_list, try_ref, try_str};
use crate::journeys::touchpoint_journeys;
use crate::json::{self, Table};
use crate::panic::boundary;
use crate::paths::touchpoint_path_table;
use crate::result::{FfiError, touchpoint_result};

/// The options object (absent: every default); errors are prefixed with `options_json`.
///
/// # Safety
/// `options_json` NULL or valid for `options_len` bytes.
unsafe fn spec_of(options_json: *const c_char, options_len: usize) -> Result<SegmentSpec, FfiError> {
    match try_opt_str!(options_json, options_len, "options_json") {
        Some(s) => SegmentSpec::from_json(s).map_err(|e| FfiError::from(e).within("options_json")),
        None => Ok(SegmentSpec::default()),
    }
}

/// The segments of `journeys`' customers from `n_pairs` name → label pairs.
///
/// # Safety
/// The arrays NULL or valid for `n_pairs` elements, each NULL or NUL-terminated.
unsafe fn segments_of(
    journeys: &touchpoint_journeys,
    customer_names: *const *const c_char,
    segment_labels: *const *const c_char,
    n_pairs: usize,
) -> Result<Segments, FfiError> {
    let names = try_opt_str_list!(customer_names, n_pairs).unwrap_or_default();
    let labels = try_opt_str_list!(segment_labels, n_pairs).unwrap_or_default();
    let mut pairs = Vec::with_capacity(n_pairs);
    for (i, (name, label)) in names.iter().zip(&labels).enumerate() {
        let name = name.ok_or_else(|| null(&format!("customer_names[{i}]")))?;
        if let Some(label) = label {
            pairs.push((name, *label));
        }
    }
    Segments::from_customer_names(journeys.inner.customer_names(), &pairs)
        .map_err(|e| FfiError::from(e).within("customer_names"))
}

/// One model's credits as a table.
#[derive(Serialize)]
struct ModelTable<'a> {
    /// The column name (`markov_1`, `linear`, …).
    model: String,
    /// The model with its parameters.
    label: String,
    total_journeys: f64,
    total_conversions: f64,
    total_value: f64,
    efficient: bool,
    rows: Table<'a, AttributionRow>,
    notes: &'a [String],
}

fn credits_json(credits: &[Credits]) -> Result<String, FfiError> {
    let tables: Vec<Vec<AttributionRow>> = credits.iter().map(Credits::table).collect();
    let out: Vec<ModelTable<'_>> = credits
        .iter()
        .zip(&tables)
        .map(|(c, t)| ModelTable {
            model: c.column_name(),
            label: c.label(),
            total_journeys: c.total_journeys,
            total_conversions: c.total_conversions,
            total_value: c.total_value,
            efficient: c.efficient,
            rows: Table(t),
            notes: &c.notes,
        })
        .collect();
    json::value(&out)
}

fn attribution_intervals(data: Data<'_>, spec: &SegmentSpec) -> Result<String, FfiError> {
    let credits = intervals::compare_with_intervals(
        data,
        &spec.models()?,
        &spec.attribution_options(),
        &spec.bootstrap_or_default(),
    )?;
    credits_json(&credits)
}

fn graph_intervals_json(data: Data<'_>, spec: &SegmentSpec) -> Result<String, FfiError> {
    json::value(&graph_intervals(data, spec.order, spec.max_touches, &spec.bootstrap_or_default())?)
}

/// A segment left out of an analysis, with the reason.
#[derive(Serialize)]
struct Skipped<'a> {
    segment: &'a str,
    reason: &'a str,
}

fn skipped(list: &[(String, String)]) -> Vec<Skipped<'_>> {
    list.iter().map(|(segment, reason)| Skipped { segment, reason }).collect()
}

/// One analysed segment of an attribution.
#[derive(Serialize)]
struct SegmentInfo<'a> {
    segment: &'a str,
    journeys: usize,
    /// The models' notes (each once).
    notes: Vec<&'a str>,
}

#[derive(Serialize)]
struct AttributionBySegment<'a> {
    segments: Vec<SegmentInfo<'a>>,
    rows: Table<'a, SegmentAttributionRow>,
    skipped: Vec<Skipped<'a>>,
    compare: Table<'a, SegmentDiffRow>,
    bootstrap: Option<BootstrapOptions>,
}

#[derive(Serialize)]
struct GraphBySegment<'a> {
    rows: Table<'a, SegmentGraphRow>,
    skipped: Vec<Skipped<'a>>,
    compare: Table<'a, SegmentDiffRow>,
    bootstrap: Option<BootstrapOptions>,
}

/// Every pair `a < b` of `labels` (label order), compared by `f`.
fn all_pairs(
    labels: &[&str],
    f: impl Fn(&str, &str) -> touchpoint_core::Result<Vec<SegmentDiffRow>>,
) -> Result<Vec<SegmentDiffRow>, FfiError> {
    let mut out = Vec::new();
    for (i, a) in labels.iter().enumerate() {
        for b in &labels[i + 1..] {
            out.extend(f(a, b)?);
        }
    }
    Ok(out)
}

fn attribution_by_segment(
    j: &touchpoint_journeys,
    seg: &Segments,
    spec: &SegmentSpec,
) -> Result<SegmentAttribution, FfiError> {
    let boot = spec.bootstrap();
    Ok(segmented::attribute_by_segment(&j.inner, seg, &spec.models()?, &spec.attribution_options(), boot.as_ref())?)
}

fn graph_by_segment(j: &touchpoint_journeys, seg: &Segments, spec: &SegmentSpec) -> Result<SegmentGraph, FfiError> {
    let boot = spec.bootstrap();
    Ok(segmented::graph_by_segment(&j.inner, seg, spec.order, spec.max_touches, boot.as_ref())?)
}

#[derive(Serialize)]
struct Assignment<'a> {
    customer: &'a str,
    persona: &'a str,
}

#[derive(Serialize)]
struct PersonasOut<'a> {
    #[serde(flatten)]
    personas: &'a Personas,
    assignments: Vec<Assignment<'a>>,
}

/// Attribution of journeys with bootstrap intervals, as JSON: an array with one object per
/// model, `[{"model", "label", "total_journeys", "total_conversions", "total_value",
/// "efficient", "rows": [AttributionRow...], "notes"}]`, where every row has `lower`, `upper`
/// and `std_error` of its credited conversions. Customers are resampled (a Poisson(1) weight
/// per customer and resample, from `seed`).
///
/// @param journeys the journeys (read-only)
/// @param options_json, options_len the options, a JSON object (unknown keys are errors): `models`
///        (default `["markov"]`), `order`, `max_touches`, `bootstrap` (resamples; default 200
///        here), `ci` (0.95), `seed` (0); NULL with 0 for the defaults
/// @param out_json receives the JSON, owned by the caller: free it with
///        `touchpoint_string_free`. Written only on success.
/// @return OK; NULL_PARAMETER (`journeys`, `out_json`); INVALID_UTF8; INVALID_ARGUMENT (an
///         unknown option or model, `bootstrap` 0 or above 100,000, `ci` outside (0, 1): the
///         message names the key); MODEL_NOT_APPLICABLE (no conversions); EMPTY_INPUT.
///         Reads the handle only: safe to call concurrently on the same handle.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_attribute_journeys_intervals_json(
    journeys: *const touchpoint_journeys,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        let j = try_ref!(journeys);
        // SAFETY: the caller's pointers, as documented above.
        let spec = unsafe { spec_of(options_json, options_len)? };
        give_str!(out_json, attribution_intervals(Data::Journeys(&j.inner), &spec)?)
    })
}

/// Attribution of a path table with bootstrap intervals, as JSON (the shape of
/// `touchpoint_attribute_journeys_intervals_json`). A path table has no customers: each row's
/// conversions and non-conversions are redrawn as Poisson counts.
///
/// @param paths the path table (read-only)
/// @param options_json, options_len, out_json as `touchpoint_attribute_journeys_intervals_json`
/// @return as `touchpoint_attribute_journeys_intervals_json` (`paths` for a NULL table).
///         Reads the handle only: safe to call concurrently on the same handle.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_attribute_paths_intervals_json(
    paths: *const touchpoint_path_table,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        let p = try_ref!(paths);
        // SAFETY: the caller's pointers, as documented above.
        let spec = unsafe { spec_of(options_json, options_len)? };
        give_str!(out_json, attribution_intervals(Data::Paths(&p.inner), &spec)?)
    })
}

/// The journey graph's metrics with bootstrap intervals, as JSON (core `GraphIntervals`):
/// `{"rows": [GraphIntervalRow...], "notes"}`, one row per metric and item: `metric`
/// `conversion_probability` (item `(start)`), `removal_effect` (item: a touchpoint),
/// `state_conversion_probability` and `dropoff_rate` (item: a state), each with `estimate`,
/// `lower`, `upper`, `std_error` and `resamples`.
///
/// @param journeys the journeys (read-only)
/// @param options_json, options_len the options: `order` (1), `max_touches`, `bootstrap`
///        (default 200 here), `ci`, `seed`; NULL with 0 for the defaults
/// @param out_json receives the JSON, owned by the caller: free it with
///        `touchpoint_string_free`. Written only on success.
/// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (an option; the message names
///         it); EMPTY_INPUT; NO_CONVERGENCE. Reads the handle only: safe to call concurrently
///         on the same handle.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_graph_intervals_json(
    journeys: *const touchpoint_journeys,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        let j = try_ref!(journeys);
        // SAFETY: the caller's pointers, as documented above.
        let spec = unsafe { spec_of(options_json, options_len)? };
        give_str!(out_json, graph_intervals_json(Data::Journeys(&j.inner), &spec)?)
    })
}

/// The graph metrics of a path table with bootstrap intervals, as JSON (the shape of
/// `touchpoint_graph_intervals_json`; rows' counts are redrawn as Poisson counts).
///
/// @param paths the path table (read-only)
/// @param options_json, options_len, out_json as `touchpoint_graph_intervals_json`
/// @return as `touchpoint_graph_intervals_json`. Reads the handle only: safe to call
///         concurrently on the same handle.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_graph_paths_intervals_json(
    paths: *const touchpoint_path_table,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        let p = try_ref!(paths);
        // SAFETY: the caller's pointers, as documented above.
        let spec = unsafe { spec_of(options_json, options_len)? };
        give_str!(out_json, graph_intervals_json(Data::Paths(&p.inner), &spec)?)
    })
}

/// Attribution per segment, as JSON: `{"segments": [{"segment", "journeys", "notes"}...],
/// "rows": [SegmentAttributionRow...], "skipped": [{"segment", "reason"}...], "compare":
/// [SegmentDiffRow...], "bootstrap": BootstrapOptions or null}`. Each segment is analysed alone
/// (its figures equal running the models on its customers only); a segment where a model does
/// not apply (no conversions) is in `skipped`, not dropped. `compare` holds every pair of
/// analysed segments `a < b` (label order): the share of credit (and Markov removal effect) in
/// each, `b − a`, and with a bootstrap its interval, p-value and Benjamini–Hochberg adjusted
/// p-value. Intervals only with `bootstrap` in the options.
///
/// @param journeys the journeys (read-only)
/// @param customer_names, segment_labels, n_pairs the segments: `customer_names[i]` (a customer
///        key of the events) is in segment `segment_labels[i]`; NUL-terminated UTF-8 arrays of
///        `n_pairs` (both NULL with 0: every customer in `(missing)`); a NULL label leaves the
///        customer in `(missing)`
/// @param options_json, options_len the options: `models`, `order`, `max_touches`,
///        `bootstrap` (default none), `ci`, `seed`; NULL with 0 for the defaults
/// @param out_json receives the JSON, owned by the caller: free it with
///        `touchpoint_string_free`. Written only on success.
/// @return OK; NULL_PARAMETER (`journeys`, `out_json`, an array NULL with `n_pairs` > 0, a NULL
///         `customer_names[i]`); INVALID_UTF8 (naming the array and index); INVALID_ARGUMENT
///         (an option, a name that is no customer, a customer given two labels). Reads the
///         handle only: safe to call concurrently on the same handle.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths; array elements NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_attribution_by_segment_json(
    journeys: *const touchpoint_journeys,
    customer_names: *const *const c_char,
    segment_labels: *const *const c_char,
    n_pairs: usize,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        let j = try_ref!(journeys);
        // SAFETY: the caller's pointers, as documented above.
        let (seg, spec) =
            unsafe { (segments_of(j, customer_names, segment_labels, n_pairs)?, spec_of(options_json, options_len)?) };
        let r = attribution_by_segment(j, &seg, &spec)?;
        let labels: Vec<&str> = r.segments.iter().map(|s| s.segment.as_str()).collect();
        let compare = all_pairs(&labels, |a, b| r.compare(a, b))?;
        let table = r.table();
        let segments = r
            .segments
            .iter()
            .map(|s| {
                let mut notes: Vec<&str> = Vec::new();
                for n in s.credits.iter().flat_map(|c| &c.notes) {
                    if !notes.contains(&n.as_str()) {
                        notes.push(n);
                    }
                }
                SegmentInfo { segment: &s.segment, journeys: s.journeys, notes }
            })
            .collect();
        let out = AttributionBySegment {
            segments,
            rows: Table(&table),
            skipped: skipped(&r.skipped),
            compare: Table(&compare),
            bootstrap: r.bootstrap,
        };
        give_str!(out_json, json::value(&out)?)
    })
}

/// Two segments' attribution side by side, as JSON: an array of SegmentDiffRow (`model`,
/// `metric` `share` or `removal_effect`, `item` the touchpoint, `segment_a`, `segment_b`, `a`,
/// `b`, `difference` = b − a, and with a bootstrap `difference_lower`, `difference_upper`,
/// `p_value`, `p_adjusted` (Benjamini–Hochberg over the touchpoints of a model and metric),
/// `test`).
///
/// @param journeys, customer_names, segment_labels, n_pairs as
///        `touchpoint_attribution_by_segment_json`
/// @param segment_a, segment_a_len the first segment (UTF-8)
/// @param segment_b, segment_b_len the second segment (UTF-8)
/// @param options_json, options_len, out_json as `touchpoint_attribution_by_segment_json`
///        (`bootstrap` for intervals and p-values)
/// @return as `touchpoint_attribution_by_segment_json`, and INVALID_ARGUMENT for a segment
///         that is not among the analysed ones (the message lists them). Reads the handle
///         only: safe to call concurrently on the same handle.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths; array elements NULL or NUL-terminated.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn touchpoint_attribution_segment_compare_json(
    journeys: *const touchpoint_journeys,
    customer_names: *const *const c_char,
    segment_labels: *const *const c_char,
    n_pairs: usize,
    segment_a: *const c_char,
    segment_a_len: usize,
    segment_b: *const c_char,
    segment_b_len: usize,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        let j = try_ref!(journeys);
        let (a, b) = (try_str!(segment_a, segment_a_len), try_str!(segment_b, segment_b_len));
        // SAFETY: the caller's pointers, as documented above.
        let (seg, spec) =
            unsafe { (segments_of(j, customer_names, segment_labels, n_pairs)?, spec_of(options_json, options_len)?) };
        let r = attribution_by_segment(j, &seg, &spec)?;
        give_str!(out_json, json::rows(&r.compare(a, b)?)?)
    })
}

/// The graph metrics per segment, as JSON: `{"rows": [SegmentGraphRow...], "skipped":
/// [{"segment", "reason"}...], "compare": [SegmentDiffRow...], "bootstrap"}`. Rows: per
/// segment P(conversion) (`metric` `conversion_probability`, item `(start)`), the removal
/// effects and per state P(conversion) and drop-off, with intervals when the options ask for a
/// `bootstrap`. `compare`: every pair of segments `a < b` on P(conversion) and the removal
/// effects.
///
/// @param journeys, customer_names, segment_labels, n_pairs as
///        `touchpoint_attribution_by_segment_json`
/// @param options_json, options_len the options: `order`, `max_touches`, `bootstrap` (default
///        none), `ci`, `seed`
/// @param out_json receives the JSON, owned by the caller: free it with
///        `touchpoint_string_free`. Written only on success.
/// @return as `touchpoint_attribution_by_segment_json`. Reads the handle only: safe to call
///         concurrently on the same handle.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths; array elements NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_graph_by_segment_json(
    journeys: *const touchpoint_journeys,
    customer_names: *const *const c_char,
    segment_labels: *const *const c_char,
    n_pairs: usize,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        let j = try_ref!(journeys);
        // SAFETY: the caller's pointers, as documented above.
        let (seg, spec) =
            unsafe { (segments_of(j, customer_names, segment_labels, n_pairs)?, spec_of(options_json, options_len)?) };
        let r = graph_by_segment(j, &seg, &spec)?;
        let labels: Vec<&str> = r.segments.iter().map(|s| s.segment.as_str()).collect();
        let compare = all_pairs(&labels, |a, b| r.compare(a, b))?;
        let table = r.table();
        let out = GraphBySegment {
            rows: Table(&table),
            skipped: skipped(&r.skipped),
            compare: Table(&compare),
            bootstrap: r.bootstrap,
        };
        give_str!(out_json, json::value(&out)?)
    })
}

/// The top paths of each segment, as JSON: an array of SegmentTopPathRow (`segment`, `rank`,
/// `path`, `journeys`, `conversions`, `conversion_rate`, `value`, `remainder`): per segment the
/// `top` paths ranked by `rank`, then one remainder row summing the others, so a segment's
/// rows sum to its journeys and conversions.
///
/// @param journeys, customer_names, segment_labels, n_pairs as
///        `touchpoint_attribution_by_segment_json`
/// @param options_json, options_len the options: `top` (10), `rank` (`journeys`,
///        `conversions`, `value`)
/// @param out_json receives the JSON, owned by the caller: free it with
///        `touchpoint_string_free`. Written only on success.
/// @return as `touchpoint_attribution_by_segment_json`. Reads the handle only: safe to call
///         concurrently on the same handle.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths; array elements NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_top_paths_by_segment_json(
    journeys: *const touchpoint_journeys,
    customer_names: *const *const c_char,
    segment_labels: *const *const c_char,
    n_pairs: usize,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        let j = try_ref!(journeys);
        // SAFETY: the caller's pointers, as documented above.
        let (seg, spec) =
            unsafe { (segments_of(j, customer_names, segment_labels, n_pairs)?, spec_of(options_json, options_len)?) };
        let rows = segmented::top_paths_by_segment(&j.inner, &seg, spec.top, spec.rank)?;
        give_str!(out_json, json::rows(&rows)?)
    })
}

/// Customer personas by k-means over features of each customer's journeys, as JSON (core
/// `Personas`): `{"k", "silhouette": [[k, mean silhouette]...], "inertia", "rows":
/// [PersonaRow...], "customers_without_journeys", "features", "assignments": [{"customer",
/// "persona"}...]}`. `assignments` lists every customer of the journeys in customer order;
/// customers without a journey have the persona `(missing)`. The assignments can be passed
/// back as the segments of the `*_by_segment_json` functions.
///
/// @param journeys the journeys (read-only)
/// @param options_json, options_len the options: `persona`, an object with `k` (null: chosen
///        by silhouette in `k_min..=k_max`), `k_min` (2), `k_max` (8), `seed` (0), `max_iter`
///        (100), `restarts` (4), `silhouette_sample` (2000), `top` (3); NULL with 0 for the
///        defaults
/// @param out_json receives the JSON, owned by the caller: free it with
///        `touchpoint_string_free`. Written only on success.
/// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (an option, e.g. `k` 0 or more
///         than the customers with journeys); EMPTY_INPUT (no journeys). Deterministic for a
///         seed. Reads the handle only: safe to call concurrently on the same handle.
///
/// # Safety
/// Pointers must be NULL or valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_personas_json(
    journeys: *const touchpoint_journeys,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut *mut c_char,
) -> touchpoint_result {
    boundary(|| {
        let j = try_ref!(journeys);
        // SAFETY: the caller's pointers, as documented above.
        let spec = unsafe { spec_of(options_json, options_len)? };
        let p = personas(&j.inner, &spec.persona)?;
        let names = j.inner.customer_names();
        let assignments = names
            .iter()
            .enumerate()
            .map(|(c, customer)| Assignment { customer, persona: p.segments.label_of_customer(c as u32) })
            .collect();
        give_str!(out_json, json::value(&PersonasOut { personas: &p, assignments })?)
    })
}
