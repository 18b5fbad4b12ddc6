"""The plotly figures: properties of the figure objects (layout of the journey graph, colours of
the Sankey, order and titles of the bars, budget markers, titles and axis titles everywhere)."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Dict, List, Tuple

import pandas as pd
import plotly.graph_objects as go
import pytest

import touchpoint as tp
from touchpoint import _plot
from touchpoint.exceptions import InputTypeError

NODE_TRACES = ("states", "start", "conversion", "null")


@pytest.fixture(scope="module")
def journeys() -> tp.Journeys:
    return tp.Journeys.from_events(tp.demo.events(customers=2000), lookback="30d")


@pytest.fixture(scope="module")
def graph1(journeys: tp.Journeys) -> tp.JourneyGraph:
    return tp.JourneyGraph(journeys)


@pytest.fixture(scope="module")
def graph2(journeys: tp.Journeys) -> tp.JourneyGraph:
    return tp.JourneyGraph(journeys, order=2)


# ---------------------------------------------------------------------------------------------
# helpers reading a drawn graph back


def nodes_of(fig: Any) -> Dict[int, Dict[str, Any]]:
    """node id -> kind (trace name), layer, x, y, radius (px), colour, hover text."""
    out = {}
    for t in fig.data:
        if t.name not in NODE_TRACES:
            continue
        colors = t.marker.color if isinstance(t.marker.color, (list, tuple)) else [t.marker.color] * len(t.x)
        for (nid, layer), x, y, size, c, h in zip(t.customdata, t.x, t.y, t.marker.size, colors, t.hovertext):
            out[int(nid)] = dict(kind=t.name, layer=int(layer), x=x, y=y, r=size / 2, color=c, hover=h)
    return out


def edges_of(fig: Any) -> List[Any]:
    return [t for t in fig.data if t.mode == "lines"]


def arrows_of(fig: Any) -> List[Any]:
    return [a for a in fig.layout.annotations if a.showarrow]


def subtitle_count(fig: Any, pattern: str) -> int:
    m = re.search(pattern, fig.layout.title.text)
    assert m is not None, (pattern, fig.layout.title.text)
    return int(m.group(1))


# ---------------------------------------------------------------------------------------------
# JourneyGraph.draw


@pytest.mark.parametrize("order", [1, 2])
def test_draw_is_layered_left_to_right(journeys: tp.Journeys, order: int) -> None:
    fig = tp.JourneyGraph(journeys, order=order).draw()
    nodes = nodes_of(fig)
    by_layer: Dict[int, List[float]] = {}
    for n in nodes.values():
        by_layer.setdefault(n["layer"], []).append(n["x"])
    layers = sorted(by_layer)
    assert layers == list(range(len(layers))) and len(layers) >= 3
    for at in layers:  # one column per layer ...
        assert max(by_layer[at]) == min(by_layer[at])
    xs = [by_layer[at][0] for at in layers]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # ... and x grows with the layer
    start = [n for n in nodes.values() if n["kind"] == "start"]
    ends = [n for n in nodes.values() if n["kind"] in ("conversion", "null")]
    others = [n for n in nodes.values() if n["kind"] == "states"]
    assert len(start) == 1 and start[0]["layer"] == 0 and len(ends) == 2
    assert start[0]["x"] < min(n["x"] for n in others)
    assert all(n["layer"] == layers[-1] for n in ends) and min(n["x"] for n in ends) > max(n["x"] for n in others)
    conv = next(n for n in ends if n["kind"] == "conversion")
    null = next(n for n in ends if n["kind"] == "null")
    assert conv["y"] > null["y"]  # conversion top right, null bottom right
    # nodes of a layer are spread evenly in y
    for at in layers:
        ys = sorted(n["y"] for n in nodes.values() if n["layer"] == at)
        gaps = [b - a for a, b in zip(ys, ys[1:])]
        assert all(g == pytest.approx(gaps[0]) for g in gaps)
    # the layers are not just one tall column: no layer holds more than half of the states
    assert max(sum(1 for n in others if n["layer"] == at) for at in layers) <= max(8, len(others) // 2)


def test_draw_arrows_one_per_edge_shown(graph1: tp.JourneyGraph) -> None:
    t = graph1.transitions()
    for threshold in (0.02, 0.1, 0.3):
        fig = graph1.draw(min_probability=threshold)
        expected = int((t.probability >= threshold).sum())
        assert len(edges_of(fig)) == expected
        assert len(arrows_of(fig)) == expected
        assert subtitle_count(fig, r"(\d+) of \d+ transitions shown") == expected
        # each arrow points at its edge's target node
        nodes = nodes_of(fig)
        tips = sorted((round(a.x, 6), round(a.y, 6)) for a in arrows_of(fig))
        targets = sorted((round(nodes[e.meta[1]]["x"], 6), round(nodes[e.meta[1]]["y"], 6)) for e in edges_of(fig))
        assert tips == targets


def test_draw_subtitle_counts_the_hidden_edges(graph1: tp.JourneyGraph) -> None:
    t = graph1.transitions()
    for threshold in (0.0, 0.02, 0.1, 0.25):
        fig = graph1.draw(min_probability=threshold)
        assert subtitle_count(fig, r"(\d+) edges below") == int((t.probability < threshold).sum())
        assert f"below {100 * threshold:g}%" in fig.layout.title.text
    assert "min_probability" in graph1.draw().layout.title.text


def test_draw_nodes_coloured_by_p_conversion_and_sized_by_visits(graph1: tp.JourneyGraph) -> None:
    fig = graph1.draw()
    nodes = nodes_of(fig)
    table = graph1.nodes()
    p = dict(zip(table.node_id, table.conversion_probability))
    visits = dict(zip(table.node_id, table.visits))
    states = {k: n for k, n in nodes.items() if n["kind"] in ("states", "start")}
    assert set(states) == set(p)
    for k, n in states.items():
        assert n["color"] == pytest.approx(p[k])
    # one continuous colour scale, with a colour bar titled P(conversion)
    for t in fig.data:
        if t.name in ("states", "start"):
            assert t.marker.coloraxis == "coloraxis"
    assert fig.layout.coloraxis.colorbar.title.text == "P(conversion)"
    assert fig.layout.coloraxis.cmin == 0 and fig.layout.coloraxis.cmax >= max(p.values())
    # size: sqrt of visits (monotone), the start (all journeys) the biggest
    ordered = sorted(states, key=lambda k: visits[k])
    sizes = [states[k]["r"] for k in ordered]
    assert sizes == sorted(sizes)
    r_max, v_max = states[0]["r"], visits[0]
    for k in ordered:
        assert (2 * states[k]["r"] - 14) / (2 * r_max - 14) == pytest.approx(math.sqrt(visits[k] / v_max))


def test_draw_outcome_and_start_nodes_stand_out(graph1: tp.JourneyGraph) -> None:
    fig = graph1.draw()
    traces = {t.name: t for t in fig.data if t.name in NODE_TRACES}
    assert traces["conversion"].marker.color == _plot._CONVERSION_COLOR
    assert traces["null"].marker.color == _plot._NULL_COLOR
    assert traces["start"].marker.symbol == "diamond" and traces["states"].marker.symbol is None
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert fig.layout.title.text.startswith("Journey graph — Markov order 1")
    labels = [a.text for a in fig.layout.annotations if not a.showarrow]
    for name in ("(start)", "(conversion)", "(null)", "website", "search ad"):
        assert name in labels


def test_draw_edge_width_grows_with_probability(graph1: tp.JourneyGraph) -> None:
    fig = graph1.draw(min_probability=0.02)
    pw = sorted((e.meta[2], e.line.width) for e in edges_of(fig))
    for (p0, w0), (p1, w1) in zip(pw, pw[1:]):
        assert w1 >= w0 and (p1 == p0 or w1 > w0)
    # the arrow of an edge is as wide as its line
    assert sorted(a.arrowwidth for a in arrows_of(fig)) == sorted(w for _, w in pw)


def test_draw_edges_do_not_run_through_nodes(journeys: tp.Journeys) -> None:
    for order, threshold in ((1, 0.1), (1, 0.02), (2, 0.1)):
        fig = tp.JourneyGraph(journeys, order=order).draw(min_probability=threshold)
        nodes = nodes_of(fig)
        for e in edges_of(fig):
            source, target, _ = e.meta
            for k, n in nodes.items():
                if k in (source, target):
                    continue
                closest = min(math.hypot(x - n["x"], y - n["y"]) for x, y in zip(e.x, e.y))
                assert closest >= n["r"], (order, e.name, k)


def test_draw_labels_only_the_top_edges(graph1: tp.JourneyGraph) -> None:
    fig = graph1.draw()
    labels = [a.text for a in fig.layout.annotations if not a.showarrow and a.text.endswith("%")]
    assert 0 < len(labels) <= 10
    t = graph1.transitions()
    t = t[t.probability >= 0.1].sort_values("count", ascending=False)
    busiest = {f"{100 * p:.0f}%" for p in t.probability.head(10)}
    assert set(labels) <= busiest
    # no label overlaps another label or a node
    boxes = []
    for a in fig.layout.annotations:
        if not a.showarrow:
            w, h = _plot._text_size(a.text, a.font.size)
            boxes.append((a.x - w / 2, a.y - h / 2, a.x + w / 2, a.y + h / 2))
    for i, b in enumerate(boxes):
        assert not any(_plot._overlaps(b, c) for c in boxes[i + 1:])
        for n in nodes_of(fig).values():
            assert not _plot._overlaps(b, _plot._disk_box(n["x"], n["y"], n["r"]))


def test_draw_hover_texts(graph1: tp.JourneyGraph) -> None:
    fig = graph1.draw()
    web = next(n for n in nodes_of(fig).values() if n["hover"].startswith("<b>website</b>"))
    row = graph1.nodes().set_index("label").loc["website"]
    for part in (f"visits {row.visits:,.0f}", f"P(conversion) {row.conversion_probability:.1%}",
                 f"drop-off rate {row.dropoff_rate:.1%}", "expected time to convert "):
        assert part in web["hover"]
    assert "expected time to convert —" not in web["hover"]
    hover = next(t for t in fig.data if t.name == "transitions")
    assert len(hover.x) == len(edges_of(fig))
    text = next(h for h in hover.hovertext if h.startswith("<b>search ad → website</b>"))
    tr = graph1.transitions()
    r = tr[(tr.source == "search ad") & (tr.target == "website")].iloc[0]
    assert f"count {r['count']:,.0f}" in text and f"probability {r.probability:.1%}" in text
    dwell = r["dwell_mean"] if "dwell_mean" in r.index else r["dwell_mean_ms"]  # either spelling of the core
    assert f"mean dwell {_plot._ms_text(dwell)}" in text


def test_draw_caps_the_states(graph2: tp.JourneyGraph) -> None:
    table = graph2.nodes()
    states = table[table.kind == "state"].sort_values(["visits", "node_id"], ascending=[False, True])
    assert len(states) > 30
    for cap in (30, 12):
        fig = graph2.draw(max_nodes=cap)
        drawn = {k for k, n in nodes_of(fig).items() if n["kind"] == "states"}
        assert drawn == set(states.node_id.head(cap))
        assert f"the {cap} most visited of {len(states)} states drawn (max_nodes)" in fig.layout.title.text
    # ~30 nodes stay readable: a figure of sensible size, every label inside it
    fig = graph2.draw()
    assert fig.layout.height <= 900 and fig.layout.width <= 1800
    for a in fig.layout.annotations:
        if not a.showarrow:
            assert 0 <= a.x <= fig.layout.xaxis.range[1] and 0 <= a.y <= fig.layout.yaxis.range[1]


def test_draw_self_loops(journeys: tp.Journeys) -> None:
    g = tp.JourneyGraph.directly_follows(journeys)
    t = g.transitions()
    loops = int((t.source == t.target).sum())
    assert loops > 0
    fig = g.draw(min_probability=0.0)
    assert len(edges_of(fig)) == len(arrows_of(fig)) == len(t) - loops
    assert f"{loops} self-loops" in fig.layout.title.text
    assert any("repeats (self-loop, not drawn)" in n["hover"] for n in nodes_of(fig).values())


def spellings(cols: Dict[str, List[Any]], name: str, timedelta: Any) -> Tuple[Dict[str, List[Any]], ...]:
    """The columns with duration ``name`` spelled both ways: ``name_ms`` (milliseconds) and
    ``name`` (timedelta-typed, made by ``timedelta(ms)``, missing as ``None``)."""
    values = cols[name] if name in cols else cols[f"{name}_ms"]
    ms = [_plot._as_ms(v) for v in values]
    as_ms, as_td = dict(cols), dict(cols)
    for d in (as_ms, as_td):
        d.pop(name, None)
        d.pop(f"{name}_ms", None)
    as_ms[f"{name}_ms"] = ms
    as_td[name] = [timedelta(v) for v in ms]
    return as_ms, as_td


def test_draw_reads_timedelta_columns(graph1: tp.JourneyGraph) -> None:
    """The core's ``*_ms`` columns become timedelta-typed columns without the suffix: both
    spellings draw the same figure."""
    nodes = graph1._native.nodes().to_pydict()
    edges = graph1._native.transitions().to_pydict()
    n_ms, n_td = spellings(nodes, "expected_time_to_convert",
                           lambda v: None if v is None else dt.timedelta(milliseconds=v))
    e_ms, e_td = spellings(edges, "dwell_mean", lambda v: pd.NaT if v is None else pd.Timedelta(milliseconds=v))

    def hovers(f: Any) -> List[Tuple[str, ...]]:
        return [tuple(t.hovertext) for t in f.data if t.hovertext is not None]

    base = _plot.graph(n_ms, e_ms, 0.1)
    assert hovers(_plot.graph(n_td, e_td, 0.1)) == hovers(base)
    assert any("mean dwell —" in h for hs in hovers(base) for h in hs)  # the start's edges: no dwell
    assert not all("mean dwell —" in h for hs in hovers(base) for h in hs if "mean dwell" in h)
    assert any("expected time to convert " in h and "—" not in h for hs in hovers(base) for h in hs)


def test_duration_helpers() -> None:
    import numpy as np

    assert _plot._as_ms(1500) == 1500.0
    assert _plot._as_ms(dt.timedelta(seconds=2)) == 2000.0
    assert _plot._as_ms(pd.Timedelta(minutes=1)) == 60_000.0
    assert _plot._as_ms(np.timedelta64(3, "s")) == 3000.0
    for missing in (None, float("nan"), pd.NaT, pd.NA, np.timedelta64("NaT")):
        assert _plot._as_ms(missing) is None
    assert _plot._durations_ms({"a_ms": [1.0, None]}, "a", 2) == [1.0, None]
    assert _plot._durations_ms({"a": [dt.timedelta(milliseconds=5)]}, "a", 1) == [5.0]
    assert _plot._durations_ms({}, "a", 2) == [None, None]
    assert _plot._ms_text(dt.timedelta(days=2)) == _plot._ms_text(172_800_000) == "2.0 d"


# ---------------------------------------------------------------------------------------------
# Sankey


def sankey_parts(graph: tp.JourneyGraph, **kw: Any) -> Tuple[Dict[str, List[Any]], Dict[str, List[Any]], Any]:
    nodes, links = graph._paths()._native.sankey(kw.get("max_steps", 5), kw.get("top_k", 8))
    return nodes.to_pydict(), links.to_pydict(), graph.sankey(**kw)


@pytest.mark.parametrize("kw", [{}, {"max_steps": 3, "top_k": 4}])
def test_sankey_one_colour_per_touchpoint(graph1: tp.JourneyGraph, kw: Dict[str, int]) -> None:
    nodes, _, fig = sankey_parts(graph1, **kw)
    colors = fig.data[0].node.color
    by_tp: Dict[str, set] = {}
    for t, c in zip(nodes["touchpoint"], colors):
        if t is not None:
            by_tp.setdefault(t, set()).add(c)
    assert all(len(c) == 1 for c in by_tp.values())
    assert len({next(iter(c)) for c in by_tp.values()}) == len(by_tp)  # touchpoints tell apart
    # keyed by the sorted names: the same touchpoint, the same colour, however the data is ordered
    palette = _plot._palette(list(by_tp))
    assert {t: next(iter(c)) for t, c in by_tp.items()} == palette
    assert palette == _plot._palette(sorted(by_tp, reverse=True))
    outcome = {lab: c for lab, s, c in zip(nodes["label"], nodes["step"], colors) if s is None}
    assert outcome == {"conversion": _plot._CONVERSION_COLOR, "no conversion": _plot._NULL_COLOR}
    assert all(c == _plot._OTHER_COLOR for t, s, c in zip(nodes["touchpoint"], nodes["step"], colors)
               if t is None and s is not None)
    # labels: the touchpoint (the step is the column, headed "step k")
    labels = fig.data[0].node.label
    assert [lab for lab, t in zip(labels, nodes["touchpoint"]) if t is not None] == [t for t in nodes["touchpoint"]
                                                                                     if t is not None]
    steps = max(s for s in nodes["step"] if s is not None)
    heads = [a.text for a in fig.layout.annotations]
    assert heads == [f"<b>step {k}</b>" for k in range(1, steps + 1)] + ["<b>outcome</b>"]


def test_sankey_links_coloured_by_outcome(graph1: tp.JourneyGraph) -> None:
    _, links, fig = sankey_parts(graph1)
    link = fig.data[0].link
    green, grey = _plot._rgba(_plot._CONVERSION_COLOR, 0.45), _plot._rgba(_plot._NULL_COLOR, 0.35)
    assert set(link.color) == {green, grey}
    parts: Dict[Tuple[int, int], Dict[str, float]] = {}
    for s, t, v, c in zip(link.source, link.target, link.value, link.color):
        parts.setdefault((s, t), {}).setdefault(c, 0.0)
        parts[(s, t)][c] += v
    for s, t, j, c in zip(links["source"], links["target"], links["journeys"], links["conversions"]):
        got = parts[(s, t)]
        assert got.get(green, 0.0) == pytest.approx(c) and got.get(grey, 0.0) == pytest.approx(j - c)
    assert "green = journeys that convert" in fig.layout.title.text


def test_sankey_without_outcomes_colours_links_by_source(graph1: tp.JourneyGraph) -> None:
    nodes, links, _ = sankey_parts(graph1)
    links = {k: v for k, v in links.items() if k != "conversions"}
    fig = _plot.sankey(nodes, links)
    node_colors = fig.data[0].node.color
    for s, c in zip(fig.data[0].link.source, fig.data[0].link.color):
        assert c == _plot._rgba(node_colors[s], 0.4)


# ---------------------------------------------------------------------------------------------
# bars


def test_credits_bar_sorted_and_titled(journeys: tp.Journeys) -> None:
    res = tp.attribute(journeys, model="markov", order=2, bootstrap=20)
    fig = res.plot()
    (bar,) = fig.data
    assert list(bar.y) == sorted(bar.y, reverse=True)
    credits = res.credits
    assert list(bar.x) == sorted(credits, key=lambda t: -credits[t])
    assert bar.name == "markov_2" and bar.error_y.array is not None
    title = fig.layout.title.text
    assert title.startswith("Credited conversions — Markov order 2 (markov_2)") and "bootstrap" in title
    assert fig.layout.xaxis.title.text == "touchpoint" and fig.layout.yaxis.title.text == "credited conversions"
    value = res.plot(value=True)
    assert value.layout.title.text.startswith("Credited value — Markov order 2")
    assert "value" in value.layout.yaxis.title.text
    assert list(value.data[0].y) == sorted(value.data[0].y, reverse=True)
    linear = tp.attribute(journeys, model="linear").plot()
    assert linear.layout.title.text.startswith("Credited conversions — linear<")


def test_comparison_bars_use_the_table_columns(journeys: tp.Journeys) -> None:
    cmp = tp.compare(journeys, models=["first", "last", "markov", "markov"])
    table = cmp.to_pandas()
    fig = cmp.plot()
    assert [t.name for t in fig.data] == list(table.columns[1:]) == ["first", "last", "markov_1", "markov_1_2"]
    mean = table.set_index("touchpoint").mean(axis=1).sort_values(ascending=False, kind="stable")
    for t in fig.data:
        assert list(t.x) == list(mean.index)
    assert "markov_1" in fig.layout.title.text and "Markov order 1" in fig.layout.title.text
    assert len({t.marker.color for t in fig.data}) == len(fig.data)
    assert fig.layout.yaxis.title.text == "credited conversions"
    many = tp.compare(journeys, models=["first", "last", "linear", "position", "markov"], order=3).plot()
    assert "Markov order 3 (markov_3)" in many.layout.title.text


def test_segment_bars_sorted_and_titled() -> None:
    res = tp.attribute_by_segment(tp.Events.demo(customers=1500), "first_channel", models=["markov", "last"],
                                  bootstrap=20)
    fig = res.plot()
    table = res.to_pandas()
    t = table[table.model == "markov_1"]
    total = t.groupby("touchpoint")["conversions"].sum()
    order = list(fig.data[0].x)
    assert [total[x] for x in order] == sorted(total.values, reverse=True)
    assert [tr.name for tr in fig.data] == sorted(set(t.segment))
    assert "Markov order 1 (markov_1)" in fig.layout.title.text
    assert fig.layout.yaxis.title.text == "credited conversions" and fig.layout.xaxis.title.text == "touchpoint"
    assert "— last" in res.plot("last").layout.title.text
    with pytest.raises(InputTypeError, match="markov_1"):
        res.plot("markov")


# ---------------------------------------------------------------------------------------------
# budget


def test_budget_markers_match_their_curves() -> None:
    curves = [tp.Hill(name="search", beta=100, alpha=3, gamma=30),
              tp.Hill(name="social", beta=140, alpha=2.5, gamma=50), tp.Hill(name="tv", beta=220, alpha=3, gamma=80)]
    plan = tp.allocate_budget(curves, budget=150)
    today = [60.0, 40.0, 50.0]
    fig = plan.plot(current=today)
    lines = {t.name: t for t in fig.data if t.mode == "lines"}
    assert list(lines) == ["search", "social", "tv"]
    markers = [t for t in fig.data if t.mode == "markers"]
    assert len(markers) == 6
    for t in markers:
        curve, what = t.name.split(": ")
        color = lines[curve].line.color
        if what == "suggested spend":
            assert t.marker.color == color
            assert t.x[0] == plan.allocation[curve]
        else:
            assert what == "today's spend" and t.marker.line.color == color
            assert t.x[0] == today[[c.name for c in curves].index(curve)]
    texts = {a.text: a for a in fig.layout.annotations}
    for c in curves:
        a = texts[f"suggested {plan.allocation[c.name]:,.4g}"]
        assert a.font.color == lines[c.name].line.color and a.x == plan.allocation[c.name]
    assert fig.layout.xaxis.title.text == "spend" and fig.layout.yaxis.title.text == "expected conversions"
    assert "suggested spend" in fig.layout.title.text
    assert len([t for t in plan.plot().data if t.mode == "markers"]) == 3  # no today's spend given


# ---------------------------------------------------------------------------------------------
# every figure: a title and axis titles


def titled(fig: Any, *axes: str) -> None:
    assert fig.layout.title.text, "no title"
    for ax in axes:
        assert getattr(fig.layout, ax).title.text, f"no {ax} title"


def test_every_figure_has_titles(journeys: tp.Journeys, graph1: tp.JourneyGraph) -> None:
    ev = tp.Events.demo(customers=1500)
    titled(tp.stage_funnel(ev).plot(), "xaxis", "yaxis")
    titled(tp.funnel(tp.demo.events(customers=1500), ["search ad", "website"], segment="first_channel",
                     catalog=tp.demo.catalog()).plot(), "xaxis", "yaxis")
    titled(tp.step_matrix(ev, 6).plot(), "xaxis", "yaxis")
    titled(tp.retention(ev, period="week", alignment="calendar").plot(), "xaxis", "yaxis")
    exp = tp.experience(ev, catalog=tp.demo.catalog())
    titled(exp.plot(), "xaxis", "yaxis")
    titled(exp.plot_stages(), "xaxis", "yaxis")
    conv = tp.experience_conversion(ev)
    titled(conv.plot(), "xaxis", "yaxis")
    titled(conv.plot(value="gap"), "xaxis", "yaxis")
    titled(tp.key_drivers(ev, missing="impute_mean").plot(), "xaxis", "yaxis")
    titled(tp.experience(ev, segment="first_channel", catalog=tp.demo.catalog()).plot(), "xaxis", "yaxis")
    titled(tp.attribute(journeys).plot(), "xaxis", "yaxis")
    titled(graph1.sankey())
    titled(graph1.draw())
    for fig in (graph1.draw(), graph1.sankey(), tp.attribute(journeys).plot()):
        assert isinstance(fig, go.Figure)
