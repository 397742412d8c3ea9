"""The cost data of issue 23: capex per site from its parts, monthly prices, honest ranges.

Expected values are computed by hand from the published inputs quoted in sites/sources.csv
(Cushman & Wakefield 2025: USD 7.11 M/MW x 7.10 CNY/USD, rounded to 50.48 M yuan/MW; a 63/37
equipment/regional split; NBS 2021 urban non-private average wages), never copied from the loader's output.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting.data.catalog import CAPEX_PARTS, Catalog, default_catalog_dir, load_catalog
from siting.errors import CatalogError

NATIONAL_CAPEX_YUAN_PER_MW = 50_480_000  # cw-2025-apac-dc-cost: USD 7.11 M/MW x 7.10 = 50.481 M, rounded as before
NATIONAL_WAGE_2021_YUAN = 106_837  # nbs-2022-wage-2021-release
MONTHLY_COLUMNS = ["province", "year", "month", "parameter", "value", "unit", "source", "status", "note", "low",
                   "high"]


def _copy_catalog(tmp_path: Path) -> Path:
    d = tmp_path / "catalog"
    shutil.copytree(default_catalog_dir(), d, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return d


def _monthly_rows(province: str, prices: list[float], months: list[int] | None = None) -> pd.DataFrame:
    months = months if months is not None else list(range(1, 13))
    return pd.DataFrame([{
        "province": province, "year": "2025", "month": str(m), "parameter": "electricity_price_list_yuan_per_kwh",
        "value": str(p), "unit": "yuan/kWh", "source": "sgcc-agency-2026-08", "status": "sourced",
        "note": "test row", "low": "", "high": ""} for m, p in zip(months, prices, strict=True)],
        columns=MONTHLY_COLUMNS)


def _write_monthly(d: Path, rows: pd.DataFrame) -> None:
    rows.to_csv(d / "monthly_prices.csv", index=False)


def _rows_to_mean(d: Path, sites: list[str], prices: list[float]) -> float:
    """Set the sites' price rows to the hour-weighted mean of 12 monthly prices (the loader requires it)."""
    hours = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]) * 24.0
    mean = float((np.array(prices) * hours).sum() / hours.sum())
    sp = pd.read_csv(d / "site_parameters.csv", dtype=str, keep_default_na=False)
    rows = (sp["site"].isin(sites)) & (sp["parameter"] == "electricity_price_list_yuan_per_kwh")
    sp.loc[rows, "value"] = repr(mean)
    sp.to_csv(d / "site_parameters.csv", index=False)
    return mean


# -- capex ---------------------------------------------------------------------------------------


def test_every_site_has_its_own_capex_equal_to_the_sum_of_its_parts(catalog: Catalog) -> None:
    for site in catalog.site_ids:
        parts = [catalog.site_value(site, p) for p in CAPEX_PARTS]
        assert sum(parts) == pytest.approx(catalog.site_value(site, "capex_yuan_per_mw"), abs=1.0), site
        assert catalog.provenance(site, "capex_yuan_per_mw")["status"] == "derived"
    values = {catalog.site_value(s, "capex_yuan_per_mw") for s in catalog.site_ids}
    assert len(values) > 1  # no longer one national figure for every site


def test_capex_equipment_part_is_the_national_share_at_every_site(catalog: Catalog) -> None:
    expected = 0.63 * NATIONAL_CAPEX_YUAN_PER_MW  # 31,802,400 yuan/MW
    assert expected == pytest.approx(31_802_400)
    for site in catalog.site_ids:
        assert catalog.site_value(site, "capex_equipment_yuan_per_mw") == pytest.approx(expected, abs=1.0)


@pytest.mark.parametrize(("site", "wage_yuan"), [
    ("zhongwei", 105_266),  # Ningxia 2021 (nbs-2022-prov-wage-2021)
    ("yaan", 96_741),  # Sichuan 2021 (scdaily-2022-wage)
    ("chongqing", 101_670),  # Chongqing 2021 (nbs-2022-prov-wage-2021)
    ("guian", 94_964),  # western region 2021 (nbs-2022-wage-2021-release)
    ("beijing", 194_651),  # Beijing 2021 (nbs-2022-prov-wage-2021)
])
def test_capex_regional_part_scales_with_the_wage_index(catalog: Catalog, site: str, wage_yuan: int) -> None:
    expected = 0.37 * NATIONAL_CAPEX_YUAN_PER_MW * wage_yuan / NATIONAL_WAGE_2021_YUAN
    assert catalog.site_value(site, "capex_regional_yuan_per_mw") == pytest.approx(expected, abs=1.0)


def test_capex_range_spans_regional_shares_from_23_to_50_percent(catalog: Catalog) -> None:
    # Zhangjiakou: Hebei 82,526 / 106,837; the cheaper region, so a larger regional share lowers the cost
    r = 82_526 / NATIONAL_WAGE_2021_YUAN
    low = NATIONAL_CAPEX_YUAN_PER_MW * (1 - 0.50 + 0.50 * r)
    high = NATIONAL_CAPEX_YUAN_PER_MW * (1 - 0.23 + 0.23 * r)
    prov = catalog.provenance("zhangjiakou", "capex_yuan_per_mw")
    assert prov["low"] == pytest.approx(low, abs=1.0) and prov["high"] == pytest.approx(high, abs=1.0)
    for site in catalog.site_ids:
        p = catalog.provenance(site, "capex_yuan_per_mw")
        assert p["low"] < p["value"] < p["high"], site


def test_loader_rejects_capex_that_is_not_the_sum_of_its_parts(tmp_path: Path) -> None:
    d = _copy_catalog(tmp_path)
    df = pd.read_csv(d / "site_parameters.csv", dtype=str, keep_default_na=False)
    mask = (df["site"] == "guian") & (df["parameter"] == "capex_regional_yuan_per_mw")
    assert mask.sum() == 1
    df.loc[mask, "value"] = "20000000"
    df.to_csv(d / "site_parameters.csv", index=False)
    with pytest.raises(CatalogError, match=r"guian.*capex_yuan_per_mw .* is not the sum of"):
        load_catalog(d)


def test_western_capex_sits_inside_announced_project_costs(catalog: Catalog) -> None:
    """sites/README.md: Zhongwei's 中交 phase 1, 1.16 bn yuan / (14,336 racks x 2.5 kW) = 32,400 yuan/kW, and
    Chongqing's Tenglong phase 2, 1.3 bn yuan / (4,700 x 2.5 kW) = 110,600 yuan/kW, bound the western sites."""
    low_yuan_per_kw = 1.16e9 / (14_336 * 2.5)
    high_yuan_per_kw = 1.3e9 / (4_700 * 2.5)
    for site in ("zhongwei", "guian", "yaan", "chongqing"):
        assert low_yuan_per_kw < catalog.site_value(site, "capex_yuan_per_mw") / 1000 < high_yuan_per_kw


# -- monthly prices ------------------------------------------------------------------------------


def test_shipped_catalog_has_no_monthly_table_without_twelve_months(catalog: Catalog) -> None:
    # the shipped table is empty (no seed province's 12 monthly tables were found): every site says None
    for site in catalog.site_ids:
        assert catalog.monthly_base_price_yuan_per_kwh(site) is None


def test_monthly_prices_are_returned_in_month_order_for_the_province(tmp_path: Path) -> None:
    d = _copy_catalog(tmp_path)
    prices = [0.50 + 0.01 * m for m in range(1, 13)]
    rows = _monthly_rows("Sichuan", prices)
    _write_monthly(d, rows.iloc[::-1])  # written December first: the accessor sorts by month
    _rows_to_mean(d, ["yaan", "chengdu"], prices)
    cat = load_catalog(d)
    for site in ("yaan", "chengdu"):  # both in Sichuan
        got = cat.monthly_base_price_yuan_per_kwh(site)
        assert got is not None and got.shape == (12,)
        np.testing.assert_allclose(got, prices)
    assert cat.monthly_base_price_yuan_per_kwh("zhongwei") is None  # Ningxia has no table


def test_monthly_prices_need_twelve_months_once_each(tmp_path: Path) -> None:
    d = _copy_catalog(tmp_path)
    _write_monthly(d, _monthly_rows("Sichuan", [0.5] * 12, months=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11]))
    with pytest.raises(CatalogError, match=r"'Sichuan'.*months 1-12 of one year once each.*11, 11\]"):
        load_catalog(d)


def test_monthly_prices_rejects_a_value_outside_the_schema_limits(tmp_path: Path) -> None:
    d = _copy_catalog(tmp_path)
    _write_monthly(d, _monthly_rows("Chongqing", [0.7] * 11 + [3.0]))
    with pytest.raises(CatalogError, match=r"monthly_prices.csv line 13 .*value 3 is outside \[0.1, 2\] yuan/kWh"):
        load_catalog(d)


def test_monthly_prices_rejects_an_unknown_source_and_province(tmp_path: Path) -> None:
    d = _copy_catalog(tmp_path)
    rows = _monthly_rows("Atlantis", [0.4] * 12)
    rows.loc[0, "source"] = "no-such-source"
    _write_monthly(d, rows)
    with pytest.raises(CatalogError) as info:
        load_catalog(d)
    assert "province 'Atlantis' is not a province of sites.csv" in str(info.value)
    assert "source 'no-such-source' is not a key of sources.csv" in str(info.value)


# -- honest ranges -------------------------------------------------------------------------------


def test_every_ranged_price_goes_both_ways(catalog: Catalog) -> None:
    sp = catalog.site_parameters
    rows = sp[(sp["parameter"] == "electricity_price_list_yuan_per_kwh") & (sp["low"].astype(str).str.strip() != "")]
    assert "guian" in set(rows["site"])
    for r in rows.to_dict("records"):
        assert float(r["low"]) < float(r["value"]) < float(r["high"]), r["site"]


def test_an_all_in_price_gets_no_demand_charge_drawn_on_top(catalog: Catalog) -> None:
    """Gui'an's price is the comprehensive price (energy and basic charge together): its demand charge is
    0 `derived` and must carry no range, or --robust would draw a basic charge twice."""
    prov = catalog.provenance("guian", "demand_charge_yuan_per_kw_month")
    assert (prov["value"], prov["status"], prov["low"], prov["high"]) == (0.0, "derived", None, None)


def test_bandwidth_from_national_list_prices_is_an_assumption_bounded_by_them(catalog: Catalog) -> None:
    sp = catalog.site_parameters
    rows = sp[(sp["parameter"] == "bandwidth_price_yuan_per_gbps_month") & (sp["source"] == "ctyun-eip-price")]
    assert {"zhongwei", "guian", "yaan"} <= set(rows["site"])
    for r in rows.to_dict("records"):
        # 36 yuan/Mbps/month list; 18 = its three-year prepay; 45 = Tencent Chengdu
        assert (r["status"], r["value"], float(r["low"]), float(r["high"])) == ("assumption", 36_000, 18_000, 45_000)


def test_every_assumption_in_defaults_has_a_range(catalog: Catalog) -> None:
    df = catalog.defaults_table
    assumed = df[df["status"] == "assumption"]
    assert {"utilisation_fraction", "horizon_years", "fixed_site_cost_yuan_per_year", "staff_per_mw",
            "route_factor", "land_m2_per_mw"} <= set(assumed["parameter"])
    for r in assumed.to_dict("records"):
        assert float(r["low"]) <= float(r["value"]) <= float(r["high"]), r["parameter"]


def test_monthly_prices_drive_each_months_energy_cost(tmp_path: Path) -> None:
    """With a province's 12 monthly tables, each month's energy is priced at that month's price: the site's row
    is the hour-weighted annual mean, and month m costs (price_m / row) times what it costs at the row's one
    price (hand computation below; the demand charge, billed on peak kW, is set to 0 to isolate the energy)."""
    from dataclasses import replace

    from siting.data.request import parse_request
    from siting.models.costs import energy_cost_of_site_by_period
    from siting.optimization.problem import site_inputs

    d = _copy_catalog(tmp_path)
    # a wet-season dip, as in a hydro province (test values, not a published table)
    prices = [0.48, 0.48, 0.47, 0.46, 0.44, 0.40, 0.38, 0.38, 0.40, 0.44, 0.47, 0.48]
    _write_monthly(d, _monthly_rows("Sichuan", prices))
    with pytest.raises(CatalogError, match=r"\(yaan\): electricity_price_list_yuan_per_kwh .* is not the annual mean"):
        load_catalog(d)  # the row must be the months' mean: the model moves the price around it
    mean = _rows_to_mean(d, ["yaan", "chengdu"], prices)
    cat = load_catalog(d)
    req = parse_request({"candidates": ["yaan"]})
    si = site_inputs(cat, req, "yaan")
    assert si.price_flat_monthly_yuan_per_kwh is not None
    np.testing.assert_allclose(si.price_flat_monthly_yuan_per_kwh, prices, rtol=1e-12)
    monthly = energy_cost_of_site_by_period(replace(si, demand_charge_yuan_per_kw_month=0.0), 0.7).sum(axis=1)
    flat = energy_cost_of_site_by_period(replace(si, demand_charge_yuan_per_kw_month=0.0,
                                                 price_flat_monthly_yuan_per_kwh=None), 0.7).sum(axis=1)
    july = 6
    assert monthly[july] == pytest.approx(flat[july] * prices[july] / mean, rel=1e-12)
    np.testing.assert_allclose(monthly, flat * np.array(prices) / mean, rtol=1e-12)
    # an override of the row (a scenario, a break-even) moves every month with it
    lower = site_inputs(cat.with_site_value("yaan", "electricity_price_list_yuan_per_kwh", mean * 0.9), req, "yaan")
    assert lower.price_flat_monthly_yuan_per_kwh is not None
    np.testing.assert_allclose(lower.price_flat_monthly_yuan_per_kwh, 0.9 * np.array(prices), rtol=1e-12)
