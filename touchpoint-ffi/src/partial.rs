//! Mergeable partials (core [`touchpoint_core::partial`]): the same analyses over customers
//! spread across shards, partitions or nights.
//!
//! - **Spec.** A `touchpoint_partial_spec` fixes what every shard counts: the touchpoint
//!   vocabulary (names sorted, so ids agree across shards), the journey options, the models
//!   and the graph orders, and whether the path table is kept. Its fingerprint covers all of
//!   it.
//! - **Build.** A `touchpoint_partial_builder` takes one shard's events in batches
//!   (`touchpoint_partial_builder_push`); a customer may continue from the end of one batch into
//!   the next but not come back later, and must be whole in one shard.
//!   `touchpoint_partial_builder_finish` gives the shard's `touchpoint_partial`.
//! - **Merge.** `touchpoint_partial_merge` adds counts exactly (integers and fixed point), so
//!   the merged partial is bit-identical for any split of whole customers into shards, any
//!   batch cut, any row order and any merge order; partials of different specs are
//!   `TOUCHPOINT_RESULT_INCOMPATIBLE`. `touchpoint_partial_empty` is the identity.
//! - **Move.** A partial goes between processes as checked bytes or files
//!   (`touchpoint_partial_to_bytes` / `_from_bytes` / `_save` / `_load`, the saved-model
//!   container of kind `partial`; a damaged file is `TOUCHPOINT_RESULT_MODEL_FILE`).
//! - **Finish.** On the merged partial: attribution of every model of the spec
//!   (`touchpoint_comparison`), the journey graph of a counted order, the path table, the
//!   journey build report. They agree with the single-machine analyses of all the events to
//!   rounding (1e-12 relative).
//!
//! Threads: specs and partials may be shared read-only across threads (`touchpoint_partial_merge`
//! needs exclusive access to the partial it adds into); a builder needs exclusive access for
//! `push` and `finish`.

use std::ffi::c_char;

use touchpoint_core::partial::{Partial, PartialBuilder, PartialSpec};
use touchpoint_core::{Catalog, JourneyGraph};

use crate::attribution::{self, touchpoint_comparison, touchpoint_model_params};
use crate::events::touchpoint_event_table;
use crate::ffi::{
    bytes, free_box, give, give_str, null, out, try_bool, try_mut, try_opt_ref, try_opt_str, try_opt_str_list, try_ref,
    try_slice, try_str,
};
use crate::graph::touchpoint_journey_graph;
use crate::journeys::{touchpoint_journey_options, touchpoint_journey_report};
use crate::json;
use crate::panic::boundary;
use crate::paths::touchpoint_path_table;
use crate::result::{FfiError, touchpoint_result};

/// What every shard's partial counts: the sorted touchpoint vocabulary, the journey options, the
/// models and graph orders. Partials merge only when built from equal specs.
pub struct touchpoint_partial_spec {
    inner: PartialSpec,
}

/// Builds one shard's partial from batches of its events.
pub struct touchpoint_partial_builder {
    state: BuilderState,
}

enum BuilderState {
    /// Taking batches.
    Open(Box<PartialBuilder>),
    /// `finish` has taken the counts (successfully or not).
    Finished,
    /// A push failed part-way: the counts are no longer those of whole batches.
    Failed,
}

impl touchpoint_partial_builder {
    fn open(&mut self) -> Result<&mut PartialBuilder, FfiError> {
        match &mut self.state {
            BuilderState::Open(b) => Ok(b),
            BuilderState::Finished => Err(FfiError::new(
                touchpoint_result::InvalidState,
                "the builder is finished: `touchpoint_partial_builder_finish` was already called; start a new \
                 builder",
            )),
            BuilderState::Failed => Err(FfiError::new(
                touchpoint_result::InvalidState,
                "an earlier push to this builder failed, so its counts are incomplete; start a new builder and \
                 push the shard's events again",
            )),
        }
    }
}

/// Mergeable counts of a share of the customers (a shard, a partition, a night).
pub struct touchpoint_partial {
    pub(crate) inner: Partial,
}

impl touchpoint_partial_spec {
    /// Create a spec. The vocabulary is every touchpoint name any shard may see (sorted and
    /// deduplicated here, so every shard listing the same names gets the same ids); a batch with
    /// another touchpoint is an error when pushed. Build every shard's partial from equal specs
    /// (the same arguments): only those merge.
    ///
    /// @param vocabulary, n_vocabulary `n_vocabulary` NUL-terminated UTF-8 touchpoint names
    ///        (NULL with 0: none, then `catalog_json` must name them)
    /// @param catalog_json, catalog_len touchpoint attributes as the JSON catalog of
    ///        `touchpoint_event_table_apply_catalog_json` (costs, channels, `direct` flags: what
    ///        `last_non_direct` and the cost columns read); its names join the vocabulary. NULL
    ///        with 0: none (the attributes of the events' tables are not used)
    /// @param options journey options; NULL for the defaults
    /// @param models, models_len comma-separated model names as in
    ///        `touchpoint_attribute_journeys` (run by `touchpoint_partial_attribute` in this
    ///        order); empty or NULL with 0: none. Every model counts from whole journeys: all
    ///        but `ordered_shapley`'s by-position breakdown is available
    /// @param params model parameters; NULL for the defaults. `params->max_touches` must be 0
    ///        (use `options->max_touches`: a partial keeps whole journeys)
    /// @param graph_orders, n_orders graph orders to count besides those of the Markov models
    ///        (each 1–16; NULL with 0: none), for `touchpoint_partial_graph`
    /// @param paths 1: also count the path table (`touchpoint_partial_path_table`; it grows with
    ///        the distinct paths); 0: do not
    /// @param out receives the new handle (free with `touchpoint_partial_spec_free`)
    /// @return OK; NULL_PARAMETER (also `vocabulary` NULL with `n_vocabulary` > 0, or a NULL
    ///         name, the message naming `vocabulary[i]`); INVALID_UTF8; INVALID_ARGUMENT (an
    ///         unknown model, an order outside 1–16, a flag other than 0 or 1, an enum code out
    ///         of range, `params->max_touches` other than 0); INVALID_VALUE (a catalog that does
    ///         not parse, a repeated name in it); EMPTY_INPUT (no touchpoint names at all).
    ///         Thread-safe.
    ///
    /// # Safety
    /// `vocabulary` must be NULL or point to `n_vocabulary` pointers, each NULL or a
    /// NUL-terminated string; `graph_orders` NULL or `n_orders` values; other pointers NULL or
    /// valid for their lengths.
    #[unsafe(no_mangle)]
    #[allow(clippy::too_many_arguments)]
    pub unsafe extern "C" fn touchpoint_partial_spec_new(
        vocabulary: *const *const c_char,
        n_vocabulary: usize,
        catalog_json: *const c_char,
        catalog_len: usize,
        options: *const touchpoint_journey_options,
        models: *const c_char,
        models_len: usize,
        params: *const touchpoint_model_params,
        graph_orders: *const u32,
        n_orders: usize,
        paths: u8,
        out: *mut *mut touchpoint_partial_spec,
    ) -> touchpoint_result {
        boundary(|| {
            let list = try_opt_str_list!(vocabulary, n_vocabulary).unwrap_or_default();
            let mut names = Vec::with_capacity(list.len());
            for (i, s) in list.into_iter().enumerate() {
                names.push(s.ok_or_else(|| null(&format!("vocabulary[{i}]")))?);
            }
            names.sort_unstable();
            names.dedup();
            let mut catalog = Catalog::from_names(names);
            if let Some(json) = try_opt_str!(catalog_json, catalog_len) {
                let attrs = Catalog::from_json(json).map_err(|e| FfiError::from(e).within("catalog_json"))?;
                catalog.apply_attrs(&attrs);
            }
            let journeys = try_opt_ref!(options)
                .copied()
                .unwrap_or_else(|| touchpoint_journey_options::touchpoint_journey_options_default())
                .to_core_in("options")?;
            let params = try_opt_ref!(params);
            if let Some(p) = params.filter(|p| p.max_touches != 0) {
                return Err(FfiError::new(
                    touchpoint_result::InvalidArgument,
                    format!(
                        "`params.max_touches` = {}: partials count whole journeys; set `options.max_touches` \
                         (the journey options) to keep only the most recent touches",
                        p.max_touches
                    ),
                ));
            }
            let names = try_opt_str!(models, models_len).unwrap_or("");
            let (models, _) = attribution::models_of(names, params)?;
            let orders: Vec<usize> = if n_orders == 0 {
                Vec::new()
            } else {
                try_slice!(graph_orders, n_orders).iter().map(|&k| k as usize).collect()
            };
            let paths = try_bool!(paths, "paths");
            let spec = PartialSpec::from_catalog(&catalog, journeys)
                .and_then(|s| s.models(&models))
                .and_then(|s| s.graph_orders(&orders))?
                .with_paths(paths);
            give!(out, touchpoint_partial_spec { inner: spec })
        })
    }

    /// The spec's fingerprint (FNV-1a 64 of the vocabulary with its attributes and every
    /// option): equal fingerprints mean partials that merge. It is the `fingerprint` of
    /// `touchpoint_model_info_json` on the partial's bytes (there as 16 hex digits).
    ///
    /// @param spec the spec
    /// @param out receives the fingerprint
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_spec_fingerprint(
        spec: *const touchpoint_partial_spec,
        out: *mut u64,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(spec).inner.fingerprint()))
    }

    /// Also count the experience table (NPS / CSAT per touchpoint, stage, channel kind and
    /// overall) of the events' feedback scores, with the options of `touchpoint_experience_json`
    /// (`scale`, `conversion_feedback`, `small_n`; survey tables are not read by partials). The
    /// spec's fingerprint changes with it.
    ///
    /// @param spec the spec (exclusive access)
    /// @param options_json, options_len the options (JSON object); NULL with 0 for the defaults
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (an option: the message
    ///         names it). Not thread-safe on the same spec.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_spec_with_experience(
        spec: *mut touchpoint_partial_spec,
        options_json: *const c_char,
        options_len: usize,
    ) -> touchpoint_result {
        boundary(|| {
            let s = try_mut!(spec);
            let json = try_opt_str!(options_json, options_len).unwrap_or("");
            let opts = touchpoint_core::experience::ExperienceSpec::from_json(json)?.options;
            s.inner = s.inner.clone().with_experience(opts);
            Ok(())
        })
    }

    /// Free a spec. NULL is a no-op. Builders and partials made from it keep their own copy.
    ///
    /// # Safety
    /// `spec` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_spec_free(spec: *mut touchpoint_partial_spec) {
        free_box!(spec)
    }
}

impl touchpoint_partial_builder {
    /// Start one shard's partial. The builder copies the spec (which may be freed afterwards).
    ///
    /// @param spec the spec (read-only)
    /// @param out receives the new handle (free with `touchpoint_partial_builder_free`, also
    ///        after `touchpoint_partial_builder_finish`)
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers of `spec`.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_builder_new(
        spec: *const touchpoint_partial_spec,
        out: *mut *mut touchpoint_partial_builder,
    ) -> touchpoint_result {
        boundary(|| {
            let spec = try_ref!(spec);
            give!(
                out,
                touchpoint_partial_builder { state: BuilderState::Open(Box::new(PartialBuilder::new(&spec.inner))) }
            )
        })
    }

    /// Add a batch of the shard's events (built row by row or read from CSV). Every customer
    /// of the batch but the one of its last row is complete and counted now; that one may
    /// continue in the next batch. Within a batch rows may come in any order; across batches a
    /// customer counted in an earlier batch must not come back (INVALID_VALUE, from a later
    /// push or from `touchpoint_partial_builder_finish`, the message naming the rows), so cut a
    /// shard sorted by customer into batches. Events at the same
    /// instant are ordered by content (touches before the conversion, then by name and value),
    /// not by row order. Touchpoint attributes of the table are not used (the spec's are).
    ///
    /// If the push fails with anything but NULL_PARAMETER or EMPTY_INPUT, the builder's counts
    /// are incomplete and every later push or finish is INVALID_STATE: start a new builder.
    ///
    /// @param builder the builder (exclusive access during the call)
    /// @param events the batch (read-only; the caller keeps it)
    /// @return OK; NULL_PARAMETER; EMPTY_INPUT (a table with no rows pushed; the builder is
    ///         unchanged); INVALID_ARGUMENT (a touchpoint not in the vocabulary, the message
    ///         naming it); INVALID_VALUE (a customer counted in an earlier batch, when found
    ///         here); INVALID_STATE (the builder is finished or an earlier push failed).
    ///
    /// # Safety
    /// Pointers must be NULL or valid; `builder` not used by another thread during the call.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_builder_push(
        builder: *mut touchpoint_partial_builder,
        events: *const touchpoint_event_table,
    ) -> touchpoint_result {
        boundary(|| {
            let b = try_mut!(builder);
            let table = try_ref!(events).table()?;
            let r = b.open()?.push(&table);
            if r.is_err() {
                b.state = BuilderState::Failed;
            }
            Ok(r?)
        })
    }

    /// Count the customer the last batch ended with and return the shard's partial. This takes
    /// the builder's counts: the builder is spent (a later push or finish is INVALID_STATE) but
    /// must still be freed with `touchpoint_partial_builder_free`. A builder without any batch
    /// gives a partial without counts (like `touchpoint_partial_empty`, but counting as one
    /// part).
    ///
    /// @param builder the builder (exclusive access during the call)
    /// @param out receives the new handle (free with `touchpoint_partial_free`)
    /// @return OK; NULL_PARAMETER (the builder is then unchanged); INVALID_STATE (finished
    ///         before, or an earlier push failed); INVALID_VALUE (a customer whose rows came
    ///         again after other customers' rows, the message naming the rows); any code of
    ///         `touchpoint_partial_builder_push` for the last customer (the builder is spent all
    ///         the same).
    ///
    /// # Safety
    /// Pointers must be NULL or valid; `builder` not used by another thread during the call.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_builder_finish(
        builder: *mut touchpoint_partial_builder,
        out: *mut *mut touchpoint_partial,
    ) -> touchpoint_result {
        boundary(|| {
            let b = try_mut!(builder);
            if out.is_null() {
                return Err(null("out"));
            }
            b.open()?;
            let BuilderState::Open(open) = std::mem::replace(&mut b.state, BuilderState::Finished) else {
                return Err(FfiError::new(touchpoint_result::InvalidState, "the builder is not open"));
            };
            give!(out, touchpoint_partial { inner: open.finish()? })
        })
    }

    /// Free a builder (open, finished or failed). NULL is a no-op. Partials it gave stay valid.
    ///
    /// # Safety
    /// `builder` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_builder_free(builder: *mut touchpoint_partial_builder) {
        free_box!(builder)
    }
}

impl touchpoint_partial {
    /// The empty partial of a spec: no counts, no parts; merging it changes nothing (the start
    /// of a fold over shard files).
    ///
    /// @param spec the spec (read-only; copied)
    /// @param out receives the new handle (free with `touchpoint_partial_free`)
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers of `spec`.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_empty(
        spec: *const touchpoint_partial_spec,
        out: *mut *mut touchpoint_partial,
    ) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_partial { inner: Partial::empty(&try_ref!(spec).inner) }))
    }

    /// Add `other`'s counts into `into` (exact addition: any order and grouping of merges
    /// gives the same bytes). `into` and `other` may be the same handle (its counts double).
    /// Customers must not be in two merged partials: they would be counted twice.
    ///
    /// @param into the partial that receives the counts (exclusive access during the call)
    /// @param other the partial to add (read-only)
    /// @return OK; NULL_PARAMETER; INCOMPATIBLE (built with different specs: the message says
    ///         what differs and gives both fingerprints; `into` is unchanged).
    ///
    /// # Safety
    /// Pointers must be NULL or valid; `into` not used by another thread during the call.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_merge(
        into: *mut touchpoint_partial,
        other: *const touchpoint_partial,
    ) -> touchpoint_result {
        boundary(|| {
            if std::ptr::eq(into.cast_const(), other) {
                // one handle as both arguments: add a copy (no `&mut` and `&` to one value)
                let twice = try_mut!(into);
                let copy = twice.inner.clone();
                return Ok(twice.inner.merge(&copy)?);
            }
            let into = try_mut!(into);
            Ok(into.inner.merge(&try_ref!(other).inner)?)
        })
    }

    /// The partial as bytes (the content of a saved file: the spec, the parts and every count,
    /// in a checked container of kind `partial`). Equal partials give equal bytes. Call with
    /// `buf` NULL to learn the size: BUFFER_TOO_SMALL and `*out_n` = bytes needed (no NUL is
    /// added).
    ///
    /// @param partial the partial (read-only)
    /// @param buf, len, out_n as `touchpoint_journey_graph_to_bytes`
    /// @return OK; BUFFER_TOO_SMALL (`*out_n` = bytes needed); NULL_PARAMETER. Thread-safe for
    ///         concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_to_bytes(
        partial: *const touchpoint_partial,
        buf: *mut u8,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| bytes!(try_ref!(partial).inner.to_bytes(), buf, len, out_n))
    }

    /// Load a partial from bytes written by `touchpoint_partial_to_bytes` (or read from a saved
    /// file), with its spec.
    ///
    /// @param bytes, len the bytes (copied; the caller keeps them)
    /// @param out receives the new handle (free with `touchpoint_partial_free`)
    /// @return OK; NULL_PARAMETER; MODEL_FILE (truncated, damaged, of a newer format or of
    ///         another kind, e.g. a journey graph). Thread-safe.
    ///
    /// # Safety
    /// `bytes` must be NULL or hold `len` readable bytes; `out` NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_from_bytes(
        bytes: *const u8,
        len: usize,
        out: *mut *mut touchpoint_partial,
    ) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_partial { inner: Partial::from_bytes(try_slice!(bytes, len))? }))
    }

    /// Save a partial to a file (written to `path.tmp` and renamed into place, so a reader
    /// never sees a half-written file).
    ///
    /// @param partial the partial (read-only)
    /// @param path, path_len the file path (UTF-8)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; IO (the message names the path). Thread-safe
    ///         for concurrent readers of `partial`; do not save to the same path from two
    ///         threads at once.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_save(
        partial: *const touchpoint_partial,
        path: *const c_char,
        path_len: usize,
    ) -> touchpoint_result {
        boundary(|| {
            let p = try_ref!(partial);
            Ok(p.inner.save(try_str!(path, path_len))?)
        })
    }

    /// Load a partial saved by `touchpoint_partial_save`.
    ///
    /// @param path, path_len the file path (UTF-8)
    /// @param out receives the new handle (free with `touchpoint_partial_free`)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; IO (a missing or unreadable file); MODEL_FILE
    ///         (truncated, damaged, newer format, another kind). Thread-safe.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_load(
        path: *const c_char,
        path_len: usize,
        out: *mut *mut touchpoint_partial,
    ) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_partial { inner: Partial::load(try_str!(path, path_len))? }))
    }

    /// Attribute the conversions counted in a partial with every model of its spec, in the
    /// spec's order: the credits the same models give on the journeys of all the merged
    /// shards' events (to rounding). Rows are in vocabulary order (names sorted).
    /// `ordered_shapley` has no by-position breakdown here.
    ///
    /// @param partial the partial (read-only)
    /// @param out receives the comparison (free with `touchpoint_comparison_free`)
    /// @return OK; NULL_PARAMETER; INVALID_ARGUMENT (the spec has no models); EMPTY_INPUT (no
    ///         journeys counted); MODEL_NOT_APPLICABLE (no conversions, too many touchpoints for
    ///         exact Shapley, ...); NO_CONVERGENCE. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_attribute(
        partial: *const touchpoint_partial,
        out: *mut *mut touchpoint_comparison,
    ) -> touchpoint_result {
        boundary(|| {
            let p = try_ref!(partial);
            if p.inner.spec().model_list().is_empty() {
                return Err(FfiError::new(
                    touchpoint_result::InvalidArgument,
                    "the partial's spec has no models: name them in `models` of `touchpoint_partial_spec_new`",
                ));
            }
            give!(out, touchpoint_comparison::new(p.inner.attribute()?)?)
        })
    }

    /// The journey graph of `order` from the merged transitions: the counts, values and dwell
    /// times `touchpoint_journey_graph_from_journeys` gives on the journeys of all the events
    /// (states in vocabulary order).
    ///
    /// @param partial the partial (read-only)
    /// @param order a counted order: one of the spec's `graph_orders` or of its Markov models
    /// @param out receives the new handle (free with `touchpoint_journey_graph_free`)
    /// @return OK; NULL_PARAMETER; INVALID_ARGUMENT (an order the spec does not count, the
    ///         message saying what to add). Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_graph(
        partial: *const touchpoint_partial,
        order: u32,
        out: *mut *mut touchpoint_journey_graph,
    ) -> touchpoint_result {
        boundary(|| {
            let inner: JourneyGraph = try_ref!(partial).inner.graph(order as usize)?;
            give!(out, touchpoint_journey_graph { inner })
        })
    }

    /// The path table of the merged journeys (paths in vocabulary-id order).
    ///
    /// @param partial the partial (read-only)
    /// @param out receives the new handle (free with `touchpoint_path_table_free`)
    /// @return OK; NULL_PARAMETER; INVALID_ARGUMENT (the spec was made with `paths` 0).
    ///         Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_path_table(
        partial: *const touchpoint_partial,
        out: *mut *mut touchpoint_path_table,
    ) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_path_table { inner: try_ref!(partial).inner.path_table()? }))
    }

    /// The journey build report summed over the merged shards: every event accounted for
    /// (`customers_resorted` is 0: a partial orders each customer's events itself).
    ///
    /// @param partial the partial
    /// @param out receives the report
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_report(
        partial: *const touchpoint_partial,
        out: *mut touchpoint_journey_report,
    ) -> touchpoint_result {
        boundary(|| out!(out, touchpoint_journey_report::from(&try_ref!(partial).inner.report())))
    }

    /// The report of `touchpoint_partial_report` as a JSON object whose keys are the fields of
    /// `touchpoint_journey_report` (as `touchpoint_journeys_report_json` writes it).
    ///
    /// @param partial the partial
    /// @param out_json receives the JSON, owned by the caller: free it with
    ///        `touchpoint_string_free`. Written only on success.
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_report_json(
        partial: *const touchpoint_partial,
        out_json: *mut *mut c_char,
    ) -> touchpoint_result {
        boundary(|| give_str!(out_json, json::value(&try_ref!(partial).inner.report())?))
    }

    /// The experience table of the counted feedback scores as JSON, the same object as
    /// `touchpoint_experience_json` gives for all the events (`{"scale", "rows", ...}`).
    ///
    /// @param partial the partial
    /// @param out_json receives the JSON (free it with `touchpoint_string_free`)
    /// @return OK; NULL_PARAMETER; INVALID_ARGUMENT (the spec counts no experience: see
    ///         `touchpoint_partial_spec_with_experience`); EMPTY_INPUT (no scores). Thread-safe
    ///         for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_experience_json(
        partial: *const touchpoint_partial,
        out_json: *mut *mut c_char,
    ) -> touchpoint_result {
        boundary(|| give_str!(out_json, json::value(&try_ref!(partial).inner.experience()?)?))
    }

    /// Number of built partials merged into this one (1 for a builder's, 0 for the empty one).
    ///
    /// @param partial the partial
    /// @param out receives the count
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_parts(
        partial: *const touchpoint_partial,
        out: *mut u64,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(partial).inner.parts()))
    }

    /// Free a partial. NULL is a no-op. Comparisons, graphs and path tables made from it stay
    /// valid.
    ///
    /// # Safety
    /// `partial` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_partial_free(partial: *mut touchpoint_partial) {
        free_box!(partial)
    }
}
