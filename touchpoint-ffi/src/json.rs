//! The JSON texts of the `*_json` exports: always `serde_json` of a core struct or of core result
//! rows ([`touchpoint_core::rows`]), so every key is a core field name and the C face cannot
//! drift from the Rust and Python ones.

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::Value;
use touchpoint_core::rows::{Column, Row};

use crate::result::FfiError;

/// A core value as pretty-printed JSON.
pub(crate) fn value<T: Serialize + ?Sized>(v: &T) -> Result<String, FfiError> {
    Ok(serde_json::to_string_pretty(v)?)
}

/// Result rows as a JSON array of objects keyed by the row's columns ([`Row::COLUMNS`], in
/// order). An optional column ([`Row::OPTIONAL`]) that no row has a value for is left out, as
/// the other faces leave it out of their tables.
pub(crate) fn rows<R: Row + Serialize>(rows: &[R]) -> Result<String, FfiError> {
    value(&Table(rows))
}

/// Result rows that serialise as [`rows`] writes them: to put a table inside a larger JSON
/// object.
pub(crate) struct Table<'a, R>(pub &'a [R]);

impl<R: Row + Serialize> Serialize for Table<'_, R> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let values: Vec<Value> =
            self.0.iter().map(serde_json::to_value).collect::<Result<_, _>>().map_err(serde::ser::Error::custom)?;
        let absent = |col: &str| values.iter().all(|v| v.get(col).is_none_or(Value::is_null));
        let columns: Vec<&'static str> =
            R::COLUMNS.iter().map(|c| c.name).filter(|c| !(R::OPTIONAL.contains(c) && absent(c))).collect();
        s.collect_seq(values.iter().map(|v| Ordered { all: R::COLUMNS, columns: &columns, row: v }))
    }
}

/// One row, its keys in column order (serde_json's own maps sort their keys). Nothing is made
/// up or lost: a column the row lacks is not written, a key that is no column comes last.
struct Ordered<'a> {
    all: &'static [Column],
    columns: &'a [&'static str],
    row: &'a Value,
}

impl Serialize for Ordered<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Value::Object(fields) = self.row else { return self.row.serialize(s) };
        let mut m = s.serialize_map(None)?;
        for c in self.columns {
            if let Some(v) = fields.get(*c) {
                m.serialize_entry(c, v)?;
            }
        }
        for (k, v) in fields {
            if !self.all.iter().any(|c| c.name == k) {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}
