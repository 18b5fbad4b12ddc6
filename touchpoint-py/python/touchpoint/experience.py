"""How customers feel at each touchpoint: NPS and CSAT per touchpoint, stage and channel with
their intervals (:func:`experience`), whether a bad experience goes with fewer conversions
(:func:`experience_conversion`), which touchpoint's satisfaction explains an outcome
(:func:`key_drivers`) and how consistent the experience is within journeys
(:func:`consistency`). Every number is computed by the Rust core; this module moves tables
and options across and draws the figures.

Scores come from the events' ``feedback`` column (a score on a touch row belongs to that
touch) and, optionally, from a separate survey table (customer, time, score and optionally the
touchpoint asked about), whose responses are attached to the customer's most recent touch (at
that touchpoint) within ``survey_window``; responses that cannot be attached are counted in
``report``, never used silently. Every score is checked against the declared ``scale``.

>>> import touchpoint as tp
>>> ev = tp.Events.demo(customers=2_000)
>>> exp = tp.experience(ev)
>>> exp.scale["kind"], exp.report["scores"] == exp.report["scores_on_touches"]
('nps', True)
>>> sorted(exp.by_touchpoint["group"])
['after-sales survey', 'app', 'click & collect', 'service centre', 'store visit', 'website']
>>> bool((exp.to_pandas()["nps_lower"] <= exp.to_pandas()["nps"]).all())
True
"""

from __future__ import annotations

import html as _html
import json as _json
import math as _math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from touchpoint import _frames
from touchpoint import _touchpoint as _native
from touchpoint._util import DurationLike, _optional_column, _pandas_without_arrow, _Serial, _Tabular, _to_ms
from touchpoint.exceptions import InputTypeError
from touchpoint.journeymap import _segments, _units
from touchpoint.journeys import Events

ScaleLike = Union[str, Mapping[str, float]]

_SURVEY_OPTIONS = ("survey_customer", "survey_time", "survey_score", "survey_touchpoint", "survey_time_unit")
# milliseconds per unit of epoch-number times (pandas without pyarrow only; the Arrow reader
# converts them in the core)
_UNIT_MS = {"ms": 1, "milliseconds": 1, "millis": 1, "s": 1000, "seconds": 1000, "sec": 1000,
            "us": 1e-3, "microseconds": 1e-3, "micros": 1e-3, "ns": 1e-6, "nanoseconds": 1e-6, "nanos": 1e-6}


# ---------------------------------------------------------------------------------------------
# inputs


class Surveys(_Serial):
    """Survey responses: customer, time, score and optionally the touchpoint the survey asks
    about. Read a table once with :meth:`from_frame` and pass it to any number of analyses
    (or pass the table itself, with the ``survey_*=`` column options).

    Examples
    --------
    >>> import pandas as pd, touchpoint as tp
    >>> s = tp.Surveys.from_frame(pd.DataFrame({"customer_id": ["a", "b"], "score": [9, 3],
    ...                                         "timestamp": pd.to_datetime(["2025-01-02", "2025-01-03"])}))
    >>> len(s)
    2
    """

    _NATIVE = "PySurveys"

    def __init__(self, native: Any) -> None:
        self._native = native

    @classmethod
    def _from_native(cls, native: Any, backend: str) -> "Surveys":
        return cls(native)

    @classmethod
    def from_frame(
        cls,
        surveys: Any,
        *,
        customer: str = "customer_id",
        time: str = "timestamp",
        score: str = "score",
        touchpoint: Optional[str] = "touchpoint",
        time_unit: str = "ms",
    ) -> "Surveys":
        """Responses from any table with the Arrow PyCapsule interface (pandas, polars,
        pyarrow, duckdb) or pandas without pyarrow. ``touchpoint`` left at its default is used
        only when the table has that column; a missing touchpoint in a row means "the most
        recent touch". A missing customer, time or score is an error naming the column and the
        row; times are read as in :meth:`Events.from_frame` (``time_unit`` for epoch numbers)."""
        if isinstance(surveys, Surveys):
            return surveys
        if isinstance(surveys, _native.PySurveys):
            return cls(surveys)
        cols = _frames.columns_of(surveys)
        touchpoint = _optional_column(cols, touchpoint, "touchpoint")
        if touchpoint is not None and _frames.backend_of(surveys) == "polars" and touchpoint in surveys.columns:
            import polars as pl

            # polars exports a column of nulls only with a buffer the Arrow reader refuses
            if surveys.schema[touchpoint] == pl.Null:
                surveys = surveys.with_columns(pl.col(touchpoint).cast(pl.Utf8))
        if _pandas_without_arrow(surveys):
            return cls(_surveys_from_pandas_lists(surveys, customer, time, score, touchpoint, time_unit))
        return cls(_native.PySurveys.from_arrow(surveys, customer=customer, time=time, score=score,
                                                touchpoint=touchpoint, time_unit=time_unit))

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        return repr(self._native)


def _surveys_from_pandas_lists(df: Any, customer: str, time: str, score: str, touchpoint: Optional[str],
                               time_unit: str) -> Any:
    """pandas without pyarrow: the columns as lists, times as epoch milliseconds."""
    import pandas as pd

    from touchpoint.exceptions import ColumnNotFoundError, OptionError
    from touchpoint.journeys import _epoch_ms

    for c in [customer, time, score] + ([touchpoint] if touchpoint else []):
        if c not in df.columns:
            raise ColumnNotFoundError(
                f"missing column `{c}`: the table has [{', '.join(map(str, df.columns))}]; pass the right column name")
    t = df[time]
    if pd.api.types.is_datetime64_any_dtype(t):
        times = _epoch_ms(pd.to_datetime(t, utc=True))
    elif pd.api.types.is_numeric_dtype(t):
        factor = _UNIT_MS.get(str(time_unit).strip().lower())
        if factor is None:
            raise OptionError(f"invalid option `time_unit` = {time_unit!r}: expected one of ms, s, us, ns")
        times = [int(x) * int(factor) if factor >= 1 and float(x).is_integer() else _math.floor(x * factor)
                 for x in t.tolist()]
    else:
        times = _epoch_ms(pd.to_datetime(t, utc=True, format="ISO8601"))
    scores = [None if x is None or x != x else float(x) for x in df[score].tolist()]
    tps = None
    if touchpoint:
        tps = [None if x is None or (isinstance(x, float) and x != x) else str(x) for x in df[touchpoint].tolist()]
    return _native.PySurveys.from_lists([str(x) for x in df[customer].tolist()], times, scores, tps)


def _inputs(data: Any, surveys: Any, columns: Dict[str, Any]) -> Tuple[Events, Any]:
    """The events (the feedback column ``feedback`` is used when the table has it) and the
    native survey table (or None)."""
    columns = dict(columns)
    survey_cols = {k[len("survey_"):]: columns.pop(k) for k in _SURVEY_OPTIONS if k in columns}
    if "feedback" not in columns and not isinstance(data, (Events, _native.PyEvents)):
        columns["feedback"] = _optional_column(_frames.columns_of(data), "feedback", "feedback")
    units = _units(data, columns)
    if not isinstance(units, Events):
        raise InputTypeError("the experience analyses need the events (with their feedback scores): pass the events "
                             "table or tp.Events, not Journeys")
    if surveys is None:
        if survey_cols:
            raise InputTypeError(f"{', '.join('survey_' + k for k in survey_cols)} given without surveys=")
        return units, None
    if isinstance(surveys, (Surveys, _native.PySurveys)) and survey_cols:
        raise InputTypeError("survey_* column options apply to a survey table, not to tp.Surveys (read already)")
    return units, Surveys.from_frame(surveys, **survey_cols)._native


def _window(w: Any) -> Any:
    if w is None:
        return "none"
    if isinstance(w, str) and w.strip().lower() in ("none", "unlimited"):
        return "none"
    return _to_ms(w, "survey_window")


def _scale(scale: Any) -> Any:
    if isinstance(scale, str) or scale is None:
        return scale
    if isinstance(scale, Mapping):
        return {str(k): (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
                for k, v in scale.items()}
    raise InputTypeError(f"scale = {scale!r}: expected 'nps', 'csat' or a dict with min, max, promoter_min and "
                         "detractor_max")


def _options(scale: Any, survey_window: Any, conversion_feedback: Any, small_n: Any, **extra: Any) -> str:
    """The options as the core's JSON (None: the core's default)."""
    opts = {"scale": _scale(scale), "survey_window": _window(survey_window),
            "conversion_feedback": conversion_feedback, "small_n": small_n, **extra}
    try:
        return _json.dumps({k: v for k, v in opts.items() if v is not None})
    except (TypeError, ValueError) as e:
        raise InputTypeError(f"experience options: {e}") from None


# ---------------------------------------------------------------------------------------------
# shared display helpers


def _where(frame: Any, backend: str, column: str, value: str) -> Any:
    """The rows of a frame of `backend` whose `column` equals `value`."""
    if backend == "polars":
        import polars as pl

        return frame.filter(pl.col(column) == value)
    if backend == "pyarrow":
        import pyarrow.compute as pc

        return frame.filter(pc.equal(frame[column], value))
    return frame[frame[column] == value].reset_index(drop=True)


def _one_row(table: Any) -> Dict[str, Any]:
    return {k: v[0] for k, v in table.to_pydict().items()}


def _num(x: Optional[float], fmt: str) -> str:
    return "–" if x is None or x != x else format(x, fmt)


def _pct(x: Optional[float]) -> str:
    return "–" if x is None or x != x else f"{100 * x:.1f}%"


def _html_table(head: List[str], rows: List[Tuple[List[str], bool]], title: str, right: Sequence[int] = (),
                foot: str = "") -> str:
    """An HTML table; rows flagged True (small n) are greyed."""
    r = set(right)
    out = [f"<p><b>{_html.escape(title)}</b></p>", '<table class="touchpoint"><thead><tr>']
    out.extend(f"<th>{_html.escape(h)}</th>" for h in head)
    out.append("</tr></thead><tbody>")
    for cells, grey in rows:
        style = ' style="color:#999"' if grey else ""
        out.append(f"<tr{style}>" + "".join(
            f'<td style="text-align:{"right" if i in r else "left"}">{_html.escape(c)}</td>'
            for i, c in enumerate(cells)) + "</tr>")
    out.append("</tbody></table>")
    if foot:
        out.append(f"<p>{_html.escape(foot)}</p>")
    return "".join(out)


def _pick_segment(segs: Optional[List[Any]], segment: Optional[str], what: str) -> None:
    if segs is None:
        if segment is not None:
            raise InputTypeError(f"segment={segment!r}: the {what} is not per segment")
        return
    labels = list(dict.fromkeys(segs))
    if segment is None:
        raise InputTypeError(f"the {what} is per segment; pass segment= one of {labels}")
    if segment not in labels:
        raise InputTypeError(f"segment={segment!r}: not a segment of the {what}; segments: {labels}")


# ---------------------------------------------------------------------------------------------
# results


class Experience(_Tabular, _Serial):
    """The experience table: per touchpoint, stage and channel kind (and overall; per segment
    when asked) the scores n, promoters / passives / detractors, NPS with its variance,
    standard error and 95 % interval, the mean score with its standard error and the top-box
    share with its Wilson interval. Groups with fewer than ``small_n`` scores are flagged,
    never hidden. ``print(exp)`` shows a text table, ``exp.plot()`` a figure.
    """

    _NATIVE = "PyExperience"

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._backend = backend

    def _table(self) -> Any:
        return self._native.rows()

    def _dimension(self, dimension: str) -> Any:
        return _where(self.to_frame(), self._backend, "dimension", dimension)

    @property
    def by_touchpoint(self) -> Any:
        """The touchpoint rows (most scores first)."""
        return self._dimension("touchpoint")

    @property
    def by_stage(self) -> Any:
        """The stage rows, in stage order (none when the catalog names no stages)."""
        return self._dimension("stage")

    @property
    def by_channel(self) -> Any:
        """The channel-kind rows (none when the catalog names no channel kinds)."""
        return self._dimension("channel")

    @property
    def overall(self) -> Any:
        """The row over all scores (one per segment)."""
        return self._dimension("all")

    @property
    def report(self) -> Dict[str, int]:
        """Where the scores came from and what was left out: scores on touches, scores on
        conversion rows attached / left out, survey responses given, attached, of unknown
        customers, naming an unknown touchpoint, without a touch in the window; scores used."""
        return _one_row(self._native.report())

    @property
    def scale(self) -> Dict[str, Any]:
        """The scale: kind, min, max, promoter_min, detractor_max."""
        return dict(self._native.scale)

    @property
    def small_n(self) -> int:
        """Groups with fewer scores than this are flagged."""
        return self._native.small_n

    @property
    def touchpoints_without_feedback(self) -> List[str]:
        """Touchpoints of the catalog without any score."""
        return self._native.touchpoints_without_feedback

    def compare(self, a: str, b: str, *, dimension: str = "touchpoint") -> Any:
        """Group ``a`` minus group ``b`` of ``dimension`` (touchpoint, stage, channel): the
        differences of NPS, mean and top-box share with their standard errors, z and two-sided
        p-values (independent samples, normal approximation), one row per segment.

        Examples
        --------
        >>> import pandas as pd, touchpoint as tp
        >>> scores = {"store visit": [10, 9, 9, 8, 7, 6, 3, 10, 0, 9], "email": [10, 10, 9, 8, 2]}
        >>> rows = [(tp_, s) for tp_, xs in scores.items() for s in xs]
        >>> df = pd.DataFrame({"customer_id": range(len(rows)), "touchpoint": [r[0] for r in rows],
        ...                    "timestamp": 0, "feedback": [r[1] for r in rows]})
        >>> d = tp.experience(df).compare("store visit", "email")
        >>> float(d["nps_difference"][0]), round(float(d["nps_difference_se"][0]), 6)
        (-20.0, 45.166359)
        """
        return _frames.to_backend(self._native.compare(dimension, a, b), self._backend)

    def compare_segments(self, a: str, b: str, group: str = "all", *, dimension: Optional[str] = None) -> Any:
        """Segment ``a`` minus segment ``b`` for one group (default: all scores; ``dimension``
        defaults to touchpoint for any other group), as one row like :meth:`compare`."""
        if dimension is None:
            dimension = "all" if group == "all" else "touchpoint"
        return _frames.to_backend(self._native.compare_segments(dimension, group, a, b), self._backend)

    def to_dict(self) -> Dict[str, Any]:
        """The whole result as plain Python objects."""
        return dict(self._native.to_dict())

    def plot(self, *, segment: Optional[str] = None) -> Any:
        """A plotly figure: NPS per touchpoint with its 95 % interval, worst first; groups with
        fewer than ``small_n`` scores are grey and marked. Per segment, one trace per segment
        (or ``segment=`` one of them)."""
        from touchpoint import _plot

        rows = self._native.rows().to_pydict()
        if segment is not None:
            _pick_segment(rows.get("segment"), segment, "experience table")
        return _plot.experience_nps(rows, self.small_n, self.scale, segment)

    def plot_stages(self, *, segment: Optional[str] = None) -> Any:
        """A plotly figure: the shares of promoters, passives and detractors per stage (per
        touchpoint when the catalog names no stages), stacked to 100 %."""
        from touchpoint import _plot

        rows = self._native.rows().to_pydict()
        _pick_segment(rows.get("segment"), segment, "experience table")
        return _plot.experience_stages(rows, self.small_n, self.scale, segment)

    def __str__(self) -> str:
        return str(self._native)

    def __repr__(self) -> str:
        d = self._native.rows().to_pydict()
        s = self.scale
        i = d["dimension"].index("all") if "all" in d["dimension"] else None
        tps = len({g for g, dim in zip(d["group"], d["dimension"]) if dim == "touchpoint"})
        head = f"Experience({s['kind']} scale, {self.report['scores']:,} scores, {tps} touchpoints"
        if i is not None and "segment" not in d and d["nps"][i] is not None:
            head += f"; NPS {d['nps'][i]:+.1f} [{d['nps_lower'][i]:+.1f}, {d['nps_upper'][i]:+.1f}]"
        return head + ")"

    def _repr_html_(self) -> str:
        d = self._native.rows().to_pydict()
        seg = "segment" in d
        head = (["segment"] if seg else []) + ["group", "scores", "NPS", "95% interval", "promoters", "detractors",
                                               "mean", "top box", ""]
        rows = []
        for i in range(len(d["group"])):
            dim = d["dimension"][i]
            label = "all scores" if dim == "all" else f"{dim}: {d['group'][i]}"
            n = d["n"][i]
            lo, hi = d["nps_lower"][i], d["nps_upper"][i]
            cells = [label, f"{n:,}", _num(d["nps"][i], "+.1f"),
                     "–" if lo is None else f"[{lo:+.1f}, {hi:+.1f}]",
                     _pct(d["promoters"][i] / n if n else None), _pct(d["detractors"][i] / n if n else None),
                     _num(d["mean"][i], ".2f"), _pct(d["top_box"][i]),
                     f"n<{self.small_n}" if d["small_n"][i] else ""]
            rows.append((([d["segment"][i]] if seg else []) + cells, bool(d["small_n"][i])))
        off = 1 if seg else 0
        foot = []
        if self.touchpoints_without_feedback:
            foot.append(f"Touchpoints without feedback: {', '.join(self.touchpoints_without_feedback)}.")
        r = self.report
        if r["surveys"]:
            foot.append(f"Surveys: {r['surveys_attached']:,} of {r['surveys']:,} attached; left out "
                        f"{r['surveys_unknown_customer']:,} of unknown customers, {r['surveys_unknown_touchpoint']:,} "
                        f"naming an unknown touchpoint, {r['surveys_without_touch']:,} without a touch in the window.")
        foot.append(f"Grey rows: fewer than {self.small_n} scores, read with care.")
        return _html_table(head, rows, repr(self), right=range(1 + off, len(head) - 1), foot=" ".join(foot))


class ExperienceConversion(_Tabular, _Serial):
    """Experience → conversion: per touchpoint (and over all journeys), the journeys through it
    by the experience they had there (detractor, passive, promoter, unscored) and their
    conversion rates; the detractor group against the reference group (difference with a Wald
    interval, risk ratio, odds ratio) and the experience gap (the conversions the detractor
    journeys would have at the promoter rate). These are associations in observational data,
    not causal effects (:attr:`note`).
    """

    _NATIVE = "PyExperienceConversion"

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._backend = backend

    def _table(self) -> Any:
        return self._native.rows()

    @property
    def reference(self) -> str:
        """The reference group: not_detractor, promoter or unscored."""
        return self._native.reference

    @property
    def journeys(self) -> int:
        """Journeys (with at least one touch)."""
        return self._native.journeys

    @property
    def converting_journeys(self) -> int:
        """Converting journeys."""
        return self._native.converting_journeys

    @property
    def conversions_without_touches(self) -> int:
        """Conversions with no touch before them in their journey (in no journey)."""
        return self._native.conversions_without_touches

    @property
    def note(self) -> str:
        """What the figures are, and are not."""
        return self._native.note

    @property
    def report(self) -> Dict[str, int]:
        """Where the scores came from (see :attr:`Experience.report`)."""
        return _one_row(self._native.report())

    def to_dict(self) -> Dict[str, Any]:
        """The whole result as plain Python objects."""
        return dict(self._native.to_dict())

    def plot(self, *, value: str = "rates", segment: Optional[str] = None) -> Any:
        """A plotly figure per touchpoint with detractor journeys: the conversion rate of the
        detractor journeys against the reference group (``value="rates"``, two bar traces) or
        the experience gap in conversions (``value="gap"``). The note that these are
        associations is in the subtitle."""
        from touchpoint import _plot

        if value not in ("rates", "gap"):
            raise InputTypeError(f"value = {value!r}: expected 'rates' or 'gap'")
        rows = self._native.rows().to_pydict()
        _pick_segment(rows.get("segment"), segment, "table")
        return _plot.experience_conversion(rows, self.reference, self.note, value, segment)

    def __str__(self) -> str:
        return str(self._native)

    def __repr__(self) -> str:
        return (f"ExperienceConversion(detractor vs {self.reference}, {self.journeys:,} journeys, "
                f"{self.converting_journeys:,} converting)")

    def _repr_html_(self) -> str:
        d = self._native.rows().to_pydict()
        seg = "segment" in d
        head = (["segment"] if seg else []) + ["touchpoint", "detractor journeys", "detractor conv.",
                                               "promoter conv.", "reference conv.", "difference [95%]",
                                               "odds ratio", "gap (conv.)", ""]
        rows = []
        for i in range(len(d["journeys"])):
            diff, lo, hi = d["difference"][i], d["difference_lower"][i], d["difference_upper"][i]
            cells = [d["touchpoint"][i] or "(any touchpoint)", f"{d['detractor_journeys'][i]:,}",
                     _pct(d["detractor_rate"][i]), _pct(d["promoter_rate"][i]), _pct(d["reference_rate"][i]),
                     "–" if diff is None or lo is None else
                     f"{100 * diff:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}] pt",
                     _num(d["odds_ratio"][i], ".2f"), _num(d["experience_gap"][i], ".1f"),
                     "small n" if d["small_n"][i] else ""]
            rows.append((([d["segment"][i]] if seg else []) + cells, bool(d["small_n"][i])))
        off = 1 if seg else 0
        return _html_table(head, rows, repr(self), right=range(1 + off, len(head) - 1),
                           foot=f"Gap: conversions the detractor journeys would have at the promoter rate. These are "
                                f"{self.note}.")


class KeyDrivers(_Tabular, _Serial):
    """Key drivers: each driver touchpoint's share of the R² of the outcome on the customers'
    mean satisfaction at the drivers (the Shapley decomposition of R², LMG); importances sum to
    :attr:`r_squared`. Shares of explained variance, not causal effects (:attr:`note`).
    """

    _NATIVE = "PyKeyDrivers"

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._backend = backend

    def _table(self) -> Any:
        return self._native.rows()

    @property
    def r_squared(self) -> float:
        """R² of the outcome on all drivers (the sum of the importances)."""
        return self._native.r_squared

    @property
    def customers(self) -> int:
        """Customers used."""
        return self._native.customers

    @property
    def customers_incomplete(self) -> int:
        """Customers with an outcome but not every driver score (left out under complete cases)."""
        return self._native.customers_incomplete

    @property
    def customers_without_outcome(self) -> int:
        """Customers with a driver score but no outcome (left out)."""
        return self._native.customers_without_outcome

    @property
    def outcome(self) -> str:
        """What the outcome is."""
        return self._native.outcome

    @property
    def missing(self) -> str:
        """How missing driver scores were handled: complete_cases or impute_mean."""
        return self._native.missing

    @property
    def note(self) -> str:
        """What the figures are, and are not."""
        return self._native.note

    @property
    def report(self) -> Dict[str, int]:
        """Where the scores came from (see :attr:`Experience.report`)."""
        return _one_row(self._native.report())

    def r_squared_of(self, drivers: Sequence[str]) -> float:
        """R² of the outcome on a subset of the drivers (by name)."""
        if isinstance(drivers, str):
            drivers = [drivers]
        return self._native.r_squared_of([str(d) for d in drivers])

    def to_dict(self) -> Dict[str, Any]:
        """The whole result as plain Python objects."""
        return dict(self._native.to_dict())

    def plot(self) -> Any:
        """A plotly figure: each driver's share of R², most important first, with R² and the
        outcome in the title."""
        from touchpoint import _plot

        return _plot.key_drivers(self._native.rows().to_pydict(), self.r_squared, self.outcome, self.note)

    def __str__(self) -> str:
        return str(self._native)

    def __repr__(self) -> str:
        return (f"KeyDrivers({self.outcome}: R² {self.r_squared:.3f} over {self.customers:,} customers, "
                f"{len(self._native.rows())} drivers)")

    def _repr_html_(self) -> str:
        d = self._native.rows().to_pydict()
        rows = [([d["driver"][i], f"{d['importance'][i]:.4f}", _pct(d["share"][i]), f"{d['r_squared_alone'][i]:.4f}",
                  _num(d["mean_score"][i], ".2f"), f"{d['customers_scored'][i]:,}"], False)
                for i in range(len(d["driver"]))]
        left = (f"{self.customers_incomplete:,} left out with a missing score" if self.missing == "complete_cases"
                else "missing scores filled with the driver's mean")
        return _html_table(["driver", "importance", "share of R²", "R² alone", "mean score", "customers scored"], rows,
                           repr(self), right=range(1, 6),
                           foot=f"{left}; {self.customers_without_outcome:,} without an outcome. Importance: Shapley "
                                f"decomposition of R² (LMG); {self.note}.")


class Consistency(_Tabular, _Serial):
    """Consistency of the experience within journeys: per pair of consecutive scored touches
    (touchpoint → touchpoint, channel kind → channel kind) how often a promoter score is
    followed by a detractor score, the reverse and the mean change, most good → bad first;
    :attr:`summary` is the spread of scores within journeys."""

    _NATIVE = "PyConsistency"

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._backend = backend

    def _table(self) -> Any:
        return self._native.rows()

    @property
    def summary(self) -> Dict[str, Any]:
        """journeys, journeys_scored, journeys_multi (two or more scores), mean_sd, mean_range,
        mixed_journeys and mixed_share (a promoter and a detractor score), and the same across
        channel kinds."""
        return _one_row(self._native.summary())

    @property
    def report(self) -> Dict[str, int]:
        """Where the scores came from (see :attr:`Experience.report`)."""
        return _one_row(self._native.report())

    def to_dict(self) -> Dict[str, Any]:
        """The whole result as plain Python objects."""
        return dict(self._native.to_dict())

    def __str__(self) -> str:
        return str(self._native)

    def __repr__(self) -> str:
        s = self.summary
        share = s["mixed_share"]
        return (f"Consistency({s['journeys_multi']:,} of {s['journeys']:,} journeys with two or more scores"
                f"{f', {share:.1%} mixed' if share is not None else ''})")

    def _repr_html_(self) -> str:
        d = self._native.rows().to_pydict()
        rows = [([d["dimension"][i], d["from"][i], d["to"][i], f"{d['pairs'][i]:,}", f"{d['good_to_bad'][i]:,}",
                  _pct(d["good_to_bad_rate"][i]), f"{d['bad_to_good'][i]:,}", _num(d["mean_change"][i], "+.2f")],
                 bool(d["small_n"][i])) for i in range(min(len(d["pairs"]), max(_frames.max_rows(), 20)))]
        s = self.summary
        foot = (f"Mean spread of scores within a journey: range {_num(s['mean_range'], '.2f')}, sd "
                f"{_num(s['mean_sd'], '.2f')}. Grey rows: few pairs.")
        return _html_table(["by", "good experience at", "then", "pairs", "good → bad", "of good", "bad → good",
                            "mean change"], rows, repr(self), right=range(3, 8), foot=foot)


# ---------------------------------------------------------------------------------------------
# the analyses


def experience(
    data: Any,
    surveys: Any = None,
    *,
    scale: ScaleLike = "nps",
    survey_window: DurationLike = "30d",
    conversion_feedback: str = "error",
    small_n: int = 30,
    segment: Any = None,
    n_threads: Optional[int] = None,
    **columns: Any,
) -> Experience:
    """The experience table: NPS (and CSAT) per touchpoint, stage and channel kind.

    Parameters
    ----------
    data
        An events table (pandas, polars, pyarrow, …) or :class:`Events`. Its ``feedback``
        column (``feedback=`` names another) holds the scores on touches.
    surveys
        Optional survey responses: a table with columns customer_id, timestamp, score and
        optionally touchpoint (other names with ``survey_customer=``, ``survey_time=``,
        ``survey_score=``, ``survey_touchpoint=``, and ``survey_time_unit=`` for epoch
        numbers), or :class:`Surveys`. A response is attached to the customer's most recent
        touch at or before it (at its touchpoint, when it names one).
    scale
        ``"nps"`` (0–10, promoters 9–10, detractors 0–6; default), ``"csat"`` (1–5, top-2-box
        4–5, bottom-2-box 1–2) or a dict ``{"min", "max", "promoter_min", "detractor_max"}``.
        A score outside the scale is an error naming the row and the value.
    survey_window
        How long after a touch a response may come and still be attached to it ('30d', a
        timedelta or ms; None: no limit).
    conversion_feedback
        A score on a pure conversion row (no touchpoint): ``"error"`` (default), ``"attach"``
        (to the customer's most recent touch) or ``"ignore"`` (counted in the report).
    small_n
        Groups with fewer scores are flagged (greyed), never hidden.
    segment
        As in :func:`funnel`: a column of the events, ``"first_channel"`` / ..., a dict
        customer -> label or one label per event row; the table per segment.
    columns
        Column options of :meth:`Events.from_frame` (customer, touchpoint, time, conversion,
        value, feedback, time_unit, catalog) and the ``survey_*`` ones.

    Examples
    --------
    >>> import pandas as pd, touchpoint as tp
    >>> df = pd.DataFrame({"customer_id": range(10), "touchpoint": "store visit", "timestamp": 0,
    ...                    "feedback": [10, 9, 9, 8, 7, 6, 3, 10, 0, 9]})
    >>> exp = tp.experience(df)
    >>> r = exp.by_touchpoint.iloc[0]
    >>> int(r["n"]), float(r["nps"]), round(float(r["nps_lower"]), 6), round(float(r["nps_upper"]), 6)
    (10, 20.0, -34.032478, 74.032478)
    >>> bool(r["small_n"])
    True
    """
    units, sv = _inputs(data, surveys, columns)
    opts = _options(scale, survey_window, conversion_feedback, small_n)
    native = _native.experience(units._native, sv, opts, segments=_segments(units, segment), n_threads=n_threads)
    return Experience(native, units._backend)


def experience_conversion(
    data: Any,
    surveys: Any = None,
    *,
    reference: str = "not_detractor",
    scale: ScaleLike = "nps",
    survey_window: DurationLike = "30d",
    conversion_feedback: str = "error",
    small_n: int = 30,
    segment: Any = None,
    n_threads: Optional[int] = None,
    **columns: Any,
) -> ExperienceConversion:
    """Do journeys with a bad experience at a touchpoint convert less? Journeys are each
    customer's events cut after every conversion; for each touchpoint the journeys through it
    are grouped by the scores given there (detractor: any detractor score; promoter: a promoter
    score and none of a detractor; passive; unscored) and the detractor journeys are compared
    with ``reference``: ``"not_detractor"`` (every other journey; default), ``"promoter"`` or
    ``"unscored"``. Associations, not causal effects. The other options are those of
    :func:`experience`.

    Examples
    --------
    >>> import pandas as pd, touchpoint as tp
    >>> journeys = [(3, True), (5, False), (0, False), (6, False), (9, True), (10, True), (7, True),
    ...             (None, True), (None, False), (8, False)]
    >>> rows = []
    >>> for c, (score, converted) in enumerate(journeys):
    ...     rows += [(c, "search", 0, False, None), (c, "store visit", 1, False, score)]
    ...     rows += [(c, None, 2, True, None)] if converted else []
    >>> df = pd.DataFrame(rows, columns=["customer_id", "touchpoint", "timestamp", "converted", "feedback"])
    >>> r = tp.experience_conversion(df).to_pandas().set_index("touchpoint").loc["store visit"]
    >>> float(r["detractor_rate"]), round(float(r["reference_rate"]), 6), float(r["risk_ratio"])
    (0.25, 0.666667, 0.375)
    """
    units, sv = _inputs(data, surveys, columns)
    opts = _options(scale, survey_window, conversion_feedback, small_n, reference=reference)
    native = _native.experience_conversion(units._native, sv, opts, segments=_segments(units, segment),
                                           n_threads=n_threads)
    return ExperienceConversion(native, units._backend)


def key_drivers(
    data: Any,
    surveys: Any = None,
    *,
    outcome: Any = "conversion",
    drivers: Optional[Sequence[str]] = None,
    missing: str = "complete_cases",
    scale: ScaleLike = "nps",
    survey_window: DurationLike = "30d",
    conversion_feedback: str = "error",
    small_n: int = 30,
    n_threads: Optional[int] = None,
    **columns: Any,
) -> KeyDrivers:
    """Which touchpoint's satisfaction explains the outcome: the Shapley decomposition of the
    R² of the outcome on each customer's mean score at the driver touchpoints (LMG; exact, up
    to 20 drivers).

    Parameters
    ----------
    outcome
        ``"conversion"`` (did the customer convert; the linear probability model), the name of
        the touchpoint of an overall score (e.g. an NPS survey; then not a driver), or a
        mapping / pandas Series customer key -> value (customers not in it have no outcome).
    drivers
        The driver touchpoints; default every touchpoint with scores (but the outcome's).
    missing
        ``"complete_cases"`` (default: only customers scored at every driver) or
        ``"impute_mean"`` (a missing driver score is the driver's mean; a customer needs one).
    scale, survey_window, conversion_feedback, small_n, columns
        As in :func:`experience`.

    Examples
    --------
    >>> import touchpoint as tp
    >>> kd = tp.key_drivers(tp.Events.demo(customers=2_000), outcome="after-sales survey", missing="impute_mean")
    >>> "after-sales survey" in kd.to_pandas()["driver"].tolist()
    False
    >>> bool(abs(kd.to_pandas()["importance"].sum() - kd.r_squared) < 1e-9)
    True
    """
    units, sv = _inputs(data, surveys, columns)
    values: Optional[Dict[str, float]] = None
    name: Optional[str] = None
    if isinstance(outcome, str):
        name = outcome
    elif hasattr(outcome, "items"):
        values = {}
        for k, v in outcome.items():
            values[str(k)] = float("nan") if v is None else float(v)
    else:
        raise InputTypeError(f"outcome = {type(outcome).__name__}: expected 'conversion', a touchpoint name or a "
                             "mapping (pandas Series) customer -> value")
    if isinstance(drivers, str):
        drivers = [drivers]
    opts = _options(scale, survey_window, conversion_feedback, small_n, outcome=name,
                    drivers=None if drivers is None else [str(d) for d in drivers], missing=missing)
    native = _native.key_drivers(units._native, sv, opts, outcome_values=values, n_threads=n_threads)
    return KeyDrivers(native, units._backend)


def consistency(
    data: Any,
    surveys: Any = None,
    *,
    scale: ScaleLike = "nps",
    survey_window: DurationLike = "30d",
    conversion_feedback: str = "error",
    small_n: int = 30,
    n_threads: Optional[int] = None,
    **columns: Any,
) -> Consistency:
    """Is the experience the same across the touchpoints and channels of a journey? The
    spread of scores within journeys (cut at conversions) and, per pair of consecutive scored
    touches, how often a good experience is followed by a bad one. Options as in
    :func:`experience`.

    Examples
    --------
    >>> import touchpoint as tp
    >>> c = tp.consistency(tp.Events.demo(customers=2_000))
    >>> s = c.summary
    >>> s["journeys"] >= s["journeys_scored"] >= s["journeys_multi"] > 0
    True
    """
    units, sv = _inputs(data, surveys, columns)
    opts = _options(scale, survey_window, conversion_feedback, small_n)
    native = _native.consistency(units._native, sv, opts, n_threads=n_threads)
    return Consistency(native, units._backend)

