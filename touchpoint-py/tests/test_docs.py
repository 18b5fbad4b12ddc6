"""The docstring examples of the package run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "touchpoint",
    "touchpoint.journeys",
    "touchpoint.paths",
    "touchpoint.attribution",
    "touchpoint.graph",
    "touchpoint._util",
    "touchpoint.demo",
    "touchpoint.exceptions",
    "touchpoint._frames",
    "touchpoint.budget",
    "touchpoint.journeymap",
    "touchpoint.experience",
    "touchpoint.report",
]

# modules whose docstrings are expected to carry examples
WITH_EXAMPLES = {"touchpoint", "touchpoint.journeys", "touchpoint.paths", "touchpoint.attribution", "touchpoint.graph",
                 "touchpoint.demo", "touchpoint.budget", "touchpoint.journeymap",
                 "touchpoint.experience", "touchpoint.report"}


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False,
                             report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples failed in {name}"
    if name in WITH_EXAMPLES:
        assert result.attempted > 0, f"no doctest examples found in {name}"


def test_every_public_callable_is_documented():
    import touchpoint as tp

    for name in tp.__all__:
        obj = getattr(tp, name)
        assert obj.__doc__ and obj.__doc__.strip(), f"tp.{name} has no docstring"
    for cls in (tp.Journeys, tp.PathTable, tp.Attribution, tp.Comparison, tp.JourneyGraph, tp.Experience,
                tp.ExperienceConversion, tp.KeyDrivers, tp.Consistency, tp.Surveys, tp.Report):
        for attr, member in vars(cls).items():
            if attr.startswith("_"):
                continue
            target = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
            target = target.fget if isinstance(target, property) else target
            if callable(target):
                assert target.__doc__, f"{cls.__name__}.{attr} has no docstring"
