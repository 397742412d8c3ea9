"""Benchmark: Monte Carlo of a 4-site request, fast path on local workers vs a naive loop.

Fast path: ``siting.analysis.montecarlo.run_monte_carlo`` (patched problems, one HiGHS DirectModel per
chunk updated in place, process pool of ``--workers``).  Naive loop: per sample, apply the sampled
values to the catalog and request, rebuild the SiteProblem and the PuLP model and solve it with
CBC.  The naive loop runs on a subsample (``--naive-samples``) and is extrapolated to N; both are
measured in the same run.  The last line printed is a JSON summary.

    python bench/bench_montecarlo.py            # 10,000 samples, 2 workers, 3 runs (median)
    python bench/bench_montecarlo.py --smoke    # tiny sizes for CI
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from siting.analysis.montecarlo import run_monte_carlo, sample_values
from siting.analysis.scenarios import Scenario, load_scenario, parse_scenario
from siting.optimization.emit_pulp import solve_pulp, to_pulp
from siting.optimization.model import define
from siting.optimization.problem import build_site_problem

ROOT = Path(__file__).resolve().parents[1]
BAR_SECONDS = 60.0
BAR_RATIO = 20.0


def bench_scenario() -> Scenario:
    """The default 4-site request (examples/default.yaml) with the example's distributions."""
    example = load_scenario(ROOT / "examples" / "scenarios" / "monte-carlo.yaml")
    assert example.monte_carlo is not None
    return parse_scenario({"name": "bench-default-4-sites", "request": "default.yaml",
                           "monte_carlo": example.monte_carlo.model_dump(mode="json")},
                          base_dir=ROOT / "examples")


def naive(scenario: Scenario, samples: int, seed: int) -> tuple[float, list[float]]:
    paths, values, _, _ = sample_values(scenario, samples, seed)
    objs = []
    t0 = time.perf_counter()
    for row in values:
        req, cat = scenario.apply(dict(zip(paths, row.tolist(), strict=True)))
        out = solve_pulp(to_pulp(define(build_site_problem(cat, req))), "cbc").outcome
        objs.append(float(out.objective) if out.objective is not None else float("nan"))
    return time.perf_counter() - t0, objs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--naive-samples", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes (CI)")
    a = ap.parse_args()
    if a.smoke:
        a.samples, a.naive_samples, a.runs = 60, 5, 1
    sc = bench_scenario()
    fast_times = []
    result = None
    for _ in range(a.runs):
        t0 = time.perf_counter()
        result = run_monte_carlo(sc, samples=a.samples, seed=a.seed, workers=a.workers, chunk_size=250)
        fast_times.append(time.perf_counter() - t0)
    assert result is not None
    naive_s, naive_obj = naive(sc, a.naive_samples, a.seed)
    fast_obj = result.batch.objective_yuan_per_year[:a.naive_samples]
    agree = bool(np.allclose(fast_obj, naive_obj, rtol=1e-6, equal_nan=True))
    fast = statistics.median(fast_times)
    fast_tp = a.samples / fast
    naive_tp = a.naive_samples / naive_s
    ratio = fast_tp / naive_tp
    print(f"fast: {a.samples} samples on {a.workers} workers, median of {a.runs} runs {fast:.2f} s "
          f"({fast_tp:,.0f} samples/s; runs: {', '.join(f'{t:.2f}' for t in fast_times)} s, pool start included)")
    print(f"naive: rebuild PuLP + CBC per sample, {a.naive_samples} samples in {naive_s:.2f} s "
          f"({naive_tp:,.1f} samples/s), extrapolated to {a.samples}: {a.samples / naive_tp:,.0f} s")
    print(f"ratio {ratio:.1f}x; same optimum on the {a.naive_samples} shared samples: {agree}")
    print(f"bar <= {BAR_SECONDS:g} s: {'PASS' if fast <= BAR_SECONDS else 'FAIL'}; "
          f">= {BAR_RATIO:g}x: {'PASS' if ratio >= BAR_RATIO else 'FAIL'}"
          + (" (smoke size: bars not meaningful)" if a.smoke else ""))
    print(json.dumps({"bench": "montecarlo", "samples": a.samples, "workers": a.workers, "runs": a.runs,
                      "fast_seconds_median": round(fast, 3), "fast_samples_per_s": round(fast_tp, 1),
                      "naive_samples": a.naive_samples, "naive_extrapolated": True,
                      "naive_samples_per_s": round(naive_tp, 2), "ratio": round(ratio, 1),
                      "agree": agree, "bar_seconds_ok": fast <= BAR_SECONDS, "bar_ratio_ok": ratio >= BAR_RATIO,
                      "smoke": a.smoke}))


if __name__ == "__main__":
    main()
