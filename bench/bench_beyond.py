"""Benchmark: the capabilities beyond the anchors, each beside the single-objective solve of the same request.

(a) a 20-point cost/latency frontier (siting.analysis.pareto) on the default request; bar: <= 20 x the
    single solve of that request (median of runs, same process, same run);
(b) a 10-year staged plan with yearly steps over the 4 default sites (examples/staged-200mw.yaml, 10 MW
    blocks, siting.optimization.staging); bar: <= 2 s;
(c) the classic views (p-median, p-center, MCLP, each costed) of the default request, for reference.

    python -m bench.bench_beyond [--runs N] [--smoke]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from siting import default_catalog, optimize, parse_request
from siting.analysis.classic import classic_views
from siting.analysis.pareto import pareto
from siting.data.request import load_request
from siting.optimization.staging import StagingOptions, stage

from .timing import median_seconds, report

FRONTIER_BAR_RATIO = 20.0
STAGED_BAR_SECONDS = 2.0
STAGED = Path(__file__).resolve().parents[1] / "examples" / "staged-200mw.yaml"


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--smoke", action="store_true", help="4 frontier points, 1 run: for CI")
    args = ap.parse_args(argv)
    runs, points = (1, 4) if args.smoke else (args.runs, 20)
    catalog = default_catalog()
    request = parse_request({})
    single, _ = median_seconds(lambda: optimize(request, catalog), 5 if args.smoke else 31)
    frontiers = []
    t_front, _ = median_seconds(lambda: frontiers.append(pareto(request, catalog, criterion="rtt", points=points)),
                                runs)
    ramp = load_request(STAGED)
    plans = []
    t_stage, _ = median_seconds(lambda: plans.append(stage(ramp, catalog, StagingOptions(years=10, build_block_mw=10))),
                                runs)
    t_classic, _ = median_seconds(lambda: classic_views(request, catalog), runs)
    f, plan = frontiers[-1], plans[-1]
    summary = {
        "benchmark": "beyond", "runs": runs, "frontier_points_asked": points,
        "median_single_solve_ms": round(single * 1000, 2),
        "median_frontier_s": round(t_front, 3), "ratio_frontier_to_single": round(t_front / single, 1),
        "frontier_points": len(f.points), "frontier_bar_ratio": FRONTIER_BAR_RATIO,
        "frontier_meets_bar": t_front / single <= FRONTIER_BAR_RATIO,
        "median_staged_s": round(t_stage, 3), "ratio_staged_to_single": round(t_stage / single, 1),
        "staged_status": plan.status, "staged_bar_seconds": STAGED_BAR_SECONDS,
        "staged_meets_bar": t_stage <= STAGED_BAR_SECONDS,
        "median_classic_s": round(t_classic, 3), "ratio_classic_to_single": round(t_classic / single, 1),
    }
    print(f"single solve {single * 1000:.1f} ms; {points}-point frontier {t_front:.2f} s (x{t_front / single:.1f}, "
          f"bar x{FRONTIER_BAR_RATIO:.0f}); staged 10 years {t_stage:.2f} s (bar {STAGED_BAR_SECONDS:.0f} s, "
          f"x{t_stage / single:.0f}); classic views {t_classic:.2f} s (x{t_classic / single:.0f})")
    report(summary)
    return summary


if __name__ == "__main__":
    main()
