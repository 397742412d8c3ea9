"""Time-of-use energy cost, against hand-computed numbers, and through the optimiser."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import siting
from siting.data.catalog import Catalog, load_catalog
from siting.errors import CatalogError
from siting.models.costs import energy_cost_yuan_per_mw_year
from siting.models.tariffs import (
    DAYS_PER_MONTH,
    PERIODS,
    TouSchedule,
    daily_it_energy_mwh,
    energy_cost_by_period,
    flat_equivalent_price_yuan_per_kwh,
)

from .test_catalog import _copy_catalog

PEAK, FLAT, VALLEY = PERIODS.index("peak"), PERIODS.index("flat"), PERIODS.index("valley")


def two_period(valley_hours: float = 8.0, valley_mult: float = 0.4, peak_mult: float = 1.6) -> TouSchedule:
    hours = np.zeros((12, len(PERIODS)))
    hours[:, PEAK], hours[:, VALLEY] = 24.0 - valley_hours, valley_hours
    mult = np.ones((12, len(PERIODS)))
    mult[:, PEAK], mult[:, VALLEY] = peak_mult, valley_mult
    return TouSchedule(hours, mult, "test")


def test_flat_schedule_reproduces_the_flat_formula() -> None:
    pue_m = np.full(12, 1.2)
    cost = energy_cost_by_period(0.5, 0.0, TouSchedule.flat(), pue_m, 0.7).sum()
    assert cost == pytest.approx(energy_cost_yuan_per_mw_year(0.5, 1.2, 0.7))  # 8760 x 0.7 x 1.2 x 1000 x 0.5


def test_a_flat_load_pays_the_hour_weighted_price() -> None:
    # 16 h at 1.6 x 0.5 and 8 h at 0.4 x 0.5: (16 x 0.8 + 8 x 0.2) / 24 = 0.6 yuan/kWh; plus a 0.05 adder
    price = flat_equivalent_price_yuan_per_kwh(0.5, 0.05, two_period(), np.full(12, 1.1), 0.7)
    assert price == pytest.approx(0.65)


def test_flexible_energy_fills_the_valley_up_to_capacity() -> None:
    # u = 0.7, f = 0.5: 0.35 MW runs all day; 8.4 MWh/day are flexible; the valley (8 h) has 0.65 MW of
    # headroom = 5.2 MWh; the remaining 3.2 MWh go to the next cheapest period (peak)
    e = daily_it_energy_mwh(two_period(), 0.7, 0.5)
    assert e[0, VALLEY] == pytest.approx(0.35 * 8 + 5.2)
    assert e[0, PEAK] == pytest.approx(0.35 * 16 + 3.2)
    assert e.sum(axis=1) == pytest.approx(np.full(12, 0.7 * 24))  # no energy lost or created
    flat = energy_cost_by_period(0.5, 0.0, two_period(), np.full(12, 1.0), 0.7, 0.0).sum()
    flex = energy_cost_by_period(0.5, 0.0, two_period(), np.full(12, 1.0), 0.7, 0.5).sum()
    # a flat load has 0.7 x 8 = 5.6 MWh in the valley; the flexible one fills it to 8 MWh (1 MW x 8 h):
    # 2.4 MWh/day move from 0.8 to 0.2 yuan/kWh, saving 2.4 x 1000 x 0.6 x 365 yuan
    assert e[0, VALLEY] == pytest.approx(8.0)
    assert flat - flex == pytest.approx(2.4 * 1000 * 0.6 * DAYS_PER_MONTH.sum())


def test_shipped_schedules_cover_every_hour(catalog: Catalog) -> None:
    assert {"Sichuan", "Chongqing", "Shanghai", "Anhui"} <= set(catalog.tou)
    for sched in catalog.tou.values():
        assert np.allclose(sched.hours.sum(axis=1), 24.0)
    # Sichuan: valley at 0.4 of the flat price, 10 h a day in spring and autumn (川发改价格〔2025〕185号)
    sc = catalog.tou["Sichuan"]
    assert sc.multiplier[3, VALLEY] == 0.4 and sc.hours[3, VALLEY] == 10


def test_a_schedule_that_does_not_cover_the_day_is_refused(tmp_path: Path) -> None:
    d = _copy_catalog(tmp_path)
    text = (d / "tou_periods.csv").read_text(encoding="utf-8").replace('Chongqing,"1,7,8,12",flat,8,',
                                                                       'Chongqing,"1,7,8,12",flat,7,')
    (d / "tou_periods.csv").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="Chongqing time-of-use: hours per day must sum to 24"):
        load_catalog(d)


def test_energy_by_period_adds_up_and_flexible_load_changes_the_choice(catalog: Catalog) -> None:
    req = {"it_load_mw": 100, "candidates": ["yaan", "zhongwei"],
           "classes": [{"name": "training", "share_fraction": 1.0}]}
    flat = siting.optimize(req, catalog)
    flex = siting.optimize({**req, "classes": [{"name": "training", "share_fraction": 1.0,
                                                "flexible_share_fraction": 0.5}]}, catalog)
    # Zhongwei has no time-of-use table (flat price): cheaper for a flat load; Ya'an's valley wins a flexible one
    assert flat.chosen_sites == ["zhongwei"] and flex.chosen_sites == ["yaan"]
    for r in (flat, flex):
        assert r.energy_by_period["energy_cost_yuan"].sum() == pytest.approx(r.cost_breakdown["energy"].sum())
    valley = flex.energy_by_period.query("period == 'valley'")["it_energy_mwh"].sum()
    assert valley / flex.energy_by_period["it_energy_mwh"].sum() > 0.4


def test_mengxi_light_wind_season_has_a_deep_valley(catalog: Catalog) -> None:
    """内发改价费字〔2023〕1630号: Jun-Aug, deep valley 13-15 at valley x 0.8 = 0.352 x flat; critical peak 19-21 at
    peak x 1.2 = 1.848 x flat; every month's hours sum to 24."""
    s = catalog.tou["Inner Mongolia"]
    july, january = 6, 0
    dv, cp = PERIODS.index("deep_valley"), PERIODS.index("critical_peak")
    assert s.hours[july, dv] == 2 and s.multiplier[july, dv] == pytest.approx(0.44 * 0.8)
    assert s.hours[july, cp] == 2 and s.multiplier[july, cp] == pytest.approx(1.54 * 1.2)
    assert s.hours[january, dv] == 0 and s.multiplier[january, PEAK] == 1.68
    assert np.allclose(s.hours.sum(axis=1), 24.0)
    # Guizhou (黔发改价格〔2023〕481号): 8 h each at 1.6 / 1.0 / 0.4, so a flat load pays the flat price
    assert catalog.tou["Guizhou"].mean_multiplier() == pytest.approx(1.0)
