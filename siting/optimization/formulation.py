r"""The site-selection MILP, built with PuLP from a :class:`~siting.optimization.problem.SiteProblem`.

Sets
----
- ``J``: candidate sites j (ids, e.g. ``zhongwei``)
- ``I``: demand centres i (ids, e.g. ``shanghai``)
- ``K``: workload classes k (ids, e.g. ``interactive``)
- ``A``: allowed triples (k, i, j): RTT(i, j) <= SLA_k and class k permitted at j
- ``S``: subsidy terms s, each at one site j(s) on one cost component

Parameters (units)
------------------
- ``d[k,i]`` demand [MW of IT]; ``c[k,i,j]`` unit cost [yuan/(MW*yr)];
  ``f[j]`` fixed cost of an open site [yuan/yr]; ``cap[j]`` available capacity [MW];
- ``b[s,k]`` per-MW cost of the component subsidised by s at j(s) [yuan/(MW*yr)],
  ``phi[s]`` subsidy factor [1], ``U[s]`` annual cap [yuan/yr];
- ``e[j]`` energy [MWh/(MW*yr)], ``g[j]`` renewable share [1], ``G`` green-share floor [1];
- ``sigma`` max share of the load at one site [1]; ``n_min``, ``n_max`` site counts;
  ``B`` budget [yuan/yr].

Variables
---------
- ``open[j]`` in {0, 1}: site j is used
- ``alloc[k,i,j]`` >= 0 [MW], only for (k, i, j) in A
- ``subsidy[s]`` >= 0 [yuan/yr]

Objective (annualised total cost, yuan/yr)
------------------------------------------
    min  sum_j f[j] open[j] + sum_A c[k,i,j] alloc[k,i,j] - sum_s subsidy[s]

Constraints (names as in ``SiteModel.constraints``)
---------------------------------------------------
- ``demand[k,i]``:          sum_j alloc[k,i,j] = d[k,i]
- ``site-capacity[j]``:     sum_{k,i} alloc[k,i,j] <= cap[j] open[j]
                            (omitted where the linking rows already imply it: see ``capacity_binding``)
- ``link[k,i,j]``:          alloc[k,i,j] <= d[k,i] open[j]                (strong formulation)
- ``site-share[j]``:        sum_{k,i} alloc[k,i,j] <= sigma sum_{k,i} d[k,i]  (when sigma < 1)
- ``site-count-min/max``:   n_min <= sum_j open[j] <= n_max
- ``locked[j]`` / ``excluded[j]``: bounds open[j] = 1 / open[j] = 0
- ``green-share``:          sum_A (g[j] - G) e[j] alloc[k,i,j] >= 0
- ``budget``:               objective <= B
- ``subsidy-base[s]``:      subsidy[s] <= phi[s] sum_{k,i} b[s,k] alloc[k,i,j(s)]
- ``subsidy-cap[s]``:       subsidy[s] <= U[s] open[j(s)]

In *elastic* mode every constraint family but the bounds gets a non-negative
slack with a large penalty; the slacks left non-zero name the families that
must be relaxed and by how much (see :mod:`siting.optimization.diagnostics`).
With ``fixed_open`` the binaries are fixed and relaxed to continuous, and the
linking rows become bounds (alloc = 0 at a closed site), giving the
non-degenerate LP whose duals are the shadow prices (see :mod:`siting.optimization.explain`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pulp

from siting.optimization.problem import SiteProblem

#: Penalty per unit of slack in elastic mode, relative to the largest cost coefficient.
ELASTIC_PENALTY_FACTOR = 1e3


@dataclass
class SiteModel:
    """A built PuLP model with its variables and constraints keyed by readable names."""

    problem: SiteProblem
    prob: pulp.LpProblem
    open: dict[str, pulp.LpVariable]
    alloc: dict[tuple[int, int, int], pulp.LpVariable]
    subsidy: list[pulp.LpVariable]
    constraints: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    slacks: dict[str, pulp.LpVariable] = field(default_factory=dict)
    slack_group: dict[str, str] = field(default_factory=dict)
    objective_expr: pulp.LpAffineExpression | None = None


def _add(m: SiteModel, name: str, constraint: pulp.LpConstraint) -> None:
    m.prob.addConstraint(constraint, name=f"c{len(m.constraints)}")
    m.constraints[name] = constraint


def _slack(m: SiteModel, name: str, group: str, elastic: bool) -> pulp.LpAffineExpression | float:
    if not elastic:
        return 0.0
    v = m.prob.add_variable(f"slack{len(m.slacks)}", lowBound=0)
    m.slacks[name] = v
    m.slack_group[name] = group
    return pulp.LpAffineExpression([(v, 1.0)])


def add_variables(m: SiteModel, fixed_open: npt.NDArray[np.float64] | None) -> None:
    p = m.problem
    locked, excluded = p.is_locked(), p.is_excluded()
    for j, s in enumerate(p.sites):
        lo, hi = (1, 1) if locked[j] else (0, 0) if excluded[j] else (0, 1)
        if fixed_open is not None:
            v = float(round(fixed_open[j]))
            m.open[s] = m.prob.add_variable(f"open{j}", lowBound=v, upBound=v)
        else:
            # integer in [lo, hi] rather than LpBinary, which would reset the bounds to [0, 1]
            m.open[s] = m.prob.add_variable(f"open{j}", lowBound=lo, upBound=hi, cat=pulp.LpInteger)
    ks, is_, js = np.nonzero(p.allowed & (p.demand_mw[:, :, None] > 0))
    closed = np.zeros(len(p.sites), dtype=bool) if fixed_open is None else np.round(fixed_open) < 0.5
    for k, i, j in zip(ks.tolist(), is_.tolist(), js.tolist(), strict=True):
        m.alloc[(k, i, j)] = m.prob.add_variable(f"a{k}_{i}_{j}", lowBound=0, upBound=0 if closed[j] else None)
    m.subsidy = [m.prob.add_variable(f"sub{n}", lowBound=0) for n in range(len(p.subsidies))]


def add_objective(m: SiteModel) -> None:
    p = m.problem
    terms = [(m.open[s], float(p.fixed_cost[j])) for j, s in enumerate(p.sites)]
    terms += [(v, float(p.unit_cost[k, i, j])) for (k, i, j), v in m.alloc.items()]
    terms += [(v, -1.0) for v in m.subsidy]
    m.objective_expr = pulp.LpAffineExpression(terms)


def _by_site(m: SiteModel) -> list[list[tuple[int, int, pulp.LpVariable]]]:
    out: list[list[tuple[int, int, pulp.LpVariable]]] = [[] for _ in m.problem.sites]
    for (k, i, j), v in m.alloc.items():
        out[j].append((k, i, v))
    return out


def add_demand_constraints(m: SiteModel, elastic: bool) -> None:
    p = m.problem
    by_demand: dict[tuple[int, int], list[pulp.LpVariable]] = {}
    for (k, i, _j), v in m.alloc.items():
        by_demand.setdefault((k, i), []).append(v)
    for k, cls in enumerate(p.classes):
        for i, centre in enumerate(p.centres):
            d = float(p.demand_mw[k, i])
            if d <= 0:
                continue
            name = f"demand[{cls},{centre}]"
            expr = pulp.LpAffineExpression([(v, 1.0) for v in by_demand.get((k, i), [])])
            _add(m, name, expr + _slack(m, name, "demand", elastic) == d)


def capacity_binding(p: SiteProblem) -> npt.NDArray[np.bool_]:
    """Sites whose capacity row is not implied by the linking rows (cap < all the demand j may serve).

    With ``link[k,i,j]``, sum_{k,i} alloc[k,i,j] <= (sum of d[k,i] over the pairs j may serve) open[j],
    so ``site-capacity[j]`` only matters when ``cap[j]`` is smaller than that sum.
    """
    if not p.strong_linking:
        return np.ones(len(p.sites), dtype=bool)
    reachable = (p.demand_mw[:, :, None] * p.allowed).sum(axis=(0, 1))
    return np.asarray(p.capacity_mw < reachable * (1.0 - 1e-12), dtype=bool)


def add_capacity_constraints(m: SiteModel, elastic: bool) -> None:
    p = m.problem
    binding = capacity_binding(p)
    for j, items in enumerate(_by_site(m)):
        s = p.sites[j]
        if not binding[j]:
            continue
        name = f"site-capacity[{s}]"
        expr = pulp.LpAffineExpression([(v, 1.0) for _, _, v in items] + [(m.open[s], -float(p.capacity_mw[j]))])
        _add(m, name, expr - _slack(m, name, "capacity", elastic) <= 0)


def add_linking_constraints(m: SiteModel) -> None:
    p = m.problem
    for (k, i, j), v in m.alloc.items():
        d = float(p.demand_mw[k, i])
        _add(m, f"link[{p.classes[k]},{p.centres[i]},{p.sites[j]}]",
             pulp.LpAffineExpression([(v, 1.0), (m.open[p.sites[j]], -d)]) <= 0)


def add_share_constraints(m: SiteModel, elastic: bool) -> None:
    p = m.problem
    if p.max_share_per_site >= 1.0:
        return
    limit = p.max_share_per_site * float(p.demand_mw.sum())
    for j, items in enumerate(_by_site(m)):
        name = f"site-share[{p.sites[j]}]"
        expr = pulp.LpAffineExpression([(v, 1.0) for _, _, v in items])
        _add(m, name, expr - _slack(m, name, "max_share_per_site", elastic) <= limit)


def add_site_count_constraints(m: SiteModel, elastic: bool) -> None:
    p = m.problem
    total = pulp.LpAffineExpression([(v, 1.0) for v in m.open.values()])
    if p.min_sites > 0:
        _add(m, "site-count-min", total + _slack(m, "site-count-min", "min_sites", elastic) >= p.min_sites)
    if p.max_sites is not None:
        _add(m, "site-count-max", total - _slack(m, "site-count-max", "max_sites", elastic) <= p.max_sites)


def add_green_share_constraint(m: SiteModel, elastic: bool) -> None:
    p = m.problem
    if p.min_green_share <= 0 or p.renewable_share is None or p.energy_mwh_per_mw is None:
        return
    g, e, floor = p.renewable_share, p.energy_mwh_per_mw, p.min_green_share
    expr = pulp.LpAffineExpression([(v, float((g[j] - floor) * e[j])) for (_k, _i, j), v in m.alloc.items()])
    _add(m, "green-share", expr + _slack(m, "green-share", "min_green_share_fraction", elastic) >= 0)


def add_budget_constraint(m: SiteModel, elastic: bool) -> None:
    p = m.problem
    if p.budget_yuan_per_year is None or m.objective_expr is None:
        return
    _add(m, "budget", m.objective_expr - _slack(m, "budget", "budget_yuan_per_year", elastic)
         <= p.budget_yuan_per_year)


def add_subsidy_constraints(m: SiteModel) -> None:
    p = m.problem
    by_site = _by_site(m)
    for n, term in enumerate(p.subsidies):
        j = p.site_index(term.site)
        base = p.components[term.component]
        expr = pulp.LpAffineExpression(
            [(v, -term.factor * float(base[k, j])) for k, _i, v in by_site[j]] + [(m.subsidy[n], 1.0)]
        )
        _add(m, f"subsidy-base[{term.subsidy_id}]", expr <= 0)
        if np.isfinite(term.annual_cap_yuan):
            _add(m, f"subsidy-cap[{term.subsidy_id}]",
                 pulp.LpAffineExpression([(m.subsidy[n], 1.0), (m.open[term.site], -term.annual_cap_yuan)]) <= 0)


def build_model(
    problem: SiteProblem, *, fixed_open: npt.NDArray[np.float64] | None = None, elastic: bool = False
) -> SiteModel:
    """Build the MILP (or, with ``fixed_open``, the LP with fixed sites) of ``problem``."""
    m = SiteModel(problem, pulp.LpProblem("siting", pulp.LpMinimize), {}, {}, [])
    add_variables(m, fixed_open)
    add_objective(m)
    add_demand_constraints(m, elastic)
    add_capacity_constraints(m, elastic)
    if problem.strong_linking and fixed_open is None:
        # With the sites fixed, the linking rows alloc <= d open are bounds (0 at a closed site, implied
        # by the demand row at an open one); as rows they would make the LP degenerate and the demand
        # duals arbitrary (HiGHS 1.15 and 1.16 pick different ones).
        add_linking_constraints(m)
    add_share_constraints(m, elastic)
    add_site_count_constraints(m, elastic)
    add_green_share_constraint(m, elastic)
    add_budget_constraint(m, elastic)
    add_subsidy_constraints(m)
    assert m.objective_expr is not None
    objective = m.objective_expr
    if elastic and m.slacks:
        big = ELASTIC_PENALTY_FACTOR * max(1.0, float(np.abs(problem.unit_cost).max()),
                                           float(np.abs(problem.fixed_cost).max()))
        # a yuan of budget overrun costs 10 yuan; a MW of unmet rule costs ``big``
        objective = objective + pulp.LpAffineExpression(
            [(v, 10.0 if m.slack_group[n] == "budget_yuan_per_year" else big) for n, v in m.slacks.items()]
        )
    m.prob.setObjective(objective)
    return m
