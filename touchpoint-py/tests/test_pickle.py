"""Every public class pickles, and every result and data object round-trips through its JSON
document (``to_json()`` / ``from_json()``, the core's serde): equal in everything observable
(tables, properties, public attributes, representations, the answers of its methods) and
writing the same JSON again. A document of another kind raises ``ModelFileError`` naming the
kind expected and the kind found.

The classes are those of ``tp.__all__``, enumerated: a class with no entry in :data:`BUILD`
(or an explicit reason in :data:`NOT_SERIALISED`) fails ``test_every_public_class_is_listed``,
so a new class cannot be forgotten."""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import pickle
import warnings
from typing import Any, Callable, Dict, List

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import touchpoint as tp
from touchpoint.exceptions import ModelFileError
from touchpoint.partial import PartialBuilder


class Ctx:
    """The demo data every object is built from (built once per module)."""

    def __init__(self) -> None:
        self.df = tp.demo.events(customers=1500)
        self.catalog = tp.demo.catalog()
        self.events = tp.Events.from_frame(self.df, feedback="feedback", catalog=self.catalog)
        self.journeys = tp.Journeys.from_events(self.df, lookback="30d", catalog=self.catalog)
        self.touchpoints: List[str] = self.journeys.touchpoints
        self.graph = tp.JourneyGraph(self.journeys, order=2)
        self.curves = [
            tp.Hill(name="search", beta=100.0, alpha=3.0, gamma=30.0),
            tp.Power(name="email", a=2.0, b=0.5, upper=40.0),
            tp.LogCurve(name="social", a=30.0, b=10.0, lower=5.0),
            tp.Piecewise(name="tv", points=[(0.0, 0.0), (50.0, 20.0), (100.0, 30.0)], locked=10.0),
        ]
        self.spec = tp.PartialSpec(self.touchpoints, models=["markov", "linear"], graph_orders=[1, 2], paths=True,
                                   lookback="30d", catalog=self.catalog)

    def surveys(self) -> tp.Surveys:
        rows = self.df[self.df.touchpoint.notna()].head(60).reset_index(drop=True)
        return tp.Surveys.from_frame(pd.DataFrame({
            "customer_id": rows.customer_id,
            "timestamp": rows.timestamp + pd.Timedelta(hours=1),
            "score": [float(i % 11) for i in range(len(rows))],
            "touchpoint": [t if i % 3 else None for i, t in enumerate(rows.touchpoint)],
        }))


#: How to build a real instance of every serialisable public class.
BUILD: Dict[str, Callable[[Ctx], Any]] = {
    "Events": lambda c: c.events,
    "Journeys": lambda c: c.journeys,
    "PathTable": lambda c: c.journeys.paths(),
    "Attribution": lambda c: tp.attribute(c.journeys, model="markov", order=2),
    "Comparison": lambda c: tp.compare(c.journeys, models=["first", "linear", "markov"], value=True),
    "JourneyGraph": lambda c: c.graph,
    "Scorer": lambda c: c.graph.scorer(top_k=2),
    "Scores": lambda c: c.graph.scorer(top_k=2).score(c.journeys),
    "NextBest": lambda c: c.graph.next_best([c.touchpoints[0]], {t: 1.0 for t in c.touchpoints}),
    "Funnel": lambda c: tp.stage_funnel(c.events, segment="first_channel"),
    "StepMatrix": lambda c: tp.step_matrix(c.events, 4, segment="first_channel"),
    "Retention": lambda c: tp.retention(c.events, period="week"),
    "Repurchase": lambda c: tp.repurchase(c.events),
    "Experience": lambda c: tp.experience(c.events),
    "ExperienceConversion": lambda c: tp.experience_conversion(c.events),
    "KeyDrivers": lambda c: tp.key_drivers(c.events, outcome="after-sales survey", missing="impute_mean"),
    "Consistency": lambda c: tp.consistency(c.events),
    "Surveys": lambda c: c.surveys(),
    "SegmentAttribution": lambda c: tp.attribute_by_segment(c.events, "first_channel", models=["markov", "last"],
                                                            bootstrap=20),
    "SegmentGraph": lambda c: tp.graph_by_segment(c.events, "first_channel", bootstrap=20),
    "GraphIntervals": lambda c: tp.graph_intervals(c.journeys, bootstrap=30, seed=1),
    "Personas": lambda c: tp.personas(c.events, k=3),
    "BudgetPlan": lambda c: tp.allocate_budget(c.curves, budget=150.0),
    "Hill": lambda c: c.curves[0],
    "Power": lambda c: c.curves[1],
    "LogCurve": lambda c: c.curves[2],
    "Piecewise": lambda c: c.curves[3],
    "PartialSpec": lambda c: c.spec,
    "Partial": lambda c: tp.Partial.from_events(pa.Table.from_pandas(c.df, preserve_index=False), c.spec),
}

#: The ``kind`` of each class's JSON document.
KIND: Dict[str, str] = {
    "Events": "events", "Journeys": "journeys", "PathTable": "path_table", "Attribution": "attribution",
    "Comparison": "comparison", "Scorer": "scorer", "Scores": "scores", "NextBest": "next_best",
    "Funnel": "funnel", "StepMatrix": "step_matrix", "Retention": "retention", "Repurchase": "repurchase",
    "Experience": "experience", "ExperienceConversion": "experience_conversion", "KeyDrivers": "key_drivers",
    "Consistency": "consistency", "Surveys": "surveys", "SegmentAttribution": "segment_attribution",
    "SegmentGraph": "segment_graph", "GraphIntervals": "graph_intervals", "Personas": "personas",
    "BudgetPlan": "budget_plan", "Hill": "response_curve", "Power": "response_curve", "LogCurve": "response_curve",
    "Piecewise": "response_curve", "PartialSpec": "partial_spec", "Partial": "partial",
}

#: Classes that pickle but whose ``to_json`` is something else (documented in the class).
NO_FROM_JSON = {
    "JourneyGraph": "to_json is the node-link export for networkx; pickle, save/load and to_bytes/from_bytes are "
                    "its round trip",
}

#: Public classes that are not serialised, and why.
NOT_SERIALISED = {
    "PartialBuilder": "a partition in progress: finish() it and serialise the Partial (pickling says so)",
    "Report": "a rendered document (DataFrames, lazily drawn figures): to_html writes it",
}

#: What else to ask each object (on the original and the copy, answers compared).
EXTRA: Dict[str, Callable[[Any, Ctx], Dict[str, Any]]] = {
    "Events": lambda x, c: {"journeys": tp.Journeys.from_events(x, lookback="30d").to_pandas(),
                            "funnel": tp.funnel(x, c.touchpoints[:3]).to_pandas()},
    "Journeys": lambda x, c: {"paths": x.paths().to_pandas(), "appended": x.appended,
                              "markov": tp.attribute(x, model="markov").to_pandas()},
    "PathTable": lambda x, c: {"top": x.top_paths(5), "csv_totals": (x.total_conversions, x.total_nulls)},
    "Attribution": lambda x, c: {"credits": x.credits, "label": x.label},
    "Comparison": lambda x, c: {"long": x.long()},
    "JourneyGraph": lambda x, c: {"transitions": x.transitions(), "nodes": x.nodes(), "bytes": x.to_bytes(),
                                  "removal": x.removal_effects(), "summary": x.summary(), "export": x.to_json()},
    "Scorer": lambda x, c: {"scores": x.score(c.journeys).to_pandas(),
                            "next": x.score(c.events).next_touchpoints()},
    "Scores": lambda x, c: {"next": x.next_touchpoints()},
    "NextBest": lambda x, c: {"best": x.best},
    "Funnel": lambda x, c: {"compare": x.compare("online", "offline"), "dict": x.to_dict()},
    "StepMatrix": lambda x, c: {"matrix": x.matrix(segment="online"), "difference": x.difference("online", "offline")},
    "Retention": lambda x, c: {"matrix": x.matrix(), "retained": x.matrix("retained")},
    "Experience": lambda x, c: {"compare": x.compare("website", "store visit"), "dict": x.to_dict()},
    "ExperienceConversion": lambda x, c: {"dict": x.to_dict()},
    "KeyDrivers": lambda x, c: {"dict": x.to_dict(),
                                "r2_of": x.r_squared_of(list(x.to_pandas()["driver"])[:2])},
    "Consistency": lambda x, c: {"dict": x.to_dict()},
    "Surveys": lambda x, c: {"experience": tp.experience(c.events, x).to_pandas()},
    "SegmentAttribution": lambda x, c: {"compare": x.compare("online", "offline")},
    "SegmentGraph": lambda x, c: {"compare": x.compare("online", "offline")},
    "Personas": lambda x, c: {"assignments": x.assignments(),
                              "funnel": tp.funnel(c.events, c.touchpoints[:2], segment=x).to_pandas()},
    "BudgetPlan": lambda x, c: {"allocation": x.allocation},
    "Hill": lambda x, c: {"values": x([0.0, 10.0, 45.5])},
    "Power": lambda x, c: {"values": x([0.0, 10.0, 45.5])},
    "LogCurve": lambda x, c: {"values": x([0.0, 10.0, 45.5])},
    "Piecewise": lambda x, c: {"values": x([0.0, 10.0, 45.5])},
    "PartialSpec": lambda x, c: {"self": x},
    "Partial": lambda x, c: {"self": x, "attribution": x.attribute().long(), "paths": x.path_table().to_pandas(),
                             "graph": x.graph(2).transitions()},
}

PUBLIC_CLASSES = sorted(n for n in tp.__all__ if inspect.isclass(getattr(tp, n)))
EXCEPTIONS = [n for n in PUBLIC_CLASSES if issubclass(getattr(tp, n), BaseException)]
JSON_NAMES = sorted(n for n in BUILD if n not in NO_FROM_JSON)


class Objects(dict):
    """Name -> object, built on first use from one :class:`Ctx`."""

    def __init__(self) -> None:
        super().__init__()
        self.ctx = Ctx()

    def __missing__(self, name: str) -> Any:
        self[name] = BUILD[name](self.ctx)
        return self[name]


@pytest.fixture(scope="module")
def objects() -> Objects:
    return Objects()


# ---------------------------------------------------------------------------------------------
# comparing everything observable


def _shallow(v: Any) -> Any:
    """A touchpoint object inside an answer (a Comparison's results, a Repurchase's retention)."""
    if hasattr(v, "to_pandas"):
        return [type(v).__name__, v.to_pandas()]
    if type(v).__eq__ is not object.__eq__:
        return v
    return [type(v).__name__, repr(v)]


def _norm(v: Any) -> Any:
    if isinstance(v, (pd.DataFrame, pd.Series)):
        return v
    if isinstance(v, (pl.DataFrame, pa.Table)):
        return v.to_pandas()
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_norm(x) for x in v]
    if type(v).__module__.startswith("touchpoint") and not dataclasses.is_dataclass(v) \
            and not isinstance(v, BaseException):
        return _shallow(v)
    return v


def observe(x: Any, ctx: Ctx, name: str) -> Dict[str, Any]:
    """Everything observable about `x`: its table, every public property, public attributes,
    its length and representations, and the answers of :data:`EXTRA`."""
    out: Dict[str, Any] = {}
    cls = type(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated spellings among the properties
        if hasattr(x, "to_pandas"):
            out["to_pandas"] = x.to_pandas()
        for prop, attr in inspect.getmembers(cls, lambda a: isinstance(a, property)):
            if prop.startswith("_"):
                continue
            try:
                out["." + prop] = getattr(x, prop)
            except Exception as e:  # the same error on both sides counts as equal
                out["." + prop] = ("raises", type(e).__name__, str(e))
        out["vars"] = {k: v for k, v in vars(x).items() if not k.startswith("_")}
    if hasattr(cls, "__len__"):
        out["len"] = len(x)
    if cls.__repr__ is not object.__repr__:
        out["repr"] = repr(x)
    if cls.__str__ is not object.__str__:
        out["str"] = str(x)
    if hasattr(x, "_repr_html_"):
        out["html"] = x._repr_html_()
    if name in EXTRA:
        out.update({"extra." + k: v for k, v in EXTRA[name](x, ctx).items()})
    return _norm(out)


def assert_same(a: Any, b: Any, where: str = "") -> None:
    if isinstance(a, pd.DataFrame):
        assert isinstance(b, pd.DataFrame), where
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: {a!r} != {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), f"{where}: {a!r} != {b!r}"
    else:
        assert type(a) is type(b) and a == b, f"{where}: {a!r} != {b!r}"


# ---------------------------------------------------------------------------------------------
# the tests


def test_every_public_class_is_listed():
    """A new public class needs an entry: a builder (and its kind), or a reason."""
    missing = [n for n in PUBLIC_CLASSES if n not in BUILD and n not in NOT_SERIALISED and n not in EXCEPTIONS]
    assert not missing, f"public classes without an entry in test_pickle.BUILD / NOT_SERIALISED: {missing}"
    assert set(BUILD) <= set(PUBLIC_CLASSES), set(BUILD) - set(PUBLIC_CLASSES)
    assert set(JSON_NAMES) == set(KIND), set(JSON_NAMES) ^ set(KIND)
    for n in BUILD:
        assert hasattr(getattr(tp, n), "from_json") == (n not in NO_FROM_JSON), n


@pytest.mark.parametrize("name", sorted(BUILD))
def test_pickle_round_trip(objects, name):
    x = objects[name]
    assert type(x) is getattr(tp, name)
    back = pickle.loads(pickle.dumps(x))
    assert type(back) is type(x)
    assert_same(observe(x, objects.ctx, name), observe(back, objects.ctx, name), name)
    if name in KIND:
        assert back.to_json() == x.to_json()


@pytest.mark.parametrize("name", JSON_NAMES)
def test_json_round_trip(objects, name):
    x = objects[name]
    text = x.to_json()
    doc = json.loads(text)
    assert (doc["kind"], doc["version"], doc["library_version"]) == (KIND[name], 1, tp.__version__)
    back = type(x).from_json(text)
    assert type(back) is type(x)
    assert_same(observe(x, objects.ctx, name), observe(back, objects.ctx, name), name)
    assert back.to_json() == text
    if hasattr(x, "to_frame"):  # the tables come back in the backend asked for
        polars = type(x).from_json(text, backend="polars")
        assert isinstance(polars.to_frame(), pl.DataFrame)
        assert_same(polars.to_pandas(), x.to_pandas(), name)


@pytest.mark.parametrize("name", JSON_NAMES)
def test_another_kinds_document_is_a_model_file_error(objects, name):
    later = JSON_NAMES[JSON_NAMES.index(name) + 1:] + JSON_NAMES
    other = next(n for n in later if KIND[n] != KIND[name])
    with pytest.raises(ModelFileError) as e:
        getattr(tp, name).from_json(objects[other].to_json())
    msg = str(e.value)
    assert e.value.kind == "model_file"
    assert f'"{KIND[name]}"' in msg and f'"{KIND[other]}"' in msg, msg


def test_documents_that_are_not_ones_are_model_file_errors(objects):
    text = objects["Funnel"].to_json()
    for bad, says in [
        (objects["JourneyGraph"].to_json(), 'no "kind"'),  # the node-link export is not a document
        (text[: len(text) // 2], "damaged"),
        ("not json", "damaged"),
        (text.replace('"version":1', '"version":99', 1), "newer"),
        (text.replace('"steps"', '"stepz"', 1), "steps"),
    ]:
        with pytest.raises(ModelFileError, match=says):
            tp.Funnel.from_json(bad)
    # a damaged saved-model container inside a document is the container's error
    j = objects["Journeys"].to_json()
    at = j.index('"container":"') + 60
    damaged = j[:at] + ("A" if j[at] != "A" else "B") + j[at + 1:]
    with pytest.raises(ModelFileError):
        tp.Journeys.from_json(damaged)


def test_a_curve_class_reads_only_its_kind_of_curve(objects):
    hill, power = objects["Hill"], objects["Power"]
    assert tp.Power.from_json(power.to_json()) == power
    with pytest.raises(ModelFileError) as e:
        tp.Hill.from_json(power.to_json())
    assert "power" in str(e.value) and "hill" in str(e.value)
    with pytest.raises(ModelFileError):
        tp.Piecewise.from_json(hill.to_json())


def test_scores_and_draws_keep_every_bit(objects):
    """Floats survive the JSON bit for bit, NaN draws of the bootstrap included."""
    seg = objects["SegmentAttribution"]
    back = tp.SegmentAttribution.from_json(seg.to_json())
    pd.testing.assert_frame_equal(back.compare("online", "offline"), seg.compare("online", "offline"),
                                  check_exact=True)
    s = objects["Scores"]
    t = tp.Scores.from_json(s.to_json())
    a, b = s.to_arrow(), t.to_arrow()
    assert a.equals(b) and a.schema == b.schema


def test_partial_builders_say_why_they_do_not_pickle(objects):
    b = PartialBuilder(objects.ctx.spec)
    with pytest.raises(TypeError, match="finish"):
        pickle.dumps(b)


@pytest.mark.parametrize("name", EXCEPTIONS)
def test_exceptions_pickle(name):
    cls = getattr(tp, name)
    e = cls("something went wrong")
    e.kind = "invalid_value"
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is cls and str(back) == str(e) and back.args == e.args and back.kind == "invalid_value"
