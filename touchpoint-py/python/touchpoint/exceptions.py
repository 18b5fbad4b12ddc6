"""Exceptions raised by touchpoint.

Every exception derives from :class:`TouchpointError`, and most also from the matching builtin,
so ``except ValueError`` keeps working::

    TouchpointError
    ├── InputError (ValueError)            bad values, empty input, unequal lengths
    │   └── SchemaError                    duplicate column
    │       └── ColumnNotFoundError (KeyError)   a named column is missing
    ├── InputTypeError (TypeError)         a column or argument of an unsupported type
    ├── ModelError (ValueError)            unknown model or option, model not applicable
    ├── UnknownTouchpointError (KeyError)  a touchpoint name the data does not have
    ├── ConvergenceError (ArithmeticError) an iterative solve did not converge
    └── TouchpointIOError (OSError)        a file could not be read, malformed CSV

Messages name the column (field), the row or line, and the offending value.
"""

from __future__ import annotations

__all__ = [
    "TouchpointError",
    "InputError",
    "SchemaError",
    "ColumnNotFoundError",
    "InputTypeError",
    "ModelError",
    "UnknownTouchpointError",
    "ConvergenceError",
    "TouchpointIOError",
]


class TouchpointError(Exception):
    """Base class of every touchpoint error."""


class InputError(TouchpointError, ValueError):
    """A value in the input is invalid (the message names column, row and value)."""


class SchemaError(InputError):
    """The table's columns are not usable as given (e.g. a duplicate column)."""


class ColumnNotFoundError(SchemaError, KeyError):
    """A column named in the call is not in the table."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class InputTypeError(TouchpointError, TypeError):
    """An argument or column has a type touchpoint cannot use."""


class ModelError(TouchpointError, ValueError):
    """Unknown model or option, or a model that cannot run on this data (the message says why)."""


class UnknownTouchpointError(TouchpointError, KeyError):
    """A touchpoint name that the data does not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConvergenceError(TouchpointError, ArithmeticError):
    """An iterative linear solve did not reach its tolerance."""


class TouchpointIOError(TouchpointError, OSError):
    """A file could not be read, or a CSV file is malformed."""
