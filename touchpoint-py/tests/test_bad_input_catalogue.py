"""The bad-input catalogue of the Python face (README "Bad input"): each named class of bad input
raises touchpoint's own exception type (never a bare OverflowError, a pyarrow or pandas error),
and the message names the field, the row or the value. The Rust and C faces have the same kind
of table (touchpoint-core/tests/bad_input_catalogue.rs, touchpoint-ffi/tests/c/bad_input.c)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import touchpoint as tp

T0 = 1_700_000_000_000  # ms


def events(**over):
    """Five rows of one customer (the last converts), with columns replaced by ``over``."""
    d = {
        "customer_id": ["c"] * 5,
        "touchpoint": ["a", "b", "a", "c", None],
        "timestamp": [T0 + i for i in range(5)],
        "converted": [0, 0, 0, 0, 1],
        "value": [0.0, 0.0, 0.0, 0.0, 10.0],
    }
    d.update(over)
    return d


def ev_pa(**over):
    return tp.Journeys.from_events(pa.table(events(**over)))


def ev_pl(**over):
    return tp.Journeys.from_events(pl.DataFrame(events(**over), strict=False))


def ev_pd(**over):
    return tp.Journeys.from_events(pd.DataFrame(events(**over)))


def paths(**over):
    d = {"path": ["a > b", "b"], "total_conversions": [1.0, 2.0], "total_null": [3.0, 4.0]}
    d.update(over)
    return d


def journeys():
    return tp.Journeys.from_events(pa.table(events()))


def graph():
    return tp.JourneyGraph(journeys())


def csv_file(tmp_path, text, name="e.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


H = "customer_id,touchpoint,timestamp,converted,value\n"

CASES = [
    # --- missing numbers never become numbers
    ("pandas NaN count", lambda t: tp.PathTable.from_frame(pd.DataFrame(paths(total_null=[3.0, math.nan]))),
     tp.InputError, r"`total_null` at row 1: \"(null|NaN)\" \(a missing count"),
    ("pandas None count", lambda t: tp.PathTable.from_frame(pd.DataFrame(paths(total_conversions=[None, 2.0]))),
     tp.InputError, r"`total_conversions` at row 0.*missing count"),
    ("pandas pd.NA count", lambda t: tp.PathTable.from_frame(
        pd.DataFrame(paths(total_conversions=pd.array([1.0, pd.NA], dtype="Float64")))),
     tp.InputError, r"`total_conversions` at row 1.*missing count"),
    ("polars null count", lambda t: tp.PathTable.from_frame(pl.DataFrame(paths(total_null=[None, 4.0]))),
     tp.InputError, r"`total_null` at row 0.*missing count"),
    ("polars NaN count", lambda t: tp.PathTable.from_frame(pl.DataFrame(paths(total_null=[math.nan, 4.0]))),
     tp.InputError, r"`total_null` at row 0: \"NaN\""),
    ("pyarrow null count", lambda t: tp.PathTable.from_frame(pa.table(paths(total_null=[3.0, None]))),
     tp.InputError, r"`total_null` at row 1.*missing count"),
    ("count totals that overflow", lambda t: tp.PathTable.from_frame(pa.table(paths(total_null=[1e308, 1e308]))),
     tp.InputError, r"`total_null` at row 0.*at most 1e15"),
    ("missing value on a conversion (pandas)", lambda t: ev_pd(value=[0.0, 0.0, 0.0, 0.0, math.nan]),
     tp.InputError, r"`value` at row 4.*missing value"),
    ("missing value on a conversion (pyarrow)", lambda t: ev_pa(value=[0.0, 0.0, 0.0, 0.0, None]),
     tp.InputError, r"`value` at row 4: \"null\""),
    ("null conversion flag", lambda t: ev_pa(converted=[0, None, 0, 0, 1]),
     tp.InputError, r"`converted` at row 1.*missing conversion flag; fill it with 0"),
    ("NaN conversion flag (pandas)", lambda t: ev_pd(converted=[0.0, math.nan, 0.0, 0.0, 1.0]),
     tp.InputError, r"`converted` at row 1.*missing conversion flag"),
    ("conversion flag 0.5", lambda t: ev_pa(converted=[0, 0.5, 0, 0, 1]),
     tp.InputError, r"`converted` at row 1: \"0.5\".*0 or 1"),
    ("conversion flag 2", lambda t: ev_pl(converted=[0, 0, 2, 0, 1]),
     tp.InputError, r"`converted` at row 2: \"2\""),
    ("NaN float epoch", lambda t: tp.Journeys.from_events(
        pl.DataFrame(events(timestamp=[1.7e9, math.nan, 1.7e9, 1.7e9, 1.7e9])), time_unit="s"),
     tp.InputError, r"`timestamp` at row 1: \"NaN\""),
    ("infinite float epoch", lambda t: tp.Journeys.from_events(
        pa.table(events(timestamp=[1.7e9, 1.7e9, math.inf, 1.7e9, 1.7e9])), time_unit="s"),
     tp.InputError, r"`timestamp` at row 2: \"inf\".*out of range"),
    ("float epoch 1e300", lambda t: tp.Journeys.from_events(
        pa.table(events(timestamp=[1.7e9, 1.7e9, 1.7e9, -1e300, 1.7e9])), time_unit="s"),
     tp.InputError, r"`timestamp` at row 3: \"-1e300\""),
    ("integer seconds that overflow", lambda t: tp.Journeys.from_events(
        pa.table(events(timestamp=[1_700_000_000, 2**62, 1_700_000_000, 1_700_000_000, 1_700_000_000])),
        time_unit="s"),
     tp.InputError, r"`timestamp` at row 1: \"4611686018427387904\".*too large"),
    ("null timestamp", lambda t: ev_pa(timestamp=[T0, None, T0, T0, T0]),
     tp.InputError, r"`timestamp` at row 1.*null"),
    ("null customer key", lambda t: ev_pa(customer_id=["c", None, "c", "c", "c"]),
     tp.InputError, r"`customer_id` at row 1.*null"),
    ("NUL in a touchpoint name", lambda t: ev_pa(touchpoint=["a", "b\x00x", "a", "c", None]),
     tp.InputError, r"`touchpoint` at row 1.*NUL"),
    ("NUL in a customer key", lambda t: ev_pa(customer_id=["c\x00d"] * 5),
     tp.InputError, r"`customer` at row 0.*NUL"),
    ("negative value", lambda t: ev_pa(value=[0.0, 0.0, 0.0, 0.0, -5.0]),
     tp.InputError, r"`value` at row 4: \"-5\""),
    ("feedback out of range", lambda t: tp.Journeys.from_events(
        pa.table({**events(), "nps": [1.0, 2.0, 42.0, 3.0, None]}), feedback="nps"),
     tp.InputError, r"feedback.*42"),
    ("unparsable timestamp", lambda t: ev_pa(timestamp=["2024-01-01", "yesterday", "2024-01-02", "2024-01-03",
                                                        "2024-01-04"]),
     tp.InputError, r"`timestamp` at row 1: \"yesterday\""),
    ("epoch seconds read as milliseconds", lambda t: ev_pa(timestamp=[1_700_000_000 + i for i in range(5)]),
     tp.InputError, r"timestamp.*time_unit='s'"),
    ("empty path", lambda t: tp.PathTable.from_frame(pl.DataFrame(paths(path=["a", " > "]))),
     tp.InputError, r"`path` at row 1: \" > \""),
    # --- foreign exceptions become ours
    ("mixed-type object column (used)", lambda t: tp.Journeys.from_events(
        pd.DataFrame(events(touchpoint=["a", 1, "a", 2.5, None]))),
     tp.InputTypeError, r"touchpoint"),
    ("duplicate column names (pandas)", lambda t: tp.Journeys.from_events(
        pd.DataFrame([[1, 2, 3]], columns=["customer_id", "timestamp", "timestamp"])),
     tp.SchemaError, r"duplicate column `timestamp`.*columns 2 and 3"),
    ("polars Null-typed used column", lambda t: tp.Journeys.from_events(
        pl.DataFrame({**events(), "value": [None] * 5})),
     tp.InputTypeError, r"`value`.*type Null"),
    ("text flag column", lambda t: ev_pa(converted=["no", "no", "no", "no", "yes"]),
     tp.InputTypeError, r"`converted` has type"),
    ("not a table", lambda t: tp.Journeys.from_events([1, 2, 3]), tp.InputTypeError, r"list"),
    ("negative order", lambda t: tp.attribute(journeys(), model="markov", order=-1),
     tp.OptionError, r"order = -1"),
    ("order beyond 2**64", lambda t: tp.attribute(journeys(), model="markov", order=2**70),
     tp.OptionError, r"order = 1180591620717411303424"),
    ("negative k", lambda t: graph().top_paths(-3), tp.OptionError, r"k = -3"),
    ("negative max_touches", lambda t: tp.attribute(journeys(), model="linear", max_touches=-2),
     tp.OptionError, r"max_touches = -2"),
    ("negative n_threads", lambda t: tp.attribute(journeys(), model="linear", n_threads=-1),
     tp.OptionError, r"n_threads = -1"),
    ("NaN lookback", lambda t: tp.Journeys.from_events(pa.table(events()), lookback=math.nan),
     tp.InputError, r"lookback = nan"),
    ("huge lookback", lambda t: tp.Journeys.from_events(pa.table(events()), lookback=1e300),
     tp.InputError, r"lookback = 1e\+300.*at most"),
    ("duplicate budget curve names", lambda t: tp.allocate_budget(
        [tp.Hill(name="tv", beta=10, gamma=5), tp.Hill(name="tv", beta=20, gamma=5)], budget=10),
     tp.InputError, r"`name` at row 1: \"tv\".*row 0"),
    ("sampled Shapley with 0 samples", lambda t: tp.attribute(
        journeys(), model="shapley_rate", shapley_method="sampled", shapley_samples=0),
     tp.OptionError, r"`samples` = 0: draw at least 2 permutations \(or use method `exact`\)"),
    # --- options and names
    ("misspelt model", lambda t: tp.attribute(journeys(), model="markv"), tp.OptionError, r"did you mean \"markov\""),
    ("Markov order 0", lambda t: tp.attribute(journeys(), model="markov", order=0), tp.OptionError, r"order"),
    ("custom model without weights", lambda t: tp.attribute(journeys(), model="custom"), tp.OptionError, r"weights"),
    ("bad time unit", lambda t: tp.Journeys.from_events(pa.table(events()), time_unit="fortnights"),
     tp.OptionError, r"time_unit.*fortnights"),
    ("bootstrap 0", lambda t: tp.attribute(journeys(), model="linear", bootstrap=0),
     tp.OptionError, r"bootstrap.*0"),
    ("misspelt column", lambda t: tp.Journeys.from_events(pa.table(events()), time="timestmp"),
     tp.ColumnNotFoundError, r"timestmp"),
    ("unknown conversion event", lambda t: tp.Journeys.from_events(pa.table(events()), conversion_event="purchse"),
     tp.UnknownTouchpointError, r"purchse"),
    ("empty events table", lambda t: tp.Journeys.from_events(pa.table(events()).slice(0, 0)),
     tp.InputError, r"empty|no event"),
    # --- files
    ("CSV: conversion flag missing", lambda t: tp.Journeys.read_csv(csv_file(t, H + "a,x,1,,0\n")),
     tp.InputError, r"`converted` at line 2.*missing conversion flag"),
    ("CSV: value missing on a conversion", lambda t: tp.Journeys.read_csv(csv_file(t, H + "a,x,1,1,\n")),
     tp.InputError, r"`value` at line 2.*missing value"),
    ("CSV: ;-delimited header", lambda t: tp.Journeys.read_csv(
        csv_file(t, "customer_id;touchpoint;timestamp;converted\na;x;1;0\n")),
     tp.ColumnNotFoundError, r"delimiter"),
    ("CSV: missing file", lambda t: tp.Journeys.read_csv(t / "nope.csv"), tp.TouchpointIOError, r"nope.csv"),
]


@pytest.mark.parametrize("name,call,exc,pattern", CASES, ids=[c[0] for c in CASES])
def test_bad_input_class(name, call, exc, pattern, tmp_path):
    with pytest.raises(exc, match=pattern) as info:
        call(tmp_path)
    assert isinstance(info.value, tp.TouchpointError), f"{name}: {type(info.value)}"


def test_the_catalogue_has_at_least_40_named_classes():
    names = [c[0] for c in CASES]
    assert len(set(names)) == len(names) >= 40


def test_what_is_not_an_error_stays_exact():
    # a uint64 customer id above i64::MAX keeps its value (it used to wrap to "-1")
    big = np.array([2**64 - 1] * 5, dtype=np.uint64)
    j = tp.Journeys.from_events(pa.table({**events(), "customer_id": pa.array(big)}))
    assert set(j.to_pandas()["customer_id"]) == {"18446744073709551615"}
    # a polars Null column the call does not use does not reject the table
    j = tp.Journeys.from_events(pl.DataFrame({**events(), "notes": [None] * 5}))
    assert j.total_conversions == 1.0
    # nor does a mixed-type object column the call does not use
    j = tp.Journeys.from_events(pd.DataFrame({**events(), "junk": ["x", 1, 2.5, None, "y"]}))
    assert j.total_conversions == 1.0
    # missing values on touches are not read (only a conversion's value is)
    j = ev_pa(value=[None, math.nan, None, None, 10.0])
    assert j.total_value == 10.0
