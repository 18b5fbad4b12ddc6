//! Reading and writing path CSV files. Plain (unquoted) input goes to the parallel reader
//! ([`csv_parallel`](super::csv_parallel)); quoted fields, ragged rows and whatever else it
//! leaves go to the `csv` crate, whose reading defines the result.

use std::io::Read;

use super::csv_parallel::{self, Streamed};
use super::{PathCsvOptions, PathTable, split_path};
use crate::catalog::{Catalog, TouchpointId};
use crate::csvutil::{self, Header};
use crate::error::{Error, Location, Result};

impl PathTable {
    /// Read a path CSV (see [`PathCsvOptions`]). Errors name the line, column and value.
    pub fn read_csv<R: Read>(mut reader: R, opts: &PathCsvOptions) -> Result<Self> {
        let mut data = Vec::new();
        reader.read_to_end(&mut data).map_err(|e| Error::Io { path: "<reader>".into(), source: e })?;
        Self::read_csv_bytes(&data, opts)
    }

    /// Read a path CSV held in memory. Plain (unquoted) files are parsed in parallel chunks;
    /// the result, including catalog order and error lines, is that of the sequential reader.
    pub fn read_csv_bytes(data: &[u8], opts: &PathCsvOptions) -> Result<Self> {
        crate::csvutil::parse_separator(&opts.separator)?;
        match csvutil::compression_of(data) {
            csvutil::Compression::Gzip => return Self::read_csv_bytes(&csvutil::gunzip_bytes(data)?, opts),
            csvutil::Compression::Zstd => return Err(csvutil::zstd_error("<data>")),
            csvutil::Compression::None => {}
        }
        if let Some(t) = csv_parallel::read_bytes(data, opts) {
            return t;
        }
        Self::read_csv_sequential(data, opts)
    }

    /// The `csv` crate's reading of a path CSV (quoted fields, any layout).
    pub(super) fn read_csv_sequential(data: &[u8], opts: &PathCsvOptions) -> Result<Self> {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(opts.delimiter)
            .flexible(false)
            .from_reader(csvutil::LineCounting::new(data));
        let rec = rdr.byte_headers()?.clone();
        let header = Header::from_names(
            rec.iter().map(|s| String::from_utf8_lossy(s).trim().trim_start_matches('\u{feff}').to_owned()),
        )?;
        let c_path = header.require(&opts.path)?;
        let c_conv = header.require(&opts.conversions)?;
        let c_null = match &opts.nulls {
            Some(n) => Some(header.require(n)?),
            None => header.find("total_null"),
        };
        let c_val = match &opts.value {
            Some(n) => Some(header.require(n)?),
            None => header.find("total_conversion_value"),
        };
        let null_name = opts.nulls.as_deref().unwrap_or("total_null");
        let val_name = opts.value.as_deref().unwrap_or("total_conversion_value");
        let mut t = PathTable::new(Catalog::new());
        let mut rec = csv::ByteRecord::new();
        let mut ids: Vec<TouchpointId> = Vec::with_capacity(64);
        let mut sep_chars = opts.separator.chars();
        let sep_char = match (sep_chars.next(), sep_chars.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        };
        while rdr.read_byte_record(&mut rec)? {
            let line = csvutil::record_line(&mut rdr, rec.as_slice());
            let loc = || Location::Line(line);
            let field = |c: usize, name: &str| -> Result<&str> {
                std::str::from_utf8(rec.get(c).unwrap_or(b"")).map_err(|_| {
                    Error::invalid(name, loc(), String::from_utf8_lossy(rec.get(c).unwrap_or(b"")), "not valid UTF-8")
                })
            };
            let path = field(c_path, &opts.path)?;
            crate::cells::name(&opts.path, loc(), path)?;
            ids.clear();
            let mut push = |name: &str| {
                ids.push(match t.catalog.get(name) {
                    Some(id) => id,
                    None => t.catalog.intern(name),
                })
            };
            match sep_char {
                Some(c) => path.split(c).map(str::trim).filter(|s| !s.is_empty()).for_each(&mut push),
                None => split_path(path, &opts.separator).for_each(&mut push),
            }
            if ids.is_empty() {
                return Err(Error::invalid(opts.path.as_str(), loc(), path, "empty path: it has no touchpoints"));
            }
            let conv = csvutil::parse_nonneg(&opts.conversions, loc(), field(c_conv, &opts.conversions)?)?;
            let nulls = match c_null {
                Some(c) => num_or_empty(null_name, loc(), field(c, null_name)?)?,
                None => 0.0,
            };
            let value = match c_val {
                Some(c) => num_or_empty(val_name, loc(), field(c, val_name)?)?,
                None => 0.0,
            };
            t.add_unchecked(&ids, conv, nulls, value);
        }
        if t.is_empty() {
            return Err(Error::EmptyInput { what: "path table", hint: "path row (path, conversions, nulls, value)" });
        }
        Ok(t)
    }

    /// Read a path CSV file; a gzip-compressed file (found by its magic bytes, whatever its
    /// name) is decompressed first.
    ///
    /// Plain (unquoted) files are streamed: read in blocks of a few megabytes, each parsed in
    /// parallel while the previous one is added to the table, so memory stays at a few blocks
    /// plus the table (and 4 bytes per row read). Other files are read whole by the `csv` crate.
    pub fn read_csv_path(path: impl AsRef<std::path::Path>, opts: &PathCsvOptions) -> Result<Self> {
        crate::csvutil::parse_separator(&opts.separator)?;
        let p = path.as_ref();
        let name = p.display().to_string();
        let io = |e: std::io::Error| Error::Io { path: name.clone(), source: e };
        match csvutil::sniff_file(p)? {
            // gzip: decompressed whole, then read like bytes in memory
            csvutil::Compression::Gzip => return Self::read_csv_bytes(&csvutil::gunzip_file(p)?, opts),
            csvutil::Compression::Zstd => return Err(csvutil::zstd_error(&name)),
            csvutil::Compression::None => {}
        }
        let mut file = std::fs::File::open(p).map_err(io)?;
        let fell_back = match csv_parallel::read_file(&mut file, opts, &name)? {
            Streamed::Read(result) => return result,
            Streamed::Fallback => true,
            Streamed::NotPlain => false,
        };
        // quoted, ragged or header-only files: the whole file through the csv crate
        let data = std::fs::read(p).map_err(io)?;
        if fell_back { Self::read_csv_sequential(&data, opts) } else { Self::read_csv_bytes(&data, opts) }
    }

    /// Write the table as CSV in the default form (`path,total_conversions,total_conversion_value,total_null`),
    /// touchpoints joined with `" {separator} "` (the separator trimmed).
    ///
    /// Reading the file back with that separator gives the same table, so a touchpoint name
    /// that could not come back is refused before anything is written: one that contains the
    /// separator (trimmed; a separator of white space only as it is), is empty, or has white
    /// space at either end (the reader trims path tokens) is an [`Error::InvalidValue`] naming
    /// the touchpoint.
    ///
    /// ```
    /// use touchpoint_core::{PathTable, ErrorKind};
    /// let mut t = PathTable::default();
    /// t.add_names(&["search >", "email"], 1.0, 0.0, 0.0)?;
    /// let e = t.write_csv(Vec::new(), ">").unwrap_err();
    /// assert_eq!(e.kind(), ErrorKind::InvalidValue);
    /// assert!(e.to_string().contains("search >"), "{e}");
    /// assert!(t.write_csv(Vec::new(), "|").is_ok());
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn write_csv<W: std::io::Write>(&self, writer: W, separator: &str) -> Result<()> {
        crate::csvutil::parse_separator(separator)?;
        let key = match separator.trim() {
            "" => separator,
            k => k,
        };
        // each touchpoint checked once, named with the first row that has it
        let mut checked = vec![false; self.catalog.len()];
        for (row, r) in self.iter().enumerate() {
            for &t in r.touchpoints {
                if std::mem::replace(&mut checked[t.index()], true) {
                    continue;
                }
                let name = self.catalog.name(t).unwrap_or("?");
                let why = if name.contains(key) {
                    "the touchpoint name contains the path separator, so it would be split when read back; \
                     write with another separator"
                } else if name.trim() != name || name.is_empty() {
                    "the touchpoint name is empty or has white space at either end, which the path reader trims"
                } else {
                    continue;
                };
                return Err(Error::invalid("touchpoint", Location::Row(row), name, why));
            }
        }
        // a separator with white space inside can also form across a name and the spaces
        // around it ("xa" + " a a " + "y" with "a a"): such rows are joined, split back and compared
        if key.contains(char::is_whitespace) {
            let sep = format!(" {key} ");
            for (row, r) in self.iter().enumerate() {
                let names: Vec<&str> = r.touchpoints.iter().map(|&t| self.catalog.name(t).unwrap_or("?")).collect();
                let joined = names.join(&sep);
                let back: Vec<&str> = super::split_path(&joined, key).collect();
                if back != names {
                    let k = names.iter().zip(&back).take_while(|(a, b)| a == b).count();
                    let name = names[k.min(names.len() - 1)];
                    let why = "the touchpoint name runs into the path separator around it, so the path would be \
                               split otherwise when read back; write with another separator";
                    return Err(Error::invalid("touchpoint", Location::Row(row), name, why));
                }
            }
        }
        let mut w = csv::Writer::from_writer(writer);
        w.write_record(["path", "total_conversions", "total_conversion_value", "total_null"])?;
        let sep = format!(" {key} ");
        for r in self.iter() {
            let names: Vec<&str> = r.touchpoints.iter().map(|&t| self.catalog.name(t).unwrap_or("?")).collect();
            w.write_record([names.join(&sep), r.conversions.to_string(), r.value.to_string(), r.nulls.to_string()])?;
        }
        w.flush().map_err(|e| Error::Io { path: "<writer>".into(), source: e })?;
        Ok(())
    }
}

fn num_or_empty(col: &str, loc: Location, s: &str) -> Result<f64> {
    if s.trim().is_empty() { Ok(0.0) } else { csvutil::parse_nonneg(col, loc, s) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_trimmed_and_empty_dropped() {
        let t =
            PathTable::read_csv("path,total_conversions\n\" a >> b > ,\",1\n".as_bytes(), &PathCsvOptions::default());
        // the quoted field contains a comma: `a`, `b`, `,`
        let t = t.unwrap();
        assert_eq!(t.catalog().names(), ["a", "b", ","]);
        let t = PathTable::read_csv(
            "path,total_conversions\nÄpfel|Straße,2\n".as_bytes(),
            &PathCsvOptions { separator: "|".into(), ..Default::default() },
        )
        .unwrap();
        assert_eq!(t.catalog().names(), ["Äpfel", "Straße"]);
    }

    #[test]
    fn bad_rows() {
        let o = PathCsvOptions::default();
        let e = PathTable::read_csv("path,total_conversions,total_null\na,1,-3\n".as_bytes(), &o).unwrap_err();
        assert!(e.to_string().contains("`total_null` at line 2") && e.to_string().contains("-3"), "{e}");
        let e = PathTable::read_csv("path,total_conversions\n > ,1\n".as_bytes(), &o).unwrap_err();
        assert!(e.to_string().contains("empty path"), "{e}");
        let e = PathTable::read_csv("path,total_conversions\n".as_bytes(), &o).unwrap_err();
        assert!(matches!(e, Error::EmptyInput { .. }));
        let e = PathTable::read_csv("path,conv\na,1\n".as_bytes(), &o).unwrap_err();
        assert!(matches!(e, Error::MissingColumn { .. }));
        let e = PathTable::read_csv("path,total_conversions\na,abc\n".as_bytes(), &o).unwrap_err();
        assert!(e.to_string().contains("abc"), "{e}");
    }

    #[test]
    fn csv_round_trip() {
        let mut t = PathTable::default();
        t.add_names(&["a", "b"], 2.0, 1.0, 30.5).unwrap();
        t.add_names(&["b"], 0.0, 4.0, 0.0).unwrap();
        let mut buf = Vec::new();
        t.write_csv(&mut buf, ">").unwrap();
        let back = PathTable::read_csv(buf.as_slice(), &PathCsvOptions::default()).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn names_that_cannot_come_back_are_refused() {
        let o = PathCsvOptions::default();
        for (name, sep) in [("a >", ">"), ("a > b", " > "), ("x>y", ">"), ("a|b", "|"), (" a", ">"), ("a\u{A0}", ">")] {
            let mut t = PathTable::default();
            t.add_names(&["ok", name], 1.0, 0.0, 0.0).unwrap();
            let mut buf = Vec::new();
            let e = t.write_csv(&mut buf, sep).unwrap_err();
            assert!(buf.is_empty(), "{name:?}: nothing is written");
            match &e {
                Error::InvalidValue { column, value, location, .. } => {
                    assert_eq!((column.as_str(), value.as_str(), location), ("touchpoint", name, &Location::Row(0)));
                }
                _ => panic!("{name:?}: {e:?}"),
            }
        }
        // quotes, commas and line breaks are the csv writer's to quote; another separator is fine
        let mut t = PathTable::default();
        t.add_names(&["a >", "say \"hi\", then\nleave", "x"], 1.0, 2.0, 0.5).unwrap();
        t.add_names(&["x"], 0.0, 1.0, 0.0).unwrap();
        let mut buf = Vec::new();
        t.write_csv(&mut buf, "|").unwrap();
        let back = PathTable::read_csv(buf.as_slice(), &PathCsvOptions { separator: "|".into(), ..o.clone() }).unwrap();
        assert_eq!((&back, back.catalog().names()), (&t, t.catalog().names()));
        assert!(t.write_csv(Vec::new(), "").is_err());
        // a separator with white space inside: names that run into it are refused too
        let mut t = PathTable::default();
        t.add_names(&["xa", "y"], 1.0, 0.0, 0.0).unwrap();
        let e = t.write_csv(Vec::new(), "a a").unwrap_err();
        assert!(matches!(&e, Error::InvalidValue { value, .. } if value == "xa"), "{e:?}");
        let mut buf = Vec::new();
        t.write_csv(&mut buf, "b b").unwrap();
        let o = PathCsvOptions { separator: "b b".into(), ..o };
        assert_eq!(PathTable::read_csv(buf.as_slice(), &o).unwrap(), t);
    }
}
