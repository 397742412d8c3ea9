"""Green options as decision variables: certificates bought where the grid mix falls short, at their premium."""

from __future__ import annotations

import numpy as np
import pytest

import siting
from siting.data.catalog import Catalog
from siting.optimization.evaluate import evaluate_plan, green_purchases, plan_from_site_mw
from siting.optimization.problem import build_site_problem

from .helpers import EVERY_CITY

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
    premium = catalog.green_options["gec"].price_yuan_per_mwh
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
    q = catalog.green_options["gec"].price_yuan_per_mwh
    assert 100.0 * ef > q
    bought = float(mkt.green_purchases["mwh_per_year"].sum())
    p = build_site_problem(catalog, siting.parse_request({**base, "emissions_accounting": "market"}))
    assert p.renewable_share is not None and p.energy_mwh_per_mw is not None
    cap_share = catalog.green_options["gec"].max_share_of_grid_energy
    cap = float(cap_share * (1 - p.renewable_share[0]) * p.energy_mwh_per_mw[0] * 20.0)
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
    renewable energy costs its premium; a dearer premium can only cost more, by at most the premium difference
    on the certificate plan's MWh."""
    req = {**EVERY_CITY, "min_green_share_fraction": 0.9}
    both = siting.optimize({**req, "green_options": ["gec", "green-trade"]}, catalog)
    trade = siting.optimize({**req, "green_options": ["green-trade"]}, catalog)
    gec = siting.optimize({**req, "green_options": ["gec"]}, catalog)
    assert both.status == trade.status == gec.status == "optimal"
    assert list(both.green_purchases["option"].unique()) == ["gec"]
    assert list(trade.green_purchases["option"].unique()) == ["green-trade"]
    q_trade = catalog.green_options["green-trade"].price_yuan_per_mwh
    q_gec = catalog.green_options["gec"].price_yuan_per_mwh
    assert (q_trade, q_gec) == (40.0, 5.22)
    mwh = float(trade.green_purchases["mwh_per_year"].sum())
    assert float(trade.green_purchases["cost_yuan_per_year"].sum()) == pytest.approx(q_trade * mwh, rel=1e-9)
    # on the default candidates the plan stays at Gui'an (its grid price 0.44 yuan/kWh outweighs Ya'an's greener
    # mix at this premium): the same MWh are bought, each dearer by exactly q_trade - q_gec
    mwh_gec = float(gec.green_purchases["mwh_per_year"].sum())
    assert trade.chosen_sites == gec.chosen_sites == ["guian"]
    assert mwh == pytest.approx(mwh_gec, rel=1e-9)
    extra = trade.objective_yuan_per_year - gec.objective_yuan_per_year
    assert extra == pytest.approx((q_trade - q_gec) * mwh, rel=1e-9)
    assert 0 < extra <= (q_trade - q_gec) * mwh_gec * (1 + 1e-9)


ZW = {"it_load_mw": 20, "candidates": ["zhongwei"],
      "classes": [{"name": "b", "share_fraction": 1.0, "demand_regions": ["east"]}]}


def _crf(r: float, n: float) -> float:
    return r * (1 + r) ** n / ((1 + r) ** n - 1)


def test_onsite_solar_pays_for_itself_at_zhongwei_by_hand(catalog: Catalog) -> None:
    """PV on the campus's own land at Zhongwei, by hand from the catalog rows (siting.models.green):
    LCOE = (4.13e6 CRF(8 %, 25) + 0.045e6) / H with H the yield from Zhongwei's hours (about 1,500 kWh/kWp),
    below the 440 yuan/MWh grid price, so the optimiser takes the whole output with no green floor:
    2222 m2/MW x 0.3 / 20,000 m2/MWp x H MWh per MW of IT.  The objective falls by (440 - LCOE) x MWh;
    the energy row by 440 x MWh; the green row is
    LCOE x MWh; location-based emissions fall by ef x MWh (the grid draw itself is lower)."""
    d = catalog.defaults
    hours = catalog.pv_yield_kwh_per_kwp("zhongwei")
    assert 1300 < hours < 1700  # fixed-tilt PVWatts on CSWD Yinchuan irradiance (siting.models.green)
    assert (d["pv_capex_yuan_per_w"], d["pv_om_yuan_per_w_year"], d["pv_life_years"]) == (4.13, 0.045, 25)
    lcoe = (4.13e6 * _crf(0.08, 25) + 0.045e6) / hours
    assert lcoe < 440.0
    mwh = 20 * d["land_m2_per_mw"] * d["pv_share_of_campus_land_fraction"] / d["pv_land_m2_per_mwp"] * hours
    base = siting.optimize(ZW, catalog)
    pv = siting.optimize({**ZW, "green_options": ["onsite-pv"]}, catalog)
    row = pv.green_purchases.iloc[0]
    assert (row["site"], row["option"], row["price_basis"]) == ("zhongwei", "onsite-pv", "lcoe")
    assert row["mwh_per_year"] == pytest.approx(mwh, rel=1e-9)
    assert row["price_yuan_per_mwh"] == pytest.approx(lcoe, rel=1e-9)
    grid = 1000 * catalog.site_value("zhongwei", "electricity_price_list_yuan_per_kwh")  # no Ningxia TOU: all in
    assert grid == 440
    assert pv.objective_yuan_per_year == pytest.approx(base.objective_yuan_per_year - (grid - lcoe) * mwh, rel=1e-9)
    cb0, cb = base.cost_breakdown.loc["zhongwei"], pv.cost_breakdown.loc["zhongwei"]
    assert cb["energy"] == pytest.approx(cb0["energy"] - grid * mwh, rel=1e-9)
    assert cb["green"] == pytest.approx(lcoe * mwh, rel=1e-9)
    ef = catalog.site_value("zhongwei", "grid_emission_factor_t_per_mwh")
    assert pv.emissions_t_per_year == pytest.approx(base.emissions_t_per_year - ef * mwh, rel=1e-9)
    assert cb["total"] == pytest.approx(pv.objective_yuan_per_year, rel=1e-9)


def test_a_ningxia_pv_ppa_is_offered_only_in_ningxia_and_replaces_grid_energy(catalog: Catalog) -> None:
    """The Ningxia PV PPA (273.1 yuan/MWh delivered, cap 0.5 of the non-renewable energy) beats Zhongwei's
    440 yuan/MWh grid price: bought to its cap with no floor, the objective falls by (440 - 273.1) x MWh.
    With on-site PV as well both are taken (the site's green-total row allows both).  At Gui'an it is not
    offered: asking for it alone there is an error naming green_options."""
    base = siting.optimize(ZW, catalog)
    ppa = siting.optimize({**ZW, "green_options": ["ppa-nx-pv"]}, catalog)
    opt = catalog.green_options["ppa-nx-pv"]
    assert (opt.scope, opt.price_basis, opt.price_yuan_per_mwh) == ("Ningxia", "delivered", 273.1)
    p = build_site_problem(catalog, siting.parse_request(ZW))
    assert p.energy_mwh_per_mw is not None
    g = catalog.site_value("zhongwei", "renewable_share_fraction")
    cap = 0.5 * (1 - g) * float(p.energy_mwh_per_mw[0]) * 20
    bought = float(ppa.green_purchases["mwh_per_year"].sum())
    assert bought == pytest.approx(cap, rel=1e-9)
    assert ppa.objective_yuan_per_year == pytest.approx(base.objective_yuan_per_year - (440 - 273.1) * cap, rel=1e-9)
    assert ppa.green_share_fraction == pytest.approx(g + cap / (float(p.energy_mwh_per_mw[0]) * 20), rel=1e-9)
    both = siting.optimize({**ZW, "green_options": ["ppa-nx-pv", "onsite-pv"]}, catalog)
    pv = siting.optimize({**ZW, "green_options": ["onsite-pv"]}, catalog)
    assert sorted(both.green_purchases["option"]) == ["onsite-pv", "ppa-nx-pv"]
    saved = (base.objective_yuan_per_year - ppa.objective_yuan_per_year) + (
        base.objective_yuan_per_year - pv.objective_yuan_per_year)
    assert both.objective_yuan_per_year == pytest.approx(base.objective_yuan_per_year - saved, rel=1e-9)
    with pytest.raises(siting.RequestError, match="green_options") as info:
        siting.optimize({**ZW, "candidates": ["guian"], "green_options": ["ppa-nx-pv"]}, catalog)
    assert info.value.field == "green_options"


def test_green_total_caps_the_sum_of_offers_at_the_non_renewable_energy(catalog: Catalog) -> None:
    """With certificates, trading and the PPA all offered at Zhongwei and a 100 % floor, the offers together
    cover exactly the energy the grid mix leaves non-renewable (green-total binds): the cheap PPA to its cap,
    certificates for the rest, no trading."""
    r = siting.optimize({**ZW, "min_green_share_fraction": 1.0,
                         "green_options": ["gec", "green-trade", "ppa-nx-pv"]}, catalog)
    assert r.status == "optimal" and r.green_share_fraction == pytest.approx(1.0, abs=1e-9)
    by = r.green_purchases.set_index("option")["mwh_per_year"]
    p = build_site_problem(catalog, siting.parse_request(ZW))
    assert p.energy_mwh_per_mw is not None
    g = catalog.site_value("zhongwei", "renewable_share_fraction")
    room = (1 - g) * float(p.energy_mwh_per_mw[0]) * 20
    assert set(by.index) == {"ppa-nx-pv", "gec"}
    assert by["ppa-nx-pv"] == pytest.approx(0.5 * room, rel=1e-9)
    assert by.sum() == pytest.approx(room, rel=1e-9)
    # the plan evaluator buys the same split for this plan (cheapest net cost first, within both caps)
    req = siting.parse_request({**ZW, "min_green_share_fraction": 1.0,
                                "green_options": ["gec", "green-trade", "ppa-nx-pv"]})
    q = build_site_problem(catalog, req)
    ev = evaluate_plan(q, None, plan_from_site_mw(q, {"zhongwei": 20.0}))
    assert ev.feasible and ev.total_yuan_per_year == pytest.approx(r.objective_yuan_per_year, rel=1e-9)
    assert green_purchases(q, np.array([20.0])).tolist() == pytest.approx(
        [by.get(o.option_id, 0.0) for o in q.green_offers], rel=1e-9)
