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


def test_pareto_limits_name_the_field(client: TestClient, key: dict[str, str]) -> None:
    r = client.post("/v1/pareto", json={"request": {}, "points": 11}, headers=key)
    assert r.status_code == 422 and "points = 11" in r.text and "10" in r.text
    r = client.post("/v1/pareto", json={"request": {}, "criterion": "noise"}, headers=key)
    assert r.status_code == 422 and "criterion" in r.text
