"""The experience analyses through the Python API: every number of ORACLES E11, E12 and E13 in
pandas, polars and pyarrow; survey tables (attachment, the report, bad rows); scales;
segments; key drivers; the graph's nodes with experience; figures, HTML and option errors."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import touchpoint as tp
from touchpoint.exceptions import InputError, InputTypeError, ModelError, OptionError, UnknownTouchpointError

KINDS = ("pandas", "polars", "pyarrow")
DAY = dt.timedelta(days=1)
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def frame(d: dict, kind: str):
    if kind == "pandas":
        return pd.DataFrame(d)
    if kind == "polars":
        return pl.DataFrame(d)
    return pa.table(d)


def rows_of(x) -> list:
    return pa.table(x).to_pylist()


def close(a, b, tol=1e-6) -> bool:
    return a is not None and abs(a - b) <= tol


# ---------------------------------------------------------------------------------------------
# E11: NPS and CSAT per touchpoint

E11 = {"store visit": [10, 9, 9, 8, 7, 6, 3, 10, 0, 9], "email": [10, 10, 9, 8, 2]}


def e11_frame(kind: str):
    rows = [(tp_, s) for tp_, xs in E11.items() for s in xs]
    return frame({"customer_id": list(range(len(rows))), "touchpoint": [r[0] for r in rows],
                  "timestamp": [0] * len(rows), "converted": [False] * len(rows),
                  "feedback": [float(r[1]) for r in rows]}, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_e11_nps_per_touchpoint_with_intervals(kind):
    exp = tp.experience(e11_frame(kind))
    assert type(exp.to_frame()).__module__.split(".")[0] == kind
    assert type(exp.by_touchpoint).__module__.split(".")[0] == kind
    r = {x["group"]: x for x in rows_of(exp.by_touchpoint)}
    s = r["store visit"]
    assert (s["n"], s["promoters"], s["passives"], s["detractors"]) == (10, 5, 2, 3)
    assert close(s["nps"], 20.0, 1e-12) and close(s["nps_variance"], 760.0, 1e-9)
    assert close(s["nps_se"], 27.568098) and close(s["nps_lower"], -34.032478) and close(s["nps_upper"], 74.032478)
    assert s["small_n"] is True
    e = r["email"]
    assert e["n"] == 5 and close(e["nps"], 40.0, 1e-12) and close(e["nps_variance"], 1280.0, 1e-9)
    assert close(e["nps_se"], 35.777088) and close(e["nps_lower"], -30.121803)
    assert e["nps_upper"] == 100.0  # clamped
    d = rows_of(exp.compare("store visit", "email"))[0]
    assert (d["a"], d["b"], d["n_a"], d["n_b"]) == ("store visit", "email", 10, 5)
    assert close(d["nps_difference"], -20.0, 1e-12) and close(d["nps_difference_se"], 45.166359)
    assert close(d["nps_z"], -0.442807) and d["nps_p_value"] > 0.6
    assert rows_of(exp.overall)[0]["n"] == 15
    assert exp.report["scores"] == exp.report["scores_on_touches"] == 15
    assert exp.scale == {"kind": "nps", "min": 0.0, "max": 10.0, "promoter_min": 9.0, "detractor_max": 6.0}
    # touchpoints ordered by scores, most first
    assert [x["group"] for x in rows_of(exp.by_touchpoint)] == ["store visit", "email"]
    assert rows_of(exp.by_stage) == [] and rows_of(exp.by_channel) == []
    assert exp.to_dict()["rows"][1]["group"] == "store visit"
    assert "store visit" in str(exp) and "n < 30" in str(exp)


@pytest.mark.parametrize("kind", KINDS)
def test_e11_csat_mean_and_top_two_box(kind):
    scores = [5, 4, 4, 2, 1, 5, 3]
    df = frame({"customer_id": [f"c{i}" for i in range(7)], "touchpoint": ["service centre"] * 7,
                "timestamp": [T0] * 7, "feedback": scores}, kind)
    r = rows_of(tp.experience(df, scale="csat").by_touchpoint)[0]
    assert close(r["mean"], 3.428571) and close(r["mean_se"], 0.571429)
    assert close(r["top_box"], 0.571429) and close(r["top_box_lower"], 0.250458) and close(r["top_box_upper"], 0.841780)
    assert (r["promoters"], r["detractors"]) == (4, 2)
    # the same scale spelled out as a custom one: the same figures
    custom = rows_of(tp.experience(df, scale={"min": 1, "max": 5, "promoter_min": 4, "detractor_max": 2}).by_touchpoint)
    assert {k: v for k, v in custom[0].items()} == r


def test_e11_per_stage_and_channel_with_a_catalog():
    cat = {"store visit": {"stage": "purchase", "channel": "offline"},
           "email": {"stage": "first_interaction", "channel": "online"}}
    exp = tp.experience(e11_frame("pandas"), catalog=cat)
    st = {x["group"]: x for x in rows_of(exp.by_stage)}
    assert list(st) == ["first_interaction", "purchase"]  # stage order
    assert close(st["purchase"]["nps"], 20.0, 1e-12) and close(st["first_interaction"]["nps"], 40.0, 1e-12)
    ch = {x["group"]: x["n"] for x in rows_of(exp.by_channel)}
    assert ch == {"online": 5, "offline": 10}
    d = rows_of(exp.compare("purchase", "first_interaction", dimension="stage"))[0]
    assert close(d["nps_difference"], -20.0, 1e-12)


# ---------------------------------------------------------------------------------------------
# E12: experience and conversion

E12 = [("d1", 3, True), ("d2", 5, False), ("d3", 0, False), ("d4", 6, False), ("p1", 9, True), ("p2", 10, True),
       ("p3", 7, True), ("u1", None, True), ("u2", None, False), ("u3", 8, False)]


def e12_frame(kind: str, conversion_score=None):
    rows = []
    for c, fb, conv in E12:
        rows.append((c, "search", T0, False, None))
        rows.append((c, "store visit", T0 + dt.timedelta(seconds=1), False, fb))
        if conv:
            rows.append((c, None, T0 + dt.timedelta(seconds=2), True, conversion_score if c == "d1" else None))
    cols = ["customer_id", "touchpoint", "timestamp", "converted", "feedback"]
    d = {k: [r[i] for r in rows] for i, k in enumerate(cols)}
    d["feedback"] = [None if x is None else float(x) for x in d["feedback"]]
    return frame(d, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_e12_detractor_journeys_against_the_rest(kind):
    r = tp.experience_conversion(e12_frame(kind))
    assert (r.journeys, r.converting_journeys, r.conversions_without_touches) == (10, 5, 0)
    assert r.reference == "not_detractor" and "not causal" in r.note
    rows = {x["touchpoint"]: x for x in rows_of(r)}
    for row in (rows[None], rows["store visit"]):
        assert (row["detractor_journeys"], row["detractor_conversions"]) == (4, 1)
        assert (row["reference_journeys"], row["reference_conversions"]) == (6, 4)
        assert close(row["detractor_rate"], 0.25, 1e-12) and close(row["reference_rate"], 0.666667)
        assert close(row["difference"], -0.416667) and close(row["difference_se"], 0.289676)
        assert close(row["difference_lower"], -0.984421) and close(row["difference_upper"], 0.151087)
        assert close(row["risk_ratio"], 0.375, 1e-12) and close(row["odds_ratio"], 0.166667)
        assert close(row["odds_ratio_lower"], 0.009846) and close(row["odds_ratio_upper"], 2.821320)
        assert (row["promoter_journeys"], row["promoter_conversions"]) == (2, 2)
        assert close(row["experience_gap"], 3.0, 1e-12)
        assert (row["passive_journeys"], row["unscored_journeys"]) == (2, 2)
    s = rows["search"]
    assert (s["unscored_journeys"], s["detractor_journeys"], s["experience_gap"]) == (10, 0, None)
    p = {x["touchpoint"]: x for x in rows_of(tp.experience_conversion(e12_frame(kind), reference="promoter"))}[None]
    assert (p["reference_journeys"], p["reference_conversions"]) == (2, 2)
    assert p["odds_ratio"] == 0.0 and (p["odds_ratio_lower"], p["odds_ratio_upper"]) == (None, None)
    u = {x["touchpoint"]: x for x in rows_of(tp.experience_conversion(e12_frame(kind), reference="unscored"))}[None]
    assert (u["reference_journeys"], u["reference_conversions"]) == (2, 1)


def test_scores_on_conversion_rows():
    with pytest.raises(InputError, match="conversion_feedback") as e:
        tp.experience(e12_frame("pandas", conversion_score=9.0))
    assert e.value.kind == "invalid_value"
    attached = tp.experience(e12_frame("pandas", conversion_score=9.0), conversion_feedback="attach")
    assert attached.report["conversion_scores_attached"] == 1
    store = {x["group"]: x for x in rows_of(attached.by_touchpoint)}["store visit"]
    assert store["n"] == 9 and store["promoters"] == 3  # d1's 9 goes to its most recent touch
    ignored = tp.experience(e12_frame("pandas", conversion_score=9.0), conversion_feedback="ignore")
    assert ignored.report["conversion_scores_left_out"] == 1 and ignored.report["scores"] == 8


# ---------------------------------------------------------------------------------------------
# E13: key drivers

X1 = [5, 4, 3, 5, 2, 1, 4, 3]
X2 = [3, 4, 2, 5, 3, 2, 5, 1]
X3 = [1, 2, 2, 1, 3, 1, 2, 2]
Y = [9, 8, 5, 10, 6, 2, 9, 4]


def e13_frame(kind: str, overall: bool = True):
    rows = []
    for i in range(8):
        rows += [(i, "store", 0, X1[i]), (i, "email", 1, X2[i]), (i, "app", 2, X3[i])]
        if overall:
            rows.append((i, "overall", 3, Y[i]))
    return frame({"customer_id": [r[0] for r in rows], "touchpoint": [r[1] for r in rows],
                  "timestamp": [r[2] for r in rows], "feedback": [float(r[3]) for r in rows]}, kind)


def check_e13(k):
    assert k.customers == 8 and k.customers_incomplete == 0
    for subset, want in [(["store"], 0.814257), (["email"], 0.714850), (["app"], 0.015660),
                         (["store", "email"], 0.958511), (["store", "app"], 0.845098), (["email", "app"], 0.716253),
                         (["store", "email", "app"], 0.975786)]:
        assert close(k.r_squared_of(subset), want), subset
    assert close(k.r_squared, 0.975786)
    rows = rows_of(k)
    imp = {x["driver"]: x["importance"] for x in rows}
    assert close(imp["store"], 0.536780) and close(imp["email"], 0.422654) and close(imp["app"], 0.016352)
    share = {x["driver"]: x["share"] for x in rows}
    assert close(share["store"], 0.5501, 1e-4) and close(share["email"], 0.4331, 1e-4)
    assert close(share["app"], 0.0168, 1e-4)
    assert abs(sum(imp.values()) - k.r_squared) < 1e-12
    assert [x["driver"] for x in rows] == ["store", "email", "app"]


@pytest.mark.parametrize("kind", KINDS)
def test_e13_key_drivers_lmg(kind):
    k = tp.key_drivers(e13_frame(kind), outcome="overall")
    check_e13(k)
    assert k.outcome == "mean score at overall" and "not causal" in k.note and k.missing == "complete_cases"
    assert type(k.to_frame()).__module__.split(".")[0] == kind
    assert k.r_squared_of("store") == k.r_squared_of(["store"])
    with pytest.raises(OptionError, match="drivers"):
        k.r_squared_of(["overall"])


def test_e13_outcome_given_per_customer():
    y = dict(zip(range(8), map(float, Y)))
    check_e13(tp.key_drivers(e13_frame("pandas", overall=False), outcome=y))
    check_e13(tp.key_drivers(e13_frame("pyarrow", overall=False), outcome=pd.Series(y)))
    # customers not in the mapping (or NaN) have no outcome
    part = dict(y)
    part[7] = math.nan
    k = tp.key_drivers(e13_frame("pandas", overall=False), outcome=part)
    assert k.customers == 7 and k.customers_without_outcome == 1
    assert tp.key_drivers(e13_frame("pandas"), outcome="overall", drivers=["store", "app"]).r_squared == \
        pytest.approx(0.845098, abs=1e-6)


def test_key_drivers_errors():
    df = e13_frame("pandas")
    with pytest.raises(UnknownTouchpointError, match="nope"):
        tp.key_drivers(df, outcome="nope")
    with pytest.raises(OptionError, match="drivers"):
        tp.key_drivers(df, outcome="overall", drivers=["overall", "store"])
    with pytest.raises(ModelError, match="no variance"):
        tp.key_drivers(df, outcome={i: 1.0 for i in range(8)})
    with pytest.raises(OptionError, match="missing"):
        tp.key_drivers(df, outcome="overall", missing="drop")
    with pytest.raises(InputTypeError, match="outcome"):
        tp.key_drivers(df, outcome=3)


# ---------------------------------------------------------------------------------------------
# interop: the same numbers from every library


def test_pandas_polars_and_pyarrow_give_the_same_results():
    demo = {k: tp.demo.events(customers=600, backend=k) for k in KINDS}
    results = {k: tp.experience(df) for k, df in demo.items()}
    want = rows_of(results["pyarrow"])
    assert len(want) > 5
    for k in KINDS:
        assert rows_of(results[k]) == want, k
        assert str(results[k]) == str(results["pyarrow"])
    conv = {k: rows_of(tp.experience_conversion(df)) for k, df in demo.items()}
    assert conv["pandas"] == conv["polars"] == conv["pyarrow"]
    kd = {k: rows_of(tp.key_drivers(df, missing="impute_mean")) for k, df in demo.items()}
    assert kd["pandas"] == kd["polars"] == kd["pyarrow"]
    cons = {k: rows_of(tp.consistency(df)) for k, df in demo.items()}
    assert cons["pandas"] == cons["polars"] == cons["pyarrow"]
    # and the events object read once equals the table
    assert rows_of(tp.experience(tp.Events.from_frame(demo["polars"], feedback="feedback"))) == want


# ---------------------------------------------------------------------------------------------
# survey tables


def survey_events(kind: str = "pandas"):
    rows = [("a", "web", T0), ("a", "store", T0 + DAY), ("b", "web", T0), ("c", "app", T0 + 5 * DAY)]
    return frame({"customer_id": [r[0] for r in rows], "touchpoint": [r[1] for r in rows],
                  "timestamp": [r[2] for r in rows]}, kind)


SURVEYS = [
    ("a", T0 + 2 * DAY, 9.0, None),      # no touchpoint: a's most recent touch, the store
    ("a", T0 + 3 * DAY, 3.0, "web"),     # at web: the web touch two days before the store
    ("zz", T0 + DAY, 10.0, None),        # unknown customer
    ("a", T0 + 3 * DAY, 8.0, "nope"),    # unknown touchpoint
    ("b", T0 + 100 * DAY, 7.0, None),    # outside the 30-day window
    ("c", T0, 5.0, None),                # before c's first touch
]


def survey_frame(kind: str = "pandas", rows=SURVEYS, names=("customer_id", "timestamp", "score", "touchpoint")):
    d = {names[i]: [r[i] for r in rows] for i in range(4)}
    return frame(d, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_survey_responses_are_attached_or_counted(kind):
    exp = tp.experience(survey_events(kind), survey_frame(kind))
    r = exp.report
    assert (r["surveys"], r["surveys_attached"], r["surveys_unknown_customer"], r["surveys_unknown_touchpoint"],
            r["surveys_without_touch"], r["scores"]) == (6, 2, 1, 1, 2, 2)
    got = {x["group"]: (x["n"], x["mean"]) for x in rows_of(exp.by_touchpoint)}
    assert got == {"store": (1, 9.0), "web": (1, 3.0)}
    assert exp.touchpoints_without_feedback == ["app"]
    assert "Surveys: 2 of 6 attached" in str(exp) and "Surveys: 2 of 6 attached" in exp._repr_html_()
    # no window: b's late response is attached too
    wide = tp.experience(survey_events(kind), survey_frame(kind), survey_window=None)
    assert wide.report["surveys_attached"] == 3 and wide.report["surveys_without_touch"] == 1
    assert tp.experience(survey_events(kind), survey_frame(kind), survey_window="1d").report["surveys_attached"] == 1
    assert tp.experience(survey_events(kind), survey_frame(kind),
                         survey_window=dt.timedelta(days=3)).report["surveys_attached"] == 2


def test_survey_options_and_reuse():
    named = survey_frame(names=("who", "when", "nps", "asked_about"))
    exp = tp.experience(survey_events(), named, survey_customer="who", survey_time="when", survey_score="nps",
                        survey_touchpoint="asked_about")
    assert exp.report["surveys_attached"] == 2
    s = tp.Surveys.from_frame(named, customer="who", time="when", score="nps", touchpoint="asked_about")
    assert len(s) == 6 and "6 responses" in repr(s)
    for run in (tp.experience, tp.experience_conversion, tp.consistency):
        assert run(survey_events(), s).report["surveys_attached"] == 2
    # epoch numbers with a unit; without a touchpoint column every response goes to the last touch
    secs = pd.DataFrame({"customer_id": ["a"], "timestamp": [int((T0 + 2 * DAY).timestamp())], "score": [9]})
    e = tp.experience(survey_events(), secs, survey_time_unit="s")
    assert {x["group"]: x["n"] for x in rows_of(e.by_touchpoint)} == {"store": 1}
    with pytest.raises(InputTypeError, match="survey_score"):
        tp.experience(survey_events(), survey_score="nps")
    with pytest.raises(tp.ColumnNotFoundError, match="customer_id.*who, when, nps, asked_about"):
        tp.experience(survey_events(), named)


@pytest.mark.parametrize("kind", KINDS)
def test_bad_scores_name_the_row_and_value(kind):
    bad = survey_frame(kind, rows=[("a", T0 + 2 * DAY, 9.0, None), ("a", T0 + 2 * DAY, 4.0, None),
                                   ("a", T0 + 2 * DAY, 11.0, None)])
    with pytest.raises(InputError, match=r'at row 2: "11" \(outside the nps scale') as e:
        tp.experience(survey_events(kind), bad)
    assert e.value.kind == "invalid_value" and "nps" in str(e.value)
    missing = survey_frame(kind, rows=[("a", T0 + 2 * DAY, 9.0, None), ("a", T0 + 2 * DAY, None, None)])
    with pytest.raises(InputError, match=r"`score` at row 1: null"):
        tp.Surveys.from_frame(missing)
    no_time = survey_frame(kind, rows=[("a", T0, 9.0, "web"), ("a", None, 9.0, None)])
    with pytest.raises(InputError, match=r"`timestamp` at row 1: null"):
        tp.Surveys.from_frame(no_time)
    # a score on the events outside the scale: row and value
    df = e11_frame(kind)
    scores = [float(x) for xs in E11.values() for x in xs]
    scores[3] = 11.0
    df = frame({**{c: list(pa.table(df)[c].to_pylist()) for c in ("customer_id", "touchpoint", "timestamp")},
                "feedback": scores}, kind)
    with pytest.raises(InputError, match=r'`feedback` at row 3: "11"'):
        tp.experience(df)


def test_csat_rejects_a_seven_and_custom_scales_are_checked():
    df = pd.DataFrame({"customer_id": ["a", "b"], "touchpoint": ["x", "x"], "timestamp": [0, 0], "feedback": [5, 7]})
    with pytest.raises(InputError, match=r'row 1: "7" \(outside the csat scale 1..=5'):
        tp.experience(df, scale="csat")
    assert rows_of(tp.experience(df).by_touchpoint)[0]["n"] == 2  # fine on the NPS scale
    with pytest.raises(OptionError, match="scale"):
        tp.experience(df, scale={"min": 0, "max": 10, "promoter_min": 5, "detractor_max": 6})
    with pytest.raises(OptionError, match="scale"):
        tp.experience(df, scale={"min": 0, "max": 10, "promoter_min": 9})


def test_a_constant_score_has_nps_100_and_variance_0():
    df = pd.DataFrame({"customer_id": range(40), "touchpoint": "app", "timestamp": 0, "feedback": 10.0})
    r = rows_of(tp.experience(df).by_touchpoint)[0]
    assert (r["n"], r["nps"], r["nps_variance"], r["nps_se"]) == (40, 100.0, 0.0, 0.0)
    assert (r["nps_lower"], r["nps_upper"], r["mean"], r["mean_se"], r["top_box"]) == (100.0, 100.0, 10.0, 0.0, 1.0)
    assert r["small_n"] is False
    one = rows_of(tp.experience(df.head(1)).by_touchpoint)[0]
    assert one["mean_se"] is None and one["nps_variance"] == 0.0


def test_no_scores_and_wrong_inputs():
    df = survey_events()
    with pytest.raises(InputError, match="feedback") as e:
        tp.experience(df)
    assert e.value.kind == "empty_input"
    with pytest.raises(InputTypeError, match="Journeys"):
        tp.experience(tp.Journeys.from_events(e11_frame("pandas"), feedback="feedback"))
    with pytest.raises(InputTypeError, match="unexpected keyword"):
        tp.experience(e11_frame("pandas"), scael="csat")
    with pytest.raises(InputTypeError, match="scale"):
        tp.experience(e11_frame("pandas"), scale=7)
    # the feedback column by another name
    renamed = e11_frame("pandas").rename(columns={"feedback": "nps"})
    assert rows_of(tp.experience(renamed, feedback="nps").overall)[0]["n"] == 15


# ---------------------------------------------------------------------------------------------
# segments


def test_per_segment_rows_equal_running_on_the_segment_alone():
    df = tp.demo.events(customers=1_500)
    df["region"] = ["north" if int(c[1:]) % 3 else "south" for c in df["customer_id"]]
    cat = tp.demo.catalog()
    exp = tp.experience(df, segment="region", catalog=cat)
    rows = rows_of(exp)
    assert {r["segment"] for r in rows} == {"north", "south"}
    for seg in ("north", "south"):
        alone = rows_of(tp.experience(df[df["region"] == seg].drop(columns="region"), catalog=cat))
        mine = [{k: v for k, v in r.items() if k != "segment"} for r in rows if r["segment"] == seg]
        assert mine == alone, seg
    d = rows_of(exp.compare_segments("north", "south"))[0]
    n = {r["segment"]: r for r in rows if r["dimension"] == "all"}
    assert d["nps_difference"] == pytest.approx(n["north"]["nps"] - n["south"]["nps"], abs=1e-12)
    w = rows_of(exp.compare_segments("north", "south", "website"))[0]
    assert (w["a"], w["b"], w["dimension"]) == ("north", "south", "touchpoint")
    per_seg = rows_of(exp.compare("website", "app"))
    assert sorted(r["segment"] for r in per_seg) == ["north", "south"]
    conv = tp.experience_conversion(df, segment="region", catalog=cat)
    for seg in ("north", "south"):
        alone = rows_of(tp.experience_conversion(df[df["region"] == seg].drop(columns="region"), catalog=cat))
        assert [{k: v for k, v in r.items() if k != "segment"} for r in rows_of(conv) if r["segment"] == seg] == alone
    with pytest.raises(OptionError, match="segments"):
        exp.compare_segments("north", "west")


# ---------------------------------------------------------------------------------------------
# key drivers and consistency on the demo; the graph


def test_demo_key_drivers_importances_sum_to_r_squared():
    ev = tp.Events.demo(customers=2_000)
    for kw in ({"missing": "impute_mean"}, {"outcome": "after-sales survey", "missing": "impute_mean"}):
        k = tp.key_drivers(ev, **kw)
        rows = rows_of(k)
        assert abs(sum(r["importance"] for r in rows) - k.r_squared) < 1e-9
        assert abs(sum(r["share"] for r in rows) - 1.0) < 1e-9
        assert [r["importance"] for r in rows] == sorted((r["importance"] for r in rows), reverse=True)
        assert k.r_squared_of([r["driver"] for r in rows]) == pytest.approx(k.r_squared, abs=1e-12)
        assert k.to_dict()["customers"] == k.customers
    with pytest.raises(ModelError, match="impute_mean"):
        tp.key_drivers(ev)  # nobody is scored at every touchpoint


def test_consistency_of_a_journey():
    rows = [("a", "web", 0, 10.0), ("a", "store", 1, 2.0), ("a", "app", 2, 9.0),
            ("b", "web", 0, 9.0), ("b", "store", 1, 3.0), ("c", "web", 0, 5.0)]
    df = pd.DataFrame(rows, columns=["customer_id", "touchpoint", "timestamp", "feedback"])
    c = tp.consistency(df)
    s = c.summary
    assert (s["journeys"], s["journeys_scored"], s["journeys_multi"], s["mixed_journeys"]) == (3, 3, 2, 2)
    top = rows_of(c)[0]
    assert (top["from"], top["to"], top["pairs"], top["good_to_bad"], top["good_to_bad_rate"]) == \
        ("web", "store", 2, 2, 1.0)
    assert top["mean_change"] == pytest.approx(-7.0)
    assert "web" in str(c) and "store" in c._repr_html_()


def test_graph_nodes_with_experience():
    events = tp.demo.events(customers=800)
    exp = tp.experience(events)
    g = tp.JourneyGraph(tp.Journeys.from_events(events, lookback="30d"))
    plain = g.nodes()
    assert "nps" not in plain.columns
    nodes = g.nodes(experience=exp)
    assert {"nps", "mean_score", "scores"} <= set(nodes.columns)
    want = {r["group"]: r for r in rows_of(exp.by_touchpoint)}
    seen = 0
    for r in nodes.to_dict("records"):
        if r["label"] in want:
            assert r["nps"] == pytest.approx(want[r["label"]]["nps"]) and r["scores"] == want[r["label"]]["n"]
            seen += 1
        elif r["kind"] == "state":
            assert pd.isna(r["nps"])
    assert seen == len(want)
    with pytest.raises(InputTypeError, match="experience"):
        g.nodes(experience="nps")


# ---------------------------------------------------------------------------------------------
# options


def test_option_errors_name_the_option():
    df = e12_frame("pandas")
    cases = [
        ("scale", lambda: tp.experience(df, scale="nps10")),
        ("reference", lambda: tp.experience_conversion(df, reference="best")),
        ("conversion_feedback", lambda: tp.experience(df, conversion_feedback="keep")),
        ("survey_window", lambda: tp.experience(df, survey_window=-5)),
        ("small_n", lambda: tp.experience(df, small_n=-1)),
        ("missing", lambda: tp.key_drivers(df, missing="x")),
        ("dimension", lambda: tp.experience(df).compare("search", "store visit", dimension="region")),
    ]
    for option, call in cases:
        with pytest.raises(OptionError, match=f"`{option}`") as e:
            call()
        assert e.value.kind == "invalid_option", option
    with pytest.raises(OptionError, match="not_detractor, promoter, unscored"):
        tp.experience_conversion(df, reference="best")
    with pytest.raises(OptionError, match="nps, csat, custom"):
        tp.experience(df, scale="nps10")
    with pytest.raises(InputError, match="survey_window"):
        tp.experience(df, survey_window="a month")
    with pytest.raises(OptionError, match="groups"):
        tp.experience(df).compare("store visit", "nope")
    # aliases of the core
    assert tp.experience_conversion(df, reference="promoters").reference == "promoter"
    assert tp.experience(e11_frame("pandas"), scale="nps_0_10").scale["kind"] == "nps"
    assert rows_of(tp.experience(e11_frame("pandas"), small_n=5).by_touchpoint)[1]["small_n"] is False


# ---------------------------------------------------------------------------------------------
# text, HTML and figures


def test_html_and_text():
    exp = tp.experience(tp.Events.demo(customers=1_000))
    html = exp._repr_html_()
    for name in ("website", "after-sales survey", "service centre"):
        assert name in html
    assert "95% interval" in html and "NPS" in html and "Experience(nps scale" in repr(exp)
    small = tp.experience(e11_frame("pandas"))._repr_html_()
    assert "n&lt;30" in small and "color:#999" in small
    conv = tp.experience_conversion(tp.Events.demo(customers=1_000))
    assert "not causal" in conv._repr_html_() and "(any touchpoint)" in conv._repr_html_()
    assert "Conversion after a detractor score" in str(conv)
    kd = tp.key_drivers(e13_frame("pandas"), outcome="overall")
    assert "store" in kd._repr_html_() and "R²" in kd._repr_html_() and "Key drivers" in str(kd)


def test_figures():
    pytest.importorskip("plotly")
    ev = tp.Events.demo(customers=1_500)
    exp = tp.experience(ev, catalog=tp.demo.catalog())
    fig = exp.plot()
    assert len(fig.data) == 1 and fig.data[0].type == "bar"
    nps = list(fig.data[0].x)
    assert nps == sorted(nps)  # worst first
    assert len(nps) == len(rows_of(exp.by_touchpoint))
    assert fig.data[0].error_x.array is not None
    small = tp.experience(e11_frame("pandas")).plot()
    assert all("n<30" in y for y in small.data[0].y)
    stages = exp.plot_stages()
    assert len(stages.data) == 3 and [t.name for t in stages.data] == ["detractors", "passives", "promoters"]
    assert len(stages.data[0].y) == len(rows_of(exp.by_stage))
    for i in range(len(stages.data[0].x)):
        assert sum(t.x[i] for t in stages.data) == pytest.approx(1.0)
    no_stages = tp.experience(e11_frame("pandas")).plot_stages()
    assert len(no_stages.data[0].y) == 2  # falls back to the touchpoints
    seg = tp.experience(ev, segment="first_channel", catalog=tp.demo.catalog())
    n_seg = len({r["segment"] for r in rows_of(seg)})
    assert len(seg.plot().data) == n_seg and len(seg.plot(segment="online").data) == 1
    with pytest.raises(InputTypeError, match="per segment"):
        seg.plot_stages()
    conv = tp.experience_conversion(ev)
    f = conv.plot()
    assert len(f.data) == 2 and "not causal" in f.layout.title.text
    assert len(conv.plot(value="gap").data) == 1
    with pytest.raises(InputTypeError, match="value"):
        conv.plot(value="odds")
    kd = tp.key_drivers(e13_frame("pandas"), outcome="overall")
    kf = kd.plot()
    assert len(kf.data) == 1 and list(kf.data[0].y) == ["store", "email", "app"]
    assert "0.976" in kf.layout.title.text and "overall" in kf.layout.title.text
