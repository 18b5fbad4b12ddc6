//! The container every saved model shares, and the byte writer and reader of its payloads.
//!
//! ```text
//! offset  size  field
//! 0       8     magic b"TPMODEL\0"
//! 8       4     format version (u32 LE; this library writes and reads FORMAT_VERSION)
//! 12      4     kind code (u32 LE; ModelKind)
//! 16      8     fingerprint (u64 LE; of the options and the touchpoint vocabulary)
//! 24      8     payload length in bytes (u64 LE)
//! 32      2     length of the library version string (u16 LE), then its UTF-8 bytes
//! ..      n     payload (little-endian fields, see each model's writer)
//! end-4   4     checksum (u32 LE): CRC-32 (IEEE) of every byte before it
//! ```
//!
//! CRC-32 detects every error burst of up to 32 bits, so a flipped byte (or any run of up to
//! four damaged bytes) is always detected, never read as a different model; other damage goes
//! unnoticed with probability 2⁻³², and is then still caught by the payload's own checks.

use crate::error::{Error, Result};

use super::ModelKind;
use crate::named::Named;

pub(crate) const MAGIC: &[u8; 8] = b"TPMODEL\0";
/// The format version this library writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 1;
const FIXED_HEADER: usize = 34;

/// FNV-1a 64 of `bytes`, continuing from `h` (start from [`FNV_OFFSET`]): fingerprints.
pub(crate) fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The FNV-1a 64 offset basis.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Little-endian payload writer.
#[derive(Default)]
pub(crate) struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub fn bool(&mut self, v: bool) {
        self.buf.push(v as u8);
    }
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn usize(&mut self, v: usize) {
        self.u64(v as u64);
    }
    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    pub fn opt_f64(&mut self, v: Option<f64>) {
        match v {
            Some(x) => {
                self.u8(1);
                self.f64(x);
            }
            None => self.u8(0),
        }
    }
    pub fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            Some(x) => {
                self.u8(1);
                self.i64(x);
            }
            None => self.u8(0),
        }
    }
    pub fn opt_usize(&mut self, v: Option<usize>) {
        self.opt_i64(v.map(|x| x as i64));
    }
    pub fn str(&mut self, s: &str) {
        self.usize(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }
    pub fn u32s(&mut self, v: &[u32]) {
        self.usize(v.len());
        self.buf.reserve(v.len() * 4);
        for &x in v {
            self.u32(x);
        }
    }
    pub fn i64s(&mut self, v: &[i64]) {
        self.usize(v.len());
        self.buf.reserve(v.len() * 8);
        for &x in v {
            self.i64(x);
        }
    }
    pub fn f64s(&mut self, v: &[f64]) {
        self.usize(v.len());
        self.buf.reserve(v.len() * 8);
        for &x in v {
            self.f64(x);
        }
    }
    pub fn usizes(&mut self, v: &[usize]) {
        self.usize(v.len());
        self.buf.reserve(v.len() * 8);
        for &x in v {
            self.usize(x);
        }
    }
    pub fn bools(&mut self, v: &[bool]) {
        self.usize(v.len());
        self.buf.extend(v.iter().map(|&b| b as u8));
    }
}

/// Bounds-checked little-endian payload reader: every read past the end or of an impossible
/// value is an [`Error::ModelFile`] naming the offset.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf[0]` in the file (for messages).
    base: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8], base: usize, what: &'static str) -> Self {
        Self { buf, pos: 0, base, what }
    }

    pub fn error(&self, problem: impl Into<String>) -> Error {
        Error::ModelFile { what: self.what, offset: self.base + self.pos, problem: problem.into() }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.buf.len() - self.pos < n {
            return Err(self.error(format!("the payload ends early (needs {n} more bytes)")));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.error(format!("a flag byte is {b}, not 0 or 1"))),
        }
    }
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub fn usize(&mut self) -> Result<usize> {
        let v = self.u64()?;
        usize::try_from(v).map_err(|_| self.error(format!("a length of {v} does not fit this machine")))
    }
    pub fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_bits(self.u64()?))
    }
    fn flag(&mut self) -> Result<bool> {
        self.bool()
    }
    pub fn opt_f64(&mut self) -> Result<Option<f64>> {
        Ok(if self.flag()? { Some(self.f64()?) } else { None })
    }
    pub fn opt_i64(&mut self) -> Result<Option<i64>> {
        Ok(if self.flag()? { Some(self.i64()?) } else { None })
    }
    pub fn opt_usize(&mut self) -> Result<Option<usize>> {
        match self.opt_i64()? {
            None => Ok(None),
            Some(v) => usize::try_from(v).map(Some).map_err(|_| self.error(format!("a count of {v} is negative"))),
        }
    }
    /// A length prefix for `n` items of `size` bytes, checked against the bytes left.
    fn len_of(&mut self, size: usize) -> Result<usize> {
        let n = self.usize()?;
        if n.checked_mul(size).is_none_or(|b| b > self.buf.len() - self.pos) {
            return Err(self.error(format!("a list of {n} items is longer than the payload")));
        }
        Ok(n)
    }
    pub fn str(&mut self) -> Result<String> {
        let n = self.len_of(1)?;
        let s = self.take(n)?;
        String::from_utf8(s.to_vec()).map_err(|_| self.error("a name is not valid UTF-8"))
    }
    pub fn u32s(&mut self) -> Result<Vec<u32>> {
        let n = self.len_of(4)?;
        let s = self.take(n * 4)?;
        Ok(s.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }
    fn u64s(&mut self) -> Result<Vec<u64>> {
        let n = self.len_of(8)?;
        let s = self.take(n * 8)?;
        Ok(s.chunks_exact(8).map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect())
    }
    pub fn i64s(&mut self) -> Result<Vec<i64>> {
        Ok(self.u64s()?.into_iter().map(|v| v as i64).collect())
    }
    pub fn f64s(&mut self) -> Result<Vec<f64>> {
        Ok(self.u64s()?.into_iter().map(f64::from_bits).collect())
    }
    pub fn usizes(&mut self) -> Result<Vec<usize>> {
        self.u64s()?
            .into_iter()
            .map(|v| usize::try_from(v).map_err(|_| self.error(format!("an offset of {v} does not fit this machine"))))
            .collect()
    }
    pub fn bools(&mut self) -> Result<Vec<bool>> {
        let n = self.len_of(1)?;
        let s = self.take(n)?;
        s.iter()
            .map(|&b| match b {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(self.error(format!("a flag byte is {b}, not 0 or 1"))),
            })
            .collect()
    }
    /// A collection length of items that take at least `min_size` bytes each.
    pub fn count(&mut self, min_size: usize) -> Result<usize> {
        self.len_of(min_size.max(1))
    }
    pub fn finish(&self) -> Result<()> {
        if self.pos != self.buf.len() {
            return Err(self.error(format!("{} bytes after the end of the payload", self.buf.len() - self.pos)));
        }
        Ok(())
    }
}

/// Wrap a payload in the container.
pub(crate) fn seal(kind: ModelKind, fingerprint: u64, payload: &[u8]) -> Vec<u8> {
    let version = crate::VERSION.as_bytes();
    let mut out = Vec::with_capacity(FIXED_HEADER + version.len() + payload.len() + SUM);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&kind.code().to_le_bytes());
    out.extend_from_slice(&fingerprint.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&(version.len() as u16).to_le_bytes());
    out.extend_from_slice(version);
    out.extend_from_slice(payload);
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// Bytes of the trailing checksum.
const SUM: usize = 4;

/// The container's checksum of `bytes`.
pub(crate) fn checksum(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

/// The header of a saved model, checked: what [`open`] and `touchpoint_model_info` report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Header {
    pub format_version: u32,
    pub kind: ModelKind,
    pub fingerprint: u64,
    pub library_version: String,
    /// Byte range of the payload.
    pub payload: std::ops::Range<usize>,
}

/// Check the container (magic, format version, lengths, checksum) and return its header.
/// `what` names the model expected, for messages.
pub(crate) fn open(bytes: &[u8], what: &'static str) -> Result<Header> {
    let bad = |offset: usize, problem: String| Error::ModelFile { what, offset, problem };
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(bad(
            0,
            "this is not a touchpoint model file (it does not start with the TPMODEL signature)".into(),
        ));
    }
    if bytes.len() < FIXED_HEADER + SUM {
        return Err(bad(bytes.len(), format!("the file is truncated: {} bytes, shorter than any model", bytes.len())));
    }
    let le4 = |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
    let le8 = |o: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&bytes[o..o + 8]);
        u64::from_le_bytes(a)
    };
    let format_version = le4(8);
    let kind_code = le4(12);
    let fingerprint = le8(16);
    let payload_len = le8(24);
    let vlen = u16::from_le_bytes([bytes[32], bytes[33]]) as usize;
    let start = FIXED_HEADER + vlen;
    let expected = u64::try_from(start + SUM).ok().and_then(|s| s.checked_add(payload_len));
    let stored_sum = |b: &[u8]| u32::from_le_bytes([b[b.len() - 4], b[b.len() - 3], b[b.len() - 2], b[b.len() - 1]]);
    if expected != Some(bytes.len() as u64) {
        // the checksum first: a damaged length field is damage, not truncation
        let sum_ok = stored_sum(bytes) == checksum(&bytes[..bytes.len() - SUM]);
        let problem = match expected {
            Some(e) if sum_ok => format!("the header says {e} bytes but the file has {}", bytes.len()),
            Some(e) if e > bytes.len() as u64 => {
                format!("the file is truncated: {} of {e} bytes (copy it again)", bytes.len())
            }
            _ => format!("the file is damaged: its header gives an impossible length ({} bytes read)", bytes.len()),
        };
        return Err(bad(24, problem));
    }
    if stored_sum(bytes) != checksum(&bytes[..bytes.len() - SUM]) {
        return Err(bad(
            bytes.len() - SUM,
            "the file is damaged: its checksum does not match its contents (copy it again or save it anew)".into(),
        ));
    }
    if format_version > FORMAT_VERSION {
        return Err(bad(
            8,
            format!(
                "the file has format version {format_version}, newer than the {FORMAT_VERSION} this touchpoint {} reads; upgrade touchpoint to load it",
                crate::VERSION
            ),
        ));
    }
    if format_version == 0 {
        return Err(bad(8, "the file has format version 0, which no touchpoint writes".into()));
    }
    let kind = ModelKind::from_code(kind_code)
        .ok_or_else(|| bad(12, format!("unknown model kind {kind_code} (expected {})", ModelKind::choices())))?;
    let library_version = String::from_utf8(bytes[FIXED_HEADER..start].to_vec())
        .map_err(|_| bad(FIXED_HEADER, "the library version is not UTF-8".into()))?;
    Ok(Header { format_version, kind, fingerprint, library_version, payload: start..start + payload_len as usize })
}
