"""One model definition, two emitters: HiGHS (direct) and PuLP reach the same optimum and status.

Checked on every example request, on OR-Library instances (published optima), and
on 50 seeded random requests that between them exercise every constraint family
and every request rule that shapes the model (residency, locked and excluded
sites, PUE cap, phases, capacity, subsidies with caps).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from siting import parse_request
from siting.data.catalog import Catalog
from siting.optimization.emit_highs import HighsModel
from siting.optimization.emit_pulp import solve_pulp, to_pulp
from siting.optimization.facility_location import FacilityLocationProblem
from siting.optimization.model import FAMILIES, Solution, define
from siting.optimization.problem import build_site_problem

from .helpers import DATA

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.yaml"))
GAP = 1e-9
ALL_FAMILIES = {"demand", "site-capacity", "link", "site-share", "site-min-load", "service-level", "site-count-min",
                "site-count-max", "green-share", "other-plan",
                "green-cap", "green-total", "emissions-cap", "mean-rtt-cap", "budget", "subsidy-base", "subsidy-cap"}
EPSILON_FAMILIES = {"emissions-cap", "mean-rtt-cap"}  # set by the frontier, not by a request
ANALYSIS_FAMILIES = {*EPSILON_FAMILIES, "other-plan"}  # the next-best plans' no-good cuts, not a request's


def both(arrays: Any, cbc: bool = False) -> tuple[Solution, Solution]:
    direct = HighsModel(arrays).solve(mip_gap=GAP)
    via_pulp = solve_pulp(to_pulp(arrays), "cbc" if cbc else "highs", mip_gap=GAP)
    return direct, via_pulp


def assert_agree(a: Solution, b: Solution) -> None:
    assert a.outcome.status == b.outcome.status, (a.outcome, b.outcome)
    if a.outcome.status == "optimal":
        assert a.outcome.objective == pytest.approx(b.outcome.objective, rel=1e-7)


def test_the_families_listed_here_are_the_models() -> None:
    assert {f.__name__.replace("_", "-") for f in FAMILIES} == ALL_FAMILIES


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("cbc", [False, True], ids=["pulp-highs", "pulp-cbc"])
def test_examples_agree(catalog: Catalog, path: Path, cbc: bool) -> None:
    p = build_site_problem(catalog, parse_request(yaml.safe_load(path.read_text())))
    direct, via_pulp = both(define(p), cbc)
    assert direct.outcome.status == "optimal"
    assert_agree(direct, via_pulp)


OPTIMA = {(r["instance"], r["problem"]): float(r["optimum"])
          for r in csv.DictReader(io.StringIO((DATA / "orlib" / "optima.csv").read_text()))}


@pytest.mark.parametrize(("name", "problem"), [("cap41", "capacitated"), ("cap71", "capacitated"),
                                               ("cap71", "uncapacitated"), ("cap133", "uncapacitated")])
def test_orlib_agree_with_the_published_optimum(name: str, problem: str) -> None:
    flp = FacilityLocationProblem.from_orlib(DATA / "orlib" / f"{name}.txt")
    if problem == "uncapacitated":
        flp = flp.uncapacitated()
    direct, via_pulp = both(define(flp.to_site_problem()))
    assert_agree(direct, via_pulp)
    assert direct.outcome.objective == pytest.approx(OPTIMA[(name, problem)], rel=1e-6)


def random_request(catalog: Catalog, seed: int) -> dict[str, Any]:
    """A valid request drawn with ``seed``; rules switched on with fixed probabilities."""
    rng = np.random.default_rng(seed)
    sites = list(rng.choice(catalog.site_ids, size=int(rng.integers(4, 9)), replace=False))
    load = float(rng.choice([10.0, 60.0, 250.0, 900.0]))
    n_classes = int(rng.integers(1, 4))
    shares = rng.dirichlet(np.ones(n_classes))
    shares = np.round(shares / shares.sum(), 3)
    shares[-1] = round(1.0 - float(shares[:-1].sum()), 3)
    classes = []
    for k in range(n_classes):
        cls: dict[str, Any] = {"name": f"c{k}", "share_fraction": float(max(shares[k], 0.001)),
                               "egress_gbps_per_mw": float(rng.choice([0.1, 0.5, 1.0]))}
        if rng.random() < 0.5:
            cls["max_rtt_ms"] = float(rng.choice([25.0, 35.0, 60.0]))
        if rng.random() < 0.2:
            cls["allowed_sites"] = sites[: int(rng.integers(2, len(sites)))]
        elif rng.random() < 0.2:
            cls["forbidden_sites"] = [sites[-1]]
        classes.append(cls)
    total = sum(c["share_fraction"] for c in classes)
    classes[-1]["share_fraction"] = round(classes[-1]["share_fraction"] + 1.0 - total, 6)
    req: dict[str, Any] = {"name": f"random-{seed}", "it_load_mw": load, "classes": classes, "candidates": sites,
                           "min_sites": int(rng.integers(0, 3)), "carbon_price_yuan_per_t": float(rng.choice([0, 80]))}
    if rng.random() < 0.4:
        req["max_sites"] = max(req["min_sites"], 1) + int(rng.integers(0, 2))
    if rng.random() < 0.4:
        req["max_share_per_site"] = float(rng.choice([0.4, 0.6]))
    if rng.random() < 0.25:
        req["locked_sites"] = [sites[0]]
    if rng.random() < 0.25:
        req["excluded_sites"] = [sites[1]]
    if rng.random() < 0.3:
        req["min_green_share_fraction"] = float(rng.choice([0.3, 0.6]))
        u = rng.random()
        if u < 0.5:  # green[o] columns and green-cap rows; two options at a site add green-total rows
            req["green_options"] = ["gec"] if u < 0.25 else ["gec", "green-trade", "onsite-pv"]
    if rng.random() < 0.2:
        req["max_pue"] = float(rng.choice([1.2, 1.3]))
    if rng.random() < 0.3:
        req["budget_yuan_per_year"] = float(load * rng.choice([5e6, 9e6, 2e7]))
    if rng.random() < 0.2:
        req["phases"] = [{"year_offset": 0, "it_load_mw": load / 2}, {"year_offset": 3, "it_load_mw": load}]
    if rng.random() < 0.4:
        req["packages"] = ["zhongwei-aws-2015"]  # its bandwidth subsidy is capped: subsidy-base and subsidy-cap
    if rng.random() < 0.2:
        req["packages"] = [*req.get("packages", []), "yaan-investment-2023"]
        req["eligibility"] = ["ai"]
    if rng.random() < 0.2:
        req["apply_subsidies"] = False
    for cls in classes:  # service levels below 1 keep the far pairs and add a service-level row
        if "max_rtt_ms" in cls and rng.random() < 0.5:
            cls["service_level_fraction"] = float(rng.choice([0.8, 0.95]))
    u = rng.random()  # campus size: the catalog default (lowered for small requests), none, or a large one
    if u < 0.2:
        req["min_site_it_load_mw"] = 0.0
    elif u < 0.35:
        req["min_site_it_load_mw"] = float(load * rng.choice([0.3, 0.6]))
    return req


SEEDS = range(50)


@pytest.fixture(scope="module")
def random_models(catalog: Catalog) -> list[tuple[dict[str, Any], Any]]:
    out = []
    for seed in SEEDS:
        data = random_request(catalog, seed)
        out.append((data, define(build_site_problem(catalog, parse_request(data)))))
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_random_requests_agree(random_models: list[tuple[dict[str, Any], Any]], seed: int) -> None:
    _, arrays = random_models[seed]
    direct, via_pulp = both(arrays, cbc=seed % 5 == 0)
    assert_agree(direct, via_pulp)


def test_random_requests_cover_every_family_and_rule(random_models: list[tuple[dict[str, Any], Any]]) -> None:
    families = {f.name for _, arrays in random_models for f in arrays.families}
    assert families == ALL_FAMILIES - ANALYSIS_FAMILIES
    requests = [data for data, _ in random_models]
    for rule in ("locked_sites", "excluded_sites", "max_pue", "phases", "budget_yuan_per_year", "max_sites",
                 "min_site_it_load_mw"):
        assert any(rule in r for r in requests), rule
    assert any("allowed_sites" in c for r in requests for c in r["classes"])
    assert any("forbidden_sites" in c for r in requests for c in r["classes"])
    assert any("service_level_fraction" in c for r in requests for c in r["classes"])
    statuses = {HighsModel(arrays).solve(mip_gap=GAP).outcome.status for _, arrays in random_models}
    assert {"optimal", "infeasible"} <= statuses  # both outcomes are compared, not only optima


@pytest.mark.parametrize("bound", [{"max_emissions_t_per_year": 50_000.0}, {"max_mean_rtt_ms": 20.0}])
def test_epsilon_families_agree(catalog: Catalog, bound: dict[str, float]) -> None:
    from dataclasses import replace

    p = replace(build_site_problem(catalog, parse_request({})), **bound)
    arrays = define(p)
    assert {f.name for f in arrays.families} & EPSILON_FAMILIES
    for cbc in (False, True):
        direct, via_pulp = both(arrays, cbc)
        assert direct.outcome.status == "optimal"
        assert_agree(direct, via_pulp)
