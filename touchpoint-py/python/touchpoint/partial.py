"""Mergeable partials: the same analyses over customers spread across partitions, shards or
nights, merged by addition (what :mod:`touchpoint.spark` and :mod:`touchpoint.dask` run on).

A :class:`Partial` holds the counts a share of the customers contributes to every analysis of a
:class:`PartialSpec` (touchpoint vocabulary, journey options, models, graph orders): journey
totals, rule-model and Shapley credits, order-k transitions with dwell times, distinct
touchpoint sets, optionally the path table, and the journey build report. Counts are integers
and values fixed-point integers, so merging is exact: **any split of whole customers into
partitions, any batch cut, any row order and any merge tree give the same bits**, and the
results agree with the single-machine ones to rounding.

A customer must be whole in one partition (shuffle by customer first); within a partition its
rows may be cut across batches but must be contiguous (sort by customer). Events at the same
instant are ordered by content: touches before the conversion, then by touchpoint name.

Examples
--------
>>> import pandas as pd, touchpoint as tp
>>> from touchpoint.partial import Partial, PartialSpec
>>> df = pd.DataFrame({"customer_id": ["a", "a", "b", "b"], "touchpoint": ["ad", "site", "site", "ad"],
...                    "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01", "2025-01-03"]),
...                    "converted": [False, True, False, True], "value": [0.0, 50.0, 0.0, 20.0]})
>>> spec = PartialSpec(["ad", "site"], models=["first", "markov"])
>>> shard_a = Partial.from_events(df[df.customer_id == "a"], spec)
>>> shard_b = Partial.from_events(df[df.customer_id == "b"], spec)
>>> merged = shard_a + shard_b
>>> merged == shard_b + shard_a
True
>>> merged.attribute().to_pandas().set_index("touchpoint")["first"].to_dict()
{'ad': 1.0, 'site': 1.0}
>>> import pickle; pickle.loads(pickle.dumps(merged)) == merged
True
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from touchpoint import _touchpoint as _native
from touchpoint._util import DurationLike, _to_ms

FORMAT_VERSION = 1
"""Version of the partial's wire table (Arrow schema metadata ``touchpoint.partial.format``)."""

# the columns of the sum table and how an engine merges each (the core's `PartialRow`)
SUM_COLUMNS = ("n", "c", "value_hi", "value_lo", "x_hi", "x_lo", "dwell_n", "dwell_sum_hi", "dwell_sum_lo",
               "dwell_sq_hi", "dwell_sq_lo")
MIN_COLUMNS = ("dwell_min",)
MAX_COLUMNS = ("dwell_max",)
KEY_COLUMNS = ("kind", "key")
COLUMNS = KEY_COLUMNS + SUM_COLUMNS + MIN_COLUMNS + MAX_COLUMNS


class PartialSpec:
    """What a partial counts, fixed before any partition is built.

    Parameters
    ----------
    vocabulary
        Every touchpoint name that can occur (sorted and deduplicated here, so every partition
        given the same names agrees on their ids). Events with another name are an
        ``UnknownTouchpointError``.
    models
        Attribution models (the names of :func:`touchpoint.compare`); their options below are
        those of :func:`touchpoint.attribute`.
    graph_orders
        Also count the transitions of these orders for :meth:`Partial.graph` (Markov models
        add their own order).
    paths
        Also count the path table (it grows with the distinct paths).
    lookback, inactivity_timeout, collapse_repeats, max_touches, split_at_conversions
        Journey options, as in :meth:`touchpoint.Journeys.from_events`.
    catalog
        Touchpoint attributes (costs, channels, direct flags), as in ``from_events``.
    experience, scale, conversion_feedback, small_n
        Also count the experience table (:meth:`Partial.experience`) of the events' feedback
        scores, with the options of :func:`touchpoint.experience` (survey tables are not read
        by partials).

    Examples
    --------
    >>> from touchpoint.partial import PartialSpec
    >>> s = PartialSpec(["search", "email", "search"], models=["linear", "markov"], order=2, lookback="30d")
    >>> s.vocabulary, s.orders
    (['email', 'search'], [2])
    >>> PartialSpec.from_bytes(s.to_bytes()) == s
    True
    """

    def __init__(
        self,
        vocabulary: Iterable[str],
        models: Sequence[str] = ("markov",),
        *,
        order: int = 1,
        graph_orders: Sequence[int] = (),
        paths: bool = False,
        lookback: DurationLike = None,
        inactivity_timeout: DurationLike = None,
        collapse_repeats: bool = False,
        max_touches: Optional[int] = None,
        split_at_conversions: bool = True,
        half_life: DurationLike = "7d",
        weights: Optional[Tuple[float, float, float]] = None,
        allocation: str = "global",
        value_basis: str = "conversion_share",
        shapley_method: str = "auto",
        shapley_samples: int = 20_000,
        shapley_seed: int = 0,
        catalog: Any = None,
        experience: bool = False,
        scale: Any = "nps",
        conversion_feedback: str = "error",
        small_n: int = 30,
    ) -> None:
        from touchpoint._util import _catalog_json

        exp = None
        if experience:
            from touchpoint.experience import _options

            exp = _options(scale, None, conversion_feedback, small_n)

        if isinstance(models, str):
            models = [models]
        self._native = _native.PyPartialSpec(
            [str(v) for v in vocabulary], list(models), order=order, half_life_ms=_to_ms(half_life, "half_life"),
            weights=weights, allocation=allocation, value_basis=value_basis, shapley_method=shapley_method,
            shapley_samples=shapley_samples, shapley_seed=shapley_seed, graph_orders=list(graph_orders),
            paths=paths, lookback_ms=_to_ms(lookback, "lookback"),
            inactivity_timeout_ms=_to_ms(inactivity_timeout, "inactivity_timeout"),
            collapse_repeats=collapse_repeats, max_touches=max_touches, split_at_conversions=split_at_conversions,
            catalog_json=None if catalog is None else _catalog_json(catalog), experience_options=exp,
        )

    @classmethod
    def _of(cls, native: Any) -> "PartialSpec":
        s = cls.__new__(cls)
        s._native = native
        return s

    @property
    def fingerprint(self) -> str:
        """Fingerprint of the vocabulary and every option (16 hex digits)."""
        return self._native.fingerprint

    @property
    def vocabulary(self) -> List[str]:
        """The touchpoint names, sorted."""
        return self._native.vocabulary

    @property
    def models(self) -> List[str]:
        """The models with their parameters."""
        return self._native.models

    @property
    def orders(self) -> List[int]:
        """Every graph order counted."""
        return self._native.orders

    def to_bytes(self) -> bytes:
        """The spec as bytes (what engines ship to their workers)."""
        return bytes(self._native.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> "PartialSpec":
        """A spec from :meth:`to_bytes`."""
        return cls._of(_native.PyPartialSpec.from_bytes(bytes(data)))

    def to_json(self) -> str:
        """The spec as a JSON document (``kind`` ``"partial_spec"``, ``version`` and the
        checked bytes of :meth:`to_bytes`, base64-encoded), which :meth:`from_json` reads back
        equal."""
        return self._native.to_json()

    @classmethod
    def from_json(cls, json: str, *, backend: str = "pandas") -> "PartialSpec":
        """A spec from :meth:`to_json` (``backend`` is accepted for symmetry; a spec has no
        table); another kind's document raises :class:`~touchpoint.exceptions.ModelFileError`."""
        return cls._of(_native.PyPartialSpec.from_json(json))

    def __getstate__(self) -> Dict[str, Any]:
        return {"bytes": self.to_bytes()}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self._native = _native.PyPartialSpec.from_bytes(state["bytes"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartialSpec) and self._native == other._native

    def __repr__(self) -> str:
        return (f"PartialSpec({len(self.vocabulary)} touchpoints, models={self.models}, orders={self.orders}, "
                f"fingerprint={self.fingerprint})")


class PartialBuilder:
    """Builds one partition's :class:`Partial` from event batches (pyarrow record batches or
    tables, polars or pandas frames). Column options are those of
    :meth:`touchpoint.Journeys.from_events`.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from touchpoint.partial import PartialBuilder, PartialSpec
    >>> t = pa.table({"customer_id": ["a", "a", "a"], "touchpoint": ["ad", "site", None],
    ...               "timestamp": pa.array([1, 2, 3], pa.timestamp("ms")), "converted": [False, False, True]})
    >>> b = PartialBuilder(PartialSpec(["ad", "site"], models=["linear"]))
    >>> for batch in t.to_batches(max_chunksize=2):   # customer "a" straddles the two batches
    ...     b.push(batch)
    >>> b.finish().totals
    (1.0, 1.0, 0.0)
    """

    def __init__(self, spec: PartialSpec, *, customer: str = "customer_id", touchpoint: str = "touchpoint",
                 time: str = "timestamp", conversion: Optional[str] = "converted", value: Optional[str] = "value",
                 feedback: Optional[str] = "feedback", time_unit: str = "ms") -> None:
        self.spec = spec
        self._columns = dict(customer=customer, touchpoint=touchpoint, time=time, conversion=conversion,
                             value=value, feedback=feedback, time_unit=time_unit)
        self._native = _native.PyPartialBuilder(spec._native)

    def push(self, batch: Any) -> None:
        """Add a batch of events; the customer of its last row may continue in the next one."""
        from touchpoint import _frames
        from touchpoint._util import _optional_column

        if not hasattr(batch, "__arrow_c_stream__") and hasattr(batch, "__arrow_c_array__"):
            import pyarrow as pa

            batch = pa.Table.from_batches([batch])
        c = dict(self._columns)
        cols = _frames.columns_of(batch)
        c["conversion"] = _optional_column(cols, c["conversion"], "converted")
        c["value"] = _optional_column(cols, c["value"], "value")
        c["feedback"] = _optional_column(cols, c["feedback"], "feedback")
        if len(batch) == 0:
            return
        self._native.push(_native.PyEvents.from_arrow(batch, **c))

    def finish(self) -> "Partial":
        """The partition's partial (the builder cannot be used afterwards)."""
        return Partial(self._native.finish())

    def __reduce__(self) -> Any:
        raise TypeError("a PartialBuilder holds a partition in progress and does not pickle: finish() it and "
                        "pickle (or to_json) the Partial, which merges with the partials of the other batches")


class Partial:
    """Mergeable counts of a share of the customers; see the module docs.

    ``a + b`` and :meth:`merge` add two partials (an :class:`~touchpoint.IncompatibleError` when
    their specs differ); :meth:`attribute`, :meth:`graph` and :meth:`path_table` finish them.
    Partials pickle through their checked bytes (never a native handle).
    """

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._backend = backend

    @classmethod
    def from_events(cls, events: Any, spec: PartialSpec, *, batch_rows: Optional[int] = None,
                    **columns: Any) -> "Partial":
        """The partial of an events table holding whole customers, in any row order.
        ``batch_rows`` feeds it in batches of that many rows, sorted by customer first (the
        results do not change: that is the point). Column options are those of
        :class:`PartialBuilder`."""
        b = PartialBuilder(spec, **columns)
        if not batch_rows:
            b.push(events)  # one batch: the core groups each customer's rows itself
            return b.finish()
        import pyarrow as pa
        import pyarrow.compute as pc

        t = events if isinstance(events, pa.Table) else pa.table(events)
        # pyarrow neither sorts nor takes view types: large strings for this
        t = t.cast(pa.schema([f.with_type(pa.large_string()) if pa.types.is_string_view(f.type) else f
                              for f in t.schema]))
        t = t.take(pc.sort_indices(t[columns.get("customer", "customer_id")]))
        for batch in t.to_batches(max_chunksize=batch_rows):
            b.push(batch)
        return b.finish()

    @classmethod
    def empty(cls, spec: PartialSpec) -> "Partial":
        """The partial with no counts: the identity of merge."""
        return cls(_native.PyPartial.empty(spec._native))

    @staticmethod
    def merge_all(parts: Iterable["Partial"], spec: Optional[PartialSpec] = None) -> "Partial":
        """Merge many partials at once (any order gives the same bits)."""
        parts = list(parts)
        if spec is None:
            if not parts:
                raise ValueError("merge_all needs a spec or at least one partial")
            spec = parts[0].spec
        return Partial(_native.PyPartial.merge_all(spec._native, [p._native for p in parts]))

    def merge(self, other: "Partial") -> "Partial":
        """A new partial with both partials' counts."""
        return Partial.merge_all([self, other], self.spec)

    def __add__(self, other: "Partial") -> "Partial":
        return self.merge(other)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Partial) and self._native == other._native

    def __len__(self) -> int:
        return len(self._native)

    @property
    def spec(self) -> PartialSpec:
        """The spec it was built with."""
        return PartialSpec._of(self._native.spec)

    @property
    def parts(self) -> int:
        """Built partials merged into this one."""
        return self._native.parts

    @property
    def totals(self) -> Tuple[float, float, float]:
        """(journeys, conversions, value)."""
        return self._native.totals

    @property
    def report(self) -> Dict[str, Any]:
        """The journey build report summed over the partitions (every event accounted for)."""
        return self._native.report

    def attribute(self, *, value: bool = False) -> Any:
        """Every model of the spec, as a :class:`~touchpoint.Comparison` (``.results`` holds
        one :class:`~touchpoint.Attribution` per model)."""
        from touchpoint.attribution import Attribution, Comparison

        return Comparison([Attribution(n, self._backend) for n in self._native.attribute()], self._backend, value)

    def graph(self, order: Optional[int] = None) -> Any:
        """The journey graph of ``order`` (default: the spec's lowest order)."""
        from touchpoint.graph import JourneyGraph

        if order is None:
            orders = self.spec.orders
            order = orders[0] if orders else 1
        return JourneyGraph._of(self._native.graph(order), self._backend)

    def experience(self) -> Any:
        """The experience table of the counted feedback scores (needs a spec with
        ``experience=True``): the same rows as :func:`touchpoint.experience` on all the events."""
        from touchpoint.experience import Experience

        return Experience(self._native.experience(), self._backend)

    def path_table(self) -> Any:
        """The path table (needs a spec with ``paths=True``)."""
        from touchpoint.paths import PathTable

        return PathTable(self._native.path_table(), self._backend)

    def to_arrow(self) -> Any:
        """The sum table as a pyarrow Table (``kind, key`` and the integer columns of
        :data:`COLUMNS`), with the format version and fingerprint in the schema metadata: what
        an engine merges with a group-by sum."""
        import pyarrow as pa

        t = pa.table(self._native.rows())
        return t.replace_schema_metadata({b"touchpoint.partial.format": str(FORMAT_VERSION).encode(),
                                          b"touchpoint.partial.fingerprint": self.spec.fingerprint.encode()})

    @classmethod
    def from_arrow(cls, spec: PartialSpec, table: Any) -> "Partial":
        """A partial from sum-table rows (merged by an engine or not; equal keys are added)."""
        meta = getattr(getattr(table, "schema", None), "metadata", None) or {}
        fmt = meta.get(b"touchpoint.partial.format")
        if fmt is not None and int(fmt) > FORMAT_VERSION:
            from touchpoint.exceptions import IncompatibleError

            raise IncompatibleError(f"the partial table has format {int(fmt)}; this touchpoint reads up to "
                                    f"{FORMAT_VERSION}: upgrade touchpoint on the driver")
        return cls(_native.PyPartial.from_arrow(spec._native, table))

    def to_ipc(self) -> bytes:
        """The sum table as Arrow IPC stream bytes (with its metadata)."""
        import pyarrow as pa

        t = self.to_arrow()
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, t.schema) as w:
            w.write_table(t)
        return sink.getvalue().to_pybytes()

    @classmethod
    def from_ipc(cls, spec: PartialSpec, data: bytes) -> "Partial":
        """A partial from :meth:`to_ipc` bytes."""
        import pyarrow as pa

        return cls.from_arrow(spec, pa.ipc.open_stream(data).read_all())

    def to_bytes(self) -> bytes:
        """Checked bytes (the saved-model container, kind ``partial``): the same bytes the C
        library reads and writes."""
        return bytes(self._native.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes, *, backend: str = "pandas") -> "Partial":
        """A partial from :meth:`to_bytes` (``ModelFileError`` if damaged)."""
        return cls(_native.PyPartial.from_bytes(bytes(data)), backend)

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Write :meth:`to_bytes` to a file (whole or not at all)."""
        from touchpoint.attribution import _write_atomic

        _write_atomic(path, self.to_bytes())

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"], *, backend: str = "pandas") -> "Partial":
        """A partial saved with :meth:`save`."""
        with open(os.fspath(path), "rb") as f:
            return cls.from_bytes(f.read(), backend=backend)

    def to_json(self) -> str:
        """The partial as a JSON document (``kind`` ``"partial"``, ``version`` and the checked
        bytes of :meth:`to_bytes`, base64-encoded), which :meth:`from_json` reads back equal."""
        return self._native.to_json()

    @classmethod
    def from_json(cls, json: str, *, backend: str = "pandas") -> "Partial":
        """A partial from :meth:`to_json`; another kind's document raises
        :class:`~touchpoint.exceptions.ModelFileError` naming both kinds."""
        return cls(_native.PyPartial.from_json(json), backend)

    def __getstate__(self) -> Dict[str, Any]:
        return {"bytes": self.to_bytes(), "backend": self._backend}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self._native = _native.PyPartial.from_bytes(state["bytes"])
        self._backend = state["backend"]

    def __repr__(self) -> str:
        j, c, v = self.totals
        return f"Partial({self.parts} parts, {j:.0f} journeys, {c:.0f} conversions, {len(self)} cells)"
