"""One measurement, run in its own process by `benches/peers/run.py`:

    python workers.py TASK --file F [--order K] [--ncore N] --result OUT.json

Every task imports its library first (not timed), then times the work end to end from the file
on disk to the library's result (reading the file included), and writes a JSON document with
the timings, the RSS after the imports (the driver measures the peak RSS of this process with
GNU time) and the result reduced to what the driver compares: credited conversions per
touchpoint, or directly-follows edges with count and mean dwell.

The funnel and retention tasks (``tp_funnel``, ``chdb_funnel``, ``duckdb_funnel``,
``tp_retention``, ``chdb_retention``, ``duckdb_retention``) time three laps separately: ``load``
(the Parquet file into a pyarrow Table, the same call on every side), ``ingest`` (that table into
the library: ``tp.Events.from_frame``, a chdb session's Memory table, a DuckDB table) and
``query`` (the funnel or retention query, with its result turned into plain Python numbers), and
report each lap's own memory: the RSS at its start and its peak (the high-water mark is reset
between laps; the overall peak is reported as ``peak_rss_kb``).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

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


def _preimport_frames() -> None:
    """pandas (and pyarrow, which a pandas result may go through) imported before the clock
    starts, as the peers import pandas with themselves: imports are not work."""
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401


def tp_paths_markov(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import touchpoint as tp

    _preimport_frames()
    base = _rss_kb()
    t = Timer()
    paths = tp.read_paths(args.file, nulls="total_null", value="total_conversion_value")
    t.lap("read")
    res = tp.attribute(paths, model="markov", order=args.order)
    res.to_pandas()  # the result as the pandas DataFrame the peer returns
    t.lap("model")
    return t, {"rss_after_import_kb": base, "credits": {"markov": _tp_credits(res)},
               "info": {"paths": len(paths), "conversions": paths.total_conversions, "nulls": paths.total_nulls}}


def tp_paths_heuristics(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import touchpoint as tp

    _preimport_frames()
    base = _rss_kb()
    t = Timer()
    paths = tp.read_paths(args.file, nulls="total_null", value="total_conversion_value")
    t.lap("read")
    cmp = tp.compare(paths, models=HEURISTICS)
    cmp.to_pandas()  # the result as the pandas DataFrame the peer returns
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
    tr = tp.JourneyGraph(journeys, order=1, self_loops=True).transitions()
    t.lap("graph")
    d = tr.to_pydict() if hasattr(tr, "to_pydict") else tr.to_dict(orient="list")
    special = {"(start)", "(conversion)", "(null)"}
    edges = {}
    for s, g, c, dw in zip(d["source"], d["target"], d["count"], d["dwell_mean"]):
        if s in special or g in special:
            continue
        # a duration column: timedelta (pyarrow) or Timedelta/NaT (pandas)
        edges[f"{s}\t{g}"] = [float(c), None if dw is None or dw != dw else dw.total_seconds()]
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


# --------------------------------------------------------------------------- funnels and retention
# (touchpoint, ClickHouse through chdb, DuckDB; the same Parquet file and the same pyarrow Table)

FUNNEL_STEPS = ["search ad", "website", "store visit"]
FUNNEL_WINDOW_MS = 7 * 86_400_000
DAY_MS = 86_400_000


def _vm_kb(field: str) -> Optional[int]:
    """VmRSS / VmHWM of this process in kB (Linux), or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _reset_peak() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux: clear_refs 5)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class LapTimer(Timer):
    """A Timer that also measures each lap's own memory: the RSS when the lap starts and the peak
    RSS during the lap (the kernel's high-water mark is reset between laps, so a lap's peak is its
    own even when it stays below an earlier one). `peak_kb` is the peak over the imports and
    every lap (what GNU time would report without the resets)."""

    def __init__(self) -> None:
        self.peak_kb = _vm_kb("VmHWM") or _rss_kb()
        self.resets = _reset_peak()
        self.rss: Dict[str, int] = {}
        self.rss_start: Dict[str, int] = {}
        self._start_rss = _vm_kb("VmRSS") or 0
        super().__init__()

    def lap(self, name: str) -> None:
        super().lap(name)
        hwm = _vm_kb("VmHWM") or _rss_kb()
        self.rss[name] = hwm
        self.rss_start[name] = self._start_rss
        self.peak_kb = max(self.peak_kb, hwm)
        if self.resets:
            _reset_peak()
        self._start_rss = _vm_kb("VmRSS") or 0
        self.last = time.perf_counter()  # the reset is not part of the next lap


def _load_stream(args: argparse.Namespace) -> Any:
    import pyarrow.parquet as pq

    if args.dictionary:
        return pq.read_table(args.file, read_dictionary=["touchpoint"])
    return pq.read_table(args.file)


def _jm_out(t: LapTimer, base: int, result: Dict[str, Any], **info: Any) -> Dict[str, Any]:
    return {"rss_after_import_kb": base, "rss_laps_kb": t.rss, "rss_lap_start_kb": t.rss_start,
            "peak_rss_kb": t.peak_kb, "peak_resets": t.resets, **result, "info": info}


def tp_funnel(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import touchpoint as tp

    _preimport_parquet()
    base = _rss_kb()
    t = LapTimer()
    table = _load_stream(args)
    t.lap("load")
    ev = tp.Events.from_frame(table, customer="customer_id", touchpoint="touchpoint", time="timestamp",
                              conversion=None)
    t.lap("ingest")
    f = tp.funnel(ev, steps=FUNNEL_STEPS, window=f"{FUNNEL_WINDOW_MS // DAY_MS}d", mode="ordered")
    counts = [int(u) for u in f.to_arrow().column("units").to_pylist()]
    t.lap("query")
    return t, _jm_out(t, base, {"counts": counts}, events=len(ev), customers=ev.customers)


def tp_retention(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import touchpoint as tp

    _preimport_parquet()
    base = _rss_kb()
    t = LapTimer()
    table = _load_stream(args)
    t.lap("load")
    ev = tp.Events.from_frame(table, customer="customer_id", touchpoint="touchpoint", time="timestamp",
                              conversion=None)
    t.lap("ingest")
    r = tp.retention(ev, period="day", alignment=args.alignment)
    d = r.to_arrow().select(["cohort", "period", "observed", "retained"]).to_pydict()
    t.lap("query")
    cells = {}
    observed = {}
    for c, k, o, n in zip(d["cohort"], d["period"], d["observed"], d["retained"]):
        day = _epoch_day(c)
        if n:
            cells[f"{day},{int(k)}"] = int(n)
        if o:
            observed[f"{day},{int(k)}"] = int(o)
    return t, _jm_out(t, base, {"cells": cells, "observed": observed}, events=len(ev), customers=ev.customers,
                      rows=len(d["period"]))


def _epoch_day(c: Any) -> int:
    """A cohort start (datetime, date, or epoch ms) as days since 1970-01-01 (UTC)."""
    import datetime as dt

    if isinstance(c, dt.datetime):
        if c.tzinfo is None:
            c = c.replace(tzinfo=dt.timezone.utc)
        return int(c.timestamp() // 86_400)
    if isinstance(c, dt.date):
        return (c - dt.date(1970, 1, 1)).days
    return int(c) // DAY_MS


# ClickHouse: the touchpoint column as LowCardinality(String) (what a ClickHouse schema uses for
# a 20-value column; 'string' variants keep String), the time as UInt64 ms (windowFunnel takes
# unsigned integers, Date or DateTime, not DateTime64).
def _chdb_ingest(table: Any, variant: str) -> Any:
    from chdb import session

    s = session.Session()
    kind = "String" if variant.startswith("string") else "LowCardinality(String)"
    s.query(f"CREATE TABLE events (customer_id Int64, touchpoint {kind}, ts UInt64) ENGINE = Memory")
    # chdb's Python() table function reads the pyarrow Table in place (by its variable name)
    events_arrow = table  # noqa: F841 - referenced by name in the SQL
    s.query("INSERT INTO events SELECT customer_id, touchpoint, toUInt64(timestamp) FROM Python(events_arrow)")
    return s


def chdb_funnel_sql(variant: str) -> str:
    conds = ", ".join(f"touchpoint = '{x}'" for x in FUNNEL_STEPS)
    where = ("WHERE touchpoint IN (" + ", ".join(f"'{x}'" for x in FUNNEL_STEPS) + ") "
             if variant.endswith("prefilter") else "")
    return (f"SELECT countIf(level >= 1), countIf(level >= 2), countIf(level >= 3) FROM ("
            f"SELECT customer_id, windowFunnel({FUNNEL_WINDOW_MS})(ts, {conds}) AS level "
            f"FROM events {where}GROUP BY customer_id)")


def chdb_funnel(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import chdb  # noqa: F401

    _preimport_parquet()
    variant = args.variant or "lc_prefilter"
    base = _rss_kb()
    t = LapTimer()
    table = _load_stream(args)
    t.lap("load")
    s = _chdb_ingest(table, variant)
    t.lap("ingest")
    res = s.query(chdb_funnel_sql(variant), "CSV").bytes().decode()
    counts = [int(x) for x in res.strip().split(",")]
    t.lap("query")
    s.close()
    return t, _jm_out(t, base, {"counts": counts}, variant=variant, sql=chdb_funnel_sql(variant))


def chdb_retention_sql(variant: str, k_max: int) -> str:
    """retention(cond0, cond1, ...) per customer, summed per cohort day (sumForEach). The function
    takes at most 32 conditions, so periods 0..k_max are split into several retention() calls,
    each led by cond0 (d = 0)."""
    chunks = [", ".join(f"d = {k}" for k in range(0, min(k_max, 31) + 1))]
    lo = 32
    while lo <= k_max:
        hi = min(k_max, lo + 30)
        chunks.append(", ".join(["d = 0"] + [f"d = {k}" for k in range(lo, hi + 1)]))
        lo = hi + 1
    sel = ", ".join(f"retention({c}) AS r{i}" for i, c in enumerate(chunks))
    sums = ", ".join(f"sumForEach(r{i})" for i in range(len(chunks)))
    day = f"toInt32(intDiv(ts, {DAY_MS}))"
    if variant == "join":
        inner = (f"SELECT customer_id, first_day, {day} - first_day AS d FROM events INNER JOIN "
                 f"(SELECT customer_id, min({day}) AS first_day FROM events GROUP BY customer_id) AS f "
                 "USING (customer_id)")
        pre = ""
    elif variant == "window":
        inner = (f"SELECT customer_id, min(day) OVER (PARTITION BY customer_id) AS first_day, day - first_day AS d "
                 f"FROM (SELECT customer_id, {day} AS day FROM events)")
        pre = ""
    else:  # distinct_join: distinct (customer, day) first, then the join
        pre = f"WITH cd AS (SELECT customer_id, {day} AS day FROM events GROUP BY customer_id, day) "
        inner = ("SELECT customer_id, first_day, day - first_day AS d FROM cd INNER JOIN "
                 "(SELECT customer_id, min(day) AS first_day FROM cd GROUP BY customer_id) AS f USING (customer_id)")
    return (f"{pre}SELECT first_day, {sums} FROM (SELECT customer_id, any(first_day) AS first_day, {sel} "
            f"FROM ({inner}) GROUP BY customer_id) GROUP BY first_day")


def chdb_retention(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import chdb  # noqa: F401

    _preimport_parquet()
    variant = args.variant or "distinct_join"
    base = _rss_kb()
    t = LapTimer()
    table = _load_stream(args)
    t.lap("load")
    s = _chdb_ingest(table, "lc")
    t.lap("ingest")
    # the number of periods to ask for: the span of the data in days
    k_max = int(s.query(f"SELECT intDiv(max(ts), {DAY_MS}) - intDiv(min(ts), {DAY_MS}) FROM events", "CSV")
                .bytes().decode().strip())
    sql = chdb_retention_sql(variant, k_max)
    data = json.loads(s.query(sql, "JSONCompact").bytes())["data"]
    cells = {}
    for row in data:
        first_day, arrays = int(row[0]), row[1:]
        values = list(arrays[0]) + [v for a in arrays[1:] for v in a[1:]]
        for k, v in enumerate(values):
            if int(v):
                cells[f"{first_day},{k}"] = int(v)
    t.lap("query")
    s.close()
    return t, _jm_out(t, base, {"cells": cells}, variant=variant, k_max=k_max, sql=sql)


def _duckdb_ingest(table: Any, variant: str) -> Any:
    import duckdb

    con = duckdb.connect()
    if variant.endswith("view"):
        con.register("events", table)  # scans the Arrow table in place
    else:
        con.register("events_arrow", table)
        con.execute("CREATE TABLE events AS SELECT customer_id, touchpoint, timestamp AS ts FROM events_arrow")
        con.unregister("events_arrow")
    return con


def duckdb_funnel_sql(variant: str) -> str:
    """The deepest attempt of an ordered funnel with a window from the step-1 event: every step-1
    event starts an attempt; each later step is the customer's earliest event of that step after
    the previous step's (ASOF join: the nearest later one), kept only within the window."""
    w = FUNNEL_WINDOW_MS
    s1, s2, s3 = FUNNEL_STEPS
    ts = "timestamp" if variant.endswith("view") else "ts"
    if variant.startswith("window"):
        # the same with window functions: each event's next step-2 / step-3 time
        return f"""
WITH x AS (SELECT customer_id, {ts} AS t, touchpoint AS tp FROM events WHERE touchpoint IN ('{s1}', '{s2}', '{s3}')),
n AS (SELECT customer_id, t, tp, min(CASE WHEN tp = '{s2}' THEN t END) OVER w AS next2,
             min(CASE WHEN tp = '{s3}' THEN t END) OVER w AS next3
      FROM x WINDOW w AS (PARTITION BY customer_id ORDER BY t ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)),
a AS (SELECT customer_id, t AS t1, CASE WHEN next2 <= t + {w} THEN next2 END AS t2 FROM n WHERE tp = '{s1}'),
b AS (SELECT a.customer_id, a.t2, CASE WHEN n.next3 <= a.t1 + {w} THEN n.next3 END AS t3
      FROM a LEFT JOIN n ON n.customer_id = a.customer_id AND n.t = a.t2 AND n.tp = '{s2}'),
lv AS (SELECT customer_id, max(CASE WHEN t3 IS NOT NULL THEN 3 WHEN t2 IS NOT NULL THEN 2 ELSE 1 END) AS level
       FROM b GROUP BY customer_id)
SELECT count(*) FILTER (WHERE level >= 1), count(*) FILTER (WHERE level >= 2), count(*) FILTER (WHERE level >= 3)
FROM lv"""
    return f"""
WITH s1 AS (SELECT customer_id, {ts} AS t1 FROM events WHERE touchpoint = '{s1}'),
s2 AS (SELECT customer_id, {ts} AS t FROM events WHERE touchpoint = '{s2}'),
s3 AS (SELECT customer_id, {ts} AS t FROM events WHERE touchpoint = '{s3}'),
a2 AS (SELECT s1.customer_id, s1.t1, CASE WHEN s2.t <= s1.t1 + {w} THEN s2.t END AS t2
       FROM s1 ASOF LEFT JOIN s2 ON s1.customer_id = s2.customer_id AND s1.t1 < s2.t),
a3 AS (SELECT a2.customer_id, a2.t2, CASE WHEN s3.t <= a2.t1 + {w} THEN s3.t END AS t3
       FROM a2 ASOF LEFT JOIN s3 ON a2.customer_id = s3.customer_id AND a2.t2 < s3.t),
lv AS (SELECT customer_id, max(CASE WHEN t3 IS NOT NULL THEN 3 WHEN t2 IS NOT NULL THEN 2 ELSE 1 END) AS level
       FROM a3 GROUP BY customer_id)
SELECT count(*) FILTER (WHERE level >= 1), count(*) FILTER (WHERE level >= 2), count(*) FILTER (WHERE level >= 3)
FROM lv"""


def duckdb_funnel(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import duckdb  # noqa: F401

    _preimport_parquet()
    variant = args.variant or "asof"
    base = _rss_kb()
    t = LapTimer()
    table = _load_stream(args)
    t.lap("load")
    con = _duckdb_ingest(table, variant)
    t.lap("ingest")
    counts = [int(x) for x in con.execute(duckdb_funnel_sql(variant)).fetchone()]
    t.lap("query")
    con.close()
    return t, _jm_out(t, base, {"counts": counts}, variant=variant, sql=duckdb_funnel_sql(variant))


def duckdb_retention_sql(variant: str) -> str:
    ts = "timestamp" if variant.endswith("view") else "ts"
    if variant.startswith("window"):
        return f"""
WITH e AS (SELECT DISTINCT customer_id, {ts} // {DAY_MS} AS day FROM events),
w AS (SELECT day, min(day) OVER (PARTITION BY customer_id) AS first_day FROM e)
SELECT first_day, day - first_day AS k, count(*) AS n FROM w GROUP BY ALL"""
    return f"""
WITH e AS (SELECT DISTINCT customer_id, {ts} // {DAY_MS} AS day FROM events),
f AS (SELECT customer_id, min(day) AS first_day FROM e GROUP BY customer_id)
SELECT first_day, day - first_day AS k, count(*) AS n FROM e JOIN f USING (customer_id) GROUP BY ALL"""


def duckdb_retention(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    import duckdb  # noqa: F401

    _preimport_parquet()
    variant = args.variant or "distinct_join"
    base = _rss_kb()
    t = LapTimer()
    table = _load_stream(args)
    t.lap("load")
    con = _duckdb_ingest(table, variant)
    t.lap("ingest")
    cells = {f"{int(d)},{int(k)}": int(n) for d, k, n in con.execute(duckdb_retention_sql(variant)).fetchall()}
    t.lap("query")
    con.close()
    return t, _jm_out(t, base, {"cells": cells}, variant=variant, sql=duckdb_retention_sql(variant))


def _brute_funnel(rows: List[Tuple[int, str, int]]) -> List[int]:
    """Customers reaching each step, straight from the definition: a customer is at level k when
    some step-1 event is followed, in time order, by events of steps 2..k, each at most the window
    after that step-1 event (inclusive); the level is the deepest over all step-1 events."""
    by: Dict[int, List[Tuple[int, str]]] = {}
    for c, tp_, t in rows:
        by.setdefault(c, []).append((t, tp_))
    counts = [0] * len(FUNNEL_STEPS)
    for evs in by.values():
        evs.sort()
        best = 0

        def deepest(i: int, step: int, limit: int) -> int:
            # events after position i that match step `step` (0-based) within the limit
            if step == len(FUNNEL_STEPS):
                return step
            out = step
            for j in range(i + 1, len(evs)):
                if evs[j][1] == FUNNEL_STEPS[step] and evs[j][0] <= limit:
                    out = max(out, deepest(j, step + 1, limit))
            return out

        for i, (t1, tp_) in enumerate(evs):
            if tp_ == FUNNEL_STEPS[0]:
                best = max(best, deepest(i, 1, t1 + FUNNEL_WINDOW_MS))
        for k in range(best):
            counts[k] += 1
    return counts


def _brute_retention(rows: List[Tuple[int, str, int]]) -> Dict[str, int]:
    """Calendar-day retention ('on' mode): cell (first day, k) counts the customers with an event on
    day first_day + k (k = 0: everyone)."""
    days: Dict[int, set] = {}
    for c, _tp, t in rows:
        days.setdefault(c, set()).add(t // DAY_MS)
    cells: Dict[str, int] = {}
    for ds in days.values():
        f = min(ds)
        for d in ds:
            key = f"{f},{d - f}"
            cells[key] = cells.get(key, 0) + 1
    return cells


def _edge_rows() -> List[Tuple[int, str, int]]:
    """Hand-made customers for the rules that differ between formulations: the inclusive window
    edge, a later attempt going deeper, steps out of order, day boundaries."""
    W, D = FUNNEL_WINDOW_MS, DAY_MS
    t0 = 1_735_689_600_000 + 3 * D  # a midnight (UTC)
    sa, web, st = FUNNEL_STEPS
    spec = {
        1: [(sa, 0), (web, W - 1), (st, W)],            # store exactly at the window edge: level 3
        2: [(sa, 0), (web, 1), (st, W + 1)],            # one ms past: level 2
        3: [(sa, 0), (web, 1), (sa, 2), (web, 3), (st, W + 2)],  # only the second attempt, at its edge: 3
        4: [(web, 0), (sa, 1), (st, 2)],                # website before the ad: level 1
        5: [(sa, 0), (st, 1), (web, 2), (st, 3)],       # store before website, then again: 3
        6: [(sa, 0), (web, W + 1)],                     # website too late: 1
        7: [("email", 0), ("app", 5)],                  # never enters
        8: [(sa, 0), (web, 5), (sa, 6), (web, 7), (st, W + 6)],  # 3 via the second ad
        9: [(sa, D - 1), ("email", D), (web, 2 * D - 1), (sa, 9 * D)],  # day boundaries
        10: [(web, 0), (st, 1), (sa, 2)],               # the ad last: 1
        11: [(sa, 0), (web, W)],                        # website exactly at the edge: 2
    }
    rows = [(1_000 + c, tp_, t0 + dt) for c, evs in spec.items() for tp_, dt in evs]
    rows.sort(key=lambda r: r[2])
    return rows


def jm_selfcheck(args: argparse.Namespace) -> Tuple[Timer, Dict[str, Any]]:
    """Not a timing: the SQL of both peers (every variant) and touchpoint against the brute force
    above, on hand-made edge cases and on a ~10,000-event sample of the file (whole customers)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    t = Timer()
    table = _load_stream(args)
    cust = table.column("customer_id")
    uniq = pc.unique(cust)
    rng = np.random.default_rng(5)
    pick = pa.array(rng.choice(uniq.to_numpy(), size=min(len(uniq), 1_000), replace=False))
    sample = table.filter(pc.is_in(cust, value_set=pick))
    edges = _edge_rows()
    edge_table = pa.table({"customer_id": pa.array([r[0] for r in edges], pa.int64()),
                           "touchpoint": [r[1] for r in edges],
                           "timestamp": pa.array([r[2] for r in edges], pa.int64())})
    out: Dict[str, Any] = {"sample_events": sample.num_rows, "sample_customers": len(pick), "checks": {}}
    for name, tb in [("edge cases", edge_table), ("sample", sample)]:
        rows = list(zip(tb.column("customer_id").to_pylist(), tb.column("touchpoint").to_pylist(),
                        tb.column("timestamp").to_pylist()))
        ref_f, ref_r = _brute_funnel(rows), _brute_retention(rows)
        got: Dict[str, Any] = {"brute force funnel": ref_f}
        for v in ["lc_prefilter", "lc", "string_prefilter", "string"]:
            try:
                s = _chdb_ingest(tb, v)
                res = s.query(chdb_funnel_sql(v), "CSV").bytes().decode()
                got[f"chdb funnel {v}"] = [int(x) for x in res.strip().split(",")]
                if v == "lc":
                    k_max = int(s.query(f"SELECT intDiv(max(ts), {DAY_MS}) - intDiv(min(ts), {DAY_MS}) FROM events",
                                        "CSV").bytes().decode().strip())
                    for rv in ["distinct_join", "join", "window"]:
                        data = json.loads(s.query(chdb_retention_sql(rv, k_max), "JSONCompact").bytes())["data"]
                        cells = {}
                        for row in data:
                            vals = list(row[1]) + [x for a in row[2:] for x in a[1:]]
                            for k, x in enumerate(vals):
                                if int(x):
                                    cells[f"{int(row[0])},{k}"] = int(x)
                        got[f"chdb retention {rv}"] = cells == ref_r
                s.close()
            except ImportError as e:
                got[f"chdb {v}"] = f"not run: {e}"
        for v in ["asof", "window", "asof_view"]:
            try:
                con = _duckdb_ingest(tb, v)
                got[f"duckdb funnel {v}"] = [int(x) for x in con.execute(duckdb_funnel_sql(v)).fetchone()]
                rv = "window_view" if v == "asof_view" else v if v == "window" else "distinct_join"
                cells = {f"{int(d)},{int(k)}": int(n) for d, k, n in con.execute(duckdb_retention_sql(rv)).fetchall()}
                got[f"duckdb retention {rv}"] = cells == ref_r
                con.close()
            except ImportError as e:
                got[f"duckdb {v}"] = f"not run: {e}"
        try:
            import touchpoint as tp

            ev = tp.Events.from_frame(tb, customer="customer_id", touchpoint="touchpoint", time="timestamp",
                                      conversion=None)
            f = tp.funnel(ev, steps=FUNNEL_STEPS, window=f"{FUNNEL_WINDOW_MS // DAY_MS}d", mode="ordered")
            got["touchpoint funnel"] = [int(u) for u in f.to_arrow().column("units").to_pylist()]
            d = tp.retention(ev, period="day", alignment="calendar").to_arrow().to_pydict()
            cells = {f"{_epoch_day(c)},{int(k)}": int(n) for c, k, n in zip(d["cohort"], d["period"], d["retained"])
                     if n}
            got["touchpoint retention calendar"] = cells == ref_r
        except Exception as e:  # the API may not exist yet
            got["touchpoint"] = f"not run: {type(e).__name__}: {e}"
        ok = all(v == ref_f for k, v in got.items() if "funnel" in k and isinstance(v, list)) and \
            all(v is True for k, v in got.items() if "retention" in k)
        out["checks"][name] = {"ok": ok, "results": got}
    t.lap("checks")
    return t, out


TASKS = {
    "tp_paths_markov": tp_paths_markov,
    "tp_paths_heuristics": tp_paths_heuristics,
    "tp_journey_models": tp_journey_models,
    "tp_dfg": tp_dfg,
    "ca_markov": ca_markov,
    "ca_heuristics": ca_heuristics,
    "mam_models": mam_models,
    "pm4py_dfg": pm4py_dfg,
    "tp_funnel": tp_funnel,
    "chdb_funnel": chdb_funnel,
    "duckdb_funnel": duckdb_funnel,
    "tp_retention": tp_retention,
    "chdb_retention": chdb_retention,
    "duckdb_retention": duckdb_retention,
    "jm_selfcheck": jm_selfcheck,
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
    ap.add_argument("--variant", default=None, help="funnel/retention peers: which formulation (see the tasks)")
    ap.add_argument("--dictionary", action="store_true",
                    help="funnel/retention: read the touchpoint column dictionary-encoded")
    ap.add_argument("--alignment", default="calendar", help="tp_retention: calendar (as the peers) or rolling")
    ap.add_argument("--result", required=True)
    args = ap.parse_args(argv)
    timer, out = TASKS[args.task](args)
    out["seconds"] = timer.total()
    out["laps"] = timer.laps
    with open(args.result, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1:])
