"""Optimisation through Python: prioritisation, next best touchpoint, budget allocation."""

import pandas as pd
import pytest

import touchpoint as tp


def three(alpha):
    g, b = (30, 50, 80), (100, 140, 220)
    return [tp.Hill(name=f"c{i}", beta=b[i], alpha=alpha[i], gamma=g[i]) for i in range(3)]


def test_budget_issue_examples():
    concave = tp.allocate_budget(three((0.8, 1.0, 0.6)), budget=150, step=1, solver="dp")
    assert concave.spend == [34.0, 60.0, 56.0]
    assert concave.total_response == pytest.approx(227.14, abs=0.005)
    s = tp.allocate_budget(three((3, 2.5, 3)), budget=150, step=1, solver="dp")
    assert s.spend == [43.0, 0.0, 107.0]
    assert s.total_response == pytest.approx(229.80, abs=0.005)
    greedy = tp.allocate_budget(three((3, 2.5, 3)), budget=150, step=1, solver="greedy")
    assert greedy.total_response == pytest.approx(131.6, abs=0.1)
    assert "exact" in s.optimality
    df = s.to_pandas()
    assert list(df.columns) == ["name", "spend", "response", "marginal_response"]
    assert df["spend"].sum() == 150


def test_water_filling_matches_dp_and_reports_kkt_gap():
    w = tp.allocate_budget(three((0.8, 1.0, 0.6)), budget=150)
    assert w.solver == "water_filling"
    assert w.kkt_gap < 1e-6
    d = tp.allocate_budget(three((0.8, 1.0, 0.6)), budget=150, step=0.25, solver="dp")
    assert 0 <= w.total_response - d.total_response < 1e-3
    with pytest.raises(tp.ModelError, match="not concave"):
        tp.allocate_budget(three((3, 2.5, 3)), budget=150, solver="water_filling")


def test_bounds_locks_diagnostics_and_errors():
    curves = three((0.8, 1.0, 0.6))
    curves[0].locked = 10
    curves[1].upper = 20
    plan = tp.allocate_budget(curves, budget=150, solver="dp")
    assert plan.allocation["c0"] == 10 and plan.allocation["c1"] == 20
    assert any("locked" in d for d in plan.diagnostics)
    with pytest.raises(tp.ModelError, match="infeasible"):
        tp.allocate_budget([tp.Hill(name="a", beta=1, alpha=1, gamma=1, lower=200)], budget=100)
    with pytest.raises(tp.InputError, match="beta"):
        tp.allocate_budget([tp.Hill(name="a", beta=float("nan"), alpha=1, gamma=1)], budget=100)
    with pytest.raises(tp.ModelError, match="budget"):
        tp.allocate_budget(three((1, 1, 1)), budget=-5)
    with pytest.raises(tp.InputError):
        tp.allocate_budget([], budget=10)


def test_calibration_and_what_if():
    h = tp.Hill.calibrate("search", spend=120, response=30, alpha=2.0)
    assert h([120])[0] == pytest.approx(30)
    p = tp.Power.calibrate("email", spend=50, response=10, b=0.7)
    per, total = tp.evaluate_budget([h, p], [120, 50])
    assert per == pytest.approx([30, 10]) and total == pytest.approx(40)
    plan = tp.allocate_budget([h, p, tp.LogCurve(name="log", a=5, b=20), tp.Piecewise(name="pw", points=[(10, 2), (40, 9)])],
                              budget=200, step=2, solver="dp")
    assert plan.total_spend == 200
    fig = plan.plot()
    assert fig.__class__.__name__ == "Figure"


def test_prioritize_next_best_and_paths():
    paths = tp.PathTable.from_records([("C1 > C2 > C3", 1, 0, 0), ("C1", 0, 1, 0), ("C2 > C3", 0, 1, 0)])
    g = tp.JourneyGraph(paths)
    pr = g.prioritize(1.0)
    assert isinstance(pr, pd.DataFrame)
    # cutting all of C3's drop-off: every journey reaching C3 converts -> P = 2/3
    c3 = pr[pr["touchpoint"] == "C3"].iloc[0]
    assert c3["new_conversion_probability"] == pytest.approx(2 / 3)
    assert c3["extra_conversions"] == pytest.approx(1.0)
    by_state = g.prioritize(1.0, by="state")
    assert by_state[by_state["state"] == "C3"]["gain"].iloc[0] == pytest.approx(c3["gain"])
    with pytest.raises(tp.ModelError):
        g.prioritize(0.1, by="nope")
    nb = g.next_best(["C1"], {"C2": 1.0, "C3": 0.0})
    assert nb.best == "C3"
    assert nb.current_probability == pytest.approx(0.25)
    assert nb.to_pandas()["conversion_probability"].tolist()[0] == pytest.approx(0.5)
    cp = g.converting_paths(k=5)
    assert cp["probability"].sum() == pytest.approx(g.conversion_probability)
    with pytest.raises(tp.UnknownTouchpointError):
        g.next_best(["nope"], {"C2": 0.0})
    assert tp.prioritize(paths, 0.1).shape[0] == 3


def test_directly_follows_graph_keeps_self_loops():
    paths = tp.PathTable.from_records([("a > a > b", 1, 0, 0), ("a", 0, 1, 0)])
    dfg = tp.JourneyGraph(paths, self_loops=True).transitions()
    pairs = set(zip(dfg["source"], dfg["target"]))
    assert ("a", "a") in pairs
    markov = tp.JourneyGraph(paths).transitions()
    assert ("a", "a") not in set(zip(markov["source"], markov["target"]))
    with pytest.raises(tp.ModelError, match="self_loops=True.*order=1"):
        tp.JourneyGraph(paths, order=2, self_loops=True)


def test_split_at_conversions_option_and_fork_safety():
    import multiprocessing as mp

    df = pd.DataFrame({
        "customer_id": ["a"] * 4,
        "touchpoint": ["x", None, "y", "z"],
        "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]),
        "converted": [False, True, True, False],
        "value": [0.0, 10.0, 5.0, 0.0],
    })
    split = tp.Journeys.from_events(df)
    merged = tp.Journeys.from_events(df, split_at_conversions=False)
    assert (len(split), split.total_conversions) == (3, 2.0)
    assert (len(merged), merged.total_conversions, merged.total_value) == (2, 1.0, 15.0)
    assert merged.report["conversions_merged"] == 1
    # rayon's pool does not survive fork(): a forked child must still compute (fresh pool)
    tp.attribute(split, model="markov")  # start the global pool in the parent
    ctx = mp.get_context("fork")
    with ctx.Pool(1) as pool:
        out = pool.apply(_child_markov)
    assert out == pytest.approx(2.0)


def _child_markov():
    paths = tp.PathTable.from_records([("GA", 2, 1, 0), ("M", 1, 0, 0), ("GA > M", 1, 0, 0)])
    return tp.attribute(paths, model="markov")["M"] + tp.attribute(paths, model="markov")["GA"] - 2.0


def test_sensitivities_and_most_probable_path_agree_with_other_methods():
    g = tp.JourneyGraph(tp.Journeys.from_events(tp.demo.events(800, seed=3)), order=1)
    s = g.sensitivities()
    nodes = g.nodes()
    p_from = dict(zip(nodes["label"], nodes["conversion_probability"]))
    visits = dict(zip(nodes["label"], nodes["expected_visits"]))
    # from the start (visited once) the sensitivity is P(conversion) from the target
    start = s[s["source"] == "(start)"]
    assert len(start) >= 5
    for target, x in zip(start["target"], start["sensitivity"]):
        assert x == pytest.approx(p_from[target], rel=1e-9, abs=1e-12)
    # into the conversion it is the expected visits of the source
    into = s[s["target"] == "(conversion)"]
    assert len(into) >= 3
    for source, x in zip(into["source"], into["sensitivity"]):
        assert x == pytest.approx(visits[source], rel=1e-9)
    states, p = g.most_probable_converting_path()
    best = g.converting_paths(k=1)
    assert p == pytest.approx(best["probability"].iloc[0], rel=1e-12)
    assert 0 < p <= g.conversion_probability
    assert states and all(state in p_from for state in states)
