//! Shared set-up of the touchpoint benches: seeded datasets at benchmark sizes.

use touchpoint_core::{EventTable, PathTable, Result, demo};

/// About `n` demo events (the generator makes about 2.7 events per customer).
pub fn demo_events(n: usize, seed: u64) -> Result<EventTable> {
    demo::events(&demo::DemoOptions { customers: (n * 10 / 27).max(1), seed, ..Default::default() })
}

/// Write the synthetic path table of `rows` rows as CSV into `path` and return its size in bytes.
pub fn write_path_csv(rows: usize, seed: u64, path: &std::path::Path) -> Result<u64> {
    let t: PathTable = demo::paths(rows, 12, seed)?;
    let f = std::fs::File::create(path)
        .map_err(|e| touchpoint_core::Error::Io { path: path.display().to_string(), source: e })?;
    t.write_csv(std::io::BufWriter::new(f), ">")?;
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| touchpoint_core::Error::Io { path: path.display().to_string(), source: e })
}
