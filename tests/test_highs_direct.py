"""The direct highspy path gives the same optimum as the PuLP reference formulation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from siting import optimize_problem, parse_request
from siting.data.catalog import Catalog
from siting.optimization.emit_highs import DirectModel
from siting.optimization.facility_location import FacilityLocationProblem
from siting.optimization.problem import build_site_problem

from .helpers import DATA

CASES = [
    {},
    {"it_load_mw": 100, "max_share_per_site": 0.4, "min_sites": 2, "min_green_share_fraction": 0.5},
    {"it_load_mw": 200, "candidates": None, "max_sites": 3, "budget_yuan_per_year": 5e9},
    {"it_load_mw": 30, "locked_sites": ["chongqing"], "excluded_sites": ["yaan"], "carbon_price_yuan_per_t": 100},
]


@pytest.mark.parametrize("data", CASES)
def test_direct_equals_pulp(catalog: Catalog, data: dict) -> None:
    if "candidates" in data:
        data = {**data, "candidates": catalog.site_ids}
    p = build_site_problem(catalog, parse_request(data))
    reference = optimize_problem(p)
    outcome, opened, alloc, _ = DirectModel(p).solve()
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(reference.objective_yuan_per_year, rel=1e-7)
    assert alloc.sum() == pytest.approx(p.demand_mw.sum())


def test_direct_on_orlib() -> None:
    p = FacilityLocationProblem.from_orlib(DATA / "orlib" / "cap41.txt").to_site_problem()
    outcome, _, _, _ = DirectModel(p).solve(mip_gap=1e-9)
    assert outcome.objective == pytest.approx(1040444.375, rel=1e-6)


def test_update_in_place_equals_a_fresh_build(catalog: Catalog) -> None:
    req = parse_request({"it_load_mw": 40, "max_share_per_site": 0.6})
    base = build_site_problem(catalog, req)
    model = DirectModel(base)
    model.solve()
    for site, price in [("zhongwei", 0.25), ("guian", 0.6), ("chongqing", 0.2)]:
        changed = build_site_problem(catalog.with_site_value(site, "electricity_price_list_yuan_per_kwh", price), req)
        assert model.update(changed) is True
        updated = model.solve()[0].objective
        fresh = DirectModel(changed).solve()[0].objective
        assert updated == pytest.approx(fresh, rel=1e-9)
        assert updated == pytest.approx(optimize_problem(changed).objective_yuan_per_year, rel=1e-7)


def test_structure_change_rebuilds(catalog: Catalog) -> None:
    model = DirectModel(build_site_problem(catalog, parse_request({})))
    tighter = build_site_problem(catalog, parse_request({"max_share_per_site": 0.5}))
    assert model.update(tighter) is False
    assert model.solve()[0].objective == pytest.approx(optimize_problem(tighter).objective_yuan_per_year, rel=1e-7)


EXAMPLES = sorted((DATA.parent.parent / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_is_optimal_on_both_paths(catalog: Catalog, path: Path) -> None:
    p = build_site_problem(catalog, parse_request(yaml.safe_load(path.read_text())))
    reference = optimize_problem(p)
    outcome, _, alloc, _ = DirectModel(p).solve()
    assert reference.status == "optimal"
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(reference.objective_yuan_per_year, rel=1e-7)
    assert alloc.sum() == pytest.approx(p.demand_mw.sum())
