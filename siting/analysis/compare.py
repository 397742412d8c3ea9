"""Side-by-side comparison of scenarios with the attribution of every difference to the base.

Each scenario is optimised exactly (with break-evens of the sites left out).  Against the
base (the first scenario), with C_c(S, plan) the annual cost of component c [yuan/yr] of a plan
(sites opened, MW allocated) priced with scenario S's inputs:

- by component: delta_c = C_c(S, plan_S) - C_c(B, plan_B); sum_c delta_c = delta total
  (components: energy, capex, land, labour, water, bandwidth, carbon, fixed, subsidies <= 0);
- the base plan checked against S's rules by the plan evaluator
  (:func:`~siting.optimization.evaluate.evaluate_plan`): when it breaks one (a new cap, a
  tighter latency limit, less capacity), the re-siting was forced, and the broken rules are
  named with their numbers instead of a cost split;
- repricing vs re-siting (when the base plan is still feasible in S):
  repricing_c = C_c(S, plan_B) - C_c(B, plan_B) (the inputs changed, the plan did not) and
  resiting_c = C_c(S, plan_S) - C_c(S, plan_B) (the optimiser moved load; sum over c <= 0);
- sites entered, left or resized, with why: the overrides that touch the site, the change of
  its cost per kW of IT per month (largest components), the share of a class's demand it may
  serve within the latency limit, and its break-even electricity price (from the base run for
  a site that entered, from the scenario run for a site that left).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from siting.analysis.scenarios import Scenario
from siting.data.catalog import Catalog
from siting.errors import RequestError
from siting.optimization.evaluate import evaluate_plan
from siting.optimization.optimize import optimize_problem
from siting.optimization.problem import SiteProblem, build_site_problem
from siting.optimization.results import OptimizationResult
from siting.optimization.solve import SolverName
from siting.serialize import to_jsonable

MW_TOLERANCE = 0.05
_KW_MONTH = 1000.0 * 12.0


@dataclass
class ScenarioOutcome:
    """One optimised scenario."""

    scenario: Scenario
    problem: SiteProblem
    result: OptimizationResult

    @property
    def ok(self) -> bool:
        return self.result.status in ("optimal", "time_limit")

    def components(self) -> dict[str, float]:
        """Annual cost by component over all sites [yuan/yr] (sums to the total)."""
        cb = self.result.cost_breakdown
        return {str(c): float(cb[c].sum()) for c in cb.columns if c != "total"} if self.ok else {}

    def mw(self) -> dict[str, float]:
        return {str(s): float(r["it_mw"]) for s, r in self.result.sites.iterrows() if r["open"]} if self.ok else {}

    def alloc(self) -> np.ndarray:
        p = self.problem
        out = np.zeros(p.shape)
        for r in self.result.allocation.itertuples(index=False):
            out[p.classes.index(str(r[0])), p.centres.index(str(r[1])), p.sites.index(str(r[2]))] = float(r[3])
        return out

    def summary(self) -> dict[str, Any]:
        r = self.result
        lat = {}
        if self.ok and not r.latency.empty:
            for cls, g in r.latency.groupby("class", sort=False):
                w = g["demand_mw"]
                lat[str(cls)] = {"mean_rtt_ms": float((g["mean_rtt_ms"] * w).sum() / w.sum()),
                                 "worst_rtt_ms": float(g["max_rtt_ms"].max())}
        return {
            "name": self.scenario.name, "description": self.scenario.description, "status": r.status,
            "objective_yuan_per_year": r.objective_yuan_per_year,
            "levelised_cost_yuan_per_kw_month": r.levelised_cost_yuan_per_kw_month,
            "chosen_sites": r.chosen_sites, "sites_mw": self.mw(), "components_yuan_per_year": self.components(),
            "emissions_t_per_year": r.emissions_t_per_year, "green_share_fraction": r.green_share_fraction,
            "latency": lat, "overrides": [o.to_dict() for o in self.scenario.overrides],
            "diagnosis": [d.get("message") for d in r.diagnosis if d.get("severity") == "error"],
        }


def _per_kw_month(p: SiteProblem, j: int, demand_share: np.ndarray) -> dict[str, float]:
    """Class-weighted cost per kW of IT per month at site j by component [yuan/(kW*month)]."""
    return {c: float((v[:, j] * demand_share).sum()) / _KW_MONTH for c, v in p.components.items()}


def _break_even_price(result: OptimizationResult, site: str) -> float | None:
    be = result.break_even
    if be is None or be.empty or "break_even_price_yuan_per_kwh" not in be.columns:
        return None
    row = be[be["site"] == site]
    if row.empty:
        return None
    v = row.iloc[0]["break_even_price_yuan_per_kwh"]
    return None if v is None or pd.isna(v) else float(v)


@dataclass
class Attribution:
    """Differences of one scenario against the base (see the module docstring)."""

    scenario: str
    delta_total_yuan_per_year: float | None
    delta_levelised_yuan_per_kw_month: float | None
    components: dict[str, float] = field(default_factory=dict)
    repricing: dict[str, float] | None = None
    resiting: dict[str, float] | None = None
    base_plan_note: str | None = None
    base_plan_broken: list[dict[str, Any]] = field(default_factory=list)  # rules the base plan breaks here
    sites: list[dict[str, Any]] = field(default_factory=list)
    request_changes: list[str] = field(default_factory=list)
    delta_emissions_t_per_year: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _overrides_text(base: Scenario, s: Scenario, catalog: Catalog | None) -> tuple[dict[str, list[str]], list[str]]:
    """Per site: the overrides that differ from the base; and the request-wide ones."""
    bset = {(o.path, repr(o.value)) for o in base.overrides}
    per_site: dict[str, list[str]] = {}
    wide: list[str] = []
    bcat = base.catalog_for(catalog)
    for o in s.overrides:
        if (o.path, repr(o.value)) in bset:
            continue
        parts = o.path.split(".")
        if parts[0] == "sites":
            try:
                was = f"{base.value_of(o.path, catalog):g}"
            except Exception:  # noqa: BLE001 - a missing base value is shown as '-'
                was = "-"
            per_site.setdefault(parts[1], []).append(f"{parts[2]} {was} -> {o.value:g}")
        elif parts[0] == "subsidies":
            subs = {x.subsidy_id: x for x in bcat.subsidies}
            ids = o.value if parts[1] in ("remove", "add") and isinstance(o.value, list) else [parts[1]]
            for sid in ids:
                sid_str = sid["subsidy_id"] if isinstance(sid, dict) else str(sid)
                site = sid["site"] if isinstance(sid, dict) else (subs[sid_str].site if sid_str in subs else "?")
                verb = {"remove": "removed", "add": "added"}.get(parts[1], f"{'.'.join(parts[2:])} = {o.value}")
                per_site.setdefault(site, []).append(f"subsidy {sid_str} {verb}")
        else:
            try:
                was = f"{current_request_value(base, o.path):g}"
            except Exception:  # noqa: BLE001
                was = "-"
            wide.append(f"{o.path.removeprefix('request.')} {was} -> {o.value}")
    return per_site, wide


def current_request_value(s: Scenario, path: str) -> float:
    return s.value_of(path)


def attribute(base: ScenarioOutcome, other: ScenarioOutcome, catalog: Catalog | None = None) -> Attribution:
    """Attribution of ``other`` against ``base`` (see the module docstring)."""
    name = other.scenario.name
    per_site_ov, wide = _overrides_text(base.scenario, other.scenario, catalog)
    if not (base.ok and other.ok):
        return Attribution(name, None, None, base_plan_note=f"{name}: {other.result.status}; no attribution",
                           request_changes=wide)
    rb, rs = base.result, other.result
    assert rb.objective_yuan_per_year is not None and rs.objective_yuan_per_year is not None
    cb, cs = base.components(), other.components()
    keys = list(dict.fromkeys([*cb, *cs]))
    comp = {c: cs.get(c, 0.0) - cb.get(c, 0.0) for c in keys}
    att = Attribution(
        name, rs.objective_yuan_per_year - rb.objective_yuan_per_year,
        (rs.levelised_cost_yuan_per_kw_month or 0.0) - (rb.levelised_cost_yuan_per_kw_month or 0.0),
        components=comp, request_changes=wide,
        delta_emissions_t_per_year=(rs.emissions_t_per_year or 0.0) - (rb.emissions_t_per_year or 0.0),
    )
    pb, ps = base.problem, other.problem
    same_shape = pb.sites == ps.sites and pb.centres == ps.centres and pb.classes == ps.classes
    opened_b = np.array([float(s in rb.chosen_sites) for s in pb.sites])
    alloc_b = base.alloc()
    broken: list[str] = []
    if same_shape:
        base_plan = evaluate_plan(ps, opened_b, alloc_b)
        if base_plan.feasible:
            under_s = base_plan.components
            att.repricing = {c: under_s.get(c, 0.0) - cb.get(c, 0.0) for c in keys}
            att.resiting = {c: cs.get(c, 0.0) - under_s.get(c, 0.0) for c in keys}
        else:
            broken = [v.message for v in base_plan.violations]
            att.base_plan_broken = [v.to_dict() for v in base_plan.violations]
            att.base_plan_note = ("the base plan is infeasible under this scenario, so the optimiser had to re-site: "
                                  + "; ".join(broken))
    else:
        att.base_plan_note = "different sites, centres or classes: no repricing split"
    mw_b, mw_s = base.mw(), other.mw()
    share = np.array([c.share_fraction for c in other.scenario.request.classes])
    for site in dict.fromkeys([*mw_b, *mw_s, *per_site_ov]):
        b, s = mw_b.get(site, 0.0), mw_s.get(site, 0.0)
        in_b, in_s = site in rb.chosen_sites, site in rs.chosen_sites
        change = ("entered" if in_s and not in_b else "left" if in_b and not in_s
                  else "resized" if abs(s - b) > MW_TOLERANCE else "unchanged")
        reasons = list(per_site_ov.get(site, []))
        if same_shape and site in ps.sites:
            j = ps.site_index(site)
            kb = _per_kw_month(pb, j, share)
            ks = _per_kw_month(ps, j, share)
            tb, ts = sum(kb.values()), sum(ks.values())
            if abs(ts - tb) > 0.05:
                moves = sorted(((ks[c] - kb[c], c) for c in ks), key=lambda x: -abs(x[0]))[:2]
                reasons.append(f"cost {tb:,.1f} -> {ts:,.1f} yuan/kW/month before subsidies ("
                               + ", ".join(f"{c} {d:+,.1f}" for d, c in moves if abs(d) > 0.05) + ")")
            for k, cls in enumerate(ps.classes):
                d = ps.demand_mw[k]
                if d.sum() <= 0:
                    continue
                ab = float((pb.allowed[k, :, j] * pb.demand_mw[k]).sum() / pb.demand_mw[k].sum())
                a_s = float((ps.allowed[k, :, j] * d).sum() / d.sum())
                if abs(ab - a_s) > 1e-9:
                    lim = ps.max_rtt_ms[k] if ps.max_rtt_ms else None
                    reasons.append(f"may serve {100 * ab:.0f}% -> {100 * a_s:.0f}% of {cls} demand"
                                   + (f" within {lim:g} ms" if lim else ""))
            price = float(ps.price_yuan_per_kwh[j]) if ps.price_yuan_per_kwh is not None else None
            if change == "entered":
                be = _break_even_price(rb, site)
                if be is not None and price is not None:
                    reasons.append(f"base break-even price {be:.3f} yuan/kWh; now {price:.3f}")
            elif change == "left":
                be = _break_even_price(rs, site)
                if be is not None and price is not None:
                    reasons.append(f"would need <= {be:.3f} yuan/kWh to stay (now {price:.3f})")
        if change == "unchanged" and not per_site_ov.get(site):
            continue
        if change in ("entered", "left", "resized") and broken:
            reasons.insert(0, "forced: the base plan breaks " + "; ".join(broken))
        elif change in ("entered", "left") and not reasons:
            reasons.append("displaced by the cost changes elsewhere (see components)")
        att.sites.append({"site": site, "change": change, "mw_base": b, "mw_scenario": s, "reasons": reasons})
    return att


@dataclass
class Comparison:
    """Scenarios side by side (first = base) with the attribution of each against the base."""

    outcomes: list[ScenarioOutcome]
    attributions: list[Attribution]

    @property
    def base(self) -> ScenarioOutcome:
        return self.outcomes[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base.scenario.name,
            "scenarios": [to_jsonable(o.summary()) for o in self.outcomes],
            "attribution": [to_jsonable(a.to_dict()) for a in self.attributions],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per scenario: cost, levelised cost, components, MW per site, emissions, deltas."""
        sites = list(dict.fromkeys(s for o in self.outcomes for s in o.problem.sites))
        rows = []
        for o, a in zip(self.outcomes, [None, *self.attributions], strict=True):
            r = o.result
            row: dict[str, Any] = {"scenario": o.scenario.name, "status": r.status,
                                   "total_yuan_per_year": r.objective_yuan_per_year,
                                   "levelised_yuan_per_kw_month": r.levelised_cost_yuan_per_kw_month,
                                   "delta_total_yuan_per_year": a.delta_total_yuan_per_year if a else 0.0}
            row.update({f"{c}_yuan_per_year": v for c, v in o.components().items()})
            mw = o.mw()
            row.update({f"mw[{s}]": mw.get(s, 0.0) for s in sites})
            row["chosen_sites"] = "+".join(r.chosen_sites)
            row["emissions_t_per_year"] = r.emissions_t_per_year
            rows.append(row)
        return pd.DataFrame(rows).set_index("scenario")


def compare_scenarios(
    scenarios: list[Scenario], catalog: Catalog | None = None, *, explain: bool = True,
    solver: SolverName = "highs", time_limit_s: float | None = None, wall_clock_s: float | None = None,
) -> Comparison:
    """Optimise every scenario (the first is the base) and attribute the differences.

    ``explain`` adds break-even prices of the sites left out (several extra solves per scenario);
    ``solver`` and ``time_limit_s`` (per scenario, explanations included) apply to every solve;
    ``wall_clock_s`` bounds the whole comparison, each scenario getting an equal share of what is left.
    """
    if not scenarios:
        raise RequestError("compare needs at least one scenario", field="scenarios")
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise RequestError(f"scenario names must be unique, repeated: {', '.join(dup)}", field="scenarios")
    outcomes = []
    deadline = None if wall_clock_s is None else time.monotonic() + wall_clock_s
    for n, s in enumerate(scenarios):
        share = None if deadline is None else max(0.05, (deadline - time.monotonic()) / (len(scenarios) - n))
        problem = build_site_problem(s.catalog_for(catalog), s.request)
        outcomes.append(ScenarioOutcome(s, problem, optimize_problem(problem, solver=solver, time_limit_s=time_limit_s,
                                                                   explain=explain, wall_clock_s=share)))
    atts = [attribute(outcomes[0], o, catalog) for o in outcomes[1:]]
    return Comparison(outcomes, atts)
