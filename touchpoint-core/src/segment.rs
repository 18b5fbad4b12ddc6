//! Segments: a label per customer (region, persona, acquisition channel), so that an analysis
//! can report the same table per segment.
//!
//! A segment comes from a column of the events (the value on each customer's first event, in
//! time order), from explicit customer → label pairs, or from a catalog attribute of each
//! customer's first touch ("first-touch channel"). Customers without a label are put in the
//! segment [`MISSING_SEGMENT`], never dropped.
//!
//! ```
//! use touchpoint_core::{EventTable, segment::Segments};
//!
//! let mut b = EventTable::builder();
//! b.touch("ann", "search", 0)?;
//! b.touch("bob", "email", 0)?;
//! b.touch("ann", "email", 1)?;
//! let events = b.finish()?;
//! let seg = Segments::from_event_values(&events, &[Some("north"), Some("south"), Some("east")])?;
//! assert_eq!(seg.label_of_customer(0), "north"); // ann's first event says north
//! assert_eq!(seg.customers_with_changing_values, 1);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use hashbrown::HashMap;

use crate::catalog::TouchpointId;
use crate::error::{Error, Result};
use crate::events::{EventTable, NO_TOUCHPOINT};

/// The label of customers that have no segment value.
pub const MISSING_SEGMENT: &str = "(missing)";

crate::named_enum! {
    /// A catalog attribute that can segment customers by their first touch.
    pub enum SegmentAttribute: "segment_by" {
        /// The first touch's touchpoint.
        Touchpoint = 0 => "first_touchpoint" | "touchpoint",
        /// The first touch's channel kind (online, offline, service, cross-channel).
        Channel = 1 => "first_channel" | "channel",
        /// The first touch's stage.
        Stage = 2 => "first_stage" | "stage",
    }
}

/// A segment label per customer (customer codes of one event table).
#[derive(Debug, Clone, PartialEq)]
pub struct Segments {
    labels: Vec<String>,
    of_customer: Vec<u32>,
    /// Customers whose value changed between their events (the first event's value is used).
    pub customers_with_changing_values: usize,
    /// Customers without a value (put in [`MISSING_SEGMENT`]).
    pub customers_missing: usize,
}

/// The serde form of [`Segments`] (read back checked: every code names a label).
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct SegmentsData {
    labels: Vec<String>,
    of_customer: Vec<u32>,
    customers_with_changing_values: usize,
    customers_missing: usize,
}

#[cfg(feature = "serde")]
impl serde::Serialize for Segments {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Segments", 4)?;
        st.serialize_field("labels", &self.labels)?;
        st.serialize_field("of_customer", &self.of_customer)?;
        st.serialize_field("customers_with_changing_values", &self.customers_with_changing_values)?;
        st.serialize_field("customers_missing", &self.customers_missing)?;
        st.end()
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Segments {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = SegmentsData::deserialize(d)?;
        if let Some(&c) = v.of_customer.iter().find(|&&c| c as usize >= v.labels.len()) {
            return Err(serde::de::Error::custom(format!(
                "segment code {c} out of range: {} labels are given",
                v.labels.len()
            )));
        }
        Ok(Segments {
            labels: v.labels,
            of_customer: v.of_customer,
            customers_with_changing_values: v.customers_with_changing_values,
            customers_missing: v.customers_missing,
        })
    }
}

impl Segments {
    /// Labels (segment names), in order of first appearance.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The segment code of a customer (an index into [`labels`](Self::labels)).
    pub fn of_customer(&self, customer: u32) -> u32 {
        self.of_customer.get(customer as usize).copied().unwrap_or(0)
    }

    /// The label of a customer.
    pub fn label_of_customer(&self, customer: u32) -> &str {
        &self.labels[self.of_customer(customer) as usize]
    }

    /// Number of customers labelled (the customer codes of the event table).
    pub fn customers(&self) -> usize {
        self.of_customer.len()
    }

    /// Number of segments.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there is no segment.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The code of a label, if any customer has it.
    pub fn code(&self, label: &str) -> Option<u32> {
        self.labels.iter().position(|l| l == label).map(|i| i as u32)
    }

    fn build(n_customers: usize, value_of: impl Fn(usize) -> Option<String>) -> Self {
        let mut labels: Vec<String> = Vec::new();
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut of_customer = vec![0u32; n_customers];
        let mut missing = 0;
        for (c, slot) in of_customer.iter_mut().enumerate() {
            let label = value_of(c).unwrap_or_else(|| {
                missing += 1;
                MISSING_SEGMENT.to_owned()
            });
            let next = labels.len() as u32;
            let code = *index.entry(label.clone()).or_insert_with(|| {
                labels.push(label);
                next
            });
            *slot = code;
        }
        Self { labels, of_customer, customers_with_changing_values: 0, customers_missing: missing }
    }

    /// Segments an analysis assigned itself (e.g. [`personas`](crate::persona::personas)):
    /// customer `c` is in segment `of_customer[c]`, named `labels[of_customer[c]]`. Customers
    /// whose label is [`MISSING_SEGMENT`] are counted in
    /// [`customers_missing`](Self::customers_missing). Every code must index `labels`.
    pub(crate) fn from_codes(labels: Vec<String>, of_customer: Vec<u32>) -> Segments {
        debug_assert!(of_customer.iter().all(|&c| (c as usize) < labels.len()));
        let missing = labels
            .iter()
            .position(|l| l == MISSING_SEGMENT)
            .map_or(0, |m| of_customer.iter().filter(|&&c| c as usize == m).count());
        Segments { labels, of_customer, customers_with_changing_values: 0, customers_missing: missing }
    }

    /// One label per customer code (`labels[c]` for customer `c`, named
    /// `events.customer_names()[c]`; None = missing). Codes follow the customers' keys in
    /// their canonical order (integers by value, then text), not the order they came in.
    pub fn from_customer_labels(events: &EventTable, labels: &[Option<&str>]) -> Result<Self> {
        let n = events.customer_count();
        if labels.len() != n {
            return Err(Error::LengthMismatch {
                column: "segment".into(),
                reference: "customers".into(),
                expected: n,
                found: labels.len(),
            });
        }
        Ok(Self::build(n, |c| labels[c].map(str::to_owned)))
    }

    /// Customer name → label pairs over the customers of `names` (e.g.
    /// [`Journeys::customer_names`](crate::Journeys::customer_names)). Customers without a
    /// pair are [`MISSING_SEGMENT`]; a customer may be listed twice with the same label.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] (option `segment`) naming a name that is no customer of
    /// `names`, or a customer given two different labels.
    ///
    /// ```
    /// use touchpoint_core::{NameList, segment::{MISSING_SEGMENT, Segments}};
    /// let names: NameList = ["ann", "bob", "cy"].into_iter().collect();
    /// let seg = Segments::from_customer_names(&names, &[("cy", "north"), ("ann", "south")])?;
    /// assert_eq!(seg.label_of_customer(0), "south");
    /// assert_eq!(seg.label_of_customer(1), MISSING_SEGMENT);
    /// assert_eq!(seg.customers_missing, 1);
    /// let err = Segments::from_customer_names(&names, &[("zed", "north")]).unwrap_err();
    /// assert!(err.to_string().contains("zed"));
    /// assert!(Segments::from_customer_names(&names, &[("ann", "a"), ("ann", "b")]).is_err());
    /// assert!(Segments::from_customer_names(&names, &[("ann", "a"), ("ann", "a")]).is_ok());
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn from_customer_names(names: &crate::NameList, pairs: &[(&str, &str)]) -> Result<Self> {
        let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n, i)).collect();
        let mut label_of: Vec<Option<&str>> = vec![None; names.len()];
        for &(name, label) in pairs {
            let Some(&c) = index.get(name) else {
                return Err(Error::option(
                    "segment",
                    format!("{name:?}"),
                    format!(
                        "no such customer among the {} customers of the data; pass names as they appear in the events",
                        names.len()
                    ),
                ));
            };
            match label_of[c] {
                Some(prev) if prev != label => {
                    return Err(Error::option(
                        "segment",
                        format!("{name:?}"),
                        format!("the customer is given two labels, {prev:?} and {label:?}; give each customer one"),
                    ));
                }
                _ => label_of[c] = Some(label),
            }
        }
        Ok(Self::build(names.len(), |c| label_of[c].map(str::to_owned)))
    }

    /// A value per event row (`values[i]` for row `i`): each customer gets the value on their
    /// first event in time order (ties: input order). Customers whose value changes later are
    /// counted in [`customers_with_changing_values`](Self::customers_with_changing_values).
    pub fn from_event_values(events: &EventTable, values: &[Option<&str>]) -> Result<Self> {
        if values.len() != events.len() {
            return Err(Error::LengthMismatch {
                column: "segment".into(),
                reference: "events".into(),
                expected: events.len(),
                found: values.len(),
            });
        }
        let (first, changing) = first_rows(events, |a, b| values[a] != values[b]);
        let mut seg = Self::build(events.customer_count(), |c| first[c].and_then(|r| values[r].map(str::to_owned)));
        seg.customers_with_changing_values = changing;
        Ok(seg)
    }

    /// Each customer's segment is an attribute of their first touch (the touchpoint, its
    /// channel kind or its stage). Customers with no touch, or whose first touchpoint has no
    /// such attribute in the catalog, are missing.
    pub fn by_first_touch(events: &EventTable, attribute: SegmentAttribute) -> Result<Self> {
        let tps = events.touchpoints();
        let cat = events.catalog();
        let has_attr = cat.iter().any(|(_, _, a)| match attribute {
            SegmentAttribute::Touchpoint => true,
            SegmentAttribute::Channel => a.channel.is_some(),
            SegmentAttribute::Stage => a.stage.is_some(),
        });
        if !has_attr {
            return Err(Error::option(
                "segment_by",
                attribute,
                format!(
                    "no touchpoint of the catalog has a {} attribute; attach a catalog with one",
                    attribute_column(attribute)
                ),
            ));
        }
        let first = first_touch_rows(events);
        Ok(Self::build(events.customer_count(), |c| {
            let r = first[c]?;
            let id = TouchpointId(tps[r]);
            match attribute {
                SegmentAttribute::Touchpoint => cat.name(id).map(str::to_owned),
                SegmentAttribute::Channel => cat.attrs(id)?.channel.map(|k| k.to_string()),
                SegmentAttribute::Stage => cat.attrs(id)?.stage.map(|k| k.to_string()),
            }
        }))
    }
}

fn attribute_column(a: SegmentAttribute) -> &'static str {
    match a {
        SegmentAttribute::Touchpoint => "touchpoint",
        SegmentAttribute::Channel => "channel",
        SegmentAttribute::Stage => "stage",
    }
}

/// The first row (in time order, ties by input order) of each customer, and how many customers
/// have a row that `differs` from their first.
fn first_rows(events: &EventTable, differs: impl Fn(usize, usize) -> bool) -> (Vec<Option<usize>>, usize) {
    let cust = events.customers();
    let time = events.times();
    let mut first: Vec<Option<usize>> = vec![None; events.customer_count()];
    for (r, &c) in cust.iter().enumerate() {
        let slot = &mut first[c as usize];
        match *slot {
            Some(f) if time[f] <= time[r] => {}
            _ => *slot = Some(r),
        }
    }
    let mut changed = vec![false; first.len()];
    for (r, &c) in cust.iter().enumerate() {
        if let Some(f) = first[c as usize]
            && differs(f, r)
        {
            changed[c as usize] = true;
        }
    }
    (first, changed.iter().filter(|&&b| b).count())
}

/// The first touch row (not a pure conversion) of each customer.
fn first_touch_rows(events: &EventTable) -> Vec<Option<usize>> {
    let cust = events.customers();
    let time = events.times();
    let tps = events.touchpoints();
    let mut first: Vec<Option<usize>> = vec![None; events.customer_count()];
    for (r, &c) in cust.iter().enumerate() {
        if tps[r] == NO_TOUCHPOINT {
            continue;
        }
        let slot = &mut first[c as usize];
        match *slot {
            Some(f) if time[f] <= time[r] => {}
            _ => *slot = Some(r),
        }
    }
    first
}
