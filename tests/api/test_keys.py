"""Keys: list and revoke; a revoked key gets 401 and its queued jobs never run."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.jobs import claim_next
from api.keys import list_keys, revoke_key
from siting.cli import app

from .conftest import new_key, sqlite_url


def test_revoked_key_is_refused_and_its_queued_job_never_runs(client: TestClient) -> None:
    alice, bob = new_key(client, "alice"), new_key(client, "bob")
    job = client.post("/v1/requests", json={"request": {}}, headers=alice).json()
    db = client.app.state.db  # type: ignore[attr-defined]
    row = next(k for k in list_keys(db) if k.owner == "alice")
    revoked, cancelled = revoke_key(db, row.prefix)
    assert revoked.id == row.id and cancelled == 1
    assert client.get("/v1/requests", headers=alice).status_code == 401
    assert claim_next(db, "w1") is None  # nothing of alice's is left to run
    again = client.get(f"/v1/requests/{job['id']}", headers=bob)
    assert again.status_code == 404  # still another key's job
    assert [k.revoked_at is not None for k in list_keys(db) if k.owner == "alice"] == [True]


def test_cli_list_and_revoke(tmp_path: Path) -> None:
    runner = CliRunner()
    url = sqlite_url(tmp_path)
    made = runner.invoke(app, ["keys", "create", "carol@example.com", "--database-url", url])
    assert made.exit_code == 0, made.output
    listed = runner.invoke(app, ["keys", "list", "--database-url", url])
    assert listed.exit_code == 0 and "carol@example.com" in listed.output and "active" in listed.output
    prefix = listed.output.split("...")[0].strip()
    revoked = runner.invoke(app, ["keys", "revoke", prefix, "--database-url", url])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in runner.invoke(app, ["keys", "list", "--database-url", url]).output
    unknown = runner.invoke(app, ["keys", "revoke", "sk_nothing", "--database-url", url])
    assert unknown.exit_code == 2 and "no key has this id or prefix" in unknown.output
