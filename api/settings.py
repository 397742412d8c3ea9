"""Service settings from the environment (``SITING_<FIELD>``, pydantic-settings), cached; tests override them.

Every field of :class:`Settings` can be set as ``SITING_`` + its name in capitals, e.g.
``SITING_RATE_PER_MINUTE=60`` or ``SITING_DATABASE_URL=postgresql://...``; invalid values stop the
server at start with the field and the reason.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./siting.db"


class Settings(BaseSettings):
    """Everything the service can be told; every limit is explicit and named in error messages."""

    model_config = SettingsConfigDict(env_prefix="SITING_", frozen=True, extra="ignore", env_ignore_empty=True)

    database_url: str = DEFAULT_DATABASE_URL
    #: Run a worker thread inside the API process (``siting serve``); compose runs a separate one.
    run_worker: bool = True
    worker_threads: int = Field(default=1, ge=0, le=16)
    worker_poll_s: float = Field(default=0.2, gt=0)
    #: A running job whose heartbeat is older than this is taken to be orphaned by a dead worker.
    heartbeat_s: float = Field(default=5.0, gt=0)
    stale_after_s: float = Field(default=30.0, gt=0)
    #: How often an interrupted job is retried before it is marked failed with the reason.
    max_attempts: int = Field(default=3, ge=1)
    #: Run each job in a warm child process (api/isolation.py) so that the watchdog can stop one that
    #: overruns its time limit by more than watchdog_margin_s; off = in the worker thread (tests).
    job_isolation: bool = True
    #: Processes that run synchronous solves (api/compute.py); 0 = inline in the request's thread.
    #: Default: one per CPU.
    compute_processes: int = Field(default_factory=lambda: max(1, __import__("os").cpu_count() or 1), ge=0, le=64)
    watchdog_margin_s: float = Field(default=30.0, gt=0)

    # -- limits ------------------------------------------------------------------------------
    max_body_bytes: int = Field(default=256_000, ge=1024)
    #: A request body not received in full within this time is answered 408 (api/middleware.py).
    body_read_timeout_s: float = Field(default=30.0, gt=0)
    max_candidates: int = Field(default=200, ge=1)
    max_classes: int = Field(default=10, ge=1)
    max_phases: int = Field(default=50, ge=1)
    max_scenarios: int = Field(default=10, ge=1)
    max_samples: int = Field(default=200, ge=0)
    #: Admission control of the compute routes (api/admission.py).
    rate_per_minute: int = Field(default=120, ge=1)
    max_in_flight_per_key: int = Field(default=4, ge=1)
    max_in_flight: int = Field(default=8, ge=1)
    #: Cost admission [solve units: one solve of 10 candidates x 2 classes] (api/admission.py): in flight per key
    #: (and the most one synchronous request may cost), on the server, and from what cost a call is heavy
    #: (heavy calls leave one compute process to the others).
    max_cost_per_key: float = Field(default=150.0, gt=0)
    max_cost_in_flight: float = Field(default=600.0, gt=0)
    heavy_cost: float = Field(default=10.0, gt=0)
    #: Robustness samples: synchronous optimize (a few seconds at most) and jobs.
    max_sync_robust_samples: int = Field(default=200, ge=0)
    max_sync_pareto_points: int = Field(default=10, ge=2)
    max_job_robust_samples: int = Field(default=2000, ge=0)
    max_sweep_parameters: int = Field(default=20, ge=1)
    #: Synchronous compute routes: the deadline of a request, wall clock from its arrival (queue, solves, samples,
    #: rendering; api.compute), default and maximum of a body's time_limit_s; past it the answer is 504.
    sync_time_limit_s: float = Field(default=10.0, gt=0)
    #: Jobs: default and maximum solver time limit.
    job_time_limit_s: float = Field(default=60.0, gt=0)
    max_job_time_limit_s: float = Field(default=600.0, gt=0)
    max_page_size: int = Field(default=100, ge=1)

    # -- access ------------------------------------------------------------------------------
    #: Admin API (/v1/admin/keys) token, sent as X-Admin-Token; unset = the admin API is off (404).
    admin_token: str | None = Field(default=None, min_length=24)
    #: Browser origins allowed to call the API from other sites (CORS); empty = CORS off (same origin only).
    cors_origins: list[str] = Field(default_factory=list)

    @field_validator("database_url")
    @classmethod
    def _driver(cls, url: str) -> str:
        return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` use psycopg 3 (the driver the ``api`` extra installs)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def settings_from_env() -> Settings:
    """``SITING_*`` variables (pydantic-settings); ``postgres://`` URLs get the psycopg 3 driver."""
    return Settings()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (cached).  Tests pass their own to ``create_app(settings)``."""
    return settings_from_env()
