"""Where synchronous solves run: a pool of worker processes, never the API process's threads.

A solve is CPU-bound Python (model building, pandas, explanations) around HiGHS; run in the API
process's thread pool it holds the GIL and slows every other request, ``/healthz`` included.  With
``SITING_COMPUTE_PROCESSES`` > 0 (the default for ``siting serve``: one per CPU) every synchronous
compute route hands its engine call to a ``spawn`` process pool and its handler thread only waits;
0 runs the call inline (tests, or a one-core box).  A crashed pool is replaced and the request gets
a 503 naming the cause, never a 500.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from fastapi import Response
from pydantic import BaseModel

from siting.errors import SolverError

log = logging.getLogger("api.compute")
T = TypeVar("T")

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
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


def _init_worker(parent_pid: int) -> None:  # pragma: no cover - runs in the pool's processes
    exit_with_parent(parent_pid)
    _warm()


def _warm() -> None:  # pragma: no cover - runs in the pool's processes
    from . import engine

    engine.catalog()


def configure(processes: int) -> None:
    """Set the pool size (0: inline); the pool itself starts on first use."""
    global _size
    with _lock:
        _size = max(0, processes)


def warm() -> None:
    """Start the pool's processes now (in the background), so that the first requests do not pay for it."""
    if _size > 0:
        pool = _get()
        for _ in range(_size):
            pool.submit(_warm)


def default_processes() -> int:
    return max(1, os.cpu_count() or 1)


def _get() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=_size, mp_context=mp.get_context("spawn"),
                                        initializer=_init_worker, initargs=(os.getpid(),))
        return _pool


def run(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in the pool (or inline when the pool size is 0); engine errors propagate as they are."""
    if _size == 0:
        return fn(*args)
    try:
        return _get().submit(fn, *args).result()
    except BrokenProcessPool:
        shutdown()
        log.exception("compute process died; pool replaced")
        raise SolverError("a compute process died during this request (out of memory?); retry it",
                          field="request") from None


def _render(model: type[BaseModel], fn: Callable[..., Any], args: tuple[Any, ...], key: str | None,
            fields: dict[str, Any]) -> bytes:  # runs in the pool (or inline)
    """``fn(*args)`` as the response document, validated against ``model`` and rendered to JSON bytes."""
    value = fn(*args)
    document = {**fields, key: value} if key is not None else value
    return model.model_validate(document).model_dump_json(by_alias=True).encode("utf-8")


def respond(model: type[BaseModel], fn: Callable[..., Any], *args: Any, key: str | None = None,
            fields: dict[str, Any] | None = None) -> Response:
    """The response of a synchronous compute route, built, validated and rendered in the pool.

    The document is ``fn(*args)``, or ``{**fields, key: fn(*args)}`` when ``key`` is given; it is checked
    against the route's response ``model`` (the OpenAPI schema) and serialised to JSON in the compute
    process, so the API process only passes bytes on (its event loop and GIL stay free for /healthz).
    """
    return Response(content=run(_render, model, fn, args, key, fields or {}), media_type="application/json")


def shutdown() -> None:
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
