"""Monte Carlo: reproducible whatever the executor, fast patching equals the rebuilt problem,
DirectModel sample results equal optimize() on the same sampled inputs."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from siting import optimize
from siting.analysis.execution import ProblemPatcher, SweepSetup, evaluate_chunk
from siting.analysis.montecarlo import run_monte_carlo, sample_values
from siting.analysis.scenarios import Scenario, load_scenario, parse_scenario
from siting.data.catalog import Catalog
from siting.optimization.problem import build_site_problem

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(EXAMPLES / "monte-carlo.yaml")


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    np.testing.assert_array_equal(a.batch.index, b.batch.index)
    np.testing.assert_array_equal(a.batch.status, b.batch.status)
    np.testing.assert_allclose(a.batch.objective_yuan_per_year, b.batch.objective_yuan_per_year, rtol=1e-12)
    np.testing.assert_array_equal(a.batch.open, b.batch.open)
    np.testing.assert_allclose(a.batch.mw, b.batch.mw, rtol=1e-9, atol=1e-9)


def test_samples_depend_on_seed_and_index_only(scenario: Scenario) -> None:
    p1, v1, _, _ = sample_values(scenario, 30, 5)
    _, v2, _, _ = sample_values(scenario, 10, 5)
    _, v3, _, _ = sample_values(scenario, 10, 6)
    np.testing.assert_array_equal(v1[:10], v2)
    assert not np.array_equal(v2, v3)
    capex = [n for n, p in enumerate(p1) if p.endswith("capex_yuan_per_mw")]
    assert len(capex) == 4  # sites.* expands to every candidate, one common draw
    base = np.array([scenario.value_of(p1[n]) for n in capex])
    assert np.allclose((v1[:, capex] / base).std(axis=1), 0.0)


def test_serial_pool_and_dask_are_identical(scenario: Scenario) -> None:
    serial = run_monte_carlo(scenario, samples=120, seed=11, workers=1, chunk_size=25)
    pool = run_monte_carlo(scenario, samples=120, seed=11, workers=2, chunk_size=25)
    _same(serial, pool)
    from distributed import LocalCluster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
            dask = run_monte_carlo(scenario, samples=120, seed=11, scheduler=cluster.scheduler_address,
                                   chunk_size=25)
    _same(serial, dask)
    d = serial.to_dict()
    assert 0.0 <= d["base_recommendation"]["share_still_optimal"] <= 1.0
    assert d["cost"]["p5_yuan_per_year"] <= d["cost"]["p50_yuan_per_year"] <= d["cost"]["p95_yuan_per_year"]


def test_patched_problem_equals_rebuilt(scenario: Scenario, catalog: Catalog) -> None:
    extra = parse_scenario({"name": "x", "extends": "monte-carlo.yaml", "overrides": {}}, base_dir=EXAMPLES)
    patcher = ProblemPatcher(extra, catalog)
    values = {"sites.zhongwei.electricity_price_yuan_per_kwh": 0.41, "sites.guian.capex_yuan_per_mw": 4.2e7,
              "sites.yaan.dust_days_per_year": 40.0, "sites.chongqing.water_price_yuan_per_m3": 6.0,
              "sites.yaan.grid_emission_factor_t_per_mwh": 0.3, "sites.guian.available_capacity_mw": 9.0,
              "defaults.discount_rate_fraction": 0.06, "defaults.staff_per_mw": 1.5,
              "request.carbon_price_yuan_per_t": 80.0, "subsidies.zhongwei-bw-2015.amount_yuan": 5e7,
              "subsidies.yaan-capex-2023.rate_fraction": 0.3}
    fast = patcher.problem(values)
    req, cat = extra.apply(values, catalog)
    ref = build_site_problem(cat, req)
    for name in ("unit_cost", "fixed_cost", "capacity_mw", "energy_mwh_per_mw", "emissions_t_per_mw", "pue",
                 "price_yuan_per_kwh", "renewable_share", "demand_mw", "allowed", "excluded"):
        np.testing.assert_allclose(getattr(fast, name), getattr(ref, name), rtol=1e-12, err_msg=name)
    for c in ref.components:
        np.testing.assert_allclose(fast.components[c], ref.components[c], rtol=1e-12, err_msg=c)
    assert fast.subsidies == ref.subsidies


def test_direct_samples_equal_optimize(scenario: Scenario, catalog: Catalog) -> None:
    paths, values, _, _ = sample_values(scenario, 6, 3, catalog)
    batch = evaluate_chunk(SweepSetup(scenario, catalog, tuple(paths)), 0, values)
    for r in range(len(values)):
        req, cat = scenario.apply(dict(zip(paths, values[r].tolist(), strict=True)), catalog)
        ref = optimize(req, cat)
        assert batch.objective_yuan_per_year[r] == pytest.approx(ref.objective_yuan_per_year, rel=1e-6)
        chosen = [s for s, o in zip(batch.sites, batch.open[r], strict=True) if o]
        assert chosen == ref.chosen_sites
        np.testing.assert_allclose(batch.mw[r], ref.sites["it_mw"].reindex(batch.sites).to_numpy(), atol=1e-6)


def test_slow_path_parameters_still_work(catalog: Catalog) -> None:
    s = parse_scenario({"name": "lat", "monte_carlo": {"samples": 4, "seed": 1, "parameters": {
        "request.classes.interactive.max_rtt_ms": {"distribution": "discrete", "values": [25, 30, 40]}}}},
        catalog=catalog)
    paths, values, _, _ = sample_values(s, 4, 1, catalog)
    batch = evaluate_chunk(SweepSetup(s, catalog, tuple(paths)), 0, values)
    for r in range(4):
        ref = optimize(s.request.model_copy(update={"classes": [
            s.request.classes[0].model_copy(update={"max_rtt_ms": values[r, 0]}), s.request.classes[1]]}), catalog)
        assert batch.objective_yuan_per_year[r] == pytest.approx(ref.objective_yuan_per_year, rel=1e-6)


def test_a_hazard_value_under_a_class_limit_is_not_inert(catalog: Catalog) -> None:
    """Flood protection and seismic PGA do not enter the cost, so a sweep skips them (fast path), except where a
    class limits them: then a sampled value changes which sites the class may use.  Zhongwei's 20-year levees
    fail a 50-year limit; at 60 years (a sweep value) it is allowed again, as in a rebuilt problem."""
    cls = {"name": "core", "share_fraction": 1.0, "demand_regions": ["east"], "min_flood_return_period_years": 50}
    limited = parse_scenario({"name": "flood", "request": {"classes": [cls]}})
    free = parse_scenario({"name": "free", "request": {"classes": [{**cls, "min_flood_return_period_years": None}]}})
    path = "sites.zhongwei.flood_protection_return_period_years"
    j = ProblemPatcher(limited, catalog).base.sites.index("zhongwei")
    assert not ProblemPatcher(limited, catalog).base.allowed[0, :, j].any()
    swept = ProblemPatcher(limited, catalog).problem({path: 60.0})
    assert swept.allowed[0, :, j].any()
    req, cat = limited.apply({path: 60.0}, catalog)
    np.testing.assert_array_equal(swept.allowed, build_site_problem(cat, req).allowed)
    assert ProblemPatcher(free, catalog).is_fast(path)  # no limit: inert, skipped
    assert ProblemPatcher(free, catalog).problem({path: 5.0}).allowed[0, :, j].any()


def test_relaxation_first_equals_the_milp(catalog: Catalog) -> None:
    """RelaxFirst (the LP relaxation, accepted only when integral) finds the MILP's optimum on seeded robust
    draws of the default request, whose relaxation is integral in some samples and not in others."""
    from siting.analysis.robust import sample_ranges
    from siting.data.request import parse_request

    req = parse_request({})
    scen = parse_scenario({"name": "x", "request": req.model_dump(mode="json")}, catalog=catalog)
    sites = build_site_problem(catalog, req).sites
    paths, values = sample_ranges(catalog, req, sites, 24, seed=5)
    plain = evaluate_chunk(SweepSetup(scen, catalog, tuple(paths), relax_first=False), 0, values)
    relaxed = evaluate_chunk(SweepSetup(scen, catalog, tuple(paths), relax_first=True), 0, values)
    np.testing.assert_array_equal(relaxed.status, plain.status)
    np.testing.assert_allclose(relaxed.objective_yuan_per_year, plain.objective_yuan_per_year, rtol=1e-6)
    np.testing.assert_array_equal(relaxed.open, plain.open)
