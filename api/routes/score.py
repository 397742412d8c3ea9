"""Score cards for a request (synchronous)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from .. import compute, engine
from ..admission import ComputeKeyDep, charge, cost_units
from ..deps import SettingsDep
from ..limits import check_site_request
from ..schemas import ScoreCreate, ScorePublic, error_responses

router = APIRouter(prefix="/v1/score", tags=["score"])


@router.post("", response_model=ScorePublic, responses=error_responses(401, 413, 422, 429, 503, 504),
             summary="Score cards: each site's cost, PUE, latency and carbon if it hosted the load")
def score(body: ScoreCreate, key: ComputeKeyDep, settings: SettingsDep, http: Request) -> Response:
    check_site_request(body.request, settings)
    # no solve: one evaluation per site, about a tenth of a solve
    with charge(http, key, cost_units(body.request, 0.1, len(engine.catalog().site_ids)), settings) as heavy:
        return compute.respond(ScorePublic, engine.score, body.request, body.all_sites, body.provenance,
                               limit_s=settings.sync_time_limit_s, heavy=heavy)
