"""Fixed cost of one call from Python: a first-touch and a last-touch attribution on the demo
journeys of 100k customers, timed from Python (the call alone, and the call with its result as
a pandas DataFrame) against the core's own time for the same call (the `call_cost` binary,
same demo data), median of 51 calls each.

    python benches/python/bench_call.py [customers] [path/to/call_cost]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

import pandas  # noqa: F401  (imports are not timed)
import pyarrow  # noqa: F401

import touchpoint as tp
from bench_tables import median_ms  # the same median-of-runs timer


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    binary = sys.argv[2] if len(sys.argv) > 2 else "call_cost"
    journeys = tp.Journeys.from_events(tp.Events.demo(customers=customers))
    core = {}
    for line in subprocess.run([binary, str(customers)], check=True, capture_output=True, text=True).stdout.splitlines():
        row = json.loads(line)
        core[row["model"]] = row
    print(f"{len(journeys):,} journeys ({customers:,} demo customers)")
    print("| model | core | Python call | over the core | Python call + to_pandas() | over the core |")
    print("|---|---|---|---|---|---|")
    events = tp.Events.demo(customers=customers)
    rows = []
    for model in ("first", "last"):
        py = median_ms(lambda: tp.attribute(journeys, model=model), runs=51)
        pd_ = median_ms(lambda: tp.attribute(journeys, model=model).to_pandas(), runs=51)
        c = core[model]["core_ms"]
        rows.append(f"| {model}, repeated | {c:.3f} ms | {py:.3f} ms | {py - c:+.3f} ms | {pd_:.3f} ms | {pd_ - c:+.3f} ms |")
        cold = []
        for _ in range(11):
            fresh = tp.Journeys.from_events(events)
            t0 = time.perf_counter()
            tp.attribute(fresh, model=model).to_pandas()
            cold.append(1e3 * (time.perf_counter() - t0))
        cc, pc = core[model]["core_cold_ms"], statistics.median(cold)
        rows.append(f"| {model}, first call on fresh journeys | {cc:.3f} ms | | | {pc:.3f} ms | {pc - cc:+.3f} ms |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
