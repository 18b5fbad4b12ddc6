"""The Python face of touchpoint: DataFrame in, DataFrame out. Every computation runs in the
Rust core (``touchpoint._touchpoint``); this module only moves tables and options across."""

from __future__ import annotations

import datetime as _dt
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from touchpoint import _frames
from touchpoint import _touchpoint as _native
from touchpoint.exceptions import InputError, InputTypeError

DurationLike = Union[None, int, float, str, _dt.timedelta]

_UNITS_MS = {"ms": 1, "s": 1_000, "m": 60_000, "min": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


# compiled once at import (compiling it on a model's first call cost a third of a millisecond)
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d|w)\s*")


def _to_ms(value: DurationLike, name: str) -> Optional[int]:
    """Durations: None, milliseconds (int/float), timedelta, or text like '30d', '12h', '90min'."""
    if value is None:
        return None
    if isinstance(value, _dt.timedelta):
        return int(value.total_seconds() * 1000)
    if isinstance(value, bool):
        raise InputTypeError(f"{name} = {value!r}: expected a duration such as '30d', a timedelta or milliseconds")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        m = _DURATION.fullmatch(value)
        if m:
            return int(float(m.group(1)) * _UNITS_MS[m.group(2)])
        raise InputError(f"{name} = {value!r}: expected a number and a unit (ms, s, min, h, d, w), e.g. '30d'")
    raise InputTypeError(f"{name} = {value!r}: expected a duration such as '30d', a timedelta or milliseconds")


def _optional_column(cols: Optional[List[str]], name: Optional[str], default: str) -> Optional[str]:
    """A column left at its default is used only when the table has it."""
    if name is None:
        return None
    if name == default and cols is not None and name not in cols:
        return None
    return name


def _pandas_without_arrow(obj: Any) -> bool:
    if _frames.backend_of(obj) != "pandas":
        return False
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return True
    return False


def _events_from_pandas_lists(df: Any, customer: str, touchpoint: str, time: str, conversion: Optional[str],
                              value: Optional[str], feedback: Optional[str], time_unit: str) -> Any:
    """pandas without pyarrow: move the columns as lists and numpy arrays."""
    import pandas as pd

    for c in [customer, touchpoint, time] + [c for c in (conversion, value, feedback) if c]:
        if c not in df.columns:
            from touchpoint.exceptions import ColumnNotFoundError

            raise ColumnNotFoundError(
                f"missing column `{c}`: the table has [{', '.join(map(str, df.columns))}]; pass the right column name"
            )
    n = len(df)
    t = df[time]
    if pd.api.types.is_datetime64_any_dtype(t):
        ts = pd.to_datetime(t, utc=True)
        ms = ((ts - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)).astype("int64").tolist()
    elif pd.api.types.is_numeric_dtype(t):
        factor = {"s": 1000.0, "ms": 1.0, "us": 1e-3, "ns": 1e-6}.get(time_unit)
        if factor is None:
            raise InputError(f"time_unit = {time_unit!r}: expected s, ms, us or ns")
        ms = [int(x * factor // 1) for x in t.tolist()]
    else:
        ts = pd.to_datetime(t, utc=True, format="ISO8601")
        ms = ((ts - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)).astype("int64").tolist()
    tps = [None if (x is None or (isinstance(x, float) and x != x)) else str(x) for x in df[touchpoint].tolist()]
    conv = [bool(x) if x == x else False for x in df[conversion].tolist()] if conversion else [False] * n
    vals = [float(x) if x == x and x is not None else 0.0 for x in df[value].tolist()] if value else [0.0] * n
    fb = [None if x is None or x != x else float(x) for x in df[feedback].tolist()] if feedback else None
    return _native.Events.from_lists([str(x) for x in df[customer].tolist()], tps, ms, conv, vals, fb)


def _catalog_json(catalog: Any) -> str:
    """A touchpoint catalog (DataFrame with a `touchpoint` or `name` column plus any of channel,
    stage, cost, direct, paid; a list of dicts; or a dict name -> attributes) as core JSON."""
    import json
    import math

    if isinstance(catalog, dict):
        records = [dict(attrs, name=name) for name, attrs in catalog.items()]
    elif isinstance(catalog, list):
        records = [dict(r) for r in catalog]
    else:
        backend = _frames.backend_of(catalog)
        if backend == "pandas":
            records = catalog.to_dict(orient="records")
        elif backend == "polars":
            records = catalog.to_dicts()
        else:
            records = catalog.to_pylist() if hasattr(catalog, "to_pylist") else list(catalog)
    out = []
    for r in records:
        if "name" not in r and "touchpoint" in r:
            r["name"] = r.pop("touchpoint")
        clean = {}
        for k, v in r.items():
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            if k in ("direct", "paid"):
                v = bool(v)
            elif k == "cost":
                v = float(v)
            elif k in ("name", "channel", "stage"):
                v = str(v)
            else:
                continue
            clean[k] = v
        out.append(clean)
    return json.dumps(out)


class _Tabular:
    """Conversions shared by every result that is a table."""

    _backend: str = "pandas"

    def _table(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_pandas(self) -> Any:
        """The table as a pandas DataFrame."""
        return _frames.to_backend(self._table(), "pandas")

    def to_polars(self) -> Any:
        """The table as a polars DataFrame."""
        return _frames.to_backend(self._table(), "polars")

    def to_arrow(self) -> Any:
        """The table as a pyarrow Table."""
        return _frames.to_backend(self._table(), "pyarrow")

    def to_frame(self) -> Any:
        """The table in the library the input came from (pandas in, pandas out)."""
        return _frames.to_backend(self._table(), self._backend)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._table().__arrow_c_stream__(requested_schema)

    def _repr_html_(self) -> str:
        return _frames.html_table(self._table(), repr(self))


class Journeys(_Tabular):
    """Customer journeys built from events: per customer, sorted by time; touches up to and
    including a conversion form a converting journey, touches after the last conversion a
    non-converting one. Everything left out (lookback window, repeats, truncation) is counted in
    :attr:`report`.

    Examples
    --------
    >>> import touchpoint as tp
    >>> events = tp.demo.events(customers=300, seed=7)
    >>> journeys = tp.Journeys.from_events(events, lookback="30d")
    >>> journeys.report["journeys_converting"] > 0
    True
    >>> journeys.report["touches_in"] == journeys.report["touches_kept"] + journeys.report["touches_outside_lookback"]
    True
    """

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._backend = backend

    @classmethod
    def from_events(
        cls,
        events: Any,
        *,
        customer: str = "customer_id",
        touchpoint: str = "touchpoint",
        time: str = "timestamp",
        conversion: Optional[str] = "converted",
        value: Optional[str] = "value",
        feedback: Optional[str] = None,
        time_unit: str = "ms",
        lookback: DurationLike = None,
        inactivity_timeout: DurationLike = None,
        collapse_repeats: bool = False,
        max_touches: Optional[int] = None,
        split_at_conversions: bool = True,
        catalog: Any = None,
    ) -> "Journeys":
        """Build journeys from an events table.

        Parameters
        ----------
        events
            Any table with the Arrow PyCapsule interface (pyarrow Table, polars DataFrame,
            pandas DataFrame, duckdb result); pandas without pyarrow also works (slower).
        customer, touchpoint, time
            Column names. Customers may be strings or integers; times may be timestamps of any
            unit and time zone, dates, epoch numbers (see ``time_unit``) or ISO 8601 strings.
        conversion
            Boolean (or 0/1) column: the customer converted at this row. A row with an empty
            touchpoint and the flag set is a pure conversion (a purchase with no touchpoint).
        value
            Conversion value column (used when present).
        feedback
            Optional NPS (0–10) / CSAT (1–5) score column.
        time_unit
            Unit of epoch-number times: 's', 'ms', 'us' or 'ns'.
        lookback
            Drop touches older than this before their conversion: '30d', a timedelta, or ms.
        inactivity_timeout
            Close a journey when two touches are further apart than this.
        collapse_repeats
            Count consecutive touches of the same touchpoint once.
        max_touches
            Keep only the most recent ``max_touches`` touches of each journey.
        split_at_conversions
            True (default): a journey per conversion. False: a customer's touches up to the last
            conversion form one converting journey whose value sums its conversions.
        catalog
            Touchpoint attributes (channel, stage, cost per touch, direct, paid): a DataFrame
            with a ``touchpoint`` column, a list of dicts or a dict; costs give CPA and ROAS.

        Examples
        --------
        >>> import pandas as pd, touchpoint as tp
        >>> df = pd.DataFrame({"customer_id": ["a", "a", "b"], "touchpoint": ["ad", "site", "ad"],
        ...                    "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01"]),
        ...                    "converted": [False, True, False], "value": [0.0, 50.0, 0.0]})
        >>> j = tp.Journeys.from_events(df)
        >>> len(j), j.total_conversions, j.total_value
        (2, 1.0, 50.0)
        """
        backend = _frames.backend_of(events)
        if isinstance(events, _native.Events):
            ev = events
        else:
            cols = _frames.columns_of(events)
            value = _optional_column(cols, value, "value")
            if _pandas_without_arrow(events):
                ev = _events_from_pandas_lists(events, customer, touchpoint, time, conversion, value, feedback, time_unit)
            else:
                ev = _native.Events.from_arrow(
                    events, customer=customer, touchpoint=touchpoint, time=time, conversion=conversion,
                    value=value, feedback=feedback, time_unit=time_unit,
                )
        return cls._build(ev, backend, lookback, inactivity_timeout, collapse_repeats, max_touches,
                          split_at_conversions, catalog)

    @classmethod
    def from_csv(
        cls,
        path: Union[str, "os.PathLike[str]"],
        *,
        customer: str = "customer_id",
        touchpoint: str = "touchpoint",
        time: str = "timestamp",
        conversion: Optional[str] = "converted",
        conversion_label: Optional[str] = None,
        value: Optional[str] = None,
        feedback: Optional[str] = None,
        time_unit: str = "ms",
        delimiter: str = ",",
        lookback: DurationLike = None,
        inactivity_timeout: DurationLike = None,
        collapse_repeats: bool = False,
        max_touches: Optional[int] = None,
        split_at_conversions: bool = True,
        catalog: Any = None,
        backend: str = "pandas",
    ) -> "Journeys":
        """Build journeys from an events CSV read by the core's reader (errors name the line).
        ``conversion_label`` marks conversion rows by touchpoint name instead of a flag column.
        """
        ev = _native.Events.read_csv(
            os.fspath(path), customer=customer, touchpoint=touchpoint, time=time, conversion=conversion,
            value=value, feedback=feedback, time_unit=time_unit, conversion_label=conversion_label,
            delimiter=delimiter,
        )
        return cls._build(ev, backend, lookback, inactivity_timeout, collapse_repeats, max_touches,
                          split_at_conversions, catalog)

    @classmethod
    def _build(cls, ev: Any, backend: str, lookback: DurationLike, inactivity_timeout: DurationLike,
               collapse_repeats: bool, max_touches: Optional[int], split_at_conversions: bool,
               catalog: Any) -> "Journeys":
        native = _native.Journeys.build(
            ev,
            lookback_ms=_to_ms(lookback, "lookback"),
            inactivity_timeout_ms=_to_ms(inactivity_timeout, "inactivity_timeout"),
            collapse_repeats=collapse_repeats,
            max_touches=max_touches,
            split_at_conversions=split_at_conversions,
        )
        j = cls(native, backend)
        return j.with_catalog(catalog) if catalog is not None else j

    def with_catalog(self, catalog: Any) -> "Journeys":
        """A copy with touchpoint attributes (channel, stage, cost, direct, paid) attached."""
        return Journeys(self._native.with_catalog_json(_catalog_json(catalog)), self._backend)

    @property
    def report(self) -> Dict[str, Any]:
        """What the build kept and left out, by reason (every touch and conversion counted)."""
        return dict(self._native.report)

    @property
    def total_conversions(self) -> float:
        """Number of conversions in the journeys."""
        return self._native.total_conversions

    @property
    def total_value(self) -> float:
        """Total conversion value."""
        return self._native.total_value

    @property
    def touchpoints(self) -> List[str]:
        """Touchpoint names."""
        return self._native.touchpoints

    def __len__(self) -> int:
        return len(self._native)

    def _table(self) -> Any:
        return self._native.to_table()

    def paths(self) -> "PathTable":
        """The journeys aggregated into a path table."""
        return PathTable(self._native.to_paths(), self._backend)

    def merge(self, other: "Journeys") -> "Journeys":
        """Journeys of two disjoint sets of customers together (e.g. partitions)."""
        return Journeys(self._native.merge(other._native), self._backend)

    def __repr__(self) -> str:
        return repr(self._native)


class PathTable(_Tabular):
    """Distinct paths with their conversions, non-conversions (nulls) and value: the aggregated
    form attribution peers use.

    Examples
    --------
    >>> import pandas as pd, touchpoint as tp
    >>> df = pd.DataFrame({"path": ["C1 > C2 > C3", "C1", "C2 > C3"], "total_conversions": [1, 0, 0],
    ...                    "total_null": [0, 1, 1]})
    >>> paths = tp.PathTable.from_frame(df)
    >>> len(paths), paths.total_conversions
    (3, 1.0)
    """

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._backend = backend

    @classmethod
    def from_frame(
        cls,
        df: Any,
        *,
        path: str = "path",
        conversions: str = "total_conversions",
        nulls: Optional[str] = "total_null",
        value: Optional[str] = "total_conversion_value",
        sep: str = ">",
    ) -> "PathTable":
        """A path table from a DataFrame with a path column (``"a > b > c"``; tokens trimmed,
        empty tokens dropped) and count columns. ``nulls`` and ``value`` are used when present."""
        cols = _frames.columns_of(df)
        nulls = _optional_column(cols, nulls, "total_null")
        value = _optional_column(cols, value, "total_conversion_value")
        if _pandas_without_arrow(df):
            import pandas as pd  # noqa: F401

            n = len(df)
            native = _native.PathTable.from_lists(
                [str(x) for x in df[path].tolist()],
                [float(x) for x in df[conversions].tolist()],
                [float(x) for x in df[nulls].tolist()] if nulls else [0.0] * n,
                [float(x) for x in df[value].tolist()] if value else [0.0] * n,
                sep=sep,
            )
        else:
            native = _native.PathTable.from_arrow(df, path=path, conversions=conversions, nulls=nulls, value=value, sep=sep)
        return cls(native, _frames.backend_of(df))

    @classmethod
    def from_csv(cls, path: Union[str, "os.PathLike[str]"], *, sep: str = ">", path_column: str = "path",
                 conversions: str = "total_conversions", nulls: Optional[str] = None, value: Optional[str] = None,
                 delimiter: str = ",", backend: str = "pandas") -> "PathTable":
        """Read a path CSV (default form ``path,total_conversions,total_conversion_value,total_null``)."""
        native = _native.PathTable.read_csv(os.fspath(path), sep=sep, path_column=path_column,
                                            conversions=conversions, nulls=nulls, value=value, delimiter=delimiter)
        return cls(native, backend)

    @classmethod
    def from_records(cls, records: Iterable[Tuple[str, float, float, float]], *, sep: str = ">") -> "PathTable":
        """A path table from (path, conversions, nulls, value) tuples.

        Examples
        --------
        >>> import touchpoint as tp
        >>> tp.PathTable.from_records([("a > b", 1, 2, 10.0)]).total_nulls
        2.0
        """
        paths: List[str] = []
        conv: List[float] = []
        nulls: List[float] = []
        value: List[float] = []
        for p, c, n, v in records:
            paths.append(p)
            conv.append(float(c))
            nulls.append(float(n))
            value.append(float(v))
        return cls(_native.PathTable.from_lists(paths, conv, nulls, value, sep=sep))

    @property
    def total_conversions(self) -> float:
        """Total conversions."""
        return self._native.total_conversions

    @property
    def total_nulls(self) -> float:
        """Total non-converting journeys."""
        return self._native.total_nulls

    @property
    def total_value(self) -> float:
        """Total conversion value."""
        return self._native.total_value

    @property
    def touchpoints(self) -> List[str]:
        """Touchpoint names."""
        return self._native.touchpoints

    def __len__(self) -> int:
        return len(self._native)

    def _table(self) -> Any:
        return self._native.to_table()

    def top_paths(self, k: int = 10, *, by: str = "journeys") -> Any:
        """The ``k`` most frequent paths (by 'journeys', 'conversions' or 'value') plus one
        remainder row, so the rows sum to the totals."""
        return _frames.to_backend(self._native.top_paths(k, by), self._backend)

    def with_catalog(self, catalog: Any) -> "PathTable":
        """A copy with touchpoint attributes (channel, stage, cost, direct, paid) attached."""
        return PathTable(self._native.with_catalog_json(_catalog_json(catalog)), self._backend)

    def merge(self, other: "PathTable") -> "PathTable":
        """Two tables together (touchpoints matched by name)."""
        return PathTable(self._native.merge(other._native), self._backend)

    def write_csv(self, path: Union[str, "os.PathLike[str]"], *, sep: str = ">") -> None:
        """Write the common CSV form."""
        self._native.write_csv(os.fspath(path), sep=sep)

    def __repr__(self) -> str:
        return repr(self._native)


def read_paths(path: Union[str, "os.PathLike[str]"], *, sep: str = ">", **kwargs: Any) -> PathTable:
    """Read a path CSV (``path,total_conversions,total_conversion_value,total_null``).

    Examples
    --------
    >>> import tempfile, os, touchpoint as tp
    >>> f = os.path.join(tempfile.mkdtemp(), "paths.csv")
    >>> _ = open(f, "w").write("path,total_conversions,total_conversion_value,total_null\\nGA > M,1,10,0\\nGA,2,20,1\\n")
    >>> tp.read_paths(f).total_conversions
    3.0
    """
    return PathTable.from_csv(path, sep=sep, **kwargs)


def _coerce(data: Any) -> Any:
    """Journeys / PathTable as they are; a DataFrame with a `path` column as a path table, any
    other table as events with the default column names."""
    if isinstance(data, (Journeys, PathTable)):
        return data
    if isinstance(data, _native.Journeys):
        return Journeys(data)
    if isinstance(data, _native.PathTable):
        return PathTable(data)
    cols = _frames.columns_of(data)
    if cols is not None and "path" in cols:
        return PathTable.from_frame(data)
    if _frames.has_arrow_stream(data) or cols is not None:
        return Journeys.from_events(data)
    raise InputTypeError(f"expected Journeys, a PathTable or a DataFrame, got {type(data).__name__}")


class Attribution(_Tabular):
    """The credit of every touchpoint under one model: ``to_pandas()`` / ``to_polars()`` /
    ``to_arrow()`` give the columns touchpoint, conversions, value, share (Markov adds
    removal_effect and removal_effect_value; sampled Shapley std_error), touches, cost, cpa, roas.

    Examples
    --------
    >>> import touchpoint as tp
    >>> paths = tp.PathTable.from_records([("GA", 2, 1, 0), ("M", 1, 0, 0), ("GA > M", 1, 0, 0)])
    >>> res = tp.attribute(paths, model="markov")
    >>> round(res["GA"], 6), round(res["M"], 6)
    (2.4, 1.6)
    """

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._backend = backend

    @property
    def model(self) -> str:
        """Model name."""
        return self._native.model

    @property
    def parameters(self) -> Dict[str, str]:
        """Model parameters."""
        return dict(self._native.parameters)

    @property
    def notes(self) -> List[str]:
        """What the model did to the data and how to read the numbers."""
        return list(self._native.notes)

    @property
    def total_conversions(self) -> float:
        """Conversions in the data."""
        return self._native.total_conversions

    @property
    def total_value(self) -> float:
        """Conversion value in the data."""
        return self._native.total_value

    @property
    def efficient(self) -> bool:
        """Whether credits sum to the totals (not for participation, Shao–Li, shapley_rate)."""
        return self._native.efficient

    @property
    def credits(self) -> Dict[str, float]:
        """Credited conversions by touchpoint."""
        d = self._native.to_table().to_pydict()
        return dict(zip(d["touchpoint"], d["conversions"]))

    def __getitem__(self, touchpoint: str) -> float:
        from touchpoint.exceptions import UnknownTouchpointError

        c = self.credits
        if touchpoint not in c:
            raise UnknownTouchpointError(f"unknown touchpoint {touchpoint!r}: the result has {sorted(c)}")
        return c[touchpoint]

    def _table(self) -> Any:
        return self._native.to_table()

    def per_journey(self) -> Any:
        """Per-journey credit (row, touchpoint, conversions, value); needs ``per_journey=True``."""
        t = self._native.per_journey()
        if t is None:
            raise InputError(
                "no per-journey credit: pass per_journey=True; it is defined for the rule models, shapley, "
                "ordered_shapley and markov with allocation='per_journey' (see notes)"
            )
        return _frames.to_backend(t, self._backend)

    def by_position(self) -> Any:
        """Ordered Shapley only: credit by touchpoint and position."""
        t = self._native.by_position()
        if t is None:
            raise InputError("by_position is defined for model='ordered_shapley' only")
        return _frames.to_backend(t, self._backend)

    def to_json(self) -> str:
        """The full result as JSON."""
        return self._native.to_json()

    def plot(self, *, value: bool = False) -> Any:
        """Bar chart of the credit per touchpoint (plotly)."""
        from touchpoint import _plot

        return _plot.credits_bar([self], value=value)

    def __repr__(self) -> str:
        return repr(self._native)


def _params(order: int, half_life: DurationLike, weights: Optional[Tuple[float, float, float]], allocation: str,
            value_basis: str, method: str, samples: int, seed: int, max_touches: Optional[int],
            per_journey: bool, n_threads: Optional[int]) -> Dict[str, Any]:
    if n_threads is None and os.environ.get("TOUCHPOINT_NUM_THREADS"):
        n_threads = int(os.environ["TOUCHPOINT_NUM_THREADS"])
    return dict(order=order, half_life_ms=_to_ms(half_life, "half_life"), weights=weights, allocation=allocation,
                value_basis=value_basis, method=method, samples=samples, seed=seed, max_touches=max_touches,
                per_journey=per_journey, n_threads=n_threads)


def attribute(
    data: Any,
    model: str = "markov",
    *,
    order: int = 1,
    half_life: DurationLike = "7d",
    weights: Optional[Tuple[float, float, float]] = None,
    allocation: str = "global",
    value_basis: str = "conversion_share",
    method: str = "auto",
    samples: int = 20_000,
    seed: int = 0,
    max_touches: Optional[int] = None,
    per_journey: bool = False,
    n_threads: Optional[int] = None,
) -> Attribution:
    """Attribute conversions and value to touchpoints with one model.

    Parameters
    ----------
    data
        :class:`Journeys`, a :class:`PathTable`, or a DataFrame (a ``path`` column makes it a
        path table, otherwise it is read as events with the default column names).
    model
        'first', 'last', 'last_non_direct', 'linear', 'position' (U 40/20/40), 'j_shaped',
        'inverse_j', 'custom' (needs ``weights``), 'time_decay', 'participation', 'markov',
        'shapley' (simplified), 'ordered_shapley', 'shapley_rate' (conversion-rate game),
        'shao_li'.
    order
        Markov order (1–16).
    half_life
        Time-decay half-life ('7d', timedelta or ms).
    weights
        (first, middle, last) weights of position models.
    allocation
        Markov: 'global' (share × total) or 'per_journey'.
    value_basis
        Markov: value follows 'conversion_share' or 'value_removal_effect'.
    method, samples, seed
        shapley_rate: 'auto' (exact up to 24 touchpoints), 'exact' or 'sampled'.
    max_touches
        Keep only the most recent touches of each journey (reported in ``notes``).
    per_journey
        Also compute per-journey credit (``result.per_journey()``).
    n_threads
        Threads for the parallel parts (default: all cores, or TOUCHPOINT_NUM_THREADS).

    Examples
    --------
    >>> import touchpoint as tp
    >>> paths = tp.PathTable.from_records([("C1 > C2 > C3", 1, 0, 0), ("C1", 0, 1, 0), ("C2 > C3", 0, 1, 0)])
    >>> res = tp.attribute(paths, model="markov", order=2)
    >>> [round(res[t], 6) for t in ("C1", "C2", "C3")]
    [0.2, 0.4, 0.4]
    """
    d = _coerce(data)
    p = _params(order, half_life, weights, allocation, value_basis, method, samples, seed, max_touches,
                per_journey, n_threads)
    (native,) = _native.attribute(d._native, [model], **p)
    return Attribution(native, d._backend)


class Comparison:
    """Several models side by side. ``to_pandas()`` is wide: one row per touchpoint, one column
    of credited conversions per model (``value=True`` for value); ``long()`` is tidy."""

    def __init__(self, results: List[Attribution], backend: str, value: bool = False) -> None:
        self.results = results
        self._backend = backend
        self._value = value

    def _wide(self) -> Dict[str, List[Any]]:
        key = "value" if self._value else "conversions"
        first = self.results[0]._native.to_table().to_pydict()
        out: Dict[str, List[Any]] = {"touchpoint": list(first["touchpoint"])}
        for r in self.results:
            d = r._native.to_table().to_pydict()
            name = r.model if r.model != "markov" else f"markov_{r.parameters.get('order', '1')}"
            base, i = name, 2
            while name in out:
                name, i = f"{base}_{i}", i + 1
            out[name] = list(d[key])
        return out

    def _convert(self, data: Dict[str, List[Any]], backend: str) -> Any:
        if backend == "polars":
            import polars as pl

            return pl.DataFrame(data)
        if backend == "pyarrow":
            import pyarrow as pa

            return pa.table(data)
        import pandas as pd

        return pd.DataFrame(data)

    def to_pandas(self) -> Any:
        """Wide table: touchpoint + one column per model."""
        return self._convert(self._wide(), "pandas")

    def to_polars(self) -> Any:
        """Wide table as polars."""
        return self._convert(self._wide(), "polars")

    def to_arrow(self) -> Any:
        """Wide table as pyarrow."""
        return self._convert(self._wide(), "pyarrow")

    def to_frame(self) -> Any:
        """Wide table in the input's library."""
        return self._convert(self._wide(), self._backend)

    def long(self) -> Any:
        """Tidy table: model, touchpoint, conversions, value, share."""
        rows: Dict[str, List[Any]] = {"model": [], "touchpoint": [], "conversions": [], "value": [], "share": []}
        for r in self.results:
            d = r._native.to_table().to_pydict()
            n = len(d["touchpoint"])
            rows["model"].extend([r.model] * n)
            for k in ("touchpoint", "conversions", "value", "share"):
                rows[k].extend(d[k])
        return self._convert(rows, self._backend)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self.to_arrow().__arrow_c_stream__(requested_schema)

    def plot(self, *, value: bool = False) -> Any:
        """Grouped bar chart of the models (plotly)."""
        from touchpoint import _plot

        return _plot.credits_bar(self.results, value=value)

    def __repr__(self) -> str:
        return f"Comparison({', '.join(r.model for r in self.results)})"

    def _repr_html_(self) -> str:
        import html

        w = self._wide()
        cols = list(w)
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        body = []
        for i in range(len(w["touchpoint"])):
            cells = []
            for c in cols:
                v = w[c][i]
                cells.append(f"<td>{html.escape(v if isinstance(v, str) else f'{v:,.2f}')}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        return f'<table class="touchpoint"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def compare(
    data: Any,
    models: Sequence[str] = ("first", "last", "linear", "position", "time_decay", "markov", "shapley"),
    *,
    value: bool = False,
    order: int = 1,
    half_life: DurationLike = "7d",
    weights: Optional[Tuple[float, float, float]] = None,
    allocation: str = "global",
    value_basis: str = "conversion_share",
    method: str = "auto",
    samples: int = 20_000,
    seed: int = 0,
    max_touches: Optional[int] = None,
    n_threads: Optional[int] = None,
) -> Comparison:
    """Run several models on the same data (rule models share one pass over it). Path tables
    have no times, so 'time_decay' is skipped for them unless named explicitly.

    Examples
    --------
    >>> import touchpoint as tp
    >>> paths = tp.PathTable.from_records([("GA", 2, 1, 0), ("M", 1, 0, 0), ("GA > M", 1, 0, 0)])
    >>> table = tp.compare(paths, models=["first", "last", "markov"]).to_pandas()
    >>> list(table.columns)
    ['touchpoint', 'first', 'last', 'markov_1']
    """
    d = _coerce(data)
    names = list(models)
    if isinstance(d, PathTable) and "time_decay" in names and tuple(models) == (
        "first", "last", "linear", "position", "time_decay", "markov", "shapley"
    ):
        names.remove("time_decay")
    p = _params(order, half_life, weights, allocation, value_basis, method, samples, seed, max_touches, False,
                n_threads)
    natives = _native.attribute(d._native, names, **p)
    return Comparison([Attribution(n, d._backend) for n in natives], d._backend, value)


class JourneyGraph(_Tabular):
    """The journey graph: a Markov chain of order k over touchpoint states (windows of k
    touchpoints; consecutive identical states collapse), with exact absorbing-chain analysis.

    Examples
    --------
    >>> import touchpoint as tp
    >>> paths = tp.PathTable.from_records([("C1 > C2 > C3", 1, 0, 0), ("C1", 0, 1, 0), ("C2 > C3", 0, 1, 0)])
    >>> g = tp.JourneyGraph(paths)
    >>> round(g.conversion_probability, 6)
    0.333333
    """

    def __init__(self, data: Any, order: int = 1, *, collapse_repeats: bool = True) -> None:
        """``collapse_repeats=False`` (order 1 only) keeps consecutive repeats as self-loops: the
        directly-follows graph process-mining tools count."""
        d = _coerce(data)
        self._data = d
        self._native = _native.JourneyGraph(d._native, order, collapse_repeats)
        self._backend = d._backend

    @property
    def order(self) -> int:
        """Markov order."""
        return self._native.order

    @property
    def conversion_probability(self) -> float:
        """Exact probability that a journey converts."""
        return self._native.conversion_probability

    @property
    def expected_time_to_convert(self) -> Optional[_dt.timedelta]:
        """Expected time from the first touch to conversion, given conversion (journeys only)."""
        ms = self._native.expected_time_to_convert_ms
        return None if ms is None else _dt.timedelta(milliseconds=ms)

    def _table(self) -> Any:
        return self._native.nodes()

    def transitions(self) -> Any:
        """Every transition: source, target, count, probability, value, dwell statistics (ms)."""
        return _frames.to_backend(self._native.transitions(), self._backend)

    def nodes(self) -> Any:
        """Per node: visits, expected visits, conversion probability, direct conversion rate,
        drop-off rate, expected time to convert (ms)."""
        return _frames.to_backend(self._native.nodes(), self._backend)

    def removal_effects(self) -> Any:
        """Removal effect of every touchpoint on conversions and on value."""
        return _frames.to_backend(self._native.removal_effects(), self._backend)

    def top_paths(self, k: int = 10, *, by: str = "journeys") -> Any:
        """The most frequent observed paths plus a remainder row."""
        paths = self._data.paths() if isinstance(self._data, Journeys) else self._data
        return paths.top_paths(k, by=by)

    def prioritize(self, fraction: float = 0.1, *, by: str = "touchpoint") -> Any:
        """Which drop-off to fix first: the exact gain in P(conversion), and the extra conversions
        and value at today's volume, if the drop-off after each touchpoint (``by="touchpoint"``,
        exact re-solves) or each state (``by="state"``, rank-one closed form) were cut by
        ``fraction``; ranked. Also the marginal gain d P / d fraction.

        Examples
        --------
        >>> import touchpoint as tp
        >>> paths = tp.PathTable.from_records([("ad > site", 30, 50, 3000), ("site", 10, 90, 1000)])
        >>> tp.JourneyGraph(paths).prioritize(0.1)["touchpoint"].tolist()
        ['site', 'ad']
        """
        return _frames.to_backend(self._native.prioritize(fraction, by), self._backend)

    def next_best(self, partial: Sequence[str], candidates: Any) -> "NextBest":
        """Rank the allowed next touchpoints for a journey whose touches so far are ``partial``.
        ``candidates`` maps touchpoint names to the cost of one touch (or is a list of names).
        The estimates are associational: they describe what followed for customers who took
        each step, not what the step would cause.

        Examples
        --------
        >>> import touchpoint as tp
        >>> paths = tp.PathTable.from_records([("ad > email > store", 8, 2, 800), ("ad > site", 2, 8, 100)])
        >>> nb = tp.JourneyGraph(paths).next_best(["ad"], {"email": 0.1, "site": 0.0})
        >>> nb.best, round(nb.current_probability, 2)
        ('email', 0.5)
        """
        if isinstance(candidates, dict):
            cands = [(str(k), float(v)) for k, v in candidates.items()]
        else:
            cands = [(str(k), 0.0) for k in candidates]
        state, prob, table = self._native.next_best(list(partial), cands)
        return NextBest(state, prob, table, self._backend)

    def converting_paths(self, partial: Sequence[str] = (), *, k: int = 10, max_len: int = 20) -> Any:
        """The ``k`` most probable routes to a conversion from the state after ``partial`` (the
        start when empty), best first: shortest paths on ``-log p``."""
        return _frames.to_backend(self._native.converting_paths(list(partial), k, max_len), self._backend)

    def most_probable_converting_path(self) -> Optional[Tuple[List[str], float]]:
        """The single most probable route from the start to a conversion, as (state labels,
        probability); ``None`` when no journey converts. Equals the first row of
        :meth:`converting_paths` (ties aside).

        Examples
        --------
        >>> import touchpoint as tp
        >>> paths = tp.PathTable.from_records([("C1 > C2 > C3", 1, 0, 0), ("C1", 0, 1, 0), ("C2 > C3", 0, 1, 0)])
        >>> states, p = tp.JourneyGraph(paths).most_probable_converting_path()
        >>> states[-1], round(p, 6)
        ('C3', 0.166667)
        """
        return self._native.most_probable_converting_path()

    def sensitivities(self) -> Any:
        """How much P(conversion) moves per unit change of each transition probability:
        ``∂P/∂Q(source→target) = v_source · b_target`` (expected visits of the source times the
        conversion probability from the target). Columns source, target, sensitivity.

        Examples
        --------
        >>> import touchpoint as tp
        >>> paths = tp.PathTable.from_records([("C1 > C2 > C3", 1, 0, 0), ("C1", 0, 1, 0), ("C2 > C3", 0, 1, 0)])
        >>> s = tp.JourneyGraph(paths).sensitivities()
        >>> round(float(s.loc[(s.source == "C3") & (s.target == "(conversion)"), "sensitivity"].iloc[0]), 6)
        0.666667
        """
        return _frames.to_backend(self._native.sensitivities(), self._backend)

    def to_dot(self) -> str:
        """Graphviz DOT text."""
        return self._native.to_dot()

    def to_json(self) -> str:
        """JSON node-link document."""
        return self._native.to_json()

    def to_networkx(self) -> Any:
        """A ``networkx.DiGraph`` with node and edge attributes."""
        import json

        import networkx as nx

        return nx.node_link_graph(json.loads(self.to_json()), directed=True, multigraph=False, edges="links")

    def sankey(self, *, max_steps: int = 5, top_k: int = 8) -> Any:
        """Step-by-step Sankey diagram of the journeys (plotly Figure)."""
        from touchpoint import _plot

        paths = self._data.paths() if isinstance(self._data, Journeys) else self._data
        nodes, links = paths._native.sankey(max_steps, top_k)
        return _plot.sankey(nodes.to_pydict(), links.to_pydict())

    def draw(self, *, min_probability: float = 0.02) -> Any:
        """A drawing of the graph (plotly Figure): nodes by journey depth, edges by probability."""
        from touchpoint import _plot

        return _plot.graph(self._native.nodes().to_pydict(), self._native.transitions().to_pydict(), min_probability)

    def __repr__(self) -> str:
        return repr(self._native)


class NextBest(_Tabular):
    """The ranking of :meth:`JourneyGraph.next_best` (associational estimates)."""

    def __init__(self, state: str, probability: float, table: Any, backend: str) -> None:
        self.current_state = state
        self.current_probability = probability
        self._t = table
        self._backend = backend

    def _table(self) -> Any:
        return self._t

    @property
    def best(self) -> Optional[str]:
        """The top-ranked observed candidate."""
        d = self._t.to_pydict()
        for name, observed in zip(d["touchpoint"], d["observed"]):
            if observed:
                return name
        return None

    def __repr__(self) -> str:
        return f"NextBest(from {self.current_state!r}, P(conversion) {self.current_probability:.4f}, best {self.best!r})"


def prioritize(data: Any, fraction: float = 0.1, *, order: int = 1, by: str = "touchpoint") -> Any:
    """Which touchpoint's drop-off to fix first (see :meth:`JourneyGraph.prioritize`)."""
    return JourneyGraph(data, order).prioritize(fraction, by=by)
