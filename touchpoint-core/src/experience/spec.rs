//! The experience options as one JSON object: what the C face passes, and the Python face
//! builds from its keyword arguments, so that both read every option name and value here.

use crate::error::{Error, Result};
use crate::named::Named;
use crate::options_json::named;

use super::{DriverOutcome, ExperienceOptions, ExperienceReference, KeyDriverOptions, Scale, ScaleKind};

/// Every option of the experience analyses, read from JSON ([`ExperienceSpec::from_json`]):
///
/// | key | value | default |
/// |---|---|---|
/// | `scale` | `"nps"`, `"csat"`, or `{"min", "max", "promoter_min", "detractor_max"}` | `"nps"` |
/// | `survey_window` | milliseconds, a duration text (`"30d"`, `"12h"`), or `"none"` | 30 days |
/// | `conversion_feedback` | `"error"`, `"attach"`, `"ignore"` | `"error"` |
/// | `small_n` | groups with fewer scores are flagged | 30 |
/// | `reference` | `"not_detractor"`, `"promoter"`, `"unscored"` (experience → conversion) | `"not_detractor"` |
/// | `drivers` | touchpoint names (key drivers) | every scored touchpoint |
/// | `outcome` | `"conversion"` or the touchpoint of the overall score (key drivers) | `"conversion"` |
/// | `missing` | `"complete_cases"`, `"impute_mean"` (key drivers) | `"complete_cases"` |
///
/// `null` values keep the default. Unknown keys are an error naming the key.
///
/// ```
/// use touchpoint_core::experience::ExperienceSpec;
/// let s = ExperienceSpec::from_json(r#"{"scale": "csat", "survey_window": "7d"}"#)?;
/// assert_eq!(s.options.survey_window_ms, Some(7 * 86_400_000));
/// assert!(ExperienceSpec::from_json(r#"{"scael": "csat"}"#).is_err());
/// # Ok::<(), touchpoint_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExperienceSpec {
    /// The shared options.
    pub options: ExperienceOptions,
    /// Experience → conversion: the reference group.
    pub reference: ExperienceReference,
    /// Key drivers.
    pub key_drivers: KeyDriverOptions,
}

const KEYS: &[&str] =
    &["scale", "survey_window", "conversion_feedback", "small_n", "reference", "drivers", "outcome", "missing"];

impl ExperienceSpec {
    /// Read the options (an empty text or `null` is every default).
    pub fn from_json(json: &str) -> Result<Self> {
        let mut spec = ExperienceSpec::default();
        let Some(obj) = crate::options_json::object(json)? else { return Ok(spec) };
        for (k, v) in &obj {
            if v.is_null() {
                continue;
            }
            match k.as_str() {
                "scale" => spec.options.scale = scale(v)?,
                "survey_window" => spec.options.survey_window_ms = window(v)?,
                "conversion_feedback" => spec.options.conversion_feedback = named(v, "conversion_feedback")?,
                "small_n" => {
                    spec.options.small_n =
                        v.as_u64().ok_or_else(|| Error::option("small_n", v, "expected a whole number >= 0"))? as usize
                }
                "reference" => spec.reference = named(v, "reference")?,
                "drivers" => {
                    let bad = || Error::option("drivers", v, "expected a list of touchpoint names");
                    spec.key_drivers.drivers = v
                        .as_array()
                        .ok_or_else(bad)?
                        .iter()
                        .map(|x| x.as_str().map(str::to_owned).ok_or_else(bad))
                        .collect::<Result<_>>()?;
                }
                "outcome" => {
                    let s = v.as_str().ok_or_else(|| {
                        Error::option("outcome", v, "expected 'conversion' or the touchpoint of the overall score")
                    })?;
                    spec.key_drivers.outcome = s.parse::<DriverOutcome>()?;
                }
                "missing" => spec.key_drivers.missing = named(v, "missing")?,
                other => return Err(crate::options_json::unknown(other, "the experience options", KEYS)),
            }
        }
        Ok(spec)
    }
}

fn scale(v: &serde_json::Value) -> Result<Scale> {
    if let Some(s) = v.as_str() {
        return Scale::of_kind(ScaleKind::parse(s)?);
    }
    let Some(m) = v.as_object() else {
        return Err(Error::option("scale", v, "expected 'nps', 'csat' or {min, max, promoter_min, detractor_max}"));
    };
    let num = |k: &str| -> Result<f64> {
        m.get(k).and_then(|x| x.as_f64()).ok_or_else(|| {
            Error::option(
                "scale",
                v,
                format!("a custom scale needs a number `{k}` (min, max, promoter_min, detractor_max)"),
            )
        })
    };
    for k in m.keys() {
        if !["min", "max", "promoter_min", "detractor_max", "kind"].contains(&k.as_str()) {
            return Err(Error::option(
                "scale",
                format!("{k:?}"),
                "unknown key of a custom scale; give min, max, promoter_min and detractor_max",
            ));
        }
    }
    Scale::custom(num("min")?, num("max")?, num("promoter_min")?, num("detractor_max")?)
}

fn window(v: &serde_json::Value) -> Result<Option<i64>> {
    if let Some(ms) = v.as_i64() {
        return Ok(Some(ms));
    }
    if let Some(f) = v.as_f64()
        && f.is_finite()
    {
        return Ok(Some(f.round() as i64));
    }
    let bad =
        || Error::option("survey_window", v, "expected milliseconds, a duration such as '30d' or '12h', or 'none'");
    let s = v.as_str().ok_or_else(bad)?.trim().to_ascii_lowercase();
    if s == "none" || s == "unlimited" {
        return Ok(None);
    }
    crate::time::parse_duration_ms(&s).map(Some).ok_or_else(bad)
}
