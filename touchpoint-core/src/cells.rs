//! One set of rules for the cells every reader meets, so that a CSV file, a pandas, polars or
//! pyarrow table and a C caller's arrays mean the same thing. A face reads a cell into an
//! `Option<f64>` (`None`: null, `pd.NA`, `None`, NaN or an empty CSV cell — all *missing*) and
//! hands it here with the column and row; nothing missing ever becomes a number silently.
//!
//! | cell | missing | accepted |
//! |---|---|---|
//! | conversion flag | error | 0 or 1 (`true`/`false`) |
//! | path-table count (`conversions`, `nulls`) | error | finite, `0 ..= 1e15` |
//! | value on a converting row | error | finite, `0 ..= 1e15` |
//! | value on another row | 0 | finite, `0 ..= 1e15` (else 0: it is never read) |
//! | epoch number | error | finite, within ±285,000 years of 1970 |
//! | touchpoint name, customer key | — | text without a NUL character |
//!
//! ```
//! use touchpoint_core::{cells, Location};
//! assert_eq!(cells::flag("converted", Location::Row(0), Some(1.0))?, true);
//! let e = cells::flag("converted", Location::Row(3), Some(0.5)).unwrap_err();
//! assert!(e.to_string().contains("row 3") && e.to_string().contains("0.5"), "{e}");
//! let e = cells::count("conversions", Location::Row(7), None).unwrap_err();
//! assert!(e.to_string().contains("missing"), "{e}");
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use crate::error::{Error, Location, Result};
use crate::time::TimeUnit;

/// A conversion flag: exactly 0 or 1.
pub fn flag(column: &str, loc: Location, v: Option<f64>) -> Result<bool> {
    match v {
        Some(0.0) => Ok(false),
        Some(1.0) => Ok(true),
        Some(x) if x.is_nan() => Err(missing_flag(column, loc, "NaN")),
        None => Err(missing_flag(column, loc, "null")),
        Some(x) => Err(Error::invalid(
            column,
            loc,
            shown(x),
            "a conversion flag must be 0 or 1 (false or true); for a number of conversions use a path table",
        )),
    }
}

fn missing_flag(column: &str, loc: Location, shown: &str) -> Error {
    Error::invalid(column, loc, shown, "a missing conversion flag; fill it with 0 where the row is not a conversion")
}

/// The largest count or value a row may carry: 10^15 (counts above 2^53 ≈ 9·10^15 are no
/// longer exact in floating point, and sums of rows this large stay finite).
pub const MAX_AMOUNT: f64 = 1e15;

/// A path-table count (`conversions`, `nulls`): finite, within `0..=`[`MAX_AMOUNT`].
pub fn count(column: &str, loc: Location, v: Option<f64>) -> Result<f64> {
    match v {
        None => Err(missing(column, loc, "null", "count")),
        Some(x) if x.is_nan() => Err(missing(column, loc, "NaN", "count")),
        Some(x) => amount(column, loc, x),
    }
}

/// A finite number within `0..=`[`MAX_AMOUNT`].
pub(crate) fn amount(column: &str, loc: Location, x: f64) -> Result<f64> {
    if !x.is_finite() || x < 0.0 {
        return Err(Error::invalid(column, loc, shown(x), "must be a finite number >= 0"));
    }
    if x > MAX_AMOUNT {
        return Err(Error::invalid(
            column,
            loc,
            shown(x),
            "must be at most 1e15 (larger counts are not exact in floating point and their totals overflow)",
        ));
    }
    Ok(x)
}

/// A value, which matters only where it is a conversion's (`converting`): there a missing or
/// unusable value is an error; elsewhere it is 0.
pub fn value(column: &str, loc: Location, v: Option<f64>, converting: bool) -> Result<f64> {
    match v {
        Some(x) if x.is_finite() && (0.0..=MAX_AMOUNT).contains(&x) => Ok(x),
        _ if !converting => Ok(0.0),
        None => Err(missing(column, loc, "null", "value")),
        Some(x) if x.is_nan() => Err(missing(column, loc, "NaN", "value")),
        Some(x) => amount(column, loc, x),
    }
}

fn missing(column: &str, loc: Location, shown: &str, what: &str) -> Error {
    let fill = if what == "value" { " (0 if the conversion had no value)" } else { "" };
    Error::invalid(column, loc, shown, format!("a missing {what}; fill it{fill} or drop the row"))
}

/// The largest epoch magnitude in milliseconds (about ±285,000 years around 1970, where an
/// `i64` of milliseconds still has room to add durations).
pub const MAX_EPOCH_MS: f64 = 9.0e18;

/// An epoch number of `unit` (integer or float) as milliseconds, floored.
pub fn epoch_ms(column: &str, loc: Location, v: f64, unit: TimeUnit) -> Result<i64> {
    let ms = (v * unit.to_millis_factor()).floor();
    if ms.is_finite() && ms.abs() < MAX_EPOCH_MS {
        return Ok(ms as i64);
    }
    let why = if v.is_nan() {
        "the timestamp is missing (NaN); drop the row or fill it".to_owned()
    } else {
        format!("an epoch number in {unit} out of range (more than 285,000 years from 1970); check time_unit=")
    };
    Err(Error::invalid(column, loc, shown(v), why))
}

/// An integer epoch number of `unit` as milliseconds (exact).
pub fn epoch_int_ms(column: &str, loc: Location, v: i64, unit: TimeUnit) -> Result<i64> {
    unit.int_to_millis(v).ok_or_else(|| {
        Error::invalid(
            column,
            loc,
            v.to_string(),
            format!("an epoch number in {unit} too large to hold as milliseconds; check time_unit="),
        )
    })
}

/// A touchpoint name or customer key: no NUL character (C strings end there, and every name
/// reaches C callers and DOT/JSON exports as text).
#[inline]
pub fn name(column: &str, loc: Location, s: &str) -> Result<()> {
    if s.as_bytes().contains(&0) {
        return Err(nul_in_name(column, loc, s));
    }
    Ok(())
}

/// The error of [`name`] for `s`, which holds a NUL.
pub(crate) fn nul_in_name(column: &str, loc: Location, s: &str) -> Error {
    Error::invalid(column, loc, format!("{s:?}"), "a name must not contain a NUL character (\\0); clean the column")
}

/// A number as an error shows it: `1e300`, not three hundred digits.
fn shown(x: f64) -> String {
    if x.is_finite() && x != 0.0 && !(1e-6..1e16).contains(&x.abs()) { format!("{x:e}") } else { x.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_of_the_table() {
        let l = || Location::Row(2);
        assert!(!flag("c", l(), Some(0.0)).unwrap());
        for bad in [None, Some(f64::NAN), Some(0.5), Some(2.0), Some(-1.0)] {
            let e = flag("c", l(), bad).unwrap_err().to_string();
            assert!(e.contains("`c`") && e.contains("row 2"), "{e}");
        }
        assert_eq!(count("n", l(), Some(3.0)).unwrap(), 3.0);
        for bad in [None, Some(f64::NAN), Some(f64::INFINITY), Some(-1.0)] {
            assert!(count("n", l(), bad).is_err());
        }
        assert_eq!(value("v", l(), None, false).unwrap(), 0.0);
        assert_eq!(value("v", l(), Some(f64::NAN), false).unwrap(), 0.0);
        assert!(value("v", l(), None, true).unwrap_err().to_string().contains("missing"));
        assert!(value("v", l(), Some(-2.0), true).unwrap_err().to_string().contains("-2"));
        assert!(count("n", l(), Some(1e300)).unwrap_err().to_string().contains("\"1e300\" (must be at most 1e15"));
        assert!(value("v", l(), Some(1e16), true).is_err());
        assert_eq!(epoch_ms("t", l(), 1.5, TimeUnit::Seconds).unwrap(), 1500);
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e300] {
            assert!(epoch_ms("t", l(), bad, TimeUnit::Seconds).is_err(), "{bad}");
        }
        assert!(name("touchpoint", l(), "e\0mail").unwrap_err().to_string().contains("NUL"));
        assert!(name("touchpoint", l(), "email").is_ok());
        let e = epoch_int_ms("t", l(), i64::MAX / 10, TimeUnit::Seconds).unwrap_err().to_string();
        assert!(e.contains("too large") && !e.contains("null"), "{e}");
    }
}
