"""touchpoint on Spark (``pip install touchpoint[spark]``): the same analyses on a Spark
DataFrame of events, computed where the data lives.

How it runs (DESIGN §9): the events are shuffled by customer
(``repartition(n, customer).sortWithinPartitions(customer, time)``); every partition builds a
:class:`~touchpoint.partial.Partial` in ``mapInArrow``, batch by batch (customers may straddle
Arrow batches);
Spark's own ``groupBy(kind, key)`` sums the partials' rows exactly (integers and fixed-point
limbs); only the merged table, bounded by the touchpoints, reaches the driver, where the exact
solves run. Results are bit-identical for any number of partitions and batch size, and equal
the single-machine results to rounding. Nothing relies on Python's salted ``hash()``.

Column options are those of :meth:`touchpoint.Journeys.from_events`; Spark timestamps
(microseconds) and every Arrow string flavour are read as they come. Model options are those
of :class:`touchpoint.partial.PartialSpec`.

Examples
--------
>>> import touchpoint as tp, touchpoint.spark                           # doctest: +SKIP
>>> res = tp.spark.attribute(df, models=["linear", "markov"], order=2)  # doctest: +SKIP
>>> res.to_pandas()                                                     # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from touchpoint.partial import COLUMNS, MAX_COLUMNS, MIN_COLUMNS, SUM_COLUMNS, Partial, PartialBuilder, PartialSpec

#: The schema of the partial rows ``mapInArrow`` yields.
SCHEMA = ", ".join([f"{c} string" for c in ("kind", "key")] + [f"{c} long" for c in COLUMNS[2:]])


def _spark_functions() -> Any:
    try:
        from pyspark.sql import functions as F
    except ImportError as e:  # pragma: no cover - exercised without pyspark
        raise ImportError("touchpoint.spark needs pyspark: pip install 'touchpoint[spark]'") from e
    return F


def vocabulary(df: Any, touchpoint: str = "touchpoint") -> List[str]:
    """The distinct touchpoint names of ``df`` (one small distributed pass), sorted."""
    return _distinct(df, touchpoint)


def _distinct(df: Any, touchpoint: str) -> List[str]:
    F = _spark_functions()
    rows = df.where(F.col(touchpoint).isNotNull()).select(touchpoint).distinct().collect()
    return sorted(str(r[0]) for r in rows)


def _columns(df: Any, customer: str, touchpoint: str, time: str, conversion: Optional[str],
             value: Optional[str], feedback: Optional[str] = "feedback") -> Tuple[List[str], Dict[str, Any]]:
    have = set(df.columns)
    if conversion == "converted" and conversion not in have:
        conversion = None
    if value == "value" and value not in have:
        value = None
    if feedback == "feedback" and feedback not in have:
        feedback = None
    cols = [customer, touchpoint, time] + [c for c in (conversion, value, feedback) if c]
    return cols, dict(customer=customer, touchpoint=touchpoint, time=time, conversion=conversion, value=value,
                      feedback=feedback)


def partials(df: Any, spec: PartialSpec, *, customer: str = "customer_id", touchpoint: str = "touchpoint",
             time: str = "timestamp", conversion: Optional[str] = "converted", value: Optional[str] = "value",
             feedback: Optional[str] = "feedback", time_unit: str = "ms", partitions: Optional[int] = None,
             sort: bool = True) -> Any:
    """The merged sum table as a (distributed) Spark DataFrame: shuffle by customer, one partial
    per partition in ``mapInArrow``, then ``groupBy(kind, key)`` with a sum of every count.

    ``sort=True`` (default) also sorts each partition by customer and time
    (``sortWithinPartitions``) and streams its Arrow batches through the builder (customers
    straddle batches), so a worker holds one batch at a time. ``sort=False`` skips Spark's sort
    and holds a partition's events on its worker, letting the core group them (not faster on
    the measured 10M events: 20.3 s against 18.7 s). Both give the same bits."""
    F = _spark_functions()
    cols, names = _columns(df, customer, touchpoint, time, conversion, value, feedback)
    n = partitions or int(df.sparkSession.conf.get("spark.sql.shuffle.partitions", "200"))
    events = df.select(*cols).repartition(n, customer)
    if sort:
        events = events.sortWithinPartitions(customer, time)
    spec_bytes = spec.to_bytes()

    def build(batches: Any) -> Any:
        # runs on the executors: the spec travels as bytes, the partial leaves as Arrow batches
        import pyarrow as pa

        b = PartialBuilder(PartialSpec.from_bytes(spec_bytes), time_unit=time_unit, **names)
        if sort:
            for batch in batches:
                if batch.num_rows:
                    b.push(batch)
        else:
            held = [batch for batch in batches if batch.num_rows]
            if held:
                b.push(pa.Table.from_batches(held))
        yield from b.finish().to_arrow().to_batches()

    rows = events.mapInArrow(build, SCHEMA)
    aggs = ([F.sum(c).alias(c) for c in SUM_COLUMNS] + [F.min(c).alias(c) for c in MIN_COLUMNS]
            + [F.max(c).alias(c) for c in MAX_COLUMNS])
    return rows.groupBy("kind", "key").agg(*aggs)


def _collect(table: Any) -> Any:
    """A small Spark DataFrame as a pyarrow Table (Spark 4's ``toArrow`` when available)."""
    import pyarrow as pa

    if hasattr(table, "toArrow"):
        return table.toArrow()
    return pa.Table.from_pandas(table.toPandas(), preserve_index=False)


def partial(df: Any, models: Sequence[str] = ("markov",), *, customer: str = "customer_id",
            touchpoint: str = "touchpoint", time: str = "timestamp", conversion: Optional[str] = "converted",
            value: Optional[str] = "value", feedback: Optional[str] = "feedback", time_unit: str = "ms",
            partitions: Optional[int] = None, sort: bool = True, spec: Optional[PartialSpec] = None,
            vocabulary: Optional[List[str]] = None, **options: Any) -> Partial:
    """The merged :class:`~touchpoint.partial.Partial` of ``df`` on the driver. ``spec``
    defaults to ``vocabulary`` (default: the data's touchpoints, one extra pass) with
    ``models`` and ``options``; ``sort`` as in :func:`partials`."""
    if spec is None:
        names = _distinct(df, touchpoint) if vocabulary is None else vocabulary
        spec = PartialSpec(names, models, **options)
    merged = partials(df, spec, customer=customer, touchpoint=touchpoint, time=time, conversion=conversion,
                      value=value, feedback=feedback, time_unit=time_unit, partitions=partitions, sort=sort)
    return Partial.from_arrow(spec, _collect(merged))


def attribute(df: Any, models: Sequence[str] = ("markov",), **options: Any) -> Any:
    """Attribution of a Spark DataFrame of events with every model of ``models``: a
    :class:`~touchpoint.Comparison` (equal to ``tp.compare`` on the same events).

    Options: the column names, ``time_unit``, ``partitions`` and the options of
    :class:`~touchpoint.partial.PartialSpec` (``order``, ``lookback``, ...)."""
    return partial(df, models, **options).attribute()


def experience(df: Any, *, scale: Any = "nps", conversion_feedback: str = "error", small_n: int = 30,
               **options: Any) -> Any:
    """The experience table (NPS / CSAT per touchpoint, stage, channel kind and overall) of the
    events' ``feedback`` column: the same rows as :func:`touchpoint.experience` on one machine."""
    return partial(df, (), experience=True, scale=scale, conversion_feedback=conversion_feedback, small_n=small_n,
                   **options).experience()


def graph(df: Any, order: int = 1, **options: Any) -> Any:
    """The journey graph of ``order`` of a Spark DataFrame of events."""
    options.setdefault("graph_orders", [order])
    return partial(df, (), **options).graph(order)


def path_table(df: Any, *, separator: str = " > ", customer: str = "customer_id", touchpoint: str = "touchpoint",
               time: str = "timestamp", conversion: Optional[str] = "converted", value: Optional[str] = "value",
               time_unit: str = "ms", partitions: Optional[int] = None, **options: Any) -> Any:
    """The path table as a distributed Spark DataFrame (path, conversions, nulls, value): it
    grows with the distinct paths, so it stays on the cluster."""
    F = _spark_functions()
    spec = PartialSpec(vocabulary(df, touchpoint), (), paths=True, **options)
    merged = partials(df, spec, customer=customer, touchpoint=touchpoint, time=time, conversion=conversion,
                      value=value, time_unit=time_unit, partitions=partitions)
    names = F.array(*[F.lit(v) for v in spec.vocabulary])
    ids = F.split(F.col("key"), r"\.")
    path = F.array_join(F.transform(ids, lambda x: F.element_at(names, x.cast("int") + 1)), separator)
    # value = (hi · 2^32 + lo) / 2^40, summed exactly as decimals, rounded once
    fixed = (F.col("value_hi").cast("decimal(38,0)") * F.lit(4294967296).cast("decimal(38,0)")
             + F.col("value_lo").cast("decimal(38,0)"))
    return merged.where(F.col("kind") == "path").select(
        path.alias("path"),
        F.col("c").cast("double").alias("conversions"),
        (F.col("n") - F.col("c")).cast("double").alias("nulls"),
        (fixed.cast("double") / F.lit(float(1 << 40))).alias("value"),
    )
