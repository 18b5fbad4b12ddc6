"""Each trap a new user met with their own data, with the new behaviour (error texts asserted):
the conversion as an event, epoch seconds read as milliseconds, gzip files, a `;`-delimited
path file, pandas-style durations, misspelt names."""

from __future__ import annotations

import datetime as dt
import gzip
import os
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import touchpoint as tp
from touchpoint.exceptions import ColumnNotFoundError, InputError, OptionError, UnknownTouchpointError


def clickstream(customers: int = 400) -> pd.DataFrame:
    """The demo as a clickstream: each conversion a separate `purchase` event, no flag column."""
    df = tp.demo.events(customers=customers, seed=3)
    buy = df[df.converted].copy()
    buy["touchpoint"] = "purchase"
    touches = df.copy()
    touches.loc[touches.converted, "value"] = 0.0
    out = pd.concat([touches, buy]).sort_values(["customer_id", "timestamp"], kind="stable")
    return out.drop(columns=["converted", "feedback"]).rename(columns={"touchpoint": "event"}).reset_index(drop=True)


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
def test_conversion_event_makes_conversions_and_takes_no_credit(backend: str) -> None:
    click = clickstream()
    frame = {"pandas": click, "polars": pl.from_pandas(click), "pyarrow": pa.Table.from_pandas(click)}[backend]
    j = tp.Journeys.from_events(frame, touchpoint="event", conversion_event="purchase", lookback="30 days")
    n_buy = int((click.event == "purchase").sum())
    assert j.total_conversions == n_buy
    assert j.total_value == pytest.approx(click.loc[click.event == "purchase", "value"].sum(), rel=1e-12)
    credits = tp.attribute(j, model="last").to_pandas()
    assert "purchase" not in set(credits.touchpoint)
    assert credits.conversions.sum() == pytest.approx(n_buy)
    # the same journeys as the flag-column route with the purchase rows as pure conversions
    flagged = click.assign(converted=click.event == "purchase")
    flagged.loc[flagged.converted, "event"] = None
    k = tp.Journeys.from_events(flagged, touchpoint="event", lookback="30 days")
    pd.testing.assert_frame_equal(j.to_pandas(), k.to_pandas())


def test_conversion_event_list_and_unknown_name() -> None:
    click = clickstream()
    click.loc[click.index[:5], "event"] = "signup"
    ev = tp.Events.from_frame(click, touchpoint="event", conversion_event=["purchase", "signup"])
    assert "purchase" not in ev.touchpoints and "signup" not in ev.touchpoints
    with pytest.raises(UnknownTouchpointError, match=r'unknown touchpoint "purchse".*did you mean "purchase"\?'):
        tp.Journeys.from_events(click, touchpoint="event", conversion_event="purchse")


def test_the_flag_workaround_warns_and_names_the_option() -> None:
    click = clickstream()
    click["converted"] = click.event == "purchase"
    with pytest.warns(UserWarning, match=r'touchpoint "purchase" looks like the conversion itself .*'
                                         r'pass conversion_event="purchase"'):
        tp.Journeys.from_events(click, touchpoint="event")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning once the event is named
        tp.Journeys.from_events(click, touchpoint="event", conversion_event="purchase")


def test_the_demo_data_raises_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for customers in (20, 300, 5000):  # small samples too: a touch that happens to convert is fine
            tp.Journeys.from_events(tp.demo.events(customers=customers))
    assert tp.Events.demo(customers=2000).notes == []


def test_read_csv_conversion_event_gzip_and_no_flag_column(tmp_path: "os.PathLike[str]") -> None:
    click = clickstream(200)
    f = os.path.join(tmp_path, "clicks.csv")  # gzip data under a plain name: the bytes decide
    with gzip.open(f, "wt") as out:
        click.assign(timestamp=click.timestamp.dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(out, index=False)
    j = tp.Journeys.read_csv(f, touchpoint="event", conversion_event="purchase", value="value")
    k = tp.Journeys.from_events(click, touchpoint="event", conversion_event="purchase")
    assert (len(j), j.total_conversions) == (len(k), k.total_conversions)
    assert j.total_value == pytest.approx(k.total_value, rel=1e-12)


@pytest.mark.parametrize("make", ["pandas_int", "pandas_float", "polars", "pyarrow"])
def test_epoch_seconds_read_as_milliseconds_name_the_unit(make: str) -> None:
    secs = [1_700_000_000, 1_700_000_600, 1_703_000_000]
    base = {"customer_id": ["a", "a", "b"], "touchpoint": ["ad", "site", "ad"]}
    df = pd.DataFrame({**base, "timestamp": secs if make != "pandas_float" else [float(s) for s in secs]})
    frame = {"polars": pl.from_pandas(df), "pyarrow": pa.Table.from_pandas(df)}.get(make, df)
    with pytest.raises(InputError, match=r"column `timestamp`.*1700000000 \.\. 1703000000.*1970-01-20.*"
                                         r"look like seconds.*2023-11-14.*time_unit='s'"):
        tp.Journeys.from_events(frame)
    j = tp.Journeys.from_events(frame, time_unit="s")
    assert j.to_pandas().start.min() == pd.Timestamp("2023-11-14 22:13:20", tz="UTC")


def test_epoch_microseconds_and_milliseconds_as_seconds() -> None:
    us = pd.DataFrame({"customer_id": ["a"], "touchpoint": ["ad"], "timestamp": [1_700_000_000_000_000]})
    with pytest.raises(InputError, match=r"look like microseconds.*time_unit='us'"):
        tp.Events.from_frame(us)
    ms = pd.DataFrame({"customer_id": ["a"], "touchpoint": ["ad"], "timestamp": [1_700_000_000_000]})
    with pytest.raises(InputError, match=r"look like milliseconds.*time_unit='ms'"):
        tp.Events.from_frame(ms, time_unit="s")
    assert len(tp.Events.from_frame(ms)) == 1


def test_semicolon_paths_say_which_delimiter(tmp_path: "os.PathLike[str]") -> None:
    f = os.path.join(tmp_path, "paths.csv")
    with open(f, "w") as out:
        out.write("path;total_conversions;total_null\nsearch > email;3;1\nsearch;1;4\n")
    with pytest.raises(ColumnNotFoundError, match=r"missing column `path`.*looks `;`-delimited: pass delimiter=';'"):
        tp.read_paths(f)
    assert tp.read_paths(f, delimiter=";").total_conversions == 4.0
    # pandas users type sep=";" (here the deprecated spelling of the path separator): the error says what to pass
    with pytest.warns(DeprecationWarning), pytest.raises(ColumnNotFoundError, match=r"pass delimiter=';'"):
        tp.read_paths(f, sep=";")


@pytest.mark.parametrize("lookback", ["30 days", "30d", "30 d", dt.timedelta(days=30), pd.Timedelta(days=30),
                                      np.timedelta64(30, "D"), "4 weeks 2 days", 30 * 86_400_000])
def test_durations_in_every_spelling(lookback: object) -> None:
    events = tp.demo.events(customers=300)
    ref = tp.Journeys.from_events(events, lookback="30d").report
    assert tp.Journeys.from_events(events, lookback=lookback).report == ref


def test_a_bad_duration_says_what_is_accepted() -> None:
    with pytest.raises(InputError, match=r"lookback = 'soon'.*'30 days', '2 weeks'"):
        tp.Journeys.from_events(tp.demo.events(customers=50), lookback="soon")


def test_misspelt_columns_models_and_touchpoints_get_a_suggestion() -> None:
    events = tp.demo.events(customers=200)
    with pytest.raises(ColumnNotFoundError, match=r"missing column `custmer_id`.*did you mean `customer_id`\?"):
        tp.Journeys.from_events(events, customer="custmer_id")
    j = tp.Journeys.from_events(events)
    with pytest.raises(OptionError, match=r'"markof".*did you mean "markov"\?'):
        tp.attribute(j, model="markof")
    g = tp.JourneyGraph(j)
    with pytest.raises(UnknownTouchpointError, match=r'"search".*did you mean "search ad"\?.*known: '):
        g.next_best(["search"], ["email"])


def test_html_reprs_show_dates_and_durations_not_milliseconds() -> None:
    j = tp.Journeys.from_events(tp.demo.events(customers=50))
    html = j._repr_html_()
    first = j.to_pandas().start.iloc[0].strftime("%Y-%m-%d %H:%M:%S")
    assert f"<td>{first}</td>" in html
    assert str(int(j.to_pandas().start.iloc[0].timestamp() * 1000)) not in html
    g = tp.JourneyGraph(j)
    assert " d</td>" in g._repr_html_() or " h</td>" in g._repr_html_()


def test_units_and_names_of_results() -> None:
    events = tp.demo.events(customers=600)
    j = tp.Journeys.from_events(events)
    g = tp.JourneyGraph(j)
    nodes, edges = g.nodes(), g.transitions()
    assert not [c for c in list(nodes.columns) + list(edges.columns) if c.endswith("_ms")]
    assert str(nodes["expected_time_to_convert"].dtype).startswith("timedelta64")
    assert str(edges["dwell_mean"].dtype).startswith("timedelta64")
    # the remainder row of top paths has no length; the route converting at once is named
    top = j.paths().top_paths(3)
    assert top.remainder.iloc[-1] and pd.isna(top.touches.iloc[-1]) and top.touches.iloc[:-1].notna().all()
    assert g.converting_paths(["website"], k=3).path.iloc[0] == "(conversion)"
    # models whose output is not conversions keep it in `score`; conversions are conversions
    for model in ("shapley_rate", "shao_li"):
        res = tp.attribute(j, model=model)
        df = res.to_pandas()
        assert "score" in df.columns
        assert df.conversions.sum() == pytest.approx(j.total_conversions, rel=1e-9) or df.share.abs().sum() < 1e-9
        assert f"conversions credited of {j.total_conversions:g}" in repr(res)
    # a comparison's column label is the label its plot uses
    cmp = tp.compare(j, models=["markov", "linear"])
    labels = [t.name for t in cmp.plot().data]
    assert set(labels) <= set(cmp.to_pandas().columns)


def test_append_with_a_conversion_event_equals_one_build() -> None:
    click = clickstream(300)
    cut = click.timestamp.sort_values().iloc[len(click) // 2]
    day1, day2 = click[click.timestamp < cut], click[click.timestamp >= cut]
    day0 = day1[day1.event != "purchase"].head(50)  # a batch without any purchase is fine
    whole = tp.Journeys.from_events(click, touchpoint="event", conversion_event="purchase")
    parts = (tp.Journeys.from_events(day0, touchpoint="event")  # a build names only events it has
             .append(day1.drop(day0.index), touchpoint="event", conversion_event="purchase")
             .append(day2, touchpoint="event", conversion_event="purchase"))
    assert (len(parts), parts.total_conversions, parts.total_value) == \
        (len(whole), whole.total_conversions, pytest.approx(whole.total_value, rel=1e-12))
