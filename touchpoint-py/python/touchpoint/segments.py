"""Every figure by segment, with an interval: attribution and graph metrics per segment
(:func:`attribute_by_segment`, :func:`graph_by_segment`, :func:`top_paths_by_segment`),
bootstrap intervals of the graph's metrics (:func:`graph_intervals`; attribution takes
``bootstrap=`` in :func:`touchpoint.attribute`), and data-driven segments (:func:`personas`).

A segment is a column of the events (each customer's value on their first event), a first-touch
attribute (``"first_channel"``, ``"first_stage"``, ``"first_touchpoint"``), a mapping customer ->
label, one label per event row, or :class:`Personas`. Intervals come from a customer-level
Poisson bootstrap (``bootstrap=`` resamples, ``ci=`` level, ``seed=``): the same seed gives the
same numbers on every run and thread count.

>>> import touchpoint as tp
>>> ev = tp.Events.demo(customers=1_500)
>>> res = tp.attribute_by_segment(ev, "first_channel", models=["markov", "last"], bootstrap=50)
>>> t = res.to_pandas()
>>> sorted(t["segment"].unique())
['cross_channel', 'offline', 'online']
>>> bool((t["lower"] <= t["conversions"] + 1e-9).all() and (t["conversions"] <= t["upper"] + 1e-9).all())
True
>>> diff = res.compare("online", "offline")
>>> {"difference", "p_value", "p_adjusted", "test"} <= set(diff.columns)
True
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from touchpoint import _touchpoint as _native
from touchpoint._util import DurationLike, ProgressLike, _Serial, _Tabular, _watch
from touchpoint.exceptions import InputTypeError
from touchpoint.journeys import Events, Journeys

__all__ = ["SegmentAttribution", "SegmentGraph", "Personas", "attribute_by_segment", "graph_by_segment",
           "graph_intervals", "top_paths_by_segment", "personas"]


class Personas(_Tabular, _Serial):
    """Customer personas found by seeded k-means++ on journey features. ``to_pandas()`` is one
    row per persona (largest first): customers, share, journeys, conversions, conversion rates,
    mean touches, top touchpoints and top paths. Pass it as ``segment=`` to any analysis.

    Examples
    --------
    >>> import touchpoint as tp
    >>> ev = tp.Events.demo(customers=800)
    >>> p = tp.personas(ev, k=3)
    >>> p.k, len(p.to_pandas())
    (3, 3)
    >>> int(p.to_pandas()["customers"].sum()) == ev.customers - p.customers_without_journeys
    True
    """

    _NATIVE = "PyPersonas"

    def __init__(self, native: Any, events: Optional[Events], journeys: Optional[Journeys],
                 backend: Optional[str] = None) -> None:
        self._native = native
        self._events = events
        self._journeys = journeys
        self._backend = backend if backend is not None else events._backend if events is not None else "pandas"

    @classmethod
    def _from_native(cls, native: Any, backend: str) -> "Personas":
        # the personas hold their customers' names: no events or journeys are needed
        return cls(native, None, None, backend)

    def _table(self) -> Any:
        return self._native.table()

    @property
    def k(self) -> int:
        """Number of personas."""
        return self._native.k

    @property
    def silhouette(self) -> List[Tuple[int, float]]:
        """Mean silhouette of every k tried (k was chosen by the highest)."""
        return list(self._native.silhouette)

    @property
    def features(self) -> List[str]:
        """The journey features clustered (z-scored)."""
        return list(self._native.features)

    @property
    def customers_without_journeys(self) -> int:
        """Customers with no journey (segment '(missing)')."""
        return self._native.customers_without_journeys

    def assignments(self) -> Any:
        """Each customer's persona as a frame (customer, persona)."""
        from touchpoint import _frames

        pairs = self._native.assignments()
        return _frames.from_columns({"customer": [c for c, _ in pairs], "persona": [p for _, p in pairs]},
                                    self._backend)

    def __repr__(self) -> str:
        return str(self._native.__repr__())


def _events_and_journeys(data: Any, columns: Dict[str, Any], lookback: DurationLike) -> Tuple[Events, Journeys]:
    from touchpoint.journeymap import _units

    if isinstance(data, Journeys):
        raise InputTypeError("segments need the events: pass the events table (or tp.Events), not Journeys")
    units = _units(data, columns)
    assert isinstance(units, Events)
    js = Journeys._build(units._native, units._backend, lookback, None, False, None, True, None)
    return units, js


def _segments_of(events: Events, segment: Any) -> Any:
    from touchpoint.journeymap import _segments

    if isinstance(segment, Personas):
        return segment._native.segments()
    if segment is None:
        raise InputTypeError("segment is required: a column of the events, a first-touch attribute "
                             "('first_channel', 'first_stage', 'first_touchpoint'), a mapping customer -> label "
                             "or tp.personas(...)")
    return _segments(events, segment)


class SegmentAttribution(_Tabular, _Serial):
    """Attribution per segment: ``to_pandas()`` has one row per segment, model and touchpoint
    (segment, model, touchpoint, conversions, value, share, removal_effect, lower, upper,
    std_error, touches); :meth:`compare` puts two segments side by side."""

    _NATIVE = "PySegmentAttribution"

    def __init__(self, native: Any, backend: str) -> None:
        self._native = native
        self._backend = backend

    def _table(self) -> Any:
        return self._native.table()

    @property
    def segments(self) -> List[str]:
        """Segments analysed."""
        return list(self._native.segments)

    @property
    def skipped(self) -> List[Tuple[str, str]]:
        """Segments that could not be analysed, with the reason."""
        return list(self._native.skipped)

    @property
    def notes(self) -> List[Tuple[str, str, str]]:
        """(segment, model, note) for every note of every result."""
        return list(self._native.notes)

    def compare(self, a: str, b: str) -> Any:
        """Segments ``a`` and ``b`` side by side: per model and touchpoint the share of credit
        (and for Markov the removal effect) in each, ``difference`` = b − a, its bootstrap
        interval, the two-sided p-value and the Benjamini–Hochberg adjusted p-value over the
        touchpoints; ``test`` names the test (none without a bootstrap)."""
        from touchpoint import _frames

        return _frames.to_backend(self._native.compare(a, b), self._backend)

    def plot(self, model: Optional[str] = None) -> Any:
        """Share of credit per touchpoint and segment with interval bars (plotly)."""
        from touchpoint import _plot

        return _plot.segment_bars(self.to_pandas(), model)

    def __repr__(self) -> str:
        return f"SegmentAttribution({len(self.segments)} segments, {len(self.skipped)} skipped)"


class SegmentGraph(_Tabular, _Serial):
    """Graph metrics per segment: one row per segment, metric and item (metric:
    conversion_probability, removal_effect, state_conversion_probability, dropoff_rate)."""

    _NATIVE = "PySegmentGraph"

    def __init__(self, native: Any, backend: str) -> None:
        self._native = native
        self._backend = backend

    def _table(self) -> Any:
        return self._native.table()

    @property
    def skipped(self) -> List[Tuple[str, str]]:
        """Segments that could not be analysed, with the reason."""
        return list(self._native.skipped)

    def compare(self, a: str, b: str) -> Any:
        """Segments side by side on P(conversion) and the removal effects (see
        :meth:`SegmentAttribution.compare`)."""
        from touchpoint import _frames

        return _frames.to_backend(self._native.compare(a, b), self._backend)

    def __repr__(self) -> str:
        return f"SegmentGraph({len(self.skipped)} skipped)"


def attribute_by_segment(
    data: Any,
    segment: Any,
    models: Sequence[str] = ("markov",),
    *,
    order: int = 1,
    max_touches: Optional[int] = None,
    bootstrap: Optional[int] = None,
    ci: float = 0.95,
    seed: int = 0,
    lookback: DurationLike = None,
    n_threads: Optional[int] = None,
    progress: ProgressLike = True,
    **columns: Any,
) -> SegmentAttribution:
    """Run attribution models on each segment's customers (one split pass; each segment's
    figures equal running on that segment alone).

    Parameters
    ----------
    data
        Events: a table with the default column names (or ``customer=``, ``touchpoint=``, ...
        column options) or :class:`touchpoint.Events`.
    segment
        A column of the events, 'first_channel' / 'first_stage' / 'first_touchpoint', a mapping
        customer -> label, one label per event row, or :class:`Personas`.
    models
        Model names, as in :func:`touchpoint.attribute`.
    bootstrap, ci, seed
        Resamples, level and seed of the customer-level bootstrap (None: no intervals).

    Examples
    --------
    >>> import touchpoint as tp
    >>> res = tp.attribute_by_segment(tp.Events.demo(customers=600), "first_stage", models=["linear"])
    >>> bool(res.to_pandas().groupby("segment")["conversions"].sum().gt(0).all())
    True
    """
    ev, js = _events_and_journeys(data, columns, lookback)
    with _watch(progress if bootstrap else False, "attribute by segment") as cb:
        native = _native.attribute_by_segment(js._native, _segments_of(ev, segment), list(models), order=order,
                                              max_touches=max_touches, bootstrap=bootstrap, ci=ci, seed=seed,
                                              n_threads=n_threads, progress=cb)
    return SegmentAttribution(native, ev._backend)


def graph_by_segment(
    data: Any,
    segment: Any,
    *,
    order: int = 1,
    max_touches: Optional[int] = None,
    bootstrap: Optional[int] = None,
    ci: float = 0.95,
    seed: int = 0,
    lookback: DurationLike = None,
    n_threads: Optional[int] = None,
    progress: ProgressLike = True,
    **columns: Any,
) -> SegmentGraph:
    """The journey graph's metrics per segment: P(conversion), removal effects, and per state
    its P(conversion) and drop-off rate, with bootstrap intervals when ``bootstrap`` is given.

    Examples
    --------
    >>> import touchpoint as tp
    >>> g = tp.graph_by_segment(tp.Events.demo(customers=600), "first_channel", bootstrap=30)
    >>> t = g.to_pandas()
    >>> set(t["metric"]) >= {"conversion_probability", "removal_effect"}
    True
    """
    ev, js = _events_and_journeys(data, columns, lookback)
    with _watch(progress if bootstrap else False, "graph by segment") as cb:
        native = _native.graph_by_segment(js._native, _segments_of(ev, segment), order=order, max_touches=max_touches,
                                          bootstrap=bootstrap, ci=ci, seed=seed, n_threads=n_threads, progress=cb)
    return SegmentGraph(native, ev._backend)


def top_paths_by_segment(data: Any, segment: Any, k: int = 10, *, by: str = "journeys",
                         lookback: DurationLike = None, **columns: Any) -> Any:
    """The ``k`` top paths of each segment (and a remainder row per segment).

    Examples
    --------
    >>> import touchpoint as tp
    >>> t = tp.top_paths_by_segment(tp.Events.demo(customers=500), "first_channel", k=3)
    >>> int(t.groupby("segment")["rank"].max().max())
    4
    """
    from touchpoint import _frames

    ev, js = _events_and_journeys(data, columns, lookback)
    return _frames.to_backend(_native.top_paths_by_segment(js._native, _segments_of(ev, segment), k, by=by),
                              ev._backend)


class GraphIntervals(_Tabular, _Serial):
    """The graph's metrics with bootstrap intervals: one row per metric and item (estimate,
    lower, upper, std_error, resamples); ``notes`` say how they were computed."""

    _NATIVE = "PyGraphIntervals"

    def __init__(self, native: Any, backend: str) -> None:
        self._native = native
        self._t = native.rows()
        self.notes = list(native.notes)
        self._backend = backend

    def _table(self) -> Any:
        return self._t

    def __repr__(self) -> str:
        return f"GraphIntervals({self.notes[0] if self.notes else ''})"


def graph_intervals(data: Any, *, order: int = 1, max_touches: Optional[int] = None, bootstrap: int = 200,
                    ci: float = 0.95, seed: int = 0, n_threads: Optional[int] = None,
                    progress: ProgressLike = True) -> GraphIntervals:
    """Bootstrap intervals of P(conversion), every removal effect and each state's P(conversion)
    and drop-off rate (journeys are resampled by customer, path tables by row counts).
    ``progress`` is that of :func:`touchpoint.attribute` (a bar over the resamples, Ctrl-C).

    Examples
    --------
    >>> import touchpoint as tp
    >>> paths = tp.PathTable.from_records([("search > email", 40, 60, 0), ("email", 10, 90, 0)])
    >>> g = tp.graph_intervals(paths, bootstrap=100, seed=1).to_pandas()
    >>> row = g[g.metric == "conversion_probability"].iloc[0]
    >>> float(row.estimate), bool(row.lower < 0.25 < row.upper)
    (0.25, True)
    """
    from touchpoint._inputs import _coerce

    d = _coerce(data)
    with _watch(progress, "graph intervals") as cb:
        native = _native.graph_intervals(d._native, order=order, max_touches=max_touches, bootstrap=bootstrap, ci=ci,
                                         seed=seed, n_threads=n_threads, progress=cb)
    return GraphIntervals(native, d._backend)


def personas(data: Any, k: Optional[int] = None, *, k_min: int = 2, k_max: int = 8, seed: int = 0,
             max_iter: int = 100, restarts: int = 4, silhouette_sample: int = 2000, top: int = 3,
             lookback: DurationLike = None, n_threads: Optional[int] = None, **columns: Any) -> Personas:
    """Cluster customers into personas by their journeys: touchpoint frequencies, order-1
    transition frequencies and time/volume features, z-scored, by a deterministic seeded
    k-means++ (``k`` given, or chosen by the mean silhouette over ``k_min..k_max``).

    Examples
    --------
    >>> import touchpoint as tp
    >>> ev = tp.Events.demo(customers=800)
    >>> p = tp.personas(ev, k=3, seed=1)
    >>> f = tp.funnel(ev, ["website", "store visit"], segment=p)
    >>> sorted(set(f.to_pandas()["segment"]))[:1]
    ['persona 1']
    """
    ev, js = _events_and_journeys(data, columns, lookback)
    native = _native.personas(js._native, k=k, k_min=k_min, k_max=k_max, seed=seed, max_iter=max_iter,
                              restarts=restarts, silhouette_sample=silhouette_sample, top=top, n_threads=n_threads)
    return Personas(native, ev, js)
