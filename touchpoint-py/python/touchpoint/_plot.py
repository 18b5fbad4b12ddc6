"""Plots (plotly, imported lazily)."""

from __future__ import annotations

from typing import Any, Dict, List


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
        fig.add_trace(go.Bar(name=r.model, x=d["touchpoint"], y=d[key]))
    fig.update_layout(barmode="group", title=f"Credited {key} by touchpoint", xaxis_title="touchpoint",
                      yaxis_title=f"credited {key}")
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
