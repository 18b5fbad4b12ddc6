"""Saved models, batch scoring and increments from Python: a loaded graph answers like the built
one, damaged files raise ModelFileError, scores equal per-customer next_best, and appending the
later events equals building from all of them (hypothesis over random cuts)."""

from __future__ import annotations

import pickle

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings, strategies as st

import touchpoint as tp
from touchpoint.exceptions import ModelError, ModelFileError, TouchpointIOError, UnknownTouchpointError


@pytest.fixture(scope="module")
def demo():
    events = tp.demo.events(customers=600, seed=5)
    return events, tp.Journeys.from_events(events, lookback="30d")


def same_graph(a: tp.JourneyGraph, b: tp.JourneyGraph) -> None:
    pd.testing.assert_frame_equal(a.transitions(), b.transitions(), check_exact=True)
    pd.testing.assert_frame_equal(a.nodes(), b.nodes(), check_exact=True)
    pd.testing.assert_frame_equal(a.removal_effects(), b.removal_effects(), check_exact=True)
    assert a.conversion_probability == b.conversion_probability
    assert a.expected_time_to_convert == b.expected_time_to_convert
    assert a.order == b.order


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_saved_graphs_answer_like_the_built_ones(demo, tmp_path, order):
    _, journeys = demo
    for data in (journeys, journeys.paths()):
        g = tp.JourneyGraph(data, order=order)
        f = tmp_path / f"g{order}.tpm"
        g.save(f)
        back = tp.JourneyGraph.load(f)
        same_graph(back, g)
        same_graph(tp.JourneyGraph.from_bytes(g.to_bytes()), g)
        same_graph(pickle.loads(pickle.dumps(g)), g)
        first = g.nodes().label[1].split(" > ")
        cands = {t: 1.0 for t in journeys.touchpoints}
        pd.testing.assert_frame_equal(back.next_best(first, cands).to_pandas(), g.next_best(first, cands).to_pandas())
        pd.testing.assert_frame_equal(back.prioritize(0.1), g.prioritize(0.1))
        assert back.to_bytes() == g.to_bytes()
        info = tp.model_info(f)
        assert info["kind"] == "journey_graph" and info["bytes"] == f.stat().st_size
        assert info["library_version"] == tp.__version__


def test_a_loaded_graph_says_it_has_no_paths(demo):
    g = tp.JourneyGraph.from_bytes(tp.JourneyGraph(demo[1]).to_bytes())
    with pytest.raises(ModelError, match="loaded from a file"):
        g.top_paths()


def test_damaged_files_raise_model_file_error(tmp_path):
    g = tp.JourneyGraph(tp.PathTable.from_records([("a > b", 2, 1, 10), ("b", 0, 1, 0)]))
    data = g.to_bytes()
    for i in range(len(data)):
        b = bytearray(data)
        b[i] ^= 0xFF
        with pytest.raises(ModelFileError) as e:
            tp.JourneyGraph.from_bytes(bytes(b))
        assert e.value.kind == "model_file"
    for n in range(8, len(data)):
        with pytest.raises(ModelFileError, match="truncated"):
            tp.JourneyGraph.from_bytes(data[:n])
    # a ModelFileError is a TouchpointIOError (an OSError)
    assert issubclass(ModelFileError, TouchpointIOError) and issubclass(ModelFileError, OSError)
    j = tp.Journeys.from_events(tp.demo.events(customers=20))
    with pytest.raises(ModelFileError, match="holds journeys, not journey graph"):
        tp.JourneyGraph.from_bytes(j.to_bytes())
    with pytest.raises(TouchpointIOError, match="nowhere.tpm"):
        tp.JourneyGraph.load(tmp_path / "nowhere.tpm")


def test_journeys_and_results_round_trip(demo, tmp_path):
    events, journeys = demo
    f = tmp_path / "j.tpm"
    journeys.save(f)
    back = tp.Journeys.load(f)
    pd.testing.assert_frame_equal(back.to_pandas(), journeys.to_pandas())
    assert back.report == journeys.report
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(journeys)).to_pandas(), journeys.to_pandas())
    res = tp.attribute(journeys, model="markov", order=2)
    again = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(again.to_pandas(), res.to_pandas(), check_exact=True)
    res.save(tmp_path / "a.tpm")
    pd.testing.assert_frame_equal(tp.Attribution.load(tmp_path / "a.tpm").to_pandas(), res.to_pandas())
    cmp = tp.compare(journeys, models=["first", "linear", "markov"])
    cmp.save(tmp_path / "c.tpm")
    pd.testing.assert_frame_equal(tp.Comparison.load(tmp_path / "c.tpm").to_pandas(), cmp.to_pandas(),
                                  check_exact=True)
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(cmp)).long(), cmp.long(), check_exact=True)
    assert tp.model_info(tmp_path / "c.tpm")["kind"] == "attribution"


# ------------------------------------------------------------------------------ increments

@settings(max_examples=40, deadline=None)
@given(cut_day=st.integers(0, 80), lookback=st.sampled_from([None, "7d", "30d"]),
       timeout=st.sampled_from([None, "10d"]), collapse=st.booleans(),
       backend=st.sampled_from(["pandas", "polars", "pyarrow"]))
def test_append_equals_rebuild(cut_day, lookback, timeout, collapse, backend):
    events = tp.demo.events(customers=150, seed=cut_day % 5).sort_values("timestamp", kind="stable")
    cut = events.timestamp.min() + pd.Timedelta(days=cut_day)
    day1, day2 = events[events.timestamp < cut], events[events.timestamp >= cut]
    opts = dict(lookback=lookback, inactivity_timeout=timeout, collapse_repeats=collapse)
    full = tp.Journeys.from_events(pd.concat([day1, day2]), **opts)
    if len(day1) == 0 or len(day2) == 0:
        return
    as_backend = {"pandas": lambda d: d, "polars": pl.from_pandas, "pyarrow": pa.Table.from_pandas}[backend]
    first = tp.Journeys.from_events(as_backend(day1), **opts)
    inc = tp.Journeys.from_bytes(first.to_bytes()).append(as_backend(day2))
    pd.testing.assert_frame_equal(inc.to_pandas(), full.to_pandas(), check_exact=True)
    assert inc.appended["late_events"] == 0
    assert inc.appended["events_in"] == len(day2)
    for k, v in full.report.items():
        if k not in ("customers_resorted", "value_without_touches"):
            assert inc.report[k] == v, k
    pd.testing.assert_frame_equal(tp.JourneyGraph(inc, order=2).transitions(),
                                  tp.JourneyGraph(full, order=2).transitions(), check_exact=True)
    pd.testing.assert_frame_equal(tp.attribute(inc, model="markov").to_pandas(),
                                  tp.attribute(full, model="markov").to_pandas(), check_exact=True)


def test_append_needs_journeys_built_from_events(demo):
    _, journeys = demo
    merged = journeys.merge(journeys)
    with pytest.raises(ModelError, match="open tails"):
        merged.append(demo[0].head(3))


# ------------------------------------------------------------------------------ scoring

def test_scores_equal_next_best_per_customer(demo):
    events, journeys = demo
    g = tp.JourneyGraph(journeys, order=2)
    cands = {t: 0.5 * i for i, t in enumerate(journeys.touchpoints)}
    # open journeys: a few touches of other customers, without conversions
    open_now = tp.demo.events(customers=120, seed=9)
    open_now = open_now[~open_now.converted & open_now.touchpoint.notna()].groupby("customer_id").head(3)
    s = g.score(open_now, cands, top_k=3)
    rows, nxt = s.to_pandas(), s.next_touchpoints()
    assert len(rows) == open_now.customer_id.nunique()
    nodes = g.nodes().set_index("label")
    for _, r in rows.iterrows():
        touches = open_now[open_now.customer_id == r.customer_id].sort_values("timestamp", kind="stable")
        names = touches.touchpoint.tolist()
        assert r.touches == len(names)
        matched = names[len(names) - r.matched_touches:]
        nb = g.next_best(matched, cands)
        assert r.state == nb.current_state
        assert r.conversion_probability == nb.current_probability == nodes.conversion_probability[r.state]
        nbt = nb.to_pandas()
        want = nbt[nbt.observed].head(3)
        got = nxt[nxt.customer_id == r.customer_id]
        assert got.touchpoint.tolist() == want.touchpoint.tolist()
        assert got.conversion_probability.tolist() == want.conversion_probability.tolist()
        assert got.uplift.tolist() == want.uplift.tolist()
        assert (r.best_next if isinstance(r.best_next, str) else None) == (nb.best if len(want) else None)
    assert set(rows.state_match) <= {"exact", "suffix", "start"}
    # the same from polars and pyarrow, and from a loaded graph
    loaded = tp.JourneyGraph.from_bytes(g.to_bytes())
    for other in (pl.from_pandas(open_now), pa.Table.from_pandas(open_now)):
        t = pa.table(loaded.score(other, cands, top_k=3).to_arrow()).to_pandas()
        pd.testing.assert_frame_equal(t, rows, check_exact=True)


def test_scoring_edge_cases():
    g = tp.JourneyGraph(tp.PathTable.from_records([("ad > email > store", 8, 2, 800), ("ad > site", 2, 8, 100)]))
    df = pd.DataFrame({"customer_id": ["u", "v", "w"], "touchpoint": ["ad", "chat", "ad"],
                       "timestamp": pd.to_datetime(["2025-01-01"] * 3), "converted": [False, False, True]})
    s = g.score(df).to_pandas()
    assert s.state_match.tolist() == ["exact", "start", "exact"]
    assert s.unknown_touches.tolist() == [0, 1, 0]
    assert s.state.tolist() == ["ad", "(start)", "(start)"]  # w converted: nothing open
    with pytest.raises(UnknownTouchpointError):
        g.score(df, {"nope": 1.0})
    assert len(g.scorer(top_k=0).score(df).next_touchpoints()) == 0
