"""Staged build-out: when each site opens and how much it builds each year, with yearly cash flows.

The request's load grows along its ``phases`` (year offset, MW; without phases the load is flat).
Years ``t = 0..l+T-1`` start ``l`` years (``lead_time_years``, the construction period) before
the in-service year, when the load is 0; capital for capacity that serves in year t is spent by
year t - l.

The plan is the one site-selection model (:mod:`siting.optimization.model`) with time as one more
index (:func:`~siting.optimization.model.define_periods`, as PyPSA's investment periods): every year
with load is the model of that year -- the request with that year's load (:func:`year_request`) and
the grid capacity of that year (``grid_capacity.csv`` step function, else ``available_capacity_mw``)
-- so every rule of the request (demand, latency and residency, site counts, shares, minimum campus,
service levels, green share, PUE cap, locked and excluded sites, budget) holds in every year, and a
year's plan passes :func:`siting.optimization.evaluate.evaluate` of that year's request.  What this
module adds is what is specific to time:

- a site once opened stays open; capacity built stays built (``build[j,t]`` MW, a whole number of
  ``build_block_mw`` blocks when a block is given) and serves ``l`` years later;
- the objective is the present value of the plan::

      min  sum_t d_t sum_j C_j b[j,t]  +  sum_t d_{t+1} [ sum_j F_j o[j,t] + sum_kij c_kij x[k,i,j,t] - credits ]

  with ``d_t = (1 + r)^-t`` (the request's discount rate; capital is spent at the start of its year,
  operating costs and revenue fall at its end: the timing of the capital recovery factor), ``C_j`` the
  up-front capital of 1 MW of IT (``capex_yuan_per_mw`` + land price x land per MW) [yuan/MW], ``F_j``
  the fixed yearly cost of an open site [yuan/yr], ``c_kij`` the yearly operating cost of serving 1 MW
  (the static model's unit cost less its annualised capital and land) [yuan/(MW*yr)];
- subsidies over time (:func:`_subsidy_terms`: capex rates on the capital spent, electricity rates on
  the energy cost, both for their duration from the opening year and within their cap; lump sums in
  the opening year) are credit columns of the model, so they steer when and where capacity is built;
  the cash flows credit them by :func:`_subsidies` at the plan found (the two agree; tested);
- cash flows per year: capital (what is built), operating cost (including green energy bought),
  subsidies, revenue (``price_yuan_per_kw_month`` x kW of IT load served x 12, when a price is given),
  residual value (with ``residual_value``: the capital not yet recovered at the end of the plan,
  :func:`residual_factors`, credited in the last year and in the objective), net and cumulative.  NPV at
  the discount rate, IRR, payback year and years in loss follow (siting.models.finance).  Without
  ``residual_value`` a plan shorter than the assets' life (the horizon, 15 years by default) understates
  the NPV.

A year whose rules cannot be met makes the plan infeasible; the diagnosis names the year and the rule
(the checks and the elastic re-solve of that year's model, :mod:`siting.optimization.diagnostics`), or
says that every year is feasible alone but not together (sites stay open, capacity stays built).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from siting.data.catalog import Catalog
from siting.data.request import SiteRequest
from siting.errors import RequestError
from siting.models.finance import capital_recovery_factor, irr, npv, payback_year, present_value_of_annuity

from .backends import solve
from .diagnostics import Finding, elastic_diagnosis, presolve_checks
from .model import PeriodArrays, PeriodCredit, PeriodInputs, define, define_periods
from .problem import SiteProblem, applied_packages, build_site_problem, min_site_load_mw
from .solve import SolverName

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class StagingOptions:
    years: int | None = None                  # plan length [years]; default: the request's horizon
    build_block_mw: float = 0.0               # minimum build block [MW]; 0 = any amount
    lead_time_years: int = 0                  # construction period: capital is spent this many years before use
    price_yuan_per_kw_month: float | None = None  # revenue per kW of IT load served per month
    residual_value: bool = False              # credit the assets' value left at the end of the plan

    def check(self) -> None:
        if self.years is not None and not 1 <= self.years <= 40:
            raise RequestError.out_of_range("years", self.years, "1 to 40")
        if not 0 <= self.build_block_mw <= 1000:
            raise RequestError.out_of_range("build_block_mw", self.build_block_mw, "0 to 1000 MW")
        if not 0 <= self.lead_time_years <= 10:
            raise RequestError.out_of_range("lead_time_years", self.lead_time_years, "0 to 10 years")
        if self.price_yuan_per_kw_month is not None and not 0 <= self.price_yuan_per_kw_month <= 100_000:
            raise RequestError.out_of_range("price_yuan_per_kw_month", self.price_yuan_per_kw_month,
                                            "0 to 100,000 yuan per kW-month")


@dataclass
class StagedPlan:
    status: str
    message: str
    start_year: int
    years: list[int]
    load_mw: list[float]
    sites: list[str]
    open_year: dict[str, int | None]           # calendar year each site opens (None: never)
    built_mw: dict[str, list[float]]           # cumulative IT capacity built by the end of each year
    served_mw: dict[str, list[float]]
    cash_flows: list[dict[str, float]] = field(default_factory=list)
    pv_cost_yuan: float | None = None          # the objective: present value of all costs
    npv_yuan: float | None = None              # with revenue only
    irr_fraction: float | None = None
    payback_year: int | None = None            # calendar year the cumulative cash flow turns >= 0 for good
    years_in_loss: int | None = None           # years whose cumulative cash flow is < 0
    discount_rate_fraction: float = 0.0
    solve_seconds: float = 0.0
    residual_value_yuan: float = 0.0           # value of the assets at the end of the plan (residual_value)
    subsidy_model_yuan: list[float] = field(default_factory=list)  # the model's subsidy credits by year
    diagnosis: list[dict[str, Any]] = field(default_factory=list)  # why a plan is infeasible, year by year
    # (K, I, J) allocation of each year [MW] (zeros in a year without load); not part of to_dict
    allocation_mw: list[FloatArray] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(replace(self, allocation_mw=[]))
        del out["allocation_mw"]
        return out


def residual_factors(rate: float, life_years: float, years: int) -> np.ndarray:
    """(T,) value at the end of a ``years``-year plan per yuan of capital spent at the start of year t.

    The static model recovers capital as ``CRF(r, L)`` a year for L years (the horizon); what a plan
    ending at year T has not yet recovered of capital spent in year t is the present value, at T, of the
    ``L - (T - t)`` charges left: ``CRF(r, L) x AF(r, L - (T - t))`` (0 once the asset is fully
    recovered).  Crediting it makes a plan sold at the static levelised cost worth NPV 0 whatever its length.
    """
    crf = capital_recovery_factor(rate, life_years)
    left = np.maximum(0.0, life_years - (years - np.arange(years)))
    return np.array([crf * present_value_of_annuity(rate, n) if n > 0 else 0.0 for n in left])


def load_path_mw(request: SiteRequest, years: int) -> np.ndarray:
    """L_t [MW]: the latest phase at or before year t (0 before the first phase); flat without phases."""
    if not request.phases:
        return np.full(years, request.it_load_mw)
    path = np.zeros(years)
    for ph in sorted(request.phases, key=lambda p: p.year_offset):
        path[ph.year_offset:] = ph.it_load_mw
    return path


def year_request(request: SiteRequest, year: int, load_mw: float) -> SiteRequest:
    """The request as it stands in calendar ``year`` with ``load_mw`` [MW] in service: no phases, that year's
    load and grid capacity.  A staged plan's allocation of that year is a plan of this request."""
    return request.model_copy(update={"phases": None, "it_load_mw": float(load_mw), "in_service_year": int(year)})


def year_problem(catalog: Catalog, request: SiteRequest, peak: SiteProblem, year: int, load_mw: float) -> SiteProblem:
    """The model of :func:`year_request` built from the peak-load problem: its demand scaled to the year's load,
    the year's grid capacity and the campus minimum for that load (everything else is per MW, or a rule)."""
    caps, reasons = [], {}
    for s in peak.sites:
        mw, why = catalog.capacity_in(s, year)
        caps.append(mw)
        if why.startswith("grid_capacity.csv"):
            reasons[s] = f"{mw:,.0f} MW available in {year} ({why})"
    scale = load_mw / float(peak.demand_mw.sum())
    return replace(peak, demand_mw=peak.demand_mw * scale, capacity_mw=np.array(caps, dtype=float),
                   capacity_reason=reasons, it_load_mw=float(load_mw),
                   min_site_mw=min_site_load_mw(catalog, year_request(request, year, load_mw)),
                   phase_years=[year], phase_share=[1.0])


def _subsidy_terms(catalog: Catalog, request: SiteRequest, p: SiteProblem) -> list[PeriodCredit]:
    """The subsidies of the packages the request opts into (and is eligible for), per site, as credits over time.

    ``capex``: ``rate`` x capital spent; ``energy``: ``rate`` x electricity cost (a price reduction is the
    reduction / price); ``lump``: ``amount`` in the opening year; ``duration`` counts years from the opening
    year (None: to the end), ``cap`` bounds the total.
    """
    if not request.apply_subsidies:
        return []
    ids = {pkg.package_id for pkg in applied_packages(catalog, request)}
    energy = p.components["energy"]
    terms: list[PeriodCredit] = []
    for j, s in enumerate(p.sites):
        for sub in catalog.with_packages(ids).subsidies_of(s):
            if (sub.package and sub.package not in ids) or (sub.requires and sub.requires not in request.eligibility):
                continue
            dur = None if sub.duration_years is None else int(sub.duration_years)
            cap = None if sub.cap_yuan is None else float(sub.cap_yuan)
            if sub.kind == "capex" and sub.rate_fraction:
                terms.append(PeriodCredit(sub.subsidy_id, j, "capex", rate=float(sub.rate_fraction), cap=cap,
                                          duration=dur))
            elif sub.kind == "electricity" and (sub.rate_fraction or sub.price_reduction_yuan_per_kwh):
                assert p.price_yuan_per_kwh is not None
                reduction = float(sub.price_reduction_yuan_per_kwh or 0.0)
                rate = float(sub.rate_fraction) if sub.rate_fraction else reduction / float(p.price_yuan_per_kwh[j])
                terms.append(PeriodCredit(sub.subsidy_id, j, "energy", rate=rate, cap=cap, duration=dur,
                                          energy_yuan_per_mw=energy[:, j].astype(float)))
            elif sub.amount_yuan:
                terms.append(PeriodCredit(sub.subsidy_id, j, "lump", amount=float(sub.amount_yuan)))
    return terms


def _subsidies(terms: list[PeriodCredit], built: np.ndarray, capex_per_mw: np.ndarray, energy: np.ndarray,
               opened_at: list[int | None]) -> np.ndarray:
    """Yearly subsidy credits [yuan] (T,) of a plan: capex rate x capital spent (capped, in the years it is
    spent), rate x electricity cost for the duration, lump sums in the opening year (the evaluator the
    model's credit columns are checked against)."""
    T = built.shape[1]
    out = np.zeros(T)
    for term in terms:
        j, t0 = term.j, opened_at[term.j]
        if t0 is None:
            continue
        end = T if term.duration is None else min(T, t0 + term.duration)
        left = np.inf if term.cap is None else term.cap
        if term.base == "lump":
            out[t0] += term.amount
            continue
        base = (np.diff(built[j], prepend=0.0) * capex_per_mw[j]) if term.base == "capex" else energy[j]
        for t in range(t0, end):
            credit = min(term.rate * float(base[t]), left)
            out[t] += credit
            left -= credit
    return out


@dataclass
class _Setup:
    """The staged model's inputs and what the cash flows need besides the solution."""

    inputs: PeriodInputs
    start: int
    load_mw: FloatArray
    opex: FloatArray            # (K, I, J) yearly operating cost of 1 MW [yuan/(MW*yr)]
    end_weight: FloatArray      # (T,) d_{t+1}
    residual: FloatArray        # (T,) value left at the end per yuan of capital spent in year t


def staged_inputs(request: SiteRequest, catalog: Catalog, opt: StagingOptions) -> _Setup:
    """The multi-period model of a request (module docstring): each year's problem, weights, capital, credits."""
    peak_mw = max([request.it_load_mw] + [ph.it_load_mw for ph in request.phases or []])
    p = build_site_problem(catalog, request.model_copy(update={"phases": None, "it_load_mw": peak_mw}))
    a = p.assumptions
    assert a is not None
    lead = opt.lead_time_years
    T = int(opt.years or round(a.horizon_years)) + lead
    start = int(request.in_service_year or catalog.defaults["in_service_year"]) - lead
    L = np.concatenate([np.zeros(lead), load_path_mw(request, T - lead)])
    years = [start + t for t in range(T)]
    problems: list[SiteProblem | None] = [year_problem(catalog, request, p, y, load) if load > 0 else None
                                          for y, load in zip(years, L.tolist(), strict=True)]
    capex = np.array([si.capex_yuan_per_mw + si.land_price_yuan_per_m2 * a.land_m2_per_mw for si in p.inputs])
    annual_capital = p.components["capex"] + p.components.get("land", 0.0)  # (K, J)
    opex = p.unit_cost - annual_capital[:, None, :]
    disc = np.power(1.0 + a.discount_rate_fraction, -np.arange(T, dtype=float))
    end = np.asarray(disc / (1.0 + a.discount_rate_fraction), dtype=float)  # d_{t+1}
    resid = (residual_factors(a.discount_rate_fraction, a.horizon_years, T) if opt.residual_value
             else np.zeros(T))
    grid_max = np.array([max(catalog.capacity_in(s, y)[0] for y in years) for s in p.sites])
    inputs = PeriodInputs(
        base=p, years=years, problems=problems, operating_cost=[opex if q is not None else None for q in problems],
        capital_yuan_per_mw=capex, capital_weight=disc - end[-1] * resid, operating_weight=end,
        build_limit_mw=grid_max, build_block_mw=opt.build_block_mw, lead_time_years=lead,
        credits=_subsidy_terms(catalog, request, p))
    return _Setup(inputs, start, L, opex, end, resid)


def _by_year(setup: _Setup, check: Any) -> list[Finding]:
    """``check(problem)``'s findings for each distinct year with load, each message prefixed with its year."""
    out: list[Finding] = []
    seen: set[tuple[float, bytes]] = set()
    said: set[str] = set()  # a finding is told once, in the first year it holds
    for year, q in zip(setup.inputs.years, setup.inputs.problems, strict=True):
        if q is None or (q.it_load_mw, q.capacity_mw.tobytes()) in seen:
            continue
        seen.add((q.it_load_mw, q.capacity_mw.tobytes()))
        for f in check(q):
            if f["message"] not in said:
                said.add(f["message"])
                out.append({**f, "year": year, "message": f"{year} ({q.it_load_mw:,.0f} MW): {f['message']}"})
    return out


def diagnose(setup: _Setup, solver: SolverName, time_limit_s: float | None) -> list[Finding]:
    """Why a staged plan is infeasible: the first year whose own model is infeasible, with the checks and the
    elastic re-solve of that model; or that every year is feasible alone but not together."""
    for year, q in zip(setup.inputs.years, setup.inputs.problems, strict=True):
        if q is None or solve(define(q), solver, time_limit_s=time_limit_s).outcome.status != "infeasible":
            continue
        found = [f for f in presolve_checks(q) if f["severity"] == "error"] or elastic_diagnosis(q, solver,
                                                                                                 time_limit_s)
        return [{**f, "year": year, "message": f"{year} ({q.it_load_mw:,.0f} MW): {f['message']}"} for f in found]
    return [{"code": "years_together", "severity": "error", "field": None,
             "message": "every year is feasible on its own, but not together: a site once opened stays open and "
                        "capacity built stays built (e.g. max_sites with a grid capacity that falls over the years)"}]


def _infeasible(plan: StagedPlan, findings: list[Finding]) -> StagedPlan:
    plan.status = "infeasible"
    plan.diagnosis = findings
    plan.message = "; ".join(f["message"] for f in findings if f.get("severity") == "error")
    return plan


def stage(request: SiteRequest, catalog: Catalog, options: StagingOptions | None = None,
          solver: SolverName = "highs", time_limit_s: float | None = None) -> StagedPlan:
    """Solve the staged build-out (module docstring) and compute its cash flows; never "optimal" with a rule
    broken in any year (an infeasible plan carries a diagnosis)."""
    opt = options or StagingOptions()
    opt.check()
    setup = staged_inputs(request, catalog, opt)
    inputs, L, start = setup.inputs, setup.load_mw, setup.start
    p = inputs.base
    a = p.assumptions
    assert a is not None
    plan = StagedPlan(status="infeasible", message="", start_year=start, years=list(inputs.years),
                      load_mw=L.tolist(), sites=list(p.sites), open_year={}, built_mw={}, served_mw={},
                      discount_rate_fraction=a.discount_rate_fraction)
    checks = _by_year(setup, presolve_checks)
    if any(f["severity"] == "error" for f in checks):
        return _infeasible(plan, checks)
    arrays = define_periods(inputs)
    solution = solve(arrays, solver, time_limit_s=time_limit_s, mip_gap=1e-7)
    outcome = solution.outcome
    plan.status, plan.message, plan.solve_seconds = outcome.status, outcome.message or "", outcome.solve_seconds
    if outcome.status == "infeasible":
        return _infeasible(plan, diagnose(setup, solver, time_limit_s))
    if solution.x is None:
        return plan
    return _cash_flows(plan, setup, arrays, solution.x, opt)


def _cash_flows(plan: StagedPlan, setup: _Setup, arrays: PeriodArrays, x: FloatArray,
                opt: StagingOptions) -> StagedPlan:
    """The plan's schedule and yearly cash flows from the model's solution ``x``."""
    inputs, L, start = setup.inputs, setup.load_mw, setup.start
    p = inputs.base
    a = p.assumptions
    assert a is not None
    J, T = len(p.sites), len(inputs.years)
    capex = inputs.capital_yuan_per_mw
    built = np.cumsum(np.maximum(arrays.build_mw(x).round(6), 0.0), axis=1)  # solver noise: no 1e-16 MW builds
    is_open = arrays.open(x) > 0.5
    allocs = [period.alloc(x) if period.problem is not None else np.zeros(p.shape) for period in arrays.periods]
    # load at a closed site is solver noise within the feasibility tolerance: dropped
    allocs = [np.where((al > 1e-9) & is_open[None, None, :, t], al, 0.0) for t, al in enumerate(allocs)]
    served = np.stack([al.sum(axis=(0, 1)) for al in allocs], axis=1)  # (J, T)
    energy_unit = p.components["energy"]
    energy = np.stack([(energy_unit * al.sum(axis=1)).sum(axis=0) for al in allocs], axis=1)  # (J, T) yuan
    opex_t = np.array([float((setup.opex * al).sum()) for al in allocs]) + (is_open * p.fixed_cost[:, None]).sum(axis=0)
    for t, period in enumerate(arrays.periods):  # green energy bought, at its net cost
        if period.problem is not None and period.problem.n_green:
            opex_t[t] += float(period.problem.green_net_cost_yuan_per_mwh() @ period.green(x))
    opened_at = [int(np.argmax(is_open[j])) if is_open[j].any() else None for j in range(J)]
    capex_t = (np.diff(built, axis=1, prepend=0.0) * capex[:, None]).sum(axis=0)
    residual_t = np.zeros(T)
    residual_t[-1] = float((capex_t * setup.residual).sum())  # at the end of the last year
    subsidy_t = _subsidies(inputs.credits, built, capex, energy, opened_at)
    plan.subsidy_model_yuan = arrays.credits(x).sum(axis=0).tolist() if inputs.credits else [0.0] * T
    revenue_t = (L * 1000.0 * 12.0 * opt.price_yuan_per_kw_month if opt.price_yuan_per_kw_month is not None
                 else np.zeros(T))
    net = revenue_t + subsidy_t + residual_t - capex_t - opex_t
    cumulative = np.cumsum(net)
    plan.allocation_mw = allocs
    plan.open_year = {s: (start + t0 if t0 is not None else None) for s, t0 in zip(p.sites, opened_at, strict=True)}
    plan.built_mw = {s: (built[j].round(6) + 0.0).tolist() for j, s in enumerate(p.sites)}
    plan.served_mw = {s: (served[j].round(6) + 0.0).tolist() for j, s in enumerate(p.sites)}
    plan.cash_flows = [{"year": float(inputs.years[t]), "load_mw": float(L[t]), "capex_yuan": float(capex_t[t]),
                        "opex_yuan": float(opex_t[t]), "subsidies_yuan": float(subsidy_t[t]),
                        "revenue_yuan": float(revenue_t[t]), "residual_yuan": float(residual_t[t]),
                        "net_yuan": float(net[t]),
                        "cumulative_yuan": float(cumulative[t])} for t in range(T)]
    plan.pv_cost_yuan = npv(capex_t.tolist(), opex_t.tolist(), a.discount_rate_fraction)
    plan.residual_value_yuan = float(residual_t[-1])
    if opt.price_yuan_per_kw_month is not None:
        operating = (revenue_t + subsidy_t + residual_t - opex_t).tolist()
        plan.npv_yuan = npv((-capex_t).tolist(), operating, a.discount_rate_fraction)
        plan.irr_fraction = irr((-capex_t).tolist(), operating)
        pb = payback_year(net.tolist())
        plan.payback_year = start + pb if pb is not None else None
        plan.years_in_loss = int((cumulative < 0).sum())
    return plan
