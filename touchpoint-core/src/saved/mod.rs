//! Saved models: journey graphs (with their analysis), journeys (with their open tails, for
//! [`Journeys::append`](crate::Journeys::append)) and attribution results, as bytes or files.
//!
//! Every file is one container (layout below): a signature, the format
//! version, the model kind, a **fingerprint** of the options and the touchpoint vocabulary, the
//! library version that wrote it, the payload and a checksum. Loading checks all of it before
//! reading anything: a truncated, damaged or newer-format file is an [`Error::ModelFile`] that
//! says which, never a crash and never a different model. A loaded model answers every query
//! the saved one does, bit-identically (floats are stored as their bits).
//!
//! ```
//! use touchpoint_core::{JourneyGraph, PathTable};
//!
//! let mut p = PathTable::default();
//! p.add_path_str("ad > email > store", ">", 8.0, 2.0, 800.0)?;
//! p.add_path_str("ad > site", ">", 2.0, 8.0, 100.0)?;
//! let g = JourneyGraph::from_paths(&p, 2)?;
//! let bytes = g.to_bytes()?;
//! let back = JourneyGraph::from_bytes(&bytes)?;
//! assert_eq!(back.analysis()?, g.analysis()?);
//! assert_eq!(back.transition_table(), g.transition_table());
//!
//! let info = touchpoint_core::saved::inspect(&bytes)?;
//! assert_eq!(info.kind, touchpoint_core::saved::ModelKind::JourneyGraph);
//!
//! let mut damaged = bytes.clone();
//! damaged[40] ^= 0xff;
//! let err = JourneyGraph::from_bytes(&damaged).unwrap_err();
//! assert_eq!(err.kind(), touchpoint_core::ErrorKind::ModelFile);
//! assert!(err.to_string().contains("damaged"), "{err}");
//! # Ok::<(), touchpoint_core::Error>(())
//! ```
//!
//! The container, the same for every kind and format version:
//!
//! ```text
//! offset  size  field
//! 0       8     magic b"TPMODEL\0"
//! 8       4     format version (u32 LE; this library writes and reads FORMAT_VERSION)
//! 12      4     kind code (u32 LE; ModelKind)
//! 16      8     fingerprint (u64 LE; FNV-1a of the options and the touchpoint vocabulary)
//! 24      8     payload length in bytes (u64 LE)
//! 32      2     length of the library version string (u16 LE), then its UTF-8 bytes
//! ..      n     payload (little-endian fields; floats as their bits)
//! end-4   4     checksum (u32 LE): CRC-32 (IEEE) of every byte before it
//! ```
//!
//! CRC-32 detects every error burst of up to 32 bits, so a flipped byte (or any run of up to
//! four damaged bytes) is always detected; other damage goes unnoticed with probability 2⁻³²,
//! and is then still caught by the payload's own checks (lengths, ids, the fingerprint).
//!
//! Thread safety: saving reads the model only; a loaded graph is immutable and can be shared
//! read-only across threads (its analysis is loaded with it, nothing is computed lazily).
//!
//! Every result and data object the faces show also has a JSON document ([`json`], with the
//! `serde` feature): its fields beside a `kind` and a `version`, read back equal, another kind
//! an [`Error::ModelFile`] naming both; journeys and partials carry this container in it.

pub(crate) mod codec;
mod credits;
mod graph;
pub(crate) mod journeys;
#[cfg(feature = "serde")]
pub mod json;
#[cfg(feature = "serde")]
mod json_kinds;

use std::path::Path;

use crate::catalog::{Catalog, ChannelKind, Stage, TouchpointAttrs};
use crate::error::{Error, Result};
use crate::named::Named;

pub use codec::FORMAT_VERSION;
use codec::{Reader, Writer};
pub use credits::{credits_from_bytes, credits_to_bytes, load_credits, save_credits};

crate::named_enum! {
    /// What a saved model file holds.
    pub enum ModelKind: "model_kind" {
        /// A [`JourneyGraph`](crate::JourneyGraph) with its analysis.
        JourneyGraph = 1 => "journey_graph",
        /// [`Journeys`](crate::Journeys) with their open tails and build report.
        Journeys = 2 => "journeys",
        /// Attribution results ([`Credits`](crate::attribution::Credits) of one or more models).
        Attribution = 3 => "attribution",
        /// A [`Partial`](crate::partial::Partial): mergeable counts of a share of the customers.
        Partial = 4 => "partial",
    }
}

crate::row_struct! {
    /// The header of a saved model ([`inspect`]).
    #[derive(Clone, PartialEq)]
    pub struct ModelInfo {
        /// What the file holds.
        pub kind: ModelKind,
        /// Format version of the file.
        pub format_version: u32,
        /// The touchpoint version that wrote it.
        pub library_version: String,
        /// Fingerprint of the options and touchpoint vocabulary (16 hex digits): equal
        /// fingerprints mean models built with the same options over the same touchpoints.
        pub fingerprint: String,
        /// Size of the file in bytes.
        pub bytes: usize,
    }
}

/// Read and check the header of a saved model (signature, version, lengths, checksum) without
/// decoding the model.
pub fn inspect(bytes: &[u8]) -> Result<ModelInfo> {
    let h = codec::open(bytes, "model")?;
    Ok(ModelInfo {
        kind: h.kind,
        format_version: h.format_version,
        library_version: h.library_version,
        fingerprint: format!("{:016x}", h.fingerprint),
        bytes: bytes.len(),
    })
}

/// [`inspect`] a file.
pub fn inspect_file(path: impl AsRef<Path>) -> Result<ModelInfo> {
    inspect(&read_file(path.as_ref())?)
}

/// The payload of a model of `kind`, checked, with its fingerprint.
pub(crate) fn payload<'a>(bytes: &'a [u8], kind: ModelKind, what: &'static str) -> Result<(Reader<'a>, u64)> {
    let h = codec::open(bytes, what)?;
    if h.kind != kind {
        return Err(Error::ModelFile {
            what,
            offset: 12,
            problem: format!("the file holds {}, not {}", h.kind.name().replace('_', " "), what),
        });
    }
    Ok((Reader::new(&bytes[h.payload.clone()], h.payload.start, what), h.fingerprint))
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io { path: path.display().to_string(), source })
}

/// Write `bytes` to `path` through a temporary file renamed into place, so a reader never
/// sees a half-written model (and a crash mid-save leaves the old file intact).
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io { path: path.display().to_string(), source };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Fingerprint of a catalog's names (in id order) mixed into `h`.
pub(crate) fn fingerprint_names(mut h: u64, catalog: &Catalog) -> u64 {
    h = codec::fnv1a(h, &(catalog.len() as u64).to_le_bytes());
    for n in catalog.names() {
        h = codec::fnv1a(h, &(n.len() as u64).to_le_bytes());
        h = codec::fnv1a(h, n.as_bytes());
    }
    h
}

pub(crate) fn write_catalog(w: &mut Writer, c: &Catalog) {
    w.usize(c.len());
    for (_, name, a) in c.iter() {
        w.str(name);
        w.u32(a.channel.map_or(u32::MAX, |x| x.code()));
        w.u32(a.stage.map_or(u32::MAX, |x| x.code()));
        w.opt_f64(a.cost);
        w.bool(a.direct);
        w.bool(a.paid);
    }
}

pub(crate) fn read_catalog(r: &mut Reader<'_>) -> Result<Catalog> {
    let n = r.count(8 + 4 + 4 + 1 + 2)?;
    let mut c = Catalog::new();
    for _ in 0..n {
        let name = r.str()?;
        let channel = match r.u32()? {
            u32::MAX => None,
            k => Some(ChannelKind::from_code(k).ok_or_else(|| r.error(format!("unknown channel code {k}")))?),
        };
        let stage = match r.u32()? {
            u32::MAX => None,
            k => Some(Stage::from_code(k).ok_or_else(|| r.error(format!("unknown stage code {k}")))?),
        };
        let attrs = TouchpointAttrs { channel, stage, cost: r.opt_f64()?, direct: r.bool()?, paid: r.bool()? };
        if c.get(&name).is_some() {
            return Err(r.error(format!("the touchpoint {name:?} is listed twice")));
        }
        let id = c.intern(&name);
        c.set_attrs(id, attrs);
    }
    Ok(c)
}
