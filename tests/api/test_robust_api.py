"""POST /v1/optimize with "robust": {"samples": N}: the robustness answer over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_api_optimize_with_robust(client: TestClient, key: dict[str, str]) -> None:
    r = client.post("/v1/optimize", json={"request": {}, "robust": {"samples": 20}}, headers=key)
    assert r.status_code == 200, r.text
    body = r.json()["result"]
    assert body["robust"]["samples"] == 20 and 0 < body["robust"]["nominal_optimal_share"] <= 1
    assert 0 <= body["cost_on_assumptions"]["share"] <= 1
    bad = client.post("/v1/optimize", json={"request": {}, "robust": {"samples": 0}}, headers=key)
    assert bad.status_code == 422 and "samples" in bad.text


def test_sync_robustness_is_bounded_and_jobs_take_more(client: TestClient, key: dict[str, str]) -> None:
    r = client.post("/v1/optimize", json={"request": {}, "robust": {"samples": 201}}, headers=key)
    assert r.status_code in (413, 422), r.text
    assert "robust.samples" in r.text and "200" in r.text
    job = client.post("/v1/requests", json={"request": {}, "robust": {"samples": 300}}, headers=key)
    assert job.status_code == 202, job.text
