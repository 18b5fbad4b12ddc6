//! Time reading a path CSV: the synthetic 1M-row file, or a given one
//! (`cargo run --release -p touchpoint-benches --bin path_csv -- [rows | file.csv]`).

use std::time::Instant;

use touchpoint_core::{PathCsvOptions, PathTable};

fn main() -> touchpoint_core::Result<()> {
    let arg = std::env::args().nth(1);
    let (rows, file, bytes) = match arg.as_deref().map(|a| (a, a.parse::<usize>())) {
        Some((a, Err(_))) => {
            let file = std::path::PathBuf::from(a);
            let bytes =
                std::fs::metadata(&file).map_err(|e| touchpoint_core::Error::Io { path: a.into(), source: e })?.len();
            (0, file, bytes)
        }
        other => {
            let rows = other.and_then(|(_, r)| r.ok()).unwrap_or(1_000_000);
            let dir = std::env::temp_dir().join("touchpoint-bench");
            let _ = std::fs::create_dir_all(&dir);
            let file = dir.join(format!("paths_{rows}.csv"));
            let bytes = touchpoint_benches::write_path_csv(rows, 11, &file)?;
            (rows, file, bytes)
        }
    };
    let data =
        std::fs::read(&file).map_err(|e| touchpoint_core::Error::Io { path: file.display().to_string(), source: e })?;
    let mut times = Vec::new();
    let mut distinct = 0;
    for _ in 0..5 {
        let t0 = Instant::now();
        let t = PathTable::read_csv(data.as_slice(), &PathCsvOptions::default())?;
        times.push(t0.elapsed().as_secs_f64());
        distinct = t.len();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{rows} rows, {:.1} MB, {distinct} distinct paths: median {:.3} s ({:.0} MB/s), min {:.3} s",
        bytes as f64 / 1e6,
        times[2],
        bytes as f64 / 1e6 / times[2],
        times[0]
    );
    // the file reader streams the file in blocks (what `tp.read_paths` uses)
    let mut times = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        let t = PathTable::read_csv_path(&file, &PathCsvOptions::default())?;
        times.push(t0.elapsed().as_secs_f64());
        distinct = t.len();
    }
    times.sort_by(f64::total_cmp);
    println!("from the file (streamed): median {:.3} s, min {:.3} s ({distinct} paths)", times[2], times[0]);
    Ok(())
}
