"""How close the answer is: the next-best plans, and the latency that keeps a cheaper site out.

Next-best plans
---------------
The optimum uses the site set P_0.  The n-th next-best plan is the optimum of the same
model (:mod:`siting.optimization.model`) with the no-good rows ``other-plan[m]`` for
P_0 ... P_{n-1}: its open sites differ from each earlier plan's in at least one site.  So
the plans come out in order of cost, each the cheapest way to meet every rule of the
request with a different set of sites (exact k-best over site sets).

Latency that decides
--------------------
A site j that is not chosen is *kept out by latency* when the optimum with j's latency
rule lifted (every class may use j for every centre its residency and hazard rules allow)
uses j.  For each class k whose limit j misses for some centres, the answer names:

- the pairs that decide it: the centres beyond the limit from j, with their RTT and how
  it is modelled (geodesic distance x route factor in fibre + equipment delay) or measured;
- the limit at which j would enter: the smallest RTT among those pairs (rounded up to
  0.1 ms) for which the re-solved optimum uses j, tried in increasing order;
- the service level at which j would enter: j's own share of the class's demand within
  the limit, if the optimum at that level uses j.

Every figure is a re-solve of the one model, never an estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from siting.models.costs import levelised_cost_yuan_per_kw_month
from siting.optimization.backends import solve
from siting.optimization.model import define
from siting.optimization.problem import SiteProblem
from siting.optimization.solve import SolverName

FloatArray = npt.NDArray[np.float64]
#: Most next-best plans computed for an answer.
MAX_ALTERNATIVES = 3
#: Most limits tried per site and class when searching the limit at which a site enters.
MAX_LIMITS_TRIED = 6


@dataclass
class Alternative:
    """A next-best plan: its sites with MW, its cost and how much more than the optimum it costs."""

    sites: dict[str, float]
    cost_yuan_per_year: float
    levelised_cost_yuan_per_kw_month: float
    more_than_best_fraction: float

    @property
    def key(self) -> str:
        return "+".join(self.sites)

    def to_dict(self) -> dict[str, Any]:
        return {"sites": {s: round(mw, 6) for s, mw in self.sites.items()},
                "cost_yuan_per_year": self.cost_yuan_per_year,
                "levelised_cost_yuan_per_kw_month": self.levelised_cost_yuan_per_kw_month,
                "more_than_best_fraction": self.more_than_best_fraction}


def next_best_plans(p: SiteProblem, opened: FloatArray, best_yuan_per_year: float, n: int = MAX_ALTERNATIVES,
                    solver: SolverName = "highs", mip_gap: float | None = 1e-6,
                    time_limit_s: float | None = None) -> list[Alternative]:
    """Up to ``n`` next-best plans in order of cost (module docstring); fewer when no other site set is feasible."""
    plans = [tuple(int(j) for j in np.nonzero(np.asarray(opened) > 0.5)[0])]
    out: list[Alternative] = []
    load = float(p.it_load_mw or p.demand_mw.sum())
    for _ in range(n):
        solution = solve(define(replace(p, excluded_plans=list(plans))), solver, time_limit_s=time_limit_s,
                         mip_gap=mip_gap)
        if solution.outcome.status != "optimal" or solution.outcome.objective is None:
            break
        mw = solution.alloc().sum(axis=(0, 1))
        used = tuple(int(j) for j in np.nonzero(solution.open() > 0.5)[0])
        plans.append(used)
        cost = float(solution.outcome.objective)
        order = sorted(used, key=lambda j: -mw[j])
        out.append(Alternative({p.sites[j]: float(mw[j]) for j in order}, cost,
                               levelised_cost_yuan_per_kw_month(cost, load),
                               cost / best_yuan_per_year - 1.0 if best_yuan_per_year > 0 else math.nan))
    return out


@dataclass
class LatencyCase:
    """Why latency keeps ``site`` out of the plan for one class, with the figures that would let it in."""

    site: str
    class_: str
    limit_ms: float
    service_level: float
    within_share: float  # of the class's demand within the limit from this site [fraction]
    pairs: list[dict[str, Any]] = field(default_factory=list)  # centre, rtt_ms, share, how (modelled/measured)
    enters_at_limit_ms: float | None = None
    enters_at_service_level: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"site": self.site, "class": self.class_, "limit_ms": self.limit_ms,
                "service_level_fraction": self.service_level, "within_share_fraction": self.within_share,
                "deciding_pairs": self.pairs, "enters_at_limit_ms": self.enters_at_limit_ms,
                "enters_at_service_level_fraction": self.enters_at_service_level}


def _uses(p: SiteProblem, j: int, solver: SolverName, mip_gap: float | None,
          time_limit_s: float | None) -> bool | None:
    solution = solve(define(p), solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
    if solution.outcome.status != "optimal":
        return None
    return bool(solution.open()[j] > 0.5 and solution.alloc()[:, :, j].sum() > 1e-6)


def _lifted(p: SiteProblem, j: int) -> SiteProblem:
    """``p`` with site j's latency rule lifted for every class (residency and hazard rules kept)."""
    assert p.site_ok is not None and p.within_rtt is not None
    allowed, within = p.allowed.copy(), p.within_rtt.copy()
    allowed[:, :, j] = p.site_ok[:, j][:, None]
    within[:, :, j] = True
    return replace(p, allowed=allowed, within_rtt=within)


def pair_description(p: SiteProblem, i: int, j: int) -> str:
    """How the RTT of (centre i, site j) was obtained, in words."""
    if p.rtt_measured is not None and p.rtt_measured[i, j]:
        return "measured (the request's measured_rtt_ms)"
    if p.distance_km is None:
        return "modelled"
    return f"modelled: {p.distance_km[i, j]:,.0f} km great circle x route factor {p.route_factor:g} in fibre"


def latency_cases(p: SiteProblem, opened: FloatArray, solver: SolverName = "highs", mip_gap: float | None = 1e-6,
                  time_limit_s: float | None = None) -> list[LatencyCase]:
    """The sites that latency keeps out of the plan, by class, with the deciding pairs (module docstring)."""
    if p.rtt_ms is None or p.site_ok is None or p.within_rtt is None:
        return []
    out: list[LatencyCase] = []
    excluded = p.is_excluded()
    for j, site in enumerate(p.sites):
        if opened[j] > 0.5 or excluded[j]:
            continue
        misses = [k for k, limit in enumerate(p.max_rtt_ms)
                  if limit is not None and p.site_ok[k, j] and p.demand_mw[k].sum() > 0
                  and bool(((p.demand_mw[k] > 0) & ~p.within_rtt[k, :, j]).any())]
        if not misses or not _uses(_lifted(p, j), j, solver, mip_gap, time_limit_s):
            continue
        for k in misses:
            limit = float(p.max_rtt_ms[k])  # type: ignore[arg-type]
            level = p.service_level[k] if p.service_level else 1.0
            w = p.demand_mw[k] / p.demand_mw[k].sum()
            far = [i for i in np.argsort(p.rtt_ms[:, j]) if p.demand_mw[k, i] > 0 and not p.within_rtt[k, i, j]]
            share = float(w[p.within_rtt[k, :, j]].sum())
            case = LatencyCase(site, p.classes[k], limit, level, share, pairs=[
                {"centre": p.centres[i], "rtt_ms": float(p.rtt_ms[i, j]), "demand_share_fraction": float(w[i]),
                 "how": pair_description(p, int(i), j)} for i in far])
            for i in far[:MAX_LIMITS_TRIED]:
                new_limit = math.ceil(float(p.rtt_ms[i, j]) * 10.0 - 1e-9) / 10.0
                if _uses(p.with_rtt_limit(k, new_limit, level), j, solver, mip_gap, time_limit_s):
                    case.enters_at_limit_ms = new_limit
                    break
            if share < level and _uses(p.with_rtt_limit(k, limit, math.floor(share * 1000) / 1000), j, solver,
                                       mip_gap, time_limit_s):
                case.enters_at_service_level = math.floor(share * 1000) / 1000
            out.append(case)
    return out
