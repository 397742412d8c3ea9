"""Mixed load on the HTTP API, side by side with the same work in-process.

Starts the API (uvicorn, SQLite in a temporary directory, in-process job workers, the default
admission limits unless told otherwise) on a free loopback port, creates one API key per client
and runs, for ``--duration`` seconds:

- ``--clients`` clients, each looping over a mix: ``POST /v1/optimize`` with explanations (40 %),
  ``POST /v1/score`` (30 %), ``POST /v1/compare`` of two scenarios (10 %) and a job
  (``POST /v1/requests`` then polling ``GET /v1/requests/{id}`` until it ends, 20 %);
- one monitor polling ``GET /healthz`` every 50 ms.

Clients honour ``Retry-After`` on a 429 (admission control: SITING_MAX_IN_FLIGHT, per-key limits).

Reports p50/p99 per route, ``/healthz`` p99, jobs accepted = jobs done (none lost), the number of
429s and of 5xx.  Then the CPU-bound comparison: ``--clients`` clients sending only optimise with
explanations for ``--duration`` seconds (requests/s over HTTP), against a bare ``siting.optimize``
loop in this process for the same time on the same machine (requests/s), as a ratio.

Bars (issue 13): /healthz p99 <= 100 ms; 0 jobs lost; 0 5xx; HTTP optimise throughput >= 50 % of the
in-process loop.

    python -m bench.bench_api_mix [--clients 40] [--duration 20] [--threads 2] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from .bench_api_load import SERVER, count_by_status, free_port, wait_ready
from .timing import report

REQUEST = {"name": "mix", "it_load_mw": 20}
SCENARIOS = [{"name": "base", "request": REQUEST},
             {"name": "carbon-100", "request": {**REQUEST, "carbon_price_yuan_per_t": 100}}]


def _keys(url: str, n: int) -> list[str]:
    from api.db import Database
    from api.keys import create_key
    from api.migrate import upgrade

    upgrade(url)
    db = Database(url)
    keys = [create_key(db, f"client-{i}")[1] for i in range(n)]
    db.dispose()
    return keys


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


class Tally:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[int, int] = defaultdict(int)
        self.limit_named: set[str] = set()  # the limit each 429 body named
        self.accepted = 0
        self.finished = 0

    async def call(self, http: httpx.AsyncClient, route: str, method: str, path: str, **kw: Any) -> httpx.Response:
        t0 = time.perf_counter()
        r = await http.request(method, path, **kw)
        self.latency[route].append(time.perf_counter() - t0)
        self.status[r.status_code] += 1
        if r.status_code == 429:  # a well-behaved client waits as told
            self.limit_named.add(str(r.json()["error"]["field"]))
            await asyncio.sleep(float(r.headers.get("retry-after", "1")))
        return r


async def _client(base: str, key: str, tally: Tally, until: float, drain_until: float, seed: int) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, timeout=120.0) as http:
        while time.monotonic() < until:
            u = rng.random()
            if u < 0.4:
                await tally.call(http, "optimize", "POST", "/v1/optimize", json={"request": REQUEST, "explain": True})
            elif u < 0.7:
                await tally.call(http, "score", "POST", "/v1/score", json={"request": REQUEST})
            elif u < 0.8:
                await tally.call(http, "compare", "POST", "/v1/compare",
                                 json={"scenarios": SCENARIOS, "explain": False})
            else:
                r = await tally.call(http, "submit", "POST", "/v1/requests", json={"request": REQUEST})
                if r.status_code != 202:
                    continue
                tally.accepted += 1
                job = r.json()["id"]
                while time.monotonic() < drain_until:
                    p = await tally.call(http, "poll", "GET", f"/v1/requests/{job}")
                    if p.status_code == 200 and p.json()["status"] in ("done", "failed"):
                        tally.finished += 1
                        break
                    await asyncio.sleep(0.1)


async def _health(base: str, tally: Tally, until: float) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=10.0) as http:
        while time.monotonic() < until:
            await tally.call(http, "healthz", "GET", "/healthz")
            await asyncio.sleep(0.05)


async def _optimise_only(base: str, keys: list[str], duration_s: float) -> tuple[int, int]:
    done = limited = 0
    until = time.monotonic() + duration_s

    async def one(key: str) -> None:
        nonlocal done, limited
        async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, timeout=120.0) as http:
            while time.monotonic() < until:
                r = await http.post("/v1/optimize", json={"request": REQUEST, "explain": True})
                if r.status_code == 200:
                    done += 1
                elif r.status_code == 429:
                    limited += 1
                    await asyncio.sleep(float(r.headers.get("retry-after", "0.2")) / 10)
    await asyncio.gather(*(one(k) for k in keys))
    return done, limited


def _in_process_rate(duration_s: float) -> float:
    import siting

    cat = siting.default_catalog()
    siting.optimize(REQUEST, cat, explain=True)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < duration_s:
        siting.optimize(REQUEST, cat, explain=True)
        n += 1
    return n / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--clients", type=int, default=40)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--threads", type=int, default=2, help="job worker threads in the server")
    ap.add_argument("--drain", type=float, default=120.0)
    ap.add_argument("--max-in-flight", type=int, default=None,
                    help="server's SITING_MAX_IN_FLIGHT (default: its own, 8); the smoke run uses 2 to see 429s")
    ap.add_argument("--smoke", action="store_true", help="8 clients for 4 s: for CI")
    args = ap.parse_args(argv)
    clients, duration = (8, 4.0) if args.smoke else (args.clients, args.duration)
    max_in_flight = 2 if args.smoke and args.max_in_flight is None else args.max_in_flight
    with tempfile.TemporaryDirectory(prefix="siting-mix-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'api.db'}"
        keys = _keys(url, clients)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "SITING_DATABASE_URL": url, "SITING_WORKER_THREADS": str(args.threads),
               "SITING_RUN_WORKER": "1",
               **({"SITING_MAX_IN_FLIGHT": str(max_in_flight)} if max_in_flight is not None else {})}
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=env, cwd=tmp,
                                stderr=subprocess.DEVNULL)
        try:
            wait_ready(base, proc, timeout_s=180.0, path="/readyz")
            tally = Tally()
            t0 = time.monotonic()
            until, drain_until = t0 + duration, t0 + duration + args.drain

            async def mixed() -> None:
                await asyncio.gather(_health(base, tally, until),
                                     *(_client(base, k, tally, until, drain_until, n) for n, k in enumerate(keys)))
            asyncio.run(mixed())
            by_status = count_by_status(url)
            http_done, http_429 = asyncio.run(_optimise_only(base, keys, duration))
        finally:
            proc.terminate()
            proc.wait(60)
    http_rate = http_done / duration
    local_rate = _in_process_rate(duration)
    routes = {r: {"n": len(v), "p50_ms": round(1000 * statistics.median(v), 1),
                  "p99_ms": round(1000 * _pct(v, 0.99), 1)} for r, v in sorted(tally.latency.items())}
    server_errors = sum(n for s, n in tally.status.items() if s >= 500)
    lost = tally.accepted - tally.finished
    summary: dict[str, Any] = {
        "benchmark": "api_mix", "clients": clients, "duration_s": duration, "worker_threads": args.threads,
        "routes": routes, "healthz_p99_ms": routes.get("healthz", {}).get("p99_ms"),
        "jobs_accepted": tally.accepted, "jobs_done_or_failed": tally.finished, "jobs_lost": lost,
        "jobs_by_status_in_db": by_status, "responses_429": tally.status.get(429, 0), "responses_5xx": server_errors,
        "limits_named_by_429": sorted(tally.limit_named), "max_in_flight": max_in_flight,
        "http_optimise_per_s": round(http_rate, 2), "http_optimise_429": http_429,
        "in_process_optimise_per_s": round(local_rate, 2), "ratio_http_to_in_process": round(http_rate / local_rate, 3),
        "cores": os.cpu_count(),
    }
    summary["meets_bars"] = {"healthz_p99_le_100ms": (summary["healthz_p99_ms"] or 1e9) <= 100,
                             "no_job_lost": lost == 0, "no_5xx": server_errors == 0,
                             "http_ge_half_in_process": http_rate >= 0.5 * local_rate}
    print(f"{clients} clients x {duration:g} s: " + "; ".join(
        f"{r} n={v['n']} p50 {v['p50_ms']} ms p99 {v['p99_ms']} ms" for r, v in routes.items()))
    print(f"jobs accepted {tally.accepted}, ended {tally.finished}, lost {lost}; 429s {tally.status.get(429, 0)}; "
          f"5xx {server_errors}; optimise over HTTP {http_rate:.1f}/s vs in-process {local_rate:.1f}/s "
          f"(x{http_rate / local_rate:.2f})")
    report(summary)
    return summary


if __name__ == "__main__":
    main()
