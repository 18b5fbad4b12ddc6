"""Shared fixtures: the worked examples of ORACLES.md as path rows and event tables, and
builders that turn them into pandas, polars and pyarrow frames or CSV files."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import settings

import touchpoint as tp

# No example database, and hypothesis' caches in the temp directory: the suite writes nothing
# into the source tree.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "touchpoint-hypothesis"))
settings.register_profile("touchpoint", database=None, deadline=None)
settings.load_profile("touchpoint")

Row = Tuple[str, float, float, float]  # path, conversions, nulls, value

TOL = 1e-6

# ---------------------------------------------------------------------------------------------
# ORACLES.md path tables

E1_ROWS: List[Row] = [
    ("C1 > C2 > C3", 1, 0, 0),
    ("C1", 0, 1, 0),
    ("C2 > C3", 0, 1, 0),
]

E2_SPLIT_ROWS: List[Row] = [
    ("GA", 2, 0, 0),
    ("M", 1, 0, 0),
    ("GA > M", 1, 0, 0),
    ("GA", 0, 1, 0),
]

E2_MERGED_ROWS: List[Row] = [
    ("GA", 2, 1, 0),
    ("M", 1, 0, 0),
    ("GA > M", 1, 0, 0),
]

E3_ROWS: List[Row] = [
    ("A > A > B", 3, 0, 300),
    ("A > C", 1, 2, 50),
    ("B", 0, 4, 0),
    ("C > B", 2, 1, 120),
    ("B > A > C", 1, 1, 80),
]

# E4: R(S) = conversions of journeys whose set of touchpoints is exactly S (R(L+O) = 0 is left out)
E4_ROWS: List[Row] = [
    ("F", 20, 0, 0),
    ("O", 10, 0, 0),
    ("L", 17, 0, 0),
    ("F > O", 17, 0, 0),
    ("F > L", 30, 0, 0),
    ("F > L > O", 6, 0, 0),
]

E5_ROWS: List[Row] = [
    ("A > B", 2, 1, 20),
    ("B > A", 1, 1, 10),
    ("A > B > A", 1, 0, 10),
    ("C", 1, 3, 10),
    ("B > C", 1, 1, 10),
    ("A", 0, 2, 0),
]

# Column names of the common path-table form (ChannelAttribution's).
PATH_COLUMNS = ("path", "total_conversions", "total_null", "total_conversion_value")

FRAME_KINDS = ("pandas", "polars", "pyarrow")
PATH_SOURCES = ("records", "pandas", "polars", "pyarrow", "csv")


def rows_dict(rows: Sequence[Row]) -> dict:
    return {
        "path": [r[0] for r in rows],
        "total_conversions": [float(r[1]) for r in rows],
        "total_null": [float(r[2]) for r in rows],
        "total_conversion_value": [float(r[3]) for r in rows],
    }


def path_frame(rows: Sequence[Row], kind: str):
    """The rows as a DataFrame of `kind` with the common column names."""
    d = rows_dict(rows)
    if kind == "pandas":
        return pd.DataFrame(d)
    if kind == "polars":
        return pl.DataFrame(d)
    if kind == "pyarrow":
        return pa.table(d)
    raise ValueError(kind)


def write_path_csv(rows: Sequence[Row], path: Path) -> Path:
    """The rows as a CSV file in the common form (path,total_conversions,total_conversion_value,total_null)."""
    lines = ["path,total_conversions,total_conversion_value,total_null"]
    lines += [f"{p},{c:g},{v:g},{n:g}" for p, c, n, v in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build_paths(rows: Sequence[Row], source: str, tmp_path: Path) -> "tp.PathTable":
    """A tp.PathTable from the rows, through the named public entry point."""
    if source == "records":
        return tp.PathTable.from_records(rows)
    if source in FRAME_KINDS:
        return tp.PathTable.from_frame(path_frame(rows, source))
    if source == "csv":
        return tp.read_paths(write_path_csv(rows, tmp_path / "paths.csv"))
    raise ValueError(source)


@pytest.fixture(params=PATH_SOURCES)
def path_source(request) -> str:
    """Each way a path table can arrive: records, pandas, polars, pyarrow, a CSV file."""
    return request.param


@pytest.fixture
def make_paths(path_source: str, tmp_path: Path) -> Callable[[Sequence[Row]], "tp.PathTable"]:
    return lambda rows: build_paths(rows, path_source, tmp_path)


@pytest.fixture(params=FRAME_KINDS)
def frame_kind(request) -> str:
    return request.param


# ---------------------------------------------------------------------------------------------
# E8: one visitor, $50 purchase

E8_PURCHASE = dt.datetime(2025, 3, 20, 12, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)

MS = dt.timedelta(milliseconds=1)
SECOND = dt.timedelta(seconds=1)

# (touchpoint or None for the purchase row, time before the purchase, converted, value); email
# and display are on the purchase day, email first: events at one instant are in the canonical
# order (by name), so the example's order is in the times
E8_EVENTS = [
    ("paid search", 9 * DAY, False, 0.0),
    ("social", 6 * DAY, False, 0.0),
    ("email", 2 * SECOND, False, 0.0),
    ("display", 1 * SECOND, False, 0.0),
    (None, 0 * MS, True, 50.0),
]

E8_TOUCHPOINTS = ["paid search", "social", "email", "display"]


def e8_dict(customer="v") -> dict:
    return {
        "customer_id": [customer] * len(E8_EVENTS),
        "touchpoint": [e[0] for e in E8_EVENTS],
        "timestamp": [E8_PURCHASE - e[1] for e in E8_EVENTS],
        "converted": [e[2] for e in E8_EVENTS],
        "value": [e[3] for e in E8_EVENTS],
    }


def e8_frame(kind: str = "pandas"):
    d = e8_dict()
    if kind == "pandas":
        return pd.DataFrame(d)
    if kind == "polars":
        return pl.DataFrame(d)
    if kind == "pyarrow":
        return pa.table(d)
    raise ValueError(kind)


def write_e8_csv(path: Path) -> Path:
    lines = ["customer_id,touchpoint,timestamp,converted,value"]
    for tpn, before, conv, value in E8_EVENTS:
        ts = (E8_PURCHASE - before).isoformat(timespec="seconds").replace("+00:00", "Z")
        lines.append(f"v,{tpn or ''},{ts},{int(conv)},{value:g}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


E8_SOURCES = ("pandas", "polars", "pyarrow", "csv")


def build_e8(source: str, tmp_path: Path, **kwargs) -> "tp.Journeys":
    if source == "csv":
        return tp.Journeys.read_csv(write_e8_csv(tmp_path / "e8.csv"), **kwargs)
    return tp.Journeys.from_events(e8_frame(source), **kwargs)


@pytest.fixture(params=E8_SOURCES)
def e8_source(request) -> str:
    return request.param


# ---------------------------------------------------------------------------------------------
# helpers


def credits_of(result: "tp.Attribution", column: str = "conversions") -> dict:
    """touchpoint -> column, read from the pandas table (independent of `credits`)."""
    df = result.to_pandas()
    return dict(zip(df["touchpoint"], df[column]))


def assert_close(actual: float, expected: float, what: str = "", tol: float = TOL) -> None:
    assert abs(actual - expected) < tol, f"{what}: {actual} vs {expected}"


def events_from_ages(ages_days: Sequence[float], names: Optional[Sequence[str]] = None, value: float = 1.0):
    """One converting journey whose touches are `ages_days` old at the conversion (pandas)."""
    conv = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
    names = list(names) if names else [f"t{i}" for i in range(len(ages_days))]
    return pd.DataFrame({
        "customer_id": ["c"] * (len(ages_days) + 1),
        "touchpoint": names + [None],
        "timestamp": [conv - dt.timedelta(days=a) for a in ages_days] + [conv],
        "converted": [False] * len(ages_days) + [True],
        "value": [0.0] * len(ages_days) + [value],
    })


def as_pandas(frame) -> pd.DataFrame:
    """Any pandas, polars or pyarrow table as pandas (for reading numbers out)."""
    if isinstance(frame, pd.DataFrame):
        return frame
    if isinstance(frame, pl.DataFrame):
        return frame.to_pandas()
    if isinstance(frame, pa.Table):
        return frame.to_pandas()
    raise TypeError(type(frame))
