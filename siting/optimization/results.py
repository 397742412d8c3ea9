"""Results stage: the solved model becomes tables a planner reads and tools consume."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from siting.models.costs import energy_cost_of_site_by_period, levelised_cost_yuan_per_kw_month
from siting.models.tariffs import (
    DAYS_PER_MONTH,
    PERIODS,
    SEASONS,
    TouSchedule,
    daily_it_energy_mwh,
)
from siting.optimization.evaluate import green_credit_t, green_purchases, plan_cost
from siting.optimization.problem import SiteProblem
from siting.optimization.solve import SolveOutcome
from siting.serialize import frame_records


@dataclass
class OptimizationResult:
    """Outcome of one optimisation.

    ``status`` is ``optimal``, ``time_limit`` (feasible, with ``mip_gap``),
    ``no_solution`` (the time limit came before any feasible solution),
    ``infeasible`` (with ``diagnosis``) or ``error``.  Tables are pandas
    DataFrames; :meth:`to_dict` gives plain JSON-ready data.
    """

    status: str
    objective_yuan_per_year: float | None
    solve_seconds: float
    solver: str
    mip_gap: float | None = None
    it_load_mw: float = 0.0
    sites: pd.DataFrame = field(default_factory=pd.DataFrame)
    allocation: pd.DataFrame = field(default_factory=pd.DataFrame)
    cost_breakdown: pd.DataFrame = field(default_factory=pd.DataFrame)
    latency: pd.DataFrame = field(default_factory=pd.DataFrame)
    energy_by_period: pd.DataFrame = field(default_factory=pd.DataFrame)  # site, season, period: cost, IT MWh
    emissions_t_per_year: float | None = None
    green_share_fraction: float | None = None  # renewable share of the energy: grid mix plus purchases
    green_purchases: pd.DataFrame = field(default_factory=pd.DataFrame)  # site, option, MWh/yr, yuan/yr
    diagnosis: list[dict[str, Any]] = field(default_factory=list)
    packages: list[dict[str, Any]] = field(default_factory=list)  # deals and policies applied (none by default)
    shadow_prices: pd.DataFrame | None = None
    capacity_values: pd.DataFrame | None = None
    break_even: pd.DataFrame | None = None
    alternatives: list[dict[str, Any]] | None = None  # next-best plans (siting.optimization.alternatives)
    latency_cases: list[dict[str, Any]] | None = None  # sites latency keeps out, with the deciding pairs
    message: str = ""
    problem: SiteProblem | None = field(default=None, repr=False, compare=False)  # what was solved (not exported)

    @property
    def chosen_sites(self) -> list[str]:
        if self.sites.empty:
            return []
        return list(self.sites.index[self.sites["open"]])

    @property
    def levelised_cost_yuan_per_kw_month(self) -> float | None:
        if self.objective_yuan_per_year is None:
            return None
        return levelised_cost_yuan_per_kw_month(self.objective_yuan_per_year, self.it_load_mw)

    def to_dict(self) -> dict[str, Any]:
        records = frame_records
        return {
            "status": self.status,
            "objective_yuan_per_year": self.objective_yuan_per_year,
            "levelised_cost_yuan_per_kw_month": self.levelised_cost_yuan_per_kw_month,
            "it_load_mw": self.it_load_mw,
            "solve_seconds": self.solve_seconds,
            "solver": self.solver,
            "mip_gap": self.mip_gap,
            "chosen_sites": self.chosen_sites,
            "sites": records(self.sites),
            "allocation": records(self.allocation, index=False),
            "cost_breakdown": records(self.cost_breakdown),
            "latency": records(self.latency, index=False),
            "energy_by_period": records(self.energy_by_period, index=False),
            "emissions_t_per_year": self.emissions_t_per_year,
            "green_share_fraction": self.green_share_fraction,
            "green_purchases": records(self.green_purchases, index=False),
            "diagnosis": self.diagnosis,
            "packages": self.packages,
            "shadow_prices": records(self.shadow_prices, index=False),
            "capacity_values": records(self.capacity_values, index=False),
            "break_even": records(self.break_even, index=False),
            "alternatives": self.alternatives,
            "latency_cases": self.latency_cases,
            "message": self.message,
        }


def energy_by_period(p: SiteProblem, alloc: np.ndarray) -> pd.DataFrame:
    """Energy cost [yuan/yr] and IT energy [MWh/yr] of the placed load by site, season and time-of-use period.

    Sites without a time-of-use schedule show one ``flat`` period.  The costs add up to the ``energy``
    column of the cost breakdown.
    """
    if not p.inputs or p.assumptions is None:
        return pd.DataFrame()
    a = p.assumptions
    mw_kj = np.where(alloc > 1e-9, alloc, 0.0).sum(axis=1)
    rows = []
    for j, si in enumerate(p.inputs):
        if mw_kj[:, j].sum() <= 0:
            continue
        sched = si.tou or TouSchedule.flat()
        cost = np.zeros((12, len(PERIODS)))
        mwh = np.zeros((12, len(PERIODS)))
        for k, mw in enumerate(mw_kj[:, j]):
            if mw <= 0:
                continue
            f = p.flexible_share[k] if k < len(p.flexible_share) else 0.0
            cost += mw * energy_cost_of_site_by_period(si, a.utilisation_fraction, f)
            mwh += mw * DAYS_PER_MONTH[:, None] * daily_it_energy_mwh(sched, a.utilisation_fraction, f)
        for season, months in SEASONS.items():
            idx = [m - 1 for m in months]
            for n, period in enumerate(PERIODS):
                c, e = a.usage_factor * float(cost[idx, n].sum()), a.mean_usage_factor * float(mwh[idx, n].sum())
                if e > 0:
                    rows.append({"site": p.sites[j], "season": season, "period": period,
                                 "it_energy_mwh": e, "energy_cost_yuan": c, "schedule": sched.name})
    return pd.DataFrame(rows)


def build_result(
    problem: SiteProblem,
    outcome: SolveOutcome,
    opened: np.ndarray,
    alloc: np.ndarray,
    subsidy: np.ndarray,
) -> OptimizationResult:
    """Tables of a feasible solution: sites, allocation, cost breakdown, latency, emissions."""
    p = problem
    alloc = np.where(alloc > 1e-9, alloc, 0.0)
    mw_kj = alloc.sum(axis=1)  # (K, J)
    mw_j = mw_kj.sum(axis=0)
    is_open = opened > 0.5

    bought = green_purchases(p, mw_j)  # renewable energy of each green offer [MWh/yr] (G,), once for all tables
    breakdown = plan_cost(p, opened, alloc, bought)  # the plan evaluator: the one place a plan's cost is computed
    breakdown = breakdown[is_open | (mw_j > 0)]

    sites = pd.DataFrame({
        "open": is_open,
        "it_mw": mw_j,
        "capacity_mw": p.capacity_mw,
    }, index=pd.Index(p.sites, name="site"))
    if p.pue is not None:
        sites["pue"] = p.pue
    if p.price_yuan_per_kwh is not None:
        sites["price_yuan_per_kwh"] = p.price_yuan_per_kwh
    if p.emissions_t_per_mw is not None:  # less what renewable purchases take off under market-based accounting
        sites["emissions_t_per_year"] = p.emissions_t_per_mw * mw_j - green_credit_t(p, bought)
    sites["annual_cost_yuan"] = breakdown["total"].reindex(p.sites).fillna(0.0).to_numpy()
    sites["levelised_cost_yuan_per_kw_month"] = [
        levelised_cost_yuan_per_kw_month(c, mw) if mw > 0 else np.nan
        for c, mw in zip(sites["annual_cost_yuan"], mw_j, strict=True)
    ]

    ks, is_, js = np.nonzero(alloc)
    allocation = pd.DataFrame({
        "class": [p.classes[k] for k in ks],
        "centre": [p.centres[i] for i in is_],
        "site": [p.sites[j] for j in js],
        "mw": alloc[ks, is_, js],
    })
    if p.rtt_ms is not None:
        allocation["rtt_ms"] = p.rtt_ms[is_, js]

    latency = pd.DataFrame()
    if p.rtt_ms is not None and not allocation.empty:
        rows = []
        for (cls, centre), g in allocation.groupby(["class", "centre"], sort=False):
            w = g["mw"].to_numpy()
            rows.append({
                "class": cls, "centre": centre, "demand_mw": float(w.sum()),
                "mean_rtt_ms": float((g["rtt_ms"] * w).sum() / w.sum()), "max_rtt_ms": float(g["rtt_ms"].max()),
                "limit_ms": p.max_rtt_ms[p.classes.index(str(cls))] if p.max_rtt_ms else None,
            })
        latency = pd.DataFrame(rows)

    emissions = float(sites["emissions_t_per_year"].sum()) if p.emissions_t_per_mw is not None else None
    green = None
    purchases = pd.DataFrame()
    if p.renewable_share is not None and p.energy_mwh_per_mw is not None:
        energy = p.energy_mwh_per_mw * mw_j
        green = float(((p.renewable_share * energy).sum() + bought.sum()) / energy.sum()) if energy.sum() > 0 else None
        if p.n_green:
            assert p.green_price_yuan_per_mwh is not None and p.green_avoided_yuan_per_mwh is not None
            net = p.green_net_cost_yuan_per_mwh()
            purchases = pd.DataFrame([
                {"site": o.site, "option": o.option_id, "kind": o.kind, "price_basis": o.price_basis,
                 "mwh_per_year": float(bought[n]), "price_yuan_per_mwh": float(p.green_price_yuan_per_mwh[n]),
                 "cost_yuan_per_year": float(bought[n] * p.green_price_yuan_per_mwh[n]),
                 "grid_energy_avoided_yuan_per_year": float(bought[n] * p.green_avoided_yuan_per_mwh[n]),
                 "net_cost_yuan_per_year": float(bought[n] * net[n])}
                for n, o in enumerate(p.green_offers) if bought[n] > 1e-9])
    return OptimizationResult(
        energy_by_period=energy_by_period(p, alloc),
        status=outcome.status, objective_yuan_per_year=outcome.objective, solve_seconds=outcome.solve_seconds,
        solver=outcome.solver, mip_gap=outcome.mip_gap, it_load_mw=p.it_load_mw or float(p.demand_mw.sum()),
        sites=sites, allocation=allocation, cost_breakdown=breakdown, latency=latency,
        emissions_t_per_year=emissions, green_share_fraction=green, message=outcome.message,
        green_purchases=purchases, problem=p,
    )
