"""Tornado: ends re-optimised, sorted by swing, monotone in a power price."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting import optimize
from siting.analysis.scenarios import SweepRange, load_scenario
from siting.analysis.sensitivity import tornado
from siting.data.catalog import Catalog

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"


def test_tornado_example(catalog: Catalog, tmp_path: Path) -> None:
    s = load_scenario(EXAMPLES / "monte-carlo.yaml")
    t = tornado(s, catalog)
    f = t.frame
    assert list(f["swing_yuan_per_year"]) == sorted(f["swing_yuan_per_year"], reverse=True)
    assert t.base_objective_yuan_per_year == pytest.approx(optimize(s.request, s.catalog_for(catalog))
                                                          .objective_yuan_per_year, rel=1e-6)
    carbon = f[f["parameter"] == "request.carbon_price_yuan_per_t"].iloc[0]
    assert carbon["delta_low_yuan_per_year"] == pytest.approx(0.0, abs=1.0)
    assert carbon["delta_high_yuan_per_year"] > 0
    from siting.report.charts import tornado_chart

    assert tornado_chart(t, tmp_path / "t.png").stat().st_size > 1000


def test_price_swing_matches_optimize(catalog: Catalog) -> None:
    s = load_scenario(EXAMPLES / "base.yaml")
    path = "sites.guian.electricity_price_yuan_per_kwh"  # a site of the base plan
    t = tornado(s, catalog, parameters={path: SweepRange(change_fraction=0.1)})
    row = t.frame.iloc[0]
    assert row["cost_low_yuan_per_year"] <= t.base_objective_yuan_per_year <= row["cost_high_yuan_per_year"]
    req, cat = s.apply({path: s.value_of(path, catalog) * 1.1}, catalog)
    assert row["cost_high_yuan_per_year"] == pytest.approx(optimize(req, cat).objective_yuan_per_year, rel=1e-6)
