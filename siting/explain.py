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
  break-even the site is chosen, ``tolerance`` above it is not.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .formulation import build_model
from .problem import SiteProblem
from .solve import SolverName, solve_model

PRICE_TOLERANCE_YUAN_PER_KWH = 5e-4
FRACTION_TOLERANCE = 1e-3


def shadow_prices(
    p: SiteProblem, opened: np.ndarray, solver: SolverName = "highs"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(demand shadow prices per class and centre, capacity values per open site)."""
    m = build_model(p, fixed_open=opened)
    outcome = solve_model(m.prob, solver)
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


def _is_chosen(p: SiteProblem, site: str, solver: SolverName) -> bool | None:
    m = build_model(p)
    outcome = solve_model(m.prob, solver)
    if outcome.status not in ("optimal", "time_limit"):
        return None
    j = p.site_index(site)
    used = sum((v.varValue or 0.0) for (_k, _i, jj), v in m.alloc.items() if jj == j)
    return bool((m.open[site].varValue or 0.0) > 0.5 and used > 1e-6)


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


def _chooser(p: SiteProblem, site: str, solver: SolverName, kind: str) -> Callable[[float], bool | None]:
    """Whether ``site`` is chosen when its electricity price is x (``price``) or its costs are scaled by x."""

    def chosen_at(x: float) -> bool | None:
        changed = p.with_energy_price(site, x) if kind == "price" else p.with_cost_scaled(site, x)
        return _is_chosen(changed, site, solver)

    return chosen_at


def break_even(p: SiteProblem, opened: np.ndarray, solver: SolverName = "highs") -> pd.DataFrame:
    """Break-even electricity price and cost reduction of every site that was not chosen."""
    rows: list[dict[str, object]] = []
    excluded = p.is_excluded()
    for j, s in enumerate(p.sites):
        if opened[j] > 0.5:
            continue
        if excluded[j]:
            rows.append({"site": s, "note": p.excluded_reason.get(s, "excluded")})
            continue
        row: dict[str, object] = {"site": s}
        if p.price_yuan_per_kwh is not None and "energy" in p.components:
            price = float(p.price_yuan_per_kwh[j])
            x, ok = _bisect(_chooser(p, s, solver, "price"), 0.0, price, PRICE_TOLERANCE_YUAN_PER_KWH)
            row["price_yuan_per_kwh"] = price
            row["break_even_price_yuan_per_kwh"] = x
            row["price_verified"] = ok
        # largest scaling of all the site's costs at which it is still chosen
        f, ok2 = _bisect(_chooser(p, s, solver, "scale"), 0.0, 1.0, FRACTION_TOLERANCE)
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
