"""Fixtures of the API tests: settings on a temporary SQLite file (or PostgreSQL), clients, keys.

Storage tests take the ``backend_url`` fixture, which runs them on SQLite and, when
``SITING_TEST_DATABASE_URL`` is set (``.ci/run`` does), on that PostgreSQL server too.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 when only httpx (what the api extra installs) is present.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings

PG_URL = os.environ.get("SITING_TEST_DATABASE_URL", "")


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'api.db'}"


def reset_postgres(url: str) -> None:
    """Drop the service's tables so each test starts from an empty, freshly migrated database."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS scenarios, jobs, api_keys, alembic_version CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    if not PG_URL:
        pytest.skip("SITING_TEST_DATABASE_URL is not set (PostgreSQL storage tests)")
    reset_postgres(PG_URL)
    return PG_URL


def make_settings(url: str, **overrides: object) -> Settings:
    base: dict[str, object] = {"database_url": url, "run_worker": False, "worker_poll_s": 0.02,
                               "heartbeat_s": 0.2, "job_isolation": False, "compute_processes": 0}
    base.update(overrides)
    return Settings.model_validate(base)


@contextmanager
def running_client(settings: Settings) -> Iterator[TestClient]:
    """A TestClient with the app's start-up (migrations, recovery, workers) and shutdown run."""
    with TestClient(create_app(settings)) as client:
        yield client


def new_key(client: TestClient, owner: str = "alice") -> dict[str, str]:
    from api.keys import create_key

    _, plain = create_key(client.app.state.db, owner)  # type: ignore[attr-defined]
    return {"X-API-Key": plain}


ClientFactory = Callable[..., TestClient]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """A client on a fresh SQLite database, no in-process worker (tests drive jobs)."""
    with running_client(make_settings(sqlite_url(tmp_path))) as c:
        yield c


@pytest.fixture
def key(client: TestClient) -> dict[str, str]:
    return new_key(client, "alice")


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """pytest-playwright asks pytest-base-url for a base URL; the browser tests use absolute URLs of their
    live server.  Defined here so the plugin's fixture (an instance method, deprecated by pytest 9) is unused."""
    return None
