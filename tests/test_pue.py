"""PUE model: psychrometrics against published values, the Zhongwei figure, and physical properties.

``tests/data/expected_pue.csv`` states what the model gives for every site and
cooling technology with the shipped hourly weather (a regression table,
regenerated deliberately when the model or the weather change).
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siting import site_pue
from siting.data.catalog import Catalog
from siting.models.pue import COOLING_TECHNOLOGIES, pue
from siting.models.weather import HourlyWeather, rh_pct, synthetic_weather, wetbulb_c

from .helpers import DATA

WESTERN = ["zhongwei", "guian", "yaan", "chongqing"]


def test_wetbulb_matches_stull_2011() -> None:
    # Stull (2011), J. Appl. Meteor. Climatol. 50, 2267: T = 20 degC, RH = 50 % -> Tw = 13.7 degC (sea level);
    # 20 degC at 50 % RH has a dew point of 9.3 degC (psychrometric tables)
    assert float(wetbulb_c(20.0, 9.27, 101325.0)) == pytest.approx(13.7, abs=0.1)
    assert float(rh_pct(20.0, 9.27)) == pytest.approx(50.0, abs=0.2)
    assert float(rh_pct(25.0, 25.0)) == pytest.approx(100.0, abs=1e-6)


def test_zhongwei_airside_matches_reported_pue(catalog: Catalog) -> None:
    # 36kr-2022: Zhongwei data centres reach PUE 1.1 with full natural (air-side) cooling
    reported = catalog.site_value("zhongwei", "reported_pue")
    assert site_pue("zhongwei", "airside") == pytest.approx(reported, abs=0.03)


def test_chongqing_has_the_highest_pue_of_the_four(catalog: Catalog) -> None:
    # data brief: hot, humid summers -> expect the highest PUE of the four western sites
    for cooling in ("airside", "waterside", "chiller"):
        values = {s: site_pue(s, cooling) for s in WESTERN}
        assert max(values, key=values.__getitem__) == "chongqing", (cooling, values)


def test_economisers_beat_chillers_everywhere(catalog: Catalog) -> None:
    for s in catalog.site_ids:
        assert site_pue(s, "airside") < site_pue(s, "chiller")
        assert site_pue(s, "waterside") < site_pue(s, "chiller")
        assert site_pue(s, "liquid") < site_pue(s, "chiller")


def test_climate_normals_match_stated_annual_means(catalog: Catalog) -> None:
    # Ya'an 15.6 degC (cbj-2023, the correction is set to it); Zhongwei 8.8 degC (36kr-2022): Yinchuan moved to
    # Zhongwei's elevation (weather_stations.csv)
    for site, tol in (("yaan", 0.1), ("zhongwei", 0.2)):
        stated = catalog.site_value(site, "annual_mean_temp_c")
        assert float(np.mean(catalog.climate_of(site).temp_mean_c)) == pytest.approx(stated, abs=tol)


def test_hourly_normals_match_published_aggregates(catalog: Catalog) -> None:
    """Published aggregates check the CSWD hours: Gui'an/Guiyang annual mean 15.3 degC and RH 77 %
    (wuxiaworld-guiyang-climate); Chongqing every month above 70 % RH (wiki-chongqing-climate-text: above 75 %
    in the normals; the typical year is drier in spring)."""
    gu = catalog.climate_of("guian")
    assert float(gu.temp_mean_c.mean()) == pytest.approx(15.3, abs=0.5)
    assert float(gu.rh_pct.mean()) == pytest.approx(77.0, abs=3.0)
    cq = catalog.climate_of("chongqing")
    assert (cq.rh_pct >= 65.0).all()


def test_model_gives_the_stated_table() -> None:
    with (DATA / "expected_pue.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 14 * len(COOLING_TECHNOLOGIES)
    for r in rows:
        assert site_pue(r["site"], r["cooling"]) == pytest.approx(float(r["pue"]), abs=5e-4), r


def _climate(offset: float, rh: float) -> HourlyWeather:
    base = np.array([-6.0, -2.0, 4.0, 11.0, 17.0, 21.0, 23.0, 21.0, 16.0, 9.0, 2.0, -4.0]) + offset
    # dew point a fixed depression below the monthly mean (relative humidity ~ rh at the mean)
    dew = base - (100.0 - rh) / 5.0
    return synthetic_weather(base, np.full(12, 14.0), dew)


@settings(max_examples=40, deadline=None)
@given(offset=st.floats(-10, 15), warming=st.floats(0.5, 5), rh=st.floats(20, 90),
       cooling=st.sampled_from(COOLING_TECHNOLOGIES))
def test_pue_never_falls_when_the_climate_warms(offset: float, warming: float, rh: float, cooling: str) -> None:
    cooler, warmer = _climate(offset, rh), _climate(offset + warming, rh)
    assert pue(warmer, cooling) >= pue(cooler, cooling) - 1e-12


def test_pue_bounds() -> None:
    for cooling in COOLING_TECHNOLOGIES:
        cold = pue(_climate(-20, 50), cooling)
        hot = pue(_climate(15, 80), cooling)
        assert 1.0 < cold <= hot < 2.0


def test_unknown_cooling_is_rejected() -> None:
    with pytest.raises(ValueError, match="cooling = 'ice'"):
        pue(_climate(0, 50), "ice")
