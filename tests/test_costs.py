"""Cost components per MW of IT, against numbers worked out by hand (siting.models.costs)."""

from __future__ import annotations

import pytest

from siting.models.costs import (
    Assumptions,
    SiteInputs,
    bandwidth_cost_yuan_per_mw_year,
    emissions_t_per_mw_year,
    energy_cost_yuan_per_mw_year,
    energy_mwh_per_mw_year,
    labour_cost_yuan_per_mw_year,
    levelised_cost_yuan_per_kw_month,
    unit_costs_yuan_per_mw_year,
    water_cost_yuan_per_mw_year,
)

CRF_8PC_15Y = 0.11682954493601999  # 0.08 * 1.08**15 / (1.08**15 - 1)


def test_energy_of_one_mw() -> None:
    # 8760 h * 0.7 utilisation * PUE 1.2 = 7358.4 MWh; * 1000 kWh/MWh * 0.36 yuan/kWh = 2,649,024 yuan
    assert energy_mwh_per_mw_year(1.2, 0.7) == pytest.approx(7358.4)
    assert energy_cost_yuan_per_mw_year(0.36, 1.2, 0.7) == pytest.approx(2_649_024.0)


def test_water_labour_bandwidth_emissions() -> None:
    # IT energy 8760 * 0.7 * 1000 = 6,132,000 kWh * 0.2 L/kWh = 1,226.4 m3 * 4 yuan/m3 = 4,905.6 yuan
    assert water_cost_yuan_per_mw_year(4.0, 0.2, 0.7) == pytest.approx(4905.6)
    assert labour_cost_yuan_per_mw_year(100_000.0, 0.5) == pytest.approx(50_000.0)
    # 5,000 yuan per Gbps per month * 1 Gbps/MW * 12 months
    assert bandwidth_cost_yuan_per_mw_year(5000.0, 1.0) == pytest.approx(60_000.0)
    # 7358.4 MWh * 0.6 tCO2/MWh
    assert emissions_t_per_mw_year(1.2, 0.7, 0.6) == pytest.approx(4415.04)


def test_levelised_cost_per_kw_month() -> None:
    # 1 million yuan/yr over 1 MW = 1000 kW * 12 months
    assert levelised_cost_yuan_per_kw_month(1e6, 1.0) == pytest.approx(83.3333333)


def test_all_components_of_one_site() -> None:
    site = SiteInputs("s", price_yuan_per_kwh=0.36, pue=1.2, capex_yuan_per_mw=6e6, land_price_yuan_per_m2=300.0,
                      wage_yuan_per_year=100_000.0, water_price_yuan_per_m3=4.0,
                      bandwidth_price_yuan_per_gbps_month=5000.0, grid_emission_factor_t_per_mwh=0.6,
                      renewable_share_fraction=0.5, available_capacity_mw=100.0)
    a = Assumptions(utilisation_fraction=0.7, usage_factor=1.0, mean_usage_factor=1.0, crf_per_year=CRF_8PC_15Y,
                    discount_rate_fraction=0.08, horizon_years=15, land_m2_per_mw=25.0, staff_per_mw=0.5,
                    fixed_site_cost_yuan_per_year=0.0, carbon_price_yuan_per_t=100.0, wue_l_per_kwh=0.2)
    got = unit_costs_yuan_per_mw_year(site, a, egress_gbps_per_mw=1.0)
    assert got == pytest.approx({
        "energy": 2_649_024.0,
        "capex": 700_977.2696161199,   # 6e6 * CRF
        "land": 876.22158702015,       # 300 yuan/m2 * 25 m2 * CRF
        "labour": 50_000.0,
        "water": 4905.6,
        "bandwidth": 60_000.0,
        "carbon": 441_504.0,           # 4415.04 t * 100 yuan/t
    })


def test_demand_charge_per_kwh() -> None:
    # 27 yuan/(kW*month) x 12 / (8760 h x 0.7) = 0.052838 yuan/kWh
    from siting.models.costs import demand_charge_yuan_per_kwh

    assert demand_charge_yuan_per_kwh(27.0, 0.7) == pytest.approx(0.0528375733855)
    assert demand_charge_yuan_per_kwh(27.0, 1.0) == pytest.approx(27 * 12 / 8760)
    with pytest.raises(ValueError, match="load_factor"):
        demand_charge_yuan_per_kwh(27.0, 0.0)
