"""p-median, p-center and MCLP: hand-solvable instances, and spopt on the same instances (equal objectives)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pulp
import pytest

from siting.analysis.classic import classic_views, location_instance
from siting.data.catalog import Catalog
from siting.data.request import SiteRequest
from siting.optimization.classic import LocationInstance, solve_classic

# 4 centres x 3 sites, small enough to solve by hand (the numbers are worked out in test_hand_instance)
D = np.array([[1.0, 5.0, 9.0], [4.0, 2.0, 7.0], [9.0, 6.0, 1.0], [3.0, 3.0, 3.0]])
W = np.array([10.0, 20.0, 30.0, 5.0])
HAND = LocationInstance(["a", "b", "c"], ["n1", "n2", "n3", "n4"], W, D)


def _enumerate(inst: LocationInstance, p: int, radius: float) -> dict[str, float]:
    """Brute force over every set of p sites: the three optima, independently of any MILP."""
    best = {"p-median": np.inf, "p-center": np.inf, "mclp": -np.inf}
    for cols in itertools.combinations(range(len(inst.sites)), p):
        nearest = inst.rtt_ms[:, cols].min(axis=1)
        best["p-median"] = min(best["p-median"], float((inst.weight_mw * nearest).sum()))
        best["p-center"] = min(best["p-center"], float(nearest.max()))
        best["mclp"] = max(best["mclp"], float(inst.weight_mw[nearest <= radius].sum()))
    return best


def test_hand_instance() -> None:
    # p = 1: sum w*d per site a 375, b 285, c 275 -> p-median opens c (275); worst RTT a 9, b 6, c 9 -> p-center b (6)
    assert solve_classic(HAND, "p-median", 1).objective == pytest.approx(275.0)
    assert solve_classic(HAND, "p-median", 1).sites == ["c"]
    assert solve_classic(HAND, "p-center", 1).objective == pytest.approx(6.0)
    assert solve_classic(HAND, "p-center", 1).sites == ["b"]
    # radius 2.5: a covers n1 (10), b covers n2 (20), c covers n3 (30) -> one site: c, 30 MW; two: b+c, 50 MW
    assert solve_classic(HAND, "mclp", 1, radius_ms=2.5).objective == pytest.approx(30.0)
    assert solve_classic(HAND, "mclp", 2, radius_ms=2.5).sites == ["b", "c"]
    for p in (1, 2, 3):
        brute = _enumerate(HAND, p, 2.5)
        for model in ("p-median", "p-center", "mclp"):
            for solver in ("highs", "cbc"):
                sol = solve_classic(HAND, model, p, radius_ms=2.5, solver=solver)  # type: ignore[arg-type]
                assert sol.objective == pytest.approx(brute[model]), (model, p, solver)


def _spopt_objective(inst: LocationInstance, model: str, p: int, radius: float) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # spopt and its dependencies warn on import (deprecations)
        from spopt.locate import MCLP, PCenter, PMedian
        solver = pulp.HiGHS(msg=False)
        if model == "p-median":
            m = PMedian.from_cost_matrix(inst.rtt_ms, inst.weight_mw, p_facilities=p).solve(solver)
        elif model == "p-center":
            m = PCenter.from_cost_matrix(inst.rtt_ms, p_facilities=p).solve(solver)
        else:
            m = MCLP.from_cost_matrix(inst.rtt_ms, inst.weight_mw, service_radius=radius, p_facilities=p).solve(solver)
    return float(pulp.value(m.problem.objective))


@pytest.mark.parametrize("p", [1, 2, 3])
def test_spopt_agrees_on_the_default_request(catalog: Catalog, p: int) -> None:
    inst = location_instance(SiteRequest(candidates=list(catalog.site_ids)), catalog)
    assert len(inst.sites) >= 10 and len(inst.centres) >= 10
    radius = 20.0  # ms: a tight SLA, so that coverage is partial and MCLP has a real choice
    for model in ("p-median", "p-center", "mclp"):
        ours = solve_classic(inst, model, p, radius_ms=radius)  # type: ignore[arg-type]
        assert ours.outcome.status == "optimal"
        assert ours.objective == pytest.approx(_spopt_objective(inst, model, p, radius), rel=1e-9), (model, p)


def test_classic_views_bracket_the_cost_optimum(catalog: Catalog) -> None:
    req = SiteRequest()
    views = classic_views(req, catalog)
    rows = {r.view: r for r in views.rows}
    best = rows["cost-optimal"]
    assert views.p == len(best.sites) and views.radius_ms == 30.0
    # by definition, over sets of the same size: p-median has the least mean RTT, p-center the least worst RTT,
    # and no set serves the request for less than the cost optimum
    assert rows["p-median"].mean_rtt_ms <= best.mean_rtt_ms + 1e-9
    assert rows["p-center"].worst_rtt_ms <= best.worst_rtt_ms + 1e-9
    assert rows["mclp"].covered_fraction >= best.covered_fraction - 1e-9
    for view in ("p-median", "p-center", "mclp"):
        r = rows[view]
        assert r.cost_yuan_per_year is None or r.cost_yuan_per_year >= best.cost_yuan_per_year * (1 - 1e-9)
        assert len(r.sites) == views.p

