"""Which emitter solves a model: HiGHS directly (``solver="highs"``), or PuLP with CBC (``"cbc"``).

:func:`solve` solves a model once; :class:`ProblemModel` holds one for repeated
solves in which only coefficients change (break-evens, tornado, Monte Carlo),
updating HiGHS in place and rebuilding the PuLP problem for CBC.  Every
analysis goes through one of the two, so each honours the chosen solver and
time limit.
"""

from __future__ import annotations

import numpy.typing as npt

from siting.errors import SolverError
from siting.optimization.emit_highs import HighsModel
from siting.optimization.emit_pulp import solve_pulp, to_pulp
from siting.optimization.model import ModelArrays, Solution, define
from siting.optimization.problem import SiteProblem
from siting.optimization.solve import SolverName, available_solvers

SOLVERS = ("highs", "cbc")


def _check(solver: str) -> SolverName:
    if solver not in SOLVERS:
        raise SolverError(f"solver = {solver!r} is not one of {', '.join(SOLVERS)}", field="solver")
    if solver == "highs" and "highs" not in available_solvers():
        return "cbc"
    return solver  # type: ignore[return-value]


def solve(arrays: ModelArrays, solver: SolverName = "highs", *, time_limit_s: float | None = None,
          mip_gap: float | None = None) -> Solution:
    """Solve a model once on the chosen solver; never raises on infeasibility or solver failure."""
    if _check(solver) == "highs":
        return HighsModel(arrays).solve(time_limit_s=time_limit_s, mip_gap=mip_gap)
    return solve_pulp(to_pulp(arrays), "cbc", time_limit_s=time_limit_s, mip_gap=mip_gap)


class ProblemModel:
    """A :class:`SiteProblem`'s model on the chosen solver, re-solved after coefficient changes."""

    def __init__(self, problem: SiteProblem, solver: SolverName = "highs", *,
                 fixed_open: npt.NDArray | None = None) -> None:
        self.solver = _check(solver)
        self.fixed_open = fixed_open
        self.problem = problem
        self.arrays = define(problem, fixed_open=fixed_open)
        self._highs = HighsModel(self.arrays) if self.solver == "highs" else None

    def update(self, problem: SiteProblem) -> bool:
        """Load ``problem``; True if the solver's model was updated in place."""
        self.problem = problem
        self.arrays = define(problem, fixed_open=self.fixed_open)
        return self._highs.update(self.arrays) if self._highs is not None else False

    def solve(self, *, time_limit_s: float | None = None, mip_gap: float | None = 1e-6) -> Solution:
        if self._highs is not None:
            return self._highs.solve(time_limit_s=time_limit_s, mip_gap=mip_gap)
        return solve_pulp(to_pulp(self.arrays), "cbc", time_limit_s=time_limit_s, mip_gap=mip_gap)
