//! Path tables: `touchpoint_path_table`, distinct paths with conversions, nulls and value (core
//! [`PathTable`]), with their CSV form, top paths and Sankey flows.

use std::ffi::c_char;

use touchpoint_core::{PathCsvOptions, PathRank, PathTable, parse_separator};

use crate::ffi::{free_box, give, out, text, try_enum, try_mut, try_opt_ref, try_opt_str, try_ref, try_str};
use crate::journeys::touchpoint_journeys;
use crate::json;
use crate::panic::boundary;
use crate::result::{FfiError, touchpoint_result};

/// A path table: distinct paths with conversions, nulls and value.
pub struct touchpoint_path_table {
    pub(crate) inner: PathTable,
}

/// How `touchpoint_path_table_top_paths_json` ranks paths; the values are the core's
/// `PathRank` codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum touchpoint_path_rank {
    /// Most journeys (conversions + nulls).
    Journeys = 0,
    /// Most conversions.
    Conversions = 1,
    /// Most conversion value.
    Value = 2,
}

/// How to read a path CSV (see `touchpoint_path_csv_options_default`). Strings are UTF-8 with
/// a length; a NULL string (length 0) keeps the default.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct touchpoint_path_csv_options {
    /// Path column (default `path`).
    pub path: *const c_char,
    /// Length of `path`.
    pub path_len: usize,
    /// Conversions column (default `total_conversions`).
    pub conversions: *const c_char,
    /// Length of `conversions`.
    pub conversions_len: usize,
    /// Non-conversions column (default: `total_null` when the header has it, else 0).
    pub nulls: *const c_char,
    /// Length of `nulls`.
    pub nulls_len: usize,
    /// Conversion value column (default: `total_conversion_value` when the header has it, else 0).
    pub value: *const c_char,
    /// Length of `value`.
    pub value_len: usize,
    /// Separator between touchpoints in a path (default `>`; tokens are trimmed, empty tokens
    /// dropped).
    pub separator: *const c_char,
    /// Length of `separator`.
    pub separator_len: usize,
    /// Field delimiter, one ASCII character other than a newline or `"` (0 for `,`).
    pub delimiter: u8,
}

impl touchpoint_path_csv_options {
    fn to_core(self) -> Result<PathCsvOptions, FfiError> {
        let mut o = PathCsvOptions::default();
        if let Some(s) = try_opt_str!(self.path, self.path_len, "options.path") {
            o.path = s.into();
        }
        if let Some(s) = try_opt_str!(self.conversions, self.conversions_len, "options.conversions") {
            o.conversions = s.into();
        }
        o.nulls = try_opt_str!(self.nulls, self.nulls_len, "options.nulls").map(Into::into);
        o.value = try_opt_str!(self.value, self.value_len, "options.value").map(Into::into);
        if let Some(s) = try_opt_str!(self.separator, self.separator_len, "options.separator") {
            o.separator = s.into(); // checked by the reader
        }
        if self.delimiter != 0 {
            o.delimiter = crate::events::delimiter(self.delimiter)?;
        }
        Ok(o)
    }

    /// The common form `path,total_conversions,total_conversion_value,total_null`, `>` between
    /// touchpoints, comma between fields.
    ///
    /// @return the defaults. Thread-safe.
    #[unsafe(no_mangle)]
    pub extern "C" fn touchpoint_path_csv_options_default() -> touchpoint_path_csv_options {
        let none = std::ptr::null();
        touchpoint_path_csv_options {
            path: none,
            path_len: 0,
            conversions: none,
            conversions_len: 0,
            nulls: none,
            nulls_len: 0,
            value: none,
            value_len: 0,
            separator: none,
            separator_len: 0,
            delimiter: 0,
        }
    }
}

impl touchpoint_path_table {
    /// Create an empty path table.
    ///
    /// @param out receives the new handle (free with `touchpoint_path_table_free`)
    /// @return OK or NULL_PARAMETER. Thread-safe.
    ///
    /// # Safety
    /// `out` must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_path_table_new(out: *mut *mut touchpoint_path_table) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_path_table { inner: PathTable::default() }))
    }

    /// Add a path like `"search > email > store"` (tokens trimmed, empty tokens dropped);
    /// identical paths are merged.
    ///
    /// @param paths the table (exclusive access during the call)
    /// @param path, path_len the path text
    /// @param separator, separator_len the separator (e.g. `">"`)
    /// @param conversions, nulls, value finite and >= 0
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (empty or multi-line
    ///         separator); INVALID_VALUE (empty path, negative count, NaN)
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths; `paths` not used by another thread
    /// during the call.
    #[unsafe(no_mangle)]
    #[allow(clippy::too_many_arguments)]
    pub unsafe extern "C" fn touchpoint_path_table_add(
        paths: *mut touchpoint_path_table,
        path: *const c_char,
        path_len: usize,
        separator: *const c_char,
        separator_len: usize,
        conversions: f64,
        nulls: f64,
        value: f64,
    ) -> touchpoint_result {
        boundary(|| {
            let p = try_mut!(paths);
            let path = try_str!(path, path_len);
            let sep = parse_separator(try_str!(separator, separator_len))?;
            p.inner.add_path_str(path, sep, conversions, nulls, value)?;
            Ok(())
        })
    }

    /// Read a path CSV file (by default `path,total_conversions,total_conversion_value,total_null`).
    ///
    /// @param path, path_len the file path
    /// @param options column names, separator and delimiter; NULL for the defaults
    /// @param out receives the new handle (free with `touchpoint_path_table_free`)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (empty separator, bad
    ///         delimiter); IO; SCHEMA;
    ///         INVALID_VALUE (names line, column, value); EMPTY_INPUT. Thread-safe.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths; `options`' string pointers likewise.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_path_table_read_csv(
        path: *const c_char,
        path_len: usize,
        options: *const touchpoint_path_csv_options,
        out: *mut *mut touchpoint_path_table,
    ) -> touchpoint_result {
        boundary(|| {
            let path = try_str!(path, path_len);
            let o = try_opt_ref!(options)
                .copied()
                .unwrap_or_else(|| touchpoint_path_csv_options::touchpoint_path_csv_options_default());
            let inner = PathTable::read_csv_path(path, &o.to_core()?)?;
            give!(out, touchpoint_path_table { inner })
        })
    }

    /// Aggregate journeys into a path table.
    ///
    /// @param journeys the journeys (read-only)
    /// @param out receives the new handle (free with `touchpoint_path_table_free`)
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_path_table_from_journeys(
        journeys: *const touchpoint_journeys,
        out: *mut *mut touchpoint_path_table,
    ) -> touchpoint_result {
        boundary(|| give!(out, touchpoint_path_table { inner: PathTable::from_journeys(&try_ref!(journeys).inner) }))
    }

    /// Merge two path tables into a new one: touchpoints matched by name, repeated paths summed.
    /// Merging tables built from disjoint customers equals building one from all of them.
    ///
    /// @param a, b the tables (read-only)
    /// @param out receives the new handle (free with `touchpoint_path_table_free`)
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_path_table_merge(
        a: *const touchpoint_path_table,
        b: *const touchpoint_path_table,
        out: *mut *mut touchpoint_path_table,
    ) -> touchpoint_result {
        boundary(|| {
            let (a, b) = (try_ref!(a), try_ref!(b));
            give!(out, touchpoint_path_table { inner: a.inner.merge(&b.inner) })
        })
    }

    /// Write a path table as CSV in the form `touchpoint_path_table_read_csv` reads by default
    /// (`path,total_conversions,total_conversion_value,total_null`).
    ///
    /// @param paths the table
    /// @param path, path_len the file path (created or truncated)
    /// @param separator, separator_len separator written between touchpoints (e.g. `">"`)
    /// @return OK; NULL_PARAMETER; INVALID_UTF8; INVALID_ARGUMENT (empty or blank separator);
    ///         IO. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid for their lengths.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_path_table_write_csv(
        paths: *const touchpoint_path_table,
        path: *const c_char,
        path_len: usize,
        separator: *const c_char,
        separator_len: usize,
    ) -> touchpoint_result {
        boundary(|| {
            let p = try_ref!(paths);
            let path = try_str!(path, path_len);
            // the writer pads the trimmed separator with spaces: that one must be a separator
            let sep = parse_separator(try_str!(separator, separator_len).trim())?;
            let io = |e| touchpoint_core::Error::Io { path: path.to_owned(), source: e };
            let f = std::fs::File::create(path).map_err(io)?;
            p.inner.write_csv(std::io::BufWriter::new(f), sep)?;
            Ok(())
        })
    }

    /// The `k` top paths as a JSON array of `{"path", "touches", "journeys", "conversions",
    /// "value", "conversion_rate", "remainder"}` (core `TopPath` rows), plus a final
    /// `"(other N paths)"` row with `"remainder": true` for the rest, so the rows sum to the
    /// table's totals.
    ///
    /// @param paths the table
    /// @param k how many paths
    /// @param by a `touchpoint_path_rank` value (passed as an integer and checked)
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; NULL_PARAMETER; INVALID_ARGUMENT (unknown `by`); BUFFER_TOO_SMALL.
    ///         Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid; `buf` valid for `len` bytes.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_path_table_top_paths_json(
        paths: *const touchpoint_path_table,
        k: usize,
        by: u32,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| {
            let p = try_ref!(paths);
            text!(json::rows(&p.inner.top_paths(k, try_enum!(PathRank, by)))?, buf, len, out_n)
        })
    }

    /// Step-by-step Sankey diagram data of the paths, `{"nodes": [{"label", "step",
    /// "touchpoint"}], "links": [{"source", "target", "journeys", "conversions"}]}`: the `top_k`
    /// touchpoints of each of the first `max_steps` steps, the rest as "other", and every path's
    /// outcome, so the outcome links sum to the journeys.
    ///
    /// @param paths the table
    /// @param max_steps steps shown (>= 1)
    /// @param top_k touchpoints with their own node per step
    /// @param buf, len, out_n as `touchpoint_comparison_to_json`
    /// @return OK; NULL_PARAMETER; INVALID_ARGUMENT (max_steps = 0); BUFFER_TOO_SMALL.
    ///         Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// As `touchpoint_path_table_top_paths_json`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_path_table_sankey_json(
        paths: *const touchpoint_path_table,
        max_steps: usize,
        top_k: usize,
        buf: *mut c_char,
        len: usize,
        out_n: *mut usize,
    ) -> touchpoint_result {
        boundary(|| text!(json::value(&try_ref!(paths).inner.sankey(max_steps, top_k)?)?, buf, len, out_n))
    }

    /// Number of distinct paths.
    ///
    /// @param paths the table
    /// @param out receives the count
    /// @return OK or NULL_PARAMETER. Thread-safe for concurrent readers.
    ///
    /// # Safety
    /// Pointers must be NULL or valid.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_path_table_len(
        paths: *const touchpoint_path_table,
        out: *mut usize,
    ) -> touchpoint_result {
        boundary(|| out!(out, try_ref!(paths).inner.len()))
    }

    /// Free a path table. NULL is a no-op.
    ///
    /// # Safety
    /// `paths` must be NULL or a handle from this library, not freed before and not in use.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn touchpoint_path_table_free(paths: *mut touchpoint_path_table) {
        free_box!(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::assert_same_codes;

    #[test]
    fn path_rank_codes_are_the_core_codes() {
        assert_same_codes!(touchpoint_path_rank, PathRank { Journeys, Conversions, Value });
    }
}
