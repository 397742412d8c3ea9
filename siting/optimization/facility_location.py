"""Generic facility location (capacitated or not), solved by the site-selection core.

A :class:`FacilityLocationProblem` (fixed costs, capacities, demands, and the
cost of serving all of a customer's demand from a facility) funnels into the
same :class:`~siting.optimization.problem.SiteProblem` and MILP as a site request: one
workload class, customers as demand centres, facilities as sites, and
``c[1, i, j] = cost[i, j] / demand[i]`` per unit of demand, with the strong
linking constraints ``alloc[i, j] <= demand[i] open[j]``.  Customers may be
split across facilities (multiple sourcing), as in Beasley's OR-Library.

Validated against the published optima of OR-Library's cap and capa/capb
instances (``tests/test_facility_location.py``, ``bench/bench_orlib.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from siting.optimization.emit_highs import HighsModel
from siting.optimization.emit_pulp import solve_pulp, to_pulp
from siting.optimization.model import ModelArrays, Solution, define
from siting.optimization.problem import SiteProblem
from siting.optimization.solve import SolveOutcome, SolverName

FloatArray = npt.NDArray[np.float64]
Backend = Literal["direct", "pulp"]


def solve_arrays(arrays: ModelArrays, solver: SolverName = "highs", backend: Backend = "direct", *,
                 time_limit_s: float | None = None, mip_gap: float | None = 1e-9) -> Solution:
    """Solve a model on an emitter: ``"direct"`` with HiGHS passes the arrays to highspy in one call
    (:mod:`siting.optimization.emit_highs`); otherwise the PuLP emitter writes the same model out
    (:mod:`siting.optimization.emit_pulp`) and ``solver`` (HiGHS or CBC) solves it."""
    if backend == "direct" and solver == "highs":
        return HighsModel(arrays).solve(time_limit_s=time_limit_s, mip_gap=mip_gap)
    return solve_pulp(to_pulp(arrays), solver, time_limit_s=time_limit_s, mip_gap=mip_gap)


@dataclass(frozen=True)
class FacilityLocationProblem:
    """fixed_cost (J,), capacity (J,), demand (I,), cost (I, J): cost of serving ALL of i from j."""

    fixed_cost: FloatArray
    capacity: FloatArray
    demand: FloatArray
    cost: FloatArray

    @classmethod
    def from_orlib(cls, path: str | Path, capacity: float | None = None) -> FacilityLocationProblem:
        """Read an OR-Library cap file; ``capacity`` replaces the literal word 'capacity' (capa/capb)."""
        tokens = Path(path).read_text().split()
        m, n = int(tokens[0]), int(tokens[1])
        pos = 2
        cap = np.empty(m)
        fixed = np.empty(m)
        for j in range(m):
            word = tokens[pos]
            cap[j] = float(capacity if capacity is not None else np.inf) if word == "capacity" else float(word)
            fixed[j] = float(tokens[pos + 1])
            pos += 2
        demand = np.empty(n)
        cost = np.empty((n, m))
        for i in range(n):
            demand[i] = float(tokens[pos])
            cost[i] = np.array(tokens[pos + 1:pos + 1 + m], dtype=float)
            pos += 1 + m
        return cls(fixed, cap, demand, cost)

    def uncapacitated(self) -> FacilityLocationProblem:
        return FacilityLocationProblem(self.fixed_cost, np.full_like(self.capacity, np.inf), self.demand, self.cost)

    def to_site_problem(self) -> SiteProblem:
        n, m = self.cost.shape
        total = float(self.demand.sum())
        cap = np.minimum(self.capacity, total)
        unit = (self.cost / self.demand[:, None])[None, :, :]
        return SiteProblem(
            sites=[f"f{j + 1}" for j in range(m)], centres=[f"c{i + 1}" for i in range(n)], classes=["all"],
            demand_mw=self.demand[None, :].astype(float), unit_cost=unit, allowed=np.ones((1, n, m), dtype=bool),
            fixed_cost=self.fixed_cost.astype(float), capacity_mw=cap, strong_linking=True,
        )


@dataclass(frozen=True)
class FacilityLocationSolution:
    outcome: SolveOutcome
    open: FloatArray  # (J,)
    fraction: FloatArray  # (I, J): share of customer i served by j

    @property
    def objective(self) -> float | None:
        return self.outcome.objective


def solve_facility_location(
    problem: FacilityLocationProblem,
    solver: SolverName = "highs",
    time_limit_s: float | None = None,
    mip_gap: float | None = 1e-9,
    backend: Backend = "direct",
) -> FacilityLocationSolution:
    """Solve exactly (relative gap 1e-9 by default) through the site-selection MILP.

    ``backend="direct"`` (default) passes the model to HiGHS in one call
    (:mod:`siting.optimization.emit_highs`); ``"pulp"`` writes the same model out with PuLP
    (:mod:`siting.optimization.emit_pulp`) and solves it with ``solver`` (HiGHS or CBC).
    """
    solution = solve_arrays(define(problem.to_site_problem()), solver, backend, time_limit_s=time_limit_s,
                            mip_gap=mip_gap)
    return FacilityLocationSolution(solution.outcome, solution.open(), solution.alloc()[0] / problem.demand[:, None])
