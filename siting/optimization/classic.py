"""Classic location models over the demand centres: p-median, p-center and MCLP.

They answer the textbook questions on the same data the cost model uses -- candidate sites
``j``, demand centres ``i`` with weight ``w_i`` (the request's demand there [MW]) and the
round-trip time ``d_ij`` [ms] between them -- so a planner can see how the cost-optimal plan
differs from the answer of a pure latency criterion.  Each is an exact MILP written with PuLP
and solved with HiGHS (or CBC); ``tests/test_classic.py`` checks every objective against spopt
on the same instance.

p-median (minimise demand-weighted RTT, ReVelle & Swain 1970)::

    min  sum_ij w_i d_ij y_ij
    s.t. sum_j y_ij = 1  (all i),   y_ij <= x_j,   sum_j x_j = p,   x binary, y >= 0

p-center (minimise the worst RTT of any served centre, Hakimi 1965)::

    min  W
    s.t. sum_j y_ij = 1,   y_ij <= x_j,   sum_j d_ij y_ij <= W  (all i),   sum_j x_j = p

maximal covering location problem (MCLP, Church & ReVelle 1974), radius ``R`` [ms]::

    max  sum_i w_i z_i
    s.t. z_i <= sum_{j : d_ij <= R} x_j  (all i),   sum_j x_j = p,   x, z binary

``p`` sites open in each (all models), so with ``p`` equal to the number of sites of the
cost-optimal plan the three answers are directly comparable with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pulp

from siting.errors import RequestError

from .solve import SolveOutcome, SolverName, solve_model

ClassicModel = Literal["p-median", "p-center", "mclp"]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LocationInstance:
    """Sites ``j``, centres ``i``, weights ``w`` (I,) [MW] and round-trip times ``d`` (I, J) [ms]."""

    sites: list[str]
    centres: list[str]
    weight_mw: FloatArray
    rtt_ms: FloatArray

    def check(self, p: int) -> None:
        if not 1 <= p <= len(self.sites):
            raise RequestError.out_of_range("p", p, f"an integer from 1 to the number of candidate sites "
                                                    f"({len(self.sites)})")


@dataclass(frozen=True)
class ClassicSolution:
    model: ClassicModel
    outcome: SolveOutcome
    sites: list[str]               # the p sites opened
    assignment: dict[str, str]     # centre -> site serving it (p-median, p-center) or the nearest open site (MCLP)
    objective: float               # weighted RTT [MW*ms] (p-median), worst RTT [ms] (p-center), covered MW (MCLP)


def _build(inst: LocationInstance, model: ClassicModel, p: int, radius_ms: float | None
           ) -> tuple[pulp.LpProblem, list[pulp.LpVariable], dict[tuple[int, int], pulp.LpVariable]]:
    n_i, n_j = inst.rtt_ms.shape
    sense = pulp.LpMaximize if model == "mclp" else pulp.LpMinimize
    prob = pulp.LpProblem(model.replace("-", "_"), sense)
    x = [prob.add_variable(f"x_{j}", cat="Binary") for j in range(n_j)]
    prob += pulp.lpSum(x) == p, "p_sites"
    y: dict[tuple[int, int], pulp.LpVariable] = {}
    if model == "mclp":
        if radius_ms is None:
            raise RequestError("the maximal covering model needs a radius: radius_ms, or a class with max_rtt_ms",
                               field="radius_ms")
        z = [prob.add_variable(f"z_{i}", cat="Binary") for i in range(n_i)]
        prob += pulp.lpSum(float(inst.weight_mw[i]) * z[i] for i in range(n_i))
        for i in range(n_i):
            prob += z[i] <= pulp.lpSum(x[j] for j in range(n_j) if inst.rtt_ms[i, j] <= radius_ms), f"cover_{i}"
        return prob, x, y
    y = {(i, j): prob.add_variable(f"y_{i}_{j}", lowBound=0) for i in range(n_i) for j in range(n_j)}
    for i in range(n_i):
        prob += pulp.lpSum(y[i, j] for j in range(n_j)) == 1, f"assign_{i}"
        for j in range(n_j):
            prob += y[i, j] <= x[j], f"open_{i}_{j}"
    if model == "p-median":
        prob += pulp.lpSum(float(inst.weight_mw[i] * inst.rtt_ms[i, j]) * y[i, j] for (i, j) in y)
    else:
        w = prob.add_variable("W", lowBound=0)
        prob += w
        for i in range(n_i):
            prob += pulp.lpSum(float(inst.rtt_ms[i, j]) * y[i, j] for j in range(n_j)) <= w, f"worst_{i}"
    return prob, x, y


def solve_classic(inst: LocationInstance, model: ClassicModel, p: int, radius_ms: float | None = None,
                  solver: SolverName = "highs", time_limit_s: float | None = None) -> ClassicSolution:
    """Solve one classic model exactly (module docstring) and return the sites it opens."""
    inst.check(p)
    prob, x, y = _build(inst, model, p, radius_ms)
    outcome = solve_model(prob, solver, time_limit_s=time_limit_s, mip_gap=1e-9)
    if outcome.objective is None:
        return ClassicSolution(model, outcome, [], {}, float("nan"))
    opened = [j for j, v in enumerate(x) if (v.value() or 0) > 0.5]
    assignment = {}
    for i, centre in enumerate(inst.centres):
        if y:
            j = max(opened, key=lambda jj: y[i, jj].value() or 0.0)
        else:
            j = min(opened, key=lambda jj: inst.rtt_ms[i, jj])
        assignment[centre] = inst.sites[j]
    objective = float(pulp.value(prob.objective))  # in the model's own sense (MCLP: covered MW, maximised)
    return ClassicSolution(model, outcome, [inst.sites[j] for j in opened], assignment, objective)
