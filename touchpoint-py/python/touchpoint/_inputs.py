"""Turning whatever a user passes to an analysis into Journeys or a PathTable.

It sits above both classes (it names them), so neither imports it.
"""

from __future__ import annotations

from typing import Any

from touchpoint import _frames
from touchpoint import _touchpoint as _native
from touchpoint.exceptions import InputTypeError
from touchpoint.journeys import Journeys
from touchpoint.paths import PathTable


def _coerce(data: Any) -> Any:
    """Journeys / PathTable as they are; a DataFrame with a `path` column as a path table, any
    other table as events with the default column names."""
    if isinstance(data, (Journeys, PathTable)):
        return data
    if isinstance(data, _native.PyJourneys):
        return Journeys(data)
    if isinstance(data, _native.PyPathTable):
        return PathTable(data)
    cols = _frames.columns_of(data)
    if cols is not None and "path" in cols:
        return PathTable.from_frame(data)
    if _frames.has_arrow_stream(data) or cols is not None:
        return Journeys.from_events(data)
    raise InputTypeError(f"expected Journeys, a PathTable or a DataFrame, got {type(data).__name__}")
