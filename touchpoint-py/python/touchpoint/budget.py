"""Budget allocation over response curves: which touchpoint gets how much.

Curves: :class:`Hill` (``beta * x**alpha / (x**alpha + gamma**alpha)``, S-shaped when
``alpha > 1``), :class:`Power` (``a * x**b``), :class:`LogCurve` (``a * log(1 + x / b)``) and
:class:`Piecewise` (linear through points). Each carries optional ``lower``/``upper`` bounds
and a ``locked`` spend. :func:`allocate_budget` solves exactly on a spend grid by dynamic
programming (any curve shape) or continuously by water-filling (concave curves), and says so
in ``plan.optimality`` and ``plan.diagnostics``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple

from touchpoint import _frames
from touchpoint import _touchpoint as _native
from touchpoint._util import _Serial, deprecated


@dataclass
class _Curve:
    name: str
    lower: float = 0.0
    upper: Optional[float] = None
    locked: Optional[float] = None

    def _spec(self) -> Tuple[str, str, List[float], float, Optional[float], Optional[float]]:  # pragma: no cover
        raise NotImplementedError

    def __call__(self, spend: Sequence[float]) -> List[float]:
        """Response at each spend."""
        return _native.curve_values(self._spec(), [float(x) for x in spend])

    def to_json(self) -> str:
        """The curve as a JSON document (``kind`` ``"response_curve"``: name, curve and
        bounds, as the core reads them), which :meth:`from_json` reads back equal. Curves also
        pickle (they are dataclasses).

        Examples
        --------
        >>> import touchpoint as tp
        >>> c = tp.Hill(name="search", beta=100.0, alpha=1.5, gamma=30.0, upper=80.0)
        >>> tp.Hill.from_json(c.to_json()) == c
        True
        """
        return _native.curve_to_json(self._spec())

    @classmethod
    def from_json(cls, json: str, *, backend: str = "pandas") -> Any:
        """The curve of a :meth:`to_json` document (``backend`` is accepted for symmetry with
        the other classes; a curve has no table). Read through a curve class, a document of
        another curve kind (or of another kind of object) raises
        :class:`~touchpoint.exceptions.ModelFileError` naming both."""
        kind = next((k for k, c in _CURVE_KINDS.items() if c is cls), None)
        return _curve_of(_native.curve_from_json(json, kind))


@dataclass
class Hill(_Curve):
    """Hill curve ``beta * x**alpha / (x**alpha + gamma**alpha)``.

    Examples
    --------
    >>> import touchpoint as tp
    >>> c = tp.Hill(name="search", beta=100, alpha=1.0, gamma=30)
    >>> round(c([30])[0], 6)
    50.0
    """

    beta: float = 1.0
    alpha: float = 1.0
    gamma: float = 1.0

    def _spec(self) -> Tuple[str, str, List[float], float, Optional[float], Optional[float]]:
        return (self.name, "hill", [float(self.beta), float(self.alpha), float(self.gamma)], float(self.lower),
                self.upper, self.locked)

    @classmethod
    def calibrate(cls, name: str, spend: float, response: float, *, alpha: float = 1.0,
                  half_saturation_ratio: float = 1.0, **bounds: Any) -> "Hill":
        """A Hill curve through today's (spend, response), e.g. spend and attributed conversions,
        with half saturation at ``spend * half_saturation_ratio``."""
        c = _native.calibrate_hill(spend, response, alpha, half_saturation_ratio)
        return cls(name=name, beta=c["beta"], alpha=c["alpha"], gamma=c["gamma"], **bounds)


@dataclass
class Power(_Curve):
    """Power curve ``a * x**b`` (concave for ``b <= 1``)."""

    a: float = 1.0
    b: float = 0.5

    def _spec(self) -> Tuple[str, str, List[float], float, Optional[float], Optional[float]]:
        return (self.name, "power", [float(self.a), float(self.b)], float(self.lower), self.upper, self.locked)

    @classmethod
    def calibrate(cls, name: str, spend: float, response: float, *, b: float = 0.5, **bounds: Any) -> "Power":
        """A power curve through today's (spend, response).

        Examples
        --------
        >>> import touchpoint as tp
        >>> c = tp.Power.calibrate("email", spend=50, response=10, b=0.7)
        >>> round(c([50])[0], 9), c.b
        (10.0, 0.7)
        """
        c = _native.calibrate_power(spend, response, b)
        return cls(name=name, a=c["a"], b=c["b"], **bounds)


@dataclass
class LogCurve(_Curve):
    """Log curve ``a * log(1 + x / b)``."""

    a: float = 1.0
    b: float = 1.0

    def _spec(self) -> Tuple[str, str, List[float], float, Optional[float], Optional[float]]:
        return (self.name, "log", [float(self.a), float(self.b)], float(self.lower), self.upper, self.locked)


@dataclass
class Piecewise(_Curve):
    """Linear interpolation through (spend, response) points sorted by spend."""

    points: List[Tuple[float, float]] = field(default_factory=list)

    def _spec(self) -> Tuple[str, str, List[float], float, Optional[float], Optional[float]]:
        flat = [float(v) for p in self.points for v in p]
        return (self.name, "piecewise", flat, float(self.lower), self.upper, self.locked)


_CURVE_KINDS = {"hill": Hill, "power": Power, "log": LogCurve, "piecewise": Piecewise}


def _curve_of(spec: Tuple[str, str, List[float], float, Optional[float], Optional[float]]) -> _Curve:
    """The curve class of a native curve spec (the inverse of ``_spec``)."""
    name, kind, p, lower, upper, locked = spec
    bounds: Any = dict(name=name, lower=lower, upper=upper, locked=locked)
    if kind == "hill":
        return Hill(beta=p[0], alpha=p[1], gamma=p[2], **bounds)
    if kind == "power":
        return Power(a=p[0], b=p[1], **bounds)
    if kind == "log":
        return LogCurve(a=p[0], b=p[1], **bounds)
    return Piecewise(points=[(p[i], p[i + 1]) for i in range(0, len(p), 2)], **bounds)


class BudgetPlan(_Serial):
    """The result of :func:`allocate_budget`: spend and expected response per curve. It pickles,
    and ``to_json()`` / :meth:`from_json` round-trip it with its curves."""

    _NATIVE = "PyBudgetPlan"

    def __init__(self, native: Any, curves: Sequence[_Curve]) -> None:
        self._native = native
        self._curves = list(curves)

    @classmethod
    def _from_native(cls, native: Any, backend: str) -> "BudgetPlan":
        return cls(native, [_curve_of(c) for c in native.curves])

    @property
    def curves(self) -> List[_Curve]:
        """The curves the plan was made from, in input order."""
        return list(self._curves)

    @property
    def spend(self) -> List[float]:
        """Spend per curve, in input order."""
        return list(self._native.spend)

    @property
    def allocation(self) -> dict:
        """Spend by curve name."""
        return dict(zip([c.name for c in self._curves], self._native.spend))

    @property
    def total_spend(self) -> float:
        """Total spend."""
        return self._native.total_spend

    @property
    def total_response(self) -> float:
        """Total expected response."""
        return self._native.total_response

    @property
    def solver(self) -> str:
        """The solver that made the plan: 'water_filling', 'dynamic_programming' or 'greedy'
        (what ``solver='auto'`` chose).

        Examples
        --------
        >>> import touchpoint as tp
        >>> concave = [tp.Hill(name="a", beta=10, alpha=0.8, gamma=5), tp.LogCurve(name="b", a=3, b=2)]
        >>> tp.allocate_budget(concave, budget=20).solver, tp.allocate_budget(concave, budget=20, solver="dp").solver
        ('water_filling', 'dynamic_programming')
        """
        return self._native.solver

    @property
    def method(self) -> str:
        """Deprecated spelling of :attr:`solver`."""
        deprecated("BudgetPlan.method", "BudgetPlan.solver")
        return self._native.solver

    @property
    def optimality(self) -> str:
        """What is guaranteed about this plan."""
        return self._native.optimality

    @property
    def kkt_gap(self) -> Optional[float]:
        """Water-filling: KKT gap."""
        return self._native.kkt_gap

    @property
    def diagnostics(self) -> List[str]:
        """Binding bounds, unspent budget and why, locked curves."""
        return list(self._native.diagnostics)

    def to_pandas(self) -> Any:
        """name, spend, response, marginal_response."""
        return _frames.to_backend(self._native.to_table(), "pandas")

    def to_polars(self) -> Any:
        """As polars."""
        return _frames.to_backend(self._native.to_table(), "polars")

    def to_arrow(self) -> Any:
        """As pyarrow."""
        return _frames.to_backend(self._native.to_table(), "pyarrow")

    def plot(self, *, points: int = 100, current: Optional[Sequence[float]] = None) -> Any:
        """The response curves with the suggested spends marked (plotly); ``current`` (today's
        spend per curve, in input order) adds an open marker of the curve's colour."""
        from touchpoint import _plot

        return _plot.budget_curves(self._curves, self.spend, points, current)

    def _repr_html_(self) -> str:
        return _frames.html_table(self._native.to_table(), repr(self))

    def __repr__(self) -> str:
        return (f"BudgetPlan({self.solver}: spend {self.total_spend:g}, response {self.total_response:.4f}, "
                f"{len(self.diagnostics)} diagnostics)")


def allocate_budget(
    curves: Sequence[_Curve],
    *,
    budget: float,
    step: float = 1.0,
    solver: str = "auto",
    value_per_response: Optional[float] = None,
    min_marginal_roi: Optional[float] = None,
    target_roi: Optional[float] = None,
) -> BudgetPlan:
    """Split ``budget`` across the curves to maximise the total response.

    Parameters
    ----------
    curves
        :class:`Hill`, :class:`Power`, :class:`LogCurve` or :class:`Piecewise` curves, each
        with optional ``lower``/``upper``/``locked``.
    budget
        The total to spend (exactly, when the bounds allow); with ``min_marginal_roi`` or
        ``target_roi`` it is the spending cap.
    step
        Spend grid of dynamic programming.
    solver
        'auto' (water-filling when every curve is concave and the objective is a budget, else
        dynamic programming), 'dynamic_programming' (alias 'dp'), 'water_filling', 'greedy'
        (for comparison). ``plan.solver`` says which one ran.
    value_per_response, min_marginal_roi, target_roi
        ROI objectives instead of a fixed budget.

    Examples
    --------
    >>> import touchpoint as tp
    >>> curves = [tp.Hill(name="search", beta=100, alpha=3, gamma=30),
    ...           tp.Hill(name="social", beta=140, alpha=2.5, gamma=50),
    ...           tp.Hill(name="tv", beta=220, alpha=3, gamma=80)]
    >>> plan = tp.allocate_budget(curves, budget=150, step=1)
    >>> plan.allocation, round(plan.total_response, 2), plan.solver
    ({'search': 43.0, 'social': 0.0, 'tv': 107.0}, 229.8, 'dynamic_programming')
    """
    specs = [c._spec() for c in curves]
    native = _native.allocate_budget(specs, budget=budget, step=step, solver=solver,
                                     value_per_response=value_per_response, min_marginal_roi=min_marginal_roi,
                                     target_roi=target_roi)
    return BudgetPlan(native, curves)


def evaluate_budget(curves: Sequence[_Curve], spend: Sequence[float]) -> Tuple[List[float], float]:
    """What-if: the response of a given allocation, per curve and in total."""
    return _native.evaluate_budget([c._spec() for c in curves], [float(x) for x in spend])
