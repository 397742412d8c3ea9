"""Seismic hazard as a constraint: a class's max_pga_g bars sites whose sourced design PGA is higher."""

from __future__ import annotations

import pytest

import siting
from siting.data.catalog import Catalog


def _req(limit: float | None, **extra: object) -> dict[str, object]:
    return {"classes": [{"name": "core", "share_fraction": 1.0, "max_pga_g": limit, "demand_regions": ["east"]}],
            **extra}


def test_pga_limit_bars_zhongwei_and_changes_the_plan(catalog: Catalog) -> None:
    # catalog: zhongwei 0.20 g (GB 50011-2010 App. A), yaan 0.10 g, guian 0.05 g, chongqing 0.05 g
    assert catalog.site_value("zhongwei", "seismic_pga_g") == 0.2
    # zhongwei is the cheapest of these three without a seismic limit
    free = siting.optimize(_req(None, candidates=["zhongwei", "yaan", "chongqing"]), catalog)
    assert "zhongwei" in free.chosen_sites
    cands = ["zhongwei", "yaan", "chongqing"]
    assert siting.optimize(_req(0.2, candidates=cands), catalog).chosen_sites == free.chosen_sites  # inclusive
    limited = siting.optimize(_req(0.1, candidates=cands), catalog)
    assert limited.status == "optimal" and "zhongwei" not in limited.chosen_sites
    assert limited.objective_yuan_per_year > free.objective_yuan_per_year
    ranking = siting.rank(_req(0.1), catalog)
    assert not ranking.at["zhongwei", "feasible_alone"]
    assert ranking.at["zhongwei", "flags"] == [
        "core may not use it: seismic PGA 0.2 g > 0.1 g (gb50011-2010-appxA-json, sourced)"]
    assert ranking.at["yaan", "feasible_alone"]  # 0.10 g is within 0.10 g


def test_pga_limit_leaving_no_site_is_diagnosed(catalog: Catalog) -> None:
    r = siting.optimize(_req(0.1, candidates=["zhongwei"]), catalog)
    assert r.status == "infeasible"
    first = r.diagnosis[0]
    assert first["field"] == "classes[0].max_pga_g"
    assert "zhongwei: seismic PGA 0.2 g > 0.1 g" in first["message"]


def test_avoiding_water_scarce_regions_is_excluding_the_sites_a_source_names(catalog: Catalog) -> None:
    """Ningxia and Gansu are named water-scarce (Jiang et al. 2025, Applied Energy 399): with
    avoid_water_scarce_sites the plan is exactly the plan that excludes Zhongwei (the one flagged
    default candidate), and the score cards say why."""
    assert catalog.site_value("zhongwei", "water_scarce_region") == 1.0
    assert catalog.site_value("qingyang", "water_scarce_region") == 1.0
    # Sichuan is not named; its flag is derived from its water resources per person (3,061.7 m3, above the
    # Falkenmark 1,000 m3 scarcity line), and Beijing's 205.5 m3 is below it
    assert catalog.site_value("yaan", "water_scarce_region") == 0.0
    assert catalog.site_value("yaan", "water_resources_m3_per_capita") == 3061.7
    assert catalog.site_value("beijing", "water_scarce_region") == 1.0
    assert catalog.provenance("yaan", "water_scarce_region")["status"] == "derived"
    cands = {"candidates": ["zhongwei", "yaan", "chongqing"]}  # Gui'an aside: the plan then uses Zhongwei
    avoid = siting.optimize({**cands, "avoid_water_scarce_sites": True}, catalog)
    without = siting.optimize({**cands, "excluded_sites": ["zhongwei"]}, catalog)
    base = siting.optimize(cands, catalog)
    assert "zhongwei" in base.chosen_sites and "zhongwei" not in avoid.chosen_sites
    assert avoid.chosen_sites == without.chosen_sites
    assert avoid.objective_yuan_per_year == pytest.approx(without.objective_yuan_per_year, rel=1e-9)
    assert avoid.objective_yuan_per_year > base.objective_yuan_per_year
    cards = siting.rank({"avoid_water_scarce_sites": True}, catalog)
    assert not cards.loc["zhongwei", "feasible_alone"]
    assert any("water-scarce region (jiang-2025-appene, sourced)" in f for f in cards.loc["zhongwei", "flags"])


def test_only_water_scarce_candidates_is_diagnosed_on_the_field(catalog: Catalog) -> None:
    r = siting.optimize({"candidates": ["zhongwei", "qingyang"], "avoid_water_scarce_sites": True,
                         "max_share_per_site": 1.0}, catalog)
    assert r.status == "infeasible"
    fields = {d["field"] for d in r.diagnosis if d["severity"] == "error"}
    assert "avoid_water_scarce_sites" in fields


def test_the_report_shows_water_scarcity_with_its_source(catalog: Catalog) -> None:
    from siting.report.html import render_report

    req = siting.parse_request({})
    html = render_report(catalog, req, siting.rank(req, catalog), siting.optimize(req, catalog))
    assert "water-scarce region" in html
    assert "jiang-2025-appene" in html
    # every site is assessed since the NBS water resources rows: Gui'an's derived 0 reads "no", linked to its row
    assert ">no</a>" in html and 'href="#row-guian-water_scarce_region"' in html
    assert "not assessed" not in html


def _flood_req(limit: float | None, **extra: object) -> dict[str, object]:
    return {"classes": [{"name": "core", "share_fraction": 1.0, "min_flood_return_period_years": limit,
                         "demand_regions": ["east"]}], **extra}


def test_flood_limit_bars_sites_below_the_standard_and_equals_excluding_them(catalog: Catalog) -> None:
    """Flood protection as a constraint.  Catalog: Zhongwei 20 years (the Yellow River levees of the
    Shapotou reach, sourced), Gui'an and Ya'an 50 (assumption; derived from the code tier), Chongqing 100
    (the municipal rule, sourced).  A class asking for 50 years bars Zhongwei only: the plan is then exactly
    the plan without Zhongwei; asking for 100 leaves Chongqing alone."""
    years = {s: catalog.site_value(s, "flood_protection_return_period_years")
             for s in ("zhongwei", "guian", "yaan", "chongqing")}
    assert years == {"zhongwei": 20.0, "guian": 50.0, "yaan": 50.0, "chongqing": 100.0}
    assert catalog.provenance("zhongwei", "flood_protection_return_period_years")["source"] == \
        "zgslb-2018-zhongwei-levee"
    cands = {"candidates": ["zhongwei", "yaan", "chongqing"]}  # without Gui'an, the free plan uses Zhongwei
    free = siting.optimize(_flood_req(None, **cands), catalog)
    assert "zhongwei" in free.chosen_sites
    assert siting.optimize(_flood_req(20, **cands), catalog).chosen_sites == free.chosen_sites  # inclusive
    limited = siting.optimize(_flood_req(50, **cands), catalog)
    without = siting.optimize(_flood_req(None, excluded_sites=["zhongwei"], **cands), catalog)
    assert limited.chosen_sites == without.chosen_sites and "zhongwei" not in limited.chosen_sites
    assert limited.objective_yuan_per_year == pytest.approx(without.objective_yuan_per_year, rel=1e-9)
    assert limited.objective_yuan_per_year > free.objective_yuan_per_year
    assert siting.optimize(_flood_req(100, **cands), catalog).chosen_sites == ["chongqing"]
    cards = siting.rank(_flood_req(50), catalog)
    assert cards.at["zhongwei", "flags"] == [
        "core may not use it: flood protection 20-year < 50-year (zgslb-2018-zhongwei-levee, sourced)"]
    assert cards.at["yaan", "feasible_alone"] and not cards.at["zhongwei", "feasible_alone"]


def test_flood_limit_leaving_no_site_is_diagnosed_on_the_field(catalog: Catalog) -> None:
    r = siting.optimize(_flood_req(500, candidates=["zhongwei", "yaan"]), catalog)
    assert r.status == "infeasible"
    first = r.diagnosis[0]
    assert first["field"] == "classes[0].min_flood_return_period_years"
    assert "zhongwei: flood protection 20-year < 500-year" in first["message"]
    assert "yaan: flood protection 50-year < 500-year (yaan-2021-census, derived)" in first["message"]


def test_flood_limit_out_of_range_names_field_value_and_limit(catalog: Catalog) -> None:
    with pytest.raises(siting.RequestError) as e:
        siting.optimize(_flood_req(0.5), catalog)
    assert "min_flood_return_period_years" in str(e.value) and "0.5" in str(e.value)


def test_the_report_shows_flood_protection_with_its_source(catalog: Catalog) -> None:
    from siting.report.html import render_report

    req = siting.parse_request({})
    html = render_report(catalog, req, siting.rank(req, catalog), siting.optimize(req, catalog))
    assert "flood protection [years]" in html
    assert "cqslj-2021-flood-control" in html and "zgslb-2018-zhongwei-levee" in html


def test_every_reason_a_site_is_barred_is_kept(catalog: Catalog) -> None:
    # Zhongwei fails the seismic limit (0.20 g), the flood limit (20-year levees) and is water-scarce: the flag
    # names all three, in that order, not only the last one checked
    req = {"classes": [{"name": "core", "share_fraction": 1.0, "max_pga_g": 0.1,
                        "min_flood_return_period_years": 50, "demand_regions": ["east"]}],
           "avoid_water_scarce_sites": True}
    flags = siting.rank(req, catalog).at["zhongwei", "flags"]
    assert flags == ["core may not use it: seismic PGA 0.2 g > 0.1 g (gb50011-2010-appxA-json, sourced) and "
                     "flood protection 20-year < 50-year (zgslb-2018-zhongwei-levee, sourced) and "
                     "water-scarce region (jiang-2025-appene, sourced) and avoid_water_scarce_sites is set"]


def test_a_bar_resting_on_an_assumption_says_so_once(catalog: Catalog) -> None:
    # Gui'an's flood protection is an assumption (50 years, range 20-100): its row's source is the word itself
    assert catalog.provenance("guian", "flood_protection_return_period_years")["source"] == "assumption"
    req = {"classes": [{"name": "core", "share_fraction": 1.0, "min_flood_return_period_years": 100,
                        "demand_regions": ["east"]}]}
    assert siting.rank(req, catalog).at["guian", "flags"] == [
        "core may not use it: flood protection 50-year < 100-year (assumption)"]
