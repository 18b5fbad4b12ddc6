"""The journey graph: an exact Markov chain of any order over touchpoint states
(:class:`JourneyGraph`), with drop-off priorities (:func:`prioritize`) and next-best-action
rankings (:class:`NextBest`)."""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from touchpoint import _frames
from touchpoint import _touchpoint as _native
from touchpoint._inputs import _coerce
from touchpoint._util import ProgressLike, _Serial, _Tabular, _watch, deprecated
from touchpoint.paths import PathTable


class JourneyGraph(_Tabular):
    """The journey graph: a Markov chain of order k over touchpoint states (windows of k
    touchpoints; consecutive identical states collapse), with exact absorbing-chain analysis.
    It pickles, and :meth:`save` / :meth:`load` (or :meth:`to_bytes` / :meth:`from_bytes`)
    round-trip it; :meth:`to_json` is a node-link export, not a round trip.

    Examples
    --------
    >>> import touchpoint as tp
    >>> paths = tp.PathTable.from_records([("C1 > C2 > C3", 1, 0, 0), ("C1", 0, 1, 0), ("C2 > C3", 0, 1, 0)])
    >>> g = tp.JourneyGraph(paths)
    >>> round(g.conversion_probability, 6)
    0.333333
    """

    def __init__(self, data: Any, order: int = 1, *, self_loops: bool = False,
                 collapse_repeats: Optional[bool] = None) -> None:
        """The Markov chain of ``order`` over ``data`` (:class:`Journeys`, a :class:`PathTable`
        or a DataFrame). Consecutive identical states collapse (the Markov state convention:
        it changes no conversion probability nor removal effect); ``self_loops=True`` (order 1
        only) keeps consecutive repeats as self-loops instead, the same as
        :meth:`directly_follows`.

        Repeated touches themselves are kept unless the *journeys* drop them
        (``Journeys.from_events(..., collapse_repeats=True)``); ``collapse_repeats`` is that
        option's name only, with the same default (``False``) wherever it appears. The graph's
        former ``collapse_repeats=`` (default ``True``) is the deprecated inverse of
        ``self_loops``."""
        if collapse_repeats is not None:
            deprecated("JourneyGraph(collapse_repeats=...)", "self_loops=... (its inverse)")
            self_loops = not collapse_repeats
        d = _coerce(data)
        self._data = d
        self._native = _native.PyJourneyGraph(d._native, order, self_loops)
        self._backend = d._backend

    @classmethod
    def directly_follows(cls, data: Any) -> "JourneyGraph":
        """The directly-follows graph process-mining tools count: order 1, with consecutive
        repeats kept as self-loops (``JourneyGraph(data, self_loops=True)``).

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
        if self._data is None:
            from touchpoint.exceptions import ModelError

            raise ModelError(
                "this graph was loaded from a file: it keeps its chain and analysis, not the paths it was built "
                "from; call top_paths on the journeys or path table instead"
            )
        return self._data if isinstance(self._data, PathTable) else PathTable.from_journeys(self._data)

    # ------------------------------------------------------------- saving and scoring

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Save the graph with its catalog and exact analysis to a versioned, checksummed file
        (written whole or not at all). :meth:`load` gives back a graph that answers every query
        bit-identically, without solving anything.

        Examples
        --------
        >>> import os, tempfile, touchpoint as tp
        >>> g = tp.JourneyGraph(tp.Journeys.from_events(tp.demo.events(customers=300)), order=2)
        >>> f = os.path.join(tempfile.mkdtemp(), "graph.tpm")
        >>> g.save(f)
        >>> back = tp.JourneyGraph.load(f)
        >>> back.conversion_probability == g.conversion_probability, back.order
        (True, 2)
        >>> tp.model_info(f)["kind"]
        'journey_graph'
        """
        _native.graph_save(self._native, os.fspath(path))

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"], *, backend: str = "pandas") -> "JourneyGraph":
        """Load a graph saved by :meth:`save`. A truncated, damaged, newer-format or
        other-kind file raises :class:`~touchpoint.exceptions.ModelFileError` saying which."""
        return cls._of(_native.graph_load(os.fspath(path)), backend)

    def to_bytes(self) -> bytes:
        """The bytes :meth:`save` writes."""
        return _native.graph_to_bytes(self._native)

    @classmethod
    def from_bytes(cls, data: bytes, *, backend: str = "pandas") -> "JourneyGraph":
        """A graph from :meth:`to_bytes`."""
        return cls._of(_native.graph_from_bytes(bytes(data)), backend)

    @classmethod
    def _of(cls, native: Any, backend: str) -> "JourneyGraph":
        g = cls.__new__(cls)
        g._data = None
        g._native = native
        g._backend = backend
        return g

    def __getstate__(self) -> Dict[str, Any]:
        # the chain and its analysis travel as the saved-model bytes; the input data does not
        return {"bytes": self.to_bytes(), "backend": self._backend}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self._native = _native.graph_from_bytes(state["bytes"])
        self._backend = state["backend"]
        self._data = None

    def scorer(self, candidates: Any = None, *, top_k: int = 3, collapse_repeats: bool = False) -> "Scorer":
        """A reusable :class:`Scorer` of open journeys against this graph (see :meth:`score`)."""
        return Scorer(self, candidates, top_k=top_k, collapse_repeats=collapse_repeats)

    def score(
        self,
        open_journeys: Any,
        candidates: Any = None,
        *,
        top_k: int = 3,
        collapse_repeats: bool = False,
        customer: str = "customer_id",
        touchpoint: str = "touchpoint",
        time: str = "timestamp",
        conversion: Optional[str] = "converted",
        time_unit: str = "ms",
    ) -> "Scores":
        """Score many customers' open journeys at once: per customer the state they are in,
        P(conversion), expected value and expected time to convert from there, and the
        ``top_k`` best next touchpoints among ``candidates`` (a dict name -> cost of one touch,
        a list of names at cost 0, or None: every touchpoint at its catalog cost) with their
        gain (uplift) and net value: :meth:`next_best` for every customer, in one call.

        ``open_journeys`` is an events table (the touches after each customer's last
        conversion in it are the open journey), :class:`Events`, or :class:`Journeys` (each
        customer whose last journey is open). A state never seen in the data falls back to
        the longest seen suffix, then to the start (column ``state_match``: exact, suffix or
        start); touchpoints the graph does not know are skipped and counted
        (``unknown_touches``). Never an error for a customer. The estimates are
        associational: shortlist, then test.

        Examples
        --------
        >>> import pandas as pd, touchpoint as tp
        >>> paths = tp.PathTable.from_records([("ad > email > store", 8, 2, 800), ("ad > site", 2, 8, 100)])
        >>> g = tp.JourneyGraph(paths)
        >>> open_now = pd.DataFrame({"customer_id": ["ann", "bob"], "touchpoint": ["ad", "site"],
        ...                          "timestamp": pd.to_datetime(["2025-03-01", "2025-03-01"])})
        >>> s = g.score(open_now, {"email": 0.1, "site": 0.0}, top_k=2)
        >>> s.to_pandas()[["customer_id", "state", "state_match", "best_next"]].values.tolist()
        [['ann', 'ad', 'exact', 'email'], ['bob', 'site', 'exact', 'email']]
        >>> round(float(s.to_pandas().conversion_probability[0]), 2)
        0.5
        >>> s.next_touchpoints()[["customer_id", "rank", "touchpoint"]].values.tolist()
        [['ann', 1, 'email'], ['ann', 2, 'site'], ['bob', 1, 'email'], ['bob', 2, 'site']]
        """
        return self.scorer(candidates, top_k=top_k, collapse_repeats=collapse_repeats).score(
            open_journeys, customer=customer, touchpoint=touchpoint, time=time, conversion=conversion,
            time_unit=time_unit,
        )

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

    def prioritize(self, fraction: float = 0.1, *, by: str = "touchpoint", progress: ProgressLike = True) -> Any:
        """Which drop-off to fix first: the exact gain in P(conversion), and the extra conversions
        and value at today's volume, if the drop-off after each touchpoint (``by="touchpoint"``,
        exact re-solves) or each state (``by="state"``, rank-one closed form) were cut by
        ``fraction``; ranked. Also the marginal gain d P / d fraction. By state, the columns
        are state (its label) and state_id (its node id) instead of touchpoint and states.
        ``by="stage"`` cuts the drop-off of every touchpoint of a catalog stage at once.

        ``progress=True`` shows a progress bar (``tqdm``, when installed) once the work has run
        for a second, and Ctrl-C / a kernel interrupt stops it cleanly; ``False`` turns both
        off; a ``callable(stage, done, total)`` gets the counts every 0.1 s instead (returning
        ``False`` stops the work with :class:`~touchpoint.exceptions.CancelledError`).

        Examples
        --------
        >>> import touchpoint as tp
        >>> paths = tp.PathTable.from_records([("ad > site", 30, 50, 3000), ("site", 10, 90, 1000)])
        >>> tp.JourneyGraph(paths).prioritize(0.1)["touchpoint"].tolist()
        ['site', 'ad']
        """
        with _watch(progress, f"prioritize by {by}") as cb:
            return _frames.to_backend(self._native.prioritize(fraction, by, progress=cb), self._backend)

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
        return NextBest(self._native.next_best(list(partial), cands), self._backend)

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
        """JSON node-link document (an export for networkx and d3: nodes, links and their
        figures). It is not read back: the graph's round trip is pickling,
        :meth:`save` / :meth:`load` and :meth:`to_bytes` / :meth:`from_bytes`, which keep the
        chain and its exact analysis bit for bit."""
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

    def draw(self, *, min_probability: float = 0.1, max_nodes: int = 30) -> Any:
        """A layered drawing of the graph (plotly Figure), start on the left, conversion and
        null on the right: nodes sized by visits and coloured by P(conversion), arrows as wide
        as the transition probability. Transitions below ``min_probability`` are hidden and
        only the ``max_nodes`` most visited states drawn; the subtitle says how many."""
        from touchpoint import _plot

        return _plot.graph(self._native.nodes().to_pydict(), self._native.transitions().to_pydict(), min_probability,
                           max_nodes=max_nodes, order=self.order)

    def __repr__(self) -> str:
        return repr(self._native)


class NextBest(_Tabular, _Serial):
    """The ranking of :meth:`JourneyGraph.next_best` (associational estimates)."""

    _NATIVE = "PyNextBest"

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self.current_state: str = native.current_state
        self.current_probability: float = native.current_probability
        self._t = native.rows()
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


def prioritize(data: Any, fraction: float = 0.1, *, order: int = 1, by: str = "touchpoint",
               progress: ProgressLike = True) -> Any:
    """Which touchpoint's drop-off to fix first (see :meth:`JourneyGraph.prioritize`).

    Examples
    --------
    >>> import touchpoint as tp
    >>> paths = tp.PathTable.from_records([("ad > site", 30, 50, 3000), ("site", 10, 90, 1000)])
    >>> tp.prioritize(paths, 0.1, by="state")[["state", "state_id"]].values.tolist()
    [['site', 4], ['ad', 3]]
    """
    return JourneyGraph(data, order).prioritize(fraction, by=by, progress=progress)


def _candidate_pairs(candidates: Any) -> Optional[List[Tuple[str, float]]]:
    if candidates is None:
        return None
    if isinstance(candidates, dict):
        return [(str(k), float(v)) for k, v in candidates.items()]
    return [(str(k), 0.0) for k in candidates]


class Scorer(_Serial):
    """A journey graph prepared for scoring open journeys (:meth:`JourneyGraph.score`): build
    it once, score many batches. Holds what it needs; thread-safe. ``to_json()`` /
    :meth:`from_json` and pickling round-trip it (the graph's figures it scores with, not the
    graph).

    Examples
    --------
    >>> import touchpoint as tp
    >>> journeys = tp.Journeys.from_events(tp.demo.events(customers=500))
    >>> scorer = tp.JourneyGraph(journeys, order=2).scorer(top_k=1)
    >>> s = scorer.score(journeys)                  # every customer with an open journey
    >>> set(s.to_pandas().state_match) <= {"exact", "suffix", "start"}
    True
    """

    _NATIVE = "PyScorer"

    def __init__(self, graph: JourneyGraph, candidates: Any = None, *, top_k: int = 3,
                 collapse_repeats: bool = False) -> None:
        self._native = _native.PyScorer(graph._native, _candidate_pairs(candidates), top_k, collapse_repeats)
        self._backend = graph._backend

    @classmethod
    def _from_native(cls, native: Any, backend: str) -> "Scorer":
        s = cls.__new__(cls)
        s._native = native
        s._backend = backend
        return s

    def score(
        self,
        open_journeys: Any,
        *,
        customer: str = "customer_id",
        touchpoint: str = "touchpoint",
        time: str = "timestamp",
        conversion: Optional[str] = "converted",
        time_unit: str = "ms",
    ) -> "Scores":
        """Score a batch (see :meth:`JourneyGraph.score`)."""
        from touchpoint.journeys import Events, Journeys

        if isinstance(open_journeys, Journeys):
            return Scores(self._native.score_journeys(open_journeys._native), open_journeys._backend)
        ev = Events.from_frame(open_journeys, customer=customer, touchpoint=touchpoint, time=time,
                               conversion=conversion, value=None, time_unit=time_unit)
        return Scores(self._native.score_events(ev._native), ev._backend if ev._backend else self._backend)


class Scores(_Tabular, _Serial):
    """Scored customers: the table (one row per customer: customer_id, touches,
    unknown_touches, state, state_match, matched_touches, conversion_probability,
    expected_value, expected_time_to_convert, best_next, best_next_probability,
    best_uplift, best_net_value) and :meth:`next_touchpoints`, the top-k candidates per
    customer (long form, ranked). ``to_json()`` / :meth:`from_json` and pickling round-trip
    the scores (with the scorer's figures they are read from)."""

    _NATIVE = "PyScores"

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._rows, self._next = native.tables()
        self._backend = backend

    def _table(self) -> Any:
        return self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def next_touchpoints(self) -> Any:
        """customer_id, rank, touchpoint, next_state, observed_share, conversion_probability,
        uplift, expected_value, cost, net_value: the best ``top_k`` per customer."""
        return _frames.to_backend(self._next, self._backend)

    def __repr__(self) -> str:
        return f"Scores({len(self._rows)} customers, {len(self._next)} next-touchpoint rows)"


def model_info(source: Any) -> Dict[str, Any]:
    """The header of a saved model (a file path or the bytes of ``to_bytes()``), checked but
    not decoded: kind (journey_graph, journeys or attribution), format_version,
    library_version, fingerprint (of the options and touchpoint names: equal fingerprints,
    same options over the same touchpoints) and bytes.

    Examples
    --------
    >>> import touchpoint as tp
    >>> g = tp.JourneyGraph(tp.PathTable.from_records([("a > b", 1, 1, 0)]))
    >>> info = tp.model_info(g.to_bytes())
    >>> info["kind"], info["format_version"]
    ('journey_graph', 1)
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return dict(_native.model_info(bytes(source)))
    with open(os.fspath(source), "rb") as f:
        return dict(_native.model_info(f.read()))
