"""touchpoint on Dask (``pip install touchpoint[dask]``): the same analyses on a Dask
DataFrame of events, on a laptop's worker processes or a cluster.

How it runs (DESIGN §9): ``shuffle(on=customer, force=True)`` puts every customer in one
partition; each partition becomes a :class:`~touchpoint.partial.Partial` (pickled between
processes through its checked bytes); partials are merged in a tree of ``split_every`` at a
time, and only the merged partial, bounded by the touchpoints, reaches the client, where the
exact solves run. Results are bit-identical for any partitioning and equal the single-machine
results to rounding.

Column options are those of :meth:`touchpoint.Journeys.from_events`; model options those of
:class:`touchpoint.partial.PartialSpec`.

Examples
--------
>>> import dask.dataframe as dd, pandas as pd, touchpoint as tp, touchpoint.dask
>>> pdf = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
...                     "touchpoint": ["ad", "site", "site", "ad", "ad"],
...                     "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01", "2025-01-03",
...                                                  "2025-01-02"]),
...                     "converted": [False, True, False, True, False], "value": [0.0, 50.0, 0.0, 20.0, 0.0]})
>>> ddf = dd.from_pandas(pdf, npartitions=2)
>>> res = tp.dask.attribute(ddf, models=["first", "markov"], scheduler="sync")
>>> local = tp.compare(tp.Journeys.from_events(pdf), models=["first", "markov"])
>>> bool((res.to_pandas().set_index("touchpoint") - local.to_pandas().set_index("touchpoint")).abs().max().max() < 1e-12)
True
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from touchpoint.partial import Partial, PartialSpec


def _dask() -> Any:
    try:
        import dask
    except ImportError as e:  # pragma: no cover - exercised without dask
        raise ImportError("touchpoint.dask needs dask: pip install 'touchpoint[dask]'") from e
    return dask


def vocabulary(ddf: Any, touchpoint: str = "touchpoint", **compute: Any) -> List[str]:
    """The distinct touchpoint names of ``ddf`` (one small pass), sorted."""
    return sorted(str(v) for v in ddf[touchpoint].dropna().unique().compute(**compute))


def _build(pdf: Any, spec_bytes: bytes, columns: Dict[str, Any]) -> Partial:
    # on a worker: whole customers (after the shuffle), any row order
    return Partial.from_events(pdf, PartialSpec.from_bytes(spec_bytes), **columns)


def _merge(parts: List[Partial]) -> Partial:
    return Partial.merge_all(parts)


def _columns(ddf: Any, customer: str, touchpoint: str, time: str, conversion: Optional[str],
             value: Optional[str], time_unit: str, feedback: Optional[str] = "feedback") -> Dict[str, Any]:
    have = set(ddf.columns)
    if conversion == "converted" and conversion not in have:
        conversion = None
    if value == "value" and value not in have:
        value = None
    if feedback == "feedback" and feedback not in have:
        feedback = None
    return dict(customer=customer, touchpoint=touchpoint, time=time, conversion=conversion, value=value,
                feedback=feedback, time_unit=time_unit)


def partials(ddf: Any, spec: PartialSpec, *, customer: str = "customer_id", touchpoint: str = "touchpoint",
             time: str = "timestamp", conversion: Optional[str] = "converted", value: Optional[str] = "value",
             feedback: Optional[str] = "feedback", time_unit: str = "ms", split_every: int = 8,
             shuffle: bool = True) -> Any:
    """The merged partial as a ``dask.delayed`` (not computed): shuffle by customer, one
    partial per partition, merged in a tree of ``split_every``. ``shuffle=False`` skips the
    shuffle (the costliest step) when every customer is already whole in one partition, e.g.
    files written partitioned by customer; a customer split across partitions would then be
    counted once per partition."""
    dask = _dask()
    cols = _columns(ddf, customer, touchpoint, time, conversion, value, time_unit, feedback)
    keep = [c for c in (customer, touchpoint, time, cols["conversion"], cols["value"], cols["feedback"]) if c]
    shuffled = ddf[keep].shuffle(on=customer, force=True) if shuffle else ddf[keep]
    spec_bytes = spec.to_bytes()
    level = [dask.delayed(_build)(p, spec_bytes, cols) for p in shuffled.to_delayed()]
    if split_every < 2:
        raise ValueError(f"split_every = {split_every}: merge at least 2 partials at a time")
    while len(level) > 1:
        level = [dask.delayed(_merge)(level[i:i + split_every]) for i in range(0, len(level), split_every)]
    return level[0]


def partial(ddf: Any, models: Sequence[str] = ("markov",), *, customer: str = "customer_id",
            touchpoint: str = "touchpoint", time: str = "timestamp", conversion: Optional[str] = "converted",
            value: Optional[str] = "value", feedback: Optional[str] = "feedback", time_unit: str = "ms",
            split_every: int = 8, shuffle: bool = True, spec: Optional[PartialSpec] = None,
            scheduler: Optional[str] = None, **options: Any) -> Partial:
    """The merged :class:`~touchpoint.partial.Partial` of ``ddf`` (``spec`` defaults to the
    data's vocabulary with ``models`` and ``options``; ``scheduler`` is passed to
    ``compute``; ``shuffle`` as in :func:`partials`)."""
    compute = {} if scheduler is None else {"scheduler": scheduler}
    if spec is None:
        spec = PartialSpec(vocabulary(ddf, touchpoint, **compute), models, **options)
    d = partials(ddf, spec, customer=customer, touchpoint=touchpoint, time=time, conversion=conversion,
                 value=value, feedback=feedback, time_unit=time_unit, split_every=split_every, shuffle=shuffle)
    return d.compute(**compute)


def attribute(ddf: Any, models: Sequence[str] = ("markov",), **options: Any) -> Any:
    """Attribution of a Dask DataFrame of events with every model of ``models``: a
    :class:`~touchpoint.Comparison` (equal to ``tp.compare`` on the same events)."""
    return partial(ddf, models, **options).attribute()


def experience(df: Any, *, scale: Any = "nps", conversion_feedback: str = "error", small_n: int = 30,
               **options: Any) -> Any:
    """The experience table (NPS / CSAT per touchpoint, stage, channel kind and overall) of the
    events' ``feedback`` column: the same rows as :func:`touchpoint.experience` on one machine."""
    return partial(df, (), experience=True, scale=scale, conversion_feedback=conversion_feedback, small_n=small_n,
                   **options).experience()


def graph(ddf: Any, order: int = 1, **options: Any) -> Any:
    """The journey graph of ``order`` of a Dask DataFrame of events."""
    options.setdefault("graph_orders", [order])
    return partial(ddf, (), **options).graph(order)


def path_table(ddf: Any, *, separator: str = " > ", customer: str = "customer_id", touchpoint: str = "touchpoint",
               time: str = "timestamp", conversion: Optional[str] = "converted", value: Optional[str] = "value",
               time_unit: str = "ms", scheduler: Optional[str] = None, **options: Any) -> Any:
    """The path table as a Dask DataFrame (path, conversions, nulls, value), summed exactly
    per path across partitions; it grows with the distinct paths, so it stays distributed."""
    import pandas as pd

    compute = {} if scheduler is None else {"scheduler": scheduler}
    spec = PartialSpec(vocabulary(ddf, touchpoint, **compute), (), paths=True, **options)
    cols = _columns(ddf, customer, touchpoint, time, conversion, value, time_unit)
    keep = [c for c in (customer, touchpoint, time, cols["conversion"], cols["value"]) if c]
    spec_bytes = spec.to_bytes()
    names = spec.vocabulary

    def rows(pdf: Any) -> Any:
        t = _build(pdf, spec_bytes, cols).to_arrow().to_pandas()
        t = t[t.kind == "path"][["key", "n", "c", "value_hi", "value_lo"]]
        return t.astype({"key": object})

    meta = pd.DataFrame({"key": pd.Series(dtype=object), **{c: pd.Series(dtype="int64")
                                                             for c in ("n", "c", "value_hi", "value_lo")}})
    summed = ddf[keep].shuffle(on=customer, force=True).map_partitions(rows, meta=meta).groupby("key").sum()

    def finish(t: Any) -> Any:
        lo = t.value_lo.to_numpy(dtype="int64")
        hi, lo = t.value_hi.to_numpy(dtype="int64") + (lo >> 32), lo & 0xFFFFFFFF  # carries, exactly
        path = [separator.join(names[int(i)] for i in k.split(".")) for k in t.index]
        # both terms are exact doubles, so their sum is the one rounding of the exact value
        return pd.DataFrame({"path": path, "conversions": t.c.to_numpy(dtype=float),
                             "nulls": (t.n - t.c).to_numpy(dtype=float),
                             "value": hi.astype(float) * 2.0 ** -8 + lo.astype(float) * 2.0 ** -40})

    out_meta = pd.DataFrame({"path": pd.Series(dtype=object), "conversions": pd.Series(dtype=float),
                             "nulls": pd.Series(dtype=float), "value": pd.Series(dtype=float)})
    return summed.map_partitions(finish, meta=out_meta)
