"""Keys and storage on their failure paths (issue 26, item 4): rotation keeps the owner's data, owners are one
line, the admin token is never echoed, and a database file others can read is made private."""

from __future__ import annotations

import logging
import os
import stat
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.db import ApiKey
from api.keys import create_key, list_keys, rotate_key
from api.worker import Worker
from siting.cli import app

from .conftest import make_settings, running_client, sqlite_url

REQ = {"name": "job", "it_load_mw": 20, "candidates": ["zhongwei", "guian", "yaan"]}
SCENARIO = {"name": "dearer-power", "request": REQ,
            "overrides": {"sites.zhongwei.electricity_price_yuan_per_kwh": 0.5}}


def test_rotation_keeps_every_job_scenario_and_compare(backend_url: str) -> None:
    settings = make_settings(backend_url)
    with running_client(settings) as c:
        db = c.app.state.db  # type: ignore[attr-defined]
        _, plain = create_key(db, "erin")
        old = {"X-API-Key": plain}
        done = c.post("/v1/requests", json={"request": REQ}, headers=old).json()["id"]
        assert Worker(db, settings).run_until_idle() == 1
        queued = c.post("/v1/requests", json={"request": REQ}, headers=old).json()["id"]
        scenario = c.post("/v1/scenarios", json=SCENARIO, headers=old)
        assert scenario.status_code == 201, scenario.text
        sid = scenario.json()["id"]
        row = next(k for k in list_keys(db) if k.owner == "erin")
        _, new_plain, moved = rotate_key(db, row.prefix)
        new = {"X-API-Key": new_plain}
        assert moved == 1  # the queued job, reported as still to run
        assert c.get("/v1/requests", headers=old).status_code == 401
        assert c.get(f"/v1/requests/{done}", headers=new).json()["status"] == "done"
        assert c.get(f"/v1/requests/{queued}", headers=new).json()["status"] == "queued"
        assert c.get("/v1/requests", headers=new).json()["total"] == 2
        assert c.get(f"/v1/scenarios/{sid}", headers=new).json()["document"]["name"] == "dearer-power"
        assert c.get("/v1/scenarios", headers=new).json()["total"] == 1
        base = {"name": "base", "request": REQ}
        compared = c.post("/v1/compare", json={"scenario_ids": [sid], "scenarios": [base], "explain": False},
                          headers=new)
        assert compared.status_code == 200, compared.text
        assert compared.json()["scenarios"] == ["dearer-power", "base"]


@pytest.mark.parametrize("owner", ["alice\nbob  active", "carol\rx", "dave\x1b[2J", "eve\u2028x"])
def test_owners_are_one_line(tmp_path: Path, owner: str) -> None:
    token = "t" * 32
    with running_client(make_settings(sqlite_url(tmp_path), admin_token=token)) as c:
        r = c.post("/v1/admin/keys", json={"owner": owner}, headers={"X-Admin-Token": token})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"] == "owner"
        with pytest.raises(ValueError, match="one line of printable characters"):
            create_key(c.app.state.db, owner)  # type: ignore[attr-defined]
    made = CliRunner().invoke(app, ["keys", "create", owner, "--database-url", sqlite_url(tmp_path)])
    assert made.exit_code == 2 and "Traceback" not in made.output
    assert "one line of printable characters" in made.output


def test_keys_list_keeps_each_key_to_its_lines_even_for_an_old_multi_line_owner(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    with running_client(make_settings(url)) as c:
        db = c.app.state.db  # type: ignore[attr-defined]
        create_key(db, "frank")
        with db.session() as s, s.begin():  # stored before owners were checked
            s.add(ApiKey(id=str(uuid.uuid4()), owner="mallory\nsk_fake...  active", key_hash="0" * 64,
                         prefix="sk_xxxxxxx"))
    listed = CliRunner().invoke(app, ["keys", "list", "--database-url", url])
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.stdout.splitlines() if line.strip()]
    # three lines a key (who and state; id; dates), the continuations indented: a forged owner cannot add a key
    heads = [line for line in lines if not line.startswith(" ")]
    assert len(lines) == 6 and len(heads) == 2
    assert "'mallory\\nsk_fake...  active'" in listed.stdout


@pytest.mark.parametrize("sent", ["x" * 5000, "short", "y" * 32])
def test_the_admin_token_is_never_echoed(tmp_path: Path, sent: str) -> None:
    token = "s" * 40
    with running_client(make_settings(sqlite_url(tmp_path), admin_token=token)) as c:
        r = c.get("/v1/admin/keys", headers={"X-Admin-Token": sent})
        assert r.status_code == 401, r.text
        assert sent not in r.text and sent[:20] not in r.text


def test_an_api_key_header_is_never_echoed(client: object) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    sent = "sk_" + "z" * 5000
    r = client.get("/v1/requests", headers={"X-API-Key": sent})
    assert r.status_code == 401 and "zzzzzzzzzz" not in r.text


def test_a_database_file_others_can_read_is_made_private(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = sqlite_url(tmp_path)
    with running_client(make_settings(url)):
        pass
    db = tmp_path / "api.db"
    os.chmod(db, 0o644)
    with caplog.at_level(logging.WARNING, logger="api.db"), running_client(make_settings(url)):
        pass
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    assert any("was mode 0644" in r.getMessage() and "made 0600" in r.getMessage() for r in caplog.records)
