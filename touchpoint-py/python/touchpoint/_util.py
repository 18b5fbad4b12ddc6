"""Private helpers shared by the journeys, paths, attribution and graph modules: duration
parsing, optional columns, the pandas-without-pyarrow check, catalogs as core JSON, the
conversions every tabular result shares, coercion of any input to Journeys or a PathTable, and
the deprecated spellings of renamed keywords and methods.

>>> import warnings
>>> @renamed_keywords(sep="separator")
... def split(text, *, separator=">"):
...     return [t.strip() for t in text.split(separator)]
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     split("a | b", sep="|")
['a', 'b']
>>> caught[0].category.__name__, str(caught[0].message)
('DeprecationWarning', 'split(sep=...) is deprecated; use separator=...')
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import warnings
from typing import Any, Callable, List, Optional, TypeVar, Union

from touchpoint import _frames
from touchpoint import _touchpoint as _native
from touchpoint.exceptions import InputError, InputTypeError

DurationLike = Union[None, int, float, str, _dt.timedelta]

_UNITS_MS = {"ms": 1, "s": 1_000, "m": 60_000, "min": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


# compiled once at import (compiling it on a model's first call cost a third of a millisecond)
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d|w)\s*")


def _to_ms(value: DurationLike, name: str) -> Optional[int]:
    """Durations: None, milliseconds (int/float), timedelta, or text like '30d', '12h', '90min'."""
    if value is None:
        return None
    if isinstance(value, _dt.timedelta):
        return int(value.total_seconds() * 1000)
    if isinstance(value, bool):
        raise InputTypeError(f"{name} = {value!r}: expected a duration such as '30d', a timedelta or milliseconds")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        m = _DURATION.fullmatch(value)
        if m:
            return int(float(m.group(1)) * _UNITS_MS[m.group(2)])
        raise InputError(f"{name} = {value!r}: expected a number and a unit (ms, s, min, h, d, w), e.g. '30d'")
    raise InputTypeError(f"{name} = {value!r}: expected a duration such as '30d', a timedelta or milliseconds")


F = TypeVar("F", bound=Callable[..., Any])


def deprecated(old: str, new: str, stacklevel: int = 3) -> None:
    """Warn that ``old`` is a deprecated spelling of ``new`` (pointing at the caller's caller)."""
    warnings.warn(f"{old} is deprecated; use {new}", DeprecationWarning, stacklevel=stacklevel)


def renamed_keywords(**renames: str) -> Callable[[F], F]:
    """Accept the old keyword names ``old=new`` of a function, with a DeprecationWarning. The
    signature (and ``help()``) shows the new names only; passing both is an error."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise InputTypeError(f"{fn.__name__}() got {old}= and {new}=; pass {new}= only")
                    deprecated(f"{fn.__name__}({old}=...)", f"{new}=...")
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _optional_column(cols: Optional[List[str]], name: Optional[str], default: str) -> Optional[str]:
    """A column left at its default is used only when the table has it."""
    if name is None:
        return None
    if name == default and cols is not None and name not in cols:
        return None
    return name


def _pandas_without_arrow(obj: Any) -> bool:
    if _frames.backend_of(obj) != "pandas":
        return False
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return True
    return False


def _catalog_json(catalog: Any) -> str:
    """A touchpoint catalog (DataFrame with a `touchpoint` or `name` column plus any of channel,
    stage, cost, direct, paid; a list of dicts; or a dict name -> attributes) as core JSON."""
    import json
    import math

    if isinstance(catalog, dict):
        records = [dict(attrs, name=name) for name, attrs in catalog.items()]
    elif isinstance(catalog, list):
        records = [dict(r) for r in catalog]
    else:
        backend = _frames.backend_of(catalog)
        if backend == "pandas":
            records = catalog.to_dict(orient="records")
        elif backend == "polars":
            records = catalog.to_dicts()
        else:
            records = catalog.to_pylist() if hasattr(catalog, "to_pylist") else list(catalog)
    out = []
    for r in records:
        if "name" not in r and "touchpoint" in r:
            r["name"] = r.pop("touchpoint")
        clean = {}
        for k, v in r.items():
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            if k in ("direct", "paid"):
                v = bool(v)
            elif k == "cost":
                v = float(v)
            elif k in ("name", "channel", "stage"):
                v = str(v)
            else:
                continue
            clean[k] = v
        out.append(clean)
    return json.dumps(out)


class _Tabular:
    """Conversions shared by every result that is a table."""

    _backend: str = "pandas"

    def _table(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _to(self, backend: str) -> Any:
        return _frames.to_backend(self._table(), backend)

    def to_pandas(self) -> Any:
        """The table as a pandas DataFrame."""
        return self._to("pandas")

    def to_polars(self) -> Any:
        """The table as a polars DataFrame."""
        return self._to("polars")

    def to_arrow(self) -> Any:
        """The table as a pyarrow Table."""
        return self._to("pyarrow")

    def to_frame(self) -> Any:
        """The table in the library the input came from (pandas in, pandas out)."""
        return self._to(self._backend)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._table().__arrow_c_stream__(requested_schema)

    def _repr_html_(self) -> str:
        return _frames.html_table(self._table(), repr(self))


class _Native(_Tabular):
    """A public object over one native object whose ``to_table()`` is its table and which
    knows the data's totals (journeys, path tables, attribution results)."""

    def __init__(self, native: Any, backend: str = "pandas") -> None:
        self._native = native
        self._backend = backend

    @property
    def total_conversions(self) -> float:
        """Total conversions in the data."""
        return self._native.total_conversions

    @property
    def total_value(self) -> float:
        """Total conversion value in the data."""
        return self._native.total_value

    def _table(self) -> Any:
        return self._native.to_table()

    def __repr__(self) -> str:
        return repr(self._native)


D = TypeVar("D", bound="_Data")


class _Data(_Native):
    """What journeys and path tables share besides the totals: the touchpoint names, catalog
    attributes and merging."""

    @property
    def touchpoints(self) -> List[str]:
        """Touchpoint names, in catalog order."""
        return self._native.touchpoints

    def __len__(self) -> int:
        return len(self._native)

    def with_catalog(self: D, catalog: Any) -> D:
        """A copy with touchpoint attributes (channel, stage, cost, direct, paid) attached: a
        DataFrame with a ``touchpoint`` column, a list of dicts or a dict name -> attributes."""
        return type(self)(self._native.with_catalog_json(_catalog_json(catalog)), self._backend)

    def merge(self: D, other: D) -> D:
        """The two together, touchpoints matched by name (journeys: of disjoint sets of
        customers, e.g. partitions; path tables: the counts of equal paths add up)."""
        return type(self)(self._native.merge(other._native), self._backend)
