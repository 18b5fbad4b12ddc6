//! JSON documents: every result and data object of the faces round-trips through one JSON
//! object, its fields beside a `kind` and a `version`:
//!
//! ```text
//! {"kind": "funnel", "version": 1, "library_version": "0.1.0", "steps": [...], "rows": [...], ...}
//! ```
//!
//! [`to_json`] writes one, [`from_json`] reads it back equal (floats keep every bit: they are
//! written in their shortest round-trip form; the few figures that may be NaN or infinite, the
//! bootstrap draws, are written as the strings `"NaN"`, `"inf"` and `"-inf"`). Reading checks the
//! kind and the version before anything else: a document of another kind, of a newer version, or
//! one that is not a touchpoint document at all is an [`Error::ModelFile`] naming the kind
//! expected and the kind found, never a different object. Objects with a saved-model container
//! ([`saved`](crate::saved): journeys with their open tails, partials) carry its checked bytes,
//! base64-encoded, so nothing is lost and the container's checks apply.
//!
//! ```
//! use touchpoint_core::EventTable;
//! use touchpoint_core::journeymap::{self, FunnelOptions, Step};
//! use touchpoint_core::saved::json;
//!
//! let mut b = EventTable::builder();
//! b.touch("ann", "ad", 0)?;
//! b.touch("ann", "site", 1)?;
//! b.touch("bob", "ad", 0)?;
//! let events = b.finish()?;
//! let opts = FunnelOptions {
//!     steps: vec![Step::Touchpoint("ad".into()), Step::Touchpoint("site".into())],
//!     ..Default::default()
//! };
//! let f = journeymap::funnel(&events, &opts, None)?;
//! let doc = json::to_json(&f)?;
//! assert!(doc.starts_with(r#"{"kind":"funnel","version":1,"#));
//! assert_eq!(json::from_json::<journeymap::Funnel>(&doc)?, f);
//!
//! // another kind's document is a ModelFile error naming both kinds
//! let err = json::from_json::<journeymap::StepMatrix>(&doc).unwrap_err();
//! assert_eq!(err.kind(), touchpoint_core::ErrorKind::ModelFile);
//! assert!(err.to_string().contains("\"funnel\"") && err.to_string().contains("\"step_matrix\""), "{err}");
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An object with a JSON document (see the [module docs](self)).
pub trait Document: Sized {
    /// The kind written and checked (snake case, one per type).
    const KIND: &'static str;
    /// The version of the layout this library writes, and the newest it reads.
    const VERSION: u32 = 1;
    /// What is written beside the kind and version (a struct: its fields are the document's).
    type Out<'a>: Serialize
    where
        Self: 'a;
    /// What is read back.
    type In: DeserializeOwned;
    /// The data to write.
    fn out(&self) -> Result<Self::Out<'_>>;
    /// The object from the data read (checked).
    fn from_in(data: Self::In) -> Result<Self>;
}

/// Implement [`Document`] for types whose serde form is their document, `Type => "kind"`.
#[macro_export]
macro_rules! json_document {
    ($($ty:ty => $kind:literal),* $(,)?) => {
        $(impl $crate::saved::json::Document for $ty {
            const KIND: &'static str = $kind;
            type Out<'a> = &'a $ty;
            type In = $ty;
            fn out(&self) -> $crate::Result<&Self> {
                Ok(self)
            }
            fn from_in(data: $ty) -> $crate::Result<Self> {
                Ok(data)
            }
        })*
    };
}

#[derive(Serialize)]
struct Envelope<D> {
    kind: &'static str,
    version: u32,
    library_version: &'static str,
    #[serde(flatten)]
    data: D,
}

#[derive(Deserialize)]
struct Head {
    kind: Option<String>,
    version: Option<u32>,
}

/// The JSON document of `x`.
pub fn to_json<T: Document>(x: &T) -> Result<String> {
    let doc = Envelope { kind: T::KIND, version: T::VERSION, library_version: crate::VERSION, data: x.out()? };
    Ok(serde_json::to_string(&doc)?)
}

/// The kind and version of a document, checked to be a touchpoint document (not decoded).
pub fn kind_of(json: &str) -> Result<(String, u32)> {
    head(json, "JSON document")
}

fn head(json: &str, what: &'static str) -> Result<(String, u32)> {
    let h: Head = serde_json::from_str(json).map_err(|e| damaged(what, json, &e))?;
    match (h.kind, h.version) {
        (Some(k), Some(v)) if v > 0 => Ok((k, v)),
        (Some(k), _) => Err(Error::ModelFile {
            what,
            offset: 0,
            problem: format!("the document of kind {k:?} has no valid \"version\" (1 or more)"),
        }),
        (None, _) => Err(Error::ModelFile {
            what,
            offset: 0,
            problem: "not a touchpoint JSON document: it has no \"kind\"; pass what to_json() wrote".into(),
        }),
    }
}

/// Read the document of a `T` (kind and version checked first).
pub fn from_json<T: Document>(json: &str) -> Result<T> {
    let (kind, version) = head(json, T::KIND)?;
    if kind != T::KIND {
        return Err(Error::ModelFile {
            what: T::KIND,
            offset: 0,
            problem: format!(
                "the JSON document holds kind {kind:?}, not {:?}; read it with the from_json of {kind:?}",
                T::KIND
            ),
        });
    }
    if version > T::VERSION {
        return Err(Error::ModelFile {
            what: T::KIND,
            offset: 0,
            problem: format!(
                "the document has version {version}, newer than this library reads ({}); read it with a newer touchpoint",
                T::VERSION
            ),
        });
    }
    let data: T::In = serde_json::from_str(json).map_err(|e| damaged(T::KIND, json, &e))?;
    T::from_in(data)
}

/// A document that does not parse as its kind: where and why.
fn damaged(what: &'static str, json: &str, e: &serde_json::Error) -> Error {
    let offset = json.split_inclusive('\n').take(e.line().saturating_sub(1)).map(str::len).sum::<usize>()
        + e.column().saturating_sub(1);
    let mut problem = e.to_string();
    if let Some(at) = problem.find(" at line ") {
        problem.truncate(at);
    }
    Error::ModelFile { what, offset, problem: format!("the JSON document is damaged: {problem}") }
}

// ------------------------------------------------------------------------------------------
// Containers: saved-model bytes in a document.

/// The checked bytes of a saved-model container, base64-encoded.
#[derive(Serialize, Deserialize)]
pub struct Container {
    /// The container (standard base64, padded).
    pub container: String,
}

impl Container {
    /// `bytes`, encoded.
    pub fn of(bytes: &[u8]) -> Self {
        Container { container: base64_encode(bytes) }
    }

    /// The bytes (an [`Error::ModelFile`] when the text is not base64).
    pub fn bytes(&self, what: &'static str) -> Result<Vec<u8>> {
        base64_decode(&self.container).ok_or_else(|| Error::ModelFile {
            what,
            offset: 0,
            problem: "the \"container\" is not base64 text; pass what to_json() wrote".into(),
        })
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(B64[(n >> shift & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The bytes of standard padded base64 text (None when it is not).
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let t = text.as_bytes();
    if t.len() % 4 != 0 {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(t.len() / 4 * 3);
    let quads = t.len() / 4;
    for (q, c) in t.chunks(4).enumerate() {
        let pad = if q + 1 == quads { c.iter().rev().take_while(|&&x| x == b'=').count() } else { 0 };
        if pad > 2 {
            return None;
        }
        let mut n = 0u32;
        for (i, &x) in c.iter().enumerate() {
            n = n << 6 | if i >= 4 - pad { 0 } else { val(x)? };
        }
        let b = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&b[..3 - pad]);
    }
    Some(out)
}

// ------------------------------------------------------------------------------------------
// Floats that may be NaN or infinite.

/// `#[serde(with = "crate::saved::json::nonfinite")]` for `f64`, `Vec`s and `Option`s of them
/// that may hold NaN or infinities (JSON numbers cannot): finite values as numbers, the others
/// as `"NaN"`, `"inf"` and `"-inf"`.
pub(crate) mod nonfinite {
    use serde::Deserialize;
    use serde::de::{self, Deserializer, Visitor};
    use serde::ser::{Serialize, Serializer};

    /// A value made of floats.
    pub trait Floats: Sized {
        /// Write it.
        fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
        /// Read it.
        fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
    }

    struct W<'a, T>(&'a T);
    impl<T: Floats> Serialize for W<'_, T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.write(s)
        }
    }

    struct R<T>(T);
    impl<'de, T: Floats> Deserialize<'de> for R<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            T::read(d).map(R)
        }
    }

    impl Floats for f64 {
        fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match *self {
                x if x.is_finite() => s.serialize_f64(x),
                x if x.is_nan() => s.serialize_str("NaN"),
                x if x > 0.0 => s.serialize_str("inf"),
                _ => s.serialize_str("-inf"),
            }
        }
        fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = f64;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a number or \"NaN\", \"inf\", \"-inf\"")
                }
                fn visit_f64<E>(self, v: f64) -> Result<f64, E> {
                    Ok(v)
                }
                fn visit_i64<E>(self, v: i64) -> Result<f64, E> {
                    Ok(v as f64)
                }
                fn visit_u64<E>(self, v: u64) -> Result<f64, E> {
                    Ok(v as f64)
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
                    match v {
                        "NaN" => Ok(f64::NAN),
                        "inf" => Ok(f64::INFINITY),
                        "-inf" => Ok(f64::NEG_INFINITY),
                        _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                    }
                }
            }
            d.deserialize_any(V)
        }
    }

    impl<T: Floats> Floats for Vec<T> {
        fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.iter().map(W))
        }
        fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Vec::<R<T>>::deserialize(d)?.into_iter().map(|r| r.0).collect())
        }
    }

    impl<T: Floats> Floats for Option<T> {
        fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                Some(x) => s.serialize_some(&W(x)),
                None => s.serialize_none(),
            }
        }
        fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Option::<R<T>>::deserialize(d)?.map(|r| r.0))
        }
    }

    /// serde `with`: write.
    pub fn serialize<T: Floats, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.write(s)
    }

    /// serde `with`: read.
    pub fn deserialize<'de, T: Floats, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        T::read(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for n in 0..70usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let text = base64_encode(&bytes);
            assert_eq!(text.len() % 4, 0);
            assert_eq!(base64_decode(&text).as_deref(), Some(&bytes[..]), "{n}");
        }
        assert_eq!(base64_encode(b"Man"), "TWFu");
        assert_eq!(base64_encode(b"Ma"), "TWE=");
        assert_eq!(base64_encode(b"M"), "TQ==");
        assert_eq!(base64_decode("TQ==").as_deref(), Some(&b"M"[..]));
        for bad in ["TQ=", "T===", "TQ=A", "TQ==TQ==", "T!==", "===="] {
            assert!(base64_decode(bad).is_none(), "{bad}");
        }
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Draws {
        #[serde(with = "nonfinite")]
        draws: Option<Vec<Vec<f64>>>,
        #[serde(with = "nonfinite")]
        one: f64,
    }

    #[test]
    fn nonfinite_floats_keep_their_bits() {
        let d = Draws { draws: Some(vec![vec![1.5, f64::NAN, f64::INFINITY], vec![f64::NEG_INFINITY, 0.1]]), one: 3.0 };
        let text = serde_json::to_string(&d).unwrap();
        assert_eq!(text, r#"{"draws":[[1.5,"NaN","inf"],["-inf",0.1]],"one":3.0}"#);
        let back: Draws = serde_json::from_str(&text).unwrap();
        let bits = |d: &Draws| -> Vec<u64> { d.draws.iter().flatten().flatten().map(|x| x.to_bits()).collect() };
        assert_eq!(bits(&back), bits(&d));
        assert!(serde_json::from_str::<Draws>(r#"{"draws":[["nan"]],"one":1}"#).is_err());
        let none: Draws = serde_json::from_str(r#"{"draws":null,"one":1}"#).unwrap();
        assert_eq!(none.draws, None);
    }
}
