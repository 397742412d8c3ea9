r"""Classic location models for any instance: p-median, p-center and MCLP, as modes of the one model.

A problem is built from a cost (distance) matrix, as in spopt (``spopt.locate``)::

    PMedian.from_cost_matrix(cost, weights, p)
    PCenter.from_cost_matrix(cost, p)
    MCLP.from_cost_matrix(cost, weights, service_radius, p)

and solved with ``.solve()``, which returns a :class:`ClassicResult`: the facilities opened, each client's
facility and the objective **of that plan** (computed from the plan, not the solver's bound).

Sets and data: clients ``i`` (rows of ``cost``), candidate facilities ``j`` (columns), ``d[i,j]`` the cost or
distance of serving i from j [any unit], ``w[i]`` client weights [any unit, e.g. population or MW], ``p``
facilities to open, ``R`` the covering radius [unit of d].

- p-median (ReVelle & Swain 1970): min sum_i w[i] d[i, a(i)], a(i) the open facility serving i.
- p-center (Hakimi 1965): min max_i d[i, a(i)] (unweighted, as spopt's ``PCenter``).
- MCLP (Church & ReVelle 1974): max sum of w[i] over clients with an open facility within R.

Each opens exactly ``p`` facilities (``locked`` ones among them).  There is no separate formulation here: a
problem becomes a :class:`~siting.optimization.problem.SiteProblem` (one class, clients as demand centres,
facilities as sites, ``unit_cost = d``, no fixed cost, capacities that never bind, ``min_sites = max_sites
= p``) and :func:`siting.optimization.model.define_classic` writes the model of that mode -- the site-selection
model's columns (open, alloc) and families (demand, link, site-count) plus what the mode adds (p-center: the
makespan column W, binary assignments and ``max-distance[i]`` rows; MCLP: ``coverage[i]`` rows).  The HiGHS
emitter (``backend="direct"``) or the PuLP emitter (``backend="pulp"``, HiGHS or CBC) solves it.

Each client is reported as served by its nearest open facility (lowest index on ties), which is what every
objective above assumes; ``ClassicResult.objective`` is that plan's value.  Verified against OR-Library
pmed1-5 (Beasley 1985; both published optima) and spopt (``tests/test_classic.py``).

References: ReVelle C.S., Swain R.W. (1970) Central facilities location, Geographical Analysis 2(1) 30-42;
Hakimi S.L. (1965) Operations Research 13(3) 462-475; Church R., ReVelle C. (1974) The maximal covering
location problem, Papers of the Regional Science Association 32, 101-118; Beasley J.E. (1985) A note on
solving large p-median problems, EJOR 21, 270-273.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from siting.errors import RequestError
from siting.optimization.emit_pulp import PulpModel, to_pulp
from siting.optimization.facility_location import Backend, solve_arrays
from siting.optimization.model import ClassicMode, ModelArrays, Solution, define, define_classic
from siting.optimization.problem import SiteProblem
from siting.optimization.solve import SolveOutcome, SolverName

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ArrayLike = npt.ArrayLike


@dataclass(frozen=True)
class ClassicResult:
    """A solved classic problem.

    ``facilities``: the ids opened (in column order); ``assignment``: client id -> the id of its nearest open
    facility; ``objective``: the plan's value (p-median: sum of w d, p-center: the largest d, MCLP: the weight
    covered), NaN when the solver found no plan; ``outcome``: status, the solver's own objective (MCLP: minus
    the weight covered), time and relative MIP gap.
    """

    model: ClassicMode
    outcome: SolveOutcome
    facilities: list[str]
    assignment: dict[str, str]
    objective: float
    open_index: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (p,) columns opened

    @property
    def status(self) -> str:
        """``optimal``, ``time_limit`` (a plan, with ``gap``), ``no_solution``, ``infeasible`` or ``error``."""
        return self.outcome.status

    @property
    def gap(self) -> float | None:
        """Relative MIP gap the solver reported (None: no plan, or an LP)."""
        return self.outcome.mip_gap


def _ids(names: Sequence[str] | None, n: int, prefix: str, fieldname: str) -> list[str]:
    if names is None:
        return [f"{prefix}{k + 1}" for k in range(n)]
    out = [str(s) for s in names]
    if len(out) != n:
        raise RequestError(f"{fieldname} has {len(out)} names; the cost matrix has {n}", field=fieldname)
    if len(set(out)) != n:
        dup = next(s for s in out if out.count(s) > 1)
        raise RequestError(f"{fieldname} repeats {dup!r}; names must be unique", field=fieldname)
    return out


def _nonnegative(values: FloatArray, fieldname: str) -> None:
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        at = tuple(int(v) for v in np.argwhere(bad)[0])
        where = ", ".join(map(str, at))
        raise RequestError.out_of_range(f"{fieldname}[{where}]", float(values[at]), "finite and >= 0")


def _cost_matrix(cost: ArrayLike) -> FloatArray:
    try:
        d = np.asarray(cost, dtype=float)
    except (TypeError, ValueError):
        raise RequestError("cost is not a numeric matrix (clients x facilities)", field="cost") from None
    if d.ndim != 2 or 0 in d.shape:
        raise RequestError(f"cost has shape {d.shape}: must be a non-empty 2-D matrix (clients x facilities)",
                           field="cost")
    _nonnegative(d, "cost")
    return d


def _weights(weights: ArrayLike, n_clients: int) -> FloatArray:
    try:
        w = np.asarray(weights, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise RequestError("weights is not a numeric vector (one per client)", field="weights") from None
    if len(w) != n_clients:
        raise RequestError(f"weights has {len(w)} values; the cost matrix has {n_clients} rows (clients)",
                           field="weights")
    _nonnegative(w, "weights")
    if not w.sum() > 0:
        raise RequestError("weights are all 0: at least one client must have a positive weight", field="weights")
    return w


def read_orlib_pmed(path: str | Path) -> tuple[FloatArray, int]:
    """(distance matrix (n, n), p) of an OR-Library pmed file (Beasley 1985).

    Format: ``n_vertices n_edges p`` then one undirected edge ``i j cost`` per line (vertices from 1); where
    an edge appears twice the last one counts (Beasley's rule).  Distances are shortest paths over the graph
    (Floyd-Warshall); every vertex is both a client and a candidate facility.
    """
    tokens = Path(path).read_text().split()
    n, m, p = int(tokens[0]), int(tokens[1]), int(tokens[2])
    edges = np.array(tokens[3:3 + 3 * m], dtype=float).reshape(m, 3)
    d = np.full((n, n), np.inf)
    np.fill_diagonal(d, 0.0)
    for a, b, length in edges:  # in file order, so the last of a repeated edge (either direction) wins
        d[int(a) - 1, int(b) - 1] = d[int(b) - 1, int(a) - 1] = length
    np.fill_diagonal(d, 0.0)
    for k in range(n):
        d = np.minimum(d, d[:, k, None] + d[None, k, :])
    return d, p


@dataclass(frozen=True, kw_only=True)
class ClassicProblem:
    """What the three models share: ``cost`` (I, J), ``weights`` (I,), ``p``, ids and locked facilities.

    Build one with the subclass's ``from_cost_matrix``, which checks the input; the fields are the checked
    arrays.
    """

    mode: ClassVar[ClassicMode]
    cost: FloatArray
    weights: FloatArray
    p: int
    clients: list[str]
    facilities: list[str]
    locked: tuple[str, ...] = ()

    @staticmethod
    def _checked(cost: ArrayLike, weights: ArrayLike | None, p: int, clients: Sequence[str] | None,
                 facilities: Sequence[str] | None, locked: Sequence[str]
                 ) -> dict[str, object]:
        d = _cost_matrix(cost)
        n_i, n_j = d.shape
        w = np.ones(n_i) if weights is None else _weights(weights, n_i)
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or not 1 <= p <= n_j:
            raise RequestError.out_of_range("p", p, f"an integer from 1 to the number of facilities ({n_j})")
        fac = _ids(facilities, n_j, "f", "facilities")
        unknown = [s for s in locked if s not in fac]
        if unknown:
            raise RequestError(f"locked facility {unknown[0]!r} is not one of the facilities", field="locked")
        if len(set(locked)) > p:
            raise RequestError.out_of_range("locked", list(locked), f"at most p = {p} facilities")
        return {"cost": d, "weights": w, "p": int(p), "clients": _ids(clients, n_i, "c", "clients"),
                "facilities": fac, "locked": tuple(dict.fromkeys(locked))}

    # -- the mode's data on the one model -------------------------------------------------------------
    def _allowed(self) -> npt.NDArray[np.bool_]:
        return np.ones(self.cost.shape, dtype=bool)

    def to_site_problem(self) -> SiteProblem:
        """The problem as the site-selection model sees it (module docstring)."""
        n_i, n_j = self.cost.shape
        demand = self.weights.astype(float)  # p-center: all 1, so that alloc is the 0/1 assignment
        total = float(demand.sum())
        return SiteProblem(
            sites=list(self.facilities), centres=list(self.clients), classes=["all"],
            demand_mw=demand[None, :], unit_cost=self.cost[None, :, :].astype(float),
            allowed=self._allowed()[None, :, :], fixed_cost=np.zeros(n_j), capacity_mw=np.full(n_j, total),
            min_sites=self.p, max_sites=self.p, strong_linking=True,
            locked=np.isin(self.facilities, self.locked) if self.locked else None,
        )

    def define(self) -> ModelArrays:
        """The model as arrays (:func:`siting.optimization.model.define_classic`)."""
        return define_classic(self.to_site_problem(), self.mode)

    def to_pulp(self) -> PulpModel:
        """The model as a ``pulp.LpProblem`` (``.prob``), e.g. to add constraints or write an MPS file."""
        return to_pulp(self.define(), self.mode.replace("-", "_"))

    # -- a plan and its value -------------------------------------------------------------------------
    def nearest(self, open_index: IntArray) -> IntArray:
        """(I,) column of each client's nearest open facility (lowest index on ties)."""
        cols = np.sort(np.asarray(open_index, dtype=np.int64))
        return np.asarray(cols[np.argmin(self.cost[:, cols], axis=1)], dtype=np.int64)

    def value(self, open_index: IntArray) -> float:
        """The objective of the plan that opens ``open_index`` and serves every client from its nearest."""
        raise NotImplementedError

    def solve(self, solver: SolverName = "highs", *, backend: Backend = "direct",
              time_limit_s: float | None = None, mip_gap: float | None = 1e-9) -> ClassicResult:
        """Solve exactly (relative gap 1e-9 by default); never raises on a time limit or a solver failure."""
        return self._result(solve_arrays(self.define(), solver, backend, time_limit_s=time_limit_s, mip_gap=mip_gap))

    def _result(self, solution: Solution) -> ClassicResult:
        if solution.x is None:
            return ClassicResult(self.mode, solution.outcome, [], {}, float("nan"))
        opened = np.nonzero(solution.open() > 0.5)[0].astype(np.int64)
        served = self.nearest(opened)
        return ClassicResult(self.mode, solution.outcome, [self.facilities[j] for j in opened],
                             {c: self.facilities[j] for c, j in zip(self.clients, served, strict=True)},
                             self.value(opened), opened)


@dataclass(frozen=True, kw_only=True)
class PMedian(ClassicProblem):
    """p-median: open p facilities minimising the weighted sum of client-facility costs."""

    mode: ClassVar[ClassicMode] = "p-median"

    @classmethod
    def from_cost_matrix(cls, cost: ArrayLike, weights: ArrayLike, p: int, *, clients: Sequence[str] | None = None,
                         facilities: Sequence[str] | None = None, locked: Sequence[str] = ()) -> PMedian:
        """``cost`` (I, J) [unit of d], ``weights`` (I,) [unit of w], ``p`` facilities; ids default to c1.., f1..;
        ``locked``: facility ids that must be among the p (spopt's ``predefined_facilities_arr``)."""
        return cls(**cls._checked(cost, weights, p, clients, facilities, locked))  # type: ignore[arg-type]

    def value(self, open_index: IntArray) -> float:
        """sum_i w[i] d[i, nearest open] [unit of w * unit of d]."""
        return float((self.weights * self.cost[np.arange(len(self.clients)), self.nearest(open_index)]).sum())


@dataclass(frozen=True, kw_only=True)
class PCenter(ClassicProblem):
    """p-center: open p facilities minimising the largest client-facility cost (unweighted)."""

    mode: ClassVar[ClassicMode] = "p-center"

    @classmethod
    def from_cost_matrix(cls, cost: ArrayLike, p: int, *, clients: Sequence[str] | None = None,
                         facilities: Sequence[str] | None = None, locked: Sequence[str] = ()) -> PCenter:
        """``cost`` (I, J) [unit of d], ``p`` facilities (every client counts once, as in spopt)."""
        return cls(**cls._checked(cost, None, p, clients, facilities, locked))  # type: ignore[arg-type]

    def value(self, open_index: IntArray) -> float:
        """max_i d[i, nearest open] [unit of d]."""
        return float(self.cost[np.arange(len(self.clients)), self.nearest(open_index)].max())

    @functools.cached_property
    def known_plan(self) -> IntArray:
        """The columns of a good plan (:func:`pcenter_heuristic`), the upper bound the solve starts from."""
        return pcenter_heuristic(self.cost, self.p, np.nonzero(np.isin(self.facilities, self.locked))[0])

    def _allowed(self) -> npt.NDArray[np.bool_]:
        """Only pairs within the radius of the known plan: the optimum's radius W* is no larger, and every pair
        of an optimal assignment is within W*, so the reduction loses no optimum (on OR-Library pmed1-5 it
        removes 60-90 % of the binary assignment columns)."""
        return np.asarray(self.cost <= self.value(self.known_plan), dtype=bool)

    def cover_needs_more_than_p(self, radius: float, solver: SolverName = "highs", backend: Backend = "direct",
                                time_limit_s: float | None = None) -> bool | None:
        """Whether p facilities are too few to put every client within ``radius`` [unit of d] of one.

        The location set covering problem (Toregas et al. 1971) on the same model (:func:`~siting.optimization
        .model.define`): a fixed cost of 1 per open facility, no assignment cost, alloc only within the radius;
        its optimum is the fewest facilities that cover every client.  None when the solver proved neither.
        """
        n_i, n_j = self.cost.shape
        cover = replace(self.to_site_problem(), unit_cost=np.zeros((1, n_i, n_j)), fixed_cost=np.ones(n_j),
                        allowed=(self.cost <= radius)[None, :, :], min_sites=0, max_sites=None)
        outcome = solve_arrays(define(cover), solver, backend, time_limit_s=time_limit_s, mip_gap=0.0).outcome
        if outcome.status == "infeasible":  # a client with no facility within the radius
            return True
        if outcome.status != "optimal" or outcome.objective is None:
            return None
        return outcome.objective > self.p + 0.5

    def solve(self, solver: SolverName = "highs", *, backend: Backend = "direct",
              time_limit_s: float | None = None, mip_gap: float | None = 1e-9) -> ClassicResult:
        """Solve exactly; first one covering decision (:meth:`cover_needs_more_than_p`) just below the known
        plan's radius R: if p facilities cannot cover every client within it, no plan beats R, and W's lower
        bound is set to R (the model then only has to find a plan of radius R: pmed1 in ~3 s of CPU instead of ~9 s).
        ``time_limit_s`` applies to each of the two solves."""
        arrays = self.define()
        radius = self.value(self.known_plan)
        shorter = self.cost[self.cost < radius]
        if len(shorter) and self.cover_needs_more_than_p(float(shorter.max()), solver, backend, time_limit_s):
            arrays.columns.lower[arrays.columns.extra_cols] = radius
        return self._result(solve_arrays(arrays, solver, backend, time_limit_s=time_limit_s, mip_gap=mip_gap))


def pcenter_heuristic(cost: FloatArray, p: int, locked: IntArray | None = None, max_passes: int = 100) -> IntArray:
    """A good p-center plan, fast: greedy (add the facility that most lowers the largest distance, after the
    ``locked`` ones), then swaps (replace one open facility by a closed one while the largest distance falls).

    ``cost`` (I, J) [unit of d]; returns the p columns opened, sorted.  A swap is taken when it lowers the largest
    distance, or keeps it and lowers the sum of distances (so that the search moves along plateaus).  No optimality
    claim: it is an upper bound for :class:`PCenter` (Mladenovic, Labbe & Hansen 2003 use the same moves, in a VNS).
    """
    chosen = [int(j) for j in (locked if locked is not None else [])]
    nearest = cost[:, chosen].min(axis=1) if chosen else np.full(cost.shape[0], np.inf)
    while len(chosen) < p:
        worst = np.minimum(nearest[:, None], cost).max(axis=0)
        worst[chosen] = np.inf
        j = int(np.argmin(worst))
        chosen.append(j)
        nearest = np.minimum(nearest, cost[:, j])
    fixed = len(locked) if locked is not None else 0  # locked facilities are never swapped out
    current = (float(nearest.max()), float(nearest.sum()))
    for _ in range(max_passes):
        improved = False
        for pos in range(fixed, p):
            others = chosen[:pos] + chosen[pos + 1:]
            without = cost[:, others].min(axis=1) if others else np.full(cost.shape[0], np.inf)
            served = np.minimum(without[:, None], cost)  # (I, J): distances if j replaces chosen[pos]
            worst, total = served.max(axis=0), served.sum(axis=0)
            worst[chosen] = np.inf
            # the largest distance first, the sum as the tie-break: moves along a plateau of the largest one
            j = int(np.lexsort((total, worst))[0])
            if (float(worst[j]), float(total[j])) < current:
                chosen[pos], current, improved = j, (float(worst[j]), float(total[j])), True
        if not improved:
            break
    return np.sort(np.asarray(chosen, dtype=np.int64))


@dataclass(frozen=True, kw_only=True)
class MCLP(ClassicProblem):
    """Maximal covering: open p facilities maximising the weight of clients within ``service_radius``."""

    mode: ClassVar[ClassicMode] = "mclp"
    service_radius: float

    @classmethod
    def from_cost_matrix(cls, cost: ArrayLike, weights: ArrayLike, service_radius: float, p: int, *,
                         clients: Sequence[str] | None = None, facilities: Sequence[str] | None = None,
                         locked: Sequence[str] = ()) -> MCLP:
        """``cost`` (I, J), ``weights`` (I,), ``service_radius`` [unit of d]: i is covered by j if d[i,j] <= R."""
        radius = float(service_radius)
        if not np.isfinite(radius) or radius < 0:
            raise RequestError.out_of_range("service_radius", service_radius, "finite and >= 0")
        return cls(service_radius=radius,
                   **cls._checked(cost, weights, p, clients, facilities, locked))  # type: ignore[arg-type]

    def _allowed(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.cost <= self.service_radius, dtype=bool)

    def value(self, open_index: IntArray) -> float:
        """sum of w[i] over the clients within R of an open facility [unit of w]."""
        near = self.cost[np.arange(len(self.clients)), self.nearest(open_index)]
        return float(self.weights[near <= self.service_radius].sum())


#: The classes by mode name, for callers that pick a model by name (``siting classic``).
MODELS: dict[ClassicMode, type[ClassicProblem]] = {"p-median": PMedian, "p-center": PCenter, "mclp": MCLP}
__all__ = ["MCLP", "MODELS", "ClassicProblem", "ClassicResult", "PCenter", "PMedian", "pcenter_heuristic",
           "read_orlib_pmed"]
