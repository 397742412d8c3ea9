"""Scenarios: store validated scenario documents per key, list and read them back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response

from siting.serialize import to_jsonable

from .. import engine, scenario_store
from ..db import Scenario
from ..deps import DbDep, KeyDep, SettingsDep
from ..limits import check_count, check_scenario
from ..schemas import SCENARIO_EXAMPLE, ScenarioDocument, ScenarioPage, ScenarioPublic, ScenarioSummary, error_responses

router = APIRouter(prefix="/v1/scenarios", tags=["scenarios"])

ScenarioBody = Annotated[ScenarioDocument, Body(
    description="A scenario document (see siting.analysis.scenarios): a name, a base request and changes",
    openapi_examples={"cheaper power": {"summary": "A base request with a catalog override",
                                        "value": SCENARIO_EXAMPLE}},
    examples=[SCENARIO_EXAMPLE],
)]


def _public(row: Scenario) -> ScenarioPublic:
    return ScenarioPublic(id=row.id, name=row.name, created_at=row.created_at,
                          document=row.document)


@router.post("", status_code=201, response_model=ScenarioPublic,
             responses=error_responses(401, 413, 422), summary="Validate and store a scenario")
def create_scenario(body: ScenarioBody, key: KeyDep, db: DbDep, settings: SettingsDep,
                    response: Response) -> ScenarioPublic:
    document = body.document(settings.max_samples)
    scenario = engine.parse_scenario(document)
    check_scenario(scenario, document, settings)
    row = scenario_store.create(db, key.id, engine.scenario_name(scenario, document),
                                to_jsonable(document))
    response.headers["Location"] = f"/v1/scenarios/{row.id}"
    return _public(row)


@router.get("", response_model=ScenarioPage, responses=error_responses(401, 422),
            summary="The caller's scenarios, newest first")
def list_scenarios(
    key: KeyDep, db: DbDep, settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> ScenarioPage:
    check_count("limit", limit, settings.max_page_size, "")
    rows, total = scenario_store.list_owned(db, key.id, limit, offset)
    return ScenarioPage(items=[ScenarioSummary(id=r.id, name=r.name, created_at=r.created_at)
                               for r in rows], total=total, limit=limit, offset=offset)


@router.get("/{scenario_id}", response_model=ScenarioPublic,
            responses=error_responses(401, 404, 422), summary="One stored scenario")
def get_scenario(scenario_id: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")], key: KeyDep,
                 db: DbDep) -> ScenarioPublic:
    return _public(scenario_store.get_owned(db, key.id, scenario_id))
