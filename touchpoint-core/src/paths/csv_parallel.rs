//! The parallel path CSV reader: plain (unquoted) CSV, held in memory or streamed from a file
//! in blocks, is cut at line boundaries into chunks that are parsed in parallel (fields, path
//! tokens, numbers, each chunk with its own small catalog); the chunks are then merged in file
//! order, so the table, its catalog order and any error (with its line number) are exactly those
//! of the sequential reader. Anything unusual (quotes, a row with the wrong number of fields) is
//! left to the `csv` crate.

use std::io::Read;

use super::{PathCsvOptions, PathTable};
use crate::catalog::{Catalog, TouchpointId};
use crate::csvutil::{self, Header};
use crate::error::{Error, Location, Result};

thread_local! {
    /// Chunk size of the parallel path-CSV reader (tests make it tiny to get many chunks).
    static FAST_CHUNK: std::cell::Cell<usize> = const { std::cell::Cell::new(4 << 20) };
    /// Block size of the streamed file reader (tests make it tiny to get many blocks).
    static STREAM_BLOCK: std::cell::Cell<usize> = const { std::cell::Cell::new(8 << 20) };
}

/// Chunk size of the parallel parse of one streamed block.
const STREAM_CHUNK: usize = 1 << 20;

/// Read a plain path CSV held in memory in parallel chunks (`None`: leave it to the `csv` crate).
pub(super) fn read_bytes(data: &[u8], opts: &PathCsvOptions) -> Option<Result<PathTable>> {
    read_bytes_chunked(data, opts, FAST_CHUNK.with(|c| c.get()))
}

/// [`read_bytes`] in chunks of about `chunk` bytes.
pub(super) fn read_bytes_chunked(data: &[u8], opts: &PathCsvOptions, chunk: usize) -> Option<Result<PathTable>> {
    let (skip, header_line) = blank_prefix(data);
    let data = &data[skip..];
    let nl = memchr::memchr(b'\n', data)?;
    let layout = match Layout::from_header(&data[..nl], opts)? {
        Ok(l) => l,
        Err(e) => return Some(Err(e)),
    };
    read_chunked(&data[nl + 1..], header_line + 1, &layout, chunk).ok()
}

/// What comes before the header: a UTF-8 byte-order mark at the very start (which the `csv`
/// crate strips before anything else), then blank lines (which it skips, as it skips every
/// empty line). Their length in bytes, and the (1-based) line the header is on.
fn blank_prefix(data: &[u8]) -> (usize, u64) {
    let bom = if data.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 };
    let skip = bom + data[bom..].iter().position(|&b| b != b'\n' && b != b'\r').unwrap_or(data.len() - bom);
    // a lone CR ends a line for the csv crate but not for line numbers (LF only)
    (skip, 1 + memchr::memchr_iter(b'\n', &data[..skip]).count() as u64)
}

/// What [`read_file`] made of a file.
#[allow(clippy::large_enum_variant)] // one value per file read, returned once
pub(super) enum Streamed {
    /// The file was read (or failed with a located error).
    Read(Result<PathTable>),
    /// A quoted field or a ragged row: the `csv` crate must read the whole file.
    Fallback,
    /// No plain header line in the first block: read the whole file into memory.
    NotPlain,
}

/// Stream a plain path CSV file (`name`: its path, for errors) in blocks, each parsed in
/// parallel while the previous one is added to the table.
pub(super) fn read_file(file: &mut std::fs::File, opts: &PathCsvOptions, name: &str) -> Result<Streamed> {
    let block = STREAM_BLOCK.with(|c| c.get());
    let chunk = STREAM_CHUNK.min(FAST_CHUNK.with(|c| c.get()));
    let size = file.metadata().ok().map(|m| m.len());
    read_stream(file, opts, name, size, block, chunk)
}

/// [`read_file`] of any reader, in blocks of about `block` bytes parsed in chunks of about
/// `chunk` bytes (`size`: the length of the input, if known).
pub(super) fn read_stream<R: Read + Send>(
    mut reader: R,
    opts: &PathCsvOptions,
    name: &str,
    size: Option<u64>,
    block: usize,
    chunk: usize,
) -> Result<Streamed> {
    let io = |e: std::io::Error| Error::Io { path: name.to_owned(), source: e };
    let mut head = Vec::new();
    (&mut reader).take(block.max(1) as u64).read_to_end(&mut head).map_err(io)?;
    let (skip, header_line) = blank_prefix(&head);
    let Some(nl) = memchr::memchr(b'\n', &head[skip..]).map(|p| skip + p) else { return Ok(Streamed::NotPlain) };
    let Some(layout) = Layout::from_header(&head[skip..nl], opts) else { return Ok(Streamed::NotPlain) };
    let layout = layout?;
    let rest = head.split_off(nl + 1);
    Ok(match read_streamed(reader, rest, header_line + 1, &layout, chunk, block, name, size) {
        Ok(result) => Streamed::Read(result),
        Err(Fallback) => Streamed::Fallback,
    })
}

/// Column positions and names the parallel reader needs.
struct Layout<'a> {
    pub fields: usize,
    pub path: usize,
    pub names: [&'a str; 4],
    /// The number columns in row order (conversions, nulls, value): column, name, value when
    /// empty (`None`: empty is an error).
    pub numbers: [(Option<usize>, &'a str, Option<f64>); 3],
    pub delimiter: u8,
    pub separator: &'a str,
}

impl<'o> Layout<'o> {
    /// The parallel reader's view of the header line (`None`: leave the file to the `csv` crate).
    fn from_header(head: &[u8], opts: &'o PathCsvOptions) -> Option<Result<Self>> {
        let head = head.strip_suffix(b"\r").unwrap_or(head);
        // quotes, and a lone CR (a line end to the csv crate), are the csv crate's to read
        if memchr::memchr2(b'"', b'\r', head).is_some() {
            return None;
        }
        let header = match Header::from_names(
            head.split(|&b| b == opts.delimiter)
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
        let names = [
            opts.path.as_str(),
            &opts.conversions,
            opts.nulls.as_deref().unwrap_or("total_null"),
            opts.value.as_deref().unwrap_or("total_conversion_value"),
        ];
        Some(Ok(Layout {
            fields: header.len(),
            path: c_path,
            names,
            numbers: [(Some(c_conv), names[1], None), (c_null, names[2], Some(0.0)), (c_val, names[3], Some(0.0))],
            delimiter: opts.delimiter,
            separator: &opts.separator,
        }))
    }
}

/// Why the parallel reader gave up: the caller falls back to the `csv` crate.
struct Fallback;

struct Chunk {
    catalog: Catalog,
    offsets: Vec<u32>,
    ids: Vec<TouchpointId>,
    nums: Vec<[f64; 3]>,
    /// Row hashes (valid for the table when the chunk's catalog maps onto it unchanged).
    hashes: Vec<u64>,
    lines: u64,
}

/// What the chunks of one block share: the table's catalog so far (chunk ids of known names
/// are then the table's ids already) and its row hasher.
#[derive(Clone)]
struct Seed {
    catalog: Catalog,
    hasher: RowHasher,
}

type RowHasher = super::PathHasher;

/// A chunk's outcome: rows, or a failure found at a local line (1-based within the chunk).
enum ChunkResult {
    Ok(Chunk),
    Err(u64, Box<dyn Fn(u64) -> Error + Send>),
    Fallback,
}

#[inline]
fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// Exact powers of ten (every one up to 10^15 is a double).
const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/// A number cell: white space around it trimmed as `str::trim` does (Unicode white space, as
/// the `csv` crate reader trims); empty → `default` (None: empty is an error). `Err`: the
/// trimmed text, `None` if it is not valid UTF-8.
fn number(field: &[u8], default: Option<f64>) -> std::result::Result<f64, Option<String>> {
    let t = trim(field);
    // plain decimals of at most 15 digits (the common case) without the float parser: the
    // digits as an integer (exact below 2^53) divided by an exact power of ten is the correctly
    // rounded value, the same as `str::parse` (Clinger's fast path)
    if t.len() <= 16 {
        let (mut m, mut digits, mut frac, mut dot) = (0u64, 0u32, 0usize, false);
        let plain = t.iter().all(|&b| match b {
            b'0'..=b'9' => {
                m = m * 10 + u64::from(b - b'0');
                digits += 1;
                frac += usize::from(dot);
                true
            }
            b'.' if !dot => {
                dot = true;
                true
            }
            _ => false,
        });
        if plain && (1..=15).contains(&digits) {
            return Ok(m as f64 / POW10[frac]);
        }
    }
    let s = std::str::from_utf8(t).map_err(|_| None)?.trim();
    if s.is_empty() {
        return default.ok_or_else(|| Some(String::new()));
    }
    s.parse::<f64>().map_err(|_| Some(s.to_owned()))
}

/// Chunk-local interning of path tokens. The vocabulary of touchpoints is small, so an
/// open-addressing cache keyed by the *raw* token (white space around it included, as it stands
/// between two separators) answers almost every lookup with a length and two 8-byte compares:
/// no trimming, no UTF-8 check, no hashing of the whole name, no call into the catalog's map
/// (three 8-byte compares up to 24 bytes).
struct Tokens {
    catalog: Catalog,
    /// (length, first 8 bytes, last 8 bytes (both zero-padded), bytes 8..16, id or
    /// [`EMPTY_TOKEN`], offset of the raw bytes in `long` for tokens longer than 24 bytes);
    /// length 0 = empty slot.
    slots: Vec<(u32, u64, u64, u64, u32, u32)>,
    /// Raw bytes of the cached tokens longer than 24 bytes.
    long: Vec<u8>,
    used: usize,
}

const TOKEN_SLOTS: usize = 256;
/// The id of a cached raw token that is white space only (it adds no touchpoint).
const EMPTY_TOKEN: u32 = u32::MAX;
/// At most this many bytes of long raw tokens are cached per chunk.
const LONG_TOKEN_BYTES: usize = 1 << 16;

impl Tokens {
    fn new(catalog: Catalog) -> Self {
        Self { catalog, slots: vec![(0, 0, 0, 0, 0, 0); TOKEN_SLOTS], long: Vec::new(), used: 0 }
    }

    /// Id of the raw token `tok` (trimmed like `str::trim`), `None` if it is only white
    /// space; `Err` if it is not valid UTF-8.
    #[inline(always)]
    fn id(&mut self, tok: &[u8]) -> std::result::Result<Option<TouchpointId>, ()> {
        let n = tok.len();
        if n == 0 {
            return Ok(None);
        }
        let (a, z) = match (tok.first_chunk::<8>(), tok.last_chunk::<8>()) {
            (Some(h), Some(l)) => (u64::from_le_bytes(*h), u64::from_le_bytes(*l)),
            _ => {
                // shorter than 8 bytes: the bytes themselves, zero-padded (no memcpy call)
                let v = tok.iter().rev().fold(0u64, |v, &b| (v << 8) | b as u64);
                (v, v)
            }
        };
        // bytes 8..16 (with the head and the tail, every byte of a token of up to 24 bytes)
        let m = tok.get(8..16).and_then(|b| b.first_chunk::<8>()).map_or(0, |b| u64::from_le_bytes(*b));
        let mut slot = ((a ^ z.rotate_left(23) ^ (n as u64).rotate_left(47)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56)
            as usize
            % TOKEN_SLOTS;
        loop {
            let (len, p, q, r, id, off) = self.slots[slot];
            if len == 0 {
                break;
            }
            if len as usize == n
                && p == a
                && q == z
                && r == m
                && (n <= 24 || self.long.get(off as usize..off as usize + n) == Some(tok))
            {
                return Ok((id != EMPTY_TOKEN).then_some(TouchpointId(id)));
            }
            slot = (slot + 1) % TOKEN_SLOTS;
        }
        self.miss(tok, slot, (a, z, m))
    }

    /// Intern a token the cache does not know, and cache it in `slot` if there is room.
    #[cold]
    #[inline(never)]
    fn miss(
        &mut self,
        tok: &[u8],
        slot: usize,
        (a, z, m): (u64, u64, u64),
    ) -> std::result::Result<Option<TouchpointId>, ()> {
        let n = tok.len();
        let t = trim_token(tok)?;
        let id = if t.is_empty() {
            None
        } else {
            let name = std::str::from_utf8(t).map_err(|_| ())?;
            Some(match self.catalog.get(name) {
                Some(id) => id,
                None => self.catalog.intern(name),
            })
        };
        // keep the table at most half full (a larger vocabulary falls back to the catalog)
        let off = self.long.len();
        let room = n <= 24 || off + n <= LONG_TOKEN_BYTES;
        if let (Ok(len), Ok(off32), true) = (u32::try_from(n), u32::try_from(off), room) {
            if self.used < TOKEN_SLOTS / 2 {
                if n > 24 {
                    self.long.extend_from_slice(tok);
                }
                self.slots[slot] = (len, a, z, m, id.map_or(EMPTY_TOKEN, |t| t.0), off32);
                self.used += 1;
            }
        }
        Ok(id)
    }
}

/// Trim like `str::trim` (Unicode white space) with an ASCII fast path.
#[inline]
fn trim_token(tok: &[u8]) -> std::result::Result<&[u8], ()> {
    let t = tok.trim_ascii();
    match (t.first(), t.last()) {
        (Some(&a), Some(&z)) if a >= 0x80 || z >= 0x80 || a == 0x0B || z == 0x0B => {
            // a non-ASCII first or last byte may be Unicode white space, and vertical tab is
            // white space to `str::trim` but not to `trim_ascii`
            let s = std::str::from_utf8(t).map_err(|_| ())?;
            Ok(s.trim().as_bytes())
        }
        _ => Ok(t),
    }
}

/// The line being read: its fields (byte ranges of the chunk); its path tokens are already
/// interned, from `first` on in the chunk's ids (`bad`: one was not valid UTF-8).
struct LineParts {
    fields: Vec<(usize, usize)>,
    first: usize,
    bad: bool,
}

impl LineParts {
    /// Intern the raw path token `tok`.
    #[inline]
    fn token(&mut self, c: &mut Chunk, tokens: &mut Tokens, tok: &[u8]) {
        match tokens.id(tok) {
            Ok(Some(id)) => c.ids.push(id),
            Ok(None) => {}
            Err(()) => self.bad = true,
        }
    }

    /// Start the next line.
    fn clear(&mut self, c: &Chunk) {
        self.fields.clear();
        self.first = c.ids.len();
        self.bad = false;
    }
}

/// Positions of the bytes of `set` in `data`, in order: 64 bytes are compared at a time
/// (SSE2 on x86-64, which every x86-64 processor has) and the set bits of the mask walked.
struct Structural<'a> {
    data: &'a [u8],
    /// Start of the block `mask` describes.
    block: usize,
    /// Start of the next block.
    next: usize,
    mask: u64,
    set: [u8; 3],
}

impl<'a> Structural<'a> {
    fn new(data: &'a [u8], set: [u8; 3]) -> Self {
        Self { data, block: 0, next: 0, mask: 0, set }
    }
}

impl Iterator for Structural<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            if self.next >= self.data.len() {
                return None;
            }
            self.block = self.next;
            self.next += 64;
            let rest = &self.data[self.block..];
            self.mask = match rest.first_chunk::<64>() {
                Some(b) => mask64(b, self.set),
                None => rest.iter().enumerate().fold(0u64, |m, (i, &x)| {
                    m | (u64::from(x == self.set[0] || x == self.set[1] || x == self.set[2]) << i)
                }),
            };
        }
        let p = self.block + self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(p)
    }
}

/// Bit `i` set when `b[i]` is one of `set`.
#[cfg(target_arch = "x86_64")]
#[inline]
fn mask64(b: &[u8; 64], set: [u8; 3]) -> u64 {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    // SAFETY: SSE2 is part of the x86-64 baseline (every x86-64 processor has it), and each
    // unaligned load reads bytes 16k..16k+16 of the 64-byte array.
    unsafe {
        let [x, y, z] = set.map(|c| _mm_set1_epi8(c as i8));
        let mut m = 0u64;
        for k in 0..4 {
            let v = _mm_loadu_si128(b.as_ptr().add(16 * k).cast::<__m128i>());
            let e = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, x), _mm_cmpeq_epi8(v, y)), _mm_cmpeq_epi8(v, z));
            m |= u64::from(_mm_movemask_epi8(e) as u16) << (16 * k);
        }
        m
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn mask64(b: &[u8; 64], set: [u8; 3]) -> u64 {
    b.iter().enumerate().fold(0u64, |m, (i, &x)| m | (u64::from(x == set[0] || x == set[1] || x == set[2]) << i))
}

fn parse_chunk(data: &[u8], l: &Layout<'_>, seed: &Seed) -> ChunkResult {
    // rough sizes (a touch takes several bytes, a row dozens) to avoid regrowing
    let mut c = Chunk {
        catalog: Catalog::new(),
        offsets: Vec::with_capacity(data.len() / 32 + 1),
        ids: Vec::with_capacity(data.len() / 8),
        nums: Vec::with_capacity(data.len() / 32),
        hashes: Vec::with_capacity(data.len() / 32),
        lines: 0,
    };
    c.offsets.push(0);
    let mut tokens = Tokens::new(seed.catalog.clone());
    let sep = l.separator.as_bytes();
    let mut parts = LineParts { fields: Vec::with_capacity(l.fields + 1), first: 0, bad: false };
    match *sep {
        [s] if s != l.delimiter && s != b'\n' && l.delimiter != b'\n' => {
            // one pass over the structural bytes (newlines, delimiters, separators); path tokens
            // are interned as they end
            let mut line = 0;
            let mut tok = 0;
            for p in Structural::new(data, [b'\n', l.delimiter, s]) {
                let b = data[p];
                let in_path = parts.fields.len() == l.path;
                if b == s {
                    if in_path {
                        parts.token(&mut c, &mut tokens, &data[tok..p]);
                        tok = p + 1;
                    }
                    continue;
                }
                let f0 = parts.fields.last().map_or(line, |f| f.1 + 1);
                if b == l.delimiter {
                    if in_path {
                        parts.token(&mut c, &mut tokens, &data[tok..p]);
                    }
                    parts.fields.push((f0, p));
                    tok = p + 1;
                    continue;
                }
                if let Some(stop) = end_line(&mut c, &mut tokens, data, &mut parts, (line, f0, tok, p), l, seed) {
                    return stop;
                }
                (line, tok) = (p + 1, p + 1);
            }
            let f0 = parts.fields.last().map_or(line, |f| f.1 + 1);
            if let Some(stop) = end_line(&mut c, &mut tokens, data, &mut parts, (line, f0, tok, data.len()), l, seed) {
                return stop;
            }
        }
        _ => {
            // a separator of several bytes (or one that is also a delimiter or a newline)
            let sep_finder = memchr::memmem::Finder::new(sep);
            let mut start = 0;
            while start <= data.len() {
                let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |p| start + p);
                let line = &data[start..end];
                let line_end = start + line.strip_suffix(b"\r").unwrap_or(line).len();
                c.lines += 1;
                parts.clear(&c);
                let mut f0 = start;
                for p in memchr::memchr_iter(l.delimiter, &data[start..line_end]) {
                    parts.fields.push((f0, start + p));
                    f0 = start + p + 1;
                }
                parts.fields.push((f0, line_end));
                if line_end > start {
                    if let Some(&(a, z)) = parts.fields.get(l.path) {
                        let mut t0 = a;
                        for p in sep_finder.find_iter(&data[a..z]) {
                            parts.token(&mut c, &mut tokens, &data[t0..a + p]);
                            t0 = a + p + sep.len();
                        }
                        parts.token(&mut c, &mut tokens, &data[t0..z]);
                    }
                    if let Some(stop) = add_row(&mut c, data, &parts, l, seed) {
                        return stop;
                    }
                }
                start = end + 1;
            }
        }
    }
    c.catalog = tokens.catalog;
    ChunkResult::Ok(c)
}

/// Close the line `line..p` of the structural scan (`f0`: start of its last field, `tok`: of
/// its last path token) and add its row unless it is empty; `Some`: the chunk stops here.
#[inline]
fn end_line(
    c: &mut Chunk,
    tokens: &mut Tokens,
    data: &[u8],
    parts: &mut LineParts,
    (line, f0, tok, p): (usize, usize, usize, usize),
    l: &Layout<'_>,
    seed: &Seed,
) -> Option<ChunkResult> {
    c.lines += 1;
    let end = if p > line && data[p - 1] == b'\r' { p - 1 } else { p };
    if parts.fields.is_empty() && end == line {
        return None;
    }
    if parts.fields.len() == l.path {
        parts.token(c, tokens, &data[tok..end.max(tok)]);
    }
    parts.fields.push((f0, end.max(f0)));
    let stop = add_row(c, data, parts, l, seed);
    parts.clear(c);
    stop
}

/// Add the row of one non-empty line (its path tokens interned); `Some`: the chunk stops here
/// with this outcome.
fn add_row(c: &mut Chunk, data: &[u8], parts: &LineParts, l: &Layout<'_>, seed: &Seed) -> Option<ChunkResult> {
    if parts.fields.len() != l.fields {
        return Some(ChunkResult::Fallback);
    }
    let at = c.lines;
    let field_of = |k: usize| {
        let (a, z) = parts.fields[k];
        &data[a..z]
    };
    let field = field_of(l.path);
    let bad_utf8 = |at: u64| {
        let v = String::from_utf8_lossy(field).into_owned();
        let name = l.names[0].to_owned();
        Some(ChunkResult::Err(
            at,
            Box::new(move |line| Error::invalid(name.clone(), Location::Line(line), v.clone(), "not valid UTF-8")),
        ))
    };
    let first = parts.first;
    if parts.bad {
        return bad_utf8(at);
    }
    if field.contains(&0) {
        // the sequential reader's error (the path is valid UTF-8 with a NUL in it)
        let (name, v) = (l.names[0].to_owned(), String::from_utf8_lossy(field).into_owned());
        return Some(ChunkResult::Err(
            at,
            Box::new(move |line| crate::cells::nul_in_name(&name, Location::Line(line), &v)),
        ));
    }
    if c.ids.len() == first {
        // the sequential reader names a path that is not UTF-8 before calling it empty
        let Ok(path) = std::str::from_utf8(field) else { return bad_utf8(at) };
        let (name, v) = (l.names[0].to_owned(), path.to_owned());
        return Some(ChunkResult::Err(
            at,
            Box::new(move |line| {
                Error::invalid(name.clone(), Location::Line(line), v.clone(), "empty path: it has no touchpoints")
            }),
        ));
    }
    let mut nums = [0.0; 3];
    for (k, &(col, name, default)) in l.numbers.iter().enumerate() {
        let Some(col) = col else { continue };
        match number(field_of(col), default) {
            Ok(x) if (0.0..=crate::cells::MAX_AMOUNT).contains(&x) => nums[k] = x,
            _ => {
                // the sequential reader's error, message included
                let name = name.to_owned();
                let raw = field_of(col).to_vec();
                return Some(ChunkResult::Err(
                    at,
                    Box::new(move |line| {
                        let loc = Location::Line(line);
                        match std::str::from_utf8(&raw) {
                            Err(_) => Error::invalid(&*name, loc, String::from_utf8_lossy(&raw), "not valid UTF-8"),
                            Ok(text) => match csvutil::parse_nonneg(&name, loc.clone(), text) {
                                Err(e) => e,
                                Ok(_) => Error::invalid(&*name, loc, text, "expected a number"),
                            },
                        }
                    }),
                ));
            }
        }
    }
    c.hashes.push(seed.hasher.hash_one(&c.ids[first..]));
    c.offsets.push(c.ids.len() as u32);
    c.nums.push(nums);
    None
}

/// Cut `body` into slices of about `chunk` bytes, each ending before a newline.
fn slices(body: &[u8], chunk: usize) -> Vec<&[u8]> {
    let chunk = chunk.max(1);
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + chunk < body.len() {
        let cut = memchr::memchr(b'\n', &body[pos + chunk..]).map_or(body.len(), |p| pos + chunk + p + 1);
        out.push(&body[pos..cut]);
        pos = cut;
    }
    if pos < body.len() || out.is_empty() {
        out.push(&body[pos..]);
    }
    // a slice ends after its newline; drop it so the last line is not counted twice
    out.into_iter().map(|s| s.strip_suffix(b"\n").unwrap_or(s)).collect()
}

/// Parse one block of complete lines in parallel chunks.
fn parse_block(body: &[u8], l: &Layout<'_>, chunk: usize, seed: &Seed) -> Vec<ChunkResult> {
    // quoted fields, and a CR that is not part of a CRLF line end (the csv crate ends a
    // record there), are the csv crate's to read; one SIMD pass (CRLF files stop once a line)
    let plain = memchr::memchr2_iter(b'"', b'\r', body)
        .all(|p| body[p] == b'\r' && body.get(p + 1).is_none_or(|&b| b == b'\n'));
    if !plain {
        return vec![ChunkResult::Fallback];
    }
    let parts = slices(body, chunk);
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        parts.par_iter().map(|s| parse_chunk(s, l, seed)).collect()
    }
    #[cfg(not(feature = "rayon"))]
    parts.iter().map(|s| parse_chunk(s, l, seed)).collect()
}

/// Rows of parsed chunks with the table's ids and their hashes, ready to insert.
struct Ready {
    chunks: Vec<Chunk>,
}

/// The table being built from blocks of the file, in file order.
struct Builder {
    table: PathTable,
    /// Line number of the next chunk's first line.
    line0: u64,
    /// Repeated paths are found per shard of the row hash (small tables that stay in cache,
    /// searched in parallel); entries are file row numbers of first occurrences.
    shards: Vec<RowIndex>,
    /// File row → table row, for first occurrences (4 bytes per row read).
    first: Vec<u32>,
    /// More rows than the shard entries can number: rows go through the table's own index.
    overflowed: bool,
}

const SHARDS: usize = 256;
/// Rows of one shard (file row numbers), hashed by their path.
type RowIndex = hashbrown::HashTable<u32>;
/// A shard's (hash, block row) records and where its answers go.
type ShardWork<'a> = (&'a [(u64, u32)], &'a mut [u32]);
/// In `target`: the row repeats no earlier row; in `first`: the row is not a first occurrence.
const NONE: u32 = u32::MAX;

fn row_path(c: &Chunk, i: usize) -> &[TouchpointId] {
    &c.ids[c.offsets[i] as usize..c.offsets[i + 1] as usize]
}

impl Builder {
    fn new(first_line: u64) -> Self {
        Self {
            table: PathTable::new(Catalog::new()),
            line0: first_line,
            shards: (0..SHARDS).map(|_| RowIndex::new()).collect(),
            first: Vec::new(),
            overflowed: false,
        }
    }

    /// What the next block's chunks start from.
    fn seed(&self) -> Seed {
        Seed { catalog: self.table.catalog().clone(), hasher: self.table.row_hasher() }
    }

    /// Check a parsed block in file order (the first failure wins) and map its chunks to the
    /// table's catalog; chunks that met names in another order are remapped and rehashed.
    fn check(&mut self, parsed: Vec<ChunkResult>) -> std::result::Result<Result<Ready>, Fallback> {
        let mut chunks = Vec::with_capacity(parsed.len());
        for c in parsed {
            match c {
                ChunkResult::Fallback => return Err(Fallback),
                ChunkResult::Err(at, make) => return Ok(Err(make(self.line0 + at - 1))),
                ChunkResult::Ok(c) => {
                    self.line0 += c.lines;
                    chunks.push(c);
                }
            }
        }
        let remaps: Vec<Option<Vec<TouchpointId>>> = chunks
            .iter()
            .map(|c| {
                let m = self.table.catalog_mut().absorb(&c.catalog);
                (!m.iter().enumerate().all(|(i, t)| t.index() == i)).then_some(m)
            })
            .collect();
        let hasher = self.table.row_hasher();
        let remap = |(c, m): (&mut Chunk, Option<Vec<TouchpointId>>)| {
            if let Some(m) = m {
                c.ids.iter_mut().for_each(|t| *t = m[t.index()]);
                for (h, w) in c.hashes.iter_mut().zip(c.offsets.windows(2)) {
                    *h = hasher.hash_one(&c.ids[w[0] as usize..w[1] as usize]);
                }
            }
        };
        #[cfg(feature = "rayon")]
        {
            use rayon::prelude::*;
            chunks.par_iter_mut().zip(remaps).for_each(remap);
        }
        #[cfg(not(feature = "rayon"))]
        chunks.iter_mut().zip(remaps).for_each(remap);
        Ok(Ok(Ready { chunks }))
    }

    /// Insert checked rows (merging repeated paths). `scale`: how many times the whole input is
    /// larger than these rows (to size the table once).
    fn insert(&mut self, r: Ready, scale: f64) {
        let (rows, touches) = r.chunks.iter().fold((0, 0), |(a, b), c| (a + c.nums.len(), b + c.ids.len()));
        let grow = |n: usize| (n as f64 * scale.max(1.0)).min(usize::MAX as f64 / 2.0) as usize;
        self.first.reserve(grow(rows));
        // block row j → (chunk, row)
        let mut starts = Vec::with_capacity(r.chunks.len() + 1);
        starts.push(0usize);
        for c in &r.chunks {
            starts.push(starts[starts.len() - 1] + c.nums.len());
        }
        let at = |j: usize| {
            let k = starts.partition_point(|&s| s <= j) - 1;
            (&r.chunks[k], j - starts[k])
        };
        let base = self.first.len();
        if self.overflowed || u32::try_from(base + rows).is_err() {
            // more rows than the shard entries can number: the table's own index, for this block
            // and every later one (the shards do not know these rows)
            self.overflowed = true;
            for c in &r.chunks {
                for (i, (nums, &h)) in c.nums.iter().zip(&c.hashes).enumerate() {
                    self.table.add_hashed(row_path(c, i), h, nums[0], nums[1], nums[2]);
                }
            }
            return;
        }
        // 1. (hash, block row) records grouped by shard, in file order within a shard
        let shard_of = |h: u64| ((h >> 32) as usize) & (SHARDS - 1);
        let mut bounds = vec![0usize; SHARDS + 1];
        for c in &r.chunks {
            for &h in &c.hashes {
                bounds[shard_of(h) + 1] += 1;
            }
        }
        for k in 0..SHARDS {
            bounds[k + 1] += bounds[k];
        }
        let mut recs = vec![(0u64, 0u32); rows];
        let mut next = bounds.clone();
        let mut j = 0u32;
        for c in &r.chunks {
            for &h in &c.hashes {
                let k = shard_of(h);
                recs[next[k]] = (h, j);
                next[k] += 1;
                j += 1;
            }
        }
        // 2. per shard (in parallel): first occurrence, or the file row it repeats; the shard
        // tables stay in cache and a path is read only when its hash matches
        let (table, first, hasher) = (&self.table, &self.first, self.table.row_hasher());
        let file_path = |f: u32| -> &[TouchpointId] {
            let f = f as usize;
            if f < base {
                table.path_of(first[f] as usize)
            } else {
                let (c, i) = at(f - base);
                row_path(c, i)
            }
        };
        let mut found = vec![NONE; rows];
        let find = |(shard, (recs, out)): (&mut RowIndex, ShardWork<'_>)| {
            // room for every row of the block, so the table does not grow row by row (a growth
            // recomputes the hashes from the paths)
            shard.reserve(recs.len(), |&e| hasher.hash_one(file_path(e)));
            let len0 = shard.len();
            for (&(h, j), o) in recs.iter().zip(out.iter_mut()) {
                let f = (base + j as usize) as u32;
                let hit = shard.find(h, |&e| {
                    let (c, i) = at(j as usize);
                    file_path(e) == row_path(c, i)
                });
                match hit {
                    Some(&e) => *o = e,
                    None => {
                        shard.insert_unique(h, f, |&e| hasher.hash_one(file_path(e)));
                    }
                }
            }
            // the first block makes room for the rest of the file at its rate of new paths
            let new = shard.len() - len0;
            if scale > 1.0 {
                shard.reserve(grow(new) - new, |&e| hasher.hash_one(file_path(e)));
            }
        };
        {
            let mut rec_parts: Vec<&[(u64, u32)]> = Vec::with_capacity(SHARDS);
            let mut out_parts: Vec<&mut [u32]> = Vec::with_capacity(SHARDS);
            let (mut rest_r, mut rest_o) = (&recs[..], &mut found[..]);
            for k in 0..SHARDS {
                let n = bounds[k + 1] - bounds[k];
                let (a, b) = rest_r.split_at(n);
                let (c, d) = rest_o.split_at_mut(n);
                rec_parts.push(a);
                out_parts.push(c);
                rest_r = b;
                rest_o = d;
            }
            #[cfg(feature = "rayon")]
            {
                use rayon::prelude::*;
                self.shards.par_iter_mut().zip(rec_parts.into_par_iter().zip(out_parts)).for_each(find);
            }
            #[cfg(not(feature = "rayon"))]
            self.shards.iter_mut().zip(rec_parts.into_iter().zip(out_parts)).for_each(find);
        }
        let mut target = vec![NONE; rows];
        for (&(_, j), &e) in recs.iter().zip(&found) {
            target[j as usize] = e;
        }
        // room for the new paths (the first block: for the whole file at its rate of new paths;
        // a file of repeats must not reserve a row per line)
        let new_rows = found.iter().filter(|&&e| e == NONE).count();
        self.table.reserve(grow(new_rows), grow(touches * new_rows / rows.max(1)));
        // 3. in file order: append first occurrences (runs of them at once), add repeats to
        // their row
        let mut j = 0;
        for c in &r.chunks {
            let n = c.nums.len();
            let mut i = 0;
            while i < n {
                if target[j + i] == NONE {
                    let mut e = i + 1;
                    while e < n && target[j + e] == NONE {
                        e += 1;
                    }
                    let row0 = self.table.len() as u32;
                    self.first.extend(row0..row0 + (e - i) as u32);
                    self.table.push_new_rows(&c.ids, &c.offsets[i..=e], &c.nums[i..e]);
                    i = e;
                } else {
                    let nums = c.nums[i];
                    self.first.push(NONE);
                    let row = self.first[target[j + i] as usize] as usize;
                    self.table.add_to_row(row, nums[0], nums[1], nums[2]);
                    i += 1;
                }
            }
            j += n;
        }
    }
}

/// Parse `body` (the CSV after its header line; its first line is line `first_line`) in chunks
/// of about `chunk` bytes, cut after a newline.
fn read_chunked(
    body: &[u8],
    first_line: u64,
    l: &Layout<'_>,
    chunk: usize,
) -> std::result::Result<Result<PathTable>, Fallback> {
    let mut b = Builder::new(first_line);
    match b.check(parse_block(body, l, chunk, &b.seed()))? {
        Ok(ready) => b.insert(ready, 1.0),
        Err(e) => return Ok(Err(e)),
    }
    finish(b.table)
}

fn finish(table: PathTable) -> std::result::Result<Result<PathTable>, Fallback> {
    if table.is_empty() {
        return Ok(Err(Error::EmptyInput { what: "path table", hint: "path row (path, conversions, nulls, value)" }));
    }
    Ok(Ok(table))
}

/// Read the CSV body from `reader` (positioned after the header line, which was line
/// `first_line - 1`) in blocks of about `block` bytes: memory stays at two blocks plus the table
/// (and 4 bytes per row read), and each block is parsed while the previous one is inserted. `head` holds bytes already read
/// after the header.
#[allow(clippy::too_many_arguments)]
fn read_streamed<R: std::io::Read + Send>(
    mut reader: R,
    head: Vec<u8>,
    first_line: u64,
    l: &Layout<'_>,
    chunk: usize,
    block: usize,
    path: &str,
    size_hint: Option<u64>,
) -> std::result::Result<Result<PathTable>, Fallback> {
    let mut block = block.max(1);
    let mut b = Builder::new(first_line);
    // two buffers: one is parsed while the file is read into the other
    let mut buf = Block { len: head.len(), buf: head };
    let mut next = Block::default();
    let (mut eof, mut io_error) = (false, None);
    fill(&mut reader, &mut buf, block, &mut eof, &mut io_error);
    let mut pending: Option<Ready> = None;
    // the first block sizes the table for the whole file (later blocks reserve nothing more
    // unless the estimate was short)
    let mut scale = 1.0;
    let mut first = true;
    let prog = crate::progress::current();
    if let Some(p) = &prog {
        p.start("bytes", size_hint.unwrap_or(0));
    }
    loop {
        if let Some(e) = io_error.take() {
            return Ok(Err(Error::Io { path: path.to_owned(), source: e }));
        }
        // complete lines now, the partial last line with the next block
        let cut = if eof { buf.len } else { memchr::memrchr(b'\n', buf.data()).map_or(0, |p| p + 1) };
        if cut == 0 && !eof {
            // one line longer than a block: grow the block
            block = buf.len * 2;
            fill(&mut reader, &mut buf, block, &mut eof, &mut io_error);
            continue;
        }
        // (ends with its newline, which the slicing drops, unless it is the end of the file)
        let (body, carry) = buf.data().split_at(cut);
        next.set(carry);
        let seed = b.seed();
        let prev = pending.take();
        let table = &mut b;
        let prev_scale = scale;
        let was_eof = eof;
        let (next_eof, next_err) = (&mut eof, &mut io_error);
        let reader = &mut reader;
        let next_buf = &mut next;
        let (_, (parsed, ())) = join(
            || {
                if let Some(r) = prev {
                    table.insert(r, prev_scale);
                }
            },
            || {
                join(
                    || (!body.is_empty()).then(|| parse_block(body, l, chunk, &seed)),
                    || {
                        if !was_eof {
                            fill(reader, next_buf, block, next_eof, next_err)
                        }
                    },
                )
            },
        );
        if let Some(parsed) = parsed {
            match b.check(parsed)? {
                Ok(ready) => pending = Some(ready),
                Err(e) => return Ok(Err(e)),
            }
        }
        if let Err(e) = crate::progress::tick(&prog, cut as u64) {
            return Ok(Err(e));
        }
        scale = match (first, size_hint) {
            (true, Some(size)) if cut > 0 => 1.05 * size as f64 / cut as f64,
            _ => 1.0,
        };
        first = false;
        if was_eof {
            break;
        }
        std::mem::swap(&mut buf, &mut next);
    }
    if let Some(r) = pending {
        b.insert(r, scale);
    }
    if let Some(p) = &prog {
        p.finish();
    }
    finish(b.table)
}

/// A read buffer: its first `len` bytes are data. The vector keeps its length (and so its
/// zeroed, faulted-in pages) from one block to the next, so a block is read without clearing
/// memory first.
#[derive(Default)]
struct Block {
    buf: Vec<u8>,
    len: usize,
}

impl Block {
    fn data(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Start over with a copy of `bytes`.
    fn set(&mut self, bytes: &[u8]) {
        if self.buf.len() < bytes.len() {
            self.buf.resize(bytes.len(), 0);
        }
        self.buf[..bytes.len()].copy_from_slice(bytes);
        self.len = bytes.len();
    }
}

/// Read from `reader` until `buf` holds `block` bytes or the file ends.
fn fill<R: std::io::Read>(
    reader: &mut R,
    buf: &mut Block,
    block: usize,
    eof: &mut bool,
    error: &mut Option<std::io::Error>,
) {
    if buf.len >= block {
        return;
    }
    if buf.buf.len() < block {
        buf.buf.resize(block, 0);
    }
    while buf.len < block {
        match reader.read(&mut buf.buf[buf.len..block]) {
            Ok(0) => {
                *eof = true;
                break;
            }
            Ok(n) => buf.len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                *error = Some(e);
                break;
            }
        }
    }
}

#[cfg(feature = "rayon")]
fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    rayon::join(a, b)
}

#[cfg(not(feature = "rayon"))]
fn join<A, B>(a: impl FnOnce() -> A, b: impl FnOnce() -> B) -> (A, B) {
    (a(), b())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::readers;

    /// Every reader (sequential; parallel with several chunk sizes; streamed with several block
    /// sizes) gives the same table, catalog order included, or the same error message.
    fn agree(data: impl AsRef<[u8]>, o: &PathCsvOptions) -> Result<PathTable> {
        let data = data.as_ref();
        let seq = readers::sequential(data, o);
        let mut got = vec![];
        for chunk in [1, 7, 4 << 20] {
            got.push((format!("parallel, chunk {chunk}"), readers::parallel(data, o, chunk)));
        }
        for (block, chunk) in [(1, 1), (16, 3), (8 << 20, 1 << 20)] {
            got.push((format!("streamed, block {block}"), readers::streamed(data, o, block, chunk)));
        }
        got.push(("read_csv_bytes".into(), PathTable::read_csv_bytes(data, o)));
        for (what, r) in got {
            match (&seq, &r) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a, b, "{what}");
                    assert_eq!(a.catalog().names(), b.catalog().names(), "{what}");
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
                _ => panic!("{what}: sequential {seq:?}, this reader {r:?}"),
            }
        }
        seq
    }

    #[test]
    fn readers_agree_on_counts_above_the_cap_and_nul_in_names() {
        // found by the fuzzer: the parallel reader accepted 4.4e27 (the others refuse > 1e15)
        let o = PathCsvOptions::default();
        let body = "path,total_conversions\na > b,1\nc > a,4444444444444444444444444444\nb,2\n";
        let e = agree(body, &o).unwrap_err();
        assert!(e.to_string().contains("line 3") && e.to_string().contains("at most 1e15"), "{e}");
        agree("path,total_conversions\na,1\nc,1000000000000000\n", &o).unwrap();
        // a NUL inside a path is refused by every reader, naming the line
        let e = agree("path,total_conversions\na > b,1\nb\0s > a,1\n", &o).unwrap_err();
        assert!(e.to_string().contains("line 3") && e.to_string().contains("NUL"), "{e}");
        // the first bad line wins, whichever the fault
        let e = agree("path,total_conversions\nb\0s,1\na,1e16\n", &o).unwrap_err();
        assert!(e.to_string().contains("line 2") && e.to_string().contains("NUL"), "{e}");
    }

    #[test]
    fn readers_agree_on_gzip_data() {
        // found by the fuzzer: the reference reader read gzip bytes as text, the others decompress
        use std::io::Write as _;
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(b"path,total_conversions\na > b,1\nb,2\n").unwrap();
        let t = agree(z.finish().unwrap(), &PathCsvOptions::default()).unwrap();
        assert_eq!((t.len(), t.total_conversions()), (2, 3.0));
        // the gzip magic and then garbage: the same I/O error from every reader
        let e = agree(b"\x1f\x8b\x98\x34\x86\xe2\x92\xd3", &PathCsvOptions::default()).unwrap_err();
        assert!(e.to_string().contains("gzip"), "{e}");
    }

    #[test]
    fn readers_agree_on_a_bare_cr() {
        let o = PathCsvOptions::default();
        // the csv crate ends a record at a lone CR: two rows
        let t = agree("path,total_conversions\na > b,1\rc,2\n", &o).unwrap();
        assert_eq!((t.len(), t.total_conversions()), (2, 3.0));
        agree("path,total_conversions\na > b,1\rc,-2\nd,1\n", &o).unwrap_err();
        agree("path,total_conversions\na > b\r,1\n", &o).unwrap_err();
        agree("path\r,total_conversions\na,1\n", &o).unwrap_err();
        let t = agree("path,total_conversions\r\na,1\r\r\nb,2\r", &o).unwrap();
        assert_eq!(t.len(), 2);
        agree("path,total_conversions\na,1\r", &o).unwrap();
    }

    #[test]
    fn readers_agree_on_unicode_white_space_in_numbers() {
        let o = PathCsvOptions::default();
        // numbers are trimmed as `str::trim` trims: vertical tab, no-break space, em space
        let body = "path,total_conversions,total_null,total_conversion_value\n\
                    a,\u{0B}1\u{A0},\u{2003}2\u{2003},\u{A0}3.5\nb,\u{2003}10\u{0B},0,\u{0B}\n";
        let t = agree(body, &o).unwrap();
        assert_eq!((t.total_conversions(), t.total_nulls()), (11.0, 2.0));
        // a cell of vertical tab only is empty: 0 where empty is allowed, an error where not
        let t = agree("path,total_conversions,total_null\na,1,\u{0B}\n", &o).unwrap();
        assert_eq!(t.total_nulls(), 0.0);
        let e = agree("path,total_conversions\na,\u{0B}\n", &o).unwrap_err();
        assert!(e.to_string().contains("expected a number"), "{e}");
        agree("path,total_conversions\na,\u{A0}\u{2003}\u{0B}\n", &o).unwrap_err();
        agree("path,total_conversions\na,1\u{A0}x\n", &o).unwrap_err();
        // not UTF-8: the same message either way
        let bad = b"path,total_conversions\na,1\xff\n";
        let e = readers::sequential(bad, &o).unwrap_err().to_string();
        assert!(e.contains("not valid UTF-8"), "{e}");
        assert_eq!(readers::parallel(bad, &o, 1).unwrap_err().to_string(), e);
        assert_eq!(readers::streamed(bad, &o, 1, 1).unwrap_err().to_string(), e);
    }

    #[test]
    fn readers_agree_on_leading_blank_lines() {
        let o = PathCsvOptions::default();
        // blank lines before the header are skipped, as the csv crate skips every empty line
        for lead in ["\n", "\n\n", "\r\n", "\r\n\r\n", "\r", "\n\r\n\n"] {
            let t = agree(format!("{lead}path,total_conversions\na > b,1\n\nc,2\n"), &o).unwrap();
            assert_eq!((t.len(), t.total_conversions()), (2, 3.0), "{lead:?}");
            // and errors name the physical line
            let e = agree(format!("{lead}path,total_conversions\na,1\nb,-1\n"), &o).unwrap_err();
            let line = 3 + lead.matches('\n').count();
            assert!(e.to_string().contains(&format!("line {line}:")), "{lead:?}: {e}");
        }
        // a byte-order mark is stripped first (the csv crate strips it at the very start only),
        // so a blank line after it is skipped and white space after it trimmed (found by the
        // paths_csv fuzz target)
        for text in ["\u{feff}\npath,total_conversions\na,1\n", "\u{feff}\r\n\n path ,total_conversions\na,1\n"] {
            assert_eq!(agree(text, &o).unwrap().len(), 1, "{text:?}");
        }
        agree("\u{feff}\n\0path;total_conversions\na,1\n", &o).unwrap_err();
        agree("\n\u{feff}\npath,total_conversions\na,1\n", &o).unwrap_err();
        agree("\n\u{feff} path,total_conversions\na,1\n", &o).unwrap_err();
        // white space is not a blank line: an empty header
        agree(" \npath,total_conversions\na,1\n", &o).unwrap_err();
        agree("\n\n", &o).unwrap_err();
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
}
