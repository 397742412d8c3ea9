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


def test_expiry_last_use_and_rotation(backend_url: str) -> None:
    """On SQLite and PostgreSQL: an expired key gets 401, use is noted, rotation keeps queued jobs."""
    from datetime import timedelta

    from sqlalchemy import update

    from api.db import ApiKey, utcnow
    from api.keys import create_key, key_state, rotate_key

    from .conftest import make_settings, running_client

    with running_client(make_settings(backend_url)) as c:
        db = c.app.state.db  # type: ignore[attr-defined]
        row, plain = create_key(db, "carol", expires_in_days=30)
        assert row.expires_at is not None and key_state(row) == "active"
        assert c.get("/v1/requests", headers={"X-API-Key": plain}).status_code == 200
        used = next(k for k in list_keys(db) if k.id == row.id)
        assert used.last_used_at is not None  # noted on use
        with db.session() as s, s.begin():  # the clock moves past the expiry
            s.execute(update(ApiKey).where(ApiKey.id == row.id).values(expires_at=utcnow() - timedelta(seconds=1)))
        r = c.get("/v1/requests", headers={"X-API-Key": plain})
        assert r.status_code == 401 and "expired" in r.json()["error"]["message"]

        dave = new_key(c, "dave")
        job = c.post("/v1/requests", json={"request": {}}, headers=dave).json()
        old = next(k for k in list_keys(db) if k.owner == "dave")
        new, new_plain, moved = rotate_key(db, old.prefix)
        assert moved == 1 and new.owner == "dave"
        assert c.get("/v1/requests", headers=dave).status_code == 401           # the old key is revoked
        mine = c.get(f"/v1/requests/{job['id']}", headers={"X-API-Key": new_plain})
        assert mine.status_code == 200 and mine.json()["status"] == "queued"   # the queued job moved over
        claimed = claim_next(db, "w1")
        assert claimed is not None and claimed.id == job["id"]                 # and it still runs


def test_keys_cli_create_with_expiry_and_rotate(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    r = CliRunner().invoke(app, ["keys", "create", "erin", "--expires-days", "7", "--database-url", url])
    assert r.exit_code == 0 and r.stdout.strip().startswith("sk_") and "valid until" in r.output
    prefix = r.stdout.strip()[:10]
    r = CliRunner().invoke(app, ["keys", "rotate", prefix, "--database-url", url])
    assert r.exit_code == 0 and r.stdout.strip().startswith("sk_") and "0 queued job(s) moved" in r.output
    listing = CliRunner().invoke(app, ["keys", "list", "--database-url", url]).stdout
    assert "revoked" in listing and "active" in listing and "expires" in listing
    r = CliRunner().invoke(app, ["keys", "rotate", prefix, "--database-url", url])
    assert r.exit_code == 2 and "is revoked" in r.output


def test_admin_api(tmp_path: Path) -> None:
    from .conftest import make_settings, running_client

    with running_client(make_settings(sqlite_url(tmp_path))) as c:
        assert c.get("/v1/admin/keys").status_code == 404  # off unless SITING_ADMIN_TOKEN is set
    token = "t" * 32
    with running_client(make_settings(sqlite_url(tmp_path), admin_token=token)) as c:
        admin = {"X-Admin-Token": token}
        assert c.get("/v1/admin/keys").status_code == 401
        assert c.get("/v1/admin/keys", headers={"X-Admin-Token": "wrong"}).status_code == 401
        made = c.post("/v1/admin/keys", json={"owner": "frank", "expires_in_days": 1}, headers=admin)
        assert made.status_code == 201 and made.json()["key"].startswith("sk_") and made.json()["state"] == "active"
        key = {"X-API-Key": made.json()["key"]}
        assert c.get("/v1/requests", headers=key).status_code == 200
        rotated = c.post(f"/v1/admin/keys/{made.json()['prefix']}/rotate", headers=admin)
        assert rotated.status_code == 200 and rotated.json()["key"] != made.json()["key"]
        assert c.get("/v1/requests", headers=key).status_code == 401
        revoked = c.post(f"/v1/admin/keys/{rotated.json()['id']}/revoke", headers=admin)
        assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
        states = {k["owner"]: k["state"] for k in c.get("/v1/admin/keys", headers=admin).json()}
        assert states == {"frank": "revoked"}
        assert c.post("/v1/admin/keys/nope/revoke", headers=admin).status_code == 404
        bad = c.post("/v1/admin/keys", json={"owner": "", "expires_in_days": 0}, headers=admin)
        assert bad.status_code == 422


def test_readyz_and_cors(tmp_path: Path) -> None:
    from .conftest import make_settings, running_client

    with running_client(make_settings(sqlite_url(tmp_path))) as c:
        r = c.get("/readyz")
        assert r.status_code == 200 and r.json()["ready"] and r.json()["workers_expected"] == 0
        assert "access-control-allow-origin" not in c.get("/v1/sites", headers={"Origin": "https://x.example"}).headers
    with running_client(make_settings(sqlite_url(tmp_path), run_worker=True, worker_threads=1,
                                      cors_origins=["https://x.example"])) as c:
        assert c.get("/v1/readyz").json()["workers_alive"] == 1
        c.app.state.pool.stop()  # type: ignore[attr-defined]
        for t in c.app.state.pool.threads:  # type: ignore[attr-defined]
            t.join(5)
        r = c.get("/readyz")
        assert r.status_code == 503 and "0 of 1 worker" in r.json()["reason"]
        cors = c.get("/v1/sites", headers={"Origin": "https://x.example"})
        assert cors.headers["access-control-allow-origin"] == "https://x.example"
