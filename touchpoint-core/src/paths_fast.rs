//! The fast path of the path CSV reader: plain (unquoted) CSV held in memory is cut at line
//! boundaries into chunks that are parsed in parallel (fields, path tokens, numbers, each chunk
//! with its own small catalog); the chunks are then merged in file order, so the table, its
//! catalog order and any error (with its line number) are exactly those of the sequential reader.
//! Anything unusual (quotes, a row with the wrong number of fields) is left to the `csv` crate.

use crate::catalog::{Catalog, TouchpointId};
use crate::csvutil;
use crate::error::{Error, Location, Result};
use crate::paths::PathTable;

/// Column positions and names the fast path needs.
pub(crate) struct Layout<'a> {
    pub fields: usize,
    pub path: usize,
    pub conv: usize,
    pub nulls: Option<usize>,
    pub value: Option<usize>,
    pub names: [&'a str; 4],
    pub delimiter: u8,
    pub separator: &'a str,
}

/// Why the fast path gave up: the caller falls back to the `csv` crate.
pub(crate) struct Fallback;

struct Chunk {
    catalog: Catalog,
    offsets: Vec<u32>,
    ids: Vec<TouchpointId>,
    nums: Vec<[f64; 3]>,
    lines: u64,
}

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

/// Non-negative finite number; empty → `default` (None: empty is an error).
fn number(field: &[u8], default: Option<f64>) -> std::result::Result<f64, String> {
    let t = trim(field);
    if t.is_empty() {
        return default.ok_or_else(String::new);
    }
    // integers (the common case) without the float parser
    if t.len() <= 15 && t.iter().all(u8::is_ascii_digit) {
        return Ok(t.iter().fold(0u64, |a, &d| a * 10 + (d - b'0') as u64) as f64);
    }
    let s = std::str::from_utf8(t).map_err(|_| String::from_utf8_lossy(t).into_owned())?;
    s.parse::<f64>().map_err(|_| s.to_owned())
}

fn parse_chunk(data: &[u8], l: &Layout<'_>) -> ChunkResult {
    // rough sizes (a touch takes several bytes, a row dozens) to avoid regrowing
    let mut c = Chunk {
        catalog: Catalog::new(),
        offsets: Vec::with_capacity(data.len() / 32 + 1),
        ids: Vec::with_capacity(data.len() / 8),
        nums: Vec::with_capacity(data.len() / 32),
        lines: 0,
    };
    c.offsets.push(0);
    let sep = l.separator.as_bytes();
    let single = (sep.len() == 1).then(|| sep[0]);
    let mut fields: Vec<&[u8]> = Vec::with_capacity(l.fields);
    for raw in data.split(|&b| b == b'\n') {
        c.lines += 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.is_empty() {
            continue;
        }
        fields.clear();
        fields.extend(line.split(|&b| b == l.delimiter));
        if fields.len() != l.fields {
            return ChunkResult::Fallback;
        }
        let at = c.lines;
        let path = match std::str::from_utf8(fields[l.path]) {
            Ok(p) => p,
            Err(_) => {
                let v = String::from_utf8_lossy(fields[l.path]).into_owned();
                let name = l.names[0].to_owned();
                return ChunkResult::Err(
                    at,
                    Box::new(move |line| {
                        Error::invalid(name.clone(), Location::Line(line), v.clone(), "not valid UTF-8")
                    }),
                );
            }
        };
        let start = c.ids.len();
        let mut push = |name: &str| {
            let id = match c.catalog.get(name) {
                Some(id) => id,
                None => c.catalog.intern(name),
            };
            c.ids.push(id);
        };
        match single {
            Some(b) => path.split(b as char).map(str::trim).filter(|s| !s.is_empty()).for_each(&mut push),
            None => crate::paths::split_path(path, l.separator).for_each(&mut push),
        }
        if c.ids.len() == start {
            let (name, v) = (l.names[0].to_owned(), path.to_owned());
            return ChunkResult::Err(
                at,
                Box::new(move |line| {
                    Error::invalid(name.clone(), Location::Line(line), v.clone(), "empty path: it has no touchpoints")
                }),
            );
        }
        let mut nums = [0.0; 3];
        for (k, (col, name, default)) in
            [(Some(l.conv), l.names[1], None), (l.nulls, l.names[2], Some(0.0)), (l.value, l.names[3], Some(0.0))]
                .into_iter()
                .enumerate()
        {
            let Some(col) = col else { continue };
            let checked = number(fields[col], default).map_err(|v| (v, "expected a number")).and_then(|x| {
                if x.is_finite() && x >= 0.0 { Ok(x) } else { Err((x.to_string(), "must be a finite number >= 0")) }
            });
            match checked {
                Ok(x) => nums[k] = x,
                Err((v, why)) => {
                    let name = name.to_owned();
                    let why = if v.is_empty() { "expected a number" } else { why };
                    // reproduce the sequential reader's message exactly
                    let text = String::from_utf8_lossy(trim(fields[col])).into_owned();
                    return ChunkResult::Err(
                        at,
                        Box::new(move |line| match csvutil::parse_nonneg(&name, Location::Line(line), &text) {
                            Err(e) => e,
                            Ok(_) => Error::invalid(name.clone(), Location::Line(line), v.clone(), why),
                        }),
                    );
                }
            }
        }
        c.offsets.push(c.ids.len() as u32);
        c.nums.push(nums);
    }
    ChunkResult::Ok(c)
}

/// Parse `body` (the CSV after its header line; its first line is line `first_line`) in chunks
/// of about `chunk` bytes, cut after a newline.
pub(crate) fn read_chunked(
    body: &[u8],
    first_line: u64,
    l: &Layout<'_>,
    chunk: usize,
) -> std::result::Result<Result<PathTable>, Fallback> {
    if body.contains(&b'"') {
        return Err(Fallback);
    }
    let chunk = chunk.max(1);
    let mut bounds = vec![0usize];
    let mut pos = 0;
    while pos + chunk < body.len() {
        let cut = match body[pos + chunk..].iter().position(|&b| b == b'\n') {
            Some(p) => pos + chunk + p + 1,
            None => body.len(),
        };
        bounds.push(cut);
        pos = cut;
    }
    if *bounds.last().unwrap_or(&0) != body.len() {
        bounds.push(body.len());
    }
    let slices: Vec<&[u8]> = bounds
        .windows(2)
        .map(|w| {
            // a chunk ends after its newline; drop it so the last line is not counted twice
            let s = &body[w[0]..w[1]];
            s.strip_suffix(b"\n").unwrap_or(s)
        })
        .collect();
    #[cfg(feature = "rayon")]
    let parsed: Vec<ChunkResult> = {
        use rayon::prelude::*;
        slices.par_iter().map(|s| parse_chunk(s, l)).collect()
    };
    #[cfg(not(feature = "rayon"))]
    let parsed: Vec<ChunkResult> = slices.iter().map(|s| parse_chunk(s, l)).collect();
    let mut table = PathTable::new(Catalog::new());
    let (rows, touches) = parsed.iter().fold((0, 0), |(r, t), c| match c {
        ChunkResult::Ok(c) => (r + c.nums.len(), t + c.ids.len()),
        _ => (r, t),
    });
    table.reserve(rows, touches);
    let mut line0 = first_line;
    let mut buf: Vec<TouchpointId> = Vec::new();
    for chunk in parsed {
        match chunk {
            ChunkResult::Fallback => return Err(Fallback),
            ChunkResult::Err(at, make) => return Ok(Err(make(line0 + at - 1))),
            ChunkResult::Ok(c) => {
                let remap = table.catalog_mut().absorb(&c.catalog);
                for (r, nums) in c.nums.iter().enumerate() {
                    buf.clear();
                    buf.extend(
                        c.ids[c.offsets[r] as usize..c.offsets[r + 1] as usize].iter().map(|t| remap[t.index()]),
                    );
                    table.add_trusted(&buf, nums[0], nums[1], nums[2]);
                }
                line0 += c.lines;
            }
        }
    }
    if table.is_empty() {
        return Ok(Err(Error::EmptyInput { what: "path table", hint: "path row (path, conversions, nulls, value)" }));
    }
    Ok(Ok(table))
}
