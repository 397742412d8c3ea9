"""Benchmark (b): OR-Library capa/capb (100 x 1000, uncapacitated) against bare HiGHS.

Three ways on the same matrix, in the same process:
- bare HiGHS: the strong UFL formulation written straight into highspy from the
  file's arrays (no siting code at all) -- the baseline;
- siting direct: FacilityLocationProblem -> SiteProblem -> model arrays -> HiGHS emitter;
- siting PuLP: the same arrays written out by the PuLP emitter, solved with HiGHS through PuLP.
Each reports total time (read + build + solve), the objective against the
published optimum, and its ratio to bare HiGHS.  Bar: siting within 1.5x.

``--pmed``: OR-Library pmed1-5 (Beasley 1985) through the public classic API instead,
``PMedian``/``PCenter.from_cost_matrix(...).solve()`` (build + solve, the distance matrix read once),
median wall and CPU time of ``--runs`` solves each, against both published optima.  Bar (issue 25):
within 10 s each.

    python -m bench.bench_orlib [--runs N] [--smoke] [--pmed]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import highspy
import numpy as np

from siting.optimization.classic import PCenter, PMedian, read_orlib_pmed
from siting.optimization.emit_highs import DirectModel
from siting.optimization.facility_location import FacilityLocationProblem, solve_facility_location
from siting.optimization.solve import solver_threads

from .timing import median_seconds, peak_rss_mb, report

DATA = Path(__file__).parent / "data"
SMOKE_DATA = Path(__file__).parent.parent / "tests" / "data" / "orlib"
PUBLISHED = {"capa": 17156454.478, "capb": 12979071.582, "cap133": 893076.712, "cap71": 932615.750}
BAR_RATIO = 1.5
PMED_DATA = Path(__file__).parent.parent / "tests" / "data" / "orlib-pmed"
PMED_BAR_S = 10.0


def bare_highs(path: Path) -> float:
    """Read the file and solve min f.y + c.x, sum_j x_ij = 1, x_ij <= y_j, with highspy only."""
    tokens = path.read_text().split()
    m, n = int(tokens[0]), int(tokens[1])
    fixed = np.array(tokens[2:2 + 2 * m], dtype=object)[1::2].astype(float)
    body = np.array(tokens[2 + 2 * m:], dtype=float).reshape(n, m + 1)
    cost = body[:, 1:]  # (n, m): serving all of customer i from j
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", solver_threads())  # HiGHS has one thread scheduler per process
    h.setOptionValue("mip_rel_gap", 1e-9)
    inf = highspy.kHighsInf
    n_x = n * m
    # columns: y_j (m), x_ij (n*m, row-major i, j)
    lp = highspy.HighsLp()
    lp.num_col_ = m + n_x
    lp.num_row_ = n + n_x
    lp.col_cost_ = np.concatenate([fixed, cost.ravel()])
    lp.col_lower_ = np.zeros(m + n_x)
    lp.col_upper_ = np.concatenate([np.ones(m), np.full(n_x, inf)])
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(n_x, -inf)])
    lp.row_upper_ = np.concatenate([np.ones(n), np.zeros(n_x)])
    i_idx = np.repeat(np.arange(n), m)
    j_idx = np.tile(np.arange(m), n)
    x_col = m + np.arange(n_x)
    rows = np.concatenate([i_idx, n + np.arange(n_x), n + np.arange(n_x)])
    cols = np.concatenate([x_col, x_col, j_idx])
    vals = np.concatenate([np.ones(n_x), np.ones(n_x), -np.ones(n_x)])
    order = np.lexsort((rows, cols))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(cols[order], np.arange(m + n_x + 1)).astype(np.int32)
    lp.a_matrix_.index_ = rows[order].astype(np.int32)
    lp.a_matrix_.value_ = vals[order]
    lp.integrality_ = [highspy.HighsVarType.kInteger] * m + [highspy.HighsVarType.kContinuous] * n_x
    h.passModel(lp)
    h.run()
    return float(h.getObjectiveValue())


def siting_direct(path: Path) -> float:
    problem = FacilityLocationProblem.from_orlib(path).uncapacitated()
    outcome, _, _, _ = DirectModel(problem.to_site_problem()).solve(mip_gap=1e-9)
    assert outcome.objective is not None
    return outcome.objective


def siting_pulp(path: Path) -> float:
    solution = solve_facility_location(FacilityLocationProblem.from_orlib(path).uncapacitated(), backend="pulp")
    assert solution.objective is not None
    return solution.objective


def pmed(runs: int) -> dict[str, object]:
    """pmed1-5, p-median and p-center: median wall and CPU seconds of ``runs`` solves, objective vs published."""
    import csv
    import statistics
    import time

    with (PMED_DATA / "optima.csv").open(encoding="utf-8") as f:
        optima = list(csv.DictReader(f))
    rows = []
    for row in optima:
        d, p = read_orlib_pmed(PMED_DATA / f"{row['instance']}.txt")
        out: dict[str, object] = {"instance": row["instance"], "p": p}
        for label, build, published in (
                ("p_median", lambda d=d, p=p: PMedian.from_cost_matrix(d, np.ones(len(d)), p), row["p_median"]),
                ("p_center", lambda d=d, p=p: PCenter.from_cost_matrix(d, p), row["p_center"])):
            wall, cpu, values = [], [], []
            for _ in range(runs):
                t0, c0 = time.perf_counter(), time.process_time()
                values.append(build().solve().objective)
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            out[label] = {"median_s": round(statistics.median(wall), 2),
                          "median_cpu_s": round(statistics.median(cpu), 2), "objective": values[-1],
                          "published": float(published), "equal": all(v == float(published) for v in values)}
        print(f"{row['instance']}: p-median {out['p_median']}; p-center {out['p_center']}")
        rows.append(out)
    worst = max(r[k]["median_s"] for r in rows for k in ("p_median", "p_center"))  # type: ignore[index]
    summary = {"benchmark": "orlib-pmed", "runs": runs, "instances": rows, "bar_s": PMED_BAR_S,
               "worst_median_s": worst, "meets_bar": worst <= PMED_BAR_S, "peak_rss_mb": round(peak_rss_mb())}
    report(summary)
    return summary


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="cap71/cap133 once each, for CI")
    ap.add_argument("--pmed", action="store_true", help="OR-Library pmed1-5, p-median and p-center")
    args = ap.parse_args(argv)
    if args.pmed:
        return pmed(args.runs)
    instances = [SMOKE_DATA / "cap71.txt", SMOKE_DATA / "cap133.txt"] if args.smoke else [
        DATA / "capa.txt", DATA / "capb.txt"]
    runs = 1 if args.smoke else args.runs
    rows = []
    for path in instances:
        name = path.stem
        results = {}
        for label, fn in (("bare_highs", bare_highs), ("siting_direct", siting_direct), ("siting_pulp", siting_pulp)):
            values: list[float] = []
            t, _ = median_seconds(lambda fn=fn, path=path, values=values: values.append(fn(path)), runs, warmup=0)
            obj = values[-1]
            results[label] = {"median_s": round(t, 3), "objective": obj,
                              "rel_error": abs(obj - PUBLISHED[name]) / PUBLISHED[name]}
        base = results["bare_highs"]["median_s"]
        for label in ("siting_direct", "siting_pulp"):
            results[label]["ratio_to_bare"] = round(results[label]["median_s"] / base, 3)
        print(f"{name}: bare HiGHS {base:.2f} s; siting direct {results['siting_direct']['median_s']:.2f} s "
              f"(x{results['siting_direct']['ratio_to_bare']}); siting PuLP {results['siting_pulp']['median_s']:.2f} s "
              f"(x{results['siting_pulp']['ratio_to_bare']}); all within "
              f"{max(r['rel_error'] for r in results.values()):.1e} of the published optimum")
        rows.append({"instance": name, **results})
    worst = max(r["siting_direct"]["ratio_to_bare"] for r in rows)  # type: ignore[index]
    summary = {"benchmark": "orlib", "runs": runs, "instances": rows, "bar_ratio": BAR_RATIO,
               "worst_direct_ratio": worst, "meets_bar": worst <= BAR_RATIO, "peak_rss_mb": round(peak_rss_mb())}
    report(summary)
    return summary


if __name__ == "__main__":
    main()
