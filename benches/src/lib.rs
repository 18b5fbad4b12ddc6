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

/// As many paths as touchpoints (`n`), 1–4 touches each, skewed popularity (touchpoint
/// `⌊u²·n⌋` for uniform `u`). A journey runs from popular to rare touchpoints (funnel order)
/// except a fraction `shuffled` (0–1) of them, in random order: those close cycles.
pub fn many_touchpoint_paths(n: usize, shuffled: f64, seed: u64) -> Result<PathTable> {
    let names: Vec<String> = (0..n).map(|i| format!("tp_{i}")).collect();
    let mut t = PathTable::new(touchpoint_core::Catalog::from_names(&names));
    let mut s = seed;
    let mut next = || {
        // SplitMix64
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut path = Vec::new();
    for _ in 0..n {
        path.clear();
        let len = 1 + (next() * 4.0) as usize;
        for _ in 0..len {
            let u = next();
            path.push(touchpoint_core::TouchpointId((((u * u) * n as f64) as usize).min(n - 1) as u32));
        }
        if next() >= shuffled {
            path.sort_unstable();
        }
        let conv = if next() < 0.3 { 1.0 } else { 0.0 };
        let nulls = if conv == 0.0 { 1.0 + (next() * 5.0).floor() } else { 0.0 };
        t.add(&path, conv, nulls, conv * 50.0)?;
    }
    Ok(t)
}
