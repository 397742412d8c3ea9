"""Trade-off frontiers (cost against emissions or mean RTT), synchronously, a bounded number of points."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from .. import engine
from ..admission import ComputeKeyDep
from ..deps import SettingsDep
from ..limits import check_count, check_site_request, check_time_limit
from ..schemas import ParetoCreate, ParetoPublic, error_responses

router = APIRouter(prefix="/v1/pareto", tags=["pareto"])


@router.post("", response_model=ParetoPublic, responses=error_responses(401, 413, 422, 429),
             summary="Cost against emissions or latency: the exact frontier (epsilon-constraint), knee marked")
def pareto(body: ParetoCreate, key: ComputeKeyDep, settings: SettingsDep) -> dict[str, Any]:
    check_site_request(body.request, settings)
    check_count("points", body.points, settings.max_sync_pareto_points, "points")
    limit = check_time_limit("time_limit_s", body.time_limit_s, settings.sync_time_limit_s)
    return {"request": body.request.model_dump(mode="json"),
            "frontier": engine.pareto(body.request, body.criterion, body.points, limit)}
