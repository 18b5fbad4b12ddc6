//! Small helpers shared by the CSV readers: line numbers, header lookup, booleans, numbers
//! (timestamps are parsed by [`crate::time`]).

use std::collections::{HashMap, VecDeque};
use std::io::Read;

use crate::error::{Error, Location, Result};

/// The CSV field delimiter an option names: exactly one ASCII character (`","`, `";"`, `"\t"`).
///
/// ```
/// assert_eq!(touchpoint_core::parse_delimiter(";")?, b';');
/// assert!(touchpoint_core::parse_delimiter(";;").unwrap_err().to_string().contains("delimiter"));
/// # Ok::<(), touchpoint_core::Error>(())
/// ```
pub fn parse_delimiter(s: &str) -> Result<u8> {
    match s.as_bytes() {
        [d] if d.is_ascii() && *d != b'\n' && *d != b'\r' && *d != b'"' => Ok(*d),
        _ => Err(Error::option(
            "delimiter",
            format!("{s:?}"),
            "the CSV field delimiter must be one ASCII character other than a newline or a quote",
        )),
    }
}

/// The separator of touchpoints inside a path cell (`">"`): not empty, and on one line.
///
/// ```
/// assert_eq!(touchpoint_core::parse_separator(" > ")?, " > ");
/// assert!(touchpoint_core::parse_separator("").is_err());
/// # Ok::<(), touchpoint_core::Error>(())
/// ```
pub fn parse_separator(s: &str) -> Result<&str> {
    if s.is_empty() || s.contains(['\n', '\r']) {
        return Err(Error::option(
            "separator",
            format!("{s:?}"),
            "the path separator must be non-empty text on one line, e.g. \">\"",
        ));
    }
    Ok(s)
}

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

/// A conversion value: finite, `>= 0` and at most [`crate::cells::MAX_AMOUNT`] (value sums
/// are exact fixed-point sums, [`crate::stats::FixedSum`], about ±1.5e26).
pub(crate) fn check_value(column: &str, loc: Location, v: f64) -> Result<f64> {
    crate::cells::amount(column, loc, v)
}

/// Reject NaN, infinities, negatives and amounts above [`crate::cells::MAX_AMOUNT`].
pub(crate) fn check_nonneg(column: &str, loc: Location, v: f64) -> Result<f64> {
    crate::cells::amount(column, loc, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_header() {
        let e = Header::from_names(["a", "b", "a"].into_iter().map(String::from)).err().unwrap();
        assert!(e.to_string().contains("duplicate column `a`"), "{e}");
    }
}

/// Compression of a file, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
}

pub(crate) fn compression_of(head: &[u8]) -> Compression {
    match head {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        _ => Compression::None,
    }
}

/// The compression of the file at `path` (its magic bytes).
pub(crate) fn sniff_file(path: &std::path::Path) -> Result<Compression> {
    use std::io::Read as _;
    let io = |e| Error::Io { path: path.display().to_string(), source: e };
    let mut head = [0u8; 4];
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]).map_err(io)? {
            0 => break,
            k => n += k,
        }
    }
    Ok(compression_of(&head[..n]))
}

/// The error for a zstd file: not read (no decoder in the core).
pub(crate) fn zstd_error(path: &str) -> Error {
    Error::Io {
        path: path.to_owned(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is zstd-compressed, which touchpoint does not read: decompress it (`zstd -d`) or gzip it",
        ),
    }
}

/// A gzip file (one or more members) decompressed whole.
pub(crate) fn gunzip_file(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let name = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| Error::Io { path: name.clone(), source: e })?;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 20, f))
        .read_to_end(&mut out)
        .map_err(|e| Error::Io { path: format!("{name} (gzip)"), source: e })?;
    Ok(out)
}

/// Gzip data held in memory, decompressed.
pub(crate) fn gunzip_bytes(data: &[u8]) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .map_err(|e| Error::Io { path: "<gzip data>".into(), source: e })?;
    Ok(out)
}
