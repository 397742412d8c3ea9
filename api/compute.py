"""Where synchronous solves run: warm worker processes under one deadline per request, never the API's threads.

A solve is CPU-bound Python (model building, pandas, explanations) around HiGHS; run in the API
process's thread pool it holds the GIL and slows every other request, ``/healthz`` included.  With
``SITING_COMPUTE_PROCESSES`` > 0 (the default for ``siting serve``: one per CPU) every synchronous
compute route hands its engine call to one of that many warm ``spawn`` processes and its handler thread
only waits; 0 runs the call inline (tests, or a one-core box).

**One deadline per request** (issue 26): a request's deadline is its arrival (:data:`ARRIVED`, set by
``api.middleware.BodySizeLimit`` before the body is read) plus its time limit (the body's ``time_limit_s``
or SITING_SYNC_TIME_LIMIT_S).  The wait for a free process, the engine call (solves, explanations, robust
samples, pareto points, stages) and the rendering of the response all count.  When the deadline is reached
the answer is a 504 naming the limit and where the time went, never a late 200; a process still working
then is killed by the watchdog (logged) and replaced by a fresh one.  A process that dies is replaced and
the request gets a 503 naming the cause.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from fastapi import Response
from pydantic import BaseModel

from siting.errors import SolverError

from .errors import DeadlineExceeded

log = logging.getLogger("api.compute")
T = TypeVar("T")

#: When the current request arrived [time.monotonic() s]; set per request by api.middleware.BodySizeLimit.
ARRIVED: ContextVar[float | None] = ContextVar("siting_request_arrived", default=None)


_lock = threading.Lock()
_pool: ComputePool | None = None
_size = 0


_orphan_guard_started = False


def exit_with_parent(parent_pid: int, interval_s: float = 1.0) -> None:
    """In a child process: exit as soon as the parent ``parent_pid`` is gone (a ``kill -9`` of the server).

    A pool worker blocks on its task queue, whose write end it holds itself, so it never sees the
    parent die and would linger as an orphan; this daemon thread notices the change of parent.  The
    parent passes its own pid: a child still starting when the server is killed would otherwise take
    init, its new parent, for the one to watch.
    """
    global _orphan_guard_started
    if os.getppid() != parent_pid:
        os._exit(0)
    if _orphan_guard_started:
        return
    _orphan_guard_started = True

    def watch() -> None:  # pragma: no cover - runs in child processes
        while True:
            time.sleep(interval_s)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _warm() -> None:  # pragma: no cover - runs in the pool's processes
    from . import engine

    engine.catalog()


def configure(processes: int) -> None:
    """Set the pool size (0: inline); the pool itself starts on first use."""
    global _size
    with _lock:
        _size = max(0, processes)



def default_processes() -> int:
    return max(1, os.cpu_count() or 1)


def deadline(limit_s: float) -> float:
    """The current request's deadline [time.monotonic() s]: its arrival (or now, outside a request) + ``limit_s``."""
    arrived = ARRIVED.get()
    return (arrived if arrived is not None else time.monotonic()) + limit_s


def budget(limit_s: float) -> float:
    """Seconds the engine may spend now so that the response can still be rendered before the deadline: what is
    left of ``limit_s`` since arrival, less a reserve of 10 % (at most 1 s); never below 0.05 s."""
    left = deadline(limit_s) - time.monotonic()
    return max(0.05, left - min(1.0, 0.1 * limit_s))


def _serve(conn: Connection, parent_pid: int) -> None:  # pragma: no cover - runs in the compute processes
    exit_with_parent(parent_pid)
    _warm()
    conn.send("ready")
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        fn, args = msg
        try:
            reply: tuple[str, Any] = ("ok", fn(*args))
        except BaseException as exc:  # sent back and raised in the API process, as the executor did
            reply = ("err", exc)
        try:
            conn.send(reply)
        except Exception as exc:  # an exception that cannot be pickled
            conn.send(("err", SolverError(f"{type(exc).__name__} in a compute process: {exc}")))


class _Overrun(Exception):
    pass


class _Slot:
    """One warm compute process and its pipe; used by one request at a time."""

    def __init__(self, parent_pid: int) -> None:
        self.parent_pid = parent_pid
        self.proc: Any = None
        self.conn: Connection | None = None
        self.ready = False
        self.start()

    def start(self) -> None:
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(child, self.parent_pid), name="siting-compute", daemon=True)
        proc.start()
        child.close()
        self.proc, self.conn, self.ready = proc, parent, False

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait for the process's greeting (it has imported the engine); False if it died or did not answer."""
        if self.ready:
            return True
        conn = self.conn
        try:
            if conn is None or not conn.poll(timeout_s):
                return False
            conn.recv()
        except (EOFError, OSError):
            return False
        self.ready = True
        return True

    def alive(self) -> bool:
        return self.proc is not None and self.proc.is_alive()

    def call(self, fn: Callable[..., T], args: tuple[Any, ...], until: float) -> T:
        """``fn(*args)`` in the process; :class:`_Overrun` at ``until``; EOFError/OSError when it dies."""
        conn = self.conn
        assert conn is not None
        if not self.ready:  # still importing the engine (just started or replaced)
            if not conn.poll(max(0.0, until - time.monotonic())):
                raise _Overrun("starting")
            conn.recv()
            self.ready = True
        conn.send((fn, args))
        if not conn.poll(max(0.0, until - time.monotonic())):
            raise _Overrun("running")
        kind, value = conn.recv()
        if kind == "err":
            raise value
        result: T = value
        return result

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.join(5)
        if self.conn is not None:
            self.conn.close()
        self.proc = self.conn = None

    def close(self) -> None:
        if self.conn is not None and self.alive():
            try:
                self.conn.send(None)
                self.proc.join(2)
            except (OSError, ValueError):
                pass
        self.kill()


class ComputePool:
    """``size`` warm processes; a request waits for a free one until its deadline (the queue wait counts).

    Heavy calls (api.admission: ``heavy_cost`` solve units or more) may hold at most ``size - 1`` processes at
    once (all of them when there is only one), so that light calls, a score card, never wait behind them.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.heavy_cap = max(1, size - 1)
        self.heavy_busy = 0
        self.cond = threading.Condition()
        self.slots = [_Slot(os.getpid()) for _ in range(size)]
        self.free: list[_Slot] = []  # only processes that are ready: no request waits for one to start
        self.closed = False
        self.starting = 0
        for slot in self.slots:
            self._bring_up(slot)

    def _bring_up(self, slot: _Slot, start_timeout_s: float = 300.0) -> None:
        """Hand ``slot`` to requests once its process is ready (in a thread: starting takes seconds)."""
        with self.cond:
            self.starting += 1

        def wait() -> None:
            while not self.closed:
                if slot.wait_ready(start_timeout_s):
                    with self.cond:
                        self.starting -= 1
                    self._release(slot, False)
                    return
                log.warning("a compute process did not start (exit code %s); starting another",
                            getattr(slot.proc, "exitcode", None))
                slot.kill()
                time.sleep(1.0)
                slot.start()

        threading.Thread(target=wait, name="compute-start", daemon=True).start()

    def wait_ready(self, timeout_s: float, count: int = 1) -> bool:
        """Wait until ``count`` processes are ready (start-up), at most ``timeout_s``."""
        until = time.monotonic() + timeout_s
        with self.cond:
            while len(self.free) < min(count, self.size):
                left = until - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def _acquire(self, heavy: bool, until: float) -> _Slot | None:
        with self.cond:
            while True:
                if self.free and (not heavy or self.heavy_busy < self.heavy_cap):
                    if heavy:
                        self.heavy_busy += 1
                    return self.free.pop()
                left = until - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def _release(self, slot: _Slot | None, heavy: bool) -> None:
        with self.cond:
            if slot is not None:
                self.free.append(slot)
            if heavy:
                self.heavy_busy -= 1
            self.cond.notify_all()

    def run(self, fn: Callable[..., T], args: tuple[Any, ...], until: float, limit_s: float,
            heavy: bool = False) -> T:
        t0 = time.monotonic()
        slot = self._acquire(heavy, until)
        if slot is None:
            lane = f"the {self.heavy_cap} heavy lane(s) of {self.size}" if heavy else f"all {self.size}"
            raise DeadlineExceeded(
                f"time limit of {limit_s:g} s reached while waiting {time.monotonic() - t0:.1f} s for a compute "
                f"process ({lane} busy); retry later, or submit a job: POST /v1/requests", field="time_limit_s")
        waited = time.monotonic() - t0
        try:
            return slot.call(fn, args, until)
        except _Overrun as exc:
            took = time.monotonic() - t0 - waited
            if str(exc) == "starting":  # nothing of this request ran yet: the process stays, it will be ready
                raise DeadlineExceeded(
                    f"time limit of {limit_s:g} s reached ({waited:.1f} s waiting for a compute process, {took:.1f} s "
                    "for it to start); retry in a few seconds", field="time_limit_s") from None
            slot.kill()
            log.warning("watchdog: a compute process was still running past the request's deadline (limit %.1f s, "
                        "%.1f s queued, %.1f s running); killed and replaced", limit_s, waited, took)
            raise DeadlineExceeded(
                f"time limit of {limit_s:g} s reached ({waited:.1f} s waiting for a compute process, {took:.1f} s "
                "computing); the computation was stopped. Ask for less (fewer samples or points, no explain), "
                "or submit a job: POST /v1/requests", field="time_limit_s") from None
        except (EOFError, OSError):
            slot.kill()
            log.exception("compute process died; replaced")
            raise SolverError("a compute process died during this request (out of memory?); retry it",
                              field="request") from None
        finally:
            if slot.alive() or self.closed:
                self._release(slot, heavy)
            else:  # killed by the watchdog, or died: a fresh process joins the free ones when it is ready
                self._release(None, heavy)
                slot.start()
                self._bring_up(slot)

    def shutdown(self) -> None:
        self.closed = True
        for slot in self.slots:
            slot.close()


def _get() -> ComputePool:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ComputePool(_size)
        return _pool


def warm() -> None:
    """Start the pool's processes now; they import the engine in the background (seconds each on a busy
    two-core machine: /healthz answers meanwhile, /readyz says how many are ready, and a request that arrives
    before one is waits for it within its deadline)."""
    if _size > 0:
        _get()


def readiness() -> tuple[int, int]:
    """(compute processes ready, processes configured); (0, 0) when computing inline."""
    pool = _pool
    if _size == 0 or pool is None:
        return 0, _size
    return pool.size - pool.starting, pool.size


def run(fn: Callable[..., T], *args: Any, limit_s: float, heavy: bool = False) -> T:
    """``fn(*args)`` in a compute process (inline when the pool size is 0) within the current request's deadline
    (arrival + ``limit_s``): DeadlineExceeded (504) when it is reached; engine errors propagate as they are.
    ``heavy`` calls leave one process to the others (:class:`ComputePool`)."""
    until = deadline(limit_s)
    if _size == 0:
        value = fn(*args)
        if time.monotonic() > until:  # inline nothing can stop it, but a late answer is still refused
            raise DeadlineExceeded(f"time limit of {limit_s:g} s reached while computing; ask for less, or submit "
                                   "a job: POST /v1/requests", field="time_limit_s")
        return value
    return _get().run(fn, args, until, limit_s, heavy)


def _render(model: type[BaseModel], fn: Callable[..., Any], args: tuple[Any, ...], key: str | None,
            fields: dict[str, Any]) -> bytes:  # runs in the pool (or inline)
    """``fn(*args)`` as the response document, validated against ``model`` and rendered to JSON bytes."""
    value = fn(*args)
    document = {**fields, key: value} if key is not None else value
    return model.model_validate(document).model_dump_json(by_alias=True).encode("utf-8")


def respond(model: type[BaseModel], fn: Callable[..., Any], *args: Any, limit_s: float, heavy: bool = False,
            key: str | None = None, fields: dict[str, Any] | None = None) -> Response:
    """The response of a synchronous compute route, built, validated and rendered in the pool, within the
    request's deadline (arrival + ``limit_s``).

    The document is ``fn(*args)``, or ``{**fields, key: fn(*args)}`` when ``key`` is given; it is checked
    against the route's response ``model`` (the OpenAPI schema) and serialised to JSON in the compute
    process, so the API process only passes bytes on (its event loop and GIL stay free for /healthz).
    """
    return Response(content=run(_render, model, fn, args, key, fields or {}, limit_s=limit_s, heavy=heavy),
                    media_type="application/json")


def shutdown() -> None:
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown()
