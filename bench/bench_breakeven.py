"""Benchmark: break-evens on the hard request (issue 27; ``bench/data/hard-request.yaml``).

14 candidates, 10 classes with 35-53 ms limits over four demand regions, 1,000 MW, at most 30 % per
site and 5 sites: each MILP solve takes a few tenths of a second and the break-evens of the ten sites not
chosen (a price and a cost search each, Newton's method on MILP re-solves, verified either side) take
about a hundred of them.  Bar: <= 15 s.

Baseline in the same run: the single optimisation of the same request (build, solve, result tables;
median of ``--runs``).  Measured: :func:`siting.optimization.explain.break_even` on the solved problem
(median of ``--runs``), with the number of sites and whether every break-even was verified.

    python -m bench.bench_breakeven [--runs N] [--smoke]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from siting import build_site_problem, default_catalog, load_request, optimize_problem
from siting.optimization.explain import break_even

from .timing import median_seconds, report

HARD_REQUEST = Path(__file__).resolve().parent / "data" / "hard-request.yaml"
DEFAULT_REQUEST = Path(__file__).resolve().parents[1] / "examples" / "default.yaml"
BAR_SECONDS = 15.0


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="the default 4-site request once, for CI")
    args = ap.parse_args(argv)
    runs = 1 if args.smoke else args.runs
    catalog = default_catalog()
    request = load_request(DEFAULT_REQUEST if args.smoke else HARD_REQUEST)
    problem = build_site_problem(catalog, request)
    solved = []
    t_solve, _ = median_seconds(lambda: solved.append(optimize_problem(build_site_problem(catalog, request))), runs)
    result = solved[-1]
    assert result.objective_yuan_per_year is not None, result.status
    opened = np.array([s in result.chosen_sites for s in problem.sites], dtype=float)
    frames = []
    t_be, times = median_seconds(lambda: frames.append(break_even(
        problem, opened, base_objective=result.objective_yuan_per_year)), runs, warmup=0)
    df = frames[-1]
    verified = [bool(v) for col in ("price_verified", "cost_verified") if col in df for v in df[col].dropna()]
    summary: dict[str, object] = {
        "benchmark": "break_even", "request": request.name, "runs": runs, "sites": len(problem.sites),
        "classes": len(problem.classes), "chosen_sites": result.chosen_sites, "sites_explained": len(df),
        "all_verified": all(verified), "median_solve_s": round(t_solve, 3), "median_break_even_s": round(t_be, 2),
        "break_even_runs_s": [round(t, 2) for t in times], "ratio_to_solve": round(t_be / t_solve, 1),
        "bar_seconds": BAR_SECONDS, "meets_bar": t_be <= BAR_SECONDS,
    }
    print(f"{request.name}: solve {t_solve:.2f} s; break-evens of {len(df)} sites {t_be:.1f} s "
          f"(x{t_be / t_solve:.0f}, bar {BAR_SECONDS:.0f} s), all verified: {all(verified)}")
    report(summary)
    return summary


if __name__ == "__main__":
    main()
