"""Shipped hourly weather: provenance, a raw CSWD file reproduced, psychrolib, hourly PUE by hand, hours meet
tariffs, and ``siting climate import`` with good and bad files."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import psychrolib
import pytest
from typer.testing import CliRunner

from siting.cli import app
from siting.data.catalog import Catalog, default_catalog_dir, load_catalog
from siting.data.weather import haversine_km, import_epw
from siting.errors import CatalogError
from siting.models.pue import COOLING_PARAMETERS, OVERHEADS, pue_hours
from siting.models.tariffs import PERIODS, TouSchedule, energy_cost_by_period, hourly_energy_cost_yuan

from .helpers import DATA

EPW = DATA / "CHN_Guizhou.Guiyang.578160_CSWD.epw.gz"


def _epw_text() -> str:
    return gzip.decompress(EPW.read_bytes()).decode("latin-1")


def test_every_site_has_a_station_with_provenance(catalog: Catalog) -> None:
    st = catalog.climate.set_index("site")
    assert set(st.index) == set(catalog.site_ids)
    assert set(st["source"]) <= set(catalog.sources["key"])
    assert set(st["status"]) <= {"sourced", "derived"}  # no assumption rows for any site
    for site, r in st.iterrows():
        d = haversine_km(catalog.site_value(str(site), "lat_deg"), catalog.site_value(str(site), "lon_deg"),
                         float(r["lat_deg"]), float(r["lon_deg"]))
        assert float(r["distance_km"]) == pytest.approx(d, abs=0.1)
        assert str(r["note"]).strip()
        if float(r["lapse_rate_k_per_km"]) > 0:  # corrected: -6.5 K/km x (site - station)
            dz = float(r["site_elevation_m"]) - float(r["elevation_m"])
            assert float(r["elevation_difference_m"]) == pytest.approx(dz, abs=0.1)
            assert float(r["drybulb_correction_k"]) == pytest.approx(-6.5 * dz / 1000.0, abs=0.01)
        else:
            assert float(r["drybulb_correction_k"]) == 0.0


def test_shipped_series_reproduces_the_raw_cswd_file_month_by_month(catalog: Catalog) -> None:
    # the raw EPW (fixture) read by hand: field 7 is the dry bulb; Gui'an's series has no correction
    assert float(catalog.climate.set_index("site").at["guian", "drybulb_correction_k"]) == 0.0
    lines = _epw_text().splitlines()[8:8 + 8760]
    raw = np.array([float(ln.split(",")[6]) for ln in lines])
    month = np.array([int(ln.split(",")[1]) for ln in lines])
    w = catalog.weather_of("guian")
    for m in range(1, 13):
        assert float(w.drybulb_c[w.month == m].mean()) == pytest.approx(float(raw[month == m].mean()), abs=0.05)


def test_zhongwei_correction_matches_the_stated_annual_mean(catalog: Catalog) -> None:
    # 36kr-2022: Zhongwei annual mean 8.8 degC; Yinchuan moved 114 m up at 6.5 K/km
    assert float(catalog.weather_of("zhongwei").drybulb_c.mean()) == pytest.approx(8.8, abs=0.2)
    assert float(catalog.weather_of("yaan").drybulb_c.mean()) == pytest.approx(15.6, abs=0.1)  # cbj-2023


def test_shipped_wet_bulb_is_psychrolib(catalog: Catalog) -> None:
    psychrolib.SetUnitSystem(psychrolib.SI)
    w = catalog.weather_of("chongqing")
    for i in (100, 4500, 5000):
        expected = psychrolib.GetTWetBulbFromTDewPoint(w.drybulb_c[i], min(w.dewpoint_c[i], w.drybulb_c[i]),
                                                       w.pressure_pa[i])
        assert w.wetbulb_c[i] == pytest.approx(expected, abs=0.06)  # inputs rounded to 0.1 K in the file


def test_waterside_pue_of_three_hours_by_hand(catalog: Catalog) -> None:
    # Chongqing, three July afternoons: wet bulb above 16 degC -> chillers carry the whole heat load
    w = catalog.weather_of("chongqing")
    hours = np.flatnonzero((w.month == 7) & (w.hour_of_day == 14))[:3]
    got = pue_hours(w, "waterside").hourly[hours]
    p = COOLING_PARAMETERS["waterside"]
    for h, g in zip(hours, got, strict=True):
        wb = float(w.wetbulb_c[h])
        assert wb > 16.0
        cop = min(0.5 * (14.0 + 273.15) / (wb + 9.0 - 14.0), 10.0)
        expected = 1.0 + 0.045 + 0.01 + 0.05 + 1.045 / cop
        assert p["fan_fraction"] == 0.05 and OVERHEADS["distribution_loss_fraction"] == 0.045
        assert g == pytest.approx(expected, rel=1e-12)


def test_monthly_annual_and_peak_pue_come_from_the_same_hours(catalog: Catalog) -> None:
    w = catalog.weather_of("guian")
    ph = pue_hours(w, "chiller")
    assert ph.annual == pytest.approx(float(ph.hourly.mean()), rel=1e-12)
    for m in range(12):
        assert ph.monthly[m] == pytest.approx(float(ph.hourly[w.month == m + 1].mean()))
        assert ph.monthly_peak[m] == float(ph.hourly[w.month == m + 1].max())


def _two_period_clock(peak_mult: float = 2.0) -> TouSchedule:
    hours = np.zeros((12, len(PERIODS)))
    hours[:, PERIODS.index("peak")] = hours[:, PERIODS.index("valley")] = 12
    mult = np.ones((12, len(PERIODS)))
    mult[:, PERIODS.index("peak")] = peak_mult
    grid = np.full((12, 24), PERIODS.index("valley"), dtype=np.int64)
    grid[:, 8:20] = PERIODS.index("peak")
    return TouSchedule(hours, mult, "test", grid)


def test_hourly_cost_of_a_tiny_schedule_by_hand() -> None:
    # base 0.5 yuan/kWh, peak 08-20 at x2 (1.0), valley 0.5; PUE 1.2 except one peak hour at 2.0; u = 0.5
    pue_h = np.full(8760, 1.2)
    pue_h[10] = 2.0  # 1 January, 10:00-11:00
    cost, it = hourly_energy_cost_yuan(0.5, _two_period_clock(), pue_h, 0.5)
    assert it == pytest.approx(np.full(8760, 0.5))
    # 365 days x (12 h x 1.0 + 12 h x 0.5) yuan/kWh x 500 kW x 1.2, plus 500 kW x 0.8 x 1.0 yuan in the hot hour
    assert cost.sum() == pytest.approx(365 * 18 * 600 + 400)
    # demand charge 10 yuan/(kW*month) on each month's peak PUE: 1,000 kW x (2.0 in January + 11 x 1.2) x 10
    monthly = np.array([pue_h[:744].mean(), *np.full(11, 1.2)])
    peak = np.array([2.0, *np.full(11, 1.2)])
    total = energy_cost_by_period(0.5, 0.0, _two_period_clock(), monthly, 0.5, 0.0, pue_h, 10.0, peak).sum()
    assert total == pytest.approx(365 * 18 * 600 + 400 + 10_000 * (2.0 + 11 * 1.2))


def test_flexible_load_moves_into_the_cheapest_hours_by_hand() -> None:
    # u = 0.5, f = 0.5: 0.25 MW runs all day; 6 MWh/day are flexible and fill the valley at 0.75 MW headroom
    cost, it = hourly_energy_cost_yuan(0.5, _two_period_clock(), np.full(8760, 1.2), 0.5, 0.5)
    day = it[:24]
    assert day.sum() == pytest.approx(12.0)  # no energy lost or created
    assert day[8:20] == pytest.approx(np.full(12, 0.25))
    # per day: 0.25 MW x (12 h x 1.0 + 12 h x 0.5) x 1,200 + 6 MWh x 0.5 x 1,200 = 5,400 + 3,600
    assert cost.sum() == pytest.approx(365 * 9000.0)


def test_a_july_peak_hour_at_chongqing_is_hotter_than_the_year_and_costs_more(catalog: Catalog) -> None:
    sched = catalog.tou["Chongqing"]
    assert sched.period_of_hour is not None
    ph = catalog.pue_hours_of("chongqing", "waterside")
    w = catalog.weather_of("chongqing")
    period = sched.hourly_period()
    july_peak = (w.month == 7) & (period == PERIODS.index("peak"))
    assert float(ph.hourly[july_peak].mean()) > ph.annual
    assert float(ph.hourly[july_peak].max()) > ph.monthly[6]
    # the cost follows: July's peak-period cost hour by hour exceeds the same hours priced at July's mean PUE
    hourly = energy_cost_by_period(0.5, 0.0, sched, ph.monthly, 0.7, 0.0, ph.hourly)
    monthly = energy_cost_by_period(0.5, 0.0, sched, ph.monthly, 0.7, 0.0, None)
    p = PERIODS.index("peak")
    assert hourly[6, p] > monthly[6, p]
    assert hourly.sum() == pytest.approx(monthly.sum(), rel=0.01)  # same energy, other hours


def test_onsite_pv_is_offered_wherever_there_is_weather(catalog: Catalog) -> None:
    assert all(catalog.green_offered_at("onsite-pv", s) for s in catalog.site_ids
               if catalog.green_options["onsite-pv"].applies_to(s, str(catalog.sites.at[s, "province"])))
    # sunny north-west above the cloudy Sichuan basin (CSWD irradiance)
    assert catalog.pv_yield_kwh_per_kwp("zhongwei") > 1.5 * catalog.pv_yield_kwh_per_kwp("chongqing")


def test_climate_import_brings_a_station_file_in(tmp_path: Path) -> None:
    epw = tmp_path / "guiyang.epw"
    epw.write_text(_epw_text(), encoding="latin-1")
    d = tmp_path / "cat"
    result = CliRunner().invoke(app, ["climate", "import", str(epw), "--site", "chongqing", "--catalog", str(d)])
    assert result.exit_code == 0, result.output
    cat = load_catalog(d)
    row = cat.climate.set_index("site").loc["chongqing"]
    assert row["source"] == "user-epw" and str(row["wmo"]) == "578160"
    shipped = load_catalog(default_catalog_dir()).weather_of("guian")
    assert cat.weather_of("chongqing").drybulb_c == pytest.approx(shipped.drybulb_c)


def _bad(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "bad.epw"
    f.write_text(text, encoding="latin-1")
    return f


def test_bad_epw_files_name_the_line(tmp_path: Path) -> None:
    lines = _epw_text().splitlines()
    short = lines.copy()
    short[20] = ",".join(short[20].split(",")[:20])
    with pytest.raises(CatalogError, match=r"bad.epw line 21: 20 fields, an EPW data line has 35"):
        import_epw(_bad(tmp_path, "\n".join(short)), "guian", tmp_path / "c1")
    text = lines.copy()
    fields = text[100].split(",")
    fields[6] = "warm"
    text[100] = ",".join(fields)
    with pytest.raises(CatalogError, match=r"line 101: field 7 \(dry bulb\) = 'warm' is not a number"):
        import_epw(_bad(tmp_path, "\n".join(text)), "guian", tmp_path / "c2")
    with pytest.raises(CatalogError, match="8000 hourly lines after the 8 header lines, a typical year needs 8760"):
        import_epw(_bad(tmp_path, "\n".join(lines[:8 + 8000])), "guian", tmp_path / "c3")


def test_cli_reports_a_bad_file_in_one_line(tmp_path: Path) -> None:
    f = _bad(tmp_path, "\n".join(_epw_text().splitlines()[:500]))
    result = CliRunner().invoke(app, ["climate", "import", str(f), "--site", "guian", "--catalog",
                                      str(tmp_path / "c")])
    assert result.exit_code == 2
    assert "492 hourly lines" in result.output and "Traceback" not in result.output


def test_unknown_site_is_refused(tmp_path: Path) -> None:
    epw = _bad(tmp_path, _epw_text())
    with pytest.raises(Exception, match="atlantis"):
        import_epw(epw, "atlantis", tmp_path / "c")


def test_catalog_without_weather_for_a_site_is_refused(tmp_path: Path) -> None:
    import shutil

    d = tmp_path / "cat"
    shutil.copytree(default_catalog_dir(), d, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    table = pd.read_csv(d / "weather_stations.csv", dtype=str, keep_default_na=False)
    table[table["site"] != "wuhu"].to_csv(d / "weather_stations.csv", index=False)
    with pytest.raises(CatalogError, match="site 'wuhu' has no weather"):
        load_catalog(d)
