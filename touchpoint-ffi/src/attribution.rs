//! Attribution: model parameters, `touchpoint_attribute_journeys` / `_paths`, and the
//! `touchpoint_comparison` of one or more models' credits (core [`attribution::compare`]).

use std::ffi::{CString, c_char};

use touchpoint_core::attribution::shapley::DEFAULT_SAMPLES;
use touchpoint_core::attribution::{
    self, AttributionModel, AttributionOptions, AttributionRow, Credits, MarkovAllocation, ModelParams, ShapleyKind,
    ShapleyMethod, ValueBasis,
};
use touchpoint_core::{DAY_MS, Data};

use crate::ffi::{free_box, give, give_str, out, text, try_bool, try_enum, try_opt_ref, try_ref, try_str};
use crate::journeys::touchpoint_journeys;
use crate::json;
use crate::panic::boundary;
use crate::paths::touchpoint_path_table;
use crate::result::{FfiError, touchpoint_result};

/// Markov credit allocation (`touchpoint_model_params.allocation`); the values are the core's
/// `MarkovAllocation` codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_markov_allocation {
    /// Share of removal effect × total conversions (default).
    Global = 0,
    /// Within each converting journey, by removal effect.
    PerJourney = 1,
}

/// What Markov value credit follows (`touchpoint_model_params.value_basis`); the values are the
/// core's `ValueBasis` codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_value_basis {
    /// The conversion shares (default).
    ConversionShare = 0,
    /// The value removal effects.
    ValueRemovalEffect = 1,
}

/// How conversion-rate Shapley (`shapley_rate`) is solved (`touchpoint_model_params.shapley_method`);
/// the values are the core's `ShapleyKind` codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_shapley_method {
    /// Exact up to 24 touchpoints, sampled (20,000 permutations, seed 0) beyond (default).
    Auto = 0,
    /// Always exact; MODEL_NOT_APPLICABLE beyond 24 touchpoints.
    Exact = 1,
    /// Permutation sampling (`shapley_samples`, `shapley_seed`) with standard errors.
    Sampled = 2,
}

/// Parameters of the models (see `touchpoint_model_params_default`). Each model reads the
/// fields it needs and ignores the rest.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_model_params {
    /// Markov order (1–16).
    pub order: u32,
    /// Time-decay half-life in milliseconds (> 0).
    pub half_life_ms: i64,
    /// 1: use `weight_first/middle/last` for position models (required by `custom`); 0: their
    /// own weights.
    pub use_weights: u8,
    /// First-touch weight.
    pub weight_first: f64,
    /// Total weight of the middle touches.
    pub weight_middle: f64,
    /// Last-touch weight.
    pub weight_last: f64,
    /// Markov allocation: a `touchpoint_markov_allocation` value (checked).
    pub allocation: u32,
    /// Markov value basis: a `touchpoint_value_basis` value (checked).
    pub value_basis: u32,
    /// Conversion-rate Shapley: a `touchpoint_shapley_method` value (checked).
    pub shapley_method: u32,
    /// Permutations drawn when `shapley_method` is SAMPLED (at least 2); ignored otherwise.
    pub shapley_samples: u32,
    /// Seed of Shapley sampling.
    pub shapley_seed: u64,
    /// Keep only the most recent touches of each journey; 0 = all.
    pub max_touches: u32,
}

impl touchpoint_model_params {
    fn to_core(self) -> Result<(ModelParams, AttributionOptions), FfiError> {
        let kind = try_enum!(ShapleyKind, self.shapley_method, "params.shapley_method");
        let params = ModelParams {
            order: Some(self.order as usize),
            half_life_ms: Some(self.half_life_ms),
            weights: try_bool!(self.use_weights, "params.use_weights").then_some((
                self.weight_first,
                self.weight_middle,
                self.weight_last,
            )),
            allocation: Some(try_enum!(MarkovAllocation, self.allocation, "params.allocation")),
            value_basis: Some(try_enum!(ValueBasis, self.value_basis, "params.value_basis")),
            shapley_method: Some(ShapleyMethod::new(kind, self.shapley_samples as usize, self.shapley_seed)),
        };
        let max_touches = (self.max_touches > 0).then_some(self.max_touches as usize);
        Ok((params, AttributionOptions { max_touches, per_journey: false }))
    }

    /// Defaults: order 1, 7-day half-life, U-shaped weights unused, global allocation, value by
    /// conversion share, AUTO Shapley (exact up to 24 touchpoints, sampled beyond; 20,000
    /// permutations, seed 0, when SAMPLED is chosen), all touches.
    ///
    /// @return the defaults. Thread-safe.
    #[unsafe(no_mangle)]
    pub extern "C" fn touchpoint_model_params_default() -> touchpoint_model_params {
        touchpoint_model_params {
            order: 1,
            half_life_ms: 7 * DAY_MS,
            use_weights: 0,
            weight_first: 0.4,
            weight_middle: 0.2,
            weight_last: 0.4,
            allocation: touchpoint_markov_allocation::Global as u32,
            value_basis: touchpoint_value_basis::ConversionShare as u32,
            shapley_method: touchpoint_shapley_method::Auto as u32,
            shapley_samples: DEFAULT_SAMPLES as u32,
            shapley_seed: 0,
            max_touches: 0,
        }
    }
}

/// One touchpoint's credit under one model (a core `AttributionRow`). Absent quantities are NaN.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_credit {
    /// Touchpoint name, NUL-terminated UTF-8, owned by the comparison (valid until it is freed).
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
    /// Standard error of `conversions`: the bootstrap's with intervals, sampled Shapley's
    /// Monte Carlo error otherwise (NaN when neither).
    pub std_error: f64,
    /// Lower bound of the bootstrap interval of `conversions` (NaN without intervals).
    pub lower: f64,
    /// Upper bound of the bootstrap interval of `conversions` (NaN without intervals).
    pub upper: f64,
    /// Weighted touches of this touchpoint in the data.
    pub touches: f64,
    /// Cost (NaN without a catalog cost).
    pub cost: f64,
    /// Cost per credited conversion (NaN when undefined).
    pub cpa: f64,
    /// Credited value / cost (NaN when undefined).
    pub roas: f64,
    /// The model's own output where it is not conversions (`shapley_rate`: conversion-rate
    /// units; `shao_li`: raw scores; `conversions` is then its share of the conversions);
    /// NaN for every other model.
    pub score: f64,
}

/// Totals of one model's result (the core `Credits` totals).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_totals {
    /// Weighted journeys in the data.
    pub total_journeys: f64,
    /// Conversions in the data.
    pub total_conversions: f64,
    /// Conversion value in the data.
    pub total_value: f64,
    /// Credits sum to the totals (false for participation, Shao–Li, conversion-rate Shapley).
    pub efficient: bool,
}

/// Attribution results of one or more models on the same data.
pub struct touchpoint_comparison {
    pub(crate) credits: Vec<Credits>,
    /// `Credits::table()` of every model.
    tables: Vec<Vec<AttributionRow>>,
    /// NUL-terminated touchpoint names per model and row, borrowed by `touchpoint_credit`.
    names: Vec<Vec<CString>>,
}

impl touchpoint_comparison {
    pub(crate) fn new(credits: Vec<Credits>) -> Result<Self, FfiError> {
        let tables: Vec<Vec<AttributionRow>> = credits.iter().map(Credits::table).collect();
        let names = tables
            .iter()
            .map(|t| t.iter().map(|r| CString::new(r.touchpoint.as_str())).collect::<Result<Vec<_>, _>>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| FfiError::new(touchpoint_result::InvalidValue, "a touchpoint name contains a NUL byte"))?;
        Ok(Self { credits, tables, names })
    }

    fn model(&self, model: usize) -> Result<&Credits, FfiError> {
        self.credits.get(model).ok_or_else(|| {
            FfiError::new(
                touchpoint_result::OutOfRange,
                format!("model index {model} >= {} models", self.credits.len()),
            )
        })
    }

    fn credit(&self, model: usize, row: usize) -> Result<touchpoint_credit, FfiError> {
        let rows = &self.tables[model];
        let r = rows.get(row).ok_or_else(|| {
            FfiError::new(touchpoint_result::OutOfRange, format!("row index {row} >= {} rows", rows.len()))
        })?;
        let nan = |x: Option<f64>| x.unwrap_or(f64::NAN);
        // exhaustive: a column the core adds does not compile until it is here too
        let AttributionRow {
            touchpoint,
            conversions,
            value,
            share,
            removal_effect,
            removal_effect_value,
            std_error,
            lower,
            upper,
            touches,
            cost,
            cpa,
            roas,
            score,
        } = r;
        Ok(touchpoint_credit {
            touchpoint: self.names[model][row].as_ptr(),
            touchpoint_len: touchpoint.len(),
            conversions: *conversions,
            value: *value,
            share: *share,
            removal_effect: nan(*removal_effect),
            removal_effect_value: nan(*removal_effect_value),
            std_error: nan(*std_error),
            lower: nan(*lower),
            upper: nan(*upper),
            touches: *touches,
            cost: nan(*cost),
            cpa: nan(*cpa),
            roas: nan(*roas),
            score: nan(*score),
        })
    }

    fn to_json(&self) -> Result<String, FfiError> {
        json::value(&self.credits)
    }
}

/// The models of the comma-separated `names` (possibly none) with `params` (NULL: the
/// defaults), and the attribution options the params hold.
pub(crate) fn models_of(
    names: &str,
    params: Option<&touchpoint_model_params>,
) -> Result<(Vec<AttributionModel>, AttributionOptions), FfiError> {
    let p = params.copied().unwrap_or_else(|| touchpoint_model_params::touchpoint_model_params_default());
    let (params, opts) = p.to_core()?;
    let models = names
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|n| AttributionModel::from_name(n, &params))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((models, opts))
}

/// Run the comma-separated `names` on `data`.
fn compare(
    data: Data<'_>,
    names: &str,
    params: Option<&touchpoint_model_params>,
) -> Result<touchpoint_comparison, FfiError> {
    let (models, opts) = models_of(names, params)?;
    if models.is_empty() {
        return Err(FfiError::new(touchpoint_result::InvalidArgument, "`models` names no model"));
    }
    touchpoint_comparison::new(attribution::compare(data, &models, &opts)?)
}

impl touchpoint_comparison {
    /// Attribute the conversions of journeys with one or more models.
    ///
    /// @param journeys the journeys
    /// @param models, models_len comma-separated model names: `first`, `last`, `last_non_direct`,
    ///        `linear`, `position`, `j_shaped`, `inverse_j`, `custom`, `time_decay`,
    ///        `participation`, `markov`, `shapley`, `ordered_shapley`, `shapley_rate`, `shao_li`
    /// @param params model parameters; NULL for the defaults
    /// @param out receives the comparison (free with `touchpoint_comparison_free`)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (unknown model, bad parameter,
    ///         enum code or flag out of range); MODEL_NOT_APPLICABLE (no conversions, too many
    ///         touchpoints for exact Shapley, ...). Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_attribute_journeys(
        journeys: *const touchpoint_journeys,
        models: *const c_char,
        models_len: usize,
        params: *const touchpoint_model_params,
        out: *mut *mut touchpoint_comparison,
    ) -> touchpoint_result {
        boundary(|| {
            let j = try_ref!(journeys);
            give!(out, compare(Data::Journeys(&j.inner), try_str!(models, models_len), try_opt_ref!(params))?)
        })
    }

    /// Attribute the conversions of a path table (every model but `time_decay`, which needs
    /// times).
    ///
    /// @param paths the path table
    /// @param models, models_len, params, out as `touchpoint_attribute_journeys`
    /// @return as `touchpoint_attribute_journeys`
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_attribute_paths(
        paths: *const touchpoint_path_table,
        models: *const c_char,
        models_len: usize,
        params: *const touchpoint_model_params,
        out: *mut *mut touchpoint_comparison,
    ) -> touchpoint_result {
        boundary(|| {
            let p = try_ref!(paths);
            give!(out, compare(Data::Paths(&p.inner), try_str!(models, models_len), try_opt_ref!(params))?)
        })
    }

    /// Number of models in a comparison.
    ///
    /// @param comparison the comparison
    /// @param out receives the count
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_models(
        comparison: *const touchpoint_comparison,
        out: *mut usize,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(comparison).credits.len()))
    }

    /// The bare name of model `model`, e.g. `markov` (Rust `Credits.model`).
    ///
    /// @param comparison the comparison
    /// @param model model index
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL (`*out_n` = length needed); OUT_OF_RANGE; NULL_PARAMETER.
    ///         Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_model_name(
        comparison: *const touchpoint_comparison,
        model: usize,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(try_ref!(comparison).model(model)?.model, buf, len, out_n))
    }

    /// The name of model `model` with its parameters, e.g.
    /// `markov(order=2, allocation=global, value_basis=conversion_share)` (Rust `Credits::label`).
    ///
    /// @param comparison, model, buf, len, out_n as `touchpoint_comparison_model_name`
    /// @return as `touchpoint_comparison_model_name`
    ///
    /// # Safety
    /// As `touchpoint_comparison_model_name`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_model_label(
        comparison: *const touchpoint_comparison,
        model: usize,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(try_ref!(comparison).model(model)?.label(), buf, len, out_n))
    }

    /// Number of rows (touchpoints) of model `model`.
    ///
    /// @param comparison the comparison
    /// @param model model index
    /// @param out receives the count
    /// @return OK; OUT_OF_RANGE; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_rows(
        comparison: *const touchpoint_comparison,
        model: usize,
        out: *mut usize,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(comparison).model(model)?.rows.len()))
    }

    /// Row `row` of model `model`. The name pointer stays valid until the comparison is freed.
    ///
    /// @param comparison the comparison
    /// @param model model index
    /// @param row row index (catalog order)
    /// @param out receives the credit
    /// @return OK; OUT_OF_RANGE; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_row(
        comparison: *const touchpoint_comparison,
        model: usize,
        row: usize,
        out: *mut touchpoint_credit,
    ) -> touchpoint_result {
        boundary(|| {
            let c = try_ref!(comparison);
            c.model(model)?;
            out!(out, c.credit(model, row)?)
        })
    }

    /// Totals of model `model`.
    ///
    /// @param comparison the comparison
    /// @param model model index
    /// @param out receives the totals
    /// @return OK; OUT_OF_RANGE; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_totals(
        comparison: *const touchpoint_comparison,
        model: usize,
        out: *mut touchpoint_totals,
    ) -> touchpoint_result {
        boundary(|| {
            let c = try_ref!(comparison).model(model)?;
            out!(
                out,
                touchpoint_totals {
                    total_journeys: c.total_journeys,
                    total_conversions: c.total_conversions,
                    total_value: c.total_value,
                    efficient: c.efficient,
                }
            )
        })
    }

    /// The attribution table of model `model` as a JSON array of `touchpoint_credit`-like rows
    /// (core `AttributionRow`: `touchpoint`, `conversions`, `value`, `share`, `removal_effect`,
    /// `removal_effect_value`, `std_error`, `lower`, `upper`, `touches`, `cost`, `cpa`, `roas`;
    /// the removal effects, `std_error` and the interval bounds only when the model has them,
    /// absent values `null`).
    ///
    /// @param comparison, model as `touchpoint_comparison_rows`
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; BUFFER_TOO_SMALL; OUT_OF_RANGE; NULL_PARAMETER. Thread-safe for concurrent
    ///         readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_table_json(
        comparison: *const touchpoint_comparison,
        model: usize,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| {
            let c = try_ref!(comparison);
            c.model(model)?;
            text!(json::rows(&c.tables[model])?, buf, len, out_n)
        })
    }

    /// The whole comparison as JSON (an array with one core `Credits` object per model) into a
    /// caller buffer. Call with `buf` NULL to learn the size: BUFFER_TOO_SMALL and `*out_n` =
    /// bytes needed without the NUL. Every text output of the library works this way.
    ///
    /// @param comparison the comparison
    /// @param buf the caller's buffer (NULL to ask for the size)
    /// @param len capacity of `buf` in bytes
    /// @param out_n receives the text length in bytes without the NUL (also when too small)
    /// @return OK; BUFFER_TOO_SMALL; NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// `buf` must be NULL or hold `len` writable bytes; other pointers NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_to_json(
        comparison: *const touchpoint_comparison,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(try_ref!(comparison).to_json()?, buf, len, out_n))
    }

    /// The whole comparison as a library-owned JSON string (free with `touchpoint_string_free`).
    ///
    /// @param comparison the comparison
    /// @param out receives the string
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_to_json_string(
        comparison: *const touchpoint_comparison,
        out: *mut *mut c_char,
    ) -> touchpoint_result {
        boundary(|| give_str!(out, try_ref!(comparison).to_json()?))
    }

    /// Free a comparison. NULL is a no-op. Name pointers from `touchpoint_comparison_row` die
    /// with it.
    ///
    /// # Safety
    /// `comparison` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_comparison_free(comparison: *mut touchpoint_comparison) {
        free_box!(comparison)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::assert_same_codes;

    #[test]
    fn option_codes_are_the_core_codes() {
        assert_same_codes!(touchpoint_markov_allocation, MarkovAllocation { Global, PerJourney });
        assert_same_codes!(touchpoint_value_basis, ValueBasis { ConversionShare, ValueRemovalEffect });
        assert_same_codes!(touchpoint_shapley_method, ShapleyKind { Auto, Exact, Sampled });
    }
}
