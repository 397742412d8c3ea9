"""PuLP emitter: the arrays of :mod:`siting.optimization.model` as a ``pulp.LpProblem``.

For CBC, and for users who want the model as PuLP objects (to add their own
constraints, write an MPS/LP file or call another PuLP solver).  The problem is
built from the arrays in bulk: one affine expression per row from the sorted
coordinate arrays, no per-term Python logic.  Constraint labels are the
readable row names of the families (``site-capacity[chongqing]``); PuLP's own
names are ``c0, c1, ...`` because it rewrites brackets and commas.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pulp

from siting.optimization.model import ModelArrays, PeriodArrays, Solution
from siting.optimization.solve import SolveOutcome, SolverName, cbc_outcome, make_pulp_solver, outcome_from_highs


@dataclass
class PulpModel:
    """A built ``pulp.LpProblem`` with its columns in model order and its rows by label."""

    arrays: ModelArrays
    prob: pulp.LpProblem
    variables: list[pulp.LpVariable]
    rows: list[pulp.LpConstraint] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def constraint(self, label: str) -> pulp.LpConstraint | None:
        try:
            return self.rows[self.labels.index(label)]
        except ValueError:
            return None


def _names(arrays: ModelArrays) -> list[str]:
    if isinstance(arrays, PeriodArrays):  # a multi-period model names its columns with their year
        return list(arrays.names)
    p, c = arrays.problem, arrays.columns
    names = [f"open_{s}" for s in p.sites]
    names += [f"alloc_{k}_{i}_{j}" for k, i, j in zip(c.ks.tolist(), c.is_.tolist(), c.js.tolist(), strict=True)]
    names += [f"subsidy_{n}" for n in range(c.n_sub)]
    names += [f"green_{o.site}_{o.option_id}" for o in p.green_offers]
    names += list(c.extra)
    names += [f"slack_{n}" for n in range(c.n_slack)]
    return names


def to_pulp(arrays: ModelArrays, name: str = "siting") -> PulpModel:
    """Write the model out as a ``pulp.LpProblem`` (minimise)."""
    c = arrays.columns
    prob = pulp.LpProblem(name, pulp.LpMinimize)
    variables = [
        prob.add_variable(n, lowBound=float(lo) if np.isfinite(lo) else None,
                          upBound=float(hi) if np.isfinite(hi) else None,
                          cat=pulp.LpInteger if integer else pulp.LpContinuous)
        for n, lo, hi, integer in zip(_names(arrays), c.lower, c.upper, c.integer, strict=True)
    ]
    model = PulpModel(arrays, prob, variables)
    prob.setObjective(pulp.LpAffineExpression(zip(variables, c.cost.tolist(), strict=True)))
    for fam in arrays.families:
        order = np.argsort(fam.rows, kind="stable")
        rows, cols, vals = fam.rows[order], fam.cols[order].tolist(), fam.vals[order].tolist()
        bounds = np.searchsorted(rows, np.arange(fam.n_rows + 1))
        for r, label in enumerate(fam.labels()):
            a, b = int(bounds[r]), int(bounds[r + 1])
            expr = pulp.LpAffineExpression([(variables[k], v) for k, v in zip(cols[a:b], vals[a:b], strict=True)])
            lo, hi = float(fam.lower[r]), float(fam.upper[r])
            if lo == hi:
                con = pulp.LpConstraint(expr, pulp.LpConstraintEQ, rhs=lo)
            elif np.isfinite(hi):
                con = pulp.LpConstraint(expr, pulp.LpConstraintLE, rhs=hi)
            else:
                con = pulp.LpConstraint(expr, pulp.LpConstraintGE, rhs=lo)
            prob.addConstraint(con, name=f"c{len(model.rows)}")
            model.rows.append(con)
            model.labels.append(label)
    return model


def solve_pulp(
    model: PulpModel, solver: SolverName = "cbc", *, time_limit_s: float | None = None,
    mip_gap: float | None = None,
) -> Solution:
    """Solve with a PuLP solver (``cbc``, or ``highs`` through PuLP); never raises on a solver failure."""
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            model.prob.solve(make_pulp_solver(solver, time_limit_s, mip_gap))
    except Exception as exc:  # a solver or interface failure is an outcome, never an exception out of a solve
        failed = SolveOutcome("error", None, time.perf_counter() - t0, solver, None, f"{type(exc).__name__}: {exc}")
        return Solution(model.arrays, failed, None)
    seconds = time.perf_counter() - t0
    if solver == "highs":
        outcome = outcome_from_highs(model.prob.solverModel, seconds, "highs-pulp")
    else:
        outcome = cbc_outcome(model.prob, seconds)
    if outcome.objective is None:
        return Solution(model.arrays, outcome, None)
    x = np.array([v.varValue or 0.0 for v in model.variables])
    duals = None
    if not model.arrays.columns.integer.any():
        pis = [con.pi for con in model.rows]
        if all(pi is not None for pi in pis):
            duals = np.array(pis, dtype=float)
    return Solution(model.arrays, outcome, x, duals)
