"""Downloads of an optimisation result: CSV, XLSX, flat GeoJSON, or the HTML report."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from siting.errors import RequestError

from .. import compute, engine
from ..admission import EXPLAIN_SOLVES, ComputeKeyDep, charge, cost_units
from ..deps import SettingsDep
from ..limits import check_count, check_site_request, check_time_limit
from ..schemas import ExportCreate, error_responses

router = APIRouter(prefix="/v1/exports", tags=["exports"])

_FORMATS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "geojson": "application/geo+json", "html": "text/html"}


@router.post("/{fmt}", responses={**error_responses(401, 413, 422, 429, 503, 504),
                                  200: {"content": {m: {} for m in _FORMATS.values()},
                                        "description": "The file (Content-Disposition: attachment)"}},
             response_class=Response,
             summary="Optimise a request and download the result: csv (per site), xlsx (every table and the "
                     "explanation), geojson (flat sites and allocation lines) or html (the report); robust "
                     "samples reach the xlsx and html story, and are refused for csv and geojson")
def export(fmt: Literal["csv", "xlsx", "geojson", "html"], body: ExportCreate, key: ComputeKeyDep,
           settings: SettingsDep, http: Request) -> Response:
    check_site_request(body.request, settings)
    limit = check_time_limit("time_limit_s", body.time_limit_s, settings.sync_time_limit_s)
    robust = None
    if body.robust is not None:  # the robustness samples reach the story: the xlsx explanation, the report
        if fmt not in ("xlsx", "html"):
            raise RequestError(f"robust: the {fmt} export has no place for robustness results; ask for xlsx or "
                               "html, or POST /v1/optimize", field="robust")
        samples = body.robust.samples_within(settings.max_sync_robust_samples)
        check_count("robust.samples", samples, settings.max_sync_robust_samples, "samples")
        robust = {"samples": samples, "seed": body.robust.seed}
    solves = 1 + EXPLAIN_SOLVES * (body.explain or fmt == "html") + (robust["samples"] if robust else 0)
    with charge(http, key, cost_units(body.request, solves, len(engine.catalog().site_ids)), settings) as heavy:
        content, media_type, filename = compute.run(engine.export, body.request, fmt, compute.budget(limit),
                                                    body.explain, robust, limit_s=limit, heavy=heavy)
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
