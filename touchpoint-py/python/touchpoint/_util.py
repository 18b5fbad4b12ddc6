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
import warnings
from typing import Any, Callable, Dict, List, Optional, Type, TypeVar, Union

from touchpoint import _frames
from touchpoint import _touchpoint as _native
from touchpoint.exceptions import InputError, InputTypeError, OptionError

DurationLike = Union[None, int, float, str, _dt.timedelta, Any]


def _to_ms(value: DurationLike, name: str) -> Optional[int]:
    """Durations: None, milliseconds (int/float), a ``datetime.timedelta`` or ``pd.Timedelta``,
    a ``numpy.timedelta64``, or text the core reads: '30d', '12h', '90min', '30 days',
    '2 weeks', '1.5 hours' (and whatever ``pd.Timedelta`` parses, such as '1 days 02:00:00').

    >>> _to_ms("30 days", "lookback") == _to_ms("30d", "lookback") == 30 * 86_400_000
    True
    >>> import numpy as np, pandas as pd
    >>> _to_ms(np.timedelta64(2, "W"), "lookback") == _to_ms(pd.Timedelta(weeks=2), "lookback") == _to_ms("2 weeks", "x")
    True
    """
    if value is None:
        return None
    if isinstance(value, _dt.timedelta):  # pd.Timedelta is one too
        return int(round(value / _dt.timedelta(milliseconds=1)))
    if isinstance(value, bool):
        raise InputTypeError(f"{name} = {value!r}: expected a duration such as '30d', a timedelta or milliseconds")
    if type(value).__name__ == "timedelta64":  # numpy, without importing it
        if str(value) == "NaT":
            raise InputError(f"{name} = NaT: expected a duration such as '30d'")
        return int(value.astype("timedelta64[ms]").astype("int64"))
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise InputError(f"{name} = {value!r}: expected a finite number of milliseconds or a duration such as '30d'")
        if abs(value) > 9e18:  # what the core holds (an i64 of milliseconds, ±285,000 years)
            raise InputError(f"{name} = {value!r}: expected at most 9e18 milliseconds (285,000 years)")
        return int(value)
    if isinstance(value, str):
        ms = _native.parse_duration_ms(value)
        if ms is not None:
            return int(ms)
        try:  # pandas' own spellings ('1 days 02:00:00', 'P2D'), when pandas is there
            import pandas as pd

            return int(round(pd.Timedelta(value) / _dt.timedelta(milliseconds=1)))
        except Exception:
            pass
        raise InputError(f"{name} = {value!r}: expected a number and a unit, e.g. '30d', '30 days', '2 weeks', "
                         "'12h', '90min' (ms, s, min, h, d, w)")
    raise InputTypeError(f"{name} = {value!r}: expected a duration such as '30d', a timedelta or milliseconds")


def whole_numbers(fn: F) -> F:
    """Name the argument when the native layer cannot take an integer (a negative ``order``,
    ``k``, ``max_touches`` or ``n_threads``, or one beyond 2**64): an :class:`OptionError`
    instead of a bare ``OverflowError`` naming nothing."""
    import functools
    import inspect

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return fn

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except OverflowError:
            try:
                bound = sig.bind(*args, **kwargs).arguments
            except TypeError:
                raise
            for name, v in bound.items():
                if isinstance(v, int) and not isinstance(v, bool) and not 0 <= v < 2**63:
                    raise OptionError(f"{name} = {v}: expected a whole number from 0 to 2**63 - 1") from None
            raise

    return checked  # type: ignore[return-value]


def guard_public(namespace: Dict[str, Any], names: List[str]) -> None:
    """Apply :func:`whole_numbers` to the public functions in ``names`` and to the methods of
    the public classes (in place, so every way to reach them is checked)."""
    import sys
    import types

    for name in names:
        obj = namespace.get(name)
        if isinstance(obj, types.FunctionType):
            wrapped = whole_numbers(obj)
            namespace[name] = wrapped
            home = sys.modules.get(obj.__module__)
            if home is not None and getattr(home, name, None) is obj:
                setattr(home, name, wrapped)
        elif isinstance(obj, type) and obj.__module__.startswith("touchpoint"):
            for attr, member in list(vars(obj).items()):
                if attr.startswith("_") and attr != "__init__":
                    continue
                if isinstance(member, staticmethod):
                    setattr(obj, attr, staticmethod(whole_numbers(member.__func__)))
                elif isinstance(member, classmethod):
                    setattr(obj, attr, classmethod(whole_numbers(member.__func__)))
                elif isinstance(member, types.FunctionType):
                    setattr(obj, attr, whole_numbers(member))


ProgressLike = Union[bool, Callable[[str, int, int], Optional[bool]], None]


class _Bar:
    """What ``progress=True`` passes to the core: a ``tqdm.auto`` bar (a widget in Jupyter, a
    line in a terminal) that appears once the work has run for a second, restarted when the
    work moves to another stage; without tqdm it draws nothing (Ctrl-C still stops the work)."""

    def __init__(self, desc: str) -> None:
        self.desc = desc
        self.bar: Any = None
        self.stage = ""
        try:
            from tqdm.auto import tqdm

            self._tqdm: Any = tqdm
        except ImportError:
            self._tqdm = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._tqdm is None or not stage:
            return
        if self.bar is None or stage != self.stage:
            self.close()
            self.stage = stage
            unit, scale = ("B", True) if stage == "bytes" else (stage.rstrip("s") or "it", False)
            self.bar = self._tqdm(total=total or None, desc=self.desc, unit=unit, unit_scale=scale, delay=1.0,
                                  leave=False)
        if total and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _watch:
    """``with _watch(progress, "prioritize") as cb:`` gives what to pass as the native
    ``progress=``: None for ``progress=False`` (the call is not watched), a :class:`_Bar` for
    ``True``, or the user's own ``callable(stage, done, total)`` (returning ``False`` stops
    the work with :class:`~touchpoint.exceptions.CancelledError`). The bar is closed on exit."""

    def __init__(self, progress: ProgressLike, desc: str) -> None:
        if progress is None or progress is False:
            self.cb: Any = None
        elif progress is True:
            self.cb = _Bar(desc)
        elif callable(progress):
            self.cb = progress
        else:
            raise InputTypeError(f"progress = {progress!r}: expected True, False or a callable(stage, done, total)")

    def __enter__(self) -> Any:
        return self.cb

    def __exit__(self, *exc: Any) -> None:
        if isinstance(self.cb, _Bar):
            self.cb.close()


F = TypeVar("F", bound=Callable[..., Any])


_PACKAGE_DIR = __import__("os").path.dirname(__file__)


def user_stacklevel() -> int:
    """The ``stacklevel`` of :func:`warnings.warn` that points at the user's code: the first
    frame outside the touchpoint package (however many of its wrappers are in between)."""
    import sys

    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


def deprecated(old: str, new: str, stacklevel: int = 3) -> None:
    """Warn that ``old`` is a deprecated spelling of ``new`` (pointing at the user's code;
    ``stacklevel`` is kept for callers and ignored)."""
    warnings.warn(f"{old} is deprecated; use {new}", DeprecationWarning, stacklevel=user_stacklevel())


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


S = TypeVar("S", bound="_Serial")


class _Serial:
    """Pickling and the JSON round trip of a public object over one native object with a JSON
    document (the core's ``saved::json``). ``to_json()`` is the document: ``kind``,
    ``version`` and the core's fields; ``from_json(text)`` reads it back equal (floats bit for
    bit), and a document of another kind, of a newer version or a damaged one raises
    :class:`~touchpoint.exceptions.ModelFileError` naming the kind expected and the kind found.
    A pickle holds the document and the Python-side fields (the backend).

    A subclass names its native class in ``_NATIVE`` and overrides ``_from_native`` when
    ``cls(native, backend)`` is not how it is made from its native object."""

    #: The name of the native class in ``touchpoint._touchpoint``.
    _NATIVE: str = ""
    _native: Any

    def to_json(self) -> str:
        """The object as a JSON document (``kind``, ``version`` and its fields), which
        :meth:`from_json` reads back equal."""
        text: str = self._native.to_json()
        return text

    @classmethod
    def from_json(cls: Type[S], json: str, *, backend: str = "pandas") -> S:
        """The object of a :meth:`to_json` document, its tables in ``backend`` ('pandas',
        'polars' or 'pyarrow'). A document of another kind (or a newer version, or damaged)
        raises :class:`~touchpoint.exceptions.ModelFileError` naming both kinds."""
        return cls._from_native(getattr(_native, cls._NATIVE).from_json(json), backend)

    @classmethod
    def _from_native(cls: Type[S], native: Any, backend: str) -> S:
        return cls(native, backend)  # type: ignore[call-arg]

    def __getstate__(self) -> Dict[str, Any]:
        return {"json": self.to_json(), "backend": getattr(self, "_backend", "pandas")}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        made = type(self).from_json(state["json"], backend=state["backend"])
        self.__dict__.update(made.__dict__)
