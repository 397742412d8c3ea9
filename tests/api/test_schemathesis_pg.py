"""The schemathesis run of test_schemathesis.py against PostgreSQL (SITING_TEST_DATABASE_URL; .ci/run starts one):
no 5xx and every response matching its schema on the other database too."""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    import schemathesis

from api.main import create_app
from api.migrate import upgrade

from .conftest import make_settings, new_key, reset_postgres
from .test_schemathesis import CHECKS

PG_URL = os.environ.get("SITING_TEST_DATABASE_URL", "")
# A psycopg connection garbage-collected while open (the ResourceWarning a nested lifespan used to cause:
# schemathesis starts the app inside the module's client) fails this module instead of passing unseen.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning", "error::ResourceWarning")

# Without PostgreSQL this module defines no test (.ci/run always sets it; test_jobs and the other storage tests
# report the skip).
if PG_URL:
    reset_postgres(PG_URL)  # before the app's first start-up migrates an empty database
    APP = create_app(make_settings(PG_URL, sync_time_limit_s=2.0, job_time_limit_s=2.0))
    HEADERS: dict[str, str] = {}

    @pytest.fixture(scope="module", autouse=True)
    def started_app() -> Iterator[None]:
        with TestClient(APP) as client:  # runs start-up: migrations on PostgreSQL, catalog
            HEADERS.update(new_key(client, "schemathesis-pg"))
            yield
        gc.collect()  # any connection left open is collected here, under this module's filter

    upgrade(PG_URL)  # tables exist before the schema is read
    schema: schemathesis.BaseSchema = schemathesis.openapi.from_asgi("/openapi.json", APP)

    @schema.parametrize()
    @settings(max_examples=8, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def test_api_conforms_to_its_schema_on_postgresql(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=HEADERS, checks=CHECKS)
