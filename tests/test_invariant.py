"""One invariant across every command (issue 25, item 3): every plan a command returns passes the plan evaluator.

``evaluate(request, catalog, plan)`` (:mod:`siting.optimization.evaluate`) rebuilds the request's problem from
scratch and checks every row of every constraint family, the bounds (locked, excluded) and the allowed pairs
(latency, residency).  The plans checked:

- ``optimize``: the allocation of the result;
- ``result.alternatives`` (the next-best plans) and every ``pareto`` point, which give MW per site: the cheapest
  allocation of exactly those MW (found with the model, site counts and budget left to the evaluator) must
  exist and pass;
- each year of ``stage``: that year's allocation against the request as it stands that year
  (:func:`siting.optimization.staging.year_request`);
- the ``robust`` candidates and the classic views' costed plans, which give site sets: the plan on exactly those
  sites (as robust costs it, :func:`siting.analysis.robust._plan_of`) must pass, at the cost the command shows;
- ``compare``: each scenario's allocation against the scenario's own request and catalog.

On the examples in the default run, and on 50 seeded random requests that between them switch on every rule
(``random_request`` of tests/test_model.py) in the slow run.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import siting
from siting.analysis.classic import classic_views
from siting.analysis.compare import compare_scenarios
from siting.analysis.pareto import pareto
from siting.analysis.robust import _plan_of, robust
from siting.analysis.scenarios import parse_scenario
from siting.data.catalog import Catalog
from siting.data.request import SiteRequest
from siting.errors import RequestError
from siting.optimization.backends import solve
from siting.optimization.evaluate import evaluate
from siting.optimization.model import define
from siting.optimization.problem import SiteProblem, build_site_problem
from siting.optimization.results import OptimizationResult
from siting.optimization.staging import StagingOptions, stage, year_request

from .test_model import random_request

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
SCENARIOS = ROOT / "examples" / "scenarios"
FloatArray = np.ndarray


def _passes(request: SiteRequest, catalog: Catalog, alloc: FloatArray, what: str) -> None:
    violations = evaluate(request, catalog, alloc).violations
    assert violations == [], (what, [v.message for v in violations])


def _allocation(p: SiteProblem, result: OptimizationResult) -> FloatArray:
    """(K, I, J) allocation of a result's table [MW]."""
    alloc = np.zeros(p.shape)
    for row in result.allocation.itertuples(index=False):
        alloc[p.classes.index(str(row[0])), p.centres.index(str(row[1])), p.sites.index(str(row[2]))] += float(row[3])
    return alloc


def _allocation_at(p: SiteProblem, site_mw: dict[str, float]) -> FloatArray:
    """The cheapest allocation placing exactly ``site_mw`` at each site within the request's pair rules (latency,
    residency, service levels, shares, campus); site counts, capacity and budget are left to the evaluator."""
    mw = np.array([float(site_mw.get(s, 0.0)) for s in p.sites])
    used = mw > 1e-6
    # 1e-4 MW of room per site (the MW are rounded), within the site's capacity
    room = np.minimum(mw + 1e-4, p.capacity_mw)
    fixed = replace(p, capacity_mw=np.where(used, room, 0.0), locked=used, excluded=~used, min_sites=0,
                    max_sites=None, budget_yuan_per_year=None, capacity_reason={})
    solution = solve(define(fixed), "highs")
    assert solution.outcome.status == "optimal", ("no allocation of", site_mw, "meets the rules")
    return solution.alloc()


def _check_optimize(request: SiteRequest, catalog: Catalog) -> OptimizationResult:
    """optimize (with its next-best plans) and its alternatives."""
    p = build_site_problem(catalog, request)
    result = siting.optimize(request, catalog, explain=True)
    if result.status != "optimal":
        assert result.status == "infeasible" and result.diagnosis and result.allocation.empty
        return result
    _passes(request, catalog, _allocation(p, result), "optimize")
    for n, alt in enumerate(result.alternatives):
        _passes(request, catalog, _allocation_at(p, alt["sites"]), f"alternatives[{n}] {alt['sites']}")
    return result


def _check_stage(request: SiteRequest, catalog: Catalog, years: int) -> None:
    plan = stage(request, catalog, StagingOptions(years=years, build_block_mw=10))
    if plan.status != "optimal":
        assert plan.status == "infeasible" and plan.diagnosis and plan.pv_cost_yuan is None
        return
    for year, load, alloc in zip(plan.years, plan.load_mw, plan.allocation_mw, strict=True):
        _passes(year_request(request, year, load), catalog, alloc, f"stage {year}")


def _check_pareto(request: SiteRequest, catalog: Catalog) -> None:
    p = build_site_problem(catalog, request)
    criteria = ["rtt"] if request.emissions_accounting == "market" else ["rtt", "emissions"]
    for criterion in criteria:
        frontier = pareto(request, catalog, criterion=criterion, points=3)  # type: ignore[arg-type]
        for point in frontier.points:
            _passes(request, catalog, _allocation_at(p, point["sites_mw"]), f"pareto {criterion} {point}")


def _check_site_set(request: SiteRequest, catalog: Catalog, sites: list[str], cost: float, what: str) -> None:
    p = build_site_problem(catalog, request)
    plan = _plan_of(p, sites, "highs")
    assert plan is not None, (what, "no plan on exactly", sites)
    opened, alloc = plan
    _passes(request, catalog, alloc, what)
    assert evaluate(request, catalog, alloc).total_yuan_per_year == pytest.approx(cost, rel=1e-6)


def _check_robust(request: SiteRequest, catalog: Catalog) -> None:
    result = robust(request, catalog, samples=6, seed=1, workers=1)
    for c in result.candidates:
        _check_site_set(request, catalog, c["sites"], c["cost_at_catalog_values_yuan_per_year"],
                        f"robust candidate {c['sites']}")


def _check_classic(request: SiteRequest, catalog: Catalog) -> None:
    views = classic_views(request, catalog)
    for row in views.rows:
        if row.cost_yuan_per_year is not None:
            _check_site_set(request, catalog, row.costed_sites, row.cost_yuan_per_year,
                            f"classic {row.view} {row.costed_sites}")


def _check_compare(scenarios: list[Any], catalog: Catalog) -> None:
    comparison = compare_scenarios(scenarios, catalog, explain=False)
    for outcome in comparison.outcomes:
        if outcome.result.status == "optimal":
            req, cat = outcome.scenario.apply({}, catalog)
            _passes(req, cat, outcome.alloc(), f"compare {outcome.scenario.name}")


def _request(path: Path) -> SiteRequest:
    return siting.parse_request(yaml.safe_load(path.read_text(encoding="utf-8")))


# -- the examples (default run) ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_optimize_and_its_alternatives_pass_the_evaluator(catalog: Catalog, path: Path) -> None:
    result = _check_optimize(_request(path), catalog)
    assert result.status == "optimal" and result.alternatives  # the examples are feasible, with other plans


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_year_of_stage_passes_the_evaluator(catalog: Catalog, path: Path) -> None:
    _check_stage(_request(path), catalog, years=8)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_pareto_point_passes_the_evaluator(catalog: Catalog, path: Path) -> None:
    _check_pareto(_request(path), catalog)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_robust_candidates_and_classic_costed_plans_pass_the_evaluator(catalog: Catalog, path: Path) -> None:
    _check_robust(_request(path), catalog)
    _check_classic(_request(path), catalog)


def test_compare_plans_pass_the_evaluator(catalog: Catalog) -> None:
    scenarios = [parse_scenario(yaml.safe_load((SCENARIOS / f).read_text(encoding="utf-8")), base_dir=SCENARIOS)
                 for f in ("base.yaml", "carbon-100.yaml", "latency-20ms.yaml", "zhongwei-aws-deal.yaml")]
    _check_compare(scenarios, catalog)


# -- 50 seeded random requests with every rule (slow) ---------------------------------------------------------------

# Known defects outside this branch's files, found by this test (strict: each mark fails once its defect is fixed).
SEEDS = range(50)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_every_command_passes_the_evaluator_on_random_requests(catalog: Catalog, seed: int) -> None:
    data = random_request(catalog, seed)
    request = siting.parse_request(data)
    result = _check_optimize(request, catalog)
    _check_stage(request, catalog, years=5)
    _check_compare([parse_scenario({"name": "base", "request": data}),
                    parse_scenario({"name": "carbon", "request": data,
                                    "overrides": {"request.carbon_price_yuan_per_t": 150}})], catalog)
    if result.status != "optimal":  # the analyses below start from a feasible plan and refuse otherwise
        with pytest.raises(RequestError):
            pareto(request, catalog, criterion="rtt", points=3)
        return
    _check_pareto(request, catalog)
    _check_robust(request, catalog)
    _check_classic(request, catalog)
