"""Type stubs of the native module (checked by `python -m mypy.stubtest touchpoint._touchpoint`)."""

from os import PathLike
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union, final

__version__: str
__all__ = [
    "PyAttribution",
    "PyPersonas",
    "PySegmentAttribution",
    "PySegmentGraph",
    "attribute_by_segment",
    "graph_by_segment",
    "graph_intervals",
    "personas",
    "top_paths_by_segment",
    "PyBudgetPlan",
    "PyConsistency",
    "PyEvents",
    "PyExperience",
    "PyExperienceConversion",
    "PyKeyDrivers",
    "PySurveys",
    "PyFunnel",
    "PyRepurchase",
    "PyRetention",
    "PySegments",
    "PyStepMatrix",
    "PyJourneyGraph",
    "PyJourneys",
    "PyPathTable",
    "_ArrowTable",
    "__version__",
    "_after_fork_in_child",
    "_error_classes",
    "_options",
    "_schemas",
    "allocate_budget",
    "attribute",
    "calibrate_hill",
    "calibrate_power",
    "consistency",
    "curve_values",
    "demo_report",
    "evaluate_budget",
    "experience",
    "experience_conversion",
    "funnel",
    "key_drivers",
    "repurchase",
    "retention",
    "step_matrix",
]

_Path = Union[str, PathLike[str]]

@final
class _ArrowTable:
    def __arrow_c_stream__(self, requested_schema: Optional[Any] = None) -> Any: ...
    def __len__(self) -> int: ...
    @property
    def columns(self) -> List[str]: ...
    def to_pydict(self) -> Dict[str, List[Any]]: ...
    @property
    def timestamp_columns(self) -> List[str]: ...
    @property
    def duration_columns(self) -> List[str]: ...

@final
class PyEvents:
    @staticmethod
    def from_arrow(
        table: Any,
        *,
        customer: str,
        touchpoint: str,
        time: str,
        conversion: Optional[str] = None,
        value: Optional[str] = None,
        feedback: Optional[str] = None,
        time_unit: str = ...,
        catalog_json: Optional[str] = None,
    ) -> PyEvents: ...
    @staticmethod
    def from_lists(
        customer: Sequence[str],
        touchpoint: Sequence[Optional[str]],
        time: Union[Sequence[int], Sequence[float]],
        converted: Sequence[bool],
        value: Sequence[float],
        feedback: Optional[Sequence[Optional[float]]] = None,
        *,
        time_unit: str = ...,
    ) -> PyEvents: ...
    @staticmethod
    def read_csv(
        path: _Path,
        *,
        customer: str = "customer_id",
        touchpoint: str = "touchpoint",
        time: str = "timestamp",
        conversion: Optional[str] = "converted",
        value: Optional[str] = None,
        feedback: Optional[str] = None,
        time_unit: str = ...,
        conversion_label: Optional[str] = None,
        delimiter: str = ",",
    ) -> PyEvents: ...
    @staticmethod
    def demo_catalog_json() -> str: ...
    @staticmethod
    def demo(customers: int = 5000, seed: int = 7) -> PyEvents: ...
    def with_catalog_json(self, json: str) -> PyEvents: ...
    def catalog_json(self) -> str: ...
    def to_table(self) -> _ArrowTable: ...
    def __len__(self) -> int: ...
    @property
    def customers(self) -> int: ...
    @property
    def touchpoints(self) -> List[str]: ...

@final
class PyJourneys:
    @staticmethod
    def build(
        events: PyEvents,
        *,
        lookback_ms: Optional[int] = None,
        inactivity_timeout_ms: Optional[int] = None,
        collapse_repeats: bool = False,
        max_touches: Optional[int] = None,
        split_at_conversions: bool = True,
    ) -> PyJourneys: ...
    @property
    def report(self) -> Dict[str, Any]: ...
    def __len__(self) -> int: ...
    @property
    def total_conversions(self) -> float: ...
    @property
    def total_value(self) -> float: ...
    @property
    def touchpoints(self) -> List[str]: ...
    def to_table(self, separator: str = " > ") -> _ArrowTable: ...
    def with_catalog_json(self, json: str) -> PyJourneys: ...
    def catalog_json(self) -> str: ...
    def merge(self, other: PyJourneys) -> PyJourneys: ...

@final
class PyPathTable:
    @staticmethod
    def read_csv(
        path: _Path,
        *,
        separator: str = ">",
        path_column: str = "path",
        conversions: str = "total_conversions",
        nulls: Optional[str] = None,
        value: Optional[str] = None,
        delimiter: str = ",",
    ) -> PyPathTable: ...
    @staticmethod
    def from_arrow(
        table: Any,
        *,
        path: str,
        conversions: str,
        nulls: Optional[str] = None,
        value: Optional[str] = None,
        separator: str = ">",
    ) -> PyPathTable: ...
    @staticmethod
    def from_lists(
        paths: Sequence[str],
        conversions: Sequence[float],
        nulls: Sequence[float],
        value: Sequence[float],
        *,
        separator: str = ">",
    ) -> PyPathTable: ...
    @staticmethod
    def from_journeys(journeys: PyJourneys) -> PyPathTable: ...
    def __len__(self) -> int: ...
    @property
    def total_conversions(self) -> float: ...
    @property
    def total_nulls(self) -> float: ...
    @property
    def total_value(self) -> float: ...
    @property
    def touchpoints(self) -> List[str]: ...
    def to_table(self, separator: str = " > ") -> _ArrowTable: ...
    def top_paths(self, k: int = 10, by: str = ...) -> _ArrowTable: ...
    def sankey(self, max_steps: int = 5, top_k: int = 8) -> Tuple[_ArrowTable, _ArrowTable]: ...
    def with_catalog_json(self, json: str) -> PyPathTable: ...
    def catalog_json(self) -> str: ...
    def merge(self, other: PyPathTable) -> PyPathTable: ...
    def write_csv(self, path: _Path, *, separator: str = ">") -> None: ...

@final
class PyAttribution:
    @property
    def model(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def column_name(self) -> str: ...
    @property
    def parameters(self) -> Dict[str, str]: ...
    @property
    def notes(self) -> List[str]: ...
    @property
    def total_conversions(self) -> float: ...
    @property
    def total_value(self) -> float: ...
    @property
    def total_journeys(self) -> float: ...
    @property
    def efficient(self) -> bool: ...
    def to_table(self) -> _ArrowTable: ...
    def per_journey(self) -> Optional[_ArrowTable]: ...
    def by_position(self) -> Optional[_ArrowTable]: ...
    def to_json(self) -> str: ...

def attribute(
    data: Any,
    models: Sequence[str],
    *,
    order: int = 1,
    half_life_ms: Optional[int] = None,
    weights: Optional[Tuple[float, float, float]] = None,
    allocation: str = ...,
    value_basis: str = ...,
    shapley_method: str = ...,
    shapley_samples: int = ...,
    shapley_seed: int = 0,
    max_touches: Optional[int] = None,
    per_journey: bool = False,
    bootstrap: Optional[int] = None,
    ci: float = 0.95,
    seed: int = 0,
    n_threads: Optional[int] = None,
) -> List[PyAttribution]: ...

@final
class PySegmentAttribution:
    def table(self) -> _ArrowTable: ...
    def compare(self, a: str, b: str) -> _ArrowTable: ...
    @property
    def segments(self) -> List[str]: ...
    @property
    def skipped(self) -> List[Tuple[str, str]]: ...
    @property
    def notes(self) -> List[Tuple[str, str, str]]: ...

@final
class PySegmentGraph:
    def table(self) -> _ArrowTable: ...
    def compare(self, a: str, b: str) -> _ArrowTable: ...
    @property
    def skipped(self) -> List[Tuple[str, str]]: ...

@final
class PyPersonas:
    def table(self) -> _ArrowTable: ...
    def segments(self) -> PySegments: ...
    @property
    def k(self) -> int: ...
    @property
    def silhouette(self) -> List[Tuple[int, float]]: ...
    @property
    def inertia(self) -> float: ...
    @property
    def features(self) -> List[str]: ...
    @property
    def customers_without_journeys(self) -> int: ...
    def assignments(self, journeys: PyJourneys) -> List[Tuple[str, str]]: ...

def attribute_by_segment(
    journeys: PyJourneys,
    segments: PySegments,
    models: Sequence[str],
    *,
    order: int = 1,
    max_touches: Optional[int] = None,
    bootstrap: Optional[int] = None,
    ci: float = 0.95,
    seed: int = 0,
    n_threads: Optional[int] = None,
) -> PySegmentAttribution: ...
def graph_by_segment(
    journeys: PyJourneys,
    segments: PySegments,
    *,
    order: int = 1,
    max_touches: Optional[int] = None,
    bootstrap: Optional[int] = None,
    ci: float = 0.95,
    seed: int = 0,
    n_threads: Optional[int] = None,
) -> PySegmentGraph: ...
def graph_intervals(
    data: Any,
    *,
    order: int = 1,
    max_touches: Optional[int] = None,
    bootstrap: int = 200,
    ci: float = 0.95,
    seed: int = 0,
    n_threads: Optional[int] = None,
) -> Tuple[_ArrowTable, List[str]]: ...
def top_paths_by_segment(journeys: PyJourneys, segments: PySegments, k: int = 10, *, by: str = ...) -> _ArrowTable: ...
def personas(
    journeys: PyJourneys,
    *,
    k: Optional[int] = None,
    k_min: int = 2,
    k_max: int = 8,
    seed: int = 0,
    max_iter: int = 100,
    restarts: int = 4,
    silhouette_sample: int = 2000,
    top: int = 3,
    n_threads: Optional[int] = None,
) -> PyPersonas: ...

@final
class PyJourneyGraph:
    def __new__(cls, data: Any, order: int = 1, collapse_repeats: bool = True) -> PyJourneyGraph: ...
    @staticmethod
    def directly_follows(data: Any) -> PyJourneyGraph: ...
    @property
    def order(self) -> int: ...
    @property
    def states(self) -> int: ...
    @property
    def total_journeys(self) -> float: ...
    @property
    def conversion_probability(self) -> float: ...
    @property
    def expected_time_to_convert_ms(self) -> Optional[float]: ...
    def summary(self) -> Dict[str, Any]: ...
    def transitions(self) -> _ArrowTable: ...
    def nodes(self, experience: Optional[PyExperience] = None) -> _ArrowTable: ...
    def removal_effects(self) -> _ArrowTable: ...
    def prioritize(self, fraction: float = 0.1, by: str = ...) -> _ArrowTable: ...
    def next_best(self, partial: Sequence[str], candidates: Sequence[Tuple[str, float]]) -> Tuple[str, float, _ArrowTable]: ...
    def converting_paths(self, partial: Sequence[str], k: int = 10, max_len: int = 20) -> _ArrowTable: ...
    def most_probable_converting_path(self) -> Optional[Tuple[List[str], float]]: ...
    def sensitivities(self) -> _ArrowTable: ...
    def to_dot(self) -> str: ...
    def to_json(self) -> str: ...

# (name, kind, params, lower, upper, locked); kind is a curve_kind: hill, power, log, piecewise
_CurveSpec = Tuple[str, str, Sequence[float], float, Optional[float], Optional[float]]

@final
class PyBudgetPlan:
    def to_table(self) -> _ArrowTable: ...
    @property
    def spend(self) -> List[float]: ...
    @property
    def total_spend(self) -> float: ...
    @property
    def total_response(self) -> float: ...
    @property
    def solver(self) -> str: ...
    @property
    def optimality(self) -> str: ...
    @property
    def kkt_gap(self) -> Optional[float]: ...
    @property
    def diagnostics(self) -> List[str]: ...

def allocate_budget(
    curves: Sequence[_CurveSpec],
    *,
    budget: Optional[float] = None,
    step: float = 1.0,
    solver: str = ...,
    value_per_response: Optional[float] = None,
    min_marginal_roi: Optional[float] = None,
    target_roi: Optional[float] = None,
) -> PyBudgetPlan: ...
def evaluate_budget(curves: Sequence[_CurveSpec], spend: Sequence[float]) -> Tuple[List[float], float]: ...
def curve_values(curve: _CurveSpec, spend: Sequence[float]) -> List[float]: ...
def calibrate_hill(spend: float, response: float, alpha: float, half_saturation_ratio: float) -> Dict[str, Any]: ...
def calibrate_power(spend: float, response: float, b: float) -> Dict[str, Any]: ...
def demo_report(*, customers: int = 5000, seed: int = 7, order: int = 1, lookback_days: int = 30) -> str: ...
def _after_fork_in_child() -> None: ...
def _schemas() -> Dict[str, Dict[str, List[str]]]: ...
def _options() -> Dict[str, List[str]]: ...
def _error_classes() -> Dict[str, type]: ...

_Step = Union[str, Sequence[str]]
_Units = Union[PyEvents, PyJourneys]

@final
class PySegments:
    @staticmethod
    def from_arrow(events: PyEvents, table: Any, column: str) -> PySegments: ...
    @staticmethod
    def from_values(events: PyEvents, values: Sequence[Optional[str]]) -> PySegments: ...
    @staticmethod
    def from_customer_map(events: PyEvents, labels: Dict[str, str]) -> PySegments: ...
    @staticmethod
    def by_first_touch(events: PyEvents, attribute: str) -> PySegments: ...
    @property
    def labels(self) -> List[str]: ...
    @property
    def customers_missing(self) -> int: ...
    @property
    def customers_with_changing_values(self) -> int: ...
    def __len__(self) -> int: ...

@final
class PyFunnel:
    def rows(self) -> _ArrowTable: ...
    def summary(self) -> _ArrowTable: ...
    def compare(self, a: str, b: str) -> _ArrowTable: ...
    @property
    def steps(self) -> List[str]: ...
    @property
    def mode(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def window_ms(self) -> Optional[int]: ...
    @property
    def stages_without_touchpoints(self) -> List[str]: ...
    def to_dict(self) -> Dict[str, Any]: ...

def funnel(
    data: _Units,
    steps: Sequence[_Step],
    *,
    mode: str = ...,
    window_ms: Optional[int] = None,
    exclusions: Sequence[Tuple[_Step, int, int]] = ...,
    unit: str = ...,
    segments: Optional[PySegments] = None,
    n_threads: Optional[int] = None,
) -> PyFunnel: ...

@final
class PyStepMatrix:
    def rows(self) -> _ArrowTable: ...
    def difference(self, a: str, b: str) -> _ArrowTable: ...
    @property
    def steps(self) -> List[int]: ...
    @property
    def states(self) -> List[str]: ...
    @property
    def units(self) -> List[Tuple[Optional[str], int]]: ...
    @property
    def units_without_centre(self) -> int: ...

def step_matrix(
    data: _Units,
    steps: int = 10,
    *,
    unit: str = ...,
    centre: Optional[_Step] = None,
    segments: Optional[PySegments] = None,
    n_threads: Optional[int] = None,
) -> PyStepMatrix: ...

@final
class PyRetention:
    def rows(self) -> _ArrowTable: ...
    def mean(self) -> _ArrowTable: ...
    def info(self) -> Dict[str, Any]: ...

@final
class PyRepurchase:
    @property
    def retention(self) -> PyRetention: ...
    def summary(self) -> Dict[str, Any]: ...
    def gaps(self) -> _ArrowTable: ...

def retention(
    data: _Units,
    *,
    start: Optional[_Step] = None,
    return_event: Optional[_Step] = None,
    period: Union[str, int] = ...,
    alignment: str = ...,
    returned: str = ...,
    periods: Optional[int] = None,
    observation_end_ms: Optional[int] = None,
    segments: Optional[PySegments] = None,
    n_threads: Optional[int] = None,
) -> PyRetention: ...
def repurchase(
    data: _Units,
    *,
    period: Union[str, int] = ...,
    alignment: str = ...,
    returned: str = ...,
    periods: Optional[int] = None,
    observation_end_ms: Optional[int] = None,
    segments: Optional[PySegments] = None,
    n_threads: Optional[int] = None,
) -> PyRepurchase: ...

@final
class PySurveys:
    @staticmethod
    def from_arrow(
        table: Any,
        *,
        customer: str,
        time: str,
        score: str,
        touchpoint: Optional[str] = None,
        time_unit: str = ...,
    ) -> PySurveys: ...
    @staticmethod
    def from_lists(
        customers: Sequence[str],
        times_ms: Sequence[int],
        scores: Sequence[Optional[float]],
        touchpoints: Optional[Sequence[Optional[str]]] = None,
    ) -> PySurveys: ...
    def __len__(self) -> int: ...

@final
class PyExperience:
    def rows(self) -> _ArrowTable: ...
    def compare(self, dimension: str, a: str, b: str) -> _ArrowTable: ...
    def compare_segments(self, dimension: str, group: str, a: str, b: str) -> _ArrowTable: ...
    def report(self) -> _ArrowTable: ...
    @property
    def touchpoints_without_feedback(self) -> List[str]: ...
    @property
    def scale(self) -> Dict[str, Any]: ...
    @property
    def small_n(self) -> int: ...
    def to_dict(self) -> Dict[str, Any]: ...

def experience(
    events: PyEvents,
    surveys: Optional[PySurveys] = None,
    options: str = "",
    *,
    segments: Optional[PySegments] = None,
    n_threads: Optional[int] = None,
) -> PyExperience: ...

@final
class PyExperienceConversion:
    def rows(self) -> _ArrowTable: ...
    @property
    def reference(self) -> str: ...
    @property
    def journeys(self) -> int: ...
    @property
    def converting_journeys(self) -> int: ...
    @property
    def conversions_without_touches(self) -> int: ...
    @property
    def note(self) -> str: ...
    def report(self) -> _ArrowTable: ...
    def to_dict(self) -> Dict[str, Any]: ...

def experience_conversion(
    events: PyEvents,
    surveys: Optional[PySurveys] = None,
    options: str = "",
    *,
    segments: Optional[PySegments] = None,
    n_threads: Optional[int] = None,
) -> PyExperienceConversion: ...

@final
class PyKeyDrivers:
    def rows(self) -> _ArrowTable: ...
    @property
    def r_squared(self) -> float: ...
    @property
    def customers(self) -> int: ...
    @property
    def customers_incomplete(self) -> int: ...
    @property
    def customers_without_outcome(self) -> int: ...
    @property
    def outcome(self) -> str: ...
    @property
    def missing(self) -> str: ...
    @property
    def note(self) -> str: ...
    def r_squared_of(self, drivers: Sequence[str]) -> float: ...
    def report(self) -> _ArrowTable: ...
    def to_dict(self) -> Dict[str, Any]: ...

def key_drivers(
    events: PyEvents,
    surveys: Optional[PySurveys] = None,
    options: str = "",
    *,
    outcome_values: Optional[Dict[str, float]] = None,
    n_threads: Optional[int] = None,
) -> PyKeyDrivers: ...

@final
class PyConsistency:
    def rows(self) -> _ArrowTable: ...
    def summary(self) -> _ArrowTable: ...
    def report(self) -> _ArrowTable: ...
    def to_dict(self) -> Dict[str, Any]: ...

def consistency(
    events: PyEvents,
    surveys: Optional[PySurveys] = None,
    options: str = "",
    *,
    n_threads: Optional[int] = None,
) -> PyConsistency: ...
