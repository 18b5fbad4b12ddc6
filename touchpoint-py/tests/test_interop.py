"""DataFrame interop: every input library and column layout gives the same numbers, and results
come back in the library of the input. Also the result helpers (reports, tables, exports, plots)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import polars as pl
import pyarrow as pa
import pytest

import touchpoint as tp
from conftest import (
    E1_ROWS,
    E3_ROWS,
    E5_ROWS,
    E8_PURCHASE,
    E8_TOUCHPOINTS,
    FRAME_KINDS,
    as_pandas,
    assert_close,
    credits_of,
    e8_dict,
    e8_frame,
    path_frame,
)

FRAME_TYPES = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.Table}

# E8 under time decay is sensitive to every timestamp; first touch to the order of touches.
E8_TIME_DECAY_CENTS = {"display": 16.88, "email": 16.88, "social": 9.32, "paid search": 6.92}


@pytest.fixture(scope="module")
def e8_reference():
    """Time-decay and first-touch value of E8 from the plain pyarrow table."""
    j = tp.Journeys.from_events(e8_frame("pyarrow"))
    return credits_of(tp.attribute(j, model="time_decay"), "value"), credits_of(tp.attribute(j, model="first"), "value")


def check_e8(events, e8_reference, **kwargs):
    j = tp.Journeys.from_events(events, **kwargs)
    assert len(j) == 1
    assert j.total_value == 50.0
    assert sorted(j.touchpoints) == sorted(E8_TOUCHPOINTS)
    td = credits_of(tp.attribute(j, model="time_decay"), "value")
    first = credits_of(tp.attribute(j, model="first"), "value")
    ref_td, ref_first = e8_reference
    for name, cents in E8_TIME_DECAY_CENTS.items():
        assert round(td[name], 2) == cents, (name, td[name])
        assert_close(td[name], ref_td[name], name, tol=1e-9)
    assert first == ref_first == {"paid search": 50.0, "social": 0.0, "email": 0.0, "display": 0.0}
    return j


E3_ORDER1 = {"A": (1.925764, 151.310044), "B": (3.117904, 244.978166), "C": (1.956332, 153.711790)}


def check_e3(frame, **kwargs):
    res = tp.attribute(tp.PathTable.from_frame(frame, **kwargs), model="markov")
    conv, value = credits_of(res), credits_of(res, "value")
    for name, (c, v) in E3_ORDER1.items():
        assert_close(conv[name], c, name)
        assert_close(value[name], v, name)
    return res


# ---------------------------------------------------------------------------------------------
# same library out as in


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_events_in_same_library_out(kind):
    j = tp.Journeys.from_events(e8_frame(kind))
    want = FRAME_TYPES[kind]
    res = tp.attribute(j, model="linear")
    assert isinstance(res.to_frame(), want)
    g = tp.JourneyGraph(j)
    assert isinstance(g.transitions(), want)
    assert isinstance(g.nodes(), want)
    assert isinstance(g.removal_effects(), want)
    assert isinstance(j.to_frame(), want)
    assert isinstance(j.paths().to_frame(), want)
    assert isinstance(j.paths().top_paths(2), want)
    cmp = tp.compare(j, models=["first", "linear"])
    assert isinstance(cmp.to_frame(), want)
    assert isinstance(cmp.long(), want)
    # tp.attribute straight on the events frame too
    assert isinstance(tp.attribute(e8_frame(kind), model="linear").to_frame(), want)


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_paths_in_same_library_out(kind):
    paths = tp.PathTable.from_frame(path_frame(E5_ROWS, kind))
    want = FRAME_TYPES[kind]
    res = tp.attribute(paths, model="ordered_shapley")
    assert isinstance(res.to_frame(), want)
    assert isinstance(res.by_position(), want)
    pj = tp.attribute(paths, model="markov", allocation="per_journey", per_journey=True)
    assert isinstance(pj.per_journey(), want)
    assert isinstance(tp.JourneyGraph(paths).transitions(), want)
    assert isinstance(tp.attribute(path_frame(E5_ROWS, kind)).to_frame(), want)


def test_result_json():
    import json

    res = tp.attribute(tp.PathTable.from_records(E1_ROWS))
    doc = json.loads(res.to_json())
    assert isinstance(doc, dict)
    assert "markov" in res.to_json()
    g = json.loads(tp.JourneyGraph(tp.PathTable.from_records(E1_ROWS)).to_json())
    assert len(g["nodes"]) == 6


def test_explicit_converters():
    res = tp.attribute(tp.PathTable.from_records(E1_ROWS))
    assert isinstance(res.to_pandas(), pd.DataFrame)
    assert isinstance(res.to_polars(), pl.DataFrame)
    assert isinstance(res.to_arrow(), pa.Table)
    # the Arrow PyCapsule stream of a result
    t = pa.table(res)
    assert t.column_names[:4] == ["touchpoint", "conversions", "value", "share"]
    assert pl.DataFrame(res).height == 3
    assert res.to_polars()["conversions"].to_list() == res.to_pandas()["conversions"].tolist()


# ---------------------------------------------------------------------------------------------
# string layouts


def _pandas_str(dtype):
    def conv(df):
        df = df.copy()
        for c in ("customer_id", "touchpoint"):
            df[c] = df[c].astype(dtype)
        return df

    return conv


PANDAS_STRINGS = {
    "object": _pandas_str(object),
    "string[pyarrow]": _pandas_str("string[pyarrow]"),
    "category": _pandas_str("category"),
    "str-default": _pandas_str("str"),
}


@pytest.mark.parametrize("variant", sorted(PANDAS_STRINGS))
def test_pandas_string_columns(variant, e8_reference):
    df = PANDAS_STRINGS[variant](e8_frame("pandas"))
    if variant == "object":
        assert df["touchpoint"].dtype == object
    elif variant == "category":
        assert isinstance(df["touchpoint"].dtype, pd.CategoricalDtype)
    j = check_e8(df, e8_reference)
    assert isinstance(tp.attribute(j).to_frame(), pd.DataFrame)


@pytest.mark.parametrize("variant", ["String", "Categorical", "Enum"])
def test_polars_string_columns(variant, e8_reference):
    df = e8_frame("polars")
    if variant == "Categorical":
        df = df.with_columns(pl.col("customer_id", "touchpoint").cast(pl.Categorical))
    elif variant == "Enum":
        df = df.with_columns(pl.col("touchpoint").cast(pl.Enum(E8_TOUCHPOINTS)))
    schema = pa.table(df).schema
    if variant == "String":
        assert schema.field("touchpoint").type == pa.string_view()  # polars exports Utf8View
    else:
        assert pa.types.is_dictionary(schema.field("touchpoint").type)
    j = check_e8(df, e8_reference)
    assert isinstance(tp.attribute(j).to_frame(), pl.DataFrame)


@pytest.mark.parametrize("typ", [pa.string(), pa.large_string(), pa.string_view(),
                                 pa.dictionary(pa.int32(), pa.string()),
                                 pa.dictionary(pa.int8(), pa.large_string())], ids=str)
def test_pyarrow_string_columns(typ, e8_reference):
    t = e8_frame("pyarrow")
    for c in ("customer_id", "touchpoint"):
        t = t.set_column(t.schema.get_field_index(c), c, t[c].cast(typ))
    assert t.schema.field("touchpoint").type == typ
    j = check_e8(t, e8_reference)
    assert isinstance(tp.attribute(j).to_frame(), pa.Table)


def test_pyarrow_chunked_input(e8_reference):
    t = e8_frame("pyarrow")
    chunked = pa.concat_tables([t.slice(0, 2), t.slice(2, 2), t.slice(4)])
    assert chunked["touchpoint"].num_chunks == 3
    check_e8(chunked, e8_reference)


@pytest.mark.parametrize("layout", ["object", "category", "string[pyarrow]"])
def test_path_column_layouts_pandas(layout):
    df = path_frame(E3_ROWS, "pandas")
    df["path"] = df["path"].astype(layout)
    check_e3(df)


@pytest.mark.parametrize("layout", ["String", "Categorical"])
def test_path_column_layouts_polars(layout):
    df = path_frame(E3_ROWS, "polars")
    if layout == "Categorical":
        df = df.with_columns(pl.col("path").cast(pl.Categorical))
    check_e3(df)


@pytest.mark.parametrize("typ", [pa.string(), pa.large_string(), pa.dictionary(pa.int32(), pa.string())], ids=str)
def test_path_column_layouts_pyarrow(typ):
    t = path_frame(E3_ROWS, "pyarrow")
    t = t.set_column(0, "path", t["path"].cast(typ))
    check_e3(t)


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_path_counts_of_integer_types(kind):
    d = {
        "path": [r[0] for r in E3_ROWS],
        "total_conversions": [int(r[1]) for r in E3_ROWS],
        "total_null": [int(r[2]) for r in E3_ROWS],
        "total_conversion_value": [int(r[3]) for r in E3_ROWS],
    }
    frame = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.table}[kind](d)
    check_e3(frame)


def test_path_frame_custom_columns_and_separator():
    df = pd.DataFrame({
        "journey": [r[0].replace(" > ", "|") for r in E3_ROWS],
        "conv": [r[1] for r in E3_ROWS],
        "no_conv": [r[2] for r in E3_ROWS],
        "revenue": [r[3] for r in E3_ROWS],
    })
    check_e3(df, path="journey", conversions="conv", nulls="no_conv", value="revenue", separator="|")


# ---------------------------------------------------------------------------------------------
# timestamps


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "America/New_York", None])
@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_pandas_timestamp_units_and_zones(unit, tz, e8_reference):
    df = e8_frame("pandas")
    ts = df["timestamp"].dt.tz_convert(tz) if tz else df["timestamp"].dt.tz_localize(None)
    df["timestamp"] = ts.astype(f"datetime64[{unit}, {tz}]" if tz else f"datetime64[{unit}]")
    assert str(df["timestamp"].dtype).startswith(f"datetime64[{unit}")
    check_e8(df, e8_reference)


@pytest.mark.parametrize("tz", ["Europe/Berlin", None])
@pytest.mark.parametrize("unit", ["ms", "us", "ns"])
def test_polars_timestamp_units_and_zones(unit, tz, e8_reference):
    df = e8_frame("polars").with_columns(pl.col("timestamp").dt.cast_time_unit(unit))
    df = df.with_columns(pl.col("timestamp").dt.convert_time_zone(tz) if tz else
                         pl.col("timestamp").dt.replace_time_zone(None))
    check_e8(df, e8_reference)


@pytest.mark.parametrize("tz", ["Europe/Berlin", None])
@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_pyarrow_timestamp_units_and_zones(unit, tz, e8_reference):
    t = e8_frame("pyarrow")
    i = t.schema.get_field_index("timestamp")
    t = t.set_column(i, "timestamp", t["timestamp"].cast(pa.timestamp(unit, tz=tz)))
    check_e8(t, e8_reference)


@pytest.mark.parametrize("time_unit, factor", [("s", 1), ("ms", 1_000), ("us", 1_000_000), ("ns", 1_000_000_000)])
@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_epoch_integer_times(kind, time_unit, factor, e8_reference):
    d = e8_dict()
    d["timestamp"] = [int(t.timestamp()) * factor for t in d["timestamp"]]
    frame = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.table}[kind](d)
    check_e8(frame, e8_reference, time_unit=time_unit)


def test_epoch_seconds_read_with_the_default_unit_are_refused(e8_reference):
    # read as milliseconds they would be dates in January 1970, 1000x closer together (time
    # decay would become ~linear): the error names the column and the unit to pass
    d = e8_dict()
    d["timestamp"] = [int(t.timestamp()) for t in d["timestamp"]]
    with pytest.raises(tp.InputError, match=r"column `timestamp`.*look like seconds.*time_unit='s'"):
        tp.Journeys.from_events(pd.DataFrame(d))
    check_e8(pd.DataFrame(d), e8_reference, time_unit="s")
    j = tp.Journeys.from_events(pd.DataFrame(d), time_unit="s")
    td = credits_of(tp.attribute(j, model="time_decay"), "value")
    ref = credits_of(tp.attribute(tp.Journeys.from_events(pd.DataFrame(e8_dict())), model="time_decay"), "value")
    assert td == pytest.approx(ref, rel=1e-12)


def test_iso_strings_and_dates(e8_reference):
    d = e8_dict()
    d["timestamp"] = [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in d["timestamp"]]
    check_e8(pd.DataFrame(d), e8_reference)
    check_e8(pl.DataFrame(d), e8_reference)
    # whole days (date32): email and display fall on the purchase's instant, where the canonical
    # order puts touches by name before the purchase: display, then email
    d = e8_dict()
    d["timestamp"] = [t.date() for t in d["timestamp"]]
    t = pa.table(d)
    assert t.schema.field("timestamp").type == pa.date32()
    j = tp.Journeys.from_events(t)
    assert list(j.to_pandas()["path"]) == ["paid search > social > display > email"]
    assert list(j.to_pandas()["converted"]) == [True]
    assert credits_of(tp.attribute(j, model="last"))["email"] == 1.0


def test_iso_strings_with_offsets_and_fractional_epochs(e8_reference):
    d = e8_dict()
    ist = dt.timezone(dt.timedelta(hours=5, minutes=30))
    d["timestamp"] = [t.astimezone(ist).isoformat() for t in d["timestamp"]]
    assert d["timestamp"][0].endswith("+05:30")
    check_e8(pa.table(d), e8_reference)
    d = e8_dict()
    d["timestamp"] = [t.timestamp() + 0.25 for t in d["timestamp"]]
    j = check_e8(pl.DataFrame(d), e8_reference, time_unit="s")
    assert j.to_pandas()["start"].iloc[0] == pd.Timestamp("2025-03-11 12:00:00.250", tz="UTC")


def test_rows_out_of_time_order(e8_reference):
    # email, paid search, display, social, purchase: sorted by time
    df = e8_frame("pandas").iloc[[2, 0, 3, 1, 4]].reset_index(drop=True)
    j = check_e8(df, e8_reference)
    assert list(j.to_pandas()["path"]) == ["paid search > social > email > display"]
    # the purchase at the same instant as the same-day touches, and first in the input: the
    # canonical order puts the touches (by name) before it, whatever the rows' order
    same = e8_frame("pandas")
    same.loc[2:4, "timestamp"] = E8_PURCHASE
    for order in ([4, 2, 0, 3, 1], [3, 4, 1, 2, 0], [0, 1, 2, 3, 4]):
        j = tp.Journeys.from_events(same.iloc[order].reset_index(drop=True))
        assert list(j.to_pandas()["path"]) == ["paid search > social > display > email"]
        assert list(j.to_pandas()["converted"]) == [True]


# ---------------------------------------------------------------------------------------------
# customer ids, nulls


@pytest.mark.parametrize("kind", FRAME_KINDS)
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint64"])
def test_integer_customer_ids(kind, dtype, e8_reference):
    d = e8_dict()
    d["customer_id"] = [12345] * len(d["customer_id"])
    if kind == "pandas":
        frame = pd.DataFrame(d).astype({"customer_id": dtype})
    elif kind == "polars":
        pl_type = {"int64": pl.Int64, "int32": pl.Int32, "uint64": pl.UInt64}[dtype]
        frame = pl.DataFrame(d).with_columns(pl.col("customer_id").cast(pl_type))
    else:
        frame = pa.table(d)
        frame = frame.set_column(0, "customer_id", frame["customer_id"].cast(getattr(pa, dtype)()))
    j = check_e8(frame, e8_reference)
    assert list(as_pandas(j.to_frame())["customer_id"].astype(str)) == ["12345"]


def test_integer_and_string_ids_give_the_same_journeys():
    base = pd.DataFrame({
        "customer_id": [1, 1, 2, 2, 10, 10],
        "touchpoint": ["a", "b", "b", "a", "a", "c"],
        "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02"] * 3, utc=True),
        "converted": [False, True, False, True, False, False],
        "value": [0, 10.0, 0, 20.0, 0, 0],
    })
    as_str = base.assign(customer_id=base["customer_id"].astype(str))
    for model in ("linear", "markov", "shapley"):
        a = credits_of(tp.attribute(base, model=model))
        b = credits_of(tp.attribute(as_str, model=model))
        assert a == pytest.approx(b, abs=1e-12)
    assert tp.Journeys.from_events(base).report == tp.Journeys.from_events(as_str).report


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_nulls_in_value_and_feedback(kind, e8_reference):
    d = e8_dict()
    d["value"] = [None, None, None, None, 50.0]
    d["feedback"] = [9.0, None, None, 3.0, None]
    frame = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.table}[kind](d)
    check_e8(frame, e8_reference, feedback="feedback")


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_null_value_on_a_conversion_is_an_error(kind):
    # a missing value on the converting row is never read as 0 (the same from every library)
    d = e8_dict()
    if kind == "pandas":
        frame = pd.DataFrame(d).assign(value=pd.Series([None] * 5, dtype="float64"))
    elif kind == "polars":
        frame = pl.DataFrame(d).with_columns(pl.Series("value", [None] * 5, dtype=pl.Float64))
    else:
        frame = pa.table({**d, "value": pa.array([None] * 5, type=pa.float64())})
    with pytest.raises(tp.InputError, match=r"`value` at row 4: \"null\" \(a missing value; fill it \(0 if the conversion had no value\)"):
        tp.Journeys.from_events(frame)
    # missing values on touches are fine: only a conversion's value is read
    d["value"] = [None, None, None, None, 50.0]
    assert tp.Journeys.from_events(pa.table(d)).total_value == 50.0


def test_arrow_null_type_value_column():
    d = e8_dict()
    t = pa.table({**d, "value": pa.nulls(5)})
    assert t.schema.field("value").type == pa.null()
    with pytest.raises(tp.InputError, match=r"`value` at row 4: \"null\" \(a missing value"):
        tp.Journeys.from_events(t)


def test_value_column_is_optional(e8_reference):
    df = e8_frame("pandas").drop(columns="value")
    j = tp.Journeys.from_events(df)
    assert j.total_conversions == 1.0
    assert j.total_value == 0.0


def test_numeric_conversion_flags(e8_reference):
    df = e8_frame("pandas")
    df["converted"] = df["converted"].astype("int8")
    check_e8(df, e8_reference)


def test_null_counts_in_path_frame():
    t = pa.table({"path": ["a > b", "b"], "total_conversions": [1.0, None], "total_null": [None, 2.0]})
    with pytest.raises(tp.InputError, match=r"`total_null` at row 0: \"null\" \(a missing count"):
        tp.PathTable.from_frame(t)
    t = pa.table({"path": ["a > b", "b"], "total_conversions": [1.0, None], "total_null": [0.0, 2.0]})
    with pytest.raises(tp.InputError, match=r"`total_conversions` at row 1: \"null\""):
        tp.PathTable.from_frame(t)


# ---------------------------------------------------------------------------------------------
# empty input


def _empty_events(kind):
    df = e8_frame("pandas").iloc[:0]
    if kind == "pandas":
        return df
    if kind == "polars":
        return pl.from_pandas(df)
    return pa.Table.from_pandas(df, preserve_index=False)


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_empty_events_table(kind):
    empty = _empty_events(kind)
    with pytest.raises(tp.InputError, match="empty"):
        tp.Journeys.from_events(empty)
    with pytest.raises(tp.InputError, match="empty"):
        tp.attribute(empty)


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_empty_path_table(kind):
    empty = path_frame(E1_ROWS, kind)
    empty = empty.slice(0, 0) if not isinstance(empty, pd.DataFrame) else empty.iloc[:0]
    with pytest.raises(tp.InputError, match="empty"):
        tp.PathTable.from_frame(empty)
    with pytest.raises(tp.InputError, match="empty"):
        tp.attribute(empty)
    with pytest.raises(tp.InputError, match="empty"):
        tp.PathTable.from_records([])


def test_empty_csv(tmp_path):
    f = tmp_path / "paths.csv"
    f.write_text("path,total_conversions,total_conversion_value,total_null\n")
    with pytest.raises(tp.TouchpointError, match="empty"):
        tp.read_paths(f)
    f = tmp_path / "events.csv"
    f.write_text("customer_id,touchpoint,timestamp,converted,value\n")
    with pytest.raises(tp.InputError, match="empty"):
        tp.Journeys.read_csv(f)


# ---------------------------------------------------------------------------------------------
# Journeys: reports and tables


def _report_events():
    t = lambda d, h=0: pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(days=d, hours=h)  # noqa: E731
    return pd.DataFrame([
        ("a", "x", t(0), False, 0.0),
        ("a", "x", t(0, 1), False, 0.0),
        ("a", "y", t(1), False, 0.0),
        ("a", None, t(2), True, 20.0),
        ("a", "z", t(3), False, 0.0),
        ("a", "z", t(40), False, 0.0),
        ("b", None, t(1), True, 5.0),  # a conversion with no touch before it
        ("c", "y", t(0), False, 0.0),
        ("c", "x", t(1), True, 7.0),  # a touch that converts
        ("c", "y", t(2), True, 3.0),
    ], columns=["customer_id", "touchpoint", "timestamp", "converted", "value"])


BASE_REPORT = {
    "events_in": 10, "touches_in": 8, "conversions_in": 4, "customers": 3, "customers_resorted": 0,
    "journeys_converting": 3, "journeys_non_converting": 1, "touches_kept": 8, "touches_outside_lookback": 0,
    "touches_collapsed": 0, "touches_truncated": 0, "inactivity_splits": 0, "conversions_without_touches": 1,
    "value_without_touches": 5.0, "conversions_merged": 0,
}


@pytest.mark.parametrize("options, changes, paths", [
    ({}, {}, ["x > x > y", "z > z", "y > x", "y"]),
    ({"collapse_repeats": True}, {"touches_collapsed": 2, "touches_kept": 6}, ["x > y", "z", "y > x", "y"]),
    ({"inactivity_timeout": "10d"}, {"inactivity_splits": 1, "journeys_non_converting": 2},
     ["x > x > y", "z", "z", "y > x", "y"]),
    ({"lookback": "1d"}, {"touches_outside_lookback": 2, "touches_kept": 6}, ["y", "z > z", "y > x", "y"]),
    ({"lookback": dt.timedelta(days=1)}, {"touches_outside_lookback": 2, "touches_kept": 6},
     ["y", "z > z", "y > x", "y"]),
    ({"max_touches": 1}, {"touches_truncated": 4, "touches_kept": 4}, ["y", "z", "x", "y"]),
    ({"max_touches": 2}, {"touches_truncated": 1, "touches_kept": 7}, ["x > y", "z > z", "y > x", "y"]),
])
def test_journeys_report_counts(options, changes, paths):
    j = tp.Journeys.from_events(_report_events(), **options)
    rep = j.report
    assert rep == {**BASE_REPORT, **changes}
    # every touch and conversion is accounted for
    assert rep["touches_in"] == (rep["touches_kept"] + rep["touches_outside_lookback"] + rep["touches_collapsed"]
                                 + rep["touches_truncated"])
    assert rep["conversions_in"] == rep["journeys_converting"] + rep["conversions_without_touches"]
    assert len(j) == rep["journeys_converting"] + rep["journeys_non_converting"]
    table = j.to_pandas()
    assert list(table["path"]) == paths
    assert j.total_conversions == 3.0
    assert j.total_value == 30.0


def test_journeys_to_pandas_columns():
    j = tp.Journeys.from_events(_report_events())
    df = j.to_pandas()
    assert list(df.columns) == ["journey", "customer_id", "path", "touches", "converted", "value", "start", "end"]
    assert list(df["touches"]) == [3, 2, 2, 1]
    assert list(df["converted"]) == [True, False, True, True]
    assert list(df["value"]) == [20.0, 0.0, 7.0, 3.0]
    assert pd.api.types.is_datetime64_any_dtype(df["start"])
    assert df["start"].iloc[0] == pd.Timestamp("2025-01-01", tz="UTC")
    assert (df["start"] <= df["end"]).all()
    assert list(j.to_polars().columns) == list(df.columns)
    assert j.to_arrow().column_names == list(df.columns)


def test_journeys_paths_and_merge():
    ev = _report_events()
    j = tp.Journeys.from_events(ev)
    p = j.paths()
    assert p.total_conversions == j.total_conversions
    assert p.total_value == j.total_value
    assert p.total_nulls == 1.0
    # journeys and their path table give the same path-based credits
    for model in ("linear", "markov", "shapley"):
        assert credits_of(tp.attribute(j, model=model)) == pytest.approx(credits_of(tp.attribute(p, model=model)))
    a = tp.Journeys.from_events(ev[ev["customer_id"] == "a"])
    bc = tp.Journeys.from_events(ev[ev["customer_id"] != "a"])
    merged = a.merge(bc)
    assert merged.report == j.report
    want = credits_of(tp.attribute(j, model="markov"))
    assert credits_of(tp.attribute(merged, model="markov")) == pytest.approx(want)


def test_catalog_costs():
    ev = tp.demo.events(customers=200, seed=3)
    j = tp.Journeys.from_events(ev, catalog=tp.demo.catalog())
    df = tp.attribute(j, model="linear").to_pandas()
    assert df["cost"].notna().any()
    row = df[df["cost"] > 0].iloc[0]
    if row["conversions"] > 0:
        assert_close(row["cpa"], row["cost"] / row["conversions"], "cpa", tol=1e-9)


# ---------------------------------------------------------------------------------------------
# path tables, comparisons, graphs


@pytest.fixture(scope="module")
def demo_journeys():
    return tp.Journeys.from_events(tp.demo.events(customers=300, seed=7), lookback="30d")


@pytest.mark.parametrize("by", ["journeys", "conversions", "value"])
@pytest.mark.parametrize("k", [1, 5, 1000])
def test_top_paths_remainder_row_sums_to_totals(demo_journeys, by, k):
    paths = demo_journeys.paths()
    top = paths.top_paths(k, by=by)
    assert list(top.columns) == ["path", "touches", "journeys", "conversions", "conversion_rate", "value", "remainder"]
    assert top["remainder"].sum() <= 1
    if k < len(paths):
        assert top["remainder"].iloc[-1]
        assert int(top["remainder"].sum()) == 1
        assert len(top) == k + 1
    else:
        assert len(top) == len(paths) + int(top["remainder"].sum())
    assert_close(top["journeys"].sum(), paths.total_conversions + paths.total_nulls, "journeys", tol=1e-6)
    assert_close(top["conversions"].sum(), paths.total_conversions, "conversions", tol=1e-6)
    assert_close(top["value"].sum(), paths.total_value, "value", tol=1e-6)
    head = top[~top["remainder"]]
    assert list(head[by]) == sorted(head[by], reverse=True)


def test_top_paths_of_graph(demo_journeys):
    g = tp.JourneyGraph(demo_journeys)
    top = g.top_paths(3)
    assert len(top) == 4
    assert_close(top["conversions"].sum(), demo_journeys.total_conversions)


def test_comparison_columns(demo_journeys):
    cmp = tp.compare(demo_journeys)
    df = cmp.to_pandas()
    assert list(df.columns) == [
        "touchpoint", "first", "last", "linear", "position", "time_decay", "markov_1", "shapley",
    ]
    assert len(df) == len(demo_journeys.touchpoints)
    for col in df.columns[1:]:
        assert_close(df[col].sum(), demo_journeys.total_conversions, col)
    val = tp.compare(demo_journeys, value=True).to_pandas()
    for col in val.columns[1:]:
        assert_close(val[col].sum(), demo_journeys.total_value, col, tol=1e-6)
    long = cmp.long()
    assert list(long.columns) == ["model", "touchpoint", "conversions", "value", "share"]
    assert len(long) == 7 * len(df)
    assert list(cmp.to_polars().columns) == list(df.columns)
    assert cmp.to_arrow().column_names == list(df.columns)
    # path tables have no times: the default comparison leaves time decay out
    pcols = list(tp.compare(demo_journeys.paths()).to_pandas().columns)
    assert pcols == ["touchpoint", "first", "last", "linear", "position", "markov_1", "shapley"]
    two = tp.compare(demo_journeys, models=["markov", "markov"], order=2).to_pandas()
    assert list(two.columns) == ["touchpoint", "markov_2", "markov_2_2"]


def test_graph_exports():
    paths = tp.PathTable.from_records(E1_ROWS)
    g = tp.JourneyGraph(paths)
    nxg = g.to_networkx()
    # three touchpoint states plus start, conversion and null
    assert nxg.number_of_nodes() == 6
    assert nxg.number_of_edges() == len(g.transitions()) == 7
    assert nxg.is_directed()
    dot = g.to_dot()
    assert dot.startswith("digraph")
    assert dot.rstrip().endswith("}")
    for name in ("C1", "C2", "C3"):
        assert name in dot
    assert isinstance(g.sankey(), go.Figure)
    assert isinstance(g.draw(), go.Figure)
    assert isinstance(tp.attribute(paths).plot(), go.Figure)
    assert isinstance(tp.compare(paths, models=["first", "markov"]).plot(), go.Figure)
    g2 = tp.JourneyGraph(paths, order=2)
    assert g2.order == 2
    assert g2.to_dot().startswith("digraph")


def test_graph_from_journeys(demo_journeys):
    g = tp.JourneyGraph(demo_journeys)
    nxg = g.to_networkx()
    assert nxg.number_of_nodes() == len(demo_journeys.touchpoints) + 3
    assert isinstance(g.sankey(max_steps=3, top_k=4), go.Figure)
    assert isinstance(g.draw(min_probability=0.05), go.Figure)
    assert isinstance(g.expected_time_to_convert, dt.timedelta)
    assert g.expected_time_to_convert > dt.timedelta(0)
    nodes = g.nodes()
    assert {"node_id", "label", "kind", "visits", "conversion_probability", "dropoff_rate"} <= set(nodes.columns)
    # conversion probability of the start node is the graph's
    start = nodes[nodes["kind"] == "start"]
    assert_close(float(start["conversion_probability"].iloc[0]), g.conversion_probability)
    tr = g.transitions()
    out = tr.groupby("source")["probability"].sum()
    assert np.allclose(out.to_numpy(), 1.0)


def test_repr_html():
    paths = tp.PathTable.from_records(E5_ROWS)
    res = tp.attribute(paths, model="shapley")
    j = tp.Journeys.from_events(e8_frame("pandas"))
    objects = [res, paths, j, tp.JourneyGraph(paths), tp.compare(paths, models=["first", "shapley"])]
    for obj in objects:
        html = obj._repr_html_()
        assert isinstance(html, str)
        assert "<table" in html, type(obj)
        assert isinstance(repr(obj), str)
    assert "A" in res._repr_html_()


def test_repr_html_row_limit(monkeypatch, demo_journeys):
    monkeypatch.setenv("TOUCHPOINT_FMT_MAX_ROWS", "3")
    html = demo_journeys._repr_html_()
    assert html.count("<tr>") == 1 + 3  # header + 3 rows
    assert "more rows" in html
