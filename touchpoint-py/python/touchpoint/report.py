"""A report of your own data: :func:`report` runs the analyses of the text report `make demo`
prints (dataset, journeys, stage funnel, repurchase, experience, journey graph, attribution by
model, where to act, top paths) on any events table and returns a :class:`Report`: the sections
as typed DataFrames, the figures, the core's text, and one self-contained HTML file.

The sections, their names and their order follow the core's text report
(``touchpoint_core::report::text_report``); every number is computed by the Rust core through
the public result objects of this package.

>>> import touchpoint as tp
>>> rep = tp.report(tp.Events.demo(customers=400))
>>> [t for t in rep.sections if t in ("Dataset", "Journey graph", "Attribution", "Top paths")]
['Dataset', 'Journey graph', 'Attribution', 'Top paths']
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import json as _json
import os
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from touchpoint import _touchpoint as _native
from touchpoint._util import DurationLike, _to_ms
from touchpoint.exceptions import InputTypeError, TouchpointError
from touchpoint.journeys import Events, Journeys

# the column options of Events.from_frame that report() passes through
_COLUMN_OPTIONS = ("customer", "touchpoint", "time", "conversion", "value", "feedback", "time_unit",
                   "conversion_event")

# the models of the text report's attribution table, with its column headings
_MODELS = [("first", "first"), ("last", "last"), ("linear", "linear"), ("position", "U-shaped"),
           ("time_decay", "time decay"), ("shapley", "Shapley"), ("markov", "Markov 1")]

_EVENT_SECTIONS = ("Stage funnel", "Repurchase", "Experience")

# readable names of the journey report's counts (unknown keys fall back to the key with spaces)
_JOURNEY_LABELS = {
    "journeys": "journeys",
    "mean_touches": "mean length (touches per journey)",
    "events_in": "events read",
    "touches_in": "touches read",
    "conversions_in": "conversions read",
    "customers": "customers",
    "touches_kept": "touches kept in journeys",
    "journeys_converting": "converting journeys",
    "journeys_non_converting": "journeys not converting",
    "touches_outside_lookback": "touches outside the lookback window (left out)",
    "touches_collapsed": "repeated touches collapsed (left out)",
    "touches_truncated": "touches beyond max touches (left out)",
    "inactivity_splits": "journeys split after inactivity",
    "conversions_without_touches": "conversions with no touch to credit (left out)",
    "value_without_touches": "value of conversions with no touch to credit",
    "customers_resorted": "customers whose events were re-sorted by time",
    "conversions_merged": "conversions merged into a journey (split_at_conversions=False)",
}

# ---------------------------------------------------------------------------------------------
# formatting (HTML and the Journeys text); the DataFrames keep the raw numbers

_NUMERIC_KINDS = {"int", "count", "num1", "num2", "num3", "num4", "money", "money2", "pct", "signed0",
                  "signed_money", "duration", "ratio"}


def _missing(v: Any) -> bool:
    """None, NaN, NaT or pandas' NA."""
    if v is None or isinstance(v, str):
        return v is None
    try:
        return bool(v != v)  # NaN and NaT differ from themselves
    except (TypeError, ValueError):
        return True  # pd.NA has no truth value


def _duration_text(v: Any) -> str:
    from touchpoint._plot import _ms_text  # the one duration formatter of tables and figures

    return _ms_text(v)


def _option_duration(ms: int) -> str:
    """An option's duration in words: '30 days', '12 hours', '90 minutes'."""
    for unit, name in ((604_800_000, "week"), (86_400_000, "day"), (3_600_000, "hour"), (60_000, "minute")):
        if ms >= unit and ms % unit == 0:
            n = ms // unit
            return f"{n} {name}{'s' if n != 1 else ''}"
    return _duration_text(ms)


def _cell(v: Any, kind: str) -> str:
    """One value as text for reading."""
    if _missing(v):
        return "–"
    if kind == "text":
        return str(v)
    if kind == "flag":
        return "yes" if bool(v) else ""
    if kind == "date":
        return v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else str(v)
    if kind == "duration":
        return _duration_text(v)
    x = float(v)
    if kind == "int":
        return f"{round(x):,}"
    if kind == "count":
        return f"{x:,.0f}" if x == round(x) else f"{x:,.2f}"
    if kind == "pct":
        return f"{100 * x:.1f}%"
    if kind == "signed0":
        return f"{x:+.0f}"
    if kind == "signed_money":
        return f"{x:+,.0f}"
    if kind == "money":
        return f"{x:,.0f}"
    if kind == "money2":
        return f"{x:,.2f}"
    if kind == "ratio":
        return f"{x:,.1f}"
    if kind in ("num1", "num2", "num3", "num4"):
        return f"{x:,.{kind[-1]}f}"
    return str(v)


def _kind_of(series: Any) -> str:
    """A column's display kind from its dtype (when the section does not name one)."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return "flag"
    if pd.api.types.is_timedelta64_dtype(series):
        return "duration"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "num2"
    return "text"


def _frame(rows: List[Dict[str, Any]], columns: List[str], dtypes: Optional[Dict[str, str]] = None) -> Any:
    """A pandas DataFrame with these columns (also when there are no rows), typed."""
    import pandas as pd

    df = pd.DataFrame(rows, columns=columns)
    for c, t in (dtypes or {}).items():
        if t == "str":
            df[c] = df[c].astype("string")
        else:
            df[c] = df[c].astype(t)
    return df


# ---------------------------------------------------------------------------------------------
# the report


class Report:
    """The report of one dataset (see :func:`report`).

    Attributes
    ----------
    sections
        Ordered dict title -> pandas DataFrame, in the text report's order. The columns are
        typed: counts and rates are numbers (rates as fractions: 0.25 is 25 %), times to
        convert and dwell times are timedeltas, cohorts are dates.
    captions
        Ordered dict title -> the sentences the text report prints with the section (totals,
        what the numbers are).
    notes
        What the report left out and why (e.g. the event sections for Journeys input).
    title
        The report's title.

    ``figures`` (plotly figures by section title) are drawn on first use; :meth:`text` is the
    core's text report, :meth:`to_html` writes one self-contained HTML file, and in Jupyter the
    report shows as headed tables with its figures.

    Examples
    --------
    >>> import os, tempfile, touchpoint as tp
    >>> rep = tp.report(tp.Events.demo(customers=400), lookback="30d")
    >>> rep.sections["Journey graph"]["visits"].dtype.kind
    'f'
    >>> "== Journey graph (Markov order 1) ==" in rep.text()
    True
    >>> path = rep.to_html(os.path.join(tempfile.mkdtemp(), "report.html"))
    >>> open(path, encoding="utf-8").read().count("<h2>") == len(rep.sections)
    True
    """

    def __init__(self, title: str) -> None:
        self.title = title
        self.sections: Dict[str, Any] = {}
        self.captions: Dict[str, List[str]] = {}
        self.notes: List[str] = []
        self._kinds: Dict[str, Dict[str, str]] = {}
        self._hidden: Dict[str, List[str]] = {}
        self._figure_makers: Dict[str, Callable[[], Any]] = {}
        self._figures: Optional[Dict[str, Any]] = None
        self._text: Optional[str] = None
        self._text_maker: Optional[Callable[[], str]] = None
        self.meta: List[str] = []

    # -- building

    def _add(self, title: str, df: Any, kinds: Optional[Dict[str, str]] = None, caption: Optional[List[str]] = None,
             figure: Optional[Callable[[], Any]] = None, hidden: Optional[List[str]] = None) -> None:
        for c in df.columns:  # one string dtype for every text column
            if _kind_of(df[c]) == "text":
                df[c] = df[c].astype("string")
        self.sections[title] = df
        self.captions[title] = list(caption or [])
        k = {c: _kind_of(df[c]) for c in df.columns}
        k.update(kinds or {})
        self._kinds[title] = k
        self._hidden[title] = list(hidden or [])
        if figure is not None:
            self._figure_makers[title] = figure

    # -- figures

    @property
    def figures(self) -> Dict[str, Any]:
        """Ordered dict section title -> plotly Figure (journey graph, attribution by model,
        stage funnel, repurchase, experience, key drivers, paths), drawn on first use (needs
        plotly)."""
        if self._figures is None:
            self._figures = {t: make() for t, make in self._figure_makers.items()}
        return self._figures

    def _figures_or_none(self) -> Optional[Dict[str, Any]]:
        if not self._figure_makers:
            return {}
        try:
            import plotly  # noqa: F401
        except ImportError:
            return None
        return self.figures

    # -- text

    def text(self) -> str:
        """The report as text. For events this is exactly the core's text report (what
        ``make demo`` prints for the demo data); for Journeys input, the sections rendered as
        text tables under their headings."""
        if self._text is None:
            self._text = self._text_maker() if self._text_maker is not None else self._render_text()
        return self._text

    def __str__(self) -> str:
        return self.text()

    def _cells(self, title: str) -> Tuple[List[str], List[List[str]], List[bool]]:
        df = self.sections[title]
        kinds = self._kinds[title]
        cols = [c for c in df.columns if c not in self._hidden[title]]
        rows = [[_cell(v, kinds[c]) for c, v in zip(cols, r)] for r in df[cols].itertuples(index=False, name=None)]
        return [str(c) for c in cols], rows, [kinds[c] in _NUMERIC_KINDS for c in cols]

    def _render_text(self) -> str:
        out: List[str] = []
        for note in self.notes:
            out.append(f"Note: {note}")
        for title in self.sections:
            out.append(f"\n== {title} ==" if out else f"== {title} ==")
            out.extend(f"  {c}" for c in self.captions[title])
            head, rows, right = self._cells(title)
            w = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]

            def line(cells: List[str]) -> str:
                return "  " + "  ".join(c.rjust(w[i]) if right[i] else c.ljust(w[i])
                                        for i, c in enumerate(cells)).rstrip()

            out.append(line(head))
            out.append(line(["-" * k for k in w]))
            out.extend(line(r) for r in rows)
        return "\n".join(out) + "\n"

    # -- HTML

    def _table_html(self, title: str) -> str:
        head, rows, right = self._cells(title)
        cls = [' class="num"' if r else "" for r in right]
        out = ['<div class="tp-table"><table><thead><tr>']
        out.extend(f"<th{c}>{_html.escape(h)}</th>" for c, h in zip(cls, head))
        out.append("</tr></thead><tbody>")
        for r in rows:
            out.append("<tr>" + "".join(f"<td{c}>{_html.escape(v)}</td>" for c, v in zip(cls, r)) + "</tr>")
        out.append("</tbody></table></div>")
        return "".join(out)

    def _body_html(self, plotlyjs: str) -> str:
        """The report's HTML inside a ``div.tp-report`` (its CSS scoped to it). ``plotlyjs``:
        'inline' (plotly.js once, before the first figure) or 'none' (already on the page)."""
        figs = self._figures_or_none()
        ids = {t: f"tp-{i + 1}" for i, t in enumerate(self.sections)}
        out = [f"<style>{_CSS}</style>", '<div class="tp-report">', f"<h1>{_html.escape(self.title)}</h1>"]
        if self.meta:
            out.append(f'<p class="tp-meta">{" · ".join(_html.escape(m) for m in self.meta)}</p>')
        for note in self.notes:
            out.append(f'<p class="tp-note">{_html.escape(note)}</p>')
        if figs is None:
            out.append('<p class="tp-note">The figures need plotly (pip install plotly); the tables are complete.</p>')
        out.append('<nav class="tp-toc"><p>Contents</p><ol>')
        out.extend(f'<li><a href="#{ids[t]}">{_html.escape(t)}</a></li>' for t in self.sections)
        out.append("</ol></nav>")
        js_done = plotlyjs != "inline"
        for title in self.sections:
            out.append(f'<section id="{ids[title]}"><h2>{_html.escape(title)}</h2>')
            out.extend(f'<p class="tp-caption">{_html.escape(c)}</p>' for c in self.captions[title])
            out.append(self._table_html(title))
            fig = (figs or {}).get(title)
            if fig is not None:
                if not js_done:
                    from plotly.offline import get_plotlyjs

                    out.append(f'<script type="text/javascript">{get_plotlyjs()}</script>')
                    js_done = True
                out.append('<div class="tp-figure">' + fig.to_html(
                    full_html=False, include_plotlyjs=False, include_mathjax=False,
                    config={"displaylogo": False, "responsive": True}) + "</div>")
            out.append("</section>")
        out.append("</div>")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        return self._body_html("inline")

    def to_html(self, path: Union[str, "os.PathLike[str]"]) -> str:
        """Write the report as one self-contained HTML file (styles and plotly.js inline, no
        network needed to open it) and return its path."""
        path = os.fspath(path)
        doc = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               f"<title>{_html.escape(self.title)}</title>\n</head>\n<body>\n{self._body_html('inline')}\n"
               "</body>\n</html>\n")
        tmp = f"{path}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(doc)
        os.replace(tmp, path)
        return path

    def __repr__(self) -> str:
        return f"Report({self.title!r}: {len(self.sections)} sections: {', '.join(self.sections)})"


_CSS = """
.tp-report{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  color:#1f2933;max-width:1180px;margin:0 auto;padding:8px 20px 40px;line-height:1.45;font-size:15px}
.tp-report h1{font-size:1.7em;margin:.6em 0 .2em}
.tp-report h2{font-size:1.3em;margin:2em 0 .4em;padding-bottom:.25em;border-bottom:2px solid #d9e2ec}
.tp-report .tp-meta{color:#52606d;margin:0 0 1em}
.tp-report .tp-note{background:#fff8e6;border-left:4px solid #f0b429;padding:.5em .8em;margin:.6em 0}
.tp-report .tp-caption{color:#3e4c59;margin:.25em 0}
.tp-report .tp-toc{background:#f5f7fa;border:1px solid #e4e7eb;border-radius:6px;padding:.4em 1.2em;
  margin:1em 0;display:inline-block;min-width:320px}
.tp-report .tp-toc p{font-weight:600;margin:.4em 0}
.tp-report .tp-toc ol{margin:.2em 0 .6em;padding-left:1.4em;columns:2;column-gap:2.5em}
.tp-report .tp-toc a{color:#2457a6;text-decoration:none}
.tp-report .tp-table{overflow-x:auto;margin:.6em 0 1em;max-width:100%}
.tp-report table{border-collapse:collapse;font-size:.92em;font-variant-numeric:tabular-nums}
.tp-report th{background:#f0f4f8;text-align:left;font-weight:600;padding:5px 10px;border-bottom:2px solid #bcccdc;
  vertical-align:bottom}
.tp-report td{padding:4px 10px;border-bottom:1px solid #e4e7eb;vertical-align:top}
.tp-report tbody tr:nth-child(even){background:#fafbfc}
.tp-report th.num,.tp-report td.num{text-align:right;white-space:nowrap}
.tp-report .tp-figure{margin:.5em 0 1.5em;border:1px solid #e4e7eb;border-radius:6px;padding:4px}
"""


# ---------------------------------------------------------------------------------------------
# the sections


def _catalog(native: Any) -> List[Dict[str, Any]]:
    try:
        return list(_json.loads(native.catalog_json()))
    except (AttributeError, ValueError):
        return [{"name": n} for n in native.touchpoints]


def _dataset(rep: Report, ev: Optional[Events], t: Any, journeys: Journeys, catalog: List[Dict[str, Any]],
             touches_of: Dict[str, float]) -> None:
    """The catalog with the touches of each touchpoint; ``t``: the events as pandas (None for
    Journeys)."""
    rows = [{"touchpoint": c["name"], "channel": c.get("channel"), "stage": c.get("stage"), "cost": c.get("cost"),
             "touches": touches_of.get(c["name"], 0)} for c in catalog]
    df = _frame(rows, ["touchpoint", "channel", "stage", "cost", "touches"],
                {"touchpoint": "str", "channel": "str", "stage": "str", "cost": "float64", "touches": "int64"})
    if ev is not None:
        conv = t["converted"].astype(bool)
        value = float(t.loc[conv, "value"].sum())
        fb = int(t["feedback"].notna().sum()) if "feedback" in t.columns else 0
        times = t["timestamp"]
        cap = [f"{len(ev):,} events from {ev.customers:,} customers, {_cell(times.min(), 'date')} to "
               f"{_cell(times.max(), 'date')}",
               f"{int(conv.sum()):,} conversions worth {value:,.2f}; {fb:,} touches carry a feedback score",
               "cost: the catalog's cost of one touch; touches: events at each touchpoint."]
    else:
        r = journeys.report
        j = journeys.to_pandas()
        cap = [f"{r['events_in']:,} events from {r['customers']:,} customers, {_cell(j['start'].min(), 'date')} to "
               f"{_cell(j['end'].max(), 'date')}",
               f"{r['conversions_in']:,} conversions, {journeys.total_value:,.2f} credited in journeys; touches: "
               "those kept in the journeys"]
    rep._add("Dataset", df, {"cost": "money2", "touches": "int"}, cap)


def _journeys(rep: Report, journeys: Journeys) -> None:
    r = journeys.report
    n = len(journeys)
    items: List[Tuple[str, float]] = [("journeys", float(n)),
                                      ("mean_touches", r["touches_kept"] / n if n else float("nan"))]
    items += [(k, float(v)) for k, v in r.items()]
    rows = [{"key": k, "measure": _JOURNEY_LABELS.get(k, k.replace("_", " ")), "value": v} for k, v in items]
    df = _frame(rows, ["key", "measure", "value"], {"key": "str", "measure": "str", "value": "float64"})
    cap = [f"{n:,} journeys: {r['journeys_converting']:,} converting, {r['journeys_non_converting']:,} not "
           f"converting; mean length {items[1][1]:.2f} touches"]
    rep._add("Journeys", df, {"value": "count"}, cap, hidden=["key"])


def _has_stages(catalog: List[Dict[str, Any]]) -> bool:
    return any(c.get("stage") for c in catalog)


def _stage_funnel(rep: Report, ev: Events) -> None:
    from touchpoint.journeymap import stage_funnel

    f = stage_funnel(ev)
    d = f.to_pandas()
    df = _frame([], ["step", "name", "reached", "of step 1", "of previous", "drop-off", "median time"])
    df["step"], df["name"], df["reached"] = d["step"], d["name"].astype("string"), d["units"]
    df["of step 1"], df["of previous"], df["drop-off"] = d["overall_rate"], d["step_rate"], d["drop_off"]
    df["median time"] = d["time_from_previous_median"]
    s = f.summary.iloc[0]
    window = "no window" if f.window is None else f"window {_duration_text(f.window)}"
    cap = [f"{f.mode} funnel of {f.unit}s, {window}",
           f"{int(s['units']):,} {f.unit}s: {int(s['entered']):,} entered, {int(s['not_entered']):,} never reached "
           "step 1"]
    if f.stages_without_touchpoints:
        cap.append(f"No touchpoint has stage {', '.join(f.stages_without_touchpoints)}: left out of the steps.")
    rep._add("Stage funnel", df, {"step": "int", "reached": "int", "of step 1": "pct", "of previous": "pct",
                                  "drop-off": "int"}, cap, figure=f.plot)


def _repurchase(rep: Report, ev: Events) -> None:
    from touchpoint.journeymap import repurchase

    r = repurchase(ev, period="week", periods=8)
    m = r.retention.matrix()
    periods = [c for c in m.columns if c not in ("cohort", "cohort_size", "0")]
    df = m[["cohort", "cohort_size"] + periods].rename(columns={"cohort_size": "size",
                                                               **{p: f"week {p}" for p in periods}})
    periods = [f"week {p}" for p in periods]
    s = r.summary
    t = s["time_between_purchases"]
    gaps = ", ".join(f"{k} {_duration_text(t[k])}" for k in ("median", "mean", "p25", "p75", "p90")
                     if t.get(k) is not None)
    rate = s["repeat_rate"]
    cap = [f"{s['buyers']:,} buyers, {s['repeat_buyers']:,} bought again"
           f"{f' ({100 * rate:.1f}%)' if rate is not None else ''}; {s['purchases']:,} purchases",
           f"Time between purchases: {gaps or '–'} ({t['n']:,} gaps)",
           "Weekly cohorts of first purchases (size: buyers); week k: the share of the cohort buying again in "
           "the k-th week after its first purchase."]
    rep._add("Repurchase", df, {"size": "int", **{p: "pct" for p in periods}}, cap, figure=r.plot)


def _experience(rep: Report, ev: Events, catalog: List[Dict[str, Any]], converted: bool) -> None:
    from touchpoint.experience import experience, experience_conversion, key_drivers

    exp = experience(ev)
    bt = exp.by_touchpoint
    rows = [{"touchpoint": g, "scores": n, "NPS": nps, "NPS low (95%)": lo, "NPS high (95%)": hi,
             "detractors": det / max(n, 1), "mean": mean, "few scores": bool(small)}
            for g, n, nps, lo, hi, det, mean, small in zip(bt["group"], bt["n"], bt["nps"], bt["nps_lower"],
                                                           bt["nps_upper"], bt["detractors"], bt["mean"],
                                                           bt["small_n"])]
    rows.sort(key=lambda r: 0.0 if _missing(r["NPS"]) else r["NPS"])
    df = _frame(rows, ["touchpoint", "scores", "NPS", "NPS low (95%)", "NPS high (95%)", "detractors", "mean",
                       "few scores"],
                {"touchpoint": "str", "scores": "int64", "NPS": "float64", "NPS low (95%)": "float64",
                 "NPS high (95%)": "float64", "detractors": "float64", "mean": "float64", "few scores": "bool"})
    rep._add("Experience", df, {"NPS": "signed0", "NPS low (95%)": "signed0", "NPS high (95%)": "signed0",
                                "detractors": "pct", "mean": "num1"},
             [f"NPS (0–10 scores at the touchpoints), worst first ({exp.report['scores']:,} scores); "
              f"'few scores': fewer than {exp.small_n}, read with care."], figure=exp.plot)
    if converted:
        ec = experience_conversion(ev)
        d = ec.to_pandas()
        keep = d[d["touchpoint"].notna() & (d["experience_gap"] > 0)].head(5)
        if len(keep):
            df = _frame([], ["touchpoint", "detractor journeys", "they convert", "promoters convert",
                             "gap (conversions)"])
            df["touchpoint"] = keep["touchpoint"].astype("string").to_numpy()
            df["detractor journeys"] = keep["detractor_journeys"].to_numpy()
            df["they convert"] = keep["detractor_rate"].to_numpy()
            df["promoters convert"] = keep["promoter_rate"].to_numpy()
            df["gap (conversions)"] = keep["experience_gap"].to_numpy()
            rep._add("Experience gaps", df, {"detractor journeys": "int", "they convert": "pct",
                                             "promoters convert": "pct", "gap (conversions)": "money"},
                     ["Journeys with a detractor score convert less. Gap: conversions those journeys would have "
                      f"at the promoter rate; {ec.note}."], figure=lambda: ec.plot(value="gap"))
    # what drives the overall score: the after-sales touchpoint with the most scores (else conversion)
    after_sales = {c["name"] for c in catalog if c.get("stage") == "after_sales"}
    scored = [(int(n), g) for g, n in zip(bt["group"], bt["n"]) if g in after_sales]
    outcome = max(scored)[1] if scored else "conversion"
    try:
        kd = key_drivers(ev, outcome=outcome, missing="impute_mean")
    except TouchpointError:
        return
    k = kd.to_pandas()
    df = _frame([], ["driver", "importance", "share of R²", "R² alone", "mean score"])
    df["driver"] = k["driver"].astype("string")
    df["importance"], df["share of R²"] = k["importance"], k["share"]
    df["R² alone"], df["mean score"] = k["r_squared_alone"], k["mean_score"]
    rep._add("Key drivers", df, {"importance": "num4", "share of R²": "pct", "R² alone": "num4",
                                 "mean score": "num2"},
             [f"Key drivers of {kd.outcome}: R² = {kd.r_squared:.3f} over {kd.customers:,} customers "
              f"(missing scores filled with the driver's mean)",
              f"Importance: Shapley decomposition of R² (LMG); {kd.note}."], figure=kd.plot)


def _graph(rep: Report, g: Any, order: int) -> None:
    s = g.summary()
    a = s["analysis"]
    ett = a.get("expected_time_to_convert_ms")
    cap = [f"Markov order {order}: {s['states']:,} states, {s['transitions']:,} transitions; P(conversion) = "
           f"{100 * a['conversion_probability']:.1f}%; expected value per journey {a['expected_value']:,.2f}; "
           f"expected time to convert {'–' if ett is None else _duration_text(ett)}",
           "Per touchpoint: P(conv) = probability of converting from here; removal effect = share of conversions "
           "lost without it."]
    nodes = g.nodes()
    nodes = nodes[nodes["kind"] == "state"].sort_values("visits", ascending=False, kind="stable").head(15)
    re = g.removal_effects().set_index("touchpoint") if order == 1 else None
    cols = ["touchpoint", "visits", "P(conv)", "converts next", "drops out", "time to convert"]
    if re is not None:
        cols += ["removal effect", "value RE"]
    df = _frame([], cols)
    df["touchpoint"] = nodes["label"].astype("string").to_numpy()
    df["visits"] = nodes["visits"].to_numpy()
    df["P(conv)"] = nodes["conversion_probability"].to_numpy()
    df["converts next"] = nodes["direct_conversion_rate"].to_numpy()
    df["drops out"] = nodes["dropoff_rate"].to_numpy()
    import pandas as pd

    df["time to convert"] = pd.to_timedelta(nodes["expected_time_to_convert"].to_numpy())
    if re is not None:
        df["removal effect"] = [float(re["removal_effect"].get(t, float("nan"))) for t in df["touchpoint"]]
        df["value RE"] = [float(re["removal_effect_value"].get(t, float("nan"))) for t in df["touchpoint"]]
    kinds = {"visits": "count", "P(conv)": "pct", "converts next": "pct", "drops out": "pct",
             "removal effect": "num3", "value RE": "num3"}
    if order > 1:
        cap[1] = ("Per state (the journey's last touchpoints): P(conv) = probability of converting from here; removal "
                  "effects per touchpoint below.")
        df = df.rename(columns={"touchpoint": "state"})
    rep._add("Journey graph", df, kinds, cap, figure=g.draw)
    if re is None:
        r = g.removal_effects()
        df = _frame([], ["touchpoint", "conversions", "value"])
        df["touchpoint"] = r["touchpoint"].astype("string")
        df["conversions"], df["value"] = r["removal_effect"], r["removal_effect_value"]
        rep._add("Removal effects", df, {"conversions": "num3", "value": "num3"},
                 ["Share of conversions (and value) lost without each touchpoint."])
    t = g.transitions()
    t = t[t["source"] != "(start)"].sort_values("count", ascending=False, kind="stable").head(12)
    df = _frame([], ["from", "to", "journeys", "probability", "mean dwell"])
    df["from"] = t["source"].astype("string").to_numpy()
    df["to"] = t["target"].astype("string").to_numpy()
    df["journeys"] = t["count"].to_numpy()
    df["probability"] = t["probability"].to_numpy()
    df["mean dwell"] = pd.to_timedelta(t["dwell_mean"].to_numpy())
    rep._add("Busiest transitions", df, {"journeys": "count", "probability": "pct"},
             ["The most frequent moves between touchpoints; (conversion) and (null) are the ends of journeys; "
              "mean dwell: time until the next touch."])


def _attribution(rep: Report, journeys: Journeys) -> Any:
    from touchpoint.attribution import Comparison, attribute, compare

    cmp = compare(journeys, models=[m for m, _ in _MODELS])
    m2 = attribute(journeys, model="markov", order=2)
    results = list(cmp.results) + [m2]
    heads = [h for _, h in _MODELS] + ["Markov 2"]
    tables = [r.to_pandas().set_index("touchpoint") for r in results]
    markov = tables[6]
    names = list(markov.sort_values("conversions", ascending=False, kind="stable").index)
    df = _frame([], ["touchpoint"] + heads + ["Markov value", "cost", "ROAS"])
    df["touchpoint"] = pd_string(names)
    for h, t in zip(heads, tables):
        df[h] = [float(t["conversions"].get(n, float("nan"))) for n in names]
    df["Markov value"] = [float(markov["value"][n]) for n in names]
    df["cost"] = [float(markov["cost"][n]) if "cost" in markov.columns else float("nan") for n in names]
    df["ROAS"] = [float(markov["roas"][n]) if "roas" in markov.columns else float("nan") for n in names]
    total_conv, total_value = results[6].total_conversions, results[6].total_value
    kinds = {h: "num1" for h in heads}
    kinds.update({"Markov value": "money", "cost": "money", "ROAS": "ratio"})

    def figure() -> Any:
        fig = Comparison(results, journeys._backend).plot()
        if len(fig.data) == len(heads):
            for trace, h in zip(fig.data, heads):
                trace.name = h
        return fig

    rep._add("Attribution", df, kinds,
             [f"Credited conversions by model ({total_conv:,.0f} conversions, value {total_value:,.2f}).",
              "Markov credit is exact (linear solves of the order-k chain, global allocation); time decay uses a "
              "7-day half-life; U-shaped: 40/20/40. cost: the spend on its touches (touches × cost of one touch); "
              "ROAS: Markov value ÷ cost."], figure=figure)
    return results[6]


def pd_string(values: List[str]) -> Any:
    import pandas as pd

    return pd.array(values, dtype="string")


def _where_to_act(rep: Report, g: Any, catalog: List[Dict[str, Any]], markov: Any) -> None:
    from touchpoint.budget import Hill, allocate_budget, evaluate_budget

    p = g.prioritize(0.1).head(6)
    df = _frame([], ["touchpoint", "drops out", "extra conversions", "extra value"])
    df["touchpoint"] = p["touchpoint"].astype("string").to_numpy()
    df["drops out"] = p["dropoff_rate"].to_numpy()
    df["extra conversions"] = p["extra_conversions"].to_numpy()
    df["extra value"] = p["extra_value"].to_numpy()
    rep._add("Where to act", df, {"drops out": "pct", "extra conversions": "num1", "extra value": "money"},
             ["Cutting each touchpoint's drop-off by 10% (exact, redistributed over its other exits): the extra "
              "conversions and value at today's volume."])
    if catalog:
        first = catalog[0]["name"]
        cands = {c["name"]: float(c.get("cost") or 0.0) for c in catalog if c["name"] != first}
        try:
            nb = g.next_best([first], cands)
        except TouchpointError:
            nb = None
        if nb is not None:
            t = nb.to_pandas()
            t = t[t["observed"]].head(4)
            df = _frame([], ["next", "taken by", "P(conv)", "net value"])
            df["next"] = t["touchpoint"].astype("string").to_numpy()
            df["taken by"] = t["observed_share"].to_numpy()
            df["P(conv)"] = t["conversion_probability"].to_numpy()
            df["net value"] = t["net_value"].to_numpy()
            rep._add("Next touchpoints", df, {"taken by": "pct", "P(conv)": "pct", "net value": "money2"},
                     [f"After '{first}' (P(conversion) {100 * nb.current_probability:.1f}% today), the next "
                      "touchpoints that lead to conversion most often (associational, not causal); net value: "
                      "expected value after the step minus its cost."])
    # budget: Hill curves through today's (spend, Markov-attributed conversions)
    m = markov.to_pandas()
    if "cost" not in m.columns:
        return
    m = m[(m["cost"] > 0) & (m["conversions"] > 0)]
    curves, today = [], []
    for name, spend, conv in zip(m["touchpoint"], m["cost"], m["conversions"]):
        try:
            curves.append(Hill.calibrate(str(name), float(spend), float(conv), alpha=1.0, half_saturation_ratio=2.0))
            today.append(float(spend))
        except TouchpointError:
            continue
    if len(curves) < 2:
        return
    budget = sum(today)
    _, now = evaluate_budget(curves, today)
    plan = allocate_budget(curves, budget=float(round(budget)), step=1.0, solver="water_filling")
    df = _frame([], ["touchpoint", "today", "suggested", "change"])
    df["touchpoint"] = pd_string([c.name for c in curves])
    df["today"] = today
    df["suggested"] = [float(x) for x in plan.spend]
    df["change"] = df["suggested"] - df["today"]
    rep._add("Same total spend", df, {"today": "money", "suggested": "money", "change": "signed_money"},
             [f"Same total spend ({budget:,.0f}), split by water-filling over Hill curves calibrated at today's "
              f"spend (illustrative: alpha 1, half saturation at 2x today's spend): {now:,.0f} → "
              f"{plan.total_response:,.0f} conversions."])


def _top_paths(rep: Report, journeys: Journeys, g: Any) -> None:
    paths = journeys.paths()
    t = paths.top_paths(10)
    df = _frame([], ["path", "journeys", "conversions", "conv. rate", "value"])
    df["path"] = t["path"].astype("string")
    df["journeys"], df["conversions"] = t["journeys"], t["conversions"]
    df["conv. rate"], df["value"] = t["conversion_rate"], t["value"]
    rep._add("Top paths", df, {"journeys": "count", "conversions": "count", "conv. rate": "pct", "value": "money2"},
             [f"The 10 most frequent of {len(paths):,} distinct paths, and the rest in one row (the rows add up "
              "to the totals)."], figure=g.sankey)


# ---------------------------------------------------------------------------------------------


def report(
    data: Any,
    *,
    order: int = 1,
    lookback: DurationLike = None,
    inactivity_timeout: DurationLike = None,
    collapse_repeats: bool = False,
    max_touches: Optional[int] = None,
    split_at_conversions: bool = True,
    catalog: Any = None,
    title: Optional[str] = None,
    **columns: Any,
) -> Report:
    """The journey report of your own data: what `make demo` prints for the demo, as a
    :class:`Report` with the sections as DataFrames, the figures, the text and an HTML file.

    Parameters
    ----------
    data
        An events table (pandas, polars, pyarrow, duckdb, ...), :class:`Events`, or
        :class:`Journeys`. Journeys carry no events: the stage funnel, repurchase and
        experience sections are then left out (the report says so in :attr:`Report.notes`).
    order
        Markov order of the journey graph.
    lookback, inactivity_timeout, collapse_repeats, max_touches, split_at_conversions
        How the journeys are built (see :meth:`Journeys.from_events`); ignored for Journeys.
    catalog
        Touchpoint attributes (channel, stage, cost): stages give the stage funnel, costs give
        ROAS and the budget split.
    title
        The report's title (default "Customer journey report").
    columns
        Column options of :meth:`Events.from_frame` (customer, touchpoint, time, conversion,
        value, feedback, time_unit, conversion_event) for an events table.

    Sections, in the text report's order (those without data are left out): Dataset,
    Journeys, Stage funnel, Repurchase, Experience, Experience gaps, Key drivers, Journey graph,
    Removal effects (order > 1), Busiest transitions, Attribution, Where to act, Next
    touchpoints, Same total spend, Top paths. When nothing converts, the attribution and
    where-to-act sections are left out and :attr:`Report.notes` says so.

    Examples
    --------
    >>> import touchpoint as tp
    >>> events = tp.demo.events(customers=500)
    >>> rep = tp.report(events, lookback="30d", catalog=tp.demo.catalog())
    >>> list(rep.sections)[:4]
    ['Dataset', 'Journeys', 'Stage funnel', 'Repurchase']
    >>> credit = rep.sections["Attribution"]
    >>> bool(abs(credit["Markov 1"].sum() - credit["first"].sum()) < 1e-9)
    True
    >>> rep.text() == tp._touchpoint.text_report(tp.Events.from_frame(events, catalog=tp.demo.catalog())._native,
    ...                                          lookback_ms=30 * 86_400_000)
    True
    >>> j = tp.report(tp.Journeys.from_events(events))
    >>> "Stage funnel" in j.sections, j.notes[0].startswith("Stage funnel, repurchase and experience")
    (False, True)
    """
    unknown = set(columns) - set(_COLUMN_OPTIONS)
    if unknown:
        raise InputTypeError(f"unexpected keyword argument(s) {', '.join(sorted(unknown))}; the column options "
                             f"are {', '.join(_COLUMN_OPTIONS)}")
    ev: Optional[Events]
    if isinstance(data, Journeys):
        if columns:
            raise InputTypeError(f"{', '.join(sorted(columns))}: column options apply to an events table, not to "
                                 "Journeys")
        journeys = data.with_catalog(catalog) if catalog is not None else data
        ev = None
    else:
        ev = Events.from_frame(data, catalog=catalog, **columns)
        journeys = Journeys.from_events(ev, lookback=lookback, inactivity_timeout=inactivity_timeout,
                                        collapse_repeats=collapse_repeats, max_touches=max_touches,
                                        split_at_conversions=split_at_conversions)
    from touchpoint.graph import JourneyGraph

    rep = Report(title or "Customer journey report")
    opts = [f"Markov order {order}"]
    if ev is not None:
        for name, v in (("lookback", lookback), ("inactivity timeout", inactivity_timeout)):
            if v is not None:
                ms = _to_ms(v, name)
                opts.append(f"{name} {_option_duration(ms) if ms is not None else v}")
        if collapse_repeats:
            opts.append("repeats collapsed")
        if max_touches is not None:
            opts.append(f"at most {max_touches} touches per journey")
        if not split_at_conversions:
            opts.append("one journey per customer")
    from touchpoint import __version__

    rep.meta = [f"{journeys.report['customers']:,} customers", f"{len(journeys):,} journeys", *opts,
                f"touchpoint {__version__}", f"generated {_dt.datetime.now():%Y-%m-%d %H:%M}"]
    cat = _catalog(journeys._native if ev is None else ev._native)
    g = JourneyGraph(journeys, order)

    if ev is not None:
        kw: Dict[str, Any] = dict(
            order=order, lookback_ms=_to_ms(lookback, "lookback"),
            inactivity_timeout_ms=_to_ms(inactivity_timeout, "inactivity_timeout"),
            collapse_repeats=collapse_repeats, max_touches=max_touches, split_at_conversions=split_at_conversions)
        native_ev = ev._native
        rep._text_maker = lambda: _native.text_report(native_ev, **kw)
        t = ev.to_pandas()
        touches = t["touchpoint"].value_counts().to_dict()
        converted = bool(t["converted"].any())
        has_feedback = "feedback" in t.columns and bool(t["feedback"].notna().any())
        _dataset(rep, ev, t, journeys, cat, touches)
    else:
        rep.notes.append("Stage funnel, repurchase and experience need the events: they are left out of this "
                         "report of journeys. Pass the events table (or tp.Events) to tp.report for them.")
        if journeys.total_conversions > 0:
            from touchpoint.attribution import attribute

            lin = attribute(journeys, model="linear").to_pandas()
            touches_of = dict(zip(lin["touchpoint"], lin["touches"]))
        else:  # nothing to attribute: the touches are the visits of the directly-follows graph
            n1 = JourneyGraph.directly_follows(journeys).nodes()  # (repeats kept, as self-loops)
            n1 = n1[n1["kind"] == "state"]
            touches_of = {str(k): int(round(float(v))) for k, v in zip(n1["label"], n1["visits"])}
        _dataset(rep, None, None, journeys, cat, touches_of)
        converted = has_feedback = False
    _journeys(rep, journeys)
    if ev is not None:
        if _has_stages(cat):
            _stage_funnel(rep, ev)
        if converted:
            _repurchase(rep, ev)
        if has_feedback:
            _experience(rep, ev, cat, converted)
    _graph(rep, g, order)
    if journeys.total_conversions > 0:
        markov = _attribution(rep, journeys)
        _where_to_act(rep, g, cat, markov)
    else:
        rep.notes.append("No journey converts, so there is nothing to attribute or to act on: the attribution "
                         "and where-to-act sections are left out. Check the conversion column or the lookback "
                         "window.")
    _top_paths(rep, journeys, g)
    return rep
