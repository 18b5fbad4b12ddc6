"""Attribution: :func:`attribute` credits conversions and value to touchpoints under one model
(:class:`Attribution`), :func:`compare` runs several models side by side (:class:`Comparison`)."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from touchpoint import _frames
from touchpoint import _touchpoint as _native
from touchpoint._inputs import _coerce
from touchpoint._util import DurationLike, ProgressLike, _Native, _Serial, _Tabular, _to_ms, _watch, renamed_keywords
from touchpoint.exceptions import InputError
from touchpoint.paths import PathTable


class Attribution(_Native, _Serial):
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

    @property
    def model(self) -> str:
        """Model name ('markov', 'shapley', ...)."""
        return self._native.model

    @property
    def label(self) -> str:
        """The model with its parameters, as the core writes it.

        Examples
        --------
        >>> import touchpoint as tp
        >>> paths = tp.PathTable.from_records([("GA", 2, 1, 0), ("M", 1, 0, 0), ("GA > M", 1, 0, 0)])
        >>> tp.attribute(paths, model="markov", order=2).label
        'markov(order=2, allocation=global, value_basis=conversion_share)'
        >>> tp.attribute(paths, model="linear").label
        'linear'
        """
        return self._native.label

    @property
    def parameters(self) -> Dict[str, str]:
        """Model parameters."""
        return dict(self._native.parameters)

    @property
    def notes(self) -> List[str]:
        """What the model did to the data and how to read the numbers."""
        return list(self._native.notes)

    @property
    def total_journeys(self) -> float:
        """(Weighted) journeys in the data, converting or not.

        Examples
        --------
        >>> import touchpoint as tp
        >>> paths = tp.PathTable.from_records([("GA", 2, 1, 0), ("M", 1, 0, 0), ("GA > M", 1, 0, 0)])
        >>> res = tp.attribute(paths, model="linear")
        >>> res.total_journeys, res.total_conversions
        (5.0, 4.0)
        """
        return self._native.total_journeys

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
        """Ordered Shapley only: credit by touchpoint and position, one row per (touchpoint,
        position) that earned credit; every other cell is 0."""
        t = self._native.by_position()
        if t is None:
            raise InputError("by_position is defined for model='ordered_shapley' only")
        return _frames.to_backend(t, self._backend)

    _NATIVE = "PyAttribution"

    def to_json(self) -> str:
        """The full result as JSON: the core's fields (model, parameters, rows, totals, notes,
        ...) beside ``kind`` and ``version``; :meth:`from_json` reads it back equal.

        Examples
        --------
        >>> import touchpoint as tp
        >>> res = tp.attribute(tp.PathTable.from_records([("GA > M", 2, 1, 0), ("M", 1, 0, 0)]), model="linear")
        >>> tp.Attribution.from_json(res.to_json()).credits == res.credits
        True
        """
        return self._native.to_json()

    def plot(self, *, value: bool = False) -> Any:
        """Bar chart of the credit per touchpoint (plotly)."""
        from touchpoint import _plot

        return _plot.credits_bar([self], value=value)

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Save the result to a versioned, checksummed file (see :meth:`load`).

        Examples
        --------
        >>> import os, tempfile, touchpoint as tp
        >>> paths = tp.PathTable.from_records([("GA", 2, 1, 0), ("M", 1, 0, 0), ("GA > M", 1, 0, 0)])
        >>> res = tp.attribute(paths, model="markov")
        >>> f = os.path.join(tempfile.mkdtemp(), "credits.tpm")
        >>> res.save(f)
        >>> tp.Attribution.load(f)["GA"] == res["GA"]
        True
        """
        _write_atomic(path, self.to_bytes())

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"], *, backend: str = "pandas") -> "Attribution":
        """Load a result saved by :meth:`save` (bit-identical). A damaged, truncated or
        newer-format file raises :class:`~touchpoint.exceptions.ModelFileError`."""
        with open(os.fspath(path), "rb") as f:
            return cls.from_bytes(f.read(), backend=backend)

    def to_bytes(self) -> bytes:
        """The bytes :meth:`save` writes."""
        return _native.credits_to_bytes([self._native])

    @classmethod
    def from_bytes(cls, data: bytes, *, backend: str = "pandas") -> "Attribution":
        """A result from :meth:`to_bytes`."""
        natives = _native.credits_from_bytes(bytes(data))
        if len(natives) != 1:
            raise InputError(f"the bytes hold {len(natives)} attribution results; load them with Comparison.from_bytes")
        return cls(natives[0], backend)

    def __getstate__(self) -> Dict[str, Any]:
        return {"bytes": self.to_bytes(), "backend": self._backend}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        (self._native,) = _native.credits_from_bytes(state["bytes"])
        self._backend = state["backend"]


def _write_atomic(path: Union[str, "os.PathLike[str]"], data: bytes) -> None:
    """Write a file whole or not at all (a temporary file renamed into place)."""
    path = os.fspath(path)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _params(order: int, half_life: DurationLike, weights: Optional[Tuple[float, float, float]], allocation: str,
            value_basis: str, shapley_method: str, shapley_samples: int, shapley_seed: int,
            max_touches: Optional[int], per_journey: bool, n_threads: Optional[int]) -> Dict[str, Any]:
    if n_threads is None and os.environ.get("TOUCHPOINT_NUM_THREADS"):
        n_threads = int(os.environ["TOUCHPOINT_NUM_THREADS"])
    return dict(order=order, half_life_ms=_to_ms(half_life, "half_life"), weights=weights, allocation=allocation,
                value_basis=value_basis, shapley_method=shapley_method, shapley_samples=shapley_samples,
                shapley_seed=shapley_seed, max_touches=max_touches, per_journey=per_journey, n_threads=n_threads)


_SHAPLEY_RENAMES = dict(method="shapley_method", samples="shapley_samples")


def _boot(bootstrap: Optional[int], ci: float, seed: Optional[int]) -> Dict[str, Any]:
    if seed is not None and bootstrap is None:
        raise InputError("seed= seeds the bootstrap: pass bootstrap= (resamples) with it; the Shapley sampler's "
                         "seed is shapley_seed=")
    return dict(bootstrap=bootstrap, ci=ci, seed=0 if seed is None else seed)


@renamed_keywords(**_SHAPLEY_RENAMES)
def attribute(
    data: Any,
    model: str = "markov",
    *,
    order: int = 1,
    half_life: DurationLike = "7d",
    weights: Optional[Tuple[float, float, float]] = None,
    allocation: str = "global",
    value_basis: str = "conversion_share",
    shapley_method: str = "auto",
    shapley_samples: int = 20_000,
    shapley_seed: int = 0,
    max_touches: Optional[int] = None,
    per_journey: bool = False,
    bootstrap: Optional[int] = None,
    ci: float = 0.95,
    seed: Optional[int] = None,
    n_threads: Optional[int] = None,
    progress: ProgressLike = True,
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
    shapley_method, shapley_samples, shapley_seed
        How 'shapley_rate' solves its game: 'auto' (exact up to 24 touchpoints, else sampled),
        'exact', or 'sampled' (``shapley_samples`` seeded permutations, with standard errors).
        ``method=``, ``samples=`` and ``seed=`` are deprecated spellings.
    max_touches
        Keep only the most recent touches of each journey (reported in ``notes``).
    per_journey
        Also compute per-journey credit (``result.per_journey()``).
    bootstrap, ci, seed
        Intervals: ``bootstrap`` resamples of a customer-level Poisson bootstrap (journeys are
        resampled by customer, path tables by row counts), ``ci`` level, ``seed``. Adds the
        columns lower, upper and std_error of the credited conversions. (``seed=`` used to be a
        deprecated spelling of ``shapley_seed``; it now seeds the bootstrap only.)
    n_threads
        Threads for the parallel parts (default: all cores, or TOUCHPOINT_NUM_THREADS).
    progress
        ``True`` (default): a progress bar (``tqdm``, when installed) for bootstrap resamples
        and sampled Shapley once they have run for a second, and Ctrl-C stops the work
        cleanly; ``False``: neither; or a ``callable(stage, done, total)`` called every 0.1 s
        (returning ``False`` stops it with :class:`~touchpoint.exceptions.CancelledError`).

    Examples
    --------
    >>> import touchpoint as tp
    >>> paths = tp.PathTable.from_records([("C1 > C2 > C3", 1, 0, 0), ("C1", 0, 1, 0), ("C2 > C3", 0, 1, 0)])
    >>> res = tp.attribute(paths, model="markov", order=2)
    >>> [round(res[t], 6) for t in ("C1", "C2", "C3")]
    [0.2, 0.4, 0.4]
    >>> rate = tp.attribute(paths, model="shapley_rate", shapley_method="sampled", shapley_samples=2_000, shapley_seed=1)
    >>> "std_error" in rate.to_pandas().columns
    True
    >>> m = tp.attribute(paths, model="markov", bootstrap=200, seed=3).to_pandas()
    >>> bool(((m.lower <= m.conversions) & (m.conversions <= m.upper)).all())
    True
    """
    d = _coerce(data)
    p = _params(order, half_life, weights, allocation, value_basis, shapley_method, shapley_samples, shapley_seed,
                max_touches, per_journey, n_threads)
    p.update(_boot(bootstrap, ci, seed))
    # watched (bar, Ctrl-C) only where the work can be long: resamples, sampled Shapley
    with _watch(progress if bootstrap or model == "shapley_rate" else False, f"attribute {model}") as cb:
        (native,) = _native.attribute(d._native, [model], progress=cb, **p)
    return Attribution(native, d._backend)


class Comparison(_Tabular):
    """Several models side by side. ``to_pandas()`` (``to_polars()``, ``to_arrow()``,
    ``to_frame()``) is wide: one row per touchpoint, one column of credited conversions per
    model (``value=True`` for value); ``long()`` is tidy."""

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
            name = r._native.column_name  # the core's: the model name, with the order for Markov
            base, i = name, 2
            while name in out:
                name, i = f"{base}_{i}", i + 1
            out[name] = list(d[key])
        return out

    def _to(self, backend: str) -> Any:
        return _frames.from_columns(self._wide(), backend)

    def long(self) -> Any:
        """Tidy table: model, touchpoint, conversions, value, share."""
        rows: Dict[str, List[Any]] = {"model": [], "touchpoint": [], "conversions": [], "value": [], "share": []}
        for r in self.results:
            d = r._native.to_table().to_pydict()
            n = len(d["touchpoint"])
            rows["model"].extend([r.model] * n)
            for k in ("touchpoint", "conversions", "value", "share"):
                rows[k].extend(d[k])
        return _frames.from_columns(rows, self._backend)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self.to_arrow().__arrow_c_stream__(requested_schema)

    def plot(self, *, value: bool = False) -> Any:
        """Grouped bar chart of the models (plotly)."""
        from touchpoint import _plot

        return _plot.credits_bar(self.results, value=value)

    def __repr__(self) -> str:
        return f"Comparison({', '.join(r.model for r in self.results)})"

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Save every model's result to one versioned, checksummed file (see :meth:`load`)."""
        _write_atomic(path, self.to_bytes())

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"], *, backend: str = "pandas") -> "Comparison":
        """Load a comparison saved by :meth:`save` (bit-identical)."""
        with open(os.fspath(path), "rb") as f:
            return cls.from_bytes(f.read(), backend=backend)

    def to_bytes(self) -> bytes:
        """The bytes :meth:`save` writes."""
        return _native.credits_to_bytes([r._native for r in self.results])

    @classmethod
    def from_bytes(cls, data: bytes, *, backend: str = "pandas") -> "Comparison":
        """A comparison from :meth:`to_bytes`."""
        return cls([Attribution(n, backend) for n in _native.credits_from_bytes(bytes(data))], backend)

    def to_json(self) -> str:
        """Every model's result as one JSON document (``kind`` ``"comparison"``, ``version``,
        the results as :meth:`Attribution.to_json` writes them, and the ``value`` flag), which
        :meth:`from_json` reads back equal."""
        return _native.comparison_to_json([r._native for r in self.results], self._value)

    @classmethod
    def from_json(cls, json: str, *, backend: str = "pandas") -> "Comparison":
        """A comparison from :meth:`to_json`; another kind's document raises
        :class:`~touchpoint.exceptions.ModelFileError` naming both kinds."""
        natives, value = _native.comparison_from_json(json)
        return cls([Attribution(n, backend) for n in natives], backend, value)

    def __getstate__(self) -> Dict[str, Any]:
        return {"bytes": self.to_bytes(), "backend": self._backend, "value": self._value}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.results = [Attribution(n, state["backend"]) for n in _native.credits_from_bytes(state["bytes"])]
        self._backend = state["backend"]
        self._value = state["value"]

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


@renamed_keywords(**_SHAPLEY_RENAMES)
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
    shapley_method: str = "auto",
    shapley_samples: int = 20_000,
    shapley_seed: int = 0,
    max_touches: Optional[int] = None,
    bootstrap: Optional[int] = None,
    ci: float = 0.95,
    seed: Optional[int] = None,
    n_threads: Optional[int] = None,
    progress: ProgressLike = True,
) -> Comparison:
    """Run several models on the same data (rule models share one pass over it). Path tables
    have no times, so 'time_decay' is skipped for them unless named explicitly. The options are
    those of :func:`attribute`; a model's column is its name, with the order for Markov
    (``markov_2``), and a repeated column gets a suffix (``markov_2_2``).

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
    p = _params(order, half_life, weights, allocation, value_basis, shapley_method, shapley_samples, shapley_seed,
                max_touches, False, n_threads)
    p.update(_boot(bootstrap, ci, seed))
    with _watch(progress if bootstrap or "shapley_rate" in names else False, "compare") as cb:
        natives = _native.attribute(d._native, names, progress=cb, **p)
    return Comparison([Attribution(n, d._backend) for n in natives], d._backend, value)
