"""Alembic environment: migrate the connection handed over by api/migrate.py, or the URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from api.db import Base, make_engine
from api.settings import get_settings

config = context.config
target_metadata = Base.metadata

#: Any 64-bit constant: serialises concurrent migrations (api and worker starting together).
_PG_LOCK = 0x5171_6E67


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,  # type: ignore[arg-type]
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK})
                conn.commit()
            try:
                _run(conn)
            finally:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK})
                    conn.commit()
    finally:
        engine.dispose()  # also when a migration fails


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
