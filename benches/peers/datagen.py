"""Seeded, deterministic datasets of the peer benchmark (`benches/peers/run.py`).

- Path tables: `n` distinct paths in the common CSV form
  ``path,total_conversions,total_conversion_value,total_null`` (integer counts, as
  channelattribution requires), drawn with numpy's ``default_rng`` from a first-order chain over
  the 12 demo touchpoints; a second file holds the same rows in a shuffled order (for the
  row-order spread of the simulating peer).
- Event logs: touchpoint's own seeded demo generator (``Events.demo(customers, seed)``), cut at a
  customer boundary at the requested number of events, written as Parquet with the columns
  customer_id, touchpoint, timestamp (ms, UTC), converted, value, and ``case_id``: the journey
  each event belongs to (per customer, sorted by time; a new journey starts after every
  conversion, exactly as touchpoint splits journeys), so that the process-mining peer gets one
  case per journey.

Every file is written once per (kind, size, seed) and reused; a ``.meta.json`` beside it records
how it was made.
"""

from __future__ import annotations

import json
import os
import time
from typing import Dict, List, Tuple

import numpy as np

# The 12 touchpoints of touchpoint's demo catalog (names with spaces and '&' on purpose).
CHANNELS = [
    "search ad", "social ad", "display", "email", "website", "app", "print mailer", "referral",
    "store visit", "click & collect", "service centre", "after-sales survey",
]

PATH_SEED = 20240611
EVENT_SEED = 7


def _meta_path(path: str) -> str:
    return path + ".meta.json"


def _fresh(path: str, meta: Dict) -> bool:
    """The file exists and was made with the same recipe."""
    try:
        with open(_meta_path(path)) as f:
            return json.load(f) == meta and os.path.exists(path)
    except (OSError, ValueError):
        return False


def _write_meta(path: str, meta: Dict) -> None:
    with open(_meta_path(path), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)


def _draw_paths(rng: np.random.Generator, batch: int, max_len: int) -> Tuple[np.ndarray, np.ndarray]:
    """A batch of channel sequences (-1 padded) from a first-order chain with sticky repeats."""
    k = len(CHANNELS)
    # fixed chain: start distribution and transition matrix drawn from the first numbers of the
    # stream of a separate generator, so every batch uses the same chain
    chain = np.random.default_rng(PATH_SEED + 1)
    start = chain.dirichlet(np.full(k, 0.8))
    trans = chain.dirichlet(np.full(k, 0.5), size=k)
    trans = 0.8 * trans + 0.2 * np.eye(k)  # repeats happen (order-1 collapse matters)
    cum_start = np.cumsum(start)
    cum_trans = np.cumsum(trans, axis=1)
    lengths = np.minimum(1 + rng.geometric(0.28, size=batch) - 1, max_len)
    seq = np.full((batch, max_len), -1, dtype=np.int64)
    cur = np.searchsorted(cum_start, rng.random(batch) * cum_start[-1])
    cur = np.minimum(cur, k - 1)
    seq[:, 0] = cur
    for pos in range(1, max_len):
        u = rng.random(batch)
        nxt = (u[:, None] > cum_trans[cur]).sum(axis=1)
        nxt = np.minimum(nxt, k - 1)
        alive = lengths > pos
        seq[alive, pos] = nxt[alive]
        cur = np.where(alive, nxt, cur)
    return seq, lengths


def path_table(n: int, out_dir: str, seed: int = PATH_SEED) -> Tuple[str, str]:
    """Write `n` distinct paths (and the same rows shuffled) as CSV; return both file names."""
    import pandas as pd

    path = os.path.join(out_dir, f"paths_{n}.csv")
    shuffled = os.path.join(out_dir, f"paths_{n}_shuffled.csv")
    meta = {"kind": "paths", "n": n, "seed": seed, "version": 2}
    if _fresh(path, meta) and _fresh(shuffled, meta):
        return path, shuffled
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    k = len(CHANNELS)
    names = np.array(CHANNELS, dtype=object)
    effect = np.random.default_rng(seed + 2).normal(0.0, 0.6, size=k)  # channel effect on conversion
    max_len = 24
    seen: Dict[str, int] = {}
    paths: List[str] = []
    lens: List[int] = []
    eff: List[float] = []
    while len(paths) < n:
        seq, lengths = _draw_paths(rng, max(2 * (n - len(paths)), 10_000), max_len)
        for row, ln in zip(seq, lengths):
            key = " > ".join(names[row[:ln]])
            if key in seen:
                continue
            seen[key] = 1
            paths.append(key)
            lens.append(ln)
            eff.append(effect[row[:ln]].mean())
            if len(paths) == n:
                break
    lens_a = np.asarray(lens, dtype=np.float64)
    eff_a = np.asarray(eff)
    # journeys per distinct path: heavy-tailed (a few very common paths, a long tail of singletons)
    journeys = 1 + np.floor(rng.pareto(1.3, size=n) * 3 * np.exp(-0.25 * (lens_a - 1))).astype(np.int64)
    p = 1.0 / (1.0 + np.exp(-(-2.4 + 0.18 * np.minimum(lens_a, 8) + eff_a)))
    conv = rng.binomial(journeys, p)
    value = np.round(conv * rng.lognormal(4.3, 0.5, size=n), 2)
    df = pd.DataFrame({
        "path": paths,
        "total_conversions": conv,
        "total_conversion_value": value,
        "total_null": journeys - conv,
    })
    df.to_csv(path, index=False)
    perm = np.random.default_rng(seed + 3).permutation(n)
    df.iloc[perm].to_csv(shuffled, index=False)
    meta_out = dict(meta)
    _write_meta(path, meta_out)
    _write_meta(shuffled, meta_out)
    print(f"  wrote {path} ({n:,} distinct paths, {int(journeys.sum()):,} journeys, "
          f"{int(conv.sum()):,} conversions) in {time.perf_counter() - t0:.1f} s", flush=True)
    return path, shuffled


def event_log(n_events: int, out_dir: str, seed: int = EVENT_SEED) -> str:
    """Write about `n_events` demo events (cut at a customer boundary) with a journey case id."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from touchpoint import _touchpoint as native

    path = os.path.join(out_dir, f"events_{n_events}.parquet")
    meta = {"kind": "events", "n": n_events, "seed": seed, "version": 2}
    if _fresh(path, meta):
        return path
    t0 = time.perf_counter()
    customers = max(1, int(n_events / 2.6)) + 100  # the generator makes ~2.7 events per customer
    table = pa.table(native.PyEvents.demo(customers, seed).to_table())
    table = table.select(["customer_id", "touchpoint", "timestamp", "converted", "value"])
    if table.num_rows > n_events:
        # cut at the customer boundary at or before n_events rows
        cust = table.column("customer_id")
        last = cust[n_events].as_py()
        first_of_last = pc.index(cust, last).as_py()
        table = table.slice(0, first_of_last)
    # journey ids: per customer sorted by time (stable), a new journey after every conversion
    cust_codes = pc.dictionary_encode(table.column("customer_id")).combine_chunks().indices.to_numpy()
    times = pc.cast(table.column("timestamp"), pa.int64()).to_numpy()
    order = np.lexsort((np.arange(table.num_rows), times, cust_codes))
    if not np.array_equal(order, np.arange(table.num_rows)):
        table = table.take(pa.array(order))
        cust_codes = cust_codes[order]
    conv = table.column("converted").to_numpy(zero_copy_only=False).astype(np.int64)
    new_customer = np.concatenate([[True], cust_codes[1:] != cust_codes[:-1]])
    prev_conv = np.concatenate([[0], conv[:-1]])
    prev_conv[new_customer] = 0
    csum = np.cumsum(prev_conv)  # conversions before this row, counted from the first customer
    base = np.maximum.accumulate(np.where(new_customer, csum, 0))
    journey_idx = csum - base  # conversions before this row within its customer
    case_id = pc.binary_join_element_wise(
        pc.cast(table.column("customer_id"), pa.string()), pa.array(journey_idx.astype(str)), "#")
    out = table.append_column("case_id", case_id)
    n_cust = int(new_customer.sum())
    n_journeys = int(new_customer.sum() + conv.sum() - conv[np.concatenate([new_customer[1:], [True]])].sum())
    pq.write_table(out, path)
    _write_meta(path, meta)
    print(f"  wrote {path} ({out.num_rows:,} events, {n_cust:,} customers, {n_journeys:,} journeys) "
          f"in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


# --------------------------------------------------------------------------- funnel / retention stream

# 20 touchpoints: the 12 demo ones and 8 more.
STREAM_TOUCHPOINTS = CHANNELS + [
    "newsletter", "push notification", "sms", "podcast ad", "tv spot", "affiliate", "call centre", "loyalty app",
]
STREAM_SEED = 11
STREAM_DAYS = 90
STREAM_START_MS = 1_735_689_600_000  # 2025-01-01 00:00 UTC
FUNNEL_STEPS = ["search ad", "website", "store visit"]
_DAY_MS = 86_400_000


def event_stream(n_events: int, out_dir: str, seed: int = STREAM_SEED) -> str:
    """Write exactly `n_events` events of about `n_events / 10` customers as one Parquet file for
    the funnel and retention benchmark; return its name.

    Columns: customer_id (int64, scattered ids), touchpoint (string, 20 names), timestamp (int64
    epoch milliseconds, UTC, over `STREAM_DAYS` days from 2025-01-01). The rows are in global time
    order, as a log is written, not grouped by customer; no customer has two events at the same
    millisecond (so tie rules cannot matter).

    Per customer: 1 + NegBin(1.5, mean 9) events (mean 10, a long tail); the touchpoints follow a
    first-order chain that is the background mix except after a search ad (the next event is the
    website with probability 0.42) and after a website visit (the store with 0.34); the gaps are
    a mix of in-session (exponential, mean 30 min, 60%) and between-visit gaps (exponential, mean
    4 days), scaled down for the few customers whose span would not fit in the period; the
    customer's first event is uniform over the starts that fit. About 30% / 15% / 5% of the
    customers reach search ad → website → store visit within 7 days.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = os.path.join(out_dir, f"stream_{n_events}.parquet")
    meta = {"kind": "stream", "n": n_events, "seed": seed, "days": STREAM_DAYS, "version": 1}
    if _fresh(path, meta):
        return path
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    names = STREAM_TOUCHPOINTS
    k = len(names)
    sa, web, store = (names.index(s) for s in FUNNEL_STEPS)
    # events per customer, cut to exactly n_events
    cnt = 1 + rng.negative_binomial(1.5, 1.5 / 10.5, size=int(n_events / 10 * 1.2) + 100)
    cs = np.cumsum(cnt)
    last = int(np.searchsorted(cs, n_events))
    cnt = cnt[: last + 1].copy()
    cnt[-1] -= cs[last] - n_events
    cnt = cnt[cnt > 0]
    n_cust = len(cnt)
    # the chain: a background mix, and the two funnel transitions
    bg = rng.dirichlet(np.full(k, 1.0))
    fixed = {sa: 0.04, web: 0.08, store: 0.012}
    others = [i for i in range(k) if i not in fixed]
    bg[others] *= (1 - sum(fixed.values())) / bg[others].sum()
    for i, p in fixed.items():
        bg[i] = p
    trans = np.tile(bg, (k, 1))
    for a, b, p in [(sa, web, 0.42), (web, store, 0.34)]:
        rest = [i for i in range(k) if i != b]
        trans[a, rest] *= (1 - p) / trans[a, rest].sum()
        trans[a, b] = p
    cum_bg, cum_tr = np.cumsum(bg), np.cumsum(trans, axis=1)
    offs = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    tp = np.empty(n_events, np.int32)
    cur = np.minimum(np.searchsorted(cum_bg, rng.random(n_cust) * cum_bg[-1]), k - 1)
    tp[offs] = cur
    alive = np.arange(n_cust)
    for pos in range(1, int(cnt.max())):
        alive = alive[cnt[alive] > pos]
        nxt = np.minimum((rng.random(len(alive))[:, None] > cum_tr[cur[alive]]).sum(axis=1), k - 1)
        cur[alive] = nxt
        tp[offs[alive] + pos] = nxt
    # times: gaps within the customer, at least 1 ms (no equal timestamps within a customer)
    short = rng.random(n_events) < 0.6
    gaps = np.where(short, rng.exponential(30 * 60_000, n_events), rng.exponential(4 * _DAY_MS, n_events))
    gaps[offs] = 0.0
    cust = np.repeat(np.arange(n_cust), cnt)
    end = STREAM_DAYS * _DAY_MS - 1
    span = np.add.reduceat(gaps, offs)
    scale = np.where(span > 0.98 * end, 0.98 * end / np.maximum(span, 1.0), 1.0)
    gi = np.maximum(np.floor(gaps * scale[cust]).astype(np.int64), 1)
    gi[offs] = 0
    rel = np.cumsum(gi)
    rel -= np.repeat(rel[offs], cnt)
    span_ms = rel[np.cumsum(cnt) - 1]
    first = (rng.random(n_cust) * (end - span_ms)).astype(np.int64)
    t = first[cust] + rel
    assert 0 <= t.min() and t.max() <= end
    ids = rng.permutation(n_cust).astype(np.int64) * 7919 + 1_000_000_007
    order = np.argsort(t, kind="stable")  # the global time order of a log
    touch = pa.DictionaryArray.from_arrays(pa.array(tp[order]), pa.array(names)).cast(pa.string())
    table = pa.table({"customer_id": ids[cust[order]], "touchpoint": touch, "timestamp": t[order] + STREAM_START_MS})
    pq.write_table(table, path)
    _write_meta(path, meta)
    print(f"  wrote {path} ({n_events:,} events, {n_cust:,} customers, {STREAM_DAYS} days) "
          f"in {time.perf_counter() - t0:.1f} s", flush=True)
    return path
