"""Segments, bootstrap intervals and personas through Python: per-segment figures equal the
segment alone, intervals are seeded and bracket the estimate, comparisons find a planted
difference, personas are deterministic and usable as segments; bad options are typed errors."""

import pandas as pd
import pytest

import touchpoint as tp
from test_schema import expected_columns


def check(frame, row, with_optional=()):
    assert list(frame.columns) == expected_columns(row, with_optional), row


@pytest.fixture(scope="module")
def ev():
    return tp.Events.demo(customers=1_200, seed=5)


def test_segment_attribution_equals_each_segment_alone(ev):
    df = ev.to_pandas()
    res = tp.attribute_by_segment(ev, "first_channel", models=["markov", "linear"], bootstrap=40, seed=2)
    t = res.to_pandas()
    check((t), "SegmentAttributionRow", with_optional=("removal_effect", "lower", "upper", "std_error"))
    journeys = tp.Journeys.from_events(df)
    total = journeys.total_conversions
    per_seg = t[t.model == "linear"].groupby("segment")["conversions"].sum()
    assert per_seg.sum() == pytest.approx(total, rel=1e-12)
    # bootstrap bits: the same seed gives the same table, another seed another one
    again = tp.attribute_by_segment(ev, "first_channel", models=["markov", "linear"], bootstrap=40, seed=2)
    pd.testing.assert_frame_equal(t, again.to_pandas())
    other = tp.attribute_by_segment(ev, "first_channel", models=["markov", "linear"], bootstrap=40, seed=3)
    assert not t["lower"].equals(other.to_pandas()["lower"])
    assert ((t.lower <= t.conversions + 1e-9) & (t.conversions <= t.upper + 1e-9)).all()


def test_segment_alone_by_mapping(ev):
    df = ev.to_pandas()
    customers = sorted(df.customer_id.unique())
    half = set(customers[: len(customers) // 2])
    mapping = {c: ("a" if c in half else "b") for c in customers}
    res = tp.attribute_by_segment(df, mapping, models=["markov"], bootstrap=30, seed=1).to_pandas()
    alone = tp.attribute(tp.Journeys.from_events(df[df.customer_id.isin(half)]), model="markov", bootstrap=30, seed=1)
    a = res[res.segment == "a"].set_index("touchpoint")
    b = alone.to_pandas().set_index("touchpoint")
    for tpn in b.index:
        assert a.loc[tpn, "conversions"] == pytest.approx(b.loc[tpn, "conversions"], rel=1e-9, abs=1e-12)
        assert a.loc[tpn, "lower"] == pytest.approx(b.loc[tpn, "lower"], rel=1e-9, abs=1e-12)
        assert a.loc[tpn, "upper"] == pytest.approx(b.loc[tpn, "upper"], rel=1e-9, abs=1e-12)


def test_compare_finds_a_planted_difference():
    import random

    rng = random.Random(1)
    rows = []
    for i in range(1_000):
        north = i % 2 == 0
        first = "email" if rng.random() < 0.5 else "search"
        driver = "email" if north else "search"
        conv = rng.random() < (0.6 if first == driver else 0.1)
        rows += [(f"c{i}", first, 0, False, 0.0, "north" if north else "south"),
                 (f"c{i}", "display", 1, False, 0.0, "north" if north else "south")]
        if conv:
            rows.append((f"c{i}", None, 2, True, 10.0, "north" if north else "south"))
    df = pd.DataFrame(rows, columns=["customer_id", "touchpoint", "timestamp", "converted", "value", "region"])
    res = tp.attribute_by_segment(df, "region", models=["first", "markov"], order=2, bootstrap=200, seed=4)
    d = res.compare("north", "south")
    check((d), "SegmentDiffRow", with_optional=("difference_lower", "difference_upper", "p_value",
                                                          "p_adjusted"))
    email = d[(d.model == "first") & (d.metric == "share") & (d.item == "email")].iloc[0]
    assert email.difference < -0.3 and email.p_value < 0.01 and email.p_adjusted < 0.02
    assert d.test.str.startswith("bootstrap").all()
    with pytest.raises(tp.TouchpointError, match="north, south"):
        res.compare("north", "west")


def test_graph_intervals_and_graph_by_segment(ev):
    paths = tp.PathTable.from_records([("search > email", 40, 60, 0), ("email", 10, 90, 0)])
    g = tp.graph_intervals(paths, bootstrap=200, seed=1)
    t = g.to_pandas()
    check((t), "GraphIntervalRow", with_optional=("lower", "upper", "std_error"))
    p = t[t.metric == "conversion_probability"].iloc[0]
    assert p.estimate == 0.25 and p.lower < 0.25 < p.upper and p.resamples == 200
    assert "percentile" in g.notes[0]
    sg = tp.graph_by_segment(ev, "first_channel", bootstrap=30)
    st = sg.to_pandas()
    check((st), "SegmentGraphRow", with_optional=("lower", "upper", "std_error"))
    segs = sorted(st.segment.unique())
    cmp = sg.compare(segs[0], segs[1])
    assert set(cmp.metric) == {"conversion_probability", "removal_effect"}
    top = tp.top_paths_by_segment(ev, "first_channel", k=3)
    check((top), "SegmentTopPathRow")
    j = tp.Journeys.from_events(ev.to_pandas())
    assert top.journeys.sum() == pytest.approx(len(j))


def test_bad_bootstrap_options_are_typed():
    paths = tp.PathTable.from_records([("a > b", 3, 2, 0), ("b", 1, 4, 0)])
    with pytest.raises(tp.OptionError, match="bootstrap"):
        tp.attribute(paths, model="markov", bootstrap=0)
    with pytest.raises(tp.OptionError, match="bootstrap"):
        tp.graph_intervals(paths, bootstrap=100_001)
    with pytest.raises(tp.OptionError, match="ci"):
        tp.attribute(paths, model="linear", bootstrap=10, ci=1.5)


def test_personas_are_deterministic_and_work_as_segments(ev):
    p = tp.personas(ev, k=3, seed=1)
    t = p.to_pandas()
    check((t), "PersonaRow")
    assert list(t.persona) == ["persona 1", "persona 2", "persona 3"]
    assert list(t.customers) == sorted(t.customers, reverse=True)
    again = tp.personas(ev, k=3, seed=1)
    pd.testing.assert_frame_equal(t, again.to_pandas())
    a = p.assignments()
    assert len(a) == ev.customers and set(a.persona) <= set(t.persona) | {"(missing)"}
    f = tp.funnel(ev, ["website", "store visit"], segment=p).to_pandas()
    assert set(f.segment) <= set(t.persona) | {"(missing)"}
    seg = tp.attribute_by_segment(ev, p, models=["last"]).to_pandas()
    assert set(seg.segment) <= set(t.persona) | {"(missing)"}
    auto = tp.personas(ev, k_min=2, k_max=4)
    assert [k for k, _ in auto.silhouette] == [2, 3, 4]
    assert auto.k == max(auto.silhouette, key=lambda x: (x[1], -x[0]))[0]
    with pytest.raises(tp.OptionError, match="k"):
        tp.personas(ev, k=0)


def test_funnel_intervals_and_segment_comparison():
    rows = []
    for i in range(400):
        north = i < 200
        rows.append((f"c{i}", "A", 0, "north" if north else "south"))
        if (north and i % 10 < 6) or (not north and i % 10 < 3):
            rows.append((f"c{i}", "B", 1, "north" if north else "south"))
    df = pd.DataFrame(rows, columns=["customer_id", "touchpoint", "timestamp", "region"])
    f = tp.funnel(df, ["A", "B"], segment="region")
    t = f.to_pandas()
    b = t[(t.segment == "north") & (t.step == 2)].iloc[0]
    assert b.overall_rate == 0.6 and b.overall_rate_lower < 0.6 < b.overall_rate_upper
    d = f.compare("north", "south")
    r = d.iloc[1]
    assert r.units_a == 120 and r.units_b == 60 and abs(r.difference + 0.3) < 1e-12
    assert r.p_value < 1e-8 and r.test.startswith("two-proportion")
    with pytest.raises(tp.OptionError, match="north, south"):
        f.compare("north", "west")
