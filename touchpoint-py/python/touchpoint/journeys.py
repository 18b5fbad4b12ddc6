"""Events and journeys: events from any DataFrame (pandas without pyarrow too) or a CSV, built
into customer journeys (:class:`Journeys`). Every computation runs in the Rust core
(``touchpoint._touchpoint``); this module only moves tables and options across."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Union

from touchpoint import _frames
from touchpoint import _touchpoint as _native
from touchpoint._util import (
    DurationLike,
    _Data,
    _Serial,
    _Tabular,
    _optional_column,
    _pandas_without_arrow,
    _to_ms,
    deprecated,
    user_stacklevel,
)
from touchpoint.paths import PathTable


def _epoch_ms(ts: Any) -> List[int]:
    import pandas as pd

    return ((ts - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)).astype("int64").tolist()


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
        times, unit = _epoch_ms(pd.to_datetime(t, utc=True)), "ms"
    elif pd.api.types.is_numeric_dtype(t):
        times, unit = t.tolist(), time_unit  # epoch numbers: the core converts them and checks the unit
    else:
        times, unit = _epoch_ms(pd.to_datetime(t, utc=True, format="ISO8601")), "ms"
    tps = [None if (x is None or (isinstance(x, float) and x != x)) else str(x) for x in df[touchpoint].tolist()]
    # missing cells go as None: the core says what a missing flag or value means
    conv = [None if pd.isna(x) else float(x) for x in df[conversion].tolist()] if conversion else [0.0] * n
    vals = [None if pd.isna(x) else float(x) for x in df[value].tolist()] if value else [0.0] * n
    fb = [None if x is None or x != x else float(x) for x in df[feedback].tolist()] if feedback else None
    return _native.PyEvents.from_lists([str(x) for x in df[customer].tolist()], tps, times, conv, vals, fb,
                                       time_unit=unit)


ConversionEvent = Union[None, str, List[str]]


def _finish_events(ev: Any, conversion_event: ConversionEvent, stacklevel: int, present_only: bool = False) -> Any:
    """The native events with the conversion events turned into conversions (``present_only``:
    names the events lack are skipped, as in a batch without a purchase), warning (Python
    ``warnings``) about anything the core notes, such as a touchpoint that looks like the
    conversion itself."""
    import warnings

    if conversion_event is not None:
        names = [conversion_event] if isinstance(conversion_event, str) else list(conversion_event)
        if not names or not all(isinstance(n, str) for n in names):
            from touchpoint.exceptions import InputTypeError

            raise InputTypeError(f"conversion_event = {conversion_event!r}: expected a touchpoint name or a list of them")
        if present_only:
            names = [n for n in names if n in ev.touchpoints]
        if names:
            ev, _ = ev.with_conversion_events(names)
    for note in ev.notes():
        warnings.warn(note, UserWarning, stacklevel=user_stacklevel())
    return ev


class Events(_Tabular, _Serial):
    """Interaction events held by the core: read a table once, then run any number of analyses
    (funnels, retention, the step matrix, journeys) on it without converting it again.
    ``to_json()`` / :meth:`from_json` and pickling round-trip the events (their columns, names
    and catalog; not the table they were read from, so a segment column must then be passed as
    values).

    Examples
    --------
    >>> import pandas as pd, touchpoint as tp
    >>> df = pd.DataFrame({"customer_id": ["a", "a", "b"], "touchpoint": ["ad", "site", "ad"],
    ...                    "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01"])})
    >>> ev = tp.Events.from_frame(df)
    >>> len(ev), ev.customers, ev.touchpoints
    (3, 2, ['ad', 'site'])
    """

    _NATIVE = "PyEvents"

    def __init__(self, native: Any, backend: str = "pandas", source: Any = None) -> None:
        self._native = native
        self._backend = backend
        # the table the events were read from (not copied): segment columns are read from it
        self._source = source

    @classmethod
    def from_frame(
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
        catalog: Any = None,
        conversion_event: ConversionEvent = None,
    ) -> "Events":
        """Events from any table with the Arrow PyCapsule interface (pyarrow, polars, pandas,
        duckdb) or pandas without pyarrow. The options are those of
        :meth:`Journeys.from_events`; a ``conversion`` or ``value`` column left at its default
        is used only when the table has it.

        >>> import pandas as pd, touchpoint as tp
        >>> clicks = pd.DataFrame({"customer_id": ["a", "a", "b"], "event": ["ad", "purchase", "ad"],
        ...                        "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01"])})
        >>> ev = tp.Events.from_frame(clicks, touchpoint="event", conversion_event="purchase")
        >>> ev.touchpoints, ev.to_pandas()["converted"].tolist()
        (['ad'], [False, True, False])
        """
        if isinstance(events, Events):
            if conversion_event is not None:
                events = Events(_finish_events(events._native, conversion_event, 3), events._backend,
                                events._source)
            return events.with_catalog(catalog) if catalog is not None else events
        backend = _frames.backend_of(events)
        if isinstance(events, _native.PyEvents):
            ev = events
        else:
            cols = _frames.columns_of(events)
            conversion = _optional_column(cols, conversion, "converted")
            value = _optional_column(cols, value, "value")
            if _pandas_without_arrow(events):
                ev = _events_from_pandas_lists(events, customer, touchpoint, time, conversion, value, feedback,
                                               time_unit)
            else:
                from touchpoint._util import _catalog_json

                # the catalog is attached while reading (with_catalog would copy the events)
                ev = _native.PyEvents.from_arrow(
                    events, customer=customer, touchpoint=touchpoint, time=time, conversion=conversion,
                    value=value, feedback=feedback, time_unit=time_unit,
                    catalog_json=None if catalog is None else _catalog_json(catalog),
                )
                catalog = None
            ev = _finish_events(ev, conversion_event, 3)
        out = cls(ev, backend, None if isinstance(events, _native.PyEvents) else events)
        return out.with_catalog(catalog) if catalog is not None else out

    @classmethod
    def demo(cls, customers: int = 5_000, seed: int = 7, *, backend: str = "pandas") -> "Events":
        """The built-in demo dataset with its catalog (channel, stage, cost of every touchpoint).

        >>> import touchpoint as tp
        >>> ev = tp.Events.demo(customers=200)
        >>> ev.customers
        200
        """
        return cls(_native.PyEvents.demo(customers, seed), backend)

    def with_catalog(self, catalog: Any) -> "Events":
        """A copy with touchpoint attributes (channel, stage, cost, direct, paid) attached: a
        DataFrame with a ``touchpoint`` column, a list of dicts or a dict name -> attributes."""
        from touchpoint._util import _catalog_json

        return Events(self._native.with_catalog_json(_catalog_json(catalog)), self._backend, self._source)

    @property
    def customers(self) -> int:
        """Distinct customers."""
        return self._native.customers

    @property
    def notes(self) -> List[str]:
        """Warnings about the data worth a look before trusting an attribution (also raised as
        ``UserWarning`` when the events are read): a touchpoint that looks like the conversion
        itself, which ``conversion_event=`` fixes."""
        return list(self._native.notes())

    @property
    def touchpoints(self) -> List[str]:
        """Touchpoint names, in catalog order."""
        return self._native.touchpoints

    def __len__(self) -> int:
        return len(self._native)

    def _table(self) -> Any:
        return self._native.to_table()

    def __repr__(self) -> str:
        return repr(self._native)


class Journeys(_Data, _Serial):
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

    ``to_json()`` / :meth:`from_json` round-trip the journeys through a JSON document holding
    the saved-model container (as :meth:`to_bytes`, base64-encoded); pickles carry the bytes.
    """

    _NATIVE = "PyJourneys"

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
        conversion_event: ConversionEvent = None,
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
        conversion_event
            A touchpoint name (or a list) that *is* the conversion, as in a clickstream whose
            purchases are ``purchase`` events: its rows become conversions (with their value)
            and it leaves the touchpoints, so it takes no credit. Works with or without a
            ``conversion`` column. Without it, a touchpoint that looks like the conversion
            (every row of it converts) raises a ``UserWarning`` that suggests this option.
        value
            Conversion value column (used when present).
        feedback
            Optional NPS (0–10) / CSAT (1–5) score column.
        time_unit
            Unit of epoch-number times: 'ms' (default), 's', 'us' or 'ns' (also spelled out:
            'seconds', 'milliseconds', ...).
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
        ev = Events.from_frame(events, customer=customer, touchpoint=touchpoint, time=time, conversion=conversion,
                               value=value, feedback=feedback, time_unit=time_unit,
                               conversion_event=conversion_event)
        ev, backend = ev._native, ev._backend
        return cls._build(ev, backend, lookback, inactivity_timeout, collapse_repeats, max_touches,
                          split_at_conversions, catalog)

    @classmethod
    def read_csv(
        cls,
        path: Union[str, "os.PathLike[str]"],
        *,
        customer: str = "customer_id",
        touchpoint: str = "touchpoint",
        time: str = "timestamp",
        conversion: Optional[str] = "converted",
        conversion_event: ConversionEvent = None,
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
        ``conversion_event`` marks conversion rows by touchpoint name (a name or a list; with
        or without a flag column, as in :meth:`from_events`); ``conversion_label`` is its
        deprecated one-name spelling, which also ignores the flag column. ``delimiter`` is the
        CSV field delimiter. Gzip-compressed files are read as they are. The other options are
        those of :meth:`from_events`.

        Examples
        --------
        >>> import os, tempfile, touchpoint as tp
        >>> f = os.path.join(tempfile.mkdtemp(), "events.csv")
        >>> _ = open(f, "w").write("customer_id;touchpoint;timestamp;converted;value\\n"
        ...                        "a;ad;2025-01-01;0;0\\na;site;2025-01-02;1;50\\n")
        >>> j = tp.Journeys.read_csv(f, delimiter=";", value="value")
        >>> len(j), j.total_value
        (1, 50.0)
        """
        if conversion_label is not None:
            deprecated("Journeys.read_csv(conversion_label=...)", "conversion_event=...")
        from touchpoint.exceptions import ColumnNotFoundError

        def read(flag: Optional[str]) -> Any:
            return _native.PyEvents.read_csv(
                os.fspath(path), customer=customer, touchpoint=touchpoint, time=time, conversion=flag,
                value=value, feedback=feedback, time_unit=time_unit, conversion_label=conversion_label,
                delimiter=delimiter,
            )

        try:
            ev = read(conversion)
        except ColumnNotFoundError as e:
            # with a conversion event, the default flag column is used only when the file has it
            if conversion_event is None or conversion != "converted" or "missing column `converted`" not in str(e):
                raise
            ev = read(None)
        ev = _finish_events(ev, conversion_event, 3)
        return cls._build(ev, backend, lookback, inactivity_timeout, collapse_repeats, max_touches,
                          split_at_conversions, catalog)

    @classmethod
    def from_csv(cls, path: Union[str, "os.PathLike[str]"], **kwargs: Any) -> "Journeys":
        """Deprecated spelling of :meth:`read_csv`."""
        deprecated("Journeys.from_csv", "Journeys.read_csv")
        return cls.read_csv(path, **kwargs)

    @classmethod
    def _build(cls, ev: Any, backend: str, lookback: DurationLike, inactivity_timeout: DurationLike,
               collapse_repeats: bool, max_touches: Optional[int], split_at_conversions: bool,
               catalog: Any) -> "Journeys":
        native = _native.PyJourneys.build(
            ev,
            lookback_ms=_to_ms(lookback, "lookback"),
            inactivity_timeout_ms=_to_ms(inactivity_timeout, "inactivity_timeout"),
            collapse_repeats=collapse_repeats,
            max_touches=max_touches,
            split_at_conversions=split_at_conversions,
        )
        j = cls(native, backend)
        return j.with_catalog(catalog) if catalog is not None else j

    @property
    def report(self) -> Dict[str, Any]:
        """What the build kept and left out, by reason (every touch and conversion counted)."""
        return dict(self._native.report)

    def append(
        self,
        events: Any,
        *,
        customer: str = "customer_id",
        touchpoint: str = "touchpoint",
        time: str = "timestamp",
        conversion: Optional[str] = "converted",
        value: Optional[str] = "value",
        time_unit: str = "ms",
        conversion_event: ConversionEvent = None,
    ) -> "Journeys":
        """New journeys: these plus a batch of newer events (yesterday's, say), equal to
        building from all the events at once. Customers with an open journey continue it (a
        later conversion's lookback window reaches back across the cut; an inactivity gap
        across it splits it); journeys closed by a conversion stay closed; new customers
        start. The journeys' options are kept; ``self`` is unchanged. Only the batch and the
        open tails are read, never the history: save the journeys (:meth:`save`) and append
        to the loaded copy every night.

        :attr:`appended` of the result says what the batch did: events_in,
        customers_continued, customers_new, journeys_closed and late_events (events older
        than their customer's last closed journey: they join the open journey, and the result
        then differs from a rebuild; 0 when batches arrive in time order).

        Examples
        --------
        >>> import pandas as pd, touchpoint as tp
        >>> day1 = pd.DataFrame({"customer_id": ["ann", "bob"], "touchpoint": ["search ad", "email"],
        ...                      "timestamp": pd.to_datetime(["2025-03-01", "2025-03-01"])})
        >>> day2 = pd.DataFrame({"customer_id": ["ann", "ann", "cem"], "touchpoint": ["store", None, "app"],
        ...                      "timestamp": pd.to_datetime(["2025-03-02 10:00", "2025-03-02 10:05", "2025-03-02 00:00"]),
        ...                      "converted": [False, True, False], "value": [0.0, 80.0, 0.0]})
        >>> j = tp.Journeys.from_events(day1).append(day2)
        >>> j.appended["customers_continued"], j.appended["customers_new"], j.appended["journeys_closed"]
        (1, 1, 1)
        >>> j.to_pandas().query("converted").path.tolist()
        ['search ad > store']
        """
        ev = Events.from_frame(events, customer=customer, touchpoint=touchpoint, time=time, conversion=conversion,
                               value=value, time_unit=time_unit)
        if conversion_event is not None:  # a batch need not hold the conversion event at all
            ev = Events(_finish_events(ev._native, conversion_event, 3, present_only=True), ev._backend, ev._source)
        native, added = _native.journeys_append(self._native, ev._native)
        out = type(self)(native, self._backend)
        out.appended = dict(added)
        return out

    #: What the :meth:`append` that made these journeys did (``None`` for journeys built at once).
    appended: Optional[Dict[str, Any]] = None

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Save the journeys with their options, open tails and report (a versioned,
        checksummed file: see :meth:`load`), so that :meth:`append` can continue from it
        without the event history. The file is written whole or not at all.

        Examples
        --------
        >>> import os, tempfile, touchpoint as tp
        >>> j = tp.Journeys.from_events(tp.demo.events(customers=100))
        >>> f = os.path.join(tempfile.mkdtemp(), "journeys.tpm")
        >>> j.save(f)
        >>> back = tp.Journeys.load(f)
        >>> len(back) == len(j), back.report == j.report
        (True, True)
        """
        _native.journeys_save(self._native, os.fspath(path))

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"], *, backend: str = "pandas") -> "Journeys":
        """Load journeys saved by :meth:`save`. A truncated, damaged or newer-format file raises
        :class:`~touchpoint.exceptions.ModelFileError` saying which."""
        return cls(_native.journeys_load(os.fspath(path)), backend)

    def to_bytes(self) -> bytes:
        """The bytes :meth:`save` writes."""
        return _native.journeys_to_bytes(self._native)

    @classmethod
    def from_bytes(cls, data: bytes, *, backend: str = "pandas") -> "Journeys":
        """Journeys from :meth:`to_bytes`."""
        return cls(_native.journeys_from_bytes(bytes(data)), backend)

    def __getstate__(self) -> Dict[str, Any]:
        return {"bytes": self.to_bytes(), "backend": self._backend, "appended": self.appended}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self._native = _native.journeys_from_bytes(state["bytes"])
        self._backend = state["backend"]
        if state.get("appended") is not None:
            self.appended = state["appended"]

    def paths(self) -> "PathTable":
        """The journeys aggregated into a path table (the same as
        :meth:`PathTable.from_journeys`)."""
        return PathTable.from_journeys(self)
