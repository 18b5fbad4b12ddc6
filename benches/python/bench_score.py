"""Time scoring open journeys from Python against a loaded order-2 graph (median of 3 runs;
imports and data generation excluded): DataFrame in, DataFrame out, and its parts.

    python benches/python/bench_score.py [customers]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

import pandas as pd

import touchpoint as tp


def median(f, runs=3):
    ts = []
    out = None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    history = tp.Journeys.from_events(tp.demo.events(customers=200_000, seed=3, backend="pyarrow"))
    f = os.path.join(tempfile.mkdtemp(), "graph.tpm")
    tp.JourneyGraph(history, order=2).save(f)
    t_load, g = median(lambda: tp.JourneyGraph.load(f))
    ev = tp.demo.events(customers=n, seed=4, backend="pandas")
    first = ev[ev.converted].groupby("customer_id").timestamp.min()
    ev = ev.join(first.rename("first_conversion"), on="customer_id")
    open_now = ev[ev.first_conversion.isna() | (ev.timestamp < ev.first_conversion)][["customer_id", "touchpoint", "timestamp"]]
    open_now = open_now.reset_index(drop=True)
    scorer = g.scorer()
    t_all, s = median(lambda: g.score(open_now).to_pandas())
    t_events, events = median(lambda: tp.Events.from_frame(open_now))
    t_score, scores = median(lambda: scorer.score(events))
    t_frame, _ = median(lambda: scores.to_pandas())
    t_next, _ = median(lambda: scores.next_touchpoints())
    print(f"load the saved order-2 graph: {t_load * 1e3:.1f} ms")
    print(f"g.score(DataFrame of {len(open_now):,} open events, {len(s):,} customers).to_pandas(): {t_all:.3f} s")
    print(f"  events from the DataFrame {t_events:.3f} s; scoring (Arrow tables) {t_score:.3f} s; "
          f"to pandas {t_frame:.3f} s; next_touchpoints() to pandas {t_next:.3f} s")


if __name__ == "__main__":
    main()
