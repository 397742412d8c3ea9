"""Score cards: what each site would cost if it hosted the whole request alone, and why.

For a request of P MW split over classes k (P_k MW each), site j's annual cost is

    fixed + sum_k P_k sum_c cost_c[k, j] - sum_s min(phi_s cost_{c(s)}, U_s)

with the same cost components and subsidy terms as the optimisation core
(:class:`~siting.optimization.problem.SiteProblem`), so a score card and an optimal
allocation never disagree on a number.  The levelised cost is yuan per kW of
IT per month; the score is ``100 * best levelised cost / this site's`` (the
cheapest site scores 100).  Latency is reported per class as the
demand-weighted mean RTT, the worst RTT, and the share of the class's demand
within its limit (the optimiser decides what to do with sites that miss it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from siting.data.catalog import PACKAGE_PRICE, Catalog, default_catalog
from siting.data.request import SiteRequest, parse_request
from siting.models.costs import COST_COMPONENTS, levelised_cost_yuan_per_kw_month
from siting.optimization.evaluate import Evaluation, evaluate_plan, evaluation_model, subsidies_claimed
from siting.optimization.problem import SiteProblem, build_site_problem, effective_price_parameter

#: How many of the request's heaviest demand centres get an RTT column.
MAIN_CENTRES = 5

_PROVENANCE_OF = {
    "bandwidth_price": "bandwidth_price_yuan_per_gbps_month",
    "capex": "capex_yuan_per_mw",
    "grid_emission_factor": "grid_emission_factor_t_per_mwh",
}


# Rules about several sites, which a single site can never meet alone by construction.
_MULTI_SITE_FAMILIES = ("site-share", "site-count-min")


def within_share(p: SiteProblem, k: int, j: int) -> float:
    """Share of class k's demand that site j serves within the class's RTT limit and residency rules [fraction]."""
    w = p.demand_mw[k]
    if w.sum() <= 0:
        return 1.0
    ok = p.allowed[k, :, j] if p.within_rtt is None else p.allowed[k, :, j] & p.within_rtt[k, :, j]
    return float(w[ok].sum() / w.sum())


def _alone(p: SiteProblem, j: int, evaluation: Evaluation) -> tuple[bool, list[str]]:
    """Could site j host the whole request alone (latency per class, capacity, residency, PUE cap,
    green share, budget), and the short reasons why not."""
    flags: list[str] = []
    for k, cls in enumerate(p.classes):
        w = p.demand_mw[k]
        barred = p.class_site_reason.get((k, p.sites[j]))
        if barred is not None and w.sum() > 0:  # the class may not use the site at all
            flags.append(f"{cls} may not use it: {barred}")
            continue
        share = within_share(p, k, j)
        need = p.service_level[k] if p.service_level else 1.0
        if share < need - 1e-9:
            limit = p.max_rtt_ms[k] if p.max_rtt_ms else None
            where = f" within {limit:g} ms" if limit is not None else " (residency)"
            level = f" (service level {100 * need:g} %)" if need < 1.0 else ""
            flags.append(f"serves {100 * share:.1f} % of {cls} demand{where}{level}")
    for v in evaluation.violations:
        if v.family in _MULTI_SITE_FAMILIES or v.family in ("allowed", "service-level"):  # flagged above
            continue
        if v.family == "site-capacity":
            why = p.capacity_reason.get(p.sites[j])
            flags.append(f"capacity {p.capacity_mw[j]:,.0f} MW < {float(p.demand_mw.sum()):,.0f} MW asked"
                         + (f" ({why})" if why else ""))
        else:
            flags.append(v.message)
    return not flags, flags


def score_problem(problem: SiteProblem) -> pd.DataFrame:
    """One row per site of ``problem``: cost components, levelised cost, PUE, RTT, carbon, score."""
    p = problem
    mw_k = p.demand_mw.sum(axis=1)  # (K,)
    total_mw = float(mw_k.sum())
    rows = []
    model = evaluation_model(p)  # one all-pairs model for every one-site plan
    for j, s in enumerate(p.sites):
        # the whole request at site j alone, costed and checked by the plan evaluator
        alloc = np.zeros(p.shape)
        alloc[:, :, j] = p.demand_mw
        opened = np.zeros(len(p.sites))
        opened[j] = 1.0
        evaluation = evaluate_plan(p, opened, alloc, model)
        cost = evaluation.by_site.loc[s]
        comp = {c: float(cost[c]) for c in COST_COMPONENTS}
        subsidy = {"bandwidth": 0.0, "energy": 0.0, "capex": 0.0}
        for term, value in zip(p.subsidies, subsidies_claimed(p, opened, alloc.sum(axis=1)), strict=True):
            subsidy[term.component] += value
        fixed = float(cost["fixed"])
        total = float(cost["total"])
        row: dict[str, Any] = {"site": s}
        row.update({f"{c}_yuan_per_year": v for c, v in comp.items()})
        row["fixed_yuan_per_year"] = fixed
        row["bandwidth_subsidy_yuan_per_year"] = subsidy["bandwidth"]
        row["bandwidth_net_yuan_per_year"] = comp["bandwidth"] - subsidy["bandwidth"]
        row["other_subsidies_yuan_per_year"] = subsidy["energy"] + subsidy["capex"]
        row["total_yuan_per_year"] = total
        row["levelised_cost_yuan_per_kw_month"] = levelised_cost_yuan_per_kw_month(total, total_mw)
        row["price_yuan_per_kwh"] = float(p.price_yuan_per_kwh[j]) if p.price_yuan_per_kwh is not None else None
        row["pue"] = float(p.pue[j]) if p.pue is not None else None
        if p.emissions_t_per_mw is not None and p.energy_mwh_per_mw is not None:
            row["emissions_t_per_year"] = float(p.emissions_t_per_mw[j] * total_mw)
            row["carbon_intensity_t_per_mwh"] = float(p.emissions_t_per_mw[j] / p.energy_mwh_per_mw[j])
        if p.renewable_share is not None:
            row["renewable_share_fraction"] = float(p.renewable_share[j])
        row["capacity_ok"] = bool(p.capacity_mw[j] >= total_mw - 1e-9)
        row["available_capacity_mw"] = float(p.capacity_mw[j])
        if p.rtt_ms is not None:
            for k, cls in enumerate(p.classes):
                w = p.demand_mw[k]
                if w.sum() <= 0:
                    continue
                rtt = p.rtt_ms[:, j]
                row[f"rtt_mean_ms[{cls}]"] = float((rtt * w).sum() / w.sum())
                row[f"rtt_max_ms[{cls}]"] = float(rtt[w > 0].max())
                row[f"within_sla_share[{cls}]"] = within_share(p, k, j)
            heaviest = np.argsort(-p.demand_mw.sum(axis=0))[:MAIN_CENTRES]
            for i in heaviest:
                row[f"rtt_ms[{p.centres[i]}]"] = float(p.rtt_ms[i, j])
        row["excluded"] = p.excluded_reason.get(s)
        row["feasible_alone"], row["flags"] = _alone(p, j, evaluation)
        rows.append(row)
    df = pd.DataFrame(rows).set_index("site")
    best = df["levelised_cost_yuan_per_kw_month"].min()
    df["score"] = 100.0 * best / df["levelised_cost_yuan_per_kw_month"]
    # sites that can host the whole request alone first, each group by levelised cost: a site that cannot is
    # never ranked above one that can (issue 28); the score stays relative to the cheapest site of all
    alone_first = ~df["feasible_alone"].astype(bool)
    df = df.assign(_after=alone_first).sort_values(["_after", "levelised_cost_yuan_per_kw_month"], kind="stable")
    df = df.drop(columns="_after")
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return df


def rank(
    request: SiteRequest | dict[str, Any] | None = None,
    catalog: Catalog | None = None,
    *,
    all_sites: bool | None = None,
) -> pd.DataFrame:
    """Rank sites for a request: those that can host the whole request alone first, each group by levelised cost.

    By default every catalog site is ranked (the western candidates with the
    other national clusters and the eastern baselines for comparison) unless
    the request names its ``candidates``; ``all_sites=False`` ranks only the
    request's candidates (default: the four western sites).
    """
    cat = catalog if catalog is not None else default_catalog()
    req = parse_request(request)
    if all_sites is None:
        all_sites = req.candidates is None
    if all_sites:
        req = req.model_copy(update={"candidates": cat.site_ids})
    card = score_problem(build_site_problem(cat, req))
    ident = cat.sites.loc[card.index, ["name_en", "name_zh", "role"]]
    return ident.join(card)


def _provenance(catalog: Catalog, site: str, param: str, request: SiteRequest) -> dict[str, Any]:
    """A site parameter's catalog row, or the opted-in package term that sets it."""
    if param == PACKAGE_PRICE:
        for pid in request.packages:
            for t in catalog.packages[pid].terms:
                if t.site == site and t.parameter == param:
                    url = catalog.sources.set_index("key")["url"].get(t.source, "")
                    return {"value": t.value, "unit": t.unit, "source": t.source, "year": t.year, "status": t.status,
                            "note": t.note, "url": url, "package": pid}
    return catalog.provenance(site, param)


def provenance_for(catalog: Catalog, site: str, request: SiteRequest) -> dict[str, Any]:
    """Catalog rows behind a score card's criteria (price, bandwidth, climate, capex, emission factor)."""
    out: dict[str, Any] = {}
    packaged = catalog.with_packages(request.packages)
    price_param = effective_price_parameter(packaged.sites.loc[site], request)
    for key, param in {"price": price_param, **_PROVENANCE_OF}.items():
        out[key] = {"parameter": param, **_provenance(catalog, site, param, request)}
    clim = catalog.climate[catalog.climate["site"] == site]
    out["climate"] = {
        "sources": sorted(set(clim["source"])), "years": sorted({int(y) for y in clim["year"]}),
        "statuses": sorted(set(clim["status"])),
    }
    out["subsidies"] = [
        {"subsidy_id": s.subsidy_id, "kind": s.kind, "source": s.source, "year": s.year, "status": s.status,
         "package": s.package or None}
        for s in catalog.subsidies_of(site) if not s.package or s.package in request.packages
    ]
    return out
