"""Jobs and ownership on SQLite and (with SITING_TEST_DATABASE_URL) PostgreSQL.

Lifecycle queued -> running -> done/failed, per-key isolation, pagination, and
restarts: jobs left ``running`` by a dead worker are re-queued and finished, or
failed with the reason once their attempts are used up; never silently lost.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

import siting
from api import jobs
from api.db import Database, Job, utcnow
from api.worker import Worker

from .conftest import make_settings, new_key, running_client, sqlite_url

REQ = {"name": "job", "it_load_mw": 20, "candidates": ["zhongwei", "guian", "yaan"]}


def submit(c: TestClient, key: dict[str, str], **extra: Any) -> str:
    r = c.post("/v1/requests", json={"request": REQ, "time_limit_s": 20, **extra}, headers=key)
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/v1/requests/{r.json()['id']}"
    assert r.json()["status"] == "queued"
    return str(r.json()["id"])


def worker_for(c: TestClient) -> Worker:
    return Worker(c.app.state.db, make_settings(c.app.state.db.url))  # type: ignore[attr-defined]


def poll(c: TestClient, key: dict[str, str], job_id: str, until: set[str],
         timeout_s: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        body: dict[str, Any] = c.get(f"/v1/requests/{job_id}", headers=key).json()
        if body["status"] in until or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_job_lifecycle_and_pagination(backend_url: str) -> None:
    with running_client(make_settings(backend_url)) as c:
        key = new_key(c)
        ids = [submit(c, key) for _ in range(3)]
        job = c.get(f"/v1/requests/{ids[0]}", headers=key).json()
        assert job["status"] == "queued" and job["result"] is None and job["attempts"] == 0
        assert job["options"] == {"time_limit_s": 20.0, "explain": False, "robust": None, "kind": None,
                                  "criterion": None, "points": None}  # every option, typed (JobOptions)
        assert worker_for(c).run_until_idle() == 3
        job = c.get(f"/v1/requests/{ids[0]}", headers=key).json()
        assert job["status"] == "done" and job["attempts"] == 1, job
        assert job["result"]["status"] == "optimal" and job["result"]["chosen_sites"]
        assert job["finished_at"] >= job["started_at"] >= job["created_at"]
        page = c.get("/v1/requests", params={"limit": 2}, headers=key).json()
        assert page["total"] == 3 and len(page["items"]) == 2
        rest = c.get("/v1/requests", params={"limit": 2, "offset": 2}, headers=key).json()
        assert {i["id"] for i in page["items"] + rest["items"]} == set(ids)
        done = c.get("/v1/requests", params={"status": "done"}, headers=key).json()
        assert done["total"] == 3
        assert c.get("/v1/requests", params={"status": "queued"}, headers=key).json()["total"] == 0


def test_submission_is_validated_before_it_is_stored(backend_url: str) -> None:
    with running_client(make_settings(backend_url)) as c:
        key = new_key(c)
        r = c.post("/v1/requests", json={"request": {"candidates": ["atlantis"]}}, headers=key)
        assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_id"
        r = c.post("/v1/requests", json={"request": REQ, "time_limit_s": 10_000}, headers=key)
        assert r.status_code == 422 and r.json()["error"]["field"] == "time_limit_s"
        assert c.get("/v1/requests", headers=key).json()["total"] == 0


def test_another_key_gets_404(backend_url: str) -> None:
    with running_client(make_settings(backend_url)) as c:
        alice, bob = new_key(c, "alice"), new_key(c, "bob")
        job_id = submit(c, alice)
        r = c.get(f"/v1/requests/{job_id}", headers=bob)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
        assert c.get("/v1/requests", headers=bob).json() == {
            "items": [], "total": 0, "limit": 20, "offset": 0}
        assert c.get(f"/v1/requests/{job_id}", headers=alice).status_code == 200
        assert c.get(f"/v1/requests/{job_id}").status_code == 401


def test_engine_crash_fails_the_job_with_the_reason(backend_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("solver exploded")

    with running_client(make_settings(backend_url)) as c:
        key = new_key(c)
        job_id = submit(c, key)
        monkeypatch.setattr(siting, "optimize", boom)
        worker_for(c).run_until_idle()
        job = c.get(f"/v1/requests/{job_id}", headers=key).json()
        assert job["status"] == "failed"
        assert job["error"]["code"] == "internal_error"
        assert "solver exploded" in job["error"]["message"]


def _orphan(db: Database, job_id: str, worker_id: str, beat_age_s: float, attempts: int) -> None:
    """Make ``job_id`` look like it was running under ``worker_id`` when that worker died."""
    with db.session() as s, s.begin():
        s.execute(update(Job).where(Job.id == job_id).values(
            status="running", worker_id=worker_id, attempts=attempts,
            started_at=utcnow() - timedelta(seconds=beat_age_s + 1),
            heartbeat_at=utcnow() - timedelta(seconds=beat_age_s)))


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_restart_recovers_interrupted_jobs(backend_url: str) -> None:
    """Jobs left running by dead workers: re-queued and finished by the restarted service."""
    settings = make_settings(backend_url, stale_after_s=30.0, max_attempts=2)
    with running_client(settings) as c:
        key = new_key(c)
        stale, same_host, exhausted, alive = (submit(c, key) for _ in range(4))
        db = c.app.state.db  # type: ignore[attr-defined]
        # 1. a worker elsewhere that stopped sending heartbeats a while ago
        _orphan(db, stale, "elsewhere:1234:aaaa", beat_age_s=120, attempts=1)
        # 2. a worker on this host whose process is gone (fresh heartbeat: killed just now)
        _orphan(db, same_host, f"{socket.gethostname()}:{_dead_pid()}:bbbb", 1, attempts=1)
        # 3. interrupted as often as allowed: failed with the reason, not retried
        _orphan(db, exhausted, "elsewhere:1234:cccc", beat_age_s=120, attempts=2)
        # 4. a live worker elsewhere (fresh heartbeat): left alone
        _orphan(db, alive, "elsewhere:999:dddd", beat_age_s=1, attempts=1)

    # "Restart": a new app on the same database, now with its in-process worker running.
    with running_client(settings.model_copy(update={"run_worker": True})) as c:
        for job_id in (stale, same_host):
            job = poll(c, key, job_id, {"done", "failed"})
            assert job["status"] == "done", job
            assert job["attempts"] == 2
            assert "interrupted" in job["note"] and "re-queued" in job["note"]
        job = c.get(f"/v1/requests/{exhausted}", headers=key).json()
        assert job["status"] == "failed" and job["error"]["code"] == "worker_lost"
        assert "not retried after 2 attempt(s)" in job["error"]["message"]
        assert c.get(f"/v1/requests/{alive}", headers=key).json()["status"] == "running"


def test_worker_killed_mid_job_then_restart(backend_url: str) -> None:
    """A worker claims a job and dies (never finishes it); after the restart the job is done."""
    settings = make_settings(backend_url, stale_after_s=30.0)
    with running_client(settings) as c:
        key = new_key(c)
        job_id = submit(c, key)
        dead = Worker(c.app.state.db, settings)  # type: ignore[attr-defined]
        claimed = jobs.claim_next(dead.db, dead.id)
        assert claimed is not None and claimed.id == job_id
        assert c.get(f"/v1/requests/{job_id}", headers=key).json()["status"] == "running"
        jobs.LIVE_WORKERS.discard(dead.id)  # the process that ran it "died"
    with running_client(settings.model_copy(update={"run_worker": True})) as c:
        job = poll(c, key, job_id, {"done", "failed"})
        assert job["status"] == "done" and job["attempts"] == 2, job


def test_claims_are_exclusive(backend_url: str) -> None:
    with running_client(make_settings(backend_url)) as c:
        key = new_key(c)
        ids = {submit(c, key) for _ in range(5)}
        db = c.app.state.db  # type: ignore[attr-defined]
        claimed = [jobs.claim_next(db, f"w{i}") for i in range(7)]
        got = [j.id for j in claimed if j is not None]
        assert sorted(got) == sorted(ids) and claimed[5] is None and claimed[6] is None
        assert not jobs.finish(db, got[0], "someone-else", "done", {}, None)
        assert jobs.finish(db, got[0], "w0", "done", {"status": "optimal"}, None)


def test_watchdog_stops_a_job_that_overruns(tmp_path: Path) -> None:
    """Jobs run in a warm child process; one that overruns its time limit + margin is killed and failed with the
    reason, and the next job runs in a fresh process."""
    big = {"it_load_mw": 1000, "candidates": None, "max_sites": 5}
    with running_client(make_settings(sqlite_url(tmp_path), job_isolation=True, watchdog_margin_s=0.05)) as c:
        key = new_key(c)
        slow = c.post("/v1/requests", json={"request": big, "time_limit_s": 0.01, "explain": True,
                                            "robust": {"samples": 400}}, headers=key).json()["id"]
        fine = c.post("/v1/requests", json={"request": REQ, "time_limit_s": 20}, headers=key).json()["id"]
        w = Worker(c.app.state.db, make_settings(sqlite_url(tmp_path), job_isolation=True, watchdog_margin_s=0.05))
        try:
            assert w.run_once()
            failed = c.get(f"/v1/requests/{slow}", headers=key).json()
            assert failed["status"] == "failed", failed
            assert failed["error"]["code"] == "watchdog" and "time limit of 0.01 s" in failed["error"]["message"]
            w.runner.margin_s = 60.0  # type: ignore[union-attr]
            assert w.run_once()
            assert c.get(f"/v1/requests/{fine}", headers=key).json()["status"] == "done"
        finally:
            w.close()


def test_a_job_whose_process_dies_fails_with_the_reason_and_the_next_runs(tmp_path: Path) -> None:
    """kill -9 of a job's child process mid-job (out of memory, an operator): the job is failed with code
    worker_crashed and says so; the next job gets a fresh process."""
    import signal
    import threading

    big = {"it_load_mw": 1000, "candidates": None, "max_sites": 5}
    settings = make_settings(sqlite_url(tmp_path), job_isolation=True, watchdog_margin_s=60)
    with running_client(settings) as c:
        key = new_key(c)
        doomed = c.post("/v1/requests", json={"request": big, "time_limit_s": 60, "explain": True,
                                              "robust": {"samples": 400}}, headers=key).json()["id"]
        fine = c.post("/v1/requests", json={"request": REQ, "time_limit_s": 20}, headers=key).json()["id"]
        w = Worker(c.app.state.db, settings)
        killed: list[int] = []

        def kill_when_busy() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                runner = w.runner
                proc = getattr(runner, "_proc", None)
                status = c.get(f"/v1/requests/{doomed}", headers=key).json()["status"]
                if proc is not None and proc.pid and status == "running":
                    time.sleep(0.5)  # well into the solve
                    os.kill(proc.pid, signal.SIGKILL)
                    killed.append(proc.pid)
                    return
                time.sleep(0.05)

        t = threading.Thread(target=kill_when_busy)
        t.start()
        try:
            assert w.run_once()
            t.join(10)
            assert killed
            failed = c.get(f"/v1/requests/{doomed}", headers=key).json()
            assert failed["status"] == "failed", failed
            assert failed["error"]["code"] == "worker_crashed" and "died" in failed["error"]["message"]
            assert w.run_once()
            assert c.get(f"/v1/requests/{fine}", headers=key).json()["status"] == "done"
        finally:
            w.close()
