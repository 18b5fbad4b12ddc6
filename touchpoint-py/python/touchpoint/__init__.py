"""touchpoint: customer-journey analytics on a Rust core.

Raw interaction events become journeys, a journey graph (exact Markov chain of any order),
attribution (rule models, exact Markov, Shapley, Shao–Li), the journey map (funnels, retention)
and the experience at each touchpoint (NPS / CSAT, key drivers), with DataFrames in and out.

>>> import touchpoint as tp
>>> events = tp.demo.events(customers=500, seed=7)
>>> journeys = tp.Journeys.from_events(events, lookback="30d")
>>> res = tp.attribute(journeys, model="markov", order=2)
>>> bool(abs(res.to_pandas()["conversions"].sum() - journeys.total_conversions) < 1e-6)
True
"""

from __future__ import annotations

import os as _os

from touchpoint import demo
from touchpoint.attribution import Attribution, Comparison, attribute, compare
from touchpoint.graph import JourneyGraph, NextBest, Scorer, Scores, model_info, prioritize
from touchpoint.journeys import Events, Journeys
from touchpoint.segments import (
    GraphIntervals,
    Personas,
    SegmentAttribution,
    SegmentGraph,
    attribute_by_segment,
    graph_by_segment,
    graph_intervals,
    personas,
    top_paths_by_segment,
)
from touchpoint.journeymap import (
    Funnel,
    Repurchase,
    Retention,
    StepMatrix,
    funnel,
    repurchase,
    retention,
    stage_funnel,
    step_matrix,
)
from touchpoint.experience import (
    Consistency,
    Experience,
    ExperienceConversion,
    KeyDrivers,
    Surveys,
    consistency,
    experience,
    experience_conversion,
    key_drivers,
)
from touchpoint.paths import PathTable, read_paths
from touchpoint.report import Report, report
from touchpoint.partial import Partial, PartialBuilder, PartialSpec
from touchpoint.budget import BudgetPlan, Hill, LogCurve, Piecewise, Power, allocate_budget, evaluate_budget
from touchpoint._touchpoint import __version__
from touchpoint._touchpoint import _after_fork_in_child as _after_fork_in_child
from touchpoint.exceptions import (
    ColumnNotFoundError,
    ConvergenceError,
    IncompatibleError,
    CancelledError,
    InputError,
    InputTypeError,
    ModelError,
    ModelFileError,
    OptionError,
    SchemaError,
    TouchpointError,
    TouchpointIOError,
    UnknownTouchpointError,
)

# rayon's worker threads do not survive fork(): children run work on fresh per-call pools.

def __getattr__(name: str) -> object:
    """``tp.spark`` and ``tp.dask`` are imported on first use (they need the engines)."""
    if name in ("spark", "dask"):
        import importlib

        return importlib.import_module(f"touchpoint.{name}")
    raise AttributeError(f"module 'touchpoint' has no attribute {name!r}")


if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_after_fork_in_child)

__all__ = [
    "__version__",
    "Attribution",
    "Comparison",
    "Partial",
    "PartialBuilder",
    "PartialSpec",
    "JourneyGraph",
    "Scorer",
    "Scores",
    "model_info",
    "Journeys",
    "Events",
    "Funnel",
    "StepMatrix",
    "Retention",
    "Repurchase",
    "funnel",
    "stage_funnel",
    "step_matrix",
    "retention",
    "repurchase",
    "Experience",
    "ExperienceConversion",
    "KeyDrivers",
    "Consistency",
    "Surveys",
    "experience",
    "experience_conversion",
    "key_drivers",
    "consistency",
    "PathTable",
    "attribute",
    "compare",
    "attribute_by_segment",
    "graph_by_segment",
    "graph_intervals",
    "top_paths_by_segment",
    "personas",
    "Personas",
    "SegmentAttribution",
    "SegmentGraph",
    "GraphIntervals",
    "read_paths",
    "report",
    "Report",
    "prioritize",
    "NextBest",
    "allocate_budget",
    "evaluate_budget",
    "BudgetPlan",
    "Hill",
    "Power",
    "LogCurve",
    "Piecewise",
    "demo",
    "TouchpointError",
    "InputError",
    "SchemaError",
    "ColumnNotFoundError",
    "InputTypeError",
    "ModelError",
    "OptionError",
    "UnknownTouchpointError",
    "ConvergenceError",
    "IncompatibleError",
    "CancelledError",
    "TouchpointIOError",
    "ModelFileError",
]

# a negative or huge integer argument is an OptionError naming it (not a bare OverflowError)
from touchpoint._util import guard_public as _guard_public

_guard_public(globals(), __all__)
