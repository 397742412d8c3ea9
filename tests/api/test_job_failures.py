"""A job's child process dying at any moment ends the job at once with the reason (issue 26, item 4), on
SQLite and (with SITING_TEST_DATABASE_URL) PostgreSQL: while it starts, mid-job (tests/api/test_jobs.py), and
after a job, before the next one.  "At once" means when ``Worker.run_once`` returns, long before the stale
sweep (``stale_after_s`` 30 s) could have noticed anything."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from typing import Any

from fastapi.testclient import TestClient

from api.worker import Worker

from .conftest import make_settings, new_key, running_client

REQ = {"name": "job", "it_load_mw": 20, "candidates": ["zhongwei", "guian", "yaan"]}


def _submit(c: TestClient, key: dict[str, str]) -> str:
    r = c.post("/v1/requests", json={"request": REQ, "time_limit_s": 20}, headers=key)
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def _job(c: TestClient, key: dict[str, str], job_id: str) -> dict[str, Any]:
    body: dict[str, Any] = c.get(f"/v1/requests/{job_id}", headers=key).json()
    return body


def _kill_the_first_job_process(killed: list[int], stop: threading.Event) -> None:
    """SIGKILL the first ``siting-job`` child as soon as it exists: it is still importing the engine."""
    while not stop.is_set():
        for child in mp.active_children():
            if child.name == "siting-job" and child.pid:
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)
                return
        time.sleep(0.002)


def test_a_child_killed_while_starting_fails_the_job_at_once(backend_url: str) -> None:
    settings = make_settings(backend_url, job_isolation=True, watchdog_margin_s=60, stale_after_s=30)
    with running_client(settings) as c:
        key = new_key(c)
        doomed, fine = _submit(c, key), _submit(c, key)
        w = Worker(c.app.state.db, settings)  # type: ignore[attr-defined]
        killed: list[int] = []
        stop = threading.Event()
        watcher = threading.Thread(target=_kill_the_first_job_process, args=(killed, stop))
        watcher.start()
        try:
            assert w.run_once()
            stop.set()
            watcher.join(10)
            assert killed
            failed = _job(c, key, doomed)
            assert failed["status"] == "failed", failed
            assert failed["error"]["code"] == "worker_crashed"
            assert "could not start" in failed["error"]["message"] and "died while starting" in \
                failed["error"]["message"]
            assert w.run_once()  # the next job gets a fresh process
            assert _job(c, key, fine)["status"] == "done"
        finally:
            stop.set()
            w.close()


def test_a_child_killed_between_jobs_is_replaced_and_the_next_job_runs(backend_url: str) -> None:
    settings = make_settings(backend_url, job_isolation=True, watchdog_margin_s=60, stale_after_s=30)
    with running_client(settings) as c:
        key = new_key(c)
        first, second = _submit(c, key), _submit(c, key)
        w = Worker(c.app.state.db, settings)  # type: ignore[attr-defined]
        try:
            assert w.run_once()
            assert _job(c, key, first)["status"] == "done"
            proc = w.runner._proc  # type: ignore[union-attr]
            assert proc is not None
            os.kill(proc.pid, signal.SIGKILL)  # dies after answering, before the next job
            proc.join(10)
            assert w.run_once()
            assert _job(c, key, second)["status"] == "done"
            assert w.runner._proc is not None and w.runner._proc.pid != proc.pid  # type: ignore[union-attr]
        finally:
            w.close()


def test_a_runner_that_raises_fails_the_job_not_leaves_it_running(backend_url: str) -> None:
    """Whatever goes wrong in the worker around the engine, the claimed job ends failed with the reason."""
    settings = make_settings(backend_url, stale_after_s=30)
    with running_client(settings) as c:
        key = new_key(c)
        job_id = _submit(c, key)
        w = Worker(c.app.state.db, settings)  # type: ignore[attr-defined]

        class Broken:
            def run(self, request: dict[str, Any], options: dict[str, Any]) -> Any:
                raise MemoryError("no memory for the pipe")

            def close(self) -> None:
                pass

        w.runner = Broken()  # type: ignore[assignment]
        assert w.run_once()
        job = _job(c, key, job_id)
        assert job["status"] == "failed" and job["error"]["code"] == "worker_crashed"
        assert "MemoryError: no memory for the pipe" in job["error"]["message"]
