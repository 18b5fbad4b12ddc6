"""DataFrame plumbing: which library a table comes from, and converting results back to it."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

from touchpoint.exceptions import InputTypeError

BACKENDS = ("pandas", "polars", "pyarrow")


def backend_of(obj: Any) -> str:
    """The library of a table: 'pandas', 'polars', 'pyarrow' (any other Arrow producer: 'pyarrow')."""
    root = type(obj).__module__.split(".")[0]
    if root in ("pandas", "polars", "pyarrow"):
        return root
    return "pyarrow"


def columns_of(obj: Any) -> Optional[list]:
    """Column names when the table exposes them cheaply, else None."""
    cols = getattr(obj, "column_names", None)
    if cols is None:
        cols = getattr(obj, "columns", None)
    if cols is None:
        return None
    try:
        return [str(c) for c in cols]
    except TypeError:
        return None


def has_arrow_stream(obj: Any) -> bool:
    return hasattr(obj, "__arrow_c_stream__")


def to_backend(table: Any, backend: str) -> Any:
    """Convert a native `_ArrowTable` into a DataFrame of `backend`."""
    if backend not in BACKENDS:
        raise InputTypeError(f"backend {backend!r}: expected one of {', '.join(BACKENDS)}")
    if backend == "pyarrow":
        import pyarrow as pa

        return pa.table(table)
    if backend == "polars":
        import polars as pl

        return pl.DataFrame(table)
    import pandas as pd

    try:
        import pyarrow as pa
    except ImportError:
        data = table.to_pydict()
        df = pd.DataFrame(data)
        for c in table.timestamp_columns:
            df[c] = pd.to_datetime(df[c], unit="ms", utc=True)
        for c in table.duration_columns:
            df[c] = pd.to_timedelta(df[c], unit="ms")
        return df
    t = pa.table(table)
    df = t.to_pandas()
    # integer columns with missing values stay integers (pandas' nullable Int64), not floats
    for name, col in zip(t.column_names, t.columns):
        if pa.types.is_integer(col.type) and col.null_count:
            df[name] = df[name].astype("Int64")
    return df


def from_columns(data: Dict[str, List[Any]], backend: str) -> Any:
    """A DataFrame of `backend` from Python columns (for the tables the Python layer assembles:
    the wide comparison, the demo catalog); pandas needs no pyarrow here."""
    if backend not in BACKENDS:
        raise InputTypeError(f"backend {backend!r}: expected one of {', '.join(BACKENDS)}")
    if backend == "polars":
        import polars as pl

        return pl.DataFrame(data)
    if backend == "pyarrow":
        import pyarrow as pa

        return pa.table(data)
    import pandas as pd

    return pd.DataFrame(data)


def max_rows() -> int:
    """Rows shown by `_repr_html_` (environment variable TOUCHPOINT_FMT_MAX_ROWS, default 20)."""
    try:
        return max(1, int(os.environ.get("TOUCHPOINT_FMT_MAX_ROWS", "20")))
    except ValueError:
        return 20


def _datetime_text(ms: int) -> str:
    """Epoch milliseconds as a UTC date-time for reading (seconds when there are any)."""
    import datetime as dt

    try:
        t = dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return str(ms)
    return t.strftime("%Y-%m-%d %H:%M:%S" if t.second or t.minute or t.hour else "%Y-%m-%d")


def html_table(table: Any, title: str = "") -> str:
    """A compact HTML table of a native `_ArrowTable` (first rows only)."""
    import html

    data = table.to_pydict()
    cols = list(data)
    n = len(table)
    limit = max_rows()
    stamps = set(getattr(table, "timestamp_columns", ()))
    spans = set(getattr(table, "duration_columns", ()))
    out = []
    if title:
        out.append(f"<p><b>{html.escape(title)}</b></p>")
    out.append('<table class="touchpoint"><thead><tr>')
    out.extend(f"<th>{html.escape(c)}</th>" for c in cols)
    out.append("</tr></thead><tbody>")
    for i in range(min(n, limit)):
        out.append("<tr>")
        for c in cols:
            v = data[c][i]
            if v is not None and c in stamps:
                s = _datetime_text(v)
            elif v is not None and c in spans:
                from touchpoint._plot import _ms_text  # one duration formatter (plotly stays lazy)

                s = _ms_text(v)
            elif isinstance(v, float):
                s = f"{v:,.4f}".rstrip("0").rstrip(".") if v == v else "NaN"
            elif v is None:
                s = ""
            else:
                s = str(v)
            out.append(f"<td>{html.escape(s)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    if n > limit:
        out.append(f"<p>{n - limit} more rows (TOUCHPOINT_FMT_MAX_ROWS={limit})</p>")
    return "".join(out)
