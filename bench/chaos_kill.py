"""kill -9 campaign: jobs survive SIGKILL of their child process and of the whole server.

Starts the server (uvicorn, worker threads, each job in a process-isolated child, api/isolation.py)
on SQLite in a temporary directory and a free loopback port.  Clients submit jobs for ``--duration``
seconds; meanwhile, every ``--every`` seconds, the campaign sends SIGKILL to either

- a job's child process (the worker must record the job ``failed`` with code ``worker_crashed``,
  start a fresh child and go on), or
- the server itself (restarted at once on the same database: jobs it was running are recovered
  and run again, as their ``note`` says),

alternating.  A killed server's child processes (compute pool, job children) must exit by
themselves (api.compute.exit_with_parent); any still running 3 s after the drain is counted.
Then it drains and checks, in the database, that every job ends ``done`` or
``failed`` with a stated reason: none lost (still queued/running), none unaccounted for.  Jobs
whose 202 was lost with the server are counted from the database (they were stored first).

    python -m bench.chaos_kill [--duration 20] [--every 2] [--clients 4] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from .bench_api_load import REQUEST, SERVER, database_with_key, free_port, stop_process, wait_ready
from .timing import report

#: A job that keeps its child busy for a while (robust re-solves), so that kills land mid-job.
JOB = {"request": REQUEST, "time_limit_s": 60, "robust": {"samples": 30, "seed": 1}}


def log(message: str) -> None:
    sys.stderr.write(f"chaos: {message}\n")
    sys.stderr.flush()


def start_server(env: dict[str, str], port: int, cwd: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=env, cwd=cwd,
                            stderr=subprocess.DEVNULL)


def job_children(server: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """The server's spawned job processes (multiprocessing children running a job child)."""
    try:
        kids = psutil.Process(server.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    out = []
    for k in kids:
        try:
            if "multiprocessing" in " ".join(k.cmdline()):
                out.append(k)
        except psutil.Error:  # gone, or a zombie not yet reaped (the child just killed)
            continue
    return out


async def submitter(http: httpx.AsyncClient, until: float, accepted: list[str], errors: list[str]) -> None:
    while time.monotonic() < until:
        try:
            r = await http.post("/v1/requests", json=JOB)
        except httpx.TransportError as exc:  # the server is being killed or restarted
            errors.append(type(exc).__name__)
            await asyncio.sleep(0.2)
            continue
        if r.status_code == 202:
            accepted.append(r.json()["id"])
        elif r.status_code >= 500:
            errors.append(f"HTTP {r.status_code}")
        await asyncio.sleep(0.05)


def final_states(url: str) -> dict[str, tuple[str, str | None, int, str | None]]:
    """job id -> (status, error code, attempts, note), read from the database."""
    from sqlalchemy import select

    from api.db import Database, Job

    db = Database(url)
    with db.session() as s:
        rows = s.execute(select(Job.id, Job.status, Job.error, Job.attempts, Job.note)).all()
    db.dispose()
    return {str(i): (str(st), (err or {}).get("code"), int(a), n) for i, st, err, a, n in rows}


def _cpu(p: psutil.Process) -> float:
    try:
        t = p.cpu_times()
        return float(t.user + t.system)
    except psutil.Error:
        return 0.0


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--clients", type=int, default=4, help="concurrent submitting clients")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds of submissions and kills")
    ap.add_argument("--every", type=float, default=2.0, help="seconds between kills")
    ap.add_argument("--drain", type=float, default=120.0, help="max seconds for the rest to finish")
    ap.add_argument("--smoke", action="store_true", help="CI size: 2 clients, 6 s, a kill every 1.5 s")
    args = ap.parse_args(argv)
    if args.smoke:
        args.clients, args.duration, args.every, args.drain = 2, 6.0, 1.5, 90.0

    with tempfile.TemporaryDirectory(prefix="siting-chaos-") as tmp:
        url, key = database_with_key(Path(tmp), "chaos")
        port = free_port()
        env = {**os.environ, "SITING_DATABASE_URL": url, "SITING_RUN_WORKER": "1", "SITING_WORKER_THREADS": "2",
               "SITING_WORKER_POLL_S": "0.01", "SITING_JOB_ISOLATION": "1", "SITING_HEARTBEAT_S": "0.5",
               # a killed server's running jobs are recovered once their heartbeat is this old
               "SITING_STALE_AFTER_S": "2", "SITING_RATE_PER_MINUTE": "1000000",
               "SITING_MAX_IN_FLIGHT_PER_KEY": "1000", "SITING_MAX_IN_FLIGHT": "1000"}
        base_url = f"http://127.0.0.1:{port}"
        server = start_server(env, port, tmp)
        accepted: list[str] = []
        errors: list[str] = []
        kills = {"job_child": 0, "server": 0}
        orphans: list[psutil.Process] = []  # children of a killed server: they must exit by themselves
        try:
            wait_ready(base_url, server)

            async def campaign() -> None:
                nonlocal server
                limits = httpx.Limits(max_connections=args.clients)
                async with httpx.AsyncClient(base_url=base_url, headers={"X-API-Key": key}, limits=limits,
                                             timeout=30.0) as http:
                    until = time.monotonic() + args.duration
                    clients = [asyncio.create_task(submitter(http, until, accepted, errors))
                               for _ in range(args.clients)]
                    turn = 0
                    while time.monotonic() < until:
                        await asyncio.sleep(args.every)
                        if turn % 2 == 0:
                            kids = job_children(server)
                            if kids:  # the busiest child: a kill mid-job, not of an idle process
                                cpu0 = {k.pid: _cpu(k) for k in kids}
                                await asyncio.sleep(0.3)
                                busiest = max(kids, key=lambda k: _cpu(k) - cpu0[k.pid])
                                try:
                                    os.kill(busiest.pid, signal.SIGKILL)
                                    kills["job_child"] += 1
                                except ProcessLookupError:
                                    pass
                        else:
                            before = job_children(server)
                            server.send_signal(signal.SIGKILL)
                            server.wait()
                            kills["server"] += 1
                            orphans.extend(before)
                            server = start_server(env, port, tmp)
                            await asyncio.to_thread(wait_ready, base_url, server)
                        turn += 1
                        elapsed = args.duration - (until - time.monotonic())
                        log(f"t={elapsed:.1f}s kills={kills} accepted={len(accepted)}")
                    await asyncio.gather(*clients)

            asyncio.run(campaign())
            log("draining")
            deadline = time.monotonic() + args.drain
            while time.monotonic() < deadline:
                states = final_states(url)
                if all(st in ("done", "failed") for st, *_ in states.values()):
                    break
                time.sleep(0.5)
        finally:
            stop_process(server)
        states = final_states(url)
        time.sleep(3.0)  # children notice a dead parent within a second (api.compute.exit_with_parent)
        lingering = [p for p in orphans if _alive(p)]
        for p in lingering:
            try:
                log(f"lingering child {p.pid} (parent {p.ppid()}): {' '.join(p.cmdline())[:100]}")
            except psutil.Error:
                pass
            p.kill()

    by_status: dict[str, int] = {}
    for st, *_ in states.values():
        by_status[st] = by_status.get(st, 0) + 1
    failed_codes: dict[str, int] = {}
    for st, code, *_ in states.values():
        if st == "failed":
            failed_codes[str(code)] = failed_codes.get(str(code), 0) + 1
    lost = [i for i in accepted if i not in states or states[i][0] not in ("done", "failed")]
    unexplained = [i for i, (st, code, *_) in states.items() if st == "failed" and not code]
    recovered = sum(1 for (_st, _c, attempts, _n) in states.values() if attempts > 1)
    summary: dict[str, Any] = {
        "benchmark": "chaos_kill", "clients": args.clients, "duration_s": args.duration,
        "kills": kills, "jobs_accepted_by_clients": len(accepted), "jobs_stored": len(states),
        "stored_by_status": by_status, "failed_by_code": failed_codes, "jobs_recovered_and_rerun": recovered,
        "jobs_lost": len(lost), "failed_without_reason": len(unexplained),
        "children_of_killed_servers": len(orphans), "orphans_left_running": len(lingering),
        "client_transport_errors": len(errors), "server_5xx": sum(1 for e in errors if e.startswith("HTTP 5")),
        "ok": not lost and not unexplained and not lingering and kills["server"] > 0 and len(accepted) > 0,
    }
    report(summary)
    return summary


if __name__ == "__main__":
    sys.exit(0 if main()["ok"] else 1)
