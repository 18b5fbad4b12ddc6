"""Time the result tables the Python face builds (rows -> Arrow), on demo data.

Run with the touchpoint you want to measure installed (a release wheel); it prints the median
of 5 runs per table in milliseconds. Only the table call is timed (imports and the analysis
itself are outside the timing).

    python benches/python/bench_tables.py [customers]
"""

from __future__ import annotations

import statistics
import sys
import time

import pyarrow as pa

import touchpoint as tp


def median_ms(f, runs: int = 5) -> float:
    f()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    events = tp.demo.events(customers=customers, seed=7, backend="pyarrow")
    journeys = tp.Journeys.from_events(events, lookback="30d")
    paths = journeys.paths()
    graph = tp.JourneyGraph(journeys, order=3)
    graph.conversion_probability  # the analysis, outside the timings
    markov = tp.attribute(journeys, model="markov")
    native = tp._touchpoint
    ev_cls = getattr(native, "PyEvents", None) or getattr(native, "Events")
    ev = ev_cls.demo(customers, 7)
    rows = {
        "events table": (len(ev), lambda: ev.to_table()),
        "journeys.to_arrow": (len(journeys), lambda: journeys.to_arrow()),
        "paths.to_arrow": (len(paths), lambda: paths.to_arrow()),
        "paths.top_paths(1000)": (1001, lambda: paths.top_paths(1000)),
        "graph.transitions (order 3)": (None, lambda: graph.transitions()),
        "graph.nodes (order 3)": (None, lambda: graph.nodes()),
        "attribute(markov).to_arrow": (None, lambda: markov.to_arrow()),
    }
    print(f"touchpoint {tp.__version__}: {customers} customers, {pa.table(events).num_rows} events")
    for name, (n, f) in rows.items():
        n = n if n is not None else pa.table(f()).num_rows
        ms = median_ms(f)
        print(f"  {name:30s} {n:>9d} rows  {ms:9.3f} ms  ({1e3 * ms / max(n, 1):.3f} us/row)")


if __name__ == "__main__":
    main()
