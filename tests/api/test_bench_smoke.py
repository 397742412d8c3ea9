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


def test_chaos_kill_smoke() -> None:
    """kill -9 of a job's child process and of the server while jobs arrive: every job stored ends
    done or failed with a reason, none is lost (bench/chaos_kill.py)."""
    from bench import chaos_kill

    s = chaos_kill.main(["--smoke"])
    assert s["kills"]["server"] >= 1 and s["kills"]["job_child"] >= 1
    assert s["jobs_accepted_by_clients"] > 0 and s["jobs_stored"] >= s["jobs_accepted_by_clients"]
    assert s["jobs_lost"] == 0 and s["failed_without_reason"] == 0 and s["server_5xx"] == 0
    assert s["children_of_killed_servers"] > 0 and s["orphans_left_running"] == 0
    assert sum(s["stored_by_status"].values()) == s["jobs_stored"]
    assert set(s["stored_by_status"]) <= {"done", "failed"}
