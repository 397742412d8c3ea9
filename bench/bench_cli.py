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
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .timing import report

ROOT = Path(__file__).resolve().parents[1]
BAR_HELP_S = 0.3
BAR_OPTIMIZE_S = 1.0


def _siting() -> list[str]:
    """The ``siting`` console script beside this interpreter (else ``python -m`` of the typer app)."""
    script = Path(sys.executable).with_name("siting")
    if script.exists():
        return [str(script)]
    found = shutil.which("siting")
    return [found] if found else [sys.executable, "-c", "from siting.cli import app; app()"]


def wall_seconds(cmd: list[str]) -> float:
    """Wall time [s] of one run of ``cmd`` in the project root (stdout discarded; a failure raises)."""
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   env={**os.environ, "COLUMNS": "100"})
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--smoke", action="store_true", help="2 runs and 20 robust samples, for CI")
    args = ap.parse_args(argv)
    runs = 2 if args.smoke else args.runs
    samples = 20 if args.smoke else 200
    siting = _siting()
    cmds = {
        "baseline": [sys.executable, "-c", "pass"],
        "help": [*siting, "--help"],
        "optimize": [*siting, "--quiet", "optimize", "examples/default.yaml", "--robust", str(samples)],
    }
    for cmd in cmds.values():  # warm the file cache and the byte-code
        wall_seconds(cmd)
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(runs):
        for k, cmd in cmds.items():
            times[k].append(wall_seconds(cmd))
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
    print(f"python -c pass {med['baseline'] * 1000:.0f} ms; siting --help {med['help'] * 1000:.0f} ms "
          f"(x{summary['ratio_help_to_baseline']}, bar {BAR_HELP_S} s); siting optimize default.yaml "
          f"--robust {samples} {med['optimize']:.2f} s (x{summary['ratio_optimize_to_baseline']}, bar "
          f"{BAR_OPTIMIZE_S} s); medians of {runs}")
    report(summary)
    return summary


if __name__ == "__main__":
    main()
