//! Checked conversions of C arguments: NULL checks, borrowed handles, UTF-8 strings, output
//! buffers. Every raw pointer of the API goes through these helpers.

use std::ffi::c_char;

use crate::result::{FfiError, touchpoint_result};

/// A non-NULL shared reference, or `NullParameter` naming the argument.
///
/// # Safety
/// `p` must be NULL or point to a live `T` for the duration of the call.
pub(crate) unsafe fn try_ref<'a, T>(p: *const T, name: &str) -> Result<&'a T, FfiError> {
    // SAFETY: the caller guarantees p is NULL or valid.
    unsafe { p.as_ref() }.ok_or_else(|| null(name))
}

/// A non-NULL exclusive reference, or `NullParameter`.
///
/// # Safety
/// `p` must be NULL or point to a live `T` not aliased during the call.
pub(crate) unsafe fn try_mut<'a, T>(p: *mut T, name: &str) -> Result<&'a mut T, FfiError> {
    // SAFETY: the caller guarantees p is NULL or valid and unaliased.
    unsafe { p.as_mut() }.ok_or_else(|| null(name))
}

pub(crate) fn null(name: &str) -> FfiError {
    FfiError::new(touchpoint_result::NullParameter, format!("`{name}` is NULL"))
}

/// A UTF-8 string from a pointer and a byte length (not NUL-terminated).
///
/// # Safety
/// `p` must be NULL or point to `len` readable bytes.
pub(crate) unsafe fn try_str<'a>(p: *const c_char, len: usize, name: &str) -> Result<&'a str, FfiError> {
    if p.is_null() {
        return Err(null(name));
    }
    // SAFETY: p is non-NULL and the caller guarantees len readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) };
    std::str::from_utf8(bytes).map_err(|e| {
        FfiError::new(
            touchpoint_result::InvalidUtf8,
            format!("`{name}` is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        )
    })
}

/// Like [`try_str`], but NULL with length 0 means "absent".
///
/// # Safety
/// As [`try_str`].
pub(crate) unsafe fn try_opt_str<'a>(p: *const c_char, len: usize, name: &str) -> Result<Option<&'a str>, FfiError> {
    if p.is_null() && len == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded.
    unsafe { try_str(p, len, name) }.map(Some)
}

/// Write `s` NUL-terminated into `buf` (capacity `len`) and its length (without NUL) into
/// `*out_n`. When `buf` is NULL or too small, nothing is written to `buf`, `*out_n` receives the
/// length needed (without the NUL) and `BufferTooSmall` is returned: the size query.
///
/// # Safety
/// `buf` must be NULL or point to `len` writable bytes; `out_n` must be valid.
pub(crate) unsafe fn write_str(s: &str, buf: *mut c_char, len: usize, out_n: *mut usize) -> Result<(), FfiError> {
    // SAFETY: forwarded.
    let out_n = unsafe { try_mut(out_n, "out_n") }?;
    if buf.is_null() || len < s.len() + 1 {
        *out_n = s.len();
        return Err(FfiError::new(
            touchpoint_result::BufferTooSmall,
            format!("the buffer holds {len} bytes; {} are needed (including the NUL)", s.len() + 1),
        ));
    }
    // SAFETY: buf has at least s.len() + 1 writable bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), buf.cast::<u8>(), s.len());
        *buf.add(s.len()) = 0;
    }
    *out_n = s.len();
    Ok(())
}

/// Move `s` into a library-owned NUL-terminated string for `*out` (freed with
/// `touchpoint_string_free`).
///
/// # Safety
/// `out` must be valid.
pub(crate) unsafe fn give_str(s: String, out: *mut *mut c_char) -> Result<(), FfiError> {
    // SAFETY: forwarded.
    let out = unsafe { try_mut(out, "out") }?;
    let c = std::ffi::CString::new(s)
        .map_err(|_| FfiError::new(touchpoint_result::InvalidValue, "the text contains a NUL byte"))?;
    *out = c.into_raw();
    Ok(())
}

/// Box `v` and hand it to `*out`.
///
/// # Safety
/// `out` must be valid.
pub(crate) unsafe fn give<T>(v: T, out: *mut *mut T) -> Result<(), FfiError> {
    // SAFETY: forwarded.
    let out = unsafe { try_mut(out, "out") }?;
    *out = Box::into_raw(Box::new(v));
    Ok(())
}

/// Free a handle made by [`give`]; NULL is a no-op.
///
/// # Safety
/// `p` must be NULL or a pointer from [`give`] not freed before.
pub(crate) unsafe fn free<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: p came from Box::into_raw and is freed once.
        drop(unsafe { Box::from_raw(p) });
    }
}
