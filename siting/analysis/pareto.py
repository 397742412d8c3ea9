"""Trade-off frontiers on the exact MILP: cost against emissions or against mean RTT (epsilon-constraint).

For a second criterion f (emissions [tCO2/yr] or the demand-weighted mean RTT [ms], both
linear in the allocation):

1. the cost-optimal plan gives f_max (what the cheapest answer emits or how slow it is);
2. minimising f alone (same rules, the criterion as the objective) gives f_min;
3. for n values eps from f_max down to f_min, minimise cost subject to f <= eps
   (the ``emissions-cap`` / ``mean-rtt-cap`` family of :mod:`siting.optimization.model`).

Under market-based accounting (``emissions_accounting: market`` with green options) emissions
are net of the certificates bought, so the frontier also prices buying certificates against
moving load to cleaner grids; a point's cost is then the model's objective, certificates included.

Every point is a full plan, costed by the plan evaluator; dominated points (no cheaper and no
better in f than another point) are dropped.  The knee is the point farthest from the straight
line between the two ends and below it, with both axes scaled to [0, 1]: where a little more
money buys the most of the second criterion.  A frontier with no point below that line has no knee.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from siting.data.catalog import Catalog, default_catalog
from siting.data.request import SiteRequest, parse_request
from siting.errors import RequestError
from siting.optimization.backends import solve
from siting.optimization.evaluate import evaluate_plan
from siting.optimization.model import (
    Columns,
    ModelArrays,
    define,
    emissions_coefficients,
    green_emissions_coefficients,
    rtt_coefficients,
)
from siting.optimization.problem import SiteProblem, build_site_problem
from siting.optimization.solve import SolverName

Criterion = Literal["emissions", "rtt"]
CRITERIA: dict[str, tuple[str, str]] = {"emissions": ("emissions_t_per_year", "tCO2/yr"),
                                        "rtt": ("mean_rtt_ms", "ms")}
MAX_POINTS = 50


@dataclass
class Frontier:
    """Non-dominated plans, cheapest first, with the knee marked."""

    criterion: str
    unit: str
    points: list[dict[str, Any]] = field(default_factory=list)
    dropped: int = 0  # dominated or duplicate points removed

    @property
    def knee(self) -> dict[str, Any] | None:
        return next((p for p in self.points if p["knee"]), None)

    def to_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "unit": self.unit, "points": self.points, "dropped": self.dropped}


def _coefficients(p: SiteProblem, c: Columns, criterion: Criterion) -> np.ndarray:
    """The criterion's coefficient on every column ``c`` of ``p``'s model.

    Alloc columns carry the emissions [tCO2/yr per MW] or the RTT share [ms per MW]; under
    market-based accounting (or for on-site solar) the green columns carry ``-ef[j]`` (a MWh of an offer at
    site j removes its grid emissions), as in the model's ``emissions-cap`` family.
    """
    coef = np.zeros(c.n_model)
    coef[c.alloc_cols] = emissions_coefficients(p, c) if criterion == "emissions" else rtt_coefficients(p, c)
    green = green_emissions_coefficients(p) if criterion == "emissions" else None
    if green is not None:
        coef[c.green_cols] = green
    return coef


def _criterion_value(coef: np.ndarray, x: np.ndarray) -> float:
    return float(coef @ x[:len(coef)])


@dataclass(frozen=True)
class _Plan:
    opened: np.ndarray
    alloc: np.ndarray
    x: np.ndarray
    objective: float


def _solve(p: SiteProblem, solver: SolverName, time_limit_s: float | None) -> _Plan | None:
    s = solve(define(p), solver, time_limit_s=time_limit_s, mip_gap=1e-7)
    if s.outcome.status not in ("optimal", "time_limit") or s.x is None or s.outcome.objective is None:
        return None
    opened = s.open()
    # load at a closed site is solver noise within the feasibility tolerance (seen: 2e-6 MW); left in, it is a
    # site below its campus minimum to the plan evaluator
    return _Plan(opened, np.where(opened[None, None, :] > 0.5, s.alloc(), 0.0), s.x, float(s.outcome.objective))


def _minimum(arrays: ModelArrays, coef: np.ndarray, criterion: Criterion, solver: SolverName,
             time_limit_s: float | None) -> float:
    """The least value of the criterion under the request's rules (the criterion as the objective of
    ``arrays``, the request's model, whose cost vector this replaces)."""
    cost = np.zeros(len(arrays.columns.cost))
    cost[:len(coef)] = coef
    arrays.columns.cost = cost
    s = solve(arrays, solver, time_limit_s=time_limit_s, mip_gap=1e-9)
    if s.outcome.objective is None:
        raise RequestError(f"cannot minimise {criterion}: the request is {s.outcome.status}", field="request")
    return float(s.outcome.objective)


def _point_cost(p: SiteProblem, plan: _Plan) -> tuple[float, bool]:
    """(annual cost [yuan/yr], feasible without the bound) of a frontier point.

    Location-based: the plan evaluator's cost.  Market-based: certificates bought to meet the
    bound are part of the plan, and the evaluator buys only what pays for itself, so the cost is
    the model's objective (equal to the evaluator's where the bound does not bind; tested).
    """
    ev = evaluate_plan(p, plan.opened, plan.alloc)
    if not p.green_credits_emissions():
        return ev.total_yuan_per_year, ev.feasible
    return plan.objective, ev.feasible


def pareto(
    request: SiteRequest | dict[str, Any] | None = None,
    catalog: Catalog | None = None,
    *,
    criterion: Criterion = "emissions",
    points: int = 8,
    solver: SolverName = "highs",
    time_limit_s: float | None = None,
) -> Frontier:
    """The cost-criterion frontier of a request (module docstring)."""
    if criterion not in CRITERIA:
        raise RequestError(f"criterion = {criterion!r} is not one of {', '.join(CRITERIA)}", field="criterion")
    if not 2 <= points <= MAX_POINTS:
        raise RequestError(f"points = {points}: must be between 2 and {MAX_POINTS}", field="points")
    cat = catalog if catalog is not None else default_catalog()
    req = parse_request(request)
    p = build_site_problem(cat, req)
    cheapest = _solve(p, solver, time_limit_s)
    if cheapest is None:
        raise RequestError("the request has no feasible plan: no frontier", field="request")
    arrays = define(p)  # the bounded models below add a row, not columns: one coefficient vector serves all
    coef = _coefficients(p, arrays.columns, criterion)
    f_max = _criterion_value(coef, cheapest.x)
    f_min = _minimum(arrays, coef, criterion, solver, time_limit_s)
    field_name, unit = CRITERIA[criterion]
    raw: list[dict[str, Any]] = []
    for eps in np.linspace(f_max, f_min, points):
        bounded = (replace(p, max_emissions_t_per_year=float(eps) * (1 + 1e-9) + 1e-9) if criterion == "emissions"
                   else replace(p, max_mean_rtt_ms=float(eps) * (1 + 1e-9) + 1e-9))
        plan = _solve(bounded, solver, time_limit_s)
        if plan is None:
            continue
        cost, feasible = _point_cost(p, plan)
        mw = plan.alloc.sum(axis=(0, 1))
        raw.append({"epsilon": float(eps), "cost_yuan_per_year": cost,
                    field_name: _criterion_value(coef, plan.x),
                    "sites_mw": {s: float(mw[j]) for j, s in enumerate(p.sites) if mw[j] > 1e-6},
                    "feasible_without_the_bound": feasible})
    kept: list[dict[str, Any]] = []
    for a in sorted(raw, key=lambda x: (x["cost_yuan_per_year"], x[field_name])):
        if kept and a[field_name] >= kept[-1][field_name] - 1e-6 * max(1.0, abs(kept[-1][field_name])):
            continue  # no better in the criterion than a cheaper point: dominated (or a duplicate)
        kept.append(a)
    knee = -1
    if len(kept) >= 3:
        c0, c1 = kept[0]["cost_yuan_per_year"], kept[-1]["cost_yuan_per_year"]
        f0, f1 = kept[0][field_name], kept[-1][field_name]

        def below(x: dict[str, Any]) -> float:
            """How far below the line between the two ends (scaled axes): > 0 for a good trade-off."""
            u = (x["cost_yuan_per_year"] - c0) / (c1 - c0) if c1 != c0 else 0.0
            v = (x[field_name] - f1) / (f0 - f1) if f0 != f1 else 0.0
            return (1.0 - u - v) / np.sqrt(2.0)

        best = max(range(1, len(kept) - 1), key=lambda i: below(kept[i]))
        knee = best if below(kept[best]) > 1e-9 else -1  # no interior point below the line: no knee
    for i, x in enumerate(kept):
        x["knee"] = i == knee
    return Frontier(criterion, unit, kept, dropped=len(raw) - len(kept))
