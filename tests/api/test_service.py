"""The service's lifespan: resources start once and stop with the outermost lifespan."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.main import create_app

from .conftest import make_settings, sqlite_url


def test_a_nested_lifespan_shares_the_database_and_the_outer_one_disposes_it(tmp_path: Path) -> None:
    """A client started inside another (schemathesis inside a test's client) used to start a second
    Database over the first and dispose only that one, leaving the first's pooled connections to the
    garbage collector (psycopg's ResourceWarning on PostgreSQL)."""
    app = create_app(make_settings(sqlite_url(tmp_path)))
    disposed: list[object] = []
    with TestClient(app) as outer:
        db = app.state.db
        original = db.dispose
        db.dispose = lambda: (disposed.append(db), original())  # type: ignore[method-assign]
        with TestClient(app) as inner:
            assert app.state.db is db  # shared, not replaced
            assert inner.get("/readyz").status_code == 200
        assert disposed == []  # the inner lifespan leaves the outer's database alone
        assert outer.get("/readyz").json()["database_ok"] is True
    assert disposed == [db]  # the outermost lifespan disposes it, once
