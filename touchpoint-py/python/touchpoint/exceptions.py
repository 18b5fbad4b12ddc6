"""Exceptions raised by touchpoint.

Every exception derives from :class:`TouchpointError`, and most also from the matching builtin,
so ``except ValueError`` keeps working::

    TouchpointError
    ├── InputError (ValueError)            bad values, empty input, unequal lengths
    │   └── SchemaError                    duplicate column
    │       └── ColumnNotFoundError (KeyError)   a named column is missing
    ├── InputTypeError (TypeError)         a column or argument of an unsupported type
    ├── ModelError (ValueError)            unknown model, model not applicable, no conversions
    │   └── OptionError (+ InputError)     an option not among its choices or out of its range
    ├── UnknownTouchpointError (KeyError)  a touchpoint name the data does not have
    ├── ConvergenceError (ArithmeticError) an iterative solve did not converge
    ├── IncompatibleError (ValueError)     partials of different vocabularies or options merged
    ├── CancelledError                     a progress callback stopped the work
    └── TouchpointIOError (OSError)        a file could not be read, malformed CSV
        └── ModelFileError                 a saved model is truncated, damaged or newer

Messages name the column (field), the row or line, and the offending value. An exception
raised for an error of the Rust core carries the core's error kind in ``kind`` (one of
``tp._touchpoint._error_classes()``; the README's errors table maps each kind to its class)::

    >>> import touchpoint as tp
    >>> try:
    ...     tp.PathTable.from_records([("a", 1, 0, 0)]).top_paths(3, by="length")
    ... except tp.OptionError as e:
    ...     print(e.kind, "|", e)
    invalid_option | invalid option `path_rank` = "length": expected one of journeys, conversions, value
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "TouchpointError",
    "InputError",
    "SchemaError",
    "ColumnNotFoundError",
    "InputTypeError",
    "ModelError",
    "IncompatibleError",
    "CancelledError",
    "OptionError",
    "UnknownTouchpointError",
    "ConvergenceError",
    "TouchpointIOError",
    "ModelFileError",
]


class TouchpointError(Exception):
    """Base class of every touchpoint error."""

    #: The core's error kind (``"invalid_value"``, ``"invalid_option"``, ...) when the error
    #: comes from the Rust core; ``None`` for errors the Python layer raises itself.
    kind: Optional[str] = None


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


class OptionError(ModelError, InputError):
    """An option value that is not one of its choices or is out of its range (the message
    names the option and lists the choices). Both a :class:`ModelError` and an
    :class:`InputError` for compatibility: bad model options (method, allocation, solver, ...)
    were model errors, bad input options (time unit, path rank, ...) input errors."""


class UnknownTouchpointError(TouchpointError, KeyError):
    """A touchpoint name that the data does not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConvergenceError(TouchpointError, ArithmeticError):
    """An iterative linear solve did not reach its tolerance."""


class TouchpointIOError(TouchpointError, OSError):
    """A file could not be read, or a CSV file is malformed."""


class ModelFileError(TouchpointIOError):
    """A saved model file is truncated, damaged, of a newer format or holds another kind of
    model (the message says which, and at what byte)."""


class IncompatibleError(TouchpointError, ValueError):
    """Partials built with different vocabularies or options (their fingerprints differ) were
    merged, or sum-table rows were read with other options than they were built with."""


class CancelledError(TouchpointError):
    """The work was stopped by the caller: a ``progress=`` callback returned ``False``. (Ctrl-C
    or a kernel interrupt stops it too, and raises ``KeyboardInterrupt``.) Nothing was
    half-built."""
