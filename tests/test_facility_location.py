"""The generic facility-location solve reproduces OR-Library's published optima (Beasley 1988)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from siting.optimization.facility_location import FacilityLocationProblem, solve_facility_location

from .helpers import DATA

with (DATA / "orlib" / "optima.csv").open(encoding="utf-8") as _f:
    OPTIMA = list(csv.DictReader(_f))


@pytest.mark.parametrize("backend", ["pulp", "direct"])
@pytest.mark.parametrize("row", OPTIMA, ids=[f"{r['instance']}-{r['problem']}" for r in OPTIMA])
def test_orlib_optimum_reproduced(row: dict[str, str], backend: str) -> None:
    problem = FacilityLocationProblem.from_orlib(DATA / "orlib" / f"{row['instance']}.txt")
    if row["problem"] == "uncapacitated":
        problem = problem.uncapacitated()
    solution = solve_facility_location(problem, backend=backend)  # type: ignore[arg-type]
    assert solution.outcome.status == "optimal"
    published = float(row["optimum"])
    assert solution.objective == pytest.approx(published, rel=1e-6)
    # post-solve checks: every customer fully served, only from open facilities, capacities kept
    assert solution.fraction.sum(axis=1) == pytest.approx([1.0] * len(problem.demand), abs=1e-7)
    assert (solution.fraction <= solution.open[None, :] + 1e-9).all()
    load = (solution.fraction * problem.demand[:, None]).sum(axis=0)
    assert (load <= problem.capacity + 1e-6).all()


def test_cbc_fallback_agrees_with_highs() -> None:
    problem = FacilityLocationProblem.from_orlib(DATA / "orlib" / "cap41.txt")
    highs = solve_facility_location(problem, solver="highs", backend="pulp")
    cbc = solve_facility_location(problem, solver="cbc", backend="pulp")
    assert cbc.outcome.solver == "cbc"
    assert cbc.objective == pytest.approx(highs.objective, rel=1e-6)


def test_orlib_reader_shapes() -> None:
    p = FacilityLocationProblem.from_orlib(DATA / "orlib" / "cap82.txt")
    assert p.cost.shape == (50, 25)
    assert p.fixed_cost.shape == (25,)
    assert (p.demand > 0).all()


@pytest.mark.parametrize("backend", ["pulp", "direct"])
def test_time_limit_is_reported_not_raised(backend: str) -> None:
    # a seeded 60 x 600 UFL instance that takes HiGHS well over the 10 ms limit
    rng = np.random.default_rng(3)
    m, n = 60, 600
    xy_f, xy_c = rng.uniform(0, 100, (m, 2)), rng.uniform(0, 100, (n, 2))
    demand = rng.uniform(1, 10, n)
    cost = np.linalg.norm(xy_c[:, None, :] - xy_f[None, :, :], axis=2) * demand[:, None]
    problem = FacilityLocationProblem(rng.uniform(500, 1500, m), np.full(m, np.inf), demand, cost)
    exact = solve_facility_location(problem)
    assert exact.outcome.status == "optimal"
    limited = solve_facility_location(problem, time_limit_s=0.01, backend=backend)  # type: ignore[arg-type]
    assert limited.outcome.status in ("time_limit", "no_solution")
    if limited.outcome.status == "time_limit":
        assert limited.objective is not None and exact.objective is not None
        assert limited.objective >= exact.objective * (1 - 1e-9)
        assert limited.outcome.mip_gap is not None and limited.outcome.mip_gap > 0
    else:
        assert "before any feasible solution" in limited.outcome.message
