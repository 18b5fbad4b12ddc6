"""One schema in the core: every table the Python face returns has exactly the columns (names,
order, types) of its core row struct (``touchpoint_core::schema::schemas()``, exposed as
``_touchpoint._schemas()``), minus the optional columns no row has a value in; every option error
lists the core's choices; every core error kind reaches the exception class the README's errors
table names, with its ``kind``."""

from __future__ import annotations

import pathlib
import re

import pyarrow as pa
import pytest

import touchpoint as tp
from touchpoint import _touchpoint as native
from conftest import E1_ROWS, E5_ROWS, assert_close

SCHEMAS = native._schemas()
OPTIONS = native._options()

ARROW_TYPES = {
    "str": pa.string(),
    "f64": pa.float64(),
    "i64": pa.int64(),
    "u64": pa.uint64(),
    "bool": pa.bool_(),
    "timestamp_ms": pa.timestamp("ms", tz="UTC"),
    "str_list": pa.list_(pa.string()),
    "duration_ms": pa.duration("ms"),
}


def expected_columns(row: str, with_optional=()) -> list:
    """The schema's columns, without the optional ones not in `with_optional`."""
    s = SCHEMAS[row]
    return [c for c in s["columns"] if c not in s["optional"] or c in with_optional]


def check(table, row: str, with_optional=()) -> pa.Table:
    """`table` (any Arrow table) has the columns and types of the core row `row`."""
    t = pa.table(table)
    want = expected_columns(row, with_optional)
    assert t.column_names == want, row
    types = dict(zip(SCHEMAS[row]["columns"], SCHEMAS[row]["types"]))
    for field in t.schema:
        assert field.type == ARROW_TYPES[types[field.name]], (row, field.name, field.type)
    return t


@pytest.fixture(scope="module")
def demo():
    events = tp.demo.events(customers=400, seed=7, backend="pyarrow")
    journeys = tp.Journeys.from_events(events, lookback="30d")
    paths = tp.PathTable.from_journeys(journeys)
    return events, journeys, paths, tp.JourneyGraph(journeys)


def test_schemas_are_the_core_registry():
    assert len(SCHEMAS) == 46
    for name, s in SCHEMAS.items():
        assert len(s["columns"]) == len(s["types"]) > 0, name
        assert set(s["optional"]) <= set(s["columns"]), name
        assert set(s["types"]) <= set(ARROW_TYPES), name
    assert SCHEMAS["AttributionRow"]["optional"] == ["removal_effect", "removal_effect_value", "std_error", "lower", "upper",
                                                     "score"]
    assert SCHEMAS["TopPath"]["columns"][:2] == ["path", "touches"]
    assert SCHEMAS["StatePriority"]["columns"][:2] == ["state", "state_id"]
    assert SCHEMAS["Sensitivity"]["columns"] == ["source", "target", "source_id", "target_id", "sensitivity"]


def test_events_and_journeys_tables(demo):
    events, journeys, paths, _ = demo
    t = check(events, "EventRow")
    assert t.num_rows == len(native.PyEvents.demo(400, 7))
    assert list(tp.demo.events(customers=50, seed=3).columns) == expected_columns("EventRow")  # pandas too
    j = check(journeys.to_arrow(), "JourneyRow")
    assert t.num_rows > j.num_rows == len(journeys)
    assert_close(sum(j["value"].to_pylist()), journeys.total_value, "journey values")
    assert list(journeys.report) == SCHEMAS["JourneyReport"]["columns"]
    assert journeys.report["journeys_converting"] == sum(j["converted"].to_pylist())
    p = check(paths.to_arrow(), "PathTableRow")
    assert p.num_rows == len(paths)
    assert_close(sum(p["conversions"].to_pylist()), journeys.total_conversions, "path conversions")


def test_path_tables(demo):
    _, journeys, paths, g = demo
    for by in OPTIONS["path_rank"]:
        top = check(paths.top_paths(4, by=by), "TopPath")
        assert top.num_rows == 5 and top["remainder"].to_pylist() == [False] * 4 + [True]
        assert_close(sum(top["conversions"].to_pylist()), paths.total_conversions, f"top by {by}")
    check(g.top_paths(3), "TopPath")
    nodes, links = paths._native.sankey(3, 4)
    n = check(nodes, "SankeyNode")
    assert n["label"].to_pylist()[:2] == ["conversion", "no conversion"]
    links = check(links, "SankeyLink")
    ended = sum(j for t, j in zip(links["target"].to_pylist(), links["journeys"].to_pylist()) if t < 2)
    assert_close(ended, len(journeys), "journeys ending in an outcome")


def test_attribution_tables_drop_optional_columns_without_values(demo):
    _, journeys, paths, _ = demo
    linear = check(tp.attribute(journeys, model="linear").to_arrow(), "AttributionRow")
    assert "removal_effect" not in linear.column_names and "std_error" not in linear.column_names
    markov = check(tp.attribute(journeys, model="markov").to_arrow(), "AttributionRow",
                   ("removal_effect", "removal_effect_value"))
    assert all(r > 0 for r in markov["removal_effect"].to_pylist())
    sampled = tp.attribute(paths, model="shapley_rate", shapley_method="sampled", shapley_samples=300, shapley_seed=2)
    t = check(sampled.to_arrow(), "AttributionRow", ("std_error", "score"))
    assert all(se >= 0 for se in t["std_error"].to_pylist())
    pj = tp.attribute(paths, model="linear", per_journey=True).per_journey()
    pj = check(pa.table(pj), "JourneyCreditRow")
    assert_close(sum(pj["conversions"].to_pylist()), paths.total_conversions, "per-journey credit")
    bp = check(pa.table(tp.attribute(paths, model="ordered_shapley").by_position()), "PositionCreditRow")
    assert min(bp["position"].to_pylist()) == 1
    # an empty table keeps its columns (no optional one has a value)
    res = tp.attribute(tp.PathTable.from_records(E5_ROWS), model="linear", per_journey=True)
    assert list(res.to_pandas().columns) == expected_columns("AttributionRow")


def test_graph_tables(demo):
    _, journeys, _, g = demo
    tr = check(g.transitions(), "TransitionRow")
    assert set(tr["target_kind"].to_pylist()) == {"state", "conversion", "null"}
    nodes = check(g.nodes(), "NodeRow")
    assert nodes["kind"].to_pylist()[0] == "start"
    events = demo[0]
    scored = check(g.nodes(experience=tp.experience(events)), "NodeRow", ("nps", "mean_score", "scores"))
    assert scored.column_names[:len(nodes.column_names)] == nodes.column_names
    assert 0 < scored["nps"].null_count < scored.num_rows
    assert_close(nodes["conversion_probability"].to_pylist()[0], g.conversion_probability, "start node")
    re_ = check(g.removal_effects(), "RemovalEffectRow")
    assert re_.num_rows == len(journeys.touchpoints)
    s = check(g.sensitivities(), "Sensitivity")
    labels = dict(zip(tr["source_id"].to_pylist(), tr["source"].to_pylist()))
    for sid, source in zip(s["source_id"].to_pylist(), s["source"].to_pylist()):
        assert labels[sid] == source
    by_tp = check(g.prioritize(0.2), "TouchpointPriority")
    by_state = check(g.prioritize(0.2, by="state"), "StatePriority")
    staged = tp.JourneyGraph(tp.Journeys.from_events(tp.Events.demo(customers=500, backend="pyarrow")))
    by_stage = check(staged.prioritize(0.2, by="stage"), "StagePriority")
    assert set(by_stage["stage"].to_pylist()) <= {"awareness", "first_interaction", "purchase", "after_sales"}
    # order 1: a touchpoint is one state, and the closed form equals the re-solve
    gains = dict(zip(by_state["state"].to_pylist(), by_state["gain"].to_pylist()))
    for name, gain in zip(by_tp["touchpoint"].to_pylist(), by_tp["gain"].to_pylist()):
        assert gain == pytest.approx(gains[name], rel=1e-9, abs=1e-12)
    state_ids = dict(zip(nodes["label"].to_pylist(), nodes["node_id"].to_pylist()))
    assert by_state["state_id"].to_pylist() == [state_ids[x] for x in by_state["state"].to_pylist()]
    first = journeys.touchpoints[0]
    nb = g.next_best([first], {t: 1.0 for t in journeys.touchpoints[1:4]})
    check(pa.table(nb), "NextBestRow")
    cp = check(g.converting_paths(k=3), "ConvertingPathRow")
    assert cp["rank"].to_pylist() == [1, 2, 3]
    summary = g.summary()
    assert summary["order"] == 1 and summary["states"] == len(journeys.touchpoints)
    assert summary["total_journeys"] == len(journeys) == g.total_journeys


def test_budget_table():
    curves = [tp.Hill(name="a", beta=10, alpha=1, gamma=5), tp.Power(name="b", a=2, b=0.5)]
    plan = tp.allocate_budget(curves, budget=20)
    t = check(plan.to_arrow(), "PlanRow")
    assert t["name"].to_pylist() == ["a", "b"]
    assert_close(sum(t["spend"].to_pylist()), 20.0, "spend")


def test_every_schema_is_covered():
    """Each core row type is checked above (a new row type must get a Python table and a test)."""
    source = pathlib.Path(__file__).read_text(encoding="utf-8")
    checked = set(re.findall(r'"([A-Za-z]+Row|TopPath|SankeyNode|SankeyLink|JourneyReport|Sensitivity|'
                             r'TouchpointPriority|StatePriority|StagePriority|FunnelSummary|FeedbackReport|ConsistencySummary|'
                             r'AppendReport|ModelInfo|PartialRow)"', source))
    assert set(SCHEMAS) <= checked, set(SCHEMAS) - checked


# ---------------------------------------------------------------------------------------------
# options: one extractor, the core's message


@pytest.fixture(scope="module")
def small():
    paths = tp.PathTable.from_records(E1_ROWS)
    events = pa.table({"customer_id": ["a", "a"], "touchpoint": ["x", "y"], "timestamp": [1, 2],
                       "converted": [False, True]})
    return paths, events


def option_calls(paths, events):
    """(core option, call with the bad value "x")."""
    g = tp.JourneyGraph(paths)
    curve = tp.Hill(name="h", beta=1, alpha=1, gamma=1)
    return [
        ("time_unit", lambda: tp.Journeys.from_events(events, time_unit="x")),
        ("time_unit", lambda: native.PyEvents.from_lists(["a"], ["x"], [1], [True], [1.0], time_unit="x")),
        ("path_rank", lambda: paths.top_paths(3, by="x")),
        ("path_rank", lambda: g.top_paths(3, by="x")),
        ("model", lambda: tp.attribute(paths, model="x")),
        ("model", lambda: tp.compare(paths, models=["first", "x"])),
        ("allocation", lambda: tp.attribute(paths, allocation="x")),
        ("value_basis", lambda: tp.attribute(paths, value_basis="x")),
        ("shapley_method", lambda: tp.attribute(paths, model="shapley_rate", shapley_method="x")),
        ("by", lambda: g.prioritize(0.1, by="x")),
        ("by", lambda: tp.prioritize(paths, by="x")),
        ("solver", lambda: tp.allocate_budget([curve], budget=1, solver="x")),
        ("curve_kind", lambda: native.curve_values(("h", "x", [1.0], 0.0, None, None), [1.0])),
        ("mode", lambda: tp.funnel(events, ["x"], mode="x")),
        ("unit", lambda: tp.funnel(events, ["x"], unit="x")),
        ("unit", lambda: tp.step_matrix(events, 3, unit="x")),
        ("alignment", lambda: tp.retention(events, alignment="x")),
        ("returned", lambda: tp.repurchase(events, returned="x")),
        ("segment_by", lambda: native.PySegments.by_first_touch(tp.Events.from_frame(events)._native, "x")),
    ]


def test_every_option_error_lists_the_core_choices(small):
    calls = option_calls(*small)
    assert {option for option, _ in calls} == set(OPTIONS)
    for option, call in calls:
        with pytest.raises(tp.OptionError) as info:
            call()
        want = f'invalid option `{option}` = "x": expected one of {", ".join(OPTIONS[option])}'
        assert str(info.value) == want
        assert info.value.kind == "invalid_option"
        assert isinstance(info.value, tp.ModelError) and isinstance(info.value, tp.InputError)


def test_option_error_example(small):
    paths, _ = small
    with pytest.raises(tp.OptionError, match="journeys, conversions, value"):
        paths.top_paths(3, by="length")
    with pytest.raises(tp.OptionError, match=r"`allocation`: expected a str, one of global, per_journey; got a int"):
        tp.attribute(paths, allocation=3)


def test_options_accept_the_core_aliases_and_spellings(small):
    paths, events = small
    curves = [tp.Hill(name="a", beta=100, alpha=3, gamma=30), tp.Hill(name="b", beta=140, alpha=2.5, gamma=50)]
    assert tp.allocate_budget(curves, budget=50, solver="dp").solver == "dynamic_programming"
    assert tp.allocate_budget(curves, budget=50, solver="Dynamic-Programming").solver == "dynamic_programming"
    by_name = tp.attribute(paths, model="u_shaped")
    assert by_name.model == "position"
    assert tp.attribute(paths, model="markov", allocation="Per Journey").parameters["allocation"] == "per_journey"
    seconds = tp.Journeys.from_events(events, time_unit="seconds").to_pandas()
    assert seconds["start"].iloc[0] == tp.Journeys.from_events(events, time_unit="s").to_pandas()["start"].iloc[0]
    assert len(tp.JourneyGraph(paths).prioritize(0.1, by="states")) == 3
    rate = tp.attribute(paths, model="shapley_rate", shapley_method="sampling", shapley_samples=50)
    assert rate.parameters["method"] == "sampled"


# ---------------------------------------------------------------------------------------------
# errors: one kind, one exception


def readme_error_table() -> dict:
    """{kind name: Python exception class name} from the README's errors table."""
    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Errors: one kind, one exception, one code", 1)[1]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"\| `(\w+)` \|[^|]*\| `(\w+)` \|", line)
        if m and m.group(1) != "ErrorKind":
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", m.group(1)).lower()
            rows[snake] = m.group(2)
    return rows


def test_error_classes_are_the_readme_table():
    table = readme_error_table()
    classes = native._error_classes()
    assert list(table) == list(classes)  # every kind, in code order
    for kind, cls in classes.items():
        assert cls is getattr(tp, table[kind]), kind
        assert issubclass(cls, tp.TouchpointError)


def error_triggers(tmp_path):
    """One real call per error kind the Python face can reach (`no_conversions` is produced by no
    core function; `no_convergence` needs a chain that takes 200,000 sweeps)."""
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("path,total_conversions\na > b,1,5,6\n")
    dup = tmp_path / "dup.csv"
    dup.write_text("path,total_conversions,total_conversions\na,1,2\n")
    missing = tmp_path / "missing.csv"
    missing.write_text("path,conv\na,1\n")
    paths = tp.PathTable.from_records([("a > b", 1, 1, 0)])
    hill = tp.Hill(name="h", beta=1, alpha=1, gamma=1)
    return {
        "empty_input": lambda: tp.PathTable.from_records([]),
        "missing_column": lambda: tp.read_paths(missing),
        "duplicate_column": lambda: tp.read_paths(dup),
        "invalid_value": lambda: tp.PathTable.from_records([("a", 1, 0, -1)]),
        "length_mismatch": lambda: tp.evaluate_budget([hill], [1.0, 2.0]),
        "unknown_touchpoint": lambda: tp.JourneyGraph(paths).next_best(["nope"], {"a": 0.0}),
        "invalid_option": lambda: paths.top_paths(3, by="x"),
        "model_not_applicable": lambda: tp.attribute(paths, model="time_decay"),
        "csv": lambda: tp.read_paths(ragged),
        "io": lambda: tp.read_paths(tmp_path / "nope.csv"),
        "json": lambda: paths._native.with_catalog_json("not json"),
        "model_file": lambda: tp.JourneyGraph.from_bytes(b"TPMODEL\0 is not enough"),
        "incompatible": lambda: tp.Partial.empty(tp.PartialSpec(["a"])) + tp.Partial.empty(tp.PartialSpec(["b"])),
        "cancelled": lambda: tp.JourneyGraph(paths).prioritize(by="state", progress=lambda stage, done, total: False),
    }


def test_each_error_kind_reaches_its_class(tmp_path):
    classes = native._error_classes()
    triggers = error_triggers(tmp_path)
    assert set(classes) - set(triggers) == {"no_conversions", "no_convergence"}
    for kind, call in triggers.items():
        with pytest.raises(classes[kind]) as info:
            call()
        assert info.value.kind == kind, (kind, str(info.value))
    # errors the Arrow reader finds itself land in the same classes, with the same kinds
    with pytest.raises(tp.ColumnNotFoundError) as info:
        tp.PathTable.from_frame(pa.table({"p": ["a"]}))
    assert info.value.kind == "missing_column"
    with pytest.raises(tp.InputError) as info:
        tp.PathTable.from_frame(pa.table({"path": ["a", None], "total_conversions": [1.0, 2.0]}))
    assert info.value.kind == "invalid_value"
    # and errors of the Python layer have no core kind
    with pytest.raises(tp.InputError) as info:
        tp.Journeys.from_events(small_events(), lookback="30 dayz")
    assert info.value.kind is None


def small_events():
    return pa.table({"customer_id": ["a"], "touchpoint": ["x"], "timestamp": [1], "converted": [True]})


def test_journey_map_tables(demo):
    events = tp.Events.demo(customers=600)
    f = tp.stage_funnel(events)
    check(f.to_arrow(), "FunnelRow")
    check(f.summary, "FunnelSummary")
    seg = tp.funnel(tp.demo.events(customers=600), ["search ad", "website"], segment="first_channel",
                    catalog=tp.demo.catalog())
    check(seg.to_arrow(), "FunnelRow", with_optional=["segment"])
    m = tp.step_matrix(events, 4)
    check(m.to_arrow(), "StepMatrixRow")
    r = tp.repurchase(events)
    check(r.retention.to_arrow(), "RetentionRow")
    check(r.retention.mean, "RetentionMeanRow")
    check(r.gaps, "PurchaseGapRow")
    region = tp.demo.events(customers=300, backend="pyarrow")
    segs = ["north" if c < "c000150" else "south" for c in region["customer_id"].to_pylist()]
    sm = tp.step_matrix(region, 3, unit="customer", segment=segs)
    check(sm.difference("north", "south"), "StepMatrixDiffRow")
    for opt in ("mode", "unit", "alignment", "returned", "segment_by"):
        assert opt in OPTIONS


def test_experience_tables():
    events = tp.Events.demo(customers=800, backend="pyarrow")
    exp = tp.experience(events)
    check(exp.to_arrow(), "ExperienceRow")
    check(exp.compare("website", "app"), "ExperienceDiffRow")
    check(exp._native.report(), "FeedbackReport")
    assert list(exp.report) == SCHEMAS["FeedbackReport"]["columns"]
    seg = tp.experience(events, segment="first_channel")
    check(seg.to_arrow(), "ExperienceRow", with_optional=["segment"])
    check(seg.compare("website", "app"), "ExperienceDiffRow", with_optional=["segment"])
    check(seg.compare_segments("online", "offline"), "ExperienceDiffRow")
    check(tp.experience_conversion(events).to_arrow(), "ExperienceConversionRow")
    check(tp.experience_conversion(events, segment="first_channel").to_arrow(), "ExperienceConversionRow",
          with_optional=["segment"])
    check(tp.key_drivers(events, missing="impute_mean").to_arrow(), "KeyDriverRow")
    c = tp.consistency(events)
    check(c.to_arrow(), "ConsistencyRow")
    check(c._native.summary(), "ConsistencySummary")
    assert list(c.summary) == SCHEMAS["ConsistencySummary"]["columns"]


def test_segment_interval_and_persona_tables():
    ev = tp.Events.demo(customers=400, seed=7)
    res = tp.attribute_by_segment(ev, "first_channel", models=["markov"], bootstrap=10)
    check(res._table(), "SegmentAttributionRow", with_optional=("removal_effect", "lower", "upper", "std_error"))
    a, b = res.segments[:2]
    check(res._native.compare(a, b), "SegmentDiffRow",
          with_optional=("difference_lower", "difference_upper", "p_value", "p_adjusted"))
    g = tp.graph_intervals(tp.Journeys.from_events(ev.to_pandas()), bootstrap=10)
    check(g._table(), "GraphIntervalRow", with_optional=("lower", "upper", "std_error"))
    check(tp.graph_by_segment(ev, "first_channel")._table(), "SegmentGraphRow")
    js = tp.Journeys.from_events(ev.to_pandas())
    seg = native.PySegments.by_first_touch(ev._native, "first_channel")
    check(native.top_paths_by_segment(js._native, seg, 3), "SegmentTopPathRow")
    check(tp.personas(ev, k=2)._table(), "PersonaRow")
    f = tp.funnel(ev, ["website", "store visit"], segment="first_channel")
    check(f._native.compare("online", "offline"), "FunnelDiffRow",
          with_optional=("difference", "difference_lower", "difference_upper", "p_value", "p_adjusted"))


def test_scoring_append_and_model_info_tables():
    js = tp.Journeys.from_events(tp.demo.events(customers=300, seed=3))
    g = tp.JourneyGraph(js, order=2)
    s = g.score(js)
    check(s._table(), "ScoreRow", with_optional=("expected_time_to_convert",))
    check(s._next, "ScoreNextRow")
    day2 = tp.demo.events(customers=50, seed=4)
    day2["timestamp"] = day2["timestamp"] + __import__("pandas").Timedelta(days=400)
    assert list(js.append(day2).appended) == SCHEMAS["AppendReport"]["columns"]
    assert list(tp.model_info(g.to_bytes())) == SCHEMAS["ModelInfo"]["columns"]


def test_partial_rows_table():
    spec = tp.PartialSpec(["email", "search"], models=["linear", "markov"])
    ev = pa.table({"customer_id": ["a", "a"], "touchpoint": ["search", "email"], "timestamp": [1, 2],
                   "converted": [False, True], "value": [0.0, 9.5]})
    t = check(tp.Partial.from_events(ev, spec).to_arrow(), "PartialRow")
    assert t["kind"][0].as_py() == "fingerprint" and t["key"][0].as_py() == spec.fingerprint
