"""Property tests (hypothesis) on random small path tables built with tp.PathTable.from_records:
efficiency, invariance to row order and to touchpoint names, aggregated vs expanded rows, and
thread-count determinism."""

from __future__ import annotations

import math

import numpy as np

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import touchpoint as tp

SETTINGS = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

NAMES = ["a", "b", "c", "d", "e"]

# (model, extra options) that must credit exactly the totals
EFFICIENT = [
    ("first", {}),
    ("last", {}),
    ("last_non_direct", {}),
    ("linear", {}),
    ("position", {}),
    ("j_shaped", {}),
    ("inverse_j", {}),
    ("custom", {"weights": (1.0, 3.0, 2.0)}),
    ("markov", {"order": 1}),
    ("markov", {"order": 2}),
    ("markov", {"order": 1, "allocation": "per_journey"}),
    ("markov", {"order": 1, "value_basis": "value_removal_effect"}),
    ("shapley", {}),
    ("ordered_shapley", {}),
]
NOT_EFFICIENT = [("participation", {}), ("shao_li", {}), ("shapley_rate", {"shapley_method": "exact"})]
ALL_MODELS = EFFICIENT + NOT_EFFICIENT


def _ids(cases):
    return [m + ("-" + "-".join(f"{k}={v}" for k, v in o.items()) if o else "") for m, o in cases]


@st.composite
def path_rows(draw, names=NAMES, max_rows=6):
    """Rows (path, conversions, nulls, value) with at least one conversion."""
    n = draw(st.integers(1, max_rows))
    rows = []
    for _ in range(n):
        path = draw(st.lists(st.sampled_from(names), min_size=1, max_size=5))
        conv = draw(st.integers(0, 4))
        nulls = draw(st.integers(0, 4))
        assume(conv + nulls > 0)
        value = float(draw(st.integers(0, 200))) if conv else 0.0
        rows.append((" > ".join(path), conv, nulls, value))
    assume(sum(r[1] for r in rows) > 0)
    return rows


def table(rows):
    return tp.PathTable.from_records(rows)


def credits(res):
    df = res.to_pandas()
    return {t: (c, v) for t, c, v in zip(df["touchpoint"], df["conversions"], df["value"])}


def assert_same_credits(a, b, tol=1e-9, rename=None):
    rename = rename or (lambda x: x)
    assert len(a) == len(b), (sorted(a), sorted(b))
    for name, (c, v) in a.items():
        c2, v2 = b[rename(name)]
        assert math.isclose(c, c2, rel_tol=tol, abs_tol=tol), (name, c, c2)
        assert math.isclose(v, v2, rel_tol=tol, abs_tol=tol), (name, v, v2)


# ---------------------------------------------------------------------------------------------
# efficiency


@pytest.mark.parametrize("model, opts", EFFICIENT, ids=_ids(EFFICIENT))
@SETTINGS
@given(rows=path_rows())
def test_efficient_models_sum_to_the_totals(model, opts, rows):
    paths = table(rows)
    res = tp.attribute(paths, model=model, **opts)
    assert res.efficient
    df = res.to_pandas()
    total_c = sum(r[1] for r in rows)
    total_v = sum(r[3] for r in rows)
    assert res.total_conversions == paths.total_conversions == total_c
    assert res.total_value == paths.total_value == total_v
    assert math.isclose(df["conversions"].sum(), total_c, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(df["value"].sum(), total_v, rel_tol=1e-9, abs_tol=1e-6)
    assert (df["conversions"] >= -1e-12).all()
    assert math.isclose(df["share"].sum(), 1.0, abs_tol=1e-9)


@pytest.mark.parametrize("model, opts", NOT_EFFICIENT, ids=_ids(NOT_EFFICIENT))
@SETTINGS
@given(rows=path_rows())
def test_models_that_are_not_efficient_say_so(model, opts, rows):
    res = tp.attribute(table(rows), model=model, **opts)
    assert res.efficient is False
    df = res.to_pandas()
    if model == "participation":
        # every converting journey gives full credit to each distinct touchpoint on it
        expected = sum(c * len(set(p.split(" > "))) for p, c, _, _ in rows)
        assert math.isclose(df["conversions"].sum(), expected, rel_tol=1e-9)
        assert "score" not in df.columns
    else:
        # a score model: its numbers in `score`, its conversions the shares of the conversions
        assert df["score"].notna().all()
        assert np.allclose(df["conversions"], df["share"] * res.total_conversions, rtol=1e-12, atol=1e-12)
        assert math.isclose(df["conversions"].sum(), res.total_conversions, rel_tol=1e-9) or \
            abs(df["share"].sum()) < 1e-9


@SETTINGS
@given(rows=path_rows())
def test_single_touch_journeys_give_all_credit_to_their_touchpoint(rows):
    single = [(p.split(" > ")[0], c, n, v) for p, c, n, v in rows]
    paths = table(single)
    by_name = {}
    for p, c, _, v in single:
        by_name[p] = (by_name.get(p, (0, 0))[0] + c, by_name.get(p, (0, 0))[1] + v)
    for model, opts in EFFICIENT:
        got = credits(tp.attribute(paths, model=model, **opts))
        for name, (c, v) in by_name.items():
            if c == 0:
                continue
            assert math.isclose(got[name][0], c, rel_tol=1e-9), (model, name)


@SETTINGS
@given(rows=path_rows())
def test_degenerate_weights_reduce_to_first_and_last_touch(rows):
    paths = table(rows)
    last = credits(tp.attribute(paths, model="last"))
    first = credits(tp.attribute(paths, model="first"))
    assert_same_credits(last, credits(tp.attribute(paths, model="custom", weights=(0.0, 0.0, 1.0))))
    assert_same_credits(first, credits(tp.attribute(paths, model="custom", weights=(1.0, 0.0, 0.0))))


# ---------------------------------------------------------------------------------------------
# invariances


@pytest.mark.parametrize("model, opts", ALL_MODELS, ids=_ids(ALL_MODELS))
@SETTINGS
@given(rows=path_rows())
def test_row_order_does_not_change_credits(model, opts, rows):
    a = credits(tp.attribute(table(rows), model=model, **opts))
    b = credits(tp.attribute(table(rows[::-1]), model=model, **opts))
    assert_same_credits(a, b)


@pytest.mark.parametrize("model, opts", ALL_MODELS, ids=_ids(ALL_MODELS))
@SETTINGS
@given(rows=path_rows(), perm=st.permutations(["zeta", "Mail", "0-search", "ad b", "x"]))
def test_renaming_touchpoints_does_not_change_credits(model, opts, rows, perm):
    mapping = dict(zip(NAMES, perm))
    renamed = [(" > ".join(mapping[t] for t in p.split(" > ")), c, n, v) for p, c, n, v in rows]
    a = credits(tp.attribute(table(rows), model=model, **opts))
    b = credits(tp.attribute(table(renamed), model=model, **opts))
    assert_same_credits(a, b, rename=mapping.__getitem__)


def _expand_to_events(rows):
    """One customer per journey: the path's touches an hour apart, then the conversion."""
    import pandas as pd

    t0 = pd.Timestamp("2025-01-01", tz="UTC")
    hour = pd.Timedelta(hours=1)
    recs = []
    k = 0
    for p, c, n, v in rows:
        touches = p.split(" > ")
        for j in range(c + n):
            k += 1
            cust = f"c{k}"
            recs += [(cust, t, t0 + i * hour, False, 0.0) for i, t in enumerate(touches)]
            if j < c:
                recs.append((cust, None, t0 + len(touches) * hour, True, v / c))
    return pd.DataFrame(recs, columns=["customer_id", "touchpoint", "timestamp", "converted", "value"])


@pytest.mark.parametrize("model, opts", ALL_MODELS, ids=_ids(ALL_MODELS))
@SETTINGS
@given(rows=path_rows(max_rows=4))
def test_aggregated_and_expanded_inputs_agree(model, opts, rows):
    journeys = tp.Journeys.from_events(_expand_to_events(rows))
    assert len(journeys) == sum(c + n for _, c, n, _ in rows)
    a = credits(tp.attribute(table(rows), model=model, **opts))
    b = credits(tp.attribute(journeys, model=model, **opts))
    assert_same_credits(a, b, tol=1e-7)


@SETTINGS
@given(rows=path_rows())
def test_order_1_markov_ignores_consecutive_repeats(rows):
    def collapse(p):
        out = []
        for t in p.split(" > "):
            if not out or out[-1] != t:
                out.append(t)
        return " > ".join(out)

    collapsed = [(collapse(p), c, n, v) for p, c, n, v in rows]
    a = credits(tp.attribute(table(rows), model="markov", order=1))
    b = credits(tp.attribute(table(collapsed), model="markov", order=1))
    assert_same_credits(a, b, tol=1e-9)
    ga, gb = tp.JourneyGraph(table(rows)), tp.JourneyGraph(table(collapsed))
    assert math.isclose(ga.conversion_probability, gb.conversion_probability, rel_tol=1e-12)


# ---------------------------------------------------------------------------------------------
# threads

THREADED = ALL_MODELS + [("shapley_rate", {"shapley_method": "sampled", "shapley_samples": 500, "shapley_seed": 5})]


@pytest.mark.parametrize("model, opts", THREADED, ids=_ids(THREADED))
@settings(max_examples=15, deadline=None, database=None)
@given(rows=path_rows(max_rows=8))
def test_thread_count_gives_bit_identical_results(model, opts, rows):
    paths = table(rows)
    one = tp.attribute(paths, model=model, n_threads=1, **opts).to_pandas()
    two = tp.attribute(paths, model=model, n_threads=2, **opts).to_pandas()
    assert one.equals(two), (one, two)
    assert one["conversions"].tolist() == two["conversions"].tolist()


def test_thread_count_on_a_larger_graph_is_bit_identical():
    events = tp.demo.events(customers=400, seed=11)
    j = tp.Journeys.from_events(events, lookback="30d")
    for model, opts in [("markov", {"order": 1}), ("markov", {"order": 3}), ("shapley_rate", {}),
                        ("shapley", {}), ("time_decay", {})]:
        one = tp.attribute(j, model=model, n_threads=1, **opts).to_pandas()
        two = tp.attribute(j, model=model, n_threads=2, **opts).to_pandas()
        assert one.equals(two), model


def test_env_var_thread_count(monkeypatch):
    paths = tp.PathTable.from_records([("a > b", 2, 1, 10), ("b > c", 1, 3, 5), ("c", 0, 2, 0)])
    default = tp.attribute(paths, model="markov").to_pandas()
    monkeypatch.setenv("TOUCHPOINT_NUM_THREADS", "1")
    assert tp.attribute(paths, model="markov").to_pandas().equals(default)
    monkeypatch.setenv("TOUCHPOINT_NUM_THREADS", "0")
    with pytest.raises(tp.ModelError, match="n_threads"):
        tp.attribute(paths, model="markov")
