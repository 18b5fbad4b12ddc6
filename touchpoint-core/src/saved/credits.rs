//! Attribution results to and from bytes: what a nightly job publishes for the day.

use std::path::Path;

use super::codec::{self, Reader, Writer};
use super::{ModelKind, payload, read_file, write_file};
use crate::attribution::{CreditRow, Credits, JourneyCredit};
use crate::catalog::TouchpointId;
use crate::error::{Error, Result};
use crate::named::Named;

const WHAT: &str = "attribution";

/// Fingerprint of a list of results: each model's label and touchpoint names.
fn fingerprint(results: &[Credits]) -> u64 {
    let mut h = codec::fnv1a(codec::FNV_OFFSET, &ModelKind::Attribution.code().to_le_bytes());
    for c in results {
        let label = c.label();
        h = codec::fnv1a(h, &(label.len() as u64).to_le_bytes());
        h = codec::fnv1a(h, label.as_bytes());
        for r in &c.rows {
            h = codec::fnv1a(h, &(r.name.len() as u64).to_le_bytes());
            h = codec::fnv1a(h, r.name.as_bytes());
        }
    }
    h
}

fn write_credits(w: &mut Writer, c: &Credits) {
    w.str(&c.model);
    w.usize(c.parameters.len());
    for (k, v) in &c.parameters {
        w.str(k);
        w.str(v);
    }
    w.usize(c.rows.len());
    for r in &c.rows {
        w.u32(r.touchpoint.0);
        w.str(&r.name);
        w.f64(r.conversions);
        w.f64(r.value);
        w.f64(r.share);
        for v in [r.removal_effect, r.removal_effect_value, r.std_error, r.lower, r.upper] {
            w.opt_f64(v);
        }
        w.f64(r.touches);
        for v in [r.cost, r.cpa, r.roas] {
            w.opt_f64(v);
        }
    }
    w.f64(c.total_journeys);
    w.f64(c.total_conversions);
    w.f64(c.total_value);
    w.bool(c.efficient);
    match &c.per_journey {
        None => w.bool(false),
        Some(p) => {
            w.bool(true);
            w.usize(p.len());
            for j in p {
                w.usize(j.row);
                w.u32(j.touchpoint.0);
                w.f64(j.conversions);
                w.f64(j.value);
            }
        }
    }
    // 0: none; 1: dense rows (files of earlier versions, read only); 2: sparse rows
    match &c.by_position {
        None => w.u8(0),
        Some(rows) => {
            w.u8(2);
            w.usize(rows.len());
            for r in rows {
                w.usize(r.len());
                for &(pos, credit) in r {
                    w.usize(pos);
                    w.f64(credit);
                }
            }
        }
    }
    w.usize(c.notes.len());
    for n in &c.notes {
        w.str(n);
    }
}

fn read_credits(r: &mut Reader<'_>) -> Result<Credits> {
    let model = r.str()?;
    let n = r.count(16)?;
    let mut parameters = Vec::with_capacity(n);
    for _ in 0..n {
        parameters.push((r.str()?, r.str()?));
    }
    let n = r.count(4 + 8 + 8 * 4 + 8)?;
    let mut rows = Vec::with_capacity(n);
    for _ in 0..n {
        let touchpoint = TouchpointId(r.u32()?);
        let name = r.str()?;
        let (conversions, value, share) = (r.f64()?, r.f64()?, r.f64()?);
        let (removal_effect, removal_effect_value, std_error, lower, upper) =
            (r.opt_f64()?, r.opt_f64()?, r.opt_f64()?, r.opt_f64()?, r.opt_f64()?);
        let touches = r.f64()?;
        let (cost, cpa, roas) = (r.opt_f64()?, r.opt_f64()?, r.opt_f64()?);
        rows.push(CreditRow {
            touchpoint,
            name,
            conversions,
            value,
            share,
            removal_effect,
            removal_effect_value,
            std_error,
            lower,
            upper,
            touches,
            cost,
            cpa,
            roas,
        });
    }
    let (total_journeys, total_conversions, total_value) = (r.f64()?, r.f64()?, r.f64()?);
    let efficient = r.bool()?;
    let per_journey = if r.bool()? {
        let n = r.count(8 + 4 + 16)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(JourneyCredit {
                row: r.usize()?,
                touchpoint: TouchpointId(r.u32()?),
                conversions: r.f64()?,
                value: r.f64()?,
            });
        }
        Some(v)
    } else {
        None
    };
    let by_position = match r.u8()? {
        0 => None,
        1 => {
            // dense rows of earlier files: keep the cells that earned credit
            let n = r.count(8)?;
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                let dense = r.f64s()?;
                v.push(dense.into_iter().enumerate().filter(|&(_, c)| c != 0.0).map(|(p, c)| (p + 1, c)).collect());
            }
            Some(v)
        }
        2 => {
            let n = r.count(8)?;
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                let k = r.count(16)?;
                let mut row = Vec::with_capacity(k);
                for _ in 0..k {
                    row.push((r.usize()?, r.f64()?));
                }
                v.push(row);
            }
            Some(v)
        }
        b => return Err(r.error(format!("the by-position flag byte is {b}, not 0, 1 or 2"))),
    };
    let n = r.count(8)?;
    let mut notes = Vec::with_capacity(n);
    for _ in 0..n {
        notes.push(r.str()?);
    }
    Ok(Credits {
        model,
        parameters,
        rows,
        total_journeys,
        total_conversions,
        total_value,
        efficient,
        per_journey,
        by_position,
        notes,
    })
}

/// Attribution results of one or more models as bytes (see [`saved`](crate::saved)).
pub fn credits_to_bytes(results: &[Credits]) -> Vec<u8> {
    let mut w = Writer::default();
    w.usize(results.len());
    for c in results {
        write_credits(&mut w, c);
    }
    codec::seal(ModelKind::Attribution, fingerprint(results), &w.buf)
}

/// Load results saved by [`credits_to_bytes`].
pub fn credits_from_bytes(bytes: &[u8]) -> Result<Vec<Credits>> {
    let (mut r, fp) = payload(bytes, ModelKind::Attribution, WHAT)?;
    let n = r.count(8)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(read_credits(&mut r)?);
    }
    r.finish()?;
    if fingerprint(&out) != fp {
        return Err(Error::ModelFile {
            what: WHAT,
            offset: 16,
            problem: "the fingerprint in the header does not match the results (the file was altered)".into(),
        });
    }
    Ok(out)
}

/// Save results to a file (written to a temporary file and renamed into place).
pub fn save_credits(path: impl AsRef<Path>, results: &[Credits]) -> Result<()> {
    write_file(path.as_ref(), &credits_to_bytes(results))
}

/// Load a file written by [`save_credits`].
pub fn load_credits(path: impl AsRef<Path>) -> Result<Vec<Credits>> {
    credits_from_bytes(&read_file(path.as_ref())?)
}

#[cfg(test)]
mod by_position_tests {
    use super::*;
    use crate::attribution::{AttributionModel, AttributionOptions, attribute};

    fn ordered() -> Credits {
        let mut p = crate::PathTable::default();
        p.add_path_str("a > b > a", ">", 2.0, 1.0, 20.0).unwrap();
        p.add_path_str("b > c", ">", 1.0, 3.0, 5.0).unwrap();
        let mut c = attribute(&p, &AttributionModel::OrderedShapley, &AttributionOptions::default()).unwrap();
        c.notes.clear();
        c
    }

    /// Sparse rows round-trip; the dense rows of earlier files load as the cells that earned
    /// credit.
    #[test]
    fn sparse_rows_round_trip_and_dense_rows_of_earlier_files_load() {
        let c = ordered();
        let mut w = Writer::default();
        write_credits(&mut w, &c);
        let back = read_credits(&mut Reader::new(&w.buf, 0, WHAT)).unwrap();
        assert_eq!(back, c);

        let sparse = c.by_position.clone().unwrap();
        let width = sparse.iter().flat_map(|r| r.iter().map(|x| x.0)).max().unwrap();
        let mut w = Writer::default();
        write_credits(&mut w, &Credits { by_position: None, ..c.clone() });
        w.buf.truncate(w.buf.len() - 9); // the flag byte 0 and the notes count
        w.u8(1);
        w.usize(sparse.len());
        for row in &sparse {
            let mut dense = vec![0.0; width];
            for &(pos, credit) in row {
                dense[pos - 1] = credit;
            }
            w.f64s(&dense);
        }
        w.usize(0);
        let old = read_credits(&mut Reader::new(&w.buf, 0, WHAT)).unwrap();
        assert_eq!(old, c);
    }
}
