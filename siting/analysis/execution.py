"""Evaluating many parameter sets of one scenario: fast problem patching, one HiGHS model per chunk,
and three executors (serial, local process pool, Dask distributed).

Fast patching (:class:`ProblemPatcher`).  Building a :class:`~siting.optimization.problem.SiteProblem` from
the catalog costs ~6 ms (RTT matrix, demand weights, PUE from monthly climate, pandas look-ups).
A sample that changes only prices, costs, capacities, grid factors, planning defaults, the carbon
price or subsidy terms leaves RTT, demand and the allowed (class, centre, site) triples
untouched, so the patcher keeps the base problem and recomputes only what depends on the changed
values, with the engine's own cost functions:

- per site j: the :class:`~siting.models.costs.SiteInputs` (``siting.optimization.problem.site_inputs`` on the
  updated catalog row: effective price, PUE when dust days change, capex, ...);
- the request :class:`~siting.models.costs.Assumptions` (CRF(r, n), utilisation, staff, land, fixed cost,
  carbon price);
- components[c][k, j] = ``unit_costs_yuan_per_mw_year`` [yuan/(MW*yr)], unit_cost[k, i, j] =
  sum_c components[c][k, j], energy, emissions, PUE, price and capacity arrays, the PUE cap, and
  the subsidy terms (``siting.models.subsidies.subsidy_term``).

Any other path (coordinates, routing defaults, latency limits, load, classes, ...) falls back to
the reference path: apply the values to the catalog and request and call ``build_site_problem``.
``tests/test_montecarlo.py`` proves the patched problem equals the rebuilt one and that the
sample results equal :func:`siting.optimization.optimize` on the same sampled inputs.

Solving.  Samples are cut into fixed chunks of ``chunk_size`` consecutive indices (independent
of the number of workers); each chunk builds one :class:`~siting.optimization.emit_highs.DirectModel` and
updates it in place per sample (``DirectModel.update``), clearing the solver state before each
solve, so a sample's result depends only on its inputs, never on which worker ran it.  For these
small MILPs HiGHS's primal heuristics (feasibility jump, RINS, RENS) and presolve cost more than
branch-and-bound itself (~6 ms against ~1 ms per solve), so they are switched off
(``MIP_OPTIONS``); optimality and the MIP gap are unaffected.

Executors: ``workers=1`` runs in-process; otherwise a ``ProcessPoolExecutor`` (forkserver start
method, siting preloaded); ``scheduler="tcp://HOST:PORT"`` submits the same chunks to a Dask
distributed cluster (the scenario is scattered once to every worker; the workers need siting
installed).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from siting.analysis.scenarios import EFFECTIVE_PRICE, Scenario, price_parameter_at
from siting.data.catalog import Catalog, Subsidy
from siting.data.request import SiteRequest
from siting.errors import SitingError
from siting.models.costs import COST_COMPONENTS, Assumptions, SiteInputs, energy_cost_of_site_yuan_per_mw_year
from siting.models.tariffs import DAYS_PER_MONTH
from siting.optimization.backends import solve
from siting.optimization.emit_highs import DirectModel, HighsModel
from siting.optimization.model import define
from siting.optimization.problem import (
    SiteProblem,
    apply_site_inputs,
    build_site_problem,
    request_assumptions,
    site_inputs,
)
from siting.optimization.solve import SolveOutcome, SolverName

FloatArray = npt.NDArray[np.float64]

#: The fibre route factor: the patcher rescales the modelled RTTs (SiteProblem.with_route_factor).
ROUTE_FACTOR = "defaults.route_factor"
#: Site parameters the patcher recomputes without rebuilding the problem.
FAST_SITE_PARAMETERS = frozenset({
    "electricity_price_list_yuan_per_kwh", "electricity_price_package_yuan_per_kwh", EFFECTIVE_PRICE,
    "grid_emission_factor_t_per_mwh", "renewable_share_fraction", "bandwidth_price_yuan_per_gbps_month",
    "capex_yuan_per_mw", "land_price_yuan_per_m2", "wage_yuan_per_year", "water_price_yuan_per_m3",
    "available_capacity_mw", "dust_days_per_year", "demand_charge_yuan_per_kw_month",
})
#: Site parameters that do not enter the optimisation (context, validation targets).
INERT_SITE_PARAMETERS = frozenset({"elevation_m", "seismic_pga_g", "annual_mean_temp_c", "reported_pue",
                                   "hydro_installed_gw", "flood_protection_return_period_years"})
FAST_DEFAULTS = frozenset({"discount_rate_fraction", "horizon_years", "utilisation_fraction", "land_m2_per_mw",
                           "staff_per_mw", "fixed_site_cost_yuan_per_year"})
FAST_REQUEST_FIELDS = frozenset({"carbon_price_yuan_per_t", "discount_rate_fraction", "horizon_years",
                                 "utilisation_fraction"})
FAST_SUBSIDY_FIELDS = frozenset({"amount_yuan", "rate_fraction", "price_reduction_yuan_per_kwh", "cap_yuan",
                                 "duration_years"})

#: HiGHS options for repeated small solves (see the module docstring).
MIP_OPTIONS: dict[str, bool | float | str] = {
    "presolve": "off",
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_effort": 0.0,
    "mip_detect_symmetry": False,
}
DEFAULT_CHUNK_SIZE = 250
STATUS_CODES = {"optimal": 0, "time_limit": 1, "infeasible": 2, "error": 3, "no_solution": 4}
STATUS_NAMES = {v: k for k, v in STATUS_CODES.items()}


class ExecutionError(SitingError):
    """A sweep could not be run (scheduler unreachable, worker failure)."""

    code = "execution_failed"


class ProblemPatcher:
    """The scenario's base problem, and fast copies of it with numeric values changed by path."""

    def __init__(self, scenario: Scenario, catalog: Catalog | None = None) -> None:
        self.scenario = scenario
        self.user_catalog = catalog
        self.catalog = scenario.catalog_for(catalog)
        self.request = scenario.request
        self.base = build_site_problem(self.catalog, self.request)
        self.rows: dict[str, dict[str, Any]] = (
            self.catalog.sites.loc[self.base.sites].drop(columns="geometry").to_dict("index"))
        self.inputs = list(self.base.inputs)
        assert self.base.assumptions is not None
        self.assumptions = self.base.assumptions
        self.subsidies = {s.subsidy_id: s for s in self.catalog.subsidies}
        self.price_parameter = {s: price_parameter_at(self.catalog, self.request, s) for s in self.rows}
        # a hazard value is inert unless a class sets a limit on it (then a change rebuilds the problem)
        limited = {"seismic_pga_g": any(c.max_pga_g is not None for c in self.request.classes),
                   "flood_protection_return_period_years": any(
                       c.min_flood_return_period_years is not None for c in self.request.classes)}
        self.inert = frozenset(p for p in INERT_SITE_PARAMETERS if not limited.get(p, False))
        self._fast: dict[str, bool] = {}

    def is_fast(self, path: str) -> bool:
        fast = self._fast.get(path)
        if fast is None:
            fast = self._fast[path] = self._is_fast(path)
        return fast

    def _is_fast(self, path: str) -> bool:
        if path == ROUTE_FACTOR:
            return True
        parts = path.split(".")
        if parts[0] == "sites" and len(parts) == 3:
            return parts[2] in FAST_SITE_PARAMETERS or parts[2] in self.inert
        if parts[0] == "defaults" and len(parts) == 2:
            return parts[1] in FAST_DEFAULTS
        if parts[0] == "request" and len(parts) == 2:
            return parts[1] in FAST_REQUEST_FIELDS
        if parts[0] == "subsidies" and len(parts) == 3:
            return parts[1] in self.subsidies and parts[2] in FAST_SUBSIDY_FIELDS
        return False

    def problem(self, values: Mapping[str, float]) -> SiteProblem:
        """The base problem with ``values`` (concrete path -> value) applied."""
        if not values:
            return self.base
        if not all(self.is_fast(p) for p in values):
            req, cat = self.scenario.apply(values, self.user_catalog)
            return build_site_problem(cat, req)
        values = dict(values)
        route_factor = values.pop(ROUTE_FACTOR, None)
        if route_factor is not None:  # latency geometry: the RTTs scale, the costs do not
            patched = self.problem(values) if values else self.base
            return patched.with_route_factor(float(route_factor))
        rows: dict[str, dict[str, Any]] = {}
        defaults: dict[str, float] = {}
        req_update: dict[str, float] = {}
        subs: dict[str, Subsidy] = {}
        for path, v in values.items():
            parts = path.split(".")
            if parts[0] == "sites":
                site, param = parts[1], parts[2]
                if site not in self.rows or param in self.inert:
                    continue  # not a candidate, or no effect on the optimisation
                if param == EFFECTIVE_PRICE:
                    param = self.price_parameter[site]
                rows.setdefault(site, dict(self.rows[site]))[param] = float(v)
            elif parts[0] == "defaults":
                defaults[parts[1]] = float(v)
            elif parts[0] == "request":
                req_update[parts[1]] = float(v)
            else:
                sid = parts[1]
                subs[sid] = replace(subs.get(sid, self.subsidies[sid]), **{parts[2]: float(v)})  # type: ignore[arg-type]
        req = self.request.model_copy(update=req_update) if req_update else self.request
        a, cat = self.assumptions, self.catalog
        if defaults or req_update:
            cat = replace(self.catalog, defaults={**self.catalog.defaults, **defaults})
            a = request_assumptions(cat, req)
        # the utilisation is the load factor of every site's demand charge: then every site's price moves
        load_factor_moved = a.utilisation_fraction != self.assumptions.utilisation_fraction
        inputs = [self._inputs(j, s, rows.get(s, self.rows[s]), req, cat) if s in rows or load_factor_moved
                  else self.inputs[j] for j, s in enumerate(self.base.sites)]
        subsidies = [subs.get(s.subsidy_id, s) for s in self.catalog.subsidies]
        changed = [j for j, s in enumerate(self.base.sites) if s in rows or a is not self.assumptions]
        return self._assemble(req, a, inputs, subsidies, changed)

    def _assemble(self, request: SiteRequest, a: Assumptions, inputs: list[SiteInputs], subsidies: list[Subsidy],
                  changed: list[int]) -> SiteProblem:
        """``apply_site_inputs`` with the hour-by-hour energy cost computed once per site and flexible share, and
        only for the sites in ``changed`` (the others keep the base problem's column).

        ``apply_site_inputs`` runs the hourly energy model for every (class, site); here it gets the inputs
        with a flat stand-in price schedule (its energy column is then replaced) and the energy column is
        the engine's own ``usage x energy_cost_of_site_yuan_per_mw_year(site, u, flexible share)``, so every
        array is the one the reference path computes, number for number (``tests/test_montecarlo.py``).
        """
        base = self.base
        p = apply_site_inputs(base, request, a, [replace(si, tou=None) for si in inputs], subsidies)
        energy = base.components["energy"].copy()
        flex = [c.flexible_share_fraction for c in request.classes]
        for j in changed:
            by_share: dict[float, float] = {}
            for k, f in enumerate(flex):
                if f not in by_share:
                    by_share[f] = a.usage_factor * _energy_yuan_per_mw_year(inputs[j], a.utilisation_fraction, f)
                energy[k, j] = by_share[f]
        components = {c: energy if c == "energy" else p.components[c] for c in COST_COMPONENTS}
        per_mw = sum(components.values())
        assert isinstance(per_mw, np.ndarray)
        K, I, J = base.shape
        unit_cost = np.broadcast_to(per_mw[:, None, :], (K, I, J)).copy()
        return replace(p, components=components, unit_cost=unit_cost, inputs=list(inputs))

    def _inputs(self, j: int, site: str, row: dict[str, Any], request: Any, catalog: Catalog) -> Any:
        """``site_inputs`` of an updated row; PUE (monthly climate model) only when dust days changed."""
        dust, dust0 = row.get("dust_days_per_year"), self.rows[site].get("dust_days_per_year")
        unchanged = dust == dust0 or (dust != dust and dust0 != dust0)  # NaN-safe
        known = self.inputs[j]
        return site_inputs(catalog, request, site, row, known_pue=known.pue if unchanged else None,
                           known_pue_monthly=known.pue_monthly if unchanged else None)


#: How far from 0 or 1 an integer column of the LP relaxation may be and still count as integral: HiGHS's
#: ``mip_feasibility_tolerance`` (default 1e-6), the tolerance its MILP solver accepts an integer solution with.
INTEGRALITY_TOLERANCE = 1e-6


class RelaxFirst:
    """A sample's MILP solved as its LP relaxation first, the MILP only when the relaxation is not integral.

    The LP relaxation's optimum is a lower bound of the MILP's; when its integer columns (open, campus
    switches) are integral it is a feasible MILP solution, hence optimal -- the same optimum, proved without
    branch and bound.  For the default request the relaxation is integral in nearly every sample and HiGHS
    answers the LP (warm, from the previous sample's basis) faster than its MILP solver sets up, probes and
    cuts a 100-column model.  Otherwise the MILP is solved as before (cleared state, :data:`MIP_OPTIONS`).
    ``tests/test_montecarlo.py`` checks the two paths agree on seeded samples.  Measured (issue 27): the
    relaxation of the default request is integral in ~58 % of robust samples, but the route-factor draws
    change which (class, centre, site) columns exist, so both models are rebuilt cold and the sweep is no
    faster; in the Monte Carlo example it is never integral.  Hence opt-in (``SweepSetup.relax_first``).
    """

    def __init__(self, relax: bool = True) -> None:
        self.relax = relax
        self.milp: DirectModel | None = None
        self.lp: HighsModel | None = None
        self.rebuilds = 0
        self.milp_solves = 0

    def solve(self, problem: SiteProblem, time_limit_s: float | None) -> tuple[SolveOutcome, FloatArray, FloatArray]:
        """(outcome, open (J,), alloc (K, I, J)) of ``problem``'s MILP."""
        arrays = define(problem)
        if self.relax and arrays.columns.integer.any():
            relaxed = replace(arrays, columns=replace(arrays.columns, integer=np.zeros_like(arrays.columns.integer)))
            if self.lp is None:
                self.lp = HighsModel(relaxed)
            elif not self.lp.update(relaxed):
                self.rebuilds += 1
            s = self.lp.solve(time_limit_s=time_limit_s, mip_gap=None)
            if s.outcome.status == "infeasible":
                return s.outcome, np.zeros(len(problem.sites)), np.zeros(problem.shape)
            if s.x is not None and s.outcome.status == "optimal":
                xi = s.x[arrays.columns.integer]
                if bool(np.all(np.abs(xi - np.round(xi)) <= INTEGRALITY_TOLERANCE)):
                    return s.outcome, s.open(), s.alloc()
        self.milp_solves += 1
        if self.milp is None:
            self.milp = DirectModel(problem)
            tune(self.milp)
        elif not self.milp.update(problem):
            self.rebuilds += 1
            tune(self.milp)
        self.milp.h.clearSolver()
        outcome, op, alloc, _sub = self.milp.solve(time_limit_s=time_limit_s)
        return outcome, op, alloc


def _energy_yuan_per_mw_year(si: SiteInputs, utilisation: float, flexible_share: float) -> float:
    """``energy_cost_of_site_yuan_per_mw_year`` of inputs that ``site_inputs`` made at this utilisation (its load
    factor): for a flat load (no flexible share) on a tariff that is the flat-equivalent price ``site_inputs``
    already computed from the same hours times the facility energy it divided by
    (``siting.models.tariffs.flat_equivalent_price_yuan_per_kwh``), equal to the last bit or so; the hourly
    model runs only for a flexible share."""
    if flexible_share == 0.0 and si.tou is not None and si.price_flat_yuan_per_kwh is not None \
            and si.pue_monthly is not None:
        kwh = float((DAYS_PER_MONTH * np.asarray(si.pue_monthly) * 24.0 * utilisation * 1000.0).sum())
        return si.price_yuan_per_kwh * kwh
    return energy_cost_of_site_yuan_per_mw_year(si, utilisation, flexible_share)


def tune(model: DirectModel) -> None:
    """Apply :data:`MIP_OPTIONS` to a DirectModel's HiGHS instance (again after each rebuild)."""
    for k, v in MIP_OPTIONS.items():
        model.h.setOptionValue(k, v)


@dataclass
class SampleBatch:
    """Results of evaluated parameter sets (one row per sample, sites in ``sites`` order).

    objective_yuan_per_year : (n,) optimal annual cost [yuan/yr] (NaN when infeasible)
    open : (n, J) site opened; mw : (n, J) IT load placed [MW]
    emissions_t_per_year : (n,) [tCO2/yr]; status : (n,) codes of ``STATUS_CODES``
    """

    index: npt.NDArray[np.int64]
    sites: list[str]
    status: npt.NDArray[np.int8]
    objective_yuan_per_year: FloatArray
    open: npt.NDArray[np.bool_]
    mw: FloatArray
    emissions_t_per_year: FloatArray
    rebuilds: int = 0
    # each sample's problem without its per-site inputs, when the setup asks to keep them (else None)
    problems: list[SiteProblem] | None = None

    @staticmethod
    def concat(batches: Sequence[SampleBatch]) -> SampleBatch:
        order = sorted(batches, key=lambda b: int(b.index[0]) if len(b.index) else 0)
        return SampleBatch(
            index=np.concatenate([b.index for b in order]), sites=order[0].sites,
            status=np.concatenate([b.status for b in order]),
            objective_yuan_per_year=np.concatenate([b.objective_yuan_per_year for b in order]),
            open=np.concatenate([b.open for b in order]), mw=np.concatenate([b.mw for b in order]),
            emissions_t_per_year=np.concatenate([b.emissions_t_per_year for b in order]),
            rebuilds=sum(b.rebuilds for b in order),
            problems=([q for b in order for q in (b.problems or [])]
                      if all(b.problems is not None for b in order) else None),
        )


@dataclass(frozen=True)
class SweepSetup:
    """What a worker needs: the scenario, the catalog (None: shipped) and the column paths."""

    scenario: Scenario
    catalog: Catalog | None
    paths: tuple[str, ...]
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    solver: SolverName = "highs"  # "cbc": each sample is written out by the PuLP emitter and solved by CBC
    time_limit_s: float | None = None  # per sample
    # the LP relaxation first, the MILP only when it is not integral (RelaxFirst); off by default: on the shipped
    # scenarios it does not pay (the Monte Carlo example's relaxation is fractional in every sample; robust's
    # route-factor draws change the model's structure, so neither model stays warm)
    relax_first: bool = False
    keep_problems: bool = False  # return each sample's SiteProblem, inputs dropped (robust re-costs plans on them)


_PATCHERS: dict[tuple[str, int], ProblemPatcher] = {}
_PATCHERS_LOCK = threading.Lock()


def _patcher(setup: SweepSetup) -> ProblemPatcher:
    # one per setup and thread: Dask workers with processes=False share this module
    key = (setup.token, threading.get_ident())
    with _PATCHERS_LOCK:
        p = _PATCHERS.get(key)
    if p is None:
        p = ProblemPatcher(setup.scenario, setup.catalog)
        with _PATCHERS_LOCK:
            stale = [k for k in _PATCHERS if k[1] == key[1]]
            for k in stale:
                del _PATCHERS[k]
            _PATCHERS[key] = p
    return p


def evaluate_chunk(setup: SweepSetup, start: int, values: FloatArray) -> SampleBatch:
    """Solve samples ``start .. start + len(values) - 1`` (rows of ``values``, columns ``setup.paths``).

    A NaN value leaves its path at the scenario's value (a tornado row changes one path of many)."""
    patcher = _patcher(setup)
    n, J = len(values), len(patcher.base.sites)
    status = np.zeros(n, dtype=np.int8)
    obj = np.full(n, np.nan)
    opened = np.zeros((n, J), dtype=bool)
    mw = np.zeros((n, J))
    emis = np.full(n, np.nan)
    model = RelaxFirst(relax=setup.relax_first)
    kept: list[SiteProblem | None] = [None] * n
    for r in solve_order(setup.paths, values):
        problem = patcher.problem({p: v for p, v in zip(setup.paths, values[r].tolist(), strict=True) if v == v})
        if setup.keep_problems:  # without the per-site inputs (hourly arrays): a few kB to send back from a worker
            kept[r] = replace(problem, inputs=[])
        if setup.solver != "highs":
            solution = solve(define(problem), setup.solver, time_limit_s=setup.time_limit_s, mip_gap=1e-6)
            outcome, op, alloc = solution.outcome, solution.open(), solution.alloc()
        else:
            outcome, op, alloc = model.solve(problem, setup.time_limit_s)
        status[r] = STATUS_CODES.get(outcome.status, 3)
        if outcome.objective is not None:
            obj[r] = outcome.objective
            mw_j = np.where(alloc > 1e-9, alloc, 0.0).sum(axis=(0, 1))
            mw[r] = mw_j
            opened[r] = op > 0.5
            if problem.emissions_t_per_mw is not None:
                emis[r] = float(problem.emissions_t_per_mw @ mw_j)
    return SampleBatch(np.arange(start, start + n, dtype=np.int64), list(patcher.base.sites), status, obj,
                       opened, mw, emis, model.rebuilds,
                       [q for q in kept if q is not None] if setup.keep_problems else None)


def solve_order(paths: Sequence[str], values: FloatArray) -> list[int]:
    """The order in which a chunk's rows are solved: by the drawn route factor where one is drawn, else as given.

    The route factor decides which (class, centre, site) triples are within their RTT limits, i.e. which
    columns the model has; the set only grows with the factor, so in this order the model keeps its
    structure (and is updated in place) between thresholds instead of being rebuilt at most samples.
    Each sample's result is the same in any order (the solver state is cleared per MILP solve), and the
    order depends on the chunk's values alone, never on the executor.
    """
    if ROUTE_FACTOR not in paths:
        return list(range(len(values)))
    rf = values[:, list(paths).index(ROUTE_FACTOR)]
    return [int(r) for r in np.argsort(np.where(np.isnan(rf), -np.inf, rf), kind="stable")]


ProgressCallback = Callable[[int], None]


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def run_samples(
    setup: SweepSetup,
    values: FloatArray,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ProgressCallback | None = None,
) -> SampleBatch:
    """Evaluate every row of ``values`` (N, P): in-process, on a process pool or on Dask.

    Results are identical whatever the executor and the number of workers (fixed chunks,
    solver state cleared per sample).
    """
    n = len(values)
    starts = list(range(0, n, chunk_size))
    chunks = [(s, values[s:s + chunk_size]) for s in starts]
    if scheduler:
        return _run_dask(setup, chunks, scheduler, progress)
    w = workers if workers is not None else default_workers()
    if w <= 1 or len(chunks) <= 1:
        out = []
        for s, v in chunks:
            out.append(evaluate_chunk(setup, s, v))
            if progress:
                progress(len(v))
        return SampleBatch.concat(out)
    return _run_pool(setup, chunks, w, progress)


def _pool_context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["siting.analysis.execution"])
        return ctx
    return multiprocessing.get_context("spawn")


def _run_pool(
    setup: SweepSetup, chunks: list[tuple[int, FloatArray]], workers: int, progress: ProgressCallback | None
) -> SampleBatch:
    out: list[SampleBatch] = []
    with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=_pool_context()) as pool:
        pending: set[Future[SampleBatch]] = {pool.submit(evaluate_chunk, setup, s, v) for s, v in chunks}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                batch = f.result()
                out.append(batch)
                if progress:
                    progress(len(batch.index))
    return SampleBatch.concat(out)


def _run_dask(
    setup: SweepSetup, chunks: list[tuple[int, FloatArray]], scheduler: str, progress: ProgressCallback | None
) -> SampleBatch:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - optional dependency
        raise ExecutionError("--scheduler needs dask distributed: pip install 'siting[dask]'",
                             field="scheduler") from None
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise ExecutionError(f"scheduler {scheduler!r} is not reachable: {exc}", field="scheduler") from None
    out: list[SampleBatch] = []
    try:
        remote_setup = client.scatter(setup, broadcast=True)
        futures = [client.submit(evaluate_chunk, remote_setup, s, v, pure=False) for s, v in chunks]
        for fut in as_completed(futures):
            batch = fut.result()
            out.append(batch)
            if progress:
                progress(len(batch.index))
    finally:
        client.close()
    return SampleBatch.concat(out)


class _Silent:
    """A stand-in for a progress bar when progress is off (``siting --quiet``)."""

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


PROGRESS = {"enabled": True}  # siting --quiet turns every progress bar off


def rich_progress(total: int, description: str) -> tuple[Any, ProgressCallback]:
    """A rich progress bar with ETA on stderr and its advance callback (use the bar as a context manager).

    stdout stays the document (--json, --csv); with ``siting --quiet`` the bar is a silent stand-in."""
    if not PROGRESS["enabled"]:
        return _Silent(), lambda n: None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task(description, total=total)
    return bar, lambda n: bar.advance(task, n)
