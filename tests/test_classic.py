"""p-median, p-center and MCLP: hand-solvable micro instances, OR-Library pmed1-5 (published optima), spopt on
the same instances, both emitters, bad input, and the catalog's classic views."""

from __future__ import annotations

import csv
import itertools
import warnings

import numpy as np
import numpy.typing as npt
import pulp
import pytest

from siting.analysis.classic import classic_views, location_instance
from siting.data.catalog import Catalog
from siting.data.request import SiteRequest
from siting.errors import RequestError
from siting.optimization.classic import MCLP, ClassicProblem, PCenter, PMedian, pcenter_heuristic, read_orlib_pmed
from siting.optimization.facility_location import solve_arrays

from .helpers import DATA

PMED = DATA / "orlib-pmed"
with (PMED / "optima.csv").open(encoding="utf-8") as _f:
    OPTIMA = {r["instance"]: r for r in csv.DictReader(_f)}

# 4 clients x 3 facilities, small enough to solve by hand (worked out in the tests below)
D = np.array([[1.0, 5.0, 9.0], [4.0, 2.0, 7.0], [9.0, 6.0, 1.0], [3.0, 3.0, 3.0]])
W = np.array([10.0, 20.0, 30.0, 5.0])
IDS = {"clients": ["n1", "n2", "n3", "n4"], "facilities": ["a", "b", "c"]}


def _pmed(name: str) -> tuple[npt.NDArray[np.float64], int]:
    return read_orlib_pmed(PMED / f"{name}.txt")


def _brute_force(d: npt.NDArray[np.float64], w: npt.NDArray[np.float64], p: int, radius: float) -> dict[str, float]:
    """Every set of p facilities: the three optima, independently of any MILP."""
    best = {"p-median": np.inf, "p-center": np.inf, "mclp": -np.inf}
    for cols in itertools.combinations(range(d.shape[1]), p):
        nearest = d[:, cols].min(axis=1)
        best["p-median"] = min(best["p-median"], float((w * nearest).sum()))
        best["p-center"] = min(best["p-center"], float(nearest.max()))
        best["mclp"] = max(best["mclp"], float(w[nearest <= radius].sum()))
    return best


def _problems(d: npt.NDArray[np.float64], w: npt.NDArray[np.float64], p: int, radius: float,
              **ids: list[str]) -> dict[str, ClassicProblem]:
    return {"p-median": PMedian.from_cost_matrix(d, w, p, **ids), "p-center": PCenter.from_cost_matrix(d, p, **ids),
            "mclp": MCLP.from_cost_matrix(d, w, radius, p, **ids)}


# -- hand-solvable micro instance ---------------------------------------------------------------------

def test_p_median_by_hand() -> None:
    # p = 1: sum_i w d per facility: a 10+80+270+15 = 375, b 50+40+180+15 = 285, c 90+140+30+15 = 275 -> c
    r = PMedian.from_cost_matrix(D, W, 1, **IDS).solve()
    assert r.status == "optimal" and r.facilities == ["c"] and r.objective == pytest.approx(275.0)
    assert r.assignment == {"n1": "c", "n2": "c", "n3": "c", "n4": "c"}
    # p = 2: {a, c}: n1 1, n2 4, n3 1, n4 3 -> 10 + 80 + 30 + 15 = 135; {b, c}: 50+40+30+15 = 135; {a, b}: 10+40+180+15
    two = PMedian.from_cost_matrix(D, W, 2, **IDS).solve()
    assert two.objective == pytest.approx(135.0) and two.facilities in (["a", "c"], ["b", "c"])


def test_p_center_by_hand() -> None:
    # p = 1: the largest distance per facility: a 9, b 6, c 9 -> b, 6 (weights play no part)
    r = PCenter.from_cost_matrix(D, 1, **IDS).solve()
    assert r.status == "optimal" and r.facilities == ["b"] and r.objective == 6.0
    assert r.assignment == {"n1": "b", "n2": "b", "n3": "b", "n4": "b"}
    # p = 2: {a, c}: max(1, 4, 1, 3) = 4; {b, c}: max(5, 2, 1, 3) = 5; {a, b}: max(1, 2, 6, 3) = 6 -> {a, c}, 4
    two = PCenter.from_cost_matrix(D, 2, **IDS).solve()
    assert two.facilities == ["a", "c"] and two.objective == 4.0
    assert two.assignment == {"n1": "a", "n2": "a", "n3": "c", "n4": "a"}  # n4 is 3 from a and c: the lower index


def test_mclp_by_hand() -> None:
    # radius 2.5: a covers n1 (10), b covers n2 (20), c covers n3 (30), nobody n4 -> one facility: c, 30; two: b+c, 50
    one = MCLP.from_cost_matrix(D, W, 2.5, 1, **IDS).solve()
    assert one.facilities == ["c"] and one.objective == pytest.approx(30.0)
    two = MCLP.from_cost_matrix(D, W, 2.5, 2, **IDS).solve()
    assert two.facilities == ["b", "c"] and two.objective == pytest.approx(50.0)
    assert two.outcome.objective == pytest.approx(-50.0)  # the solver minimises minus the weight covered
    # radius 3: n4 (5) is within 3 of every facility: a+c covers n1, n3, n4 = 45 < b+c: n2, n3, n4 = 55
    assert MCLP.from_cost_matrix(D, W, 3.0, 2, **IDS).solve().objective == pytest.approx(55.0)


@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize(("solver", "backend"), [("highs", "direct"), ("highs", "pulp"), ("cbc", "pulp")])
def test_micro_instance_equals_brute_force_on_every_emitter(p: int, solver: str, backend: str) -> None:
    brute = _brute_force(D, W, p, 2.5)
    for mode, problem in _problems(D, W, p, 2.5).items():
        r = problem.solve(solver, backend=backend)  # type: ignore[arg-type]
        assert r.status == "optimal" and len(r.facilities) == p
        assert r.objective == pytest.approx(brute[mode]), (mode, p, solver, backend)


def test_locked_facility_is_opened() -> None:
    # p = 1 with a locked: the only plan is {a}: p-median 375, p-center 9
    assert PMedian.from_cost_matrix(D, W, 1, locked=["a"], **IDS).solve().objective == pytest.approx(375.0)
    r = PCenter.from_cost_matrix(D, 2, locked=["b"], **IDS).solve()
    # p = 2 with b: {a, b} max(1, 2, 6, 3) = 6, {b, c} max(5, 2, 1, 3) = 5 -> {b, c}
    assert r.facilities == ["b", "c"] and r.objective == 5.0


# -- the one model: what each mode adds, and both emitters --------------------------------------------

def test_modes_share_the_model_families() -> None:
    names = {mode: [f.name for f in problem.define().families] for mode, problem in _problems(D, W, 2, 2.5).items()}
    assert names["p-median"] == ["demand", "link", "site-count-min", "site-count-max"]
    assert names["p-center"] == ["demand", "link", "site-count-min", "site-count-max", "max-distance"]
    assert names["mclp"] == ["link", "site-count-min", "site-count-max", "coverage"]
    pc = PCenter.from_cost_matrix(D, 2, **IDS).define()
    assert pc.columns.extra == ["makespan"] and pc.columns.integer[pc.columns.alloc_cols].all()
    assert pc.family("max-distance").labels()[0] == "max-distance[all,n1]"  # type: ignore[union-attr]
    # MCLP: alloc only within the radius (3 of the 12 pairs: n1-a, n2-b, n3-c; none for n4, so no row)
    mclp = MCLP.from_cost_matrix(D, W, 2.5, 2, **IDS).define()
    assert mclp.columns.n_alloc == 3 and mclp.family("coverage").n_rows == 3  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", ["p-median", "p-center", "mclp"])
def test_highs_and_pulp_emitters_agree(mode: str) -> None:
    d, _ = _pmed("pmed1")
    problem = _problems(d[:40, :40], np.arange(1.0, 41.0), 3, 60.0)[mode]
    arrays = problem.define()
    direct = solve_arrays(arrays, "highs", "direct")
    pulp_model = problem.to_pulp()
    assert len(pulp_model.rows) == sum(f.n_rows for f in arrays.families)
    assert len(pulp_model.variables) == len(arrays.columns)
    via_pulp = solve_arrays(arrays, "highs", "pulp")
    assert direct.outcome.status == via_pulp.outcome.status == "optimal"
    assert direct.outcome.objective == pytest.approx(via_pulp.outcome.objective, rel=1e-9)
    assert direct.outcome.objective == pytest.approx(problem.solve("highs", backend="pulp").outcome.objective)


# -- OR-Library pmed: the published optima through the public API --------------------------------------

PMED_CASES = [pytest.param(name, marks=() if name == "pmed1" else pytest.mark.slow) for name in OPTIMA]


@pytest.mark.parametrize("name", PMED_CASES)
def test_orlib_pmed_published_optima(name: str) -> None:
    d, p = _pmed(name)
    assert p == int(OPTIMA[name]["p"]) and d.shape == (100, 100)
    median = PMedian.from_cost_matrix(d, np.ones(len(d)), p).solve()
    assert median.status == "optimal" and median.objective == pytest.approx(float(OPTIMA[name]["p_median"]))
    center = PCenter.from_cost_matrix(d, p).solve()
    # the plan's own value, exactly (not the solver's 126.999997)
    assert center.status == "optimal" and center.objective == float(OPTIMA[name]["p_center"])
    for r in (median, center):  # post-solve checks: p facilities, every client served by its nearest open one
        assert len(r.facilities) == p and len(r.assignment) == len(d)
        assert set(r.assignment.values()) <= set(r.facilities)
    nearest = d[:, center.open_index].min(axis=1)
    assert nearest.max() == center.objective


def test_pcenter_heuristic_is_a_valid_upper_bound() -> None:
    d, p = _pmed("pmed1")
    plan = pcenter_heuristic(d, p)
    assert len(set(plan.tolist())) == p
    assert d[:, plan].min(axis=1).max() >= float(OPTIMA["pmed1"]["p_center"])


# -- spopt on the same instances ----------------------------------------------------------------------

def _spopt(mode: str, d: npt.NDArray[np.float64], w: npt.NDArray[np.float64], p: int, radius: float) -> float:
    """The value of spopt's plan, by the definitions (its solver objective carries the solver's tolerance)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # spopt and its dependencies warn on import (deprecations)
        from spopt.locate import MCLP as SpMCLP
        from spopt.locate import PCenter as SpPCenter
        from spopt.locate import PMedian as SpPMedian
        solver = pulp.HiGHS(msg=False)
        if mode == "p-median":
            m = SpPMedian.from_cost_matrix(d, w, p_facilities=p).solve(solver)
        elif mode == "p-center":
            m = SpPCenter.from_cost_matrix(d, p_facilities=p).solve(solver)
        else:
            m = SpMCLP.from_cost_matrix(d, w, service_radius=radius, p_facilities=p).solve(solver)
    opened = [j for j, v in enumerate(m.fac_vars) if (v.value() or 0.0) > 0.5]
    assert len(opened) == p
    nearest = d[:, opened].min(axis=1)
    return {"p-median": float((w * nearest).sum()), "p-center": float(nearest.max()),
            "mclp": float(w[nearest <= radius].sum())}[mode]


@pytest.mark.parametrize("p", [2, 4])
def test_spopt_agrees_on_a_seeded_instance(p: int) -> None:
    rng = np.random.default_rng(25)
    clients, sites = rng.uniform(0, 100, (40, 2)), rng.uniform(0, 100, (15, 2))
    d = np.round(np.linalg.norm(clients[:, None, :] - sites[None, :, :], axis=2), 1)
    w = rng.integers(1, 50, 40).astype(float)
    for mode, problem in _problems(d, w, p, 25.0).items():
        ours = problem.solve()
        assert ours.status == "optimal"
        assert ours.objective == pytest.approx(_spopt(mode, d, w, p, 25.0), rel=1e-9), (mode, p)


SPOPT_CASES = [pytest.param(name, mode, marks=() if (name, mode) in {("pmed1", "p-median"), ("pmed1", "mclp")}
                            else pytest.mark.slow)
               for name in ("pmed1", "pmed2", "pmed3") for mode in ("p-median", "p-center", "mclp")]


@pytest.mark.parametrize(("name", "mode"), SPOPT_CASES)
def test_spopt_agrees_on_orlib_pmed(name: str, mode: str) -> None:
    d, p = _pmed(name)
    w = np.ones(len(d))
    ours = _problems(d, w, p, 60.0)[mode].solve()
    assert ours.status == "optimal"
    assert ours.objective == pytest.approx(_spopt(mode, d, w, p, 60.0), rel=1e-9)


# -- bad input: a clear error naming the field, the value and the limit ---------------------------------

@pytest.mark.parametrize(("build", "message"), [
    (lambda: PMedian.from_cost_matrix(D, W, 4), "p = 4 is out of range: must be an integer from 1 to the number of "
                                                "facilities (3)"),
    (lambda: PMedian.from_cost_matrix(D, W, 0), "p = 0 is out of range"),
    (lambda: PMedian.from_cost_matrix(D, W[:3], 1), "weights has 3 values; the cost matrix has 4 rows"),
    (lambda: PMedian.from_cost_matrix(D, -W, 1), "weights[0] = -10.0 is out of range: must be finite and >= 0"),
    (lambda: PMedian.from_cost_matrix(D, 0 * W, 1), "weights are all 0"),
    (lambda: PCenter.from_cost_matrix(np.where(D == 7.0, np.nan, D), 1), "cost[1, 2] = nan is out of range"),
    (lambda: PCenter.from_cost_matrix(D[0], 1), "cost has shape (3,): must be a non-empty 2-D matrix"),
    (lambda: PCenter.from_cost_matrix(D, 1, facilities=["a", "a", "b"]), "facilities repeats 'a'"),
    (lambda: PCenter.from_cost_matrix(D, 1, clients=["x"]), "clients has 1 names; the cost matrix has 4"),
    (lambda: PCenter.from_cost_matrix(D, 1, locked=["z"]), "locked facility 'z' is not one of the facilities"),
    (lambda: MCLP.from_cost_matrix(D, W, -1.0, 1), "service_radius = -1.0 is out of range: must be finite and >= 0"),
])
def test_bad_input_is_a_clear_error(build: object, message: str) -> None:
    with pytest.raises(RequestError) as err:
        build()  # type: ignore[operator]
    assert message in str(err.value)


def test_time_limit_is_a_status_not_an_exception() -> None:
    d, p = _pmed("pmed1")
    r = PMedian.from_cost_matrix(d, np.ones(len(d)), p).solve(time_limit_s=1e-6)
    assert r.status in ("time_limit", "no_solution")
    # no plan: no facilities and a NaN value; a plan: p facilities, worth no less than the optimum
    assert len(r.facilities) == (0 if r.status == "no_solution" else p)
    assert np.isnan(r.objective) == (r.status == "no_solution")
    assert not r.objective < float(OPTIMA["pmed1"]["p_median"])


# -- the catalog's classic views (siting classic, POST /v1/classic) -------------------------------------

@pytest.mark.parametrize("p", [1, 2, 3])
def test_spopt_agrees_on_the_default_request(catalog: Catalog, p: int) -> None:
    inst = location_instance(SiteRequest(candidates=list(catalog.site_ids)), catalog)
    assert len(inst.sites) >= 10 and len(inst.centres) >= 10
    radius = 20.0  # ms: a tight SLA, so that coverage is partial and MCLP has a real choice
    for mode in ("p-median", "p-center", "mclp"):
        ours = inst.problem(mode, p, radius).solve()  # type: ignore[arg-type]
        assert ours.status == "optimal"
        assert ours.objective == pytest.approx(_spopt(mode, inst.rtt_ms, inst.weight_mw, p, radius), rel=1e-9)


def test_classic_views_bracket_the_cost_optimum(catalog: Catalog) -> None:
    req = SiteRequest()
    views = classic_views(req, catalog)
    rows = {r.view: r for r in views.rows}
    best = rows["cost-optimal"]
    assert views.p == len(best.sites) and views.radius_ms == 30.0
    # by definition, over sets of the same size: p-median has the least mean RTT, p-center the least worst RTT,
    # and no set serves the request for less than the cost optimum
    assert rows["p-median"].mean_rtt_ms <= best.mean_rtt_ms + 1e-9
    assert rows["p-center"].worst_rtt_ms <= best.worst_rtt_ms + 1e-9
    assert rows["p-center"].objective == rows["p-center"].worst_rtt_ms  # the plan's own value
    assert rows["mclp"].covered_fraction >= best.covered_fraction - 1e-9
    for view in ("p-median", "p-center", "mclp"):
        r = rows[view]
        assert r.cost_yuan_per_year is None or r.cost_yuan_per_year >= best.cost_yuan_per_year * (1 - 1e-9)
        assert len(r.sites) == views.p
