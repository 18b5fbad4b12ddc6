//! The options of the segment, bootstrap and persona analyses as one JSON object: what the C
//! face passes (and any other face may build), so that every option name and value is read here.

use crate::attribution::{AttributionModel, ModelName, ModelParams};
use crate::bootstrap::BootstrapOptions;
use crate::error::{Error, Result};
use crate::named::Named;
use crate::options_json::whole;
use crate::paths::PathRank;
use crate::persona::PersonaOptions;

/// Every option of the interval, per-segment and persona analyses, read from JSON
/// ([`SegmentSpec::from_json`]):
///
/// | key | value | default |
/// |---|---|---|
/// | `models` | a list of model names (or one comma-separated text) | `["markov"]` |
/// | `order` | Markov order of the models and of the graph (1–16) | 1 |
/// | `max_touches` | keep only the most recent touches of each journey | `null` (all) |
/// | `bootstrap` | resamples B (1–100,000) for intervals; `null`: none | `null` |
/// | `ci` | confidence level of the intervals, in (0, 1) | 0.95 |
/// | `seed` | seed of the bootstrap weights | 0 |
/// | `top` | top paths per segment | 10 |
/// | `rank` | how top paths are ranked: `journeys`, `conversions`, `value` | `"journeys"` |
/// | `persona` | the persona options (`k`, `k_min`, `k_max`, `seed`, `max_iter`, `restarts`, `silhouette_sample`, `top`) | `{}` |
///
/// `null` values keep the default. Unknown keys (also inside `persona`) are an error naming
/// the key.
///
/// ```
/// use touchpoint_core::segmented_spec::SegmentSpec;
/// let s = SegmentSpec::from_json(r#"{"models": ["markov", "linear"], "order": 2, "bootstrap": 500}"#)?;
/// assert_eq!(s.models()?.len(), 2);
/// assert_eq!(s.bootstrap().unwrap().resamples, 500);
/// assert!(SegmentSpec::from_json(r#"{"bootstarp": 500}"#).unwrap_err().to_string().contains("bootstarp"));
/// # Ok::<(), touchpoint_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentSpec {
    /// The attribution models, by name.
    pub models: Vec<ModelName>,
    /// Markov order (models and graph).
    pub order: usize,
    /// Keep only the most recent touches of each journey.
    pub max_touches: Option<usize>,
    /// Bootstrap resamples; `None`: no intervals.
    pub bootstrap: Option<usize>,
    /// Confidence level of the intervals.
    pub ci: f64,
    /// Seed of the bootstrap weights.
    pub seed: u64,
    /// Top paths per segment.
    pub top: usize,
    /// How top paths are ranked.
    pub rank: PathRank,
    /// Persona options.
    pub persona: PersonaOptions,
}

impl Default for SegmentSpec {
    fn default() -> Self {
        Self {
            models: vec![ModelName::Markov],
            order: 1,
            max_touches: None,
            bootstrap: None,
            ci: 0.95,
            seed: 0,
            top: 10,
            rank: PathRank::Journeys,
            persona: PersonaOptions::default(),
        }
    }
}

/// The keys of the options object.
pub const KEYS: &[&str] = &["models", "order", "max_touches", "bootstrap", "ci", "seed", "top", "rank", "persona"];

impl SegmentSpec {
    /// Read the options (an empty text or `null` is every default).
    ///
    /// # Errors
    /// [`Error::InvalidOption`] naming the key: text that is not JSON or not an object, an
    /// unknown key, a value of the wrong type, an unknown model or rank, an order outside
    /// 1–16, an invalid bootstrap (0 or more than 100,000 resamples, a level outside (0, 1)),
    /// invalid persona options.
    pub fn from_json(json: &str) -> Result<Self> {
        let mut spec = SegmentSpec::default();
        let Some(obj) = crate::options_json::object(json)? else { return Ok(spec) };
        for (k, v) in &obj {
            if v.is_null() {
                continue;
            }
            match k.as_str() {
                "models" => spec.models = models(v)?,
                "order" => spec.order = whole(v, "order")?,
                "max_touches" => spec.max_touches = Some(whole(v, "max_touches")?),
                "bootstrap" => spec.bootstrap = Some(whole(v, "bootstrap")?),
                "ci" => {
                    spec.ci = v.as_f64().ok_or_else(|| Error::option("ci", v, "expected a number within (0, 1)"))?
                }
                "seed" => {
                    spec.seed = v.as_u64().ok_or_else(|| Error::option("seed", v, "expected a whole number >= 0"))?
                }
                "top" => spec.top = whole(v, "top")?,
                "rank" => {
                    let s = v
                        .as_str()
                        .ok_or_else(|| Error::option("rank", v, format!("expected {}", PathRank::choices())))?;
                    spec.rank = PathRank::parse(s)?;
                }
                "persona" => spec.persona = persona(v)?,
                other => return Err(crate::options_json::unknown(other, "the segment options", KEYS)),
            }
        }
        if spec.order == 0 || spec.order > crate::graph::MAX_ORDER {
            return Err(Error::option(
                "order",
                spec.order,
                format!("the Markov order must be within 1..={}", crate::graph::MAX_ORDER),
            ));
        }
        if spec.max_touches == Some(0) {
            return Err(Error::option("max_touches", 0, "keep at least one touch, or pass null to keep all"));
        }
        if !(spec.ci > 0.0 && spec.ci < 1.0) {
            return Err(Error::option("ci", spec.ci, "the confidence level must be within (0, 1), e.g. 0.95"));
        }
        if let Some(b) = spec.bootstrap() {
            b.validate()?;
        }
        Ok(spec)
    }

    /// The attribution models, each with the spec's `order`.
    ///
    /// # Errors
    /// A model that needs parameters the spec cannot give (`custom` needs weights).
    pub fn models(&self) -> Result<Vec<AttributionModel>> {
        let params = ModelParams { order: Some(self.order), ..Default::default() };
        self.models.iter().map(|&m| AttributionModel::from_kind(m, &params)).collect()
    }

    /// The bootstrap asked for (`None` without `bootstrap`).
    pub fn bootstrap(&self) -> Option<BootstrapOptions> {
        self.bootstrap.map(|resamples| BootstrapOptions { resamples, seed: self.seed, level: self.ci })
    }

    /// The bootstrap asked for, or [`BootstrapOptions`]' default number of resamples (200)
    /// with the spec's seed and level: for the analyses that always give intervals.
    pub fn bootstrap_or_default(&self) -> BootstrapOptions {
        self.bootstrap().unwrap_or(BootstrapOptions { seed: self.seed, level: self.ci, ..Default::default() })
    }

    /// The shared attribution options (`max_touches`).
    pub fn attribution_options(&self) -> crate::attribution::AttributionOptions {
        crate::attribution::AttributionOptions { max_touches: self.max_touches, per_journey: false }
    }
}

fn models(v: &serde_json::Value) -> Result<Vec<ModelName>> {
    let bad = || Error::option("models", v, "expected a list of model names, e.g. [\"markov\", \"linear\"]");
    let names: Vec<&str> = match v {
        serde_json::Value::String(s) => s.split(',').map(str::trim).filter(|s| !s.is_empty()).collect(),
        serde_json::Value::Array(a) => a.iter().map(|x| x.as_str().ok_or_else(bad)).collect::<Result<_>>()?,
        _ => return Err(bad()),
    };
    if names.is_empty() {
        return Err(Error::option("models", v, "name at least one model, e.g. [\"markov\"]"));
    }
    names.into_iter().map(ModelName::parse).collect()
}

fn persona(v: &serde_json::Value) -> Result<PersonaOptions> {
    let Some(m) = v.as_object() else {
        return Err(Error::option("persona", v, "expected a JSON object of persona options"));
    };
    let known: Vec<String> = match serde_json::to_value(PersonaOptions::default())? {
        serde_json::Value::Object(d) => d.keys().cloned().collect(),
        _ => Vec::new(),
    };
    if let Some(k) = m.keys().find(|k| !known.contains(k)) {
        return Err(Error::option(
            "persona",
            format!("{k:?}"),
            format!("unknown persona option; the persona options are {}", known.join(", ")),
        ));
    }
    // null values keep the default, as at the top level
    let given: serde_json::Map<String, serde_json::Value> =
        m.iter().filter(|(_, x)| !x.is_null()).map(|(k, x)| (k.clone(), x.clone())).collect();
    serde_json::from_value(serde_json::Value::Object(given))
        .map_err(|e| Error::option("persona", v, format!("invalid persona options: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn err(json: &str) -> String {
        let e = SegmentSpec::from_json(json).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
        e.to_string()
    }

    #[test]
    fn defaults() {
        for empty in ["", "  ", "null", "{}"] {
            assert_eq!(SegmentSpec::from_json(empty).unwrap(), SegmentSpec::default());
        }
        let s = SegmentSpec::default();
        assert_eq!(s.models().unwrap(), vec![AttributionModel::markov(1)]);
        assert_eq!(s.bootstrap(), None);
        assert_eq!(s.bootstrap_or_default(), BootstrapOptions::default());
        assert_eq!((s.top, s.rank), (10, PathRank::Journeys));
        // null keeps the default
        let n = SegmentSpec::from_json(r#"{"order": null, "bootstrap": null, "persona": {"k": null}}"#).unwrap();
        assert_eq!(n, SegmentSpec::default());
    }

    #[test]
    fn every_key_is_read() {
        let s = SegmentSpec::from_json(
            r#"{"models": ["markov", "linear", "first"], "order": 2, "max_touches": 5, "bootstrap": 300,
                "ci": 0.9, "seed": 7, "top": 3, "rank": "conversions", "persona": {"k": 4, "seed": 9}}"#,
        )
        .unwrap();
        assert_eq!(
            s.models().unwrap(),
            vec![AttributionModel::markov(2), AttributionModel::Linear, AttributionModel::FirstTouch]
        );
        assert_eq!(s.max_touches, Some(5));
        assert_eq!(s.attribution_options().max_touches, Some(5));
        assert_eq!(s.bootstrap(), Some(BootstrapOptions { resamples: 300, seed: 7, level: 0.9 }));
        assert_eq!(s.bootstrap_or_default().resamples, 300);
        assert_eq!((s.top, s.rank), (3, PathRank::Conversions));
        assert_eq!(s.persona, PersonaOptions { k: Some(4), seed: 9, ..Default::default() });
        let one = SegmentSpec::from_json(r#"{"models": "linear, last"}"#).unwrap();
        assert_eq!(one.models, vec![ModelName::Linear, ModelName::Last]);
        let without = SegmentSpec::from_json(r#"{"seed": 3, "ci": 0.8}"#).unwrap();
        assert_eq!(without.bootstrap_or_default(), BootstrapOptions { resamples: 200, seed: 3, level: 0.8 });
    }

    #[test]
    fn bad_options_name_the_key() {
        assert!(err(r#"{"bootstarp": 10}"#).contains("\"bootstarp\""));
        assert!(err(r#"{"persona": {"kk": 3}}"#).contains("\"kk\""));
        let m = err(r#"{"bootstrap": 0}"#);
        assert!(m.contains("`bootstrap`") && m.contains("0 resamples"), "{m}");
        assert!(err(r#"{"bootstrap": 100001}"#).contains("`bootstrap`"));
        assert!(err(r#"{"bootstrap": -5}"#).contains("`bootstrap`"));
        assert!(err(r#"{"ci": 1.5}"#).contains("`ci`"));
        assert!(err(r#"{"ci": "high"}"#).contains("`ci`"));
        assert!(err(r#"{"order": 0}"#).contains("`order`"));
        assert!(err(r#"{"order": 17}"#).contains("`order`"));
        assert!(err(r#"{"max_touches": 0}"#).contains("`max_touches`"));
        assert!(err(r#"{"models": ["markov", "magic"]}"#).contains("magic"));
        assert!(err(r#"{"models": []}"#).contains("`models`"));
        assert!(err(r#"{"models": [1]}"#).contains("`models`"));
        assert!(err(r#"{"rank": "clicks"}"#).contains("clicks"));
        assert!(err(r#"{"top": 2.5}"#).contains("`top`"));
        assert!(err(r#"{"persona": 3}"#).contains("`persona`"));
        assert!(err(r#"{"persona": {"k": "four"}}"#).contains("`persona`"));
        assert!(err("[1, 2]").contains("`options`"));
        assert!(err("{not json").contains("not JSON"));
        // a model the spec cannot parameterise
        let custom = SegmentSpec::from_json(r#"{"models": ["custom"]}"#).unwrap();
        assert_eq!(custom.models().unwrap_err().kind(), ErrorKind::InvalidOption);
    }
}
