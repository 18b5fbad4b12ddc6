"""Python-face benchmarks (run by `make bench-py`, release build):

1. ingest N event rows (string customer and touchpoint columns, UTC timestamps) from polars and
   from pyarrow, and build journeys;
2. the overhead of attribution from Python over the core: `tp.attribute` on the 1M-row path
   CSV written by `benches/src/bin/path_csv.rs`, against the same call made twice in a row
   from Rust (reported by that program).

Usage: python bench_ingest.py [events]
"""

from __future__ import annotations

import statistics
import sys
import time

import polars as pl
import pyarrow as pa

import touchpoint as tp
from touchpoint import _touchpoint as native


def best_of(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    t0 = time.perf_counter()
    table = pa.table(native.PyEvents.demo(max(1, n * 10 // 27), 7).to_table())
    table = table.select(["customer_id", "touchpoint", "timestamp", "converted", "value"])
    frame = pl.from_arrow(table)
    print(f"generated {table.num_rows:,} events in {time.perf_counter() - t0:.1f} s "
          f"(customer_id {table.schema.field('customer_id').type}, polars {frame.schema['customer_id']})")
    for name, data in [("pyarrow", table), ("polars", frame)]:
        t = best_of(lambda: tp.Journeys.from_events(data), runs=3)
        print(f"  ingest + journeys from {name}: {t:.3f} s ({table.num_rows / t / 1e6:.1f} M rows/s)")
    t = best_of(lambda: native.PyEvents.from_arrow(table, customer="customer_id", touchpoint="touchpoint",
                                                 time="timestamp", conversion="converted", value="value"), runs=3)
    print(f"    of which Arrow import into the core: {t:.3f} s")
    # the customer column in each Arrow layout a user may hand over (the rest unchanged)
    import pyarrow.compute as pc

    cust = table.column("customer_id")
    digits = pc.cast(pc.utf8_slice_codeunits(cust, 1), pa.int64()) if str(cust[0]).startswith("c") else None
    layouts = [("string", cust), ("large_string", pc.cast(cust, pa.large_string())),
               ("string_view", pc.cast(cust, pa.string_view())), ("dictionary", pc.dictionary_encode(cust))]
    if digits is not None:
        layouts.append(("int64", digits))
    for name, col in layouts:
        t2 = table.set_column(0, "customer_id", col)
        try:
            t = best_of(lambda: tp.Journeys.from_events(t2), runs=3)
            print(f"  customer column {name}: ingest + journeys {t:.3f} s")
        except Exception as e:  # a layout the reader does not take is reported, not hidden
            print(f"  customer column {name}: {type(e).__name__}: {e}")

    path_csv = "/tmp/touchpoint-bench/paths_1000000.csv"
    try:
        paths = tp.read_paths(path_csv)
    except tp.TouchpointIOError:
        print(f"(skipping attribution overhead: run `cargo run --release -p touchpoint-benches --bin path_csv` to write {path_csv})")
        return
    for order in (1, 2, 3, 4):
        t = best_of(lambda: tp.attribute(paths, model="markov", order=order), runs=3)
        print(f"  tp.attribute markov order {order} on {len(paths):,} paths: {t:.3f} s")
    t = best_of(lambda: tp.compare(paths, models=["first", "last", "linear", "position", "j_shaped", "inverse_j", "participation"]), runs=3)
    print(f"  tp.compare 7 rule models: {t:.3f} s")


if __name__ == "__main__":
    main()
