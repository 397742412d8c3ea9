"""Benchmark: `--robust 500` on the default request, beside the nominal solve in the same run.

Baseline: the nominal ``siting.optimize`` of the same request (median of many runs).
Measured: ``siting.analysis.robust.robust`` with 500 samples of the catalog's ranges on 2
worker processes (median of ``--runs``), including the candidate plans and their regret.
Bar: <= 3 s on 2 cores.

    python -m bench.bench_robust [--runs N] [--samples 500] [--workers 2] [--smoke]
"""

from __future__ import annotations

import argparse

from siting import default_catalog, optimize
from siting.analysis.robust import robust

from .timing import median_seconds, report

BAR_SECONDS = 3.0


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--smoke", action="store_true", help="20 samples in-process, for CI")
    args = ap.parse_args(argv)
    samples, workers, runs = (20, 1, 1) if args.smoke else (args.samples, args.workers, args.runs)
    catalog = default_catalog()
    nominal, _ = median_seconds(lambda: optimize({}, catalog), 5 if args.smoke else 51)
    results = []
    t, _ = median_seconds(lambda: results.append(robust({}, catalog, samples=samples, workers=workers)), runs)
    r = results[-1]
    summary = {
        "benchmark": "robust", "samples": samples, "workers": workers, "runs": runs,
        "median_nominal_ms": round(nominal * 1000, 2), "median_robust_s": round(t, 3),
        "ratio_robust_to_nominal": round(t / nominal, 1), "bar_seconds": BAR_SECONDS,
        "meets_bar": t <= BAR_SECONDS, "nominal_sites": r.nominal_sites,
        "nominal_optimal_share": round(r.nominal_optimal_share, 3), "feasible_samples": r.feasible_samples,
    }
    print(f"robust {samples} samples on {workers} workers: median {t:.2f} s (bar {BAR_SECONDS:.0f} s); nominal solve "
          f"{nominal * 1000:.1f} ms (x{t / nominal:.0f}); {'+'.join(r.nominal_sites)} optimal in "
          f"{100 * r.nominal_optimal_share:.0f} % of the samples")
    report(summary)
    return summary


if __name__ == "__main__":
    main()
