"""Staged build-out with yearly cash flows, synchronously (a small multi-period MILP)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from .. import compute, engine
from ..admission import ComputeKeyDep, charge, cost_units
from ..deps import SettingsDep
from ..limits import check_site_request, check_time_limit
from ..schemas import StageCreate, StagePublic, error_responses

router = APIRouter(prefix="/v1/stage", tags=["stage"])


@router.post("", response_model=StagePublic, responses=error_responses(401, 413, 422, 429, 503, 504),
             summary="When each site opens and how much it builds each year, with cash flows, NPV, IRR, payback")
def stage(body: StageCreate, key: ComputeKeyDep, settings: SettingsDep, http: Request) -> Response:
    check_site_request(body.request, settings)
    limit = check_time_limit("time_limit_s", body.time_limit_s, settings.sync_time_limit_s)
    options = body.model_dump(include={"years", "build_block_mw", "lead_time_years", "price_yuan_per_kw_month",
                                          "residual_value"})
    # one multi-period MILP: about a solve per year of the plan (default: a 10-year horizon)
    cost = cost_units(body.request, 1, len(engine.catalog().site_ids), years=body.years or 10)
    with charge(http, key, cost, settings) as heavy:
        return compute.respond(StagePublic, engine.stage, body.request, options, compute.budget(limit),
                               limit_s=limit, heavy=heavy, key="staged",
                               fields={"request": body.request.model_dump(mode="json")})
