//! Option enums with public names: one mechanism for every face.
//!
//! Every option a user picks from a list (a time unit, a path rank, a Markov allocation, a
//! solver, ...) is an enum declared with [`named_enum!`](crate::named_enum). The macro gives it:
//!
//! - [`Named::name`] and `Display`: the one public name, used by Python keyword values, C
//!   documentation and JSON;
//! - [`FromStr`](std::str::FromStr) (through [`Named::parse`]): case-, space- and hyphen-
//!   insensitive, accepting a few documented aliases; the error is
//!   [`Error::InvalidOption`] naming the option and listing every choice;
//! - [`Named::code`] / [`Named::from_code`]: a stable `u32` for the C face, which decodes a
//!   caller's integer through [`Named::decode`] (an out-of-range code is an error naming the
//!   field, never undefined behaviour);
//! - serde as the public name (aliases accepted when reading).
//!
//! ```
//! use touchpoint_core::named::Named;
//! use touchpoint_core::TimeUnit;
//!
//! assert_eq!("Seconds".parse::<TimeUnit>()?, TimeUnit::Seconds);
//! assert_eq!(TimeUnit::Seconds.to_string(), "s");
//! assert_eq!(TimeUnit::from_code(TimeUnit::Seconds.code()), Some(TimeUnit::Seconds));
//! let err = "fortnights".parse::<TimeUnit>().unwrap_err().to_string();
//! assert!(err.contains("time_unit") && err.contains("ms, s, us, ns"), "{err}");
//! assert!(TimeUnit::decode(7, "columns.time_unit").unwrap_err().to_string().contains("columns.time_unit"));
//! # Ok::<(), touchpoint_core::Error>(())
//! ```

use crate::error::{Error, Result};

/// An enum of named option values; implemented by [`named_enum!`](crate::named_enum).
pub trait Named: Copy + Eq + Sized + 'static {
    /// The option's public name in messages (`"time_unit"`, `"path_rank"`, ...).
    const OPTION: &'static str;
    /// Every value, in code order.
    const ALL: &'static [Self];
    /// Every public name, in code order (aliases excluded).
    const NAMES: &'static [&'static str];

    /// The public name.
    fn name(self) -> &'static str;

    /// The stable integer code (the C enum's value).
    fn code(self) -> u32;

    /// Accepted spellings other than the name (already normalised).
    fn aliases(self) -> &'static [&'static str];

    /// The value with this code.
    fn from_code(code: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }

    /// The value named `s` (trimmed, case-insensitive, `-` and spaces read as `_`), or `None`.
    fn lookup(s: &str) -> Option<Self> {
        let k = normalise(s);
        Self::ALL.iter().copied().find(|v| v.name() == k || v.aliases().contains(&k.as_str()))
    }

    /// `"one of a, b, c"`: the choices, for messages.
    fn choices() -> String {
        format!("one of {}", Self::NAMES.join(", "))
    }

    /// Parse a name; the error is [`Error::InvalidOption`] naming [`Self::OPTION`] and listing
    /// the choices.
    fn parse(s: &str) -> Result<Self> {
        Self::lookup(s).ok_or_else(|| {
            let close = crate::suggest::did_you_mean(s, Self::NAMES.iter().copied())
                .map_or(String::new(), |m| format!(" (did you mean {m:?}?)"));
            Error::option(Self::OPTION, format!("{s:?}"), format!("expected {}{close}", Self::choices()))
        })
    }

    /// Decode an integer a C caller wrote into `field`; the error names the field and lists the
    /// codes.
    fn decode(code: u32, field: &'static str) -> Result<Self> {
        Self::from_code(code).ok_or_else(|| {
            let codes: Vec<String> = Self::ALL.iter().map(|v| format!("{} = {}", v.code(), v.name())).collect();
            Error::option(field, code, format!("expected a {} code: {}", Self::OPTION, codes.join(", ")))
        })
    }
}

pub(crate) fn normalise(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

/// Declare an option enum with public names, aliases and stable codes (see [`named`](crate::named)).
///
/// ```
/// touchpoint_core::named_enum! {
///     /// How a thing is sorted.
///     #[derive(Default)]
///     pub enum Order: "order" {
///         /// Smallest first.
///         #[default]
///         Ascending = 0 => "ascending" | "asc",
///         /// Largest first.
///         Descending = 1 => "descending" | "desc",
///     }
/// }
/// use touchpoint_core::named::Named;
/// assert_eq!("DESC".parse::<Order>()?, Order::Descending);
/// assert_eq!(Order::NAMES, &["ascending", "descending"]);
/// # Ok::<(), touchpoint_core::Error>(())
/// ```
#[macro_export]
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $ty:ident : $option:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal => $name:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $ty {
            $( $(#[$vmeta])* $variant = $code ),+
        }

        impl $crate::named::Named for $ty {
            const OPTION: &'static str = $option;
            const ALL: &'static [Self] = &[$($ty::$variant),+];
            const NAMES: &'static [&'static str] = &[$($name),+];
            fn name(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
            fn code(self) -> u32 {
                self as u32
            }
            fn aliases(self) -> &'static [&'static str] {
                match self { $($ty::$variant => &[$($alias),*]),+ }
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::named::Named::name(*self))
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::Error;
            fn from_str(s: &str) -> $crate::Result<Self> {
                <$ty as $crate::named::Named>::parse(s)
            }
        }

        impl $crate::rows::ColumnOf for $ty {
            const TYPE: $crate::rows::ColumnType = $crate::rows::ColumnType::Str;
        }

        $crate::__named_serde!($ty);
    };
}

#[cfg(feature = "serde")]
#[doc(hidden)]
#[macro_export]
macro_rules! __named_serde {
    ($ty:ident) => {
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str($crate::named::Named::name(*self))
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                <$ty as $crate::named::Named>::parse(&s).map_err(::serde::de::Error::custom)
            }
        }
    };
}

#[cfg(not(feature = "serde"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __named_serde {
    ($ty:ident) => {};
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::named_enum! {
        /// Test enum.
        pub enum Fruit: "fruit" {
            /// a
            Apple = 0 => "apple",
            /// b
            BloodOrange = 3 => "blood_orange" | "orange",
        }
    }

    #[test]
    fn names_codes_and_errors() {
        assert_eq!(Fruit::lookup(" Blood-Orange "), Some(Fruit::BloodOrange));
        assert_eq!(Fruit::lookup("ORANGE"), Some(Fruit::BloodOrange));
        assert_eq!(Fruit::from_code(3), Some(Fruit::BloodOrange));
        assert_eq!(Fruit::from_code(1), None);
        assert_eq!(Fruit::BloodOrange.to_string(), "blood_orange");
        let e = "kiwi".parse::<Fruit>().unwrap_err().to_string();
        assert_eq!(e, "invalid option `fruit` = \"kiwi\": expected one of apple, blood_orange");
        let e = Fruit::decode(255, "basket.fruit").unwrap_err().to_string();
        assert_eq!(e, "invalid option `basket.fruit` = 255: expected a fruit code: 0 = apple, 3 = blood_orange");
        for v in Fruit::ALL {
            assert_eq!(Fruit::from_code(v.code()), Some(*v));
            assert_eq!(Fruit::lookup(v.name()), Some(*v));
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_uses_names() {
        assert_eq!(serde_json::to_string(&Fruit::BloodOrange).unwrap(), "\"blood_orange\"");
        assert_eq!(serde_json::from_str::<Fruit>("\"orange\"").unwrap(), Fruit::BloodOrange);
        assert!(serde_json::from_str::<Fruit>("\"kiwi\"").is_err());
    }
}
