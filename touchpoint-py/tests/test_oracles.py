"""Every number of ORACLES.md E1–E8 through the Python API.

Path-table examples run over every way a table can arrive (records, pandas, polars, pyarrow,
a CSV file read with ``tp.read_paths``); E8 runs over pandas, polars and pyarrow events and an
events CSV read with ``tp.Journeys.read_csv``. Tolerance 1e-6 unless ORACLES.md says otherwise.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

import touchpoint as tp
from conftest import (
    E1_ROWS,
    E2_MERGED_ROWS,
    E2_SPLIT_ROWS,
    E3_ROWS,
    E4_ROWS,
    E5_ROWS,
    E8_TOUCHPOINTS,
    FRAME_KINDS,
    as_pandas,
    assert_close,
    build_e8,
    credits_of,
    events_from_ages,
    path_frame,
)

# ---------------------------------------------------------------------------------------------
# E1 — Markov, order 1, the three-path textbook example


@pytest.mark.parametrize("order", [1, 2])
def test_e1_markov_shares_and_removal_effects(make_paths, order):
    paths = make_paths(E1_ROWS)
    assert paths.total_conversions == 1.0
    assert paths.total_nulls == 2.0
    res = tp.attribute(paths, model="markov", order=order)
    assert res.model == "markov"
    assert res.parameters["order"] == str(order)
    assert res.efficient
    conv = credits_of(res)
    share = credits_of(res, "share")
    re = credits_of(res, "removal_effect")
    for name, s, r in [("C1", 0.2, 0.5), ("C2", 0.4, 1.0), ("C3", 0.4, 1.0)]:
        assert_close(share[name], s, f"share {name}")
        assert_close(conv[name], s * 1.0, f"credited conversions {name}")
        assert_close(res[name], s, f"res[{name}]")
        assert_close(re[name], r, f"removal effect {name}")
    # the path-enumeration answer (1/3 each) is wrong
    assert abs(conv["C1"] - 1 / 3) > 0.1


@pytest.mark.parametrize("order", [1, 2])
def test_e1_journey_graph(make_paths, order):
    g = tp.JourneyGraph(make_paths(E1_ROWS), order=order)
    assert g.order == order
    assert_close(g.conversion_probability, 1 / 3, "P(conversion)")
    re = as_pandas(g.removal_effects()).set_index("touchpoint")
    for name, r, without in [("C1", 0.5, 1 / 6), ("C2", 1.0, 0.0), ("C3", 1.0, 0.0)]:
        assert_close(re.loc[name, "removal_effect"], r, f"RE {name}")
        assert_close(re.loc[name, "conversion_probability_without"], without, f"P without {name}")


def test_e1_transition_probabilities():
    g = tp.JourneyGraph(tp.PathTable.from_records(E1_ROWS))
    t = g.transitions()
    probs = {(s, d): p for s, d, p in zip(t["source"], t["target"], t["probability"])}
    expected = {
        ("(start)", "C1"): 2 / 3,
        ("(start)", "C2"): 1 / 3,
        ("C1", "C2"): 1 / 2,
        ("C1", "(null)"): 1 / 2,
        ("C2", "C3"): 1.0,
        ("C3", "(conversion)"): 1 / 2,
        ("C3", "(null)"): 1 / 2,
    }
    assert set(probs) == set(expected)
    for k, p in expected.items():
        assert_close(probs[k], p, f"transition {k}")


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_e1_attribute_accepts_a_path_frame_directly(kind):
    # a DataFrame with a `path` column is read as a path table
    res = tp.attribute(path_frame(E1_ROWS, kind), model="markov")
    conv = credits_of(res)
    for name, s in [("C1", 0.2), ("C2", 0.4), ("C3", 0.4)]:
        assert_close(conv[name], s, name)


# ---------------------------------------------------------------------------------------------
# E2 — removal effect explained; merged and split rows; global and per-journey allocation


@pytest.fixture(params=["split", "merged"])
def e2_rows(request):
    return E2_SPLIT_ROWS if request.param == "split" else E2_MERGED_ROWS


def test_e2_global_allocation(make_paths, e2_rows):
    paths = make_paths(e2_rows)
    assert paths.total_conversions == 4.0
    assert paths.total_nulls == 1.0
    res = tp.attribute(paths, model="markov")
    assert res.parameters["allocation"] == "global"
    conv = credits_of(res)
    assert_close(conv["GA"], 2.4, "GA")
    assert_close(conv["M"], 1.6, "M")
    share = credits_of(res, "share")
    assert_close(share["GA"], 0.6, "share GA")
    assert_close(share["M"], 0.4, "share M")
    re = credits_of(res, "removal_effect")
    assert_close(re["GA"], 0.75, "RE GA")
    assert_close(re["M"], 0.5, "RE M")


def test_e2_per_journey_allocation(make_paths, e2_rows):
    paths = make_paths(e2_rows)
    res = tp.attribute(paths, model="markov", allocation="per_journey", per_journey=True)
    assert res.parameters["allocation"] == "per_journey"
    conv = credits_of(res)
    assert_close(conv["GA"], 2.6, "GA")
    assert_close(conv["M"], 1.4, "M")
    pj = as_pandas(res.per_journey())
    assert list(pj.columns) == ["row", "touchpoint", "conversions", "value"]
    total = float(pj["conversions"].sum())
    assert_close(total, 4.0, "per-journey credits sum")
    # the GA > M journey splits its conversion 0.75 : 0.5 between GA and M
    both = pj[pj["row"].isin(pj.groupby("row").filter(lambda g: len(g) == 2)["row"])]
    split = dict(zip(both["touchpoint"], both["conversions"]))
    assert_close(split["GA"], 0.6, "GA in GA > M")
    assert_close(split["M"], 0.4, "M in GA > M")


def test_e2_graph(make_paths, e2_rows):
    g = tp.JourneyGraph(make_paths(e2_rows))
    assert_close(g.conversion_probability, 0.8, "P(conversion)")
    re = as_pandas(g.removal_effects()).set_index("touchpoint")
    assert_close(re.loc["GA", "conversion_probability_without"], 0.2, "P without GA")
    assert_close(re.loc["M", "conversion_probability_without"], 0.4, "P without M")
    assert_close(re.loc["GA", "removal_effect"], 0.75, "RE GA")
    assert_close(re.loc["M", "removal_effect"], 0.5, "RE M")


def test_e2_split_and_merged_rows_are_identical():
    split = tp.attribute(tp.PathTable.from_records(E2_SPLIT_ROWS)).to_pandas()
    merged = tp.attribute(tp.PathTable.from_records(E2_MERGED_ROWS)).to_pandas()
    assert split.equals(merged)


# ---------------------------------------------------------------------------------------------
# E3 — repeats, values and non-converting paths, orders 1 and 2

E3_EXPECTED = {
    1: dict(re=[0.468750, 0.758929, 0.476190], conv=[1.925764, 3.117904, 1.956332],
            value=[151.310044, 244.978166, 153.711790]),
    2: dict(re=[0.714286, 0.828571, 0.571429], conv=[2.364865, 2.743243, 1.891892],
            value=[185.810811, 215.540541, 148.648649]),
}


@pytest.mark.parametrize("order", [1, 2])
def test_e3_markov(make_paths, order):
    paths = make_paths(E3_ROWS)
    assert paths.total_conversions == 7.0
    assert paths.total_value == 550.0
    assert paths.total_conversions + paths.total_nulls == 15.0
    res = tp.attribute(paths, model="markov", order=order)
    exp = E3_EXPECTED[order]
    conv, value, re = credits_of(res), credits_of(res, "value"), credits_of(res, "removal_effect")
    for i, name in enumerate("ABC"):
        # ORACLES gives removal effects to 6 decimals
        assert_close(re[name], exp["re"][i], f"order {order} RE {name}", tol=5e-7 + 1e-9)
        assert_close(conv[name], exp["conv"][i], f"order {order} conversions {name}")
        assert_close(value[name], exp["value"][i], f"order {order} value {name}")
    assert_close(sum(conv.values()), 7.0, "conversions sum")
    assert_close(sum(value.values()), 550.0, "value sum")
    g = tp.JourneyGraph(paths, order=order)
    assert_close(g.conversion_probability, 7 / 15, "P(conversion)")
    assert_close(g.conversion_probability, 0.466667, "P(conversion) as printed", tol=5e-7)


def test_e3_order_1_is_unchanged_by_collapsing_repeats():
    collapsed = [("A > B", 3, 0, 300)] + E3_ROWS[1:]
    a = credits_of(tp.attribute(tp.PathTable.from_records(E3_ROWS), order=1))
    b = credits_of(tp.attribute(tp.PathTable.from_records(collapsed), order=1))
    for name in "ABC":
        assert_close(a[name], b[name], name, tol=1e-9)


# ---------------------------------------------------------------------------------------------
# E4 — simplified Shapley equals exact Shapley on the subset-sum game


def test_e4_simplified_shapley(make_paths):
    res = tp.attribute(make_paths(E4_ROWS), model="shapley")
    conv = credits_of(res)
    for name, e in [("F", 45.5), ("O", 20.5), ("L", 34.0)]:
        assert_close(conv[name], e, name)
    assert_close(sum(conv.values()), 100.0, "sum")
    assert res.efficient


def test_e4_exact_shapley_formula_agrees():
    # the exact Shapley formula on v(S) = sum_{T subset S} R(T), computed here independently
    from itertools import combinations

    r = {frozenset("F"): 20, frozenset("O"): 10, frozenset("L"): 17, frozenset("FO"): 17,
         frozenset("FL"): 30, frozenset("LO"): 0, frozenset("FLO"): 6}
    players = "FOL"

    def v(s):
        return sum(x for t, x in r.items() if t <= s)

    n = len(players)
    phi = {}
    for j in players:
        others = [p for p in players if p != j]
        tot = 0.0
        for k in range(n):
            for s in combinations(others, k):
                s = frozenset(s)
                w = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
                tot += w * (v(s | {j}) - v(s))
        phi[j] = tot
    res = credits_of(tp.attribute(tp.PathTable.from_records(E4_ROWS), model="shapley"))
    for j in players:
        assert_close(res[j], phi[j], j)


# ---------------------------------------------------------------------------------------------
# E5 — Shapley variants and Shao–Li

E5_RATE = [("A", -0.097222), ("B", 0.152778), ("C", -0.055556)]


def test_e5_simplified_shapley(make_paths):
    res = tp.attribute(make_paths(E5_ROWS), model="shapley")
    conv, value = credits_of(res), credits_of(res, "value")
    for name, c, v in [("A", 2.0, 20.0), ("B", 2.5, 25.0), ("C", 1.5, 15.0)]:
        assert_close(conv[name], c, f"conversions {name}")
        assert_close(value[name], v, f"value {name}")
    assert_close(sum(conv.values()), 6.0, "sum")


def test_e5_ordered_shapley_by_position(make_paths):
    res = tp.attribute(make_paths(E5_ROWS), model="ordered_shapley")
    bp = as_pandas(res.by_position())
    got = {(t, int(p)): c for t, p, c in zip(bp["touchpoint"], bp["position"], bp["conversions"])}
    expected = {("A", 1): 1.25, ("A", 2): 0.50, ("A", 3): 0.25, ("B", 1): 1.00, ("B", 2): 1.50,
                ("C", 1): 1.00, ("C", 2): 0.50}
    for key, e in expected.items():
        assert_close(got[key], e, f"{key}")
    for key, c in got.items():  # every other cell is zero
        if key not in expected:
            assert_close(c, 0.0, f"{key}")
    # positions add up to the simplified Shapley credit
    conv = credits_of(res)
    for name, total in [("A", 2.0), ("B", 2.5), ("C", 1.5)]:
        assert_close(conv[name], total, name)


@pytest.mark.parametrize("method", ["exact", "auto"])
def test_e5_shapley_rate(make_paths, method):
    res = tp.attribute(make_paths(E5_ROWS), model="shapley_rate", shapley_method=method)
    conv = credits_of(res, "score")  # conversion-rate units: the model's own column
    for name, e in E5_RATE:
        assert_close(conv[name], e, name, tol=5e-7 + 1e-9)
    assert not res.efficient
    assert "std_error" not in res.to_pandas().columns


def test_e5_shapley_rate_shares_when_credits_sum_to_zero():
    res = tp.attribute(tp.PathTable.from_records(E5_ROWS), model="shapley_rate", shapley_method="exact")
    share = credits_of(res, "share")
    assert abs(sum(credits_of(res, "score").values())) < 1e-12
    for name, s in share.items():
        assert math.isfinite(s) and abs(s) < 1e-6, (name, s)
    # conversions are the shares of the conversions: none where shares are undefined
    assert all(abs(c) < 1e-6 for c in credits_of(res).values())
    assert "0 conversions credited of 6" in repr(res)


@pytest.mark.parametrize("seed", [3, 11])
def test_e5_shapley_rate_sampled_within_standard_errors(seed):
    paths = tp.PathTable.from_records(E5_ROWS)
    res = tp.attribute(paths, model="shapley_rate", shapley_method="sampled", shapley_samples=20_000,
                       shapley_seed=seed)
    df = res.to_pandas().set_index("touchpoint")
    assert "std_error" in df.columns
    for name, e in E5_RATE:
        se = df.loc[name, "std_error"]
        assert se > 0
        assert abs(df.loc[name, "score"] - e) < 5 * se + 1e-9, (name, df.loc[name, "score"], se)
    # the same seed gives the same numbers
    again = tp.attribute(paths, model="shapley_rate", shapley_method="sampled", shapley_samples=20_000,
                         shapley_seed=seed)
    assert again.to_pandas().equals(res.to_pandas())


def test_e5_shao_li(make_paths):
    res = tp.attribute(make_paths(E5_ROWS), model="shao_li")
    raw, share, conv = credits_of(res, "score"), credits_of(res, "share"), credits_of(res)
    for name, e in [("A", 1.083333), ("B", 1.979167), ("C", 0.437500)]:
        assert_close(raw[name], e, f"raw {name}", tol=5e-7 + 1e-9)
        assert_close(share[name], e / 3.5, f"share {name}", tol=5e-7)
        assert_close(conv[name], share[name] * res.total_conversions, f"conversions {name}")
    assert_close(sum(raw.values()), 3.5, "raw sum")
    assert_close(sum(share.values()), 1.0, "share sum")
    assert_close(sum(conv.values()), res.total_conversions, "conversions sum")
    assert not res.efficient


# ---------------------------------------------------------------------------------------------
# E6 — truncation keeps the most recent touches


@pytest.mark.parametrize("path, kept", [("a > b > c > x > y", ("x", "y")), ("m > a > z > b > y", ("b", "y"))])
def test_e6_max_touches_keeps_most_recent(path, kept):
    paths = tp.PathTable.from_records([(path, 1, 0, 10)])
    names = [t.strip() for t in path.split(">")]
    first = tp.attribute(paths, model="first", max_touches=2)
    f = credits_of(first)
    assert f[kept[0]] == 1.0, f
    for n in names:
        if n not in kept:
            assert f[n] == 0.0, (n, f)
    assert any("most recent 2" in note for note in first.notes), first.notes
    lin = credits_of(tp.attribute(paths, model="linear", max_touches=2))
    assert lin[kept[0]] == 0.5 and lin[kept[1]] == 0.5
    assert sum(v for n, v in lin.items() if n not in kept) == 0.0
    m = credits_of(tp.attribute(paths, model="markov", max_touches=2))
    for n in names:
        if n not in kept:
            assert m[n] == 0.0, (n, m)


def test_e6_journeys_max_touches_keeps_most_recent():
    import pandas as pd

    names = ["m", "a", "z", "b", "y"]
    ev = events_from_ages([5, 4, 3, 2, 1], names=names, value=10.0)
    j = tp.Journeys.from_events(ev, max_touches=2)
    assert j.report["touches_truncated"] == 3
    assert list(j.to_pandas()["path"]) == ["b > y"]
    f = credits_of(tp.attribute(j, model="first"))
    assert f["b"] == 1.0
    assert all(f.get(n, 0.0) == 0.0 for n in ("m", "a", "z"))
    assert isinstance(j.to_pandas(), pd.DataFrame)


# ---------------------------------------------------------------------------------------------
# E7 — rule weights

E7_TABLE = {
    "position": [[1], [.5, .5], [.4, .2, .4], [.4, .1, .1, .4], [.4, .2 / 3, .2 / 3, .2 / 3, .4]],
    "j_shaped": [[1], [.25, .75], [.2, .2, .6], [.2, .1, .1, .6], [.2, .2 / 3, .2 / 3, .2 / 3, .6]],
    "inverse_j": [[1], [.75, .25], [.6, .2, .2], [.6, .1, .1, .2], [.6, .2 / 3, .2 / 3, .2 / 3, .2]],
}


def _single_path_weights(n, model, **kw):
    names = [f"t{i}" for i in range(1, n + 1)]
    res = tp.attribute(tp.PathTable.from_records([(" > ".join(names), 1, 0, 0)]), model=model, **kw)
    c = credits_of(res)
    return [c[x] for x in names]


@pytest.mark.parametrize("model", sorted(E7_TABLE))
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_e7_position_weights(model, n):
    got = _single_path_weights(n, model)
    for i, (a, b) in enumerate(zip(got, E7_TABLE[model][n - 1])):
        assert_close(a, b, f"{model} n={n} pos {i + 1}")


@pytest.mark.parametrize("n, expected", [(1, [1.0]), (2, [0.4, 0.6]), (3, [0.2, 0.5, 0.3]),
                                         (4, [0.2, 0.25, 0.25, 0.3])])
def test_e7_custom_weights_are_normalised(n, expected):
    got = _single_path_weights(n, "custom", weights=(2.0, 5.0, 3.0))
    for a, b in zip(got, expected):
        assert_close(a, b, f"custom n={n}")


@pytest.mark.parametrize("half_life", ["7d", "168h", dt.timedelta(days=7), 7 * 86_400_000, "1w"], ids=repr)
def test_e7_time_decay_half_life_spellings(half_life):
    j = tp.Journeys.from_events(events_from_ages([14, 7, 0]))
    c = credits_of(tp.attribute(j, model="time_decay", half_life=half_life))
    for i, e in enumerate([0.142857, 0.285714, 0.571429]):
        assert_close(c[f"t{i}"], e, f"t{i}", tol=5e-7 + 1e-9)
    assert tp.attribute(j, model="time_decay", half_life=half_life).parameters


@pytest.mark.parametrize("ages, expected", [
    ([14, 7, 0], [0.142857, 0.285714, 0.571429]),
    ([14, 8, 1, 0], [0.095837, 0.173604, 0.347209, 0.383350]),
])
def test_e7_time_decay_weights(ages, expected):
    j = tp.Journeys.from_events(events_from_ages(ages))
    res = tp.attribute(j, model="time_decay", half_life="7d")
    c = credits_of(res)
    for i, e in enumerate(expected):
        assert_close(c[f"t{i}"], e, f"age {ages[i]}", tol=5e-7 + 1e-9)


# ---------------------------------------------------------------------------------------------
# E8 — one visitor, $50 purchase


def test_e8_journey(e8_source, tmp_path):
    j = build_e8(e8_source, tmp_path)
    assert len(j) == 1
    assert j.total_conversions == 1.0
    assert j.total_value == 50.0
    assert j.report["touches_in"] == 4
    assert j.report["touches_kept"] == 4
    assert sorted(j.touchpoints) == sorted(E8_TOUCHPOINTS)


def test_e8_rule_models(e8_source, tmp_path):
    j = build_e8(e8_source, tmp_path)
    first = credits_of(tp.attribute(j, model="first"), "value")
    assert first == {"paid search": 50.0, "social": 0.0, "email": 0.0, "display": 0.0}
    lin = credits_of(tp.attribute(j, model="linear"), "value")
    for n in E8_TOUCHPOINTS:
        assert_close(lin[n], 12.5, f"linear {n}")
    jsh = credits_of(tp.attribute(j, model="j_shaped"), "value")
    for n, e in [("display", 30.0), ("paid search", 10.0), ("social", 5.0), ("email", 5.0)]:
        assert_close(jsh[n], e, f"j_shaped {n}")


def test_e8_time_decay(e8_source, tmp_path):
    j = build_e8(e8_source, tmp_path)
    res = tp.attribute(j, model="time_decay", half_life="7d")
    value, share = credits_of(res, "value"), credits_of(res, "share")
    for n, dollars, pct in [("display", 16.88, 33.76), ("email", 16.88, 33.76), ("social", 9.32, 18.64),
                            ("paid search", 6.92, 13.85)]:
        assert round(value[n], 2) == dollars, (n, value[n])
        assert round(share[n] * 100, 2) == pct, (n, share[n])
    assert_close(sum(value.values()), 50.0, "sum")
    assert res.efficient


def test_e8_participation(e8_source, tmp_path):
    j = build_e8(e8_source, tmp_path)
    res = tp.attribute(j, model="participation")
    value = credits_of(res, "value")
    assert value == {n: 50.0 for n in E8_TOUCHPOINTS}
    assert sum(value.values()) == 200.0
    assert res.efficient is False


def test_e8_first_touch_with_one_day_lookback(e8_source, tmp_path):
    j = build_e8(e8_source, tmp_path, lookback="1d")
    assert j.report["touches_outside_lookback"] == 2
    assert j.report["touches_kept"] == 2
    value = credits_of(tp.attribute(j, model="first"), "value")
    assert value["email"] == 50.0
    assert value.get("paid search", 0.0) == 0.0
    assert value.get("social", 0.0) == 0.0


def test_e8_compare(e8_source, tmp_path):
    j = build_e8(e8_source, tmp_path)
    cmp = tp.compare(j, models=["first", "linear", "j_shaped", "time_decay", "participation"], value=True)
    wide = cmp.to_pandas().set_index("touchpoint")
    assert list(wide.columns) == ["first", "linear", "j_shaped", "time_decay", "participation"]
    assert wide.loc["paid search", "first"] == 50.0
    assert_close(wide.loc["social", "linear"], 12.5)
    assert_close(wide.loc["display", "j_shaped"], 30.0)
    assert round(wide.loc["email", "time_decay"], 2) == 16.88
    assert wide["participation"].sum() == 200.0
    assert [r.efficient for r in cmp.results] == [True, True, True, True, False]
