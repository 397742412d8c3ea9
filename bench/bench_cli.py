"""Benchmark: the command line from the shell, start-up included (issue 27).

Measured, each as the median of ``--runs`` fresh processes (``subprocess``, wall time):

- ``siting --help`` (bar <= 0.3 s): start-up alone (imports, the typer app);
- ``siting optimize examples/default.yaml`` (bar <= 1.0 s): the answer with its explanations, the
  default 200 robust samples and the story, printed as a planner reads it (``--quiet``: no progress bar).

Baseline in the same run: ``python -c pass`` with the same interpreter (the floor any command pays);
each command's ratio to it is reported beside its time.  The three kinds of process are interleaved
run by run so that a busy spell on the shared machine hits all of them alike.

    python -m bench.bench_cli [--runs N] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .timing import report

ROOT = Path(__file__).resolve().parents[1]
BAR_HELP_S = 0.3
BAR_OPTIMIZE_S = 1.0


#: What the ``siting`` console script runs (pyproject ``[project.scripts]``), as ``python -c``, so that another
#: checkout (``--before``) can be run with the same interpreter and packages.
SITING = [sys.executable, "-c", "import sys; from siting.cli import app; sys.argv[0] = 'siting'; sys.exit(app())"]


def wall_seconds(cmd: list[str], root: Path = ROOT) -> float:
    """Wall time [s] of one run of ``cmd`` in checkout ``root`` (its ``siting`` first on the path; stdout
    discarded; a failure raises)."""
    env = {**os.environ, "COLUMNS": "100", "PYTHONPATH": str(root)}
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=root, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--smoke", action="store_true", help="2 runs and 20 robust samples, for CI")
    ap.add_argument("--before", type=Path, default=None,
                    help="Another checkout (e.g. `git worktree add /tmp/base main`) timed the same way, interleaved")
    args = ap.parse_args(argv)
    runs = 2 if args.smoke else args.runs
    samples = 20 if args.smoke else 200
    cmds: dict[str, tuple[list[str], Path]] = {
        "baseline": ([sys.executable, "-c", "pass"], ROOT),
        "help": ([*SITING, "--help"], ROOT),
        "optimize": ([*SITING, "--quiet", "optimize", "examples/default.yaml", "--robust", str(samples)], ROOT),
    }
    if args.before is not None:
        before = args.before.resolve()
        cmds["help_before"] = (cmds["help"][0], before)
        cmds["optimize_before"] = (cmds["optimize"][0], before)
    for cmd, root in cmds.values():  # warm the file cache and the byte-code
        wall_seconds(cmd, root)
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(runs):
        for k, (cmd, root) in cmds.items():
            times[k].append(wall_seconds(cmd, root))
    med = {k: statistics.median(v) for k, v in times.items()}
    summary: dict[str, object] = {
        "benchmark": "cli", "runs": runs, "robust_samples": samples,
        "median_baseline_s": round(med["baseline"], 4),
        "median_help_s": round(med["help"], 3), "median_optimize_s": round(med["optimize"], 3),
        "ratio_help_to_baseline": round(med["help"] / med["baseline"], 1),
        "ratio_optimize_to_baseline": round(med["optimize"] / med["baseline"], 1),
        "bar_help_s": BAR_HELP_S, "bar_optimize_s": BAR_OPTIMIZE_S,
        "meets_bars": med["help"] <= BAR_HELP_S and med["optimize"] <= BAR_OPTIMIZE_S,
    }
    if args.before is not None:
        summary.update({"median_help_before_s": round(med["help_before"], 3),
                        "median_optimize_before_s": round(med["optimize_before"], 3),
                        "speedup_help": round(med["help_before"] / med["help"], 2),
                        "speedup_optimize": round(med["optimize_before"] / med["optimize"], 2)})
        print(f"before ({args.before}): --help {med['help_before'] * 1000:.0f} ms, optimize "
              f"{med['optimize_before']:.2f} s: speed-ups x{summary['speedup_help']} / x{summary['speedup_optimize']}")
    print(f"python -c pass {med['baseline'] * 1000:.0f} ms; siting --help {med['help'] * 1000:.0f} ms "
          f"(x{summary['ratio_help_to_baseline']}, bar {BAR_HELP_S} s); siting optimize default.yaml "
          f"--robust {samples} {med['optimize']:.2f} s (x{summary['ratio_optimize_to_baseline']}, bar "
          f"{BAR_OPTIMIZE_S} s); medians of {runs}")
    report(summary)
    return summary


if __name__ == "__main__":
    main()
