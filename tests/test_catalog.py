"""The shipped catalog: provenance of every number, schema conformance, and clear errors on bad data."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting.data.catalog import CAPEX_PARTS, STATUSES, Catalog, default_catalog_dir, load_catalog
from siting.errors import CatalogError, UnknownIdError

REQUIRED_SITES = ["zhongwei", "guian", "yaan", "chongqing"]
OTHER_SITES = ["chengdu", "helinger", "qingyang", "zhangjiakou", "shaoguan", "wuhu", "beijing", "shanghai",
               "guangzhou"]
LONG_TABLES = ["site_parameters.csv", "centre_parameters.csv", "defaults.csv"]


def test_sites_present(catalog: Catalog) -> None:
    for s in REQUIRED_SITES + OTHER_SITES:
        assert s in catalog.site_ids
    assert catalog.default_candidates == REQUIRED_SITES


@pytest.mark.parametrize("table", LONG_TABLES)
def test_every_number_has_unit_source_year_status(table: str) -> None:
    df = pd.read_csv(default_catalog_dir() / table, dtype=str, keep_default_na=False)
    assert len(df) > 0
    for col in ("value", "unit", "source", "year", "status"):
        empty = df[df[col].str.strip() == ""]
        assert empty.empty, f"{table}: rows with empty {col}:\n{empty.head()}"
    assert set(df["status"]) <= set(STATUSES)
    assert df["year"].str.fullmatch(r"\d{4}").all()
    assumptions = df[df["status"] == "assumption"]
    assert (assumptions["note"].str.strip() != "").all(), f"{table}: assumptions need a justification"


def test_subsidies_have_provenance(catalog: Catalog) -> None:
    df = pd.read_csv(default_catalog_dir() / "subsidies.csv", dtype=str, keep_default_na=False)
    for col in ("source", "year", "status", "kind"):
        assert (df[col].str.strip() != "").all()
    sources = set(catalog.sources["key"])
    assert set(df["source"]) <= sources


def test_every_source_key_is_in_the_bibliography(catalog: Catalog) -> None:
    keys = set(catalog.sources["key"])
    for table in LONG_TABLES:
        df = pd.read_csv(default_catalog_dir() / table, dtype=str, keep_default_na=False)
        assert set(df["source"]) <= keys, f"{table}: {sorted(set(df['source']) - keys)}"


def test_brief_figures_used_exactly(catalog: Catalog) -> None:
    # data brief: Zhongwei 0.43-0.45 -> 0.36 yuan/kWh, PUE 1.1, 8.8 degC; Ya'an 0.34 yuan/kWh, 15.6 degC
    # the deal and the park price are opt-in packages, never defaults
    deal = catalog.packages["zhongwei-aws-2015"]
    assert [(t.site, t.value) for t in deal.terms] == [("zhongwei", 0.36)]
    assert deal.subsidy_ids == ("zhongwei-bw-2015",) and deal.kind == "negotiated_deal"
    assert np.isnan(catalog.site_value("zhongwei", "electricity_price_package_yuan_per_kwh"))
    assert 0.43 <= catalog.site_value("zhongwei", "electricity_price_list_yuan_per_kwh") <= 0.45
    assert catalog.site_value("zhongwei", "reported_pue") == 1.1
    assert [(t.site, t.value) for t in catalog.packages["yaan-park-hydro-2023"].terms] == [("yaan", 0.34)]
    assert catalog.site_value("yaan", "annual_mean_temp_c") == 15.6
    zw = [s for s in catalog.subsidies if s.site == "zhongwei" and s.kind == "bandwidth"]
    assert zw and zw[0].amount_yuan == 190_000_000
    ya = [s for s in catalog.subsidies if s.site == "yaan" and s.kind == "capex"]
    assert ya and ya[0].rate_fraction == 0.2 and ya[0].cap_yuan == 5_000_000


def test_demand_centres(catalog: Catalog) -> None:
    for c in ("beijing", "shanghai", "shenzhen", "suzhou", "chongqing", "chengdu", "singapore", "lhasa"):
        assert c in catalog.centre_ids
    assert len(catalog.centre_ids) >= 34
    assert (catalog.centres["population_million"] > 0).all()


def test_geojson_round_trip(tmp_path: Path, catalog: Catalog) -> None:
    import json

    import geopandas as gpd

    gj = catalog.sites_geojson()
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == len(catalog.site_ids)
    zw = next(f for f in gj["features"] if f["id"] == "zhongwei")
    price = zw["properties"]["parameters"]["electricity_price_list_yuan_per_kwh"]
    assert price["value"] == 0.44 and price["unit"] == "yuan/kWh" and price["source"] == "36kr-2022"
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps(gj))
    back = gpd.read_file(path)
    assert len(back) == len(catalog.site_ids)
    assert back.crs is not None and back.crs.to_epsg() == 4326


def _copy_catalog(tmp_path: Path) -> Path:
    d = tmp_path / "catalog"
    shutil.copytree(default_catalog_dir(), d, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return d


def _edit(path: Path, site: str, parameter: str, column: str, value: str) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    mask = (df["site"] == site) & (df["parameter"] == parameter)
    assert mask.sum() == 1
    df.loc[mask, column] = value
    df.to_csv(path, index=False)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("unit", "", "unit '' should be 'yuan/kWh'"),
        ("source", "", "source is empty"),
        ("source", "nowhere-2020", "source 'nowhere-2020' is not a key of sources.csv"),
        ("value", "-0.5", "value -0.5 is outside [0.1, 2]"),
        ("value", "cheap", "value 'cheap' is not a number"),
        ("status", "guess", "status 'guess' is not one of"),
        ("year", "", "year '' is not an integer year"),
    ],
)
def test_bad_catalog_data_names_site_parameter_value(tmp_path: Path, column: str, value: str, expected: str) -> None:
    d = _copy_catalog(tmp_path)
    _edit(d / "site_parameters.csv", "guian", "electricity_price_list_yuan_per_kwh", column, value)
    with pytest.raises(CatalogError) as err:
        load_catalog(d)
    msg = str(err.value)
    assert "site=guian" in msg and "electricity_price_list_yuan_per_kwh" in msg
    assert expected in msg


def test_unknown_parameter_and_missing_required(tmp_path: Path) -> None:
    d = _copy_catalog(tmp_path)
    _edit(d / "site_parameters.csv", "yaan", "wage_yuan_per_year", "parameter", "wages")
    with pytest.raises(CatalogError) as err:
        load_catalog(d)
    msg = str(err.value)
    assert "parameter=wages): unknown parameter" in msg
    assert "site 'yaan' has no value for required parameter 'wage_yuan_per_year'" in msg


def test_unknown_site_id_is_a_clear_error(catalog: Catalog) -> None:
    with pytest.raises(UnknownIdError, match="unknown site id 'atlantis'"):
        catalog.check_site("atlantis")


def test_override_is_range_checked(catalog: Catalog) -> None:
    changed = catalog.with_site_value("zhongwei", "electricity_price_list_yuan_per_kwh", 0.45)
    assert changed.site_value("zhongwei", "electricity_price_list_yuan_per_kwh") == 0.45
    assert catalog.site_value("zhongwei", "electricity_price_list_yuan_per_kwh") == 0.44
    with pytest.raises(CatalogError, match=r"sites.zhongwei.electricity_price_list_yuan_per_kwh = -1.0"):
        catalog.with_site_value("zhongwei", "electricity_price_list_yuan_per_kwh", -1.0)


@pytest.mark.parametrize("table", ["site_parameters.csv", "defaults.csv"])
def test_every_assumption_has_a_range_around_its_value(table: str) -> None:
    df = pd.read_csv(default_catalog_dir() / table, dtype=str, keep_default_na=False)
    assumptions = df[df["status"] == "assumption"]
    assert len(assumptions) > 0
    low, high, value = (pd.to_numeric(assumptions[c]) for c in ("low", "high", "value"))
    assert bool((low <= value).all()) and bool((value <= high).all())
    assert assumptions["note"].str.contains("Range ").all()  # the reason for the range is in the note


def test_an_assumption_without_a_range_is_refused(tmp_path: Path) -> None:
    d = _copy_catalog(tmp_path)
    df = pd.read_csv(d / "site_parameters.csv", dtype=str, keep_default_na=False)
    row = df.index[(df["site"] == "guian") & (df["parameter"] == "land_price_yuan_per_m2")][0]
    df.loc[row, ["low", "high"]] = ""
    df.to_csv(d / "site_parameters.csv", index=False)
    with pytest.raises(CatalogError, match=r"guian, parameter=land_price_yuan_per_m2\): an assumption needs a range"):
        load_catalog(d)


def test_a_package_price_in_site_parameters_is_refused(tmp_path: Path) -> None:
    d = _copy_catalog(tmp_path)
    with (d / "site_parameters.csv").open("a", encoding="utf-8") as f:
        f.write("zhongwei,electricity_price_package_yuan_per_kwh,0.36,yuan/kWh,36kr-2022,2015,sourced,deal,,\n")
    with pytest.raises(CatalogError, match="is set only by packages"):
        load_catalog(d)


def test_sites_readme_states_the_seed_assumption_share(catalog: Catalog) -> None:
    """sites/README.md says how much of the four seed sites rests on assumptions; keep it true."""
    import re

    sp = catalog.site_parameters
    seed = sp[sp["site"].isin(["zhongwei", "guian", "yaan", "chongqing"])
              & ~sp["parameter"].isin(["lat_deg", "lon_deg", "elevation_m", *CAPEX_PARTS])]  # parts restate capex
    n, a = len(seed), int((seed["status"] == "assumption").sum())
    text = (Path(__file__).parent.parent / "sites" / "README.md").read_text(encoding="utf-8")
    m = re.search(r"\*\*(\d+) of (\d+) site parameters \(([\d.]+) %\)\*\*", text)
    assert m is not None
    assert (int(m.group(1)), int(m.group(2)), float(m.group(3))) == (a, n, round(100 * a / n, 1))
    assumed = seed[seed["status"] == "assumption"]
    assert assumed["low"].notna().all() and assumed["high"].notna().all()


def test_capex_cross_check_against_meili_cloud(catalog: Catalog) -> None:
    """36kr-2022: Meili Cloud invested 2.2 bn yuan in nearly 20,000 cabinets (a 2014-15 build).  At 2.5-5 kW
    per cabinet that is 22,000-44,000 yuan/kW; the catalog's national figure must be the same order, above it."""
    capex_yuan_per_kw = catalog.site_value("zhongwei", "capex_yuan_per_mw") / 1000
    per_cabinet = 2.2e9 / 20_000
    low, high = per_cabinet / 5.0, per_cabinet / 2.5
    assert (low, high) == (22_000, 44_000)
    assert high < capex_yuan_per_kw < 2.5 * high


def test_lcoe_green_option_range_is_checked_for_shape(tmp_path: Path) -> None:
    # the on-site PV price is computed (lcoe), so its row has no value to hold a range against, but a range
    # given for it must still be two numbers with low <= high
    d = _copy_catalog(tmp_path)
    df = pd.read_csv(d / "green_options.csv", dtype=str, keep_default_na=False)
    mask = df["option_id"] == "onsite-pv"
    assert mask.sum() == 1 and (df.loc[mask, "price_basis"] == "lcoe").all()
    df.loc[mask, "low"], df.loc[mask, "high"] = "300", "200"
    df.to_csv(d / "green_options.csv", index=False)
    with pytest.raises(CatalogError) as err:
        load_catalog(d)
    assert "green_options.csv line" in str(err.value) and "(onsite-pv): range [300, 200]" in str(err.value)
    df.loc[mask, "low"], df.loc[mask, "high"] = "150", "400"
    df.to_csv(d / "green_options.csv", index=False)
    assert load_catalog(d).green_options["onsite-pv"].low == 150
