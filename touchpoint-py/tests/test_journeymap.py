"""Funnels, the step matrix, retention and repurchase through the Python API: every number of
ORACLES E9 and E10 in pandas, polars and pyarrow; an independent pure-Python brute force of the
funnel checked against the core on random logs; the issue's properties; options, errors,
segments, figures and HTML."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import touchpoint as tp
from touchpoint.exceptions import ColumnNotFoundError, InputTypeError, OptionError, UnknownTouchpointError

DAY = dt.timedelta(days=1)
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)

E9 = {
    "u1": [(0, "A"), (1, "B"), (2, "C")],
    "u2": [(0, "A"), (1, "C"), (2, "B")],
    "u3": [(0, "B"), (1, "A"), (5, "B"), (20, "C")],
    "u4": [(0, "A"), (15, "A"), (16, "B"), (17, "C")],
    "u5": [(0, "C")],
    "u6": [(0, "A"), (3, "B"), (4, "X"), (5, "C")],
}

E10 = {"c1": (0, [1, 3]), "c2": (0, [2]), "c3": (1, [2, 3]), "c4": (1, []), "c5": (2, [3])}


def frame(rows, kind: str):
    """rows: (customer, touchpoint or None, day offset or datetime, converted)."""
    d = {
        "customer_id": [r[0] for r in rows],
        "touchpoint": [r[1] for r in rows],
        "timestamp": [r[2] if isinstance(r[2], dt.datetime) else T0 + r[2] * DAY for r in rows],
        "converted": [r[3] for r in rows],
    }
    if kind == "pandas":
        return pd.DataFrame(d)
    if kind == "polars":
        return pl.DataFrame(d)
    return pa.table(d)


def e9_rows():
    return [(c, tp_, d, False) for c, evs in E9.items() for d, tp_ in evs]


def e10_rows(purchases: bool = False):
    rows = []
    for c, (start, returns) in E10.items():
        rows.append((c, "browse" if purchases else "app", start, False))
        if purchases:
            rows.append((c, None, start, True))
        for d in returns:
            rows.append((c, None if purchases else "web", d, purchases))
    return rows


def rows_of(f):
    return pa.table(f).to_pylist()


KINDS = ("pandas", "polars", "pyarrow")


@pytest.mark.parametrize("kind", KINDS)
def test_e9_every_number(kind):
    df = frame(e9_rows(), kind)
    f = tp.funnel(df, ["A", "B", "C"], window="10d")
    out = f.to_frame()
    assert type(out).__module__.split(".")[0] == {"pandas": "pandas", "polars": "polars", "pyarrow": "pyarrow"}[kind]
    r = rows_of(f)
    assert [x["units"] for x in r] == [5, 5, 3]
    assert [x["step_rate"] for x in r] == [None, 1.0, 0.6]
    assert [x["drop_off"] for x in r] == [None, 0, 2]
    assert [round(x["reach"], 6) for x in r] == [round(5 / 6, 6), round(5 / 6, 6), 0.5]
    assert r[2]["time_from_first_median"] == 2 * DAY and r[2]["time_from_first_mean"] == 3 * DAY
    s = pa.table(f.summary).to_pylist()[0]
    assert (s["units"], s["entered"], s["not_entered"], s["excluded"], s["completed"]) == (6, 5, 1, 0, 3)
    assert s["conversion_rate"] == pytest.approx(0.6)

    def counts(**kw):
        return [x["units"] for x in rows_of(tp.funnel(df, ["A", "B", "C"], window=dt.timedelta(days=10), **kw))]

    assert counts(mode="strict") == [5, 4, 2]
    assert counts(mode="any_order") == [5, 5, 4]
    assert counts(exclude=[("X", 2, 3)]) == [4, 4, 2]
    assert counts(exclude=[{"step": "X", "after": 2, "before": 3}]) == [4, 4, 2]
    strict = rows_of(tp.funnel(df, ["A", "B", "C"], window="10d", mode="strict"))
    assert [x["step_rate"] for x in strict] == [None, 0.8, 0.5]
    ex = tp.funnel(df, ["A", "B", "C"], window="10d", exclude=[("X", 2, 3)])
    exs = pa.table(ex.summary).to_pylist()[0]
    assert (exs["excluded"], exs["conversion_rate"]) == (1, 0.5)


@pytest.mark.parametrize("kind", KINDS)
def test_e10_retention_and_repurchase(kind):
    for alignment in ("rolling", "calendar"):
        r = tp.retention(frame(e10_rows(), kind), alignment=alignment)
        m = pa.table(r.mean).to_pylist()
        assert [x["weighted_mean"] for x in m] == [1.0, 0.6, 0.5, 0.5]
        assert m[1]["simple_mean"] == pytest.approx(2 / 3, abs=1e-12)
        assert [(x["retained"], x["observed"]) for x in m[1:]] == [(3, 5), (2, 4), (1, 2)]
        tri = pa.table(r.matrix()).to_pydict()
        assert tri["cohort_size"] == [2, 2, 1]
        assert tri["1"] == [0.5, 0.5, 1.0]
        assert tri["2"] == [0.5, 0.5, None]  # not yet observed: missing, never 0
        assert tri["3"] == [0.5, None, None]
        after = pa.table(tp.retention(frame(e10_rows(), kind), alignment=alignment,
                                      returned="on_or_after").matrix()).to_pydict()
        assert (after["1"], after["2"], after["3"]) == ([1.0, 0.5, 1.0], [1.0, 0.5, None], [0.5, None, None])
    rep = tp.repurchase(frame(e10_rows(purchases=True), kind), period="day")
    m = pa.table(rep.retention.mean).to_pylist()
    assert [x["weighted_mean"] for x in m] == [1.0, 0.6, 0.5, 0.5]
    s = rep.summary
    assert (s["buyers"], s["repeat_buyers"], s["purchases"]) == (5, 4, 11)
    assert s["time_between_purchases"]["median"] == DAY
    assert pa.table(rep.gaps).to_pydict() == {"periods": [1, 2], "gaps": [4, 2], "share": [4 / 6, 2 / 6]}


def test_events_object_is_reused_and_journeys_are_units():
    ev = tp.Events.from_frame(frame(e9_rows(), "pyarrow"))
    assert (len(ev), ev.customers) == (19, 6)
    assert [x["units"] for x in rows_of(tp.funnel(ev, ["A", "B", "C"], window="10d"))] == [5, 5, 3]
    rows = [("a", "ad", 0, False), ("a", None, 1, True), ("a", "ad", 2, False), ("a", "site", 3, False)]
    df = frame(rows, "pandas")
    j = tp.Journeys.from_events(df)
    f = tp.funnel(j, ["ad", "conversion"])
    assert f.unit == "journey" and [x["units"] for x in rows_of(f)] == [2, 1]
    assert [x["units"] for x in rows_of(tp.funnel(df, ["ad", "conversion"], unit="journey"))] == [2, 1]
    assert [x["units"] for x in rows_of(tp.funnel(df, ["ad", "conversion"]))] == [1, 1]


def test_stage_funnel_with_a_catalog():
    rows = [("a", "ad", 0, False), ("a", "site", 1, False), ("a", None, 2, True), ("a", "survey", 3, False),
            ("b", "ad", 0, False), ("c", "site", 0, False)]
    cat = {"ad": {"stage": "awareness"}, "site": {"stage": "purchase"}, "survey": {"stage": "after_sales"}}
    f = tp.stage_funnel(frame(rows, "pandas"), catalog=cat)
    assert f.steps == ["stage:awareness", "stage:purchase", "conversion", "stage:after_sales"]
    assert f.stages_without_touchpoints == ["first_interaction"]
    assert [x["units"] for x in rows_of(f)] == [2, 1, 1, 1]
    assert "no touchpoint of the data has stage first_interaction" in str(f)
    assert "left out of the steps" in f._repr_html_()
    with pytest.raises(OptionError, match="no steps given and the catalog has no stages"):
        tp.funnel(frame(rows, "pandas"))
    with pytest.raises(OptionError, match=r"stage:first_interaction.*stages present: awareness, purchase, after_sales"):
        tp.funnel(frame(rows, "pandas"), ["stage:first_interaction"], catalog=cat)
    # a set of touchpoints as one step
    assert [x["units"] for x in rows_of(tp.funnel(frame(rows, "pandas"), [["ad", "site"], "conversion"]))] == [3, 1]


def test_segments():
    rows = e9_rows()
    region = {"u1": "north", "u2": "north", "u3": "south", "u4": "south", "u5": "south", "u6": "north"}
    df = frame(rows, "pandas")
    df["region"] = [region[c] for c in df["customer_id"]]
    f = tp.funnel(df, ["A", "B", "C"], window="10d", segment="region")
    got = {(r["segment"], r["step"]): r["units"] for r in rows_of(f)}
    for seg in ("north", "south"):
        alone = df[df["region"] == seg].drop(columns="region")
        want = [x["units"] for x in rows_of(tp.funnel(alone, ["A", "B", "C"], window="10d"))]
        assert [got[(seg, k)] for k in (1, 2, 3)] == want
    assert f.summary["segment"].tolist() == ["north", "south"]
    same = tp.funnel(df, ["A", "B", "C"], window="10d", segment=region)  # a dict customer -> label
    assert rows_of(same) == rows_of(f)
    per_row = tp.funnel(df, ["A", "B", "C"], window="10d", segment=df["region"].tolist())
    assert rows_of(per_row) == rows_of(f)
    with pytest.raises(ColumnNotFoundError, match="segment 'nope'"):
        tp.funnel(df, ["A"], segment="nope")
    with pytest.raises(OptionError, match="channel attribute"):
        tp.funnel(df, ["A"], segment="first_channel")
    r = tp.retention(df, segment="region")
    assert set(pa.table(r.mean)["segment"].to_pylist()) == {"north", "south"}
    m = tp.step_matrix(df, 3, unit="customer", segment="region")
    d = pa.table(m.difference("north", "south")).to_pylist()
    for step in (1, 2, 3):
        assert abs(sum(x["difference"] for x in d if x["step"] == step)) < 1e-12


def test_step_matrix_wide_and_centred():
    df = frame([("a", "ad", 0, False), ("a", "site", 1, False), ("a", None, 2, True), ("b", "site", 0, False),
                ("b", "ad", 1, False)], "polars")
    m = tp.step_matrix(df, 3, unit="customer")
    wide = m.matrix()
    assert isinstance(wide, pl.DataFrame)
    d = wide.to_dict(as_series=False)
    for col in ("1", "2", "3"):
        assert sum(d[col]) == pytest.approx(1.0)
    c = tp.step_matrix(df, 2, unit="customer", centre="site")
    assert c.steps == [-2, -1, 0, 1, 2]
    cell = {(r["step"], r["state"]): r["share"] for r in rows_of(c)}
    assert cell[(0, "site")] == 1.0 and cell[(-1, "(before start)")] == 0.5 and cell[(1, "(conversion)")] == 0.5


def test_bad_input_is_a_typed_error_naming_the_value():
    df = frame(e9_rows(), "pandas")
    with pytest.raises(UnknownTouchpointError, match='"Q"'):
        tp.funnel(df, ["A", "Q"])
    with pytest.raises(OptionError, match="window") as e:
        tp.funnel(df, ["A", "B"], window="0d")
    assert e.value.kind == "invalid_option"
    with pytest.raises(OptionError, match="window"):
        tp.funnel(df, ["A", "B"], window=-5)
    with pytest.raises(OptionError, match="ordered, strict, any_order"):
        tp.funnel(df, ["A"], mode="sideways")
    with pytest.raises(OptionError, match="1 <= after < before <= 2"):
        tp.funnel(df, ["A", "B"], exclude=[("X", 2, 2)])
    with pytest.raises(OptionError, match="period"):
        tp.retention(df, period="0d")
    with pytest.raises(OptionError, match="period"):
        tp.retention(df, period="fortnight")
    with pytest.raises(OptionError, match="no customer has this start event"):
        tp.retention(df, start="conversion")
    with pytest.raises(UnknownTouchpointError, match='"nope"'):
        tp.retention(df, start="nope")
    with pytest.raises(InputTypeError, match="unexpected keyword"):
        tp.funnel(df, ["A"], windw="7d")
    with pytest.raises(OptionError, match="steps"):
        tp.step_matrix(df, 0)
    with pytest.raises(OptionError, match="returned"):
        tp.retention(df, returned="sometimes")


def test_text_html_and_figures():
    ev = tp.Events.demo(customers=1_500)
    f = tp.stage_funnel(ev)
    assert "1. stage:awareness" in str(f) and "<table" in f._repr_html_() and "Funnel(ordered" in repr(f)
    fig = f.plot()
    assert fig.data[0].type == "bar" and list(fig.data[0].x) == [r["units"] for r in rows_of(f)]
    assert list(fig.data[1].x)[1:] == [r["drop_off"] for r in rows_of(f)][1:]  # the lost units, stacked
    assert "median" in fig.layout.annotations[1].text and "lost" in fig.layout.annotations[1].text
    seg = tp.funnel(tp.demo.events(customers=1_500), ["search ad", "website"], segment="first_channel",
                    catalog=tp.demo.catalog())
    assert len(seg.plot().data) == len(seg.summary)
    assert max(max(t.x) for t in seg.plot().data) == 1.0  # segments compare rates by default
    assert max(max(t.x) for t in seg.plot(value="units").data) > 1
    r = tp.retention(ev, period="week", alignment="calendar")
    fig = r.plot()
    z = fig.data[0].z
    assert any(v is None for row in z for v in row)  # the unobserved corner is blank
    assert "Retention" in fig.layout.title.text and "weighted mean" in list(fig.data[0].y)
    assert "<table" in r._repr_html_() and "period 1" in repr(r)
    m = tp.step_matrix(ev, 6)
    assert m.plot().data[0].type == "heatmap" and "(ended)" in m._repr_html_()
    rep = tp.repurchase(ev)
    assert "bought again" in rep._repr_html_() and "buyers" in str(rep)


# ---------------------------------------------------------------------------------------------
# an independent brute force (pure Python) against the core


def brute(units, steps, mode, window):
    """Levels per customer by enumerating every attempt and every matching."""
    out = []
    for evs in units.values():
        evs = sorted(evs)
        best = 0
        for a, (t0, name) in enumerate(evs):
            if name != steps[0]:
                continue
            limit = t0 + window if window is not None else float("inf")

            def deepest(pos, j):
                if j == len(steps):
                    return j
                cands = [pos + 1] if mode == "strict" else range(pos + 1, len(evs))
                res = j
                for p in cands:
                    if p < len(evs) and evs[p][1] == steps[j] and evs[p][0] <= limit:
                        res = max(res, deepest(p, j + 1))
                return res

            if mode == "any_order":
                level = 1 + sum(any(evs[p][1] == s and evs[p][0] <= limit for p in range(a + 1, len(evs)))
                                for s in steps[1:])
            else:
                level = deepest(a, 1)
            best = max(best, level)
        out.append(best)
    return [sum(1 for lv in out if lv > k) for k in range(len(steps))]


events_st = st.lists(st.tuples(st.integers(0, 5), st.sampled_from("abcdx"), st.integers(0, 30)), min_size=1,
                     max_size=40)


@settings(max_examples=150)
@given(events_st, st.lists(st.sampled_from("abcd"), min_size=1, max_size=4),
       st.sampled_from(["ordered", "strict", "any_order"]), st.one_of(st.none(), st.integers(1, 15)))
def test_core_equals_python_brute_force(events, steps, mode, window):
    # distinct times per customer (ties are ordered by name in the core; the brute force sorts
    # (time, name) the same way, but keep it simple)
    seen = set()
    rows = []
    for c, name, t in events:
        if (c, t) in seen:
            continue
        seen.add((c, t))
        rows.append((f"u{c}", name, t, False))
    units = {}
    for c, name, t, _ in rows:
        units.setdefault(c, []).append((t, name))
    df = frame(rows, "pyarrow")
    cat = {n: {} for n in "abcdx"}
    got = [x["units"] for x in rows_of(tp.funnel(df, steps, mode=mode, window=None if window is None else window * DAY,
                                                 catalog=cat))]
    assert got == brute(units, steps, mode, window)


@settings(max_examples=80)
@given(events_st, st.lists(st.sampled_from("abcd"), min_size=1, max_size=4), st.one_of(st.none(), st.integers(1, 15)))
def test_funnel_and_retention_properties(events, steps, window):
    rows = [(f"u{c}", name, t, False) for c, name, t in events]
    df = frame(rows, "pandas")
    cat = {n: {} for n in "abcdx"}
    w = None if window is None else window * DAY

    def counts(mode, data=df):
        return [x["units"] for x in rows_of(tp.funnel(data, steps, mode=mode, window=w, catalog=cat))]

    strict, ordered, anyo = counts("strict"), counts("ordered"), counts("any_order")
    for k in range(len(steps)):
        assert strict[k] <= ordered[k] <= anyo[k]
        if k:
            assert ordered[k] <= ordered[k - 1]
    # a huge window is no window
    assert counts("ordered") == counts("ordered") and rows_of(tp.funnel(df, steps, window=None, catalog=cat)) == \
        rows_of(tp.funnel(df, steps, window=10**15, catalog=cat))
    # row order does not matter
    shuffled = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert counts("strict", shuffled) == strict
    r_on = pa.table(tp.retention(df)).to_pylist()
    r_after = pa.table(tp.retention(df, returned="on_or_after")).to_pylist()
    for a, b in zip(r_on, r_after):
        assert b["retained"] >= a["retained"]
    m = pa.table(tp.step_matrix(df, 4, unit="customer")).to_pylist()
    for step, cells in itertools.groupby(sorted(m, key=lambda x: x["step"]), key=lambda x: x["step"]):
        assert sum(c["share"] for c in cells) == pytest.approx(1.0)
