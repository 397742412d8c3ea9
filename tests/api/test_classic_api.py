"""POST /v1/classic and siting classic: the same views over HTTP and from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from siting.cli.main import app


def test_classic_over_http_and_cli(client: TestClient, key: dict[str, str], tmp_path: Path) -> None:
    r = client.post("/v1/classic", json={"request": {}, "p": 1, "radius_ms": 20}, headers=key)
    assert r.status_code == 200, r.text
    rows = {x["view"]: x for x in r.json()["classic"]["rows"]}
    assert set(rows) == {"cost-optimal", "p-median", "p-center", "mclp"} and len(rows["p-median"]["sites"]) == 1
    bad = client.post("/v1/classic", json={"request": {"candidates": ["zhongwei", "yaan"]}, "p": 3}, headers=key)
    assert bad.status_code == 422 and "p = 3" in bad.json()["error"]["message"]
    path = tmp_path / "req.json"
    path.write_text("{}")
    cli = CliRunner().invoke(app, ["classic", str(path), "--p", "1", "--radius-ms", "20", "--json"])
    assert cli.exit_code == 0, cli.output
    assert {x["view"]: x["sites"] for x in json.loads(cli.stdout)["classic"]["rows"]} == {
        k: v["sites"] for k, v in rows.items()}


def test_stage_over_http(client: TestClient, key: dict[str, str]) -> None:
    body = {"request": {"it_load_mw": 100, "phases": [{"year_offset": 0, "it_load_mw": 40},
                                                      {"year_offset": 3, "it_load_mw": 100}]},
            "years": 8, "build_block_mw": 20, "price_yuan_per_kw_month": 900}
    r = client.post("/v1/stage", json=body, headers=key)
    assert r.status_code == 200, r.text
    staged = r.json()["staged"]
    assert staged["load_mw"] == [40, 40, 40, 100, 100, 100, 100, 100] and len(staged["cash_flows"]) == 8
    assert staged["residual_value_yuan"] == 0.0
    kept = client.post("/v1/stage", json={**body, "residual_value": True}, headers=key).json()["staged"]
    assert kept["residual_value_yuan"] > 0 and kept["cash_flows"][-1]["residual_yuan"] == kept["residual_value_yuan"]
    assert kept["npv_yuan"] > staged["npv_yuan"]
    bad = client.post("/v1/stage", json={**body, "build_block_mw": -5}, headers=key)
    assert bad.status_code == 422 and "build_block_mw" in bad.text
    bad = client.post("/v1/stage", json={**body, "residual_value": 1}, headers=key)  # strict: no 0/1 booleans
    assert bad.status_code == 422 and "residual_value" in bad.text
