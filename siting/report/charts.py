"""PNG charts (matplotlib, Agg canvas, no pyplot global state): cost components per scenario,
tornado of a sensitivity sweep, and the Monte Carlo cost distribution."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from siting.analysis.compare import Comparison
    from siting.analysis.montecarlo import MonteCarloResult
    from siting.analysis.sensitivity import Tornado

_MIO = 1e6


def _save(fig: Figure, path: str | Path) -> Path:
    FigureCanvasAgg(fig)
    fig.tight_layout()
    fig.savefig(str(path), dpi=120)
    return Path(path)


def cost_components_chart(comparison: Comparison, path: str | Path) -> Path:
    """Left: annual cost by component per scenario [million yuan/yr] (subsidies below zero).  Right: what
    changed against the base, by component -- the attribution, which the left panel hides under capex when
    capex dominates every total."""
    names = [o.scenario.name for o in comparison.outcomes]
    comps = [o.components() for o in comparison.outcomes]
    keys = list(dict.fromkeys(k for c in comps for k in c))
    deltas = [a for a in comparison.to_dict().get("attribution", []) if a.get("components")]
    fig = Figure(figsize=(max(10.0, 1.6 * len(names) + 7), 5))
    ax = fig.add_subplot(1, 2, 1)
    x = np.arange(len(names))
    pos = np.zeros(len(names))
    neg = np.zeros(len(names))
    for k in keys:
        v = np.array([c.get(k, 0.0) for c in comps]) / _MIO
        bottom = np.where(v >= 0, pos, neg)
        ax.bar(x, v, bottom=bottom, label=k)
        pos += np.where(v >= 0, v, 0)
        neg += np.where(v < 0, v, 0)
    for xi, o in zip(x, comparison.outcomes, strict=True):
        if o.result.objective_yuan_per_year is not None:
            ax.annotate(f"{o.result.objective_yuan_per_year / _MIO:,.1f}", (xi, pos[xi]), ha="center", va="bottom")
        else:
            ax.annotate(o.result.status, (xi, 0), ha="center", va="bottom", rotation=90, color="#a40e26")
    ax.margins(y=0.1)
    ax.set_xticks(x, names, rotation=15)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("annual cost [million yuan/yr]")
    ax.set_title("Cost by component (total above each bar)")
    ax.legend(fontsize=7, loc="lower right")
    ax2 = fig.add_subplot(1, 2, 2)
    if deltas:
        width = 0.8 / len(deltas)
        y = np.arange(len(keys))
        for n, a in enumerate(deltas):
            v = np.array([a["components"].get(k, 0.0) for k in keys]) / _MIO
            label = f"{a['scenario']} ({a['delta_total_yuan_per_year'] / _MIO:+,.1f} in all)"
            ax2.barh(y + n * width, v, height=width, label=label)
        ax2.set_yticks(y + 0.4 - width / 2, keys)
        ax2.axvline(0, color="black", linewidth=0.8)
        ax2.legend(fontsize=7)
    ax2.set_xlabel("change against the base [million yuan/yr]")
    ax2.set_title(f"What changed against {names[0]}, by component")
    return _save(fig, path)


def tornado_chart(tornado: Tornado, path: str | Path) -> Path:
    """Horizontal bars: change of the optimal annual cost at the low/high end of each parameter."""
    df = tornado.frame.iloc[::-1]
    fig = Figure(figsize=(9, 0.45 * len(df) + 1.8))
    ax = fig.add_subplot()
    y = np.arange(len(df))
    lo = df["delta_low_yuan_per_year"].to_numpy() / _MIO
    hi = df["delta_high_yuan_per_year"].to_numpy() / _MIO
    ax.barh(y, lo, color="tab:blue", label="low end")
    ax.barh(y, hi, color="tab:orange", label="high end")
    labels = [f"{p} ({c})" + (" *" if s else "") for p, c, s in
              zip(df["parameter"], df["change"], df["sites_change"], strict=True)]
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"change of optimal cost [million yuan/yr] (base {tornado.base_objective_yuan_per_year / _MIO:,.1f})")
    ax.set_title(f"Tornado: {tornado.scenario}  (* chosen sites change)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def monte_carlo_chart(mc: MonteCarloResult, path: str | Path) -> Path:
    """Histogram of the optimal annual cost with P5/P50/P95, and P(site chosen)."""
    fig = Figure(figsize=(11, 4))
    ax1, ax2 = fig.subplots(1, 2)
    obj = mc.batch.objective_yuan_per_year[mc.feasible] / _MIO
    ax1.hist(obj, bins=40, color="tab:blue")
    for p in (5, 50, 95):
        if len(obj):
            ax1.axvline(float(np.percentile(obj, p)), color="black", linestyle="--", linewidth=0.8)
    ax1.set_xlabel("optimal annual cost [million yuan/yr] (P5, P50, P95 dashed)")
    ax1.set_ylabel("samples")
    frame = mc.to_frame()
    ax2.bar(frame.index, frame["p_chosen"], color="tab:green")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("P(site chosen)")
    ax2.set_title(f"{mc.samples} samples, seed {mc.seed}")
    return _save(fig, path)
