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


def test_mixed_load_smoke() -> None:
    """8 clients on optimise, score, compare and jobs against a server allowing 2 requests in flight: no job lost,
    no 5xx, and the 429s name the limit that refused them."""
    from bench import bench_api_mix

    s = bench_api_mix.main(["--smoke"])
    assert s["jobs_lost"] == 0 and s["jobs_accepted"] == s["jobs_done_or_failed"]
    assert s["responses_5xx"] == 0
    assert s["responses_429"] > 0 and s["limits_named_by_429"] == ["max_in_flight"]
