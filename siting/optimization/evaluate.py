"""The plan evaluator: the cost of any plan by component, and every rule it breaks, with numbers.

A *plan* is the IT load placed at each site: ``alloc[k,i,j]`` [MW] of class k at
centre i served from site j (or, through :func:`evaluate`, MW per site, spread
over the classes and centres in proportion to their demand) and the sites it
opens (every site with load, by default).

Cost (yuan/yr), per site j and component c::

    C_c[j] = sum_k b_c[k,j] sum_i alloc[k,i,j]          per-MW components (energy, capex, ...)
    fixed[j] = f[j] open[j]
    subsidies[j] = - sum_{s at j} min(phi[s] sum_k b[s,k] mw[k,j], U[s] open[j])

i.e. each subsidy at the most the plan can claim, as the optimiser would claim it;
so the total equals the solver's objective on an optimal plan.  This is the only
place where a plan's cost is computed: results, score cards, compare, Monte
Carlo regret and the report all call it.

Broken rules are read off the same model arrays the solvers see
(:mod:`siting.optimization.model`, defined over every (class, centre, site) so
that load placed anywhere counts): every row of every constraint family is
evaluated at the plan, plus the rules that live in the variables' bounds and
in the allowed (latency and residency) triples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from siting.data.catalog import default_catalog
from siting.data.request import parse_request
from siting.errors import RequestError
from siting.optimization.model import Family, ModelArrays, define
from siting.optimization.problem import SiteProblem, build_site_problem

FloatArray = npt.NDArray[np.float64]
MW_TOLERANCE = 1e-6
_MAX_PER_FAMILY = 5


@dataclass(frozen=True)
class Violation:
    """One broken rule: the family, the request field behind it, and a sentence with the numbers."""

    family: str
    field: str | None
    message: str
    amount: float  # by how much, in ``unit``
    unit: str

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "field": self.field, "message": self.message, "amount": self.amount,
                "unit": self.unit}


@dataclass
class Evaluation:
    """Cost of a plan by site and component [yuan/yr] and the rules it breaks."""

    by_site: pd.DataFrame  # index site, columns components + fixed + subsidies + total
    violations: list[Violation] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def total_yuan_per_year(self) -> float:
        return float(self.by_site["total"].sum())

    @property
    def components(self) -> dict[str, float]:
        """Annual cost by component over all sites [yuan/yr] (sums to the total)."""
        return {str(c): float(self.by_site[c].sum()) for c in self.by_site.columns if c != "total"}

    def to_dict(self) -> dict[str, Any]:
        return {"total_yuan_per_year": self.total_yuan_per_year, "components_yuan_per_year": self.components,
                "feasible": self.feasible, "violations": [v.to_dict() for v in self.violations]}


def subsidies_claimed(p: SiteProblem, opened: FloatArray, mw_kj: FloatArray) -> FloatArray:
    """(S,) annual subsidy of each term [yuan/yr] at the plan: min(phi * base, cap * open)."""
    out = np.zeros(len(p.subsidies))
    for n, t in enumerate(p.subsidies):
        j = p.site_index(t.site)
        base = float((p.components[t.component][:, j] * mw_kj[:, j]).sum())
        out[n] = max(0.0, min(t.factor * base, t.annual_cap_yuan * float(opened[j] > 0.5)))
    return out


def green_purchases(p: SiteProblem, mw_j: FloatArray) -> FloatArray:
    """(G,) renewable energy of each green offer a plan takes [MWh/yr], as the optimiser would for this plan.

    Offers are taken cheapest net cost first, each up to its cap ``u[o] x MW`` and its site's non-renewable
    energy: those that cost less than nothing net (on-site solar below the grid price, or market-based
    accounting with a carbon price above premium / grid factor) in full, then, while the green-share floor
    is short, the rest until it is met.  With one floor and caps per offer and per site this greedy order
    is the optimum of the model's green columns for a fixed allocation.  Empty without green options.
    """
    if (not p.n_green or p.green_site is None or p.green_cap_mwh_per_mw is None
            or p.renewable_share is None or p.energy_mwh_per_mw is None):
        return np.zeros(p.n_green)
    energy = p.energy_mwh_per_mw * mw_j
    room = (1.0 - p.renewable_share) * energy  # per site: what the grid mix leaves non-renewable
    cap = p.green_cap_mwh_per_mw * mw_j[p.green_site]
    net = p.green_net_cost_yuan_per_mwh()
    out = np.zeros(p.n_green)
    short = p.min_green_share * energy.sum() - (p.renewable_share * energy).sum()
    for o in np.argsort(net, kind="stable"):
        j = p.green_site[o]
        take = min(float(cap[o]), float(room[j]))
        if net[o] >= 0:
            if short <= 0:
                break
            take = min(take, short)
        take = max(take, 0.0)
        out[o] = take
        room[j] -= take
        short -= take
    return out


def green_by_site(p: SiteProblem, per_offer: FloatArray) -> FloatArray:
    """(J,) a per-offer quantity summed over each site's offers."""
    if not p.n_green or p.green_site is None:
        return np.zeros(len(p.sites))
    return np.bincount(p.green_site, weights=per_offer, minlength=len(p.sites)).astype(float)


def green_credit_t(p: SiteProblem, bought: FloatArray) -> FloatArray:
    """(J,) emissions the offers taken take off each site's account [tCO2/yr]."""
    if p.green_credit_t_per_mwh is None:
        return np.zeros(len(p.sites))
    return green_by_site(p, p.green_credit_t_per_mwh * bought)


def plan_cost(p: SiteProblem, opened: FloatArray, alloc: FloatArray,
              bought: FloatArray | None = None) -> pd.DataFrame:
    """Cost by site and component [yuan/yr] of a plan (module docstring); columns end with ``total``.

    ``bought``: the plan's green purchases (:func:`green_purchases`) when the caller has them already.
    """
    alloc = np.where(alloc > 1e-9, alloc, 0.0)
    mw_kj = alloc.sum(axis=1)
    is_open = opened > 0.5
    frame = pd.DataFrame(index=pd.Index(p.sites, name="site"))
    for name, per_mw in p.components.items():
        frame[name] = (per_mw * mw_kj).sum(axis=0)
    # problems without a component split (facility location) or with per-centre costs keep the rest
    residual = np.einsum("kij,kij->j", p.unit_cost, alloc) - frame.sum(axis=1).to_numpy()
    if not p.components or np.abs(residual).max(initial=0.0) > 1e-6 * max(1.0, float(np.abs(frame.to_numpy()).max(
            initial=0.0))):
        frame["allocation"] = residual
    frame["fixed"] = p.fixed_cost * is_open
    if p.n_green:
        assert p.green_price_yuan_per_mwh is not None and p.green_avoided_yuan_per_mwh is not None
        if bought is None:
            bought = green_purchases(p, alloc.sum(axis=(0, 1)))
        frame["green"] = green_by_site(p, p.green_price_yuan_per_mwh * bought)  # what is paid for it
        avoided = green_by_site(p, p.green_avoided_yuan_per_mwh * bought)  # grid energy it replaces
        if avoided.any():
            frame["energy"] = (frame["energy"] if "energy" in frame else 0.0) - avoided
        if p.green_credits_emissions():  # the carbon price no longer paid on what it takes off
            frame["carbon"] = (frame["carbon"] if "carbon" in frame else 0.0) - (
                p.carbon_price_yuan_per_t * green_credit_t(p, bought))
    sub = np.zeros(len(p.sites))
    for n, value in enumerate(subsidies_claimed(p, opened, mw_kj)):
        sub[p.site_index(p.subsidies[n].site)] += value
    frame["subsidies"] = -sub
    frame["total"] = frame.sum(axis=1)
    return frame


def _activity(fam: Family, x: FloatArray) -> FloatArray:
    return np.asarray(np.bincount(fam.rows, weights=fam.vals * x[fam.cols], minlength=fam.n_rows), dtype=float)


def _broken_rows(fam: Family, act: FloatArray) -> npt.NDArray[np.int64]:
    tol = MW_TOLERANCE * np.maximum(1.0, np.maximum(np.abs(np.nan_to_num(fam.lower, posinf=0, neginf=0)),
                                                    np.abs(np.nan_to_num(fam.upper, posinf=0, neginf=0))))
    return np.nonzero((act < fam.lower - tol) | (act > fam.upper + tol))[0]


def _messages(p: SiteProblem, fam: Family, rows: npt.NDArray[np.int64], act: FloatArray, mw_j: FloatArray,
              opened: FloatArray, alloc: FloatArray, total_cost: float) -> list[Violation]:
    total_mw = float(p.demand_mw.sum())
    out: list[Violation] = []
    if fam.name == "demand":  # one sentence for the whole shortfall (or excess), with the worst pair
        served = alloc.sum(axis=2)
        gaps = [(abs(float(served[int(k), int(i)]) - float(p.demand_mw[int(k), int(i)])), int(k), int(i))
                for k, i in fam.keys[rows]]
        _, k, i = max(gaps)
        placed = float(alloc.sum())
        return [Violation(fam.name, fam.field, f"demand: {placed:,.1f} MW placed of {total_mw:,.1f} MW asked "
                          f"({len(rows)} class-centre pair(s) off, e.g. {p.classes[k]} at {p.centres[i]}: "
                          f"{served[k, i]:,.2f} of {p.demand_mw[k, i]:,.2f} MW)", sum(g for g, _, _ in gaps), "MW")]
    for r in rows[:_MAX_PER_FAMILY]:
        key = fam.keys[r]
        if fam.name == "site-capacity":
            j = int(key[0])
            cap = float(p.capacity_mw[j])
            why = p.capacity_reason.get(p.sites[j])
            out.append(Violation(fam.name, fam.field, f"capacity: {p.sites[j]} {mw_j[j]:,.1f} MW > {cap:,.1f} MW "
                                 "available" + (f": {why}" if why else ""), mw_j[j] - cap, "MW"))
        elif fam.name == "link":
            k, i, j = (int(v) for v in key)
            out.append(Violation(fam.name, fam.field, f"{p.sites[j]} serves {p.classes[k]} at {p.centres[i]} but is "
                                 "not open", float(alloc[k, i, j]), "MW"))
        elif fam.name == "site-share":
            j = int(key[0])
            limit = float(fam.upper[r])
            out.append(Violation(fam.name, fam.field, f"max_share_per_site: {p.sites[j]} {mw_j[j]:,.1f} MW > "
                                 f"{limit:,.1f} MW ({100 * p.max_share_per_site:g} % of {total_mw:,.1f} MW)",
                                 mw_j[j] - limit, "MW"))
        elif fam.name == "site-min-load":
            j = int(key[0])
            out.append(Violation(fam.name, fam.field, f"min_site_it_load_mw: {p.sites[j]} carries {mw_j[j]:,.2f} MW "
                                 f"< the minimum campus of {p.min_site_mw:,.1f} MW", p.min_site_mw - mw_j[j], "MW"))
        elif fam.name == "service-level":
            k = int(key[0])
            need = float(fam.lower[r])
            total_k = float(p.demand_mw[k].sum())
            out.append(Violation(fam.name, f"classes[{k}].service_level_fraction",
                                 f"classes[{k}].service_level_fraction: {100 * float(act[r]) / total_k:.1f} % of "
                                 f"{p.classes[k]} demand within {p.max_rtt_ms[k]:g} ms < "
                                 f"{100 * p.service_level[k]:g} %", need - float(act[r]), "MW"))
        elif fam.name in ("site-count-min", "site-count-max"):
            n = int((opened > 0.5).sum())
            bound = p.min_sites if fam.name == "site-count-min" else p.max_sites
            sign = "<" if fam.name == "site-count-min" else ">"
            out.append(Violation(fam.name, fam.field, f"{fam.field}: {n} site(s) used {sign} {bound}",
                                 float(abs(n - (bound or 0))), "site(s)"))
        elif fam.name == "green-share":
            e = p.energy_mwh_per_mw if p.energy_mwh_per_mw is not None else np.ones(len(p.sites))
            g = p.renewable_share if p.renewable_share is not None else np.zeros(len(p.sites))
            energy = float((e * mw_j).sum())
            share = float((g * e * mw_j).sum()) / energy if energy > 0 else 0.0
            out.append(Violation(fam.name, fam.field, f"min_green_share_fraction: renewable share {100 * share:.1f} % "
                                 f"< {100 * p.min_green_share:g} %", -float(act[r]), "MWh of renewable energy/yr"))
        elif fam.name == "budget":
            limit = float(fam.upper[r])
            out.append(Violation(fam.name, fam.field, f"budget_yuan_per_year: {total_cost:,.0f} > {limit:,.0f} yuan/yr",
                                 total_cost - limit, "yuan/yr"))
        else:  # subsidy rows hold by construction (subsidies are claimed at most at their limits)
            out.append(Violation(fam.name, fam.field, f"{fam.label(key)} broken by {float(act[r]):,.2f}",
                                 float(act[r]), ""))
    if len(rows) > _MAX_PER_FAMILY:
        out.append(Violation(fam.name, fam.field, f"... and {len(rows) - _MAX_PER_FAMILY} more {fam.name} rows",
                             0.0, ""))
    return out


def _bound_violations(p: SiteProblem, opened: FloatArray, alloc: FloatArray) -> list[Violation]:
    out: list[Violation] = []
    is_open = opened > 0.5
    for site_j in np.nonzero(p.is_locked() & ~is_open)[0].tolist():
        out.append(Violation("locked", "locked_sites", f"locked_sites: {p.sites[site_j]} is not used", 1.0,
                             "site(s)"))
    for site_j in np.nonzero(p.is_excluded() & ~p.is_locked() & is_open)[0].tolist():
        why = p.excluded_reason.get(p.sites[site_j], "excluded")
        out.append(Violation("excluded", "excluded_sites", f"{p.sites[site_j]} is used but may not be: {why}",
                             float(alloc[:, :, site_j].sum()), "MW"))
    bad = (alloc > MW_TOLERANCE) & ~p.allowed
    pairs = sorted({(int(a), int(b)) for a, _, b in zip(*np.nonzero(bad), strict=True)})
    for k, j in pairs[:_MAX_PER_FAMILY]:
        mw = float(alloc[k, :, j][bad[k, :, j]].sum())
        limit = p.max_rtt_ms[k] if p.max_rtt_ms else None
        worst = ""
        if p.rtt_ms is not None and limit is not None:
            i = int(np.argmax(np.where(bad[k, :, j], p.rtt_ms[:, j], -np.inf)))
            if p.rtt_ms[i, j] > limit:
                worst = f" (e.g. {p.centres[i]}: {p.rtt_ms[i, j]:.1f} ms > {limit:g} ms)"
        out.append(Violation("allowed", "classes", f"latency or residency: {mw:,.1f} MW of {p.classes[k]} at "
                             f"{p.sites[j]} may not be served from there{worst}", mw, "MW"))
    return out


def evaluation_model(p: SiteProblem) -> ModelArrays:
    """The model over every (k, i, j) with demand, so that rows count the load wherever it is placed (load on a
    pair the rules do not allow is reported once, by ``_bound_violations``).  Build once to evaluate many plans."""
    return define(replace(p, allowed=np.ones(p.shape, dtype=bool)))


def evaluate_plan(p: SiteProblem, opened: FloatArray | None, alloc: FloatArray,
                  arrays: ModelArrays | None = None) -> Evaluation:
    """Cost and broken rules of ``alloc`` (K, I, J) [MW] in problem ``p`` (``opened``: sites with load).

    ``arrays``: :func:`evaluation_model` of ``p``, when the caller evaluates several plans of one problem.
    """
    alloc = np.asarray(alloc, dtype=float)
    if alloc.shape != p.shape:
        raise RequestError(f"plan: allocation of shape {alloc.shape} does not match the problem's {p.shape} "
                           "(classes, centres, sites)", field="plan")
    mw_j = alloc.sum(axis=(0, 1))
    opened = (mw_j > MW_TOLERANCE).astype(float) if opened is None else np.asarray(opened, dtype=float)
    by_site = plan_cost(p, opened, alloc)
    total = float(by_site["total"].sum())
    arrays = arrays if arrays is not None else evaluation_model(p)
    c = arrays.columns
    x = np.concatenate([opened, alloc[c.ks, c.is_, c.js],
                        subsidies_claimed(p, opened, alloc.sum(axis=1)),
                        green_purchases(p, mw_j)])
    violations = _bound_violations(p, opened, alloc)
    for fam in arrays.families:
        act = _activity(fam, x)
        rows = _broken_rows(fam, act)
        if len(rows):
            violations += _messages(p, fam, rows, act, mw_j, opened, alloc, total)
    return Evaluation(by_site, violations)


def plan_from_site_mw(p: SiteProblem, site_mw: Mapping[str, float]) -> FloatArray:
    """(K, I, J) allocation of MW per site, spread over classes and centres in proportion to demand."""
    unknown = sorted(set(site_mw) - set(p.sites))
    if unknown:
        raise RequestError(f"plan: sites {unknown} are not candidates of this request (candidates: "
                           f"{', '.join(p.sites)})", field="plan")
    for s, mw in site_mw.items():
        if not np.isfinite(mw) or mw < 0:
            raise RequestError(f"plan.{s} = {mw!r}: MW must be a finite number >= 0", field=f"plan.{s}")
    total = float(p.demand_mw.sum())
    share = p.demand_mw / total if total > 0 else np.zeros_like(p.demand_mw)
    alloc = np.zeros(p.shape)
    for s, mw in site_mw.items():
        alloc[:, :, p.site_index(s)] = share * float(mw)
    return alloc


def evaluate(request: Any, catalog: Any, plan: Mapping[str, float] | FloatArray) -> Evaluation:
    """Cost by component and broken rules of ``plan`` (MW per site, or an (K, I, J) allocation) for a request."""
    p = build_site_problem(catalog if catalog is not None else default_catalog(), parse_request(request))
    alloc = plan_from_site_mw(p, plan) if isinstance(plan, Mapping) else np.asarray(plan, dtype=float)
    return evaluate_plan(p, None, alloc)


def meets_sampled_rules(p: SiteProblem, alloc: FloatArray) -> bool:
    """Whether a plan meets the rules that change between samples of one request's ranges: capacity, and the
    latency pairs and service levels the route factor moves.  The other rules (site counts, shares, campus
    sizes, residency) do not depend on the sampled values, so a plan that met them once meets them in every
    sample; :func:`evaluate_plan` checks everything."""
    mw_j = alloc.sum(axis=(0, 1))
    if bool(np.any(mw_j > p.capacity_mw + MW_TOLERANCE)):
        return False
    if bool(np.any((alloc > MW_TOLERANCE) & ~p.allowed)):
        return False
    if p.within_rtt is not None and p.service_level:
        for k, level in enumerate(p.service_level):
            need = level * float(p.demand_mw[k].sum())
            if level < 1.0 and float(alloc[k][p.within_rtt[k]].sum()) < need - MW_TOLERANCE * max(1.0, need):
                return False
    return True


def plan_total_yuan_per_year(p: SiteProblem, opened: FloatArray, alloc: FloatArray) -> float:
    """Total of :func:`plan_cost` in numpy only, for many evaluations (robustness, regret).

    sum_kij c[k,i,j] alloc[k,i,j] + sum_j f[j] open[j] - sum_s subsidy[s]: the same formula, since
    the components and the residual column of :func:`plan_cost` add up to ``unit_cost``.
    """
    alloc = np.where(alloc > 1e-9, alloc, 0.0)
    green = 0.0
    if p.n_green:
        green = float(p.green_net_cost_yuan_per_mwh() @ green_purchases(p, alloc.sum(axis=(0, 1))))
    return float(np.einsum("kij,kij->", p.unit_cost, alloc) + p.fixed_cost @ (opened > 0.5)
                 - subsidies_claimed(p, opened, alloc.sum(axis=1)).sum() + green)
