"""Downloads (POST /v1/exports/{fmt}) and the explanation: the same story from the API and the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from siting.cli.main import app

REQUEST = {"it_load_mw": 30, "max_share_per_site": 0.6}


def test_api_explanation_is_the_cli_explanation(client: TestClient, key: dict[str, str], tmp_path: Path) -> None:
    r = client.post("/v1/optimize", json={"request": REQUEST, "explain": True}, headers=key)
    assert r.status_code == 200, r.text
    api_story = r.json()["result"]["explanation"]
    path = tmp_path / "req.json"
    path.write_text(json.dumps(REQUEST))
    cli = CliRunner().invoke(app, ["optimize", str(path), "--robust", "0", "--json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout)["explanation"] == api_story
    assert [s["key"] for s in api_story] == ["headline", "question", "answer", "why", "how_sure", "change",
                                            "rests_on"]
    human = CliRunner().invoke(app, ["optimize", str(path), "--robust", "0"], env={"COLUMNS": "200"})
    printed = " ".join(human.stdout.split())  # wrapped by the terminal width
    for section in api_story:  # the human output prints every sentence too
        assert section["title"] in printed
        for sentence in section["sentences"]:
            assert " ".join(sentence.split()) in printed, sentence


def test_exports_carry_the_plan(client: TestClient, key: dict[str, str]) -> None:
    plan = client.post("/v1/optimize", json={"request": REQUEST}, headers=key).json()["result"]
    chosen, total = set(plan["chosen_sites"]), plan["objective_yuan_per_year"]

    r = client.post("/v1/exports/csv", json={"request": REQUEST}, headers=key)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="request.csv"'
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {x["site"] for x in rows if x["chosen"] == "True"} == chosen
    assert sum(float(x["total_yuan_per_year"]) for x in rows) == pytest.approx(total, rel=1e-6)
    assert sum(float(x["it_mw"]) for x in rows) == pytest.approx(30.0, rel=1e-6)

    r = client.post("/v1/exports/xlsx", json={"request": REQUEST}, headers=key)
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["sites", "allocation", "latency", "energy", "explanation"]
    sheet = wb["allocation"]
    header = [c.value for c in sheet[1]]
    mw = sum(row[header.index("it_mw")] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert abs(mw - 30.0) < 1e-6
    assert any(str(v).startswith("Build at ") for v in (c.value for c in wb["explanation"]["B"]))

    r = client.post("/v1/exports/geojson", json={"request": REQUEST}, headers=key)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    frame = gpd.read_file(io.StringIO(r.text))  # flat properties: QGIS / geopandas show them as columns
    sites = frame[frame["kind"] == "site"]
    assert set(sites[sites["chosen"].astype(bool)]["site"]) == chosen
    lines = frame[frame["kind"] == "allocation"]
    assert lines.geometry.geom_type.eq("LineString").all()
    assert lines["it_mw"].sum() == pytest.approx(30.0, abs=1e-4)  # rounded to 1e-6 MW per line

    r = client.post("/v1/exports/html", json={"request": REQUEST}, headers=key)
    assert r.status_code == 200 and r.text.startswith("<!doctype html>") and "The answer" in r.text


def test_export_errors_are_named(client: TestClient, key: dict[str, str]) -> None:
    r = client.post("/v1/exports/pdf", json={"request": REQUEST}, headers=key)
    assert r.status_code == 422 and "fmt" in r.text
    r = client.post("/v1/exports/csv", json={"request": {"it_load_mw": 5000, "candidates": ["chongqing"]}},
                    headers=key)
    assert r.status_code == 422, r.text
    assert "there is no plan to export" in r.json()["error"]["message"]
    assert client.post("/v1/exports/csv", json={"request": REQUEST}).status_code == 401


def test_cli_csv_to_stdout_is_only_the_document(tmp_path: Path) -> None:
    path = tmp_path / "req.json"
    path.write_text(json.dumps(REQUEST))
    r = CliRunner().invoke(app, ["optimize", str(path), "--robust", "0", "--csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and rows[0].keys() >= {"site", "chosen", "it_mw", "total_yuan_per_year"}
    out = tmp_path / "plan.xlsx"
    r = CliRunner().invoke(app, ["optimize", str(path), "--robust", "0", "--xlsx", str(out), "--geojson",
                                 str(tmp_path / "plan.geojson")])
    assert r.exit_code == 0, r.output
    assert openpyxl.load_workbook(out).sheetnames[0] == "sites"
    assert len(gpd.read_file(tmp_path / "plan.geojson")) > 4
    r = CliRunner().invoke(app, ["optimize", str(path), "--json", "--csv"])
    assert r.exit_code == 2 and "only one of" in r.output
