r"""The site-selection MILP, defined once as coefficient arrays.

Each variable set and each constraint family is one function of a
:class:`~siting.optimization.problem.SiteProblem` that returns arrays (columns, or
rows in coordinate form).  :func:`define` calls them in order; the emitters
write the same arrays out for HiGHS (:mod:`siting.optimization.emit_highs`, the
fast path) and for PuLP (:mod:`siting.optimization.emit_pulp`, CBC and users who
want a ``pulp.LpProblem``).  Adding a constraint family means adding one
function to :data:`FAMILIES`, nothing else.

Sets
----
- ``J``: candidate sites j (ids, e.g. ``zhongwei``)
- ``I``: demand centres i (ids, e.g. ``shanghai``)
- ``K``: workload classes k (ids, e.g. ``interactive``)
- ``A``: allowed triples (k, i, j): class k permitted at j (residency, hazard limits) and, for a class whose
  service level is 1, RTT(i, j) <= R_k
- ``W``: the triples of A within their class's RTT limit, RTT(i, j) <= R_k (all of A for a class without one)
- ``S``: subsidy terms s, each at one site j(s) on one cost component

Parameters (units)
------------------
- ``d[k,i]`` demand [MW of IT]; ``c[k,i,j]`` unit cost [yuan/(MW*yr)];
  ``f[j]`` fixed cost of an open site [yuan/yr]; ``cap[j]`` available capacity [MW];
- ``b[s,k]`` per-MW cost of the component subsidised by s at j(s) [yuan/(MW*yr)],
  ``phi[s]`` subsidy factor [1], ``U[s]`` annual cap [yuan/yr];
- ``e[j]`` energy [MWh/(MW*yr)], ``g[j]`` renewable share [1], ``G`` green-share floor [1];
- ``sigma`` max share of the load at one site [1]; ``n_min``, ``n_max`` site counts;
  ``m`` minimum IT load of a used site (campus size) [MW]; ``s[k]`` service level of class k [1];
  ``B`` budget [yuan/yr].

Variables (column order)
------------------------
- ``open[j]`` in {0, 1}: site j is used; bounds fix it to 1 (locked) or 0 (excluded)
- ``alloc[k,i,j]`` >= 0 [MW], only for (k, i, j) in A with d[k,i] > 0
- ``subsidy[s]`` >= 0 [yuan/yr]
- ``green[o]`` >= 0 [MWh/yr] renewable energy of green offer o (one option at one site j(o):
  certificates, green trading, PPAs, on-site solar; :mod:`siting.models.green`), only when the request
  names green options; net cost ``q[o] - a[o] - P cr[o]`` [yuan/MWh]: the price paid, less the grid
  energy it replaces (0 for a premium), less the carbon price P [yuan/t] on the emissions it takes off
  (cr[o] = ef[j(o)] [t/MWh] under market-based accounting, or for on-site output; else 0)
- ``slack[r]`` >= 0, one per relaxable row, only in elastic mode

Objective (annualised total cost, yuan/yr)
------------------------------------------
    min  sum_j f[j] open[j] + sum_A c[k,i,j] alloc[k,i,j] - sum_s subsidy[s]  (+ penalty . slack)

Constraint families (row labels as in :attr:`Family.labels`)
------------------------------------------------------------
- ``demand[k,i]``:          sum_j alloc[k,i,j] = d[k,i]
- ``site-capacity[j]``:     sum_{k,i} alloc[k,i,j] <= cap[j] open[j]
                            (omitted where the linking rows already imply it: :func:`capacity_binding`)
- ``link[k,i,j]``:          alloc[k,i,j] <= d[k,i] open[j]                   (strong formulation)
- ``site-share[j]``:        sum_{k,i} alloc[k,i,j] <= sigma sum_{k,i} d[k,i]  (when sigma < 1)
- ``site-min-load[j]``:     sum_{k,i} alloc[k,i,j] - m open[j] >= 0        (when m > 0: alloc is semi-continuous,
                            0 or at least a campus)
- ``service-level[k]``:     sum_{(k,i,j) in W} alloc[k,i,j] >= s[k] sum_i d[k,i]  (classes with a limit and s[k] < 1)
- ``site-count-min/max``:   n_min <= sum_j open[j] <= n_max
- ``green-share``:          sum_A (g[j] - G) e[j] alloc[k,i,j] + sum_o green[o] >= 0
- ``green-cap[j:o]``:       green[o] <= u[o] sum_{k,i} alloc[k,i,j(o)]   (u[o] = c[o] (1 - g[j]) e[j]: buy only
                            for energy the grid mix leaves non-renewable, c[o] the option's cap share; on-site
                            solar also at most its output per MW of IT)
- ``green-total[j]``:       sum_{o at j} green[o] <= (1 - g[j]) e[j] sum_{k,i} alloc[k,i,j]   (sites with
                            two or more offers)
- ``budget``:               objective <= B
- ``other-plan[n]``:        sum_{j in P_n} open[j] - sum_{j not in P_n} open[j] <= |P_n| - 1  (no-good cut: the
                            plan may not use exactly the site set P_n; the next-best plans)
- ``emissions-cap``:        sum_A m[j] alloc[k,i,j] - sum_o cr[o] green[o] <= E_max   (m[j] tCO2/(MW*yr);
  epsilon bound of a frontier)
- ``mean-rtt-cap``:         sum_A rtt[i,j] alloc[k,i,j] <= R_max * sum d  (demand-weighted mean RTT [ms])
- ``subsidy-base[s]``:      subsidy[s] <= phi[s] sum_{k,i} b[s,k] alloc[k,i,j(s)]
- ``subsidy-cap[s]``:       subsidy[s] <= U[s] open[j(s)]

Every row is an equality, a ``<=`` or a ``>=`` row (never ranged), so that the
PuLP emitter writes each as one ``LpConstraint``.

Modes
-----
*Elastic*: every family with a request field gets a non-negative slack per row
with a large penalty (a yuan of budget overrun costs 10 yuan; a unit of any
other rule ``ELASTIC_PENALTY_FACTOR`` times the largest cost coefficient); the
slacks left non-zero name the families that must be relaxed and by how much
(:mod:`siting.optimization.diagnostics`).

*Fixed sites* (``fixed_open``): open[j] is fixed and continuous, and the linking
rows become bounds (alloc = 0 at a closed site; implied by the demand row at an
open one).  As rows they would make the LP degenerate and the demand duals
arbitrary; this is the LP whose duals are the shadow prices.

*Classic location* (:func:`define_classic`; :mod:`siting.optimization.classic` builds the problems): one
class, clients as centres, facilities as sites, ``c[1,i,j] = d[i,j]`` the client-facility distance, no fixed
cost, capacities that never bind and ``n_min = n_max = p``; every family above applies, and a mode changes
only the objective and adds what is its own:

- *p-median* (ReVelle & Swain 1970): the model as it is, ``d[i] = w[i]`` the client weights:
  min sum w[i] d[i,j] x[i,j] with x = alloc / w.
- *p-center* (Hakimi 1965): ``d[i] = 1``, alloc binary (the assignment), one more column ``W`` [distance]
  (``Columns.extra`` = ``["makespan"]``), objective ``W`` (alloc costs 0) and the family
  ``max-distance[k,i]``: sum_j d[i,j] alloc[k,i,j] - W <= 0.  With continuous alloc the LP bound is weak
  and a client may be split between a near and a far site; binary alloc is what the formulation needs.
- *MCLP* (Church & ReVelle 1974), radius R: alloc only where d[i,j] <= R (``allowed``), objective
  -sum alloc (maximise the weight covered), and ``coverage[k,i]``: sum_j alloc[k,i,j] <= d[k,i] in place of
  the ``demand`` equality (a client out of reach of every open site is simply not covered).  Given open,
  the best alloc covers min(1, open sites within R) of each client, so alloc needs no integrality.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from siting.optimization.problem import SiteProblem
from siting.optimization.solve import SolveOutcome

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
INF = float("inf")

#: Penalty per unit of slack in elastic mode, relative to the largest cost coefficient.
ELASTIC_PENALTY_FACTOR = 1e3
#: Penalty per yuan of budget overrun in elastic mode.
BUDGET_PENALTY = 10.0
_ONE_KEY = np.zeros(1, dtype=np.int64)  # the key of a family with a single row


@dataclass
class Columns:
    """The variables: open (J), alloc (one per allowed triple), subsidy (S), slack (elastic rows)."""

    cost: FloatArray
    lower: FloatArray
    upper: FloatArray
    integer: BoolArray
    ks: IntArray  # alloc triples, in numpy.nonzero order of the active (k, i, j) mask
    is_: IntArray
    js: IntArray
    n_open: int
    n_sub: int
    n_slack: int = 0
    n_green: int = 0
    extra: list[str] = field(default_factory=list)  # names of a classic mode's own columns, after the green ones

    @property
    def n_alloc(self) -> int:
        return len(self.ks)

    @property
    def alloc_cols(self) -> IntArray:
        return self.n_open + np.arange(self.n_alloc, dtype=np.int64)

    @property
    def sub_cols(self) -> IntArray:
        return self.n_open + self.n_alloc + np.arange(self.n_sub, dtype=np.int64)

    @property
    def green_cols(self) -> IntArray:
        return self.n_open + self.n_alloc + self.n_sub + np.arange(self.n_green, dtype=np.int64)

    @property
    def n_extra(self) -> int:
        return len(self.extra)

    @property
    def extra_cols(self) -> IntArray:
        return self.n_open + self.n_alloc + self.n_sub + self.n_green + np.arange(self.n_extra, dtype=np.int64)

    @functools.cached_property
    def _alloc_positions_by_site(self) -> dict[int, IntArray]:
        order = np.argsort(self.js, kind="stable")
        sites, starts = np.unique(self.js[order], return_index=True)
        return dict(zip(sites.tolist(), np.split(order, starts[1:]), strict=True))

    def alloc_at(self, j: int | np.integer) -> IntArray:
        """Positions (into ks, is_, js and alloc_cols) of site j's alloc columns, in column order; grouped once
        for all the per-site rows (green-cap, green-total, subsidy-base)."""
        return self._alloc_positions_by_site.get(int(j), np.zeros(0, dtype=np.int64))

    @property
    def n_model(self) -> int:
        """Columns of the model proper (everything but the elastic slacks)."""
        return self.n_open + self.n_alloc + self.n_sub + self.n_green + self.n_extra

    def __len__(self) -> int:
        return len(self.cost)


@dataclass
class Family:
    """One constraint family: ``lower <= sum_n vals[n] x[cols[n]] (rows[n] = r) <= upper`` for r < n_rows.

    ``keys`` (n_rows, d) are the ids of each row (positions in the problem's site/centre/class
    lists, or subsidy numbers), ``label`` turns one row's keys into its readable name, and
    ``field`` is the request field it enforces (None: structural, never relaxed).
    """

    name: str
    field: str | None
    rows: IntArray
    cols: IntArray
    vals: FloatArray
    lower: FloatArray
    upper: FloatArray
    keys: IntArray
    label: Callable[[IntArray], str]
    scale: FloatArray | None = None  # per-row scaling the HiGHS emitter applies (1 / d for demand, link)

    @property
    def n_rows(self) -> int:
        return len(self.lower)

    def labels(self) -> list[str]:
        return [self.label(k) for k in self.keys]


@dataclass
class ModelArrays:
    """The whole model: columns, constraint families in order, and the problem it came from."""

    problem: SiteProblem
    columns: Columns
    families: list[Family]
    slack_family: list[tuple[str, int]] = field(default_factory=list)  # per slack column: (family, row)
    fixed_open: bool = False

    def family(self, name: str) -> Family | None:
        return next((f for f in self.families if f.name == name), None)

    def row_offsets(self) -> dict[str, int]:
        out, n = {}, 0
        for f in self.families:
            out[f.name] = n
            n += f.n_rows
        return out


def _family(name: str, field: str | None, rows: IntArray, cols: IntArray, vals: FloatArray, lower: FloatArray,
            upper: FloatArray, keys: IntArray, label: Callable[[IntArray], str],
            scale: FloatArray | None = None) -> Family:
    return Family(name, field, rows.astype(np.int64), cols.astype(np.int64), vals.astype(float),
                  np.asarray(lower, dtype=float), np.asarray(upper, dtype=float),
                  keys.astype(np.int64).reshape(len(lower), -1), label, scale)


def active_triples(p: SiteProblem) -> tuple[IntArray, IntArray, IntArray]:
    """(k, i, j) of the allocation variables: allowed and with positive demand, in nonzero order."""
    ks, is_, js = np.nonzero(p.allowed & (p.demand_mw[:, :, None] > 0))
    return ks.astype(np.int64), is_.astype(np.int64), js.astype(np.int64)


def capacity_binding(p: SiteProblem) -> BoolArray:
    """Sites whose capacity row is not implied by the linking rows (cap < all the demand j may serve).

    With ``link[k,i,j]``, sum_{k,i} alloc[k,i,j] <= (sum of d[k,i] over the pairs j may serve) open[j],
    so ``site-capacity[j]`` only matters when ``cap[j]`` is smaller than that sum.
    """
    if not p.strong_linking:
        return np.ones(len(p.sites), dtype=bool)
    reachable = (p.demand_mw[:, :, None] * p.allowed).sum(axis=(0, 1))
    return np.asarray(p.capacity_mw < reachable * (1.0 - 1e-12), dtype=bool)


# -- variables ------------------------------------------------------------------------------------

def variables(p: SiteProblem, fixed_open: FloatArray | None = None) -> Columns:
    """open[j] (binary; fixed when ``fixed_open``), alloc[k,i,j] >= 0, subsidy[s] >= 0."""
    J, S = len(p.sites), len(p.subsidies)
    ks, is_, js = active_triples(p)
    n_a = len(ks)
    locked, excluded = p.is_locked(), p.is_excluded()
    if fixed_open is None:
        open_lo = locked.astype(float)
        open_hi = np.where(excluded & ~locked, 0.0, 1.0)
        alloc_hi = np.full(n_a, INF)
    else:
        open_lo = open_hi = np.round(np.asarray(fixed_open, dtype=float))
        alloc_hi = np.where(open_hi[js] < 0.5, 0.0, INF)
    G = p.n_green
    return Columns(
        cost=np.concatenate([p.fixed_cost.astype(float), p.unit_cost[ks, is_, js], -np.ones(S),
                             p.green_net_cost_yuan_per_mwh()]),
        lower=np.concatenate([open_lo, np.zeros(n_a + S + G)]),
        upper=np.concatenate([open_hi, alloc_hi, np.full(S + G, INF)]),
        integer=np.concatenate([np.full(J, fixed_open is None), np.zeros(n_a + S + G, dtype=bool)]),
        ks=ks, is_=is_, js=js, n_open=J, n_sub=S, n_green=G,
    )


# -- constraint families (one function each, in the order of the docstring) ------------------------

def demand(p: SiteProblem, c: Columns) -> Family | None:
    """``demand[k,i]``: sum_j alloc[k,i,j] = d[k,i] for every (k, i) with d > 0."""
    mask = p.demand_mw > 0
    row_of = np.full(mask.shape, -1, dtype=np.int64)
    row_of[mask] = np.arange(int(mask.sum()))
    d = p.demand_mw[mask].astype(float)
    keys = np.argwhere(mask)
    return _family("demand", "it_load_mw", row_of[c.ks, c.is_], c.alloc_cols, np.ones(c.n_alloc), d, d, keys,
                   lambda key: f"demand[{p.classes[key[0]]},{p.centres[key[1]]}]", scale=1.0 / d)


def site_capacity(p: SiteProblem, c: Columns) -> Family | None:
    """``site-capacity[j]``: sum_{k,i} alloc[k,i,j] - cap[j] open[j] <= 0 where not implied by the links."""
    sites = np.nonzero(capacity_binding(p))[0]
    if not len(sites):
        return None
    row_of = np.full(len(p.sites), -1, dtype=np.int64)
    row_of[sites] = np.arange(len(sites))
    sel = np.nonzero(row_of[c.js] >= 0)[0]
    return _family("site-capacity", "capacity_mw",
                   np.concatenate([row_of[c.js[sel]], row_of[sites]]),
                   np.concatenate([c.alloc_cols[sel], sites]),
                   np.concatenate([np.ones(len(sel)), -p.capacity_mw[sites].astype(float)]),
                   np.full(len(sites), -INF), np.zeros(len(sites)), sites,
                   lambda key: f"site-capacity[{p.sites[key[0]]}]")


def link(p: SiteProblem, c: Columns) -> Family | None:
    """``link[k,i,j]``: alloc[k,i,j] - d[k,i] open[j] <= 0 (strong formulation; bounds with fixed sites)."""
    if not p.strong_linking or not np.any(c.integer[:c.n_open]):
        return None
    n = c.n_alloc
    r = np.arange(n)
    d = p.demand_mw[c.ks, c.is_].astype(float)
    return _family("link", None, np.concatenate([r, r]), np.concatenate([c.alloc_cols, c.js]),
                   np.concatenate([np.ones(n), -d]), np.full(n, -INF), np.zeros(n),
                   np.stack([c.ks, c.is_, c.js], axis=1),
                   lambda key: f"link[{p.classes[key[0]]},{p.centres[key[1]]},{p.sites[key[2]]}]", scale=1.0 / d)


def site_share(p: SiteProblem, c: Columns) -> Family | None:
    """``site-share[j]``: sum_{k,i} alloc[k,i,j] <= sigma sum_{k,i} d[k,i] (when sigma < 1)."""
    if p.max_share_per_site >= 1.0:
        return None
    J = len(p.sites)
    limit = p.max_share_per_site * float(p.demand_mw.sum())
    return _family("site-share", "max_share_per_site", c.js, c.alloc_cols, np.ones(c.n_alloc),
                   np.full(J, -INF), np.full(J, limit), np.arange(J), lambda key: f"site-share[{p.sites[key[0]]}]")


def site_min_load(p: SiteProblem, c: Columns) -> Family | None:
    """``site-min-load[j]``: sum_{k,i} alloc[k,i,j] - m open[j] >= 0 (a used site carries at least a campus)."""
    if p.min_site_mw <= 0:
        return None
    J = len(p.sites)
    return _family("site-min-load", "min_site_it_load_mw",
                   np.concatenate([c.js, np.arange(J)]), np.concatenate([c.alloc_cols, np.arange(J)]),
                   np.concatenate([np.ones(c.n_alloc), np.full(J, -float(p.min_site_mw))]),
                   np.zeros(J), np.full(J, INF), np.arange(J), lambda key: f"site-min-load[{p.sites[key[0]]}]")


def service_level_classes(p: SiteProblem) -> list[int]:
    """Classes with an RTT limit and a service level below 1 (the others keep far pairs out of ``A``)."""
    return [k for k, level in enumerate(p.service_level)
            if level < 1.0 and p.max_rtt_ms and p.max_rtt_ms[k] is not None and p.demand_mw[k].sum() > 0]


def service_level(p: SiteProblem, c: Columns) -> Family | None:
    """``service-level[k]``: sum_{(k,i,j) in W} alloc[k,i,j] >= s[k] sum_i d[k,i] [MW within the limit]."""
    classes = service_level_classes(p)
    if not classes or p.within_rtt is None:
        return None
    row_of = np.full(len(p.classes), -1, dtype=np.int64)
    row_of[classes] = np.arange(len(classes))
    sel = np.nonzero((row_of[c.ks] >= 0) & p.within_rtt[c.ks, c.is_, c.js])[0]
    need = np.array([p.service_level[k] * float(p.demand_mw[k].sum()) for k in classes])
    return _family("service-level", "service_level_fraction", row_of[c.ks[sel]], c.alloc_cols[sel],
                   np.ones(len(sel)), need, np.full(len(classes), INF), np.array(classes),
                   lambda key: f"service-level[{p.classes[key[0]]}]")


def site_count_min(p: SiteProblem, c: Columns) -> Family | None:
    """``site-count-min``: sum_j open[j] >= n_min."""
    if p.min_sites <= 0:
        return None
    J = len(p.sites)
    return _family("site-count-min", "min_sites", np.zeros(J, dtype=np.int64), np.arange(J), np.ones(J),
                   np.array([float(p.min_sites)]), np.array([INF]), _ONE_KEY, lambda key: "site-count-min")


def site_count_max(p: SiteProblem, c: Columns) -> Family | None:
    """``site-count-max``: sum_j open[j] <= n_max."""
    if p.max_sites is None:
        return None
    J = len(p.sites)
    return _family("site-count-max", "max_sites", np.zeros(J, dtype=np.int64), np.arange(J), np.ones(J),
                   np.array([-INF]), np.array([float(p.max_sites)]), _ONE_KEY, lambda key: "site-count-max")


def green_share(p: SiteProblem, c: Columns) -> Family | None:
    """``green-share``: sum_A (g[j] - G) e[j] alloc[k,i,j] >= 0 [MWh of renewable energy/yr]."""
    if p.min_green_share <= 0 or p.renewable_share is None or p.energy_mwh_per_mw is None:
        return None
    coef = (p.renewable_share[c.js] - p.min_green_share) * p.energy_mwh_per_mw[c.js]
    cols = np.concatenate([c.alloc_cols, c.green_cols])
    vals = np.concatenate([coef, np.ones(c.n_green)])
    return _family("green-share", "min_green_share_fraction", np.zeros(len(cols), dtype=np.int64), cols,
                   vals, np.zeros(1), np.array([INF]), _ONE_KEY, lambda key: "green-share")


def green_cap(p: SiteProblem, c: Columns) -> Family | None:
    """``green-cap[j:o]``: green[o] - u[o] sum_{k,i} alloc[k,i,j(o)] <= 0 (see the docstring)."""
    if c.n_green == 0:
        return None
    assert p.green_site is not None and p.green_cap_mwh_per_mw is not None
    G = c.n_green
    rows, cols, vals = [np.arange(G)], [c.green_cols], [np.ones(G)]
    for o in range(G):
        sel = c.alloc_at(p.green_site[o])
        rows.append(np.full(len(sel), o))
        cols.append(c.alloc_cols[sel])
        vals.append(np.full(len(sel), -p.green_cap_mwh_per_mw[o]))
    offers = p.green_offers
    return _family("green-cap", None, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                   np.full(G, -INF), np.zeros(G), np.arange(G),
                   lambda key: f"green-cap[{offers[key[0]].site}:{offers[key[0]].option_id}]")


def green_total(p: SiteProblem, c: Columns) -> Family | None:
    """``green-total[j]``: sum_{o at j} green[o] - (1 - g[j]) e[j] sum_{k,i} alloc[k,i,j] <= 0, where j has
    two or more offers (with one, ``green-cap`` implies it)."""
    if c.n_green == 0 or p.renewable_share is None or p.energy_mwh_per_mw is None:
        return None
    assert p.green_site is not None
    counts = np.bincount(p.green_site, minlength=len(p.sites))
    sites = np.nonzero(counts >= 2)[0]
    if not len(sites):
        return None
    per_mw = (1.0 - p.renewable_share) * p.energy_mwh_per_mw
    rows, cols, vals = [], [], []
    for r, j in enumerate(sites):
        offers = np.nonzero(p.green_site == j)[0]
        sel = c.alloc_at(j)
        rows.append(np.full(len(offers) + len(sel), r))
        cols.append(np.concatenate([c.green_cols[offers], c.alloc_cols[sel]]))
        vals.append(np.concatenate([np.ones(len(offers)), np.full(len(sel), -per_mw[j])]))
    n = len(sites)
    return _family("green-total", None, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                   np.full(n, -INF), np.zeros(n), sites, lambda key: f"green-total[{p.sites[key[0]]}]")


def emissions_coefficients(p: SiteProblem, c: Columns) -> FloatArray:
    """Emissions per allocated MW [tCO2/yr] of each alloc column (the second criterion of a frontier)."""
    if p.emissions_t_per_mw is None:
        raise ValueError("the problem has no emission factors")
    return np.asarray(p.emissions_t_per_mw[c.js], dtype=float)


def green_emissions_coefficients(p: SiteProblem) -> FloatArray | None:
    """-cr[o] [tCO2 per MWh] of each green column, or None when no offer takes emissions off the account."""
    if not p.green_credits_emissions():
        return None
    assert p.green_credit_t_per_mwh is not None
    return -np.asarray(p.green_credit_t_per_mwh, dtype=float)


def rtt_coefficients(p: SiteProblem, c: Columns) -> FloatArray:
    """RTT [ms] of each alloc column, divided by the total demand: sum gives the demand-weighted mean RTT."""
    if p.rtt_ms is None:
        raise ValueError("the problem has no RTT matrix")
    return np.asarray(p.rtt_ms[c.is_, c.js] / float(p.demand_mw.sum()), dtype=float)


def _criterion_cap(name: str, field: str, coef: FloatArray, bound: float, c: Columns,
                   green_coef: FloatArray | None = None) -> Family:
    cols, vals = c.alloc_cols, coef
    if green_coef is not None and c.n_green:
        cols, vals = np.concatenate([cols, c.green_cols]), np.concatenate([coef, green_coef])
    return _family(name, field, np.zeros(len(cols), dtype=np.int64), cols, vals, np.array([-INF]),
                   np.array([bound]), _ONE_KEY, lambda key: name)


def emissions_cap(p: SiteProblem, c: Columns) -> Family | None:
    """``emissions-cap``: sum_A m[j] alloc[k,i,j] <= E_max [tCO2/yr]."""
    if p.max_emissions_t_per_year is None:
        return None
    return _criterion_cap("emissions-cap", "max_emissions_t_per_year", emissions_coefficients(p, c),
                          p.max_emissions_t_per_year, c, green_emissions_coefficients(p))


def mean_rtt_cap(p: SiteProblem, c: Columns) -> Family | None:
    """``mean-rtt-cap``: demand-weighted mean RTT over all classes <= R_max [ms]."""
    if p.max_mean_rtt_ms is None:
        return None
    return _criterion_cap("mean-rtt-cap", "max_mean_rtt_ms", rtt_coefficients(p, c), p.max_mean_rtt_ms, c)


def budget(p: SiteProblem, c: Columns) -> Family | None:
    """``budget``: objective (without slack penalties) <= B."""
    if p.budget_yuan_per_year is None:
        return None
    n = c.n_model
    return _family("budget", "budget_yuan_per_year", np.zeros(n, dtype=np.int64), np.arange(n), c.cost[:n].copy(),
                   np.array([-INF]), np.array([float(p.budget_yuan_per_year)]), _ONE_KEY, lambda key: "budget")


def other_plan(p: SiteProblem, c: Columns) -> Family | None:
    """``other-plan[n]``: the open sites differ from the site set P_n in at least one site (a no-good cut)."""
    if not p.excluded_plans or not np.any(c.integer[:c.n_open]):
        return None
    J = len(p.sites)
    rows, cols, vals, upper = [], [], [], []
    for n, plan in enumerate(p.excluded_plans):
        inside = np.zeros(J, dtype=bool)
        inside[list(plan)] = True
        rows.append(np.full(J, n))
        cols.append(np.arange(J))
        vals.append(np.where(inside, 1.0, -1.0))
        upper.append(float(inside.sum()) - 1.0)
    n_rows = len(p.excluded_plans)
    return _family("other-plan", None, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                   np.full(n_rows, -INF), np.array(upper), np.arange(n_rows),
                   lambda key: "other-plan[" + "+".join(p.sites[j] for j in p.excluded_plans[key[0]]) + "]")


def subsidy_base(p: SiteProblem, c: Columns) -> Family | None:
    """``subsidy-base[s]``: subsidy[s] - phi[s] sum_{k,i} b[s,k] alloc[k,i,j(s)] <= 0."""
    if not p.subsidies:
        return None
    rows, cols, vals = [], [], []
    for n, term in enumerate(p.subsidies):
        j = p.site_index(term.site)
        sel = c.alloc_at(j)
        base = p.components[term.component][c.ks[sel], j]
        rows.append(np.full(len(sel) + 1, n))
        cols.append(np.concatenate([c.alloc_cols[sel], [c.sub_cols[n]]]))
        vals.append(np.concatenate([-term.factor * base, [1.0]]))
    S = len(p.subsidies)
    return _family("subsidy-base", None, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                   np.full(S, -INF), np.zeros(S), np.arange(S),
                   lambda key: f"subsidy-base[{p.subsidies[key[0]].subsidy_id}]")


def subsidy_cap(p: SiteProblem, c: Columns) -> Family | None:
    """``subsidy-cap[s]``: subsidy[s] - U[s] open[j(s)] <= 0 for capped terms."""
    capped = [n for n, t in enumerate(p.subsidies) if np.isfinite(t.annual_cap_yuan)]
    if not capped:
        return None
    r = np.arange(len(capped))
    sites = np.array([p.site_index(p.subsidies[n].site) for n in capped], dtype=np.int64)
    caps = np.array([p.subsidies[n].annual_cap_yuan for n in capped])
    return _family("subsidy-cap", None, np.concatenate([r, r]), np.concatenate([c.sub_cols[capped], sites]),
                   np.concatenate([np.ones(len(capped)), -caps]), np.full(len(capped), -INF),
                   np.zeros(len(capped)), np.array(capped),
                   lambda key: f"subsidy-cap[{p.subsidies[key[0]].subsidy_id}]")


#: The constraint families, in order.  One function each; ``define`` calls them all.
FAMILIES: tuple[Callable[[SiteProblem, Columns], Family | None], ...] = (
    demand, site_capacity, link, site_share, site_min_load, service_level, site_count_min, site_count_max,
    green_share, green_cap, green_total,
    emissions_cap, mean_rtt_cap, budget, other_plan, subsidy_base, subsidy_cap,
)


def _add_slacks(arrays: ModelArrays) -> None:
    """Elastic mode: one penalised slack column per row of each family with a request field."""
    p, c = arrays.problem, arrays.columns
    big = ELASTIC_PENALTY_FACTOR * max(1.0, float(np.abs(p.unit_cost).max(initial=0.0)),
                                       float(np.abs(p.fixed_cost).max(initial=0.0)))
    costs: list[float] = []
    for fam in arrays.families:
        if fam.field is None:
            continue
        start = len(c.cost) + len(costs)
        slack_cols = start + np.arange(fam.n_rows)
        # shortfall of an equality or >= row is added; the excess of a <= row is subtracted
        sign = np.where(np.isfinite(fam.lower), 1.0, -1.0)
        fam.rows = np.concatenate([fam.rows, np.arange(fam.n_rows)])
        fam.cols = np.concatenate([fam.cols, slack_cols])
        fam.vals = np.concatenate([fam.vals, sign])
        penalty = BUDGET_PENALTY if fam.name == "budget" else big
        costs += [penalty] * fam.n_rows
        arrays.slack_family += [(fam.name, r) for r in range(fam.n_rows)]
    n = len(costs)
    c.cost = np.concatenate([c.cost, np.array(costs)])
    c.lower = np.concatenate([c.lower, np.zeros(n)])
    c.upper = np.concatenate([c.upper, np.full(n, INF)])
    c.integer = np.concatenate([c.integer, np.zeros(n, dtype=bool)])
    c.n_slack = n


def define(p: SiteProblem, *, fixed_open: FloatArray | None = None, elastic: bool = False) -> ModelArrays:
    """The model of ``p`` as arrays: the MILP, the fixed-sites LP (``fixed_open``) or the elastic MILP."""
    columns = variables(p, fixed_open)
    families = [f for f in (family(p, columns) for family in FAMILIES) if f is not None]
    arrays = ModelArrays(p, columns, families, fixed_open=fixed_open is not None)
    if elastic:
        _add_slacks(arrays)
    return arrays


def structure_key(arrays: ModelArrays) -> tuple[object, ...]:
    """What must be equal for one model to be updated in place to another (same rows and columns)."""
    c = arrays.columns
    return (len(c), c.ks.tobytes(), c.is_.tobytes(), c.js.tobytes(), c.integer.tobytes(),
            tuple((f.name, f.n_rows, f.rows.tobytes(), f.cols.tobytes()) for f in arrays.families))


@dataclass
class Solution:
    """A solved model: the outcome, every column's value and (for an LP) every row's dual, unscaled.

    ``x`` is None when the solver found no solution; ``duals`` is None for a MILP.
    """

    arrays: ModelArrays
    outcome: SolveOutcome
    x: FloatArray | None
    duals: FloatArray | None = None

    def open(self) -> FloatArray:
        c = self.arrays.columns
        return np.zeros(c.n_open) if self.x is None else self.x[:c.n_open]

    def alloc(self) -> FloatArray:
        """(K, I, J) IT load placed [MW]."""
        p, c = self.arrays.problem, self.arrays.columns
        out = np.zeros(p.shape)
        if self.x is not None:
            out[c.ks, c.is_, c.js] = self.x[c.alloc_cols]
        return out

    def subsidy(self) -> FloatArray:
        c = self.arrays.columns
        return np.zeros(c.n_sub) if self.x is None else self.x[c.sub_cols]

    def slack(self) -> FloatArray:
        c = self.arrays.columns
        start = c.n_model
        return np.zeros(c.n_slack) if self.x is None else self.x[start:start + c.n_slack]

    def green(self) -> FloatArray:
        """(G,) renewable energy of each green offer [MWh/yr] (empty without green options)."""
        c = self.arrays.columns
        if self.x is None:
            return np.zeros(c.n_green)
        return self.x[c.green_cols]

    def extra(self) -> FloatArray:
        """Values of a classic mode's own columns (``Columns.extra``: the makespan W of p-center)."""
        c = self.arrays.columns
        return np.zeros(c.n_extra) if self.x is None else self.x[c.extra_cols]

    def family_duals(self, name: str) -> tuple[Family, FloatArray] | None:
        """The family ``name`` and its rows' duals [yuan/yr per unit of the row], or None."""
        fam = self.arrays.family(name)
        if fam is None or self.duals is None:
            return None
        start = self.arrays.row_offsets()[name]
        return fam, self.duals[start:start + fam.n_rows]


# -- classic location modes: p-median, p-center, MCLP (module docstring, "Classic location") -------------

ClassicMode = Literal["p-median", "p-center", "mclp"]
CLASSIC_MODES: tuple[ClassicMode, ...] = get_args(ClassicMode)
MAKESPAN = "makespan"  # the name of p-center's W column in Columns.extra


def _demand_rows(p: SiteProblem, c: Columns) -> tuple[IntArray, IntArray]:
    """Row of each alloc column in a per-(k, i) family (the ``demand`` numbering), and the (k, i) keys."""
    mask = p.demand_mw > 0
    row_of = np.full(mask.shape, -1, dtype=np.int64)
    row_of[mask] = np.arange(int(mask.sum()))
    return row_of[c.ks, c.is_], np.argwhere(mask)


def max_distance(p: SiteProblem, c: Columns) -> Family | None:
    """``max-distance[k,i]``: sum_j d[i,j] alloc[k,i,j] - W <= 0 (p-center; d = unit_cost, W the makespan)."""
    if MAKESPAN not in c.extra:
        return None
    w_col = int(c.extra_cols[c.extra.index(MAKESPAN)])
    rows, keys = _demand_rows(p, c)
    n = len(keys)
    return _family("max-distance", None, np.concatenate([rows, np.arange(n)]),
                   np.concatenate([c.alloc_cols, np.full(n, w_col)]),
                   np.concatenate([p.unit_cost[c.ks, c.is_, c.js], -np.ones(n)]), np.full(n, -INF), np.zeros(n),
                   keys, lambda key: f"max-distance[{p.classes[key[0]]},{p.centres[key[1]]}]")


def coverage(p: SiteProblem, c: Columns) -> Family | None:
    """``coverage[k,i]``: sum_j alloc[k,i,j] <= d[k,i] (MCLP), for the pairs with a site within the radius."""
    rows, keys = _demand_rows(p, c)
    reachable = np.unique(rows)
    if not len(reachable):
        return None
    renumber = np.full(len(keys), -1, dtype=np.int64)
    renumber[reachable] = np.arange(len(reachable))
    keys = keys[reachable]
    d = p.demand_mw[keys[:, 0], keys[:, 1]].astype(float)
    return _family("coverage", None, renumber[rows], c.alloc_cols, np.ones(c.n_alloc), np.full(len(d), -INF), d,
                   keys, lambda key: f"coverage[{p.classes[key[0]]},{p.centres[key[1]]}]", scale=1.0 / d)


#: What each classic mode adds to :data:`FAMILIES` (MCLP's ``coverage`` replaces ``demand``).
CLASSIC_FAMILIES: dict[ClassicMode, tuple[Callable[[SiteProblem, Columns], Family | None], ...]] = {
    "p-median": (), "p-center": (max_distance,), "mclp": (coverage,),
}


def classic_variables(p: SiteProblem, mode: ClassicMode) -> Columns:
    """:func:`variables` with the mode's objective: p-median as is; p-center binary alloc at cost 0 and the
    makespan column W at cost 1; MCLP alloc at cost -1 (maximise the weight covered)."""
    c = variables(p)
    if mode == "p-center":
        if not np.all(p.demand_mw[p.demand_mw > 0] == 1.0):
            raise ValueError("p-center needs unit demand (d[k,i] = 1), so that alloc is the 0/1 assignment")
        c.cost[c.alloc_cols] = 0.0
        c.integer[c.alloc_cols] = True
        c.extra = [MAKESPAN]
        c.cost = np.append(c.cost, 1.0)
        c.lower = np.append(c.lower, 0.0)
        c.upper = np.append(c.upper, INF)
        c.integer = np.append(c.integer, False)
    elif mode == "mclp":
        c.cost[c.alloc_cols] = -1.0
    return c


def define_classic(p: SiteProblem, mode: ClassicMode) -> ModelArrays:
    """The model of ``p`` in a classic location mode (module docstring): :data:`FAMILIES` then the mode's own."""
    if mode not in CLASSIC_MODES:
        raise ValueError(f"mode = {mode!r} is not one of {', '.join(CLASSIC_MODES)}")
    columns = classic_variables(p, mode)
    shared = tuple(f for f in FAMILIES if not (mode == "mclp" and f is demand))
    families = [f for f in (family(p, columns) for family in shared + CLASSIC_FAMILIES[mode]) if f is not None]
    return ModelArrays(p, columns, families)


# -- periods: multi-period planning on the same families (siting.optimization.staging) ---------------------------
#
# Time is one more index of the model, as PyPSA's investment periods are: each period t with load is the model of
# its own year (a SiteProblem with that year's demand, grid capacity and campus minimum), its columns and every
# family of FAMILIES stacked with an offset, so that every rule of the request holds in every year.  What is
# specific to time is added once:
#
#   build[j,t] >= 0          MW built at j in year t (a whole number of blocks when a block is given: the column
#                            counts blocks of ``build_block_mw``)
#   credit[n,t] >= 0         a credit over time (a subsidy of a staged plan) [yuan]
#
#   stay-open[j,t]:      open[j,t-1] - open[j,t] <= 0                             (a site once opened stays open)
#   built[j,t]:          sum_{k,i} alloc[k,i,j,t] - sum_{tau <= t-l} build[j,tau] <= 0   (capacity built stays
#                        built; l = the lead time, years of construction)
#   build-open[j,t]:     build[j,t] - M[j] open[j,t] <= 0                         (build only at an open site)
#   credit-base[n,t]:    credit[n,t] - rate[n] base[n,t] <= 0    (capital spent at j(n), or its energy cost)
#   credit-window[n,t]:  credit[n,t] - big[n] (open[j,t] - open[j,t-D]) <= 0   (within D years of the opening)
#   credit-cap[n]:       sum_t credit[n,t] <= U[n]
#
# and the objective is the present value of the plan:
#
#   min  sum_t w_cap[t] C[j] build[j,t] + sum_t w_op[t] (f[j] open[j,t] + sum o[k,i,j] alloc[k,i,j,t]
#        + green net cost - sum_n credit[n,t] - lump sums at the opening)
#
# with o the yearly operating cost of 1 MW (the static unit cost less its annualised capital), w_cap and w_op the
# discount weights of capital (start of the year) and operating flows (end of the year).  Each period's own
# subsidy columns keep their static meaning (the budget row counts them) and cost nothing in this objective.

@dataclass(frozen=True)
class PeriodCredit:
    """A credit over time at site ``j``: ``rate`` x the capital spent there (``capex``) or x its energy cost
    (``energy``, ``energy_yuan_per_mw`` (K,) the energy cost of 1 MW of class k [yuan/(MW*yr)]) for ``duration``
    years from the opening (None: to the end), at most ``cap`` [yuan] in all; or ``amount`` [yuan] in the opening
    year (``lump``)."""

    label: str
    j: int
    base: Literal["capex", "energy", "lump"]
    rate: float = 0.0
    amount: float = 0.0
    cap: float | None = None
    duration: int | None = None
    energy_yuan_per_mw: FloatArray | None = None


@dataclass
class PeriodInputs:
    """What a multi-period model is made of (module section "periods").

    ``problems[t]`` is the model of year ``years[t]`` (None: no load that year; sites may open and build);
    ``operating_cost[t]`` (K, I, J) the objective coefficient of its alloc [yuan/(MW*yr)];
    ``capital_yuan_per_mw`` (J,) the up-front capital of 1 MW; ``capital_weight`` and ``operating_weight`` (T,)
    the present value of a yuan spent at the start and at the end of year t [1]; ``build_limit_mw`` (J,) the most
    built at j in one year [MW].
    """

    base: SiteProblem
    years: list[int]
    problems: list[SiteProblem | None]
    operating_cost: list[FloatArray | None]
    capital_yuan_per_mw: FloatArray
    capital_weight: FloatArray
    operating_weight: FloatArray
    build_limit_mw: FloatArray
    build_block_mw: float = 0.0
    lead_time_years: int = 0
    credits: list[PeriodCredit] = field(default_factory=list)


@dataclass
class Period:
    """One period of a multi-period model: its year, problem and columns (None without load), first column."""

    year: int
    problem: SiteProblem | None
    columns: Columns | None
    offset: int

    def open_cols(self, n_sites: int) -> IntArray:
        return self.offset + np.arange(n_sites, dtype=np.int64)

    def alloc(self, x: FloatArray) -> FloatArray:
        """(K, I, J) IT load placed in this period [MW] (zeros without load)."""
        if self.problem is None or self.columns is None:
            return np.zeros(0)
        c, out = self.columns, np.zeros(self.problem.shape)
        out[c.ks, c.is_, c.js] = x[self.offset + c.alloc_cols]
        return out

    def green(self, x: FloatArray) -> FloatArray:
        """(G,) green energy bought in this period [MWh/yr]."""
        if self.columns is None:
            return np.zeros(0)
        return np.asarray(x[self.offset + self.columns.green_cols], dtype=float)


@dataclass
class PeriodArrays(ModelArrays):
    """A multi-period model: the stacked columns and families, and where each period's columns are.

    ``columns`` holds the cost, bounds and integrality of every column (its alloc index arrays are empty: each
    period has its own, ``periods[t].columns``); ``build_cols`` (J, T), ``credit_cols`` (N, T; -1 for a lump
    sum); ``col_scale`` the scale the HiGHS emitter gives each column; ``names`` the PuLP names.
    """

    inputs: PeriodInputs | None = None
    periods: list[Period] = field(default_factory=list)
    build_cols: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    credit_cols: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    col_scale: FloatArray = field(default_factory=lambda: np.zeros(0))
    names: list[str] = field(default_factory=list)

    @property
    def build_unit_mw(self) -> float:
        assert self.inputs is not None
        return self.inputs.build_block_mw if self.inputs.build_block_mw > 0 else 1.0

    def open(self, x: FloatArray) -> FloatArray:
        """(J, T) open[j,t] of a solution vector."""
        J = len(self.problem.sites)
        return np.stack([x[p.open_cols(J)] for p in self.periods], axis=1)

    def build_mw(self, x: FloatArray) -> FloatArray:
        """(J, T) MW built at j in year t."""
        return np.asarray(x[self.build_cols], dtype=float) * self.build_unit_mw

    def credits(self, x: FloatArray) -> FloatArray:
        """(N, T) credits of each term by year [yuan] (lump sums from the openings)."""
        assert self.inputs is not None
        opened = self.open(x)
        out = np.zeros(self.credit_cols.shape)
        for n, term in enumerate(self.inputs.credits):
            if term.base == "lump":
                out[n] = term.amount * np.diff(opened[term.j], prepend=0.0)
            else:
                out[n] = x[self.credit_cols[n]]
        return out


def _in_period(fam: Family, offset: int, year: int) -> Family:
    """A period's family in the stacked model: its columns offset, its rows labelled with the year."""
    label = fam.label
    return Family(fam.name, fam.field, fam.rows, fam.cols + offset, fam.vals, fam.lower, fam.upper, fam.keys,
                  lambda key: f"{label(key)}@{year}", fam.scale)


def _rows_family(name: str, rows: list[tuple[list[int], list[float], float, float]], keys: Sequence[tuple[int, ...]],
                 label: Callable[[IntArray], str]) -> Family | None:
    """A family from its rows, each (columns, values, lower, upper)."""
    if not rows:
        return None
    r = np.concatenate([np.full(len(cols), n, dtype=np.int64) for n, (cols, _, _, _) in enumerate(rows)])
    cols = np.concatenate([np.asarray(c, dtype=np.int64) for c, _, _, _ in rows])
    vals = np.concatenate([np.asarray(v, dtype=float) for _, v, _, _ in rows])
    return _family(name, None, r, cols, vals, np.array([lo for *_, lo, _ in rows]),
                   np.array([hi for *_, hi in rows]), np.array(keys), label)


def _period_columns(inputs: PeriodInputs) -> tuple[list[Period], list[Family], list[FloatArray], list[FloatArray],
                                                   list[FloatArray], list[BoolArray], list[FloatArray], list[str]]:
    """Every period's columns (its own model, objective replaced) and families, stacked in period order."""
    base, w_op = inputs.base, inputs.operating_weight
    J = len(base.sites)
    locked, excluded = base.is_locked(), base.is_excluded()
    periods: list[Period] = []
    families: list[Family] = []
    cost: list[FloatArray] = []
    lower: list[FloatArray] = []
    upper: list[FloatArray] = []
    integer: list[BoolArray] = []
    scale: list[FloatArray] = []
    names: list[str] = []
    n = 0
    for t, (year, p) in enumerate(zip(inputs.years, inputs.problems, strict=True)):
        names += [f"open_{s}_{year}" for s in base.sites]
        if p is None:
            periods.append(Period(year, None, None, n))
            cost.append(w_op[t] * base.fixed_cost.astype(float))
            lower.append(np.zeros(J))
            upper.append(np.where(excluded & ~locked, 0.0, 1.0))
            integer.append(np.ones(J, dtype=bool))
            scale.append(np.ones(J))
            n += J
            continue
        c = variables(p)
        families += [_in_period(f, n, year) for f in (family(p, c) for family in FAMILIES) if f is not None]
        opex = inputs.operating_cost[t]
        assert opex is not None
        obj = np.zeros(len(c))
        obj[:J] = w_op[t] * p.fixed_cost
        obj[c.alloc_cols] = w_op[t] * opex[c.ks, c.is_, c.js]
        obj[c.green_cols] = w_op[t] * p.green_net_cost_yuan_per_mwh()  # the period's subsidy columns: 0
        col_scale = np.ones(len(c))
        col_scale[c.alloc_cols] = p.demand_mw[c.ks, c.is_]
        periods.append(Period(year, p, c, n))
        cost.append(obj)
        lower.append(c.lower)
        upper.append(c.upper)
        integer.append(c.integer)
        scale.append(col_scale)
        names += [f"alloc_{k}_{i}_{j}_{year}" for k, i, j in zip(c.ks.tolist(), c.is_.tolist(), c.js.tolist(),
                                                                  strict=True)]
        names += [f"subsidy_{s}_{year}" for s in range(c.n_sub)] + [f"green_{o}_{year}" for o in range(c.n_green)]
        n += len(c)
    return periods, families, cost, lower, upper, integer, scale, names


def define_periods(inputs: PeriodInputs) -> PeriodArrays:
    """The multi-period model (module section "periods"): each period's own model, then what is specific to time."""
    base = inputs.base
    J, T = len(base.sites), len(inputs.years)
    periods, families, cost, lower, upper, integer, scale, names = _period_columns(inputs)
    n = sum(len(c) for c in cost)
    unit = inputs.build_block_mw if inputs.build_block_mw > 0 else 1.0
    build_cols = n + np.arange(J * T, dtype=np.int64).reshape(J, T)
    cap_w, op_w, C = inputs.capital_weight, inputs.operating_weight, inputs.capital_yuan_per_mw
    cost.append((cap_w[None, :] * C[:, None] * unit).ravel())
    lower.append(np.zeros(J * T))
    upper.append(np.full(J * T, INF))
    integer.append(np.full(J * T, inputs.build_block_mw > 0))
    scale.append(np.ones(J * T))
    names += [f"build_{s}_{y}" for s in base.sites for y in inputs.years]
    n += J * T
    open_cols = np.stack([p.open_cols(J) for p in periods], axis=1)  # (J, T)
    credit_cols = np.full((len(inputs.credits), T), -1, dtype=np.int64)
    for m, term in enumerate(inputs.credits):
        if term.base == "lump":  # amount x (open[j,t] - open[j,t-1]), at the end of year t
            lump = np.zeros(n)
            lump[open_cols[term.j]] -= op_w * term.amount
            lump[open_cols[term.j, :-1]] += op_w[1:] * term.amount
            _add_to(cost, lump)
            continue
        credit_cols[m] = n + np.arange(T)
        cost.append(-op_w.astype(float))
        lower.append(np.zeros(T))
        hi = np.full(T, INF)
        if term.base == "energy":
            hi[[t for t, p in enumerate(periods) if p.problem is None]] = 0.0  # no load, no energy cost
        upper.append(hi)
        integer.append(np.zeros(T, dtype=bool))
        scale.append(np.ones(T))
        names += [f"credit_{m}_{y}" for y in inputs.years]
        n += T
    arrays = PeriodArrays(
        base, Columns(cost=np.concatenate(cost), lower=np.concatenate(lower), upper=np.concatenate(upper),
                      integer=np.concatenate(integer), ks=np.zeros(0, dtype=np.int64), is_=np.zeros(0, dtype=np.int64),
                      js=np.zeros(0, dtype=np.int64), n_open=0, n_sub=0),
        families, inputs=inputs, periods=periods, build_cols=build_cols, credit_cols=credit_cols,
        col_scale=np.concatenate(scale), names=names)
    arrays.families += [f for f in (family(arrays) for family in PERIOD_FAMILIES) if f is not None]
    return arrays


def _add_to(cost: list[FloatArray], delta: FloatArray) -> None:
    """Add ``delta`` (one value per column so far) to the column blocks of ``cost``, in place."""
    start = 0
    for b, block in enumerate(cost):
        cost[b] = block + delta[start:start + len(block)]
        start += len(block)


def stay_open(a: PeriodArrays) -> Family | None:
    """``stay-open[j,t]``: open[j,t-1] - open[j,t] <= 0 (a site once opened stays open)."""
    J, periods = len(a.problem.sites), a.periods
    rows = [([int(periods[t - 1].offset + j), int(periods[t].offset + j)], [1.0, -1.0], -INF, 0.0)
            for t in range(1, len(periods)) for j in range(J)]
    keys = [(j, t) for t in range(1, len(periods)) for j in range(J)]
    return _rows_family("stay-open", rows, keys,
                        lambda key: f"stay-open[{a.problem.sites[key[0]]}]@{periods[key[1]].year}")


def built(a: PeriodArrays) -> Family | None:
    """``built[j,t]``: the load served at j in year t is at most what was built there ``lead_time_years`` before."""
    assert a.inputs is not None
    lead, unit = a.inputs.lead_time_years, a.build_unit_mw
    rows, keys = [], []
    for t, period in enumerate(a.periods):
        c = period.columns
        if c is None:
            continue
        for j in range(len(a.problem.sites)):
            sel = c.alloc_at(j)
            if not len(sel):
                continue
            done = a.build_cols[j, :max(0, t + 1 - lead)]
            rows.append(((period.offset + c.alloc_cols[sel]).tolist() + done.tolist(),
                         [1.0] * len(sel) + [-unit] * len(done), -INF, 0.0))
            keys.append((j, t))
    return _rows_family("built", rows, keys,
                        lambda key: f"built[{a.problem.sites[key[0]]}]@{a.periods[key[1]].year}")


def build_open(a: PeriodArrays) -> Family | None:
    """``build-open[j,t]``: build[j,t] - M[j] open[j,t] <= 0 (a site builds only while it is open)."""
    assert a.inputs is not None
    J, unit, limit = len(a.problem.sites), a.build_unit_mw, a.inputs.build_limit_mw
    rows = [([int(a.build_cols[j, t]), int(p.offset + j)], [unit, -float(limit[j])], -INF, 0.0)
            for t, p in enumerate(a.periods) for j in range(J)]
    keys = [(j, t) for t in range(len(a.periods)) for j in range(J)]
    return _rows_family("build-open", rows, keys,
                        lambda key: f"build-open[{a.problem.sites[key[0]]}]@{a.periods[key[1]].year}")


def _credit_terms(a: PeriodArrays) -> list[tuple[int, PeriodCredit]]:
    assert a.inputs is not None
    return [(n, term) for n, term in enumerate(a.inputs.credits) if term.base != "lump"]


def credit_base(a: PeriodArrays) -> Family | None:
    """``credit-base[n,t]``: credit[n,t] <= rate x (capital spent at j(n) in year t, or its energy cost)."""
    assert a.inputs is not None
    C, unit = a.inputs.capital_yuan_per_mw, a.build_unit_mw
    rows, keys = [], []
    for n, term in _credit_terms(a):
        for t, period in enumerate(a.periods):
            cols, vals = [int(a.credit_cols[n, t])], [1.0]
            if term.base == "capex":
                cols.append(int(a.build_cols[term.j, t]))
                vals.append(-term.rate * float(C[term.j]) * unit)
            elif period.columns is not None and term.energy_yuan_per_mw is not None:
                c = period.columns
                sel = c.alloc_at(term.j)
                cols += (period.offset + c.alloc_cols[sel]).tolist()
                vals += (-term.rate * term.energy_yuan_per_mw[c.ks[sel]]).tolist()
            rows.append((cols, vals, -INF, 0.0))
            keys.append((n, t))
    return _rows_family("credit-base", rows, keys,
                        lambda key: f"credit-base[{a.inputs.credits[key[0]].label}]@{a.periods[key[1]].year}"
                        if a.inputs else "credit-base")


def credit_window(a: PeriodArrays) -> Family | None:
    """``credit-window[n,t]``: credit[n,t] - big (open[j,t] - open[j,t-D]) <= 0: within D years of the opening
    (the openings z[j,t0] = open[j,t0] - open[j,t0-1] summed over (t-D, t] telescope to that difference)."""
    assert a.inputs is not None
    C, limit = a.inputs.capital_yuan_per_mw, a.inputs.build_limit_mw
    rows, keys = [], []
    for n, term in _credit_terms(a):
        if term.duration is None:
            continue
        energy = term.energy_yuan_per_mw if term.energy_yuan_per_mw is not None else np.zeros(1)
        per_mw = float(C[term.j]) if term.base == "capex" else float(np.max(energy, initial=0.0))
        big = term.rate * per_mw * float(limit[term.j])
        for t, period in enumerate(a.periods):
            cols, vals = [int(a.credit_cols[n, t]), int(period.offset + term.j)], [1.0, -big]
            first = t - term.duration + 1
            if first >= 1:
                cols.append(int(a.periods[first - 1].offset + term.j))
                vals.append(big)
            rows.append((cols, vals, -INF, 0.0))
            keys.append((n, t))
    return _rows_family("credit-window", rows, keys,
                        lambda key: f"credit-window[{a.inputs.credits[key[0]].label}]@{a.periods[key[1]].year}"
                        if a.inputs else "credit-window")


def credit_cap(a: PeriodArrays) -> Family | None:
    """``credit-cap[n]``: sum_t credit[n,t] <= U[n] [yuan]."""
    assert a.inputs is not None
    rows, keys = [], []
    for n, term in _credit_terms(a):
        if term.cap is not None:
            rows.append((a.credit_cols[n].tolist(), [1.0] * len(a.periods), -INF, float(term.cap)))
            keys.append((n,))
    return _rows_family("credit-cap", rows, keys,
                        lambda key: f"credit-cap[{a.inputs.credits[key[0]].label}]" if a.inputs else "credit-cap")


#: What a multi-period model adds to each period's :data:`FAMILIES`, in order.
PERIOD_FAMILIES: tuple[Callable[[PeriodArrays], Family | None], ...] = (
    stay_open, built, build_open, credit_base, credit_window, credit_cap,
)
