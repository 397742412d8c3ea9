"""The Monte Carlo benchmark runs at smoke size and ends with a JSON summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_montecarlo_smoke() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_montecarlo.py"), "--smoke"],
                         capture_output=True, text=True, check=True, timeout=120)
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["smoke"] is True and summary["agree"] is True
    assert summary["naive_extrapolated"] is True
