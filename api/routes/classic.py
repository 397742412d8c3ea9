"""Classic location views (p-median, p-center, MCLP) beside the cost-optimal plan, synchronously."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from .. import compute, engine
from ..admission import ComputeKeyDep, charge, cost_units
from ..deps import SettingsDep
from ..limits import check_site_request
from ..schemas import ClassicCreate, ClassicPublic, error_responses

router = APIRouter(prefix="/v1/classic", tags=["classic"])


@router.post("", response_model=ClassicPublic, responses=error_responses(401, 413, 422, 429, 503, 504),
             summary="The cost-optimal plan beside the p-median, p-center and maximal-covering answers, each costed")
def classic(body: ClassicCreate, key: ComputeKeyDep, settings: SettingsDep, http: Request) -> Response:
    check_site_request(body.request, settings)
    # the cost-optimal plan, p-median, p-center and MCLP: four solves
    with charge(http, key, cost_units(body.request, 4, len(engine.catalog().site_ids)), settings) as heavy:
        return compute.respond(ClassicPublic, engine.classic, body.request, body.p, body.radius_ms,
                               limit_s=settings.sync_time_limit_s, heavy=heavy, key="classic",
                               fields={"request": body.request.model_dump(mode="json")})
