"""How sure is the answer: the optimum re-solved over the catalog's ranges, and what rests on assumptions.

Sampling (``samples`` draws, seeded): every catalog value that carries a range
(``low``/``high`` in ``site_parameters.csv`` and ``defaults.csv``; every
``assumption`` row has one) is drawn from a triangular distribution
(low, value, high).  Shared drivers are correlated:

- construction cost: each site's capex is drawn from its own range (the regional share of the build, one
  quantile shared by every site, since it is one uncertain split), then every site's draw is multiplied by one
  common shock triangular(1 - s, 1, 1 + s), s = ``CAPEX_SHOCK`` (tenders for comparable halls);
- one price shock per grid region (province): the sites of a province take the same quantile
  of their own price ranges;
- the fibre route factor (``defaults.route_factor``): one draw shared by every modelled RTT, so the pairs
  within each class's limit follow it (latency is uncertain too);
- every other ranged parameter is drawn independently.

For each sample the MILP is solved again (the Monte Carlo machinery of
:mod:`siting.analysis.execution`: one HiGHS model per chunk, updated in place).
Reported:

- ``p_chosen`` of each site: the share of feasible samples in which it is opened;
- the nominal plan (the optimum at the catalog values): its expected and P90 cost over the
  samples, and its regret (its cost minus the sample's optimum) -- mean, P90 and max;
- among the site sets that are optimal in some sample (each re-optimised at the catalog values
  with exactly those sites), the plan with the least expected cost and the plan with the least
  maximum regret.

:func:`cost_on_assumptions` is the share of a plan's cost that rests on ``assumption`` values
(a component counts when any catalog value it is computed from is an assumption).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from siting.analysis.execution import (
    FAST_DEFAULTS,
    FAST_SITE_PARAMETERS,
    ROUTE_FACTOR,
    ProblemPatcher,
    SweepSetup,
    run_samples,
)
from siting.analysis.scenarios import EFFECTIVE_PRICE, Scenario, parse_scenario
from siting.data.catalog import Catalog, default_catalog
from siting.data.request import SiteRequest, parse_request
from siting.errors import RequestError
from siting.optimization.backends import solve
from siting.optimization.evaluate import meets_sampled_rules, plan_total_yuan_per_year
from siting.optimization.model import define
from siting.optimization.optimize import DEFAULT_MIP_GAP, optimize_problem
from siting.optimization.problem import SiteProblem, build_site_problem, effective_price_parameter
from siting.optimization.solve import SolverName

FloatArray = npt.NDArray[np.float64]

#: Half-width of the common construction-cost shock [fraction]: planning judgement (capex is one
#: national figure in the catalog); tenders for comparable halls differ by about this much.
CAPEX_SHOCK = 0.15
MAX_SAMPLES = 20_000
_MIO = 1e6


def _triangular_quantile(u: FloatArray, low: float, mode: float, high: float) -> FloatArray:
    """Inverse CDF of triangular(low, mode, high) at u in [0, 1]."""
    if high <= low:
        return np.full_like(u, mode)
    fc = (mode - low) / (high - low)
    return np.where(u < fc, low + np.sqrt(u * (high - low) * (mode - low)),
                    high - np.sqrt((1 - u) * (high - low) * (high - mode)))


def ranged_paths(catalog: Catalog, request: SiteRequest, sites: list[str]) -> list[tuple[str, float, float, float]]:
    """(path, low, value, high) of every ranged catalog value the request's problem depends on."""
    out: list[tuple[str, float, float, float]] = []
    sp = catalog.site_parameters
    ranged = sp[(sp["site"].isin(sites)) & (sp["low"].astype(str).str.strip() != "")]
    packaged = catalog.with_packages(request.packages)
    for r in ranged.to_dict("records"):
        param = str(r["parameter"])
        if param not in FAST_SITE_PARAMETERS:
            continue  # geometry and context (lat/lon, hazard, reported figures): not drawn
        if param == "electricity_price_list_yuan_per_kwh":
            if effective_price_parameter(packaged.sites.loc[r["site"]], request) != param:
                continue  # a package sets the price paid here
            param = EFFECTIVE_PRICE
        out.append((f"sites.{r['site']}.{param}", float(r["low"]), float(r["value"]), float(r["high"])))
    df = catalog.defaults_table
    request_set = {k for k, v in request.model_dump().items() if v is not None}
    for r in df[df["low"].astype(str).str.strip() != ""].to_dict("records"):
        if r["parameter"] in request_set:
            continue  # the request fixes it
        if r["parameter"] not in FAST_DEFAULTS and f"defaults.{r['parameter']}" != ROUTE_FACTOR:
            continue  # the other latency constants and the planner's date: not drawn here
        out.append((f"defaults.{r['parameter']}", float(r["low"]), float(r["value"]), float(r["high"])))
    return out


def sample_ranges(catalog: Catalog, request: SiteRequest, sites: list[str], samples: int,
                  seed: int) -> tuple[list[str], FloatArray]:
    """(paths, values (samples, paths)) drawn as the module docstring says."""
    rng = np.random.default_rng(seed)
    ranged = ranged_paths(catalog, request, sites)
    province = catalog.sites["province"].to_dict()
    price_u: dict[str, FloatArray] = {}
    paths: list[str] = []
    cols: list[FloatArray] = []
    capex_range_u: FloatArray | None = None
    for path, low, value, high in ranged:
        parts = path.split(".")
        if parts[0] == "sites" and parts[2] == EFFECTIVE_PRICE:
            u = price_u.setdefault(province[parts[1]], rng.random(samples))
        elif parts[0] == "sites" and parts[2] == "capex_yuan_per_mw":
            u = capex_range_u = capex_range_u if capex_range_u is not None else rng.random(samples)
        else:
            u = rng.random(samples)
        paths.append(path)
        cols.append(_triangular_quantile(u, low, value, high))
    capex_u = rng.random(samples)
    shock = _triangular_quantile(capex_u, 1 - CAPEX_SHOCK, 1.0, 1 + CAPEX_SHOCK)
    for s in sites:
        path = f"sites.{s}.capex_yuan_per_mw"
        if path in paths:  # drawn from its range above: the common shock scales the draw
            cols[paths.index(path)] = cols[paths.index(path)] * shock
        else:
            paths.append(path)
            cols.append(shock * catalog.site_value(s, "capex_yuan_per_mw"))
    return paths, np.column_stack(cols) if cols else np.zeros((samples, 0))


@dataclass
class RobustResult:
    """The nominal answer re-examined over the catalog's ranges (see the module docstring)."""

    samples: int
    seed: int
    feasible_samples: int
    sites: list[str]
    p_chosen: dict[str, float]
    nominal_sites: list[str]
    nominal_cost_yuan_per_year: float
    nominal_optimal_share: float  # share of feasible samples in which the nominal site set is optimal
    expected_cost_yuan_per_year: float
    p90_cost_yuan_per_year: float
    regret_mean_yuan_per_year: float
    regret_p90_yuan_per_year: float
    regret_max_yuan_per_year: float
    least_expected_cost: dict[str, Any]
    least_max_regret: dict[str, Any]
    candidates: list[dict[str, Any]] = field(default_factory=list)
    drawn: list[str] = field(default_factory=list)
    plan_shares: dict[str, float] = field(default_factory=dict)  # site set ('a+b', catalog order) -> share optimal
    # latency: how often each site is chosen when the drawn route factor is below / above the catalog's value
    route_factor: dict[str, Any] = field(default_factory=dict)

    def optimal_share(self, sites: list[str] | set[str]) -> float:
        """Share of the feasible samples in which exactly this site set is optimal [fraction]."""
        want = set(sites)
        return sum(v for k, v in self.plan_shares.items() if set(k.split("+")) == want)

    def summary_line(self) -> str:
        share = 100 * self.nominal_optimal_share
        base = "+".join(self.nominal_sites)
        return (f"How sure: {base} is optimal in {share:.0f} % of {self.feasible_samples} samples of the catalog's "
                f"ranges; its expected cost {self.expected_cost_yuan_per_year / _MIO:,.1f} M yuan/yr "
                f"(P90 {self.p90_cost_yuan_per_year / _MIO:,.1f}), mean regret "
                f"{self.regret_mean_yuan_per_year / _MIO:,.2f} M yuan/yr (max "
                f"{self.regret_max_yuan_per_year / _MIO:,.2f}); least max regret: "
                f"{'+'.join(self.least_max_regret['sites'])}.")

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _plan_of(problem: SiteProblem, sites: list[str], solver: SolverName) -> tuple[FloatArray, FloatArray] | None:
    """The optimal plan at the catalog values using exactly ``sites`` (None if infeasible)."""
    locked = np.array([s in sites for s in problem.sites])
    fixed = replace(problem, locked=locked, excluded=~locked, min_sites=0, max_sites=None)
    # the solver's arrays as optimize_problem reads them (same model, gap and 1e-9 MW floor), without its tables
    solution = solve(define(fixed), solver, mip_gap=DEFAULT_MIP_GAP)
    if solution.outcome.objective is None:
        return None
    alloc = solution.alloc()
    return locked.astype(float), np.where(alloc > 1e-9, alloc, 0.0)


def robust(
    request: SiteRequest | dict[str, Any] | None = None,
    catalog: Catalog | None = None,
    *,
    samples: int = 500,
    seed: int = 2026,
    workers: int | None = 1,
    solver: SolverName = "highs",
    max_candidates: int = 8,
    progress: Any | None = None,
) -> RobustResult:
    """Re-solve the request over the catalog's ranges (module docstring); ``progress(n)`` is called as samples
    finish (a progress bar's advance)."""
    if not 1 <= samples <= MAX_SAMPLES:
        raise RequestError(f"robust.samples = {samples}: must be between 1 and {MAX_SAMPLES:,}", field="robust.samples")
    cat = catalog if catalog is not None else default_catalog()
    req = parse_request(request)
    scenario: Scenario = parse_scenario({"name": f"{req.name}-robust", "request": req.model_dump(mode="json")},
                                        catalog=cat)
    base_problem = build_site_problem(cat, req)
    nominal = optimize_problem(base_problem, solver=solver)
    if nominal.objective_yuan_per_year is None:
        raise RequestError(f"the request is {nominal.status} at the catalog values: nothing to make robust "
                           f"({nominal.message})", field="request")
    sites = base_problem.sites
    paths, values = sample_ranges(cat, req, sites, samples, seed)
    setup = SweepSetup(scenario, cat, tuple(paths), solver=solver, keep_problems=True)
    batch = run_samples(setup, values, workers=workers, progress=progress)
    ok = np.isfinite(batch.objective_yuan_per_year)
    n_ok = int(ok.sum())
    if n_ok == 0:
        raise RequestError("no sample of the ranges is feasible: the answer does not survive the catalog's "
                           "uncertainty", field="robust")
    opt = batch.objective_yuan_per_year
    p_chosen = {s: float(batch.open[ok, j].mean()) for j, s in enumerate(batch.sites)}
    sets = ["+".join(s for s, o in zip(batch.sites, row, strict=True) if o) for row in batch.open]
    counts: dict[str, int] = {}
    for k, good in zip(sets, ok, strict=True):
        if good:
            counts[k] = counts.get(k, 0) + 1
    nominal_key = "+".join(nominal.chosen_sites)
    # candidate plans: the nominal one and the site sets most often optimal
    keys = [nominal_key] + [k for k, _ in sorted(counts.items(), key=lambda x: -x[1]) if k != nominal_key]
    # the samples' problems as the solves saw them (patched again only if an executor lost them)
    kept = batch.problems
    if kept is None:
        patcher = ProblemPatcher(scenario, cat)
        kept = [patcher.problem(dict(zip(paths, values[r].tolist(), strict=True))) if ok[r] else base_problem
                for r in range(samples)]
    problems = [q if ok[r] else None for r, q in enumerate(kept)]
    candidates: list[dict[str, Any]] = []
    for key in keys[:max_candidates]:
        plan = _plan_of(base_problem, key.split("+"), solver)
        if plan is None:
            continue
        opened, alloc = plan
        cost = np.full(samples, np.nan)
        for r, p in enumerate(problems):
            if p is not None and meets_sampled_rules(p, alloc):
                cost[r] = plan_total_yuan_per_year(p, opened, alloc)
        regret = cost - opt
        fine = np.isfinite(cost) & ok
        candidates.append({
            "sites": key.split("+"), "optimal_in_share": counts.get(key, 0) / n_ok,
            "cost_at_catalog_values_yuan_per_year": plan_total_yuan_per_year(base_problem, opened, alloc),
            "expected_cost_yuan_per_year": float(np.mean(cost[fine])) if fine.any() else float("inf"),
            "p90_cost_yuan_per_year": float(np.percentile(cost[fine], 90)) if fine.any() else float("inf"),
            "infeasible_share": float(1 - fine.sum() / n_ok),
            "regret_mean_yuan_per_year": float(np.mean(regret[fine])) if fine.any() else float("inf"),
            "regret_p90_yuan_per_year": float(np.percentile(regret[fine], 90)) if fine.any() else float("inf"),
            "regret_max_yuan_per_year": float(np.max(regret[fine])) if fine.any() else float("inf"),
        })
    route: dict[str, Any] = {}
    if ROUTE_FACTOR in paths:
        rf = values[:, paths.index(ROUTE_FACTOR)]
        at = float(cat.defaults["route_factor"])
        below, above = ok & (rf < at), ok & (rf >= at)
        if below.any() and above.any():
            route = {"value": at, "samples_below": int(below.sum()), "samples_above": int(above.sum()),
                     "p_chosen_below": {s: float(batch.open[below, j].mean()) for j, s in enumerate(batch.sites)},
                     "p_chosen_above": {s: float(batch.open[above, j].mean()) for j, s in enumerate(batch.sites)}}
    nom = candidates[0]
    least_expected = min(candidates, key=lambda c: (c["infeasible_share"], c["expected_cost_yuan_per_year"]))
    least_regret = min(candidates, key=lambda c: (c["infeasible_share"], c["regret_max_yuan_per_year"]))
    return RobustResult(
        samples=samples, seed=seed, feasible_samples=n_ok, sites=list(batch.sites), p_chosen=p_chosen,
        nominal_sites=list(nominal.chosen_sites), nominal_cost_yuan_per_year=nominal.objective_yuan_per_year,
        nominal_optimal_share=counts.get(nominal_key, 0) / n_ok,
        expected_cost_yuan_per_year=nom["expected_cost_yuan_per_year"],
        p90_cost_yuan_per_year=nom["p90_cost_yuan_per_year"],
        regret_mean_yuan_per_year=nom["regret_mean_yuan_per_year"],
        regret_p90_yuan_per_year=nom["regret_p90_yuan_per_year"],
        regret_max_yuan_per_year=nom["regret_max_yuan_per_year"],
        least_expected_cost=least_expected, least_max_regret=least_regret, candidates=candidates,
        drawn=paths, route_factor=route,
        plan_shares={k: v / n_ok for k, v in sorted(counts.items(), key=lambda x: -x[1])},
    )


#: Site parameters each cost component is computed from.
_COMPONENT_INPUTS: dict[str, tuple[str, ...]] = {
    "energy": ("<price>",), "capex": ("capex_yuan_per_mw",), "land": ("land_price_yuan_per_m2",),
    "labour": ("wage_yuan_per_year",), "water": ("water_price_yuan_per_m3",),
    "bandwidth": ("bandwidth_price_yuan_per_gbps_month",), "carbon": ("grid_emission_factor_t_per_mwh",),
}


#: Planning defaults (sites/defaults.csv) each cost component is computed from (the request may set them).
_COMPONENT_DEFAULTS: dict[str, tuple[str, ...]] = {
    "energy": ("utilisation_fraction",), "capex": ("horizon_years", "discount_rate_fraction"),
    "land": ("land_m2_per_mw", "horizon_years", "discount_rate_fraction"), "labour": ("staff_per_mw",),
    "water": ("utilisation_fraction",), "carbon": ("utilisation_fraction",),
    "fixed": ("fixed_site_cost_yuan_per_year",),
}


def cost_on_assumptions(catalog: Catalog, request: SiteRequest, cost_breakdown: Any) -> tuple[float, list[str]]:
    """(share of the total cost computed from at least one value that is an assumption, those values).

    ``cost_breakdown``: the result's table (index site, columns components and ``total``).  A component
    counts when a site value it is computed from is an assumption, or a planning default
    (``defaults.csv``: utilisation, horizon, staffing, the fixed site cost) that the request leaves to the
    catalog is one; a default the request sets is the planner's own figure and does not count.
    """
    status_of = {(r["site"], r["parameter"]): r["status"] for r in catalog.site_parameters.to_dict("records")}
    default_status = dict(zip(catalog.defaults_table["parameter"], catalog.defaults_table["status"], strict=True))
    set_by_request = {k for k, v in request.model_dump().items() if v is not None}
    packaged = catalog.with_packages(request.packages)
    total = float(cost_breakdown["total"].sum())
    on_assumptions = 0.0
    names: set[str] = set()
    for site, row in cost_breakdown.iterrows():
        for comp in {*_COMPONENT_INPUTS, *_COMPONENT_DEFAULTS}:
            if comp not in row or abs(float(row[comp])) < 1e-9:
                continue
            found = []
            for prm in _COMPONENT_INPUTS.get(comp, ()):
                prm = effective_price_parameter(packaged.sites.loc[site], request) if prm == "<price>" else prm
                if status_of.get((site, prm)) == "assumption":
                    found.append(f"{site}.{prm}")
            found += [f"defaults.{d}" for d in _COMPONENT_DEFAULTS.get(comp, ())
                      if d not in set_by_request and default_status.get(d) == "assumption"]
            if found:
                on_assumptions += float(row[comp])
                names.update(found)
    share = on_assumptions / total if total > 0 else 0.0
    return share, sorted(names)


#: How many of the inputs that move the answer most the story names.
LEADING_INPUTS = 3


def leading_inputs(catalog: Catalog, request: SiteRequest, n: int = LEADING_INPUTS,
                   solver: SolverName = "highs") -> list[dict[str, Any]]:
    """The ``n`` ranged inputs that move the optimal cost most over their catalog ranges (a tornado).

    Every planning default with a range that the request leaves to the catalog and every ranged value of
    a candidate site that the optimisation reads is re-solved at its low and high end, the others at their
    values (the tornado of :func:`siting.analysis.sensitivity.tornado`, here as one chunk of samples on one
    HiGHS model updated in place); rows give the parameter, its value and range, the cost at both ends
    [yuan/yr] and whether the plan's sites change, largest swing first.
    """
    from siting.analysis.execution import evaluate_chunk
    from siting.analysis.sensitivity import _label, _sites_mw

    scenario = parse_scenario({"name": f"{request.name}-inputs", "request": request.model_dump(mode="json")},
                              catalog=catalog)
    sites = build_site_problem(catalog, request).sites
    ranged = [(path, low, high) for path, low, _, high in ranged_paths(catalog, request, sites) if high > low]
    if not ranged:
        return []
    # row 0: every value as it is (NaN: unchanged); rows 2m+1, 2m+2: input m at its low, high end
    values = np.full((1 + 2 * len(ranged), len(ranged)), np.nan)
    for m, (_, low, high) in enumerate(ranged):
        values[1 + 2 * m, m], values[2 + 2 * m, m] = low, high
    batch = evaluate_chunk(SweepSetup(scenario, catalog, tuple(p for p, _, _ in ranged), solver=solver), 0, values)
    base_sites = set(_sites_mw(batch.sites, batch.open[0], batch.mw[0]))
    rows = []
    for m, (path, low, high) in enumerate(ranged):
        lo, hi = 1 + 2 * m, 2 + 2 * m
        c_lo, c_hi = float(batch.objective_yuan_per_year[lo]), float(batch.objective_yuan_per_year[hi])
        s_lo, s_hi = _sites_mw(batch.sites, batch.open[lo], batch.mw[lo]), _sites_mw(batch.sites, batch.open[hi],
                                                                                    batch.mw[hi])
        rows.append({"parameter": path, "value": scenario.value_of(path, catalog), "low": low, "high": high,
                     "cost_low_yuan_per_year": c_lo, "cost_high_yuan_per_year": c_hi,
                     "swing_yuan_per_year": abs(c_hi - c_lo), "sites_low": _label(s_lo), "sites_high": _label(s_hi),
                     "sites_change": set(s_lo) != base_sites or set(s_hi) != base_sites})
    # largest swing first, ties in catalog order, an infeasible end (NaN) last: as the tornado's table sorts
    def order(row: dict[str, Any]) -> tuple[bool, float]:
        swing = float(row["swing_yuan_per_year"])
        return (not np.isfinite(swing), -swing if np.isfinite(swing) else 0.0)

    rows.sort(key=order)
    return rows[:n]
