//! Journeys (with their open tails and build report) to and from bytes: what a nightly job
//! keeps instead of the event history.

use std::path::Path;
use std::sync::Arc;

use super::codec::{self, Reader, Writer};
use super::{ModelKind, fingerprint_names, payload, read_catalog, read_file, write_catalog, write_file};
use crate::catalog::TouchpointId;
use crate::error::{Error, Result};
use crate::events::NO_TOUCHPOINT;
use crate::increment::OpenState;
use crate::journey::{JourneyOptions, JourneyReport, Journeys};
use crate::named::Named;
use crate::names::NameList;

const WHAT: &str = "journeys";

pub(crate) fn write_options(w: &mut Writer, o: &JourneyOptions) {
    w.opt_i64(o.lookback_ms);
    w.opt_i64(o.inactivity_timeout_ms);
    w.bool(o.collapse_repeats);
    w.opt_usize(o.max_touches);
    w.bool(o.split_at_conversions);
}

pub(crate) fn read_options(r: &mut Reader<'_>) -> Result<JourneyOptions> {
    Ok(JourneyOptions {
        lookback_ms: r.opt_i64()?,
        inactivity_timeout_ms: r.opt_i64()?,
        collapse_repeats: r.bool()?,
        max_touches: r.opt_usize()?,
        split_at_conversions: r.bool()?,
    })
}

fn fingerprint_options(h: u64, o: Option<&JourneyOptions>) -> u64 {
    let mut w = Writer::default();
    match o {
        Some(o) => {
            w.u8(1);
            write_options(&mut w, o);
        }
        None => w.u8(0),
    }
    codec::fnv1a(h, &w.buf)
}

/// The counts of a report, in file order (the value of conversions without touches aside).
pub(crate) fn report_counts(r: &JourneyReport) -> [usize; 14] {
    [
        r.events_in,
        r.touches_in,
        r.conversions_in,
        r.customers,
        r.touches_kept,
        r.journeys_converting,
        r.journeys_non_converting,
        r.touches_outside_lookback,
        r.touches_collapsed,
        r.touches_truncated,
        r.inactivity_splits,
        r.conversions_without_touches,
        r.customers_resorted,
        r.conversions_merged,
    ]
}

/// The report of [`report_counts`] and the value of conversions without touches.
pub(crate) fn report_from_counts(v: [usize; 14], value_without_touches: f64) -> JourneyReport {
    JourneyReport {
        events_in: v[0],
        touches_in: v[1],
        conversions_in: v[2],
        customers: v[3],
        touches_kept: v[4],
        journeys_converting: v[5],
        journeys_non_converting: v[6],
        touches_outside_lookback: v[7],
        touches_collapsed: v[8],
        touches_truncated: v[9],
        inactivity_splits: v[10],
        conversions_without_touches: v[11],
        customers_resorted: v[12],
        conversions_merged: v[13],
        value_without_touches,
    }
}

pub(crate) fn write_report(w: &mut Writer, r: &JourneyReport) {
    for v in report_counts(r) {
        w.usize(v);
    }
    w.f64(r.value_without_touches);
}

pub(crate) fn read_report(r: &mut Reader<'_>) -> Result<JourneyReport> {
    let mut v = [0usize; 14];
    for x in &mut v {
        *x = r.usize()?;
    }
    Ok(report_from_counts(v, r.f64()?))
}

impl Journeys {
    /// Fingerprint of the journey options (when built from events) and the touchpoint
    /// vocabulary.
    pub fn fingerprint(&self) -> u64 {
        let h = codec::fnv1a(codec::FNV_OFFSET, &ModelKind::Journeys.code().to_le_bytes());
        fingerprint_names(fingerprint_options(h, self.options()), &self.catalog)
    }

    /// The journeys as bytes, with their open tails and report, so that
    /// [`Journeys::append`] can continue from the loaded copy (see [`saved`](crate::saved)).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.buf.reserve(self.touchpoints.len() * 12 + self.len() * 40);
        write_catalog(&mut w, &self.catalog);
        w.usize(self.customer_names.len());
        for n in self.customer_names.iter() {
            w.str(n);
        }
        w.usizes(&self.offsets);
        w.u32s(&self.touchpoints.iter().map(|t| t.0).collect::<Vec<_>>());
        w.i64s(&self.times);
        w.bools(&self.converted);
        w.f64s(&self.value);
        w.f64s(&self.weight);
        w.i64s(&self.end_time);
        w.u32s(&self.customer);
        match self.open.as_deref() {
            None => w.bool(false),
            Some(o) => {
                w.bool(true);
                write_options(&mut w, &o.options);
                write_report(&mut w, &o.report);
                w.bool(o.stored);
                w.usizes(&o.offsets);
                w.u32s(&o.tps);
                w.i64s(&o.times);
                w.bools(&o.conv);
                w.f64s(&o.vals);
                w.i64s(&o.horizon);
                w.u32s(&o.tail_journeys);
            }
        }
        codec::seal(ModelKind::Journeys, self.fingerprint(), &w.buf)
    }

    /// Load journeys saved by [`Journeys::to_bytes`]; every length and id is checked.
    pub fn from_bytes(bytes: &[u8]) -> Result<Journeys> {
        let (mut r, fingerprint) = payload(bytes, ModelKind::Journeys, WHAT)?;
        let catalog = read_catalog(&mut r)?;
        let n_names = r.count(8)?;
        let mut names = NameList::new();
        for _ in 0..n_names {
            names.push(&r.str()?);
        }
        let offsets = r.usizes()?;
        let touchpoints: Vec<TouchpointId> = r.u32s()?.into_iter().map(TouchpointId).collect();
        let times = r.i64s()?;
        let converted = r.bools()?;
        let value = r.f64s()?;
        let weight = r.f64s()?;
        let end_time = r.i64s()?;
        let customer = r.u32s()?;
        let n = converted.len();
        let fits = offsets.len() == n + 1
            && offsets.first() == Some(&0)
            && offsets.windows(2).all(|w| w[0] <= w[1])
            && offsets.last() == Some(&touchpoints.len())
            && times.len() == touchpoints.len()
            && value.len() == n
            && (weight.is_empty() || weight.len() == n)
            && end_time.len() == n
            && customer.len() == n;
        if !fits {
            return Err(r.error("the journey columns have inconsistent lengths"));
        }
        if let Some(t) = touchpoints.iter().find(|t| t.index() >= catalog.len()) {
            return Err(r.error(format!("touchpoint id {} outside the catalog of {}", t.0, catalog.len())));
        }
        if let Some(c) = customer.iter().find(|&&c| c as usize >= n_names) {
            return Err(r.error(format!("customer code {c} outside the {n_names} customer names")));
        }
        let open = if r.bool()? {
            let options = read_options(&mut r)?;
            let report = read_report(&mut r)?;
            let stored = r.bool()?;
            let o = OpenState {
                options,
                report,
                stored,
                offsets: r.usizes()?,
                tps: r.u32s()?,
                times: r.i64s()?,
                conv: r.bools()?,
                vals: r.f64s()?,
                horizon: r.i64s()?,
                tail_journeys: r.u32s()?,
                index: Default::default(),
            };
            let k = o.tps.len();
            let fits = o.horizon.len() == n_names
                && o.tail_journeys.len() == n_names
                && o.stored == OpenState::needs_raw(&o.options)
                && if o.stored {
                    o.offsets.len() == n_names + 1
                        && o.offsets.first() == Some(&0)
                        && o.offsets.windows(2).all(|w| w[0] <= w[1])
                        && o.offsets.last() == Some(&k)
                        && o.times.len() == k
                        && o.conv.len() == k
                        && o.vals.len() == k
                } else {
                    o.offsets.is_empty() && k == 0 && o.times.is_empty() && o.conv.is_empty() && o.vals.is_empty()
                }
                && o.tps.iter().all(|&t| t == NO_TOUCHPOINT || (t as usize) < catalog.len());
            if !fits {
                return Err(r.error("the open tails are inconsistent with the journeys"));
            }
            // tails count journeys that exist and are the customer's last ones
            let mut per_customer = vec![0u32; n_names];
            for &c in &customer {
                per_customer[c as usize] += 1;
            }
            if o.tail_journeys.iter().zip(&per_customer).any(|(t, have)| t > have)
                || customer.windows(2).any(|w| w[0] > w[1])
            {
                return Err(r.error("the open tails name journeys the file does not hold"));
            }
            Some(Arc::new(o))
        } else {
            None
        };
        r.finish()?;
        let out = Journeys {
            catalog,
            customer_names: Arc::new(names),
            offsets,
            touchpoints,
            times,
            converted,
            value,
            weight,
            end_time,
            customer,
            totals: Default::default(),
            open,
        };
        if out.fingerprint() != fingerprint {
            return Err(Error::ModelFile {
                what: WHAT,
                offset: 16,
                problem: "the fingerprint in the header does not match the journeys (the file was altered)".into(),
            });
        }
        Ok(out)
    }

    /// Save to a file (written to a temporary file and renamed into place).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_bytes())
    }

    /// Load a file written by [`Journeys::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Journeys> {
        Self::from_bytes(&read_file(path.as_ref())?)
    }
}
