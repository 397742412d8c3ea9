"""Trade-off frontiers (cost against emissions or mean RTT), synchronously, a bounded number of points."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from .. import compute, engine, jobs
from ..admission import ComputeKeyDep, charge, cost_units
from ..deps import DbDep, SettingsDep
from ..limits import check_site_request, check_time_limit
from ..schemas import JobAccepted, ParetoCreate, ParetoPublic, error_responses

router = APIRouter(prefix="/v1/pareto", tags=["pareto"])


@router.post("", response_model=ParetoPublic,
             responses={**error_responses(401, 413, 422, 429, 503, 504),
                        202: {"model": JobAccepted,
                              "description": "More points than a synchronous call takes: queued as a job; poll "
                                             "the url (GET /v1/requests/ID)"}},
             summary="Cost against emissions or latency: the exact frontier (epsilon-constraint), knee marked")
def pareto(body: ParetoCreate, key: ComputeKeyDep, settings: SettingsDep, db: DbDep, http: Request) -> Any:
    """Up to ``max_sync_pareto_points`` points answer now; a longer frontier becomes a job (202 + its url)."""
    check_site_request(body.request, settings)
    if body.points > settings.max_sync_pareto_points:
        limit = check_time_limit("time_limit_s", body.time_limit_s or settings.job_time_limit_s,
                                 settings.max_job_time_limit_s)
        engine.validate_ids(body.request)
        job = jobs.submit(db, key.id, body.request.model_dump(mode="json"),
                          {"kind": "pareto", "criterion": body.criterion, "points": body.points,
                           "time_limit_s": limit})
        url = f"/v1/requests/{job.id}"
        accepted = JobAccepted(id=job.id, status="queued", created_at=job.created_at, url=url)
        return JSONResponse(accepted.model_dump(mode="json"), status_code=202, headers={"Location": url})
    limit = check_time_limit("time_limit_s", body.time_limit_s, settings.sync_time_limit_s)
    # the two ends and one solve per point
    with charge(http, key, cost_units(body.request, body.points + 2, len(engine.catalog().site_ids)),
                settings) as heavy:
        return compute.respond(ParetoPublic, engine.pareto, body.request, body.criterion, body.points,
                               compute.budget(limit), limit_s=limit, heavy=heavy, key="frontier",
                               fields={"request": body.request.model_dump(mode="json")})
