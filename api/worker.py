"""The job worker: claim queued jobs, run them with a heartbeat, record the outcome.

Runs as threads inside the API process (``siting serve``) or as a separate process
(``siting worker``, the compose ``worker`` service).  On start-up and then
periodically it recovers jobs left ``running`` by a dead worker (see
:func:`api.jobs.recover`), so an accepted job always ends ``done`` or ``failed``.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import TracebackType

from . import engine, jobs
from .db import Database
from .isolation import IsolatedRunner
from .settings import Settings

log = logging.getLogger("api.worker")


class _Heartbeat:
    """Context manager: refresh a running job's heartbeat every ``interval_s`` in a thread."""

    def __init__(self, db: Database, job_id: str, worker_id: str, interval_s: float) -> None:
        self._args = (db, job_id, worker_id)
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id[:8]}",
                                        daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                jobs.heartbeat(*self._args)
            except Exception:  # a missed beat is retried; recovery tolerates several
                log.warning("heartbeat failed for job %s", self._args[1], exc_info=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()


class Worker:
    """One worker (one job at a time); run several for parallelism."""

    def __init__(self, db: Database, settings: Settings, worker_id: str | None = None) -> None:
        self.db = db
        self.settings = settings
        self.id = worker_id or jobs.new_worker_id()
        jobs.LIVE_WORKERS.add(self.id)
        self.processed = 0
        self.runner: IsolatedRunner | None = (IsolatedRunner(settings.watchdog_margin_s)
                                              if settings.job_isolation else None)

    def recover(self) -> jobs.Recovery:
        rec = jobs.recover(self.db, self.settings.stale_after_s, self.settings.max_attempts)
        if rec.requeued or rec.failed:
            log.warning("recovered interrupted jobs: %d re-queued, %d failed",
                        len(rec.requeued), len(rec.failed))
        return rec

    def run_once(self) -> bool:
        """Run the oldest queued job, if any; True if one was run."""
        job = jobs.claim_next(self.db, self.id)
        if job is None:
            return False
        log.info("job %s: running (attempt %d)", job.id, job.attempts)
        with _Heartbeat(self.db, job.id, self.id, self.settings.heartbeat_s):
            try:
                if self.runner is not None:
                    status, result, error = self.runner.run(job.request, job.options)
                else:
                    status, result, error = engine.run_job(job.request, job.options)
            except Exception as exc:  # never leave a claimed job running until the stale sweep
                log.exception("job %s: the worker failed to run it", job.id)
                status, result, error = "failed", None, engine.error_dict(
                    "worker_crashed", f"the worker failed to run the job: {type(exc).__name__}: {exc}")
        if not jobs.finish(self.db, job.id, self.id, status, result, error):
            log.warning("job %s was taken over while running; outcome discarded", job.id)
        self.processed += 1
        log.info("job %s: %s", job.id, status)
        return True

    def run_until_idle(self) -> int:
        """Run queued jobs until none is left (tests, ``siting worker --once``)."""
        n = 0
        while self.run_once():
            n += 1
        return n

    def run(self, stop: threading.Event) -> None:
        """Loop until ``stop`` is set: recover, claim, run; poll when idle."""
        sweep_every = max(self.settings.stale_after_s / 2, self.settings.worker_poll_s)
        last_sweep = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() - last_sweep >= sweep_every:
                    self.recover()
                    last_sweep = time.monotonic()
                if not self.run_once():
                    stop.wait(self.settings.worker_poll_s)
            except Exception:  # database briefly unavailable: log, back off, carry on
                log.exception("worker %s: error in the loop; retrying", self.id)
                stop.wait(min(5.0, 10 * self.settings.worker_poll_s))
        jobs.LIVE_WORKERS.discard(self.id)
        self.close()

    def close(self) -> None:
        """Stop the job process, if any."""
        if self.runner is not None:
            self.runner.close()


class WorkerPool:
    """``n`` worker threads sharing one database handle."""

    def __init__(self, db: Database, settings: Settings, n: int) -> None:
        self.stop_event = threading.Event()
        self.workers = [Worker(db, settings) for _ in range(n)]
        self.threads = [threading.Thread(target=w.run, args=(self.stop_event,), daemon=True,
                                         name=f"siting-worker-{i}")
                        for i, w in enumerate(self.workers)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Ask the threads to stop after their current job; an unfinished job is recovered later."""
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout_s)


def run_worker_process(settings: Settings, threads: int = 1, once: bool = False) -> int:
    """``siting worker``: migrate, recover, then run jobs until interrupted (or idle, ``once``)."""
    from .migrate import upgrade

    upgrade(settings.database_url)
    db = Database(settings.database_url)
    engine.catalog()
    if once:
        w = Worker(db, settings)
        w.recover()
        return w.run_until_idle()
    pool = WorkerPool(db, settings, max(1, threads))
    signal.signal(signal.SIGTERM, lambda *_: pool.stop_event.set())  # docker stop: finish, exit
    pool.start()
    try:
        while any(t.is_alive() for t in pool.threads):
            time.sleep(0.5)
    except KeyboardInterrupt:
        log.info("stopping workers")
    finally:
        pool.stop()
        db.dispose()
    return sum(w.processed for w in pool.workers)
