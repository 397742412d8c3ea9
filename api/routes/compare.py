"""Compare scenarios (stored ones by id, and/or inline documents), synchronously."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from siting.errors import RequestError

from .. import compute, engine, scenario_store
from ..admission import EXPLAIN_SOLVES, ComputeKeyDep, charge, cost_units
from ..deps import DbDep, SettingsDep
from ..limits import check_count, check_scenario
from ..schemas import CompareCreate, ComparePublic, error_responses

router = APIRouter(prefix="/v1/compare", tags=["compare"])


@router.post("", response_model=ComparePublic, responses=error_responses(401, 404, 413, 422, 429, 503, 504),
             summary="Compare two or more scenarios side by side")
def compare(body: CompareCreate, key: ComputeKeyDep, db: DbDep, settings: SettingsDep, http: Request) -> Response:
    n = len(body.scenario_ids) + len(body.scenarios)
    check_count("scenarios", n, settings.max_scenarios, "scenarios")
    if n == 0:
        raise RequestError("give at least one scenario in scenario_ids or scenarios",
                           field="scenarios")
    documents: list[tuple[str, dict[str, Any]]] = []
    for i, sid in enumerate(body.scenario_ids):
        row = scenario_store.get_owned(db, key.id, sid, field=f"scenario_ids[{i}]")
        documents.append((f"scenario_ids[{i}]", row.document))
    documents += [(f"scenarios[{i}]", doc.document(settings.max_samples)) for i, doc in enumerate(body.scenarios)]
    parsed = []
    for where, doc in documents:
        scenario = engine.parse_scenario(doc, field=where)
        check_scenario(scenario, doc, settings, where)
        parsed.append(scenario)
    names = [engine.scenario_name(s, doc) for s, (_, doc) in zip(parsed, documents, strict=True)]
    # synchronous: the server's time limit bounds the whole comparison (wall clock from arrival)
    limit = settings.sync_time_limit_s
    n_sites = len(engine.catalog().site_ids)
    cost = sum(cost_units(s.request, 1 + EXPLAIN_SOLVES * body.explain, n_sites) for s in parsed)
    with charge(http, key, cost, settings) as heavy:
        return compute.respond(ComparePublic, engine.compare, parsed, body.explain, compute.budget(limit),
                               limit_s=limit, heavy=heavy, key="comparison", fields={"scenarios": names})
