"""Synchronous optimisation for small requests, under a server-side time limit."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from .. import compute, engine
from ..admission import EXPLAIN_SOLVES, ComputeKeyDep, charge, cost_units
from ..deps import SettingsDep
from ..limits import check_count, check_site_request, check_time_limit
from ..schemas import OptimizeCreate, OptimizePublic, error_responses

router = APIRouter(prefix="/v1/optimize", tags=["optimize"])


@router.post("", response_model=OptimizePublic, responses=error_responses(401, 413, 422, 429, 503, 504),
             summary="Optimise a request now (long ones: POST /v1/requests)")
def optimize(body: OptimizeCreate, key: ComputeKeyDep, settings: SettingsDep, http: Request) -> Response:
    check_site_request(body.request, settings)
    limit = check_time_limit("time_limit_s", body.time_limit_s, settings.sync_time_limit_s)
    robust = None
    if body.robust is not None:  # more samples: submit a job (POST /v1/requests)
        samples = body.robust.samples_within(settings.max_sync_robust_samples)
        check_count("robust.samples", samples, settings.max_sync_robust_samples, "samples (more: POST /v1/requests)")
        robust = {"samples": samples, "seed": body.robust.seed}
    solves = 1 + EXPLAIN_SOLVES * body.explain + (robust["samples"] if robust else 0)
    with charge(http, key, cost_units(body.request, solves, len(engine.catalog().site_ids)), settings) as heavy:
        return compute.respond(OptimizePublic, engine.optimize, body.request, compute.budget(limit), body.explain,
                               robust, limit_s=limit, heavy=heavy, key="result",
                               fields={"request": body.request.model_dump(mode="json")})
