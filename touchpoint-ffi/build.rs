//! Generates the C header with the pinned cbindgen into OUT_DIR; `tests/header.rs` checks that
//! the committed `include/touchpoint.h` is identical (and rewrites it with TOUCHPOINT_BLESS=1).

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
    match cbindgen::Builder::new().with_crate(&dir).with_config(config).generate() {
        Ok(b) => {
            b.write_to_file(format!("{out}/touchpoint.h"));
        }
        Err(e) => println!("cargo:warning=cbindgen failed: {e}"),
    }
}
