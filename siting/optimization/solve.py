"""Solver back end: HiGHS (in process, through highspy), CBC through PuLP as the fallback.

Everything the project knows about talking to HiGHS lives here, so that a new
highspy release is absorbed in one module:

* :func:`new_highs` is the only way the project creates a ``highspy.Highs``:
  quiet (``output_flag`` off) and with the process-wide thread count.  highspy
  1.16 prints a two-line banner on **stdout** from the first ``Highs()`` of a
  process, before any option can be set; :func:`_absorb_banner` creates that
  first object while file descriptor 1 is redirected, drops the banner and
  forwards anything else HiGHS printed to stderr (real errors are never
  swallowed).  It runs once per process, at import of this module, so every
  process that solves (CLI, API, job worker, process-pool and Dask workers)
  is covered; PuLP's own ``Highs()`` objects come later and print nothing.
* HiGHS keeps one thread scheduler per process, and since 1.16 a ``run`` with a
  different ``threads`` option fails (``kError`` with model status
  ``kNotset``).  The project therefore uses one thread count for every HiGHS
  object, :func:`solver_threads` (``SITING_SOLVER_THREADS``, default 1), and
  changes it only through :func:`set_solver_threads`.
* :func:`outcome_from_highs` maps HiGHS statuses to the project's vocabulary,
  comparing against highspy's enums (never raw integers), for both emitters
  (:mod:`siting.optimization.emit_highs`, :mod:`siting.optimization.emit_pulp`);
  :func:`cbc_outcome` does the same for CBC.

``solve_model`` solves any ``pulp.LpProblem`` (the project's own models go through
:mod:`siting.optimization.backends`).  Neither raises on an infeasible or time-limited model: it returns
a :class:`SolveOutcome` whose ``status`` is one of ``optimal``, ``time_limit``
(a feasible solution with the remaining relative ``mip_gap``), ``no_solution``
(the time limit came before any feasible solution), ``infeasible``,
``unbounded`` or ``error``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import pulp

from siting.errors import SolverError

SolverName = Literal["highs", "cbc"]
STATUSES = ("optimal", "time_limit", "no_solution", "infeasible", "unbounded", "error")

# Lines of the banner that highspy (1.16) prints on stdout from the first Highs() of a process.
_BANNER_PREFIXES = ("Running HiGHS", "Includes third-party software components")


@dataclass(frozen=True)
class SolveOutcome:
    status: str
    objective: float | None
    solve_seconds: float
    solver: str
    mip_gap: float | None = None
    message: str = ""


def _threads_from_env() -> int:
    text = os.environ.get("SITING_SOLVER_THREADS", "1").strip() or "1"
    try:
        n = int(text)
    except ValueError:
        raise SolverError(f"SITING_SOLVER_THREADS = {text!r} is not an integer (0 = HiGHS's automatic choice)",
                          field="SITING_SOLVER_THREADS") from None
    if not 0 <= n <= 256:
        raise SolverError(f"SITING_SOLVER_THREADS = {n} is outside 0..256", field="SITING_SOLVER_THREADS")
    return n


_threads = _threads_from_env()
_lock = threading.Lock()


def solver_threads() -> int:
    """HiGHS threads used by every solver object of this process (0 = HiGHS's automatic choice)."""
    return _threads


def set_solver_threads(n: int) -> None:
    """Change the process-wide HiGHS thread count; call it only while no solve is running."""
    global _threads
    if not 0 <= n <= 256:
        raise SolverError(f"threads = {n} is outside 0..256", field="threads")
    with _lock:
        if n != _threads:
            try:
                import highspy
            except ImportError:  # CBC only: nothing to reset
                pass
            else:
                highspy.Highs.resetGlobalScheduler(True)
            _threads = n


def _absorb_banner() -> None:
    """Create this process's first ``Highs()`` with stdout redirected; drop the banner, forward the rest."""
    try:
        import highspy
    except ImportError:
        return
    with _lock:
        sys.stdout.flush()
        saved = os.dup(1)
        with tempfile.TemporaryFile() as captured:
            try:
                os.dup2(captured.fileno(), 1)
                h = highspy.Highs()
                h.setOptionValue("output_flag", False)
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace")
    rest = [line for line in text.splitlines() if line.strip() and not line.startswith(_BANNER_PREFIXES)]
    if rest:
        print("\n".join(rest), file=sys.stderr)


_absorb_banner()


def new_highs() -> Any:
    """A quiet ``highspy.Highs`` using the process-wide thread count."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", _threads)
    return h


def outcome_from_highs(h: Any, seconds: float, solver: str, run_status: Any = None) -> SolveOutcome:
    """Map a solved ``highspy.Highs`` to a :class:`SolveOutcome` (the one status table of the project).

    ``run_status`` is what ``h.run()`` returned; a ``kError`` with no model status is an error with
    HiGHS's reason rather than a silent "Not Set".
    """
    import highspy

    M = highspy.HighsModelStatus
    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    objective = float(h.getObjectiveValue()) if has_solution else None
    gap = float(info.mip_gap) if has_solution and info.mip_node_count >= 0 else None
    text = h.modelStatusToString(status)
    if status == M.kOptimal and has_solution:
        return SolveOutcome("optimal", objective, seconds, solver, gap)
    if status in (M.kInfeasible, M.kUnboundedOrInfeasible):
        return SolveOutcome("infeasible", None, seconds, solver, None, text)
    if status == M.kUnbounded:
        return SolveOutcome("unbounded", None, seconds, solver, None, text)
    if status in (M.kTimeLimit, M.kIterationLimit, M.kInterrupt, M.kSolutionLimit):
        if has_solution:
            return SolveOutcome("time_limit", objective, seconds, solver, gap, text)
        return SolveOutcome("no_solution", None, seconds, solver, None,
                            f"{text} before any feasible solution was found")
    if run_status is not None and run_status == highspy.HighsStatus.kError:
        text = f"HiGHS returned an error ({text}); see the messages on stderr"
    return SolveOutcome("error", None, seconds, solver, None, text)


def available_solvers() -> list[str]:
    found = pulp.listSolvers(onlyAvailable=True)
    return [name for name, key in (("highs", "HiGHS"), ("cbc", "PULP_CBC_CMD")) if key in found]


def make_pulp_solver(solver: SolverName, time_limit_s: float | None, mip_gap: float | None) -> pulp.LpSolver:
    if solver == "highs":
        return pulp.HiGHS(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, threads=_threads)
    if solver == "cbc":
        # PuLP 3.x deprecates its bundled CBC in favour of a separately installed one; the bundled
        # binary is still the only CBC a plain `pip install pulp` provides, so keep it (pulp < 4).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=mip_gap,
                                     threads=_threads or None)
    raise SolverError(f"solver = {solver!r} is not one of highs, cbc", field="solver")


def cbc_outcome(prob: pulp.LpProblem, seconds: float) -> SolveOutcome:
    objective = pulp.value(prob.objective)
    if prob.status == pulp.LpStatusOptimal:
        if prob.sol_status == pulp.LpSolutionIntegerFeasible:
            return SolveOutcome("time_limit", objective, seconds, "cbc", None, "stopped at the time limit")
        return SolveOutcome("optimal", objective, seconds, "cbc")
    if prob.status == pulp.LpStatusInfeasible:
        return SolveOutcome("infeasible", None, seconds, "cbc")
    if prob.status == pulp.LpStatusUnbounded:
        return SolveOutcome("unbounded", None, seconds, "cbc")
    if prob.status == pulp.LpStatusNotSolved and prob.sol_status == pulp.LpSolutionNoSolutionFound:
        return SolveOutcome("no_solution", None, seconds, "cbc", None,
                            "stopped at the time limit before any feasible solution was found")
    return SolveOutcome("error", None, seconds, "cbc", None, pulp.LpStatus[prob.status])


def solve_model(
    prob: pulp.LpProblem,
    solver: SolverName = "highs",
    *,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
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
            prob.solve(make_pulp_solver(solver, time_limit_s, mip_gap))
    except Exception as exc:  # a solver or interface failure is an outcome, never an exception out of a solve
        return SolveOutcome("error", None, time.perf_counter() - t0, solver, None, f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - t0
    return outcome_from_highs(prob.solverModel, seconds, "highs") if solver == "highs" else cbc_outcome(prob, seconds)
