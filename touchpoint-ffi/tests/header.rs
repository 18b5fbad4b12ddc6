//! The committed header must equal what the pinned cbindgen generates from the current source,
//! and its version macros must agree with Cargo.toml. `TOUCHPOINT_BLESS=1` rewrites it.

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/touchpoint.h"));

#[test]
fn committed_header_is_fresh() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../include/touchpoint.h");
    if std::env::var_os("TOUCHPOINT_BLESS").is_some() {
        std::fs::write(path, GENERATED).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(committed == GENERATED, "include/touchpoint.h is stale: run `make header` and commit the result");
}

#[test]
fn header_version_macros_match_cargo() {
    let v = env!("CARGO_PKG_VERSION");
    assert!(GENERATED.contains(&format!("#define TOUCHPOINT_VERSION \"{v}\"")));
    assert!(GENERATED.contains(&format!("#define TOUCHPOINT_VERSION_MAJOR {}", env!("CARGO_PKG_VERSION_MAJOR"))));
    assert!(GENERATED.contains(&format!("#define TOUCHPOINT_VERSION_MINOR {}", env!("CARGO_PKG_VERSION_MINOR"))));
    assert!(GENERATED.contains(&format!("#define TOUCHPOINT_VERSION_PATCH {}", env!("CARGO_PKG_VERSION_PATCH"))));
}

#[test]
fn readme_shows_the_tested_c_quickstart() {
    let readme = include_str!("../../README.md");
    let program = include_str!("c/quickstart.c");
    assert!(readme.contains(program), "README's C program differs from touchpoint-ffi/tests/c/quickstart.c");
    let nightly = include_str!("../../examples/crm_nightly.c");
    assert!(readme.contains(nightly), "README's nightly job differs from examples/crm_nightly.c");
    let merge = include_str!("../../examples/merge_shards.c");
    assert!(readme.contains(merge), "README's shard merge differs from examples/merge_shards.c");
}

#[test]
fn header_result_codes_are_the_table() {
    // `touchpoint_result` reaches the header through build.rs's expansion of src/result_codes.rs;
    // the names `touchpoint_result_str` returns must be the constants cbindgen wrote.
    for &r in touchpoint::touchpoint_result::ALL {
        let line = format!("  {} = {},", r.name(), r as u32);
        assert!(GENERATED.contains(&line), "the header lacks `{line}`");
    }
    let constants = GENERATED.matches("  TOUCHPOINT_RESULT_").count();
    assert_eq!(constants, touchpoint::touchpoint_result::ALL.len(), "no code in the header outside the table");
}
