"""Grid capacity by year: each phase must fit the capacity of its own year, and the diagnosis says which."""

from __future__ import annotations

import pytest

import siting
from siting.data.catalog import Catalog
from siting.optimization.problem import build_site_problem

GOV = [{"name": "gov", "share_fraction": 1.0, "allowed_sites": ["chongqing"]}]


def test_capacity_is_a_step_function_of_the_year(catalog: Catalog) -> None:
    # sites/grid_capacity.csv: chongqing 120 MW from 2030, 80 MW from 2035, 40 MW from 2050; 200 MW before
    assert [catalog.capacity_in("chongqing", y)[0] for y in (2027, 2030, 2034, 2035, 2049, 2050)] == [
        200.0, 120.0, 120.0, 80.0, 80.0, 40.0]
    assert catalog.capacity_in("yaan", 2040)[0] == catalog.site_value("yaan", "available_capacity_mw")


def test_each_phase_is_checked_in_its_own_year(catalog: Catalog) -> None:
    # 100 MW in 2027 then 300 MW from 2032: the 2032 phase binds (120 MW there); 2027's 200 MW would not
    req = siting.parse_request({"it_load_mw": 300, "in_service_year": 2027, "candidates": ["chongqing", "yaan"],
                                "phases": [{"year_offset": 0, "it_load_mw": 100},
                                           {"year_offset": 5, "it_load_mw": 300}]})
    p = build_site_problem(catalog, req)
    assert p.capacity_mw[p.sites.index("chongqing")] == pytest.approx(120.0)
    # a small first phase in 2027 only: 200 MW / (100/300) = 600 MW of peak allocation fit at chongqing
    early = siting.parse_request({"it_load_mw": 300, "in_service_year": 2027, "candidates": ["chongqing"],
                                  "phases": [{"year_offset": 0, "it_load_mw": 100},
                                             {"year_offset": 1, "it_load_mw": 300}]})
    assert build_site_problem(catalog, early).capacity_mw[0] == pytest.approx(200.0)


def test_the_diagnosis_names_the_year_and_the_source(catalog: Catalog) -> None:
    r = siting.optimize({"it_load_mw": 300, "in_service_year": 2031, "classes": GOV}, catalog)
    assert r.status == "infeasible"
    msg = next(d["message"] for d in r.diagnosis if d["code"] == "class_capacity_short")
    assert "class gov: 300.0 MW may only go to chongqing 120 MW" in msg
    assert "120 MW available in 2031" in msg and "cmia-2021" in msg
    ok = siting.optimize({"it_load_mw": 150, "in_service_year": 2027, "classes": GOV}, catalog)
    assert ok.status == "optimal"


def test_in_service_year_is_validated() -> None:
    with pytest.raises(siting.RequestError, match="in_service_year = 1999"):
        siting.parse_request({"in_service_year": 1999})


def test_a_2035_request_at_chongqing_hits_the_grid_limit(catalog: Catalog) -> None:
    # grid_capacity.csv: 80 MW from 2035; 100 MW of a Chongqing-only class cannot fit
    r = siting.optimize({"it_load_mw": 100, "in_service_year": 2035, "classes": GOV}, catalog)
    assert r.status == "infeasible"
    msg = next(d["message"] for d in r.diagnosis if d["code"] == "class_capacity_short")
    assert msg.startswith("class gov: 100.0 MW may only go to chongqing 80 MW (80 MW available in 2035")
    assert "grid_capacity.csv from 2035: cmia-2021" in msg
