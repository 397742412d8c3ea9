"""Feasibility diagnostics: cheap checks before the solve, an elastic re-solve after.

Each finding is a dict ``{"code", "message", "field", ...numbers}`` whose
message a planner can read: "no candidate within 20 ms of guangzhou for class
interactive: nearest is guian at 23.4 ms".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from siting.optimization.backends import solve
from siting.optimization.model import define
from siting.optimization.problem import SiteProblem
from siting.optimization.solve import SolverName

Finding = dict[str, Any]


def presolve_checks(p: SiteProblem) -> list[Finding]:
    """Necessary conditions for feasibility, each reported with its numbers."""
    findings: list[Finding] = []
    excluded = p.is_excluded()
    usable = ~excluded
    total = float(p.demand_mw.sum())
    cap = float(p.capacity_mw[usable].sum())
    for s, why in p.excluded_reason.items():
        if why.startswith("PUE"):
            findings.append({"code": "pue_excluded", "severity": "info", "field": "max_pue",
                             "message": f"{s} is excluded: {why}"})
    for s, why in p.kept_reason.items():
        findings.append({"code": "locked_despite_rule", "severity": "info", "field": "locked_sites",
                         "message": f"{s} is kept: {why}"})
    if cap < total - 1e-9:
        findings.append({
            "code": "capacity_short", "severity": "error", "field": "it_load_mw",
            "message": f"total available capacity of the usable candidates is {cap:.1f} MW, "
                       f"less than the requested {total:.1f} MW",
            "available_mw": cap, "requested_mw": total,
        })
    K, I, J = p.shape
    for k in range(K):
        # capacity of the sites that may serve class k at all (residency and latency rules)
        reach = (p.allowed[k] & usable[None, :]).any(axis=0)
        need = float(p.demand_mw[k].sum())
        room = float(p.capacity_mw[reach].sum())
        if need > 0 and reach.any() and room < need - 1e-9 and reach.sum() < usable.sum():
            parts = [f"{p.sites[j]} {p.capacity_mw[j]:,.0f} MW"
                     + (f" ({p.capacity_reason[p.sites[j]]})" if p.sites[j] in p.capacity_reason else "")
                     for j in np.nonzero(reach)[0]]
            findings.append({
                "code": "class_capacity_short", "severity": "error", "field": "available_capacity_mw",
                "message": f"class {p.classes[k]}: {need:,.1f} MW may only go to " + ", ".join(parts)
                           + f": {room:,.1f} MW in all",
                "available_mw": room, "requested_mw": need,
            })
    for k in range(K):
        for i in range(I):
            if p.demand_mw[k, i] <= 0:
                continue
            ok = p.allowed[k, i] & usable
            if ok.any():
                continue
            field = f"classes[{k}].max_rtt_ms"
            limit = p.max_rtt_ms[k] if p.max_rtt_ms else None
            if p.rtt_ms is not None and usable.any():
                j = int(np.argmin(np.where(usable, p.rtt_ms[i], np.inf)))
                within = p.rtt_ms[i, j] <= (limit if limit is not None else np.inf)
                if limit is not None and not within:
                    msg = (f"no candidate within {limit:g} ms of {p.centres[i]} for class {p.classes[k]}: "
                           f"nearest is {p.sites[j]} at {p.rtt_ms[i, j]:.1f} ms")
                    findings.append({"code": "latency_unreachable", "severity": "error", "field": field,
                                     "message": msg, "centre": p.centres[i], "class": p.classes[k],
                                     "nearest_site": p.sites[j], "nearest_rtt_ms": float(p.rtt_ms[i, j]),
                                     "limit_ms": limit})
                    continue
            barred = [f"{s}: {why}" for (kk, s), why in p.class_site_reason.items() if kk == k]
            seismic = any("seismic" in b for b in barred)
            flood = any("flood protection" in b for b in barred)
            water = any("avoid_water_scarce_sites" in b for b in barred)
            findings.append({
                "code": "no_allowed_site", "severity": "error",
                "field": (f"classes[{k}].max_pga_g" if seismic else f"classes[{k}].min_flood_return_period_years"
                          if flood else "avoid_water_scarce_sites" if water else f"classes[{k}].allowed_sites"),
                "message": f"class {p.classes[k]} at {p.centres[i]} has no allowed site "
                           + (f"({'; '.join(barred)})" if barred else "(residency rules and exclusions leave none)"),
                "centre": p.centres[i], "class": p.classes[k],
            })
    must_use = max(p.min_sites, int(p.is_locked().sum()))
    if p.min_site_mw > 0 and must_use * p.min_site_mw > total + 1e-9:
        findings.append({"code": "campus_too_large", "severity": "error", "field": "min_site_it_load_mw",
                         "message": f"min_site_it_load_mw {p.min_site_mw:g} MW x {must_use} site(s) the request must "
                                    f"use = {must_use * p.min_site_mw:g} MW > the {total:g} MW asked",
                         "min_site_mw": p.min_site_mw, "requested_mw": total})
    n_usable = int(usable.sum())
    if p.min_sites > n_usable:
        findings.append({"code": "too_few_sites", "severity": "error", "field": "min_sites",
                         "message": f"min_sites is {p.min_sites} but only {n_usable} candidate(s) are usable",
                         "min_sites": p.min_sites, "usable_sites": n_usable})
    if p.max_share_per_site < 1.0:
        n_max = min(n_usable, p.max_sites if p.max_sites is not None else n_usable)
        if p.max_share_per_site * n_max < 1.0 - 1e-9:
            findings.append({
                "code": "share_unreachable", "severity": "error", "field": "max_share_per_site",
                "message": f"max_share_per_site {p.max_share_per_site:g} x at most {n_max} site(s) "
                           f"= {p.max_share_per_site * n_max:g} < 1: the load cannot be spread that thin",
            })
    locked = p.is_locked()
    if p.max_sites is not None and int(locked.sum()) > p.max_sites:
        findings.append({"code": "too_many_locked", "severity": "error", "field": "max_sites",
                         "message": f"{int(locked.sum())} locked sites exceed max_sites {p.max_sites}"})
    if p.min_green_share > 0 and p.renewable_share is not None and usable.any():
        reachable = p.renewable_share.copy()
        if p.n_green and p.green_site is not None and p.green_cap_mwh_per_mw is not None \
                and p.energy_mwh_per_mw is not None:  # green offers can green the rest, up to their caps
            offered = np.bincount(p.green_site, weights=p.green_cap_mwh_per_mw, minlength=len(p.sites))
            per_mw = np.where(p.energy_mwh_per_mw > 0, p.energy_mwh_per_mw, 1.0)
            reachable = p.renewable_share + np.minimum(offered / per_mw, 1.0 - p.renewable_share)
        best = float(reachable[usable].max())
        if best < p.min_green_share - 1e-12:
            j = int(np.argmax(np.where(usable, reachable, -1)))
            findings.append({
                "code": "green_unreachable", "severity": "error", "field": "min_green_share_fraction",
                "message": f"min_green_share_fraction {p.min_green_share:g} is above the greenest usable site "
                           f"({p.sites[j]}, renewable share {best:.3f})",
            })
    return findings


def _amount(value: float) -> str:
    """A shortfall with two decimals, or two significant digits when it is smaller than 0.01 (never '0.00')."""
    return f"{value:,.2f}" if abs(value) >= 0.01 else f"{value:.2g}"


def elastic_diagnosis(p: SiteProblem, solver: SolverName = "highs",
                      time_limit_s: float | None = None) -> list[Finding]:
    """Re-solve with penalised slacks; report each constraint family that had to be relaxed."""
    arrays = define(p, elastic=True)
    solution = solve(arrays, solver, time_limit_s=time_limit_s)
    outcome = solution.outcome
    if outcome.status not in ("optimal", "time_limit"):
        failed: Finding = {"code": "elastic_failed", "severity": "error", "field": None,
                           "message": f"the elastic re-solve ended {outcome.status}: {outcome.message}"}
        return [failed]
    by_group: dict[str, list[tuple[str, float]]] = {}
    labels = {f.name: f for f in arrays.families}
    for (family, row), val in zip(arrays.slack_family, solution.slack().tolist(), strict=True):
        if val > 1e-6:
            fam = labels[family]
            label = fam.label(fam.keys[row])
            if fam.name == "site-capacity":  # name the year and source of the capacity that binds
                site = p.sites[int(fam.keys[row][0])]
                why = p.capacity_reason.get(site)
                label = f"{label} ({p.capacity_mw[int(fam.keys[row][0])]:,.0f} MW" + (f": {why})" if why else ")")
            group = str(fam.field)
            if fam.name == "service-level":  # a class's own field
                group = f"classes[{int(fam.keys[row][0])}].service_level_fraction"
            by_group.setdefault(group, []).append((label, val))
    units = {"budget_yuan_per_year": "yuan/yr", "min_sites": "site(s)", "max_sites": "site(s)",
             "min_green_share_fraction": "MWh of renewable energy/yr"}
    findings: list[Finding] = []
    for group, items in by_group.items():
        total = sum(v for _, v in items)
        unit = units.get(group, "MW")
        worst = ", ".join(f"{n} by {_amount(v)}" for n, v in sorted(items, key=lambda x: -x[1])[:5])
        findings.append({
            "code": "must_relax", "severity": "error", "field": group,
            "message": f"relax {group}: {len(items)} constraint(s) short by {_amount(total)} {unit} in total ({worst})",
            "amount": total, "unit": unit,
        })
    if not findings:
        findings.append({"code": "numerical", "severity": "error", "field": None,
                         "message": "the elastic re-solve needed no relaxation; the infeasibility is numerical"})
    return findings
