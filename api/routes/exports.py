"""Downloads of an optimisation result: CSV, XLSX, flat GeoJSON, or the HTML report."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response

from .. import compute, engine
from ..admission import ComputeKeyDep
from ..deps import SettingsDep
from ..limits import check_site_request, check_time_limit
from ..schemas import OptimizeCreate, error_responses

router = APIRouter(prefix="/v1/exports", tags=["exports"])

_FORMATS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "geojson": "application/geo+json", "html": "text/html"}


@router.post("/{fmt}", responses={**error_responses(401, 413, 422, 429),
                                  200: {"content": {m: {} for m in _FORMATS.values()},
                                        "description": "The file (Content-Disposition: attachment)"}},
             response_class=Response,
             summary="Optimise a request and download the result: csv (per site), xlsx (every table and the "
                     "explanation), geojson (flat sites and allocation lines) or html (the report)")
def export(fmt: Literal["csv", "xlsx", "geojson", "html"], body: OptimizeCreate, key: ComputeKeyDep,
           settings: SettingsDep) -> Response:
    check_site_request(body.request, settings)
    limit = check_time_limit("time_limit_s", body.time_limit_s, settings.sync_time_limit_s)
    content, media_type, filename = compute.run(engine.export, body.request, fmt, limit, body.explain)
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
