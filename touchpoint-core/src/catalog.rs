//! The touchpoint catalog: names interned to dense ids, with optional attributes.
//!
//! ```
//! use touchpoint_core::{Catalog, ChannelKind, Stage, TouchpointAttrs};
//!
//! let mut cat = Catalog::new();
//! let search = cat.intern("search ad");
//! let store = cat.intern("store visit");
//! assert_eq!(cat.intern("search ad"), search); // interning is idempotent
//! cat.set_attrs(store, TouchpointAttrs {
//!     channel: Some(ChannelKind::Offline),
//!     stage: Some(Stage::Purchase),
//!     ..Default::default()
//! });
//! assert_eq!(cat.name(store), Some("store visit"));
//! assert_eq!(cat.attrs(store).unwrap().stage, Some(Stage::Purchase));
//! ```

use hashbrown::HashMap;
use std::io::Read;

use crate::error::{Error, Location, Result};
use crate::named::Named;

/// Dense id of a touchpoint in a [`Catalog`] (0, 1, 2, ... in order of first appearance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct TouchpointId(pub u32);

impl TouchpointId {
    /// The id as an index into per-touchpoint arrays.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

crate::named_enum! {
    /// Where a touchpoint happens.
    pub enum ChannelKind: "channel" {
        /// Ads, email, website, app.
        Online = 0 => "online",
        /// Store visits, print, events.
        Offline = 1 => "offline",
        /// Service centre, support calls, surveys.
        Service = 2 => "service",
        /// Contacts that bridge channels (click & collect, QR codes).
        CrossChannel = 3 => "cross_channel" | "crosschannel" | "omnichannel",
    }
}

crate::named_enum! {
    /// Stage of the customer journey a touchpoint belongs to.
    #[derive(PartialOrd, Ord)]
    pub enum Stage: "stage" {
        /// The customer learns the brand exists.
        Awareness = 0 => "awareness",
        /// First interaction / consideration.
        FirstInteraction = 1 => "first_interaction" | "consideration" | "interaction",
        /// Purchase decision.
        Purchase = 2 => "purchase" | "purchase_decision" | "decision",
        /// After-sales: service, surveys, loyalty.
        AfterSales = 3 => "after_sales" | "aftersales" | "post_purchase" | "retention",
    }
}

/// A catalog cell that names none of an enum's values.
fn invalid_choice<T: Named>(column: &str, loc: Location, v: &str) -> Error {
    Error::invalid(column, loc, v, format!("expected a {}: {}", T::OPTION, T::choices()))
}

/// Optional attributes of a touchpoint. Analyses that need one say so when it is missing.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct TouchpointAttrs {
    /// Online, offline, service or cross-channel.
    pub channel: Option<ChannelKind>,
    /// Journey stage.
    pub stage: Option<Stage>,
    /// Cost of one touch, in the currency of conversion values.
    pub cost: Option<f64>,
    /// A "direct" touchpoint (typed-in URL, direct visit): skipped by last-non-direct models.
    pub direct: bool,
    /// A paid touchpoint.
    pub paid: bool,
}

/// Interned touchpoint names with optional attributes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    names: Vec<String>,
    attrs: Vec<TouchpointAttrs>,
    index: HashMap<String, TouchpointId>,
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// A catalog of the given names, ids in order. Repeated names map to their first id.
    pub fn from_names<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut c = Self::new();
        for n in names {
            c.intern(n.as_ref());
        }
        c
    }

    /// Id of `name`, adding it when new.
    #[inline]
    pub fn intern(&mut self, name: &str) -> TouchpointId {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = TouchpointId(self.names.len() as u32);
        self.names.push(name.to_owned());
        self.attrs.push(TouchpointAttrs::default());
        self.index.insert(name.to_owned(), id);
        id
    }

    /// Id of `name` if known.
    pub fn get(&self, name: &str) -> Option<TouchpointId> {
        self.index.get(name).copied()
    }

    /// Id of `name`, or [`Error::UnknownTouchpoint`].
    pub fn require(&self, name: &str) -> Result<TouchpointId> {
        self.get(name).ok_or_else(|| Error::unknown_touchpoint(name, self.names().iter().map(String::as_str)))
    }

    /// Name of `id`.
    pub fn name(&self, id: TouchpointId) -> Option<&str> {
        self.names.get(id.index()).map(String::as_str)
    }

    /// Attributes of `id`.
    pub fn attrs(&self, id: TouchpointId) -> Option<&TouchpointAttrs> {
        self.attrs.get(id.index())
    }

    /// Replace the attributes of `id` (ignored for an unknown id).
    pub fn set_attrs(&mut self, id: TouchpointId, attrs: TouchpointAttrs) {
        if let Some(a) = self.attrs.get_mut(id.index()) {
            *a = attrs;
        }
    }

    /// Number of touchpoints.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no touchpoint is known.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// All names, by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Iterate `(id, name, attrs)`.
    pub fn iter(&self) -> impl Iterator<Item = (TouchpointId, &str, &TouchpointAttrs)> {
        self.names.iter().zip(&self.attrs).enumerate().map(|(i, (n, a))| (TouchpointId(i as u32), n.as_str(), a))
    }

    /// The catalog in its canonical order (ids are the ranks of the names in byte order),
    /// when it is not in it already: `(sorted, rank)` with `rank[old id]` the new id. Event
    /// tables and journeys keep their catalogs canonical so that ids, and every float sum
    /// taken in id order, do not depend on the order rows arrived in.
    pub fn canonical(&self) -> Option<(Catalog, Vec<u32>)> {
        if self.names.windows(2).all(|w| w[0] < w[1]) {
            return None;
        }
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
        let mut rank = vec![0u32; order.len()];
        let mut c = Catalog::new();
        for (new, &old) in order.iter().enumerate() {
            rank[old as usize] = new as u32;
            let id = c.intern(&self.names[old as usize]);
            c.attrs[id.index()] = self.attrs[old as usize].clone();
        }
        Some((c, rank))
    }

    /// Whether the ids are in the canonical order ([`Catalog::canonical`]).
    pub fn is_canonical(&self) -> bool {
        self.names.windows(2).all(|w| w[0] < w[1])
    }

    /// Add every touchpoint of `other` (names and attributes) and return, for each id of
    /// `other`, its id here. Attributes already set here win over `other`'s.
    pub fn absorb(&mut self, other: &Catalog) -> Vec<TouchpointId> {
        other
            .iter()
            .map(|(_, name, attrs)| {
                let known = self.get(name).is_some();
                let id = self.intern(name);
                if !known || self.attrs[id.index()] == TouchpointAttrs::default() {
                    self.attrs[id.index()] = attrs.clone();
                }
                id
            })
            .collect()
    }

    /// Set the attributes of every touchpoint of `other` here (adding touchpoints that are new):
    /// the way to attach a catalog of costs and channels to data read without one.
    pub fn apply_attrs(&mut self, other: &Catalog) {
        for (_, name, attrs) in other.iter() {
            let id = self.intern(name);
            self.set_attrs(id, attrs.clone());
        }
    }

    /// Load attributes from CSV with header `touchpoint,channel,stage,cost,direct,paid`
    /// (only `touchpoint` is required; column order is free; empty cells mean "unknown").
    ///
    /// ```
    /// let csv = "touchpoint,channel,stage,cost,direct,paid\n\
    ///            search ad,online,awareness,0.8,false,true\n\
    ///            store visit,offline,purchase,,,\n";
    /// let cat = touchpoint_core::Catalog::read_csv(csv.as_bytes()).unwrap();
    /// assert_eq!(cat.len(), 2);
    /// let id = cat.require("search ad").unwrap();
    /// assert_eq!(cat.attrs(id).unwrap().cost, Some(0.8));
    /// ```
    pub fn read_csv<R: Read>(reader: R) -> Result<Self> {
        let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(crate::csvutil::LineCounting::new(reader));
        let header = crate::csvutil::Header::read(&mut rdr)?;
        let name_col = header.require("touchpoint")?;
        let channel_col = header.find("channel");
        let stage_col = header.find("stage");
        let cost_col = header.find("cost");
        let direct_col = header.find("direct");
        let paid_col = header.find("paid");
        let mut cat = Catalog::new();
        let mut rec = csv::StringRecord::new();
        while rdr.read_record(&mut rec)? {
            let line = crate::csvutil::record_line(&mut rdr, rec.as_slice().as_bytes());
            let loc = || Location::Line(line);
            let cell = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(str::trim).filter(|s| !s.is_empty());
            let name = rec.get(name_col).unwrap_or("").trim();
            if name.is_empty() {
                return Err(Error::invalid("touchpoint", loc(), name, "touchpoint name must not be empty"));
            }
            let mut a = TouchpointAttrs::default();
            if let Some(v) = cell(channel_col) {
                a.channel =
                    Some(ChannelKind::lookup(v).ok_or_else(|| invalid_choice::<ChannelKind>("channel", loc(), v))?);
            }
            if let Some(v) = cell(stage_col) {
                a.stage = Some(Stage::lookup(v).ok_or_else(|| invalid_choice::<Stage>("stage", loc(), v))?);
            }
            if let Some(v) = cell(cost_col) {
                let c: f64 = v.parse().map_err(|_| Error::invalid("cost", loc(), v, "expected a number"))?;
                if !c.is_finite() || c < 0.0 {
                    return Err(Error::invalid("cost", loc(), v, "cost must be finite and >= 0"));
                }
                a.cost = Some(c);
            }
            if let Some(v) = cell(direct_col) {
                a.direct = crate::csvutil::parse_bool(v)
                    .ok_or_else(|| Error::invalid("direct", loc(), v, "expected true/false, yes/no or 1/0"))?;
            }
            if let Some(v) = cell(paid_col) {
                a.paid = crate::csvutil::parse_bool(v)
                    .ok_or_else(|| Error::invalid("paid", loc(), v, "expected true/false, yes/no or 1/0"))?;
            }
            if cat.get(name).is_some() {
                return Err(Error::invalid("touchpoint", loc(), name, "touchpoint listed twice in the catalog"));
            }
            let id = cat.intern(name);
            cat.set_attrs(id, a);
        }
        Ok(cat)
    }

    /// Load from a JSON array of objects `{"name": ..., "channel": ..., "stage": ..., "cost": ...,
    /// "direct": ..., "paid": ...}` (only `name` required).
    ///
    /// ```
    /// let json = r#"[{"name": "email", "channel": "online", "cost": 0.01},
    ///                {"name": "service call", "channel": "service", "stage": "after_sales"}]"#;
    /// let cat = touchpoint_core::Catalog::from_json(json).unwrap();
    /// assert_eq!(cat.names(), ["email", "service call"]);
    /// ```
    #[cfg(feature = "serde")]
    pub fn from_json(json: &str) -> Result<Self> {
        let entries: Vec<CatalogEntry> = serde_json::from_str(json)?;
        let mut cat = Catalog::new();
        for (i, e) in entries.into_iter().enumerate() {
            if e.name.trim().is_empty() || cat.get(&e.name).is_some() {
                return Err(Error::invalid(
                    "name",
                    Location::Row(i),
                    e.name,
                    "touchpoint names must be non-empty and unique",
                ));
            }
            if let Some(c) = e.attrs.cost
                && (!c.is_finite() || c < 0.0)
            {
                return Err(Error::invalid("cost", Location::Row(i), c.to_string(), "cost must be finite and >= 0"));
            }
            let id = cat.intern(&e.name);
            cat.set_attrs(id, e.attrs);
        }
        Ok(cat)
    }

    /// The catalog as a JSON array (the form [`Catalog::from_json`] reads).
    #[cfg(feature = "serde")]
    pub fn to_json(&self) -> String {
        let entries: Vec<CatalogEntry> =
            self.iter().map(|(_, n, a)| CatalogEntry { name: n.to_owned(), attrs: a.clone() }).collect();
        serde_json::to_string_pretty(&entries).unwrap_or_default()
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct CatalogEntry {
    name: String,
    #[serde(flatten)]
    attrs: TouchpointAttrs,
}

#[cfg(feature = "serde")]
impl serde::Serialize for Catalog {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for (_, n, a) in self.iter() {
            seq.serialize_element(&CatalogEntry { name: n.to_owned(), attrs: a.clone() })?;
        }
        seq.end()
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Catalog {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let entries = Vec::<CatalogEntry>::deserialize(d)?;
        let mut cat = Catalog::new();
        for e in entries {
            if cat.get(&e.name).is_some() {
                return Err(serde::de::Error::custom(format!("touchpoint {:?} listed twice", e.name)));
            }
            let id = cat.intern(&e.name);
            cat.set_attrs(id, e.attrs);
        }
        Ok(cat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_parse_and_print() {
        assert_eq!("Cross-Channel".parse::<ChannelKind>().unwrap(), ChannelKind::CrossChannel);
        assert_eq!("after sales".parse::<Stage>().unwrap(), Stage::AfterSales);
        assert!("moon".parse::<Stage>().unwrap_err().to_string().contains("awareness"));
        assert_eq!(Stage::FirstInteraction.to_string(), "first_interaction");
    }

    #[test]
    fn csv_errors_name_line_and_column() {
        let err = Catalog::read_csv("touchpoint,cost\na,1\nb,-2\n".as_bytes()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("`cost`") && msg.contains("line 3") && msg.contains("-2"), "{msg}");
        let err = Catalog::read_csv("name,cost\na,1\n".as_bytes()).unwrap_err();
        assert!(matches!(err, Error::MissingColumn { ref name, .. } if name == "touchpoint"));
    }

    #[test]
    fn absorb_maps_ids() {
        let mut a = Catalog::from_names(["x", "y"]);
        let b = Catalog::from_names(["y", "z"]);
        let map = a.absorb(&b);
        assert_eq!(map, vec![TouchpointId(1), TouchpointId(2)]);
        assert_eq!(a.names(), ["x", "y", "z"]);
    }
}
