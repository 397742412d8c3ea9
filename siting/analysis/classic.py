"""The cost-optimal plan beside the classic location answers (p-median, p-center, MCLP).

For a request: the instance is the request's candidate sites, its demand centres weighted by the
MW the request puts there (all classes) and the round-trip times the cost model uses (measured
ones included).  ``p`` defaults to the number of sites of the cost-optimal plan and the MCLP
radius to the tightest class latency limit.  Each classic answer is then costed: the request is
re-optimised with exactly those sites open (``locked_sites`` = ``candidates`` = the answer), so
the table says what a latency-only choice would cost a year and whether it meets the SLA at all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from siting.data.catalog import Catalog
from siting.data.request import SiteRequest
from siting.errors import RequestError
from siting.optimization.classic import MCLP, ClassicProblem, PCenter, PMedian
from siting.optimization.model import ClassicMode
from siting.optimization.optimize import optimize
from siting.optimization.problem import build_site_problem, min_site_load_mw
from siting.optimization.solve import SolverName

MODELS: tuple[ClassicMode, ...] = ("p-median", "p-center", "mclp")


@dataclass(frozen=True)
class LocationInstance:
    """Sites ``j``, centres ``i``, weights ``w`` (I,) [MW] and round-trip times ``d`` (I, J) [ms]."""

    sites: list[str]
    centres: list[str]
    weight_mw: npt.NDArray[np.float64]
    rtt_ms: npt.NDArray[np.float64]

    def check(self, p: int) -> None:
        if not 1 <= p <= len(self.sites):
            raise RequestError.out_of_range("p", p, f"an integer from 1 to the number of candidate sites "
                                                    f"({len(self.sites)})")

    def problem(self, model: ClassicMode, p: int, radius_ms: float | None) -> ClassicProblem:
        """The classic problem of ``model`` on this instance (RTT [ms] as the distance, MW as the weight)."""
        ids = {"clients": self.centres, "facilities": self.sites}
        if model == "p-median":
            return PMedian.from_cost_matrix(self.rtt_ms, self.weight_mw, p, **ids)
        if model == "p-center":
            return PCenter.from_cost_matrix(self.rtt_ms, p, **ids)
        if radius_ms is None:
            raise RequestError("the maximal covering model needs a radius: radius_ms, or a class with max_rtt_ms",
                               field="radius_ms")
        return MCLP.from_cost_matrix(self.rtt_ms, self.weight_mw, radius_ms, p, **ids)


@dataclass
class ClassicRow:
    view: str                       # "cost-optimal", "p-median", "p-center" or "mclp"
    sites: list[str]
    objective: float | None         # the view's own objective (module docstring of siting.optimization.classic)
    mean_rtt_ms: float              # demand-weighted RTT to the nearest open site
    worst_rtt_ms: float
    covered_fraction: float         # demand within the radius of an open site
    cost_yuan_per_year: float | None  # the request served from exactly costed_sites (None: infeasible)
    cost_status: str
    cost_note: str = ""
    costed_sites: list[str] = field(default_factory=list)  # the view's sites and the request's locked ones


@dataclass
class ClassicViews:
    p: int
    radius_ms: float | None
    centres: list[str]
    weight_mw: list[float]
    rows: list[ClassicRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"p": self.p, "radius_ms": self.radius_ms, "centres": self.centres, "weight_mw": self.weight_mw,
                "rows": [asdict(r) for r in self.rows]}


def location_instance(request: SiteRequest, catalog: Catalog) -> LocationInstance:
    """The request's candidates, its demand centres weighted by MW, and the model's RTT [ms]."""
    problem = build_site_problem(catalog, request)
    if problem.rtt_ms is None:  # pragma: no cover - every catalog site has coordinates
        raise RequestError("no round-trip times for this request", field="request")
    weight = problem.demand_mw.sum(axis=0)
    keep = weight > 0
    centres = [c for c, k in zip(problem.centres, keep, strict=True) if k]
    return LocationInstance(sites=list(problem.sites), centres=centres,
                            weight_mw=np.asarray(weight[keep], dtype=float),
                            rtt_ms=np.asarray(problem.rtt_ms[keep, :], dtype=float))


def _metrics(inst: LocationInstance, sites: list[str], radius_ms: float | None) -> tuple[float, float, float]:
    cols = [inst.sites.index(s) for s in sites]
    nearest = inst.rtt_ms[:, cols].min(axis=1)
    w = inst.weight_mw
    covered = float(w[nearest <= radius_ms].sum() / w.sum()) if radius_ms is not None else float("nan")
    return float((w * nearest).sum() / w.sum()), float(nearest.max()), covered


def _cost(request: SiteRequest, catalog: Catalog, sites: list[str], solver: SolverName,
          excluded_reason: dict[str, str]) -> tuple[float | None, str, str, list[str]]:
    """The cost of a classic answer under every rule of the request: its sites (and the request's locked ones)
    must be used, and nothing else may; a site the request excludes (excluded_sites, max_pue) makes it
    infeasible, with the reason."""
    barred = [s for s in sites if s in excluded_reason and s not in request.locked_sites]
    if barred:
        return None, "infeasible", "uses " + "; ".join(f"{s} ({excluded_reason[s]})" for s in barred), list(sites)
    used = [*sites, *sorted(set(request.locked_sites) - set(sites))]
    # the request's own campus minimum (locking more sites would otherwise lower its default)
    fixed = request.model_copy(update={"candidates": used, "locked_sites": used,
                                       "min_site_it_load_mw": min_site_load_mw(catalog, request)})
    r = optimize(fixed, catalog, solver=solver, explain=False)
    note = "; ".join(str(f["message"]) for f in r.diagnosis)[:300] if r.objective_yuan_per_year is None else ""
    added = [s for s in used if s not in sites]
    if added and r.objective_yuan_per_year is not None:
        note = f"with the request's locked {', '.join(added)} added"
    return r.objective_yuan_per_year, r.status, note, used


def classic_views(request: SiteRequest, catalog: Catalog, p: int | None = None, radius_ms: float | None = None,
                  solver: SolverName = "highs") -> ClassicViews:
    """The cost-optimal plan and the p-median, p-center and MCLP answers, each costed (module docstring)."""
    inst = location_instance(request, catalog)
    best = optimize(request, catalog, solver=solver, explain=False)
    excluded = best.problem.excluded_reason if best.problem is not None else {}
    if p is None:
        p = max(1, len(best.chosen_sites)) if best.objective_yuan_per_year is not None else 1
    inst.check(p)
    if radius_ms is None:
        limits = [c.max_rtt_ms for c in request.classes if c.max_rtt_ms is not None]
        radius_ms = min(limits) if limits else None
    out = ClassicViews(p=p, radius_ms=radius_ms, centres=inst.centres, weight_mw=inst.weight_mw.tolist())
    if best.objective_yuan_per_year is not None:
        mean, worst, cov = _metrics(inst, best.chosen_sites, radius_ms)
        out.rows.append(ClassicRow("cost-optimal", list(best.chosen_sites), best.objective_yuan_per_year, mean,
                                   worst, cov, best.objective_yuan_per_year, best.status,
                                   costed_sites=list(best.chosen_sites)))
    for model in MODELS:
        if model == "mclp" and radius_ms is None:
            continue
        sol = inst.problem(model, p, radius_ms).solve(solver, backend="direct" if solver == "highs" else "pulp")
        if not sol.facilities:
            continue
        mean, worst, cov = _metrics(inst, sol.facilities, radius_ms)
        cost, status, note, used = _cost(request, catalog, sol.facilities, solver, excluded)
        out.rows.append(ClassicRow(model, sol.facilities, sol.objective, mean, worst, cov, cost, status, note, used))
    return out
