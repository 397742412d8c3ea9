"""The Alembic migrations build exactly the models' schema, and go down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from api.db import Base, make_engine
from api.migrate import downgrade_to_base, upgrade


def test_migrations_match_the_models(backend_url: str) -> None:
    upgrade(backend_url)
    upgrade(backend_url)  # idempotent: start-up runs it every time
    engine = make_engine(backend_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    downgrade_to_base(backend_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(backend_url)
    assert {"api_keys", "jobs", "scenarios"} <= set(inspect(engine).get_table_names())
    engine.dispose()
