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
