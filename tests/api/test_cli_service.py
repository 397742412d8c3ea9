"""`siting keys create` and `siting worker --once` against a SQLite file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.db import Database
from api.keys import find_key
from siting.cli.main import app

from .conftest import make_settings, running_client, sqlite_url


def test_keys_create_prints_the_key_once_and_stores_its_hash(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    res = CliRunner().invoke(app, ["keys", "create", "carol@example.com", "--database-url", url])
    assert res.exit_code == 0, res.output
    key = res.stdout.strip().splitlines()[0]
    assert key.startswith("sk_")
    db = Database(url)
    row = find_key(db, key)
    assert row is not None and row.owner == "carol@example.com"
    assert row.key_hash != key and key not in Path(tmp_path / "api.db").read_bytes().decode("latin-1")
    db.dispose()


def test_worker_once_runs_queued_jobs(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    res = CliRunner().invoke(app, ["keys", "create", "dave", "--database-url", url])
    key = {"X-API-Key": res.stdout.strip().splitlines()[0]}
    with running_client(make_settings(url)) as c:
        r = c.post("/v1/requests", json={"request": {"candidates": ["yaan", "guian"]}}, headers=key)
        job_id = r.json()["id"]
        res = CliRunner().invoke(app, ["worker", "--once", "--database-url", url])
        assert res.exit_code == 0, res.output
        job = c.get(f"/v1/requests/{job_id}", headers=key).json()
        assert job["status"] == "done" and job["result"]["status"] == "optimal"
