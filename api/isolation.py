"""Run jobs in a child process, under a watchdog.

HiGHS honours its time limit, but model building, explanations and robustness re-solves run
around it, and a solver can in principle hang in a call that never returns.  A thread cannot be
stopped from outside; a process can.  Each worker therefore keeps one warm child process
(``spawn``: nothing inherited from the threaded parent) that imports the engine once and runs
jobs sent to it over a pipe.  If a job has not answered within its time limit plus
``watchdog_margin_s``, the child is killed (and replaced on the next job) and the job is
``failed`` with the reason.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import time
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger("api.isolation")

Outcome = tuple[str, dict[str, Any] | None, dict[str, Any] | None]


def _serve(conn: Connection, parent_pid: int) -> None:  # pragma: no cover - runs in the child process
    from . import engine
    from .compute import exit_with_parent

    exit_with_parent(parent_pid)  # a job in progress when the server is killed must not run on as an orphan
    engine.catalog()  # load and validate the catalog before the first job
    conn.send("ready")
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        request, options = msg
        conn.send(engine.run_job(request, options))


def _crashed(message: str) -> Outcome:
    return "failed", None, {"code": "worker_crashed", "field": None, "message": message}


class IsolatedRunner:
    """One warm child process that runs jobs one at a time, killed when a job overruns."""

    def __init__(self, margin_s: float, start_timeout_s: float = 120.0) -> None:
        self.margin_s = margin_s
        self.start_timeout_s = start_timeout_s
        self._proc: Any = None
        self._conn: Connection | None = None

    def _ensure(self) -> Connection:
        if self._proc is not None and self._proc.is_alive() and self._conn is not None:
            return self._conn
        if self._proc is not None or self._conn is not None:  # the last one died between jobs
            self.kill()
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(child, os.getpid()), name="siting-job", daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent  # kill() reaches a child that dies or hangs while starting
        if not parent.poll(self.start_timeout_s):
            raise RuntimeError(f"it did not answer within {self.start_timeout_s:g} s")
        if parent.recv() != "ready":  # EOFError when it died while starting
            raise RuntimeError("it sent an unexpected greeting")
        return parent

    def run(self, request: dict[str, Any], options: dict[str, Any]) -> Outcome:
        """``engine.run_job`` in the child; ``failed`` with code ``watchdog`` when it overruns, ``worker_crashed``
        with the moment when the child dies (while starting, before it took the job, or running it).  Never
        raises: the job always ends with a reason at once, not at the stale sweep."""
        limit = float(options.get("time_limit_s", 60.0))
        try:
            conn = self._ensure()
        except (EOFError, OSError, RuntimeError) as exc:  # died or hung while starting (EOFError: it died)
            code = self._exitcode()
            self.kill()
            reason = str(exc) if isinstance(exc, RuntimeError) else (
                "it died while starting" + (f" (exit code {code})" if code is not None else ""))
            log.warning("job process failed to start: %s", reason)
            return _crashed(f"the job's process could not start: {reason}")
        t0 = time.monotonic()
        try:
            conn.send((request, options))
        except (OSError, ValueError) as exc:  # BrokenPipeError: it died after its last job, before this one
            self.kill()
            return _crashed(f"the job's process died before it took the job ({type(exc).__name__})")
        if conn.poll(limit + self.margin_s):
            try:
                out: Outcome = conn.recv()
                return out
            except (EOFError, OSError):  # the child died (e.g. out of memory)
                code = self._exitcode()
                self.kill()
                return _crashed("the job's process died while running it"
                                + (f" (exit code {code})" if code is not None else ""))
        self.kill()
        took = time.monotonic() - t0
        log.warning("watchdog: job ran %.1f s, past its limit of %.1f s + %.1f s; process killed",
                    took, limit, self.margin_s)
        return "failed", None, {"code": "watchdog", "field": "time_limit_s",
                                "message": f"stopped by the watchdog after {took:.1f} s: past its time limit of "
                                           f"{limit:g} s plus a margin of {self.margin_s:g} s"}

    def _exitcode(self) -> int | None:
        if self._proc is None:
            return None
        self._proc.join(1)
        code: int | None = self._proc.exitcode
        return code

    def kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(10)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def close(self) -> None:
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(None)
                self._proc.join(5)
            except (BrokenPipeError, OSError):
                pass
        self.kill()
