"""Staged build-out: when each site opens and how much it builds each year, with yearly cash flows.

The request's load grows along its ``phases`` (year offset, MW; without phases the load is flat).
Years ``t = 0..l+T-1`` start ``l`` years (``lead_time_years``, the construction period) before
the in-service year, when the load is 0; capital for capacity that serves in year t is spent by
year t - l.  Per site ``j`` and year ``t`` the MILP decides
whether the site is open (``o[j,t]``, binary, once open it stays open), how much IT capacity it
builds (``b[j,t]`` MW, a whole number of ``build_block_mw`` blocks when a block is given) and which
demand it serves (``x[k,i,j,t]`` MW of class ``k`` at centre ``i``)::

    min  sum_t d_t sum_j C_j b[j,t]  +  sum_t d_{t+1} [ sum_j F_j o[j,t] + sum_kij c_kij x[k,i,j,t] - sum_n s[n,t] ]
    s.t. sum_j x[k,i,j,t] = s_ki L_t                        demand of year t       (all k, i, t)
         sum_ki x[k,i,j,t] <= sum_{tau<=t-l} b[j,tau]        built l years before  (all j, t)
         sum_ki x[k,i,j,t] <= G_jt o[j,t]                    grid capacity that year (all j, t)
         b[j,t] <= G_max_j o[j,t],   o[j,t] >= o[j,t-1]
         x[k,i,j,t] = 0 where class k may not serve centre i from j (latency, residency, hazard)

with ``d_t = (1 + r)^-t`` (the request's discount rate; capital is spent at the start of its year,
operating costs and revenue fall at its end: the timing of the capital recovery factor), ``C_j`` the
up-front capital of 1 MW of IT (``capex_yuan_per_mw`` + land price x land per MW) [yuan/MW], ``F_j``
the fixed yearly cost of an open site [yuan/yr], ``c_kij`` the yearly operating cost of serving 1 MW
(the static model's unit cost less its annualised capital and land) [yuan/(MW*yr)], ``s_ki`` the
request's split of the load over classes and centres, ``L_t`` the load of year t [MW] and ``G_jt``
the MW the grid gives the site that year (``grid_capacity.csv`` step function, else
``available_capacity_mw``).

Subsidies of the packages the request opts into are columns of the MILP (:func:`_subsidy_columns`:
capex rates on the capital spent, electricity rates on the energy cost, both for their duration
from the opening year and within their cap; lump sums in the opening year), so they steer when and
where capacity is built; the cash flows credit them by :func:`_subsidies` at the plan found (the two
agree; tested).

Cash flows per year: capital (what is built), operating cost, subsidies, revenue (``price_yuan_per_kw_month`` x
kW of IT load served x 12, when a price is given), residual value (with ``residual_value``: the capital
not yet recovered at the end of the plan, :func:`residual_factors`, credited in the last year and in
the objective), net and cumulative.  NPV at the discount
rate, IRR, payback year and years in loss follow (siting.models.finance).  Without ``residual_value``
a plan shorter than the assets' life (the horizon, 15 years by default) understates the NPV.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pulp

from siting.data.catalog import Catalog
from siting.data.request import SiteRequest
from siting.errors import RequestError
from siting.models.finance import capital_recovery_factor, irr, npv, payback_year, present_value_of_annuity

from .problem import build_site_problem
from .solve import SolverName, solve_model


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
    subsidy_model_yuan: list[float] = field(default_factory=list)  # the MILP's subsidy columns by year

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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


@dataclass(frozen=True)
class _SubsidyTerm:
    """One subsidy the request may claim at site ``j``, in the staged model's terms.

    ``base`` is ``capex`` (``rate`` x capital spent), ``energy`` (``rate`` x electricity cost; a price
    reduction is the rate reduction / price) or ``lump`` (``amount`` in the opening year);
    ``duration`` counts years from the opening year (None: to the end), ``cap`` bounds the total.
    """

    j: int
    subsidy_id: str
    base: str
    rate: float = 0.0
    amount: float = 0.0
    cap: float | None = None
    duration: int | None = None


def _subsidy_terms(catalog: Catalog, request: SiteRequest, sites: list[str], price: np.ndarray) -> list[_SubsidyTerm]:
    """The subsidies of the packages the request opts into (and is eligible for), per site."""
    from siting.optimization.problem import applied_packages

    if not request.apply_subsidies:
        return []
    ids = {p.package_id for p in applied_packages(catalog, request)}
    terms: list[_SubsidyTerm] = []
    for j, s in enumerate(sites):
        for sub in catalog.with_packages(ids).subsidies_of(s):
            if (sub.package and sub.package not in ids) or (sub.requires and sub.requires not in request.eligibility):
                continue
            dur = None if sub.duration_years is None else int(sub.duration_years)
            cap = None if sub.cap_yuan is None else float(sub.cap_yuan)
            if sub.kind == "capex" and sub.rate_fraction:
                terms.append(_SubsidyTerm(j, sub.subsidy_id, "capex", rate=float(sub.rate_fraction), cap=cap,
                                          duration=dur))
            elif sub.kind == "electricity" and sub.rate_fraction:
                terms.append(_SubsidyTerm(j, sub.subsidy_id, "energy", rate=float(sub.rate_fraction), cap=cap,
                                          duration=dur))
            elif sub.kind == "electricity" and sub.price_reduction_yuan_per_kwh:
                terms.append(_SubsidyTerm(j, sub.subsidy_id, "energy", cap=cap, duration=dur,
                                          rate=float(sub.price_reduction_yuan_per_kwh) / float(price[j])))
            elif sub.amount_yuan:
                terms.append(_SubsidyTerm(j, sub.subsidy_id, "lump", amount=float(sub.amount_yuan)))
    return terms


def _subsidies(terms: list[_SubsidyTerm], built: np.ndarray, capex_per_mw: np.ndarray, energy: np.ndarray,
               opened_at: list[int | None]) -> np.ndarray:
    """Yearly subsidy credits [yuan] (T,) of a plan: capex rate x capital spent (capped, in the years it is
    spent), rate x electricity cost for the duration, lump sums in the opening year (the evaluator the
    MILP's subsidy columns are checked against)."""
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


def _subsidy_columns(prob: pulp.LpProblem, terms: list[_SubsidyTerm], o: dict[tuple[int, int], Any],
                     b: dict[tuple[int, int], Any], at: dict[tuple[int, int], list[tuple[tuple[int, int], Any]]],
                     capex: np.ndarray, energy_unit: np.ndarray, grid: np.ndarray, end: np.ndarray, T: int
                     ) -> tuple[dict[tuple[int, int], Any], Any]:
    """Subsidy credits as columns, so that they steer the plan: ``s[n,t] >= 0`` [yuan] with

        s[n,t] <= rate_n x base_n[j,t]                  (capital spent b[j,t] C_j, or the energy cost of x)
        s[n,t] <= M_n sum_{t0 in (t - D_n, t]} z[j,t0]   (within D_n years of opening; z = o[j,t0] - o[j,t0-1])
        sum_t s[n,t] <= cap_n
        lump sums: amount_n z[j,t]

    credited at the end of their year (as the cash flows count them).  Returns the credit columns and
    their present value (subtracted from the objective).
    """
    credit: dict[tuple[int, int], Any] = {}
    pv: list[Any] = []

    def z(j: int, t: int) -> Any:
        return o[j, t] - o[j, t - 1] if t > 0 else o[j, t]

    for n, term in enumerate(terms):
        j = term.j
        if term.base == "lump":
            pv += [float(end[t]) * term.amount * z(j, t) for t in range(T)]
            continue
        big = term.rate * (float(capex[j]) if term.base == "capex" else float(energy_unit[:, j].max())) * float(
            grid[j].max())
        for t in range(T):
            if term.base == "capex":
                base = float(capex[j]) * b[j, t]
            else:
                base = pulp.lpSum(float(energy_unit[k, j]) * v for (k, _i), v in at.get((j, t), []))
            s = credit[n, t] = prob.add_variable(f"sub_{n}_{t}", lowBound=0)
            prob += s <= term.rate * base, f"sub_base_{n}_{t}"
            if term.duration is not None:
                prob += s <= big * pulp.lpSum(z(j, t0) for t0 in range(max(0, t - term.duration + 1), t + 1)), \
                    f"sub_duration_{n}_{t}"
            pv.append(float(end[t]) * s)
        if term.cap is not None:
            prob += pulp.lpSum(credit[n, t] for t in range(T)) <= term.cap, f"sub_cap_{n}"
    lumps = [(n, t) for n, term in enumerate(terms) if term.base == "lump" for t in range(T)]
    for n, t in lumps:  # report lump sums by year too
        credit[n, t] = terms[n].amount * z(terms[n].j, t)
    return credit, pulp.lpSum(pv)


def stage(request: SiteRequest, catalog: Catalog, options: StagingOptions | None = None,
          solver: SolverName = "highs", time_limit_s: float | None = None) -> StagedPlan:
    """Solve the staged build-out MILP (module docstring) and compute its cash flows."""
    opt = options or StagingOptions()
    opt.check()
    peak = max([request.it_load_mw] + [ph.it_load_mw for ph in request.phases or []])
    flat = request.model_copy(update={"phases": None, "it_load_mw": peak})
    p = build_site_problem(catalog, flat)
    a = p.assumptions
    assert a is not None
    lead = opt.lead_time_years
    T = int(opt.years or round(a.horizon_years)) + lead
    start = int(request.in_service_year or catalog.defaults["in_service_year"]) - lead
    L = np.concatenate([np.zeros(lead), load_path_mw(request, T - lead)])
    K, I, J = p.shape
    split = p.demand_mw / peak                                      # s_ki
    capex = np.array([si.capex_yuan_per_mw + si.land_price_yuan_per_m2 * a.land_m2_per_mw for si in p.inputs])
    annual_capital = p.components["capex"] + p.components.get("land", 0.0)  # (K, J)
    opex = p.unit_cost - annual_capital[:, None, :]                 # c_kij
    energy_unit = p.components["energy"]                            # (K, J) yuan per MW-year
    grid = np.array([[catalog.capacity_in(s, start + t)[0] for t in range(T)] for s in p.sites])  # (J, T)
    disc = (1.0 + a.discount_rate_fraction) ** -np.arange(T)
    fixed = p.fixed_cost

    prob = pulp.LpProblem("staged_build_out", pulp.LpMinimize)
    o = {(j, t): prob.add_variable(f"o_{j}_{t}", cat="Binary") for j in range(J) for t in range(T)}
    if opt.build_block_mw > 0:
        n = {(j, t): prob.add_variable(f"n_{j}_{t}", lowBound=0, cat="Integer") for j in range(J) for t in range(T)}
        b = {jt: opt.build_block_mw * v for jt, v in n.items()}
    else:
        b = {(j, t): prob.add_variable(f"b_{j}_{t}", lowBound=0) for j in range(J) for t in range(T)}
    x = {(k, i, j, t): prob.add_variable(f"x_{k}_{i}_{j}_{t}", lowBound=0)
         for k in range(K) for i in range(I) for j in range(J) for t in range(T)
         if p.allowed[k, i, j] and split[k, i] > 0 and L[t] > 0}
    end = disc / (1.0 + a.discount_rate_fraction)  # d_{t+1}
    # value left at the end of the plan per yuan of capital spent in year t (0 without residual_value)
    resid = (residual_factors(a.discount_rate_fraction, a.horizon_years, T) if opt.residual_value
             else np.zeros(T))
    price = np.array([si.price_yuan_per_kwh for si in p.inputs])
    terms = _subsidy_terms(catalog, request, list(p.sites), price)
    # the x columns of each (site, year), with their (class, centre): served MW and energy cost are sums over them
    at: dict[tuple[int, int], list[tuple[tuple[int, int], Any]]] = {}
    for (k, i, j, t), v in x.items():
        at.setdefault((j, t), []).append(((k, i), v))
    credit, credit_pv = _subsidy_columns(prob, terms, o, b, at, capex, energy_unit, grid, end, T)
    prob += pulp.lpSum(disc[t] * capex[j] * b[j, t] + end[t] * fixed[j] * o[j, t] for j in range(J) for t in range(T)) \
        + pulp.lpSum(end[t] * float(opex[k, i, j]) * v for (k, i, j, t), v in x.items()) - credit_pv \
        - pulp.lpSum(float(end[T - 1] * resid[t] * capex[j]) * b[j, t] for j in range(J) for t in range(T)
                     if resid[t] > 0)
    for t in range(T):
        for k in range(K):
            for i in range(I):
                need = float(split[k, i] * L[t])
                if need <= 0:
                    continue
                prob += pulp.lpSum(x[k, i, j, t] for j in range(J) if (k, i, j, t) in x) == need, f"demand_{k}_{i}_{t}"
        for j in range(J):
            served = pulp.lpSum(v for _ki, v in at.get((j, t), []))
            prob += served <= pulp.lpSum(b[j, tau] for tau in range(t + 1 - lead)), f"built_{j}_{t}"
            prob += served <= float(grid[j, t]) * o[j, t], f"grid_{j}_{t}"
            prob += b[j, t] <= float(grid[j].max()) * o[j, t], f"build_open_{j}_{t}"
            if t > 0:
                prob += o[j, t] >= o[j, t - 1], f"stay_open_{j}_{t}"
    outcome = solve_model(prob, solver, time_limit_s=time_limit_s, mip_gap=1e-7)
    years = [start + t for t in range(T)]
    plan = StagedPlan(status=outcome.status, message=outcome.message or "", start_year=start, years=years,
                      load_mw=L.tolist(), sites=list(p.sites), open_year={}, built_mw={}, served_mw={},
                      discount_rate_fraction=a.discount_rate_fraction, solve_seconds=outcome.solve_seconds)
    if outcome.objective is None:
        return plan
    built = np.array([[sum(float(pulp.value(b[j, tau]) or 0.0) for tau in range(t + 1)) for t in range(T)]
                      for j in range(J)])
    built = np.maximum.accumulate(np.maximum(built.round(6), 0.0), axis=1)  # solver noise: no 1e-16 MW builds
    served = np.zeros((J, T))
    energy = np.zeros((J, T))
    opex_t = np.zeros(T)
    for (k, _i, j, t), v in x.items():
        mw = float(v.value() or 0.0)
        served[j, t] += mw
        energy[j, t] += mw * float(energy_unit[k, j])
        opex_t[t] += mw * float(opex[k, _i, j])
    is_open = np.array([[float(o[j, t].value() or 0.0) > 0.5 for t in range(T)] for j in range(J)])
    opened_at = [int(np.argmax(is_open[j])) if is_open[j].any() else None for j in range(J)]
    capex_t = (np.diff(built, axis=1, prepend=0.0) * capex[:, None]).sum(axis=0)
    residual_t = np.zeros(T)
    residual_t[-1] = float((capex_t * resid).sum())  # at the end of the last year
    opex_t += (is_open * fixed[:, None]).sum(axis=0)
    subsidy_t = _subsidies(terms, built, capex, energy, opened_at)
    plan.subsidy_model_yuan = [float(sum(pulp.value(v) or 0.0 for (_n, tt), v in credit.items() if tt == t))
                               for t in range(T)]
    revenue_t = (L * 1000.0 * 12.0 * opt.price_yuan_per_kw_month if opt.price_yuan_per_kw_month is not None
                 else np.zeros(T))
    net = revenue_t + subsidy_t + residual_t - capex_t - opex_t
    cumulative = np.cumsum(net)
    plan.open_year = {s: (start + t0 if t0 is not None else None) for s, t0 in zip(p.sites, opened_at, strict=True)}
    plan.built_mw = {s: (built[j].round(6) + 0.0).tolist() for j, s in enumerate(p.sites)}
    plan.served_mw = {s: (served[j].round(6) + 0.0).tolist() for j, s in enumerate(p.sites)}
    plan.cash_flows = [{"year": float(years[t]), "load_mw": float(L[t]), "capex_yuan": float(capex_t[t]),
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

