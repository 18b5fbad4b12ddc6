//! Attribution: how much of the conversions and value each touchpoint earns.
//!
//! Every model returns the same shape, [`Credits`]: per touchpoint the credited conversions,
//! credited value and share; with known touchpoint costs also cost, CPA and ROAS; totals; the
//! model name and parameters; notes on anything the model did to the data (truncation,
//! fallbacks); and, on request, per-journey credit.
//!
//! | family | models |
//! |---|---|
//! | rules ([`rules`]) | first, last, last non-direct, linear, position-based (U 40/20/40, J 20/60, inverse J 60/20, custom), time decay, participation |
//! | Markov ([`markov`]) | order k removal effects, exact (linear solves), global or per-journey allocation |
//! | Shapley ([`shapley`]) | simplified (subset-sum game), ordered (touchpoint × position), exact conversion-rate game (n ≤ 24) or seeded sampling, pluggable value functions |
//! | Shao–Li ([`shao_li`]) | the probabilistic model of Shao & Li (2011) |
//!
//! ```
//! use touchpoint_core::{PathTable, attribution::{attribute, AttributionModel, AttributionOptions}};
//!
//! // ORACLES E2
//! let mut p = PathTable::default();
//! p.add_path_str("GA", ">", 2.0, 1.0, 0.0)?;
//! p.add_path_str("M", ">", 1.0, 0.0, 0.0)?;
//! p.add_path_str("GA > M", ">", 1.0, 0.0, 0.0)?;
//! let c = attribute(&p, &AttributionModel::markov(1), &AttributionOptions::default())?;
//! assert!((c.get("GA").unwrap().conversions - 2.4).abs() < 1e-9);
//! assert!((c.get("M").unwrap().conversions - 1.6).abs() < 1e-9);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

pub mod intervals;
pub mod markov;
pub mod rules;
pub mod shao_li;
pub mod shapley;

use std::fmt;
use std::str::FromStr;

use crate::catalog::TouchpointId;
use crate::data::Data;
use crate::error::{Error, Result};
use crate::named::Named;
use crate::time::DAY_MS;

pub use markov::{MarkovAllocation, ValueBasis};
pub use shapley::{ShapleyKind, ShapleyMethod};

/// An attribution model and its parameters.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "model", rename_all = "snake_case"))]
pub enum AttributionModel {
    /// All credit to the first touch.
    FirstTouch,
    /// All credit to the last touch.
    LastTouch,
    /// All credit to the last touch whose touchpoint is not flagged `direct` (the last touch
    /// when every touch is direct).
    LastNonDirect,
    /// Equal credit to every touch.
    Linear,
    /// First / middle / last weights (normalised to sum 1). One touch gets everything; two
    /// touches ignore the middle weight (`f/(f+l)`, `l/(f+l)`); `n ≥ 3` touches get `f`,
    /// `m/(n−2)` each, `l`. U-shaped is (0.4, 0.2, 0.4), J-shaped (0.2, 0.2, 0.6), inverse J
    /// (0.6, 0.2, 0.2).
    Position {
        /// Weight of the first touch.
        first: f64,
        /// Total weight of the middle touches.
        middle: f64,
        /// Weight of the last touch.
        last: f64,
    },
    /// Weight ∝ 2^(−age / half-life), age = conversion time − touch time. Needs times
    /// (journeys, not path tables).
    TimeDecay {
        /// Half-life in milliseconds (default 7 days).
        half_life_ms: i64,
    },
    /// Full credit to every distinct touchpoint of a converting journey (not efficient: credits
    /// sum to more than the conversions, by definition).
    Participation,
    /// Markov chain of order k: removal effects by exact linear solves.
    Markov {
        /// Markov order (1 to 16).
        order: usize,
        /// How conversions are allocated from removal effects.
        allocation: MarkovAllocation,
        /// What value credit follows.
        value_basis: ValueBasis,
    },
    /// Simplified Shapley on the subset-sum game: a converting journey's credit is split
    /// equally among its distinct touchpoints. Exact for any number of touchpoints.
    Shapley,
    /// Ordered Shapley: the simplified credit of a touchpoint split equally over the positions
    /// where it occurs (see [`Credits::by_position`]).
    OrderedShapley,
    /// Shapley values of the conversion-rate game `v(S)` = conversion rate of the journeys whose
    /// set of touchpoints is exactly `S`. Values can be negative; they sum to `v(all)`.
    ShapleyRate {
        /// Exact (Möbius transform) or sampled.
        method: ShapleyMethod,
    },
    /// Shao & Li (2011) probabilistic model (not efficient; shares reported).
    ShaoLi,
}

crate::named_enum! {
    /// The name of an attribution model: what [`AttributionModel::from_name`] reads and
    /// [`AttributionModel::name`] gives.
    pub enum ModelName: "model" {
        /// [`AttributionModel::FirstTouch`].
        First = 0 => "first" | "first_touch",
        /// [`AttributionModel::LastTouch`].
        Last = 1 => "last" | "last_touch",
        /// [`AttributionModel::LastNonDirect`].
        LastNonDirect = 2 => "last_non_direct" | "last_nondirect",
        /// [`AttributionModel::Linear`].
        Linear = 3 => "linear",
        /// U-shaped [`AttributionModel::Position`] (40/20/40).
        Position = 4 => "position" | "position_based" | "u_shaped" | "u",
        /// J-shaped position model (20/20/60).
        JShaped = 5 => "j_shaped" | "j",
        /// Inverse-J position model (60/20/20).
        InverseJ = 6 => "inverse_j" | "reverse_j",
        /// A position model with the given `weights`.
        Custom = 7 => "custom",
        /// [`AttributionModel::TimeDecay`].
        TimeDecay = 8 => "time_decay",
        /// [`AttributionModel::Participation`].
        Participation = 9 => "participation",
        /// [`AttributionModel::Markov`].
        Markov = 10 => "markov",
        /// [`AttributionModel::Shapley`].
        Shapley = 11 => "shapley" | "simplified_shapley",
        /// [`AttributionModel::OrderedShapley`].
        OrderedShapley = 12 => "ordered_shapley",
        /// [`AttributionModel::ShapleyRate`].
        ShapleyRate = 13 => "shapley_rate" | "shapley_conversion_rate" | "exact_shapley",
        /// [`AttributionModel::ShaoLi`].
        ShaoLi = 14 => "shao_li" | "probabilistic",
    }
}

impl AttributionModel {
    /// U-shaped position model (40/20/40).
    pub fn u_shaped() -> Self {
        AttributionModel::Position { first: 0.4, middle: 0.2, last: 0.4 }
    }
    /// J-shaped position model (20/20/60).
    pub fn j_shaped() -> Self {
        AttributionModel::Position { first: 0.2, middle: 0.2, last: 0.6 }
    }
    /// Inverse-J position model (60/20/20).
    pub fn inverse_j() -> Self {
        AttributionModel::Position { first: 0.6, middle: 0.2, last: 0.2 }
    }
    /// Time decay with a half-life of 7 days.
    pub fn time_decay() -> Self {
        AttributionModel::TimeDecay { half_life_ms: 7 * DAY_MS }
    }
    /// Markov of the given order with the default (global) allocation.
    pub fn markov(order: usize) -> Self {
        AttributionModel::Markov {
            order,
            allocation: MarkovAllocation::Global,
            value_basis: ValueBasis::ConversionShare,
        }
    }
    /// Exact/auto conversion-rate Shapley.
    pub fn shapley_rate() -> Self {
        AttributionModel::ShapleyRate { method: ShapleyMethod::default() }
    }

    /// The model's name (`"first"`, `"position"`, `"j_shaped"`, `"markov"`, ...); parsing it
    /// back with [`AttributionModel::from_str`] gives the model with default parameters.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// The model's column name in a comparison table: the name, with the order for Markov
    /// (`"markov_2"`), so that two orders side by side get two columns.
    ///
    /// ```
    /// use touchpoint_core::attribution::AttributionModel;
    /// assert_eq!(AttributionModel::markov(2).column_name(), "markov_2");
    /// assert_eq!(AttributionModel::Linear.column_name(), "linear");
    /// ```
    pub fn column_name(&self) -> String {
        match self {
            AttributionModel::Markov { order, .. } => format!("markov_{order}"),
            m => m.name().to_owned(),
        }
    }

    /// The model's [`ModelName`].
    pub fn kind(&self) -> ModelName {
        match self {
            AttributionModel::FirstTouch => ModelName::First,
            AttributionModel::LastTouch => ModelName::Last,
            AttributionModel::LastNonDirect => ModelName::LastNonDirect,
            AttributionModel::Linear => ModelName::Linear,
            AttributionModel::Position { first, middle, last } => match (*first, *middle, *last) {
                (0.4, 0.2, 0.4) => ModelName::Position,
                (0.2, 0.2, 0.6) => ModelName::JShaped,
                (0.6, 0.2, 0.2) => ModelName::InverseJ,
                _ => ModelName::Custom,
            },
            AttributionModel::TimeDecay { .. } => ModelName::TimeDecay,
            AttributionModel::Participation => ModelName::Participation,
            AttributionModel::Markov { .. } => ModelName::Markov,
            AttributionModel::Shapley => ModelName::Shapley,
            AttributionModel::OrderedShapley => ModelName::OrderedShapley,
            AttributionModel::ShapleyRate { .. } => ModelName::ShapleyRate,
            AttributionModel::ShaoLi => ModelName::ShaoLi,
        }
    }

    /// The model's parameters as (name, value) text pairs.
    pub fn parameters(&self) -> Vec<(String, String)> {
        let p = |k: &str, v: String| (k.to_owned(), v);
        match self {
            AttributionModel::Position { first, middle, last } => {
                vec![p("first", first.to_string()), p("middle", middle.to_string()), p("last", last.to_string())]
            }
            AttributionModel::TimeDecay { half_life_ms } => {
                vec![p("half_life_days", (*half_life_ms as f64 / DAY_MS as f64).to_string())]
            }
            AttributionModel::Markov { order, allocation, value_basis } => vec![
                p("order", order.to_string()),
                p("allocation", allocation.to_string()),
                p("value_basis", value_basis.to_string()),
            ],
            AttributionModel::ShapleyRate { method } => method.parameters(),
            _ => Vec::new(),
        }
    }

    /// A model from its name and a bag of optional parameters (the entry point of the Python
    /// and C faces). Names: `first`, `last`, `last_non_direct`, `linear`, `position` (alias
    /// `u_shaped`), `j_shaped`, `inverse_j`, `custom` (needs `weights`), `time_decay`,
    /// `participation`, `markov`, `shapley`, `ordered_shapley`, `shapley_rate`, `shao_li`.
    ///
    /// ```
    /// use touchpoint_core::attribution::{AttributionModel, ModelParams};
    /// let m = AttributionModel::from_name("markov", &ModelParams { order: Some(3), ..Default::default() })?;
    /// assert_eq!(m.parameters()[0], ("order".to_string(), "3".to_string()));
    /// assert!(AttributionModel::from_name("magic", &ModelParams::default()).is_err());
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn from_name(name: &str, params: &ModelParams) -> Result<Self> {
        Self::from_kind(ModelName::parse(name)?, params)
    }

    /// A model from its [`ModelName`] and optional parameters (see [`AttributionModel::from_name`]).
    pub fn from_kind(kind: ModelName, params: &ModelParams) -> Result<Self> {
        let pos = |f: f64, m: f64, l: f64| {
            let (f, m, l) = params.weights.unwrap_or((f, m, l));
            check_weights(f, m, l)?;
            Ok::<_, Error>(AttributionModel::Position { first: f, middle: m, last: l })
        };
        let model = match kind {
            ModelName::First => AttributionModel::FirstTouch,
            ModelName::Last => AttributionModel::LastTouch,
            ModelName::LastNonDirect => AttributionModel::LastNonDirect,
            ModelName::Linear => AttributionModel::Linear,
            ModelName::Position => pos(0.4, 0.2, 0.4)?,
            ModelName::JShaped => pos(0.2, 0.2, 0.6)?,
            ModelName::InverseJ => pos(0.6, 0.2, 0.2)?,
            ModelName::Custom => match params.weights {
                Some((f, m, l)) => pos(f, m, l)?,
                None => {
                    return Err(Error::option("weights", "none", "model `custom` needs weights (first, middle, last)"));
                }
            },
            ModelName::TimeDecay => {
                let h = params.half_life_ms.unwrap_or(7 * DAY_MS);
                if h <= 0 {
                    return Err(Error::option("half_life_ms", h, "the half-life must be > 0"));
                }
                AttributionModel::TimeDecay { half_life_ms: h }
            }
            ModelName::Participation => AttributionModel::Participation,
            ModelName::Markov => {
                let order = params.order.unwrap_or(1);
                if order == 0 || order > crate::graph::MAX_ORDER {
                    return Err(Error::option(
                        "order",
                        order,
                        format!("the Markov order must be within 1..={}", crate::graph::MAX_ORDER),
                    ));
                }
                AttributionModel::Markov {
                    order,
                    allocation: params.allocation.unwrap_or_default(),
                    value_basis: params.value_basis.unwrap_or_default(),
                }
            }
            ModelName::Shapley => AttributionModel::Shapley,
            ModelName::OrderedShapley => AttributionModel::OrderedShapley,
            ModelName::ShapleyRate => {
                AttributionModel::ShapleyRate { method: params.shapley_method.clone().unwrap_or_default() }
            }
            ModelName::ShaoLi => AttributionModel::ShaoLi,
        };
        Ok(model)
    }
}

fn check_weights(f: f64, m: f64, l: f64) -> Result<()> {
    if [f, m, l].iter().any(|w| !w.is_finite() || *w < 0.0) || f + m + l <= 0.0 {
        return Err(Error::option("weights", format!("({f}, {m}, {l})"), "weights must be finite, >= 0 and not all 0"));
    }
    Ok(())
}

impl FromStr for AttributionModel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s, &ModelParams::default())
    }
}

impl fmt::Display for AttributionModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&label(self.name(), &self.parameters()))
    }
}

/// `name(k=v, ...)`, or the bare name without parameters: a model's `Display` and a result's
/// [`Credits::label`].
fn label(name: &str, parameters: &[(String, String)]) -> String {
    if parameters.is_empty() {
        return name.to_owned();
    }
    let inner: Vec<String> = parameters.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{name}({})", inner.join(", "))
}

/// Optional parameters for [`AttributionModel::from_name`]; unset fields take the defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelParams {
    /// Markov order.
    pub order: Option<usize>,
    /// Time-decay half-life (ms).
    pub half_life_ms: Option<i64>,
    /// (first, middle, last) weights of position models.
    pub weights: Option<(f64, f64, f64)>,
    /// Markov allocation.
    pub allocation: Option<MarkovAllocation>,
    /// Markov value basis.
    pub value_basis: Option<ValueBasis>,
    /// Shapley method of the conversion-rate game.
    pub shapley_method: Option<ShapleyMethod>,
}

/// Options shared by all models.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct AttributionOptions {
    /// Keep only the most recent `n` touches of each journey (reported in the notes).
    pub max_touches: Option<usize>,
    /// Also return per-journey credit (models that define it).
    pub per_journey: bool,
}

/// Credit of one touchpoint.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CreditRow {
    /// The touchpoint.
    pub touchpoint: TouchpointId,
    /// Its name.
    pub name: String,
    /// Credited conversions (raw scores for non-efficient models).
    pub conversions: f64,
    /// Credited value.
    pub value: f64,
    /// `conversions / Σ conversions` (0 when the sum is 0).
    pub share: f64,
    /// Markov: removal effect on conversions.
    pub removal_effect: Option<f64>,
    /// Markov: removal effect on value.
    pub removal_effect_value: Option<f64>,
    /// Standard error of `conversions`: the bootstrap's when intervals were asked for, else
    /// sampled Shapley's Monte Carlo error.
    pub std_error: Option<f64>,
    /// Lower bound of the bootstrap interval of `conversions` (when intervals were asked for).
    pub lower: Option<f64>,
    /// Upper bound of the bootstrap interval of `conversions`.
    pub upper: Option<f64>,
    /// Weighted number of touches of this touchpoint in the data.
    pub touches: f64,
    /// Cost (touches × cost per touch), when the catalog has the cost.
    pub cost: Option<f64>,
    /// Cost per credited conversion.
    pub cpa: Option<f64>,
    /// Credited value / cost.
    pub roas: Option<f64>,
}

/// Credit of one touchpoint in one journey (or path row).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct JourneyCredit {
    /// Journey index (or path-table row).
    pub row: usize,
    /// The touchpoint.
    pub touchpoint: TouchpointId,
    /// Credited conversions.
    pub conversions: f64,
    /// Credited value.
    pub value: f64,
}

crate::row_struct! {
    optional(removal_effect, removal_effect_value, std_error, lower, upper, score);
    /// A row of the attribution table ([`Credits::table`]): [`CreditRow`] with the touchpoint
    /// by name. `removal_effect*` only for Markov; `std_error` when sampled or bootstrapped;
    /// `lower` / `upper` only with bootstrap intervals.
    #[derive(Clone, PartialEq)]
    pub struct AttributionRow {
        /// The touchpoint.
        pub touchpoint: String,
        /// Credited conversions. For the models whose output is a score in other units
        /// (`shapley_rate`: conversion-rate units; `shao_li`: raw probabilistic scores) this is
        /// `share × total conversions`, and the model's own numbers are in `score`.
        pub conversions: f64,
        /// Credited value.
        pub value: f64,
        /// `conversions / Σ conversions`.
        pub share: f64,
        /// Markov: removal effect on conversions.
        pub removal_effect: Option<f64>,
        /// Markov: removal effect on value.
        pub removal_effect_value: Option<f64>,
        /// Standard error of `conversions` (bootstrap, or sampled Shapley's).
        pub std_error: Option<f64>,
        /// Lower bound of the bootstrap interval of `conversions`.
        pub lower: Option<f64>,
        /// Upper bound of the bootstrap interval of `conversions`.
        pub upper: Option<f64>,
        /// Weighted touches of this touchpoint.
        pub touches: f64,
        /// Cost, when the catalog has it.
        pub cost: Option<f64>,
        /// Cost per credited conversion.
        pub cpa: Option<f64>,
        /// Credited value / cost.
        pub roas: Option<f64>,
        /// The model's own output where it is not conversions (`shapley_rate`, `shao_li`; see
        /// the result's notes for the unit); `std_error`, `lower` and `upper` are then in the
        /// same unit.
        pub score: Option<f64>,
    }
}

crate::row_struct! {
    /// A row of [`Credits::per_journey_table`].
    #[derive(Clone, PartialEq)]
    pub struct JourneyCreditRow {
        /// Journey index (or path-table row).
        pub row: usize,
        /// The touchpoint.
        pub touchpoint: String,
        /// Credited conversions.
        pub conversions: f64,
        /// Credited value.
        pub value: f64,
    }
}

crate::row_struct! {
    /// A row of [`Credits::by_position_table`] (ordered Shapley, long form).
    #[derive(Clone, PartialEq)]
    pub struct PositionCreditRow {
        /// The touchpoint.
        pub touchpoint: String,
        /// Position in the journey, 1-based.
        pub position: usize,
        /// Credited conversions.
        pub conversions: f64,
    }
}

/// The result of every model.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Credits {
    /// Model name.
    pub model: String,
    /// Model parameters.
    pub parameters: Vec<(String, String)>,
    /// One row per catalog touchpoint, in catalog order.
    pub rows: Vec<CreditRow>,
    /// Weighted journeys in the data.
    pub total_journeys: f64,
    /// Total conversions in the data.
    pub total_conversions: f64,
    /// Total conversion value in the data.
    pub total_value: f64,
    /// Whether credits sum to the totals (false for participation, Shao–Li raw scores and the
    /// conversion-rate Shapley game).
    pub efficient: bool,
    /// Per-journey credit, when asked for and defined by the model.
    pub per_journey: Option<Vec<JourneyCredit>>,
    /// Ordered Shapley: per touchpoint (catalog order), `(position, credit)` for each 1-based
    /// position where it earned credit, by position. Sparse, so its size is at most the number
    /// of touches (a dense touchpoint × position matrix is quadratic for long journeys over
    /// many touchpoints); positions not listed earned 0.
    pub by_position: Option<Vec<Vec<(usize, f64)>>>,
    /// What the model did to the data, fallbacks it took, how to read the numbers.
    pub notes: Vec<String>,
}

impl Credits {
    /// The row of a touchpoint by name.
    pub fn get(&self, name: &str) -> Option<&CreditRow> {
        self.rows.iter().find(|r| r.name == name)
    }

    /// Sum of credited conversions.
    pub fn credited_conversions(&self) -> f64 {
        self.rows.iter().map(|r| r.conversions).sum()
    }

    /// Sum of credited value.
    pub fn credited_value(&self) -> f64 {
        self.rows.iter().map(|r| r.value).sum()
    }

    /// The model with its parameters, as [`AttributionModel`]'s `Display` writes it
    /// (`"markov(order=2, allocation=global, value_basis=conversion_share)"`).
    pub fn label(&self) -> String {
        label(&self.model, &self.parameters)
    }

    /// The column name of this result in a comparison table (see
    /// [`AttributionModel::column_name`]).
    pub fn column_name(&self) -> String {
        match self.parameters.iter().find(|(k, _)| k == "order") {
            Some((_, order)) if self.model == "markov" => format!("markov_{order}"),
            _ => self.model.clone(),
        }
    }

    /// The attribution table: one [`AttributionRow`] per touchpoint, in catalog order.
    pub fn table(&self) -> Vec<AttributionRow> {
        let scored = self.is_score_model();
        self.rows
            .iter()
            .map(|r| {
                // a score model's conversions: its share of the conversions (0 where shares are
                // undefined), so that the column always means conversions
                let conversions = if scored { r.share * self.total_conversions } else { r.conversions };
                let cpa = if scored { r.cost.filter(|_| conversions > 0.0).map(|c| c / conversions) } else { r.cpa };
                AttributionRow {
                    touchpoint: r.name.clone(),
                    conversions,
                    value: r.value,
                    share: r.share,
                    removal_effect: r.removal_effect,
                    removal_effect_value: r.removal_effect_value,
                    std_error: r.std_error,
                    lower: r.lower,
                    upper: r.upper,
                    touches: r.touches,
                    cost: r.cost,
                    cpa,
                    roas: r.roas,
                    score: scored.then_some(r.conversions),
                }
            })
            .collect()
    }

    /// Whether the model's output is a score in other units than conversions (`shapley_rate`,
    /// `shao_li`): [`table`](Self::table) then shows it as `score`, and `conversions` as the
    /// share of the conversions.
    pub fn is_score_model(&self) -> bool {
        matches!(self.model.as_str(), "shapley_rate" | "shao_li")
    }

    /// Conversions as [`table`](Self::table) shows them: the credited conversions, or for a
    /// score model the total when its shares are defined (0 when they are not).
    pub fn table_conversions(&self) -> f64 {
        if self.is_score_model() {
            self.rows.iter().map(|r| r.share).sum::<f64>() * self.total_conversions
        } else {
            self.credited_conversions()
        }
    }

    /// Per-journey credit with touchpoint names, when it was asked for.
    pub fn per_journey_table(&self) -> Option<Vec<JourneyCreditRow>> {
        let name = |t: TouchpointId| self.rows.get(t.index()).map(|r| r.name.clone()).unwrap_or_default();
        self.per_journey.as_ref().map(|pj| {
            pj.iter()
                .map(|x| JourneyCreditRow {
                    row: x.row,
                    touchpoint: name(x.touchpoint),
                    conversions: x.conversions,
                    value: x.value,
                })
                .collect()
        })
    }

    /// Ordered Shapley credit per touchpoint and position, long form: one row per (touchpoint,
    /// position) that earned credit (catalog order, then position); every other cell is 0.
    pub fn by_position_table(&self) -> Option<Vec<PositionCreditRow>> {
        self.by_position.as_ref().map(|bp| {
            self.rows
                .iter()
                .zip(bp)
                .flat_map(|(row, credits)| {
                    credits.iter().map(|&(position, c)| PositionCreditRow {
                        touchpoint: row.name.clone(),
                        position,
                        conversions: c,
                    })
                })
                .collect()
        })
    }

    /// The result as JSON.
    #[cfg(feature = "serde")]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// What every model needs to know about the data besides its own credits.
pub(crate) struct Frame<'a> {
    pub data: Data<'a>,
    pub opts: &'a AttributionOptions,
    pub journeys: f64,
    pub conversions: f64,
    pub value: f64,
    /// Weighted touches per touchpoint (after truncation).
    pub touches: Vec<f64>,
    pub truncated_rows: usize,
    pub truncated_touches: usize,
    /// Totals of the pass, with the converting rows.
    pub totals: std::sync::Arc<crate::totals::Totals>,
}

impl<'a> Frame<'a> {
    pub(crate) fn new(data: Data<'a>, opts: &'a AttributionOptions) -> Result<Self> {
        if data.is_empty() {
            return Err(Error::EmptyInput { what: data.what(), hint: "journey or path row" });
        }
        if opts.max_touches == Some(0) {
            return Err(Error::option("max_touches", 0, "keep at least one touch"));
        }
        let t = data.pass_totals(opts.max_touches);
        Ok(Frame {
            data,
            opts,
            journeys: t.journeys,
            conversions: t.conversions,
            value: t.value,
            touches: t.touches.clone(),
            truncated_rows: t.truncated_rows,
            truncated_touches: t.truncated_touches,
            totals: t.clone(),
        })
    }

    pub(crate) fn require_conversions(&self, model: &AttributionModel) -> Result<()> {
        if self.conversions <= 0.0 {
            return Err(Error::ModelNotApplicable {
                model: model.name().into(),
                reason: format!(
                    "there are no conversions in the {}, so there is nothing to attribute; \
                     check the conversion column or the lookback window",
                    self.data.what()
                ),
            });
        }
        Ok(())
    }

    /// Assemble the result from per-touchpoint conversions and value.
    pub(crate) fn credits(
        &self,
        model: &AttributionModel,
        conv: Vec<f64>,
        value: Vec<f64>,
        efficient: bool,
    ) -> Credits {
        let cat = self.data.catalog();
        let total: f64 = conv.iter().sum();
        // a sum that is zero up to rounding (possible when credits can be negative) has no shares
        let scale: f64 = conv.iter().map(|c| c.abs()).sum();
        let shares_defined = total.abs() > 1e-12 * scale;
        let rows = cat
            .iter()
            .map(|(id, name, attrs)| {
                let i = id.index();
                let (c, v) = (conv.get(i).copied().unwrap_or(0.0), value.get(i).copied().unwrap_or(0.0));
                let cost = attrs.cost.map(|per| per * self.touches[i]);
                CreditRow {
                    touchpoint: id,
                    name: name.to_owned(),
                    conversions: c,
                    value: v,
                    share: if shares_defined { c / total } else { 0.0 },
                    removal_effect: None,
                    removal_effect_value: None,
                    std_error: None,
                    lower: None,
                    upper: None,
                    touches: self.touches[i],
                    cost,
                    cpa: cost.filter(|_| c > 0.0).map(|k| k / c),
                    roas: cost.filter(|&k| k > 0.0).map(|k| v / k),
                }
            })
            .collect();
        let mut notes = Vec::new();
        if !shares_defined && scale > 0.0 {
            notes.push("credits sum to zero, so shares are undefined and reported as 0".to_owned());
        }
        if self.truncated_rows > 0 {
            notes.push(format!(
                "kept the most recent {} touches of each journey: {} touches dropped from {} journeys",
                self.opts.max_touches.unwrap_or(0),
                self.truncated_touches,
                self.truncated_rows
            ));
        }
        Credits {
            model: model.name().to_owned(),
            parameters: model.parameters(),
            rows,
            total_journeys: self.journeys,
            total_conversions: self.conversions,
            total_value: self.value,
            efficient,
            per_journey: None,
            by_position: None,
            notes,
        }
    }
}

/// Run one model.
///
/// ```
/// use touchpoint_core::{PathTable, attribution::{attribute, AttributionModel, AttributionOptions}};
/// let mut p = PathTable::default();
/// p.add_path_str("search > email > store", ">", 2.0, 1.0, 200.0)?;
/// p.add_path_str("email > store", ">", 1.0, 3.0, 80.0)?;
/// let c = attribute(&p, &AttributionModel::Linear, &AttributionOptions::default())?;
/// assert!((c.credited_conversions() - 3.0).abs() < 1e-12);
/// assert!((c.get("store").unwrap().value - (200.0 / 3.0 + 40.0)).abs() < 1e-9);
/// # Ok::<(), touchpoint_core::Error>(())
/// ```
pub fn attribute<'a>(
    data: impl Into<Data<'a>>,
    model: &AttributionModel,
    opts: &AttributionOptions,
) -> Result<Credits> {
    let frame = Frame::new(data.into(), opts)?;
    run(&frame, model)
}

fn run(frame: &Frame<'_>, model: &AttributionModel) -> Result<Credits> {
    frame.require_conversions(model)?;
    match model {
        AttributionModel::Markov { order, allocation, value_basis } => {
            markov::attribute(frame, model, *order, *allocation, *value_basis)
        }
        AttributionModel::Shapley => shapley::simplified(frame, model),
        AttributionModel::OrderedShapley => shapley::ordered(frame, model),
        AttributionModel::ShapleyRate { method } => shapley::conversion_rate(frame, model, method),
        AttributionModel::ShaoLi => shao_li::attribute(frame, model),
        rule => Ok(rules::attribute(frame, std::slice::from_ref(rule))?.remove(0)),
    }
}

/// Run several models on the same data. Rule models share one pass over the data; each Markov
/// order builds its graph once.
///
/// ```
/// use touchpoint_core::{PathTable, attribution::{compare, AttributionModel, AttributionOptions}};
/// let mut p = PathTable::default();
/// p.add_path_str("ad > site", ">", 3.0, 2.0, 90.0)?;
/// p.add_path_str("site", ">", 1.0, 4.0, 30.0)?;
/// let models = [AttributionModel::FirstTouch, AttributionModel::LastTouch, AttributionModel::markov(1)];
/// let all = compare(&p, &models, &AttributionOptions::default())?;
/// assert_eq!(all.len(), 3);
/// assert_eq!(all[0].get("ad").unwrap().conversions, 3.0);
/// assert_eq!(all[1].get("site").unwrap().conversions, 4.0);
/// # Ok::<(), touchpoint_core::Error>(())
/// ```
pub fn compare<'a>(
    data: impl Into<Data<'a>>,
    models: &[AttributionModel],
    opts: &AttributionOptions,
) -> Result<Vec<Credits>> {
    let frame = Frame::new(data.into(), opts)?;
    let rule_models: Vec<AttributionModel> = models.iter().filter(|m| rules::is_rule(m)).cloned().collect();
    for m in models {
        frame.require_conversions(m)?;
    }
    let mut rule_results = rules::attribute(&frame, &rule_models)?.into_iter();
    models
        .iter()
        .map(|m| {
            if rules::is_rule(m) {
                rule_results.next().ok_or(Error::EmptyInput { what: "models", hint: "model" })
            } else {
                run(&frame, m)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The labels a result carries are the model's own: `label()` is its `Display`,
    /// `column_name()` its comparison column, `model` its name.
    #[test]
    fn result_labels_are_the_models() {
        let mut p = crate::PathTable::default();
        p.add_path_str("a > b", ">", 2.0, 1.0, 20.0).unwrap();
        p.add_path_str("b", ">", 1.0, 3.0, 5.0).unwrap();
        for m in [
            AttributionModel::markov(2),
            AttributionModel::Linear,
            AttributionModel::time_decay(),
            AttributionModel::u_shaped(),
            AttributionModel::shapley_rate(),
        ] {
            let c = attribute(&p, &m, &AttributionOptions::default());
            let c = match c {
                Ok(c) => c,
                Err(e) => {
                    // time decay needs touch times, which a path table has not
                    assert_eq!(m.kind(), ModelName::TimeDecay, "{e}");
                    continue;
                }
            };
            assert_eq!(c.label(), m.to_string());
            assert_eq!(c.column_name(), m.column_name());
            assert_eq!(c.model, m.name());
            assert_eq!(ModelName::parse(&c.model).unwrap(), m.kind());
        }
        assert_eq!(AttributionModel::markov(3).column_name(), "markov_3");
    }
}
