"""The story of an answer, told once for every interface.

The CLI (``siting optimize``), the HTML report and the API/web page all show the same
explanation; this module writes it.  It is plain data: an ordered list of :class:`Section`
(key, title, sentences), so each interface only chooses how to lay it out.

The sections follow the questions a planner is asked by a board:

``headline``   one plain sentence: what to build where, at what cost, and how close the nearest
               alternatives are (their cost difference and, with ``robust``, how often each wins);
``question``   what was asked (load, classes and their latency limits, year, carbon price);
``answer``     where, how much, at what cost (or why there is no answer: the diagnosis);
``why``        what each chosen site costs and what it is for, e.g. a second site that
               carries the demand the cheapest one cannot reach within a class's RTT limit;
``how_sure``   the re-solve over the catalog's ranges (``robust``), if it was run;
``change``     what would change the answer: each rejected site's verified break-even
               price and cost reduction, and the demand whose next MW costs most;
``rests_on``   packages (deals, policy prices) applied, and the share of the cost computed
               from catalog values whose status is ``assumption``.

Every number in a sentence is taken from the result or the catalog, never recomputed by a
second formula here (costs, break-evens and marginal costs come from the optimiser).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from siting.data.catalog import Catalog
from siting.data.request import SiteRequest
from siting.optimization.results import OptimizationResult

_MIO = 1e6
_COST_GROUPS = {"energy": ["energy"], "capital": ["capex"], "land, labour, water and fixed": [
    "land", "labour", "water", "fixed"], "bandwidth": ["bandwidth"], "carbon": ["carbon"],
    "renewable purchases": ["green"]}


@dataclass
class Section:
    """One part of the story: a stable ``key``, a human ``title`` and plain-text ``sentences``."""

    key: str
    title: str
    sentences: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _list(names: list[str], most: int = 4) -> str:
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")


def packages_sentence(packages: list[dict[str, Any]]) -> str:
    """Which deals and policies an answer rests on (or that it rests on none)."""
    if not packages:
        return ("Packages: none; every site is priced at its published tariff (negotiated deals and policy prices "
                "are opt-in packages: siting packages).")
    return "Packages applied: " + "; ".join(
        f"{p['package_id']} ({p['kind'].replace('_', ' ')} {p['year']}: {p['changes']})" for p in packages) + "."


#: A next-best plan within this share of the optimum's cost makes the answer a close call [fraction].
CLOSE_CALL_FRACTION = 0.05


def plan_words(sites: dict[str, float]) -> str:
    """'zhongwei' for one site, 'zhongwei 15 + guian 5 MW' for several."""
    if len(sites) == 1:
        return next(iter(sites))
    return " + ".join(f"{s} {mw:,.0f}" for s, mw in sites.items()) + " MW"


def _share(robust: Any | None, sites: list[str]) -> float | None:
    """How often exactly this site set is the optimum over the robust samples, or None without them."""
    return None if robust is None or not hasattr(robust, "optimal_share") else float(robust.optimal_share(sites))


#: The optimum is *contested* when it is the cheapest plan in fewer than this share of the samples.
CONTESTED_SHARE = 0.8


def headline(result: OptimizationResult, robust: Any | None = None) -> Section:
    """The answer in one sentence (two at most): where, what it costs, and how close the alternatives are.

    A next-best plan within ``CLOSE_CALL_FRACTION`` of the cost is a close call, unless the robust samples
    show the optimum to be the cheapest plan in at least ``CONTESTED_SHARE`` of them.
    """
    if result.objective_yuan_per_year is None:
        first = (result.diagnosis[0]["message"] if result.diagnosis else result.message) or result.status
        return Section("headline", "In short", [f"No plan meets every rule of this request: {first}."])
    chosen = result.sites.loc[result.chosen_sites].sort_values("it_mw", ascending=False)
    sites = [str(s) for s in chosen.index]
    where = plan_words({str(s): float(r["it_mw"]) for s, r in chosen.iterrows()})
    mw = f"{result.it_load_mw:,.0f} MW at " if len(chosen) == 1 else "at "
    lead = (f"Build {mw}{where}: {result.objective_yuan_per_year / _MIO:,.1f} M yuan/yr "
            f"({result.levelised_cost_yuan_per_kw_month:,.1f} yuan/kW/month)")
    share = _share(robust, sites)
    if share is not None and robust is not None:
        lead += (f", the cheapest plan in {100 * share:.0f} % of {robust.feasible_samples} samples of the "
                 "catalog's ranges")
    alts = result.alternatives or []
    if not alts:
        return Section("headline", "In short", [lead + (". No other set of sites meets every rule."
                                                        if result.alternatives is not None else ".")])
    close = [a for a in alts if a["more_than_best_fraction"] <= CLOSE_CALL_FRACTION]

    def alt(a: dict[str, Any]) -> str:
        wins = _share(robust, list(a["sites"]))
        return (f"{plan_words(a['sites'])} costs {100 * a['more_than_best_fraction']:.1f} % more"
                + (f" and is the cheapest in {100 * wins:.0f} %" if wins is not None else ""))

    if not close:
        return Section("headline", "In short", [f"{lead}. Clear choice: the nearest alternative, {alt(alts[0])}."])
    if share is not None and share >= CONTESTED_SHARE:
        word = "Close in cost, but it holds over the ranges"
    else:
        word = "Close call"
    return Section("headline", "In short", [f"{lead}. {word}: " + "; ".join(alt(a) for a in close) + "."])


def question(request: SiteRequest, catalog: Catalog) -> Section:
    classes = []
    for c in request.classes:
        limit = f"RTT at most {c.max_rtt_ms:g} ms" if c.max_rtt_ms is not None else "no latency limit"
        if c.max_rtt_ms is not None and c.service_level_fraction < 1:
            limit += f" for {100 * c.service_level_fraction:g} % of its demand"
        flexible = (f", {100 * c.flexible_share_fraction:.0f} % of its energy flexible"
                    if getattr(c, "flexible_share_fraction", 0) else "")
        classes.append(f"{c.name} {100 * c.share_fraction:.0f} % ({limit}{flexible})")
    year = (f"in service {request.in_service_year}" if request.in_service_year else
            f"in service {int(catalog.defaults['in_service_year'])} (the catalog's default year)")
    s = [f"{request.it_load_mw:g} MW of IT load, {year}, {request.cooling} cooling: " + "; ".join(classes) + ".",
         f"Carbon price {request.carbon_price_yuan_per_t:g} yuan/t"
         + (f"; at least {100 * request.min_green_share_fraction:.0f} % green energy"
            if request.min_green_share_fraction else "")
         + (f"; between {request.min_sites} and {request.max_sites} sites" if request.max_sites else "")
         + (f"; at most {100 * request.max_share_per_site:.0f} % of the load per site"
            if request.max_share_per_site < 1 else "")
         + ("; market-based emissions (renewable energy bought carries none)"
            if request.emissions_accounting == "market" else "") + "."]
    return Section("question", "The question", s)


def answer(result: OptimizationResult) -> Section:
    if result.objective_yuan_per_year is None:
        s = [f"No plan: the request is {result.status}."]
        s += [str(f["message"]) for f in result.diagnosis]
        if result.message and not result.diagnosis:
            s.append(result.message)
        return Section("answer", "The answer", s)
    sites = result.sites.loc[result.chosen_sites]
    where = ", ".join(f"{s} ({r['it_mw']:,.1f} MW)" for s, r in sites.sort_values("it_mw", ascending=False)
                      .iterrows())
    s = [f"Build at {where}: {result.objective_yuan_per_year / _MIO:,.2f} million yuan/yr, "
         f"{result.levelised_cost_yuan_per_kw_month:,.1f} yuan per kW of IT per month.",
         f"Emissions {(result.emissions_t_per_year or 0) / 1000:,.1f} ktCO2/yr; green share "
         f"{100 * (result.green_share_fraction or 0):.0f} %."]
    if result.status == "time_limit":
        s.append(f"The solver stopped at its time limit with a MIP gap of {100 * (result.mip_gap or 0):.2f} %: "
                 "this plan is feasible but may not be the cheapest.")
    s += [f"Note: {f['message']}" for f in result.diagnosis]
    return Section("answer", "The answer", s)


def _largest_parts(row: pd.Series) -> str:
    total = float(row["total"])
    parts = {name: sum(float(row[c]) for c in cols if c in row.index) for name, cols in _COST_GROUPS.items()}
    top = sorted(((v, k) for k, v in parts.items() if v > 0), reverse=True)[:2]
    return " and ".join(f"{k} {100 * v / total:.0f} %" for v, k in top)


def _full_because(result: OptimizationResult, request: SiteRequest, site: str) -> str:
    """Why ``site`` (reachable, cheaper) does not take more load: the rule its allocation sits on."""
    r = result.sites.loc[site]
    if r["it_mw"] >= r["capacity_mw"] - 1e-6:
        return f"its capacity of {r['capacity_mw']:,.0f} MW is used up"
    if request.max_share_per_site < 1 and r["it_mw"] >= request.max_share_per_site * result.it_load_mw - 1e-6:
        return (f"it already has the most one site may take ({100 * request.max_share_per_site:.0f} % of the load, "
                "max_share_per_site)")
    return ("its capacity in a phase's year, the minimum number of sites or another rule binds "
            "(the shadow prices in the JSON show which)")


def why(result: OptimizationResult, request: SiteRequest, catalog: Catalog) -> Section:
    if result.objective_yuan_per_year is None:
        return Section("why", "Why", [])
    from siting.optimization.problem import build_site_problem

    p = result.problem if result.problem is not None else build_site_problem(catalog, request)
    sites = result.sites.loc[result.chosen_sites].sort_values("levelised_cost_yuan_per_kw_month")
    cb = result.cost_breakdown
    s: list[str] = []
    cheapest = str(sites.index[0])
    for site, r in sites.iterrows():
        site = str(site)
        s.append(f"{site}: {r['levelised_cost_yuan_per_kw_month']:,.1f} yuan/kW/month for its {r['it_mw']:,.1f} MW "
                 f"(PUE {r['pue']:.3f}, {r['price_yuan_per_kwh']:.3f} yuan/kWh all in); its largest costs are "
                 f"{_largest_parts(cb.loc[site])}.")
        if r["it_mw"] >= r["capacity_mw"] - 1e-6:
            s.append(f"{site} is full: its {r['capacity_mw']:,.0f} MW of capacity are all used.")
    if len(sites) > 1 and cheapest in p.sites:
        j0 = p.sites.index(cheapest)
        alloc = result.allocation
        for site in sites.index[1:]:
            mine = alloc[alloc["site"] == site]
            unreachable: dict[str, list[str]] = {}
            unreachable_mw: dict[str, float] = {}
            reachable_mw = 0.0
            for row in mine.itertuples(index=False):
                cls, centre, mw = str(row[0]), str(row[1]), float(row[3])
                k, i = p.classes.index(cls), p.centres.index(centre)
                if p.allowed[k, i, j0]:
                    reachable_mw += mw
                else:
                    unreachable.setdefault(cls, []).append(centre)
                    unreachable_mw[cls] = unreachable_mw.get(cls, 0.0) + mw
            for cls, centres in unreachable.items():
                limit = p.max_rtt_ms[p.classes.index(cls)] if p.max_rtt_ms else None
                rtts = ([f"{c} {float(p.rtt_ms[p.centres.index(c), j0]):.1f} ms" for c in centres]
                        if p.rtt_ms is not None else centres)
                reason = (f"farther than the {limit:g} ms limit from {cheapest}" if limit is not None
                          else f"not allowed at {cheapest} (residency)")
                s.append(f"{site} carries {unreachable_mw[cls]:,.1f} MW of {cls} demand at {_list(sorted(centres))}, "
                         f"which is {reason} ({_list(rtts)}).")
            if reachable_mw > 1e-6:
                s.append(f"{site} {'also ' if unreachable else ''}takes {reachable_mw:,.1f} MW that {cheapest} could "
                         f"reach but not hold: {_full_because(result, request, cheapest)}.")
    if not result.green_purchases.empty:
        s.append("Renewable energy bought or made: " + "; ".join(
            f"{r['site']} {r['mwh_per_year']:,.0f} MWh/yr of {r['option']} ({r['cost_yuan_per_year'] / _MIO:,.2f} "
            "M yuan/yr" + (f", replacing {r['grid_energy_avoided_yuan_per_year'] / _MIO:,.2f} M yuan/yr of grid "
                           f"energy: net {r['net_cost_yuan_per_year'] / _MIO:,.2f}"
                           if r["grid_energy_avoided_yuan_per_year"] else "") + ")"
            for r in result.green_purchases.to_dict("records")) + ".")
    return Section("why", "Why these sites", s)


def latency_sentence(case: dict[str, Any]) -> str:
    """What keeps a site out by latency, the pairs that decide it and the limits at which it would enter."""
    pairs = case["deciding_pairs"]
    shown = "; ".join(f"{q['centre']} {q['rtt_ms']:.1f} ms ({q['how']}; {100 * q['demand_share_fraction']:.1f} % of "
                      "the demand)" for q in pairs[:3]) + (f" and {len(pairs) - 3} more" if len(pairs) > 3 else "")
    level = case["service_level_fraction"]
    s = (f"Latency keeps {case['site']} out for {case['class']}: it serves "
         f"{100 * case['within_share_fraction']:.1f} % of that demand within {case['limit_ms']:g} ms"
         + (f" (service level {100 * level:g} %)" if level < 1 else "") + f"; beyond the limit: {shown}.")
    enters = []
    if case["enters_at_limit_ms"] is not None:
        enters.append(f"max_rtt_ms {case['enters_at_limit_ms']:g}")
    if case["enters_at_service_level_fraction"] is not None:
        enters.append(f"service_level_fraction {case['enters_at_service_level_fraction']:g}")
    if enters:
        s += f" It would enter at {' or '.join(enters)} (verified by re-solving); measure these pairs."
    return s


def change(result: OptimizationResult) -> Section:
    s: list[str] = [latency_sentence(c) for c in result.latency_cases or []]
    if result.break_even is not None and not result.break_even.empty:
        for r in result.break_even.to_dict("records"):
            notes: list[str] = []
            price = r.get("break_even_price_yuan_per_kwh")
            if price is not None and not pd.isna(price):
                notes.append(f"would enter below {price:.3f} yuan/kWh (now {r['price_yuan_per_kwh']:.3f})")
            red = r.get("break_even_cost_reduction_fraction")
            if red is not None and not pd.isna(red):
                notes.append(f"or if all its costs fell by {100 * red:.1f} %")
            if isinstance(r.get("note"), str) and r["note"]:
                notes.append(str(r["note"]))
            if notes:
                s.append(f"{r['site']} " + " ".join(notes) + " (verified by re-solving).")
    if result.shadow_prices is not None and not result.shadow_prices.empty:
        top = result.shadow_prices.sort_values("marginal_cost_yuan_per_mw_year", ascending=False).head(3)
        rows = top.to_dict("records")
        values = {round(r["marginal_cost_yuan_per_mw_year"] / _MIO, 2) for r in rows}
        if len(values) == 1 and len(rows) > 1:  # equal values are not "most"
            s.append(f"One more MW of demand costs {values.pop():,.2f} M yuan/yr alike at " + ", ".join(
                f"{r['centre']} ({r['class']})" for r in rows) + ", the dearest centres.")
        else:
            s.append("One more MW costs most for " + "; ".join(
                f"{r['class']} demand at {r['centre']} ({r['marginal_cost_yuan_per_mw_year'] / _MIO:,.2f} M yuan/yr)"
                for r in rows) + ".")
    return Section("change", "What would change it", s)


def how_sure(robust: Any | None) -> Section:
    if robust is None:
        return Section("how_sure", "How sure", [
            "Not measured for this answer: re-solve over the catalog's ranges with siting optimize --robust N "
            "(API: \"robust\": {\"samples\": N})."])
    r = robust if isinstance(robust, dict) else robust.to_dict()
    s = [f"{'+'.join(r['nominal_sites'])} is optimal in {100 * r['nominal_optimal_share']:.0f} % of "
         f"{r['feasible_samples']} samples of the catalog's ranges; its expected cost "
         f"{r['expected_cost_yuan_per_year'] / _MIO:,.1f} M yuan/yr (P90 {r['p90_cost_yuan_per_year'] / _MIO:,.1f}), "
         f"mean regret {r['regret_mean_yuan_per_year'] / _MIO:,.2f} M yuan/yr (max "
         f"{r['regret_max_yuan_per_year'] / _MIO:,.2f})"
         + (f"; it breaks a rule of the request in {100 * r['candidates'][0]['infeasible_share']:.0f} % of them "
            "(latency or capacity as drawn)" if r["candidates"] and r["candidates"][0]["infeasible_share"] > 0
            else "") + ".",
         _alternatives(r),
         "Chosen in: " + ", ".join(f"{site} {100 * v:.0f} %" for site, v in
                                   sorted(r["p_chosen"].items(), key=lambda x: (-x[1], x[0]))) + " of the samples."]
    if r.get("route_factor"):
        s.append(_route_sentence(r["route_factor"]))
    return Section("how_sure", "How sure", s)


#: A site whose chance of being chosen differs by more than this above and below the catalog's route factor is
#: one that latency decides [fraction].
ROUTE_FACTOR_DECIDES = 0.1


def _route_sentence(rf: dict[str, Any]) -> str:
    """Whether the drawn fibre route factor (latency) changes which sites are chosen."""
    at = rf["value"]
    moved = [(s, rf["p_chosen_below"][s], rf["p_chosen_above"][s]) for s in rf["p_chosen_below"]
             if abs(rf["p_chosen_below"][s] - rf["p_chosen_above"][s]) > ROUTE_FACTOR_DECIDES]
    if not moved:
        return (f"Latency does not decide: with the fibre route factor drawn over its range (one draw for every "
                f"pair), each site is chosen about as often below {at:g} as above it.")
    return ("Latency decides: with the fibre route factor drawn over its range (one draw for every pair), "
            + "; ".join(f"{s} is chosen in {100 * lo:.0f} % of samples below {at:g} and {100 * hi:.0f} % above"
                        for s, lo, hi in moved) + ". Measured RTTs (measured_rtt_ms) would settle it.")


def _alternatives(r: dict[str, Any]) -> str:
    """The plans a cautious planner would weigh against the nominal one, with the numbers that rank them."""
    le, lr = r["least_expected_cost"], r["least_max_regret"]
    if le["sites"] == r["nominal_sites"] and lr["sites"] == r["nominal_sites"]:
        return "It also has the least expected cost and the least maximum regret of the plans sampled."
    exp = f"{le['expected_cost_yuan_per_year'] / _MIO:,.1f}"
    regret = f"{lr['regret_max_yuan_per_year'] / _MIO:,.2f}"
    return (f"Least expected cost: {'+'.join(le['sites'])} ({exp} M yuan/yr expected, "
            f"{le['cost_at_catalog_values_yuan_per_year'] / _MIO:,.1f} at the catalog values); least maximum "
            f"regret: {'+'.join(lr['sites'])} (max regret {regret} M yuan/yr).")


def assumption_share(result: OptimizationResult, request: SiteRequest, catalog: Catalog) -> tuple[float, list[str]]:
    """(share of the plan's cost computed from `assumption` catalog values, those values), computed once
    per result (siting.analysis.robust.cost_on_assumptions) for the JSON field and the story alike."""
    from siting.analysis.robust import cost_on_assumptions

    cached = result.__dict__.get("_assumption_share")
    if cached is None:
        cached = result.__dict__["_assumption_share"] = cost_on_assumptions(catalog, request, result.cost_breakdown)
    return cached


def leading(result: OptimizationResult, request: SiteRequest, catalog: Catalog) -> list[dict[str, Any]]:
    """The inputs that move the optimal cost most over their ranges (siting.analysis.robust.leading_inputs),
    computed once per result for the JSON field and the story alike."""
    from siting.analysis.robust import leading_inputs

    cached = result.__dict__.get("_leading_inputs")
    if cached is None:
        cached = result.__dict__["_leading_inputs"] = leading_inputs(catalog, request)
    return cached


def _num(x: float) -> str:
    """A parameter value as a planner writes it: 5,000,000 rather than 5e+06; 0.7 and 15 as they are."""
    return f"{x:,.0f}" if abs(x) >= 1e4 else f"{x:g}"


def _leading_sentence(rows: list[dict[str, Any]]) -> str:
    parts = [f"{r['parameter']} {_num(r['value'])} (range {_num(r['low'])}-{_num(r['high'])}): "
             f"{r['cost_low_yuan_per_year'] / _MIO:,.1f} to {r['cost_high_yuan_per_year'] / _MIO:,.1f} M yuan/yr"
             + (f", plan {r['sites_low']} / {r['sites_high']} MW" if r["sites_change"] else "") for r in rows]
    moved = any(r["sites_change"] for r in rows)
    return ("The inputs that move the cost most over their ranges: " + "; ".join(parts)
            + ("." if moved else "; none of them changes the sites."))


def rests_on(result: OptimizationResult, request: SiteRequest, catalog: Catalog) -> Section:
    s = [packages_sentence(result.packages)]
    if result.objective_yuan_per_year is not None:
        share, names = assumption_share(result, request, catalog)
        s.append(f"{100 * share:.0f} % of this cost is computed from at least one value that is an assumption"
                 + (f" ({_list(names, 6)})" if names else "") + "; each has a range in the catalog.")
        rows = leading(result, request, catalog)
        if rows:
            s.append(_leading_sentence(rows))
    return Section("rests_on", "What it rests on", s)


def explain(result: OptimizationResult, request: SiteRequest, catalog: Catalog,
            robust: Any | None = None) -> list[Section]:
    """The whole story of ``result`` (see the module docstring), in reading order."""
    sections = [headline(result, robust), question(request, catalog), answer(result)]
    if result.objective_yuan_per_year is not None:
        sections += [why(result, request, catalog), how_sure(robust), change(result)]
    sections.append(rests_on(result, request, catalog))
    return [x for x in sections if x.sentences]


def as_text(sections: list[Section]) -> list[str]:
    """Every sentence in reading order (what tests compare across interfaces)."""
    return [s for x in sections for s in x.sentences]

