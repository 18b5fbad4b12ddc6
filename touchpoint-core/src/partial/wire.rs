//! Partials on the wire: a long sum table (one row per cell) that an engine's group-by sum
//! merges, and the checked binary container (pickling, C, files).

use std::path::Path;

use super::{CONV_STATE, Cell, NULL_STATE, Partial, PartialSpec, SEP, START_STATE, Section, bad_key};
use crate::attribution::{AttributionModel, MarkovAllocation, ShapleyMethod, ValueBasis};
use crate::error::{Error, Result};
use crate::named::Named;
use crate::saved::codec::{self, Reader, Writer};
use crate::saved::{ModelKind, payload, read_file, write_file};

const WHAT: &str = "partial";

crate::row_struct! {
    /// One cell of a partial as a table row ([`Partial::rows`]): the form engines shuffle and
    /// merge with `groupBy(kind, key)` and a sum of every column (`min` of `dwell_min`, `max` of
    /// `dwell_max`). Fixed-point integers are split into 32-bit limbs (`x = hi · 2³² + lo`,
    /// `0 ≤ lo < 2³²` per partition), so 64-bit sums stay exact for up to 2³¹ partitions.
    ///
    /// `kind` is `totals`, `touches`, `credit`, `note`, `edge`, `set`, `path`, `report`,
    /// `experience`, `feedback` or `fingerprint` (one row per partition: `key` is the spec's fingerprint, `n` counts the
    /// partitions). `key` lists touchpoint ids (positions in the sorted vocabulary) joined by
    /// `.`; edges are `order.from….>.to…` with `S`, `C`, `N` for start, conversion and null.
    #[derive(Clone, PartialEq, Eq)]
    pub struct PartialRow {
        /// Section of the partial.
        pub kind: String,
        /// Cell key within the section.
        pub key: String,
        /// Journeys, touches or transitions.
        pub n: i64,
        /// Conversions.
        pub c: i64,
        /// Value (fixed point, 2⁻⁴⁰ units), high limb.
        pub value_hi: i64,
        /// Value, low limb.
        pub value_lo: i64,
        /// Credited value (fixed point), high limb.
        pub x_hi: i64,
        /// Credited value, low limb.
        pub x_lo: i64,
        /// Timed transitions.
        pub dwell_n: i64,
        /// Sum of dwell times (ms), high limb.
        pub dwell_sum_hi: i64,
        /// Sum of dwell times, low limb.
        pub dwell_sum_lo: i64,
        /// Sum of squared dwell times (ms²), high limb.
        pub dwell_sq_hi: i64,
        /// Sum of squared dwell times, low limb.
        pub dwell_sq_lo: i64,
        /// Shortest dwell (ms; `i64::MAX` when none).
        pub dwell_min: i64,
        /// Longest dwell (ms; `i64::MIN` when none).
        pub dwell_max: i64,
    }
}

const LO_BITS: u32 = 32;

fn split(v: i128, what: &str) -> Result<(i64, i64)> {
    let hi = v >> LO_BITS;
    let lo = (v & ((1i128 << LO_BITS) - 1)) as i64;
    let hi = i64::try_from(hi).map_err(|_| Error::Incompatible {
        what: "partial rows",
        problem: format!("the {what} sum {v} does not fit two 64-bit limbs"),
    })?;
    Ok((hi, lo))
}

fn join(hi: i64, lo: i64) -> i128 {
    ((hi as i128) << LO_BITS) + lo as i128
}

fn key_string(k: &[u32]) -> String {
    let tok = |x: u32| match x {
        SEP => ">".to_owned(),
        START_STATE => "S".to_owned(),
        CONV_STATE => "C".to_owned(),
        NULL_STATE => "N".to_owned(),
        x => x.to_string(),
    };
    k.iter().map(|&x| tok(x)).collect::<Vec<_>>().join(".")
}

fn parse_key(s: &str, spec: &PartialSpec, section: Section) -> Result<Box<[u32]>> {
    if s.is_empty() {
        return check_key(section, Box::new([]), spec);
    }
    let key: Box<[u32]> = s
        .split('.')
        .map(|t| match t {
            ">" => Ok(SEP),
            "S" => Ok(START_STATE),
            "C" => Ok(CONV_STATE),
            "N" => Ok(NULL_STATE),
            t => t.parse::<u32>().ok().filter(|&x| x < NULL_STATE).ok_or_else(|| Error::Incompatible {
                what: "partial rows",
                problem: format!("the {} key {s:?} has the token {t:?}, not a touchpoint id", section.name()),
            }),
        })
        .collect::<Result<_>>()?;
    check_key(section, key, spec)
}

/// A key that the finishing code can use without indexing out of range.
pub(crate) fn check_key(s: Section, key: Box<[u32]>, spec: &PartialSpec) -> Result<Box<[u32]>> {
    let n_tp = spec.catalog.len() as u32;
    let tp = |t: &u32| *t < n_tp;
    let ok = match s {
        Section::Totals => key.is_empty(),
        Section::Touches => key.len() == 1 && tp(&key[0]),
        Section::Credit => key.len() == 2 && (key[0] as usize) < spec.models.len() && tp(&key[1]),
        Section::Note => key.len() == 2 && (key[0] as usize) < spec.models.len(),
        Section::Report => key.len() == 1 && key[0] <= 14,
        Section::Experience => key.len() == 2 && tp(&key[0]) && key[1] <= 1,
        Section::Feedback => key.len() == 1 && (key[0] as usize) < super::FEEDBACK_FIELDS,
        Section::Set | Section::Path => !key.is_empty() && key.iter().all(tp),
        Section::Edge => match key.iter().position(|&x| x == SEP) {
            Some(sep) if sep > 1 && sep + 1 < key.len() => {
                let state = |st: &[u32]| matches!(st, [START_STATE] | [CONV_STATE] | [NULL_STATE]) || st.iter().all(tp);
                spec.orders().contains(&(key[0] as usize)) && state(&key[1..sep]) && state(&key[sep + 1..])
            }
            _ => false,
        },
    };
    if ok { Ok(key) } else { Err(bad_key(s, &key)) }
}

impl Partial {
    /// The partial as rows of the sum table (sections in order, keys sorted), with the
    /// fingerprint row first. See [`PartialRow`].
    pub fn rows(&self) -> Result<Vec<PartialRow>> {
        let mut out = Vec::with_capacity(self.cells.len() + 1);
        out.push(PartialRow {
            kind: "fingerprint".into(),
            key: format!("{:016x}", self.spec.fingerprint()),
            n: self.parts as i64,
            c: 0,
            value_hi: 0,
            value_lo: 0,
            x_hi: 0,
            x_lo: 0,
            dwell_n: 0,
            dwell_sum_hi: 0,
            dwell_sum_lo: 0,
            dwell_sq_hi: 0,
            dwell_sq_lo: 0,
            dwell_min: i64::MAX,
            dwell_max: i64::MIN,
        });
        for ((s, k), c) in &self.cells {
            let (value_hi, value_lo) = split(c.v, "value")?;
            let (x_hi, x_lo) = split(c.x, "credited value")?;
            let (dwell_sum_hi, dwell_sum_lo) = split(c.dwell_sum, "dwell")?;
            let (dwell_sq_hi, dwell_sq_lo) = split(c.dwell_sq, "squared dwell")?;
            out.push(PartialRow {
                kind: s.name().into(),
                key: key_string(k),
                n: c.n,
                c: c.c,
                value_hi,
                value_lo,
                x_hi,
                x_lo,
                dwell_n: c.dwell_n,
                dwell_sum_hi,
                dwell_sum_lo,
                dwell_sq_hi,
                dwell_sq_lo,
                dwell_min: c.dwell_min,
                dwell_max: c.dwell_max,
            });
        }
        Ok(out)
    }

    /// A partial from sum-table rows (merged by an engine, or not: rows with the same kind and
    /// key are added here). Every `fingerprint` row must carry `spec`'s fingerprint
    /// ([`Error::Incompatible`] otherwise); at least one must be present.
    pub fn from_rows<'r>(spec: &PartialSpec, rows: impl IntoIterator<Item = &'r PartialRow>) -> Result<Partial> {
        let mut p = Partial::empty(spec);
        let want = format!("{:016x}", spec.fingerprint());
        let rows: Vec<&PartialRow> = rows.into_iter().collect();
        // the fingerprints first: rows of other options are refused before their keys are read
        let mut fingerprints = 0usize;
        for r in rows.iter().filter(|r| r.kind == "fingerprint") {
            if r.key != want {
                return Err(Error::Incompatible {
                    what: "partials",
                    problem: format!(
                        "a partition was built with fingerprint {} and these options have {want}; build every \
                         partition with the same vocabulary and options",
                        r.key
                    ),
                });
            }
            fingerprints += 1;
            p.parts += r.n.max(0) as u64;
        }
        if fingerprints == 0 {
            return Err(Error::Incompatible {
                what: "partial rows",
                problem: "no fingerprint row: these rows do not come from Partial::rows".into(),
            });
        }
        for r in rows.into_iter().filter(|r| r.kind != "fingerprint") {
            let s = Section::parse(&r.kind).ok_or_else(|| Error::Incompatible {
                what: "partial rows",
                problem: format!(
                    "unknown kind {:?} (expected fingerprint, {})",
                    r.kind,
                    Section::ALL.map(|s| s.name()).join(", ")
                ),
            })?;
            let key = parse_key(&r.key, spec, s)?;
            let c = Cell {
                n: r.n,
                c: r.c,
                v: join(r.value_hi, r.value_lo),
                x: join(r.x_hi, r.x_lo),
                dwell_n: r.dwell_n,
                dwell_sum: join(r.dwell_sum_hi, r.dwell_sum_lo),
                dwell_sq: join(r.dwell_sq_hi, r.dwell_sq_lo),
                dwell_min: r.dwell_min,
                dwell_max: r.dwell_max,
            };
            p.cells.entry((s, key)).or_default().add(&c);
        }
        Ok(p)
    }

    /// The partial as bytes in the saved-model container (kind `partial`; see
    /// [`saved`](crate::saved)): what Python pickles and C passes between shards.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        self.spec.write(&mut w);
        w.u64(self.parts);
        w.usize(self.cells.len());
        let i128s = |w: &mut Writer, v: i128| {
            w.u64(v as u64);
            w.u64((v >> 64) as u64);
        };
        for ((s, k), c) in &self.cells {
            w.u8(*s as u8);
            w.u32s(k);
            w.i64(c.n);
            w.i64(c.c);
            i128s(&mut w, c.v);
            i128s(&mut w, c.x);
            w.i64(c.dwell_n);
            i128s(&mut w, c.dwell_sum);
            i128s(&mut w, c.dwell_sq);
            w.i64(c.dwell_min);
            w.i64(c.dwell_max);
        }
        codec::seal(ModelKind::Partial, self.spec.fingerprint(), &w.buf)
    }

    /// Read [`Partial::to_bytes`]; a damaged or foreign file is an
    /// [`Error::ModelFile`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial> {
        let (mut r, fingerprint) = payload(bytes, ModelKind::Partial, WHAT)?;
        let spec = PartialSpec::read(&mut r)?;
        if spec.fingerprint() != fingerprint {
            return Err(r.error("the fingerprint does not match the options"));
        }
        let parts = r.u64()?;
        // the smallest cell: section, an empty key, 13 fixed fields (104 bytes)
        let n = r.count(1 + 8 + 104)?;
        let mut p = Partial::empty(&spec);
        p.parts = parts;
        let i128s = |r: &mut Reader<'_>| -> Result<i128> {
            let lo = r.u64()? as u128;
            let hi = r.u64()? as u128;
            Ok(((hi << 64) | lo) as i128)
        };
        let mut prev: Option<super::Key> = None;
        for _ in 0..n {
            let s = r.u8()?;
            let s = Section::ALL.get(s as usize).copied().ok_or_else(|| r.error(format!("unknown section {s}")))?;
            let key = check_key(s, r.u32s()?.into(), &spec).map_err(|e| r.error(e.to_string()))?;
            let c = Cell {
                n: r.i64()?,
                c: r.i64()?,
                v: i128s(&mut r)?,
                x: i128s(&mut r)?,
                dwell_n: r.i64()?,
                dwell_sum: i128s(&mut r)?,
                dwell_sq: i128s(&mut r)?,
                dwell_min: r.i64()?,
                dwell_max: r.i64()?,
            };
            let k = (s, key);
            if prev.as_ref().is_some_and(|p| *p >= k) {
                return Err(r.error("cells are not in key order"));
            }
            prev = Some(k.clone());
            p.cells.insert(k, c);
        }
        r.finish()?;
        Ok(p)
    }

    /// Save [`Partial::to_bytes`] to a file (written to a temporary file, then renamed).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_bytes())
    }

    /// Load a partial saved with [`Partial::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Partial> {
        Self::from_bytes(&read_file(path.as_ref())?)
    }

    /// Merge partials given as bytes (e.g. one file per shard).
    pub fn merge_bytes<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Result<Option<Partial>> {
        let mut acc: Option<Partial> = None;
        for b in parts {
            let p = Partial::from_bytes(b)?;
            match acc.as_mut() {
                Some(a) => a.merge(&p)?,
                None => acc = Some(p),
            }
        }
        Ok(acc)
    }
}

pub(crate) fn write_model(w: &mut Writer, m: &AttributionModel) {
    w.u32(m.kind().code());
    match m {
        AttributionModel::Position { first, middle, last } => {
            w.f64(*first);
            w.f64(*middle);
            w.f64(*last);
        }
        AttributionModel::TimeDecay { half_life_ms } => w.i64(*half_life_ms),
        AttributionModel::Markov { order, allocation, value_basis } => {
            w.usize(*order);
            w.u32(allocation.code());
            w.u32(value_basis.code());
        }
        AttributionModel::ShapleyRate { method } => match method {
            ShapleyMethod::Auto => w.u8(0),
            ShapleyMethod::Exact => w.u8(1),
            ShapleyMethod::Sampled { samples, seed } => {
                w.u8(2);
                w.usize(*samples);
                w.u64(*seed);
            }
        },
        _ => {}
    }
}

pub(crate) fn read_model(r: &mut Reader<'_>) -> Result<AttributionModel> {
    use crate::attribution::ModelName as N;
    let code = r.u32()?;
    let kind = N::from_code(code).ok_or_else(|| r.error(format!("unknown model code {code}")))?;
    Ok(match kind {
        N::First => AttributionModel::FirstTouch,
        N::Last => AttributionModel::LastTouch,
        N::LastNonDirect => AttributionModel::LastNonDirect,
        N::Linear => AttributionModel::Linear,
        N::Position | N::JShaped | N::InverseJ | N::Custom => {
            AttributionModel::Position { first: r.f64()?, middle: r.f64()?, last: r.f64()? }
        }
        N::TimeDecay => AttributionModel::TimeDecay { half_life_ms: r.i64()? },
        N::Participation => AttributionModel::Participation,
        N::Markov => {
            let order = r.usize()?;
            let a = r.u32()?;
            let b = r.u32()?;
            AttributionModel::Markov {
                order,
                allocation: MarkovAllocation::from_code(a).ok_or_else(|| r.error(format!("unknown allocation {a}")))?,
                value_basis: ValueBasis::from_code(b).ok_or_else(|| r.error(format!("unknown value basis {b}")))?,
            }
        }
        N::Shapley => AttributionModel::Shapley,
        N::OrderedShapley => AttributionModel::OrderedShapley,
        N::ShapleyRate => AttributionModel::ShapleyRate {
            method: match r.u8()? {
                0 => ShapleyMethod::Auto,
                1 => ShapleyMethod::Exact,
                2 => ShapleyMethod::Sampled { samples: r.usize()?, seed: r.u64()? },
                k => return Err(r.error(format!("unknown Shapley method {k}"))),
            },
        },
        N::ShaoLi => AttributionModel::ShaoLi,
    })
}
