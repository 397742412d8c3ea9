"""The plan evaluator: the one place a plan's cost is computed, and every rule a plan breaks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from siting import evaluate, optimize, optimize_problem, parse_request, rank
from siting.analysis.compare import compare_scenarios
from siting.analysis.scenarios import parse_scenario
from siting.data.catalog import Catalog
from siting.optimization.evaluate import evaluate_plan
from siting.optimization.problem import SiteProblem, build_site_problem

from .test_model import SEEDS, random_request

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def solved_plan(p: SiteProblem) -> tuple[np.ndarray, np.ndarray, float]:
    r = optimize_problem(p, mip_gap=1e-9)
    assert r.objective_yuan_per_year is not None
    opened = np.array([float(s in r.chosen_sites) for s in p.sites])
    alloc = np.zeros(p.shape)
    for row in r.allocation.itertuples(index=False):
        alloc[p.classes.index(str(row[0])), p.centres.index(str(row[1])), p.sites.index(str(row[2]))] = float(row[3])
    return opened, alloc, r.objective_yuan_per_year


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_cost_of_every_optimal_example_plan_equals_the_objective(catalog: Catalog, path: Path) -> None:
    p = build_site_problem(catalog, parse_request(yaml.safe_load(path.read_text())))
    opened, alloc, objective = solved_plan(p)
    ev = evaluate_plan(p, opened, alloc)
    assert ev.feasible, [v.message for v in ev.violations]
    assert ev.total_yuan_per_year == pytest.approx(objective, rel=1e-7)


def test_cost_of_every_optimal_random_plan_equals_the_objective(catalog: Catalog) -> None:
    checked = 0
    for seed in SEEDS:
        p = build_site_problem(catalog, parse_request(random_request(catalog, seed)))
        r = optimize_problem(p, mip_gap=1e-9)
        if r.status != "optimal":  # infeasible requests have no plan to price
            continue
        opened, alloc, objective = solved_plan(p)
        ev = evaluate_plan(p, opened, alloc)
        assert ev.feasible, (seed, [v.message for v in ev.violations])
        assert ev.total_yuan_per_year == pytest.approx(objective, rel=1e-7), seed
        checked += 1
    assert checked >= 15  # 20 of the 50 seeds are feasible


BASE: dict[str, Any] = {"it_load_mw": 20, "candidates": ["zhongwei", "guian", "yaan", "chongqing"]}


def broken(request: dict[str, Any], plan: dict[str, float]) -> dict[str, str]:
    ev = evaluate({**BASE, **request}, None, plan)
    out: dict[str, str] = {}
    for v in ev.violations:
        out[v.family] = f"{out[v.family]}; {v.message}" if v.family in out else v.message
    return out


def test_max_share_is_named_with_its_numbers() -> None:
    got = broken({"max_share_per_site": 0.5}, {"yaan": 20.0})
    assert got["site-share"] == "max_share_per_site: yaan 20.0 MW > 10.0 MW (50 % of 20.0 MW)"


@pytest.mark.parametrize(("request_", "plan", "family", "words"), [
    ({}, {"yaan": 15.0}, "demand", "demand: 15.0 MW placed of 20.0 MW asked"),
    ({"min_sites": 2}, {"yaan": 20.0}, "site-count-min", "1 site(s) used < 2"),
    ({"max_sites": 1, "min_sites": 1}, {"yaan": 10.0, "guian": 10.0}, "site-count-max", "2 site(s) used > 1"),
    ({"min_green_share_fraction": 0.9}, {"zhongwei": 20.0}, "green-share", "renewable share"),
    ({"budget_yuan_per_year": 1e8}, {"yaan": 20.0}, "budget", "> 100,000,000 yuan/yr"),
    ({"locked_sites": ["chongqing"]}, {"yaan": 20.0}, "locked", "chongqing is not used"),
    ({"excluded_sites": ["yaan"]}, {"yaan": 20.0}, "excluded", "yaan is used"),
    ({"max_pue": 1.1}, {"chongqing": 20.0}, "excluded", "chongqing is used"),
    ({"classes": [{"name": "interactive", "share_fraction": 1.0, "max_rtt_ms": 30, "demand_regions": ["east"]}]},
     {"zhongwei": 20.0}, "allowed", "ms > 30 ms"),
    ({"classes": [{"name": "interactive", "share_fraction": 1.0, "max_rtt_ms": 30, "service_level_fraction": 0.99,
                   "demand_regions": ["east"]}]},
     {"zhongwei": 20.0}, "service-level", "of interactive demand within 30 ms < 99 %"),
    ({"min_site_it_load_mw": 5.0}, {"yaan": 18.0, "guian": 2.0}, "site-min-load",
     "guian carries 2.00 MW < the minimum campus of 5.0 MW"),
    ({"classes": [{"name": "gov", "share_fraction": 1.0, "allowed_sites": ["chongqing"]}]}, {"yaan": 20.0},
     "allowed", "gov at yaan"),
    ({"it_load_mw": 2000, "classes": [{"name": "batch", "share_fraction": 1.0}]}, {"chongqing": 2000.0},
     "site-capacity", "MW available"),
])
def test_a_plan_built_to_break_a_rule_is_reported(request_: dict[str, Any], plan: dict[str, float], family: str,
                                                  words: str) -> None:
    got = broken(request_, plan)
    assert family in got, got
    assert words in got[family]


def test_a_plan_that_breaks_nothing_reports_nothing() -> None:
    assert broken({}, {"yaan": 20.0}) == {}


def test_bad_plans_are_refused_with_the_field() -> None:
    with pytest.raises(Exception, match=r"plan: sites \['lhasa'\]"):
        evaluate(BASE, None, {"lhasa": 20.0})
    with pytest.raises(Exception, match=r"plan.yaan = -1"):
        evaluate(BASE, None, {"yaan": -1.0})


@pytest.mark.parametrize("site", ["zhongwei", "guian", "yaan", "chongqing"])
def test_score_card_cost_equals_the_optimum_with_that_site_alone(site: str) -> None:
    request = {**BASE, "classes": [{"name": "batch", "share_fraction": 1.0}], "locked_sites": [site], "max_sites": 1}
    card = rank(request).loc[site]
    result = optimize(request, mip_gap=1e-9)
    assert result.chosen_sites == [site]
    assert card["total_yuan_per_year"] == pytest.approx(result.objective_yuan_per_year, rel=1e-7)


def test_compare_names_the_broken_cap_instead_of_a_cost_story(catalog: Catalog) -> None:
    base = parse_scenario({"name": "default", "request": "default.yaml"}, base_dir=ROOT / "examples")
    capped = parse_scenario({"name": "cap-50", "request": "default.yaml",
                             "overrides": {"request.max_share_per_site": 0.5}}, base_dir=ROOT / "examples")
    att = compare_scenarios([base, capped], catalog).attributions[0]
    assert att.repricing is None
    assert att.base_plan_note is not None
    biggest = max(att.sites, key=lambda x: x["mw_base"])  # the base plan's largest site breaks the 50 % cap
    assert biggest["mw_base"] > 10.0
    assert (f"max_share_per_site: {biggest['site']} {biggest['mw_base']:.1f} MW > 10.0 MW (50 % of 20.0 MW)"
            in att.base_plan_note)
    assert [b["family"] for b in att.base_plan_broken] == ["site-share"]
    moved = [s for s in att.sites if s["change"] in ("entered", "resized")]
    assert len(moved) >= 2  # the big site shrinks and another grows
    assert all(s["reasons"][0].startswith("forced: the base plan breaks max_share_per_site") for s in moved)
