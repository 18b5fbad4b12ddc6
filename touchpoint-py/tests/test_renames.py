"""One name per concept: the new names work, and every old public spelling still works, gives
the same result and warns (DeprecationWarning) naming the new one."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import touchpoint as tp
from conftest import E3_ROWS, E5_ROWS, credits_of, write_path_csv


def deprecated_call(match: str):
    return pytest.warns(DeprecationWarning, match=match)


def test_separator_keyword(tmp_path):
    df = pd.DataFrame({"path": [p.replace(" > ", "|") for p, *_ in E3_ROWS],
                       "total_conversions": [r[1] for r in E3_ROWS], "total_null": [r[2] for r in E3_ROWS]})
    new = tp.PathTable.from_frame(df, separator="|")
    with deprecated_call(r"from_frame\(sep=...\) is deprecated; use separator="):
        old = tp.PathTable.from_frame(df, sep="|")
    assert new.touchpoints == old.touchpoints == ["A", "B", "C"]
    assert credits_of(tp.attribute(new)) == credits_of(tp.attribute(old))
    rows = [(p.replace(" > ", "/"), c, n, v) for p, c, n, v in E3_ROWS]
    with deprecated_call("from_records"):
        assert tp.PathTable.from_records(rows, sep="/").to_pandas().equals(
            tp.PathTable.from_records(rows, separator="/").to_pandas())
    out = tmp_path / "out.csv"
    new.write_csv(out, separator=";")
    assert out.read_text().splitlines()[1].startswith("A ; A ; B,")
    with deprecated_call("write_csv"):
        new.write_csv(out, sep=";")
    again = tp.read_paths(out, separator=";")
    with deprecated_call("read_paths"):
        assert tp.read_paths(out, sep=";").to_pandas().equals(again.to_pandas())
    assert again.total_conversions == new.total_conversions == 7.0
    with pytest.raises(tp.InputTypeError, match="pass separator= only"):
        tp.PathTable.from_records(rows, sep="/", separator="/")


def test_read_csv_is_the_reader(tmp_path):
    f = write_path_csv(E5_ROWS, tmp_path / "paths.csv")
    new = tp.PathTable.read_csv(f)
    with deprecated_call("PathTable.from_csv is deprecated; use PathTable.read_csv"):
        old = tp.PathTable.from_csv(f)
    assert new.to_pandas().equals(old.to_pandas())
    assert tp.read_paths(f).to_pandas().equals(new.to_pandas())
    ev = tmp_path / "events.csv"
    ev.write_text("customer_id,touchpoint,timestamp,converted,value\na,x,2025-01-01,0,0\na,y,2025-01-02,1,5\n")
    j = tp.Journeys.read_csv(ev, value="value")
    with deprecated_call("Journeys.from_csv is deprecated; use Journeys.read_csv"):
        jo = tp.Journeys.from_csv(ev, value="value")
    assert (len(j), j.total_value) == (len(jo), jo.total_value) == (1, 5.0)


def test_path_table_from_journeys():
    j = tp.Journeys.from_events(tp.demo.events(customers=300, seed=5))
    p = tp.PathTable.from_journeys(j)
    assert p.to_pandas().equals(j.paths().to_pandas())
    assert p.total_conversions == j.total_conversions
    assert p.total_conversions + p.total_nulls == len(j)


def test_shapley_keywords():
    paths = tp.PathTable.from_records(E5_ROWS)
    new = tp.attribute(paths, model="shapley_rate", shapley_method="sampled", shapley_samples=500, shapley_seed=4)
    with pytest.warns(DeprecationWarning) as caught:
        old = tp.attribute(paths, model="shapley_rate", method="sampled", samples=500, shapley_seed=4)
    assert sorted(str(w.message) for w in caught) == [
        "attribute(method=...) is deprecated; use shapley_method=...",
        "attribute(samples=...) is deprecated; use shapley_samples=...",
    ]
    # seed= was the third deprecated spelling; it now seeds the bootstrap, and alone it is an
    # error rather than a silent change of meaning
    with pytest.raises(tp.InputError, match="shapley_seed"):
        tp.attribute(paths, model="shapley_rate", method="sampled", samples=500, seed=4)
    assert all(w.filename == __file__ for w in caught)  # the warning points at the caller
    assert new.to_pandas().equals(old.to_pandas())
    assert new.parameters == {"method": "sampled", "samples": "500", "seed": "4"}
    with deprecated_call("compare"):
        cmp_old = tp.compare(paths, models=["shapley_rate", "first"], method="exact")
    cmp_new = tp.compare(paths, models=["shapley_rate", "first"], shapley_method="exact")
    assert cmp_old.to_pandas().equals(cmp_new.to_pandas())
    assert list(cmp_new.to_pandas().columns) == ["touchpoint", "shapley_rate", "first"]


def test_directly_follows_graph():
    paths = tp.PathTable.from_records([("a > a > b", 1, 0, 0), ("a", 0, 1, 0)])
    dfg = tp.JourneyGraph.directly_follows(paths)
    same = tp.JourneyGraph(paths, self_loops=True)
    assert dfg.transitions().equals(same.transitions())
    with pytest.deprecated_call(match=r"JourneyGraph\(collapse_repeats=...\) is deprecated; use self_loops="):
        old = tp.JourneyGraph(paths, collapse_repeats=False)
    assert old.transitions().equals(same.transitions())
    assert dfg.order == 1
    counts = {(s, t): c for s, t, c in zip(*(dfg.transitions()[k] for k in ("source", "target", "count")))}
    assert counts[("a", "a")] == 1.0 and counts[("a", "b")] == 1.0
    assert dfg.conversion_probability == pytest.approx(0.5)


def test_budget_plan_solver():
    curves = [tp.Hill(name="a", beta=100, alpha=0.8, gamma=30), tp.Hill(name="b", beta=140, alpha=1.0, gamma=50)]
    plan = tp.allocate_budget(curves, budget=100)
    assert plan.solver == "water_filling"
    with deprecated_call("BudgetPlan.method is deprecated; use BudgetPlan.solver"):
        assert plan.method == plan.solver
    assert tp.allocate_budget(curves, budget=100, solver="dp").solver == "dynamic_programming"
    assert repr(plan).startswith("BudgetPlan(water_filling:")


def test_attribution_label_and_totals():
    paths = tp.PathTable.from_records(E3_ROWS)
    res = tp.attribute(paths, model="markov", order=2, allocation="per_journey")
    assert res.label == "markov(order=2, allocation=per_journey, value_basis=conversion_share)"
    assert res.total_journeys == paths.total_conversions + paths.total_nulls == 15.0
    assert tp.attribute(paths, model="j_shaped").label == \
        "j_shaped(first=0.2, middle=0.2, last=0.6)"
    assert tp.compare(paths, models=["markov", "linear"], order=3).to_pandas().columns.tolist() == \
        ["touchpoint", "markov_3", "linear"]


def test_new_names_do_not_warn(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = tp.PathTable.from_records(E5_ROWS, separator=">")
        tp.attribute(paths, model="shapley_rate", shapley_method="exact")
        tp.JourneyGraph.directly_follows(paths).transitions()
        paths.write_csv(tmp_path / "p.csv", separator=">")
        tp.PathTable.read_csv(tmp_path / "p.csv", separator=">")
        assert tp.allocate_budget([tp.Power(name="p", a=1, b=0.5)], budget=3).solver == "water_filling"
