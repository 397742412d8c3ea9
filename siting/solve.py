"""Solver back end: HiGHS in-process through PuLP, CBC as the fallback.

``solve_model`` never raises on an infeasible or time-limited model: it returns
a :class:`SolveOutcome` whose ``status`` is one of ``optimal``, ``time_limit``
(a feasible solution with the remaining relative ``mip_gap``), ``no_solution``
(the time limit came before any feasible solution), ``infeasible``,
``unbounded`` or ``error``.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Literal

import pulp

from .errors import SolverError

SolverName = Literal["highs", "cbc"]


@dataclass(frozen=True)
class SolveOutcome:
    status: str
    objective: float | None
    solve_seconds: float
    solver: str
    mip_gap: float | None = None
    message: str = ""


def available_solvers() -> list[str]:
    found = pulp.listSolvers(onlyAvailable=True)
    return [name for name, key in (("highs", "HiGHS"), ("cbc", "PULP_CBC_CMD")) if key in found]


def _make_solver(solver: SolverName, time_limit_s: float | None, mip_gap: float | None,
                 threads: int | None) -> pulp.LpSolver:
    if solver == "highs":
        return pulp.HiGHS(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, threads=threads)
    if solver == "cbc":
        # PuLP 3.x deprecates its bundled CBC in favour of a separately installed one; the bundled
        # binary is still the only CBC a plain `pip install pulp` provides, so keep it (pulp < 4).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, threads=threads)
    raise SolverError(f"solver = {solver!r} is not one of highs, cbc", field="solver")


def _highs_outcome(prob: pulp.LpProblem, seconds: float) -> SolveOutcome:
    import highspy

    h = prob.solverModel
    status = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    objective = float(h.getObjectiveValue()) if has_solution else None
    gap = float(info.mip_gap) if info.mip_node_count >= 0 and has_solution else None
    if status == S.kOptimal:
        return SolveOutcome("optimal", objective, seconds, "highs", gap)
    if status in (S.kInfeasible, S.kUnboundedOrInfeasible):
        return SolveOutcome("infeasible", None, seconds, "highs", None, h.modelStatusToString(status))
    if status == S.kUnbounded:
        return SolveOutcome("unbounded", None, seconds, "highs")
    if status in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt, S.kSolutionLimit):
        if has_solution:
            return SolveOutcome("time_limit", objective, seconds, "highs", gap, h.modelStatusToString(status))
        return SolveOutcome("no_solution", None, seconds, "highs", None,
                            f"{h.modelStatusToString(status)} before any feasible solution was found")
    return SolveOutcome("error", None, seconds, "highs", None, h.modelStatusToString(status))


def _cbc_outcome(prob: pulp.LpProblem, seconds: float) -> SolveOutcome:
    objective = pulp.value(prob.objective)
    if prob.status == pulp.LpStatusOptimal:
        if prob.sol_status == pulp.LpSolutionIntegerFeasible:
            return SolveOutcome("time_limit", objective, seconds, "cbc", None, "stopped at the time limit")
        return SolveOutcome("optimal", objective, seconds, "cbc")
    if prob.status == pulp.LpStatusInfeasible:
        return SolveOutcome("infeasible", None, seconds, "cbc")
    if prob.status == pulp.LpStatusUnbounded:
        return SolveOutcome("unbounded", None, seconds, "cbc")
    return SolveOutcome("error", None, seconds, "cbc", None, pulp.LpStatus[prob.status])


def solve_model(
    prob: pulp.LpProblem,
    solver: SolverName = "highs",
    *,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
) -> SolveOutcome:
    """Solve ``prob`` in place (variables receive values) and report the outcome.

    ``solver="highs"`` falls back to CBC when highspy is not importable.
    """
    if solver == "highs" and "highs" not in available_solvers():
        solver = "cbc"
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            prob.solve(_make_solver(solver, time_limit_s, mip_gap, threads))
    except Exception as exc:  # a solver or interface failure is an outcome, never an exception out of a solve
        return SolveOutcome("error", None, time.perf_counter() - t0, solver, None, f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - t0
    return _highs_outcome(prob, seconds) if solver == "highs" else _cbc_outcome(prob, seconds)
