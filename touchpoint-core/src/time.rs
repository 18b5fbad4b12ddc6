//! Time units and formats: the units of epoch timestamps, how timestamps are written in text
//! columns, parsing one to epoch milliseconds (the core's own unit), and the durations the
//! options are usually given in.
//!
//! ```
//! use touchpoint_core::time::{DAY_MS, HOUR_MS, TimeFormat, TimeUnit, parse_time};
//! assert_eq!(parse_time(TimeFormat::Auto(TimeUnit::Seconds), "1970-01-02T01:00:00Z"), Ok(DAY_MS + HOUR_MS));
//! ```

use crate::named::Named as _;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;
/// Milliseconds in an hour.
pub const HOUR_MS: i64 = 3_600_000;

/// A duration written as a number and a unit — `ms`, `s`, `min` (`m`), `h`, `d`, `w`, or the
/// words (`30 days`, `2 weeks`, `90 minutes`) — or several of them (`1 week 2 days`,
/// `1h30min`), in milliseconds; None when it is not one.
///
/// ```
/// use touchpoint_core::time::{parse_duration_ms, DAY_MS};
/// assert_eq!(parse_duration_ms("30d"), Some(30 * DAY_MS));
/// assert_eq!(parse_duration_ms("30 days"), Some(30 * DAY_MS));
/// assert_eq!(parse_duration_ms("1.5h"), Some(5_400_000));
/// assert_eq!(parse_duration_ms("4 weeks 2 days"), Some(30 * DAY_MS));
/// assert_eq!(parse_duration_ms("1h30min"), Some(5_400_000));
/// assert_eq!(parse_duration_ms("soon"), None);
/// assert_eq!(parse_duration_ms("30"), None); // a bare number has no unit
/// ```
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let t = s.trim().to_ascii_lowercase();
    let mut rest = t.as_str();
    let mut total = 0.0f64;
    let mut parts = 0;
    while !rest.is_empty() {
        let split = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (num, tail) = rest.split_at(split);
        let n: f64 = num.parse().ok()?;
        let tail = tail.trim_start();
        let unit_len = tail.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(tail.len());
        let (unit, after) = tail.split_at(unit_len);
        let unit_ms = match unit {
            "ms" | "millisecond" | "milliseconds" => 1.0,
            "s" | "sec" | "secs" | "second" | "seconds" => 1e3,
            "m" | "min" | "mins" | "minute" | "minutes" => 6e4,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3.6e6,
            "d" | "day" | "days" => DAY_MS as f64,
            "w" | "wk" | "wks" | "week" | "weeks" => 7.0 * DAY_MS as f64,
            _ => return None,
        };
        total += n * unit_ms;
        parts += 1;
        rest = after.trim_start().trim_start_matches(',').trim_start();
        rest = rest.strip_prefix("and ").unwrap_or(rest);
    }
    let ms = total.round();
    (parts > 0 && ms.is_finite() && ms.abs() < 9e18).then_some(ms as i64)
}

crate::named_enum! {
    /// Unit of epoch-number timestamps. The codes are the C enum's (milliseconds first).
    #[derive(Default)]
    pub enum TimeUnit: "time_unit" {
        /// Milliseconds (the core's own unit).
        #[default]
        Milliseconds = 0 => "ms" | "milli" | "millis" | "millisecond" | "milliseconds",
        /// Seconds since 1970-01-01T00:00:00Z.
        Seconds = 1 => "s" | "sec" | "secs" | "second" | "seconds",
        /// Microseconds.
        Microseconds = 2 => "us" | "µs" | "micro" | "micros" | "microsecond" | "microseconds",
        /// Nanoseconds.
        Nanoseconds = 3 => "ns" | "nano" | "nanos" | "nanosecond" | "nanoseconds",
    }
}

impl TimeUnit {
    /// Milliseconds per unit, as a factor.
    pub fn to_millis_factor(self) -> f64 {
        match self {
            TimeUnit::Seconds => 1e3,
            TimeUnit::Milliseconds => 1.0,
            TimeUnit::Microseconds => 1e-3,
            TimeUnit::Nanoseconds => 1e-6,
        }
    }

    /// Convert an integer count of this unit to milliseconds (floor division).
    pub fn int_to_millis(self, v: i64) -> Option<i64> {
        match self {
            TimeUnit::Seconds => v.checked_mul(1000),
            TimeUnit::Milliseconds => Some(v),
            TimeUnit::Microseconds => Some(v.div_euclid(1000)),
            TimeUnit::Nanoseconds => Some(v.div_euclid(1_000_000)),
        }
    }
}

/// The smallest and largest epoch number a reader saw in a time column, to catch a wrong
/// [`TimeUnit`]: epoch seconds read as milliseconds are dates in January 1970, milliseconds read
/// as seconds are dates tens of thousands of years away, and neither is an error row by row.
///
/// ```
/// use touchpoint_core::time::{EpochRange, TimeUnit};
/// use touchpoint_core::Location;
/// let mut r = EpochRange::default();
/// for (i, s) in [1_700_000_000_i64, 1_700_086_400].iter().enumerate() {
///     r.add(s * 1, Location::Row(i)); // read as milliseconds: 20 days after 1970-01-01
/// }
/// let e = r.check("timestamp", TimeUnit::Milliseconds).unwrap_err().to_string();
/// assert!(e.contains("`timestamp`") && e.contains("time_unit='s'"), "{e}");
/// assert!(r.check("timestamp", TimeUnit::Seconds).is_ok());
/// ```
#[derive(Debug, Clone, Default)]
pub struct EpochRange {
    min: Option<(i64, crate::Location)>,
    max: Option<(i64, crate::Location)>,
}

impl EpochRange {
    /// Record one value as read (in the column's unit, not converted).
    pub fn add(&mut self, raw: i64, loc: crate::Location) {
        if self.min.as_ref().is_none_or(|m| raw < m.0) {
            self.min = Some((raw, loc.clone()));
        }
        if self.max.as_ref().is_none_or(|m| raw > m.0) {
            self.max = Some((raw, loc));
        }
    }

    /// Record a value given in milliseconds after conversion from `unit`.
    pub fn add_ms(&mut self, ms: i64, unit: TimeUnit, loc: crate::Location) {
        let raw = match unit {
            TimeUnit::Seconds => ms.div_euclid(1000),
            TimeUnit::Milliseconds => ms,
            TimeUnit::Microseconds => ms.saturating_mul(1000),
            TimeUnit::Nanoseconds => ms.saturating_mul(1_000_000),
        };
        self.add(raw, loc);
    }

    /// An error when every value lies in the range of modern dates (2000 to 2100) written in
    /// another unit than `unit`: it names the column, the range seen and the `time_unit` to
    /// pass. Values that fit no unit's range (synthetic times near 1970, say) pass.
    pub fn check(&self, column: &str, unit: TimeUnit) -> crate::Result<()> {
        let (Some((lo, at)), Some((hi, _))) = (&self.min, &self.max) else { return Ok(()) };
        const Y2000_S: f64 = 946_684_800.0;
        const Y2100_S: f64 = 4_102_444_800.0;
        let per_second = |u: TimeUnit| 1e3 / u.to_millis_factor();
        let fits = |u: TimeUnit| {
            let k = per_second(u);
            *lo as f64 >= Y2000_S * k && *hi as f64 <= Y2100_S * k
        };
        let Some(looks) = <TimeUnit as crate::named::Named>::ALL.iter().copied().find(|&u| fits(u)) else {
            return Ok(());
        };
        if looks == unit {
            return Ok(());
        }
        let as_read = |v: i64| {
            let ms = v as f64 * unit.to_millis_factor();
            if ms.abs() < 8.0e15 {
                crate::report::date(ms as i64)
            } else {
                format!("year {:.0}", 1970.0 + ms / 3.15576e10)
            }
        };
        Err(crate::Error::invalid(
            column,
            at.clone(),
            format!("{lo} .. {hi}"),
            format!(
                "epoch numbers read as {} are dates from {} to {}; they look like {} (dates from {} to {}): \
                 pass time_unit='{}'",
                unit_words(unit),
                as_read(*lo),
                as_read(*hi),
                unit_words(looks),
                crate::report::date((*lo as f64 * looks.to_millis_factor()) as i64),
                crate::report::date((*hi as f64 * looks.to_millis_factor()) as i64),
                looks.name(),
            ),
        ))
    }
}

fn unit_words(u: TimeUnit) -> &'static str {
    match u {
        TimeUnit::Seconds => "seconds",
        TimeUnit::Milliseconds => "milliseconds",
        TimeUnit::Microseconds => "microseconds",
        TimeUnit::Nanoseconds => "nanoseconds",
    }
}

/// How timestamps are written in a text column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum TimeFormat {
    /// ISO 8601 / RFC 3339: `2024-03-01`, `2024-03-01T12:30:00`, `2024-03-01 12:30:00.250`,
    /// `2024-03-01T12:30:00Z`, `2024-03-01T12:30:00+02:00`. Times without an offset are taken as
    /// UTC (time zones are the caller's business).
    Iso8601,
    /// Numbers since the Unix epoch in the given unit (integers or decimals).
    Epoch(TimeUnit),
    /// Try epoch numbers (in the given unit) first, then ISO 8601.
    Auto(TimeUnit),
}

impl Default for TimeFormat {
    fn default() -> Self {
        TimeFormat::Auto(TimeUnit::Milliseconds)
    }
}

/// Parse one timestamp to epoch milliseconds; the error says what was expected.
///
/// ```
/// use touchpoint_core::{parse_time, TimeFormat, TimeUnit};
/// assert_eq!(parse_time(TimeFormat::Iso8601, "1970-01-02"), Ok(86_400_000));
/// assert_eq!(parse_time(TimeFormat::Epoch(TimeUnit::Seconds), "2"), Ok(2_000));
/// ```
pub fn parse_time(format: TimeFormat, s: &str) -> std::result::Result<i64, &'static str> {
    parse_time_kind(format, s).map(|(ms, _)| ms)
}

/// [`parse_time`], also saying whether the text was an epoch number (the readers feed those to
/// an [`EpochRange`] without parsing the cell twice).
pub(crate) fn parse_time_kind(format: TimeFormat, s: &str) -> std::result::Result<(i64, bool), &'static str> {
    let t = s.trim();
    if t.is_empty() {
        return Err("timestamp is empty");
    }
    let epoch = |unit| parse_epoch(unit, t).map(|ms| (ms, true));
    let iso = || parse_iso(t).map(|ms| (ms, false));
    match format {
        TimeFormat::Epoch(unit) => epoch(unit).ok_or("expected an epoch number"),
        TimeFormat::Iso8601 => iso().ok_or("expected an ISO 8601 date or date-time"),
        TimeFormat::Auto(unit) => epoch(unit).or_else(iso).ok_or("expected an epoch number or an ISO 8601 date-time"),
    }
}

fn parse_epoch(unit: TimeUnit, t: &str) -> Option<i64> {
    if let Ok(v) = t.parse::<i64>() {
        return unit.int_to_millis(v);
    }
    let v: f64 = t.parse().ok()?;
    crate::cells::epoch_ms("", crate::Location::Row(0), v, unit).ok()
}

fn parse_iso(t: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.timestamp_millis());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%#z"] {
        if let Ok(dt) = DateTime::parse_from_str(t, fmt) {
            return Some(dt.timestamp_millis());
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(dt.and_utc().timestamp_millis());
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let f = TimeFormat::default();
        assert_eq!(parse_time(f, "1700000000000"), Ok(1_700_000_000_000));
        assert_eq!(parse_time(TimeFormat::Epoch(TimeUnit::Seconds), "1.5"), Ok(1500));
        assert_eq!(parse_time(f, "1970-01-02"), Ok(86_400_000));
        assert_eq!(parse_time(f, "1970-01-01T00:00:01Z"), Ok(1000));
        assert_eq!(parse_time(f, "1970-01-01 00:00:01.250"), Ok(1250));
        assert_eq!(parse_time(f, "1970-01-01T01:00:00+01:00"), Ok(0));
        assert!(parse_time(f, "yesterday").is_err());
        assert!(parse_time(TimeFormat::Iso8601, "12345").is_err());
    }
}
