"""Headers, health under /v1, documented limits and a private database file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from fastapi.testclient import TestClient

from .conftest import make_settings, running_client, sqlite_url


def test_security_headers_on_the_page_and_the_api(client: TestClient) -> None:
    for path in ("/", "/v1/sites"):
        r = client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self';" in csp and "unsafe-inline" not in csp
        assert "style-src 'self'" in csp  # the page's script and style are files of this origin, nothing inline


def test_health_is_also_under_v1(client: TestClient) -> None:
    assert client.get("/v1/healthz").json()["status"] == "ok"
    assert client.get("/healthz").json()["status"] == "ok"


def test_a_wrong_method_names_the_allowed_ones(client: TestClient) -> None:
    r = client.put("/v1/sites")
    assert r.status_code == 405 and r.headers["allow"] == "GET"


def test_page_size_limit_in_the_schema_is_the_one_enforced(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    limit = next(p for p in schema["paths"]["/v1/requests"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 100


def test_the_sqlite_file_is_private(tmp_path: Path) -> None:
    with running_client(make_settings(sqlite_url(tmp_path))):
        pass
    db = next(tmp_path.glob("*.db"))
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600


def test_control_characters_are_refused_not_stored(client: TestClient, key: dict[str, str]) -> None:
    r = client.post("/v1/scenarios", json={"name": "a\u0000b", "request": {}}, headers=key)
    assert r.status_code == 422 and "name" in r.text
    r = client.post("/v1/optimize", json={"request": {"name": "x\u0000"}}, headers=key)
    assert r.status_code == 422 and "name" in r.text
    for path in ("/v1/requests/a%00b", "/v1/scenarios/a%00b"):
        r = client.get(path, headers=key)
        assert r.status_code == 422, (path, r.status_code, r.text)


def test_booleans_are_booleans(client: TestClient, key: dict[str, str]) -> None:
    r = client.post("/v1/optimize", json={"request": {}, "explain": 1}, headers=key)
    assert r.status_code == 422 and "explain" in r.text
    r = client.post("/v1/score", json={"request": {}, "provenance": 0}, headers=key)
    assert r.status_code == 422 and "provenance" in r.text
    r = client.post("/v1/optimize", json={"request": {"apply_subsidies": 1}}, headers=key)
    assert r.status_code == 422 and "apply_subsidies" in r.text
