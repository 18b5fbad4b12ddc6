//! The path table: distinct paths with their conversions, non-conversions ("nulls") and value.
//!
//! This is the aggregated form attribution peers use, and every model that does not need times
//! runs on it. Building it from journeys and feeding it back gives identical results.
//!
//! ```
//! use touchpoint_core::{PathTable, PathCsvOptions};
//!
//! let csv = "path,total_conversions,total_conversion_value,total_null\n\
//!            search > email > store,1,80,0\n\
//!            search,0,0,3\n\
//!            search > email > store,2,100,1\n";
//! let paths = PathTable::read_csv(csv.as_bytes(), &PathCsvOptions::default())?;
//! assert_eq!(paths.len(), 2);                 // identical paths are merged
//! assert_eq!(paths.total_conversions(), 3.0);
//! assert_eq!(paths.total_nulls(), 4.0);
//! assert_eq!(paths.total_value(), 180.0);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use std::hash::BuildHasher;
use std::io::Read;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::catalog::{Catalog, TouchpointId};
use crate::csvutil::{self, Header};
use crate::error::{Error, Location, Result};
use crate::journey::JourneySet;

thread_local! {
    /// Chunk size of the parallel path-CSV reader (tests make it tiny to get many chunks).
    static FAST_CHUNK: std::cell::Cell<usize> = const { std::cell::Cell::new(4 << 20) };
    /// Block size of the streamed file reader (tests make it tiny to get many blocks).
    static STREAM_BLOCK: std::cell::Cell<usize> = const { std::cell::Cell::new(8 << 20) };
}

/// Chunk size of the parallel parse of one streamed block.
const STREAM_CHUNK: usize = 1 << 20;

/// One distinct path, borrowed from a [`PathTable`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathRow<'a> {
    /// Touchpoints in order.
    pub touchpoints: &'a [TouchpointId],
    /// Journeys on this path that converted.
    pub conversions: f64,
    /// Journeys on this path that did not convert.
    pub nulls: f64,
    /// Total conversion value of the converting journeys.
    pub value: f64,
}

/// Distinct paths → conversions, nulls, value. Paths are kept in order of first appearance.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(from = "PathTableData", into = "PathTableData"))]
pub struct PathTable {
    catalog: Catalog,
    offsets: Vec<usize>,
    touchpoints: Vec<TouchpointId>,
    conversions: Vec<f64>,
    nulls: Vec<f64>,
    value: Vec<f64>,
    /// Row numbers, hashed by their path (no per-path allocation). Built on the first add after
    /// rows were appended without it (the file reader deduplicates on its own).
    index: HashTable<u32>,
    /// Rows `0..indexed` are in `index`.
    indexed: usize,
    hasher: DefaultHashBuilder,
    totals: crate::data::TotalsCache,
}

impl PartialEq for PathTable {
    fn eq(&self, o: &Self) -> bool {
        self.catalog == o.catalog
            && self.offsets == o.offsets
            && self.touchpoints == o.touchpoints
            && self.conversions == o.conversions
            && self.nulls == o.nulls
            && self.value == o.value
    }
}

/// Options of [`PathTable::read_csv`]. Defaults read the common
/// `path,total_conversions,total_conversion_value,total_null` form with `>` between touchpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct PathCsvOptions {
    /// Path column.
    pub path: String,
    /// Conversions column.
    pub conversions: String,
    /// Non-conversions column; `None` uses `total_null` when the header has it, else 0.
    pub nulls: Option<String>,
    /// Conversion value column; `None` uses `total_conversion_value` when the header has it, else 0.
    pub value: Option<String>,
    /// Separator between touchpoints in a path (tokens are trimmed, empty tokens dropped).
    pub separator: String,
    /// CSV field delimiter.
    pub delimiter: u8,
}

impl Default for PathCsvOptions {
    fn default() -> Self {
        Self {
            path: "path".into(),
            conversions: "total_conversions".into(),
            nulls: None,
            value: None,
            separator: ">".into(),
            delimiter: b',',
        }
    }
}

impl PathTable {
    /// An empty table over `catalog`.
    pub fn new(catalog: Catalog) -> Self {
        Self { catalog, offsets: vec![0], ..Default::default() }
    }

    /// Add `conversions`, `nulls` and `value` to `path` (merged with an identical path).
    pub fn add(&mut self, path: &[TouchpointId], conversions: f64, nulls: f64, value: f64) -> Result<()> {
        if path.is_empty() {
            return Err(Error::invalid("path", Location::Row(self.len()), "", "a path needs at least one touchpoint"));
        }
        if let Some(bad) = path.iter().find(|t| t.index() >= self.catalog.len()) {
            return Err(Error::UnknownTouchpoint { name: bad.0.to_string(), known: self.catalog.len() });
        }
        let loc = || Location::Row(self.len());
        csvutil::check_nonneg("conversions", loc(), conversions)?;
        csvutil::check_nonneg("nulls", loc(), nulls)?;
        csvutil::check_nonneg("value", loc(), value)?;
        self.add_unchecked(path, conversions, nulls, value);
        Ok(())
    }

    /// Make room for `rows` more distinct paths with `touches` touches in all.
    pub(crate) fn reserve(&mut self, rows: usize, touches: usize) {
        self.offsets.reserve(rows);
        self.touchpoints.reserve(touches);
        self.conversions.reserve(rows);
        self.nulls.reserve(rows);
        self.value.reserve(rows);
    }

    fn add_unchecked(&mut self, path: &[TouchpointId], conversions: f64, nulls: f64, value: f64) {
        let hash = self.hasher.hash_one(path);
        self.add_hashed(path, hash, conversions, nulls, value)
    }

    /// The hasher of rows (`hash_one(path)` gives the hash [`PathTable::add_hashed`] expects).
    pub(crate) fn row_hasher(&self) -> DefaultHashBuilder {
        self.hasher
    }

    /// Index the rows appended without the index.
    fn complete_index(&mut self) {
        let n = self.conversions.len();
        if self.indexed == n {
            return;
        }
        let (offsets, touchpoints, hasher) = (&self.offsets, &self.touchpoints, self.hasher);
        let row = |i: u32| &touchpoints[offsets[i as usize]..offsets[i as usize + 1]];
        self.index.reserve(n - self.indexed, |&j| hasher.hash_one(row(j)));
        for i in self.indexed..n {
            let i = i as u32;
            self.index.insert_unique(hasher.hash_one(row(i)), i, |&j| hasher.hash_one(row(j)));
        }
        self.indexed = n;
    }

    /// Append rows whose paths are not in the table: row `k` is `ids[offsets[k]..offsets[k + 1]]`
    /// with counts `nums[k]` (conversions, nulls, value); not indexed.
    pub(crate) fn push_new_rows(&mut self, ids: &[TouchpointId], offsets: &[u32], nums: &[[f64; 3]]) {
        let (Some(&o0), Some(&o1)) = (offsets.first(), offsets.last()) else { return };
        self.totals.clear();
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        let base = self.touchpoints.len();
        self.touchpoints.extend_from_slice(&ids[o0 as usize..o1 as usize]);
        self.offsets.extend(offsets[1..].iter().map(|&o| base + (o - o0) as usize));
        self.conversions.extend(nums.iter().map(|n| n[0]));
        self.nulls.extend(nums.iter().map(|n| n[1]));
        self.value.extend(nums.iter().map(|n| n[2]));
    }

    /// Add to the counts of row `i`.
    pub(crate) fn add_to_row(&mut self, i: usize, conversions: f64, nulls: f64, value: f64) {
        self.totals.clear();
        self.conversions[i] += conversions;
        self.nulls[i] += nulls;
        self.value[i] += value;
    }

    /// Touchpoints of row `i`.
    #[inline]
    pub(crate) fn path_of(&self, i: usize) -> &[TouchpointId] {
        &self.touchpoints[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Add a validated row whose hash (see [`PathTable::row_hasher`]) the caller computed.
    pub(crate) fn add_hashed(&mut self, path: &[TouchpointId], hash: u64, conversions: f64, nulls: f64, value: f64) {
        self.totals.clear();
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.complete_index();
        let (offsets, touchpoints, hasher) = (&self.offsets, &self.touchpoints, self.hasher);
        let row = |i: u32| &touchpoints[offsets[i as usize]..offsets[i as usize + 1]];
        if let Some(&i) = self.index.find(hash, |&i| row(i) == path) {
            let i = i as usize;
            self.conversions[i] += conversions;
            self.nulls[i] += nulls;
            self.value[i] += value;
            return;
        }
        let i = self.conversions.len() as u32;
        // row numbers only (4 bytes a slot): a rehash recomputes the hashes of the rows
        self.index.insert_unique(hash, i, |&j| hasher.hash_one(row(j)));
        self.indexed += 1;
        self.touchpoints.extend_from_slice(path);
        self.offsets.push(self.touchpoints.len());
        self.conversions.push(conversions);
        self.nulls.push(nulls);
        self.value.push(value);
    }

    /// Add a path given by names (interned into the catalog).
    ///
    /// ```
    /// let mut t = touchpoint_core::PathTable::default();
    /// t.add_names(&["C1", "C2", "C3"], 1.0, 0.0, 0.0)?;
    /// t.add_names(&["C1"], 0.0, 1.0, 0.0)?;
    /// assert_eq!(t.catalog().names(), ["C1", "C2", "C3"]);
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn add_names<S: AsRef<str>>(&mut self, path: &[S], conversions: f64, nulls: f64, value: f64) -> Result<()> {
        let ids: Vec<TouchpointId> = path.iter().map(|s| self.catalog.intern(s.as_ref())).collect();
        self.add(&ids, conversions, nulls, value)
    }

    /// Parse `"a > b > c"` with `separator` (tokens trimmed, empty tokens dropped) and add it.
    pub fn add_path_str(
        &mut self,
        path: &str,
        separator: &str,
        conversions: f64,
        nulls: f64,
        value: f64,
    ) -> Result<()> {
        let tokens: Vec<&str> = split_path(path, separator).collect();
        if tokens.is_empty() {
            return Err(Error::invalid("path", Location::Row(self.len()), path, "the path has no touchpoints"));
        }
        self.add_names(&tokens, conversions, nulls, value)
    }

    /// Aggregate journeys: one row per distinct touchpoint sequence.
    pub fn from_journeys(journeys: &JourneySet) -> Self {
        let mut t = PathTable::new(journeys.catalog().clone());
        for j in journeys.iter() {
            let (c, n) = if j.converted { (j.weight, 0.0) } else { (0.0, j.weight) };
            t.add_unchecked(j.touchpoints, c, n, j.value * j.weight);
        }
        t
    }

    /// Read a path CSV (see [`PathCsvOptions`]). Errors name the line, column and value.
    pub fn read_csv<R: Read>(mut reader: R, opts: &PathCsvOptions) -> Result<Self> {
        let mut data = Vec::new();
        reader.read_to_end(&mut data).map_err(|e| Error::Io { path: "<reader>".into(), source: e })?;
        Self::read_csv_bytes(&data, opts)
    }

    /// Read a path CSV held in memory. Plain (unquoted) files are parsed in parallel chunks;
    /// the result, including catalog order and error lines, is that of the sequential reader.
    pub fn read_csv_bytes(data: &[u8], opts: &PathCsvOptions) -> Result<Self> {
        if opts.separator.is_empty() {
            return Err(Error::option("separator", "\"\"", "the path separator must not be empty"));
        }
        if let Some(t) = Self::try_fast(data, opts) {
            return t;
        }
        Self::read_csv_sequential(data, opts)
    }

    fn try_fast(data: &[u8], opts: &PathCsvOptions) -> Option<Result<Self>> {
        let nl = memchr::memchr(b'\n', data)?;
        let layout = match Self::fast_layout(&data[..nl], opts)? {
            Ok(l) => l,
            Err(e) => return Some(Err(e)),
        };
        crate::paths_fast::read_chunked(&data[nl + 1..], 2, &layout, FAST_CHUNK.with(|c| c.get())).ok()
    }

    /// The fast reader's view of the header line (`None`: leave the file to the `csv` crate).
    fn fast_layout<'o>(head: &[u8], opts: &'o PathCsvOptions) -> Option<Result<crate::paths_fast::Layout<'o>>> {
        if head.contains(&b'"') {
            return None;
        }
        let header = match Header::from_names(
            head.strip_suffix(b"\r")
                .unwrap_or(head)
                .split(|&b| b == opts.delimiter)
                .map(|s| String::from_utf8_lossy(s).trim().trim_start_matches('\u{feff}').to_owned()),
        ) {
            Ok(h) => h,
            Err(e) => return Some(Err(e)),
        };
        let find = |name: &str| header.require(name);
        let (c_path, c_conv) = match (find(&opts.path), find(&opts.conversions)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => return Some(Err(e)),
        };
        let c_null = match &opts.nulls {
            Some(n) => match find(n) {
                Ok(i) => Some(i),
                Err(e) => return Some(Err(e)),
            },
            None => header.find("total_null"),
        };
        let c_val = match &opts.value {
            Some(n) => match find(n) {
                Ok(i) => Some(i),
                Err(e) => return Some(Err(e)),
            },
            None => header.find("total_conversion_value"),
        };
        Some(Ok(crate::paths_fast::Layout {
            fields: header.len(),
            path: c_path,
            conv: c_conv,
            nulls: c_null,
            value: c_val,
            names: [
                &opts.path,
                &opts.conversions,
                opts.nulls.as_deref().unwrap_or("total_null"),
                opts.value.as_deref().unwrap_or("total_conversion_value"),
            ],
            delimiter: opts.delimiter,
            separator: &opts.separator,
        }))
    }

    fn read_csv_sequential(data: &[u8], opts: &PathCsvOptions) -> Result<Self> {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(opts.delimiter)
            .flexible(false)
            .from_reader(csvutil::LineCounting::new(data));
        let rec = rdr.byte_headers()?.clone();
        let header = Header::from_names(
            rec.iter().map(|s| String::from_utf8_lossy(s).trim().trim_start_matches('\u{feff}').to_owned()),
        )?;
        let c_path = header.require(&opts.path)?;
        let c_conv = header.require(&opts.conversions)?;
        let c_null = match &opts.nulls {
            Some(n) => Some(header.require(n)?),
            None => header.find("total_null"),
        };
        let c_val = match &opts.value {
            Some(n) => Some(header.require(n)?),
            None => header.find("total_conversion_value"),
        };
        let null_name = opts.nulls.as_deref().unwrap_or("total_null");
        let val_name = opts.value.as_deref().unwrap_or("total_conversion_value");
        let mut t = PathTable::new(Catalog::new());
        let mut rec = csv::ByteRecord::new();
        let mut ids: Vec<TouchpointId> = Vec::with_capacity(64);
        let mut sep_chars = opts.separator.chars();
        let sep_char = match (sep_chars.next(), sep_chars.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        };
        while rdr.read_byte_record(&mut rec)? {
            let line = crate::csvutil::record_line(&mut rdr, rec.as_slice());
            let loc = || Location::Line(line);
            let field = |c: usize, name: &str| -> Result<&str> {
                std::str::from_utf8(rec.get(c).unwrap_or(b"")).map_err(|_| {
                    Error::invalid(name, loc(), String::from_utf8_lossy(rec.get(c).unwrap_or(b"")), "not valid UTF-8")
                })
            };
            let path = field(c_path, &opts.path)?;
            ids.clear();
            let mut push = |name: &str| {
                ids.push(match t.catalog.get(name) {
                    Some(id) => id,
                    None => t.catalog.intern(name),
                })
            };
            match sep_char {
                Some(c) => path.split(c).map(str::trim).filter(|s| !s.is_empty()).for_each(&mut push),
                None => split_path(path, &opts.separator).for_each(&mut push),
            }
            if ids.is_empty() {
                return Err(Error::invalid(opts.path.as_str(), loc(), path, "empty path: it has no touchpoints"));
            }
            let conv = csvutil::parse_nonneg(&opts.conversions, loc(), field(c_conv, &opts.conversions)?)?;
            let nulls = match c_null {
                Some(c) => num_or_empty(null_name, loc(), field(c, null_name)?)?,
                None => 0.0,
            };
            let value = match c_val {
                Some(c) => num_or_empty(val_name, loc(), field(c, val_name)?)?,
                None => 0.0,
            };
            t.add_unchecked(&ids, conv, nulls, value);
        }
        if t.is_empty() {
            return Err(Error::EmptyInput { what: "path table", hint: "path row (path, conversions, nulls, value)" });
        }
        Ok(t)
    }

    /// Read a path CSV file.
    ///
    /// Plain (unquoted) files are streamed: read in blocks of a few megabytes, each parsed in
    /// parallel while the previous one is added to the table, so memory stays at a few blocks
    /// plus the table (and 4 bytes per row read). Other files are read whole by the `csv` crate.
    pub fn read_csv_path(path: impl AsRef<std::path::Path>, opts: &PathCsvOptions) -> Result<Self> {
        use std::io::Read;
        if opts.separator.is_empty() {
            return Err(Error::option("separator", "\"\"", "the path separator must not be empty"));
        }
        let p = path.as_ref();
        let name = p.display().to_string();
        let io = |e: std::io::Error| Error::Io { path: name.clone(), source: e };
        let mut file = std::fs::File::open(p).map_err(io)?;
        let block = STREAM_BLOCK.with(|c| c.get());
        let mut head = Vec::new();
        (&mut file).take(block as u64).read_to_end(&mut head).map_err(io)?;
        let mut fell_back = false;
        if let Some(nl) = memchr::memchr(b'\n', &head) {
            if let Some(layout) = Self::fast_layout(&head[..nl], opts) {
                let layout = layout?;
                let rest = head.split_off(nl + 1);
                let chunk = STREAM_CHUNK.min(FAST_CHUNK.with(|c| c.get()));
                let size = file.metadata().ok().map(|m| m.len());
                match crate::paths_fast::read_streamed(&mut file, rest, 2, &layout, chunk, block, &name, size) {
                    Ok(result) => return result,
                    Err(crate::paths_fast::Fallback) => fell_back = true,
                }
            }
        }
        // quoted, ragged or header-only files: the whole file through the csv crate
        let data = std::fs::read(p).map_err(io)?;
        if fell_back { Self::read_csv_sequential(&data, opts) } else { Self::read_csv_bytes(&data, opts) }
    }

    /// Write the table as CSV in the default form (`path,total_conversions,total_conversion_value,total_null`).
    pub fn write_csv<W: std::io::Write>(&self, writer: W, separator: &str) -> Result<()> {
        let mut w = csv::Writer::from_writer(writer);
        w.write_record(["path", "total_conversions", "total_conversion_value", "total_null"])?;
        let sep = format!(" {} ", separator.trim());
        for r in self.iter() {
            let names: Vec<&str> = r.touchpoints.iter().map(|&t| self.catalog.name(t).unwrap_or("?")).collect();
            w.write_record([names.join(&sep), r.conversions.to_string(), r.value.to_string(), r.nulls.to_string()])?;
        }
        w.flush().map_err(|e| Error::Io { path: "<writer>".into(), source: e })?;
        Ok(())
    }

    /// Number of distinct paths.
    pub fn len(&self) -> usize {
        self.conversions.len()
    }

    /// True when the table has no paths.
    pub fn is_empty(&self) -> bool {
        self.conversions.is_empty()
    }

    /// The touchpoint catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Mutable catalog (attach attributes).
    pub fn catalog_mut(&mut self) -> &mut Catalog {
        self.totals.clear();
        &mut self.catalog
    }

    pub(crate) fn totals_cache(&self) -> &crate::data::TotalsCache {
        &self.totals
    }

    /// Path `i`.
    pub fn get(&self, i: usize) -> Option<PathRow<'_>> {
        let (&a, &b) = (self.offsets.get(i)?, self.offsets.get(i + 1)?);
        Some(PathRow {
            touchpoints: &self.touchpoints[a..b],
            conversions: self.conversions[i],
            nulls: self.nulls[i],
            value: self.value[i],
        })
    }

    /// Iterate the paths in order of first appearance.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = PathRow<'_>> + '_ {
        (0..self.len()).map(move |i| self.row(i))
    }

    /// Row `i`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    #[inline]
    pub fn row(&self, i: usize) -> PathRow<'_> {
        PathRow {
            touchpoints: &self.touchpoints[self.offsets[i]..self.offsets[i + 1]],
            conversions: self.conversions[i],
            nulls: self.nulls[i],
            value: self.value[i],
        }
    }

    /// Sum of conversions.
    pub fn total_conversions(&self) -> f64 {
        self.conversions.iter().sum()
    }

    /// Sum of nulls.
    pub fn total_nulls(&self) -> f64 {
        self.nulls.iter().sum()
    }

    /// Sum of value.
    pub fn total_value(&self) -> f64 {
        self.value.iter().sum()
    }

    /// Merge `other` into a copy of `self` (touchpoints matched by name). Merging tables built
    /// from disjoint customers equals building from all of them.
    pub fn merge(&self, other: &PathTable) -> PathTable {
        let mut out = self.clone();
        let remap = out.catalog.absorb(&other.catalog);
        let mut buf = Vec::new();
        for r in other.iter() {
            buf.clear();
            buf.extend(r.touchpoints.iter().map(|t| remap[t.index()]));
            out.add_unchecked(&buf, r.conversions, r.nulls, r.value);
        }
        out
    }

    /// The same table with rows sorted by path names: a canonical form to compare tables
    /// whose rows or touchpoint ids arrived in different orders.
    pub fn canonical(&self) -> Vec<(Vec<String>, f64, f64, f64)> {
        let mut rows: Vec<_> = self
            .iter()
            .map(|r| {
                let names: Vec<String> =
                    r.touchpoints.iter().map(|&t| self.catalog.name(t).unwrap_or("?").to_owned()).collect();
                (names, r.conversions, r.nulls, r.value)
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows
    }
}

fn num_or_empty(col: &str, loc: Location, s: &str) -> Result<f64> {
    if s.trim().is_empty() { Ok(0.0) } else { csvutil::parse_nonneg(col, loc, s) }
}

/// Split a path string at `sep`, trimming tokens and dropping empty ones.
pub fn split_path<'a>(path: &'a str, sep: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    path.split(sep).map(str::trim).filter(|s| !s.is_empty())
}

/// The serialised form of a [`PathTable`].
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct PathTableData {
    catalog: Catalog,
    offsets: Vec<usize>,
    touchpoints: Vec<TouchpointId>,
    conversions: Vec<f64>,
    nulls: Vec<f64>,
    value: Vec<f64>,
}

#[cfg(feature = "serde")]
impl From<PathTable> for PathTableData {
    fn from(t: PathTable) -> Self {
        Self {
            catalog: t.catalog,
            offsets: t.offsets,
            touchpoints: t.touchpoints,
            conversions: t.conversions,
            nulls: t.nulls,
            value: t.value,
        }
    }
}

#[cfg(feature = "serde")]
impl From<PathTableData> for PathTable {
    fn from(d: PathTableData) -> Self {
        // Rebuild through add_unchecked so the index is consistent even for edited data.
        let mut t = PathTable::new(d.catalog);
        for i in 0..d.conversions.len() {
            let (Some(&a), Some(&b)) = (d.offsets.get(i), d.offsets.get(i + 1)) else { break };
            let Some(p) = d.touchpoints.get(a..b) else { break };
            t.add_unchecked(
                p,
                d.conversions[i],
                d.nulls.get(i).copied().unwrap_or(0.0),
                d.value.get(i).copied().unwrap_or(0.0),
            );
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_trimmed_and_empty_dropped() {
        let t =
            PathTable::read_csv("path,total_conversions\n\" a >> b > ,\",1\n".as_bytes(), &PathCsvOptions::default());
        // the quoted field contains a comma: `a`, `b`, `,`
        let t = t.unwrap();
        assert_eq!(t.catalog().names(), ["a", "b", ","]);
        let t = PathTable::read_csv(
            "path,total_conversions\nÄpfel|Straße,2\n".as_bytes(),
            &PathCsvOptions { separator: "|".into(), ..Default::default() },
        )
        .unwrap();
        assert_eq!(t.catalog().names(), ["Äpfel", "Straße"]);
    }

    #[test]
    fn bad_rows() {
        let o = PathCsvOptions::default();
        let e = PathTable::read_csv("path,total_conversions,total_null\na,1,-3\n".as_bytes(), &o).unwrap_err();
        assert!(e.to_string().contains("`total_null` at line 2") && e.to_string().contains("-3"), "{e}");
        let e = PathTable::read_csv("path,total_conversions\n > ,1\n".as_bytes(), &o).unwrap_err();
        assert!(e.to_string().contains("empty path"), "{e}");
        let e = PathTable::read_csv("path,total_conversions\n".as_bytes(), &o).unwrap_err();
        assert!(matches!(e, Error::EmptyInput { .. }));
        let e = PathTable::read_csv("path,conv\na,1\n".as_bytes(), &o).unwrap_err();
        assert!(matches!(e, Error::MissingColumn { .. }));
        let e = PathTable::read_csv("path,total_conversions\na,abc\n".as_bytes(), &o).unwrap_err();
        assert!(e.to_string().contains("abc"), "{e}");
    }

    #[test]
    fn csv_round_trip() {
        let mut t = PathTable::default();
        t.add_names(&["a", "b"], 2.0, 1.0, 30.5).unwrap();
        t.add_names(&["b"], 0.0, 4.0, 0.0).unwrap();
        let mut buf = Vec::new();
        t.write_csv(&mut buf, ">").unwrap();
        let back = PathTable::read_csv(buf.as_slice(), &PathCsvOptions::default()).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn parallel_reader_equals_sequential_reader_with_errors_and_lines() {
        let mut text = String::from("path,total_conversions,total_conversion_value,total_null\n");
        let mut s = 7u64;
        for i in 0..400 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let len = 1 + (s % 5) as usize;
            let path: Vec<String> = (0..len).map(|k| format!("t{}", (s >> (k * 3)) % 9)).collect();
            text.push_str(&format!("{} , {},{}.5,{}\n", path.join(" > "), s % 3, i % 7, s % 4));
        }
        let o = PathCsvOptions::default();
        let seq = PathTable::read_csv_sequential(text.as_bytes(), &o).unwrap();
        for chunk in [1, 37, 1000, 1 << 20] {
            FAST_CHUNK.with(|c| c.set(chunk));
            let fast = PathTable::read_csv_bytes(text.as_bytes(), &o).unwrap();
            assert_eq!(fast, seq, "chunk {chunk}");
            assert_eq!(fast.catalog().names(), seq.catalog().names());
        }
        // an error late in the file names the same line either way
        let bad = text.replacen(" , 2,", " , -2,", 1);
        let e_seq = PathTable::read_csv_sequential(bad.as_bytes(), &o).unwrap_err().to_string();
        for chunk in [1, 37, 1000] {
            FAST_CHUNK.with(|c| c.set(chunk));
            let e_fast = PathTable::read_csv_bytes(bad.as_bytes(), &o).unwrap_err().to_string();
            assert_eq!(e_fast, e_seq);
        }
        // a blank line before the bad row: both readers name the physical line
        let blank = bad.replacen("\n", "\n\n", 1);
        FAST_CHUNK.with(|c| c.set(37));
        let e = PathTable::read_csv_bytes(blank.as_bytes(), &o).unwrap_err().to_string();
        let line: usize = e_seq.split("line ").nth(1).unwrap().split(':').next().unwrap().parse().unwrap();
        assert!(e.contains(&format!("line {}:", line + 1)), "{e}");
        assert_eq!(PathTable::read_csv_sequential(blank.as_bytes(), &o).unwrap_err().to_string(), e);
        // and with CRLF line endings
        let crlf_bad = blank.replace('\n', "\r\n");
        assert_eq!(PathTable::read_csv_sequential(crlf_bad.as_bytes(), &o).unwrap_err().to_string(), e);
        // CRLF line endings give the same table
        let crlf = text.replace('\n', "\r\n");
        FAST_CHUNK.with(|c| c.set(37));
        assert_eq!(PathTable::read_csv_bytes(crlf.as_bytes(), &o).unwrap(), seq);
        // white space as `str::trim` sees it (vertical tab, no-break space) around tokens
        let spaces = "path,total_conversions\n a\u{0B} > b\u{A0},1\na > b,2\n";
        FAST_CHUNK.with(|c| c.set(37));
        let fast = PathTable::read_csv_bytes(spaces.as_bytes(), &o).unwrap();
        assert_eq!(fast, PathTable::read_csv_sequential(spaces.as_bytes(), &o).unwrap());
        assert_eq!((fast.len(), fast.total_conversions()), (1, 3.0));
        // ragged rows and quotes go to the csv crate
        FAST_CHUNK.with(|c| c.set(37));
        let ragged = text.replacen(" , 1,", " , 1,9,", 1);
        assert!(matches!(PathTable::read_csv_bytes(ragged.as_bytes(), &o), Err(Error::Csv(_))));
        FAST_CHUNK.with(|c| c.set(4 << 20));
    }

    #[test]
    fn streamed_file_reader_equals_sequential_reader() {
        let mut text = String::from("path,total_conversions,total_conversion_value,total_null\n");
        let mut s = 11u64;
        for i in 0..300 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let len = 1 + (s % 6) as usize;
            let path: Vec<String> = (0..len).map(|k| format!("tp {}", (s >> (k * 3)) % 7)).collect();
            text.push_str(&format!("{} , {},{}.25,{}\n", path.join(" > "), s % 3, i % 5, s % 4));
            if i % 50 == 7 {
                text.push('\n'); // blank lines between blocks and inside them
            }
        }
        let dir = std::env::temp_dir().join(format!("touchpoint-stream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let o = PathCsvOptions::default();
        let seq = PathTable::read_csv_sequential(text.as_bytes(), &o).unwrap();
        let bad = {
            // the 200th data row gets a negative count
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            let k = lines.iter().enumerate().filter(|(_, l)| !l.is_empty()).nth(200).unwrap().0;
            lines[k] = lines[k].replacen(" , ", " , -", 1);
            lines.join("\n")
        };
        let e_bytes = {
            FAST_CHUNK.with(|c| c.set(1 << 20));
            PathTable::read_csv_bytes(bad.as_bytes(), &o).unwrap_err().to_string()
        };
        let cases = [
            ("plain", text.clone()),
            ("crlf", text.replace('\n', "\r\n")),
            ("no final newline", text.trim_end().to_owned()),
        ];
        for (what, body) in cases {
            let f = dir.join("paths.csv");
            std::fs::write(&f, &body).unwrap();
            for (block, chunk) in [(1, 1), (64, 7), (100, 1000), (4096, 512), (8 << 20, 1 << 20)] {
                STREAM_BLOCK.with(|c| c.set(block));
                FAST_CHUNK.with(|c| c.set(chunk));
                let t = PathTable::read_csv_path(&f, &o).unwrap();
                assert_eq!(t, seq, "{what}, block {block}, chunk {chunk}");
                assert_eq!(t.catalog().names(), seq.catalog().names());
            }
            let fb = dir.join("bad.csv");
            std::fs::write(&fb, if what == "crlf" { bad.replace('\n', "\r\n") } else { bad.clone() }).unwrap();
            for (block, chunk) in [(1, 1), (64, 7), (4096, 512)] {
                STREAM_BLOCK.with(|c| c.set(block));
                FAST_CHUNK.with(|c| c.set(chunk));
                assert_eq!(
                    PathTable::read_csv_path(&fb, &o).unwrap_err().to_string(),
                    e_bytes,
                    "{what}, block {block}"
                );
            }
        }
        // rows added after reading merge with the rows read (the index is built on first use)
        STREAM_BLOCK.with(|c| c.set(64));
        std::fs::write(dir.join("again.csv"), &text).unwrap();
        let mut t = PathTable::read_csv_path(dir.join("again.csv"), &o).unwrap();
        let (n, first) = (t.len(), t.iter().next().unwrap().touchpoints.to_vec());
        let conv = t.iter().next().unwrap().conversions;
        t.add(&first, 2.0, 0.0, 0.0).unwrap();
        assert_eq!(t.len(), n);
        assert_eq!(t.iter().next().unwrap().conversions, conv + 2.0);
        // a quoted field late in the file: the whole file goes to the csv crate
        let late = format!("{text}\"tp 1 > tp 2\",1,0,0\n");
        let f = dir.join("quoted.csv");
        std::fs::write(&f, &late).unwrap();
        STREAM_BLOCK.with(|c| c.set(64));
        let t = PathTable::read_csv_path(&f, &o).unwrap();
        assert_eq!(t, PathTable::read_csv_sequential(late.as_bytes(), &o).unwrap());
        STREAM_BLOCK.with(|c| c.set(8 << 20));
        FAST_CHUNK.with(|c| c.set(4 << 20));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip() {
        let mut t = PathTable::default();
        t.add_names(&["x", "y", "x"], 1.0, 2.0, 3.0).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        let back: PathTable = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.index.len(), 1);
        assert_eq!(back.indexed, 1);
    }
}

/// How [`PathTable::top_paths`] ranks paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PathRank {
    /// Most journeys (conversions + nulls).
    #[default]
    Journeys,
    /// Most conversions.
    Conversions,
    /// Most conversion value.
    Value,
}

/// A row of [`PathTable::top_paths`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TopPath {
    /// `"a > b > c"`, or `"(other N paths)"` for the remainder row.
    pub path: String,
    /// Path length in touches (0 for the remainder row).
    pub length: usize,
    /// Journeys (conversions + nulls).
    pub journeys: f64,
    /// Conversions.
    pub conversions: f64,
    /// Conversion value.
    pub value: f64,
    /// conversions / journeys.
    pub conversion_rate: f64,
    /// True for the remainder row.
    pub remainder: bool,
}

impl PathTable {
    /// The `k` paths ranked highest by `by` (ties: path text), plus one remainder row for all
    /// the other paths, so the rows always sum to the table's totals.
    ///
    /// ```
    /// use touchpoint_core::{PathTable, PathRank};
    /// let mut p = PathTable::default();
    /// p.add_path_str("a > b", ">", 3.0, 1.0, 30.0)?;
    /// p.add_path_str("b", ">", 0.0, 5.0, 0.0)?;
    /// p.add_path_str("a", ">", 1.0, 0.0, 5.0)?;
    /// let top = p.top_paths(1, PathRank::Journeys);
    /// assert_eq!(top[0].path, "b");
    /// assert_eq!(top[1].path, "(other 2 paths)");
    /// assert_eq!(top[1].journeys, 5.0);
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn top_paths(&self, k: usize, by: PathRank) -> Vec<TopPath> {
        let mut rows: Vec<TopPath> = self
            .iter()
            .map(|r| {
                let j = r.conversions + r.nulls;
                TopPath {
                    path: r
                        .touchpoints
                        .iter()
                        .map(|&t| self.catalog.name(t).unwrap_or("?"))
                        .collect::<Vec<_>>()
                        .join(" > "),
                    length: r.touchpoints.len(),
                    journeys: j,
                    conversions: r.conversions,
                    value: r.value,
                    conversion_rate: if j > 0.0 { r.conversions / j } else { 0.0 },
                    remainder: false,
                }
            })
            .collect();
        let key = |r: &TopPath| match by {
            PathRank::Journeys => r.journeys,
            PathRank::Conversions => r.conversions,
            PathRank::Value => r.value,
        };
        rows.sort_by(|a, b| key(b).total_cmp(&key(a)).then_with(|| a.path.cmp(&b.path)));
        if rows.len() > k {
            let rest = rows.split_off(k);
            let (j, c, v) = rest
                .iter()
                .fold((0.0, 0.0, 0.0), |acc, r| (acc.0 + r.journeys, acc.1 + r.conversions, acc.2 + r.value));
            rows.push(TopPath {
                path: format!("(other {} paths)", rest.len()),
                length: 0,
                journeys: j,
                conversions: c,
                value: v,
                conversion_rate: if j > 0.0 { c / j } else { 0.0 },
                remainder: true,
            });
        }
        rows
    }
}
