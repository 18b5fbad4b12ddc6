"""The exception hierarchy: each error class, raised where it should be, with a message that names
the column, the row (or line) and the offending value."""

from __future__ import annotations

import math

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import touchpoint as tp
from conftest import E1_ROWS, E5_ROWS, FRAME_KINDS, e8_dict, path_frame

ALL_ERRORS = [
    tp.TouchpointError, tp.InputError, tp.SchemaError, tp.ColumnNotFoundError, tp.InputTypeError, tp.ModelError,
    tp.UnknownTouchpointError, tp.ConvergenceError, tp.TouchpointIOError,
]


def _frame(d, kind):
    return {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.table}[kind](d)


def _events(kind="pandas", **changes):
    d = e8_dict()
    d.update(changes)
    return _frame(d, kind)


@pytest.fixture
def paths():
    return tp.PathTable.from_records(E5_ROWS)


# ---------------------------------------------------------------------------------------------
# the hierarchy


@pytest.mark.parametrize("cls, builtin", [
    (tp.InputError, ValueError),
    (tp.SchemaError, ValueError),
    (tp.ColumnNotFoundError, KeyError),
    (tp.ColumnNotFoundError, ValueError),
    (tp.InputTypeError, TypeError),
    (tp.ModelError, ValueError),
    (tp.UnknownTouchpointError, KeyError),
    (tp.ConvergenceError, ArithmeticError),
    (tp.TouchpointIOError, OSError),
])
def test_hierarchy(cls, builtin):
    assert issubclass(cls, tp.TouchpointError)
    assert issubclass(cls, builtin)


def test_every_exception_is_a_touchpoint_error():
    for cls in ALL_ERRORS:
        assert issubclass(cls, tp.TouchpointError), cls
        assert issubclass(cls, Exception)
    assert issubclass(tp.SchemaError, tp.InputError)
    assert issubclass(tp.ColumnNotFoundError, tp.SchemaError)
    # the same classes are exported from touchpoint.exceptions
    import touchpoint.exceptions as ex

    for cls in ALL_ERRORS:
        assert getattr(ex, cls.__name__) is cls


# ---------------------------------------------------------------------------------------------
# ColumnNotFoundError


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_missing_event_column(kind):
    d = e8_dict()
    del d["customer_id"]
    with pytest.raises(tp.ColumnNotFoundError, match="missing column `customer_id`") as info:
        tp.Journeys.from_events(_frame(d, kind))
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, tp.TouchpointError)
    # the message lists the columns the table has, unquoted (KeyError would repr it)
    assert str(info.value).startswith("missing column `customer_id`")
    assert "touchpoint, timestamp, converted, value" in str(info.value)


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_missing_renamed_column(kind):
    with pytest.raises(tp.ColumnNotFoundError, match="`channel`"):
        tp.Journeys.from_events(_events(kind), touchpoint="channel")
    with pytest.raises(KeyError, match="`when`"):
        tp.Journeys.from_events(_events(kind), time="when")
    # a column named explicitly must exist, even an optional one
    with pytest.raises(tp.ColumnNotFoundError, match="`score`"):
        tp.Journeys.from_events(_events(kind), feedback="score")
    with pytest.raises(tp.ColumnNotFoundError, match="`revenue`"):
        tp.Journeys.from_events(_events(kind), value="revenue")


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_missing_path_columns(kind):
    with pytest.raises(tp.ColumnNotFoundError, match="`journey`"):
        tp.PathTable.from_frame(path_frame(E1_ROWS, kind), path="journey")
    with pytest.raises(tp.ColumnNotFoundError, match="`conv`"):
        tp.PathTable.from_frame(path_frame(E1_ROWS, kind), conversions="conv")
    with pytest.raises(tp.ColumnNotFoundError, match="`no_conv`"):
        tp.PathTable.from_frame(path_frame(E1_ROWS, kind), nulls="no_conv")


def test_missing_csv_columns(tmp_path):
    f = tmp_path / "events.csv"
    f.write_text("customer_id,tp,timestamp,converted\na,x,2025-01-01T00:00:00Z,0\n")
    with pytest.raises(tp.ColumnNotFoundError, match="`touchpoint`"):
        tp.Journeys.read_csv(f)
    f = tmp_path / "paths.csv"
    f.write_text("path,conv\na > b,1\n")
    with pytest.raises(tp.ColumnNotFoundError, match="`total_conversions`"):
        tp.read_paths(f)


# ---------------------------------------------------------------------------------------------
# InputError: bad values, named by column, row and value


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_negative_value(kind):
    with pytest.raises(tp.InputError, match=r"column `value` at row 4: \"?-5") as info:
        tp.Journeys.from_events(_events(kind, value=[0.0, 0.0, 0.0, 0.0, -5.0]))
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_nan_value(kind):
    # a missing value on a conversion: NaN (polars, pyarrow) or null (pandas exports NaN so)
    with pytest.raises(tp.InputError, match=r"column `value` at row 4: \"(NaN|null)\" \(a missing value"):
        tp.Journeys.from_events(_events(kind, value=[0.0, 0.0, 0.0, 0.0, math.nan]))


def test_negative_and_nan_in_path_tables():
    with pytest.raises(tp.InputError, match=r"`total_conversion_value` at row 1: \"?-3"):
        tp.PathTable.from_frame(pa.table({"path": ["a", "b"], "total_conversions": [1.0, 1.0],
                                          "total_conversion_value": [1.0, -3.0]}))
    with pytest.raises(tp.InputError, match=r"`total_conversion_value` at row 1: \"?NaN"):
        tp.PathTable.from_frame(pl.DataFrame({"path": ["a", "b"], "total_conversions": [1.0, 1.0],
                                              "total_conversion_value": [1.0, math.nan]}))
    with pytest.raises(tp.InputError, match=r"`total_conversions` at row 1: \"?-2"):
        tp.PathTable.from_frame(pd.DataFrame({"path": ["a", "b"], "total_conversions": [1.0, -2.0]}))
    with pytest.raises(tp.InputError, match=r"`total_null` at row 0: \"?NaN"):
        tp.PathTable.from_frame(pa.table({"path": ["a"], "total_conversions": [1.0], "total_null": [math.nan]}))
    with pytest.raises(tp.InputError, match=r"`value` at row 0: \"?-1"):
        tp.PathTable.from_records([("a", 1, 0, -1)])
    with pytest.raises(tp.InputError, match=r"`value` at row 1: \"?NaN"):
        tp.PathTable.from_records([("a", 1, 0, 0), ("b", 1, 0, math.nan)])


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_unparsable_timestamp(kind):
    d = e8_dict()
    d["timestamp"] = [t.isoformat() for t in d["timestamp"]]
    d["timestamp"][2] = "yesterday"
    with pytest.raises(tp.InputError, match=r"column `timestamp` at row 2: \"yesterday\"") as info:
        tp.Journeys.from_events(_frame(d, kind))
    assert "expected an epoch number or an ISO 8601 date-time" in str(info.value)


def test_csv_errors_name_the_line(tmp_path):
    f = tmp_path / "events.csv"
    f.write_text("customer_id,touchpoint,timestamp,converted,value\n"
                 "a,x,2025-01-01T00:00:00Z,0,0\n"
                 "a,y,notatime,1,5\n")
    with pytest.raises(tp.InputError, match=r"`timestamp` at line 3: \"notatime\""):
        tp.Journeys.read_csv(f)
    f.write_text("customer_id,touchpoint,timestamp,converted,value\n"
                 "a,x,2025-01-01T00:00:00Z,1,-7\n")
    with pytest.raises(tp.InputError, match=r"`value` at line 2: \"-7\""):
        tp.Journeys.read_csv(f)
    g = tmp_path / "paths.csv"
    g.write_text("path,total_conversions\na > b,1\nb,oops\n")
    with pytest.raises(tp.InputError, match=r"`total_conversions` at line 3: \"oops\""):
        tp.read_paths(g)


def test_null_keys_and_times():
    base = dict(touchpoint=["x", "y", "x"], converted=[False, True, False])
    with pytest.raises(tp.InputError, match=r"`customer_id` at row 1: null"):
        tp.Journeys.from_events(pa.table({"customer_id": ["a", None, "b"], "timestamp": [1, 2, 3], **base}))
    with pytest.raises(tp.InputError, match=r"`timestamp` at row 1: null"):
        tp.Journeys.from_events(pa.table({"customer_id": ["a", "a", "b"], "timestamp": pa.array([1, None, 3]), **base}))


def test_row_without_touchpoint_must_be_a_conversion():
    d = e8_dict()
    d["converted"] = [False] * 5
    with pytest.raises(tp.InputError, match=r"column `touchpoint` at row 4: \"\""):
        tp.Journeys.from_events(pa.table(d))


def test_empty_paths():
    with pytest.raises(tp.InputError, match=r"`path` at row 1: \" > \""):
        tp.PathTable.from_frame(pl.DataFrame({"path": ["a", " > "], "total_conversions": [1.0, 2.0]}))
    with pytest.raises(tp.InputError, match=r"`path` at row 1: null"):
        tp.PathTable.from_frame(pa.table({"path": ["a", None], "total_conversions": [1.0, 2.0]}))


def test_bad_options_are_input_errors():
    ev = _events()
    with pytest.raises(tp.InputError, match="lookback = '30 dayz'"):
        tp.Journeys.from_events(ev, lookback="30 dayz")
    with pytest.raises(tp.InputError, match="time_unit"):
        tp.Journeys.from_events(ev, time_unit="h")
    with pytest.raises(tp.InputTypeError, match="lookback = True"):
        tp.Journeys.from_events(ev, lookback=True)
    paths = tp.PathTable.from_records(E1_ROWS)
    with pytest.raises(tp.InputError, match="`path_rank` = \"x\""):
        paths.top_paths(3, by="x")
    with pytest.raises(tp.InputError, match="per_journey"):
        tp.attribute(paths, model="linear").per_journey()
    with pytest.raises(tp.InputError, match="ordered_shapley"):
        tp.attribute(paths, model="linear").by_position()


def test_duplicate_column_in_arrow_input_is_a_schema_error():
    t = pa.table([pa.array(["a", "a"]), pa.array(["x", "y"]), pa.array([1, 2]), pa.array([False, True]),
                  pa.array(["b", "c"])], names=["customer_id", "touchpoint", "timestamp", "converted", "customer_id"])
    with pytest.raises(tp.SchemaError, match="customer_id"):
        tp.Journeys.from_events(t)


def test_duplicate_column_in_csv_is_a_schema_error(tmp_path):
    f = tmp_path / "dup.csv"
    f.write_text("path,total_conversions,total_conversions\na,1,2\n")
    with pytest.raises(tp.SchemaError, match="duplicate column `total_conversions`") as info:
        tp.read_paths(f)
    assert isinstance(info.value, tp.InputError)
    assert not isinstance(info.value, tp.ColumnNotFoundError)


# ---------------------------------------------------------------------------------------------
# ModelError


def test_unknown_model(paths):
    with pytest.raises(tp.ModelError, match=r"`model` = \"nonsense\".*markov") as info:
        tp.attribute(paths, model="nonsense")
    assert isinstance(info.value, ValueError)
    with pytest.raises(tp.ModelError, match="nope"):
        tp.compare(paths, models=["first", "nope"])
    with pytest.raises(tp.ModelError, match="at least one model"):
        tp.compare(paths, models=[])


@pytest.mark.parametrize("model", ["first", "linear", "markov", "shapley", "shao_li"])
def test_no_conversions(model):
    dead = tp.PathTable.from_records([("a > b", 0, 3, 0), ("b", 0, 1, 0)])
    with pytest.raises(tp.ModelError, match="no conversions"):
        tp.attribute(dead, model=model)


def test_no_conversions_in_events():
    d = {k: v[:4] for k, v in e8_dict().items()}  # the touches without the purchase
    j = tp.Journeys.from_events(pd.DataFrame(d))
    assert j.total_conversions == 0.0
    with pytest.raises(tp.ModelError, match="no conversions"):
        tp.attribute(j, model="linear")


def test_time_decay_on_a_path_table(paths):
    with pytest.raises(tp.ModelError, match="time decay needs touch times"):
        tp.attribute(paths, model="time_decay")
    with pytest.raises(tp.ModelError, match="time decay"):
        tp.compare(paths, models=["first", "time_decay"])


def test_exact_shapley_rate_beyond_24_touchpoints():
    names = [f"t{i}" for i in range(30)]
    big = tp.PathTable.from_records([(" > ".join(names), 1, 1, 0), ("t0", 1, 2, 0)])
    with pytest.raises(tp.ModelError, match=r"24 touchpoints.*30.*sampled"):
        tp.attribute(big, model="shapley_rate", shapley_method="exact")
    # 'auto' switches to sampling and says so
    res = tp.attribute(big, model="shapley_rate", shapley_samples=200)
    assert any("sampled permutations" in n for n in res.notes), res.notes
    assert res.to_pandas()["std_error"].notna().all()


def test_model_options(paths):
    with pytest.raises(tp.ModelError, match="method"):
        tp.attribute(paths, model="shapley_rate", shapley_method="guess")
    with pytest.raises(tp.ModelError, match="allocation"):
        tp.attribute(paths, allocation="proportional")
    with pytest.raises(tp.ModelError, match="value_basis"):
        tp.attribute(paths, value_basis="x")
    with pytest.raises(tp.ModelError, match=r"`order` = 0"):
        tp.attribute(paths, order=0)
    with pytest.raises(tp.ModelError, match=r"`order` = 17"):
        tp.JourneyGraph(paths, order=17)
    with pytest.raises(tp.ModelError, match="weights"):
        tp.attribute(paths, model="custom")


def test_n_threads_zero(paths):
    with pytest.raises(tp.ModelError, match="n_threads must be >= 1"):
        tp.attribute(paths, n_threads=0)
    with pytest.raises(tp.ModelError, match="n_threads"):
        tp.compare(paths, models=["first", "markov"], n_threads=0)


# ---------------------------------------------------------------------------------------------
# InputTypeError


@pytest.mark.parametrize("bad", [42, 3.5, "events.csv", None, [("a", 1, 0, 0)]], ids=repr)
def test_not_a_table(bad):
    with pytest.raises(tp.InputTypeError, match=f"got {type(bad).__name__}") as info:
        tp.attribute(bad)
    assert isinstance(info.value, TypeError)
    with pytest.raises(tp.InputTypeError):
        tp.JourneyGraph(bad)
    with pytest.raises(tp.InputTypeError):
        tp.compare(bad)


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_float_touchpoint_column(kind):
    ev = _events(kind, touchpoint=[1.5, 2.5, 3.5, 4.5, None])
    with pytest.raises(tp.InputTypeError, match=r"column `touchpoint` has type .*, expected strings"):
        tp.Journeys.from_events(ev)
    with pytest.raises(TypeError, match="`touchpoint`"):
        tp.attribute(ev)


@pytest.mark.parametrize("column, values, want", [
    ("customer_id", [1.5] * 5, "strings or integers"),
    ("value", ["a"] * 5, "numbers"),
    ("converted", ["y", "n", "n", "n", "y"], "booleans or 0/1 numbers"),
    ("timestamp", [True] * 5, "timestamps"),
])
def test_unsupported_column_types(column, values, want):
    with pytest.raises(tp.InputTypeError, match=rf"column `{column}` has type .*expected {want}"):
        tp.Journeys.from_events(_events("pyarrow", **{column: values}))


def test_float_path_column():
    with pytest.raises(tp.InputTypeError, match="column `path`"):
        tp.PathTable.from_frame(pd.DataFrame({"path": [1.5], "total_conversions": [1]}))
    with pytest.raises(tp.InputTypeError, match="column `total_conversions`"):
        tp.PathTable.from_frame(pd.DataFrame({"path": ["a"], "total_conversions": ["one"]}))


# ---------------------------------------------------------------------------------------------
# TouchpointIOError


def test_missing_csv_file(tmp_path):
    missing = tmp_path / "nope" / "paths.csv"
    with pytest.raises(tp.TouchpointIOError, match="paths.csv") as info:
        tp.read_paths(missing)
    assert isinstance(info.value, OSError)
    assert isinstance(info.value, tp.TouchpointError)
    with pytest.raises(OSError, match="No such file"):
        tp.PathTable.read_csv(str(missing))
    with pytest.raises(tp.TouchpointIOError, match="events.csv"):
        tp.Journeys.read_csv(tmp_path / "events.csv")


def test_malformed_csv(tmp_path):
    f = tmp_path / "ragged.csv"
    f.write_text("path,total_conversions\na > b,1,5,6\n")
    with pytest.raises(tp.TouchpointIOError, match="line"):
        tp.read_paths(f)


# ---------------------------------------------------------------------------------------------
# UnknownTouchpointError


def test_unknown_touchpoint(paths):
    res = tp.attribute(paths, model="shapley")
    with pytest.raises(tp.UnknownTouchpointError, match="'nope'") as info:
        res["nope"]
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, tp.TouchpointError)
    assert str(info.value).startswith("unknown touchpoint 'nope'")  # not quoted like a KeyError
    assert "['A', 'B', 'C']" in str(info.value)
    assert res["A"] == 2.0
    try:
        res["nope"]
    except KeyError:
        pass
