"""The journey graph: an exact Markov chain of any order over touchpoint states
(:class:`JourneyGraph`), with drop-off priorities (:func:`prioritize`) and next-best-action
rankings (:class:`NextBest`)."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, List, Optional, Sequence, Tuple

from touchpoint import _frames
from touchpoint import _touchpoint as _native
from touchpoint._inputs import _coerce
from touchpoint._util import _Tabular
from touchpoint.paths import PathTable


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
        """The Markov chain of ``order`` over ``data`` (:class:`Journeys`, a :class:`PathTable`
        or a DataFrame). ``collapse_repeats=False`` (order 1 only) is the same as
        :meth:`directly_follows`."""
        d = _coerce(data)
        self._data = d
        self._native = _native.PyJourneyGraph(d._native, order, collapse_repeats)
        self._backend = d._backend

    @classmethod
    def directly_follows(cls, data: Any) -> "JourneyGraph":
        """The directly-follows graph process-mining tools count: order 1, with consecutive
        repeats kept as self-loops (``JourneyGraph(data, collapse_repeats=False)``).

        Examples
        --------
        >>> import touchpoint as tp
        >>> paths = tp.PathTable.from_records([("a > a > b", 1, 0, 0), ("a", 0, 1, 0)])
        >>> t = tp.JourneyGraph.directly_follows(paths).transitions()
        >>> int(t.loc[(t.source == "a") & (t.target == "a"), "count"].iloc[0])
        1
        >>> ("a", "a") in set(zip(*tp.JourneyGraph(paths).transitions()[["source", "target"]].T.values))
        False
        """
        d = _coerce(data)
        g = cls.__new__(cls)
        g._data = d
        g._native = _native.PyJourneyGraph.directly_follows(d._native)
        g._backend = d._backend
        return g

    def _paths(self) -> PathTable:
        return self._data if isinstance(self._data, PathTable) else PathTable.from_journeys(self._data)

    @property
    def order(self) -> int:
        """Markov order."""
        return self._native.order

    @property
    def total_journeys(self) -> float:
        """(Weighted) journeys in the graph."""
        return self._native.total_journeys

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

    def nodes(self, *, experience: Any = None) -> Any:
        """Per node: visits, expected visits, conversion probability, direct conversion rate,
        drop-off rate, expected time to convert (ms). With ``experience=`` a
        :func:`touchpoint.experience` result, also the NPS (net score), mean score and number
        of scores of each state's current touchpoint (columns nps, mean_score, scores; empty
        for states without scores)."""
        if experience is None:
            return _frames.to_backend(self._native.nodes(), self._backend)
        native = getattr(experience, "_native", experience)
        if not isinstance(native, _native.PyExperience):
            from touchpoint.exceptions import InputTypeError

            raise InputTypeError(f"experience = {type(experience).__name__}: expected the result of tp.experience()")
        return _frames.to_backend(self._native.nodes(native), self._backend)

    def removal_effects(self) -> Any:
        """Removal effect of every touchpoint on conversions and on value."""
        return _frames.to_backend(self._native.removal_effects(), self._backend)

    def top_paths(self, k: int = 10, *, by: str = "journeys") -> Any:
        """The most frequent observed paths plus a remainder row (see :meth:`PathTable.top_paths`)."""
        return self._paths().top_paths(k, by=by)

    def prioritize(self, fraction: float = 0.1, *, by: str = "touchpoint") -> Any:
        """Which drop-off to fix first: the exact gain in P(conversion), and the extra conversions
        and value at today's volume, if the drop-off after each touchpoint (``by="touchpoint"``,
        exact re-solves) or each state (``by="state"``, rank-one closed form) were cut by
        ``fraction``; ranked. Also the marginal gain d P / d fraction. By state, the columns
        are state (its label) and state_id (its node id) instead of touchpoint and states.

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
        conversion probability from the target). Columns source, target, source_id, target_id
        (node ids, as in :meth:`transitions`), sensitivity.

        Examples
        --------
        >>> import touchpoint as tp
        >>> paths = tp.PathTable.from_records([("C1 > C2 > C3", 1, 0, 0), ("C1", 0, 1, 0), ("C2 > C3", 0, 1, 0)])
        >>> s = tp.JourneyGraph(paths).sensitivities()
        >>> round(float(s.loc[(s.source == "C3") & (s.target == "(conversion)"), "sensitivity"].iloc[0]), 6)
        0.666667
        """
        return _frames.to_backend(self._native.sensitivities(), self._backend)

    def summary(self) -> Dict[str, Any]:
        """Sizes, totals and the exact analysis in one dict (the core's ``GraphSummary``; the C
        face's summary JSON has the same keys).

        Examples
        --------
        >>> import touchpoint as tp
        >>> paths = tp.PathTable.from_records([("C1 > C2 > C3", 1, 0, 0), ("C1", 0, 1, 0), ("C2 > C3", 0, 1, 0)])
        >>> s = tp.JourneyGraph(paths).summary()
        >>> s["states"], s["total_journeys"], round(s["analysis"]["conversion_probability"], 6)
        (3, 3.0, 0.333333)
        """
        return dict(self._native.summary())

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

        nodes, links = self._paths()._native.sankey(max_steps, top_k)
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
    """Which touchpoint's drop-off to fix first (see :meth:`JourneyGraph.prioritize`).

    Examples
    --------
    >>> import touchpoint as tp
    >>> paths = tp.PathTable.from_records([("ad > site", 30, 50, 3000), ("site", 10, 90, 1000)])
    >>> tp.prioritize(paths, 0.1, by="state")[["state", "state_id"]].values.tolist()
    [['site', 4], ['ad', 3]]
    """
    return JourneyGraph(data, order).prioritize(fraction, by=by)
