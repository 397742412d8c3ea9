"""Typed responses and bodies: every key the engine returns is declared in the OpenAPI schema.

The response models (api/results.py) accept undeclared keys so that no data is dropped; these
tests run the engine over requests that reach every optional part of a result (infeasible with
diagnosis, packages, green purchases, market accounting, phases, robust samples, explanations)
and fail on any key the schema does not declare.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import BaseModel

import siting
from api import engine
from api.main import create_app
from api.results import (
    ClassicViewsPublic,
    ComparisonPublic,
    FrontierPublic,
    OptimizationResultPublic,
    ScoreCard,
    StagedPlanPublic,
)
from api.schemas import ScenarioDocument

from .conftest import make_settings, sqlite_url

REQUESTS: list[dict[str, Any]] = [
    {},
    {"it_load_mw": 3000, "min_green_share_fraction": 0.95},  # infeasible: diagnosis with numbers
    {"packages": ["zhongwei-aws-2015"], "min_green_share_fraction": 0.9, "green_options": ["gec"]},
    {"emissions_accounting": "market", "green_options": ["gec"], "carbon_price_yuan_per_t": 100},
    {"it_load_mw": 200, "phases": [{"year_offset": 0, "it_load_mw": 20}, {"year_offset": 5, "it_load_mw": 200}]},
    {"candidates": ["chongqing", "yaan"], "it_load_mw": 150, "in_service_year": 2035, "max_sites": 1},
]
CARD_EXTRA = re.compile(r"^(rtt_mean_ms|rtt_max_ms|within_sla_share)\[[^\]]+\]$|^rtt_ms\[[^\]]+\]$")


def undeclared(model: BaseModel, path: str = "") -> list[str]:
    """Dotted paths of keys a model instance holds but its class does not declare (recursively)."""
    out = [f"{path}.{k}" for k in (model.model_extra or {}) if not isinstance(model, ScoreCard)]
    if isinstance(model, ScoreCard):
        out += [f"{path}.{k}" for k in (model.model_extra or {}) if not CARD_EXTRA.match(k)]
    for name in type(model).model_fields:
        out += _walk(getattr(model, name), f"{path}.{name}")
    return out


def _walk(value: Any, path: str) -> list[str]:
    if isinstance(value, BaseModel):
        return undeclared(value, path)
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _walk(v, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _walk(v, f"{path}.{k}")]
    return []


@pytest.mark.parametrize("request_", REQUESTS, ids=[str(i) for i in range(len(REQUESTS))])
def test_every_key_of_every_result_is_declared(request_: dict[str, Any]) -> None:
    req = siting.parse_request(request_)
    result = OptimizationResultPublic.model_validate(engine.optimize(req, 20, True, {"samples": 4, "seed": 1}))
    assert undeclared(result) == []
    assert result.explanation and result.status in ("optimal", "infeasible")
    if result.status == "infeasible":
        assert result.diagnosis and all(d.field for d in result.diagnosis if d.severity == "error")
    score = engine.score(req, None, True)
    cards = [ScoreCard.model_validate(c) for c in score["sites"]]
    assert cards and all(undeclared(c) == [] for c in cards)
    assert all(c.provenance is not None and c.provenance.price is not None for c in cards)
    views = ClassicViewsPublic.model_validate(engine.classic(req, None, None))
    assert undeclared(views) == []
    staged = StagedPlanPublic.model_validate(engine.stage(req, {"price_yuan_per_kw_month": 900}, 20))
    assert undeclared(staged) == []
    if result.status == "optimal":
        for criterion in ("rtt", "emissions"):
            if criterion == "emissions" and req.emissions_accounting == "market":
                continue
            frontier = FrontierPublic.model_validate(engine.pareto(req, criterion, 3, 20))
            assert undeclared(frontier) == [] and frontier.points


def test_every_key_of_a_comparison_is_declared() -> None:
    folder = Path(__file__).parents[2] / "examples" / "scenarios"
    docs = [yaml.safe_load((folder / f).read_text(encoding="utf-8"))
            for f in ("base.yaml", "latency-20ms.yaml", "zhongwei-aws-deal.yaml")]
    parsed = [engine.parse_scenario(d) for d in docs]
    out = ComparisonPublic.model_validate(engine.compare(parsed, True))
    assert undeclared(out) == []
    assert [s.name for s in out.scenarios] == [d["name"] for d in docs]


@pytest.fixture
def spec(tmp_path: Path) -> dict[str, Any]:
    settings = make_settings(sqlite_url(tmp_path), sync_time_limit_s=7.0, job_time_limit_s=42.0, max_samples=150)
    return create_app(settings).openapi()


def _ref(schema: dict[str, Any]) -> str:
    return str(schema["$ref"]).rsplit("/", 1)[-1]


def test_results_score_cards_and_jobs_are_typed_in_the_schema(spec: dict[str, Any]) -> None:
    s = spec["components"]["schemas"]
    assert _ref(s["OptimizePublic"]["properties"]["result"]) == "OptimizationResultPublic"
    assert _ref(s["OptimizePublic"]["properties"]["request"]) == "SiteRequest"
    assert _ref(s["ScorePublic"]["properties"]["sites"]["items"]) == "ScoreCard"
    assert {"type": "number"} in s["ScoreCard"]["additionalProperties"]["anyOf"]
    job_result = {_ref(x) for x in s["JobPublic"]["properties"]["result"]["anyOf"] if "$ref" in x}
    assert job_result == {"OptimizationResultPublic", "ParetoJobResult"}
    assert _ref(s["ComparePublic"]["properties"]["comparison"]) == "ComparisonPublic"
    assert _ref(s["CompareCreate"]["properties"]["scenarios"]["items"]) == "ScenarioDocument"
    for name in ("ParetoPublic", "ClassicPublic", "StagePublic"):
        assert "$ref" in next(v for k, v in s[name]["properties"].items() if k != "request")
    result = s["OptimizationResultPublic"]["properties"]
    assert {"allocation", "cost_breakdown", "explanation", "robust", "diagnosis"} <= set(result)
    body = spec["paths"]["/v1/scenarios"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert _ref(body) == "ScenarioDocument"


def test_server_defaults_and_limits_appear_as_values(spec: dict[str, Any]) -> None:
    s = spec["components"]["schemas"]
    assert s["OptimizeCreate"]["properties"]["time_limit_s"]["default"] == 7.0
    assert s["JobCreate"]["properties"]["time_limit_s"]["default"] == 42.0
    samples = s["MonteCarloSpec"]["properties"]["samples"]
    assert samples["maximum"] == 150 and samples["default"] == 150

    def nulls(x: Any, path: str) -> list[str]:
        if isinstance(x, dict):
            here = [path] if "default" in x and x["default"] is None else []
            return here + [p for k, v in x.items() for p in nulls(v, f"{path}/{k}")]
        if isinstance(x, list):
            return [p for i, v in enumerate(x) for p in nulls(v, f"{path}[{i}]")]
        return []

    assert nulls(spec, "") == []


def test_a_scenario_document_is_typed_and_stored_as_sent(client: TestClient, key: dict[str, str]) -> None:
    doc = {"name": "typed", "request": {"it_load_mw": 40}, "overrides": {"carbon_price_yuan_per_t": 50}}
    r = client.post("/v1/scenarios", json=doc, headers=key)
    assert r.status_code == 201, r.text
    assert r.json()["document"] == doc  # nothing filled in, nothing lost
    assert ScenarioDocument.model_validate(doc).document(200) == doc
    bad = client.post("/v1/compare", json={"scenarios": [{**doc, "colour": "red"}]}, headers=key)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "scenarios[0].colour"
    bad = client.post("/v1/compare", json={"scenarios": [{**doc, "request": {"it_load_mw": -1}}]}, headers=key)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "scenarios[0].request.it_load_mw"
    assert "-1" in bad.json()["error"]["message"]


def test_monte_carlo_samples_left_out_mean_the_service_limit(client: TestClient, key: dict[str, str]) -> None:
    doc = {"name": "mc", "request": {"it_load_mw": 40},
           "monte_carlo": {"parameters": {"sites.*.capex_yuan_per_mw": {
               "distribution": "uniform", "low": 0.9, "high": 1.1, "relative": True}}}}
    r = client.post("/v1/scenarios", json=doc, headers=key)
    assert r.status_code == 201, r.text
    assert r.json()["document"]["monte_carlo"]["samples"] == 200  # SITING_MAX_SAMPLES, not the engine's 1000


def test_the_public_green_option_declares_exactly_the_catalog_fields() -> None:
    """GreenOptionPublic documents the catalog's GreenOption for GET /v1/options: a field added to one and not
    the other would be dropped from the answer or declared but never sent."""
    import dataclasses

    from api.schemas import GreenOptionPublic
    from siting.data.catalog import GreenOption

    assert set(GreenOptionPublic.model_fields) == {f.name for f in dataclasses.fields(GreenOption)} | {"sites"}
