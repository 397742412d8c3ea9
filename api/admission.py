"""Admission control for the compute routes: per-key rate limits, per-key and global in-flight caps.

- Rate: each key may start ``rate_per_minute`` compute requests per moving minute (the ``limits``
  library, moving-window strategy, in-process storage).
- In flight: each key may have ``max_in_flight_per_key`` compute requests running at once, and
  the server ``max_in_flight`` in all, so that compute never takes every thread and ``/healthz``
  and reads stay responsive.

- Cost (issue 26): before a compute call runs, its cost is estimated in *solve units* (one solve of a
  reference problem of 10 candidate sites and 2 workload classes; :func:`cost_units`: solves x candidates x
  classes x years).  A key may have ``max_cost_per_key`` units in flight and the server ``max_cost_in_flight``,
  so one key's heavy requests cannot hold the synchronous pool; a single request above ``max_cost_per_key``
  is steered to a job (422 saying how).  A call of ``heavy_cost`` units or more is *heavy*: it may hold at
  most all but one compute process (api.compute), so light work of other keys always finds one.

Over any limit the answer is **429** with ``Retry-After`` [s] and a body naming the limit.  The
in-flight counts are per process (one ``siting serve``); the queue of jobs is the way to submit more
work than that.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from siting.data.request import SiteRequest

from .db import ApiKey
from .deps import KeyDep, SettingsDep
from .errors import LimitExceeded, TooManyRequests
from .settings import Settings

#: One solve unit: one solve of a problem of this many candidate sites x workload classes (10 x 2).
REFERENCE_SIZE = 20
#: Extra solves of the explanations (shadow prices, break-evens of the sites left out), about.
EXPLAIN_SOLVES = 6


class Admission:
    """The limiter and the in-flight counters of one app."""

    def __init__(self) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.lock = threading.Lock()
        self.per_key: dict[str, int] = {}
        self.total = 0
        self.cost_per_key: dict[str, float] = {}
        self.cost_total = 0.0

    def acquire(self, key_id: str, cost: float, settings: Settings) -> None:
        """Charge ``cost`` solve units to ``key_id`` and the server, or raise (422 over the per-key limit alone,
        429 over what is in flight).  A key with nothing in flight is always admitted up to its limit."""
        if cost > settings.max_cost_per_key:
            raise CostTooHigh(cost, settings.max_cost_per_key)
        with self.lock:
            mine = self.cost_per_key.get(key_id, 0.0)
            if mine > 0 and mine + cost > settings.max_cost_per_key:
                raise TooManyRequests("max_cost_per_key", f"{settings.max_cost_per_key:g} solve units in flight per "
                                      f"key (this request {cost:.1f}, in flight {mine:.1f}); or submit a job: POST "
                                      "/v1/requests", 2)
            if self.cost_total > 0 and self.cost_total + cost > settings.max_cost_in_flight:
                raise TooManyRequests("max_cost_in_flight", f"{settings.max_cost_in_flight:g} solve units in flight "
                                      f"on the server (this request {cost:.1f}); or submit a job: POST /v1/requests", 2)
            self.cost_per_key[key_id] = mine + cost
            self.cost_total += cost

    def release(self, key_id: str, cost: float) -> None:
        with self.lock:
            left = self.cost_per_key.get(key_id, 0.0) - cost
            if left <= 1e-9:
                self.cost_per_key.pop(key_id, None)
            else:
                self.cost_per_key[key_id] = left
            self.cost_total = max(0.0, self.cost_total - cost)


class CostTooHigh(LimitExceeded):
    """One synchronous request estimated above the per-key cost limit: it can only run as a job."""

    def __init__(self, cost: float, limit: float) -> None:
        super().__init__("request", f"{cost:.1f}", f"{limit:g}", "solve units")
        self.message += ("; too much for a synchronous call: submit it as a job (POST /v1/requests), or ask for "
                         "fewer samples, points, scenarios or candidates")


def cost_units(req: SiteRequest, solves: float, n_sites: int, years: int = 1) -> float:
    """Estimated cost [solve units] of ``solves`` solves of ``req``: solves x candidates x classes x years / 20.

    ``n_sites`` is the catalog's site count (the candidates when the request names none).
    """
    candidates = len(req.candidates) if req.candidates is not None else n_sites
    size = max(1, candidates) * max(1, len(req.classes)) * max(1, years)
    return solves * size / REFERENCE_SIZE


@contextmanager
def charge(request: Request, key: ApiKey, cost: float, settings: Settings) -> Iterator[bool]:
    """Admit a call of ``cost`` solve units for ``key`` (or raise); yields whether it is heavy (api.compute)."""
    adm = _state(request)
    adm.acquire(key.id, cost, settings)
    try:
        yield cost >= settings.heavy_cost
    finally:
        adm.release(key.id, cost)


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
