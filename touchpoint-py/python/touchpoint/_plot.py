"""Plots (plotly, imported lazily)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple


def _plotly() -> Any:
    try:
        import plotly.graph_objects as go
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("touchpoint plots need plotly: pip install plotly") from e
    return go


# ---------------------------------------------------------------------------------------------
# shared: colours, durations, model names

#: Qualitative palette (Tableau 20 without its greys and greens, which mean "no conversion" and
#: "conversion"): touchpoints, models, segments and curves.
_PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
            "#a0cbe8", "#ffbe7d", "#b6992d", "#499894", "#f1ce63", "#d37295", "#fabfd2", "#d4a6c8", "#86bcb6"]
_CONVERSION_COLOR, _NULL_COLOR, _OTHER_COLOR, _START_COLOR = "#2e9e5b", "#8c8c8c", "#c7c7c7", "#37474f"
_FLOW_COLOR = "#4a5a78"
#: P(conversion) scale of the journey graph (light: low, dark: high; no green or grey, which
#: belong to the conversion and null nodes).
_P_SCALE = [[0.0, "#f7fbff"], [0.25, "#c6dbef"], [0.5, "#6baed6"], [0.75, "#2171b5"], [1.0, "#08306b"]]


def _palette(names: Sequence[Any]) -> Dict[Any, str]:
    """One colour per distinct name, assigned in sorted order: the same names always get the
    same colours, whatever order they come in."""
    return {n: _PALETTE[i % len(_PALETTE)] for i, n in enumerate(sorted(set(names), key=str))}


def _rgba(color: str, alpha: float) -> str:
    """``#rrggbb`` as ``rgba(r, g, b, alpha)``."""
    h = color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha:.3g})"


def _as_ms(v: Any) -> Optional[float]:
    """A duration in milliseconds: from a number (already ms), a ``datetime.timedelta`` or
    pandas ``Timedelta``, or a ``numpy.timedelta64``; None when missing (None, NaN, NaT, NA)."""
    if v is None:
        return None
    if type(v).__name__ == "timedelta64":
        import numpy as np

        return None if np.isnat(v) else float(v / np.timedelta64(1, "ms"))
    if hasattr(v, "total_seconds"):
        s = float(v.total_seconds())
        return None if s != s else s * 1000.0
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if x != x else x


def _durations_ms(cols: Dict[str, List[Any]], name: str, n: int) -> List[Optional[float]]:
    """Column ``name`` (timedelta-typed) or, as the core names it today, ``name_ms``
    (milliseconds), as milliseconds; all None when the table has neither."""
    v = cols.get(name)
    if v is None:
        v = cols.get(f"{name}_ms")
    if v is None:
        return [None] * n
    return [_as_ms(x) for x in v]


def _num(v: Any) -> Optional[float]:
    """A float, or None for missing values (None, NaN, NA)."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if x != x else x


def _pct_text(p: float) -> str:
    """A threshold as a percentage without spurious digits: 0.02 -> '2%', 0.025 -> '2.5%'."""
    return f"{100 * p:.4g}%"


def _column_labels(results: Sequence[Any]) -> List[str]:
    """Each result's column label exactly as :meth:`Comparison._wide` names the columns of
    ``compare(...).to_pandas()``: the core's column name (``markov_2``, ``linear``), with a
    suffix for a repeat (``markov_2_2``)."""
    seen = {"touchpoint"}
    out = []
    for r in results:
        name = base = r._native.column_name
        i = 2
        while name in seen:
            name, i = f"{base}_{i}", i + 1
        seen.add(name)
        out.append(name)
    return out


def _model_text(label: str) -> str:
    """A column label for people: ``markov_2`` -> 'Markov order 2', ``time_decay`` ->
    'time decay'; a repeat's suffix is kept ('Markov order 2 (#2)')."""
    m = re.fullmatch(r"markov_(\d+)(?:_(\d+))?", label)
    if m:
        return f"Markov order {m.group(1)}" + (f" (#{m.group(2)})" if m.group(2) else "")
    return label.replace("_", " ")


def _model_title(labels: Sequence[str]) -> str:
    """What a title says about the models: 'Markov order 2 (markov_2)' for one, the labels
    with Markov orders spelled out for a few, the number of models for many."""
    def one(label: str) -> str:
        text = _model_text(label)
        return text if text.replace(" ", "_") == label else f"{text} ({label})"

    if len(labels) == 1:
        return one(labels[0])
    if len(labels) <= 4:
        return " vs ".join(one(x) for x in labels)
    markov = [one(x) for x in labels if x.startswith("markov_")]
    return f"{len(labels)} models" + (f" incl. {', '.join(markov)}" if markov else "")


# ---------------------------------------------------------------------------------------------
# attribution bars

def credits_bar(results: List[Any], *, value: bool = False) -> Any:
    """Bar chart of credited conversions (or value) per touchpoint, one bar group per model,
    largest first (by the mean over the models). The bars are named by the column labels of
    ``compare(...).to_pandas()`` (``markov_1``, ``linear``); the title names the models with
    the Markov order spelled out. Bootstrap intervals, when computed, are error bars."""
    go = _plotly()
    key = "value" if value else "conversions"
    labels = _column_labels(results)
    tables = [r._native.to_table().to_pydict() for r in results]
    credit: Dict[str, List[float]] = {}
    for d in tables:
        for t, c in zip(d["touchpoint"], d[key]):
            credit.setdefault(t, []).append(_num(c) or 0.0)
    order = sorted(credit, key=lambda t: (-sum(credit[t]) / len(tables), t))
    fig = go.Figure()
    bars = False
    for i, (label, d) in enumerate(zip(labels, tables)):
        row = {t: j for j, t in enumerate(d["touchpoint"])}
        y = [_num(d[key][row[t]]) if t in row else None for t in order]
        err = None
        if key == "conversions" and d.get("lower") is not None and any(x is not None for x in d["lower"]):
            # bootstrap intervals (attribute(..., bootstrap=B))
            lo = [_num(d["lower"][row[t]]) if t in row else None for t in order]
            hi = [_num(d["upper"][row[t]]) if t in row else None for t in order]
            err = dict(type="data", symmetric=False, color="#444", thickness=1.2,
                       array=[(u - c) if u is not None and c is not None else 0.0 for u, c in zip(hi, y)],
                       arrayminus=[(c - v) if v is not None and c is not None else 0.0 for v, c in zip(lo, y)])
            bars = True
        fig.add_trace(go.Bar(name=label, x=order, y=y, error_y=err, marker_color=_PALETTE[i % len(_PALETTE)],
                             hovertemplate=f"%{{x}}: %{{y:,.2f}} credited {key} ({label})<extra></extra>"))
    notes = ["touchpoints sorted by credit" + (", mean over the models" if len(results) > 1 else "")]
    if bars:
        notes.append("error bars: bootstrap intervals")
    what = "conversions" if key == "conversions" else "value"
    fig.update_layout(
        barmode="group", plot_bgcolor="white", legend_title_text="model (column)",
        title=dict(text=f"Credited {what} — {_model_title(labels)}<br><sup>{'; '.join(notes)}</sup>"),
        xaxis=dict(title="touchpoint", categoryorder="array", categoryarray=order),
        yaxis=dict(title="credited conversions" if key == "conversions" else "credited value (conversion value)",
                   rangemode="tozero", showgrid=True, gridcolor="#eee"),
        showlegend=True, margin=dict(t=90))
    return fig


def segment_bars(table: Any, model: Optional[str] = None) -> Any:
    """Credited conversions per touchpoint, one bar per segment, touchpoints sorted by their
    credit over all segments (largest first), with the bootstrap interval as error bars when
    the table has one. ``model`` is a value of the table's model column (``markov_1``, ...;
    default: the first)."""
    go = _plotly()
    models = list(dict.fromkeys(table["model"]))
    if model is not None and model not in models:
        from touchpoint.exceptions import InputTypeError

        raise InputTypeError(f"model={model!r}: not a model of the table; models: {models}")
    model = model or models[0]
    t = table[table["model"] == model]
    order = t.groupby("touchpoint")["conversions"].sum().sort_values(ascending=False, kind="stable").index.tolist()
    segments = sorted(set(t["segment"]), key=str)
    colors = _palette(segments)
    fig = go.Figure()
    bars = False
    for seg in segments:
        s = t[t["segment"] == seg].set_index("touchpoint").reindex(order)
        err = None
        if "lower" in s.columns and s["lower"].notna().any():
            err = dict(type="data", symmetric=False, array=(s["upper"] - s["conversions"]).tolist(),
                       arrayminus=(s["conversions"] - s["lower"]).tolist(), color="#444", thickness=1.2)
            bars = True
        fig.add_trace(go.Bar(name=str(seg), x=order, y=s["conversions"].tolist(), error_y=err,
                             marker_color=colors[seg],
                             hovertemplate=f"{seg}: %{{x}}: %{{y:,.2f}} credited conversions<extra></extra>"))
    sub = "touchpoints sorted by credit over all segments" + ("; error bars: bootstrap intervals" if bars else "")
    fig.update_layout(
        barmode="group", plot_bgcolor="white", legend_title_text="segment", margin=dict(t=90),
        title=dict(text=f"Credited conversions by touchpoint and segment — {_model_title([model])}"
                        f"<br><sup>{sub}</sup>"),
        xaxis=dict(title="touchpoint", categoryorder="array", categoryarray=order),
        yaxis=dict(title="credited conversions", rangemode="tozero", showgrid=True, gridcolor="#eee"))
    return fig


# ---------------------------------------------------------------------------------------------
# Sankey

def sankey(nodes: Dict[str, List[Any]], links: Dict[str, List[Any]]) -> Any:
    """Sankey diagram from the core's step-indexed flows (nodes: label, step, touchpoint;
    links: source, target, journeys, conversions). Every touchpoint has one colour at every
    step (a fixed palette keyed by the sorted touchpoint names); "other" is light grey, the
    outcomes green and grey. Each link is split by the journeys' eventual outcome: the part
    that converts is green, the rest grey (without a conversions column, links take their
    source's colour)."""
    go = _plotly()
    n = len(nodes["label"])
    tps = nodes.get("touchpoint") or [None] * n
    steps = nodes.get("step") or [None] * n
    colors = _palette([t for t in tps if t is not None])
    labels: List[str] = []
    node_colors: List[str] = []
    hover: List[str] = []
    for i in range(n):
        t, s, label = tps[i], steps[i], str(nodes["label"][i])
        if t is not None:
            labels.append(str(t))
            node_colors.append(colors[t])
            hover.append(f"step {s}: {t}")
        elif s is not None:
            labels.append("other")
            node_colors.append(_OTHER_COLOR)
            hover.append(f"step {s}: other touchpoints")
        else:
            converted = label == "conversion"
            labels.append(label)
            node_colors.append(_CONVERSION_COLOR if converted else _NULL_COLOR)
            hover.append("outcome: " + label)
    conversions = links.get("conversions")
    src: List[int] = []
    tgt: List[int] = []
    val: List[float] = []
    link_colors: List[str] = []
    link_hover: List[str] = []
    for i in range(len(links["source"])):
        s, t, j = int(links["source"][i]), int(links["target"][i]), _num(links["journeys"][i]) or 0.0
        if conversions is not None:
            c = min(max(_num(conversions[i]) or 0.0, 0.0), j)
            parts = [(c, _rgba(_CONVERSION_COLOR, 0.45), "that convert"),
                     (j - c, _rgba(_NULL_COLOR, 0.35), "that do not convert")]
        else:
            parts = [(j, _rgba(node_colors[s], 0.4), "")]
        for v, color, what in parts:
            if v <= 1e-9:
                continue
            src.append(s)
            tgt.append(t)
            val.append(v)
            link_colors.append(color)
            link_hover.append(f"{hover[s]} → {hover[t]}<br>{v:,.0f} journeys {what}".rstrip())
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node=dict(label=labels, color=node_colors, pad=14, thickness=16, line=dict(color="white", width=0.5),
                  customdata=hover, hovertemplate="%{customdata}<br>%{value:,.0f} journeys<extra></extra>"),
        link=dict(source=src, target=tgt, value=val, color=link_colors, customdata=link_hover,
                  line=dict(width=0), hovertemplate="%{customdata}<extra></extra>"),
    ))
    shown = sorted({s for s in steps if s is not None})
    per_step = max([sum(1 for t, s in zip(tps, steps) if s == k and t is not None) for k in shown] + [0])
    cols = len(shown) + 1
    for k, s in enumerate(shown + [None]):
        x = k / (cols - 1) if cols > 1 else 0.5
        fig.add_annotation(x=x, y=1.0, xref="paper", yref="paper", yanchor="bottom", showarrow=False,
                           xanchor="left" if k == 0 else "right" if s is None else "center",
                           text=f"<b>step {s}</b>" if s is not None else "<b>outcome</b>",
                           font=dict(size=12, color="#555"))
    width = max(960, 190 * cols)
    clauses = [f"the first {len(shown)} touches of each journey", f"per step the {per_step} busiest touchpoints, the "
               "rest as 'other'", "a touchpoint has one colour at every step"]
    if conversions is not None:
        clauses.append("links: green = journeys that convert, grey = journeys that do not")
    lines = _pack(clauses, int(width / 6.2))
    height = max(480, 36 * per_step + 200)
    fig.update_layout(title=dict(text=f"Customer journeys, step by step<br><sup>{'<br>'.join(lines)}</sup>",
                                 x=0.01, xanchor="left", yref="container", y=1 - 30 / height, yanchor="top"),
                      font=dict(size=12), margin=dict(t=76 + 15 * len(lines), l=20, r=20, b=20), width=width,
                      height=height)
    return fig


# ---------------------------------------------------------------------------------------------
# the journey graph

@dataclass
class _Node:
    """A node of the drawing: the core's row plus the layout."""

    node_id: int
    label: str
    kind: str  # start, state, conversion, null
    visits: float
    p: Optional[float] = None
    dropoff: Optional[float] = None
    direct: Optional[float] = None
    ettc_ms: Optional[float] = None
    layer: int = 0
    x: float = 0.0
    y: float = 0.0
    r: float = 8.0
    box: Optional[Tuple[float, float, float, float]] = None  # label box (x0, y0, x1, y1), px


@dataclass
class _Edge:
    """A transition of the drawing: the core's row plus its route (px points)."""

    source: int
    target: int
    count: float
    probability: float
    dwell_ms: Optional[float]
    width: float = 1.0
    points: List[Tuple[float, float]] = field(default_factory=list)


def _duration_text(ms: Optional[float]) -> str:
    return "—" if ms is None else _ms_text(ms)


def _mean_steps(nodes: Dict[int, _Node], flow: List[_Edge]) -> Dict[int, float]:
    """The mean step at which journeys enter each node: 0 for the start, else the flow-weighted
    mean over its incoming transitions of (the source's mean step + 1) -- the fixed point,
    found by iteration (it exists when the start reaches every node; nodes it does not reach
    count as entered at step 1)."""
    into: Dict[int, List[Tuple[int, float]]] = {k: [] for k in nodes}
    for e in flow:
        if e.count > 0:
            into[e.target].append((e.source, e.count))
    d = {k: 0.0 if n.kind == "start" else 1.0 for k, n in nodes.items()}
    for _ in range(200):
        change = 0.0
        for k, n in nodes.items():
            if n.kind == "start" or not into[k]:
                continue
            w = sum(c for _, c in into[k])
            v = min(sum(c * (d[s] + 1.0) for s, c in into[k]) / w, 1e3)
            change = max(change, abs(v - d[k]))
            d[k] = v
        if change < 1e-6:
            break
    return d


def _layers(nodes: Dict[int, _Node], flow: List[_Edge], cap: int) -> None:
    """Layer of every start/state node: the mean step at which journeys enter it
    (:func:`_mean_steps`), rounded (at least 1), with at most ``cap`` nodes a layer (a fuller
    layer is split in order of the mean step); empty layers are closed up. The start is layer
    0."""
    d = _mean_steps(nodes, flow)
    steps: Dict[int, List[int]] = {}
    for k, n in nodes.items():
        steps.setdefault(0 if n.kind == "start" else max(1, int(math.floor(d[k] + 0.5))), []).append(k)
    at = 0
    for step in sorted(steps):
        members = sorted(steps[step], key=lambda k: (d[k], -nodes[k].visits, k))
        size = max(1, cap)
        parts = math.ceil(len(members) / size)
        size = math.ceil(len(members) / parts)  # balanced parts
        for i, k in enumerate(members):
            nodes[k].layer = at + i // size
        at += parts


def _crossings(edges: List[_Edge], pos: Dict[int, Tuple[float, float]]) -> float:
    """Crossings of the edges drawn straight between (layer, rank) positions, each weighted by
    the product of the two widths (thick edges crossing cost more)."""
    def orient(a: Tuple[float, float], b: Tuple[float, float], c: Tuple[float, float]) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    segs = [(e, pos[e.source], pos[e.target]) for e in edges]
    total = 0.0
    for i in range(len(segs)):
        e, a, b = segs[i]
        for f, c, d in segs[i + 1:]:
            if {e.source, e.target} & {f.source, f.target}:
                continue
            if orient(a, b, c) * orient(a, b, d) < 0 and orient(c, d, a) * orient(c, d, b) < 0:
                total += e.width * f.width
    return total


def _order_layers(nodes: Dict[int, _Node], edges: List[_Edge], last: int) -> List[List[int]]:
    """Nodes of each layer, bottom to top: start by P(conversion) (high near the conversion
    node at the top right), then barycentre sweeps left-to-right and right-to-left; the order
    with the fewest (width-weighted) crossings wins. The outcome layer is null below
    conversion."""
    cols: List[List[int]] = [[] for _ in range(last + 1)]
    for k, n in nodes.items():
        cols[n.layer].append(k)
    for at in range(last):
        cols[at].sort(key=lambda k: (nodes[k].p or 0.0, -nodes[k].visits, k))
    cols[last].sort(key=lambda k: (nodes[k].kind == "conversion", k))
    nbrs: Dict[int, List[Tuple[int, float]]] = {k: [] for k in nodes}
    for e in edges:
        nbrs[e.source].append((e.target, e.count))
        nbrs[e.target].append((e.source, e.count))

    def ranks() -> Dict[int, Tuple[float, float]]:
        return {k: (float(at), (i + 0.5) / len(col)) for at, col in enumerate(cols) for i, k in enumerate(col)}

    best, best_cost = [list(c) for c in cols], _crossings(edges, ranks())
    for sweep in range(8):
        left = sweep % 2 == 0
        for at in (range(1, last) if left else range(last - 1, 0, -1)):
            pos = ranks()
            col = cols[at]

            def bary(k: int) -> Tuple[float, float]:
                ws = [(w, pos[o][1]) for o, w in nbrs[k] if (nodes[o].layer < at if left else nodes[o].layer > at)]
                tw = sum(w for w, _ in ws)
                return (sum(w * y for w, y in ws) / tw if tw > 0 else pos[k][1], pos[k][1])

            col.sort(key=bary)
        c = _crossings(edges, ranks())
        if c < best_cost - 1e-12:
            best, best_cost = [list(c_) for c_ in cols], c
    return best


def _cubic(p0: Tuple[float, float], c1: Tuple[float, float], c2: Tuple[float, float], p3: Tuple[float, float],
           n: int = 24) -> List[Tuple[float, float]]:
    """Points of a cubic Bézier curve (both ends included)."""
    out = []
    for i in range(n + 1):
        t = i / n
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3
        out.append((a * p0[0] + b * c1[0] + c * c2[0] + d * p3[0], a * p0[1] + b * c1[1] + c * c2[1] + d * p3[1]))
    return out


def _s_curve(a: Tuple[float, float], b: Tuple[float, float], n: int = 24) -> List[Tuple[float, float]]:
    """A curve from a to b leaving and arriving horizontally (as the links of a Sankey)."""
    dx = (b[0] - a[0]) * 0.5
    return _cubic(a, (a[0] + dx, a[1]), (b[0] - dx, b[1]), b, n)


def _hits(points: List[Tuple[float, float]], disks: List[Tuple[float, float, float]],
          boxes: List[Tuple[float, float, float, float]]) -> Tuple[int, int]:
    """How many of the disks (x, y, r) and of the boxes (x0, y0, x1, y1) the polyline enters."""
    nd = sum(1 for (x, y, r) in disks if any((px - x) ** 2 + (py - y) ** 2 < r * r for px, py in points))
    nb = sum(1 for (x0, y0, x1, y1) in boxes if any(x0 < px < x1 and y0 < py < y1 for px, py in points))
    return nd, nb


def _along(points: List[Tuple[float, float]], frac: float) -> Tuple[float, float]:
    """The point at ``frac`` of the polyline's length."""
    lengths = [math.dist(points[i], points[i + 1]) for i in range(len(points) - 1)]
    goal, acc = frac * sum(lengths), 0.0
    for i, d in enumerate(lengths):
        if acc + d >= goal and d > 0:
            t = (goal - acc) / d
            return (points[i][0] + t * (points[i + 1][0] - points[i][0]),
                    points[i][1] + t * (points[i + 1][1] - points[i][1]))
        acc += d
    return points[-1]


def _back_from_end(points: List[Tuple[float, float]], dist: float) -> Tuple[float, float]:
    """The point ``dist`` px before the end of the polyline (measured along it)."""
    acc = 0.0
    for i in range(len(points) - 1, 0, -1):
        d = math.dist(points[i], points[i - 1])
        if acc + d >= dist and d > 0:
            t = (dist - acc) / d
            return (points[i][0] + t * (points[i - 1][0] - points[i][0]),
                    points[i][1] + t * (points[i - 1][1] - points[i][1]))
        acc += d
    return points[0]


def _overlaps(a: Tuple[float, float, float, float], b: Tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _disk_box(x: float, y: float, r: float) -> Tuple[float, float, float, float]:
    return (x - r, y - r, x + r, y + r)


def _text_size(text: str, size: float) -> Tuple[float, float]:
    """Approximate px width and height of a (possibly multi-line, ``<br>``) label."""
    lines = text.split("<br>")
    return max(len(s) for s in lines) * size * 0.58 + 6, len(lines) * size * 1.25 + 4


def _pack(clauses: Sequence[str], chars: int) -> List[str]:
    """Clauses joined by '; ' into lines of at most about ``chars`` characters."""
    lines: List[str] = []
    for c in clauses:
        if lines and len(lines[-1]) + 2 + len(c) <= chars:
            lines[-1] += "; " + c
        else:
            lines.append(c)
    return lines


def _wrap_label(label: str, width: int = 22) -> str:
    """A long state label ("search ad > website > email") broken after its '>' separators."""
    if len(label) <= width or " > " not in label:
        return label
    parts, lines, cur = label.split(" > "), [], ""
    for p in parts:
        if cur and len(cur) + 3 + len(p) > width:
            lines.append(cur + " >")
            cur = p
        else:
            cur = f"{cur} > {p}" if cur else p
    lines.append(cur)
    return "<br>".join(lines)


def _route(edges: List[_Edge], nodes: Dict[int, _Node], height: float, width: float) -> None:
    """Route every edge (px points, from the source's centre to the target's):

    * to the next layer: an S-curve (leaves and arrives horizontally);
    * further to the right: through the free gaps of the layers in between (beside nodes and
      their labels), S-curves between the gaps, edges sharing a gap spread apart;
    * back or within a layer: the arc (bent to the right of its direction first, so the two
      directions of a pair part) that enters the fewest other nodes and labels.
    """
    by_layer: Dict[int, List[_Node]] = {}
    for n in nodes.values():
        by_layer.setdefault(n.layer, []).append(n)
    gaps: Dict[int, List[Tuple[float, float]]] = {}
    for at, col in by_layer.items():
        blocked = []
        for n in col:
            blocked.append((n.y - n.r - 5, n.y + n.r + 5))
            if n.box is not None and n.box[0] < n.x < n.box[2]:
                blocked.append((n.box[1] - 3, n.box[3] + 3))
        blocked.sort()
        free, lo = [], 6.0
        for b0, b1 in blocked:
            if b0 - lo >= 6:
                free.append((lo, b0))
            lo = max(lo, b1)
        if height - 6 - lo >= 6:
            free.append((lo, height - 6))
        gaps[at] = free
    x_of = {at: col[0].x for at, col in by_layer.items()}
    pairs = {(e.source, e.target) for e in edges}
    # long forward edges: a waypoint per layer in between, in the gap nearest the straight line
    passing: Dict[Tuple[int, int], List[Tuple[float, _Edge, int]]] = {}
    waypoints: Dict[int, List[List[float]]] = {}
    for idx, e in enumerate(edges):
        a, b = nodes[e.source], nodes[e.target]
        if b.layer <= a.layer + 1:
            continue
        wps = []
        for at in range(a.layer + 1, b.layer):
            x = x_of[at]
            y = a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x)
            free = gaps.get(at) or [(6.0, height - 6)]
            gaps[at] = free
            g = min(range(len(free)), key=lambda i: (0.0 if free[i][0] <= y <= free[i][1]
                                                      else min(abs(y - free[i][0]), abs(y - free[i][1])), i))
            lo, hi = free[g]
            wp = [x, min(max(y, lo + 3), hi - 3) if hi - lo > 6 else (lo + hi) / 2]
            wps.append(wp)
            passing.setdefault((at, g), []).append((y, e, len(wps) - 1))
        waypoints[idx] = wps
    index = {id(e): i for i, e in enumerate(edges)}
    for (at, g), through in passing.items():
        if len(through) < 2:
            continue
        lo, hi = gaps[at][g]
        lo, hi = lo + 3, hi - 3
        step = min(7.0, (hi - lo) / max(len(through) - 1, 1))
        through.sort(key=lambda t: (t[0], t[1].source, t[1].target))
        ys = [waypoints[index[id(e)]][k][1] for _, e, k in through]
        for i in range(1, len(ys)):
            ys[i] = max(ys[i], ys[i - 1] + step)
        shift = max(0.0, ys[-1] - hi)
        for i, (_, e, k) in enumerate(through):
            waypoints[index[id(e)]][k][1] = max(lo, ys[i] - shift)
    disks_all = [(n.x, n.y, n.r + 3, n.node_id) for n in nodes.values()]
    boxes_all = [(n.box, n.node_id) for n in nodes.values() if n.box is not None]
    for idx, e in enumerate(edges):
        a, b = nodes[e.source], nodes[e.target]
        p0, p3 = (a.x, a.y), (b.x, b.y)
        if b.layer == a.layer + 1:
            e.points = _s_curve(p0, p3)
            continue
        if b.layer > a.layer + 1:
            pts = [p0] + [(w[0], w[1]) for w in waypoints[idx]] + [p3]
            e.points = []
            for i in range(len(pts) - 1):
                seg = _s_curve(pts[i], pts[i + 1], 16)
                e.points.extend(seg if i == 0 else seg[1:])
            continue
        # back or within a layer: the best arc
        disks = [(x, y, r) for x, y, r, k in disks_all if k not in (e.source, e.target)]
        boxes = [bx for bx, k in boxes_all if k not in (e.source, e.target)]
        dx, dy = p3[0] - p0[0], p3[1] - p0[1]
        length = math.hypot(dx, dy) or 1.0
        nx, ny = dy / length, -dx / length  # right of the direction (y up)
        mid = ((p0[0] + p3[0]) / 2, (p0[1] + p3[1]) / 2)
        offsets = [0.2, -0.2, 0.35, -0.35, 0.5, -0.5, 0.7, -0.7]
        if (e.target, e.source) not in pairs and a.layer != b.layer:
            offsets = [0.0] + offsets
        cands: List[Tuple[float, List[Tuple[float, float]]]] = []
        for off in offsets:  # arcs: one control point beside the middle
            q = (mid[0] + nx * off * length, mid[1] + ny * off * length)
            cands.append((abs(off) * length * 0.5, _cubic(
                p0, (p0[0] + 2 / 3 * (q[0] - p0[0]), p0[1] + 2 / 3 * (q[1] - p0[1])),
                (p3[0] + 2 / 3 * (q[0] - p3[0]), p3[1] + 2 / 3 * (q[1] - p3[1])), p3, 32)))
        for h in (28.0, -28.0, 50.0, -50.0, 75.0, -75.0, 105.0, -105.0, 140.0, -140.0):  # brackets: beside all along
            cands.append((abs(h) * 0.75, _cubic(p0, (p0[0] + nx * h, p0[1] + ny * h),
                                                (p3[0] + nx * h, p3[1] + ny * h), p3, 32)))
        best: Optional[Tuple[Tuple[float, float], List[Tuple[float, float]]]] = None
        for bulge, pts in cands:
            nd, nb = _hits(pts, disks, boxes)
            out = sum(1 for x, y in pts if not (0 <= x <= width and 0 <= y <= height))
            cost = (10.0 * nd + 3.0 * nb + 20.0 * (out > 0), bulge)
            if best is None or cost < best[0]:
                best = (cost, pts)
        assert best is not None
        e.points = best[1]


def _place_node_labels(nodes: List[_Node], width: float, height: float) -> Dict[int, Tuple[str, str, float, float]]:
    """Each node's label: above the node if it fits, else below, right or left (no overlap
    with other labels or nodes where possible; the most visited nodes choose first). Returns
    node id -> (text, anchor side, x, y) and sets each node's ``box``."""
    placed: List[Tuple[float, float, float, float]] = []
    disks = {n.node_id: _disk_box(n.x, n.y, n.r + 1) for n in nodes}
    out: Dict[int, Tuple[str, str, float, float]] = {}
    for n in sorted(nodes, key=lambda n: (n.kind == "state", -n.visits, n.node_id)):
        text = _wrap_label(n.label)
        w, h = _text_size(text, 11)
        cands = {
            "above": (n.x - w / 2, n.y + n.r + 2, n.x + w / 2, n.y + n.r + 2 + h),
            "below": (n.x - w / 2, n.y - n.r - 2 - h, n.x + w / 2, n.y - n.r - 2),
            "right": (n.x + n.r + 3, n.y - h / 2, n.x + n.r + 3 + w, n.y + h / 2),
            "left": (n.x - n.r - 3 - w, n.y - h / 2, n.x - n.r - 3, n.y + h / 2),
        }
        if n.kind == "start":
            order = ["left", "above", "below", "right"]
        elif n.kind in ("conversion", "null"):
            order = ["right", "above", "below", "left"]
        else:
            order = ["above", "below", "right", "left"]

        def clash(box: Tuple[float, float, float, float]) -> float:
            c = sum(1 for p in placed if _overlaps(box, p)) + sum(
                1 for k, d in disks.items() if k != n.node_id and _overlaps(box, d))
            return c + (5 if box[0] < 0 or box[2] > width or box[1] < 0 or box[3] > height else 0)

        side = min(order, key=lambda s: (clash(cands[s]), order.index(s)))
        box = cands[side]
        placed.append(box)
        n.box = box
        out[n.node_id] = (text, side, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    return out


def graph(nodes: Dict[str, List[Any]], edges: Dict[str, List[Any]], min_probability: float, *,
          max_nodes: int = 30, label_top: int = 10, order: Optional[int] = None) -> Any:
    """A layered left-to-right drawing of the journey graph.

    The start is on the left (layer 0), conversion (top) and null (bottom) on the right (the
    last layer); the states in between are layered by the longest path from the start over
    the strongest transitions and ordered within each layer by barycentre sweeps to reduce
    crossings, spread evenly in y. Nodes are sized by visits (sqrt scale) and coloured by
    P(conversion) on one colour scale; edges are arrows with their width growing with the
    transition probability, labelled (in %) for the ``label_top`` most probable; edges below
    ``min_probability`` and self-loops are not drawn; only the ``max_nodes`` most visited
    states are. The subtitle says what was left out.

    ``nodes`` and ``edges`` are the core's node and transition tables as columns (durations
    as ``*_ms`` numbers or as timedelta-typed columns without the suffix). The figure's data
    coordinates are pixels of the plot area; each node trace's ``customdata`` is (node id,
    layer) per node, each edge trace's ``meta`` is [source id, target id, probability].
    """
    go = _plotly()
    n_rows = len(nodes["node_id"])
    kinds = nodes.get("kind")
    ettc = _durations_ms(nodes, "expected_time_to_convert", n_rows)
    info: Dict[int, _Node] = {}
    for i in range(n_rows):
        nid = int(nodes["node_id"][i])
        kind = str(kinds[i]) if kinds is not None else ("start" if nid == 0 else "state")
        info[nid] = _Node(nid, str(nodes["label"][i]), kind, _num(nodes["visits"][i]) or 0.0,
                          _num(nodes["conversion_probability"][i]),
                          _num((nodes.get("dropoff_rate") or [None] * n_rows)[i]),
                          _num((nodes.get("direct_conversion_rate") or [None] * n_rows)[i]), ettc[i])
    m = len(edges["source_id"])
    dwell = _durations_ms(edges, "dwell_mean", m)
    tkinds = edges.get("target_kind")
    all_edges: List[_Edge] = []
    for i in range(m):
        s, t = int(edges["source_id"][i]), int(edges["target_id"][i])
        for nid, label, given in ((s, edges["source"][i], None), (t, edges["target"][i],
                                                                  tkinds[i] if tkinds is not None else None)):
            if nid not in info:
                what = str(given) if given is not None else {1: "conversion", 2: "null"}.get(nid, "state")
                info[nid] = _Node(nid, str(label), what, 0.0, {"conversion": 1.0, "null": 0.0}.get(what))
        all_edges.append(_Edge(s, t, _num(edges["count"][i]) or 0.0, _num(edges["probability"][i]) or 0.0, dwell[i]))
    for e in all_edges:
        if info[e.target].kind in ("conversion", "null"):
            info[e.target].visits += e.count
    outcome = {k for k, n in info.items() if n.kind in ("conversion", "null")}
    states = sorted((k for k, n in info.items() if n.kind == "state"), key=lambda k: (-info[k].visits, k))
    keep = set(states[:max(0, max_nodes)]) | {k for k, n in info.items() if n.kind != "state"}
    loops = [e for e in all_edges if e.source == e.target]
    outside = [e for e in all_edges if e.source != e.target and not (e.source in keep and e.target in keep)]
    inside = [e for e in all_edges if e.source != e.target and e.source in keep and e.target in keep]
    hidden = [e for e in inside if e.probability < min_probability]
    shown = [e for e in inside if e.probability >= min_probability]
    for e in shown:
        e.width = 0.8 + 7.2 * e.probability
    loop_p = {e.source: e.probability for e in loops}
    drawn = {k: info[k] for k in keep}

    # layers (from every transition between drawn nodes, so they do not move with the
    # threshold) and order (from the drawn ones)
    flow = [e for e in inside if e.target not in outcome]
    core = {k: n for k, n in drawn.items() if k not in outcome}
    _layers(core, flow, max(8, round(1.6 * math.sqrt(max(len(core), 1)))))
    last = max([n.layer for n in core.values()], default=0) + 1
    for k in outcome & keep:
        drawn[k].layer = last
    cols = _order_layers(drawn, shown, last)

    # positions (px of the plot area)
    tallest = max(len(c) for c in cols)
    width = max(820.0, 185.0 * last + 170)
    height = max(400.0, 84.0 * tallest + 36)
    x0, x1, y0, y1 = 90.0, width - 120.0, 14.0, height - 22.0
    vmax = max([n.visits for n in drawn.values()] + [1e-9])
    for at, col in enumerate(cols):
        for i, k in enumerate(col):
            n = drawn[k]
            n.x = x0 + (x1 - x0) * at / last
            n.y = y0 + (y1 - y0) * (i + 0.5) / len(col)
            n.r = (14 + 26 * math.sqrt(max(n.visits, 0.0) / vmax)) / 2
    node_labels = _place_node_labels(list(drawn.values()), width, height)
    shown.sort(key=lambda e: (e.probability, e.source, e.target))  # strongest drawn last, on top
    _route(shown, drawn, height, width)

    traces: List[Any] = []
    notes: List[Dict[str, Any]] = []
    pmax = max([e.probability for e in shown] + [1e-9])
    for e in shown:
        kind = drawn[e.target].kind
        base = _CONVERSION_COLOR if kind == "conversion" else _NULL_COLOR if kind == "null" else _FLOW_COLOR
        color = _rgba(base, 0.3 + 0.55 * e.probability / pmax)
        back = drawn[e.target].layer <= drawn[e.source].layer
        traces.append(go.Scatter(x=[p[0] for p in e.points], y=[p[1] for p in e.points], mode="lines",
                                 line=dict(width=e.width, color=color, dash="dot" if back else "solid"),
                                 hoverinfo="skip",
                                 showlegend=False, name=f"{drawn[e.source].label} → {drawn[e.target].label}",
                                 meta=[e.source, e.target, e.probability]))
        tip = drawn[e.target]
        tail = _back_from_end(e.points, tip.r + 18)
        notes.append(dict(x=tip.x, y=tip.y, ax=tail[0], ay=tail[1], xref="x", yref="y", axref="x", ayref="y",
                          text="", showarrow=True, arrowhead=2, arrowsize=max(0.8, min(2.0, 3.2 / e.width)),
                          arrowwidth=e.width, arrowcolor=color, standoff=tip.r + 1))
    # edge hover points and probability labels
    mids = [_along(e.points, 0.5) for e in shown]
    traces.append(go.Scatter(
        x=[p[0] for p in mids], y=[p[1] for p in mids], mode="markers", showlegend=False, name="transitions",
        marker=dict(size=12, color="rgba(0,0,0,0)"), hovertemplate="%{hovertext}<extra></extra>",
        hovertext=[f"<b>{drawn[e.source].label} → {drawn[e.target].label}</b><br>count {e.count:,.0f}"
                   f"<br>probability {e.probability:.1%}<br>mean dwell {_duration_text(e.dwell_ms)}" for e in shown]))
    taken = [n.box for n in drawn.values() if n.box is not None] + [_disk_box(n.x, n.y, n.r + 2)
                                                                   for n in drawn.values()]
    labelled = 0
    for e in sorted(shown, key=lambda e: (-e.count, -e.probability, e.source, e.target)):
        if labelled >= label_top:
            break
        text = f"{100 * e.probability:.0f}%"
        w, h = _text_size(text, 10)
        for frac in (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78):
            px, py = _along(e.points, frac)
            box = (px - w / 2, py - h / 2, px + w / 2, py + h / 2)
            if not any(_overlaps(box, t) for t in taken):
                taken.append(box)
                labelled += 1
                kind = drawn[e.target].kind
                notes.append(dict(x=px, y=py, xref="x", yref="y", text=text, showarrow=False,
                                  font=dict(size=10, color="#1d5e36" if kind == "conversion" else "#333"),
                                  bgcolor="rgba(255,255,255,0.85)", borderpad=1))
                break
    # nodes
    def hover(n: _Node) -> str:
        if n.kind in ("conversion", "null"):
            return f"<b>{n.label}</b><br>journeys ending here {n.visits:,.0f}"
        parts = [f"<b>{n.label}</b>", f"visits {n.visits:,.0f}",
                 f"P(conversion) {n.p:.1%}" if n.p is not None else "P(conversion) —",
                 f"drop-off rate {n.dropoff:.1%}" if n.dropoff is not None else "drop-off rate —"]
        if n.direct is not None and n.kind == "state":
            parts.append(f"direct conversion rate {n.direct:.1%}")
        parts.append(f"expected time to convert {_duration_text(n.ettc_ms)}")
        if n.node_id in loop_p:
            parts.append(f"repeats (self-loop, not drawn) {loop_p[n.node_id]:.1%}")
        return "<br>".join(parts)

    groups = [("states", [n for n in drawn.values() if n.kind == "state"]),
              ("start", [n for n in drawn.values() if n.kind == "start"]),
              ("conversion", [n for n in drawn.values() if n.kind == "conversion"]),
              ("null", [n for n in drawn.values() if n.kind == "null"])]
    p_states = [n.p for n in drawn.values() if n.kind in ("state", "start") and n.p is not None]
    cmax = max(0.1, math.ceil(max(p_states + [0.0]) * 10 - 1e-9) / 10)
    for name, group in groups:
        if not group:
            continue
        group.sort(key=lambda n: n.node_id)
        marker: Dict[str, Any] = dict(size=[2 * n.r for n in group], line=dict(color="#333", width=1), opacity=1.0)
        if name in ("states", "start"):
            marker.update(color=[n.p if n.p is not None else 0.0 for n in group], coloraxis="coloraxis")
        else:
            marker.update(color=_CONVERSION_COLOR if name == "conversion" else _NULL_COLOR)
        if name == "start":
            marker.update(symbol="diamond", line=dict(color=_START_COLOR, width=3))
        traces.append(go.Scatter(x=[n.x for n in group], y=[n.y for n in group], mode="markers", name=name,
                                 marker=marker, showlegend=False, customdata=[[n.node_id, n.layer] for n in group],
                                 hovertext=[hover(n) for n in group], hovertemplate="%{hovertext}<extra></extra>"))
    for k, (text, side, cx, cy) in node_labels.items():
        n = drawn[k]
        notes.append(dict(x=cx, y=cy, xref="x", yref="y", text=text, showarrow=False,
                          font=dict(size=11, color="#1d5e36" if n.kind == "conversion" else "#222"),
                          bgcolor="rgba(255,255,255,0.75)", borderpad=0))

    # what is shown
    n_states = len(states)
    shown_states = sum(1 for k in keep if info[k].kind == "state")
    legend = ["node size: visits", "colour: P(conversion)", "arrow width: transition probability",
              "green: into conversion, grey: into null, dotted: back to an earlier or the same layer"]
    counts = [f"{len(shown)} of {len(all_edges)} transitions shown, the {min(label_top, len(shown))} busiest "
              "labelled with their probability",
              f"{len(hidden)} edges below {_pct_text(min_probability)} hidden (min_probability)"]
    if shown_states < n_states:
        counts.append(f"the {shown_states} most visited of {n_states} states drawn (max_nodes), "
                      f"{len(outside)} transitions of the other states left out")
    if loops:
        counts.append(f"{len(loops)} self-loops (repeats) not drawn, see the hover")
    chars = int((width + 110) / 5.6)
    lines = _pack(legend, chars) + _pack(counts, chars)
    title = "Journey graph" + (f" — Markov order {order}" if order is not None else "")
    top = 46 + 15 * len(lines)
    # one Figure call: adding annotations one by one re-validates all of them each time
    fig = go.Figure(data=traces)
    fig.update_layout(annotations=notes,
        title=dict(text=f"{title}<br><sup>{'<br>'.join(lines)}</sup>", x=0.01, xanchor="left", yref="container",
                   y=1 - 30 / (height + top + 10), yanchor="top"),
        width=int(width) + 20 + 110, height=int(height) + top + 10, autosize=False,
        margin=dict(l=20, r=110, t=top, b=10, autoexpand=False), plot_bgcolor="white", paper_bgcolor="white",
        xaxis=dict(range=[0, width], visible=False, showgrid=False, zeroline=False),
        yaxis=dict(range=[0, height], visible=False, showgrid=False, zeroline=False),
        coloraxis=dict(colorscale=_P_SCALE, cmin=0.0, cmax=cmax,
                       colorbar=dict(title=dict(text="P(conversion)", side="top"), tickformat=".0%", x=1.0,
                                     xanchor="left", xpad=12, len=0.7, thickness=14, outlinewidth=0)),
        hovermode="closest", showlegend=False)
    return fig


# ---------------------------------------------------------------------------------------------
# budget

def budget_curves(curves: List[Any], spend: List[float], points: int,
                  current: Optional[Sequence[float]] = None) -> Any:
    """Each response curve with the suggested spend marked (a filled marker in the curve's
    colour, labelled with the spend) and, with ``current``, today's spend (an open marker of
    the same colour)."""
    go = _plotly()
    fig = go.Figure()
    cur = list(current) if current is not None else None
    top = max(list(spend) + (cur or []) + [1.0]) * 1.5
    points = max(int(points), 2)
    xs = [top * i / (points - 1) for i in range(points)]
    total_spend, total_response = 0.0, 0.0
    for i, (c, s) in enumerate(zip(curves, spend)):
        color = _PALETTE[i % len(_PALETTE)]
        fig.add_trace(go.Scatter(x=xs, y=c(xs), mode="lines", name=c.name, legendgroup=c.name,
                                 line=dict(color=color, width=2.5),
                                 hovertemplate=f"{c.name}: spend %{{x:,.4g}} → %{{y:,.4g}} expected conversions"
                                               "<extra></extra>"))
        (r,) = c([s])
        total_spend, total_response = total_spend + s, total_response + r
        fig.add_trace(go.Scatter(x=[s], y=[r], mode="markers", name=f"{c.name}: suggested spend",
                                 legendgroup=c.name, showlegend=False,
                                 marker=dict(size=12, color=color, line=dict(color="white", width=1.5)),
                                 hovertemplate=f"{c.name}: suggested spend %{{x:,.4g}} → %{{y:,.4g}} expected "
                                               "conversions<extra></extra>"))
        # the spend next to the marker: suggested up-left, today down-right, staggered per curve
        side = 1 if s < 0.12 * top else -1  # at the left edge the label goes right
        fig.add_annotation(x=s, y=r, text=f"suggested {s:,.4g}", showarrow=True, arrowhead=0, arrowwidth=1,
                           arrowcolor=color, ax=side * (34 + 6 * (i % 3)), ay=-26 - 14 * (i % 3),
                           font=dict(color=color, size=12), bgcolor="rgba(255,255,255,0.8)",
                           xanchor="left" if side > 0 else "right")
        if cur is not None and i < len(cur):
            (r0,) = c([cur[i]])
            fig.add_annotation(x=cur[i], y=r0, text=f"today {cur[i]:,.4g}", showarrow=True, arrowhead=0, arrowwidth=1,
                               arrowcolor=color, ax=34 + 6 * (i % 3), ay=26 + 14 * (i % 3),
                               font=dict(color=color, size=12), bgcolor="rgba(255,255,255,0.8)", xanchor="left")
            fig.add_trace(go.Scatter(x=[cur[i]], y=[r0], mode="markers", name=f"{c.name}: today's spend",
                                     legendgroup=c.name, showlegend=False,
                                     marker=dict(size=12, color="white", symbol="circle",
                                                 line=dict(color=color, width=2.5)),
                                     hovertemplate=f"{c.name}: today's spend %{{x:,.4g}} → %{{y:,.4g}} expected "
                                                   "conversions<extra></extra>"))
    sub = f"suggested: spend {total_spend:,.4g} in total for {total_response:,.4g} expected conversions"
    sub += "; ● suggested spend" + ("; ○ today's spend" if cur is not None else "")
    fig.update_layout(title=dict(text=f"Response curves and the suggested spend<br><sup>{sub}</sup>"),
                      xaxis=dict(title="spend", rangemode="tozero", showgrid=True, gridcolor="#eee"),
                      yaxis=dict(title="expected conversions", rangemode="tozero", showgrid=True, gridcolor="#eee"),
                      plot_bgcolor="white", legend_title_text="curve", margin=dict(t=90))
    return fig


def _ms_text(ms: Any) -> str:
    """A duration (ms, or a timedelta) as '1.5 d', '3.0 h' or '12 min'; '' when missing."""
    ms = _as_ms(ms)
    if ms is None:
        return ""
    if ms >= 86_400_000:
        return f"{ms / 86_400_000:.1f} d"
    if ms >= 3_600_000:
        return f"{ms / 3_600_000:.1f} h"
    return f"{ms / 60_000:.0f} min"


def _window_text(ms: int) -> str:
    for unit, name in ((86_400_000, "day"), (3_600_000, "hour"), (60_000, "minute")):
        if ms % unit == 0:
            n = ms // unit
            return f"{n} {name}{'s' if n != 1 else ''}"
    return _ms_text(ms)


def funnel(rows: Dict[str, List[Any]], f: Any, segment: Any, value: Any = None) -> Any:
    """Funnel bars, step 1 at the top. One funnel: the units reaching each step, the units lost
    since the previous step stacked after them in a light colour, and to the right of each bar
    its share of step 1, the drop-off and the median time from the previous step. Per segment:
    one bar per segment and step, labelled with units and share of step 1."""
    go = _plotly()
    segs = rows.get("segment")
    names = [None] if segs is None else ([segment] if segment is not None else list(dict.fromkeys(segs)))
    fig = go.Figure()
    top = max([u for u in rows["units"]] + [1])
    if len(names) == 1:
        idx = [i for i in range(len(rows["step"])) if segs is None or segs[i] == names[0]]
        labels = [f"{rows['step'][i]}. {rows['name'][i]}" for i in idx]
        units = [rows["units"][i] for i in idx]
        lost = [rows["drop_off"][i] or 0 for i in idx]
        fig.add_trace(go.Bar(y=labels, x=units, orientation="h", name="reached", marker_color="#3b6fb6",
                             hovertemplate="%{y}: %{x:,} reached<extra></extra>"))
        fig.add_trace(go.Bar(y=labels, x=lost, orientation="h", name="lost since previous step",
                             marker_color="#e8b4b0", hovertemplate="%{y}: %{x:,} lost<extra></extra>"))
        for k, i in enumerate(idx):
            parts = [f"<b>{units[k]:,}</b>"]
            if rows["overall_rate"][i] is not None and k > 0:
                parts.append(f"{rows['overall_rate'][i]:.1%} of step 1")
            if rows["drop_off"][i] is not None and rows["step_rate"][i] is not None:
                parts.append(f"−{rows['drop_off'][i]:,} ({1 - rows['step_rate'][i]:.0%} lost)")
            t = _ms_text(rows["time_from_previous_median"][i])
            if t:
                parts.append(f"median {t}")
            fig.add_annotation(x=units[k] + lost[k], y=labels[k], text="  " + " · ".join(parts), showarrow=False,
                               xanchor="left", font=dict(size=12))
        fig.update_layout(barmode="stack")
        xmax = max(u + d for u, d in zip(units, lost)) if units else 1
    else:
        # segments differ in size: compare their rates (share of step 1) unless units are asked for
        rate = value != "units"
        for name in names:
            assert segs is not None
            idx = [i for i in range(len(rows["step"])) if segs[i] == name]
            labels = [f"{rows['step'][i]}. {rows['name'][i]}" for i in idx]
            xs = [(rows["overall_rate"][i] or 0.0) if rate else rows["units"][i] for i in idx]
            text = [f"{rows['overall_rate'][i]:.1%} ({rows['units'][i]:,})" if rate and rows["overall_rate"][i] is not None
                    else f"{rows['units'][i]:,}" for i in idx]
            fig.add_trace(go.Bar(y=labels, x=xs, orientation="h", name=str(name), text=text, textposition="outside",
                                 cliponaxis=False, hovertemplate=f"{name}: " + "%{y}: %{text}<extra></extra>"))
        fig.update_layout(barmode="group", legend_title_text="segment")
        xmax = 1.0 if rate else top
        if rate:
            fig.update_xaxes(tickformat=".0%", tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1.0])
    w = f._native.window_ms
    sub = f"{f.mode.replace('_', ' ')} funnel of {f.unit}s, " + (f"window {_window_text(w)}" if w is not None else "no window")
    n = len(set(rows["step"]))
    xtitle = "share of step 1" if len(names) > 1 and value != "units" else f"{f.unit}s"
    fig.update_layout(title=dict(text=f"Funnel<br><sup>{sub}</sup>"), xaxis=dict(range=[0, xmax * (1.75 if len(names) == 1 else 1.3)], title=xtitle),
                      legend_traceorder="normal",
                      yaxis=dict(autorange="reversed", automargin=True, ticksuffix="  ", title="step"),
                      plot_bgcolor="white", height=max(300, (60 if len(names) == 1 else 28 * len(names)) * n + 160),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    fig.update_xaxes(showgrid=True, gridcolor="#eee")
    return fig


def step_matrix(steps: List[int], states: List[str], grid: List[List[float]], compare: Any) -> Any:
    """Heatmap of the step matrix (a diverging scale for a difference of two segments)."""
    go = _plotly()
    text = [[f"{v:.0%}" if abs(v) >= 0.005 else "" for v in row] for row in grid]
    if compare is None:
        # the colour scale follows the touchpoints: "(ended)" grows towards 1 and would wash them out
        special = ("(ended)", "(before start)")
        top = max([v for st, row in zip(states, grid) if st not in special for v in row] + [0.01])
        hm = go.Heatmap(z=grid, x=[str(s) for s in steps], y=states, colorscale="Blues", zmin=0, zmax=top,
                        text=text, texttemplate="%{text}", hovertemplate="step %{x}, %{y}: %{z:.1%}<extra></extra>",
                        colorbar=dict(title="share", tickformat=".0%"))
        title = "Step matrix: where units are at each step (share of units; each step sums to 100%)"
    else:
        top = max([abs(v) for row in grid for v in row] + [0.01])
        hm = go.Heatmap(z=grid, x=[str(s) for s in steps], y=states, colorscale="RdBu", zmid=0, zmin=-top, zmax=top,
                        text=text, texttemplate="%{text}",
                        hovertemplate="step %{x}, %{y}: %{z:+.1%}<extra></extra>",
                        colorbar=dict(title="difference", tickformat="+.0%"))
        title = f"Step matrix: {compare[0]} minus {compare[1]}"
    fig = go.Figure(hm)
    fig.update_layout(title=title, xaxis_title="step (touches since the start)", plot_bgcolor="white",
                      yaxis=dict(autorange="reversed", automargin=True, title="state at that step"),
                      height=max(320, 34 * len(states) + 140))
    return fig


def retention(labels: List[str], periods: List[int], grid: List[List[Any]], mean: List[Any], title: str) -> Any:
    """The retention triangle (unobserved cells blank) with the weighted mean as the last row."""
    go = _plotly()
    z = [list(row) for row in grid] + [list(mean)]
    y = labels + ["weighted mean"]
    text = [["" if v is None else f"{v:.0%}" if v >= 0.1 or v == 0 else f"{v:.1%}" for v in row] for row in z]
    # small late cohorts (one customer: 0 or 100 %) would set the scale; follow the pooled means
    means = [v for v, k in zip(mean, periods) if v is not None and k > 0]
    cells = [v for row in grid for v, k in zip(row, periods) if v is not None and k > 0]
    top = min(1.0, 2 * max(means)) if means and max(means) > 0 else max(cells + [0.01])
    fig = go.Figure(go.Heatmap(z=z, x=[str(k) for k in periods], y=y, colorscale="Blues", zmin=0, zmax=top,
                               text=text, texttemplate="%{text}", hoverongaps=False,
                               hovertemplate="cohort %{y}, period %{x}: %{z:.1%}<extra></extra>",
                               colorbar=dict(title="retained", tickformat=".1%" if top < 0.1 else ".0%")))
    fig.update_layout(title=title, xaxis_title="periods since the start (period length: see the subtitle)",
                      yaxis=dict(autorange="reversed", automargin=True, type="category",
                                 title="cohort (start, customers)"),
                      height=max(320, 26 * len(y) + 140), plot_bgcolor="white")
    return fig


# ---------------------------------------------------------------------------------------------
# experience

_DETRACTOR, _PASSIVE, _PROMOTER, _SMALL = "#c8553d", "#d9d4c7", "#3f8f5b", "#b8b8b8"


def _net_name(scale: Dict[str, Any]) -> str:
    return "NPS" if scale.get("kind") == "nps" else "net score"


def _class_names(scale: Dict[str, Any]) -> List[str]:
    if scale.get("kind") == "nps":
        return ["detractors", "passives", "promoters"]
    return ["bottom box", "middle", "top box"]


def _rows_of(rows: Dict[str, List[Any]], keep: Any) -> List[int]:
    return [i for i in range(len(next(iter(rows.values()), []))) if keep(i)]


def experience_nps(rows: Dict[str, List[Any]], small_n: int, scale: Dict[str, Any], segment: Any) -> Any:
    """NPS per touchpoint with its 95 % interval, worst first; small groups grey. Per segment,
    one trace per segment (touchpoints ordered by their worst segment)."""
    go = _plotly()
    segs = rows.get("segment")
    net = _net_name(scale)
    names = [None] if segs is None else ([segment] if segment is not None else list(dict.fromkeys(segs)))
    if segs is not None and segment is not None and segment not in segs:
        from touchpoint.exceptions import InputTypeError

        raise InputTypeError(f"segment={segment!r}: not a segment of the table; segments: {list(dict.fromkeys(segs))}")
    idx = _rows_of(rows, lambda i: rows["dimension"][i] == "touchpoint" and rows["nps"][i] is not None
                   and (segs is None or segs[i] in names))
    worst: Dict[str, float] = {}
    for i in idx:
        g = rows["group"][i]
        worst[g] = min(worst.get(g, 1e9), rows["nps"][i])
    order = sorted(worst, key=lambda g: (worst[g], g))
    fig = go.Figure()
    for name in names:
        mine = {rows["group"][i]: i for i in idx if segs is None or segs[i] == name}
        groups = [g for g in order if g in mine]
        ii = [mine[g] for g in groups]
        nps = [rows["nps"][i] for i in ii]
        small = [bool(rows["small_n"][i]) for i in ii]
        if len(names) == 1:
            colors = [_SMALL if s else (_DETRACTOR if x < 0 else _PROMOTER) for x, s in zip(nps, small)]
            labels = [f"{g} (n={rows['n'][i]:,}{f', n<{small_n}' if s else ''})" for g, i, s in zip(groups, ii, small)]
            opacity: Any = 1.0
        else:
            colors = None
            labels = groups
            opacity = [0.35 if s else 1.0 for s in small]
        fig.add_trace(go.Bar(
            y=labels, x=nps, orientation="h", name=str(name) if name is not None else net,
            marker=dict(color=colors, opacity=opacity),
            error_x=dict(type="data", symmetric=False, array=[rows["nps_upper"][i] - rows["nps"][i] for i in ii],
                         arrayminus=[rows["nps"][i] - rows["nps_lower"][i] for i in ii], color="#555", thickness=1.2),
            text=[f"{x:+.0f}" for x in nps], textposition="outside", cliponaxis=False,
            customdata=[[rows["n"][i], rows["nps_lower"][i], rows["nps_upper"][i], rows["mean"][i]] for i in ii],
            hovertemplate=f"%{{y}}: {net} %{{x:+.1f}} [%{{customdata[1]:+.1f}}, %{{customdata[2]:+.1f}}], "
                          "n=%{customdata[0]:,}, mean %{customdata[3]:.2f}<extra></extra>",
        ))
    sub = f"95% intervals; {'grey' if len(names) == 1 else 'faded'}: fewer than {small_n} scores (read with care)"
    fig.update_layout(
        title=dict(text=f"{net} by touchpoint, worst first<br><sup>{sub}</sup>"), barmode="group",
        xaxis=dict(range=[-105, 105], title=f"{net} (−100 to +100)", zeroline=True, zerolinecolor="#888",
                   showgrid=True, gridcolor="#eee"),
        yaxis=dict(autorange="reversed", automargin=True, ticksuffix="  ", title="touchpoint"), plot_bgcolor="white",
        showlegend=len(names) > 1, legend_title_text="segment",
        height=max(300, (34 if len(names) == 1 else 22 * len(names)) * len(order) + 160))
    return fig


def experience_stages(rows: Dict[str, List[Any]], small_n: int, scale: Dict[str, Any], segment: Any) -> Any:
    """Shares of detractors, passives and promoters per stage (per touchpoint without stages),
    stacked to 100 %."""
    go = _plotly()
    segs = rows.get("segment")

    def pick(dim: str) -> List[int]:
        return _rows_of(rows, lambda i: rows["dimension"][i] == dim and rows["n"][i] > 0
                        and (segs is None or segs[i] == segment))

    idx = pick("stage")
    what = "stage"
    if not idx:
        idx, what = pick("touchpoint"), "touchpoint"
    labels = [f"{rows['group'][i]} (n={rows['n'][i]:,}{f', n<{small_n}' if rows['small_n'][i] else ''})" for i in idx]
    fig = go.Figure()
    for key, name, color in zip(("detractors", "passives", "promoters"), _class_names(scale),
                                (_DETRACTOR, _PASSIVE, _PROMOTER)):
        share = [rows[key][i] / rows["n"][i] for i in idx]
        fig.add_trace(go.Bar(y=labels, x=share, orientation="h", name=name, marker_color=color,
                             text=[f"{s:.0%}" if s >= 0.04 else "" for s in share], textposition="inside",
                             hovertemplate=f"%{{y}}: {name} %{{x:.1%}}<extra></extra>"))
    net = _net_name(scale)
    fig.update_layout(
        barmode="stack", plot_bgcolor="white",
        title=dict(text=f"Experience by {what}<br><sup>share of scores; {net} = promoters − detractors"
                        f"{f'; segment {segment}' if segment is not None else ''}</sup>"),
        xaxis=dict(range=[0, 1], tickformat=".0%", title="share of scores"),
        yaxis=dict(autorange="reversed", automargin=True, ticksuffix="  ", title=f"{what} (scores)"),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1, traceorder="normal"),
        height=max(280, 40 * len(idx) + 170))
    return fig


_REFERENCE_LABEL = {"not_detractor": "all other journeys", "promoter": "promoter journeys",
                    "unscored": "unscored journeys"}


def experience_conversion(rows: Dict[str, List[Any]], reference: str, note: str, value: str, segment: Any) -> Any:
    """Per touchpoint with detractor journeys: their conversion rate against the reference
    group's (two traces), or the experience gap in conversions (one trace)."""
    go = _plotly()
    segs = rows.get("segment")
    idx = _rows_of(rows, lambda i: rows["detractor_journeys"][i] > 0 and (segs is None or segs[i] == segment))
    labels = [f"{rows['touchpoint'][i] or '(any touchpoint)'}{' (small n)' if rows['small_n'][i] else ''}"
              for i in idx]
    ref = _REFERENCE_LABEL.get(reference, reference)
    fig = go.Figure()
    if value == "gap":
        gap = [rows["experience_gap"][i] or 0.0 for i in idx]
        fig.add_trace(go.Bar(y=labels, x=gap, orientation="h", name="experience gap", marker_color=_DETRACTOR,
                             text=[f"{g:,.1f}" for g in gap], textposition="outside", cliponaxis=False,
                             hovertemplate="%{y}: %{x:,.1f} conversions<extra></extra>"))
        title = "Experience gap: conversions the detractor journeys would have at the promoter rate"
        xaxis: Dict[str, Any] = dict(title="conversions (experience gap)")
    else:
        for key, name, color in (("detractor_rate", "after a detractor score", _DETRACTOR),
                                 ("reference_rate", ref, "#5b7fb3")):
            x = [rows[key][i] for i in idx]
            fig.add_trace(go.Bar(y=labels, x=x, orientation="h", name=name, marker_color=color,
                                 text=["" if v is None else f"{v:.1%}" for v in x], textposition="outside",
                                 cliponaxis=False, hovertemplate=f"%{{y}}: {name} %{{x:.1%}}<extra></extra>"))
        title = f"Conversion after a detractor score vs {ref}"
        xaxis = dict(title="conversion rate of the journeys", tickformat=".0%", rangemode="tozero")
    seg = f"segment {segment}; " if segment is not None else ""
    fig.update_layout(
        title=dict(text=f"{title}<br><sup>{seg}{note}</sup>"), barmode="group", plot_bgcolor="white", xaxis=xaxis,
        yaxis=dict(autorange="reversed", automargin=True, ticksuffix="  ", title="touchpoint"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1, traceorder="normal"),
        height=max(300, (30 if value == "gap" else 46) * len(idx) + 180))
    fig.update_xaxes(showgrid=True, gridcolor="#eee")
    return fig


def key_drivers(rows: Dict[str, List[Any]], r_squared: float, outcome: str, note: str) -> Any:
    """Each driver's share of R² (most important first)."""
    go = _plotly()
    share = [s if s is not None else 0.0 for s in rows["share"]]
    fig = go.Figure(go.Bar(
        y=rows["driver"], x=share, orientation="h", name="share of R²", marker_color="#5b7fb3",
        text=[f"{s:.0%}" for s in share], textposition="outside", cliponaxis=False,
        customdata=list(zip(rows["importance"], rows["r_squared_alone"])),
        hovertemplate="%{y}: %{x:.1%} of R² (importance %{customdata[0]:.4f}, R² alone %{customdata[1]:.4f})"
                      "<extra></extra>"))
    fig.update_layout(
        title=dict(text=f"Key drivers of {outcome}: R² = {r_squared:.3f}<br><sup>share of R² (Shapley decomposition, "
                        f"LMG); {note}</sup>"),
        xaxis=dict(tickformat=".0%", title="share of R²", rangemode="tozero", showgrid=True, gridcolor="#eee"),
        yaxis=dict(autorange="reversed", automargin=True, ticksuffix="  ", title="driver"), plot_bgcolor="white",
        height=max(280, 34 * len(rows["driver"]) + 160))
    return fig
