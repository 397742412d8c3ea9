"""Trade-off frontiers by the epsilon-constraint method on the exact MILP."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import siting
from siting.analysis.pareto import pareto
from siting.cli import app
from siting.data.catalog import Catalog


@pytest.mark.parametrize(("criterion", "key"), [("emissions", "emissions_t_per_year"), ("rtt", "mean_rtt_ms")])
def test_frontier_runs_from_the_cost_optimum_to_the_criterion_optimum(catalog: Catalog, criterion: str,
                                                                       key: str) -> None:
    f = pareto({}, catalog, criterion=criterion, points=6)  # type: ignore[arg-type]
    pts = f.points
    assert len(pts) >= 3
    cheapest = siting.optimize({}, catalog)
    assert pts[0]["cost_yuan_per_year"] == pytest.approx(cheapest.objective_yuan_per_year, rel=1e-6)
    # strictly cheaper <-> strictly worse in the criterion: nothing dominated is kept
    for a, b in zip(pts, pts[1:], strict=False):
        assert b["cost_yuan_per_year"] >= a["cost_yuan_per_year"] - 1e-6
        assert b[key] < a[key]
    # the last point reaches the least value of the criterion the request allows
    assert pts[-1][key] == pytest.approx(min(p[key] for p in pts))
    assert sum(p["knee"] for p in pts) <= 1


def test_emissions_end_is_the_cleanest_feasible_plan(catalog: Catalog) -> None:
    # Ya'an's hydro grid (0.1404 tCO2/MWh) is the cleanest of the four default candidates and serves
    # every centre within 30 ms alone: the low-emission end puts all 20 MW there
    f = pareto({}, catalog, criterion="emissions", points=4)
    assert set(f.points[-1]["sites_mw"]) == {"yaan"}


def test_bad_arguments_name_the_field(catalog: Catalog) -> None:
    with pytest.raises(siting.RequestError, match="points = 1"):
        pareto({}, catalog, points=1)
    with pytest.raises(siting.RequestError, match="criterion = 'noise'"):
        pareto({}, catalog, criterion="noise")  # type: ignore[arg-type]


def test_cli_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    req = tmp_path / "r.yaml"
    req.write_text("it_load_mw: 20\n")
    r = CliRunner().invoke(app, ["pareto", str(req), "--criterion", "rtt", "--points", "4", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["frontier"]["criterion"] == "rtt" and len(doc["frontier"]["points"]) >= 2


def test_market_accounting_frontier_prices_certificates_against_moving_load(catalog: Catalog) -> None:
    """Hand check on one site (Zhongwei alone, no carbon price): under market-based accounting a
    certificate MWh at premium q removes ef t of grid emissions, so every point lies on the line
    cost = cost0 + (q / ef) x (E0 - E), down to E_min = E0 - ef x (non-renewable energy) x cap."""
    from siting.optimization.problem import build_site_problem

    req = {"candidates": ["zhongwei"], "green_options": ["gec"], "emissions_accounting": "market",
           "carbon_price_yuan_per_t": 0, "max_share_per_site": 1.0,
           "classes": [{"name": "batch", "share_fraction": 1.0, "demand_regions": ["east"]}]}
    f = pareto(req, catalog, criterion="emissions", points=5)
    p = build_site_problem(catalog, siting.parse_request(req))
    assert p.energy_mwh_per_mw is not None
    assert p.renewable_share is not None and p.emissions_t_per_mw is not None
    mw = 20.0
    ef = catalog.site_value("zhongwei", "grid_emission_factor_t_per_mwh")
    q = catalog.green_options["gec"].price_yuan_per_mwh
    assert q is not None
    e0 = float(p.emissions_t_per_mw[0]) * mw
    cap_share = catalog.green_options["gec"].max_share_of_grid_energy
    buyable_mwh = float(cap_share * (1 - p.renewable_share[0]) * p.energy_mwh_per_mw[0]) * mw
    pts = f.points
    assert len(pts) == 5
    cheapest = siting.optimize(req, catalog)
    assert pts[0]["cost_yuan_per_year"] == pytest.approx(cheapest.objective_yuan_per_year, rel=1e-9)
    assert pts[0]["emissions_t_per_year"] == pytest.approx(e0, rel=1e-9)
    assert pts[-1]["emissions_t_per_year"] == pytest.approx(e0 - ef * buyable_mwh, rel=1e-6)
    for x in pts:
        assert x["cost_yuan_per_year"] - pts[0]["cost_yuan_per_year"] == pytest.approx(
            q / ef * (e0 - x["emissions_t_per_year"]), rel=1e-6, abs=1e-3)


def test_market_accounting_frontier_on_the_default_candidates_ends_below_the_location_one(catalog: Catalog) -> None:
    # certificates cut net emissions below what moving every MW to Ya'an's hydro grid can reach
    loc = pareto({"green_options": ["gec"]}, catalog, criterion="emissions", points=4)
    mkt = pareto({"green_options": ["gec"], "emissions_accounting": "market"}, catalog, criterion="emissions",
                 points=4)
    assert mkt.points[-1]["emissions_t_per_year"] < loc.points[-1]["emissions_t_per_year"]
    assert mkt.points[0]["cost_yuan_per_year"] <= loc.points[0]["cost_yuan_per_year"] * (1 + 1e-9)  # solver tolerance
