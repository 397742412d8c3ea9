"""Green options as decision variables: certificates bought where the grid mix falls short, at their premium."""

from __future__ import annotations

import numpy as np
import pytest

import siting
from siting.data.catalog import Catalog
from siting.optimization.evaluate import evaluate_plan
from siting.optimization.problem import build_site_problem

BASE = {"min_green_share_fraction": 0.8, "candidates": ["zhongwei", "yaan", "guian", "chongqing"]}


def test_certificates_are_bought_only_when_the_request_allows_them(catalog: Catalog) -> None:
    without = siting.optimize(BASE, catalog)
    with_gec = siting.optimize({**BASE, "green_options": ["gec"]}, catalog)
    assert without.green_purchases.empty and with_gec.status == "optimal"
    assert with_gec.objective_yuan_per_year <= without.objective_yuan_per_year
    bought = with_gec.green_purchases
    assert list(bought["option"].unique()) == ["gec"]
    # exactly enough to reach the floor: the share with purchases is 0.8, not more
    assert with_gec.green_share_fraction == pytest.approx(0.8, abs=1e-6)
    # their cost is the premium (sites/green_options.csv) times the MWh, and in the total
    premium = catalog.green_options["gec"].premium_yuan_per_mwh
    assert bought["cost_yuan_per_year"].sum() == pytest.approx(premium * bought["mwh_per_year"].sum())
    assert with_gec.cost_breakdown["green"].sum() == pytest.approx(bought["cost_yuan_per_year"].sum())
    assert with_gec.cost_breakdown["total"].sum() == pytest.approx(with_gec.objective_yuan_per_year, rel=1e-9)


def test_certificates_make_a_floor_reachable_that_the_grid_mix_is_not(catalog: Catalog) -> None:
    req = {"min_green_share_fraction": 0.95, "candidates": ["zhongwei", "chongqing"]}
    assert siting.optimize(req, catalog).status == "infeasible"
    r = siting.optimize({**req, "green_options": ["gec"]}, catalog)
    assert r.status == "optimal" and r.green_share_fraction == pytest.approx(0.95, abs=1e-6)


def test_the_evaluator_prices_the_certificates_a_plan_needs(catalog: Catalog) -> None:
    p = build_site_problem(catalog, siting.parse_request({**BASE, "green_options": ["gec"]}))
    alloc = p.demand_mw[:, :, None] * (np.arange(len(p.sites)) == p.sites.index("zhongwei"))
    ev = evaluate_plan(p, None, alloc)
    assert "green" in ev.components and ev.components["green"] > 0
    assert not any(v.family == "green-share" for v in ev.violations)


def test_unknown_option_names_the_field(catalog: Catalog) -> None:
    with pytest.raises(siting.UnknownIdError, match="solar_ppa"):
        siting.optimize({**BASE, "green_options": ["solar_ppa"]}, catalog)


def test_a_90_percent_floor_buys_certificates_and_pays_the_premium(catalog: Catalog) -> None:
    req = {"min_green_share_fraction": 0.9, "green_options": ["gec"]}
    r = siting.optimize(req, catalog)
    assert r.status == "optimal" and r.green_share_fraction == pytest.approx(0.9, abs=1e-6)
    # hand check: certificates = 0.9 x the plan's energy - the renewable part of the grid mix
    p = build_site_problem(catalog, siting.parse_request(req))
    mw = np.array([float(r.sites.loc[s, "it_mw"]) for s in p.sites])
    assert p.energy_mwh_per_mw is not None and p.renewable_share is not None
    energy = p.energy_mwh_per_mw * mw
    expected = 0.9 * energy.sum() - (p.renewable_share * energy).sum()
    mwh = float(r.green_purchases["mwh_per_year"].sum())
    assert mwh == pytest.approx(expected, rel=1e-6)
    # the premium: 5.22 yuan/MWh, the October 2025 national average (sites/green_options.csv)
    assert float(r.green_purchases["cost_yuan_per_year"].sum()) == pytest.approx(5.22 * expected, rel=1e-6)


def test_market_based_accounting_credits_the_carbon_price_on_what_is_bought(catalog: Catalog) -> None:
    """Market-based Scope 2: a certificate MWh carries no emissions, so at a carbon price P each MWh bought at
    site j saves P x ef[j] and costs the premium q.  With P x ef > q the optimiser buys every MWh the cap allows
    at the site, even with no green-share floor; the objective falls by exactly (P ef - q) x MWh and the
    reported emissions by ef x MWh.  Location-based, nothing is bought without a floor."""
    base = {"it_load_mw": 20, "candidates": ["zhongwei"], "carbon_price_yuan_per_t": 100.0, "green_options": ["gec"],
            "classes": [{"name": "b", "share_fraction": 1.0, "demand_regions": ["east"]}]}
    loc = siting.optimize(base, catalog)
    mkt = siting.optimize({**base, "emissions_accounting": "market"}, catalog)
    assert loc.status == mkt.status == "optimal"
    assert loc.green_purchases.empty or loc.green_purchases["mwh_per_year"].sum() == 0
    ef = catalog.site_value("zhongwei", "grid_emission_factor_t_per_mwh")
    q = catalog.green_options["gec"].premium_yuan_per_mwh
    assert 100.0 * ef > q
    bought = float(mkt.green_purchases["mwh_per_year"].sum())
    p = build_site_problem(catalog, siting.parse_request({**base, "emissions_accounting": "market"}))
    assert p.green_cap_share is not None and p.renewable_share is not None and p.energy_mwh_per_mw is not None
    cap = float(p.green_cap_share[0] * (1 - p.renewable_share[0]) * p.energy_mwh_per_mw[0] * 20.0)
    assert bought == pytest.approx(cap, rel=1e-6)
    assert mkt.objective_yuan_per_year == pytest.approx(loc.objective_yuan_per_year - (100.0 * ef - q) * bought,
                                                        rel=1e-9)
    assert mkt.emissions_t_per_year == pytest.approx(loc.emissions_t_per_year - ef * bought, rel=1e-9)
    # the cost table adds up: carbon falls by P x ef x MWh, green rises by q x MWh, total = objective
    cb = mkt.cost_breakdown
    assert cb["total"].sum() == pytest.approx(mkt.objective_yuan_per_year, rel=1e-9)
    assert cb.at["zhongwei", "green"] == pytest.approx(q * bought, rel=1e-9)


def test_the_cheaper_green_option_is_bought_and_the_dearer_one_costs_its_premium(catalog: Catalog) -> None:
    """Green electricity trading (40 yuan/MWh, derived from the 30-50 band of 2021) against certificates
    (5.22 yuan/MWh, October 2025): with both, only certificates are bought; with trading alone the
    renewable energy costs its premium, and the plan moves toward the greener grid."""
    req = {"min_green_share_fraction": 0.9}
    both = siting.optimize({**req, "green_options": ["gec", "green-trade"]}, catalog)
    trade = siting.optimize({**req, "green_options": ["green-trade"]}, catalog)
    gec = siting.optimize({**req, "green_options": ["gec"]}, catalog)
    assert both.status == trade.status == gec.status == "optimal"
    assert list(both.green_purchases["option"].unique()) == ["gec"]
    assert list(trade.green_purchases["option"].unique()) == ["green-trade"]
    q_trade = catalog.green_options["green-trade"].premium_yuan_per_mwh
    q_gec = catalog.green_options["gec"].premium_yuan_per_mwh
    assert (q_trade, q_gec) == (40.0, 5.22)
    mwh = float(trade.green_purchases["mwh_per_year"].sum())
    assert float(trade.green_purchases["cost_yuan_per_year"].sum()) == pytest.approx(q_trade * mwh, rel=1e-9)
    # dearer green energy moves load to the greener site: fewer MWh bought, and the extra cost is at most
    # what keeping the certificate plan and paying the trading premium for its MWh would add
    mwh_gec = float(gec.green_purchases["mwh_per_year"].sum())
    assert trade.chosen_sites == ["yaan"] and gec.chosen_sites == ["zhongwei", "yaan"]
    assert mwh < mwh_gec
    extra = trade.objective_yuan_per_year - gec.objective_yuan_per_year
    assert 0 < extra <= (q_trade - q_gec) * mwh_gec * (1 + 1e-9)
