//! Raw interaction events, stored columnar.
//!
//! One row per interaction: a customer, a touchpoint, a timestamp (epoch milliseconds), whether
//! the row is a conversion (and its value), and an optional feedback score (NPS 0–10 or CSAT 1–5).
//!
//! A row may be
//! - a **touch** (a touchpoint, not converting),
//! - a **converting touch** (a touchpoint and a conversion: the customer converted right at
//!   this touch, as in event logs with a `converted` flag per row), or
//! - a **pure conversion** (no touchpoint: a purchase event after the touches).
//!
//! ```
//! use touchpoint_core::EventTable;
//!
//! let mut b = EventTable::builder();
//! b.touch("alice", "search ad", 0)?;
//! b.touch("alice", "email", 3_600_000)?;
//! b.conversion("alice", 7_200_000, 50.0)?;      // a $50 purchase, two hours in
//! b.touch("bob", "display", 0)?;
//! let events = b.finish()?;
//! assert_eq!(events.len(), 4);
//! assert_eq!(events.catalog().len(), 3);
//! assert_eq!(events.customer_count(), 2);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use hashbrown::HashMap;
use std::io::Read;
use std::sync::Arc;

use crate::catalog::{Catalog, TouchpointId};
use crate::csvutil::{self, Header};
use crate::error::{Error, Location, Result};
use crate::names::{Interner, NameList};
use crate::time::{TimeFormat, parse_time_kind};

/// Marker in the touchpoint column for a pure conversion row (no touchpoint).
pub const NO_TOUCHPOINT: u32 = u32::MAX;

/// Columnar table of events. Build it with [`EventTable::builder`], [`EventTable::from_columns`]
/// or [`EventTable::read_csv`].
#[derive(Debug, Clone, Default)]
pub struct EventTable {
    catalog: Catalog,
    customer_names: Arc<NameList>,
    customer: Vec<u32>,
    touchpoint: Vec<u32>,
    time: Vec<i64>,
    converted: Vec<bool>,
    value: Vec<f64>,
    feedback: Option<Vec<f32>>,
    /// Customer codes that have no row (only from columns with unused names); None: none.
    without_rows: Option<Arc<Vec<bool>>>,
}

/// Plain columns of events, with customers and touchpoints already encoded as dense codes
/// (`customer[i] < customer_count`, `touchpoint[i] < catalog.len()` or [`NO_TOUCHPOINT`]).
/// This is the zero-parse entry point used by the Python and C faces.
#[derive(Debug, Clone, Default)]
pub struct EventColumns {
    /// Touchpoint names for the codes.
    pub catalog: Catalog,
    /// Customer names for the codes (may be empty: customers are then `"0"`, `"1"`, ...).
    pub customer_names: Vec<String>,
    /// Customer code per row.
    pub customer: Vec<u32>,
    /// Touchpoint code per row ([`NO_TOUCHPOINT`] for a pure conversion).
    pub touchpoint: Vec<u32>,
    /// Epoch milliseconds per row.
    pub time: Vec<i64>,
    /// Conversion flag per row.
    pub converted: Vec<bool>,
    /// Conversion value per row (empty: all 0.0).
    pub value: Vec<f64>,
    /// Feedback score per row, NaN where absent (empty: no feedback at all).
    pub feedback: Vec<f32>,
}

crate::row_struct! {
    /// One event as a table row ([`EventTable::rows`]).
    #[derive(Clone, PartialEq)]
    pub struct EventRow<'a> {
        /// Customer key.
        pub customer_id: &'a str,
        /// Touchpoint name; none for a pure conversion.
        pub touchpoint: Option<&'a str>,
        /// Event time (UTC).
        pub timestamp: crate::rows::TimestampMs,
        /// Whether the customer converted at this event.
        pub converted: bool,
        /// Conversion value.
        pub value: f64,
        /// Feedback score, when given.
        pub feedback: Option<f64>,
    }
}

impl EventTable {
    /// A builder that interns customer and touchpoint names as rows are pushed.
    pub fn builder() -> EventTableBuilder {
        EventTableBuilder::default()
    }

    /// Validate encoded columns and take them over without copying.
    pub fn from_columns(cols: EventColumns) -> Result<Self> {
        let n = cols.customer.len();
        let check = |name: &str, len: usize| {
            if len != n {
                Err(Error::LengthMismatch {
                    column: name.to_owned(),
                    reference: "customer".to_owned(),
                    expected: n,
                    found: len,
                })
            } else {
                Ok(())
            }
        };
        check("touchpoint", cols.touchpoint.len())?;
        check("time", cols.time.len())?;
        check("converted", cols.converted.len())?;
        if !cols.value.is_empty() {
            check("value", cols.value.len())?;
        }
        if !cols.feedback.is_empty() {
            check("feedback", cols.feedback.len())?;
        }
        for (i, name) in cols.catalog.names().iter().enumerate() {
            crate::cells::name("touchpoint", Location::Row(i), name)?;
        }
        for (i, name) in cols.customer_names.iter().enumerate() {
            crate::cells::name("customer", Location::Row(i), name)?;
        }
        let n_tp = cols.catalog.len() as u32;
        let n_cust = if cols.customer_names.is_empty() { u32::MAX } else { cols.customer_names.len() as u32 };
        let mut used = vec![false; if cols.customer_names.is_empty() { 0 } else { n_cust as usize }];
        for i in 0..n {
            let tp = cols.touchpoint[i];
            if tp != NO_TOUCHPOINT && tp >= n_tp {
                return Err(Error::invalid(
                    "touchpoint",
                    Location::Row(i),
                    tp.to_string(),
                    format!("code out of range: the catalog has {n_tp} touchpoints"),
                ));
            }
            if tp == NO_TOUCHPOINT && !cols.converted[i] {
                return Err(Error::invalid(
                    "touchpoint",
                    Location::Row(i),
                    "",
                    "a row with no touchpoint must be a conversion",
                ));
            }
            if cols.customer[i] >= n_cust {
                return Err(Error::invalid(
                    "customer",
                    Location::Row(i),
                    cols.customer[i].to_string(),
                    format!("code out of range: {n_cust} customer names given"),
                ));
            }
            if let Some(u) = used.get_mut(cols.customer[i] as usize) {
                *u = true;
            }
        }
        // customers named but without rows (none when the names come from the rows)
        let without_rows = used.iter().any(|u| !u).then(|| Arc::new(used.iter().map(|u| !u).collect::<Vec<bool>>()));
        for (i, &v) in cols.value.iter().enumerate() {
            csvutil::check_value("value", Location::Row(i), v)?;
        }
        for (i, &f) in cols.feedback.iter().enumerate() {
            check_feedback(Location::Row(i), f)?;
        }
        let value = if cols.value.is_empty() { vec![0.0; n] } else { cols.value };
        let feedback = if cols.feedback.is_empty() { None } else { Some(cols.feedback) };
        let customer_names: NameList = if cols.customer_names.is_empty() {
            let max = cols.customer.iter().copied().max().map_or(0, |m| m as usize + 1);
            (0..max).map(|i| i.to_string()).collect()
        } else {
            cols.customer_names.iter().collect()
        };
        let mut t = Self {
            catalog: cols.catalog,
            customer_names: Arc::new(customer_names),
            customer: cols.customer,
            touchpoint: cols.touchpoint,
            time: cols.time,
            converted: cols.converted,
            value,
            feedback,
            without_rows,
        };
        t.canonicalize();
        Ok(t)
    }

    /// Put the codes in the canonical order: touchpoint ids by name ([`Catalog::canonical`]),
    /// customer codes by key ([`NameList::canonical`]). Rows stay where they are; only the codes
    /// change. What makes every result independent of the order of the input rows: journeys
    /// come out customer by customer in code order, and sums are taken in id order.
    fn canonicalize(&mut self) {
        if let Some((catalog, rank)) = self.catalog.canonical() {
            for t in self.touchpoint.iter_mut().filter(|t| **t != NO_TOUCHPOINT) {
                *t = rank[*t as usize];
            }
            self.catalog = catalog;
        }
        if let Some((names, rank)) = self.customer_names.canonical() {
            for c in &mut self.customer {
                *c = rank[*c as usize];
            }
            if let Some(w) = &self.without_rows {
                let mut v = vec![false; w.len()];
                for (old, &x) in w.iter().enumerate() {
                    v[rank[old] as usize] = x;
                }
                self.without_rows = Some(Arc::new(v));
            }
            self.customer_names = Arc::new(names);
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }

    /// The touchpoint catalog (names → ids, attributes).
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Mutable catalog, to attach attributes after loading.
    pub fn catalog_mut(&mut self) -> &mut Catalog {
        &mut self.catalog
    }

    /// Number of distinct customers.
    pub fn customer_count(&self) -> usize {
        self.customer_names.len()
    }

    /// Whether customer `c` has at least one row (false only for names given to
    /// [`from_columns`](Self::from_columns) that no row uses).
    pub fn has_events(&self, c: u32) -> bool {
        (c as usize) < self.customer_count() && self.without_rows.as_ref().is_none_or(|w| !w[c as usize])
    }

    /// Customer names by code.
    pub fn customer_names(&self) -> &NameList {
        &self.customer_names
    }

    /// Shared handle on the customer names (journey sets keep one without copying).
    pub fn customer_names_arc(&self) -> &Arc<NameList> {
        &self.customer_names
    }

    /// Customer code per row.
    pub fn customers(&self) -> &[u32] {
        &self.customer
    }

    /// Touchpoint code per row ([`NO_TOUCHPOINT`] for pure conversions).
    pub fn touchpoints(&self) -> &[u32] {
        &self.touchpoint
    }

    /// Epoch milliseconds per row.
    pub fn times(&self) -> &[i64] {
        &self.time
    }

    /// Conversion flag per row.
    pub fn converted(&self) -> &[bool] {
        &self.converted
    }

    /// Conversion value per row (0.0 where none was given).
    pub fn values(&self) -> &[f64] {
        &self.value
    }

    /// Feedback score per row (NaN where absent), if any row had one.
    pub fn feedback(&self) -> Option<&[f32]> {
        self.feedback.as_deref()
    }

    /// Touchpoint of row `i`, if it is a touch.
    pub fn touchpoint_of(&self, i: usize) -> Option<TouchpointId> {
        self.touchpoint.get(i).copied().filter(|&t| t != NO_TOUCHPOINT).map(TouchpointId)
    }

    /// The events as [`EventRow`]s, in row order (lazily: a table of millions of rows is not
    /// copied twice).
    pub fn rows(&self) -> impl ExactSizeIterator<Item = EventRow<'_>> + '_ {
        let names = self.customer_names();
        let cat = self.catalog();
        (0..self.len()).map(move |i| EventRow {
            customer_id: names.get(self.customer[i] as usize).unwrap_or_default(),
            touchpoint: self.touchpoint_of(i).and_then(|t| cat.name(t)),
            timestamp: crate::rows::TimestampMs(self.time[i]),
            converted: self.converted[i],
            value: self.value[i],
            feedback: self.feedback.as_ref().and_then(|f| f.get(i)).filter(|x| !x.is_nan()).map(|&x| x as f64),
        })
    }

    /// Read events from CSV. See [`EventCsvOptions`] for column names and formats.
    ///
    /// ```
    /// use touchpoint_core::{EventTable, EventCsvOptions};
    /// let csv = "customer_id,touchpoint,timestamp,converted,value\n\
    ///            c1,search,2024-01-01T10:00:00Z,0,\n\
    ///            c1,store,2024-01-03T10:00:00Z,1,80\n";
    /// let ev = EventTable::read_csv(csv.as_bytes(), &EventCsvOptions::default())?;
    /// assert_eq!(ev.len(), 2);
    /// assert_eq!(ev.values()[1], 80.0);
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn read_csv<R: Read>(reader: R, opts: &EventCsvOptions) -> Result<Self> {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(opts.delimiter)
            .flexible(false)
            .from_reader(csvutil::LineCounting::new(reader));
        let header = Header::read(&mut rdr)?;
        let c_cust = header.require(&opts.customer)?;
        let c_tp = header.require(&opts.touchpoint)?;
        let c_time = header.require(&opts.time)?;
        let c_conv = match &opts.conversion {
            ConversionSpec::Flag(col) => Some(header.require(col)?),
            ConversionSpec::Rows { .. } | ConversionSpec::None => None,
        };
        let c_value = optional_column(&header, opts.value.as_deref(), "value")?;
        let c_fb = optional_column(&header, opts.feedback.as_deref(), "feedback")?;
        let _ = header.len();
        let mut b = EventTable::builder();
        let mut rec = csv::StringRecord::new();
        let mut epochs = crate::time::EpochRange::default();
        while rdr.read_record(&mut rec)? {
            let line = crate::csvutil::record_line(&mut rdr, rec.as_slice().as_bytes());
            let loc = || Location::Line(line);
            let cell = |c: usize| rec.get(c).unwrap_or("").trim();
            let cust = cell(c_cust);
            let tp = cell(c_tp);
            let ts = cell(c_time);
            let (time, epoch) = parse_time_kind(opts.time_format, ts)
                .map_err(|why| Error::invalid(opts.time.as_str(), loc(), ts, why))?;
            if let (true, TimeFormat::Epoch(u) | TimeFormat::Auto(u)) = (epoch, opts.time_format) {
                epochs.add_ms(time, u, loc());
            }
            let (touchpoint, converted) = match &opts.conversion {
                ConversionSpec::Flag(col) => {
                    let v = cell(c_conv.unwrap_or(0));
                    let f = match csvutil::parse_bool(v) {
                        // an empty cell is missing, as a null is in a table (cells module)
                        _ if v.is_empty() => crate::cells::flag(col, loc(), None)?,
                        Some(f) => f,
                        None => {
                            return Err(Error::invalid(col.as_str(), loc(), v, "expected 1/0, true/false or yes/no"));
                        }
                    };
                    ((!tp.is_empty()).then_some(tp), f)
                }
                ConversionSpec::Rows { label } if tp == label => (None, true),
                _ => (Some(tp), false),
            };
            let value = match c_value {
                Some(c) if !cell(c).is_empty() => {
                    csvutil::parse_nonneg(opts.value.as_deref().unwrap_or("value"), loc(), cell(c))?
                }
                // an empty value is missing: an error on a converting row
                Some(_) => crate::cells::value(opts.value.as_deref().unwrap_or("value"), loc(), None, converted)?,
                None => 0.0,
            };
            let feedback = match c_fb {
                Some(c) if !cell(c).is_empty() => {
                    let col = opts.feedback.as_deref().unwrap_or("feedback");
                    let s = cell(c);
                    let f: f32 =
                        s.parse().map_err(|_| Error::invalid(col, loc(), s, "expected a score from 0 to 10"))?;
                    check_feedback(loc(), f)
                        .map_err(|_| Error::invalid(col, loc(), s, "feedback score must be within 0..=10"))?;
                    Some(f)
                }
                _ => None,
            };
            b.push_at(loc(), Event { customer: cust, touchpoint, time, converted, value, feedback })?;
        }
        if let TimeFormat::Epoch(u) | TimeFormat::Auto(u) = opts.time_format {
            epochs.check(&opts.time, u)?;
        }
        b.finish()
    }

    /// Events where the rows of the touchpoints named in `events` (a `purchase` event in a
    /// clickstream, say) are conversions: each becomes a pure conversion row (no touchpoint,
    /// converted, its value kept) and the names leave the catalog, so they take no credit.
    /// Rows already flagged as converting stay so. Returns the events and how many rows were
    /// turned into conversions. An unknown name is an error that suggests the closest known one.
    ///
    /// ```
    /// use touchpoint_core::EventTable;
    /// let mut b = EventTable::builder();
    /// b.touch("a", "ad", 0)?.touch("a", "purchase", 10)?.touch("b", "ad", 0)?;
    /// let (ev, n) = b.finish()?.with_conversion_events(&["purchase"])?;
    /// assert_eq!((n, ev.catalog().names().to_vec()), (1, vec!["ad".to_string()]));
    /// assert_eq!(ev.converted(), &[false, true, false]);
    /// assert!(ev.with_conversion_events(&["ads"]).unwrap_err().to_string().contains("did you mean \"ad\"?"));
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn with_conversion_events<S: AsRef<str>>(mut self, events: &[S]) -> Result<(Self, usize)> {
        let n_tp = self.catalog.len();
        let mut is_conv = vec![false; n_tp];
        for name in events {
            let name = name.as_ref();
            let id = self
                .catalog
                .get(name)
                .ok_or_else(|| Error::unknown_touchpoint(name, self.catalog.names().iter().map(String::as_str)))?;
            is_conv[id.index()] = true;
        }
        // the catalog without those names, attributes kept; old code -> new code
        let mut remap = vec![NO_TOUCHPOINT; n_tp];
        let mut cat = Catalog::new();
        for (id, name, attrs) in self.catalog.iter() {
            if !is_conv[id.index()] {
                let new = cat.intern(name);
                cat.set_attrs(new, attrs.clone());
                remap[id.index()] = new.0;
            }
        }
        let mut turned = 0;
        for (tp, conv) in self.touchpoint.iter_mut().zip(self.converted.iter_mut()) {
            if *tp == NO_TOUCHPOINT {
                continue;
            }
            if is_conv[*tp as usize] {
                turned += 1;
                *conv = true;
            }
            *tp = remap[*tp as usize];
        }
        // (removing names keeps the catalog in its canonical order)
        self.catalog = cat;
        Ok((self, turned))
    }

    /// Warnings about the data worth a user's look before they trust an attribution: today, a
    /// touchpoint that looks like the conversion itself (it occurs only on converting rows and
    /// carries every conversion made at a touch, or it is named like one — `purchase`, `order`,
    /// `conversion`, `checkout`, `transaction` — and most of its at least 5 rows convert). Such a touchpoint takes the last-touch credit of every
    /// conversion; `with_conversion_events` (`conversion_event=` in the faces) fixes it.
    ///
    /// ```
    /// use touchpoint_core::{EventTable, Event};
    /// let mut b = EventTable::builder();
    /// for c in ["a", "b"] {
    ///     b.touch(c, "ad", 0)?;
    ///     b.push(Event { customer: c, touchpoint: Some("purchase"), time: 5, converted: true, value: 9.0, feedback: None })?;
    /// }
    /// let notes = b.finish()?.notes();
    /// assert!(notes[0].contains("\"purchase\"") && notes[0].contains("conversion_event"), "{notes:?}");
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn notes(&self) -> Vec<String> {
        let n_tp = self.catalog.len();
        let (mut rows, mut conv) = (vec![0usize; n_tp], vec![0usize; n_tp]);
        for (&tp, &c) in self.touchpoint.iter().zip(&self.converted) {
            if let Some(r) = rows.get_mut(tp as usize) {
                *r += 1;
                conv[tp as usize] += c as usize;
            }
        }
        const WORDS: [&str; 7] =
            ["purchase", "purchased", "order", "conversion", "converted", "checkout", "transaction"];
        let converting_touches: usize = conv.iter().sum();
        let mut out = Vec::new();
        for (id, name, _) in self.catalog.iter() {
            let (r, c) = (rows[id.index()], conv[id.index()]);
            let worded = WORDS.iter().any(|w| name.to_lowercase().contains(w));
            // it carries every conversion made at a touch and never occurs without one, or it
            // is named like a conversion and mostly converts (a store visit that converts
            // sometimes is an ordinary converting touch)
            let carries_all = c == r && c == converting_touches && r >= 2;
            if n_tp > 1 && (carries_all || (worded && r >= 5 && 2 * c > r)) {
                out.push(format!(
                    "touchpoint {name:?} looks like the conversion itself ({c} of its {r} rows are conversions): \
                     as a touchpoint it takes the credit of the conversions it marks; if it is the conversion event, \
                     pass conversion_event={name:?} to make its rows conversions instead of touches"
                ));
            }
        }
        out
    }

    /// Read events from a CSV file; a gzip-compressed file (found by its magic bytes) is
    /// decompressed as it is read.
    pub fn read_csv_path(path: impl AsRef<std::path::Path>, opts: &EventCsvOptions) -> Result<Self> {
        let p = path.as_ref();
        let f = std::fs::File::open(p).map_err(|e| Error::Io { path: p.display().to_string(), source: e })?;
        match csvutil::sniff_file(p)? {
            csvutil::Compression::Gzip => {
                let gz = flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 20, f));
                Self::read_csv(std::io::BufReader::with_capacity(1 << 20, gz), opts)
            }
            csvutil::Compression::Zstd => Err(csvutil::zstd_error(&p.display().to_string())),
            csvutil::Compression::None => Self::read_csv(std::io::BufReader::with_capacity(1 << 20, f), opts),
        }
    }
}

fn optional_column(header: &Header, explicit: Option<&str>, default: &str) -> Result<Option<usize>> {
    match explicit {
        Some(name) => header.require(name).map(Some),
        None => Ok(header.find(default)),
    }
}

fn check_feedback(loc: Location, f: f32) -> Result<()> {
    if f.is_nan() || (0.0..=10.0).contains(&f) {
        Ok(())
    } else {
        Err(Error::invalid(
            "feedback",
            loc,
            f.to_string(),
            "feedback score must be within 0..=10 (NPS) or 1..=5 (CSAT)",
        ))
    }
}

/// How conversions are marked in an events CSV.
#[derive(Debug, Clone, PartialEq)]
pub enum ConversionSpec {
    /// A boolean column (1/0, true/false, yes/no): a row with the flag set is a converting touch;
    /// with an empty touchpoint cell it is a pure conversion.
    Flag(String),
    /// Rows whose touchpoint equals `label` are pure conversions (e.g. `"purchase"`).
    Rows {
        /// The touchpoint label that marks a conversion row.
        label: String,
    },
    /// No conversions in the file (browsing data only).
    None,
}

impl ConversionSpec {
    /// The spec the faces' two optional options describe: a `label` (rows with that touchpoint
    /// are conversions) wins over a `flag` column; neither means no conversions.
    ///
    /// ```
    /// use touchpoint_core::ConversionSpec;
    /// assert_eq!(ConversionSpec::from_options(Some("converted".into()), None), ConversionSpec::Flag("converted".into()));
    /// assert_eq!(ConversionSpec::from_options(None, Some("purchase".into())), ConversionSpec::Rows { label: "purchase".into() });
    /// ```
    pub fn from_options(flag: Option<String>, label: Option<String>) -> Self {
        match (label, flag) {
            (Some(label), _) => ConversionSpec::Rows { label },
            (None, Some(c)) => ConversionSpec::Flag(c),
            (None, None) => ConversionSpec::None,
        }
    }
}

/// Options of [`EventTable::read_csv`].
#[derive(Debug, Clone, PartialEq)]
pub struct EventCsvOptions {
    /// Customer key column (default `customer_id`).
    pub customer: String,
    /// Touchpoint column (default `touchpoint`).
    pub touchpoint: String,
    /// Timestamp column (default `timestamp`).
    pub time: String,
    /// How timestamps are written (default: epoch milliseconds or ISO 8601).
    pub time_format: TimeFormat,
    /// How conversions are marked (default: flag column `converted`).
    pub conversion: ConversionSpec,
    /// Conversion value column; `None` uses `value` when the header has it.
    pub value: Option<String>,
    /// Feedback score column; `None` uses `feedback` when the header has it.
    pub feedback: Option<String>,
    /// Field delimiter (default `,`).
    pub delimiter: u8,
}

impl Default for EventCsvOptions {
    fn default() -> Self {
        Self {
            customer: "customer_id".into(),
            touchpoint: "touchpoint".into(),
            time: "timestamp".into(),
            time_format: TimeFormat::default(),
            conversion: ConversionSpec::Flag("converted".into()),
            value: None,
            feedback: None,
            delimiter: b',',
        }
    }
}

/// A customer key: text or an integer id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerKey<'a> {
    /// A text key.
    Str(&'a str),
    /// An integer id (named by its decimal form).
    Int(i64),
    /// An unsigned integer id (named by its decimal form: `u64` ids above `i64::MAX` keep
    /// their value).
    UInt(u64),
}

/// One event, borrowed, for [`EventTableBuilder::push`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event<'a> {
    /// Customer key.
    pub customer: &'a str,
    /// Touchpoint name; `None` for a pure conversion.
    pub touchpoint: Option<&'a str>,
    /// Epoch milliseconds.
    pub time: i64,
    /// Whether the customer converted at this event.
    pub converted: bool,
    /// Conversion value; on a non-converting row it only counts if the row is later made a
    /// conversion ([`EventTable::with_conversion_events`]), and an unusable one is stored as 0.
    pub value: f64,
    /// Feedback score (NPS 0–10 or CSAT 1–5).
    pub feedback: Option<f32>,
}

/// Row-by-row builder of an [`EventTable`]; see [`EventTable::builder`].
#[derive(Debug, Default)]
pub struct EventTableBuilder {
    table: EventTable,
    customers: Interner,
    int_customers: HashMap<i64, u32>,
    /// The customer of the previous row (logs are usually grouped by customer).
    last_customer: Option<u32>,
    /// The same for integer keys: (key, code).
    last_int: Option<(i64, u32)>,
    any_feedback: bool,
    feedback: Vec<f32>,
}

impl EventTableBuilder {
    /// Push a non-converting touch.
    pub fn touch(&mut self, customer: &str, touchpoint: &str, time: i64) -> Result<&mut Self> {
        self.push(Event { customer, touchpoint: Some(touchpoint), time, converted: false, value: 0.0, feedback: None })
    }

    /// Push a pure conversion (no touchpoint) with its value.
    pub fn conversion(&mut self, customer: &str, time: i64, value: f64) -> Result<&mut Self> {
        self.push(Event { customer, touchpoint: None, time, converted: true, value, feedback: None })
    }

    /// Push any event.
    pub fn push(&mut self, e: Event<'_>) -> Result<&mut Self> {
        let row = self.table.len();
        self.push_at(Location::Row(row), e)
    }

    fn push_at(&mut self, loc: Location, e: Event<'_>) -> Result<&mut Self> {
        self.push_keyed_at(loc, CustomerKey::Str(e.customer), e.touchpoint, e.time, e.converted, e.value, e.feedback)
    }

    /// Push a row whose customer key is a string or an integer (integers are named by their
    /// decimal form, so `5` and `"5"` are the same customer). The entry point of bulk loaders
    /// (Arrow columns): no per-row allocation once a customer is known.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn push_keyed(
        &mut self,
        customer: CustomerKey<'_>,
        touchpoint: Option<&str>,
        time: i64,
        converted: bool,
        value: f64,
        feedback: Option<f32>,
    ) -> Result<&mut Self> {
        let row = self.table.len();
        self.push_keyed_at(Location::Row(row), customer, touchpoint, time, converted, value, feedback)
    }

    #[inline]
    fn customer_code(&mut self, loc: &Location, key: CustomerKey<'_>) -> Result<u32> {
        match key {
            CustomerKey::Str(s) => {
                if let Some(c) = self.last_customer
                    && self.customers.names.get(c as usize) == Some(s)
                {
                    return Ok(c);
                }
                if s.is_empty() {
                    return Err(Error::invalid("customer", loc.clone(), "", "customer key must not be empty"));
                }
                crate::cells::name("customer", loc.clone(), s)?;
                let code = self.customers.intern(s);
                self.last_customer = Some(code);
                Ok(code)
            }
            CustomerKey::Int(v) => {
                if let Some((last, c)) = self.last_int
                    && last == v
                {
                    return Ok(c);
                }
                let c = match self.int_customers.get(&v) {
                    Some(&c) => c,
                    None => {
                        let mut digits = itoa::Buffer::new();
                        let c = self.customers.intern(digits.format(v));
                        self.int_customers.insert(v, c);
                        c
                    }
                };
                self.last_int = Some((v, c));
                Ok(c)
            }
            CustomerKey::UInt(v) => match i64::try_from(v) {
                Ok(v) => self.customer_code(loc, CustomerKey::Int(v)),
                Err(_) => self.customer_code(loc, CustomerKey::Str(itoa::Buffer::new().format(v))),
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn push_keyed_at(
        &mut self,
        loc: Location,
        customer: CustomerKey<'_>,
        touchpoint: Option<&str>,
        time: i64,
        converted: bool,
        value: f64,
        feedback: Option<f32>,
    ) -> Result<&mut Self> {
        let e = Event { customer: "", touchpoint, time, converted, value, feedback };
        let tp = match e.touchpoint {
            Some("") => return Err(Error::invalid("touchpoint", loc, "", "touchpoint name must not be empty")),
            Some(name) => match self.table.catalog.get(name) {
                Some(id) => id.0,
                None => {
                    crate::cells::name("touchpoint", loc.clone(), name)?;
                    self.table.catalog.intern(name).0
                }
            },
            None if e.converted => NO_TOUCHPOINT,
            None => return Err(Error::invalid("touchpoint", loc, "", "a row with no touchpoint must be a conversion")),
        };
        // NaN is a missing value (an error on a converting row); a touch keeps a usable value
        // (it counts once the touch is made a conversion by `with_conversion_events`)
        let value = crate::cells::value("value", loc.clone(), Some(e.value), e.converted)?;
        let fb = match e.feedback {
            Some(f) => {
                check_feedback(loc.clone(), f)?;
                self.any_feedback = true;
                f
            }
            None => f32::NAN,
        };
        let cust = self.customer_code(&loc, customer)?;
        let t = &mut self.table;
        t.customer.push(cust);
        t.touchpoint.push(tp);
        t.time.push(e.time);
        t.converted.push(e.converted);
        t.value.push(value);
        self.feedback.push(fb);
        Ok(self)
    }

    /// Use (and extend) this catalog, e.g. one loaded with attributes.
    pub fn with_catalog(mut self, catalog: Catalog) -> Self {
        let mut catalog = catalog;
        let remap = catalog.absorb(&self.table.catalog);
        for t in &mut self.table.touchpoint {
            if *t != NO_TOUCHPOINT {
                *t = remap[*t as usize].0;
            }
        }
        self.table.catalog = catalog;
        self
    }

    /// Reserve room for `rows` more rows (bulk loaders know their size).
    pub fn reserve(&mut self, rows: usize) {
        let t = &mut self.table;
        t.customer.reserve(rows);
        t.touchpoint.reserve(rows);
        t.time.reserve(rows);
        t.converted.reserve(rows);
        t.value.reserve(rows);
        self.feedback.reserve(rows);
        // event logs carry a few events per customer: room for rows/4 customers avoids most
        // rehashing of the customer index while it grows
        self.customers.reserve(rows / 4);
    }

    /// Rows pushed so far.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The table of the rows pushed so far, leaving the builder usable (copies the columns).
    pub fn snapshot(&self) -> Result<EventTable> {
        Self {
            table: self.table.clone(),
            customers: self.customers.clone(),
            int_customers: HashMap::new(),
            last_customer: None,
            last_int: None,
            any_feedback: self.any_feedback,
            feedback: self.feedback.clone(),
        }
        .finish()
    }

    /// Finish. Fails with [`Error::EmptyInput`] when nothing was pushed.
    pub fn finish(mut self) -> Result<EventTable> {
        if self.table.is_empty() {
            return Err(Error::EmptyInput { what: "events", hint: "event (customer, touchpoint, timestamp)" });
        }
        if self.any_feedback {
            self.table.feedback = Some(self.feedback);
        }
        self.table.customer_names = Arc::new(self.customers.names);
        self.table.canonicalize();
        Ok(self.table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Integer keys name the customer by their decimal form, whether they repeat at once,
    /// come back later or arrive as strings.
    #[test]
    fn integer_customer_keys() {
        let mut b = EventTable::builder();
        for (i, k) in [
            CustomerKey::Int(5),
            CustomerKey::Int(5),
            CustomerKey::Int(-7),
            CustomerKey::Int(5),
            CustomerKey::Str("5"),
            CustomerKey::Str("-7"),
            CustomerKey::Int(i64::MIN),
        ]
        .into_iter()
        .enumerate()
        {
            b.push_keyed(k, Some("ad"), i as i64, false, 0.0, None).unwrap();
        }
        let t = b.finish().unwrap();
        let names: Vec<&str> = t.customers().iter().map(|&c| t.customer_names().get(c as usize).unwrap()).collect();
        assert_eq!(names, ["5", "5", "-7", "5", "5", "-7", "-9223372036854775808"]);
    }

    #[test]
    fn bad_rows_are_named() {
        let mut b = EventTable::builder();
        b.touch("a", "x", 0).unwrap();
        let e = b
            .push(Event { customer: "a", touchpoint: None, time: 1, converted: true, value: f64::NAN, feedback: None })
            .unwrap_err();
        assert!(e.to_string().contains("`value` at row 1"), "{e}");
        let e = b
            .push(Event { customer: "a", touchpoint: Some("x"), time: 1, converted: true, value: -1.0, feedback: None })
            .unwrap_err();
        assert!(e.to_string().contains("-1"), "{e}");
        let e = b.touch("a", "", 3).unwrap_err();
        assert!(e.to_string().contains("touchpoint"), "{e}");
        assert!(matches!(EventTable::builder().finish(), Err(Error::EmptyInput { .. })));
    }

    #[test]
    fn csv_errors() {
        let o = EventCsvOptions::default();
        let e = EventTable::read_csv("customer_id,touchpoint,timestamp,converted\nc,x,soon,0\n".as_bytes(), &o)
            .unwrap_err();
        let m = e.to_string();
        assert!(m.contains("`timestamp`") && m.contains("line 2") && m.contains("soon"), "{m}");
        let e = EventTable::read_csv("customer,touchpoint,timestamp,converted\nc,x,1,0\n".as_bytes(), &o).unwrap_err();
        assert!(matches!(e, Error::MissingColumn { ref name, .. } if name == "customer_id"), "{e}");
        let e = EventTable::read_csv("customer_id,touchpoint,timestamp,converted,value\nc,x,1,1,NaN\n".as_bytes(), &o)
            .unwrap_err();
        assert!(e.to_string().contains("`value` at line 2"), "{e}");
        let e = EventTable::read_csv("customer_id,touchpoint,timestamp,converted\n".as_bytes(), &o).unwrap_err();
        assert!(matches!(e, Error::EmptyInput { .. }));
        let e =
            EventTable::read_csv("customer_id,touchpoint,timestamp,converted,touchpoint\n".as_bytes(), &o).unwrap_err();
        assert!(matches!(e, Error::DuplicateColumn { .. }), "{e}");
    }

    #[test]
    fn leading_blank_lines_are_skipped_like_the_path_reader_does() {
        // the path reader and the events reader both skip blank lines before the header (and
        // between rows) and name physical lines in errors
        let o = EventCsvOptions::default();
        for lead in ["\n", "\r\n\r\n", "\r", "\n\n"] {
            let ev = EventTable::read_csv(
                format!("{lead}customer_id,touchpoint,timestamp,converted\nc,x,1,0\n\nc,y,2,1\n").as_bytes(),
                &o,
            )
            .unwrap();
            assert_eq!(ev.len(), 2, "{lead:?}");
            let e = EventTable::read_csv(
                format!("{lead}customer_id,touchpoint,timestamp,converted\nc,x,1,0\nc,y,2,maybe\n").as_bytes(),
                &o,
            )
            .unwrap_err();
            let line = 3 + lead.matches('\n').count();
            assert!(e.to_string().contains(&format!("line {line}")), "{lead:?}: {e}");
            let paths = format!("{lead}path,total_conversions\na,1\nb,-1\n");
            let pe = crate::PathTable::read_csv_bytes(paths.as_bytes(), &crate::PathCsvOptions::default()).unwrap_err();
            assert!(pe.to_string().contains(&format!("line {line}:")), "{lead:?}: {pe}");
        }
        let e = EventTable::read_csv(" \ncustomer_id,touchpoint,timestamp\nc,x,1\n".as_bytes(), &o).unwrap_err();
        let pe = crate::PathTable::read_csv_bytes(" \npath,total_conversions\na,1\n".as_bytes(), &Default::default())
            .unwrap_err();
        assert_eq!((e.kind(), pe.kind()), (crate::ErrorKind::EmptyInput, crate::ErrorKind::EmptyInput));
    }

    #[test]
    fn huge_values_are_refused() {
        // found by the events_csv fuzz target: a value of 2.7e150 overflowed the journeys'
        // fixed-point sum of conversions without touches (a panic in debug builds)
        let o = EventCsvOptions::default();
        let csv = format!("customer_id,touchpoint,timestamp,converted,value\nc,x,1,0,\nc,,2,1,2{}\n", "7".repeat(150));
        let e = EventTable::read_csv(csv.as_bytes(), &o).unwrap_err();
        assert!(matches!(&e, Error::InvalidValue { column, .. } if column == "value"), "{e}");
        assert!(e.to_string().contains("at most 1e15") && e.to_string().contains("line 3"), "{e}");
        let mut b = EventTable::builder();
        assert!(b.conversion("c", 1, 1e15).is_ok());
        assert!(b.conversion("c", 2, 1.01e15).is_err());
        // a touch with an unusable value keeps 0, as with a negative one
        b.push(Event { customer: "c", touchpoint: Some("x"), time: 0, converted: false, value: 1e300, feedback: None })
            .unwrap();
        assert_eq!(b.finish().unwrap().values(), [1e15, 0.0]);
    }

    #[test]
    fn conversion_rows() {
        let o = EventCsvOptions { conversion: ConversionSpec::Rows { label: "purchase".into() }, ..Default::default() };
        let ev =
            EventTable::read_csv("customer_id,touchpoint,timestamp,value\nc,x,1,\nc,purchase,2,9.5\n".as_bytes(), &o)
                .unwrap();
        assert_eq!(ev.touchpoints()[1], NO_TOUCHPOINT);
        assert!(ev.converted()[1]);
        assert_eq!(ev.catalog().names(), ["x"]);
    }
}
