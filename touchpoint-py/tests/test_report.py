"""tp.report: the sections of the core's text report as typed DataFrames, the text itself, and
one self-contained HTML file."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import touchpoint as tp
from touchpoint import _touchpoint as native

DAY_MS = 86_400_000
MODELS = ["first", "last", "linear", "U-shaped", "time decay", "Shapley", "Markov 1", "Markov 2"]


@pytest.fixture(scope="module")
def events():
    return tp.Events.demo(customers=1_500, seed=7)


@pytest.fixture(scope="module")
def rep(events):
    return tp.report(events, lookback="30d")


def headings(text: str) -> list:
    """The text report's top-level headings, without their parenthesised details."""
    return [re.split(r" \(|:", h)[0] for h in re.findall(r"^== (.*?) ==$", text, flags=re.M)]


def test_sections_follow_the_text_report(rep):
    text = rep.text()
    titles = list(rep.sections)
    assert titles == ["Dataset", "Journeys", "Stage funnel", "Repurchase", "Experience", "Experience gaps",
                      "Key drivers", "Journey graph", "Busiest transitions", "Attribution", "Where to act",
                      "Next touchpoints", "Same total spend", "Top paths"]
    # every top-level heading of the text is a section, in the same order, and every section's
    # heading is in the text
    main = headings(text)
    assert main == [t for t in titles if t in main]
    assert main == ["Dataset", "Journeys", "Stage funnel", "Repurchase", "Experience", "Journey graph",
                    "Attribution", "Where to act", "Top paths"]
    for t in titles:
        assert t.lower() in text.lower(), t
    assert set(rep.captions) == set(titles)
    assert all(isinstance(df, pd.DataFrame) for df in rep.sections.values())


def test_text_is_the_cores(events, rep):
    assert rep.text() == native.text_report(events._native, order=1, lookback_ms=30 * DAY_MS)
    assert str(rep) == rep.text()
    r2 = tp.report(events, order=2, collapse_repeats=True, max_touches=5)
    assert r2.text() == native.text_report(events._native, order=2, collapse_repeats=True, max_touches=5)
    assert "Removal effects" in r2.sections and "== Journey graph (Markov order 2) ==" in r2.text()


def test_sections_are_typed(rep, events):
    s = rep.sections
    g = s["Journey graph"]
    assert pd.api.types.is_float_dtype(g["visits"]) and pd.api.types.is_float_dtype(g["P(conv)"])
    assert pd.api.types.is_timedelta64_dtype(g["time to convert"])
    assert g["P(conv)"].between(0, 1).all()
    assert g["visits"].is_monotonic_decreasing
    assert pd.api.types.is_integer_dtype(s["Dataset"]["touches"])
    assert s["Dataset"]["touches"].sum() == int(events.to_pandas()["touchpoint"].notna().sum())
    assert pd.api.types.is_datetime64_any_dtype(s["Repurchase"]["cohort"])
    assert pd.api.types.is_float_dtype(s["Repurchase"]["week 1"])
    assert pd.api.types.is_timedelta64_dtype(s["Busiest transitions"]["mean dwell"])
    assert pd.api.types.is_integer_dtype(s["Stage funnel"]["reached"])
    assert s["Stage funnel"]["reached"].is_monotonic_decreasing
    assert pd.api.types.is_bool_dtype(s["Experience"]["few scores"])
    assert s["Experience"]["NPS"].is_monotonic_increasing  # worst first
    for title, df in s.items():
        for c in df.columns:
            assert df[c].dtype != object, (title, c)  # numbers as numbers, text as strings


def test_attribution_credits_sum_to_the_conversions(rep, events):
    journeys = tp.Journeys.from_events(events, lookback="30d")
    a = rep.sections["Attribution"]
    assert list(a.columns) == ["touchpoint"] + MODELS + ["Markov value", "cost", "ROAS"]
    for m in MODELS:
        assert abs(a[m].sum() - journeys.total_conversions) < 1e-9, m
    assert abs(a["Markov value"].sum() - journeys.total_value) < 1e-6
    assert a["Markov 1"].is_monotonic_decreasing
    markov = tp.attribute(journeys, model="markov").to_pandas().set_index("touchpoint")
    assert a.set_index("touchpoint")["Markov 1"].to_dict() == markov["conversions"].to_dict()
    top = rep.sections["Top paths"]
    assert abs(top["conversions"].sum() - journeys.total_conversions) < 1e-9
    assert top["journeys"].sum() == len(journeys)


def test_journeys_section_counts_equal_the_journey_report(rep, events):
    journeys = tp.Journeys.from_events(events, lookback="30d")
    counts = rep.sections["Journeys"].set_index("key")["value"]
    for key, value in journeys.report.items():
        assert counts[key] == value, key
    assert counts["journeys"] == len(journeys)


def test_journeys_input_leaves_out_the_event_sections(events):
    journeys = tp.Journeys.from_events(events, lookback="30d")
    rep = tp.report(journeys)
    assert not set(rep.sections) & {"Stage funnel", "Repurchase", "Experience", "Experience gaps", "Key drivers"}
    assert rep.notes and all(w in rep.notes[0] for w in ("Stage funnel", "repurchase", "experience"))
    text = rep.text()
    assert text.startswith("Note: Stage funnel, repurchase and experience need the events")
    for t in rep.sections:
        assert f"== {t} ==" in text
    full = tp.report(events, lookback="30d")
    for t in ("Journey graph", "Attribution", "Top paths", "Journeys"):
        pd.testing.assert_frame_equal(rep.sections[t], full.sections[t], check_exact=False, rtol=1e-12)
    with pytest.raises(tp.InputTypeError):
        tp.report(journeys, touchpoint="event")


def test_frames_and_column_options():
    df = tp.demo.events(customers=300).rename(columns={"touchpoint": "event", "customer_id": "who"})
    rep = tp.report(df, touchpoint="event", customer="who", feedback="feedback", catalog=tp.demo.catalog())
    assert "Stage funnel" in rep.sections and "Experience" in rep.sections
    plain = tp.report(df, touchpoint="event", customer="who")
    assert "Stage funnel" not in plain.sections and "Experience" not in plain.sections  # no stages, no scores
    assert "Repurchase" in plain.sections
    with pytest.raises(tp.InputTypeError):
        tp.report(df, colour="red")


def test_to_html_is_one_self_contained_file(rep, tmp_path):
    from plotly.offline import get_plotlyjs

    path = rep.to_html(tmp_path / "report.html")
    assert path == str(tmp_path / "report.html")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    html = open(path, encoding="utf-8").read()
    assert html.count(get_plotlyjs()) == 1
    assert html.count("Plotly.newPlot(") == len(rep.figures) >= 5
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=[\"']?(https?:)?//", html, flags=re.I)
    assert "@import" not in html and "url(http" not in html
    assert re.findall(r"<h2>(.*?)</h2>", html) == [t.replace("&", "&amp;") for t in rep.sections]
    assert f"<title>{rep.title}</title>" in html and "<nav" in html
    # numbers for reading: thousands separators, percentages, human durations, no long floats
    assert "1,500 customers" in html
    assert re.search(r'<td class="num">\d+\.\d%</td>', html)
    assert re.search(r'<td class="num">\d+\.\d (d|h)</td>', html)
    assert not re.search(r"<td[^>]*>-?\d+\.\d{5,}</td>", html)


def test_repr_html_for_jupyter(rep):
    h = rep._repr_html_()
    assert h.startswith("<style>") and 'class="tp-report"' in h and "<html" not in h
    assert h.count("Plotly.newPlot(") == len(rep.figures)
    assert repr(rep).startswith("Report('Customer journey report': 14 sections")


def test_figures_are_plotly(rep):
    import plotly.graph_objects as go

    assert set(rep.figures) <= set(rep.sections)
    assert {"Journey graph", "Attribution", "Stage funnel", "Repurchase", "Experience"} <= set(rep.figures)
    assert all(isinstance(f, go.Figure) for f in rep.figures.values())
    assert [t.name for t in rep.figures["Attribution"].data] == MODELS


def test_clickstream_with_purchase_events_keeps_the_order_values():
    # the notebook's and the README's path: purchases are events of their own, with the order value
    clicks = pd.DataFrame({
        "customer_id": ["ann", "ann", "ann", "bob", "bob", "cem"],
        "event": ["search ad", "website", "purchase", "social ad", "website", "purchase"],
        "timestamp": pd.to_datetime(["2025-03-01 09:00", "2025-03-02 10:00", "2025-03-02 10:05",
                                     "2025-03-01 12:00", "2025-03-03 08:00", "2025-03-04 18:00"]),
        "value": [0.0, 0.0, 80.0, 0.0, 0.0, 0.0],
    })
    rep = tp.report(clicks, touchpoint="event", conversion_event="purchase", lookback="30 days")
    assert "purchase" not in set(rep.sections["Dataset"]["touchpoint"])  # the conversion, not a touchpoint
    a = rep.sections["Attribution"]
    assert abs(a["Markov 1"].sum() - 1.0) < 1e-9  # cem's purchase has no touch to credit
    assert abs(a["Markov value"].sum() - 80.0) < 1e-9, "the purchase rows' value is the conversion value"
    assert "2 conversions worth 80.00" in rep.text()


def test_data_without_conversions_gives_a_report_that_says_so(events):
    # the demo's touches only: nothing converts, so nothing can be attributed
    t = events.to_pandas()
    touches = t[~t["converted"].astype(bool)].reset_index(drop=True)
    rep = tp.report(touches)
    assert "Attribution" not in rep.sections and "Where to act" not in rep.sections
    assert {"Dataset", "Journeys", "Journey graph", "Top paths"} <= set(rep.sections)
    assert any(n.startswith("No journey converts, so there is nothing to attribute") for n in rep.notes)
    assert "No journey converts, so there is nothing to attribute" in rep.text()
    assert "0 conversions worth 0.00" in rep.text()
    counts = touches["touchpoint"].value_counts()
    ds = rep.sections["Dataset"].set_index("touchpoint")["touches"]
    assert ds.to_dict() == {k: int(counts.get(k, 0)) for k in ds.index}
    # Journeys input: the touches are those kept in the journeys (here every one)
    j = tp.report(tp.Journeys.from_events(touches), order=2)
    assert "Attribution" not in j.sections
    assert j.sections["Dataset"].set_index("touchpoint")["touches"].to_dict() == ds.to_dict()
