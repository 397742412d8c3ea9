"""Load check of the HTTP API: N concurrent clients submit and poll jobs for a bounded time.

Starts ``siting serve`` equivalent (uvicorn, in-process worker threads, SQLite in a
temporary directory) as a subprocess on 127.0.0.1 and a free port; only loopback
traffic.  Each client loops: ``POST /v1/requests`` (a 3-site, 20 MW request), then
``GET /v1/requests/{id}`` every ``--poll`` seconds until the job is done or failed.
Submissions stop after ``--duration`` seconds; accepted jobs are then drained.
Reports throughput (jobs/s and HTTP requests/s), p50/p99 latency of submissions,
polls and job turnaround, and checks that every accepted job finished (none lost).

    python -m bench.bench_api_load [--clients 16] [--duration 20] [--threads 2] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .timing import report

REQUEST = {"name": "bench", "it_load_mw": 20, "candidates": ["zhongwei", "guian", "yaan"]}
SERVER = ("from api.server import run_server; import sys; "
          "run_server('127.0.0.1', int(sys.argv[1]), log_level='warning')")
WORKER = "from siting.cli.main import app; app(['worker'])"


@dataclass
class Stats:
    submit_s: list[float] = field(default_factory=list)
    poll_s: list[float] = field(default_factory=list)
    turnaround_s: list[float] = field(default_factory=list)
    accepted: int = 0
    done: int = 0
    failed: int = 0
    rejected: int = 0
    http_errors: int = 0
    unfinished: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def ms(values: list[float]) -> dict[str, float | None]:
    def r(v: float | None) -> float | None:
        return None if v is None else round(1000 * v, 2)

    return {"p50_ms": r(percentile(values, 50)), "p99_ms": r(percentile(values, 99)),
            "n": len(values)}


async def client_loop(http: httpx.AsyncClient, stats: Stats, submit_until: float,
                      drain_until: float, poll_s: float) -> None:
    while time.monotonic() < submit_until:
        t0 = time.monotonic()
        r = await http.post("/v1/requests", json={"request": REQUEST, "time_limit_s": 30})
        stats.submit_s.append(time.monotonic() - t0)
        if r.status_code != 202:
            stats.rejected += 1
            continue
        stats.accepted += 1
        job_id = r.json()["id"]
        while True:
            if time.monotonic() > drain_until:
                stats.unfinished.append(job_id)
                return
            await asyncio.sleep(poll_s)
            t1 = time.monotonic()
            p = await http.get(f"/v1/requests/{job_id}")
            stats.poll_s.append(time.monotonic() - t1)
            if p.status_code != 200:
                stats.http_errors += 1
                continue
            status = p.json()["status"]
            if status in ("done", "failed"):
                stats.turnaround_s.append(time.monotonic() - t0)
                if status == "done":
                    stats.done += 1
                else:
                    stats.failed += 1
                break


async def run_clients(base_url: str, key: str, clients: int, duration_s: float,
                      drain_s: float, poll_s: float) -> tuple[Stats, float]:
    stats = Stats()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, headers={"X-API-Key": key}, limits=limits,
                                 timeout=60.0) as http:
        t0 = time.monotonic()
        submit_until = t0 + duration_s
        await asyncio.gather(*(client_loop(http, stats, submit_until, submit_until + drain_s,
                                           poll_s) for _ in range(clients)))
        return stats, time.monotonic() - t0


def database_with_key(directory: Path, owner: str) -> tuple[str, str]:
    """A migrated SQLite database in ``directory`` with one API key: (database URL, plain key)."""
    from api.db import Database
    from api.keys import create_key
    from api.migrate import upgrade

    url = f"sqlite:///{directory / 'api.db'}"
    upgrade(url)
    db = Database(url)
    _, key = create_key(db, owner)
    db.dispose()
    return url, key


def wait_ready(base_url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60.0, path: str = "/healthz") -> None:
    """Until ``path`` answers 200: /healthz (up) or /readyz (a compute process started: synchronous calls measured
    from then on do not include the seconds of a process's start)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        try:
            if httpx.get(f"{base_url}{path}", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not ready after {timeout_s} s")


def stop_process(p: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    """SIGTERM, then SIGKILL if it is still there after ``timeout_s``."""
    p.terminate()
    try:
        p.wait(timeout_s)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def count_by_status(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from api.db import Database, Job

    db = Database(url)
    with db.session() as s:
        rows = s.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    db.dispose()
    return {str(status): int(n) for status, n in rows}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--clients", type=int, default=16, help="concurrent clients")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds of submissions")
    ap.add_argument("--drain", type=float, default=120.0, help="max seconds to finish the rest")
    ap.add_argument("--threads", type=int, default=2, help="worker threads in the server")
    ap.add_argument("--processes", type=int, default=0,
                    help="run jobs in this many `siting worker` processes instead (api: --no-worker)")
    ap.add_argument("--poll", type=float, default=0.05, help="poll interval [s]")
    ap.add_argument("--smoke", action="store_true", help="tiny run for CI (2 clients, 2 s)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.clients, args.duration, args.drain = 2, 2.0, 60.0

    with tempfile.TemporaryDirectory(prefix="siting-bench-") as tmp:
        url, key = database_with_key(Path(tmp), "bench")
        port = free_port()
        env = {**os.environ, "SITING_DATABASE_URL": url,
               "SITING_RUN_WORKER": "0" if args.processes else "1",
               "SITING_WORKER_THREADS": str(args.threads), "SITING_WORKER_POLL_S": "0.01",
               # throughput, not admission control, is measured here: lift the per-key limits
               "SITING_RATE_PER_MINUTE": "1000000", "SITING_MAX_IN_FLIGHT_PER_KEY": "1000",
               "SITING_MAX_IN_FLIGHT": "1000"}
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=env, cwd=tmp)
        procs = [proc] + [
            subprocess.Popen([sys.executable, "-c", WORKER], env=env, cwd=tmp,
                             stderr=subprocess.DEVNULL)
            for _ in range(args.processes)]
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base_url, proc)
            stats, elapsed = asyncio.run(run_clients(base_url, key, args.clients, args.duration,
                                                     args.drain, args.poll))
        finally:
            for p in procs:
                p.terminate()  # all at once, then wait for each
            for p in procs:
                stop_process(p)
        stored = count_by_status(url)

    finished = stats.done + stats.failed
    http_requests = len(stats.submit_s) + len(stats.poll_s)
    summary: dict[str, Any] = {
        "benchmark": "api_load",
        "clients": args.clients, "duration_s": args.duration,
        "worker_threads": 0 if args.processes else args.threads,
        "worker_processes": args.processes,
        "elapsed_s": round(elapsed, 2),
        "jobs_accepted": stats.accepted, "jobs_done": stats.done, "jobs_failed": stats.failed,
        "jobs_rejected": stats.rejected, "jobs_unfinished": len(stats.unfinished),
        "stored_by_status": stored,
        "accepted_equals_done": stats.accepted == stats.done == stored.get("done", 0),
        "jobs_per_s": round(finished / elapsed, 2) if elapsed else None,
        "http_requests_per_s": round(http_requests / elapsed, 1) if elapsed else None,
        "http_errors": stats.http_errors,
        "submit_latency": ms(stats.submit_s), "poll_latency": ms(stats.poll_s),
        "job_turnaround": ms(stats.turnaround_s),
    }
    report(summary)
    return summary


if __name__ == "__main__":
    result = main()
    sys.exit(0 if result["accepted_equals_done"] and result["jobs_accepted"] > 0 else 1)
