"""touchpoint on real engines: a Dask LocalCluster with two worker processes (so partials are
pickled between processes) and a local Spark session (customers straddling Arrow batches,
1, 3 and 7 shuffle partitions). Results must equal the single-machine run."""

import os
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import touchpoint as tp
from touchpoint.partial import Partial, PartialSpec

from test_partial import MODELS, canonical, events

OPTIONS = dict(order=2, lookback="2d", graph_orders=[1], experience=True)


def big_events(rows: int) -> pa.Table:
    """About `rows` events (string customer ids), built in chunks of customers."""
    parts, n, seed = [], 0, 0
    while n < rows:
        t = events(seed, customers=20_000)
        t = t.set_column(0, "customer_id", pa.compute.binary_join_element_wise(t["customer_id"],
                                                                               pa.scalar(f"-{seed}"), ""))
        parts.append(t)
        n += t.num_rows
        seed += 1
    return pa.concat_tables(parts).slice(0, rows)


def local_answer(table: pa.Table):
    """The single-machine run: journeys and compare (rows in the canonical tie order)."""
    j = tp.Journeys.from_events(canonical(table), lookback="2d")
    return tp.compare(j, models=MODELS, order=2).to_pandas().set_index("touchpoint").sort_index()


def close(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return list(a.columns) == list(b.columns) and np.allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Dask


@pytest.fixture(scope="module")
def dask_client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.filterwarnings("ignore:Sending large graph")
def test_dask_local_cluster_one_million_events(dask_client):
    import dask.dataframe as dd

    table = big_events(1_000_000)
    spec = PartialSpec(sorted(set(table["touchpoint"].drop_null().to_pylist())), MODELS, **OPTIONS)
    one = Partial.from_events(table, spec)
    ddf = dd.from_pandas(table.to_pandas(), npartitions=8)
    merged = tp.dask.partial(ddf, MODELS, split_every=3, **OPTIONS)
    assert merged.spec == spec
    assert merged == one  # bit for bit, after pickling between two worker processes
    assert merged.parts == ddf.npartitions
    assert close(merged.attribute().to_pandas().set_index("touchpoint").sort_index(), local_answer(table))
    table = table.slice(0, 100_000)  # the distributed graph and path table on a tenth
    table = table.slice(0, next(i for i in range(table.num_rows - 1, 0, -1)
                                if table["customer_id"][i] != table["customer_id"][i - 1]))
    ddf = dd.from_pandas(table.to_pandas(), npartitions=4)
    one = Partial.from_events(table, spec)
    # customers already whole per partition (partitioned by customer id): the shuffle can be
    # skipped, with the same bits
    by_customer = dd.from_pandas(table.to_pandas().set_index("customer_id").sort_index(), npartitions=4)
    assert tp.dask.partial(by_customer.reset_index(), MODELS, shuffle=False, **OPTIONS) == one
    exp = tp.dask.experience(ddf)
    assert pa.table(exp.to_arrow()) == pa.table(tp.experience(table).to_arrow())
    g = tp.dask.graph(ddf, order=1, lookback="2d")
    assert g.summary()["transitions"] == one.graph(1).summary()["transitions"]
    paths = tp.dask.path_table(ddf, lookback="2d").compute().sort_values("path").reset_index(drop=True)
    want = pa.table(Partial.from_events(table, PartialSpec(spec.vocabulary, (), paths=True, lookback="2d"))
                    .path_table().to_arrow()).to_pandas().sort_values("path").reset_index(drop=True)
    assert (paths["path"] == want["path"]).all() and (paths["conversions"] == want["conversions"]).all()
    assert (paths["value"] == want["value"]).all()  # the same rounding of the same exact sums


# ---------------------------------------------------------------------------------------------
# Spark


@pytest.fixture(scope="module")
def spark():
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the executors run this interpreter
    from pyspark.sql import SparkSession

    s = (SparkSession.builder.master("local[2]").appName("touchpoint-tests")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.sql.execution.arrow.maxRecordsPerBatch", "37")  # customers straddle batches
         .config("spark.driver.memory", "2g")
         .getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def test_spark_partitions_and_batches_equal_one_machine(spark):
    import warnings

    table = events(11, customers=3_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pyspark's note on pandas 3
        df = spark.createDataFrame(table.to_pandas())
    spec = PartialSpec(sorted(set(table["touchpoint"].drop_null().to_pylist())), MODELS, **OPTIONS)
    one = Partial.from_events(table, spec)
    for n, sort in ((1, True), (3, False), (3, True), (7, True)):
        p = tp.spark.partial(df, MODELS, partitions=n, sort=sort, **OPTIONS)  # sort: batches streamed
        assert p == one, (n, sort)
        assert p.parts == n
    res = tp.spark.attribute(df, MODELS, partitions=3, **OPTIONS)
    assert close(res.to_pandas().set_index("touchpoint").sort_index(), local_answer(table))
    exp = tp.spark.experience(df, partitions=3)
    assert pa.table(exp.to_arrow()) == pa.table(tp.experience(table).to_arrow())
    g = tp.spark.graph(df, order=1, partitions=3, lookback="2d")
    assert g.summary()["transitions"] == one.graph(1).summary()["transitions"]
    paths = tp.spark.path_table(df, partitions=3, lookback="2d").toPandas().sort_values("path").reset_index(drop=True)
    want = pa.table(Partial.from_events(table, PartialSpec(spec.vocabulary, (), paths=True, lookback="2d"))
                    .path_table().to_arrow()).to_pandas().sort_values("path").reset_index(drop=True)
    assert (paths["path"] == want["path"]).all() and (paths["conversions"] == want["conversions"]).all()
    assert np.array_equal(paths["value"].to_numpy(), want["value"].to_numpy())


def test_spark_spec_mismatch_is_refused(spark):
    table = events(2, customers=50)
    df = spark.createDataFrame(table.to_pandas())
    spec = PartialSpec(sorted(set(table["touchpoint"].drop_null().to_pylist())), MODELS, **OPTIONS)
    merged = tp.spark.partials(df, spec, partitions=2)
    other = PartialSpec(["display", "email"], MODELS, **OPTIONS)
    with pytest.raises(tp.IncompatibleError, match="fingerprint"):
        Partial.from_arrow(other, tp.spark._collect(merged))
