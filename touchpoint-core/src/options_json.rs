//! Reading a face's options given as one JSON object (the C face's `options_json`): the object
//! itself, unknown keys, and the value shapes every analysis's options share. Each analysis's
//! spec (`experience::spec`, `segmented_spec`) matches its keys on top of these.

use crate::error::{Error, Result};
use crate::named::Named;

/// The options object of `json`: None for empty text or `null` (every default).
///
/// # Errors
/// [`Error::InvalidOption`] (option `options`): text that is not JSON, or JSON that is not an
/// object.
pub(crate) fn object(json: &str) -> Result<Option<serde_json::Map<String, serde_json::Value>>> {
    if json.trim().is_empty() {
        return Ok(None);
    }
    let v: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| Error::option("options", json.chars().take(80).collect::<String>(), format!("not JSON: {e}")))?;
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Object(m) => Ok(Some(m)),
        other => Err(Error::option("options", other, "expected a JSON object of options")),
    }
}

/// The error of a key that is not among `keys` (`what`: "the experience options").
pub(crate) fn unknown(key: &str, what: &str, keys: &[&str]) -> Error {
    Error::option("options", format!("{key:?}"), format!("unknown option; {what} are {}", keys.join(", ")))
}

/// A named option (one of a core enum's names).
pub(crate) fn named<T: Named>(v: &serde_json::Value, option: &'static str) -> Result<T> {
    match v.as_str() {
        Some(s) => T::parse(s),
        None => Err(Error::option(option, v, format!("expected one of {}", T::choices()))),
    }
}

/// A whole number ≥ 0.
pub(crate) fn whole(v: &serde_json::Value, option: &'static str) -> Result<usize> {
    v.as_u64()
        .and_then(|x| usize::try_from(x).ok())
        .ok_or_else(|| Error::option(option, v, "expected a whole number >= 0"))
}
