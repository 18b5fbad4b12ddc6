//! Reading C arguments and writing C outputs.
//!
//! Every raw pointer the API receives goes through one of the macros below. Each macro holds
//! the single `unsafe` block its cast needs, with the argument that makes it sound, and names
//! the offending C argument (by `stringify!`, or an explicit `"struct.field"`) in the error it
//! returns. They are used inside [`crate::panic::boundary`] closures: a failed check
//! `return`s an `Err(FfiError)` from the closure.
//!
//! | macro | reads | error |
//! |---|---|---|
//! | `try_ref!(p)` / `try_mut!(p)` | `&T` / `&mut T` from `*const T` / `*mut T` | NULL_PARAMETER |
//! | `try_opt_ref!(p)` | `Option<&T>` (NULL: absent, e.g. default options) | none |
//! | `try_slice!(p, n)` | `&[T]` of `n` elements | NULL_PARAMETER |
//! | `try_str!(p, len)` | `&str` of `len` bytes | NULL_PARAMETER, INVALID_UTF8 |
//! | `try_opt_str!(p, len)` | `Option<&str>` (NULL with length 0: absent) | as `try_str!` |
//! | `try_opt_str_list!(p, n)` | `Option<Vec<Option<&str>>>` from `n` NUL-terminated strings (NULL with `n` 0: absent; a NULL element: `None`) | NULL_PARAMETER, INVALID_UTF8 |
//! | `try_enum!(T, code)` | a core [`Named`](touchpoint_core::Named) enum from a `u32` | INVALID_ARGUMENT |
//! | `try_bool!(v)` | a `bool` from a `uint8_t` that must be 0 or 1 | INVALID_ARGUMENT |
//!
//! and the outputs, each written only once everything else has succeeded:
//!
//! | macro | writes |
//! |---|---|
//! | `out!(out, v)` | `*out = v` |
//! | `give!(out, v)` | a new handle: `*out = Box::into_raw(Box::new(v))` |
//! | `give_str!(out, s)` | a library-owned NUL-terminated string (`touchpoint_string_free`) |
//! | `text!(s, buf, len, out_n)` | `s` NUL-terminated into the caller's buffer, with the size query |
//! | `bytes!(b, buf, len, out_n)` | the bytes `b` (a saved model) into the caller's buffer, with the size query |
//! | `out_slice!(p, len)` | a `&mut [MaybeUninit<T>]` view of a caller's array |
//! | `free_box!(p)` | drops a handle made by `give!` (NULL: nothing) |
//!
//! `field_for_field!` copies a core struct into the `#[repr(C)]` struct of the same fields.
//!
//! The soundness argument is the same for all of them: each export's `# Safety` section (and
//! the header's conventions) obliges the caller to pass NULL or a pointer valid for what the
//! parameter says (a live, aligned value; `len` readable or writable bytes; a handle from this
//! library, not freed), not mutated by anyone else during the call when it is `T *`.

use std::mem::MaybeUninit;

use crate::result::{FfiError, touchpoint_result};

/// NULL_PARAMETER naming the argument.
pub(crate) fn null(name: &str) -> FfiError {
    FfiError::new(touchpoint_result::NullParameter, format!("`{name}` is NULL"))
}

/// Decode UTF-8 or INVALID_UTF8 naming the argument.
pub(crate) fn utf8<'a>(bytes: &'a [u8], name: &str) -> Result<&'a str, FfiError> {
    std::str::from_utf8(bytes).map_err(|e| not_utf8(name, e))
}

/// Decode element `i` of the string array `name` (the name is formatted only on error).
pub(crate) fn utf8_item<'a>(bytes: &'a [u8], name: &str, i: usize) -> Result<&'a str, FfiError> {
    std::str::from_utf8(bytes).map_err(|e| not_utf8(&format!("{name}[{i}]"), e))
}

fn not_utf8(name: &str, e: std::str::Utf8Error) -> FfiError {
    FfiError::new(
        touchpoint_result::InvalidUtf8,
        format!("`{name}` is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()),
    )
}

/// A `uint8_t` flag: 0 or 1, else INVALID_ARGUMENT naming the field.
pub(crate) fn flag(v: u8, name: &str) -> Result<bool, FfiError> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(FfiError::new(
            touchpoint_result::InvalidArgument,
            format!("`{name}` = {v}: expected 0 (false) or 1 (true)"),
        )),
    }
}

/// Copy `s` NUL-terminated into `buf` (absent: a size query) and its length without the NUL
/// into `out_n`; when it does not fit, only `out_n` is written (the size needed without the NUL).
pub(crate) fn write_text(s: &str, buf: Option<&mut [MaybeUninit<u8>]>, out_n: &mut usize) -> Result<(), FfiError> {
    *out_n = s.len();
    let cap = buf.as_ref().map_or(0, |b| b.len());
    match buf {
        Some(b) if b.len() > s.len() => {
            for (d, &c) in b.iter_mut().zip(s.as_bytes().iter().chain([&0u8])) {
                d.write(c);
            }
            Ok(())
        }
        _ => Err(FfiError::new(
            touchpoint_result::BufferTooSmall,
            format!("the buffer holds {cap} bytes; {} are needed (including the NUL)", s.len() + 1),
        )),
    }
}

/// Copy `b` into `buf` (absent: a size query) and its length into `out_n`; when it does not fit,
/// only `out_n` is written (the size needed). Binary output: no NUL is added.
pub(crate) fn write_bytes(b: &[u8], buf: Option<&mut [MaybeUninit<u8>]>, out_n: &mut usize) -> Result<(), FfiError> {
    *out_n = b.len();
    let cap = buf.as_ref().map_or(0, |x| x.len());
    match buf {
        Some(d) if d.len() >= b.len() => {
            for (d, &c) in d.iter_mut().zip(b) {
                d.write(c);
            }
            Ok(())
        }
        _ => Err(FfiError::new(
            touchpoint_result::BufferTooSmall,
            format!("the buffer holds {cap} bytes; {} are needed", b.len()),
        )),
    }
}

/// A library-owned copy of `s` for `touchpoint_string_free`.
pub(crate) fn owned_c_string(s: String) -> Result<*mut std::ffi::c_char, FfiError> {
    std::ffi::CString::new(s)
        .map(std::ffi::CString::into_raw)
        .map_err(|_| FfiError::new(touchpoint_result::InvalidValue, "the text contains a NUL byte"))
}

/// `&T` from a `*const T` (or `*mut T`) argument; NULL_PARAMETER naming it.
macro_rules! try_ref {
    ($p:ident) => {
        $crate::ffi::try_ref!($p, stringify!($p))
    };
    ($p:expr, $name:expr) => {{
        let p: *const _ = $p;
        // SAFETY: a non-NULL pointer argument points to a live, aligned value for the whole
        // call (the export's `# Safety` contract).
        match unsafe { p.as_ref() } {
            Some(r) => r,
            None => return Err($crate::ffi::null($name)),
        }
    }};
}
pub(crate) use try_ref;

/// `Option<&T>`: NULL means "absent" (e.g. options left at their defaults).
macro_rules! try_opt_ref {
    ($p:expr) => {{
        let p: *const _ = $p;
        // SAFETY: as `try_ref!`; NULL is allowed and gives `None`.
        unsafe { p.as_ref() }
    }};
}
pub(crate) use try_opt_ref;

/// `&mut T` from a `*mut T` argument; NULL_PARAMETER naming it.
macro_rules! try_mut {
    ($p:ident) => {
        $crate::ffi::try_mut!($p, stringify!($p))
    };
    ($p:expr, $name:expr) => {{
        let p: *mut _ = $p;
        // SAFETY: a non-NULL `T *` argument points to a live, aligned value that nobody else
        // reads or writes during the call (the export's `# Safety` contract).
        match unsafe { p.as_mut() } {
            Some(r) => r,
            None => return Err($crate::ffi::null($name)),
        }
    }};
}
pub(crate) use try_mut;

/// `&[T]` of `n` elements from a `*const T`; NULL_PARAMETER naming it.
macro_rules! try_slice {
    ($p:ident, $n:expr) => {
        $crate::ffi::try_slice!($p, $n, stringify!($p))
    };
    ($p:expr, $n:expr, $name:expr) => {{
        let p: *const _ = $p;
        let n: usize = $n;
        if p.is_null() {
            return Err($crate::ffi::null($name));
        }
        // SAFETY: non-NULL, and the caller guarantees `n` initialised elements that stay
        // unchanged during the call.
        unsafe { std::slice::from_raw_parts(p, n) }
    }};
}
pub(crate) use try_slice;

/// `&str` from a pointer and a byte length (no NUL needed); NULL_PARAMETER or INVALID_UTF8
/// naming the argument.
macro_rules! try_str {
    ($p:ident, $len:expr) => {
        $crate::ffi::try_str!($p, $len, stringify!($p))
    };
    ($p:expr, $len:expr, $name:expr) => {{
        let p: *const std::ffi::c_char = $p;
        let name: &str = $name;
        if p.is_null() {
            return Err($crate::ffi::null(name));
        }
        // SAFETY: non-NULL, and the caller guarantees `len` readable bytes, unchanged during
        // the call.
        let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), $len) };
        $crate::ffi::utf8(bytes, name)?
    }};
}
pub(crate) use try_str;

/// Like `try_str!`, but NULL with length 0 is `None` (the argument or field is absent).
macro_rules! try_opt_str {
    ($p:ident, $len:expr) => {
        $crate::ffi::try_opt_str!($p, $len, stringify!($p))
    };
    ($p:expr, $len:expr, $name:expr) => {{
        let p: *const std::ffi::c_char = $p;
        let len: usize = $len;
        if p.is_null() && len == 0 { None } else { Some($crate::ffi::try_str!(p, len, $name)) }
    }};
}
pub(crate) use try_opt_str;

/// An array of `n` NUL-terminated UTF-8 strings (`const char *const *`) as
/// `Option<Vec<Option<&str>>>`: NULL with `n` = 0 is `None` (no array); a NULL element is a
/// `None` element (a missing value). NULL_PARAMETER for a NULL array with `n` > 0,
/// INVALID_UTF8 naming the element (`name[i]`).
macro_rules! try_opt_str_list {
    ($p:ident, $n:expr) => {
        $crate::ffi::try_opt_str_list!($p, $n, stringify!($p))
    };
    ($p:expr, $n:expr, $name:expr) => {{
        let p: *const *const std::ffi::c_char = $p;
        let n: usize = $n;
        let name: &str = $name;
        if p.is_null() && n == 0 {
            None
        } else {
            let ptrs: &[*const std::ffi::c_char] = $crate::ffi::try_slice!(p, n, name);
            let mut list: Vec<Option<&str>> = Vec::with_capacity(n);
            for (i, &s) in ptrs.iter().enumerate() {
                if s.is_null() {
                    list.push(None);
                } else {
                    // SAFETY: a non-NULL element points to a NUL-terminated string that stays
                    // unchanged during the call (the export's `# Safety` contract).
                    let bytes = unsafe { std::ffi::CStr::from_ptr(s) }.to_bytes();
                    list.push(Some($crate::ffi::utf8_item(bytes, name, i)?));
                }
            }
            Some(list)
        }
    }};
}
pub(crate) use try_opt_str_list;

/// A core option enum from the `u32` a caller wrote: [`Named::decode`](touchpoint_core::Named::decode),
/// whose error (INVALID_ARGUMENT) names the field and lists the codes. Reading the integer as a
/// Rust enum instead would be undefined behaviour for an out-of-range value.
macro_rules! try_enum {
    ($t:ty, $v:ident) => {
        $crate::ffi::try_enum!($t, $v, stringify!($v))
    };
    ($t:ty, $v:expr, $name:expr) => {
        <$t as touchpoint_core::Named>::decode($v, $name)?
    };
}
pub(crate) use try_enum;

/// A `bool` from a `uint8_t` field that must be 0 or 1 (INVALID_ARGUMENT naming it).
macro_rules! try_bool {
    ($v:expr, $name:expr) => {
        $crate::ffi::flag($v, $name)?
    };
}
pub(crate) use try_bool;

/// Write `v` to the out-parameter `out` (NULL_PARAMETER naming it); evaluates to `Ok(())`.
macro_rules! out {
    ($out:ident, $v:expr) => {{
        let v = $v;
        *$crate::ffi::try_mut!($out) = v;
        Ok(())
    }};
}
pub(crate) use out;

/// Box `v` and hand the new handle to `*out`; evaluates to `Ok(())`.
macro_rules! give {
    ($out:ident, $v:expr) => {{
        let v = $v;
        let out: &mut *mut _ = $crate::ffi::try_mut!($out);
        *out = Box::into_raw(Box::new(v));
        Ok(())
    }};
}
pub(crate) use give;

/// Hand a library-owned NUL-terminated copy of the `String` `s` to `*out`; evaluates to `Ok(())`.
macro_rules! give_str {
    ($out:ident, $s:expr) => {{
        let s: String = $s;
        let out: &mut *mut std::ffi::c_char = $crate::ffi::try_mut!($out);
        *out = $crate::ffi::owned_c_string(s)?;
        Ok(())
    }};
}
pub(crate) use give_str;

/// A `&mut [MaybeUninit<T>]` view of the caller's array `p` of `len` elements (NULL: `None`).
macro_rules! out_slice {
    ($p:expr, $len:expr) => {{
        let p: *mut _ = $p;
        if p.is_null() {
            None
        } else {
            // SAFETY: non-NULL, and the caller guarantees `len` writable elements that nobody
            // else touches during the call; `MaybeUninit` makes no claim about their contents.
            Some(unsafe { std::slice::from_raw_parts_mut(p.cast::<std::mem::MaybeUninit<_>>(), $len) })
        }
    }};
}
pub(crate) use out_slice;

/// Write the text `s` into the caller's buffer `buf` of `len` bytes, NUL-terminated, and its
/// length into `*out_n` (see [`write_text`]); evaluates to the `Result`.
macro_rules! text {
    ($s:expr, $buf:ident, $len:ident, $out_n:ident) => {{
        let s: &str = &$s;
        let out_n: &mut usize = $crate::ffi::try_mut!($out_n);
        let buf: *mut std::ffi::c_char = $buf;
        $crate::ffi::write_text(s, $crate::ffi::out_slice!(buf.cast::<u8>(), $len), out_n)
    }};
}
pub(crate) use text;

/// Write the bytes `b` into the caller's buffer `buf` of `len` bytes and their count into
/// `*out_n` (see [`write_bytes`]); evaluates to the `Result`.
macro_rules! bytes {
    ($b:expr, $buf:ident, $len:ident, $out_n:ident) => {{
        let b: &[u8] = &$b;
        let out_n: &mut usize = $crate::ffi::try_mut!($out_n);
        let buf: *mut u8 = $buf;
        $crate::ffi::write_bytes(b, $crate::ffi::out_slice!(buf, $len), out_n)
    }};
}
pub(crate) use bytes;

/// Drop a handle made by `give!`; NULL is a no-op.
macro_rules! free_box {
    ($p:ident) => {{
        let p: *mut _ = $p;
        if !p.is_null() {
            // SAFETY: `p` came from `Box::into_raw` in `give!` and the caller frees it once.
            drop(unsafe { Box::from_raw(p) });
        }
    }};
}
pub(crate) use free_box;

/// A `#[repr(C)]` struct from the core struct of the same fields, exhaustively: the pattern
/// names every field, so a field the core adds does not compile until the C struct has it too.
macro_rules! field_for_field {
    ($v:expr, $from:ident => $to:ident { $($f:ident),+ $(,)? }) => {{
        let $from { $($f),+ } = $v;
        $to { $($f),+ }
    }};
}
pub(crate) use field_for_field;

/// Test helper: a C enum of the header has exactly the variants of its core enum, with the
/// same names and values (`c_value as u32 == Core::X.code()`).
#[cfg(test)]
macro_rules! assert_same_codes {
    ($c:ident, $core:ident { $($v:ident),+ $(,)? }) => {{
        use touchpoint_core::Named as _;
        // exhaustive over the C enum: a C variant missing from the list does not compile
        let _ = |x: $c| match x {
            $($c::$v => ()),+
        };
        $(
            assert_eq!($c::$v as u32, $core::$v.code(), "{}::{}", stringify!($c), stringify!($v));
        )+
        assert_eq!([$($core::$v),+].len(), <$core as touchpoint_core::Named>::ALL.len(), "{} vs {}",
            stringify!($c), stringify!($core));
    }};
}
#[cfg(test)]
pub(crate) use assert_same_codes;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_size_query_and_exact_fit() {
        let mut n = 0;
        assert_eq!(write_text("abc", None, &mut n).unwrap_err().code, touchpoint_result::BufferTooSmall);
        assert_eq!(n, 3);
        let mut buf = [MaybeUninit::new(b'x'); 3];
        assert!(write_text("abc", Some(&mut buf), &mut n).is_err(), "no room for the NUL");
        let mut buf = [MaybeUninit::new(b'x'); 4];
        write_text("abc", Some(&mut buf), &mut n).unwrap();
        // SAFETY: write_text initialised all four bytes.
        let bytes: Vec<u8> = buf.iter().map(|b| unsafe { b.assume_init() }).collect();
        assert_eq!(bytes, b"abc\0");
    }

    #[test]
    fn bytes_size_query_and_exact_fit() {
        let mut n = 0;
        assert_eq!(write_bytes(b"abc", None, &mut n).unwrap_err().code, touchpoint_result::BufferTooSmall);
        assert_eq!(n, 3);
        let mut buf = [MaybeUninit::new(b'x'); 2];
        assert!(write_bytes(b"abc", Some(&mut buf), &mut n).is_err());
        let mut buf = [MaybeUninit::new(b'x'); 3];
        write_bytes(b"abc", Some(&mut buf), &mut n).unwrap();
        // SAFETY: write_bytes initialised all three bytes.
        let bytes: Vec<u8> = buf.iter().map(|b| unsafe { b.assume_init() }).collect();
        assert_eq!((bytes.as_slice(), n), (&b"abc"[..], 3), "binary: no NUL, an exact fit is enough");
    }

    #[test]
    fn flags_are_zero_or_one() {
        assert!(!flag(0, "f").unwrap());
        assert!(flag(1, "f").unwrap());
        let e = flag(2, "options.collapse_repeats").unwrap_err();
        assert_eq!(e.code, touchpoint_result::InvalidArgument);
        assert!(e.message.contains("options.collapse_repeats"), "{}", e.message);
    }
}
