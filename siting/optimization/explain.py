"""Why the optimum came out as it did: shadow prices, capacity values and break-evens.

- Shadow prices: the binaries are fixed at their optimal values and the LP is
  re-solved; the dual of ``demand[k,i]`` is the cost of serving one more MW of
  class k at centre i [yuan/(MW*yr)], minus the dual of ``site-capacity[j]``
  the value of one more MW of capacity at site j [yuan/(MW*yr)].
- Break-even of a site not chosen: the electricity price [yuan/kWh] at which
  it enters the optimal solution, and separately the uniform reduction of all
  its costs [fraction], found with a full MILP re-solve at each
  step (the optimal cost is concave and piecewise linear in either parameter,
  and the site's use is monotone in it) and verified: ``tolerance`` below the
  break-even the site is chosen, ``tolerance`` above it is not.  The search is
  Newton's method on the cost of the best solution with the site forced open
  (a few solves per site), with bisection as the fallback.  The re-solves
  go through :class:`~siting.optimization.backends.ProblemModel` on the chosen
  solver (HiGHS updated in place, or CBC) and share an optional time budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from siting.optimization.backends import ProblemModel, solve
from siting.optimization.model import define
from siting.optimization.problem import SiteProblem
from siting.optimization.solve import SolveOutcome, SolverName

PRICE_TOLERANCE_YUAN_PER_KWH = 5e-4
FRACTION_TOLERANCE = 1e-3

#: HiGHS options of the break-even re-solves: the primal heuristics off.  Each re-solve differs from the
#: last in a few cost coefficients and branch-and-bound closes the gap alone; on the hard request of
#: ``bench/`` (14 sites, 10 classes, 1,000 MW, ~110 re-solves) the heuristics took ~40 % of the CPU time
#: (12.6-13.7 s against 7.9-9.0 s without, the same break-evens to 6 decimals; issue 27).  Presolve stays
#: on: off, the same re-solves took 15.5 s.
RESOLVE_OPTIONS: dict[str, bool | float] = {
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_effort": 0.0,
}


class _OutOfTime(Exception):
    """The explanation time budget is used up."""


class _Budget:
    """A deadline shared by every explanation solve (``None``: unbounded)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds

    def limit(self) -> float | None:
        """Time left for the next solve [s]; raises _OutOfTime when none is left."""
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _OutOfTime
        return left


def shadow_prices(
    p: SiteProblem, opened: np.ndarray, solver: SolverName = "highs", time_limit_s: float | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(demand shadow prices per class and centre, capacity values per open site)."""
    solution = solve(define(p, fixed_open=opened), solver, time_limit_s=time_limit_s)
    demand = solution.family_duals("demand")
    if solution.outcome.status != "optimal" or demand is None:
        return pd.DataFrame(), pd.DataFrame()
    fam, duals = demand
    demand_rows = [{"class": p.classes[int(k)], "centre": p.centres[int(i)], "marginal_cost_yuan_per_mw_year": float(y)}
                   for (k, i), y in zip(fam.keys, duals, strict=True)]
    cap_rows = []
    capacity = solution.family_duals("site-capacity")
    if capacity is not None:
        for (j,), y in zip(capacity[0].keys, capacity[1], strict=True):
            if opened[j] > 0.5:
                cap_rows.append({"site": p.sites[int(j)], "value_of_capacity_yuan_per_mw_year": float(-y),
                                 "capacity_mw": float(p.capacity_mw[j])})
    return pd.DataFrame(demand_rows), pd.DataFrame(cap_rows)


def _bisect(
    chosen_at: Callable[[float], bool | None], lo: float, hi: float, tol: float
) -> tuple[float | None, bool]:
    """Largest x in [lo, hi] with the site chosen, assuming chosen for small x; (None, _) if never."""
    at_lo = chosen_at(lo)
    if not at_lo:
        return None, False
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if chosen_at(mid):
            lo = mid
        else:
            hi = mid
    x = 0.5 * (lo + hi)
    below, above = chosen_at(max(x - tol, 0.0)), chosen_at(x + tol)
    return x, bool(below) and above is False


def _solve_changed(
    model: ProblemModel, changed: SiteProblem, mip_gap: float | None, budget: _Budget
) -> tuple[SolveOutcome, np.ndarray, np.ndarray, np.ndarray] | None:
    """Update ``model`` to ``changed`` and solve within the budget; None if not solved to optimality."""
    model.update(changed)
    highs = getattr(model, "_highs", None)  # HiGHS (the options are set again in case the update rebuilt it)
    if highs is not None:
        for k, v in RESOLVE_OPTIONS.items():
            highs.h.setOptionValue(k, v)
    solution = model.solve(time_limit_s=budget.limit(), mip_gap=mip_gap)
    solved = solution.outcome, solution.open(), solution.alloc(), solution.subsidy()
    if solved[0].status != "optimal" or solved[0].objective is None:
        if budget.deadline is not None and time.monotonic() >= budget.deadline:
            raise _OutOfTime
        return None
    return solved


def _chooser(model: ProblemModel, p: SiteProblem, site: str, kind: str, mip_gap: float | None,
             budget: _Budget) -> Callable[[float], bool | None]:
    """Whether ``site`` is chosen when its electricity price is x (``price``) or its costs are scaled by x.

    Re-solves the full MILP each time; only cost coefficients change, so the HiGHS model
    is updated in place (:meth:`ProblemModel.update`) instead of being rebuilt.
    """
    j = p.site_index(site)

    def chosen_at(x: float) -> bool | None:
        changed = p.with_energy_price(site, x) if kind == "price" else p.with_cost_scaled(site, x)
        solved = _solve_changed(model, changed, mip_gap, budget)
        if solved is None:
            return None
        _, opened, alloc, _ = solved
        return bool(opened[j] > 0.5 and alloc[:, :, j].sum() > 1e-6)

    return chosen_at


_NEVER = "never"
_MAX_NEWTON_STEPS = 30


def _forced_evaluator(
    model: ProblemModel, p: SiteProblem, site: str, kind: str, mip_gap: float | None, budget: _Budget
) -> Callable[[float], tuple[float, float] | None]:
    """W(x) and dW/dx: the optimal cost with ``site`` forced open, at price x or cost scaling x.

    W is concave and piecewise linear in x (a minimum of functions linear in x, up to subsidy
    caps); the slope of the active piece is the site's energy [kWh/yr] (price) or its unscaled
    cost net of the subsidies that scale with it [yuan/yr] (scaling).
    """
    j = p.site_index(site)
    locked = p.is_locked().copy()
    locked[j] = True
    excluded = p.is_excluded().copy()
    excluded[j] = False
    forced = replace(p, locked=locked, excluded=excluded)
    per_mw = sum(p.components.values()) if p.components else p.unit_cost[:, 0, :]
    assert isinstance(per_mw, np.ndarray)
    price0 = float(p.price_yuan_per_kwh[j]) if p.price_yuan_per_kwh is not None else 0.0
    energy_kwh_per_mw = p.components["energy"][:, j] / price0 if "energy" in p.components and price0 > 0 else None

    def evaluate(x: float) -> tuple[float, float] | None:
        changed = forced.with_energy_price(site, x) if kind == "price" else forced.with_cost_scaled(site, x)
        solved = _solve_changed(model, changed, mip_gap, budget)
        if solved is None:
            return None
        outcome, _, alloc, subsidy = solved
        assert outcome.objective is not None
        mw_k = alloc[:, :, j].sum(axis=1)
        if kind == "price":
            if energy_kwh_per_mw is None:
                return None
            return outcome.objective, float((energy_kwh_per_mw * mw_k).sum())
        slope = float(p.fixed_cost[j] + (per_mw[:, j] * mw_k).sum())
        for n, term in enumerate(p.subsidies):
            if term.site == site:
                base = float((p.components[term.component][:, j] * mw_k).sum())
                if subsidy[n] < term.annual_cap_yuan * (1 - 1e-9):  # the rate, not the cap, binds
                    slope -= term.factor * base
        return outcome.objective, slope

    return evaluate


def _newton(
    evaluate: Callable[[float], tuple[float, float] | None], x0: float, v0: float, tol: float, rel_gap: float
) -> float | str | None:
    """Solve W(x) = v0 from x0: x* (float), ``_NEVER`` (W flat or above v0 at 0), or None.

    The tangent of the concave W lies above W, so from any start its root x1 has
    W(x1) <= v0, i.e. x1 <= x*; from then on every tangent root stays <= x* and increases:
    finite convergence on a piecewise-linear W.  A zero slope means the forced-open site
    carries no load there (W = v0 + its fixed cost), which says nothing about x*.
    """
    x = x0
    for _ in range(_MAX_NEWTON_STEPS):
        res = evaluate(x)
        if res is None:
            return None
        w, slope = res
        gap = w - v0
        if abs(gap) <= max(1e-9, rel_gap) * max(1.0, abs(v0)):  # equal within the MIP gap
            return x
        if slope <= 0:
            return _NEVER if gap > 0 else x
        x_new = x - gap / slope
        if x_new < 0.0:
            if x == 0.0:
                return _NEVER  # W(0) > v0: even at zero it costs more than the optimum without it
            x_new = 0.0
        if abs(x_new - x) <= 0.01 * tol:  # steps far below the verification tolerance
            return x_new
        x = x_new
    return None


def _search(
    chosen_at: Callable[[float], bool | None],
    evaluate: Callable[[float], tuple[float, float] | None],
    x0: float,
    v0: float,
    tol: float,
    rel_gap: float,
) -> tuple[float | None, bool]:
    """Break-even by Newton on the forced-open cost, verified by re-solving; bisection if that fails."""
    found = _newton(evaluate, x0, v0, tol, rel_gap)
    if found == _NEVER:
        # W is flat where the forced-open site carries no load; from x = 0 (if it is chosen there)
        # the iteration climbs instead: each tangent root stays below x* and the site stays in use.
        if not chosen_at(0.0):
            return None, True
        found = _newton(evaluate, 0.0, v0, tol, rel_gap)
    if isinstance(found, float):
        below, above = chosen_at(max(found - tol, 0.0)), chosen_at(found + tol)
        if below and above is False:
            return found, True
    return _bisect(chosen_at, 0.0, x0, tol)


def break_even(
    p: SiteProblem,
    opened: np.ndarray,
    mip_gap: float | None = 1e-6,
    time_budget_s: float | None = None,
    base_objective: float | None = None,
    solver: SolverName = "highs",
) -> pd.DataFrame:
    """Break-even electricity price and cost reduction of every site that was not chosen.

    ``base_objective`` is the optimal cost already known for ``p`` (solved again when None).

    Newton's method on the optimal cost with the site forced open finds each break-even in a
    few MILP solves; the result is verified by re-solving ``tolerance`` either side (bisection
    is the fallback).  ``time_budget_s`` bounds all the re-solves together; sites not reached
    in time get a note saying so instead of numbers.
    """
    rows: list[dict[str, object]] = []
    excluded = p.is_excluded()
    budget = _Budget(time_budget_s)
    model = ProblemModel(p, solver)
    forced_model: ProblemModel | None = None
    if base_objective is None:
        base = model.solve(mip_gap=mip_gap).outcome
        if base.status != "optimal" or base.objective is None:
            return pd.DataFrame(rows)
        base_objective = base.objective
    v0 = base_objective
    for j, s in enumerate(p.sites):
        if opened[j] > 0.5:
            continue
        if excluded[j]:
            rows.append({"site": s, "note": p.excluded_reason.get(s, "excluded")})
            continue
        row: dict[str, object] = {"site": s}
        try:
            if forced_model is None:
                forced_model = ProblemModel(p, solver)
            if p.price_yuan_per_kwh is not None and "energy" in p.components:
                price = float(p.price_yuan_per_kwh[j])
                x, ok = _search(_chooser(model, p, s, "price", mip_gap, budget),
                                _forced_evaluator(forced_model, p, s, "price", mip_gap, budget),
                                price, v0, PRICE_TOLERANCE_YUAN_PER_KWH, mip_gap or 0.0)
                row["price_yuan_per_kwh"] = price
                row["break_even_price_yuan_per_kwh"] = x
                row["price_verified"] = ok
            # largest scaling of all the site's costs at which it is still chosen
            f, ok2 = _search(_chooser(model, p, s, "scale", mip_gap, budget),
                             _forced_evaluator(forced_model, p, s, "scale", mip_gap, budget),
                             1.0, v0, FRACTION_TOLERANCE, mip_gap or 0.0)
        except _OutOfTime:
            rows.append({"site": s, "note": f"not computed: the explanation time budget of {time_budget_s:g} s "
                                            "was used up"})
            continue
        if f is None:
            row["break_even_cost_reduction_fraction"] = None
            barred = [f"{p.classes[k]} may not use it: {why}" for (k, site), why in p.class_site_reason.items()
                      if site == s]
            row["note"] = ("not chosen even at zero cost: " + "; ".join(barred) if barred else
                           "not chosen even at zero cost (latency, residency, hazard or site-count rules keep it out)")
        else:
            row["break_even_cost_reduction_fraction"] = 1.0 - f
            row["cost_verified"] = ok2
            if row.get("break_even_price_yuan_per_kwh") is None and "price_yuan_per_kwh" in row:
                row["note"] = "does not enter even at a zero electricity price"
        rows.append(row)
    return pd.DataFrame(rows)
