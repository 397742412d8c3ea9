"""Benchmark (a): one 4-site request end to end in-process.

End to end = validate the request, build the SiteProblem (PUE from climate, RTT,
costs, subsidies), define the model as arrays, pass it to HiGHS (emit_highs), build the result
tables.  Reported as the median of many runs, with the ratio to a bare solve of
the same MILP in highspy (DirectModel.solve on a model already built) run in
the same process.  Bar: median <= 50 ms.

    python -m bench.bench_request [--runs N] [--smoke]
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from siting import default_catalog, optimize, parse_request
from siting.optimization.emit_highs import DirectModel
from siting.optimization.problem import build_site_problem

from .timing import median_seconds, report

BAR_MEDIAN_S = 0.050
#: The default request: its interactive class at a 95 % service level, the minimum campus size.
REQUEST = {"it_load_mw": 20}
#: The same request with every eastern centre within 30 ms (service level 1): the baseline of service levels.
EVERY_CITY = {"it_load_mw": 20, "classes": [
    {"name": "interactive", "share_fraction": 0.3, "max_rtt_ms": 30, "egress_gbps_per_mw": 1.0,
     "demand_regions": ["east"]},
    {"name": "batch", "share_fraction": 0.7, "egress_gbps_per_mw": 0.2, "demand_regions": ["east"]}]}
#: Bar of the decision issue: service levels cost at most 1.3x the every-centre request.
BAR_SERVICE_LEVEL_RATIO = 1.3


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=101)
    ap.add_argument("--smoke", action="store_true", help="a handful of runs, for CI")
    args = ap.parse_args(argv)
    runs = 5 if args.smoke else args.runs
    catalog = default_catalog()
    e2e, _ = median_seconds(lambda: optimize(REQUEST, catalog), runs)
    # the same request on flat prices (no time-of-use schedules): the baseline of the power-over-the-year model
    flat_catalog = replace(catalog, tou={})
    flat, _ = median_seconds(lambda: optimize(REQUEST, flat_catalog), runs)
    every_city, _ = median_seconds(lambda: optimize(EVERY_CITY, catalog), runs)
    explain_runs = 2 if args.smoke else max(5, runs // 10)
    e2e_explain, _ = median_seconds(lambda: optimize(REQUEST, catalog, explain=True), explain_runs)
    model = DirectModel(build_site_problem(catalog, parse_request(REQUEST)))
    bare, _ = median_seconds(lambda: model.solve(), runs)
    result = optimize(REQUEST, catalog)
    summary = {
        "benchmark": "request_4_sites",
        "runs": runs,
        "median_end_to_end_ms": round(e2e * 1000, 2),
        "median_with_explanations_ms": round(e2e_explain * 1000, 1),
        "median_bare_highs_solve_ms": round(bare * 1000, 2),
        "ratio_end_to_end_to_bare_solve": round(e2e / bare, 2),
        "median_flat_price_ms": round(flat * 1000, 2),
        "ratio_time_of_use_to_flat_price": round(e2e / flat, 2),
        "median_every_city_ms": round(every_city * 1000, 2),
        "ratio_service_level_to_every_city": round(e2e / every_city, 2),
        "meets_service_level_bar": e2e / every_city <= BAR_SERVICE_LEVEL_RATIO,
        "bar_median_ms": BAR_MEDIAN_S * 1000,
        "meets_bar": e2e <= BAR_MEDIAN_S,
        "objective_yuan_per_year": result.objective_yuan_per_year,
        "chosen_sites": result.chosen_sites,
    }
    print(f"4-site request end to end: median {e2e * 1000:.1f} ms over {runs} runs "
          f"(bar {BAR_MEDIAN_S * 1000:.0f} ms); bare HiGHS solve {bare * 1000:.2f} ms; "
          f"with break-evens and shadow prices {e2e_explain * 1000:.0f} ms; flat-price model {flat * 1000:.1f} ms "
          f"(time of use x{e2e / flat:.2f}); every centre within 30 ms (no service level) {every_city * 1000:.1f} ms "
          f"(service level x{e2e / every_city:.2f}, bar x{BAR_SERVICE_LEVEL_RATIO})")
    report(summary)
    return summary


if __name__ == "__main__":
    main()
