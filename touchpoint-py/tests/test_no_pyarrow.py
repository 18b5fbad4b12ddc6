"""pandas without pyarrow: the fallback path gives the same numbers."""

import subprocess
import sys
import textwrap


def test_pandas_without_pyarrow_gives_the_same_numbers() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["pyarrow"] = None          # any `import pyarrow` now raises ImportError
        import pandas as pd
        import touchpoint as tp
        df = pd.DataFrame({
            "customer_id": ["a", "a", "a", "b", "b"],
            "touchpoint": ["C1", "C2", "C3", "C1", "C2"],
            "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-01", "2025-01-02"]),
            "converted": [False, False, True, False, False],
            "value": [0.0, 0.0, 10.0, 0.0, 0.0],
        })
        j = tp.Journeys.from_events(df)
        res = tp.attribute(j, model="linear").to_pandas()
        assert isinstance(res, pd.DataFrame), type(res)
        got = dict(zip(res["touchpoint"], res["conversions"]))
        assert abs(got["C3"] - 1 / 3) < 1e-12, got
        paths = tp.PathTable.from_frame(pd.DataFrame({"path": ["x > y", "y"], "total_conversions": [1, 2]}))
        assert paths.total_conversions == 3.0
        df["region"] = ["n", "n", "n", "s", "s"]
        f = tp.funnel(df, ["C1", "C2", "C3"], segment="region")
        rows = f.to_pandas()
        assert rows.loc[rows.segment == "n", "units"].tolist() == [1, 1, 1], rows
        assert rows.loc[rows.segment == "s", "units"].tolist() == [1, 1, 0], rows
        assert str(rows["time_from_previous_median"].dtype).startswith("timedelta64"), rows.dtypes
        r = tp.retention(df)
        assert r.mean["weighted_mean"].tolist()[:2] == [1.0, 1.0]
        df["feedback"] = [10.0, None, 3.0, 9.0, None]
        surveys = pd.DataFrame({"customer_id": ["a", "b", "zz"], "score": [8, 9, 10],
                                "timestamp": ["2025-01-02T12:00:00Z", "2025-01-03T00:00:00Z", "2025-01-03T00:00:00Z"],
                                "touchpoint": [None, "C1", None]})
        exp = tp.experience(df, surveys)
        got = {g: (n, nps) for g, n, nps in exp.by_touchpoint[["group", "n", "nps"]].itertuples(index=False)}
        assert got == {"C1": (3, 100.0), "C2": (1, 0.0), "C3": (1, -100.0)}, got
        assert (exp.report["surveys_attached"], exp.report["surveys_unknown_customer"]) == (2, 1), exp.report
        secs = pd.DataFrame({"customer_id": ["a"], "timestamp": [1735776000], "score": [8]})
        assert tp.experience(df, secs, survey_time_unit="s").report["surveys_attached"] == 1
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
