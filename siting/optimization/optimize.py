"""Orchestrator: request -> problem -> checks -> model -> solve -> results -> explanations."""

from __future__ import annotations

import time
from typing import Any

from siting.data.catalog import Catalog, default_catalog
from siting.data.request import SiteRequest, parse_request
from siting.optimization.alternatives import latency_cases, next_best_plans
from siting.optimization.backends import solve
from siting.optimization.diagnostics import elastic_diagnosis, presolve_checks
from siting.optimization.explain import break_even, shadow_prices
from siting.optimization.model import define
from siting.optimization.problem import SiteProblem, build_site_problem
from siting.optimization.results import OptimizationResult, build_result
from siting.optimization.solve import SolverName

DEFAULT_MIP_GAP = 1e-6


def _with_packages(problem: SiteProblem, result: OptimizationResult) -> OptimizationResult:
    result.packages = [p.to_dict() for p in problem.packages]
    return result


def optimize_problem(
    problem: SiteProblem,
    *,
    solver: SolverName = "highs",
    time_limit_s: float | None = None,
    mip_gap: float | None = DEFAULT_MIP_GAP,
    explain: bool = False,
    explain_time_limit_s: float | None = None,
    wall_clock_s: float | None = None,
) -> OptimizationResult:
    """Solve a :class:`SiteProblem`; never raises on infeasibility (see ``result.diagnosis``).

    ``wall_clock_s`` bounds everything together (the solve, the diagnosis and the explanations):
    each step gets what is left of it.  ``result.packages`` names the deals and policies the problem
    was built with.
    """
    deadline = None if wall_clock_s is None else time.monotonic() + wall_clock_s
    return _with_packages(problem, _optimize_problem(problem, solver=solver, time_limit_s=time_limit_s,
                                                     mip_gap=mip_gap, explain=explain,
                                                     explain_time_limit_s=explain_time_limit_s, deadline=deadline))


def _left(limit: float | None, deadline: float | None) -> float | None:
    """The smaller of a step's own limit and the time left to the deadline (at least 10 ms)."""
    if deadline is None:
        return limit
    left = max(0.01, deadline - time.monotonic())
    return left if limit is None else min(limit, left)


def _optimize_problem(
    problem: SiteProblem,
    *,
    solver: SolverName,
    time_limit_s: float | None,
    mip_gap: float | None,
    explain: bool,
    explain_time_limit_s: float | None,
    deadline: float | None = None,
) -> OptimizationResult:
    """Solve a :class:`SiteProblem` (see :func:`optimize_problem`).

    ``explain_time_limit_s`` bounds all the explanation re-solves together (default: the
    ``time_limit_s`` of the main solve, unbounded when that is ``None``).
    """
    findings = presolve_checks(problem)
    if any(f["severity"] == "error" for f in findings):
        return OptimizationResult("infeasible", None, 0.0, solver, it_load_mw=problem.it_load_mw,
                                  diagnosis=findings, message="infeasible before solving: see diagnosis")
    solution = solve(define(problem), solver, time_limit_s=_left(time_limit_s, deadline), mip_gap=mip_gap)
    outcome = solution.outcome
    if outcome.status == "infeasible":
        findings += elastic_diagnosis(problem, solver, _left(time_limit_s, deadline))
        return OptimizationResult("infeasible", None, outcome.solve_seconds, outcome.solver,
                                  it_load_mw=problem.it_load_mw, diagnosis=findings,
                                  message="the model is infeasible: see diagnosis")
    if outcome.status not in ("optimal", "time_limit"):
        return OptimizationResult(outcome.status, None, outcome.solve_seconds, outcome.solver,
                                  it_load_mw=problem.it_load_mw, diagnosis=findings, message=outcome.message)
    opened, alloc, subsidy = solution.open(), solution.alloc(), solution.subsidy()
    result = build_result(problem, outcome, opened, alloc, subsidy)
    result.diagnosis = findings
    if explain:
        budget = explain_time_limit_s if explain_time_limit_s is not None else time_limit_s
        result.shadow_prices, result.capacity_values = shadow_prices(problem, opened, solver,
                                                                     _left(budget, deadline))
        result.break_even = break_even(problem, opened, mip_gap, _left(budget, deadline), outcome.objective, solver)
        if outcome.status == "optimal" and outcome.objective is not None:
            result.alternatives = [a.to_dict() for a in next_best_plans(
                problem, opened, outcome.objective, solver=solver, mip_gap=mip_gap,
                time_limit_s=_left(budget, deadline))]
            result.latency_cases = [c.to_dict() for c in latency_cases(
                problem, opened, solver=solver, mip_gap=mip_gap, time_limit_s=_left(budget, deadline))]
    return result


def optimize(
    request: SiteRequest | dict[str, Any] | None = None,
    catalog: Catalog | None = None,
    *,
    solver: SolverName = "highs",
    time_limit_s: float | None = None,
    mip_gap: float | None = DEFAULT_MIP_GAP,
    explain: bool = False,
    explain_time_limit_s: float | None = None,
    wall_clock_s: float | None = None,
) -> OptimizationResult:
    """Optimise a site request (a :class:`SiteRequest`, or a mapping validated as one).

    ``explain=True`` adds shadow prices, capacity values and verified break-evens
    (several extra solves).
    """
    cat = catalog if catalog is not None else default_catalog()
    req = parse_request(request)
    return optimize_problem(build_site_problem(cat, req), solver=solver, time_limit_s=time_limit_s,
                            mip_gap=mip_gap, explain=explain, explain_time_limit_s=explain_time_limit_s,
                            wall_clock_s=wall_clock_s)
