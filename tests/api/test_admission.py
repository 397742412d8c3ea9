"""Admission control: per-key rate limit and in-flight caps answer 429 with Retry-After and the limit's name."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

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



# -- admission by cost (issue 26, item 2) ---------------------------------------------------------------------------
def test_cost_units_are_solves_times_candidates_times_classes_over_twenty() -> None:
    from api.admission import cost_units
    from siting.data.request import parse_request

    two_classes = parse_request({"candidates": ["zhongwei", "guian", "yaan", "chongqing", "helinger"]})
    assert len(two_classes.classes) == 2  # the default request's interactive and batch classes
    assert cost_units(two_classes, 8, n_sites=14) == pytest.approx(8 * 5 * 2 / 20)  # 4.0
    everywhere = parse_request({"classes": [{"name": "all", "share_fraction": 1.0}]})
    assert cost_units(everywhere, 51, n_sites=14, years=3) == pytest.approx(51 * 14 * 1 * 3 / 20)  # 107.1


def test_a_key_cannot_hold_more_than_its_cost_in_flight() -> None:
    from api.admission import Admission, CostTooHigh
    from api.errors import TooManyRequests

    settings = make_settings("sqlite://", max_cost_per_key=100.0, max_cost_in_flight=150.0)
    adm = Admission()
    adm.acquire("alice", 80.0, settings)
    with pytest.raises(TooManyRequests) as err:  # alice's second heavy request waits for her first
        adm.acquire("alice", 80.0, settings)
    assert err.value.field == "max_cost_per_key" and "POST /v1/requests" in err.value.message
    adm.acquire("alice", 20.0, settings)  # a light one still fits her share
    adm.acquire("bob", 50.0, settings)  # another key has its own share...
    with pytest.raises(TooManyRequests) as err:
        adm.acquire("carol", 10.0, settings)  # ...within the server's: 80 + 20 + 50 + 10 > 150
    assert err.value.field == "max_cost_in_flight"
    adm.release("alice", 80.0)
    adm.acquire("carol", 10.0, settings)
    with pytest.raises(CostTooHigh) as too_high:  # never fits a synchronous call: steered to a job
        adm.acquire("dave", 100.5, settings)
    assert "submit it as a job (POST /v1/requests)" in too_high.value.message
    assert "request = 100.5 solve units exceeds the limit of 100 solve units" in too_high.value.message


def test_a_request_too_costly_for_a_synchronous_call_is_steered_to_a_job(tmp_path: Path) -> None:
    settings = make_settings(sqlite_url(tmp_path), max_cost_per_key=5.0)
    with running_client(settings) as c:
        key = new_key(c)
        req = {"candidates": ["zhongwei", "guian", "yaan"]}  # 3 candidates x 2 classes: 0.3 units a solve
        r = c.post("/v1/optimize", json={"request": req, "robust": {"samples": 20}}, headers=key)  # 21 solves
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["field"] == "request" and "6.3 solve units exceeds the limit of 5" in error["message"]
        assert "POST /v1/requests" in error["message"]
        assert c.post("/v1/optimize", json={"request": req}, headers=key).status_code == 200  # 0.3 units
        assert c.post("/v1/requests", json={"request": req, "robust": {"samples": 20}},
                      headers=key).status_code == 202  # as a job it is accepted
