//! Generates the C header with the pinned cbindgen into OUT_DIR; `tests/header.rs` checks that
//! the committed `include/touchpoint.h` is identical (and rewrites it with TOUCHPOINT_BLESS=1).
//!
//! cbindgen does not expand macros, so the result-code enum, which `src/result.rs` makes from
//! the one table `src/result_codes.rs`, is expanded here from the same table into a source file
//! that cbindgen reads beside the crate.

/// The table of `src/result_codes.rs` as the Rust source of its enum (docs, variants, numbers).
macro_rules! result_codes {
    (
        $(#[doc = $edoc:literal])*
        enum $ty:ident {
            $( $(#[doc = $doc:literal])* $variant:ident = $code:literal => $name:literal, )+
        }
    ) => {
        concat!(
            $("///", $edoc, "\n",)*
            "#[repr(C)]\npub enum ", stringify!($ty), " {\n",
            $( $("    ///", $doc, "\n",)* "    ", stringify!($variant), " = ", stringify!($code), ",\n", )+
            "}\n"
        )
    };
}

const RESULT_CODES: &str = include!("src/result_codes.rs");

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let patch = std::env::var("CARGO_PKG_VERSION_PATCH").unwrap_or_default();
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let mut config = match cbindgen::Config::from_file(format!("{dir}/cbindgen.toml")) {
        Ok(c) => c,
        Err(e) => {
            println!("cargo:warning=cbindgen.toml: {e}");
            return;
        }
    };
    config.after_includes = Some(format!(
        "\n/** Version of the header; `touchpoint_version()` returns the library's. */\n\
         #define TOUCHPOINT_VERSION \"{version}\"\n\
         #define TOUCHPOINT_VERSION_MAJOR {major}\n\
         #define TOUCHPOINT_VERSION_MINOR {minor}\n\
         #define TOUCHPOINT_VERSION_PATCH {patch}\n"
    ));
    let codes = format!("{out}/touchpoint_result.rs");
    if let Err(e) = std::fs::write(&codes, RESULT_CODES) {
        println!("cargo:warning={codes}: {e}");
        return;
    }
    match cbindgen::Builder::new().with_crate(&dir).with_src(&codes).with_config(config).generate() {
        Ok(b) => {
            b.write_to_file(format!("{out}/touchpoint.h"));
        }
        Err(e) => println!("cargo:warning=cbindgen failed: {e}"),
    }
}
