"""Service settings from the environment (``SITING_*``), cached; tests override ``get_settings``."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_DATABASE_URL = "sqlite:///./siting.db"


class Settings(BaseModel):
    """Everything the service can be told; every limit is explicit and named in error messages."""

    model_config = ConfigDict(frozen=True)

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

    # -- limits ------------------------------------------------------------------------------
    max_body_bytes: int = Field(default=256_000, ge=1024)
    max_candidates: int = Field(default=200, ge=1)
    max_classes: int = Field(default=10, ge=1)
    max_phases: int = Field(default=50, ge=1)
    max_scenarios: int = Field(default=10, ge=1)
    max_samples: int = Field(default=200, ge=0)
    #: Admission control of the compute routes (api/admission.py).
    rate_per_minute: int = Field(default=120, ge=1)
    max_in_flight_per_key: int = Field(default=4, ge=1)
    max_in_flight: int = Field(default=8, ge=1)
    #: Robustness samples: synchronous optimize (a few seconds at most) and jobs.
    max_sync_robust_samples: int = Field(default=50, ge=0)
    max_sync_pareto_points: int = Field(default=10, ge=2)
    max_job_robust_samples: int = Field(default=2000, ge=0)
    max_sweep_parameters: int = Field(default=20, ge=1)
    #: Synchronous ``POST /v1/optimize``: server-side time limit (default and maximum).
    sync_time_limit_s: float = Field(default=10.0, gt=0)
    #: Jobs: default and maximum solver time limit.
    job_time_limit_s: float = Field(default=60.0, gt=0)
    max_job_time_limit_s: float = Field(default=600.0, gt=0)
    max_page_size: int = Field(default=100, ge=1)


def normalise_database_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` use psycopg 3 (the driver the ``api`` extra installs)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def settings_from_env() -> Settings:
    """Read ``SITING_DATABASE_URL``, ``SITING_RUN_WORKER`` and ``SITING_<LIMIT>`` variables."""
    values: dict[str, object] = {
        "database_url": normalise_database_url(
            os.environ.get("SITING_DATABASE_URL") or DEFAULT_DATABASE_URL
        ),
        "run_worker": _env_bool("SITING_RUN_WORKER", True),
    }
    for name in Settings.model_fields:
        if name in values:
            continue
        raw = os.environ.get(f"SITING_{name.upper()}")
        if raw:
            values[name] = raw
    return Settings.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (cached).  Tests pass their own to ``create_app(settings)``."""
    return settings_from_env()
