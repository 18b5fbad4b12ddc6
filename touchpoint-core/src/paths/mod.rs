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

mod csv;
mod csv_parallel;
pub mod sankey;
mod top;

use hashbrown::HashTable;

use crate::catalog::{Catalog, TouchpointId};
use crate::csvutil;
use crate::error::{Error, Location, Result};
use crate::journey::Journeys;
use crate::totals::{self, Tally, TotalsCache, TotalsSource};

pub use top::{PathRank, TopPath};

/// The hash of a path for the table's index: a fixed function (the same on every run and
/// machine), two touchpoint ids per 128-bit folded multiply instead of the ids fed one at a time
/// to a general-purpose hasher (the keys are small ids the table assigned, not strings an
/// attacker chooses).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PathHasher;

impl PathHasher {
    /// The hash of `path`.
    #[inline]
    pub(crate) fn hash_one(&self, path: &[TouchpointId]) -> u64 {
        #[inline]
        fn fold(a: u64, b: u64) -> u64 {
            let r = u128::from(a) * u128::from(b);
            (r as u64) ^ ((r >> 64) as u64)
        }
        const K0: u64 = 0x9E37_79B9_7F4A_7C15;
        const K1: u64 = 0xD6E8_FEB8_6659_FD93;
        let mut h = (path.len() as u64) ^ K1;
        let mut pairs = path.chunks_exact(2);
        for p in &mut pairs {
            h = fold(h ^ (u64::from(p[0].0) | (u64::from(p[1].0) << 32)), K0);
        }
        if let [t] = pairs.remainder() {
            h = fold(h ^ u64::from(t.0) ^ (1 << 63), K0);
        }
        fold(h ^ K1, K0)
    }
}

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

crate::row_struct! {
    /// A row of [`PathTable::table`]: one distinct path by name.
    #[derive(Clone, PartialEq)]
    pub struct PathTableRow {
        /// Touchpoint names joined with the separator.
        pub path: String,
        /// Journeys on this path that converted.
        pub conversions: f64,
        /// Journeys on this path that did not convert.
        pub nulls: f64,
        /// Total conversion value.
        pub value: f64,
    }
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
    hasher: PathHasher,
    totals: TotalsCache,
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
            return Err(Error::unknown_touchpoint(&bad.0.to_string(), self.catalog.names().iter().map(String::as_str)));
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
    pub(crate) fn row_hasher(&self) -> PathHasher {
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
        // checked before the names are interned: a refused row leaves the catalog as it was
        // (a catalog grown behind the kept totals made the next attribution index past them)
        if path.is_empty() {
            return Err(Error::invalid("path", Location::Row(self.len()), "", "a path needs at least one touchpoint"));
        }
        for (column, v) in [("conversions", conversions), ("nulls", nulls), ("value", value)] {
            csvutil::check_nonneg(column, Location::Row(self.len()), v)?;
        }
        for s in path {
            crate::cells::name("path", Location::Row(self.len()), s.as_ref())?;
        }
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

    /// Add input row `row` of a table a face read, its cells as read (`None`: null, NaN or
    /// empty), checked by the [`cells`](crate::cells) rules: a missing count is an error, a
    /// missing value is one on a row with conversions. `columns` names the columns for the
    /// errors: (path, conversions, nulls, value).
    ///
    /// ```
    /// use touchpoint_core::PathTable;
    /// let mut t = PathTable::default();
    /// let cols = ("path", "conversions", "nulls", "value");
    /// t.add_cells(0, "a > b", ">", cols, Some(2.0), Some(1.0), None).unwrap_err();
    /// t.add_cells(0, "a > b", ">", cols, Some(2.0), Some(1.0), Some(9.5))?;
    /// let e = t.add_cells(1, "b", ">", cols, None, Some(1.0), None).unwrap_err();
    /// assert!(e.to_string().contains("`conversions` at row 1"), "{e}");
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn add_cells(
        &mut self,
        row: usize,
        path: &str,
        separator: &str,
        columns: (&str, &str, &str, &str),
        conversions: Option<f64>,
        nulls: Option<f64>,
        value: Option<f64>,
    ) -> Result<()> {
        use crate::cells;
        let loc = || Location::Row(row);
        let c = cells::count(columns.1, loc(), conversions)?;
        let n = cells::count(columns.2, loc(), nulls)?;
        let v = cells::value(columns.3, loc(), value, c > 0.0)?;
        let tokens: Vec<&str> = split_path(path, separator).collect();
        if tokens.is_empty() {
            return Err(Error::invalid(columns.0, loc(), path, "empty path: it has no touchpoints"));
        }
        cells::name(columns.0, loc(), path)?;
        let ids: Vec<TouchpointId> = tokens.iter().map(|s| self.catalog.intern(s)).collect();
        self.add_unchecked(&ids, c, n, v);
        Ok(())
    }

    /// Aggregate journeys: one row per distinct touchpoint sequence.
    pub fn from_journeys(journeys: &Journeys) -> Self {
        let mut t = PathTable::new(journeys.catalog().clone());
        for j in journeys.iter() {
            let (c, n) = if j.converted { (j.weight, 0.0) } else { (0.0, j.weight) };
            t.add_unchecked(j.touchpoints, c, n, j.value * j.weight);
        }
        t
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

    /// One [`PathTableRow`] per path, names joined with `separator` (e.g. `" > "`).
    pub fn table(&self, separator: &str) -> Vec<PathTableRow> {
        let cat = self.catalog();
        self.iter()
            .map(|r| PathTableRow {
                path: r.touchpoints.iter().map(|&x| cat.name(x).unwrap_or("?")).collect::<Vec<_>>().join(separator),
                conversions: r.conversions,
                nulls: r.nulls,
                value: r.value,
            })
            .collect()
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

    /// The same paths with new counts (one per row, in row order): a bootstrap resample. The
    /// path index is not copied; it is rebuilt if rows are added later.
    pub(crate) fn with_counts(&self, conversions: Vec<f64>, nulls: Vec<f64>, value: Vec<f64>) -> PathTable {
        debug_assert!(conversions.len() == self.len() && nulls.len() == self.len() && value.len() == self.len());
        PathTable {
            catalog: self.catalog.clone(),
            offsets: self.offsets.clone(),
            touchpoints: self.touchpoints.clone(),
            conversions,
            nulls,
            value,
            index: HashTable::new(),
            indexed: 0,
            hasher: self.hasher,
            totals: TotalsCache::default(),
        }
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

impl TotalsSource for PathTable {
    fn touchpoint_count(&self) -> usize {
        self.catalog.len()
    }

    fn row_count(&self) -> usize {
        self.len()
    }

    #[inline]
    fn tally(&self, index: usize, max_touches: Option<usize>) -> Tally<'_> {
        let r = self.row(index);
        let (truncated, touchpoints) = totals::keep_recent(r.touchpoints, max_touches);
        Tally { index, touchpoints, conversions: r.conversions, nulls: r.nulls, value: r.value, truncated }
    }

    fn kept_totals(&self) -> &TotalsCache {
        &self.totals
    }
}

/// Split a path string at `sep`, trimming tokens and dropping empty ones.
pub fn split_path<'a>(path: &'a str, sep: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    path.split(sep).map(str::trim).filter(|s| !s.is_empty())
}

/// The path-CSV readers one at a time, for differential tests and fuzz targets (not part of
/// the API). Each reads like [`PathTable::read_csv_bytes`], and all agree on every input.
#[doc(hidden)]
pub mod readers {
    use super::csv_parallel::{self, Streamed};
    use super::{PathCsvOptions, PathTable};
    use crate::csvutil;
    use crate::error::Result;

    /// The `csv` crate's reading (of the decompressed data when it is gzip, as every public
    /// reader does).
    pub fn sequential(data: &[u8], opts: &PathCsvOptions) -> Result<PathTable> {
        csvutil::parse_separator(&opts.separator)?;
        match csvutil::compression_of(data) {
            csvutil::Compression::Gzip => PathTable::read_csv_sequential(&csvutil::gunzip_bytes(data)?, opts),
            csvutil::Compression::Zstd => Err(csvutil::zstd_error("<data>")),
            csvutil::Compression::None => PathTable::read_csv_sequential(data, opts),
        }
    }

    /// The parallel reader of data in memory, in chunks of about `chunk` bytes (falling back
    /// to the `csv` crate as it does).
    pub fn parallel(data: &[u8], opts: &PathCsvOptions, chunk: usize) -> Result<PathTable> {
        csvutil::parse_separator(&opts.separator)?;
        if csvutil::compression_of(data) != csvutil::Compression::None {
            return PathTable::read_csv_bytes(data, opts);
        }
        csv_parallel::read_bytes_chunked(data, opts, chunk)
            .unwrap_or_else(|| PathTable::read_csv_sequential(data, opts))
    }

    /// The streamed reader (as for a file), in blocks of about `block` bytes each parsed in
    /// chunks of about `chunk` bytes (falling back as [`PathTable::read_csv_path`] does).
    pub fn streamed(data: &[u8], opts: &PathCsvOptions, block: usize, chunk: usize) -> Result<PathTable> {
        csvutil::parse_separator(&opts.separator)?;
        if csvutil::compression_of(data) != csvutil::Compression::None {
            return PathTable::read_csv_bytes(data, opts);
        }
        let size = Some(data.len() as u64);
        match csv_parallel::read_stream(data, opts, "<data>", size, block, chunk)? {
            Streamed::Read(result) => result,
            Streamed::Fallback => PathTable::read_csv_sequential(data, opts),
            Streamed::NotPlain => PathTable::read_csv_bytes(data, opts),
        }
    }
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
mod add_tests {
    use super::*;

    /// Found by the c_api fuzz target: a refused row interned its names, so the catalog grew
    /// behind the totals kept from an attribution, and the next attribution indexed past them.
    #[test]
    fn a_refused_row_leaves_the_catalog_alone() {
        use crate::attribution::{AttributionModel, AttributionOptions, attribute};
        let mut t = PathTable::default();
        t.add_path_str("a > b", ">", 1.0, 0.0, 0.0).unwrap();
        let o = AttributionOptions::default();
        attribute(&t, &AttributionModel::Linear, &o).unwrap();
        for (c, n, v) in [(f64::NAN, 0.0, 0.0), (1.0, -1.0, 0.0), (1.0, 0.0, f64::INFINITY)] {
            assert_eq!(t.add_path_str("a > c", ">", c, n, v).unwrap_err().kind(), crate::ErrorKind::InvalidValue);
        }
        assert_eq!(t.catalog().names(), ["a", "b"]);
        let c = attribute(&t, &AttributionModel::Linear, &o).unwrap();
        assert_eq!(c.rows.len(), 2);
        t.add_path_str("a > c", ">", 1.0, 0.0, 0.0).unwrap();
        assert_eq!(attribute(&t, &AttributionModel::Linear, &o).unwrap().rows.len(), 3);
    }
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;

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
