"""POST /v1/pareto: the frontier over HTTP, with its point limit."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_pareto_over_http(client: TestClient, key: dict[str, str]) -> None:
    r = client.post("/v1/pareto", json={"request": {}, "criterion": "rtt", "points": 4}, headers=key)
    assert r.status_code == 200, r.text
    f = r.json()["frontier"]
    assert f["criterion"] == "rtt" and f["unit"] == "ms" and len(f["points"]) >= 2
    costs = [p["cost_yuan_per_year"] for p in f["points"]]
    assert costs == sorted(costs)


def test_a_long_frontier_becomes_a_job(client: TestClient, key: dict[str, str]) -> None:
    from .test_jobs import poll, worker_for

    r = client.post("/v1/pareto", json={"request": {}, "criterion": "rtt", "points": 12}, headers=key)
    assert r.status_code == 202, r.text
    assert r.headers["location"] == r.json()["url"] == f"/v1/requests/{r.json()['id']}"
    assert worker_for(client).run_until_idle() == 1
    job = poll(client, key, r.json()["id"], {"done", "failed"})
    assert job["status"] == "done", job
    f = job["result"]["frontier"]
    assert f["criterion"] == "rtt" and len(f["points"]) >= 2
    assert job["options"]["kind"] == "pareto" and job["options"]["points"] == 12


def test_pareto_limits_name_the_field(client: TestClient, key: dict[str, str]) -> None:
    r = client.post("/v1/pareto", json={"request": {}, "points": 51}, headers=key)
    assert r.status_code == 422 and "points" in r.text and "50" in r.text
    r = client.post("/v1/pareto", json={"request": {}, "criterion": "noise"}, headers=key)
    assert r.status_code == 422 and "criterion" in r.text
