"""Every analysis honours the chosen solver: break-evens, tornado, Monte Carlo and compare agree on CBC."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siting import optimize
from siting.analysis.compare import compare_scenarios
from siting.analysis.montecarlo import run_monte_carlo
from siting.analysis.scenarios import load_scenario
from siting.analysis.sensitivity import tornado
from siting.data.catalog import Catalog

SCENARIOS = Path(__file__).parent.parent / "examples" / "scenarios"


def test_break_evens_on_cbc_match_highs(catalog: Catalog) -> None:
    highs = optimize({}, catalog, explain=True)
    cbc = optimize({}, catalog, explain=True, solver="cbc")
    assert cbc.solver == "cbc"
    assert highs.break_even is not None and cbc.break_even is not None
    h = highs.break_even.set_index("site")["break_even_price_yuan_per_kwh"]
    c = cbc.break_even.set_index("site")["break_even_price_yuan_per_kwh"]
    assert c.to_numpy() == pytest.approx(h.to_numpy(), abs=1e-3)  # both within the 5e-4 yuan/kWh tolerance
    assert bool(cbc.break_even["price_verified"].all())


def test_tornado_on_cbc_matches_highs(catalog: Catalog) -> None:
    sc = load_scenario(SCENARIOS / "monte-carlo.yaml", catalog=catalog)
    h = tornado(sc, catalog).frame.set_index("parameter")["swing_yuan_per_year"]
    c = tornado(sc, catalog, solver="cbc").frame.set_index("parameter")["swing_yuan_per_year"]
    assert c.loc[h.index].to_numpy() == pytest.approx(h.to_numpy(), rel=1e-6)


def test_monte_carlo_on_cbc_matches_highs(catalog: Catalog) -> None:
    sc = load_scenario(SCENARIOS / "monte-carlo.yaml", catalog=catalog)
    h = run_monte_carlo(sc, catalog, samples=12, seed=3, workers=1)
    c = run_monte_carlo(sc, catalog, samples=12, seed=3, workers=1, solver="cbc")
    assert np.isfinite(h.batch.objective_yuan_per_year).all()
    assert c.batch.objective_yuan_per_year == pytest.approx(h.batch.objective_yuan_per_year, rel=1e-6)


def test_compare_on_cbc_matches_highs(catalog: Catalog) -> None:
    files = [SCENARIOS / "base.yaml", SCENARIOS / "carbon-100.yaml"]
    h = compare_scenarios([load_scenario(f, catalog=catalog) for f in files], catalog, explain=False)
    c = compare_scenarios([load_scenario(f, catalog=catalog) for f in files], catalog, explain=False, solver="cbc")
    assert [o.result.solver for o in c.outcomes] == ["cbc", "cbc"]
    assert [o.result.objective_yuan_per_year for o in c.outcomes] == pytest.approx(
        [o.result.objective_yuan_per_year for o in h.outcomes], rel=1e-6)
