"""touchpoint on Spark and Dask against the same work written for the engine, on one seeded
events file (Parquet, read by every contender), median of `--runs` runs.

- Spark (local[2]): `tp.spark.attribute(df, ["markov"])` against Markov order 1 written as
  Spark SQL: journeys cut at conversions with window functions, transitions exploded with
  `lag`, counted with `groupBy`, pivoted on the driver and solved there with numpy (one solve
  for P(conversion) and one per removed touchpoint).
- Dask (LocalCluster, 2 worker processes): `tp.dask.attribute(ddf, ["markov"])` against
  single-machine touchpoint (pyarrow read, Journeys.from_events, compare) in this process.

Timed: the job from the DataFrame to the result on the driver (session and cluster start-up,
imports and file generation excluded on every side). Also printed: events per second per core,
bytes shuffled per event (the Arrow size of the shuffled columns; the partial rows), and the
bytes that reach the driver.

    python benches/python/bench_engines.py [--events 10000000] [--runs 3] [--only spark|dask]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

TOUCHPOINTS = ["display", "email", "search", "social", "store", "app", "referral", "video", "print", "call"]


def generate(path: str, events: int, seed: int = 1) -> None:
    """Seeded events: ~4 per customer, 20 % of them conversions (half pure, half converting
    touches), in customer order."""
    rng = np.random.default_rng(seed)
    customers = events // 4
    n = rng.integers(1, 8, customers)
    n = n[: np.searchsorted(np.cumsum(n), events) + 1]
    cust = np.repeat(np.arange(len(n)), n)[:events]
    m = len(cust)
    t = 1_700_000_000_000 + rng.integers(0, 30 * 86_400_000, m)
    order = np.lexsort((t, cust))
    cust, t = cust[order], t[order]
    conv = rng.random(m) < 0.2
    tp_idx = rng.integers(0, len(TOUCHPOINTS), m)
    tp_col = pa.array(np.array(TOUCHPOINTS, dtype=object)[tp_idx], pa.string())
    pure = conv & (rng.random(m) < 0.5)
    tp_col = pa.compute.if_else(pa.array(pure), pa.scalar(None, pa.string()), tp_col)
    table = pa.table({
        "customer_id": pa.compute.cast(pa.array(cust), pa.string()),
        "touchpoint": tp_col,
        "timestamp": pa.array(t, pa.timestamp("ms")),
        "converted": pa.array(conv),
        "value": pa.array(np.where(conv, np.round(rng.random(m) * 100, 2), 0.0)),
    })
    pq.write_table(table, path, row_group_size=1 << 20)


def median_time(f, runs: int):
    out, times = None, []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def markov_numpy(counts: dict, names: list) -> dict:
    """Removal effects of an order-1 chain from transition counts {(from, to): n}."""
    states = ["(start)"] + names
    idx = {s: i for i, s in enumerate(states)}
    k = len(states)
    q = np.zeros((k, k))
    r = np.zeros(k)
    out = np.zeros(k)
    for (a, b), c in counts.items():
        if b == "(conversion)":
            r[idx[a]] += c
        elif b == "(null)":
            pass
        else:
            q[idx[a], idx[b]] += c
        out[idx[a]] += c
    out[out == 0] = 1
    q, r = q / out[:, None], r / out

    def p_conv(removed=None):
        qq, rr = q.copy(), r.copy()
        if removed is not None:
            qq[:, idx[removed]] = 0  # transitions into the removed state go to null
            qq[idx[removed], :] = 0
            rr[idx[removed]] = 0
        return np.linalg.solve(np.eye(k) - qq, rr)[0]

    base = p_conv()
    return {n: 1 - p_conv(n) / base for n in names}


def spark_sql_markov(df, F, Window) -> dict:
    """Markov order 1 in Spark SQL: journeys cut at conversions, transitions by lag()."""
    w = Window.partitionBy("customer_id").orderBy("timestamp", "converted")
    d = df.withColumn("journey", F.coalesce(F.sum(F.col("converted").cast("int")).over(
        w.rowsBetween(Window.unboundedPreceding, -1)), F.lit(0)))
    jw = Window.partitionBy("customer_id", "journey").orderBy("timestamp", "converted")
    touches = d.where(F.col("touchpoint").isNotNull())
    t = touches.withColumn("prev", F.lag("touchpoint").over(jw)).withColumn("next", F.lead("touchpoint").over(jw))
    ends = d.groupBy("customer_id", "journey").agg(F.max(F.col("converted").cast("int")).alias("conv"))
    t = t.join(ends, ["customer_id", "journey"])
    edges = t.select(F.coalesce("prev", F.lit("(start)")).alias("a"), F.col("touchpoint").alias("b"))
    last = t.where(F.col("next").isNull()).select(
        F.col("touchpoint").alias("a"), F.when(F.col("conv") == 1, "(conversion)").otherwise("(null)").alias("b"))
    counts = edges.union(last).where(F.col("a") != F.col("b")).groupBy("a", "b").count().collect()
    return markov_numpy({(r["a"], r["b"]): r["count"] for r in counts}, TOUCHPOINTS)


def bench_spark(path: str, events: int, runs: int) -> None:
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession, Window
    from pyspark.sql import functions as F

    import touchpoint as tp

    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.sql.session.timeZone", "UTC").config("spark.driver.memory", "6g")
             .config("spark.sql.shuffle.partitions", "8").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.parquet(path)
    t_tp, res = median_time(lambda: tp.spark.attribute(df, ["markov"], partitions=8), runs)
    t_sorted, _ = median_time(lambda: tp.spark.attribute(df, ["markov"], partitions=8, sort=True), runs)
    voc = tp.spark.vocabulary(df)
    t_voc, _ = median_time(lambda: tp.spark.vocabulary(df), runs)
    import pyarrow as pa

    def to_python(batches):
        n = sum(b.num_rows for b in batches)
        yield pa.record_batch({"n": pa.array([n], pa.int64())})

    sel = df.select("customer_id", "touchpoint", "timestamp", "converted", "value")
    t_arrow, _ = median_time(lambda: sel.mapInArrow(to_python, "n long").agg(F.sum("n")).collect(), runs)
    t_sql, re_sql = median_time(lambda: spark_sql_markov(df, F, Window), runs)
    re_tp = res.results[0].to_pandas().set_index("touchpoint")["removal_effect"].to_dict()
    diff = max(abs(re_tp[k] - re_sql[k]) for k in TOUCHPOINTS)
    p = tp.spark.partial(df, ["markov"], partitions=8)
    driver = p.to_arrow().nbytes
    shuffled = pq.read_table(path, columns=["customer_id", "touchpoint", "timestamp", "converted", "value"]).nbytes
    print(f"| Spark local[2], {events:,} events | Spark SQL + numpy {t_sql:.2f} s | touchpoint.spark {t_tp:.2f} s "
          f"| **{t_sql / t_tp:.1f}×** | {events / t_tp / 2 / 1e6:.2f} M events/s/core |")
    print(f"  of which: vocabulary pass {t_voc:.2f} s; with sortWithinPartitions (streaming) {t_sorted:.2f} s; "
          f"Spark only reading the file and handing its {len(voc)}-touchpoint events to Python workers (no shuffle, "
          f"no work) {t_arrow:.2f} s")
    print(f"  removal effects agree to {diff:.1e}; events shuffle {shuffled / events:.1f} B/event (Arrow size of "
          f"the columns); partial rows per partition {len(p) / 8:.0f} avg; driver receives {driver:,} B")
    spark.stop()


def bench_dask(path: str, events: int, runs: int) -> None:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import touchpoint as tp

    table = pq.read_table(path)

    def single():
        t = pq.read_table(path)
        j = tp.Journeys.from_events(t)
        return tp.compare(j, models=["markov"])

    t_one, local = median_time(single, runs)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster):
        ddf = dd.read_parquet(path).repartition(npartitions=8)  # the file reads as one partition
        t_dask, res = median_time(lambda: tp.dask.attribute(ddf, ["markov"]), runs)
        p = tp.dask.partial(ddf, ["markov"])
    a = res.to_pandas().set_index("touchpoint")["markov_1"]
    b = local.to_pandas().set_index("touchpoint")["markov_1"]
    diff = float((a - b.reindex(a.index)).abs().max())
    print(f"| Dask LocalCluster (2 processes), {events:,} events | touchpoint, one machine {t_one:.2f} s | "
          f"touchpoint.dask {t_dask:.2f} s | **{t_dask / t_one:.1f}×** the single machine | "
          f"{events / t_dask / 2 / 1e6:.2f} M events/s/core |")
    print(f"  credits agree to {diff:.1e}; {ddf.npartitions} partitions, {table.nbytes / events:.1f} B/event shuffled; "
          f"driver receives {len(p.to_bytes()):,} B")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", choices=["spark", "dask"])
    a = ap.parse_args()
    path = os.path.join(tempfile.gettempdir(), f"touchpoint-engines-{a.events}.parquet")
    if not os.path.exists(path):
        generate(path, a.events)
    if a.only in (None, "spark"):
        bench_spark(path, a.events, a.runs)
    if a.only in (None, "dask"):
        bench_dask(path, a.events, a.runs)


if __name__ == "__main__":
    main()
