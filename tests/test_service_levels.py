"""Service levels, campus sizes, the next-best plans and the latency that decides (the decision issue).

- A class's ``service_level_fraction`` is the share of its demand that must be within ``max_rtt_ms``;
  at 95 % the default plan does not turn on one city pair's modelled round trip (+-1 ms on any pair).
- ``latency_cases`` name the pair that keeps a site out, with the RTT recomputed here from the geodesic
  distance (pyproj, WGS84) and the catalog's route factor, and the limit at which it enters, checked by
  re-solving the request with that limit.
- ``min_site_it_load_mw`` is semi-continuous: a used site carries 0 or at least the campus.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from pyproj import Geod

import siting
from siting.data.catalog import Catalog
from siting.optimization.problem import build_site_problem

from .helpers import EVERY_CITY

DEFAULT = {"it_load_mw": 20}  # the default classes: interactive at 95 % within 30 ms


def test_a_service_level_plan_does_not_turn_on_one_pair(catalog: Catalog) -> None:
    p = build_site_problem(catalog, siting.parse_request(DEFAULT))
    assert p.rtt_ms is not None
    base = siting.optimize(DEFAULT, catalog).chosen_sites
    for j, site in enumerate(p.sites):
        for i, centre in enumerate(p.centres):
            for delta in (-1.0, 1.0):
                moved = {**DEFAULT, "measured_rtt_ms": {site: {centre: float(p.rtt_ms[i, j]) + delta}},
                         "measured_rtt_source": "a +-1 ms perturbation of the modelled pair"}
                assert siting.optimize(moved, catalog).chosen_sites == base, (site, centre, delta)


def _modelled_rtt_ms(catalog: Catalog, centre: str, site: str) -> float:
    """RTT = 2 x route factor x geodesic km / fibre km/s x 1000 + equipment ms (brief, 'Physics')."""
    c, s, d = catalog.centres.loc[centre], catalog.sites.loc[site], catalog.defaults
    _, _, metres = Geod(ellps="WGS84").inv(c["lon_deg"], c["lat_deg"], s["lon_deg"], s["lat_deg"])
    return 2.0 * d["route_factor"] * metres / 1000.0 / d["fibre_km_per_s"] * 1000.0 + d["equipment_ms"]


def test_latency_names_the_pair_that_keeps_a_cheaper_site_out(catalog: Catalog) -> None:
    # every centre within 30 ms, Gui'an aside: Zhongwei alone misses one centre (Haikou) and Ya'an is chosen
    req: dict[str, Any] = {**EVERY_CITY, "candidates": ["zhongwei", "yaan", "chongqing"]}
    r = siting.optimize(req, catalog, explain=True)
    assert "zhongwei" not in r.chosen_sites
    cases = [c for c in r.latency_cases or [] if c["site"] == "zhongwei"]
    assert len(cases) == 1
    case = cases[0]
    rtt = _modelled_rtt_ms(catalog, "haikou", "zhongwei")
    assert rtt > 30.0
    assert [q["centre"] for q in case["deciding_pairs"]] == ["haikou"]
    assert case["deciding_pairs"][0]["rtt_ms"] == pytest.approx(rtt, rel=1e-9)
    assert "route factor 1.5" in case["deciding_pairs"][0]["how"]
    assert case["enters_at_limit_ms"] == math.ceil(rtt * 10) / 10
    # independently: with that limit the optimiser uses Zhongwei
    looser = {**req, "classes": [{**EVERY_CITY["classes"][0], "max_rtt_ms": case["enters_at_limit_ms"]},  # type: ignore[index]
                                 EVERY_CITY["classes"][1]]}  # type: ignore[index]
    assert "zhongwei" in siting.optimize(looser, catalog).chosen_sites
    # and the story says so, with the pair and its RTT
    from siting.analysis.explain import explain

    change = next(s for s in explain(r, siting.parse_request(req), catalog) if s.key == "change")
    assert any(t.startswith("Latency keeps zhongwei out for interactive") and f"haikou {rtt:.1f} ms" in t
               for t in change.sentences)


def test_no_site_below_the_campus_minimum(catalog: Catalog) -> None:
    # without a minimum, a second site takes only the demand the first cannot reach (a sliver)
    req: dict[str, Any] = {**EVERY_CITY, "candidates": ["zhongwei", "yaan"], "min_site_it_load_mw": 0.0}
    free = siting.optimize(req, catalog)
    sliver = min(float(free.sites.loc[s, "it_mw"]) for s in free.chosen_sites)
    assert len(free.chosen_sites) == 2 and sliver < 1.0
    campus = siting.optimize({**req, "min_site_it_load_mw": 5.0}, catalog)
    assert campus.status == "optimal"
    assert all(float(campus.sites.loc[s, "it_mw"]) >= 5.0 - 1e-6 for s in campus.chosen_sites)
    assert campus.objective_yuan_per_year >= free.objective_yuan_per_year - 1e-6


def test_a_campus_minimum_that_cannot_be_met_is_diagnosed(catalog: Catalog) -> None:
    r = siting.optimize({"it_load_mw": 20, "min_sites": 3, "min_site_it_load_mw": 8.0}, catalog)
    assert r.status == "infeasible"
    assert r.diagnosis[0]["field"] == "min_site_it_load_mw"
    assert "8 MW x 3 site(s)" in r.diagnosis[0]["message"]


def test_the_default_campus_is_lowered_for_a_small_request(catalog: Catalog) -> None:
    d = catalog.defaults["min_campus_it_load_mw"]
    small = build_site_problem(catalog, siting.parse_request({"it_load_mw": d / 2}))
    assert small.min_site_mw == pytest.approx(d / 2)
    two = build_site_problem(catalog, siting.parse_request({"it_load_mw": 1.5 * d, "min_sites": 2}))
    assert two.min_site_mw == pytest.approx(0.75 * d)
    assert siting.optimize({"it_load_mw": 1.5 * d, "min_sites": 2}, catalog).status == "optimal"


def test_next_best_plans_are_in_cost_order_and_each_is_the_optimum_without_the_earlier_ones(
        catalog: Catalog) -> None:
    r = siting.optimize(DEFAULT, catalog, explain=True)
    alts = r.alternatives or []
    assert len(alts) == 3
    costs = [r.objective_yuan_per_year] + [a["cost_yuan_per_year"] for a in alts]
    assert costs == sorted(costs)
    seen = [set(r.chosen_sites)] + [set(a["sites"]) for a in alts]
    assert len({frozenset(s) for s in seen}) == 4
    # the first alternative is the optimum with the chosen site set forbidden; the default plan is one campus,
    # so that is the optimum without that site
    assert len(r.chosen_sites) == 1
    without = siting.optimize({**DEFAULT, "excluded_sites": r.chosen_sites}, catalog)
    assert set(without.chosen_sites) == set(alts[0]["sites"])
    assert without.objective_yuan_per_year == pytest.approx(alts[0]["cost_yuan_per_year"], rel=1e-9)
    # every one of them is a plan the evaluator accepts
    for a in alts:
        assert siting.evaluate(DEFAULT, catalog, a["sites"]).feasible, a


def test_service_level_needs_a_limit() -> None:
    with pytest.raises(siting.RequestError, match="service_level_fraction = 0.9 needs max_rtt_ms"):
        siting.parse_request({"classes": [{"name": "a", "share_fraction": 1.0, "service_level_fraction": 0.9}]})
