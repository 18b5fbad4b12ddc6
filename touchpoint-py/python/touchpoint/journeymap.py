"""The journey map beyond the graph: funnels (:func:`funnel`, :func:`stage_funnel`), the step
matrix (:func:`step_matrix`), retention and repurchase cohorts (:func:`retention`,
:func:`repurchase`), each per segment when asked. Every number is computed by the Rust core;
this module moves tables and options across and draws the figures.

>>> import touchpoint as tp
>>> ev = tp.Events.demo(customers=2_000)
>>> f = tp.stage_funnel(ev)
>>> f.steps
['stage:awareness', 'stage:first_interaction', 'stage:purchase', 'conversion', 'stage:after_sales']
>>> units = f.to_pandas()["units"].tolist()
>>> units == sorted(units, reverse=True)
True
"""

from __future__ import annotations

import datetime as _dt
import html as _html
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from touchpoint import _frames
from touchpoint import _touchpoint as _native
from touchpoint._util import DurationLike, _pandas_without_arrow, _Serial, _Tabular, _to_ms
from touchpoint.exceptions import ColumnNotFoundError, InputTypeError
from touchpoint.journeys import Events, Journeys

StepLike = Union[str, Sequence[str]]
_ATTRIBUTES = ("first_touchpoint", "first_channel", "first_stage")
_COLUMN_OPTIONS = ("customer", "touchpoint", "time", "conversion", "value", "feedback", "time_unit", "catalog")


def _units(data: Any, columns: Dict[str, Any]) -> Union[Events, Journeys]:
    """Journeys as they are; anything else as Events (the column options apply to tables)."""
    unknown = set(columns) - set(_COLUMN_OPTIONS)
    if unknown:
        raise InputTypeError(f"unexpected keyword argument(s) {', '.join(sorted(unknown))}; the column options "
                             f"are {', '.join(_COLUMN_OPTIONS)}")
    if isinstance(data, Journeys):
        return data.with_catalog(columns["catalog"]) if columns.get("catalog") is not None else data
    if isinstance(data, _native.PyJourneys):
        return Journeys(data)
    return Events.from_frame(data, **columns)


def _segments(units: Union[Events, Journeys], segment: Any) -> Any:
    """A native PySegments from a column name, a first-touch attribute, a mapping customer ->
    label, or one label per event row."""
    if segment is None:
        return None
    if type(segment).__name__ == "Personas":  # tp.personas(...): its clusters as segments
        return segment._native.segments()
    if not isinstance(units, Events):
        raise InputTypeError("segments need the events: pass the events table (or tp.Events), not Journeys")
    ev = units._native
    src = units._source
    if isinstance(segment, str):
        cols = _frames.columns_of(src) if src is not None else None
        if cols is not None and segment in cols:
            if _frames.has_arrow_stream(src) and not _pandas_without_arrow(src):
                return _native.PySegments.from_arrow(ev, src, segment)
            return _native.PySegments.from_values(ev, [None if v is None or v != v else str(v)
                                                       for v in list(src[segment])])
        if segment in _ATTRIBUTES or segment in ("channel", "stage"):
            return _native.PySegments.by_first_touch(ev, segment)
        have = f"the table has [{', '.join(cols)}]; " if cols else ""
        raise ColumnNotFoundError(f"segment {segment!r}: no such column; {have}give a column of the events table or "
                                  f"one of {', '.join(_ATTRIBUTES)}")
    if isinstance(segment, dict):
        # customer keys as the core names them (integers by their decimal form)
        return _native.PySegments.from_customer_map(ev, {str(k): str(v) for k, v in segment.items() if v is not None})
    values = list(segment)
    return _native.PySegments.from_values(ev, [None if v is None or v != v else str(v) for v in values])


def _step(s: StepLike) -> Any:
    if isinstance(s, str):
        return s
    if isinstance(s, (list, tuple, set, frozenset)):
        return [str(x) for x in s]
    raise InputTypeError(f"step {s!r}: expected a touchpoint name, 'stage:<stage>', 'conversion' or a list of names")


def _epoch_ms(t: Any, name: str) -> Optional[int]:
    if t is None:
        return None
    if isinstance(t, bool):
        raise InputTypeError(f"{name} = {t!r}: expected a datetime, an ISO 8601 string or epoch milliseconds")
    if isinstance(t, (int, float)):
        return int(t)
    if isinstance(t, str):
        t = _dt.datetime.fromisoformat(t.replace("Z", "+00:00"))
    if isinstance(t, _dt.datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=_dt.timezone.utc)
        return int(t.timestamp() * 1000)
    if isinstance(t, _dt.date):
        return int(_dt.datetime(t.year, t.month, t.day, tzinfo=_dt.timezone.utc).timestamp() * 1000)
    raise InputTypeError(f"{name} = {t!r}: expected a datetime, an ISO 8601 string or epoch milliseconds")


def _period(p: Any) -> Any:
    if isinstance(p, _dt.timedelta):
        return int(p.total_seconds() * 1000)
    if isinstance(p, bool) or not isinstance(p, (str, int)):
        raise InputTypeError(f"period = {p!r}: expected 'day', 'week', 'month', a duration such as '12h', a "
                             "timedelta or milliseconds")
    return p


def _fmt_ms(ms: Optional[float]) -> str:
    from touchpoint._plot import _ms_text  # one formatter for tables and figures (plotly stays lazy)

    return "" if ms is None or ms != ms else _ms_text(ms)


def _pct(x: Optional[float]) -> str:
    return "" if x is None or x != x else f"{100 * x:.1f}%"


def _html_rows(head: List[str], rows: List[List[str]], title: str, right: Iterable[int] = ()) -> str:
    r = set(right)
    out = [f"<p><b>{_html.escape(title)}</b></p>", '<table class="touchpoint"><thead><tr>']
    out.extend(f"<th>{_html.escape(h)}</th>" for h in head)
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(
            f'<td style="text-align:{"right" if i in r else "left"}">{_html.escape(c)}</td>'
            for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


class Funnel(_Tabular, _Serial):
    """A funnel: per step (per segment) the units that reached it, overall and step rates,
    reach (÷ all units), drop-off and the time from the previous step and from step 1
    (median, mean, quartiles, 90th percentile). :attr:`summary` counts the units that entered,
    never entered and were excluded. ``print(f)`` shows a text table, ``f.plot()`` a figure.
    """

    _NATIVE = "PyFunnel"

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._backend = backend

    def _table(self) -> Any:
        return self._native.rows()

    @property
    def summary(self) -> Any:
        """Per segment: units, entered, not_entered, excluded, completed, conversion_rate."""
        return _frames.to_backend(self._native.summary(), self._backend)

    def compare(self, a: str, b: str) -> Any:
        """Segments ``a`` and ``b`` side by side, step by step: units and overall rate of each,
        ``difference`` = b − a with its 95 % Wald interval, the two-sided p-value of a pooled
        two-proportion z-test and its Benjamini–Hochberg adjustment over the steps, and ``test``.

        Examples
        --------
        >>> import touchpoint as tp
        >>> ev = tp.Events.demo(customers=2_000)
        >>> f = tp.funnel(ev, ["website", "store visit"], segment="first_channel")
        >>> d = f.compare("online", "offline")
        >>> list(d.columns[:4])
        ['step', 'name', 'segment_a', 'segment_b']
        >>> bool(d["p_value"].iloc[1] >= 0)
        True
        """
        return _frames.to_backend(self._native.compare(a, b), self._backend)

    @property
    def steps(self) -> List[str]:
        """The steps, as text."""
        return self._native.steps

    @property
    def mode(self) -> str:
        """ordered, strict or any_order."""
        return self._native.mode

    @property
    def unit(self) -> str:
        """customer or journey."""
        return self._native.unit

    @property
    def window(self) -> Optional[_dt.timedelta]:
        """The conversion window, if any."""
        w = self._native.window_ms
        return None if w is None else _dt.timedelta(milliseconds=w)

    @property
    def stages_without_touchpoints(self) -> List[str]:
        """Stage funnel only: stages no touchpoint of the data has (left out of the steps)."""
        return self._native.stages_without_touchpoints

    def to_dict(self) -> Dict[str, Any]:
        """The whole result as plain Python objects (times in milliseconds)."""
        return dict(self._native.to_dict())

    def plot(self, *, segment: Optional[str] = None, value: Optional[str] = None) -> Any:
        """A plotly figure: bars of units per step with the units lost since the previous step,
        annotated with the share of step 1, the drop-off and the median time it took. Per
        segment, one bar per segment and step showing the share of step 1 (``value="units"``
        for counts); ``segment=`` draws one segment alone."""
        from touchpoint import _plot

        if value not in (None, "rate", "units"):
            raise InputTypeError(f"value = {value!r}: expected 'rate' or 'units'")
        return _plot.funnel(self._native.rows().to_pydict(), self, segment, value)

    def __str__(self) -> str:
        return str(self._native)

    def __repr__(self) -> str:
        s = self._native.summary().to_pydict()
        if len(s["units"]) == 1:
            rate = s["conversion_rate"][0]
            return (f"Funnel({self.mode}, {len(self.steps)} steps, {s['units'][0]:,} {self.unit}s: "
                    f"{s['entered'][0]:,} entered, {s['completed'][0]:,} completed"
                    f"{f' ({rate:.1%} of entered)' if rate is not None else ''})")
        return f"Funnel({self.mode}, {len(self.steps)} steps, {len(s['units'])} segments)"

    def _repr_html_(self) -> str:
        d = self._native.rows().to_pydict()
        head = ["step", "reached", "of step 1", "of previous", "drop-off", "median time", "p90 time"]
        if "segment" in d:
            head = ["segment"] + head
        rows = []
        for i in range(len(d["step"])):
            cells = [f"{d['step'][i]}. {d['name'][i]}", f"{d['units'][i]:,}", _pct(d["overall_rate"][i]),
                     _pct(d["step_rate"][i]), "" if d["drop_off"][i] is None else f"{d['drop_off'][i]:,}",
                     _fmt_ms(d["time_from_previous_median"][i]), _fmt_ms(d["time_from_previous_p90"][i])]
            rows.append(([d["segment"][i]] if "segment" in d else []) + cells)
        off = 1 if "segment" in d else 0
        html = _html_rows(head, rows, repr(self), right=range(1 + off, len(head)))
        if self.stages_without_touchpoints:
            html += (f"<p>No touchpoint of the data has stage {', '.join(self.stages_without_touchpoints)}: "
                     "left out of the steps.</p>")
        return html


class StepMatrix(_Tabular, _Serial):
    """Where units are at step 1..K of their sequence: the share of units at each touchpoint,
    ``(conversion)`` or ``(ended)`` per step (each step sums to 1); centred on a touchpoint,
    steps -K..K around its first occurrence (``(before start)`` fills the steps before a
    sequence began). :meth:`matrix` is the wide form, :meth:`difference` compares two segments.
    """

    _NATIVE = "PyStepMatrix"

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._backend = backend

    def _table(self) -> Any:
        return self._native.rows()

    @property
    def steps(self) -> List[int]:
        """The steps (columns)."""
        return self._native.steps

    @property
    def states(self) -> List[str]:
        """The states (rows): touchpoints by frequency, then the special states."""
        return self._native.states

    @property
    def units(self) -> Dict[Optional[str], int]:
        """Units per segment (key None without segments)."""
        return dict(self._native.units)

    @property
    def units_without_centre(self) -> int:
        """Centred matrices: units in which the centre never occurs (left out)."""
        return self._native.units_without_centre

    def _grid(self, segment: Optional[str], compare: Optional[Tuple[str, str]] = None) -> List[List[float]]:
        if compare is not None:
            d = self._native.difference(*compare).to_pydict()
            key = "difference"
        else:
            d = self._native.rows().to_pydict()
            key = "share"
            segs = d.get("segment")
            if segs is not None and segment is None:
                raise InputTypeError(f"the matrix is per segment; pass segment= one of {sorted(set(segs))}")
        cell: Dict[Tuple[int, str], float] = {}
        segs = d.get("segment")
        for i in range(len(d["step"])):
            if compare is None and segs is not None and segs[i] != segment:
                continue
            cell[(d["step"][i], d["state"][i])] = d[key][i]
        return [[cell.get((s, st), 0.0) for s in self.steps] for st in self.states]

    def matrix(self, segment: Optional[str] = None) -> Any:
        """The wide matrix: one row per state, one column per step (shares)."""
        grid = self._grid(segment)
        cols: Dict[str, List[Any]] = {"state": list(self.states)}
        for j, s in enumerate(self.steps):
            cols[str(s)] = [row[j] for row in grid]
        return _frames.from_columns(cols, self._backend)

    def difference(self, a: str, b: str) -> Any:
        """Segment ``a``'s matrix minus segment ``b``'s, one row per step and state."""
        return _frames.to_backend(self._native.difference(a, b), self._backend)

    def plot(self, *, segment: Optional[str] = None, compare: Optional[Tuple[str, str]] = None) -> Any:
        """A heatmap of the shares (or, with ``compare=(a, b)``, of their difference)."""
        from touchpoint import _plot

        return _plot.step_matrix(self.steps, self.states, self._grid(segment, compare), compare)

    def __repr__(self) -> str:
        u = self.units
        n = sum(u.values())
        return f"StepMatrix({len(self.steps)} steps, {len(self.states)} states, {n} units)"

    def _repr_html_(self) -> str:
        if len(self.units) > 1:
            return _frames.html_table(self._native.rows(), repr(self))
        grid = self._grid(None)
        rows = [[st] + [_pct(v) for v in row] for st, row in zip(self.states, grid)]
        return _html_rows(["state"] + [str(s) for s in self.steps], rows, repr(self),
                          right=range(1, len(self.steps) + 1))


class Retention(_Tabular, _Serial):
    """Retention cohorts: per cohort (the period of each customer's start) and period k, the
    customers observed and retained and their rate; periods not yet observed have no rate
    (missing, never 0). :attr:`mean` pools the cohorts (weighted and simple means);
    :meth:`matrix` is the triangle; ``plot()`` draws it."""

    _NATIVE = "PyRetention"

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._backend = backend

    def _table(self) -> Any:
        return self._native.rows()

    @property
    def mean(self) -> Any:
        """Per period: cohorts, observed, retained, weighted_mean, simple_mean."""
        return _frames.to_backend(self._native.mean(), self._backend)

    @property
    def info(self) -> Dict[str, Any]:
        """start, return_event, period, alignment, returned, observation_end_ms,
        customers_without_start."""
        return dict(self._native.info())

    def _cells(self, segment: Optional[str], value: str) -> Tuple[List[Any], List[int], List[List[Any]], List[int]]:
        d = self._native.rows().to_pydict()
        segs = d.get("segment")
        if segs is not None and segment is None:
            raise InputTypeError(f"the table is per segment; pass segment= one of {sorted(set(segs))}")
        cohorts: List[Any] = []
        sizes: List[int] = []
        periods = sorted(set(d["period"]))
        cell: Dict[Tuple[Any, int], Any] = {}
        for i in range(len(d["period"])):
            if segs is not None and segs[i] != segment:
                continue
            c = d["cohort"][i]
            if d["period"][i] == 0:
                cohorts.append(c)
                sizes.append(d["cohort_size"][i])
            cell[(c, d["period"][i])] = d[value][i] if d["rate"][i] is not None else None
        grid = [[cell.get((c, k)) for k in periods] for c in cohorts]
        return cohorts, periods, grid, sizes

    def matrix(self, value: str = "rate", *, segment: Optional[str] = None) -> Any:
        """The triangle: one row per cohort (with its size), one column per period; ``value``
        is rate (default), retained or observed. Unobserved cells are missing."""
        if value not in ("rate", "retained", "observed"):
            raise InputTypeError(f"value = {value!r}: expected rate, retained or observed")
        cohorts, periods, grid, sizes = self._cells(segment, value)
        cols: Dict[str, List[Any]] = {
            "cohort": [_dt.datetime.fromtimestamp(c / 1000, _dt.timezone.utc) for c in cohorts],
            "cohort_size": sizes,
        }
        for j, k in enumerate(periods):
            cols[str(k)] = [row[j] for row in grid]
        return _frames.from_columns(cols, self._backend)

    def plot(self, *, segment: Optional[str] = None) -> Any:
        """The retention triangle as a heatmap (unobserved cells blank), with the weighted mean
        as the last row."""
        from touchpoint import _plot

        cohorts, periods, grid, sizes = self._cells(segment, "rate")
        m = self._native.mean().to_pydict()
        ms = m.get("segment")
        mean = {k: w for i, (k, w) in enumerate(zip(m["period"], m["weighted_mean"]))
                if ms is None or ms[i] == segment}
        labels = [f"{_dt.datetime.fromtimestamp(c / 1000, _dt.timezone.utc):%Y-%m-%d} ({n:,})"
                  for c, n in zip(cohorts, sizes)]
        info = self.info
        p = info["period"]
        when = f"in {p} k" if info["returned"] == "on" else f"in {p} k or later"
        what = ("Repurchase" if info["start"] == info["return_event"] == "conversion"
                else f"Retention: {info['return_event']} after {info['start']}")
        title = f"{what}<br><sup>{info['alignment']} {p}s since the start; share of each cohort returning {when}</sup>"
        return _plot.retention(labels, periods, grid, [mean.get(k) for k in periods], title)

    def __str__(self) -> str:
        return str(self._native)

    def __repr__(self) -> str:
        i = self.info
        m = self._native.mean().to_pydict()
        k1 = [w for k, w in zip(m["period"], m["weighted_mean"]) if k == 1]
        return (f"Retention({i['start']} → {i['return_event']}, per {i['period']}, {i['returned']}"
                f"{f'; period 1: {k1[0]:.1%}' if k1 and k1[0] is not None else ''})")

    def _repr_html_(self) -> str:
        try:
            cohorts, periods, grid, sizes = self._cells(None, "rate")
        except InputTypeError:
            return _frames.html_table(self._native.rows(), repr(self))
        shown = periods[1:13]
        rows = [[f"{_dt.datetime.fromtimestamp(c / 1000, _dt.timezone.utc):%Y-%m-%d}", f"{n:,}"]
                + [_pct(row[k]) for k in range(1, len(shown) + 1)]
                for c, n, row in list(zip(cohorts, sizes, grid))[-24:]]
        return _html_rows(["cohort", "size"] + [str(k) for k in shown], rows, repr(self),
                          right=range(1, len(shown) + 2))


class Repurchase(_Tabular, _Serial):
    """Repurchase: the retention of buyers (first purchase → next purchases), the repeat rate
    and the time between consecutive purchases. ``to_pandas()`` gives the retention cells,
    :attr:`gaps` the distribution of gaps in whole periods."""

    _NATIVE = "PyRepurchase"

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._backend = backend
        self.retention = Retention(native.retention, backend)

    def _table(self) -> Any:
        return self._native.retention.rows()

    @property
    def summary(self) -> Dict[str, Any]:
        """buyers, repeat_buyers, repeat_rate, purchases and time_between_purchases (n,
        median, mean, p25, p75, p90 as timedeltas)."""
        s = dict(self._native.summary())
        t = dict(s["time_between_purchases"])
        s["time_between_purchases"] = {k: (v if k == "n" or v is None else _dt.timedelta(milliseconds=v))
                                       for k, v in t.items()}
        return s

    @property
    def repeat_rate(self) -> Optional[float]:
        """Buyers with a second purchase ÷ buyers."""
        return self._native.summary()["repeat_rate"]

    @property
    def gaps(self) -> Any:
        """periods, gaps, share: how many gaps between consecutive purchases last k periods."""
        return _frames.to_backend(self._native.gaps(), self._backend)

    def plot(self, *, segment: Optional[str] = None) -> Any:
        """The repurchase triangle (see :meth:`Retention.plot`)."""
        return self.retention.plot(segment=segment)

    def __str__(self) -> str:
        return str(self._native)

    def __repr__(self) -> str:
        s = self._native.summary()
        rate = s["repeat_rate"]
        return (f"Repurchase({s['buyers']:,} buyers, {s['repeat_buyers']:,} bought again"
                f"{f' ({rate:.1%})' if rate is not None else ''})")

    def _repr_html_(self) -> str:
        s = self.summary
        t = s["time_between_purchases"]
        med = t.get("median")
        head = (f"<p>{s['buyers']:,} buyers, {s['repeat_buyers']:,} bought again ({_pct(s['repeat_rate'])}); "
                f"median time between purchases {_fmt_ms(med.total_seconds() * 1000 if med else None)}</p>")
        return head + self.retention._repr_html_()


def funnel(
    data: Any,
    steps: Optional[Sequence[StepLike]] = None,
    *,
    mode: str = "ordered",
    window: DurationLike = None,
    exclude: Optional[Sequence[Any]] = None,
    unit: str = "customer",
    segment: Any = None,
    n_threads: Optional[int] = None,
    **columns: Any,
) -> Funnel:
    """How many customers (or journeys) reach each step, where they fall out and how long each
    step takes.

    Parameters
    ----------
    data
        An events table (pandas, polars, pyarrow, …), :class:`Events`, or :class:`Journeys`
        (each journey is then a unit).
    steps
        Touchpoint names, ``"stage:<stage>"`` (any touchpoint of a catalog stage), lists of
        names (any of them) or ``"conversion"``. None: the stage funnel (see
        :func:`stage_funnel`).
    mode
        ``"ordered"`` (steps in time order, other events allowed between), ``"strict"`` (each
        step the very next event) or ``"any_order"`` (after the step-1 anchor, the others in any
        order; row k counts units that completed at least k steps).
    window
        Conversion window from the step-1 event ('7d', a timedelta or milliseconds); None:
        unlimited.
    exclude
        Exclusion steps: ``(step, after, before)`` tuples or dicts with those keys (1-based step
        numbers). Attempts with such an event between those steps are void; units whose every
        attempt is void are excluded (counted in :attr:`Funnel.summary`).
    unit
        ``"customer"`` (default) or ``"journey"``.
    segment
        A column of the events table, ``"first_channel"`` / ``"first_stage"`` /
        ``"first_touchpoint"``, a dict customer -> label, or one label per event row: the same
        table per segment.
    columns
        Column options of :meth:`Events.from_frame` (customer, touchpoint, time, conversion,
        value, time_unit, catalog).

    An attempt starts at every occurrence of step 1; a unit counts at its deepest step over all
    attempts (its times are those of the first attempt that got that deep). Customers with no
    step-1 event are counted as not entering.

    Examples
    --------
    >>> import pandas as pd, touchpoint as tp
    >>> df = pd.DataFrame({"customer_id": ["u1", "u1", "u1", "u2", "u2", "u3"],
    ...                    "touchpoint": ["A", "B", "C", "A", "C", "C"],
    ...                    "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03",
    ...                                                 "2025-01-01", "2025-01-02", "2025-01-01"])})
    >>> f = tp.funnel(df, ["A", "B", "C"], window="10d")
    >>> f.to_pandas()[["step", "name", "units", "drop_off"]].to_string(index=False)
    ' step name  units  drop_off\\n    1    A      2      <NA>\\n    2    B      1         1\\n    3    C      1         0'
    >>> tp.funnel(df, ["A", "B", "C"], mode="any_order").to_pandas()["units"].tolist()
    [2, 2, 1]
    """
    units = _units(data, columns)
    ex = []
    for x in exclude or []:
        if isinstance(x, dict):
            ex.append((_step(x["step"]), int(x["after"]), int(x["before"])))
        else:
            s, a, b = x
            ex.append((_step(s), int(a), int(b)))
    native = _native.funnel(
        units._native, [_step(s) for s in (steps or [])], mode=mode, window_ms=_to_ms(window, "window"),
        exclusions=ex, unit="journey" if isinstance(units, Journeys) else unit,
        segments=_segments(units, segment), n_threads=n_threads,
    )
    return Funnel(native, units._backend)


def stage_funnel(data: Any, *, catalog: Any = None, **kwargs: Any) -> Funnel:
    """The stage funnel: the catalog's stages in order with the conversion where the purchase
    happens (awareness → first interaction → purchase decision → conversion → after-sales).
    Stages no touchpoint of the data has are left out and listed in
    :attr:`Funnel.stages_without_touchpoints`. The other options are those of :func:`funnel`.

    Examples
    --------
    >>> import touchpoint as tp
    >>> f = tp.stage_funnel(tp.demo.events(customers=500), catalog=tp.demo.catalog())
    >>> f.steps[0], f.steps[-1]
    ('stage:awareness', 'stage:after_sales')
    """
    if catalog is not None:
        kwargs["catalog"] = catalog
    return funnel(data, None, **kwargs)


def step_matrix(
    data: Any,
    steps: int = 10,
    *,
    unit: str = "journey",
    centre: Optional[StepLike] = None,
    segment: Any = None,
    n_threads: Optional[int] = None,
    **columns: Any,
) -> StepMatrix:
    """The step matrix: the share of journeys (or customers, ``unit="customer"``) at each
    touchpoint at step 1..``steps``, with ``(conversion)`` and ``(ended)`` rows so each step
    sums to 1. ``centre="email"`` centres it on the first occurrence of a touchpoint (steps
    -K..K); ``segment`` gives one matrix per segment (see :meth:`StepMatrix.difference`).

    Examples
    --------
    >>> import pandas as pd, touchpoint as tp
    >>> df = pd.DataFrame({"customer_id": ["a", "a", "b"], "touchpoint": ["ad", "site", "ad"],
    ...                    "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01"])})
    >>> m = tp.step_matrix(df, 2)
    >>> m.matrix().to_dict("list")
    {'state': ['ad', 'site', '(ended)'], '1': [1.0, 0.0, 0.0], '2': [0.0, 0.5, 0.5]}
    """
    units = _units(data, columns)
    native = _native.step_matrix(units._native, steps, unit="journey" if isinstance(units, Journeys) else unit,
                                 centre=None if centre is None else _step(centre),
                                 segments=_segments(units, segment), n_threads=n_threads)
    return StepMatrix(native, units._backend)


def retention(
    data: Any,
    *,
    start: StepLike = "any",
    return_event: StepLike = "any",
    period: Any = "day",
    alignment: str = "rolling",
    returned: str = "on",
    periods: Optional[int] = None,
    observation_end: Any = None,
    segment: Any = None,
    n_threads: Optional[int] = None,
    **columns: Any,
) -> Retention:
    """Retention cohorts: customers grouped by the period of their start event, and the share
    who come back in each later period.

    Parameters
    ----------
    start, return_event
        ``"any"`` (any event), ``"conversion"``, a touchpoint, ``"stage:<stage>"`` or a list of
        names. A customer starts at the first occurrence of ``start``.
    period
        ``"day"``, ``"week"``, ``"month"``, a duration ('12h', '14d'), a timedelta or ms.
    alignment
        ``"rolling"`` (whole periods since each customer's start) or ``"calendar"`` (calendar
        buckets: UTC days, ISO weeks from Monday, months).
    returned
        ``"on"`` (a return in period k) or ``"on_or_after"`` (in period k or later).
    periods
        Report periods 0..periods only.
    observation_end
        End of observation (datetime, ISO string or epoch ms); default: the last event.
    segment, columns
        As in :func:`funnel`.

    A period that has not begun by the end of observation has no rate (missing, never 0).

    Examples
    --------
    >>> import pandas as pd, touchpoint as tp
    >>> days = {"c1": [0, 1, 3], "c2": [0, 2], "c3": [1, 2, 3], "c4": [1], "c5": [2, 3]}
    >>> rows = [(c, "app", pd.Timestamp("2025-01-01") + pd.Timedelta(days=d)) for c, ds in days.items() for d in ds]
    >>> df = pd.DataFrame(rows, columns=["customer_id", "touchpoint", "timestamp"])
    >>> r = tp.retention(df)
    >>> r.mean["weighted_mean"].tolist()
    [1.0, 0.6, 0.5, 0.5]
    >>> r.matrix()["2"].tolist()  # the last cohort's period 2 has not begun: missing, not 0
    [0.5, 0.5, nan]
    """
    units = _units(data, columns)
    native = _native.retention(
        units._native, start=_step(start), return_event=_step(return_event), period=_period(period),
        alignment=alignment, returned=returned, periods=periods,
        observation_end_ms=_epoch_ms(observation_end, "observation_end"), segments=_segments(units, segment),
        n_threads=n_threads,
    )
    return Retention(native, units._backend)


def repurchase(
    data: Any,
    *,
    period: Any = "week",
    alignment: str = "rolling",
    returned: str = "on",
    periods: Optional[int] = None,
    observation_end: Any = None,
    segment: Any = None,
    n_threads: Optional[int] = None,
    **columns: Any,
) -> Repurchase:
    """Repurchase: retention with the first purchase as start and a purchase as return, the
    repeat rate and the time between consecutive purchases. Options as in :func:`retention`.

    Examples
    --------
    >>> import touchpoint as tp
    >>> r = tp.repurchase(tp.Events.demo(customers=2_000))
    >>> 0 < r.repeat_rate < 1
    True
    """
    units = _units(data, columns)
    native = _native.repurchase(
        units._native, period=_period(period), alignment=alignment, returned=returned, periods=periods,
        observation_end_ms=_epoch_ms(observation_end, "observation_end"), segments=_segments(units, segment),
        n_threads=n_threads,
    )
    return Repurchase(native, units._backend)
