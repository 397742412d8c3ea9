"""Admission control: per-key rate limit and in-flight caps answer 429 with Retry-After and the limit's name."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from .conftest import make_settings, new_key, running_client, sqlite_url


def test_rate_limit_per_key(tmp_path: Path) -> None:
    settings = make_settings(sqlite_url(tmp_path), rate_per_minute=3)
    with running_client(settings) as c:
        alice, bob = new_key(c, "alice"), new_key(c, "bob")
        codes = [c.post("/v1/score", json={}, headers=alice).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = c.post("/v1/score", json={}, headers=alice)
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
        body = r.json()["error"]
        assert body["code"] == "too_many_requests" and body["field"] == "rate_per_minute"
        assert "3 compute requests per minute per key" in body["message"]
        assert c.post("/v1/score", json={}, headers=bob).status_code == 200  # another key has its own budget
        assert c.get("/v1/sites").status_code == 200  # reads are not compute


def test_in_flight_cap_per_key(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import api.engine as engine

    gate = threading.Event()
    real = engine.score

    def slow_score(*args, **kwargs):  # type: ignore[no-untyped-def]
        gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "score", slow_score)
    settings = make_settings(sqlite_url(tmp_path), max_in_flight_per_key=1)
    with running_client(settings) as c:
        key = new_key(c, "alice")
        first: dict[str, int] = {}
        t = threading.Thread(target=lambda: first.update(code=c.post("/v1/score", json={}, headers=key).status_code))
        t.start()
        time.sleep(0.3)
        r = c.post("/v1/score", json={}, headers=key)
        assert r.status_code == 429 and r.json()["error"]["field"] == "max_in_flight_per_key"
        assert r.headers["retry-after"] == "1"
        assert c.get("/healthz").status_code == 200  # health answers while compute is busy
        gate.set()
        t.join(10)
        assert first["code"] == 200
        assert c.post("/v1/score", json={}, headers=key).status_code == 200  # the slot was released

