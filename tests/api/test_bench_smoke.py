"""Smoke run of the API load benchmark: a tiny load, every accepted job done."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_api_load_smoke() -> None:
    proc = subprocess.run([sys.executable, "-m", "bench.bench_api_load", "--smoke"], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["jobs_accepted"] > 0
    assert summary["jobs_accepted"] == summary["jobs_done"], summary
    assert summary["accepted_equals_done"] and summary["jobs_unfinished"] == 0
    assert summary["submit_latency"]["p99_ms"] is not None
