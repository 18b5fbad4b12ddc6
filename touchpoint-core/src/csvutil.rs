//! Small helpers shared by the CSV readers: header lookup, booleans, numbers, timestamps.

use std::collections::{HashMap, VecDeque};
use std::io::Read;

use crate::error::{Error, Location, Result};

/// A reader that remembers where its newlines are, so CSV records get their physical line
/// numbers (the `csv` crate's count lags behind blank lines and CRLF line endings).
pub(crate) struct LineCounting<R> {
    inner: R,
    /// Bytes read so far.
    pos: u64,
    /// Offsets of newlines read but not yet passed by a query.
    ahead: VecDeque<u64>,
    /// Newlines passed.
    passed: u64,
}

impl<R> LineCounting<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self { inner, pos: 0, ahead: VecDeque::new(), passed: 0 }
    }

    /// Line (1-based) of the byte at `offset`; offsets must not decrease between calls.
    fn line_of(&mut self, offset: u64) -> u64 {
        while self.ahead.front().is_some_and(|&p| p < offset) {
            self.ahead.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

impl<R: Read> Read for LineCounting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.ahead.extend(memchr::memchr_iter(b'\n', &buf[..n]).map(|i| self.pos + i as u64));
        self.pos += n as u64;
        Ok(n)
    }
}

/// Physical line on which the record just read starts: the line of its last byte (the csv
/// reader's position is just past the record's terminator), less the line breaks inside its
/// quoted fields (`fields`: the record's field bytes).
pub(crate) fn record_line<R: Read>(rdr: &mut csv::Reader<LineCounting<R>>, fields: &[u8]) -> u64 {
    let end = rdr.position().byte();
    let last = rdr.get_mut().line_of(end.saturating_sub(1));
    last.saturating_sub(memchr::memchr_iter(b'\n', fields).count() as u64).max(1)
}

/// A CSV header with duplicate detection and by-name lookup.
pub(crate) struct Header {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Header {
    pub(crate) fn read<R: std::io::Read>(rdr: &mut csv::Reader<R>) -> Result<Self> {
        let rec = rdr.headers()?.clone();
        Self::from_names(rec.iter().map(|s| s.trim().trim_start_matches('\u{feff}').to_owned()))
    }

    pub(crate) fn from_names(names: impl Iterator<Item = String>) -> Result<Self> {
        let names: Vec<String> = names.collect();
        if names.is_empty() || names.iter().all(String::is_empty) {
            return Err(Error::EmptyInput { what: "CSV header", hint: "header line naming the columns" });
        }
        let mut index = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            if let Some(&first) = index.get(n) {
                return Err(Error::DuplicateColumn { name: n.clone(), first: first + 1, second: i + 1 });
            }
            index.insert(n.clone(), i);
        }
        Ok(Self { names, index })
    }

    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub(crate) fn require(&self, name: &str) -> Result<usize> {
        self.find(name).ok_or_else(|| Error::MissingColumn { name: name.to_owned(), available: self.names.join(", ") })
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }
}

/// `true/false`, `yes/no`, `y/n`, `t/f`, `1/0` (case-insensitive).
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "t" | "1.0" => Some(true),
        "0" | "false" | "no" | "n" | "f" | "0.0" | "" => Some(false),
        _ => None,
    }
}

/// A finite number `>= 0` from CSV text.
pub(crate) fn parse_nonneg(column: &str, loc: Location, s: &str) -> Result<f64> {
    let t = s.trim();
    let v: f64 = t.parse().map_err(|_| Error::invalid(column, loc.clone(), t, "expected a number"))?;
    check_nonneg(column, loc, v)
}

/// Reject NaN, infinities and negatives.
pub(crate) fn check_nonneg(column: &str, loc: Location, v: f64) -> Result<f64> {
    if !v.is_finite() {
        return Err(Error::invalid(column, loc, v.to_string(), "must be a finite number"));
    }
    if v < 0.0 {
        return Err(Error::invalid(column, loc, v.to_string(), "must be >= 0"));
    }
    Ok(v)
}

/// Unit of epoch-number timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum TimeUnit {
    /// Seconds since 1970-01-01T00:00:00Z.
    Seconds,
    /// Milliseconds (the core's own unit).
    #[default]
    Milliseconds,
    /// Microseconds.
    Microseconds,
    /// Nanoseconds.
    Nanoseconds,
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

impl std::str::FromStr for TimeUnit {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => Ok(TimeUnit::Seconds),
            "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => Ok(TimeUnit::Milliseconds),
            "us" | "µs" | "micro" | "micros" | "microsecond" | "microseconds" => Ok(TimeUnit::Microseconds),
            "ns" | "nano" | "nanos" | "nanosecond" | "nanoseconds" => Ok(TimeUnit::Nanoseconds),
            _ => Err("expected a time unit: s, ms, us or ns".to_owned()),
        }
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
    let t = s.trim();
    if t.is_empty() {
        return Err("timestamp is empty");
    }
    match format {
        TimeFormat::Epoch(unit) => parse_epoch(unit, t).ok_or("expected an epoch number"),
        TimeFormat::Iso8601 => parse_iso(t).ok_or("expected an ISO 8601 date or date-time"),
        TimeFormat::Auto(unit) => {
            parse_epoch(unit, t).or_else(|| parse_iso(t)).ok_or("expected an epoch number or an ISO 8601 date-time")
        }
    }
}

fn parse_epoch(unit: TimeUnit, t: &str) -> Option<i64> {
    if let Ok(v) = t.parse::<i64>() {
        return unit.int_to_millis(v);
    }
    let v: f64 = t.parse().ok()?;
    let ms = (v * unit.to_millis_factor()).floor();
    (ms.is_finite() && ms.abs() < 9.0e18).then_some(ms as i64)
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

    #[test]
    fn duplicate_header() {
        let e = Header::from_names(["a", "b", "a"].into_iter().map(String::from)).err().unwrap();
        assert!(e.to_string().contains("duplicate column `a`"), "{e}");
    }
}
