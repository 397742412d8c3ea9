"""Monte Carlo robustness of a recommendation under uncertain inputs.

The distributions are declared in the scenario's ``monte_carlo`` section (see
:mod:`siting.analysis.scenarios`).  Sample ``i`` of a run with seed ``s`` draws its parameters, in the
order they are declared, from its own generator ``numpy.random.default_rng(SeedSequence(s,
spawn_key=(i,)))`` (the i-th child of ``SeedSequence(s).spawn``): a sample's inputs depend only
on (seed, i), never on the number of samples, the worker that solves it or the executor.

Each sample is solved to optimality (:mod:`siting.analysis.execution`); the outputs are

- P(site chosen) = share of feasible samples in which the site is opened [fraction];
- the distribution of the IT load placed at each site: mean, P5, P50, P95 [MW];
- the optimal annual cost P5 / P50 / P95 [yuan/yr] and the levelised cost
  = cost / (IT load [kW] * 12) [yuan/(kW*month)];
- how often the base recommendation (the set of sites chosen with the scenario's own values)
  is still the optimal set [fraction], and the most frequent optimal site sets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from siting.analysis.execution import (
    DEFAULT_CHUNK_SIZE,
    STATUS_NAMES,
    ProgressCallback,
    SampleBatch,
    SweepSetup,
    evaluate_chunk,
    run_samples,
)
from siting.analysis.scenarios import Discrete, Normal, Scenario, Triangular, Uniform, expand_path
from siting.data.catalog import Catalog
from siting.errors import RequestError
from siting.optimization.solve import SolverName

FloatArray = npt.NDArray[np.float64]
PERCENTILES = (5, 50, 95)


def draw(dist: Uniform | Triangular | Normal | Discrete, rng: np.random.Generator) -> float:
    """One draw of a declared distribution (a factor when ``relative``); normal is clipped to low/high."""
    if isinstance(dist, Uniform):
        return float(rng.uniform(dist.low, dist.high))
    if isinstance(dist, Triangular):
        return float(rng.triangular(dist.low, dist.mode, dist.high))
    if isinstance(dist, Normal):
        x = float(rng.normal(dist.mean, dist.std))
        lo = dist.low if dist.low is not None else -np.inf
        hi = dist.high if dist.high is not None else np.inf
        return float(np.clip(x, lo, hi))
    p = None
    if dist.weights is not None:
        w = np.asarray(dist.weights, dtype=float)
        p = w / w.sum()
    return float(dist.values[int(rng.choice(len(dist.values), p=p))])


def _range_of(path: str, catalog: Catalog) -> tuple[float, float]:
    """Allowed range of a catalog path from ``sites/schema.csv`` ((-inf, inf) when unknown)."""
    parts = path.split(".")
    table = {"sites": "site_parameters", "defaults": "defaults"}.get(parts[0])
    if table is None:
        return (0.0, np.inf) if parts[0] == "subsidies" else (-np.inf, np.inf)
    param = parts[-1]
    if param == "electricity_price_yuan_per_kwh":
        param = "electricity_price_list_yuan_per_kwh"
    s = catalog.schema
    rows = s[(s["table"] == table) & (s["parameter"] == param)]
    if rows.empty:
        return (-np.inf, np.inf)
    return float(rows.iloc[0]["min"]), float(rows.iloc[0]["max"])


def sample_values(
    scenario: Scenario, samples: int, seed: int, catalog: Catalog | None = None
) -> tuple[list[str], FloatArray, list[str], FloatArray]:
    """(concrete paths, values (N, C), declared paths, raw draws (N, P)) for samples 0..N-1.

    Wildcard paths (``sites.*.x``) give one column per candidate site, all from the same draw
    (a common shock); relative draws multiply each column's scenario value.  Values are clipped to
    the catalog schema range (only normal draws can leave it; the others are checked on parsing).
    """
    spec = scenario.monte_carlo
    if spec is None:
        raise RequestError(f"scenario {scenario.name!r} has no monte_carlo section", field="monte_carlo")
    declared = list(spec.parameters.items())
    cat = scenario.catalog_for(catalog)
    raw = np.empty((samples, len(declared)))
    for i in range(samples):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
        for p, (_path, dist) in enumerate(declared):
            raw[i, p] = draw(dist, rng)
    paths: list[str] = []
    cols: list[FloatArray] = []
    for p, (path, dist) in enumerate(declared):
        for concrete in expand_path(path, scenario.request, cat):
            x = raw[:, p] * scenario.value_of(concrete, catalog) if dist.relative else raw[:, p].copy()
            lo, hi = _range_of(concrete, cat)
            paths.append(concrete)
            cols.append(np.clip(x, lo, hi))
    values = np.column_stack(cols) if cols else np.zeros((samples, 0))
    return paths, values, [p for p, _ in declared], raw


@dataclass
class MonteCarloResult:
    """Samples of one scenario and their optimal solutions (see the module docstring)."""

    scenario: str
    seed: int
    paths: list[str]
    values: FloatArray
    batch: SampleBatch
    base_objective_yuan_per_year: float | None
    base_sites: list[str]
    it_load_mw: float
    declared: list[dict[str, Any]]

    @property
    def samples(self) -> int:
        return len(self.batch.index)

    @property
    def feasible(self) -> npt.NDArray[np.bool_]:
        return np.isfinite(self.batch.objective_yuan_per_year)

    def site_sets(self) -> list[tuple[str, ...]]:
        sites = self.batch.sites
        return [tuple(s for s, o in zip(sites, row, strict=True) if o) for row in self.batch.open]

    def share_base_optimal(self) -> float:
        """Share of all samples whose optimal site set is the base recommendation [fraction]."""
        base = tuple(s for s in self.batch.sites if s in self.base_sites)
        ok = self.feasible
        return float(np.mean([ss == base and f for ss, f in zip(self.site_sets(), ok, strict=True)]))

    def to_frame(self) -> pd.DataFrame:
        """Per site: P(chosen) [fraction] and IT load mean / P5 / P50 / P95 [MW] over feasible samples."""
        ok = self.feasible
        mw = self.batch.mw[ok]
        rows = []
        for j, s in enumerate(self.batch.sites):
            x = mw[:, j] if len(mw) else np.array([np.nan])
            pct = np.percentile(x, PERCENTILES) if len(mw) else [np.nan] * 3
            rows.append({"site": s, "p_chosen": float(self.batch.open[ok][:, j].mean()) if ok.any() else np.nan,
                         "mw_mean": float(np.mean(x)), "mw_p5": float(pct[0]), "mw_p50": float(pct[1]),
                         "mw_p95": float(pct[2]), "in_base": s in self.base_sites})
        return pd.DataFrame(rows).set_index("site")

    def cost_percentiles(self) -> dict[str, float | None]:
        obj = self.batch.objective_yuan_per_year[self.feasible]
        if not len(obj):
            return {f"p{p}_yuan_per_year": None for p in PERCENTILES}
        out: dict[str, float | None] = {}
        for p, v in zip(PERCENTILES, np.percentile(obj, PERCENTILES), strict=True):
            out[f"p{p}_yuan_per_year"] = float(v)
            out[f"p{p}_yuan_per_kw_month"] = float(v) / (self.it_load_mw * 1000.0 * 12.0)
        out["mean_yuan_per_year"] = float(obj.mean())
        return out

    def samples_frame(self) -> pd.DataFrame:
        """One row per sample: sampled values, status, cost, site set and MW per site."""
        df = pd.DataFrame(self.values, columns=self.paths)
        df.insert(0, "sample", self.batch.index)
        df["status"] = [STATUS_NAMES[int(c)] for c in self.batch.status]
        df["objective_yuan_per_year"] = self.batch.objective_yuan_per_year
        df["sites_chosen"] = ["+".join(s) for s in self.site_sets()]
        for j, s in enumerate(self.batch.sites):
            df[f"mw[{s}]"] = self.batch.mw[:, j]
        return df

    def to_dict(self) -> dict[str, Any]:
        sets = Counter("+".join(s) for s, f in zip(self.site_sets(), self.feasible, strict=True) if f)
        n = self.samples
        frame = self.to_frame().reset_index()
        return {
            "scenario": self.scenario,
            "samples": n,
            "seed": self.seed,
            "parameters": self.declared,
            "infeasible_samples": int((~self.feasible).sum()),
            "base_recommendation": {"sites": self.base_sites,
                                    "objective_yuan_per_year": self.base_objective_yuan_per_year,
                                    "share_still_optimal": self.share_base_optimal()},
            "cost": self.cost_percentiles(),
            "sites": [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()}
                      for r in frame.to_dict("records")],
            "site_sets": [{"sites": k.split("+") if k else [], "share": c / n} for k, c in sets.most_common(8)],
        }


def run_monte_carlo(
    scenario: Scenario,
    catalog: Catalog | None = None,
    *,
    samples: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ProgressCallback | None = None,
    solver: SolverName = "highs",
    time_limit_s: float | None = None,
) -> MonteCarloResult:
    """Run the scenario's Monte Carlo (``samples``/``seed`` override the file's).

    ``solver`` and ``time_limit_s`` (per sample) apply to the base solve and every sample.
    """
    spec = scenario.monte_carlo
    if spec is None:
        raise RequestError(f"scenario {scenario.name!r} has no monte_carlo section: declare parameter "
                           "distributions to sample", field="monte_carlo")
    n = samples if samples is not None else spec.samples
    if n < 1:
        raise RequestError(f"samples = {n}: must be >= 1", field="samples")
    s = seed if seed is not None else spec.seed
    paths, values, _declared, _raw = sample_values(scenario, n, s, catalog)
    setup = SweepSetup(scenario, catalog, tuple(paths), solver=solver, time_limit_s=time_limit_s)
    base = evaluate_chunk(SweepSetup(scenario, catalog, (), solver=solver, time_limit_s=time_limit_s), 0,
                          np.zeros((1, 0)))
    base_obj = float(base.objective_yuan_per_year[0]) if np.isfinite(base.objective_yuan_per_year[0]) else None
    base_sites = [x for x, o in zip(base.sites, base.open[0], strict=True) if o]
    batch = run_samples(setup, values, workers=workers, scheduler=scheduler, chunk_size=chunk_size,
                        progress=progress)
    declared = [{"path": p, **d.model_dump(mode="json", exclude_none=True)} for p, d in spec.parameters.items()]
    return MonteCarloResult(scenario.name, s, paths, values, batch, base_obj, base_sites,
                            scenario.request.it_load_mw, declared)
