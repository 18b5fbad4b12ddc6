"""Path tables: distinct paths with their conversions, non-conversions and value (the aggregated
form attribution peers use), from DataFrames, records, journeys or CSV (:func:`read_paths`).

A path is written as touchpoint names joined by a ``separator`` (``">"`` by default when
reading; tokens are trimmed and empty tokens dropped, so ``"a > b"`` and ``"a>b"`` are the same
path); the CSV field delimiter is ``delimiter``."""

from __future__ import annotations

import os
from typing import Any, Iterable, List, Optional, Tuple, Union

from touchpoint import _frames
from touchpoint import _touchpoint as _native
from touchpoint._util import (
    ProgressLike,
    _Data,
    _optional_column,
    _pandas_without_arrow,
    _Serial,
    _watch,
    deprecated,
    renamed_keywords,
)


class PathTable(_Data, _Serial):
    """Distinct paths with their conversions, non-conversions (nulls) and value: the aggregated
    form attribution peers use. ``to_pandas()`` gives the columns path, conversions, nulls,
    value.

    Examples
    --------
    >>> import pandas as pd, touchpoint as tp
    >>> df = pd.DataFrame({"path": ["C1 > C2 > C3", "C1", "C2 > C3"], "total_conversions": [1, 0, 0],
    ...                    "total_null": [0, 1, 1]})
    >>> paths = tp.PathTable.from_frame(df)
    >>> len(paths), paths.total_conversions
    (3, 1.0)
    >>> list(paths.to_pandas().columns)
    ['path', 'conversions', 'nulls', 'value']
    >>> tp.PathTable.from_json(paths.to_json()).to_pandas().equals(paths.to_pandas())
    True
    """

    _NATIVE = "PyPathTable"

    @classmethod
    @renamed_keywords(sep="separator")
    def from_frame(
        cls,
        df: Any,
        *,
        path: str = "path",
        conversions: str = "total_conversions",
        nulls: Optional[str] = "total_null",
        value: Optional[str] = "total_conversion_value",
        separator: str = ">",
    ) -> "PathTable":
        """A path table from a DataFrame with a path column (touchpoints joined by
        ``separator``, e.g. ``"a > b > c"``) and count columns. ``nulls`` and ``value`` are used
        when present. (``sep=`` is the deprecated spelling of ``separator=``.)

        Examples
        --------
        >>> import polars as pl, touchpoint as tp
        >>> df = pl.DataFrame({"path": ["a|b", "b"], "total_conversions": [1, 2]})
        >>> tp.PathTable.from_frame(df, separator="|").touchpoints
        ['a', 'b']
        """
        cols = _frames.columns_of(df)
        nulls = _optional_column(cols, nulls, "total_null")
        value = _optional_column(cols, value, "total_conversion_value")
        if _pandas_without_arrow(df):
            n = len(df)
            native = _native.PyPathTable.from_lists(
                [str(x) for x in df[path].tolist()],
                [float(x) for x in df[conversions].tolist()],
                [float(x) for x in df[nulls].tolist()] if nulls else [0.0] * n,
                [float(x) for x in df[value].tolist()] if value else [0.0] * n,
                separator=separator,
            )
        else:
            native = _native.PyPathTable.from_arrow(df, path=path, conversions=conversions, nulls=nulls, value=value,
                                                    separator=separator)
        return cls(native, _frames.backend_of(df))

    @classmethod
    @renamed_keywords(sep="separator")
    def read_csv(cls, path: Union[str, "os.PathLike[str]"], *, separator: str = ">", path_column: str = "path",
                 conversions: str = "total_conversions", nulls: Optional[str] = None, value: Optional[str] = None,
                 delimiter: str = ",", backend: str = "pandas", progress: ProgressLike = True) -> "PathTable":
        """Read a path CSV with the core's reader (default form
        ``path,total_conversions,total_conversion_value,total_null``; ``total_null`` and
        ``total_conversion_value`` are used when the header has them). Errors name the line.
        Gzip files are read as they are; ``progress`` shows a bar over the bytes of a big file
        (see :func:`touchpoint.attribute`).

        Examples
        --------
        >>> import os, tempfile, touchpoint as tp
        >>> f = os.path.join(tempfile.mkdtemp(), "paths.csv")
        >>> _ = open(f, "w").write("journey;conv\\nGA | M;1\\nGA;2\\n")
        >>> p = tp.PathTable.read_csv(f, separator="|", delimiter=";", path_column="journey", conversions="conv")
        >>> p.total_conversions, p.touchpoints
        (3.0, ['GA', 'M'])
        """
        with _watch(progress, os.path.basename(os.fspath(path))) as cb:
            native = _native.PyPathTable.read_csv(os.fspath(path), separator=separator, path_column=path_column,
                                                  conversions=conversions, nulls=nulls, value=value,
                                                  delimiter=delimiter, progress=cb)
        return cls(native, backend)

    @classmethod
    def from_csv(cls, path: Union[str, "os.PathLike[str]"], **kwargs: Any) -> "PathTable":
        """Deprecated spelling of :meth:`read_csv`."""
        deprecated("PathTable.from_csv", "PathTable.read_csv")
        return cls.read_csv(path, **kwargs)

    @classmethod
    @renamed_keywords(sep="separator")
    def from_records(cls, records: Iterable[Tuple[str, float, float, float]], *, separator: str = ">") -> "PathTable":
        """A path table from (path, conversions, nulls, value) tuples.

        Examples
        --------
        >>> import touchpoint as tp
        >>> tp.PathTable.from_records([("a > b", 1, 2, 10.0)]).total_nulls
        2.0
        """
        paths: List[str] = []
        conv: List[float] = []
        nulls: List[float] = []
        value: List[float] = []
        for p, c, n, v in records:
            paths.append(p)
            conv.append(float(c))
            nulls.append(float(n))
            value.append(float(v))
        return cls(_native.PyPathTable.from_lists(paths, conv, nulls, value, separator=separator))

    @classmethod
    def from_journeys(cls, journeys: _Data) -> "PathTable":
        """The path table of journeys: one row per distinct touchpoint sequence (what
        :meth:`Journeys.paths` returns). Every model that needs no times gives the same credit
        on both.

        Examples
        --------
        >>> import touchpoint as tp
        >>> j = tp.Journeys.from_events(tp.demo.events(customers=200, seed=7))
        >>> paths = tp.PathTable.from_journeys(j)
        >>> paths.total_conversions == j.total_conversions, paths.total_conversions + paths.total_nulls == len(j)
        (True, True)
        """
        return cls(_native.PyPathTable.from_journeys(journeys._native), journeys._backend)

    @property
    def total_nulls(self) -> float:
        """Total non-converting journeys."""
        return self._native.total_nulls

    def top_paths(self, k: int = 10, *, by: str = "journeys") -> Any:
        """The ``k`` most frequent paths (by 'journeys', 'conversions' or 'value') plus one
        remainder row, so the rows sum to the totals. Columns: path, touches, journeys,
        conversions, value, conversion_rate, remainder.

        Examples
        --------
        >>> import touchpoint as tp
        >>> paths = tp.PathTable.from_records([("a > b", 3, 1, 30.0), ("b", 0, 5, 0.0), ("a", 1, 0, 5.0)])
        >>> top = paths.top_paths(1, by="conversions")
        >>> top["path"].tolist(), top["conversions"].tolist()
        (['a > b', '(other 2 paths)'], [3.0, 1.0])
        """
        return _frames.to_backend(self._native.top_paths(k, by), self._backend)

    @renamed_keywords(sep="separator")
    def write_csv(self, path: Union[str, "os.PathLike[str]"], *, separator: str = ">") -> None:
        """Write the common CSV form (``path,total_conversions,total_conversion_value,total_null``),
        touchpoints joined by ``separator``."""
        self._native.write_csv(os.fspath(path), separator=separator)



@renamed_keywords(sep="separator")
def read_paths(path: Union[str, "os.PathLike[str]"], *, separator: str = ">", delimiter: str = ",",
               path_column: str = "path", conversions: str = "total_conversions", nulls: Optional[str] = None,
               value: Optional[str] = None, backend: str = "pandas", progress: ProgressLike = True) -> PathTable:
    """Read a path CSV (``path,total_conversions,total_conversion_value,total_null``): the same as
    :meth:`PathTable.read_csv`.

    Parameters
    ----------
    separator
        Between the touchpoints inside a path cell (``"GA > Email"``).
    delimiter
        Between the fields of a row (``,`` by default; ``;`` in many European exports, ``\t``).
        A header that holds ``;``, a tab or ``|`` while the delimiter is ``,`` gets an error that
        says which delimiter to pass.
    sep
        The deprecated spelling of ``separator`` (not pandas' ``sep``: the field delimiter is
        ``delimiter``; a ``;`` file read with ``sep=";"`` gets the error that says so).
    path_column, conversions, nulls, value
        Column names (``total_null`` and ``total_conversion_value`` are used when present).

    Gzip-compressed files are read as they are (found by their first bytes, whatever the name).

    Examples
    --------
    >>> import tempfile, os, touchpoint as tp
    >>> f = os.path.join(tempfile.mkdtemp(), "paths.csv")
    >>> _ = open(f, "w").write("path,total_conversions,total_conversion_value,total_null\\nGA > M,1,10,0\\nGA,2,20,1\\n")
    >>> tp.read_paths(f).total_conversions
    3.0
    >>> _ = open(f, "w").write("path;total_conversions\\nGA > M;1\\n")
    >>> tp.read_paths(f, delimiter=";").total_conversions
    1.0
    """
    return PathTable.read_csv(path, separator=separator, delimiter=delimiter, path_column=path_column,
                              conversions=conversions, nulls=nulls, value=value, backend=backend, progress=progress)
