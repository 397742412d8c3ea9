"""Admission control for the compute routes: per-key rate limits, per-key and global in-flight caps.

- Rate: each key may start ``rate_per_minute`` compute requests per moving minute (the ``limits``
  library, moving-window strategy, in-process storage).
- In flight: each key may have ``max_in_flight_per_key`` compute requests running at once, and
  the server ``max_in_flight`` in all, so that compute never takes every thread and ``/healthz``
  and reads stay responsive.

Over any limit the answer is **429** with ``Retry-After`` [s] and a body naming the limit.  The
in-flight counts are per process (one ``siting serve``); the queue of jobs is the way to submit more
work than that.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .db import ApiKey
from .deps import KeyDep, SettingsDep
from .errors import TooManyRequests


class Admission:
    """The limiter and the in-flight counters of one app."""

    def __init__(self) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.lock = threading.Lock()
        self.per_key: dict[str, int] = {}
        self.total = 0


def _state(request: Request) -> Admission:
    adm: Admission | None = getattr(request.app.state, "admission", None)
    if adm is None:
        adm = request.app.state.admission = Admission()
    return adm


def admit(request: Request, key: KeyDep, settings: SettingsDep) -> Iterator[ApiKey]:
    """Dependency of every compute route: admit the call or raise 429; release the slot afterwards."""
    adm = _state(request)
    item = RateLimitItemPerMinute(settings.rate_per_minute)
    if not adm.limiter.hit(item, "compute", key.id):
        reset, _ = adm.limiter.get_window_stats(item, "compute", key.id)
        wait = max(1, math.ceil(reset - time.time()))
        raise TooManyRequests("rate_per_minute", f"{settings.rate_per_minute} compute requests per minute per key",
                              wait)
    with adm.lock:
        mine = adm.per_key.get(key.id, 0)
        if mine >= settings.max_in_flight_per_key:
            raise TooManyRequests("max_in_flight_per_key",
                                  f"{settings.max_in_flight_per_key} compute requests in flight per key", 1)
        if adm.total >= settings.max_in_flight:
            raise TooManyRequests("max_in_flight", f"{settings.max_in_flight} compute requests in flight on the "
                                  "server (submit a job: POST /v1/requests)", 1)
        adm.per_key[key.id] = mine + 1
        adm.total += 1
    try:
        yield key
    finally:
        with adm.lock:
            adm.per_key[key.id] -= 1
            adm.total -= 1


ComputeKeyDep = Annotated[ApiKey, Depends(admit)]
