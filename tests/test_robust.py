"""Robustness over the catalog's ranges: sampling, correlation of shared drivers, regret, and the API."""

from __future__ import annotations

import numpy as np
import pytest

import siting
from siting.analysis.robust import cost_on_assumptions, robust, sample_ranges
from siting.data.catalog import Catalog


def test_samples_stay_in_range_and_shared_drivers_move_together(catalog: Catalog) -> None:
    sites = ["zhongwei", "guian", "yaan", "chengdu", "chongqing", "shaoguan", "guangzhou"]
    req = siting.parse_request({"candidates": sites})
    paths, values = sample_ranges(catalog, req, sites, 400, 1)
    assert values.shape == (400, len(paths))
    capex = [n for n, p in enumerate(paths) if p.endswith("capex_yuan_per_mw")]
    assert len(capex) == len(sites)
    table = catalog.site_parameters.set_index(["site", "parameter"])
    for n in capex:  # each site's draw within its own range, widened by the common +-15 % shock
        row = table.loc[(paths[n].split(".")[1], "capex_yuan_per_mw")]
        assert 0.85 * float(row["low"]) <= values[:, n].min() and values[:, n].max() <= 1.15 * float(row["high"])
    corr = np.corrcoef(values[:, capex].T)
    assert corr.min() > 0.95  # one regional-share quantile and one shock for every site: they move together
    # shaoguan and guangzhou are both in Guangdong: their prices take the same quantile of their ranges;
    # a sourced price without a range (yaan, chengdu) is not drawn
    price = {p.split(".")[1]: n for n, p in enumerate(paths) if p.endswith("electricity_price_yuan_per_kwh")}
    assert {"shaoguan", "guangzhou", "guian"} <= set(price) and "yaan" not in price
    assert np.corrcoef(values[:, price["shaoguan"]], values[:, price["guangzhou"]])[0, 1] > 0.99
    assert abs(np.corrcoef(values[:, price["shaoguan"]], values[:, price["guian"]])[0, 1]) < 0.2
    low = catalog.site_parameters.set_index(["site", "parameter"]).loc[("guian", "land_price_yuan_per_m2")]
    land = values[:, paths.index("sites.guian.land_price_yuan_per_m2")]
    assert float(low["low"]) <= land.min() and land.max() <= float(low["high"])


def test_robust_answer_is_consistent(catalog: Catalog) -> None:
    r = robust({}, catalog, samples=60, seed=3)
    assert r.feasible_samples == 60
    assert set(r.p_chosen) == {"zhongwei", "guian", "yaan", "chongqing"}
    assert all(0.0 <= v <= 1.0 for v in r.p_chosen.values())
    assert 0.0 < r.nominal_optimal_share <= 1.0
    nominal = r.candidates[0]
    assert nominal["sites"] == r.nominal_sites
    # regret is the plan's cost minus each sample's optimum: never negative, zero where it is optimal
    assert nominal["regret_mean_yuan_per_year"] >= -1e-6 * r.nominal_cost_yuan_per_year
    # plans are ranked by the share of samples whose rules they break first, then by the figure
    lr, le = r.least_max_regret, r.least_expected_cost
    assert (lr["infeasible_share"], lr["regret_max_yuan_per_year"]) <= (
        nominal["infeasible_share"], nominal["regret_max_yuan_per_year"] + 1e-6)
    assert (le["infeasible_share"], le["expected_cost_yuan_per_year"]) <= (
        nominal["infeasible_share"], nominal["expected_cost_yuan_per_year"] + 1e-6)
    assert "How sure:" in r.summary_line()


def test_bad_sample_count_names_the_field(catalog: Catalog) -> None:
    with pytest.raises(siting.RequestError, match=r"robust.samples = 0"):
        robust({}, catalog, samples=0)


def test_cost_on_assumptions_counts_assumption_inputs(catalog: Catalog) -> None:
    req = siting.parse_request({"candidates": ["qingyang"]})
    result = siting.optimize(req, catalog)
    share, names = cost_on_assumptions(catalog, req, result.cost_breakdown)
    # Qingyang's tariff is an assumption (no Gansu table found): at least the energy cost rests on it
    assert catalog.provenance("qingyang", "electricity_price_list_yuan_per_kwh")["status"] == "assumption"
    energy = float(result.cost_breakdown["energy"].sum()) / float(result.cost_breakdown["total"].sum())
    assert "qingyang.electricity_price_list_yuan_per_kwh" in names
    assert share >= energy


def test_how_sure_names_the_alternatives_with_their_numbers(catalog: Catalog) -> None:
    """The story's 'How sure' gives the expected cost of the least-expected-cost plan and the maximum regret of
    the least-max-regret plan, the numbers the robust analysis computed; where the nominal plan is both, it says
    so instead of naming it twice."""
    from siting.analysis.explain import explain

    # the default request: its nominal optimum breaks the latency rule in some samples (route factor drawn), so
    # another plan has the least expected cost among the plans feasible more often
    req = siting.parse_request({})
    res = siting.optimize(req, catalog, explain=False)
    r = robust(req, catalog, samples=60, seed=3)
    how_sure = next(s for s in explain(res, req, catalog, r) if s.key == "how_sure")
    line = how_sure.sentences[1]
    le, lr = r.least_expected_cost, r.least_max_regret
    assert le["sites"] != r.nominal_sites
    assert (f"Least expected cost: {'+'.join(le['sites'])} ({le['expected_cost_yuan_per_year'] / 1e6:,.1f} M "
            "yuan/yr expected") in line
    assert f"least maximum regret: {'+'.join(lr['sites'])} (max regret {lr['regret_max_yuan_per_year'] / 1e6:,.2f}" \
        in line
    # a single candidate is nominal, least expected cost and least maximum regret at once
    only = siting.parse_request({"candidates": ["guian"]})
    r1 = robust(only, catalog, samples=20, seed=3)
    s1 = next(s for s in explain(siting.optimize(only, catalog, explain=False), only, catalog, r1)
              if s.key == "how_sure")
    assert s1.sentences[1] == "It also has the least expected cost and the least maximum regret of the plans sampled."


# --- issue 27: the fast paths give the answers of the plain ones ---------------------------------------------


def test_patched_robust_samples_equal_rebuilt_problems(catalog: Catalog) -> None:
    """Robust draws (route factor, dust days, utilisation, prices, capex, ...) through the patcher's assembly
    (hourly energy once per site and flexible share) equal build_site_problem on the sampled catalog."""
    from siting.analysis.execution import ProblemPatcher
    from siting.analysis.scenarios import parse_scenario
    from siting.optimization.problem import build_site_problem

    req = siting.parse_request({})
    scenario = parse_scenario({"name": "x", "request": req.model_dump(mode="json")}, catalog=catalog)
    patcher = ProblemPatcher(scenario, catalog)
    paths, values = sample_ranges(catalog, req, patcher.base.sites, 4, seed=3)
    for row in values:
        sample = dict(zip(paths, row.tolist(), strict=True))
        fast = patcher.problem(sample)
        req_s, cat_s = scenario.apply(sample, catalog)
        ref = build_site_problem(cat_s, req_s)
        for name in ("unit_cost", "fixed_cost", "capacity_mw", "energy_mwh_per_mw", "emissions_t_per_mw", "pue",
                     "price_yuan_per_kwh", "allowed"):
            np.testing.assert_allclose(getattr(fast, name), getattr(ref, name), rtol=1e-12, err_msg=name)
        for c in ref.components:
            np.testing.assert_allclose(fast.components[c], ref.components[c], rtol=1e-12, err_msg=c)
        assert fast.subsidies == ref.subsidies


def test_leading_inputs_equal_the_tornado(catalog: Catalog) -> None:
    """leading_inputs (one chunk, one model updated in place) ranks and costs the inputs as the tornado of
    siting.analysis.sensitivity (one fresh model per end point) does."""
    from siting.analysis.robust import leading_inputs, ranged_paths
    from siting.analysis.scenarios import SweepRange, parse_scenario
    from siting.analysis.sensitivity import tornado
    from siting.optimization.problem import build_site_problem

    req = siting.parse_request({})
    rows = leading_inputs(catalog, req, n=100)
    scenario = parse_scenario({"name": "x", "request": req.model_dump(mode="json")}, catalog=catalog)
    sites = build_site_problem(catalog, req).sites
    params: dict[str, SweepRange | None] = {p: SweepRange(low=lo, high=hi)
                                            for p, lo, _, hi in ranged_paths(catalog, req, sites) if hi > lo}
    frame = tornado(scenario, catalog, parameters=params).frame
    assert [r["parameter"] for r in rows] == list(frame["parameter"])
    for r, ref in zip(rows, frame.to_dict("records"), strict=True):
        assert r["value"] == ref["base_value"] and (r["low"], r["high"]) == (ref["low_value"], ref["high_value"])
        assert r["cost_low_yuan_per_year"] == pytest.approx(ref["cost_low_yuan_per_year"], rel=1e-9)
        assert r["cost_high_yuan_per_year"] == pytest.approx(ref["cost_high_yuan_per_year"], rel=1e-9)
        assert (r["sites_low"], r["sites_high"]) == (ref["sites_low"], ref["sites_high"])
        assert r["sites_change"] == bool(ref["sites_change"])


def test_robust_on_two_workers_equals_in_process(catalog: Catalog) -> None:
    """The pool returns each sample's (trimmed) problem, so the candidate plans are costed on the same samples
    as in-process: every figure of the result is the same whatever the executor."""
    one = robust({}, catalog, samples=30, seed=9, workers=1)
    two = robust({}, catalog, samples=30, seed=9, workers=2)
    assert two.p_chosen == one.p_chosen and two.plan_shares == one.plan_shares
    assert [c["sites"] for c in two.candidates] == [c["sites"] for c in one.candidates]
    for a, b in zip(two.candidates, one.candidates, strict=True):
        numbers = {k: v for k, v in a.items() if k != "sites"}
        assert numbers == pytest.approx({k: b[k] for k in numbers}, rel=1e-12)
