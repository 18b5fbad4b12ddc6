//! The fuzz targets' committed corpora (`fuzz/corpus/<target>/`, crashes found and fixed
//! included) replayed through the targets' own functions (`fuzz/src/lib.rs`), on stable, as
//! part of `make test`. `make fuzz` runs the targets themselves (nightly, libFuzzer).

#[allow(dead_code, clippy::all)]
#[path = "../../fuzz/src/lib.rs"]
mod targets;

#[test]
fn fuzz_corpora_replay() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    for (name, run) in targets::TARGETS {
        let dir = root.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{}: no corpus", dir.display());
        for f in &files {
            let data = std::fs::read(f).unwrap();
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                panic!("fuzz target {name} fails on {}", f.display());
            }
        }
        eprintln!("{name}: {} inputs", files.len());
    }
}
