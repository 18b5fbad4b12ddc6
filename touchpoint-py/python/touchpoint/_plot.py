"""Plots (plotly, imported lazily)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional


def _plotly() -> Any:
    try:
        import plotly.graph_objects as go
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("touchpoint plots need plotly: pip install plotly") from e
    return go


def credits_bar(results: List[Any], *, value: bool = False) -> Any:
    """Grouped bar chart of credited conversions (or value) per touchpoint, one bar per model."""
    go = _plotly()
    fig = go.Figure()
    key = "value" if value else "conversions"
    for r in results:
        d = r._native.to_table().to_pydict()
        err = None
        if key == "conversions" and d.get("lower") is not None and any(x is not None for x in d["lower"]):
            # bootstrap intervals (attribute(..., bootstrap=B))
            err = dict(type="data", symmetric=False,
                       array=[(u - c) if u is not None else 0.0 for u, c in zip(d["upper"], d[key])],
                       arrayminus=[(c - lo) if lo is not None else 0.0 for lo, c in zip(d["lower"], d[key])])
        fig.add_trace(go.Bar(name=r.model, x=d["touchpoint"], y=d[key], error_y=err))
    bars = any(t.error_y is not None and t.error_y.array is not None for t in fig.data)
    title = f"Credited {key} by touchpoint" + (" (bars: bootstrap intervals)" if bars else "")
    fig.update_layout(barmode="group", title=title, xaxis_title="touchpoint",
                      yaxis_title=f"credited {key}")
    return fig


def segment_bars(table: Any, model: Optional[str] = None) -> Any:
    """Credited conversions per touchpoint, one bar group per segment, with the bootstrap
    interval as error bars when the table has one."""
    go = _plotly()
    models = list(dict.fromkeys(table["model"]))
    model = model or models[0]
    t = table[table["model"] == model]
    order = t.groupby("touchpoint")["conversions"].sum().sort_values(ascending=False).index.tolist()
    fig = go.Figure()
    for seg in sorted(set(t["segment"])):
        s = t[t["segment"] == seg].set_index("touchpoint").reindex(order)
        err = None
        if "lower" in s.columns and s["lower"].notna().any():
            err = dict(type="data", symmetric=False, array=(s["upper"] - s["conversions"]).tolist(),
                       arrayminus=(s["conversions"] - s["lower"]).tolist())
        fig.add_trace(go.Bar(name=seg, x=order, y=s["conversions"].tolist(), error_y=err))
    fig.update_layout(barmode="group", title=f"Credited conversions by touchpoint and segment ({model})",
                      xaxis_title="touchpoint", yaxis_title="credited conversions", legend_title="segment")
    return fig


def sankey(nodes: Dict[str, List[Any]], links: Dict[str, List[Any]]) -> Any:
    """Sankey diagram from the core's step-indexed flows."""
    go = _plotly()
    fig = go.Figure(go.Sankey(
        node=dict(label=nodes["label"], pad=12, thickness=14),
        link=dict(source=links["source"], target=links["target"], value=links["journeys"],
                  customdata=links["conversions"], hovertemplate="%{value:.0f} journeys, %{customdata:.0f} converted"),
    ))
    fig.update_layout(title="Customer journeys, step by step")
    return fig


def graph(nodes: Dict[str, List[Any]], edges: Dict[str, List[Any]], min_probability: float) -> Any:
    """Layered drawing of the journey graph: x = shortest number of steps from the start."""
    go = _plotly()
    ids = list(nodes["node_id"]) + [1, 2]
    labels = dict(zip(nodes["node_id"], nodes["label"]))
    labels[1], labels[2] = "(conversion)", "(null)"
    adj: Dict[int, List[int]] = {}
    for s, t, p in zip(edges["source_id"], edges["target_id"], edges["probability"]):
        if p >= min_probability:
            adj.setdefault(s, []).append(t)
    depth = {0: 0}
    queue = [0]
    while queue:
        n = queue.pop(0)
        for t in adj.get(n, []):
            if t not in depth and t not in (1, 2):
                depth[t] = depth[n] + 1
                queue.append(t)
    last = max(depth.values(), default=0) + 1
    depth[1], depth[2] = last, last
    rows: Dict[int, int] = {}
    pos = {}
    for n in ids:
        d = depth.get(n, last - 1 if last > 1 else 1)
        rows[d] = rows.get(d, 0) + 1
        pos[n] = (d, rows[d])
    fig = go.Figure()
    for s, t, p in zip(edges["source_id"], edges["target_id"], edges["probability"]):
        if p < min_probability or s not in pos or t not in pos:
            continue
        (x0, y0), (x1, y1) = pos[s], pos[t]
        fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", line=dict(width=0.5 + 6 * p),
                                 hoverinfo="text", text=f"{labels[s]} → {labels[t]}: {p:.1%}", showlegend=False))
    fig.add_trace(go.Scatter(x=[pos[n][0] for n in ids], y=[pos[n][1] for n in ids], mode="markers+text",
                             text=[labels[n] for n in ids], textposition="top center", showlegend=False))
    fig.update_layout(title="Journey graph", xaxis=dict(visible=False), yaxis=dict(visible=False))
    return fig


def budget_curves(curves: List[Any], spend: List[float], points: int) -> Any:
    """Each response curve with its chosen spend marked."""
    go = _plotly()
    fig = go.Figure()
    top = max([s for s in spend] + [1.0]) * 1.5
    xs = [top * i / (points - 1) for i in range(points)]
    for c, s in zip(curves, spend):
        fig.add_trace(go.Scatter(x=xs, y=c(xs), mode="lines", name=c.name))
        fig.add_trace(go.Scatter(x=[s], y=c([s]), mode="markers", marker=dict(size=10), name=f"{c.name}: {s:g}",
                                 showlegend=False))
    fig.update_layout(title="Response curves and the chosen spend", xaxis_title="spend", yaxis_title="response")
    return fig


def _ms_text(ms: Any) -> str:
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
                      yaxis=dict(autorange="reversed", automargin=True, ticksuffix="  "), plot_bgcolor="white",
                      height=max(300, (60 if len(names) == 1 else 28 * len(names)) * n + 160),
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
    fig.update_layout(title=title, xaxis_title="step", plot_bgcolor="white", yaxis=dict(autorange="reversed", automargin=True),
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
    fig.update_layout(title=title, xaxis_title="periods since start", yaxis=dict(autorange="reversed", automargin=True,
                                                                              type="category"),
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
        xaxis=dict(range=[-105, 105], title=net, zeroline=True, zerolinecolor="#888", showgrid=True, gridcolor="#eee"),
        yaxis=dict(autorange="reversed", automargin=True, ticksuffix="  "), plot_bgcolor="white",
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
        yaxis=dict(autorange="reversed", automargin=True, ticksuffix="  "),
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
        xaxis: Dict[str, Any] = dict(title="conversions")
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
        yaxis=dict(autorange="reversed", automargin=True, ticksuffix="  "),
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
        yaxis=dict(autorange="reversed", automargin=True, ticksuffix="  "), plot_bgcolor="white",
        height=max(280, 34 * len(rows["driver"]) + 160))
    return fig
