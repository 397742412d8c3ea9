"""One-at-a-time sensitivity (tornado): how the optimum moves when one input swings.

For each named parameter x (a path, see :mod:`siting.analysis.scenarios`) with scenario value x0, the
problem is re-optimised at x_low and x_high with every other input at its scenario value:

- relative swing: x_low = x0 * (1 - f), x_high = x0 * (1 + f), f = ``change_fraction``;
- explicit range: x_low, x_high as given (absolute values in the parameter's unit);
- ``sites.*.<parameter>`` moves that parameter at every candidate site together.

Outputs per parameter: the optimal annual cost at both ends [yuan/yr], its change from the
base optimum, the swing = |cost(high) - cost(low)| (bars sorted by it), and the sites chosen with
their IT load [MW] at each end (flagged when they differ from the base recommendation).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from siting.analysis.execution import SweepSetup, evaluate_chunk
from siting.analysis.scenarios import EFFECTIVE_PRICE, Scenario, SweepRange, expand_path
from siting.data.catalog import Catalog
from siting.optimization.solve import SolverName
from siting.serialize import frame_records

DEFAULT_CHANGE_FRACTION = 0.2


def default_parameters(scenario: Scenario, catalog: Catalog | None = None) -> dict[str, SweepRange | None]:
    """Tornado parameters when the scenario declares none: each candidate's electricity price,
    capex, bandwidth price and land price at every site, the discount rate, utilisation and the
    carbon price (0-200 yuan/t when the scenario has none)."""
    cat = scenario.catalog_for(catalog)
    params: dict[str, SweepRange | None] = {
        p: None for p in expand_path(f"sites.*.{EFFECTIVE_PRICE}", scenario.request, cat)
    }
    params.update({"sites.*.capex_yuan_per_mw": None, "sites.*.bandwidth_price_yuan_per_gbps_month": None,
                   "defaults.discount_rate_fraction": None, "defaults.utilisation_fraction": None})
    carbon = scenario.request.carbon_price_yuan_per_t
    params["request.carbon_price_yuan_per_t"] = SweepRange(low=0.0, high=200.0) if carbon == 0 else None
    return params


@dataclass
class Tornado:
    """Tornado table of one scenario (see the module docstring); costs in yuan/yr."""

    scenario: str
    base_objective_yuan_per_year: float
    base_sites: dict[str, float]
    frame: pd.DataFrame
    it_load_mw: float

    def to_frame(self) -> pd.DataFrame:
        return self.frame

    def to_dict(self) -> dict[str, Any]:
        rows = frame_records(self.frame, index=False)
        return {"scenario": self.scenario, "base_objective_yuan_per_year": self.base_objective_yuan_per_year,
                "base_sites_mw": self.base_sites, "it_load_mw": self.it_load_mw, "parameters": rows}


def _sites_mw(sites: list[str], opened: np.ndarray, mw: np.ndarray) -> dict[str, float]:
    return {s: round(float(m), 6) for s, o, m in zip(sites, opened, mw, strict=True) if o}


def _label(sites: dict[str, float]) -> str:
    return ", ".join(f"{s} {m:.1f}" for s, m in sites.items()) or "-"


def tornado(
    scenario: Scenario,
    catalog: Catalog | None = None,
    *,
    parameters: dict[str, SweepRange | None] | None = None,
    change_fraction: float | None = None,
    solver: SolverName = "highs",
    time_limit_s: float | None = None,
    progress: Any | None = None,
) -> Tornado:
    """Re-optimise at the low and high end of every parameter (in-process; 2 solves per parameter).

    ``progress(n)`` is called after each solve (a progress bar's advance; total 1 + 2 x parameters).

    ``solver`` and ``time_limit_s`` (per solve) apply to the base and every end point.
    """
    spec = scenario.sensitivity
    params = parameters if parameters is not None else (
        dict(spec.parameters) if spec is not None else default_parameters(scenario, catalog))
    frac = change_fraction if change_fraction is not None else (
        spec.change_fraction if spec is not None else DEFAULT_CHANGE_FRACTION)
    cat = scenario.catalog_for(catalog)
    cols: list[dict[str, float]] = []
    meta: list[dict[str, Any]] = []
    for path, rng in params.items():
        concrete = expand_path(path, scenario.request, cat)
        base_vals = [scenario.value_of(p, catalog) for p in concrete]
        ends = []
        for sign in (-1.0, 1.0):
            if rng is not None and rng.low is not None and rng.high is not None:
                v = rng.low if sign < 0 else rng.high
                ends.append({p: v for p in concrete})
            else:
                f = rng.change_fraction if rng is not None and rng.change_fraction is not None else frac
                ends.append({p: b * (1.0 + sign * f) for p, b in zip(concrete, base_vals, strict=True)
                             if np.isfinite(b)})
        cols.extend(ends)
        shown = base_vals[0] if len(set(base_vals)) == 1 else float("nan")
        meta.append({"parameter": path, "base_value": shown,
                     "low_value": next(iter(ends[0].values()), np.nan) if len(concrete) == 1 or rng else np.nan,
                     "high_value": next(iter(ends[1].values()), np.nan) if len(concrete) == 1 or rng else np.nan,
                     "change": (f"{rng.low:g} .. {rng.high:g}" if rng is not None and rng.low is not None
                                else f"+-{100 * (rng.change_fraction if rng and rng.change_fraction else frac):g}%")})
    token = uuid.uuid4().hex  # one patcher (base problem) for every evaluation
    results = []
    base = evaluate_chunk(SweepSetup(scenario, catalog, (), token, solver, time_limit_s), 0, np.zeros((1, 0)))
    if progress is not None:
        progress(1)
    for vals in cols:
        setup = SweepSetup(scenario, catalog, tuple(vals), token, solver, time_limit_s)
        results.append(evaluate_chunk(setup, 0, np.array([list(vals.values())])))
        if progress is not None:
            progress(1)
    sites = base.sites
    base_obj = float(base.objective_yuan_per_year[0])
    base_sites = _sites_mw(sites, base.open[0], base.mw[0])
    rows = []
    for n, m in enumerate(meta):
        lo, hi = results[2 * n], results[2 * n + 1]
        c_lo, c_hi = float(lo.objective_yuan_per_year[0]), float(hi.objective_yuan_per_year[0])
        s_lo, s_hi = _sites_mw(sites, lo.open[0], lo.mw[0]), _sites_mw(sites, hi.open[0], hi.mw[0])
        rows.append({
            **m,
            "cost_low_yuan_per_year": c_lo, "cost_high_yuan_per_year": c_hi,
            "delta_low_yuan_per_year": c_lo - base_obj, "delta_high_yuan_per_year": c_hi - base_obj,
            "swing_yuan_per_year": abs(c_hi - c_lo),
            "sites_low": _label(s_lo), "sites_high": _label(s_hi),
            "sites_change": set(s_lo) != set(base_sites) or set(s_hi) != set(base_sites),
        })
    frame = pd.DataFrame(rows).sort_values("swing_yuan_per_year", ascending=False, kind="stable")
    return Tornado(scenario.name, base_obj, base_sites, frame.reset_index(drop=True), scenario.request.it_load_mw)
