"""One measurement, run in its own process by `benches/peers/run.py`:

    python workers.py TASK --file F [--order K] [--ncore N] --result OUT.json

Every task imports its library first (not timed), then times the work end to end from the file
on disk to the library's result (reading the file included), and writes a JSON document with
the timings, the RSS after the imports (the driver measures the peak RSS of this process with
GNU time) and the result reduced to what the driver compares: credited conversions per
touchpoint, or directly-follows edges with count and mean dwell.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from typing import Any, Callable, Dict, List, Tuple

HEURISTICS = ["first", "last", "linear"]
JOURNEY_MODELS = ["first", "last", "linear", "position", "time_decay", "markov", "shapley"]


def _preimport_parquet() -> None:
    """pyarrow imports its dataset module on the first Parquet read (~0.15 s): an import, not work."""
    import pyarrow.dataset  # noqa: F401
    import pyarrow.parquet  # noqa: F401


def _rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class Timer:
    """Named laps from a common start."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.last = self.t0
        self.laps: Dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now

    def total(self) -> float:
        return self.last - self.t0


# --------------------------------------------------------------------------- touchpoint


def _tp_credits(res: Any) -> Dict[str, float]:
    # the result as plain Python numbers (`to_arrow()` would import pyarrow into the measurement)
    return {t: float(c) for t, c in res.credits.items()}


def tp_paths_markov(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import touchpoint as tp

    base = _rss_kb()
    t = Timer()
    paths = tp.read_paths(args.file, nulls="total_null", value="total_conversion_value")
    t.lap("read")
    res = tp.attribute(paths, model="markov", order=args.order)
    t.lap("model")
    return t, {"rss_after_import_kb": base, "credits": {"markov": _tp_credits(res)},
               "info": {"paths": len(paths), "conversions": paths.total_conversions, "nulls": paths.total_nulls}}


def tp_paths_heuristics(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import touchpoint as tp

    base = _rss_kb()
    t = Timer()
    paths = tp.read_paths(args.file, nulls="total_null", value="total_conversion_value")
    t.lap("read")
    cmp = tp.compare(paths, models=HEURISTICS)
    t.lap("models")
    return t, {"rss_after_import_kb": base, "credits": {r.model: _tp_credits(r) for r in cmp.results}}


def tp_journey_models(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    """The seven models from the events file, one call per model (as the peer does)."""
    import pyarrow.parquet as pq

    import touchpoint as tp

    _preimport_parquet()
    base = _rss_kb()
    t = Timer()
    events = pq.read_table(args.file, columns=["customer_id", "touchpoint", "timestamp", "converted", "value"])
    t.lap("read")
    journeys = tp.Journeys.from_events(events)
    t.lap("journeys")
    credits = {}
    for m in JOURNEY_MODELS:
        credits[m] = _tp_credits(tp.attribute(journeys, model=m))
        t.lap(m)
    extra: Dict[str, Any] = {}
    if args.reference:
        # not timed: the variants that explain the peer's conventions
        extra["markov_per_journey"] = _tp_credits(tp.attribute(journeys, model="markov", allocation="per_journey"))
        extra["shapley_rate"] = _tp_credits(tp.attribute(journeys, model="shapley_rate"))
        extra["compare_all_s"] = _timed(lambda: tp.compare(journeys, models=JOURNEY_MODELS))
    return t, {"rss_after_import_kb": base, "credits": credits, "extra_credits": extra,
               "info": {"journeys": len(journeys), "conversions": journeys.total_conversions}}


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def tp_dfg(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import pyarrow.parquet as pq

    import touchpoint as tp

    _preimport_parquet()
    base = _rss_kb()
    t = Timer()
    events = pq.read_table(args.file, columns=["customer_id", "touchpoint", "timestamp", "converted", "value"])
    t.lap("read")
    journeys = tp.Journeys.from_events(events)
    t.lap("journeys")
    tr = tp.JourneyGraph(journeys, order=1, collapse_repeats=False).transitions()
    t.lap("graph")
    d = tr.to_pydict() if hasattr(tr, "to_pydict") else tr.to_dict(orient="list")
    special = {"(start)", "(conversion)", "(null)"}
    edges = {}
    for s, g, c, dw in zip(d["source"], d["target"], d["count"], d["dwell_mean_ms"]):
        if s in special or g in special:
            continue
        edges[f"{s}\t{g}"] = [float(c), None if dw is None else float(dw) / 1000.0]
    return t, {"rss_after_import_kb": base, "edges": edges, "info": {"journeys": len(journeys)}}


# --------------------------------------------------------------------------- channelattribution


def _ca_import() -> Any:
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # the package prints a banner on import
        import ChannelAttribution as ca
    return ca


def ca_markov(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import contextlib
    import io
    import re

    import pandas as pd

    ca = _ca_import()
    base = _rss_kb()
    t = Timer()
    df = pd.read_csv(args.file)
    t.lap("read")
    said = io.StringIO()  # verbose=True: it reports how many walks ended before the step cap
    with contextlib.redirect_stdout(said):
        res = ca.markov_model(df, "path", "total_conversions", var_value="total_conversion_value",
                              var_null="total_null", order=args.order, ncore=args.ncore, seed=args.seed,
                              nsim_start=args.nsim, max_step=args.max_step, verbose=True, flg_pro=False)
    t.lap("model")
    credits = {str(n): float(c) for n, c in zip(res["channel_name"], res["total_conversions"])}
    text = said.getvalue()
    m = re.search(r"maximum number of steps \((\d+)\) is reached: ([\d.]+)%", text)
    sims = re.findall(r"Number of simulations: (\d+)", text)
    info = {"max_step": int(m.group(1)) if m else None, "walks_ended_pct": float(m.group(2)) if m else None,
            "simulations_last_round": int(sims[-1]) if sims else None, "rounds": len(sims)}
    return t, {"rss_after_import_kb": base, "credits": {"markov": credits}, "info": info}


def ca_heuristics(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import pandas as pd

    ca = _ca_import()
    base = _rss_kb()
    t = Timer()
    df = pd.read_csv(args.file)
    t.lap("read")
    res = ca.heuristic_models(df, "path", "total_conversions", var_value="total_conversion_value", flg_pro=False)
    t.lap("models")
    credits = {}
    for ours, theirs in [("first", "first_touch_conversions"), ("last", "last_touch_conversions"),
                         ("linear", "linear_touch_conversions")]:
        credits[ours] = {str(n): float(c) for n, c in zip(res["channel_name"], res[theirs])}
    return t, {"rss_after_import_kb": base, "credits": credits}


# --------------------------------------------------------------------------- marketing-attribution-models


def mam_models(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import polars as pl
    from mam.core import MAM

    base = _rss_kb()
    t = Timer()
    events = pl.read_parquet(args.file, columns=["customer_id", "touchpoint", "timestamp", "converted", "value"])
    t.lap("read")
    m = MAM(events, format_type="session", channels_colname="touchpoint", journey_with_conv_colname="converted",
            datetime_colname="timestamp", user_id_colname="customer_id",
            create_journey_id_based_on_conversion=True)
    t.lap("journeys")
    runs: List[Tuple[str, Callable[[], Any]]] = [
        ("first", m.run_first_click), ("last", m.run_last_click), ("linear", m.run_linear),
        ("position", m.run_position_based), ("time_decay", lambda: m.run_time_decay(half_life_hours=168.0)),
        ("markov", m.run_markov), ("shapley", m.run_shapley),
    ]
    credits = {}
    for name, fn in runs:
        agg = fn().to_polars()
        credits[name] = {str(c): float(v) for c, v in zip(agg["channels"].cast(pl.Utf8).to_list(),
                                                          agg["attribution"].to_list()) if c is not None}
        t.lap(name)
    return t, {"rss_after_import_kb": base, "credits": credits, "info": {"journeys": m.unified_df.height}}


# --------------------------------------------------------------------------- pm4py


def pm4py_dfg(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import pandas as pd
    import pm4py

    _preimport_parquet()
    base = _rss_kb()
    t = Timer()
    df = pd.read_parquet(args.file, columns=["case_id", "touchpoint", "timestamp"])
    t.lap("read")
    log = pm4py.format_dataframe(df, case_id="case_id", activity_key="touchpoint", timestamp_key="timestamp")
    t.lap("format")
    dfg, _start, _end = pm4py.discover_dfg(log)
    t.lap("dfg")
    perf, _s, _e = pm4py.discover_performance_dfg(log)
    t.lap("performance_dfg")
    edges = {}
    for (a, b), c in dfg.items():
        p = perf.get((a, b))
        mean = p.get("mean") if isinstance(p, dict) else p
        edges[f"{a}\t{b}"] = [float(c), None if mean is None else float(mean)]
    return t, {"rss_after_import_kb": base, "edges": edges}


TASKS = {
    "tp_paths_markov": tp_paths_markov,
    "tp_paths_heuristics": tp_paths_heuristics,
    "tp_journey_models": tp_journey_models,
    "tp_dfg": tp_dfg,
    "ca_markov": ca_markov,
    "ca_heuristics": ca_heuristics,
    "mam_models": mam_models,
    "pm4py_dfg": pm4py_dfg,
}


def main(argv: List[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=sorted(TASKS))
    ap.add_argument("--file", required=True)
    ap.add_argument("--order", type=int, default=1)
    ap.add_argument("--ncore", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--nsim", type=float, default=1e5, help="channelattribution nsim_start (its default 1e5)")
    ap.add_argument("--max-step", type=int, default=None,
                    help="channelattribution max_step (its default: the longest path in the data)")
    ap.add_argument("--reference", action="store_true", help="also compute untimed comparison variants")
    ap.add_argument("--result", required=True)
    args = ap.parse_args(argv)
    timer, out = TASKS[args.task](args)
    out["seconds"] = timer.total()
    out["laps"] = timer.laps
    with open(args.result, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1:])
