"""Why the optimum came out as it did: shadow prices, capacity values and break-evens.

- Shadow prices: the binaries are fixed at their optimal values and the LP is
  re-solved; the dual of ``demand[k,i]`` is the cost of serving one more MW of
  class k at centre i [yuan/(MW*yr)], minus the dual of ``site-capacity[j]``
  the value of one more MW of capacity at site j [yuan/(MW*yr)].
- Break-even of a site not chosen: the electricity price [yuan/kWh] at which
  it enters the optimal solution, and separately the uniform reduction of all
  its costs [fraction], found by bisection with a full MILP re-solve at each
  step (the optimal cost is concave and piecewise linear in either parameter,
  and the site's use is monotone in it) and verified: ``tolerance`` below the
  break-even the site is chosen, ``tolerance`` above it is not.  The re-solves
  use the direct HiGHS model updated in place (same optimum as the PuLP model,
  ``tests/test_highs_direct.py``) and share an optional time budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from .formulation import build_model
from .highs_direct import DirectModel
from .problem import SiteProblem
from .solve import SolverName, solve_model

PRICE_TOLERANCE_YUAN_PER_KWH = 5e-4
FRACTION_TOLERANCE = 1e-3


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
    m = build_model(p, fixed_open=opened)
    outcome = solve_model(m.prob, solver, time_limit_s=time_limit_s)
    if outcome.status != "optimal":
        return pd.DataFrame(), pd.DataFrame()
    demand_rows = []
    for cls in p.classes:
        for centre in p.centres:
            c = m.constraints.get(f"demand[{cls},{centre}]")
            if c is not None and c.pi is not None:
                demand_rows.append({"class": cls, "centre": centre,
                                    "marginal_cost_yuan_per_mw_year": float(c.pi)})
    cap_rows = []
    for j, s in enumerate(p.sites):
        c = m.constraints.get(f"site-capacity[{s}]")
        if c is not None and c.pi is not None and opened[j] > 0.5:
            cap_rows.append({"site": s, "value_of_capacity_yuan_per_mw_year": float(-c.pi),
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


def _chooser(model: DirectModel, p: SiteProblem, site: str, kind: str, mip_gap: float | None,
             budget: _Budget) -> Callable[[float], bool | None]:
    """Whether ``site`` is chosen when its electricity price is x (``price``) or its costs are scaled by x.

    Re-solves the full MILP each time; only cost coefficients change, so the HiGHS model
    is updated in place (:meth:`DirectModel.update`) instead of being rebuilt.
    """
    j = p.site_index(site)

    def chosen_at(x: float) -> bool | None:
        changed = p.with_energy_price(site, x) if kind == "price" else p.with_cost_scaled(site, x)
        model.update(changed)
        outcome, opened, alloc, _ = model.solve(time_limit_s=budget.limit(), mip_gap=mip_gap)
        if outcome.status != "optimal":
            if budget.deadline is not None and time.monotonic() >= budget.deadline:
                raise _OutOfTime
            return None
        return bool(opened[j] > 0.5 and alloc[:, :, j].sum() > 1e-6)

    return chosen_at


def break_even(
    p: SiteProblem,
    opened: np.ndarray,
    mip_gap: float | None = 1e-6,
    time_budget_s: float | None = None,
) -> pd.DataFrame:
    """Break-even electricity price and cost reduction of every site that was not chosen.

    ``time_budget_s`` bounds all the re-solves together; sites not reached in time get
    a note saying so instead of numbers.
    """
    rows: list[dict[str, object]] = []
    excluded = p.is_excluded()
    budget = _Budget(time_budget_s)
    model = DirectModel(p)
    for j, s in enumerate(p.sites):
        if opened[j] > 0.5:
            continue
        if excluded[j]:
            rows.append({"site": s, "note": p.excluded_reason.get(s, "excluded")})
            continue
        row: dict[str, object] = {"site": s}
        try:
            if p.price_yuan_per_kwh is not None and "energy" in p.components:
                price = float(p.price_yuan_per_kwh[j])
                x, ok = _bisect(_chooser(model, p, s, "price", mip_gap, budget), 0.0, price,
                                PRICE_TOLERANCE_YUAN_PER_KWH)
                row["price_yuan_per_kwh"] = price
                row["break_even_price_yuan_per_kwh"] = x
                row["price_verified"] = ok
            # largest scaling of all the site's costs at which it is still chosen
            f, ok2 = _bisect(_chooser(model, p, s, "scale", mip_gap, budget), 0.0, 1.0, FRACTION_TOLERANCE)
        except _OutOfTime:
            rows.append({"site": s, "note": f"not computed: the explanation time budget of {time_budget_s:g} s "
                                            "was used up"})
            continue
        if f is None:
            row["break_even_cost_reduction_fraction"] = None
            row["note"] = "not chosen even at zero cost (latency, residency or site-count rules keep it out)"
        else:
            row["break_even_cost_reduction_fraction"] = 1.0 - f
            row["cost_verified"] = ok2
            if row.get("break_even_price_yuan_per_kwh") is None and "price_yuan_per_kwh" in row:
                row["note"] = "does not enter even at a zero electricity price"
        rows.append(row)
    return pd.DataFrame(rows)
